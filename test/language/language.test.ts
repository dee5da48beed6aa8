// The language test suite: one mocha test per case below cases/ (format in README.md).
// Each case is compiled and run through the public runtime API and compared with the
// expectations in its header.
import * as assert from "node:assert";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { compile, run, CompileError, type Diagnostic } from "../../runtime";
import { CASES_DIR, listCases, type ExpectedDiagnostic, type TestCase } from "./case-format";

const PRELUDE_FILE = "<prelude>";

/** Folders whose cases cannot run yet, with the reason mocha shows for them. */
function pendingReason(feature: string): string | null {
  if (feature === "tasks" && process.env.RAYA_SKIP_TASKS === "1") {
    return "RAYA_SKIP_TASKS=1: Task cases disabled";
  }
  return null;
}

describe("language", () => {
  const cases = listCases();
  const features = [...new Set(cases.map((c) => c.feature))];
  for (const feature of features) {
    describe(feature, () => {
      const reason = pendingReason(feature);
      for (const testCase of cases.filter((c) => c.feature === feature)) {
        if (reason !== null) {
          it.skip(`${testCase.name} (${reason})`, () => {});
        } else {
          it(testCase.name, () => checkCase(testCase));
        }
      }
    });
  }
});

async function checkCase(testCase: TestCase): Promise<void> {
  if (testCase.compileErrors.length > 0) {
    checkCompileErrors(testCase);
    return;
  }
  let program;
  try {
    program = compile(testCase.source, { filename: testCase.entry });
  } catch (error) {
    if (error instanceof CompileError) {
      assert.fail(`expected the program to compile, got:\n${listDiagnostics(error.diagnostics)}`);
    }
    throw error;
  }
  const printed: string[] = []; // kept even when the run ends in an error
  let outcome;
  try {
    outcome = await run(program, { onOutput: (line) => printed.push(line) });
  } catch (error) {
    checkRuntimeError(testCase, error, printed);
    return;
  }
  if (testCase.runtimeError !== null) {
    const e = testCase.runtimeError;
    assert.fail(
      `expected ${e.errorName}: ${e.message} but the program completed\n` +
        `output:\n${indent(outcome.output)}\nresult: ${JSON.stringify(outcome.value)}`,
    );
  }
  checkOutput(testCase.output ?? [], outcome.output);
  if (testCase.hasResult && !isDeepStrictEqual(outcome.value, testCase.result)) {
    assert.fail(`result differs\n  expected: ${JSON.stringify(testCase.result)}\n  actual:   ${JSON.stringify(outcome.value)}`);
  }
}

function checkOutput(expected: string[], actual: string[]): void {
  if (isDeepStrictEqual(actual, expected)) return;
  assert.fail(`output differs\n  expected:\n${indent(expected)}\n  actual:\n${indent(actual)}`);
}

function checkCompileErrors(testCase: TestCase): void {
  let diagnostics: Diagnostic[];
  try {
    compile(testCase.source, { filename: testCase.entry });
    diagnostics = [];
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    diagnostics = error.diagnostics;
  }
  const missing = testCase.compileErrors.filter((e) => !diagnostics.some((d) => matches(d, e)));
  const unexpected = testCase.allowMoreErrors
    ? []
    : diagnostics.filter((d) => !testCase.compileErrors.some((e) => matches(d, e)));
  if (missing.length === 0 && unexpected.length === 0) return;
  const report = [
    missing.length > 0 ? `missing diagnostics:\n${missing.map((e) => `    ${formatExpected(e)}`).join("\n")}` : "",
    unexpected.length > 0 ? `unexpected diagnostics:\n${listDiagnostics(unexpected)}` : "",
    `all reported diagnostics:\n${diagnostics.length > 0 ? listDiagnostics(diagnostics) : "    (none: the program compiled)"}`,
  ];
  assert.fail(report.filter((s) => s !== "").join("\n  "));
}

function matches(actual: Diagnostic, expected: ExpectedDiagnostic): boolean {
  return (
    samePath(actual.file, expected.file) &&
    actual.line === expected.line &&
    actual.column === expected.column &&
    actual.message.includes(expected.message)
  );
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

function checkRuntimeError(testCase: TestCase, error: unknown, printed: string[]): void {
  const raya = asRuntimeError(error);
  if (raya === null) throw error; // an engine crash, not a Raya error: show it as is
  const frame = innermostFrame(raya.rayaStack);
  const actualText = `${raya.errorName}: ${raya.rayaMessage} @ ${frame === null ? "?" : `${relative(frame.file)}:${frame.line}`}`;
  const expected = testCase.runtimeError;
  if (expected === null) {
    assert.fail(`unexpected runtime error ${actualText}\n${formatStack(raya.rayaStack)}\noutput before it:\n${indent(printed)}`);
  }
  const ok =
    raya.errorName === expected.errorName &&
    raya.rayaMessage.includes(expected.message) &&
    (expected.line === null || expected.line === frame?.line) &&
    (expected.file === null || (frame !== null && samePath(frame.file, expected.file)));
  if (!ok) {
    const place = `${expected.file === null ? "" : `${relative(expected.file)}:`}${expected.line ?? ""}`;
    const expectedText = `${expected.errorName}: ${expected.message}${place === "" ? "" : ` @ ${place}`}`;
    assert.fail(`runtime error differs\n  expected: ${expectedText}\n  actual:   ${actualText}\n${formatStack(raya.rayaStack)}`);
  }
  checkOutput(testCase.output ?? [], printed);
}

interface StackFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

interface RuntimeErrorShape {
  errorName: string;
  rayaMessage: string;
  rayaStack: StackFrame[];
}

function asRuntimeError(error: unknown): RuntimeErrorShape | null {
  if (error === null || typeof error !== "object") return null;
  const e = error as Partial<RuntimeErrorShape>;
  if (typeof e.errorName !== "string" || typeof e.rayaMessage !== "string" || !Array.isArray(e.rayaStack)) return null;
  return e as RuntimeErrorShape;
}

/** The innermost frame in user code (prelude frames such as `map`'s are skipped). */
function innermostFrame(stack: StackFrame[]): StackFrame | null {
  return stack.find((f) => f.file !== PRELUDE_FILE) ?? null;
}

function formatStack(stack: StackFrame[]): string {
  return stack.map((f) => `    at ${f.function} (${path.relative(CASES_DIR, f.file) || f.file}:${f.line}:${f.column})`).join("\n");
}

function listDiagnostics(diagnostics: Diagnostic[]): string {
  return diagnostics.map((d) => `    ${relative(d.file)} ${d.line}:${d.column} ${d.message}`).join("\n");
}

function formatExpected(e: ExpectedDiagnostic): string {
  return `${relative(e.file)} ${e.line}:${e.column} …${e.message}…`;
}

function relative(file: string): string {
  return file.startsWith("<") ? file : path.relative(CASES_DIR, path.resolve(file));
}

function indent(lines: string[]): string {
  return lines.length === 0 ? "    (no output)" : lines.map((l) => `    | ${l}`).join("\n");
}
