/**
 * PriorityClass (scheduling.k8s.io/v1): a name for a pod priority. A pod names its class in
 * `spec.priorityClassName`, and the Priority admission plugin writes the class's value into
 * `spec.priority`, which orders the scheduler's queue (kata 16). Every cluster has
 * `system-cluster-critical` and `system-node-critical`; `kubectl get priorityclasses` (`pc`) lists
 * them.
 * @module
 */
import type { KubeObject } from './meta.ts';
import type { PreemptionPolicy } from './pod.ts';

/**
 * A priority by name. Cluster-scoped; `value` and `preemptionPolicy` never change once made.
 *
 * @example
 * ```ts
 * const high: PriorityClass = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, description: 'for the shop front' };
 * ```
 */
export interface PriorityClass extends KubeObject {
  apiVersion?: 'scheduling.k8s.io/v1';
  kind?: 'PriorityClass';
  /** the priority of the pods that name this class: higher is scheduled first; at most 1,000,000,000 but for the system classes */
  value: number;
  /** whether a pod that names no class gets this one (at most one class is the default) */
  globalDefault?: boolean;
  /** for people: when to use this class */
  description?: string;
  /** whether its pods may preempt lower-priority pods; default PreemptLowerPriority */
  preemptionPolicy?: PreemptionPolicy;
}
