// The `raya:vm` module as the checker sees it: Raya `declare` source, parsed by the real parser
// and bound like any module's exports. The VM implements it in runtime/vm/inner-vm.ts (Vm,
// Compiler) and the prelude (VmError); docs/inner-vm.md describes the semantics.
//
// Bytes (a program's bytecode, a snapshot) are int[] of 0..255: they are data Raya code can
// keep, pass between contexts and store, and every consumer validates them.
import { CONTEXT_ERROR_KINDS } from "../../vm/errors";

export const RAYA_VM_SOURCE = `
export type VmErrorKind = ${CONTEXT_ERROR_KINDS.map((kind) => `"${kind}"`).join(" | ")};

export declare class VmError extends Error {
  private constructor();
  readonly kind: VmErrorKind;
  readonly contextId: int;
}

export type VmOptions = {
  name?: string;
  maxHeapBytes?: number;
  maxTasks?: number;
  maxStepBudget?: number;
  weight?: number;
};

export type VmStats = {
  heapBytesUsed: number;
  maxHeapBytes: number | null;
  tasks: int;
  maxTasks: number | null;
  stepsExecuted: number;
  maxStepBudget: number | null;
  state: string;
};

export type CompiledProgram = {
  name: string;
  bytecode: int[];
};

export declare class Vm {
  constructor(options?: VmOptions);
  static restore(snapshot: int[], options?: VmOptions): Vm;
  readonly id: int;
  readonly name: string;
  readonly state: string;
  registerCapability(name: string, fn: (...args: never[]) => unknown): void;
  loadBytecode(bytecode: int[]): Task<unknown>;
  loadSource(source: string, name: string): Task<unknown>;
  runEntry<T>(name: string, args?: unknown[]): Task<T>;
  spawn<T>(name: string, args?: unknown[]): Task<T>;
  getStats(): VmStats;
  snapshot(): int[];
  restore(snapshot: int[]): Task<unknown>[];
  terminate(): void;
}

export declare class Compiler {
  constructor();
  compileString(source: string, name: string): CompiledProgram;
  compileFile(path: string): CompiledProgram;
}
`;

export const RAYA_VM_FILENAME = "raya:vm";
