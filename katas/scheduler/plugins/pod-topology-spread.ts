/**
 * PodTopologySpread: spread matching pods evenly over topology domains (zones, nodes).
 * Upstream: pkg/scheduler/framework/plugins/podtopologyspread (filtering.go, scoring.go).
 *
 * For a constraint `{ maxSkew, topologyKey, whenUnsatisfiable, labelSelector }`, the **skew** of
 * placing the pod on a node is
 *
 * ```
 * skew = (pods matching the selector in the node's domain) + (1 if the pod itself matches) - (the smallest such count over all domains)
 * ```
 *
 * With `DoNotSchedule`, a node where the skew would exceed `maxSkew` is filtered out, and a node
 * without the topologyKey label is unschedulable. With `ScheduleAnyway`, the constraint only
 * scores: the fewer matching pods in the node's domain, the better.
 *
 * @example
 * ```ts
 * // zones a, b, c hold 2, 1, 1 web pods; a new web pod with maxSkew 1:
 * // zone a: 2 + 1 - 1 = 2 > 1, filtered out; zones b and c: 1 + 1 - 1 = 1, fine.
 * ```
 */
import { NotImplemented, type Pod, type TopologySpreadConstraint } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin, NodeScore, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { isEmptySelector, matchesLabelSelector } from '../selectors.ts';
import { MAX_NODE_SCORE, Status } from '../status.ts';
import { matchesNodeSelector, matchesNodeSelectorTerms } from './node-affinity.ts';
import { namespaceOf } from './topology.ts';

/** A node where the skew would exceed maxSkew. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
/** A node without a constraint's topologyKey label. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

/** Where PreFilter leaves its counts. */
const PRE_FILTER_STATE_KEY = 'PreFilterPodTopologySpread';
/** Where PreScore leaves its counts. */
const PRE_SCORE_STATE_KEY = 'PreScorePodTopologySpread';

/** The hostname label: one domain per node. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/** What PreFilter computes for each DoNotSchedule constraint. */
export interface SpreadConstraintState {
  constraint: TopologySpreadConstraint;
  /** matching pods per domain (value of the topologyKey), over the eligible nodes; every eligible domain is present, 0 included */
  counts: Map<string, number>;
  /** the smallest count over the domains (0 when there are fewer domains than minDomains) */
  minMatch: number;
  /** 1 when the incoming pod matches the constraint's own selector, else 0 */
  selfMatch: number;
}

/**
 * How many of `pods` count for `constraint`: in `namespace`, not being deleted (no
 * `metadata.deletionTimestamp`: a terminating pod is on its way out), and selected by the
 * constraint's labelSelector. An empty selector (`{}`) counts no pod, and neither does an absent
 * one (upstream's countPodsMatchSelector: `selector.Empty()` returns 0).
 */
export function countMatching(pods: readonly Pod[], constraint: TopologySpreadConstraint, namespace: string): number {
  // TODO(15): an absent or empty selector (isEmptySelector, given): 0. Else the pods without a deletionTimestamp,
  // TODO(15): in the namespace, whose labels the constraint selects.
  throw new NotImplemented('15', 'countMatching');
}

/** True when the node carries the topologyKey of every constraint. */
function hasAllKeys(labels: Readonly<Record<string, string>>, constraints: readonly TopologySpreadConstraint[]): boolean {
  // A plain loop: this runs for every node of the cluster, for every pod.
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

/** Does the node pass the pod's nodeSelector and required node affinity (nodeAffinityPolicy: Honor)? */
function eligible(pod: Pod, node: NodeInfo): boolean {
  if (!pod.spec?.nodeSelector && !pod.spec?.affinity?.nodeAffinity) return true; // the common case, decided at once
  if (!matchesNodeSelector(pod.spec?.nodeSelector, node.node)) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !required || matchesNodeSelectorTerms(required.nodeSelectorTerms ?? [], node.node);
}

/** Filters by DoNotSchedule constraints; scores by ScheduleAnyway ones. */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = 'PodTopologySpread';

  /**
   * For each DoNotSchedule constraint of the pod, counts the matching pods (same namespace as the
   * pod, selected by the constraint's labelSelector) per domain, over the nodes that pass the
   * pod's nodeSelector and required node affinity **and** carry the topologyKey of every
   * constraint; then the minimum over those domains. Writes a {@link SpreadConstraintState}[]
   * under the cycle state key `PRE_FILTER_STATE_KEY`.
   *
   * @returns Skip when the pod has no DoNotSchedule constraint; UnschedulableAndUnresolvable
   *   `invalid topology spread constraint: maxSkew must be a whole number >= 1 (got 0)` for a bad maxSkew
   */
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    // TODO(15): DoNotSchedule constraints only (none: Skip); counts per domain over eligible nodes with every key; the minimum per constraint.
    throw new NotImplemented('15', 'PodTopologySpread.preFilter');
  }

  /**
   * For each constraint, in order: a node without its topologyKey gives
   * UnschedulableAndUnresolvable, {@link ERR_REASON_NODE_LABEL_NOT_MATCH}; a node where
   * `count(domain) + selfMatch - minMatch > maxSkew` gives Unschedulable,
   * {@link ERR_REASON_CONSTRAINTS_NOT_MATCH}. Success otherwise.
   */
  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    // TODO(15): missing key → ERR_REASON_NODE_LABEL_NOT_MATCH; count + selfMatch - minMatch > maxSkew → ERR_REASON_CONSTRAINTS_NOT_MATCH.
    throw new NotImplemented('15', 'PodTopologySpread.filter');
  }

  /**
   * For the ScheduleAnyway constraints: the feasible nodes missing a key are ignored (score 0);
   * each constraint gets a weight `ln(domains + 2)` (domains among the other feasible nodes); the
   * matching pods are counted per domain over every node of the snapshot that passes the pod's
   * node affinity and has the keys. Skip when the pod has no ScheduleAnyway constraint.
   */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    // TODO(15): ScheduleAnyway constraints only (none: Skip); ignored nodes, ln(domains + 2) weights, counts over state.allNodes.
    throw new NotImplemented('15', 'PodTopologySpread.preScore');
  }

  /**
   * `round(sum over constraints of (count * weight + maxSkew - 1))`; 0 for an ignored node. The
   * count is the node's domain's, but with the hostname key the node's own matching pods (two
   * nodes may share a hostname label; upstream counts per node).
   */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    // TODO(15): round(sum over constraints of (count x weight + maxSkew - 1)), hostname counting the node's own pods; 0 for an ignored node.
    throw new NotImplemented('15', 'PodTopologySpread.score');
  }

  /**
   * The fewer, the better: `trunc(100 * (max + min - score) / max)` over the nodes not ignored
   * (ignored ones get 0); every such node 100 when max is 0.
   */
  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    // TODO(15): 100 * (max + min - score) / max over nodes not ignored; 100 for all when max is 0.
    throw new NotImplemented('15', 'PodTopologySpread.normalizeScore');
  }
}

interface ScoreState {
  constraints: TopologySpreadConstraint[];
  ignored: Set<string>;
  domains: Map<string, number>[];
  weights: number[];
}
