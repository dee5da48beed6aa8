import * as assert from "node:assert/strict";
import {
  contextGauges,
  contextLevel,
  contextSummary,
  contextTooltipLines,
  gaugeRowText,
  formatBytes,
  formatCount,
  fractionOf,
  levelOf,
  stateText,
  statusBarText,
  textBar,
  totalsOf,
} from "../../extension/gauges";
import { contextInfo } from "./fixtures";

describe("extension gauges", () => {
  it("writes sizes in binary units, one decimal below 10", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(1024), "1 KB");
    assert.equal(formatBytes(1536), "1.5 KB");
    assert.equal(formatBytes(1.2 * 1024 * 1024), "1.2 MB");
    assert.equal(formatBytes(4 * 1024 * 1024), "4 MB");
    assert.equal(formatBytes(300 * 1024 * 1024), "300 MB");
    assert.equal(formatBytes(3 * 1024 ** 3), "3 GB");
  });

  it("separates thousands with commas whatever the locale", () => {
    assert.equal(formatCount(0), "0");
    assert.equal(formatCount(999), "999");
    assert.equal(formatCount(12345), "12,345");
    assert.equal(formatCount(1_000_000), "1,000,000");
    assert.equal(formatCount(-1234), "-1,234");
  });

  it("measures a gauge against its limit, clamped, and levels it at 75% and 90%", () => {
    assert.equal(fractionOf(5, null), null);
    assert.equal(fractionOf(5, 10), 0.5);
    assert.equal(fractionOf(15, 10), 1);
    assert.equal(fractionOf(1, 0), 1);
    assert.equal(levelOf(null), "normal");
    assert.equal(levelOf(0.74), "normal");
    assert.equal(levelOf(0.75), "warning");
    assert.equal(levelOf(0.89), "warning");
    assert.equal(levelOf(0.9), "critical");
  });

  it("draws text bars of the given width", () => {
    assert.equal(textBar(0), "▱▱▱▱▱▱▱▱▱▱");
    assert.equal(textBar(0.3), "▰▰▰▱▱▱▱▱▱▱");
    assert.equal(textBar(1, 4), "▰▰▰▰");
    assert.equal(textBar(2, 4), "▰▰▰▰");
  });

  it("writes the three gauges of a context as the protocol's Context scope does", () => {
    const info = contextInfo(2, {
      stats: { heapBytesUsed: 1.2 * 1024 * 1024, maxHeapBytes: 4 * 1024 * 1024, tasks: 3, maxTasks: 10, stepsExecuted: 12345, maxStepBudget: 1_000_000 },
    });
    const [heap, tasks, steps] = contextGauges(info);
    assert.equal(heap.text, "heap 1.2 MB / 4 MB (30%)");
    assert.equal(tasks.text, "tasks 3 / 10");
    assert.equal(steps.text, "steps 12,345 / 1,000,000 (1%)");
    assert.equal(heap.exact, "1,258,291 of 4,194,304 bytes (30.0%)");
    assert.equal(contextLevel(info), "normal");
  });

  it("leaves the limit and percentage out of unlimited gauges", () => {
    const [heap, tasks, steps] = contextGauges(contextInfo(1, { stats: { heapBytesUsed: 2048, tasks: 2, stepsExecuted: 1500 } }));
    assert.deepEqual([heap.text, tasks.text, steps.text], ["heap 2 KB", "tasks 2", "steps 1,500"]);
    assert.equal(heap.exact, "2,048 bytes (no limit)");
    assert.equal(heap.fraction, null);
  });

  it("colours a context by its fullest gauge", () => {
    const nearTasks = contextInfo(1, { stats: { tasks: 8, maxTasks: 10 } });
    const nearSteps = contextInfo(1, { stats: { stepsExecuted: 950, maxStepBudget: 1000 } });
    assert.equal(contextLevel(nearTasks), "warning");
    assert.equal(contextLevel(nearSteps), "critical");
  });

  it("names an exited context's reason, and gives a row's exact figures for its tooltip", () => {
    const exited = contextInfo(2, { state: "exited", exitReason: "StepBudgetExceeded", stats: { stepsExecuted: 100, maxStepBudget: 100 } });
    assert.equal(stateText(exited), "exited (StepBudgetExceeded)");
    assert.equal(stateText(contextInfo(2, { state: "exited" })), "exited");
    assert.deepEqual(contextTooltipLines(contextInfo(3, { name: "p", parentId: 1 })), [
      "p #3 — running",
      "parent context #1",
      "heap: 1,000 bytes (no limit)",
      "tasks: 1 (no limit)",
      "steps: 500 (no limit)",
    ]);
  });

  it("summarises a row in a few words and gives each gauge row a bar", () => {
    const info = contextInfo(2, {
      stats: { heapBytesUsed: 1.2 * 1024 * 1024, maxHeapBytes: 4 * 1024 * 1024, tasks: 3, maxTasks: 10, stepsExecuted: 1388 },
    });
    assert.equal(contextSummary(info), "running · heap 30% · tasks 3/10");
    assert.equal(contextSummary(contextInfo(1, { state: "paused" })), "paused");
    assert.equal(contextSummary(contextInfo(2, { state: "exited", exitReason: "Terminated" })), "exited (Terminated)");
    const [heap, , steps] = contextGauges(info);
    assert.equal(gaugeRowText(heap), "1.2 MB / 4 MB (30%) ▰▰▰▱▱▱▱▱▱▱");
    assert.equal(gaugeRowText(steps), "1,388 (no limit)");
  });

  it("sums live contexts for the status bar, saying how many are paused", () => {
    const totals = totalsOf([
      contextInfo(1, { stats: { heapBytesUsed: 1024 * 1024, tasks: 2 } }),
      contextInfo(2, { state: "paused", stats: { heapBytesUsed: 200 * 1024, tasks: 3 } }),
      contextInfo(3, { state: "exited", stats: { heapBytesUsed: 999_999, tasks: 9 } }),
    ]);
    assert.deepEqual(totals, { liveContexts: 2, pausedContexts: 1, tasks: 5, heapBytes: 1024 * 1024 + 200 * 1024 });
    assert.equal(statusBarText(totals), "Raya: 2 contexts · 5 tasks · 1.2 MB · 1 paused");
    assert.equal(statusBarText(totalsOf([contextInfo(1)])), "Raya: 1 context · 1 task · 1000 B");
  });
});
