/**
 * `test.prop` and `fc` for the workbook's tests: the API of `@fast-check/vitest`, without its cost.
 *
 * Why not `@fast-check/vitest` itself: version 0.5.0 builds every chained variant of vitest 4's
 * `test` (skip, only, concurrent, sequential, fails, ... and their combinations) eagerly when it is
 * imported, which took 2.5–4.4 s of every test file's start (a file that imports only vitest starts
 * in 0.3 s). The workbook uses one thing from it, `test.prop(arbitraries, params?)(name, body)`,
 * which is `fc.assert(fc.asyncProperty(...))` inside a plain vitest `test`. So that is what this is.
 *
 * It also does two things the package does not:
 * - `fc.commands` picks up `KATA_REPLAY_PATH`, so the replay line printed for a failed model-based
 *   property replays it (fast-check needs the commands' `replayPath` as well as seed and path);
 * - a property whose failing run ended in an assertion (`expect(a).toEqual(b)`) fails with that
 *   assertion's `actual` and `expected`, so the runner and vitest show the diff of the failing step
 *   instead of "expected { … } to deeply equal { … }".
 *
 * @example
 * import { fc, test } from '../support/prop.ts';
 * test.prop([fc.integer(), fc.integer()])('addition commutes', (a, b) => {
 *   expect(a + b).toBe(b + a);
 * });
 */
import * as fcBase from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { expect, test as vitestTest } from 'vitest';
import { pristineFcConfig } from '../../tools/lib/guard.ts';

type Arbitraries<Ts extends unknown[]> = { [K in keyof Ts]: fcBase.Arbitrary<Ts[K]> };
type Body<Ts extends unknown[]> = (...args: Ts) => unknown;

/** What replays one failed property: fast-check's seed and path, and for `fc.commands` its replay path. */
export interface Replay {
  seed: number;
  path: string;
  replayPath?: string;
}

/**
 * The failures to replay, by full test name ("describe > test"), from the JSON file that
 * `KATA_REPLAYS` names (the runner writes it for `npm run kata -- run NN --seed … --path …` and for
 * the integrity check that every printed replay line reproduces its failure).
 */
function replays(): Record<string, Replay> {
  const file = process.env.KATA_REPLAYS;
  if (!file || !existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Replay>;
}

/** How each `fc.commands` arbitrary was made, so that a replay can make it again with its replay path. */
const commandsMade = new WeakMap<object, (replayPath: string) => fcBase.Arbitrary<unknown>>();

/**
 * fast-check, whose `commands` remembers how it was called: a model-based property replays only
 * with the replay path fast-check printed (`/*replayPath="…"*\/` in the counterexample), and that
 * must be given to `fc.commands` itself.
 */
export const fc: typeof fcBase = {
  ...fcBase,
  commands: ((arbitraries: never, constraints: Record<string, unknown> = {}) => {
    const made = fcBase.commands(arbitraries, constraints);
    commandsMade.set(made, (replayPath) => fcBase.commands(arbitraries, { ...constraints, replayPath }));
    return made;
  }) as typeof fcBase.commands,
};
/** fast-check's types, under the same name as the value (`fc.Arbitrary<T>`, `fc.Command<M, R>`). */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace fc {
  export type Arbitrary<T> = fcBase.Arbitrary<T>;
  export type Command<Model extends object, Real> = fcBase.Command<Model, Real>;
  export type AsyncCommand<Model extends object, Real, CheckAsync extends boolean = false> = fcBase.AsyncCommand<Model, Real, CheckAsync>;
  export type Parameters<T = void> = fcBase.Parameters<T>;
  export type Scheduler<TMetaData = unknown> = fcBase.Scheduler<TMetaData>;
}

/** An assertion error's fields that make vitest and the runner print a diff. */
interface WithDiff {
  actual?: unknown;
  expected?: unknown;
  showDiff?: boolean;
}

/**
 * Runs one property and, when it fails, throws fast-check's report carrying the failing step's
 * `actual` and `expected` (when that step failed an assertion) so that a diff can be shown.
 */
async function assertProperty<Ts extends unknown[]>(given: Arbitraries<Ts>, body: Body<Ts>, givenParams: fcBase.Parameters<Ts>): Promise<void> {
  const replay = replays()[expect.getState().currentTestName ?? ''];
  const params = replay ? { ...givenParams, seed: replay.seed, path: replay.path } : givenParams;
  const arbitraries = (given as fcBase.Arbitrary<unknown>[]).map((arbitrary) => {
    const again = replay?.replayPath !== undefined ? commandsMade.get(arbitrary) : undefined;
    return again ? again(replay!.replayPath!) : arbitrary;
  });
  const property = fcBase.asyncProperty(...(arbitraries as [fcBase.Arbitrary<unknown>]), async (...args: unknown[]) => {
    await (body as Body<unknown[]>)(...args);
  });
  try {
    // The settings the guard kept from before learner code loaded: a fc.configureGlobal in it changes nothing.
    await fcBase.assert(property as unknown as fcBase.IAsyncProperty<Ts>, { ...pristineFcConfig, ...params } as fcBase.Parameters<Ts>);
  } catch (error) {
    const cause = (error as { cause?: WithDiff }).cause;
    if (error instanceof Error && cause && typeof cause === 'object' && 'expected' in cause && 'actual' in cause) {
      Object.assign(error, { actual: cause.actual, expected: cause.expected, showDiff: cause.showDiff ?? true });
    }
    throw error;
  }
}

/**
 * `test.prop(arbitraries, params?)(name, body, timeout?)`: a vitest test that checks a fast-check
 * property. The seed comes from `KATA_SEED` through `fc.configureGlobal` (test/support/setup.ts),
 * never from the test.
 */
function prop<Ts extends [unknown, ...unknown[]]>(arbitraries: Arbitraries<Ts>, params: fcBase.Parameters<Ts> = {}) {
  return (name: string, body: Body<Ts>, timeout?: number): void => {
    vitestTest(name, () => assertProperty(arbitraries, body, params), timeout);
  };
}

/** vitest's `test`, with `.prop` for properties. */
export const test = Object.assign((...args: Parameters<typeof vitestTest>): void => vitestTest(...args), { prop });
// Frozen: learner code that imports this file cannot swap `fc.assert` or `test.prop` under the tests.
Object.freeze(fc);
Object.freeze(test);
/** The same as {@link test}. */
export const it = test;
