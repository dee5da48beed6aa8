// A human-readable listing of a Program (`raya disasm FILE`). It never throws on a malformed
// program: bad operands print as <invalid ...> so a listing can help find what the verifier
// rejected.

import type { Constant, FunctionProto, Program } from "./module";
import { jumpOperandIndex, Op, OP_NAMES, OPERAND_COUNT } from "./opcodes";

export interface DisassembleOptions {
  /** Print the source line (from the embedded file text) before each new line-table entry. */
  withSource?: boolean;
}

const MAX_STRING_SHOWN = 60;

export function disassemble(program: Program, options: DisassembleOptions = {}): string {
  const out: string[] = [];
  const sourceLines = new Map<number, string[]>();
  const linesOf = (file: number): string[] | undefined => {
    const f = program.files[file];
    if (!f) return undefined;
    let lines = sourceLines.get(file);
    if (!lines) {
      lines = f.text.split("\n");
      sourceLines.set(file, lines);
    }
    return lines;
  };

  writeProgramHeader(program, out);
  program.functions.forEach((fn, index) => {
    out.push("");
    writeFunction(program, fn, index, out, options.withSource ? linesOf : undefined);
  });
  return out.join("\n") + "\n";
}

function writeProgramHeader(program: Program, out: string[]): void {
  const entry = program.functions[program.entry];
  out.push(
    `; Raya bytecode version ${program.version}: ${program.constants.length} constants, ` +
      `${program.functions.length} functions, ${program.classes.length} classes, ` +
      `${program.globals.length} globals, ${program.files.length} files`,
  );
  out.push(`; entry: function ${program.entry}${entry ? ` '${entry.name}'` : " <invalid>"}`);
  program.files.forEach((f, i) => out.push(`; file ${i}: ${f.name} (${f.text.length} chars)`));
  program.globals.forEach((g, i) => out.push(`; global ${i}: ${g.name}`));
  program.intrinsics.forEach((intr) => out.push(`; intrinsic ${intr.name} = global ${intr.global}`));
  program.classes.forEach((cls, i) => {
    const parts = [`; ${cls.kind} ${i} '${cls.name}'`];
    if (cls.abstract) parts.push("abstract");
    if (cls.parent >= 0) parts.push(`extends ${cls.parent} '${program.classes[cls.parent]?.name ?? "<invalid>"}'`);
    parts.push(`fields {${cls.fields.join(", ")}}`);
    if (cls.staticFields.length > 0) parts.push(`static fields {${cls.staticFields.join(", ")}}`);
    if (cls.constructorFn >= 0) parts.push(`constructor ${functionRef(program, cls.constructorFn)}`);
    for (const m of cls.methods) {
      const prefix = `${m.static ? "static " : ""}${m.kind === "method" ? "" : m.kind + " "}`;
      parts.push(`${prefix}${m.name} = ${functionRef(program, m.fn)}`);
    }
    out.push(parts.join(", "));
  });
}

function functionRef(program: Program, index: number): string {
  const fn = program.functions[index];
  return fn ? `fn ${index} '${fn.name}'` : `fn ${index} <invalid>`;
}

function writeFunction(
  program: Program,
  fn: FunctionProto,
  index: number,
  out: string[],
  linesOf: ((file: number) => string[] | undefined) | undefined,
): void {
  const flags = [fn.isAsync && "async", fn.isMethod && "method", fn.hasRest && "rest", index === program.entry && "entry"]
    .filter(Boolean)
    .join(" ");
  const fileName = program.files[fn.file]?.name ?? `<file ${fn.file}>`;
  out.push(
    `function ${index} '${fn.name}' (${fileName}:${fn.line}:${fn.column})` +
      `  arity ${fn.arity}, locals ${fn.numLocals}, maxStack ${fn.maxStack}, ` +
      `captures ${fn.captures.length}, handlers ${fn.handlers.length}${flags ? `  [${flags}]` : ""}`,
  );
  if (fn.captures.length > 0) {
    const caps = fn.captures.map((c, i) => `${i} = parent ${c.fromParentLocal ? "local" : "capture"} ${c.index}`);
    out.push(`  captures: ${caps.join(", ")}`);
  }
  fn.handlers.forEach((h, i) => {
    out.push(`  handler ${i}: [${h.startPc}, ${h.endPc}) -> ${h.handlerPc}, stack depth ${h.stackDepth}`);
  });
  for (const local of fn.locals) {
    out.push(`  local ${local.name}: slot ${local.slot}, pc [${local.startPc}, ${local.endPc})${local.boxed ? ", boxed" : ""}`);
  }

  const code = fn.code;
  const pcWidth = Math.max(4, String(code.length - 1).length);
  let lineIndex = 0;
  let lastShownLine = -1;
  for (let pc = 0; pc < code.length; ) {
    // Line-table rows for this pc (several rows at one pc: the last one is in effect).
    let row: FunctionProto["lines"][number] | undefined;
    while (lineIndex < fn.lines.length && fn.lines[lineIndex].pc <= pc) row = fn.lines[lineIndex++];
    if (row && row.line !== lastShownLine) {
      lastShownLine = row.line;
      const text = linesOf?.(fn.file)?.[row.line - 1];
      out.push(text === undefined ? `  ; line ${row.line}:${row.column}` : `  ; ${fileName}:${row.line} | ${text.replace(/\r$/, "")}`);
    }
    fn.handlers.forEach((h, i) => {
      if (h.startPc === pc) out.push(`  ; try: handler ${i} protects [${h.startPc}, ${h.endPc})`);
      if (h.handlerPc === pc) out.push(`  ; catch: handler ${i} entry, thrown value on top of ${h.stackDepth}`);
    });
    const op = code[pc];
    const pcText = String(pc).padStart(pcWidth);
    if (op < 0 || op >= Op.OP_COUNT) {
      out.push(`  ${pcText}  <invalid opcode ${op}>`);
      pc += 1;
      continue;
    }
    const count = OPERAND_COUNT[op];
    if (pc + count >= code.length) {
      out.push(`  ${pcText}  ${OP_NAMES[op]} <truncated: ${count} operands expected>`);
      break;
    }
    const operands = formatOperands(program, fn, pc);
    out.push(`  ${pcText}  ${operands ? OP_NAMES[op].padEnd(20) + operands : OP_NAMES[op]}`);
    pc += 1 + count;
  }
}

/** The operand text of the instruction at `pc`, decoded for reading. */
function formatOperands(program: Program, fn: FunctionProto, pc: number): string {
  const code = fn.code;
  const op = code[pc];
  const a = code[pc + 1];
  const b = code[pc + 2];
  const jumpAt = jumpOperandIndex(op);
  const target = jumpAt >= 0 ? `-> ${code[pc + 1 + jumpAt]}` : "";
  switch (op) {
    case Op.CONST:
      return constantText(program.constants[a], a);
    case Op.PUSH_INT: case Op.NEW_ARRAY: case Op.ARRAY_SLICE_FROM:
      return String(a);
    case Op.LOAD_LOCAL: case Op.STORE_LOCAL: case Op.BOX_LOCAL: case Op.LOAD_BOXED: case Op.STORE_BOXED:
      return localText(fn, a, pc);
    case Op.JUMP_IF_NOT_ABSENT:
      return `${localText(fn, a, pc)}, ${target}`;
    case Op.LOAD_GLOBAL: case Op.STORE_GLOBAL: {
      const g = program.globals[a];
      return g ? `${a} (${g.name})` : `${a} <invalid global>`;
    }
    case Op.LOAD_CAPTURE: case Op.STORE_CAPTURE:
      return `cap ${a}`;
    case Op.LOAD_BUILTIN: case Op.GET_PROP: case Op.SET_PROP: case Op.SUPER_GET: case Op.CALL_METHOD_SPREAD:
    case Op.LOAD_CAPABILITY: case Op.SPAWN_METHOD_SPREAD:
      return constantText(program.constants[a], a);
    case Op.CALL_METHOD: case Op.SUPER_METHOD: case Op.SPAWN_METHOD:
      return `${constantText(program.constants[a], a)}, argc ${b}`;
    case Op.CALL: case Op.SUPER_CALL: case Op.SPAWN: case Op.NEW:
      return `argc ${a}`;
    case Op.CLOSURE:
      return functionRef(program, a);
    case Op.CLASS: case Op.NEW_OBJECT: {
      const cls = program.classes[a];
      if (!cls) return `${a} <invalid class>`;
      return cls.kind === "shape" ? `shape ${a} {${cls.fields.join(", ")}}` : `class ${a} '${cls.name}'`;
    }
    case Op.OBJECT_REST: {
      const keys: string[] = [];
      for (let i = 0; i < b && i < 1000; i++) keys.push(constantText(program.constants[a + i], a + i));
      return `[${keys.join(", ")}]`;
    }
    default:
      return target;
  }
}

function constantText(c: Constant | undefined, index: number): string {
  if (!c) return `#${index} <invalid constant>`;
  switch (c.kind) {
    case "string": {
      const quoted = JSON.stringify(c.value);
      return quoted.length > MAX_STRING_SHOWN ? `${quoted.slice(0, MAX_STRING_SHOWN)}..."` : quoted;
    }
    case "int":
      return String(c.value);
    case "number":
      // Show a float as a float, so 1.0 (number) and 1 (int) are told apart.
      if (Object.is(c.value, -0)) return "-0.0";
      return Number.isInteger(c.value) && !/e/.test(String(c.value)) ? `${c.value}.0` : String(c.value);
    default:
      return `#${index} <invalid constant>`;
  }
}

function localText(fn: FunctionProto, slot: number, pc: number): string {
  let name: string | undefined;
  for (const local of fn.locals) {
    if (local.slot !== slot) continue;
    if (pc >= local.startPc && pc < local.endPc) {
      name = local.name;
      break;
    }
    name ??= local.name;
  }
  if (name === undefined && slot === 0) name = fn.isMethod ? "this" : "<callee>";
  return name === undefined ? String(slot) : `${slot} (${name})`;
}
