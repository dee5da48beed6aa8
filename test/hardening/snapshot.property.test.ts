// Property: pausing a random program at a random instruction, snapshotting its context and
// restoring the snapshot into a fresh scheduler finishes with the same output, result or
// uncaught error as a run that was never interrupted. The generated programs run in one Task,
// so pausing is a single `interpret` call with that many instructions of fuel.
// (snapshot.ts and the interpreter are internal: reached directly, as their unit tests do.)
import * as assert from "node:assert";
import fc from "fast-check";
import type { Program } from "../../runtime";
import { VmContext } from "../../runtime/vm/context";
import { toPlainValue } from "../../runtime/vm/format";
import { interpret, RunStatus } from "../../runtime/vm/interpreter";
import { createMainTask, uncaughtError } from "../../runtime/vm/run";
import { Scheduler } from "../../runtime/vm/scheduler";
import { restoreContext, snapshotContext } from "../../runtime/vm/snapshot";
import { type Task, TaskState } from "../../runtime/vm/task";
import { programArbitrary } from "./program-gen";
import { compileRaya, runRaya, type Outcome } from "./differential";
import { recordCases } from "./report";
import { fuzzParameters, timeoutFor } from "./fuzz-config";

const DEFAULT_RUNS = 100;
const UNLIMITED_FUEL = 50_000_000;

interface RunQueueView {
  push(task: Task): void;
}

/** Runs the main Task of a fresh context for `fuel` instructions, synchronously. */
function startFor(program: Program, fuel: number): { context: VmContext; main: Task; status: RunStatus } {
  const context = new VmContext(program, new Scheduler());
  const main = createMainTask(context);
  main.state = TaskState.Running;
  context.currentTask = main;
  const status = interpret(main, fuel);
  context.currentTask = null;
  return { context, main, status };
}

function totalSteps(program: Program): number {
  const { context, status } = startFor(program, UNLIMITED_FUEL);
  assert.ok(status === RunStatus.Done || status === RunStatus.Failed, "a generated program runs in one slice");
  return context.stepsExecuted;
}

/** The snapshot after `steps` instructions, as the scheduler would leave a preempted Task. */
function snapshotAfter(program: Program, steps: number): Uint8Array {
  const { context, main, status } = startFor(program, steps);
  assert.strictEqual(status, RunStatus.Preempted, `paused after ${steps} instructions`);
  main.state = TaskState.Ready;
  // The run queue is private; a preempted Task waits in it, and the snapshot records it there.
  (context.scheduler as unknown as { queueOf(c: VmContext): RunQueueView }).queueOf(context).push(main);
  const bytes = snapshotContext(context);
  context.scheduler.finish(main, TaskState.Cancelled, null);
  return bytes;
}

async function resumed(bytes: Uint8Array): Promise<Outcome> {
  const context = restoreContext(bytes, new Scheduler());
  const main = [...context.tasks].find((t) => t.id === 1);
  assert.ok(main !== undefined, "the main Task is in the snapshot");
  const deadline = Date.now() + 10_000;
  while (!main.finished) {
    if (Date.now() > deadline) throw new Error("the restored program did not finish");
    await new Promise((resolve) => setImmediate(resolve));
  }
  const output = context.output.slice();
  if (main.state === TaskState.Done) return { output, value: JSON.parse(JSON.stringify(toPlainValue(main.result)) ?? "null"), error: null };
  const error = uncaughtError(context, main);
  return { output, value: null, error: { name: error.errorName, message: error.rayaMessage } };
}

describe("hardening: snapshot at a random instruction", function () {
  this.timeout(timeoutFor(DEFAULT_RUNS));

  it("restoring and finishing gives the same outcome as an uninterrupted run", async () => {
    await fc.assert(
      fc.asyncProperty(programArbitrary({ maxBlocks: 3 }), fc.double({ min: 0, max: 1, noNaN: true }), async (source, where) => {
        const program = compileRaya(source);
        const total = totalSteps(program);
        if (total < 2) return;
        const steps = 1 + Math.floor(where * (total - 2));
        const expected = await runRaya(program);
        const actual = await resumed(snapshotAfter(program, steps));
        assert.deepStrictEqual(actual, expected, `resumed after ${steps} of ${total} instructions\n${source}`);
      }),
      fuzzParameters(DEFAULT_RUNS),
    );
    recordCases("hardening: snapshot at a random instruction", fuzzParameters(DEFAULT_RUNS).numRuns ?? DEFAULT_RUNS);
  });
});
