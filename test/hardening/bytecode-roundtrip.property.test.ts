// Property: encoding a compiled random program to .rbc bytes and loading them back is the
// identity — re-encoding the loaded program gives the same bytes, and it runs to the same
// output and result as the program that was never encoded.
import * as assert from "node:assert";
import fc from "fast-check";
import { encodeProgram, loadProgram } from "../../runtime";
import { programArbitrary } from "./program-gen";
import { compileRaya, runRaya } from "./differential";
import { recordCases } from "./report";
import { fuzzParameters, timeoutFor } from "./fuzz-config";

const DEFAULT_RUNS = 100;

describe("hardening: bytecode encode/decode round trip", function () {
  this.timeout(timeoutFor(DEFAULT_RUNS));

  it("load(encode(p)) re-encodes byte-identically and runs the same", async () => {
    await fc.assert(
      fc.asyncProperty(programArbitrary(), async (source) => {
        const program = compileRaya(source);
        const bytes = encodeProgram(program);
        const loaded = loadProgram(bytes);
        const again = encodeProgram(loaded);
        assert.ok(Buffer.from(again).equals(Buffer.from(bytes)), `re-encoding differs (${bytes.length} vs ${again.length} bytes)\n${source}`);
        assert.deepStrictEqual(await runRaya(loaded), await runRaya(program), `the loaded program runs differently\n${source}`);
      }),
      fuzzParameters(DEFAULT_RUNS),
    );
    recordCases("hardening: bytecode encode/decode round trip", fuzzParameters(DEFAULT_RUNS).numRuns ?? DEFAULT_RUNS);
  });
});
