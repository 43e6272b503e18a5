/**
 * The scheduling constraints of a pod (fields of core/v1 PodSpec): node affinity, inter-pod
 * affinity and anti-affinity, tolerations of taints, and topology spread. Part III gives them
 * meaning (katas 12-16).
 *
 * "RequiredDuringScheduling" terms are filters (a node that fails one is out); "Preferred" terms
 * are weighted scores. "IgnoredDuringExecution": a pod already running is not moved when they
 * stop holding.
 * @module
 */
import type { LabelSelector } from './meta.ts';
import type { TaintEffect } from './node.ts';

/** The operators of node selector expressions; Gt and Lt compare the label's value as an integer. */
export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

/**
 * One expression on a node's labels (in matchExpressions) or its fields (in matchFields, where the
 * only key is `metadata.name`).
 *
 * @example
 * ```ts
 * const r: NodeSelectorRequirement = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] };
 * ```
 */
export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  /** non-empty for In and NotIn, one integer for Gt and Lt, empty for Exists and DoesNotExist */
  values?: string[];
}

/** A node matches a term when every one of its expressions holds (AND); an empty term matches no node. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** A node matches when any one of the terms matches (OR). */
export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

/** A preference for nodes that match `preference`, worth `weight` (1-100) in the score. */
export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

/**
 * Which nodes a pod must run on (required) or would rather run on (preferred), by their labels.
 *
 * @example
 * ```ts
 * const nodeAffinity: NodeAffinity = {
 *   requiredDuringSchedulingIgnoredDuringExecution: {
 *     nodeSelectorTerms: [{ matchExpressions: [{ key: 'disktype', operator: 'In', values: ['ssd'] }] }],
 *   },
 *   preferredDuringSchedulingIgnoredDuringExecution: [
 *     { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
 *   ],
 * };
 * ```
 */
export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

/**
 * The pods matching `labelSelector` in `namespaces`, seen by topology domain: two nodes are in the
 * same domain when they have the same value for the label `topologyKey`.
 *
 * @example
 * ```ts
 * const sameZoneAsCache: PodAffinityTerm = { labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'topology.kubernetes.io/zone' };
 * ```
 */
export interface PodAffinityTerm {
  /** absent: matches no pod */
  labelSelector?: LabelSelector;
  /** absent (and no namespaceSelector): the pod's own namespace */
  namespaces?: string[];
  /** namespaces whose labels match, added to `namespaces`; `{}` means every namespace */
  namespaceSelector?: LabelSelector;
  /** a node label: `kubernetes.io/hostname` (per node), `topology.kubernetes.io/zone` (per zone) */
  topologyKey: string;
}

/** A preference for a {@link PodAffinityTerm}, worth `weight` (1-100) in the score. */
export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

/** Run in the same topology domain as pods like these. */
export interface PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

/** Run in a different topology domain from pods like these. */
export interface PodAntiAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

/** All the affinity constraints of a pod. */
export interface Affinity {
  nodeAffinity?: NodeAffinity;
  podAffinity?: PodAffinity;
  podAntiAffinity?: PodAntiAffinity;
}

/** How a toleration compares with a taint: Equal compares key and value, Exists only the key. */
export type TolerationOperator = 'Exists' | 'Equal';

/**
 * Lets a pod onto nodes whose taints it matches. An empty effect matches every effect; an empty
 * key with operator Exists matches every taint.
 *
 * @example
 * ```ts
 * const gpu: Toleration = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };
 * const patient: Toleration = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
 * ```
 */
export interface Toleration {
  key?: string;
  /** default Equal */
  operator?: TolerationOperator;
  /** empty with Exists */
  value?: string;
  effect?: TaintEffect | '';
  /** for NoExecute only: how long the pod may stay after the taint appears (absent: for ever) */
  tolerationSeconds?: number;
}

/**
 * Spreads matching pods evenly across the domains of `topologyKey`: no domain may have more than
 * `maxSkew` pods above the least populated one.
 *
 * @example
 * ```ts
 * const spread: TopologySpreadConstraint = {
 *   maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule',
 *   labelSelector: { matchLabels: { app: 'web' } },
 * };
 * ```
 */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  /** DoNotSchedule is a filter; ScheduleAnyway only lowers the score */
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector?: LabelSelector;
  /** count at least this many domains, empty ones included */
  minDomains?: number;
}
