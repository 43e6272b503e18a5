/**
 * The registry: Kubernetes objects stored in etcd, with the API's rules on top — names and uids,
 * resourceVersion as optimistic concurrency, generation, the status subresource, finalizers and
 * selectors (kube-apiserver's pkg/registry/generic/registry/store.go over
 * k8s.io/apiserver/pkg/storage/etcd3/store.go).
 *
 * Every object lives under one key:
 *
 * ```
 * /registry/pods/default/web-1      a namespaced object: /registry/<resource>/<namespace>/<name>
 * /registry/nodes/node-1            a cluster-scoped one: /registry/<resource>/<name>
 * ```
 * and its resourceVersion is the key's modRevision, so it changes on every write and a writer can
 * say "only if nobody changed it since I read it" (a transaction comparing modRevision).
 *
 * @example
 * ```ts
 * const registry = new Registry({ store: new MvccStore(), clock, random });
 * const web = registry.create('deployments', 'default', { metadata: { name: 'web' }, spec: { replicas: 1, ... } });
 * web.metadata.resourceVersion;                       // '2', and generation 1 (a Deployment counts its spec's changes)
 * registry.update('deployments', 'default', { ...web, spec: { ...web.spec, replicas: 3 } }); // resourceVersion '3', generation 2
 * registry.update('deployments', 'default', web);     // StatusError Conflict: web was read at '2'
 * ```
 */
import { NotImplemented, toRFC3339, type Clock, type KubeObject, type Random } from '@kube/kit';
// What you will need (each is documented where it is defined):
import { EtcdError, MvccStore, prefixEnd, txn, WatchableStore, type Mvcc, type MvccKeyValue } from '@kube/etcd';
import { fieldsMatch, parseFieldSelector, parseLabelSelector, SelectorError, type FieldRequirement, type Selector } from './selectors.ts';
import { qualifiedKind, qualifiedResource, resourceType, type ResourceType } from './resources.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { alreadyExists, badRequest, conflict, expired, invalid, methodNotAllowed, notFound, notFoundResource, OPTIMISTIC_LOCK_MESSAGE, tooOldResourceVersion } from './status.ts';
import { RegistryWatch, type ApiWatch, type ApiWatchEvent, type WatchOptions } from './watch.ts';

/** What a registry needs: a store, a clock for timestamps, and randomness for uids and names. */
export interface RegistryOptions {
  store: Mvcc;
  clock: Clock;
  random: Random;
  /** the store's watch (kata 04); made on the store when it is an MvccStore and none is given */
  watchable?: WatchableStore;
}

/** Options of {@link Registry.list}. */
export interface ListOptions {
  /** e.g. `app=web,tier in (front)` */
  labelSelector?: string;
  /** e.g. `spec.nodeName=node-1` */
  fieldSelector?: string;
  /** the most items in one page (kata 09); 0 or absent: all */
  limit?: number;
  /** the token of the previous page (kata 09) */
  continue?: string;
  /** '' or absent: the most recent; '0': any (here: the most recent); N: see resourceVersionMatch (kata 09) */
  resourceVersion?: string;
  /** with a resourceVersion N: 'NotOlderThan' (default) reads now, if now >= N; 'Exact' reads at N */
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

/**
 * Options of a write ({@link Registry.create}, {@link Registry.update}, {@link Registry.updateStatus}).
 * `dryRun`: do everything the write does — defaults, validation, preconditions, the answer — but
 * write nothing (`?dryRun=All`, what `kubectl diff` and `--dry-run=server` ask for).
 */
export interface WriteOptions {
  dryRun?: boolean;
}

/** Options of {@link Registry.delete}: delete only if the object is still the one you mean; `dryRun` as in {@link WriteOptions}. */
export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  /**
   * Pods only: delete gracefully, giving the pod's kubelet this many seconds to stop its
   * containers (`kubectl delete --grace-period`); none named means the pod's
   * terminationGracePeriodSeconds. A pod bound to a node and not finished is then only marked
   * (deletionTimestamp = now + the period); its kubelet deletes it with 0 once its containers
   * stopped (kata 23). The rules are the given `gracefullyMarked`, which kata 08's delete asks first.
   */
  gracePeriodSeconds?: number;
  /**
   * What becomes of the object's dependents (`kubectl delete --cascade`): `Background` (the
   * default: the object goes, the garbage collector deletes its dependents after), `Foreground` (the
   * object waits, with the `foregroundDeletion` finalizer, until its blocking dependents are gone)
   * or `Orphan` (the `orphan` finalizer: the collector removes the owner references, then the
   * object goes). The API handler puts the finalizer on before it deletes (given code).
   */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/** A list and the revision it was read at (its resourceVersion). */
export interface ListResult<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
  /** present when there are more pages: pass it as `continue` (kata 09) */
  continue?: string;
  /** how many items the next pages hold, when the list has no selector (kata 09) */
  remainingItemCount?: number;
}

/**
 * The Kubernetes objects of a cluster, kept in an etcd store.
 *
 * Keep nothing in memory but what the constructor stores: every read goes to the store, so that
 * several registries (or a restarted one) on one store agree. Add private helpers as you like.
 */
export class Registry {
  /** the store underneath (kata 09 watches it) */
  readonly store: Mvcc;
  /** the store's watch, for {@link Registry.watch} (kata 09); undefined for a store that cannot be watched */
  readonly watchable: WatchableStore | undefined;
  /** the clock of every timestamp it writes (and of a binding's PodScheduled condition, kata 08's LocalClient) */
  readonly clock: Clock;
  private readonly random: Random;

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.random = options.random;
    this.watchable = options.watchable ?? (options.store instanceof MvccStore ? new WatchableStore(options.store) : undefined);
  }

  /**
   * The key of an object: `/registry/<resource>/<namespace>/<name>`, or `/registry/<resource>/<name>`
   * for a cluster-scoped resource (its `namespace` is ignored).
   *
   * @example
   * ```ts
   * Registry.keyOf(resourceType('pods'), 'default', 'web');    // '/registry/pods/default/web'
   * Registry.keyOf(resourceType('nodes'), undefined, 'node-1'); // '/registry/nodes/node-1'
   * ```
   */
  static keyOf(type: ResourceType, namespace: string | undefined, name: string): string {
    // TODO(08): the key layout above.
    throw new NotImplemented('08', 'Registry.keyOf');
  }

  /**
   * Stores a new object: name (or generateName + 5 random characters), uid, creationTimestamp,
   * generation 1 for a kind that tracks it (none for the others), the status
   * `type.prepareForCreate` starts it with, defaults, validation; then "create only if absent" in
   * one transaction. Returns the stored object with its resourceVersion.
   * A dry run (`options.dryRun`) does all of it but the transaction: AlreadyExists if the key is
   * there, else the object as it would be stored, without a resourceVersion.
   *
   * @param namespace - the request's namespace (for a namespaced resource; the object may name
   *   the same one or none); ignored for a cluster-scoped resource
   *
   * @throws StatusError AlreadyExists, Invalid, BadRequest; NotFound for a resource not served
   */
  create<T extends KubeObject>(resource: string, namespace: string | undefined, object: T, options: WriteOptions = {}): T {
    // TODO(08): copy the object, fill in what the API owns (name, uid, creationTimestamp, generation if type.tracksGeneration),
    // prepareForCreate, defaults, validate; then one txn: if modRevision(key) = 0 then put.
    // TODO(08): options.dryRun: no txn; AlreadyExists if the key is there, else the object (no resourceVersion).
    throw new NotImplemented('08', 'Registry.create');
  }

  /** The object, with its resourceVersion. @throws StatusError NotFound */
  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): T {
    // TODO(08): read the key; the object's resourceVersion is the key's modRevision.
    throw new NotImplemented('08', 'Registry.get');
  }

  /**
   * Every object of a resource (in one namespace, or in all when `namespace` is undefined) that
   * matches the selectors, in key order, with the store's revision as the list's resourceVersion.
   *
   * @throws StatusError BadRequest for a selector that cannot be read
   */
  list<T extends KubeObject>(resource: string, namespace: string | undefined, options: ListOptions = {}): ListResult<T> {
    // TODO(08): range over the prefix (mind the trailing '/'), keep what both selectors select;
    // the list's resourceVersion is the response's header.revision.
    throw new NotImplemented('08', 'Registry.list');
  }

  /**
   * Replaces an object (not its status, which only {@link updateStatus} changes). With
   * `metadata.resourceVersion` set, only if the object is still at that version.
   *
   * - a `metadata.uid` that is not the stored one is a Conflict too (a precondition, like the
   *   resourceVersion): the object was deleted and made again under the same name;
   * - uid, creationTimestamp, generation, deletionTimestamp, deletionGracePeriodSeconds and the status are kept from the
   *   stored object;
   * - generation moves by one when the spec changed (a kind that tracks it: `type.tracksGeneration`);
   * - an object being deleted (deletionTimestamp set) whose last finalizer this update removes is
   *   deleted — not a pod waiting out its grace period (deletionGracePeriodSeconds > 0), which
   *   stays until its kubelet deletes it;
   * - an update that changes nothing writes nothing (the resourceVersion stays);
   * - a dry run (`options.dryRun`) checks and builds the object as above and writes nothing: the
   *   answer is the object as it would be stored, with the stored object's resourceVersion.
   *
   * @throws StatusError NotFound, Conflict, Invalid, BadRequest
   */
  update<T extends KubeObject>(resource: string, namespace: string | undefined, object: T, options: WriteOptions = {}): T {
    // TODO(08): read, check the preconditions (resourceVersion, uid), keep what the update may not
    // change, bump generation if the kind tracks it and the spec changed, then compare-and-swap on the modRevision read.
    // TODO(08): options.dryRun: everything but the write; the answer keeps the resourceVersion read.
    // TODO(08): The update that leaves a marked object without finalizers (metadata's and type.finalizersOf's) deletes it,
    // TODO(08): unless the stored object waits for a grace period (deletionGracePeriodSeconds > 0: its kubelet deletes it).
    throw new NotImplemented('08', 'Registry.update');
  }

  /**
   * Replaces an object's status only: everything else is kept from the stored object (the status
   * subresource, `PUT .../pods/web/status`).
   *
   * @throws StatusError NotFound (also for a resource without a status), Conflict
   */
  updateStatus<T extends KubeObject>(resource: string, namespace: string | undefined, object: T, options: WriteOptions = {}): T {
    // TODO(08): like update, but start from the stored object and take only the new status.
    throw new NotImplemented('08', 'Registry.updateStatus');
  }

  /**
   * Deletes an object. With finalizers, the object only gets a deletionTimestamp and stays until an
   * update removes the last finalizer. Returns the object as it was deleted (or marked). A dry
   * run (`options.dryRun`) checks the preconditions and answers the same, deleting nothing.
   *
   * @throws StatusError NotFound; Conflict when a precondition (uid, resourceVersion) fails
   */
  delete<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): T {
    // TODO(08): preconditions; with finalizers only mark the object (once); else delete the key
    // if it is still at the modRevision read.
    // TODO(08): options.dryRun: the same checks and answer, and nothing marked or deleted.
    // TODO(08): type.finalizersOf(obj) (a namespace's spec.finalizers) hold a deletion back like metadata.finalizers; marking
    // TODO(08): also calls type.prepareForDelete (a namespace becomes Terminating).
    // TODO(08): a pod, after the preconditions: gracefullyMarked (given, at the bottom of this file) decides first —
    // TODO(08): 'pending': answer the pod as it is; an object with deletionGracePeriodSeconds > 0: write it instead (a dry
    // TODO(08): run answers it); one with 0: write it, then go on from that write (a dry run: from the copy); undefined: go on.
    throw new NotImplemented('08', 'Registry.delete');
  }
  /**
   * Watches a resource (kata 09): from `options.resourceVersion` N, every change after N; without
   * one (or '0'), first the objects as they are now, as ADDED events, then every change. Changes
   * are judged by the selectors on the object before and after (see watch.ts).
   *
   * @throws StatusError BadRequest for a bad selector or resourceVersion; MethodNotAllowed when the
   *   store cannot be watched
   */
  watch<T extends KubeObject>(resource: string, namespace: string | undefined, options: WatchOptions = {}): ApiWatch<T> {
    // TODO(09): the type and selectors (a private helper of yours shared with list: BadRequest), a MethodNotAllowed without this.watchable, the prefix as in list.
    // TODO(09): No resourceVersion (or "0"): the objects now as ADDED events, then a store watch from the next revision;
    // TODO(09): a resourceVersion N (parseResourceVersion): a store watch from N + 1 — but from N when N is below the store's
    // TODO(09): compacted revision C: compacting at C drops a delete at C itself, so the watch must end expired. Ask the store for prevKv. Return a
    // TODO(09): RegistryWatch on { watcher, onCommit, revision } with a filter (decode, matches) and { kind, apiVersion }.
    throw new NotImplemented('09', 'Registry.watch');
  }

  /**
   * One page of a list, or a list at a past revision (kata 09): read at the continue token's
   * revision (or the one asked for, or now), from its start key, keeping what `keep` selects,
   * up to `limit` items; a `continue` token when more remain.
   */
  private listChunk<T extends KubeObject>(prefix: string, options: ListOptions, keep: (obj: T) => boolean, countRemaining: boolean): ListResult<T> {
    // TODO(09): check limit; the revision: the continue token's (decodeContinue; a resourceVersion other than "0" with it is a
    // TODO(09): BadRequest), or the resourceVersion asked (above now: BadRequest; Exact: it; NotOlderThan: now), or now. Range
    // TODO(09): from the start key to the prefix end AT that revision (Compacted: 410, CONTINUE_EXPIRED for a token,
    // TODO(09): tooOldResourceVersion else; any other error goes through), keep up to `limit` selected items; if more
    // TODO(09): remain, a continue token at the next key (and remainingItemCount).
    throw new NotImplemented('09', 'Registry.listChunk');
  }

}

/**
 * Graceful deletion of a pod (given code, which `Registry.delete` asks first and Part V's kubelet
 * relies on; after pkg/registry/core/pod/strategy.go CheckGracefulDelete and apiserver's
 * rest/delete.go BeforeDelete and registry/store.go Delete): every delete of a pod first marks it,
 * deletionTimestamp = now + a period and deletionGracePeriodSeconds = the period, and the delete
 * writes that mark before anything else. The period is the one the request names (`kubectl delete
 * --grace-period`), else the pod's terminationGracePeriodSeconds (30 by default); 0 for a pod never
 * bound to a node (no kubelet to wait for) or one Succeeded or Failed. With a period > 0 the pod
 * stays, marked, so that its kubelet stops the containers and then deletes it with 0; with 0 the
 * delete goes on once the mark is written, so that watchers see the pod MODIFIED (marked) and then
 * DELETED, as upstream's two steps. A pod already marked may only get a shorter period, and only
 * one the request names (a second plain `kubectl delete` waits on the first), counted from the
 * first mark, so the deadline may move into the past (v1.32's rule; v1.33 stops it at now,
 * kubernetes#122646); `'pending'` when the request changes nothing. Undefined for a pod already
 * marked with 0 (its finalizers hold it): delete it as any other object.
 *
 * @example a pod on node-1 with the default spec, deleted at 10:00:00 with no period named →
 * `deletionTimestamp: '…T10:00:30Z', deletionGracePeriodSeconds: 30` (written; the pod stays);
 * deleted again at 10:00:04 with `{ gracePeriodSeconds: 0 }` (its kubelet, once the containers
 * stopped) → `deletionTimestamp: '…T10:00:00Z', deletionGracePeriodSeconds: 0` (written, then
 * deleted).
 */
function gracefullyMarked<T extends KubeObject>(pod: T, asked: number | undefined, now: number): T | 'pending' | undefined {
  const meta = pod.metadata;
  const named = asked !== undefined && asked < 0 ? 1 : asked; // negative counts as 1 s
  if (meta.deletionTimestamp) {
    // Already marked: only the period a request names counts, and only to shorten it (BeforeDelete
    // does not ask the pod's spec, node or phase again).
    const pending = meta.deletionGracePeriodSeconds ?? 0;
    if (pending === 0) return undefined; // marked with 0 already: at once, or as its finalizers allow
    if (named === undefined || named >= pending) return 'pending';
    return markedCopy(pod, Date.parse(meta.deletionTimestamp) - (pending - named) * 1000, named);
  }
  const { spec, status } = pod as { spec?: { nodeName?: string; terminationGracePeriodSeconds?: number }; status?: { phase?: string } };
  const finished = status?.phase === 'Succeeded' || status?.phase === 'Failed';
  const wanted = !spec?.nodeName || finished ? 0 : (named ?? spec.terminationGracePeriodSeconds ?? 0);
  const period = wanted < 0 ? 1 : wanted;
  const marked = markedCopy(pod, now + period * 1000, period);
  if ((marked.metadata.generation ?? 0) > 0) marked.metadata.generation! += 1;
  return marked;
}

/** A copy of `pod` marked for deletion at `deadline` (ms) with `period` seconds of grace. */
function markedCopy<T extends KubeObject>(pod: T, deadline: number, period: number): T {
  const marked = structuredClone(pod);
  marked.metadata.deletionTimestamp = toRFC3339(deadline);
  marked.metadata.deletionGracePeriodSeconds = period;
  return marked;
}

/**
 * A version-4 UUID (RFC 4122) drawn from the seeded Random, so that a run can be repeated:
 * 32 hex digits, the 13th is the version (4), the 17th the variant (8, 9, a or b).
 *
 * @example `uuid(new Random(1))` → `'9ce77f58-5d8c-474b-99c0-6ef967fa7c9f'` (the same on every run)
 */
export function uuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = (8 + random.int(0, 3)).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Kubernetes' words for a continue token whose revision was compacted (410 Expired). */
export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/**
 * A resourceVersion as a revision.
 *
 * @throws StatusError BadRequest when it is not a whole number >= 1
 */
function parseResourceVersion(resourceVersion: string): number {
  const revision = Number(resourceVersion);
  if (!/^[1-9][0-9]*$/.test(resourceVersion) || !Number.isSafeInteger(revision)) {
    throw badRequest(`invalid resource version "${resourceVersion}": a resourceVersion is a whole number >= 1, from an object or a list`);
  }
  return revision;
}
