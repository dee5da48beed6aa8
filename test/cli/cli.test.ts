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
});
