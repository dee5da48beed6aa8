// Type narrowing primitives: given a reference's current type and a test, the type in the
// branch where the test is true (positive) or false. Pure functions over types.
import type { Relations } from "./relations";
import { type ClassType, type Type, booleanType, numberType, stringType, union, unionMembers } from "./types";

function members(rel: Relations, t: Type): Type[] {
  return unionMembers(rel.expand(t)).flatMap((m) => unionMembers(rel.expand(m)));
}

/** Keeps the original (unexpanded) type when nothing was filtered, so displays keep alias names. */
function filtered(rel: Relations, t: Type, keep: (m: Type) => boolean): Type {
  const all = members(rel, t);
  const kept = all.filter(keep);
  return kept.length === all.length ? t : union(kept);
}

function isFalsyLiteral(m: Type): boolean {
  return m.kind === "literal" && (m.value === false || m.value === "" || m.value === 0);
}

export function narrowTruthy(rel: Relations, t: Type, positive: boolean): Type {
  if (t.kind === "error") return t;
  if (positive) return filtered(rel, t, (m) => m.kind !== "null" && m.kind !== "void" && !isFalsyLiteral(m));
  return filtered(rel, t, (m) => {
    switch (m.kind) {
      case "null":
      case "boolean":
      case "string":
      case "number":
      case "int":
      case "unknown":
      case "param":
      case "void":
        return true;
      case "literal":
        return isFalsyLiteral(m);
      default:
        return false;
    }
  });
}

const typeofNames: Record<string, (m: Type) => boolean> = {
  string: (m) => m.kind === "string" || (m.kind === "literal" && m.base === "string"),
  number: (m) => m.kind === "number" || m.kind === "int" || (m.kind === "literal" && (m.base === "number" || m.base === "int")),
  boolean: (m) => m.kind === "boolean" || (m.kind === "literal" && m.base === "boolean"),
  function: (m) => m.kind === "function" || m.kind === "classStatic",
  object: (m) => m.kind === "null" || m.kind === "array" || m.kind === "tuple" || m.kind === "object" || m.kind === "class",
};

export function narrowTypeof(rel: Relations, t: Type, name: string, positive: boolean): Type {
  const test = typeofNames[name];
  if (!test || t.kind === "error") return t;
  if (t.kind === "unknown") {
    if (!positive) return t;
    if (name === "string") return stringType;
    if (name === "number") return numberType;
    if (name === "boolean") return booleanType;
    return t;
  }
  return filtered(rel, t, (m) => (m.kind === "unknown" || m.kind === "param" ? true : test(m) === positive));
}

export function narrowInstanceof(rel: Relations, t: Type, cls: ClassType, positive: boolean): Type {
  if (t.kind === "error") return t;
  const all = members(rel, t);
  if (positive) {
    const out: Type[] = [];
    for (const m of all) {
      if (m.kind === "class" && rel.ancestorAs(m, cls.cls)) out.push(m);
      else if (m.kind === "unknown" || rel.isAssignable(cls, m)) out.push(cls);
    }
    return union(out);
  }
  return filtered(rel, t, (m) => !(m.kind === "class" && rel.ancestorAs(m, cls.cls)));
}

function isUnit(t: Type): boolean {
  return t.kind === "null" || t.kind === "literal";
}

function sameUnit(a: Type, b: Type): boolean {
  if (a.kind === "null" && b.kind === "null") return true;
  return a.kind === "literal" && b.kind === "literal" && a.value === b.value;
}

/** `x === value` (positive) or `x !== value` (negative) where value has type `valueType`. */
export function narrowEquality(rel: Relations, t: Type, valueType: Type, positive: boolean): Type {
  if (t.kind === "error") return t;
  if (!isUnit(valueType)) {
    if (positive && valueType.kind !== "unknown" && !isNullableValue(valueType)) return filtered(rel, t, (m) => m.kind !== "null");
    return t;
  }
  if (positive) {
    const out: Type[] = [];
    for (const m of members(rel, t)) {
      if (sameUnit(m, valueType)) out.push(m);
      else if (m.kind === "unknown" || m.kind === "param") out.push(valueType);
      else if (valueType.kind === "literal" && rel.isAssignable(valueType, m)) out.push(valueType);
    }
    return union(out);
  }
  return filtered(rel, t, (m) => !sameUnit(m, valueType));
}

function isNullableValue(t: Type): boolean {
  return t.kind === "null" || (t.kind === "union" && t.types.some((u) => u.kind === "null"));
}

/** `x.key === value` narrows a union of object types by the type of `key`. */
export function narrowDiscriminant(rel: Relations, t: Type, key: string, valueType: Type, positive: boolean): Type {
  if (t.kind === "error" || !isUnit(valueType)) return t;
  const all = members(rel, t);
  if (all.length < 2) return t;
  return filtered(rel, t, (m) => {
    if (m.kind === "null") return !positive;
    const p = rel.getProperty(m, key);
    if (!p) return !positive;
    const propMembers = members(rel, p.type);
    if (positive) return propMembers.some((pm) => sameUnit(pm, valueType) || (!isUnit(pm) && rel.isAssignable(valueType, pm)));
    return !(propMembers.length === 1 && sameUnit(propMembers[0], valueType));
  });
}

/** Does a discriminant narrowing by `key` apply (the union's members have unit-typed `key`)? */
export function isDiscriminant(rel: Relations, t: Type, key: string): boolean {
  const all = members(rel, t).filter((m) => m.kind !== "null");
  if (all.length < 1) return false;
  return all.every((m) => {
    const p = rel.getProperty(m, key);
    return p !== null && members(rel, p.type).every(isUnit);
  });
}

export function narrowIn(rel: Relations, t: Type, key: string, positive: boolean): Type {
  if (t.kind === "error") return t;
  return filtered(rel, t, (m) => {
    if (m.kind === "null") return false;
    const has = rel.getProperty(m, key) !== null;
    return has === positive;
  });
}
