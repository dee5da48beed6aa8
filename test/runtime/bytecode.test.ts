// The .rbc encoder and decoder: exact round trips, and a decoder that answers any corrupted
// or hostile input with InvalidBytecodeError (never another exception, never a hang).
import * as assert from "node:assert/strict";
import { decodeProgram } from "../../runtime/bytecode/decode";
import { disassemble } from "../../runtime/bytecode/disasm";
import { crc32 } from "../../runtime/bytecode/bytes";
import { encodeProgram } from "../../runtime/bytecode/encode";
import { InvalidBytecodeError } from "../../runtime/bytecode/errors";
import { BYTECODE_VERSION, type Program } from "../../runtime/bytecode/module";
import { Op } from "../../runtime/bytecode/opcodes";
import { verifyProgram } from "../../runtime/bytecode/verify";
import { assemble, makeProgram, prng, reseal, sampleProgram } from "./bytecode-helpers.test";

/** Runs `f` and returns the InvalidBytecodeError it throws; fails on success or any other error. */
function expectInvalid(f: () => unknown, context: string): InvalidBytecodeError {
  try {
    f();
  } catch (e) {
    if (!(e instanceof InvalidBytecodeError)) {
      assert.fail(`${context}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
    assert.doesNotMatch(e.message, /internal decoder error/, context);
    return e;
  }
  return assert.fail(`${context}: no error thrown`);
}

/** Decoding corrupted input may succeed (the corruption hit a value, not the structure); then the
 *  verifier and disassembler must cope too. Anything but InvalidBytecodeError fails the test. */
let listed = 0;
function decodeVerifyAndList(bytes: Uint8Array, context: string): "decoded" | "rejected" {
  let program: Program;
  try {
    program = decodeProgram(bytes);
  } catch (e) {
    if (!(e instanceof InvalidBytecodeError)) assert.fail(`${context}: decode threw ${(e as Error)?.stack}`);
    assert.doesNotMatch(e.message, /internal decoder error/, context);
    return "rejected";
  }
  try {
    verifyProgram(program);
  } catch (e) {
    if (!(e instanceof InvalidBytecodeError)) assert.fail(`${context}: verify threw ${(e as Error)?.stack}`);
  }
  try {
    if (listed++ % 4 === 0) disassemble(program, { withSource: true }); // a quarter: listing is the slow part
  } catch (e) {
    assert.fail(`${context}: disassemble threw ${(e as Error)?.stack}`);
  }
  return "decoded";
}

/** BYTECODE_FUZZ_SCALE=20 multiplies the random case counts for a deeper run. */
const SCALE = Math.max(1, Number(process.env.BYTECODE_FUZZ_SCALE ?? 1) || 1);
const SEED_OFFSET = Number(process.env.BYTECODE_FUZZ_SEED ?? 0) || 0;

function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, "latin1"));
}

describe("bytecode encode/decode", () => {
  describe("round trip", () => {
    it("decodes a rich program to an equal Program (strings, -0, NaN, ints, classes, handlers)", () => {
      const program = sampleProgram();
      verifyProgram(program);
      const bytes = encodeProgram(program);
      const decoded = decodeProgram(bytes);
      assert.deepStrictEqual(decoded, program);
      assert.ok(decoded.functions[0].code instanceof Int32Array);
      assert.ok(Object.is(decoded.constants[8].value, -0));
      assert.ok(Number.isNaN(decoded.constants[9].value));
      verifyProgram(decoded);
    });

    it("re-encodes a decoded program to identical bytes", () => {
      const bytes = encodeProgram(sampleProgram());
      assert.deepStrictEqual(encodeProgram(decodeProgram(bytes)), bytes);
    });

    it("round-trips the smallest program and extreme int32 code words", () => {
      const program = makeProgram(assemble([[Op.PUSH_INT, -2147483648], [Op.PUSH_INT, 2147483647], [Op.POP], [Op.RETURN]]));
      assert.deepStrictEqual(decodeProgram(encodeProgram(program)), program);
    });

    it("keeps which handlers are finally handlers (bit 31 of the stackDepth word)", () => {
      const program = makeProgram(assemble([[Op.PUSH_INT, 1], [Op.THROW], [Op.STORE_LOCAL, 0], [Op.PUSH_NULL], [Op.RETURN]]));
      program.functions[0].handlers = [
        { startPc: 0, endPc: 3, handlerPc: 3, stackDepth: 0 },
        { startPc: 0, endPc: 3, handlerPc: 3, stackDepth: 0, isFinally: true },
      ];
      const decoded = decodeProgram(encodeProgram(program));
      assert.deepStrictEqual(decoded.functions[0].handlers, program.functions[0].handlers);
      program.functions[0].handlers = [{ startPc: 0, endPc: 3, handlerPc: 3, stackDepth: 0x80000000 }];
      assert.throws(() => encodeProgram(program), /handler stackDepth/);
    });

    it("keeps lone surrogates, NUL, BOM and astral characters in strings", () => {
      const strings = ["\uD800", "\uDFFF", "a\uD83D", "\uDE00b", "😀", "\u0000", "\uFEFF", "\u07FF\u0800\uFFFF", "x".repeat(20000)];
      const program = makeProgram(assemble([[Op.PUSH_NULL], [Op.RETURN]]), {
        constants: strings.map((value) => ({ kind: "string" as const, value })),
      });
      assert.deepStrictEqual(decodeProgram(encodeProgram(program)).constants, program.constants);
    });

    it("accepts a Buffer that views part of a larger ArrayBuffer", () => {
      const bytes = encodeProgram(sampleProgram());
      const pool = Buffer.alloc(bytes.length + 17);
      pool.set(bytes, 9);
      assert.deepStrictEqual(decodeProgram(pool.subarray(9, 9 + bytes.length)), sampleProgram());
    });

    it("writes the documented header: RAYA, version, flags, first section id", () => {
      const bytes = encodeProgram(sampleProgram());
      assert.equal(Buffer.from(bytes.subarray(0, 4)).toString("latin1"), "RAYA");
      assert.equal(bytes[4] | (bytes[5] << 8), BYTECODE_VERSION);
      assert.equal(bytes[6] | (bytes[7] << 8), 0);
      assert.equal(bytes[8], 1);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      assert.equal(view.getUint32(bytes.length - 4, true), crc32(bytes, 0, bytes.length - 4));
    });

    it("computes the standard CRC-32", () => {
      assert.equal(crc32(bytesOf("123456789")), 0xcbf43926);
      assert.equal(crc32(new Uint8Array(0)), 0);
    });
  });

  describe("encoder rejects values the format cannot hold", () => {
    it("an int constant outside int32", () => {
      const program = makeProgram(assemble([[Op.PUSH_NULL], [Op.RETURN]]), { constants: [{ kind: "int", value: 2 ** 31 }] });
      const e = expectInvalid(() => encodeProgram(program), "int constant");
      assert.equal(e.where, "constant 0");
      assert.match(e.message, /2147483648 is not a 32-bit signed integer/);
    });

    it("a negative index", () => {
      const program = makeProgram(assemble([[Op.PUSH_NULL], [Op.RETURN]]), {}, { file: -1 });
      const e = expectInvalid(() => encodeProgram(program), "negative file");
      assert.equal(e.message, "function 0 'main': file = -1 is not a 32-bit unsigned integer");
    });
  });

  describe("rejects malformed files with InvalidBytecodeError", () => {
    const valid = encodeProgram(sampleProgram());

    it("bad magic, short files and non-byte input", () => {
      assert.equal(expectInvalid(() => decodeProgram(bytesOf("RAYB....")), "magic").where, "header");
      assert.match(expectInvalid(() => decodeProgram(new Uint8Array(0)), "empty").message, /magic/);
      assert.match(expectInvalid(() => decodeProgram(bytesOf("RAYA")), "magic only").message, /shorter than the smallest/);
      expectInvalid(() => decodeProgram("RAYA" as unknown as Uint8Array), "string input");
    });

    it("a checksum mismatch, checked before anything else is parsed", () => {
      const bytes = valid.slice();
      bytes[4] = 99; // version: would be an error too, but the checksum is checked first
      const e = expectInvalid(() => decodeProgram(bytes), "checksum");
      assert.equal(e.where, "checksum");
      assert.match(e.message, /does not match/);
    });

    it("an unsupported version or unknown header flags", () => {
      const version = valid.slice();
      version[4] = 2;
      assert.match(expectInvalid(() => decodeProgram(reseal(version)), "version").message, /unsupported bytecode version 2/);
      const flags = valid.slice();
      flags[6] = 1;
      assert.match(expectInvalid(() => decodeProgram(reseal(flags)), "flags").message, /unknown header flags 0x1/);
    });

    it("trailing garbage, after or before the checksum", () => {
      const after = new Uint8Array(valid.length + 1);
      after.set(valid);
      assert.equal(expectInvalid(() => decodeProgram(after), "byte after checksum").where, "checksum");
      const before = new Uint8Array(valid.length + 3);
      before.set(valid.subarray(0, valid.length - 4));
      const e = expectInvalid(() => decodeProgram(reseal(before)), "bytes before checksum");
      assert.equal(e.where, "trailer");
      assert.match(e.message, /3 bytes of trailing data/);
    });

    it("sections out of order", () => {
      const bytes = valid.slice();
      bytes[8] = 2;
      const e = expectInvalid(() => decodeProgram(reseal(bytes)), "section order");
      assert.match(e.message, /expected the constants section \(id 1\), found section id 2/);
    });

    it("every truncation of a valid file (with and without a repaired checksum)", () => {
      for (let length = 0; length < valid.length; length++) {
        const cut = valid.slice(0, length);
        expectInvalid(() => decodeProgram(cut), `truncated to ${length}`);
        expectInvalid(() => decodeProgram(reseal(cut)), `truncated to ${length}, resealed`);
      }
    });

    it("oversized length and count fields fail fast without allocating", () => {
      // Patch a u32 at `offset` to `value`, repair the checksum, decode.
      const patched = (offset: number, value: number) => {
        const bytes = valid.slice();
        new DataView(bytes.buffer).setUint32(offset, value, true);
        return reseal(bytes);
      };
      // Header (8) + section id (1) -> constants section length at 9, constant count at 13.
      assert.match(expectInvalid(() => decodeProgram(patched(9, 0xffffffff)), "section length").message, /section length 4294967295 exceeds/);
      assert.match(expectInvalid(() => decodeProgram(patched(13, 0xffffffff)), "constant count").message, /constant count 4294967295 cannot fit/);
      // Constant 0 is the string "x": tag at 17, its length at 18.
      assert.match(expectInvalid(() => decodeProgram(patched(18, 0xfffffff0)), "string length").message, /string value length 4294967280 exceeds/);
      // A function's code length: find the word count right before main's first instruction.
      const program = sampleProgram();
      const main = program.functions[0];
      const codeStart = findSequence(valid, int32Bytes(main.code.subarray(0, 4)));
      assert.ok(codeStart > 0);
      const e = expectInvalid(() => decodeProgram(patched(codeStart - 4, 0x40000000)), "code length");
      assert.equal(e.where, "function 0 'main'");
      assert.match(e.message, /code length 1073741824 words exceeds/);
    });

    it("malformed UTF-8 in a string", () => {
      // Constant 0 is "x": tag at 17, length at 18, the byte 'x' at 22.
      const cases: [number[], RegExp][] = [
        [[0x80], /invalid UTF-8 lead byte/],
        [[0xc0, 0x80], /invalid UTF-8 lead byte/], // overlong NUL
        [[0xe0, 0x80, 0x80], /overlong/],
        [[0xf4, 0x90, 0x80, 0x80], /out-of-range/],
        [[0xe2, 0x28, 0xa1], /invalid UTF-8 continuation/],
        [[0xe2, 0x82], /ends inside a UTF-8 sequence/],
        [[0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], /surrogate pair as two 3-byte sequences/],
      ];
      for (const [utf8, expected] of cases) {
        const bytes = spliceString(valid, 18, 1, utf8);
        const e = expectInvalid(() => decodeProgram(reseal(bytes)), `utf8 ${utf8}`);
        assert.equal(e.where, "constant 0");
        assert.match(e.message, expected);
      }
    });

    it("unknown tags and booleans other than 0 and 1", () => {
      const tag = valid.slice();
      tag[17] = 9;
      assert.match(expectInvalid(() => decodeProgram(reseal(tag)), "tag").message, /unknown constant tag 9/);

      // A function whose last encoded byte is its only local's `boxed` flag.
      const program = makeProgram(assemble([[Op.PUSH_NULL], [Op.RETURN]]), {}, {
        locals: [{ name: "a", slot: 0, startPc: 0, endPc: 1, boxed: false }],
      });
      const bytes = encodeProgram(program);
      const view = new DataView(bytes.buffer);
      const functionsAt = 8 + 5 + view.getUint32(9, true);
      const boxedAt = functionsAt + 5 + view.getUint32(functionsAt + 1, true) - 1;
      assert.equal(bytes[boxedAt], 0);
      bytes[boxedAt] = 2;
      const e = expectInvalid(() => decodeProgram(reseal(bytes)), "boolean");
      assert.equal(e.message, `function 0 'main': local boxed must be 0 or 1, found 2 (at byte ${boxedAt})`);
    });

    it("thousands of random single-bit flips (detected by the checksum)", () => {
      const random = prng(0x5eed + SEED_OFFSET);
      for (let i = 0; i < 2000 * SCALE; i++) {
        const bytes = valid.slice();
        const bit = Math.floor(random() * bytes.length * 8);
        bytes[bit >> 3] ^= 1 << (bit & 7);
        const e = expectInvalid(() => decodeProgram(bytes), `flip bit ${bit}`);
        assert.equal(e.where, bit < 32 ? "header" : "checksum", `flip bit ${bit}`); // the magic is checked first
      }
    });

    it("thousands of random bit flips with a repaired checksum: decode, verify and list cope", () => {
      const random = prng(0xb17f11b + SEED_OFFSET);
      let decoded = 0;
      for (let i = 0; i < 3000 * SCALE; i++) {
        const bytes = valid.slice();
        const flips = 1 + Math.floor(random() * 3);
        const bits: number[] = [];
        for (let f = 0; f < flips; f++) {
          const bit = Math.floor(random() * (bytes.length - 4) * 8);
          bits.push(bit);
          bytes[bit >> 3] ^= 1 << (bit & 7);
        }
        if (decodeVerifyAndList(reseal(bytes), `seed offset ${SEED_OFFSET} case ${i} bits ${bits}`) === "decoded") decoded++;
      }
      // Most flips land in code words and names, so many corrupted files still parse and reach the verifier.
      assert.ok(decoded > 300 * SCALE, `only ${decoded} corrupted files decoded`);
    });

    it("random byte strings, raw and behind a valid header and checksum", () => {
      const random = prng(42 + SEED_OFFSET);
      for (let i = 0; i < 1500 * SCALE; i++) {
        const length = Math.floor(random() * 300);
        const bytes = new Uint8Array(length);
        for (let j = 0; j < length; j++) bytes[j] = Math.floor(random() * 256);
        expectInvalid(() => decodeProgram(bytes), `random case ${i}`);
        if (length >= 8) {
          bytes.set(valid.subarray(0, 8));
          decodeVerifyAndList(reseal(bytes), `random with header, case ${i}`);
        }
      }
    });

    it("random overwrites of small u32 fields with huge values", () => {
      const random = prng(7 + SEED_OFFSET);
      for (let i = 0; i < 1500 * SCALE; i++) {
        const bytes = valid.slice();
        const offset = 8 + Math.floor(random() * (bytes.length - 16));
        const value = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0xfffffff0][i % 5];
        new DataView(bytes.buffer).setUint32(offset, value, true);
        decodeVerifyAndList(reseal(bytes), `seed offset ${SEED_OFFSET} case ${i} offset ${offset}`);
      }
    });
  });
});

function int32Bytes(words: Int32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setInt32(i * 4, w, true));
  return out;
}

function findSequence(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Replaces the `oldLength` string bytes after the u32 length at `lengthAt` with `utf8`,
 *  fixing that length and the enclosing constants section's length. */
function spliceString(bytes: Uint8Array, lengthAt: number, oldLength: number, utf8: number[]): Uint8Array {
  const out = new Uint8Array(bytes.length - oldLength + utf8.length);
  out.set(bytes.subarray(0, lengthAt + 4));
  out.set(utf8, lengthAt + 4);
  out.set(bytes.subarray(lengthAt + 4 + oldLength), lengthAt + 4 + utf8.length);
  const view = new DataView(out.buffer);
  view.setUint32(lengthAt, utf8.length, true);
  view.setUint32(9, view.getUint32(9, true) - oldLength + utf8.length, true); // constants section length
  return out;
}
