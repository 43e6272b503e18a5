/**
 * How a test that was not run after its file's code ran out of time is reported, in one place:
 * the guard says it from inside the worker (tools/lib/guard.ts), the runner from outside, when it
 * stops a worker stuck in a test (tools/lib/runner.ts). Both must say the same words, so that a
 * learner's results do not depend on which of them noticed.
 *
 * @example
 * ```ts
 * loopsGivenUp(2); // "not run: this kata's code already ran out of time in 2 tests (...) ..."
 * ```
 */
export function loopsGivenUp(count: number): string {
  return `not run: this kata's code already ran out of time in ${count} tests (a loop that never ends, or a promise never resolved), so its remaining tests are counted as timed out without running. Fix the loop and grade again.`;
}
