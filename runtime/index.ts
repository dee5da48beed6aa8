// The Raya engine's public API. Everything outside runtime/ (CLI, debug adapter, language
// server, tests of other parts) uses only what this file exports.
import type { Program } from "./bytecode/module";
import { decodeProgram } from "./bytecode/decode";
import { verifyProgram } from "./bytecode/verify";
import { runProgram, type RunOptions, type RunOutcome } from "./vm/run";

export type { Program } from "./bytecode/module";
export type { Diagnostic } from "./compiler/diagnostics";
export { CompileError, formatDiagnostic } from "./compiler/diagnostics";
export { compile, analyze, type CompileOptions, type AnalysisResult } from "./compiler/compile";
export { encodeProgram } from "./bytecode/encode";
export { InvalidBytecodeError } from "./bytecode/errors";
export { disassemble } from "./bytecode/disasm";
export { verifyProgram } from "./bytecode/verify";
export { RayaRuntimeError, type RunOptions, type RunOutcome, type RunView, type StackFrameInfo } from "./vm/run";
export { resumeProgram, type ContextRunStats } from "./vm/run";
export { InvalidSnapshotError } from "./vm/snapshot";
export * from "./debug";
export { Runtime, ContextHandle, TaskHandle, VmError, type VmErrorKind, type ContextOptions, type ContextLimits, type ContextStats, type ContextInfo, type ContextState, type RuntimeEvents, type Capability, type TaskOutcome, type RestoreRuntimeOptions, type RestoreContextOptions } from "./vm/runtime";
export { attachInnerVms, type InnerVmHost } from "./vm/inner-vm";

/** Decodes `.rbc` bytes and verifies them; throws InvalidBytecodeError naming the problem. */
export function loadProgram(bytes: Uint8Array): Program {
  const program = decodeProgram(bytes);
  verifyProgram(program);
  return program;
}

/** Runs a compiled program to completion. Rejects with RayaRuntimeError on an uncaught Raya error. */
export function run(program: Program, options?: RunOptions): Promise<RunOutcome> {
  return runProgram(program, options);
}
export * as query from "./compiler/query";
