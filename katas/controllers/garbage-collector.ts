/**
 * The garbage collector (kube-controller-manager's pkg/controller/garbagecollector): deletes
 * objects whose owners are gone, following `metadata.ownerReferences`.
 *
 * When an owner is deleted, the delete's `propagationPolicy` says what happens to its dependents:
 *
 * | policy | the apiserver | the garbage collector |
 * | --- | --- | --- |
 * | Background (the default) | deletes the owner at once | sees dependents whose owners are all gone, deletes them |
 * | Foreground | keeps the owner, with a deletionTimestamp and the finalizer `foregroundDeletion` | deletes the dependents; once none with `blockOwnerDeletion: true` is left, removes the finalizer and the owner goes |
 * | Orphan | keeps the owner, with the finalizer `orphan` | removes the owner from every dependent's ownerReferences, then removes the finalizer |
 *
 * It keeps a graph of every object of the resources it watches, by uid: each object's owners and
 * dependents. The graph is built by informer handlers (given); you write the decisions.
 */
import { NotImplemented } from '@kube/kit';
import { isStatusError, RESOURCES, type ApiClient } from '@kube/apiserver';
import type { Clock, KubeObject, OwnerReference, Timer } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown } from './informer-api.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The finalizer of an owner being deleted in the foreground. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** The finalizer of an owner whose dependents are being orphaned. */
export const ORPHAN_FINALIZER = 'orphan';
/** DeleteOptions.propagationPolicy. */
export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** The resources the garbage collector watches by default, and the kinds it can look owners up by. */
export const KIND_TO_RESOURCE: Readonly<Record<string, { resource: string; namespaced: boolean }>> = {
  Pod: { resource: 'pods', namespaced: true },
  ReplicaSet: { resource: 'replicasets', namespaced: true },
  ReplicationController: { resource: 'replicationcontrollers', namespaced: true },
  Deployment: { resource: 'deployments', namespaced: true },
  DaemonSet: { resource: 'daemonsets', namespaced: true },
  StatefulSet: { resource: 'statefulsets', namespaced: true },
  ControllerRevision: { resource: 'controllerrevisions', namespaced: true },
  Job: { resource: 'jobs', namespaced: true },
  CronJob: { resource: 'cronjobs', namespaced: true },
  Service: { resource: 'services', namespaced: true },
  EndpointSlice: { resource: 'endpointslices', namespaced: true },
  Endpoints: { resource: 'endpoints', namespaced: true },
  ConfigMap: { resource: 'configmaps', namespaced: true },
  Secret: { resource: 'secrets', namespaced: true },
  Node: { resource: 'nodes', namespaced: false },
  Namespace: { resource: 'namespaces', namespaced: false },
};

/**
 * The resource of an owner reference's kind, as upstream's RESTMapper finds it through discovery:
 * {@link KIND_TO_RESOURCE}'s, or that of a custom resource served with the reference's apiVersion
 * and kind (a CronTab owning a Deployment); undefined for a kind it does not know.
 */
export function ownerResourceOf(ref: OwnerReference): { resource: string; namespaced: boolean } | undefined {
  const known = KIND_TO_RESOURCE[ref.kind];
  if (known) return known;
  const custom = [...RESOURCES.values()].find((type) => type.custom && type.kind === ref.kind && type.apiVersion === ref.apiVersion);
  return custom && { resource: custom.resource, namespaced: custom.namespaced };
}

/** The resources watched by default. */
export const GC_RESOURCES = ['pods', 'replicasets', 'deployments', 'services', 'endpointslices'] as const;

/**
 * Reads, changes and writes an object, once more on a Conflict; `change` returns undefined for
 * "nothing to write". Resolves the object written, or undefined (nothing written, or it is gone).
 */
export async function updateObject<T extends KubeObject>(client: ApiClient, resource: string, namespace: string | undefined, name: string, change: (object: T) => T | undefined): Promise<T | undefined> {
  const objects = client.resource<T>(resource, namespace);
  for (let attempt = 1; ; attempt++) {
    try {
      const next = change(await objects.get(name));
      return next && (await objects.update(next));
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      if (!isStatusError(error, 'Conflict') || attempt >= 5) throw error;
    }
  }
}

/**
 * Deletes an object with a propagation policy, as the apiserver does for a DELETE with
 * `propagationPolicy` (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go,
 * `deletionFinalizersForGarbageCollection`): Orphan or Foreground first put their finalizer on the
 * object (and take the other one off), then the delete marks it; Background deletes it as it is.
 * Given: the HTTP API does this itself with a DELETE's policy (kata 10), but the in-process
 * client's delete goes straight to the registry, which does not read it; an object carrying the
 * finalizer before a plain delete is treated the same by a real apiserver.
 * `uid`, if given, is a precondition (the object is not a newer one of the same name).
 */
export async function deleteWithPropagation(client: ApiClient, resource: string, namespace: string | undefined, name: string, policy: PropagationPolicy = 'Background', uid?: string): Promise<void> {
  if (policy !== 'Background') {
    const wanted = policy === 'Orphan' ? ORPHAN_FINALIZER : FOREGROUND_FINALIZER;
    await updateObject(client, resource, namespace, name, (object) => {
      if ((uid && object.metadata.uid !== uid) || object.metadata.deletionTimestamp) return undefined;
      const finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
      return { ...object, metadata: { ...object.metadata, finalizers: [...finalizers, wanted] } };
    });
  }
  try {
    await client.resource(resource, namespace).delete(name, uid ? { preconditions: { uid } } : {});
  } catch (error) {
    if (!isStatusError(error, 'NotFound')) throw error;
  }
}

/** One object in the graph (upstream's `node`). */
export interface GraphNode {
  uid: string;
  resource: string;
  namespace?: string;
  name: string;
  owners: OwnerReference[];
  /** uids of the objects that name this one as an owner */
  dependents: Set<string>;
  /** it has a deletionTimestamp */
  beingDeleted: boolean;
  finalizers: string[];
}

/** How often the collector asks `discover` for more resources to follow (kube-controller-manager's 30 s). */
export const GC_DISCOVERY_PERIOD_MS = 30_000;

/** How an object's owner stands (upstream's `classifyReferences`). */
export type OwnerState = 'solid' | 'dangling' | 'waitingForDependentsDeletion';

/** What a garbage collector needs. */
export interface GarbageCollectorOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  /** the resources whose objects it follows (default {@link GC_RESOURCES}) */
  resources?: readonly string[];
  /**
   * More resources to follow, asked every {@link GC_DISCOVERY_PERIOD_MS} once it runs: upstream's
   * collector reads discovery every 30 s and follows every resource it finds (a custom resource
   * that owns Deployments). A resource it no longer lists is no longer followed.
   */
  discover?: () => readonly string[];
  onError?: (key: string, error: unknown) => void;
}

/** The garbage collector of kata 21. */
export class GarbageCollector {
  /** every object watched, by uid */
  readonly graph = new Map<string, GraphNode>();
  /** keys `delete:<uid>` (attempt to delete it) and `orphan:<uid>` (orphan its dependents) */
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  /** dependents of owners not (or not yet) in the graph, by owner uid */
  private readonly dependentsOf = new Map<string, Set<string>>();
  private workers: Promise<void>[] = [];
  private readonly options: GarbageCollectorOptions;
  /** the resources `discover` added, followed until it no longer lists them */
  private readonly discovered = new Set<string>();
  private discovery: Timer | undefined;

  constructor(options: GarbageCollectorOptions) {
    this.options = options;
    this.client = options.client;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    for (const resource of options.resources ?? GC_RESOURCES) this.follow(resource);
  }

  /** Builds the graph from the objects of `resource` too. */
  private follow(resource: string): void {
    this.options.factory.informerFor<KubeObject>(resource).addEventHandler({
      onAdd: (object) => this.observe(resource, undefined, object),
      onUpdate: (old, object) => this.observe(resource, old, object),
      onDelete: (object) => this.forget(object instanceof DeletedFinalStateUnknown ? object.obj : object),
    });
  }

  /**
   * Follows what `discover` lists and was not followed yet, and stops following what it listed
   * before and lists no more (given: upstream's GarbageCollector.Sync).
   */
  async resyncDiscovered(): Promise<void> {
    const { discover, factory } = this.options;
    // none once stopping: an informer started now would outlive the factory's shutdown
    if (!discover || this.queue.shuttingDown()) return;
    const now = new Set(discover());
    const added = [...now].filter((resource) => !this.discovered.has(resource));
    for (const resource of added) {
      this.discovered.add(resource);
      this.follow(resource);
    }
    if (added.length > 0 && !this.queue.shuttingDown()) factory.start((resource, error) => this.onError?.(resource, error));
    for (const resource of [...this.discovered].filter((r) => !now.has(r))) {
      this.discovered.delete(resource);
      await factory.stopInformer(resource);
    }
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    if (this.options.discover) {
      const resync = () => void this.resyncDiscovered().catch((error: unknown) => this.onError?.('discovery', error));
      resync();
      this.discovery = this.options.clock.setInterval(resync, GC_DISCOVERY_PERIOD_MS);
    }
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: this.onError }));
  }

  /** Stops the workers (after their current item). */
  async stop(): Promise<void> {
    if (this.discovery) this.options.clock.clearTimeout(this.discovery);
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One queued key. */
  sync(key: string): Promise<void> {
    const uid = key.slice(key.indexOf(':') + 1);
    return key.startsWith('orphan:') ? this.attemptToOrphan(uid) : this.attemptToDeleteItem(uid);
  }

  /** The graph builder (upstream's `GraphBuilder.processGraphChanges`): an object was added or changed. */
  private observe(resource: string, old: KubeObject | undefined, object: KubeObject): void {
    // The same name with another uid: the object was deleted and made again while the watch was
    // down, and the informer's relist reports both as one update. The graph is by uid: the old one is gone.
    if (old && old.metadata.uid !== object.metadata.uid) {
      this.forget(old);
      old = undefined;
    }
    const uid = object.metadata.uid!;
    const node: GraphNode = this.graph.get(uid) ?? { uid, resource, name: object.metadata.name!, owners: [], dependents: this.dependentsOf.get(uid) ?? new Set(), beingDeleted: false, finalizers: [] };
    if (object.metadata.namespace) node.namespace = object.metadata.namespace;
    this.dependentsOf.delete(uid);
    const oldOwners = node.owners;
    node.owners = object.metadata.ownerReferences ?? [];
    const wasDeletingDependents = node.beingDeleted && node.finalizers.includes(FOREGROUND_FINALIZER);
    node.beingDeleted = object.metadata.deletionTimestamp !== undefined;
    node.finalizers = object.metadata.finalizers ?? [];
    this.graph.set(uid, node);
    for (const ref of oldOwners) if (!node.owners.some((r) => r.uid === ref.uid)) this.dependentsSet(ref.uid).delete(uid);
    for (const ref of node.owners) this.dependentsSet(ref.uid).add(uid);
    // New owners (or a new object with owners): are they there?
    if (!old || JSON.stringify(old.metadata.ownerReferences ?? []) !== JSON.stringify(node.owners)) {
      if (node.owners.length > 0) this.queue.add(`delete:${uid}`);
      // An owner that lost this dependent may be waiting for it (foreground).
      for (const ref of oldOwners) this.queue.add(`delete:${ref.uid}`);
    }
    if (node.beingDeleted && node.finalizers.includes(ORPHAN_FINALIZER)) this.queue.add(`orphan:${uid}`);
    if (node.beingDeleted && node.finalizers.includes(FOREGROUND_FINALIZER)) {
      // Starts waiting for its dependents: each of them now has an owner that wants it gone. They
      // go into the queue before the owner, as upstream's processTransitions puts them, so that
      // each is judged while its owner is still there waiting for it.
      if (!wasDeletingDependents) for (const dependent of node.dependents) this.queue.add(`delete:${dependent}`);
      this.queue.add(`delete:${uid}`);
    }
  }

  /** An object is gone: its dependents may have lost their last owner, its owners may be waiting for it. */
  private forget(object: KubeObject): void {
    const uid = object.metadata.uid!;
    const node = this.graph.get(uid);
    this.graph.delete(uid);
    if (!node) return;
    for (const dependent of node.dependents) this.queue.add(`delete:${dependent}`);
    if (node.dependents.size > 0) this.dependentsOf.set(uid, node.dependents);
    for (const ref of node.owners) {
      this.dependentsSet(ref.uid).delete(uid);
      this.queue.add(`delete:${ref.uid}`);
    }
  }

  private dependentsSet(ownerUid: string): Set<string> {
    const owner = this.graph.get(ownerUid);
    if (owner) return owner.dependents;
    let set = this.dependentsOf.get(ownerUid);
    if (!set) this.dependentsOf.set(ownerUid, (set = new Set()));
    return set;
  }

  /**
   * How the owner `ref` of `node` stands (upstream's `isDangling` and `classifyReferences`): in
   * the graph with that uid -> `waitingForDependentsDeletion` if it is being deleted with the
   * foregroundDeletion finalizer, else `solid`; not in the graph -> looked up through the API
   * (kind to resource by {@link ownerResourceOf}; a namespaced owner in the dependent's
   * namespace): not found, or found with another uid -> `dangling`; found -> as above. A kind it
   * does not know is `solid` (never delete on a guess).
   */
  async ownerState(node: GraphNode, ref: OwnerReference): Promise<OwnerState> {
    // TODO(21): in the graph: judge it (being deleted with foregroundDeletion -> waitingForDependentsDeletion, else solid); else
    // TODO(21): GET it by ownerResourceOf(ref) (unknown kind: solid; namespaced: the dependent's namespace): NotFound or another uid ->
    // TODO(21): dangling, else judge it.
    throw new NotImplemented('21', 'GarbageCollector.ownerState');
  }

  /**
   * Decides about one object (upstream's `attemptToDeleteItem`):
   *
   * 1. not in the graph: nothing. Being deleted: if it carries foregroundDeletion,
   *    {@link processDeletingDependents}; else nothing;
   * 2. no owners: nothing. Else read the object fresh: gone, or another uid, nothing; the owners
   *    it has now are those judged below (the graph may be behind them);
   * 3. each owner's {@link ownerState};
   * 4. some owner `solid`: the object stays; if some are `dangling` or `waitingForDependentsDeletion`,
   *    remove those references from it ({@link updateObject}, on a fresh read);
   * 5. else, some owner waiting for its dependents and the object has dependents of its own:
   *    delete it with `Foreground` (its own dependents go first);
   * 6. else delete it ({@link deleteWithPropagation}, with its uid as a precondition) with the
   *    policy its finalizers ask for: `orphan` -> Orphan, `foregroundDeletion` -> Foreground,
   *    else Background.
   */
  async attemptToDeleteItem(uid: string): Promise<void> {
    // TODO(21): not in the graph: nothing; being deleted: processDeletingDependents if it has foregroundDeletion; no owners: nothing;
    // TODO(21): readFresh (given): gone or another uid: nothing; then, for the owners it has now, ownerState of each; some solid: remove the non-solid references (updateObject), if any; else some waiting and it has
    // TODO(21): dependents: deleteWithPropagation Foreground; else deleteWithPropagation with the policy its finalizers ask (orphan ->
    // TODO(21): Orphan, foregroundDeletion -> Foreground, else Background), its uid as a precondition.
    throw new NotImplemented('21', 'GarbageCollector.attemptToDeleteItem');
  }

  /** The object as the API has it now; undefined when it is gone. */
  private async readFresh(node: GraphNode): Promise<KubeObject | undefined> {
    try {
      return await this.client.resource(node.resource, node.namespace).get(node.name);
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /**
   * An owner being deleted in the foreground (upstream's `processDeletingDependentsItem`): its
   * blocking dependents are those in the graph whose reference to it has `blockOwnerDeletion:
   * true`. None left: remove its foregroundDeletion finalizer (on a fresh read; the apiserver then
   * deletes it). Else queue `delete:<uid>` for each of them not being deleted yet.
   */
  async processDeletingDependents(node: GraphNode): Promise<void> {
    // TODO(21): blocking = dependents in the graph whose reference to it has blockOwnerDeletion true; none -> remove its
    // TODO(21): foregroundDeletion finalizer (updateObject, same uid only); else queue delete:<uid> for each not being deleted.
    throw new NotImplemented('21', 'GarbageCollector.processDeletingDependents');
  }

  /**
   * An owner being deleted with the orphan finalizer (upstream's `attemptToOrphan`): remove its
   * reference from each of its dependents (on a fresh read; one gone is fine), then remove its
   * `orphan` finalizer (the apiserver then deletes it).
   */
  async attemptToOrphan(uid: string): Promise<void> {
    // TODO(21): only an object being deleted with the orphan finalizer: remove its reference from each dependent in the graph
    // TODO(21): (updateObject; drop ownerReferences when empty), then remove its orphan finalizer.
    throw new NotImplemented('21', 'GarbageCollector.attemptToOrphan');
  }
}
