/**
 * The typed client every later component talks to the apiserver through: the scheduler binds pods
 * with it, controllers create ReplicaSets and pods, the kubelet writes pod status. It is an
 * interface, asynchronous like any remote call: {@link LocalClient} calls a {@link Registry} in
 * the same process (this kata), and kata 10's HTTP client implements the same interface over the
 * network, so a component never knows which one it has.
 *
 * @example
 * ```ts
 * const client: ApiClient = new LocalClient(registry);
 * const pods = client.pods('default');
 * const pod = await pods.create({ metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
 * await pods.list({ labelSelector: 'app=web' });  // { items: [...], resourceVersion: '2' }
 * await pods.updateStatus({ ...pod, status: { phase: 'Running' } });
 * ```
 */
import { NotImplemented, toRFC3339, type Binding, type Deployment, type Endpoints, type Event, type KubeObject, type Lease, type Namespace, type Node, type Pod, type PodCondition, type PodStatus, type ReplicaSet, type Service } from '@kube/kit';
import type { DeleteOptions, ListOptions, ListResult, Registry } from './registry.ts';
import { badRequest, conflict } from './status.ts';
import type { ApiWatch, WatchOptions } from './watch.ts';

/** The calls on one resource, in one namespace (or cluster-wide). */
export interface ResourceClient<T extends KubeObject> {
  create(object: T): Promise<T>;
  get(name: string): Promise<T>;
  list(options?: ListOptions): Promise<ListResult<T>>;
  update(object: T): Promise<T>;
  updateStatus(object: T): Promise<T>;
  delete(name: string, options?: DeleteOptions): Promise<T>;
  /** Watches the resource (kata 09): `registry.watch`, or a `?watch=true` stream over HTTP. */
  watch(options?: WatchOptions): ApiWatch<T>;
}

/**
 * The calls on namespaces: those of every resource, and the `finalize` subresource. Through the
 * API a plain update keeps a namespace's `spec.finalizers` as they were (upstream's namespace
 * strategy); only `finalize` changes them — the namespace controller takes its `kubernetes`
 * finalizer off this way, and `kubectl replace --raw /api/v1/namespaces/x/finalize -f x.json` is
 * how a person frees a namespace stuck Terminating.
 */
export interface NamespaceClient extends ResourceClient<Namespace> {
  /** `PUT /api/v1/namespaces/<name>/finalize`: the namespace with these `spec.finalizers` (none left on a namespace being deleted: it goes) */
  finalize(namespace: Namespace): Promise<Namespace>;
}

/**
 * The calls on pods: those of every resource, and the `binding` subresource, which is how a
 * scheduler places a pod: `spec.nodeName` is set by a Binding, once, and a plain update may not
 * change it (upstream's pod strategy).
 */
export interface PodClient extends ResourceClient<Pod> {
  /**
   * `POST .../pods/<name>/binding`: the pod named by `binding.metadata` goes to `binding.target.name`.
   * Refused with a Conflict when the pod already has a node, or (with `metadata.uid`) is another pod
   * of the same name.
   */
  bind(binding: Binding): Promise<void>;
}

/** A client of the Kubernetes API. */
export interface ApiClient {
  /** Any resource by its plural name; `namespace` undefined: every namespace (lists) or cluster-scoped. */
  resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T>;
  /** `resource<Pod>('pods', namespace)`, and {@link PodClient.bind}; the same shortcut for each resource below */
  pods(namespace?: string): PodClient;
  nodes(): ResourceClient<Node>;
  /** `resource<Namespace>('namespaces')`, and {@link NamespaceClient.finalize} */
  namespaces(): NamespaceClient;
  services(namespace?: string): ResourceClient<Service>;
  endpoints(namespace?: string): ResourceClient<Endpoints>;
  events(namespace?: string): ResourceClient<Event>;
  deployments(namespace?: string): ResourceClient<Deployment>;
  replicaSets(namespace?: string): ResourceClient<ReplicaSet>;
  leases(namespace?: string): ResourceClient<Lease>;
}

/**
 * The shortcuts of {@link ApiClient}, each `resource()` with its resource's name and object type,
 * written once: a client implements `resource` and extends this ({@link LocalClient}, kata 10's
 * HttpClient).
 */
export abstract class BaseApiClient implements ApiClient {
  abstract resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T>;

  pods(namespace?: string): PodClient {
    return { ...this.resource<Pod>('pods', namespace), bind: (binding) => this.bindPod(binding.metadata.namespace ?? namespace ?? 'default', binding) };
  }
  /** Sets a pod's node (the `binding` subresource); each client says how. */
  protected abstract bindPod(namespace: string, binding: Binding): Promise<void>;
  nodes() {
    return this.resource<Node>('nodes');
  }
  namespaces(): NamespaceClient {
    return { ...this.resource<Namespace>('namespaces'), finalize: (namespace) => this.finalizeNamespace(namespace) };
  }
  /** Writes a namespace's `spec.finalizers` (the `finalize` subresource); each client says how. */
  protected abstract finalizeNamespace(namespace: Namespace): Promise<Namespace>;
  services(namespace?: string) {
    return this.resource<Service>('services', namespace);
  }
  endpoints(namespace?: string) {
    return this.resource<Endpoints>('endpoints', namespace);
  }
  events(namespace?: string) {
    return this.resource<Event>('events', namespace);
  }
  deployments(namespace?: string) {
    return this.resource<Deployment>('deployments', namespace);
  }
  replicaSets(namespace?: string) {
    return this.resource<ReplicaSet>('replicasets', namespace);
  }
  leases(namespace?: string) {
    return this.resource<Lease>('leases', namespace);
  }
}

/**
 * A client that passes every call on to `inner`: the base of a wrapper, which overrides only the
 * calls it watches or changes (kata 17's pod events, the controllers' event wrappers, test clients).
 */
export class ForwardingClient extends BaseApiClient {
  constructor(readonly inner: ApiClient) {
    super();
  }

  resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
    return this.inner.resource<T>(resource, namespace);
  }

  protected finalizeNamespace(namespace: Namespace): Promise<Namespace> {
    return this.inner.namespaces().finalize(namespace);
  }

  protected bindPod(namespace: string, binding: Binding): Promise<void> {
    return this.inner.pods(namespace).bind(binding);
  }
}

/**
 * The in-process client: each call goes straight to the registry. Results are the registry's own
 * copies (it hands out fresh objects), so changing one changes nothing stored.
 */
export class LocalClient extends BaseApiClient {
  constructor(private readonly registry: Registry) {
    super();
  }

  /**
   * The registry's own update, which may change `spec.finalizers`. Simplified: in this process a
   * plain update of a namespace may change them too (the HTTP API keeps them, as upstream does).
   */
  protected async finalizeNamespace(namespace: Namespace): Promise<Namespace> {
    return this.registry.update<Namespace>('namespaces', undefined, namespace);
  }

  /**
   * What the API's `pods/<name>/binding` does (kata 10's handler), on the registry: the pod read,
   * refused as {@link refuseBinding} says, written with its node ({@link assignedPod}), then its
   * status with PodScheduled True ({@link scheduledStatus}). The two writes follow each other with
   * nothing in between: no other call can see or change the pod half-bound.
   */
  protected async bindPod(namespace: string, binding: Binding): Promise<void> {
    if (!binding.target?.name) throw badRequest('a Binding needs target.name: the node to bind to');
    const name = binding.metadata.name ?? '';
    const pod = this.registry.get<Pod>('pods', namespace, name);
    refuseBinding(pod, binding);
    const assigned = this.registry.update<Pod>('pods', namespace, assignedPod(pod, binding));
    this.registry.updateStatus<Pod>('pods', namespace, { ...assigned, status: scheduledStatus(assigned, toRFC3339(this.registry.clock.now())) });
  }

  /**
   * The calls on `resource` in `namespace` (undefined: every namespace for a list, the object's own
   * namespace for a create or an update, none for a cluster-scoped resource).
   *
   * @example
   * ```ts
   * const pods = client.resource<Pod>('pods', 'default');
   * await pods.get('web');      // registry.get('pods', 'default', 'web'), as a Promise
   * ```
   */
  resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
    // TODO(08): return an object whose six async methods call the registry; create, update and
    // updateStatus use the object's own namespace when `namespace` is undefined. Its seventh, watch,
    // is not async: it returns registry.watch(resource, namespace, options) (kata 09 writes that).
    throw new NotImplemented('08', 'LocalClient.resource');
  }
}

/**
 * Why a Binding may not place `pod` (upstream's BindingREST, pkg/registry/core/pod/storage
 * `setPodHostAndAnnotations`), in upstream's order and words:
 *
 * | the pod | answer |
 * | --- | --- |
 * | not the pod the Binding's `metadata.uid` names (deleted and made again) | Conflict on `pods "web"`: `Precondition failed: UID in precondition: ...` |
 * | not at the Binding's `metadata.resourceVersion` | Conflict on `pods "web"`: `Precondition failed: ResourceVersion in precondition: ...` |
 * | being deleted | Conflict on `pods/binding "web"`: `pod web is being deleted, cannot be assigned to a host` |
 * | on a node already | Conflict on `pods/binding "web"`: `pod web is already assigned to node "node-1"` |
 * | with scheduling gates | Conflict on `pods/binding "web"`: `pod web has non-empty .spec.schedulingGates` |
 *
 * Shared by {@link LocalClient} and kata 10's handler.
 *
 * @throws StatusError Conflict
 */
export function refuseBinding(pod: Pod, binding: Binding): void {
  const name = pod.metadata.name ?? '';
  const { uid, resourceVersion } = binding.metadata;
  if (uid && uid !== pod.metadata.uid) throw conflict('pods', name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
  if (resourceVersion && resourceVersion !== pod.metadata.resourceVersion) {
    throw conflict('pods', name, `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${pod.metadata.resourceVersion ?? ''}`);
  }
  if (pod.metadata.deletionTimestamp) throw conflict('pods/binding', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  if (pod.spec?.nodeName) throw conflict('pods/binding', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  if ((pod.spec?.schedulingGates ?? []).length > 0) throw conflict('pods/binding', name, `pod ${name} has non-empty .spec.schedulingGates`);
}

/**
 * `pod` as a Binding places it: on `binding.target.name`, with the Binding's annotations written
 * over its own (a scheduler may leave a note this way).
 *
 * @example
 * ```ts
 * assignedPod(pod, { metadata: { name: 'web', annotations: { why: 'least allocated' } }, target: { name: 'node-1' } });
 * // pod with spec.nodeName 'node-1' and the annotation why: least allocated beside its own
 * ```
 */
export function assignedPod(pod: Pod, binding: Binding): Pod {
  const annotations = binding.metadata.annotations;
  const metadata = annotations ? { ...pod.metadata, annotations: { ...pod.metadata.annotations, ...annotations } } : pod.metadata;
  return { ...pod, metadata, spec: { ...pod.spec!, nodeName: binding.target.name } };
}

/**
 * The status of a pod just bound: its PodScheduled condition replaced by `True` at `now` (an
 * earlier `False, Unschedulable` and its message go), or added; the other conditions as they were.
 * Upstream's `UpdatePodCondition`: a condition already True keeps its lastTransitionTime.
 *
 * @example
 * ```ts
 * scheduledStatus({ ...pod, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] } }, '2026-01-01T00:00:00Z');
 * // { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] }
 * ```
 */
export function scheduledStatus(pod: Pod, now: string): PodStatus {
  const conditions = pod.status?.conditions ?? [];
  const old = conditions.find((c) => c.type === 'PodScheduled');
  const since = old?.status === 'True' && old.lastTransitionTime ? old.lastTransitionTime : now;
  const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastTransitionTime: since };
  return { ...pod.status, conditions: old ? conditions.map((c) => (c === old ? scheduled : c)) : [...conditions, scheduled] };
}
