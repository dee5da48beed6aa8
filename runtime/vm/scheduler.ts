// The Scheduler runs the Tasks of every VmContext that shares it. Each context has its own run
// queue (FIFO); a round visits the contexts in turn and gives each `context.weight` slices,
// a slice being one ready Task run for SLICE_FUEL instructions at most. Rounds repeat until
// ROUND_MS of wall-clock time has passed, then the scheduler yields to Node's event loop
// (setImmediate) so timers, I/O and a debugger stay responsive while Raya code spins. Work
// made ready while the scheduler is idle starts from a microtask when the event loop has
// turned within ROUND_MS (see scheduleRound).
// Timers (sleep) are the only JavaScript callbacks it keeps, and they live here, outside the
// Tasks' plain-data state. See docs/concurrency.md for the guarantees.
import { interpret, RunStatus, unwindCancelled } from "./interpreter";
import { CANCELLATION, Task, TaskState } from "./task";
import { type BlockReason, detachWaiter, ResumeThrow } from "./sync";
import type { VmContext } from "./context";

/** The longest delay one Node timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The longest sleep (about 31 years): sleep(Infinity) sleeps this long. */
export const MAX_SLEEP_MS = 1e12;

/** Instructions a Task runs before it is preempted. */
export const SLICE_FUEL = 100_000;
/** Wall-clock time the scheduler may run before it yields to the event loop: a host timer due
 *  while Raya code spins waits about this long (plus at most one slice). */
const ROUND_MS = 2;
/** The clock is read once this many instructions have run since the last look (a preempted
 *  slice alone reaches it), or after SLICES_PER_CLOCK_CHECK slices, whichever comes first:
 *  reading it costs as much as a Task switch, and many short slices add up to a long one. */
const STEPS_PER_CLOCK_CHECK = SLICE_FUEL;
const SLICES_PER_CLOCK_CHECK = 32;

interface RootWatch {
  settle: (task: Task) => void;
  deadlock: (message: string) => void;
  /** A bug in the VM surfaced as a JavaScript exception while running the root's context. */
  crash: (error: unknown) => void;
  /** The root returned; it settles once its context has nothing left to run. */
  returned: boolean;
}

const NONE_UNOBSERVED: Task[] = Object.freeze([]) as unknown as Task[];
const NO_ROUNDS: number[] = Object.freeze([]) as unknown as number[];

/** One context's ready Tasks (a queue read from `head`, so taking one does not shift). */
class RunQueue {
  tasks: Task[] = [];
  head = 0;
  /** Tasks of the context sleeping on a timer. */
  sleeping = 0;
  /** Slices left of the context's current visit (its weight when a visit starts). */
  credit = 0;
  /** Failed Tasks nobody awaited yet, with the round they failed in (NONE_UNOBSERVED, shared
   *  and never written, until the first one: most contexts never have any). */
  unobserved: Task[] = NONE_UNOBSERVED;
  unobservedRound: number[] = NO_ROUNDS;

  constructor(readonly context: VmContext) {}

  get size(): number {
    return this.tasks.length - this.head;
  }

  push(task: Task): void {
    this.tasks.push(task);
  }

  pushFront(task: Task): void {
    if (this.head > 0) this.tasks[--this.head] = task;
    else this.tasks.unshift(task);
  }

  take(): Task | null {
    if (this.head >= this.tasks.length) return null;
    const task = this.tasks[this.head];
    this.tasks[this.head++] = undefined as unknown as Task;
    if (this.head === this.tasks.length) {
      this.tasks.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.tasks.length) {
      this.tasks = this.tasks.slice(this.head);
      this.head = 0;
    }
    return task;
  }
}

export class Scheduler {
  private readonly queues = new Map<VmContext, RunQueue>();
  private readonly timers = new Map<Task, ReturnType<typeof setTimeout>>();
  private readonly roots = new Map<Task, RootWatch>();
  private roundScheduled = false;
  /** When a round last started from setImmediate, i.e. after a turn of the event loop. */
  private lastLoopTurn = Number.NEGATIVE_INFINITY;
  /** Ready Tasks of paused contexts (VmContext.paused), held until release(). */
  private parked: Task[] = [];
  private running = false;
  private rounds = 0;
  /** Called once when their Task finishes (raya:vm links a Task of one context to another's). */
  private readonly finishListeners = new Map<Task, (task: Task) => void>();

  /** Runs `task` as a root: `settle` is called once when it finishes, fails or is cancelled;
   *  `deadlock` when nothing can ever wake it. */
  startRoot(task: Task, settle: (task: Task) => void, deadlock: (message: string) => void, crash: (error: unknown) => void): void {
    this.roots.set(task, { settle, deadlock, crash, returned: false });
    this.makeReady(task);
    this.runRound();
  }

  /** Calls `listener` synchronously when `task` finishes (at once if it has). One per Task. */
  whenFinished(task: Task, listener: (task: Task) => void): void {
    if (task.finished) listener(task);
    else this.finishListeners.set(task, listener);
  }

  /** Ready Tasks of all contexts (for tests and the debugger). */
  get readyCount(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.size;
    return count;
  }

  private queueOf(context: VmContext): RunQueue {
    let queue = this.queues.get(context);
    if (queue === undefined) {
      queue = new RunQueue(context);
      this.queues.set(context, queue);
    }
    return queue;
  }

  /** A debugger changed `context.paused` (or which Tasks run while paused): Tasks held for
   *  the context and now allowed to run go back to the run queue. */
  release(context: VmContext): void {
    const stillHeld: Task[] = [];
    for (const task of this.parked) {
      if (task.context !== context || (context.paused && this.held(task))) stillHeld.push(task);
      else if (task.state === TaskState.Ready) this.queueOf(task.context).push(task);
    }
    this.parked = stillHeld;
    this.scheduleRound();
  }

  private held(task: Task): boolean {
    const hooks = task.context.debugHooks;
    return hooks === null || !hooks.runsWhilePaused(task);
  }

  /** Puts a Task at the back of its context's run queue. */
  makeReady(task: Task): void {
    task.state = TaskState.Ready;
    this.queueOf(task.context).push(task);
    this.scheduleRound();
  }

  /** Puts a Task at the front of its context's run queue, so it runs next. */
  private runNext(task: Task): void {
    task.state = TaskState.Ready;
    this.queueOf(task.context).pushFront(task);
  }

  /** The running Task waits for `reason`; a native then returns SUSPEND. */
  block(task: Task, reason: BlockReason): void {
    task.state = TaskState.Blocked;
    task.blockedOn = reason;
  }

  /** Unblocks a Task suspended in a native: `value` becomes the native's result. */
  wake(task: Task, value: unknown): void {
    task.stack[task.sp - 1] = value;
    task.blockedOn = null;
    this.makeReady(task);
  }

  /** Unblocks a Task suspended in a native: it throws `error` (a VmError or RayaThrow) there. */
  wakeWithError(task: Task, error: unknown): void {
    task.awaiting = new ResumeThrow(error);
    task.blockedOn = null;
    this.makeReady(task);
  }

  sleep(task: Task, ms: number): void {
    // NaN and negative delays are 0; anything longer than MAX_SLEEP_MS (sleep(Infinity)) is that.
    const delay = ms > 0 ? Math.min(ms, MAX_SLEEP_MS) : 0;
    const until = Date.now() + delay;
    task.state = TaskState.Sleeping;
    task.blockedOn = { kind: "sleep", until };
    const queue = this.queueOf(task.context);
    queue.sleeping++;
    this.armSleep(task, queue, until);
  }

  /** Node's timers take at most 2^31 - 1 ms (a longer delay fires after 1 ms, with a warning
   *  on the host's stderr): a longer sleep re-arms until its time has come. */
  private armSleep(task: Task, queue: RunQueue, until: number): void {
    const timer = setTimeout(() => {
      if (task.state === TaskState.Sleeping && until - Date.now() > 0) {
        this.armSleep(task, queue, until);
        return;
      }
      this.timers.delete(task);
      queue.sleeping--;
      if (task.state === TaskState.Sleeping) {
        task.blockedOn = null;
        this.makeReady(task);
      }
    }, Math.min(Math.max(0, until - Date.now()), MAX_TIMER_MS));
    this.timers.set(task, timer);
  }

  /** Cooperative cancellation: a Task that is not running is cancelled now (it sits at a
   *  suspension or preemption point); a running Task (cancelling itself) when its slice ends.
   *  Cancelling unwinds the Task through its finally blocks (catch blocks do not see it); it
   *  ends Cancelled when the unwinding leaves its bottom frame. Cancelling a Task that is
   *  already unwinding does nothing. */
  cancel(task: Task): void {
    if (task.finished || task.cancelling) return;
    if (task.state === TaskState.Running) {
      task.cancelRequested = true;
      return;
    }
    this.startCancelling(task, task.state === TaskState.Ready);
  }

  /** Takes a cancelled Task out of whatever it waits for and sends it to its innermost finally
   *  block, or ends it when none encloses it. `queued`: it already sits in a run queue. */
  private startCancelling(task: Task, queued: boolean): void {
    task.cancelRequested = false;
    task.cancelling = true;
    if (task.blockedOn !== null) {
      detachWaiter(task, task.blockedOn); // a Mutex it waited for is not handed to it
      task.blockedOn = null;
    }
    task.awaiting = null;
    this.stopTimer(task);
    if (!unwindCancelled(task)) {
      this.finish(task, TaskState.Cancelled, null);
      return;
    }
    if (queued) task.state = TaskState.Ready;
    else this.makeReady(task);
  }

  private stopTimer(task: Task): void {
    const timer = this.timers.get(task);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(task);
    this.queueOf(task.context).sleeping--;
  }

  /**
   * Runs a round soon. Work that becomes ready while the scheduler is idle (a host's
   * loadProgram or runEntry, a timer waking a Task) starts as soon as the current JavaScript
   * job and its microtasks are done, without waiting for a turn of the event loop, provided the
   * event loop turned (a round started from setImmediate) within the last ROUND_MS. Otherwise,
   * and always to go on after a round that used up its time, the round waits for setImmediate,
   * so timers and I/O run in between.
   */
  private scheduleRound(afterFullRound = false): void {
    if (this.roundScheduled || this.running) return;
    this.roundScheduled = true;
    if (!afterFullRound && performance.now() - this.lastLoopTurn < ROUND_MS) {
      queueMicrotask(() => {
        this.roundScheduled = false;
        this.runRound();
      });
      return;
    }
    setImmediate(() => {
      this.lastLoopTurn = performance.now();
      this.roundScheduled = false;
      this.runRound();
    });
  }

  private runRound(): void {
    if (this.running) return;
    this.running = true;
    const started = performance.now();
    try {
      let ranAny = true;
      let untilClockCheck = SLICES_PER_CLOCK_CHECK;
      let stepsSinceClockCheck = 0;
      let served: RunQueue | null = null;
      passes: while (ranAny) {
        ranAny = false;
        this.rounds++;
        for (const queue of this.queues.values()) {
          served = queue;
          // A visit grants `weight` slices; a visit cut short by the clock keeps the rest as
          // credit and the next round starts with it (rotatePast), so weights hold over time.
          if (queue.credit <= 0) queue.credit = Math.max(1, queue.context.weight | 0);
          while (queue.credit > 0) {
            const task = queue.take();
            if (task === null) {
              queue.credit = 0; // an idle context banks nothing
              break;
            }
            queue.credit--;
            ranAny = true;
            if (task.state !== TaskState.Ready) continue; // cancelled while queued
            let preempted = false;
            if (task.context.paused && this.held(task)) {
              this.parked.push(task);
            } else {
              const stepsBefore = task.context.stepsExecuted;
              preempted = this.runSlice(task);
              stepsSinceClockCheck += task.context.stepsExecuted - stepsBefore;
            }
            if (preempted || stepsSinceClockCheck >= STEPS_PER_CLOCK_CHECK || --untilClockCheck === 0) {
              untilClockCheck = SLICES_PER_CLOCK_CHECK;
              stepsSinceClockCheck = 0;
              if (performance.now() - started >= ROUND_MS) break passes;
            }
          }
        }
      }
      if (served !== null) this.rotatePast(served);
    } finally {
      this.running = false;
    }
    this.reportUnobservedFailures(false);
    this.settleReturnedRoots();
    this.dropIdleQueues();
    if (this.readyCount > 0) this.scheduleRound(true);
    this.reportDeadlocks();
  }

  /** A context with nothing ready, sleeping or left to report leaves the rotation (it rejoins at
   *  the end when a Task of it is next made ready): a round costs the contexts that run, not
   *  every context that ever ran, so idle and exited contexts weigh nothing. */
  private dropIdleQueues(): void {
    for (const [context, queue] of this.queues) {
      if (queue.size === 0 && queue.sleeping === 0 && queue.unobserved.length === 0) this.queues.delete(context);
    }
  }

  /** The next round starts where this one stopped: with `last` (the last context served) if
   *  its visit was cut short, else with the one after it. A round cut short by ROUND_MS must not
   *  always favour the contexts that come first. */
  private rotatePast(last: RunQueue): void {
    const moved: [VmContext, RunQueue][] = [];
    for (const entry of this.queues) {
      if (entry[1] === last && last.credit > 0) break;
      moved.push(entry);
      if (entry[1] === last) break;
    }
    if (moved.length === this.queues.size) return; // the round reached the end: order is fair already
    for (const [context, queue] of moved) {
      this.queues.delete(context);
      this.queues.set(context, queue);
    }
  }

  /** Runs one slice of `task`; true when it used all its fuel (was preempted). */
  private runSlice(task: Task): boolean {
    const context = task.context;
    task.state = TaskState.Running;
    context.currentTask = task;
    let status: RunStatus;
    try {
      const hooks = context.debugHooks;
      const fuel = context.owner === null ? SLICE_FUEL : context.owner.sliceFuel(SLICE_FUEL);
      status = hooks === null ? interpret(task, fuel) : (hooks.runSlice(task, fuel) as RunStatus);
    } catch (error) {
      this.crash(task, error);
      return false;
    } finally {
      context.currentTask = null;
    }
    if (context.owner !== null && context.owner.afterSlice(task, status)) {
      task.spawned = null;
      return false; // the owner ended the context (a limit was hit)
    }
    const child = task.spawned;
    task.spawned = null;
    if (task.cancelRequested && !task.finished && status !== RunStatus.Done && status !== RunStatus.Failed) {
      if (child !== null && child.state === TaskState.Ready) this.makeReady(child);
      this.startCancelling(task, false);
      return status === RunStatus.Preempted;
    }
    switch (status) {
      case RunStatus.Preempted:
      case RunStatus.Breakpoint: // the debug hooks turn it into Preempted; kept for safety
        this.makeReady(task);
        break;
      case RunStatus.Spawned:
        // JavaScript semantics: a new Task runs at once until it first suspends, then its starter resumes.
        this.runNext(task);
        if (child !== null && child.state === TaskState.Ready) this.runNext(child);
        break;
      case RunStatus.Suspended:
        break; // sleep, AWAIT or a blocking native registered the wake-up
      case RunStatus.Done:
        // A finally block that returns during cancellation still ends the Task cancelled.
        if (task.cancelling) this.finish(task, TaskState.Cancelled, null);
        else this.finish(task, TaskState.Done, task.result);
        break;
      case RunStatus.Failed:
        if (task.result === CANCELLATION) this.finish(task, TaskState.Cancelled, null);
        else this.finish(task, TaskState.Failed, task.result);
        break;
    }
    return status === RunStatus.Preempted;
  }

  /** The interpreter threw a JavaScript exception (a VM bug): the whole context stops and its
   *  root reports the exception, rather than it escaping into Node's event loop. */
  private crash(task: Task, error: unknown): void {
    const context = task.context;
    if (context.owner !== null) context.owner.crashed(error);
    for (const [root, watch] of [...this.roots]) {
      if (root.context !== context) continue;
      this.roots.delete(root);
      for (const t of [...context.tasks]) if (!t.finished) this.finish(t, TaskState.Cancelled, null);
      this.queues.delete(context);
      watch.crash(error);
    }
  }

  /** Ends a Task, wakes the Tasks awaiting it and settles it if it is a root. */
  finish(task: Task, state: TaskState, result: unknown): void {
    if (task.blockedOn !== null) {
      detachWaiter(task, task.blockedOn); // a cancelled Task leaves the queue it waited in
      task.blockedOn = null;
    }
    task.awaiting = null;
    task.state = state;
    task.result = result;
    task.fp = -1;
    task.stack.length = 0;
    // A finished Task has no frames (snapshots and the debugger read none): what its frames
    // held is garbage, though a handle or a Raya variable may keep the Task itself for long.
    task.frameClosure.length = 0;
    task.framePc.length = 0;
    task.frameBase.length = 0;
    task.frameMode.length = 0;
    this.stopTimer(task);
    if (task.waiters.length > 0) task.observed = true;
    for (const waiter of task.waiters.splice(0)) {
      if (waiter.state !== TaskState.Blocked) continue;
      const reason = waiter.blockedOn;
      if (reason !== null && reason.kind === "tasks") {
        // A Task awaiting several waits for the last of them, unless this one did not succeed;
        // woken early, it leaves the others' waiter lists so they cannot wake it spuriously later.
        if (state === TaskState.Done && reason.pending !== undefined && --reason.pending > 0) continue;
        detachWaiter(waiter, reason);
      }
      this.makeReady(waiter);
    }
    task.context.forgetTask(task);
    if (this.finishListeners.size > 0) {
      const listener = this.finishListeners.get(task);
      if (listener !== undefined) {
        this.finishListeners.delete(task);
        listener(task);
      }
    }
    const root = this.roots.get(task);
    if (root === undefined) {
      if (state === TaskState.Failed && !task.observed) this.noteUnobservedFailure(task);
      return;
    }
    if (state === TaskState.Done) {
      // As in Node, a program whose main code has returned still runs its other Tasks until
      // none is ready or sleeping (Tasks blocked forever are then dropped).
      root.returned = true;
      return;
    }
    this.settleRoot(task, root);
  }

  private settleRoot(root: Task, watch: RootWatch): void {
    this.roots.delete(root);
    this.abandonContextTasks(root);
    this.reportUnobservedFailures(true, root.context);
    this.queues.delete(root.context);
    watch.settle(root);
  }

  private noteUnobservedFailure(task: Task): void {
    const queue = this.queueOf(task.context);
    if (queue.unobserved === NONE_UNOBSERVED) {
      queue.unobserved = [];
      queue.unobservedRound = [];
    }
    queue.unobserved.push(task);
    queue.unobservedRound.push(this.rounds);
  }

  /** A failed Task that no Task awaited by the end of the next round (or before its program
   *  ended, with `final`) is reported as uncaught. */
  private reportUnobservedFailures(final: boolean, only: VmContext | null = null): void {
    for (const queue of this.queues.values()) {
      if (queue.unobserved.length === 0 || (only !== null && queue.context !== only)) continue;
      const keep: Task[] = [];
      const keepRounds: number[] = [];
      for (let i = 0; i < queue.unobserved.length; i++) {
        const task = queue.unobserved[i];
        if (task.observed) continue;
        if (final || queue.unobservedRound[i] < this.rounds - 1) {
          queue.context.reportUncaughtTaskError(task);
        } else {
          keep.push(task);
          keepRounds.push(queue.unobservedRound[i]);
        }
      }
      queue.unobserved = keep;
      queue.unobservedRound = keepRounds;
    }
  }

  private settleReturnedRoots(): void {
    if (this.roots.size === 0) return;
    for (const [root, watch] of [...this.roots]) {
      if (!watch.returned) continue;
      if (!this.mayRunAgain(root.context)) this.settleRoot(root, watch);
    }
  }

  /** The context has Tasks ready, sleeping or held by a debugger, or one waiting on another
   *  context (an inner VM, a capability call) while any context can still run to answer it. */
  private mayRunAgain(context: VmContext): boolean {
    const queue = this.queues.get(context);
    if (queue !== undefined && (queue.size > 0 || queue.sleeping > 0 || this.parkedFor(context))) return true;
    if (!this.anythingCanRun()) return false;
    for (const task of context.tasks) if (task.blockedOn !== null && task.blockedOn.kind === "context") return true;
    return false;
  }

  private anythingCanRun(): boolean {
    if (this.parked.length > 0) return true;
    for (const queue of this.queues.values()) if (queue.size > 0 || queue.sleeping > 0) return true;
    return false;
  }

  private parkedFor(context: VmContext): boolean {
    return this.parked.some((task) => task.context === context);
  }

  /** When a context's main Task ends, its other Tasks end with it (and their timers stop). */
  private abandonContextTasks(root: Task): void {
    for (const other of [...root.context.tasks]) {
      if (other !== root && !other.finished) this.finish(other, TaskState.Cancelled, null);
    }
  }

  /** A context with nothing ready and nothing sleeping can never run again unless a Task of it
   *  waits on another context that still runs (contexts share no Raya values, and no host event
   *  wakes a Task today): otherwise its unsettled root deadlocked. */
  private reportDeadlocks(): void {
    if (this.roots.size === 0) return;
    for (const [root, watch] of [...this.roots]) {
      if (watch.returned || root.context.paused) continue; // a debugger holds it
      if (this.mayRunAgain(root.context)) continue;
      if (root.state === TaskState.Running || root.state === TaskState.Ready) continue;
      const blocked = [...root.context.tasks].filter((t) => !t.finished);
      const shown = blocked.slice(0, 20).map((t) => `${t.label} (${t.stateDescription})`);
      if (blocked.length > shown.length) shown.push(`and ${blocked.length - shown.length} more`);
      this.roots.delete(root);
      for (const t of blocked) this.finish(t, TaskState.Cancelled, null);
      this.queues.delete(root.context);
      watch.deadlock(`deadlock: every task is blocked and nothing can wake them: ${shown.join(", ")}`);
    }
  }
}
