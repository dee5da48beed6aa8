// `raya`: the command-line front end of the engine. Exit codes: 0 ok, 1 compile error (or
// invalid bytecode), 2 runtime error, 3 usage or file error.
import * as fs from "node:fs";
import {
  compile,
  CompileError,
  disassemble,
  encodeProgram,
  formatDiagnostic,
  InvalidBytecodeError,
  loadProgram,
  RayaRuntimeError,
  run,
  type Program,
} from "../index";

const USAGE = `Usage:
  raya run [--json] FILE          run a .raya source or a compiled .rbc file
  raya compile FILE -o OUT.rbc    compile to bytecode
  raya disasm FILE                print the bytecode of a .raya or .rbc file with source lines
  raya --version | --help

Exit codes: 0 ok, 1 compile error or invalid bytecode, 2 runtime error, 3 usage or file error.`;

const EXIT_OK = 0;
const EXIT_COMPILE = 1;
const EXIT_RUNTIME = 2;
const EXIT_USAGE = 3;

class UsageError extends Error {}

/** What went wrong, in the shape `raya run --json` reports it. */
type Failure =
  | { kind: "compile"; message: string; diagnostics: { file: string; line: number; column: number; message: string }[] }
  | { kind: "runtime"; message: string; stack: { function: string; file: string; line: number; column: number }[] };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return runCommand(rest);
    case "compile":
      return compileCommand(rest);
    case "disasm":
      return disasmCommand(rest);
    case "--version":
      process.stdout.write("raya 0.1.0\n");
      return EXIT_OK;
    case undefined:
    case "--help":
    case "-h":
      process.stdout.write(USAGE + "\n");
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

async function runCommand(args: string[]): Promise<number> {
  const json = takeFlag(args, "--json");
  const file = singleFile(args, "run");
  const loaded = loadAny(file);
  if ("failure" in loaded) return reportFailure(loaded.failure, json);
  try {
    const outcome = await run(loaded.program, { onOutput: (line) => process.stdout.write(line + "\n") });
    if (json) process.stdout.write(JSON.stringify({ ok: true, value: outcome.value ?? null }) + "\n");
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof RayaRuntimeError)) throw error;
    const message = `${error.errorName}: ${error.rayaMessage}`;
    return reportFailure({ kind: "runtime", message, stack: error.rayaStack }, json);
  }
}

function compileCommand(args: string[]): number {
  const outIndex = args.indexOf("-o");
  if (outIndex < 0 || outIndex === args.length - 1) throw new UsageError("compile needs -o OUT.rbc");
  const out = args[outIndex + 1];
  args.splice(outIndex, 2);
  const file = singleFile(args, "compile");
  const loaded = loadAny(file);
  if ("failure" in loaded) return reportFailure(loaded.failure, false);
  fs.writeFileSync(out, encodeProgram(loaded.program));
  return EXIT_OK;
}

function disasmCommand(args: string[]): number {
  const file = singleFile(args, "disasm");
  const loaded = loadAny(file);
  if ("failure" in loaded) return reportFailure(loaded.failure, false);
  process.stdout.write(disassemble(loaded.program, { withSource: true }));
  return EXIT_OK;
}

/** Loads a .rbc file (decoded and verified) or compiles anything else as Raya source. */
function loadAny(file: string): { program: Program } | { failure: Failure } {
  const bytes = readInput(file);
  try {
    if (file.endsWith(".rbc")) return { program: loadProgram(bytes) };
    return { program: compile(Buffer.from(bytes).toString("utf8"), { filename: file }) };
  } catch (error) {
    if (error instanceof CompileError) {
      return { failure: { kind: "compile", message: error.message, diagnostics: error.diagnostics } };
    }
    if (error instanceof InvalidBytecodeError) {
      const message = `${file}: invalid bytecode: ${error.message}`;
      return { failure: { kind: "compile", message, diagnostics: [] } };
    }
    throw error;
  }
}

function reportFailure(failure: Failure, json: boolean): number {
  if (failure.kind === "compile") {
    const lines = failure.diagnostics.length > 0 ? failure.diagnostics.map(formatDiagnostic) : [failure.message];
    process.stderr.write(lines.join("\n") + "\n");
  } else {
    const frames = failure.stack.map((f) => `    at ${f.function} (${f.file}:${f.line}:${f.column})`);
    process.stderr.write([`Uncaught ${failure.message}`, ...frames].join("\n") + "\n");
  }
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: failure }) + "\n");
  return failure.kind === "compile" ? EXIT_COMPILE : EXIT_RUNTIME;
}

function readInput(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new UsageError(`cannot read '${file}': ${reason}`);
  }
}

function takeFlag(args: string[], flag: string): boolean {
  const index = args.indexOf(flag);
  if (index >= 0) args.splice(index, 1);
  return index >= 0;
}

function singleFile(args: string[], command: string): string {
  const unknown = args.find((a) => a.startsWith("-"));
  if (unknown !== undefined) throw new UsageError(`unknown option '${unknown}' for ${command}`);
  if (args.length !== 1) throw new UsageError(`${command} takes exactly one FILE`);
  return args[0];
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`raya: ${error.message}\n${USAGE}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.stderr.write(`raya: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 70;
  },
);
