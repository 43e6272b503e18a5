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
import { NotImplemented, type Random } from '@kube/kit';
import type { NodePluginScores } from './framework.ts';

/**
 * The name of a node with the highest total score; among ties, each equally likely.
 *
 * @throws Error when `scores` is empty (there is nothing to choose: a caller's bug)
 */
export function selectHost(scores: readonly NodePluginScores[], random: Random): string {
  // TODO(16): the node with the highest totalScore; among ties, reservoir sampling: the k-th tied node
  // TODO(16): replaces the choice when random.int(1, k) === 1 (so every tied node is equally likely). Empty: throw.
  throw new NotImplemented('16', 'selectHost');
}
