/**
 * The test runner every kata test runs in: vitest's own, with one addition for the grader's
 * guard (tools/lib/guard.ts). The guard compares the built-ins and the test machinery with its
 * record after every test; done in an `afterEach`, that comes after any `afterEach` of the code
 * under test (vitest runs after-hooks last registered first), which could have put back a patch
 * its `beforeEach` made for the test alone (`Object.is = () => true`). A runner is told the moment
 * a test's body is over, before any hook: the guard's check runs then.
 *
 * The guard offers its check through a global function this runner defines, which cannot be
 * replaced; the runner keeps the first check offered while a file is being collected, and the
 * guard is a setup file, imported before the test file and so before any code of the learner's.
 */
import { TestRunner, type RunnerTestCase, type RunnerTestFile } from 'vitest';

type Check = (file: string, name: string) => void;

/** vitest's test runner, which also runs the guard's check as soon as each test's body is over. */
export default class GuardedRunner extends TestRunner {
  /**
   * The guard's check for each test file, by path: the first one offered while it was collected.
   * A record without a prototype, not a Map: code under test could swap `Map.prototype.get` for
   * the length of a test, and no check would be found.
   */
  private readonly checks: Record<string, Check> = Object.create(null) as Record<string, Check>;
  private collecting: string | undefined;

  constructor(...args: ConstructorParameters<typeof TestRunner>) {
    super(...args);
    const offered = (check: Check): void => {
      if (this.collecting !== undefined && !(this.collecting in this.checks)) this.checks[this.collecting] = check;
    };
    const key = Symbol.for('kubekata.guard.offer-check');
    if (!Object.getOwnPropertyDescriptor(globalThis, key)) {
      Object.defineProperty(globalThis, key, { value: offered, writable: false, configurable: false, enumerable: false });
    }
  }

  override onCollectStart(file: RunnerTestFile): void {
    super.onCollectStart(file);
    this.collecting = file.filepath;
  }

  /** Called by vitest after the test's body, pass or fail, and before its `afterEach` hooks. */
  onTaskFinished(test: RunnerTestCase): void {
    this.checks[test.file.filepath]?.(test.file.filepath, test.name);
  }
}
