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
  obj.metadata ??= {};
  obj.metadata.namespace ??= DEFAULT_NAMESPACE;
  return obj;
}

/** A probe's timings (SetDefaults_Probe) and its httpGet's path and scheme (SetDefaults_HTTPGetAction). */
function defaultProbe(probe: Probe | undefined): void {
  if (probe === undefined) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  if (probe.httpGet) {
    probe.httpGet.path ??= '/';
    probe.httpGet.scheme ??= 'HTTP';
  }
}

/** One container: port protocols, requests from limits, probes. */
function defaultContainer(container: Container): void {
  for (const port of container.ports ?? []) port.protocol ??= 'TCP';
  const limits = container.resources?.limits;
  if (limits !== undefined && Object.keys(limits).length > 0) {
    // A limit without a request: the request is the limit (SetDefaults_Pod), so the scheduler
    // reserves what the container may use.
    const requests = (container.resources!.requests ??= {});
    for (const [resource, limit] of Object.entries(limits)) requests[resource] ??= limit;
  }
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
}

/** A pod spec (SetDefaults_PodSpec and the container defaults): restartPolicy, grace period, schedulerName, containers. */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.schedulerName ??= 'default-scheduler';
  for (const container of spec.containers ?? []) defaultContainer(container);
  for (const container of spec.initContainers ?? []) defaultContainer(container);
  return spec;
}

/** A Pod: its namespace and its spec. */
export function defaultPod(pod: Pod): Pod {
  defaultObjectNamespace(pod);
  if (pod.spec) defaultPodSpec(pod.spec);
  return pod;
}

/** A pod template: its spec, as a pod's. */
function defaultTemplate(template: PodTemplateSpec | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

/**
 * A Service (SetDefaults_Service): type ClusterIP, sessionAffinity None (with ClientIP, a timeout
 * of 3 hours), every port TCP and targeting its own number.
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
