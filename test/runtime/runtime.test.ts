// The multi-context Runtime (runtime/vm/runtime.ts, docs/inner-vm.md): loading, entries,
// capabilities, marshalling and foreign handles, limits, termination, events, nesting, isolation,
// fairness and snapshots.
import { strict as assert } from "node:assert";
import { compile, Runtime, VmError, type ContextHandle, type TaskHandle } from "../../runtime/index";
import { failure, thrown } from "./vm-error-helpers";
import { isForeignHandle } from "../../runtime/vm/marshal";

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

  it("copies arguments in (plain objects become object literals) and results out (object literals become null-prototype objects)", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "copy" });
    ctx.loadSource(
      `interface Payload { a: number[]; tag: string }
       export function echo(v: Payload): Payload { v.a.push(3); return v; }
       export function shape(): JsonValue { const m = new Map<string, JsonValue>(); m.set("k", [1, "x", null]); return m; }`,
      "copy.raya",
    );
    const input = { a: [1, 2], tag: "x" };
    const output = (await ctx.runEntry("echo", [input]).result()) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(output), null);
    assert.deepEqual({ ...output }, { a: [1, 2, 3], tag: "x" });
    assert.deepEqual(input, { a: [1, 2], tag: "x" }, "the host's object is untouched");
    assert.deepEqual(await ctx.runEntry("shape").result(), new Map([["k", [1, "x", null]]]));
  });

  it("preserves cycles and shared structure in both directions", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "cycles" });
    ctx.loadSource(
      `export function selfHeld(v: JsonValue[]): boolean { return v[0] === v && v[1] === v[2]; }
       export function cyc(): JsonValue[] { const a: JsonValue[] = []; a.push(a); return a; }`,
      "cy.raya",
    );
    const shared = [7];
    const cyclic: unknown[] = [];
    cyclic.push(cyclic, shared, shared);
    assert.equal(await ctx.runEntry("selfHeld", [cyclic]).result(), true);
    const out = (await ctx.runEntry("cyc").result()) as unknown[];
    assert.equal(out[0], out);
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

  it("reports an unknown entry, bad bytecode and compile errors", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "errors" });
    ctx.loadSource(`export function f(): int { return 1; }`, "e.raya");
    assert.equal((await failure(ctx.runEntry("missing"))).kind, "EntryNotFound");
    assert.equal(thrown(() => ctx.loadSource("return 1;", "again.raya")).kind, "InvalidBytecode");

    const broken = compile("export function f(): int { return 1; }", { filename: "x.raya" });
    broken.functions[0].code = Int32Array.from([9999]);
    assert.equal(thrown(() => rt.createContext({ name: "bad" }).loadProgram(broken)).kind, "InvalidBytecode");
    const compileError = thrown(() => rt.createContext({ name: "ce" }).loadSource("const x: int = 'a';", "ce.raya"));
    assert.equal(compileError.kind, "CompileError");
    assert.match(compileError.message, /ce\.raya:1:16/);
  });

  it("refuses host arguments that are not plain data with a MarshalError naming where", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "args" });
    ctx.loadSource(`export function id(v: JsonValue): JsonValue { return v; }`, "a.raya");
    const fn = await failure(ctx.runEntry("id", [() => 1]));
    assert.equal(fn.kind, "MarshalError");
    assert.match(fn.message, /^argument 1 of 'id' cannot cross the context boundary at \$: /);
    const date = await failure(ctx.runEntry("id", [{ when: [new Date()] }]));
    assert.equal(date.kind, "MarshalError");
    assert.match(date.message, /at \$\.when\[0\]: a Date/);
    // Refused when the entry is requested (arguments are copied at once), and the context lives on.
    assert.equal(await ctx.runEntry("id", [[1, "two"]]).result().then((v) => JSON.stringify(v)), '[1,"two"]');
    assert.equal(ctx.state, "ready", "a refused argument does not end the context");
  });
});

describe("Runtime: foreign handles", () => {
  const SOURCE = `class P { constructor(public x: int) {} }
export function make(): P { return new P(7); }
export function read(p: P): int { return p.x; }
export function adder(n: int): (x: int) => int { return (x: int): int => x + n; }
export function apply(f: (x: int) => int, v: int): int { return f(v); }
export function same(a: P, b: P): boolean { return a === b; }
export async function later(): Task<int> { sleep(1); return 5; }
export function tasks(): Task<int>[] { return [later()]; }
export async function join(t: Task<int>): Task<int> { return await t; }
export function keep(v: JsonValue): JsonValue { return v; }`;

  it("gives the host opaque handles for class instances, functions and Tasks that unwrap back in their own context", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "owner" });
    ctx.loadSource(SOURCE, "h.raya");
    const instance = await ctx.runEntry("make").result();
    assert.ok(isForeignHandle(instance));
    assert.equal(instance.foreignKind, "object");
    assert.equal(instance.foreignName, "P");
    assert.deepEqual(Object.keys(instance), ["sourceLabel", "foreignKind", "foreignName"], "nothing reaches the referent");
    assert.equal(await ctx.runEntry("read", [instance]).result(), 7);
    assert.equal(await ctx.runEntry("same", [instance, instance]).result(), true);
    assert.equal(await ctx.runEntry("keep", [instance]).result(), instance, "one object crosses as one handle");

    const add10 = await ctx.runEntry("adder", [10]).result();
    assert.ok(isForeignHandle(add10) && add10.foreignKind === "function");
    assert.equal(await ctx.runEntry("apply", [add10, 5]).result(), 15);

    const [task] = (await ctx.runEntry("tasks").result()) as unknown[];
    assert.ok(isForeignHandle(task) && task.foreignKind === "task");
    assert.equal(await ctx.runEntry("join", [task]).result(), 5);
  });

  it("keeps a handle inert in another context: it passes through unchanged and cannot be used", async () => {
    const rt = new Runtime();
    const owner = rt.createContext({ name: "owner" });
    const other = rt.createContext({ name: "other" });
    const program = compile(SOURCE, { filename: "h.raya" });
    owner.loadProgram(program);
    other.loadProgram(program);
    const instance = await owner.runEntry("make").result();
    const add10 = await owner.runEntry("adder", [10]).result();
    assert.equal(await other.runEntry("keep", [instance]).result(), instance);
    const read = await failure(other.runEntry("read", [instance]));
    assert.equal(read.kind, "RuntimeError");
    assert.match(read.message, /^TypeError/);
    const call = await failure(other.runEntry("apply", [add10, 1]));
    assert.match(call.message, /^TypeError/);
    assert.equal(other.state, "ready", "misusing a handle is a catchable error, not a crash");
    assert.equal(await owner.runEntry("read", [await other.runEntry("keep", [instance]).result()]).result(), 7, "it still unwraps at home");
  });
});

describe("Runtime: capabilities", () => {
  it("calls a granted host function with copied arguments and gives the inner program a copy of its result", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "caps" });
    const seen: unknown[][] = [];
    // A JsonValue object is a Map in Raya: the host passes a Map (a plain object would arrive as an object literal).
    const shared = new Map([["list", [1, 2]]]);
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
    assert.deepEqual(await ctx.runEntry("run").result(), new Map([["list", null]]));
    assert.deepEqual(seen, [["hello", 1, [true]]]);
    assert.deepEqual(shared, new Map([["list", [1, 2]]]), "the inner program changed its own copy only");
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
    assert.match(messages[2], /^MarshalError: the result of capability 'give' cannot cross the context boundary at \$: a Date/);
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

describe("Runtime: snapshots", () => {
  const TICKER = `import { note } from "host:";
export async function tick(n: int): Task<int> {
  let total = 0;
  for (let i = 0; i < n; i++) { sleep(2); total = total + i; console.log("tick " + i); note(i); }
  return total;
}`;

  async function waitForOutput(ctx: ContextHandle, lines: number): Promise<void> {
    while (ctx.output.length < lines) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  it("restores a context snapshotted mid-run into the same Runtime and finishes as an uninterrupted run does", async () => {
    const rt = new Runtime();
    const plain = rt.createContext({ name: "plain" });
    const plainNotes: unknown[] = [];
    plain.registerCapability("note", (i) => plainNotes.push(i));
    plain.loadSource(TICKER, "tick.raya");
    const expected = await plain.runEntry("tick", [6]).result();

    const original = rt.createContext({ name: "original" });
    const notes: unknown[] = [];
    original.registerCapability("note", (i) => notes.push(i));
    original.loadSource(TICKER, "tick.raya");
    const running = original.runEntry("tick", [6]);
    await waitForOutput(original, 2);
    const bytes = original.snapshot();
    original.terminate();
    assert.equal((await failure(running)).kind, "Terminated");
    const linesAtSnapshot = JSON.parse(JSON.stringify(original.output)) as string[];

    const restored = rt.restoreContext(bytes, { name: "restored", capabilities: { note: (i) => notes.push(i) } });
    assert.notEqual(restored.id, original.id);
    assert.equal(rt.context(restored.id), restored);
    assert.equal(restored.restoredTasks.length, 1);
    assert.equal(await restored.restoredTasks[0].result(), expected);
    assert.deepEqual(restored.output, plain.output, "output so far plus what the restored run printed");
    assert.ok(linesAtSnapshot.length >= 2 && linesAtSnapshot.length < 6);
    assert.deepEqual(notes, plainNotes, "the re-granted capability saw the remaining calls");
    assert.equal(await restored.runEntry("tick", [2]).result(), 1, "the restored context takes new entries");
  });

  it("refuses a snapshot while a Task of the context runs (a capability calling it inside a slice)", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "busy" });
    const refusals: VmError[] = [];
    ctx.registerCapability("snap", () => {
      refusals.push(thrown(() => ctx.snapshot()));
      return null;
    });
    ctx.loadSource(`import { snap } from "host:";\nexport function run(): int { snap(); return 1; }`, "busy.raya");
    assert.equal(await ctx.runEntry("run").result(), 1);
    assert.equal(refusals.length, 1);
    assert.match(refusals[0].message, /while its task run#\d+ is running; snapshot between slices/);
    assert.ok(ctx.snapshot() instanceof Uint8Array, "between slices it works");
  });

  it("rejects corrupt bytes with InvalidSnapshot and an ungranted capability with CapabilityNotFound, changing nothing", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "src" });
    ctx.registerCapability("note", () => null);
    ctx.loadSource(TICKER, "tick.raya");
    assert.equal(await ctx.runEntry("tick", [1]).result(), 0);
    const bytes = ctx.snapshot();
    const before = rt.contexts().length;

    const corrupt = bytes.slice();
    corrupt[corrupt.length - 10] ^= 0xff;
    const invalid = thrown(() => rt.restoreContext(corrupt, { capabilities: { note: () => null } }));
    assert.equal(invalid.kind, "InvalidSnapshot");
    assert.match(invalid.message, /CRC-32 does not match/);
    assert.equal(thrown(() => rt.restoreContext(new Uint8Array([1, 2, 3]))).kind, "InvalidSnapshot");

    const missing = thrown(() => rt.restoreContext(bytes));
    assert.equal(missing.kind, "CapabilityNotFound");
    assert.match(missing.message, /'note'/);
    assert.equal(rt.contexts().length, before, "no context was created");

    const fine = rt.restoreContext(bytes, { capabilities: { note: () => null } });
    assert.equal(fine.state, "ready");
    assert.equal(await fine.runEntry("tick", [3]).result(), 3);
  });
});

describe("Runtime: heap limits (maxHeapBytes)", () => {
  const LIMIT = 2 * 1024 * 1024;
  const BOMBS: Record<string, string> = {
    "doubling strings": `export function bomb(): int { let s = "x"; while (true) { s = s + s; } return s.length; }`,
    "a growing array": `export function bomb(): int { const a: int[] = []; while (true) { a.push(a.length); } return a.length; }`,
    "a linked list of objects": `
      class Cell { constructor(public next: Cell | null, public label: string) {} }
      export function bomb(): int { let head: Cell | null = null; let n = 0; while (true) { head = new Cell(head, "c" + n); n = n + 1; } return n; }`,
    "a growing Map": `export function bomb(): int { const m = new Map<int, string>(); let i = 0; while (true) { m.set(i, "v"); i = i + 1; } return m.size; }`,
    "closures capturing big arrays": `
      export function bomb(): int {
        const keep: (() => int)[] = [];
        while (true) {
          const big: int[] = [];
          for (let i = 0; i < 1000; i++) { big.push(i); }
          keep.push(() => big.length);
        }
        return keep.length;
      }`,
  };

  for (const [what, source] of Object.entries(BOMBS)) {
    it(`ends a context allocating ${what} with HeapLimitExceeded while a sibling and the host finish`, async () => {
      const rt = new Runtime();
      const hits: string[] = [];
      rt.on("limitHit", (info) => hits.push(info.kind));
      const bomb = rt.createContext({ name: "bomb", maxHeapBytes: LIMIT });
      bomb.loadSource(source, "bomb.raya");
      const exploding = bomb.runEntry("bomb");
      const sibling = rt.createContext({ name: "sibling" });
      sibling.loadSource(`export function sum(n: int): number { let s: number = 0; for (let i = 0; i < n; i++) { s = s + i; } return s; }`, "s.raya");
      const summing = sibling.runEntry("sum", [100_000]);

      const error = await failure(exploding);
      assert.equal(error.kind, "HeapLimitExceeded");
      assert.match(error.message, /heap limit of 2097152 bytes/);
      assert.equal(error.contextId, bomb.id);
      assert.deepEqual(hits, ["HeapLimitExceeded"]);
      assert.equal(await summing.result(), 4999950000);
      assert.equal(bomb.state, "exited");
      assert.equal(bomb.exitError?.kind, "HeapLimitExceeded");
      const stats = bomb.stats();
      assert.equal(stats.tasks, 0, "every Task of the failed context ended");
      assert.equal(stats.heapBytesUsed, 0, "its memory is released");
      // The peak is the larger of the counts charged and the live size the final collection
      // measured (the charges price growth ahead of time, the collection what is really there).
      assert.ok(stats.heapPeakBytes < 2 * LIMIT, `peak ${stats.heapPeakBytes} near the limit`);
      assert.ok(stats.heapPeakBytes > LIMIT / 2, `peak ${stats.heapPeakBytes} near the limit`);
      assert.ok(bomb.vmContext!.globals.every((g) => g === null), "globals cleared");
      assert.equal(sibling.state, "ready");
      // The host goes on: its own timers still fire after the context failed.
      assert.equal(await new Promise((resolve) => setTimeout(() => resolve("host"), 1)), "host");
      assert.equal(thrown(() => bomb.runEntry("bomb")).kind, "HeapLimitExceeded", "an exited context refuses further use");
    });
  }

  it("delivers HeapLimitExceeded to every awaiting handle of the context", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "many", maxHeapBytes: LIMIT });
    ctx.loadSource(
      `export function waitLong(): int { sleep(10_000); return 1; }
       export function bomb(): int { const a: string[] = []; while (true) { a.push("n" + a.length); } return 0; }`,
      "m.raya",
    );
    const sleepers = [ctx.runEntry("waitLong"), ctx.runEntry("waitLong")];
    const exploding = ctx.runEntry("bomb");
    for (const handle of [exploding, ...sleepers]) assert.equal((await failure(handle)).kind, "HeapLimitExceeded");
    assert.equal(ctx.stats().tasks, 0);
  });

  it("never hits the limit in a context that allocates garbage in a loop but keeps little live", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "churn", maxHeapBytes: 1024 * 1024 });
    ctx.loadSource(
      `export function churn(rounds: int): int {
         let total = 0;
         for (let i = 0; i < rounds; i++) {
           const tmp: int[] = [];
           for (let j = 0; j < 50; j++) { tmp.push(j); }
           const label = "item " + i + " of " + rounds;
           const m = new Map<string, int>();
           m.set(label, tmp.length);
           const f = (): int => tmp.length + label.length;
           total = total + f();
         }
         return total;
       }`,
      "churn.raya",
    );
    const result = (await ctx.runEntry("churn", [40_000]).result()) as number;
    assert.ok(result > 40_000 * 60, `result ${result}`);
    const account = ctx.vmContext!.heap!;
    assert.ok(account.collections > 3, `collected ${account.collections} times`);
    const stats = ctx.stats();
    assert.ok(stats.heapPeakBytes <= 1024 * 1024, `peak ${stats.heapPeakBytes}`);
    assert.ok(stats.heapBytesUsed > 0 && stats.heapBytesUsed <= 1024 * 1024);
    assert.equal(ctx.state, "ready");
  });

  it("runs a program within its limit exactly as an unlimited context does", async () => {
    const source = `
      class Point { constructor(public x: number, public y: number) {} }
      const words = "the quick brown fox jumps over the lazy dog".split(" ");
      const counts = new Map<string, int>();
      for (const w of words) { counts.set(w, (counts.get(w) ?? 0) + 1); }
      const points: Point[] = [];
      for (let i = 0; i < 100; i++) { points.push(new Point(i, i * 0.5)); }
      const shout = words.map((w: string): string => w.toUpperCase()).join("-");
      console.log(shout, counts.get("the"), points[99].y, [...counts.keys()].length);
      export function total(): number { let s: number = 0; for (const p of points) { s = s + p.x + p.y; } return s; }`;
    const rt = new Runtime();
    const limited = rt.createContext({ name: "limited", maxHeapBytes: 512 * 1024 });
    const free = rt.createContext({ name: "free" });
    for (const ctx of [limited, free]) ctx.loadSource(source, "p.raya");
    const totals = await Promise.all([limited.runEntry("total").result(), free.runEntry("total").result()]);
    assert.equal(totals[0], totals[1]);
    assert.deepEqual(limited.output, free.output);
    assert.deepEqual(limited.output, ["THE-QUICK-BROWN-FOX-JUMPS-OVER-THE-LAZY-DOG 2 49.5 8"]);
    assert.equal(free.vmContext!.heap, null, "an unlimited context has no account");
    assert.ok(limited.stats().heapBytesUsed > 0);
  });
});
