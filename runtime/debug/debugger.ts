// The runtime side of the Raya debugger. It attaches to VmContexts through VmContext.debugHooks
// (so a context nobody debugs pays nothing), patches DEBUG_BREAK over breakpoint instructions in
// the context's own copy of each function's code, and drives stepping by running a Task one
// instruction at a time while watching the line table. It knows nothing of DAP: the adapter in
// debug-adapter/ translates requests into these calls and these callbacks into events.
import * as path from "node:path";
import { OPERAND_COUNT, Op } from "../bytecode/opcodes";
import { compile, PRELUDE_FILENAME, type CompileOptions } from "../compiler/compile";
import { VmContext, type DebugHooks } from "../vm/context";
import { DEBUG_BREAK_OPCODE, interpret, RunStatus, unwind } from "../vm/interpreter";
import { formatLogLine, toRayaString } from "../vm/format";
import { RUNS_MAIN_BUILTIN } from "../bytecode/verify";
import { createBuiltins } from "../vm/builtins";
import { attachInnerVms } from "../vm/inner-vm";
import { Runtime, type Capability, type ContextHandle, type ContextInfo, type TaskHandle, type VmErrorKind } from "../vm/runtime";
import { HeapLimitExceeded } from "../vm/errors";
import { Task, TaskState } from "../vm/task";
import { Box, Closure, FunctionInfo, NativeObject, RObject } from "../vm/value";
import { evaluateExpression, EvaluationError, truthy, type NameLookup } from "./evaluate";
import { describe, setChild, unbox, valueChildren, type DebugVariable, type VariableContainer } from "./values";

export type StopReason = "entry" | "breakpoint" | "function breakpoint" | "step" | "pause" | "exception";

export interface DebugStop {
  reason: StopReason;
  threadId: number;
  contextId: number;
  /** For exceptions: the thrown value as text. */
  text?: string;
}

export type OutputCategory = "stdout" | "stderr" | "console";

/** Where output came from (a logpoint's line). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface DebugListener {
  stopped(stop: DebugStop): void;
  /** Program output; `contextId` is the context that printed it (null: the debugger itself). */
  output(text: string, category: OutputCategory, contextId: number | null, location?: SourceLocation): void;
  /** The program ended: exit code 0 (finished or terminated) or 2 (uncaught error, limit, deadlock or VM failure). */
  exited(exitCode: number): void;
  /** A context of the run got its program and is debugged from now on (before it runs). */
  contextStarted(context: ContextSummary): void;
  contextExited(info: { id: number; name: string; reason: VmErrorKind; message: string }): void;
  /** A context reached a limit. `snapshot` is its state just before it ends, when it could be
   *  taken (only the step budget stops a context between slices), else null with `why`. */
  limitReached(info: { contextId: number; name: string; kind: LimitName; limit: number; snapshot: Uint8Array | null; why: string | null }): void;
}

export type LimitName = "maxHeapBytes" | "maxTasks" | "maxStepBudget";

export interface ExceptionFilters {
  caught: boolean;
  uncaught: boolean;
  /** Stop when a context reaches maxStepBudget, before it is ended. */
  limits: boolean;
}

/** One context of the debug run, as the adapter reports it (unlimited limits are null). */
export interface ContextSummary {
  id: number;
  name: string;
  parentId: number | null;
  state: "running" | "paused" | "exited";
  exitReason: string | null;
  stats: {
    heapBytesUsed: number;
    maxHeapBytes: number | null;
    tasks: number;
    maxTasks: number | null;
    stepsExecuted: number;
    maxStepBudget: number | null;
  };
}

export interface BreakpointRequest {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface FunctionBreakpointRequest {
  name: string;
  condition?: string;
  hitCondition?: string;
}

export interface BreakpointResult {
  verified: boolean;
  /** The line the breakpoint was moved to (the nearest line at or after the request with code). */
  line?: number;
  message?: string;
}

export interface DebugThread {
  threadId: number;
  contextId: number;
  /** `${contextName}#${contextId} · ${taskName}#${taskId}` */
  name: string;
  state: string;
}

export interface DebugFrame {
  /** Index from the top (0 = innermost). */
  index: number;
  function: string;
  /** The file name as compiled (a path, or a pseudo-name for code compiled from a string). */
  file: string;
  line: number;
  column: number;
}

export interface LaunchOptions extends CompileOptions {
  source: string;
  /** The context's name in thread names. */
  name?: string;
  /** Run the program in a context with these limits (the launch's `sandbox`). */
  limits?: { maxHeapBytes?: number; maxTasks?: number; maxStepBudget?: number };
  /** Host functions granted to the program (`import { name } from "host:"`). */
  capabilities?: Record<string, Capability>;
}

interface Breakpoint {
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
  hits: number;
  functionBreakpoint: boolean;
}

interface Step {
  kind: "over" | "in" | "out";
  depth: number;
  line: number;
  fn: FunctionInfo;
  /** While stepping over or out of a call, the Task runs at full speed until it reaches this
   *  temporary DEBUG_BREAK at the return address of the frame at `depth`. */
  returnBreak: { fn: FunctionInfo; pc: number; depth: number } | null;
  /** What the stop at the step's end reports ("entry" for stop-on-entry); "step" otherwise. */
  stopReason?: StopReason;
}

interface ThreadState {
  step: Step | null;
  /** Resume this Task by executing the original instruction at (depth, pc) once, not breaking. */
  skipDepth: number;
  skipPc: number;
  /** A throw the Task stopped at; resuming unwinds it. `userStop` false: it stopped only so a
   *  fast step-over can go back to single steps (the unwind may skip the return address). */
  pendingThrow: { value: unknown; pc: number; userStop: boolean } | null;
}

/** The instructions that start a new Task. */
const SPAWN_OPS = new Set<number>([Op.SPAWN, Op.SPAWN_METHOD, Op.SPAWN_SPREAD, Op.SPAWN_METHOD_SPREAD]);

/** Single instructions a stepping Task runs per scheduler slice, so the event loop stays live. */
const STEP_SLICE = 20_000;

/** One debugged VmContext. */
class DebugContext implements DebugHooks {
  readonly context: VmContext;
  readonly states = new Map<Task, ThreadState>();
  /** Tasks allowed to run while the context is paused (a single-thread step). */
  readonly exempt = new Set<Task>();
  /** The original instruction under each DEBUG_BREAK, by function then pc. */
  readonly patched = new Map<FunctionInfo, Map<number, number>>();
  readonly breakpoints = new Map<FunctionInfo, Map<number, Breakpoint>>();
  /** How many fast steps use a temporary DEBUG_BREAK at each return address. */
  private readonly returnBreaks = new Map<FunctionInfo, Map<number, number>>();
  private rowStarts = new Map<FunctionInfo, Set<number>>();
  /** Tasks held after they used the last step of the budget (so the context is not ended yet). */
  private readonly heldAtLimit = new Set<Task>();
  /** A limit was reported for this context (a stop or a snapshot is taken once). */
  limitReported = false;
  private errorsSeen: number;

  constructor(
    readonly handle: ContextHandle,
    readonly owner: Debugger,
  ) {
    this.context = handle.vmContext as VmContext;
    for (const info of this.context.functions) {
      // The context's own code copy: patching it leaves the Program (and other contexts) intact.
      (info as { code: Int32Array }).code = info.code.slice();
    }
    // Error lines written before the debugger attached (a restored context's) are not sent again.
    this.errorsSeen = handle.errorOutput.length;
    this.context.printObserver = (line, task) => this.printed(line, task);
    this.context.debugHooks = this;
  }

  /** A line console.log printed, sent at once with the position of the call (the interpreter
   *  saves the pc before calling a native, so the top frame's pc lies in the call). */
  private printed(text: string, task: Task | null): void {
    this.flushErrors(); // keep the order of what the context wrote
    let location: SourceLocation | undefined;
    if (task !== null && task.fp >= 0) {
      const fn = task.frameClosure[task.fp].proto;
      const { line, column } = fn.positionAt(Math.max(0, task.framePc[task.fp] - 1));
      location = { file: fn.fileName, line, column };
    }
    this.owner.listener.output(`${text}\n`, "stdout", this.id, location);
  }

  get id(): number {
    return this.handle.id;
  }

  get name(): string {
    return this.handle.name;
  }

  /** Sends the "Uncaught (in task ...)" lines the context wrote since the last call. */
  flushErrors(): void {
    const errors = this.handle.errorOutput;
    while (this.errorsSeen < errors.length) this.owner.listener.output(`${errors[this.errorsSeen++]}\n`, "stderr", this.id);
  }

  state(task: Task): ThreadState {
    let state = this.states.get(task);
    if (state === undefined) {
      state = { step: null, skipDepth: -1, skipPc: -1, pendingThrow: null };
      this.states.set(task, state);
    }
    return state;
  }

  runsWhilePaused(task: Task): boolean {
    return this.exempt.has(task);
  }

  onThrow(task: Task, thrown: unknown, pc: number): boolean {
    const state = this.state(task);
    const filters = this.owner.filtersFor(this.id);
    const userStop = handlerCovers(task, pc) ? filters.caught : filters.uncaught;
    if (!userStop && state.step?.returnBreak == null) return false;
    state.pendingThrow = { value: thrown, pc, userStop };
    return true;
  }

  runSlice(task: Task, fuel: number): number {
    const watchBudget = !this.limitReported && Number.isFinite(this.handle.limits.maxStepBudget) && this.owner.watchesLimits(this.id);
    // No fuel: a step budget on the context's chain is spent (a Task that suspended with the last
    // step). Stop first when watched; else Preempted makes the owner end the context.
    if (fuel <= 0) return watchBudget ? this.holdAtLimit(task) : RunStatus.Preempted;
    const budgetLeft = watchBudget ? this.handle.stepBudgetLeft() : Number.POSITIVE_INFINITY;
    this.updateTaskGuard();
    const startSteps = this.context.stepsExecuted;
    let status: number;
    try {
      status = this.runSteps(task, fuel);
    } catch (error) {
      // The interpreter saved the Task at the allocating instruction before this left it, so
      // the Task can be held there, consistent, instead of the owner ending the context.
      if (error instanceof HeapLimitExceeded && !this.limitReported && this.owner.watchesLimits(this.id)) return this.holdAtHeapLimit(task, error);
      throw error;
    }
    this.flushErrors();
    if (status === RunStatus.Preempted && this.context.stepsExecuted - startSteps >= budgetLeft) return this.holdAtLimit(task);
    return status;
  }

  /**
   * The Task used the last step of the budget: the owner would end the context after this slice.
   * Hold the Task instead (Suspended keeps the owner from ending the context; the Task stays
   * Ready for a snapshot) and stop or snapshot; releaseHeld() lets it go on to the end.
   */
  private holdAtLimit(task: Task): number {
    this.limitReported = true;
    task.state = TaskState.Ready;
    this.heldAtLimit.add(task);
    const limit = this.handle.limits.maxStepBudget;
    if (this.owner.filtersFor(this.id).limits) {
      this.stop(task, "exception", `maxStepBudget reached: context '${this.name}' has executed its ${limit} steps (or an enclosing context's budget is spent)`);
    }
    // A snapshot needs the slice to be over: take it once the scheduler has let go of the Task.
    setImmediate(() => {
      this.owner.reportLimit(this, "maxStepBudget", limit, true);
      if (!this.context.paused) this.releaseHeld();
    });
    return RunStatus.Suspended;
  }

  /**
   * An allocation did not fit in maxHeapBytes: the owner would end the context. Hold the Task at
   * that instruction instead and stop or snapshot; when released it runs the allocation again,
   * which fails again, and the owner ends the context as usual.
   */
  private holdAtHeapLimit(task: Task, error: HeapLimitExceeded): number {
    this.limitReported = true;
    task.state = TaskState.Ready;
    this.heldAtLimit.add(task);
    if (this.owner.filtersFor(this.id).limits) {
      this.stop(task, "exception", `maxHeapBytes reached: context '${this.name}' would hold ${error.live + error.requested} bytes, over its limit of ${error.limit}`);
    }
    setImmediate(() => {
      this.owner.reportLimit(this, "maxHeapBytes", error.limit, true);
      if (!this.context.paused) this.releaseHeld();
    });
    return RunStatus.Suspended;
  }

  /** Lets Tasks held at the step budget run: they get no fuel, and the owner ends the context. */
  releaseHeld(): void {
    for (const task of this.heldAtLimit) if (!task.finished) this.context.scheduler.makeReady(task);
    this.heldAtLimit.clear();
  }

  private runSteps(task: Task, fuel: number): number {
    const state = this.state(task);
    const context = this.context;
    const startSteps = context.stepsExecuted;
    let singleSteps = 0;
    for (;;) {
      let status: RunStatus;
      if (state.pendingThrow !== null) {
        const { value, pc } = state.pendingThrow;
        state.pendingThrow = null;
        if (!unwind(task, value, pc)) return RunStatus.Failed;
        status = RunStatus.Preempted;
      } else if (state.skipPc >= 0 && task.fp === state.skipDepth && task.framePc[task.fp] === state.skipPc) {
        state.skipPc = -1;
        status = this.executeOriginal(task);
      } else if ((state.step !== null && state.step.returnBreak === null) || this.taskGuardOn) {
        if (this.taskGuardOn && this.context.tasks.size >= this.handle.limits.maxTasks && this.startsTask(task)) {
          this.taskLimitReached(task);
          return RunStatus.Preempted;
        }
        status = interpret(task, 1);
        singleSteps++;
      } else {
        status = interpret(task, Math.max(1, fuel - (context.stepsExecuted - startSteps)));
      }

      if (status === RunStatus.Breakpoint) {
        const thrown = state.pendingThrow as ThreadState["pendingThrow"]; // set by onThrow during interpret
        if (thrown !== null) {
          this.endFastStep(state);
          if (thrown.userStop) {
            this.stop(task, "exception", this.describeThrow(thrown.value));
            return RunStatus.Preempted;
          }
          state.pendingThrow = null;
          if (!unwind(task, thrown.value, thrown.pc)) {
            this.states.delete(task);
            return RunStatus.Failed;
          }
          continue;
        }
        state.skipDepth = task.fp;
        state.skipPc = task.framePc[task.fp];
        const returnBreak = state.step?.returnBreak;
        if (returnBreak != null && task.fp === returnBreak.depth && task.frameClosure[task.fp].proto === returnBreak.fn && state.skipPc === returnBreak.pc) {
          this.endFastStep(state); // back in the stepping frame: single steps again
        }
        const reason = this.breakpointDecision(task);
        if (reason !== null || (state.step !== null && this.stepComplete(task, state.step))) {
          this.stop(task, reason ?? state.step?.stopReason ?? "step");
          return RunStatus.Preempted;
        }
        continue;
      }
      if (status !== RunStatus.Preempted) {
        if (status === RunStatus.Suspended && state.step?.kind === "in") this.owner.stepIntoAnswer(task, state);
        if (status === RunStatus.Done || status === RunStatus.Failed) {
          this.endFastStep(state);
          this.states.delete(task);
        }
        return status;
      }
      const step = state.step;
      if (step !== null && step.returnBreak === null) {
        if (this.stepComplete(task, step)) {
          this.stop(task, step.stopReason ?? "step");
          return RunStatus.Preempted;
        }
        // Over a call (or out of this frame): run at full speed to the return address.
        const target = step.kind === "over" ? step.depth : step.kind === "out" ? step.depth - 1 : -1;
        if (target >= 0 && task.fp > target) this.beginFastStep(task, step, target);
      }
      const singleStepping = (state.step !== null && state.step.returnBreak === null) || this.taskGuardOn;
      if (context.stepsExecuted - startSteps >= fuel || (singleStepping && singleSteps >= STEP_SLICE)) return RunStatus.Preempted;
    }
  }

  private beginFastStep(task: Task, step: Step, depth: number): void {
    const fn = task.frameClosure[depth].proto;
    const pc = task.framePc[depth];
    let counts = this.returnBreaks.get(fn);
    if (counts === undefined) this.returnBreaks.set(fn, (counts = new Map()));
    counts.set(pc, (counts.get(pc) ?? 0) + 1);
    this.patchOpcode(fn, pc);
    step.returnBreak = { fn, pc, depth };
  }

  private endFastStep(state: ThreadState): void {
    const returnBreak = state.step?.returnBreak;
    if (returnBreak == null) return;
    state.step!.returnBreak = null;
    const counts = this.returnBreaks.get(returnBreak.fn)!;
    const left = (counts.get(returnBreak.pc) ?? 1) - 1;
    if (left > 0) {
      counts.set(returnBreak.pc, left);
      return;
    }
    counts.delete(returnBreak.pc);
    this.restoreUnlessNeeded(returnBreak.fn, returnBreak.pc);
  }

  private patchOpcode(fn: FunctionInfo, pc: number): void {
    let originals = this.patched.get(fn);
    if (originals === undefined) this.patched.set(fn, (originals = new Map()));
    if (!originals.has(pc)) originals.set(pc, fn.code[pc]);
    fn.code[pc] = DEBUG_BREAK_OPCODE;
  }

  /** Puts the original instruction back unless a breakpoint or a fast step still uses the DEBUG_BREAK. */
  private restoreUnlessNeeded(fn: FunctionInfo, pc: number): void {
    if (this.breakpoints.get(fn)?.has(pc) === true || this.returnBreaks.get(fn)?.has(pc) === true) return;
    this.restoreOpcode(fn, pc);
  }

  // ---- the task guard: with maxTasks, stop before the instruction that would exceed it

  /** On while the context holds maxTasks live Tasks (one more ends it) and someone watches
   *  limits: its Tasks then run one instruction at a time, each checked first. A Task is
   *  started only by an instruction that ends its slice, so checking before each slice is enough
   *  to turn the guard on in time. */
  private taskGuardOn = false;

  private updateTaskGuard(): void {
    const max = this.handle.limits.maxTasks;
    // raya:vm's natives start Tasks without ending the slice, so a program using inner VMs is
    // watched one instruction at a time as soon as its maxTasks is watched at all.
    const close = this.context.tasks.size >= max || this.usesInnerVms;
    this.taskGuardOn = !this.limitReported && Number.isFinite(max) && close && this.owner.watchesLimits(this.id);
  }

  /** The program loads raya:vm's Vm (its name is in the constant pool); set on first use. */
  private usesInnerVmsCache: boolean | null = null;
  private get usesInnerVms(): boolean {
    return (this.usesInnerVmsCache ??= this.context.constants.includes("Vm"));
  }

  /** True when the Task's next instruction starts a Task: `async f()`, a call of an async
   *  function or method, or a raya:vm method that returns a Task of this context. */
  private startsTask(task: Task): boolean {
    const fn = task.frameClosure[task.fp].proto;
    const pc = task.framePc[task.fp];
    const op = this.patched.get(fn)?.get(pc) ?? fn.code[pc];
    if (SPAWN_OPS.has(op)) return true;
    const stack = task.stack;
    if (op === Op.CALL) return isAsyncClosure(stack[task.sp - fn.code[pc + 1] - 1]);
    if (op === Op.CALL_SPREAD) return isAsyncClosure(stack[task.sp - 2]);
    if (op === Op.CALL_METHOD) {
      const receiver = stack[task.sp - fn.code[pc + 2] - 1];
      const name = this.context.constants[fn.code[pc + 1]] as string;
      // raya:vm's Vm methods start a Task of this context standing for the inner one.
      if (receiver instanceof NativeObject) return receiver.nativeClass.taskStartingMethods.has(name);
      const method = receiver instanceof RObject ? receiver.layout.methods.get(name) : undefined;
      return method !== undefined && method.proto.isAsync;
    }
    return false;
  }

  /** A Task is about to start one Task too many: stop (limits filter) or hold it for a snapshot, once. */
  private taskLimitReached(task: Task): void {
    this.limitReported = true;
    this.taskGuardOn = false;
    const max = this.handle.limits.maxTasks;
    if (this.owner.filtersFor(this.id).limits) {
      this.stop(task, "exception", `maxTasks reached: context '${this.name}' holds its ${max} live tasks; starting another ends it`);
    } else {
      const state = this.state(task);
      state.skipDepth = task.fp;
      state.skipPc = task.framePc[task.fp];
      this.hold();
    }
    setImmediate(() => {
      this.owner.reportLimit(this, "maxTasks", max, true);
      if (this.lastStop === null && this.handle.state !== "exited") this.release();
    });
  }

  private restoreOpcode(fn: FunctionInfo, pc: number): void {
    const original = this.patched.get(fn)?.get(pc);
    if (original === undefined) return;
    fn.code[pc] = original;
    this.patched.get(fn)!.delete(pc);
  }

  private clearSteps(): void {
    for (const state of this.states.values()) {
      this.endFastStep(state);
      state.step = null;
    }
  }

  /** Runs the instruction a DEBUG_BREAK covers, once. */
  private executeOriginal(task: Task): RunStatus {
    const fn = task.frameClosure[task.fp].proto;
    const pc = task.framePc[task.fp];
    const original = this.patched.get(fn)?.get(pc);
    if (original === undefined) return interpret(task, 1);
    fn.code[pc] = original;
    try {
      return interpret(task, 1);
    } finally {
      fn.code[pc] = DEBUG_BREAK_OPCODE;
    }
  }

  /** Counts the hit and evaluates condition, hit condition and log message; null = go on. */
  private breakpointDecision(task: Task): StopReason | null {
    const fn = task.frameClosure[task.fp].proto;
    const breakpoint = this.breakpoints.get(fn)?.get(task.framePc[task.fp]);
    if (breakpoint === undefined) return null;
    const lookup = this.owner.scopeLookup(task, 0);
    if (breakpoint.condition !== undefined && breakpoint.condition.trim() !== "") {
      try {
        if (!truthy(evaluateExpression(breakpoint.condition, lookup))) return null;
      } catch (error) {
        this.owner.listener.output(`breakpoint condition '${breakpoint.condition}' failed: ${errorText(error)}\n`, "stderr", this.id);
        return null;
      }
    }
    breakpoint.hits++;
    if (breakpoint.hitCondition !== undefined && !hitConditionMet(breakpoint.hitCondition, breakpoint.hits)) return null;
    if (breakpoint.logMessage !== undefined) {
      const { line, column } = fn.positionAt(task.framePc[task.fp]);
      this.owner.listener.output(`${interpolate(breakpoint.logMessage, lookup)}\n`, "console", this.id, { file: fn.fileName, line, column });
      return null;
    }
    return breakpoint.functionBreakpoint ? "function breakpoint" : "breakpoint";
  }

  private stepComplete(task: Task, step: Step): boolean {
    const depth = task.fp;
    if (depth < 0) return false;
    const fn = task.frameClosure[depth].proto;
    if (step.kind === "out") return depth < step.depth && fn.fileName !== PRELUDE_FILENAME;
    if (step.kind === "over" && depth > step.depth) return false;
    if (fn.fileName === PRELUDE_FILENAME) return false;
    const pc = task.framePc[depth];
    if (!this.rowStartsOf(fn).has(pc)) return false;
    const line = fn.positionAt(pc).line;
    if (line <= 0) return false;
    return depth !== step.depth || fn !== step.fn || line !== step.line;
  }

  private rowStartsOf(fn: FunctionInfo): Set<number> {
    let rows = this.rowStarts.get(fn);
    if (rows === undefined) {
      rows = new Set(fn.proto.lines.map((row) => row.pc));
      this.rowStarts.set(fn, rows);
    }
    return rows;
  }

  private describeThrow(value: unknown): string {
    if (value instanceof RObject && this.context.isErrorInstance(value)) {
      const error: RObject = value;
      const stack = error.layout.fieldIndex.get("stack");
      if (stack !== undefined && typeof error.fields[stack] === "string") return (error.fields[stack] as string).split("\n")[0];
    }
    return formatLogLine([value]);
  }

  stop(task: Task, reason: StopReason, text?: string): void {
    this.clearSteps();
    // Resuming never stops again at the instruction it stopped at (a DEBUG_BREAK may be there).
    const state = this.state(task);
    state.skipDepth = task.fp;
    state.skipPc = task.fp >= 0 ? task.framePc[task.fp] : -1;
    this.exempt.clear();
    this.context.paused = true;
    this.flushErrors(); // error lines written before the stop come first
    this.lastStop = { reason, threadId: this.owner.threadId(task), contextId: this.id, text };
    this.owner.listener.stopped(this.lastStop);
  }

  /** The stop that paused the context, while it stays paused (a child session reports it on attach). */
  lastStop: DebugStop | null = null;

  startStep(task: Task, kind: Step["kind"], singleThread: boolean): void {
    const depth = task.fp;
    const fn = task.frameClosure[depth].proto;
    const state = this.state(task);
    state.step = { kind, depth, fn, line: fn.positionAt(task.framePc[depth]).line, returnBreak: null };
    this.lastStop = null;
    if (singleThread) this.exempt.add(task);
    else this.context.paused = false;
    this.context.scheduler.release(this.context);
  }

  /** Runs `task` (not yet started) in single steps until it reaches a line of user code. */
  stepInto(task: Task, reason: StopReason): void {
    const fn = task.frameClosure[task.fp].proto;
    this.state(task).step = { kind: "in", depth: task.fp, fn, line: fn.positionAt(task.framePc[task.fp]).line, returnBreak: null, stopReason: reason };
  }

  resume(): void {
    this.clearSteps();
    this.exempt.clear();
    this.lastStop = null;
    this.context.paused = false;
    this.context.scheduler.release(this.context);
    this.releaseHeld();
  }

  /** Lets a held context run, keeping any step set up (stop on entry). */
  release(): void {
    this.context.paused = false;
    this.context.scheduler.release(this.context);
  }

  /** Holds the context's Tasks without a stop event (a program loaded but not started yet). */
  hold(): void {
    this.context.paused = true;
  }

  // ---- breakpoints

  patch(fn: FunctionInfo, pc: number, breakpoint: Breakpoint): void {
    this.patchOpcode(fn, pc);
    let byPc = this.breakpoints.get(fn);
    if (byPc === undefined) this.breakpoints.set(fn, (byPc = new Map()));
    byPc.set(pc, breakpoint);
  }

  unpatchWhere(test: (fn: FunctionInfo, breakpoint: Breakpoint, pc: number) => boolean): void {
    for (const [fn, byPc] of this.breakpoints) {
      for (const [pc, breakpoint] of [...byPc]) {
        if (!test(fn, breakpoint, pc)) continue;
        byPc.delete(pc);
        this.restoreUnlessNeeded(fn, pc);
      }
    }
  }
}

function isAsyncClosure(value: unknown): boolean {
  return value instanceof Closure && value.proto.isAsync;
}

/** True when a handler in some frame of `task` covers a throw at `pc` in its top frame. */
function handlerCovers(task: Task, pc: number): boolean {
  for (let f = task.fp; f >= 0; f--) {
    const at = f === task.fp ? pc : task.framePc[f] - 1;
    for (const handler of task.frameClosure[f].proto.proto.handlers) {
      if (at >= handler.startPc && at < handler.endPc) return true;
    }
  }
  return false;
}

/** "5" or "==5" (exactly the 5th hit), ">5", ">=5", "%5" (every 5th). */
function hitConditionMet(condition: string, hits: number): boolean {
  const match = /^\s*(==|>=|>|%)?\s*(\d+)\s*$/.exec(condition);
  if (match === null) return true;
  const n = Number(match[2]);
  switch (match[1]) {
    case ">":
      return hits > n;
    case ">=":
      return hits >= n;
    case "%":
      return n > 0 && hits % n === 0;
    default:
      return hits === n;
  }
}

/** A logpoint message with each {expression} replaced by its value. */
function interpolate(message: string, lookup: NameLookup): string {
  return message.replace(/\{([^{}]+)\}/g, (_, expression: string) => {
    try {
      return toRayaString(evaluateExpression(expression, lookup));
    } catch (error) {
      return `<${errorText(error)}>`;
    }
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How often the debugger looks whether the run has ended (all Tasks blocked, or none left). */
const IDLE_CHECK_MS = 100;

/**
 * A debug run: a Runtime (its Scheduler runs every context) and the contexts it debugs: the
 * program's root context and every context created while it runs (inner VMs, restored
 * snapshots), each attached before its first instruction. Thread ids are unique across contexts.
 */
export class Debugger {
  readonly runtime: Runtime;
  private exceptionFilters: ExceptionFilters = { caught: false, uncaught: false, limits: false };
  /** Filters a child session set for its own context. */
  private readonly contextFilters = new Map<number, ExceptionFilters>();
  private readonly debugged = new Map<number, DebugContext>();
  private readonly byVmContext = new Map<VmContext, DebugContext>();
  private readonly threadIds = new WeakMap<Task, number>();
  private readonly threadsById = new Map<number, Task>();
  private nextThreadId = 1;
  private lineRequests = new Map<string, BreakpointRequest[]>();
  private functionRequests: FunctionBreakpointRequest[] = [];
  private captureNames = new Map<FunctionInfo, string[]>();
  /** The program's context: the run ends with it. */
  private root: { id: number; init: TaskHandle | null; initDone: boolean; started: boolean } | null = null;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  private ended = false;
  private terminating = false;
  /** Capabilities re-granted to contexts restored during the run (by the names programs import). */
  private capabilities: Record<string, Capability> = {};

  constructor(readonly listener: DebugListener) {
    this.runtime = new Runtime();
    const runtime = this.runtime;
    // A context is attached as soon as it has a VmContext, before any of its instructions runs.
    runtime.on("contextLoaded", (info) => this.attach(info.id));
    runtime.on("taskFinished", (info) => {
      if (this.root !== null && info.contextId === this.root.id) setImmediate(() => this.checkEnd());
    });
    runtime.on("limitHit", (info) => this.limitHit(info.contextId, info.kind, info.limit));
    runtime.on("contextExited", (info) => this.contextExited(info));
  }

  // ---- contexts

  /** Compiles a program into the run's root context (throws CompileError, or VmError for a
   *  capability the program imports but is not granted) without running it, so breakpoints can be
   *  set against its line tables; returns the context id for start(). */
  load(options: LaunchOptions): number {
    const program = compile(options.source, options);
    const handle = this.runtime.createContext({ name: options.name ?? path.basename(options.filename), ...(options.limits ?? {}) });
    this.grant(handle, options.capabilities ?? {});
    const init = handle.loadProgram(program);
    return this.adoptRoot(handle, init, options.limits !== undefined);
  }

  /** Restores snapshot bytes as the run's root context (throws VmError InvalidSnapshot /
   *  CapabilityNotFound), held until start(). */
  loadSnapshot(bytes: Uint8Array, options: { name: string; capabilities?: Record<string, Capability> }): number {
    this.capabilities = options.capabilities ?? {};
    const handle = this.runtime.restoreContext(bytes, { name: options.name, capabilities: this.capabilities });
    const init = handle.restoredTasks.find((t) => t.task?.id === 1) ?? null;
    return this.adoptRoot(handle, init, false);
  }

  private grant(handle: ContextHandle, capabilities: Record<string, Capability>): void {
    this.capabilities = capabilities;
    for (const [name, fn] of Object.entries(capabilities)) handle.registerCapability(name, fn);
  }

  /**
   * Makes a loaded context the run's program. The Runtime loads programs as hosts do (main() not
   * called, no files, no clock): the debugged program runs as `raya run` runs it instead, unless
   * it is sandboxed (then it keeps no file access and no clock: it has its capabilities).
   */
  private adoptRoot(handle: ContextHandle, init: TaskHandle | null, sandbox: boolean): number {
    const debug = this.attach(handle.id);
    if (debug === null) throw new Error(`context ${handle.id} could not be attached`);
    debug.hold(); // nothing runs before start()
    const context = debug.context;
    context.builtins.set(RUNS_MAIN_BUILTIN, true);
    if (!sandbox) {
      attachInnerVms(context, this.runtime, { fileAccess: true, parent: handle });
      context.builtins.set("Date", createBuiltins().get("Date"));
    }
    this.root = { id: handle.id, init, initDone: init === null, started: false };
    init?.result().then(
      () => {
        if (this.root !== null) this.root.initDone = true;
        this.checkEnd();
      },
      () => undefined, // the context exits with the error: contextExited reports it
    );
    return handle.id;
  }

  /** Debugs context `id` from now on, if it has a program and is not debugged yet. */
  private attach(id: number): DebugContext | null {
    const existing = this.debugged.get(id);
    if (existing !== undefined) return existing;
    const handle = this.runtime.context(id);
    if (handle === null || handle.vmContext === null || handle.state === "exited") return null;
    const debug = new DebugContext(handle, this);
    this.debugged.set(id, debug);
    this.byVmContext.set(debug.context, debug);
    for (const file of this.lineRequests.keys()) this.applyLineBreakpoints(debug, file);
    this.applyFunctionBreakpoints(debug);
    this.listener.contextStarted(this.summary(handle));
    return debug;
  }

  /** Runs the root context's program; `stopOnEntry` stops it before its first line. */
  start(contextId: number, stopOnEntry = false): void {
    const debug = this.debugged.get(contextId);
    if (debug === undefined || this.root === null || this.root.id !== contextId) throw new Error(`unknown context ${contextId}`);
    this.root.started = true;
    const main = [...debug.context.tasks].find((t) => !t.finished);
    // Stop on entry at the first line of user code, not inside the generated <entry> function:
    // step in from the entry's first instruction, which passes over the prelude's initialiser.
    if (stopOnEntry && main !== undefined && main.fp >= 0) debug.stepInto(main, "entry");
    debug.release();
    this.idleTimer = setInterval(() => this.checkEnd(), IDLE_CHECK_MS);
    this.idleTimer.unref?.();
  }

  /** Every context of the run, exited ones included, by creation. */
  contexts(): ContextSummary[] {
    return this.runtime.contexts().map((info) => this.summaryOf(info));
  }

  /** One context's summary (throws for an unknown id). */
  context(id: number): ContextSummary {
    return this.summary(this.handle(id));
  }

  private summary(handle: ContextHandle): ContextSummary {
    return this.summaryOf(handle.info());
  }

  private summaryOf(info: ContextInfo): ContextSummary {
    const vm = this.debugged.get(info.id)?.context;
    const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
    return {
      id: info.id,
      name: info.name,
      parentId: info.parent,
      state: info.state === "exited" ? "exited" : vm?.paused === true ? "paused" : "running",
      exitReason: info.exitReason,
      stats: {
        heapBytesUsed: info.stats.heapBytesUsed,
        maxHeapBytes: finite(info.stats.maxHeapBytes),
        tasks: info.stats.tasks,
        maxTasks: finite(info.stats.maxTasks),
        stepsExecuted: info.stats.stepsExecuted,
        maxStepBudget: finite(info.stats.maxStepBudget),
      },
    };
  }

  /** The context's name (cheap: no statistics). */
  nameOf(id: number): string {
    return this.runtime.context(id)?.name ?? `context ${id}`;
  }

  /** Every living debugged context and whether it is paused (cheap: no statistics). */
  contextStates(): { id: number; paused: boolean }[] {
    return this.liveContexts().map((d) => ({ id: d.id, paused: d.context.paused }));
  }

  /** The context's parent id, or null (root, restored) — cheap, no statistics. */
  parentOf(id: number): number | null {
    return this.runtime.context(id)?.parent?.id ?? null;
  }

  /** True while some context of the run is neither paused nor exited. */
  anyRunning(): boolean {
    for (const debug of this.debugged.values()) if (debug.handle.state !== "exited" && !debug.context.paused) return true;
    return false;
  }

  /** The live handle of a context, or an error naming the problem. */
  private handle(id: number): ContextHandle {
    const handle = typeof id === "number" ? this.runtime.context(id) : null;
    if (handle === null) throw new Error(`unknown context id ${String(id)}`);
    return handle;
  }

  private liveDebugContext(id: number): DebugContext {
    const handle = this.handle(id);
    if (handle.state === "exited") throw new Error(`context ${id} ('${handle.name}') has exited`);
    const debug = this.debugged.get(id);
    if (debug === undefined) throw new Error(`context ${id} ('${handle.name}') has no program yet`);
    return debug;
  }

  /** The stop that holds context `id`, while it is paused by one. */
  lastStopOf(id: number): DebugStop | null {
    return this.debugged.get(id)?.lastStop ?? null;
  }

  /** Ends one context and its children (the run ends when it is the root). */
  terminateContext(id: number): void {
    this.liveDebugContext(id);
    this.handle(id).terminate();
  }

  /** The context's whole state as .rayasnap bytes (between slices: always, from a request). */
  snapshotContext(id: number): Uint8Array {
    this.liveDebugContext(id);
    return this.handle(id).snapshot();
  }

  /** Restores snapshot bytes as a new context of the run (it runs at once); returns its id. */
  restoreContext(bytes: Uint8Array, name?: string): number {
    const handle = this.runtime.restoreContext(bytes, { name: name ?? "restored", capabilities: this.capabilities });
    this.attach(handle.id);
    return handle.id;
  }

  // ---- limits

  /** True when someone wants to see a context reach its step budget before it ends. */
  watchesLimits(contextId: number): boolean {
    return this.filtersFor(contextId).limits || this.snapshotOnLimit;
  }

  /** Set by the adapter when `snapshotOnLimit` is on: contexts are snapshotted at their limit. */
  snapshotOnLimit = false;

  /** Called once per context that reaches a limit; `canSnapshot` only between slices. */
  reportLimit(debug: DebugContext, kind: LimitName, limit: number, canSnapshot: boolean): void {
    let snapshot: Uint8Array | null = null;
    let why: string | null = null;
    if (!this.snapshotOnLimit) why = "snapshotOnLimit is off";
    else if (!canSnapshot) why = "the limit was hit in the middle of a slice, where a context cannot be snapshotted";
    else if (debug.handle.state === "exited") why = "the context has already exited";
    else {
      try {
        snapshot = debug.handle.snapshot();
      } catch (error) {
        why = errorText(error);
      }
    }
    this.listener.limitReached({ contextId: debug.id, name: debug.name, kind, limit, snapshot, why });
  }

  /** The Runtime ended a context for a limit (heap and task limits end it inside a slice). */
  private limitHit(contextId: number, kind: VmErrorKind, limit: number): void {
    const debug = this.debugged.get(contextId);
    if (debug === undefined || debug.limitReported) return;
    debug.limitReported = true;
    const name: LimitName = kind === "HeapLimitExceeded" ? "maxHeapBytes" : kind === "TaskLimitExceeded" ? "maxTasks" : "maxStepBudget";
    this.reportLimit(debug, name, limit, false);
  }

  private contextExited(info: { id: number; name: string; reason: VmErrorKind; message: string }): void {
    const debug = this.debugged.get(info.id);
    if (debug !== undefined) {
      debug.flushErrors();
      debug.context.debugHooks = null;
      debug.context.paused = false;
      debug.lastStop = null;
    }
    this.listener.contextExited(info);
    if (this.root !== null && info.id === this.root.id && !this.terminating) this.rootExited(info.reason);
  }

  private rootExited(reason: VmErrorKind): void {
    const error = this.runtime.context(this.root!.id)?.exitError ?? null;
    if (reason === "Terminated") return this.end(0);
    if (error !== null) {
      const frames = (error.rayaStack ?? []).map((f) => `    at ${f.function} (${f.file}:${f.line}:${f.column})\n`).join("");
      const text = reason === "RuntimeError" ? `Uncaught ${error.message}\n${frames}` : `${reason}: ${error.message}\n`;
      this.listener.output(text, "stderr", this.root!.id);
    }
    this.end(2);
  }

  /**
   * The run ends when the root context's program has finished and none of its Tasks can run any
   * more (as `raya run`: Tasks still sleeping or ready keep it going, blocked ones are dropped),
   * or with a deadlock when nothing in the whole run can run while its program has not finished.
   */
  private checkEnd(): void {
    const root = this.root;
    if (root === null || !root.started || this.ended) return;
    const debug = this.debugged.get(root.id);
    if (debug === undefined || debug.handle.state === "exited") return;
    if (debug.context.paused || this.canRun(debug)) {
      return;
    }
    if (root.initDone) return this.end(0);
    for (const other of this.debugged.values()) {
      if (other.handle.state !== "exited" && (other.context.paused || this.canRun(other))) return;
    }
    const blocked = [...debug.context.tasks].filter((t) => !t.finished);
    const shown = blocked.slice(0, 20).map((t) => `${t.label} (${t.stateDescription})`);
    if (blocked.length > shown.length) shown.push(`and ${blocked.length - shown.length} more`);
    this.listener.output(`deadlock: every task is blocked and nothing can wake them: ${shown.join(", ")}\n`, "stderr", root.id);
    this.end(2);
  }

  private canRun(debug: DebugContext): boolean {
    for (const task of debug.context.tasks) {
      if (task.state === TaskState.Ready || task.state === TaskState.Running || task.state === TaskState.Sleeping) return true;
    }
    return false;
  }

  private end(exitCode: number): void {
    if (this.ended) return;
    this.terminate();
    this.listener.exited(exitCode);
  }

  /** True once the run is ending (its contexts are being terminated). */
  get ending(): boolean {
    return this.terminating;
  }

  /** Ends every context for good (the session ends). */
  terminate(): void {
    if (this.ended) return;
    this.ended = true;
    this.terminating = true;
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    for (const debug of this.debugged.values()) debug.flushErrors();
    for (const info of this.runtime.contexts()) if (info.state !== "exited") this.runtime.context(info.id)?.terminate();
  }

  // ---- threads

  threadId(task: Task): number {
    let id = this.threadIds.get(task);
    if (id === undefined) {
      id = this.nextThreadId++;
      this.threadIds.set(task, id);
      this.threadsById.set(id, task);
    }
    return id;
  }

  /** Live Tasks as threads; `contextFilter` keeps only the contexts a session shows. */
  threads(contextFilter?: (contextId: number) => boolean): DebugThread[] {
    const threads: DebugThread[] = [];
    for (const debug of this.debugged.values()) {
      if (debug.handle.state === "exited" || (contextFilter !== undefined && !contextFilter(debug.id))) continue;
      const prefix = `${debug.name}#${debug.id} · `;
      for (const task of debug.context.tasks) {
        if (task.finished) continue;
        threads.push({ threadId: this.threadId(task), contextId: debug.id, name: `${prefix}${task.name}#${task.id}`, state: task.stateName });
      }
    }
    for (const [id, task] of this.threadsById) if (task.finished) this.threadsById.delete(id);
    return threads;
  }

  private task(threadId: number): Task {
    const task = this.threadsById.get(threadId);
    if (task === undefined || task.finished) throw new Error(`unknown thread ${threadId}`);
    return task;
  }

  /**
   * A step in that reached a call answered in another context (a capability granted as a Raya
   * function by the context that created this one) continues there: the answering Task, not
   * started yet, stops before its first instruction, reported in its own context; the
   * caller's step ends (it goes on when the answer comes).
   */
  stepIntoAnswer(task: Task, state: ThreadState): void {
    const blocked = task.blockedOn;
    const answerer = blocked !== null && blocked.kind === "context" ? blocked.wait.answeringTask() : null;
    if (answerer === null || answerer.finished || answerer.fp < 0) return;
    const target = this.byVmContext.get(answerer.context);
    if (target === undefined) return; // the answering context is not debugged: the step runs on
    state.step = null;
    // It has not run yet: it stands at its first instruction, the start of its first line.
    target.stop(answerer, "step");
  }

  private debugContextOf(task: Task): DebugContext {
    const debug = this.byVmContext.get(task.context);
    if (debug === undefined) throw new Error("the thread's context is not debugged");
    return debug;
  }

  // ---- execution control

  /** Resumes one context, or every context when `contextId` is undefined. */
  continue(contextId?: number): void {
    if (contextId !== undefined) return this.liveDebugContext(contextId).resume();
    for (const debug of this.debugged.values()) if (debug.handle.state !== "exited") debug.resume();
  }

  /** The context a thread belongs to (threads of one context stop and go together). */
  contextOf(threadId: number): number {
    return this.debugContextOf(this.task(threadId)).id;
  }

  /** Pauses one context (others keep running), or every context when `contextId` is undefined;
   *  reports the stop on the context's first live Task (its root while that lives). A context
   *  already paused reports its stop again. A context with no live Task is only held. */
  pause(contextId?: number): void {
    const targets = contextId === undefined ? [...this.debugged.values()].filter((d) => d.handle.state !== "exited") : [this.liveDebugContext(contextId)];
    for (const debug of targets) {
      // Report the stop on a Task with frames (raya:vm's stand-in Tasks have none), else any.
      let first: Task | undefined;
      for (const task of debug.context.tasks) {
        if (task.finished) continue;
        if (first === undefined || (first.fp < 0 && task.fp >= 0)) first = task;
        if (first.fp >= 0) break;
      }
      if (debug.context.paused && debug.lastStop !== null) this.listener.stopped(debug.lastStop);
      else if (first !== undefined) debug.stop(first, "pause");
      else debug.hold();
    }
  }

  step(threadId: number, kind: "over" | "in" | "out", singleThread: boolean): void {
    const task = this.task(threadId);
    if (task.fp < 0) throw new Error(`thread ${threadId} has no frames`);
    this.debugContextOf(task).startStep(task, kind, singleThread);
  }

  // ---- breakpoints

  private liveContexts(): DebugContext[] {
    return [...this.debugged.values()].filter((d) => d.handle.state !== "exited");
  }

  setBreakpoints(file: string, requests: BreakpointRequest[]): BreakpointResult[] {
    const key = path.resolve(file);
    this.lineRequests.set(key, requests);
    const contexts = [...this.debugged.values()];
    const loaded = contexts.length === 0 || contexts.some((d) => d.context.functions.some((fn) => path.resolve(fn.fileName) === key));
    const results: BreakpointResult[] = requests.map((r) => {
      if (!loaded) return { verified: false, message: `no context has loaded ${path.basename(key)} yet: the breakpoint applies when one does` };
      const line = this.breakableLine(key, r.line, contexts);
      return line === null ? { verified: false, message: `no code at or after line ${r.line}` } : { verified: true, line };
    });
    for (const debug of this.liveContexts()) this.applyLineBreakpoints(debug, key);
    return results;
  }

  setFunctionBreakpoints(requests: FunctionBreakpointRequest[]): BreakpointResult[] {
    this.functionRequests = requests;
    const contexts = this.liveContexts();
    for (const debug of contexts) this.applyFunctionBreakpoints(debug);
    return requests.map((r) => {
      if (this.debugged.size === 0) return { verified: false, message: "the program has not started" };
      const fn = [...this.debugged.values()].map((d) => d.context.functions.find((f) => functionMatches(f, r.name))).find((f) => f !== undefined);
      return fn === undefined ? { verified: false, message: `no function named '${r.name}'` } : { verified: true, line: fn.proto.line };
    });
  }

  /** The nearest line at or after `line` that has code in `file` in any of `contexts`, or null. */
  private breakableLine(file: string, line: number, contexts: Iterable<DebugContext>): number | null {
    let best: number | null = null;
    let any = false;
    for (const debug of contexts) {
      any = true;
      for (const fn of debug.context.functions) {
        if (path.resolve(fn.fileName) !== file) continue;
        for (const row of fn.proto.lines) if (row.line >= line && (best === null || row.line < best)) best = row.line;
      }
    }
    if (best === null && !any) return line; // verified for real once the program is compiled
    return best;
  }

  /** Breakpoints of `file` in one context, each moved to the nearest line with code in that context. */
  private applyLineBreakpoints(debug: DebugContext, file: string): void {
    // The same breakpoint sent again (every session sends the whole list) keeps its hit count.
    const hits = new Map<string, number>();
    const key = (fn: FunctionInfo, pc: number, b: Omit<BreakpointRequest, "line">): string => JSON.stringify([fn.index, pc, b.condition, b.hitCondition, b.logMessage]);
    debug.unpatchWhere((fn, bp, pc) => {
      if (bp.functionBreakpoint || path.resolve(fn.fileName) !== file) return false;
      hits.set(key(fn, pc, bp), bp.hits);
      return true;
    });
    for (const request of this.lineRequests.get(file) ?? []) {
      const line = this.breakableLine(file, request.line, [debug]);
      if (line === null) continue;
      for (const fn of debug.context.functions) {
        if (path.resolve(fn.fileName) !== file) continue;
        const row = fn.proto.lines.find((r) => r.line === line);
        if (row !== undefined) debug.patch(fn, row.pc, { ...request, hits: hits.get(key(fn, row.pc, request)) ?? 0, functionBreakpoint: false });
      }
    }
  }

  private applyFunctionBreakpoints(debug: DebugContext): void {
    debug.unpatchWhere((_, bp) => bp.functionBreakpoint);
    for (const request of this.functionRequests) {
      for (const fn of debug.context.functions) {
        if (!functionMatches(fn, request.name) || fn.code.length === 0) continue;
        const first = fn.proto.lines.find((r) => r.line > 0)?.pc ?? 0;
        debug.patch(fn, first, { condition: request.condition, hitCondition: request.hitCondition, hits: 0, functionBreakpoint: true });
      }
    }
  }

  /** The exception filters of every context, or only of `contextId` (a child session's). */
  setExceptionFilters(filters: ExceptionFilters, contextId?: number): void {
    if (contextId === undefined) this.exceptionFilters = filters;
    else this.contextFilters.set(contextId, filters);
  }

  filtersFor(contextId: number): ExceptionFilters {
    return this.contextFilters.get(contextId) ?? this.exceptionFilters;
  }

  // ---- inspection

  /** The frames of a Task, innermost first. */
  frames(threadId: number): DebugFrame[] {
    const task = this.task(threadId);
    const frames: DebugFrame[] = [];
    for (let i = task.fp; i >= 0; i--) {
      const fn = task.frameClosure[i].proto;
      const { line, column } = fn.positionAt(framePcForPosition(task, i));
      frames.push({ index: task.fp - i, function: fn.name, file: fn.fileName, line, column });
    }
    return frames;
  }

  /** The source text of a compiled file by its compiled name (for code not on disk). */
  sourceText(file: string): string | null {
    for (const debug of this.debugged.values()) {
      const found = debug.context.program.files.find((f) => f.name === file);
      if (found !== undefined) return found.text;
    }
    return null;
  }

  /** The scope containers of a frame: locals, closure captures (null if none) and globals. */
  scopes(threadId: number, frame: number): { locals: VariableContainer; closure: VariableContainer | null; globals: VariableContainer; context: VariableContainer } {
    const task = this.task(threadId);
    const depth = this.frameDepth(task, frame);
    const hasCaptures = task.frameClosure[depth].captures.length > 0;
    const contextId = this.debugContextOf(task).id;
    return {
      locals: { kind: "locals", threadId, frame },
      closure: hasCaptures ? { kind: "closure", threadId, frame } : null,
      globals: { kind: "globals", contextId },
      context: { kind: "context", contextId },
    };
  }

  variables(container: VariableContainer, start?: number, count?: number): DebugVariable[] {
    switch (container.kind) {
      case "value":
        return valueChildren(container.value, start, count);
      case "globals":
        return this.globalEntries(container.contextId).map(([name, value]) => describe(name, value));
      case "context":
        return contextGauges(this.context(container.contextId));
      default: {
        const task = this.task(container.threadId);
        const depth = this.frameDepth(task, container.frame);
        const entries = container.kind === "locals" ? this.localEntries(task, depth) : this.captureEntries(task, depth);
        return entries.map(([name, value]) => describe(name, value));
      }
    }
  }

  /** Assigns `valueText` (an expression evaluated in the container's frame) to a variable; returns it described. */
  setVariable(container: VariableContainer, name: string, valueText: string): DebugVariable {
    const lookup = container.kind === "locals" || container.kind === "closure" ? this.scopeLookup(this.task(container.threadId), container.frame) : () => ({ found: false, value: null });
    const value = evaluateExpression(valueText, lookup);
    if (container.kind === "value") {
      const problem = setChild(container.value, name, value);
      if (problem !== null) throw new Error(problem);
      return describe(name, value);
    }
    if (container.kind === "locals") {
      const task = this.task(container.threadId);
      const depth = this.frameDepth(task, container.frame);
      const local = this.liveLocals(task, depth).find((l) => l.name === name);
      if (local === undefined) throw new Error(`'${name}' is not a local variable of this frame`);
      const slot = task.frameBase[depth] + local.slot;
      const current = task.stack[slot];
      if (current instanceof Box) current.value = value;
      else task.stack[slot] = value;
      return describe(name, value);
    }
    if (container.kind === "closure") {
      const task = this.task(container.threadId);
      const closure = task.frameClosure[this.frameDepth(task, container.frame)];
      const index = this.captureNamesOf(closure.proto).indexOf(name);
      if (index < 0) throw new Error(`'${name}' is not a captured variable of this frame`);
      closure.captures[index].value = value;
      return describe(name, value);
    }
    throw new Error("globals cannot be set from the debugger");
  }

  /** Evaluates an expression in a frame (or with the globals of `contextId`, by default the
   *  program's, when threadId is undefined). */
  evaluate(expression: string, threadId?: number, frame = 0, contextId?: number): DebugVariable {
    const globalsOf = contextId ?? this.root?.id ?? -1;
    const lookup = threadId === undefined ? this.globalLookup(globalsOf) : this.scopeLookup(this.task(threadId), frame);
    return describe("result", evaluateExpression(expression, lookup));
  }

  /** Resolves names as the frame sees them: locals, then captures, then the program's globals. */
  scopeLookup(task: Task, frame: number): NameLookup {
    const depth = this.frameDepth(task, frame);
    const globals = this.globalLookup(this.debugContextOf(task).id);
    return (name) => {
      const local = this.localEntries(task, depth).find(([n]) => n === name);
      if (local !== undefined) return { found: true, value: unbox(local[1]) };
      const capture = this.captureEntries(task, depth).find(([n]) => n === name);
      if (capture !== undefined) return { found: true, value: unbox(capture[1]) };
      return globals(name);
    };
  }

  private globalLookup(contextId: number): NameLookup {
    return (name) => {
      const entry = contextId < 0 ? undefined : this.globalEntries(contextId).find(([n]) => n === name);
      return entry === undefined ? { found: false, value: null } : { found: true, value: entry[1] };
    };
  }

  private frameDepth(task: Task, frame: number): number {
    if (!Number.isInteger(frame) || frame < 0 || frame > task.fp) throw new Error(`unknown frame ${frame}`);
    return task.fp - frame;
  }

  private liveLocals(task: Task, depth: number) {
    const pc = framePcForPosition(task, depth);
    return task.frameClosure[depth].proto.proto.locals.filter((l) => pc >= l.startPc && pc < l.endPc);
  }

  private localEntries(task: Task, depth: number): [string, unknown][] {
    const fn = task.frameClosure[depth].proto;
    const base = task.frameBase[depth];
    const entries: [string, unknown][] = [];
    if (fn.proto.isMethod) entries.push(["this", task.stack[base]]);
    const seen = new Set<string>();
    // Innermost declarations last in the table win when a block shadows a name.
    for (const local of this.liveLocals(task, depth).reverse()) {
      if (seen.has(local.name)) continue;
      seen.add(local.name);
      entries.push([local.name, task.stack[base + local.slot]]);
    }
    return entries.reverse().sort((a, b) => (a[0] === "this" ? -1 : b[0] === "this" ? 1 : 0));
  }

  private captureEntries(task: Task, depth: number): [string, unknown][] {
    const closure = task.frameClosure[depth];
    const names = this.captureNamesOf(closure.proto);
    return closure.captures.map((box, i) => [names[i], box.value]);
  }

  /** Capture names come from the parent function that creates the closure (its CLOSURE instruction). */
  private captureNamesOf(fn: FunctionInfo): string[] {
    let names = this.captureNames.get(fn);
    if (names !== undefined) return names;
    const functions = [...this.debugged.values()].find((d) => d.context.functions[fn.index] === fn)?.context.functions ?? [];
    const parent = functions.find((f) => createsClosureOf(f, fn.index));
    names = fn.proto.captures.map((capture, i) => {
      if (parent === undefined) return `capture ${i}`;
      if (capture.fromParentLocal) return parent.proto.locals.find((l) => l.slot === capture.index && l.boxed)?.name ?? `capture ${i}`;
      return this.captureNamesOf(parent)[capture.index] ?? `capture ${i}`;
    });
    this.captureNames.set(fn, names);
    return names;
  }

  private globalEntries(contextId: number): [string, unknown][] {
    const debug = this.debugged.get(contextId);
    if (debug === undefined) throw new Error(`unknown context ${contextId}`);
    const program = debug.context.program;
    const entries: [string, unknown][] = [];
    program.globals.forEach((global, slot) => {
      if (program.files[global.file]?.name === PRELUDE_FILENAME) return;
      entries.push([global.name, debug.context.globals[slot]]);
    });
    return entries;
  }
}

/** The Context scope: the context's identity and its resource gauges against their limits. */
function contextGauges(context: ContextSummary): DebugVariable[] {
  const { stats } = context;
  const plain = (name: string, value: string, type = "string"): DebugVariable => ({ name, value, type, children: null });
  return [
    plain("name", JSON.stringify(context.name)),
    plain("id", String(context.id), "number"),
    plain("state", context.exitReason === null ? context.state : `${context.state} (${context.exitReason})`),
    plain("parent", context.parentId === null ? "none" : String(context.parentId)),
    plain("heap", gauge(stats.heapBytesUsed, stats.maxHeapBytes, formatBytes)),
    plain("tasks", gauge(stats.tasks, stats.maxTasks, formatCount)),
    plain("steps", gauge(stats.stepsExecuted, stats.maxStepBudget, formatCount)),
  ];
}

/** "1.2 MB / 4 MB (30%)", or "1.2 MB (no limit)". */
export function gauge(used: number, limit: number | null, format: (n: number) => string): string {
  if (limit === null) return `${format(used)} (no limit)`;
  return `${format(used)} / ${format(limit)} (${Math.round((used / limit) * 100)}%)`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, "");
  return `${text} ${units[unit]}`;
}

/** The pc whose source position a frame is at: the top frame's own pc, a caller's call instruction. */
function framePcForPosition(task: Task, depth: number): number {
  return depth === task.fp ? task.framePc[depth] : Math.max(0, task.framePc[depth] - 1);
}

function functionMatches(fn: FunctionInfo, name: string): boolean {
  return fn.name === name || fn.name.endsWith(`.${name}`);
}

/** True when `parent`'s code has a CLOSURE instruction creating function `index`. */
function createsClosureOf(parent: FunctionInfo, index: number): boolean {
  const code = parent.proto.code;
  for (let pc = 0; pc < code.length; pc += 1 + OPERAND_COUNT[code[pc]]) {
    if (code[pc] === Op.CLOSURE && code[pc + 1] === index) return true;
  }
  return false;
}

export { EvaluationError };
