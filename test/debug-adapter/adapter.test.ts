// The debug adapter end to end: the bundled dist/debugAdapter.js driven over DAP by
// @vscode/debugadapter-testsupport's DebugClient.
import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DebugClient } from "@vscode/debugadapter-testsupport";
import type { DebugProtocol } from "@vscode/debugprotocol";

const ROOT = path.resolve(__dirname, "../..");
const ADAPTER = path.join(ROOT, "dist/debugAdapter.js");
/** Every DAP wait in these tests gives up after this long. */
const WAIT_MS = 5_000;

const FIXTURES: Record<string, string> = {
  "hello.raya": `function main(): void {
  console.log("hello");
  console.log("world");
}
`,
  "broken.raya": `function main(): void {
  const x: int = "text";
  console.log(y);
}
`,
  "values.raya": `class Point {
  x: number;
  y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
}

function add(a: number, b: number): number {
  const sum = a + b;
  return sum;
}

function main(): void {
  let total: number = 0;
  const p = new Point(1, 2);
  const items = [10, 20, 30];
  const m = new Map<string, number>();
  m.set("k", 5);
  for (let i = 0; i < 5; i++) {
    total = add(total, i);
  }
  console.log("total " + total);
  console.log("x " + p.x);
}
`,
  "spin.raya": `function main(): void {
  let n: number = 0;
  while (true) {
    n = n + 1;
  }
}
`,
  "tasks.raya": `async function worker(id: number): Promise<number> {
  sleep(200);
  return id;
}

async function main(): Promise<void> {
  const a = worker(1);
  const b = worker(2);
  console.log("started");
  const results = await [a, b];
  console.log("done " + results.length);
}
`,
  "throws.raya": `function fail(n: number): number {
  if (n > 1) throw new Error("too big: " + n);
  return n;
}

function main(): void {
  try {
    fail(5);
  } catch (e) {
    console.log("caught");
  }
  fail(7);
}
`,
"heavy.raya": `function heavy(n: number): number {
  let s: number = 0;
  for (let i = 0; i < n; i++) {
    s = s + i;
  }
  return s;
}

function risky(n: number): number {
  if (n > 0) throw new Error("boom");
  return heavy(10);
}

function fib(n: number): number {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

function main(): void {
  const a = heavy(3000000);
  let b: number = 0;
  try {
    b = risky(1);
  } catch (e) {
    b = -1;
  }
  const f = fib(15);
  console.log("" + a + " " + b + " " + f);
}
`,
  "callback.raya": `function main(): void {
  const doubled = [1, 2].map((x: number): number => {
    return x * 2;
  });
  console.log("" + doubled.length);
}
`,
};

describe("debug adapter (DAP)", function () {
  this.timeout(30_000);
  let dir: string;
  let dc: DebugClient;
  const file = (name: string): string => path.join(dir, name);

  before(function () {
    this.timeout(120_000);
    execFileSync(process.execPath, ["build.mjs"], { cwd: ROOT, stdio: "inherit" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-dap-test-"));
    for (const [name, text] of Object.entries(FIXTURES)) fs.writeFileSync(path.join(dir, name), text);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    dc = new DebugClient(process.execPath, ADAPTER, "raya");
    dc.defaultTimeout = WAIT_MS;
    await dc.start();
  });

  afterEach(async () => {
    await Promise.race([dc.stop(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  });

  /** Launches with breakpoints already set, as VS Code does between initialized and configurationDone. */
  async function launchWith(program: string, setup: () => Promise<unknown>, extra: Record<string, unknown> = {}): Promise<void> {
    await Promise.all([
      dc.waitForEvent("initialized").then(setup).then(() => dc.configurationDoneRequest()),
      dc.launch({ program: file(program), ...extra }),
    ]);
  }

  async function topFrame(threadId: number): Promise<DebugProtocol.StackFrame> {
    const trace = await dc.stackTraceRequest({ threadId });
    return trace.body.stackFrames[0];
  }

  /** The next stopped event; the adapter always names the thread. */
  async function stopped(): Promise<{ body: { reason: string; threadId: number; text?: string } }> {
    const event = (await dc.waitForEvent("stopped")) as DebugProtocol.StoppedEvent;
    const threadId = event.body.threadId;
    assert.ok(threadId !== undefined, "stopped events name their thread");
    return { body: { ...event.body, threadId } };
  }

  async function locals(frameId: number): Promise<Map<string, DebugProtocol.Variable>> {
    const scopes = await dc.scopesRequest({ frameId });
    const scope = scopes.body.scopes.find((s) => s.name === "Locals")!;
    const vars = await dc.variablesRequest({ variablesReference: scope.variablesReference });
    return new Map(vars.body.variables.map((v) => [v.name, v]));
  }

  async function errorOf(request: Promise<unknown>): Promise<string> {
    try {
      await request;
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail("the request was expected to fail");
  }

  it("runs a program to the end with its output and exit code 0", async () => {
    const exited = dc.waitForEvent("exited");
    const terminated = dc.waitForEvent("terminated");
    const hello = dc.assertOutput("stdout", "hello\nworld\n");
    await launchWith("hello.raya", async () => undefined);
    await hello;
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    await terminated;
  });

  it("ends a launch with compile errors as output events with locations and an error response", async () => {
    const outputs: DebugProtocol.OutputEvent[] = [];
    dc.on("output", (e: DebugProtocol.OutputEvent) => outputs.push(e));
    const terminated = dc.waitForEvent("terminated");
    await dc.initializeRequest();
    const message = await errorOf(dc.launchRequest({ program: file("broken.raya") } as DebugProtocol.LaunchRequestArguments));
    assert.match(message, /2 compile error/);
    await terminated;
    const errors = outputs.filter((e) => e.body.category === "stderr");
    assert.deepEqual(errors.map((e) => e.body.line), [2, 3]);
    assert.equal(errors[0].body.source?.path, file("broken.raya"));
    assert.match(errors[1].body.output, /y/);
  });

  it("validates launch attributes with messages naming the field", async () => {
    await dc.initializeRequest();
    assert.match(await errorOf(dc.launchRequest({ program: 42 } as unknown as DebugProtocol.LaunchRequestArguments)), /'program' must be a path to a \.raya file/);
    assert.match(await errorOf(dc.launchRequest({ program: "x.js" } as unknown as DebugProtocol.LaunchRequestArguments)), /'program'/);
    assert.match(await errorOf(dc.launchRequest({ program: file("hello.raya"), cwd: "/no/such/dir" } as unknown as DebugProtocol.LaunchRequestArguments)), /'cwd'/);
    assert.match(await errorOf(dc.launchRequest({ program: file("hello.raya"), args: [1] } as unknown as DebugProtocol.LaunchRequestArguments)), /'args'/);
    assert.match(await errorOf(dc.launchRequest({ program: file("missing.raya") } as unknown as DebugProtocol.LaunchRequestArguments)), /does not exist/);
  });

  it("stops at a breakpoint moved to the nearest line with code, with the right stack and locals", async () => {
    let verified: DebugProtocol.Breakpoint[] = [];
    const stop = stopped();
    await launchWith("values.raya", async () => {
      const response = await dc.setBreakpointsRequest({ source: { path: file("values.raya") }, breakpoints: [{ line: 14 }, { line: 22 }] });
      verified = response.body.breakpoints;
    });
    assert.deepEqual(verified.map((b) => [b.verified, b.line]), [[true, 15], [true, 22]]);
    const event = await stop;
    assert.equal(event.body.reason, "breakpoint");
    const trace = await dc.stackTraceRequest({ threadId: event.body.threadId });
    const names = trace.body.stackFrames.map((f) => f.name);
    assert.ok(names.includes("<module:values.raya>"), names.join(","));
    // line 15 is main's declaration in the module initialiser; go on to the loop body
    const next = stopped();
    await dc.continueRequest({ threadId: event.body.threadId });
    const second = await next;
    const frame = await topFrame(second.body.threadId);
    assert.equal(frame.name, "main");
    assert.equal(frame.line, 22);
    assert.equal(frame.source?.path, file("values.raya"));
    const vars = await locals(frame.id);
    assert.equal(vars.get("total")?.value, "0");
    assert.equal(vars.get("i")?.value, "0");
    assert.equal(vars.get("p")?.type, "Point");
  });

  it("honours conditions, hit counts and logpoints", async () => {
    const log = dc.assertOutput("console", "add a=0 b=0");
    const stop = stopped();
    await launchWith("values.raya", () =>
      dc.setBreakpointsRequest({
        source: { path: file("values.raya") },
        breakpoints: [{ line: 11, logMessage: "add a={a} b={b}" }, { line: 22, condition: "i == 3" }, { line: 24, hitCondition: "2" }],
      }),
    );
    await log;
    const event = await stop;
    const frame = await topFrame(event.body.threadId);
    assert.equal(frame.line, 22);
    assert.equal((await locals(frame.id)).get("i")?.value, "3");
    // line 24 is reached once only, so a hit count of 2 never stops: the program ends
    const terminated = dc.waitForEvent("terminated");
    await dc.continueRequest({ threadId: event.body.threadId });
    await terminated;
  });

  it("steps over, in and out", async () => {
    const stop = stopped();
    await launchWith("values.raya", () => dc.setBreakpointsRequest({ source: { path: file("values.raya") }, breakpoints: [{ line: 22 }] }));
    const threadId = (await stop).body.threadId;
    let next = stopped();
    await dc.nextRequest({ threadId });
    assert.equal((await next).body.reason, "step");
    assert.equal((await topFrame(threadId)).line, 21);
    next = stopped();
    await dc.nextRequest({ threadId });
    await next;
    assert.equal((await topFrame(threadId)).line, 22);
    next = stopped();
    await dc.stepInRequest({ threadId });
    await next;
    let frame = await topFrame(threadId);
    assert.equal(frame.name, "add");
    assert.equal(frame.line, 11);
    next = stopped();
    await dc.stepOutRequest({ threadId });
    await next;
    frame = await topFrame(threadId);
    assert.equal(frame.name, "main");
    assert.equal(frame.line, 22);
  });

  it("steps over a long call and a throwing call at full speed, and out of a loop", async () => {
    const stop = stopped();
    await launchWith("heavy.raya", () => dc.setBreakpointsRequest({ source: { path: file("heavy.raya") }, breakpoints: [{ line: 2 }, { line: 20 }] }));
    const threadId = (await stop).body.threadId;
    const lines: number[] = [];
    const step = async (request: (args: { threadId: number }) => Promise<unknown>): Promise<void> => {
      const next = stopped();
      await request({ threadId });
      await next;
      lines.push((await topFrame(threadId)).line);
    };
    assert.equal((await topFrame(threadId)).line, 20);
    const inHeavy = stopped();
    await dc.continueRequest({ threadId });
    await inHeavy;
    // stopped in heavy (line 2): stepping out runs its 3 million iterations
    assert.equal((await topFrame(threadId)).name, "heavy");
    await step((a) => dc.stepOutRequest(a));
    await step((a) => dc.nextRequest(a)); // heavy returns its result into `a`
    await step((a) => dc.nextRequest(a));
    await step((a) => dc.nextRequest(a)); // risky(1) throws: the step lands in the catch block
    await step((a) => dc.nextRequest(a));
    assert.deepEqual(lines, [20, 21, 23, 25, 27]);
  });

  it("pauses a spinning program and resumes it", async () => {
    await launchWith("spin.raya", async () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const threads = await dc.threadsRequest();
    const stop = stopped();
    await dc.pauseRequest({ threadId: threads.body.threads[0].id });
    const event = await stop;
    assert.equal(event.body.reason, "pause");
    const frame = await topFrame(event.body.threadId);
    assert.equal(frame.name, "main");
    assert.ok(frame.line >= 3 && frame.line <= 4, `line ${frame.line}`);
    const n1 = await dc.evaluateRequest({ expression: "n", frameId: frame.id, context: "watch" });
    await dc.continueRequest({ threadId: event.body.threadId });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = stopped();
    await dc.pauseRequest({ threadId: event.body.threadId });
    const frame2 = await topFrame((await again).body.threadId);
    const n2 = await dc.evaluateRequest({ expression: "n", frameId: frame2.id, context: "watch" });
    assert.ok(Number(n2.body.result) > Number(n1.body.result), `${n1.body.result} then ${n2.body.result}`);
  });

  it("lists every live Task as a thread", async () => {
    const stop = stopped();
    await launchWith("tasks.raya", () => dc.setBreakpointsRequest({ source: { path: file("tasks.raya") }, breakpoints: [{ line: 9 }] }));
    await stop;
    const threads = (await dc.threadsRequest()).body.threads.map((t) => t.name);
    // the root Task (module initialisers) plus the async main() and its two workers
    assert.equal(threads.length, 4, threads.join(" | "));
    assert.equal(threads.filter((t) => /^tasks\.raya#1 · main#\d+$/.test(t)).length, 2, threads.join(" | "));
    assert.equal(threads.filter((t) => / · worker#\d+$/.test(t)).length, 2, threads.join(" | "));
    const output = dc.assertOutput("stdout", "started\ndone 2");
    await dc.continueRequest({ threadId: 1 });
    await output;
  });

  it("steps one Task alone with singleThread while the others stay held", async () => {
    const stop = stopped();
    await launchWith("tasks.raya", () => dc.setBreakpointsRequest({ source: { path: file("tasks.raya") }, breakpoints: [{ line: 9 }] }));
    const threadId = (await stop).body.threadId;
    const output = dc.assertOutput("stdout", "started\ndone 2");
    const next = stopped();
    await dc.nextRequest({ threadId, singleThread: true });
    const event = await next;
    assert.equal(event.body.threadId, threadId);
    assert.equal((await topFrame(threadId)).line, 10);
    const held = (await dc.threadsRequest()).body.threads.filter((t) => / · worker#/.test(t.name));
    assert.equal(held.length, 2, "the workers are still alive: they did not run while main stepped alone");
    await dc.continueRequest({ threadId });
    await output;
  });

  it("expands objects, arrays (paged) and maps, and sets variables and fields", async () => {
    const stop = stopped();
    await launchWith("values.raya", () => dc.setBreakpointsRequest({ source: { path: file("values.raya") }, breakpoints: [{ line: 24 }] }));
    const threadId = (await stop).body.threadId;
    const frame = await topFrame(threadId);
    const vars = await locals(frame.id);
    const p = vars.get("p")!;
    assert.match(p.value, /^Point/);
    const fields = (await dc.variablesRequest({ variablesReference: p.variablesReference })).body.variables;
    assert.deepEqual(fields.map((f) => [f.name, f.value]), [["x", "1"], ["y", "2"]]);
    const items = vars.get("items")!;
    assert.equal(items.indexedVariables, 3);
    const page = (await dc.variablesRequest({ variablesReference: items.variablesReference, filter: "indexed", start: 1, count: 2 })).body.variables;
    assert.deepEqual(page.map((v) => [v.name, v.value]), [["1", "20"], ["2", "30"]]);
    const m = vars.get("m")!;
    const entries = (await dc.variablesRequest({ variablesReference: m.variablesReference })).body.variables;
    assert.deepEqual(entries.map((v) => [v.name, v.value]), [["k", "5"]]);

    const scopes = await dc.scopesRequest({ frameId: frame.id });
    const localsRef = scopes.body.scopes[0].variablesReference;
    const set = await dc.setVariableRequest({ variablesReference: localsRef, name: "total", value: "100 + 1" });
    assert.equal(set.body.value, "101");
    await dc.setVariableRequest({ variablesReference: p.variablesReference, name: "x", value: "42" });
    const output = dc.assertOutput("stdout", "total 101\nx 42");
    await dc.continueRequest({ threadId });
    await output;
  });

  it("evaluates expressions in a frame without side effects", async () => {
    const stop = stopped();
    await launchWith("values.raya", () => dc.setBreakpointsRequest({ source: { path: file("values.raya") }, breakpoints: [{ line: 24 }] }));
    const frame = await topFrame((await stop).body.threadId);
    const value = async (expression: string): Promise<string> => (await dc.evaluateRequest({ expression, frameId: frame.id, context: "repl" })).body.result;
    assert.equal(await value("total * 2"), "20");
    assert.equal(await value("p.x + p.y"), "3");
    assert.equal(await value("items[1]"), "20");
    assert.equal(await value("items.length"), "3");
    assert.equal(await value("m.size == 1 && 'yes'"), "'yes'");
    assert.match(await errorOf(dc.evaluateRequest({ expression: "add(1, 2)", frameId: frame.id })), /calls are not evaluated/);
    assert.match(await errorOf(dc.evaluateRequest({ expression: "nope", frameId: frame.id })), /'nope' is not defined/);
  });

  it("shows code that is not on disk through a sourceReference", async () => {
    const stop = stopped();
    await launchWith("callback.raya", () => dc.setBreakpointsRequest({ source: { path: file("callback.raya") }, breakpoints: [{ line: 3 }] }));
    const trace = await dc.stackTraceRequest({ threadId: (await stop).body.threadId });
    assert.equal(trace.body.stackFrames[0].line, 3);
    const prelude = trace.body.stackFrames.find((f) => f.source?.sourceReference !== undefined && f.source.sourceReference > 0);
    assert.ok(prelude !== undefined, "a prelude frame (Array.map) has a sourceReference");
    const source = await dc.sourceRequest({ sourceReference: prelude.source!.sourceReference!, source: prelude.source });
    assert.ok(source.body.content.split("\n").length >= prelude.line);
    assert.match(await errorOf(dc.sourceRequest({ sourceReference: 999 })), /unknown sourceReference 999/);
  });

  it("stops on caught and uncaught exceptions when asked, then exits with code 2", async () => {
    const first = stopped();
    await launchWith("throws.raya", () => dc.setExceptionBreakpointsRequest({ filters: ["caught", "uncaught"] }));
    let event = await first;
    assert.equal(event.body.reason, "exception");
    assert.match(event.body.text ?? "", /too big: 5/);
    assert.equal((await topFrame(event.body.threadId)).line, 2);
    const second = stopped();
    await dc.continueRequest({ threadId: event.body.threadId });
    event = await second;
    assert.equal(event.body.reason, "exception");
    assert.match(event.body.text ?? "", /too big: 7/);
    const exited = dc.waitForEvent("exited");
    const stderr = dc.assertOutput("stderr", "Uncaught Error: too big: 7");
    await dc.continueRequest({ threadId: event.body.threadId });
    await stderr;
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 2);
  });

  it("stops at function breakpoints", async () => {
    const stop = stopped();
    let result: DebugProtocol.Breakpoint[] = [];
    await launchWith("values.raya", async () => {
      result = (await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: "add" }, { name: "nothing" }] })).body.breakpoints;
    });
    assert.deepEqual(result.map((b) => b.verified), [true, false]);
    const event = await stop;
    assert.equal(event.body.reason, "function breakpoint");
    assert.equal((await topFrame(event.body.threadId)).name, "add");
  });

  it("answers bad requests with clear errors and keeps working", async () => {
    const stop = stopped();
    await launchWith("values.raya", () => dc.setBreakpointsRequest({ source: { path: file("values.raya") }, breakpoints: [{ line: 22 }] }));
    const event = await stop;
    assert.match(await errorOf(dc.stackTraceRequest({ threadId: 9999 })), /unknown thread 9999/);
    assert.match(await errorOf(dc.scopesRequest({ frameId: 9999 })), /unknown frameId 9999/);
    assert.match(await errorOf(dc.variablesRequest({ variablesReference: 9999 })), /unknown variablesReference 9999/);
    assert.match(await errorOf(dc.nextRequest({ threadId: 4242 })), /unknown thread 4242/);
    assert.match(await errorOf(dc.setExceptionBreakpointsRequest({ filters: ["bogus"] })), /unknown exception filter/);
    assert.match(await errorOf(dc.customRequest("frobnicate")), /unknown request 'frobnicate'/);
    const frame = await topFrame(event.body.threadId);
    assert.equal(frame.line, 22);
  });

  it("stops on entry", async () => {
    const stop = stopped();
    await launchWith("hello.raya", async () => undefined, { stopOnEntry: true });
    const event = await stop;
    assert.equal(event.body.reason, "entry");
    // At the first line of user code, not in the generated <entry> or the prelude.
    const frame = await topFrame(event.body.threadId);
    assert.notEqual(frame.name, "<entry>");
    assert.match(frame.source?.path ?? "", /hello\.raya$/);
    const output = dc.assertOutput("stdout", "hello");
    await dc.continueRequest({ threadId: event.body.threadId });
    await output;
  });
});

describe("debug adapter server mode", function () {
  this.timeout(30_000);

  it("serves TCP sessions that must present the printed token", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-dap-server-"));
    const program = path.join(dir, "hello.raya");
    fs.writeFileSync(program, FIXTURES["hello.raya"]);
    const server = spawn(process.execPath, [ADAPTER, "--server=0"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const info = await new Promise<{ port: number; serverToken: string }>((resolve, reject) => {
        server.stdout!.once("data", (data: Buffer) => resolve(JSON.parse(data.toString().split("\n")[0])));
        server.once("exit", () => reject(new Error("the adapter server exited")));
      });
      const wrong = new DebugClient(process.execPath, ADAPTER, "raya");
      await wrong.start(info.port);
      await wrong.initializeRequest();
      await assert.rejects(wrong.launchRequest({ program } as DebugProtocol.LaunchRequestArguments), /'serverToken'/);
      await wrong.stop();

      const client = new DebugClient(process.execPath, ADAPTER, "raya");
      client.defaultTimeout = WAIT_MS;
      await client.start(info.port);
      const output = client.assertOutput("stdout", "hello");
      await Promise.all([client.configurationSequence(), client.launch({ program, serverToken: info.serverToken })]);
      await output;
      await client.stop();
    } finally {
      server.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves a Unix socket only its owner can open", async () => {
    const server = spawn(process.execPath, [ADAPTER, "--server=raya.sock"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const info = await new Promise<{ socket: string }>((resolve, reject) => {
        server.stdout!.once("data", (data: Buffer) => resolve(JSON.parse(data.toString().split("\n")[0])));
        server.once("exit", () => reject(new Error("the adapter server exited")));
      });
      assert.equal(fs.statSync(info.socket).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.dirname(info.socket)).mode & 0o777, 0o700);
    } finally {
      server.kill();
    }
  });
});
