// The Raya type checker. One Checker instance checks a whole ModuleGraph: the library
// declarations, the prelude and every user file. It walks statements in order, carrying a
// flow state (narrowed types, unassigned variables, reachability) so narrowing, definite
// assignment and "not all code paths return" fall out of one pass.
//
// Lazy resolution: signatures, class members and inferred return types are computed on first
// use (a function may be called before its declaration is walked). Inference that needs a body
// or an argument checked ahead of time runs "speculatively": diagnostics are discarded and the
// real walk later checks the same nodes again with diagnostics on.
import type * as A from "../ast";
import type { Diagnostic } from "../diagnostics";
import type { ModuleGraph } from "../modules";
import { Inference, Relations, paramTypeAt } from "./relations";
import { LIB_FILENAME } from "./lib";
import { hasOptionalLink } from "../ast-utils";
import {
  type FunctionContext,
  type TypeSymbol,
  type ValueSymbol,
  Scope,
  newTypeSymbol,
  newValueSymbol,
} from "./scope";
import * as N from "./narrowing";
import {
  type AliasInfo,
  type ClassInfo,
  type ClassType,
  type MemberInfo,
  type ObjectType,
  type ParamInfo,
  type PropertyInfo,
  type Signature,
  type Type,
  type TypeMapping,
  type TypeParamType,
  arity,
  arrayOf,
  booleanType,
  errorType,
  fnType,
  intType,
  intersection,
  isIntLike,
  isNullable,
  literal,
  mappingOf,
  mentionsParams,
  neverType,
  newTypeParam,
  nullType,
  numberType,
  removeNull,
  stringType,
  subst,
  substSig,
  typeToString,
  union,
  unionMembers,
  unknownType,
  voidType,
  widenDeep,
  widenLiteral,
} from "./types";

interface NarrowEntry {
  type: Type;
  /** Name of the root variable (or "this"), for invalidation by assignment. */
  root: string;
}

export interface FlowState {
  narrowed: Map<string, NarrowEntry>;
  unassigned: Set<number>;
  unreachable: boolean;
}

function cloneFlow(f: FlowState): FlowState {
  return { narrowed: new Map(f.narrowed), unassigned: new Set(f.unassigned), unreachable: f.unreachable };
}

function joinFlows(states: FlowState[]): FlowState {
  const live = states.filter((s) => !s.unreachable);
  if (live.length === 0) return { narrowed: new Map(), unassigned: new Set(), unreachable: true };
  const [first, ...rest] = live;
  const narrowed = new Map<string, NarrowEntry>();
  for (const [key, entry] of first.narrowed) {
    const others = rest.map((s) => s.narrowed.get(key));
    if (others.every((o) => o !== undefined)) {
      narrowed.set(key, { root: entry.root, type: union([entry.type, ...others.map((o) => o!.type)]) });
    }
  }
  const unassigned = new Set<number>();
  for (const s of live) for (const id of s.unassigned) unassigned.add(id);
  return { narrowed, unassigned, unreachable: false };
}

interface BreakTarget {
  label: string | null;
  isLoop: boolean;
  breaks: FlowState[];
}

type FunctionNode = A.FunctionDecl | A.FunctionExpr | A.ArrowFunction | A.MethodMember;

interface FileExports {
  values: Map<string, ValueSymbol>;
  types: Map<string, TypeSymbol>;
}

const PRIMITIVE_TYPE_NAMES: Record<string, Type> = {
  number: numberType,
  int: intType,
  string: stringType,
  boolean: booleanType,
  void: voidType,
  null: nullType,
  never: neverType,
  unknown: unknownType,
};

export class Checker {
  readonly diagnostics: Diagnostic[] = [];
  readonly nodeTypes = new WeakMap<object, Type>();
  /** Declarations by identifier / type reference, for go-to-definition later. */
  readonly definitions = new WeakMap<object, A.Node>();
  rel!: Relations;
  private speculating = 0;
  private speculativeErrors = 0;
  private readonly overlays: WeakMap<object, Type>[] = [];
  /** Type parameters and parameters of the function `checkFunctionBody` last began walking. */
  private lastWalkedParams: { typeParams: TypeParamType[]; params: ParamInfo[] } = { typeParams: [], params: [] };
  private scope!: Scope;
  private fn!: FunctionContext;
  /** Identifiers of the current file written as the object of a property access (`ns.f`):
   *  the only place a namespace import may appear. */
  private memberObjects = new Set<A.Identifier>();
  private flow: FlowState = { narrowed: new Map(), unassigned: new Set(), unreachable: false };
  private breakTargets: BreakTarget[] = [];
  private file = "";
  private entryFile = "";
  private assignedNames = new Set<string>();
  private readonly exportsByFile = new Map<string, FileExports>();
  private readonly inferredReturns = new WeakMap<object, Type>();
  private readonly inferring = new WeakSet<object>();
  private readonly chainNullable = new WeakSet<object>();
  private readonly scopeOfDecl = new WeakMap<object, Scope>();
  private readonly classOfDecl = new WeakMap<object, ClassInfo>();
  private nextClassId = 1;

  constructor(private readonly graph: ModuleGraph | null) {}

  // ================================================================ diagnostics

  report(node: { file: string; line: number; col: number }, message: string): void {
    if (this.speculating > 0) {
      this.speculativeErrors++;
      return;
    }
    this.diagnostics.push({ file: node.file, line: node.line, column: node.col, message });
  }

  private reportAt(file: string, line: number, col: number, message: string): void {
    this.report({ file, line, col }, message);
  }

  /** Runs `f` with diagnostics discarded (but counted) and the walk state restored afterwards. */
  speculate<T>(f: () => T): { value: T; errors: number } {
    const saved = this.saveState();
    const errorsBefore = this.speculativeErrors;
    this.overlays.push(new WeakMap());
    this.speculating++;
    try {
      const value = f();
      return { value, errors: this.speculativeErrors - errorsBefore };
    } finally {
      this.speculating--;
      this.overlays.pop();
      this.restoreState(saved);
    }
  }

  private saveState() {
    return { scope: this.scope, fn: this.fn, flow: this.flow, breakTargets: this.breakTargets, file: this.file };
  }

  private restoreState(s: ReturnType<Checker["saveState"]>): void {
    this.scope = s.scope;
    this.fn = s.fn;
    this.flow = s.flow;
    this.breakTargets = s.breakTargets;
    this.file = s.file;
  }

  /** Runs `f` in a different lexical context (lazy resolution) without disturbing the walk. */
  private inContext<T>(scope: Scope, f: () => T): T {
    const saved = this.saveState();
    try {
      this.scope = scope;
      this.fn = scope.fn ?? this.fn;
      this.flow = { narrowed: new Map(), unassigned: new Set(), unreachable: false };
      this.breakTargets = [];
      return f();
    } finally {
      this.restoreState(saved);
    }
  }

  private record(node: object, t: Type): Type {
    this.setNodeType(node, t);
    return t;
  }

  /** Speculative walks write into an overlay, so hover types come from the real walk only. */
  private setNodeType(node: object, t: Type): void {
    const top = this.overlays[this.overlays.length - 1];
    if (top) top.set(node, t);
    else this.nodeTypes.set(node, t);
  }

  private typeOfNode(node: object): Type | undefined {
    for (let i = this.overlays.length - 1; i >= 0; i--) {
      const t = this.overlays[i].get(node);
      if (t) return t;
    }
    return this.nodeTypes.get(node);
  }

  // ================================================================ program

  /** Declares the library source (already parsed) into a fresh global scope. */
  declareLibrary(lib: A.SourceFile): Scope {
    const fn = this.newFunctionContext(null, { isTopLevel: true });
    const scope = new Scope(null, fn);
    this.scope = scope;
    this.fn = fn;
    this.file = lib.file;
    const merged = new Set(lib.body.filter((st) => st.kind === "FunctionDecl").map((st) => (st as A.FunctionDecl).name));
    const separate = lib.body.filter(
      (st) => !(st.kind === "VarDecl" && st.declarations.some((d) => d.target.kind === "IdentifierPattern" && merged.has(d.target.name))),
    );
    this.hoist(separate, scope, null);
    this.mergeLibraryCallables(lib, scope);
    const iface = (name: string): AliasInfo | null => scope.types.get(name)?.alias ?? null;
    this.rel = new Relations({
      arrayInterface: iface("Array"),
      stringInterface: iface("String"),
      numberInterface: iface("Number"),
      taskClass: scope.types.get("Task")?.cls ?? null,
    });
    for (const sym of scope.values.values()) sym.initialized = true;
    // `Array`, `String`, `Number` interfaces describe members; user code names them as values only.
    return scope;
  }

  /** `declare function X(...)` + `declare const X: {...}` become one callable object. */
  private mergeLibraryCallables(lib: A.SourceFile, scope: Scope): void {
    const functions = new Map<string, A.FunctionDecl>();
    for (const s of lib.body) if (s.kind === "FunctionDecl") functions.set(s.name, s);
    for (const s of lib.body) {
      if (s.kind !== "VarDecl") continue;
      for (const d of s.declarations) {
        if (d.target.kind !== "IdentifierPattern") continue;
        const fnDecl = functions.get(d.target.name);
        if (!fnDecl || !d.type) continue;
        const sym = newValueSymbol(d.target.name, "const", d, scope.fn);
        const typeNode = d.type;
        sym.resolve = () => {
          const objType = this.rel.expand(this.resolveTypeNode(typeNode, scope));
          const sig = this.signatureOf(fnDecl, scope, null);
          if (objType.kind !== "object") return errorType;
          return { ...objType, calls: [sig] } as ObjectType;
        };
        scope.values.set(d.target.name, sym);
      }
    }
  }

  /** `builtinModules`: declaration-only modules the runtime implements (raya:vm), each named
   *  by its specifier; an import of one binds their exports like a file's. */
  checkGraph(graph: ModuleGraph, libScope: Scope, builtinModules: A.SourceFile[] = []): void {
    this.entryFile = graph.entry.file;
    // The prelude sees the library; user files see the library plus the prelude's public exports.
    const preludeScope = this.declareFile(graph.prelude, libScope);
    const visible = new Scope(libScope, libScope.fn);
    const preludeExports = this.exportsByFile.get(graph.prelude.file)!;
    for (const [name, sym] of preludeExports.values) if (!name.includes("$")) visible.values.set(name, sym);
    for (const [name, sym] of preludeExports.types) if (!name.includes("$")) visible.types.set(name, sym);
    for (const declarations of builtinModules) this.declareFile(declarations, visible);
    const fileScopes = new Map<A.SourceFile, Scope>();
    for (const f of graph.files) if (f !== graph.prelude) fileScopes.set(f, this.declareFile(f, visible));
    for (const f of graph.files) if (f !== graph.prelude) this.bindImports(f, fileScopes.get(f)!);
    for (const f of graph.files) collectMemberObjects(f.body, this.memberObjects);
    this.checkFileBody(graph.prelude, preludeScope);
    for (const f of graph.files) if (f !== graph.prelude) this.checkFileBody(f, fileScopes.get(f)!);
  }

  private declareFile(file: A.SourceFile, parent: Scope): Scope {
    const fn = this.newFunctionContext(null, { isTopLevel: true, isEntryTop: file.file === this.entryFile });
    const scope = new Scope(parent, fn);
    this.file = file.file;
    this.scope = scope;
    this.fn = fn;
    const exports: FileExports = { values: new Map(), types: new Map() };
    this.exportsByFile.set(file.file, exports);
    this.hoist(file.body, scope, exports);
    return scope;
  }

  private checkFileBody(file: A.SourceFile, scope: Scope): void {
    this.file = file.file;
    this.scope = scope;
    this.fn = scope.fn!;
    this.flow = { narrowed: new Map(), unassigned: new Set(), unreachable: false };
    this.breakTargets = [];
    this.assignedNames = collectAssignedNames(file.body);
    for (const s of file.body) this.checkStmt(s);
    this.resolveExportSpecifiers(file, scope);
  }

  private resolveExportSpecifiers(file: A.SourceFile, scope: Scope): void {
    for (const s of file.body) {
      if (s.kind !== "ExportNamed") continue;
      for (const spec of s.specifiers) {
        if (!scope.values.has(spec.local) && !scope.types.has(spec.local)) {
          this.report(spec, `Cannot find name '${spec.local}'.`);
        }
      }
    }
  }

  private bindImports(file: A.SourceFile, scope: Scope): void {
    this.bindImportsOnly(file, scope);
    this.reexportImportedTypes(file, scope);
  }

  /** `export { T }` of an imported type: hoisting ran before imports were bound, so the
   *  type is added to the file's exports now (files are bound in dependency order). */
  private reexportImportedTypes(file: A.SourceFile, scope: Scope): void {
    const exports = this.exportsByFile.get(file.file);
    if (!exports) return;
    for (const s of file.body) {
      if (s.kind !== "ExportNamed") continue;
      for (const spec of s.specifiers) {
        const t = scope.types.get(spec.local);
        if (!t || exports.types.has(spec.exported)) continue;
        exports.types.set(spec.exported, t);
        const forwarded = exports.values.get(spec.exported);
        // A type-only import has no value to forward.
        if (forwarded && forwarded.decl === spec && !scope.values.has(spec.local)) exports.values.delete(spec.exported);
      }
    }
  }

  private bindImportsOnly(file: A.SourceFile, scope: Scope): void {
    this.file = file.file;
    for (const s of file.body) {
      if (s.kind !== "Import") continue;
      const resolved = this.graph?.resolve(file.file, s.source) ?? null;
      const target = resolved ? this.exportsByFile.get(resolved) : undefined;
      const bindError = () => {
        for (const spec of s.specifiers) this.declareErrorValue(scope, spec.local, spec);
        if (s.namespace) this.declareErrorValue(scope, s.namespace, s);
      };
      if (resolved === null) {
        if (s.source.startsWith("./") || s.source.startsWith("../")) {
          this.reportAt(s.file, s.sourceLine, s.sourceCol, `Cannot find module '${s.source}'.`);
        }
        bindError();
        continue;
      }
      if (resolved === "host:") {
        this.bindHostCapabilities(s, scope);
        continue;
      }
      if (!target) {
        this.reportAt(s.file, s.sourceLine, s.sourceCol, `Module '${s.source}' is not available yet.`);
        bindError();
        continue;
      }
      for (const spec of s.specifiers) {
        const v = target.values.get(spec.imported);
        const t = target.types.get(spec.imported);
        if (!v && !t) {
          this.report(spec, `Module '${s.source}' has no exported member '${spec.imported}'.`);
          this.declareErrorValue(scope, spec.local, spec);
          continue;
        }
        if (v) {
          const sym = newValueSymbol(spec.local, "import", spec, scope.fn);
          sym.target = v;
          sym.initialized = true;
          this.defineValue(scope, sym, spec);
        }
        if (t) scope.types.set(spec.local, t);
      }
      if (s.namespace) {
        const sym = newValueSymbol(s.namespace, "namespace", s, scope.fn);
        sym.initialized = true;
        const values = new Map<string, () => Type>();
        for (const [name, v] of target.values) values.set(name, () => this.symbolType(v));
        sym.type = { kind: "namespace", name: s.source, values };
        this.defineValue(scope, sym, s);
        for (const [name, t] of target.types) scope.types.set(`${s.namespace}.${name}`, t);
      }
    }
  }

  /** `import { log } from "host:"`: capabilities an embedding host grants at run time
   *  (docs/inner-vm.md). Their type is fixed, `(...args: JsonValue[]) => JsonValue`: only
   *  JSON-like values cross a context boundary by copy, and whether a name is granted is
   *  checked when the program is loaded into a context. */
  private bindHostCapabilities(s: A.ImportDecl, scope: Scope): void {
    const at = { file: s.file, line: s.line, col: s.col, start: s.start, end: s.start };
    const json = this.resolveTypeRef({ kind: "TypeRef", name: "JsonValue", typeArgs: [], ...at }, scope);
    const rest: ParamInfo = { name: "args", type: arrayOf(json), optional: false, rest: true };
    const type = fnType({ typeParams: [], params: [rest], returnType: json, decl: null });
    for (const spec of s.specifiers) {
      const sym = newValueSymbol(spec.local, "import", spec, scope.fn);
      sym.type = type;
      sym.initialized = true;
      this.defineValue(scope, sym, spec);
    }
    if (s.namespace) this.report(s, "Capabilities are imported by name: import { name } from \"host:\".");
  }

  private declareErrorValue(scope: Scope, name: string, node: A.Node): void {
    const sym = newValueSymbol(name, "import", node, scope.fn);
    sym.type = errorType;
    sym.initialized = true;
    scope.values.set(name, sym);
    scope.types.set(name, newTypeSymbol(name, node, { primitive: errorType }));
  }

  // ================================================================ function contexts

  private newFunctionContext(parent: FunctionContext | null, opts: Partial<FunctionContext>): FunctionContext {
    return {
      parent,
      declaredReturn: null,
      returnTypes: [],
      isAsync: false,
      isEntryTop: false,
      isTopLevel: false,
      thisType: parent?.thisType ?? null,
      enclosingClass: parent?.enclosingClass ?? null,
      isConstructor: false,
      needsSuper: false,
      superCalled: false,
      ...opts,
    };
  }

  // ================================================================ hoisting

  /** Declares every name a block introduces before its statements are walked. */
  private hoist(stmts: A.Stmt[], scope: Scope, exports: FileExports | null): void {
    for (const s of stmts) {
      switch (s.kind) {
        case "VarDecl":
          for (const d of s.declarations) {
            for (const id of patternIdentifiers(d.target)) {
              const sym = newValueSymbol(id.name, s.declKind, id, scope.fn);
              sym.resolve = () => this.resolveVariableLazily(d, id, scope);
              if (s.declared) sym.initialized = true;
              this.defineValue(scope, sym, id);
              if (s.exported && exports) exports.values.set(id.name, sym);
            }
          }
          break;
        case "FunctionDecl": {
          const sym = newValueSymbol(s.name, "function", s, scope.fn);
          sym.initialized = true;
          sym.resolve = () => fnType(this.signatureOf(s, scope, null));
          this.scopeOfDecl.set(s, scope);
          this.defineValue(scope, sym, s);
          if (s.exported && exports) exports.values.set(s.name, sym);
          break;
        }
        case "ClassDecl": {
          const cls = this.buildClass(s, scope);
          const sym = newValueSymbol(s.name, "class", s, scope.fn);
          sym.type = { kind: "classStatic", cls };
          if (s.declared) sym.initialized = true;
          this.defineValue(scope, sym, s);
          const tsym = newTypeSymbol(s.name, s, { cls });
          this.defineType(scope, tsym, s);
          if (s.exported && exports) {
            exports.values.set(s.name, sym);
            exports.types.set(s.name, tsym);
          }
          break;
        }
        case "TypeAlias":
        case "Interface": {
          const tsym = newTypeSymbol(s.name, s, { alias: this.buildAlias(s, scope) });
          this.defineType(scope, tsym, s);
          if (s.exported && exports) exports.types.set(s.name, tsym);
          break;
        }
        default:
          break;
      }
    }
    if (exports) {
      for (const s of stmts) {
        if (s.kind !== "ExportNamed") continue;
        for (const spec of s.specifiers) {
          const v = scope.values.get(spec.local);
          const t = scope.types.get(spec.local);
          if (v) exports.values.set(spec.exported, v);
          if (t) exports.types.set(spec.exported, t);
          if (!v && !t) {
            // Imported names are bound later; re-exporting them resolves through a forwarding symbol.
            const fwd = newValueSymbol(spec.exported, "import", spec, scope.fn);
            fwd.initialized = true;
            fwd.resolve = () => {
              const real = scope.values.get(spec.local);
              if (real) fwd.target = real;
              return real ? this.symbolType(real) : errorType;
            };
            exports.values.set(spec.exported, fwd);
          }
        }
      }
    }
  }

  private defineValue(scope: Scope, sym: ValueSymbol, node: A.Node): void {
    if (scope.values.has(sym.name)) {
      this.report(node, `Cannot redeclare block-scoped variable '${sym.name}'.`);
      return;
    }
    scope.values.set(sym.name, sym);
  }

  private defineType(scope: Scope, sym: TypeSymbol, node: A.Node): void {
    if (scope.types.has(sym.name)) {
      this.report(node, `Duplicate identifier '${sym.name}'.`);
      return;
    }
    scope.types.set(sym.name, sym);
  }

  /** Type of a variable referenced before its declaration was walked (e.g. from a function body). */
  private resolveVariableLazily(d: A.VarDeclarator, id: A.IdentifierPattern, scope: Scope): Type {
    return this.inContext(scope, () =>
      this.speculate(() => {
        const declared = d.type ? this.resolveTypeNode(d.type, scope) : null;
        const init = d.init ? this.checkExpr(d.init, declared ?? undefined) : null;
        const whole = declared ?? (init ? widenLiteral(init) : errorType);
        return this.patternBindingType(d.target, whole, id);
      }).value,
    );
  }

  symbolType(sym: ValueSymbol): Type {
    if (sym.target) return this.symbolType(sym.target);
    if (sym.type) return sym.type;
    if (!sym.resolve || sym.resolving) return errorType;
    sym.resolving = true;
    try {
      const t = sym.resolve();
      if (!sym.type) sym.type = t;
      return sym.type;
    } finally {
      sym.resolving = false;
    }
  }

  // ================================================================ type syntax → types

  resolveTypeNode(node: A.TypeNode, scope: Scope): Type {
    const t = this.resolveTypeNodeInner(node, scope);
    this.setNodeType(node, t);
    return t;
  }

  private resolveTypeNodeInner(node: A.TypeNode, scope: Scope): Type {
    switch (node.kind) {
      case "TypeRef":
        return this.resolveTypeRef(node, scope);
      case "ArrayType":
        return arrayOf(this.resolveTypeNode(node.element, scope));
      case "TupleType":
        return { kind: "tuple", elements: node.elements.map((e) => this.resolveTypeNode(e, scope)) };
      case "UnionType":
        return union(node.types.map((t) => this.resolveTypeNode(t, scope)));
      case "IntersectionType":
        return intersection(node.types.map((t) => this.resolveTypeNode(t, scope)));
      case "ParenType":
        return this.resolveTypeNode(node.type, scope);
      case "LiteralType":
        return literal(node.value);
      case "FunctionType": {
        const inner = this.typeParamScope(node.typeParams, scope);
        return fnType({
          typeParams: inner.params,
          params: this.paramInfos(node.params, inner.scope, null),
          returnType: this.resolveTypeNode(node.returnType, inner.scope),
          decl: node,
        });
      }
      case "ObjectType":
        return this.objectTypeFromMembers(node.members, scope, undefined);
    }
  }

  private objectTypeFromMembers(members: (A.PropertySignature | A.MethodSignature)[], scope: Scope, name: string | undefined, typeArgs?: Type[]): ObjectType {
    const props = new Map<string, PropertyInfo>();
    for (const m of members) {
      if (m.kind === "PropertySignature") {
        const t = this.resolveTypeNode(m.type, scope);
        props.set(m.name, { name: m.name, type: m.optional ? union([t, nullType]) : t, optional: m.optional, readonly: m.readonly, method: false, decl: m });
      } else {
        const inner = this.typeParamScope(m.typeParams, scope);
        const sig: Signature = {
          typeParams: inner.params,
          params: this.paramInfos(m.params, inner.scope, null),
          returnType: m.returnType ? this.resolveTypeNode(m.returnType, inner.scope) : this.implicitAny(m),
          decl: m,
        };
        const existing = props.get(m.name);
        if (existing && existing.method && existing.type.kind === "function") {
          existing.type = { kind: "function", sigs: [...existing.type.sigs, sig] };
        } else {
          const t = fnType(sig);
          props.set(m.name, { name: m.name, type: m.optional ? union([t, nullType]) : t, optional: m.optional, readonly: false, method: true, decl: m });
        }
      }
    }
    return { kind: "object", props, calls: [], name, typeArgs };
  }

  private implicitAny(node: A.Node): Type {
    this.report(node, "'any' is not allowed in Raya; use a specific type.");
    return errorType;
  }

  private resolveTypeRef(node: A.TypeRef, scope: Scope): Type {
    const args = node.typeArgs.map((a) => this.resolveTypeNode(a, scope));
    if (node.name === "any") {
      this.report(node, "'any' is not allowed in Raya; use a specific type.");
      return errorType;
    }
    const prim = PRIMITIVE_TYPE_NAMES[node.name];
    if (prim) return prim;
    if (node.name === "Array" && args.length === 1) return arrayOf(args[0]);
    const name = node.name === "Promise" ? "Task" : node.name;
    const sym = scope.lookupType(name);
    if (!sym) {
      if (name === "") return errorType;
      this.report(node, `Cannot find name '${node.name}'.`);
      return errorType;
    }
    if (sym.decl) this.definitions.set(node, sym.decl);
    if (sym.primitive) return sym.primitive;
    if (sym.param) return sym.param;
    const params = sym.cls ? sym.cls.typeParams : sym.alias!.typeParams;
    const required = params.filter((p) => !p.defaultType).length;
    if (args.length < required || args.length > params.length) {
      if (params.length === 0) this.report(node, `Type '${node.name}' is not generic.`);
      else this.report(node, `Generic type '${node.name}' requires ${params.length} type argument(s).`);
      return errorType;
    }
    const full = params.map((p, i) => args[i] ?? p.defaultType ?? unknownType);
    this.checkConstraints(params, full, node, node.typeArgs);
    if (sym.cls) return { kind: "class", cls: sym.cls, args: full };
    return { kind: "alias", alias: sym.alias!, args: full };
  }

  private checkConstraints(params: TypeParamType[], args: Type[], node: A.Node, argNodes: A.TypeNode[] = []): void {
    const m = mappingOf(params, args);
    params.forEach((p, i) => {
      if (p.constraint && !this.rel.isAssignable(args[i], subst(p.constraint, m))) {
        this.report(argNodes[i] ?? node, `Type '${typeToString(args[i])}' does not satisfy the constraint '${typeToString(subst(p.constraint, m))}'.`);
      }
    });
  }

  /** A scope declaring the given type parameters (constraints resolved inside it). */
  private typeParamScope(nodes: A.TypeParam[], scope: Scope): { scope: Scope; params: TypeParamType[] } {
    if (nodes.length === 0) return { scope, params: [] };
    const inner = new Scope(scope, scope.fn);
    const params = nodes.map((n) => {
      const p = newTypeParam(n.name);
      this.defineType(inner, newTypeSymbol(n.name, n, { param: p }), n);
      return p;
    });
    this.fillTypeParams(nodes, params, inner);
    return { scope: inner, params };
  }

  private fillTypeParams(nodes: A.TypeParam[], params: TypeParamType[], scope: Scope): void {
    nodes.forEach((n, i) => {
      if (n.constraint) params[i].constraint = this.resolveTypeNode(n.constraint, scope);
      if (n.default) params[i].defaultType = this.resolveTypeNode(n.default, scope);
    });
  }

  private buildAlias(decl: A.TypeAliasDecl | A.InterfaceDecl, scope: Scope): AliasInfo {
    const params = decl.typeParams.map((n) => newTypeParam(n.name));
    const inner = new Scope(scope, scope.fn);
    decl.typeParams.forEach((n, i) => inner.types.set(n.name, newTypeSymbol(n.name, n, { param: params[i] })));
    let body: Type | null = null;
    let resolving = false;
    let filled = false;
    const info: AliasInfo = {
      name: decl.name,
      typeParams: params,
      decl,
      isInterface: decl.kind === "Interface",
      body: () => {
        if (body) return body;
        if (resolving) {
          this.report(decl, `Type alias '${decl.name}' circularly references itself.`);
          return errorType;
        }
        resolving = true;
        const saved = this.file;
        this.file = decl.file;
        try {
          if (!filled) {
            filled = true;
            this.fillTypeParams(decl.typeParams, params, inner);
          }
          body = decl.kind === "TypeAlias" ? this.resolveTypeNode(decl.type, inner) : this.interfaceBody(decl, inner, params);
        } finally {
          resolving = false;
          this.file = saved;
        }
        return body;
      },
    };
    return info;
  }

  private interfaceBody(decl: A.InterfaceDecl, scope: Scope, params: TypeParamType[]): Type {
    const own = this.objectTypeFromMembers(decl.members, scope, decl.name, params);
    for (const h of decl.extends) {
      const base = this.rel.expand(this.resolveTypeRef({ ...h, kind: "TypeRef", name: h.name, typeArgs: h.typeArgs }, scope));
      const baseProps =
        base.kind === "object" ? [...base.props.values()] : base.kind === "class" ? this.rel.publicProps(base).map((p) => ({ ...p, readonly: false, decl: null })) : null;
      if (!baseProps) {
        if (base.kind !== "error") this.report(h, `An interface can only extend an object type.`);
        continue;
      }
      for (const p of baseProps) if (!own.props.has(p.name)) own.props.set(p.name, p);
    }
    return own;
  }

  // ================================================================ signatures

  /** Parameter infos; unannotated parameters take `contextual`'s types or are errors. */
  private paramInfos(params: A.Param[], scope: Scope, contextual: Signature | null): ParamInfo[] {
    return params.map((p, i) => {
      let type: Type;
      if (p.type) type = this.resolveTypeNode(p.type, scope);
      else if (contextual && paramTypeAt(contextual, i)) {
        const ct = p.rest ? contextual.params[i]?.type ?? arrayOf(paramTypeAt(contextual, i)!) : paramTypeAt(contextual, i)!;
        type = ct;
      } else if (p.default) {
        type = widenLiteral(this.speculate(() => this.inContext(scope, () => this.checkExpr(p.default!))).value);
      } else {
        this.report(p, `Parameter '${paramName(p)}' implicitly has an 'any' type.`);
        type = errorType;
      }
      if (p.rest && type.kind !== "array" && type.kind !== "error" && type.kind !== "tuple") {
        this.report(p, "A rest parameter must be of an array type.");
      }
      const optional = p.optional || p.default !== null;
      if (p.optional && !p.default) type = union([type, nullType]);
      this.setNodeType(p, type);
      return { name: paramName(p), type, optional, rest: p.rest };
    });
  }

  /** The signature of a function declaration, method or function expression. */
  signatureOf(node: FunctionNode, scope: Scope, contextual: Signature | null): Signature {
    const inner = this.typeParamScope(node.typeParams, scope);
    const params = this.paramInfos(node.params, inner.scope, contextual);
    let returnType: Type;
    if (node.returnType) {
      returnType = this.resolveTypeNode(node.returnType, inner.scope);
      if (node.async && !this.rel.taskResult(returnType) && returnType.kind !== "error") {
        this.report(node.returnType, "The return type of an async function must be 'Task<T>' or 'Promise<T>'.");
        returnType = this.rel.taskOf(returnType);
      }
    } else if (node.kind === "FunctionDecl" && node.declared) {
      returnType = this.implicitAny(node);
    } else if (node.kind === "Method" && !node.body) {
      returnType = this.implicitAny(node);
    } else {
      returnType = this.inferReturnType(node, scope);
    }
    return { typeParams: inner.params, params, returnType, decl: node };
  }

  /** Infers a body's return type by walking it speculatively (cached per declaration). */
  private inferReturnType(node: FunctionNode, scope: Scope): Type {
    const cached = this.inferredReturns.get(node);
    if (cached) return cached;
    if (this.inferring.has(node)) return errorType;
    this.inferring.add(node);
    try {
      // Methods keep the class context `withThis` set up; plain functions have no `this`.
      const opts: Partial<FunctionContext> =
        node.kind === "Method" ? { thisType: this.fn.thisType, enclosingClass: this.fn.enclosingClass } : {};
      const t = this.speculate(() => this.inContext(scope, () => this.checkFunctionBody(node, null, scope, opts))).value;
      this.inferredReturns.set(node, t);
      return t;
    } finally {
      this.inferring.delete(node);
    }
  }

  // ================================================================ classes

  private buildClass(decl: A.ClassDecl, scope: Scope): ClassInfo {
    const params = decl.typeParams.map((n) => newTypeParam(n.name));
    const classScope = new Scope(scope, scope.fn);
    decl.typeParams.forEach((n, i) => classScope.types.set(n.name, newTypeSymbol(n.name, n, { param: params[i] })));
    this.scopeOfDecl.set(decl, classScope);
    let paramsFilled = false;
    const fill = () => {
      if (paramsFilled) return;
      paramsFilled = true;
      this.fillTypeParams(decl.typeParams, params, classScope);
    };
    let base: ClassType | null | undefined;
    let instance: Map<string, MemberInfo> | null = null;
    let statics: Map<string, MemberInfo> | null = null;
    let ctorSig: Signature | null = null;
    let resolvingBase = false;
    const info: ClassInfo = {
      name: decl.name,
      decl,
      typeParams: params,
      abstract: decl.abstract,
      declared: decl.declared,
      id: this.nextClassId++,
      base: () => {
        if (base !== undefined) return base;
        if (resolvingBase) return null;
        resolvingBase = true;
        fill();
        base = decl.extends ? this.resolveHeritageClass(decl.extends, classScope, info) : null;
        resolvingBase = false;
        return base;
      },
      instanceMembers: () => {
        if (!instance) {
          fill();
          [instance, statics] = this.buildMembers(decl, info, classScope);
        }
        return instance;
      },
      staticMembers: () => {
        if (!statics) {
          fill();
          [instance, statics] = this.buildMembers(decl, info, classScope);
        }
        return statics;
      },
      constructorSig: () => {
        if (ctorSig) return ctorSig;
        fill();
        const self: ClassType = { kind: "class", cls: info, args: params };
        const ctor = decl.members.find((m): m is A.ConstructorMember => m.kind === "Constructor");
        if (ctor) {
          ctorSig = { typeParams: params, params: this.paramInfos(ctor.params, classScope, null), returnType: self, decl: ctor };
        } else {
          const b = info.base();
          if (b) {
            const inherited = substSig(b.cls.constructorSig(), mappingOf(b.cls.typeParams, b.args));
            ctorSig = { typeParams: params, params: inherited.params, returnType: self, decl };
          } else {
            ctorSig = { typeParams: params, params: [], returnType: self, decl };
          }
        }
        return ctorSig;
      },
      constructorAccess: () => {
        const ctor = decl.members.find((m): m is A.ConstructorMember => m.kind === "Constructor");
        return ctor?.accessibility ?? "public";
      },
    };
    this.classOfDecl.set(decl, info);
    return info;
  }

  private resolveHeritageClass(h: A.HeritageClause, scope: Scope, self: ClassInfo): ClassType | null {
    const t = this.resolveTypeRef({ ...h, kind: "TypeRef", name: h.name, typeArgs: h.typeArgs }, scope);
    if (t.kind === "error") return null;
    if (t.kind !== "class") {
      this.report(h, `A class can only extend another class.`);
      return null;
    }
    for (let c: ClassType | null = t, depth = 0; c && depth < 100; c = c.cls.base(), depth++) {
      if (c.cls === self) {
        this.report(h, `Class '${self.name}' is referenced directly or indirectly in its own base expression.`);
        return null;
      }
    }
    return t;
  }

  private buildMembers(decl: A.ClassDecl, info: ClassInfo, scope: Scope): [Map<string, MemberInfo>, Map<string, MemberInfo>] {
    const instance = new Map<string, MemberInfo>();
    const statics = new Map<string, MemberInfo>();
    const add = (m: MemberInfo, node: A.Node) => {
      const map = m.isStatic ? statics : instance;
      const existing = map.get(m.name);
      if (existing) {
        // A getter and a setter pair up into one accessor.
        if (existing.kind === "accessor" && m.kind === "accessor") {
          existing.hasGetter ||= m.hasGetter;
          existing.hasSetter ||= m.hasSetter;
          return;
        }
        this.report(node, `Duplicate identifier '${m.name}'.`);
        return;
      }
      map.set(m.name, m);
    };
    const selfType = (): Type => ({ kind: "class", cls: info, args: info.typeParams });
    for (const m of decl.members) {
      if (m.kind === "Field") {
        let cached: Type | null = null;
        add(
          {
            name: m.name,
            kind: "field",
            type: () => (cached ??= this.fieldType(m, info, scope, selfType())),
            optional: m.optional,
            readonly: m.readonly,
            hasGetter: true,
            hasSetter: !m.readonly,
            accessibility: m.accessibility ?? "public",
            isStatic: m.static,
            isAbstract: false,
            owner: info,
            decl: m,
          },
          m,
        );
      } else if (m.kind === "Method") {
        let cached: Type | null = null;
        const methodScope = scope;
        if (m.methodKind === "method") {
          add(
            {
              name: m.name,
              kind: "method",
              type: () => (cached ??= this.withThis(m.static ? { kind: "classStatic", cls: info } : selfType(), info, () => fnType(this.signatureOf(m, methodScope, null)))),
              optional: false,
              readonly: false,
              hasGetter: true,
              hasSetter: false,
              accessibility: m.accessibility ?? "public",
              isStatic: m.static,
              isAbstract: m.abstract,
              owner: info,
              decl: m,
            },
            m,
          );
        } else {
          const isGet = m.methodKind === "get";
          const accessorType = (): Type => {
            const getter = decl.members.find((x): x is A.MethodMember => x.kind === "Method" && x.name === m.name && x.methodKind === "get" && x.static === m.static);
            const setter = decl.members.find((x): x is A.MethodMember => x.kind === "Method" && x.name === m.name && x.methodKind === "set" && x.static === m.static);
            const self = m.static ? ({ kind: "classStatic", cls: info } as Type) : selfType();
            if (getter) return this.withThis(self, info, () => this.signatureOf(getter, methodScope, null).returnType);
            if (setter) return this.withThis(self, info, () => this.signatureOf(setter, methodScope, null).params[0]?.type ?? errorType);
            return errorType;
          };
          add(
            {
              name: m.name,
              kind: "accessor",
              type: () => (cached ??= accessorType()),
              optional: false,
              readonly: false,
              hasGetter: isGet,
              hasSetter: !isGet,
              accessibility: m.accessibility ?? "public",
              isStatic: m.static,
              isAbstract: m.abstract,
              owner: info,
              decl: m,
            },
            m,
          );
        }
      } else if (m.kind === "Constructor") {
        for (const p of m.params) {
          if (!p.accessibility && !p.readonly) continue;
          if (p.pattern.kind !== "IdentifierPattern") continue;
          let cached: Type | null = null;
          const index = m.params.indexOf(p);
          add(
            {
              name: p.pattern.name,
              kind: "field",
              type: () => (cached ??= info.constructorSig().params[index]?.type ?? errorType),
              optional: p.optional,
              readonly: p.readonly,
              hasGetter: true,
              hasSetter: !p.readonly,
              accessibility: p.accessibility ?? "public",
              isStatic: false,
              isAbstract: false,
              owner: info,
              decl: p,
            },
            p,
          );
        }
      }
    }
    return [instance, statics];
  }

  private withThis<T>(thisType: Type, cls: ClassInfo, f: () => T): T {
    const savedFn = this.fn;
    this.fn = this.newFunctionContext(null, { thisType, enclosingClass: cls });
    try {
      return f();
    } finally {
      this.fn = savedFn;
    }
  }

  private fieldType(m: A.FieldMember, info: ClassInfo, scope: Scope, self: Type): Type {
    const saved = this.file;
    this.file = m.file;
    try {
      let t: Type;
      if (m.type) t = this.resolveTypeNode(m.type, scope);
      else if (m.init) {
        const init = m.init;
        const thisType = m.static ? ({ kind: "classStatic", cls: info } as Type) : self;
        t = widenLiteral(
          this.speculate(() =>
            this.inContext(scope, () => {
              this.fn = this.newFunctionContext(null, { thisType, enclosingClass: info });
              return this.checkExpr(init);
            }),
          ).value,
        );
      } else {
        this.report(m, `Member '${m.name}' implicitly has an 'any' type.`);
        t = errorType;
      }
      return m.optional ? union([t, nullType]) : t;
    } finally {
      this.file = saved;
    }
  }

  // ================================================================ function bodies

  /** Walks a function's body; returns the function's return type (declared, or inferred). */
  checkFunctionBody(
    node: FunctionNode,
    contextual: Signature | null,
    scope: Scope,
    opts: Partial<FunctionContext> = {},
  ): Type {
    const inner = this.typeParamScope(node.typeParams, scope);
    const params = this.paramInfos(node.params, inner.scope, contextual);
    const declared = node.returnType ? this.resolveTypeNode(node.returnType, inner.scope) : null;
    if (declared && node.async && !this.rel.taskResult(declared) && declared.kind !== "error") {
      this.report(node.returnType!, "The return type of an async function must be 'Task<T>' or 'Promise<T>'.");
    }
    const declaredReturn = declared ? (node.async ? this.rel.taskResult(declared) ?? errorType : declared) : null;
    const isArrow = node.kind === "ArrowFunction";
    const contextualReturn = contextual && contextual.returnType.kind !== "void" ? contextual.returnType : null;
    const fnCtx = this.newFunctionContext(this.fn, {
      declaredReturn,
      isAsync: node.async,
      thisType: isArrow ? this.fn.thisType : null,
      enclosingClass: this.fn.enclosingClass,
      ...opts,
    });
    if (isArrow) arrowContexts.add(fnCtx);
    if (node.kind === "ArrowFunction" || node.kind === "FunctionExpr") {
      fnCtx.unassignedAtCreation = new Set([...this.flow.unassigned, ...(this.fn.unassignedAtCreation ?? [])]);
    }
    contextualReturns.set(fnCtx, contextualReturn ? (node.async ? this.rel.taskResult(contextualReturn) ?? contextualReturn : contextualReturn) : null);
    const saved = this.saveState();
    const bodyScope = new Scope(inner.scope, fnCtx);
    this.flow = this.closureFlow(this.flow);
    this.scope = bodyScope;
    this.fn = fnCtx;
    this.breakTargets = [];
    try {
      node.params.forEach((p, i) => this.declareParam(p, params[i]?.type ?? errorType, bodyScope));
      for (const id of fnCtx.fieldFlowIds?.values() ?? []) this.flow.unassigned.add(id);
      const body = node.body;
      if (!body) return declared ?? errorType;
      if (body.kind === "Block") {
        this.hoist(body.body, bodyScope, null);
        for (const s of body.body) this.checkStmt(s);
      } else {
        const t = this.checkExpr(body, this.fn.declaredReturn ?? contextualReturns.get(fnCtx) ?? undefined);
        if (declaredReturn) this.expectAssignable(t, declaredReturn, body);
        fnCtx.returnTypes.push(t);
        this.flow.unreachable = true;
      }
      if (opts.isConstructor && fnCtx.needsSuper && !fnCtx.superCalled && body.kind === "Block") {
        this.report(node, "Constructors for derived classes must contain a 'super' call.");
      }
      const endReachable = !this.flow.unreachable;
      if (endReachable) this.noteUnassignedFieldsAtExit();
      if (declared) {
        if (endReachable && declaredReturn && needsValue(declaredReturn)) {
          this.report(node.returnType!, "Not all code paths return a value.");
        }
        return declared;
      }
      const valued = fnCtx.returnTypes.filter((t) => t.kind !== "void");
      if (endReachable && valued.length > 0) this.report(node, "Not all code paths return a value.");
      // A recursive call's type is unknown while the body is inferred (it reads as the error
      // type); the other return statements decide.
      const known = fnCtx.returnTypes.filter((t) => t.kind !== "error");
      const returns = known.length > 0 ? known : fnCtx.returnTypes;
      let inferred: Type = returns.length === 0 ? voidType : union(returns);
      if (endReachable && valued.length > 0) inferred = union([inferred, nullType]);
      if (!contextualReturn || !hasLiteralMembers(this.rel.expand(contextualReturn))) inferred = widenLiteral(inferred);
      return node.async ? this.rel.taskOf(inferred) : inferred;
    } finally {
      this.restoreState(saved);
      this.lastWalkedParams = { typeParams: inner.params, params };
    }
  }

  /** Narrowings a nested function may rely on: variables never reassigned in this file. */
  private closureFlow(outer: FlowState): FlowState {
    const narrowed = new Map<string, NarrowEntry>();
    for (const [key, e] of outer.narrowed) {
      if (!key.includes(".") && e.root !== "this" && !this.assignedNames.has(e.root)) narrowed.set(key, e);
    }
    return { narrowed, unassigned: new Set(), unreachable: false };
  }

  private declareParam(p: A.Param, type: Type, scope: Scope): void {
    if (p.default) {
      const d = this.checkExpr(p.default, type);
      this.expectAssignable(d, type, p.default);
    }
    this.destructure(p.pattern, type, (id, t) => {
      const sym = newValueSymbol(id.name, "param", id, scope.fn);
      sym.type = t;
      sym.initialized = true;
      if (scope.values.has(id.name)) this.report(id, `Duplicate identifier '${id.name}'.`);
      else scope.values.set(id.name, sym);
      this.record(id, t);
    });
  }

  private expectAssignable(source: Type, target: Type, node: A.Node): boolean {
    if (this.rel.isAssignable(source, target)) return true;
    this.report(node, `Type '${this.display(source, target)}' is not assignable to type '${typeToString(target)}'.`);
    return false;
  }

  // ================================================================ destructuring

  /** Walks a binding pattern, giving each identifier its type within `type`. Property and
   *  element targets (destructuring assignment only) are checked as assignments here. */
  private destructure(pattern: A.Pattern, type: Type, bind: (id: A.IdentifierPattern, t: Type) => void): void {
    switch (pattern.kind) {
      case "IdentifierPattern":
        bind(pattern, type);
        return;
      case "MemberTargetPattern": {
        const accepted = this.checkAssignTarget(pattern.target);
        if (accepted) this.expectAssignable(type, accepted, pattern.target);
        this.invalidateRef(pattern.target);
        this.markAssigned(pattern.target);
        return;
      }
      case "ArrayPattern": {
        const t = this.rel.expand(type);
        pattern.elements.forEach((el, i) => {
          if (!el) return;
          let et = this.elementTypeAt(t, i, el);
          if (el.default) {
            const d = this.checkExpr(el.default, et);
            et = union([et, d]);
          }
          this.destructure(el.target, et, bind);
        });
        if (pattern.rest) {
          const restType =
            t.kind === "tuple" ? ({ kind: "tuple", elements: t.elements.slice(pattern.elements.length) } as Type) : t.kind === "string" ? arrayOf(stringType) : t.kind === "array" ? t : errorType;
          this.destructure(pattern.rest, restType, bind);
        }
        return;
      }
      case "ObjectPattern": {
        const t = this.rel.expand(type);
        if (isNullable(t) && t.kind !== "error") this.report(pattern, "Object is possibly 'null'.");
        const base = removeNull(t);
        for (const p of pattern.properties) {
          const found = this.rel.getProperty(base, p.key);
          let pt: Type;
          if (!found) {
            if (base.kind !== "error") this.report(p, `Property '${p.key}' does not exist on type '${typeToString(type)}'.`);
            pt = errorType;
          } else pt = found.type;
          if (p.default) {
            const d = this.checkExpr(p.default, pt);
            pt = union([pt, d]);
          }
          this.destructure(p.target, pt, bind);
        }
        if (pattern.rest) {
          const taken = new Set(pattern.properties.map((p) => p.key));
          const props: PropertyInfo[] = [];
          if (base.kind === "object" || base.kind === "class") {
            for (const p of this.rel.publicProps(base)) {
              if (!taken.has(p.name) && !p.method) props.push({ name: p.name, type: p.type, optional: p.optional, readonly: false, method: false, decl: null });
            }
          }
          bind(pattern.rest, base.kind === "error" ? errorType : { kind: "object", props: new Map(props.map((p) => [p.name, p])), calls: [] });
        }
        return;
      }
    }
  }

  private elementTypeAt(t: Type, i: number, node: A.Node): Type {
    switch (t.kind) {
      case "tuple":
        if (i >= t.elements.length) {
          this.report(node, `Tuple type '${typeToString(t)}' of length '${t.elements.length}' has no element at index '${i}'.`);
          return errorType;
        }
        return t.elements[i];
      case "array":
        return t.element;
      case "string":
        return stringType;
      case "error":
        return errorType;
      default:
        this.report(node, `Type '${typeToString(t)}' is not an array type.`);
        return errorType;
    }
  }

  /** The type a single identifier of a declaration pattern gets from the whole value's type. */
  private patternBindingType(pattern: A.Pattern, whole: Type, id: A.IdentifierPattern): Type {
    let found: Type = errorType;
    this.destructure(pattern, whole, (x, t) => {
      if (x === id) found = t;
    });
    return found;
  }

  // ================================================================ statements

  checkStmt(s: A.Stmt): void {
    switch (s.kind) {
      case "VarDecl":
        return this.checkVarDecl(s);
      case "FunctionDecl":
        return this.checkFunctionDecl(s);
      case "ClassDecl":
        return this.checkClassDecl(s);
      case "TypeAlias": {
        const inner = this.typeParamScope(s.typeParams, this.scope);
        this.resolveTypeNode(s.type, inner.scope);
        const alias = this.scope.types.get(s.name)?.alias;
        if (alias) this.checkAliasCycle(alias, s);
        return;
      }
      case "Interface": {
        const inner = this.typeParamScope(s.typeParams, this.scope);
        this.interfaceBody(s, inner.scope, inner.params);
        return;
      }
      case "Import":
      case "ExportNamed":
      case "Empty":
      case "ErrorStmt":
        return;
      case "Return":
        return this.checkReturn(s);
      case "If":
        return this.checkIf(s);
      case "While":
        return this.checkWhile(s, this.takeLabel());
      case "DoWhile":
        return this.checkDoWhile(s, this.takeLabel());
      case "For":
        return this.checkFor(s, this.takeLabel());
      case "ForOf":
        return this.checkForOf(s, this.takeLabel());
      case "Break":
      case "Continue":
        return this.checkJump(s);
      case "Labeled":
        return this.checkLabeled(s);
      case "Switch":
        return this.checkSwitch(s);
      case "Throw":
        this.checkExpr(s.argument);
        this.flow.unreachable = true;
        return;
      case "Try":
        return this.checkTry(s);
      case "Block":
        return this.checkBlock(s);
      case "ExprStmt":
        this.checkExpr(s.expression);
        return;
    }
  }

  /** `type A = B; type B = A;` never reaches a real type. */
  private checkAliasCycle(alias: AliasInfo, decl: A.TypeAliasDecl): void {
    const seen = new Set<AliasInfo>();
    let t = alias.body();
    while (t.kind === "alias" && !seen.has(t.alias)) {
      if (t.alias === alias) {
        this.report(decl, `Type alias '${decl.name}' circularly references itself.`);
        return;
      }
      seen.add(t.alias);
      t = t.alias.body();
    }
  }

  private pendingLabel: string | null = null;
  private takeLabel(): string | null {
    const l = this.pendingLabel;
    this.pendingLabel = null;
    return l;
  }

  private checkBlock(b: A.Block): void {
    const saved = this.scope;
    this.scope = new Scope(saved, this.fn);
    this.hoist(b.body, this.scope, null);
    for (const s of b.body) this.checkStmt(s);
    this.scope = saved;
  }

  /** Walks a statement in its own block scope (`if (x) let y` style bodies are rare, but scoped). */
  private checkNested(s: A.Stmt): void {
    if (s.kind === "Block") return this.checkBlock(s);
    const saved = this.scope;
    this.scope = new Scope(saved, this.fn);
    this.hoist([s], this.scope, null);
    this.checkStmt(s);
    this.scope = saved;
  }

  private checkVarDecl(s: A.VarDecl): void {
    for (const d of s.declarations) {
      const declared = d.type ? this.resolveTypeNode(d.type, this.scope) : null;
      let whole: Type;
      let initType: Type | null = null;
      if (d.init) {
        initType = this.checkExpr(d.init, declared ?? undefined);
        if (declared) this.expectAssignableAt(initType, declared, d.init);
        whole = declared ?? (s.declKind === "const" && d.target.kind === "IdentifierPattern" ? initType : widenLiteral(initType));
        if (initType.kind === "void" && !declared) {
          this.report(d.init, "An expression of type 'void' cannot be used as a value.");
          whole = errorType;
        }
      } else if (declared) {
        whole = declared;
      } else {
        if (!s.declared && patternName(d.target) !== "") this.report(d.target, `Variable '${patternName(d.target)}' implicitly has an 'any' type.`);
        whole = errorType;
      }
      this.destructure(d.target, whole, (id, t) => {
        const sym = this.scope.values.get(id.name);
        this.record(id, t);
        if (!sym || sym.decl !== id) return;
        sym.type = t;
        sym.initialized = true;
        if (!d.init && !s.declared && d.target.kind === "IdentifierPattern") this.flow.unassigned.add(sym.id);
        if (d.init && initType && declared && d.target.kind === "IdentifierPattern") {
          this.assignNarrowing(`#${sym.id}`, sym.name, declared, initType);
        }
      });
    }
  }

  /** Checks a value against the type it is stored into; errors point into the value (at the
   *  offending element or property of an array/object literal when there is one). */
  private expectAssignableAt(source: Type, target: Type, valueNode: A.Expr): void {
    if (this.rel.isAssignable(source, target)) {
      this.checkExcessProperties(valueNode, target);
      return;
    }
    if (this.elaborate(valueNode, target)) return;
    this.report(valueNode, `Type '${this.display(source, target)}' is not assignable to type '${typeToString(target)}'.`);
  }

  /** Reports a mismatch inside an array/object literal; false when there is nothing to point at. */
  private elaborate(value: A.Expr, target: Type): boolean {
    const v = unparen(value);
    const t = removeNull(this.rel.expand(target));
    if (v.kind === "ArrayLiteral" && (t.kind === "array" || t.kind === "tuple")) {
      if (t.kind === "tuple" && v.elements.length !== t.elements.length) return false;
      let found = false;
      v.elements.forEach((el, i) => {
        if (el.kind === "Spread") return;
        const et = t.kind === "array" ? t.element : t.elements[i];
        const st = this.typeOfNode(el) ?? errorType;
        if (!this.rel.isAssignable(st, et)) {
          found = true;
          this.expectAssignableAt(st, et, el);
        }
      });
      return found;
    }
    if (v.kind === "ObjectLiteral" && (t.kind === "object" || t.kind === "class")) {
      let found = false;
      for (const p of v.properties) {
        if (p.kind !== "PropertyAssignment") continue;
        const look = this.rel.getProperty(t, p.key);
        if (!look) continue;
        const st = this.typeOfNode(p.value) ?? errorType;
        if (!this.rel.isAssignable(st, look.type)) {
          found = true;
          // Point at the property (its key), as TypeScript does, unless the value itself elaborates.
          if (!this.elaborate(p.value, look.type)) {
            this.report(p, `Type '${this.display(st, look.type)}' is not assignable to type '${typeToString(look.type)}'.`);
          }
        }
      }
      return found;
    }
    return false;
  }

  /** Object literals may not name properties the target type does not have. */
  private checkExcessProperties(value: A.Expr, target: Type): void {
    if (value.kind !== "ObjectLiteral") return;
    const t = this.rel.expand(target);
    const members = unionMembers(t).map((m) => this.rel.expand(m)).filter((m) => m.kind !== "null");
    if (members.length === 0 || !members.every((m) => m.kind === "object" || m.kind === "class")) return;
    for (const p of value.properties) {
      if (p.kind === "Spread") continue;
      if (members.some((m) => this.rel.getProperty(m, p.key))) {
        const only = members.length === 1 ? this.rel.getProperty(members[0], p.key) : null;
        if (only && p.kind === "PropertyAssignment") this.checkExcessProperties(p.value, only.type);
        continue;
      }
      this.report(p, `Object literal may only specify known properties, and '${p.key}' does not exist in type '${typeToString(target)}'.`);
    }
  }

  private checkFunctionDecl(s: A.FunctionDecl): void {
    if (s.declared || !s.body) return;
    const scope = this.scopeOfDecl.get(s) ?? this.scope;
    const returnType = this.checkFunctionBody(s, null, scope);
    // Later calls reuse the walked body's inferred type instead of walking it again.
    if (!s.returnType && !this.inferredReturns.has(s)) this.inferredReturns.set(s, returnType);
  }

  private checkReturn(s: A.ReturnStmt): void {
    const fn = this.fn;
    if (!this.flow.unreachable) this.noteUnassignedFieldsAtExit();
    if (fn.isTopLevel && !fn.isEntryTop) {
      this.report(s, "A 'return' statement can only be used within a function body.");
    }
    const expected = fn.declaredReturn;
    const ctx = expected ?? contextualReturns.get(fn) ?? undefined;
    const t = s.argument ? this.checkExpr(s.argument, ctx) : voidType;
    if (expected && !fn.isTopLevel) {
      if (!s.argument) {
        if (needsValue(expected)) this.report(s, `Type 'void' is not assignable to type '${typeToString(expected)}'.`);
      } else this.expectAssignableAt(t, expected, s.argument);
    }
    fn.returnTypes.push(t);
    this.flow.unreachable = true;
  }

  private checkIf(s: A.IfStmt): void {
    const { whenTrue, whenFalse } = this.checkCondition(s.test);
    this.flow = whenTrue;
    this.checkNested(s.consequent);
    const afterTrue = this.flow;
    this.flow = whenFalse;
    if (s.alternate) this.checkNested(s.alternate);
    this.flow = joinFlows([afterTrue, this.flow]);
  }

  /** Loop entry: narrowings of anything assigned inside the loop no longer hold. */
  private loopEntry(nodes: (A.Node | null)[]): void {
    const names = new Set<string>();
    for (const n of nodes) if (n) collectAssignedInto(n, names);
    for (const [key, e] of [...this.flow.narrowed]) if (names.has(e.root)) this.flow.narrowed.delete(key);
  }

  private checkWhile(s: A.WhileStmt, label: string | null): void {
    this.loopEntry([s.test, s.body]);
    const cond = this.checkCondition(s.test);
    const target: BreakTarget = { label, isLoop: true, breaks: [] };
    this.breakTargets.push(target);
    this.flow = cond.whenTrue;
    this.checkNested(s.body);
    this.breakTargets.pop();
    const exit = isTrueLiteral(s.test) ? unreachableFlow() : cond.whenFalse;
    this.flow = joinFlows([exit, ...target.breaks]);
  }

  private checkDoWhile(s: A.DoWhileStmt, label: string | null): void {
    this.loopEntry([s.test, s.body]);
    const target: BreakTarget = { label, isLoop: true, breaks: [] };
    this.breakTargets.push(target);
    this.checkNested(s.body);
    this.breakTargets.pop();
    this.flow.unreachable = false;
    const cond = this.checkCondition(s.test);
    const exit = isTrueLiteral(s.test) ? unreachableFlow() : cond.whenFalse;
    this.flow = joinFlows([exit, ...target.breaks]);
  }

  private checkFor(s: A.ForStmt, label: string | null): void {
    const saved = this.scope;
    this.scope = new Scope(saved, this.fn);
    if (s.init) {
      if (s.init.kind === "VarDecl") {
        this.hoist([s.init], this.scope, null);
        this.checkVarDecl(s.init);
      } else this.checkExpr(s.init);
    }
    this.loopEntry([s.test, s.update, s.body]);
    const cond = s.test ? this.checkCondition(s.test) : { whenTrue: this.flow, whenFalse: unreachableFlow() };
    const target: BreakTarget = { label, isLoop: true, breaks: [] };
    this.breakTargets.push(target);
    this.flow = cond.whenTrue;
    this.checkNested(s.body);
    this.breakTargets.pop();
    this.flow.unreachable = false;
    if (s.update) this.checkExpr(s.update);
    this.flow = joinFlows([cond.whenFalse, ...target.breaks]);
    this.scope = saved;
  }

  private checkForOf(s: A.ForOfStmt, label: string | null): void {
    const iterType = this.checkExpr(s.iterable);
    const element = this.iteratedType(iterType, s.iterable);
    const saved = this.scope;
    this.scope = new Scope(saved, this.fn);
    this.loopEntry([s.target as A.Node, s.body]);
    const entry = cloneFlow(this.flow);
    if (s.declKind) {
      const pattern = s.target as A.Pattern;
      for (const id of patternIdentifiers(pattern)) {
        const sym = newValueSymbol(id.name, s.declKind, id, this.fn);
        sym.initialized = true;
        this.defineValue(this.scope, sym, id);
      }
      this.destructure(pattern, element, (id, t) => {
        const sym = this.scope.values.get(id.name);
        if (sym) sym.type = t;
        this.record(id, t);
      });
    } else if (s.target.kind === "ArrayPattern" || s.target.kind === "ObjectPattern") {
      this.assignPattern(s.target, element);
    } else {
      const targetType = this.checkAssignTarget(s.target as A.Expr);
      if (targetType) this.expectAssignable(element, targetType, s.target as A.Node);
      this.invalidateRef(s.target as A.Expr);
      this.markAssigned(s.target as A.Expr);
    }
    const target: BreakTarget = { label, isLoop: true, breaks: [] };
    this.breakTargets.push(target);
    this.checkNested(s.body);
    this.breakTargets.pop();
    this.flow = joinFlows([entry, ...target.breaks]);
    this.scope = saved;
  }

  /** Element type of `for...of`: arrays, tuples, strings, Map (pairs) and Set. */
  private iteratedType(t: Type, node: A.Node): Type {
    const found = this.elementOfIterable(t);
    if (found) return found;
    if (isNullable(t)) this.report(node, "Object is possibly 'null'.");
    else this.report(node, `Type '${typeToString(widenLiteral(t))}' is not iterable.`);
    return errorType;
  }

  private elementOfIterable(t: Type): Type | null {
    const e = this.rel.expand(t);
    if (e.kind === "error") return errorType;
    if (e.kind === "array") return e.element;
    if (e.kind === "tuple") return union(e.elements);
    if (e.kind === "string" || (e.kind === "literal" && e.base === "string")) return stringType;
    if (e.kind === "class" && e.cls.declared && e.cls.name === "Map") return { kind: "tuple", elements: [e.args[0], e.args[1]] };
    if (e.kind === "class" && e.cls.declared && e.cls.name === "Set") return e.args[0];
    if (e.kind === "union") {
      const parts = e.types.map((m) => this.elementOfIterable(m));
      if (parts.every((p) => p !== null)) return union(parts as Type[]);
    }
    return null;
  }

  private checkJump(s: A.BreakStmt | A.ContinueStmt): void {
    const isBreak = s.kind === "Break";
    const target = [...this.breakTargets]
      .reverse()
      .find((t) => (s.label ? t.label === s.label : t.isLoop || (isBreak && switchTargets.has(t))));
    if (!target || (!isBreak && !target.isLoop)) {
      if (s.label) this.report(s, `A '${isBreak ? "break" : "continue"}' statement can only jump to a label of an enclosing statement.`);
      else if (isBreak) this.report(s, "A 'break' statement can only be used within an enclosing iteration or switch statement.");
      else this.report(s, "A 'continue' statement can only be used within an enclosing iteration statement.");
    } else if (isBreak) target.breaks.push(cloneFlow(this.flow));
    this.flow.unreachable = true;
  }

  private checkLabeled(s: A.LabeledStmt): void {
    const b = s.body;
    if (b.kind === "While" || b.kind === "DoWhile" || b.kind === "For" || b.kind === "ForOf") {
      this.pendingLabel = s.label;
      this.checkStmt(b);
      return;
    }
    const target: BreakTarget = { label: s.label, isLoop: false, breaks: [] };
    this.breakTargets.push(target);
    this.checkNested(b);
    this.breakTargets.pop();
    this.flow = joinFlows([this.flow, ...target.breaks]);
  }

  private checkSwitch(s: A.SwitchStmt): void {
    this.checkExpr(s.discriminant);
    const start = cloneFlow(this.flow);
    const saved = this.scope;
    this.scope = new Scope(saved, this.fn);
    this.hoist(s.cases.flatMap((c) => c.body), this.scope, null);
    const target: BreakTarget = { label: null, isLoop: false, breaks: [] };
    switchTargets.add(target);
    this.breakTargets.push(target);
    let fallthrough: FlowState | null = null;
    const caseValues: Type[] = [];
    const discType = this.typeOfNode(s.discriminant) ?? errorType;
    for (const c of s.cases) {
      this.flow = cloneFlow(start);
      let entry: FlowState;
      if (c.test) {
        const vt = this.checkExpr(c.test);
        if (!this.comparable(discType, vt)) {
          this.report(c.test, `Type '${typeToString(widenLiteral(vt))}' is not comparable to type '${typeToString(discType)}'.`);
        }
        caseValues.push(vt);
        entry = this.narrowedByEquality(start, s.discriminant, vt, true);
      } else {
        entry = cloneFlow(start);
        for (const v of caseValues) entry = this.narrowedByEquality(entry, s.discriminant, v, false);
      }
      this.flow = fallthrough && !fallthrough.unreachable ? joinFlows([entry, fallthrough]) : entry;
      for (const st of c.body) this.checkStmt(st);
      fallthrough = this.flow;
    }
    this.breakTargets.pop();
    const exits: FlowState[] = [...target.breaks];
    if (fallthrough) exits.push(fallthrough);
    if (!s.cases.some((c) => !c.test)) {
      let rest = cloneFlow(start);
      for (const v of caseValues) rest = this.narrowedByEquality(rest, s.discriminant, v, false);
      if (!this.isExhausted(rest, s.discriminant)) exits.push(rest);
    }
    this.flow = joinFlows(exits);
    this.scope = saved;
  }

  /** After excluding every case, is the switched-on reference (or its owner) left with nothing? */
  private isExhausted(state: FlowState, disc: A.Expr): boolean {
    const ref = this.refOf(disc);
    if (ref && state.narrowed.get(ref.key)?.type.kind === "never") return true;
    const inner = unparen(disc);
    if (inner.kind === "Member") {
      const owner = this.refOf(inner.object);
      if (owner && state.narrowed.get(owner.key)?.type.kind === "never") return true;
    }
    return false;
  }

  private checkTry(s: A.TryStmt): void {
    const entry = cloneFlow(this.flow);
    this.checkBlock(s.block);
    const afterTry = this.flow;
    const names = new Set<string>();
    collectAssignedInto(s.block, names);
    const catchEntry = cloneFlow(entry);
    for (const [key, e] of [...catchEntry.narrowed]) if (names.has(e.root)) catchEntry.narrowed.delete(key);
    let merged = afterTry;
    if (s.catchBody) {
      this.flow = cloneFlow(catchEntry);
      const saved = this.scope;
      this.scope = new Scope(saved, this.fn);
      if (s.catchParam) {
        this.destructure(s.catchParam, unknownType, (id, t) => {
          const sym = newValueSymbol(id.name, "let", id, this.fn);
          sym.type = t;
          sym.initialized = true;
          this.defineValue(this.scope, sym, id);
          this.record(id, t);
        });
      }
      this.hoist(s.catchBody.body, this.scope, null);
      for (const st of s.catchBody.body) this.checkStmt(st);
      this.scope = saved;
      merged = joinFlows([afterTry, this.flow]);
    }
    if (s.finallyBody) {
      this.flow = joinFlows([catchEntry, merged]);
      this.flow.unreachable = false;
      this.checkBlock(s.finallyBody);
      const finallyEnds = this.flow.unreachable;
      this.flow = merged;
      if (finallyEnds) this.flow.unreachable = true;
    } else this.flow = merged;
  }

  // ================================================================ classes (walk)

  private checkClassDecl(s: A.ClassDecl): void {
    const info = this.classOfDecl.get(s);
    const classScope = this.scopeOfDecl.get(s);
    const sym = this.scope.values.get(s.name);
    if (sym && sym.decl === s) sym.initialized = true;
    if (!info || !classScope) return;
    if (s.declared) return;
    const self: ClassType = { kind: "class", cls: info, args: info.typeParams };
    const staticSelf: Type = { kind: "classStatic", cls: info };
    const base = info.base();
    if (s.extends && !base) this.resolveHeritageClass(s.extends, classScope, info);
    info.instanceMembers();
    const ctor = s.members.find((m): m is A.ConstructorMember => m.kind === "Constructor");
    // Fields without an initialiser whose type excludes null: the constructor's flow analysis
    // proves them assigned before any read and on every exit.
    const mustAssign = new Map<string, A.FieldMember>();
    for (const m of s.members) {
      if (m.kind !== "Field" || m.static || m.optional || m.init) continue;
      const fieldType = info.instanceMembers().get(m.name)?.type() ?? errorType;
      if (!isNullable(fieldType) && fieldType.kind !== "error") mustAssign.set(m.name, m);
    }
    this.checkFieldInitializerReads(s);
    const fieldFlowIds = new Map([...mustAssign.keys()].map((name) => [name, -nextFieldFlowId++] as [string, number]));
    const fieldsUnassignedAtExit = new Set<string>();
    for (const m of s.members) {
      const thisType = m.kind !== "Constructor" && m.static ? staticSelf : self;
      const opts: Partial<FunctionContext> = { thisType, enclosingClass: info };
      if (m.kind === "Field") {
        const declared = m.type ? this.resolveTypeNode(m.type, classScope) : null;
        if (m.init) {
          const init = m.init;
          const t = this.inFunction(classScope, opts, () => this.checkExpr(init, declared ?? undefined));
          if (declared) this.expectAssignableAt(t, declared, init);
        } else if (mustAssign.has(m.name) && !ctor?.body) {
          this.report(m, `Property '${m.name}' has no initializer and is not definitely assigned in the constructor.`);
        }
        this.checkOverride(info, self, m.name, m, m.static);
      } else if (m.kind === "Method") {
        if (m.abstract && !s.abstract) this.report(m, "Abstract methods can only appear within an abstract class.");
        if (m.body) {
          const returnType = this.checkFunctionBody(m, null, classScope, opts);
          if (!m.returnType && !this.inferredReturns.has(m)) this.inferredReturns.set(m, returnType);
        }
        else if (!m.abstract) this.report(m, "Function implementation is missing or not immediately following the declaration.");
        this.checkOverride(info, self, m.name, m, m.static);
      } else {
        const adapter: A.MethodMember = {
          ...m,
          kind: "Method",
          name: "constructor",
          methodKind: "method",
          static: false,
          abstract: false,
          typeParams: [],
          returnType: null,
          async: false,
        };
        for (const p of m.params) if ((p.accessibility || p.readonly) && p.pattern.kind !== "IdentifierPattern") this.report(p, "A parameter property may not be declared using a binding pattern.");
        const flowOpts = { fieldFlowIds, fieldsUnassignedAtExit };
        if (m.body) this.checkFunctionBody(adapter, null, classScope, { ...opts, ...flowOpts, isConstructor: true, needsSuper: base !== null || s.extends !== null });
      }
    }
    for (const name of fieldsUnassignedAtExit) {
      this.report(mustAssign.get(name)!, `Property '${name}' has no initializer and is not definitely assigned in the constructor.`);
    }
    if (!s.abstract && base) this.checkAbstractsImplemented(s, info, self);
    for (const h of s.implements) {
      const t = this.resolveTypeRef({ ...h, kind: "TypeRef", name: h.name, typeArgs: h.typeArgs }, classScope);
      if (t.kind !== "error" && !this.rel.isAssignable(self, t)) this.report(this.classNameNode(s), `Class '${s.name}' incorrectly implements interface '${h.name}'.`);
    }
  }

  /** Field initialisers run in declaration order, before the constructor body: one may not
   *  read a later field, nor an earlier one that only the constructor assigns. */
  private checkFieldInitializerReads(s: A.ClassDecl): void {
    const fields = s.members.filter((m): m is A.FieldMember => m.kind === "Field" && !m.static);
    const position = new Map(fields.map((f, i) => [f.name, i]));
    fields.forEach((field, index) => {
      if (!field.init) return;
      forEachThisMemberRead(field.init, (read) => {
        const at = position.get(read.name);
        if (at === undefined) return;
        const other = fields[at];
        let message: string | null = null;
        if (at >= index) message = `Property '${read.name}' is used before its initialization.`;
        else if (!other.init && !other.optional) message = `Property '${read.name}' is used before being assigned.`;
        if (message) this.reportAt(read.file, read.nameLine, read.nameCol, message);
      });
    });
  }

  /** Position of a class declaration's name (the AST keeps only the declaration's start). */
  private classNameNode(decl: A.ClassDecl): { file: string; line: number; col: number } {
    const text = this.graph?.byName.get(decl.file)?.text ?? (this.graph?.prelude.file === decl.file ? this.graph.prelude.text : null);
    if (!text) return decl;
    const match = /\bclass\s+/y;
    let offset = text.indexOf("class", decl.start);
    if (offset < 0 || offset >= decl.end) return decl;
    match.lastIndex = offset;
    const m = match.exec(text);
    if (!m) return decl;
    offset += m[0].length;
    let line = decl.line;
    let col = decl.col;
    for (let i = decl.start; i < offset; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    return { file: decl.file, line, col };
  }

  private inFunction<T>(scope: Scope, opts: Partial<FunctionContext>, f: () => T): T {
    const saved = this.saveState();
    try {
      this.scope = scope;
      this.fn = this.newFunctionContext(this.fn, opts);
      return f();
    } finally {
      this.restoreState(saved);
    }
  }

  private checkOverride(info: ClassInfo, self: ClassType, name: string, node: A.Node, isStatic: boolean): void {
    if (isStatic) return;
    const base = this.rel.baseOf(self);
    if (!base) return;
    const inherited = this.rel.findMember(base, name, false);
    const own = info.instanceMembers().get(name);
    if (!inherited || !own) return;
    if (inherited.member.accessibility === "private") {
      this.report(node, `Class '${info.name}' incorrectly extends base class '${base.cls.name}'. Property '${name}' is private in type '${base.cls.name}'.`);
      return;
    }
    const ownType = own.type();
    if (!this.rel.isAssignable(ownType, inherited.type)) {
      this.report(node, `Property '${name}' in type '${info.name}' is not assignable to the same property in base type '${typeToString(base)}'.`);
    }
  }

  private checkAbstractsImplemented(s: A.ClassDecl, info: ClassInfo, self: ClassType): void {
    const seen = new Set<string>();
    for (let b = this.rel.baseOf(self), depth = 0; b && depth < 100; b = this.rel.baseOf(b), depth++) {
      for (const [name, m] of b.cls.instanceMembers()) {
        if (!m.isAbstract || seen.has(name)) continue;
        seen.add(name);
        const nearest = this.rel.findMember(self, name, false);
        if (nearest && nearest.member.isAbstract) {
          this.report(this.classNameNode(s), `Non-abstract class '${info.name}' does not implement inherited abstract member '${name}' from class '${b.cls.name}'.`);
        }
      }
    }
  }

  // ================================================================ expressions

  checkExpr(e: A.Expr, ctx?: Type): Type {
    const t = this.checkExprInner(e, ctx);
    return this.record(e, t);
  }

  private checkExprInner(e: A.Expr, ctx: Type | undefined): Type {
    switch (e.kind) {
      case "NumberLiteral":
        return literal(e.value, e.isInt);
      case "StringLiteral":
        return literal(e.value);
      case "BooleanLiteral":
        return literal(e.value);
      case "NullLiteral":
        return nullType;
      case "TemplateLiteral":
        for (const x of e.expressions) {
          const t = this.checkExpr(x);
          if (t.kind === "void") this.report(x, "An expression of type 'void' cannot be used as a value.");
        }
        return stringType;
      case "Identifier":
        return this.checkIdentifier(e);
      case "This":
        return this.checkThis(e);
      case "Super":
        this.report(e, "'super' must be followed by an argument list or member access.");
        return errorType;
      case "ArrayLiteral":
        return this.checkArrayLiteral(e, ctx);
      case "ObjectLiteral":
        return this.checkObjectLiteral(e, ctx);
      case "FunctionExpr":
      case "ArrowFunction":
        return this.checkFunctionExpr(e, ctx);
      case "Call":
        return this.checkCall(e, ctx);
      case "AsyncCall": {
        const t = this.checkExpr(e.call);
        if (t.kind === "error") return errorType;
        if (!hasOptionalLink(e.call)) return this.rel.taskResult(t) ? t : this.rel.taskOf(t);
        // `async a?.m()` starts no Task when a link is null: the whole expression is null then.
        // The call's own null (from the short-circuit) stays in the Task's result type unless the
        // call already yields a Task: over-approximate, but sound.
        const started = removeNull(t);
        return union([this.rel.taskResult(started) ? started : this.rel.taskOf(t), nullType]);
      }
      case "New":
        return this.checkNew(e, ctx);
      case "Member":
        return this.checkMember(e);
      case "Index":
        return this.checkIndex(e);
      case "Unary":
        return this.checkUnary(e);
      case "Update":
        return this.checkUpdate(e);
      case "Binary":
        return this.checkBinary(e, ctx);
      case "Assign":
        return this.checkAssign(e);
      case "Conditional": {
        const cond = this.checkCondition(e.test);
        this.flow = cond.whenTrue;
        const a = this.checkExpr(e.consequent, ctx);
        const afterA = this.flow;
        this.flow = cond.whenFalse;
        const b = this.checkExpr(e.alternate, ctx);
        this.flow = joinFlows([afterA, this.flow]);
        return union([a, b]);
      }
      case "Await":
        return this.checkAwait(e, ctx);
      case "As":
        return this.checkAs(e);
      case "Paren":
        return this.checkExpr(e.expression, ctx);
      case "ErrorExpr":
        return errorType;
    }
  }

  private checkIdentifier(e: A.Identifier): Type {
    const sym = this.scope.lookupValue(e.name);
    if (!sym) {
      if (e.name !== "") this.report(e, `Cannot find name '${e.name}'.`);
      return errorType;
    }
    const real = sym.target ?? sym;
    if (real.decl) this.definitions.set(e, real.decl);
    if (real.kind === "namespace" && !this.memberObjects.has(e)) {
      this.report(e, `Namespace import '${e.name}' cannot be used as a value; use its members, as in '${e.name}.name'.`);
      return errorType;
    }
    if (!sym.initialized && sym.fn === this.fn) {
      if (sym.kind === "class") this.report(e, `Class '${e.name}' used before its declaration.`);
      else this.report(e, `Block-scoped variable '${e.name}' used before its declaration.`);
    } else if (this.isUnassignedHere(sym)) {
      this.report(e, `Variable '${e.name}' is used before being assigned.`);
    }
    const narrowed = this.flow.narrowed.get(`#${sym.id}`);
    if (narrowed) return narrowed.type;
    return this.symbolType(sym);
  }

  /** The function whose `this` an expression sees (arrow functions see their parent's). */
  private thisOwner(): FunctionContext {
    let f: FunctionContext = this.fn;
    while (arrowContexts.has(f) && f.parent) f = f.parent;
    return f;
  }

  private checkThis(e: A.ThisExpr): Type {
    const owner = this.thisOwner();
    if (!this.fn.thisType) {
      this.report(e, "'this' implicitly has type 'any' because it does not have a type annotation.");
      return errorType;
    }
    if (owner.isConstructor && owner.needsSuper && !owner.superCalled) {
      this.report(e, "'super' must be called before accessing 'this' in the constructor of a derived class.");
    }
    return this.fn.thisType;
  }

  /** Members of a contextual type that match a predicate (e.g. array-like for an array literal). */
  private contextualPart(ctx: Type | undefined, pred: (t: Type) => boolean): Type | null {
    if (!ctx) return null;
    const parts = unionMembers(this.rel.expand(ctx))
      .map((m) => this.rel.expand(m))
      .filter(pred);
    return parts.length === 0 ? null : union(parts);
  }

  private checkArrayLiteral(e: A.ArrayLiteral, ctx: Type | undefined): Type {
    const c = this.contextualPart(ctx, (t) => t.kind === "array" || t.kind === "tuple");
    const tupleCtx = c && c.kind === "tuple" ? c : null;
    const elementCtx = c && c.kind === "array" ? c.element : null;
    const types: Type[] = [];
    let hasSpread = false;
    e.elements.forEach((el, i) => {
      if (el.kind === "Spread") {
        hasSpread = true;
        const t = this.checkExpr(el.argument, c ?? undefined);
        const elem = this.elementOfIterable(t);
        if (!elem) {
          this.report(el.argument, `Type '${typeToString(t)}' is not an array type.`);
          types.push(errorType);
        } else types.push(elem);
        return;
      }
      const ectx = tupleCtx ? tupleCtx.elements[i] : elementCtx ?? undefined;
      types.push(this.checkExpr(el, ectx));
    });
    if (tupleCtx && !hasSpread && types.length === tupleCtx.elements.length) return { kind: "tuple", elements: types };
    if (elementCtx) {
      if (types.length === 0) return arrayOf(elementCtx);
      // Widen literals unless the context needs them (`Dir[]`), so inference sees `string`.
      const u = union(types);
      const widened = widenDeep(u);
      return arrayOf(this.rel.isAssignable(widened, elementCtx) || !this.rel.isAssignable(u, elementCtx) ? widened : u);
    }
    if (types.length === 0) return arrayOf(neverType);
    const widened = types.map(widenLiteral);
    const best = widened.find((c) => widened.every((o) => this.rel.isAssignable(o, c)));
    return arrayOf(best ?? union(widened));
  }

  private checkObjectLiteral(e: A.ObjectLiteral, ctx: Type | undefined): Type {
    const c = this.contextualPart(ctx, (t) => t.kind === "object" || t.kind === "class" || t.kind === "intersection");
    const props = new Map<string, PropertyInfo>();
    // Methods see `this` as the contextual type, else as the literal's own (growing) type;
    // methods are entered up front so they may call each other.
    const self: ObjectType = { kind: "object", props, calls: [] };
    for (const p of e.properties) {
      if (p.kind === "ObjectMethod") props.set(p.key, { name: p.key, type: errorType, optional: false, readonly: false, method: true, decl: p });
    }
    for (const p of e.properties) {
      if (p.kind === "Spread") {
        const t = this.rel.expand(this.checkExpr(p.argument));
        if (t.kind === "object" || t.kind === "class") {
          for (const sp of this.rel.publicProps(t)) {
            if (!sp.method) props.set(sp.name, { name: sp.name, type: sp.type, optional: sp.optional, readonly: false, method: false, decl: null });
          }
        } else if (t.kind !== "error") this.report(p, "Spread types may only be created from object types.");
        continue;
      }
      const earlier = e.properties.slice(0, e.properties.indexOf(p));
      if (earlier.some((q) => q.kind !== "Spread" && q.key === p.key) && !earlier.some((q) => q.kind === "Spread")) {
        this.report(p, "An object literal cannot have multiple properties with the same name.");
      }
      const pctx = c ? this.rel.getProperty(c, p.key)?.type : undefined;
      if (p.kind === "PropertyAssignment") {
        const t = this.checkExpr(p.value, pctx);
        this.record(p, t);
        props.set(p.key, { name: p.key, type: pctx ? t : widenLiteral(t), optional: false, readonly: false, method: false, decl: p });
      } else {
        const t = this.checkFunctionExpr(p.fn, pctx, c ?? self);
        this.record(p, t);
        props.set(p.key, { name: p.key, type: t, optional: false, readonly: false, method: true, decl: p });
      }
    }
    return { kind: "object", props, calls: [] };
  }

  private checkFunctionExpr(e: A.FunctionExpr | A.ArrowFunction, ctx: Type | undefined, thisType: Type | null = null): Type {
    const fnPart = this.contextualPart(ctx, (t) => this.rel.callSignatures(t) !== null);
    const sigs = fnPart ? this.rel.callSignatures(fnPart) : null;
    const contextual = sigs && sigs.length > 0 ? sigs[0] : null;
    let scope = this.scope;
    if (e.kind === "FunctionExpr" && e.name) {
      scope = new Scope(this.scope, this.fn);
      const sym = newValueSymbol(e.name, "const", e, this.fn);
      sym.initialized = true;
      const inner = scope;
      sym.resolve = () => fnType(this.signatureOf(e, inner, contextual));
      scope.values.set(e.name, sym);
    }
    const opts: Partial<FunctionContext> = e.kind === "FunctionExpr" ? { thisType } : {};
    const sig = this.functionSignatureChecked(e, contextual, scope, opts);
    return fnType(sig);
  }

  /** Walks a function expression's body and returns its full signature. */
  private functionSignatureChecked(e: FunctionNode, contextual: Signature | null, scope: Scope, opts: Partial<FunctionContext>): Signature {
    const returnType = this.checkFunctionBody(e, contextual, scope, opts);
    const { typeParams, params } = this.lastWalkedParams;
    return { typeParams, params, returnType, decl: e };
  }

  // ---------------------------------------------------------------- calls

  private checkCall(e: A.CallExpr, ctx: Type | undefined): Type {
    if (e.callee.kind === "Super") return this.checkSuperCall(e);
    let calleeType = this.checkExpr(e.callee);
    let chained = this.chainNullable.has(e.callee);
    if (chained) calleeType = removeNull(calleeType);
    if (e.optional && isNullable(calleeType)) {
      calleeType = removeNull(calleeType);
      chained = true;
    } else if (isNullable(calleeType) && calleeType.kind !== "error") {
      this.report(e.callee, "Cannot invoke an object which is possibly 'null'.");
      calleeType = removeNull(calleeType);
    }
    const sigs = calleeType.kind === "error" ? null : this.rel.callSignatures(calleeType);
    if (!sigs) {
      if (calleeType.kind !== "error") this.report(e.callee, "This expression is not callable.");
      for (const a of e.args) this.checkExpr(a.kind === "Spread" ? a.argument : a);
      return errorType;
    }
    let result = this.resolveCall(e, sigs, e.args, e.typeArgs, ctx);
    if (chained) {
      this.chainNullable.add(e);
      result = union([result, nullType]);
    }
    return result;
  }

  private checkSuperCall(e: A.CallExpr): Type {
    const owner = this.thisOwner();
    const cls = owner.enclosingClass;
    const base = cls?.base() ?? null;
    if (!owner.isConstructor || !base) {
      this.report(e, "'super' can only be called in the constructor of a derived class.");
      for (const a of e.args) this.checkExpr(a.kind === "Spread" ? a.argument : a);
      return errorType;
    }
    const sig = base.cls.constructorSig();
    const inst = substSig({ ...sig, typeParams: [] }, mappingOf(base.cls.typeParams, base.args));
    this.callWithSignature(e, inst, e.args, [], undefined);
    owner.superCalled = true;
    return voidType;
  }

  private checkNew(e: A.NewExpr, ctx: Type | undefined): Type {
    const calleeType = this.rel.expand(this.checkExpr(e.callee));
    if (calleeType.kind !== "classStatic") {
      if (calleeType.kind !== "error") this.report(e.callee, "This expression is not constructable.");
      for (const a of e.args) this.checkExpr(a.kind === "Spread" ? a.argument : a);
      return errorType;
    }
    const cls = calleeType.cls;
    if (cls.abstract) this.report(e, "Cannot create an instance of an abstract class.");
    const access = cls.constructorAccess();
    if (access === "private" && this.fn.enclosingClass !== cls) {
      this.report(e, `Constructor of class '${cls.name}' is private and only accessible within the class declaration.`);
    } else if (access === "protected" && !(this.fn.enclosingClass && this.derivesFrom(this.fn.enclosingClass, cls))) {
      this.report(e, `Constructor of class '${cls.name}' is protected and only accessible within the class declaration.`);
    }
    return this.resolveCall(e, [cls.constructorSig()], e.args, e.typeArgs, ctx);
  }

  private resolveCall(node: A.CallExpr | A.NewExpr, sigs: Signature[], args: (A.Expr | A.SpreadElement)[], typeArgNodes: A.TypeNode[], ctx: Type | undefined): Type {
    const explicit = typeArgNodes.map((t) => this.resolveTypeNode(t, this.scope));
    if (sigs.length === 1) return this.callWithSignature(node, sigs[0], args, explicit, ctx);
    const hasSpread = args.some((a) => a.kind === "Spread");
    const fitting = sigs.filter((s) => {
      const { min, max } = arity(s);
      return hasSpread || (args.length >= min && args.length <= max);
    });
    if (fitting.length === 0) {
      const min = Math.min(...sigs.map((s) => arity(s).min));
      const max = Math.max(...sigs.map((s) => arity(s).max));
      this.reportArity(node, args, min, max);
      for (const a of args) this.checkExpr(a.kind === "Spread" ? a.argument : a);
      return errorType;
    }
    if (fitting.length === 1) return this.callWithSignature(node, fitting[0], args, explicit, ctx);
    for (const s of fitting) {
      const trial = this.speculate(() => this.callWithSignature(node, s, args, explicit, ctx));
      if (trial.errors === 0) return this.callWithSignature(node, s, args, explicit, ctx);
    }
    return this.callWithSignature(node, fitting[fitting.length - 1], args, explicit, ctx);
  }

  private reportArity(node: A.CallExpr | A.NewExpr, args: (A.Expr | A.SpreadElement)[], min: number, max: number): void {
    const got = args.length;
    const expected = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min}-${max}`;
    this.report(node, `Expected ${expected} arguments, but got ${got}.`);
  }

  private callWithSignature(
    node: A.CallExpr | A.NewExpr,
    sig: Signature,
    args: (A.Expr | A.SpreadElement)[],
    explicit: Type[],
    ctx: Type | undefined,
  ): Type {
    const { min, max } = arity(sig);
    const hasSpread = args.some((a) => a.kind === "Spread");
    if (!hasSpread && (args.length < min || args.length > max)) this.reportArity(node, args, min, max);
    let inst = sig;
    if (sig.typeParams.length > 0) {
      let mapping: TypeMapping;
      if (explicit.length > 0) {
        if (explicit.length !== sig.typeParams.length) {
          this.report(node, `Expected ${sig.typeParams.length} type arguments, but got ${explicit.length}.`);
        }
        mapping = mappingOf(sig.typeParams, explicit);
        this.checkConstraints(sig.typeParams, sig.typeParams.map((p) => mapping.get(p.id) ?? unknownType), node, node.typeArgs);
      } else mapping = this.inferCallMapping(sig, args, ctx);
      inst = substSig({ ...sig, typeParams: [] }, mapping);
    } else if (explicit.length > 0) {
      this.report(node, `Expected 0 type arguments, but got ${explicit.length}.`);
    }
    args.forEach((a, i) => {
      if (a.kind === "Spread") {
        const t = this.checkExpr(a.argument);
        const last = inst.params[inst.params.length - 1];
        const restFrom = last?.rest ? inst.params.length - 1 : Infinity;
        const expanded = this.rel.expand(t);
        if (expanded.kind === "tuple") {
          expanded.elements.forEach((el, j) => {
            const pt = paramTypeAt(inst, i + j);
            if (pt && !this.rel.isAssignable(el, pt)) this.report(a, `Argument of type '${this.display(el, pt)}' is not assignable to parameter of type '${typeToString(pt)}'.`);
          });
        } else if (i >= restFrom && expanded.kind === "array") {
          if (!this.rel.isAssignable(expanded, last.type)) this.report(a, `Argument of type '${typeToString(t)}' is not assignable to parameter of type '${typeToString(last.type)}'.`);
        } else if (t.kind !== "error") {
          this.report(a, "A spread argument must either have a tuple type or be passed to a rest parameter.");
        }
        return;
      }
      const pt = paramTypeAt(inst, i);
      if (!pt) {
        this.checkExpr(a);
        return;
      }
      const t = this.checkExpr(a, pt);
      if (!this.rel.isAssignable(t, pt)) {
        this.report(a, `Argument of type '${this.display(t, pt)}' is not assignable to parameter of type '${typeToString(pt)}'.`);
      } else this.checkExcessProperties(a, pt);
    });
    return inst.returnType;
  }

  /** Source type as shown in a mismatch: literals widen unless the target has literal types. */
  private display(source: Type, target: Type): string {
    return typeToString(hasLiteralMembers(this.rel.expand(target)) ? source : widenDeep(source));
  }

  private inferCallMapping(sig: Signature, args: (A.Expr | A.SpreadElement)[], ctx: Type | undefined): TypeMapping {
    const inf = new Inference(this.rel, sig.typeParams);
    const ids = new Set(sig.typeParams.map((p) => p.id));
    const sensitive = (a: A.Expr): boolean =>
      (a.kind === "ArrowFunction" || a.kind === "FunctionExpr") && a.params.some((p) => !p.type);
    args.forEach((a, i) => {
      if (a.kind === "Spread") {
        const t = this.speculate(() => this.checkExpr(a.argument)).value;
        const elem = this.elementOfIterable(t);
        const pt = paramTypeAt(sig, i);
        if (elem && pt) inf.infer(elem, pt);
        return;
      }
      if (sensitive(a)) return;
      const pt = paramTypeAt(sig, i);
      if (!pt) return;
      // Array literals get the parameter's shape (type parameters unknown) so `[["a", 1]]`
      // against `[K, V][]` is read as tuples.
      const shape = a.kind === "ArrayLiteral" ? subst(pt, new Map(sig.typeParams.map((p) => [p.id, unknownType]))) : undefined;
      const actx = mentionsParams(pt, ids) ? shape : pt;
      const t = this.speculate(() => this.checkExpr(a, actx)).value;
      inf.infer(t, pt);
    });
    let contextual: TypeMapping | undefined;
    if (ctx) {
      const ci = new Inference(this.rel, sig.typeParams);
      ci.infer(ctx, sig.returnType);
      contextual = new Map();
      for (const p of sig.typeParams) {
        const c = ci.candidates.get(p.id);
        if (c && c.length > 0) contextual.set(p.id, c[0]);
      }
    }
    args.forEach((a, i) => {
      if (a.kind === "Spread" || !sensitive(a)) return;
      const pt = paramTypeAt(sig, i);
      if (!pt) return;
      const partial = inf.result(contextual);
      const t = this.speculate(() => this.checkExpr(a, subst(pt, partial))).value;
      const ptSigs = this.rel.callSignatures(pt);
      const tSigs = this.rel.callSignatures(t);
      if (ptSigs && tSigs) inf.infer(tSigs[0].returnType, ptSigs[0].returnType);
    });
    // An inference that breaks its constraint falls back to the constraint, so the argument
    // check reports the mismatch (as TypeScript does).
    const result = inf.result(contextual);
    for (const p of sig.typeParams) {
      if (p.constraint && !this.rel.isAssignable(result.get(p.id)!, subst(p.constraint, result))) {
        result.set(p.id, subst(p.constraint, result));
      }
    }
    return result;
  }

  private checkAwait(e: A.AwaitExpr, ctx: Type | undefined): Type {
    const fn = this.fn;
    if (!fn.isAsync && !fn.isEntryTop) {
      this.report(e, "'await' expressions are only allowed within async functions and at the top levels of modules.");
    }
    const t = this.checkExpr(e.argument, ctx);
    return this.awaited(t);
  }

  private awaited(t: Type): Type {
    const r = this.rel.taskResult(t);
    if (r) return r;
    const x = this.rel.expand(t);
    if (x.kind === "array") {
      const er = this.awaitedElement(x.element);
      if (er) return arrayOf(er);
    }
    if (x.kind === "tuple") {
      const parts = x.elements.map((el) => this.rel.taskResult(el));
      if (parts.every((p) => p !== null)) return { kind: "tuple", elements: parts as Type[] };
    }
    return t;
  }

  private awaitedElement(t: Type): Type | null {
    const parts = unionMembers(this.rel.expand(t)).map((m) => this.rel.taskResult(m));
    return parts.every((p) => p !== null) ? union(parts as Type[]) : null;
  }

  private checkAs(e: A.AsExpr): Type {
    if (e.type.kind === "TypeRef" && e.type.name === "const") return this.checkExpr(e.expression);
    const target = this.resolveTypeNode(e.type, this.scope);
    const t = this.checkExpr(e.expression, target);
    if (!this.rel.isAssignable(t, target)) {
      this.report(e, `Conversion of type '${typeToString(widenLiteral(t))}' to type '${typeToString(target)}' is not allowed; 'as' may only widen a type.`);
    }
    return target;
  }

  // ---------------------------------------------------------------- members and indexing

  /**
   * The receiver of a member or index link with null removed: by `?.` (the chain becomes
   * nullable), by an earlier `?.` in the same chain, or after reporting "possibly null".
   */
  private chainReceiver(e: A.MemberExpr | A.IndexExpr, objType: Type): { type: Type; chained: boolean } {
    let type = objType;
    let chained = this.chainNullable.has(e.object);
    if (chained) type = removeNull(type);
    if (e.optional) {
      if (isNullable(type)) {
        type = removeNull(type);
        chained = true;
      }
    } else if (isNullable(type) && type.kind !== "error") {
      this.report(e.object, "Object is possibly 'null'.");
      type = removeNull(type);
    }
    return { type, chained };
  }

  private checkMember(e: A.MemberExpr): Type {
    if (e.object.kind === "Super") return this.checkSuperMember(e);
    const objType = this.checkExpr(e.object);
    let { type: t, chained } = this.chainReceiver(e, objType);
    if (t.kind === "never") return errorType;
    const look = this.rel.getProperty(t, e.name);
    if (!look) {
      this.reportAt(e.file, e.nameLine, e.nameCol, `Property '${e.name}' does not exist on type '${typeToString(t)}'.`);
      return errorType;
    }
    this.checkFieldAssignedBeforeRead(e);
    if (look.member) {
      this.definitions.set(e, look.member.decl);
      this.checkAccessible(look.member, e);
    }
    let result = look.type;
    const ref = this.refOf(e);
    const narrowed = ref ? this.flow.narrowed.get(ref.key) : undefined;
    if (narrowed) result = narrowed.type;
    if (chained) {
      this.chainNullable.add(e);
      result = union([result, nullType]);
    }
    return result;
  }

  private checkSuperMember(e: A.MemberExpr): Type {
    const owner = this.thisOwner();
    const cls = owner.enclosingClass;
    const self = this.fn.thisType;
    const base = cls?.base() ?? null;
    if (!cls || !base || !self) {
      this.report(e.object, "'super' can only be referenced in a derived class.");
      return errorType;
    }
    const isStatic = self.kind === "classStatic";
    const found = this.rel.findMember(base, e.name, isStatic);
    if (!found) {
      this.reportAt(e.file, e.nameLine, e.nameCol, `Property '${e.name}' does not exist on type '${typeToString(base)}'.`);
      return errorType;
    }
    if (found.member.kind === "field") {
      this.report(e, "Only public and protected methods of the base class are accessible via the 'super' keyword.");
    }
    if (found.member.isAbstract) {
      this.report(e, `Abstract method '${e.name}' in class '${found.member.owner.name}' cannot be accessed via super expression.`);
    }
    this.checkAccessible(found.member, e);
    return found.type;
  }

  private checkAccessible(member: MemberInfo, e: A.MemberExpr): void {
    if (member.accessibility === "public") return;
    const cls = this.thisOwner().enclosingClass ?? this.fn.enclosingClass;
    if (member.accessibility === "private") {
      if (cls !== member.owner) {
        this.reportAt(e.file, e.nameLine, e.nameCol, `Property '${member.name}' is private and only accessible within class '${member.owner.name}'.`);
      }
      return;
    }
    if (!cls || !this.derivesFrom(cls, member.owner)) {
      this.reportAt(e.file, e.nameLine, e.nameCol, `Property '${member.name}' is protected and only accessible within class '${member.owner.name}' and its subclasses.`);
    }
  }

  private derivesFrom(cls: ClassInfo, base: ClassInfo): boolean {
    for (let c: ClassInfo | null = cls, depth = 0; c && depth < 100; c = c.base()?.cls ?? null, depth++) {
      if (c === base) return true;
    }
    return false;
  }

  private checkIndex(e: A.IndexExpr): Type {
    const objType = this.checkExpr(e.object);
    const idx = this.checkExpr(e.index);
    let { type: t, chained } = this.chainReceiver(e, objType);
    let result = this.indexedType(t, idx, e);
    if (chained) {
      this.chainNullable.add(e);
      result = union([result, nullType]);
    }
    return result;
  }

  private indexedType(objType: Type, idx: Type, e: A.IndexExpr): Type {
    const t = this.rel.expand(objType);
    if (t.kind === "error" || idx.kind === "error") return errorType;
    const numeric = isNumeric(idx);
    if (numeric && t.kind === "array") return t.element;
    if (numeric && (t.kind === "string" || (t.kind === "literal" && t.base === "string"))) return stringType;
    if (numeric && t.kind === "tuple") {
      if (idx.kind === "literal" && typeof idx.value === "number") {
        const i = idx.value;
        if (!Number.isInteger(i) || i < 0 || i >= t.elements.length) {
          this.report(e.index, `Tuple type '${typeToString(t)}' of length '${t.elements.length}' has no element at index '${i}'.`);
          return errorType;
        }
        return t.elements[i];
      }
      return union(t.elements);
    }
    if (idx.kind === "literal" && typeof idx.value === "string" && (t.kind === "object" || t.kind === "class")) {
      const look = this.rel.getProperty(t, idx.value);
      if (look && (!look.member || look.member.accessibility === "public")) return look.type;
    }
    this.report(e, `Element implicitly has an 'any' type because expression of type '${typeToString(widenLiteral(idx))}' can't be used to index type '${typeToString(objType)}'.`);
    return errorType;
  }

  // ---------------------------------------------------------------- operators

  /** Codegen reads `intArith`; only the real walk (never a speculative one) decides it. */
  private setIntArith(node: { intArith?: boolean }, value: boolean): void {
    if (this.speculating === 0) node.intArith = value;
  }

  private checkUnary(e: A.UnaryExpr): Type {
    const t = this.checkExpr(e.operand);
    this.setIntArith(e, false);
    switch (e.op) {
      case "!":
        return booleanType;
      case "typeof":
        return stringType;
      case "-":
      case "+":
      case "~": {
        if (t.kind === "error") return errorType;
        if (!isNumeric(t)) {
          this.report(e, `Operator '${e.op}' cannot be applied to type '${typeToString(widenLiteral(t))}'.`);
          return errorType;
        }
        if (e.op === "~") return intType;
        if (e.op === "-") {
          const operand = unparen(e.operand);
          if (operand.kind === "NumberLiteral" && operand.value === 2147483648 && /^[0-9]+$/.test(operand.raw)) {
            return literal(-2147483648, true);
          }
          this.setIntArith(e, isIntLike(t));
          if (t.kind === "literal" && typeof t.value === "number" && t.value !== 0) return literal(-t.value, t.base === "int");
        }
        return isIntLike(t) ? intType : numberType;
      }
    }
  }

  private checkUpdate(e: A.UpdateExpr): Type {
    const target = this.checkAssignTarget(e.operand, true);
    this.setIntArith(e, false);
    if (!target) return errorType;
    const current = this.currentValueType(e.operand, target);
    if (target.kind === "error") return errorType;
    if (!isNumeric(current)) {
      this.report(e, `Operator '${e.op}' cannot be applied to type '${typeToString(widenLiteral(current))}'.`);
      return errorType;
    }
    this.setIntArith(e, isIntLike(target));
    this.invalidateRef(e.operand);
    return isIntLike(target) ? intType : numberType;
  }

  private checkBinary(e: A.BinaryExpr, ctx: Type | undefined): Type {
    this.setIntArith(e, false);
    if (e.op === "&&" || e.op === "||") {
      const cond = this.checkCondition(e.left);
      const left = this.typeOfNode(e.left) ?? errorType;
      this.flow = e.op === "&&" ? cond.whenTrue : cond.whenFalse;
      const right = this.checkExpr(e.right, ctx);
      this.flow = joinFlows([e.op === "&&" ? cond.whenFalse : cond.whenTrue, this.flow]);
      const kept = e.op === "&&" ? N.narrowTruthy(this.rel, left, false) : N.narrowTruthy(this.rel, left, true);
      return union([kept, right]);
    }
    if (e.op === "??") {
      const left = this.checkExpr(e.left, ctx);
      const right = this.checkExpr(e.right, ctx ?? removeNull(left));
      return union([removeNull(left), right]);
    }
    const left = this.checkExpr(e.left);
    const right = this.checkExpr(e.right);
    return this.binaryResult(e.op, left, right, e);
  }

  /** Result type of a non-logical binary operator; reports misuse at `node`. */
  private binaryResult(op: A.BinaryOp, left: Type, right: Type, node: A.BinaryExpr | A.AssignExpr): Type {
    const bad = () => {
      this.report(node, `Operator '${op}' cannot be applied to types '${typeToString(widenLiteral(left))}' and '${typeToString(widenLiteral(right))}'.`);
      return errorType;
    };
    const anyError = left.kind === "error" || right.kind === "error";
    const bothInt = isIntLike(left) && isIntLike(right);
    switch (op) {
      case "+":
        if (isStringish(left) || isStringish(right)) {
          if (left.kind === "void" || right.kind === "void") return bad();
          return stringType;
        }
        if (anyError) return errorType;
        if (!isNumeric(left) || !isNumeric(right)) return bad();
        this.setIntArith(node, bothInt);
        return bothInt ? intType : numberType;
      case "-":
      case "*":
      case "%":
        if (anyError) return errorType;
        if (!isNumeric(left) || !isNumeric(right)) return bad();
        this.setIntArith(node, bothInt);
        return bothInt ? intType : numberType;
      case "/":
      case "**":
        if (anyError) return errorType;
        if (!isNumeric(left) || !isNumeric(right)) return bad();
        return numberType;
      case "&":
      case "|":
      case "^":
      case "<<":
      case ">>":
      case ">>>":
        if (anyError) return intType;
        if (!isNumeric(left) || !isNumeric(right)) return bad();
        return intType;
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (anyError) return booleanType;
        if ((isNumeric(left) && isNumeric(right)) || (isStringish(left) && isStringish(right))) return booleanType;
        bad();
        return booleanType;
      case "==":
      case "!=":
      case "===":
      case "!==":
        if (!this.comparable(left, right)) {
          this.report(node, `This comparison appears to be unintentional because the types '${typeToString(widenLiteral(left))}' and '${typeToString(widenLiteral(right))}' have no overlap.`);
        }
        return booleanType;
      case "instanceof": {
        const r = this.rel.expand(right);
        if (r.kind !== "classStatic" && r.kind !== "error") {
          this.report(node, "The right-hand side of an 'instanceof' expression must be a class.");
        }
        if (isPrimitive(this.rel.expand(left))) {
          this.report(node, "The left-hand side of an 'instanceof' expression must be of an object type or a type parameter.");
        }
        return booleanType;
      }
      case "in":
        if (!anyError && !isStringish(left)) this.report(node, "The left-hand side of an 'in' expression must be of type 'string'.");
        if (!anyError && isPrimitive(this.rel.expand(right))) this.report(node, "The right-hand side of an 'in' expression must not be a primitive.");
        return booleanType;
      default:
        return errorType;
    }
  }

  comparable(a: Type, b: Type): boolean {
    const wa = widenLiteral(this.rel.expand(a));
    const wb = widenLiteral(this.rel.expand(b));
    if (wa.kind === "error" || wb.kind === "error" || wa.kind === "unknown" || wb.kind === "unknown") return true;
    if (wa.kind === "null" || wb.kind === "null") return true;
    for (const x of unionMembers(wa)) {
      for (const y of unionMembers(wb)) {
        if (x.kind === "null" || y.kind === "null") continue;
        if (x.kind === "param" || y.kind === "param") return true;
        if (this.rel.isAssignable(x, y) || this.rel.isAssignable(y, x)) return true;
        if (isNumeric(x) && isNumeric(y)) {
          if (x.kind === "literal" && y.kind === "literal") continue;
          return true;
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- assignment

  private checkAssign(e: A.AssignExpr): Type {
    this.setIntArith(e, false);
    const target = e.target;
    if (target.kind === "ArrayPattern" || target.kind === "ObjectPattern") {
      const v = this.checkExpr(e.value, this.patternContext(target));
      this.assignPattern(target, v);
      return v;
    }
    if (e.op === "=") {
      const tt = this.checkAssignTarget(target);
      const v = this.checkExpr(e.value, tt ?? undefined);
      if (tt) this.expectAssignableAt(v, tt, e.value);
      this.invalidateRef(target);
      this.markAssigned(target);
      const ref = this.refOf(target);
      if (ref && tt) this.assignNarrowing(ref.key, ref.root, tt, v);
      return v;
    }
    const tt = this.checkAssignTarget(target, true);
    if (!tt) {
      this.checkExpr(e.value);
      return errorType;
    }
    const current = this.currentValueType(target, tt);
    if (e.op === "&&=" || e.op === "||=" || e.op === "??=") {
      const v = this.checkExpr(e.value, tt);
      this.expectAssignableAt(v, tt, e.value);
      this.invalidateRef(target);
      if (e.op === "??=") return union([removeNull(current), v]);
      return union([current, v]);
    }
    const v = this.checkExpr(e.value);
    const op = e.op.slice(0, -1) as A.BinaryOp;
    const result = this.binaryResult(op, current, v, e);
    if (result.kind !== "error" && !this.rel.isAssignable(result, tt)) {
      this.report(target, `Type '${typeToString(widenLiteral(result))}' is not assignable to type '${typeToString(tt)}'.`);
    }
    this.invalidateRef(target);
    this.markAssigned(target);
    return result;
  }

  /** Contextual type of a destructuring assignment's value: `[a, b] = [b, a]` is a tuple. */
  private patternContext(p: A.Pattern): Type {
    switch (p.kind) {
      case "IdentifierPattern": {
        const sym = this.scope.lookupValue(p.name);
        return sym ? this.symbolType(sym) : unknownType;
      }
      case "ArrayPattern":
        if (p.rest) return unknownType;
        return { kind: "tuple", elements: p.elements.map((el) => (el ? this.patternContext(el.target) : unknownType)) };
      case "ObjectPattern":
      case "MemberTargetPattern":
        return unknownType;
    }
  }

  /** Destructuring assignment `[a, b] = value`: each identifier is an assignment target. */
  private assignPattern(pattern: A.ArrayPattern | A.ObjectPattern, value: Type): void {
    this.destructure(pattern, value, (id, t) => {
      const ident: A.Identifier = { kind: "Identifier", name: id.name, file: id.file, line: id.line, col: id.col, start: id.start, end: id.end };
      const tt = this.checkAssignTarget(ident);
      if (tt) this.expectAssignable(t, tt, id);
      this.invalidateRef(ident);
      this.markAssigned(ident);
    });
  }

  /** The value a compound assignment reads: the narrowed type when there is one. */
  private currentValueType(target: A.Expr, declared: Type): Type {
    const ref = this.refOf(target);
    return (ref && this.flow.narrowed.get(ref.key)?.type) || declared;
  }

  private markAssigned(target: A.Expr): void {
    const inner = unparen(target);
    const fieldId = this.trackedFieldId(inner);
    if (fieldId !== null) this.flow.unassigned.delete(fieldId);
    if (inner.kind !== "Identifier") return;
    const sym = this.scope.lookupValue(inner.name);
    if (sym) this.flow.unassigned.delete(sym.id);
  }

  /** Checks an assignment target and returns the type it accepts (null when it is not assignable). */
  private checkAssignTarget(target: A.Expr, reads = false): Type | null {
    const t = unparen(target);
    switch (t.kind) {
      case "Identifier": {
        const sym = this.scope.lookupValue(t.name);
        if (!sym) {
          if (t.name !== "") this.report(t, `Cannot find name '${t.name}'.`);
          return null;
        }
        if (sym.decl) this.definitions.set(t, sym.decl);
        if (!sym.initialized && sym.fn === this.fn) this.report(t, `Block-scoped variable '${t.name}' used before its declaration.`);
        else if (reads && this.isUnassignedHere(sym)) this.report(t, `Variable '${t.name}' is used before being assigned.`);
        if (sym.kind === "const") {
          this.report(t, `Cannot assign to '${t.name}' because it is a constant.`);
          return null;
        }
        if (sym.kind === "import") {
          this.report(t, `Cannot assign to '${t.name}' because it is an import.`);
          return null;
        }
        if (sym.kind !== "let" && sym.kind !== "param") {
          this.report(t, `Cannot assign to '${t.name}' because it is not a variable.`);
          return null;
        }
        const declared = this.symbolType(sym);
        this.record(t, declared);
        return declared;
      }
      case "Member": {
        if (t.object.kind === "Super") {
          // Objects have a fixed layout and no prototype chain: `super.x` names only a base
          // method, which cannot be replaced (a field is simply `this.x`).
          this.reportAt(t.file, t.nameLine, t.nameCol, `Cannot assign to 'super.${t.name}'; assign to 'this.${t.name}' instead.`);
          return null;
        }
        const objType = this.checkExpr(t.object);
        if (t.optional) this.report(t, "The left-hand side of an assignment expression may not be an optional property access.");
        let o = objType;
        if (isNullable(o) && o.kind !== "error") {
          this.report(t.object, "Object is possibly 'null'.");
          o = removeNull(o);
        }
        if (o.kind === "error") return errorType;
        const look = this.rel.getProperty(o, t.name);
        if (!look) {
          this.reportAt(t.file, t.nameLine, t.nameCol, `Property '${t.name}' does not exist on type '${typeToString(o)}'.`);
          return null;
        }
        if (look.member) {
          this.definitions.set(t, look.member.decl);
          this.checkAccessible(look.member, t);
        }
        if (reads) this.checkFieldAssignedBeforeRead(t);
        if (look.readonly && !this.isConstructorInit(look, t)) {
          this.reportAt(t.file, t.nameLine, t.nameCol, `Cannot assign to '${t.name}' because it is a read-only property.`);
          return null;
        }
        this.record(t, look.type);
        return look.type;
      }
      case "Index": {
        const objType = this.checkExpr(t.object);
        const idx = this.checkExpr(t.index);
        let o = this.rel.expand(objType);
        if (isNullable(o) && o.kind !== "error") {
          this.report(t.object, "Object is possibly 'null'.");
          o = removeNull(o);
        }
        if (o.kind === "string" || (o.kind === "literal" && o.base === "string")) {
          this.report(t, `Index signature in type 'string' only permits reading.`);
          return null;
        }
        const r = this.indexedType(o, idx, t);
        this.record(t, r);
        return r;
      }
      default:
        this.report(t, "The left-hand side of an assignment expression must be a variable or a property access.");
        this.checkExpr(t);
        return null;
    }
  }

  /** A variable read here may have no value: unassigned in this function's flow, or
   *  possibly unassigned where the closure reading it was created. */
  private isUnassignedHere(sym: ValueSymbol): boolean {
    if (this.flow.unreachable) return false;
    if (sym.fn === this.fn) return this.flow.unassigned.has(sym.id);
    return this.fn.unassignedAtCreation?.has(sym.id) ?? false;
  }

  /** The flow id of `this.name` when it is a constructor-tracked field (see fieldFlowIds). */
  private trackedFieldId(target: A.Expr): number | null {
    if (target.kind !== "Member" || unparen(target.object).kind !== "This") return null;
    return this.fn.fieldFlowIds?.get(target.name) ?? null;
  }

  /** In a constructor, `this.x` may not be read before x is definitely assigned. */
  private checkFieldAssignedBeforeRead(e: A.MemberExpr): void {
    const id = this.trackedFieldId(e);
    if (id === null || this.flow.unreachable || !this.flow.unassigned.has(id)) return;
    this.reportAt(e.file, e.nameLine, e.nameCol, `Property '${e.name}' is used before being assigned.`);
  }

  /** Records the tracked fields still unassigned at a constructor exit (return or end). */
  private noteUnassignedFieldsAtExit(): void {
    const ids = this.fn.fieldFlowIds;
    if (!ids) return;
    for (const [name, id] of ids) if (this.flow.unassigned.has(id)) this.fn.fieldsUnassignedAtExit?.add(name);
  }

  /** Readonly fields may be assigned through `this` in their own class's constructor. */
  private isConstructorInit(look: { member: MemberInfo | null }, t: A.MemberExpr): boolean {
    const m = look.member;
    if (!m || m.kind !== "field" || unparen(t.object).kind !== "This") return false;
    const owner = this.thisOwner();
    return owner.isConstructor && owner.enclosingClass === m.owner;
  }

  // ================================================================ narrowing

  refOf(e: A.Expr | A.Pattern): { key: string; root: string } | null {
    const x = unparen(e as A.Expr);
    if (x.kind === "Identifier") {
      const sym = this.scope.lookupValue(x.name);
      return sym ? { key: `#${sym.id}`, root: x.name } : null;
    }
    if (x.kind === "This") return { key: "this", root: "this" };
    if (x.kind === "Member" && x.object.kind !== "Super") {
      const inner = this.refOf(x.object);
      return inner ? { key: `${inner.key}.${x.name}`, root: inner.root } : null;
    }
    return null;
  }

  private invalidateRef(target: A.Expr): void {
    const ref = this.refOf(target);
    if (!ref) return;
    for (const key of [...this.flow.narrowed.keys()]) {
      if (key === ref.key || key.startsWith(`${ref.key}.`)) this.flow.narrowed.delete(key);
    }
  }

  private assignNarrowing(key: string, root: string, declared: Type, assigned: Type): void {
    for (const k of [...this.flow.narrowed.keys()]) if (k === key || k.startsWith(`${key}.`)) this.flow.narrowed.delete(k);
    const members = unionMembers(this.rel.expand(declared));
    if (members.length < 2) return;
    const assignedMembers = unionMembers(assigned);
    const kept = members.filter((m) => assignedMembers.some((a) => this.rel.isAssignable(a, m)));
    if (kept.length > 0 && kept.length < members.length) this.flow.narrowed.set(key, { type: union(kept), root });
  }

  private setNarrowed(state: FlowState, e: A.Expr, type: Type): void {
    const ref = this.refOf(e);
    if (ref) state.narrowed.set(ref.key, { type, root: ref.root });
  }

  /** Current type of a reference in a flow state (its narrowing, else its checked type). */
  private refType(state: FlowState, e: A.Expr): Type {
    const ref = this.refOf(e);
    return (ref && state.narrowed.get(ref.key)?.type) || this.typeOfNode(unparen(e)) || this.typeOfNode(e) || errorType;
  }

  /** Checks a condition; returns the flow states where it is true and where it is false. */
  checkCondition(e: A.Expr): { whenTrue: FlowState; whenFalse: FlowState } {
    switch (e.kind) {
      case "Paren": {
        const r = this.checkCondition(e.expression);
        this.record(e, this.typeOfNode(e.expression) ?? errorType);
        return r;
      }
      case "Unary":
        if (e.op === "!") {
          const r = this.checkCondition(e.operand);
          this.record(e, booleanType);
          return { whenTrue: r.whenFalse, whenFalse: r.whenTrue };
        }
        break;
      case "Binary":
        return this.binaryCondition(e);
      default:
        break;
    }
    this.checkExpr(e);
    return this.truthiness(e);
  }

  private truthiness(e: A.Expr): { whenTrue: FlowState; whenFalse: FlowState } {
    const whenTrue = cloneFlow(this.flow);
    const whenFalse = cloneFlow(this.flow);
    const ref = this.refOf(e);
    if (ref) {
      const t = this.refType(this.flow, e);
      this.setNarrowed(whenTrue, e, N.narrowTruthy(this.rel, t, true));
      this.setNarrowed(whenFalse, e, N.narrowTruthy(this.rel, t, false));
    }
    const inner = unparen(e);
    if (inner.kind === "Member" && this.refOf(inner.object)) {
      const objType = this.refType(this.flow, inner.object);
      if (unionMembers(this.rel.expand(objType)).length > 1) {
        const byTruth = (positive: boolean) =>
          unionMembers(this.rel.expand(objType)).filter((m) => {
            const p = m.kind === "null" ? null : this.rel.getProperty(m, inner.name);
            return p !== null && N.narrowTruthy(this.rel, p.type, positive).kind !== "never";
          });
        this.setNarrowed(whenTrue, inner.object, union(byTruth(true)));
        this.setNarrowed(whenFalse, inner.object, union(byTruth(false)));
      }
    }
    if (inner.kind === "Call" && inner.args.length === 1 && inner.args[0].kind !== "Spread" && this.isArrayIsArray(inner.callee)) {
      const arg = inner.args[0];
      if (this.refOf(arg)) {
        const cur = this.refType(this.flow, arg);
        const members = unionMembers(this.rel.expand(cur)).map((m) => this.rel.expand(m));
        const arrays = members.filter((m) => m.kind === "array" || m.kind === "tuple");
        const isUnknown = members.some((m) => m.kind === "unknown");
        this.setNarrowed(whenTrue, arg, isUnknown ? arrayOf(unknownType) : union(arrays));
        this.setNarrowed(whenFalse, arg, isUnknown ? cur : union(members.filter((m) => m.kind !== "array" && m.kind !== "tuple")));
      }
    }
    this.narrowChainRoots(inner, whenTrue);
    return { whenTrue, whenFalse };
  }

  /** `Array.isArray` of the library (not a user's shadowing `Array`). */
  private isArrayIsArray(callee: A.Expr): boolean {
    const c = unparen(callee);
    if (c.kind !== "Member" || c.name !== "isArray" || c.object.kind !== "Identifier" || c.object.name !== "Array") return false;
    const sym = this.scope.lookupValue("Array");
    return sym !== undefined && sym.fn !== null && sym.fn.parent === null && sym.decl?.file === LIB_FILENAME;
  }

  /** When `a?.b` (or `a.b` of a narrowed `a`) is truthy / non-null, `a` is not null. */
  private narrowChainRoots(e: A.Expr, state: FlowState): void {
    let x = e;
    while (x.kind === "Member" || x.kind === "Index" || x.kind === "Call") {
      const obj: A.Expr = x.kind === "Call" ? x.callee : x.object;
      if ((x.kind === "Member" || x.kind === "Index" || x.kind === "Call") && x.optional) {
        const ref = this.refOf(obj);
        if (ref) this.setNarrowed(state, obj, removeNull(this.refType(state, obj)));
      }
      x = unparen(obj);
    }
  }

  private binaryCondition(e: A.BinaryExpr): { whenTrue: FlowState; whenFalse: FlowState } {
    if (e.op === "&&" || e.op === "||") {
      const left = this.checkCondition(e.left);
      const leftType = this.typeOfNode(e.left) ?? errorType;
      this.flow = e.op === "&&" ? left.whenTrue : left.whenFalse;
      const right = this.checkCondition(e.right);
      const rightType = this.typeOfNode(e.right) ?? errorType;
      this.record(e, union([N.narrowTruthy(this.rel, leftType, e.op !== "&&"), rightType]));
      this.setIntArith(e, false);
      if (e.op === "&&") {
        const out = { whenTrue: right.whenTrue, whenFalse: joinFlows([left.whenFalse, right.whenFalse]) };
        this.flow = joinFlows([out.whenTrue, out.whenFalse]);
        return out;
      }
      const out = { whenTrue: joinFlows([left.whenTrue, right.whenTrue]), whenFalse: right.whenFalse };
      this.flow = joinFlows([out.whenTrue, out.whenFalse]);
      return out;
    }
    this.checkExpr(e);
    const whenTrue = cloneFlow(this.flow);
    const whenFalse = cloneFlow(this.flow);
    const left = unparen(e.left);
    const right = unparen(e.right);
    switch (e.op) {
      case "===":
      case "!==":
      case "==":
      case "!=": {
        const positive = e.op === "===" || e.op === "==";
        const apply = (refSide: A.Expr, valueSide: A.Expr) => {
          const vt = this.typeOfNode(valueSide) ?? errorType;
          if (refSide.kind === "Unary" && refSide.op === "typeof" && valueSide.kind === "StringLiteral") {
            if (this.refOf(refSide.operand)) {
              const cur = this.refType(this.flow, refSide.operand);
              this.setNarrowed(positive ? whenTrue : whenFalse, refSide.operand, N.narrowTypeof(this.rel, cur, valueSide.value, true));
              this.setNarrowed(positive ? whenFalse : whenTrue, refSide.operand, N.narrowTypeof(this.rel, cur, valueSide.value, false));
            }
            return;
          }
          const t = this.narrowedByEquality(whenTrue, refSide, vt, positive);
          const f = this.narrowedByEquality(whenFalse, refSide, vt, !positive);
          whenTrue.narrowed = t.narrowed;
          whenFalse.narrowed = f.narrowed;
          if (vt.kind === "null" && !positive) this.narrowChainRoots(refSide, whenTrue);
          if (vt.kind === "null" && positive) this.narrowChainRoots(refSide, whenFalse);
        };
        apply(left, right);
        apply(right, left);
        break;
      }
      case "instanceof": {
        const rt = this.rel.expand(this.typeOfNode(e.right) ?? errorType);
        if (rt.kind === "classStatic" && this.refOf(left)) {
          const cls: ClassType = { kind: "class", cls: rt.cls, args: rt.cls.typeParams.map(() => unknownType) };
          const cur = this.refType(this.flow, left);
          this.setNarrowed(whenTrue, left, N.narrowInstanceof(this.rel, cur, cls, true));
          this.setNarrowed(whenFalse, left, N.narrowInstanceof(this.rel, cur, cls, false));
        }
        break;
      }
      case "in":
        if (left.kind === "StringLiteral" && this.refOf(right)) {
          const cur = this.refType(this.flow, right);
          this.setNarrowed(whenTrue, right, N.narrowIn(this.rel, cur, left.value, true));
          this.setNarrowed(whenFalse, right, N.narrowIn(this.rel, cur, left.value, false));
        }
        break;
      default:
        break;
    }
    return { whenTrue, whenFalse };
  }

  /** A copy of `state` where `refSide === value` (positive) or `!==` holds. */
  narrowedByEquality(state: FlowState, refSide: A.Expr, valueType: Type, positive: boolean): FlowState {
    const out = cloneFlow(state);
    const inner = unparen(refSide);
    if (this.refOf(inner)) {
      const cur = this.refType(state, inner);
      out.narrowed.set(this.refOf(inner)!.key, { type: N.narrowEquality(this.rel, cur, valueType, positive), root: this.refOf(inner)!.root });
    }
    if (inner.kind === "Member" && this.refOf(inner.object)) {
      const objType = this.refType(state, inner.object);
      if (N.isDiscriminant(this.rel, objType, inner.name)) {
        this.setNarrowed(out, inner.object, N.narrowDiscriminant(this.rel, objType, inner.name, valueType, positive));
      }
    }
    return out;
  }
}

// ==================================================================== helpers

const contextualReturns = new WeakMap<FunctionContext, Type | null>();
const arrowContexts = new WeakSet<FunctionContext>();
const switchTargets = new WeakSet<BreakTarget>();

function unreachableFlow(): FlowState {
  return { narrowed: new Map(), unassigned: new Set(), unreachable: true };
}

function needsValue(t: Type): boolean {
  if (t.kind === "void" || t.kind === "unknown" || t.kind === "error" || t.kind === "never") return false;
  if (t.kind === "union") return t.types.every(needsValue);
  return true;
}

function isTrueLiteral(e: A.Expr): boolean {
  const x = unparen(e);
  return x.kind === "BooleanLiteral" && x.value;
}

export function unparen(e: A.Expr): A.Expr {
  while (e.kind === "Paren") e = e.expression;
  return e;
}

// `never` (an unreachable value, e.g. after narrowing an int by `=== 0.5`) is the bottom type:
// arithmetic accepts it, as TypeScript does (`never + 0.5` is a number).
function isNumeric(t: Type): boolean {
  if (t.kind === "union") return t.types.every(isNumeric);
  return t.kind === "never" || t.kind === "number" || t.kind === "int" || t.kind === "error" || (t.kind === "literal" && (t.base === "number" || t.base === "int"));
}

function isStringish(t: Type): boolean {
  if (t.kind === "union") return t.types.every(isStringish);
  return t.kind === "string" || (t.kind === "literal" && t.base === "string");
}

function isPrimitive(t: Type): boolean {
  if (t.kind === "union") return t.types.every(isPrimitive);
  return ["number", "int", "string", "boolean", "null", "void", "literal"].includes(t.kind);
}

function hasLiteralMembers(t: Type): boolean {
  return t.kind === "literal" || (t.kind === "union" && t.types.some((u) => u.kind === "literal"));
}

export function patternIdentifiers(p: A.Pattern): A.IdentifierPattern[] {
  switch (p.kind) {
    case "IdentifierPattern":
      return [p];
    case "ArrayPattern":
      return [...p.elements.flatMap((el) => (el ? patternIdentifiers(el.target) : [])), ...(p.rest ? patternIdentifiers(p.rest) : [])];
    case "ObjectPattern":
      return [...p.properties.flatMap((pp) => patternIdentifiers(pp.target)), ...(p.rest ? [p.rest] : [])];
    case "MemberTargetPattern":
      return [];
  }
}

/** The property and element targets of a destructuring-assignment pattern. */
function patternMemberTargets(p: A.Pattern): (A.MemberExpr | A.IndexExpr)[] {
  switch (p.kind) {
    case "IdentifierPattern":
      return [];
    case "MemberTargetPattern":
      return [p.target];
    case "ArrayPattern":
      return [...p.elements.flatMap((el) => (el ? patternMemberTargets(el.target) : [])), ...(p.rest ? patternMemberTargets(p.rest) : [])];
    case "ObjectPattern":
      return p.properties.flatMap((pp) => patternMemberTargets(pp.target));
  }
}

function patternName(p: A.Pattern): string {
  return p.kind === "IdentifierPattern" ? p.name : patternIdentifiers(p).map((i) => i.name).join(", ");
}

function paramName(p: A.Param): string {
  return p.pattern.kind === "IdentifierPattern" ? p.pattern.name : "arg";
}

let nextFieldFlowId = 1;

function collectMemberObjects(stmts: A.Stmt[], found: Set<A.Identifier>): void {
  for (const s of stmts) {
    walkNodes(s, (n) => {
      if (n.kind === "Member" && n.object.kind === "Identifier") found.add(n.object);
    });
  }
}

/** Calls `visit` for each `this.name` read directly in `root` (not inside nested functions,
 *  which run later, nor as the target of an assignment). */
function forEachThisMemberRead(root: A.Expr, visit: (e: A.MemberExpr) => void): void {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (!node || typeof node !== "object") return;
    const n = node as A.Node;
    if (n.kind === "ArrowFunction" || n.kind === "FunctionExpr") return;
    if (n.kind === "Member" && unparen(n.object).kind === "This") visit(n);
    if (n.kind === "Assign" && n.op === "=" && n.target.kind === "Member") {
      walk(n.target.object);
      walk(n.value);
      return;
    }
    for (const v of Object.values(n)) if (v && typeof v === "object") walk(v);
  };
  walk(root);
}

/** Names of every variable assigned anywhere under the given statements (plus "this" for `this.x =`). */
export function collectAssignedNames(stmts: A.Stmt[]): Set<string> {
  const names = new Set<string>();
  for (const s of stmts) collectAssignedInto(s, names);
  return names;
}

function collectAssignedInto(node: A.Node, names: Set<string>): void {
  walkNodes(node, (n) => {
    let target: A.Node | null = null;
    if (n.kind === "Assign") target = n.target;
    else if (n.kind === "Update") target = n.operand;
    else if (n.kind === "ForOf" && n.declKind === null) target = n.target;
    if (!target) return;
    addAssignedRoot(target, names);
  });
}

function addAssignedRoot(target: A.Node, names: Set<string>): void {
  switch (target.kind) {
    case "Identifier":
      names.add(target.name);
      return;
    case "Paren":
      addAssignedRoot(target.expression, names);
      return;
    case "Member":
    case "Index":
      addAssignedRoot(target.object, names);
      return;
    case "This":
      names.add("this");
      return;
    case "ArrayPattern":
    case "ObjectPattern":
    case "IdentifierPattern":
    case "MemberTargetPattern":
      for (const id of patternIdentifiers(target)) names.add(id.name);
      for (const member of patternMemberTargets(target)) addAssignedRoot(member, names);
      return;
    default:
      return;
  }
}

/** Visits every syntax node under `root` (generic walk over object-valued fields). */
function walkNodes(root: A.Node, visit: (n: A.Node) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const cur = stack.pop();
    if (Array.isArray(cur)) {
      for (const c of cur) stack.push(c);
      continue;
    }
    if (!cur || typeof cur !== "object") continue;
    const node = cur as { kind?: string };
    if (typeof node.kind !== "string") continue;
    visit(cur as A.Node);
    for (const v of Object.values(cur)) if (v && typeof v === "object") stack.push(v);
  }
}

export { typeToString };
