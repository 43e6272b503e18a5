/**
 * InterPodAffinity: pods that want to be near (affinity) or away from (anti-affinity) other
 * pods, by topology domain. Upstream: pkg/scheduler/framework/plugins/interpodaffinity
 * (filtering.go, scoring.go).
 *
 * Filter, three checks in this order (v1.32's), each with its reason:
 * 1. **the pod's affinity**: for every required term, the node must carry the term's topologyKey
 *    and its domain must hold a pod that matches **all** the terms — "node(s) didn't match pod
 *    affinity rules" (UnschedulableAndUnresolvable). Exception, for the first pod of a group that
 *    wants to be with its own kind: when no pod anywhere matches and the pod matches all its own
 *    terms, any node with the keys will do;
 * 2. **the pod's anti-affinity**: no required term may find a matching pod in the node's domain —
 *    "node(s) didn't match pod anti-affinity rules" (Unschedulable);
 * 3. **existing pods' anti-affinity** (symmetry): a pod already running with a *required*
 *    anti-affinity term that selects the incoming pod forbids the incoming pod its domain —
 *    "node(s) didn't satisfy existing pods anti-affinity rules" (Unschedulable).
 *
 * A pod whose terms do not parse ({@link affinityTermsError}) fits nowhere: PreFilter answers
 * UnschedulableAndUnresolvable, `parsing pod: <why>`.
 *
 * Score: preferred terms, weight per topology domain: + for affinity, - for anti-affinity, both
 * for the incoming pod's terms and for existing pods' terms that select it (and existing pods'
 * required affinity, with weight 1); normalized to 0..100 between the lowest and the highest.
 *
 * @example
 * ```ts
 * // web pods, at most one per node:
 * podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
 *   { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } ] }
 * ```
 */
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin, NodeScore, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { MAX_NODE_SCORE, Status } from '../status.ts';
import { affinityTermsError, namespaceOf, termSelectsPod, TopologyCounts } from './topology.ts';

/** Check 1's reason (ErrReasonAffinityRulesNotMatch). */
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
/** Check 2's reason (ErrReasonAntiAffinityRulesNotMatch). */
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
/** Check 3's reason (ErrReasonExistingAntiAffinityRulesNotMatch). */
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** Where PreFilter leaves its counts. */
const PRE_FILTER_STATE_KEY = 'PreFilterInterPodAffinity';
/** Where PreScore leaves its per-domain scores. */
const PRE_SCORE_STATE_KEY = 'PreScoreInterPodAffinity';

/** What PreFilter counts once per pod, over every node. */
export interface InterPodAffinityState {
  /** the incoming pod's required affinity terms */
  affinityTerms: PodAffinityTerm[];
  /** the incoming pod's required anti-affinity terms */
  antiAffinityTerms: PodAffinityTerm[];
  /** per domain: existing pods whose required anti-affinity terms select the incoming pod (check 3) */
  existingAntiAffinityCounts: TopologyCounts;
  /** per domain of each affinity term: existing pods that match all the affinity terms (check 1) */
  affinityCounts: TopologyCounts;
  /** per domain of each anti-affinity term: existing pods that term selects (check 2) */
  antiAffinityCounts: TopologyCounts;
}

/** The weight of an existing pod's *required* affinity term in the score (InterPodAffinityArgs.hardPodAffinityWeight). */
export const HARD_POD_AFFINITY_WEIGHT = 1;

/** Filters and scores by inter-pod affinity and anti-affinity. */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = 'InterPodAffinity';

  /**
   * Counts, over the pods on `nodes`, what the three checks need ({@link InterPodAffinityState}),
   * and writes it under the cycle state key `PRE_FILTER_STATE_KEY`. A term's namespaces default to those of the
   * pod that carries it ({@link termSelectsPod}); a pod is counted in a domain only when its node
   * carries the term's topologyKey.
   *
   * @returns UnschedulableAndUnresolvable `parsing pod: <why>` when a term of the pod does not
   *   parse ({@link affinityTermsError}); Skip when the pod has no required terms and no existing
   *   pod's anti-affinity selects it
   */
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    const parseError = affinityTermsError(pod);
    if (parseError !== undefined) return Status.unresolvable(`parsing pod: ${parseError}`);
    const affinity = pod.spec?.affinity;
    const affinityTerms = affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    const antiAffinityTerms = affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    const namespace = namespaceOf(pod);
    const existingAntiAffinityCounts = new TopologyCounts();
    const affinityCounts = new TopologyCounts();
    const antiAffinityCounts = new TopologyCounts();
    for (const node of nodes) {
      const labels = node.labels;
      // 3. existing pods' required anti-affinity that selects the incoming pod
      for (const existing of node.podsWithRequiredAntiAffinity) {
        for (const term of existing.spec!.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution!) {
          const value = labels[term.topologyKey];
          if (value !== undefined && termSelectsPod(term, namespaceOf(existing), pod)) existingAntiAffinityCounts.add(term.topologyKey, value);
        }
      }
      if (affinityTerms.length === 0 && antiAffinityTerms.length === 0) continue;
      for (const existing of node.pods) {
        // 1. an existing pod counts for affinity only when it matches every term
        if (affinityTerms.every((t) => termSelectsPod(t, namespace, existing))) {
          for (const term of affinityTerms) {
            const value = labels[term.topologyKey];
            if (value !== undefined) affinityCounts.add(term.topologyKey, value);
          }
        }
        // 2. for anti-affinity, each term on its own
        for (const term of antiAffinityTerms) {
          const value = labels[term.topologyKey];
          if (value !== undefined && termSelectsPod(term, namespace, existing)) antiAffinityCounts.add(term.topologyKey, value);
        }
      }
    }
    if (affinityTerms.length === 0 && antiAffinityTerms.length === 0 && existingAntiAffinityCounts.isEmpty) return Status.skip();
    state.write(PRE_FILTER_STATE_KEY, { affinityTerms, antiAffinityTerms, existingAntiAffinityCounts, affinityCounts, antiAffinityCounts } satisfies InterPodAffinityState);
    return Status.success();
  }

  /** The three checks, in order; the first that fails gives the status (see the file's comment). */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read<InterPodAffinityState>(PRE_FILTER_STATE_KEY);
    const labels = nodeInfo.labels;
    if (!satisfiesPodAffinity(s, pod, labels)) return Status.unresolvable(ERR_REASON_AFFINITY);
    for (const term of s.antiAffinityTerms) {
      if (s.antiAffinityCounts.forNode(term.topologyKey, labels) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
    }
    for (const key of s.existingAntiAffinityCounts.keys()) {
      if (s.existingAntiAffinityCounts.forNode(key, labels) > 0) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    }
    return Status.success();
  }

  /**
   * Adds up, per topology domain, the weights of the preferred terms (see the file's comment)
   * into a {@link TopologyCounts} under the cycle state key `PRE_SCORE_STATE_KEY`, over every node of the
   * snapshot (`state.allNodes`).
   *
   * @returns Error `failed to parse pod: <why>` when a term of the pod does not parse (PreFilter
   *   has normally turned such a pod away already); Skip when no term, the pod's preferred ones or
   *   an existing pod's preferred or required affinity, selected a pod anywhere: nothing to score
   */
  preScore(state: CycleState, pod: Pod): Status {
    const parseError = affinityTermsError(pod);
    if (parseError !== undefined) return Status.fromError(new Error(`failed to parse pod: ${parseError}`));
    const affinity = pod.spec?.affinity;
    const preferredAffinity = affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const preferredAnti = affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const hasPreferred = preferredAffinity.length > 0 || preferredAnti.length > 0;
    const nodes = state.allNodes;
    if (!hasPreferred && nodes.every((n) => n.podsWithAffinity.length === 0)) return Status.skip();
    const namespace = namespaceOf(pod);
    const scores = new TopologyCounts();
    const addWeighted = (terms: readonly WeightedPodAffinityTerm[], sign: number, owner: string, target: Pod, labels: Readonly<Record<string, string>>): void => {
      for (const { weight, podAffinityTerm: term } of terms) {
        const value = labels[term.topologyKey];
        if (value !== undefined && termSelectsPod(term, owner, target)) scores.add(term.topologyKey, value, sign * weight);
      }
    };
    for (const node of nodes) {
      const labels = node.labels;
      for (const existing of hasPreferred ? node.pods : node.podsWithAffinity) {
        addWeighted(preferredAffinity, 1, namespace, existing, labels);
        addWeighted(preferredAnti, -1, namespace, existing, labels);
        const theirs = existing.spec?.affinity;
        if (!theirs) continue;
        const owner = namespaceOf(existing);
        addWeighted(theirs.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [], 1, owner, pod, labels);
        addWeighted(theirs.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [], -1, owner, pod, labels);
        const required = theirs.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
        addWeighted(required.map((podAffinityTerm) => ({ weight: HARD_POD_AFFINITY_WEIGHT, podAffinityTerm })), 1, owner, pod, labels);
      }
    }
    // No term in either direction selected a pod anywhere: nothing to score (upstream's index == -1).
    if (scores.isEmpty) return Status.skip();
    state.write(PRE_SCORE_STATE_KEY, scores);
    return Status.success();
  }

  /** The sum, over the topology keys with scores, of the score of the node's domain. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const scores = state.read<TopologyCounts>(PRE_SCORE_STATE_KEY);
    let total = 0;
    for (const key of scores.keys()) total += scores.forNode(key, nodeInfo.labels);
    return total;
  }

  /**
   * `trunc(100 * ((score - min) / (max - min)))`, the division first, in floating point as
   * upstream's (29 of 100 is 28); every score 0 when max = min. Scores may be negative before this
   * (anti-affinity), never after.
   */
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s.score < min) min = s.score;
      if (s.score > max) max = s.score;
    }
    const span = max - min;
    for (const s of scores) s.score = span > 0 ? Math.trunc(MAX_NODE_SCORE * ((s.score - min) / span)) : 0;
  }
}

/** Check 1 (satisfyPodAffinity), with the first-pod exception. */
function satisfiesPodAffinity(s: InterPodAffinityState, pod: Pod, labels: Readonly<Record<string, string>>): boolean {
  let podsExist = true;
  for (const term of s.affinityTerms) {
    const value = labels[term.topologyKey];
    if (value === undefined) return false; // the node must carry every term's key
    if (s.affinityCounts.get(term.topologyKey, value) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself: nothing matches anywhere yet.
  const namespace = namespaceOf(pod);
  return s.affinityCounts.isEmpty && s.affinityTerms.every((t) => termSelectsPod(t, namespace, pod));
}
