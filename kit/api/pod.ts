/**
 * Pods (core/v1): the unit the scheduler places, the kubelet runs and the proxy sends traffic to.
 */
import type { KubeObject, LabelSelector, ObjectMeta, Quantity, Time } from './meta.ts';

/** An environment variable of a container. */
export interface EnvVar {
  name: string;
  value?: string;
}

/** A port a container listens on. */
export interface ContainerPort {
  containerPort: number;
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  hostPort?: number;
}

/** What a container asks for (requests: the scheduler reserves it) and may use at most (limits). */
export interface ResourceRequirements {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}

/** Run a command in the container; exit 0 is success. */
export interface ExecAction {
  command?: string[];
}

/** An HTTP GET; a status in [200, 400) is success. */
export interface HTTPGetAction {
  path?: string;
  /** a number, or the name of a container port */
  port: number | string;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
}

/** Open a TCP connection; connecting is success. */
export interface TCPSocketAction {
  port: number | string;
  host?: string;
}

/** A health check the kubelet runs (kata 24). Defaults: period 10 s, timeout 1 s, failureThreshold 3. */
export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

/** One container of a pod. */
export interface Container {
  name: string;
  image?: string;
  /** the entrypoint (Docker's ENTRYPOINT) */
  command?: string[];
  /** its arguments (Docker's CMD) */
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  workingDir?: string;
}

/** The operators of node selector expressions; Gt and Lt compare integers. */
export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

/** One expression on a node's labels (or, in matchFields, its metadata.name). */
export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  values?: string[];
}

/** All of its expressions must hold (AND); an empty term matches no node. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** Any of its terms may hold (OR). */
export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

/** A weighted preference for nodes (weight 1-100). */
export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

/** Which nodes a pod must (required) or would rather (preferred) run on. */
export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

/** Pods matching labelSelector (in namespaces) within the same topologyKey domain. */
export interface PodAffinityTerm {
  labelSelector?: LabelSelector;
  /** default: the pod's own namespace */
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
  /** a node label, e.g. kubernetes.io/hostname or topology.kubernetes.io/zone */
  topologyKey: string;
}

/** A weighted preference (1-100) for a pod affinity term. */
export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

/** Run near pods like these. */
export interface PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

/** Run away from pods like these. */
export interface PodAntiAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

/** The scheduling constraints of a pod. */
export interface Affinity {
  nodeAffinity?: NodeAffinity;
  podAffinity?: PodAffinity;
  podAntiAffinity?: PodAntiAffinity;
}

/** The effects a taint can have. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/**
 * Lets a pod onto nodes with matching taints. An empty effect matches every effect; an empty key
 * with operator Exists matches every key.
 */
export interface Toleration {
  key?: string;
  /** Equal (the default) compares values; Exists ignores them */
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: TaintEffect | '';
  /** for NoExecute: how long the pod may stay after the taint appears */
  tolerationSeconds?: number;
}

/** Spread matching pods evenly across the domains of topologyKey. */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector?: LabelSelector;
  minDomains?: number;
}

/** What the pod should be. */
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  /** set by the scheduler's binding: the node the pod runs on */
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  priority?: number;
  priorityClassName?: string;
  schedulerName?: string;
  serviceAccountName?: string;
  hostname?: string;
  subdomain?: string;
}

/** Pending, Running, Succeeded, Failed or Unknown (kata 23 computes it). */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A condition of a pod: PodScheduled, Initialized, ContainersReady, Ready. */
export interface PodCondition {
  type: 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready' | 'DisruptionTarget' | (string & {});
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
}

/** Exactly one of waiting, running, terminated is set. */
export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: Time };
  terminated?: {
    exitCode: number;
    signal?: number;
    reason?: string;
    message?: string;
    startedAt?: Time;
    finishedAt?: Time;
    containerID?: string;
  };
}

/** How one container is doing. */
export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
}

/** An IP address of a pod. */
export interface PodIP {
  ip: string;
}

/** What the pod is (written by the scheduler and the kubelet through pods/status). */
export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  hostIP?: string;
  podIP?: string;
  podIPs?: PodIP[];
  startTime?: Time;
  containerStatuses?: ContainerStatus[];
  nominatedNodeName?: string;
}

/**
 * A pod.
 *
 * @example
 * ```ts
 * const pod: Pod = {
 *   apiVersion: 'v1', kind: 'Pod',
 *   metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
 *   spec: { containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '100m' } } }] },
 * };
 * ```
 */
export interface Pod extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Pod';
  spec?: PodSpec;
  status?: PodStatus;
}

/** A pod's shape inside a ReplicaSet or Deployment. */
export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

/** The body of POST pods/<name>/binding: the scheduler's decision. */
export interface Binding extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Binding';
  target: { apiVersion?: string; kind?: string; name?: string; namespace?: string };
}
