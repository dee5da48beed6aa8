// The multi-context Runtime (runtime/vm/runtime.ts, docs/inner-vm.md): loading, entries,
// capabilities, marshalling, limits, termination, events, nesting, isolation and fairness.
import { strict as assert } from "node:assert";
import { compile, Runtime, VmError, type ContextHandle, type TaskHandle } from "../../runtime/index";

async function failure(handle: TaskHandle): Promise<VmError> {
  try {
    const value = await handle.result();
    assert.fail(`expected a VmError, got ${JSON.stringify(value)}`);
  } catch (error) {
    assert.ok(error instanceof VmError, `not a VmError: ${String(error)}`);
    return error;
  }
}

function thrown(run: () => unknown): VmError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof VmError, `not a VmError: ${String(error)}`);
    return error;
  }
  assert.fail("expected a VmError");
}

const SPIN = `export function spin(): int { let i = 0; while (true) { i = i + 1; } return i; }`;

describe("Runtime: contexts, entries and results", () => {
  it("runs the module's top-level code when loaded; the load handle settles with the program result", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "init" });
    assert.equal(ctx.state, "empty");
    const init = ctx.loadSource(`console.log("init ran"); return 41 + 1;`, "init.raya");
    assert.equal(ctx.state, "initializing");
    assert.equal(await init.result(), 42);
    assert.equal(ctx.state, "ready");
    assert.deepEqual(ctx.output, ["init ran"]);
  });

  it("runs an entry after module init even when asked before init finished", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "order" });
    ctx.loadSource(`let base = 0; sleep(5); base = 100; export function get(x: int): int { return base + x; }`, "o.raya");
    assert.equal(await ctx.runEntry("get", [5]).result(), 105);
  });

  it("copies arguments in (objects become Maps) and results out (Maps with string keys become objects)", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "copy" });
    ctx.loadSource(
      `export function echo(v: JsonValue): JsonValue {
         if (v instanceof Map) { v.set("seen", true); }
         return v;
       }
       export function shape(): JsonValue { const s = new Set<int>(); s.add(3); return [s.size, "x", null]; }`,
      "copy.raya",
    );
    const input = { a: [1, 2, { b: "c" }] };
    const output = await ctx.runEntry("echo", [input]).result();
    assert.deepEqual(output, { a: [1, 2, { b: "c" }], seen: true });
    assert.deepEqual(input, { a: [1, 2, { b: "c" }] }, "the host's object is untouched");
    assert.notEqual(output, input);
    assert.deepEqual(await ctx.runEntry("shape").result(), [1, "x", null]);
  });

  it("awaits an async entry's value", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "async" });
    ctx.loadSource(`export async function later(n: int): Task<int> { sleep(2); return n * 2; }`, "a.raya");
    assert.equal(await ctx.spawn("later", [21]).result(), 42);
  });

  it("rejects with RuntimeError carrying the inner stack and the context id", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "thrower" });
    ctx.loadSource(`function inner(): void {\n  throw new RangeError("bad input");\n}\nexport function run(): void { inner(); }`, "t.raya");
    const error = await failure(ctx.runEntry("run"));
    assert.equal(error.kind, "RuntimeError");
    assert.equal(error.message, "RangeError: bad input");
    assert.equal(error.contextId, ctx.id);
    assert.deepEqual(error.rayaStack?.[0], { function: "inner", file: "t.raya", line: 2, column: 9 });
    assert.equal(ctx.state, "ready", "a failed Task does not end its context");
    assert.deepEqual(ctx.errorOutput, [], "the host's handle observed the failure");
  });

  it("collects failures of inner Tasks nobody awaited in errorOutput, not on the host's stderr", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "unawaited" });
    ctx.loadSource(`async function bad(): Task<void> { throw new Error("lost"); }\nexport async function run(): Task<int> { async bad(); sleep(30); return 1; }`, "u.raya");
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      assert.equal(await ctx.runEntry("run").result(), 1);
    } finally {
      process.stderr.write = original;
    }
    assert.deepEqual(ctx.errorOutput, ["Uncaught (in task bad#3) Error: lost"]);
    assert.deepEqual(written, []);
  });

  it("fails the context when module init throws", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "badinit" });
    const init = ctx.loadSource(`throw new Error("no");\nexport function f(): int { return 1; }`, "b.raya");
    const pending = ctx.runEntry("f");
    assert.equal((await failure(init)).kind, "RuntimeError");
    const error = await failure(pending);
    assert.equal(error.kind, "RuntimeError");
    assert.match(error.message, /Error: no/);
    assert.equal(ctx.state, "exited");
  });

  it("reports an unknown entry, a result that cannot be copied, bad bytecode and compile errors", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "errors" });
    ctx.loadSource(`class P { constructor(public x: int) {} }\nexport function p(): P { return new P(1); }\nexport function f(): () => int { return () => 1; }\nexport function cyc(): JsonValue { const a: JsonValue[] = []; a.push(a); return a; }`, "e.raya");
    assert.equal((await failure(ctx.runEntry("missing"))).kind, "EntryNotFound");
    const instance = await failure(ctx.runEntry("p"));
    assert.equal(instance.kind, "MarshalError");
    assert.match(instance.message, /instance of class P/);
    assert.match((await failure(ctx.runEntry("f"))).message, /a function/);
    assert.match((await failure(ctx.runEntry("cyc"))).message, /cycle/);
    assert.equal(thrown(() => ctx.loadSource("return 1;", "again.raya")).kind, "InvalidBytecode");

    const broken = compile("export function f(): int { return 1; }", { filename: "x.raya" });
    broken.functions[0].code = Int32Array.from([9999]);
    assert.equal(thrown(() => rt.createContext({ name: "bad" }).loadProgram(broken)).kind, "InvalidBytecode");
    const compileError = thrown(() => rt.createContext({ name: "ce" }).loadSource("const x: int = 'a';", "ce.raya"));
    assert.equal(compileError.kind, "CompileError");
    assert.match(compileError.message, /ce\.raya:1:16/);
  });

  it("refuses host arguments that are not plain data", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "args" });
    ctx.loadSource(`export function id(v: JsonValue): JsonValue { return v; }`, "a.raya");
    assert.equal((await failure(ctx.runEntry("id", [() => 1]))).kind, "MarshalError");
    assert.equal((await failure(ctx.runEntry("id", [new Date()]))).kind, "MarshalError");
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.match((await failure(ctx.runEntry("id", [cyclic]))).message, /cycle/);
  });
});

describe("Runtime: capabilities", () => {
  it("calls a granted host function with copied arguments and gives the inner program a copy of its result", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "caps" });
    const seen: unknown[][] = [];
    const shared = { list: [1, 2] };
    ctx.registerCapability("log", (...args) => {
      seen.push(args);
      return null;
    });
    ctx.registerCapability("config", () => shared);
    ctx.loadSource(
      `import { log, config } from "host:";
       export function run(): JsonValue {
         log("hello", 1, [true]);
         const c = config();
         if (c instanceof Map) { c.set("list", null); }
         return c;
       }`,
      "c.raya",
    );
    assert.deepEqual(await ctx.runEntry("run").result(), { list: null });
    assert.deepEqual(seen, [["hello", 1, [true]]]);
    assert.deepEqual(shared, { list: [1, 2] }, "the inner program changed its own copy only");
  });

  it("refuses to load a program importing a capability that was not granted, naming it", () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "nocap" });
    ctx.registerCapability("log", () => null);
    const error = thrown(() => ctx.loadSource(`import { log, readFile } from "host:";\nlog("x"); readFile("/etc/passwd");`, "n.raya"));
    assert.equal(error.kind, "CapabilityNotFound");
    assert.match(error.message, /'readFile'/);
  });

  it("turns a throwing host function or an uncopyable argument into a catchable inner Error", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "capfail" });
    ctx.registerCapability("fail", () => {
      throw new Error("disk full");
    });
    ctx.registerCapability("take", () => null);
    ctx.registerCapability("give", () => new Date());
    ctx.loadSource(
      `import { fail, take, give } from "host:";
       function attempt(f: () => void): string { try { f(); return "ok"; } catch (e) { if (e instanceof Error) return e.message; return "?"; } }
       export function run(): string[] {
         return [attempt(() => { fail(); }), attempt(() => { take(new Map<string, JsonValue>()); }), attempt(() => { give(); })];
       }`,
      "f.raya",
    ).result().catch(() => undefined);
    const messages = (await ctx.runEntry("run").result()) as string[];
    assert.equal(messages[0], "capability 'fail' failed: disk full");
    assert.equal(messages[1], "ok");
    assert.match(messages[2], /^MarshalError: the result of capability 'give' is not plain data/);
  });
});

describe("Runtime: limits", () => {
  it("counts the step budget exactly: a program that needs N steps runs with N and fails with N - 1", async () => {
    const source = `export function work(): int { let s = 0; for (let i = 0; i < 1000; i++) { s = s + i; } return s; }`;
    const measure = new Runtime().createContext({ name: "measure" });
    await measure.loadSource(source, "w.raya").result();
    const before = measure.stats().stepsExecuted;
    assert.equal(await measure.runEntry("work").result(), 499500);
    const needed = measure.stats().stepsExecuted;
    const rt = new Runtime();
    const exact = rt.createContext({ name: "exact", maxStepBudget: needed });
    await exact.loadSource(source, "w.raya").result();
    assert.equal(exact.stats().stepsExecuted, before);
    assert.equal(await exact.runEntry("work").result(), 499500);
    assert.equal(exact.stats().stepsExecuted, needed);
    const short = rt.createContext({ name: "short", maxStepBudget: needed - 1 });
    await short.loadSource(source, "w.raya").result();
    const error = await failure(short.runEntry("work"));
    assert.equal(error.kind, "StepBudgetExceeded");
    assert.equal(short.stats().stepsExecuted, needed - 1);
    assert.equal(short.state, "exited");
  });

  it("ends a spinning context with StepBudgetExceeded delivered to every awaiting handle; siblings continue", async () => {
    const rt = new Runtime();
    const hits: string[] = [];
    rt.on("limitHit", (info) => hits.push(`${info.contextId}:${info.kind}:${info.limit}`));
    const spinner = rt.createContext({ name: "spinner", maxStepBudget: 300_000 });
    spinner.loadSource(`${SPIN}\nexport async function nap(): Task<int> { sleep(100000); return 1; }`, "s.raya");
    const sibling = rt.createContext({ name: "sibling" });
    sibling.loadSource(`export function add(a: int, b: int): int { return a + b; }`, "sib.raya");
    const napping = spinner.runEntry("nap");
    const spinning = spinner.runEntry("spin");
    const [a, b] = await Promise.all([failure(napping), failure(spinning)]);
    assert.equal(a.kind, "StepBudgetExceeded");
    assert.equal(b.kind, "StepBudgetExceeded");
    assert.equal(spinner.stats().stepsExecuted, 300_000);
    assert.equal(spinner.stats().tasks, 0);
    assert.deepEqual(hits, [`${spinner.id}:StepBudgetExceeded:300000`]);
    assert.equal(await sibling.runEntry("add", [2, 3]).result(), 5);
    assert.equal(thrown(() => spinner.runEntry("spin")).kind, "StepBudgetExceeded");
  });

  it("fails a task bomb with TaskLimitExceeded and leaves other contexts running", async () => {
    const rt = new Runtime();
    const bomb = rt.createContext({ name: "bomb", maxTasks: 10 });
    bomb.loadSource(
      `async function forever(): Task<void> { while (true) { sleep(1); } }
       export function explode(): int { let n = 0; while (true) { async forever(); n++; } return n; }
       export async function few(): Task<int> { const ts = [async forever(), async forever()]; return ts.length; }`,
      "bomb.raya",
    );
    assert.equal(await bomb.runEntry("few").result(), 2);
    const error = await failure(bomb.runEntry("explode"));
    assert.equal(error.kind, "TaskLimitExceeded");
    assert.match(error.message, /limit of 10 tasks/);
    assert.equal(bomb.stats().tasks, 0, "every Task of the failed context ended");
    const other = rt.createContext({ name: "other" });
    assert.equal(await other.loadSource(`return "still here";`, "o.raya").result(), "still here");
  });

  it("records maxHeapBytes and reports the bytes reachable from the context", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "heap", maxHeapBytes: 1 << 20 });
    const empty = rt.createContext({ name: "empty" });
    assert.equal(empty.stats().heapBytesUsed, 0);
    await ctx.loadSource(`const big: int[] = []; for (let i = 0; i < 10000; i++) { big.push(i); } export function n(): int { return big.length; }`, "h.raya").result();
    const stats = ctx.stats();
    assert.equal(stats.maxHeapBytes, 1 << 20);
    assert.ok(stats.heapBytesUsed >= 10000 * 8, `heapBytesUsed ${stats.heapBytesUsed}`);
  });

  it("rejects limits that are not positive numbers", () => {
    assert.throws(() => new Runtime().createContext({ name: "x", maxTasks: 0 }), RangeError);
    assert.throws(() => new Runtime().createContext({ name: "x", maxStepBudget: -5 }), RangeError);
  });
});

describe("Runtime: termination, cancellation and events", () => {
  it("terminate() ends every Task, rejects awaiting handles with Terminated and refuses further use", async () => {
    const rt = new Runtime();
    const exits: string[] = [];
    rt.on("contextExited", (info) => exits.push(`${info.name}:${info.reason}`));
    const ctx = rt.createContext({ name: "victim" });
    ctx.loadSource(`export async function wait(): Task<int> { sleep(60000); return 1; }\n${SPIN}`, "v.raya");
    const waiting = ctx.runEntry("wait");
    const spinning = ctx.runEntry("spin");
    await new Promise((resolve) => setTimeout(resolve, 20));
    ctx.terminate();
    assert.equal((await failure(waiting)).kind, "Terminated");
    assert.equal((await failure(spinning)).kind, "Terminated");
    assert.equal(ctx.state, "exited");
    assert.equal(ctx.stats().tasks, 0);
    assert.deepEqual(exits, ["victim:Terminated"]);
    assert.equal(thrown(() => ctx.runEntry("wait")).kind, "Terminated");
    assert.equal(thrown(() => ctx.registerCapability("x", () => 1)).kind, "Terminated");
  });

  it("a capability may terminate its own context: the calling Task stops and later calls are refused", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "selfstop" });
    let calls = 0;
    ctx.registerCapability("stop", () => {
      calls++;
      ctx.terminate();
      return null;
    });
    ctx.loadSource(
      `import { stop } from "host:";
       export function run(): int { let caught = 0; for (let i = 0; i < 5; i++) { try { stop(); } catch (e) { caught++; } } return caught; }`,
      "s.raya",
    );
    const error = await failure(ctx.runEntry("run"));
    assert.equal(error.kind, "Terminated");
    assert.equal(calls, 1);
    assert.equal(ctx.stats().tasks, 0);
    const other = rt.createContext({ name: "after" });
    assert.equal(await other.loadSource("return 1;", "a.raya").result(), 1);
  });

  it("cancel() ends one Task; the context lives on", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "cancel" });
    ctx.loadSource(`export async function wait(): Task<int> { sleep(60000); return 1; }\nexport function one(): int { return 1; }`, "c.raya");
    const waiting = ctx.runEntry("wait");
    await new Promise((resolve) => setTimeout(resolve, 10));
    waiting.cancel();
    const error = await failure(waiting);
    assert.equal(error.kind, "Terminated");
    assert.match(error.message, /cancelled/);
    assert.equal(await ctx.runEntry("one").result(), 1);
    assert.equal(ctx.state, "ready");
  });

  it("emits contextCreated, taskStarted and taskFinished, and lists contexts", async () => {
    const rt = new Runtime();
    const events: string[] = [];
    rt.on("contextCreated", (i) => events.push(`created ${i.name} parent=${i.parent}`));
    rt.on("taskStarted", (i) => events.push(`start ${i.contextId}/${i.taskId} ${i.name}`));
    rt.on("taskFinished", (i) => events.push(`end ${i.contextId}/${i.taskId} ${i.state}`));
    const ctx = rt.createContext({ name: "observed", maxTasks: 5, weight: 2 });
    await ctx.loadSource(`export function f(): int { return 1; }`, "ob.raya").result();
    await ctx.runEntry("f").result();
    assert.deepEqual(events, [
      `created observed parent=null`,
      `start ${ctx.id}/1 main`,
      `end ${ctx.id}/1 done`,
      `start ${ctx.id}/2 f`,
      `end ${ctx.id}/2 done`,
    ]);
    const [info] = rt.contexts();
    assert.equal(info.name, "observed");
    assert.equal(info.state, "ready");
    assert.equal(info.parent, null);
    assert.deepEqual(info.limits, { maxHeapBytes: Infinity, maxTasks: 5, maxStepBudget: Infinity, weight: 2 });
    assert.equal(info.stats.tasks, 0);
    assert.equal(info.exitReason, null);
    assert.equal(ctx.vmContext?.weight, 2, "the weight reaches the scheduler's context");
  });
});

describe("Runtime: nesting", () => {
  it("bounds a child by its parent: limits are clamped, steps count against the parent, the parent's end ends the child", async () => {
    const rt = new Runtime();
    const parent = rt.createContext({ name: "parent", maxStepBudget: 200_000, maxTasks: 4 });
    await parent.loadSource(`let s = 0; for (let i = 0; i < 100; i++) { s = s + i; }`, "p.raya").result();
    const parentOwn = parent.stats().stepsExecuted;
    assert.ok(parentOwn > 100);
    const child = rt.createContext({ name: "child", parent, maxStepBudget: 10_000_000, maxTasks: 100 });
    assert.equal(child.limits.maxStepBudget, 200_000);
    assert.equal(child.limits.maxTasks, 4);
    assert.equal(rt.contexts()[1].parent, parent.id);
    child.loadSource(SPIN, "c.raya");
    const error = await failure(child.runEntry("spin"));
    assert.equal(error.kind, "Terminated", "the parent's budget ran out, which ended the child");
    assert.match(error.message, /parent context 'parent' exited/);
    assert.equal(parent.exitError?.kind, "StepBudgetExceeded");
    assert.equal(parent.stats().stepsExecuted, 200_000, "the child's steps are the parent's");
    assert.equal(child.stats().stepsExecuted, 200_000 - parentOwn);
    assert.throws(() => rt.createContext({ name: "orphan", parent }), VmError);
  });

  it("terminating a parent terminates its children", async () => {
    const rt = new Runtime();
    const parent = rt.createContext({ name: "p" });
    const child = rt.createContext({ name: "c", parent });
    child.loadSource(`export async function wait(): Task<int> { sleep(60000); return 1; }`, "w.raya");
    const waiting = child.runEntry("wait");
    parent.terminate();
    assert.equal((await failure(waiting)).kind, "Terminated");
    assert.equal(child.state, "exited");
  });
});

describe("Runtime: isolation and fairness", () => {
  it("gives each context its own globals even for the same program", async () => {
    const rt = new Runtime();
    const program = compile(`let count = 0; export function bump(): int { count++; return count; }`, { filename: "n.raya" });
    const a = rt.createContext({ name: "a" });
    const b = rt.createContext({ name: "b" });
    a.loadProgram(program);
    b.loadProgram(program);
    assert.equal(await a.runEntry("bump").result(), 1);
    assert.equal(await a.runEntry("bump").result(), 2);
    assert.equal(await b.runEntry("bump").result(), 1);
    assert.notEqual(a.vmContext?.globals, b.vmContext?.globals);
  });

  it("hands out a fresh copy on every crossing: no object of a context is reachable from the host or a sibling", async () => {
    const rt = new Runtime();
    const a = rt.createContext({ name: "a" });
    a.loadSource(`const items: JsonValue[] = [1]; export function get(): JsonValue { return items; } export function size(): int { return items.length; }`, "a.raya");
    const first = (await a.runEntry("get").result()) as unknown[];
    first.push(2);
    const second = (await a.runEntry("get").result()) as unknown[];
    assert.deepEqual(second, [1]);
    assert.notEqual(first, second);
    assert.equal(await a.runEntry("size").result(), 1);
    const b = rt.createContext({ name: "b" });
    b.loadSource(`export function keep(v: JsonValue): int { if (Array.isArray(v)) { v.push(99); return v.length; } return -1; }`, "b.raya");
    assert.equal(await b.runEntry("keep", [second]).result(), 2);
    assert.equal(await a.runEntry("size").result(), 1);
    assert.deepEqual(second, [1]);
  });

  it("ten contexts spinning forever leave the host's timers and a sibling running", async function () {
    this.timeout(20000);
    const rt = new Runtime();
    const spinners: ContextHandle[] = [];
    const spinning: TaskHandle[] = [];
    const program = compile(SPIN, { filename: "spin.raya" });
    for (let i = 0; i < 10; i++) {
      const ctx = rt.createContext({ name: `spin${i}` });
      ctx.loadProgram(program);
      spinners.push(ctx);
      spinning.push(ctx.runEntry("spin"));
    }
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const timerDelay = Date.now() - started;
    const worker = rt.createContext({ name: "worker" });
    worker.loadSource(`export function sum(n: int): number { let s: number = 0; for (let i = 0; i < n; i++) { s = s + i; } return s; }`, "w.raya");
    assert.equal(await worker.runEntry("sum", [50_000]).result(), 1249975000);
    const workerTime = Date.now() - started;
    for (const ctx of spinners) assert.ok(ctx.stats().stepsExecuted > 0, `${ctx.name} ran`);
    for (const ctx of spinners) ctx.terminate();
    for (const handle of spinning) assert.equal((await failure(handle)).kind, "Terminated");
    assert.ok(timerDelay < 1000, `the host timer fired after ${timerDelay} ms`);
    assert.ok(workerTime < 15000, `the sibling finished after ${workerTime} ms`);
  });
});
