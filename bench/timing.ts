// How every benchmark times an action: the median of several runs, since single timings on
// shared machines are noise.

/** Median wall time in milliseconds of `repetitions` runs of `action` (awaited if it returns a promise). */
export async function medianMs(repetitions: number, action: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) times.push(await timeMs(action));
  return median(times);
}

/** Wall time in milliseconds of one run of `action` (awaited if it returns a promise). */
export async function timeMs(action: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The middle value (the upper one of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
