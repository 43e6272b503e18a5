/**
 * Choosing among the best nodes (kube-scheduler's `selectHost`, pkg/scheduler/schedule_one.go).
 *
 * Many nodes often share the best score (an empty cluster: all of them). Always taking the first
 * would pile pods onto the same nodes in the same order; upstream picks one of the tied nodes at
 * random, with reservoir sampling (one pass, each tied node equally likely). The randomness is the
 * kit's seeded {@link Random}, so a run is the same every time with the same seed.
 *
 * @example
 * ```ts
 * selectHost([{ name: 'a', totalScore: 10, scores: [] }, { name: 'b', totalScore: 30, scores: [] }], random); // 'b'
 * selectHost([{ name: 'a', totalScore: 30, ... }, { name: 'b', totalScore: 30, ... }], random);          // 'a' or 'b', as the seed says
 * ```
 */
import type { Random } from '@kube/kit';
import type { NodePluginScores } from './framework.ts';

/**
 * The name of a node with the highest total score; among ties, each equally likely.
 *
 * @throws Error when `scores` is empty (there is nothing to choose: a caller's bug)
 */
export function selectHost(scores: readonly NodePluginScores[], random: Random): string {
  if (scores.length === 0) throw new Error('selectHost: no scored nodes to choose from');
  let chosen = scores[0]!;
  let ties = 1;
  for (let i = 1; i < scores.length; i++) {
    const candidate = scores[i]!;
    if (candidate.totalScore > chosen.totalScore) {
      chosen = candidate;
      ties = 1;
    } else if (candidate.totalScore === chosen.totalScore) {
      // Reservoir sampling: the k-th tied node replaces the choice with probability 1/k.
      ties++;
      if (random.int(1, ties) === 1) chosen = candidate;
    }
  }
  return chosen.name;
}
