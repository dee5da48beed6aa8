// Debugger benchmarks (issue 5, "Tests and speed"):
// - the answer time of DAP `threads` and `stackTrace` with 1,001 contexts holding 10,001 Tasks
//   (target under 100 ms each), through a real RayaDebugSession in this process;
// - the slowdown of a CPU-bound program run under the Debugger with no breakpoints against a
//   plain run (target at most 1.3x), both measured in the same run.
// Called by bench.ts (runDebuggerBenchmarks); `npx tsx bench/debugger.ts` runs it alone.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { compile, run, Debugger } from "../runtime";
import { RayaDebugSession } from "../debug-adapter/session";
import { medianMs } from "./timing";

const CONTEXTS = 1_000;
const TASKS_PER_CONTEXT = 10;
const REQUEST_REPETITIONS = 9;
const RUN_REPETITIONS = 9;

/** Every context's program: `start()` leaves TASKS_PER_CONTEXT Tasks sleeping. */
const SLEEPER_SOURCE = `
async function nap(): Promise<void> {
  sleep(600000);
}
export function start(): void {
  for (let i = 0; i < ${TASKS_PER_CONTEXT - 1}; i++) {
    async nap();
  }
  sleep(600000);
}
`;

/** CPU-bound: calls, arithmetic, array and object work, no output while timed. */
const CPU_SOURCE = `
class Vec { x: number; y: number; constructor(x: number, y: number) { this.x = x; this.y = y; } }
function fib(n: int): int { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function main(): number {
  const total = fib(27);
  const items: Vec[] = [];
  for (let i = 0; i < 100000; i++) items.push(new Vec(i, i * 2));
  let s: number = 0;
  for (const v of items) s = s + v.x + v.y;
  return total + Math.floor(s % 1000);
}
`;

/** A minimal DAP client on an in-process session: request → response body. */
class InProcessClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, (response: { success: boolean; message?: string; body?: unknown }) => void>();
  private readonly toAdapter = new PassThrough();
  readonly session = new RayaDebugSession();

  constructor() {
    const fromAdapter = new PassThrough();
    this.session.setRunAsServer(true);
    this.session.start(this.toAdapter, fromAdapter);
    fromAdapter.on("data", (chunk: Buffer) => this.receive(chunk));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(this.buffer.toString("utf8", 0, end))![1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.toString("utf8", end + 4, end + 4 + length));
      this.buffer = this.buffer.subarray(end + 4 + length);
      if (message.type === "response") this.pending.get(message.request_seq)?.(message);
    }
  }

  request(command: string, args: unknown = {}): Promise<any> {
    const seq = this.seq++;
    const json = JSON.stringify({ type: "request", seq, command, arguments: args });
    return new Promise((resolve, reject) => {
      this.pending.set(seq, (response) => (response.success ? resolve(response.body) : reject(new Error(response.message))));
      this.toAdapter.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    });
  }
}

async function benchThreadsAndStacks(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-bench-dbg-"));
  const program = path.join(dir, "idle.raya");
  fs.writeFileSync(program, "function main(): void {\n  sleep(600000);\n}\n");
  const client = new InProcessClient();
  try {
    await client.request("initialize", { adapterID: "raya", pathFormat: "path" });
    const launched = client.request("launch", { program });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.request("configurationDone");
    await launched;
    const runtime = client.session.debugRun!.debugger.runtime;
    const sleeper = compile(SLEEPER_SOURCE, { filename: "sleeper.raya" });
    for (let i = 1; i <= CONTEXTS; i++) {
      const context = runtime.createContext({ name: `plugin${i}` });
      context.loadProgram(sleeper);
      context.runEntry("start");
    }
    // Let every Task start and fall asleep.
    const wanted = CONTEXTS * TASKS_PER_CONTEXT + 1;
    for (let waited = 0; ; waited += 50) {
      const threads = (await client.request("threads")).threads as { id: number }[];
      if (threads.length >= wanted) break;
      if (waited > 60_000) throw new Error(`only ${threads.length} of ${wanted} threads started`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    let threadCount = 0;
    let lastThread = 0;
    const threadsMs = await medianMs(REQUEST_REPETITIONS, async () => {
      const threads = (await client.request("threads")).threads as { id: number }[];
      threadCount = threads.length;
      lastThread = threads[threads.length - 1].id;
    });
    const stackMs = await medianMs(REQUEST_REPETITIONS, () => client.request("stackTrace", { threadId: lastThread }));
    console.log(`\nDebugger requests with ${(CONTEXTS + 1).toLocaleString("en-US")} contexts and ${threadCount.toLocaleString("en-US")} Tasks (DAP in process, median of ${REQUEST_REPETITIONS}; target < 100 ms)`);
    console.log(`  threads:    ${threadsMs.toFixed(1)} ms`);
    console.log(`  stackTrace: ${stackMs.toFixed(1)} ms`);
  } finally {
    await client.request("disconnect").catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs CPU_SOURCE under a Debugger (no breakpoints) to its end. */
function runUnderDebugger(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const debug = new Debugger({
      stopped: () => reject(new Error("the program stopped")),
      output: () => undefined,
      exited: (code) => (code === 0 ? resolve() : reject(new Error(`exit code ${code}`))),
      contextStarted: () => undefined,
      contextExited: () => undefined,
      limitReached: () => undefined,
    });
    const id = debug.load({ source: CPU_SOURCE, filename: "cpu.raya" });
    debug.start(id);
  });
}

/** Compiles and runs CPU_SOURCE plainly (the debugger compiles too: same fixed costs). */
function runPlain(): Promise<unknown> {
  return run(compile(CPU_SOURCE, { filename: "cpu.raya" }));
}

/** CPU time (user + system) in milliseconds this process spends on `action`: less disturbed
 *  than wall time by other processes sharing the machine. */
async function cpuMs(action: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await action();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function benchSlowdown(): Promise<void> {
  await runPlain(); // warm up both paths once
  await runUnderDebugger();
  // Alternate the two so machine noise hits both alike; medians of each.
  const plain: number[] = [];
  const debugged: number[] = [];
  for (let i = 0; i < RUN_REPETITIONS; i++) {
    plain.push(await cpuMs(runPlain));
    debugged.push(await cpuMs(runUnderDebugger));
  }
  const plainMs = median(plain);
  const debuggedMs = median(debugged);
  console.log(`\nCPU-bound program under the debugger, no breakpoints (CPU time, median of ${RUN_REPETITIONS}; target <= 1.3x)`);
  console.log(`  plain run:          ${plainMs.toFixed(1)} ms`);
  console.log(`  under the debugger: ${debuggedMs.toFixed(1)} ms`);
  console.log(`  slowdown:           ${(debuggedMs / plainMs).toFixed(2)}x`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function runDebuggerBenchmarks(): Promise<void> {
  await benchSlowdown();
  await benchThreadsAndStacks();
}

// Run on its own with `npx tsx bench/debugger.ts` (bench.ts imports it into one bundle, where
// require.main is the bundle itself: test the script's own name instead).
if (/[\\/]debugger\.ts$/.test(process.argv[1] ?? "")) {
  runDebuggerBenchmarks().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
