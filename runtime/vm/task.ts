// A Task is a green thread: a value stack plus a frame stack kept as parallel arrays, so the
// interpreter can call and return without JavaScript recursion and a debugger can walk the
// frames. A Task is plain data (no JavaScript closures), so it can be snapshotted.
import type { StackFrameInfo, VmContext } from "./context";
import type { Closure } from "./value";
import { type BlockReason, describeBlockReason } from "./sync";

export const enum TaskState {
  Ready = 0,
  Running = 1,
  /** Waiting for something (task.blockedOn says what): Tasks (AWAIT), a Mutex, a Channel. */
  Blocked = 2,
  Sleeping = 3,
  Done = 4,
  Failed = 5,
  Cancelled = 6,
}

/**
 * The value a cancelled Task unwinds with. Only finally handlers receive it (catch handlers are
 * skipped), and codegen's finally handlers just keep it in a hidden local and rethrow it, so no
 * Raya code sees it as a value. When it leaves the bottom frame the Task ends Cancelled.
 */
export const CANCELLATION: { readonly cancellation: true } = Object.freeze({ cancellation: true });

const STATE_NAMES = ["ready", "running", "blocked", "sleeping", "done", "failed", "cancelled"];

export class Task {
  state = TaskState.Ready;
  readonly stack: unknown[] = [];
  sp = 0;
  /** Index of the current (innermost) frame; -1 before the Task starts or after it ends. */
  fp = -1;
  readonly frameClosure: Closure[] = [];
  /** The current frame's pc when the Task is not running; a caller's return pc otherwise. */
  readonly framePc: number[] = [];
  readonly frameBase: number[] = [];
  readonly frameMode: number[] = [];

  /** Result (Done) or thrown value (Failed). */
  result: unknown = null;
  /** Tasks waiting in AWAIT for this one. */
  readonly waiters: Task[] = [];
  /** What this Task waits for while Blocked: a Task or an array of Tasks. */
  awaiting: unknown = null;
  /** What this Task waits for while Blocked or Sleeping (null otherwise). */
  blockedOn: BlockReason | null = null;
  /** A Task awaited this one (or will be told of its failure): its failure is not reported as uncaught. */
  observed = false;
  cancelRequested = false;
  /** The Task was cancelled and is unwinding through its finally blocks (see CANCELLATION). */
  cancelling = false;
  /** A Task this one just started, which the scheduler runs before resuming this one. */
  spawned: Task | null = null;
  /** A value handed over by AWAIT (the awaited result) without allocating. */
  transfer: unknown = null;
  /** Where an uncaught throw ended this Task, innermost frame first. */
  failureTrace: StackFrameInfo[] = [];

  constructor(
    readonly id: number,
    readonly name: string,
    readonly context: VmContext,
  ) {}

  get stateName(): string {
    return STATE_NAMES[this.state];
  }

  /** "worker#3": the function name and the id, as reports and the debugger show a Task. */
  get label(): string {
    return `${this.name}#${this.id}`;
  }

  /** The state with what a blocked Task waits on: "blocked on channel receive (capacity 0)". */
  get stateDescription(): string {
    if ((this.state === TaskState.Blocked || this.state === TaskState.Sleeping) && this.blockedOn !== null) {
      return `blocked on ${describeBlockReason(this.blockedOn)}`;
    }
    if (this.state === TaskState.Blocked && this.awaiting !== null) return "blocked on await";
    return STATE_NAMES[this.state];
  }

  get finished(): boolean {
    return this.state === TaskState.Done || this.state === TaskState.Failed || this.state === TaskState.Cancelled;
  }
}
