// The part of a function's compiler every other part builds on: local slots and scopes, name
// resolution, captures, `this`/`super` access and child functions.
import type * as A from "../ast";
import type { CaptureDescriptor, FunctionProto } from "../../bytecode/module";
import { Op } from "../../bytecode/opcodes";
import { patternNames, type FunctionKey } from "./captures";
import { CodegenError, Emitter, Label } from "./emitter";
import type { ProgramBuilder } from "./program-builder";
import { Scope, type Binding, type LocalBinding } from "./bindings";

export type FunctionKind = "function" | "arrow" | "method" | "constructor" | "objectMethod" | "module";

export interface ClassContext {
  decl: A.ClassDecl;
  /** The scope the class was declared in: `super` resolves the parent's name there. */
  declScope: Scope;
}

export interface FunctionSpec {
  name: string;
  position: A.NodeBase;
  params: A.Param[];
  body: A.Block | A.Expr | null;
  isAsync: boolean;
  kind: FunctionKind;
  /** Key of this function in CaptureInfo.thisCaptured. */
  thisKey: FunctionKey | null;
  ownName?: A.FunctionExpr;
  classCtx?: ClassContext;
  /** Object-literal methods: the boxed hidden local of the enclosing frame that holds the object. */
  objectThis?: LocalBinding;
}

export interface CompileEnv {
  program: ProgramBuilder;
  fileIndex: number;
  /** Scope holding the module's top-level names (globals and imports). */
  moduleScope: Scope;
}

export interface JumpTarget {
  labels: string[];
  /** An unlabeled `break` may target it (loops and switch; not labelled blocks). */
  acceptsPlainBreak: boolean;
  breakLabel: Label;
  breakDepth: number;
  continueLabel: Label | null;
  continueDepth: number;
  tryLevel: number;
}

/** A protected region of code: a try block or a catch block whose try has a `finally`. */
export interface TryRegion {
  finallyBody: A.Block | null;
  ranges: [number, number][];
  openStart: number | null;
  scope: Scope;
  targetLevel: number;
}

export type AnyFunctionNode = A.FunctionExpr | A.ArrowFunction;

let nextCompilerId = 1;

export abstract class FunctionCompilerBase {
  readonly id = nextCompilerId++;
  readonly em: Emitter;
  protected scope: Scope;
  protected nextSlot: number;
  protected numLocals: number;
  protected readonly captures: CaptureDescriptor[] = [];
  protected readonly captureIndex = new Map<LocalBinding, number>();
  /** The boxed hidden local holding `this` for nested arrows (methods) or the object (object methods). */
  protected thisBinding: LocalBinding | null = null;
  /** While a class's static field initialisers are compiled: the box holding the class value,
   *  which is their `this` (and that of arrows created in them). */
  protected staticInitThis: LocalBinding | null = null;
  protected targets: JumpTarget[] = [];
  protected tryStack: TryRegion[] = [];
  /** Derived-class constructors: field initialisers and parameter properties, run after `super(...)`. */
  protected afterSuperCall: (() => void) | null = null;

  constructor(
    protected readonly env: CompileEnv,
    protected readonly spec: FunctionSpec,
    protected readonly parent: FunctionCompilerBase | null,
    declScope: Scope,
  ) {
    this.em = new Emitter((cls) => env.program.classes[cls].fields.length);
    this.scope = new Scope(declScope);
    const arity = spec.params.length;
    this.nextSlot = arity + 1;
    this.numLocals = this.nextSlot;
  }

  protected get program(): ProgramBuilder {
    return this.env.program;
  }

  protected get isArrow(): boolean {
    return this.spec.kind === "arrow";
  }

  protected get isMethod(): boolean {
    return this.spec.kind === "method" || this.spec.kind === "constructor";
  }

  /** Creates the compiler of a nested function (declared in `declScope`). */
  protected abstract createChild(spec: FunctionSpec, declScope: Scope): { compile(): number };

  /** Adds the finished function to the program's function table; returns its index. */
  finish(): number {
    this.closeScopeLocals(this.scope);
    const hasRest = this.spec.params.some((p) => p.rest);
    const proto: FunctionProto = {
      name: this.spec.name,
      file: this.env.fileIndex,
      line: this.spec.position.line,
      column: this.spec.position.col,
      arity: this.spec.params.length,
      hasRest,
      numLocals: this.numLocals,
      maxStack: this.em.maxDepth,
      isAsync: this.spec.isAsync,
      isMethod: this.isMethod,
      captures: this.captures,
      code: this.em.finish(),
      lines: this.em.lines,
      handlers: this.em.handlers,
      locals: this.em.locals,
    };
    return this.program.addFunction(proto);
  }

  // ================================================================ slots, scopes, names

  protected allocTemp(): number {
    const slot = this.nextSlot++;
    if (this.nextSlot > this.numLocals) this.numLocals = this.nextSlot;
    return slot;
  }

  protected freeTemp(slot: number): void {
    if (slot !== this.nextSlot - 1) throw new CodegenError("temporaries freed out of order");
    this.nextSlot--;
  }

  protected declareLocal(name: string, node: A.Node | null): LocalBinding {
    const slot = this.allocTemp();
    const boxed = node !== null && this.program.captures.captured.has(node as never);
    const binding: LocalBinding = { kind: "local", name, slot, boxed, owner: this };
    this.scope.names.set(name, binding);
    const info = { name, slot, startPc: this.em.pc, endPc: this.em.pc, boxed };
    this.em.locals.push(info);
    this.scope.openLocals.push(info);
    return binding;
  }

  /** Declares a pattern's names in the current scope, boxing captured ones now (scope entry). */
  protected declarePatternLocals(p: A.Pattern): void {
    const names: { name: string; node: A.Node }[] = [];
    patternNames(p, names as never);
    for (const n of names) {
      const b = this.declareLocal(n.name, n.node);
      if (b.boxed) this.em.emit(Op.BOX_LOCAL, b.slot);
    }
  }

  protected enterScope(): { scope: Scope; slot: number } {
    const saved = { scope: this.scope, slot: this.nextSlot };
    this.scope = new Scope(this.scope);
    return saved;
  }

  protected exitScope(saved: { scope: Scope; slot: number }): void {
    this.closeScopeLocals(this.scope);
    this.scope = saved.scope;
    this.nextSlot = saved.slot;
  }

  protected closeScopeLocals(scope: Scope): void {
    for (const info of scope.openLocals) info.endPc = this.em.pc;
    scope.openLocals.length = 0;
  }

  /** What `name` means in `from`: a local, global, import or (when nothing declares it) a builtin. */
  resolve(name: string, from: Scope = this.scope): Binding {
    return from.lookup(name) ?? { kind: "builtin", name };
  }

  /** Index of `binding` (a boxed local of an enclosing function) in this closure's captures. */
  protected captureOf(binding: LocalBinding): number {
    const known = this.captureIndex.get(binding);
    if (known !== undefined) return known;
    if (!this.parent) throw new CodegenError(`'${binding.name}' is not reachable from ${this.spec.name}`);
    let descriptor: CaptureDescriptor;
    if (binding.owner === this.parent) {
      if (!binding.boxed) throw new CodegenError(`capture analysis missed '${binding.name}' captured by ${this.spec.name}`);
      descriptor = { fromParentLocal: true, index: binding.slot };
    } else {
      descriptor = { fromParentLocal: false, index: this.parent.captureOf(binding) };
    }
    this.captures.push(descriptor);
    const index = this.captures.length - 1;
    this.captureIndex.set(binding, index);
    return index;
  }

  /** Pushes the binding's value. */
  emitLoad(binding: Binding, at?: A.NodeBase): void {
    switch (binding.kind) {
      case "local":
        if (binding.owner === this) this.em.emit(binding.boxed ? Op.LOAD_BOXED : Op.LOAD_LOCAL, binding.slot);
        else this.em.emit(Op.LOAD_CAPTURE, this.captureOf(binding));
        return;
      case "global":
        this.em.emit(Op.LOAD_GLOBAL, binding.slot);
        return;
      case "builtin":
        this.em.emit(Op.LOAD_BUILTIN, this.program.string(binding.name));
        return;
      case "capability":
        this.em.emit(Op.LOAD_CAPABILITY, this.program.string(binding.name));
        return;
      case "namespace":
        throw new CodegenError(`a namespace import cannot be used as a value${at ? ` (${at.file}:${at.line}:${at.col})` : ""}`);
    }
  }

  protected store(binding: Binding, at: A.NodeBase): void {
    switch (binding.kind) {
      case "local":
        if (binding.owner === this) this.em.emit(binding.boxed ? Op.STORE_BOXED : Op.STORE_LOCAL, binding.slot);
        else this.em.emit(Op.STORE_CAPTURE, this.captureOf(binding));
        return;
      case "global":
        this.em.emit(Op.STORE_GLOBAL, binding.slot);
        return;
      default:
        throw new CodegenError(`cannot assign to '${binding.kind}' binding at ${at.file}:${at.line}:${at.col}`);
    }
  }

  protected at(node: A.NodeBase): void {
    this.em.position(node.line, node.col);
  }

  // ================================================================ child functions, `this` and `super`

  protected childFunction(
    name: string,
    position: A.NodeBase,
    key: FunctionKey,
    params: A.Param[],
    body: A.Block | A.Expr | null,
    isAsync: boolean,
    kind: FunctionKind,
    extra: Partial<FunctionSpec> = {},
  ): number {
    const spec: FunctionSpec = { name, position, params, body, isAsync, kind, thisKey: key, ...extra };
    return this.createChild(spec, this.scope).compile();
  }

  protected functionExpr(e: AnyFunctionNode, nameHint: string | null): void {
    if (e.kind === "ArrowFunction") {
      this.em.emit(Op.CLOSURE, this.childFunction(nameHint ?? "<anonymous>", e, e, e.params, e.body, e.async, "arrow"));
    } else {
      const name = e.name ?? nameHint ?? "<anonymous>";
      this.em.emit(Op.CLOSURE, this.childFunction(name, e, e, e.params, e.body, e.async, "function", { ownName: e }));
    }
  }

  /** The function that provides `this` here (arrows use their enclosing function's). */
  protected thisProvider(): FunctionCompilerBase {
    let c: FunctionCompilerBase = this;
    while (c.isArrow && c.parent) c = c.parent;
    return c;
  }

  protected loadThis(at: A.NodeBase): void {
    const provider = this.thisProvider();
    if (provider.staticInitThis) {
      this.emitLoad(provider.staticInitThis);
      return;
    }
    if (provider === this && this.isMethod) {
      this.em.emit(Op.LOAD_LOCAL, 0);
      return;
    }
    if (!provider.thisBinding) throw new CodegenError(`'this' is not available at ${at.file}:${at.line}:${at.col}`);
    this.emitLoad(provider.thisBinding);
  }

  protected loadSuperClass(): void {
    const provider = this.thisProvider();
    const classCtx = provider.spec.classCtx;
    if (!classCtx || !classCtx.decl.extends) throw new CodegenError("'super' outside a derived class");
    this.emitLoad(this.resolve(classCtx.decl.extends.name, classCtx.declScope));
  }
}

/** A construct this code generator does not implement (reported with its source position). */
export function unsupported(node: A.NodeBase, what: string): CodegenError {
  return new CodegenError(`${what} is not supported yet`, { file: node.file, line: node.line, column: node.col });
}

export function isPattern(node: A.Pattern | A.Expr): node is A.Pattern {
  return node.kind === "IdentifierPattern" || node.kind === "ArrayPattern" || node.kind === "ObjectPattern" || node.kind === "MemberTargetPattern";
}

export function unparen(e: A.Expr): A.Expr {
  while (e.kind === "Paren" || e.kind === "As") e = e.expression;
  return e;
}

export { hasOptionalLink } from "../ast-utils";
