// Builders shared by the bytecode tests: a small label-resolving assembler, a sample program
// that touches every section of the format, a seeded PRNG and checksum re-sealing.
import * as assert from "node:assert/strict";
import { crc32 } from "../../runtime/bytecode/bytes";
import { BYTECODE_VERSION, type FunctionProto, type Program } from "../../runtime/bytecode/module";
import { Op, OP_NAMES, OPERAND_COUNT } from "../../runtime/bytecode/opcodes";

/** One instruction: [op, ...operands]; an operand "@name" is the pc of label "name". A bare
 *  string item "name:" defines a label at the next instruction. */
export type AsmItem = string | (Op | number | string)[];

export function assemble(items: AsmItem[]): Int32Array {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const item of items) {
    if (typeof item === "string") labels.set(item.replace(/:$/, ""), pc);
    else pc += item.length;
  }
  const words: number[] = [];
  for (const item of items) {
    if (typeof item === "string") continue;
    for (const part of item) {
      if (typeof part === "string") {
        const target = labels.get(part.replace(/^@/, ""));
        if (target === undefined) throw new Error(`unknown label ${part}`);
        words.push(target);
      } else {
        words.push(part);
      }
    }
  }
  return Int32Array.from(words);
}

export function makeFunction(fields: Partial<FunctionProto> & { code: Int32Array }): FunctionProto {
  return {
    name: "main", file: 0, line: 1, column: 1, arity: 0, hasRest: false, numLocals: 1, maxStack: 4,
    isAsync: false, isMethod: false, captures: [], lines: [], handlers: [], locals: [],
    ...fields,
  };
}

/** A program with a single entry function `main` running `code`, plus whatever `fields` add. */
export function makeProgram(code: Int32Array, fields: Partial<Program> = {}, fnFields: Partial<FunctionProto> = {}): Program {
  return {
    version: BYTECODE_VERSION,
    constants: [],
    functions: [makeFunction({ code, ...fnFields })],
    classes: [],
    globals: [],
    files: [{ name: "main.raya", text: "return 1;\n" }],
    entry: 0,
    intrinsics: [],
    ...fields,
  };
}

export const SAMPLE_SOURCE = [
  "function fib(n: int): int {",
  "  if (n < 2) return n;",
  "  return fib(n - 1) + fib(n - 2);",
  "}",
  "console.log(fib(10));",
].join("\n");

/** A verified program that uses every table: constants of each kind (with awkward strings
 *  and doubles), closures with captures, classes with a parent, a shape, a try handler, a
 *  for-of loop, globals, files and intrinsics. */
export function sampleProgram(): Program {
  const main = makeFunction({
    name: "main", numLocals: 2, maxStack: 4, line: 1, column: 1,
    code: assemble([
      [Op.CLOSURE, 1], [Op.STORE_GLOBAL, 0],
      [Op.LOAD_BUILTIN, 4], [Op.LOAD_GLOBAL, 0], [Op.PUSH_INT, 10], [Op.CALL, 1],
      [Op.CALL_METHOD, 5, 1], [Op.POP],
      [Op.PUSH_INT, 0], [Op.STORE_LOCAL, 1], [Op.BOX_LOCAL, 1], [Op.CLOSURE, 2], [Op.POP],
      [Op.PUSH_NULL], [Op.CLASS, 0], [Op.CLASS, 2], [Op.POP],
      "try:", [Op.CONST, 6], [Op.THROW],
      "catch:", [Op.POP],
      [Op.CONST, 2], [Op.CONST, 3], [Op.NEW_OBJECT, 1], [Op.RETURN],
    ]),
    lines: [{ pc: 0, line: 1, column: 1 }, { pc: 4, line: 5, column: 1 }, { pc: 16, line: 5, column: 3 }],
    locals: [{ name: "counter", slot: 1, startPc: 16, endPc: 42, boxed: true }],
  });
  const tryStart = 31; // pc of the CONST 6 after the "try:" label
  main.handlers = [{ startPc: tryStart, endPc: tryStart + 3, handlerPc: tryStart + 3, stackDepth: 0 }];

  const fib = makeFunction({
    name: "fib", arity: 1, numLocals: 2, maxStack: 4, line: 1, column: 1,
    code: assemble([
      [Op.LOAD_LOCAL, 1], [Op.PUSH_INT, 2], [Op.LT], [Op.JUMP_IF_FALSE, "@rec"],
      [Op.LOAD_LOCAL, 1], [Op.RETURN],
      "rec:",
      [Op.LOAD_GLOBAL, 0], [Op.LOAD_LOCAL, 1], [Op.PUSH_INT, 1], [Op.SUB_I], [Op.CALL, 1],
      [Op.LOAD_GLOBAL, 0], [Op.LOAD_LOCAL, 1], [Op.PUSH_INT, 2], [Op.SUB_I], [Op.CALL, 1],
      [Op.ADD_I], [Op.RETURN],
    ]),
    lines: [{ pc: 0, line: 2, column: 3 }, { pc: 10, line: 3, column: 3 }],
    locals: [{ name: "n", slot: 1, startPc: 0, endPc: 30, boxed: false }],
  });

  const counter = makeFunction({
    name: "<anonymous>", numLocals: 1, maxStack: 3,
    captures: [{ fromParentLocal: true, index: 1 }],
    code: assemble([[Op.LOAD_CAPTURE, 0], [Op.PUSH_INT, 1], [Op.ADD_I], [Op.DUP], [Op.STORE_CAPTURE, 0], [Op.RETURN]]),
  });

  const ctor = makeFunction({
    name: "Point.constructor", isMethod: true, arity: 2, numLocals: 3, maxStack: 2,
    code: assemble([
      [Op.LOAD_LOCAL, 0], [Op.LOAD_LOCAL, 1], [Op.SET_PROP, 0], [Op.POP],
      [Op.LOAD_LOCAL, 0], [Op.LOAD_LOCAL, 2], [Op.SET_PROP, 1], [Op.POP],
      [Op.LOAD_LOCAL, 0], [Op.RETURN],
    ]),
  });

  const getter = makeFunction({
    name: "Point.len", isMethod: true, numLocals: 1, maxStack: 2,
    code: assemble([[Op.LOAD_LOCAL, 0], [Op.GET_PROP, 0], [Op.LOAD_LOCAL, 0], [Op.GET_PROP, 1], [Op.ADD], [Op.RETURN]]),
  });

  const iterate = makeFunction({
    name: "iterate", arity: 1, hasRest: true, isAsync: true, numLocals: 3, maxStack: 2,
    code: assemble([
      [Op.LOAD_LOCAL, 1], [Op.ITER_INIT],
      "loop:", [Op.ITER_NEXT, "@done"], [Op.STORE_LOCAL, 2], [Op.JUMP, "@loop"],
      "done:", [Op.PUSH_NULL], [Op.RETURN],
    ]),
  });

  return {
    version: BYTECODE_VERSION,
    constants: [
      { kind: "string", value: "x" },
      { kind: "string", value: "y" },
      { kind: "int", value: 42 },
      { kind: "number", value: 3.5 },
      { kind: "string", value: "console" },
      { kind: "string", value: "log" },
      { kind: "string", value: "héllo 🌍 \u0000 end" },
      { kind: "string", value: "\uD800 lone high, lone low \uDC00, reversed \uDC00\uD800" },
      { kind: "number", value: -0 },
      { kind: "number", value: NaN },
      { kind: "string", value: "" },
      { kind: "number", value: -Infinity },
      { kind: "int", value: -2147483648 },
      { kind: "string", value: "\uFEFFbom and \u2028 separators" },
    ],
    functions: [main, fib, counter, ctor, getter, iterate],
    classes: [
      {
        name: "Point", kind: "class", parent: -1, fields: ["x", "y"],
        methods: [{ name: "len", fn: 4, kind: "get", static: false }],
        constructorFn: 3, staticFields: ["origin"], abstract: false, file: 0, line: 1,
      },
      {
        name: "{x, y}", kind: "shape", parent: -1, fields: ["x", "y"], methods: [],
        constructorFn: -1, staticFields: [], abstract: false, file: 0, line: 5,
      },
      {
        name: "Point3", kind: "class", parent: 0, fields: ["x", "y", "z"],
        methods: [{ name: "make", fn: 3, kind: "method", static: true }],
        constructorFn: 3, staticFields: [], abstract: true, file: 0, line: 5,
      },
    ],
    globals: [{ name: "fib", file: 0 }, { name: "<prelude>:Error", file: 1 }],
    files: [{ name: "main.raya", text: SAMPLE_SOURCE }, { name: "<prelude>", text: "" }],
    entry: 0,
    intrinsics: [{ name: "Error", global: 1 }],
  };
}

/** mulberry32: a tiny seeded PRNG so every fuzz failure reproduces. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rewrites the trailing CRC-32 so corruption reaches the parser instead of the checksum check. */
export function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length >= 4) new DataView(out.buffer).setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
  return out;
}

describe("bytecode test helpers", () => {
  it("assembles labels to instruction pcs", () => {
    const code = assemble([[Op.JUMP, "@end"], [Op.NOP], "end:", [Op.PUSH_NULL], [Op.RETURN]]);
    assert.deepEqual(Array.from(code), [Op.JUMP, 3, Op.NOP, Op.PUSH_NULL, Op.RETURN]);
  });

  it("builds instructions with the right operand counts", () => {
    for (const fn of sampleProgram().functions) {
      let pc = 0;
      while (pc < fn.code.length) pc += 1 + OPERAND_COUNT[fn.code[pc]];
      assert.equal(pc, fn.code.length, `${fn.name}: ${Array.from(fn.code).map((w) => OP_NAMES[w] ?? w).join(" ")}`);
    }
  });
});
