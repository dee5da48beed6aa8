import * as assert from "node:assert/strict";
import { readContextExited, readContextInfo, readContextList, readSnapshotResponse } from "../../extension/protocol";
import { contextInfo } from "./fixtures";

describe("extension protocol readers", () => {
  it("accepts a well-formed RayaContextInfo, null limits included", () => {
    const info = contextInfo(3, { name: "plugin", parentId: 1, stats: { maxHeapBytes: 4096, maxTasks: null } });
    assert.deepEqual(readContextInfo(JSON.parse(JSON.stringify(info))), info);
  });

  it("rejects malformed contexts instead of drawing them", () => {
    const good = contextInfo(1) as unknown as Record<string, unknown>;
    const bad: unknown[] = [
      null,
      [],
      { ...good, id: "1" },
      { ...good, id: 1.5 },
      { ...good, state: "sleeping" },
      { ...good, parentId: "0" },
      { ...good, stats: { ...(good.stats as object), tasks: -1 } },
      { ...good, stats: { ...(good.stats as object), maxHeapBytes: "4 MB" } },
      { ...good, stats: undefined },
    ];
    for (const value of bad) assert.equal(readContextInfo(value), undefined, JSON.stringify(value));
  });

  it("keeps the well-formed entries of a context list", () => {
    const list = readContextList({ contexts: [contextInfo(1), { id: 2 }, contextInfo(3)] });
    assert.deepEqual(list.map((c) => c.id), [1, 3]);
    assert.deepEqual(readContextList(undefined), []);
    assert.deepEqual(readContextList({ contexts: "none" }), []);
  });

  it("reads rayaContextExited and snapshot answers", () => {
    assert.deepEqual(readContextExited({ id: 2, name: "plugin", reason: "Terminated", message: "by the debugger" }), {
      id: 2,
      name: "plugin",
      reason: "Terminated",
      message: "by the debugger",
    });
    assert.deepEqual(readContextExited({ id: 4 }), { id: 4, name: "context 4", reason: "Terminated", message: "" });
    assert.equal(readContextExited({ name: "x" }), undefined);
    assert.deepEqual(readSnapshotResponse({ path: "/w/p.rayasnap", bytes: 1200 }), { path: "/w/p.rayasnap", bytes: 1200 });
    assert.equal(readSnapshotResponse({ path: "/w/p.rayasnap" }), undefined);
  });
});
