// Turning Raya values into text and into plain JavaScript:
// - toRayaString: String(v) as JavaScript would compute it (TO_STRING, `+` with a string);
// - inspect: console.log's format, like Node's util.inspect for this value model, on one line;
// - toPlainValue: the program result as JSON-compatible JavaScript.
import { Task } from "./task";
import { ABSENT, BoundMethod, Closure, functionName, isAnonymousName, Layout, NativeFunction, NativeObject, RClass, RObject } from "./value";

// ---------------------------------------------------------------------------------------------
// String(v)

export function toRayaString(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
      return String(value);
  }
  return objectToString(value, new Set());
}

function objectToString(value: unknown, visiting: Set<unknown>): string {
  if (value === null || value === ABSENT || value === undefined) return "null";
  if (Array.isArray(value)) {
    if (visiting.has(value)) return ""; // JavaScript's join gives "" for a cycle
    visiting.add(value);
    const parts = value.map((item) => (item === null ? "" : typeof item === "string" ? item : typeof item === "object" ? objectToString(item, visiting) : toRayaString(item)));
    visiting.delete(value);
    return parts.join(",");
  }
  if (value instanceof RObject) {
    if (isErrorLike(value.layout)) {
      const name = toRayaString(fieldOf(value, "name"));
      const message = toRayaString(fieldOf(value, "message"));
      return message === "" ? name : `${name}: ${message}`;
    }
    return "[object Object]";
  }
  if (value instanceof Map) return "[object Map]";
  if (value instanceof Set) return "[object Set]";
  if (value instanceof RClass) return `class ${value.name} { }`;
  if (value instanceof Closure || value instanceof BoundMethod || value instanceof NativeFunction) {
    return `function ${functionName(value)}() { [native code] }`;
  }
  if (value instanceof Task) return "[object Task]";
  if (value instanceof NativeObject) return `[object ${value.nativeClass.name}]`;
  return String(value);
}

/** True for Error and its subclasses (their root class is the prelude's "Error"). */
function isErrorLike(layout: Layout): boolean {
  if (!(layout instanceof RClass)) return layout.name.endsWith("Error") && layout.fieldIndex.has("stack");
  let root: RClass = layout;
  while (root.parent !== null) root = root.parent;
  return root.name === "Error" && root.fieldIndex.has("message");
}

function fieldOf(object: RObject, name: string): unknown {
  const slot = object.layout.fieldIndex.get(name);
  return slot === undefined ? null : object.fields[slot];
}

// ---------------------------------------------------------------------------------------------
// console.log

const MAX_DEPTH = 2;
const MAX_ITEMS = 100;

/** console.log's text for its arguments: strings raw, other values inspected, joined by spaces. */
export function formatLogLine(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === "string" ? v : inspect(v))).join(" ");
}

export function inspect(value: unknown): string {
  const state: InspectState = { path: [], refs: new Map(), nextRef: 1 };
  return inspectValue(value, 0, state);
}

interface InspectState {
  /** Objects being printed, outermost first: meeting one again is a cycle. */
  path: unknown[];
  /** Objects that a cycle points back to, with their `<ref *n>` number. */
  refs: Map<unknown, number>;
  nextRef: number;
}

function inspectValue(value: unknown, depth: number, state: InspectState): string {
  switch (typeof value) {
    case "string":
      return quoteString(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "boolean":
      return String(value);
  }
  if (value === null || value === ABSENT || value === undefined) return "null";
  if (value instanceof Closure || value instanceof BoundMethod || (value instanceof NativeFunction && value.members === null)) {
    const name = functionName(value);
    return isAnonymousName(name) ? "[Function (anonymous)]" : `[Function: ${name}]`;
  }
  if (value instanceof RClass) {
    const head = value.parent === null ? `[class ${value.name}]` : `[class ${value.name} extends ${value.parent.name}]`;
    const statics = value.layoutInfo.staticFields;
    if (statics.length === 0 || depth > MAX_DEPTH) return head;
    const items = statics.map((name, i) => `${formatKey(name)}: ${inspectValue(value.statics[i], depth + 1, state)}`);
    return `${head} { ${items.join(", ")} }`;
  }
  if (value instanceof NativeFunction) return value.call !== null || value.construct !== null ? `[Function: ${value.name}]` : `Object [${value.name}] {}`;
  if (value instanceof Task) return `Task { name: ${quoteString(value.name)}, state: '${value.stateName}' }`;
  if (value instanceof NativeObject) return `${value.nativeClass.name} { ${value.describe()} }`;
  if (value instanceof RObject && isErrorLike(value.layout)) {
    const stack = fieldOf(value, "stack");
    return typeof stack === "string" && stack !== "" ? stack : `[${toRayaString(value)}]`;
  }
  if (state.path.includes(value)) {
    let ref = state.refs.get(value);
    if (ref === undefined) {
      ref = state.nextRef++;
      state.refs.set(value, ref);
    }
    return `[Circular *${ref}]`;
  }
  state.path.push(value);
  const text = inspectContainer(value, depth, state);
  state.path.pop();
  const ref = state.refs.get(value);
  return ref === undefined ? text : `<ref *${ref}> ${text}`;
}

function inspectContainer(value: unknown, depth: number, state: InspectState): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (depth > MAX_DEPTH) return "[Array]";
    const items = value.slice(0, MAX_ITEMS).map((item) => inspectValue(item, depth + 1, state));
    if (value.length > MAX_ITEMS) items.push(moreItems(value.length - MAX_ITEMS));
    return `[ ${items.join(", ")} ]`;
  }
  if (value instanceof Map) {
    if (value.size === 0) return "Map(0) {}";
    if (depth > MAX_DEPTH) return "[Map]";
    const items: string[] = [];
    for (const [k, v] of value) {
      if (items.length === MAX_ITEMS) break;
      items.push(`${inspectValue(k, depth + 1, state)} => ${inspectValue(v, depth + 1, state)}`);
    }
    if (value.size > MAX_ITEMS) items.push(moreItems(value.size - MAX_ITEMS));
    return `Map(${value.size}) { ${items.join(", ")} }`;
  }
  if (value instanceof Set) {
    if (value.size === 0) return "Set(0) {}";
    if (depth > MAX_DEPTH) return "[Set]";
    const items: string[] = [];
    for (const v of value) {
      if (items.length === MAX_ITEMS) break;
      items.push(inspectValue(v, depth + 1, state));
    }
    if (value.size > MAX_ITEMS) items.push(moreItems(value.size - MAX_ITEMS));
    return `Set(${value.size}) { ${items.join(", ")} }`;
  }
  if (value instanceof RObject) {
    const prefix = value.layout instanceof RClass ? `${value.layout.name} ` : "";
    const names = value.layout.fieldNames;
    if (names.length === 0) return `${prefix}{}`;
    if (depth > MAX_DEPTH) return `[${value.layout instanceof RClass ? value.layout.name : "Object"}]`;
    const items = names.map((name, i) => `${formatKey(name)}: ${inspectValue(value.fields[i], depth + 1, state)}`);
    return `${prefix}{ ${items.join(", ")} }`;
  }
  return String(value);
}

function moreItems(count: number): string {
  return `... ${count} more item${count === 1 ? "" : "s"}`;
}

function formatKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quoteString(name);
}

/** Node's choice: single quotes, else double quotes, else backticks, whichever needs no escaping. */
export function quoteString(text: string): string {
  let quote = "'";
  if (text.includes("'")) {
    if (!text.includes('"')) quote = '"';
    else if (!text.includes("`") && !text.includes("${")) quote = "`";
  }
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
    // Iterating by code point leaves only lone surrogates in this range; Node escapes them.
    else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16)}`;
    else out += ch;
  }
  return out + quote;
}

/** A short description of a value for TypeError messages. */
export function describeForError(value: unknown): string {
  if (value === null || value === ABSENT || value === undefined) return "null";
  if (typeof value === "string") return quoteString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "array";
  if (value instanceof RObject) return value.layout instanceof RClass ? `instance of ${value.layout.name}` : "object";
  if (value instanceof RClass) return `class ${value.name}`;
  if (value instanceof Closure || value instanceof BoundMethod) return `function ${functionName(value)}`;
  if (value instanceof NativeFunction) return value.name;
  if (value instanceof Map) return "Map";
  if (value instanceof Set) return "Set";
  if (value instanceof Task) return "Task";
  if (value instanceof NativeObject) return value.nativeClass.name;
  return typeof value;
}

// ---------------------------------------------------------------------------------------------
// The program result as JSON-compatible JavaScript

export function toPlainValue(value: unknown): unknown {
  return plain(value, []);
}

function plain(value: unknown, path: unknown[]): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
  }
  if (value === null || value === ABSENT || value === undefined) return null;
  if (value instanceof Closure || value instanceof BoundMethod || value instanceof NativeFunction || value instanceof RClass) {
    return `[Function: ${functionName(value)}]`;
  }
  if (value instanceof Task) return plain(value.result, path);
  if (value instanceof NativeObject) return `[${value.nativeClass.name}]`;
  if (path.includes(value)) return "[Circular]";
  path.push(value);
  try {
    if (Array.isArray(value)) return value.map((item) => plain(item, path));
    if (value instanceof Set) return Array.from(value, (item) => plain(item, path));
    if (value instanceof Map) {
      const stringKeys = Array.from(value.keys()).every((k) => typeof k === "string");
      if (!stringKeys) return Array.from(value, ([k, v]) => [plain(k, path), plain(v, path)]);
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) defineKey(out, k as string, plain(v, path));
      return out;
    }
    if (value instanceof RObject) {
      const out: Record<string, unknown> = {};
      value.layout.fieldNames.forEach((name, i) => defineKey(out, name, plain(value.fields[i], path)));
      return out;
    }
    return String(value);
  } finally {
    path.pop();
  }
}

/** Sets a key even when it is "__proto__", without touching the prototype. */
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
