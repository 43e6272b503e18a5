/**
 * The test runner every kata test runs in: vitest's own, with the grader's guard built into the
 * two places only a runner sees (the guard itself is tools/lib/guard.ts, a setup file).
 *
 * The code under test runs in the process that judges it, and vitest's record of a test is an
 * ordinary object. Three lines of kata code made every failing test pass —
 * `afterEach(({ task }) => { task.result.state = 'pass' })`, or `task.fails = true`, or a test's
 * function swapped for one that does nothing (`setFn`). Kata code may not import vitest
 * (tools/lib/targets.ts refuses it), but the current test is reachable without it
 * (`globalThis.__vitest_worker__.current`). So the runner keeps its own record, in fields no other
 * code can reach (`#private`), and vitest's record is made to agree with it:
 *
 * 1. **A test runs the function it was collected with.** Each test's function is noted once the
 *    file is collected, before any hook of the file has run; the runner calls that one, and a test
 *    whose function was replaced since fails, flagged. So does a test that vitest found no place
 *    for in its test file (`includeTaskLocation`): one the code under test added while the file
 *    loaded — with vitest's `test`, found in the worker's module cache
 *    (`__vitest_worker__.evaluatedModules`, test/support/prop.ts) — whose passes would have raised
 *    its kata's pass rate. (vitest looks for the file in the ten innermost frames of the call: a
 *    test written in the file, or in a helper the file calls, has its place; kata code is at
 *    least two imports away from the test file, which costs more frames than that.)
 * 2. **A test passes only if its body did.** The moment the body is over — pass or fail, before
 *    any `afterEach` — the runner notes how it went (and runs the guard's check then, so that an
 *    `afterEach` cannot put back a patch made for the length of the test). When vitest is done
 *    with the test, a test it calls passed whose body did not (or `fails` set on it since) is
 *    failed, flagged, and the result is frozen before it is sent to the reporter.
 *
 * Flagged means written to the file named by `KATA_GUARD_FILE`, as the guard does: the grader
 * scores the kata 0 and says what was changed.
 */
import { appendFileSync } from 'node:fs';
import { TestRunner, type RunnerTask, type RunnerTestCase, type RunnerTestFile } from 'vitest';

type Check = (file: string, name: string) => void;
type Collected = { fn: unknown; fails: boolean; added: boolean };
type TestResult = NonNullable<RunnerTestCase['result']>;

const append = appendFileSync;
const freeze = Object.freeze;
const guardFile = process.env.KATA_GUARD_FILE;
const OFFER = Symbol.for('kubekata.guard.offer-check');

/** vitest's test runner, which keeps its own record of each test's function and outcome. */
export default class GuardedRunner extends TestRunner {
  // Records without a prototype, not Maps: code under test could swap `Map.prototype.get` for the
  // length of a test, and the runner would find nothing.
  /** The guard's check for each test file, by path: the first one offered while it was collected. */
  #checks: Record<string, Check> = Object.create(null) as Record<string, Check>;
  /** Each test's function and `fails` flag as collected, and whether other code than its file added it, by test id. */
  #collected: Record<string, Collected> = Object.create(null) as Record<string, Collected>;
  /** How each test's body went, by test id: its state and errors when the body was over. */
  #bodies: Record<string, { state: string | undefined; errors: readonly unknown[] }> = Object.create(null) as Record<string, { state: string | undefined; errors: readonly unknown[] }>;
  #collecting: string | undefined;

  constructor(...args: ConstructorParameters<typeof TestRunner>) {
    super(...args);
    const offered = (check: Check): void => {
      if (this.#collecting !== undefined && !(this.#collecting in this.#checks)) this.#checks[this.#collecting] = check;
    };
    if (!Object.getOwnPropertyDescriptor(globalThis, OFFER)) {
      Object.defineProperty(globalThis, OFFER, { value: offered, writable: false, configurable: false, enumerable: false });
    }
  }

  override onCollectStart(file: RunnerTestFile): void {
    super.onCollectStart(file);
    this.#collecting = file.filepath;
  }

  /** Notes every test's function and `fails` flag, before any hook of the file runs. */
  onCollected(files: RunnerTestFile[]): void {
    const visit = (task: RunnerTask): void => {
      // vitest notes where in the test file each test was written (includeTaskLocation); a test
      // without a place there was added by other code, such as the code under test.
      if (task.type === 'test') this.#collected[task.id] = { fn: TestRunner.getTestFn(task), fails: task.fails === true, added: this.config.includeTaskLocation === true && !task.location };
      else if ('tasks' in task) for (const child of task.tasks) visit(child);
    };
    for (const file of files) visit(file);
  }

  /** Runs the test's function as collected (vitest calls this instead of looking the function up). */
  async runTask(test: RunnerTestCase): Promise<void> {
    const collected = this.#collected[test.id];
    if (!collected) throw new Error(`kubekata's test runner has no record of the test "${test.name}"`);
    if (collected.added) this.#tampered(test, 'the test is not written in its test file: other code (the code under test) added it while the file was loaded');
    if (TestRunner.getTestFn(test) !== collected.fn) this.#tampered(test, "the test's function was replaced after the tests were collected");
    await (collected.fn as () => unknown)();
  }

  /** Called by vitest when the test's body is over, pass or fail, before its `afterEach` hooks. */
  onTaskFinished(test: RunnerTestCase): void {
    try {
      this.#checks[test.file.filepath]?.(test.file.filepath, test.name);
    } catch (error) {
      this.#bodies[test.id] = { state: 'fail', errors: [...(test.result?.errors ?? []), error] };
      throw error;
    }
    this.#bodies[test.id] = { state: test.result?.state, errors: [...(test.result?.errors ?? [])] };
  }

  /** Called by vitest when it is done with the test, before the result goes to the reporter. */
  override onAfterRunTask(test: RunnerTask): void {
    super.onAfterRunTask(test);
    if (test.type !== 'test' || !test.result) return;
    const body = this.#bodies[test.id];
    const collected = this.#collected[test.id];
    if (body && collected) {
      const shouldPass = collected.fails ? body.state === 'fail' : body.state === 'pass';
      if (test.result.state === 'pass' && !shouldPass) {
        const what =
          (test.fails === true) !== collected.fails
            ? "the test was marked as one expected to fail (test.fails) while it ran"
            : 'the result of a test whose body failed was changed to a pass';
        test.result = { ...test.result, state: 'fail', errors: [...(body.errors as TestResult['errors'] & unknown[]), this.#report(test, what)] };
      }
    }
    if (test.result.errors) freeze(test.result.errors);
    freeze(test.result);
  }

  /** Fails the test now, flagged. */
  #tampered(test: RunnerTestCase, what: string): never {
    throw new Error(this.#report(test, what).message);
  }

  /** Writes the flag for the grader and returns the error to show. */
  #report(test: RunnerTestCase, what: string): { name: string; message: string; stack: string } {
    if (guardFile) append(guardFile, `${JSON.stringify({ file: test.file.filepath, name: test.name, what })}\n`);
    const message = `The code under test changed how the test runs, so this kata cannot be scored: ${what}. Kata code must not modify built-ins, the process, vitest, chai or fast-check.`;
    return { name: 'Error', message, stack: `Error: ${message}` };
  }
}
