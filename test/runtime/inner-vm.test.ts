// raya:vm from Raya code (runtime/vm/inner-vm.ts, docs/inner-vm.md): compiling, loading,
// entries, capabilities as Raya functions, limits, VmError kinds, marshalling, snapshots,
// termination, nesting, compileFile and the isolation of inner contexts.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { compile, InvalidSnapshotError, RayaRuntimeError, resumeProgram, run, type ContextRunStats, type RunOutcome } from "../../runtime/index";

/** Runs a root program (with raya:vm) and returns its outcome. */
function runRaya(source: string, filename = "host.raya", stats?: (rows: ContextRunStats[]) => void): Promise<RunOutcome> {
  return run(compile(source, { filename, readFile: () => null }), { onError: () => undefined, onStats: stats });
}

async function output(source: string): Promise<string[]> {
  return (await runRaya(source)).output;
}

/** A Raya string literal holding `text` (plugin sources are embedded in host programs). */
function lit(text: string): string {
  return JSON.stringify(text);
}

const HEADER = `import { Vm, Compiler, VmError } from "raya:vm";\n`;

/** Host source that reports a VmError as "kind: message" or the value as "ok: value". */
function expectOutcome(body: string): string {
  return `${HEADER}
async function attempt(): Promise<string> {
  try {
    ${body}
  } catch (e) {
    if (e instanceof VmError) return e.kind + ": " + e.message;
    if (e instanceof Error) return "Error: " + e.message;
    return "thrown";
  }
}
console.log(await attempt());`;
}

describe("raya:vm: compiling, loading and running entries", () => {
  it("compiles a plugin, grants a Raya capability that runs in the host, runs an entry with marshalled arguments", async () => {
    const plugin = `import { log } from "host:";\nexport function main(n: int): int { log("got " + n); return n * 2; }`;
    const lines = await output(`${HEADER}
const program = new Compiler().compileString(${lit(plugin)}, "plugin.raya");
const vm = new Vm({ name: "plugin", maxHeapBytes: 1024 * 1024, maxTasks: 10, maxStepBudget: 1000000 });
vm.registerCapability("log", (msg: string): void => { console.log("[plugin]", msg); });
vm.loadBytecode(program.bytecode);
const result = await vm.runEntry<int>("main", [21]);
console.log("result", result, program.name, vm.name, vm.id > 0);`);
    // main() is not run at load time in an inner VM: the host runs the entries it wants.
    assert.deepEqual(lines, ["[plugin] got 21", "result 42 plugin.raya plugin true"]);
  });

  it("loadSource compiles and loads in one step; spawn runs entries concurrently", async () => {
    const plugin = `export async function slow(ms: int, tag: string): Promise<string> { sleep(ms); return tag; }`;
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "p" });
vm.loadSource(${lit(plugin)}, "p.raya");
const a = vm.spawn<string>("slow", [30, "a"]);
const b = vm.spawn<string>("slow", [1, "b"]);
const both = await [a, b];
console.log(both.join(","));`);
    assert.deepEqual(lines, ["a,b"]);
  });

  it("a compile error is a VmError of kind CompileError naming the file, line and column", async () => {
    const lines = await output(expectOutcome(`new Compiler().compileString("const x: int = \\"s\\";", "bad.raya"); return "compiled";`));
    assert.equal(lines.length, 1);
    assert.equal(lines[0], "CompileError: bad.raya:1:16: error: Type 'string' is not assignable to type 'int'.");
  });

  it("loadBytecode verifies: altered bytes and non-bytes are InvalidBytecode", async () => {
    const plugin = `export function f(): int { return 1; }`;
    const altered = await output(expectOutcome(`
      const bytes = new Compiler().compileString(${lit(plugin)}, "p.raya").bytecode.slice();
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] + 1) % 256;
      new Vm().loadBytecode(bytes);
      return "loaded";`));
    assert.match(altered[0], /^InvalidBytecode: /);
    const notBytes = await output(expectOutcome(`new Vm().loadBytecode([1, 2, 300]); return "loaded";`));
    assert.deepEqual(notBytes, ["InvalidBytecode: the bytecode[2] is 300, not a byte (an integer 0..255)"]);
  });

  it("an entry that does not exist is EntryNotFound; an inner runtime error carries the inner stack and context id", async () => {
    const plugin = `export function boom(): int {\n  throw new RangeError("bad input");\n}`;
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "p" });
vm.loadSource(${lit(plugin)}, "p.raya");
try { await vm.runEntry("nope", []); } catch (e) { if (e instanceof VmError) console.log(e.kind); }
try {
  await vm.runEntry("boom", []);
} catch (e) {
  if (e instanceof VmError) {
    console.log(e.kind, e.contextId === vm.id, e.message);
    console.log(e.stack.includes("p.raya:2:"));
  }
}`);
    assert.deepEqual(lines, ["EntryNotFound", "RuntimeError true RangeError: bad input", "true"]);
  });

  it("an inner program's top-level code runs at load; a failing init fails the entries that wait for it", async () => {
    const lines = await output(expectOutcome(`
      const vm = new Vm({ name: "p" });
      vm.loadSource("throw new Error(\\"init failed\\"); export function f(): int { return 1; }", "p.raya");
      await vm.runEntry("f", []);
      return "ran";`));
    assert.deepEqual(lines, ["RuntimeError: Error: init failed"]);
  });
});

describe("raya:vm: limits end only the inner context", () => {
  const spin = `export function spin(): int { let i = 0; while (true) { i = i + 1; } return i; }`;

  it("StepBudgetExceeded, even when the inner code catches everything", async () => {
    const swallow = `export function spin(): void { while (true) { try { let i = 0; while (true) { i++; } } catch (e) {} } }`;
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "spinner", maxStepBudget: 50000 });
vm.loadSource(${lit(swallow)}, "s.raya");
try { await vm.runEntry("spin", []); } catch (e) { if (e instanceof VmError) console.log(e.kind, vm.getStats().state); }
console.log("host continues");`);
    assert.deepEqual(lines, ["StepBudgetExceeded exited", "host continues"]);
  });

  it("TaskLimitExceeded and HeapLimitExceeded; a sibling context keeps running to its correct result", async () => {
    const bomb = `async function idle(): Promise<void> { sleep(100000); }
export async function bomb(): Promise<void> { while (true) { async idle(); } }
export function hog(): int { const all: string[][] = []; while (true) { all.push(["x".repeat(1000)]); } return 0; }`;
    const counter = `export function count(n: int): int { let s = 0; for (let i = 0; i < n; i++) { s += i; } return s; }`;
    const lines = await output(`${HEADER}
async function kindOf(t: Task<unknown>): Promise<string> {
  try { await t; return "ok"; } catch (e) { return e instanceof VmError ? e.kind : "other"; }
}
const tasks = new Vm({ name: "tasks", maxTasks: 5 });
tasks.loadSource(${lit(bomb)}, "b.raya");
const heap = new Vm({ name: "heap", maxHeapBytes: 200000 });
heap.loadSource(${lit(bomb)}, "b.raya");
const sibling = new Vm({ name: "sibling" });
sibling.loadSource(${lit(counter)}, "c.raya");
const results = await [kindOf(tasks.runEntry("bomb", [])), kindOf(heap.runEntry("hog", [])), sibling.runEntry<int>("count", [1000])];
console.log(results.join(" "));
const s = heap.getStats();
console.log(s.state, s.heapBytesUsed, s.maxHeapBytes);`);
    assert.deepEqual(lines, ["TaskLimitExceeded HeapLimitExceeded 499500", "exited 0 200000"]);
  });

  it("ten inner VMs spinning forever without budgets leave the host running (fair scheduling)", async () => {
    const lines = await output(`${HEADER}
const vms: Vm[] = [];
for (let i = 0; i < 10; i++) {
  const vm = new Vm({ name: "spin" + i });
  vm.loadSource(${lit(spin)}, "s.raya");
  vm.spawn("spin", []);
  vms.push(vm);
}
sleep(20);
let running = 0;
for (const vm of vms) { if (vm.getStats().stepsExecuted > 0) running++; vm.terminate(); }
console.log("host ran; spinning contexts that got slices:", running);`);
    assert.deepEqual(lines, ["host ran; spinning contexts that got slices: 10"]);
  });

  it("getStats reports usage against the limits; unlimited limits are null", async () => {
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "p", maxTasks: 4, maxStepBudget: 100000 });
vm.loadSource("export function f(): int { let s = 0; for (let i = 0; i < 100; i++) { s += i; } return s; }", "p.raya");
await vm.runEntry("f", []);
const s = vm.getStats();
console.log(s.maxTasks, s.maxStepBudget, s.maxHeapBytes, s.stepsExecuted > 100, s.tasks, s.state);`);
    assert.deepEqual(lines, ["4 100000 null true 0 ready"]);
  });

  it("raya run --stats lists every context with its parent, outcome and limits", async () => {
    let rows: ContextRunStats[] = [];
    await runRaya(`${HEADER}
const vm = new Vm({ name: "plugin", maxStepBudget: 10000 });
vm.loadSource(${lit(spin)}, "s.raya");
try { await vm.runEntry("spin", []); } catch (e) {}`, "host.raya", (r) => (rows = r));
    assert.deepEqual(rows.map((r) => [r.name, r.parent, r.outcome, r.stepBudget]), [
      ["main", null, "done", null],
      ["plugin#1", "main", "StepBudgetExceeded", 10000],
    ]);
  });
});

describe("raya:vm: capabilities", () => {
  it("importing a capability that was not granted is CapabilityNotFound naming it", async () => {
    const lines = await output(expectOutcome(`
      const vm = new Vm({ name: "p" });
      vm.registerCapability("log", (m: string): void => {});
      vm.loadSource("import { log, readFile } from \\"host:\\"; export function f(): void {}", "p.raya");
      return "loaded";`));
    assert.deepEqual(lines, ["CapabilityNotFound: capability 'readFile' is not granted to context 'p'"]);
  });

  it("a capability may await and sleep in the host; a failing one is a catchable Error inside", async () => {
    const plugin = `import { fetch, fail } from "host:";
export async function go(): Promise<string> {
  const got = fetch("k");
  let caught = "";
  try { fail(); } catch (e) { if (e instanceof Error) caught = e.message; }
  return got + " | " + caught;
}`;
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "p" });
vm.registerCapability("fetch", async (key: string): Promise<string> => { sleep(5); return "value of " + key; });
vm.registerCapability("fail", (): void => { throw new RangeError("no such thing"); });
vm.loadSource(${lit(plugin)}, "p.raya");
console.log(await vm.runEntry<string>("go", []));`);
    assert.deepEqual(lines, ["value of k | capability 'fail' failed: RangeError: no such thing"]);
  });

  it("values cross by copy: neither side sees the other's mutations; functions cross as opaque handles", async () => {
    const plugin = `import { keep } from "host:";
export function edit(items: int[]): int[] { items.push(99); keep(items); items.push(100); return items; }
export function call(f: () => int): string { try { return "called " + f(); } catch (e) { return e instanceof Error ? e.message : "?"; } }`;
    const lines = await output(`${HEADER}
let kept: int[] = [];
const vm = new Vm({ name: "p" });
vm.registerCapability("keep", (items: int[]): void => { kept = items; items.push(7); });
vm.loadSource(${lit(plugin)}, "p.raya");
const mine = [1, 2];
const back = await vm.runEntry<int[]>("edit", [mine]);
back.push(5);
console.log(mine.join(","), "|", kept.join(","), "|", back.join(","));
console.log(await vm.runEntry<string>("call", [(): int => 1]));`);
    assert.equal(lines[0], "1,2 | 1,2,99,7 | 1,2,99,100,5");
    assert.match(lines[1], /^a foreign handle from context \d+ \(host\.raya\) cannot be used here$/);
  });

  it("an inner VM has no clock, no files and no console of the host except through capabilities", async () => {
    const plugin = `import { Compiler } from "raya:vm";
export function clock(): number { return Date.now(); }
export function file(): int { return new Compiler().compileFile("x.raya").bytecode.length; }
export function say(): void { console.log("inside"); }`;
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "p" });
vm.loadSource(${lit(plugin)}, "p.raya");
for (const entry of ["clock", "file", "say"]) {
  try { await vm.runEntry(entry, []); console.log(entry, "ok"); } catch (e) { if (e instanceof VmError) console.log(entry, e.kind, e.message); }
}`);
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^clock RuntimeError VmError: Date\.now is not available in an inner VM/);
    assert.match(lines[1], /^file RuntimeError VmError: compileFile\('x\.raya'\): only the root program reads files/);
    assert.equal(lines[2], "say ok"); // its console.log stays in the inner context's output
  });
});

describe("raya:vm: snapshots, termination and nesting", () => {
  const counter = `let count = 0;\nexport function bump(by: int): int { count += by; return count; }`;

  it("a snapshot restores into a new Vm that continues from the saved state; altered bytes are InvalidSnapshot", async () => {
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "counter" });
vm.loadSource(${lit(counter)}, "c.raya");
await vm.runEntry("bump", [5]);
const snap = vm.snapshot();
await vm.runEntry("bump", [100]);
const copy = Vm.restore(snap, { name: "copy" });
console.log(await copy.runEntry<int>("bump", [1]), await vm.runEntry<int>("bump", [1]));
try { snap[0] = 0; } catch (e) { if (e instanceof TypeError) console.log("read-only"); }
const bad = snap.slice();
bad[bad.length - 1] = (bad[bad.length - 1] + 1) % 256;
try { Vm.restore(bad, { name: "bad" }); } catch (e) { if (e instanceof VmError) console.log(e.kind); }`);
    assert.deepEqual(lines, ["6 106", "read-only", "InvalidSnapshot"]);
  });

  it("restore re-grants capabilities by name on a fresh Vm", async () => {
    const plugin = `import { tell } from "host:";\nlet n = 0;\nexport function tick(): void { n++; tell(n); }`;
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "a" });
vm.registerCapability("tell", (n: int): void => { console.log("a says", n); });
vm.loadSource(${lit(plugin)}, "p.raya");
await vm.runEntry("tick", []);
const snap = vm.snapshot();
try { Vm.restore(snap, { name: "ungranted" }); } catch (e) { if (e instanceof VmError) console.log(e.kind); }
const b = new Vm({ name: "b" });
b.registerCapability("tell", (n: int): void => { console.log("b says", n); });
b.restore(snap);
await b.runEntry("tick", []);`);
    assert.deepEqual(lines, ["a says 1", "CapabilityNotFound", "b says 2"]);
  });

  it("terminate ends the context: its awaited Tasks fail with Terminated and later calls are refused", async () => {
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "p" });
vm.loadSource("export function wait(): void { sleep(100000); }", "p.raya");
const t = vm.runEntry("wait", []);
sleep(5);
vm.terminate();
try { await t; } catch (e) { if (e instanceof VmError) console.log(e.kind); }
try { vm.runEntry("wait", []); } catch (e) { if (e instanceof VmError) console.log(e.kind, vm.state); }`);
    assert.deepEqual(lines, ["Terminated", "Terminated exited"]);
  });

  it("cancelling the Task of an entry cancels the inner Task", async () => {
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "p" });
vm.loadSource("export function wait(): void { sleep(100000); }", "p.raya");
const t = vm.runEntry("wait", []);
sleep(5);
t.cancel();
try { await t; } catch (e) { if (e instanceof Error) console.log(e.message); }
sleep(5);
console.log(vm.getStats().tasks, vm.state);`);
    assert.equal(lines.length, 2);
    assert.match(lines[0], /was cancelled/);
    assert.equal(lines[1], "0 ready");
  });

  it("inner VMs nest: a plugin creates its own inner VM, bounded by its parent's budget", async () => {
    const grandchild = `export function spin(): void { while (true) {} }`;
    const child = `import { Vm, VmError } from "raya:vm";
export async function nest(): Promise<string> {
  const inner = new Vm({ name: "grandchild", maxStepBudget: 100000000 });
  inner.loadSource(${lit(grandchild)}, "g.raya");
  try { await inner.runEntry("spin", []); return "no limit hit"; } catch (e) { return e instanceof VmError ? e.kind + " in " + inner.name : "?"; }
}`;
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "child", maxStepBudget: 200000 });
vm.loadSource(${lit(child)}, "child.raya");
try { console.log(await vm.runEntry<string>("nest", [])); } catch (e) { if (e instanceof VmError) console.log("child:", e.kind); }`);
    // The grandchild's steps count against the child's budget: the child is the one that ends.
    assert.deepEqual(lines, ["child: StepBudgetExceeded"]);
  });

  it("a program awaiting an inner VM that can never finish ends with a deadlock naming it", async () => {
    const plugin = `export function stuck(): int { const c = new Channel<int>(); return c.receive(); }`;
    await assert.rejects(
      runRaya(`${HEADER}
const vm = new Vm({ name: "p" });
vm.loadSource(${lit(plugin)}, "p.raya");
await vm.runEntry("stuck", []);`),
      (error: unknown) => error instanceof RayaRuntimeError && /deadlock/.test(error.message) && /inner VM p#1/.test(error.message),
    );
  });

  it("an inner VM's failure nobody awaits is reported as uncaught in the host, which continues", async () => {
    const errors: string[] = [];
    const outcome = await run(compile(`${HEADER}
const vm = new Vm({ name: "p" });
vm.loadSource("export function boom(): void { throw new Error(\\"lost\\"); }", "p.raya");
vm.spawn("boom", []);
sleep(10);
console.log("after");`, { filename: "host.raya", readFile: () => null }), { onError: (line) => errors.push(line) });
    assert.deepEqual(outcome.output, ["after"]);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^Uncaught \(in task p\.boom#\d+\) VmError \[RuntimeError\]|^Uncaught \(in task p\.boom#\d+\) VmError: /);
  });
});

describe("raya:vm: values", () => {
  it("a Vm prints its identity and crosses into another context only as a foreign handle", async () => {
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "outer-child" });
vm.loadSource("import { Vm } from \\"raya:vm\\";\\nexport function make(): Vm { return new Vm({ name: \\"grandchild\\" }); }", "c.raya");
console.log(vm);
console.log(String(await vm.runEntry<unknown>("make", [])));`);
    assert.equal(lines[0], "Vm { id: 1, name: 'outer-child', state: 'initializing' }"); // its init has not run yet
    assert.match(lines[1], /^\[ForeignHandle object Vm from context \d+ \(c\.raya\)\]$/);
  });
});

describe("raya:vm: results and arguments", () => {
  it("arguments are copied when the entry is requested; an Error returned as a value arrives as an Error", async () => {
    const plugin = `export function describe(items: int[]): string { return items.join("+"); }
export function fault(): Error { return new RangeError("returned, not thrown"); }`;
    const lines = await output(`${HEADER}
const vm = new Vm({ name: "p" });
vm.loadSource(${lit(plugin)}, "p.raya");
const items = [1, 2];
const pending = vm.runEntry<string>("describe", [items]); // the context is still initialising
items.push(3);
console.log(await pending);
const e = await vm.runEntry<Error>("fault", []);
console.log(e instanceof Error, e.name, e.message);`);
    assert.deepEqual(lines, ["1+2", "true RangeError returned, not thrown"]);
  });
});

describe("raya:vm: raya run --snapshot-out of a program with inner VMs", () => {
  const program = `${HEADER}
const vm = new Vm({ name: "worker", maxStepBudget: 10000000 });
let reports = 0;
vm.registerCapability("report", (n: int): int => { reports++; sleep(1); return n * 10; });
vm.loadSource(${lit(`import { report } from "host:";
export async function work(rounds: int): Promise<number> {
  let total: number = 0;
  for (let i = 0; i < rounds; i++) { sleep(2); total += Number(report(i)); }
  return total;
}`)}, "w.raya");
const t = vm.runEntry<number>("work", [20]);
let spins = 0;
for (let i = 0; i < 20; i++) { for (let j = 0; j < 2000; j++) spins++; sleep(1); }
console.log("root spun", spins);
console.log("worker total", await t, "reports", reports);`;

  it("saves the root with its inner VMs and their links; resume finishes as an uninterrupted run", async () => {
    const compiled = compile(program, { filename: "host.raya", readFile: () => null });
    const whole = await run(compiled, {});
    assert.deepEqual(whole.output, ["root spun 40000", "worker total 1900 reports 20"]);
    const saved = await run(compiled, { snapshotAfterSteps: 60000 });
    assert.ok(saved.snapshot !== undefined, "the run stopped for a snapshot");
    assert.equal(String.fromCharCode(...saved.snapshot.subarray(0, 8)), "RAYARTSN");
    const resumed = await resumeProgram(saved.snapshot, {});
    assert.deepEqual(resumed.output.slice(-2), ["root spun 40000", "worker total 1900 reports 20"]);
  });

  it("a damaged whole-program snapshot is refused before anything runs", async () => {
    const saved = await run(compile(program, { filename: "host.raya", readFile: () => null }), { snapshotAfterSteps: 60000 });
    const bad = saved.snapshot!.slice();
    bad[bad.length >> 1] ^= 0x40;
    await assert.rejects(resumeProgram(bad, {}), (error: unknown) => error instanceof InvalidSnapshotError);
  });
});

describe("raya:vm: values that cannot cross", () => {
  it("a result nested deeper than the marshalling limit is a VmError of kind MarshalError", async () => {
    const plugin = `export function deep(): JsonValue { let a: JsonValue[] = []; for (let i = 0; i < 200000; i++) { a = [a]; } return a; }`;
    const lines = await output(expectOutcome(`
      const vm = new Vm({ name: "p" });
      vm.loadSource(${lit(plugin)}, "p.raya");
      await vm.runEntry("deep", []);
      return "crossed";`));
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^MarshalError: the task result cannot cross the context boundary at \$(\[0\])+: nesting deeper than 100000 levels$/);
  });
});

describe("raya:vm: compileFile", () => {
  it("reads a file relative to the calling file (root program only)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-vm-"));
    try {
      fs.mkdirSync(path.join(dir, "plugins"));
      fs.writeFileSync(path.join(dir, "plugins", "echo.raya"), `export function echo(s: string): string { return "echo " + s; }`);
      const hostFile = path.join(dir, "host.raya");
      const source = `${HEADER}
const program = new Compiler().compileFile("plugins/echo.raya");
const vm = new Vm({ name: "echo" });
vm.loadBytecode(program.bytecode);
console.log(await vm.runEntry<string>("echo", ["hi"]));
try { new Compiler().compileFile("plugins/missing.raya"); } catch (e) { if (e instanceof VmError) console.log(e.kind); }`;
      const outcome = await run(compile(source, { filename: hostFile }), {});
      assert.deepEqual(outcome.output, ["echo hi", "CompileError"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
