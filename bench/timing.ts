// How every benchmark times an action: the median of several runs, since single timings on
// shared machines are noise.

/** Median wall time in milliseconds of `repetitions` runs of `action` (awaited if it returns a promise). */
export async function medianMs(repetitions: number, action: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const start = process.hrtime.bigint();
    await action();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
