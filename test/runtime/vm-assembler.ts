// A small assembler for hand-written VM tests: builds a verified Program from opcode lists.
// Code is a list of numbers (opcodes and operands), label definitions "name:" and label
// references "@name" (resolved to the label's pc).
import type { ClassLayout, Constant, ExceptionHandler, FunctionProto, LineEntry, Program } from "../../runtime/bytecode/module";
import { OPERAND_COUNT } from "../../runtime/bytecode/opcodes";
import { verifyProgram } from "../../runtime/bytecode/verify";

export type CodeItem = number | string;

export interface FunctionSpec {
  name: string;
  arity?: number;
  hasRest?: boolean;
  numLocals?: number;
  maxStack?: number;
  isAsync?: boolean;
  isMethod?: boolean;
  captures?: { fromParentLocal: boolean; index: number }[];
  code: CodeItem[];
  /** Handlers with label names for the pcs. */
  handlers?: { start: string; end: string; handler: string; stackDepth: number }[];
  /** Line of each instruction, by instruction index; defaults to line = instruction index + 1. */
  lines?: number[];
}

interface Assembled {
  code: Int32Array;
  labels: Map<string, number>;
  instructionStarts: number[];
}

export function assemble(items: CodeItem[]): Assembled {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const item of items) {
    if (typeof item === "string" && item.endsWith(":")) labels.set(item.slice(0, -1), pc);
    else pc++;
  }
  const code: number[] = [];
  const instructionStarts: number[] = [];
  let operandsLeft = 0;
  for (const item of items) {
    if (typeof item === "string" && item.endsWith(":")) continue;
    let value: number;
    if (typeof item === "string") {
      const target = labels.get(item.slice(1));
      if (target === undefined) throw new Error(`unknown label ${item}`);
      value = target;
    } else {
      value = item;
    }
    if (operandsLeft === 0) {
      instructionStarts.push(code.length);
      operandsLeft = OPERAND_COUNT[value];
    } else {
      operandsLeft--;
    }
    code.push(value);
  }
  return { code: Int32Array.from(code), labels, instructionStarts };
}

export class ProgramBuilder {
  readonly constants: Constant[] = [];
  readonly functions: FunctionProto[] = [];
  readonly classes: ClassLayout[] = [];
  readonly globals: { name: string; file: number }[] = [];
  readonly intrinsics: { name: string; global: number }[] = [];

  str(value: string): number {
    const found = this.constants.findIndex((c) => c.kind === "string" && c.value === value);
    if (found >= 0) return found;
    this.constants.push({ kind: "string", value });
    return this.constants.length - 1;
  }

  num(value: number): number {
    this.constants.push({ kind: Number.isInteger(value) && (value | 0) === value ? "int" : "number", value });
    return this.constants.length - 1;
  }

  global(name: string): number {
    this.globals.push({ name, file: 0 });
    return this.globals.length - 1;
  }

  /** Reserves a function slot so code can refer to it before it is defined. */
  reserve(): number {
    this.functions.push(null as unknown as FunctionProto);
    return this.functions.length - 1;
  }

  fn(spec: FunctionSpec, index: number = this.reserve()): number {
    const { code, labels, instructionStarts } = assemble(spec.code);
    const label = (name: string): number => {
      const pc = labels.get(name);
      if (pc === undefined) throw new Error(`unknown label ${name}`);
      return pc;
    };
    const handlers: ExceptionHandler[] = (spec.handlers ?? []).map((h) => ({
      startPc: label(h.start),
      endPc: label(h.end),
      handlerPc: label(h.handler),
      stackDepth: h.stackDepth,
    }));
    const lines: LineEntry[] = instructionStarts.map((pc, i) => ({ pc, line: spec.lines?.[i] ?? i + 1, column: 1 }));
    const arity = spec.arity ?? 0;
    this.functions[index] = {
      name: spec.name,
      file: 0,
      line: 1,
      column: 1,
      arity,
      hasRest: spec.hasRest ?? false,
      numLocals: spec.numLocals ?? arity + 1,
      maxStack: spec.maxStack ?? 16,
      isAsync: spec.isAsync ?? false,
      isMethod: spec.isMethod ?? false,
      captures: spec.captures ?? [],
      code,
      lines,
      handlers,
      locals: [],
    };
    return index;
  }

  cls(layout: Partial<ClassLayout> & { name: string }): number {
    this.classes.push({
      kind: "class",
      parent: -1,
      fields: [],
      methods: [],
      constructorFn: -1,
      staticFields: [],
      abstract: false,
      file: 0,
      line: 1,
      ...layout,
    });
    return this.classes.length - 1;
  }

  shape(fields: string[]): number {
    return this.cls({ name: `{${fields.join(", ")}}`, kind: "shape", fields });
  }

  build(entry: number): Program {
    const program: Program = {
      version: 1,
      constants: this.constants,
      functions: this.functions,
      classes: this.classes,
      globals: this.globals,
      files: [{ name: "test.raya", text: "" }],
      entry,
      intrinsics: this.intrinsics,
    };
    verifyProgram(program);
    return program;
  }
}
