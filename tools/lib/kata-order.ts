/**
 * The order test files run in when they share one worker (the grader's, see tools/lib/runner.ts):
 * by kata number, which starts each file's name. Fixed, so that what one file's code leaves behind
 * for the next is the same every time the submission is graded — alone or with its class.
 *
 * vitest's own sequencer orders by the durations of earlier runs, kept in its cache: two gradings
 * of the same submission could then run its files in different orders.
 *
 * @example
 * ['test/kubelet/23-pod-sync.test.ts', 'test/etcd/01-kv.test.ts'].sort(byKataNumber)
 * // → ['test/etcd/01-kv.test.ts', 'test/kubelet/23-pod-sync.test.ts']
 */
import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Compares two test files by their names (`01-kv.test.ts`), then by their whole paths. */
export function byKataNumber(a: string, b: string): number {
  const byName = basename(a).localeCompare(basename(b));
  return byName !== 0 ? byName : a.localeCompare(b);
}

/** vitest's sequencer for files that share a worker: kata order, whatever ran before. */
export class KataOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => byKataNumber(a.moduleId, b.moduleId));
  }
}
