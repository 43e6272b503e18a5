/**
 * Pods (core/v1): the unit the scheduler places, the kubelet runs and Services send traffic to.
 * The scheduling constraints of a pod (affinity, tolerations, spread) are in `scheduling.ts`.
 * @module
 */
import type { ConditionStatus, KubeObject, ObjectMeta, ObjectReference, Quantity, Time } from './meta.ts';
import type { Affinity, Toleration, TopologySpreadConstraint } from './scheduling.ts';

/** A network protocol of a port. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/**
 * An environment variable of a container: `{ name: 'PORT', value: '8080' }`, or one whose value
 * the kubelet looks up when it starts the container: `{ name: 'NODE', valueFrom: { fieldRef:
 * { fieldPath: 'spec.nodeName' } } }`. A `value` may name earlier variables as `$(NAME)`.
 */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

/** Where an environment variable's value comes from (exactly one of these). */
export interface EnvVarSource {
  /** a field of the pod: `metadata.name`, `metadata.labels['app']`, `spec.nodeName`, `status.podIP`, ... */
  fieldRef?: ObjectFieldSelector;
  /** a resource of a container: `limits.cpu`, `requests.memory`, ... */
  resourceFieldRef?: ResourceFieldSelector;
  /** one key of a ConfigMap in the pod's namespace */
  configMapKeyRef?: ConfigMapKeySelector;
  /** one key of a Secret in the pod's namespace (its value decoded) */
  secretKeyRef?: SecretKeySelector;
}

/** A field of the pod, by its path (the Downward API). */
export interface ObjectFieldSelector {
  /** default v1 */
  apiVersion?: string;
  fieldPath: string;
}

/** A container's limit or request, in units of `divisor` (default 1), rounded up. */
export interface ResourceFieldSelector {
  /** default: the container itself */
  containerName?: string;
  /** `limits.cpu`, `limits.memory`, `requests.cpu`, `requests.memory`, ... */
  resource: string;
  divisor?: Quantity;
}

/** One key of a ConfigMap. */
export interface ConfigMapKeySelector {
  name?: string;
  key: string;
  /** true: a missing ConfigMap or key leaves the variable out instead of failing the container */
  optional?: boolean;
}

/** One key of a Secret. */
export interface SecretKeySelector {
  name?: string;
  key: string;
  /** true: a missing Secret or key leaves the variable out instead of failing the container */
  optional?: boolean;
}

/** Every key of a ConfigMap or a Secret as environment variables, each name behind `prefix`. */
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: ConfigMapEnvSource;
  secretRef?: SecretEnvSource;
}

/** The ConfigMap of an {@link EnvFromSource}. */
export interface ConfigMapEnvSource {
  name?: string;
  /** true: a missing ConfigMap adds nothing instead of failing the container */
  optional?: boolean;
}

/** The Secret of an {@link EnvFromSource}. */
export interface SecretEnvSource {
  name?: string;
  /** true: a missing Secret adds nothing instead of failing the container */
  optional?: boolean;
}

/** A port a container listens on; `name` lets a Service's targetPort or a probe refer to it. */
export interface ContainerPort {
  containerPort: number;
  /** an IANA service name, unique in the pod: `"http"` */
  name?: string;
  /** default TCP */
  protocol?: Protocol;
  /** the node's port the container's is reachable at; a pod on the node's network gets its containerPort by default */
  hostPort?: number;
  /** the node's address the host port is on; default every address (`0.0.0.0`) */
  hostIP?: string;
}

/**
 * What a container asks for and may use, per resource (`cpu`, `memory`, ...). The scheduler
 * reserves the requests on a node; limits are the most it may use. A limit without a request
 * also sets the request.
 *
 * @example
 * ```ts
 * const resources: ResourceRequirements = { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } };
 * ```
 */
export interface ResourceRequirements {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}

/** A probe that runs a command in the container; exit status 0 is success. */
export interface ExecAction {
  command?: string[];
}

/** A probe that sends an HTTP GET; a status code in [200, 400) is success. */
export interface HTTPGetAction {
  /** default `"/"` */
  path?: string;
  /** a port number, or the name of a container port (`"http"`) */
  port: number | string;
  /** default: the pod's IP */
  host?: string;
  /** default HTTP */
  scheme?: 'HTTP' | 'HTTPS';
}

/** A probe that opens a TCP connection; connecting is success. */
export interface TCPSocketAction {
  /** a port number, or the name of a container port */
  port: number | string;
  host?: string;
}

/**
 * A health check the kubelet runs on a container (kata 24): exactly one of exec, httpGet and
 * tcpSocket. Defaults: initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1,
 * successThreshold 1, failureThreshold 3.
 *
 * @example
 * ```ts
 * const readiness: Probe = { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5, failureThreshold: 2 };
 * ```
 */
export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  /** wait this long after the container starts before the first probe */
  initialDelaySeconds?: number;
  /** how often to probe */
  periodSeconds?: number;
  /** a probe that takes longer has failed */
  timeoutSeconds?: number;
  /** consecutive successes to count as passing after a failure (must be 1 for liveness and startup) */
  successThreshold?: number;
  /** consecutive failures to count as failing */
  failureThreshold?: number;
}

/**
 * One container of a pod: a process started from an image.
 *
 * @example
 * ```ts
 * const web: Container = { name: 'web', image: 'node:20', command: ['node'], args: ['server.js'], ports: [{ name: 'http', containerPort: 8080 }] };
 * ```
 */
export interface Container {
  /** unique in the pod (a DNS label) */
  name: string;
  image?: string;
  /** the executable and its leading arguments (the image's ENTRYPOINT when absent) */
  command?: string[];
  /** the arguments (the image's CMD when absent) */
  args?: string[];
  env?: EnvVar[];
  /** whole ConfigMaps and Secrets as variables; `env` wins where both name one */
  envFrom?: EnvFromSource[];
  workingDir?: string;
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  /** failing it restarts the container */
  livenessProbe?: Probe;
  /** failing it takes the pod out of its Services' endpoints */
  readinessProbe?: Probe;
  /** until it passes, the other probes do not run */
  startupProbe?: Probe;
  /** when to pull the image; default Always for `:latest` or no tag, else IfNotPresent */
  imagePullPolicy?: PullPolicy;
  /** the file whose contents become the container's termination message; default `/dev/termination-log` */
  terminationMessagePath?: string;
  /** default File; FallbackToLogsOnError uses the end of the log when the file is empty */
  terminationMessagePolicy?: TerminationMessagePolicy;
  /** keep a stdin open for the container's process, which `kubectl attach -i` writes to; default false */
  stdin?: boolean;
  /** close that stdin when the first attached client closes its own (`kubectl run -i` sets it); default false */
  stdinOnce?: boolean;
  /** give the container a terminal (`kubectl run -it`); default false */
  tty?: boolean;
}

/**
 * A container added to a running pod for a while, to look inside it (`kubectl debug`): a
 * Container's fields, of which ports, probes, lifecycle and resources may not be set. It is added
 * only through the pod's `ephemeralcontainers` subresource, never removed or changed, and never
 * restarted when it exits.
 *
 * @example
 * ```ts
 * const debug: EphemeralContainer = { name: 'debugger-x7k2p', image: 'kubekata/node', args: ['-i'], stdin: true, tty: true };
 * ```
 */
export interface EphemeralContainer extends Container {
  /** the container whose namespaces it would share on a real node (here only recorded) */
  targetContainerName?: string;
}

/** When the kubelet pulls a container's image: every start, only when the node lacks it, or never. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Where a container's termination message comes from. */
export type TerminationMessagePolicy = 'File' | 'FallbackToLogsOnError';

/** When the kubelet restarts a pod's containers that exit: always, only on failure (exit ≠ 0), or never. */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** How a pod's DNS is set up: the cluster's DNS first (the default), or the node's, or none. */
export type DNSPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';

/**
 * DNS settings of a pod beside those its {@link DNSPolicy} gives (the kubelet appends them, dropping
 * repeats; an option of the same name replaces the policy's).
 *
 * @example
 * ```ts
 * const dnsConfig: PodDNSConfig = { nameservers: ['10.0.0.53'], searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }] };
 * ```
 */
export interface PodDNSConfig {
  /** IP addresses, at most 3 */
  nameservers?: string[];
  /** search domains, at most 32 and 2048 characters in all */
  searches?: string[];
  options?: PodDNSConfigOption[];
}

/** A resolver option of a pod's {@link PodDNSConfig}: `ndots` with value `2` is `options ndots:2`. */
export interface PodDNSConfigOption {
  /** required */
  name?: string;
  value?: string;
}

/** Who a pod's processes run as (upstream has more: SELinux, seccomp, sysctls, ...). */
export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  fsGroup?: number;
  supplementalGroups?: number[];
}

/**
 * What the pod should be: its containers and where it may run.
 *
 * @example
 * ```ts
 * const spec: PodSpec = {
 *   containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '100m' } } }],
 *   nodeSelector: { 'kubernetes.io/os': 'linux' },
 *   restartPolicy: 'Always',
 * };
 * ```
 */
export interface PodSpec {
  /** at least one */
  containers: Container[];
  /** run one after another, each to success, before the containers start */
  initContainers?: Container[];
  /** added to the running pod through `pods/<name>/ephemeralcontainers` (`kubectl debug`); never on create */
  ephemeralContainers?: EphemeralContainer[];
  /** the node the pod runs on; set by the scheduler's Binding (or by the user, skipping the scheduler) */
  nodeName?: string;
  /** the node must have every one of these labels */
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  /** default Always */
  restartPolicy?: RestartPolicy;
  /** how long a container may take to stop after SIGTERM before SIGKILL; default 30 */
  terminationGracePeriodSeconds?: number;
  /** how long the pod may run before it is failed */
  activeDeadlineSeconds?: number;
  /** set from the PriorityClass by admission; higher is scheduled first and may preempt lower */
  priority?: number;
  priorityClassName?: string;
  /** whether the pod may preempt lower-priority pods; set by admission, default PreemptLowerPriority */
  preemptionPolicy?: PreemptionPolicy;
  /** while any is left the scheduler leaves the pod alone; an update may only take them off (apiserver/scheduling-gates.ts) */
  schedulingGates?: PodSchedulingGate[];
  /** which scheduler places the pod; default `"default-scheduler"` */
  schedulerName?: string;
  /** the ServiceAccount the pod runs as; default `default` (set by admission) */
  serviceAccountName?: string;
  /** the old name of serviceAccountName, which the v1 API still shows beside it */
  serviceAccount?: string;
  hostname?: string;
  subdomain?: string;
  /** whether the pod is on the node's network (its IP is the node's) instead of one of its own; default false */
  hostNetwork?: boolean;
  /** default ClusterFirst */
  dnsPolicy?: DNSPolicy;
  /** nameservers, search domains and options added to what dnsPolicy gives; required when it is None */
  dnsConfig?: PodDNSConfig;
  /** whether the containers get environment variables naming the namespace's Services; default true (pods only) */
  enableServiceLinks?: boolean;
  /** default `{}` */
  securityContext?: PodSecurityContext;
}

/** Whether a pod may preempt lower-priority pods. */
export type PreemptionPolicy = 'PreemptLowerPriority' | 'Never';

/** One reason a pod may not be scheduled yet, named by whoever will take it off (`example.com/quota`). */
export interface PodSchedulingGate {
  name: string;
}

/** Where a pod is in its life (kata 23 computes it from its containers). */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** The conditions Kubernetes sets on pods; others may come from readiness gates. */
export type PodConditionType = 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready' | 'DisruptionTarget';

/** One condition of a pod: `{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }`. */
export interface PodCondition {
  type: PodConditionType | (string & {});
  status: ConditionStatus;
  /** one CamelCase word: `"Unschedulable"` */
  reason?: string;
  /** for people: `"0/3 nodes are available: 3 Insufficient cpu."` */
  message?: string;
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
}

/** A container that is not running yet (or again): `{ reason: 'CrashLoopBackOff' }`. */
export interface ContainerStateWaiting {
  /** `"ContainerCreating"`, `"CrashLoopBackOff"`, `"ErrImagePull"`, ... */
  reason?: string;
  message?: string;
}

/** A running container. */
export interface ContainerStateRunning {
  startedAt?: Time;
}

/** A container that has exited. */
export interface ContainerStateTerminated {
  exitCode: number;
  /** the signal that killed it, if one did */
  signal?: number;
  /** `"Completed"`, `"Error"`, `"OOMKilled"`, ... */
  reason?: string;
  message?: string;
  startedAt?: Time;
  finishedAt?: Time;
  containerID?: string;
}

/** The state of a container: exactly one of waiting, running and terminated is set. */
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}

/** How one container of a pod is doing, as its kubelet reports it. */
export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  /** the state of its previous run (after a restart) */
  lastState?: ContainerState;
  /** passes its readiness probe */
  ready: boolean;
  restartCount: number;
  /** passed its startup probe (or has none) */
  started?: boolean;
  image: string;
  imageID: string;
  /** `"<runtime>://<id>"` */
  containerID?: string;
}

/** An IP address of a pod. */
export interface PodIP {
  ip?: string;
}

/** An IP address of the node a pod runs on. */
export interface HostIP {
  ip?: string;
}

/**
 * What the pod is, as the scheduler and the kubelet report it through `pods/<name>/status`.
 *
 * @example
 * ```ts
 * const status: PodStatus = {
 *   phase: 'Running', podIP: '127.0.1.5', podIPs: [{ ip: '127.0.1.5' }], hostIP: '127.0.0.1',
 *   conditions: [{ type: 'Ready', status: 'True' }],
 * };
 * ```
 */
export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  /** why the pod is in this phase, for people */
  message?: string;
  /** why, in one word: `"Evicted"` */
  reason?: string;
  hostIP?: string;
  hostIPs?: HostIP[];
  /** the pod's IP; the first of podIPs */
  podIP?: string;
  podIPs?: PodIP[];
  /** when the kubelet accepted the pod */
  startTime?: Time;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  /** the statuses of `spec.ephemeralContainers`, in the same way */
  ephemeralContainerStatuses?: ContainerStatus[];
  /** the node the scheduler preempted pods on, for this pod to go there next */
  nominatedNodeName?: string;
  /** set once by the apiserver at create, from the containers' requests and limits */
  qosClass?: PodQOSClass;
}

/**
 * A pod's quality of service, which decides what the node evicts first: Guaranteed (every
 * container's cpu and memory limits equal their requests), BestEffort (no requests or limits at
 * all), Burstable (anything between).
 */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/**
 * A pod: one or more containers that run together on one node and share an IP address.
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

/** The pods a ReplicaSet or a Deployment makes: their metadata (labels) and spec. */
export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

/**
 * The scheduler's decision, POSTed to `pods/<name>/binding`: the apiserver sets the pod's
 * `spec.nodeName` to the target node.
 *
 * @example
 * ```ts
 * const binding: Binding = {
 *   apiVersion: 'v1', kind: 'Binding',
 *   metadata: { name: 'web-1', namespace: 'default' },
 *   target: { apiVersion: 'v1', kind: 'Node', name: 'node-2' },
 * };
 * ```
 */
export interface Binding extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Binding';
  target: ObjectReference;
}
