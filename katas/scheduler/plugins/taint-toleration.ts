/**
 * TaintToleration: a node's taints keep off the pods that do not tolerate them.
 * Upstream: pkg/scheduler/framework/plugins/tainttoleration, and the matching rules in
 * k8s.io/api/core/v1/toleration.go (ToleratesTaint).
 *
 * | effect | Filter | Score |
 * | --- | --- | --- |
 * | NoSchedule | an untolerated one rejects the node | — |
 * | NoExecute | an untolerated one rejects the node (and evicts running pods: kata 20) | — |
 * | PreferNoSchedule | — | the fewer untolerated ones, the better |
 *
 * @example
 * ```ts
 * tolerates({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
 *           { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' });   // true
 * tolerates({ operator: 'Exists' }, { key: 'anything', effect: 'NoExecute' }); // true: tolerates every taint
 * tolerates({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' },
 *           { key: 'dedicated', value: 'gpu', effect: 'NoExecute' });    // false: another effect
 * ```
 */
import { NotImplemented, type Pod, type Taint, type TaintEffect, type Toleration } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin, NodeScore, PreScorePlugin, ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { defaultNormalizeScore } from '../normalize-score.ts';
import { MAX_NODE_SCORE, Status } from '../status.ts';

/** The reason a node with an untolerated taint gives: `node(s) had untolerated taint {dedicated: gpu}`. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** Where PreScore leaves the pod's tolerations that matter for scoring. */
const PRE_SCORE_STATE_KEY = 'PreScoreTaintToleration';

/**
 * Does `toleration` tolerate `taint`? The rules, in order (ToleratesTaint):
 * 1. a toleration with an effect matches only taints with that effect; an empty (or absent)
 *    effect matches every effect;
 * 2. a toleration with a key matches only taints with that key; an empty (or absent) key
 *    matches every key (validation allows that only with Exists; this function does not check);
 * 3. operator `Exists`: any value matches; operator `Equal` or absent: the values must be equal
 *    (an absent value is `''`); any other operator matches nothing.
 */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  // TODO(13): effect (empty matches all), key (empty matches all), then the operator: Equal/absent compares values, Exists matches, anything else does not.
  throw new NotImplemented('13', 'tolerates');
}

/** True when at least one of `tolerations` tolerates `taint`. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  // TODO(13): true when any toleration tolerates the taint.
  throw new NotImplemented('13', 'tolerationsTolerateTaint');
}

/**
 * The first of `taints` (in the node's order) whose effect is one of `effects` and that none of
 * `tolerations` tolerates, or undefined (v1helper.FindMatchingUntoleratedTaint).
 */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly TaintEffect[]): Taint | undefined {
  // TODO(13): the first taint with one of the effects that no toleration tolerates.
  throw new NotImplemented('13', 'findUntoleratedTaint');
}

const FILTER_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'NoExecute'];

/** Filters out nodes with untolerated NoSchedule or NoExecute taints; prefers nodes with fewer untolerated PreferNoSchedule ones. */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = 'TaintToleration';

  /**
   * Success unless the node has a NoSchedule or NoExecute taint the pod does not tolerate; then
   * UnschedulableAndUnresolvable, with {@link untoleratedTaintReason} of the first such taint.
   */
  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    // TODO(13): the first untolerated NoSchedule or NoExecute taint rejects: Status.unresolvable(untoleratedTaintReason(taint)).
    throw new NotImplemented('13', 'TaintToleration.filter');
  }

  /**
   * Keeps, under the cycle state key `PRE_SCORE_STATE_KEY`, the pod's tolerations whose effect is
   * PreferNoSchedule or empty: only they can tolerate a PreferNoSchedule taint.
   */
  preScore(state: CycleState, pod: Pod): Status {
    // TODO(13): keep the tolerations whose effect is PreferNoSchedule or empty in the state.
    throw new NotImplemented('13', 'TaintToleration.preScore');
  }

  /** How many of the node's PreferNoSchedule taints the kept tolerations do not tolerate. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    // TODO(13): count the PreferNoSchedule taints the kept tolerations do not tolerate.
    throw new NotImplemented('13', 'TaintToleration.score');
  }

  /** {@link defaultNormalizeScore} reversed: the node with the fewest untolerated taints gets 100. */
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    // TODO(13): defaultNormalizeScore, reversed: the fewest untolerated taints get 100.
    throw new NotImplemented('13', 'TaintToleration.normalizeScore');
  }
}
