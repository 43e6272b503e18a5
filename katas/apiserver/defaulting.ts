/**
 * Defaulting: the values the apiserver fills in when a client leaves a field out
 * (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go). A three-line manifest comes back
 * from `kubectl get -o yaml` with a restartPolicy, a grace period, a strategy of 25%/25%: these
 * functions are why.
 *
 * Rules every default follows:
 * - it only fills in what is missing (`undefined`); a value the client set, even `0` or `''`...
 *   stays (Kubernetes' defaulters test "is it unset", never "is it falsy");
 * - running it twice changes nothing the second time;
 * - it changes the object in place (as the real defaulters do) and returns it, for convenience.
 *
 * | kind | field | default |
 * | --- | --- | --- |
 * | namespaced kinds | `metadata.namespace` | `default` |
 * | Pod (and every pod template) | `spec.restartPolicy` | `Always` |
 * | | `spec.terminationGracePeriodSeconds` | `30` |
 * | | `spec.schedulerName` | `default-scheduler` |
 * | | container port `protocol` | `TCP` |
 * | | container `resources.requests` | each limit without a request: request = limit |
 * | | probes | `timeoutSeconds` 1, `periodSeconds` 10, `successThreshold` 1, `failureThreshold` 3; httpGet `path` `/`, `scheme` `HTTP` |
 * | Service | `spec.type` | `ClusterIP` |
 * | | `spec.sessionAffinity` | `None`; with `ClientIP`, `sessionAffinityConfig.clientIP.timeoutSeconds` 10800 |
 * | | port `protocol`, `targetPort` | `TCP`, the port's own number |
 * | Deployment | `spec.replicas` | `1` |
 * | | `spec.strategy` | `RollingUpdate` with `maxUnavailable: '25%'`, `maxSurge: '25%'` |
 * | | `spec.revisionHistoryLimit`, `spec.progressDeadlineSeconds` | `10`, `600` |
 * | ReplicaSet | `spec.replicas` | `1` |
 * | Namespace | label `kubernetes.io/metadata.name` | the namespace's name |
 * | Node | `status.allocatable` | a copy of `status.capacity` |
 *
 * @example
 * ```ts
 * const pod = applyDefaults({ kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
 * pod.metadata.namespace;                    // 'default'
 * pod.spec.restartPolicy;                    // 'Always'
 * pod.spec.terminationGracePeriodSeconds;    // 30
 * ```
 */
import { NotImplemented } from '@kube/kit';
import type { Container, Deployment, KubeObject, Namespace, Node, Pod, PodSpec, PodTemplateSpec, Probe, ReplicaSet, Service } from '@kube/kit';

/** The namespace of a namespaced object that names none. */
export const DEFAULT_NAMESPACE = 'default';
/** The grace period a pod gets to stop, in seconds. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** How long a ClientIP session sticks to one pod, in seconds (3 hours). */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;
/** The label every namespace carries with its own name, so that selectors can pick namespaces. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The kinds that live in a namespace (and get `default` when they name none). */
const NAMESPACED = new Set(['Pod', 'Service', 'Deployment', 'ReplicaSet', 'Endpoints', 'Event', 'Lease', 'ConfigMap', 'Secret']);

/** Sets the namespace of a namespaced object that has none to {@link DEFAULT_NAMESPACE}. */
export function defaultObjectNamespace<T extends KubeObject>(obj: T): T {
  // TODO(07): only when there is none.
  throw new NotImplemented('07', 'defaultObjectNamespace');
}

/** A pod spec (SetDefaults_PodSpec and the container defaults): restartPolicy, grace period, schedulerName, containers. */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  // TODO(07): restartPolicy, terminationGracePeriodSeconds, schedulerName; then every container (ports, requests from limits, probes).
  throw new NotImplemented('07', 'defaultPodSpec');
}

/** A Pod: its namespace and its spec. */
export function defaultPod(pod: Pod): Pod {
  // TODO(07): the namespace and the spec.
  throw new NotImplemented('07', 'defaultPod');
}

/**
 * A Service (SetDefaults_Service): type ClusterIP, sessionAffinity None (with ClientIP, a timeout
 * of 3 hours), every port TCP and targeting its own number.
 */
export function defaultService(service: Service): Service {
  // TODO(07): type, sessionAffinity (and its timeout for ClientIP), each port.
  throw new NotImplemented('07', 'defaultService');
}

/**
 * A Deployment (apps/v1 SetDefaults_Deployment): 1 replica, a RollingUpdate strategy of 25%
 * unavailable and 25% surge, 10 old ReplicaSets kept, 600 s to make progress; its pod template.
 */
export function defaultDeployment(deployment: Deployment): Deployment {
  // TODO(07): replicas, strategy, revisionHistoryLimit, progressDeadlineSeconds, the template.
  throw new NotImplemented('07', 'defaultDeployment');
}

/** A ReplicaSet (apps/v1 SetDefaults_ReplicaSet): 1 replica; its pod template. */
export function defaultReplicaSet(replicaSet: ReplicaSet): ReplicaSet {
  // TODO(07): replicas, the template.
  throw new NotImplemented('07', 'defaultReplicaSet');
}

/** A Namespace (SetDefaults_Namespace): the label `kubernetes.io/metadata.name` = its name. */
export function defaultNamespace(namespace: Namespace): Namespace {
  // TODO(07): the name label.
  throw new NotImplemented('07', 'defaultNamespace');
}

/** A Node (SetDefaults_NodeStatus): allocatable is the capacity when the kubelet reports none. */
export function defaultNode(node: Node): Node {
  // TODO(07): allocatable from capacity.
  throw new NotImplemented('07', 'defaultNode');
}

/**
 * Fills in the defaults of any object by its `kind` (Pod, Service, Deployment, ReplicaSet,
 * Namespace, Node); any other namespaced kind gets its namespace only; other kinds are left as
 * they are. Changes `obj` in place and returns it.
 */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  // TODO(07): dispatch on kind.
  throw new NotImplemented('07', 'applyDefaults');
}
