// Native methods of arrays. Callback-taking methods (map, filter, reduce, ...) are written in
// Raya in the prelude instead, so a callback may suspend its Task. JavaScript semantics,
// except that pop/shift/at on a missing element give null.
import { toRayaString } from "../format";
import { NativeFunction, type NativeImpl } from "../value";
import { ARRAY_GROWTH_PER_ELEMENT, arrayBytes, flatStringBytes, stringBytes } from "../heap";
import { arg, chargeBytes, heapOf, numberArg, optional, restArgs } from "./args";
import { iterableItems } from "./iterables";

type ArrayMethod = (a: unknown[], stack: unknown[], at: number, argc: number) => unknown;

/** Default sort order: by String(value), as JavaScript's sort() without a comparator. */
export function compareAsStrings(x: unknown, y: unknown): number {
  const a = toRayaString(x);
  const b = toRayaString(y);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function joinArray(a: readonly unknown[], separator: string): string {
  let out = "";
  for (let i = 0; i < a.length; i++) {
    if (i > 0) out += separator;
    const item = a[i];
    if (item !== null) out += toRayaString(item);
  }
  return out;
}

/** An upper estimate of the length of `a.join(separator)`, computed without building it
 *  (strings by their length, other values by their longest printed form, arrays inside it
 *  recursively; a cycle joins as "", as in JavaScript). */
function joinedLength(a: readonly unknown[], separatorLength: number, visiting: Set<unknown>): number {
  if (visiting.has(a)) return 0;
  visiting.add(a);
  let length = a.length > 0 ? separatorLength * (a.length - 1) : 0;
  for (const item of a) {
    if (typeof item === "string") length += item.length;
    else if (Array.isArray(item)) length += joinedLength(item, 1, visiting);
    else if (item !== null) length += 24; // a number's longest form, "true", "[object Object]"
  }
  visiting.delete(a);
  return length;
}

const methods: Record<string, ArrayMethod> = {
  push: (a, st, at, n) => {
    for (let i = 0; i < n; i++) a.push(st[at + 1 + i]);
    return a.length;
  },
  pop: (a) => (a.length === 0 ? null : a.pop()),
  shift: (a) => (a.length === 0 ? null : a.shift()),
  unshift: (a, st, at, n) => a.unshift(...restArgs(st, at, n, 0)),
  slice: (a, st, at, n) => a.slice(optional(st, at, n, 0) as number | undefined, optional(st, at, n, 1) as number | undefined),
  splice: (a, st, at, n) => {
    if (n === 0) return [];
    const start = numberArg(st, at, n, 0);
    if (n === 1) return a.splice(start);
    return a.splice(start, numberArg(st, at, n, 1), ...restArgs(st, at, n, 2));
  },
  concat: (a, st, at, n) => a.concat(...restArgs(st, at, n, 0)),
  indexOf: (a, st, at, n) => a.indexOf(arg(st, at, n, 0), optional(st, at, n, 1) as number | undefined),
  lastIndexOf: (a, st, at, n) => (n > 1 ? a.lastIndexOf(arg(st, at, n, 0), numberArg(st, at, n, 1)) : a.lastIndexOf(arg(st, at, n, 0))),
  includes: (a, st, at, n) => a.includes(arg(st, at, n, 0), optional(st, at, n, 1) as number | undefined),
  join: (a, st, at, n) => joinArray(a, n > 0 && arg(st, at, n, 0) !== null ? (arg(st, at, n, 0) as string) : ","),
  reverse: (a) => a.reverse(),
  sort: (a) => a.sort(compareAsStrings),
  fill: (a, st, at, n) => a.fill(arg(st, at, n, 0), optional(st, at, n, 1) as number | undefined, optional(st, at, n, 2) as number | undefined),
  at: (a, st, at, n) => {
    const value = a.at(numberArg(st, at, n, 0));
    return value === undefined ? null : value;
  },
  toString: (a: unknown[]) => joinArray(a, ","),
};

/** What a limited context is charged for each allocating method, before (grow) or after (made) it runs. */
function arrayNative(name: string, method: ArrayMethod): NativeImpl {
  switch (name) {
    case "push":
    case "unshift":
      return (vm, stack, at, argc) => {
        if (heapOf(vm) !== null) chargeBytes(vm, argc * ARRAY_GROWTH_PER_ELEMENT);
        return method(stack[at] as unknown[], stack, at, argc);
      };
    case "splice":
      return (vm, stack, at, argc) => {
        if (heapOf(vm) !== null) chargeBytes(vm, Math.max(0, argc - 2) * ARRAY_GROWTH_PER_ELEMENT);
        const removed = method(stack[at] as unknown[], stack, at, argc) as unknown[];
        if (heapOf(vm) !== null) chargeBytes(vm, arrayBytes(removed.length));
        return removed;
      };
    case "slice":
    case "concat":
      return (vm, stack, at, argc) => {
        const made = method(stack[at] as unknown[], stack, at, argc) as unknown[];
        if (heapOf(vm) !== null) chargeBytes(vm, arrayBytes(made.length));
        return made;
      };
    case "join":
    case "toString":
      return (vm, stack, at, argc) => {
        if (heapOf(vm) === null) return method(stack[at] as unknown[], stack, at, argc);
        // Priced before it is built (a huge separator times many items must not allocate
        // first), then topped up to the exact price once the string exists.
        const separator = name === "join" && argc > 0 && arg(stack, at, argc, 0) !== null ? String(arg(stack, at, argc, 0)) : ",";
        const estimate = flatStringBytes(joinedLength(stack[at] as unknown[], separator.length, new Set()), false);
        chargeBytes(vm, estimate);
        const text = method(stack[at] as unknown[], stack, at, argc) as string;
        chargeBytes(vm, Math.max(0, stringBytes(text) - estimate));
        return text;
      };
    default:
      return (_vm, stack, at, argc) => method(stack[at] as unknown[], stack, at, argc);
  }
}

export const ARRAY_METHODS = new Map<string, NativeImpl>(Object.entries(methods).map(([name, method]) => [name, arrayNative(name, method)]));

export const ARRAY_NAMESPACE = new NativeFunction(
  "Array",
  null,
  new Map<string, unknown>([
    ["isArray", new NativeFunction("isArray", (_vm, stack, at, argc) => Array.isArray(arg(stack, at, argc, 0)))],
    ["from", new NativeFunction("from", (vm, stack, at, argc) => {
      const made = Array.from(iterableItems(arg(stack, at, argc, 0)));
      if (heapOf(vm) !== null) chargeBytes(vm, arrayBytes(made.length));
      return made;
    })],
  ]),
  null,
  (value) => Array.isArray(value),
);
