// The interpreter: one loop that switches on the opcode read from the function's Int32Array.
// The current frame's code, pc, base and stack pointer live in local variables; a Raya call
// pushes a frame record onto the Task's parallel frame arrays and continues in the same loop,
// so no JavaScript recursion happens per Raya call. Hot instructions are handled inline;
// rare or complex ones call out-of-line helpers (which keeps this function small enough for
// the optimising compiler), saving and reloading the frame state around the call.
import { formatStackText as formatStack, type VmContext } from "./context";
import { chargeHeap, ContextError, RayaThrow, rangeError, typeError, VmError } from "./errors";
import { ARRAY_GROWTH_PER_ELEMENT, arrayBytes, concatBytes, FRAME_GROWTH_BYTES, HEAP_SIZES, robjectBytes, stringBytes, TASK_STACK_GROWTH_PER_SLOT, type HeapAccount } from "./heap";
import {
  callMethodSlow, callValueSlow, createClass, getIndexSlow, getPropertySlow, inOperator, instanceOf,
  loadBuiltin, makeClosure, newObjectSpread, newSlow, objectRest, resolveMethod, setIndexSlow,
  setPropertySlow, spawnCall, spawnMethod, typeOfValue, makeIterator, arraySpread, addSlow, superCall, superMethod,
  superGet, awaitValue, spreadArguments, loadCapability, classAllocationBytes,
} from "./operations";
import { toRayaString } from "./format";
import { CANCELLATION, Task, TaskState } from "./task";
import { Channel, Mutex } from "./sync";
import {
  ABSENT, ARRAY_KEY, BOOLEAN_KEY, Box, Closure, FunctionInfo, MAP_KEY, NativeFunction, NativeObject, NUMBER_KEY, RClass, RIterator, RObject,
  SET_KEY, STRING_KEY, SUSPEND, TASK_KEY, CHANNEL_KEY, MUTEX_KEY, type NativeImpl,
} from "./value";

// Local aliases of imported classes and values. A transpiler that compiles one file at a time
// turns an imported name into a property read on the module object (a getter under tsx);
// these keep such reads out of the dispatch loop.
const ClosureType = Closure;
const RObjectType = RObject;
const RClassType = RClass;
const BoxType = Box;
const ABSENT_VALUE = ABSENT;
const KEY_STRING = STRING_KEY;
const KEY_NUMBER = NUMBER_KEY;
const KEY_BOOLEAN = BOOLEAN_KEY;
const KEY_ARRAY = ARRAY_KEY;
const KEY_MAP = MAP_KEY;
const KEY_SET = SET_KEY;
const KEY_TASK = TASK_KEY;
const TaskType = Task;
const SUSPEND_SIGNAL = SUSPEND;
const ChannelType = Channel;
const MutexType = Mutex;
const KEY_CHANNEL = CHANNEL_KEY;
const KEY_MUTEX = MUTEX_KEY;
const NativeFunctionType = NativeFunction;

/** The inline-cache key of a receiver that is never stored in a cache. */
export const UNCACHED = { kind: "uncached" };

/** The inline-cache key of a receiver that is not an RObject (RObjects use their layout). */
export function receiverKey(receiver: unknown): unknown {
  switch (typeof receiver) {
    case "string":
      return KEY_STRING;
    case "number":
      return KEY_NUMBER;
    case "boolean":
      return KEY_BOOLEAN;
  }
  if (Array.isArray(receiver)) return KEY_ARRAY;
  if (receiver instanceof Map) return KEY_MAP;
  if (receiver instanceof Set) return KEY_SET;
  if (receiver instanceof TaskType) return KEY_TASK;
  if (receiver instanceof ChannelType) return KEY_CHANNEL;
  if (receiver instanceof MutexType) return KEY_MUTEX;
  if (receiver instanceof RClassType || receiver instanceof NativeFunctionType) return receiver;
  if (receiver instanceof NativeObject) return receiver.nativeClass;
  return UNCACHED;
}

// The instruction set of ../bytecode/opcodes.ts, mirrored here so every opcode is a literal
// inside this file: transpilers that compile one file at a time (tsx, esbuild without
// bundling) cannot inline a const enum imported from another module, and a property load
// per `case` would dominate the dispatch loop. A test checks this mirror against OP_NAMES.
export const enum O {
  NOP = 0, CONST = 1, PUSH_INT = 2, PUSH_NULL = 3, PUSH_TRUE = 4, PUSH_FALSE = 5, POP = 6, DUP = 7,
  DUP2 = 8, SWAP = 9, LOAD_LOCAL = 10, STORE_LOCAL = 11, LOAD_GLOBAL = 12, STORE_GLOBAL = 13,
  BOX_LOCAL = 14, LOAD_BOXED = 15, STORE_BOXED = 16, LOAD_CAPTURE = 17, STORE_CAPTURE = 18,
  LOAD_BUILTIN = 19, JUMP_IF_NOT_ABSENT = 20, ADD = 21, SUB = 22, MUL = 23, DIV = 24, MOD = 25,
  POW = 26, ADD_I = 27, SUB_I = 28, MUL_I = 29, MOD_I = 30, BIT_AND = 31, BIT_OR = 32,
  BIT_XOR = 33, SHL = 34, SHR = 35, USHR = 36, NEG = 37, NEG_I = 38, PLUS = 39, BIT_NOT = 40,
  NOT = 41, EQ = 42, NE = 43, LT = 44, LE = 45, GT = 46, GE = 47, TYPEOF = 48, INSTANCEOF = 49,
  IN = 50, TO_STRING = 51, JUMP = 52, JUMP_IF_FALSE = 53, JUMP_IF_TRUE = 54,
  JUMP_IF_FALSE_KEEP = 55, JUMP_IF_TRUE_KEEP = 56, JUMP_IF_NOT_NULL_KEEP = 57,
  JUMP_IF_NULL_KEEP = 58, CALL = 59, CALL_METHOD = 60, CALL_SPREAD = 61, CALL_METHOD_SPREAD = 62,
  SUPER_CALL = 63, SUPER_METHOD = 64, SUPER_GET = 65, RETURN = 66, CLOSURE = 67, SPAWN = 68,
  SPAWN_METHOD = 69, AWAIT = 70, CLASS = 71, NEW = 72, NEW_SPREAD = 73, NEW_OBJECT = 74,
  OBJECT_SPREAD = 75, OBJECT_REST = 76, GET_PROP = 77, SET_PROP = 78, GET_INDEX = 79,
  SET_INDEX = 80, GET_INDEX_OR_ABSENT = 81, NEW_ARRAY = 82, ARRAY_PUSH = 83, ARRAY_SPREAD = 84,
  ARRAY_SLICE_FROM = 85, IS_ABSENT = 86, ITER_INIT = 87, ITER_NEXT = 88, THROW = 89,
  LOAD_CAPABILITY = 90, SUPER_CALL_SPREAD = 91, SPAWN_SPREAD = 92, SPAWN_METHOD_SPREAD = 93,
}

/** How a returning frame delivers its result (frameMode). */
export const enum FrameMode {
  /** stack[base] = result (callee slot replaced by the result). */
  Normal = 0,
  /** A `new`: the constructed `this` in slot 0 stays as the result. */
  Construct = 1,
  /** As Construct, then the Error instance's `stack` is filled in. */
  ConstructError = 2,
  /** Nothing is left (setter calls: the assigned value already sits below the frame). */
  Discard = 3,
  /** SUPER_CALL: the parent class value below the frame is removed too. */
  DropBelow = 4,
  /** SUPER_METHOD / SUPER_GET: the result replaces the parent class value below the frame. */
  ReplaceBelow = 5,
}

export const enum CallOutcome {
  Continue = 0,
  Suspended = 1,
  Spawned = 2,
}

/** What an inline cache entry (fn.icKinds[pc]) says about the cached target. */
export const enum IcKind {
  None = 0,
  /** icTargets holds a Closure called with the receiver as `this`. */
  RayaMethod = 1,
  /** icTargets holds a NativeImpl reading the receiver at stack[at]. */
  Native = 2,
  /** icTargets holds a prelude Closure called with the receiver as its first argument. */
  Prelude = 3,
  /** Not cacheable: take the slow path. */
  Slow = 4,
  /** GET_PROP `length` of an array or a string. */
  Length = 5,
  /** icTargets holds an async method Closure: calling it starts a Task. */
  AsyncMethod = 6,
  /** Array push, done inline (the commonest native call in loops). */
  ArrayPush = 7,
  /** icTargets holds a NativeImpl that reads where it was called (console.log's location for a
   *  debugger): called out of line, where the Task's frame and pc are saved first. */
  NativeAtCallSite = 8,
}

export const enum AwaitOutcome {
  Ready = 0,
  Pending = 1,
}

export const enum RunStatus {
  /** The Task returned from its bottom frame; task.result holds the value. */
  Done = 0,
  /** An uncaught throw ended the Task; task.result holds the thrown value. */
  Failed = 1,
  /** The Task sleeps or awaits; whoever will wake it has been told. */
  Suspended = 2,
  /** The fuel ran out; the Task resumes at its saved pc. */
  Preempted = 3,
  /** The Task started another (task.spawned), which should run first. */
  Spawned = 4,
  /** A debugger stopped the Task: it reached a DEBUG_BREAK, or ctx.debugHooks.onThrow asked
   *  to stop at a throw. The Task's pc is that instruction's. Only runtime/debug sees it. */
  Breakpoint = 5,
}

/** A reserved opcode value, never produced by codegen nor accepted by the verifier: the
 *  debugger patches it over an instruction in a context's copy of a function's code. */
export const DEBUG_BREAK_OPCODE = 255;

/** Frames per Task; one more call throws a catchable RangeError. */
export const MAX_FRAMES = 10_000;
/** Steps charged for an error the VM raises (capturing its trace, building its stack text). */
export const RAISED_ERROR_FUEL = 1000;
/** Value-stack slots per Task, so huge frames cannot exhaust memory before MAX_FRAMES. */
export const MAX_STACK_SLOTS = 4_000_000;

export function stackOverflow(): VmError {
  return rangeError("Maximum call stack size exceeded");
}

/** Grows the Task's stack (with nulls, so the array stays packed) to hold `size` slots; the
 *  growth is charged to `heap` (the context's account when it has a limit). */
export function ensureStack(stack: unknown[], size: number, heap: HeapAccount | null = null): void {
  if (stack.length >= size) return;
  if (heap !== null) chargeHeap(heap, (size - stack.length) * TASK_STACK_GROWTH_PER_SLOT);
  while (stack.length < size) stack.push(null);
}

/**
 * Lays out a new frame's slots above `at` (slot 0) for `argc` passed arguments: missing
 * parameters get ABSENT_VALUE, a rest parameter gets an array of the remaining arguments, extra
 * arguments are dropped, other locals start as null. Returns the frame's stack pointer.
 */
export function prepareFrame(stack: unknown[], at: number, argc: number, fn: FunctionInfo, heap: HeapAccount | null = null): number {
  if (at + fn.frameSize > MAX_STACK_SLOTS) throw stackOverflow();
  ensureStack(stack, at + fn.frameSize, heap);
  const arity = fn.arity;
  if (fn.hasRest) {
    const fixed = arity - 1;
    let rest: unknown[];
    if (argc > fixed) {
      if (heap !== null) chargeHeap(heap, arrayBytes(argc - fixed));
      rest = stack.slice(at + 1 + fixed, at + 1 + argc);
    } else {
      rest = [];
      for (let i = argc; i < fixed; i++) stack[at + 1 + i] = ABSENT_VALUE;
    }
    stack[at + arity] = rest;
  } else {
    for (let i = argc; i < arity; i++) stack[at + 1 + i] = ABSENT_VALUE;
  }
  const end = at + fn.numLocals;
  for (let i = at + arity + 1; i < end; i++) stack[i] = null;
  return end;
}

/**
 * A call one frame deeper than the Task has ever been: past MAX_FRAMES it is a Raya stack
 * overflow; otherwise the four frame arrays grow by a slot, charged to a limited context.
 * (The frame arrays never outgrow MAX_FRAMES, so callers test only their length.)
 */
function newFrameDepth(fp: number, heap: HeapAccount | null): void {
  if (fp + 1 >= MAX_FRAMES) throw stackOverflow();
  if (heap !== null) chargeHeap(heap, FRAME_GROWTH_BYTES);
}

/** Pushes a frame for `closure` whose slot 0 is at stack[at]; used by the out-of-line helpers. */
export function pushFrame(task: Task, closure: Closure, at: number, argc: number, mode: FrameMode): void {
  if (task.fp + 1 >= task.frameClosure.length) newFrameDepth(task.fp, task.context.heap);
  const sp = prepareFrame(task.stack, at, argc, closure.proto, task.context.heap);
  const fp = ++task.fp;
  task.frameClosure[fp] = closure;
  task.frameBase[fp] = at;
  task.frameMode[fp] = mode;
  task.framePc[fp] = 0;
  task.sp = sp;
}

function nullFields(count: number): unknown[] {
  const fields: unknown[] = [];
  for (let i = 0; i < count; i++) fields.push(null);
  return fields;
}

/**
 * Runs `task` until it finishes, suspends, or has executed `fuel` instructions. Every
 * instruction costs one unit; the context's stepsExecuted grows by the units spent.
 */
export function interpret(task: Task, fuel: number): RunStatus {
  const ctx = task.context;
  /** Null unless the context has maxHeapBytes: then allocations below are charged to it. */
  const heap = ctx.heap;
  const constants = ctx.constants;
  const globals = ctx.globals;
  const stack = task.stack;
  const fClosure = task.frameClosure;
  const fPc = task.framePc;
  const fBase = task.frameBase;
  const fMode = task.frameMode;
  const fuelGiven = fuel;

  let fp = task.fp;
  let closure = fClosure[fp];
  let fn = closure.proto;
  let code = fn.code;
  let base = fBase[fp];
  let pc = fPc[fp];
  let sp = task.sp;
  let ip = pc;

  for (;;) {
    try {
      if (task.awaiting !== null) {
        // Resuming after AWAIT: deliver the result, rethrow the failure, or keep waiting.
        ip = pc - 1;
        const awaited = task.awaiting;
        task.awaiting = null;
        task.sp = sp;
        const outcome = awaitValue(task, awaited);
        if (outcome === AwaitOutcome.Pending) {
          task.awaiting = awaited;
          task.state = TaskState.Blocked;
          return RunStatus.Suspended;
        }
        stack[sp++] = task.transfer;
        task.transfer = null;
      }
      for (;;) {
        if (fuel === 0) {
          task.fp = fp;
          task.sp = sp;
          fPc[fp] = pc;
          ctx.stepsExecuted += fuelGiven;
          return RunStatus.Preempted;
        }
        fuel--;
        ip = pc;
        switch (code[pc++]) {
          case O.NOP:
            break;
          case O.CONST:
            stack[sp++] = constants[code[pc++]];
            break;
          case O.PUSH_INT:
            stack[sp++] = code[pc++];
            break;
          case O.PUSH_NULL:
            stack[sp++] = null;
            break;
          case O.PUSH_TRUE:
            stack[sp++] = true;
            break;
          case O.PUSH_FALSE:
            stack[sp++] = false;
            break;
          case O.POP:
            sp--;
            break;
          case O.DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
          case O.DUP2:
            stack[sp] = stack[sp - 2];
            stack[sp + 1] = stack[sp - 1];
            sp += 2;
            break;
          case O.SWAP: {
            const top = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = top;
            break;
          }

          // ---- variables
          case O.LOAD_LOCAL:
            stack[sp++] = stack[base + code[pc++]];
            break;
          case O.STORE_LOCAL:
            stack[base + code[pc++]] = stack[--sp];
            break;
          case O.LOAD_GLOBAL:
            stack[sp++] = globals[code[pc++]];
            break;
          case O.STORE_GLOBAL:
            globals[code[pc++]] = stack[--sp];
            break;
          case O.BOX_LOCAL: {
            const slot = base + code[pc++];
            if (heap !== null) chargeHeap(heap, HEAP_SIZES.BOX);
            stack[slot] = new BoxType(stack[slot]);
            break;
          }
          case O.LOAD_BOXED:
            stack[sp++] = (stack[base + code[pc++]] as Box).value;
            break;
          case O.STORE_BOXED:
            (stack[base + code[pc++]] as Box).value = stack[--sp];
            break;
          case O.LOAD_CAPTURE:
            stack[sp++] = closure.captures[code[pc++]].value;
            break;
          case O.STORE_CAPTURE:
            closure.captures[code[pc++]].value = stack[--sp];
            break;
          case O.LOAD_BUILTIN:
            stack[sp++] = loadBuiltin(ctx, constants[code[pc++]] as string);
            break;
          case O.JUMP_IF_NOT_ABSENT: {
            const slot = code[pc++];
            const target = code[pc++];
            if (stack[base + slot] !== ABSENT_VALUE) pc = target;
            break;
          }

          // ---- arithmetic
          case O.ADD: {
            const b = stack[--sp];
            const a = stack[sp - 1];
            if (typeof a === "number" && typeof b === "number") {
              stack[sp - 1] = a + b;
            } else {
              const sum = addSlow(a, b);
              if (heap !== null && typeof sum === "string") chargeHeap(heap, concatBytes(sum, a, b));
              stack[sp - 1] = sum;
            }
            break;
          }
          case O.SUB: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) - b;
            break;
          }
          case O.MUL: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) * b;
            break;
          }
          case O.DIV: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) / b;
            break;
          }
          case O.MOD: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) % b;
            break;
          }
          case O.POW: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) ** b;
            break;
          }
          case O.ADD_I: {
            const b = stack[--sp] as number;
            stack[sp - 1] = ((stack[sp - 1] as number) + b) | 0;
            break;
          }
          case O.SUB_I: {
            const b = stack[--sp] as number;
            stack[sp - 1] = ((stack[sp - 1] as number) - b) | 0;
            break;
          }
          case O.MUL_I: {
            const b = stack[--sp] as number;
            stack[sp - 1] = Math.imul(stack[sp - 1] as number, b);
            break;
          }
          case O.MOD_I: {
            const b = stack[--sp] as number;
            if (b === 0) throw rangeError("Division by zero");
            stack[sp - 1] = ((stack[sp - 1] as number) % b) | 0;
            break;
          }
          case O.BIT_AND: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) & b;
            break;
          }
          case O.BIT_OR: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) | b;
            break;
          }
          case O.BIT_XOR: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) ^ b;
            break;
          }
          case O.SHL: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) << b;
            break;
          }
          case O.SHR: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) >> b;
            break;
          }
          case O.USHR: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) >>> b;
            break;
          }
          case O.NEG:
            stack[sp - 1] = -(stack[sp - 1] as number);
            break;
          case O.NEG_I:
            stack[sp - 1] = -(stack[sp - 1] as number) | 0;
            break;
          case O.PLUS:
            stack[sp - 1] = +(stack[sp - 1] as number);
            break;
          case O.BIT_NOT:
            stack[sp - 1] = ~(stack[sp - 1] as number);
            break;
          case O.NOT:
            stack[sp - 1] = !stack[sp - 1];
            break;
          case O.EQ: {
            const b = stack[--sp];
            stack[sp - 1] = stack[sp - 1] === b;
            break;
          }
          case O.NE: {
            const b = stack[--sp];
            stack[sp - 1] = stack[sp - 1] !== b;
            break;
          }
          case O.LT: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) < b;
            break;
          }
          case O.LE: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) <= b;
            break;
          }
          case O.GT: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) > b;
            break;
          }
          case O.GE: {
            const b = stack[--sp] as number;
            stack[sp - 1] = (stack[sp - 1] as number) >= b;
            break;
          }
          case O.TYPEOF:
            stack[sp - 1] = typeOfValue(stack[sp - 1]);
            break;
          case O.INSTANCEOF: {
            const cls = stack[--sp];
            stack[sp - 1] = instanceOf(stack[sp - 1], cls);
            break;
          }
          case O.IN: {
            const obj = stack[--sp];
            stack[sp - 1] = inOperator(stack[sp - 1], obj);
            break;
          }
          case O.TO_STRING: {
            const v = stack[sp - 1];
            if (typeof v !== "string") {
              const text = toRayaString(v);
              if (heap !== null) chargeHeap(heap, stringBytes(text));
              stack[sp - 1] = text;
            }
            break;
          }

          // ---- control flow
          case O.JUMP:
            pc = code[pc];
            break;
          case O.JUMP_IF_FALSE:
            if (!stack[--sp]) pc = code[pc];
            else pc++;
            break;
          case O.JUMP_IF_TRUE:
            if (stack[--sp]) pc = code[pc];
            else pc++;
            break;
          case O.JUMP_IF_FALSE_KEEP:
            if (!stack[sp - 1]) pc = code[pc];
            else {
              sp--;
              pc++;
            }
            break;
          case O.JUMP_IF_TRUE_KEEP:
            if (stack[sp - 1]) pc = code[pc];
            else {
              sp--;
              pc++;
            }
            break;
          case O.JUMP_IF_NOT_NULL_KEEP:
            if (stack[sp - 1] !== null) pc = code[pc];
            else {
              sp--;
              pc++;
            }
            break;
          case O.JUMP_IF_NULL_KEEP:
            if (stack[sp - 1] === null) pc = code[pc];
            else pc++;
            break;

          // ---- calls
          case O.CALL: {
            const argc = code[pc++];
            const at = sp - argc - 1;
            const callee = stack[at];
            if (callee instanceof ClosureType && !callee.proto.isAsync) {
              const target = callee.proto;
              if (fp + 1 >= fClosure.length) newFrameDepth(fp, heap);
              if (argc === target.plainArity && at + target.frameSize <= stack.length) {
                const end = at + target.numLocals;
                for (let i = at + argc + 1; i < end; i++) stack[i] = null;
                sp = end;
              } else {
                sp = prepareFrame(stack, at, argc, target, heap); // may throw: before the frame is recorded
              }
              fPc[fp] = pc;
              fp++;
              fClosure[fp] = callee;
              fBase[fp] = at;
              fMode[fp] = FrameMode.Normal;
              closure = callee;
              fn = target;
              code = target.code;
              base = at;
              pc = 0;
              break;
            }
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            const outcome = callValueSlow(task, callee, at, argc, FrameMode.Normal);
            if (outcome !== CallOutcome.Continue) return finishSlice(task, outcome, fuelGiven - fuel);
            fp = task.fp;
            sp = task.sp;
            closure = fClosure[fp];
            fn = closure.proto;
            code = fn.code;
            base = fBase[fp];
            pc = fPc[fp];
            break;
          }
          case O.CALL_METHOD: {
            const name = code[pc++];
            const argc = code[pc++];
            const at = sp - argc - 1;
            const receiver = stack[at];
            const key = receiver instanceof RObjectType ? receiver.layout : receiverKey(receiver);
            let kind: number;
            if (fn.icKeys[ip] === key) kind = fn.icKinds[ip];
            else kind = resolveMethod(ctx, fn, ip, receiver, constants[name] as string, argc);
            if (kind === IcKind.RayaMethod) {
              const method = fn.icTargets[ip] as Closure;
              const target = method.proto;
              if (fp + 1 >= fClosure.length) newFrameDepth(fp, heap);
              if (argc === target.plainArity && at + target.frameSize <= stack.length) {
                const end = at + target.numLocals;
                for (let i = at + argc + 1; i < end; i++) stack[i] = null;
                sp = end;
              } else {
                sp = prepareFrame(stack, at, argc, target, heap); // may throw: before the frame is recorded
              }
              fPc[fp] = pc;
              fp++;
              fClosure[fp] = method;
              fBase[fp] = at;
              fMode[fp] = FrameMode.Normal;
              closure = method;
              fn = target;
              code = target.code;
              base = at;
              pc = 0;
              break;
            }
            if (kind === IcKind.ArrayPush) {
              const array = receiver as unknown[];
              if (heap !== null) chargeHeap(heap, (sp - at - 1) * ARRAY_GROWTH_PER_ELEMENT);
              for (let i = at + 1; i < sp; i++) array.push(stack[i]);
              stack[at] = array.length;
              sp = at + 1;
              break;
            }
            if (kind === IcKind.Native) {
              const result = (fn.icTargets[ip] as NativeImpl)(ctx, stack, at, argc);
              sp = at + 1;
              if (result === SUSPEND_SIGNAL) {
                // A blocking native (Mutex.lock, Channel.send/receive): the waker fills stack[at].
                stack[at] = null;
                task.fp = fp;
                task.sp = sp;
                fPc[fp] = pc;
                ctx.stepsExecuted += fuelGiven - fuel;
                return RunStatus.Suspended;
              }
              stack[at] = result;
              break;
            }
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            const outcome = callMethodSlow(task, fn, ip, kind, at, argc, constants[name] as string);
            if (outcome !== CallOutcome.Continue) return finishSlice(task, outcome, fuelGiven - fuel);
            fp = task.fp;
            sp = task.sp;
            closure = fClosure[fp];
            fn = closure.proto;
            code = fn.code;
            base = fBase[fp];
            pc = fPc[fp];
            break;
          }
          case O.CALL_SPREAD:
          case O.CALL_METHOD_SPREAD: {
            const op = code[ip];
            const name = op === O.CALL_METHOD_SPREAD ? (constants[code[pc++]] as string) : null;
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            const argc = spreadArguments(task);
            const at = task.sp - argc - 1;
            const outcome =
              name === null
                ? callValueSlow(task, stack[at], at, argc, FrameMode.Normal)
                : callMethodSlow(task, fn, ip, resolveMethod(ctx, fn, ip, stack[at], name, argc), at, argc, name);
            if (outcome !== CallOutcome.Continue) return finishSlice(task, outcome, fuelGiven - fuel);
            fp = task.fp;
            sp = task.sp;
            closure = fClosure[fp];
            fn = closure.proto;
            code = fn.code;
            base = fBase[fp];
            pc = fPc[fp];
            break;
          }
          case O.SUPER_CALL:
          case O.SUPER_METHOD:
          case O.SUPER_GET: {
            const op = code[ip];
            task.fp = fp;
            task.sp = sp;
            if (op === O.SUPER_CALL) {
              const argc = code[pc++];
              fPc[fp] = pc;
              superCall(task, argc);
            } else if (op === O.SUPER_METHOD) {
              const name = constants[code[pc++]] as string;
              const argc = code[pc++];
              fPc[fp] = pc;
              const outcome = superMethod(task, name, argc);
              if (outcome !== CallOutcome.Continue) return finishSlice(task, outcome, fuelGiven - fuel);
            } else {
              const name = constants[code[pc++]] as string;
              fPc[fp] = pc;
              superGet(task, name);
            }
            fp = task.fp;
            sp = task.sp;
            closure = fClosure[fp];
            fn = closure.proto;
            code = fn.code;
            base = fBase[fp];
            pc = fPc[fp];
            break;
          }
          case O.RETURN: {
            const result = stack[sp - 1];
            if (fp === 0) {
              task.result = result;
              task.fp = fp;
              task.sp = sp;
              fPc[fp] = pc;
              ctx.stepsExecuted += fuelGiven - fuel;
              return RunStatus.Done;
            }
            const mode = fMode[fp];
            const frameBase = base;
            fp--;
            closure = fClosure[fp];
            fn = closure.proto;
            code = fn.code;
            base = fBase[fp];
            pc = fPc[fp];
            if (mode === FrameMode.Normal) {
              stack[frameBase] = result;
              sp = frameBase + 1;
            } else if (mode === FrameMode.Construct) {
              sp = frameBase + 1;
            } else if (mode === FrameMode.ConstructError) {
              sp = frameBase + 1;
              task.fp = fp;
              fPc[fp] = pc;
              fillErrorStack(ctx, task, stack[frameBase] as RObject, pc - 1);
            } else if (mode === FrameMode.Discard) {
              sp = frameBase;
            } else if (mode === FrameMode.DropBelow) {
              sp = frameBase - 1;
            } else {
              stack[frameBase - 1] = result;
              sp = frameBase;
            }
            break;
          }
          case O.CLOSURE:
            stack[sp++] = makeClosure(ctx, code[pc++], closure, stack, base);
            break;
          case O.SPAWN:
          case O.SPAWN_METHOD: {
            const op = code[ip];
            const name = op === O.SPAWN_METHOD ? (constants[code[pc++]] as string) : null;
            const argc = code[pc++];
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            if (name === null) spawnCall(task, sp - argc - 1, argc);
            else spawnMethod(task, fn, ip, sp - argc - 1, argc, name);
            ctx.stepsExecuted += fuelGiven - fuel;
            return RunStatus.Spawned;
          }
          case O.SPAWN_SPREAD:
          case O.SPAWN_METHOD_SPREAD: {
            const op = code[ip];
            const name = op === O.SPAWN_METHOD_SPREAD ? (constants[code[pc++]] as string) : null;
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            const argc = spreadArguments(task);
            const at = task.sp - argc - 1;
            if (name === null) spawnCall(task, at, argc);
            else spawnMethod(task, fn, ip, at, argc, name);
            ctx.stepsExecuted += fuelGiven - fuel;
            return RunStatus.Spawned;
          }
          case O.SUPER_CALL_SPREAD: {
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            superCall(task, spreadArguments(task));
            fp = task.fp;
            sp = task.sp;
            closure = fClosure[fp];
            fn = closure.proto;
            code = fn.code;
            base = fBase[fp];
            pc = fPc[fp];
            break;
          }
          case O.AWAIT: {
            task.sp = sp;
            const outcome = awaitValue(task, stack[sp - 1]);
            if (outcome === AwaitOutcome.Ready) {
              stack[sp - 1] = task.transfer;
              task.transfer = null;
              break;
            }
            task.awaiting = stack[--sp];
            task.state = TaskState.Blocked;
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            ctx.stepsExecuted += fuelGiven - fuel;
            return RunStatus.Suspended;
          }

          // ---- classes and objects
          case O.CLASS:
            {
              const cls = createClass(ctx, code[pc++], stack[sp - 1], closure, stack, base);
              if (heap !== null) chargeHeap(heap, classAllocationBytes(cls));
              stack[sp - 1] = cls;
            }
            break;
          case O.NEW: {
            const argc = code[pc++];
            const at = sp - argc - 1;
            const cls = stack[at];
            if (cls instanceof RClassType && cls.constructorClosure !== null && !cls.layoutInfo.abstract) {
              const ctor = cls.constructorClosure;
              const target = ctor.proto;
              if (fp + 1 >= fClosure.length) newFrameDepth(fp, heap);
              const mode =
                cls.errorState === 2 || (cls.errorState === 0 && !ctx.isErrorClass(cls))
                  ? FrameMode.Construct
                  : FrameMode.ConstructError;
              sp = prepareFrame(stack, at, argc, target, heap); // may throw: before the frame is recorded
              if (heap !== null) chargeHeap(heap, robjectBytes(cls.fieldNames.length));
              stack[at] = new RObjectType(cls, nullFields(cls.fieldNames.length));
              fPc[fp] = pc;
              fp++;
              fClosure[fp] = ctor;
              fBase[fp] = at;
              fMode[fp] = mode;
              closure = ctor;
              fn = target;
              code = target.code;
              base = at;
              pc = 0;
              break;
            }
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            newSlow(task, cls, at, argc);
            sp = task.sp;
            break;
          }
          case O.NEW_SPREAD: {
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            const argc = spreadArguments(task);
            const at = task.sp - argc - 1;
            const cls = stack[at];
            if (cls instanceof RClassType && cls.constructorClosure !== null && !cls.layoutInfo.abstract) {
              if (heap !== null) chargeHeap(heap, robjectBytes(cls.fieldNames.length));
              stack[at] = new RObjectType(cls, nullFields(cls.fieldNames.length));
              pushFrame(task, cls.constructorClosure, at, argc, ctx.isErrorClass(cls) ? FrameMode.ConstructError : FrameMode.Construct);
            } else {
              newSlow(task, cls, at, argc);
            }
            fp = task.fp;
            sp = task.sp;
            closure = fClosure[fp];
            fn = closure.proto;
            code = fn.code;
            base = fBase[fp];
            pc = fPc[fp];
            break;
          }
          case O.NEW_OBJECT: {
            const layout = ctx.shapeLayouts[code[pc++]]!;
            const count = layout.fieldNames.length;
            if (heap !== null) chargeHeap(heap, robjectBytes(count));
            const fields = stack.slice(sp - count, sp);
            sp -= count;
            stack[sp++] = new RObjectType(layout, fields);
            break;
          }
          case O.OBJECT_SPREAD: {
            const source = stack[--sp];
            stack[sp - 1] = newObjectSpread(ctx, stack[sp - 1], source);
            break;
          }
          case O.OBJECT_REST: {
            const first = code[pc++];
            const count = code[pc++];
            stack[sp - 1] = objectRest(ctx, stack[sp - 1], constants, first, count);
            break;
          }
          case O.GET_PROP: {
            const name = code[pc++];
            const obj = stack[sp - 1];
            if (obj instanceof RObjectType && fn.icKeys[ip] === obj.layout) {
              stack[sp - 1] = obj.fields[fn.icSlots[ip]];
              break;
            }
            if (fn.icKinds[ip] === IcKind.Length) {
              if (Array.isArray(obj) || typeof obj === "string") {
                stack[sp - 1] = obj.length;
                break;
              }
            }
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            if (getPropertySlow(task, fn, ip, obj, constants[name] as string)) {
              fp = task.fp;
              closure = fClosure[fp];
              fn = closure.proto;
              code = fn.code;
              base = fBase[fp];
              pc = fPc[fp];
            }
            sp = task.sp;
            break;
          }
          case O.SET_PROP: {
            const name = code[pc++];
            const value = stack[sp - 1];
            const obj = stack[sp - 2];
            if (obj instanceof RObjectType && fn.icKeys[ip] === obj.layout) {
              obj.fields[fn.icSlots[ip]] = value;
              stack[sp - 2] = value;
              sp--;
              break;
            }
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = pc;
            if (setPropertySlow(task, fn, ip, obj, constants[name] as string, value)) {
              fp = task.fp;
              closure = fClosure[fp];
              fn = closure.proto;
              code = fn.code;
              base = fBase[fp];
              pc = fPc[fp];
            }
            sp = task.sp;
            break;
          }
          case O.GET_INDEX: {
            const index = stack[--sp];
            const obj = stack[sp - 1];
            if (Array.isArray(obj) && typeof index === "number") {
              const value = obj[index];
              if (value !== undefined) {
                stack[sp - 1] = value;
                break;
              }
            }
            stack[sp - 1] = getIndexSlow(obj, index, false);
            break;
          }
          case O.GET_INDEX_OR_ABSENT: {
            const index = stack[--sp];
            stack[sp - 1] = getIndexSlow(stack[sp - 1], index, true);
            break;
          }
          case O.SET_INDEX: {
            const value = stack[--sp];
            const index = stack[--sp];
            const obj = stack[sp - 1];
            if (Array.isArray(obj) && typeof index === "number" && index >= 0 && index < obj.length && (index | 0) === index) {
              obj[index] = value;
            } else {
              if (heap !== null && Array.isArray(obj) && index === obj.length) chargeHeap(heap, ARRAY_GROWTH_PER_ELEMENT);
              setIndexSlow(obj, index, value);
            }
            stack[sp - 1] = value;
            break;
          }
          case O.NEW_ARRAY: {
            const count = code[pc++];
            if (heap !== null) chargeHeap(heap, arrayBytes(count));
            const array = stack.slice(sp - count, sp);
            sp -= count;
            stack[sp++] = array;
            break;
          }
          case O.ARRAY_PUSH: {
            const value = stack[--sp];
            if (heap !== null) chargeHeap(heap, ARRAY_GROWTH_PER_ELEMENT);
            (stack[sp - 1] as unknown[]).push(value);
            break;
          }
          case O.ARRAY_SPREAD: {
            const source = stack[--sp];
            const target = stack[sp - 1] as unknown[];
            if (heap !== null) {
              // Charged after the copy (the count is known only then): an over-count at worst.
              const before = target.length;
              arraySpread(target, source);
              chargeHeap(heap, (target.length - before) * ARRAY_GROWTH_PER_ELEMENT);
            } else {
              arraySpread(target, source);
            }
            break;
          }
          case O.ARRAY_SLICE_FROM: {
            const from = code[pc++];
            const array = stack[sp - 1];
            if (!Array.isArray(array)) throw typeError("rest element of a non-array value");
            if (heap !== null) chargeHeap(heap, arrayBytes(Math.max(0, array.length - from)));
            stack[sp - 1] = array.slice(from);
            break;
          }
          case O.IS_ABSENT:
            stack[sp - 1] = stack[sp - 1] === ABSENT_VALUE;
            break;

          // ---- iteration
          case O.ITER_INIT:
            stack[sp - 1] = makeIterator(stack[sp - 1], heap);
            break;
          case O.ITER_NEXT: {
            const iterator = stack[sp - 1] as RIterator;
            if (iterator.index < iterator.items.length) {
              stack[sp++] = iterator.items[iterator.index++];
              pc++;
            } else {
              sp--;
              pc = code[pc];
            }
            break;
          }

          // ---- exceptions and sandbox
          case O.THROW:
            throw new RayaThrow(stack[sp - 1]);
          case O.LOAD_CAPABILITY:
            stack[sp++] = loadCapability(ctx, constants[code[pc++]] as string);
            break;
          case 255: // DEBUG_BREAK_OPCODE (a literal, as for the O mirror above)
            task.fp = fp;
            task.sp = sp;
            fPc[fp] = ip;
            ctx.stepsExecuted += fuelGiven - fuel - 1;
            return RunStatus.Breakpoint;
          default:
            throw new VmError("Error", `invalid opcode ${code[ip]} at pc ${ip}`);
        }
      }
    } catch (error) {
      task.fp = fp;
      task.sp = sp;
      fPc[fp] = ip;
      const thrown = thrownValue(ctx, task, error, ip);
      // An error the VM raises (with its stack trace) costs as much as many instructions: it is
      // charged as fuel, so a loop of them cannot stretch a slice far past its time.
      if (!(error instanceof RayaThrow)) fuel = fuel > RAISED_ERROR_FUEL ? fuel - RAISED_ERROR_FUEL : 0;
      if (ctx.debugHooks !== null && thrown !== CANCELLATION && ctx.debugHooks.onThrow(task, thrown, ip)) {
        ctx.stepsExecuted += fuelGiven - fuel;
        return RunStatus.Breakpoint; // the debugger rethrows it with unwind() when it resumes
      }
      if (!unwind(task, thrown, ip)) {
        ctx.stepsExecuted += fuelGiven - fuel;
        return RunStatus.Failed;
      }
      fp = task.fp;
      sp = task.sp;
      closure = fClosure[fp];
      fn = closure.proto;
      code = fn.code;
      base = fBase[fp];
      pc = fPc[fp];
    }
  }
}

/** Ends a slice after an out-of-line call that suspended or started a Task. */
function finishSlice(task: Task, outcome: CallOutcome, spent: number): RunStatus {
  task.context.stepsExecuted += spent;
  return outcome === CallOutcome.Suspended ? RunStatus.Suspended : RunStatus.Spawned;
}

/** The Raya value a JavaScript exception caught by the interpreter stands for. */
function thrownValue(ctx: VmContext, task: Task, error: unknown, ip: number): unknown {
  if (error instanceof RayaThrow) return error.value;
  const made = errorObject(ctx, task, error, ip);
  if (ctx.heap !== null) chargeHeap(ctx.heap, errorBytes(made));
  return made;
}

/** An error object with its message and stack text, as a limited context pays for it. */
function errorBytes(error: RObject): number {
  let bytes = robjectBytes(error.fields.length);
  for (const field of error.fields) if (typeof field === "string") bytes += stringBytes(field);
  return bytes;
}

/** The Raya error a JavaScript exception raised by the VM or a native stands for. */
function errorObject(ctx: VmContext, task: Task, error: unknown, ip: number): RObject {
  if (error instanceof VmError) return ctx.makeError(error.kind, error.message, ctx.captureTrace(task, ip));
  // raya:vm reporting a failure of an inner context (or of creating one).
  if (error instanceof ContextError) return ctx.makeVmError(error, ctx.captureTrace(task, ip));
  // A JavaScript builtin used by a native rejected its input (e.g. "ab".repeat(-1)), or a
  // native recursed too deeply (formatting a very deeply nested structure).
  if (error instanceof RangeError) return ctx.makeError("RangeError", error.message, ctx.captureTrace(task, ip));
  if (error instanceof TypeError) return ctx.makeError("TypeError", error.message, ctx.captureTrace(task, ip));
  throw error; // anything else is a bug in the VM itself: let it surface
}

/**
 * Finds the innermost handler covering the throw (the top frame at `topPc`, callers at their
 * call instruction), cuts the stack back and jumps there. Returns false when no frame handles
 * it: the Task has failed, task.result holds the value and task.failureTrace where it was thrown.
 */
export function unwind(task: Task, value: unknown, topPc: number): boolean {
  const stack = task.stack;
  // A cancellation passes catch handlers by: only finally blocks run for it.
  const finallyOnly = value === CANCELLATION;
  for (let f = task.fp; f >= 0; f--) {
    const fn = task.frameClosure[f].proto;
    const pc = f === task.fp ? topPc : task.framePc[f] - 1;
    const handlers = fn.proto.handlers;
    for (let h = 0; h < handlers.length; h++) {
      const handler = handlers[h];
      if (pc >= handler.startPc && pc < handler.endPc) {
        if (finallyOnly && handler.isFinally !== true) continue;
        task.fp = f;
        let sp = task.frameBase[f] + fn.numLocals + handler.stackDepth;
        stack[sp++] = value;
        task.sp = sp;
        task.framePc[f] = handler.handlerPc;
        return true;
      }
    }
  }
  task.failureTrace = task.context.captureTrace(task, topPc);
  task.result = value;
  return false;
}

/**
 * Starts unwinding a cancelled Task that is not running (it sits at a suspension or preemption
 * point, its frame pcs saved): the innermost finally handler around the suspended instruction
 * gets the CANCELLATION signal and the Task will resume there. False when no finally block
 * encloses it: the Task can end Cancelled at once.
 */
export function unwindCancelled(task: Task): boolean {
  if (task.fp < 0) return false;
  // The saved pc follows the instruction that suspended (or the last one that ran before a
  // preemption), so pc - 1 lies inside it, as for the caller frames.
  if (unwind(task, CANCELLATION, task.framePc[task.fp] - 1)) return true;
  task.failureTrace = [];
  task.result = null;
  return false;
}

/** A constructed Error gets the stack of the `new` that created it (the caller's pc). */
function fillErrorStack(ctx: VmContext, task: Task, error: RObject, pc: number): void {
  const layout = error.layout;
  const stackSlot = layout.fieldIndex.get("stack");
  if (stackSlot === undefined) return;
  const nameSlot = layout.fieldIndex.get("name");
  const messageSlot = layout.fieldIndex.get("message");
  const name = nameSlot === undefined ? layout.name : toRayaString(error.fields[nameSlot]);
  const message = messageSlot === undefined ? "" : toRayaString(error.fields[messageSlot]);
  const trace = ctx.captureTrace(task, pc);
  const text = formatStack(name, message, trace);
  if (ctx.heap !== null) chargeHeap(ctx.heap, stringBytes(text));
  error.fields[stackSlot] = text;
}
