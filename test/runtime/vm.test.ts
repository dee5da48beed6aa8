// VM tests on hand-assembled programs: calls, fuel, exceptions, classes, tasks, builtins.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Op, OP_NAMES } from "../../runtime/bytecode/opcodes";
import { VmContext } from "../../runtime/vm/context";
import { formatLogLine, inspect, toRayaString } from "../../runtime/vm/format";
import { interpret, RunStatus } from "../../runtime/vm/interpreter";
import { createMainTask, RayaRuntimeError, runProgram, uncaughtError } from "../../runtime/vm/run";
import { Scheduler } from "../../runtime/vm/scheduler";
import { type Task, TaskState } from "../../runtime/vm/task";
import { ProgramBuilder } from "./vm-assembler";

async function runEntry(b: ProgramBuilder, entry: number): Promise<{ value: unknown; output: string[] }> {
  return runProgram(b.build(entry));
}

async function runFailure(b: ProgramBuilder, entry: number): Promise<RayaRuntimeError> {
  try {
    await runProgram(b.build(entry));
  } catch (error) {
    assert.ok(error instanceof RayaRuntimeError, `expected RayaRuntimeError, got ${String(error)}`);
    return error;
  }
  assert.fail("the program should have failed");
}

/** fib(n) as a global function; returns the builder and the global holding it. */
function buildFib(b: ProgramBuilder): { fib: number; global: number } {
  const global = b.global("fib");
  const fib = b.fn({
    name: "fib",
    arity: 1,
    code: [
      Op.LOAD_LOCAL, 1, Op.PUSH_INT, 2, Op.LT, Op.JUMP_IF_FALSE, "@recurse",
      Op.LOAD_LOCAL, 1, Op.RETURN,
      "recurse:",
      Op.LOAD_GLOBAL, global, Op.LOAD_LOCAL, 1, Op.PUSH_INT, 1, Op.SUB_I, Op.CALL, 1,
      Op.LOAD_GLOBAL, global, Op.LOAD_LOCAL, 1, Op.PUSH_INT, 2, Op.SUB_I, Op.CALL, 1,
      Op.ADD_I, Op.RETURN,
    ],
  });
  return { fib, global };
}

describe("vm: opcode mirror", () => {
  it("numbers every opcode in the interpreter's mirror exactly as opcodes.ts does", () => {
    const source = fs.readFileSync(path.join(__dirname, "../../runtime/vm/interpreter.ts"), "utf8");
    const body = /export const enum O \{([^}]*)\}/.exec(source)?.[1] ?? "";
    const mirror = [...body.matchAll(/([A-Z_0-9]+) = (\d+)/g)].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(mirror, OP_NAMES.map((name, i) => [name, i]));
    assert.equal(OP_NAMES.length, Op.OP_COUNT);
  });
});

describe("vm: basics", () => {
  it("computes arithmetic and returns the entry's value", async () => {
    const b = new ProgramBuilder();
    const entry = b.fn({ name: "main", code: [Op.PUSH_INT, 2, Op.PUSH_INT, 3, Op.ADD, Op.PUSH_INT, 4, Op.MUL, Op.RETURN] });
    assert.deepEqual((await runEntry(b, entry)).value, 20);
  });

  it("wraps int arithmetic to 32 bits", async () => {
    const b = new ProgramBuilder();
    const big = b.num(2147483647);
    const entry = b.fn({
      name: "main",
      code: [
        Op.CONST, big, Op.PUSH_INT, 1, Op.ADD_I,
        Op.CONST, big, Op.CONST, big, Op.MUL_I,
        Op.PUSH_INT, -7, Op.PUSH_INT, 2, Op.MOD_I,
        Op.NEW_ARRAY, 3, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, [-2147483648, 1, -1]);
  });

  it("raises a RangeError for int modulo by zero", async () => {
    const b = new ProgramBuilder();
    const entry = b.fn({ name: "main", code: [Op.PUSH_INT, 5, Op.PUSH_INT, 0, Op.MOD_I, Op.RETURN], lines: [1, 1, 7, 8] });
    const error = await runFailure(b, entry);
    assert.equal(error.errorName, "RangeError");
    assert.equal(error.rayaMessage, "Division by zero");
    assert.deepEqual(error.rayaStack, [{ function: "main", file: "test.raya", line: 7, column: 1 }]);
  });

  it("calls recursive functions without JavaScript recursion", async () => {
    const b = new ProgramBuilder();
    const { fib, global } = buildFib(b);
    const entry = b.fn({
      name: "main",
      code: [Op.CLOSURE, fib, Op.STORE_GLOBAL, global, Op.LOAD_GLOBAL, global, Op.PUSH_INT, 20, Op.CALL, 1, Op.RETURN],
    });
    assert.equal((await runEntry(b, entry)).value, 6765);
  });

  it("passes ABSENT for missing arguments, drops extra ones and packs rest parameters", async () => {
    const b = new ProgramBuilder();
    // f(a, b = 10) returns a + b
    const withDefault = b.fn({
      name: "withDefault",
      arity: 2,
      code: [
        Op.JUMP_IF_NOT_ABSENT, 2, "@done", Op.PUSH_INT, 10, Op.STORE_LOCAL, 2,
        "done:", Op.LOAD_LOCAL, 1, Op.LOAD_LOCAL, 2, Op.ADD, Op.RETURN,
      ],
    });
    const rest = b.fn({ name: "rest", arity: 2, hasRest: true, code: [Op.LOAD_LOCAL, 2, Op.RETURN] });
    const entry = b.fn({
      name: "main",
      code: [
        Op.CLOSURE, withDefault, Op.PUSH_INT, 1, Op.CALL, 1,
        Op.CLOSURE, withDefault, Op.PUSH_INT, 1, Op.PUSH_INT, 2, Op.PUSH_INT, 3, Op.CALL, 3,
        Op.CLOSURE, rest, Op.PUSH_INT, 1, Op.PUSH_INT, 2, Op.PUSH_INT, 3, Op.CALL, 3,
        Op.CLOSURE, rest, Op.PUSH_INT, 1, Op.CALL, 1,
        Op.NEW_ARRAY, 4, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, [11, 3, [2, 3], []]);
  });

  it("captures boxed variables in closures", async () => {
    const b = new ProgramBuilder();
    // counter closure: increments the captured box and returns it
    const inc = b.fn({
      name: "inc",
      captures: [{ fromParentLocal: true, index: 1 }],
      code: [Op.LOAD_CAPTURE, 0, Op.PUSH_INT, 1, Op.ADD_I, Op.STORE_CAPTURE, 0, Op.LOAD_CAPTURE, 0, Op.RETURN],
    });
    const entry = b.fn({
      name: "main",
      numLocals: 3,
      code: [
        Op.PUSH_INT, 5, Op.STORE_LOCAL, 1, Op.BOX_LOCAL, 1,
        Op.CLOSURE, inc, Op.STORE_LOCAL, 2,
        Op.LOAD_LOCAL, 2, Op.CALL, 0, Op.POP,
        Op.LOAD_LOCAL, 2, Op.CALL, 0, Op.POP,
        Op.LOAD_BOXED, 1, Op.RETURN,
      ],
    });
    assert.equal((await runEntry(b, entry)).value, 7);
  });
});

describe("vm: fuel and steps", () => {
  it("stops exactly when the fuel runs out and resumes where it stopped", () => {
    const b = new ProgramBuilder();
    const entry = b.fn({ name: "main", code: [Op.PUSH_INT, 2, Op.PUSH_INT, 3, Op.ADD, Op.PUSH_INT, 4, Op.MUL, Op.RETURN] });
    const context = new VmContext(b.build(entry), new Scheduler());
    const task = createMainTask(context);
    assert.equal(interpret(task, 3), RunStatus.Preempted);
    assert.equal(context.stepsExecuted, 3);
    assert.equal(task.framePc[0], 5); // at PUSH_INT 4
    assert.equal(interpret(task, 1), RunStatus.Preempted);
    assert.equal(context.stepsExecuted, 4);
    assert.equal(interpret(task, 100), RunStatus.Done);
    assert.equal(context.stepsExecuted, 6);
    assert.equal(task.result, 20);
  });

  it("counts every instruction of a loop", () => {
    const b = new ProgramBuilder();
    // i = 0; while (i < 10) i++;  → per iteration: LOAD, PUSH, LT, JIF, LOAD, PUSH, ADD_I, STORE, JUMP
    const entry = b.fn({
      name: "main",
      numLocals: 2,
      code: [
        Op.PUSH_INT, 0, Op.STORE_LOCAL, 1,
        "top:", Op.LOAD_LOCAL, 1, Op.PUSH_INT, 10, Op.LT, Op.JUMP_IF_FALSE, "@end",
        Op.LOAD_LOCAL, 1, Op.PUSH_INT, 1, Op.ADD_I, Op.STORE_LOCAL, 1, Op.JUMP, "@top",
        "end:", Op.LOAD_LOCAL, 1, Op.RETURN,
      ],
    });
    const context = new VmContext(b.build(entry), new Scheduler());
    const task = createMainTask(context);
    let slices = 0;
    while (interpret(task, 7) === RunStatus.Preempted) slices++;
    assert.equal(task.result, 10);
    assert.equal(context.stepsExecuted, 2 + 10 * 9 + 4 + 2);
    assert.equal(slices, Math.floor((2 + 10 * 9 + 4 + 2 - 1) / 7));
  });
});

describe("vm: exceptions", () => {
  it("unwinds to a handler and cuts the operand stack to its depth", async () => {
    const b = new ProgramBuilder();
    const boom = b.str("boom");
    const entry = b.fn({
      name: "main",
      code: [
        Op.PUSH_INT, 1, Op.PUSH_INT, 2,
        "try:", Op.PUSH_INT, 3, Op.CONST, boom, Op.THROW,
        "catch:", Op.NEW_ARRAY, 2, Op.RETURN,
      ],
      handlers: [{ start: "try", end: "catch", handler: "catch", stackDepth: 1 }],
    });
    // At the handler the stack is cut to one value above the locals, then the thrown value.
    assert.deepEqual((await runEntry(b, entry)).value, [1, "boom"]);
  });

  it("unwinds across frames to the caller's handler", async () => {
    const b = new ProgramBuilder();
    const boom = b.str("boom");
    const thrower = b.fn({ name: "thrower", code: [Op.PUSH_INT, 9, Op.CONST, boom, Op.THROW] });
    const entry = b.fn({
      name: "main",
      code: [
        "try:", Op.CLOSURE, thrower, Op.CALL, 0, Op.RETURN,
        "catch:", Op.RETURN,
      ],
      handlers: [{ start: "try", end: "catch", handler: "catch", stackDepth: 0 }],
    });
    assert.equal((await runEntry(b, entry)).value, "boom");
  });

  it("reports an uncaught non-Error value as 'Uncaught' with the throw site", async () => {
    const b = new ProgramBuilder();
    const boom = b.str("boom");
    const thrower = b.fn({ name: "thrower", code: [Op.CONST, boom, Op.THROW], lines: [4, 5] });
    const entry = b.fn({ name: "main", code: [Op.CLOSURE, thrower, Op.CALL, 0, Op.RETURN], lines: [10, 11, 12] });
    const error = await runFailure(b, entry);
    assert.equal(error.errorName, "Uncaught");
    assert.equal(error.rayaMessage, "boom");
    assert.deepEqual(
      error.rayaStack.map((f) => `${f.function}:${f.line}`),
      ["thrower:5", "main:11"],
    );
  });

  it("turns a 1,000,000-deep recursion into a catchable RangeError", async () => {
    const b = new ProgramBuilder();
    const global = b.global("down");
    const message = b.str("message");
    const down = b.fn({
      name: "down",
      arity: 1,
      code: [Op.LOAD_GLOBAL, global, Op.LOAD_LOCAL, 1, Op.PUSH_INT, 1, Op.SUB_I, Op.CALL, 1, Op.RETURN],
    });
    const entry = b.fn({
      name: "main",
      code: [
        Op.CLOSURE, down, Op.STORE_GLOBAL, global,
        "try:", Op.LOAD_GLOBAL, global, Op.PUSH_INT, 1000000, Op.CALL, 1, Op.RETURN,
        "catch:", Op.GET_PROP, message, Op.RETURN,
      ],
      handlers: [{ start: "try", end: "catch", handler: "catch", stackDepth: 0 }],
    });
    assert.equal((await runEntry(b, entry)).value, "Maximum call stack size exceeded");
  });

  it("throws RangeError on out-of-range index reads and TypeError on calling null", async () => {
    const b = new ProgramBuilder();
    const read = b.fn({ name: "main", code: [Op.PUSH_INT, 1, Op.NEW_ARRAY, 1, Op.PUSH_INT, 1, Op.GET_INDEX, Op.RETURN] });
    const readError = await runFailure(b, read);
    assert.equal(readError.errorName, "RangeError");

    const b2 = new ProgramBuilder();
    const call = b2.fn({ name: "main", code: [Op.PUSH_NULL, Op.CALL, 0, Op.RETURN] });
    const callError = await runFailure(b2, call);
    assert.equal(callError.errorName, "TypeError");
    assert.match(callError.rayaMessage, /null is not a function/);
  });

  it("raises a clear error for builtins that are not implemented yet", async () => {
    // Every name the verifier accepts may not have reached the VM yet (Channel was the
    // example until it was implemented): take one out of a context's table to see the error.
    const b = new ProgramBuilder();
    const channel = b.str("Channel");
    const entry = b.fn({ name: "main", code: [Op.LOAD_BUILTIN, channel, Op.RETURN] });
    const context = new VmContext(b.build(entry), new Scheduler());
    context.builtins.delete("Channel");
    const error = await new Promise<RayaRuntimeError>((resolve, reject) => {
      const settle = (task: Task): void => {
        if (task.state === TaskState.Failed) resolve(uncaughtError(context, task));
        else reject(new Error("the program should have failed"));
      };
      context.scheduler.startRoot(createMainTask(context), settle, reject, reject);
    });
    assert.equal(error.errorName, "Error");
    assert.equal(error.rayaMessage, "'Channel' is not available in this context");
  });
});

describe("vm: classes and objects", () => {
  /** class Point { x; y; constructor(x, y); sum(); get doubled(); set both(v) } */
  function buildPoint(b: ProgramBuilder): number {
    const x = b.str("x");
    const y = b.str("y");
    const ctor = b.fn({
      name: "Point.constructor",
      arity: 2,
      isMethod: true,
      code: [
        Op.LOAD_LOCAL, 0, Op.LOAD_LOCAL, 1, Op.SET_PROP, x, Op.POP,
        Op.LOAD_LOCAL, 0, Op.LOAD_LOCAL, 2, Op.SET_PROP, y, Op.POP,
        Op.PUSH_NULL, Op.RETURN,
      ],
    });
    const sum = b.fn({
      name: "Point.sum",
      isMethod: true,
      code: [Op.LOAD_LOCAL, 0, Op.GET_PROP, x, Op.LOAD_LOCAL, 0, Op.GET_PROP, y, Op.ADD, Op.RETURN],
    });
    const doubled = b.fn({
      name: "Point.doubled",
      isMethod: true,
      code: [Op.LOAD_LOCAL, 0, Op.GET_PROP, x, Op.PUSH_INT, 2, Op.MUL, Op.RETURN],
    });
    const setBoth = b.fn({
      name: "Point.both",
      arity: 1,
      isMethod: true,
      code: [
        Op.LOAD_LOCAL, 0, Op.LOAD_LOCAL, 1, Op.SET_PROP, x, Op.POP,
        Op.LOAD_LOCAL, 0, Op.LOAD_LOCAL, 1, Op.SET_PROP, y, Op.POP,
        Op.PUSH_INT, 999, Op.RETURN,
      ],
    });
    return b.cls({
      name: "Point",
      fields: ["x", "y"],
      constructorFn: ctor,
      methods: [
        { name: "sum", fn: sum, kind: "method", static: false },
        { name: "doubled", fn: doubled, kind: "get", static: false },
        { name: "both", fn: setBoth, kind: "set", static: false },
      ],
    });
  }

  it("constructs instances, calls methods, getters and setters", async () => {
    const b = new ProgramBuilder();
    const point = buildPoint(b);
    const cls = b.global("Point");
    const p = b.global("p");
    const sum = b.str("sum");
    const doubled = b.str("doubled");
    const both = b.str("both");
    const entry = b.fn({
      name: "main",
      code: [
        Op.PUSH_NULL, Op.CLASS, point, Op.STORE_GLOBAL, cls,
        Op.LOAD_GLOBAL, cls, Op.PUSH_INT, 3, Op.PUSH_INT, 4, Op.NEW, 2, Op.STORE_GLOBAL, p,
        Op.LOAD_GLOBAL, p, Op.CALL_METHOD, sum, 0, // 7
        Op.LOAD_GLOBAL, p, Op.GET_PROP, doubled, // 6
        Op.LOAD_GLOBAL, p, Op.PUSH_INT, 5, Op.SET_PROP, both, // 5 (the setter's own result is ignored)
        Op.LOAD_GLOBAL, p, Op.CALL_METHOD, sum, 0, // 10
        Op.LOAD_GLOBAL, p,
        Op.NEW_ARRAY, 5, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, [7, 6, 5, 10, { x: 5, y: 5 }]);
  });

  it("reads a method as a bound method and absent fields as null", async () => {
    const b = new ProgramBuilder();
    const point = buildPoint(b);
    const sum = b.str("sum");
    const missing = b.str("missing");
    const shape = b.shape(["a"]);
    const entry = b.fn({
      name: "main",
      numLocals: 2,
      code: [
        Op.PUSH_NULL, Op.CLASS, point, Op.PUSH_INT, 1, Op.PUSH_INT, 2, Op.NEW, 2, Op.STORE_LOCAL, 1,
        Op.LOAD_LOCAL, 1, Op.GET_PROP, sum, Op.CALL, 0,
        Op.PUSH_INT, 1, Op.NEW_OBJECT, shape, Op.GET_PROP, missing,
        Op.NEW_ARRAY, 2, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, [3, null]);
  });

  it("keeps inline caches correct when one site sees several layouts", async () => {
    const b = new ProgramBuilder();
    const a = b.str("a");
    const ab = b.shape(["a", "b"]);
    const ba = b.shape(["b", "a"]);
    const getA = b.fn({ name: "getA", arity: 1, code: [Op.LOAD_LOCAL, 1, Op.GET_PROP, a, Op.RETURN] });
    const entry = b.fn({
      name: "main",
      code: [
        Op.CLOSURE, getA, Op.PUSH_INT, 1, Op.PUSH_INT, 2, Op.NEW_OBJECT, ab, Op.CALL, 1,
        Op.CLOSURE, getA, Op.PUSH_INT, 3, Op.PUSH_INT, 4, Op.NEW_OBJECT, ba, Op.CALL, 1,
        Op.CLOSURE, getA, Op.PUSH_INT, 5, Op.PUSH_INT, 6, Op.NEW_OBJECT, ab, Op.CALL, 1,
        Op.NEW_ARRAY, 3, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, [1, 4, 5]);
  });

  it("runs inherited constructors and methods through SUPER_CALL and SUPER_METHOD", async () => {
    const b = new ProgramBuilder();
    const point = buildPoint(b);
    const sum = b.str("sum");
    const z = b.str("z");
    const parentGlobal = b.global("Point");
    // class Point3 extends Point { z; constructor(x, y, z) { super(x, y); this.z = z } sum() { return super.sum() + this.z } }
    const ctor = b.fn({
      name: "Point3.constructor",
      arity: 3,
      isMethod: true,
      numLocals: 5,
      code: [
        Op.LOAD_GLOBAL, parentGlobal, Op.LOAD_LOCAL, 0, Op.LOAD_LOCAL, 1, Op.LOAD_LOCAL, 2, Op.SUPER_CALL, 2,
        Op.LOAD_LOCAL, 0, Op.LOAD_LOCAL, 3, Op.SET_PROP, z, Op.POP,
        Op.PUSH_NULL, Op.RETURN,
      ],
    });
    const sum3 = b.fn({
      name: "Point3.sum",
      isMethod: true,
      numLocals: 2,
      code: [
        Op.LOAD_GLOBAL, parentGlobal, Op.LOAD_LOCAL, 0, Op.SUPER_METHOD, sum, 0,
        Op.LOAD_LOCAL, 0, Op.GET_PROP, z, Op.ADD, Op.RETURN,
      ],
    });
    const point3 = b.cls({
      name: "Point3",
      parent: point,
      fields: ["x", "y", "z"],
      constructorFn: ctor,
      methods: [{ name: "sum", fn: sum3, kind: "method", static: false }],
    });
    const entry = b.fn({
      name: "main",
      code: [
        Op.PUSH_NULL, Op.CLASS, point, Op.STORE_GLOBAL, parentGlobal,
        Op.LOAD_GLOBAL, parentGlobal, Op.CLASS, point3,
        Op.PUSH_INT, 1, Op.PUSH_INT, 2, Op.PUSH_INT, 3, Op.NEW, 3,
        Op.DUP, Op.CALL_METHOD, sum, 0, Op.SWAP, Op.NEW_ARRAY, 2, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, [6, { x: 1, y: 2, z: 3 }]);
  });
});

describe("vm: tasks", () => {
  const sleepName = "sleep";

  /** async function worker(ms, v) { sleep(ms); log(v); return v * 2 } */
  function buildWorker(b: ProgramBuilder): number {
    const sleep = b.str(sleepName);
    const consoleName = b.str("console");
    const log = b.str("log");
    return b.fn({
      name: "worker",
      arity: 2,
      isAsync: true,
      code: [
        Op.LOAD_BUILTIN, sleep, Op.LOAD_LOCAL, 1, Op.CALL, 1, Op.POP,
        Op.LOAD_BUILTIN, consoleName, Op.LOAD_LOCAL, 2, Op.CALL_METHOD, log, 1, Op.POP,
        Op.LOAD_LOCAL, 2, Op.PUSH_INT, 2, Op.MUL_I, Op.RETURN,
      ],
    });
  }

  it("runs async functions as Tasks and awaits an array of them", async () => {
    const b = new ProgramBuilder();
    const worker = buildWorker(b);
    const entry = b.fn({
      name: "main",
      code: [
        Op.CLOSURE, worker, Op.PUSH_INT, 20, Op.PUSH_INT, 1, Op.CALL, 2,
        Op.CLOSURE, worker, Op.PUSH_INT, 1, Op.PUSH_INT, 2, Op.CALL, 2,
        Op.NEW_ARRAY, 2, Op.AWAIT, Op.RETURN,
      ],
    });
    const outcome = await runEntry(b, entry);
    assert.deepEqual(outcome.value, [2, 4]);
    assert.deepEqual(outcome.output, ["2", "1"]);
  });

  it("runs a new Task at once until it suspends, as JavaScript does", async () => {
    const b = new ProgramBuilder();
    const consoleName = b.str("console");
    const log = b.str("log");
    const inTask = b.str("in task");
    const after = b.str("after call");
    const child = b.fn({
      name: "child",
      isAsync: true,
      code: [Op.LOAD_BUILTIN, consoleName, Op.CONST, inTask, Op.CALL_METHOD, log, 1, Op.RETURN],
    });
    const entry = b.fn({
      name: "main",
      code: [
        Op.CLOSURE, child, Op.CALL, 0,
        Op.LOAD_BUILTIN, consoleName, Op.CONST, after, Op.CALL_METHOD, log, 1, Op.POP,
        Op.AWAIT, Op.RETURN,
      ],
    });
    const outcome = await runEntry(b, entry);
    assert.deepEqual(outcome.output, ["in task", "after call"]);
  });

  it("rethrows a failed Task's error in the awaiting Task", async () => {
    const b = new ProgramBuilder();
    const boom = b.str("boom");
    const failing = b.fn({ name: "failing", isAsync: true, code: [Op.CONST, boom, Op.THROW] });
    const entry = b.fn({
      name: "main",
      code: ["try:", Op.CLOSURE, failing, Op.CALL, 0, Op.AWAIT, Op.RETURN, "catch:", Op.RETURN],
      handlers: [{ start: "try", end: "catch", handler: "catch", stackDepth: 0 }],
    });
    assert.equal((await runEntry(b, entry)).value, "boom");
  });

  it("cancels a sleeping Task; awaiting it throws", async () => {
    const b = new ProgramBuilder();
    const worker = buildWorker(b);
    const cancel = b.str("cancel");
    const message = b.str("message");
    const entry = b.fn({
      name: "main",
      numLocals: 2,
      code: [
        Op.CLOSURE, worker, Op.PUSH_INT, 60000, Op.PUSH_INT, 1, Op.CALL, 2, Op.STORE_LOCAL, 1,
        Op.LOAD_LOCAL, 1, Op.CALL_METHOD, cancel, 0, Op.POP,
        "try:", Op.LOAD_LOCAL, 1, Op.AWAIT, Op.RETURN,
        "catch:", Op.GET_PROP, message, Op.RETURN,
      ],
      handlers: [{ start: "try", end: "catch", handler: "catch", stackDepth: 0 }],
    });
    const started = Date.now();
    assert.match(String((await runEntry(b, entry)).value), /cancelled/);
    assert.ok(Date.now() - started < 5000);
  });

  it("reports a deadlock naming the blocked tasks", async () => {
    const b = new ProgramBuilder();
    const ga = b.global("a");
    const gb = b.global("b");
    const sleep = b.str(sleepName);
    const waitFor = (name: string, other: number): number =>
      b.fn({
        name,
        isAsync: true,
        code: [Op.LOAD_BUILTIN, sleep, Op.PUSH_INT, 1, Op.CALL, 1, Op.POP, Op.LOAD_GLOBAL, other, Op.AWAIT, Op.RETURN],
      });
    const fa = waitFor("waitsForB", gb);
    const fb = waitFor("waitsForA", ga);
    const entry = b.fn({
      name: "main",
      code: [
        Op.CLOSURE, fa, Op.CALL, 0, Op.STORE_GLOBAL, ga,
        Op.CLOSURE, fb, Op.CALL, 0, Op.STORE_GLOBAL, gb,
        Op.LOAD_GLOBAL, ga, Op.AWAIT, Op.RETURN,
      ],
    });
    const error = await runFailure(b, entry);
    assert.match(error.rayaMessage, /^deadlock: /);
    assert.match(error.rayaMessage, /waitsForA/);
    assert.match(error.rayaMessage, /waitsForB/);
  });

  it("preempts a busy Task so others make progress", async () => {
    const b = new ProgramBuilder();
    const flag = b.global("flag");
    // setter task: flag = true. main: spin until flag is true (never suspends).
    const setter = b.fn({ name: "setter", code: [Op.PUSH_TRUE, Op.STORE_GLOBAL, flag, Op.PUSH_NULL, Op.RETURN] });
    const spawned = b.fn({
      name: "main",
      code: [
        Op.PUSH_FALSE, Op.STORE_GLOBAL, flag,
        Op.CLOSURE, setter, Op.SPAWN, 0, Op.POP,
        "spin:", Op.LOAD_GLOBAL, flag, Op.JUMP_IF_FALSE, "@spin",
        Op.PUSH_INT, 1, Op.RETURN,
      ],
    });
    assert.equal((await runEntry(b, spawned)).value, 1);
  });
});

describe("vm: builtins through bytecode", () => {
  it("formats console.log arguments like Node", async () => {
    const b = new ProgramBuilder();
    const consoleName = b.str("console");
    const log = b.str("log");
    const hi = b.str("hi");
    const it = b.str("it's");
    const shape = b.shape(["a", "b"]);
    const entry = b.fn({
      name: "main",
      code: [
        Op.LOAD_BUILTIN, consoleName,
        Op.CONST, hi, Op.PUSH_INT, 1, Op.CONST, hi, Op.NEW_ARRAY, 2,
        Op.PUSH_INT, 1, Op.CONST, it, Op.NEW_OBJECT, shape,
        Op.PUSH_INT, 0, Op.NEG,
        Op.CALL_METHOD, log, 4, Op.RETURN,
      ],
    });
    const outcome = await runEntry(b, entry);
    assert.deepEqual(outcome.output, [`hi [ 1, 'hi' ] { a: 1, b: "it's" } -0`]);
    assert.equal(outcome.value, null);
  });

  it("dispatches string, array, Map and Math methods to natives", async () => {
    const b = new ProgramBuilder();
    const s = b.str("a-b-c");
    const dash = b.str("-");
    const split = b.str("split");
    const join = b.str("join");
    const plus = b.str("+");
    const push = b.str("push");
    const pop = b.str("pop");
    const mapName = b.str("Map");
    const set = b.str("set");
    const get = b.str("get");
    const k = b.str("k");
    const math = b.str("Math");
    const max = b.str("max");
    const entry = b.fn({
      name: "main",
      numLocals: 2,
      code: [
        Op.CONST, s, Op.CONST, dash, Op.CALL_METHOD, split, 1, Op.CONST, plus, Op.CALL_METHOD, join, 1,
        Op.NEW_ARRAY, 0, Op.STORE_LOCAL, 1,
        Op.LOAD_LOCAL, 1, Op.PUSH_INT, 7, Op.CALL_METHOD, push, 1,
        Op.LOAD_LOCAL, 1, Op.CALL_METHOD, pop, 0,
        Op.LOAD_LOCAL, 1, Op.CALL_METHOD, pop, 0,
        Op.LOAD_BUILTIN, mapName, Op.NEW, 0, Op.CONST, k, Op.PUSH_INT, 5, Op.CALL_METHOD, set, 2,
        Op.CONST, k, Op.CALL_METHOD, get, 1,
        Op.LOAD_BUILTIN, math, Op.PUSH_INT, 3, Op.PUSH_INT, 9, Op.PUSH_INT, 4, Op.CALL_METHOD, max, 3,
        Op.NEW_ARRAY, 6, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, ["a+b+c", 1, 7, null, 5, 9]);
  });

  it("gives every value JavaScript's toString", async () => {
    const b = new ProgramBuilder();
    const toString = b.str("toString");
    const shape = b.shape(["a"]);
    const entry = b.fn({
      name: "main",
      code: [
        Op.PUSH_INT, 1, Op.NEW_OBJECT, shape, Op.CALL_METHOD, toString, 0,
        Op.PUSH_INT, 1, Op.PUSH_INT, 2, Op.NEW_ARRAY, 2, Op.CALL_METHOD, toString, 0,
        Op.PUSH_INT, 255, Op.PUSH_INT, 16, Op.CALL_METHOD, toString, 1,
        Op.NEW_ARRAY, 3, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, ["[object Object]", "1,2", "ff"]);
  });

  it("iterates a string by code point with ITER_INIT / ITER_NEXT", async () => {
    const b = new ProgramBuilder();
    const text = b.str("héllo");
    const entry = b.fn({
      name: "main",
      numLocals: 3,
      code: [
        Op.NEW_ARRAY, 0, Op.STORE_LOCAL, 1,
        Op.CONST, text, Op.ITER_INIT,
        "loop:", Op.ITER_NEXT, "@done", Op.STORE_LOCAL, 2, Op.LOAD_LOCAL, 1, Op.LOAD_LOCAL, 2, Op.ARRAY_PUSH, Op.POP, Op.JUMP, "@loop",
        "done:", Op.LOAD_LOCAL, 1, Op.RETURN,
      ],
    });
    assert.deepEqual((await runEntry(b, entry)).value, ["h", "é", "l", "l", "o"]);
  });
});

describe("vm: value formatting", () => {
  it("quotes nested strings as Node does", () => {
    assert.equal(inspect(["plain", "it's", `both ' and "`, "line\nbreak"]), `[ 'plain', "it's", \`both ' and "\`, 'line\\nbreak' ]`);
  });

  it("prints Maps, Sets, empty containers and deep nesting", () => {
    const deep = new Map<unknown, unknown>([["k", [[[1]]]]]);
    assert.equal(inspect(deep), "Map(1) { 'k' => [ [ [Array] ] ] }");
    assert.equal(inspect([new Set(), new Map(), []]), "[ Set(0) {}, Map(0) {}, [] ]");
    assert.equal(formatLogLine(["a", 1, null, -0, NaN]), "a 1 null -0 NaN");
  });

  it("shortens arrays over 100 items like Node", () => {
    const text = inspect(Array.from({ length: 102 }, (_, i) => i));
    assert.ok(text.endsWith("99, ... 2 more items ]"), text);
  });

  it("converts values with JavaScript's String() rules", () => {
    assert.equal(toRayaString([1, null, [2, 3]]), "1,,2,3");
    assert.equal(toRayaString(null), "null");
    assert.equal(toRayaString(new Map()), "[object Map]");
    assert.equal(toRayaString(-0), "0");
  });
});
