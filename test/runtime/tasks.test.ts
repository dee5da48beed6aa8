// Tasks, Mutex, Channel and the shared scheduler (docs/concurrency.md), end to end from source.
import { strict as assert } from "node:assert";
import { compile } from "../../runtime/compiler/compile";
import { VmContext } from "../../runtime/vm/context";
import { createMainTask, RayaRuntimeError, runProgram, type RunOutcome } from "../../runtime/vm/run";
import { Scheduler } from "../../runtime/vm/scheduler";
import { type Task, TaskState } from "../../runtime/vm/task";

function runSource(source: string, errors: string[] = []): Promise<RunOutcome> {
  return runProgram(compile(source, { filename: "main.raya" }), { onError: (line) => errors.push(line) });
}

async function output(source: string): Promise<string[]> {
  return (await runSource(source)).output;
}

async function failure(source: string): Promise<RayaRuntimeError> {
  try {
    await runSource(source);
  } catch (error) {
    assert.ok(error instanceof RayaRuntimeError, `expected RayaRuntimeError, got ${String(error)}`);
    return error;
  }
  return assert.fail("the program should have failed");
}

describe("tasks: Mutex", () => {
  it("makes lock() wait, and hands the mutex over first come first served", async () => {
    const lines = await output(`
      const m = new Mutex();
      const order: string[] = [];
      async function worker(name: string): Promise<void> {
        m.lock();
        order.push(name);
        sleep(1);
        m.unlock();
      }
      m.lock();
      const ts = [worker("a"), worker("b"), worker("c")];
      order.push("main");
      m.unlock();
      await ts;
      console.log(order.join(" "));`);
    assert.deepEqual(lines, ["main a b c"]);
  });

  it("throws a Raya Error when a task unlocks a mutex it does not hold", async () => {
    const lines = await output(`
      const m = new Mutex();
      try { m.unlock(); } catch (e) { console.log((e instanceof Error ? e.message : "not an Error")); }
      async function holder(): Promise<void> { m.lock(); sleep(5); m.unlock(); }
      const t = holder();
      try { m.unlock(); } catch (e) { console.log(e instanceof Error, e instanceof Error ? e.message : ""); }
      await t;
      console.log(m.isLocked());`);
    assert.equal(lines[0], "Mutex.unlock: the mutex is not locked");
    assert.match(lines[1], /^true Mutex\.unlock: the mutex is held by holder#\d+, not by main#1$/);
    assert.equal(lines[2], "false");
  });

  it("refuses to lock twice from the same task instead of deadlocking", async () => {
    const error = await failure(`const m = new Mutex(); m.lock(); m.lock();`);
    assert.match(error.rayaMessage, /not reentrant/);
  });
});

describe("tasks: Channel", () => {
  it("rendezvous (capacity 0): send waits for a receiver", async () => {
    const lines = await output(`
      const ch = new Channel<int>();
      const log: string[] = [];
      async function producer(): Promise<void> {
        for (let i = 0; i < 3; i++) { ch.send(i); log.push("sent " + i); }
      }
      const p = producer();
      log.push("main");
      for (let i = 0; i < 3; i++) log.push("got " + ch.receive());
      await p;
      console.log(log.join(", "));
      console.log(ch.length, ch.capacity);`);
    assert.equal(lines[0].split(", ")[0], "main");
    assert.deepEqual(lines[0].split(", ").filter((s) => s.startsWith("got")), ["got 0", "got 1", "got 2"]);
    assert.equal(lines[1], "0 0");
  });

  it("buffers up to capacity, then send blocks until a receive makes room", async () => {
    const lines = await output(`
      const ch = new Channel<string>(2);
      let sent = 0;
      async function producer(): Promise<void> {
        for (const s of ["a", "b", "c", "d"]) { ch.send(s); sent++; }
      }
      const p = producer();
      console.log(sent, ch.length);
      console.log(ch.receive(), ch.receive(), ch.receive(), ch.receive());
      await p;
      console.log(sent, ch.length);`);
    assert.deepEqual(lines, ["2 2", "a b c d", "4 0"]);
  });

  it("close wakes blocked receivers and senders with errors; buffered values stay receivable", async () => {
    const lines = await output(`
      const empty = new Channel<int>(0);
      async function receiver(): Promise<string> {
        try { empty.receive(); return "value"; } catch (e) { return (e instanceof Error ? e.message : "not an Error"); }
      }
      const r1 = receiver();
      const r2 = receiver();
      const full = new Channel<int>(1);
      full.send(1);
      async function sender(): Promise<string> {
        try { full.send(2); return "sent"; } catch (e) { return (e instanceof Error ? e.message : "not an Error"); }
      }
      const s = sender();
      empty.close();
      full.close();
      console.log(await r1);
      console.log(await r2);
      console.log(await s);
      console.log(full.receive(), full.isClosed(), full.trySend(3), full.tryReceive());
      try { full.receive(); } catch (e) { console.log((e instanceof Error ? e.message : "not an Error")); }
      try { full.send(1); } catch (e) { console.log((e instanceof Error ? e.message : "not an Error")); }
      try { full.close(); } catch (e) { console.log((e instanceof Error ? e.message : "not an Error")); }`);
    assert.deepEqual(lines, [
      "receive on a closed channel",
      "receive on a closed channel",
      "send on a closed channel",
      "1 true false null",
      "receive on a closed channel",
      "send on a closed channel",
      "close of a closed channel",
    ]);
  });

  it("rejects a negative or fractional capacity with a RangeError", async () => {
    const error = await failure(`const ch = new Channel<int>(-1);`);
    assert.equal(error.errorName, "RangeError");
  });

  it("works inside loops, closures and methods of several tasks (fan-in)", async () => {
    const lines = await output(`
      class Pipe {
        ch = new Channel<int>(4);
        async pump(from: int, to: int): Promise<void> {
          for (let i = from; i < to; i++) this.ch.send(i);
        }
      }
      const pipe = new Pipe();
      const pumps = [pipe.pump(0, 50), pipe.pump(50, 100), pipe.pump(100, 150)];
      const take = (): int => pipe.ch.receive();
      let sum = 0;
      for (let i = 0; i < 150; i++) sum += take();
      await pumps;
      console.log(sum);`);
    assert.deepEqual(lines, [String((149 * 150) / 2)]);
  });

  it("ping-pongs between two tasks", async () => {
    const lines = await output(`
      const ping = new Channel<int>();
      const pong = new Channel<int>();
      async function ponger(): Promise<void> {
        while (true) {
          const n = ping.receive();
          if (n < 0) return;
          pong.send(n + 1);
        }
      }
      const p = ponger();
      let n = 0;
      for (let i = 0; i < 1000; i++) { ping.send(n); n = pong.receive(); }
      ping.send(-1);
      await p;
      console.log(n);`);
    assert.deepEqual(lines, ["1000"]);
  });
});

describe("tasks: cancellation", () => {
  it("cancels a task blocked on a channel; it leaves the channel's queue", async () => {
    const lines = await output(`
      const ch = new Channel<int>();
      async function waiter(): Promise<int> { return ch.receive(); }
      const w = waiter();
      w.cancel();
      try { await w; } catch (e) { console.log((e instanceof Error ? e.message : "not an Error")); }
      console.log(ch.trySend(1));`);
    assert.match(lines[0], /^task waiter#\d+ was cancelled$/);
    assert.equal(lines[1], "false"); // no receiver left waiting
  });

  it("cancels a task waiting for a mutex without handing it the lock", async () => {
    const lines = await output(`
      const m = new Mutex();
      m.lock();
      async function waiter(): Promise<void> { m.lock(); console.log("got it"); }
      const w = waiter();
      w.cancel();
      m.unlock();
      sleep(1);
      console.log(m.isLocked());`);
    assert.deepEqual(lines, ["false"]);
  });

  it("stops a spinning task at its next preemption point", async () => {
    const lines = await output(`
      let spins = 0;
      async function spin(): Promise<void> { while (true) spins++; }
      const t = spin();
      sleep(5);
      t.cancel();
      const after = spins;
      sleep(5);
      console.log(spins === after);`);
    assert.deepEqual(lines, ["true"]);
  });
});

describe("tasks: cancellation runs finally blocks", () => {
  it("releases a mutex held in try/finally, so a waiter proceeds", async () => {
    const lines = await output(`
      const m = new Mutex();
      async function holder(): Promise<void> {
        m.lock();
        try { sleep(1000); console.log("holder woke"); } finally { m.unlock(); console.log("released"); }
      }
      async function waiter(): Promise<string> { m.lock(); m.unlock(); return "waiter got the lock"; }
      const h = holder();
      const w = waiter();
      h.cancel();
      console.log(await w);
      console.log(m.isLocked());`);
    assert.deepEqual(lines, ["released", "waiter got the lock", "false"]);
  });

  it("does not let a catch block swallow the cancellation", async () => {
    const lines = await output(`
      const ch = new Channel<int>();
      async function worker(): Promise<void> {
        try {
          try { ch.receive(); } catch (e) { console.log("inner catch"); }
          console.log("after inner try");
        } catch (e) {
          console.log("outer catch");
        } finally {
          console.log("finally");
        }
        console.log("after everything");
      }
      const t = worker();
      t.cancel();
      try { await t; } catch (e) { console.log(e instanceof Error ? e.message : "not an Error"); }`);
    assert.equal(lines.length, 2);
    assert.equal(lines[0], "finally");
    assert.match(lines[1], /^task worker#\d+ was cancelled$/);
  });

  it("runs nested finally blocks innermost first, across frames", async () => {
    const lines = await output(`
      function inner(): void {
        try { sleep(1000); } finally { console.log("inner finally"); }
      }
      async function worker(): Promise<void> {
        try {
          try { inner(); } finally { console.log("middle finally"); }
        } finally {
          console.log("outer finally");
        }
      }
      const t = worker();
      t.cancel();
      console.log("cancel requested");
      try { await t; } catch (e) { console.log("awaited"); }`);
    // Cancellation is cooperative: the finally blocks run when the Task is next scheduled.
    assert.deepEqual(lines, ["cancel requested", "inner finally", "middle finally", "outer finally", "awaited"]);
  });

  it("lets a finally block suspend (lock, sleep) and still ends the task cancelled", async () => {
    const lines = await output(`
      const m = new Mutex();
      async function worker(): Promise<void> {
        try { sleep(1000); } finally {
          m.lock();
          sleep(2);
          console.log("cleanup done");
          m.unlock();
        }
      }
      m.lock();
      const t = worker();
      t.cancel();
      console.log("main unlocks");
      m.unlock();
      try { await t; } catch (e) { console.log(e instanceof Error ? e.message : "not an Error"); }
      console.log(m.isLocked());`);
    assert.equal(lines[0], "main unlocks");
    assert.equal(lines[1], "cleanup done");
    assert.match(lines[2], /^task worker#\d+ was cancelled$/);
    assert.equal(lines[3], "false");
  });

  it("cancels a spinning task inside try/finally at a preemption point, and awaiting it throws", async () => {
    const lines = await output(`
      let spins = 0;
      async function spin(): Promise<int> {
        try { while (true) spins++; } catch (e) { console.log("caught"); } finally { console.log("spin finally"); }
        return 1;
      }
      const t = spin();
      sleep(2);
      t.cancel();
      try { await t; } catch (e) { console.log(e instanceof Error ? e.message : "not an Error"); }`);
    assert.equal(lines[0], "spin finally");
    assert.match(lines[1], /^task spin#\d+ was cancelled$/);
    assert.equal(lines.length, 2);
  });

  it("an error thrown by a finally block fails the task; a finally that returns still ends it cancelled", async () => {
    const lines = await output(`
      async function worker(): Promise<void> {
        try { sleep(1000); } finally { throw new Error("cleanup failed"); }
      }
      async function returner(): Promise<int> {
        try { sleep(1000); } finally { return 5; }
      }
      const t = worker();
      const r = returner();
      t.cancel();
      r.cancel();
      try { await t; } catch (e) { console.log(e instanceof Error ? e.message : "not an Error"); }
      try { console.log(await r); } catch (e) { console.log(e instanceof Error ? e.message : "not an Error"); }`);
    assert.equal(lines[0], "cleanup failed");
    assert.match(lines[1], /^task returner#\d+ was cancelled$/);
  });

  it("a task cancelling itself unwinds at its next suspension point", async () => {
    const lines = await output(`
      const me: Task<void>[] = [];
      async function worker(): Promise<void> {
        try {
          sleep(1);
          me[0].cancel();
          console.log("still running until it suspends");
          sleep(1);
          console.log("never printed");
        } finally {
          console.log("finally");
        }
      }
      me.push(worker());
      sleep(10);
      try { await me[0]; } catch (e) { console.log(e instanceof Error ? e.message : "not an Error"); }`);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.slice(0, 2), ["still running until it suspends", "finally"]);
    assert.match(lines[2], /^task worker#\d+ was cancelled$/);
  });
});

describe("tasks: failures", () => {
  it("reports a failed task nobody awaits as uncaught, naming it", async () => {
    const errors: string[] = [];
    const run = await runSource(
      `
      async function worker(): Promise<void> { throw new Error("boom"); }
      worker();
      sleep(2);
      console.log("main goes on");`,
      errors,
    );
    assert.deepEqual(run.output, ["main goes on"]);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^Uncaught \(in task worker#\d+\) Error: boom$/);
  });

  it("does not report a failure that is awaited", async () => {
    const errors: string[] = [];
    await runSource(
      `
      async function worker(): Promise<void> { throw new Error("boom"); }
      try { await worker(); } catch (e) { console.log("caught"); }
      const t = worker();
      try { await [t]; } catch (e) { console.log("caught"); }`,
      errors,
    );
    assert.deepEqual(errors, []);
  });

  it("propagates a failure through a chain of awaiting tasks", async () => {
    const error = await failure(`
      async function inner(): Promise<int> { sleep(1); throw new RangeError("deep"); }
      async function middle(): Promise<int> { return await inner(); }
      await middle();`);
    assert.equal(error.errorName, "RangeError");
    assert.equal(error.rayaMessage, "deep");
  });
});

describe("tasks: deadlock", () => {
  it("names every blocked task and what it waits on", async () => {
    const error = await failure(`
      const m = new Mutex();
      const ch = new Channel<int>(0);
      async function locker(): Promise<void> { m.lock(); }
      async function receiver(): Promise<int> { return ch.receive(); }
      m.lock();
      const a = locker();
      const b = receiver();
      await [a, b];`);
    assert.match(error.rayaMessage, /^deadlock: /);
    assert.match(error.rayaMessage, /main#1 \(blocked on tasks \[locker#\d+, receiver#\d+\]\)/);
    assert.match(error.rayaMessage, /locker#\d+ \(blocked on a mutex held by main#1\)/);
    assert.match(error.rayaMessage, /receiver#\d+ \(blocked on channel receive \(capacity 0\)\)/);
  });

  it("reports a send on a full channel with no receiver", async () => {
    const error = await failure(`const ch = new Channel<int>(1); ch.send(1); ch.send(2);`);
    assert.match(error.rayaMessage, /main#1 \(blocked on channel send \(capacity 1\)\)/);
  });

  it("does not call it a deadlock while a task sleeps", async () => {
    const lines = await output(`
      const ch = new Channel<int>();
      async function late(): Promise<void> { sleep(10); ch.send(7); }
      late();
      console.log(ch.receive());`);
    assert.deepEqual(lines, ["7"]);
  });
});

describe("tasks: scheduling", () => {
  it("is starvation-free: a spinning task cannot stop another from making progress", async () => {
    const lines = await output(`
      let stop = false;
      async function spinner(): Promise<void> { while (!stop) {} }
      async function worker(): Promise<int> {
        let steps = 0;
        for (let i = 0; i < 20; i++) { steps++; sleep(0); }
        return steps;
      }
      const s = spinner();
      const w = worker();
      const steps = await w;
      stop = true;
      await s;
      console.log(steps);`);
    assert.deepEqual(lines, ["20"]);
  }).timeout(10000);

  it("keeps Node's event loop responsive while Raya code spins", async () => {
    const program = compile(`let i = 0; while (i < 20000000) i++; return i;`, { filename: "main.raya" });
    await runProgram(program); // warm the JIT up: the first slices of a cold interpreter are slow
    const delays: number[] = [];
    let finished = false;
    const probe = (): void => {
      const asked = Date.now();
      setTimeout(() => {
        delays.push(Date.now() - asked);
        if (!finished) probe();
      }, 1);
    };
    probe();
    const run = await runProgram(program);
    finished = true;
    assert.equal(run.value, 20000000);
    assert.ok(delays.length >= 5, `a 1 ms timer fired only ${delays.length} times`);
    delays.sort((a, b) => a - b);
    // A round lasts 2 ms of Raya work; GC pauses and cold code make the occasional outlier.
    const median = delays[Math.floor(delays.length / 2)];
    const p90 = delays[Math.floor(delays.length * 0.9)];
    assert.ok(median <= 12 && p90 <= 40, `1 ms timers fired after ${delays.join(" ")} ms`);
  }).timeout(60000);

  it("holds 100,000 live tasks at once", async () => {
    const lines = await output(`
      const gate = new Channel<int>(0);
      async function member(i: int): Promise<int> { gate.receive(); return i; }
      const tasks: Task<int>[] = [];
      for (let i = 0; i < 100000; i++) tasks.push(member(i));
      for (let i = 0; i < 100000; i++) gate.send(i);
      const results = await tasks;
      let inOrder = true;
      for (let i = 0; i < results.length; i++) if (results[i] !== i) inOrder = false;
      console.log(results.length, inOrder);`);
    assert.deepEqual(lines, ["100000 true"]);
  }).timeout(30000);

  it("shares one scheduler between contexts, giving each `weight` slices per round", async () => {
    // The heavy context has twice the work of the light one: with weight 3 it finishes
    // first; with equal weights it finishes last.
    const finishOrder = async (heavyWeight: number): Promise<string[]> => {
      const scheduler = new Scheduler();
      const order: string[] = [];
      const started = [
        { name: "light", loops: 3_000_000, weight: 1 },
        { name: "heavy", loops: 6_000_000, weight: heavyWeight },
      ].map(({ name, loops, weight }) => {
        const source = `let n = 0; for (let i = 0; i < ${loops}; i++) n++; return n;`;
        const context = new VmContext(compile(source, { filename: "main.raya" }), scheduler);
        context.weight = weight;
        return new Promise<Task>((resolve, reject) =>
          scheduler.startRoot(createMainTask(context), (task) => { order.push(name); resolve(task); }, reject, reject),
        );
      });
      const roots = await Promise.all(started);
      assert.ok(roots.every((t) => t.state === TaskState.Done));
      return order;
    };
    await finishOrder(1); // warm the JIT up: a cold interpreter's first slices are slow and
    // the first context started gets a head start (startRoot runs a round at once)
    assert.deepEqual(await finishOrder(3), ["heavy", "light"]);
    assert.deepEqual(await finishOrder(1), ["light", "heavy"]);
  }).timeout(20000);
});

describe("tasks: async prefix on blocking builtins", () => {
  it("refuses `async ch.receive()` with a clear error rather than blocking the starter", async () => {
    const error = await failure(`const ch = new Channel<int>(0); const t = async ch.receive();`);
    assert.match(error.rayaMessage, /async cannot run the blocking builtin 'receive' directly/);
  });

  it("still runs a non-blocking builtin under `async` as a finished Task", async () => {
    const lines = await output(`const ch = new Channel<int>(1); const t = async ch.trySend(3); console.log(await t, ch.length);`);
    assert.deepEqual(lines, ["true 1"]);
  });
});
