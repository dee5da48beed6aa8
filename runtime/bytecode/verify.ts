// The bytecode verifier. It runs on every program before any of it executes (decoded from an
// untrusted file or freshly compiled) so the interpreter can trust what it reads: every opcode
// and operand is in range, jumps land on instruction starts, the operand stack has one known
// depth at every instruction (never negative, never above maxStack), no function can run off
// its end, closures capture slots their creators have, and the tables agree with each other.

import { InvalidBytecodeError } from "./errors";
import { BYTECODE_VERSION, type ClassLayout, type FunctionProto, type Program } from "./module";
import { jumpOperandIndex, Op, OP_NAMES, OPERAND_COUNT } from "./opcodes";
import { hasStackEffect, jumpEdgeDepth, popsOf, pushesOf } from "./stack-effects";

/** True when the program is run by `raya run` (its entry file's main() is called after the
 *  top-level code), false in a context of the Runtime (the host runs entries). No Raya source
 *  can name it: the entry function's epilogue alone loads it. */
export const RUNS_MAIN_BUILTIN = "<runs main>";

/** Names LOAD_BUILTIN may load. The VM implements exactly these. */
export const BUILTIN_NAMES: readonly string[] = [
  "console", "Math", "JSON", "Map", "Set", "Number", "String", "Boolean", "Date", "Array",
  "parseInt", "parseFloat", "isNaN", "isFinite", "NaN", "Infinity",
  "sleep", "Task", "Mutex", "Channel",
  // raya:vm
  "Vm", "Compiler", "VmError",
  RUNS_MAIN_BUILTIN,
];
const BUILTIN_SET: ReadonlySet<string> = new Set(BUILTIN_NAMES);

/** Opcodes the verifier has no stack-effect rule for (empty unless opcodes.ts grew). */
export function opcodesWithoutStackEffect(): string[] {
  return OP_NAMES.filter((_, op) => !hasStackEffect(op));
}

/** Limits that keep a hostile program from making the VM allocate huge frames. */
export const MAX_LOCALS = 65535;
export const MAX_STACK = 65535;
export const MAX_ARGUMENTS = 65535;


// Per-opcode tables, built once. The checks below index them by opcode instead of switching
// on `Op.X`: under per-file transpilation (tsx) every `Op.X` read is a property getter call,
// which made switch-heavy loops several times slower.
const OP_COUNT: number = Op.OP_COUNT;
const OPERANDS: readonly number[] = OPERAND_COUNT;

function opTable(entries: [number, Op[]][]): Int8Array {
  const table = new Int8Array(OP_COUNT).fill(-1);
  for (const [value, ops] of entries) for (const op of ops) table[op] = value;
  return table;
}

/** 1 for ops after which execution never continues at the next instruction. */
const TERMINATOR = opTable([[1, [Op.RETURN, Op.THROW, Op.JUMP]]]);

/** Operand position of an absolute jump target, or -1. */
const JUMP_AT = (() => {
  const table = new Int8Array(OP_COUNT);
  for (let op = 0; op < OP_COUNT; op++) table[op] = jumpOperandIndex(op);
  return table;
})();

/** Operand position of a name (a string constant: property, method, builtin, capability), or -1. */
const NAME_AT = opTable([[0, [
  Op.LOAD_BUILTIN, Op.CALL_METHOD, Op.CALL_METHOD_SPREAD, Op.SUPER_METHOD, Op.SUPER_GET, Op.SPAWN_METHOD,
  Op.GET_PROP, Op.SET_PROP, Op.LOAD_CAPABILITY, Op.OBJECT_REST, Op.SPAWN_METHOD_SPREAD,
]]]);

/** Operand position of an argument count, or -1. */
const ARGC_AT = opTable([
  [0, [Op.CALL, Op.SUPER_CALL, Op.SPAWN, Op.NEW]],
  [1, [Op.CALL_METHOD, Op.SUPER_METHOD, Op.SPAWN_METHOD]],
]);

// What operand 0 indexes (or counts), for the range checks.
const CHECK_CONST = 1, CHECK_LOCAL = 2, CHECK_GLOBAL = 3, CHECK_CAPTURE = 4, CHECK_CLOSURE = 5,
  CHECK_CLASS = 6, CHECK_SHAPE = 7, CHECK_COUNT = 8;
const OPERAND_CHECK = opTable([
  [CHECK_CONST, [Op.CONST]],
  [CHECK_LOCAL, [Op.LOAD_LOCAL, Op.STORE_LOCAL, Op.BOX_LOCAL, Op.LOAD_BOXED, Op.STORE_BOXED, Op.JUMP_IF_NOT_ABSENT]],
  [CHECK_GLOBAL, [Op.LOAD_GLOBAL, Op.STORE_GLOBAL]],
  [CHECK_CAPTURE, [Op.LOAD_CAPTURE, Op.STORE_CAPTURE]],
  [CHECK_CLOSURE, [Op.CLOSURE]],
  [CHECK_CLASS, [Op.CLASS]],
  [CHECK_SHAPE, [Op.NEW_OBJECT]],
  [CHECK_COUNT, [Op.NEW_ARRAY, Op.ARRAY_SLICE_FROM]],
]);
const OP_OBJECT_REST: number = Op.OBJECT_REST;
const OP_LOAD_BUILTIN: number = Op.LOAD_BUILTIN;

function isIndex(value: unknown, limit: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < limit;
}

function isCount(value: unknown, max = 0xffffffff): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;
}

function fail(where: string, problem: string): never {
  throw new InvalidBytecodeError(where, problem);
}

function failPc(where: string, pc: number, problem: string): never {
  throw new InvalidBytecodeError(`${where} pc ${pc}`, problem);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function fnLabel(index: number, fn: FunctionProto | undefined): string {
  return `function ${index} '${fn?.name}'`;
}

/**
 * Checks `program` and throws InvalidBytecodeError describing the first problem found, e.g.
 * `function 3 'fib' pc 12: jump target 999 is out of range`.
 */
export function verifyProgram(program: Program): void {
  if (program === null || typeof program !== "object") fail("program", "not a program object");
  if (program.version !== BYTECODE_VERSION) {
    fail("header", `unsupported bytecode version ${program.version} (expected ${BYTECODE_VERSION})`);
  }
  for (const table of ["constants", "functions", "classes", "globals", "files", "intrinsics"] as const) {
    if (!Array.isArray(program[table])) fail("program", `${table} is not an array`);
  }
  verifyConstants(program);
  verifyFiles(program);
  program.globals.forEach((g, i) => {
    if (typeof g.name !== "string") fail(`global ${i}`, "name is not a string");
    if (!isIndex(g.file, program.files.length)) fail(`global ${i} '${g.name}'`, `file ${g.file} is out of range`);
  });
  program.intrinsics.forEach((intrinsic, i) => {
    const where = `intrinsic ${i} '${intrinsic.name}'`;
    if (typeof intrinsic.name !== "string") fail(`intrinsic ${i}`, "name is not a string");
    if (!isIndex(intrinsic.global, program.globals.length)) fail(where, `global ${intrinsic.global} is out of range`);
  });
  program.classes.forEach((cls, i) => verifyClass(program, cls, i));
  program.functions.forEach((fn, i) => verifyFunction(program, fn, i));
  if (!isIndex(program.entry, program.functions.length)) {
    fail("entry", `entry function ${program.entry} is out of range (${program.functions.length} functions)`);
  }
  const entry = program.functions[program.entry];
  if (entry.captures.length !== 0) {
    fail("entry", `${fnLabel(program.entry, entry)} is the entry but has captures, and nothing creates it as a closure`);
  }
}

function verifyConstants(program: Program): void {
  program.constants.forEach((c, i) => {
    const where = `constant ${i}`;
    switch (c?.kind) {
      case "int":
        if (typeof c.value !== "number" || (c.value | 0) !== c.value || Object.is(c.value, -0)) {
          fail(where, `int constant ${String(c.value)} is not a 32-bit integer`);
        }
        return;
      case "number":
        if (typeof c.value !== "number") fail(where, "number constant does not hold a number");
        return;
      case "string":
        if (typeof c.value !== "string") fail(where, "string constant does not hold a string");
        return;
      default:
        fail(where, `unknown constant kind ${JSON.stringify((c as { kind?: unknown })?.kind)}`);
    }
  });
}

function verifyFiles(program: Program): void {
  program.files.forEach((f, i) => {
    if (typeof f.name !== "string" || typeof f.text !== "string") fail(`file ${i}`, "name and text must be strings");
  });
}

// ---------------------------------------------------------------------------------------------
// Classes and shapes

function verifyClass(program: Program, cls: ClassLayout, index: number): void {
  const where = `class ${index} '${cls.name}'`;
  if (typeof cls.name !== "string") fail(`class ${index}`, "name is not a string");
  if (cls.kind !== "class" && cls.kind !== "shape") fail(where, `unknown kind ${JSON.stringify(cls.kind)}`);
  if (!isIndex(cls.file, program.files.length)) fail(where, `file ${cls.file} is out of range`);
  if (!isCount(cls.line)) fail(where, `line ${cls.line} is not a non-negative integer`);
  if (typeof cls.abstract !== "boolean") fail(where, "abstract is not a boolean");
  checkUniqueNames(cls.fields, where, "field");
  checkUniqueNames(cls.staticFields, where, "static field");

  if (cls.kind === "shape") {
    if (cls.parent !== -1) fail(where, `a shape cannot have a parent (parent is ${cls.parent})`);
    if (cls.methods.length !== 0) fail(where, "a shape cannot have methods");
    if (cls.constructorFn !== -1) fail(where, `a shape cannot have a constructor (constructorFn is ${cls.constructorFn})`);
    if (cls.staticFields.length !== 0) fail(where, "a shape cannot have static fields");
    if (cls.abstract) fail(where, "a shape cannot be abstract");
    return;
  }

  if (cls.parent !== -1) {
    // Parents come first in the table, which also rules out inheritance cycles.
    if (!isIndex(cls.parent, index)) fail(where, `parent ${cls.parent} must be -1 or a class index below ${index}`);
    const parent = program.classes[cls.parent];
    if (parent.kind !== "class") fail(where, `parent ${cls.parent} '${parent.name}' is a shape, not a class`);
    parent.fields.forEach((name, slot) => {
      if (cls.fields[slot] !== name) {
        fail(where, `field slot ${slot} must be the inherited field '${name}' of class ${cls.parent} '${parent.name}'`);
      }
    });
  }

  checkMethodFunction(program, cls.constructorFn, where, "constructorFn");
  const seen = new Set<string>();
  cls.methods.forEach((m, i) => {
    const methodWhere = `${where} method ${i} '${m.name}'`;
    if (typeof m.name !== "string") fail(`${where} method ${i}`, "name is not a string");
    if (m.kind !== "method" && m.kind !== "get" && m.kind !== "set") fail(methodWhere, `unknown kind ${JSON.stringify(m.kind)}`);
    if (typeof m.static !== "boolean") fail(methodWhere, "static is not a boolean");
    const key = `${m.static ? "static " : ""}${m.kind} ${m.name}`;
    if (seen.has(key)) fail(methodWhere, `duplicate ${key}`);
    seen.add(key);
    checkMethodFunction(program, m.fn, methodWhere, "fn");
  });
}

function checkUniqueNames(names: string[], where: string, what: string): void {
  if (!Array.isArray(names)) fail(where, `${what} list is not an array`);
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== "string") fail(where, `${what} name is not a string`);
    if (seen.has(name)) fail(where, `duplicate ${what} '${name}'`);
    seen.add(name);
  }
}

function checkMethodFunction(program: Program, fnIndex: number, where: string, field: string): void {
  if (!isIndex(fnIndex, program.functions.length)) fail(where, `${field} ${fnIndex} is out of range`);
  const fn = program.functions[fnIndex];
  if (!fn.isMethod) fail(where, `${field} ${fnLabel(fnIndex, fn)} is not marked isMethod`);
}

// ---------------------------------------------------------------------------------------------
// Functions

function verifyFunction(program: Program, fn: FunctionProto, index: number): void {
  const where = fnLabel(index, fn);
  if (typeof fn.name !== "string") fail(`function ${index}`, "name is not a string");
  if (!isIndex(fn.file, program.files.length)) fail(where, `file ${fn.file} is out of range`);
  if (!isCount(fn.line) || !isCount(fn.column)) fail(where, `position ${fn.line}:${fn.column} is not valid`);
  if (!isCount(fn.arity, MAX_LOCALS)) fail(where, `arity ${fn.arity} is not valid`);
  if (!isCount(fn.numLocals, MAX_LOCALS)) fail(where, `numLocals ${fn.numLocals} is not between 0 and ${MAX_LOCALS}`);
  if (fn.numLocals < fn.arity + 1) {
    fail(where, `numLocals ${fn.numLocals} cannot hold slot 0 and ${fn.arity} parameters`);
  }
  if (!isCount(fn.maxStack, MAX_STACK)) fail(where, `maxStack ${fn.maxStack} is not between 0 and ${MAX_STACK}`);
  for (const flag of ["hasRest", "isAsync", "isMethod"] as const) {
    if (typeof fn[flag] !== "boolean") fail(where, `${flag} is not a boolean`);
  }
  if (fn.hasRest && fn.arity < 1) fail(where, "hasRest is set but the function has no parameters");
  fn.captures.forEach((cap, i) => {
    if (typeof cap.fromParentLocal !== "boolean" || !isCount(cap.index)) fail(`${where} capture ${i}`, "malformed descriptor");
  });
  if (!(fn.code instanceof Int32Array)) fail(where, "code is not an Int32Array");
  if (fn.code.length === 0) fail(where, "function has no code");

  const starts = findInstructionStarts(fn, where);
  checkOperands(program, fn, where, starts);
  checkLineTable(fn, where, starts);
  checkLocalInfo(fn, where);
  checkHandlerRanges(fn, where, starts);
  const depths = computeStackDepths(program, fn, where);
  checkHandlerDepths(fn, where, depths);
}

/** Marks the pc of every instruction; rejects unknown opcodes and a truncated last instruction. */
function findInstructionStarts(fn: FunctionProto, where: string): Uint8Array {
  const code = fn.code;
  const starts = new Uint8Array(code.length + 1);
  let pc = 0;
  while (pc < code.length) {
    const op = code[pc];
    if (op < 0 || op >= OP_COUNT) fail(`${where} pc ${pc}`, `invalid opcode ${op}`);
    if (!hasStackEffect(op)) fail(`${where} pc ${pc}`, `opcode ${OP_NAMES[op]} is not supported by this verifier`);
    starts[pc] = 1;
    const next = pc + 1 + OPERANDS[op];
    if (next > code.length) {
      fail(`${where} pc ${pc}`, `${OP_NAMES[op]} needs ${plural(OPERANDS[op], "operand")} but the code ends after ${code.length - pc - 1}`);
    }
    pc = next;
  }
  starts[code.length] = 1; // the end is a valid exclusive bound for ranges, never a jump target
  return starts;
}

function checkOperands(program: Program, fn: FunctionProto, where: string, starts: Uint8Array): void {
  const code = fn.code;
  const constants = program.constants;
  for (let pc = 0; pc < code.length; pc += 1 + OPERANDS[code[pc]]) {
    const op = code[pc];
    const a = code[pc + 1];

    const jumpAt = JUMP_AT[op];
    if (jumpAt >= 0) {
      const target = code[pc + 1 + jumpAt];
      if (target < 0 || target >= code.length) failPc(where, pc, `jump target ${target} is out of range`);
      if (!starts[target]) failPc(where, pc, `jump target ${target} is not the start of an instruction`);
    }
    if (NAME_AT[op] >= 0) checkNameOperands(program, op, code[pc + 1 + NAME_AT[op]], code[pc + 2], where, pc);
    const argcAt = ARGC_AT[op];
    if (argcAt >= 0) {
      const argc = code[pc + 1 + argcAt];
      if (argc < 0 || argc > MAX_ARGUMENTS) failPc(where, pc, `${OP_NAMES[op]} argument count ${argc} is out of range`);
    }

    switch (OPERAND_CHECK[op]) {
      case CHECK_CONST:
        if (!isIndex(a, constants.length)) failPc(where, pc, `constant ${a} is out of range`);
        break;
      case CHECK_LOCAL:
        if (!isIndex(a, fn.numLocals)) failPc(where, pc, `${OP_NAMES[op]} local slot ${a} is out of range (numLocals ${fn.numLocals})`);
        break;
      case CHECK_GLOBAL:
        if (!isIndex(a, program.globals.length)) failPc(where, pc, `${OP_NAMES[op]} global ${a} is out of range`);
        break;
      case CHECK_CAPTURE:
        if (!isIndex(a, fn.captures.length)) {
          failPc(where, pc, `${OP_NAMES[op]} capture ${a} is out of range (${fn.captures.length} captures)`);
        }
        break;
      case CHECK_CLOSURE:
        if (!isIndex(a, program.functions.length)) failPc(where, pc, `CLOSURE function ${a} is out of range`);
        checkCapturesAvailable(program, fn, a, where, pc);
        break;
      case CHECK_CLASS: {
        if (!isIndex(a, program.classes.length)) failPc(where, pc, `CLASS class ${a} is out of range`);
        const cls = program.classes[a];
        if (cls.kind !== "class") failPc(where, pc, `CLASS of class ${a} '${cls.name}', which is a shape`);
        checkCapturesAvailable(program, fn, cls.constructorFn, where, pc);
        for (const m of cls.methods) checkCapturesAvailable(program, fn, m.fn, where, pc);
        break;
      }
      case CHECK_SHAPE: {
        if (!isIndex(a, program.classes.length)) failPc(where, pc, `NEW_OBJECT class ${a} is out of range`);
        const cls = program.classes[a];
        if (cls.kind !== "shape") failPc(where, pc, `NEW_OBJECT of class ${a} '${cls.name}', which is not a shape`);
        break;
      }
      case CHECK_COUNT:
        if (a < 0) failPc(where, pc, `${OP_NAMES[op]} count ${a} is negative`);
        break;
      default:
        break;
    }
  }
}

/** The name operand `k` (and for OBJECT_REST the `count` keys from k) must be string constants. */
function checkNameOperands(program: Program, op: number, k: number, operand1: number, where: string, pc: number): void {
  const constants = program.constants;
  const name = OP_NAMES[op];
  const count = op === OP_OBJECT_REST ? operand1 : 1;
  if (count < 0) failPc(where, pc, `${name} key count ${count} is negative`);
  if (k < 0 || k + count > constants.length) failPc(where, pc, `${name} constant ${k} is out of range`);
  for (let i = k; i < k + count; i++) {
    if (constants[i].kind !== "string") failPc(where, pc, `${name} needs a string constant but constant ${i} is ${constants[i].kind}`);
  }
  if (op === OP_LOAD_BUILTIN && !BUILTIN_SET.has(constants[k].value as string)) {
    failPc(where, pc, `LOAD_BUILTIN of unknown builtin ${JSON.stringify(constants[k].value)}`);
  }
}

/** A closure of functions[childIndex] created in `parent` must find every capture it names. */
function checkCapturesAvailable(program: Program, parent: FunctionProto, childIndex: number, where: string, pc: number): void {
  const child = program.functions[childIndex];
  const at = `${where} pc ${pc}`;
  child.captures.forEach((cap, i) => {
    if (cap.fromParentLocal) {
      if (cap.index >= parent.numLocals) {
        fail(at, `${fnLabel(childIndex, child)} capture ${i} reads local ${cap.index}, but this function has ${parent.numLocals} locals`);
      }
    } else if (cap.index >= parent.captures.length) {
      fail(at, `${fnLabel(childIndex, child)} capture ${i} reads capture ${cap.index}, but this function has ${parent.captures.length} captures`);
    }
  });
}

function checkLineTable(fn: FunctionProto, where: string, starts: Uint8Array): void {
  let previous = -1;
  fn.lines.forEach((row, i) => {
    const at = `${where} line entry ${i}`;
    if (!isIndex(row.pc, fn.code.length)) fail(at, `pc ${row.pc} is out of range`);
    if (!starts[row.pc]) fail(at, `pc ${row.pc} is not the start of an instruction`);
    if (row.pc < previous) fail(at, `pc ${row.pc} is below the previous entry's pc ${previous}`);
    if (!isCount(row.line) || !isCount(row.column)) fail(at, `position ${row.line}:${row.column} is not valid`);
    previous = row.pc;
  });
}

function checkLocalInfo(fn: FunctionProto, where: string): void {
  fn.locals.forEach((local, i) => {
    const at = `${where} local ${i} '${local.name}'`;
    if (typeof local.name !== "string") fail(`${where} local ${i}`, "name is not a string");
    if (!isIndex(local.slot, fn.numLocals)) fail(at, `slot ${local.slot} is out of range (numLocals ${fn.numLocals})`);
    if (!isCount(local.startPc, fn.code.length) || !isCount(local.endPc, fn.code.length) || local.startPc > local.endPc) {
      fail(at, `live range [${local.startPc}, ${local.endPc}) is not valid`);
    }
    if (typeof local.boxed !== "boolean") fail(at, "boxed is not a boolean");
  });
}

function checkHandlerRanges(fn: FunctionProto, where: string, starts: Uint8Array): void {
  const length = fn.code.length;
  fn.handlers.forEach((h, i) => {
    const at = `${where} handler ${i}`;
    if (!isCount(h.startPc, length) || !isCount(h.endPc, length) || h.startPc >= h.endPc) {
      fail(at, `range [${h.startPc}, ${h.endPc}) is not valid`);
    }
    if (!starts[h.startPc] || !starts[h.endPc]) fail(at, `range [${h.startPc}, ${h.endPc}) does not start and end at instruction boundaries`);
    if (!isIndex(h.handlerPc, length) || !starts[h.handlerPc]) fail(at, `handler pc ${h.handlerPc} is not the start of an instruction`);
    if (!isCount(h.stackDepth) || h.stackDepth + 1 > fn.maxStack) {
      fail(at, `stack depth ${h.stackDepth} plus the thrown value exceeds maxStack ${fn.maxStack}`);
    }
    if (h.isFinally !== undefined && typeof h.isFinally !== "boolean") fail(at, "isFinally is not a boolean");
    // A finally handler keeps the thrown value in a local to rethrow it after the block; the
    // VM's cancellation signal passes through it, so it must not be used as a value first.
    if (h.isFinally === true && fn.code[h.handlerPc] !== Op.STORE_LOCAL) {
      fail(at, "a finally handler must start by storing the thrown value (STORE_LOCAL)");
    }
  });
}

/**
 * Data flow over the control-flow graph: the operand stack depth before each instruction
 * (-1 where unreachable). Entry has depth 0; a handler's entry has its stackDepth + 1.
 */
function computeStackDepths(program: Program, fn: FunctionProto, where: string): Int32Array {
  const code = fn.code;
  const depths = new Int32Array(code.length).fill(-1);
  const work = new Int32Array(code.length);
  let workLength = 0;

  // `fromPc` is the instruction leading to `target`, or -1 - i for the entry of handler i.
  const origin = (fromPc: number): string => (fromPc >= 0 ? `${where} pc ${fromPc}` : `${where} handler ${-1 - fromPc}`);
  const reach = (target: number, depth: number, fromPc: number): void => {
    if (depth > fn.maxStack) fail(origin(fromPc), `stack depth ${depth} exceeds maxStack ${fn.maxStack}`);
    const known = depths[target];
    if (known === -1) {
      depths[target] = depth;
      work[workLength++] = target;
    } else if (known !== depth) {
      fail(origin(fromPc), `stack depth ${depth} at pc ${target} differs from depth ${known} on another path to it`);
    }
  };

  reach(0, 0, 0);
  fn.handlers.forEach((h, i) => reach(h.handlerPc, h.stackDepth + 1, -1 - i));

  while (workLength > 0) {
    const pc = work[--workLength];
    const op = code[pc];
    const depth = depths[pc];
    const pops = popsOf(op, code[pc + 1], code[pc + 2], (cls) => program.classes[cls].fields.length);
    if (depth < pops) failPc(where, pc, `${OP_NAMES[op]} needs ${plural(pops, "stack value")} but the stack holds ${depth}`);
    const after = depth - pops + pushesOf(op);
    const next = pc + 1 + OPERANDS[op];

    const jumpAt = JUMP_AT[op];
    if (jumpAt >= 0) {
      reach(code[pc + 1 + jumpAt], jumpEdgeDepth(op, depth, after), pc);
    }
    if (TERMINATOR[op] < 0) {
      if (next >= code.length) failPc(where, pc, `execution falls off the end of the function after ${OP_NAMES[op]}`);
      reach(next, after, pc);
    }
  }
  return depths;
}

function checkHandlerDepths(fn: FunctionProto, where: string, depths: Int32Array): void {
  fn.handlers.forEach((h, i) => {
    for (let pc = h.startPc; pc < h.endPc; pc++) {
      if (depths[pc] !== -1 && depths[pc] < h.stackDepth) {
        fail(`${where} handler ${i}`, `protects pc ${pc} where the stack holds ${depths[pc]} values, fewer than its stackDepth ${h.stackDepth}`);
      }
    }
  });
}
