// Heap accounting: the size model, the iterative tracer, HeapAccount's collection and limit
// decisions, and the model against V8's real heap growth for real Raya programs.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { compile } from "../../runtime/compiler/compile";
import { VmContext } from "../../runtime/vm/context";
import {
  arrayBytes, closureBytes, contextRoots, robjectBytes, HEAP_SIZES, HeapAccount, mapBytes, measureReachable, setBytes, sizeOf, stringBytes,
} from "../../runtime/vm/heap";
import { interpret, RunStatus } from "../../runtime/vm/interpreter";
import { createMainTask } from "../../runtime/vm/run";
import { Scheduler } from "../../runtime/vm/scheduler";
import { BoundMethod, Box, Closure, Layout, RObject } from "../../runtime/vm/value";

const S = HEAP_SIZES;
const POINT = new Layout("Point", ["x", "y"]);
const NODE = new Layout("Node", ["value", "next"]);
const NO_PROTO = null as unknown as Closure["proto"];

/** Compiles and runs `source` to completion on a fresh context; the context keeps its state. */
function runToEnd(source: string): VmContext {
  const context = new VmContext(compile(source, { filename: "main.raya" }), new Scheduler());
  const task = createMainTask(context);
  let status = interpret(task, 1_000_000);
  while (status === RunStatus.Preempted) status = interpret(task, 1_000_000);
  assert.equal(status, RunStatus.Done, "the program should finish");
  return context;
}

describe("heap: the size model", () => {
  it("prices primitives: small integers, null and booleans are free, doubles are boxed", () => {
    assert.equal(sizeOf(null), 0);
    assert.equal(sizeOf(true), 0);
    assert.equal(sizeOf(42), 0);
    assert.equal(sizeOf(-2147483648), 0);
    assert.equal(sizeOf(0.5), S.HEAP_NUMBER);
    assert.equal(sizeOf(2 ** 40), S.HEAP_NUMBER);
    assert.equal(sizeOf(-0), S.HEAP_NUMBER);
  });

  it("prices strings by length, two bytes a character outside Latin-1", () => {
    assert.equal(sizeOf(""), 16);
    assert.equal(sizeOf("abc"), 24);
    assert.equal(sizeOf("x".repeat(1000)), 16 + 1000);
    assert.equal(sizeOf("é".repeat(9)), 16 + 16);
    assert.equal(sizeOf("\u0101".repeat(10)), 16 + 24);
    assert.equal(stringBytes("\u{1F600}"), 16 + 8);
  });

  it("prices arrays with a floor of eight slots and a quarter of slack", () => {
    assert.equal(sizeOf([]), 32);
    assert.equal(sizeOf([1]), 32 + 16 + 8 * 8);
    assert.equal(sizeOf(new Array(100).fill(null)), 32 + 16 + 125 * 8);
    assert.equal(arrayBytes(1000), 32 + 16 + 1250 * 8);
  });

  it("prices Maps and Sets by V8's power-of-two table capacity", () => {
    assert.equal(sizeOf(new Map()), 72 + 4 * 28);
    assert.equal(mapBytes(5), 72 + 8 * 28);
    assert.equal(sizeOf(new Map(Array.from({ length: 100 }, (_, i) => [i, i]))), 72 + 128 * 28);
    assert.equal(sizeOf(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9])), 72 + 16 * 20);
    assert.equal(setBytes(0), 72 + 4 * 20);
  });

  it("prices objects, boxes, closures and bound methods without their referents", () => {
    assert.equal(sizeOf(new RObject(POINT, [1, 2])), 40 + arrayBytes(2));
    assert.equal(sizeOf(new RObject(POINT, [{}, "a long string that is not priced here"])), 40 + arrayBytes(2));
    assert.equal(sizeOf(new Box(new Array(1000))), 32);
    assert.equal(sizeOf(new Closure(NO_PROTO, [])), 40 + 32);
    assert.equal(sizeOf(new Closure(NO_PROTO, [new Box(1), new Box(2)])), 40 + arrayBytes(2));
    assert.equal(sizeOf(new BoundMethod(1, new Closure(NO_PROTO, []))), 40);
  });

  it("prices allocations before they happen exactly as sizeOf prices the result", () => {
    for (const count of [0, 1, 2, 9, 40]) {
      assert.equal(robjectBytes(count), sizeOf(new RObject(POINT, new Array(count).fill(null))));
      assert.equal(closureBytes(count), sizeOf(new Closure(NO_PROTO, new Array(count).fill(new Box(0)))));
      assert.equal(arrayBytes(count), sizeOf(new Array(count).fill(0)));
    }
  });

  it("treats unknown objects as opaque and fixed-size", () => {
    assert.equal(sizeOf({ huge: new Array(100000).fill(0) }), S.OPAQUE);
    assert.equal(sizeOf(new Uint8Array(1 << 20)), S.OPAQUE);
  });
});

describe("heap: tracing", () => {
  it("sums every reachable value once", () => {
    const point = new RObject(POINT, [1.5, 2]);
    const list = [point, point, "abc"];
    const expected = arrayBytes(3) + sizeOf(point) + S.HEAP_NUMBER + sizeOf("abc") + sizeOf(POINT);
    assert.equal(measureReachable([list]), expected);
  });

  it("counts a cycle once and terminates", () => {
    const a = new RObject(NODE, [1, null]);
    const b = new RObject(NODE, [2, a]);
    a.fields[1] = b;
    const box = new Box(null);
    box.value = box;
    assert.equal(measureReachable([a]), 2 * sizeOf(a) + sizeOf(NODE));
    assert.equal(measureReachable([box, box]), S.BOX);
  });

  it("counts an object shared by several roots and containers once", () => {
    const shared = new Array(50).fill(7);
    const map = new Map<unknown, unknown>([["k", shared]]);
    const set = new Set<unknown>([shared]);
    const total = measureReachable([shared, map, set, [shared]]);
    assert.equal(total, arrayBytes(50) + mapBytes(1) + sizeOf("k") + setBytes(1) + arrayBytes(1));
  });

  it("counts each distinct string value once, and the owner's constants not at all", () => {
    const made = ["ab", "cd"].join("-");
    assert.equal(measureReachable([[made, "ab-cd", made]]), arrayBytes(3) + sizeOf("ab-cd"));
    const context = runToEnd(`return "constant text";`);
    assert.equal(measureReachable(["constant text"], { owner: context }), 0);
    assert.equal(measureReachable(["other text"], { owner: context }), sizeOf("other text"));
  });

  it("can price every string reference instead, still leaving constants free", () => {
    const made = ["ab", "cd"].join("-");
    const perReference = { strings: "per-reference" as const };
    assert.equal(measureReachable([[made, "ab-cd", made]], perReference), arrayBytes(3) + 3 * sizeOf("ab-cd"));
    const context = runToEnd(`return "constant text";`);
    assert.equal(measureReachable([["constant text", "constant text"]], { owner: context, ...perReference }), arrayBytes(2));
  });

  it("traces a 1,000,000-long linked list without recursion", () => {
    let head: RObject | null = null;
    for (let i = 0; i < 1_000_000; i++) head = new RObject(NODE, [i, head]);
    assert.equal(measureReachable([head]), 1_000_000 * (40 + arrayBytes(2)) + sizeOf(NODE));
  });

  it("traces a 100,000-deep nesting of arrays, maps, boxes and closures", () => {
    let value: unknown = "leaf";
    for (let i = 0; i < 25_000; i++) {
      value = new Closure(NO_PROTO, [new Box(new Map([[i, new Set([[value]])]]))]);
    }
    const perLevel = 40 + arrayBytes(1) + S.BOX + mapBytes(1) + setBytes(1) + arrayBytes(1);
    assert.equal(measureReachable([value]), 25_000 * perLevel + sizeOf("leaf"));
  });

  it("does not enter unknown objects such as handles to another context's values", () => {
    const foreign = { target: new Array(10000).fill(new RObject(POINT, [1, 2])) };
    assert.equal(measureReachable([[foreign]]), arrayBytes(1) + S.OPAQUE);
  });

  it("does not enter Tasks of another context", () => {
    const mine = runToEnd(`return 1;`);
    const other = runToEnd(`const big: int[] = []; for (let i = 0; i < 1000; i++) big.push(i); return big;`);
    const otherTask = [...other.tasks][0];
    const entered = measureReachable([otherTask], { owner: other });
    const opaque = measureReachable([otherTask], { owner: mine });
    assert.ok(entered > arrayBytes(1000), `own task traced: ${entered}`);
    assert.equal(opaque, S.OPAQUE);
  });

  it("flattens ropes it reaches, so concatenated strings cost their flat size", () => {
    let rope = "";
    for (let i = 0; i < 2000; i++) rope += "ab";
    assert.equal(measureReachable([rope]), 16 + 4000);
  });
});

describe("heap: contextRoots", () => {
  it("reaches globals and the stacks of the context's Tasks", () => {
    const small = runToEnd(`const xs: int[] = []; return xs.length;`);
    const large = runToEnd(`
      const xs: int[][] = [];
      for (let i = 0; i < 1000; i++) xs.push([i, i + 1, i + 2]);
      const s = new Map<string, int>();
      for (let i = 0; i < 1000; i++) s.set("key" + i, i);
      return xs.length;`);
    const smallBytes = measureReachable(contextRoots(small), { owner: small });
    const largeBytes = measureReachable(contextRoots(large), { owner: large });
    const expectedGrowth = arrayBytes(1000) + 1000 * arrayBytes(3) + mapBytes(1000) + 1000 * stringBytes("key100");
    assert.ok(largeBytes - smallBytes >= expectedGrowth, `${largeBytes} - ${smallBytes} >= ${expectedGrowth}`);
  });

  it("takes extra roots from a provider", () => {
    const context = runToEnd(`return 0;`);
    const pending = new Array(5000).fill(null);
    const without = measureReachable(contextRoots(context), { owner: context });
    const withExtra = measureReachable(contextRoots(context, (_ctx, add) => add(pending)), { owner: context });
    assert.equal(withExtra - without, arrayBytes(5000));
  });
});

describe("heap: HeapAccount", () => {
  it("charges on the fast path until the trigger", () => {
    const account = new HeapAccount(Infinity, () => [], {}, 1000);
    assert.equal(account.charge(400), true);
    assert.equal(account.charge(600), true);
    assert.equal(account.used, 1000);
    assert.equal(account.collections, 0);
    assert.equal(account.charge(1), true); // passes the trigger: everything was garbage
    assert.equal(account.collections, 1);
    assert.equal(account.used, 1);
    assert.equal(account.peak, 1000);
  });

  it("collect gives back the counted bytes of dropped values", () => {
    const holder: unknown[] = [];
    const account = new HeapAccount(Infinity, () => [holder]);
    for (let i = 0; i < 100; i++) {
      const array = new Array(100).fill(null);
      account.charge(sizeOf(array) + 10);
      holder.push(array);
    }
    const charged = account.used;
    const live = measureReachable([holder]);
    assert.equal(account.collect(), charged - live);
    assert.equal(account.used, live);
    holder.length = 50;
    const reclaimed = account.collect();
    assert.equal(reclaimed, live - measureReachable([holder]));
    assert.ok(reclaimed >= 50 * arrayBytes(100));
  });

  it("refuses an allocation that does not fit even after collecting, and keeps no count of it", () => {
    const holder: unknown[] = [];
    const account = new HeapAccount(10_000, () => [holder]);
    const live = new Array(800).fill(null); // about 8 KB
    assert.equal(account.charge(sizeOf(live)), true);
    holder.push(live);
    assert.equal(account.charge(3000), false);
    assert.equal(account.used, measureReachable([holder]));
    assert.equal(account.charge(100), true);
  });

  it("succeeds over the limit when collecting frees enough", () => {
    const account = new HeapAccount(10_000, () => []);
    for (let i = 0; i < 100; i++) assert.equal(account.charge(900), true, `charge ${i}`);
    assert.ok(account.used <= 10_000);
    assert.ok(account.collections >= 9);
  });

  it("decides the limit against a real context's live data", () => {
    const context = runToEnd(`
      const kept: string[] = [];
      for (let i = 0; i < 2000; i++) kept.push("entry " + i);
      return kept.length;`);
    const live = measureReachable(contextRoots(context), { owner: context });
    const account = new HeapAccount(live + 1000, () => contextRoots(context), { owner: context }, 0);
    assert.equal(account.charge(2000), false, "live data cannot be reclaimed");
    assert.equal(account.used, live);
    assert.equal(account.charge(500), true);
    assert.equal(account.used, live + 500);
  });

  it("collects a logarithmic number of times while the live heap grows", () => {
    const holder: unknown[] = [];
    const account = new HeapAccount(Infinity, () => [holder], {}, 64 * 1024);
    for (let i = 0; i < 20_000; i++) {
      const box = new Box(i);
      account.charge(sizeOf(box) + 10);
      holder.push(box);
    }
    // 20,000 boxes are under 1 MB: doubling from 64 KB needs only a handful of collections.
    assert.ok(account.collections >= 2 && account.collections <= 6, `collections: ${account.collections}`);
  });
});

/** One workload of the real-heap comparison: Raya source that leaves its data in globals. */
interface Workload {
  name: string;
  source: string;
  /** The string-pricing modes that must stay within the factor of two (default: both). */
  modes?: StringMode[];
}

type StringMode = "once-per-value" | "per-reference";

interface Measured {
  name: string;
  real: number;
  counted: Record<StringMode, number>;
}

const WORKLOADS: Workload[] = [
  {
    name: "many small objects",
    source: `
      class Point { x: int; y: int; constructor(x: int, y: int) { this.x = x; this.y = y; } }
      const points: Point[] = [];
      for (let i = 0; i < 200000; i++) points.push(new Point(i, i + 1));
      const literals: { a: int, b: number }[] = [];
      for (let i = 0; i < 100000; i++) literals.push({ a: i, b: i * 0.5 });
      return points.length;`,
  },
  {
    name: "big arrays",
    source: `
      const rows: number[][] = [];
      for (let r = 0; r < 50; r++) {
        const row: number[] = [];
        for (let i = 0; i < 40000; i++) row.push(i % 3 === 0 ? i + 0.25 : i);
        rows.push(row);
      }
      return rows.length;`,
  },
  {
    name: "long strings",
    source: `
      const texts: string[] = [];
      for (let k = 0; k < 200; k++) {
        let s = "";
        for (let i = 0; i < 10000; i++) s = s + "ab";
        texts.push(s + k);
      }
      const words: string[] = [];
      for (let i = 0; i < 100000; i++) words.push("word number " + i);
      return texts.length;`,
  },
  {
    name: "maps and sets",
    source: `
      const byId = new Map<int, string>();
      for (let i = 0; i < 200000; i++) byId.set(i, "v" + i);
      const seen = new Set<int>();
      for (let i = 0; i < 200000; i++) seen.add(i * 7);
      const small: Map<string, int>[] = [];
      for (let i = 0; i < 20000; i++) { const m = new Map<string, int>(); m.set("a", i); m.set("b", i); small.push(m); }
      return byId.size;`,
  },
  {
    name: "equal strings made separately",
    modes: ["per-reference"], // once-per-value counts one copy (docs/heap-accounting.md)
    source: `
      const copies: string[] = [];
      for (let i = 0; i < 20000; i++) copies.push("x".repeat(500));
      const words = "the cat sat on the mat and the dog sat on the log ".repeat(20000).split(" ");
      return copies.length + words.length;`,
  },
  {
    name: "one string stored many times",
    modes: ["once-per-value"], // per-reference counts every slot as a copy
    source: `
      const big = "z".repeat(8000000);
      const refs: string[] = [];
      for (let i = 0; i < 100; i++) refs.push(big);
      return refs.length;`,
  },
  {
    name: "closures",
    source: `
      const fns: (() => int)[] = [];
      for (let i = 0; i < 200000; i++) { const k = i; fns.push(() => k + 1); }
      return fns.length;`,
  },
];

/**
 * Runs each workload in a fresh `node --expose-gc` process (a clean heap, and forced
 * collections for an exact reading) and reports the counted bytes next to the heap growth
 * from before the context existed to after it finished, with the context still alive.
 */
function measureInChild(workloads: Workload[]): Measured[] {
  const root = path.resolve(__dirname, "../..");
  const script = `
    const root = ${JSON.stringify(root)};
    const { compile } = require(root + "/runtime/compiler/compile");
    const { VmContext } = require(root + "/runtime/vm/context");
    const { Scheduler } = require(root + "/runtime/vm/scheduler");
    const { createMainTask } = require(root + "/runtime/vm/run");
    const { interpret } = require(root + "/runtime/vm/interpreter");
    const { contextRoots, measureReachable } = require(root + "/runtime/vm/heap");
    const heapUsed = () => { gc(); gc(); gc(); return process.memoryUsage().heapUsed; };
    // Each step is its own function, so no stale interpreter register keeps a finished
    // workload's context alive into the next workload's baseline.
    function start(holder, program) {
      holder.context = new VmContext(program, new Scheduler());
      const task = createMainTask(holder.context);
      let status;
      do status = interpret(task, 1000000); while (status === ${RunStatus.Preempted});
      if (status !== ${RunStatus.Done}) throw new Error("the workload did not finish");
    }
    function count(holder) {
      const owner = holder.context;
      return {
        "per-reference": measureReachable(contextRoots(owner), { owner, strings: "per-reference" }),
        "once-per-value": measureReachable(contextRoots(owner), { owner }),
      };
    }
    function measure(workload) {
      const program = compile(workload.source, { filename: "main.raya" });
      const holder = { context: null };
      const before = heapUsed();
      start(holder, program);
      const counted = count(holder);
      const real = heapUsed() - before;
      if (holder.context === null) throw new Error("unreachable"); // keeps the context alive until here
      return { name: workload.name, counted, real };
    }
    const results = ${JSON.stringify(workloads)}.map(measure);
    process.stdout.write(JSON.stringify(results));`;
  const child = spawnSync(process.execPath, ["--expose-gc", "-r", "tsx/cjs", "-e", script], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as Measured[];
}

describe("heap: the model against V8's real heap", function () {
  this.timeout(120_000);

  it("reports within a factor of two of the real heap growth of Raya programs", () => {
    const results = measureInChild(WORKLOADS);
    if (process.env.HEAP_TEST_VERBOSE) {
      for (const { name, real, counted } of results) {
        const ratios = Object.entries(counted).map(([mode, bytes]) => `${mode} ${(bytes / real).toFixed(2)}`);
        console.log(`${name}: real ${real}, ${ratios.join(", ")}`);
      }
    }
    assert.equal(results.length, WORKLOADS.length);
    results.forEach(({ name, counted, real }, i) => {
      assert.ok(real > 4_000_000, `${name}: the workload should grow the heap by megabytes (${real})`);
      for (const mode of WORKLOADS[i].modes ?? (["once-per-value", "per-reference"] as const)) {
        const ratio = counted[mode] / real;
        assert.ok(ratio >= 0.5 && ratio <= 2, `${name}, ${mode}: counted ${counted[mode]} vs real ${real} (ratio ${ratio.toFixed(2)})`);
      }
    });
  });
});
