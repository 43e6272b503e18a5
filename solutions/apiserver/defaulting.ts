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
import { externallyAccessible } from '@kube/kit';
import type { Container, Deployment, KubeObject, Namespace, Node, Pod, PodSpec, PodTemplateSpec, Probe, PullPolicy, ReplicaSet, Service } from '@kube/kit';

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
  obj.metadata ??= {};
  obj.metadata.namespace ??= DEFAULT_NAMESPACE;
  return obj;
}

/**
 * A probe's timings (SetDefaults_Probe) and its httpGet's path and scheme (SetDefaults_HTTPGetAction).
 * A 0 is unset, as Go's zero value is there: `periodSeconds: 0` becomes 10.
 */
function defaultProbe(probe: Probe | undefined): void {
  if (probe === undefined) return;
  const unset = (value: number | undefined) => value === undefined || value === 0;
  if (unset(probe.timeoutSeconds)) probe.timeoutSeconds = 1;
  if (unset(probe.periodSeconds)) probe.periodSeconds = 10;
  if (unset(probe.successThreshold)) probe.successThreshold = 1;
  if (unset(probe.failureThreshold)) probe.failureThreshold = 3;
  if (probe.httpGet) {
    probe.httpGet.path ??= '/';
    probe.httpGet.scheme ??= 'HTTP';
  }
}

/**
 * The pull policy an image gets when its container names none (SetDefaults_Container): `Always`
 * when the tag is `latest`, which a reference without a tag means (`nginx`, `localhost:5000/app`:
 * the `:5000` is a port, not a tag), so that a moving tag is pulled again; `IfNotPresent` for any
 * other tag (`nginx:1.27`) and for a digest without a tag (`nginx@sha256:...`), which cannot move.
 */
export function defaultPullPolicy(image: string): PullPolicy {
  if (image === '') return 'IfNotPresent';
  const [name, digest] = image.split('@');
  const lastPart = name!.slice(name!.lastIndexOf('/') + 1);
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : digest === undefined ? 'latest' : '';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** One container (SetDefaults_Container and what is inside it): pull policy, termination message, port protocols, probes. */
function defaultContainer(container: Container): void {
  container.imagePullPolicy ??= defaultPullPolicy(container.image ?? '');
  container.terminationMessagePath ??= DEFAULT_TERMINATION_MESSAGE_PATH;
  container.terminationMessagePolicy ??= 'File';
  for (const port of container.ports ?? []) port.protocol ??= 'TCP';
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
}

/**
 * A container of a Pod with a limit but no request: the request is the limit, so the scheduler
 * reserves what the container may use. Pods only (SetDefaults_Pod): a template keeps what it was
 * given, and its pods get the requests when they are created.
 */
function requestsFromLimits(container: Container): void {
  const limits = container.resources?.limits;
  if (limits === undefined || Object.keys(limits).length === 0) return;
  const requests = (container.resources!.requests ??= {});
  for (const [resource, limit] of Object.entries(limits)) requests[resource] ??= limit;
}

/** A pod spec, a Pod's or a template's (SetDefaults_PodSpec and the container defaults): DNS policy, restart policy, security context, grace period, scheduler, containers. */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.schedulerName ??= 'default-scheduler';
  for (const container of spec.containers ?? []) defaultContainer(container);
  for (const container of spec.initContainers ?? []) defaultContainer(container);
  return spec;
}

/** A Pod: its namespace, its spec, and what only a Pod gets (SetDefaults_Pod): requests from limits, host ports on the host's network, service links. */
export function defaultPod(pod: Pod): Pod {
  defaultObjectNamespace(pod);
  const spec = pod.spec;
  if (spec === undefined) return pod;
  defaultPodSpec(spec);
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) requestsFromLimits(container);
  // On the node's network a container's port is a port of the node's (defaultHostNetworkPorts).
  if (spec.hostNetwork) {
    for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const port of container.ports ?? []) if (!port.hostPort) port.hostPort = port.containerPort;
    }
  }
  spec.enableServiceLinks ??= true;
  return pod;
}

/** A pod template: its spec, as a pod's. */
function defaultTemplate(template: PodTemplateSpec | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

/**
 * A Service (SetDefaults_Service): type ClusterIP, sessionAffinity None (with ClientIP, a timeout
 * of 3 hours), every port TCP and targeting its own number; traffic policies Cluster where they
 * apply; a LoadBalancer gets node ports.
 */
export function defaultService(service: Service): Service {
  defaultObjectNamespace(service);
  const spec = (service.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    const config = (spec.sessionAffinityConfig ??= {});
    const clientIP = (config.clientIP ??= {});
    clientIP.timeoutSeconds ??= DEFAULT_CLIENT_IP_TIMEOUT_SECONDS;
  }
  for (const port of spec.ports ?? []) {
    port.protocol ??= 'TCP';
    // targetPort 0 or '' also means "unset" in Kubernetes (an IntOrString's zero value).
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  // Only a Service with a virtual IP has traffic to route; an ExternalName Service is a DNS name.
  if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.internalTrafficPolicy ??= 'Cluster';
  if (externallyAccessible(service)) spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  return service;
}

/**
 * A Deployment (apps/v1 SetDefaults_Deployment): 1 replica, a RollingUpdate strategy of 25%
 * unavailable and 25% surge, 10 old ReplicaSets kept, 600 s to make progress; its pod template.
 */
export function defaultDeployment(deployment: Deployment): Deployment {
  defaultObjectNamespace(deployment);
  const spec = deployment.spec;
  if (spec === undefined) return deployment;
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rolling = (strategy.rollingUpdate ??= {});
    rolling.maxUnavailable ??= '25%';
    rolling.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec.template);
  return deployment;
}

/** A ReplicaSet (apps/v1 SetDefaults_ReplicaSet): 1 replica; its pod template. */
export function defaultReplicaSet(replicaSet: ReplicaSet): ReplicaSet {
  defaultObjectNamespace(replicaSet);
  const spec = replicaSet.spec;
  if (spec === undefined) return replicaSet;
  spec.replicas ??= 1;
  defaultTemplate(spec.template);
  return replicaSet;
}

/** A Namespace (SetDefaults_Namespace): the label `kubernetes.io/metadata.name` = its name. */
export function defaultNamespace(namespace: Namespace): Namespace {
  const name = namespace.metadata?.name;
  if (name) {
    namespace.metadata.labels ??= {};
    // Always the name, even over a value the client set: the label must be true to be useful.
    namespace.metadata.labels[NAMESPACE_NAME_LABEL] = name;
  }
  return namespace;
}

/** A Node (SetDefaults_NodeStatus): allocatable is the capacity when the kubelet reports none. */
export function defaultNode(node: Node): Node {
  const status = node.status;
  if (status?.capacity !== undefined && status.allocatable === undefined) status.allocatable = { ...status.capacity };
  return node;
}

/**
 * Fills in the defaults of any object by its `kind` (Pod, Service, Deployment, ReplicaSet,
 * Namespace, Node); any other namespaced kind gets its namespace only; other kinds are left as
 * they are. Changes `obj` in place and returns it.
 */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  switch (obj.kind) {
    case 'Pod':
      defaultPod(obj as Pod);
      break;
    case 'Service':
      defaultService(obj as Service);
      break;
    case 'Deployment':
      defaultDeployment(obj as Deployment);
      break;
    case 'ReplicaSet':
      defaultReplicaSet(obj as ReplicaSet);
      break;
    case 'Namespace':
      defaultNamespace(obj as Namespace);
      break;
    case 'Node':
      defaultNode(obj as Node);
      break;
    default:
      if (obj.kind !== undefined && NAMESPACED.has(obj.kind)) defaultObjectNamespace(obj);
  }
  return obj;
}
