/**
 * ReplicationControllers (core/v1): the ReplicaSet's predecessor, still served by v1.32 — keep
 * `replicas` pods that match an equality-only `selector` (a plain map of labels). The replication
 * manager of kube-controller-manager keeps them.
 * @module
 */
import type { ConditionStatus, KubeObject, Time } from './meta.ts';
import type { PodTemplateSpec } from './pod.ts';

/** What it keeps: `replicas` pods from `template`, found by `selector` (defaults to the template's labels). */
export interface ReplicationControllerSpec {
  /** default 1 */
  replicas?: number;
  minReadySeconds?: number;
  selector?: Record<string, string>;
  template?: PodTemplateSpec;
}

/** Why the manager could not keep the replicas (ReplicaFailure). */
export interface ReplicationControllerCondition {
  type: 'ReplicaFailure' | (string & {});
  status: ConditionStatus;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** What the manager last counted. */
export interface ReplicationControllerStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicationControllerCondition[];
}

/**
 * `kubectl apply -f rc.yaml`, `kubectl scale rc web --replicas=3`.
 *
 * @example
 * ```ts
 * const rc: ReplicationController = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web' },
 *   spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } };
 * ```
 */
export interface ReplicationController extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'ReplicationController';
  spec?: ReplicationControllerSpec;
  status?: ReplicationControllerStatus;
}
