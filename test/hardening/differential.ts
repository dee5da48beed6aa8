// Runs one Raya program two ways — compiled by the Raya engine, and as JavaScript (types
// stripped by esbuild) in node:vm — and reports how the two runs differ.
import * as util from "node:util";
import * as vm from "node:vm";
import { transformSync } from "esbuild";
import { compile, run, CompileError, RayaRuntimeError, formatDiagnostic, type Program } from "../../runtime";

/** What a run produced, in a form both engines can be compared on. */
export interface Outcome {
  output: string[];
  /** The result, after a JSON round trip (NaN and Infinity become null, -0 becomes 0). */
  value: unknown;
  error: { name: string; message: string } | null;
}

/** Longest a JavaScript run may take; generated programs finish in milliseconds. */
const JS_TIMEOUT_MS = 2000;

function jsonLike(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value) ?? "null");
}

/** Compiles `source`; a CompileError here means the generator produced an ill-typed program (or the checker is wrong). */
export function compileRaya(source: string): Program {
  try {
    return compile(source, { filename: "/generated/main.raya" });
  } catch (error) {
    if (error instanceof CompileError) {
      const diagnostics = error.diagnostics.map(formatDiagnostic).join("\n");
      throw new Error(`the generated program does not compile:\n${diagnostics}\n--- program ---\n${source}`);
    }
    throw error;
  }
}

export async function runRaya(program: Program): Promise<Outcome> {
  const output: string[] = [];
  try {
    const outcome = await run(program, { onOutput: (line) => output.push(line) });
    return { output, value: jsonLike(outcome.value), error: null };
  } catch (error) {
    if (error instanceof RayaRuntimeError) {
      return { output, value: null, error: { name: error.errorName, message: error.rayaMessage } };
    }
    throw error;
  }
}

/** Runs the program as JavaScript: wrapped in a function so top-level `return` gives the result. */
export function runJavaScript(source: string): Outcome {
  const output: string[] = [];
  const format = (...args: unknown[]) => util.formatWithOptions({ breakLength: Infinity }, ...args);
  const context = vm.createContext({ console: { log: (...args: unknown[]) => output.push(...format(...args).split("\n")) } });
  const js = transformSync(`(function () {\n${source}\n})()`, { loader: "ts" }).code;
  try {
    const value = vm.runInContext(js, context, { timeout: JS_TIMEOUT_MS });
    return { output, value: jsonLike(value), error: null };
  } catch (error) {
    // Errors thrown by the program come from the vm context's own Error classes.
    const e = error as { name?: unknown; message?: unknown };
    if (e !== null && typeof e === "object" && "message" in e) {
      return { output, value: null, error: { name: String(e.name), message: String(e.message) } };
    }
    return { output, value: null, error: { name: "Uncaught", message: String(error) } };
  }
}

/** Human-readable differences between two outcomes; empty when they agree. */
export function differences(raya: Outcome, js: Outcome): string[] {
  const problems: string[] = [];
  const length = Math.max(raya.output.length, js.output.length);
  for (let i = 0; i < length; i++) {
    if (raya.output[i] !== js.output[i]) {
      problems.push(`output line ${i + 1}:\n  raya: ${show(raya.output[i])}\n  js:   ${show(js.output[i])}`);
      break;
    }
  }
  if (!util.isDeepStrictEqual(raya.value, js.value)) {
    problems.push(`result:\n  raya: ${JSON.stringify(raya.value)}\n  js:   ${JSON.stringify(js.value)}`);
  }
  if (!util.isDeepStrictEqual(raya.error, js.error)) {
    problems.push(`error:\n  raya: ${JSON.stringify(raya.error)}\n  js:   ${JSON.stringify(js.error)}`);
  }
  return problems;
}

function show(line: string | undefined): string {
  return line === undefined ? "(no line)" : JSON.stringify(line);
}

/** Compiles and runs `source` both ways; throws with the program and the differences when they disagree. */
export async function checkAgainstJavaScript(source: string): Promise<void> {
  const program = compileRaya(source);
  const raya = await runRaya(program);
  const js = runJavaScript(source);
  const problems = differences(raya, js);
  if (problems.length > 0) {
    throw new Error(`Raya and JavaScript disagree:\n${problems.join("\n")}\n--- program ---\n${source}`);
  }
}
