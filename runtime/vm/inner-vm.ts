// raya:vm: Raya code creating and driving inner VMs (`import { Vm, Compiler, VmError } from
// "raya:vm"`). A Vm is a ContextHandle of the Runtime the calling context is attached to, so
// inner VMs share the one scheduler and are bounded by their parent's limits.
//
// Two links join a Task of one context to a Task of another, both as CrossContextWaits:
// - runEntry/spawn/loadSource return a Task of the *outer* context that stands for the inner
//   Task: it never runs, it sits blocked until the inner TaskHandle settles and then finishes
//   with the marshalled result or a VmError. So `await`, `await [..]` and `cancel()` work on it
//   as on any Task.
// - A capability granted as a Raya function runs in a new Task of the *outer* context (the one
//   that registered it) while the inner Task that called it waits; the answer is copied back.
// Values cross only through marshal.ts (deep copies; functions as opaque handles).
import * as fs from "node:fs";
import * as path from "node:path";
import { crc32 } from "../bytecode/bytes";
import { decodeProgram } from "../bytecode/decode";
import type { Program } from "../bytecode/module";
import { encodeProgram } from "../bytecode/encode";
import { InvalidBytecodeError } from "../bytecode/errors";
import { compile } from "../compiler/compile";
import { CompileError, formatDiagnostic } from "../compiler/diagnostics";
import { arg, chargeBytes, heapOf, restArgs } from "./builtins/args";
import type { VmContext } from "./context";
import { ContextError, HeapLimitExceeded, typeError, VmError as RaisedError } from "./errors";
import { quoteString } from "./format";
import { arrayBytes, HEAP_SIZES } from "./heap";
import { copyBetween, MarshalError, fromHost } from "./marshal";
import { startTask } from "./operations";
import type { ContextHandle, ContextOptions, Runtime, TaskHandle, TaskOutcome } from "./runtime";
import type { LinkResolver, SnapshotLinks } from "./snapshot";
import { BLOCKING_NATIVES, type CrossContextWait } from "./sync";
import { Task, TaskState } from "./task";
import { ABSENT, BoundMethod, Closure, NativeClass, NativeFunction, NativeObject, RObject, SUSPEND, type NativeImpl } from "./value";

/** What raya:vm in one context creates inner VMs with. */
export class InnerVmHost {
  private readonly created = new Set<InnerVm>();

  constructor(
    readonly runtime: Runtime,
    /** The context's own handle: the inner VMs it creates are its children, bounded by it.
     *  Null for a root program run outside the Runtime (runProgram, the debugger). */
    readonly parent: ContextHandle | null,
    /** Only the root program reads source files (Compiler.compileFile). */
    readonly fileAccess: boolean,
  ) {}

  adopt(vm: InnerVm): void {
    this.created.add(vm);
  }

  /** The inner VMs this context created that have not exited: each is priced in its heap. */
  liveVms(): Iterable<NativeObject> {
    for (const vm of this.created) if (vm.handle.state === "exited") this.created.delete(vm);
    return this.created;
  }
}

/**
 * Lets Raya code in `context` create inner VMs on `runtime` (its scheduler must be the
 * context's). An inner context (fileAccess false) also loses the clock: it reaches time, like
 * files and the console, only through capabilities its host grants.
 */
export function attachInnerVms(context: VmContext, runtime: Runtime, options: { fileAccess: boolean; parent?: ContextHandle | null }): void {
  if (runtime.scheduler !== context.scheduler) throw new Error("attachInnerVms: the runtime must share the context's scheduler");
  context.innerVms = new InnerVmHost(runtime, options.parent ?? null, options.fileAccess);
  context.builtins.set("Vm", VM_CLASS);
  context.builtins.set("Compiler", COMPILER_CLASS);
  if (!options.fileAccess) context.builtins.set("Date", INNER_DATE);
}

const INNER_DATE = new NativeFunction("Date", null, new Map([["now", new NativeFunction("now", () => {
  throw new ContextError("CapabilityNotFound", "Date.now is not available in an inner VM: the clock is reached only through a capability its host grants", 0);
})]]));

function hostOf(ctx: VmContext): InnerVmHost {
  const host = ctx.innerVms;
  if (host === null) throw new ContextError("CapabilityNotFound", "this context cannot create inner VMs (it is not attached to a Runtime)", 0);
  return host;
}

// ---------------------------------------------------------------------------------------------
// Vm

class InnerVm extends NativeObject {
  readonly nativeClass = VM_NATIVE_CLASS;
  constructor(
    readonly handle: ContextHandle,
    /** The context that created it: results and capability calls land there. */
    readonly owner: VmContext,
  ) {
    super();
  }

  get label(): string {
    return `${this.handle.name}#${this.handle.id}`;
  }

  describe(): string {
    return `id: ${this.handle.id}, name: ${quoteString(this.handle.name)}, state: '${this.handle.state}'`;
  }

  /** A living inner VM holds a whole context (its program tables, Tasks, and what its program
   *  allocated): its creator pays for that, whether or not it can still reach the Vm, until it
   *  is terminated, so every context's memory is bounded by its ancestors' limits. */
  retainedBytes(): number {
    const state = this.handle.state;
    if (state === "exited") return HEAP_SIZES.OPAQUE;
    if (state === "empty") return EMPTY_CONTEXT_BYTES;
    return LOADED_CONTEXT_BYTES + this.handle.stats().heapBytesUsed;
  }
}

/** What a context costs the JavaScript heap before its program allocates anything, measured
 *  with process.memoryUsage() over 2,000 inner VMs: about 2 KB without a program and 9 KB with
 *  a small one loaded and run (the prelude's tables are shared by every context). */
export const EMPTY_CONTEXT_BYTES = 2 * 1024;
export const LOADED_CONTEXT_BYTES = 10 * 1024;
/** Steps the creator pays for a new inner VM, so a loop creating VMs meets its budget. */
const VM_CREATION_STEPS = 1000;

function self(stack: unknown[], at: number): InnerVm {
  return stack[at] as InnerVm;
}

/** Options of `new Vm(...)`/`Vm.restore(...)`: a Raya object literal, fields optional. */
function readVmOptions(value: unknown): ContextOptions {
  if (value === null) return { name: "vm" };
  if (!(value instanceof RObject)) throw typeError("Vm options must be an object like { name: \"plugin\", maxHeapBytes: 1048576 }");
  const field = (name: string): unknown => {
    const slot = value.layout.fieldIndex.get(name);
    const v = slot === undefined ? null : value.fields[slot];
    return v === ABSENT ? null : v;
  };
  const limit = (name: string): number | undefined => {
    const v = field(name);
    if (v === null) return undefined;
    if (typeof v !== "number" || !(v > 0)) throw new RaisedError("RangeError", `Vm option '${name}' must be a positive number (got ${String(v)})`);
    return v;
  };
  const name = field("name");
  if (name !== null && typeof name !== "string") throw typeError("Vm option 'name' must be a string");
  return {
    name: name ?? "vm",
    maxHeapBytes: limit("maxHeapBytes"),
    maxTasks: limit("maxTasks"),
    maxStepBudget: limit("maxStepBudget"),
    weight: limit("weight"),
  };
}

function createVm(ctx: VmContext, options: ContextOptions): InnerVm {
  const host = hostOf(ctx);
  if (host.parent !== null && host.parent.state === "exited") throw new ContextError("Terminated", "this context has exited", host.parent.id);
  chargeSteps(ctx, VM_CREATION_STEPS, "creating an inner VM");
  chargeBytes(ctx, LOADED_CONTEXT_BYTES); // it will hold a program
  const handle = host.runtime.createContext({ ...options, parent: host.parent ?? undefined });
  const vm = new InnerVm(handle, ctx);
  host.adopt(vm);
  return vm;
}

/** An int[] of bytes (program.bytecode, a snapshot) as a Uint8Array; `kind` names the failure. */
function bytesArg(value: unknown, what: string, kind: "InvalidBytecode" | "InvalidSnapshot", contextId: number): Uint8Array {
  if (!Array.isArray(value)) throw new ContextError(kind, `${what} must be an int[] of bytes`, contextId);
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const b = value[i];
    if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) {
      throw new ContextError(kind, `${what}[${i}] is ${String(b)}, not a byte (an integer 0..255)`, contextId);
    }
    bytes[i] = b;
  }
  return bytes;
}

/**
 * Bytes as a Raya int[], charged to the receiving context. The array is frozen: writing to it
 * is a TypeError (copy it with slice() to alter it), so loading the same array again can
 * reuse what was decoded from it (DecodedPrograms).
 */
function byteArray(ctx: VmContext, bytes: Uint8Array): number[] {
  if (heapOf(ctx) !== null) chargeBytes(ctx, arrayBytes(bytes.length));
  return Object.freeze(Array.from(bytes)) as number[];
}

/**
 * Programs decoded from bytes, by content: a plugin host loading one plugin into many VMs
 * decodes it (and, through the Runtime's verifyOnce, verifies it) once. Programs are
 * immutable, so sharing one between contexts is safe. A few recent ones are kept.
 */
class DecodedPrograms {
  private entries: { checksum: number; bytes: Uint8Array; program: Program }[] = [];
  /** Frozen byte arrays (compileString's) already decoded: they cannot have changed since. */
  private readonly byArray = new WeakMap<object, Program>();

  constructor(private readonly capacity: number) {}

  /** The program in `value` (an int[] of bytes), decoded at most once per content. */
  get(value: unknown, toBytes: () => Uint8Array): Program {
    const known = typeof value === "object" && value !== null ? this.byArray.get(value) : undefined;
    if (known !== undefined) return known;
    const program = this.byContent(toBytes());
    if (Array.isArray(value) && Object.isFrozen(value)) this.byArray.set(value, program);
    return program;
  }

  private byContent(bytes: Uint8Array): Program {
    const checksum = crc32(bytes);
    const index = this.entries.findIndex((e) => e.checksum === checksum && sameBytes(e.bytes, bytes));
    if (index >= 0) {
      const [hit] = this.entries.splice(index, 1);
      this.entries.unshift(hit);
      return hit.program;
    }
    const program = decodeProgram(bytes); // throws InvalidBytecodeError: nothing is cached
    this.entries.unshift({ checksum, bytes, program });
    if (this.entries.length > this.capacity) this.entries.pop();
    return program;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const decodedPrograms = new DecodedPrograms(16);

/** The outer Task standing for an inner one: blocked until `handle` settles. */
function proxyTask(vm: InnerVm, label: string, handle: TaskHandle): Task {
  const ctx = vm.owner;
  const task = ctx.newTask(`${vm.handle.name}.${label}`);
  ctx.scheduler.block(task, { kind: "context", wait: new InnerTaskWait(vm, label, handle) });
  handle.whenSettled((outcome) => settleProxy(ctx, task, handle, outcome));
  return task;
}

class InnerTaskWait implements CrossContextWait {
  constructor(
    readonly vm: InnerVm,
    private readonly label: string,
    readonly handle: TaskHandle,
  ) {}

  describe(): string {
    return `inner VM ${this.vm.label} task ${this.handle.task?.label ?? this.label}`;
  }

  /** The standing-in Task was cancelled: so is the inner Task. */
  detach(): void {
    this.handle.cancel();
  }

  answeringTask(): Task | null {
    return this.handle.task;
  }
}

function settleProxy(ctx: VmContext, task: Task, handle: TaskHandle, outcome: TaskOutcome): void {
  if (task.finished) return;
  task.blockedOn = null; // settled, not detached: the inner Task must not be cancelled now
  if (ctx.innerVms?.parent?.state === "exited") {
    // This context is ending (its inner VMs end first): the stand-in ends with it, quietly.
    ctx.scheduler.finish(task, TaskState.Cancelled, null);
    return;
  }
  if (!outcome.ok) {
    ctx.scheduler.finish(task, TaskState.Failed, ctx.makeVmError(outcome.error, []));
    return;
  }
  let value: unknown;
  try {
    // An entry's result was copied straight into this context; module init's came out to the host.
    value = handle.caller === ctx ? outcome.value : fromHost(outcome.value, ctx);
  } catch (error) {
    if (!(error instanceof MarshalError)) throw error;
    const failure = new ContextError("MarshalError", `the result of ${task.name} cannot cross into this context at ${error.path}: ${error.message}`, 0);
    ctx.scheduler.finish(task, TaskState.Failed, ctx.makeVmError(failure, []));
    return;
  }
  ctx.scheduler.finish(task, TaskState.Done, value);
}

function runEntry(vm: InnerVm, stack: unknown[], at: number, argc: number): Task {
  const name = arg(stack, at, argc, 0);
  if (typeof name !== "string") throw typeError("the entry name must be a string");
  const args = arg(stack, at, argc, 1) ?? [];
  if (!Array.isArray(args)) throw typeError(`the arguments of '${name}' must be an array`);
  // Copied straight from this context into the inner one (and the result back), never via the host.
  return proxyTask(vm, name, vm.handle.runEntry(name, args, vm.owner));
}

function stats(vm: InnerVm): RObject {
  const s = vm.handle.stats();
  const limit = (n: number): number | null => (Number.isFinite(n) ? n : null);
  const values: [string, unknown][] = [
    ["heapBytesUsed", s.heapBytesUsed],
    ["maxHeapBytes", limit(s.maxHeapBytes)],
    ["tasks", s.tasks],
    ["maxTasks", limit(s.maxTasks)],
    ["stepsExecuted", s.stepsExecuted],
    ["maxStepBudget", limit(s.maxStepBudget)],
    ["state", s.state],
  ];
  const layout = vm.owner.layoutForFields(values.map(([field]) => field));
  return new RObject(layout, values.map(([, value]) => value));
}

/** Restores snapshot bytes into the fresh `vm`; the restored Tasks a host watched, as proxies. */
function restoreInto(vm: InnerVm, bytes: unknown): Task[] {
  vm.handle.restoreFrom(bytesArg(bytes, "the snapshot", "InvalidSnapshot", vm.handle.id));
  return vm.handle.restoredTasks.map((handle) => proxyTask(vm, handle.task?.name ?? "restored", handle));
}

const VM_METHODS = new Map<string, NativeImpl>([
  ["registerCapability", (_ctx, stack, at, argc) => {
    const vm = self(stack, at);
    const name = arg(stack, at, argc, 0);
    if (typeof name !== "string" || name === "") throw typeError("a capability needs a non-empty string name");
    vm.handle.grantCapability(name, capabilityNative(name, arg(stack, at, argc, 1), vm));
    return null;
  }],
  ["loadBytecode", (_ctx, stack, at, argc) => {
    const vm = self(stack, at);
    const value = arg(stack, at, argc, 0);
    let program;
    try {
      program = decodedPrograms.get(value, () => bytesArg(value, "the bytecode", "InvalidBytecode", vm.handle.id));
    } catch (error) {
      if (error instanceof InvalidBytecodeError) throw new ContextError("InvalidBytecode", error.message, vm.handle.id);
      throw error;
    }
    return proxyTask(vm, "<init>", vm.handle.loadProgram(program));
  }],
  ["loadSource", (_ctx, stack, at, argc) => {
    const vm = self(stack, at);
    const source = arg(stack, at, argc, 0);
    const name = arg(stack, at, argc, 1) ?? "<source>";
    if (typeof source !== "string" || typeof name !== "string") throw typeError("loadSource(source, name) takes two strings");
    chargeCompile(vm.owner, source);
    return proxyTask(vm, "<init>", vm.handle.loadSource(source, name));
  }],
  ["runEntry", (_ctx, stack, at, argc) => runEntry(self(stack, at), stack, at, argc)],
  ["spawn", (_ctx, stack, at, argc) => runEntry(self(stack, at), stack, at, argc)],
  ["getStats", (_ctx, stack, at) => stats(self(stack, at))],
  ["snapshot", (ctx, stack, at) => byteArray(ctx as VmContext, self(stack, at).handle.snapshot())], // frozen, like bytecode
  ["restore", (_ctx, stack, at, argc) => restoreInto(self(stack, at), arg(stack, at, argc, 0))],
  ["terminate", (_ctx, stack, at) => {
    self(stack, at).handle.terminate();
    return null;
  }],
]);

const VM_NATIVE_CLASS = new NativeClass(
  "Vm",
  VM_METHODS,
  new Map<string, (vm: InnerVm) => unknown>([
    ["id", (vm) => vm.handle.id],
    ["name", (vm) => vm.handle.name],
    ["state", (vm) => vm.handle.state],
  ]),
  // Each returns a Task of the caller standing for the inner one (proxyTask).
  new Set(["runEntry", "spawn", "loadSource", "loadBytecode", "restore"]),
);

const VM_CLASS = new NativeFunction(
  "Vm",
  null,
  new Map([
    ["restore", new NativeFunction("restore", (ctx, stack, at, argc) => {
      const vm = createVm(ctx as VmContext, readVmOptions(arg(stack, at, argc, 1)));
      try {
        restoreInto(vm, arg(stack, at, argc, 0));
      } catch (error) {
        vm.handle.terminate(); // the half-made context must not linger in the registry as live
        throw error;
      }
      return vm;
    })],
  ]),
  (ctx, stack, at, argc) => createVm(ctx as VmContext, readVmOptions(arg(stack, at, argc, 0))),
  (value) => value instanceof InnerVm,
);

// ---------------------------------------------------------------------------------------------
// Capabilities granted as Raya functions

/**
 * The native an inner program calls for capability `name`. A Raya function runs in a new Task
 * of the context that registered it while the calling inner Task waits (so it may itself
 * await, sleep or lock); a builtin function (console.log) is called at once in that context.
 */
/** The Raya functions granted as capabilities, so a snapshot can keep them (with their owner). */
const rayaGrants = new WeakMap<NativeFunction, { fn: unknown; owner: VmContext }>();

function capabilityNative(name: string, fn: unknown, vm: InnerVm): NativeFunction {
  const native = makeCapabilityNative(name, fn, vm);
  rayaGrants.set(native, { fn, owner: vm.owner });
  return native;
}

function makeCapabilityNative(name: string, fn: unknown, vm: InnerVm): NativeFunction {
  const outer = vm.owner;
  let impl: NativeImpl;
  if (fn instanceof Closure || (fn instanceof BoundMethod && fn.method instanceof Closure)) {
    impl = (ctx, stack, at, argc) => callRayaCapability(name, fn, vm, ctx as VmContext, restArgs(stack, at, argc, 0));
    BLOCKING_NATIVES.add(impl);
  } else if (fn instanceof NativeFunction && fn.call !== null && !BLOCKING_NATIVES.has(fn.call)) {
    const call = fn.call;
    impl = (ctx, stack, at, argc) => {
      const args = copyArguments(name, restArgs(stack, at, argc, 0), ctx as VmContext, outer);
      const result = call(outer, [fn, ...args], 0, args.length);
      return copyAnswer(name, result === undefined ? null : result, outer, ctx as VmContext);
    };
  } else {
    throw typeError(`capability '${name}' must be a function (a blocking builtin such as sleep must be wrapped in a Raya function)`);
  }
  return new NativeFunction(name, impl);
}

function copyArguments(name: string, args: unknown[], inner: VmContext, outer: VmContext): unknown[] {
  for (let i = 0; i < args.length; i++) if (args[i] === ABSENT) args[i] = null;
  try {
    return copyBetween(args, inner, outer) as unknown[];
  } catch (error) {
    if (error instanceof MarshalError) throw new RaisedError("Error", `MarshalError: an argument of capability '${name}' cannot cross the context boundary at ${error.path}: ${error.message}`);
    throw error;
  }
}

function copyAnswer(name: string, value: unknown, outer: VmContext, inner: VmContext): unknown {
  try {
    return copyBetween(value, outer, inner);
  } catch (error) {
    if (error instanceof MarshalError) throw new RaisedError("Error", `MarshalError: the result of capability '${name}' cannot cross the context boundary at ${error.path}: ${error.message}`);
    throw error;
  }
}

class CapabilityCall implements CrossContextWait {
  detached = false;
  constructor(
    readonly name: string,
    private readonly vm: InnerVm,
    /** The Task computing the answer (for an async function, the Task it returned). */
    public answerer: Task,
  ) {}

  describe(): string {
    return `capability '${this.name}' answered by task ${this.answerer.label} of the context that created ${this.vm.label}`;
  }

  /** The caller was cancelled: the answer, when it comes, is dropped. */
  detach(): void {
    this.detached = true;
  }

  answeringTask(): Task | null {
    return this.answerer;
  }
}

function callRayaCapability(name: string, fn: Closure | BoundMethod, vm: InnerVm, inner: VmContext, rawArgs: unknown[]): unknown {
  const caller = inner.currentTask;
  if (caller === null) throw new RaisedError("Error", `capability '${name}' called outside a task`);
  const outer = vm.owner;
  const args = copyArguments(name, rawArgs, inner, outer);
  const closure = fn instanceof BoundMethod ? (fn.method as Closure) : fn;
  const frame = [fn instanceof BoundMethod ? fn.receiver : fn, ...args];
  let answerer: Task;
  try {
    answerer = startTask(outer, closure, frame, 0, args.length);
  } catch (error) {
    // The registering context is out of heap: that is its failure, not the caller's.
    if (!(error instanceof HeapLimitExceeded)) throw error;
    outer.owner?.crashed(error);
    throw new RaisedError("Error", `Terminated: the context answering capability '${name}' ran out of heap`);
  }
  if (!answerer.finished) outer.scheduler.makeReady(answerer);
  const call = new CapabilityCall(name, vm, answerer);
  inner.scheduler.block(caller, { kind: "context", wait: call });
  outer.scheduler.whenFinished(answerer, (done) => answerCapability(name, call, done, caller, outer, inner));
  return SUSPEND;
}

function answerCapability(name: string, call: CapabilityCall, done: Task, caller: Task, outer: VmContext, inner: VmContext): void {
  if (call.detached || caller.finished) return;
  done.observed = true; // the failure is the caller's to handle, not an uncaught error of the host
  if (done.state === TaskState.Done && done.result instanceof Task) {
    // An async function: its answer is the Task it returned.
    call.answerer = done.result;
    outer.scheduler.whenFinished(done.result, (inner2) => answerCapability(name, call, inner2, caller, outer, inner));
    return;
  }
  const scheduler = inner.scheduler;
  if (done.state === TaskState.Done) {
    let value: unknown;
    try {
      value = copyAnswer(name, done.result, outer, inner);
    } catch (error) {
      scheduler.wakeWithError(caller, error);
      return;
    }
    scheduler.wake(caller, value);
  } else if (done.state === TaskState.Failed) {
    scheduler.wakeWithError(caller, new RaisedError("Error", `capability '${name}' failed: ${outer.describeThrown(done.result)}`));
  } else {
    scheduler.wakeWithError(caller, new RaisedError("Error", `Terminated: capability '${name}' was cancelled`));
  }
}

// ---------------------------------------------------------------------------------------------
// Compiler

class RayaCompiler extends NativeObject {
  readonly nativeClass = COMPILER_NATIVE_CLASS;

  describe(): string {
    return "";
  }

  retainedBytes(): number {
    return HEAP_SIZES.OPAQUE;
  }
}

/** Compiling costs the caller steps (about one per source character), so a program cannot
 *  compile without limit inside its step budget. */
function chargeCompile(ctx: VmContext, source: string): void {
  chargeSteps(ctx, source.length, "compiling");
}

/**
 * Counts work a native does as steps of the calling context. The interpreter's own steps of
 * the current slice are added when the slice ends, so the budget is checked here against what
 * is known: past it, the work is refused (the slice's end then ends the context), so a loop
 * can do at most its budget's worth of such work.
 */
function chargeSteps(ctx: VmContext, steps: number, what: string): void {
  ctx.stepsExecuted += steps;
  const handle = ctx.innerVms?.parent ?? null;
  if (handle !== null && handle.stepBudgetLeft() < 0) {
    throw new ContextError("StepBudgetExceeded", `${what} needs ${steps} steps and context '${handle.name}' has exceeded its step budget`, handle.id);
  }
}

/** `{ name, bytecode }`: the program as .rbc bytes in an int[]. */
function compiled(ctx: VmContext, source: string, filename: string, readFile: (file: string) => string | null): RObject {
  let bytes: Uint8Array;
  try {
    bytes = encodeProgram(compile(source, { filename, readFile }));
  } catch (error) {
    if (error instanceof CompileError) throw new ContextError("CompileError", error.diagnostics.map(formatDiagnostic).join("\n"), 0);
    throw error;
  }
  return new RObject(ctx.layoutForFields(["name", "bytecode"]), [filename, byteArray(ctx, bytes)]);
}

function readSourceFile(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** The file of the Raya function that called the native: compileFile paths are relative to it. */
function callerFile(ctx: VmContext): string {
  const task = ctx.currentTask;
  if (task === null || task.fp < 0) return path.join(process.cwd(), "<unknown>");
  return path.resolve(task.frameClosure[task.fp].proto.fileName);
}

const COMPILER_METHODS = new Map<string, NativeImpl>([
  ["compileString", (ctx, stack, at, argc) => {
    const source = arg(stack, at, argc, 0);
    const name = arg(stack, at, argc, 1) ?? "<source>";
    if (typeof source !== "string" || typeof name !== "string") throw typeError("compileString(source, name) takes two strings");
    chargeCompile(ctx as VmContext, source);
    // A program compiled from a string has no files to import from.
    return compiled(ctx as VmContext, source, name, () => null);
  }],
  ["compileFile", (ctx, stack, at, argc) => {
    const context = ctx as VmContext;
    const file = arg(stack, at, argc, 0);
    if (typeof file !== "string") throw typeError("compileFile(path) takes a string");
    if (!hostOf(context).fileAccess) {
      throw new ContextError("CapabilityNotFound", `compileFile('${file}'): only the root program reads files; an inner VM gets source through a capability and compiles it with compileString`, 0);
    }
    const full = path.resolve(path.dirname(callerFile(context)), file);
    const text = readSourceFile(full);
    if (text === null) throw new ContextError("CompileError", `compileFile: cannot read '${file}' (resolved to ${full})`, 0);
    chargeCompile(context, text);
    return compiled(context, text, full, readSourceFile);
  }],
]);

const COMPILER_NATIVE_CLASS = new NativeClass("Compiler", COMPILER_METHODS, new Map());

const COMPILER_CLASS = new NativeFunction(
  "Compiler",
  null,
  null,
  () => new RayaCompiler(),
  (value) => value instanceof RayaCompiler,
);

// ---------------------------------------------------------------------------------------------
// Snapshots of a runtime whose contexts are linked by raya:vm (Runtime.snapshot, raya run
// --snapshot-out). A context snapshot names each link (snapshot.ts SnapshotLinks); restoring
// the whole runtime rebuilds every context, then reconnects the links by those names:
//   vm:<context id>                          a Vm object (the id is the inner context's)
//   compiler                                 a Compiler object
//   task:<context id>:<task id>              a stand-in Task waiting for that inner Task
//   capability:<context id>:<task id>:<name> an inner Task waiting for a capability's answer,
//                                            computed by that Task of the granting context
//   grant:<context id>:<name>                (a root) the Raya function granted to that context
// The root program of `raya run` is context 0.

const ROOT_ID = 0;

/** Names the raya:vm links of `runtime`'s contexts (and of `root`, the program run by `raya run`). */
export function runtimeLinks(runtime: Runtime, root: VmContext | null): SnapshotLinks {
  const idOf = (context: VmContext): number => {
    if (context === root) return ROOT_ID;
    const info = runtime.contexts().find((c) => runtime.context(c.id)?.vmContext === context);
    if (info === undefined) throw new Error("a raya:vm link leads to a context outside this runtime");
    return info.id;
  };
  return {
    objectKey(object: NativeObject): string {
      if (object instanceof InnerVm) return `vm:${object.handle.id}`;
      if (object instanceof RayaCompiler) return "compiler";
      throw new Error(`snapshot: no link name for a ${object.nativeClass.name} object`);
    },
    waitKey(wait: CrossContextWait, task: Task): string {
      if (wait instanceof InnerTaskWait) {
        const inner = wait.handle.task;
        if (inner === null) throw new Error(`task ${task.label} waits for an entry of ${wait.vm.label} that waits for its module init; snapshot once it has started`);
        return `task:${wait.vm.handle.id}:${inner.id}`;
      }
      if (wait instanceof CapabilityCall) return `capability:${idOf(wait.answerer.context)}:${wait.answerer.id}:${wait.name}`;
      throw new Error(`snapshot: no link name for what task ${task.label} waits on`);
    },
    roots(context: VmContext): [string, unknown][] {
      const roots: [string, unknown][] = [];
      for (const info of runtime.contexts()) {
        const handle = runtime.context(info.id) as ContextHandle;
        for (const [name, native] of handle.grantedCapabilities()) {
          const grant = rayaGrants.get(native);
          if (grant !== undefined && grant.owner === context) roots.push([`grant:${info.id}:${name}`, grant.fn]);
        }
      }
      return roots;
    },
  };
}

/** Rebuilds raya:vm links while a runtime is restored (ContextHandle ids as when saved). */
export interface LinkRelinker extends LinkResolver {
  /** Grants `handle` the Raya capabilities its creator's snapshot kept, before it is restored. */
  beforeRestore(handle: ContextHandle): void;
  /** Every context exists: reconnect the stand-in Tasks and the pending capability calls. */
  connect(): void;
}

export function runtimeRelinker(runtime: Runtime, root: () => VmContext | null): LinkRelinker {
  const vms = new Map<VmContext, Map<number, InnerVm>>();
  const grants: { contextId: number; name: string; fn: unknown; owner: VmContext }[] = [];
  const waits: { task: Task; key: string; context: VmContext }[] = [];
  const invalid = (message: string): never => {
    throw new ContextError("InvalidSnapshot", message, 0);
  };
  const handleOf = (id: number): ContextHandle => runtime.context(id) ?? invalid(`a raya:vm link names context ${id}, which the snapshot does not hold`);
  const contextOf = (id: number): VmContext =>
    (id === ROOT_ID ? root() : handleOf(id).vmContext) ?? invalid(`a raya:vm link names context ${id}, which has no program`);
  const vmFor = (owner: VmContext, handle: ContextHandle): InnerVm => {
    let byId = vms.get(owner);
    if (byId === undefined) vms.set(owner, (byId = new Map()));
    let vm = byId.get(handle.id);
    if (vm === undefined) byId.set(handle.id, (vm = new InnerVm(handle, owner)));
    return vm;
  };
  const taskOf = (context: VmContext, id: number, key: string): Task =>
    [...context.tasks].find((t) => t.id === id) ?? invalid(`link '${key}' names task ${id}, which its context does not hold`);
  const numbers = (key: string, count: number): number[] => {
    const parts = key.split(":").slice(1, 1 + count).map(Number);
    if (parts.length !== count || !parts.every((n) => Number.isSafeInteger(n) && n >= 0)) invalid(`malformed link '${key}'`);
    return parts;
  };
  const innerHandleOf = (context: VmContext): ContextHandle =>
    runtime.contexts().map((c) => runtime.context(c.id) as ContextHandle).find((h) => h.vmContext === context) ?? invalid("a capability call waits in a context outside the runtime");
  return {
    object(key, context) {
      if (key === "compiler") return new RayaCompiler();
      if (!key.startsWith("vm:")) return null;
      return vmFor(context, handleOf(numbers(key, 1)[0]));
    },
    wait(task, key, context) {
      waits.push({ task, key, context });
    },
    root(key, value, context) {
      if (!key.startsWith("grant:")) invalid(`unknown link root '${key}'`);
      const [contextId] = numbers(key, 1);
      grants.push({ contextId, name: key.slice(key.indexOf(":", 6) + 1), fn: value, owner: context });
    },
    beforeRestore(handle) {
      for (const grant of grants) {
        if (grant.contextId !== handle.id) continue;
        try {
          handle.grantCapability(grant.name, capabilityNative(grant.name, grant.fn, vmFor(grant.owner, handle)));
        } catch (error) {
          invalid(`the capability '${grant.name}' kept for context ${handle.id} is not a function: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    },
    connect() {
      // Each creator pays for its living inner VMs again (their contexts' raya:vm exists now).
      for (const [owner, byId] of vms) for (const vm of byId.values()) owner.innerVms?.adopt(vm);
      for (const { task, key, context } of waits) {
        if (key.startsWith("task:")) {
          const [innerId, taskId] = numbers(key, 2);
          const handle = handleOf(innerId);
          const innerTask = taskOf(contextOf(innerId), taskId, key);
          const watch = handle.watchTask(innerTask, context);
          task.blockedOn = { kind: "context", wait: new InnerTaskWait(vmFor(context, handle), innerTask.name, watch) };
          watch.whenSettled((outcome) => settleProxy(context, task, watch, outcome));
        } else if (key.startsWith("capability:")) {
          const [outerId, answererId] = numbers(key, 2);
          const name = key.split(":").slice(3).join(":");
          const outer = contextOf(outerId);
          const answerer = taskOf(outer, answererId, key);
          const call = new CapabilityCall(name, vmFor(outer, innerHandleOf(context)), answerer);
          task.blockedOn = { kind: "context", wait: call };
          outer.scheduler.whenFinished(answerer, (done) => answerCapability(name, call, done, task, outer, context));
        } else {
          invalid(`unknown link '${key}'`);
        }
      }
    },
  };
}
