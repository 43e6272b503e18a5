/**
 * The apiserver's watch cache (upstream: staging/src/k8s.io/apiserver/pkg/storage/cacher): one
 * watch on the registry per resource, its objects decoded once, and every client's watch served
 * from it. Given code; the server uses it when started with `watchCache: true` (kata 29's cluster
 * does, as kube-apiserver's `--watch-cache` is on by default).
 *
 * Why: without it each client watch is a store watch of its own, and every write is decoded and
 * judged once per watch of its resource. A cluster of 1,000 nodes has 1,000 kubelets watching
 * `pods?fieldSelector=spec.nodeName=<node>`: each pod write was decoded 2,000 times (before and
 * after) to find the one kubelet it concerns. Here it is decoded once, and handed only to the
 * watches that could care: like upstream's cacher, watchers of pods with a `spec.nodeName=<node>`
 * field selector are indexed by that node (upstream's "trigger" on spec.nodeName), so an event
 * reaches the kubelet of the node before and the node after, plus the watches without a trigger.
 *
 * Each watcher still judges the event on the object before and after it (watch.ts's table):
 *
 * | before matched | after matches | event |
 * | --- | --- | --- |
 * | no | yes | ADDED |
 * | yes | yes | MODIFIED |
 * | yes | no (or deleted) | DELETED (the object before, at the event's resourceVersion) |
 *
 * The cache keeps the last {@link WATCH_CACHE_WINDOW} events: a watch from a resourceVersion it
 * still holds is served from memory. Anything else — no resourceVersion, '0', one older than the
 * window — goes to the registry's own watch, as before (upstream answers those from etcd or with
 * 410 Gone). Objects are shared between watchers: the server only serializes them.
 *
 * @example
 * ```ts
 * const cache = new WatchCache(registry, clock);
 * const list = registry.list<Pod>('pods', undefined);
 * const watch = cache.watch<Pod>('pods', undefined, { resourceVersion: list.resourceVersion, fieldSelector: 'spec.nodeName=node-7' });
 * // only the events of pods on node-7 are even looked at for this watch
 * cache.stop();
 * ```
 */
import { PollingWatcher } from '@kube/etcd';
import type { Clock, KubeObject, Pod, Timer } from '@kube/kit';
import type { Registry } from './registry.ts';
import { resourceType, type ResourceType } from './resources.ts';
import { fieldsMatch, parseFieldSelector, parseLabelSelector, SelectorError, type FieldRequirement, type Selector } from './selectors.ts';
import { badRequest } from './status.ts';
import { BOOKMARK_INTERVAL_MS, type ApiWatch, type ApiWatchEvent, type WatchOptions } from './watch.ts';

/** How many recent events each resource's cache keeps for watches that start in the past. */
export const WATCH_CACHE_WINDOW = 20_000;

/** One change, with the object before it (undefined for a create). */
interface CachedEvent {
  revision: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  before: KubeObject | undefined;
}

/** The watch caches of one server, one per resource, made at the first watch of each. */
export class WatchCache {
  private readonly caches = new Map<string, ResourceCache>();

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
  ) {}

  /** A watch, served from the cache when it can be, else by the registry (see the module's note). */
  watch<T extends KubeObject>(resource: string, namespace: string | undefined, options: WatchOptions = {}): ApiWatch<T> {
    const type = resourceType(resource);
    const asked = options.resourceVersion ?? '';
    if (!/^[1-9]\d*$/.test(asked)) return this.registry.watch<T>(resource, namespace, options);
    let cache = this.caches.get(type.resource);
    if (!cache) this.caches.set(type.resource, (cache = new ResourceCache(this.registry, type)));
    const served = cache.watch(Number(asked), namespace, options, this.clock);
    return (served as ApiWatch<T> | undefined) ?? this.registry.watch<T>(resource, namespace, options);
  }

  /** `registry` with its `watch` served by this cache: what the server hands its handler. */
  servingWatches(registry: Registry): Registry {
    return new Proxy(registry, {
      get: (target, property) => {
        if (property === 'watch') return this.watch.bind(this);
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Ends every cache's registry watch (the server's watches are stopped by the server). */
  stop(): void {
    for (const cache of this.caches.values()) cache.stop();
    this.caches.clear();
  }
}

/** `namespace/name`, or `name` for a cluster-scoped object. */
function keyOf(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : (object.metadata.name ?? '');
}

/** The node a pod is on ('' when none): the index of kubelets' watches. */
function nodeOf(object: KubeObject | undefined): string | undefined {
  return object === undefined ? undefined : ((object as Pod).spec?.nodeName ?? '');
}

/** One resource's objects, its recent events, and the watchers they go to. */
class ResourceCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly window: CachedEvent[] = [];
  /** every event after this revision is in the window */
  private windowStart: number;
  private revision: number;
  private readonly source: ApiWatch;
  private readonly unsubscribe: () => void;
  private pollQueued = false;
  private readonly storeRevision: () => number;
  private stopped = false;
  /** watchers without a trigger: every event is offered to them */
  private readonly everyEvent = new Set<CacheWatcher>();
  /** pods watchers with `spec.nodeName=<node>`, by node */
  private readonly byNode = new Map<string, Set<CacheWatcher>>();

  constructor(
    registry: Registry,
    private readonly type: ResourceType,
  ) {
    const list = registry.list(type.resource, undefined);
    for (const object of list.items) this.objects.set(keyOf(object), object);
    this.revision = this.windowStart = Number(list.resourceVersion);
    this.source = registry.watch(type.resource, undefined, { resourceVersion: list.resourceVersion });
    // A poll after the writes of this turn of the event loop: one per batch, not per commit.
    const store = registry.watchable!.store;
    this.storeRevision = () => store.revision;
    this.unsubscribe = store.onCommit(() => {
      if (this.pollQueued) return;
      this.pollQueued = true;
      queueMicrotask(() => {
        this.pollQueued = false;
        this.catchUp();
      });
    });
  }

  /** A watcher from `after`, or undefined when the window does not reach back that far. */
  watch(after: number, namespace: string | undefined, options: WatchOptions, clock: Clock): CacheWatcher | undefined {
    if (this.stopped) return undefined;
    this.catchUp();
    if (after < this.windowStart || after > this.revision) return undefined;
    const matches = this.predicate(namespace, options);
    const node = this.type.resource === 'pods' ? triggerOf(options.fieldSelector) : undefined;
    const kind = { kind: this.type.kind, apiVersion: this.type.apiVersion };
    const watcher = new CacheWatcher(matches, clock, kind, options.allowWatchBookmarks === true, () => this.revision, () => this.remove(watcher, node));
    for (const event of this.eventsAfter(after)) watcher.offer(event);
    if (node === undefined) this.everyEvent.add(watcher);
    else {
      let set = this.byNode.get(node);
      if (!set) this.byNode.set(node, (set = new Set()));
      set.add(watcher);
    }
    return watcher;
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.source.stop();
    for (const watcher of [...this.everyEvent, ...[...this.byNode.values()].flatMap((s) => [...s])]) watcher.stop();
  }

  /** Takes in every event the registry has for the cache, and hands each to its watchers. */
  private catchUp(): void {
    if (this.stopped) return;
    for (const event of this.source.poll()) {
      if (event.type === 'ERROR') {
        // The cache's own watch failed (compacted away under it): every watcher ends, as upstream's
        // do when their cacher restarts, and each client lists and watches again.
        this.stop();
        return;
      }
      if (event.type === 'BOOKMARK') continue;
      const object = event.object as KubeObject;
      const key = keyOf(object);
      const cached: CachedEvent = { revision: Number(object.metadata.resourceVersion), type: event.type, object, before: this.objects.get(key) };
      if (event.type === 'DELETED') this.objects.delete(key);
      else this.objects.set(key, object);
      this.revision = cached.revision;
      this.window.push(cached);
      if (this.window.length > WATCH_CACHE_WINDOW) this.windowStart = this.window.splice(0, this.window.length - WATCH_CACHE_WINDOW).at(-1)!.revision;
      this.dispatch(cached);
    }
    // Every event up to the store's revision is in: the cache is as fresh as the store, whatever
    // other resources' writes moved the revision to (upstream learns that from progress notifies).
    this.revision = Math.max(this.revision, this.storeRevision());
  }

  private dispatch(event: CachedEvent): void {
    for (const watcher of this.everyEvent) watcher.offer(event);
    if (this.byNode.size === 0) return;
    const now = nodeOf(event.object);
    const before = nodeOf(event.before);
    for (const node of new Set([now, before])) {
      if (node === undefined) continue;
      for (const watcher of this.byNode.get(node) ?? []) watcher.offer(event);
    }
  }

  /** The window's events after `revision`, oldest first. */
  private eventsAfter(revision: number): CachedEvent[] {
    let low = 0;
    let high = this.window.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.window[mid]!.revision <= revision) low = mid + 1;
      else high = mid;
    }
    return this.window.slice(low);
  }

  private remove(watcher: CacheWatcher, node: string | undefined): void {
    if (node === undefined) this.everyEvent.delete(watcher);
    else this.byNode.get(node)?.delete(watcher);
  }

  /** The watch's namespace and selectors as one test (BadRequest for a bad selector, as the registry says it). */
  private predicate(namespace: string | undefined, options: WatchOptions): (object: KubeObject) => boolean {
    let labels: Selector;
    let fields: FieldRequirement[];
    try {
      labels = parseLabelSelector(options.labelSelector ?? '');
      fields = parseFieldSelector(options.fieldSelector ?? '', this.type.selectableFields);
    } catch (error) {
      if (error instanceof SelectorError) throw badRequest(error.message);
      throw error;
    }
    const type = this.type;
    return (object) =>
      (namespace === undefined || !type.namespaced || object.metadata.namespace === namespace) && labels.matches(object.metadata.labels) && fieldsMatch(fields, type.fieldsOf(object));
  }
}

/** The node of a `spec.nodeName=<node>` requirement in a field selector, if it has one. */
function triggerOf(fieldSelector: string | undefined): string | undefined {
  if (!fieldSelector) return undefined;
  for (const clause of fieldSelector.split(',')) {
    const match = /^\s*spec\.nodeName\s*==?\s*(.*?)\s*$/.exec(clause);
    if (match) return match[1];
  }
  return undefined;
}

/** One client's watch on a {@link ResourceCache}. */
class CacheWatcher extends PollingWatcher<ApiWatchEvent> implements ApiWatch {
  private readonly pending: ApiWatchEvent[] = [];
  private stopped = false;
  private bookmarkDue = false;
  private readonly timer: Timer | undefined;

  constructor(
    private readonly matches: (object: KubeObject) => boolean,
    private readonly clock: Clock,
    private readonly kind: { kind: string; apiVersion: string },
    bookmarks: boolean,
    private readonly revision: () => number,
    private readonly onStop: () => void,
  ) {
    super();
    this.timer = bookmarks ? clock.setInterval(() => this.bookmark(), BOOKMARK_INTERVAL_MS) : undefined;
  }

  /** The event as this watcher's selectors see it (the table in the module's note). */
  offer(event: CachedEvent): void {
    if (this.stopped) return;
    const beforeMatched = event.before !== undefined && this.matches(event.before);
    let translated: ApiWatchEvent | undefined;
    if (event.type === 'DELETED') translated = beforeMatched ? { type: 'DELETED', object: event.object } : undefined;
    else if (this.matches(event.object)) translated = { type: beforeMatched ? 'MODIFIED' : 'ADDED', object: event.object };
    else if (beforeMatched) translated = { type: 'DELETED', object: { ...event.before!, metadata: { ...event.before!.metadata, resourceVersion: String(event.revision) } } };
    if (!translated) return;
    this.pending.push(translated);
    this.wake();
  }

  poll(): ApiWatchEvent[] {
    if (this.bookmarkDue && !this.stopped) {
      // Every event up to the cache's revision has been offered: a bookmark there is true.
      this.bookmarkDue = false;
      this.pending.push({ type: 'BOOKMARK', object: { ...this.kind, metadata: { resourceVersion: String(this.revision()) } } as KubeObject });
    }
    return this.pending.splice(0);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.onStop();
    this.wake();
  }

  cancel(): void {
    this.stop();
  }

  get canceled(): boolean {
    return this.stopped;
  }

  private bookmark(): void {
    this.bookmarkDue = true;
    this.wake();
  }
}
