// The `raya` command through the real bundled binary (dist/raya.js, built by `npm test`).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const RAYA = path.join(ROOT, "dist/raya.js");

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function raya(...args: string[]): Result {
  const r = spawnSync(process.execPath, [RAYA, ...args], { encoding: "utf8", timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJsonLine(stdout: string): unknown {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

describe("raya CLI", function () {
  let dir = "";
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  before(() => {
    assert.ok(fs.existsSync(RAYA), "dist/raya.js is missing: run `npm run build` first");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-cli-"));
  });
  after(() => {
    if (dir !== "") fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs a program and prints its console output", () => {
    const file = write("hello.raya", `console.log("hello", 1 + 2);\nconsole.log([1, 2]);`);
    const r = raya("run", file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hello 3\n[ 1, 2 ]\n");
  });

  it("--json ends with the result object", () => {
    const file = write("result.raya", `console.log("side");\nreturn { a: 1, b: [true, null] };`);
    const r = raya("run", "--json", file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split("\n")[0], "side");
    assert.deepEqual(lastJsonLine(r.stdout), { ok: true, value: { a: 1, b: [true, null] } });
  });

  it("uses main() as the result when there is no top-level return", () => {
    const file = write("main.raya", `function main(): string { return "from main"; }`);
    const r = raya("run", "--json", file);
    assert.deepEqual(lastJsonLine(r.stdout), { ok: true, value: "from main" });
  });

  it("reports compile errors with positions and exit code 1", () => {
    const file = write("bad.raya", `let x: number = "s";\nlet y: string = 5;\n`);
    const r = raya("run", "--json", file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.raya:1:17: error: Type 'string' is not assignable to type 'number'/);
    assert.match(r.stderr, /bad\.raya:2:17: error: Type 'int' is not assignable to type 'string'/);
    const json = lastJsonLine(r.stdout) as { ok: boolean; error: { kind: string; diagnostics: { line: number }[] } };
    assert.equal(json.ok, false);
    assert.equal(json.error.kind, "compile");
    assert.deepEqual(json.error.diagnostics.map((d) => d.line), [1, 2]);
  });

  it("reports an uncaught runtime error with a Raya stack trace and exit code 2", () => {
    const file = write("boom.raya", `function inner(): void {\n  throw new RangeError("too far");\n}\nfunction outer(): void { inner(); }\nouter();\n`);
    const r = raya("run", "--json", file);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Uncaught RangeError: too far/);
    assert.match(r.stderr, /at inner \(.*boom\.raya:2:/);
    const json = lastJsonLine(r.stdout) as { error: { kind: string; message: string; stack: { function: string; line: number }[] } };
    assert.equal(json.error.kind, "runtime");
    assert.equal(json.error.message, "RangeError: too far");
    assert.deepEqual(json.error.stack.slice(0, 2).map((f) => [f.function, f.line]), [["inner", 2], ["outer", 4]]);
  });

  it("compiles to .rbc and runs the bytecode", () => {
    const file = write("prog.raya", `function sq(n: int): int { return n * n; }\nconsole.log(sq(7));\nreturn sq(3);`);
    const out = path.join(dir, "prog.rbc");
    const c = raya("compile", file, "-o", out);
    assert.equal(c.code, 0, c.stderr);
    const r = raya("run", "--json", out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split("\n")[0], "49");
    assert.deepEqual(lastJsonLine(r.stdout), { ok: true, value: 9 });
  });

  it("rejects corrupted bytecode with a clear error before running", () => {
    const file = write("p2.raya", `console.log("must not run");`);
    const out = path.join(dir, "p2.rbc");
    assert.equal(raya("compile", file, "-o", out).code, 0);
    const bytes = fs.readFileSync(out);
    bytes[Math.floor(bytes.length / 2)] ^= 0x40;
    fs.writeFileSync(out, bytes);
    const r = raya("run", out);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /invalid bytecode/);
    const truncated = path.join(dir, "trunc.rbc");
    fs.writeFileSync(truncated, bytes.subarray(0, 10));
    assert.equal(raya("run", truncated).code, 1);
  });

  it("disassembles with source lines", () => {
    const file = write("dis.raya", `let total = 0;\nfor (let i = 0; i < 3; i++) { total += i; }\nreturn total;`);
    const r = raya("disasm", file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ADD_I/);
    assert.match(r.stdout, /for \(let i = 0; i < 3; i\+\+\)/);
  });

  it("fails clearly on usage errors and missing files", () => {
    assert.equal(raya("frobnicate").code, 3);
    const missing = raya("run", path.join(dir, "nope.raya"));
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /cannot read .*nope\.raya.*no such file/);
    assert.equal(raya("run").code, 3);
  });

  it("runs the hello example", () => {
    const r = raya("run", "--json", path.join(ROOT, "examples/hello.raya"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /largest: rect \(6\.00\)/);
    assert.match(r.stdout, /the -> 3/);
    assert.match(r.stdout, /counter: 3/);
    assert.match(r.stdout, /caught: /);
    assert.deepEqual(lastJsonLine(r.stdout), { ok: true, value: ["circle", "rect", "circle"] });
  });

  describe("--stats, snapshots and resume", () => {
    const counting = `async function main(): Promise<int> {
  let total = 0;
  for (let i = 1; i <= 10; i++) {
    for (let j = 0; j < 20000; j++) total = (total + j) % 1000003;
    console.log(i);
    await sleep(2);
  }
  return total;
}`;
    /** The one data row of a --stats table, by column title. */
    const statsRow = (stderr: string): Record<string, string> => {
      const lines = stderr.split("\n");
      const at = lines.findIndex((l) => l.startsWith("context "));
      assert.ok(at >= 0, `no stats table in: ${stderr}`);
      const titles = lines[at].split(/ {2,}/);
      const cells = lines[at + 1].split(/ {2,}/);
      return Object.fromEntries(titles.map((t, i) => [t, cells[i]]));
    };

    it("--stats prints one row per context, at success and at failure", () => {
      const ok = raya("run", "--stats", write("stats.raya", counting));
      assert.equal(ok.code, 0, ok.stderr);
      const row = statsRow(ok.stderr);
      assert.equal(row.context, "main");
      assert.equal(row.parent, "-");
      assert.equal(row.outcome, "done");
      assert.match(row["heap/limit"], /^\d+(\.\d)? (B|KB|MB)\/-$/);
      assert.match(row["tasks peak/limit"], /^[1-9]\d*\/-$/);
      assert.match(row["steps/budget"], /^\d+\/-$/);
      assert.ok(parseInt(row["steps/budget"], 10) > 200000, row["steps/budget"]);

      const bad = raya("run", "--stats", write("stats-bad.raya", `let s = 0;\nfor (let i = 0; i < 100; i++) s += i;\nthrow new Error("late");`));
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Uncaught Error: late/);
      assert.equal(statsRow(bad.stderr).outcome, "failed");
    });

    it("--stats lists the inner VMs a program created, with their limits and how they ended", () => {
      const file = write("inner.raya", `import { Vm } from "raya:vm";
const vm = new Vm({ name: "plugin", maxStepBudget: 5000, maxTasks: 3 });
vm.loadSource("export function spin(): void { while (true) {} }", "p.raya");
try { await vm.runEntry("spin", []); } catch (e) { console.log("contained"); }`);
      const r = raya("run", "--stats", file);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "contained\n");
      const lines = r.stderr.trim().split("\n");
      assert.match(lines[0], /^context\s+parent\s+outcome\s+heap\/limit\s+tasks peak\/limit\s+steps\/budget$/);
      assert.match(lines[2], /^plugin#1\s+main\s+StepBudgetExceeded\s+\S+ \S+\/-\s+1\/3\s+5000\/5000$/);
    });

    it("--monitor redraws the table while the program runs and prints the final one at exit", () => {
      const file = write("monitored.raya", `import { Vm } from "raya:vm";
const vm = new Vm({ name: "worker" });
vm.loadSource("export function nap(): void { sleep(600); }", "w.raya");
await vm.runEntry("nap", []);
console.log("done");`);
      const r = raya("run", "--monitor", file);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "done\n");
      // Not a terminal: each refresh is appended as a frame; the last table is the final state.
      const frames = r.stderr.split("\n").filter((line) => line.startsWith("-- contexts at "));
      assert.ok(frames.length >= 2, r.stderr);
      assert.match(r.stderr, /worker#1\s+main\s+ready/);
      const tail = r.stderr.trim().split("\n").slice(-3);
      assert.match(tail[0], /^context\s+parent/);
      assert.match(tail[1], /^main\s+-\s+done/);
      assert.match(tail[2], /^worker#1\s+main\s+ready/);
    });

    it("snapshots the plugin-system example with its inner VMs and resumes it in a new process", () => {
      const example = path.join(ROOT, "examples/inner-vm/plugin-system.raya");
      const snap = path.join(dir, "plugins.rayasnap");
      const first = raya("run", "--snapshot-out", snap, "--snapshot-after-steps", "300", example);
      assert.equal(first.code, 0, first.stderr);
      assert.doesNotMatch(first.stdout, /plugins healthy/); // stopped part way
      const rest = raya("resume", snap);
      assert.equal(rest.code, 0, rest.stderr);
      // The plugins loaded before the snapshot kept their state: word-count still counts.
      const whole = first.stdout + rest.stdout;
      assert.match(whole, /\[word-count\] 7 distinct words so far/);
      assert.match(rest.stdout, /2 of 6 plugins healthy; the host is still running\n$/);
    });

    it("snapshots a program mid-run and resumes it in a new process to the same end", () => {
      const file = write("count.raya", counting);
      const whole = raya("run", "--json", "--stats", file);
      assert.equal(whole.code, 0, whole.stderr);
      const totalSteps = parseInt(statsRow(whole.stderr)["steps/budget"], 10);

      const snap = path.join(dir, "count.rayasnap");
      const first = raya("run", "--json", "--snapshot-out", snap, "--snapshot-after-steps", String(Math.floor(totalSteps / 2)), file);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stderr, `snapshot written to ${snap}\n`);
      const printed = first.stdout.split("\n").filter((l) => l !== "");
      assert.ok(printed.length >= 2 && printed.length <= 8, `stopped mid-run, printed: ${printed}`);
      assert.deepEqual(printed, ["1", "2", "3", "4", "5", "6", "7", "8"].slice(0, printed.length));

      const rest = raya("resume", "--json", "--stats", snap);
      assert.equal(rest.code, 0, rest.stderr);
      assert.equal(first.stdout + rest.stdout, whole.stdout);
      assert.deepEqual(lastJsonLine(rest.stdout), lastJsonLine(whole.stdout));
      assert.equal(parseInt(statsRow(rest.stderr)["steps/budget"], 10), totalSteps);
    });

    it("resumes Tasks, a channel and sleeping workers captured mid-run", () => {
      const file = write("workers.raya", `async function worker(id: int, ch: Channel<int>): Promise<int> {
  let sum = 0;
  for (let round = 0; round < 5; round++) {
    for (let j = 0; j < 30000; j++) sum = (sum + j * id) % 10007;
    await ch.send(sum);
    await sleep(1);
  }
  return sum;
}
async function main(): Promise<int> {
  const ch = new Channel<int>(2);
  const tasks = [worker(1, ch), worker(2, ch), worker(3, ch)];
  let total = 0;
  for (let k = 0; k < 15; k++) {
    const v = await ch.receive();
    total = (total + v) % 1000003;
    console.log(v);
  }
  for (const t of tasks) total += await t;
  return total;
}`);
      const whole = raya("run", "--json", "--stats", file);
      assert.equal(whole.code, 0, whole.stderr);
      const wholeRow = statsRow(whole.stderr);
      assert.ok(parseInt(wholeRow["tasks peak/limit"], 10) >= 4, wholeRow["tasks peak/limit"]);
      const totalSteps = parseInt(wholeRow["steps/budget"], 10);
      const snap = path.join(dir, "workers.rayasnap");
      const first = raya("run", "--snapshot-out", snap, "--snapshot-after-steps", String(Math.floor(totalSteps / 2)), file);
      assert.equal(first.code, 0, first.stderr);
      const rest = raya("resume", "--json", "--stats", snap);
      assert.equal(rest.code, 0, rest.stderr);
      const lines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("{"));
      assert.ok(lines(first.stdout).length > 0 && lines(rest.stdout).length > 0, "the snapshot split the output");
      // Which worker's value arrives first may depend on timer order; the values may not.
      assert.deepEqual([...lines(first.stdout), ...lines(rest.stdout)].sort(), lines(whole.stdout).sort());
      assert.deepEqual(lastJsonLine(rest.stdout), lastJsonLine(whole.stdout));
      assert.equal(parseInt(statsRow(rest.stderr)["steps/budget"], 10), totalSteps);
    });

    it("a resumed program that deadlocks reports it as raya run does", () => {
      const file = write("stuck.raya", `async function main(): Promise<int> {
  const ch = new Channel<int>(1);
  let s = 0;
  for (let i = 0; i < 300000; i++) s = (s + i) % 7;
  console.log("waiting");
  return await ch.receive();
}`);
      const whole = raya("run", "--stats", file);
      assert.equal(whole.code, 2);
      const snap = path.join(dir, "stuck.rayasnap");
      assert.equal(raya("run", "--snapshot-out", snap, "--snapshot-after-steps", "10", file).code, 0);
      const rest = raya("resume", "--stats", snap);
      assert.equal(rest.code, 2);
      assert.equal(rest.stdout, "waiting\n");
      assert.equal(statsRow(rest.stderr).outcome, "deadlock");
      const withoutTable = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("Uncaught")).join("\n");
      assert.match(withoutTable(rest.stderr), /^Uncaught Error: deadlock: /);
      assert.equal(withoutTable(rest.stderr), withoutTable(whole.stderr));
    });

    it("a resumed program reports each failed Task nobody awaited once, as raya run does", () => {
      const file = write("unawaited.raya", `async function bad(n: int): Promise<int> {
  await sleep(1);
  throw new Error("bad " + n);
}
async function main(): Promise<int> {
  bad(1);
  let s = 0;
  for (let i = 0; i < 300000; i++) s = (s + i) % 7;
  bad(2);
  await sleep(5);
  bad(3);
  return s;
}`);
      const whole = raya("run", "--json", file);
      assert.equal(whole.code, 0, whole.stderr);
      assert.equal(whole.stderr.split("\n").filter((l) => l.startsWith("Uncaught (in task")).length, 3);
      const snap = path.join(dir, "unawaited.rayasnap");
      assert.equal(raya("run", "--snapshot-out", snap, "--snapshot-after-steps", "10", file).code, 0);
      const rest = raya("resume", "--json", snap);
      assert.equal(rest.code, 0, rest.stderr);
      assert.equal(rest.stderr, whole.stderr);
      assert.deepEqual(lastJsonLine(rest.stdout), lastJsonLine(whole.stdout));
    });

    it("a resumed program that fails reports it as raya run does", () => {
      const file = write("late.raya", `let s = 0;\nfor (let i = 0; i < 300000; i++) s = (s + i) % 7;\nconsole.log("loop done");\nthrow new RangeError("late " + s);`);
      const whole = raya("run", file);
      assert.equal(whole.code, 2);
      const snap = path.join(dir, "late.rayasnap");
      const first = raya("run", "--snapshot-out", snap, "--snapshot-after-steps", "1000", file);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, "");
      const rest = raya("resume", "--json", snap);
      assert.equal(rest.code, 2);
      assert.equal(rest.stdout.split("\n")[0], "loop done");
      assert.equal(rest.stderr, whole.stderr);
      assert.equal((lastJsonLine(rest.stdout) as { error: { message: string } }).error.message, whole.stderr.split("\n")[0].replace("Uncaught ", ""));
    });

    it("rejects truncated, altered and wrong-version snapshots before running anything", () => {
      const file = write("guard.raya", `for (let i = 0; i < 300000; i++) {}\nconsole.log("ran");`);
      const snap = path.join(dir, "guard.rayasnap");
      assert.equal(raya("run", "--snapshot-out", snap, "--snapshot-after-steps", "10", file).code, 0);
      const good = fs.readFileSync(snap);
      const check = (name: string, bytes: Uint8Array, problem: RegExp) => {
        const bad = path.join(dir, name);
        fs.writeFileSync(bad, bytes);
        const r = raya("resume", bad);
        assert.equal(r.code, 1, `${name}: ${r.stderr}`);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^invalid snapshot: /);
        assert.match(r.stderr, problem);
      };
      check("truncated.rayasnap", good.subarray(0, good.length - 7), /./);
      const flipped = Buffer.from(good);
      flipped[Math.floor(flipped.length / 2)] ^= 0x10;
      check("flipped.rayasnap", flipped, /CRC/);
      const version = Buffer.from(good);
      version.writeUInt32LE(99, 8);
      check("version.rayasnap", version, /version 99/);
      check("empty.rayasnap", new Uint8Array(0), /./);
      assert.equal(raya("resume", snap).stdout, "ran\n"); // the intact file still resumes
    });

    it("needs both snapshot options together", () => {
      const file = write("opts.raya", `console.log(1);`);
      assert.equal(raya("run", "--snapshot-out", path.join(dir, "x.rayasnap"), file).code, 3);
      assert.equal(raya("run", "--snapshot-out", path.join(dir, "x.rayasnap"), "--snapshot-after-steps", "-5", file).code, 3);
      assert.equal(raya("resume", path.join(dir, "missing.rayasnap")).code, 3);
    });
  });
});
