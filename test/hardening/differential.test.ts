// Differential test of the whole compiler: random well-typed programs (program-gen.ts) must
// print the same lines and return the same result when compiled and run by Raya as when run
// as JavaScript in node:vm. RAYA_FUZZ_RUNS scales it up, RAYA_FUZZ_SEED changes the seed.
import * as assert from "node:assert";
import fc from "fast-check";
import { BLOCK_KINDS, programArbitrary, type BlockKind } from "./program-gen";
import { checkAgainstJavaScript, compileRaya, differences, runJavaScript, runRaya } from "./differential";
import { recordCases } from "./report";
import { fuzzParameters, timeoutFor } from "./fuzz-config";

const DEFAULT_RUNS = 200;

describe("hardening: differential (Raya vs JavaScript)", function () {
  this.timeout(timeoutFor(DEFAULT_RUNS));

  it("random well-typed programs give the same output and result as in JavaScript", async () => {
    await fc.assert(fc.asyncProperty(programArbitrary(), checkAgainstJavaScript), fuzzParameters(DEFAULT_RUNS));
    recordCases("hardening: differential (Raya vs JavaScript)", fuzzParameters(DEFAULT_RUNS).numRuns ?? DEFAULT_RUNS);
  });

  // The comparison itself must be able to fail, or the property above proves nothing.
  it("notices a difference in output, result or error", async () => {
    const raya = await runRaya(compileRaya('console.log("a", 0.1 + 0.2);\nreturn [1, 2.5];\n'));
    assert.deepStrictEqual(differences(raya, runJavaScript('console.log("a", 0.1 + 0.2);\nreturn [1, 2.5];\n')), []);
    assert.strictEqual(differences(raya, runJavaScript('console.log("a", 0.3);\nreturn [1, 2.5];\n')).length, 1);
    assert.strictEqual(differences(raya, runJavaScript('console.log("a", 0.1 + 0.2);\nreturn [1];\n')).length, 1);
    assert.strictEqual(differences(raya, runJavaScript('console.log("a", 0.1 + 0.2);\nthrow new Error("x");\n')).length, 2);
  });

  it("reports a program the checker rejects, with its source", () => {
    assert.throws(() => compileRaya('let x: number = "s";\n'), /does not compile:[\s\S]*--- program ---\nlet x/);
  });

  it("every block kind compiles and agrees with JavaScript on its own", async () => {
    for (const kind of Object.keys(BLOCK_KINDS) as BlockKind[]) {
      const programs = fc.sample(programArbitrary({ kinds: [kind], maxBlocks: 2 }), { numRuns: 5, seed: 1 });
      for (const source of programs) await checkAgainstJavaScript(source);
    }
  });
});
