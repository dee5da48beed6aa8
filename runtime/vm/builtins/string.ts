// Methods of string values. JavaScript semantics, except that results which would be
// `undefined` in JavaScript are null (at, codePointAt).
import { toRayaString } from "../format";
import type { NativeImpl } from "../value";
import { arrayBytes, flatStringBytes, HEAP_SIZES, isTwoByte, measureReachable } from "../heap";
import { chargeBytes, chargeString, heapOf, numberArg, optional, orNull, restArgs, stringArg } from "./args";

type StringMethod = (s: string, stack: unknown[], at: number, argc: number) => unknown;

const methods: Record<string, StringMethod> = {
  charAt: (s, st, at, n) => s.charAt(numberArg(st, at, n, 0) ?? 0),
  charCodeAt: (s, st, at, n) => s.charCodeAt(numberArg(st, at, n, 0) ?? 0),
  codePointAt: (s, st, at, n) => orNull(s.codePointAt(numberArg(st, at, n, 0) ?? 0)),
  indexOf: (s, st, at, n) => s.indexOf(stringArg(st, at, n, 0), optional(st, at, n, 1) as number | undefined),
  lastIndexOf: (s, st, at, n) => s.lastIndexOf(stringArg(st, at, n, 0), optional(st, at, n, 1) as number | undefined),
  slice: (s, st, at, n) => s.slice(optional(st, at, n, 0) as number | undefined, optional(st, at, n, 1) as number | undefined),
  substring: (s, st, at, n) => s.substring(numberArg(st, at, n, 0) ?? 0, optional(st, at, n, 1) as number | undefined),
  split: (s, st, at, n) => s.split(optional(st, at, n, 0) as string, optional(st, at, n, 1) as number | undefined),
  trim: (s) => s.trim(),
  trimStart: (s) => s.trimStart(),
  trimEnd: (s) => s.trimEnd(),
  toUpperCase: (s) => s.toUpperCase(),
  toLowerCase: (s) => s.toLowerCase(),
  replace: (s, st, at, n) => s.replace(stringArg(st, at, n, 0), stringArg(st, at, n, 1)),
  replaceAll: (s, st, at, n) => s.replaceAll(stringArg(st, at, n, 0), stringArg(st, at, n, 1)),
  startsWith: (s, st, at, n) => s.startsWith(stringArg(st, at, n, 0), optional(st, at, n, 1) as number | undefined),
  endsWith: (s, st, at, n) => s.endsWith(stringArg(st, at, n, 0), optional(st, at, n, 1) as number | undefined),
  includes: (s, st, at, n) => s.includes(stringArg(st, at, n, 0), optional(st, at, n, 1) as number | undefined),
  padStart: (s, st, at, n) => s.padStart(numberArg(st, at, n, 0), optional(st, at, n, 1) as string | undefined),
  padEnd: (s, st, at, n) => s.padEnd(numberArg(st, at, n, 0), optional(st, at, n, 1) as string | undefined),
  repeat: (s, st, at, n) => s.repeat(numberArg(st, at, n, 0)),
  concat: (s, st, at, n) => s + restArgs(st, at, n, 0).map(toRayaString).join(""),
  at: (s, st, at, n) => orNull(s.at(numberArg(st, at, n, 0))),
  localeCompare: (s, st, at, n) => s.localeCompare(stringArg(st, at, n, 0)),
  toString: (s: string) => s,
  valueOf: (s: string) => s,
};

/** Methods whose result is a new string: charged to a limited context's heap account.
 *  (at/charAt of a Latin-1 character return V8's shared single-character strings, which the
 *  flat price over-counts slightly; kept simple.) */
const MAKES_STRING = new Set([
  "slice", "substring", "trim", "trimStart", "trimEnd", "toUpperCase", "toLowerCase", "replace", "replaceAll",
  "padStart", "padEnd", "repeat", "concat", "at", "charAt",
]);

/** What `s.split(separator, limit)` will cost (the array, a header per part, the characters),
 *  counting the parts without making them. */
function splitBytes(s: string, stack: unknown[], at: number, argc: number): number {
  const separator = optional(stack, at, argc, 0);
  const limit = optional(stack, at, argc, 1);
  let parts: number;
  if (typeof separator !== "string") parts = 1;
  else if (separator === "") parts = s.length;
  else {
    parts = 1;
    for (let i = s.indexOf(separator); i >= 0; i = s.indexOf(separator, i + separator.length)) parts++;
  }
  if (typeof limit === "number" && limit >= 0) parts = Math.min(parts, Math.floor(limit));
  return arrayBytes(parts) + parts * HEAP_SIZES.STRING_HEADER + s.length;
}

/** Methods whose result can be far larger than their inputs. */
const GROWS_STRING = new Set(["repeat", "padStart", "padEnd"]);

/** What the result of a GROWS_STRING method will cost (at most, as stringBytes prices it),
 *  computed without building it. */
function grownBytes(name: string, s: string, stack: unknown[], at: number, argc: number): number {
  const n = Number(numberArg(stack, at, argc, 0));
  const length = !Number.isFinite(n) || n <= 0 ? s.length : name === "repeat" ? s.length * Math.floor(n) : Math.max(s.length, Math.floor(n));
  const fill = name === "repeat" ? "" : String(optional(stack, at, argc, 1) ?? " ");
  return flatStringBytes(length, isTwoByte(s) || isTwoByte(fill));
}

function stringNative(name: string, method: StringMethod): NativeImpl {
  if (name === "split") {
    return (vm, stack, at, argc) => {
      if (heapOf(vm) === null) return method(stack[at] as string, stack, at, argc);
      // The array and every part are new: priced before they are made ("x".repeat(1e7).split("")
      // makes ten million strings), then topped up to what a limited context's tracer measures.
      const estimate = splitBytes(stack[at] as string, stack, at, argc);
      chargeBytes(vm, estimate);
      const parts = method(stack[at] as string, stack, at, argc);
      chargeBytes(vm, Math.max(0, measureReachable([parts], { strings: "per-reference" }) - estimate));
      return parts;
    };
  }
  if (GROWS_STRING.has(name)) {
    return (vm, stack, at, argc) => {
      // Priced before it is built: "x".repeat(1e8) must not allocate before the limit says no.
      if (heapOf(vm) !== null) chargeBytes(vm, grownBytes(name, stack[at] as string, stack, at, argc));
      return method(stack[at] as string, stack, at, argc);
    };
  }
  if (MAKES_STRING.has(name)) {
    return (vm, stack, at, argc) => {
      const result = method(stack[at] as string, stack, at, argc);
      chargeString(vm, result);
      return result;
    };
  }
  return (_vm, stack, at, argc) => method(stack[at] as string, stack, at, argc);
}

export const STRING_METHODS = new Map<string, NativeImpl>(Object.entries(methods).map(([name, method]) => [name, stringNative(name, method)]));
