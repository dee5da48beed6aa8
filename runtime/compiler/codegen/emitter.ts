// The code buffer of one function under construction: instructions, labels with back-patching,
// exact operand-stack depth tracking (for maxStack and for the depth at every merge point),
// the line table, the exception table and the debugger's local-variable table.
import type { ExceptionHandler, LineEntry, LocalVarInfo } from "../../bytecode/module";
import { hasStackEffect, jumpEdgeDepth, popsOf, pushesOf } from "../../bytecode/stack-effects";
import { Op, OPERAND_COUNT } from "../../bytecode/opcodes";

/** A jump target. `depth` is the operand-stack depth every path must have when it arrives. */
export class Label {
  pc = -1;
  depth = -1;
  readonly refs: number[] = []; // operand positions to patch with `pc`
}

/** Thrown for internal inconsistencies: a bug in codegen, never a user error. */
export class CodegenError extends Error {
  /** Where the unsupported construct is, when the error is about the source (not an internal fault). */
  readonly at: { file: string; line: number; column: number } | null;
  constructor(message: string, at: { file: string; line: number; column: number } | null = null) {
    super(message);
    this.name = "CodegenError";
    this.at = at;
  }
}


const TERMINATORS: ReadonlySet<Op> = new Set([Op.RETURN, Op.THROW, Op.JUMP]);

export class Emitter {
  private readonly code: number[] = [];
  /** Operand-stack depth before the next instruction. */
  depth = 0;
  maxDepth = 0;
  /** False after a JUMP/RETURN/THROW until a label that something jumps to is placed. */
  reachable = true;
  readonly lines: LineEntry[] = [];
  readonly handlers: ExceptionHandler[] = [];
  readonly locals: LocalVarInfo[] = [];

  /**
   * @param fieldCountOf number of fields of class table entry `cls` (NEW_OBJECT pops that many)
   */
  constructor(private readonly fieldCountOf: (cls: number) => number) {}

  get pc(): number {
    return this.code.length;
  }

  emit(op: Op, a = 0, b = 0): void {
    const pops = this.popsOf(op, a, b);
    const pushes = pushesOf(op);
    if (this.depth < pops) {
      throw new CodegenError(`stack underflow emitting opcode ${op} at pc ${this.code.length}: depth ${this.depth}, needs ${pops}`);
    }
    this.code.push(op);
    const count = OPERAND_COUNT[op];
    if (count >= 1) this.code.push(a);
    if (count >= 2) this.code.push(b);
    this.setDepth(this.depth - pops + pushes);
    if (TERMINATORS.has(op)) this.reachable = false;
  }

  /** Emits a jump-carrying instruction to `label` (its target operand is patched when placed). */
  emitJump(op: Op, label: Label, extraOperand?: number): void {
    const before = this.depth;
    const pops = this.popsOf(op, 0, 0);
    const after = before - pops + pushesOf(op);
    const jumpDepth = jumpEdgeDepth(op, before, after);
    this.noteArrival(label, jumpDepth);
    if (op === Op.JUMP_IF_NOT_ABSENT) {
      // operands: slot, target
      this.code.push(op, extraOperand ?? 0);
      label.refs.push(this.code.length);
      this.code.push(label.pc);
    } else {
      if (before < pops) throw new CodegenError(`stack underflow at jump, depth ${before}`);
      this.code.push(op);
      label.refs.push(this.code.length);
      this.code.push(label.pc);
      this.setDepth(after);
    }
    if (op === Op.JUMP) this.reachable = false;
  }

  /** Places `label` here; the depth becomes the one recorded by the jumps to it. */
  place(label: Label): void {
    if (label.pc >= 0) throw new CodegenError("label placed twice");
    label.pc = this.code.length;
    if (this.reachable) {
      this.noteArrival(label, this.depth);
    } else if (label.depth >= 0) {
      this.depth = label.depth;
      this.reachable = true;
    } else {
      // Nothing reaches it yet (a backward target after dead code): keep the current depth.
      label.depth = this.depth;
      this.reachable = true;
    }
    for (const ref of label.refs) this.code[ref] = label.pc;
  }

  /** Records the depth `label` will have without emitting a jump (a branch folded away at compile time). */
  expectAt(label: Label, depth: number): void {
    this.noteArrival(label, depth);
  }

  /** A backward jump target whose depth is the current depth. */
  here(): Label {
    const label = new Label();
    this.place(label);
    return label;
  }

  /** Marks the entry of an exception handler: the stack holds `stackDepth` values plus the thrown one. */
  placeHandler(label: Label, stackDepth: number): void {
    if (label.pc >= 0 || label.refs.length > 0) throw new CodegenError("a handler label must be fresh");
    label.pc = this.code.length;
    label.depth = stackDepth + 1;
    this.reachable = true;
    this.setDepth(stackDepth + 1);
  }

  /** Adds a line-table row when the position differs from the one in effect. */
  position(line: number, column: number): void {
    const last = this.lines[this.lines.length - 1];
    if (last && last.line === line && last.column === column) return;
    if (last && last.pc === this.code.length) {
      last.line = line;
      last.column = column;
      const previous = this.lines[this.lines.length - 2];
      if (previous && previous.line === line && previous.column === column) this.lines.pop();
      return;
    }
    this.lines.push({ pc: this.code.length, line, column });
  }

  finish(): Int32Array {
    return Int32Array.from(this.code);
  }

  private noteArrival(label: Label, depth: number): void {
    if (label.depth === -1) {
      label.depth = depth;
    } else if (label.depth !== depth) {
      throw new CodegenError(`inconsistent stack depth at label: ${label.depth} vs ${depth}`);
    }
  }

  private setDepth(depth: number): void {
    this.depth = depth;
    if (depth > this.maxDepth) this.maxDepth = depth;
  }

  private popsOf(op: Op, a: number, b: number): number {
    if (!hasStackEffect(op)) throw new CodegenError(`no stack effect known for opcode ${op}`);
    return popsOf(op, a, b, this.fieldCountOf);
  }
}
