// The runtime side of the Raya debugger. It attaches to VmContexts through VmContext.debugHooks
// (so a context nobody debugs pays nothing), patches DEBUG_BREAK over breakpoint instructions in
// the context's own copy of each function's code, and drives stepping by running a Task one
// instruction at a time while watching the line table. It knows nothing of DAP: the adapter in
// debug-adapter/ translates requests into these calls and these callbacks into events.
import * as path from "node:path";
import type { Program } from "../bytecode/module";
import { OPERAND_COUNT, Op } from "../bytecode/opcodes";
import { compile, PRELUDE_FILENAME, type CompileOptions } from "../compiler/compile";
import { VmContext, type DebugHooks } from "../vm/context";
import { DEBUG_BREAK_OPCODE, interpret, RunStatus, unwind } from "../vm/interpreter";
import { formatLogLine, toRayaString } from "../vm/format";
import { createMainTask, uncaughtError, RayaRuntimeError } from "../vm/run";
import { Scheduler } from "../vm/scheduler";
import { Task, TaskState } from "../vm/task";
import { Box, FunctionInfo, RObject } from "../vm/value";
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

export interface DebugListener {
  stopped(stop: DebugStop): void;
  output(text: string, category: "stdout" | "stderr" | "console"): void;
  /** The program ended: exit code 0 (finished) or 2 (uncaught error, deadlock or VM failure). */
  exited(exitCode: number): void;
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

  constructor(
    readonly id: number,
    readonly name: string,
    readonly owner: Debugger,
    program: Program,
    scheduler: Scheduler,
  ) {
    this.context = new VmContext(program, scheduler, (line) => owner.listener.output(`${line}\n`, "stdout"));
    for (const info of this.context.functions) {
      // The context's own code copy: patching it leaves the Program (and other contexts) intact.
      (info as { code: Int32Array }).code = info.code.slice();
    }
    this.context.debugHooks = this;
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
    const filters = this.owner.exceptionFilters;
    const userStop = handlerCovers(task, pc) ? filters.caught : filters.uncaught;
    if (!userStop && state.step?.returnBreak == null) return false;
    state.pendingThrow = { value: thrown, pc, userStop };
    return true;
  }

  runSlice(task: Task, fuel: number): number {
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
      } else if (state.step !== null && state.step.returnBreak === null) {
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
      const singleStepping = state.step !== null && state.step.returnBreak === null;
      if (singleStepping ? singleSteps >= STEP_SLICE : context.stepsExecuted - startSteps >= fuel) return RunStatus.Preempted;
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
    if (this.breakpoints.get(returnBreak.fn)?.has(returnBreak.pc) !== true) this.restoreOpcode(returnBreak.fn, returnBreak.pc);
  }

  private patchOpcode(fn: FunctionInfo, pc: number): void {
    let originals = this.patched.get(fn);
    if (originals === undefined) this.patched.set(fn, (originals = new Map()));
    if (!originals.has(pc)) originals.set(pc, fn.code[pc]);
    fn.code[pc] = DEBUG_BREAK_OPCODE;
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
        this.owner.listener.output(`breakpoint condition '${breakpoint.condition}' failed: ${errorText(error)}\n`, "stderr");
        return null;
      }
    }
    breakpoint.hits++;
    if (breakpoint.hitCondition !== undefined && !hitConditionMet(breakpoint.hitCondition, breakpoint.hits)) return null;
    if (breakpoint.logMessage !== undefined) {
      this.owner.listener.output(`${interpolate(breakpoint.logMessage, lookup)}\n`, "console");
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
    this.owner.listener.stopped({ reason, threadId: this.owner.threadId(task), contextId: this.id, text });
  }

  startStep(task: Task, kind: Step["kind"], singleThread: boolean): void {
    const depth = task.fp;
    const fn = task.frameClosure[depth].proto;
    const state = this.state(task);
    state.step = { kind, depth, fn, line: fn.positionAt(task.framePc[depth]).line, returnBreak: null };
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
    this.context.paused = false;
    this.context.scheduler.release(this.context);
  }

  // ---- breakpoints

  patch(fn: FunctionInfo, pc: number, breakpoint: Breakpoint): void {
    this.patchOpcode(fn, pc);
    let byPc = this.breakpoints.get(fn);
    if (byPc === undefined) this.breakpoints.set(fn, (byPc = new Map()));
    byPc.set(pc, breakpoint);
  }

  unpatchWhere(test: (fn: FunctionInfo, breakpoint: Breakpoint) => boolean): void {
    for (const [fn, byPc] of this.breakpoints) {
      for (const [pc, breakpoint] of [...byPc]) {
        if (!test(fn, breakpoint)) continue;
        byPc.delete(pc);
        if (this.returnBreaks.get(fn)?.has(pc) !== true) this.restoreOpcode(fn, pc);
      }
    }
  }
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

/**
 * A debug run: a Scheduler with the contexts it debugs (one per launch today; the API names
 * contexts so a Runtime with several fits). Thread ids are unique across contexts.
 */
export class Debugger {
  exceptionFilters = { caught: false, uncaught: false };
  private readonly scheduler = new Scheduler();
  private readonly contexts: DebugContext[] = [];
  private readonly threadIds = new WeakMap<Task, number>();
  private readonly threadsById = new Map<number, Task>();
  private nextThreadId = 1;
  private lineRequests = new Map<string, BreakpointRequest[]>();
  private functionRequests: FunctionBreakpointRequest[] = [];
  private captureNames = new Map<FunctionInfo, string[]>();

  constructor(readonly listener: DebugListener) {}

  /** Compiles a program into a new debugged context (throws CompileError) without running it,
   *  so breakpoints can be set against its line tables; returns the context id for start(). */
  load(options: LaunchOptions): number {
    const program = compile(options.source, options);
    const id = this.contexts.length + 1;
    const debug = new DebugContext(id, options.name ?? path.basename(options.filename), this, program, this.scheduler);
    this.contexts.push(debug);
    for (const file of this.lineRequests.keys()) this.applyLineBreakpoints(debug, file);
    this.applyFunctionBreakpoints(debug);
    return id;
  }

  /** Runs a loaded context's program; `stopOnEntry` stops it before its first instruction. */
  start(contextId: number, stopOnEntry = false): void {
    const debug = this.contexts.find((d) => d.id === contextId);
    if (debug === undefined) throw new Error(`unknown context ${contextId}`);
    const main = createMainTask(debug.context);
    // Stop on entry at the first line of user code, not inside the generated <entry> function:
    // step in from the entry's first instruction, which passes over the prelude's initialiser.
    if (stopOnEntry) debug.stepInto(main, "entry");
    const settle = (task: Task): void => {
      if (task.state === TaskState.Failed) this.reportUncaught(uncaughtError(debug.context, task));
      this.listener.exited(task.state === TaskState.Done ? 0 : 2);
    };
    const fail = (message: string): void => {
      this.listener.output(`${message}\n`, "stderr");
      this.listener.exited(2);
    };
    this.scheduler.startRoot(main, settle, fail, (error) => fail(`internal VM error: ${errorText(error)}`));
  }

  private reportUncaught(error: RayaRuntimeError): void {
    const frames = error.rayaStack.map((f) => `    at ${f.function} (${f.file}:${f.line}:${f.column})`);
    this.listener.output(`Uncaught ${error.message}\n${frames.map((f) => `${f}\n`).join("")}`, "stderr");
  }

  /** Stops every Task for good (the session ends). */
  terminate(): void {
    for (const debug of this.contexts) {
      for (const task of [...debug.context.tasks]) if (!task.finished) this.scheduler.finish(task, TaskState.Cancelled, null);
      debug.context.debugHooks = null;
      debug.context.paused = false;
    }
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

  threads(): DebugThread[] {
    const threads: DebugThread[] = [];
    for (const debug of this.contexts) {
      for (const task of debug.context.tasks) {
        if (task.finished) continue;
        threads.push({ threadId: this.threadId(task), contextId: debug.id, name: `${debug.name}#${debug.id} · ${task.name}#${task.id}`, state: task.stateName });
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

  private debugContextOf(task: Task): DebugContext {
    const debug = this.contexts.find((d) => d.context === task.context);
    if (debug === undefined) throw new Error("the thread's context is not debugged");
    return debug;
  }

  // ---- execution control

  /** Resumes one context, or every context when `contextId` is undefined. */
  continue(contextId?: number): void {
    for (const debug of this.contexts) if (contextId === undefined || debug.id === contextId) debug.resume();
  }

  /** The context a thread belongs to (threads of one context stop and go together). */
  contextOf(threadId: number): number {
    return this.debugContextOf(this.task(threadId)).id;
  }

  /** Pauses one context (others keep running), or every context when `contextId` is undefined;
   *  reports the stop on the context's first live Task (its root while that lives). */
  pause(contextId?: number): void {
    for (const debug of this.contexts) {
      if (contextId !== undefined && debug.id !== contextId) continue;
      const tasks = [...debug.context.tasks].filter((t) => !t.finished);
      if (tasks.length > 0 && !debug.context.paused) debug.stop(tasks[0], "pause");
    }
  }

  step(threadId: number, kind: "over" | "in" | "out", singleThread: boolean): void {
    const task = this.task(threadId);
    if (task.fp < 0) throw new Error(`thread ${threadId} has no frames`);
    this.debugContextOf(task).startStep(task, kind, singleThread);
  }

  // ---- breakpoints

  setBreakpoints(file: string, requests: BreakpointRequest[]): BreakpointResult[] {
    const key = path.resolve(file);
    this.lineRequests.set(key, requests);
    const results: BreakpointResult[] = requests.map((r) => {
      const line = this.breakableLine(key, r.line);
      return line === null ? { verified: false, message: `no code at or after line ${r.line}` } : { verified: true, line };
    });
    for (const debug of this.contexts) this.applyLineBreakpoints(debug, key);
    return results;
  }

  setFunctionBreakpoints(requests: FunctionBreakpointRequest[]): BreakpointResult[] {
    this.functionRequests = requests;
    for (const debug of this.contexts) this.applyFunctionBreakpoints(debug);
    return requests.map((r) => {
      const fn = this.contexts[0]?.context.functions.find((f) => functionMatches(f, r.name));
      if (this.contexts.length === 0) return { verified: false, message: "the program has not started" };
      return fn === undefined ? { verified: false, message: `no function named '${r.name}'` } : { verified: true, line: fn.proto.line };
    });
  }

  /** The nearest line at or after `line` that has code in `file`, or null. */
  private breakableLine(file: string, line: number): number | null {
    let best: number | null = null;
    for (const debug of this.contexts) {
      for (const fn of debug.context.functions) {
        if (path.resolve(fn.fileName) !== file) continue;
        for (const row of fn.proto.lines) if (row.line >= line && (best === null || row.line < best)) best = row.line;
      }
    }
    if (best === null && this.contexts.length === 0) return line; // verified for real once the program is compiled
    return best;
  }

  private applyLineBreakpoints(debug: DebugContext, file: string): void {
    debug.unpatchWhere((fn, bp) => !bp.functionBreakpoint && path.resolve(fn.fileName) === file);
    for (const request of this.lineRequests.get(file) ?? []) {
      const line = this.breakableLine(file, request.line);
      if (line === null) continue;
      for (const fn of debug.context.functions) {
        if (path.resolve(fn.fileName) !== file) continue;
        const row = fn.proto.lines.find((r) => r.line === line);
        if (row !== undefined) debug.patch(fn, row.pc, { ...request, hits: 0, functionBreakpoint: false });
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

  setExceptionFilters(filters: { caught: boolean; uncaught: boolean }): void {
    this.exceptionFilters = filters;
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
    for (const debug of this.contexts) {
      const found = debug.context.program.files.find((f) => f.name === file);
      if (found !== undefined) return found.text;
    }
    return null;
  }

  /** The scope containers of a frame: locals, closure captures (null if none) and globals. */
  scopes(threadId: number, frame: number): { locals: VariableContainer; closure: VariableContainer | null; globals: VariableContainer } {
    const task = this.task(threadId);
    const depth = this.frameDepth(task, frame);
    const hasCaptures = task.frameClosure[depth].captures.length > 0;
    return {
      locals: { kind: "locals", threadId, frame },
      closure: hasCaptures ? { kind: "closure", threadId, frame } : null,
      globals: { kind: "globals", contextId: this.debugContextOf(task).id },
    };
  }

  variables(container: VariableContainer, start?: number, count?: number): DebugVariable[] {
    switch (container.kind) {
      case "value":
        return valueChildren(container.value, start, count);
      case "globals":
        return this.globalEntries(container.contextId).map(([name, value]) => describe(name, value));
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

  /** Evaluates an expression in a frame (or with globals only when threadId is undefined). */
  evaluate(expression: string, threadId?: number, frame = 0): DebugVariable {
    const lookup = threadId === undefined ? this.globalLookup(this.contexts[0]?.id ?? -1) : this.scopeLookup(this.task(threadId), frame);
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
    const functions = this.contexts.find((d) => d.context.functions[fn.index] === fn)?.context.functions ?? [];
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
    const debug = this.contexts.find((d) => d.id === contextId);
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
