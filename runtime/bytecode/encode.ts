// Program -> binary `.rbc`. The byte layout is documented field by field in docs/bytecode.md;
// decode.ts reads exactly what this file writes. Multi-byte numbers are little-endian except
// the magic, which is written big-endian so a file starts with the ASCII letters "RAYA".

import { InvalidBytecodeError } from "./errors";
import {
  BYTECODE_MAGIC,
  type ClassLayout,
  type Constant,
  type FunctionProto,
  type Program,
} from "./module";

/** Section ids, in the order they appear in a file. */
export const enum SectionId {
  Constants = 1,
  Functions = 2,
  Classes = 3,
  Globals = 4,
  Files = 5,
  Intrinsics = 6,
  Entry = 7,
}

export const SECTION_ORDER: readonly SectionId[] = [
  SectionId.Constants, SectionId.Functions, SectionId.Classes, SectionId.Globals,
  SectionId.Files, SectionId.Intrinsics, SectionId.Entry,
];

export const SECTION_NAMES: Readonly<Record<number, string>> = {
  [SectionId.Constants]: "constants",
  [SectionId.Functions]: "functions",
  [SectionId.Classes]: "classes",
  [SectionId.Globals]: "globals",
  [SectionId.Files]: "files",
  [SectionId.Intrinsics]: "intrinsics",
  [SectionId.Entry]: "entry",
};

export const enum ConstantTag {
  Int = 1,
  Number = 2,
  String = 3,
}

/** Bits of a function's flags byte. */
export const enum FunctionFlag {
  HasRest = 1,
  IsAsync = 2,
  IsMethod = 4,
}
export const FUNCTION_FLAGS_MASK = 7;

/** A handler's stackDepth word: bit 31 set for a finally handler, the depth in bits 0..30. */
export const FINALLY_HANDLER_BIT = 0x80000000;
export const HANDLER_DEPTH_MASK = 0x7fffffff;

export const CLASS_KIND_CODES = { class: 0, shape: 1 } as const;
export const METHOD_KIND_CODES = { method: 0, get: 1, set: 2 } as const;

/** magic (4) + version (2) + flags (2). */
export const HEADER_SIZE = 8;
export const CHECKSUM_SIZE = 4;
/** Section id (1) + payload length (4). */
export const SECTION_HEADER_SIZE = 5;

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum that ends every file.

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of bytes[start, end). crc32(ascii "123456789") === 0xCBF43926. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Strings are WTF-8: UTF-8, except that an unpaired UTF-16 surrogate (which a Raya string may
// hold, e.g. "\uD800") is written as its own 3-byte sequence so every string round-trips.

/** Appends the WTF-8 bytes of `s` to `out` starting at `pos`; returns the new position.
 *  `out` must have room for 3 bytes per UTF-16 unit. */
function writeWtf8(s: string, out: Uint8Array, pos: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const low = s.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          i++;
          out[pos++] = 0xf0 | (c >> 18);
          out[pos++] = 0x80 | ((c >> 12) & 0x3f);
          out[pos++] = 0x80 | ((c >> 6) & 0x3f);
          out[pos++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

// ---------------------------------------------------------------------------------------------

/** A growable little-endian byte buffer. Every integer writer checks its range, so a program
 *  holding a value the format cannot represent fails loudly instead of being silently wrapped. */
class ByteWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;
  /** Location reported when a value does not fit, e.g. "function 3 'fib'". */
  where = "program";

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }

  fail(field: string, value: unknown, range: string): never {
    throw new InvalidBytecodeError(this.where, `${field} = ${String(value)} is not ${range}`);
  }

  u8(value: number, field: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) this.fail(field, value, "a byte");
    this.reserve(1);
    this.buf[this.length++] = value;
  }

  bool(value: boolean, field: string): void {
    if (typeof value !== "boolean") this.fail(field, value, "a boolean");
    this.u8(value ? 1 : 0, field);
  }

  u16(value: number, field: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) this.fail(field, value, "a 16-bit unsigned integer");
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }

  u32(value: number, field: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) this.fail(field, value, "a 32-bit unsigned integer");
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  i32(value: number, field: string): void {
    if ((value | 0) !== value) this.fail(field, value, "a 32-bit signed integer");
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  f64(value: number, field: string): void {
    if (typeof value !== "number") this.fail(field, value, "a number");
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** u32 byte length, then the WTF-8 bytes. */
  string(value: string, field: string): void {
    if (typeof value !== "string") this.fail(field, value, "a string");
    this.reserve(4 + value.length * 3);
    const start = this.length + 4;
    const end = writeWtf8(value, this.buf, start);
    this.view.setUint32(this.length, end - start, true);
    this.length = end;
  }

  int32Words(code: Int32Array, field: string): void {
    if (!(code instanceof Int32Array)) this.fail(field, code, "an Int32Array");
    this.u32(code.length, `${field} length`);
    this.reserve(code.length * 4);
    for (let i = 0; i < code.length; i++) this.view.setInt32(this.length + i * 4, code[i], true);
    this.length += code.length * 4;
  }

  /** Writes `id`, a length placeholder, the payload `body` writes, then patches the length. */
  section(id: SectionId, body: () => void): void {
    this.u8(id, "section id");
    const lengthAt = this.length;
    this.u32(0, "section length");
    body();
    this.view.setUint32(lengthAt, this.length - lengthAt - 4, true);
  }

  /** Appends the CRC-32 of everything written so far and returns the finished bytes. */
  finish(): Uint8Array {
    const checksum = crc32(this.buf, 0, this.length);
    this.reserve(4);
    this.view.setUint32(this.length, checksum, true);
    this.length += 4;
    return this.buf.slice(0, this.length);
  }

  /** Header fields: the magic is big-endian so files begin with "RAYA". */
  magic(): void {
    this.reserve(4);
    this.view.setUint32(this.length, BYTECODE_MAGIC, false);
    this.length += 4;
  }
}

function describeFunction(index: number, fn: FunctionProto): string {
  return `function ${index} '${fn.name}'`;
}

function writeConstant(w: ByteWriter, c: Constant): void {
  switch (c.kind) {
    case "int":
      w.u8(ConstantTag.Int, "tag");
      w.i32(c.value, "int value");
      return;
    case "number":
      w.u8(ConstantTag.Number, "tag");
      w.f64(c.value, "number value");
      return;
    case "string":
      w.u8(ConstantTag.String, "tag");
      w.string(c.value, "string value");
      return;
    default:
      throw new InvalidBytecodeError(w.where, `unknown constant kind ${JSON.stringify((c as { kind: unknown }).kind)}`);
  }
}

function writeFunction(w: ByteWriter, fn: FunctionProto): void {
  w.string(fn.name, "name");
  w.u32(fn.file, "file");
  w.u32(fn.line, "line");
  w.u32(fn.column, "column");
  w.u32(fn.arity, "arity");
  w.u32(fn.numLocals, "numLocals");
  w.u32(fn.maxStack, "maxStack");
  const flags =
    (fn.hasRest ? FunctionFlag.HasRest : 0) |
    (fn.isAsync ? FunctionFlag.IsAsync : 0) |
    (fn.isMethod ? FunctionFlag.IsMethod : 0);
  w.u8(flags, "flags");

  w.u32(fn.captures.length, "capture count");
  for (const cap of fn.captures) {
    w.bool(cap.fromParentLocal, "capture fromParentLocal");
    w.u32(cap.index, "capture index");
  }

  w.int32Words(fn.code, "code");

  w.u32(fn.lines.length, "line entry count");
  for (const row of fn.lines) {
    w.u32(row.pc, "line entry pc");
    w.u32(row.line, "line entry line");
    w.u32(row.column, "line entry column");
  }

  w.u32(fn.handlers.length, "handler count");
  for (const h of fn.handlers) {
    w.u32(h.startPc, "handler startPc");
    w.u32(h.endPc, "handler endPc");
    w.u32(h.handlerPc, "handler handlerPc");
    // Bit 31 of the stackDepth word marks a finally handler (a depth never comes near 2^31),
    // so files written before handlers had a kind still read, as catch handlers.
    if (!Number.isInteger(h.stackDepth) || h.stackDepth < 0 || h.stackDepth > HANDLER_DEPTH_MASK) {
      w.fail("handler stackDepth", h.stackDepth, "an integer in [0, 2^31)");
    }
    w.u32(h.isFinally === true ? h.stackDepth + FINALLY_HANDLER_BIT : h.stackDepth, "handler stackDepth");
  }

  w.u32(fn.locals.length, "local count");
  for (const local of fn.locals) {
    w.string(local.name, "local name");
    w.u32(local.slot, "local slot");
    w.u32(local.startPc, "local startPc");
    w.u32(local.endPc, "local endPc");
    w.bool(local.boxed, "local boxed");
  }
}

function writeClass(w: ByteWriter, cls: ClassLayout): void {
  w.string(cls.name, "name");
  const kind = CLASS_KIND_CODES[cls.kind];
  if (kind === undefined) throw new InvalidBytecodeError(w.where, `unknown class kind ${JSON.stringify(cls.kind)}`);
  w.u8(kind, "kind");
  w.i32(cls.parent, "parent");
  w.u32(cls.fields.length, "field count");
  for (const field of cls.fields) w.string(field, "field name");
  w.u32(cls.methods.length, "method count");
  for (const m of cls.methods) {
    w.string(m.name, "method name");
    w.u32(m.fn, "method fn");
    const methodKind = METHOD_KIND_CODES[m.kind];
    if (methodKind === undefined) throw new InvalidBytecodeError(w.where, `unknown method kind ${JSON.stringify(m.kind)}`);
    w.u8(methodKind, "method kind");
    w.bool(m.static, "method static");
  }
  w.i32(cls.constructorFn, "constructorFn");
  w.u32(cls.staticFields.length, "static field count");
  for (const field of cls.staticFields) w.string(field, "static field name");
  w.bool(cls.abstract, "abstract");
  w.u32(cls.file, "file");
  w.u32(cls.line, "line");
}

/**
 * Serialises `program` to the `.rbc` format. Throws InvalidBytecodeError when a field holds a
 * value the format cannot represent (a negative index, a non-int32 int constant, ...); it does
 * not otherwise check the program: run `verifyProgram` for that.
 */
export function encodeProgram(program: Program): Uint8Array {
  const w = new ByteWriter();
  w.where = "header";
  w.magic();
  w.u16(program.version, "version");
  w.u16(0, "flags");

  w.section(SectionId.Constants, () => {
    w.u32(program.constants.length, "constant count");
    program.constants.forEach((c, i) => {
      w.where = `constant ${i}`;
      writeConstant(w, c);
    });
  });

  w.section(SectionId.Functions, () => {
    w.where = "functions";
    w.u32(program.functions.length, "function count");
    program.functions.forEach((fn, i) => {
      w.where = describeFunction(i, fn);
      writeFunction(w, fn);
    });
  });

  w.section(SectionId.Classes, () => {
    w.where = "classes";
    w.u32(program.classes.length, "class count");
    program.classes.forEach((cls, i) => {
      w.where = `class ${i} '${cls.name}'`;
      writeClass(w, cls);
    });
  });

  w.section(SectionId.Globals, () => {
    w.where = "globals";
    w.u32(program.globals.length, "global count");
    program.globals.forEach((g, i) => {
      w.where = `global ${i}`;
      w.string(g.name, "name");
      w.u32(g.file, "file");
    });
  });

  w.section(SectionId.Files, () => {
    w.where = "files";
    w.u32(program.files.length, "file count");
    program.files.forEach((f, i) => {
      w.where = `file ${i}`;
      w.string(f.name, "name");
      w.string(f.text, "text");
    });
  });

  w.section(SectionId.Intrinsics, () => {
    w.where = "intrinsics";
    w.u32(program.intrinsics.length, "intrinsic count");
    program.intrinsics.forEach((intrinsic, i) => {
      w.where = `intrinsic ${i}`;
      w.string(intrinsic.name, "name");
      w.u32(intrinsic.global, "global");
    });
  });

  w.section(SectionId.Entry, () => {
    w.where = "entry";
    w.u32(program.entry, "entry");
  });

  return w.finish();
}
