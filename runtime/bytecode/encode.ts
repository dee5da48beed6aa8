// Program -> binary `.rbc`. The byte layout is documented field by field in docs/bytecode.md;
// decode.ts reads exactly what this file writes. Multi-byte numbers are little-endian except
// the magic, which is written big-endian so a file starts with the ASCII letters "RAYA".

import { ByteWriter } from "./bytes";
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


// ---------------------------------------------------------------------------------------------

/** The shared writer, with the .rbc format's sections, magic and error type. */
class ProgramWriter extends ByteWriter {
  /** Location reported when a value does not fit, e.g. "function 3 'fib'". */
  where = "program";

  override fail(field: string, value: unknown, range: string): never {
    throw new InvalidBytecodeError(this.where, `${field} = ${String(value)} is not ${range}`);
  }

  /** Writes `id`, a length placeholder, the payload `body` writes, then patches the length. */
  section(id: SectionId, body: () => void): void {
    this.u8(id, "section id");
    const lengthAt = this.length;
    this.u32(0, "section length");
    body();
    this.patchU32(lengthAt, this.length - lengthAt - 4);
  }

  /** Header fields: the magic is big-endian so files begin with "RAYA". */
  magic(): void {
    this.u32BigEndian(BYTECODE_MAGIC);
  }
}

function describeFunction(index: number, fn: FunctionProto): string {
  return `function ${index} '${fn.name}'`;
}

function writeConstant(w: ProgramWriter, c: Constant): void {
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

function writeFunction(w: ProgramWriter, fn: FunctionProto): void {
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

function writeClass(w: ProgramWriter, cls: ClassLayout): void {
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
  const w = new ProgramWriter();
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
