/**
 * The normalization most Score plugins share (kube-scheduler's
 * pkg/scheduler/framework/plugins/helper/normalize_score.go).
 *
 * @example
 * ```ts
 * const scores = [{ name: 'a', score: 0 }, { name: 'b', score: 1 }, { name: 'c', score: 3 }];
 * defaultNormalizeScore(100, false, scores); // scores: 0, 33, 100
 * defaultNormalizeScore(100, true, [{ name: 'a', score: 0 }, { name: 'b', score: 2 }]); // 100, 0
 * ```
 */
import { NotImplemented } from '@kube/kit';
import type { NodeScore } from './framework.ts';

/**
 * Rescales `scores`, in place, so that the highest becomes `maxPriority`:
 * `score = trunc(maxPriority * score / max)` (Go's integer division), then, with `reverse`,
 * `score = maxPriority - score` (the fewest, the best).
 *
 * When every score is 0 (max is 0): with `reverse` every score becomes `maxPriority`; without,
 * they stay 0.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  // TODO(13): scale to maxPriority by the highest score (Math.trunc), reverse if asked; all 0: maxPriority when reversed.
  throw new NotImplemented('13', 'defaultNormalizeScore');
}
