/**
 * PodDisruptionBudgets (policy/v1): how many of an application's pods a voluntary disruption — an
 * eviction, as `kubectl drain` makes them — may take away at once. The disruption controller keeps
 * the status; the eviction subresource reads it and says no (429) when no disruption is allowed.
 * @module
 */
import type { Condition, KubeObject, LabelSelector, Time } from './meta.ts';

/**
 * What the budget guards: the pods `selector` picks (an empty selector, every pod of the
 * namespace), of which `minAvailable` must stay ready, or at most `maxUnavailable` may be not —
 * a number or a percentage; one of the two, not both.
 *
 * @example
 * ```ts
 * const spec: PodDisruptionBudgetSpec = { minAvailable: 2, selector: { matchLabels: { app: 'web' } } };
 * ```
 */
export interface PodDisruptionBudgetSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: LabelSelector;
  /**
   * May a pod that is not ready be evicted? `IfHealthyBudget` (the default behaviour): only while
   * the budget has its healthy pods; `AlwaysAllow`: always.
   */
  unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
}

/** What the disruption controller last counted. */
export interface PodDisruptionBudgetStatus {
  /** the metadata.generation this status describes: an eviction waits until it is the current one */
  observedGeneration?: number;
  /** pods an eviction has taken that the controller has not yet seen go, by name: when */
  disruptedPods?: Record<string, Time>;
  /** how many pods may be evicted now */
  disruptionsAllowed: number;
  /** ready pods it guards */
  currentHealthy: number;
  /** ready pods it must keep */
  desiredHealthy: number;
  /** pods it counts on: the pods it selects, or their controllers' replicas */
  expectedPods: number;
  /** `DisruptionAllowed`: True (SufficientPods), False (InsufficientPods, or SyncFailed) */
  conditions?: Condition[];
}

/**
 * A PodDisruptionBudget.
 *
 * @example
 * ```ts
 * const pdb: PodDisruptionBudget = {
 *   apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' },
 *   spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
 * };
 * ```
 */
export interface PodDisruptionBudget extends KubeObject {
  apiVersion?: 'policy/v1';
  kind?: 'PodDisruptionBudget';
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}
