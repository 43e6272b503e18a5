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
 * | | `spec.dnsPolicy`, `spec.securityContext` | `ClusterFirst`, `{}` |
 * | | container port `protocol` | `TCP` |
 * | | container `imagePullPolicy` | `Always` for an image tagged `latest` or not tagged at all, else `IfNotPresent` |
 * | | container `terminationMessagePath`, `terminationMessagePolicy` | `/dev/termination-log`, `File` |
 * | | probes | `timeoutSeconds` 1, `periodSeconds` 10, `successThreshold` 1, `failureThreshold` 3; httpGet `path` `/`, `scheme` `HTTP` |
 * | Pod only (not a template) | container `resources.requests` | each limit without a request: request = limit |
 * | | `spec.enableServiceLinks` | `true` |
 * | Service | `spec.type` | `ClusterIP` |
 * | | `spec.sessionAffinity` | `None`; with `ClientIP`, `sessionAffinityConfig.clientIP.timeoutSeconds` 10800 |
 * | | port `protocol`, `targetPort` | `TCP`, the port's own number |
 * | | `spec.internalTrafficPolicy` | `Cluster` for ClusterIP, NodePort and LoadBalancer (not ExternalName) |
 * | | `spec.externalTrafficPolicy` | `Cluster` for NodePort, LoadBalancer and a ClusterIP Service with `externalIPs` (kit's `externallyAccessible`) |
 * | | `spec.allocateLoadBalancerNodePorts` | `true` for LoadBalancer |
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
import type { Deployment, KubeObject, Namespace, Node, Pod, PodSpec, PullPolicy, ReplicaSet, Service } from '@kube/kit';

/** The namespace of a namespaced object that names none. */
export const DEFAULT_NAMESPACE = 'default';
/** The grace period a pod gets to stop, in seconds. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** How long a ClientIP session sticks to one pod, in seconds (3 hours). */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;
/** The label every namespace carries with its own name, so that selectors can pick namespaces. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Where a container writes why it ended, for `kubectl describe` to show. */
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/** The kinds that live in a namespace (and get `default` when they name none). */
const NAMESPACED = new Set(['Pod', 'Service', 'Deployment', 'ReplicaSet', 'Endpoints', 'Event', 'Lease', 'ConfigMap', 'Secret']);

/** Sets the namespace of a namespaced object that has none to {@link DEFAULT_NAMESPACE}. */
export function defaultObjectNamespace<T extends KubeObject>(obj: T): T {
  // TODO(07): only when there is none.
  throw new NotImplemented('07', 'defaultObjectNamespace');
}

/**
 * The pull policy an image gets when its container names none (SetDefaults_Container): `Always`
 * when the tag is `latest`, which a reference without a tag means (`nginx`, `localhost:5000/app`:
 * the `:5000` is a port, not a tag), so that a moving tag is pulled again; `IfNotPresent` for any
 * other tag (`nginx:1.27`) and for a digest without a tag (`nginx@sha256:...`), which cannot move.
 */
export function defaultPullPolicy(image: string): PullPolicy {
  // TODO(07): the tag is what follows ':' in the last '/'-part, before any '@digest'; no tag and no digest means 'latest'.
  // TODO(07): '' is IfNotPresent.
  throw new NotImplemented('07', 'defaultPullPolicy');
}

/** A pod spec, a Pod's or a template's (SetDefaults_PodSpec and the container defaults): DNS policy, restart policy, security context, grace period, scheduler, containers. */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  // TODO(07): dnsPolicy, restartPolicy, securityContext, terminationGracePeriodSeconds, schedulerName; then every container and
  // TODO(07): init container (imagePullPolicy, terminationMessagePath and -Policy, port protocols, probes).
  throw new NotImplemented('07', 'defaultPodSpec');
}

/** A Pod: its namespace, its spec, and what only a Pod gets (SetDefaults_Pod): requests from limits, host ports on the host's network, service links. */
export function defaultPod(pod: Pod): Pod {
  // TODO(07): the namespace; then, if it has a spec, the spec, each container's requests from its limits (init containers' too),
  // TODO(07): with hostNetwork each port's hostPort (0 or none: its containerPort), and enableServiceLinks.
  throw new NotImplemented('07', 'defaultPod');
}

/**
 * A Service (SetDefaults_Service): type ClusterIP, sessionAffinity None (with ClientIP, a timeout
 * of 3 hours), every port TCP and targeting its own number; traffic policies Cluster where they
 * apply; a LoadBalancer gets node ports.
 */
export function defaultService(service: Service): Service {
  // TODO(07): type, sessionAffinity (and its timeout for ClientIP), each port; then internalTrafficPolicy, externalTrafficPolicy
  // TODO(07): and allocateLoadBalancerNodePorts for the types that have them.
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
