// Reading native arguments straight from the Task's stack: the receiver (or callee) is at
// stack[at], argument i at stack[at + 1 + i]. A missing argument reads as null.
import { chargeHeap } from "../errors";
import { stringBytes, type HeapAccount } from "../heap";
import { ABSENT, type NativeHost } from "../value";

export function arg(stack: unknown[], at: number, argc: number, i: number): unknown {
  if (i >= argc) return null;
  const value = stack[at + 1 + i];
  return value === ABSENT ? null : value;
}

/** An optional argument as JavaScript's `undefined` when it was not passed (or is null). */
export function optional(stack: unknown[], at: number, argc: number, i: number): unknown {
  const value = arg(stack, at, argc, i);
  return value === null ? undefined : value;
}

export function numberArg(stack: unknown[], at: number, argc: number, i: number): number {
  return arg(stack, at, argc, i) as number;
}

export function stringArg(stack: unknown[], at: number, argc: number, i: number): string {
  return arg(stack, at, argc, i) as string;
}

/** Arguments i.. as an array (for variadic natives such as Math.max). */
export function restArgs(stack: unknown[], at: number, argc: number, from: number): unknown[] {
  const out: unknown[] = [];
  for (let i = from; i < argc; i++) out.push(stack[at + 1 + i]);
  return out;
}

/** JavaScript's undefined never escapes into Raya: it becomes null. */
export function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

/** The calling context's heap account when it has a maxHeapBytes, else null. Natives get the
 *  VmContext as their host; a host without an account (a test double) charges nothing. */
export function heapOf(vm: NativeHost): HeapAccount | null {
  return (vm as { heap?: HeapAccount | null }).heap ?? null;
}

/** Charges a new string a native made to the calling context's account (when it has one). */
export function chargeString(vm: NativeHost, text: unknown): void {
  const heap = heapOf(vm);
  if (heap !== null && typeof text === "string") chargeHeap(heap, stringBytes(text));
}

/** Charges `bytes` to the calling context's account (callers test heapOf first, so the
 *  price is computed only for a limited context). */
export function chargeBytes(vm: NativeHost, bytes: number): void {
  const heap = heapOf(vm);
  if (heap !== null) chargeHeap(heap, bytes);
}
