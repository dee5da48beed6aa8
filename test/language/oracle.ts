// Checks language test cases against real JavaScript: strips the types with esbuild, runs
// the program in node:vm with a captured console, and compares output, result and uncaught
// error with the case's header. Cases marked `// oracle: skip` (Raya-only semantics) and
// compile-error cases are not run.
//
//   npx tsx test/language/oracle.ts                 # every case
//   npx tsx test/language/oracle.ts path/a.raya ... # the given case files or folders
import * as fs from "node:fs";
import * as path from "node:path";
import * as util from "node:util";
import * as vm from "node:vm";
import { isDeepStrictEqual } from "node:util";
import { transformSync } from "esbuild";
import { listCases, type TestCase } from "./case-format";

type ModuleFunction = (require: (specifier: string) => unknown, exports: object) => unknown;

interface OracleOutcome {
  output: string[];
  value: unknown;
  error: { name: string; message: string } | null;
}

/** Raya source → the body of a function taking (__require, __exports), with types still in. */
function toModuleBody(source: string): string {
  const exported: string[] = [];
  const lines = source.split(/\r?\n/).map((line) => {
    const named = /^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";?\s*$/.exec(line);
    if (named !== null) {
      const bindings = named[1]
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
        .map((s) => s.replace(/^(\w+)\s+as\s+(\w+)$/, "$1: $2"));
      return `const { ${bindings.join(", ")} } = __require(${JSON.stringify(named[2])}) as any;`;
    }
    const namespace = /^import\s*\*\s*as\s+(\w+)\s+from\s*"([^"]+)";?\s*$/.exec(line);
    if (namespace !== null) return `const ${namespace[1]} = __require(${JSON.stringify(namespace[2])}) as any;`;
    const list = /^export\s*\{([^}]*)\};?\s*$/.exec(line);
    if (list !== null) {
      for (const spec of list[1].split(",").map((s) => s.trim()).filter((s) => s !== "")) {
        const renamed = /^(\w+)\s+as\s+(\w+)$/.exec(spec);
        exported.push(renamed === null ? `${spec}:${spec}` : `${renamed[2]}:${renamed[1]}`);
      }
      return "";
    }
    const decl = /^export\s+((?:async\s+)?function\*?|abstract\s+class|class|const|let|type|interface)\s+(\w+)/.exec(line);
    if (decl !== null) {
      if (decl[1] !== "type" && decl[1] !== "interface") exported.push(`${decl[2]}:${decl[2]}`);
      return line.replace(/^export\s+/, "");
    }
    return line;
  });
  // Getters give importers live bindings; functions are hoisted, so import cycles of
  // functions work as they do in Raya.
  const prologue = exported
    .map((pair) => {
      const [name, local] = pair.split(":");
      return `Object.defineProperty(__exports, ${JSON.stringify(name)}, { get: () => ${local}, enumerable: true });`;
    })
    .join(" ");
  return `${prologue}\n${lines.join("\n")}`;
}

function compileModule(file: string, isEntry: boolean, context: vm.Context): ModuleFunction {
  let body = toModuleBody(fs.readFileSync(file, "utf8"));
  if (isEntry) body += `\n;if (typeof main === "function") return await main();`;
  const wrapped = `(async function (__require: any, __exports: any) {\n${body}\n})`;
  const js = transformSync(wrapped, { loader: "ts", sourcefile: file }).code;
  return vm.runInContext(js, context, { filename: file }) as ModuleFunction;
}

function newContext(output: string[]): vm.Context {
  const format = (...args: unknown[]) => util.formatWithOptions({ breakLength: Infinity }, ...args);
  const console = { log: (...args: unknown[]) => output.push(...format(...args).split("\n")) };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  return vm.createContext({ console, sleep, setTimeout });
}

async function runInJavaScript(entry: string): Promise<OracleOutcome> {
  const output: string[] = [];
  const context = newContext(output);
  const loaded = new Map<string, object>();
  const load = (file: string, isEntry: boolean): Promise<unknown> => {
    const exports = {};
    loaded.set(file, exports);
    const requireFrom = (specifier: string) => {
      const target = path.resolve(path.dirname(file), specifier) + ".raya";
      if (!loaded.has(target)) void load(target, false);
      return loaded.get(target);
    };
    return compileModule(file, isEntry, context)(requireFrom, exports) as Promise<unknown>;
  };
  try {
    const value = await load(entry, true);
    return { output, value: value === undefined ? null : jsonLike(value), error: null };
  } catch (error) {
    const { name, message } = describeThrown(error);
    return { output, value: null, error: { name, message } };
  }
}

function jsonLike(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? "null");
}

function describeThrown(error: unknown): { name: string; message: string } {
  if (error !== null && typeof error === "object" && "name" in error && "message" in error) {
    return { name: String(error.name), message: String(error.message) };
  }
  return { name: typeof error, message: String(error) };
}

/** Differences between the case's expectations and the JavaScript run; empty when they agree. */
async function compare(testCase: TestCase): Promise<string[]> {
  const actual = await runInJavaScript(testCase.entry);
  const problems: string[] = [];
  const expectedOutput = testCase.output ?? [];
  if (!isDeepStrictEqual(actual.output, expectedOutput)) {
    problems.push(`output differs\n  expected:\n${indent(expectedOutput)}\n  actual:\n${indent(actual.output)}`);
  }
  if (testCase.hasResult && !isDeepStrictEqual(actual.value, testCase.result)) {
    problems.push(`result: expected ${JSON.stringify(testCase.result)}, got ${JSON.stringify(actual.value)}`);
  }
  const expectedError = testCase.runtimeError;
  if (expectedError === null && actual.error !== null) {
    problems.push(`unexpected error ${actual.error.name}: ${actual.error.message}`);
  } else if (expectedError !== null) {
    if (actual.error === null) problems.push(`expected ${expectedError.errorName} but the program completed`);
    else if (actual.error.name !== expectedError.errorName || !actual.error.message.includes(expectedError.message)) {
      problems.push(
        `expected ${expectedError.errorName}: ${expectedError.message}, got ${actual.error.name}: ${actual.error.message}`,
      );
    }
  }
  return problems;
}

function indent(lines: string[]): string {
  return lines.map((l) => `    | ${l}`).join("\n");
}

function selectCases(args: string[]): TestCase[] {
  if (args.length === 0) return listCases();
  const wanted = args.map((a) => path.resolve(a));
  return listCases().filter((c) =>
    wanted.some((w) => c.entry === w || c.entry.startsWith(w + path.sep) || path.dirname(c.entry) === w),
  );
}

async function main(): Promise<void> {
  const cases = selectCases(process.argv.slice(2));
  let checked = 0;
  let skipped = 0;
  let failed = 0;
  for (const testCase of cases) {
    if (testCase.compileErrors.length > 0 || testCase.oracleSkip !== null) {
      skipped++;
      continue;
    }
    checked++;
    let problems: string[];
    try {
      problems = await compare(testCase);
    } catch (error) {
      problems = [`oracle could not run it: ${error instanceof Error ? error.message : String(error)}`];
    }
    if (problems.length > 0) {
      failed++;
      console.log(`FAIL ${testCase.name}\n  ${problems.join("\n  ")}`);
    }
  }
  console.log(`oracle: ${checked} checked, ${failed} failed, ${skipped} skipped (compile-error or oracle: skip)`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
