// Map and Set: the JavaScript collections themselves (insertion order, SameValueZero keys).
// Lookups that would give `undefined` give null; keys(), values() and entries() are arrays.
import { typeError } from "../errors";
import { describeForError } from "../format";
import { NativeFunction, type NativeImpl } from "../value";
import { arrayBytes, MAP_GROWTH_PER_ENTRY, SET_GROWTH_PER_ENTRY } from "../heap";
import { arg, chargeBytes, heapOf } from "./args";
import { chargeHeap } from "../errors";
import { iterableItems } from "./iterables";

export const MAP_METHODS = new Map<string, NativeImpl>([
  ["get", (_vm, stack, at, argc) => {
    const value = (stack[at] as Map<unknown, unknown>).get(arg(stack, at, argc, 0));
    return value === undefined ? null : value;
  }],
  ["set", (vm, stack, at, argc) => {
    const map = stack[at] as Map<unknown, unknown>;
    const key = arg(stack, at, argc, 0);
    const heap = heapOf(vm);
    if (heap !== null && !map.has(key)) chargeHeap(heap, MAP_GROWTH_PER_ENTRY);
    return map.set(key, arg(stack, at, argc, 1));
  }],
  ["has", (_vm, stack, at, argc) => (stack[at] as Map<unknown, unknown>).has(arg(stack, at, argc, 0))],
  ["delete", (_vm, stack, at, argc) => (stack[at] as Map<unknown, unknown>).delete(arg(stack, at, argc, 0))],
  ["clear", (_vm, stack, at) => {
    (stack[at] as Map<unknown, unknown>).clear();
    return null;
  }],
  ["keys", (vm, stack, at) => {
    if (heapOf(vm) !== null) chargeBytes(vm, arrayBytes((stack[at] as Map<unknown, unknown>).size));
    return Array.from((stack[at] as Map<unknown, unknown>).keys());
  }],
  ["values", (vm, stack, at) => {
    if (heapOf(vm) !== null) chargeBytes(vm, arrayBytes((stack[at] as Map<unknown, unknown>).size));
    return Array.from((stack[at] as Map<unknown, unknown>).values());
  }],
  ["entries", (vm, stack, at) => {
    if (heapOf(vm) !== null) chargeBytes(vm, entriesBytes((stack[at] as Map<unknown, unknown>).size));
    return Array.from((stack[at] as Map<unknown, unknown>).entries());
  }],
]);

export const SET_METHODS = new Map<string, NativeImpl>([
  ["add", (vm, stack, at, argc) => {
    const set = stack[at] as Set<unknown>;
    const item = arg(stack, at, argc, 0);
    const heap = heapOf(vm);
    if (heap !== null && !set.has(item)) chargeHeap(heap, SET_GROWTH_PER_ENTRY);
    return set.add(item);
  }],
  ["has", (_vm, stack, at, argc) => (stack[at] as Set<unknown>).has(arg(stack, at, argc, 0))],
  ["delete", (_vm, stack, at, argc) => (stack[at] as Set<unknown>).delete(arg(stack, at, argc, 0))],
  ["clear", (_vm, stack, at) => {
    (stack[at] as Set<unknown>).clear();
    return null;
  }],
  ["values", (vm, stack, at) => {
    if (heapOf(vm) !== null) chargeBytes(vm, arrayBytes((stack[at] as Set<unknown>).size));
    return Array.from((stack[at] as Set<unknown>).values());
  }],
  ["keys", (vm, stack, at) => {
    if (heapOf(vm) !== null) chargeBytes(vm, arrayBytes((stack[at] as Set<unknown>).size));
    return Array.from((stack[at] as Set<unknown>).values());
  }],
  ["entries", (vm, stack, at) => {
    if (heapOf(vm) !== null) chargeBytes(vm, entriesBytes((stack[at] as Set<unknown>).size));
    return Array.from((stack[at] as Set<unknown>).values(), (v) => [v, v]);
  }],
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

/** An array of `size` [key, value] pairs, every pair a new two-element array. */
function entriesBytes(size: number): number {
  return arrayBytes(size) + size * arrayBytes(2);
}
