// The adapter's multi-context features, driven in this process by a DAP client that answers
// reverse requests: contexts created at run time (raya:vm), context control requests and
// events, the Context scope, sandbox launches with limits and capabilities, snapshots, and
// child sessions over the adapter's private socket.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as net from "node:net";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { execFileSync, spawn } from "node:child_process";
import { DapClient, inProcessSession, socketClient } from "./dap-client";

const FIXTURES: Record<string, string> = {
  // A host that runs a plugin in an inner VM; both print while they run.
  "late.raya": `import { Vm } from "raya:vm";

const vm = new Vm({ name: "plugin" });
await vm.loadSource("export function tick(n: int): int { let i = 0; while (i < n) { console.log(\\"plugin tick \\" + i); i = i + 1; } return i; }", "plugin.raya");
await sleep(300);
console.log("late done " + (await vm.runEntry<int>("tick", [5])));
`,
  "host.raya": `import { Vm, VmError } from "raya:vm";

const PLUGIN = \`export function tick(n: int): int {
  let i = 0;
  while (i < n) {
    console.log("plugin tick " + i);
    sleep(20);
    i = i + 1;
  }
  return i;
}\`;

async function main(): Promise<void> {
  const vm = new Vm({ name: "plugin" });
  await vm.loadSource(PLUGIN, "plugin.raya");
  const ticking = vm.runEntry<int>("tick", [1000]);
  for (let i = 0; i < 60; i++) {
    console.log("host tick " + i);
    sleep(20);
  }
  try {
    const n = await ticking;
    console.log("plugin returned " + n);
  } catch (e) {
    if (e instanceof VmError) console.log("plugin ended: " + e.kind);
  }
}
`,
  "spin.raya": `function main(): void {
  let n: number = 0;
  while (true) {
    n = n + 1;
  }
}
`,
  "vm-bomb.raya": `import { Vm } from "raya:vm";

function main(): void {
  const vm = new Vm({ name: "p" });
  vm.loadSource("export function idle(): void { sleep(100000); }", "p.raya");
  for (let i = 0; i < 10; i++) {
    vm.spawn("idle", []);
    console.log("spawned " + i);
  }
}
`,
  "bomb.raya": `async function worker(n: number): Promise<number> {
  sleep(1000);
  return n;
}

function main(): void {
  for (let i = 0; i < 10; i++) {
    const t = worker(i);
    console.log("started " + i);
  }
}
`,
  "loader.raya": `import { Vm, Compiler } from "raya:vm";

async function main(): Promise<void> {
  const vm = new Vm({ name: "worker" });
  vm.loadBytecode(new Compiler().compileFile("doubler.raya").bytecode);
  const n = await vm.runEntry<int>("double", [21]);
  console.log("doubled " + n);
}
`,
  "doubler.raya": `export function double(n: int): int {
  const result = n * 2;
  return result;
}
`,
  "hog.raya": `function main(): void {
  const rows: number[][] = [];
  while (true) {
    rows.push([1, 2, 3, 4, 5, 6, 7, 8]);
  }
}
`,
  "capability-host.raya": `import { Vm, Compiler } from "raya:vm";

async function main(): Promise<void> {
  const vm = new Vm({ name: "plugin" });
  vm.registerCapability("note", (message: string): void => {
    console.log("host got " + message);
  });
  vm.loadBytecode(new Compiler().compileFile("noter.raya").bytecode);
  const n = await vm.runEntry<int>("go", []);
  console.log("done " + n);
}
`,
  "noter.raya": `import { note } from "host:";

export function go(): int {
  note("a");
  const x = 1;
  return x;
}
`,
  "loop.raya": `function main(): void {
  let total: number = 0;
  for (let i = 0; i < 6; i++) {
    total = total + i;
  }
  console.log("total " + total);
}
`,
  // A plugin that, when asked, makes an inner VM of its own.
  "nesting.raya": `import { Vm } from "raya:vm";

const PLUGIN = \`import { Vm } from "raya:vm";
export function nest(): int {
  const inner = new Vm({ name: "grandchild" });
  inner.loadSource("export function one(): int { return 1; }", "one.raya");
  sleep(2000);
  return 1;
}\`;

async function main(): Promise<void> {
  const vm = new Vm({ name: "plugin" });
  await vm.loadSource(PLUGIN, "plugin.raya");
  sleep(300);
  const n = await vm.runEntry<int>("nest", []);
  console.log("nested " + n);
}
`,
  "caps.raya": `import { log, clock } from "host:";

function main(): void {
  const t = clock();
  log("from the sandbox", 42, typeof t === "number");
}
`,
};

type Event = DebugProtocol.Event;

const INITIALIZE = { adapterID: "raya", pathFormat: "path", linesStartAt1: true, columnsStartAt1: true };

describe("debug adapter: contexts, sandbox, snapshots and child sessions", function () {
  this.timeout(30_000);
  let dir: string;
  let client: DapClient;
  const file = (name: string): string => path.join(dir, name);
  const sockets: net.Socket[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-dap-contexts-"));
    for (const [name, text] of Object.entries(FIXTURES)) fs.writeFileSync(path.join(dir, name), text);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    client = inProcessSession().client;
  });
  afterEach(async () => {
    await Promise.race([client.request("disconnect", {}).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000))]);
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  /** initialize, launch, `setup` between initialized and configurationDone, as VS Code does. */
  async function launch(args: Record<string, unknown>, setup: (c: DapClient) => Promise<unknown> = async () => undefined, c = client, initialize: Record<string, unknown> = {}): Promise<void> {
    await c.request("initialize", { ...INITIALIZE, ...initialize });
    const launched = c.request("launch", args);
    launched.catch(() => undefined); // awaited below; a compile error must not go unhandled meanwhile
    await Promise.race([c.waitForEvent("initialized"), launched]);
    await setup(c);
    await c.request("configurationDone", {});
    await launched;
  }

  async function errorOf(request: Promise<unknown>): Promise<string> {
    try {
      await request;
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail("the request was expected to fail");
  }

  async function threadNames(c: DapClient): Promise<{ id: number; name: string }[]> {
    return (await c.request("threads")).body.threads;
  }

  async function contextVariables(c: DapClient, threadId: number): Promise<Map<string, string>> {
    const frames = (await c.request("stackTrace", { threadId })).body.stackFrames as DebugProtocol.StackFrame[];
    const scopes = (await c.request("scopes", { frameId: frames[0].id })).body.scopes as DebugProtocol.Scope[];
    const scope = scopes.find((s) => s.name === "Context");
    assert.ok(scope !== undefined, `a Context scope among ${scopes.map((s) => s.name).join(", ")}`);
    const variables = (await c.request("variables", { variablesReference: scope.variablesReference })).body.variables as DebugProtocol.Variable[];
    return new Map(variables.map((v) => [v.name, v.value]));
  }

  const pluginCreated = (c: DapClient): Promise<Event> => c.waitForEvent("rayaContextCreated", (e) => e.body.context.name === "plugin");

  it("shows contexts created at run time as threads and lists them with their stats", async () => {
    await launch({ program: file("host.raya") });
    const created = await pluginCreated(client);
    assert.equal(created.body.context.parentId, 1);
    assert.equal(created.body.context.state, "running");
    await client.waitForOutput("[plugin#2] plugin tick 1");
    // console.log output carries the location of its call.
    const hostTick = client.allEvents.find((e) => e.event === "output" && e.body.output === "host tick 0\n");
    const hostLine = FIXTURES["host.raya"].split("\n").findIndex((l) => l.includes('console.log("host tick')) + 1;
    assert.deepEqual([hostTick?.body.source?.path, hostTick?.body.line], [file("host.raya"), hostLine]);
    const pluginTick = client.allEvents.find((e) => e.event === "output" && e.body.output === "[plugin#2] plugin tick 0\n");
    assert.deepEqual([pluginTick?.body.source?.name, pluginTick?.body.line], ["plugin.raya", 4]);
    assert.ok(pluginTick?.body.source?.sourceReference > 0, "code compiled from a string is shown by reference");
    const names = (await threadNames(client)).map((t) => t.name);
    assert.ok(names.some((n) => /^host\.raya#1 · main#\d+$/.test(n)), names.join(" | "));
    assert.ok(names.some((n) => /^plugin#2 · tick#\d+$/.test(n)), names.join(" | "));
    const { contexts } = (await client.request("rayaContexts", {})).body;
    assert.deepEqual(contexts.map((c: { id: number; name: string; parentId: number | null }) => [c.id, c.name, c.parentId]), [[1, "host.raya", null], [2, "plugin", 1]]);
    const plugin = contexts[1];
    assert.equal(plugin.exitReason, null);
    assert.ok(plugin.stats.stepsExecuted > 0);
    assert.ok(plugin.stats.tasks >= 1);
    assert.equal(plugin.stats.maxHeapBytes, null);
    assert.equal(plugin.stats.maxStepBudget, null);
    // Gauges move: two stats events half a second apart show the plugin's steps growing.
    const first = await client.waitForEvent("rayaContextStats", (e) => e.body.contexts.length === 2, 2_000);
    const second = await client.waitForEvent("rayaContextStats", () => true, 2_000);
    assert.equal(first.body.contexts[1].name, "plugin");
    assert.ok(second.body.contexts[1].stats.stepsExecuted > first.body.contexts[1].stats.stepsExecuted);
  });

  it("pauses, continues and terminates one context while the others run on", async () => {
    await launch({ program: file("host.raya") });
    await pluginCreated(client);
    await client.waitForOutput("[plugin#2] plugin tick 1");
    await client.request("rayaPauseContext", { contextId: 2 });
    const stop = await client.waitForEvent("stopped");
    assert.equal(stop.body.reason, "pause");
    assert.equal(stop.body.allThreadsStopped, false, "the host context still runs in this session");
    const thread = (await threadNames(client)).find((t) => t.id === stop.body.threadId);
    assert.match(thread?.name ?? "", /^plugin#2 · /);
    const gauges = await contextVariables(client, stop.body.threadId);
    assert.equal(gauges.get("name"), '"plugin"');
    assert.equal(gauges.get("state"), "paused");
    assert.match(gauges.get("tasks") ?? "", /^\d+ \(no limit\)$/);
    assert.match(gauges.get("steps") ?? "", /^[\d,]+ \(no limit\)$/);
    assert.match(gauges.get("heap") ?? "", /^[\d.]+ (B|KB|MB) \(no limit\)$/);

    // The host keeps printing while the plugin is held.
    const pluginTicks = (): number => (client.output().match(/\[plugin#2\] plugin tick/g) ?? []).length;
    const hostTicks = (): number => (client.output().match(/^host tick/gm) ?? []).length;
    const [plugin0, host0] = [pluginTicks(), hostTicks()];
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(pluginTicks(), plugin0, "the paused plugin prints nothing");
    assert.ok(hostTicks() > host0, "the host prints on");
    const contexts = (await client.request("rayaContexts", {})).body.contexts;
    assert.deepEqual(contexts.map((c: { state: string }) => c.state), ["running", "paused"]);

    await client.request("rayaContinueContext", { contextId: 2 });
    await client.waitForOutput(`[plugin#2] plugin tick ${plugin0 + 1}`);

    await client.request("rayaTerminateContext", { contextId: 2 });
    const exited = await client.waitForEvent("rayaContextExited");
    assert.deepEqual([exited.body.id, exited.body.name, exited.body.reason], [2, "plugin", "Terminated"]);
    assert.match(await errorOf(client.request("rayaPauseContext", { contextId: 2 })), /context 2 \('plugin'\) has exited/);
    assert.match(await errorOf(client.request("rayaContinueContext", { contextId: 99 })), /unknown context id 99/);
    assert.match(await errorOf(client.request("rayaTerminateContext", {})), /'contextId' is missing/);
    await client.waitForOutput("plugin ended: Terminated", 5_000);
    const end = await client.waitForEvent("exited");
    assert.equal(end.body.exitCode, 0);
    const listed = (await client.request("rayaContexts", {})).body.contexts;
    assert.equal(listed[1].state, "exited");
    assert.equal(listed[1].exitReason, "Terminated");
  });

  it("stops at a breakpoint in a file an inner VM loads at run time", async () => {
    let verification: DebugProtocol.Breakpoint[] = [];
    await launch({ program: file("loader.raya") }, async (c) => {
      verification = (await c.request("setBreakpoints", { source: { path: file("doubler.raya") }, breakpoints: [{ line: 2 }] })).body.breakpoints;
    });
    assert.equal(verification[0].verified, false);
    assert.match(verification[0].message ?? "", /no context has loaded doubler\.raya yet: the breakpoint applies when one does/);
    const stop = await client.waitForEvent("stopped");
    assert.equal(stop.body.reason, "breakpoint");
    const thread = (await threadNames(client)).find((t) => t.id === stop.body.threadId);
    assert.match(thread?.name ?? "", /^worker#2 · /);
    const frames = (await client.request("stackTrace", { threadId: stop.body.threadId })).body.stackFrames as DebugProtocol.StackFrame[];
    assert.deepEqual([frames[0].name, frames[0].line, frames[0].source?.path], ["double", 2, file("doubler.raya")]);
    const scopes = (await client.request("scopes", { frameId: frames[0].id })).body.scopes as DebugProtocol.Scope[];
    assert.deepEqual(scopes.map((s) => s.name), ["Locals", "Globals", "Context"]);
    const locals = (await client.request("variables", { variablesReference: scopes[0].variablesReference })).body.variables;
    assert.equal(locals.find((v: DebugProtocol.Variable) => v.name === "n")?.value, "21");
    const exited = client.waitForEvent("exited");
    await client.request("continue", { threadId: stop.body.threadId });
    await client.waitForOutput("doubled 42\n");
    assert.equal((await exited).body.exitCode, 0);
  });

  it("steps into a capability call: the host's function stops on its first line, then the plugin goes on", async () => {
    await launch({ program: file("capability-host.raya") }, (c) => c.request("setBreakpoints", { source: { path: file("noter.raya") }, breakpoints: [{ line: 4 }] }));
    const stop = await client.waitForEvent("stopped");
    const top = async (threadId: number): Promise<[string, number]> => {
      const frame = (await client.request("stackTrace", { threadId })).body.stackFrames[0];
      return [frame.name, frame.line];
    };
    assert.deepEqual(await top(stop.body.threadId), ["go", 4]);
    await client.request("stepIn", { threadId: stop.body.threadId });
    const stepped = await client.waitForEvent("stopped");
    assert.equal(stepped.body.reason, "step");
    // Now in the host's Task answering the call (another thread, of the host's context).
    assert.notEqual(stepped.body.threadId, stop.body.threadId);
    const [, line] = await top(stepped.body.threadId);
    assert.equal(line, 6); // console.log("host got " + message);
    assert.doesNotMatch(client.output("stdout"), /host got a/);
    const exited = client.waitForEvent("exited");
    await client.request("continue", { threadId: stepped.body.threadId });
    await client.waitForOutput("done 1\n");
    assert.equal((await exited).body.exitCode, 0);
  });

  it("keeps a breakpoint's hit count when the same breakpoints are sent again (as each new session does)", async () => {
    const breakpoints = { source: { path: file("loop.raya") }, breakpoints: [{ line: 4, hitCondition: "3" }] };
    await launch({ program: file("loop.raya") }, (c) => c.request("setBreakpoints", breakpoints));
    const stop = await client.waitForEvent("stopped");
    const frame = (await client.request("stackTrace", { threadId: stop.body.threadId })).body.stackFrames[0];
    assert.equal((await client.request("evaluate", { expression: "i", frameId: frame.id })).body.result, "2");
    await client.request("setBreakpoints", breakpoints);
    const exited = client.waitForEvent("exited");
    await client.request("continue", { threadId: stop.body.threadId });
    assert.equal((await exited).body.exitCode, 0, "no second stop: the count went on from 3");
    assert.equal(client.allEvents.filter((e) => e.event === "stopped").length, 1);
  });

  it("snapshots a context to a .rayasnap and restores it as a new live context", async () => {
    await launch({ program: file("host.raya") });
    await pluginCreated(client);
    await client.waitForOutput("[plugin#2] plugin tick 2");
    const target = file("plugin.rayasnap");
    const snap = (await client.request("rayaSnapshotContext", { contextId: 2, path: target })).body;
    assert.equal(snap.path, target);
    assert.equal(snap.bytes, fs.statSync(target).size);
    assert.ok(snap.bytes > 100);
    const restored = (await client.request("rayaRestoreContext", { path: target, name: "copy" })).body;
    assert.equal(restored.contextId, 3);
    const created = await client.waitForEvent("rayaContextCreated", (e) => e.body.context.id === 3);
    assert.deepEqual([created.body.context.name, created.body.context.parentId], ["copy", null]);
    await client.waitForOutput("[copy#3] plugin tick");
    assert.ok((await threadNames(client)).some((t) => t.name.startsWith("copy#3 · ")));

    fs.writeFileSync(file("bad.rayasnap"), "not a snapshot");
    assert.match(await errorOf(client.request("rayaRestoreContext", { path: file("bad.rayasnap") })), /cannot restore .*InvalidSnapshot/);
    assert.match(await errorOf(client.request("rayaRestoreContext", { path: file("missing.rayasnap") })), /cannot read/);
    assert.match(await errorOf(client.request("rayaSnapshotContext", { contextId: 7 })), /unknown context id 7/);
  });

  it("validates the sandbox launch attributes with messages naming the field", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ sandbox: "yes" }, /'sandbox' must be true or false/],
      [{ limits: { maxTasks: 3 } }, /'limits' needs 'sandbox': true/],
      [{ sandbox: true, limits: { maxTasks: -1 } }, /'limits.maxTasks' must be a positive integer/],
      [{ sandbox: true, limits: { maxThreads: 2 } }, /'limits.maxThreads' is not a limit/],
      [{ sandbox: true, limits: 5 }, /'limits' must be an object/],
      [{ capabilities: ["log", "fs"] }, /'capabilities' names 'fs', which is not a built-in capability \(log, clock\)/],
      [{ capabilities: "log" }, /'capabilities' must be an array/],
      [{ snapshot: 3 }, /'snapshot' must be the path of a \.rayasnap file/],
      [{ snapshot: file("nothing.rayasnap") }, /'snapshot' names .*nothing\.rayasnap, which does not exist/],
      [{ snapshotOnLimit: file("spin.raya") }, /'snapshotOnLimit' must be the path of an existing directory/],
    ];
    for (const [extra, message] of cases) {
      const { client: c } = inProcessSession();
      await c.request("initialize", INITIALIZE);
      assert.match(await errorOf(c.request("launch", { program: file("spin.raya"), ...extra })), message);
    }
    // A program importing a capability the launch does not grant is refused, naming it.
    await client.request("initialize", INITIALIZE);
    assert.match(await errorOf(client.request("launch", { program: file("caps.raya"), sandbox: true, capabilities: ["log"] })), /capability 'clock' is not granted/);
    // Nothing ran: the same session may launch again.
    const launched = client.request("launch", { program: file("caps.raya"), sandbox: true, capabilities: ["log", "clock"] });
    await client.waitForEvent("initialized");
    await client.request("configurationDone", {});
    await launched;
    await client.waitForOutput("from the sandbox");
  });

  it("grants built-in capabilities to a sandbox: log prints to the Debug Console", async () => {
    const done = client.waitForEvent("exited");
    await launch({ program: file("caps.raya"), sandbox: true, capabilities: ["log", "clock"] });
    await client.waitForOutput("from the sandbox 42 true\n");
    assert.ok(client.output("console").includes("from the sandbox 42 true"));
    assert.equal((await done).body.exitCode, 0);
  });

  it("stops when a sandbox reaches its step budget (limits filter), snapshots it, then ends it", async () => {
    const limitDir = fs.mkdtempSync(path.join(dir, "limits-"));
    await launch({ program: file("spin.raya"), sandbox: true, limits: { maxStepBudget: 50_000 }, snapshotOnLimit: limitDir }, (c) =>
      c.request("setExceptionBreakpoints", { filters: ["limits"] }),
    );
    const stop = await client.waitForEvent("stopped");
    assert.equal(stop.body.reason, "exception");
    assert.match(stop.body.text, /maxStepBudget reached: context 'spin\.raya' has executed its 50000 steps/);
    const gauges = await contextVariables(client, stop.body.threadId);
    assert.equal(gauges.get("steps"), "50,000 / 50,000 (100%)");
    await client.waitForOutput("written to");
    const written = fs.readdirSync(limitDir);
    assert.equal(written.length, 1);
    assert.match(written[0], /^spin\.raya-1-maxStepBudget-\d+\.rayasnap$/);
    const exited = client.waitForEvent("exited");
    await client.request("continue", { threadId: stop.body.threadId });
    assert.equal((await exited).body.exitCode, 2);
    assert.match(client.output("stderr"), /StepBudgetExceeded: context 'spin\.raya' exceeded its step budget of 50000/);

    // The snapshot opens as a new debug run (without limits: it spins until paused).
    const { client: again } = inProcessSession();
    try {
      await launch({ snapshot: path.join(limitDir, written[0]) }, async () => undefined, again);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [thread] = await threadNames(again);
      assert.match(thread.name, /^spin\.raya-1-maxStepBudget-\d+\.rayasnap#1 · main#1$/);
      await again.request("pause", { threadId: thread.id });
      const paused = await again.waitForEvent("stopped");
      const frames = (await again.request("stackTrace", { threadId: paused.body.threadId })).body.stackFrames;
      assert.equal(frames[0].name, "main");
      const gaugesAgain = await contextVariables(again, paused.body.threadId);
      assert.match(gaugesAgain.get("steps") ?? "", /^[\d,]+ \(no limit\)$/);
    } finally {
      await again.request("disconnect", {});
    }
  });

  it("stops before the call that would start one Task too many (limits filter), then ends the context", async () => {
    const limitDir = fs.mkdtempSync(path.join(dir, "tasks-"));
    await launch({ program: file("bomb.raya"), sandbox: true, limits: { maxTasks: 3 }, snapshotOnLimit: limitDir }, (c) =>
      c.request("setExceptionBreakpoints", { filters: ["uncaught", "limits"] }),
    );
    const stop = await client.waitForEvent("stopped");
    assert.equal(stop.body.reason, "exception");
    assert.match(stop.body.text, /maxTasks reached: context 'bomb\.raya' holds its 3 live tasks/);
    const frames = (await client.request("stackTrace", { threadId: stop.body.threadId })).body.stackFrames;
    assert.deepEqual([frames[0].name, frames[0].line], ["main", 8]);
    assert.equal(client.output("stdout"), "started 0\nstarted 1\n");
    const gauges = await contextVariables(client, stop.body.threadId);
    assert.equal(gauges.get("tasks"), "3 / 3 (100%)");
    await client.waitForOutput("written to");
    assert.equal(fs.readdirSync(limitDir).length, 1);
    const exited = client.waitForEvent("exited");
    await client.request("continue", { threadId: stop.body.threadId });
    assert.equal((await exited).body.exitCode, 2);
    assert.match(client.output("stderr"), /TaskLimitExceeded/);
  });

  it("foresees the Tasks raya:vm starts: stops before the spawn that would break maxTasks", async () => {
    await launch({ program: file("vm-bomb.raya"), sandbox: true, limits: { maxTasks: 4 } }, (c) =>
      c.request("setExceptionBreakpoints", { filters: ["limits"] }),
    );
    const stop = await client.waitForEvent("stopped");
    assert.equal(stop.body.reason, "exception");
    assert.match(stop.body.text, /maxTasks reached: context 'vm-bomb\.raya' holds its 4 live tasks/);
    const frames = (await client.request("stackTrace", { threadId: stop.body.threadId })).body.stackFrames;
    assert.deepEqual([frames[0].name, frames[0].line], ["main", 7]);
    const exited = client.waitForEvent("exited");
    await client.request("continue", { threadId: stop.body.threadId });
    assert.equal((await exited).body.exitCode, 2);
    assert.match(client.output("stderr"), /TaskLimitExceeded/);
  });

  it("snapshots a context at its limit without stopping when only snapshotOnLimit is set", async () => {
    const limitDir = fs.mkdtempSync(path.join(dir, "quiet-"));
    const exited = client.waitForEvent("exited");
    await launch({ program: file("spin.raya"), sandbox: true, limits: { maxStepBudget: 20_000 }, snapshotOnLimit: limitDir });
    assert.equal((await exited).body.exitCode, 2);
    assert.ok(!client.allEvents.some((e) => e.event === "stopped"));
    assert.equal(fs.readdirSync(limitDir).length, 1);
    assert.match(client.output("console"), /context 'spin\.raya' #1 reached maxStepBudget \(20000\)/);
  });

  it("stops at the allocation that would pass maxHeapBytes (limits filter), snapshots there, then ends the context", async () => {
    const limitDir = fs.mkdtempSync(path.join(dir, "heap-"));
    await launch({ program: file("hog.raya"), sandbox: true, limits: { maxHeapBytes: 200_000 }, snapshotOnLimit: limitDir }, (c) =>
      c.request("setExceptionBreakpoints", { filters: ["limits"] }),
    );
    const stop = await client.waitForEvent("stopped");
    assert.equal(stop.body.reason, "exception");
    assert.match(stop.body.text, /maxHeapBytes reached: context 'hog\.raya' would hold \d+ bytes, over its limit of 200000/);
    const frames = (await client.request("stackTrace", { threadId: stop.body.threadId })).body.stackFrames;
    assert.deepEqual([frames[0].name, frames[0].line], ["main", 4]); // rows.push([...])
    await client.waitForOutput("written to");
    assert.match(fs.readdirSync(limitDir)[0], /^hog\.raya-1-maxHeapBytes-\d+\.rayasnap$/);
    const exited = client.waitForEvent("exited");
    await client.request("continue", { threadId: stop.body.threadId });
    assert.equal((await exited).body.exitCode, 2);
    assert.match(client.output("stderr"), /HeapLimitExceeded/);
  });

  it("reports a heap limit without a stop when only snapshotOnLimit is set", async () => {
    const limitDir = fs.mkdtempSync(path.join(dir, "heap-quiet-"));
    const exited = client.waitForEvent("exited");
    await launch({ program: file("hog.raya"), sandbox: true, limits: { maxHeapBytes: 200_000 }, snapshotOnLimit: limitDir });
    assert.equal((await exited).body.exitCode, 2);
    assert.ok(!client.allEvents.some((e) => e.event === "stopped"));
    assert.match(client.output("console"), /context 'hog\.raya' #1 reached maxHeapBytes \(200000\)/);
    assert.equal(fs.readdirSync(limitDir).length, 1);
  });

  /** The configuration of the next startDebugging request the root session receives. */
  function childConfiguration(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      client.onReverseRequest = (request) => {
        resolve(request.arguments.configuration);
        return {};
      };
    });
  }

  /** A child session attached over the adapter's socket with that configuration. */
  async function attachChild(config: Record<string, unknown>): Promise<Awaited<ReturnType<typeof socketClient>>> {
    const child = await socketClient(/^unix:(.+)#[0-9a-f]+$/.exec(String(config.__rayaParentSession))![1]);
    sockets.push(child.socket);
    await child.client.request("initialize", INITIALIZE);
    await child.client.request("attach", config);
    return child;
  }

  it("a child session stops at a function breakpoint in its context, and continue resumes it", async () => {
    const asked = childConfiguration();
    await launch({ program: file("late.raya") }, async () => undefined, client, { supportsStartDebuggingRequest: true });
    const child = await attachChild(await asked);
    await child.client.waitForEvent("initialized");
    await child.client.request("setFunctionBreakpoints", { breakpoints: [{ name: "tick" }] });
    await child.client.request("configurationDone", {});
    const stop = await child.client.waitForEvent("stopped", () => true, 10_000);
    assert.equal(stop.body.reason, "function breakpoint");
    const frames = (await child.client.request("stackTrace", { threadId: stop.body.threadId })).body.stackFrames;
    assert.equal(frames[0].name, "tick");
    const exited = client.waitForEvent("exited", () => true, 10_000);
    await child.client.request("continue", { threadId: stop.body.threadId });
    await child.client.waitForOutput("plugin tick 4");
    await client.waitForOutput("late done 5");
    assert.equal((await exited).body.exitCode, 0);
  });

  it("a stop the root session showed before the child attached moves to the child session", async () => {
    const asked = childConfiguration();
    await launch({ program: file("host.raya") }, (c) => c.request("setFunctionBreakpoints", { breakpoints: [{ name: "tick" }] }), client, { supportsStartDebuggingRequest: true });
    const config = await asked;
    const rootStop = await client.waitForEvent("stopped", () => true, 10_000);
    const child = await attachChild(config);
    await client.waitForEvent("thread", (e) => e.body.reason === "exited" && e.body.threadId === rootStop.body.threadId);
    assert.ok(client.allEvents.some((e) => e.event === "continued" && e.body.threadId === rootStop.body.threadId));
    await child.client.waitForEvent("initialized");
    await child.client.request("configurationDone", {});
    const childStop = await child.client.waitForEvent("stopped");
    assert.equal(childStop.body.threadId, rootStop.body.threadId);
    assert.equal(childStop.body.reason, "function breakpoint");
    await child.client.request("continue", { threadId: childStop.body.threadId });
    await child.client.waitForOutput("plugin tick 1");
    await child.client.request("terminate", {});
  });

  it("starts a child session per inner VM that shows and controls only that context", async () => {
    let configuration: Record<string, unknown> | null = null;
    const asked = new Promise<void>((resolve) => {
      client.onReverseRequest = (request) => {
        if (request.command !== "startDebugging") throw new Error(`unexpected ${request.command}`);
        configuration = request.arguments.configuration;
        resolve();
        return {};
      };
    });
    await launch({ program: file("host.raya") }, async () => undefined, client, { supportsStartDebuggingRequest: true });
    await asked;
    const config = configuration as unknown as Record<string, unknown>;
    assert.deepEqual([config.type, config.request, config.name, config.__rayaContextId], ["raya", "attach", "plugin #2", 2]);
    const token = String(config.__rayaParentSession);
    const match = /^unix:(.+)#([0-9a-f]+)$/.exec(token);
    assert.ok(match !== null, token);
    assert.equal(fs.statSync(match[1]).mode & 0o777, 0o600);

    // Wrong tokens and ids are refused.
    const stranger = await socketClient(match[1]);
    sockets.push(stranger.socket);
    await stranger.client.request("initialize", INITIALIZE);
    assert.match(await errorOf(stranger.client.request("attach", { ...config, __rayaParentSession: `unix:${match[1]}#00` })), /does not name a debug run/);
    assert.match(await errorOf(stranger.client.request("attach", { ...config, __rayaContextId: 1 })), /program's own context/);
    assert.match(await errorOf(stranger.client.request("attach", { ...config, __rayaContextId: 42 })), /unknown context id 42/);

    const child = await socketClient(match[1]);
    sockets.push(child.socket);
    await child.client.request("initialize", INITIALIZE);
    await child.client.request("attach", config);
    await child.client.waitForEvent("initialized");
    await child.client.request("configurationDone", {});
    await child.client.waitForOutput("plugin tick 1");
    assert.ok(!child.client.output().includes("host tick"), "the child session gets only its context's output");

    const childThreads = await threadNames(child.client);
    assert.ok(childThreads.length > 0 && childThreads.every((t) => t.name.startsWith("plugin#2 · ")), JSON.stringify(childThreads));
    const parentThreads = await threadNames(client);
    assert.ok(parentThreads.every((t) => t.name.startsWith("host.raya#1 · ")), JSON.stringify(parentThreads));

    // Pause in the child: only its context stops, and only the child hears of it.
    await child.client.request("pause", { threadId: childThreads[0].id });
    const stop = await child.client.waitForEvent("stopped");
    assert.equal(stop.body.allThreadsStopped, true);
    const hostBefore = (client.output().match(/^host tick/gm) ?? []).length;
    await client.waitForOutput(`host tick ${hostBefore + 1}`);
    assert.ok(!client.allEvents.some((e) => e.event === "stopped"), "the parent session did not stop");
    const gauges = await contextVariables(child.client, stop.body.threadId);
    assert.equal(gauges.get("id"), "2");
    await child.client.request("continue", { threadId: stop.body.threadId });
    const ticks = (child.client.output().match(/plugin tick/g) ?? []).length;
    await child.client.waitForOutput(`plugin tick ${ticks}`);

    // Terminating the child session ends its context; the host runs on to its end.
    const childEnded = child.client.waitForEvent("terminated");
    const parentExited = client.waitForEvent("exited", () => true, 10_000);
    await child.client.request("terminate", {});
    await childEnded;
    const exited = await client.waitForEvent("rayaContextExited");
    assert.deepEqual([exited.body.id, exited.body.reason], [2, "Terminated"]);
    await client.waitForOutput("plugin ended: Terminated", 5_000);
    assert.equal((await parentExited).body.exitCode, 0);
  });
});

describe("debug adapter: nested child sessions", function () {
  this.timeout(30_000);

  it("asks for a nested context's child session from its parent context's child session", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-dap-nesting-"));
    fs.writeFileSync(path.join(dir, "nesting.raya"), FIXTURES["nesting.raya"]);
    const { client: root } = inProcessSession();
    const sockets: net.Socket[] = [];
    try {
      const pluginAsked = new Promise<Record<string, unknown>>((resolve) => {
        root.onReverseRequest = (request) => {
          resolve(request.arguments.configuration);
          return {};
        };
      });
      await root.request("initialize", { ...INITIALIZE, supportsStartDebuggingRequest: true });
      const launched = root.request("launch", { program: path.join(dir, "nesting.raya") });
      await root.waitForEvent("initialized");
      await root.request("configurationDone", {});
      await launched;
      const pluginConfig = await pluginAsked;
      assert.equal(pluginConfig.__rayaContextId, 2);
      const child = await socketClient(/^unix:(.+)#/.exec(String(pluginConfig.__rayaParentSession))![1]);
      sockets.push(child.socket);
      const grandchildAsked = new Promise<Record<string, unknown>>((resolve) => {
        child.client.onReverseRequest = (request) => {
          resolve(request.arguments.configuration);
          return {};
        };
      });
      await child.client.request("initialize", { ...INITIALIZE, supportsStartDebuggingRequest: true });
      await child.client.request("attach", pluginConfig);
      await child.client.request("configurationDone", {});
      const grandchildConfig = await grandchildAsked;
      assert.deepEqual([grandchildConfig.name, grandchildConfig.__rayaContextId], ["grandchild #3", 3]);
      assert.equal(root.reverseRequests.length, 1, "the root session asked only for the plugin");
      const created = await root.waitForEvent("rayaContextCreated", (e) => e.body.context.id === 3);
      assert.equal(created.body.context.parentId, 2);
    } finally {
      await root.request("disconnect", {}).catch(() => undefined);
      for (const socket of sockets) socket.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bundled debug adapter: child sessions over its private socket", function () {
  this.timeout(60_000);
  const ROOT = path.resolve(__dirname, "../..");

  it("asks for a child session and serves it from the same process", async () => {
    execFileSync(process.execPath, ["build.mjs"], { cwd: ROOT, stdio: "inherit" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-dap-bundle-"));
    fs.writeFileSync(path.join(dir, "host.raya"), FIXTURES["host.raya"]);
    const adapter = spawn(process.execPath, [path.join(ROOT, "dist/debugAdapter.js")], { stdio: ["pipe", "pipe", "inherit"] });
    const parent = new DapClient((data) => adapter.stdin!.write(data));
    adapter.stdout!.on("data", (chunk: Buffer) => parent.receive(chunk));
    let child: { client: DapClient; socket: net.Socket } | null = null;
    try {
      const asked = new Promise<Record<string, unknown>>((resolve) => {
        parent.onReverseRequest = (request) => {
          resolve(request.arguments.configuration);
          return {};
        };
      });
      await parent.request("initialize", { ...INITIALIZE, supportsStartDebuggingRequest: true });
      const launched = parent.request("launch", { program: path.join(dir, "host.raya") });
      await parent.waitForEvent("initialized");
      await parent.request("configurationDone", {});
      await launched;
      const configuration = await asked;
      const socketPath = /^unix:(.+)#/.exec(String(configuration.__rayaParentSession))![1];
      child = await socketClient(socketPath);
      await child.client.request("initialize", INITIALIZE);
      await child.client.request("attach", configuration);
      await child.client.request("configurationDone", {});
      await child.client.waitForOutput("plugin tick");
      const threads = (await child.client.request("threads")).body.threads as { name: string }[];
      assert.ok(threads.length > 0 && threads.every((t) => t.name.startsWith("plugin#2 · ")), JSON.stringify(threads));
      await parent.request("disconnect", {});
    } finally {
      child?.socket.destroy();
      adapter.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
