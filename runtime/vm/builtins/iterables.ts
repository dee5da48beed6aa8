// The elements for...of would visit: arrays, strings (by code point), Map entries, Set values.
import { typeError } from "../errors";
import { describeForError } from "../format";

export function iterableItems(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return Array.from(value);
  if (value instanceof Map) return Array.from(value.entries());
  if (value instanceof Set) return Array.from(value);
  throw typeError(`${describeForError(value)} is not iterable`);
}
