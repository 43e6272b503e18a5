/**
 * The shapes of client-go's cache and workqueue packages, the parts every controller of Part IV is
 * made of (katas 17–21 and the controller manager). This file is given: it says what each part
 * does, with a worked example; the parts themselves are kata 17's, each in its own file beside it:
 *
 * | part | what it does | file |
 * | --- | --- | --- |
 * | {@link Indexer} | the objects of one resource, by key and by index | store.ts |
 * | Reflector | list, then watch, into a {@link ReflectorStore}; relist when the watch cannot go on | reflector.ts |
 * | {@link SharedIndexInformerApi} | a reflector + an indexer + event handlers, shared by controllers | informer.ts |
 * | SharedInformerFactory | one informer per resource for a whole controller manager | factory.ts |
 * | {@link RateLimiter} | how long to wait before an item is retried | rate-limiter.ts |
 * | {@link WorkQueueApi}, {@link RateLimitingQueueApi} | the keys a controller still has to sync | workqueue.ts |
 *
 * The whole picture, as a controller uses it (kata 18's ReplicaSet controller is this, grown up):
 *
 * ```ts
 * const factory = new SharedInformerFactory({ client, clock });
 * const pods = factory.pods();                      // the same informer for every controller that asks
 * const queue = new RateLimitingQueue(clock, defaultControllerRateLimiter(clock));
 * pods.addEventHandler({
 *   onAdd: (pod) => queue.add(objectKey(pod)),
 *   onUpdate: (_old, pod) => queue.add(objectKey(pod)),
 *   onDelete: (pod) => queue.add(deletionHandlingKey(pod)),   // maybe a DeletedFinalStateUnknown
 * });
 * factory.start();
 * await factory.waitForCacheSync();                 // the first list is in the indexer
 * while (await processNextWorkItem(queue, async (key) => {
 *   const pod = pods.indexer.getByKey(key);         // read from the cache, never from the apiserver
 *   // ... make the world match `pod`; a throw retries the key with back-off
 * }));
 * ```
 * @module
 */
import { objectKey, type KubeObject } from '@kube/kit';
import type { ApiWatch, ListOptions, ListResult, WatchOptions } from '@kube/apiserver';

// ---- the indexed store ------------------------------------------------------------------------

/**
 * Computes the values under which an object is indexed: `[]` for none, several for an object that
 * belongs under several (a pod indexed by each of its owners).
 *
 * @example
 * ```ts
 * const byNode: IndexFunc<Pod> = (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []);
 * ```
 */
export type IndexFunc<T> = (object: T) => string[];

/** Index functions by index name: `{ namespace: metaNamespaceIndexFunc, node: byNode }`. */
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** The name of the index every informer has: objects by namespace (client-go's `cache.NamespaceIndex`). */
export const NAMESPACE_INDEX = 'namespace';

/**
 * Indexes an object by its namespace (client-go's `MetaNamespaceIndexFunc`); a cluster-scoped object
 * is indexed under `''`.
 *
 * @example
 * ```ts
 * metaNamespaceIndexFunc({ metadata: { name: 'web', namespace: 'default' } });   // ['default']
 * metaNamespaceIndexFunc({ metadata: { name: 'node-1' } });                      // ['']
 * ```
 */
export function metaNamespaceIndexFunc(object: KubeObject): string[] {
  return [object.metadata.namespace ?? ''];
}

/**
 * What a `Reflector` (reflector.ts) writes into (client-go's `cache.Store`, the part a reflector calls):
 * an {@link Indexer} is one, and so is an informer, which also tells its handlers.
 */
export interface ReflectorStore<T> {
  /** a watch's ADDED (also an object the store has: then it is an update) */
  add(object: T): void;
  /** a watch's MODIFIED (also an object the store lacks: then it is an add) */
  update(object: T): void;
  /** a watch's DELETED */
  delete(object: T): void;
  /** a list: the store becomes exactly `items`; `resourceVersion` is the list's */
  replace(items: readonly T[], resourceVersion: string): void;
}

/**
 * The objects of one resource, kept by key (`namespace/name`, see `objectKey`) and by any number
 * of indexes (client-go's `cache.Indexer` over its `threadSafeMap`). Objects go in as they are:
 * callers must not change an object they got from it (it is the informer's shared copy).
 *
 * @example
 * ```ts
 * const store = new IndexedStore<Pod>({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc });
 * store.add(web);                                   // web is default/web on node n1
 * store.getByKey('default/web');                    // web
 * store.byIndex(NAMESPACE_INDEX, 'default');        // [web]
 * store.addIndexers({ node: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
 * store.byIndex('node', 'n1');                      // [web]: the index covers what was there before
 * store.replace([], '42');                          // empty, and every index with it
 * store.byIndex('zone', 'a');                       // Error: Index with name zone does not exist
 * ```
 */
export interface Indexer<T> extends ReflectorStore<T> {
  /** the object stored under `key`, or undefined */
  getByKey(key: string): T | undefined;
  /** every object, in no particular order */
  list(): T[];
  /** every key, in no particular order */
  listKeys(): string[];
  /** the objects whose index function, for `indexName`, returned `value` */
  byIndex(indexName: string, value: string): T[];
  /** the keys of {@link byIndex} */
  indexKeys(indexName: string, value: string): string[];
  /** adds indexes, computed at once over the objects already stored; a name already taken is an error */
  addIndexers(indexers: Indexers<T>): void;
}

// ---- handlers -----------------------------------------------------------------------------------

/**
 * What a handler's `onDelete` gets when the informer learned of a deletion from a relist instead of
 * a DELETED event: the object was deleted while the watch was down, and `obj` is the last state the
 * informer knew, which may be stale (client-go's `cache.DeletedFinalStateUnknown`).
 *
 * @example
 * ```ts
 * onDelete(object) {
 *   const pod = object instanceof DeletedFinalStateUnknown ? object.obj : object;
 *   queue.add(deletionHandlingKey(object));
 * }
 * ```
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    /** the key the object was stored under */
    readonly key: string,
    /** the object as last known */
    readonly obj: T,
  ) {}
}

/**
 * The key of an object, or of a {@link DeletedFinalStateUnknown} (client-go's
 * `DeletionHandlingMetaNamespaceKeyFunc`): what a delete handler enqueues.
 */
export function deletionHandlingKey(object: KubeObject | DeletedFinalStateUnknown<KubeObject>): string {
  return object instanceof DeletedFinalStateUnknown ? object.key : objectKey(object);
}

/**
 * What an informer tells a controller (client-go's `ResourceEventHandlerFuncs`). Handlers run
 * synchronously, in the order the informer learned of the changes: keep them short (enqueue a key)
 * and never change the objects they are given.
 */
export interface ResourceEventHandler<T> {
  /** a new object; `isInInitialList` when it came with the informer's first list (or was already there when the handler was added) */
  onAdd?(object: T, isInInitialList: boolean): void;
  /** a changed object; also on a relist and on a resync, where `oldObject` may be `newObject` itself */
  onUpdate?(oldObject: T, newObject: T): void;
  /** a deleted object: the object itself, or a {@link DeletedFinalStateUnknown} after a relist */
  onDelete?(object: T | DeletedFinalStateUnknown<T>): void;
}

/** What adding a handler returns: whether it has heard the initial list, and how to remove it. */
export interface EventHandlerRegistration {
  /** true once the informer has synced: the handler has been told of every object of the first list */
  hasSynced(): boolean;
  /** stops telling this handler (and its resync) */
  remove(): void;
}

/** Where a reflector lists and watches: a `ResourceClient` of kata 08 is one (`client.pods()`). */
export interface ListerWatcher<T extends KubeObject> {
  list(options?: ListOptions): Promise<ListResult<T>>;
  watch(options?: WatchOptions): ApiWatch<T>;
}

/**
 * An informer that controllers share (client-go's `SharedIndexInformer`): one list and one watch
 * of a resource, one {@link Indexer}, and any number of handlers.
 *
 * @example
 * ```ts
 * const informer = new SharedIndexInformer<Pod>({ lw: client.pods(), clock, defaultResyncPeriodMs: 0 });
 * const registration = informer.addEventHandler({ onAdd: (pod) => console.log('add', objectKey(pod)) });
 * const done = informer.run();                     // list, then watch, until stop()
 * await informer.whenSynced();                     // 'add default/web' printed for each pod listed
 * informer.indexer.byIndex(NAMESPACE_INDEX, 'default');
 * informer.stop(); await done;
 * ```
 */
export interface SharedIndexInformerApi<T extends KubeObject> {
  /** the informer's cache: read it, never write it */
  readonly indexer: Indexer<T>;
  /**
   * Adds a handler. Added after the informer has synced, the handler is told at once of every object
   * in the indexer (`onAdd(object, true)`). With `resyncPeriodMs` > 0, every period it gets
   * `onUpdate(object, object)` for every object in the indexer: a chance to find drift.
   */
  addEventHandler(handler: ResourceEventHandler<T>, resyncPeriodMs?: number): EventHandlerRegistration;
  /** adds indexes to the indexer */
  addIndexers(indexers: Indexers<T>): void;
  /** true once the first list is in the indexer */
  hasSynced(): boolean;
  /** resolves once {@link hasSynced} */
  whenSynced(): Promise<void>;
  /** the resourceVersion of the last list, event or bookmark ('' before the first list) */
  lastSyncResourceVersion(): string;
  /** lists and watches until {@link stop} */
  run(): Promise<void>;
  stop(): void;
}

// ---- rate limiters and work queues --------------------------------------------------------------

/**
 * Decides how long an item waits before it is retried (client-go's `workqueue.RateLimiter`).
 *
 * @example
 * ```ts
 * const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
 * limiter.when('a'); limiter.when('a'); limiter.when('a');   // 5, 10, 20 (ms)
 * limiter.numRequeues('a');                                  // 3
 * limiter.forget('a');  limiter.when('a');                   // 5 again
 * ```
 */
export interface RateLimiter<T> {
  /** how many ms `item` should wait now; each call counts as one more failure of it */
  when(item: T): number;
  /** `item` succeeded: forget its failures */
  forget(item: T): void;
  /** how many times `item` has been rate limited since it was last forgotten */
  numRequeues(item: T): number;
}

/** The per-item back-off of client-go's `DefaultControllerRateLimiter`: 5 ms, doubling, at most 1000 s. */
export const DEFAULT_ITEM_BASE_DELAY_MS = 5;
export const DEFAULT_ITEM_MAX_DELAY_MS = 1_000_000;
/** The overall bucket of client-go's `DefaultControllerRateLimiter`: 10 retries a second, bursts of 100. */
export const DEFAULT_QPS = 10;
export const DEFAULT_BURST = 100;

/**
 * The queue of keys a controller still has to sync (client-go's `workqueue.Interface`):
 *
 * - **fair**: keys come out in the order they were added;
 * - **stingy**: a key added many times before it comes out comes out once;
 * - **one worker per key**: while a key is being processed (between {@link get} and {@link done})
 *   it is not handed out again; added in that time, it comes back once, after `done`.
 *
 * @example
 * ```ts
 * queue.add('default/web'); queue.add('default/web');  // queued once
 * const key = await queue.get();                       // 'default/web', now processing
 * queue.add('default/web');                            // dirty: held back while processing
 * queue.len();                                         // 0
 * queue.done(key!);                                    // ...and queued again, once
 * queue.len();                                         // 1
 * ```
 */
export interface WorkQueueApi<T> {
  add(item: T): void;
  /** how many items wait (not counting those being processed) */
  len(): number;
  /** the next item (now processing), waiting for one if none is queued; undefined once shut down and empty */
  get(): Promise<T | undefined>;
  /** the worker is finished with `item` */
  done(item: T): void;
  /** stops handing out items: waiting `get`s resolve undefined; later adds are ignored */
  shutDown(): void;
  shuttingDown(): boolean;
}

/**
 * A work queue with delays and per-item retry back-off (client-go's `RateLimitingInterface`, with
 * its `DelayingInterface`), on the injected clock.
 *
 * @example
 * ```ts
 * const queue = new RateLimitingQueue<string>(clock, defaultControllerRateLimiter(clock));
 * queue.addRateLimited('a');     // failure 1: back in 5 ms
 * queue.addRateLimited('a');     // failure 2 (while waiting): 10 ms, but it keeps the earlier 5 ms
 * await clock.advance(5);        // 'a' is queued
 * queue.forget('a');             // it worked: the next failure waits 5 ms again
 * queue.addAfter('b', 1_000);    // queued a second from now
 * ```
 */
export interface RateLimitingQueueApi<T> extends WorkQueueApi<T> {
  /** adds `item` once `ms` have passed (at once for ms <= 0); an item already waiting keeps the earlier time */
  addAfter(item: T, ms: number): void;
  /** `addAfter(item, rateLimiter.when(item))` */
  addRateLimited(item: T): void;
  /** `rateLimiter.forget(item)`: its failures are forgotten (it stays queued if it is) */
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** How long a reflector waits before relisting: 800 ms, doubling, at most 30 s; back to 800 ms after 2 quiet minutes. */
export const REFLECTOR_BACKOFF = { initialMs: 800, maxMs: 30_000, resetMs: 120_000 } as const;

/** A watch that ends within this time with no event is a failure ("very short watch"), not a normal close. */
export const VERY_SHORT_WATCH_MS = 1_000;
