// Escape attempts: an inner program (or the values it hands out) must never reach anything its
// host did not grant — no file, no host object, no sibling's value — and no value crossing a
// boundary may be shared. Driven through the Runtime API (runtime/index.ts), as a plugin host would.
import { strict as assert } from "node:assert";
import { compile, Runtime, type ContextHandle } from "../../runtime/index";
import { isForeignHandle } from "../../runtime/vm/marshal";
import { failure, thrown } from "./harness";

const LIMITS = { maxStepBudget: 5_000_000, maxHeapBytes: 16 * 1024 * 1024, maxTasks: 20 } as const;

function limited(runtime: Runtime, name = "plugin"): ContextHandle {
  return runtime.createContext({ name, ...LIMITS });
}

async function loaded(context: ContextHandle, source: string): Promise<ContextHandle> {
  await context.loadSource(source, "plugin.raya").result();
  return context;
}

describe("hardening: escape attempts", function () {
  this.timeout(10_000);

  describe("reaching what was not granted", () => {
    it("cannot import a capability that was not granted: CapabilityNotFound names it and nothing runs", () => {
      const runtime = new Runtime();
      const context = limited(runtime);
      context.registerCapability("log", () => null);
      const error = thrown(() => context.loadSource(`import { log, readFile } from "host:";\nlog("hi"); readFile("/etc/passwd");`, "p.raya"));
      assert.equal(error.kind, "CapabilityNotFound");
      assert.match(error.message, /capability 'readFile' is not granted/);
      assert.equal(context.state, "empty", "the program was not started");
      assert.deepEqual(context.output, []);
    });

    it("cannot rename its way to a capability: the granted name is what is checked", () => {
      const runtime = new Runtime();
      const context = limited(runtime);
      context.registerCapability("log", () => null);
      const error = thrown(() => context.loadSource(`import { exec as log } from "host:";\nlog("rm -rf /");`, "p.raya"));
      assert.equal(error.kind, "CapabilityNotFound");
      assert.match(error.message, /'exec'/);
    });

    it("cannot forge a capability in bytecode: a patched LOAD_CAPABILITY name is refused at load", () => {
      const program = compile(`import { log } from "host:";\nlog("x");`, { filename: "p.raya", readFile: () => null });
      const constant = program.constants.findIndex((c) => c.value === "log");
      assert.ok(constant >= 0);
      program.constants[constant] = { kind: "string", value: "secretAdmin" };
      const context = limited(new Runtime());
      context.registerCapability("log", () => null);
      const error = thrown(() => context.loadProgram(program));
      assert.equal(error.kind, "CapabilityNotFound");
      assert.match(error.message, /'secretAdmin'/);
    });

    it("cannot read files: relative and absolute imports find nothing through loadSource", () => {
      const context = limited(new Runtime());
      for (const specifier of ["./secret", "../../etc/passwd", "/etc/passwd", "node:fs", "fs", "std:fs", "std:../../package.json"]) {
        const error = thrown(() => context.loadSource(`import { x } from "${specifier}";\nexport function go(): int { return 1; }`, "/work/plugin.raya"));
        assert.equal(error.kind, "CompileError", specifier);
        assert.match(error.message, /Cannot find module/, specifier);
      }
      assert.equal(context.state, "empty");
    });

    it("has no host globals: process, require, globalThis, eval and Function do not exist", () => {
      const context = limited(new Runtime());
      for (const name of ["process", "require", "globalThis", "eval", "Function", "module", "Buffer", "setTimeout"]) {
        const error = thrown(() => context.loadSource(`export function go(): int { const x = ${name}; return 1; }`, "p.raya"));
        assert.equal(error.kind, "CompileError", name);
      }
    });

    it("has no clock: Date.now() fails unless the host grants one", async () => {
      const context = await loaded(limited(new Runtime()), `export function go(): number { return Date.now(); }`);
      const error = await failure(context.runEntry("go"));
      assert.equal(error.kind, "RuntimeError");
      assert.match(error.message, /Date\.now is not available/);
    });

    it("finds no JavaScript prototype members on any Raya value, whatever the receiver", async () => {
      // The host passes values of the wrong type (marshalling does not check declared types), so
      // the program reads 'constructor', '__proto__' and friends of arrays, strings, numbers, Maps,
      // Sets and functions. Each is null (or a Raya TypeError): never a JavaScript function.
      const names = ["constructor", "__proto__", "prototype", "call", "apply", "bind", "valueOf", "__defineGetter__", "hasOwnProperty"];
      const fields = names.map((n) => `${n}: JsonValue;`).join(" ");
      const reads = names.map((n) => `probe(() => o.${n});`).join(" ");
      const context = await loaded(
        limited(new Runtime()),
        `interface O { ${fields} }
         let seen: string[] = [];
         function probe(read: () => JsonValue): void {
           try { const v = read(); seen.push(v === null ? "null" : "value"); } catch (e) { seen.push("error"); }
         }
         export function go(o: O): string[] { seen = []; ${reads} return seen.slice(); }
         export function fn(): int { return 1; }`,
      );
      const receivers: unknown[] = [[], "text", 42, 1.5, true, new Map([["constructor", 1]]), new Set([1])];
      for (const receiver of receivers) {
        const seen = (await context.runEntry("go", [receiver]).result()) as string[];
        for (const [i, outcome] of seen.entries()) {
          // valueOf is a Raya builtin method of primitives (a native of the VM's own table).
          if (names[i] === "valueOf" && typeof receiver !== "object") continue;
          assert.notEqual(outcome, "value", `${names[i]} of ${Object.prototype.toString.call(receiver)}`);
        }
      }
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
    });
  });

  describe("values crossing are copies", () => {
    it("capability arguments: the host mutating what it received does not change the inner heap, and the reverse", async () => {
      const runtime = new Runtime();
      const context = limited(runtime);
      let received: unknown[] = [];
      context.registerCapability("keep", (value) => {
        received.push(value);
        return null;
      });
      await loaded(
        context,
        `import { keep } from "host:";
         const mine: JsonValue[] = [1, [2, 3]];
         export function give(): void { keep(mine); }
         export function change(): void { mine.push(99); }
         export function show(): string { return JSON.stringify(mine); }`,
      );
      await context.runEntry("give").result();
      const copy = received[0] as unknown[];
      copy.push("host was here");
      (copy[1] as unknown[])[0] = "changed";
      assert.equal(await context.runEntry("show").result(), "[1,[2,3]]");
      await context.runEntry("change").result();
      assert.deepEqual(copy, [1, ["changed", 3], "host was here"], "the host's copy did not follow the inner change");
      received = [];
    });

    it("capability results: the inner program mutating a result leaves the host's object alone, and the reverse", async () => {
      const runtime = new Runtime();
      const context = limited(runtime);
      const config = new Map<string, unknown>([["list", [1, 2]], ["name", "cfg"]]);
      context.registerCapability("config", () => config);
      await loaded(
        context,
        `import { config } from "host:";
         let kept: JsonValue = null;
         export function take(): void { kept = config(); if (kept instanceof Map) { kept.set("name", "mutated"); const l = kept.get("list"); if (Array.isArray(l)) { l.push(3); } } }
         export function show(): string { return JSON.stringify(kept); }`,
      );
      await context.runEntry("take").result();
      assert.deepEqual([...config], [["list", [1, 2]], ["name", "cfg"]]);
      config.set("name", "host changed");
      (config.get("list") as unknown[]).push("host");
      assert.equal(await context.runEntry("show").result(), `{"list":[1,2,3],"name":"mutated"}`);
    });

    it("entry arguments and results: copies both ways, fresh on every crossing", async () => {
      const context = await loaded(
        limited(new Runtime()),
        `interface Box { items: number[] }
         let stored: Box | null = null;
         export function store(b: Box): Box { stored = b; return b; }
         export function sum(): number { let s: number = 0; if (stored !== null) { for (const x of stored.items) { s = s + x; } } return s; }`,
      );
      const argument = { items: [1, 2, 3] };
      const first = (await context.runEntry("store", [argument]).result()) as { items: number[] };
      argument.items.push(100);
      first.items.push(1000);
      assert.equal(await context.runEntry("sum").result(), 6);
      const second = await context.runEntry("store", [{ items: [5] }]).result();
      assert.notEqual(first, second);
      assert.equal(Object.getPrototypeOf(first), null, "objects come out with a null prototype");
    });

    it("keys named __proto__, constructor and prototype are ordinary data in both directions", async () => {
      const context = await loaded(
        limited(new Runtime()),
        `export function echo(v: JsonValue): JsonValue { return v; }
         export function parse(text: string): JsonValue { return JSON.parse(text); }
         interface Evil { __proto__: JsonValue; constructor: JsonValue; prototype: JsonValue }
         export function literal(): Evil { return { __proto__: "p", constructor: "c", prototype: "q" }; }`,
      );
      const evil = JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}`) as object;
      const echoed = (await context.runEntry("echo", [evil]).result()) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(echoed), null);
      assert.deepEqual(Object.keys(echoed), ["__proto__", "constructor"]);
      const parsed = await context.runEntry("parse", [`{"__proto__": {"polluted": true}}`]).result();
      assert.ok(parsed instanceof Map && parsed.has("__proto__"));
      const literal = (await context.runEntry("literal").result()) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(literal), null);
      assert.deepEqual(Object.entries(literal), [["__proto__", "p"], ["constructor", "c"], ["prototype", "q"]]);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype is untouched");
    });
  });

  describe("opaque handles", () => {
    const SOURCE = `
      class Secret { constructor(public key: string) {} reveal(): string { return this.key; } }
      const secret = new Secret("s3cr3t");
      export function make(): Secret { return secret; }
      export function closure(): () => string { return (): string => secret.key; }
      export function read(s: Secret): string { return s.reveal(); }
      export function call(f: () => string): string { return f(); }
      export function echo(v: JsonValue): JsonValue { return v; }
      export function keep(v: JsonValue): int { const a: JsonValue[] = [v]; return a.length; }`;

    it("class instances, functions and errors reach the host as frozen handles with nothing on them", async () => {
      const context = await loaded(limited(new Runtime()), SOURCE + `\nexport function err(): Error { return new Error("inner"); }`);
      for (const entry of ["make", "closure", "err"]) {
        const handle = await context.runEntry(entry).result();
        assert.ok(isForeignHandle(handle), entry);
        assert.ok(Object.isFrozen(handle));
        const visible = JSON.stringify(handle) + Object.getOwnPropertyNames(handle).join() + Object.values(handle as object).join();
        assert.doesNotMatch(visible, /s3cr3t|inner/, `${entry} shows ${visible}`);
        assert.deepEqual(Object.getOwnPropertySymbols(handle as object), []);
      }
    });

    it("a handle unwraps only in its own context: another context can neither use nor call it", async () => {
      const runtime = new Runtime();
      const owner = await loaded(limited(runtime, "owner"), SOURCE);
      const other = await loaded(limited(runtime, "other"), SOURCE);
      const secret = await owner.runEntry("make").result();
      const fn = await owner.runEntry("closure").result();
      assert.equal(await owner.runEntry("read", [secret]).result(), "s3cr3t", "its own context gets the object back");
      assert.equal(await owner.runEntry("call", [fn]).result(), "s3cr3t");
      const readError = await failure(other.runEntry("read", [secret]));
      assert.equal(readError.kind, "RuntimeError");
      assert.match(readError.message, /TypeError/);
      assert.doesNotMatch(readError.message, /s3cr3t/);
      const callError = await failure(other.runEntry("call", [fn]));
      assert.match(callError.message, /TypeError/);
      // Stored and handed back unchanged: still the same inert handle, still useless there.
      assert.equal(await other.runEntry("echo", [secret]).result(), secret);
      assert.equal(await other.runEntry("keep", [secret]).result(), 1);
      assert.equal(other.state, "ready");
    });

    it("a capability cannot be stolen: handed out as a value, it is a handle another context cannot call", async () => {
      const runtime = new Runtime();
      let calls = 0;
      const owner = limited(runtime, "granted");
      owner.registerCapability("secret", () => {
        calls++;
        return "classified";
      });
      await loaded(owner, `import { secret } from "host:";\nexport function leak(): (...args: JsonValue[]) => JsonValue { return secret; }`);
      const stolen = await owner.runEntry("leak").result();
      assert.ok(isForeignHandle(stolen));
      const thief = await loaded(limited(runtime, "thief"), SOURCE);
      const error = await failure(thief.runEntry("call", [stolen]));
      assert.match(error.message, /TypeError/);
      assert.equal(calls, 0, "the capability never ran for the thief");
    });

    it("a handle given back as a capability result of another context stays inert there", async () => {
      const runtime = new Runtime();
      const owner = await loaded(limited(runtime, "owner"), SOURCE);
      const secret = await owner.runEntry("make").result();
      const other = limited(runtime, "other");
      other.registerCapability("smuggle", () => secret);
      await loaded(
        other,
        `import { smuggle } from "host:";
         export function inspect(): JsonValue[] { const v = smuggle(); return [Array.isArray(v), v instanceof Map, v === null, typeof v === "string", JSON.stringify([1]), v]; }`,
      );
      const [isArray, isMap, isNull, isString, , back] = (await other.runEntry("inspect").result()) as unknown[];
      assert.deepEqual([isArray, isMap, isNull, isString], [false, false, false, false]);
      assert.equal(back, secret, "handed back out, it is the same handle");
      assert.equal(await owner.runEntry("read", [back]).result(), "s3cr3t", "and only its own context unwraps it");
    });
  });

  describe("capabilities that misbehave", () => {
    it("a throwing capability gives the program a catchable Error with the message only, never the host's object or stack", async () => {
      const runtime = new Runtime();
      const context = limited(runtime);
      const hostError = Object.assign(new Error("disk on fire"), { secret: "host-only" });
      context.registerCapability("boom", () => {
        throw hostError;
      });
      context.registerCapability("throwString", () => {
        throw "plain string";
      });
      await loaded(
        context,
        `import { boom, throwString } from "host:";
         function attempt(f: () => JsonValue): string[] { try { f(); return ["no error"]; } catch (e) { if (e instanceof Error) { return [e.name, e.message, e.stack]; } return ["not an Error"]; } }
         export function go(): string[][] { return [attempt((): JsonValue => boom()), attempt((): JsonValue => throwString())]; }`,
      );
      const [fromError, fromString] = (await context.runEntry("go").result()) as string[][];
      assert.equal(fromError[0], "Error");
      assert.equal(fromError[1], "capability 'boom' failed: disk on fire");
      assert.doesNotMatch(fromError[2], /\.ts|node:|host-only|escape-attempts/, "no host frame in the inner stack");
      assert.deepEqual(fromString.slice(0, 2), ["Error", "capability 'throwString' failed: plain string"]);
      assert.equal(context.state, "ready");
    });

    it("an uncaught capability failure reaches the host as a RuntimeError with Raya frames only", async () => {
      const context = limited(new Runtime());
      context.registerCapability("boom", () => {
        throw new Error("nope");
      });
      await loaded(context, `import { boom } from "host:";\nexport function go(): JsonValue { return boom(); }`);
      const error = await failure(context.runEntry("go"));
      assert.equal(error.kind, "RuntimeError");
      assert.ok(error.rayaStack !== null && error.rayaStack.length > 0);
      for (const frame of error.rayaStack ?? []) assert.doesNotMatch(frame.file, /\.ts$|node:/);
    });

    it("a capability returning what cannot cross (a function, a Promise, a Date, a class instance) gives a catchable MarshalError", async () => {
      const context = limited(new Runtime());
      const bad: unknown[] = [() => 1, Promise.resolve(1), new Date(0), new (class Host {})(), Symbol("s"), 10n, new Uint8Array(2)];
      let next = 0;
      context.registerCapability("bad", () => bad[next++]);
      await loaded(
        context,
        `import { bad } from "host:";
         export function go(n: int): string[] { const out: string[] = []; for (let i = 0; i < n; i++) { try { bad(); out.push("crossed"); } catch (e) { if (e instanceof Error) { out.push(e.message); } } } return out; }`,
      );
      const messages = (await context.runEntry("go", [bad.length]).result()) as string[];
      assert.equal(messages.length, bad.length);
      for (const message of messages) assert.match(message, /^MarshalError: the result of capability 'bad' cannot cross/);
    });

    it("a capability that terminates its own context mid-call: the call's Task stops, later calls are refused, siblings go on", async () => {
      const runtime = new Runtime();
      const context = limited(runtime, "self-ending");
      const siblingContext = await loaded(limited(runtime, "sibling"), `export function one(): int { return 1; }`);
      let calls = 0;
      context.registerCapability("quit", () => {
        calls++;
        context.terminate();
        return "after terminate";
      });
      await loaded(context, `import { quit } from "host:";\nexport function go(): int { let n = 0; while (true) { try { quit(); } catch (e) { n = n + 1; } } return n; }`);
      const error = await failure(context.runEntry("go"));
      assert.equal(error.kind, "Terminated");
      assert.equal(calls, 1, "no capability call got through after the context ended");
      assert.equal(context.stats().tasks, 0);
      assert.equal(context.stats().heapBytesUsed, 0);
      assert.equal(await siblingContext.runEntry("one").result(), 1);
    });

    it("re-entrancy: a capability calling back into its own context gets a handle (never a nested run) or a clear refusal", async () => {
      const runtime = new Runtime();
      const context = limited(runtime);
      const inner: Promise<unknown>[] = [];
      const refusals: string[] = [];
      context.registerCapability("again", (n) => {
        inner.push(context.runEntry("leaf", [n]).result()); // queued, runs after this slice
        for (const attempt of [() => context.snapshot(), () => context.loadSource("export function x(): int { return 1; }", "x.raya")]) {
          try {
            attempt();
          } catch (error) {
            refusals.push((error as Error).message);
          }
        }
        return "ok";
      });
      await loaded(context, `import { again } from "host:";\nexport function leaf(n: JsonValue): JsonValue { return n; }\nexport function go(): JsonValue { return again(7); }`);
      assert.equal(await context.runEntry("go").result(), "ok");
      assert.deepEqual(await Promise.all(inner), [7]);
      assert.equal(refusals.length, 2);
      assert.match(refusals[0], /snapshot between slices/);
      assert.match(refusals[1], /already loaded/);
    });

    it("a capability running an entry of a sibling context gets only a handle, which settles later", async () => {
      const runtime = new Runtime();
      const other = await loaded(limited(runtime, "other"), `export function twice(n: int): int { return n * 2; }`);
      const context = limited(runtime);
      let pending: Promise<unknown> | null = null;
      context.registerCapability("ask", (n) => {
        pending = other.runEntry("twice", [n]).result();
        return null;
      });
      await loaded(context, `import { ask } from "host:";\nexport function go(): JsonValue { return ask(21); }`);
      assert.equal(await context.runEntry("go").result(), null);
      assert.equal(await pending, 42);
    });
  });

  describe("marshalling hostile shapes", () => {
    it("cycles cross intact in both directions", async () => {
      const context = limited(new Runtime());
      let seen: unknown = null;
      context.registerCapability("look", (v) => {
        seen = v;
        return v;
      });
      await loaded(
        context,
        `import { look } from "host:";
         export function go(): boolean { const a: JsonValue[] = []; a.push(a); const back = look(a); return Array.isArray(back) && back[0] === back; }
         export function echo(v: JsonValue): JsonValue { return v; }`,
      );
      assert.equal(await context.runEntry("go").result(), true);
      const cyclic = seen as unknown[];
      assert.equal(cyclic[0], cyclic);
      const object: Record<string, unknown> = { name: "loop" };
      object.self = object;
      const echoed = (await context.runEntry("echo", [object]).result()) as Record<string, unknown>;
      assert.equal(echoed.self, echoed);
    });

    it("nesting deeper than the marshal limit is a MarshalError, not a stack overflow, both ways", async () => {
      const context = limited(new Runtime());
      let deep: unknown = [];
      for (let i = 0; i < 150_000; i++) deep = [deep];
      context.registerCapability("deep", () => deep);
      await loaded(
        context,
        `import { deep } from "host:";
         export function echo(v: JsonValue): JsonValue { return v; }
         export function pull(): string { try { deep(); return "crossed"; } catch (e) { return e instanceof Error ? e.message : "?"; } }`,
      );
      const error = await failure(context.runEntry("echo", [deep]));
      assert.equal(error.kind, "MarshalError");
      assert.match(error.message, /argument 1 of 'echo' cannot cross/);
      assert.match((await context.runEntry("pull").result()) as string, /^MarshalError: .*deep/);
      assert.equal(context.state, "ready");
    });

    it("a Proxy or getter that throws, symbol keys and exotic objects are MarshalErrors naming the path", async () => {
      const context = await loaded(limited(new Runtime()), `export function echo(v: JsonValue): JsonValue { return v; }`);
      const trap = new Proxy({}, {
        ownKeys() {
          throw new Error("trap fired");
        },
      });
      const getter = Object.defineProperty({}, "x", { enumerable: true, get: () => { throw new Error("getter fired"); } });
      const cases: [unknown, RegExp][] = [
        [{ nested: [trap] }, /\$\.nested\[0\]/],
        [{ g: getter }, /\$\.g/],
        [{ [Symbol("s")]: 1 }, /symbol/i],
        [[new Date(0)], /Date/],
        [new (class extends Array {})(), /cannot/],
        [{ f: () => 1 }, /\$\.f/],
      ];
      for (const [value, pattern] of cases) {
        const error = await failure(context.runEntry("echo", [value]));
        assert.equal(error.kind, "MarshalError");
        assert.match(error.message, pattern);
      }
      assert.equal(context.state, "ready");
    });

    it("a 1,000,000-element argument and result cross without harm", async () => {
      const context = await loaded(
        new Runtime().createContext({ name: "big", maxStepBudget: 50_000_000, maxHeapBytes: 64 * 1024 * 1024 }),
        `export function total(xs: number[]): number { let s: number = 0; for (const x of xs) { s = s + x; } return s; }`,
      );
      const big = Array.from({ length: 1_000_000 }, (_, i) => i % 10);
      assert.equal(await context.runEntry("total", [big]).result(), 4_500_000);
    });
  });

  describe("snapshots carry nothing of the host", () => {
    it("the bytes hold the program's state, not the host's capability closures or values", async () => {
      const runtime = new Runtime();
      const context = limited(runtime);
      const HOST_SECRET = "HOST-ONLY-SECRET-7f3a";
      context.registerCapability("ping", () => (HOST_SECRET.length > 0 ? "pong" : null));
      await loaded(context, `import { ping } from "host:";\nlet last: JsonValue = null;\nexport function go(): JsonValue { last = ping(); return last; }`);
      assert.equal(await context.runEntry("go").result(), "pong");
      const bytes = context.snapshot();
      assert.equal(Buffer.from(bytes).includes(HOST_SECRET), false);
      assert.equal(Buffer.from(bytes).includes("pong"), true, "the program's own copy is there");
      const restored = runtime.restoreContext(bytes, { capabilities: { ping: () => "re-granted" } });
      assert.equal(await restored.runEntry("go").result(), "re-granted");
      const missing = thrown(() => runtime.restoreContext(bytes));
      assert.equal(missing.kind, "CapabilityNotFound");
    });
  });
});
