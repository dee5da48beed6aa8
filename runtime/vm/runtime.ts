// The multi-context Runtime: one Scheduler shared by many isolated VmContexts, each with its
// own program, globals, Tasks and limits. Hosts written in TypeScript (and the debugger) use it
// through runtime/index.ts; docs/inner-vm.md describes the semantics.
//
// Values never cross a context boundary by reference: entry arguments, results and capability
// arguments/returns go through marshal.ts (docs/marshalling.md): data is deep-copied with its
// graph shape (cycles included) kept; functions, class instances and Tasks cross only as
// opaque ForeignHandles that unwrap in their own context alone.
import { EventEmitter } from "node:events";
import type { Program } from "../bytecode/module";
import { RUNS_MAIN_BUILTIN, verifyProgram } from "../bytecode/verify";
import { InvalidBytecodeError } from "../bytecode/errors";
import { compile } from "../compiler/compile";
import { CompileError, formatDiagnostic } from "../compiler/diagnostics";
import { VmContext, type ContextOwner, type StackFrameInfo } from "./context";
import { ContextError as VmError, HeapLimitExceeded, VmError as RaisedError, type ContextErrorKind } from "./errors";
import { attachInnerVms } from "./inner-vm";
import { contextRoots, HeapAccount, measureReachable } from "./heap";
import { RunStatus } from "./interpreter";
import { startTask } from "./operations";
import { createMainTask, uncaughtError } from "./run";
import { Scheduler } from "./scheduler";
import { Op, OPERAND_COUNT } from "../bytecode/opcodes";
import { Task, TaskState } from "./task";
import { ABSENT, Closure, NativeFunction, type NativeImpl } from "./value";
import { copyBetween, fromHost, MarshalError, toHost } from "./marshal";
import { InvalidSnapshotError, restoreContext, snapshotContext } from "./snapshot";
import { decodeProgram } from "../bytecode/decode";
import { readRuntimeSnapshot, ROOT_CONTEXT_ID, writeRuntimeSnapshot, type ContextRecord } from "./runtime-snapshot";
import { runtimeLinks, runtimeRelinker, type LinkRelinker } from "./inner-vm";
import type { LinkResolver, SnapshotLinks } from "./snapshot";

/** What ended or refused a context operation. */
export type VmErrorKind = ContextErrorKind;

/** A failure of (or in) a context, as the host sees it (defined in errors.ts, where raya:vm
 *  natives raise it too). */
export { VmError };

export type ContextState = "empty" | "initializing" | "ready" | "exited";

export interface ContextOptions {
  name: string;
  /** Bytes of Raya values the context may hold live (docs/heap-accounting.md); an allocation
   *  that does not fit after collecting ends the context with HeapLimitExceeded. */
  maxHeapBytes?: number;
  /** Live Tasks the context may hold at once (its module-init Task included). */
  maxTasks?: number;
  /** Instructions the context may execute in its whole life (its children's included). */
  maxStepBudget?: number;
  /** Share of the scheduler, recorded for the weighted scheduler (see docs/inner-vm.md). */
  weight?: number;
  parent?: ContextHandle;
}

export interface ContextLimits {
  maxHeapBytes: number;
  maxTasks: number;
  maxStepBudget: number;
  weight: number;
}

export interface ContextStats {
  /** With maxHeapBytes: the heap account's count (live bytes at its last collection plus bytes
   *  charged since). Without: bytes reachable from the context's roots, measured by this call.
   *  0 once the context has exited (its memory is released). */
  heapBytesUsed: number;
  /** With maxHeapBytes: the largest count the account reached. Without: the same as heapBytesUsed
   *  (no running count is kept for an unlimited context). */
  heapPeakBytes: number;
  maxHeapBytes: number;
  tasks: number;
  /** The most Tasks the context held at once. */
  tasksPeak: number;
  maxTasks: number;
  stepsExecuted: number;
  maxStepBudget: number;
  state: ContextState;
}

export interface ContextInfo {
  id: number;
  name: string;
  parent: number | null;
  state: ContextState;
  limits: ContextLimits;
  stats: ContextStats;
  /** Why the context exited, or null while it lives (a context lives until it is terminated or fails). */
  exitReason: VmErrorKind | null;
}

export interface RuntimeEvents {
  contextCreated: [info: { id: number; name: string; parent: number | null }];
  /** The context got its VmContext (a program was loaded or a snapshot restored). Emitted
   *  synchronously before any of its instructions runs, so a debugger can attach to it here. */
  contextLoaded: [info: { id: number }];
  contextExited: [info: { id: number; name: string; reason: VmErrorKind; message: string }];
  taskStarted: [info: { contextId: number; taskId: number; name: string }];
  taskFinished: [info: { contextId: number; taskId: number; name: string; state: "done" | "failed" | "cancelled" }];
  limitHit: [info: { contextId: number; kind: VmErrorKind; limit: number }];
}

/** A host function granted to a context. It runs synchronously inside the calling Task's slice. */
export type Capability = (...args: unknown[]) => unknown;

const UNLIMITED = Number.POSITIVE_INFINITY;
/** createMainTask's Task (module init) is always the context's first. */
const MAIN_TASK_ID = 1;

/** How a TaskHandle settled. */
export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: VmError };

/** A Task started by the host (an entry, a spawn or the module init). */
export class TaskHandle {
  private readonly settled: Promise<unknown>;
  private resolveResult!: (value: unknown) => void;
  private rejectResult!: (error: VmError) => void;
  private done = false;
  private outcome: TaskOutcome | null = null;
  private listeners: ((outcome: TaskOutcome) => void)[] = [];
  /** The Task itself, once the context has started it (entries wait for module init). */
  task: Task | null = null;

  constructor(
    private readonly owner: ContextHandle,
    /** The context the result is copied into (raya:vm's caller); null: copied out to the host. */
    readonly caller: VmContext | null = null,
  ) {
    this.settled = new Promise<unknown>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // A handle nobody awaits must not crash the host with an unhandled rejection.
    this.settled.catch(() => undefined);
  }

  /** The Task's result copied out of the context (into `caller` when set), or a rejection with a VmError. */
  result(): Promise<unknown> {
    return this.settled;
  }

  get finished(): boolean {
    return this.done;
  }

  /** Cancels the Task (cooperatively, at its next suspension or preemption point). */
  cancel(): void {
    if (this.done) return;
    if (this.task === null) this.reject(new VmError("Terminated", "the task was cancelled", this.owner.id));
    else this.owner.cancelTask(this.task);
  }

  /**
   * Calls `listener` synchronously when the handle settles (at once if it has): raya:vm needs
   * this to finish the outer Task that stands for the inner one within the same scheduler
   * round, where a promise callback would run only after the scheduler yielded.
   */
  whenSettled(listener: (outcome: TaskOutcome) => void): void {
    if (this.outcome !== null) listener(this.outcome);
    else this.listeners.push(listener);
  }

  resolve(value: unknown): void {
    if (this.done) return;
    this.done = true;
    this.resolveResult(value);
    this.notify({ ok: true, value });
  }

  reject(error: VmError): void {
    if (this.done) return;
    this.done = true;
    this.rejectResult(error);
    this.notify({ ok: false, error });
  }

  private notify(outcome: TaskOutcome): void {
    this.outcome = outcome;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener(outcome);
  }
}

interface PendingEntry {
  handle: TaskHandle;
  name: string;
  /** Already copied into the context. */
  args: unknown[];
}

/** One isolated context of a Runtime. */
export class ContextHandle implements ContextOwner {
  readonly limits: ContextLimits;
  readonly children = new Set<ContextHandle>();
  private context: VmContext | null = null;
  private readonly capabilities = new Map<string, NativeFunction>();
  private readonly handles = new Map<Task, TaskHandle>();
  private pending: PendingEntry[] = [];
  private initHandle: TaskHandle | null = null;
  private stateValue: ContextState = "empty";
  private exit: VmError | null = null;
  private sliceStartSteps = 0;
  /** Steps executed by child contexts (and theirs): they count against this context's budget. */
  private descendantSteps = 0;
  private readonly outputLines: string[] = [];
  private readonly errorLines: string[] = [];
  private restored: TaskHandle[] = [];
  private tasksPeak = 0;

  constructor(
    private readonly runtime: Runtime,
    readonly id: number,
    readonly name: string,
    readonly parent: ContextHandle | null,
    options: ContextOptions,
  ) {
    const bound = parent?.limits;
    this.limits = {
      maxHeapBytes: Math.min(positive(options.maxHeapBytes, "maxHeapBytes"), bound?.maxHeapBytes ?? UNLIMITED),
      maxTasks: Math.min(positive(options.maxTasks, "maxTasks"), bound?.maxTasks ?? UNLIMITED),
      maxStepBudget: Math.min(positive(options.maxStepBudget, "maxStepBudget"), bound?.maxStepBudget ?? UNLIMITED),
      weight: positive(options.weight, "weight") === UNLIMITED ? 1 : (options.weight as number),
    };
  }

  get state(): ContextState {
    return this.stateValue;
  }

  /** Why the context exited, or null while it lives. */
  get exitError(): VmError | null {
    return this.exit;
  }

  /** Every console.log line the context printed. */
  get output(): readonly string[] {
    return this.outputLines;
  }

  /** "Uncaught (in task ...)" lines: Tasks of the context that failed while no Raya Task awaited them
   *  (entries awaited only by a host handle are included). */
  get errorOutput(): readonly string[] {
    return this.errorLines;
  }

  /** The VmContext, for the debugger; null before a program is loaded. */
  get vmContext(): VmContext | null {
    return this.context;
  }

  /** Grants `fn` under `name`: an inner program reaches it with `import { name } from "host:"`.
   *  Capabilities must be granted before the program that imports them is loaded. */
  registerCapability(name: string, fn: Capability): void {
    this.assertAlive();
    const owner = this;
    const call: NativeImpl = (_vm, stack, at, argc) => {
      // The context may have been ended during this slice (by an earlier call): stop granting.
      if (owner.exit !== null) throw new RaisedError("Error", `Terminated: context '${owner.name}' has exited`);
      const args: unknown[] = [];
      for (let i = 1; i <= argc; i++) {
        const value = stack[at + i];
        args.push(value === ABSENT ? null : inner(() => owner.copyOut(value, `argument ${i} of capability '${name}'`)));
      }
      let result: unknown;
      try {
        result = fn(...args);
      } catch (error) {
        // The host function failed: the inner program sees a catchable Error, never the host's object.
        throw new RaisedError("Error", `capability '${name}' failed: ${describeHostError(error)}`);
      }
      return inner(() => owner.copyIn(result, `the result of capability '${name}'`));
    };
    this.grantCapability(name, new NativeFunction(name, call));
  }

  /** The capabilities granted so far, by name (a snapshot keeps those that are Raya functions). */
  grantedCapabilities(): ReadonlyMap<string, NativeFunction> {
    return this.capabilities;
  }

  /** Grants an already-built native under `name` (raya:vm grants Raya closures this way). */
  grantCapability(name: string, native: NativeFunction): void {
    this.assertAlive();
    this.capabilities.set(name, native);
  }

  /** Compiles `source` (it may import only host: and std: modules) and loads it. */
  loadSource(source: string, filename: string): TaskHandle {
    this.assertAlive();
    let program: Program;
    try {
      program = compile(source, { filename, readFile: () => null });
    } catch (error) {
      if (error instanceof CompileError) {
        throw new VmError("CompileError", error.diagnostics.map(formatDiagnostic).join("\n"), this.id);
      }
      throw error;
    }
    return this.loadProgram(program);
  }

  /** Verifies `program` and runs its top-level code (module init) as the context's first Task.
   *  The handle settles with the program result; entries run once it has finished. */
  loadProgram(program: Program): TaskHandle {
    this.assertAlive();
    if (this.context !== null) throw new VmError("InvalidBytecode", "a program is already loaded in this context", this.id);
    try {
      verifyOnce(program);
    } catch (error) {
      if (error instanceof InvalidBytecodeError) throw new VmError("InvalidBytecode", error.message, this.id);
      throw error;
    }
    const missing = capabilityNames(program).find((name) => !this.capabilities.has(name));
    if (missing !== undefined) {
      throw new VmError("CapabilityNotFound", `capability '${missing}' is not granted to context '${this.name}'`, this.id);
    }
    const context = new VmContext(program, this.runtime.scheduler, (line) => this.outputLines.push(line));
    this.adopt(context);
    this.stateValue = "initializing";
    const handle = new TaskHandle(this);
    this.initHandle = handle;
    let main: Task;
    try {
      main = createMainTask(context);
    } catch (error) {
      if (!(error instanceof HeapLimitExceeded)) throw error;
      this.heapLimitHit(error);
      handle.reject(this.exit as VmError);
      return handle;
    }
    this.bind(handle, main);
    if (!this.isAlive()) return handle; // the init Task alone broke maxTasks
    this.runtime.scheduler.makeReady(main);
    return handle;
  }

  /** Runs the entry file's top-level function `name` with `args` (copied in) in a new Task.
   *  `caller`: the args are values of that context (raya:vm), and the result is copied there
   *  directly rather than out to the host. */
  runEntry(name: string, args: unknown[] = [], caller: VmContext | null = null): TaskHandle {
    this.assertAlive();
    if (this.context === null) throw new VmError("EntryNotFound", "no program is loaded in this context", this.id);
    const handle = new TaskHandle(this, caller);
    let copied: unknown[];
    try {
      // Copied now, so what the caller does to its values later cannot reach the entry.
      copied = args.map((arg, i) => this.copyIn(arg, `argument ${i + 1} of '${name}'`, caller));
    } catch (error) {
      handle.reject(error as VmError);
      return handle;
    }
    if (this.stateValue === "initializing") this.pending.push({ handle, name, args: copied });
    else this.startEntry(handle, name, copied);
    return handle;
  }

  /** The same as runEntry: the Task runs concurrently with everything else in the runtime. */
  spawn(name: string, args: unknown[] = []): TaskHandle {
    return this.runEntry(name, args);
  }

  /**
   * The context's whole state as bytes (docs/snapshots.md): program, heap, every Task where it
   * stands, sleeping Tasks' remaining time, output so far. Restore it with Runtime.restoreContext.
   * A Task's frames are only consistent between slices, so this refuses (VmError RuntimeError)
   * while a Task of the context is running, which is when a capability of this context calls
   * it; it also refuses while entries wait for module init (they are host requests, not yet
   * Tasks, and would be lost). Capabilities are not in the bytes: they are re-granted by name.
   */
  snapshot(links: SnapshotLinks | null = null): Uint8Array {
    this.assertAlive();
    const context = this.context;
    if (context === null) throw new VmError("RuntimeError", `context '${this.name}' has no program to snapshot`, this.id);
    const running = context.currentTask ?? [...context.tasks].find((task) => task.state === TaskState.Running);
    if (running !== undefined) {
      throw new VmError("RuntimeError", `cannot snapshot context '${this.name}' while its task ${running.label} is running; snapshot between slices`, this.id);
    }
    if (this.pending.length > 0) {
      throw new VmError("RuntimeError", `cannot snapshot context '${this.name}' while ${this.pending.length} entries wait for module init`, this.id);
    }
    try {
      return snapshotContext(context, links);
    } catch (error) {
      throw new VmError("RuntimeError", `cannot snapshot context '${this.name}': ${error instanceof Error ? error.message : String(error)}`, this.id);
    }
  }

  /**
   * Rebuilds this (fresh, empty) context from snapshot bytes on the runtime's scheduler: its
   * Ready Tasks are queued and sleeping ones re-armed, so pending work continues. Bad bytes
   * (InvalidSnapshot) and a capability the program imports but this context was not granted
   * (CapabilityNotFound) are refused before anything is built or queued. Returns handles for the
   * restored Tasks a host was watching (restoredTasks).
   */
  restoreFrom(bytes: Uint8Array, links: LinkResolver | null = null): void {
    this.assertAlive();
    if (this.context !== null) throw new VmError("InvalidSnapshot", `context '${this.name}' already has a program; restore into a new context`, this.id);
    // Checked before restoreContext, which queues the restored Tasks as it builds them.
    const program = snapshotProgram(bytes);
    const missing = program === null ? undefined : capabilityNames(program).find((name) => !this.capabilities.has(name));
    if (missing !== undefined) {
      throw new VmError("CapabilityNotFound", `capability '${missing}' is imported by the snapshot's program but not granted to context '${this.name}'`, this.id);
    }
    let context: VmContext;
    try {
      context = restoreContext(bytes, this.runtime.scheduler, { onOutput: (line) => this.outputLines.push(line), links: links ?? undefined });
    } catch (error) {
      if (error instanceof InvalidSnapshotError) throw new VmError("InvalidSnapshot", error.message, this.id);
      throw error;
    }
    // Nothing has run yet: the scheduler starts its next round from setImmediate.
    this.outputLines.push(...context.output);
    this.adopt(context);
    const watched = this.restored;
    for (const task of context.tasks) {
      if (task.finished || (!task.observed && task.id !== MAIN_TASK_ID)) continue;
      const handle = new TaskHandle(this);
      this.bind(handle, task);
      watched.push(handle);
      if (task.id === MAIN_TASK_ID) this.initHandle = handle;
    }
    this.stateValue = this.initHandle === null ? "ready" : "initializing";
  }

  /** This context as a record of a whole-runtime snapshot (its own snapshot when it has a
   *  program and lives; snapshot() says why it cannot be taken). */
  snapshotRecord(links: SnapshotLinks | null = null): ContextRecord {
    let fate: ContextRecord["fate"];
    if (this.exit !== null) fate = { kind: "exited", reason: this.exit.kind, message: this.exit.message };
    else if (this.context === null) fate = { kind: "empty" };
    else fate = { kind: "loaded", bytes: this.snapshot(links) };
    return { id: this.id, name: this.name, parent: this.parent?.id ?? null, limits: { ...this.limits }, descendantSteps: this.descendantSteps, fate };
  }

  /** Rebuilds this fresh handle from a whole-runtime snapshot record (Runtime.restore). */
  restoreRecord(record: ContextRecord, links: LinkResolver | null = null): void {
    this.descendantSteps = record.descendantSteps;
    const fate = record.fate;
    if (fate.kind === "loaded") this.restoreFrom(fate.bytes, links);
    else if (fate.kind === "exited") {
      // It had exited when saved: it stays exited, with the reason it had; nothing to release.
      this.exit = new VmError(fate.reason, fate.message, this.id);
      this.stateValue = "exited";
    }
  }

  /** Handles for the Tasks of a restored context that a host was watching (entries, and module
   *  init when it had not finished), in creation order; empty for a context not restored. */
  get restoredTasks(): readonly TaskHandle[] {
    return this.restored;
  }

  stats(): ContextStats {
    const context = this.context;
    const heap = this.heapUsage();
    return {
      heapBytesUsed: heap.used,
      heapPeakBytes: heap.peak,
      maxHeapBytes: this.limits.maxHeapBytes,
      tasks: context === null ? 0 : context.tasks.size,
      tasksPeak: this.tasksPeak,
      maxTasks: this.limits.maxTasks,
      stepsExecuted: this.stepsCounted(),
      maxStepBudget: this.limits.maxStepBudget,
      state: this.stateValue,
    };
  }

  private heapUsage(): { used: number; peak: number } {
    const context = this.context;
    if (context === null) return { used: 0, peak: 0 };
    const account = context.heap;
    if (account !== null) return { used: this.exit !== null ? 0 : account.used, peak: account.peak };
    const used = this.exit !== null ? 0 : measureReachable(contextRoots(context));
    return { used, peak: used };
  }

  info(): ContextInfo {
    return {
      id: this.id,
      name: this.name,
      parent: this.parent?.id ?? null,
      state: this.stateValue,
      limits: { ...this.limits },
      stats: this.stats(),
      exitReason: this.exit?.kind ?? null,
    };
  }

  /** Ends every Task of the context (and of its children); awaiting handles reject with Terminated. */
  terminate(): void {
    if (this.exit !== null) return;
    this.fail(new VmError("Terminated", `context '${this.name}' was terminated`, this.id));
  }

  cancelTask(task: Task): void {
    if (!task.finished) this.runtime.scheduler.cancel(task);
  }

  /** Steps this context may still execute: the least left over it and its ancestors
   *  (Infinity when none has a budget). Reads only. */
  stepBudgetLeft(): number {
    let left = Number.POSITIVE_INFINITY;
    for (let walk: ContextHandle | null = this; walk !== null; walk = walk.parent) left = Math.min(left, walk.budgetLeft());
    return left;
  }

  // ---- ContextOwner (called by the scheduler and the VmContext)

  sliceFuel(slice: number): number {
    const fuel = Math.min(slice, this.stepBudgetLeft());
    this.sliceStartSteps = this.context === null ? 0 : this.context.stepsExecuted;
    return fuel;
  }

  afterSlice(task: Task, status: number): boolean {
    if (this.exit !== null) {
      // The context ended during the slice (a task bomb, or a capability that terminated it):
      // the Task that was running is finished now that the interpreter has let go of it.
      if (!task.finished) this.runtime.scheduler.finish(task, TaskState.Cancelled, null);
      this.releaseMemory();
      return true;
    }
    const spent = (this.context?.stepsExecuted ?? 0) - this.sliceStartSteps;
    // Children's steps count against every ancestor's budget too.
    for (let walk = this.parent; walk !== null; walk = walk.parent) walk.descendantSteps += spent;
    // A Task that wants more fuel while some budget on its chain is spent ends the owner of that
    // budget; so does a budget overdrawn by work natives count as steps (creating inner VMs,
    // compiling), whatever the slice's status.
    for (let walk: ContextHandle | null = this; walk !== null; walk = walk.parent) {
      const left = walk.budgetLeft();
      if (left < 0 || (left === 0 && status === RunStatus.Preempted)) {
        walk.hitLimit("StepBudgetExceeded", walk.limits.maxStepBudget, `context '${walk.name}' exceeded its step budget of ${walk.limits.maxStepBudget}`);
        return true;
      }
    }
    return false;
  }

  taskCreated(task: Task): void {
    this.runtime.emit("taskStarted", { contextId: this.id, taskId: task.id, name: task.name });
    const live = this.context === null ? 1 : this.context.tasks.size;
    if (live > this.tasksPeak) this.tasksPeak = live;
    if (live > this.limits.maxTasks && this.exit === null) {
      this.hitLimit("TaskLimitExceeded", this.limits.maxTasks, `context '${this.name}' exceeded its limit of ${this.limits.maxTasks} tasks`);
    }
  }

  taskEnded(task: Task): void {
    this.runtime.emit("taskFinished", {
      contextId: this.id,
      taskId: task.id,
      name: task.name,
      state: task.state === TaskState.Done ? "done" : task.state === TaskState.Failed ? "failed" : "cancelled",
    });
    const handle = this.handles.get(task);
    if (handle === undefined) return;
    this.handles.delete(task);
    this.settle(handle, task);
    if (handle === this.initHandle) {
      // The host keeps the handle as long as it wants it; the context must not keep it (nor
      // the finished init Task it points to) for the rest of the Runtime's life.
      this.initHandle = null;
      this.initFinished(task);
    }
  }

  crashed(error: unknown): void {
    if (error instanceof HeapLimitExceeded) this.heapLimitHit(error);
    else this.fail(new VmError("RuntimeError", `internal VM error: ${error instanceof Error ? error.message : String(error)}`, this.id));
    // The interpreter has let go of the Task it was running (it threw out of its slice).
    const context = this.context;
    if (context === null) return;
    const running = context.currentTask;
    if (running !== null && !running.finished) this.runtime.scheduler.finish(running, TaskState.Cancelled, null);
    context.currentTask = null; // as the scheduler does once the slice is over
    this.releaseMemory();
  }

  capability(name: string): unknown {
    return this.capabilities.get(name);
  }

  // ---- internals

  /** Steps of this context's own Tasks plus those of its descendants. */
  private stepsCounted(): number {
    return (this.context?.stepsExecuted ?? 0) + this.descendantSteps;
  }

  private budgetLeft(): number {
    return this.limits.maxStepBudget - this.stepsCounted();
  }

  private isAlive(): boolean {
    return this.exit === null;
  }

  private assertAlive(): void {
    if (this.exit !== null) throw new VmError(this.exit.kind === "Terminated" ? "Terminated" : this.exit.kind, `context '${this.name}' has exited: ${this.exit.message}`, this.id);
  }

  /** Makes `context` this handle's: limits, reports, raya:vm for nesting, then observers. */
  private adopt(context: VmContext): void {
    context.owner = this;
    context.weight = this.limits.weight;
    this.attachHeapAccount(context);
    // Tasks that fail unawaited are reported here, never on the host's stderr.
    context.onError = (line) => this.errorLines.push(line);
    // Inner VMs of an inner program are children of this context, bounded by its limits; only
    // the root program reads files.
    attachInnerVms(context, this.runtime, { fileAccess: false, parent: this });
    // The host runs the entries it wants: loading a program does not call its main().
    context.builtins.set(RUNS_MAIN_BUILTIN, false);
    this.context = context;
    this.runtime.emit("contextLoaded", { id: this.id });
  }

  /** A context with maxHeapBytes gets an account that its allocation sites charge. */
  private attachHeapAccount(context: VmContext): void {
    if (this.limits.maxHeapBytes === UNLIMITED) return;
    // Per-reference string pricing: never under-counts strings made separately (a hostile
    // program cannot hide many equal strings behind one price).
    context.heap = new HeapAccount(this.limits.maxHeapBytes, () => contextRoots(context), { owner: context, strings: "per-reference" });
  }

  private heapLimitHit(error: HeapLimitExceeded): void {
    if (this.exit !== null) return;
    this.hitLimit(
      "HeapLimitExceeded",
      error.limit,
      `context '${this.name}' exceeded its heap limit of ${error.limit} bytes (${error.live} live, ${error.requested} more requested)`,
    );
  }

  /**
   * Drops what an exited context holds, so the JavaScript collector can free it even while the
   * host keeps the handle: its Tasks (and their stacks), globals, the context's copy of its
   * output (the handle keeps its own). Only called
   * when no Task of the context is inside the interpreter.
   */
  private releaseMemory(): void {
    const context = this.context;
    if (context === null || this.exit === null || context.currentTask !== null) return;
    // finish() empties each Task's stack and drops it from context.tasks.
    for (const task of [...context.tasks]) {
      if (!task.finished) this.runtime.scheduler.finish(task, TaskState.Cancelled, null);
    }
    context.tasks.clear();
    context.globals.fill(null);
    context.output.length = 0;
    context.release(); // functions with their inline caches, builtins, layouts
  }

  private hitLimit(kind: VmErrorKind, limit: number, message: string): void {
    this.runtime.emit("limitHit", { contextId: this.id, kind, limit });
    this.fail(new VmError(kind, message, this.id));
  }

  /** Ends the context: children first, then every Task; every awaiting handle rejects with `error`. */
  private fail(error: VmError): void {
    if (this.exit !== null) return;
    this.exit = error;
    this.stateValue = "exited";
    for (const child of this.children) {
      child.fail(new VmError("Terminated", `parent context '${this.name}' exited: ${error.message}`, child.id));
    }
    for (const entry of this.pending) entry.handle.reject(error);
    this.pending = [];
    const context = this.context;
    if (context !== null) {
      // The running Task (when a limit is hit or terminate() is called inside a slice) keeps its
      // frames until its slice ends: the interpreter still holds them; afterSlice finishes it.
      const running = context.currentTask;
      for (const task of [...context.tasks]) {
        if (task === running) task.cancelRequested = true;
        else if (!task.finished) this.runtime.scheduler.finish(task, TaskState.Cancelled, null);
      }
    }
    for (const handle of this.handles.values()) handle.reject(error);
    this.handles.clear();
    this.releaseMemory(); // deferred to the end of the slice when a Task is running
    this.runtime.contextExited(this, error);
  }

  /** A new handle for a restored Task of this context, its result copied into `caller` (raya:vm
   *  relinking a stand-in Task to the inner Task it stands for). It replaces the host handle
   *  the restore made for the Task. */
  watchTask(task: Task, caller: VmContext | null): TaskHandle {
    const previous = this.handles.get(task);
    if (previous !== undefined) this.restored = this.restored.filter((handle) => handle !== previous);
    const handle = new TaskHandle(this, caller);
    this.bind(handle, task);
    return handle;
  }

  private bind(handle: TaskHandle, task: Task): void {
    handle.task = task;
    task.observed = true; // the host's handle sees its failure: not an "Uncaught" report
    if (this.exit !== null) handle.reject(this.exit);
    else this.handles.set(task, handle);
  }

  private settle(handle: TaskHandle, task: Task): void {
    if (this.exit !== null) {
      handle.reject(this.exit);
    } else if (task.state === TaskState.Done) {
      const result = task.result;
      if (result instanceof Task) {
        this.bind(handle, result); // an async entry: its value is the inner Task's
        if (result.finished) this.taskEndedAgain(handle, result);
        return;
      }
      try {
        handle.resolve(this.copyOut(result, "the task result", handle.caller));
      } catch (error) {
        handle.reject(error instanceof VmError ? error : new VmError("MarshalError", String(error), this.id));
      }
    } else if (task.state === TaskState.Failed && this.context !== null) {
      const raya = uncaughtError(this.context, task);
      handle.reject(new VmError("RuntimeError", raya.message, this.id, raya.rayaStack));
    } else {
      handle.reject(new VmError("Terminated", "the task was cancelled", this.id));
    }
  }

  private taskEndedAgain(handle: TaskHandle, task: Task): void {
    this.handles.delete(task);
    this.settle(handle, task);
  }

  private initFinished(task: Task): void {
    if (task.state !== TaskState.Done || this.exit !== null) {
      if (this.exit === null) {
        const raya = this.context === null || task.state !== TaskState.Failed ? null : uncaughtError(this.context, task);
        const error = new VmError("RuntimeError", raya === null ? "module initialisation was cancelled" : raya.message, this.id, raya?.rayaStack ?? null);
        this.fail(error);
      }
      return;
    }
    this.stateValue = "ready";
    const pending = this.pending;
    this.pending = [];
    for (const entry of pending) this.startEntry(entry.handle, entry.name, entry.args);
  }

  private startEntry(handle: TaskHandle, name: string, args: unknown[]): void {
    const context = this.context as VmContext;
    const callee = this.entryFunction(context, name);
    if (callee === null) {
      handle.reject(new VmError("EntryNotFound", `context '${this.name}' has no top-level function '${name}'`, this.id));
      return;
    }
    let task: Task;
    try {
      task = startTask(context, callee, [callee, ...args], 0, args.length);
    } catch (error) {
      if (!(error instanceof HeapLimitExceeded)) throw error;
      this.heapLimitHit(error);
      handle.reject(this.exit as VmError);
      return;
    }
    this.bind(handle, task);
    if (this.exit === null) this.runtime.scheduler.makeReady(task);
  }

  /** A top-level function of the entry file (other modules' globals have qualified names). */
  private entryFunction(context: VmContext, name: string): Closure | null {
    const entryFile = context.program.functions[context.program.entry].file;
    const index = context.program.globals.findIndex((g) => g.name === name && g.file === entryFile);
    const value = index < 0 ? null : context.globals[index];
    return value instanceof Closure ? value : null;
  }

  /** A value of this context copied out to the host (`what` names it in a MarshalError). */
  private copyOut(value: unknown, what: string, to: VmContext | null = null): unknown {
    const from = this.context as VmContext;
    return this.marshal(() => (to === null ? toHost(value, from) : copyBetween(value, from, to)), what);
  }

  /** A host value copied into this context. */
  private copyIn(value: unknown, what: string, from: VmContext | null = null): unknown {
    const to = this.context as VmContext;
    return this.marshal(() => (from === null ? fromHost(value, to) : copyBetween(value, from, to)), what);
  }

  /** Runs a conversion; its MarshalError becomes a VmError naming what was copied and where. */
  private marshal(convert: () => unknown, what: string): unknown {
    try {
      return convert();
    } catch (error) {
      if (error instanceof MarshalError) {
        throw new VmError("MarshalError", `${what} cannot cross the context boundary at ${error.path}: ${error.message}`, this.id);
      }
      throw error;
    }
  }
}

/**
 * Verifies a Program the first time any context loads it: a Program is immutable once built
 * (decoded or compiled), so a plugin host that loads one Program into many contexts pays for
 * verification once. Keyed weakly, so it never keeps a Program alive.
 */
const verifiedPrograms = new WeakSet<Program>();
function verifyOnce(program: Program): void {
  if (verifiedPrograms.has(program)) return;
  verifyProgram(program);
  verifiedPrograms.add(program);
}

/** A host exception as text, whatever it is: reading its message may itself throw (a getter),
 *  and it may not be an Error at all (Object.create(null)). */
function describeHostError(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    return String(error);
  } catch {
    return "an exception that cannot be described";
  }
}

/** Runs a copy inside a capability call: a MarshalError becomes an Error the inner program can catch. */
function inner<T>(copy: () => T): T {
  try {
    return copy();
  } catch (error) {
    if (error instanceof VmError) throw new RaisedError("Error", `${error.kind}: ${error.message}`);
    throw error;
  }
}

function positive(value: number | undefined, option: string): number {
  if (value === undefined) return UNLIMITED;
  if (!(value > 0)) throw new RangeError(`${option} must be a positive number (got ${value})`);
  return value;
}

/** Capability names by Program, found once: a Program is immutable once built, and a host
 *  loading one Program into many contexts must not rescan its code for each. */
const capabilitiesByProgram = new WeakMap<Program, readonly string[]>();

/** The names of every capability a program loads (LOAD_CAPABILITY operands). */
export function capabilityNames(program: Program): readonly string[] {
  let names = capabilitiesByProgram.get(program);
  if (names === undefined) {
    names = scanCapabilityNames(program);
    capabilitiesByProgram.set(program, names);
  }
  return names;
}

function scanCapabilityNames(program: Program): string[] {
  const names = new Set<string>();
  for (const fn of program.functions) {
    const code = fn.code;
    for (let pc = 0; pc < code.length; pc += 1 + OPERAND_COUNT[code[pc]]) {
      if (code[pc] === Op.LOAD_CAPABILITY) names.add(String(program.constants[code[pc + 1]].value));
    }
  }
  return [...names];
}

export interface RestoreRuntimeOptions {
  /** Host functions re-granted by context name, then by the name the program imports. */
  capabilities?: Record<string, Record<string, Capability>>;
  /** Run the restored contexts on this scheduler (shared with other code), else a new one. */
  scheduler?: Scheduler;
}

export interface RestoreContextOptions {
  name?: string;
  /** Re-granted capabilities, by the names the program imports them under. */
  capabilities?: Record<string, Capability>;
}

/**
 * The program embedded in snapshot bytes (header: 8-byte magic, u32 version, u32 length, the
 * .rbc bytes; docs/snapshots.md), read ahead of restoreContext so that missing capabilities
 * are found before anything is queued. Null when it cannot be read: restoreContext then
 * reports the problem precisely.
 */
function snapshotProgram(bytes: Uint8Array): Program | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < 16) return null;
  const length = new DataView(bytes.buffer, bytes.byteOffset + 12, 4).getUint32(0, true);
  if (16 + length > bytes.length) return null;
  try {
    return decodeProgram(bytes.subarray(16, 16 + length));
  } catch {
    return null;
  }
}

/** Exited contexts a Runtime keeps listing (each keeps about 2 KB: its identity, limits,
 *  statistics and exit reason). */
export const EXITED_CONTEXTS_KEPT = 1000;

/** Owns the Scheduler shared by every context and the registry of contexts. */
export class Runtime extends EventEmitter<RuntimeEvents> {
  private readonly registry = new Map<number, ContextHandle>();
  /** Ids of exited contexts still in the registry, oldest first. */
  private readonly exitedOrder: number[] = [];
  private nextContextId = 1;

  /** `scheduler`: share one with a context run outside the Runtime (runProgram's root, a
   *  debugger's), so the inner VMs it creates run on the same scheduler. */
  constructor(readonly scheduler: Scheduler = new Scheduler()) {
    super();
  }

  createContext(options: ContextOptions): ContextHandle {
    const parent = options.parent ?? null;
    if (parent !== null && (parent.state === "exited" || this.registry.get(parent.id) !== parent)) {
      throw new VmError("Terminated", "the parent context has exited or belongs to another runtime", parent.id);
    }
    const handle = new ContextHandle(this, this.nextContextId++, options.name, parent, options);
    this.registry.set(handle.id, handle);
    parent?.children.add(handle);
    this.emit("contextCreated", { id: handle.id, name: handle.name, parent: parent?.id ?? null });
    return handle;
  }

  /** Every living context and the EXITED_CONTEXTS_KEPT most recently exited ones, with their
   *  limits and statistics. */
  contexts(): ContextInfo[] {
    return [...this.registry.values()].map((handle) => handle.info());
  }

  context(id: number): ContextHandle | null {
    return this.registry.get(id) ?? null;
  }

  /**
   * A new context rebuilt from `bytes` (ContextHandle.snapshot, docs/snapshots.md) on this
   * runtime's scheduler; its pending work continues. Every capability the snapshot's program
   * imports must be granted again here by name (else CapabilityNotFound naming it); corrupt
   * bytes throw VmError InvalidSnapshot with the problem. Either failure leaves the runtime
   * unchanged. `restoredTasks` of the result holds handles for the Tasks that were being
   * watched by a host handle (entries) and for module init if it had not finished.
   */
  restoreContext(bytes: Uint8Array, options: RestoreContextOptions = {}): ContextHandle {
    const handle = new ContextHandle(this, this.nextContextId, options.name ?? "restored", null, { name: options.name ?? "restored" });
    for (const [name, fn] of Object.entries(options.capabilities ?? {})) handle.registerCapability(name, fn);
    handle.restoreFrom(bytes);
    this.nextContextId++;
    this.registry.set(handle.id, handle);
    this.emit("contextCreated", { id: handle.id, name: handle.name, parent: null });
    return handle;
  }

  /**
   * Every context of the runtime as bytes (docs/snapshots.md, "Whole-runtime snapshots"): ids,
   * names, parents, limits, the fate of exited ones, and each living context's own snapshot.
   * Refuses (VmError naming the context) when any living context cannot be snapshotted now: a
   * Task of it is running, entries wait for its module init, or it holds a raya:vm object.
   */
  snapshot(): Uint8Array {
    return writeRuntimeSnapshot(this.snapshotRecords(runtimeLinks(this, null)));
  }

  /** Every context as snapshot records, in id order (raya:vm links named by `links`). */
  snapshotRecords(links: SnapshotLinks): ContextRecord[] {
    const handles = [...this.registry.values()].sort((a, b) => a.id - b.id);
    const records = handles.map((handle) => handle.snapshotRecord(links));
    // An exited context's parent may have left the registry (EXITED_CONTEXTS_KEPT).
    for (const record of records) if (record.parent !== null && !this.registry.has(record.parent)) record.parent = null;
    return records;
  }

  /**
   * A new Runtime holding every context of a whole-runtime snapshot, with the same ids, names,
   * parents and limits; pending work continues on its scheduler. `capabilities` re-grants host
   * functions by context name then capability name. Bad bytes throw VmError InvalidSnapshot and
   * a capability a program imports but not re-granted CapabilityNotFound naming both; either
   * way nothing of the snapshot is left running.
   */
  static restore(bytes: Uint8Array, options: RestoreRuntimeOptions = {}): Runtime {
    let records: ContextRecord[];
    try {
      records = readRuntimeSnapshot(bytes);
    } catch (error) {
      if (error instanceof InvalidSnapshotError) throw new VmError("InvalidSnapshot", error.message, 0);
      throw error;
    }
    if (records.length > 0 && records[0].id === ROOT_CONTEXT_ID) {
      throw new VmError("InvalidSnapshot", "this snapshot holds a program run by `raya run`; continue it with `raya resume`", 0);
    }
    const runtime = new Runtime(options.scheduler);
    runtime.restoreRecords(records, options.capabilities ?? {}, runtimeRelinker(runtime, () => null), null);
    return runtime;
  }

  /**
   * Rebuilds `records` (no root among them) into this empty runtime: every handle first, so
   * raya:vm links can name any of them, then each context in id order (parents first), then
   * the links between them. `restoreRoot` (resuming `raya run`) restores the root program's
   * context once the handles exist. On failure nothing of it is left running.
   */
  restoreRecords(records: ContextRecord[], capabilities: Record<string, Record<string, Capability>>, links: LinkRelinker, restoreRoot: (() => void) | null): void {
    try {
      for (const record of records) {
        const parent = record.parent === null ? null : (this.registry.get(record.parent) as ContextHandle | undefined) ?? null;
        const handle = new ContextHandle(this, record.id, record.name, parent, { name: record.name, ...record.limits });
        this.registry.set(handle.id, handle);
        parent?.children.add(handle);
        this.nextContextId = Math.max(this.nextContextId, record.id + 1);
      }
      restoreRoot?.();
      for (const record of records) {
        const handle = this.registry.get(record.id) as ContextHandle;
        for (const [name, fn] of Object.entries(capabilities[record.name] ?? {})) handle.registerCapability(name, fn);
        links.beforeRestore(handle);
        handle.restoreRecord(record, links);
      }
      links.connect();
    } catch (error) {
      this.terminateAll(); // what was already rebuilt must not run
      throw error;
    }
  }

  /** Terminates every context still alive (a program that created them has ended). */
  terminateAll(): void {
    for (const handle of this.registry.values()) handle.terminate();
  }

  /** Called by a ContextHandle when it exits. */
  contextExited(handle: ContextHandle, error: VmError): void {
    handle.parent?.children.delete(handle);
    this.emit("contextExited", { id: handle.id, name: handle.name, reason: error.kind, message: error.message });
    // contexts() and context(id) keep exited contexts for reports and the debugger, but only the
    // most recent ones: a program creating and terminating inner VMs without end must not grow
    // the host's memory without end.
    this.exitedOrder.push(handle.id);
    while (this.exitedOrder.length > EXITED_CONTEXTS_KEPT) this.registry.delete(this.exitedOrder.shift() as number);
  }
}
