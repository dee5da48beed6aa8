// Marshalling between contexts and to/from host JavaScript (runtime/vm/marshal.ts).
import { strict as assert } from "node:assert";
import { compile } from "../../runtime/compiler/compile";
import { getField, VmContext } from "../../runtime/vm/context";
import { VmError } from "../../runtime/vm/errors";
import { toPlainValue } from "../../runtime/vm/format";
import { prepareFrame, FrameMode } from "../../runtime/vm/interpreter";
import {
  copyBetween,
  foreignHandleError,
  ForeignHandle,
  fromHost,
  isForeignHandle,
  isHandleFrom,
  MarshalError,
  marshalInAndOut,
  toHost,
} from "../../runtime/vm/marshal";
import { createMainTask } from "../../runtime/vm/run";
import { Scheduler } from "../../runtime/vm/scheduler";
import { type Task, TaskState } from "../../runtime/vm/task";
import { Closure, Layout, RClass, RObject } from "../../runtime/vm/value";

/** A context of its own for `source`, as run.ts builds one. */
function contextFor(source: string, filename = "main.raya"): VmContext {
  return new VmContext(compile(source, { filename }), new Scheduler());
}

function finish(context: VmContext, task: Task): Promise<unknown> {
  return new Promise((resolve, reject) => {
    context.scheduler.startRoot(
      task,
      (done) => (done.state === TaskState.Done ? resolve(done.result) : reject(new Error(`task failed: ${toPlainValue(done.result) as string}`))),
      reject,
      reject,
    );
  });
}

/** Runs the context's program and returns its raw Raya result. */
function runIn(context: VmContext): Promise<unknown> {
  return finish(context, createMainTask(context));
}

/** Calls a Raya closure of `context` with Raya `args` (already values of that context). */
function callIn(context: VmContext, closure: Closure, args: unknown[]): Promise<unknown> {
  const task = context.newTask("call");
  task.stack.push(closure, ...args);
  task.fp = 0;
  task.frameClosure[0] = closure;
  task.frameBase[0] = 0;
  task.frameMode[0] = FrameMode.Normal;
  task.framePc[0] = 0;
  task.sp = prepareFrame(task.stack, 0, args.length, closure.proto);
  return finish(context, task);
}

async function produce(source: string): Promise<{ context: VmContext; value: unknown }> {
  const context = contextFor(source);
  return { context, value: await runIn(context) };
}

function marshalFailure(action: () => unknown): MarshalError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof MarshalError, `expected MarshalError, got ${String(error)}`);
    assert.equal(error.kind, "MarshalError");
    return error;
  }
  assert.fail("expected a MarshalError");
}

const EMPTY = "return 0;";

/** Every object reachable from `root` through arrays, object fields, Map and Set (not through handles). */
function reachable(root: unknown): Set<unknown> {
  const seen = new Set<unknown>();
  const pending = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) pending.push(...value);
    else if (value instanceof RObject) pending.push(value.layout, ...value.fields);
    else if (value instanceof Map) for (const [k, v] of value) pending.push(k, v);
    else if (value instanceof Set) pending.push(...value);
  }
  return seen;
}

describe("marshal: copyBetween", () => {
  it("copies primitives, arrays, object literals, Map and Set from a real program", async () => {
    const { context: a, value } = await produce(`
      const m = new Map<string, int>(); m.set("z", 1); m.set("a", 2); m.set("m", 3);
      const s = new Set<string>(); s.add("q"); s.add("b"); s.add("x");
      return { n: 1.5, s: "text", b: true, z: null, list: [1, 2, 3], m: m, set: s };`);
    const b = contextFor(EMPTY);
    const copy = copyBetween(value, a, b);
    assert.deepEqual(toPlainValue(copy), { n: 1.5, s: "text", b: true, z: null, list: [1, 2, 3], m: { z: 1, a: 2, m: 3 }, set: ["q", "b", "x"] });
    const fields = (copy as RObject).fields;
    assert.deepEqual([...(fields[5] as Map<string, number>).keys()], ["z", "a", "m"], "Map order kept");
    assert.deepEqual([...(fields[6] as Set<string>)], ["q", "b", "x"], "Set order kept");
  });

  it("never shares a container: mutating either side leaves the other alone, both directions", async () => {
    const { context: a, value } = await produce(`return { list: [1, 2], inner: { x: 1 }, m: new Map<string, int>(), s: new Set<int>() };`);
    const b = contextFor(EMPTY);
    const source = value as RObject;
    const copy = copyBetween(source, a, b) as RObject;
    assert.notEqual(copy, source);
    for (let i = 0; i < source.fields.length; i++) assert.notEqual(copy.fields[i], source.fields[i]);
    (copy.fields[0] as number[]).push(3);
    (copy.fields[1] as RObject).fields[0] = 99;
    (copy.fields[2] as Map<string, number>).set("k", 1);
    (copy.fields[3] as Set<number>).add(7);
    assert.deepEqual(toPlainValue(source), { list: [1, 2], inner: { x: 1 }, m: {}, s: [] });
    const back = copyBetween(copy, b, a) as RObject;
    (source.fields[0] as number[]).length = 0;
    assert.deepEqual((back.fields[0] as number[]), [1, 2, 3]);
    assert.deepEqual((copy.fields[0] as number[]), [1, 2, 3]);
  });

  it("re-creates object literals with the target's layout for the same fields", async () => {
    const { context: a, value } = await produce(`return [{ x: 1, y: 2 }, { x: 3, y: 4 }, { y: 5, x: 6 }];`);
    const b = contextFor(`const p = { x: 0, y: 0 }; return p;`);
    const targetPoint = (await runIn(b)) as RObject;
    const copy = copyBetween(value, a, b) as RObject[];
    const sourceLayout = (value as RObject[])[0].layout;
    assert.notEqual(copy[0].layout, sourceLayout);
    assert.equal(copy[0].layout, targetPoint.layout, "the target program's own literal layout");
    assert.equal(copy[1].layout, copy[0].layout);
    assert.equal(copy[2].layout, b.layoutForFields(["y", "x"]));
    assert.deepEqual(copy[2].fields, [5, 6]);
  });

  it("preserves cycles and shared substructure (same graph shape)", async () => {
    const { context: a, value } = await produce(`
      const shared = [1, 2];
      return { shared: shared, again: shared, list: [shared, shared] };`);
    const b = contextFor(EMPTY);
    const copy = copyBetween(value, a, b) as RObject;
    assert.equal(copy.fields[0], copy.fields[1], "shared array stays shared");
    assert.deepEqual((copy.fields[2] as unknown[]).map((item) => item === copy.fields[0]), [true, true]);
    assert.notEqual(copy.fields[0], (value as RObject).fields[0]);
    // Raya code can build cycles through fields typed as arrays; make one directly here.
    const node = new RObject(a.layoutForFields(["self", "items"]), [null, []]);
    node.fields[0] = node;
    (node.fields[1] as unknown[]).push(node, node.fields[1]);
    const copiedNode = copyBetween(node, a, b) as RObject;
    assert.equal(copiedNode.fields[0], copiedNode, "self cycle");
    assert.deepEqual((copiedNode.fields[1] as unknown[]).map((item, i) => item === (i === 0 ? copiedNode : copiedNode.fields[1])), [true, true]);
    const map = new Map<unknown, unknown>();
    map.set("self", map);
    map.set(map, "key cycle");
    const copiedMap = copyBetween(map, a, b) as Map<unknown, unknown>;
    assert.equal(copiedMap.get("self"), copiedMap);
    assert.equal(copiedMap.get(copiedMap), "key cycle");
  });

  it("turns class instances, closures, bound methods, classes, natives and Tasks into opaque handles", async () => {
    const { context: a, value } = await produce(`
      class Point { constructor(public x: int) {} get(): int { return this.x; } }
      function f(): int { return 1; }
      async function g(): Promise<int> { return 2; }
      const p = new Point(1);
      const t = g();
      return [p, f, p.get, Point, Math.max, t];`);
    const b = contextFor(EMPTY, "plugin.raya");
    const source = value as unknown[];
    const copy = copyBetween(source, a, b) as unknown[];
    const kinds = copy.map((item) => {
      assert.ok(isForeignHandle(item), `expected a handle, got ${String(item)}`);
      assert.ok(isHandleFrom(item, a));
      assert.ok(!isHandleFrom(item, b));
      return item.foreignKind;
    });
    assert.deepEqual(kinds, ["object", "function", "function", "class", "function", "task"]);
    assert.equal(Object.keys(copy[0] as object).includes("original"), false, "the referent is not a property");
    // The same object always crosses as the same handle.
    assert.equal(copyBetween(source[0], a, b), copy[0]);
    // Only the source context unwraps a handle, to the very same object.
    const back = copyBetween(copy, b, a) as unknown[];
    back.forEach((item, i) => assert.equal(item, source[i]));
    // A third context keeps the handle inert; from there it still goes home.
    const c = contextFor(EMPTY);
    const inC = copyBetween(copy[0], b, c);
    assert.equal(inC, copy[0]);
    assert.equal(copyBetween(inC, c, a), source[0]);
  });

  it("leaves no object of the source reachable from the copy, only handles", async () => {
    const { context: a, value } = await produce(`
      class Point { constructor(public x: int) {} }
      const shared = { p: new Point(1), list: [1, 2] };
      const m = new Map<string, int[]>(); m.set("k", shared.list);
      return [shared, shared, m, new Set<string>(), () => 1, new Error("e")];`);
    const b = contextFor(EMPTY);
    const sourceObjects = reachable(value);
    const copy = copyBetween(value, a, b);
    for (const object of reachable(copy)) {
      assert.ok(!sourceObjects.has(object), `shared object ${String(object)}`);
    }
  });

  it("describes a misused handle as a Raya TypeError naming its context", async () => {
    const { context: a, value } = await produce(`class K { v = 1; } return new K();`);
    const b = contextFor(EMPTY);
    const handle = copyBetween(value, a, b) as ForeignHandle;
    const error = foreignHandleError(handle);
    assert.ok(error instanceof VmError);
    assert.equal(error.kind, "TypeError");
    assert.match(error.message, /^a foreign handle from context \d+ \(main\.raya\) cannot be used here$/);
  });

  it("re-creates prelude errors as the target's error classes, catchable there", async () => {
    const { context: a, value } = await produce(`
      class MyError extends Error { code = 7; constructor(m: string) { super(m); this.name = "MyError"; } }
      return [new TypeError("bad type"), new RangeError("too far"), new Error("plain"), new MyError("mine")];`);
    const b = contextFor(`
      function probe(e: Error): string {
        try { throw e; } catch (x) {
          if (x instanceof TypeError) return "TypeError|" + x.name + "|" + x.message;
          if (x instanceof RangeError) return "RangeError|" + x.name + "|" + x.message;
          if (x instanceof Error) return "Error|" + x.name + "|" + x.message;
        }
        return "not caught";
      }
      return probe;`);
    const probe = (await runIn(b)) as Closure;
    const copies = copyBetween(value, a, b) as RObject[];
    const results: unknown[] = [];
    for (const error of copies) {
      assert.ok(b.isErrorInstance(error));
      assert.ok(error.layout instanceof RClass && error.layout !== (value as RObject[])[0].layout);
      results.push(await callIn(b, probe, [error]));
    }
    assert.deepEqual(results, ["TypeError|TypeError|bad type", "RangeError|RangeError|too far", "Error|Error|plain", "Error|MyError|mine"]);
    assert.equal(getField(copies[3], "code"), null, "subclass fields are not copied");
    assert.equal(copies[3].layout, b.intrinsic("Error"));
    assert.equal(getField(copies[0], "stack"), getField((value as RObject[])[0], "stack"));
  });

  it("reports allocated bytes through onAllocate", async () => {
    const { context: a, value } = await produce(`return [{ name: "abc" }, { name: "de" }];`);
    const b = contextFor(EMPTY);
    let bytes = 0;
    let calls = 0;
    copyBetween(value, a, b, { onAllocate: (n) => ((bytes += n), calls++) });
    // One array, two objects, two strings.
    assert.equal(calls, 5);
    assert.ok(bytes > 0);
    let small = 0;
    copyBetween([1], a, b, { onAllocate: (n) => (small += n) });
    assert.ok(small < bytes);
  });

  it("copies a 100,000-element array and a 10,000-deep nesting without recursion", () => {
    const a = contextFor(EMPTY);
    const b = contextFor(EMPTY);
    const big = Array.from({ length: 100_000 }, (_, i) => [i]);
    const copy = copyBetween(big, a, b) as number[][];
    assert.equal(copy.length, 100_000);
    assert.equal(copy[99_999][0], 99_999);
    let deep: unknown[] = [];
    const root = deep;
    for (let i = 0; i < 10_000; i++) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    let walk = copyBetween(root, a, b) as unknown[];
    let depth = 0;
    while (walk.length > 0) {
      walk = walk[0] as unknown[];
      depth++;
    }
    assert.equal(depth, 10_000);
  });

  it("fails with MarshalError and a path beyond maxDepth and for values that are not Raya values", () => {
    const a = contextFor(EMPTY);
    const b = contextFor(EMPTY);
    const root = new RObject(a.layoutForFields(["users"]), [[[[1]]]]);
    // Depth counts containers from the root (1): the fourth level is one too many.
    const error = marshalFailure(() => copyBetween(root, a, b, { maxDepth: 3 }));
    assert.equal(error.path, "$.users[0][0]");
    assert.match(error.message, /deeper than 3/);
    const layout = a.layoutForFields(["when"]);
    const bad = marshalFailure(() => copyBetween([new RObject(layout, [new Date(0)])], a, b));
    assert.equal(bad.path, "$[0].when");
  });
});

describe("marshal: toHost", () => {
  it("gives plain JavaScript: null-prototype objects, arrays, Map, Set, handles", async () => {
    const { context: a, value } = await produce(`
      class C { v = 1; }
      const m = new Map<string, int>(); m.set("b", 1); m.set("a", 2);
      const s = new Set<int>(); s.add(3); s.add(1);
      return { list: [1, "x", true, null], m: m, s: s, c: new C(), e: new TypeError("t") };`);
    const host = toHost(value, a) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(host), null);
    assert.deepEqual(host.list, [1, "x", true, null]);
    assert.deepEqual([...(host.m as Map<string, number>)], [["b", 1], ["a", 2]]);
    assert.deepEqual([...(host.s as Set<number>)], [3, 1]);
    assert.ok(isForeignHandle(host.c));
    assert.ok(isForeignHandle(host.e));
    // The handle comes back as the original instance.
    const back = fromHost(host.c, a);
    assert.equal(back, (value as RObject).fields[3]);
    // But another context only ever sees the inert handle.
    const b = contextFor(EMPTY);
    assert.equal(fromHost(host.c, b), host.c);
  });

  it("keeps keys named __proto__ and constructor as ordinary data", () => {
    const a = contextFor(EMPTY);
    const object = new RObject(a.layoutForFields(["__proto__", "constructor"]), [{ length: 1 }, "c"]);
    (object.fields as unknown[])[0] = [1];
    const host = toHost(object, a) as Record<string, unknown>;
    assert.deepEqual(Object.keys(host), ["__proto__", "constructor"]);
    assert.equal(Object.getPrototypeOf(host), null);
    assert.deepEqual(Object.getOwnPropertyDescriptor(host, "__proto__")?.value, [1]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("preserves cycles in host output", () => {
    const a = contextFor(EMPTY);
    const node = new RObject(a.layoutForFields(["self"]), [null]);
    node.fields[0] = node;
    const host = toHost(node, a) as Record<string, unknown>;
    assert.equal(host.self, host);
  });
});

describe("marshal: fromHost", () => {
  it("builds Raya values with the target's layouts", async () => {
    const b = contextFor(`return { id: 0, name: "" };`);
    const literal = (await runIn(b)) as RObject;
    const value = fromHost([{ id: 1, name: "a" }, undefined, new Map([["k", new Set([1, 2])]])], b) as unknown[];
    const record = value[0] as RObject;
    assert.ok(record instanceof RObject);
    assert.equal(record.layout, literal.layout);
    assert.equal(value[1], null, "undefined becomes null");
    assert.deepEqual([...((value[2] as Map<string, Set<number>>).get("k") ?? [])], [1, 2]);
    assert.deepEqual(toPlainValue(value), [{ id: 1, name: "a" }, null, { k: [1, 2] }]);
  });

  it("makes __proto__ and constructor ordinary fields and never touches prototypes", () => {
    const b = contextFor(EMPTY);
    const input = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}') as object;
    const value = fromHost(input, b) as RObject;
    assert.deepEqual(value.layout.fieldNames, ["__proto__", "constructor"]);
    assert.equal(value.fields[1], "x");
    assert.ok(value.fields[0] instanceof RObject);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const out = toHost(value, b) as Record<string, unknown>;
    assert.equal((Object.getOwnPropertyDescriptor(out, "__proto__")?.value as Record<string, unknown>).polluted, true);
  });

  it("preserves cycles and shared structure from the host", () => {
    const b = contextFor(EMPTY);
    const shared = { v: 1 };
    const root: Record<string, unknown> = { a: shared, b: shared };
    root.self = root;
    const value = fromHost(root, b) as RObject;
    assert.equal(value.fields[0], value.fields[1]);
    assert.equal(value.fields[2], value);
  });

  it("rejects every non-plain value with a MarshalError and its path", () => {
    const b = contextFor(EMPTY);
    class Custom {
      x = 1;
    }
    const cases: [unknown, string, RegExp][] = [
      [{ users: [{}, {}, {}, { tags: () => 1 }] }, "$.users[3].tags", /function/],
      [{ s: Symbol("q") }, "$.s", /symbol/],
      [[1n], "$[0]", /bigint/],
      [{ c: new Custom() }, "$.c", /Custom/],
      [{ d: new Date(0) }, "$.d", /Date/],
      [{ t: new Uint8Array(2) }, "$.t", /Uint8Array/],
      [{ g: { get boom(): number { throw new Error("nope"); } } }, "$.g.boom", /nope/],
      [{ k: { [Symbol("s")]: 1 } }, "$.k", /symbol key/],
      [{ "odd key": [new Map([["mk", () => 0]])] }, '$["odd key"][0].get("mk")', /function/],
      [new Set([1, Symbol("x")]), "$.values()[1]", /symbol/],
    ];
    for (const [input, path, message] of cases) {
      const error = marshalFailure(() => fromHost(input, b));
      assert.equal(error.path, path, `path for ${String(message)}`);
      assert.match(error.message, message);
    }
  });

  it("turns a throwing Proxy trap into a MarshalError, never a raw error", () => {
    const b = contextFor(EMPTY);
    const hostile = new Proxy({}, { ownKeys: () => { throw new TypeError("trap"); } });
    const error = marshalFailure(() => fromHost({ h: hostile }, b));
    assert.match(error.message, /trap/);
    assert.equal(error.path, "$.h");
    const sneaky = new Proxy({}, { getPrototypeOf: () => { throw new RangeError("proto trap"); } });
    const second = marshalFailure(() => fromHost([1, sneaky], b));
    assert.equal(second.path, "$[1]");
  });

  it("rejects nesting beyond the depth limit, and handles 10,000 levels without overflow", () => {
    const b = contextFor(EMPTY);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 10_000; i++) {
      const next = {};
      deep.d = next;
      deep = next;
    }
    let walk = fromHost(root, b) as RObject;
    let depth = 0;
    while (walk.fields.length > 0) {
      walk = walk.fields[0] as RObject;
      depth++;
    }
    assert.equal(depth, 10_000);
    const error = marshalFailure(() => fromHost(root, b, { maxDepth: 5_000 }));
    // The root is depth 1, so the failing container is the one 5,000 keys down.
    assert.ok(error.path === "$" + ".d".repeat(5_000), `path of length ${error.path.length}`);
  });
});

describe("marshal: benchmark helper", () => {
  it("moves a 10,000-record array in and out with equal content and no sharing", () => {
    const outer = contextFor(EMPTY);
    const inner = contextFor(EMPTY);
    const records = fromHost(
      Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `user${i}`, tags: ["a", "b"], score: i / 3 })),
      outer,
    ) as RObject[];
    const back = marshalInAndOut(records, outer, inner) as RObject[];
    assert.notEqual(back, records);
    assert.notEqual(back[5].fields[2], records[5].fields[2]);
    assert.deepEqual(toPlainValue(back), toPlainValue(records));
    assert.ok(back[0].layout instanceof Layout);
  });
});
