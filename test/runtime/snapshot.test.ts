// Snapshots: run real programs partway, snapshot, restore into a fresh Scheduler, finish, and
// compare with an uninterrupted run; byte round trips; corrupt input gives InvalidSnapshotError.
import { strict as assert } from "assert";
import { compile } from "../../runtime/compiler/compile";
import type { Program } from "../../runtime/bytecode/module";
import { VmContext } from "../../runtime/vm/context";
import { toPlainValue } from "../../runtime/vm/format";
import { interpret, RunStatus } from "../../runtime/vm/interpreter";
import { createMainTask, runProgram, uncaughtError } from "../../runtime/vm/run";
import { Scheduler, SLICE_FUEL } from "../../runtime/vm/scheduler";
import { InvalidSnapshotError, restoreContext, snapshotContext, SNAPSHOT_VERSION } from "../../runtime/vm/snapshot";
import { Task, TaskState } from "../../runtime/vm/task";
import { Box, Closure, RObject } from "../../runtime/vm/value";

interface Outcome {
  result: unknown;
  output: string[];
}

/** Waits (yielding to the event loop, so timers fire) until `done()` or the deadline. */
async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the program");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function outcomeOf(context: VmContext, main: Task): Outcome {
  const result = main.state === TaskState.Done ? toPlainValue(main.result) : `failed: ${uncaughtError(context, main).message}`;
  return { result, output: context.output.slice() };
}

/** Runs the main Task and every Task still alive to the end through `context`'s scheduler. */
async function finish(context: VmContext, main: Task): Promise<Outcome> {
  await until(() => main.finished && [...context.tasks].every((t) => t.finished || t.state === TaskState.Blocked));
  return outcomeOf(context, main);
}

async function uninterrupted(program: Program): Promise<Outcome> {
  const context = new VmContext(program, new Scheduler());
  const main = createMainTask(context);
  context.scheduler.makeReady(main);
  return finish(context, main);
}

interface RunQueueView {
  take(): Task | null;
  push(task: Task): void;
  pushFront(task: Task): void;
}

/**
 * Runs the context's Tasks for `budget` instructions in slices of `slice`, as Scheduler.runSlice
 * does and through the scheduler's own run queue (so the order a snapshot records is the real
 * one); stops early when nothing is ready. Synchronous: no timer fires meanwhile.
 */
function stepPartway(context: VmContext, main: Task, budget: number, slice: number): void {
  const queue = (context.scheduler as unknown as { queueOf(c: VmContext): RunQueueView }).queueOf(context);
  if (main.state === TaskState.Ready && main.fp === 0 && main.framePc[0] === 0 && context.stepsExecuted === 0) queue.push(main);
  while (budget > 0) {
    const task = queue.take();
    if (task === null) return;
    if (task.state !== TaskState.Ready) continue;
    const before = context.stepsExecuted;
    task.state = TaskState.Running;
    context.currentTask = task;
    const status = interpret(task, Math.min(budget, slice));
    context.currentTask = null;
    budget -= Math.max(1, context.stepsExecuted - before);
    const child = task.spawned;
    task.spawned = null;
    if (status === RunStatus.Preempted) {
      task.state = TaskState.Ready;
      // Out of budget is a pause, not a scheduling decision: the Task keeps its turn.
      if (budget <= 0) queue.pushFront(task);
      else queue.push(task);
    } else if (status === RunStatus.Spawned) {
      task.state = TaskState.Ready;
      queue.pushFront(task);
      if (child !== null && child.state === TaskState.Ready) {
        child.state = TaskState.Ready;
        queue.pushFront(child);
      }
    } else if (status === RunStatus.Done || status === RunStatus.Failed) {
      context.scheduler.finish(task, status === RunStatus.Done ? TaskState.Done : TaskState.Failed, task.result);
    }
  }
}

/** The original stops for good: its Tasks end and their timers are cleared. */
function discard(context: VmContext): void {
  for (const task of [...context.tasks]) context.scheduler.finish(task, TaskState.Cancelled, null);
}

/** Steps `budget` instructions, snapshots (null when the main Task already ended), discards the original. */
function snapshotAfter(program: Program, budget: number, slice = SLICE_FUEL): Uint8Array | null {
  const context = new VmContext(program, new Scheduler());
  const main = createMainTask(context);
  stepPartway(context, main, budget, slice);
  const bytes = main.finished ? null : snapshotContext(context);
  discard(context);
  return bytes;
}

async function resumed(bytes: Uint8Array): Promise<Outcome> {
  const context = restoreContext(bytes, new Scheduler());
  const main = [...context.tasks].find((t) => t.id === 1);
  assert.ok(main !== undefined, "the main task is in the snapshot");
  return finish(context, main);
}

function build(source: string): Program {
  return compile(source, { filename: "main.raya" });
}

/** The instructions an uninterrupted single-slice run takes. */
function totalSteps(program: Program): number {
  const context = new VmContext(program, new Scheduler());
  const main = createMainTask(context);
  stepPartway(context, main, 50_000_000, 1_000_000);
  const steps = context.stepsExecuted;
  discard(context);
  return steps;
}

async function checkEveryStep(source: string, stride = 1): Promise<number> {
  const program = build(source);
  const expected = await uninterrupted(program);
  const total = totalSteps(program);
  let checked = 0;
  for (let n = 1; n < total; n += stride) {
    const bytes = snapshotAfter(program, n);
    if (bytes === null) continue;
    const got = await resumed(bytes);
    assert.deepEqual(got, expected, `resumed after ${n} of ${total} instructions`);
    checked++;
  }
  assert.ok(checked > 0, "at least one snapshot was taken");
  return checked;
}

const CLOSURES = `
function counter(start: number): () => number {
  let n = start;
  return () => { n = n + 1; return n; };
}
const c = counter(10);
const d = counter(-0);
let total: number = 0;
for (let i = 0; i < 5; i++) { total = total + c() + d(); }
console.log("total " + total, 1 / d(), NaN, Infinity, -Infinity);
total;
`;

const CLASSES = `
class Shape {
  static made: number = 0;
  constructor(public name: string) { Shape.made = Shape.made + 1; }
  area(): number { return 0; }
  describe(): string { return this.name + ":" + this.area(); }
}
class Rect extends Shape {
  constructor(public w: number, public h: number) { super("rect"); }
  area(): number { return this.w * this.h; }
}
class Circle extends Shape {
  constructor(public r: number) { super("circle"); }
  area(): number { return Math.floor(3 * this.r * this.r); }
}
const shapes: Shape[] = [new Rect(2, 3), new Circle(2), new Rect(1, 1)];
const names = shapes.map((s) => s.describe());
const point = { x: 1, y: 2 };
console.log(names.join(","), Shape.made, point.x + point.y);
names.length + Shape.made;
`;

const COLLECTIONS = `
const m = new Map<string, number>();
const s = new Set<number>();
const words = ["a", "b", "a", "c", "b", "a"];
for (const w of words) {
  m.set(w, (m.get(w) ?? 0) + 1);
  s.add(w.length);
}
const keys: string[] = [];
for (const [k, v] of m) keys.push(k + "=" + v);
console.log(keys.join(" "), s.size, s.has(1));
keys.length;
`;

const EXCEPTIONS = `
class MyError extends Error {
  constructor(message: string, public code: number) { super(message); }
}
function risky(n: number): number {
  if (n % 3 === 0) throw new MyError("bad " + n, n);
  return n * 2;
}
let sum: number = 0;
for (let i = 0; i < 7; i++) {
  try {
    sum = sum + risky(i);
  } catch (e) {
    if (e instanceof MyError) { sum = sum - e.code; console.log("caught", e.message); }
  } finally {
    sum = sum + 1;
  }
}
sum;
`;

const RECURSION = `
function depth(n: number): number {
  if (n === 0) return 0;
  return 1 + depth(n - 1);
}
function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
console.log(depth(200), fib(12));
depth(300) + fib(10);
`;

const TASKS = `
async function worker(id: number, ms: number): Promise<number> {
  await sleep(ms);
  let acc: number = 0;
  for (let i = 0; i < 20; i++) acc = acc + i * id;
  return acc;
}
async function main(): Promise<number> {
  const a = worker(1, 3);
  const b = worker(2, 1);
  const c = worker(3, 0);
  const results = [await a, await b, await c];
  console.log("results", results.join(","));
  return results[0] + results[1] + results[2];
}
await main();
`;

const SYNC = `
const m = new Mutex();
const order: string[] = [];
async function worker(name: string): Promise<void> {
  m.lock();
  order.push(name);
  sleep(1);
  m.unlock();
}
m.lock();
const ts = [worker("a"), worker("b"), worker("c")];
order.push("main");
m.unlock();
await ts;
const ch = new Channel<int>(1);
async function producer(): Promise<void> {
  for (let i = 0; i < 6; i++) ch.send(i * i);
  ch.close();
}
const p = producer();
let got = 0;
for (let i = 0; i < 6; i++) got = got + ch.receive();
await p;
console.log(order.join(" "), got, ch.length);
got;
`;

const CANCELLED = `
const m = new Mutex();
const log: string[] = [];
async function holder(): Promise<void> {
  m.lock();
  try {
    try { sleep(1000); } catch (e) { log.push("caught"); }
  } finally {
    sleep(0);
    log.push("cleanup");
    m.unlock();
  }
}
const h = holder();
h.cancel();
m.lock();
log.push("main got the lock");
m.unlock();
try { await h; } catch (e) { log.push(e instanceof Error ? e.message : "?"); }
console.log(log.join(", "));
log.length;
`;

const UNCAUGHT = `
function boom(n: number): number {
  if (n > 3) throw new RangeError("too deep at " + n);
  return boom(n + 1);
}
console.log("before");
boom(0);
`;

describe("snapshots", function () {
  this.timeout(120_000);

  describe("resume every Task exactly where it was", () => {
    it("closures and -0/NaN/Infinity, at every instruction", async () => {
      await checkEveryStep(CLOSURES);
    });
    it("classes, statics, inheritance and object literals, at every instruction", async () => {
      await checkEveryStep(CLASSES);
    });
    it("Map, Set and for...of iterators, at every instruction", async () => {
      await checkEveryStep(COLLECTIONS);
    });
    it("exceptions thrown and caught mid-try with finally, at every instruction", async () => {
      await checkEveryStep(EXCEPTIONS);
    });
    it("an uncaught error after the snapshot fails the same way", async () => {
      await checkEveryStep(UNCAUGHT);
    });
    it("deep recursion frames, at random points", async () => {
      const program = build(RECURSION);
      const expected = await uninterrupted(program);
      const total = totalSteps(program);
      let seed = 12345;
      for (let i = 0; i < 40; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const n = 1 + (seed % (total - 1));
        const bytes = snapshotAfter(program, n, 1 + (seed % 50));
        if (bytes === null) continue;
        assert.deepEqual(await resumed(bytes), expected, `resumed after ${n}`);
      }
    });
    it("several tasks with sleep and await, at every instruction", async () => {
      await checkEveryStep(TASKS);
    });
    it("tasks blocked on a Mutex and a Channel, at every instruction", async () => {
      await checkEveryStep(SYNC);
    });
    it("a cancelled task running its finally blocks, at every instruction", async () => {
      await checkEveryStep(CANCELLED);
    });
    it("the uninterrupted driver agrees with runProgram", async () => {
      for (const source of [CLOSURES, CLASSES, COLLECTIONS, EXCEPTIONS, TASKS, SYNC, CANCELLED]) {
        const program = build(source);
        const run = await runProgram(program);
        assert.deepEqual(await uninterrupted(program), { result: run.value, output: run.output });
      }
    });
  });

  describe("bytes", () => {
    it("snapshot → restore → snapshot gives identical bytes", () => {
      // Programs without sleeping Tasks: a sleep's remaining time is re-measured at each snapshot.
      for (const source of [CLOSURES, CLASSES, COLLECTIONS, EXCEPTIONS, RECURSION]) {
        const program = build(source);
        for (const n of [5, 50, 400]) {
          const bytes = snapshotAfter(program, n);
          if (bytes === null) continue;
          const scheduler = new Scheduler();
          const restored = restoreContext(bytes, scheduler);
          const again = snapshotContext(restored);
          discard(restored);
          assert.deepEqual(again, bytes, `n=${n}`);
        }
      }
    });

    it("refuses a context while one of its Tasks is running", () => {
      const context = new VmContext(build(CLOSURES), new Scheduler());
      const main = createMainTask(context);
      main.state = TaskState.Running;
      assert.throws(() => snapshotContext(context), /is running/);
    });

    it("starts with the magic and version", () => {
      const bytes = snapshotAfter(build(CLOSURES), 10)!;
      assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), "RAYASNAP");
      assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true), SNAPSHOT_VERSION);
    });

    it("a restored context shares no object with the original", () => {
      const program = build(CLOSURES);
      const context = new VmContext(program, new Scheduler());
      const main = createMainTask(context);
      stepPartway(context, main, 60, 7);
      const restored = restoreContext(snapshotContext(context), new Scheduler());
      const seen = new Set<unknown>();
      const collect = (root: unknown, into: Set<unknown>): void => {
        const work = [root];
        while (work.length > 0) {
          const v = work.pop();
          if (v === null || typeof v !== "object" || into.has(v)) continue;
          into.add(v);
          if (Array.isArray(v)) work.push(...v);
          else if (v instanceof Box) work.push(v.value);
          else if (v instanceof Closure) work.push(...v.captures);
          else if (v instanceof RObject) work.push(...v.fields);
          else if (v instanceof Task) work.push(...v.stack.slice(0, v.sp), ...v.frameClosure.slice(0, v.fp + 1));
        }
      };
      collect([...context.globals, ...context.tasks], seen);
      const mine = new Set<unknown>();
      collect([...restored.globals, ...restored.tasks], mine);
      for (const v of mine) {
        if (v instanceof Task) assert.equal(v.context, restored);
        assert.ok(!seen.has(v), "restored object shared with the original");
      }
      assert.ok(mine.size > 5);
      discard(context);
      discard(restored);
    });

    it("a 1,000,000-node linked list snapshots and restores without recursion", function () {
      this.timeout(60_000);
      const program = build(`
class Node { constructor(public value: number, public next: Node | null) {} }
let head: Node | null = null;
for (let i = 0; i < 1000000; i++) head = new Node(i, head);
let sum: number = 0;
let walk = head;
while (walk !== null) { sum = sum + walk.value; walk = walk.next; }
console.log(sum);
`);
      const context = new VmContext(program, new Scheduler());
      const main = createMainTask(context);
      // Run until the list is built: the loop is ~15 instructions per node.
      stepPartway(context, main, 25_000_000, 1_000_000);
      assert.ok(!main.finished);
      const bytes = snapshotContext(context);
      discard(context);
      const restored = restoreContext(bytes, new Scheduler());
      const restoredMain = [...restored.tasks].find((t) => t.id === 1)!;
      stepPartway(restored, restoredMain, 100_000_000, 1_000_000);
      assert.equal(restoredMain.state, TaskState.Done);
      assert.deepEqual(restored.output, [String((999999 * 1000000) / 2)]);
    });
  });

  describe("invalid input gives InvalidSnapshotError and nothing else", () => {
    let bytes: Uint8Array = new Uint8Array(0);
    before(() => {
      bytes = snapshotAfter(build(TASKS), 120)!;
    });

    function expectInvalid(input: Uint8Array, what: string): void {
      try {
        restoreContext(input, new Scheduler());
      } catch (error) {
        if (error instanceof InvalidSnapshotError) {
          assert.match(error.message, /at byte \d+/);
          return;
        }
        throw new Error(`${what}: threw ${String(error)} instead of InvalidSnapshotError`);
      }
      assert.fail(`${what}: was accepted`);
    }

    it("every truncation", () => {
      for (let length = 0; length < bytes.length; length++) expectInvalid(bytes.subarray(0, length), `truncated to ${length}`);
    });

    it("thousands of bit flips", () => {
      let seed = 99;
      for (let i = 0; i < 3000; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const copy = bytes.slice();
        copy[seed % copy.length] ^= 1 << (seed % 8);
        expectInvalid(copy, `flip ${i}`);
      }
    });

    it("wrong magic and wrong version", () => {
      const magic = bytes.slice();
      magic[0] = 0x58;
      assert.throws(() => restoreContext(magic, new Scheduler()), /bad magic/);
      const version = bytes.slice();
      version[8] = 99;
      assert.throws(() => restoreContext(version, new Scheduler()), /unsupported snapshot version 99/);
    });

    /** Re-seals altered contents with a correct CRC, so the structural checks are what reject them. */
    function resealed(mutate: (copy: Uint8Array) => void): Uint8Array {
      const copy = bytes.slice();
      mutate(copy);
      const { crc32 } = require("../../runtime/bytecode/bytes") as typeof import("../../runtime/bytecode/bytes");
      new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy, 0, copy.length - 4), true);
      return copy;
    }

    it("structurally wrong contents under a valid checksum", () => {
      let rejected = 0;
      let seed = 7;
      for (let i = 0; i < 2000; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const at = 12 + (seed % (bytes.length - 16));
        const input = resealed((copy) => (copy[at] ^= 1 << (seed % 8)));
        try {
          const context = restoreContext(input, new Scheduler());
          discard(context); // some flips (a number's low bit) are still a valid snapshot
        } catch (error) {
          if (!(error instanceof InvalidSnapshotError)) throw new Error(`flip at ${at}: ${String(error)}`);
          rejected++;
        }
      }
      assert.ok(rejected > 1000, `${rejected} rejected`);
    });

    it("a hostile huge count is rejected before allocating", () => {
      // The program length field follows the version.
      const input = resealed((copy) => new DataView(copy.buffer).setUint32(12, 0xfffffff0, true));
      assert.throws(() => restoreContext(input, new Scheduler()), /program length/);
    });
  });
});
