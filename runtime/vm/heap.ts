// Heap accounting (docs/heap-accounting.md). Raya values are JavaScript values, so the
// JavaScript GC frees the memory; what this module adds is a per-context *count* of it:
//
// * a size model (`sizeOf`) that prices each Raya value kind in bytes, calibrated against V8
//   on x64 without pointer compression (Node 20's default; bench/heap-calibrate.ts);
// * `HeapAccount`, the running total the interpreter charges on every allocation, with a
//   hot path of one add and one compare;
// * `measureReachable`, an iterative tracing pass from one context's roots that recomputes
//   what is live, so counted bytes of garbage are given back (the "collector").
//
// The VM never imports this module's state into its values: a context's heap is plain data.
import type { VmContext } from "./context";
import { Channel, Mutex } from "./sync";
import { Task } from "./task";
import { ABSENT, BoundMethod, Box, Closure, FunctionInfo, Layout, NativeFunction, NativeObject, RClass, RIterator, RObject } from "./value";

/** Byte costs of V8 objects on x64 without pointer compression (8-byte tagged slots). */
export const HEAP_SIZES = {
  /** One tagged slot: a pointer or a small integer. */
  SLOT: 8,
  /** A JavaScript object's map, properties and elements pointers. */
  OBJECT_HEADER: 24,
  /** A JSArray: object header plus the length slot. */
  ARRAY_HEADER: 32,
  /** The map and length of a FixedArray (an array's element store). */
  BACKING_STORE_HEADER: 16,
  /** Element stores are never priced below this many slots: a store grown by push from empty
   *  starts at 17 slots while one made by slice is exact; 8 is near the geometric mean of
   *  the two for small arrays, keeping both well within a factor of two. */
  MIN_ARRAY_SLOTS: 8,
  /** A sequential string's map, hash and length. */
  STRING_HEADER: 16,
  /** ConsString (a rope node made by `+`): header + length/hash + two part pointers. */
  CONS_STRING: 32,
  /** A number that is not a small integer is a boxed double wherever a Raya value lives. */
  HEAP_NUMBER: 16,
  /** Map and Set: the JSMap object (32) and the hash table's header and counters (40). */
  COLLECTION_FIXED: 72,
  /** Per unit of hash-table capacity: three slots per Map entry (key, value, chain), half a
   *  bucket slot. */
  MAP_PER_CAPACITY: 28,
  /** Two slots per Set entry (key, chain), half a bucket slot. */
  SET_PER_CAPACITY: 20,
  /** Hash tables start at capacity 4 and double. */
  MIN_TABLE_CAPACITY: 4,
  /** Box: header + value. */
  BOX: 32,
  /** RObject: header + layout + fields pointers (the fields array is priced apart). */
  ROBJECT: 40,
  /** Closure: header + proto + captures (the captures array is priced apart). */
  CLOSURE: 40,
  /** BoundMethod: header + receiver + method. */
  BOUND_METHOD: 40,
  /** RIterator: header + index + items (a snapshot array is priced apart). */
  ITERATOR: 40,
  /** NativeFunction: header + five fields (members are shared builtins, not priced). */
  NATIVE_FUNCTION: 64,
  /** Layout: header + six fields; its fieldIndex map is priced apart. */
  LAYOUT: 72,
  /** RClass: a Layout plus ten more fields; its eight maps and statics are priced apart. */
  RCLASS: 152,
  /** Task: header + eighteen fields; its stack and frame arrays are priced apart. */
  TASK: 168,
  /** Channel: header + nine fields; its four queue arrays are priced apart. */
  CHANNEL: 96,
  /** Mutex: header + owner + waiters + head; its waiters array is priced apart. */
  MUTEX: 48,
  /** FunctionInfo: header + sixteen fields; its four inline-cache tables are priced apart. */
  FUNCTION_INFO: 152,
  /** An Int32Array object with its ArrayBuffer (V8 keeps the contents off the JavaScript heap
   *  above 64 bytes, where heapUsed does not see them). */
  TYPED_ARRAY: 160,
  /** Anything else (a handle to another context's object, a host object): not traversed. */
  OPAQUE: 32,
} as const;

const S = HEAP_SIZES;

/** Strings at least this long are ConsStrings when made by `+`; shorter ones are copied flat. */
const MIN_CONS_LENGTH = 13;
/** Characters outside Latin-1 make V8 store a string with two bytes per character. */
const TWO_BYTE = /[^\u0000-\u00ff]/;

/** Bytes of a JavaScript array of `length` elements (slots priced with a quarter of slack for growth). */
export function arrayBytes(length: number): number {
  if (length === 0) return S.ARRAY_HEADER;
  const slots = Math.max(S.MIN_ARRAY_SLOTS, length + (length >> 2));
  return S.ARRAY_HEADER + S.BACKING_STORE_HEADER + slots * S.SLOT;
}

/** Bytes an array grows by per element appended (push, spread, unshift): the slot plus slack. */
export const ARRAY_GROWTH_PER_ELEMENT = S.SLOT + (S.SLOT >> 2);

/** Bytes of a flat string: header plus one or two bytes per character, in 8-byte units. */
export function stringBytes(text: string): number {
  return flatStringBytes(text.length, text.length > 0 && TWO_BYTE.test(text));
}

/** A flat string of `length` characters, before it exists (natives price their result first). */
export function flatStringBytes(length: number, twoByte: boolean): number {
  return S.STRING_HEADER + roundUp8(length * (twoByte ? 2 : 1));
}

/** True when `text` needs two bytes per character (it has one above U+00FF). */
export function isTwoByte(text: string): boolean {
  return TWO_BYTE.test(text);
}

/** Not with `& ~7`: an estimate (flatStringBytes of JSON not yet written) can pass 2^31. */
function roundUp8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}

/** Hash-table capacity V8 gives a Map or Set holding `size` entries (a power of two, at least 4). */
function tableCapacity(size: number): number {
  let capacity = S.MIN_TABLE_CAPACITY;
  while (capacity < size) capacity *= 2;
  return capacity;
}

export function mapBytes(size: number): number {
  return S.COLLECTION_FIXED + tableCapacity(size) * S.MAP_PER_CAPACITY;
}

export function setBytes(size: number): number {
  return S.COLLECTION_FIXED + tableCapacity(size) * S.SET_PER_CAPACITY;
}

/** Bytes one more entry adds to a Map (amortised over the table's doublings). */
export const MAP_GROWTH_PER_ENTRY = 2 * S.MAP_PER_CAPACITY;
export const SET_GROWTH_PER_ENTRY = 2 * S.SET_PER_CAPACITY;

/** True for numbers V8 keeps inline as small integers (every Raya `int` is one). */
function isSmallInteger(value: number): boolean {
  return (value | 0) === value && !Object.is(value, -0);
}

/**
 * The bytes `value` itself occupies, without the values it refers to (those are priced when
 * the tracer reaches them). Strings are priced flat; null, booleans and small integers cost
 * nothing (they live inside the slot that holds them).
 */
export function sizeOf(value: unknown): number {
  switch (typeof value) {
    case "string":
      return stringBytes(value);
    case "number":
      return isSmallInteger(value) ? 0 : S.HEAP_NUMBER;
    case "object":
      return value === null ? 0 : objectBytes(value);
    case "boolean":
    case "undefined":
      return 0;
    default:
      return S.OPAQUE;
  }
}

function objectBytes(value: object): number {
  if (Array.isArray(value)) return arrayBytes(value.length);
  if (value instanceof RObject) return S.ROBJECT + arrayBytes(value.fields.length);
  if (value instanceof Box) return S.BOX;
  if (value instanceof Closure) return S.CLOSURE + arrayBytes(value.captures.length);
  if (value instanceof Map) return mapBytes(value.size);
  if (value instanceof Set) return setBytes(value.size);
  if (value instanceof BoundMethod) return S.BOUND_METHOD;
  if (value instanceof RIterator) return S.ITERATOR;
  if (value instanceof RClass) return classBytes(value);
  if (value instanceof Layout) return S.LAYOUT + mapBytes(value.fieldIndex.size) + arrayBytes(value.fieldNames.length);
  if (value instanceof Task) return taskBytes(value);
  if (value instanceof NativeFunction) return S.NATIVE_FUNCTION;
  if (value instanceof FunctionInfo) return functionInfoBytes(value);
  if (value instanceof Channel) return channelBytes(value);
  if (value instanceof Mutex) return S.MUTEX + arrayBytes(value.waiters.length);
  if (value instanceof NativeObject) return value.retainedBytes();
  if (value === ABSENT) return 0;
  return S.OPAQUE;
}

/** A Channel with its queue arrays at their full length (taken slots stay allocated until compacted). */
function channelBytes(channel: Channel): number {
  return S.CHANNEL + arrayBytes(channel.buffer.length) + arrayBytes(channel.senders.length) + arrayBytes(channel.sendValues.length) + arrayBytes(channel.receivers.length);
}

/** Each context prepares its own FunctionInfo per function: inline caches sized by the code. */
function functionInfoBytes(info: FunctionInfo): number {
  // Inline caches exist only once the function has run (cacheLength 0 before): reading
  // icKeys here would allocate them.
  return S.FUNCTION_INFO + 2 * arrayBytes(info.cacheLength) + 2 * S.TYPED_ARRAY;
}

function classBytes(cls: RClass): number {
  return (
    S.RCLASS +
    mapBytes(cls.fieldIndex.size) +
    arrayBytes(cls.fieldNames.length) +
    mapBytes(cls.methods.size) +
    mapBytes(cls.getters.size) +
    mapBytes(cls.setters.size) +
    mapBytes(cls.staticIndex.size) +
    arrayBytes(cls.statics.length) +
    mapBytes(cls.staticMethods.size) +
    mapBytes(cls.staticGetters.size) +
    mapBytes(cls.staticSetters.size)
  );
}

/** A Task's stack is priced at its full length: slots above sp are stale but still held. */
function taskBytes(task: Task): number {
  return (
    S.TASK +
    arrayBytes(task.stack.length) +
    arrayBytes(task.frameClosure.length) +
    arrayBytes(task.framePc.length) +
    arrayBytes(task.frameBase.length) +
    arrayBytes(task.frameMode.length) +
    arrayBytes(task.waiters.length)
  );
}

/** Bytes of a new RObject with `fieldCount` fields (NEW, NEW_OBJECT, OBJECT_SPREAD, errors). */
export function robjectBytes(fieldCount: number): number {
  return S.ROBJECT + arrayBytes(fieldCount);
}

/** Bytes of a new Closure capturing `captureCount` boxes (CLOSURE, CLASS methods). */
export function closureBytes(captureCount: number): number {
  return S.CLOSURE + arrayBytes(captureCount);
}

/** Bytes the four parallel frame arrays grow by when a call reaches a depth never reached before. */
export const FRAME_GROWTH_BYTES = 4 * ARRAY_GROWTH_PER_ELEMENT;

/** Bytes a Task's stack costs per slot when it grows (ensureStack, startTask). */
export const TASK_STACK_GROWTH_PER_SLOT = ARRAY_GROWTH_PER_ELEMENT;
/** Bytes of a Task with empty stacks, charged when SPAWN or an async call creates it. */
export const NEW_TASK_BYTES = S.TASK + 6 * S.ARRAY_HEADER;

/**
 * Ropes: `a + b` of 13 or more characters is a ConsString of 32 bytes pointing at both parts,
 * so a string grown by `s += c` in a loop holds 32 bytes per step until V8 flattens it. The
 * tracer flattens every long string it reaches (a numeric conversion forces V8 to flatten in
 * place), so the pieces become garbage and the real footprint is the flat size priced here.
 */
function flatten(text: string): void {
  if (text.length >= MIN_CONS_LENGTH) Number(text);
}

/**
 * What `a + b` (with result `text`) adds to the context's footprint. A short result is a flat
 * copy. A long one is a 32-byte rope node plus, once flattened, the characters of the shorter
 * operand: the longer one was already charged when it was made. This keeps both `s += piece`
 * (charging the whole string at every step made every step collect near the limit: quadratic,
 * the host stalled for seconds) and `s = s + s` (a rope costs 32 bytes until something
 * flattens it, and then the whole doubled string) within the limit. Two existing long strings
 * joined are under-counted by the longer one until the next collection measures the flat size.
 */
export function concatBytes(text: string, a: unknown, b: unknown): number {
  if (text.length < MIN_CONS_LENGTH) return stringBytes(text);
  const lengthA = typeof a === "string" ? a.length : text.length - (b as string).length;
  const shorter = lengthA <= text.length - lengthA ? a : b;
  const shorterLength = Math.min(lengthA, text.length - lengthA);
  const perChar = typeof shorter === "string" && shorterLength > 0 && TWO_BYTE.test(shorter) ? 2 : 1;
  return S.CONS_STRING + roundUp8(shorterLength * perChar);
}

/** How the tracer treats a value it reaches. */
export interface TraceOptions {
  /** The context being measured: its constant-pool strings cost nothing (they belong to the
   *  program), and Tasks of other contexts are opaque. */
  owner?: VmContext | null;
  /**
   * JavaScript strings have no identity, so the tracer cannot tell one string referenced
   * twice from two equal strings. "once-per-value" (the default) prices each distinct value
   * once: exact for shared strings, an undercount for equal strings made separately (100,000
   * results of `"x".repeat(1000)` count 1 KB). "per-reference" prices every reference: exact
   * for separately made strings (words from split), an overcount for one string stored in
   * many places. Constant-pool strings cost nothing either way.
   */
  strings?: "once-per-value" | "per-reference";
}

/**
 * Sums sizeOf over every value reachable from `roots`, each object once (a visited set) and
 * each distinct string value once (or each string reference: TraceOptions.strings).
 * Iterative: a worklist replaces recursion, so a linked list of a million objects is traced
 * in constant JavaScript stack.
 */
export function measureReachable(roots: Iterable<unknown>, options: TraceOptions = {}): number {
  const owner = options.owner ?? null;
  const seenObjects = new Set<object>();
  const constantStrings = new Set<string>();
  if (owner !== null) {
    for (const constant of owner.constants) if (typeof constant === "string") constantStrings.add(constant);
  }
  const perReference = options.strings === "per-reference";
  const seenStrings = perReference ? constantStrings : new Set<string>(constantStrings);
  const work: object[] = [];
  let total = 0;

  // Primitives are priced where they are found; objects go on the worklist.
  const reach = (value: unknown): void => {
    switch (typeof value) {
      case "object":
        if (value !== null && !seenObjects.has(value)) {
          seenObjects.add(value);
          work.push(value);
        }
        return;
      case "string":
        if (!seenStrings.has(value)) {
          if (!perReference) seenStrings.add(value);
          flatten(value);
          total += stringBytes(value);
        }
        return;
      case "number":
        if (!isSmallInteger(value)) total += S.HEAP_NUMBER;
        return;
    }
  };
  const reachAll = (values: readonly unknown[], end: number): void => {
    for (let i = 0; i < end; i++) reach(values[i]);
  };

  for (const root of roots) reach(root);
  while (work.length > 0) {
    const value = work.pop()!;
    if (value instanceof Task && owner !== null && value.context !== owner) {
      total += S.OPAQUE; // another context's Task: its heap is that context's to count
      continue;
    }
    total += objectBytes(value);
    if (Array.isArray(value)) {
      reachAll(value, value.length);
    } else if (value instanceof RObject) {
      reach(value.layout);
      reachAll(value.fields, value.fields.length);
    } else if (value instanceof Box) {
      reach(value.value);
    } else if (value instanceof Closure) {
      reachAll(value.captures, value.captures.length);
    } else if (value instanceof Map) {
      for (const [key, entry] of value) {
        reach(key);
        reach(entry);
      }
    } else if (value instanceof Set) {
      for (const item of value) reach(item);
    } else if (value instanceof BoundMethod) {
      reach(value.receiver);
      reach(value.method);
    } else if (value instanceof RIterator) {
      reach(value.items);
    } else if (value instanceof RClass) {
      traceClass(value, reach);
    } else if (value instanceof Layout) {
      traceMethods(value, reach);
    } else if (value instanceof Task) {
      traceTask(value, reach, reachAll);
    } else if (value instanceof Channel) {
      // Values parked in a channel are the program's as much as those in an array: a buffered
      // channel must not be a place to hold data past maxHeapBytes.
      for (let i = value.bufferHead; i < value.buffer.length; i++) reach(value.buffer[i]);
      for (let i = value.sendersHead; i < value.senders.length; i++) {
        reach(value.senders[i]);
        reach(value.sendValues[i]);
      }
      for (let i = value.receiversHead; i < value.receivers.length; i++) reach(value.receivers[i]);
    } else if (value instanceof Mutex) {
      reach(value.owner);
      for (let i = value.waitersHead; i < value.waiters.length; i++) reach(value.waiters[i]);
    }
    // Anything else (a handle to another context's object, a host object) is opaque: priced
    // at OPAQUE and never entered, so one context's trace cannot count another's heap.
  }
  return total;
}

function traceMethods(layout: Layout, reach: (value: unknown) => void): void {
  for (const method of layout.methods.values()) reach(method);
  for (const getter of layout.getters.values()) reach(getter);
  for (const setter of layout.setters.values()) reach(setter);
}

function traceClass(cls: RClass, reach: (value: unknown) => void): void {
  traceMethods(cls, reach);
  for (const method of cls.staticMethods.values()) reach(method);
  for (const getter of cls.staticGetters.values()) reach(getter);
  for (const setter of cls.staticSetters.values()) reach(setter);
  for (const value of cls.statics) reach(value);
  reach(cls.parent);
  reach(cls.constructorClosure);
}

/** Every stack slot, not just those below sp: the running Task's saved sp may lag the
 *  interpreter's, and stale slots above it still keep their values alive in JavaScript. */
function traceTask(task: Task, reach: (value: unknown) => void, reachAll: (values: readonly unknown[], end: number) => void): void {
  reachAll(task.stack, task.stack.length);
  reachAll(task.frameClosure, task.frameClosure.length);
  reach(task.result);
  reach(task.awaiting);
  reach(task.transfer);
  reach(task.spawned);
  reachAll(task.waiters, task.waiters.length);
}

/** Adds further roots of a context (channel buffers, mutex queues, ...) through `add`. */
export type RootProvider = (context: VmContext, add: (value: unknown) => void) => void;

/**
 * The roots of one context, read only: its globals, every Task it owns (stacks, frames,
 * results), the running Task, the console output it has accumulated (the context holds every
 * printed line), and its fixed state: the per-context FunctionInfo tables (inline caches) and
 * builtins table. `extra` adds state kept elsewhere, such as concurrency primitives.
 */
export function contextRoots(context: VmContext, extra: RootProvider | null = null): unknown[] {
  const roots: unknown[] = [context.globals, context.output, context.functions, context.builtins];
  for (const task of context.tasks) roots.push(task);
  if (context.currentTask !== null) roots.push(context.currentTask);
  // Inner VMs it created and has not terminated, reachable or not: each holds a context.
  if (context.innerVms !== null) for (const vm of context.innerVms.liveVms()) roots.push(vm);
  if (extra !== null) extra(context, (value) => roots.push(value));
  return roots;
}

/** First collection happens once this much has been charged (then at twice the live size). */
export const DEFAULT_COLLECT_THRESHOLD = 4 * 1024 * 1024;

/**
 * The running count of one context's heap. `charge` is called before each allocation; when
 * the total passes the collection trigger it re-measures what is live from the roots and
 * starts over from that, so garbage stops counting. The trigger is twice the live size after
 * each collection (at least `collectThreshold`), which keeps the tracing cost linear in the
 * bytes allocated, and never above the limit, so the limit is checked against a fresh count.
 */
export class HeapAccount {
  /** Bytes counted now (heapBytesUsed): the live size at the last collection plus
   *  everything charged since. */
  used = 0;
  collections = 0;
  /** The largest `used` before any collection so far (`used` only grows between them). */
  private highWater = 0;
  /** `used` above this triggers a collection. */
  private trigger: number;

  constructor(
    /** maxHeapBytes; Infinity for no limit. */
    readonly limit: number,
    /** Supplies the context's roots when a collection runs. */
    private readonly roots: () => Iterable<unknown>,
    private readonly traceOptions: TraceOptions = {},
    private readonly collectThreshold: number = DEFAULT_COLLECT_THRESHOLD,
  ) {
    this.trigger = Math.min(limit, collectThreshold);
  }

  /**
   * Counts `bytes` about to be allocated. Returns false when they do not fit under the limit
   * even after a collection: the caller must then not allocate and raise HeapLimitExceeded
   * (nothing stays counted for a refused allocation).
   */
  charge(bytes: number): boolean {
    const used = this.used + bytes;
    if (used <= this.trigger) {
      this.used = used;
      return true;
    }
    return this.chargeAfterCollecting(bytes);
  }

  /** The largest `used` ever reached by successful charges. */
  get peak(): number {
    return Math.max(this.highWater, this.used);
  }

  private chargeAfterCollecting(bytes: number): boolean {
    this.collect();
    const used = this.used + bytes;
    if (used > this.limit) return false;
    this.used = used;
    return true;
  }

  /** Re-measures the live bytes from the roots; returns the bytes of garbage given back. */
  collect(roots: Iterable<unknown> = this.roots()): number {
    const before = this.used;
    if (before > this.highWater) this.highWater = before;
    const live = measureReachable(roots, this.traceOptions);
    this.used = live;
    this.collections++;
    this.trigger = Math.min(this.limit, Math.max(2 * live, this.collectThreshold));
    return before - live;
  }
}
