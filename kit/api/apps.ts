/**
 * ReplicaSets and Deployments (apps/v1), the workloads of Part IV: a ReplicaSet keeps a number of
 * identical pods (kata 18); a Deployment rolls its pods from one template to the next through
 * ReplicaSets (kata 19). Also Scale (autoscaling/v1), the body of their `/scale` subresource.
 * @module
 */
import type { ConditionStatus, KubeObject, LabelSelector, Time } from './meta.ts';
import type { PodTemplateSpec } from './pod.ts';
import type { PersistentVolumeClaim } from './storage.ts';

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

/** How far a DaemonSet's rolling update may go: a number, or a percentage of the nodes it should run on. */
export interface RollingUpdateDaemonSet {
  /** at most this many nodes without an available daemon pod during the update; default 1 (a percentage rounds up) */
  maxUnavailable?: number | string;
  /** at most this many nodes running an old and a new pod at once; default 0 (then old pods go before new ones come) */
  maxSurge?: number | string;
}

/** How a DaemonSet replaces its pods: a few nodes at a time (RollingUpdate, the default), or only when a pod is deleted (OnDelete). */
export interface DaemonSetUpdateStrategy {
  type?: 'RollingUpdate' | 'OnDelete';
  /** only with type RollingUpdate */
  rollingUpdate?: RollingUpdateDaemonSet;
}

/**
 * What the DaemonSet should be: one pod from `template` on each node the template's node selector,
 * affinity and tolerations allow.
 *
 * @example
 * ```ts
 * const spec: DaemonSetSpec = {
 *   selector: { matchLabels: { app: 'agent' } },
 *   template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'kubekata/logger' }] } },
 * };
 * ```
 */
export interface DaemonSetSpec {
  /** must match the template's labels; may not change */
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: DaemonSetUpdateStrategy;
  /** a new pod counts as available once it has been Ready this long; default 0 */
  minReadySeconds?: number;
  /** how many old ControllerRevisions to keep for rollbacks; default 10 */
  revisionHistoryLimit?: number;
}

/** A condition of a DaemonSet (upstream's controller sets none today). */
export interface DaemonSetCondition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: Time;
}

/** What the DaemonSet controller last counted, over the nodes. */
export interface DaemonSetStatus {
  /** nodes that should run the daemon pod */
  desiredNumberScheduled: number;
  /** nodes that should run it and run at least one */
  currentNumberScheduled: number;
  /** nodes that run it but should not */
  numberMisscheduled: number;
  /** nodes that should run it and run a Ready one */
  numberReady: number;
  /** nodes that run a pod made from the current template */
  updatedNumberScheduled?: number;
  /** nodes that run a pod Ready for minReadySeconds */
  numberAvailable?: number;
  /** nodes that should run it and have no available one */
  numberUnavailable?: number;
  /** the metadata.generation this status describes */
  observedGeneration?: number;
  /** bumped when the name of a new ControllerRevision collides with an existing one */
  collisionCount?: number;
  conditions?: DaemonSetCondition[];
}

/**
 * A DaemonSet: runs one copy of a pod on every node that may have it (a log agent, a network
 * plugin), and rolls those pods to a new template node by node.
 *
 * @example
 * ```ts
 * const ds: DaemonSet = {
 *   apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system' },
 *   spec: {
 *     selector: { matchLabels: { app: 'agent' } },
 *     template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'kubekata/logger' }] } },
 *   },
 * };
 * ```
 */
export interface DaemonSet extends KubeObject {
  apiVersion?: 'apps/v1';
  kind?: 'DaemonSet';
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}

/**
 * One saved version of a controller's template (apps/v1): a DaemonSet keeps one per template it
 * has run, so `kubectl rollout history` can list them and `kubectl rollout undo` go back to one.
 * `data` is the patch that puts the template back; `revision` orders them. Neither may change.
 *
 * @example
 * ```ts
 * const revision: ControllerRevision = {
 *   apiVersion: 'apps/v1', kind: 'ControllerRevision',
 *   metadata: { name: 'agent-5d8f7c9b6', namespace: 'kube-system', labels: { app: 'agent', 'controller-revision-hash': '5d8f7c9b6' } },
 *   data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'agent' } }, spec: { containers: [] } } } },
 *   revision: 1,
 * };
 * ```
 */
export interface ControllerRevision extends KubeObject {
  apiVersion?: 'apps/v1';
  kind?: 'ControllerRevision';
  /** any JSON: for a DaemonSet, `{ spec: { template: { ...template, $patch: 'replace' } } }` */
  data?: object;
  revision: number;
}

/** A StatefulSet's rolling update: pods with an ordinal at or above `partition` are updated (highest first). */
export interface RollingUpdateStatefulSetStrategy {
  /** default 0: every pod; a higher value keeps the lower ordinals on the old template (a canary) */
  partition?: number;
  /** alpha in v1.32 (the MaxUnavailableStatefulSet gate, off): dropped when written */
  maxUnavailable?: number | string;
}

/** How a StatefulSet replaces its pods: one at a time from the highest ordinal (RollingUpdate, the default), or only when deleted (OnDelete). */
export interface StatefulSetUpdateStrategy {
  type?: 'RollingUpdate' | 'OnDelete';
  rollingUpdate?: RollingUpdateStatefulSetStrategy;
}

/** The first ordinal of a StatefulSet's pods: `start: 1` names them web-1, web-2, ... */
export interface StatefulSetOrdinals {
  start?: number;
}

/** What becomes of the pods' volume claims when the StatefulSet is deleted or scaled down (Retain, the default, or Delete). */
export interface StatefulSetPersistentVolumeClaimRetentionPolicy {
  whenDeleted?: 'Retain' | 'Delete';
  whenScaled?: 'Retain' | 'Delete';
}

/**
 * What the StatefulSet should be: `replicas` pods with stable names (`web-0`, `web-1`, ...),
 * made in order, each Running and Ready before the next (OrderedReady, the default), or all at
 * once (Parallel).
 *
 * @example
 * ```ts
 * const spec: StatefulSetSpec = {
 *   replicas: 3, serviceName: 'web', selector: { matchLabels: { app: 'web' } },
 *   template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } },
 * };
 * ```
 */
export interface StatefulSetSpec {
  /** default 1 */
  replicas?: number;
  /** must match the template's labels; may not change */
  selector: LabelSelector;
  template: PodTemplateSpec;
  /** the headless Service that gives each pod its DNS name (`web-0.web`): its pods' `subdomain` */
  serviceName: string;
  /** OrderedReady (default) or Parallel */
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: StatefulSetUpdateStrategy;
  /** how many old ControllerRevisions to keep; default 10 */
  revisionHistoryLimit?: number;
  /** a new pod counts as available once it has been Ready this long; default 0 */
  minReadySeconds?: number;
  ordinals?: StatefulSetOrdinals;
  persistentVolumeClaimRetentionPolicy?: StatefulSetPersistentVolumeClaimRetentionPolicy;
  /**
   * claims each pod gets its own of, made before the pod: `www` in StatefulSet `web` is the claim
   * `www-web-0` of pod web-0, mounted as the pod's volume `www`; may not change
   */
  volumeClaimTemplates?: PersistentVolumeClaim[];
}

/** A condition of a StatefulSet (upstream's controller sets none today). */
export interface StatefulSetCondition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: Time;
}

/** What the StatefulSet controller last counted. */
export interface StatefulSetStatus {
  /** the metadata.generation this status describes */
  observedGeneration?: number;
  /** pods made (Pending or later) */
  replicas: number;
  readyReplicas?: number;
  /** ready for at least minReadySeconds */
  availableReplicas?: number;
  /** pods at currentRevision */
  currentReplicas?: number;
  /** pods at updateRevision */
  updatedReplicas?: number;
  /** the ControllerRevision the pods below the rollout run: `web-6b9c9c8d5f` */
  currentRevision?: string;
  /** the ControllerRevision of the template now */
  updateRevision?: string;
  collisionCount?: number;
  conditions?: StatefulSetCondition[];
}

/**
 * A StatefulSet: pods with a stable identity (name, hostname, ordinal), made, updated and
 * removed in order — for a database, a queue, anything whose members know each other by name.
 *
 * @example
 * ```ts
 * const sts: StatefulSet = {
 *   apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
 *   spec: { replicas: 2, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } },
 * };
 * ```
 */
export interface StatefulSet extends KubeObject {
  apiVersion?: 'apps/v1';
  kind?: 'StatefulSet';
  spec?: StatefulSetSpec;
  status?: StatefulSetStatus;
}
