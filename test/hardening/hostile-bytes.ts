// Hostile bytes for the fuzz suites: seed .rbc programs and context snapshots, fast-check
// arbitraries that truncate, bit-flip and mutate them (optionally repairing their CRC-32 so the
// mutation reaches the decoder and verifier instead of the checksum), and a watcher that runs
// whatever loads in a limited context until it ends, blocks for good, or overstays (a hang).
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { compile, encodeProgram, run, type ContextHandle, Runtime, VmError } from "../../runtime/index";
import { crc32 } from "../../runtime/bytecode/bytes";
import { TaskState } from "../../runtime/vm/task";

/** Seed programs: together they use most instruction families (classes, closures, Tasks, channels, strings, exceptions). */
export const SEED_SOURCES: string[] = [
  `function fib(n: int): int { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
   const xs: int[] = [];
   for (let i = 0; i < 12; i++) { xs.push(fib(i)); }
   console.log(xs.join(","));
   return xs.length;`,
  `class Shape { constructor(public name: string) {} area(): number { return 0; } }
   class Rect extends Shape { constructor(public w: number, public h: number) { super("rect"); } area(): number { return this.w * this.h; } }
   const shapes: Shape[] = [new Rect(2, 3), new Shape("dot")];
   const m = new Map<string, number>();
   for (const s of shapes) { m.set(s.name, s.area()); }
   let text = "";
   try { if (m.size > 1) { throw new RangeError("two"); } } catch (e) { text = e instanceof RangeError ? e.message : "?"; } finally { text = text + "!"; }
   const counter = (): (() => int) => { let c = 0; return (): int => { c = c + 1; return c; }; };
   const next = counter(); next();
   return JSON.stringify({ text, size: m.size, n: next(), parts: "a-b-c".split("-") });`,
  `async function worker(id: int, c: Channel<int>, m: Mutex): Task<int> {
     m.lock();
     try { sleep(1); c.send(id * 10); } finally { m.unlock(); }
     return id;
   }
   const c = new Channel<int>(2);
   const m = new Mutex();
   const ts = [worker(1, c, m), worker(2, c, m), worker(3, c, m)];
   let total = 0;
   for (let i = 0; i < 3; i++) { total = total + c.receive(); }
   const ids = await ts;
   return total + ids.length;`,
];

export function seedPrograms(): Uint8Array[] {
  return SEED_SOURCES.map((source, i) => encodeProgram(compile(source, { filename: `seed${i}.raya`, readFile: () => null })));
}

/** A context mid-run: sleeping and spinning Tasks, a channel with buffered values, a held mutex, closures, a class instance. */
const SNAPSHOT_SEED = `
  class Account { constructor(public owner: string, public balance: number) {} deposit(n: number): void { this.balance = this.balance + n; } }
  const accounts: Account[] = [new Account("ann", 1.5), new Account("bo", 2)];
  const ledger = new Map<string, number[]>();
  const seen = new Set<string>(["x"]);
  const ch = new Channel<string>(4);
  const lock = new Mutex();
  let adder: (n: int) => int = (n: int): int => n + 1;
  async function napper(ms: int): Task<int> { sleep(ms); return ms; }
  async function holder(): Task<int> { lock.lock(); sleep(5); lock.unlock(); return 1; }
  export function work(rounds: int): int {
    let total = 0;
    for (let i = 0; i < rounds; i++) {
      total = adder(total);
      if (i % 1000 === 0) { const list = ledger.get("k" + (i % 7)) ?? []; list.push(i); ledger.set("k" + (i % 7), list); accounts[i % 2].deposit(0.5); }
    }
    return total;
  }
  export async function background(): Task<int> { ch.send("one"); ch.send("two"); const a = napper(3); const b = holder(); return (await a) + (await b); }
`;

/** Rounds of `work`: about 250,000 steps, more than two scheduler slices (100,000 each) and a
 *  few milliseconds, so that the many mutated snapshots that still run finish quickly. */
const SEED_WORK_ROUNDS = 30_000;

export interface SnapshotSeeds {
  snapshots: Uint8Array[];
  /** A step budget that lets an unmutated snapshot finish: the seed's whole run plus a margin. */
  budget: number;
}

/**
 * Snapshot bytes of SNAPSHOT_SEED taken by ContextHandle.snapshot: one before the scheduler's
 * first round (the entries' Tasks ready at their first instruction) and one after it (Tasks
 * sleeping, blocked on the mutex, values buffered in the channel).
 */
export async function seedSnapshots(): Promise<SnapshotSeeds> {
  const runtime = new Runtime();
  const whole = runtime.createContext({ name: "measure" });
  await whole.loadSource(SNAPSHOT_SEED, "seed.raya").result();
  await Promise.all([whole.runEntry("work", [SEED_WORK_ROUNDS]).result(), whole.runEntry("background").result()]);
  const budget = whole.stats().stepsExecuted + FUZZ_LIMITS.maxStepBudget;
  const context = runtime.createContext({ name: "seed" });
  await context.loadSource(SNAPSHOT_SEED, "seed.raya").result();
  context.runEntry("work", [SEED_WORK_ROUNDS]);
  const background = context.runEntry("background");
  const snapshots = [context.snapshot()];
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(!background.finished, "the second seed is taken while the background Tasks are mid-flight");
  snapshots.push(context.snapshot());
  context.terminate();
  return { snapshots, budget };
}

/**
 * Snapshots as `raya run --snapshot-out` writes them (the main Task unfinished), for the
 * `raya resume` path: SNAPSHOT_SEED's work run as a program, saved at a third and two thirds of it.
 */
export async function seedRunSnapshots(): Promise<SnapshotSeeds> {
  const source = `${SNAPSHOT_SEED}\nconst bg = background();\nconst total = work(${SEED_WORK_ROUNDS});\nreturn total + (await bg);`;
  const program = compile(source, { filename: "seed-run.raya", readFile: () => null });
  // The whole run's steps, counted by a Runtime context running the same program as its module init.
  const measure = new Runtime().createContext({ name: "measure" });
  await measure.loadProgram(program).result();
  const steps = measure.stats().stepsExecuted;
  const snapshots: Uint8Array[] = [];
  for (const part of [3, 1.5]) {
    const outcome = await run(program, { onOutput: () => undefined, snapshotAfterSteps: Math.floor(steps / part) });
    assert.ok(outcome.snapshot !== undefined, "the run was saved mid-way");
    snapshots.push(outcome.snapshot);
  }
  return { snapshots, budget: steps + FUZZ_LIMITS.maxStepBudget };
}

// ---- mutations

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "byte"; at: number; value: number }
  | { kind: "u32"; at: number; value: number }
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "copy"; from: number; at: number; length: number };

/** Values that sit on boundaries of counts, indices and tags. */
const INTERESTING_U32 = [0, 1, 2, 3, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 1_000_000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 1, 0x7f, 0x80, 0xfe, 0xff)) }),
  fc.record({ kind: fc.constant("u32" as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat()) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("copy" as const), from: fc.nat(), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
);

function applyMutation(input: Uint8Array, mutation: Mutation): Uint8Array {
  if (input.length === 0) return input;
  const at = mutation.at % input.length;
  const bytes = input.slice();
  switch (mutation.kind) {
    case "flip":
      bytes[at] ^= 1 << mutation.bit;
      return bytes;
    case "byte":
      bytes[at] = mutation.value;
      return bytes;
    case "u32":
      if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, mutation.value >>> 0, true);
      return bytes;
    case "delete":
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + mutation.length)));
    case "insert":
      return concat(bytes.subarray(0, at), mutation.bytes, bytes.subarray(at));
    case "copy": {
      const from = mutation.from % input.length;
      const chunk = input.subarray(from, Math.min(input.length, from + mutation.length));
      bytes.set(chunk.subarray(0, Math.max(0, bytes.length - at)), at);
      return bytes;
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Rewrites the trailing CRC-32 (of every byte before it), as both .rbc files and snapshots end. */
function repairChecksum(bytes: Uint8Array, start = 0, end = bytes.length): void {
  if (end - start < 4) return;
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(end - 4, crc32(bytes, start, end - 4), true);
}

/** A snapshot embeds a .rbc (u32 length at byte 12, bytes from 16) with its own CRC: repair both. */
function repairSnapshotChecksums(bytes: Uint8Array): void {
  if (bytes.length >= 20) {
    const programLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    if (programLength >= 4 && 16 + programLength <= bytes.length - 4) repairChecksum(bytes, 16, 16 + programLength);
  }
  repairChecksum(bytes);
}

export type HostileInput = { how: "random" | "truncated" | "flipped" | "mutated"; bytes: Uint8Array };

/**
 * Inputs derived from `seeds`: random bytes (half of them behind the right magic), truncations,
 * bit flips with the checksum left stale, and mutations with the checksum(s) repaired — the
 * last are most of the cases, since they are what reaches the decoder and verifier.
 */
export function hostileInputs(seeds: Uint8Array[], format: "rbc" | "snapshot"): fc.Arbitrary<HostileInput> {
  const seed = fc.integer({ min: 0, max: seeds.length - 1 }).map((i) => seeds[i]);
  const magic = seeds[0].subarray(0, format === "rbc" ? 8 : 12);
  const random = fc
    .tuple(fc.boolean(), fc.uint8Array({ maxLength: 256 }))
    .map(([withMagic, body]): HostileInput => ({ how: "random", bytes: withMagic ? concat(magic, body) : body }));
  const truncated = fc.tuple(seed, fc.double({ min: 0, max: 1, noNaN: true })).map(([bytes, cut]): HostileInput => ({ how: "truncated", bytes: bytes.slice(0, Math.min(bytes.length - 1, Math.floor(cut * bytes.length))) }));
  const flipped = fc
    .tuple(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }))
    .map(([bytes, flips]): HostileInput => ({ how: "flipped", bytes: flips.reduce((b, [at, bit]) => applyMutation(b, { kind: "flip", at, bit }), bytes) }));
  const mutated = fc.tuple(seed, fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 })).map(([bytes, mutations]): HostileInput => {
    const out = mutations.reduce(applyMutation, bytes).slice();
    if (format === "rbc") repairChecksum(out);
    else repairSnapshotChecksums(out);
    return { how: "mutated", bytes: out };
  });
  return fc.oneof({ arbitrary: random, weight: 1 }, { arbitrary: truncated, weight: 1 }, { arbitrary: flipped, weight: 1 }, { arbitrary: mutated, weight: 6 });
}

// ---- running what loaded

export const FUZZ_LIMITS = { maxStepBudget: 300_000, maxHeapBytes: 8 * 1024 * 1024, maxTasks: 40 } as const;
/** A context still busy after this long with limits this small is hung. */
const HANG_MS = 5_000;

export type RunEnd = "finished" | "exited" | "blocked";
/** A Task sleeping for longer than this counts as blocked: the run is not awaited. */
const SHORT_SLEEP_MS = 50;

/**
 * Lets `context` run until every Task has finished, the context has exited (a limit, a failure,
 * a crash contained to it), or no live Task can run now or after a short sleep (blocked for good
 * or sleeping long: the context is then terminated). Fails when it is still running after HANG_MS.
 */
export async function runToEnd(context: ContextHandle): Promise<RunEnd> {
  const deadline = Date.now() + HANG_MS;
  for (;;) {
    if (context.state === "exited") return "exited";
    const vm = context.vmContext;
    const live = vm === null ? [] : [...vm.tasks].filter((task) => !task.finished);
    if (live.length === 0) return "finished";
    if (Date.now() > deadline) {
      context.terminate();
      assert.fail(`context still running after ${HANG_MS} ms with limits ${JSON.stringify(FUZZ_LIMITS)}: a hang`);
    }
    const runnable = live.some((task) => task.state === TaskState.Ready || task.state === TaskState.Running);
    const wakesSoon = live.some((task) => task.state === TaskState.Sleeping && task.blockedOn?.kind === "sleep" && task.blockedOn.until <= Date.now() + SHORT_SLEEP_MS);
    if (!runnable && !wakesSoon) {
      context.terminate();
      return "blocked";
    }
    await new Promise((resolve) => (runnable ? setImmediate(resolve) : setTimeout(resolve, 1)));
  }
}

/** A fresh Runtime every few hundred cases: the registry keeps every context it created. */
export class RuntimePool {
  private runtime = new Runtime();
  private used = 0;

  next(): Runtime {
    if (++this.used % 200 === 0) this.runtime = new Runtime();
    return this.runtime;
  }
}

/** A host-visible failure must be one of the documented kinds, never a raw JavaScript error. */
export function assertVmError(error: unknown, kinds: readonly string[]): asserts error is VmError {
  if (!(error instanceof VmError)) throw new Error(`expected a VmError (${kinds.join(" or ")}), got ${error instanceof Error ? error.stack : String(error)}`);
  assert.ok(kinds.includes(error.kind), `unexpected VmError kind ${error.kind}: ${error.message}`);
}
