// Compiles one function (or module initialiser) body to bytecode: the prologue, statements,
// loops, exception regions and classes. Expressions are in expressions.ts, slots, scopes and
// names in function-base.ts.
import type * as A from "../ast";
import { Op } from "../../bytecode/opcodes";
import { lexicalDeclarations, patternNames } from "./captures";
import { CodegenError, Label } from "./emitter";
import { isParameterProperty } from "./program-builder";
import { Scope, type Binding, type LocalBinding } from "./bindings";
import { ExpressionCompiler } from "./expressions";
import {
  isPattern,
  type ClassContext,
  type FunctionSpec,
  type JumpTarget,
  type TryRegion,
} from "./function-base";

export type { ClassContext, CompileEnv, FunctionKind, FunctionSpec } from "./function-base";

export class FunctionCompiler extends ExpressionCompiler {
  protected createChild(spec: FunctionSpec, declScope: Scope): FunctionCompiler {
    return new FunctionCompiler(this.env, spec, this, declScope);
  }

  // ================================================================ whole functions

  /** Compiles the function and adds it to the function table; returns its index. */
  compile(prologueExtra?: (fc: FunctionCompiler) => void): number {
    const spec = this.spec;
    this.em.position(spec.position.line, spec.position.col);
    this.prologue();
    if (prologueExtra) prologueExtra(this);
    const body = spec.body;
    if (body && body.kind === "Block") {
      this.statementsInNewScope(body.body);
    } else if (body) {
      this.expr(body);
      this.em.emit(Op.RETURN);
    }
    this.em.emit(Op.PUSH_NULL);
    this.em.emit(Op.RETURN);
    return this.finish();
  }

  /** Own name, hidden `this` box, then parameters: defaults, boxing, destructuring. */
  private prologue(): void {
    const spec = this.spec;
    const captured = this.program.captures.captured;
    if (spec.ownName && spec.ownName.name) {
      if (captured.has(spec.ownName)) {
        const own = this.declareLocal(spec.ownName.name, spec.ownName);
        this.em.emit(Op.LOAD_LOCAL, 0);
        this.em.emit(Op.STORE_LOCAL, own.slot);
        this.em.emit(Op.BOX_LOCAL, own.slot);
      } else {
        this.scope.names.set(spec.ownName.name, { kind: "local", name: spec.ownName.name, slot: 0, boxed: false, owner: this });
      }
    }
    if (spec.objectThis) this.thisBinding = spec.objectThis;
    if (this.isMethod && spec.thisKey && this.program.captures.thisCaptured.has(spec.thisKey)) {
      const slot = this.allocTemp();
      this.em.emit(Op.LOAD_LOCAL, 0);
      this.em.emit(Op.STORE_LOCAL, slot);
      this.em.emit(Op.BOX_LOCAL, slot);
      this.thisBinding = { kind: "local", name: "this", slot, boxed: true, owner: this };
    }
    // Parameters: simple ones live in their own slot; destructured ones are unpacked into locals.
    const destructured: { param: A.Param; slot: number }[] = [];
    spec.params.forEach((param, i) => {
      const slot = i + 1;
      if (param.pattern.kind === "IdentifierPattern") {
        const boxed = captured.has(param.pattern);
        this.scope.names.set(param.pattern.name, { kind: "local", name: param.pattern.name, slot, boxed, owner: this });
        this.em.locals.push({ name: param.pattern.name, slot, startPc: 0, endPc: 0, boxed });
        this.scope.openLocals.push(this.em.locals[this.em.locals.length - 1]);
      } else {
        destructured.push({ param, slot });
      }
    });
    for (const { param } of destructured) this.declarePatternLocals(param.pattern);
    spec.params.forEach((param, i) => {
      const slot = i + 1;
      if (param.default || (param.optional && !param.rest)) {
        const done = new Label();
        this.em.emitJump(Op.JUMP_IF_NOT_ABSENT, done, slot);
        if (param.default) this.expr(param.default);
        else this.em.emit(Op.PUSH_NULL);
        this.em.emit(Op.STORE_LOCAL, slot);
        this.em.place(done);
      }
      if (param.pattern.kind === "IdentifierPattern") {
        if (captured.has(param.pattern)) this.em.emit(Op.BOX_LOCAL, slot);
      } else {
        this.em.emit(Op.LOAD_LOCAL, slot);
        this.destructure(param.pattern);
      }
    });
  }

  /** Declares a statement list's lexical names (boxing captured ones) and hoists its functions. */
  private declareBlock(stmts: A.Stmt[]): void {
    const isModuleTop = this.spec.kind === "module" && this.scope.parent === this.env.moduleScope;
    if (!isModuleTop) {
      for (const d of lexicalDeclarations(stmts)) {
        const b = this.declareLocal(d.name, d.node);
        if (d.node.kind === "ClassDecl") b.classDecl = d.node;
        if (b.boxed) this.em.emit(Op.BOX_LOCAL, b.slot);
      }
    }
    for (const s of stmts) {
      if (s.kind === "FunctionDecl" && s.body && !s.declared) {
        this.at(s); // hoisting runs first: map it to the declaration, not to the block's first line
        this.em.emit(Op.CLOSURE, this.childFunction(s.name, s, s, s.params, s.body, s.async, "function"));
        this.store(this.resolve(s.name), s);
      }
    }
  }

  private statementsInNewScope(stmts: A.Stmt[]): void {
    const saved = this.enterScope();
    this.declareBlock(stmts);
    for (const s of stmts) this.stmt(s);
    this.exitScope(saved);
  }

  /** Module initialisers: compile top-level statements in the module scope. */
  compileModuleBody(stmts: A.Stmt[], prologue: (fc: FunctionCompiler) => void, epilogue: (fc: FunctionCompiler) => void): number {
    this.em.position(this.spec.position.line, this.spec.position.col);
    prologue(this);
    this.scope = new Scope(this.env.moduleScope);
    this.declareBlock(stmts);
    for (const s of stmts) this.stmt(s);
    epilogue(this);
    this.em.emit(Op.PUSH_NULL);
    this.em.emit(Op.RETURN);
    return this.finish();
  }

  // ================================================================ classes

  /** The class declaration a binding holds, when statically known. */
  private classDeclOf(binding: Binding): A.ClassDecl | null {
    return binding.kind === "local" || binding.kind === "global" ? binding.classDecl ?? null : null;
  }

  /** Layout index for `decl`, creating parents' layouts first. `scope` is where decl is declared. */
  private layoutOf(decl: A.ClassDecl, scope: Scope): number {
    const existing = this.program.existingLayout(decl);
    if (existing !== undefined) return existing;
    let parent = -1;
    if (decl.extends) {
      const parentDecl = this.classDeclOf(this.resolve(decl.extends.name, scope));
      if (parentDecl) parent = this.layoutOf(parentDecl, scope);
    }
    return this.program.layout(decl, parent, this.env.fileIndex);
  }

  /** Declared parameters of the constructor a class's instances run (walking up synthesized ones). */
  private constructorParamsOf(decl: A.ClassDecl, scope: Scope): A.Param[] {
    const ctor = decl.members.find((m): m is A.ConstructorMember => m.kind === "Constructor");
    if (ctor) return ctor.params;
    if (!decl.extends) return [];
    const parentDecl = this.classDeclOf(this.resolve(decl.extends.name, scope));
    return parentDecl ? this.constructorParamsOf(parentDecl, scope) : [];
  }

  /** Pushes the class value: parent (or null), CLASS. Methods become closures in this frame. */
  private classValue(decl: A.ClassDecl): void {
    const layoutIndex = this.layoutOf(decl, this.scope);
    const layout = this.program.classes[layoutIndex];
    const classCtx: ClassContext = { decl, declScope: this.scope };
    const methods: typeof layout.methods = [];
    for (const m of decl.members) {
      if (m.kind !== "Method" || !m.body) continue;
      const fn = this.childFunction(`${decl.name}.${m.name}`, m, m, m.params, m.body, m.async, "method", { classCtx });
      methods.push({ name: m.name, fn, kind: m.methodKind, static: m.static });
    }
    layout.methods = methods;
    layout.constructorFn = this.constructorFunction(decl, classCtx);
    this.at(decl);
    if (decl.extends) this.emitLoad(this.resolve(decl.extends.name));
    else this.em.emit(Op.PUSH_NULL);
    this.em.emit(Op.CLASS, layoutIndex);
  }

  private constructorFunction(decl: A.ClassDecl, classCtx: ClassContext): number {
    const ctor = decl.members.find((m): m is A.ConstructorMember => m.kind === "Constructor");
    const fieldInits = decl.members.filter((m): m is A.FieldMember => m.kind === "Field" && !m.static && m.init !== null);
    let params = ctor?.params ?? [];
    let synthesizedForward = false;
    if (!ctor && decl.extends) {
      params = this.constructorParamsOf(decl, this.scope);
      synthesizedForward = true;
      // Forwarded as plain slots: a missing argument stays ABSENT and the parent's prologue defaults it.
      params = params.map((p, i) => ({ ...p, pattern: { ...p.pattern, kind: "IdentifierPattern", name: `$arg${i}` } as A.IdentifierPattern, default: null, optional: false, accessibility: null, readonly: false }));
    }
    const spec: FunctionSpec = {
      name: `${decl.name}.constructor`,
      position: ctor ?? decl,
      params,
      body: ctor?.body ?? null,
      isAsync: false,
      kind: "constructor",
      thisKey: decl,
      classCtx,
    };
    const compiler = new FunctionCompiler(this.env, spec, this, this.scope);
    const initialiseFields = (fc: FunctionCompiler) => fc.initialiseInstance(params, fieldInits, classCtx);
    return compiler.compile((fc) => {
      if (synthesizedForward) {
        fc.loadSuperClass();
        fc.em.emit(Op.LOAD_LOCAL, 0);
        const rest = params.length > 0 && params[params.length - 1].rest;
        if (rest) {
          // The parent's rest parameter gets back exactly the arguments this one collected:
          // the fixed ones then the rest array's elements, passed with SUPER_CALL_SPREAD.
          for (let i = 1; i < params.length; i++) fc.em.emit(Op.LOAD_LOCAL, i);
          fc.em.emit(Op.NEW_ARRAY, params.length - 1);
          fc.em.emit(Op.LOAD_LOCAL, params.length);
          fc.em.emit(Op.ARRAY_SPREAD);
          fc.em.emit(Op.SUPER_CALL_SPREAD);
        } else {
          for (let i = 1; i <= params.length; i++) fc.em.emit(Op.LOAD_LOCAL, i);
          fc.em.emit(Op.SUPER_CALL, params.length);
        }
        initialiseFields(fc);
      } else if (decl.extends) {
        fc.afterSuperCall = () => initialiseFields(fc);
      } else {
        initialiseFields(fc);
      }
    });
  }

  /** Parameter properties, then field initialisers (evaluated in the class's declaring scope). */
  private initialiseInstance(params: A.Param[], fieldInits: A.FieldMember[], classCtx: ClassContext): void {
    params.forEach((p) => {
      if (!isParameterProperty(p) || p.pattern.kind !== "IdentifierPattern") return;
      this.em.emit(Op.LOAD_LOCAL, 0);
      this.emitLoad(this.resolve(p.pattern.name));
      this.em.emit(Op.SET_PROP, this.program.string(p.pattern.name));
      this.em.emit(Op.POP);
    });
    const saved = this.scope;
    this.scope = new Scope(classCtx.declScope);
    for (const f of fieldInits) {
      this.at(f);
      this.em.emit(Op.LOAD_LOCAL, 0);
      this.expr(f.init!);
      this.em.emit(Op.SET_PROP, this.program.string(f.name));
      this.em.emit(Op.POP);
    }
    this.scope = saved;
  }

  private classDeclaration(decl: A.ClassDecl): void {
    this.classValue(decl);
    this.em.emit(Op.DUP);
    this.store(this.resolve(decl.name), decl);
    const staticInits = decl.members.filter((m): m is A.FieldMember => m.kind === "Field" && m.static && m.init !== null);
    const savedStaticThis = this.staticInitThis;
    let selfSlot: number | null = null;
    if (staticInits.some((m) => mentionsThis(m.init!))) {
      // `this` in a static initialiser is the class; a box lets arrows created there keep it.
      selfSlot = this.allocTemp();
      this.em.emit(Op.DUP);
      this.em.emit(Op.STORE_LOCAL, selfSlot);
      this.em.emit(Op.BOX_LOCAL, selfSlot);
      this.staticInitThis = { kind: "local", name: "this", slot: selfSlot, boxed: true, owner: this };
    }
    for (const m of staticInits) {
      this.at(m);
      this.em.emit(Op.DUP);
      this.expr(m.init!);
      this.em.emit(Op.SET_PROP, this.program.string(m.name));
      this.em.emit(Op.POP);
    }
    this.staticInitThis = savedStaticThis;
    if (selfSlot !== null) this.freeTemp(selfSlot);
    this.em.emit(Op.POP);
  }

  // ================================================================ statements

  private stmt(s: A.Stmt): void {
    switch (s.kind) {
      case "VarDecl":
        this.at(s);
        for (const d of s.declarations) {
          this.at(d);
          const nameHint = d.target.kind === "IdentifierPattern" ? d.target.name : null;
          if (d.init) this.exprNamed(d.init, nameHint);
          else this.em.emit(Op.PUSH_NULL);
          this.destructure(d.target);
        }
        return;
      case "FunctionDecl":
      case "TypeAlias":
      case "Interface":
      case "Import":
      case "ExportNamed":
      case "Empty":
        return;
      case "ClassDecl":
        if (!s.declared) this.classDeclaration(s);
        return;
      case "Return":
        this.at(s);
        this.returnStatement(s);
        return;
      case "If": {
        this.at(s);
        const elseLabel = new Label();
        this.condition(s.test, elseLabel);
        this.stmt(s.consequent);
        if (s.alternate) {
          const end = new Label();
          if (this.em.reachable) this.em.emitJump(Op.JUMP, end);
          this.em.place(elseLabel);
          this.stmt(s.alternate);
          this.em.place(end);
        } else {
          this.em.place(elseLabel);
        }
        return;
      }
      case "For":
        this.forStatement(s, []);
        return;
      case "ForOf":
        this.forOfStatement(s, []);
        return;
      case "While":
        this.whileStatement(s, []);
        return;
      case "DoWhile":
        this.doWhileStatement(s, []);
        return;
      case "Labeled":
        this.labeled(s, []);
        return;
      case "Break":
      case "Continue":
        this.at(s);
        this.jumpStatement(s);
        return;
      case "Switch":
        this.switchStatement(s, []);
        return;
      case "Throw":
        this.at(s);
        this.expr(s.argument);
        this.at(s);
        this.em.emit(Op.THROW);
        return;
      case "Try":
        this.tryStatement(s);
        return;
      case "Block":
        this.statementsInNewScope(s.body);
        return;
      case "ExprStmt":
        this.at(s);
        this.exprDiscard(s.expression);
        return;
      case "ErrorStmt":
        throw new CodegenError("codegen reached a parse error placeholder");
    }
  }

  private labeled(s: A.LabeledStmt, outer: string[]): void {
    const labels = [...outer, s.label];
    const body = s.body;
    switch (body.kind) {
      case "For": return this.forStatement(body, labels);
      case "ForOf": return this.forOfStatement(body, labels);
      case "While": return this.whileStatement(body, labels);
      case "DoWhile": return this.doWhileStatement(body, labels);
      case "Switch": return this.switchStatement(body, labels);
      case "Labeled": return this.labeled(body, labels);
      default: {
        const target = this.pushTarget(labels, false, null, this.em.depth);
        this.stmt(body);
        this.popTarget(target);
      }
    }
  }

  private pushTarget(labels: string[], plainBreak: boolean, continueLabel: Label | null, continueDepth: number): JumpTarget {
    const target: JumpTarget = {
      labels,
      acceptsPlainBreak: plainBreak,
      breakLabel: new Label(),
      breakDepth: this.em.depth,
      continueLabel,
      continueDepth,
      tryLevel: this.tryStack.length,
    };
    this.targets.push(target);
    return target;
  }

  private popTarget(target: JumpTarget): void {
    this.targets.pop();
    this.em.place(target.breakLabel);
  }

  /** Loops are rotated: the test sits after the body, so an iteration runs one jump, not two. */
  private whileStatement(s: A.WhileStmt, labels: string[]): void {
    this.at(s);
    const testLabel = new Label();
    const bodyLabel = new Label();
    this.em.emitJump(Op.JUMP, testLabel);
    this.em.place(bodyLabel);
    const target = this.pushTarget(labels, true, testLabel, this.em.depth);
    this.stmt(s.body);
    this.em.place(testLabel);
    this.at(s.test);
    this.branch(s.test, bodyLabel, true);
    this.popTarget(target);
  }

  private doWhileStatement(s: A.DoWhileStmt, labels: string[]): void {
    this.at(s);
    const top = this.em.here();
    const continueLabel = new Label();
    const target = this.pushTarget(labels, true, continueLabel, this.em.depth);
    this.stmt(s.body);
    this.em.place(continueLabel);
    this.at(s.test);
    this.expr(s.test);
    this.em.emitJump(Op.JUMP_IF_TRUE, top);
    this.popTarget(target);
  }

  private forStatement(s: A.ForStmt, labels: string[]): void {
    this.at(s);
    const saved = this.enterScope();
    const perIteration: LocalBinding[] = [];
    if (s.init && s.init.kind === "VarDecl") {
      this.declareBlock([s.init]);
      for (const d of s.init.declarations) {
        const names: { name: string; node: A.Node }[] = [];
        patternNames(d.target, names as never);
        for (const n of names) {
          const b = this.scope.names.get(n.name);
          if (b && b.kind === "local" && b.boxed) perIteration.push(b);
        }
      }
      this.stmt(s.init);
    } else if (s.init) {
      this.exprDiscard(s.init as A.Expr);
    }
    const testLabel = new Label();
    const bodyLabel = new Label();
    this.em.emitJump(Op.JUMP, testLabel);
    this.em.place(bodyLabel);
    const continueLabel = new Label();
    const target = this.pushTarget(labels, true, continueLabel, this.em.depth);
    this.stmt(s.body);
    this.em.place(continueLabel);
    // Each iteration's closures keep their own binding: copy the value into a fresh box.
    for (const b of perIteration) {
      this.em.emit(Op.LOAD_BOXED, b.slot);
      this.em.emit(Op.STORE_LOCAL, b.slot);
      this.em.emit(Op.BOX_LOCAL, b.slot);
    }
    if (s.update) {
      this.at(s.update);
      this.exprDiscard(s.update);
    }
    this.em.place(testLabel);
    if (s.test) {
      this.at(s.test);
      this.branch(s.test, bodyLabel, true);
    } else {
      this.em.emitJump(Op.JUMP, bodyLabel);
    }
    this.popTarget(target);
    this.exitScope(saved);
  }

  private forOfStatement(s: A.ForOfStmt, labels: string[]): void {
    this.at(s);
    this.expr(s.iterable);
    this.at(s);
    this.em.emit(Op.ITER_INIT);
    const top = this.em.here();
    const breakDepth = this.em.depth - 1;
    const target = this.pushTarget(labels, true, top, this.em.depth);
    target.breakDepth = breakDepth;
    this.em.emitJump(Op.ITER_NEXT, target.breakLabel);
    const saved = this.enterScope();
    if (s.declKind !== null) {
      this.declarePatternLocals(s.target as A.Pattern);
      this.destructure(s.target as A.Pattern);
    } else if (isPattern(s.target)) {
      this.destructure(s.target);
    } else {
      this.assignFromStack(s.target);
    }
    this.stmt(s.body);
    this.exitScope(saved);
    if (this.em.reachable) this.em.emitJump(Op.JUMP, top);
    this.popTarget(target);
  }

  private switchStatement(s: A.SwitchStmt, labels: string[]): void {
    this.at(s);
    this.expr(s.discriminant);
    const discriminant = this.allocTemp();
    this.em.emit(Op.STORE_LOCAL, discriminant);
    const saved = this.enterScope();
    this.declareBlock(s.cases.flatMap((c) => c.body));
    const caseLabels = s.cases.map(() => new Label());
    s.cases.forEach((c, i) => {
      if (!c.test) return;
      this.at(c);
      this.em.emit(Op.LOAD_LOCAL, discriminant);
      this.expr(c.test);
      this.em.emit(Op.EQ);
      this.em.emitJump(Op.JUMP_IF_TRUE, caseLabels[i]);
    });
    const target = this.pushTarget(labels, true, null, this.em.depth);
    const defaultIndex = s.cases.findIndex((c) => c.test === null);
    this.em.emitJump(Op.JUMP, defaultIndex >= 0 ? caseLabels[defaultIndex] : target.breakLabel);
    s.cases.forEach((c, i) => {
      this.em.place(caseLabels[i]);
      for (const b of c.body) this.stmt(b);
    });
    this.popTarget(target);
    // The discriminant temp sits below the case scope's locals; free both in order.
    this.exitScope(saved);
    this.freeTemp(discriminant);
  }

  private jumpStatement(s: A.BreakStmt | A.ContinueStmt): void {
    const isBreak = s.kind === "Break";
    let target: JumpTarget | undefined;
    for (let i = this.targets.length - 1; i >= 0; i--) {
      const t = this.targets[i];
      if (s.label !== null) {
        if (t.labels.includes(s.label) && (isBreak || t.continueLabel)) {
          target = t;
          break;
        }
      } else if (isBreak ? t.acceptsPlainBreak : t.continueLabel !== null) {
        target = t;
        break;
      }
    }
    if (!target) throw new CodegenError(`no target for ${s.kind.toLowerCase()} at ${s.file}:${s.line}:${s.col}`);
    const depth = isBreak ? target.breakDepth : target.continueDepth;
    while (this.em.depth > depth) this.em.emit(Op.POP);
    this.runFinallyBlocks(target.tryLevel, () => this.em.emitJump(Op.JUMP, isBreak ? target!.breakLabel : target!.continueLabel!));
  }

  private returnStatement(s: A.ReturnStmt): void {
    if (s.argument) this.expr(s.argument);
    else this.em.emit(Op.PUSH_NULL);
    const needsFinally = this.tryStack.some((r) => r.finallyBody !== null);
    if (!needsFinally) {
      this.em.emit(Op.RETURN);
      return;
    }
    const value = this.allocTemp();
    this.em.emit(Op.STORE_LOCAL, value);
    this.runFinallyBlocks(0, () => {
      this.em.emit(Op.LOAD_LOCAL, value);
      this.em.emit(Op.RETURN);
    });
    this.freeTemp(value);
  }

  /**
   * Leaves every try region above `level`: each one's `finally` runs inline (outside the
   * region's protected ranges, so an exception in it is not caught by its own handlers),
   * then `exit` jumps or returns; the regions resume after it.
   */
  private runFinallyBlocks(level: number, exit: () => void): void {
    const regions = this.tryStack;
    const suspended: TryRegion[] = [];
    for (let i = regions.length - 1; i >= level; i--) {
      const region = regions[i];
      this.suspendRegion(region);
      suspended.push(region);
      if (region.finallyBody) this.inlineFinally(region, i);
    }
    exit();
    for (const region of suspended) region.openStart = this.em.pc;
  }

  private suspendRegion(region: TryRegion): void {
    if (region.openStart !== null && region.openStart < this.em.pc) region.ranges.push([region.openStart, this.em.pc]);
    region.openStart = null;
  }

  /** Compiles a region's finally body as if at the try statement (its own try level and targets). */
  private inlineFinally(region: TryRegion, level: number): void {
    const savedTry = this.tryStack;
    const savedTargets = this.targets;
    const savedScope = this.scope;
    this.tryStack = savedTry.slice(0, level);
    this.targets = savedTargets.slice(0, region.targetLevel);
    this.scope = region.scope;
    this.statementsInNewScope(region.finallyBody!.body);
    this.tryStack = savedTry;
    this.targets = savedTargets;
    this.scope = savedScope;
  }

  private tryStatement(s: A.TryStmt): void {
    this.at(s);
    const depth = this.em.depth;
    const after = new Label();
    const tryRegion = this.openRegion(s.finallyBody);
    this.statementsInNewScope(s.block.body);
    this.closeRegion(tryRegion);
    if (this.em.reachable) {
      if (s.finallyBody) this.statementsInNewScope(s.finallyBody.body);
      if (this.em.reachable) this.em.emitJump(Op.JUMP, after);
    }
    let finallyProtects = tryRegion;
    if (s.catchBody) {
      const catchLabel = new Label();
      this.em.placeHandler(catchLabel, depth);
      this.addHandlers(tryRegion, catchLabel.pc, depth, false);
      const catchRegion = this.openRegion(s.finallyBody);
      const saved = this.enterScope();
      if (s.catchParam) {
        this.declarePatternLocals(s.catchParam);
        this.destructure(s.catchParam);
      } else {
        this.em.emit(Op.POP);
      }
      this.statementsInNewScope(s.catchBody.body);
      this.exitScope(saved);
      this.closeRegion(catchRegion);
      if (this.em.reachable) {
        if (s.finallyBody) this.statementsInNewScope(s.finallyBody.body);
        if (this.em.reachable) this.em.emitJump(Op.JUMP, after);
      }
      finallyProtects = catchRegion;
    }
    if (s.finallyBody) {
      const finallyLabel = new Label();
      this.em.placeHandler(finallyLabel, depth);
      this.addHandlers(finallyProtects, finallyLabel.pc, depth, true);
      // The try block too (after its catch entries, which therefore win for ordinary throws):
      // a cancellation skips catch handlers and must still find this finally.
      if (finallyProtects !== tryRegion) this.addHandlers(tryRegion, finallyLabel.pc, depth, true);
      const thrown = this.allocTemp();
      this.em.emit(Op.STORE_LOCAL, thrown);
      this.statementsInNewScope(s.finallyBody.body);
      if (this.em.reachable) {
        this.em.emit(Op.LOAD_LOCAL, thrown);
        this.em.emit(Op.THROW);
      }
      this.freeTemp(thrown);
    }
    this.em.place(after);
  }

  private openRegion(finallyBody: A.Block | null): TryRegion {
    const region: TryRegion = { finallyBody, ranges: [], openStart: this.em.pc, scope: this.scope, targetLevel: this.targets.length };
    this.tryStack.push(region);
    return region;
  }

  private closeRegion(region: TryRegion): void {
    this.suspendRegion(region);
    this.tryStack.pop();
  }

  /** `isFinally`: the handler runs a finally block and rethrows (cancellation unwinds through
   *  these only); otherwise it is a catch handler. */
  private addHandlers(region: TryRegion, handlerPc: number, stackDepth: number, isFinally: boolean): void {
    for (const [startPc, endPc] of region.ranges) {
      // Catch handlers leave the field absent (the decoder reads them back the same way).
      this.em.handlers.push(isFinally ? { startPc, endPc, handlerPc, stackDepth, isFinally } : { startPc, endPc, handlerPc, stackDepth });
    }
  }
}

/** Does `this` occur in `root` outside nested `function` expressions (which have their own)? */
function mentionsThis(root: A.Node): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const cur = stack.pop();
    if (Array.isArray(cur)) {
      stack.push(...cur);
      continue;
    }
    if (!cur || typeof cur !== "object") continue;
    const kind = (cur as { kind?: unknown }).kind;
    if (kind === "This") return true;
    if (kind === "FunctionExpr" || kind === "ObjectMethod") continue;
    for (const v of Object.values(cur)) if (v && typeof v === "object") stack.push(v);
  }
  return false;
}
