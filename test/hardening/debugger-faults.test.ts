// Debugger faults: the DAP adapter (debug-adapter/session.ts, served in this process) fed
// malformed, ill-typed, out-of-order and oversized requests, garbage frames and clients that
// vanish mid-step. Every bad request gets an error response with a message, and the session
// keeps serving: the valid request that follows succeeds.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type DapResponse, InProcessAdapter, RawDapClient } from "./dap-client";

const PROGRAM = `class Point { constructor(public x: number, public y: number) {} }
let total: number = 0;
const p = new Point(1, 2);
const items = [1, 2, 3];
for (let i = 0; i < 3; i++) { total = total + items[i]; }
console.log("total " + total + " " + p.x);
`;
/** The line of the breakpoint every stopped session waits at. */
const STOP_LINE = 5;

/** Argument shapes that are wrong for every request that takes arguments. */
const MALFORMED: [string, unknown][] = [
  ["no arguments", undefined],
  ["null arguments", null],
  ["a string", "threadId"],
  ["an array", [1, 2]],
  ["an empty object", {}],
  [
    "ill-typed fields",
    { threadId: "1", frameId: {}, variablesReference: "a", expression: 42, source: 5, breakpoints: "all", filters: "all", name: null, value: [], sourceReference: "s", contextId: "1", path: 7 },
  ],
];

/** Requests that need arguments (continue and pause without a known thread continue or pause
 *  everything the session shows, by design: they are tested apart). */
const REQUESTS_WITH_ARGUMENTS = [
  "stackTrace",
  "scopes",
  "variables",
  "setVariable",
  "evaluate",
  "next",
  "stepIn",
  "stepOut",
  "source",
  "setBreakpoints",
  "setFunctionBreakpoints",
  "setExceptionBreakpoints",
  "rayaPauseContext",
  "rayaContinueContext",
  "rayaTerminateContext",
  "rayaSnapshotContext",
  "rayaRestoreContext",
];

describe("hardening: debugger faults", function () {
  this.timeout(30_000);
  const adapter = new InProcessAdapter();
  let port = 0;
  let dir = "";
  let program = "";
  const clients: RawDapClient[] = [];

  before(async () => {
    port = await adapter.listen();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-dap-faults-"));
    program = path.join(dir, "prog.raya");
    fs.writeFileSync(program, PROGRAM);
  });

  after(async () => {
    for (const client of clients) client.close();
    await adapter.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function connect(): Promise<RawDapClient> {
    const client = await RawDapClient.connect(port);
    clients.push(client);
    const initialized = await client.request("initialize", { adapterID: "raya", linesStartAt1: true, columnsStartAt1: true, pathFormat: "path" });
    assert.ok(initialized.success, initialized.message);
    return client;
  }

  /** A session stopped at a breakpoint; returns the client and the stopped thread. */
  async function stoppedSession(): Promise<{ client: RawDapClient; threadId: number }> {
    const client = await connect();
    const launched = client.request("launch", { program });
    await client.waitForEvent("initialized");
    assert.ok((await client.request("setBreakpoints", { source: { path: program }, breakpoints: [{ line: STOP_LINE }] })).success);
    assert.ok((await client.request("configurationDone")).success);
    const launch = await launched;
    assert.ok(launch.success, launch.message);
    const stopped = await client.waitForEvent("stopped");
    return { client, threadId: stopped.body?.threadId as number };
  }

  function assertError(response: DapResponse, what: string, pattern?: RegExp): void {
    assert.equal(response.success, false, `${what} was accepted`);
    assert.ok(typeof response.message === "string" && response.message.length > 0, `${what}: an error response without a message`);
    if (pattern !== undefined) assert.match(response.message ?? "", pattern, what);
  }

  /** The session still serves: the stopped thread's stack is still there. */
  async function stillServing(client: RawDapClient, threadId: number): Promise<void> {
    const trace = await client.request("stackTrace", { threadId });
    assert.ok(trace.success, `the session stopped serving: ${trace.message}`);
    const frames = trace.body?.stackFrames as { line: number }[];
    assert.equal(frames[0].line, STOP_LINE);
  }

  it("answers requests sent before launch with an error naming the problem, then launches normally", async () => {
    const client = await connect();
    const early: [string, unknown, RegExp][] = [
      ["threads", undefined, /launch first/],
      ["stackTrace", { threadId: 1 }, /launch first/],
      ["next", { threadId: 1 }, /launch first/],
      ["continue", { threadId: 1 }, /launch first/],
      ["pause", { threadId: 1 }, /launch first/],
      ["evaluate", { expression: "1 + 1" }, /launch first/],
      ["setBreakpoints", { source: { path: program }, breakpoints: [{ line: 2 }] }, /launch first/],
      ["setFunctionBreakpoints", { breakpoints: [{ name: "f" }] }, /launch first/],
      ["scopes", { frameId: 1 }, /unknown frameId 1/],
      ["variables", { variablesReference: 1 }, /unknown variablesReference 1/],
      ["source", { sourceReference: 1 }, /unknown sourceReference 1/],
      ["rayaContexts", {}, /launch first/],
      ["rayaPauseContext", { contextId: 1 }, /launch first/],
    ];
    for (const [command, args, pattern] of early) assertError(await client.request(command, args), `${command} before launch`, pattern);
    const launched = client.request("launch", { program });
    await client.waitForEvent("initialized");
    assert.ok((await client.request("configurationDone")).success);
    assert.ok((await launched).success);
    const output = await client.waitForEvent("output");
    assert.match(String(output.body?.output), /total 6 1/);
  });

  it("refuses malformed launch requests, naming the attribute, and accepts a good one after them", async () => {
    const client = await connect();
    // Without any arguments the refusal is a raw "Cannot read properties of undefined" (reported
    // to the lead): only the refusal itself is asserted for it.
    const bad: [unknown, RegExp | undefined][] = [
      [undefined, undefined],
      [{ program: 42 }, /'program' must be a path to a \.raya file/],
      [{ program: path.join(dir, "missing.raya") }, /does not exist/],
      [{ program, stopOnEntry: "yes" }, /'stopOnEntry'/],
      [{ program, cwd: "/definitely/not/here" }, /'cwd'/],
      [{ program, args: [1, 2] }, /'args'/],
      [{ program, sandbox: true, limits: { maxSteps: 5 } }, /'limits\.maxSteps' is not a limit/],
      [{ program, sandbox: true, limits: { maxTasks: -1 } }, /positive integer/],
      [{ program, capabilities: ["rm -rf"] }, /not a built-in capability/],
      [{ program: "x".repeat(100_000) + ".raya" }, /'program'/],
    ];
    for (const [args, pattern] of bad) assertError(await client.request("launch", args), `launch ${JSON.stringify(args)?.slice(0, 60)}`, pattern);
    const launched = client.request("launch", { program });
    await client.waitForEvent("initialized");
    assert.ok((await client.request("configurationDone")).success);
    assert.ok((await launched).success);
    assertError(await client.request("launch", { program }), "a second launch", /already launched/);
  });

  it("answers every request with missing or ill-typed arguments with an error, and keeps serving", async () => {
    const { client, threadId } = await stoppedSession();
    for (const command of REQUESTS_WITH_ARGUMENTS) {
      for (const [shape, args] of MALFORMED) {
        // The message names what is wrong: the arguments as a whole, or the argument by name.
        assertError(await client.request(command, args), `${command} with ${shape}`, /the arguments must be an object|'[A-Za-z]+(\[\d+\])?(\.[A-Za-z]+)?' (is missing|must be|is longer)/);
        await stillServing(client, threadId);
      }
    }
  });

  it("names unknown thread, frame, variable, source and context ids", async () => {
    const { client, threadId } = await stoppedSession();
    const unknown: [string, unknown, RegExp][] = [
      ["stackTrace", { threadId: 999_999 }, /unknown thread 999999/],
      ["next", { threadId: 999_999 }, /unknown thread 999999/],
      ["stepIn", { threadId: -1 }, /unknown thread -1/],
      ["stepOut", { threadId: 1e308 }, /unknown thread/],
      ["scopes", { frameId: 999_999 }, /unknown frameId 999999/],
      ["evaluate", { expression: "total", frameId: 424_242 }, /unknown frameId 424242/],
      ["variables", { variablesReference: 999_999 }, /unknown variablesReference 999999/],
      ["variables", { variablesReference: 2 ** 60 }, /unknown variablesReference/],
      ["setVariable", { variablesReference: 999_999, name: "total", value: "1" }, /unknown variablesReference 999999/],
      ["source", { sourceReference: 4242 }, /unknown sourceReference 4242/],
      ["rayaPauseContext", { contextId: 4242 }, /unknown context id 4242/],
      ["rayaSnapshotContext", { contextId: -5 }, /unknown context id -5/],
      ["rayaRestoreContext", { path: path.join(dir, "nope.rayasnap") }, /\.rayasnap|does not exist|cannot/],
      ["setExceptionBreakpoints", { filters: ["everything"] }, /unknown exception filter\(s\): everything/],
      ["definitelyNotARequest", {}, /unknown request 'definitelyNotARequest'/],
    ];
    for (const [command, args, pattern] of unknown) {
      assertError(await client.request(command, args), command, pattern);
      await stillServing(client, threadId);
    }
  });

  it("keeps frame and variable handles from an old stop invalid after continuing, with a clear error", async () => {
    const { client, threadId } = await stoppedSession();
    const frames = (await client.request("stackTrace", { threadId })).body?.stackFrames as { id: number }[];
    const scopes = (await client.request("scopes", { frameId: frames[0].id })).body?.scopes as { variablesReference: number }[];
    assert.ok((await client.request("setBreakpoints", { source: { path: program }, breakpoints: [{ line: 6 }] })).success);
    assert.ok((await client.request("continue", { threadId })).success);
    await client.waitForEvent("stopped");
    assertError(await client.request("scopes", { frameId: frames[0].id }), "a stale frame", /unknown frameId .*valid only while stopped/);
    assertError(await client.request("variables", { variablesReference: scopes[0].variablesReference }), "a stale reference", /unknown variablesReference .*valid only while stopped/);
    const trace = await client.request("stackTrace", { threadId });
    assert.ok(trace.success);
  });

  it("evaluates garbage and hostile expressions to errors or values, never running code or hanging", async () => {
    const { client, threadId } = await stoppedSession();
    const frames = (await client.request("stackTrace", { threadId })).body?.stackFrames as { id: number }[];
    const frameId = frames[0].id;
    const expressions = [
      "",
      "((((((",
      "total +",
      "\u0000",
      "}{",
      "while (true) {}",
      "process.exit(1)",
      "require('fs')",
      "globalThis",
      "p.constructor",
      "p.__proto__",
      "items.constructor.constructor('return process')()",
      "items[99999999]",
      "1e309 * 1e309",
      "x".repeat(1_000_000),
      "(".repeat(100_000) + "1" + ")".repeat(100_000),
      "[".repeat(100_000),
    ];
    for (const expression of expressions) {
      const response = await client.request("evaluate", { expression, frameId, context: "watch" });
      if (response.success) assert.doesNotMatch(String(response.body?.result), /\[object process\]|function require|Object \[global\]/, `evaluate ${expression.slice(0, 40)}`);
      else assertError(response, `evaluate ${expression.slice(0, 40)}`);
      await stillServing(client, threadId);
    }
    const total = await client.request("evaluate", { expression: "total", frameId });
    assert.ok(total.success, total.message);
  });

  it("takes huge but well-formed requests without harm", async () => {
    const { client, threadId } = await stoppedSession();
    const frames = (await client.request("stackTrace", { threadId })).body?.stackFrames as { id: number }[];
    const scopes = (await client.request("scopes", { frameId: frames[0].id })).body?.scopes as { name: string; variablesReference: number }[];
    const globals = scopes.find((s) => s.name === "Globals")!.variablesReference;
    const setHuge = await client.request("setVariable", { variablesReference: globals, name: "total", value: "9".repeat(100_000) });
    if (!setHuge.success) assertError(setHuge, "setVariable to a 100,000-digit number");
    const manyLines = await client.request("setBreakpoints", { source: { path: program }, breakpoints: Array.from({ length: 10_000 }, (_, i) => ({ line: i + 1 })) });
    assert.ok(manyLines.success, manyLines.message);
    assert.equal((manyLines.body?.breakpoints as unknown[]).length, 10_000);
    const longPath = await client.request("setBreakpoints", { source: { path: "/a".repeat(100_000) + ".raya" }, breakpoints: [{ line: 1 }] });
    assertError(longPath, "a 200 KB source path", /'source\.path' is longer than 4096 characters/);
    const odd = await client.request("setBreakpoints", { source: { path: program }, breakpoints: [{ line: 1e308 }, { line: 3, condition: "((((" }, { line: 4, hitCondition: "zz" }, { line: 2, logMessage: "{" }] });
    if (!odd.success) assertError(odd, "odd breakpoints");
    const paged = await client.request("variables", { variablesReference: globals, start: -5, count: 1e9 });
    if (!paged.success) assertError(paged, "variables with a negative start");
    await stillServing(client, threadId);
  });

  it("survives garbage frames on the wire: bad JSON, a request without a command, unknown message types", async () => {
    const { client, threadId } = await stoppedSession();
    for (const body of ["{", "null", "[]", '"text"', '{"type":"request","seq":1}', '{"type":"event","event":"stopped"}', '{"type":"response","request_seq":1,"success":true}', '{"type":"bogus"}']) {
      void client.sendFramed(body);
      await stillServing(client, threadId);
    }
    const seq = client.nextSeq();
    const reply = client.sendFramed(JSON.stringify({ seq, type: "request", command: "threads", arguments: { extra: "x".repeat(1_000_000) } }), seq);
    assert.ok((await reply).success);
  });

  it("a client that vanishes mid-step leaves the adapter serving other sessions", async () => {
    const { client, threadId } = await stoppedSession();
    void client.request("next", { threadId }).catch(() => undefined);
    client.close();
    const other = await stoppedSession();
    await stillServing(other.client, other.threadId);
    const terminated = other.client.waitForEvent("terminated");
    assert.ok((await other.client.request("terminate")).success);
    await terminated;
  });

  it("a debugged program that fails: the stop on its uncaught error is inspectable, then the run ends with exit code 2 and requests still get answers", async () => {
    const failing = path.join(dir, "failing.raya");
    fs.writeFileSync(failing, `function boom(n: number): number { if (n > 1) { throw new Error("boom " + n); } return n; }\nconsole.log("before");\nboom(5);\nconsole.log("after");\n`);
    const client = await connect();
    const launched = client.request("launch", { program: failing });
    await client.waitForEvent("initialized");
    assert.ok((await client.request("setExceptionBreakpoints", { filters: ["uncaught"] })).success);
    assert.ok((await client.request("configurationDone")).success);
    assert.ok((await launched).success);
    const stop = await client.waitForEvent("stopped");
    assert.equal(stop.body?.reason, "exception");
    assert.match(String(stop.body?.text), /boom 5/);
    const threadId = stop.body?.threadId as number;
    const trace = await client.request("stackTrace", { threadId });
    assert.equal((trace.body?.stackFrames as { name: string }[])[0].name, "boom");
    const exited = client.waitForEvent("exited");
    assert.ok((await client.request("continue", { threadId })).success);
    assert.equal((await exited).body?.exitCode, 2);
    assertError(await client.request("stackTrace", { threadId }), "the stack of a thread of an ended run");
    assertError(await client.request("rayaPauseContext", { contextId: 1 }), "pausing an ended context");
    const threads = await client.request("threads");
    if (threads.success) assert.deepEqual(threads.body?.threads, []);
  });

  it("after terminate, requests get errors or empty answers and never a crash", async () => {
    const { client } = await stoppedSession();
    const terminated = client.waitForEvent("terminated");
    assert.ok((await client.request("terminate")).success);
    await terminated;
    const threads = await client.request("threads");
    if (threads.success) assert.deepEqual(threads.body?.threads, []);
    for (const [command, args] of [
      ["stackTrace", { threadId: 1 }],
      ["next", { threadId: 1 }],
      ["scopes", { frameId: 1 }],
      ["rayaPauseContext", { contextId: 1 }],
    ] as [string, unknown][]) {
      assertError(await client.request(command, args), `${command} after terminate`);
    }
    const evaluated = await client.request("evaluate", { expression: "total" });
    if (!evaluated.success) assertError(evaluated, "evaluate after terminate");
    assert.ok((await client.request("terminate")).success, "terminating twice is harmless");
  });
});
