// The checker's type model: type values, construction helpers (unions are normalised here),
// substitution of type parameters and display in the wording diagnostics use.
import type { Node } from "../ast";

export type PrimitiveKind = "number" | "int" | "string" | "boolean" | "null" | "void";

export interface PrimitiveType {
  kind: PrimitiveKind;
}
/** The bottom type (e.g. the element of `[]`, or a variable narrowed to nothing). */
export interface NeverType {
  kind: "never";
}
/** The top type: every value is assignable to it; it is assignable only to itself. */
export interface UnknownType {
  kind: "unknown";
}
/** Internal type of an erroneous expression: assignable both ways, silences cascades. */
export interface ErrorType {
  kind: "error";
}
export interface LiteralType {
  kind: "literal";
  value: string | number | boolean;
  base: "int" | "number" | "string" | "boolean";
}
export interface ArrayType {
  kind: "array";
  element: Type;
}
export interface TupleType {
  kind: "tuple";
  elements: Type[];
}
export interface PropertyInfo {
  name: string;
  type: Type;
  optional: boolean;
  readonly: boolean;
  /** Declared as a method (methods compare bivariantly, as in TypeScript). */
  method: boolean;
  decl: Node | null;
}
export interface ObjectType {
  kind: "object";
  props: Map<string, PropertyInfo>;
  /** Call signatures (only the library's callable objects such as `Number` have them). */
  calls: Signature[];
  /** Interface or alias name used for display. */
  name?: string;
  typeArgs?: Type[];
}
export interface ParamInfo {
  name: string;
  type: Type;
  optional: boolean;
  rest: boolean;
}
export interface Signature {
  typeParams: TypeParamType[];
  params: ParamInfo[];
  returnType: Type;
  /** The function is async: calling it returns Task<returnType's awaited type> (already folded in). */
  decl: Node | null;
}
export interface FunctionType {
  kind: "function";
  sigs: Signature[];
}
export interface UnionType {
  kind: "union";
  types: Type[];
}
export interface IntersectionType {
  kind: "intersection";
  types: Type[];
}
export interface TypeParamType {
  kind: "param";
  name: string;
  constraint: Type | null;
  defaultType: Type | null;
  id: number;
}
export type Accessibility = "public" | "private" | "protected";
export interface MemberInfo {
  name: string;
  kind: "field" | "method" | "accessor";
  /** Field type, method function type, accessor value type. Resolved lazily. */
  type(): Type;
  optional: boolean;
  readonly: boolean;
  /** Accessor with a getter; accessor with a setter. */
  hasGetter: boolean;
  hasSetter: boolean;
  accessibility: Accessibility;
  isStatic: boolean;
  isAbstract: boolean;
  owner: ClassInfo;
  decl: Node;
}
export interface ClassInfo {
  name: string;
  decl: Node;
  typeParams: TypeParamType[];
  abstract: boolean;
  declared: boolean;
  /** Resolved lazily: the base class instance type (with its type arguments). */
  base(): ClassType | null;
  instanceMembers(): Map<string, MemberInfo>;
  staticMembers(): Map<string, MemberInfo>;
  /** The constructor's signature (inherited when the class has none), typeParams = the class's. */
  constructorSig(): Signature;
  constructorAccess(): Accessibility;
  id: number;
}
export interface ClassType {
  kind: "class";
  cls: ClassInfo;
  args: Type[];
}
/** The value of a class name: `typeof C`. */
export interface ClassStaticType {
  kind: "classStatic";
  cls: ClassInfo;
}
export interface AliasInfo {
  name: string;
  typeParams: TypeParamType[];
  decl: Node | null;
  /** The aliased type (with the alias's own type parameters free), resolved lazily. */
  body(): Type;
  /** Interfaces are aliases of object types; they display by name like aliases. */
  isInterface: boolean;
}
/** A reference to a (possibly recursive) alias or interface, expanded on demand. */
export interface AliasRefType {
  kind: "alias";
  alias: AliasInfo;
  args: Type[];
}
export interface NamespaceType {
  kind: "namespace";
  name: string;
  values: Map<string, () => Type>;
}

export type Type =
  | PrimitiveType
  | NeverType
  | UnknownType
  | ErrorType
  | LiteralType
  | ArrayType
  | TupleType
  | ObjectType
  | FunctionType
  | UnionType
  | IntersectionType
  | TypeParamType
  | ClassType
  | ClassStaticType
  | AliasRefType
  | NamespaceType;

export const numberType: PrimitiveType = { kind: "number" };
export const intType: PrimitiveType = { kind: "int" };
export const stringType: PrimitiveType = { kind: "string" };
export const booleanType: PrimitiveType = { kind: "boolean" };
export const nullType: PrimitiveType = { kind: "null" };
export const voidType: PrimitiveType = { kind: "void" };
export const neverType: NeverType = { kind: "never" };
export const unknownType: UnknownType = { kind: "unknown" };
export const errorType: ErrorType = { kind: "error" };

let nextTypeParamId = 1;
export function newTypeParam(name: string): TypeParamType {
  return { kind: "param", name, constraint: null, defaultType: null, id: nextTypeParamId++ };
}

export function literal(value: string | number | boolean, isInt?: boolean): LiteralType {
  if (typeof value === "string") return { kind: "literal", value, base: "string" };
  if (typeof value === "boolean") return { kind: "literal", value, base: "boolean" };
  const fitsInt = isInt ?? (Number.isInteger(value) && value >= -2147483648 && value <= 2147483647);
  return { kind: "literal", value, base: fitsInt ? "int" : "number" };
}

export function arrayOf(element: Type): ArrayType {
  return { kind: "array", element };
}

export function fnType(sig: Signature): FunctionType {
  return { kind: "function", sigs: [sig] };
}

export function objectType(props: PropertyInfo[]): ObjectType {
  return { kind: "object", props: new Map(props.map((p) => [p.name, p])), calls: [] };
}

export function prop(name: string, type: Type, optional = false, readonly = false): PropertyInfo {
  return { name, type, optional, readonly, method: false, decl: null };
}

// ---------------------------------------------------------------- identity and unions

/** Structural identity, used to dedupe union members. Conservative: false when unsure. */
export function sameType(a: Type, b: Type): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "literal":
      return a.value === (b as LiteralType).value && a.base === (b as LiteralType).base;
    case "array":
      return sameType(a.element, (b as ArrayType).element);
    case "tuple": {
      const bt = b as TupleType;
      return a.elements.length === bt.elements.length && a.elements.every((e, i) => sameType(e, bt.elements[i]));
    }
    case "class": {
      const bc = b as ClassType;
      return a.cls === bc.cls && sameArgs(a.args, bc.args);
    }
    case "classStatic":
      return a.cls === (b as ClassStaticType).cls;
    case "alias": {
      const ba = b as AliasRefType;
      return a.alias === ba.alias && sameArgs(a.args, ba.args);
    }
    case "param":
      return a.id === (b as TypeParamType).id;
    case "union":
    case "intersection": {
      const bu = b as UnionType | IntersectionType;
      return a.types.length === bu.types.length && a.types.every((t) => bu.types.some((u) => sameType(t, u)));
    }
    case "function":
    case "object":
    case "namespace":
      return false;
    default:
      return true; // primitives, never, unknown, error
  }
}

function sameArgs(a: Type[], b: Type[]): boolean {
  return a.length === b.length && a.every((t, i) => sameType(t, b[i]));
}

/** Builds a normalised union: flattened, deduplicated, literals absorbed by their base,
 *  `int` absorbed by `number`, never dropped; a single member is returned as itself. */
export function union(types: Type[]): Type {
  const flat: Type[] = [];
  for (const t of types) {
    if (t.kind === "union") flat.push(...t.types);
    else flat.push(t);
  }
  if (flat.some((t) => t.kind === "error")) return errorType;
  if (flat.some((t) => t.kind === "unknown")) return unknownType;
  const has = (k: string) => flat.some((t) => t.kind === k);
  const out: Type[] = [];
  const hasArray = flat.some((t) => t.kind === "array" && t.element.kind !== "never");
  for (const t of flat) {
    if (t.kind === "never") continue;
    // `[]` (never[]) beside another array type adds nothing: `xs ?? []` stays `T[]`.
    if (t.kind === "array" && t.element.kind === "never" && hasArray) continue;
    if (t.kind === "literal" && (has(t.base) || (t.base === "int" && has("number")))) continue;
    if (t.kind === "int" && has("number")) continue;
    if (out.some((u) => sameType(u, t))) continue;
    out.push(t);
  }
  if (out.length === 0) return neverType;
  if (out.length === 1) return out[0];
  // A union of `true | false` is `boolean`.
  const trueIdx = out.findIndex((t) => t.kind === "literal" && t.value === true);
  const falseIdx = out.findIndex((t) => t.kind === "literal" && t.value === false);
  if (trueIdx >= 0 && falseIdx >= 0) {
    const rest = out.filter((_, i) => i !== trueIdx && i !== falseIdx);
    return union([...rest, booleanType]);
  }
  return { kind: "union", types: out };
}

export function unionMembers(t: Type): Type[] {
  return t.kind === "union" ? t.types : [t];
}

export function intersection(types: Type[]): Type {
  const flat: Type[] = [];
  for (const t of types) {
    if (t.kind === "intersection") flat.push(...t.types);
    else if (!flat.some((u) => sameType(u, t))) flat.push(t);
  }
  if (flat.length === 1) return flat[0];
  return { kind: "intersection", types: flat };
}

/** Literal types widened to their base (`"a"` → string, `1` → int), through unions/tuples. */
export function widenLiteral(t: Type): Type {
  if (t.kind === "literal") return t.base === "boolean" ? booleanType : { kind: t.base };
  if (t.kind === "union") return union(t.types.map(widenLiteral));
  return t;
}

/** Widens literals everywhere inside a (fresh, literal-derived) type, for error messages. */
export function widenDeep(t: Type): Type {
  switch (t.kind) {
    case "literal":
    case "union":
      return union(unionMembers(widenLiteral(t)).map(widenDeep));
    case "array":
      return arrayOf(widenDeep(t.element));
    case "tuple":
      return { kind: "tuple", elements: t.elements.map(widenDeep) };
    case "object": {
      if (t.name) return t;
      const props = new Map<string, PropertyInfo>();
      for (const [k, p] of t.props) props.set(k, { ...p, type: widenDeep(p.type) });
      return { ...t, props };
    }
    default:
      return t;
  }
}

export function isNullable(t: Type): boolean {
  return t.kind === "null" || (t.kind === "union" && t.types.some((u) => u.kind === "null"));
}

export function removeNull(t: Type): Type {
  if (t.kind === "null") return neverType;
  if (t.kind === "union") return union(t.types.filter((u) => u.kind !== "null"));
  return t;
}

export function isIntLike(t: Type): boolean {
  return t.kind === "int" || (t.kind === "literal" && t.base === "int");
}

// ---------------------------------------------------------------- substitution

export type TypeMapping = Map<number, Type>; // type parameter id → type

export function mappingOf(params: TypeParamType[], args: Type[]): TypeMapping {
  const m: TypeMapping = new Map();
  params.forEach((p, i) => m.set(p.id, args[i] ?? p.defaultType ?? unknownType));
  return m;
}

export function subst(t: Type, m: TypeMapping): Type {
  if (m.size === 0) return t;
  switch (t.kind) {
    case "param":
      return m.get(t.id) ?? t;
    case "array":
      return arrayOf(subst(t.element, m));
    case "tuple":
      return { kind: "tuple", elements: t.elements.map((e) => subst(e, m)) };
    case "union":
      return union(t.types.map((u) => subst(u, m)));
    case "intersection":
      return intersection(t.types.map((u) => subst(u, m)));
    case "class":
      return t.args.length === 0 ? t : { kind: "class", cls: t.cls, args: t.args.map((a) => subst(a, m)) };
    case "alias":
      return t.args.length === 0 ? t : { kind: "alias", alias: t.alias, args: t.args.map((a) => subst(a, m)) };
    case "function":
      return { kind: "function", sigs: t.sigs.map((s) => substSig(s, m)) };
    case "object": {
      const props = new Map<string, PropertyInfo>();
      for (const [k, p] of t.props) props.set(k, { ...p, type: subst(p.type, m) });
      return {
        kind: "object",
        props,
        calls: t.calls.map((s) => substSig(s, m)),
        name: t.name,
        typeArgs: t.typeArgs?.map((a) => subst(a, m)),
      };
    }
    default:
      return t;
  }
}

export function substSig(s: Signature, m: TypeMapping): Signature {
  if (m.size === 0) return s;
  return {
    typeParams: s.typeParams,
    params: s.params.map((p) => ({ ...p, type: subst(p.type, m) })),
    returnType: subst(s.returnType, m),
    decl: s.decl,
  };
}

/** Whether `t` mentions any of the given type parameters (shallowly through aliases' args). */
export function mentionsParams(t: Type, ids: Set<number>): boolean {
  switch (t.kind) {
    case "param":
      return ids.has(t.id);
    case "array":
      return mentionsParams(t.element, ids);
    case "tuple":
      return t.elements.some((e) => mentionsParams(e, ids));
    case "union":
    case "intersection":
      return t.types.some((u) => mentionsParams(u, ids));
    case "class":
    case "alias":
      return t.args.some((a) => mentionsParams(a, ids));
    case "function":
      return t.sigs.some(
        (s) => s.params.some((p) => mentionsParams(p.type, ids)) || mentionsParams(s.returnType, ids),
      );
    case "object":
      return [...t.props.values()].some((p) => mentionsParams(p.type, ids));
    default:
      return false;
  }
}

// ---------------------------------------------------------------- display

export function typeToString(t: Type): string {
  switch (t.kind) {
    case "number":
    case "int":
    case "string":
    case "boolean":
    case "null":
    case "void":
    case "never":
    case "unknown":
      return t.kind;
    case "error":
      return "error";
    case "literal":
      return typeof t.value === "string" ? JSON.stringify(t.value) : String(t.value);
    case "array": {
      const inner = typeToString(t.element);
      return needsParens(t.element) ? `(${inner})[]` : `${inner}[]`;
    }
    case "tuple":
      return `[${t.elements.map(typeToString).join(", ")}]`;
    case "union":
      return t.types.map((u) => (u.kind === "function" ? `(${typeToString(u)})` : typeToString(u))).join(" | ");
    case "intersection":
      return t.types.map((u) => (needsParens(u) ? `(${typeToString(u)})` : typeToString(u))).join(" & ");
    case "param":
      return t.name;
    case "class":
      return withArgs(t.cls.name, t.args);
    case "classStatic":
      return `typeof ${t.cls.name}`;
    case "alias":
      return withArgs(t.alias.name, t.args);
    case "namespace":
      return `typeof import("${t.name}")`;
    case "function":
      return t.sigs.length === 1 ? signatureToString(t.sigs[0], " =>") : `{ ${t.sigs.map((s) => signatureToString(s, ":")).join("; ")} }`;
    case "object": {
      if (t.name) return withArgs(t.name, t.typeArgs ?? []);
      const parts: string[] = [];
      for (const s of t.calls) parts.push(signatureToString(s, ":"));
      for (const p of t.props.values()) {
        const shown = p.optional && p.type.kind === "union" ? union(p.type.types.filter((u) => u.kind !== "null")) : p.type;
        parts.push(`${p.readonly ? "readonly " : ""}${p.name}${p.optional ? "?" : ""}: ${typeToString(shown)}`);
      }
      return parts.length === 0 ? "{}" : `{ ${parts.join("; ")} }`;
    }
  }
}

function needsParens(t: Type): boolean {
  return t.kind === "union" || t.kind === "intersection" || t.kind === "function";
}

function withArgs(name: string, args: Type[]): string {
  return args.length === 0 ? name : `${name}<${args.map(typeToString).join(", ")}>`;
}

export function signatureToString(s: Signature, arrow: string): string {
  const tps = s.typeParams.length ? `<${s.typeParams.map((p) => p.name).join(", ")}>` : "";
  const ps = s.params.map((p) => `${p.rest ? "..." : ""}${p.name}${p.optional ? "?" : ""}: ${typeToString(p.type)}`);
  return `${tps}(${ps.join(", ")})${arrow} ${typeToString(s.returnType)}`;
}

/** Arity bounds of a signature: required count and maximum (Infinity with a rest parameter). */
export function arity(s: Signature): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const p of s.params) {
    if (p.rest) return { min, max: Infinity };
    max++;
    if (!p.optional) min = max;
  }
  return { min, max };
}
