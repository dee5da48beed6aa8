// The interpreter's out-of-line instructions: slow paths of calls and property access,
// classes, objects, iteration, Tasks. Helpers that may push a frame work on the Task's saved
// state (task.fp, task.sp, task.framePc); the interpreter saves before and reloads after.
import type { VmContext } from "./context";
import { getField } from "./context";
import { chargeHeap, RayaThrow, rangeError, typeError, VmError } from "./errors";
import {
  ARRAY_GROWTH_PER_ELEMENT, arrayBytes, closureBytes, HEAP_SIZES, robjectBytes, sizeOf, stringBytes, TASK_STACK_GROWTH_PER_SLOT,
  type HeapAccount,
} from "./heap";
import { describeForError, toRayaString } from "./format";
import { foreignHandleError, isForeignHandle } from "./marshal";
import { AwaitOutcome, CallOutcome, ensureStack, FrameMode, IcKind, prepareFrame, pushFrame, UNCACHED } from "./interpreter";
import { ARRAY_METHODS } from "./builtins/array";
import { MAP_METHODS, SET_METHODS } from "./builtins/collections";
import { NUMBER_METHODS, BOOLEAN_METHODS } from "./builtins/number";
import { iterableItems } from "./builtins/iterables";
import { STRING_METHODS } from "./builtins/string";
import { Task, TaskState } from "./task";
import { BLOCKING_NATIVES, Channel, CHANNEL_METHODS, Mutex, MUTEX_METHODS, ResumeThrow } from "./sync";
import {
  ABSENT, ARRAY_KEY, BOOLEAN_KEY, EMPTY_METHODS, BoundMethod, Box, Closure, FunctionInfo, Layout, MAP_KEY, NativeFunction, NUMBER_KEY,
  NativeObject, RClass, REPORTS_CALL_SITE, RIterator, RObject, SET_KEY, STRING_KEY, SUSPEND, TASK_KEY, CHANNEL_KEY, MUTEX_KEY, type NativeImpl,
} from "./value";

const TASK_METHODS = new Map<string, NativeImpl>([
  ["cancel", (vm, stack, at) => {
    vm.cancelTask(stack[at]);
    return null;
  }],
]);

/** Looks up method `name` for this receiver and fills the call site's inline cache. */
export function resolveMethod(ctx: VmContext, fn: FunctionInfo, ip: number, receiver: unknown, name: string, argc: number): IcKind {
  let key: unknown = UNCACHED;
  let kind = IcKind.Slow;
  let target: unknown = null;
  const native = (table: ReadonlyMap<string, NativeImpl>, cacheKey: unknown, prelude: string | null): void => {
    key = cacheKey;
    const intrinsic = prelude === null ? null : ctx.intrinsic(`${prelude}.${name}`);
    if (intrinsic instanceof Closure) {
      kind = IcKind.Prelude;
      target = intrinsic;
      return;
    }
    const impl = table.get(name);
    if (impl !== undefined) {
      kind = IcKind.Native;
      target = impl;
    }
  };
  if (receiver instanceof RObject) {
    const method = receiver.layout.methods.get(name);
    if (method !== undefined) {
      key = receiver.layout;
      kind = method.proto.isAsync ? IcKind.AsyncMethod : IcKind.RayaMethod;
      target = method;
    }
  } else if (typeof receiver === "string") {
    native(STRING_METHODS, STRING_KEY, null);
  } else if (typeof receiver === "number") {
    native(NUMBER_METHODS, NUMBER_KEY, null);
  } else if (typeof receiver === "boolean") {
    native(BOOLEAN_METHODS, BOOLEAN_KEY, null);
  } else if (Array.isArray(receiver)) {
    // sort() without a comparator is native; with one it is the prelude's merge sort.
    native(ARRAY_METHODS, ARRAY_KEY, name === "sort" && argc === 0 ? null : "Array");
    if (name === "push") kind = IcKind.ArrayPush;
  } else if (receiver instanceof Map) {
    native(MAP_METHODS, MAP_KEY, "Map");
  } else if (receiver instanceof Set) {
    native(SET_METHODS, SET_KEY, "Set");
  } else if (receiver instanceof Task) {
    native(TASK_METHODS, TASK_KEY, null);
  } else if (receiver instanceof Channel) {
    native(CHANNEL_METHODS, CHANNEL_KEY, null);
  } else if (receiver instanceof Mutex) {
    native(MUTEX_METHODS, MUTEX_KEY, null);
  } else if (receiver instanceof NativeObject) {
    native(receiver.nativeClass.methods, receiver.nativeClass, null);
  } else if (receiver instanceof RClass) {
    const method = findStatic(receiver, name, "method");
    if (method !== null) {
      key = receiver;
      kind = method.proto.isAsync ? IcKind.AsyncMethod : IcKind.RayaMethod;
      target = method;
    }
  } else if (receiver instanceof NativeFunction) {
    const member = receiver.members?.get(name);
    if (member instanceof NativeFunction && member.call !== null) {
      key = receiver;
      kind = REPORTS_CALL_SITE.has(member.call) ? IcKind.NativeAtCallSite : IcKind.Native;
      target = member.call;
    }
  }
  if (kind !== IcKind.Slow) {
    fn.icKeys[ip] = key;
    fn.icKinds[ip] = kind;
    fn.icTargets[ip] = target;
  }
  return kind;
}

function findStatic(cls: RClass, name: string, kind: "method" | "get" | "set"): Closure | null {
  for (let walk: RClass | null = cls; walk !== null; walk = walk.parent) {
    const table = kind === "method" ? walk.staticMethods : kind === "get" ? walk.staticGetters : walk.staticSetters;
    const found = table.get(name);
    if (found !== undefined) return found;
  }
  return null;
}

/** The error for using `value` as something it is not: a foreign handle (a value of another
 *  context) says so, since no operation but passing it back can ever work on it. */
function misuse(value: unknown, message: string): VmError {
  return isForeignHandle(value) ? foreignHandleError(value) : typeError(message);
}

/** Calls any callable value whose slot 0 is at stack[at] (task state saved). */
export function callValueSlow(task: Task, callee: unknown, at: number, argc: number, mode: FrameMode): CallOutcome {
  const stack = task.stack;
  if (callee instanceof Closure) {
    if (callee.proto.isAsync) {
      const child = startTask(task.context, callee, stack, at, argc);
      stack[at] = child;
      task.sp = at + 1;
      task.spawned = child;
      return CallOutcome.Spawned;
    }
    pushFrame(task, callee, at, argc, mode);
    return CallOutcome.Continue;
  }
  if (callee instanceof BoundMethod) {
    stack[at] = callee.receiver;
    return callValueSlow(task, callee.method, at, argc, mode);
  }
  if (callee instanceof NativeFunction && callee.call !== null) {
    const result = callee.call(task.context, stack, at, argc);
    task.sp = at + 1;
    if (result === SUSPEND) {
      stack[at] = null;
      return CallOutcome.Suspended;
    }
    stack[at] = result === undefined ? null : result;
    return CallOutcome.Continue;
  }
  if (callee instanceof RClass) throw typeError(`Class constructor ${callee.name} cannot be invoked without 'new'`);
  throw misuse(callee, `${describeForError(callee)} is not a function`);
}

/** CALL_METHOD when the inline cache did not settle it: prelude intrinsics, fields holding functions, errors. */
export function callMethodSlow(task: Task, fn: FunctionInfo, ip: number, kind: IcKind, at: number, argc: number, name: string): CallOutcome {
  const stack = task.stack;
  const receiver = stack[at];
  switch (kind) {
    case IcKind.Prelude: {
      const target = fn.icTargets[ip] as Closure;
      ensureStack(stack, at + argc + 3, task.context.heap);
      for (let i = at + argc; i >= at; i--) stack[i + 1] = stack[i];
      stack[at] = target;
      task.sp = at + argc + 2;
      return callValueSlow(task, target, at, argc + 1, FrameMode.Normal);
    }
    case IcKind.RayaMethod:
    case IcKind.AsyncMethod:
      return callValueSlow(task, fn.icTargets[ip], at, argc, FrameMode.Normal);
    case IcKind.ArrayPush:
    case IcKind.Native:
    case IcKind.NativeAtCallSite: {
      const result = (fn.icTargets[ip] as NativeImpl)(task.context, stack, at, argc);
      task.sp = at + 1;
      if (result === SUSPEND) {
        stack[at] = null;
        return CallOutcome.Suspended;
      }
      stack[at] = result;
      return CallOutcome.Continue;
    }
  }
  if (receiver instanceof RObject) {
    const slot = receiver.layout.fieldIndex.get(name);
    if (slot !== undefined) {
      const value = receiver.fields[slot];
      stack[at] = value;
      return callValueSlow(task, value, at, argc, FrameMode.Normal);
    }
  }
  if (name === "toString" && receiver !== null) {
    // Every value has JavaScript's toString (objects give "[object Object]", errors "Name: message").
    const text = toRayaString(receiver);
    if (task.context.heap !== null) chargeHeap(task.context.heap, stringBytes(text));
    stack[at] = text;
    task.sp = at + 1;
    return CallOutcome.Continue;
  }
  if (receiver instanceof RObject) {
    throw misuse(receiver, `${describeForError(receiver)}.${name} is not a function`);
  }
  if (receiver instanceof RClass) {
    const slot = staticSlot(receiver, name);
    if (slot !== null) {
      const value = slot.cls.statics[slot.index];
      stack[at] = value;
      return callValueSlow(task, value, at, argc, FrameMode.Normal);
    }
  }
  if (receiver === null) throw typeError(`Cannot read properties of null (reading '${name}')`);
  throw misuse(receiver, `${describeForError(receiver)}.${name} is not a function`);
}

function staticSlot(cls: RClass, name: string): { cls: RClass; index: number } | null {
  for (let walk: RClass | null = cls; walk !== null; walk = walk.parent) {
    const index = walk.staticIndex.get(name);
    if (index !== undefined) return { cls: walk, index };
  }
  return null;
}

/** A new Task running `callee` with the arguments at stack[at + 1 .. at + argc]. */
export function startTask(ctx: VmContext, callee: Closure, stack: unknown[], at: number, argc: number): Task {
  const child = ctx.newTask(callee.proto.name);
  const childStack = child.stack;
  if (ctx.heap !== null) chargeHeap(ctx.heap, (argc + 1) * TASK_STACK_GROWTH_PER_SLOT);
  for (let i = 0; i <= argc; i++) childStack.push(stack[at + i]);
  child.fp = 0;
  child.frameClosure[0] = callee;
  child.frameBase[0] = 0;
  child.frameMode[0] = FrameMode.Normal;
  child.framePc[0] = 0;
  child.sp = prepareFrame(childStack, 0, argc, callee.proto, ctx.heap);
  child.state = TaskState.Ready;
  return child;
}

/** A Task that is already over: `async` applied to a native call runs it at once. */
function finishedTask(ctx: VmContext, name: string, result: unknown): Task {
  const task = ctx.newTask(name);
  task.state = TaskState.Done;
  task.result = result;
  ctx.forgetTask(task);
  return task;
}

/** SPAWN: runs the call at stack[at] in a new Task; the Task replaces the call on the stack. */
export function spawnCall(task: Task, at: number, argc: number): void {
  const stack = task.stack;
  let callee = stack[at];
  if (callee instanceof BoundMethod) {
    stack[at] = callee.receiver;
    callee = callee.method;
  }
  let child: Task;
  if (callee instanceof Closure) {
    child = startTask(task.context, callee, stack, at, argc);
  } else if (callee instanceof NativeFunction && callee.call !== null) {
    refuseBlocking(callee.call, callee.name);
    const result = callee.call(task.context, stack, at, argc);
    child = finishedTask(task.context, callee.name, result === undefined ? null : result);
  } else {
    throw misuse(callee, `${describeForError(callee)} is not a function`);
  }
  stack[at] = child;
  task.sp = at + 1;
  task.spawned = child;
}

/** A blocking builtin would suspend the starter, not a new Task: it needs a Raya frame. */
function refuseBlocking(impl: NativeImpl, name: string): void {
  if (BLOCKING_NATIVES.has(impl)) {
    throw new VmError("Error", `async cannot run the blocking builtin '${name}' directly; call it inside an async function`);
  }
}

/** SPAWN_METHOD: `async obj.m(args)`. */
export function spawnMethod(task: Task, fn: FunctionInfo, ip: number, at: number, argc: number, name: string): void {
  const ctx = task.context;
  const stack = task.stack;
  const receiver = stack[at];
  const kind = resolveMethod(ctx, fn, ip, receiver, name, argc);
  let child: Task;
  if (kind === IcKind.RayaMethod || kind === IcKind.AsyncMethod) {
    child = startTask(ctx, fn.icTargets[ip] as Closure, stack, at, argc);
  } else if (kind === IcKind.Prelude) {
    ensureStack(stack, at + argc + 3, task.context.heap);
    for (let i = at + argc; i >= at; i--) stack[i + 1] = stack[i];
    const target = fn.icTargets[ip] as Closure;
    stack[at] = target;
    child = startTask(ctx, target, stack, at, argc + 1);
  } else if (kind === IcKind.Native || kind === IcKind.ArrayPush || kind === IcKind.NativeAtCallSite) {
    refuseBlocking(fn.icTargets[ip] as NativeImpl, name);
    const result = (fn.icTargets[ip] as NativeImpl)(ctx, stack, at, argc);
    child = finishedTask(ctx, name, result);
  } else {
    if (!(receiver instanceof RObject)) throw misuse(receiver, `${describeForError(receiver)}.${name} is not a function`);
    stack[at] = getField(receiver, name);
    spawnCall(task, at, argc);
    return;
  }
  stack[at] = child;
  task.sp = at + 1;
  task.spawned = child;
}

/** Settles AWAIT of a Task, an array of Tasks, or a plain value (task.transfer gets the result).
 *  It also resumes a Task woken with an error (a ResumeThrow: a closed channel). */
export function awaitValue(task: Task, value: unknown): AwaitOutcome {
  if (value instanceof Task) {
    value.observed = true;
    if (value.state === TaskState.Done) {
      task.transfer = value.result;
      task.blockedOn = null;
      return AwaitOutcome.Ready;
    }
    throwIfFailed(value);
    if (value === task) throw new VmError("Error", "a Task cannot await itself");
    value.waiters.push(task); // woken once: Scheduler.finish empties the list
    task.blockedOn = { kind: "task", task: value };
    return AwaitOutcome.Pending;
  }
  if (Array.isArray(value)) {
    let pending = false;
    for (const item of value) {
      if (item instanceof Task) {
        item.observed = true;
        throwIfFailed(item);
        if (!item.finished) pending = true;
      }
    }
    if (pending) {
      // One waiter entry per unfinished item; the scheduler counts them down, so a Task
      // awaiting n Tasks is woken once (or at the first failure), not n times.
      const waitingFor: Task[] = [];
      for (const item of value) {
        if (item instanceof Task && !item.finished) {
          if (item === task) throw new VmError("Error", "a Task cannot await itself");
          waitingFor.push(item);
        }
      }
      for (const item of waitingFor) item.waiters.push(task);
      task.blockedOn = { kind: "tasks", tasks: waitingFor, pending: waitingFor.length };
      return AwaitOutcome.Pending;
    }
    if (task.context.heap !== null) chargeHeap(task.context.heap, arrayBytes(value.length));
    task.transfer = value.map((item) => (item instanceof Task ? item.result : item));
    task.blockedOn = null;
    return AwaitOutcome.Ready;
  }
  if (value instanceof ResumeThrow) {
    task.blockedOn = null;
    throw value.error;
  }
  task.transfer = value;
  task.blockedOn = null;
  return AwaitOutcome.Ready;
}

/** The message of the Error that awaiting a cancelled Task throws. */
export function cancelledMessage(awaited: Task): string {
  return `task ${awaited.label} was cancelled`;
}

function throwIfFailed(awaited: Task): void {
  if (awaited.state === TaskState.Failed) throw new RayaThrow(awaited.result);
  if (awaited.state === TaskState.Cancelled) throw new VmError("Error", cancelledMessage(awaited));
}

/** CALL_SPREAD / NEW_SPREAD / CALL_METHOD_SPREAD: replaces the array on top with its elements. */
export function spreadArguments(task: Task): number {
  const stack = task.stack;
  const args = stack[task.sp - 1];
  if (!Array.isArray(args)) throw typeError("spread argument is not an array");
  let sp = task.sp - 1;
  ensureStack(stack, sp + args.length + 8, task.context.heap);
  for (let i = 0; i < args.length; i++) stack[sp++] = args[i];
  task.sp = sp;
  return args.length;
}

// ---------------------------------------------------------------------------------------------
// Classes and objects

export function makeClosure(ctx: VmContext, fnIndex: number, parent: Closure, stack: unknown[], base: number): Closure {
  const info = ctx.functions[fnIndex];
  const descriptors = info.proto.captures;
  const captures: Box[] = [];
  for (let i = 0; i < descriptors.length; i++) {
    const d = descriptors[i];
    const captured = d.fromParentLocal ? stack[base + d.index] : parent.captures[d.index];
    if (!(captured instanceof Box)) throw new VmError("Error", `capture ${i} of '${info.name}' is not a boxed variable`);
    captures.push(captured);
  }
  if (ctx.heap !== null) chargeHeap(ctx.heap, closureBytes(captures.length));
  return new Closure(info, captures);
}

/** What CLASS allocates: the class (its maps and statics) and a closure per method, accessor
 *  and constructor (inherited ones are shared, so this over-counts a subclass slightly). */
export function classAllocationBytes(cls: RClass): number {
  const closures =
    cls.methods.size + cls.getters.size + cls.setters.size + cls.staticMethods.size + cls.staticGetters.size + cls.staticSetters.size +
    (cls.constructorClosure === null ? 0 : 1);
  return sizeOf(cls) + closures * closureBytes(0);
}

export function createClass(ctx: VmContext, classIndex: number, parent: unknown, current: Closure, stack: unknown[], base: number): RClass {
  if (parent !== null && !(parent instanceof RClass)) {
    throw typeError(`Class extends value ${describeForError(parent)} is not a constructor`);
  }
  const info = ctx.program.classes[classIndex];
  const closureOf = (fnIndex: number) => makeClosure(ctx, fnIndex, current, stack, base);
  const cls = new RClass(classIndex, info, parent, info.constructorFn >= 0 ? closureOf(info.constructorFn) : null);
  // Inherited tables are shared until the class adds to them (most prelude and user classes
  // add no getters or setters): a context then builds far fewer Maps when its classes are made.
  cls.methods = parent?.methods ?? EMPTY_METHODS;
  cls.getters = parent?.getters ?? EMPTY_METHODS;
  cls.setters = parent?.setters ?? EMPTY_METHODS;
  for (const m of info.methods) {
    const closure = closureOf(m.fn);
    if (m.static) {
      if (m.kind === "method") (cls.staticMethods = ownTable(cls.staticMethods, EMPTY_METHODS)).set(m.name, closure);
      else if (m.kind === "get") (cls.staticGetters = ownTable(cls.staticGetters, EMPTY_METHODS)).set(m.name, closure);
      else (cls.staticSetters = ownTable(cls.staticSetters, EMPTY_METHODS)).set(m.name, closure);
    } else if (m.kind === "method") (cls.methods = ownTable(cls.methods, parent?.methods ?? EMPTY_METHODS)).set(m.name, closure);
    else if (m.kind === "get") (cls.getters = ownTable(cls.getters, parent?.getters ?? EMPTY_METHODS)).set(m.name, closure);
    else (cls.setters = ownTable(cls.setters, parent?.setters ?? EMPTY_METHODS)).set(m.name, closure);
  }
  return cls;
}

/** `table` itself when the class already owns it, else a copy the class may add to (a table
 *  still shared with the parent, or the shared empty one, is never written). */
function ownTable(table: Map<string, Closure>, shared: Map<string, Closure>): Map<string, Closure> {
  return table === shared || table === EMPTY_METHODS ? new Map(table) : table;
}

/** NEW of something other than a concrete user class: builtin classes such as Map. */
export function newSlow(task: Task, cls: unknown, at: number, argc: number): void {
  if (cls instanceof NativeFunction && cls.construct !== null) {
    const made = cls.construct(task.context, task.stack, at, argc);
    // Map and Set built from an iterable: all new, priced whole before they become reachable.
    if (task.context.heap !== null) chargeHeap(task.context.heap, sizeOf(made));
    task.stack[at] = made;
    task.sp = at + 1;
    return;
  }
  if (cls instanceof RClass && cls.layoutInfo.abstract) throw typeError(`Cannot create an instance of abstract class ${cls.name}`);
  throw misuse(cls, `${describeForError(cls)} is not a constructor`);
}

/** SUPER_CALL: [parentCls, this, args] → []. */
export function superCall(task: Task, argc: number): void {
  const at = task.sp - argc - 1;
  const parent = task.stack[at - 1];
  if (!(parent instanceof RClass) || parent.constructorClosure === null) throw typeError("super constructor is not a class");
  pushFrame(task, parent.constructorClosure, at, argc, FrameMode.DropBelow);
}

/** SUPER_METHOD: [parentCls, this, args] → [result]. */
export function superMethod(task: Task, name: string, argc: number): CallOutcome {
  const at = task.sp - argc - 1;
  const parent = task.stack[at - 1];
  const method = parent instanceof RClass ? parent.methods.get(name) : undefined;
  if (method === undefined) throw typeError(`(intermediate value).${name} is not a function`);
  if (method.proto.isAsync) {
    const outcome = callValueSlow(task, method, at, argc, FrameMode.Normal);
    task.stack[at - 1] = task.stack[at];
    task.sp = at;
    return outcome;
  }
  pushFrame(task, method, at, argc, FrameMode.ReplaceBelow);
  return CallOutcome.Continue;
}

/** SUPER_GET: [parentCls, this] → [value]. */
export function superGet(task: Task, name: string): void {
  const stack = task.stack;
  const at = task.sp - 1;
  const parent = stack[at - 1];
  const self = stack[at];
  if (parent instanceof RClass) {
    const getter = parent.getters.get(name);
    if (getter !== undefined) {
      pushFrame(task, getter, at, 0, FrameMode.ReplaceBelow);
      return;
    }
    const method = parent.methods.get(name);
    if (method !== undefined) {
      stack[at - 1] = boundMethod(task, self, method);
      task.sp = at;
      return;
    }
  }
  stack[at - 1] = null;
  task.sp = at;
}

/**
 * GET_PROP when the inline cache missed. Leaves the value on the stack top, or pushes a
 * getter frame and returns true.
 */
export function getPropertySlow(task: Task, fn: FunctionInfo, ip: number, obj: unknown, name: string): boolean {
  const stack = task.stack;
  const top = task.sp - 1;
  if (obj instanceof RObject) {
    const layout = obj.layout;
    const slot = layout.fieldIndex.get(name);
    if (slot !== undefined) {
      fn.icKeys[ip] = layout;
      fn.icSlots[ip] = slot;
      stack[top] = obj.fields[slot];
      return false;
    }
    const getter = layout.getters.get(name);
    if (getter !== undefined) {
      pushFrame(task, getter, top, 0, FrameMode.Normal);
      return true;
    }
    const method = layout.methods.get(name);
    stack[top] = method !== undefined ? boundMethod(task, obj, method) : null; // absent optional property
    return false;
  }
  if (Array.isArray(obj)) {
    if (name === "length") {
      fn.icKinds[ip] = IcKind.Length;
      stack[top] = obj.length;
      return false;
    }
    stack[top] = boundNative(task.context.heap, obj, name, ARRAY_METHODS);
    return false;
  }
  switch (typeof obj) {
    case "string":
      if (name === "length") {
        fn.icKinds[ip] = IcKind.Length;
        stack[top] = obj.length;
      } else {
        stack[top] = boundNative(task.context.heap, obj, name, STRING_METHODS);
      }
      return false;
    case "number":
      stack[top] = boundNative(task.context.heap, obj, name, NUMBER_METHODS);
      return false;
    case "boolean":
      stack[top] = boundNative(task.context.heap, obj, name, BOOLEAN_METHODS);
      return false;
  }
  if (obj instanceof Map || obj instanceof Set) {
    stack[top] = name === "size" ? obj.size : boundNative(task.context.heap, obj, name, obj instanceof Map ? MAP_METHODS : SET_METHODS);
    return false;
  }
  if (obj instanceof RClass) {
    const slot = staticSlot(obj, name);
    if (slot !== null) {
      stack[top] = slot.cls.statics[slot.index];
      return false;
    }
    const getter = findStatic(obj, name, "get");
    if (getter !== null) {
      pushFrame(task, getter, top, 0, FrameMode.Normal);
      return true;
    }
    const method = findStatic(obj, name, "method");
    stack[top] = method !== null ? boundMethod(task, obj, method) : name === "name" ? obj.name : null;
    return false;
  }
  if (obj instanceof NativeFunction) {
    const member = obj.members?.get(name);
    stack[top] = member !== undefined ? member : name === "name" ? obj.name : null;
    return false;
  }
  if (obj instanceof Task) {
    stack[top] = boundNative(task.context.heap, obj, name, TASK_METHODS);
    return false;
  }
  if (obj instanceof Channel) {
    stack[top] = name === "length" ? obj.length : name === "capacity" ? obj.capacity : boundNative(task.context.heap, obj, name, CHANNEL_METHODS);
    return false;
  }
  if (obj instanceof Mutex) {
    stack[top] = boundNative(task.context.heap, obj, name, MUTEX_METHODS);
    return false;
  }
  if (obj instanceof NativeObject) {
    const property = obj.nativeClass.properties.get(name);
    stack[top] = property !== undefined ? property(obj as never) : boundNative(task.context.heap, obj, name, obj.nativeClass.methods);
    return false;
  }
  if (obj instanceof Closure || obj instanceof BoundMethod) {
    stack[top] = name === "name" ? describeFunctionName(obj) : null;
    return false;
  }
  if (obj === null) throw typeError(`Cannot read properties of null (reading '${name}')`);
  throw misuse(obj, `Cannot read property '${name}' of ${describeForError(obj)}`);
}

function describeFunctionName(fn: Closure | BoundMethod): string {
  const closure = fn instanceof BoundMethod ? fn.method : fn;
  const name = closure instanceof Closure ? closure.proto.name : closure.name;
  const dot = name.lastIndexOf(".");
  return name.startsWith("<") ? "" : dot >= 0 ? name.slice(dot + 1) : name;
}

/** A Raya method read as a value (`const f = obj.m`), charged to a limited context. */
function boundMethod(task: Task, receiver: unknown, method: Closure): BoundMethod {
  if (task.context.heap !== null) chargeHeap(task.context.heap, HEAP_SIZES.BOUND_METHOD);
  return new BoundMethod(receiver, method);
}

/** A builtin method read as a value, e.g. `const up = s.toUpperCase`. */
function boundNative(heap: HeapAccount | null, receiver: unknown, name: string, table: ReadonlyMap<string, NativeImpl>): unknown {
  const impl = table.get(name);
  if (impl === undefined) return null;
  if (heap !== null) chargeHeap(heap, HEAP_SIZES.BOUND_METHOD + HEAP_SIZES.NATIVE_FUNCTION);
  return new BoundMethod(receiver, new NativeFunction(name, impl));
}

/** SET_PROP when the inline cache missed. Returns true when it pushed a setter frame. */
export function setPropertySlow(task: Task, fn: FunctionInfo, ip: number, obj: unknown, name: string, value: unknown): boolean {
  const stack = task.stack;
  const at = task.sp - 2;
  if (obj instanceof RObject) {
    const layout = obj.layout;
    const slot = layout.fieldIndex.get(name);
    if (slot !== undefined) {
      fn.icKeys[ip] = layout;
      fn.icSlots[ip] = slot;
      obj.fields[slot] = value;
      stack[at] = value;
      task.sp = at + 1;
      return false;
    }
    const setter = layout.setters.get(name);
    if (setter !== undefined) {
      callSetter(task, setter, obj, value);
      return true;
    }
    if (layout instanceof RClass) throw misuse(obj, `Cannot set property '${name}' of ${describeForError(obj)}`);
    // An optional property the literal did not have: move the object to the layout that has it.
    if (task.context.heap !== null) chargeHeap(task.context.heap, ARRAY_GROWTH_PER_ELEMENT);
    obj.layout = task.context.layoutForFields([...layout.fieldNames, name]);
    obj.fields.push(value);
    stack[at] = value;
    task.sp = at + 1;
    return false;
  }
  if (obj instanceof RClass) {
    const slot = staticSlot(obj, name);
    if (slot !== null) {
      slot.cls.statics[slot.index] = value;
      stack[at] = value;
      task.sp = at + 1;
      return false;
    }
    const setter = findStatic(obj, name, "set");
    if (setter !== null) {
      callSetter(task, setter, obj, value);
      return true;
    }
  }
  if (obj === null) throw typeError(`Cannot set properties of null (setting '${name}')`);
  throw misuse(obj, `Cannot set property '${name}' of ${describeForError(obj)}`);
}

/** [obj, v] → [v] with the setter run as a frame: the stack becomes [v, obj, v] and the
 *  frame over [obj, v] leaves nothing when it returns. */
function callSetter(task: Task, setter: Closure, obj: unknown, value: unknown): void {
  const stack = task.stack;
  const at = task.sp - 2;
  ensureStack(stack, at + 4, task.context.heap);
  stack[at] = value;
  stack[at + 1] = obj;
  stack[at + 2] = value;
  task.sp = at + 3;
  pushFrame(task, setter, at + 1, 1, FrameMode.Discard);
}

export function getIndexSlow(obj: unknown, index: unknown, orAbsent: boolean): unknown {
  if (Array.isArray(obj)) {
    if (typeof index === "number" && index >= 0 && index < obj.length && (index | 0) === index) return obj[index];
    if (orAbsent) return ABSENT;
    throw rangeError(`Index ${toRayaString(index)} is out of range (length ${obj.length})`);
  }
  if (typeof obj === "string") {
    if (typeof index === "number" && index >= 0 && index < obj.length && (index | 0) === index) return obj[index];
    if (orAbsent) return ABSENT;
    throw rangeError(`Index ${toRayaString(index)} is out of range (string length ${obj.length})`);
  }
  if (obj === null) throw typeError(`Cannot read properties of null (reading '${toRayaString(index)}')`);
  throw misuse(obj, `${describeForError(obj)} cannot be indexed`);
}

export function setIndexSlow(obj: unknown, index: unknown, value: unknown): void {
  if (Array.isArray(obj)) {
    if (index === obj.length) {
      obj.push(value);
      return;
    }
    throw rangeError(`Index ${toRayaString(index)} is out of range (length ${obj.length})`);
  }
  if (typeof obj === "string") throw typeError("Cannot assign to an index of a string");
  if (obj === null) throw typeError(`Cannot set properties of null (setting '${toRayaString(index)}')`);
  throw misuse(obj, `${describeForError(obj)} cannot be indexed`);
}

/** OBJECT_SPREAD: a new object with obj's fields, then src's (later keys win). */
export function newObjectSpread(ctx: VmContext, obj: unknown, src: unknown): RObject {
  const names: string[] = [];
  const values: unknown[] = [];
  const add = (from: unknown): void => {
    if (!(from instanceof RObject)) return;
    from.layout.fieldNames.forEach((name, i) => {
      const existing = names.indexOf(name);
      if (existing >= 0) values[existing] = from.fields[i];
      else {
        names.push(name);
        values.push(from.fields[i]);
      }
    });
  };
  add(obj);
  add(src);
  if (ctx.heap !== null) chargeHeap(ctx.heap, robjectBytes(values.length));
  return new RObject(ctx.layoutForFields(names), values);
}

/** OBJECT_REST: a copy of obj's fields without the keys constants[first .. first + count). */
export function objectRest(ctx: VmContext, obj: unknown, constants: unknown[], first: number, count: number): RObject {
  if (!(obj instanceof RObject)) throw misuse(obj, `Cannot destructure ${describeForError(obj)}`);
  const excluded = new Set(constants.slice(first, first + count));
  const names: string[] = [];
  const values: unknown[] = [];
  obj.layout.fieldNames.forEach((name, i) => {
    if (!excluded.has(name)) {
      names.push(name);
      values.push(obj.fields[i]);
    }
  });
  if (ctx.heap !== null) chargeHeap(ctx.heap, robjectBytes(values.length));
  return new RObject(ctx.layoutForFields(names), values);
}

// ---------------------------------------------------------------------------------------------
// Operators, iteration, builtins

export function addSlow(a: unknown, b: unknown): unknown {
  if (typeof a === "string" || typeof b === "string") return toRayaString(a) + toRayaString(b);
  return (a as number) + (b as number);
}

export function typeOfValue(value: unknown): string {
  const t = typeof value;
  if (t === "number" || t === "string" || t === "boolean") return t;
  if (value instanceof Closure || value instanceof BoundMethod || value instanceof RClass) return "function";
  if (value instanceof NativeFunction) return value.call !== null || value.construct !== null ? "function" : "object";
  return "object";
}

export function instanceOf(value: unknown, cls: unknown): boolean {
  if (cls instanceof RClass) {
    if (!(value instanceof RObject)) return false;
    for (let walk: Layout | null = value.layout; walk instanceof RClass; walk = walk.parent) {
      if (walk === cls) return true;
    }
    return false;
  }
  if (cls instanceof NativeFunction && cls.instanceTest !== null) return cls.instanceTest(value);
  throw typeError("Right-hand side of 'instanceof' is not a class");
}

export function inOperator(key: unknown, obj: unknown): boolean {
  const name = toRayaString(key);
  if (obj instanceof RObject) {
    const layout = obj.layout;
    return layout.fieldIndex.has(name) || layout.methods.has(name) || layout.getters.has(name);
  }
  if (obj instanceof RClass) return staticSlot(obj, name) !== null || findStatic(obj, name, "method") !== null;
  if (Array.isArray(obj)) return name === "length" || (typeof key === "number" && key >= 0 && key < obj.length);
  if (obj === null || typeof obj !== "object") throw typeError(`Cannot use 'in' operator to search for '${name}' in ${describeForError(obj)}`);
  return false;
}

export function makeIterator(value: unknown, heap: HeapAccount | null = null): RIterator {
  const items = iterableItems(value);
  if (heap !== null) chargeHeap(heap, HEAP_SIZES.ITERATOR + (items === value ? 0 : iteratorSnapshotBytes(value, items)));
  return new RIterator(items);
}

/** The snapshot for…of takes of a Map (pairs), a Set, or a string (its code points). */
function iteratorSnapshotBytes(source: unknown, items: readonly unknown[]): number {
  let bytes = arrayBytes(items.length);
  if (source instanceof Map) bytes += items.length * arrayBytes(2);
  else if (typeof source === "string") {
    for (const item of items) if ((item as string).charCodeAt(0) > 0xff) bytes += stringBytes(item as string);
  }
  return bytes;
}

export function arraySpread(target: unknown[], source: unknown): void {
  if (Array.isArray(source)) {
    for (let i = 0; i < source.length; i++) target.push(source[i]);
    return;
  }
  for (const item of makeIterator(source).items) target.push(item);
}

export function loadBuiltin(ctx: VmContext, name: string): unknown {
  // A builtin the prelude defines in Raya (raya:vm's VmError, an Error subclass) is its class.
  const value = ctx.builtins.get(name) ?? ctx.intrinsic(name) ?? undefined;
  if (value === undefined) throw new VmError("Error", `'${name}' is not available in this context`);
  return value;
}

export function loadCapability(ctx: VmContext, name: string): unknown {
  const capability = ctx.owner === null ? undefined : ctx.owner.capability(name);
  if (capability !== undefined) return capability;
  throw new VmError("Error", `CapabilityNotFound: host capability '${name}' is not granted to this program`);
}
