// Snapshots: a VmContext's whole state as versioned, checksummed bytes (docs/snapshots.md).
// The encoder walks the heap with a FIFO worklist (no recursion, so a million-node list is
// fine); the decoder reads and validates every byte into plain records before it builds any
// VM object, so bad input throws InvalidSnapshotError and creates nothing.
import { ByteReader, ByteWriter, crc32 } from "../bytecode/bytes";
import { encodeProgram } from "../bytecode/encode";
import { decodeProgram } from "../bytecode/decode";
import type { Program } from "../bytecode/module";
import { OPERAND_COUNT } from "../bytecode/opcodes";
import { verifyProgram } from "../bytecode/verify";
import { createBuiltins } from "./builtins";
import { ARRAY_METHODS } from "./builtins/array";
import { MAP_METHODS, SET_METHODS } from "./builtins/collections";
import { BOOLEAN_METHODS, NUMBER_METHODS } from "./builtins/number";
import { STRING_METHODS } from "./builtins/string";
import { VmContext } from "./context";
import { RayaThrow, VmError, type VmErrorKind } from "./errors";
import { ensureStack, MAX_FRAMES, MAX_STACK_SLOTS } from "./interpreter";
import { MAX_SLEEP_MS, type Scheduler } from "./scheduler";
import { Channel, CHANNEL_METHODS, Mutex, MUTEX_METHODS, ResumeThrow, type BlockReason, type CrossContextWait } from "./sync";
import { CANCELLATION, Task, TaskState } from "./task";
import { ABSENT, BoundMethod, Box, Closure, Layout, NativeFunction, NativeObject, RClass, RIterator, RObject, type NativeImpl } from "./value";

export const SNAPSHOT_MAGIC = "RAYASNAP";
/** Version 2 added the link-root section (raya:vm links, see SnapshotLinks); 1 is still read. */
export const SNAPSHOT_VERSION = 2;
const OLDEST_READABLE_VERSION = 1;

/** Bad snapshot bytes: `offset` is where the problem was found. */
export class InvalidSnapshotError extends Error {
  constructor(
    readonly problem: string,
    readonly offset: number,
  ) {
    super(`InvalidSnapshot: ${problem} (at byte ${offset})`);
    this.name = "InvalidSnapshotError";
  }
}

export interface RestoreOptions {
  /** Receives console.log lines printed after the restore. */
  onOutput?: (line: string) => void;
  /** Rebuilds links to other contexts; without it a snapshot holding links is refused. */
  links?: LinkResolver;
}

/**
 * How a context snapshot names what links it to other contexts (raya:vm, inner-vm.ts): native
 * objects holding another context (a Vm), waits on another context, and values of this context
 * that another context needs (the Raya functions granted to an inner VM as capabilities). The
 * names are resolved when the whole runtime is restored together.
 */
export interface SnapshotLinks {
  objectKey(object: NativeObject): string;
  waitKey(wait: CrossContextWait, task: Task): string;
  /** Values kept for other contexts, by key. */
  roots(context: VmContext): [string, unknown][];
}

export interface LinkResolver {
  object(key: string, context: VmContext): NativeObject | null;
  /** `task` waited on another context; the resolver sets its block once every context exists. */
  wait(task: Task, key: string, context: VmContext): void;
  root(key: string, value: unknown, context: VmContext): void;
}

// ---- value and object tags (the byte format; never renumber, only add)

const enum V {
  Null = 0,
  False = 1,
  True = 2,
  Absent = 3,
  Float = 4,
  Int = 5,
  String = 6,
  Ref = 7,
  Undefined = 8,
  /** The signal a cancelled Task unwinds with (task.ts CANCELLATION). */
  Cancellation = 9,
}

const enum K {
  Array = 1,
  Map = 2,
  Set = 3,
  Box = 4,
  Closure = 5,
  BoundMethod = 6,
  Class = 7,
  Object = 8,
  Native = 9,
  Iterator = 10,
  Task = 11,
  Mutex = 12,
  Channel = 13,
  ResumeThrow = 14,
  /** A raya:vm object, by the name SnapshotLinks gave it. */
  Link = 15,
}
const KIND_NAMES = ["?", "array", "map", "set", "box", "closure", "bound method", "class", "object", "native", "iterator", "task", "mutex", "channel", "resume-throw", "link"];

const enum LayoutKind {
  Class = 0,
  Shape = 1,
  Named = 2,
}

const enum Block {
  None = 0,
  Task = 1,
  Tasks = 2,
  Mutex = 3,
  Send = 4,
  Receive = 5,
  Sleep = 6,
  /** A wait on another context, by the name SnapshotLinks gave it. */
  Link = 7,
}

const FRAME_MODE_COUNT = 5;
const TASK_STATE_COUNT = 7;

// ---- natives by name

/** Builtin method tables whose natives become values through `value.method` reads. */
const METHOD_TABLES: [string, Map<string, NativeImpl>][] = [
  ["Array", ARRAY_METHODS],
  ["String", STRING_METHODS],
  ["Number", NUMBER_METHODS],
  ["Boolean", BOOLEAN_METHODS],
  ["Map", MAP_METHODS],
  ["Set", SET_METHODS],
  ["Channel", CHANNEL_METHODS],
  ["Mutex", MUTEX_METHODS],
];

/** Every builtin reachable from the context's builtin table, by dotted path ("Math.floor"). */
function builtinPaths(builtins: Map<string, unknown>): Map<string, NativeFunction> {
  const paths = new Map<string, NativeFunction>();
  const pending: [string, unknown][] = [...builtins];
  while (pending.length > 0) {
    const [path, value] = pending.pop()!;
    if (!(value instanceof NativeFunction) || paths.has(path)) continue;
    paths.set(path, value);
    if (value.members !== null) for (const [name, member] of value.members) pending.push([`${path}.${name}`, member]);
  }
  return paths;
}

/** The name a native is saved under: its builtin path, or "method:Table.name" for a bound builtin method. */
function nativeName(native: NativeFunction, byValue: Map<NativeFunction, string>): string {
  const path = byValue.get(native);
  if (path !== undefined) return path;
  for (const [table, methods] of METHOD_TABLES) {
    if (native.call !== null && methods.get(native.name) === native.call) return `method:${table}.${native.name}`;
  }
  throw new Error(`snapshot: the native function '${native.name}' has no name a restore could find it by`);
}

function nativeByName(name: string, builtins: Map<string, NativeFunction>): NativeFunction | null {
  if (name.startsWith("method:")) {
    const dot = name.indexOf(".", 7);
    if (dot < 0) return null;
    const table = METHOD_TABLES.find(([t]) => t === name.slice(7, dot));
    const impl = table?.[1].get(name.slice(dot + 1));
    return impl === undefined ? null : new NativeFunction(name.slice(dot + 1), impl);
  }
  return builtins.get(name) ?? null;
}

// ---- writing

/** The shared writer; a value the format cannot hold is a bug in the snapshot code, not bad input. */
class SnapshotWriter extends ByteWriter {
  override fail(field: string, value: unknown, range: string): never {
    throw new Error(`snapshot: ${field} = ${String(value)} is not ${range}`);
  }
}

/** Serialises `context`. Throws (a plain Error) while one of its Tasks is running. */
export function snapshotContext(context: VmContext, links: SnapshotLinks | null = null): Uint8Array {
  for (const task of context.tasks) {
    if (task.state === TaskState.Running) throw new Error(`snapshot: task ${task.label} is running; snapshot between slices`);
  }
  const w = new SnapshotWriter();
  for (let i = 0; i < 8; i++) w.u8(SNAPSHOT_MAGIC.charCodeAt(i));
  w.u32(SNAPSHOT_VERSION);
  const program = encodeProgram(context.program);
  w.u32(program.length);
  w.bytes(program);

  const ids = new Map<unknown, number>();
  const order: unknown[] = [];
  const natives = new Map<NativeFunction, string>();
  for (const [path, native] of builtinPaths(context.builtins)) natives.set(native, path);
  const value = (v: unknown): void => writeValue(w, v, ids, order);

  // Context section: its references assign object ids, written after it in id order.
  w.f64(context.stepsExecuted);
  w.u32(nextTaskIdOf(context));
  w.u32(context.globals.length);
  for (const g of context.globals) value(g);
  const tasks = [...context.tasks];
  w.u32(tasks.length);
  for (const t of tasks) value(t);
  writeList(w, readyOrder(context), value);
  w.u32(context.output.length);
  for (const line of context.output) w.string(line);
  const roots = links === null ? [] : links.roots(context);
  w.u32(roots.length);
  for (const [key, root] of roots) {
    w.string(key);
    value(root);
  }

  const countAt = w.length;
  w.u32(0);
  for (let i = 0; i < order.length; i++) writeObject(w, order[i], value, natives, links);
  w.patchU32(countAt, order.length);
  const checksum = crc32(w.buf, 0, w.length);
  w.u32(checksum);
  return w.buf.slice(0, w.length);
}

function writeValue(w: ByteWriter, v: unknown, ids: Map<unknown, number>, order: unknown[]): void {
  if (v === null) return w.u8(V.Null);
  if (v === undefined) return w.u8(V.Undefined);
  if (v === true) return w.u8(V.True);
  if (v === false) return w.u8(V.False);
  if (v === ABSENT) return w.u8(V.Absent);
  if (v === CANCELLATION) return w.u8(V.Cancellation);
  if (typeof v === "number") {
    if ((v | 0) === v && !Object.is(v, -0)) {
      w.u8(V.Int);
      return w.i32(v);
    }
    w.u8(V.Float);
    return w.f64(v);
  }
  if (typeof v === "string") {
    w.u8(V.String);
    return w.string(v);
  }
  let id = ids.get(v);
  if (id === undefined) {
    id = order.length;
    ids.set(v, id);
    order.push(v);
  }
  w.u8(V.Ref);
  w.u32(id);
}

function writeMethods(w: ByteWriter, table: Map<string, Closure>, value: (v: unknown) => void): void {
  w.u32(table.size);
  for (const [name, closure] of table) {
    w.string(name);
    value(closure);
  }
}

function writeList(w: ByteWriter, items: readonly unknown[], value: (v: unknown) => void, from = 0): void {
  w.u32(items.length - from);
  for (let i = from; i < items.length; i++) value(items[i]);
}

function writeObject(w: ByteWriter, o: unknown, value: (v: unknown) => void, natives: Map<NativeFunction, string>, links: SnapshotLinks | null): void {
  if (Array.isArray(o)) {
    w.u8(K.Array);
    return writeList(w, o, value);
  }
  if (o instanceof Map) {
    w.u8(K.Map);
    w.u32(o.size);
    for (const [k, v] of o) {
      value(k);
      value(v);
    }
    return;
  }
  if (o instanceof Set) {
    w.u8(K.Set);
    w.u32(o.size);
    for (const v of o) value(v);
    return;
  }
  if (o instanceof Box) {
    w.u8(K.Box);
    return value(o.value);
  }
  if (o instanceof Closure) {
    w.u8(K.Closure);
    w.u32(o.proto.index);
    return writeList(w, o.captures, value);
  }
  if (o instanceof BoundMethod) {
    w.u8(K.BoundMethod);
    value(o.receiver);
    return value(o.method);
  }
  if (o instanceof RClass) {
    w.u8(K.Class);
    w.u32(o.classIndex);
    value(o.parent);
    value(o.constructorClosure);
    w.u8(o.errorState);
    writeList(w, o.statics, value);
    for (const table of [o.methods, o.getters, o.setters, o.staticMethods, o.staticGetters, o.staticSetters]) writeMethods(w, table, value);
    return;
  }
  if (o instanceof RObject) {
    w.u8(K.Object);
    const layout = o.layout;
    if (layout instanceof RClass) {
      w.u8(LayoutKind.Class);
      value(layout);
    } else {
      w.u8(layout.name === "Object" ? LayoutKind.Shape : LayoutKind.Named);
      if (layout.name !== "Object") w.string(layout.name);
      w.u32(layout.fieldNames.length);
      for (const f of layout.fieldNames) w.string(f);
    }
    return writeList(w, o.fields, value);
  }
  if (o instanceof NativeFunction) {
    w.u8(K.Native);
    return w.string(nativeName(o, natives));
  }
  if (o instanceof RIterator) {
    w.u8(K.Iterator);
    w.u32(o.index);
    return value(o.items);
  }
  if (o instanceof Task) return writeTask(w, o, value, links);
  if (o instanceof Mutex) {
    w.u8(K.Mutex);
    value(o.owner);
    return writeList(w, o.waiters, value, headOf(o, "waitersHead"));
  }
  if (o instanceof Channel) {
    w.u8(K.Channel);
    w.f64(o.capacity);
    w.u8(o.closed ? 1 : 0);
    writeList(w, o.buffer, value, o.bufferHead);
    writeList(w, o.senders, value, headOf(o, "sendersHead"));
    writeList(w, o.sendValues, value, headOf(o, "sendersHead"));
    return writeList(w, o.receivers, value, headOf(o, "receiversHead"));
  }
  if (o instanceof ResumeThrow) {
    w.u8(K.ResumeThrow);
    const error = o.error;
    if (error instanceof VmError) {
      w.u8(0);
      w.string(error.kind);
      return w.string(error.message);
    }
    if (error instanceof RayaThrow) {
      w.u8(1);
      return value(error.value);
    }
  }
  if (o instanceof NativeObject && links !== null) {
    w.u8(K.Link);
    return w.string(links.objectKey(o));
  }
  if (o instanceof NativeObject) {
    throw new Error(`the context holds a ${o.nativeClass.name} object of raya:vm (a live link to another context), which a context snapshot cannot hold; snapshot the inner VM itself`);
  }
  const what = o !== null && typeof o === "object" ? (o.constructor?.name ?? "object") : typeof o;
  throw new Error(`snapshot: cannot serialise a value of kind '${what}'`);
}

/** Wait queues are arrays read from a head index (entries before it are taken). */
function headOf(queue: Mutex | Channel, field: "waitersHead" | "sendersHead" | "receiversHead"): number {
  const head = (queue as unknown as Record<string, unknown>)[field];
  return typeof head === "number" ? head : 0;
}

function writeTask(w: ByteWriter, t: Task, value: (v: unknown) => void, links: SnapshotLinks | null): void {
  w.u8(K.Task);
  w.u32(t.id);
  w.string(t.name);
  w.u8(t.state);
  const live = !t.finished;
  const sp = live ? t.sp : 0;
  const frames = live ? t.fp + 1 : 0;
  w.u32(sp);
  for (let i = 0; i < sp; i++) value(t.stack[i]);
  w.u32(frames);
  for (let i = 0; i < frames; i++) {
    value(t.frameClosure[i]);
    w.u32(t.framePc[i]);
    w.u32(t.frameBase[i]);
    w.u8(t.frameMode[i]);
  }
  value(t.result);
  writeList(w, t.waiters, value);
  value(t.awaiting);
  value(t.transfer);
  w.u8((t.observed ? 1 : 0) | (t.cancelRequested ? 2 : 0) | (t.cancelling ? 4 : 0));
  writeBlockReason(w, t, value, links);
  w.u32(t.failureTrace.length);
  for (const f of t.failureTrace) {
    w.string(f.function);
    w.string(f.file);
    w.u32(f.line);
    w.u32(f.column);
  }
}

function writeBlockReason(w: ByteWriter, task: Task, value: (v: unknown) => void, links: SnapshotLinks | null): void {
  const reason = task.blockedOn;
  if (reason === null) return w.u8(Block.None);
  switch (reason.kind) {
    case "task":
      w.u8(Block.Task);
      return value(reason.task);
    case "tasks":
      w.u8(Block.Tasks);
      return writeList(w, reason.tasks, value);
    case "mutex":
      w.u8(Block.Mutex);
      return value(reason.mutex);
    case "send":
      w.u8(Block.Send);
      return value(reason.channel);
    case "receive":
      w.u8(Block.Receive);
      return value(reason.channel);
    case "sleep":
      w.u8(Block.Sleep);
      return w.f64(Math.max(0, reason.until - Date.now()));
    case "context":
      // A link to another live context (an inner VM's Task, a capability call): only a snapshot
      // of the whole runtime can name the other side.
      if (links === null) throw new Error(`a task waits on ${reason.wait.describe()}; snapshot the whole runtime, or once it has been answered`);
      w.u8(Block.Link);
      return w.string(links.waitKey(reason.wait, task));
  }
}

/**
 * The context's Ready Tasks in the order the scheduler will run them: run-queue order is state
 * too (a Task just spawned runs before its starter). The scheduler keeps its queues private,
 * so this reads them by shape; Ready Tasks it does not list follow in creation order.
 */
function readyOrder(context: VmContext): Task[] {
  const scheduler = context.scheduler as unknown as { queues?: Map<VmContext, { tasks: Task[]; head: number }> };
  const queue = scheduler.queues instanceof Map ? scheduler.queues.get(context) : undefined;
  const order: Task[] = [];
  const listed = new Set<Task>();
  const add = (task: Task | undefined): void => {
    if (task instanceof Task && task.context === context && task.state === TaskState.Ready && !listed.has(task)) {
      listed.add(task);
      order.push(task);
    }
  };
  if (queue !== undefined && Array.isArray(queue.tasks)) for (let i = queue.head; i < queue.tasks.length; i++) add(queue.tasks[i]);
  for (const task of context.tasks) add(task);
  return order;
}

/** VmContext keeps its task counter private; the snapshot saves and restores it. */
function nextTaskIdOf(context: VmContext): number {
  return (context as unknown as { nextTaskId: number }).nextTaskId;
}

// ---- reading (validation only: builds plain records)

/** A value as read: a primitive, or a reference to object `ref`. */
type Val = { ref: number; at: number } | null | undefined | boolean | number | string | typeof ABSENT | typeof CANCELLATION;

function isRef(v: Val): v is { ref: number; at: number } {
  return typeof v === "object" && v !== null && v !== ABSENT && "ref" in v;
}

interface FrameRec {
  closure: Val;
  pc: number;
  base: number;
  mode: number;
  at: number;
}

interface TaskRec {
  id: number;
  name: string;
  state: number;
  stack: Val[];
  frames: FrameRec[];
  result: Val;
  waiters: Val[];
  awaiting: Val;
  transfer: Val;
  flags: number;
  block: { kind: number; refs: Val[]; remaining: number; link: string };
  trace: { function: string; file: string; line: number; column: number }[];
}

type ObjRec =
  | { kind: K.Array | K.Set; at: number; items: Val[] }
  | { kind: K.Map; at: number; items: Val[] }
  | { kind: K.Box; at: number; value: Val }
  | { kind: K.Closure; at: number; fn: number; captures: Val[] }
  | { kind: K.BoundMethod; at: number; receiver: Val; method: Val }
  | { kind: K.Class; at: number; classIndex: number; parent: Val; ctor: Val; errorState: number; statics: Val[]; tables: [string, Val][][] }
  | { kind: K.Object; at: number; layoutKind: number; layoutClass: Val; name: string; fieldNames: string[]; fields: Val[] }
  | { kind: K.Native; at: number; name: string; native: NativeFunction }
  | { kind: K.Iterator; at: number; index: number; items: Val }
  | ({ kind: K.Task; at: number } & TaskRec)
  | { kind: K.Mutex; at: number; owner: Val; waiters: Val[] }
  | { kind: K.Channel; at: number; capacity: number; closed: boolean; buffer: Val[]; senders: Val[]; sendValues: Val[]; receivers: Val[] }
  | { kind: K.ResumeThrow; at: number; errorKind: number; vmKind: string; message: string; value: Val }
  | { kind: K.Link; at: number; key: string };

/** The shared reader, reporting malformed input as InvalidSnapshotError with its offset. */
class SnapshotReader extends ByteReader {
  override fail(problem: string, at = this.pos): never {
    throw new InvalidSnapshotError(problem, at);
  }
}

function readValue(r: ByteReader, what: string): Val {
  const at = r.pos;
  const tag = r.u8(what);
  switch (tag) {
    case V.Null:
      return null;
    case V.Undefined:
      return undefined;
    case V.False:
      return false;
    case V.True:
      return true;
    case V.Absent:
      return ABSENT;
    case V.Cancellation:
      return CANCELLATION;
    case V.Int:
      return r.i32(what);
    case V.Float:
      return r.f64(what);
    case V.String:
      return r.string(what);
    case V.Ref:
      return { ref: r.u32(what), at };
    default:
      return r.fail(`${what}: unknown value tag ${tag}`, at);
  }
}

function readValues(r: ByteReader, what: string): Val[] {
  const n = r.count(1, `${what} count`);
  const out: Val[] = [];
  for (let i = 0; i < n; i++) out.push(readValue(r, what));
  return out;
}

interface Decoded {
  program: Program;
  steps: number;
  nextTaskId: number;
  globals: Val[];
  tasks: Val[];
  ready: Val[];
  output: string[];
  objects: ObjRec[];
  linkRoots: [string, Val][];
}

function readSnapshot(bytes: Uint8Array): Decoded {
  if (!(bytes instanceof Uint8Array)) throw new InvalidSnapshotError("input is not a byte array", 0);
  if (bytes.length < 16) throw new InvalidSnapshotError(`truncated: ${bytes.length} bytes is shorter than any snapshot`, bytes.length);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC.charCodeAt(i)) throw new InvalidSnapshotError(`bad magic: not a ${SNAPSHOT_MAGIC} file`, i);
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  if (version < OLDEST_READABLE_VERSION || version > SNAPSHOT_VERSION) {
    throw new InvalidSnapshotError(`unsupported snapshot version ${version} (this runtime reads versions ${OLDEST_READABLE_VERSION} to ${SNAPSHOT_VERSION})`, 8);
  }
  const bodyEnd = bytes.length - 4;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bodyEnd, 4).getUint32(0, true);
  const computed = crc32(bytes, 0, bodyEnd);
  if (stored !== computed) throw new InvalidSnapshotError("CRC-32 does not match the contents: the snapshot is corrupt or truncated", bodyEnd);

  const r = new SnapshotReader(bytes, 0, bodyEnd);
  r.pos = 12;
  const programLength = r.count(1, "program length");
  const programAt = r.pos;
  r.pos += programLength;
  let program: Program;
  try {
    program = decodeProgram(bytes.slice(programAt, programAt + programLength));
    verifyProgram(program);
  } catch (error) {
    return r.fail(`embedded program rejected: ${error instanceof Error ? error.message : String(error)}`, programAt);
  }
  const stepsAt = r.pos;
  const steps = r.f64("steps executed");
  if (!Number.isSafeInteger(steps) || steps < 0) r.fail("steps executed is not a count", stepsAt);
  const nextTaskId = r.u32("next task id");
  const globalsAt = r.pos;
  const globals = readValues(r, "global");
  if (globals.length !== program.globals.length) r.fail(`${globals.length} globals, the program has ${program.globals.length}`, globalsAt);
  const tasks = readValues(r, "task reference");
  const readyAt = r.pos;
  const ready = readValues(r, "ready task");
  const lineCount = r.count(4, "output line count");
  const output: string[] = [];
  for (let i = 0; i < lineCount; i++) output.push(r.string("output line"));
  const linkRoots: [string, Val][] = [];
  if (version >= 2) {
    const rootCount = r.count(5, "link root count");
    for (let i = 0; i < rootCount; i++) linkRoots.push([r.string("link root key"), readValue(r, "link root")]);
  }
  const objectCount = r.count(1, "object count");
  const objects: ObjRec[] = [];
  const builtins = builtinPaths(createBuiltins());
  for (let i = 0; i < objectCount; i++) objects.push(readObject(r, program, builtins));
  if (r.pos !== bodyEnd) r.fail(`${bodyEnd - r.pos} unexpected bytes after the object table`);
  const decoded: Decoded = { program, steps, nextTaskId, globals, tasks, ready, output, objects, linkRoots };
  validate(decoded, r);
  validateReady(decoded, readyAt, r);
  return decoded;
}

function readObject(r: ByteReader, program: Program, builtins: Map<string, NativeFunction>): ObjRec {
  const at = r.pos;
  const kind = r.u8("object kind");
  switch (kind) {
    case K.Array:
    case K.Set:
      return { kind, at, items: readValues(r, KIND_NAMES[kind]) };
    case K.Map: {
      const n = r.count(2, "map size");
      const items: Val[] = [];
      for (let i = 0; i < 2 * n; i++) items.push(readValue(r, "map entry"));
      return { kind, at, items };
    }
    case K.Box:
      return { kind, at, value: readValue(r, "box value") };
    case K.Closure: {
      const fnAt = r.pos;
      const fn = r.u32("function index");
      if (fn >= program.functions.length) r.fail(`function index ${fn} is out of range`, fnAt);
      const captures = readValues(r, "capture");
      if (captures.length !== program.functions[fn].captures.length) r.fail(`closure of function ${fn} has ${captures.length} captures, it needs ${program.functions[fn].captures.length}`, at);
      return { kind, at, fn, captures };
    }
    case K.BoundMethod:
      return { kind, at, receiver: readValue(r, "receiver"), method: readValue(r, "method") };
    case K.Class: {
      const indexAt = r.pos;
      const classIndex = r.u32("class index");
      if (classIndex >= program.classes.length || program.classes[classIndex].kind !== "class") r.fail(`class index ${classIndex} is not a class`, indexAt);
      const parent = readValue(r, "parent class");
      const ctor = readValue(r, "constructor");
      const errorState = r.u8("error state");
      if (errorState > 2) r.fail(`error state ${errorState} is out of range`, r.pos - 1);
      const staticsAt = r.pos;
      const statics = readValues(r, "static field");
      if (statics.length !== program.classes[classIndex].staticFields.length) r.fail("static field count does not match the class", staticsAt);
      const tables: [string, Val][][] = [];
      for (let t = 0; t < 6; t++) {
        const n = r.count(5, "method count");
        const table: [string, Val][] = [];
        for (let i = 0; i < n; i++) table.push([r.string("method name"), readValue(r, "method")]);
        tables.push(table);
      }
      return { kind, at, classIndex, parent, ctor, errorState, statics, tables };
    }
    case K.Object: {
      const layoutKind = r.u8("layout kind");
      let layoutClass: Val = null;
      let name = "Object";
      const fieldNames: string[] = [];
      if (layoutKind === LayoutKind.Class) layoutClass = readValue(r, "layout class");
      else if (layoutKind === LayoutKind.Shape || layoutKind === LayoutKind.Named) {
        if (layoutKind === LayoutKind.Named) name = r.string("layout name");
        const n = r.count(4, "field name count");
        for (let i = 0; i < n; i++) fieldNames.push(r.string("field name"));
      } else r.fail(`unknown layout kind ${layoutKind}`, r.pos - 1);
      const fields = readValues(r, "field");
      return { kind, at, layoutKind, layoutClass, name, fieldNames, fields };
    }
    case K.Native: {
      const name = r.string("native name");
      const native = nativeByName(name, builtins);
      if (native === null) r.fail(`no builtin named '${name}'`, at);
      return { kind, at, name, native };
    }
    case K.Iterator:
      return { kind, at, index: r.u32("iterator index"), items: readValue(r, "iterator items") };
    case K.Task:
      return { kind, at, ...readTask(r) };
    case K.Mutex:
      return { kind, at, owner: readValue(r, "mutex owner"), waiters: readValues(r, "mutex waiter") };
    case K.Channel: {
      const capacity = r.f64("channel capacity");
      if (!Number.isSafeInteger(capacity) || capacity < 0) r.fail("channel capacity is not a count", r.pos - 8);
      const closed = r.u8("channel closed");
      if (closed > 1) r.fail("channel closed flag is not 0 or 1", r.pos - 1);
      const buffer = readValues(r, "channel buffer");
      const senders = readValues(r, "channel sender");
      const sendValues = readValues(r, "channel send value");
      if (senders.length !== sendValues.length) r.fail("channel senders and send values differ in count", at);
      const receivers = readValues(r, "channel receiver");
      return { kind, at, capacity, closed: closed === 1, buffer, senders, sendValues, receivers };
    }
    case K.ResumeThrow: {
      const errorKind = r.u8("resume error kind");
      if (errorKind === 0) {
        const vmKind = r.string("error kind");
        if (!["Error", "TypeError", "RangeError", "SyntaxError"].includes(vmKind)) r.fail(`unknown VM error kind '${vmKind}'`, at);
        return { kind, at, errorKind, vmKind, message: r.string("error message"), value: null };
      }
      if (errorKind === 1) return { kind, at, errorKind, vmKind: "", message: "", value: readValue(r, "thrown value") };
      return r.fail(`unknown resume error kind ${errorKind}`, at + 1);
    }
    case K.Link:
      return { kind, at, key: r.string("link name") };
    default:
      return r.fail(`unknown object kind ${kind}`, at);
  }
}

function readTask(r: ByteReader): TaskRec {
  const id = r.u32("task id");
  const name = r.string("task name");
  const stateAt = r.pos;
  const state = r.u8("task state");
  if (state >= TASK_STATE_COUNT || state === TaskState.Running) r.fail(`task state ${state} cannot be restored`, stateAt);
  const spAt = r.pos;
  const sp = r.count(1, "stack size");
  if (sp > MAX_STACK_SLOTS) r.fail(`stack size ${sp} exceeds the limit ${MAX_STACK_SLOTS}`, spAt);
  const stack: Val[] = [];
  for (let i = 0; i < sp; i++) stack.push(readValue(r, "stack slot"));
  const framesAt = r.pos;
  const frameCount = r.count(10, "frame count");
  if (frameCount > MAX_FRAMES) r.fail(`frame count ${frameCount} exceeds the limit ${MAX_FRAMES}`, framesAt);
  const frames: FrameRec[] = [];
  for (let i = 0; i < frameCount; i++) {
    const at = r.pos;
    frames.push({ closure: readValue(r, "frame closure"), pc: r.u32("frame pc"), base: r.u32("frame base"), mode: r.u8("frame mode"), at });
  }
  const result = readValue(r, "task result");
  const waiters = readValues(r, "task waiter");
  const awaiting = readValue(r, "awaited value");
  const transfer = readValue(r, "transfer value");
  const flags = r.u8("task flags");
  if (flags > 7) r.fail(`task flags ${flags} are out of range`, r.pos - 1);
  const blockAt = r.pos;
  const blockKind = r.u8("block reason");
  let refs: Val[] = [];
  let remaining = 0;
  let link = "";
  if (blockKind === Block.Task || blockKind === Block.Mutex || blockKind === Block.Send || blockKind === Block.Receive) refs = [readValue(r, "blocked on")];
  else if (blockKind === Block.Tasks) refs = readValues(r, "blocked on");
  else if (blockKind === Block.Sleep) {
    remaining = r.f64("sleep remaining");
    if (!(remaining >= 0 && remaining <= MAX_SLEEP_MS)) r.fail("sleep remaining time is out of range", r.pos - 8);
  } else if (blockKind === Block.Link) link = r.string("link name");
  else if (blockKind !== Block.None) r.fail(`unknown block reason ${blockKind}`, blockAt);
  const traceCount = r.count(16, "trace length");
  const trace: TaskRec["trace"] = [];
  for (let i = 0; i < traceCount; i++) trace.push({ function: r.string("trace function"), file: r.string("trace file"), line: r.u32("trace line"), column: r.u32("trace column") });
  return { id, name, state, stack, frames, result, waiters, awaiting, transfer, flags, block: { kind: blockKind, refs, remaining, link }, trace };
}

// ---- cross-checks over the whole table

/** The pcs where an instruction starts, per function (computed once per restore). */
function instructionStarts(program: Program): Uint8Array[] {
  return program.functions.map((fn) => {
    const starts = new Uint8Array(fn.code.length + 1);
    for (let pc = 0; pc < fn.code.length; pc += 1 + (OPERAND_COUNT[fn.code[pc]] ?? 0)) starts[pc] = 1;
    return starts;
  });
}

function validate(d: Decoded, r: ByteReader): void {
  const objects = d.objects;
  const kindOf = (v: Val, what: string, ...kinds: K[]): void => {
    if (!isRef(v)) {
      if (kinds.length > 0) r.fail(`${what} must be a reference to a ${kinds.map((k) => KIND_NAMES[k]).join(" or ")}`);
      return;
    }
    if (v.ref >= objects.length) r.fail(`${what} refers to object ${v.ref}, the table has ${objects.length}`, v.at);
    if (kinds.length > 0 && !kinds.includes(objects[v.ref].kind)) r.fail(`${what} refers to a ${KIND_NAMES[objects[v.ref].kind]}, expected ${kinds.map((k) => KIND_NAMES[k]).join(" or ")}`, v.at);
  };
  const any = (v: Val, what: string): void => kindOf(v, what);
  const optional = (v: Val, what: string, ...kinds: K[]): void => {
    if (v !== null) kindOf(v, what, ...kinds);
  };
  d.globals.forEach((g) => any(g, "global"));
  d.tasks.forEach((t) => kindOf(t, "context task", K.Task));
  const starts = instructionStarts(d.program);
  for (const o of objects) {
    switch (o.kind) {
      case K.Array:
      case K.Set:
      case K.Map:
        o.items.forEach((v) => any(v, KIND_NAMES[o.kind]));
        break;
      case K.Box:
        any(o.value, "box value");
        break;
      case K.Closure:
        o.captures.forEach((v) => kindOf(v, "capture", K.Box));
        break;
      case K.BoundMethod:
        any(o.receiver, "receiver");
        kindOf(o.method, "bound method", K.Closure, K.Native);
        break;
      case K.Class:
        optional(o.parent, "parent class", K.Class);
        optional(o.ctor, "constructor", K.Closure);
        o.statics.forEach((v) => any(v, "static field"));
        o.tables.forEach((table) => table.forEach(([, v]) => kindOf(v, "method", K.Closure)));
        break;
      case K.Object: {
        if (o.layoutKind === LayoutKind.Class) kindOf(o.layoutClass, "object class", K.Class);
        const fieldCount =
          o.layoutKind === LayoutKind.Class && isRef(o.layoutClass)
            ? d.program.classes[(objects[o.layoutClass.ref] as { classIndex: number }).classIndex].fields.length
            : o.fieldNames.length;
        if (o.fields.length !== fieldCount) r.fail(`object has ${o.fields.length} fields, its layout ${fieldCount}`, o.at);
        o.fields.forEach((v) => any(v, "field"));
        break;
      }
      case K.Iterator:
        kindOf(o.items, "iterator items", K.Array);
        break;
      case K.Task:
        validateTask(o, d, starts, kindOf, any, r);
        break;
      case K.Mutex:
        optional(o.owner, "mutex owner", K.Task);
        o.waiters.forEach((v) => kindOf(v, "mutex waiter", K.Task));
        break;
      case K.Channel:
        o.buffer.forEach((v) => any(v, "channel value"));
        o.sendValues.forEach((v) => any(v, "channel value"));
        for (const t of [...o.senders, ...o.receivers]) kindOf(t, "channel waiter", K.Task);
        break;
      case K.ResumeThrow:
        any(o.value, "thrown value");
        break;
    }
  }
  validateClassChains(objects, r);
}

type KindCheck = (v: Val, what: string, ...kinds: K[]) => void;

function validateTask(t: TaskRec & { at: number }, d: Decoded, starts: Uint8Array[], kindOf: KindCheck, any: (v: Val, what: string) => void, r: ByteReader): void {
  const finished = t.state === TaskState.Done || t.state === TaskState.Failed || t.state === TaskState.Cancelled;
  if (t.id >= d.nextTaskId) r.fail(`task id ${t.id} is not below the next task id ${d.nextTaskId}`, t.at);
  // A raya:vm stand-in for a Task of another context never runs: it has no frames.
  if (!finished && t.frames.length === 0 && t.block.kind !== Block.Link) r.fail(`unfinished task ${t.id} has no frames`, t.at);
  if (finished && (t.frames.length > 0 || t.stack.length > 0)) r.fail(`finished task ${t.id} still has frames`, t.at);
  t.stack.forEach((v) => any(v, "stack slot"));
  let previousBase = 0;
  for (const f of t.frames) {
    kindOf(f.closure, "frame closure", K.Closure);
    const closure = d.objects[(f.closure as { ref: number }).ref] as { fn: number };
    const proto = d.program.functions[closure.fn];
    if (f.pc > proto.code.length || starts[closure.fn][f.pc] !== 1) r.fail(`frame pc ${f.pc} is not an instruction start of '${proto.name}'`, f.at);
    if (f.mode >= FRAME_MODE_COUNT) r.fail(`frame mode ${f.mode} is out of range`, f.at);
    if (f.base < previousBase || f.base + proto.numLocals > t.stack.length) r.fail(`frame base ${f.base} does not fit the task's stack`, f.at);
    if (f.base + proto.numLocals + proto.maxStack + 4 > MAX_STACK_SLOTS) r.fail("frame exceeds the stack limit", f.at);
    previousBase = f.base;
  }
  any(t.result, "task result");
  t.waiters.forEach((v) => kindOf(v, "task waiter", K.Task));
  any(t.awaiting, "awaited value");
  any(t.transfer, "transfer value");
  if (t.block.kind === Block.Task || t.block.kind === Block.Tasks) t.block.refs.forEach((v) => kindOf(v, "awaited task", K.Task));
  if (t.block.kind === Block.Mutex) kindOf(t.block.refs[0], "awaited mutex", K.Mutex);
  if (t.block.kind === Block.Send || t.block.kind === Block.Receive) kindOf(t.block.refs[0], "awaited channel", K.Channel);
  if ((t.block.kind === Block.Sleep) !== (t.state === TaskState.Sleeping)) r.fail(`task ${t.id}'s sleep record does not match its state`, t.at);
}

/** The ready list names each Ready Task of the context once, and nothing else. */
function validateReady(d: Decoded, at: number, r: ByteReader): void {
  const refs = new Set<number>();
  for (const v of d.ready) {
    if (!isRef(v) || v.ref >= d.objects.length || d.objects[v.ref].kind !== K.Task) r.fail("ready list holds something other than a task", at);
    if ((d.objects[v.ref] as TaskRec).state !== TaskState.Ready) r.fail("ready list holds a task that is not ready", v.at);
    if (refs.has(v.ref)) r.fail("ready list names a task twice", v.at);
    refs.add(v.ref);
  }
  for (const v of d.tasks) {
    const ref = (v as { ref: number }).ref;
    if ((d.objects[ref] as TaskRec).state === TaskState.Ready && !refs.has(ref)) r.fail("a ready task is missing from the ready list", at);
  }
}

/** Parent chains must end: a cycle would hang method lookups. */
function validateClassChains(objects: ObjRec[], r: ByteReader): void {
  for (let i = 0; i < objects.length; i++) {
    let walk: ObjRec = objects[i];
    let steps = 0;
    while (walk.kind === K.Class && isRef(walk.parent)) {
      if (++steps > objects.length) r.fail("class parent chain is a cycle", objects[i].at);
      walk = objects[walk.parent.ref];
    }
  }
}

// ---- building

/** Rebuilds a context from snapshot bytes and queues its ready Tasks on `scheduler`
 *  (sleeping ones are re-armed with their remaining time). Bad bytes throw InvalidSnapshotError
 *  before anything is built. */
export function restoreContext(bytes: Uint8Array, scheduler: Scheduler, options: RestoreOptions = {}): VmContext {
  let d: Decoded;
  try {
    d = readSnapshot(bytes);
  } catch (error) {
    if (error instanceof InvalidSnapshotError) throw error;
    // A decoder bug must still surface as bad input, never as a crash of the caller.
    throw new InvalidSnapshotError(`unreadable: ${error instanceof Error ? error.message : String(error)}`, 0);
  }
  const links = options.links ?? null;
  if (links === null && (d.linkRoots.length > 0 || d.objects.some((o) => o.kind === K.Link || (o.kind === K.Task && o.block.kind === Block.Link)))) {
    throw new InvalidSnapshotError("the snapshot links to other contexts (raya:vm); restore it with the whole runtime it was saved from", 0);
  }
  const context = new VmContext(d.program, scheduler, options.onOutput ?? null);
  const heap = buildHeap(d, context, links);
  const resolve = (v: Val): unknown => (isRef(v) ? heap[v.ref] : v);
  for (const [key, root] of d.linkRoots) links?.root(key, resolve(root), context);
  context.stepsExecuted = d.steps;
  (context as unknown as { nextTaskId: number }).nextTaskId = d.nextTaskId;
  d.globals.forEach((g, i) => (context.globals[i] = resolve(g)));
  context.output.push(...d.output);
  const tasks = d.tasks.map((t) => resolve(t) as Task);
  for (const task of tasks) context.tasks.add(task);
  for (const ready of d.ready) scheduler.makeReady(resolve(ready) as Task);
  for (const task of tasks) {
    if (task.state === TaskState.Sleeping) {
      const rec = d.objects[(d.tasks[tasks.indexOf(task)] as { ref: number }).ref] as TaskRec;
      scheduler.sleep(task, rec.block.remaining);
    }
  }
  return context;
}

type Writable<T> = { -readonly [P in keyof T]: T[P] };

function buildHeap(d: Decoded, context: VmContext, links: LinkResolver | null): unknown[] {
  const objects = d.objects;
  // Pass 1: an empty shell per object, so pass 2 can wire references in any direction.
  const heap: unknown[] = objects.map((o) => {
    if (o.kind !== K.Link) return shellFor(o, context);
    const linked = links?.object(o.key, context) ?? null;
    if (linked === null) throw new InvalidSnapshotError(`no context to link '${o.key}' to`, o.at);
    return linked;
  });
  const resolve = (v: Val): unknown => (isRef(v) ? heap[v.ref] : v);
  const layouts = new Map<string, Layout>();
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i];
    const target = heap[i];
    switch (o.kind) {
      case K.Array:
        for (const v of o.items) (target as unknown[]).push(resolve(v));
        break;
      case K.Set:
        for (const v of o.items) (target as Set<unknown>).add(resolve(v));
        break;
      case K.Map:
        for (let j = 0; j < o.items.length; j += 2) (target as Map<unknown, unknown>).set(resolve(o.items[j]), resolve(o.items[j + 1]));
        break;
      case K.Box:
        (target as Box).value = resolve(o.value);
        break;
      case K.Closure:
        for (const v of o.captures) (target as Closure).captures.push(resolve(v) as Box);
        break;
      case K.BoundMethod: {
        const bound = target as Writable<BoundMethod>;
        bound.receiver = resolve(o.receiver);
        bound.method = resolve(o.method) as Closure | NativeFunction;
        break;
      }
      case K.Class: {
        const cls = target as Writable<RClass>;
        cls.parent = resolve(o.parent) as RClass | null;
        cls.constructorClosure = resolve(o.ctor) as Closure | null;
        cls.errorState = o.errorState;
        o.statics.forEach((v, j) => (cls.statics[j] = resolve(v)));
        const tables = o.tables.map((table) => new Map(table.map(([name, v]) => [name, resolve(v) as Closure])));
        [cls.methods, cls.getters, cls.setters, cls.staticMethods, cls.staticGetters, cls.staticSetters] = tables;
        break;
      }
      case K.Object: {
        const object = target as RObject;
        if (o.layoutKind === LayoutKind.Class) object.layout = resolve(o.layoutClass) as RClass;
        else if (o.layoutKind === LayoutKind.Shape) object.layout = context.layoutForFields(o.fieldNames);
        else {
          const key = JSON.stringify([o.name, o.fieldNames]);
          let layout = layouts.get(key);
          if (layout === undefined) layouts.set(key, (layout = new Layout(o.name, o.fieldNames)));
          object.layout = layout;
        }
        for (const v of o.fields) object.fields.push(resolve(v));
        break;
      }
      case K.Iterator: {
        const iterator = target as Writable<RIterator>;
        iterator.items = resolve(o.items) as unknown[];
        iterator.index = o.index;
        break;
      }
      case K.Task:
        fillTask(target as Task, o, resolve);
        if (o.block.kind === Block.Link) links?.wait(target as Task, o.block.link, context);
        break;
      case K.Mutex: {
        const mutex = target as Mutex;
        mutex.owner = resolve(o.owner) as Task | null;
        for (const v of o.waiters) mutex.waiters.push(resolve(v) as Task);
        break;
      }
      case K.Channel: {
        const channel = target as Channel;
        channel.closed = o.closed;
        for (const v of o.buffer) channel.buffer.push(resolve(v));
        for (const v of o.senders) channel.senders.push(resolve(v) as Task);
        for (const v of o.sendValues) channel.sendValues.push(resolve(v));
        for (const v of o.receivers) channel.receivers.push(resolve(v) as Task);
        break;
      }
      case K.ResumeThrow:
        (target as Writable<ResumeThrow>).error = o.errorKind === 0 ? new VmError(o.vmKind as VmErrorKind, o.message) : new RayaThrow(resolve(o.value));
        break;
      case K.Native:
      case K.Link:
        break;
    }
  }
  return heap;
}

function shellFor(o: ObjRec, context: VmContext): unknown {
  switch (o.kind) {
    case K.Array:
      return [];
    case K.Map:
      return new Map();
    case K.Set:
      return new Set();
    case K.Box:
      return new Box(null);
    case K.Closure:
      return new Closure(context.functions[o.fn], []);
    case K.BoundMethod:
      return new BoundMethod(null, null as unknown as Closure);
    case K.Class:
      return new RClass(o.classIndex, context.program.classes[o.classIndex], null, null);
    case K.Object:
      return new RObject(null as unknown as Layout, []);
    case K.Native:
      return o.native;
    case K.Iterator:
      return new RIterator([]);
    case K.Task:
      return new Task(o.id, o.name, context);
    case K.Mutex:
      return new Mutex();
    case K.Channel:
      return new Channel(o.capacity);
    case K.ResumeThrow:
      return new ResumeThrow(null);
  }
}

function fillTask(task: Task, rec: TaskRec, resolve: (v: Val) => unknown): void {
  task.state = rec.state;
  for (const v of rec.stack) task.stack.push(resolve(v));
  task.sp = rec.stack.length;
  task.fp = rec.frames.length - 1;
  rec.frames.forEach((f, i) => {
    task.frameClosure[i] = resolve(f.closure) as Closure;
    task.framePc[i] = f.pc;
    task.frameBase[i] = f.base;
    task.frameMode[i] = f.mode;
  });
  if (task.fp >= 0) ensureStack(task.stack, task.frameBase[task.fp] + task.frameClosure[task.fp].proto.frameSize);
  task.result = resolve(rec.result);
  for (const v of rec.waiters) task.waiters.push(resolve(v) as Task);
  task.awaiting = resolve(rec.awaiting);
  task.transfer = resolve(rec.transfer);
  task.observed = (rec.flags & 1) !== 0;
  task.cancelRequested = (rec.flags & 2) !== 0;
  task.cancelling = (rec.flags & 4) !== 0;
  task.blockedOn = blockReason(rec.block, resolve);
  task.failureTrace = rec.trace;
}

function blockReason(block: TaskRec["block"], resolve: (v: Val) => unknown): BlockReason | null {
  switch (block.kind) {
    case Block.Task:
      return { kind: "task", task: resolve(block.refs[0]) as Task };
    case Block.Tasks:
      return { kind: "tasks", tasks: block.refs.map((v) => resolve(v) as Task) };
    case Block.Mutex:
      return { kind: "mutex", mutex: resolve(block.refs[0]) as Mutex };
    case Block.Send:
      return { kind: "send", channel: resolve(block.refs[0]) as Channel };
    case Block.Receive:
      return { kind: "receive", channel: resolve(block.refs[0]) as Channel };
    default:
      return null; // sleep: Scheduler.sleep records it again when it re-arms the timer
  }
}
