// Code generation: a checked ModuleGraph -> Program. This file links modules together
// (globals, imports, exports, intrinsics, module initialisers and the entry function); the
// per-function work lives in codegen/function-compiler.ts.
import type * as A from "./ast";
import type { ModuleGraph } from "./modules";
import type { Program } from "../bytecode/module";
import { Op } from "../bytecode/opcodes";
import { analyzeCaptures, patternNames, type BindingNode } from "./codegen/captures";
import { ProgramBuilder } from "./codegen/program-builder";
import { FunctionCompiler, type FunctionSpec } from "./codegen/function-compiler";
import { Scope, type Binding, type GlobalBinding } from "./codegen/bindings";
import { CodegenError, Label } from "./codegen/emitter";
import { RUNS_MAIN_BUILTIN } from "../bytecode/verify";

export { CodegenError } from "./codegen/emitter";

export const PRELUDE_FILE_NAME = "<prelude>";

interface ModuleInfo {
  source: A.SourceFile;
  fileIndex: number;
  isEntry: boolean;
  isPrelude: boolean;
  /** The module's top-level names: its own declarations (globals) and its imports. */
  scope: Scope;
  /** Exported name -> local name. */
  exports: Map<string, string>;
  importsResolved: boolean;
}

export function generate(graph: ModuleGraph): Program {
  const sources = [graph.prelude, ...graph.files];
  const program = new ProgramBuilder(analyzeCaptures(sources));
  const linker = new Linker(graph, program);
  return linker.link();
}

class Linker {
  private readonly modules = new Map<string, ModuleInfo>();
  private readonly preludeScope = new Scope(null);
  private readonly order: ModuleInfo[] = [];

  constructor(
    private readonly graph: ModuleGraph,
    private readonly program: ProgramBuilder,
  ) {}

  link(): Program {
    this.addModule(this.graph.prelude, true);
    for (const file of this.graph.files) this.addModule(file, false);
    for (const m of this.order) this.resolveImports(m);
    this.declareIntrinsics(this.order[0]);
    const inits = this.order.map((m) => this.compileInit(m));
    return this.program.finish(this.compileEntry(inits));
  }

  private addModule(source: A.SourceFile, isPrelude: boolean): void {
    const isEntry = !isPrelude && source === this.graph.entry;
    const fileIndex = this.program.addFile(isPrelude ? PRELUDE_FILE_NAME : source.file, source.text);
    const scope = isPrelude ? this.preludeScope : new Scope(this.preludeVisible);
    const info: ModuleInfo = { source, fileIndex, isEntry, isPrelude, scope, exports: new Map(), importsResolved: false };
    for (const stmt of source.body) this.declareTopLevel(info, stmt);
    this.modules.set(source.file, info);
    this.order.push(info);
  }

  /** User modules see the prelude's exported names only. */
  private readonly preludeVisible = new Scope(null);

  private declareTopLevel(m: ModuleInfo, stmt: A.Stmt): void {
    const qualify = (name: string) => (m.isEntry || m.isPrelude ? name : `${m.source.file}:${name}`);
    const declare = (name: string, extra: Partial<GlobalBinding>, exported: boolean) => {
      const binding: GlobalBinding = { kind: "global", name, slot: this.program.addGlobal(qualify(name), m.fileIndex), ...extra };
      m.scope.names.set(name, binding);
      if (exported) m.exports.set(name, name);
      if (m.isPrelude && exported) this.preludeVisible.names.set(name, binding);
    };
    switch (stmt.kind) {
      case "VarDecl":
        if (stmt.declared) return;
        for (const d of stmt.declarations) {
          const names: { name: string; node: BindingNode }[] = [];
          patternNames(d.target, names);
          const init = d.init;
          const asyncInit = init !== null && (init.kind === "ArrowFunction" || init.kind === "FunctionExpr") ? init.async : undefined;
          for (const n of names) declare(n.name, { asyncInit }, stmt.exported);
        }
        return;
      case "FunctionDecl":
        if (stmt.declared || !stmt.body) return;
        declare(stmt.name, { fnDecl: stmt }, stmt.exported);
        return;
      case "ClassDecl":
        if (stmt.declared) return;
        declare(stmt.name, { classDecl: stmt }, stmt.exported);
        return;
      case "ExportNamed":
        for (const spec of stmt.specifiers) m.exports.set(spec.exported, spec.local);
        return;
      default:
        return;
    }
  }

  private resolveImports(m: ModuleInfo): void {
    if (m.importsResolved) return;
    m.importsResolved = true;
    for (const stmt of m.source.body) {
      if (stmt.kind !== "Import") continue;
      const target = this.graph.resolve(m.source.file, stmt.source);
      if (target === null) throw new CodegenError(`unresolved import '${stmt.source}' in ${m.source.file}`);
      const targetModule = this.modules.get(target) ?? null;
      const member = (name: string): Binding | null => (targetModule ? this.exportOf(targetModule, name) : this.builtinModuleMember(target, name));
      if (stmt.namespace) m.scope.names.set(stmt.namespace, { kind: "namespace", members: member });
      for (const spec of stmt.specifiers) {
        const binding = member(spec.imported);
        // No value binding: a type-only export (the checker has rejected anything else).
        if (binding) m.scope.names.set(spec.local, binding);
      }
    }
  }

  /** What `name` of a module built into the runtime is bound to: a capability of `host:`, a
   *  builtin of raya:vm (the VM provides Vm, Compiler and VmError by name). */
  private builtinModuleMember(module: string, name: string): Binding {
    return module === "host:" ? { kind: "capability", name } : { kind: "builtin", name };
  }

  /** What `name` exported by module `m` is bound to (following re-exports of imports). */
  private exportOf(m: ModuleInfo, name: string): Binding | null {
    this.resolveImports(m);
    const local = m.exports.get(name);
    if (local === undefined) return null;
    return m.scope.names.get(local) ?? null;
  }

  /** Prelude functions and classes the VM needs by name: `Array$map` is "Array.map". */
  private declareIntrinsics(prelude: ModuleInfo): void {
    for (const stmt of prelude.source.body) {
      if ((stmt.kind === "FunctionDecl" && stmt.body && !stmt.declared) || (stmt.kind === "ClassDecl" && !stmt.declared)) {
        const binding = prelude.scope.names.get(stmt.name) as GlobalBinding;
        this.program.intrinsics.push({ name: stmt.name.replace(/\$/g, "."), global: binding.slot });
      }
    }
  }

  private compileInit(m: ModuleInfo): number {
    const baseName = m.isPrelude ? PRELUDE_FILE_NAME : m.source.file.replace(/^.*[\\/]/, "");
    const spec: FunctionSpec = {
      name: `<module:${baseName}>`,
      position: { file: m.source.file, line: 1, col: 1, start: 0, end: 0 },
      params: [],
      body: null,
      isAsync: false,
      kind: "module",
      thisKey: null,
    };
    const env = { program: this.program, fileIndex: m.fileIndex, moduleScope: m.scope };
    const compiler = new FunctionCompiler(env, spec, null, m.scope);
    return compiler.compileModuleBody(m.source.body, (fc) => this.checkCapabilities(m, fc), (fc) => {
      if (m.isEntry) this.callMain(m, fc);
    });
  }

  /** Loads every capability the module imports from "host:" as its first act, used or not: a
   *  context refuses at load time a program importing a capability it was not granted (the
   *  runtime finds the names in LOAD_CAPABILITY operands), and `raya run` fails at once. */
  private checkCapabilities(m: ModuleInfo, fc: FunctionCompiler): void {
    for (const stmt of m.source.body) {
      if (stmt.kind !== "Import" || this.graph.resolve(m.source.file, stmt.source) !== "host:") continue;
      for (const spec of stmt.specifiers) {
        fc.em.position(spec.line, spec.col);
        fc.em.emit(Op.LOAD_CAPABILITY, this.program.string(spec.imported));
        fc.em.emit(Op.POP);
      }
    }
  }

  /** The entry file's result when no top-level `return` ran: `main()` (awaited when async), if declared. */
  private callMain(m: ModuleInfo, fc: FunctionCompiler): void {
    const main = m.scope.names.get("main");
    if (!main || main.kind !== "global") return;
    const declaredHere = m.source.body.some(
      (s) =>
        (s.kind === "FunctionDecl" && s.name === "main" && s.body) ||
        (s.kind === "VarDecl" && s.declarations.some((d) => d.target.kind === "IdentifierPattern" && d.target.name === "main")),
    );
    if (!declaredHere) return;
    const position = main.fnDecl ?? m.source.body[m.source.body.length - 1] ?? null;
    if (position) fc.em.position(position.line, position.col);
    // A program run by `raya run` calls main(); one loaded into an inner VM does not (its host
    // runs the entries it wants, main included): RUNS_MAIN_BUILTIN says which this is.
    const skip = new Label();
    fc.em.emit(Op.LOAD_BUILTIN, this.program.string(RUNS_MAIN_BUILTIN));
    fc.em.emitJump(Op.JUMP_IF_FALSE, skip);
    fc.emitLoad(main);
    fc.em.emit(Op.CALL, 0);
    if (main.fnDecl ? main.fnDecl.async : main.asyncInit === true) fc.em.emit(Op.AWAIT);
    fc.em.emit(Op.RETURN);
    fc.em.place(skip);
  }

  private compileEntry(inits: number[]): number {
    const entryModule = this.order[this.order.length - 1];
    const spec: FunctionSpec = {
      name: "<entry>",
      position: { file: entryModule.source.file, line: 1, col: 1, start: 0, end: 0 },
      params: [],
      body: null,
      isAsync: false,
      kind: "module",
      thisKey: null,
    };
    const env = { program: this.program, fileIndex: entryModule.fileIndex, moduleScope: entryModule.scope };
    const compiler = new FunctionCompiler(env, spec, null, entryModule.scope);
    compiler.em.position(1, 1);
    inits.forEach((init, i) => {
      compiler.em.emit(Op.CLOSURE, init);
      compiler.em.emit(Op.CALL, 0);
      if (this.order[i].isEntry) compiler.em.emit(Op.RETURN);
      else compiler.em.emit(Op.POP);
    });
    compiler.em.emit(Op.PUSH_NULL);
    compiler.em.emit(Op.RETURN);
    return compiler.finish();
  }
}
