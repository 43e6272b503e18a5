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
import type { Pod, Taint, TaintEffect, Toleration } from '@kube/kit';
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
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator) {
    case undefined:
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** True when at least one of `tolerations` tolerates `taint`. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const toleration of tolerations) if (tolerates(toleration, taint)) return true;
  return false;
}

/**
 * The first of `taints` (in the node's order) whose effect is one of `effects` and that none of
 * `tolerations` tolerates, or undefined (v1helper.FindMatchingUntoleratedTaint).
 */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly TaintEffect[]): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if (!effects.includes(taint.effect)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
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
    const taint = findUntoleratedTaint(nodeInfo.node.spec?.taints, pod.spec?.tolerations, FILTER_EFFECTS);
    return taint ? Status.unresolvable(untoleratedTaintReason(taint)) : Status.success();
  }

  /**
   * Keeps, under the cycle state key `PRE_SCORE_STATE_KEY`, the pod's tolerations whose effect is
   * PreferNoSchedule or empty: only they can tolerate a PreferNoSchedule taint.
   */
  preScore(state: CycleState, pod: Pod): Status {
    const tolerations = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(PRE_SCORE_STATE_KEY, tolerations);
    return Status.success();
  }

  /** How many of the node's PreferNoSchedule taints the kept tolerations do not tolerate. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const taints = nodeInfo.node.spec?.taints;
    if (!taints) return 0;
    const tolerations = state.read<Toleration[]>(PRE_SCORE_STATE_KEY);
    let count = 0;
    for (const taint of taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) count++;
    }
    return count;
  }

  /** {@link defaultNormalizeScore} reversed: the node with the fewest untolerated taints gets 100. */
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  }
}
