// The shape every request's arguments must have, checked before the session handles them, so a
// malformed request gets an error naming the argument and where it is ("'threadId' must be an
// integer", "'breakpoints[3].line' must be a positive integer") instead of whatever a handler
// happened to throw. Only what the handlers read is checked; unknown fields are ignored, as
// the protocol allows.

type Check = (value: unknown) => string | null;

const integer: Check = (v) => (Number.isInteger(v) ? null : "must be an integer");
const positiveInteger: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : "must be a positive integer");
const string: Check = (v) => (typeof v === "string" ? null : "must be a string");
const boolean: Check = (v) => (typeof v === "boolean" ? null : "must be true or false");

/** Paths longer than this are refused (a response echoing them could not be sent). */
export const MAX_PATH_LENGTH = 4096;

interface Field {
  name: string;
  check: Check;
  optional?: boolean;
  /** For arrays: each element's fields (elements are objects), or the check of each element. */
  items?: Field[] | Check;
  /** For objects: the check of their fields. */
  fields?: Field[];
}

const isArray: Check = (v) => (Array.isArray(v) ? null : "must be an array");
const object: Check = (v) => (typeof v === "object" && v !== null && !Array.isArray(v) ? null : "must be an object");
const path: Check = (v) => (typeof v !== "string" ? "must be a string" : v.length > MAX_PATH_LENGTH ? `is longer than ${MAX_PATH_LENGTH} characters` : null);

const THREAD: Field[] = [{ name: "threadId", check: integer }];
const SOURCE: Field = {
  name: "source",
  check: object,
  fields: [
    { name: "path", check: path, optional: true },
    { name: "sourceReference", check: integer, optional: true },
  ],
};
const CONTEXT: Field[] = [{ name: "contextId", check: integer }];

/** Requests whose arguments are checked, by command. */
const SHAPES: Record<string, Field[]> = {
  launch: [],
  attach: [],
  setBreakpoints: [
    SOURCE,
    { name: "breakpoints", check: isArray, optional: true, items: [
      { name: "line", check: positiveInteger },
      { name: "condition", check: string, optional: true },
      { name: "hitCondition", check: string, optional: true },
      { name: "logMessage", check: string, optional: true },
    ] },
  ],
  setFunctionBreakpoints: [{ name: "breakpoints", check: isArray, items: [
    { name: "name", check: string },
    { name: "condition", check: string, optional: true },
    { name: "hitCondition", check: string, optional: true },
  ] }],
  setExceptionBreakpoints: [{ name: "filters", check: isArray, items: string }],
  continue: THREAD,
  pause: THREAD,
  next: THREAD,
  stepIn: THREAD,
  stepOut: THREAD,
  stackTrace: [...THREAD, { name: "startFrame", check: integer, optional: true }, { name: "levels", check: integer, optional: true }],
  scopes: [{ name: "frameId", check: integer }],
  variables: [{ name: "variablesReference", check: integer }, { name: "start", check: integer, optional: true }, { name: "count", check: integer, optional: true }],
  setVariable: [{ name: "variablesReference", check: integer }, { name: "name", check: string }, { name: "value", check: string }],
  evaluate: [{ name: "expression", check: string }, { name: "frameId", check: integer, optional: true }, { name: "context", check: string, optional: true }],
  source: [{ name: "sourceReference", check: integer }],
  rayaPauseContext: CONTEXT,
  rayaContinueContext: CONTEXT,
  rayaTerminateContext: CONTEXT,
  rayaSnapshotContext: [...CONTEXT, { name: "path", check: path, optional: true }],
  rayaRestoreContext: [{ name: "path", check: path }, { name: "name", check: string, optional: true }],
  terminate: [{ name: "restart", check: boolean, optional: true }],
};

/** Requests that always carry an object, even when every field in it is optional. */
const NEEDS_ARGUMENTS = new Set(["launch", "attach"]);

/** What is wrong with `args` for `command`, or null when they have the shape it needs (or
 *  the command takes any). */
export function argumentProblem(command: string, args: unknown): string | null {
  const shape = SHAPES[command];
  if (shape === undefined) return null;
  if (args === undefined && shape.every((f) => f.optional === true) && !NEEDS_ARGUMENTS.has(command)) return null;
  if (typeof args !== "object" || args === null || Array.isArray(args)) return `the arguments must be an object, not ${describe(args)}`;
  return fieldsProblem(args as Record<string, unknown>, shape, "");
}

function fieldsProblem(args: Record<string, unknown>, fields: Field[], prefix: string): string | null {
  for (const field of fields) {
    const where = `${prefix}${field.name}`;
    const value = args[field.name];
    if (value === undefined || value === null) {
      if (field.optional === true) continue;
      return `'${where}' is missing`;
    }
    const problem = field.check(value);
    if (problem !== null) return `'${where}' ${problem}`;
    if (field.fields !== undefined) {
      const inner = fieldsProblem(value as Record<string, unknown>, field.fields, `${where}.`);
      if (inner !== null) return inner;
    }
    if (field.items !== undefined) {
      const inner = itemsProblem(value as unknown[], field.items, where);
      if (inner !== null) return inner;
    }
  }
  return null;
}

function itemsProblem(items: unknown[], rule: Field[] | Check, where: string): string | null {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof rule === "function") {
      const problem = rule(item);
      if (problem !== null) return `'${where}[${i}]' ${problem}`;
      continue;
    }
    if (typeof item !== "object" || item === null || Array.isArray(item)) return `'${where}[${i}]' must be an object`;
    const inner = fieldsProblem(item as Record<string, unknown>, rule, `${where}[${i}].`);
    if (inner !== null) return inner;
  }
  return null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? "a string" : typeof value === "undefined" ? "nothing" : `a ${typeof value}`;
}
