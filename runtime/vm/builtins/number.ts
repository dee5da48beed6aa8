// Methods of number, int and boolean values.
import type { NativeHost, NativeImpl } from "../value";
import { chargeString, optional } from "./args";

/** A number's text: a new string, charged to a limited context. */
function numberText(vm: NativeHost, text: string): string {
  chargeString(vm, text);
  return text;
}

export const NUMBER_METHODS = new Map<string, NativeImpl>([
  ["toString", (vm, stack, at, argc) => numberText(vm, (stack[at] as number).toString(optional(stack, at, argc, 0) as number | undefined))],
  ["toFixed", (vm, stack, at, argc) => numberText(vm, (stack[at] as number).toFixed(optional(stack, at, argc, 0) as number | undefined))],
  ["toPrecision", (vm, stack, at, argc) => numberText(vm, (stack[at] as number).toPrecision(optional(stack, at, argc, 0) as number | undefined))],
  ["valueOf", (_vm, stack, at) => stack[at]],
]);

export const BOOLEAN_METHODS = new Map<string, NativeImpl>([
  ["toString", (_vm, stack, at) => String(stack[at])],
  ["valueOf", (_vm, stack, at) => stack[at]],
]);
