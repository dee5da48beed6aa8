// Scale and seed of the property tests, from the environment:
//   RAYA_FUZZ_RUNS  programs per property (default: the suite's small default)
//   RAYA_FUZZ_SEED  fast-check seed (default: fixed, so `npm test` is reproducible)
// A failing property prints its seed and the shrunk counterexample; re-run with that
// RAYA_FUZZ_SEED to reproduce it.
import type { Parameters } from "fast-check";

export const DEFAULT_SEED = 20261125;

export function fuzzParameters<T>(defaultRuns: number): Parameters<T> {
  return {
    numRuns: positiveInteger(process.env.RAYA_FUZZ_RUNS) ?? defaultRuns,
    seed: integer(process.env.RAYA_FUZZ_SEED) ?? DEFAULT_SEED,
    endOnFailure: false,
  };
}

/** Mocha timeout for a property of `runs` programs, allowing ~250 ms per program. */
export function timeoutFor(defaultRuns: number): number {
  const runs = positiveInteger(process.env.RAYA_FUZZ_RUNS) ?? defaultRuns;
  return 30_000 + runs * 250;
}

function integer(text: string | undefined): number | null {
  if (text === undefined || text.trim() === "") return null;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(`expected an integer, got '${text}'`);
  return value;
}

function positiveInteger(text: string | undefined): number | null {
  const value = integer(text);
  if (value !== null && value <= 0) throw new Error(`expected a positive integer, got '${text}'`);
  return value;
}
