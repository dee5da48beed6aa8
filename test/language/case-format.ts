// Reads the expectation header of a language test case (see README.md for the format).
// Shared by the mocha runner (language.test.ts) and the JavaScript oracle (oracle.ts).
import * as fs from "node:fs";
import * as path from "node:path";

export interface ExpectedDiagnostic {
  /** Absolute path of the file the diagnostic must be in. */
  file: string;
  line: number;
  column: number;
  /** A substring the diagnostic's message must contain; "" accepts any message. */
  message: string;
}

export interface ExpectedRuntimeError {
  errorName: string;
  /** Substring of the error's message; "" accepts any message. */
  message: string;
  /** Line of the innermost frame outside the prelude, when given. */
  line: number | null;
  /** Absolute path of that frame's file, when given (defaults to not checked). */
  file: string | null;
}

export interface TestCase {
  /** Name shown by mocha: the path below cases/, a folder for multi-file cases. */
  name: string;
  /** Feature folder directly below cases/ (e.g. "tasks"). */
  feature: string;
  /** Absolute path of the entry file (main.raya for multi-file cases). */
  entry: string;
  source: string;
  /** Expected console.log lines; null when the header has no expect-output block. */
  output: string[] | null;
  /** Expected program result (parsed JSON); `hasResult` says whether one was given. */
  result: unknown;
  hasResult: boolean;
  compileErrors: ExpectedDiagnostic[];
  allowMoreErrors: boolean;
  runtimeError: ExpectedRuntimeError | null;
  /** Reason the oracle skips this case, or null when the oracle applies. */
  oracleSkip: string | null;
}

export const CASES_DIR = path.join(__dirname, "cases");

const DIRECTIVE = /^\/\/ (expect-output|expect-result|expect-compile-error|expect-runtime-error|allow-more-errors|oracle)(?::|$)(.*)$/;

/** Every case below cases/, sorted by name. */
export function listCases(root: string = CASES_DIR): TestCase[] {
  const cases: TestCase[] = [];
  for (const feature of sortedEntries(root)) {
    const featureDir = path.join(root, feature);
    if (!fs.statSync(featureDir).isDirectory()) continue;
    for (const entry of sortedEntries(featureDir)) {
      const full = path.join(featureDir, entry);
      if (fs.statSync(full).isDirectory()) {
        cases.push(readCase(path.join(full, "main.raya"), `${feature}/${entry}/`, feature));
      } else if (entry.endsWith(".raya")) {
        cases.push(readCase(full, `${feature}/${entry}`, feature));
      }
    }
  }
  return cases;
}

function sortedEntries(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** Reads one case file; throws with the file and line when its header is malformed. */
export function readCase(entry: string, name: string, feature: string): TestCase {
  const source = fs.readFileSync(entry, "utf8");
  const testCase: TestCase = {
    name,
    feature,
    entry,
    source,
    output: null,
    result: null,
    hasResult: false,
    compileErrors: [],
    allowMoreErrors: false,
    runtimeError: null,
    oracleSkip: null,
  };
  const lines = source.split(/\r?\n/);
  let inOutput = false;
  for (let i = 0; i < lines.length && lines[i].startsWith("//"); i++) {
    const line = lines[i];
    const where = `${entry}:${i + 1}`;
    const directive = DIRECTIVE.exec(line);
    if (directive === null) {
      if (inOutput) testCase.output!.push(outputLine(line, where));
      continue; // outside an output block a plain comment is a description
    }
    inOutput = false;
    const [, name, rest] = directive;
    const argument = rest.trim();
    switch (name) {
      case "expect-output":
        if (argument !== "") throw new Error(`${where}: expect-output takes its lines on the following comment lines`);
        if (testCase.output !== null) throw new Error(`${where}: duplicate expect-output`);
        testCase.output = [];
        inOutput = true;
        break;
      case "expect-result":
        testCase.result = parseJson(argument, where);
        testCase.hasResult = true;
        break;
      case "expect-compile-error":
        testCase.compileErrors.push(parseDiagnostic(argument, path.dirname(entry), entry, where));
        break;
      case "allow-more-errors":
        testCase.allowMoreErrors = true;
        break;
      case "expect-runtime-error":
        testCase.runtimeError = parseRuntimeError(argument, path.dirname(entry), where);
        break;
      case "oracle":
        if (!argument.startsWith("skip")) throw new Error(`${where}: expected 'oracle: skip <reason>'`);
        testCase.oracleSkip = argument.slice(4).trim() || "Raya-only semantics";
        break;
    }
  }
  validate(testCase);
  return testCase;
}

function outputLine(line: string, where: string): string {
  if (line === "//") return "";
  if (!line.startsWith("// ")) throw new Error(`${where}: output lines start with '// '`);
  return line.slice(3);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${where}: expect-result is not valid JSON: ${text}`);
  }
}

/** `[file ]line:col[ message-substring]` — the file (relative to the case folder) and message are optional. */
function parseDiagnostic(text: string, dir: string, entry: string, where: string): ExpectedDiagnostic {
  const match = /^(?:(\S+\.raya) )?(\d+):(\d+)(?: (.*))?$/.exec(text);
  if (match === null) throw new Error(`${where}: expected 'expect-compile-error: [file.raya ]line:col message'`);
  const [, file, line, column, message] = match;
  return {
    file: file === undefined ? entry : path.resolve(dir, file),
    line: Number(line),
    column: Number(column),
    message: (message ?? "").trim(),
  };
}

/** `ErrorName[: message-substring][ @ [file.raya:]line]`. */
function parseRuntimeError(text: string, dir: string, where: string): ExpectedRuntimeError {
  let rest = text;
  let line: number | null = null;
  let file: string | null = null;
  const at = / @ (?:(\S+\.raya):)?(\d+)$/.exec(rest);
  if (at !== null) {
    if (at[1] !== undefined) file = path.resolve(dir, at[1]);
    line = Number(at[2]);
    rest = rest.slice(0, at.index);
  }
  const colon = rest.indexOf(":");
  const errorName = (colon < 0 ? rest : rest.slice(0, colon)).trim();
  const message = colon < 0 ? "" : rest.slice(colon + 1).trim();
  if (!/^\w+$/.test(errorName)) throw new Error(`${where}: expected 'expect-runtime-error: Name[: message][ @ line]'`);
  return { errorName, message, line, file };
}

function validate(c: TestCase): void {
  const runs = c.output !== null || c.hasResult || c.runtimeError !== null;
  if (c.compileErrors.length > 0 && runs) {
    throw new Error(`${c.entry}: a case expects either compile errors or a run, not both`);
  }
  if (c.compileErrors.length === 0 && !runs) {
    throw new Error(`${c.entry}: no expectation (expect-output, expect-result, expect-runtime-error or expect-compile-error)`);
  }
  if (c.allowMoreErrors && c.compileErrors.length === 0) {
    throw new Error(`${c.entry}: allow-more-errors without expect-compile-error`);
  }
}
