// Whole-runtime snapshots (Runtime.snapshot / Runtime.restore, docs/snapshots.md): every
// context with its identity, parent, limits and fate; pending work resumes; capabilities are
// re-granted by context and name; bad bytes change nothing.
import { strict as assert } from "node:assert";
import { Runtime } from "../../runtime/index";
import type { Task } from "../../runtime/vm/task";
import { thrown } from "./vm-error-helpers";

/** Waits until the scheduler has run the init Tasks (entries can be snapshotted only then). */
function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const COUNTER = `import { report } from "host:";
let count = 0;
export function bump(by: int): int { count += by; report(count); return count; }
export async function later(ms: int, by: int): Promise<int> { sleep(ms); return bump(by); }`;

async function savedRuntime(): Promise<{ bytes: Uint8Array; reported: number[] }> {
  const reported: number[] = [];
  const rt = new Runtime();
  const parent = rt.createContext({ name: "parent", maxStepBudget: 1_000_000 });
  parent.registerCapability("report", (n) => reported.push(Number(n)));
  parent.loadSource(COUNTER, "parent.raya");
  const child = rt.createContext({ name: "child", parent, maxTasks: 5 });
  child.registerCapability("report", (n) => reported.push(1000 + Number(n)));
  child.loadSource(COUNTER, "child.raya");
  rt.createContext({ name: "empty" });
  const gone = rt.createContext({ name: "gone" });
  gone.loadSource("export function f(): void {}", "gone.raya");
  await settle();
  gone.terminate();
  await parent.runEntry("bump", [10]).result();
  child.runEntry("later", [40, 2]); // sleeping when the snapshot is taken
  await settle(5);
  const bytes = rt.snapshot();
  rt.terminateAll();
  return { bytes, reported };
}

describe("Runtime: whole-runtime snapshots", () => {
  it("restores every context with its id, name, parent, limits and fate; pending work resumes", async () => {
    const { bytes } = await savedRuntime();
    const reported: number[] = [];
    const rt = Runtime.restore(bytes, {
      capabilities: {
        parent: { report: (n) => reported.push(Number(n)) },
        child: { report: (n) => reported.push(1000 + Number(n)) },
      },
    });
    const infos = rt.contexts();
    assert.deepEqual(infos.map((c) => [c.id, c.name, c.parent, c.state, c.exitReason]), [
      [1, "parent", null, "ready", null],
      [2, "child", 1, "ready", null],
      [3, "empty", null, "empty", null],
      [4, "gone", null, "exited", "Terminated"],
    ]);
    assert.equal(infos[0].limits.maxStepBudget, 1_000_000);
    assert.equal(infos[1].limits.maxTasks, 5);
    assert.equal(infos[1].limits.maxStepBudget, 1_000_000); // bounded by its parent, as before
    const child = rt.context(2)!;
    const [sleeper] = child.restoredTasks;
    assert.equal(await sleeper.result(), 2); // the sleeping entry woke in the new runtime
    assert.equal(await rt.context(1)!.runEntry("bump", [1]).result(), 11); // state carried over
    assert.deepEqual(reported, [1002, 11]);
    const created = rt.createContext({ name: "new" });
    assert.equal(created.id, 5); // ids continue after the restored ones
    rt.terminateAll();
  });

  it("a capability a program imports but not re-granted is CapabilityNotFound naming both; nothing runs", async () => {
    const { bytes } = await savedRuntime();
    const reported: number[] = [];
    const error = thrown(() => Runtime.restore(bytes, { capabilities: { parent: { report: (n) => reported.push(Number(n)) } } }));
    assert.equal(error.kind, "CapabilityNotFound");
    assert.match(error.message, /capability 'report' .* context 'child'/);
    await settle(60); // the parent's restored context must not be running anything
    assert.deepEqual(reported, []);
  });

  it("damaged, truncated or foreign bytes are InvalidSnapshot", async () => {
    const { bytes } = await savedRuntime();
    for (const at of [0, 9, 14, 40, bytes.length >> 1, bytes.length - 1]) {
      const bad = bytes.slice();
      bad[at] ^= 0x5a;
      assert.equal(thrown(() => Runtime.restore(bad)).kind, "InvalidSnapshot", `flipped byte ${at}`);
    }
    assert.equal(thrown(() => Runtime.restore(bytes.subarray(0, bytes.length - 9))).kind, "InvalidSnapshot");
    const rt = new Runtime();
    const one = rt.createContext({ name: "one" });
    one.loadSource("export function f(): void {}", "one.raya");
    await settle();
    const single = thrown(() => Runtime.restore(one.snapshot()));
    assert.equal(single.kind, "InvalidSnapshot");
    assert.match(single.message, /single-context snapshot/);
    rt.terminateAll();
  });

  it("keeps raya:vm links: a context's inner VM, its Raya capability and a waiting entry resume together", async () => {
    const rt = new Runtime();
    const host = rt.createContext({ name: "host" });
    host.loadSource(`import { Vm } from "raya:vm";
const inner = new Vm({ name: "inner" });
let told: int[] = [];
inner.registerCapability("tell", (n: int): int => { sleep(10); told.push(n); return n + 100; });
inner.loadSource("import { tell } from \\"host:\\";\\nexport function count(): number { let sum: number = 0; for (let i = 1; i <= 3; i++) { sleep(15); sum += Number(tell(i)); } return sum; }", "inner.raya");
export async function run(): Promise<string> { const sum = await inner.runEntry<number>("count", []); return sum + " " + told.join(","); }`, "host.raya");
    await settle();
    host.runEntry("run", []);
    // Snapshot while the inner Task waits for the capability's answer (which sleeps in the host).
    const innerTasks = (): Task[] => [...(rt.context(2)?.vmContext?.tasks ?? [])];
    while (!innerTasks().some((t) => t.blockedOn?.kind === "context")) await settle(1);
    const bytes = rt.snapshot();
    rt.terminateAll();
    const restored = Runtime.restore(bytes);
    assert.deepEqual(restored.contexts().map((c) => [c.id, c.name, c.parent]), [[1, "host", null], [2, "inner", 1]]);
    const [run] = restored.context(1)!.restoredTasks;
    assert.equal(await run.result(), "306 1,2,3");
    restored.terminateAll();
  });

});
