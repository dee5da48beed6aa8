// Mutex and Channel: the blocking primitives of Tasks. Their state is plain data (values and
// Task references in arrays, no JavaScript closures), so a context can be snapshotted. A
// blocking operation records on the Task what it waits for (task.blockedOn) and returns
// SUSPEND; whoever unblocks it later hands the result over with Scheduler.wake/wakeWithError.
import type { VmContext } from "./context";
import { rangeError, VmError } from "./errors";
import { ARRAY_GROWTH_PER_ELEMENT } from "./heap";
import type { Task } from "./task";
import { NativeFunction, SUSPEND, type NativeHost, type NativeImpl } from "./value";
import { arg, chargeBytes } from "./builtins/args";

/** Set as task.awaiting by Scheduler.wakeWithError: the Task throws `error` when it resumes. */
export class ResumeThrow {
  constructor(readonly error: unknown) {}
}

/**
 * The wait queues below are plain arrays read from a head index (like Channel.buffer from
 * bufferHead): entries before the head are taken (null), so taking the first waiter is O(1)
 * even with 100,000 waiting. takeAt/compactAt keep the arrays from growing without bound.
 */
function compacted(list: unknown[], head: number): number {
  if (head === list.length) {
    if (head === 1) list.pop(); // the common case, and cheaper than setting length
    else list.length = 0;
    return 0;
  }
  if (head > 1024 && head * 2 > list.length) {
    list.splice(0, head);
    return 0;
  }
  return head;
}

function removeFrom(list: unknown[], head: number, item: unknown): boolean {
  const i = list.indexOf(item, head);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}

export class Mutex {
  /** The Task holding the lock, or null. */
  owner: Task | null = null;
  /** Tasks blocked in lock(), first come first served, from waitersHead on. */
  readonly waiters: Task[] = [];
  waitersHead = 0;

  takeWaiter(): Task | undefined {
    if (this.waitersHead >= this.waiters.length) return undefined;
    const task = this.waiters[this.waitersHead];
    this.waiters[this.waitersHead] = null as unknown as Task;
    this.waitersHead = compacted(this.waiters, this.waitersHead + 1);
    return task;
  }
}

export class Channel {
  /** Buffered values, oldest first, from bufferHead on (a queue without shifting). */
  readonly buffer: unknown[] = [];
  bufferHead = 0;
  closed = false;
  /** Senders blocked because the buffer is full, with the values they are sending (parallel
   *  arrays), from sendersHead on. */
  readonly senders: Task[] = [];
  readonly sendValues: unknown[] = [];
  sendersHead = 0;
  /** Receivers blocked because nothing is buffered, from receiversHead on. */
  readonly receivers: Task[] = [];
  receiversHead = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.buffer.length - this.bufferHead;
  }

  get waitingSenders(): number {
    return this.senders.length - this.sendersHead;
  }

  /** The first blocked sender; its value is then in `takenValue`. */
  takeSender(): Task | undefined {
    const head = this.sendersHead;
    if (head >= this.senders.length) return undefined;
    const task = this.senders[head];
    this.takenValue = this.sendValues[head];
    this.senders[head] = null as unknown as Task;
    this.sendValues[head] = null;
    const next = compacted(this.senders, head + 1);
    if (next === 0) this.sendValues.splice(0, head + 1);
    this.sendersHead = next;
    return task;
  }

  /** Scratch for takeSender's value (not part of the channel's state). */
  takenValue: unknown = null;

  takeReceiver(): Task | undefined {
    if (this.receiversHead >= this.receivers.length) return undefined;
    const task = this.receivers[this.receiversHead];
    this.receivers[this.receiversHead] = null as unknown as Task;
    this.receiversHead = compacted(this.receivers, this.receiversHead + 1);
    return task;
  }

  takeBuffered(): unknown {
    const value = this.buffer[this.bufferHead];
    this.buffer[this.bufferHead++] = null;
    if (this.bufferHead === this.buffer.length) {
      this.buffer.length = 0;
      this.bufferHead = 0;
    } else if (this.bufferHead > 64 && this.bufferHead * 2 > this.buffer.length) {
      this.buffer.splice(0, this.bufferHead);
      this.bufferHead = 0;
    }
    return value;
  }
}

/**
 * A wait on another context (raya:vm): an inner VM's Task, or a capability call that a Task of
 * the parent context answers. The only wait that is not plain data: it belongs to the link
 * between two live contexts, so a context with such a wait cannot be snapshotted.
 */
export interface CrossContextWait {
  /** "plugin#2 task main#1", for deadlock reports and the debugger. */
  describe(): string;
  /** The waiting Task stopped waiting (it was cancelled): drop the other side's work. */
  detach(): void;
  /** The Task of the other context that will answer this wait by finishing (a capability
   *  call's), or null; a debugger stepping into the call continues in it. */
  answeringTask(): Task | null;
}

/** What a blocked Task waits for: plain data (but for "context"), for deadlock reports and the debugger. */
export type BlockReason =
  | { kind: "task"; task: Task }
  /** `pending`: awaited Tasks not yet done; the awaiting Task wakes when it reaches 0 (or one fails). */
  | { kind: "tasks"; tasks: Task[]; pending?: number }
  | { kind: "mutex"; mutex: Mutex }
  | { kind: "send"; channel: Channel }
  | { kind: "receive"; channel: Channel }
  | { kind: "sleep"; until: number }
  | { kind: "context"; wait: CrossContextWait };

export function describeBlockReason(reason: BlockReason): string {
  switch (reason.kind) {
    case "task":
      return `task ${reason.task.label}`;
    case "tasks":
      return `tasks [${reason.tasks.map((t) => t.label).join(", ")}]`;
    case "mutex":
      return reason.mutex.owner === null ? "a mutex" : `a mutex held by ${reason.mutex.owner.label}`;
    case "send":
      return `channel send (capacity ${reason.channel.capacity})`;
    case "receive":
      return `channel receive (capacity ${reason.channel.capacity})`;
    case "sleep":
      return `sleep until ${new Date(reason.until).toISOString()}`;
    case "context":
      return reason.wait.describe();
  }
}

/** Removes a Task that stops waiting (it was cancelled) from the queue it waits in. */
export function detachWaiter(task: Task, reason: BlockReason): void {
  const drop = (list: Task[]): void => {
    const i = list.indexOf(task);
    if (i >= 0) list.splice(i, 1);
  };
  switch (reason.kind) {
    case "task":
      drop(reason.task.waiters);
      break;
    case "tasks":
      for (const t of reason.tasks) drop(t.waiters);
      break;
    case "mutex":
      removeFrom(reason.mutex.waiters, reason.mutex.waitersHead, task);
      break;
    case "send": {
      const channel = reason.channel;
      const i = channel.senders.indexOf(task, channel.sendersHead);
      if (i >= 0) {
        channel.senders.splice(i, 1);
        channel.sendValues.splice(i, 1);
      }
      break;
    }
    case "receive":
      removeFrom(reason.channel.receivers, reason.channel.receiversHead, task);
      break;
    case "context":
      reason.wait.detach();
      break;
  }
}

function currentTask(vm: NativeHost, operation: string): Task {
  const task = (vm as VmContext).currentTask;
  if (task === null) throw new VmError("Error", `${operation} called outside a task`);
  return task;
}

const ctxOf = (vm: NativeHost): VmContext => vm as VmContext;

// ---- Mutex

function lock(vm: NativeHost, stack: unknown[], at: number): unknown {
  const mutex = stack[at] as Mutex;
  const task = currentTask(vm, "Mutex.lock");
  if (mutex.owner === null) {
    mutex.owner = task;
    return null;
  }
  if (mutex.owner === task) throw new VmError("Error", "Mutex.lock: this task already holds the mutex (it is not reentrant)");
  mutex.waiters.push(task);
  ctxOf(vm).scheduler.block(task, { kind: "mutex", mutex });
  return SUSPEND;
}

function unlock(vm: NativeHost, stack: unknown[], at: number): unknown {
  const mutex = stack[at] as Mutex;
  const task = currentTask(vm, "Mutex.unlock");
  if (mutex.owner === null) throw new VmError("Error", "Mutex.unlock: the mutex is not locked");
  if (mutex.owner !== task) throw new VmError("Error", `Mutex.unlock: the mutex is held by ${mutex.owner.label}, not by ${task.label}`);
  const next = mutex.takeWaiter();
  mutex.owner = next ?? null;
  if (next !== undefined) ctxOf(vm).scheduler.wake(next, null);
  return null;
}

/** Natives that may block the calling Task: `async` cannot run them without a Raya frame
 *  to resume into (operations.ts refuses them; wrap the call in an async function). */
export const BLOCKING_NATIVES = new WeakSet<NativeImpl>();

export const MUTEX_METHODS = new Map<string, NativeImpl>([
  ["lock", lock],
  ["unlock", unlock],
  ["tryLock", (vm, stack, at) => {
    const mutex = stack[at] as Mutex;
    if (mutex.owner !== null) return false;
    mutex.owner = currentTask(vm, "Mutex.tryLock");
    return true;
  }],
  ["isLocked", (_vm, stack, at) => (stack[at] as Mutex).owner !== null],
]);

export const MUTEX_CLASS = new NativeFunction("Mutex", null, null, () => new Mutex(), (value) => value instanceof Mutex);

// ---- Channel

const SEND_CLOSED = "send on a closed channel";
export const RECEIVE_CLOSED = "receive on a closed channel";

/** Hands `value` to a waiting receiver or the buffer; false when neither can take it. */
function offer(vm: NativeHost, channel: Channel, value: unknown): boolean {
  const receiver = channel.takeReceiver();
  if (receiver !== undefined) {
    ctxOf(vm).scheduler.wake(receiver, value);
    return true;
  }
  if (channel.length < channel.capacity) {
    // The buffer grows like an array push: charged to a limited context (a huge capacity must
    // not let a context park unbounded data in a channel).
    chargeBytes(vm, ARRAY_GROWTH_PER_ELEMENT);
    channel.buffer.push(value);
    return true;
  }
  return false;
}

/** Takes the next value (buffered first, then a blocked sender's); NOTHING when none. */
const NOTHING = { nothing: true };
function take(vm: NativeHost, channel: Channel): unknown {
  if (channel.length > 0) {
    const value = channel.takeBuffered();
    const sender = channel.takeSender();
    if (sender !== undefined) {
      channel.buffer.push(channel.takenValue);
      ctxOf(vm).scheduler.wake(sender, null);
    }
    return value;
  }
  const sender = channel.takeSender();
  if (sender === undefined) return NOTHING;
  const value = channel.takenValue;
  channel.takenValue = null;
  ctxOf(vm).scheduler.wake(sender, null);
  return value;
}

function send(vm: NativeHost, stack: unknown[], at: number, argc: number): unknown {
  const channel = stack[at] as Channel;
  const value = arg(stack, at, argc, 0);
  if (channel.closed) throw new VmError("Error", SEND_CLOSED);
  if (offer(vm, channel, value)) return null;
  const task = currentTask(vm, "Channel.send");
  channel.senders.push(task);
  channel.sendValues.push(value);
  ctxOf(vm).scheduler.block(task, { kind: "send", channel });
  return SUSPEND;
}

function receive(vm: NativeHost, stack: unknown[], at: number): unknown {
  const channel = stack[at] as Channel;
  const value = take(vm, channel);
  if (value !== NOTHING) return value;
  if (channel.closed) throw new VmError("Error", RECEIVE_CLOSED);
  const task = currentTask(vm, "Channel.receive");
  channel.receivers.push(task);
  ctxOf(vm).scheduler.block(task, { kind: "receive", channel });
  return SUSPEND;
}

function close(vm: NativeHost, stack: unknown[], at: number): unknown {
  const channel = stack[at] as Channel;
  if (channel.closed) throw new VmError("Error", "close of a closed channel");
  channel.closed = true;
  const scheduler = ctxOf(vm).scheduler;
  const senders = channel.senders.splice(channel.sendersHead);
  const receivers = channel.receivers.splice(channel.receiversHead);
  channel.senders.length = channel.sendValues.length = channel.receivers.length = 0;
  channel.sendersHead = channel.receiversHead = 0;
  for (const sender of senders) scheduler.wakeWithError(sender, new VmError("Error", SEND_CLOSED));
  for (const receiver of receivers) scheduler.wakeWithError(receiver, new VmError("Error", RECEIVE_CLOSED));
  return null;
}

export const CHANNEL_METHODS = new Map<string, NativeImpl>([
  ["send", send],
  ["receive", receive],
  ["trySend", (vm, stack, at, argc) => {
    const channel = stack[at] as Channel;
    return !channel.closed && offer(vm, channel, arg(stack, at, argc, 0));
  }],
  ["tryReceive", (vm, stack, at) => {
    const value = take(vm, stack[at] as Channel);
    return value === NOTHING ? null : value;
  }],
  ["close", close],
  ["isClosed", (_vm, stack, at) => (stack[at] as Channel).closed],
]);

BLOCKING_NATIVES.add(lock).add(send).add(receive);

export const CHANNEL_CLASS = new NativeFunction(
  "Channel",
  null,
  null,
  (_vm, stack, at, argc) => {
    const capacity = arg(stack, at, argc, 0) ?? 0;
    if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 0) {
      throw rangeError(`Channel capacity must be a non-negative integer, got ${String(capacity)}`);
    }
    return new Channel(capacity);
  },
  (value) => value instanceof Channel,
);
