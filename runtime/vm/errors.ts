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
