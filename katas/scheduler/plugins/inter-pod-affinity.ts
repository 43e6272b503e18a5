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
import { NotImplemented, type Pod, type PodAffinityTerm, type WeightedPodAffinityTerm } from '@kube/kit';
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
    // TODO(15): a term that does not parse (affinityTermsError) → Status.unresolvable("parsing pod: " + why). Then count per domain:
    // TODO(15): pods matching all affinity terms; pods each anti-affinity term selects; existing pods whose required anti-affinity selects this pod. Skip when nothing to check.
    throw new NotImplemented('15', 'InterPodAffinity.preFilter');
  }

  /** The three checks, in order; the first that fails gives the status (see the file's comment). */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    // TODO(15): the three checks in order: the pod's affinity (first-pod exception), its anti-affinity, existing pods' anti-affinity.
    throw new NotImplemented('15', 'InterPodAffinity.filter');
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
    // TODO(15): a term that does not parse → Status.fromError(new Error("failed to parse pod: " + why)). Then weights per domain
    // TODO(15): from preferred terms, both directions, over state.allNodes; Skip when no term selected a pod anywhere (nothing counted).
    throw new NotImplemented('15', 'InterPodAffinity.preScore');
  }

  /** The sum, over the topology keys with scores, of the score of the node's domain. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    // TODO(15): sum the node's domain score for every topology key.
    throw new NotImplemented('15', 'InterPodAffinity.score');
  }

  /**
   * `trunc(100 * ((score - min) / (max - min)))`, the division first, in floating point as
   * upstream's (29 of 100 is 28); every score 0 when max = min. Scores may be negative before this
   * (anti-affinity), never after.
   */
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    // TODO(15): 100 * ((score - min) / (max - min)), the division first, truncated; 0 for all when max = min.
    throw new NotImplemented('15', 'InterPodAffinity.normalizeScore');
  }
}

/** Check 1 (satisfyPodAffinity), with the first-pod exception. */
function satisfiesPodAffinity(s: InterPodAffinityState, pod: Pod, labels: Readonly<Record<string, string>>): boolean {
  // TODO(15): every term: the node has the key and its domain count > 0; otherwise the first-pod exception.
  throw new NotImplemented('15', 'satisfiesPodAffinity');
}
