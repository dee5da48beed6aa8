// How a debugger sees Raya values: a one-line display, a type name, and the children of
// containers (fields, elements, Map entries). Nothing here knows of DAP.
import { inspect } from "../vm/format";
import { Task } from "../vm/task";
import { Box, BoundMethod, Closure, NativeFunction, RClass, RObject, functionName } from "../vm/value";

/** Longest display text before it is cut with "…". */
const DISPLAY_LIMIT = 200;

/** Something whose variables a debugger can list: a frame scope or a value with children. */
export type VariableContainer =
  | { kind: "locals"; threadId: number; frame: number }
  | { kind: "closure"; threadId: number; frame: number }
  | { kind: "globals"; contextId: number }
  | { kind: "context"; contextId: number }
  | { kind: "value"; value: unknown };

export interface DebugVariable {
  name: string;
  /** One-line display, as console.log would show it (strings quoted). */
  value: string;
  type: string;
  /** Non-null when the value has children. */
  children: VariableContainer | null;
  /** Element count of an array or Set, so a client can page it. */
  indexedCount?: number;
  namedCount?: number;
}

export function unbox(value: unknown): unknown {
  return value instanceof Box ? value.value : value;
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "Array";
  if (value instanceof Map) return "Map";
  if (value instanceof Set) return "Set";
  if (value instanceof Task) return "Task";
  if (value instanceof RClass) return "class";
  if (value instanceof RObject) return value.layout.name;
  if (value instanceof Closure || value instanceof BoundMethod || value instanceof NativeFunction) return "function";
  return typeof value;
}

export function displayValue(value: unknown): string {
  let text: string;
  if (value instanceof Task) text = `Task ${value.name}#${value.id} (${value.stateName})`;
  else if (value instanceof Closure || value instanceof BoundMethod) text = `[Function: ${functionName(value) || "<anonymous>"}]`;
  else text = inspect(value);
  return text.length > DISPLAY_LIMIT ? `${text.slice(0, DISPLAY_LIMIT)}…` : text;
}

export function hasChildren(value: unknown): boolean {
  return Array.isArray(value) || value instanceof Map || value instanceof Set || (value instanceof RObject && value.fields.length > 0);
}

export function describe(name: string, raw: unknown): DebugVariable {
  const value = unbox(raw);
  const variable: DebugVariable = { name, value: displayValue(value), type: typeName(value), children: null };
  if (!hasChildren(value)) return variable;
  variable.children = { kind: "value", value };
  if (Array.isArray(value)) variable.indexedCount = value.length;
  else if (value instanceof Set) variable.indexedCount = value.size;
  else if (value instanceof Map) variable.namedCount = value.size;
  else if (value instanceof RObject) variable.namedCount = value.fields.length;
  return variable;
}

/** The children of a value; `start`/`count` page the elements of an array or Set. */
export function valueChildren(value: unknown, start = 0, count?: number): DebugVariable[] {
  if (Array.isArray(value) || value instanceof Set) {
    const items = Array.isArray(value) ? value : [...value];
    const end = count === undefined || count <= 0 ? items.length : Math.min(items.length, start + count);
    const result: DebugVariable[] = [];
    for (let i = Math.max(0, start); i < end; i++) result.push(describe(String(i), items[i]));
    return result;
  }
  if (value instanceof Map) {
    const result: DebugVariable[] = [];
    for (const [key, entry] of value) result.push(describe(typeof key === "string" ? key : displayValue(key), entry));
    return result;
  }
  if (value instanceof RObject) {
    return value.layout.fieldNames.map((field, slot) => describe(field, value.fields[slot]));
  }
  return [];
}

/** Assigns a child of a container value; returns an error message, or null when done. */
export function setChild(container: unknown, name: string, value: unknown): string | null {
  if (container instanceof RObject) {
    const slot = container.layout.fieldIndex.get(name);
    if (slot === undefined) return `'${name}' is not a field of ${container.layout.name}`;
    container.fields[slot] = value;
    return null;
  }
  if (Array.isArray(container)) {
    const index = Number(name);
    if (!Number.isInteger(index) || index < 0 || index >= container.length) return `'${name}' is not an index of the array`;
    container[index] = value;
    return null;
  }
  if (container instanceof Map) {
    for (const key of container.keys()) {
      if ((typeof key === "string" ? key : displayValue(key)) === name) {
        container.set(key, value);
        return null;
      }
    }
    return `'${name}' is not a key of the Map`;
  }
  return "only object fields, array elements and Map values can be set";
}
