/** One benchmark: set-up outside the clock, then `run`, which returns how many operations it did. */
export interface Bench {
  name: string;
  setup?: () => unknown | Promise<unknown>;
  run: (state: unknown) => number | Promise<number>;
}

/** Runs a benchmark once to warm up and once measured (wall-clock time: benchmarks only). */
export async function measure(bench: Bench): Promise<{ ops: number; seconds: number }> {
  await bench.run(await bench.setup?.());
  const state = await bench.setup?.();
  const start = process.hrtime.bigint();
  const ops = await bench.run(state);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { ops, seconds };
}
