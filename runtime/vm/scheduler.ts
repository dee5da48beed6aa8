// The Scheduler owns the run queue shared by every context. It runs each ready Task for a
// slice of instructions (fuel), and between rounds yields to Node's event loop with
// setImmediate so timers, I/O and a debugger stay responsive. Timers (sleep) are the only
// JavaScript callbacks it keeps, and they live here, outside the Tasks' plain-data state.
import { interpret, RunStatus } from "./interpreter";
import { Task, TaskState } from "./task";

/** Instructions a Task runs before it is preempted. */
export const SLICE_FUEL = 100_000;
/** Wall-clock time a round may take before the scheduler yields to the event loop. */
const ROUND_MS = 8;

interface RootWatch {
  settle: (task: Task) => void;
  deadlock: (message: string) => void;
  /** A bug in the VM surfaced as a JavaScript exception while running the root's context. */
  crash: (error: unknown) => void;
  /** The root returned; it settles once its context has nothing left to run. */
  returned: boolean;
}

export class Scheduler {
  private queue: Task[] = [];
  private head = 0;
  private readonly timers = new Map<Task, ReturnType<typeof setTimeout>>();
  private readonly roots = new Map<Task, RootWatch>();
  private roundScheduled = false;
  private running = false;

  /** Runs `task` as a root: `settle` is called once when it finishes, fails or is cancelled;
   *  `deadlock` when nothing can ever wake it. */
  startRoot(task: Task, settle: (task: Task) => void, deadlock: (message: string) => void, crash: (error: unknown) => void): void {
    this.roots.set(task, { settle, deadlock, crash, returned: false });
    this.makeReady(task);
    this.runRound();
  }

  /** Puts a Task at the back of the run queue. */
  makeReady(task: Task): void {
    task.state = TaskState.Ready;
    this.queue.push(task);
    this.scheduleRound();
  }

  /** Puts a Task at the front of the run queue, so it runs next. */
  private runNext(task: Task): void {
    task.state = TaskState.Ready;
    if (this.head > 0) this.queue[--this.head] = task;
    else this.queue.unshift(task);
  }

  sleep(task: Task, ms: number): void {
    task.state = TaskState.Sleeping;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer = setTimeout(() => {
      this.timers.delete(task);
      if (task.state === TaskState.Sleeping) this.makeReady(task);
    }, delay);
    this.timers.set(task, timer);
  }

  /** Cooperative cancellation: a Task that is not running stops now (it sits at a suspension
   *  or preemption point); a running Task (cancelling itself) stops when its slice ends. */
  cancel(task: Task): void {
    if (task.finished) return;
    if (task.state === TaskState.Running) {
      task.cancelRequested = true;
      return;
    }
    this.finish(task, TaskState.Cancelled, null);
  }

  private scheduleRound(): void {
    if (this.roundScheduled || this.running) return;
    this.roundScheduled = true;
    setImmediate(() => {
      this.roundScheduled = false;
      this.runRound();
    });
  }

  private runRound(): void {
    if (this.running) return;
    this.running = true;
    const started = Date.now();
    try {
      while (this.head < this.queue.length) {
        const task = this.queue[this.head];
        this.queue[this.head++] = undefined as unknown as Task;
        if (task.state === TaskState.Ready) this.runSlice(task);
        if (Date.now() - started >= ROUND_MS) break;
      }
    } finally {
      this.running = false;
    }
    this.compactQueue();
    this.settleReturnedRoots();
    if (this.head < this.queue.length) this.scheduleRound();
    else if (this.timers.size === 0) this.reportDeadlocks();
  }

  private runSlice(task: Task): void {
    const context = task.context;
    task.state = TaskState.Running;
    context.currentTask = task;
    let status: RunStatus;
    try {
      status = interpret(task, SLICE_FUEL);
    } catch (error) {
      this.crash(task, error);
      return;
    } finally {
      context.currentTask = null;
    }
    const child = task.spawned;
    task.spawned = null;
    if (task.cancelRequested && !task.finished && status !== RunStatus.Done && status !== RunStatus.Failed) {
      if (child !== null && child.state === TaskState.Ready) this.makeReady(child);
      this.finish(task, TaskState.Cancelled, null);
      return;
    }
    switch (status) {
      case RunStatus.Preempted:
        this.makeReady(task);
        break;
      case RunStatus.Spawned:
        // JavaScript semantics: a new Task runs at once until it first suspends, then its starter resumes.
        this.runNext(task);
        if (child !== null && child.state === TaskState.Ready) this.runNext(child);
        break;
      case RunStatus.Suspended:
        break; // sleep or AWAIT registered the wake-up
      case RunStatus.Done:
        this.finish(task, TaskState.Done, task.result);
        break;
      case RunStatus.Failed:
        this.finish(task, TaskState.Failed, task.result);
        break;
    }
  }

  /** The interpreter threw a JavaScript exception (a VM bug): the whole context stops and its
   *  root reports the exception, rather than it escaping into Node's event loop. */
  private crash(task: Task, error: unknown): void {
    const context = task.context;
    for (const [root, watch] of [...this.roots]) {
      if (root.context !== context) continue;
      this.roots.delete(root);
      for (const t of [...context.tasks]) if (!t.finished) this.finish(t, TaskState.Cancelled, null);
      watch.crash(error);
    }
  }

  /** Ends a Task, wakes the Tasks awaiting it and settles it if it is a root. */
  finish(task: Task, state: TaskState, result: unknown): void {
    task.state = state;
    task.result = result;
    task.fp = -1;
    task.stack.length = 0;
    const timer = this.timers.get(task);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.timers.delete(task);
    }
    for (const waiter of task.waiters) {
      if (waiter.state === TaskState.Blocked) this.makeReady(waiter);
    }
    task.waiters.length = 0;
    task.context.forgetTask(task);
    const root = this.roots.get(task);
    if (root === undefined) return;
    if (state === TaskState.Done) {
      // As in Node, a program whose main code has returned still runs its other Tasks until
      // none is ready or sleeping (Tasks blocked forever are then dropped).
      root.returned = true;
      return;
    }
    this.roots.delete(task);
    this.abandonContextTasks(task);
    root.settle(task);
  }

  private settleReturnedRoots(): void {
    for (const [root, watch] of [...this.roots]) {
      if (!watch.returned) continue;
      const busy = [...root.context.tasks].some(
        (t) => t.state === TaskState.Ready || t.state === TaskState.Running || t.state === TaskState.Sleeping,
      );
      if (busy) continue;
      this.roots.delete(root);
      this.abandonContextTasks(root);
      watch.settle(root);
    }
  }

  /** When a context's main Task ends, its other Tasks end with it (and their timers stop). */
  private abandonContextTasks(root: Task): void {
    for (const other of [...root.context.tasks]) {
      if (other !== root && !other.finished) this.finish(other, TaskState.Cancelled, null);
    }
  }

  private compactQueue(): void {
    if (this.head > 1024 || this.head === this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Nothing is ready and no timer is pending: every unsettled root can never finish. */
  private reportDeadlocks(): void {
    for (const [root, watch] of [...this.roots]) {
      if (watch.returned) continue;
      const blocked = [...root.context.tasks].filter((t) => !t.finished);
      const names = blocked.map((t) => `${t.name} (task ${t.id}, ${t.stateName})`).join(", ");
      this.roots.delete(root);
      for (const t of blocked) this.finish(t, TaskState.Cancelled, null);
      watch.deadlock(`deadlock: every task is blocked and nothing can wake them: ${names}`);
    }
  }
}
