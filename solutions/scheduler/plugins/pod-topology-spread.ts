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
  const selector = constraint.labelSelector;
  if (selector === undefined || isEmptySelector(selector)) return 0;
  let count = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp !== undefined || namespaceOf(pod) !== namespace) continue;
    if (matchesLabelSelector(selector, pod.metadata.labels)) count++;
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
    const states: SpreadConstraintState[] = constraints.map((constraint) => {
      const counts = domainCounts(nodes, pod, constraint, constraints);
      let min = Infinity;
      for (const count of counts.values()) if (count < min) min = count;
      const tooFewDomains = constraint.minDomains !== undefined && counts.size < constraint.minDomains;
      return {
        constraint,
        counts,
        minMatch: tooFewDomains || min === Infinity ? 0 : min,
        selfMatch: matchesLabelSelector(constraint.labelSelector, pod.metadata.labels) ? 1 : 0,
      };
    });
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
        if (c.topologyKey === LABEL_HOSTNAME) return; // counted per node, in score
        const counts = domains[i]!;
        const value = node.labels[c.topologyKey]!;
        if (counts.has(value)) counts.set(value, counts.get(value)! + countMatching(node.pods, c, namespace));
      });
    }
    state.write(PRE_SCORE_STATE_KEY, { constraints, ignored, domains, weights, namespace });
    return Status.success();
  }

  /**
   * `round(sum over constraints of (count * weight + maxSkew - 1))`; 0 for an ignored node. The
   * count is the node's domain's, but with the hostname key the node's own matching pods (two
   * nodes may share a hostname label; upstream counts per node).
   */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const s = state.read<ScoreState>(PRE_SCORE_STATE_KEY);
    if (s.ignored.has(nodeInfo.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const count = c.topologyKey === LABEL_HOSTNAME ? countMatching(nodeInfo.pods, c, s.namespace) : (s.domains[i]!.get(nodeInfo.labels[c.topologyKey]!) ?? 0);
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
  /** the incoming pod's, which its constraints' selectors are read in */
  namespace: string;
}

// ---- Counting per domain, kept from one cycle to the next --------------------------------------
//
// PreFilter needs, for every constraint, the matching pods per domain over the whole cluster:
// counted afresh, that is every pod of 5,000 nodes for every pod scheduled. Upstream counts afresh
// on 16 goroutines. Here the counts are kept between cycles, per list of nodes (a Snapshot's) and
// per "question" (namespace, selector, topology keys, node affinity), with each node's count and
// the generation it was counted at: a cycle recounts only the nodes whose generation moved (one,
// the node the previous pod went to), and adjusts the domain totals by the difference.

/** What is kept for one question over one list of nodes. */
interface KeptCounts {
  /** per position: the NodeInfo counted there (a list whose entries were replaced is recounted there) */
  nodes: NodeInfo[];
  /** per position: the node's generation when it was counted */
  generations: number[];
  /** per position: its matching pods (0 for a node that does not count) */
  counts: number[];
  /** per position: its domain (the topologyKey's value), or undefined for a node that does not count */
  domains: (string | undefined)[];
  /** the matching pods per domain, every domain of a counting node present */
  totals: Map<string, number>;
  /** how many counting nodes each domain has (a domain leaves `totals` with its last node) */
  members: Map<string, number>;
}

/** The kept counts of each list of nodes, by question; a new Snapshot has a new list, and starts afresh. */
const kept = new WeakMap<readonly NodeInfo[], Map<string, KeptCounts>>();
/** Questions kept per list of nodes: beyond this many, the oldest is dropped. */
const MAX_KEPT_QUESTIONS = 64;

/**
 * The matching pods per domain of `constraint`, over the nodes that carry every constraint's key
 * and pass the pod's node affinity; every such domain is present, 0 included. The same answer as
 * counting every node now ({@link countMatching}), kept up to date by node generations.
 */
function domainCounts(nodes: readonly NodeInfo[], pod: Pod, constraint: TopologySpreadConstraint, all: readonly TopologySpreadConstraint[]): Map<string, number> {
  const namespace = namespaceOf(pod);
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const question = JSON.stringify([namespace, constraint.labelSelector ?? null, constraint.topologyKey, all.map((c) => c.topologyKey), pod.spec?.nodeSelector ?? null, required ?? null]);
  let questions = kept.get(nodes);
  if (questions === undefined) kept.set(nodes, (questions = new Map()));
  let k = questions.get(question);
  if (k === undefined || k.nodes.length !== nodes.length) {
    k = { nodes: [], generations: [], counts: [], domains: [], totals: new Map(), members: new Map() };
    if (questions.size >= MAX_KEPT_QUESTIONS) questions.delete(questions.keys().next().value!);
    questions.set(question, k);
  }
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const same = k.nodes[i] === node;
    if (same && k.generations[i] === node.generation) continue; // the common case: nothing moved here
    if (same && k.domains[i] === undefined) {
      k.generations[i] = node.generation; // pods moved on a node that does not count: nothing to do
      continue;
    }
    // Take the old count out of its domain, then count the node as it is now.
    const before = k.domains[i];
    if (before !== undefined) {
      k.totals.set(before, k.totals.get(before)! - k.counts[i]!);
      if (!same) leave(k, before);
    }
    // Whether a node counts, and in which domain, depends on its labels only: they never change
    // within a Snapshot (a changed node makes a new one), so this runs once per node and question.
    const domain = same ? before : hasAllKeys(node.labels, all) && eligible(pod, node) ? node.labels[constraint.topologyKey]! : undefined;
    const count = domain === undefined ? 0 : countMatching(node.pods, constraint, namespace);
    if (domain !== undefined) {
      k.totals.set(domain, (k.totals.get(domain) ?? 0) + count);
      if (!same) k.members.set(domain, (k.members.get(domain) ?? 0) + 1);
    }
    k.nodes[i] = node;
    k.generations[i] = node.generation;
    k.counts[i] = count;
    k.domains[i] = domain;
  }
  // A copy: the cycle state must not change under its Filter when the next cycle counts.
  return new Map(k.totals);
}

/** A counting node leaves `domain`; the domain goes when no counting node is left in it. */
function leave(k: KeptCounts, domain: string): void {
  const left = k.members.get(domain)! - 1;
  if (left > 0) {
    k.members.set(domain, left);
    return;
  }
  k.members.delete(domain);
  k.totals.delete(domain);
}
