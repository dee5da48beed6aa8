// runProgram: one Scheduler, one VmContext, the program's entry function as the main Task.
import type { Program } from "../bytecode/module";
import { getField, parseStackText, VmContext, type StackFrameInfo } from "./context";
import { formatLogLine, toPlainValue, toRayaString } from "./format";
import { FrameMode, prepareFrame } from "./interpreter";
import { Scheduler } from "./scheduler";
import { type Task, TaskState } from "./task";
import { RClass, RObject } from "./value";

export type { StackFrameInfo } from "./context";

/** An uncaught Raya error ended the program. */
export class RayaRuntimeError extends Error {
  constructor(
    /** "RangeError", "Error", a user class name, or "Uncaught" for a thrown non-Error value. */
    readonly errorName: string,
    readonly rayaMessage: string,
    /** Innermost frame first. */
    readonly rayaStack: StackFrameInfo[],
  ) {
    super(rayaMessage === "" ? errorName : `${errorName}: ${rayaMessage}`);
    this.name = "RayaRuntimeError";
  }
}

export interface RunOptions {
  /** Receives each console.log line as it is printed. */
  onOutput?: (line: string) => void;
  /** Receives each "Uncaught (in task name#id) Error: ..." line (a Task failed and nothing
   *  awaited it); without it those lines go to process.stderr. */
  onError?: (line: string) => void;
}

export interface RunOutcome {
  /** The program result as JSON-compatible JavaScript. */
  value: unknown;
  output: string[];
  /** The "Uncaught (in task ...)" lines reported while the program ran. */
  errors: string[];
}

export function runProgram(program: Program, options: RunOptions = {}): Promise<RunOutcome> {
  const scheduler = new Scheduler();
  const context = new VmContext(program, scheduler, options.onOutput ?? null);
  context.onError = options.onError ?? null;
  const main = createMainTask(context);
  return new Promise<RunOutcome>((resolve, reject) => {
    const settle = (task: Task): void => {
      try {
        if (task.state === TaskState.Done) resolve({ value: toPlainValue(task.result), output: context.output, errors: context.errorOutput });
        else if (task.state === TaskState.Failed) reject(uncaughtError(context, task));
        else reject(new RayaRuntimeError("Error", "the main task was cancelled", []));
      } catch (error) {
        reject(error); // e.g. a result nested too deeply to convert
      }
    };
    const deadlock = (message: string): void => reject(new RayaRuntimeError("Error", message, []));
    try {
      scheduler.startRoot(main, settle, deadlock, reject);
    } catch (error) {
      reject(error);
    }
  });
}

/** The main Task runs the entry function (module initialisers, then the program result). */
export function createMainTask(context: VmContext): Task {
  const task = context.newTask("main");
  const entry = context.entryClosure();
  task.stack.push(entry);
  task.fp = 0;
  task.frameClosure[0] = entry;
  task.frameBase[0] = 0;
  task.frameMode[0] = FrameMode.Normal;
  task.framePc[0] = 0;
  task.sp = prepareFrame(task.stack, 0, 0, entry.proto);
  return task;
}

/** Describes the value that ended `task` as a RayaRuntimeError. */
export function uncaughtError(context: VmContext, task: Task): RayaRuntimeError {
  const thrown = task.result;
  if (thrown instanceof RObject && context.isErrorInstance(thrown)) {
    const layout = thrown.layout;
    const name = layout instanceof RClass ? layout.name : toRayaString(getField(thrown, "name"));
    const stack = getField(thrown, "stack");
    const frames = typeof stack === "string" ? parseStackText(stack) : [];
    return new RayaRuntimeError(name, toRayaString(getField(thrown, "message")), frames.length > 0 ? frames : task.failureTrace);
  }
  return new RayaRuntimeError("Uncaught", formatLogLine([thrown]), task.failureTrace);
}
