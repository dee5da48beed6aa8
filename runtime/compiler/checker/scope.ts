// Symbols and scopes. Values and types live in separate namespaces, as in TypeScript, so a
// class name is both, an interface only a type, a function only a value.
import type { Node } from "../ast";
import type { AliasInfo, ClassInfo, Type, TypeParamType } from "./types";

export type ValueKind = "let" | "const" | "param" | "function" | "class" | "import" | "namespace";

/** Per-function state the checker needs while walking a body. */
export interface FunctionContext {
  parent: FunctionContext | null;
  /** Declared return type (the awaited type for async functions), or null when inferred. */
  declaredReturn: Type | null;
  returnTypes: Type[];
  isAsync: boolean;
  /** Top level of the entry file: `return` and `await` are allowed there. */
  isEntryTop: boolean;
  isTopLevel: boolean;
  thisType: Type | null;
  enclosingClass: ClassInfo | null;
  isConstructor: boolean;
  /** Derived-class constructor: `super(...)` must run before `this`. */
  needsSuper: boolean;
  superCalled: boolean;
  /** Constructors: flow ids (negative, in FlowState.unassigned) of the fields without an
   *  initialiser whose type excludes null; they must be assigned before being read. */
  fieldFlowIds?: Map<string, number>;
  /** Constructors: fields still possibly unassigned at some exit of the body. */
  fieldsUnassignedAtExit?: Set<string>;
  /** Function expressions and arrows: variables possibly unassigned where the closure is
   *  created (reading one of them inside the closure may see no value). */
  unassignedAtCreation?: ReadonlySet<number>;
}

export interface ValueSymbol {
  name: string;
  kind: ValueKind;
  decl: Node | null;
  id: number;
  /** Resolved type (declared type for variables, before narrowing). */
  type: Type | null;
  resolve: (() => Type) | null;
  resolving: boolean;
  /** TDZ: false until the declaration has been walked. */
  initialized: boolean;
  /** The function the symbol is declared in (TDZ applies only to reads in that same function). */
  fn: FunctionContext | null;
  /** For imports: the exported symbol this name refers to. */
  target: ValueSymbol | null;
  /** Definite assignment: a `let` without initialiser starts unassigned. */
  needsAssignment: boolean;
}

export interface TypeSymbol {
  name: string;
  decl: Node | null;
  alias: AliasInfo | null;
  cls: ClassInfo | null;
  param: TypeParamType | null;
  primitive: Type | null;
}

let nextSymbolId = 1;

export function newValueSymbol(name: string, kind: ValueKind, decl: Node | null, fn: FunctionContext | null): ValueSymbol {
  return {
    name,
    kind,
    decl,
    id: nextSymbolId++,
    type: null,
    resolve: null,
    resolving: false,
    initialized: false,
    fn,
    target: null,
    needsAssignment: false,
  };
}

export function newTypeSymbol(name: string, decl: Node | null, fields: Partial<TypeSymbol>): TypeSymbol {
  return { name, decl, alias: null, cls: null, param: null, primitive: null, ...fields };
}

export class Scope {
  readonly values = new Map<string, ValueSymbol>();
  readonly types = new Map<string, TypeSymbol>();
  constructor(
    readonly parent: Scope | null,
    readonly fn: FunctionContext | null,
  ) {}

  lookupValue(name: string): ValueSymbol | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const v = s.values.get(name);
      if (v) return v;
    }
    return undefined;
  }

  lookupType(name: string): TypeSymbol | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const t = s.types.get(name);
      if (t) return t;
    }
    return undefined;
  }
}
