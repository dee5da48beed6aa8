// Hostile programs in limited contexts, run through the Runtime API (runtime/index.ts).
// Each case runs one hostile entry next to a well-behaved sibling context and checks:
//   * the hostile context ends with the right VmError kind (or, for a case that is only
//     expensive, gives the right result or a catchable RuntimeError and stays usable);
//   * the sibling finishes with its correct results, and a host timer fires;
//   * an exited context holds nothing (no Tasks, cleared globals, heapBytesUsed 0);
//   * the scheduler is not stuck: the sibling runs a fresh entry after the attack.
// Programs that never end by themselves (sleeping or blocked forever) are checked to still be
// pending while the host and the sibling finish, then terminated.
import { strict as assert } from "node:assert";
import { Runtime, type ContextHandle, type ContextOptions, type VmErrorKind } from "../../runtime/index";
import { assertExitedAndReleased, failure, hostTimer, settlesWithin, sibling, triangular } from "./harness";

/** Limits of every hostile context unless a case says otherwise: small enough that each case ends in well under a second. */
const LIMITS = { maxStepBudget: 2_000_000, maxHeapBytes: 2 * 1024 * 1024, maxTasks: 50 } as const;

type Expectation =
  | { exit: VmErrorKind; message?: RegExp }
  | { value: unknown }
  | { thrown: RegExp }
  | { marshal: RegExp }
  | { blocksForever: true };

interface HostileCase {
  name: string;
  /** Raya source whose entry `go` is the attack. */
  source: string;
  expect: Expectation;
  limits?: Partial<Omit<ContextOptions, "name">>;
  /** Where the attack runs: the entry `go` (default) or the module's top-level code. */
  during?: "entry" | "init";
}

const SPIN_FOREVER = `let n = 0; while (true) { n = n + 1; }`;

const CASES: HostileCase[] = [
  // ---- infinite loops
  { name: "a while (true) loop", source: `export function go(): int { ${SPIN_FOREVER} return n; }`, expect: { exit: "StepBudgetExceeded", message: /step budget of 2000000/ } },
  { name: "an empty for (;;) with continue", source: `export function go(): int { for (;;) { continue; } return 0; }`, expect: { exit: "StepBudgetExceeded" } },
  { name: "a do...while (true)", source: `export function go(): int { let i = 0; do { i = i + 1; } while (true); return i; }`, expect: { exit: "StepBudgetExceeded" } },
  { name: "an infinite loop in module init", source: `${SPIN_FOREVER}\nexport function go(): int { return 1; }`, during: "init", expect: { exit: "StepBudgetExceeded" } },
  { name: "an infinite loop in a finally block", source: `export function go(): int { try { return 1; } finally { ${SPIN_FOREVER} } }`, expect: { exit: "StepBudgetExceeded" } },
  { name: "an infinite loop in a map callback", source: `export function go(): int[] { return [1, 2].map((x: int): int => { ${SPIN_FOREVER} return x; }); }`, expect: { exit: "StepBudgetExceeded" } },
  { name: "an infinite loop in a getter", source: `class C { get v(): int { ${SPIN_FOREVER} return n; } }\nexport function go(): int { return new C().v; }`, expect: { exit: "StepBudgetExceeded" } },
  { name: "an infinite loop in a sort comparator", source: `export function go(): int[] { return [3, 1, 2].sort((a: int, b: int): number => { ${SPIN_FOREVER} return a - b; }); }`, expect: { exit: "StepBudgetExceeded" } },
  {
    name: "ten Tasks spinning at once (the budget is the context's, not a Task's)",
    source: `async function spin(): Task<int> { ${SPIN_FOREVER} return n; }
             export async function go(): Task<int> { const ts: Task<int>[] = []; for (let i = 0; i < 10; i++) { ts.push(spin()); } const r = await ts; return r.length; }`,
    expect: { exit: "StepBudgetExceeded" },
  },
  // ---- catching and swallowing limit errors
  { name: "try/catch around an infinite loop, in a loop", source: `export function go(): int { let i = 0; while (true) { try { while (true) { i = i + 1; } } catch (e) { i = 0; } } return i; }`, expect: { exit: "StepBudgetExceeded" } },
  { name: "try/finally that continues the outer loop", source: `export function go(): int { let i = 0; while (true) { try { while (true) { i = i + 1; } } finally { continue; } } return i; }`, expect: { exit: "StepBudgetExceeded" } },
  {
    name: "catching the heap limit while doubling a string",
    source: `export function go(): int { let s = "ab"; let n = 0; while (true) { try { s = s + s; } catch (e) { n = n + 1; s = "ab"; } } return n; }`,
    expect: { exit: "HeapLimitExceeded", message: /heap limit of 2097152 bytes/ },
  },
  {
    name: "catching the task limit while spawning",
    source: `async function nap(): Task<int> { sleep(60000); return 1; }
             export function go(): int { let n = 0; while (true) { try { nap(); } catch (e) { n = n + 1; } } return n; }`,
    expect: { exit: "TaskLimitExceeded" },
  },
  {
    name: "catching RangeError errors thrown by a loop body forever",
    source: `export function go(): int { let n = 0; while (true) { try { const a: int[] = []; n = n + a[5]; } catch (e) { n = n + 1; } } return n; }`,
    limits: { maxStepBudget: 500_000 },
    expect: { exit: "StepBudgetExceeded" },
  },
  // ---- recursion
  { name: "unbounded recursion", source: `function f(n: int): int { return f(n + 1) + 1; }\nexport function go(): int { return f(0); }`, expect: { thrown: /RangeError: Maximum call stack size exceeded/ } },
  { name: "mutual recursion through methods", source: `class A { ping(n: int): int { return this.pong(n + 1); } pong(n: int): int { return this.ping(n + 1); } }\nexport function go(): int { return new A().ping(0); }`, expect: { thrown: /Maximum call stack size exceeded/ } },
  {
    name: "recursion overflowing the stack, caught and restarted in a loop",
    source: `function f(n: int): int { return f(n + 1) + 1; }
             export function go(): int { let k = 0; while (true) { try { k = k + f(0); } catch (e) { k = k + 1; } } return k; }`,
    expect: { exit: "StepBudgetExceeded" },
  },
  {
    // Every catch re-recurses, so the frame limit is hit about 2^depth times. Each of those
    // RangeErrors builds a stack text of every frame (10,000): reported as a CPU amplification
    // (see report.ts FINDINGS); the small budget keeps the case fast.
    name: "recursion that catches the overflow and recurses again at every level",
    source: `function f(n: int): int { try { return f(n + 1) + 1; } catch (e) { return f(n + 1); } }\nexport function go(): int { return f(0); }`,
    limits: { maxStepBudget: 150_000 },
    expect: { exit: "StepBudgetExceeded" },
  },
  { name: "recursion through async calls (each call a Task)", source: `async function f(n: int): Task<int> { const t = f(n + 1); return (await t) + 1; }\nexport async function go(): Task<int> { return await f(0); }`, expect: { exit: "TaskLimitExceeded", message: /limit of 50 tasks/ } },
  // ---- task bombs
  { name: "spawning sleeping Tasks forever", source: `async function nap(): Task<int> { sleep(60000); return 1; }\nexport function go(): int { let n = 0; while (true) { nap(); n = n + 1; } return n; }`, expect: { exit: "TaskLimitExceeded" } },
  { name: "a Task that spawns two copies of itself", source: `async function fork(): Task<int> { fork(); fork(); sleep(60000); return 1; }\nexport function go(): int { fork(); return 1; }`, expect: { exit: "TaskLimitExceeded" } },
  { name: "spawning Tasks that block on a channel forever", source: `async function wait(c: Channel<int>): Task<int> { return c.receive(); }\nexport function go(): int { const c = new Channel<int>(0); while (true) { wait(c); } return 0; }`, expect: { exit: "TaskLimitExceeded" } },
  {
    name: "spawning short Tasks forever (few live at once: the step budget ends it)",
    source: `async function quick(i: int): Task<int> { return i; }\nexport async function go(): Task<int> { let s = 0; while (true) { s = s + (await quick(1)); } return s; }`,
    limits: { maxStepBudget: 500_000 },
    expect: { exit: "StepBudgetExceeded" },
  },
  { name: "a task bomb in module init", source: `async function nap(): Task<int> { sleep(60000); return 1; }\nwhile (true) { nap(); }\nexport function go(): int { return 1; }`, during: "init", expect: { exit: "TaskLimitExceeded" } },
  // ---- allocation bombs
  { name: "a doubling string", source: `export function go(): int { let s = "x"; while (true) { s = s + s; } return s.length; }`, expect: { exit: "HeapLimitExceeded" } },
  // With 10-character pieces this case takes seconds near the limit (every concatenation
  // collects and flattens the whole string): reported in report.ts FINDINGS.
  { name: "a string built by +=", source: `export function go(): int { const piece = "abcdefghij".repeat(1000); let s = ""; while (true) { s += piece; } return s.length; }`, expect: { exit: "HeapLimitExceeded" } },
  { name: "a 60 MB repeat()", source: `export function go(): int { return "abc".repeat(20000000).length; }`, expect: { exit: "HeapLimitExceeded", message: /60000016 more requested/ } },
  { name: "a 30 MB padStart()", source: `export function go(): int { return "x".padStart(30000000, "yz").length; }`, expect: { exit: "HeapLimitExceeded" } },
  { name: "a repeat() past the engine's longest string (priced before it is built)", source: `export function go(): int { return "abc".repeat(400000000).length; }`, expect: { exit: "HeapLimitExceeded", message: /1200000016 more requested/ } },
  { name: "a padStart() past the engine's longest string (priced before it is built)", source: `export function go(): int { return "x".padStart(1000000000, "yz").length; }`, expect: { exit: "HeapLimitExceeded" } },
  { name: "a growing array", source: `export function go(): int { const a: int[] = []; while (true) { a.push(a.length); } return a.length; }`, limits: { maxStepBudget: 20_000_000 }, expect: { exit: "HeapLimitExceeded" } },
  { name: "an array doubled by spread", source: `export function go(): int { let a: int[] = [1]; while (true) { a = [...a, ...a]; } return a.length; }`, expect: { exit: "HeapLimitExceeded" } },
  { name: "an array doubled by concat", source: `export function go(): int { let a: string[] = ["x"]; while (true) { a = a.concat(a); } return a.length; }`, expect: { exit: "HeapLimitExceeded" } },
  { name: "an array filled by index writes", source: `export function go(): int { const a: number[] = []; let i = 0; while (true) { a[i] = i + 0.5; i = i + 1; } return a.length; }`, limits: { maxStepBudget: 20_000_000 }, expect: { exit: "HeapLimitExceeded" } },
  { name: "a growing Map", source: `export function go(): int { const m = new Map<int, string>(); let i = 0; while (true) { m.set(i, "v" + i); i = i + 1; } return m.size; }`, limits: { maxStepBudget: 20_000_000 }, expect: { exit: "HeapLimitExceeded" } },
  { name: "a growing Set", source: `export function go(): int { const s = new Set<string>(); let i = 0; while (true) { s.add("k" + i); i = i + 1; } return s.size; }`, limits: { maxStepBudget: 20_000_000 }, expect: { exit: "HeapLimitExceeded" } },
  {
    name: "closures capturing big arrays",
    source: `export function go(): int { const keep: (() => int)[] = []; while (true) { const big: int[] = []; for (let i = 0; i < 1000; i++) { big.push(i); } keep.push((): int => big.length); } return keep.length; }`,
    limits: { maxStepBudget: 20_000_000 },
    expect: { exit: "HeapLimitExceeded" },
  },
  {
    name: "an object graph (a binary tree built breadth first)",
    source: `class Node { constructor(public left: Node | null, public right: Node | null, public label: string) {} }
             export function go(): int { let level: Node[] = [new Node(null, null, "root")]; while (true) { const next: Node[] = []; for (const n of level) { n.left = new Node(null, null, "l"); n.right = new Node(null, null, "r"); next.push(n.left); next.push(n.right); } level = next; } return level.length; }`,
    limits: { maxStepBudget: 20_000_000 },
    expect: { exit: "HeapLimitExceeded" },
  },
  {
    name: "object literals with many fields",
    source: `interface P { a: number; b: number; c: string; d: number[] }
             export function go(): int { const all: P[] = []; let i = 0; while (true) { all.push({ a: i + 0.5, b: i * 1.5, c: "item" + i, d: [i + 0.25] }); i = i + 1; } return all.length; }`,
    limits: { maxStepBudget: 20_000_000 },
    expect: { exit: "HeapLimitExceeded" },
  },
  {
    name: "many Tasks each holding an array (within the task limit)",
    source: `async function hold(n: int): Task<int> { const a: int[] = []; for (let i = 0; i < n; i++) { a.push(i); } sleep(60000); return a.length; }
             export async function go(): Task<int> { const ts: Task<int>[] = []; for (let i = 0; i < 40; i++) { ts.push(hold(20000)); } const r = await ts; return r.length; }`,
    limits: { maxStepBudget: 20_000_000 },
    expect: { exit: "HeapLimitExceeded" },
  },
  { name: "an allocation bomb in module init", source: `const keep: string[] = [];\nwhile (true) { keep.push("item " + keep.length); }\nexport function go(): int { return keep.length; }`, during: "init", limits: { maxStepBudget: 20_000_000 }, expect: { exit: "HeapLimitExceeded" } },
  { name: "split into millions of pieces", source: `export function go(): int { const s = "a,".repeat(500000); return s.split(",").length; }`, expect: { exit: "HeapLimitExceeded" } },
  { name: "join of a huge array", source: `export function go(): int { const a: string[] = []; for (let i = 0; i < 100; i++) { a.push("x".repeat(10000)); } return a.join(a.join("")).length; }`, expect: { exit: "HeapLimitExceeded" } },
  // ---- JSON and printing
  {
    name: "JSON.stringify of a shared structure doubling each level (a small graph, a huge text)",
    source: `export function go(): int { let a: JsonValue[] = []; for (let i = 0; i < 19; i++) { a = [a, a]; } return JSON.stringify(a).length; }`,
    // The text is built before it is charged: each level more doubles the host's work (report.ts FINDINGS).
    expect: { exit: "HeapLimitExceeded" },
  },
  // JSON.stringify and JSON.parse recurse in JavaScript: past Node's stack they give the
  // program a catchable RangeError (the host's own stack is unwound, not crashed).
  {
    name: "JSON.stringify of a 100,000-deep nesting",
    source: `export function go(): int { let a: JsonValue[] = []; for (let i = 0; i < 100000; i++) { a = [a]; } return JSON.stringify(a).length; }`,
    limits: { maxHeapBytes: 64 * 1024 * 1024 },
    expect: { thrown: /RangeError: Maximum call stack size exceeded/ },
  },
  {
    name: "JSON.parse of a 1,000,000-deep nesting",
    source: `export function go(): int { const text = "[".repeat(1000000) + "]".repeat(1000000); const v = JSON.parse(text); return v === null ? 0 : 1; }`,
    limits: { maxHeapBytes: 256 * 1024 * 1024 },
    expect: { thrown: /RangeError: Maximum call stack size exceeded/ },
  },
  { name: "console.log in a loop", source: `export function go(): int { while (true) { console.log("line ".repeat(200)); } return 0; }`, limits: { maxStepBudget: 20_000_000 }, expect: { exit: "HeapLimitExceeded" } },
  // ---- channels
  {
    name: "a channel flood into a huge buffer (values held only by the channel)",
    source: `export async function go(): Task<int> { const c = new Channel<int[]>(1000000000); while (true) { const a: int[] = []; for (let j = 0; j < 100; j++) { a.push(j); } c.send(a); } return c.length; }`,
    limits: { maxStepBudget: 30_000_000 },
    expect: { exit: "HeapLimitExceeded" },
  },
  {
    name: "a producer flooding a consumer that never reads",
    source: `async function produce(c: Channel<string>): Task<int> { let i = 0; while (true) { c.send("message " + i); i = i + 1; } return i; }
             export async function go(): Task<int> { const c = new Channel<string>(10); return await produce(c); }`,
    expect: { blocksForever: true },
  },
  { name: "receiving forever on an empty channel", source: `export async function go(): Task<int> { const c = new Channel<int>(0); return c.receive(); }`, expect: { blocksForever: true } },
  { name: "closing a channel while Tasks wait on it", source: `async function wait(c: Channel<int>): Task<int> { try { return c.receive(); } catch (e) { return -1; } }\nexport async function go(): Task<int> { const c = new Channel<int>(0); const ts = [wait(c), wait(c), wait(c)]; c.close(); const r = await ts; return r[0] + r[1] + r[2]; }`, expect: { value: -3 } },
  // ---- mutexes
  {
    name: "two Tasks locking two mutexes in opposite orders (a deadlock)",
    source: `async function lockBoth(a: Mutex, b: Mutex): Task<int> { a.lock(); sleep(1); b.lock(); return 1; }
             export async function go(): Task<int> { const m1 = new Mutex(); const m2 = new Mutex(); const t1 = lockBoth(m1, m2); const t2 = lockBoth(m2, m1); return (await t1) + (await t2); }`,
    expect: { blocksForever: true },
  },
  { name: "relocking a mutex the Task holds", source: `export function go(): string { const m = new Mutex(); m.lock(); try { m.lock(); return "relocked"; } catch (e) { return "refused"; } }`, expect: { value: "refused" } },
  {
    name: "unlocking another Task's mutex",
    source: `async function holder(m: Mutex): Task<int> { m.lock(); sleep(5); m.unlock(); return 1; }
             export async function go(): Task<string> { const m = new Mutex(); const t = holder(m); let seen = "none"; try { m.unlock(); } catch (e) { seen = "refused"; } await t; return seen; }`,
    expect: { value: "refused" },
  },
  // ---- sleeping
  { name: "sleeping for a day", source: `export function go(): int { sleep(86400000); return 1; }`, expect: { blocksForever: true } },
  { name: "forty Tasks sleeping for a day", source: `async function nap(): Task<int> { sleep(86400000); return 1; }\nexport async function go(): Task<int> { const ts: Task<int>[] = []; for (let i = 0; i < 40; i++) { ts.push(nap()); } const r = await ts; return r.length; }`, expect: { blocksForever: true } },
  { name: "awaiting itself through a Task that awaits its starter", source: `export async function go(): Task<int> { const m = new Mutex(); m.lock(); const t = (async (): Task<int> => { m.lock(); return 1; })(); return await t; }`, expect: { blocksForever: true } },
  // ---- errors and results
  { name: "throwing a string", source: `export function go(): int { throw "not an error"; }`, expect: { thrown: /not an error/ } },
  { name: "throwing an Error with a 1 MB message", source: `export function go(): int { throw new Error("m".repeat(1000000)); }`, expect: { thrown: /^Error: m{100}/ } },
  { name: "returning a 200,000-deep nesting to the host", source: `export function go(): JsonValue { let a: JsonValue[] = []; for (let i = 0; i < 200000; i++) { a = [a]; } return a; }`, limits: { maxHeapBytes: 64 * 1024 * 1024, maxStepBudget: 20_000_000 }, expect: { marshal: /the task result cannot cross the context boundary/ } },
];

/** The entry (or module init) handle of the attack. */
function startAttack(context: ContextHandle, attack: HostileCase) {
  const init = context.loadSource(attack.source, "hostile.raya");
  return attack.during === "init" ? init : context.runEntry("go");
}

describe("hardening: hostile programs", function () {
  this.timeout(10_000);

  for (const attack of CASES) {
    it(`survives ${attack.name}`, async () => {
      const runtime = new Runtime();
      const exits: string[] = [];
      runtime.on("contextExited", (info) => exits.push(`${info.name}:${info.reason}`));
      const hostile = runtime.createContext({ name: "hostile", ...LIMITS, ...attack.limits });
      const neighbour = sibling(runtime);
      const timer = hostTimer();
      const handle = startAttack(hostile, attack);
      const siblingSums = [neighbour.runEntry("sum", [100_000]), neighbour.runEntry("later", [2, 50_000])];
      const expect = attack.expect;

      if ("exit" in expect) {
        const error = await failure(handle);
        assert.equal(error.kind, expect.exit, error.message);
        assert.equal(error.contextId, hostile.id);
        if (expect.message !== undefined) assert.match(error.message, expect.message);
        assertExitedAndReleased(hostile, expect.exit);
        assert.deepEqual(exits, [`hostile:${expect.exit}`]);
      } else if ("value" in expect) {
        assert.deepEqual(await handle.result(), expect.value);
        assert.equal(hostile.state, "ready");
      } else if ("marshal" in expect) {
        const error = await failure(handle);
        assert.equal(error.kind, "MarshalError", error.message);
        assert.match(error.message, expect.marshal);
        assert.equal(hostile.state, "ready", "a result that cannot be copied rejects one handle; the context lives on");
      } else if ("thrown" in expect) {
        const error = await failure(handle);
        assert.equal(error.kind, "RuntimeError", error.message);
        assert.match(error.message, expect.thrown);
        assert.equal(hostile.state, "ready", "an uncaught error rejects one handle; the context lives on");
        assert.equal(hostile.stats().tasks, 0);
      } else {
        // Never ends by itself: still pending once the sibling and the host are done.
        assert.equal(await settlesWithin(handle, 50), false, "the blocked entry is still pending");
        assert.equal(hostile.state, "ready");
        hostile.terminate();
        assert.equal((await failure(handle)).kind, "Terminated");
        assertExitedAndReleased(hostile, "Terminated");
      }

      assert.deepEqual(await Promise.all(siblingSums.map((h) => h.result())), [triangular(100_000), triangular(50_000)]);
      assert.equal(await timer, "fired", "the host's timer fired");
      // The scheduler still serves everybody: a new entry of the sibling runs to its end.
      assert.equal(await neighbour.runEntry("later", [1, 10]).result(), triangular(10));
      assert.equal(neighbour.state, "ready");
      assert.equal(neighbour.exitError, null);
      if (hostile.state !== "exited") hostile.terminate();
      neighbour.terminate();
    });
  }

  it("a hostile context that is never awaited still ends, and a host that drops it keeps running", async () => {
    const runtime = new Runtime();
    const abandoned: ContextHandle[] = [];
    for (let i = 0; i < 20; i++) {
      const context = runtime.createContext({ name: `abandoned${i}`, ...LIMITS });
      context.loadSource(`export function go(): int { ${SPIN_FOREVER} return n; }`, "a.raya");
      context.runEntry("go");
      abandoned.push(context);
    }
    const neighbour = sibling(runtime);
    assert.equal(await neighbour.runEntry("sum", [1000]).result(), triangular(1000));
    while (abandoned.some((context) => context.state !== "exited")) await hostTimer();
    for (const context of abandoned) assertExitedAndReleased(context, "StepBudgetExceeded");
  });

  describe("nested inner VMs (raya:vm)", () => {
    const SPIN_SOURCE = "export function spin(): int { let n = 0; while (true) { n = n + 1; } return n; }";

    it("an inner Vm asking for a huge budget spends its parent's: the parent ends, the inner Vm with it", async () => {
      const runtime = new Runtime();
      const outer = runtime.createContext({ name: "outer", ...LIMITS });
      const neighbour = sibling(runtime);
      outer.loadSource(
        `import { Vm } from "raya:vm";
         export async function go(): Task<int> {
           const inner = new Vm({ name: "greedy", maxStepBudget: 1e12, maxHeapBytes: 1e12, maxTasks: 1e9 });
           await inner.loadSource(${JSON.stringify(SPIN_SOURCE)}, "inner.raya");
           return await inner.runEntry<int>("spin");
         }`,
        "outer.raya",
      );
      const error = await failure(outer.runEntry("go"));
      assert.equal(error.kind, "StepBudgetExceeded");
      assertExitedAndReleased(outer, "StepBudgetExceeded");
      const inner = runtime.contexts().find((c) => c.name === "greedy");
      assert.ok(inner !== undefined);
      assert.equal(inner.parent, outer.id);
      assert.deepEqual([inner.limits.maxStepBudget, inner.limits.maxHeapBytes, inner.limits.maxTasks], [LIMITS.maxStepBudget, LIMITS.maxHeapBytes, LIMITS.maxTasks], "clamped by the parent");
      assert.equal(inner.state, "exited");
      assert.equal(inner.stats.heapBytesUsed, 0);
      assert.equal(await neighbour.runEntry("sum", [1000]).result(), triangular(1000));
    });

    for (const [what, bomb, kind] of [
      ["a heap bomb", `export function bomb(): int { let s = "x"; while (true) { s = s + s; } return s.length; }`, "HeapLimitExceeded"],
      ["a task bomb", `async function nap(): Task<int> { sleep(60000); return 1; }\nexport function bomb(): int { while (true) { nap(); } return 0; }`, "TaskLimitExceeded"],
      ["an infinite loop", `export function bomb(): int { while (true) {} return 0; }`, "StepBudgetExceeded"],
    ] as const) {
      it(`an outer program catches ${what} of its inner Vm as a VmError and carries on`, async () => {
        const runtime = new Runtime();
        const outer = runtime.createContext({ name: "outer", ...LIMITS, maxStepBudget: 20_000_000 });
        outer.loadSource(
          `import { Vm, VmError } from "raya:vm";
           export async function go(): Task<string> {
             const inner = new Vm({ name: "plugin", maxHeapBytes: 1024 * 1024, maxTasks: 20, maxStepBudget: 500000 });
             await inner.loadSource(${JSON.stringify(bomb)}, "plugin.raya");
             try { await inner.runEntry<int>("bomb"); return "no error"; }
             catch (e) { if (e instanceof VmError) { return e.kind + " " + inner.state; } return "not a VmError"; }
           }`,
          "outer.raya",
        );
        assert.equal(await outer.runEntry("go").result(), `${kind} exited`);
        assert.equal(outer.state, "ready");
        const inner = runtime.contexts().find((c) => c.name === "plugin");
        assert.equal(inner?.exitReason, kind);
        assert.equal(inner?.stats.heapBytesUsed, 0);
        assert.equal(await hostTimer(), "fired");
      });
    }
  });

  it("a child context cannot outlive or outspend its parent", async () => {
    const runtime = new Runtime();
    const parent = runtime.createContext({ name: "parent", ...LIMITS });
    parent.loadSource(`export function idle(): int { sleep(60000); return 1; }`, "p.raya");
    const child = runtime.createContext({ name: "child", parent, maxStepBudget: 1e12, maxHeapBytes: 1e12, maxTasks: 1e6 });
    assert.deepEqual([child.limits.maxStepBudget, child.limits.maxHeapBytes, child.limits.maxTasks], [LIMITS.maxStepBudget, LIMITS.maxHeapBytes, LIMITS.maxTasks]);
    const grandchild = runtime.createContext({ name: "grandchild", parent: child });
    grandchild.loadSource(`export function go(): int { ${SPIN_FOREVER} return n; }`, "g.raya");
    const parentWaits = parent.runEntry("idle");
    const spinning = grandchild.runEntry("go");
    // The grandchild spends the parent's budget: the parent ends, and its descendants with it.
    assert.equal((await failure(parentWaits)).kind, "StepBudgetExceeded");
    assert.equal((await failure(spinning)).kind, "Terminated");
    assertExitedAndReleased(parent, "StepBudgetExceeded");
    assertExitedAndReleased(child, "Terminated");
    assertExitedAndReleased(grandchild, "Terminated");
  });
});
