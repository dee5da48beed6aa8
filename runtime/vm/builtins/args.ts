// Reading native arguments straight from the Task's stack: the receiver (or callee) is at
// stack[at], argument i at stack[at + 1 + i]. A missing argument reads as null.
import { ABSENT } from "../value";

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
