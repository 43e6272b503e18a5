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
import { EtcdError, MvccStore, prefixEnd, txn, WatchableStore, type Mvcc, type MvccKeyValue } from '@kube/etcd';
import { toRFC3339, type Clock, type KubeObject, type Random } from '@kube/kit';
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
    return type.namespaced ? `/registry/${type.resource}/${namespace}/${name}` : `/registry/${type.resource}/${name}`;
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
    const type = resourceType(resource);
    const obj = this.copyFor(type, namespace, object);
    const meta = obj.metadata;
    // rest.BeforeCreate: a generated name keeps at most 58 characters of its base, so that the
    // name stays within 63.
    if (!meta.name && meta.generateName) meta.name = meta.generateName.slice(0, 58) + this.random.string(5);
    meta.uid = uuid(this.random);
    meta.creationTimestamp = toRFC3339(this.clock.now());
    // Only kinds whose strategy counts spec changes have a generation (v1.32: not pods).
    if (type.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    type.prepareForCreate?.(obj);
    type.defaults?.(obj);
    this.validate(type, obj);

    const key = Registry.keyOf(type, meta.namespace, meta.name!);
    if (options.dryRun) {
      // registry/dryrun.go: everything but the write, and AlreadyExists as the write would say it.
      if (this.store.range(key).kvs.length > 0) throw alreadyExists(qualifiedResource(type), meta.name!);
      return obj;
    }
    const response = txn(this.store, {
      compare: [{ key, target: 'modRevision', result: '=', value: 0 }], // 0: the key does not exist
      success: [{ type: 'put', key, value: encode(obj) }],
    });
    if (!response.succeeded) throw alreadyExists(qualifiedResource(type), meta.name!);
    return withVersion(obj, response.header.revision);
  }

  /** The object, with its resourceVersion. @throws StatusError NotFound */
  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): T {
    const type = resourceType(resource);
    const kv = this.store.range(this.keyFor(type, namespace, name)).kvs[0];
    if (kv === undefined) throw notFound(qualifiedResource(type), name);
    return decode<T>(kv);
  }

  /**
   * Every object of a resource (in one namespace, or in all when `namespace` is undefined) that
   * matches the selectors, in key order, with the store's revision as the list's resourceVersion.
   *
   * @throws StatusError BadRequest for a selector that cannot be read
   */
  list<T extends KubeObject>(resource: string, namespace: string | undefined, options: ListOptions = {}): ListResult<T> {
    const type = resourceType(resource);
    const { labels, fields } = this.selectors(type, options);
    // The trailing '/' matters: '/registry/pods' is also a prefix of '/registry/podsecuritypolicies'.
    const prefix = type.namespaced && namespace !== undefined ? `/registry/${type.resource}/${namespace}/` : `/registry/${type.resource}/`;
    // Pages and reads of the past are kata 09's.
    const pastOrPaged = options.limit || options.continue || (options.resourceVersion && options.resourceVersion !== '0');
    if (pastOrPaged) return this.listChunk<T>(prefix, options, (obj) => labels.matches(obj.metadata.labels) && fieldsMatch(fields, type.fieldsOf(obj)), options.labelSelector || options.fieldSelector ? false : true);

    const response = this.store.range(prefix, prefixEnd(prefix));
    const items = response.kvs
      .map((kv) => decode<T>(kv))
      .filter((obj) => labels.matches(obj.metadata.labels) && fieldsMatch(fields, type.fieldsOf(obj)));
    return { items, resourceVersion: String(response.header.revision) };
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
    return this.guaranteedUpdate(resourceType(resource), namespace, object, 'main', options.dryRun);
  }

  /**
   * Replaces an object's status only: everything else is kept from the stored object (the status
   * subresource, `PUT .../pods/web/status`).
   *
   * @throws StatusError NotFound (also for a resource without a status), Conflict
   */
  updateStatus<T extends KubeObject>(resource: string, namespace: string | undefined, object: T, options: WriteOptions = {}): T {
    const type = resourceType(resource);
    if (!type.hasStatus) throw notFoundResource(`${resource}/status`);
    return this.guaranteedUpdate(type, namespace, object, 'status', options.dryRun);
  }

  /**
   * Deletes an object. With finalizers, the object only gets a deletionTimestamp and stays until an
   * update removes the last finalizer. Returns the object as it was deleted (or marked). A dry
   * run (`options.dryRun`) checks the preconditions and answers the same, deleting nothing.
   *
   * @throws StatusError NotFound; Conflict when a precondition (uid, resourceVersion) fails
   */
  delete<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): T {
    const type = resourceType(resource);
    const key = this.keyFor(type, namespace, name);
    let kv = this.store.range(key).kvs[0];
    if (kv === undefined) throw notFound(qualifiedResource(type), name);
    let current = decode<T>(kv);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid !== undefined && uid !== current.metadata.uid) {
      throw conflict(qualifiedResource(type), name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(qualifiedResource(type), name, `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    const graceful = type.resource === 'pods' ? gracefullyMarked(current, options.gracePeriodSeconds, this.clock.now()) : undefined;
    if (graceful === 'pending') return current;
    if (graceful && graceful.metadata.deletionGracePeriodSeconds! > 0) return options.dryRun ? graceful : this.compareAndPut(type, key, kv, graceful);
    if (graceful && options.dryRun) current = graceful;
    else if (graceful) {
      // A period of 0: the mark is written first all the same, so that watchers (a kubelet
      // stopping the pod) see it marked before it goes; then the delete goes on from that write.
      current = this.compareAndPut(type, key, kv, graceful);
      kv = this.store.range(key).kvs[0]!;
    }
    // A kind may have finalizers of its own besides metadata's: a namespace's spec.finalizers.
    if ((current.metadata.finalizers ?? []).length > 0 || (type.finalizersOf?.(current) ?? []).length > 0) {
      if (current.metadata.deletionTimestamp) return current; // already being deleted: nothing to do
      // store.go markAsDeleting: the timestamp, a grace period of 0, and generation + 1 (the
      // object's controllers must notice that it is going away).
      const marked = structuredClone(current);
      marked.metadata.deletionTimestamp = toRFC3339(this.clock.now());
      marked.metadata.deletionGracePeriodSeconds = 0;
      if ((marked.metadata.generation ?? 0) > 0) marked.metadata.generation! += 1;
      type.prepareForDelete?.(marked);
      if (options.dryRun) return marked;
      return this.compareAndPut(type, key, kv, marked);
    }
    if (options.dryRun) return current;
    this.compareAndDelete(type, key, kv);
    return current;
  }

  /** update and updateStatus: read, check the preconditions, build the next object, compare-and-swap. */
  /**
   * Watches a resource (kata 09): from `options.resourceVersion` N, every change after N; without
   * one (or '0'), first the objects as they are now, as ADDED events, then every change. Changes
   * are judged by the selectors on the object before and after (see watch.ts).
   *
   * @throws StatusError BadRequest for a bad selector or resourceVersion; MethodNotAllowed when the
   *   store cannot be watched
   */
  watch<T extends KubeObject>(resource: string, namespace: string | undefined, options: WatchOptions = {}): ApiWatch<T> {
    const type = resourceType(resource);
    const { labels, fields } = this.selectors(type, options);
    if (!this.watchable) throw methodNotAllowed(type.resource, 'watch');
    const prefix = type.namespaced && namespace !== undefined ? `/registry/${type.resource}/${namespace}/` : `/registry/${type.resource}/`;
    const filter = { decode: (kv: MvccKeyValue) => decode<T>(kv), matches: (obj: T) => labels.matches(obj.metadata.labels) && fieldsMatch(fields, type.fieldsOf(obj)) };
    const asked = options.resourceVersion ?? '';
    let initial: ApiWatchEvent<T>[] = [];
    let after: number;
    if (asked === '' || asked === '0') {
      // "Get state and start at most recent": the objects now, then what follows.
      const now = this.store.range(prefix, prefixEnd(prefix));
      initial = now.kvs.map((kv) => decode<T>(kv)).filter(filter.matches).map((object) => ({ type: 'ADDED', object }));
      after = now.header.revision;
    } else {
      after = parseResourceVersion(asked);
    }
    // Compacting at revision C keeps no trace of a delete at C itself (kata 02), so a watch that
    // needs C's events is as expired as one that needs earlier ones: started at `after` (< C), the
    // store refuses it as compacted, and the watch ends with the 410 as a list at `after` would.
    const store = this.watchable.store;
    const startRevision = after < store.compacted ? after : after + 1;
    const watcher = this.watchable.watch({ key: prefix, rangeEnd: prefixEnd(prefix), startRevision, prevKv: true });
    const feed = { watcher, onCommit: store.onCommit.bind(store), revision: () => store.revision };
    return new RegistryWatch<T>(feed, filter, { kind: type.kind, apiVersion: type.apiVersion }, initial, this.clock, { ...(options.allowWatchBookmarks !== undefined && { allowWatchBookmarks: options.allowWatchBookmarks }), startedAt: asked || String(after) });
  }

  /**
   * One page of a list, or a list at a past revision (kata 09): read at the continue token's
   * revision (or the one asked for, or now), from its start key, keeping what `keep` selects,
   * up to `limit` items; a `continue` token when more remain.
   */
  private listChunk<T extends KubeObject>(prefix: string, options: ListOptions, keep: (obj: T) => boolean, countRemaining: boolean): ListResult<T> {
    const limit = options.limit ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 0) throw badRequest(`limit must be a whole number >= 0, not ${limit}`);
    let revision: number;
    let start = prefix;
    if (options.continue) {
      if (options.resourceVersion && options.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
      ({ revision, start } = decodeContinue(options.continue, prefix));
    } else if (options.resourceVersion && options.resourceVersion !== '0') {
      const asked = parseResourceVersion(options.resourceVersion);
      // A revision the store has not reached is the client's mistake, for both matches (the store's
      // FutureRevision would be a 500).
      if (asked > this.store.revision) throw badRequest(`too large resource version: ${asked}, current: ${this.store.revision}`);
      revision = options.resourceVersionMatch === 'Exact' ? asked : this.store.revision;
    } else {
      revision = this.store.revision;
    }
    let kvs: MvccKeyValue[];
    try {
      kvs = this.store.range(start, prefixEnd(prefix), { revision }).kvs;
    } catch (error) {
      if (!(error instanceof EtcdError) || error.code !== 'Compacted') throw error;
      throw options.continue ? expired(CONTINUE_EXPIRED) : tooOldResourceVersion(revision, (this.store as Partial<MvccStore>).compacted ?? revision);
    }
    const items: T[] = [];
    let next: string | undefined;
    let remaining = 0;
    for (const kv of kvs) {
      const obj = decode<T>(kv);
      if (!keep(obj)) continue;
      if (limit === 0 || items.length < limit) items.push(obj);
      else {
        next ??= kv.key;
        remaining++;
      }
    }
    return {
      items,
      resourceVersion: String(revision),
      ...(next !== undefined && { continue: encodeContinue(revision, next, prefix), ...(countRemaining && { remainingItemCount: remaining }) }),
    };
  }

  private guaranteedUpdate<T extends KubeObject>(type: ResourceType, namespace: string | undefined, object: T, part: 'main' | 'status', dryRun = false): T {
    const obj = this.copyFor(type, namespace, object);
    const name = obj.metadata.name ?? '';
    const key = Registry.keyOf(type, obj.metadata.namespace, name);
    const kv = this.store.range(key).kvs[0];
    if (kv === undefined) throw notFound(qualifiedResource(type), name);
    const current = decode<T>(kv);

    // The caller's resourceVersion and uid are preconditions (rest.DefaultUpdatedObjectInfo):
    // without a resourceVersion the update applies to whatever is stored.
    const wanted = obj.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== '' && wanted !== current.metadata.resourceVersion) throw conflict(qualifiedResource(type), name, OPTIMISTIC_LOCK_MESSAGE);
    const uid = obj.metadata.uid;
    if (uid !== undefined && uid !== '' && uid !== current.metadata.uid) {
      throw conflict(qualifiedResource(type), name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`);
    }

    const next = part === 'status' ? statusOnly(current, obj) : this.mainOnly(type, current, obj);
    this.validate(type, next);
    delete next.metadata.resourceVersion;
    // etcd3/store.go GuaranteedUpdate: an object that did not change is not written again.
    if (canonical(next) === canonical(JSON.parse(kv.value))) return current;
    // A dry run answers what would be stored, still at the version it was read at.
    if (dryRun) return withVersion(next, kv.modRevision);
    // The last finalizer is gone: the deletion that was waiting for it happens now — unless it
    // waits for a grace period (a pod's kubelet ends that one with a delete of its own).
    const waitingForFinalizers = (current.metadata.deletionGracePeriodSeconds ?? 0) === 0;
    if (next.metadata.deletionTimestamp && waitingForFinalizers && (next.metadata.finalizers ?? []).length === 0 && (type.finalizersOf?.(next) ?? []).length === 0) {
      const revision = this.compareAndDelete(type, key, kv);
      return withVersion(next, revision);
    }
    return this.compareAndPut(type, key, kv, next);
  }

  /** The update of the main resource: what a client may change, and generation. */
  private mainOnly<T extends KubeObject>(type: ResourceType, current: T, next: T): T {
    const meta = next.metadata;
    const was = current.metadata;
    meta.uid = was.uid;
    meta.creationTimestamp = was.creationTimestamp;
    if (was.generation === undefined) delete meta.generation;
    else meta.generation = was.generation;
    if (was.deletionTimestamp) {
      meta.deletionTimestamp = was.deletionTimestamp;
      meta.deletionGracePeriodSeconds = was.deletionGracePeriodSeconds;
      const added = (meta.finalizers ?? []).filter((f) => !(was.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw invalid(qualifiedKind(type), meta.name ?? '', [
          { reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` },
        ]);
      }
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    // The status belongs to the status subresource: an update of the main resource keeps it.
    if (type.hasStatus) setStatus(next, statusOf(current));
    type.defaults?.(next);
    // generation counts changes of the desired state (spec), not of metadata or status.
    if (type.tracksGeneration && canonical(specOf(next)) !== canonical(specOf(current))) meta.generation = (was.generation ?? 0) + 1;
    return next;
  }

  /** Writes `next` only if the key is still at the revision it was read at. */
  private compareAndPut<T extends KubeObject>(type: ResourceType, key: string, read: MvccKeyValue, next: T): T {
    const response = txn(this.store, {
      compare: [{ key, target: 'modRevision', result: '=', value: read.modRevision }],
      success: [{ type: 'put', key, value: encode(next) }],
    });
    if (!response.succeeded) throw conflict(qualifiedResource(type), next.metadata.name ?? '', OPTIMISTIC_LOCK_MESSAGE);
    return withVersion(next, response.header.revision);
  }

  /** Deletes the key only if it is still at the revision it was read at; returns the delete's revision. */
  private compareAndDelete(type: ResourceType, key: string, read: MvccKeyValue): number {
    const response = txn(this.store, {
      compare: [{ key, target: 'modRevision', result: '=', value: read.modRevision }],
      success: [{ type: 'delete', key }],
    });
    if (!response.succeeded) throw conflict(qualifiedResource(type), key.slice(key.lastIndexOf('/') + 1), OPTIMISTIC_LOCK_MESSAGE);
    return response.header.revision;
  }

  /** The key of a read or a delete: a namespaced resource needs a namespace. */
  private keyFor(type: ResourceType, namespace: string | undefined, name: string): string {
    if (type.namespaced && !namespace) throw badRequest('Namespace parameter required.');
    return Registry.keyOf(type, namespace, name);
  }

  /**
   * A deep copy of `object` (never keep the caller's) with kind, apiVersion and namespace set for
   * `type` (rest.BeforeCreate / BeforeUpdate).
   */
  private copyFor<T extends KubeObject>(type: ResourceType, namespace: string | undefined, object: T): T {
    const obj = structuredClone(object);
    obj.metadata ??= {};
    obj.kind = type.kind;
    obj.apiVersion = type.apiVersion;
    if (type.namespaced) {
      const ns = namespace || obj.metadata.namespace;
      if (!ns) throw badRequest('Namespace parameter required.');
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = ns;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  private validate(type: ResourceType, obj: KubeObject): void {
    const causes = type.validate?.(obj) ?? [];
    if (causes.length > 0) throw invalid(qualifiedKind(type), obj.metadata.name ?? '', causes);
  }

  /** The parsed selectors of a list; a selector that cannot be read is the client's error. */
  private selectors(type: ResourceType, options: ListOptions): { labels: Selector; fields: FieldRequirement[] } {
    try {
      return { labels: parseLabelSelector(options.labelSelector ?? ''), fields: parseFieldSelector(options.fieldSelector ?? '', type.selectableFields) };
    } catch (error) {
      if (error instanceof SelectorError) throw badRequest(error.message);
      throw error;
    }
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

type Fields = Record<string, unknown>;
const statusOf = (obj: KubeObject): unknown => (obj as unknown as Fields).status;
const specOf = (obj: KubeObject): unknown => (obj as unknown as Fields).spec;

function setStatus(obj: KubeObject, status: unknown): void {
  if (status === undefined) delete (obj as unknown as Fields).status;
  else (obj as unknown as Fields).status = structuredClone(status);
}

/** The status update: the stored object with only its status replaced. */
function statusOnly<T extends KubeObject>(current: T, obj: T): T {
  const next = structuredClone(current);
  setStatus(next, statusOf(obj));
  return next;
}

/** What is stored: the object without its resourceVersion (that is the key's modRevision). */
function encode(obj: KubeObject): string {
  const { resourceVersion: _, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

/** The object stored in `kv`, with its resourceVersion: a fresh copy on every read. */
function decode<T extends KubeObject>(kv: MvccKeyValue): T {
  return withVersion(JSON.parse(kv.value) as T, kv.modRevision);
}

function withVersion<T extends KubeObject>(obj: T, revision: number): T {
  obj.metadata.resourceVersion = String(revision);
  return obj;
}

/** JSON with every object's keys sorted: two values are the same when their texts are. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
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
