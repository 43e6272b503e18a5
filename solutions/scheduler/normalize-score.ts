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
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    const scaled = Math.trunc((maxPriority * s.score) / max);
    s.score = reverse ? maxPriority - scaled : scaled;
  }
}
