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
