// Marshalling values across a context boundary (docs/marshalling.md). Each VmContext owns its
// heap; a value moving from one context to another (or to/from TypeScript host code) is
// deep copied, or becomes an opaque ForeignHandle when it has identity or behaviour (class
// instances, functions, classes, Tasks, channels, mutexes). No object of one context is ever
// made reachable from another's heap except through a handle, which only its source context
// can unwrap.
//
// All three conversions walk the value with an explicit work stack, never JavaScript
// recursion, so depth is bounded only by MarshalOptions.maxDepth, not by the native stack.
// A memo keyed by source object makes cycles and shared substructure come out with the same
// graph shape.
import type { VmContext } from "./context";
import { VmError } from "./errors";
import { arrayBytes, HEAP_SIZES, mapBytes, robjectBytes, setBytes, sizeOf } from "./heap";
import { Channel, Mutex } from "./sync";
import { Task } from "./task";
import { ABSENT, BoundMethod, Closure, Layout, NativeFunction, NativeObject, RClass, RObject } from "./value";

/** Values nested deeper than this are rejected, so a hostile or runaway structure fails fast. */
export const DEFAULT_MAX_DEPTH = 100_000;

export interface MarshalOptions {
  /** Receives the bytes (heap.ts size model) of every value the copy allocated in the target. */
  onAllocate?: (bytes: number) => void;
  /** Containers nested deeper than this fail with MarshalError (default DEFAULT_MAX_DEPTH). */
  maxDepth?: number;
}

/** A value that cannot cross the boundary; `path` locates it, as in `$.users[3].tags`. */
export class MarshalError extends Error {
  readonly kind = "MarshalError";
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "MarshalError";
  }
}

// ---------------------------------------------------------------------------------------------
// Foreign handles

/** What a handle stands for, for messages and host code; the referent itself stays hidden. */
export type ForeignKind = "object" | "function" | "class" | "task" | "channel" | "mutex";

/** The original object and context of each handle: kept outside the handle so that code
 *  holding one (Raya or host) has no property through which to reach the referent. */
const handleOrigins = new WeakMap<ForeignHandle, { source: VmContext; original: object }>();

/**
 * An opaque stand-in for an object of another context. It is inert: the only thing that can
 * be done with it is to pass it back, and only marshalling into its source context turns it
 * back into the original object.
 */
export class ForeignHandle {
  constructor(
    /** Names the source context in messages: "context 2 (plugin.raya)". */
    readonly sourceLabel: string,
    readonly foreignKind: ForeignKind,
    /** The referent's class or function name, for display. */
    readonly foreignName: string,
  ) {
    Object.freeze(this);
  }

  toString(): string {
    return `[ForeignHandle ${this.foreignKind} ${this.foreignName} from ${this.sourceLabel}]`;
  }
}

export function isForeignHandle(value: unknown): value is ForeignHandle {
  return value instanceof ForeignHandle;
}

/** True when `handle` was made from an object of `context` (so it unwraps there). */
export function isHandleFrom(handle: ForeignHandle, context: VmContext): boolean {
  return handleOrigins.get(handle)?.source === context;
}

/** The Raya TypeError for using `handle` as an object in a context that cannot unwrap it. */
export function foreignHandleError(handle: ForeignHandle): VmError {
  return new VmError("TypeError", `a foreign handle from ${handle.sourceLabel} cannot be used here`);
}

const contextLabels = new WeakMap<VmContext, string>();
let nextContextNumber = 1;

/** "context N (file)" where N numbers contexts in the order marshalling first saw them. */
export function contextLabel(context: VmContext): string {
  let label = contextLabels.get(context);
  if (label === undefined) {
    const files = context.program.files.filter((file) => !file.name.startsWith("<"));
    label = `context ${nextContextNumber++} (${files.length > 0 ? files[0].name : "?"})`;
    contextLabels.set(context, label);
  }
  return label;
}

/** Handles by destination then original, so one object always crosses as the same handle
 *  (identity comparisons in the target keep working). The host is one destination. */
const HOST_DESTINATION = {};
const handlesByDestination = new WeakMap<object, WeakMap<object, ForeignHandle>>();

function handleFor(original: object, source: VmContext, destination: object, onAllocate: ((bytes: number) => void) | null): ForeignHandle {
  let handles = handlesByDestination.get(destination);
  if (handles === undefined) {
    handles = new WeakMap();
    handlesByDestination.set(destination, handles);
  }
  let handle = handles.get(original);
  if (handle === undefined) {
    const [kind, name] = describeForeign(original);
    handle = new ForeignHandle(contextLabel(source), kind, name);
    handleOrigins.set(handle, { source, original });
    handles.set(original, handle);
    if (onAllocate !== null) onAllocate(HANDLE_BYTES);
  }
  return handle;
}

/** A handle is an object with three fields. */
const HANDLE_BYTES = HEAP_SIZES.OBJECT_HEADER + 3 * HEAP_SIZES.SLOT;

function describeForeign(value: object): [ForeignKind, string] {
  if (value instanceof RClass) return ["class", value.name];
  if (value instanceof Closure) return ["function", value.proto.name];
  if (value instanceof BoundMethod) return ["function", value.method instanceof Closure ? value.method.proto.name : value.method.name];
  if (value instanceof NativeFunction) return ["function", value.name];
  if (value instanceof Task) return ["task", value.name];
  if (value instanceof Channel) return ["channel", "Channel"];
  if (value instanceof Mutex) return ["mutex", "Mutex"];
  if (value instanceof NativeObject) return ["object", value.nativeClass.name];
  if (value instanceof RObject) return ["object", value.layout.name];
  return ["object", "?"];
}

/** Raya values with identity or behaviour: they cross only as handles. */
function isReferenceOnly(value: object): boolean {
  return (
    value instanceof Closure ||
    value instanceof BoundMethod ||
    value instanceof RClass ||
    value instanceof NativeFunction ||
    value instanceof Task ||
    value instanceof Channel ||
    value instanceof Mutex ||
    value instanceof NativeObject
  );
}

// ---------------------------------------------------------------------------------------------
// The walk shared by the three conversions

const enum Fill {
  Array,
  Fields,
  Map,
  Set,
  HostObject,
}

/** A container whose shell exists in the destination and whose contents are still to copy. */
interface Job {
  fill: Fill;
  source: unknown;
  copy: unknown;
  /** Host objects: the keys read when the shell was made. */
  keys: string[] | null;
  parent: Job | null;
  /** This container's path segment under its parent (".tags", "[3]"). */
  segment: string;
  depth: number;
}

/** Converts a leaf, or makes a container's empty shell and schedules its contents. */
abstract class Walk {
  private readonly memo = new Map<unknown, unknown>();
  private readonly work: Job[] = [];
  protected readonly onAllocate: ((bytes: number) => void) | null;
  private readonly maxDepth: number;
  /** Where the value now being converted sits, for MarshalError paths. */
  protected current: Job | null = null;
  protected currentSegment = "";

  constructor(options: MarshalOptions) {
    this.onAllocate = options.onAllocate ?? null;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  run(root: unknown): unknown {
    const result = this.convert(root, null, "");
    const work = this.work;
    while (work.length > 0) {
      const job = work.pop()!;
      this.fill(job);
    }
    return result;
  }

  /** The destination value for `value`, found at `segment` under `parent`. */
  protected convert(value: unknown, parent: Job | null, segment: string): unknown {
    if (typeof value !== "object" || value === null) return this.leaf(value, parent, segment);
    const seen = this.memo.get(value);
    if (seen !== undefined) return seen;
    this.current = parent;
    this.currentSegment = segment;
    return this.object(value, parent, segment);
  }

  protected remember(source: unknown, copy: unknown): void {
    this.memo.set(source, copy);
  }

  /** Records a shell and queues its contents; fails when nesting exceeds maxDepth. */
  protected schedule(fill: Fill, source: unknown, copy: unknown, keys: string[] | null, parent: Job | null, segment: string): void {
    const depth = parent === null ? 1 : parent.depth + 1;
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`);
    this.memo.set(source, copy);
    this.work.push({ fill, source, copy, keys, parent, segment, depth });
  }

  protected charge(bytes: number): void {
    if (this.onAllocate !== null) this.onAllocate(bytes);
  }

  protected fail(message: string): never {
    throw new MarshalError(message, pathOf(this.current, this.currentSegment));
  }

  protected abstract leaf(value: unknown, parent: Job | null, segment: string): unknown;
  protected abstract object(value: object, parent: Job | null, segment: string): unknown;
  protected abstract fill(job: Job): void;

  // Fills shared by the conversions: element i of an array, entries of a Map or Set.

  protected fillArray(job: Job): void {
    const source = job.source as unknown[];
    const copy = job.copy as unknown[];
    for (let i = 0; i < source.length; i++) copy[i] = this.convert(source[i], job, `[${i}]`);
  }

  protected fillMap(job: Job): void {
    const copy = job.copy as Map<unknown, unknown>;
    let i = 0;
    for (const [key, value] of job.source as Map<unknown, unknown>) {
      const keyCopy = this.convert(key, job, `.keys()[${i}]`);
      copy.set(keyCopy, this.convert(value, job, `.get(${describeKey(key, i)})`));
      i++;
    }
  }

  protected fillSet(job: Job): void {
    const copy = job.copy as Set<unknown>;
    let i = 0;
    for (const item of job.source as Set<unknown>) copy.add(this.convert(item, job, `.values()[${i++}]`));
  }
}

function describeKey(key: unknown, index: number): string {
  return typeof key === "string" || typeof key === "number" ? JSON.stringify(key) : `#${index}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function keySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** "$" followed by the segments from the root down; built only when a conversion fails. */
function pathOf(parent: Job | null, segment: string): string {
  const segments = [segment];
  for (let job = parent; job !== null; job = job.parent) segments.push(job.segment);
  return "$" + segments.reverse().join("");
}

// ---------------------------------------------------------------------------------------------
// Context to context

/**
 * Deep copy of `value` from `from`'s heap into `to`'s: primitives as they are; arrays, Map,
 * Set and object literals copied (object literals get `to`'s layout for the same field list);
 * Error instances re-created as `to`'s prelude errors; everything with identity or behaviour
 * becomes a ForeignHandle, and a handle made from an object of `to` becomes that object again.
 */
export function copyBetween(value: unknown, from: VmContext, to: VmContext, options: MarshalOptions = {}): unknown {
  return guard(() => new ContextCopy(from, to, options).run(value));
}

class ContextCopy extends Walk {
  private readonly layouts = new Map<Layout, Layout>();

  constructor(
    private readonly from: VmContext,
    private readonly to: VmContext,
    options: MarshalOptions,
  ) {
    super(options);
  }

  protected leaf(value: unknown): unknown {
    if (value === undefined) return null;
    if (this.onAllocate !== null && (typeof value === "string" || typeof value === "number")) this.charge(sizeOf(value));
    return value;
  }

  protected object(value: object, parent: Job | null, segment: string): unknown {
    if (Array.isArray(value)) {
      const copy = new Array<unknown>(value.length);
      this.charge(arrayBytes(value.length));
      this.schedule(Fill.Array, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof RObject) return this.robject(value, parent, segment);
    if (value instanceof Map) {
      const copy = new Map();
      this.charge(mapBytes(value.size));
      this.schedule(Fill.Map, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof Set) {
      const copy = new Set();
      this.charge(setBytes(value.size));
      this.schedule(Fill.Set, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof ForeignHandle) return this.passHandle(value);
    if (value === ABSENT) return null;
    if (isReferenceOnly(value)) return this.handle(value);
    return this.fail(`a ${value.constructor?.name ?? "value"} cannot cross a context boundary`);
  }

  private robject(value: RObject, parent: Job | null, segment: string): unknown {
    const isError: boolean = this.from.isErrorInstance(value);
    if (isError) {
      const copy = copyError(value, this.from, this.to);
      this.charge(robjectBytes(copy.fields.length));
      this.remember(value, copy);
      return copy;
    }
    if (value.layout instanceof RClass) return this.handle(value);
    const copy = new RObject(this.targetLayout(value.layout), new Array<unknown>(value.fields.length));
    this.charge(robjectBytes(value.fields.length));
    this.schedule(Fill.Fields, value, copy, null, parent, segment);
    return copy;
  }

  private targetLayout(layout: Layout): Layout {
    let target = this.layouts.get(layout);
    if (target === undefined) {
      target = this.to.layoutForFields(layout.fieldNames);
      this.layouts.set(layout, target);
    }
    return target;
  }

  private handle(value: object): ForeignHandle {
    const handle = handleFor(value, this.from, this.to, this.onAllocate);
    this.remember(value, handle);
    return handle;
  }

  /** A handle going home unwraps; any other handle stays the same inert handle. */
  private passHandle(handle: ForeignHandle): unknown {
    const origin = handleOrigins.get(handle);
    return origin !== undefined && origin.source === this.to ? origin.original : handle;
  }

  protected fill(job: Job): void {
    switch (job.fill) {
      case Fill.Array:
        return this.fillArray(job);
      case Fill.Fields: {
        const source = job.source as RObject;
        const copy = job.copy as RObject;
        const names = source.layout.fieldNames;
        for (let i = 0; i < names.length; i++) copy.fields[i] = this.convert(source.fields[i], job, keySegment(names[i]));
        return;
      }
      case Fill.Map:
        return this.fillMap(job);
      case Fill.Set:
        return this.fillSet(job);
    }
  }
}

const PRELUDE_ERROR_NAMES = new Set(["Error", "TypeError", "RangeError", "SyntaxError"]);

/** `error` as a new instance of `to`'s prelude error class of the same name; user subclasses
 *  become `to`'s Error. name, message and stack are copied as strings; other fields are not. */
function copyError(error: RObject, from: VmContext, to: VmContext): RObject {
  const layout = error.layout;
  const name = layout.name;
  const isPreludeClass = PRELUDE_ERROR_NAMES.has(name) && (!(layout instanceof RClass) || from.intrinsic(name) === layout);
  const kind = isPreludeClass ? (name as "Error" | "TypeError" | "RangeError" | "SyntaxError") : "Error";
  const copy = to.makeError(kind, stringField(error, "message"), []);
  setStringField(copy, "name", stringField(error, "name"));
  setStringField(copy, "stack", stringField(error, "stack"));
  return copy;
}

function stringField(object: RObject, name: string): string {
  const slot = object.layout.fieldIndex.get(name);
  const value = slot === undefined ? null : object.fields[slot];
  return typeof value === "string" ? value : "";
}

function setStringField(object: RObject, name: string, value: string): void {
  const slot = object.layout.fieldIndex.get(name);
  if (slot !== undefined) object.fields[slot] = value;
}

// ---------------------------------------------------------------------------------------------
// Raya to host JavaScript

/**
 * `value` of context `from` as plain JavaScript: arrays, null-prototype objects for object
 * literals (own data properties, so "__proto__" is an ordinary key), Map, Set, primitives.
 * Class instances (errors included), functions, classes and Tasks become ForeignHandles the
 * host may pass back through fromHost.
 */
export function toHost(value: unknown, from: VmContext, options: MarshalOptions = {}): unknown {
  return guard(() => new HostExport(from, options).run(value));
}

class HostExport extends Walk {
  constructor(
    private readonly from: VmContext,
    options: MarshalOptions,
  ) {
    super(options);
  }

  protected leaf(value: unknown): unknown {
    return value === undefined ? null : value;
  }

  protected object(value: object, parent: Job | null, segment: string): unknown {
    if (Array.isArray(value)) {
      const copy = new Array<unknown>(value.length);
      this.schedule(Fill.Array, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof RObject) {
      if (value.layout instanceof RClass || this.from.isErrorInstance(value)) return this.handle(value);
      const copy: Record<string, unknown> = Object.create(null);
      this.schedule(Fill.Fields, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof Map) {
      const copy = new Map();
      this.schedule(Fill.Map, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof Set) {
      const copy = new Set();
      this.schedule(Fill.Set, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof ForeignHandle) return value;
    if (value === ABSENT) return null;
    if (isReferenceOnly(value)) return this.handle(value);
    return this.fail(`a ${value.constructor?.name ?? "value"} cannot be given to the host`);
  }

  private handle(value: object): ForeignHandle {
    const handle = handleFor(value, this.from, HOST_DESTINATION, null);
    this.remember(value, handle);
    return handle;
  }

  protected fill(job: Job): void {
    switch (job.fill) {
      case Fill.Array:
        return this.fillArray(job);
      case Fill.Fields: {
        const source = job.source as RObject;
        const names = source.layout.fieldNames;
        for (let i = 0; i < names.length; i++) {
          defineData(job.copy as object, names[i], this.convert(source.fields[i], job, keySegment(names[i])));
        }
        return;
      }
      case Fill.Map:
        return this.fillMap(job);
      case Fill.Set:
        return this.fillSet(job);
    }
  }
}

/** An own enumerable data property, even for "__proto__" (plain assignment would set the prototype). */
function defineData(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// Host JavaScript to Raya

/**
 * Plain JavaScript as a value of context `to`: numbers, strings, booleans, null (undefined
 * becomes null), arrays, plain objects (→ object literals with `to`'s layout for their keys
 * in property order), Map, Set; a ForeignHandle unwraps when `to` is its source and stays an
 * inert handle otherwise. Anything else fails with MarshalError.
 */
export function fromHost(value: unknown, to: VmContext, options: MarshalOptions = {}): unknown {
  return guard(() => new HostImport(to, options).run(value));
}

class HostImport extends Walk {
  private readonly layouts = new Map<string, Layout>();

  constructor(
    private readonly to: VmContext,
    options: MarshalOptions,
  ) {
    super(options);
  }

  protected leaf(value: unknown, parent: Job | null, segment: string): unknown {
    switch (typeof value) {
      case "string":
      case "number":
        this.charge(sizeOf(value));
        return value;
      case "boolean":
        return value;
      case "undefined":
        return null;
    }
    if (value === null) return null;
    this.current = parent;
    this.currentSegment = segment;
    return this.fail(`a ${typeof value} cannot be given to Raya`);
  }

  /** A Proxy trap may throw while the value is inspected: that becomes a MarshalError here. */
  protected object(value: object, parent: Job | null, segment: string): unknown {
    try {
      return this.hostObject(value, parent, segment);
    } catch (error) {
      if (error instanceof MarshalError) throw error;
      this.current = parent;
      this.currentSegment = segment;
      return this.fail(`inspecting the value threw: ${describeThrown(error)}`);
    }
  }

  private hostObject(value: object, parent: Job | null, segment: string): unknown {
    const proto = Object.getPrototypeOf(value);
    if (Array.isArray(value) && proto === Array.prototype) {
      const copy = new Array<unknown>(value.length);
      this.charge(arrayBytes(value.length));
      this.schedule(Fill.Array, value, copy, null, parent, segment);
      return copy;
    }
    if (proto === Object.prototype || proto === null) return this.plainObject(value, parent, segment);
    if (value instanceof Map && proto === Map.prototype) {
      const copy = new Map();
      this.charge(mapBytes(value.size));
      this.schedule(Fill.Map, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof Set && proto === Set.prototype) {
      const copy = new Set();
      this.charge(setBytes(value.size));
      this.schedule(Fill.Set, value, copy, null, parent, segment);
      return copy;
    }
    if (value instanceof ForeignHandle) {
      const origin = handleOrigins.get(value);
      return origin !== undefined && origin.source === this.to ? origin.original : value;
    }
    const name = typeof value === "function" ? "function" : `${(proto?.constructor?.name as string | undefined) ?? "exotic"} object`;
    return this.fail(`a ${name} cannot be given to Raya`);
  }

  private plainObject(value: object, parent: Job | null, segment: string): RObject {
    const keys = Reflect.ownKeys(value);
    for (const key of keys) {
      if (typeof key !== "string") this.fail("an object with a symbol key cannot be given to Raya");
    }
    const fieldNames = keys as string[];
    const copy = new RObject(this.layoutFor(fieldNames), new Array<unknown>(fieldNames.length));
    this.charge(robjectBytes(fieldNames.length));
    this.schedule(Fill.HostObject, value, copy, fieldNames, parent, segment);
    return copy;
  }

  private layoutFor(fields: string[]): Layout {
    const key = JSON.stringify(fields); // unambiguous for any key, even "" or one containing U+0000
    let layout = this.layouts.get(key);
    if (layout === undefined) {
      layout = this.to.layoutForFields(fields);
      this.layouts.set(key, layout);
    }
    return layout;
  }

  protected fill(job: Job): void {
    switch (job.fill) {
      case Fill.Array: {
        // Read through the array (not its iterator) so holes read as undefined → null.
        const source = job.source as unknown[];
        const copy = job.copy as unknown[];
        for (let i = 0; i < copy.length; i++) copy[i] = this.convert(this.read(source, i, job, `[${i}]`), job, `[${i}]`);
        return;
      }
      case Fill.HostObject: {
        const keys = job.keys!;
        const copy = job.copy as RObject;
        for (let i = 0; i < keys.length; i++) {
          const segment = keySegment(keys[i]);
          copy.fields[i] = this.convert(this.read(job.source as object, keys[i], job, segment), job, segment);
        }
        return;
      }
      case Fill.Map:
        return this.fillMap(job);
      case Fill.Set:
        return this.fillSet(job);
    }
  }

  /** A property read that may run a host getter: its exception becomes a MarshalError here. */
  private read(source: object, key: string | number, job: Job, segment: string): unknown {
    try {
      return (source as Record<string | number, unknown>)[key];
    } catch (error) {
      this.current = job;
      this.currentSegment = segment;
      return this.fail(`reading the property threw: ${describeThrown(error)}`);
    }
  }
}

function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "an unprintable value";
  }
}

/** Any JavaScript exception escaping a conversion (a Proxy trap, say) becomes a MarshalError. */
function guard<T>(convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (error instanceof MarshalError) throw error;
    throw new MarshalError(`conversion failed: ${describeThrown(error)}`, "$");
  }
}

// ---------------------------------------------------------------------------------------------
// Benchmark helper

/** Copies `value` from `outer` into `inner` and the copy back out again, as an entry argument
 *  and its result would travel; returns the value that came back. */
export function marshalInAndOut(value: unknown, outer: VmContext, inner: VmContext): unknown {
  const inside = copyBetween(value, outer, inner);
  return copyBetween(inside, inner, outer);
}
