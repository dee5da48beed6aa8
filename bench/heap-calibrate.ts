// Calibrates the heap size model (runtime/vm/heap.ts) against V8 on this machine: for each
// value kind, builds many values the way the VM builds them, measures the heap growth with
// forced collections, and prints it next to the model's price.
//
//   node --expose-gc -r tsx/cjs bench/heap-calibrate.ts
import { arrayBytes, measureReachable } from "../runtime/vm/heap";
import { Box, Closure, Layout, RObject } from "../runtime/vm/value";

const COUNT = 100_000;

interface Kind {
  name: string;
  make: (i: number) => unknown;
}

/** Stands for a Task's value stack: the VM's arrays are slices of it, so they hold any value. */
const STACK: unknown[] = [null, null, null, null, null, null, null, null, {}];
const layout = new Layout("Point", ["x", "y"]);
const proto = null as unknown as Closure["proto"];

/** Fields as NEW builds them (pushes from empty) and as NEW_OBJECT builds them (slice). */
function pushedFields(count: number, fill: (i: number) => unknown): unknown[] {
  const fields: unknown[] = STACK.slice(0, 0); // a generic array, like NEW_ARRAY's
  for (let i = 0; i < count; i++) fields.push(fill(i));
  return fields;
}

const KINDS: Kind[] = [
  { name: "class instance, 2 int fields (NEW)", make: (i) => new RObject(layout, pushedFields(2, () => i)) },
  { name: "object literal, 2 fields (NEW_OBJECT)", make: (i) => new RObject(layout, sliceOf(i, i + 1)) },
  { name: "object literal, 8 fields", make: () => new RObject(layout, STACK.slice(0, 8)) },
  { name: "empty array", make: () => STACK.slice(0, 0) },
  { name: "array of 1 (push)", make: (i) => pushedFields(1, () => i) },
  { name: "array of 3 (slice)", make: () => STACK.slice(0, 3) },
  { name: "array of 100 (push)", make: (i) => pushedFields(100, () => i) },
  { name: "array of 1000 (push)", make: (i) => pushedFields(1000, () => i) },
  { name: "array of 100 doubles (push)", make: (i) => pushedFields(100, (k) => i + k + 0.5) },
  { name: "box", make: (i) => new Box(i) },
  { name: "closure, 0 captures", make: () => new Closure(proto, []) },
  { name: "closure, 2 captures", make: (i) => new Closure(proto, [new Box(i), new Box(i)]) },
  { name: "Map, 0 entries", make: () => new Map() },
  { name: "Map, 10 int entries", make: (i) => fillMap(10, i) },
  { name: "Map, 100 int entries", make: (i) => fillMap(100, i) },
  { name: "Set, 10 ints", make: (i) => new Set(pushedFields(10, (k) => i + k)) },
  { name: "string, 10 chars", make: (i) => `s${i}`.padEnd(10, "x").slice(0, 10) },
  { name: "string, 100 chars (flat)", make: (i) => flat(`${i}`.padEnd(100, "y")) },
  { name: "string, 1000 chars (flat)", make: (i) => flat(`${i}`.padEnd(1000, "z")) },
  { name: "string, 100 two-byte chars", make: (i) => flat(`${i}`.padEnd(100, "\u0101")) },
];

const scratch: unknown[] = STACK.slice();
/** Two values copied out of a generic array, as NEW_OBJECT slices them off the stack. */
function sliceOf(a: unknown, b: unknown): unknown[] {
  scratch[0] = a;
  scratch[1] = b;
  return scratch.slice(0, 2);
}

function fillMap(count: number, seed: number): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  for (let k = 0; k < count; k++) map.set(k, seed + k);
  return map;
}

function flat(text: string): string {
  Number(text); // flattens a rope in place, as the tracer does
  return text;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc");
  gc();
  gc();
}

function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function calibrate(kind: Kind): { real: number; model: number } {
  const count = kind.name.includes("1000") ? COUNT / 20 : COUNT;
  const keep = new Array<unknown>(count).fill(null);
  const before = heapUsed();
  for (let i = 0; i < count; i++) keep[i] = kind.make(i);
  const real = (heapUsed() - before) / count;
  const model = (measureReachable([keep]) - arrayBytes(count)) / count;
  keep.length = 0;
  return { real, model };
}

function main(): void {
  for (const kind of KINDS) calibrate(kind); // warm up: allocation sites settle their feedback
  console.log(`${"kind".padEnd(40)} ${"V8 bytes".padStart(9)} ${"model".padStart(9)} ${"model/V8".padStart(9)}`);
  for (const kind of KINDS) {
    // The median of three runs: an unrelated collection can shift one reading.
    const runs = [calibrate(kind), calibrate(kind), calibrate(kind)].sort((a, b) => a.real - b.real);
    const { real, model } = runs[1];
    console.log(`${kind.name.padEnd(40)} ${real.toFixed(1).padStart(9)} ${model.toFixed(1).padStart(9)} ${(model / real).toFixed(2).padStart(9)}`);
  }
}

main();
