// The hardening report: every suite under test/hardening/ records what it tried here, and
// `npm run test:hardening` (which loads this file with --require, as a mocha root-hook plugin)
// prints one plain-text table at the end: attack, cases tried, failures, the host's worst timer
// lateness while the attack ran, the process heap after it, and the bugs the suite found.
//
// Cases: one per mocha test, unless the test called recordCases() (a fuzz property counts its
// inputs). Host latency: a 10 ms interval timer runs for the whole session; each tick later
// than planned is charged to the suite running at that moment. It is a figure for the report,
// never an assertion (speed is measured by the benchmarks).

import type { Context, Runnable } from "mocha";

interface SuiteFigures {
  cases: number;
  failures: number;
  worstLatencyMs: number;
  heapAfterBytes: number;
}

const figures = new Map<string, SuiteFigures>();
let currentSuite: string | null = null;
let recordedInCurrentTest = false;

/**
 * Bugs the suites found while they were written, by suite: fixed ones name the fix, open ones
 * were reported to the lead (the suites assert only what holds today, so they stay green).
 */
export const FINDINGS: Record<string, string[]> = {
  "hardening: hostile programs": [
    "fixed (heap.ts): values parked in channel buffers and mutex queues were not traced, so a channel flood held any amount of data under maxHeapBytes",
    "fixed (sync.ts): values sent into a channel buffer were never charged",
    "fixed (builtins/string.ts): repeat/padStart/padEnd built their result before charging it",
    "fixed (scheduler.ts): sleep(ms) over 2^31-1 ms woke after 1 ms with a TimeoutOverflowWarning on the host's stderr",
    "fixed (inner-vm.ts): new Vm() in a loop created contexts without any limit charged; compiling cost no steps",
    "fixed (interpreter.ts): catching RangeError at the frame limit and recursing again made slices of 180 ms; a VM-raised error now costs 1,000 steps",
    "fixed (heap.ts concatBytes): s += piece near maxHeapBytes collected and flattened the whole string at every step (quadratic; seconds of host lateness)",
    "fixed (builtins/array.ts, string.ts): join and split built their result before charging it",
    "fixed (builtins/json.ts): JSON.stringify built its result (exponential for shared structures) before charging it",
  ],
  "hardening: escape attempts": [
    "fixed (runtime.ts): a capability throwing an object whose message getter or toString throws ended the context with 'internal VM error'",
  ],
  "hardening: debugger faults": [
    "fixed (debug-adapter/arguments.ts): missing or ill-typed arguments gave raw JavaScript messages; a setBreakpoints with a 200 KB path got no response; continue/pause with an ill-typed threadId acted on everything",
  ],
  "hardening: soak": [
    "fixed (context.ts, runtime.ts): every exited context stayed in its Runtime (30-60 KB each); it now releases its tables, and a Runtime keeps only the 1,000 most recently exited",
  ],
};

function figuresOf(suite: string): SuiteFigures {
  let entry = figures.get(suite);
  if (entry === undefined) {
    entry = { cases: 0, failures: 0, worstLatencyMs: 0, heapAfterBytes: 0 };
    figures.set(suite, entry);
  }
  return entry;
}

/** A property or loop that ran `count` inputs counts them instead of one case. */
export function recordCases(suite: string, count: number): void {
  figuresOf(suite).cases += count;
  if (suite === currentSuite) recordedInCurrentTest = true;
}

/** The title of the top-level describe a test belongs to. */
function topSuiteTitle(test: Runnable | undefined): string {
  let suite = test?.parent;
  while (suite?.parent !== undefined && suite.parent.parent !== undefined) suite = suite.parent;
  return suite?.title || "(root)";
}

const TICK_MS = 10;
let latencyTimer: NodeJS.Timeout | null = null;
let lastTick = 0;

function startLatencyProbe(): void {
  lastTick = Date.now();
  latencyTimer = setInterval(() => {
    const now = Date.now();
    const late = now - lastTick - TICK_MS;
    lastTick = now;
    if (currentSuite !== null && late > 0) {
      const entry = figuresOf(currentSuite);
      entry.worstLatencyMs = Math.max(entry.worstLatencyMs, late);
    }
  }, TICK_MS);
  latencyTimer.unref();
}

/** The table as text (exported for its own test). */
export function formatReport(): string {
  const rows: string[][] = [["attack (suite)", "cases", "failures", "host latency", "heap after", "bugs found"]];
  for (const [suite, entry] of figures) {
    const bugs = FINDINGS[suite] ?? [];
    rows.push([
      suite.replace(/^hardening: /, ""),
      String(entry.cases),
      String(entry.failures),
      `${entry.worstLatencyMs} ms`,
      `${(entry.heapAfterBytes / 1024 / 1024).toFixed(1)} MB`,
      String(bugs.length),
    ]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]): string => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
  const out = [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  const listed = [...figures.keys()].filter((suite) => (FINDINGS[suite] ?? []).length > 0);
  if (listed.length > 0) {
    out.push("", "bugs found:");
    for (const suite of listed) for (const bug of FINDINGS[suite]) out.push(`  [${suite.replace(/^hardening: /, "")}] ${bug}`);
  }
  return out.join("\n");
}

export const mochaHooks = {
  beforeAll(): void {
    startLatencyProbe();
  },
  beforeEach(this: Context): void {
    currentSuite = topSuiteTitle(this.currentTest);
    recordedInCurrentTest = false;
    lastTick = Date.now(); // time between tests is mocha's, not the attack's
  },
  afterEach(this: Context): void {
    const suite = topSuiteTitle(this.currentTest);
    const entry = figuresOf(suite);
    if (!recordedInCurrentTest) entry.cases += 1;
    if (this.currentTest?.state === "failed") entry.failures += 1;
    entry.heapAfterBytes = process.memoryUsage().heapUsed;
    currentSuite = null;
  },
  afterAll(): void {
    if (latencyTimer !== null) clearInterval(latencyTimer);
    process.stdout.write(`\nHardening report\n\n${formatReport()}\n`);
  },
};
