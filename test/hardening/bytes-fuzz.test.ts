// Hostile bytes: .rbc programs and context snapshots that are random, truncated, bit-flipped or
// mutated with their checksums repaired, fed to every loader an embedder or the CLI uses:
//   * loadProgram (decode + verify) and then ContextHandle.loadProgram in a limited context;
//   * Runtime.restoreContext, and restoring into a limited context (ContextHandle.restoreFrom);
//   * resumeProgram, what `raya resume FILE` runs, and the `raya resume` / `raya run X.rbc` commands;
//   * raya:vm's Vm.restore and Vm.loadBytecode, called by a Raya program (a tenth of the runs).
// Each must give its documented refusal (InvalidBytecode / InvalidSnapshot) or something that
// runs within the context's limits: never a raw JavaScript exception, a crash of the host or a hang.
//
// Scale: RAYA_BYTE_FUZZ_RUNS, else RAYA_FUZZ_RUNS, else the small default below;
// `npm run test:hardening` runs 100,000 of each. RAYA_FUZZ_SEED picks the seed.
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { type ContextHandle, InvalidBytecodeError, InvalidSnapshotError, loadProgram, RayaRuntimeError, resumeProgram, Runtime, type Program } from "../../runtime/index";
import { fuzzParameters } from "./fuzz-config";
import { assertVmError, FUZZ_LIMITS, hostileInputs, type HostileInput, type RunEnd, RuntimePool, runToEnd, seedPrograms, seedRunSnapshots, seedSnapshots } from "./hostile-bytes";
import { recordCases } from "./report";

const SUITE = "hardening: hostile bytes";
const DEFAULT_RUNS = 1_000;
const runs = byteFuzzRuns();

function byteFuzzRuns(): number {
  const text = process.env.RAYA_BYTE_FUZZ_RUNS ?? process.env.RAYA_FUZZ_RUNS;
  const value = text === undefined ? DEFAULT_RUNS : Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`expected a positive integer number of runs, got '${text}'`);
  return value;
}

/** The outer Raya program of the raya:vm property: it hands the bytes to an inner Vm with limits. */
const RAYA_VM_LOADER = `
  import { Vm, VmError } from "raya:vm";
  const LIMITS = { maxStepBudget: 300000, maxHeapBytes: 8388608, maxTasks: 40 };
  function kindOf(e: unknown): string { return e instanceof VmError ? e.kind : e instanceof Error ? "not a VmError: " + e.message : "not an Error"; }
  export function restore(bytes: int[]): string {
    try { const vm = Vm.restore(bytes, { name: "restored", ...LIMITS }); vm.terminate(); return "restored"; } catch (e) { return kindOf(e); }
  }
  export async function load(bytes: int[]): Task<string> {
    const vm = new Vm({ name: "loaded", ...LIMITS });
    try { await vm.loadBytecode(bytes); return "loaded"; } catch (e) { return kindOf(e); } finally { vm.terminate(); }
  }`;

/** Runs the bundled CLI without blocking the event loop (the report measures host timer lateness). */
function runRaya(raya: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [raya, ...args], { encoding: "utf8", timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
    });
  });
}

/** Outcome counts of one property, printed when it ends (the figures docs/security.md quotes). */
class Tally {
  private readonly counts = new Map<string, number>();
  constructor(private readonly what: string) {}
  add(how: string, outcome: string): void {
    const key = `${how} -> ${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  print(started: number, cases = runs): void {
    const rows = [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `      ${key}: ${n}`);
    process.stdout.write(`    ${this.what}: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s\n${rows.join("\n")}\n`);
  }
}

/** Runs what a context was given, naming how it ended (an exit names its VmError kind). */
async function outcomeOf(run: () => Promise<RunEnd>, context: () => { exitError: { kind: string; message: string } | null }): Promise<string> {
  const end = await run();
  const error = context().exitError;
  if (end === "exited" && error !== null) {
    // A crash inside the interpreter is contained to the context, but it means the verifier or
    // the snapshot validation let through something the VM cannot run: fail on it.
    assert.doesNotMatch(error.message, /internal VM error/, "the VM crashed on input that passed validation");
    return `exited ${error.kind}`;
  }
  return end;
}

/** Runs `check` on `cases` inputs drawn from `inputs`, tallying how each ended, and records
 *  the count for the report. */
async function fuzz<T>(what: string, cases: number, inputs: fc.Arbitrary<T>, check: (input: T, tally: Tally) => Promise<void>): Promise<void> {
  const tally = new Tally(what);
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(inputs, (input) => check(input, tally)),
    { ...fuzzParameters(cases), numRuns: cases },
  );
  tally.print(started, cases);
  recordCases(SUITE, cases);
}

describe(SUITE, function () {
  this.timeout(60_000 + runs * 20);
  const pool = new RuntimePool();
  let programs: Uint8Array[] = [];
  let snapshots: Uint8Array[] = [];
  let restoreBudget = 0;
  let runSnapshots: Uint8Array[] = [];
  let resumeBudget = 0;

  before(async () => {
    programs = seedPrograms();
    ({ snapshots, budget: restoreBudget } = await seedSnapshots());
    ({ snapshots: runSnapshots, budget: resumeBudget } = await seedRunSnapshots());
  });

  it(`loadProgram: random, truncated, flipped and mutated .rbc bytes are refused or run within limits`, async () => {
    await fuzz("loadProgram", runs, fc.constant(null).chain(() => hostileInputs(programs, "rbc")), async (input: HostileInput, tally) => {
      let program: Program;
      try {
        program = loadProgram(input.bytes);
      } catch (error) {
        assert.ok(error instanceof InvalidBytecodeError, `not an InvalidBytecodeError: ${error instanceof Error ? error.stack : String(error)}`);
        tally.add(input.how, "InvalidBytecode");
        return;
      }
      const context = pool.next().createContext({ name: "fuzz", ...FUZZ_LIMITS });
      try {
        context.loadProgram(program);
      } catch (error) {
        assertVmError(error, ["InvalidBytecode", "CapabilityNotFound"]);
        tally.add(input.how, `refused ${error.kind}`);
        return;
      }
      tally.add(input.how, await outcomeOf(() => runToEnd(context), () => context));
    });
  });

  it(`Runtime.restoreContext: corrupt snapshot bytes are refused with InvalidSnapshot, changing nothing`, async () => {
    await fuzz("Runtime.restoreContext", runs, fc.constant(null).chain(() => hostileInputs(snapshots, "snapshot")), async (input: HostileInput, tally) => {
      const runtime = pool.next();
      const before = runtime.contexts().length;
      let restored;
      try {
        restored = runtime.restoreContext(input.bytes, { name: "fuzz" });
      } catch (error) {
        assertVmError(error, ["InvalidSnapshot", "CapabilityNotFound"]);
        assert.equal(runtime.contexts().length, before, "a refused snapshot creates no context");
        tally.add(input.how, `refused ${error.kind}`);
        return;
      }
      // Restored contexts get no limits (docs/inner-vm.md): the next property runs them
      // inside limits; here the copy is only checked to exist, then ended before it runs.
      assert.notEqual(restored.state, "exited");
      restored.terminate();
      tally.add(input.how, "restored");
    });
  });

  it(`restoring into a limited context: mutated snapshots are refused or run within the limits`, async () => {
    await fuzz("restore into a limited context", runs, fc.constant(null).chain(() => hostileInputs(snapshots, "snapshot")), async (input: HostileInput, tally) => {
      // The budget counts from the program's start: enough for an unmutated seed to finish.
      const context = pool.next().createContext({ name: "fuzz", ...FUZZ_LIMITS, maxStepBudget: restoreBudget });
      try {
        context.restoreFrom(input.bytes);
      } catch (error) {
        assertVmError(error, ["InvalidSnapshot", "CapabilityNotFound"]);
        tally.add(input.how, `refused ${error.kind}`);
        return;
      }
      tally.add(input.how, await outcomeOf(() => runToEnd(context), () => context));
    });
  });

  it(`resumeProgram (raya resume): corrupt snapshots are refused, valid-looking ones run to an outcome`, async () => {
    await fuzz("resumeProgram", runs, fc.constant(null).chain(() => hostileInputs(runSnapshots, "snapshot")), async (input: HostileInput, tally) => {
      // resumeProgram runs without limits, like `raya resume`. Only snapshots that finished
      // within limits in a limited context (the same work, deterministically) are resumed to
      // their end; the others are checked for refusal alone.
      const probe = pool.next().createContext({ name: "probe", ...FUZZ_LIMITS, maxStepBudget: resumeBudget });
      let probeEnd: RunEnd | "refused";
      try {
        probe.restoreFrom(input.bytes);
        probeEnd = await runToEnd(probe);
      } catch (error) {
        assertVmError(error, ["InvalidSnapshot", "CapabilityNotFound"]);
        probeEnd = "refused";
      }
      if (probe.state !== "exited") probe.terminate();
      if (probeEnd !== "refused" && probeEnd !== "finished") {
        // Valid, but not known to end: resuming it without a budget could run for ever.
        tally.add(input.how, `not resumed: ${probeEnd} in a limited context`);
        return;
      }
      const resumed = resumeProgram(input.bytes, { onOutput: () => undefined, onError: () => undefined });
      if (probeEnd === "refused") {
        await assert.rejects(resumed, (error) => error instanceof InvalidSnapshotError, "resume refuses what restore refused");
        tally.add(input.how, "InvalidSnapshot");
        return;
      }
      try {
        await resumed;
        tally.add(input.how, "resumed: done");
      } catch (error) {
        assert.ok(error instanceof RayaRuntimeError || error instanceof InvalidSnapshotError, `unexpected failure: ${error instanceof Error ? error.stack : String(error)}`);
        tally.add(input.how, `resumed: ${error instanceof InvalidSnapshotError ? "InvalidSnapshot" : "RuntimeError"}`);
      }
    });
  });

  it(`raya:vm: Vm.restore and Vm.loadBytecode called by a Raya program refuse hostile bytes with a catchable VmError`, async () => {
    // Each case copies ~20 KB of bytes into the outer program as an int[]: a tenth of the runs.
    const vmRuns = Math.max(100, Math.floor(runs / 10));
    let runtime = new Runtime();
    let outer: ContextHandle | null = null;
    let used = 0;
    const outerContext = async (): Promise<ContextHandle> => {
      if (outer === null || ++used % 200 === 0) {
        outer?.terminate();
        runtime = new Runtime();
        outer = runtime.createContext({ name: "outer", maxHeapBytes: 64 * 1024 * 1024, maxTasks: 100 });
        await outer.loadSource(RAYA_VM_LOADER, "outer.raya").result();
      }
      return outer;
    };
    /** The inner Vms the outer program left alive run to their end, or are terminated once
     *  blocked for good (a mutated program may wait forever; the outer then sees Terminated). */
    const settleInnerVms = async (): Promise<void> => {
      for (const info of runtime.contexts()) {
        const inner = info.parent === null || info.state === "exited" ? null : runtime.context(info.id);
        if (inner !== null) await runToEnd(inner);
      }
    };
    const inputs = fc.boolean().chain((snapshot) => hostileInputs(snapshot ? runSnapshots : programs, snapshot ? "snapshot" : "rbc").map((input) => ({ snapshot, input })));
    await fuzz("raya:vm restore/loadBytecode", vmRuns, inputs, async ({ snapshot, input }, tally) => {
      const context = await outerContext();
      const handle = context.runEntry(snapshot ? "restore" : "load", [Array.from(input.bytes)]);
      while (!handle.finished) {
        await new Promise((resolve) => setImmediate(resolve));
        await settleInnerVms();
      }
      const outcome = (await handle.result()) as string;
      const allowed = snapshot
        ? ["restored", "InvalidSnapshot", "CapabilityNotFound"]
        : ["loaded", "InvalidBytecode", "CapabilityNotFound", "RuntimeError", "StepBudgetExceeded", "HeapLimitExceeded", "TaskLimitExceeded", "Terminated"];
      assert.ok(allowed.includes(outcome), `unexpected outcome: ${outcome}`);
      assert.equal(context.state, "ready", "the outer program is unharmed");
      tally.add(`${snapshot ? "Vm.restore" : "Vm.loadBytecode"} ${input.how}`, outcome);
    });
    (outer as ContextHandle | null)?.terminate();
  });

  it("`raya resume` exits 1 with 'invalid snapshot' for truncated, flipped and empty files", async () => {
    const raya = path.resolve(__dirname, "../../dist/raya.js");
    assert.ok(fs.existsSync(raya), "dist/raya.js is missing: run `npm run build` first");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-resume-fuzz-"));
    const seed = runSnapshots[0];
    const flipped = seed.slice();
    flipped[Math.floor(seed.length / 2)] ^= 0x10;
    const files: Record<string, Uint8Array> = { "empty.snap": new Uint8Array(0), "truncated.snap": seed.slice(0, seed.length - 9), "flipped.snap": flipped };
    for (const [name, bytes] of Object.entries(files)) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      const result = await runRaya(raya, ["resume", file]);
      assert.equal(result.status, 1, `${name}: ${result.stderr}`);
      assert.match(result.stderr, /invalid snapshot: /, name);
      assert.equal(result.stdout, "", `${name} ran nothing`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("`raya run X.rbc` exits 1 with 'invalid bytecode' for truncated, flipped and junk files", async () => {
    const raya = path.resolve(__dirname, "../../dist/raya.js");
    assert.ok(fs.existsSync(raya), "dist/raya.js is missing: run `npm run build` first");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-run-fuzz-"));
    const seed = programs[1];
    const flipped = seed.slice();
    flipped[Math.floor(seed.length / 3)] ^= 0x01;
    const files: Record<string, Uint8Array> = { "junk.rbc": new Uint8Array([1, 2, 3]), "truncated.rbc": seed.slice(0, seed.length - 5), "flipped.rbc": flipped };
    for (const [name, bytes] of Object.entries(files)) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      const result = await runRaya(raya, ["run", file]);
      assert.equal(result.status, 1, `${name}: ${result.stderr}`);
      assert.match(result.stderr, /invalid bytecode: /, name);
      assert.equal(result.stdout, "", `${name} ran nothing`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
