// VM tests through the compiler: Raya source in, output and results out.
import { strict as assert } from "node:assert";
import { compile } from "../../runtime/compiler/compile";
import { inspect, toPlainValue } from "../../runtime/vm/format";
import { RayaRuntimeError, runProgram, type RunOutcome } from "../../runtime/vm/run";

function runSource(source: string): Promise<RunOutcome> {
  return runProgram(compile(source, { filename: "main.raya" }));
}

async function output(source: string): Promise<string[]> {
  return (await runSource(source)).output;
}

async function result(source: string): Promise<unknown> {
  return (await runSource(source)).value;
}

async function failure(source: string): Promise<RayaRuntimeError> {
  try {
    await runSource(source);
  } catch (error) {
    assert.ok(error instanceof RayaRuntimeError, `expected RayaRuntimeError, got ${String(error)}`);
    return error;
  }
  assert.fail("the program should have failed");
}

describe("vm end to end: errors", () => {
  it("catches a 1,000,000-deep recursion as a RangeError in Raya", async () => {
    const value = await result(`
      function down(n: int): int { return down(n + 1) + 1; }
      let caught = "none";
      try {
        down(0);
      } catch (e) {
        if (e instanceof RangeError) caught = e.name + ": " + e.message;
      }
      return caught;`);
    assert.equal(value, "RangeError: Maximum call stack size exceeded");
  });

  it("gives Error instances a V8-style stack naming each function and line", async () => {
    const value = await result(`
      function inner(): Error {
        return new Error("deep");
      }
      function outer(): Error {
        return inner();
      }
      return outer().stack;`);
    assert.equal(
      value,
      [
        "Error: deep",
        "    at inner (main.raya:3:16)",
        "    at outer (main.raya:6:16)",
        "    at <module:main.raya> (main.raya:8:14)",
        "    at <entry> (main.raya:1:1)",
      ].join("\n"),
    );
  });

  it("reports an uncaught error with its class, message and Raya stack", async () => {
    const error = await failure(`
      class ConfigError extends Error {}
      function load(): void {
        throw new ConfigError("missing key");
      }
      load();`);
    assert.equal(error.errorName, "ConfigError");
    assert.equal(error.rayaMessage, "missing key");
    assert.deepEqual(error.rayaStack[0], { function: "load", file: "main.raya", line: 4, column: error.rayaStack[0].column });
  });

  it("makes VM-raised errors catchable instances of the prelude classes", async () => {
    const value = await result(`
      const xs = [1, 2, 3];
      const names: string[] = [];
      try { xs[5]; } catch (e) { if (e instanceof RangeError) names.push(e.name); }
      try { JSON.parse("{"); } catch (e) { if (e instanceof Error) names.push(e.name); }
      try { "x".repeat(-1); } catch (e) { if (e instanceof RangeError) names.push("repeat " + e.name); }
      return names;`);
    assert.deepEqual(value, ["RangeError", "SyntaxError", "repeat RangeError"]);
  });

  it("reports a thrown string as Uncaught", async () => {
    const error = await failure(`throw "plain";`);
    assert.equal(error.errorName, "Uncaught");
    assert.equal(error.rayaMessage, "plain");
    assert.equal(error.rayaStack[0].line, 1);
  });
});

describe("vm end to end: prelude builtins", () => {
  it("runs callback-taking array methods written in Raya", async () => {
    const value = await result(`
      const xs = [3, 1, 2];
      const sum = xs.reduce((a, b) => a + b);
      const sumFrom = xs.reduce((a, b) => a + b, 10);
      return [
        xs.map((x) => x * 2),
        xs.filter((x) => x > 1),
        sum,
        sumFrom,
        xs.find((x) => x > 5),
        xs.findIndex((x) => x === 2),
        xs.some((x) => x > 2),
        xs.every((x) => x > 2),
        xs.flatMap((x) => [x, x]),
      ];`);
    assert.deepEqual(value, [[6, 2, 4], [3, 2], 6, 16, null, 2, true, false, [3, 3, 1, 1, 2, 2]]);
  });

  it("sorts stably with a comparator and by string order without one", async () => {
    const value = await result(`
      const people = [{ n: "a", k: 2 }, { n: "b", k: 1 }, { n: "c", k: 2 }, { n: "d", k: 1 }];
      people.sort((x, y) => x.k - y.k);
      const nums = [10, 9, 1, 100];
      nums.sort();
      return [people.map((p) => p.n).join(""), nums];`);
    assert.deepEqual(value, ["bdac", [1, 10, 100, 9]]);
  });

  it("iterates Map and Set with forEach", async () => {
    const lines = await output(`
      const m = new Map<string, int>([["a", 1], ["b", 2]]);
      m.forEach((v, k) => console.log(k, v));
      new Set<int>([7, 8]).forEach((v) => console.log(v));`);
    assert.deepEqual(lines, ["a 1", "b 2", "7", "8"]);
  });

  it("lets a callback suspend its Task", async () => {
    const value = await result(`
      const xs = [1, 2, 3].map((x) => {
        sleep(1);
        return x * 10;
      });
      return xs;`);
    assert.deepEqual(value, [10, 20, 30]);
  });
});

describe("vm end to end: values and formatting", () => {
  it("formats console.log output like Node", async () => {
    const lines = await output(`
      class Point { constructor(public x: number, public y: number) {} }
      const negativeZero: number = -1 / Infinity;
      console.log({ a: { b: { c: { d: 1 } } } });
      console.log([new Point(1, 2)], negativeZero, [negativeZero]);
      console.log(["it's"], 'say "hi"');
      console.log(new Map<int, string>([[1, "x"]]), new Set<string>(["y"]));
      console.log([1.5, null, true]);`);
    assert.deepEqual(lines, [
      "{ a: { b: { c: [Object] } } }",
      "[ Point { x: 1, y: 2 } ] -0 [ -0 ]",
      `[ "it's" ] say "hi"`,
      "Map(1) { 1 => 'x' } Set(1) { 'y' }",
      "[ 1.5, null, true ]",
    ]);
  });

  it("converts values to strings as JavaScript's String() does", async () => {
    const value = await result(`
      const o = { a: 1 };
      return \`\${[1, 2, [3, 4]]}|\${null}|\${o}|\${1e21}|\${-0}\`;`);
    assert.equal(value, "1,2,3,4|null|[object Object]|1e+21|0");
  });

  it("converts the program result to JSON-compatible JavaScript", async () => {
    const value = await result(`
      function named(): int { return 1; }
      const m = new Map<string, int>();
      m.set("k", 1);
      const pairs = new Map<int, int>();
      pairs.set(1, 2);
      return { m: m, pairs: pairs, s: new Set<int>([1, 2]), f: named };`);
    assert.deepEqual(value, { m: { k: 1 }, pairs: [[1, 2]], s: [1, 2], f: "[Function: named]" });
  });

  it("parses JSON objects into Maps and stringifies class instances", async () => {
    const value = await result(`
      class P { constructor(public x: int) {} }
      const parsed = JSON.parse('{"a": [1, {"b": null}]}');
      let isMap = false;
      if (parsed instanceof Map) isMap = true;
      return [isMap, JSON.stringify(new P(3)), JSON.stringify([new Map<string, int>([["z", 1]])])];`);
    assert.deepEqual(value, [true, '{"x":3}', '[{"z":1}]']);
  });

  it("marks cycles in the result and in console.log", () => {
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    assert.deepEqual(toPlainValue(cyclic), [1, "[Circular]"]);
    assert.equal(inspect(cyclic), "<ref *1> [ 1, [Circular *1] ]");
  });
});

describe("vm end to end: classes", () => {
  it("supports getters, setters, statics and instanceof", async () => {
    const value = await result(`
      class Temp {
        static count = 0;
        private c: number = 0;
        constructor() { Temp.count++; }
        get f(): number { return this.c * 9 / 5 + 32; }
        set f(v: number) { this.c = (v - 32) * 5 / 9; }
        static make(): Temp { return new Temp(); }
      }
      const t = Temp.make();
      t.f = 212;
      const assigned = (t.f = 32);
      return [t.f, assigned, Temp.count, t instanceof Temp];`);
    assert.deepEqual(value, [32, 32, 1, true]);
  });

  it("binds methods read as values", async () => {
    const value = await result(`
      class Counter {
        n = 0;
        inc(): int { this.n++; return this.n; }
      }
      const c = new Counter();
      const f = c.inc;
      f();
      f();
      return c.n;`);
    assert.equal(value, 2);
  });
});

describe("vm end to end: tasks", () => {
  it("interleaves tasks by their sleeps and awaits all results", async () => {
    const run = await runSource(`
      async function worker(name: string, ms: int): Promise<string> {
        sleep(ms);
        console.log(name);
        return name;
      }
      const results = await [worker("slow", 30), worker("fast", 5)];
      return results;`);
    assert.deepEqual(run.output, ["fast", "slow"]);
    assert.deepEqual(run.value, ["slow", "fast"]);
  });

  it("rethrows the first failure of an awaited array", async () => {
    const value = await result(`
      async function bad(): Promise<int> { throw new Error("task failed"); }
      async function good(): Promise<int> { sleep(5); return 1; }
      try {
        await [good(), bad()];
        return "no error";
      } catch (e) {
        if (e instanceof Error) return e.message;
        return "other";
      }`);
    assert.equal(value, "task failed");
  });

  it("reports a deadlock instead of hanging", async () => {
    const error = await failure(`
      let other: Task<int> | null = null;
      async function waiter(): Promise<int> {
        sleep(1);
        if (other != null) return await other;
        return 0;
      }
      other = waiter();
      await other;`);
    assert.match(error.rayaMessage, /deadlock|cannot await itself/);
  });

  it("lets other Tasks finish after the main code returns, as Node does", async () => {
    const run = await runSource(`
      async function late(): Promise<void> {
        sleep(5);
        console.log("late");
      }
      late();
      console.log("main done");
      return 1;`);
    assert.deepEqual(run.output, ["main done", "late"]);
    assert.equal(run.value, 1);
  });

  it("runs Channel as a builtin (it used to be reported as not available)", async () => {
    const run = await runSource(`
      const c = new Channel<int>(1);
      c.send(4);
      return c.receive();`);
    assert.equal(run.value, 4);
  });
});
