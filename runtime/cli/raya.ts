// `raya`: the command-line front end of the engine. Exit codes: 0 ok, 1 compile error (or
// invalid bytecode or snapshot), 2 runtime error, 3 usage or file error.
import * as fs from "node:fs";
import {
  compile,
  CompileError,
  disassemble,
  encodeProgram,
  formatDiagnostic,
  InvalidBytecodeError,
  InvalidSnapshotError,
  loadProgram,
  RayaRuntimeError,
  resumeProgram,
  run,
  type ContextRunStats,
  type Program,
  type RunOptions,
  type RunOutcome,
} from "../index";
import { LiveMonitor } from "./monitor";

const USAGE = `Usage:
  raya run [--json] [--stats | --monitor] FILE
                                  run a .raya source or a compiled .rbc file
        --stats                   at exit, print a table of every context (the program and
                                  the inner VMs it created) to stderr
        --monitor                 show that table live while the program runs
        --snapshot-out SNAP --snapshot-after-steps N
                                  once the program has run N steps, save it to SNAP and exit 0
  raya resume [--json] [--stats] SNAP
                                  continue a saved program to its end (output printed before
                                  the snapshot is not printed again)
  raya compile FILE -o OUT.rbc    compile to bytecode
  raya disasm FILE                print the bytecode of a .raya or .rbc file with source lines
  raya --version | --help

Exit codes: 0 ok, 1 compile error or invalid bytecode or snapshot, 2 runtime error, 3 usage or file error.`;

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
    case "resume":
      return resumeCommand(rest);
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
  const stats = takeFlag(args, "--stats");
  const monitor = takeFlag(args, "--monitor");
  const snapshotOut = takeOption(args, "--snapshot-out");
  const afterSteps = takeOption(args, "--snapshot-after-steps");
  if ((snapshotOut === null) !== (afterSteps === null)) {
    throw new UsageError("--snapshot-out and --snapshot-after-steps go together");
  }
  const file = singleFile(args, "run");
  const loaded = loadAny(file);
  if ("failure" in loaded) return reportFailure(loaded.failure, json);
  const options = monitor ? monitorOptions() : outputOptions(stats);
  if (afterSteps !== null) options.snapshotAfterSteps = stepCount(afterSteps);
  return finishRun(() => run(loaded.program, options), json, snapshotOut);
}

/** `raya resume SNAP`: a snapshot continued to its end, reported as `raya run` reports. */
async function resumeCommand(args: string[]): Promise<number> {
  const json = takeFlag(args, "--json");
  const stats = takeFlag(args, "--stats");
  const file = singleFile(args, "resume");
  const bytes = readInput(file);
  return finishRun(() => resumeProgram(bytes, outputOptions(stats)), json, null);
}

function outputOptions(stats: boolean): RunOptions {
  const options: RunOptions = { onOutput: (line) => process.stdout.write(line + "\n") };
  if (stats) options.onStats = (rows) => process.stderr.write(statsTable(rows));
  return options;
}

function monitorOptions(): RunOptions {
  const monitor = new LiveMonitor(statsTable);
  return {
    onOutput: (line) => monitor.print(line),
    onStart: (view) => monitor.start(view),
    onStats: (rows) => monitor.finish(rows),
  };
}

async function finishRun(start: () => Promise<RunOutcome>, json: boolean, snapshotOut: string | null): Promise<number> {
  try {
    const outcome = await start();
    if (outcome.snapshot !== undefined && snapshotOut !== null) {
      writeOutput(snapshotOut, outcome.snapshot);
      process.stderr.write(`snapshot written to ${snapshotOut}\n`);
      // The stopped program's sleep timers would keep the process alive until they fire.
      process.exit(EXIT_OK);
    }
    if (json) process.stdout.write(JSON.stringify({ ok: true, value: outcome.value ?? null }) + "\n");
    return EXIT_OK;
  } catch (error) {
    if (error instanceof InvalidSnapshotError) {
      process.stderr.write(`invalid snapshot: ${error.problem} (at byte ${error.offset})\n`);
      if (json) process.stdout.write(JSON.stringify({ ok: false, error: { kind: "snapshot", message: error.problem } }) + "\n");
      return EXIT_COMPILE;
    }
    if (!(error instanceof RayaRuntimeError)) throw error;
    const message = `${error.errorName}: ${error.rayaMessage}`;
    return reportFailure({ kind: "runtime", message, stack: error.rayaStack }, json);
  }
}

/** One row per context: limits that are not set show as "-". */
function statsTable(rows: ContextRunStats[]): string {
  const limit = (value: number | null, show: (n: number) => string = String): string => (value === null ? "-" : show(value));
  const header = ["context", "parent", "outcome", "heap/limit", "tasks peak/limit", "steps/budget"];
  const cells = rows.map((row) => [
    row.name,
    row.parent ?? "-",
    row.outcome,
    `${bytesText(row.heapBytes)}/${limit(row.heapLimit, bytesText)}`,
    `${row.tasksPeak}/${limit(row.tasksLimit)}`,
    `${row.steps}/${limit(row.stepBudget)}`,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((text, i) => text.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...cells.map(line)].join("\n") + "\n";
}

function bytesText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function stepCount(text: string): number {
  const steps = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(steps)) throw new UsageError(`--snapshot-after-steps needs a whole number, not '${text}'`);
  return steps;
}

function writeOutput(file: string, bytes: Uint8Array): void {
  try {
    fs.writeFileSync(file, bytes);
  } catch (error) {
    throw new UsageError(`cannot write '${file}': ${error instanceof Error ? error.message : String(error)}`);
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

/** Removes `option VALUE` from args and returns VALUE (null when the option is absent). */
function takeOption(args: string[], option: string): string | null {
  const index = args.indexOf(option);
  if (index < 0) return null;
  if (index === args.length - 1) throw new UsageError(`${option} needs a value`);
  return args.splice(index, 2)[1];
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
