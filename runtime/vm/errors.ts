// JavaScript exceptions the VM uses internally to raise Raya errors. Neither ever escapes the
// interpreter: it catches them and unwinds the Raya stack to the nearest handler.

export type VmErrorKind = "Error" | "TypeError" | "RangeError" | "SyntaxError";

/** An error the VM or a native raises; the interpreter turns it into an instance of the
 *  prelude's class of that name, with the Raya stack trace of the faulting instruction. */
export class VmError extends Error {
  constructor(
    readonly kind: VmErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** What ended or refused a context operation, as raya:vm's VmError and the host API report it
 *  (raya:vm's declarations list the same kinds from this array). */
export const CONTEXT_ERROR_KINDS = [
  "HeapLimitExceeded", "TaskLimitExceeded", "StepBudgetExceeded", "RuntimeError", "CapabilityNotFound",
  "Terminated", "MarshalError", "InvalidBytecode", "InvalidSnapshot", "EntryNotFound", "CompileError",
] as const;
export type ContextErrorKind = (typeof CONTEXT_ERROR_KINDS)[number];

/** A frame of a Raya stack trace, innermost first in a trace. */
export interface TraceFrame {
  function: string;
  file: string;
  line: number;
  column: number;
}

/**
 * A failure of (or in) a context. Hosts see it as the `VmError` of runtime/index.ts; a native of
 * raya:vm throws it inside the interpreter, which turns it into an instance of the prelude's
 * VmError class (with `kind` and `contextId`) that Raya code can catch.
 */
export class ContextError extends Error {
  constructor(
    readonly kind: ContextErrorKind,
    message: string,
    /** The context the failure belongs to (0 when there is none yet). */
    readonly contextId: number,
    /** The inner Raya stack, innermost frame first (RuntimeError only). */
    readonly rayaStack: TraceFrame[] | null = null,
  ) {
    super(message);
    this.name = "VmError";
  }
}

/** A Raya value being thrown (THROW, or an awaited Task's failure rethrown). */
export class RayaThrow {
  constructor(readonly value: unknown) {}
}

export function typeError(message: string): VmError {
  return new VmError("TypeError", message);
}

export function rangeError(message: string): VmError {
  return new VmError("RangeError", message);
}

/**
 * A context's heap account refused an allocation even after collecting (docs/heap-accounting.md).
 * Deliberately not a VmError, RangeError or TypeError: the interpreter does not turn it into a
 * Raya error (handling it would itself allocate), so it ends the slice and the context's owner
 * ends the context with VmError kind HeapLimitExceeded.
 */
export class HeapLimitExceeded {
  constructor(
    readonly limit: number,
    readonly requested: number,
    readonly live: number,
  ) {}
}

/** The account being charged: only the part of heap.ts's HeapAccount this module needs. */
interface Chargeable {
  readonly limit: number;
  used: number;
  charge(bytes: number): boolean;
}

/** Charges `bytes` to a limited context's account; throws HeapLimitExceeded when they do not fit. */
export function chargeHeap(heap: Chargeable, bytes: number): void {
  if (!heap.charge(bytes)) throw new HeapLimitExceeded(heap.limit, bytes, heap.used);
}
