// Map and Set: the JavaScript collections themselves (insertion order, SameValueZero keys).
// Lookups that would give `undefined` give null; keys(), values() and entries() are arrays.
import { typeError } from "../errors";
import { describeForError } from "../format";
import { NativeFunction, type NativeImpl } from "../value";
import { arg } from "./args";
import { iterableItems } from "./iterables";

export const MAP_METHODS = new Map<string, NativeImpl>([
  ["get", (_vm, stack, at, argc) => {
    const value = (stack[at] as Map<unknown, unknown>).get(arg(stack, at, argc, 0));
    return value === undefined ? null : value;
  }],
  ["set", (_vm, stack, at, argc) => (stack[at] as Map<unknown, unknown>).set(arg(stack, at, argc, 0), arg(stack, at, argc, 1))],
  ["has", (_vm, stack, at, argc) => (stack[at] as Map<unknown, unknown>).has(arg(stack, at, argc, 0))],
  ["delete", (_vm, stack, at, argc) => (stack[at] as Map<unknown, unknown>).delete(arg(stack, at, argc, 0))],
  ["clear", (_vm, stack, at) => {
    (stack[at] as Map<unknown, unknown>).clear();
    return null;
  }],
  ["keys", (_vm, stack, at) => Array.from((stack[at] as Map<unknown, unknown>).keys())],
  ["values", (_vm, stack, at) => Array.from((stack[at] as Map<unknown, unknown>).values())],
  ["entries", (_vm, stack, at) => Array.from((stack[at] as Map<unknown, unknown>).entries())],
]);

export const SET_METHODS = new Map<string, NativeImpl>([
  ["add", (_vm, stack, at, argc) => (stack[at] as Set<unknown>).add(arg(stack, at, argc, 0))],
  ["has", (_vm, stack, at, argc) => (stack[at] as Set<unknown>).has(arg(stack, at, argc, 0))],
  ["delete", (_vm, stack, at, argc) => (stack[at] as Set<unknown>).delete(arg(stack, at, argc, 0))],
  ["clear", (_vm, stack, at) => {
    (stack[at] as Set<unknown>).clear();
    return null;
  }],
  ["values", (_vm, stack, at) => Array.from((stack[at] as Set<unknown>).values())],
  ["keys", (_vm, stack, at) => Array.from((stack[at] as Set<unknown>).values())],
  ["entries", (_vm, stack, at) => Array.from((stack[at] as Set<unknown>).values(), (v) => [v, v])],
]);

export const MAP_CLASS = new NativeFunction(
  "Map",
  null,
  null,
  (_vm, stack, at, argc) => {
    const map = new Map<unknown, unknown>();
    const entries = arg(stack, at, argc, 0);
    if (entries === null) return map;
    for (const entry of iterableItems(entries)) {
      if (!Array.isArray(entry) || entry.length < 2) throw typeError(`Map entry ${describeForError(entry)} is not a [key, value] pair`);
      map.set(entry[0], entry[1]);
    }
    return map;
  },
  (value) => value instanceof Map,
);

export const SET_CLASS = new NativeFunction(
  "Set",
  null,
  null,
  (_vm, stack, at, argc) => {
    const items = arg(stack, at, argc, 0);
    return items === null ? new Set() : new Set(iterableItems(items));
  },
  (value) => value instanceof Set,
);
