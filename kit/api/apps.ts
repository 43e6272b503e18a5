/**
 * ReplicaSets and Deployments (apps/v1), the workloads of Part IV: a ReplicaSet keeps a number of
 * identical pods (kata 18); a Deployment rolls its pods from one template to the next through
 * ReplicaSets (kata 19). Also Scale (autoscaling/v1), the body of their `/scale` subresource.
 * @module
 */
import type { ConditionStatus, KubeObject, LabelSelector, Time } from './meta.ts';
import type { PodTemplateSpec } from './pod.ts';

/** What the ReplicaSet should keep: `replicas` pods matching `selector`, made from `template`. */
export interface ReplicaSetSpec {
  /** default 1 */
  replicas?: number;
  /** a new pod counts as available once it has been Ready this long; default 0 */
  minReadySeconds?: number;
  /** must match the template's labels */
  selector: LabelSelector;
  template?: PodTemplateSpec;
}

/** A condition of a ReplicaSet: ReplicaFailure when it cannot create or delete pods. */
export interface ReplicaSetCondition {
  type: 'ReplicaFailure' | (string & {});
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: Time;
}

/** What the ReplicaSet controller last counted. */
export interface ReplicaSetStatus {
  /** pods it owns (not being deleted) */
  replicas: number;
  /** of those, pods whose labels match the template's */
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  /** ready for at least minReadySeconds */
  availableReplicas?: number;
  /** the metadata.generation this status describes */
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

/**
 * A ReplicaSet: keeps `spec.replicas` pods that match its selector, creating from the template and
 * deleting the surplus.
 *
 * @example
 * ```ts
 * const rs: ReplicaSet = {
 *   apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' },
 *   spec: {
 *     replicas: 3, selector: { matchLabels: { app: 'web' } },
 *     template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
 *   },
 * };
 * ```
 */
export interface ReplicaSet extends KubeObject {
  apiVersion?: 'apps/v1';
  kind?: 'ReplicaSet';
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

/**
 * How far a rolling update may go beyond or below the desired count: a number, or a percentage of
 * `replicas` (`"25%"`; maxSurge rounds up, maxUnavailable rounds down). Both default to 25%, and
 * they may not both be 0.
 */
export interface RollingUpdateDeployment {
  /** at most this many pods unavailable during the update */
  maxUnavailable?: number | string;
  /** at most this many pods above `replicas` during the update */
  maxSurge?: number | string;
}

/** How a Deployment replaces its pods: all at once (Recreate) or a few at a time (RollingUpdate, the default). */
export interface DeploymentStrategy {
  type?: 'Recreate' | 'RollingUpdate';
  /** only with type RollingUpdate */
  rollingUpdate?: RollingUpdateDeployment;
}

/**
 * What the Deployment should be.
 *
 * @example
 * ```ts
 * const spec: DeploymentSpec = {
 *   replicas: 4,
 *   selector: { matchLabels: { app: 'web' } },
 *   template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
 *   strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
 * };
 * ```
 */
export interface DeploymentSpec {
  /** default 1 */
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  /** a new pod counts as available once it has been Ready this long; default 0 */
  minReadySeconds?: number;
  /** how many old, scaled-down ReplicaSets to keep for rollbacks; default 10 */
  revisionHistoryLimit?: number;
  /** while paused, changes to the template start no rollout */
  paused?: boolean;
  /** a rollout that makes no progress this long is reported as failed (Progressing=False); default 600 */
  progressDeadlineSeconds?: number;
}

/** The conditions of a Deployment. */
export type DeploymentConditionType = 'Available' | 'Progressing' | 'ReplicaFailure';

/** A condition of a Deployment: `{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }`. */
export interface DeploymentCondition {
  type: DeploymentConditionType;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastUpdateTime?: Time;
  lastTransitionTime?: Time;
}

/** What the Deployment controller last counted, over all of the Deployment's ReplicaSets. */
export interface DeploymentStatus {
  /** the metadata.generation this status describes */
  observedGeneration?: number;
  /** pods of all its ReplicaSets */
  replicas?: number;
  /** pods made from the current template */
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  /** replicas still needed for the Deployment to be fully available */
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  /** bumped when the name of a new ReplicaSet collides with an existing one */
  collisionCount?: number;
}

/**
 * A Deployment: declares pods by template and rolls them to a new template gradually, through a
 * new ReplicaSet scaled up while the old ones are scaled down.
 *
 * @example
 * ```ts
 * const deploy: Deployment = {
 *   apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
 *   spec: {
 *     replicas: 3, selector: { matchLabels: { app: 'web' } },
 *     template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
 *   },
 * };
 * ```
 */
export interface Deployment extends KubeObject {
  apiVersion?: 'apps/v1';
  kind?: 'Deployment';
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

/** The desired scale. */
export interface ScaleSpec {
  replicas?: number;
}

/** The current scale. */
export interface ScaleStatus {
  replicas: number;
  /** the label selector of the pods, in its string form (`"app=web"`) */
  selector?: string;
}

/**
 * The body of the `/scale` subresource of a ReplicaSet or Deployment (autoscaling/v1): what
 * `kubectl scale` reads and writes.
 */
export interface Scale extends KubeObject {
  apiVersion?: 'autoscaling/v1';
  kind?: 'Scale';
  spec?: ScaleSpec;
  status?: ScaleStatus;
}
