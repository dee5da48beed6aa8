// Soak: contexts created, used and terminated continuously for a fixed time, hostile ones among
// them, with the process heap (after forced collections) checked for growth and the host's
// timers for responsiveness. Not part of `npm test`: `npm run test:soak` runs it with
// --expose-gc for RAYA_SOAK_SECONDS (default 180; CI can pass a short run, e.g. 20).
//
// Work is done in generations: each is a fresh Runtime that runs CONTEXTS_PER_GENERATION
// contexts and is then dropped (a Runtime keeps every context it created in its registry, and
// an exited handle keeps its VmContext for the debugger: docs/security.md gives the figure).
import { strict as assert } from "node:assert";
import { compile, type ContextHandle, Runtime, VmError, type VmErrorKind } from "../../runtime/index";
import { recordCases } from "./report";

const SUITE = "hardening: soak";
const SECONDS = Number(process.env.RAYA_SOAK_SECONDS ?? 180);
const CONTEXTS_PER_GENERATION = 200;
/** Contexts running at once within a generation. */
const PARALLEL = 10;
/** Heap growth (after GC) between the first generations and the last that counts as a leak. */
const GROWTH_LIMIT_BYTES = 16 * 1024 * 1024;
const LIMITS = { maxStepBudget: 200_000, maxHeapBytes: 1024 * 1024, maxTasks: 20 } as const;

interface Workload {
  name: string;
  source: string;
  /** The entry's fate: a value, or the VmError kind that ends it (Terminated: ended by the host). */
  expect: { value: unknown } | { kind: VmErrorKind };
}

const WORKLOADS: Workload[] = [
  { name: "well-behaved", source: `export function go(): number { let s: number = 0; for (let i = 0; i < 1000; i++) { s = s + i; } return s; }`, expect: { value: 499500 } },
  { name: "spin", source: `export function go(): int { let n = 0; while (true) { n = n + 1; } return n; }`, expect: { kind: "StepBudgetExceeded" } },
  { name: "task bomb", source: `async function nap(): Task<int> { sleep(60000); return 1; }\nexport function go(): int { while (true) { nap(); } return 0; }`, expect: { kind: "TaskLimitExceeded" } },
  { name: "heap bomb", source: `export function go(): int { let s = "x"; while (true) { s = s + s; } return s.length; }`, expect: { kind: "HeapLimitExceeded" } },
  { name: "swallowing", source: `export function go(): int { let i = 0; while (true) { try { while (true) { i = i + 1; } } catch (e) { i = 0; } } return i; }`, expect: { kind: "StepBudgetExceeded" } },
  { name: "recursion", source: `function f(n: int): int { return f(n + 1) + 1; }\nexport function go(): int { try { return f(0); } catch (e) { return -1; } }`, expect: { value: -1 } },
  { name: "sleeps forever (terminated)", source: `export async function go(): Task<int> { const c = new Channel<int>(0); return c.receive(); }`, expect: { kind: "Terminated" } },
];

const PROGRAMS = WORKLOADS.map((w) => compile(w.source, { filename: `${w.name}.raya`, readFile: () => null }));

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc !== undefined, "run the soak with node --expose-gc (npm run test:soak)");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function runOne(runtime: Runtime, index: number): Promise<void> {
  const which = index % WORKLOADS.length;
  const workload = WORKLOADS[which];
  const context: ContextHandle = runtime.createContext({ name: `${workload.name} ${index}`, ...LIMITS });
  // Half share the compiled Program, half compile their own source.
  if (index % 2 === 0) context.loadProgram(PROGRAMS[which]);
  else context.loadSource(workload.source, `${index}.raya`);
  const handle = context.runEntry("go");
  if ("kind" in workload.expect && workload.expect.kind === "Terminated") setTimeout(() => context.terminate(), 1);
  try {
    const value = await handle.result();
    assert.ok("value" in workload.expect, `${workload.name} returned ${JSON.stringify(value)}`);
    assert.deepEqual(value, workload.expect.value);
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.ok(error instanceof VmError, String(error));
    assert.ok("kind" in workload.expect, `${workload.name} failed: ${error.message}`);
    assert.equal(error.kind, workload.expect.kind, `${workload.name}: ${error.message}`);
  }
  context.terminate();
  assert.equal(context.stats().heapBytesUsed, 0);
}

interface Generation {
  /** Heap after GC once the generation's Runtime was dropped. */
  heapAfter: number;
  worstLatencyMs: number;
  timerTicks: number;
}

async function generation(): Promise<Generation> {
  const runtime = new Runtime();
  let worstLatencyMs = 0;
  let timerTicks = 0;
  let last = Date.now();
  const probe = setInterval(() => {
    const now = Date.now();
    worstLatencyMs = Math.max(worstLatencyMs, now - last - 10);
    last = now;
    timerTicks++;
  }, 10);
  // A steady neighbour that must keep answering while the others come and go.
  const steady = runtime.createContext({ name: "steady", maxHeapBytes: 4 * 1024 * 1024 });
  steady.loadSource(`export function sum(n: int): number { let s: number = 0; for (let i = 0; i < n; i++) { s = s + i; } return s; }`, "steady.raya");
  for (let start = 0; start < CONTEXTS_PER_GENERATION; start += PARALLEL) {
    const batch = Array.from({ length: PARALLEL }, (_, i) => runOne(runtime, start + i));
    batch.push(steady.runEntry("sum", [10_000]).result().then((value) => assert.equal(value, 49995000)));
    await Promise.all(batch);
  }
  steady.terminate();
  clearInterval(probe);
  return { heapAfter: 0, worstLatencyMs, timerTicks };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

describe(SUITE, function () {
  this.timeout((SECONDS + 120) * 1000);

  it(`creates, runs and ends contexts for ${SECONDS} s with the heap back at its baseline and the host responsive`, async () => {
    const baseline = heapAfterGc();
    const deadline = Date.now() + SECONDS * 1000;
    const generations: Generation[] = [];
    while (Date.now() < deadline || generations.length < 6) {
      const finished = await generation();
      finished.heapAfter = heapAfterGc(); // the generation's Runtime is unreachable now
      generations.push(finished);
    }
    const contexts = generations.length * CONTEXTS_PER_GENERATION;
    recordCases(SUITE, contexts);
    const early = median(generations.slice(0, 3).map((g) => g.heapAfter));
    const late = median(generations.slice(-3).map((g) => g.heapAfter));
    process.stdout.write(
      `    ${contexts} contexts in ${generations.length} generations; heap after GC: baseline ${mb(baseline)}, ` +
        `early ${mb(early)}, late ${mb(late)}; worst host timer lateness ${Math.max(...generations.map((g) => g.worstLatencyMs))} ms\n`,
    );
    for (const g of generations) assert.ok(g.timerTicks > 0, "the host's interval timer ran during every generation");
    assert.ok(late - early < GROWTH_LIMIT_BYTES, `the heap grew from ${mb(early)} to ${mb(late)} across generations`);
  });

  it("measures what a long-lived Runtime keeps per exited context (a figure, not a limit)", async () => {
    const runtime = new Runtime();
    const before = heapAfterGc();
    const count = 1000;
    for (let i = 0; i < count; i++) await runOne(runtime, i * WORKLOADS.length); // the well-behaved workload
    const after = heapAfterGc();
    recordCases(SUITE, count);
    process.stdout.write(`    a Runtime kept ${mb(after - before)} for ${count} exited contexts (${Math.round((after - before) / count / 1024)} KB each) until it was dropped\n`);
    assert.equal(runtime.contexts().length, count);
  });
});
