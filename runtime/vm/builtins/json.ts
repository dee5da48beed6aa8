// JSON.stringify over the Raya value model, and JSON.parse producing Maps for objects
// (`JsonValue` objects are Map<string, JsonValue>, which is sound without run-time type tests).
import { typeError, VmError } from "../errors";
import { Task } from "../task";
import { BoundMethod, Closure, NativeFunction, RClass, RObject } from "../value";

const OMIT = undefined;

/** The longest string V8 makes (characters): longer JSON cannot be built. */
const MAX_STRING_LENGTH = 2 ** 29 - 24;

/**
 * A lower bound of the length of `JSON.stringify(value)` without indentation (strings without
 * their escapes, numbers as one digit), computed in time proportional to the distinct objects:
 * a value shared by many parents is measured once. So a structure whose JSON would be
 * exponentially long (each level holding the previous one twice) is measured, and refused,
 * before the exponential work of writing it out.
 */
export function jsonLengthAtLeast(value: unknown): number {
  return lengthOf(value, new Map(), new Set());
}

function lengthOf(value: unknown, known: Map<object, number>, visiting: Set<object>): number {
  switch (typeof value) {
    case "string":
      return value.length + 2;
    case "number":
      return 1;
    case "boolean":
      return value ? 4 : 5;
  }
  if (value === null || typeof value !== "object") return 4;
  const cached = known.get(value);
  if (cached !== undefined) return cached;
  if (visiting.has(value)) return 0; // a cycle: stringify reports it
  visiting.add(value);
  let length = 2;
  const add = (item: unknown): void => {
    length = Math.min(length + lengthOf(item, known, visiting) + 1, Number.MAX_SAFE_INTEGER);
  };
  if (Array.isArray(value) || value instanceof Set) for (const item of value) add(item);
  else if (value instanceof Map) for (const [k, v] of value) (add(k), add(v));
  else if (value instanceof RObject) value.fields.forEach(add);
  visiting.delete(value);
  known.set(value, length);
  return length;
}

export function jsonStringify(value: unknown, indent: unknown): string | null {
  // V8 would throw this only after building the whole (possibly exponential) tree.
  if (jsonLengthAtLeast(value) > MAX_STRING_LENGTH) throw new RangeError("Invalid string length");
  const plain = toJsonTree(value, []);
  const space = typeof indent === "number" || typeof indent === "string" ? indent : undefined;
  const text = JSON.stringify(plain, null, space);
  return text === undefined ? null : text;
}

/** The value as plain JavaScript for JSON.stringify: functions are left out (undefined). */
function toJsonTree(value: unknown, path: unknown[]): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
  }
  if (value === null) return null;
  if (value instanceof Closure || value instanceof BoundMethod || value instanceof NativeFunction || value instanceof RClass) return OMIT;
  if (value instanceof Task) return OMIT;
  if (path.includes(value)) throw typeError("Converting circular structure to JSON");
  path.push(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toJsonTree(item, path) ?? null);
    if (value instanceof Set) return Array.from(value, (item) => toJsonTree(item, path) ?? null);
    if (value instanceof Map) {
      if (!Array.from(value.keys()).every((k) => typeof k === "string")) {
        return Array.from(value, ([k, v]) => [toJsonTree(k, path) ?? null, toJsonTree(v, path) ?? null]);
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) define(out, k as string, toJsonTree(v, path));
      return out;
    }
    if (value instanceof RObject) {
      const out: Record<string, unknown> = {};
      value.layout.fieldNames.forEach((name, i) => define(out, name, toJsonTree(value.fields[i], path)));
      return out;
    }
    return null;
  } finally {
    path.pop();
  }
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function jsonParse(text: unknown): unknown {
  if (typeof text !== "string") throw typeError("JSON.parse expects a string");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new VmError("SyntaxError", error instanceof Error ? error.message : "Invalid JSON");
  }
  return toJsonValue(parsed);
}

function toJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === "object") {
    const map = new Map<string, unknown>();
    for (const key of Object.keys(value)) map.set(key, toJsonValue((value as Record<string, unknown>)[key]));
    return map;
  }
  return value;
}
