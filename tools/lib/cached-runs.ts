/**
 * Kata results for the learner's CLI, from the {@link ResultCache} where nothing a kata's tests
 * run has changed, and from a test run for the rest (one run for all of them).
 *
 * @example
 * const runs = new CachedRuns({ seed, borrowed: [] });
 * runs.cached(katas)                 // what is known without running anything (undefined: stale)
 * await runs.results(katas)          // every kata, running only the stale ones
 */
import type { Kata } from './katas.ts';
import { byKata, type KataResult } from './report.ts';
import { ResultCache, kataKey } from './result-cache.ts';
import { runTests, type RunOptions } from './runner.ts';

/** How the katas are run: the seed, the borrowed components, who runs the tests. */
export interface CachedRunsOptions {
  seed: number;
  borrowed: string[];
  /** extra run options (a warm host's `start`, a replay) */
  run?: Partial<RunOptions>;
  cache?: ResultCache;
}

/** Kata results, cached by the content of what each kata's tests run. */
export class CachedRuns {
  readonly cache: ResultCache;

  constructor(private readonly options: CachedRunsOptions) {
    this.cache = options.cache ?? new ResultCache();
  }

  private get env(): Record<string, string> {
    return { KATA_BORROWED: this.options.borrowed.join(',') };
  }

  /** The key of a kata's results now (changes with any file its tests run). */
  key(kata: Kata): string {
    return kataKey(kata, { seed: this.options.seed, env: this.env });
  }

  /** Each kata's cached result, or undefined where it must run again. */
  cached(katas: Kata[]): (KataResult | undefined)[] {
    return katas.map((kata) => {
      const hit = this.cache.get(kata.number, this.key(kata));
      if (!hit) return undefined;
      return byKata([kata], { tests: hit.tests, problems: hit.problems.map((p) => `${kata.test}: ${p}`) })[0];
    });
  }

  /** Runs the katas (all of them, cached or not) and keeps their results. */
  async run(katas: Kata[], extra: Partial<RunOptions> = {}): Promise<KataResult[]> {
    if (katas.length === 0) return [];
    // Keys first: a file saved while the tests run makes the next key differ, never a wrong hit.
    const keys = katas.map((k) => this.key(k));
    const report = await runTests({
      files: katas.map((k) => k.test),
      seed: this.options.seed,
      maxWorkers: 2,
      env: this.env,
      ...this.options.run,
      ...extra,
    });
    const results = byKata(katas, report);
    // A kata's result is kept when all of its tests ran, with its problems (an error outside any
    // test is the problem of the file that was running; one outside every file is shown with the
    // run and says nothing about any kata's tests).
    if (extra.testNamePattern === undefined && extra.replays === undefined) {
      results.forEach((r, i) => {
        if (r.tests.length > 0 && r.tests.every((t) => t.status !== 'error')) this.cache.set(r.kata.number, keys[i]!, r.tests, r.problems);
      });
      this.cache.save();
    }
    return results;
  }

  /** Every kata's result: the cached ones as they are, the stale ones run now (in one run). */
  async results(katas: Kata[]): Promise<KataResult[]> {
    const known = this.cached(katas);
    const stale = katas.filter((_, i) => known[i] === undefined);
    const fresh = await this.run(stale);
    return katas.map((k, i) => known[i] ?? fresh.find((r) => r.kata === k)!);
  }
}
