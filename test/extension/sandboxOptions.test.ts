import * as assert from "node:assert/strict";
import * as path from "node:path";
import {
  defaultSnapshotPath,
  describeLimits,
  LIMIT_PRESETS,
  limitInputValue,
  parseCountLimit,
  parseHeapLimit,
  sandboxConfiguration,
  snapshotConfiguration,
} from "../../extension/sandboxOptions";

describe("extension sandbox options", () => {
  it("reads heap limits with units, and empty as no limit", () => {
    assert.deepEqual(parseHeapLimit("4 MB"), { ok: true, value: 4 * 1024 * 1024 });
    assert.deepEqual(parseHeapLimit("512kb"), { ok: true, value: 512 * 1024 });
    assert.deepEqual(parseHeapLimit("1.5 GB"), { ok: true, value: 1.5 * 1024 ** 3 });
    assert.deepEqual(parseHeapLimit("1,048,576"), { ok: true, value: 1048576 });
    assert.deepEqual(parseHeapLimit("2m"), { ok: true, value: 2 * 1024 * 1024 });
    assert.deepEqual(parseHeapLimit("  "), { ok: true, value: undefined });
  });

  it("explains a heap limit it cannot read", () => {
    for (const input of ["lots", "4 TB", "-1", "4 MB MB"]) {
      const parsed = parseHeapLimit(input);
      assert.equal(parsed.ok, false, input);
      if (!parsed.ok) assert.match(parsed.message, /Type a size such as 4 MB/);
    }
    const zero = parseHeapLimit("0");
    assert.ok(!zero.ok && /at least 1/.test(zero.message));
  });

  it("reads counts with separators and refuses fractions, negatives and huge values", () => {
    assert.deepEqual(parseCountLimit("1,000,000", "The step budget"), { ok: true, value: 1_000_000 });
    assert.deepEqual(parseCountLimit("1_000", "The step budget"), { ok: true, value: 1000 });
    assert.deepEqual(parseCountLimit("", "The task limit"), { ok: true, value: undefined });
    const fraction = parseCountLimit("2.5", "The task limit");
    assert.ok(!fraction.ok && fraction.message.startsWith("The task limit must be a whole number"));
    assert.equal(parseCountLimit("-3", "The task limit").ok, false);
    assert.equal(parseCountLimit("0", "The task limit").ok, false);
    const huge = parseCountLimit("9".repeat(20), "The step budget");
    assert.ok(!huge.ok && /too large/.test(huge.message));
  });

  it("round-trips the values shown in the input boxes", () => {
    for (const preset of LIMIT_PRESETS) {
      const { maxHeapBytes, maxTasks, maxStepBudget } = preset.limits;
      const heap = parseHeapLimit(limitInputValue("heap", maxHeapBytes));
      assert.deepEqual(heap, { ok: true, value: maxHeapBytes }, preset.label);
      assert.deepEqual(parseCountLimit(limitInputValue("count", maxTasks), "t"), { ok: true, value: maxTasks });
      assert.deepEqual(parseCountLimit(limitInputValue("count", maxStepBudget), "s"), { ok: true, value: maxStepBudget });
    }
  });

  it("describes presets", () => {
    assert.equal(describeLimits(LIMIT_PRESETS[0].limits), "heap 4 MB · 16 tasks · 1,000,000 steps");
    assert.equal(describeLimits({}), "no limits");
  });

  it("builds the sandbox and snapshot launch configurations of the protocol", () => {
    const program = path.join(path.sep, "w", "plugin.raya");
    assert.deepEqual(sandboxConfiguration(program, { maxTasks: 4 }, ["log"]), {
      type: "raya",
      request: "launch",
      name: "Sandbox: plugin.raya",
      program,
      cwd: path.dirname(program),
      sandbox: true,
      limits: { maxTasks: 4 },
      capabilities: ["log"],
      stopOnEntry: false,
    });
    const snap = path.join(path.sep, "w", "plugin-2.rayasnap");
    const config = snapshotConfiguration(snap);
    assert.equal(config.snapshot, snap);
    assert.equal(config.program, undefined);
    assert.equal(config.name, "Snapshot: plugin-2.rayasnap");
  });

  it("proposes a file-safe snapshot name", () => {
    assert.equal(defaultSnapshotPath("/w", "plugin", 2), path.join("/w", "plugin-2.rayasnap"));
    assert.equal(defaultSnapshotPath("/w", "../evil name", 3), path.join("/w", "evil_name-3.rayasnap"));
    assert.equal(defaultSnapshotPath("/w", "...", 4), path.join("/w", "context-4.rayasnap"));
  });
});
