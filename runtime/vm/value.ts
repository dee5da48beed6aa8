// The run-time representation of Raya values (docs/architecture.md, "Values"). Numbers,
// strings, booleans, null, arrays, Map and Set are the JavaScript values themselves; the
// classes below are the rest. None of them holds a JavaScript closure, so a context's state
// stays plain data that a snapshot can serialise.
import type { ClassLayout, FunctionProto } from "../bytecode/module";

/** A missing argument. Only default-parameter prologues ever see it. */
export class Absent {
  toString(): string {
    return "<absent>";
  }
}
export const ABSENT = new Absent();

/** A captured variable. Each scope entry gets a fresh box, so each loop iteration has its own `let`. */
export class Box {
  constructor(public value: unknown) {}
}

/** A function of the program, prepared for the interpreter: the proto plus its inline caches.
 *  Each context has its own (inline caches key on the context's layouts and hold its
 *  closures; the debugger patches a context's own copy of `code`). */
export class FunctionInfo {
  readonly name: string;
  readonly code: Int32Array;
  readonly arity: number;
  readonly hasRest: boolean;
  readonly numLocals: number;
  /** Stack slots a frame may need: locals, operand stack and slack for argument shuffles. */
  readonly frameSize: number;
  readonly isAsync: boolean;
  /** The arity when a call with exactly that many arguments needs no adjustment (not async,
   *  no rest parameter), else -1: the interpreter's fast call path tests only this. */
  readonly plainArity: number;
  // The inline caches, allocated the first time the function's code looks at them: most of the
  // prelude never runs in a given context, and a context is cheap to create only if it does
  // not pay four code-sized tables for every function it might call.
  private keys: unknown[] | null = null;
  private targets: unknown[] | null = null;
  private slots: Int32Array | null = null;
  private kinds: Int32Array | null = null;

  constructor(
    readonly index: number,
    readonly proto: FunctionProto,
    readonly fileName: string,
  ) {
    this.name = proto.name;
    this.code = proto.code;
    this.arity = proto.arity;
    this.hasRest = proto.hasRest;
    this.numLocals = proto.numLocals;
    this.frameSize = proto.numLocals + proto.maxStack + 4;
    this.isAsync = proto.isAsync;
    this.plainArity = proto.isAsync || proto.hasRest ? -1 : proto.arity;
  }

  /** Inline caches indexed by the pc of the instruction that owns them: the receiver's key... */
  get icKeys(): unknown[] {
    const keys = this.keys;
    return keys !== null ? keys : this.allocateCaches().keys;
  }

  /** ...what the call or access resolved to... */
  get icTargets(): unknown[] {
    const targets = this.targets;
    return targets !== null ? targets : this.allocateCaches().targets;
  }

  /** ...the field slot of a property access... */
  get icSlots(): Int32Array {
    const slots = this.slots;
    return slots !== null ? slots : this.allocateCaches().slots;
  }

  /** ...and the kind of entry (interpreter.ts IcKind). */
  get icKinds(): Int32Array {
    const kinds = this.kinds;
    return kinds !== null ? kinds : this.allocateCaches().kinds;
  }

  /** Entries of each inline-cache table: 0 until the function's code first used them. */
  get cacheLength(): number {
    return this.keys === null ? 0 : this.code.length;
  }

  private allocateCaches(): { keys: unknown[]; targets: unknown[]; slots: Int32Array; kinds: Int32Array } {
    const length = this.code.length;
    const caches = {
      keys: new Array<unknown>(length).fill(null),
      targets: new Array<unknown>(length).fill(null),
      slots: new Int32Array(length),
      kinds: new Int32Array(length),
    };
    this.keys = caches.keys;
    this.targets = caches.targets;
    this.slots = caches.slots;
    this.kinds = caches.kinds;
    return caches;
  }

  /** Source position of the instruction at `pc` from the line table. */
  positionAt(pc: number): { line: number; column: number } {
    const lines = this.proto.lines;
    let lo = 0;
    let hi = lines.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (lines[mid].pc <= pc) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return { line: this.proto.line, column: this.proto.column };
    return { line: lines[found].line, column: lines[found].column };
  }
}

export class Closure {
  constructor(
    readonly proto: FunctionInfo,
    readonly captures: Box[],
  ) {}
}

/** A method read as a value: calling it passes `receiver` as `this`. */
export class BoundMethod {
  constructor(
    readonly receiver: unknown,
    readonly method: Closure | NativeFunction,
  ) {}
}

/**
 * A native reads its receiver (or callee) at stack[at] and its arguments at stack[at + 1 ..
 * at + argc] straight from the task's stack: no argument array is allocated per call.
 */
export type NativeImpl = (vm: NativeHost, stack: unknown[], at: number, argc: number) => unknown;

/** What natives may ask of the VM. */
export interface NativeHost {
  /** Appends a line to the program's output. */
  print(line: string): void;
  /** Suspends the calling Task for `ms` milliseconds (the native then returns SUSPEND). */
  sleep(ms: number): void;
  /** Requests cancellation of a Task. */
  cancelTask(task: unknown): void;
}

/** Natives that read where they were called (the calling Task's frame and pc): the
 *  interpreter calls them out of line, where that position has been saved. */
export const REPORTS_CALL_SITE = new WeakSet<NativeImpl>();

/** Returned by a native that has suspended the calling Task. */
export const SUSPEND = { suspend: true };

/** A builtin: a function (`parseInt`), a namespace (`Math`), a class (`Map`) or several at once (`String`). */
export class NativeFunction {
  constructor(
    readonly name: string,
    readonly call: NativeImpl | null,
    readonly members: Map<string, unknown> | null = null,
    readonly construct: NativeImpl | null = null,
    readonly instanceTest: ((value: unknown) => boolean) | null = null,
  ) {}
}

/**
 * The class of a native object (raya:vm's Vm and Compiler): its methods and read-only
 * properties. The class object itself is the inline-cache key of its method calls.
 */
export class NativeClass {
  constructor(
    readonly name: string,
    readonly methods: ReadonlyMap<string, NativeImpl>,
    readonly properties: ReadonlyMap<string, (self: never) => unknown>,
    /** Methods that start a Task in the calling context (a debugger foresees maxTasks). */
    readonly taskStartingMethods: ReadonlySet<string> = new Set(),
  ) {}
}

/**
 * An object implemented by the VM rather than by Raya code. Unlike the other values here it
 * holds host state (an inner VM holds its context's handle), so it cannot be snapshotted or
 * copied into another context (it crosses as a foreign handle).
 */
export abstract class NativeObject {
  abstract readonly nativeClass: NativeClass;
  /** What console.log shows between the braces: "id: 2, name: 'plugin', state: 'ready'". */
  abstract describe(): string;
  /** Bytes the object keeps alive, as a limited context's heap account prices it. */
  abstract retainedBytes(): number;
}

/** The fixed layout of an object: field names in slot order, and (for classes) methods. */
export class Layout {
  /** Slot by field name; shared by every layout with the same field list (never written). */
  readonly fieldIndex: ReadonlyMap<string, number>;
  /** Instance methods, getters and setters, inherited ones included. A class that adds none of
   *  a kind shares its parent's table (createClass copies a table before adding to it). */
  methods: Map<string, Closure> = EMPTY_METHODS;
  getters: Map<string, Closure> = EMPTY_METHODS;
  setters: Map<string, Closure> = EMPTY_METHODS;

  constructor(
    readonly name: string,
    readonly fieldNames: readonly string[],
  ) {
    this.fieldIndex = slotIndex(fieldNames);
  }
}
export const EMPTY_METHODS: Map<string, Closure> = new Map();

/** Slot indexes by field-name list. A Program's class layouts keep their lists for life, so
 *  every context of the Program shares one index per class instead of building its own. */
const slotIndexes = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

function slotIndex(names: readonly string[]): ReadonlyMap<string, number> {
  let index = slotIndexes.get(names);
  if (index === undefined) {
    const built = new Map<string, number>();
    names.forEach((name, slot) => built.set(name, slot));
    slotIndexes.set(names, built);
    index = built;
  }
  return index;
}

/** A class value, created by CLASS. It is also the layout of its instances. */
export class RClass extends Layout {
  readonly staticIndex: ReadonlyMap<string, number>;
  readonly statics: unknown[];
  /** EMPTY_METHODS until createClass adds a static member of the kind. */
  staticMethods = EMPTY_METHODS;
  staticGetters = EMPTY_METHODS;
  staticSetters = EMPTY_METHODS;
  /** 0 not yet known, 1 the class is Error or extends it, 2 it does not. */
  errorState = 0;

  constructor(
    readonly classIndex: number,
    readonly layoutInfo: ClassLayout,
    readonly parent: RClass | null,
    readonly constructorClosure: Closure | null,
  ) {
    super(layoutInfo.name, layoutInfo.fields);
    this.staticIndex = slotIndex(layoutInfo.staticFields);
    this.statics = new Array<unknown>(layoutInfo.staticFields.length).fill(null);
  }
}

/** A class instance or an object literal. */
export class RObject {
  constructor(
    public layout: Layout,
    public fields: unknown[],
  ) {}
}

/** for...of state: `items` is the array itself, or a snapshot of a string, Map or Set. */
export class RIterator {
  index = 0;
  constructor(readonly items: readonly unknown[]) {}
}

/** Receiver kinds used as inline-cache keys for values that have no layout. */
export const STRING_KEY = { kind: "string" };
export const NUMBER_KEY = { kind: "number" };
export const BOOLEAN_KEY = { kind: "boolean" };
export const ARRAY_KEY = { kind: "array" };
export const MAP_KEY = { kind: "map" };
export const SET_KEY = { kind: "set" };
export const TASK_KEY = { kind: "task" };
export const CHANNEL_KEY = { kind: "channel" };
export const MUTEX_KEY = { kind: "mutex" };

/** Name shown for a function value, as in `[Function: name]`. */
export function functionName(value: unknown): string {
  if (value instanceof Closure) return shortName(value.proto.name);
  if (value instanceof BoundMethod) return functionName(value.method);
  if (value instanceof NativeFunction) return value.name;
  if (value instanceof RClass) return value.name;
  return "";
}

/** "Point.move" → "move"; "<anonymous>" stays as is. */
function shortName(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 && !name.startsWith("<") ? name.slice(dot + 1) : name;
}

export function isAnonymousName(name: string): boolean {
  return name === "" || name.startsWith("<");
}
