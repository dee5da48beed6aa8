// A VmContext is one isolated Raya world: a program, its globals, its Tasks and its
// statistics. Several contexts may share one Scheduler; nothing here is global state.
import type { Program } from "../bytecode/module";
import { createBuiltins } from "./builtins";
import { chargeHeap, type ContextError, type TraceFrame, type VmErrorKind } from "./errors";
import type { InnerVmHost } from "./inner-vm";
import { NEW_TASK_BYTES, stringBytes, type HeapAccount } from "./heap";
import type { Scheduler } from "./scheduler";
import { formatLogLine, toRayaString } from "./format";
import { Task, TaskState } from "./task";
import { Closure, FunctionInfo, Layout, RClass, RObject, type NativeHost } from "./value";

/** What the multi-context Runtime (runtime/vm/runtime.ts) does for a context it owns: limits,
 *  capabilities and task notifications. Null for a context run alone by runProgram. */
export interface ContextOwner {
  /** The fuel for the next slice of one of this context's Tasks (at most `slice`). */
  sliceFuel(slice: number): number;
  /** After a slice (status is a RunStatus); true when the owner ended the context, so the
   *  scheduler must forget `task`. */
  afterSlice(task: Task, status: number): boolean;
  taskCreated(task: Task): void;
  taskEnded(task: Task): void;
  /** The interpreter threw a JavaScript exception while running one of this context's Tasks. */
  crashed(error: unknown): void;
  /** The value of granted capability `name`, or undefined. */
  capability(name: string): unknown;
}

/** What a debugger (runtime/debug) does for a context it is attached to. */
export interface DebugHooks {
  /** Runs one slice of `task` instead of the scheduler's `interpret(task, fuel)`; returns a
   *  RunStatus other than Breakpoint. */
  runSlice(task: Task, fuel: number): number;
  /** The interpreter caught a throw at `pc` in `task`'s top frame, before unwinding; true
   *  stops the Task there (interpret returns RunStatus.Breakpoint). */
  onThrow(task: Task, thrown: unknown, pc: number): boolean;
  /** While the context is paused, the Tasks for which this is true still run (a step of one thread). */
  runsWhilePaused(task: Task): boolean;
}

export type StackFrameInfo = TraceFrame;

/** Frames beyond this many (innermost first) are left out of stack traces, as V8 does. */
const STACK_TRACE_LIMIT = 50;

export class VmContext implements NativeHost {
  /** The program's functions prepared for this context (emptied by release()). */
  functions: FunctionInfo[];
  /** The constant pool as JavaScript values: primitives, in one array shared by every context
   *  of the Program. Never written (not frozen only because frozen arrays load slower in the
   *  interpreter's loop). */
  readonly constants: unknown[];
  readonly globals: unknown[];
  readonly output: string[] = [];
  readonly builtins: Map<string, unknown>;
  /** Layouts of object-literal shapes by class index (null for classes). */
  shapeLayouts: (Layout | null)[];
  readonly tasks = new Set<Task>();
  stepsExecuted = 0;
  /** The Task the interpreter is running, for natives such as sleep. */
  currentTask: Task | null = null;
  /** Set by runtime/debug while a debugger is attached; null otherwise, so the interpreter and
   *  the scheduler pay one null test per slice (and per throw) when nobody debugs. */
  debugHooks: DebugHooks | null = null;
  /** Set by runtime/vm/runtime.ts for the contexts it owns; null otherwise. */
  owner: ContextOwner | null = null;
  /** Set by a debugger: the scheduler holds this context's Tasks (except those
   *  debugHooks.runsWhilePaused allows) until Scheduler.release(context). */
  paused = false;
  /** Slices this context's ready Tasks get per scheduler round (see Scheduler). */
  weight = 1;
  /** The account allocation sites charge when the context has a maxHeapBytes (set by
   *  runtime/vm/runtime.ts); null otherwise, so an unlimited context pays one null test per
   *  allocation (docs/heap-accounting.md). */
  heap: HeapAccount | null = null;
  /** What `raya:vm` in this context creates inner VMs on (attachInnerVms); null: it cannot. */
  innerVms: InnerVmHost | null = null;
  /** "Uncaught (in task worker#3) Error: ..." lines for failed Tasks nobody awaited. */
  readonly errorOutput: string[] = [];
  /** Receives those lines; when null they go to process.stderr. */
  onError: ((line: string) => void) | null = null;
  /** The program's intrinsics by name ("Array.map" -> global index), shared by its contexts. */
  private readonly intrinsicGlobals: ReadonlyMap<string, number>;
  // Made on first use: many contexts never build an object literal from a new key list.
  private layoutsByFields: Map<string, Layout> | null = null;
  private fallbackErrorClasses: Map<string, Layout> | null = null;
  private nextTaskId = 1;

  constructor(
    readonly program: Program,
    readonly scheduler: Scheduler,
    private onOutput: ((line: string) => void) | null = null,
  ) {
    const shared = programTables(program);
    // FunctionInfos are the context's own (inline caches, the debugger's code patches); their
    // inline caches are allocated when a function first runs (value.ts).
    const functions = new Array<FunctionInfo>(program.functions.length);
    for (let i = 0; i < functions.length; i++) functions[i] = new FunctionInfo(i, program.functions[i], shared.fileNames[i]);
    this.functions = functions;
    this.constants = shared.constants as unknown[];
    this.globals = new Array<unknown>(program.globals.length).fill(null);
    this.intrinsicGlobals = shared.intrinsicGlobals;
    this.shapeLayouts = program.classes.map((cls) => (cls.kind === "shape" ? this.layoutForFields(cls.fields) : null));
    this.builtins = createBuiltins();
  }

  /**
   * Drops the tables only running code needs (functions with their inline caches, builtins,
   * object-literal layouts) once the context has exited for good and no Task of it is inside
   * the interpreter: its owner keeps the context for its statistics, and a host that creates
   * many short-lived contexts must not keep each one's tables alive.
   */
  release(): void {
    this.functions = [];
    this.shapeLayouts = [];
    this.builtins.clear();
    this.layoutsByFields = null;
    this.innerVms = null;
    this.onOutput = null;
    this.onError = null;
  }

  /** The prelude value registered as intrinsic `name` ("Array.map", "Error"), or null. */
  intrinsic(name: string): unknown {
    const global = this.intrinsicGlobals.get(name);
    return global === undefined ? null : this.globals[global];
  }

  /** The one shared layout of object literals with exactly these fields in this order. */
  layoutForFields(fields: readonly string[]): Layout {
    const key = JSON.stringify(fields); // unambiguous for any key, even "" or one containing U+0000
    const layouts = (this.layoutsByFields ??= new Map());
    let layout = layouts.get(key);
    if (layout === undefined) {
      layout = new Layout("Object", fields.slice());
      layouts.set(key, layout);
    }
    return layout;
  }

  newTask(name: string): Task {
    if (this.heap !== null) chargeHeap(this.heap, NEW_TASK_BYTES);
    const task = new Task(this.nextTaskId++, name, this);
    this.tasks.add(task);
    if (this.owner !== null) this.owner.taskCreated(task);
    return task;
  }

  // ---- NativeHost

  /** Writes console.log text: each line of it is one output line. */
  print(text: string): void {
    const lines = text.includes("\n") ? text.split("\n") : [text];
    for (const line of lines) {
      // The context keeps every line in `output`, which its heap account traces.
      if (this.heap !== null) chargeHeap(this.heap, stringBytes(line));
      this.output.push(line);
      if (this.onOutput !== null) this.onOutput(line);
      if (this.printObserver !== null) this.printObserver(line, this.currentTask);
    }
  }

  /** Set by a debugger: sees each printed line with the Task printing it (null outside one),
   *  whose frame pc (framePc[fp] - 1) lies in the calling instruction. */
  printObserver: ((line: string, task: Task | null) => void) | null = null;

  sleep(ms: number): void {
    const task = this.currentTask;
    if (task !== null) this.scheduler.sleep(task, ms);
  }

  cancelTask(task: unknown): void {
    if (task instanceof Task) this.scheduler.cancel(task);
  }

  // ---- errors and stack traces

  /** Reports a Task that failed while no Task awaited it (the scheduler decides when). */
  reportUncaughtTaskError(task: Task): void {
    const line = `Uncaught (in task ${task.label}) ${this.describeThrown(task.result)}`;
    this.errorOutput.push(line);
    if (this.onError !== null) this.onError(line);
    else process.stderr.write(line + "\n");
  }

  /** "TypeError: message" for an Error instance, the logged form of any other thrown value. */
  describeThrown(thrown: unknown): string {
    if (this.isErrorInstance(thrown)) {
      const name = thrown.layout instanceof RClass ? thrown.layout.name : toRayaString(getField(thrown, "name"));
      const message = toRayaString(getField(thrown, "message"));
      return message === "" ? name : `${name}: ${message}`;
    }
    return formatLogLine([thrown]);
  }

  /** True when `cls` is the prelude's Error class or a subclass of it. */
  isErrorClass(cls: RClass): boolean {
    if (cls.errorState !== 0) return cls.errorState === 1;
    const errorClass = this.intrinsic("Error");
    if (errorClass === null) return false;
    let walk: RClass | null = cls;
    while (walk !== null && walk !== errorClass) walk = walk.parent;
    cls.errorState = walk === null ? 2 : 1;
    return walk !== null;
  }

  isErrorInstance(value: unknown): value is RObject {
    if (!(value instanceof RObject)) return false;
    const layout = value.layout;
    if (layout instanceof RClass) return this.isErrorClass(layout);
    return this.fallbackErrorClasses !== null && this.fallbackErrorClasses.get(layout.name) === layout;
  }

  /** The Raya stack of `task`, innermost first; the top frame is at `topPc`. */
  captureTrace(task: Task, topPc: number): StackFrameInfo[] {
    const frames: StackFrameInfo[] = [];
    for (let i = task.fp; i >= 0 && frames.length < STACK_TRACE_LIMIT; i--) {
      const fn = task.frameClosure[i].proto;
      const pc = i === task.fp ? topPc : task.framePc[i] - 1;
      const { line, column } = fn.positionAt(pc);
      frames.push({ function: fn.name, file: fn.fileName, line, column });
    }
    return frames;
  }

  /** A new instance of the prelude's error class `kind`, as if constructed at the trace's top. */
  makeError(kind: VmErrorKind, message: string, trace: StackFrameInfo[]): RObject {
    const cls = this.intrinsic(kind) ?? this.intrinsic("Error");
    const layout = cls instanceof RClass ? cls : this.fallbackErrorClass(kind);
    const error = new RObject(layout, new Array<unknown>(layout.fieldNames.length).fill(null));
    setField(error, "message", message);
    setField(error, "name", kind === "SyntaxError" && !(cls instanceof RClass && cls.name === kind) ? "SyntaxError" : layout.name);
    setField(error, "stack", formatStackText(layout.name, message, trace));
    return error;
  }

  /** An instance of the prelude's VmError class (raya:vm) describing `failure`. A RuntimeError
   *  carries the inner program's stack, so `stack` shows where the inner code failed. */
  makeVmError(failure: ContextError, trace: StackFrameInfo[]): RObject {
    const cls = this.intrinsic("VmError");
    // A hand-assembled program without the prelude gets a plain Error.
    if (!(cls instanceof RClass)) return this.makeError("Error", `${failure.kind}: ${failure.message}`, trace);
    const made = new RObject(cls, new Array<unknown>(cls.fieldNames.length).fill(null));
    const frames = failure.rayaStack ?? trace;
    setField(made, "message", failure.message);
    setField(made, "name", "VmError");
    setField(made, "kind", failure.kind);
    setField(made, "contextId", failure.contextId);
    setField(made, "stack", formatStackText(`VmError [${failure.kind}]`, failure.message, frames));
    return made;
  }

  /** Used only when a program was built without the prelude (hand-assembled tests). */
  private fallbackErrorClass(kind: string): Layout {
    const classes = (this.fallbackErrorClasses ??= new Map());
    let layout = classes.get(kind);
    if (layout === undefined) {
      layout = new Layout(kind, ["message", "name", "stack"]);
      classes.set(kind, layout);
    }
    return layout;
  }

  /** Called by the scheduler when a Task of this context finishes. */
  forgetTask(task: Task): void {
    if (task.state === TaskState.Done || task.state === TaskState.Failed || task.state === TaskState.Cancelled) {
      if (this.tasks.delete(task) && this.owner !== null) this.owner.taskEnded(task);
    }
  }

  /** The entry closure: the entry function has no captures (the verifier checks it). */
  entryClosure(): Closure {
    return new Closure(this.functions[this.program.entry], []);
  }
}

/** What every context of one Program derives from it in the same way: computed once per
 *  Program (a Program is immutable once built), so creating a context does not redo it. */
interface ProgramTables {
  /** The constant pool as JavaScript values, shared by the Program's contexts. */
  readonly constants: readonly unknown[];
  readonly fileNames: readonly string[];
  readonly intrinsicGlobals: ReadonlyMap<string, number>;
}

const tablesByProgram = new WeakMap<Program, ProgramTables>();

function programTables(program: Program): ProgramTables {
  let tables = tablesByProgram.get(program);
  if (tables === undefined) {
    const intrinsicGlobals = new Map<string, number>();
    for (const intrinsic of program.intrinsics) intrinsicGlobals.set(intrinsic.name.replace("$", "."), intrinsic.global);
    tables = {
      constants: program.constants.map((c) => c.value),
      fileNames: program.functions.map((proto) => program.files[proto.file]?.name ?? "?"),
      intrinsicGlobals,
    };
    tablesByProgram.set(program, tables);
  }
  return tables;
}

export function getField(object: RObject, name: string): unknown {
  const slot = object.layout.fieldIndex.get(name);
  return slot === undefined ? null : object.fields[slot];
}

export function setField(object: RObject, name: string, value: unknown): void {
  const slot = object.layout.fieldIndex.get(name);
  if (slot !== undefined) object.fields[slot] = value;
}

/** V8's format: "Name: message" then one "    at fn (file:line:col)" line per frame. */
export function formatStackText(name: string, message: string, trace: StackFrameInfo[]): string {
  const header = message === "" ? name : `${name}: ${message}`;
  return [header, ...trace.map((f) => `    at ${f.function} (${f.file}:${f.line}:${f.column})`)].join("\n");
}

/** Reads the frames back out of a stack text written by formatStackText. */
export function parseStackText(text: string): StackFrameInfo[] {
  const frames: StackFrameInfo[] = [];
  for (const line of text.split("\n")) {
    const match = /^ {4}at (.*) \((.*):(\d+):(\d+)\)$/.exec(line);
    if (match !== null) {
      frames.push({ function: match[1], file: match[2], line: Number(match[3]), column: Number(match[4]) });
    }
  }
  return frames;
}
