/** The messages the events reporter sends to the runner, one per vitest happening. */
export type RunnerEvent =
  | { type: 'collected'; file: string; tests: string[]; /** each test's line in its file, null where vitest does not say */ lines?: (number | null)[] }
  | { type: 'start'; file: string; name: string }
  | {
      type: 'result';
      file: string;
      name: string;
      state: 'passed' | 'failed' | 'skipped';
      errors: SerializedFailure[];
      line?: number;
    }
  | { type: 'log'; file?: string; name?: string; stream: 'stdout' | 'stderr'; content: string }
  | { type: 'module-end'; file: string; errors: SerializedFailure[] }
  | { type: 'end'; errors: SerializedFailure[] };

/** An error as it crosses the process boundary. */
export interface SerializedFailure {
  name: string;
  message: string;
  stack: string;
  diff?: string;
  /**
   * for an error outside any test (vitest's "unhandled error"): the test file whose module was
   * running when it was thrown (vitest's VITEST_TEST_PATH), absent when none was
   */
  file?: string;
}
