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
import type { Pod, TopologySpreadConstraint } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin, NodeScore, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { matchesLabelSelector } from '../selectors.ts';
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

/** How many of `pods` are in `namespace` and match `constraint`'s selector. */
export function countMatching(pods: readonly Pod[], constraint: TopologySpreadConstraint, namespace: string): number {
  let count = 0;
  for (const pod of pods) {
    if (namespaceOf(pod) === namespace && matchesLabelSelector(constraint.labelSelector, pod.metadata.labels)) count++;
  }
  return count;
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
    const constraints = (pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
    if (constraints.length === 0) return Status.skip();
    const invalid = constraints.find((c) => !Number.isInteger(c.maxSkew) || c.maxSkew < 1);
    if (invalid) return Status.unresolvable(`invalid topology spread constraint: maxSkew must be a whole number >= 1 (got ${invalid.maxSkew})`);
    const namespace = namespaceOf(pod);
    const states: SpreadConstraintState[] = constraints.map((constraint) => ({
      constraint,
      counts: new Map(),
      minMatch: 0,
      selfMatch: matchesLabelSelector(constraint.labelSelector, pod.metadata.labels) ? 1 : 0,
    }));
    for (const node of nodes) {
      if (!hasAllKeys(node.labels, constraints) || !eligible(pod, node)) continue;
      for (const s of states) {
        const value = node.labels[s.constraint.topologyKey]!;
        s.counts.set(value, (s.counts.get(value) ?? 0) + countMatching(node.pods, s.constraint, namespace));
      }
    }
    for (const s of states) {
      let min = Infinity;
      for (const count of s.counts.values()) if (count < min) min = count;
      const tooFewDomains = s.constraint.minDomains !== undefined && s.counts.size < s.constraint.minDomains;
      s.minMatch = tooFewDomains || min === Infinity ? 0 : min;
    }
    state.write(PRE_FILTER_STATE_KEY, states);
    return Status.success();
  }

  /**
   * For each constraint, in order: a node without its topologyKey gives
   * UnschedulableAndUnresolvable, {@link ERR_REASON_NODE_LABEL_NOT_MATCH}; a node where
   * `count(domain) + selfMatch - minMatch > maxSkew` gives Unschedulable,
   * {@link ERR_REASON_CONSTRAINTS_NOT_MATCH}. Success otherwise.
   */
  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    for (const s of state.read<SpreadConstraintState[]>(PRE_FILTER_STATE_KEY)) {
      const value = nodeInfo.labels[s.constraint.topologyKey];
      if (value === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const skew = (s.counts.get(value) ?? 0) + s.selfMatch - s.minMatch;
      if (skew > s.constraint.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return Status.success();
  }

  /**
   * For the ScheduleAnyway constraints: the feasible nodes missing a key are ignored (score 0);
   * each constraint gets a weight `ln(domains + 2)` (domains among the other feasible nodes); the
   * matching pods are counted per domain over every node of the snapshot that passes the pod's
   * node affinity and has the keys. Skip when the pod has no ScheduleAnyway constraint.
   */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    const constraints = (pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
    if (constraints.length === 0) return Status.skip();
    const ignored = new Set<string>();
    const domains = constraints.map(() => new Map<string, number>());
    for (const node of nodes) {
      if (!hasAllKeys(node.labels, constraints)) {
        ignored.add(node.name);
        continue;
      }
      constraints.forEach((c, i) => domains[i]!.set(node.labels[c.topologyKey]!, 0));
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? nodes.length - ignored.size : domains[i]!.size) + 2));
    const namespace = namespaceOf(pod);
    for (const node of state.allNodes) {
      if (!hasAllKeys(node.labels, constraints) || !eligible(pod, node)) continue;
      constraints.forEach((c, i) => {
        const counts = domains[i]!;
        const value = node.labels[c.topologyKey]!;
        if (counts.has(value)) counts.set(value, counts.get(value)! + countMatching(node.pods, c, namespace));
      });
    }
    state.write(PRE_SCORE_STATE_KEY, { constraints, ignored, domains, weights });
    return Status.success();
  }

  /** `round(sum over constraints of count(domain) * weight + (maxSkew - 1))`; 0 for an ignored node. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const s = state.read<ScoreState>(PRE_SCORE_STATE_KEY);
    if (s.ignored.has(nodeInfo.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const count = s.domains[i]!.get(nodeInfo.labels[c.topologyKey]!) ?? 0;
      score += count * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  /**
   * The fewer, the better: `trunc(100 * (max + min - score) / max)` over the nodes not ignored
   * (ignored ones get 0); every such node 100 when max is 0.
   */
  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    const { ignored } = state.read<ScoreState>(PRE_SCORE_STATE_KEY);
    let min = Infinity;
    let max = 0;
    for (const s of scores) {
      if (ignored.has(s.name)) continue;
      if (s.score < min) min = s.score;
      if (s.score > max) max = s.score;
    }
    for (const s of scores) {
      if (ignored.has(s.name)) s.score = 0;
      else s.score = max === 0 ? MAX_NODE_SCORE : Math.trunc((MAX_NODE_SCORE * (max + min - s.score)) / max);
    }
  }
}

interface ScoreState {
  constraints: TopologySpreadConstraint[];
  ignored: Set<string>;
  domains: Map<string, number>[];
  weights: number[];
}
