// runProgram: one Scheduler, one VmContext, the program's entry function as the main Task.
// resumeProgram: the same for a context restored from a snapshot (docs/snapshots.md).
import type { Program } from "../bytecode/module";
import { getField, parseStackText, VmContext, type ContextOwner, type StackFrameInfo } from "./context";
import { formatLogLine, toPlainValue, toRayaString } from "./format";
import { contextRoots, measureReachable } from "./heap";
import { FrameMode, prepareFrame } from "./interpreter";
import { Scheduler } from "./scheduler";
import { InvalidSnapshotError, restoreContext, snapshotContext } from "./snapshot";
import { type Task, TaskState } from "./task";
import { RClass, RObject } from "./value";
import { attachInnerVms, runtimeLinks, runtimeRelinker } from "./inner-vm";
import { ContextError } from "./errors";
import { isRuntimeSnapshot, readRuntimeSnapshot, ROOT_CONTEXT_ID, writeRuntimeSnapshot, type ContextRecord } from "./runtime-snapshot";
import { Runtime } from "./runtime";

export type { StackFrameInfo } from "./context";

/** An uncaught Raya error ended the program. */
export class RayaRuntimeError extends Error {
  constructor(
    /** "RangeError", "Error", a user class name, or "Uncaught" for a thrown non-Error value. */
    readonly errorName: string,
    readonly rayaMessage: string,
    /** Innermost frame first. */
    readonly rayaStack: StackFrameInfo[],
  ) {
    super(rayaMessage === "" ? errorName : `${errorName}: ${rayaMessage}`);
    this.name = "RayaRuntimeError";
  }
}

export interface RunOptions {
  /** Receives each console.log line as it is printed. */
  onOutput?: (line: string) => void;
  /** Receives each "Uncaught (in task name#id) Error: ..." line (a Task failed and nothing
   *  awaited it); without it those lines go to process.stderr. */
  onError?: (line: string) => void;
  /** Once the context has executed at least this many steps (checked between slices, while
   *  the main Task has not finished), it stops, is snapshotted, and the run resolves with
   *  RunOutcome.snapshot instead of running to the end. */
  snapshotAfterSteps?: number;
  /** Receives statistics of every context when the run ends, whatever the outcome: the root
   *  program's first, then the inner VMs it created (raya:vm), in creation order. */
  onStats?: (stats: ContextRunStats[]) => void;
  /** Called once the run has started, with a view that reads the same statistics live
   *  (`raya run --monitor`). */
  onStart?: (view: RunView) => void;
}

export interface RunView {
  stats(): ContextRunStats[];
}

/** How one context fared (`raya run --stats`). Limits are null when not set; the root program
 *  has none, inner VMs have those they were created with. */
export interface ContextRunStats {
  /** "main" for the root program; an inner VM's name and id ("plugin#2"). */
  name: string;
  /** The name of the context that created it; null for the root. */
  parent: string | null;
  /** The root's: "running" while it runs, then how it ended. An inner VM's: its state while it
   *  lives ("ready"...), then why it exited (a VmError kind). */
  outcome: "running" | "done" | "failed" | "cancelled" | "deadlock" | "crashed" | "snapshot" | string;
  /** Bytes reachable from the context's roots when the run ended (heap.ts measureReachable). */
  heapBytes: number;
  heapLimit: number | null;
  /** Most Tasks alive at once during this process's run of the context. */
  tasksPeak: number;
  tasksLimit: number | null;
  /** Steps executed in total (a resumed context counts those before the snapshot too). */
  steps: number;
  stepBudget: number | null;
}

export interface RunOutcome {
  /** The program result as JSON-compatible JavaScript. */
  value: unknown;
  output: string[];
  /** The "Uncaught (in task ...)" lines reported while the program ran. */
  errors: string[];
  /** Set when RunOptions.snapshotAfterSteps stopped the program: the snapshot bytes. */
  snapshot?: Uint8Array;
}

export function runProgram(program: Program, options: RunOptions = {}): Promise<RunOutcome> {
  const scheduler = new Scheduler();
  const context = new VmContext(program, scheduler, options.onOutput ?? null);
  context.onError = options.onError ?? null;
  const runtime = new Runtime(scheduler);
  attachInnerVms(context, runtime, { fileAccess: true });
  const main = createMainTask(context);
  return new Promise<RunOutcome>((resolve, reject) => {
    const watch = new RunWatch(context, runtime, main, options, resolve, reject);
    const settle = (task: Task): void => {
      if (task.state === TaskState.Done) watch.succeed(task);
      else if (task.state === TaskState.Failed) watch.fail("failed", () => uncaughtError(context, task));
      else watch.fail("cancelled", () => new RayaRuntimeError("Error", "the main task was cancelled", []));
    };
    const deadlock = (message: string): void => watch.fail("deadlock", () => new RayaRuntimeError("Error", message, []));
    try {
      scheduler.startRoot(main, settle, deadlock, (error) => watch.fail("crashed", () => error));
    } catch (error) {
      watch.fail("crashed", () => error);
    }
  });
}

/**
 * Restores a snapshot (snapshotContext bytes, e.g. written by `raya run --snapshot-out`) into a
 * new context and runs it to the end, with runProgram's result semantics. Only output printed
 * after the restore reaches onOutput (RunOutcome.output holds all of it). Bad bytes reject with
 * InvalidSnapshotError before anything runs.
 */
export function resumeProgram(bytes: Uint8Array, options: RunOptions = {}): Promise<RunOutcome> {
  return new Promise<RunOutcome>((resolve, reject) => {
    const scheduler = new Scheduler();
    const runtime = new Runtime(scheduler);
    const context = restoreRoot(bytes, runtime, options);
    context.onError = options.onError ?? null;
    attachInnerVms(context, runtime, { fileAccess: true });
    const main = [...context.tasks].find((task) => task.id === MAIN_TASK_ID && !task.finished);
    if (main === undefined) {
      // Restore already queued the Ready Tasks and armed sleep timers: end them before they run.
      for (const task of [...context.tasks]) scheduler.finish(task, TaskState.Cancelled, null);
      throw new InvalidSnapshotError("the snapshot has no unfinished main task", 0);
    }
    new RunWatch(context, runtime, main, options, resolve, reject).watchRestoredRoot(scheduler);
  });
}

/** createMainTask's Task is the context's first. */
const MAIN_TASK_ID = 1;

/**
 * The root program's context from `raya run --snapshot-out` bytes: a context snapshot, or (for
 * a program that had created inner VMs) a whole-runtime snapshot whose first record is the root;
 * its inner VMs are rebuilt into `runtime` and relinked. Bad bytes throw InvalidSnapshotError and
 * leave nothing running.
 */
function restoreRoot(bytes: Uint8Array, runtime: Runtime, options: RunOptions): VmContext {
  const onOutput = options.onOutput;
  if (!isRuntimeSnapshot(bytes)) return restoreContext(bytes, runtime.scheduler, { onOutput });
  const records = readRuntimeSnapshot(bytes);
  const rootRecord = records[0];
  if (rootRecord === undefined || rootRecord.id !== ROOT_CONTEXT_ID || rootRecord.fate.kind !== "loaded") {
    throw new InvalidSnapshotError("this runtime snapshot holds no program run by `raya run` (restore it with Runtime.restore)", 0);
  }
  const rootBytes = rootRecord.fate.bytes;
  let root: VmContext | null = null;
  const links = runtimeRelinker(runtime, () => root);
  try {
    runtime.restoreRecords(records.slice(1), {}, links, () => {
      root = restoreContext(rootBytes, runtime.scheduler, { onOutput, links });
    });
  } catch (error) {
    const built = root as VmContext | null;
    if (built !== null) for (const task of [...built.tasks]) runtime.scheduler.finish(task, TaskState.Cancelled, null);
    if (error instanceof InvalidSnapshotError) throw error;
    if (error instanceof ContextError) throw new InvalidSnapshotError(`${error.kind}: ${error.message}`, 0);
    throw error;
  }
  return root as unknown as VmContext;
}


/**
 * Watches one run: tracks the Task peak, takes the requested snapshot, and settles the run's
 * promise once (reporting statistics). For a restored context it also does what
 * Scheduler.startRoot does for a fresh one, since startRoot would queue the already-queued
 * main Task a second time.
 */
class RunWatch implements ContextOwner {
  private tasksPeak: number;
  private settled = false;
  private snapshotRequested = false;
  private idleCheckQueued = false;
  private readonly failedTasks: Task[] = [];
  private readonly reported = new Set<Task>();

  constructor(
    private readonly context: VmContext,
    /** The Runtime of the inner VMs the program creates (on the same scheduler). */
    private readonly runtime: Runtime,
    private readonly main: Task,
    private readonly options: RunOptions,
    private readonly resolve: (outcome: RunOutcome) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.tasksPeak = context.tasks.size;
    context.owner = this;
    options.onStart?.({ stats: () => this.allStats("running") });
  }

  // ---- ContextOwner

  sliceFuel(slice: number): number {
    return slice;
  }

  afterSlice(): boolean {
    const due = this.options.snapshotAfterSteps;
    if (due !== undefined && !this.snapshotRequested && !this.main.finished && this.context.stepsExecuted >= due) {
      // Hold every Task (none runs again) and snapshot once this slice has been filed away.
      this.snapshotRequested = true;
      this.context.paused = true;
      setImmediate(() => this.takeSnapshot());
    }
    if (this.restoredRoot !== null) this.queueIdleCheck();
    return false;
  }

  taskCreated(): void {
    if (this.context.tasks.size > this.tasksPeak) this.tasksPeak = this.context.tasks.size;
  }

  taskEnded(task: Task): void {
    if (this.restoredRoot === null) return;
    if (task.state === TaskState.Failed && task !== this.main) this.failedTasks.push(task);
    if (task !== this.main) return;
    if (task.state === TaskState.Done) this.queueIdleCheck();
    else if (task.state === TaskState.Failed) setImmediate(() => this.endRestored(() => this.fail("failed", () => uncaughtError(this.context, task))));
    else setImmediate(() => this.endRestored(() => this.fail("cancelled", () => new RayaRuntimeError("Error", "the main task was cancelled", []))));
  }

  crashed(error: unknown): void {
    if (this.restoredRoot !== null) this.endRestored(() => this.fail("crashed", () => error));
  }

  capability(): unknown {
    return undefined;
  }

  // ---- settling

  succeed(main: Task): void {
    this.settle("done", () => this.resolve({ value: toPlainValue(main.result), output: this.context.output, errors: this.context.errorOutput }));
  }

  fail(outcome: ContextRunStats["outcome"], error: () => unknown): void {
    this.settle(outcome, () => this.reject(error()));
  }

  private settle(outcome: ContextRunStats["outcome"], finish: () => void): void {
    if (this.settled) return;
    this.settled = true;
    try {
      if (this.options.onStats !== undefined) this.options.onStats(this.allStats(outcome));
      // The program is over: inner VMs it left running end with it (their timers included).
      // The root's Tasks waiting on them fail with Terminated: nobody is left to report that to.
      for (const task of this.context.tasks) task.observed = true;
      this.runtime.terminateAll();
      finish();
    } catch (error) {
      this.reject(error); // e.g. a result nested too deeply to convert
    }
  }

  private allStats(outcome: ContextRunStats["outcome"]): ContextRunStats[] {
    return [this.stats(outcome), ...innerContextStats(this.runtime)];
  }

  private stats(outcome: ContextRunStats["outcome"]): ContextRunStats {
    const roots = contextRoots(this.context);
    roots.push(this.main.result);
    return {
      name: "main",
      parent: null,
      outcome,
      heapBytes: measureReachable(roots, { owner: this.context }),
      heapLimit: null,
      tasksPeak: this.tasksPeak,
      tasksLimit: null,
      steps: this.context.stepsExecuted,
      stepBudget: null,
    };
  }

  private takeSnapshot(): void {
    if (this.settled) return;
    let bytes: Uint8Array;
    try {
      bytes = this.snapshotBytes();
    } catch (error) {
      // E.g. an entry of an inner VM still waits for its module init: say so, as an error of
      // the program, not as a crash of the VM.
      const message = `cannot snapshot the program: ${error instanceof Error ? error.message : String(error)}`;
      this.fail("failed", () => new RayaRuntimeError("Error", message, []));
      return;
    }
    this.settle("snapshot", () => this.resolve({ value: undefined, output: this.context.output, errors: this.context.errorOutput, snapshot: bytes }));
  }

  /** The root context alone, or with the inner VMs it created and their links. */
  private snapshotBytes(): Uint8Array {
    if (this.runtime.contexts().length === 0) return snapshotContext(this.context);
    const links = runtimeLinks(this.runtime, this.context);
    const unlimited = Number.POSITIVE_INFINITY;
    const root: ContextRecord = {
      id: ROOT_CONTEXT_ID,
      name: "main",
      parent: null,
      limits: { maxHeapBytes: unlimited, maxTasks: unlimited, maxStepBudget: unlimited, weight: 1 },
      descendantSteps: 0,
      fate: { kind: "loaded", bytes: snapshotContext(this.context, links) },
    };
    return writeRuntimeSnapshot([root, ...this.runtime.snapshotRecords(links)]);
  }

  // ---- a restored root (what Scheduler.startRoot and its round bookkeeping do for a fresh one)

  private restoredRoot: Scheduler | null = null;

  watchRestoredRoot(scheduler: Scheduler): void {
    this.restoredRoot = scheduler;
    // Failures reported by the scheduler's own rounds must not be reported again at the end.
    const report = this.context.reportUncaughtTaskError.bind(this.context);
    this.context.reportUncaughtTaskError = (task: Task): void => {
      if (this.reported.has(task)) return;
      this.reported.add(task);
      report(task);
    };
    this.queueIdleCheck(); // a snapshot whose Tasks are all blocked deadlocks at once
  }

  /** After the current round: a returned main settles, and an unfinished main deadlocks, once
   *  no Task of the context is ready or sleeping. */
  private queueIdleCheck(): void {
    if (this.idleCheckQueued || this.settled) return;
    this.idleCheckQueued = true;
    setImmediate(() => {
      this.idleCheckQueued = false;
      if (this.settled || this.context.paused) return;
      // A Task waiting on an inner VM counts as busy: the inner VM's own Tasks run on.
      const busy = [...this.context.tasks].some(
        (t) => t.state === TaskState.Ready || t.state === TaskState.Running || t.state === TaskState.Sleeping || t.blockedOn?.kind === "context",
      );
      if (busy) return;
      if (this.main.state === TaskState.Done) {
        this.endRestored(() => this.succeed(this.main));
        return;
      }
      if (this.main.finished) return; // taskEnded settles failures and cancellations
      const blocked = [...this.context.tasks].filter((t) => !t.finished);
      const shown = blocked.slice(0, 20).map((t) => `${t.label} (${t.stateDescription})`);
      if (blocked.length > shown.length) shown.push(`and ${blocked.length - shown.length} more`);
      const message = `deadlock: every task is blocked and nothing can wake them: ${shown.join(", ")}`;
      this.endRestored(() => {
        this.restoredRoot?.finish(this.main, TaskState.Cancelled, null); // as the scheduler ends a deadlocked root
        this.fail("deadlock", () => new RayaRuntimeError("Error", message, []));
      });
    });
  }

  /** The main Task settled: the context's other Tasks end with it, and failures nobody
   *  awaited are reported before the run settles. */
  private endRestored(settle: () => void): void {
    const scheduler = this.restoredRoot;
    if (scheduler === null || this.settled) return;
    for (const task of [...this.context.tasks]) {
      if (task !== this.main && !task.finished) scheduler.finish(task, TaskState.Cancelled, null);
    }
    for (const task of this.failedTasks) if (!task.observed) this.context.reportUncaughtTaskError(task);
    settle();
  }
}

/** One row per inner VM of `runtime` (a context it never loaded a program into included). */
function innerContextStats(runtime: Runtime): ContextRunStats[] {
  const infos = runtime.contexts();
  const names = new Map(infos.map((info) => [info.id, `${info.name}#${info.id}`]));
  const limit = (n: number): number | null => (Number.isFinite(n) ? n : null);
  return infos.map((info) => ({
    name: names.get(info.id) as string,
    parent: info.parent === null ? "main" : (names.get(info.parent) ?? `#${info.parent}`),
    outcome: info.exitReason ?? info.state,
    heapBytes: info.stats.heapPeakBytes,
    heapLimit: limit(info.limits.maxHeapBytes),
    tasksPeak: info.stats.tasksPeak,
    tasksLimit: limit(info.limits.maxTasks),
    steps: info.stats.stepsExecuted,
    stepBudget: limit(info.limits.maxStepBudget),
  }));
}

/** The main Task runs the entry function (module initialisers, then the program result). */
export function createMainTask(context: VmContext): Task {
  const task = context.newTask("main");
  const entry = context.entryClosure();
  task.stack.push(entry);
  task.fp = 0;
  task.frameClosure[0] = entry;
  task.frameBase[0] = 0;
  task.frameMode[0] = FrameMode.Normal;
  task.framePc[0] = 0;
  task.sp = prepareFrame(task.stack, 0, 0, entry.proto);
  return task;
}

/** Describes the value that ended `task` as a RayaRuntimeError. */
export function uncaughtError(context: VmContext, task: Task): RayaRuntimeError {
  const thrown = task.result;
  if (thrown instanceof RObject && context.isErrorInstance(thrown)) {
    const layout = thrown.layout;
    const name = layout instanceof RClass ? layout.name : toRayaString(getField(thrown, "name"));
    const stack = getField(thrown, "stack");
    const frames = typeof stack === "string" ? parseStackText(stack) : [];
    return new RayaRuntimeError(name, toRayaString(getField(thrown, "message")), frames.length > 0 ? frames : task.failureTrace);
  }
  return new RayaRuntimeError("Uncaught", formatLogLine([thrown]), task.failureTrace);
}
