// Fixes for what the hardening suites found (docs/security.md, "Findings"): each case failed
// before its fix.
import { strict as assert } from "node:assert";
import { Runtime } from "../../runtime/index";
import { failure } from "./vm-error-helpers";

describe("hardening findings", () => {
  it("a capability throwing an exception whose message cannot be read is still a catchable Error", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "caps" });
    ctx.registerCapability("getter", () => {
      const error = new Error("hidden");
      Object.defineProperty(error, "message", { get() { throw new Error("getter"); } });
      throw error;
    });
    ctx.registerCapability("bare", () => {
      throw Object.create(null);
    });
    ctx.loadSource(`import { getter, bare } from "host:";
export function go(): string {
  const seen: string[] = [];
  try { getter(); } catch (e) { if (e instanceof Error) seen.push(e.message); }
  try { bare(); } catch (e) { if (e instanceof Error) seen.push(e.message); }
  return seen.join(" | ");
}`, "caps.raya");
    assert.equal(await ctx.runEntry("go", []).result(), "capability 'getter' failed: an exception that cannot be described | capability 'bare' failed: an exception that cannot be described");
    assert.equal(ctx.state, "ready");
  });

  it("values buffered in a channel count against maxHeapBytes", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "flood", maxHeapBytes: 1024 * 1024, maxStepBudget: 50_000_000 });
    ctx.loadSource(`export function flood(): void { const c = new Channel<int>(1000000000); let i = 0; while (true) { c.send(i++); } }`, "flood.raya");
    assert.equal((await failure(ctx.runEntry("flood", []))).kind, "HeapLimitExceeded");
  });

  it("repeat and padStart are priced before the string is built", async () => {
    const rt = new Runtime();
    for (const call of [`"abc".repeat(20000000)`, `"x".padStart(50000000, "y")`]) {
      const ctx = rt.createContext({ name: "grow", maxHeapBytes: 4 * 1024 * 1024 });
      ctx.loadSource(`export function grow(): int { return ${call}.length; }`, "grow.raya");
      const error = await failure(ctx.runEntry("grow", []));
      assert.equal(error.kind, "HeapLimitExceeded");
      assert.match(error.message, /more requested/);
    }
  });
});

describe("hardening findings: inner VMs cost their creator", () => {
  it("creating inner VMs in a loop meets the creator's heap limit, even when it drops them", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "vm-bomb", maxHeapBytes: 2 * 1024 * 1024, maxStepBudget: 100_000_000 });
    ctx.loadSource(`import { Vm } from "raya:vm";\nexport function bomb(): void { while (true) { new Vm({ name: "x" }); } }`, "bomb.raya");
    assert.equal((await failure(ctx.runEntry("bomb", []))).kind, "HeapLimitExceeded");
    // An empty inner VM is priced 2 KB (what it costs the JavaScript heap): about a thousand fit in 2 MB.
    assert.ok(rt.contexts().length < 1500, `${rt.contexts().length} contexts were created`);
    rt.terminateAll();
  });

  it("creating inner VMs and compiling cost the creator steps", async () => {
    const rt = new Runtime();
    const vms = rt.createContext({ name: "vm-loop", maxStepBudget: 50_000 });
    vms.loadSource(`import { Vm } from "raya:vm";\nexport function loop(): void { while (true) { new Vm({ name: "x" }).terminate(); } }`, "loop.raya");
    assert.equal((await failure(vms.runEntry("loop", []))).kind, "StepBudgetExceeded");
    assert.ok(rt.contexts().length <= 51, `${rt.contexts().length} contexts within 50,000 steps`);
    const compiles = rt.createContext({ name: "compile-loop", maxStepBudget: 200_000 });
    compiles.loadSource(`import { Compiler } from "raya:vm";\nconst source = "export function f(): int { return 1; }" + " ".repeat(10000);\nexport function loop(): int { let n = 0; const c = new Compiler(); while (true) { c.compileString(source, "f.raya"); n++; } return n; }`, "compile.raya");
    assert.equal((await failure(compiles.runEntry("loop", []))).kind, "StepBudgetExceeded");
    rt.terminateAll();
  });
});

describe("hardening findings: long sleeps", () => {
  it("a sleep longer than Node's longest timer keeps sleeping (no early wake, no warning on the host's stderr)", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const rt = new Runtime();
      const ctx = rt.createContext({ name: "sleeper" });
      ctx.loadSource(`export function nap(): string { sleep(3000000000); return "woke"; }\nexport function forever(): string { sleep(Infinity); return "woke"; }`, "nap.raya");
      const naps = [ctx.runEntry("nap", []), ctx.runEntry("forever", [])];
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(naps.map((h) => h.finished), [false, false]);
      const snapshot = ctx.snapshot(); // the remaining time is valid snapshot data
      assert.ok(snapshot.length > 0);
      rt.terminateAll();
      assert.deepEqual(warnings, []);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("hardening findings: errors raised by the VM cost steps", () => {
  it("a loop catching stack overflows meets its step budget after far fewer instructions", async () => {
    const rt = new Runtime();
    const ctx = rt.createContext({ name: "overflow", maxStepBudget: 1_000_000 });
    ctx.loadSource(`function f(n: int): int { try { return f(n + 1) + 1; } catch (e) { return f(n + 1); } }\nexport function go(): int { return f(0); }`, "overflow.raya");
    assert.equal((await failure(ctx.runEntry("go", []))).kind, "StepBudgetExceeded");
    // Each caught RangeError is charged RAISED_ERROR_FUEL (1,000) steps: 1,000 of them need a
    // million steps, though the loop itself runs only about 15,000 instructions.
    const errors = rt.createContext({ name: "count", maxStepBudget: 100_000 });
    errors.loadSource(`export function go(): int { let caught = 0; for (let i = 0; i < 1000; i++) { try { [1][5]; } catch (e) { caught++; } } return caught; }`, "count.raya");
    assert.equal((await failure(errors.runEntry("go", []))).kind, "StepBudgetExceeded");
    const enough = rt.createContext({ name: "enough", maxStepBudget: 2_000_000 });
    enough.loadSource(`export function go(): int { let caught = 0; for (let i = 0; i < 1000; i++) { try { [1][5]; } catch (e) { caught++; } } return caught; }`, "enough.raya");
    assert.equal(await enough.runEntry("go", []).result(), 1000);
    rt.terminateAll();
  });
});

describe("hardening findings: exited contexts are not kept without end", () => {
  it("a Runtime keeps only the most recent exited contexts; living ones and their tree stay", async () => {
    const rt = new Runtime();
    const keeper = rt.createContext({ name: "keeper" });
    for (let i = 0; i < 1200; i++) rt.createContext({ name: `short-${i}`, parent: keeper }).terminate();
    const infos = rt.contexts();
    assert.equal(infos.filter((c) => c.state === "exited").length, 1000);
    assert.ok(rt.context(keeper.id) !== null);
    assert.equal(rt.context(2), null); // the first short-lived context was forgotten
    assert.equal(keeper.children.size, 0); // exited children leave their parent's set
    Runtime.restore(rt.snapshot()).terminateAll(); // a snapshot of what is kept still restores its tree
    rt.terminateAll();
  });
});

describe("hardening findings: split and join are priced before they are built", () => {
  it("refuses them with the whole price requested", async () => {
    const rt = new Runtime();
    const cases: [string, number][] = [
      [`const s = "x".repeat(1000000); return s.split("").length;`, 8_000_000],
      [`const a: string[] = []; for (let i = 0; i < 1000; i++) a.push("y"); return a.join("z".repeat(100000)).length;`, 99_000_000],
    ];
    for (const [body, atLeast] of cases) {
      const ctx = rt.createContext({ name: "big", maxHeapBytes: 4 * 1024 * 1024 });
      ctx.loadSource(`export function go(): int { ${body} }`, "big.raya");
      const error = await failure(ctx.runEntry("go", []));
      assert.equal(error.kind, "HeapLimitExceeded");
      const requested = Number(/(\d+) more requested/.exec(error.message)?.[1]);
      assert.ok(requested >= atLeast, `${requested} bytes requested in one charge`);
    }
    // Small ones still work, priced exactly as before.
    const ok = rt.createContext({ name: "small", maxHeapBytes: 4 * 1024 * 1024 });
    ok.loadSource(`export function go(): string { return "a,b,c".split(",").join("-"); }`, "small.raya");
    assert.equal(await ok.runEntry("go", []).result(), "a-b-c");
    rt.terminateAll();
  });
});

describe("hardening findings: strings grown near the heap limit", () => {
  it("s += piece reaches maxHeapBytes in linear time, and s = s + s still meets the limit", async () => {
    const rt = new Runtime();
    const grown = rt.createContext({ name: "grow", maxHeapBytes: 2 * 1024 * 1024, maxStepBudget: 50_000_000 });
    grown.loadSource(`export function go(): int { let s = ""; while (true) { s += "abcdefghij"; } return s.length; }`, "grow.raya");
    const error = await failure(grown.runEntry("go", []));
    assert.equal(error.kind, "HeapLimitExceeded");
    // Each step was charged what it added (a rope node and ten characters), not the whole string.
    assert.match(error.message, /\((\d+) live, (\d+) more requested\)/);
    const requested = Number(/(\d+) more requested/.exec(error.message)?.[1]);
    assert.ok(requested < 100, `${requested} bytes requested by the last step`);
    const doubled = rt.createContext({ name: "double", maxHeapBytes: 2 * 1024 * 1024 });
    doubled.loadSource(`export function go(): int { let s = "abcdefghijklmnop"; while (true) { s = s + s; } return s.length; }`, "double.raya");
    assert.equal((await failure(doubled.runEntry("go", []))).kind, "HeapLimitExceeded");
    rt.terminateAll();
  });
});

describe("hardening findings: JSON.stringify of a shared structure", () => {
  it("is measured before it is written: refused at once, not after exponential work", async () => {
    const source = `export function go(): int { let a: JsonValue[] = [1]; for (let i = 0; i < 40; i++) { a = [a, a]; } return JSON.stringify(a).length; }`;
    const rt = new Runtime();
    const unlimited = rt.createContext({ name: "unlimited" });
    unlimited.loadSource(source, "json.raya");
    const error = await failure(unlimited.runEntry("go", []));
    assert.equal(error.kind, "RuntimeError");
    assert.match(error.message, /RangeError: Invalid string length/);
    const limited = rt.createContext({ name: "limited", maxHeapBytes: 4 * 1024 * 1024 });
    limited.loadSource(source, "json.raya");
    assert.equal((await failure(limited.runEntry("go", []))).kind, "HeapLimitExceeded");
    const fine = rt.createContext({ name: "fine", maxHeapBytes: 4 * 1024 * 1024 });
    fine.loadSource(`export function go(): string { const m = new Map<string, JsonValue>(); m.set("a", [1, "x"]); return JSON.stringify(m); }`, "fine.raya");
    assert.equal(await fine.runEntry("go", []).result(), '{"a":[1,"x"]}');
    rt.terminateAll();
  });
});
