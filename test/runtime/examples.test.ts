// The example programs in examples/inner-vm/ (the README's main job runs plugin-system.raya):
// each runs to the end with the output it documents.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { compile, run, type ContextRunStats } from "../../runtime/index";

const EXAMPLES = path.join(__dirname, "..", "..", "examples", "inner-vm");

async function runExample(name: string): Promise<{ output: string[]; stats: ContextRunStats[]; errors: string[] }> {
  const file = path.join(EXAMPLES, name);
  let stats: ContextRunStats[] = [];
  const errors: string[] = [];
  const outcome = await run(compile(fs.readFileSync(file, "utf8"), { filename: file }), {
    onStats: (rows) => (stats = rows),
    onError: (line) => errors.push(line),
  });
  return { output: outcome.output, stats, errors };
}

describe("examples/inner-vm", () => {
  it("plugin-system.raya: well-behaved plugins answer; the misbehaving ones are contained", async () => {
    const { output, stats, errors } = await runExample("plugin-system.raya");
    const text = output.join("\n");
    assert.match(text, /\[greeter\] greeting the quick brown fox\n {2}ok: Hello, the quick brown fox!/);
    assert.match(text, /\[word-count\] 7 distinct words so far\n {2}ok: 5 words/);
    assert.match(text, /plugin spinner:\n {2}contained StepBudgetExceeded: context 'spinner' exceeded its step budget of 2000000/);
    assert.match(text, /plugin hoarder:\n {2}contained HeapLimitExceeded: context 'hoarder' exceeded its heap limit of 524288 bytes/);
    assert.match(text, /plugin forker:\n {2}contained TaskLimitExceeded: context 'forker' exceeded its limit of 8 tasks/);
    assert.match(text, /plugin snoop:\n {2}refused CapabilityNotFound: capability 'readFile' is not granted to context 'snoop'/);
    assert.equal(output[output.length - 1], "2 of 6 plugins healthy; the host is still running");
    assert.deepEqual(errors, []);
    assert.deepEqual(
      stats.map((row) => [row.name, row.outcome]),
      [["main", "done"], ["greeter#1", "ready"], ["word-count#2", "ready"], ["spinner#3", "StepBudgetExceeded"],
        ["hoarder#4", "HeapLimitExceeded"], ["forker#5", "TaskLimitExceeded"], ["snoop#6", "empty"]],
    );
  });

  it("multi-tenant.raya: tenants share the scheduler; the over-budget ones stop, the others finish", async () => {
    const { output } = await runExample("multi-tenant.raya");
    assert.equal(output.length, 8);
    for (const [i, tenant] of ["free", "pro", "enterprise", "abuser"].entries()) {
      assert.match(output[i], new RegExp(`^${tenant} \\(weight \\d\\) had \\d+% of the steps so far$`));
    }
    // Every tenant got slices while the others spun (the percentages themselves depend on timing).
    for (const line of output.slice(0, 4)) assert.doesNotMatch(line, / had 0% /);
    assert.deepEqual(output.slice(4), [
      "free: stopped by StepBudgetExceeded",
      "pro: finished with 243072",
      "enterprise: finished with 243072",
      "abuser: stopped by StepBudgetExceeded",
    ]);
  });

  it("snapshot-resume.raya: the restored copy continues from the snapshot; a damaged one is refused", async () => {
    const { output } = await runExample("snapshot-resume.raya");
    assert.deepEqual(output.filter((line) => !line.startsWith("snapshot taken")), [
      "  [original] opening: 100 -> 100",
      "  [original] coffee: -4 -> 96",
      "  [original] rent: -80 -> 16",
      "  [copy] refund: 10 -> 106",
      "original: opening, coffee, rent",
      "copy:     opening, coffee, refund",
      "damaged snapshot refused: InvalidSnapshot",
    ]);
    assert.match(output[2], /^snapshot taken: \d+ bytes$/);
  });
});
