import * as assert from "node:assert/strict";
import { buildContextTree, HISTORY_LENGTH, SessionContexts, type ContextNode } from "../../extension/contextModel";
import { contextInfo } from "./fixtures";

/** A tree as nested [name, children] pairs, easy to compare. */
function shape(nodes: ContextNode[]): unknown[] {
  return nodes.map((n) => (n.children.length === 0 ? n.info.name : [n.info.name, shape(n.children)]));
}

describe("extension context model", () => {
  it("nests contexts by parent, ordered by id", () => {
    const tree = buildContextTree([
      contextInfo(4, { name: "d", parentId: 2 }),
      contextInfo(1, { name: "main" }),
      contextInfo(3, { name: "c", parentId: 1 }),
      contextInfo(2, { name: "b", parentId: 1 }),
      contextInfo(5, { name: "restored" }),
    ]);
    assert.deepEqual(shape(tree), [["main", [["b", ["d"]], "c"]], "restored"]);
  });

  it("shows a context whose parent is unknown, or in a cycle, at the top level", () => {
    assert.deepEqual(shape(buildContextTree([contextInfo(7, { name: "orphan", parentId: 99 })])), ["orphan"]);
    const cycle = buildContextTree([contextInfo(1, { name: "a", parentId: 2 }), contextInfo(2, { name: "b", parentId: 1 })]);
    assert.deepEqual(shape(cycle), ["a", "b"]);
    assert.deepEqual(shape(buildContextTree([contextInfo(1, { name: "self", parentId: 1 })])), ["self"]);
  });

  it("updates contexts from events and keeps exited ones with their reason", () => {
    const run = new SessionContexts("s1", "Debug plugin");
    run.upsert(contextInfo(1, { name: "main" }), 0);
    run.upsert(contextInfo(2, { name: "plugin", parentId: 1, stats: { heapBytesUsed: 5000, tasks: 2, stepsExecuted: 70 } }), 10);
    run.markExited({ id: 2, name: "plugin", reason: "Terminated", message: "" });
    const plugin = run.get(2);
    assert.equal(plugin?.state, "exited");
    assert.equal(plugin?.exitReason, "Terminated");
    assert.equal(plugin?.parentId, 1);
    assert.equal(plugin?.stats.stepsExecuted, 70, "the steps it ran stay");
    assert.equal(plugin?.stats.heapBytesUsed, 0, "its heap is gone");
    assert.deepEqual(run.all().map((c) => c.id), [1, 2]);
  });

  it("does not bring an exited context back when a late stats event arrives", () => {
    const run = new SessionContexts("s1", "run");
    run.upsert(contextInfo(2), 0);
    run.markExited({ id: 2, name: "ctx2", reason: "HeapLimitExceeded", message: "" });
    run.upsertAll([contextInfo(2, { state: "running" })], 5);
    assert.equal(run.get(2)?.state, "exited");
    assert.equal(run.get(2)?.exitReason, "HeapLimitExceeded");
  });

  it("records an exit it learns of before the context's creation", () => {
    const run = new SessionContexts("s1", "run");
    run.markExited({ id: 9, name: "late", reason: "Terminated", message: "" });
    assert.equal(run.get(9)?.name, "late");
    assert.equal(run.get(9)?.state, "exited");
  });

  it("keeps a bounded history per context, one sample per instant", () => {
    const run = new SessionContexts("s1", "run");
    run.upsert(contextInfo(1, { stats: { heapBytesUsed: 10 } }), 1000);
    run.upsert(contextInfo(1, { stats: { heapBytesUsed: 20 } }), 1000);
    run.upsert(contextInfo(1, { stats: { heapBytesUsed: 30, stepsExecuted: 900 } }), 1500);
    assert.deepEqual(run.historyOf(1), [
      { t: 0, heapBytesUsed: 20, stepsExecuted: 500, tasks: 1 },
      { t: 500, heapBytesUsed: 30, stepsExecuted: 900, tasks: 1 },
    ]);
    for (let i = 0; i < HISTORY_LENGTH + 10; i++) run.upsert(contextInfo(1, { stats: { stepsExecuted: i } }), 2000 + i);
    const history = run.historyOf(1);
    assert.equal(history.length, HISTORY_LENGTH);
    assert.equal(history[history.length - 1].stepsExecuted, HISTORY_LENGTH + 9);
    assert.deepEqual(run.historyOf(42), []);
  });
});
