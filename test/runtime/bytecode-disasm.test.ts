// The disassembler's listing: headers, decoded operands, source lines, and no crash on
// programs the verifier would reject.
import * as assert from "node:assert/strict";
import { disassemble } from "../../runtime/bytecode/disasm";
import { Op } from "../../runtime/bytecode/opcodes";
import { assemble, makeProgram, prng, sampleProgram } from "./bytecode-helpers.test";

function listingLines(text: string): string[] {
  return text.split("\n").map((line) => line.trimEnd());
}

describe("bytecode disassembler", () => {
  const plain = listingLines(disassemble(sampleProgram()));
  const withSource = listingLines(disassemble(sampleProgram(), { withSource: true }));

  it("prints a program header with files, globals, intrinsics and class layouts", () => {
    assert.equal(plain[0], "; Raya bytecode version 1: 14 constants, 6 functions, 3 classes, 2 globals, 2 files");
    assert.ok(plain.includes("; entry: function 0 'main'"));
    assert.ok(plain.includes("; intrinsic Error = global 1"));
    assert.ok(plain.includes(
      "; class 0 'Point', fields {x, y}, static fields {origin}, constructor fn 3 'Point.constructor', get len = fn 4 'Point.len'",
    ));
    assert.ok(plain.includes("; class 2 'Point3', abstract, extends 0 'Point', fields {x, y, z}, " +
      "constructor fn 3 'Point.constructor', static make = fn 3 'Point.constructor'"));
  });

  it("prints a header per function with arity, locals, captures and handlers", () => {
    assert.ok(plain.includes("function 0 'main' (main.raya:1:1)  arity 0, locals 2, maxStack 4, captures 0, handlers 1  [entry]"));
    assert.ok(plain.includes("  handler 0: [31, 34) -> 34, stack depth 0"));
    const tryAt = plain.indexOf("  ; try: handler 0 protects [31, 34)");
    assert.equal(plain[tryAt + 1], '    31  CONST               "héllo 🌍 \\u0000 end"');
    const catchAt = plain.indexOf("  ; catch: handler 0 entry, thrown value on top of 0");
    assert.equal(plain[catchAt + 1], "    34  POP");
    assert.ok(plain.includes("  local counter: slot 1, pc [16, 42), boxed"));
    assert.ok(plain.includes("function 2 '<anonymous>' (main.raya:1:1)  arity 0, locals 1, maxStack 3, captures 1, handlers 0"));
    assert.ok(plain.includes("  captures: 0 = parent local 1"));
    assert.ok(plain.includes("function 5 'iterate' (main.raya:1:1)  arity 1, locals 3, maxStack 2, captures 0, handlers 0  [async rest]"));
  });

  it("decodes operands: constants as values, jump targets, names of functions, classes and locals", () => {
    const expected = [
      "     0  CLOSURE             fn 1 'fib'",
      "     2  STORE_GLOBAL        0 (fib)",
      '     4  LOAD_BUILTIN        "console"',
      '    12  CALL_METHOD         "log", argc 1',
      "    18  STORE_LOCAL         1 (counter)",
      "    26  CLASS               class 0 'Point'",
      '    31  CONST               "héllo 🌍 \\u0000 end"',
      "    35  CONST               42",
      "    37  CONST               3.5",
      "    39  NEW_OBJECT          shape 1 {x, y}",
      "     5  JUMP_IF_FALSE       -> 10",
      "     0  LOAD_LOCAL          0 (this)",
      '     2  GET_PROP            "x"',
      "     3  ITER_NEXT           -> 9",
    ];
    for (const line of expected) assert.ok(plain.includes(line), `missing: ${line}\n${plain.join("\n")}`);
  });

  it("tells int and number constants apart, including -0 and NaN", () => {
    const p = makeProgram(assemble([[Op.CONST, 0], [Op.CONST, 1], [Op.CONST, 2], [Op.CONST, 3], [Op.POP], [Op.POP], [Op.POP], [Op.RETURN]]), {
      constants: [{ kind: "int", value: 1 }, { kind: "number", value: 1 }, { kind: "number", value: -0 }, { kind: "number", value: NaN }],
    });
    const lines = listingLines(disassemble(p));
    assert.ok(lines.includes("     0  CONST               1"));
    assert.ok(lines.includes("     2  CONST               1.0"));
    assert.ok(lines.includes("     4  CONST               -0.0"));
    assert.ok(lines.includes("     6  CONST               NaN"));
  });

  it("shows source text before each new line-table entry when asked", () => {
    const fib = withSource.slice(withSource.indexOf("function 1 'fib' (main.raya:1:1)  arity 1, locals 2, maxStack 4, captures 0, handlers 0"));
    assert.deepEqual(fib.slice(1, 5), [
      "  local n: slot 1, pc [0, 30)",
      "  ; main.raya:2 |   if (n < 2) return n;",
      "     0  LOAD_LOCAL          1 (n)",
      "     2  PUSH_INT            2",
    ]);
    assert.ok(fib.includes("  ; main.raya:3 |   return fib(n - 1) + fib(n - 2);"));
    assert.ok(plain.includes("  ; line 2:3"), "without source, only the line number");
  });

  it("lists malformed code without throwing", () => {
    const p = makeProgram(Int32Array.from([999, Op.CONST, 50, Op.CLOSURE, 9, Op.LOAD_GLOBAL, -3, Op.CALL_METHOD, 0]), {
      entry: 7,
    });
    const lines = listingLines(disassemble(p));
    assert.ok(lines.includes("; entry: function 7 <invalid>"));
    assert.ok(lines.includes("     0  <invalid opcode 999>"));
    assert.ok(lines.includes("     1  CONST               #50 <invalid constant>"));
    assert.ok(lines.includes("     3  CLOSURE             fn 9 <invalid>"));
    assert.ok(lines.includes("     5  LOAD_GLOBAL         -3 <invalid global>"));
    assert.ok(lines.includes("     7  CALL_METHOD <truncated: 2 operands expected>"));
  });

  it("survives random code words", () => {
    const random = prng(99);
    for (let i = 0; i < 300; i++) {
      const code = Int32Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
        random() < 0.8 ? Math.floor(random() * (Op.OP_COUNT + 2)) : (random() * 2 ** 32) | 0);
      const p = sampleProgram();
      p.functions[1].code = code;
      disassemble(p, { withSource: true });
    }
  });
});
