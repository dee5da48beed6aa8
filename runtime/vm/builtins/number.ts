// Methods of number, int and boolean values.
import type { NativeImpl } from "../value";
import { optional } from "./args";

export const NUMBER_METHODS = new Map<string, NativeImpl>([
  ["toString", (_vm, stack, at, argc) => (stack[at] as number).toString(optional(stack, at, argc, 0) as number | undefined)],
  ["toFixed", (_vm, stack, at, argc) => (stack[at] as number).toFixed(optional(stack, at, argc, 0) as number | undefined)],
  ["toPrecision", (_vm, stack, at, argc) => (stack[at] as number).toPrecision(optional(stack, at, argc, 0) as number | undefined)],
  ["valueOf", (_vm, stack, at) => stack[at]],
]);

export const BOOLEAN_METHODS = new Map<string, NativeImpl>([
  ["toString", (_vm, stack, at) => String(stack[at])],
  ["valueOf", (_vm, stack, at) => stack[at]],
]);
