// Compiled programs through the binary format: what codegen produces must verify, survive an
// exact encode/decode round trip, and disassemble. Skipped while the compiler cannot load
// (parser or codegen not yet in the tree).
import * as assert from "node:assert/strict";
import { decodeProgram } from "../../runtime/bytecode/decode";
import { disassemble } from "../../runtime/bytecode/disasm";
import { encodeProgram } from "../../runtime/bytecode/encode";
import type { Program } from "../../runtime/bytecode/module";
import { InvalidBytecodeError } from "../../runtime/bytecode/errors";
import { crc32 } from "../../runtime/bytecode/bytes";
import { verifyProgram } from "../../runtime/bytecode/verify";
import { prng } from "./bytecode-helpers.test";

type CompileFn = (source: string, options: { filename: string; readFile?: (p: string) => string | null }) => Program;

function loadCompiler(): CompileFn | undefined {
  try {
    return (require("../../runtime/compiler/compile") as { compile: CompileFn }).compile;
  } catch {
    return undefined;
  }
}

const SOURCES: Record<string, string> = {
  fib: [
    "function fib(n: int): int {",
    "  if (n < 2) return n;",
    "  return fib(n - 1) + fib(n - 2);",
    "}",
    "console.log(fib(10));",
  ].join("\n"),
  closuresAndClasses: [
    "class Counter {",
    "  private n: int = 0;",
    "  inc(): int { this.n++; return this.n; }",
    "  get value(): int { return this.n; }",
    "}",
    "function makeAdder(k: number): (x: number) => number { return (x: number) => x + k; }",
    "const c = new Counter();",
    "c.inc();",
    "const add = makeAdder(2.5);",
    "const p = { x: 1, y: 2 };",
    "const { x, ...rest } = p;",
    "let total = 0;",
    "for (const v of [1, 2, 3]) { total += v; }",
    "try { throw new Error(\"boom\"); } catch (e) { console.log(\"caught\"); }",
    "return `${c.value} ${add(1)} ${x} ${total} \\uD800 ✓`;",
  ].join("\n"),
  controlFlowAndTasks: [
    "async function work(n: int): Promise<int> { await sleep(1); return n * 2; }",
    "function classify(x: int): string {",
    "  switch (x) { case 0: return \"zero\"; case 1: case 2: return \"small\"; default: return \"big\"; }",
    "}",
    "let out: string[] = [];",
    "outer: for (let i = 0; i < 3; i++) {",
    "  for (let j = 0; j < 3; j++) { if (j == 2) continue outer; if (i == 2) break outer; out.push(classify(i + j)); }",
    "}",
    "const [a, b = 5, ...others] = [1, 2, 3, 4];",
    "let maybe: string | null = null;",
    "maybe ??= \"set\";",
    "const results = await [work(1), work(2)];",
    "try { out.push(\"try\"); } finally { out.push(\"finally\"); }",
    "return out.join(\",\") + a + b + others.length + (maybe?.length ?? 0) + results[1];",
  ].join("\n"),
};

describe("compiled programs through .rbc", () => {
  const compile = loadCompiler();
  for (const [name, source] of Object.entries(SOURCES)) {
    it(`${name}: verifies, round-trips exactly and disassembles`, function () {
      if (!compile) this.skip();
      let program: Program;
      try {
        program = compile(source, { filename: "main.raya", readFile: () => null });
      } catch (e) {
        // A compiler still missing features is its owner's test to fail, not this one's.
        if ((e as Error).name === "CompileError") this.skip();
        throw e;
      }
      verifyProgram(program);
      const bytes = encodeProgram(program);
      const decoded = decodeProgram(bytes);
      assert.deepStrictEqual(decoded, program);
      verifyProgram(decoded);
      assert.deepStrictEqual(encodeProgram(decoded), bytes);
      const listing = disassemble(decoded, { withSource: true });
      assert.match(listing, /function \d+ 'main'|entry: function/);
    });
  }

  it("corrupted compiled files (checksum repaired) are decoded, verified and listed without crashing", function () {
    if (!compile) this.skip();
    let program: Program;
    try {
      program = compile(SOURCES.fib, { filename: "main.raya", readFile: () => null });
    } catch (e) {
      if ((e as Error).name === "CompileError") this.skip();
      throw e;
    }
    const valid = encodeProgram(program);
    const random = prng(31337);
    let verified = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = valid.slice();
      const bit = Math.floor(random() * (bytes.length - 4) * 8);
      bytes[bit >> 3] ^= 1 << (bit & 7);
      new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
      try {
        const decoded = decodeProgram(bytes);
        if (i % 4 === 0) disassemble(decoded); // the listing is the slow part
        verifyProgram(decoded);
        verified++;
      } catch (e) {
        if (!(e instanceof InvalidBytecodeError)) assert.fail(`bit ${bit}: ${(e as Error).stack}`);
        assert.doesNotMatch(e.message, /internal decoder error/);
      }
    }
    // Flips in source text, names and line numbers leave a valid program; flips in code mostly do not.
    assert.ok(verified > 0 && verified < 400, `${verified} of 400 corrupted files verified`);
  });
});
