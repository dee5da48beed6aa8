// Context benchmarks for `npm run bench` (issue 4, "Tests and speed"): context create+terminate
// against QuickJS and node:vm, capability call overhead, cross-context await, snapshot and
// restore of a context holding 100,000 objects, and host timer latency while ten contexts
// spin without a budget. Peers are measured in the same run, since absolute times on shared
// machines are noise. Called by bench.ts.
import * as nodeVm from "node:vm";
import { getQuickJS } from "quickjs-emscripten";
import { compile, Runtime, type ContextHandle } from "../runtime";
import { median, medianMs, timeMs } from "./timing";

const REPETITIONS = 5;
const CAPABILITY_CALLS = 200_000;
const ROUND_TRIPS = 5_000;
const SNAPSHOT_OBJECTS = 100_000;
const SPINNING_CONTEXTS = 10;
const TIMER_TICKS = 200;
// 200 ticks each followed by this pause spread the measurement over about one second.
const TIMER_TICK_SPACING_MS = 4;

function perSecond(count: number, ms: number): string {
  return Math.round((count * 1000) / ms).toLocaleString("en-US");
}

function micros(ms: number, count: number): string {
  return ((ms * 1000) / count).toFixed(2);
}

// What a plugin host does for each plugin: a new context, a small program loaded into it, its
// module init run to the end, the context ended. The peers do the same with their own
// engines: a new context, a tiny script defining and calling a function, the context ended.
const TINY_RAYA = "export function one(): int { return 1; }\nconst ready = one();";
const TINY_JS = "function one() { return 1; }\nconst ready = one();";
/** Contexts per timed batch of each engine (the peers are slower: smaller batches, same rate). */
const RAYA_BATCH = 2_000;
const QUICKJS_BATCH = 500;
const NODE_VM_BATCH = 200;
/** Raya and QuickJS batches are taken in turn (Raya, QuickJS, Raya, ...) so that the load of a
 *  shared machine weighs on both alike. node:vm's batches come after them: each of its contexts
 *  leaves megabytes of V8 garbage whose collection would otherwise land in the other engines'
 *  timings. Each rate is the median over its batches. */
const TIMED_ROUNDS = 9;
/** Untimed rounds first, for every engine alike. */
const WARM_UP_ROUNDS = 5;

async function benchCreateTerminate(): Promise<void> {
  const program = compile(TINY_RAYA, { filename: "bench-tiny.raya" });
  const quickJs = await getQuickJS();
  // A fresh Runtime per batch: its registry keeps every handle for contexts(). Each context's
  // init is awaited before the next is made, as a host loading plugins one by one does.
  const rayaBatch = async (): Promise<void> => {
    const runtime = new Runtime();
    for (let i = 0; i < RAYA_BATCH; i++) {
      const context = runtime.createContext({ name: "tiny" });
      await context.loadProgram(program).result();
      context.terminate();
    }
  };
  const quickJsBatch = (): void => {
    for (let i = 0; i < QUICKJS_BATCH; i++) {
      const context = quickJs.newContext();
      try {
        context.unwrapResult(context.evalCode(TINY_JS)).dispose();
      } finally {
        context.dispose();
      }
    }
  };
  // node:vm has no dispose: a context ends when the collector takes it.
  const nodeVmBatch = (): void => {
    for (let i = 0; i < NODE_VM_BATCH; i++) nodeVm.runInContext(TINY_JS, nodeVm.createContext({}));
  };
  // Warm-up: V8 compiles Raya's context set-up paths over the first ~8,000 contexts (per-context
  // time falls severalfold, then holds); a host that creates contexts all day runs warm.
  for (let i = 0; i < WARM_UP_ROUNDS; i++) {
    await rayaBatch();
    quickJsBatch();
  }
  const raya: number[] = [];
  const quickJsTimes: number[] = [];
  for (let round = 0; round < TIMED_ROUNDS; round++) {
    raya.push((await timeMs(rayaBatch)) / RAYA_BATCH);
    quickJsTimes.push((await timeMs(quickJsBatch)) / QUICKJS_BATCH);
  }
  for (let i = 0; i < WARM_UP_ROUNDS; i++) nodeVmBatch();
  const nodeVmTimes: number[] = [];
  for (let round = 0; round < TIMED_ROUNDS; round++) nodeVmTimes.push((await timeMs(nodeVmBatch)) / NODE_VM_BATCH);
  const rayaMs = median(raya);
  const quickJsMs = median(quickJsTimes);
  const nodeVmMs = median(nodeVmTimes);
  // A round's two batches ran back to back under the same load: the median of the per-round
  // ratios is steadier than the ratio of the medians when the load drifts.
  const quickJsSpeedUp = median(quickJsTimes.map((ms, round) => ms / raya[round]));
  console.log(`\nContext create + load + init + terminate (after ${WARM_UP_ROUNDS} warm-up rounds, median of ${TIMED_ROUNDS} rounds; target Raya >= 10x both)`);
  console.log(`  Raya createContext+loadProgram+await init+terminate: ${perSecond(1, rayaMs)}/s (${(rayaMs * 1000).toFixed(1)} µs)`);
  console.log(`  QuickJS newContext+evalCode+dispose:                 ${perSecond(1, quickJsMs)}/s (${(quickJsMs * 1000).toFixed(1)} µs)`);
  console.log(`  node:vm createContext+runInContext:                  ${perSecond(1, nodeVmMs)}/s (${(nodeVmMs * 1000).toFixed(1)} µs)`);
  console.log(`  Raya speed-up: ${quickJsSpeedUp.toFixed(2)}x vs QuickJS (median of per-round ratios), ${(nodeVmMs / rayaMs).toFixed(2)}x vs node:vm`);
}

const CAPABILITY_SOURCE = `
import { noop } from "host:";
function local(): JsonValue { return null; }
export function viaCapability(n: int): int {
  let calls = 0;
  for (let i = 0; i < n; i++) { noop(); calls++; }
  return calls;
}
export function viaLocal(n: int): int {
  let calls = 0;
  for (let i = 0; i < n; i++) { local(); calls++; }
  return calls;
}`;

async function expectResult(context: ContextHandle, entry: string, args: unknown[], expected: unknown): Promise<void> {
  const value = await context.runEntry(entry, args).result();
  if (value !== expected) throw new Error(`${entry}: expected ${String(expected)}, got ${String(value)}`);
}

async function benchCapabilityCalls(): Promise<void> {
  const runtime = new Runtime();
  const context = runtime.createContext({ name: "capabilities" });
  let hostCalls = 0;
  context.registerCapability("noop", () => {
    hostCalls++;
    return null;
  });
  await context.loadSource(CAPABILITY_SOURCE, "bench-capability.raya").result();
  await expectResult(context, "viaCapability", [CAPABILITY_CALLS], CAPABILITY_CALLS);
  if (hostCalls !== CAPABILITY_CALLS) throw new Error(`capability ran ${hostCalls} times, expected ${CAPABILITY_CALLS}`);
  await expectResult(context, "viaLocal", [CAPABILITY_CALLS], CAPABILITY_CALLS);
  const capabilityMs = await medianMs(REPETITIONS, () => context.runEntry("viaCapability", [CAPABILITY_CALLS]).result());
  const localMs = await medianMs(REPETITIONS, () => context.runEntry("viaLocal", [CAPABILITY_CALLS]).result());
  context.terminate();
  console.log(`\nCapability calls (${CAPABILITY_CALLS.toLocaleString("en-US")} calls in a Raya loop, median of ${REPETITIONS})`);
  console.log(`  host capability: ${micros(capabilityMs, CAPABILITY_CALLS)} µs/call; Raya function: ${micros(localMs, CAPABILITY_CALLS)} µs/call`);
  console.log(
    `  overhead of crossing to the host: ${micros(capabilityMs - localMs, CAPABILITY_CALLS)} µs/call (ratio ${(capabilityMs / localMs).toFixed(2)})`,
  );
}

async function benchCrossContextAwait(): Promise<void> {
  const runtime = new Runtime();
  const context = runtime.createContext({ name: "echo" });
  await context.loadSource("export function echo(x: int): int { return x; }", "bench-echo.raya").result();
  await expectResult(context, "echo", [7], 7);
  const roundTrips = async (): Promise<void> => {
    for (let i = 0; i < ROUND_TRIPS; i++) await context.runEntry("echo", [i]).result();
  };
  const rayaMs = await medianMs(REPETITIONS, roundTrips);
  context.terminate();
  // Peer: the same number of host awaits of an already-settled Promise, the floor of any await.
  const promiseMs = await medianMs(REPETITIONS, async () => {
    for (let i = 0; i < ROUND_TRIPS; i++) await Promise.resolve(i);
  });
  console.log(`\nCross-context await (${ROUND_TRIPS.toLocaleString("en-US")} sequential runEntry round trips, median of ${REPETITIONS})`);
  console.log(`  Raya runEntry+await: ${micros(rayaMs, ROUND_TRIPS)} µs/round trip; await Promise.resolve: ${micros(promiseMs, ROUND_TRIPS)} µs`);
}

const SNAPSHOT_SOURCE = `
interface Point { x: number; y: number; label: string; }
const points: Point[] = [];
for (let i = 0; i < ${SNAPSHOT_OBJECTS}; i++) points.push({ x: i, y: i * 2, label: "p" });
export function sumX(): number {
  let sum: number = 0;
  for (const p of points) sum += p.x;
  return sum;
}`;

async function benchSnapshot(): Promise<void> {
  const runtime = new Runtime();
  const context = runtime.createContext({ name: "objects" });
  await context.loadSource(SNAPSHOT_SOURCE, "bench-snapshot.raya").result();
  const expectedSum = (SNAPSHOT_OBJECTS * (SNAPSHOT_OBJECTS - 1)) / 2;
  await expectResult(context, "sumX", [], expectedSum);
  let bytes = context.snapshot();
  const restoredCheck = runtime.restoreContext(bytes);
  await expectResult(restoredCheck, "sumX", [], expectedSum);
  restoredCheck.terminate();
  const snapshotMs = await medianMs(REPETITIONS, () => {
    bytes = context.snapshot();
  });
  const restoreMs = await medianMs(REPETITIONS, () => runtime.restoreContext(bytes).terminate());
  context.terminate();
  const megabytes = bytes.length / (1024 * 1024);
  console.log(`\nSnapshot of a context holding ${SNAPSHOT_OBJECTS.toLocaleString("en-US")} objects (${megabytes.toFixed(2)} MB, median of ${REPETITIONS})`);
  console.log(`  snapshot: ${snapshotMs.toFixed(2)} ms (${(megabytes / (snapshotMs / 1000)).toFixed(1)} MB/s)`);
  console.log(`  restore:  ${restoreMs.toFixed(2)} ms (${(megabytes / (restoreMs / 1000)).toFixed(1)} MB/s)`);
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The delays (ms) of TIMER_TICKS host setTimeout(0) ticks, spaced to cover about a second. */
async function timerDelays(): Promise<number[]> {
  const delays: number[] = [];
  for (let i = 0; i < TIMER_TICKS; i++) {
    const scheduled = process.hrtime.bigint();
    await sleepMs(0);
    delays.push(Number(process.hrtime.bigint() - scheduled) / 1e6);
    await sleepMs(TIMER_TICK_SPACING_MS);
  }
  return delays.sort((a, b) => a - b);
}

async function benchTimerLatency(): Promise<void> {
  const idle = await timerDelays();
  const runtime = new Runtime();
  const spinners: ContextHandle[] = [];
  const spins: Promise<unknown>[] = [];
  for (let i = 0; i < SPINNING_CONTEXTS; i++) {
    const context = runtime.createContext({ name: `spinner-${i}` });
    await context.loadSource("export function spin(): int { let n = 0; while (true) { n++; } return n; }", "bench-spin.raya").result();
    spins.push(context.runEntry("spin", []).result());
    spinners.push(context);
  }
  const busy = await timerDelays();
  const stepsBefore = spinners.reduce((sum, c) => sum + c.stats().stepsExecuted, 0);
  for (const context of spinners) context.terminate();
  // Every spin must end with Terminated; one that resolved or failed otherwise is a bug.
  const outcomes = await Promise.allSettled(spins);
  const unexpected = outcomes.filter((o) => o.status !== "rejected" || (o.reason as { kind?: string }).kind !== "Terminated");
  if (unexpected.length > 0) throw new Error(`${unexpected.length} spinning contexts did not end with Terminated`);
  console.log(`\nHost setTimeout(0) latency, ${TIMER_TICKS} ticks over ~1 s (target p99 < 5 ms while contexts spin)`);
  console.log(`  idle host:             ${describeDelays(idle)}`);
  console.log(`  ${SPINNING_CONTEXTS} contexts spinning: ${describeDelays(busy)} (they executed ${stepsBefore.toLocaleString("en-US")} instructions meanwhile)`);
}

/** p50, p90 and p99 of sorted delays. The idle host's figures are the machine's own noise floor
 *  (a setTimeout(0) waits at least 1 ms; on a shared machine the process also waits for a CPU). */
function describeDelays(sorted: number[]): string {
  return [0.5, 0.9, 0.99].map((f) => `p${Math.round(f * 100)} ${percentile(sorted, f).toFixed(2)} ms`).join(", ");
}

/** Prints every context benchmark; each one terminates its contexts and leaves no timer behind. */
export async function runContextBenchmarks(): Promise<void> {
  await benchCreateTerminate();
  await benchCapabilityCalls();
  await benchCrossContextAwait();
  await benchSnapshot();
  await benchTimerLatency();
}
