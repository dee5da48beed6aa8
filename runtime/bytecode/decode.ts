// Binary `.rbc` -> Program. The input is untrusted: every read is bounds-checked, every count is
// checked against the bytes that remain before anything is allocated for it, and every problem
// is reported as an InvalidBytecodeError naming the place. Decoding checks structure only;
// run `verifyProgram` on the result before executing it.

import { ByteReader, crc32 } from "./bytes";
import { InvalidBytecodeError } from "./errors";
import {
  CHECKSUM_SIZE,
  CLASS_KIND_CODES,
  ConstantTag,
  FINALLY_HANDLER_BIT,
  FUNCTION_FLAGS_MASK,
  HANDLER_DEPTH_MASK,
  FunctionFlag,
  HEADER_SIZE,
  METHOD_KIND_CODES,
  SECTION_HEADER_SIZE,
  SECTION_NAMES,
  SectionId,
} from "./encode";
import {
  BYTECODE_MAGIC,
  BYTECODE_VERSION,
  type CaptureDescriptor,
  type ClassLayout,
  type ClassMethodEntry,
  type Constant,
  type ExceptionHandler,
  type FunctionProto,
  type LineEntry,
  type LocalVarInfo,
  type Program,
} from "./module";

// Smallest encoded size of each repeated record, used to reject counts that cannot fit.
const MIN_CONSTANT_SIZE = 5; // tag + i32 (or + u32 string length)
const MIN_FUNCTION_SIZE = 4 + 6 * 4 + 1 + 5 * 4; // name, six u32 fields, flags, five counts
const MIN_CAPTURE_SIZE = 5;
const MIN_LINE_ENTRY_SIZE = 12;
const MIN_HANDLER_SIZE = 16;
const MIN_LOCAL_SIZE = 4 + 12 + 1;
const MIN_CLASS_SIZE = 4 + 1 + 4 + 4 + 4 + 4 + 4 + 1 + 4 + 4;
const MIN_STRING_SIZE = 4;
const MIN_METHOD_SIZE = 4 + 4 + 1 + 1;
const MIN_NAMED_INDEX_SIZE = 8; // string length + u32 (globals, files, intrinsics)

const CLASS_KINDS = invert(CLASS_KIND_CODES);
const METHOD_KINDS = invert(METHOD_KIND_CODES);

function invert<K extends string>(codes: Record<K, number>): K[] {
  const out: K[] = [];
  for (const key of Object.keys(codes) as K[]) out[codes[key]] = key;
  return out;
}

/** Reads little-endian fields from bytes[pos, end), failing with the current `where`. */
/** The shared reader, reporting problems as InvalidBytecodeError with the part being read. */
class ProgramReader extends ByteReader {
  where = "header";

  override fail(problem: string, at = this.pos): never {
    throw new InvalidBytecodeError(this.where, `${problem} (at byte ${at})`);
  }
}

/** Reads one section: its id must be `id`, and its body must consume exactly its length. */
function readSection(r: ProgramReader, id: SectionId, fileEnd: number, body: () => void): void {
  const name = SECTION_NAMES[id];
  r.where = `${name} section`;
  r.end = fileEnd;
  const at = r.pos;
  const found = r.u8("section id");
  if (found !== id) {
    r.fail(`expected the ${name} section (id ${id}), found section id ${found}`, at);
  }
  const length = r.u32("section length");
  if (length > r.remaining()) r.fail(`section length ${length} exceeds the ${r.remaining()} bytes left`, at);
  const sectionEnd = r.pos + length;
  r.end = sectionEnd;
  body();
  if (r.pos !== sectionEnd) {
    r.where = `${name} section`;
    r.fail(`section has ${sectionEnd - r.pos} unused bytes at its end`);
  }
  r.end = fileEnd;
}

function readConstant(r: ProgramReader): Constant {
  const at = r.pos;
  const tag = r.u8("constant tag");
  switch (tag) {
    case ConstantTag.Int:
      return { kind: "int", value: r.i32("int value") };
    case ConstantTag.Number:
      return { kind: "number", value: r.f64("number value") };
    case ConstantTag.String:
      return { kind: "string", value: r.string("string value") };
    default:
      return r.fail(`unknown constant tag ${tag}`, at);
  }
}

function readFunction(r: ProgramReader, index: number): FunctionProto {
  r.where = `function ${index}`;
  const name = r.string("name");
  r.where = `function ${index} '${name}'`;
  const file = r.u32("file");
  const line = r.u32("line");
  const column = r.u32("column");
  const arity = r.u32("arity");
  const numLocals = r.u32("numLocals");
  const maxStack = r.u32("maxStack");
  const flagsAt = r.pos;
  const flags = r.u8("flags");
  if (flags & ~FUNCTION_FLAGS_MASK) r.fail(`unknown function flag bits 0x${flags.toString(16)}`, flagsAt);

  const captures: CaptureDescriptor[] = [];
  const captureCount = r.count(MIN_CAPTURE_SIZE, "capture count");
  for (let i = 0; i < captureCount; i++) {
    const fromParentLocal = r.bool("capture fromParentLocal");
    captures.push({ fromParentLocal, index: r.u32("capture index") });
  }

  const code = r.int32Words("code");

  const lines: LineEntry[] = [];
  const lineCount = r.count(MIN_LINE_ENTRY_SIZE, "line entry count");
  for (let i = 0; i < lineCount; i++) {
    lines.push({ pc: r.u32("line entry pc"), line: r.u32("line entry line"), column: r.u32("line entry column") });
  }

  const handlers: ExceptionHandler[] = [];
  const handlerCount = r.count(MIN_HANDLER_SIZE, "handler count");
  for (let i = 0; i < handlerCount; i++) {
    const startPc = r.u32("handler startPc");
    const endPc = r.u32("handler endPc");
    const handlerPc = r.u32("handler handlerPc");
    const depthWord = r.u32("handler stackDepth");
    const handler: ExceptionHandler = { startPc, endPc, handlerPc, stackDepth: depthWord & HANDLER_DEPTH_MASK };
    if (depthWord >= FINALLY_HANDLER_BIT) handler.isFinally = true; // catch handlers leave it absent, as codegen does
    handlers.push(handler);
  }

  const locals: LocalVarInfo[] = [];
  const localCount = r.count(MIN_LOCAL_SIZE, "local count");
  for (let i = 0; i < localCount; i++) {
    locals.push({
      name: r.string("local name"),
      slot: r.u32("local slot"),
      startPc: r.u32("local startPc"),
      endPc: r.u32("local endPc"),
      boxed: r.bool("local boxed"),
    });
  }

  return {
    name, file, line, column, arity,
    hasRest: (flags & FunctionFlag.HasRest) !== 0,
    numLocals, maxStack,
    isAsync: (flags & FunctionFlag.IsAsync) !== 0,
    isMethod: (flags & FunctionFlag.IsMethod) !== 0,
    captures, code, lines, handlers, locals,
  };
}

function readStringList(r: ProgramReader, what: string): string[] {
  const out: string[] = [];
  const n = r.count(MIN_STRING_SIZE, `${what} count`);
  for (let i = 0; i < n; i++) out.push(r.string(what));
  return out;
}

function readClass(r: ProgramReader, index: number): ClassLayout {
  r.where = `class ${index}`;
  const name = r.string("name");
  r.where = `class ${index} '${name}'`;
  const kindAt = r.pos;
  const kindCode = r.u8("kind");
  const kind = CLASS_KINDS[kindCode];
  if (kind === undefined) r.fail(`unknown class kind ${kindCode}`, kindAt);
  const parent = r.i32("parent");
  const fields = readStringList(r, "field name");
  const methods: ClassMethodEntry[] = [];
  const methodCount = r.count(MIN_METHOD_SIZE, "method count");
  for (let i = 0; i < methodCount; i++) {
    const methodName = r.string("method name");
    const fn = r.u32("method fn");
    const methodKindAt = r.pos;
    const methodKindCode = r.u8("method kind");
    const methodKind = METHOD_KINDS[methodKindCode];
    if (methodKind === undefined) r.fail(`unknown method kind ${methodKindCode}`, methodKindAt);
    methods.push({ name: methodName, fn, kind: methodKind, static: r.bool("method static") });
  }
  const constructorFn = r.i32("constructorFn");
  const staticFields = readStringList(r, "static field name");
  const abstract = r.bool("abstract");
  const file = r.u32("file");
  const line = r.u32("line");
  return { name, kind, parent, fields, methods, constructorFn, staticFields, abstract, file, line };
}

function readHeader(r: ProgramReader, bytes: Uint8Array): number {
  if (bytes.length < 4 || new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false) !== BYTECODE_MAGIC) {
    r.fail('not a Raya bytecode file: it does not start with the magic "RAYA"', 0);
  }
  const minimum = HEADER_SIZE + SECTION_HEADER_SIZE + CHECKSUM_SIZE;
  if (bytes.length < minimum) r.fail(`file is ${bytes.length} bytes, shorter than the smallest valid file`, 0);

  const bodyEnd = bytes.length - CHECKSUM_SIZE;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bodyEnd, 4).getUint32(0, true);
  const computed = crc32(bytes, 0, bodyEnd);
  if (stored !== computed) {
    throw new InvalidBytecodeError(
      "checksum",
      `stored CRC-32 0x${hex32(stored)} does not match the contents (0x${hex32(computed)}): the file is corrupt or truncated`,
    );
  }

  r.pos = 4;
  const version = r.u16("version");
  if (version !== BYTECODE_VERSION) {
    r.fail(`unsupported bytecode version ${version} (this runtime reads version ${BYTECODE_VERSION})`, 4);
  }
  const flags = r.u16("flags");
  if (flags !== 0) r.fail(`unknown header flags 0x${flags.toString(16)}`, 6);
  return version;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function decodeUnchecked(bytes: Uint8Array): Program {
  const bodyEnd = bytes.length - CHECKSUM_SIZE;
  const r = new ProgramReader(bytes, 0, bodyEnd);
  const version = readHeader(r, bytes);

  const constants: Constant[] = [];
  readSection(r, SectionId.Constants, bodyEnd, () => {
    const n = r.count(MIN_CONSTANT_SIZE, "constant count");
    for (let i = 0; i < n; i++) {
      r.where = `constant ${i}`;
      constants.push(readConstant(r));
    }
  });

  const functions: FunctionProto[] = [];
  readSection(r, SectionId.Functions, bodyEnd, () => {
    const n = r.count(MIN_FUNCTION_SIZE, "function count");
    for (let i = 0; i < n; i++) functions.push(readFunction(r, i));
  });

  const classes: ClassLayout[] = [];
  readSection(r, SectionId.Classes, bodyEnd, () => {
    const n = r.count(MIN_CLASS_SIZE, "class count");
    for (let i = 0; i < n; i++) classes.push(readClass(r, i));
  });

  const globals: Program["globals"] = [];
  readSection(r, SectionId.Globals, bodyEnd, () => {
    const n = r.count(MIN_NAMED_INDEX_SIZE, "global count");
    for (let i = 0; i < n; i++) {
      r.where = `global ${i}`;
      globals.push({ name: r.string("name"), file: r.u32("file") });
    }
  });

  const files: Program["files"] = [];
  readSection(r, SectionId.Files, bodyEnd, () => {
    const n = r.count(MIN_NAMED_INDEX_SIZE, "file count");
    for (let i = 0; i < n; i++) {
      r.where = `file ${i}`;
      files.push({ name: r.string("name"), text: r.string("text") });
    }
  });

  const intrinsics: Program["intrinsics"] = [];
  readSection(r, SectionId.Intrinsics, bodyEnd, () => {
    const n = r.count(MIN_NAMED_INDEX_SIZE, "intrinsic count");
    for (let i = 0; i < n; i++) {
      r.where = `intrinsic ${i}`;
      intrinsics.push({ name: r.string("name"), global: r.u32("global") });
    }
  });

  let entry = 0;
  readSection(r, SectionId.Entry, bodyEnd, () => {
    entry = r.u32("entry");
  });

  if (r.pos !== bodyEnd) {
    r.where = "trailer";
    r.fail(`${bodyEnd - r.pos} bytes of trailing data after the last section`);
  }

  return { version, constants, functions, classes, globals, files, entry, intrinsics };
}

/**
 * Parses a `.rbc` file. Throws InvalidBytecodeError, and nothing else, for any input that is
 * not exactly what `encodeProgram` produces for some program (bad magic, checksum, version,
 * truncation, impossible lengths, malformed strings, unknown tags, trailing bytes).
 */
export function decodeProgram(bytes: Uint8Array): Program {
  if (!(bytes instanceof Uint8Array)) throw new InvalidBytecodeError("header", "input is not a byte array");
  try {
    return decodeUnchecked(bytes);
  } catch (e) {
    if (e instanceof InvalidBytecodeError) throw e;
    // Unreachable if the bounds checks above are complete; kept so a missed case still reaches
    // callers as the documented error. The fuzz tests fail if this message ever appears.
    throw new InvalidBytecodeError("program", `internal decoder error: ${String(e)}`);
  }
}
