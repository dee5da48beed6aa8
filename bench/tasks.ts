// Task benchmarks for `npm run bench`: spawn+await throughput, channel ping-pong between two
// Tasks beside the same exchange between two async functions awaiting Promises in plain
// Node, and the cost of a Task switch (docs/concurrency.md, "Performance").
import { compile, run } from "../runtime";
import { medianMs } from "./timing";

const REPETITIONS = 5;
const SPAWNS = 200_000;
const ROUND_TRIPS = 200_000;

/** Times a Raya program after checking its result, minus an empty program's start-up time. */
async function rayaMs(name: string, source: string, expected: unknown): Promise<number> {
  const program = compile(source, { filename: `${name}.raya` });
  const result = (await run(program)).value;
  if (result !== expected) throw new Error(`${name}: expected ${String(expected)}, got ${String(result)}`);
  const empty = compile("return 0;", { filename: "empty.raya" });
  const baseline = await medianMs(REPETITIONS, () => run(empty));
  return Math.max(0, (await medianMs(REPETITIONS, () => run(program))) - baseline);
}

const SPAWN_AWAIT = `
async function one(i: int): Promise<int> { return i; }
let sum = 0;
for (let i = 0; i < ${SPAWNS}; i++) sum += await one(i & 1);
return sum;`;

// Each round trip is two Task switches: main blocks in pong.receive(), the ponger runs, sends,
// blocks in ping.receive(), and main resumes.
const PING_PONG = `
const ping = new Channel<int>(0);
const pong = new Channel<int>(0);
async function ponger(): Promise<void> {
  while (true) {
    const n = ping.receive();
    if (n < 0) return;
    pong.send(n + 1);
  }
}
const p = ponger();
let n = 0;
for (let i = 0; i < ${ROUND_TRIPS}; i++) { ping.send(n); n = pong.receive(); }
ping.send(-1);
await p;
return n;`;

// The same exchange without any channel: the two-instruction "work" of the loop alone, to
// take out of the ping-pong time when estimating the switch cost.
const PING_PONG_LOOP_ONLY = `
let n = 0;
for (let i = 0; i < ${ROUND_TRIPS}; i++) { n = n + 1; }
return n;`;

/** A one-slot Promise channel: what two plain-Node async functions would use to ping-pong. */
class PromiseChannel<T> {
  private readonly values: T[] = [];
  private readonly receivers: ((value: T) => void)[] = [];

  send(value: T): void {
    const receiver = this.receivers.shift();
    if (receiver !== undefined) receiver(value);
    else this.values.push(value);
  }

  receive(): Promise<T> {
    if (this.values.length > 0) return Promise.resolve(this.values.shift() as T);
    return new Promise<T>((resolve) => this.receivers.push(resolve));
  }
}

async function nodePingPong(): Promise<number> {
  const ping = new PromiseChannel<number>();
  const pong = new PromiseChannel<number>();
  const ponger = (async () => {
    for (;;) {
      const n = await ping.receive();
      if (n < 0) return;
      pong.send(n + 1);
    }
  })();
  let n = 0;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    ping.send(n);
    n = await pong.receive();
  }
  ping.send(-1);
  await ponger;
  return n;
}

export async function runTaskBenchmarks(): Promise<void> {
  const spawnMs = await rayaMs("spawn-await", SPAWN_AWAIT, SPAWNS / 2);
  const pingPongMs = await rayaMs("ping-pong", PING_PONG, ROUND_TRIPS);
  const loopMs = await rayaMs("ping-pong-loop", PING_PONG_LOOP_ONLY, ROUND_TRIPS);
  if ((await nodePingPong()) !== ROUND_TRIPS) throw new Error("node ping-pong computed the wrong count");
  const nodeMs = await medianMs(REPETITIONS, nodePingPong);
  const switchNs = (Math.max(0, pingPongMs - loopMs) * 1e6) / (2 * ROUND_TRIPS);
  console.log(`\nTasks (median of ${REPETITIONS}, program start-up subtracted)`);
  console.log(`  spawn+await:  ${SPAWNS} tasks in ${spawnMs.toFixed(1)} ms = ${((SPAWNS / spawnMs) * 1000).toFixed(0)} tasks/s (${((spawnMs * 1000) / SPAWNS).toFixed(2)} us each)`);
  console.log(`  ping-pong:    ${ROUND_TRIPS} round trips in ${pingPongMs.toFixed(1)} ms (${((pingPongMs * 1000) / ROUND_TRIPS).toFixed(2)} us each)`);
  console.log(`  node Promise ping-pong: ${nodeMs.toFixed(1)} ms; raya/node = ${(pingPongMs / nodeMs).toFixed(2)} (< 1 means Raya is faster)`);
  console.log(`  task switch:  ${switchNs.toFixed(0)} ns (ping-pong minus its loop, per switch, channel operations included; target < 1000 ns)`);
}
