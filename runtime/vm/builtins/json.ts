// JSON.stringify over the Raya value model, and JSON.parse producing Maps for objects
// (`JsonValue` objects are Map<string, JsonValue>, which is sound without run-time type tests).
import { typeError, VmError } from "../errors";
import { Task } from "../task";
import { BoundMethod, Closure, NativeFunction, RClass, RObject } from "../value";

const OMIT = undefined;

export function jsonStringify(value: unknown, indent: unknown): string | null {
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
