// The global builtins LOAD_BUILTIN can load (docs/architecture.md, "The built-in library").
// raya:vm's Vm and Compiler are added by attachInnerVms (inner-vm.ts) to contexts that can
// create inner VMs; elsewhere LOAD_BUILTIN says they are not available.
import { BLOCKING_NATIVES, CHANNEL_CLASS, MUTEX_CLASS } from "../sync";
import { formatLogLine, toRayaString } from "../format";
import { Task } from "../task";
import { NativeFunction, REPORTS_CALL_SITE, SUSPEND, type NativeImpl } from "../value";
import { ARRAY_NAMESPACE } from "./array";
import { flatStringBytes, measureReachable, stringBytes } from "../heap";
import { arg, chargeBytes, heapOf, numberArg, optional, restArgs } from "./args";
import { MAP_CLASS, SET_CLASS } from "./collections";
import { jsonLengthAtLeast, jsonParse, jsonStringify } from "./json";
import { RUNS_MAIN_BUILTIN } from "../../bytecode/verify";

function fn(name: string, call: NativeImpl): NativeFunction {
  return new NativeFunction(name, call);
}

function namespace(name: string, members: Record<string, unknown>, call: NativeImpl | null = null): NativeFunction {
  return new NativeFunction(name, call, new Map(Object.entries(members)));
}

/** Math.floor and friends return int: ToInt32 of the JavaScript result. */
function intMath(name: string, op: (x: number) => number): NativeFunction {
  return fn(name, (_vm, stack, at, argc) => op(numberArg(stack, at, argc, 0)) | 0);
}

function unaryMath(name: string, op: (x: number) => number): NativeFunction {
  return fn(name, (_vm, stack, at, argc) => op(numberArg(stack, at, argc, 0)));
}

const log: NativeImpl = (vm, stack, at, argc) => {
  vm.print(formatLogLine(restArgs(stack, at, argc, 0)));
  return null;
};

// A debugger shows each line with where it was printed (VmContext.printObserver).
REPORTS_CALL_SITE.add(log);

const CONSOLE = namespace("console", { log: fn("log", log), info: fn("info", log), warn: fn("warn", log), error: fn("error", log), debug: fn("debug", log) });

const MATH = namespace("Math", {
  floor: intMath("floor", Math.floor),
  ceil: intMath("ceil", Math.ceil),
  round: intMath("round", Math.round),
  trunc: intMath("trunc", Math.trunc),
  abs: unaryMath("abs", Math.abs),
  sqrt: unaryMath("sqrt", Math.sqrt),
  cbrt: unaryMath("cbrt", Math.cbrt),
  sin: unaryMath("sin", Math.sin),
  cos: unaryMath("cos", Math.cos),
  tan: unaryMath("tan", Math.tan),
  asin: unaryMath("asin", Math.asin),
  acos: unaryMath("acos", Math.acos),
  atan: unaryMath("atan", Math.atan),
  exp: unaryMath("exp", Math.exp),
  log: unaryMath("log", Math.log),
  log2: unaryMath("log2", Math.log2),
  log10: unaryMath("log10", Math.log10),
  sign: unaryMath("sign", Math.sign),
  atan2: fn("atan2", (_vm, st, at, n) => Math.atan2(numberArg(st, at, n, 0), numberArg(st, at, n, 1))),
  pow: fn("pow", (_vm, st, at, n) => Math.pow(numberArg(st, at, n, 0), numberArg(st, at, n, 1))),
  min: fn("min", (_vm, st, at, n) => Math.min(...(restArgs(st, at, n, 0) as number[]))),
  max: fn("max", (_vm, st, at, n) => Math.max(...(restArgs(st, at, n, 0) as number[]))),
  hypot: fn("hypot", (_vm, st, at, n) => Math.hypot(...(restArgs(st, at, n, 0) as number[]))),
  random: fn("random", () => Math.random()),
  PI: Math.PI,
  E: Math.E,
  LN2: Math.LN2,
  LN10: Math.LN10,
  LOG2E: Math.LOG2E,
  LOG10E: Math.LOG10E,
  SQRT2: Math.SQRT2,
  SQRT1_2: Math.SQRT1_2,
});

/** Number(x) as JavaScript computes it for Raya values (objects are NaN). */
function toNumber(value: unknown): number {
  if (value === null) return 0;
  if (typeof value === "number") return value;
  if (typeof value === "string" || typeof value === "boolean") return Number(value);
  if (Array.isArray(value)) return Number(toRayaString(value));
  return NaN;
}

const NUMBER = namespace(
  "Number",
  {
    isInteger: fn("isInteger", (_vm, st, at, n) => Number.isInteger(arg(st, at, n, 0))),
    isSafeInteger: fn("isSafeInteger", (_vm, st, at, n) => Number.isSafeInteger(arg(st, at, n, 0))),
    isFinite: fn("isFinite", (_vm, st, at, n) => Number.isFinite(arg(st, at, n, 0))),
    isNaN: fn("isNaN", (_vm, st, at, n) => Number.isNaN(arg(st, at, n, 0))),
    parseFloat: fn("parseFloat", (_vm, st, at, n) => parseFloat(toRayaString(arg(st, at, n, 0)))),
    parseInt: fn("parseInt", (_vm, st, at, n) => parseInt(toRayaString(arg(st, at, n, 0)), optional(st, at, n, 1) as number | undefined)),
    MAX_SAFE_INTEGER: Number.MAX_SAFE_INTEGER,
    MIN_SAFE_INTEGER: Number.MIN_SAFE_INTEGER,
    EPSILON: Number.EPSILON,
    MAX_VALUE: Number.MAX_VALUE,
    MIN_VALUE: Number.MIN_VALUE,
    POSITIVE_INFINITY: Infinity,
    NEGATIVE_INFINITY: -Infinity,
    NaN: NaN,
  },
  (_vm, st, at, n) => (n === 0 ? 0 : toNumber(arg(st, at, n, 0))),
);

const STRING = namespace(
  "String",
  {
    fromCharCode: fn("fromCharCode", (_vm, st, at, n) => String.fromCharCode(...(restArgs(st, at, n, 0) as number[]))),
    fromCodePoint: fn("fromCodePoint", (_vm, st, at, n) => String.fromCodePoint(...(restArgs(st, at, n, 0) as number[]))),
  },
  (_vm, st, at, n) => (n === 0 ? "" : toRayaString(arg(st, at, n, 0))),
);

const BOOLEAN = namespace("Boolean", {}, (_vm, st, at, n) => !!arg(st, at, n, 0));

const JSON_NAMESPACE = namespace("JSON", {
  stringify: fn("stringify", (vm, st, at, n) => {
    // Priced before it is built (at least its compact length), then topped up to its price.
    const estimate = heapOf(vm) === null ? 0 : flatStringBytes(jsonLengthAtLeast(arg(st, at, n, 0)), false);
    if (estimate > 0) chargeBytes(vm, estimate);
    const text = jsonStringify(arg(st, at, n, 0), arg(st, at, n, 2));
    if (estimate > 0 && text !== null) chargeBytes(vm, Math.max(0, stringBytes(text) - estimate));
    return text;
  }),
  parse: fn("parse", (vm, st, at, n) => {
    const value = jsonParse(arg(st, at, n, 0));
    // Entirely new: priced as a limited context's collector would trace it.
    if (heapOf(vm) !== null) chargeBytes(vm, measureReachable([value], { strings: "per-reference" }));
    return value;
  }),
});

const DATE = namespace("Date", { now: fn("now", () => Date.now()) });

const SLEEP = fn("sleep", (vm, st, at, n) => {
  vm.sleep(numberArg(st, at, n, 0) ?? 0);
  return SUSPEND;
});
if (SLEEP.call !== null) BLOCKING_NATIVES.add(SLEEP.call);

// Mutex and Channel live in ../sync (their blocking needs the scheduler).
const TASK_CLASS = new NativeFunction("Task", null, null, null, (value) => value instanceof Task);

const PARSE_INT = fn("parseInt", (_vm, st, at, n) => parseInt(toRayaString(arg(st, at, n, 0)), optional(st, at, n, 1) as number | undefined));
const PARSE_FLOAT = fn("parseFloat", (_vm, st, at, n) => parseFloat(toRayaString(arg(st, at, n, 0))));
const IS_NAN = fn("isNaN", (_vm, st, at, n) => isNaN(numberArg(st, at, n, 0)));
const IS_FINITE = fn("isFinite", (_vm, st, at, n) => isFinite(numberArg(st, at, n, 0)));

/** The global builtins in the order createBuiltins enters them. */
const GLOBAL_BUILTINS: readonly (readonly [string, unknown])[] = [
  ["console", CONSOLE],
  ["Math", MATH],
  ["JSON", JSON_NAMESPACE],
  ["Map", MAP_CLASS],
  ["Set", SET_CLASS],
  ["Number", NUMBER],
  ["String", STRING],
  ["Boolean", BOOLEAN],
  ["Date", DATE],
  ["Array", ARRAY_NAMESPACE],
  ["parseInt", PARSE_INT],
  ["parseFloat", PARSE_FLOAT],
  ["isNaN", IS_NAN],
  ["isFinite", IS_FINITE],
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["sleep", SLEEP],
  ["Task", TASK_CLASS],
  ["Mutex", MUTEX_CLASS],
  ["Channel", CHANNEL_CLASS],
  // A context of the Runtime sets it to false (runtime.ts).
  [RUNS_MAIN_BUILTIN, true],
];

/** A fresh table per context, since a context may replace entries (raya:vm's Vm, an inner VM's
 *  Date); the values themselves are immutable and shared by every context. */
export function createBuiltins(): Map<string, unknown> {
  const table = new Map<string, unknown>();
  for (const [name, value] of GLOBAL_BUILTINS) table.set(name, value);
  return table;
}
