/**
 * The API's watch (kube-apiserver's staging/src/k8s.io/apiserver/pkg/storage/etcd3/watcher.go):
 * the store's PUT and DELETE events on keys, turned into ADDED, MODIFIED and DELETED events on
 * objects, as the client's selectors see them.
 *
 * A selector makes this more than a translation. A pod relabelled from `app=web` to `app=db` is,
 * to a watch of `app=web`, a pod that went away: DELETED. Relabelled back, it is ADDED. So each
 * store event is judged on both the object before it (prevKv) and after it:
 *
 * | before matched | after matches | event |
 * | --- | --- | --- |
 * | no (or absent) | yes | ADDED (the new object) |
 * | yes | yes | MODIFIED (the new object) |
 * | yes | no (or deleted) | DELETED (the old object, at the event's resourceVersion) |
 * | no | no | nothing |
 *
 * @example
 * ```ts
 * const watch = registry.watch<Pod>('pods', 'default', { resourceVersion: list.resourceVersion, labelSelector: 'app=web' });
 * client.pods('default').update({ ...pod, metadata: { ...pod.metadata, labels: { app: 'db' } } });
 * watch.poll();   // [{ type: 'DELETED', object: pod (labels app=web, resourceVersion of the update) }]
 * ```
 */
import { PollingWatcher, type Change, type MvccKeyValue, type WatchEvent, type WatchResponse } from '@kube/etcd';
import { NotImplemented, type Clock, type KubeObject, type Status, type Timer } from '@kube/kit';
import { tooOldResourceVersion } from './status.ts';

/** The kinds of events a watch sends. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One event of a watch: `{"type": ..., "object": ...}` on the wire. */
export interface ApiWatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** the object; a Status for ERROR; only kind, apiVersion and metadata.resourceVersion for BOOKMARK */
  object: T | Status;
}

/** Options of a watch (the query of `GET ...?watch=true`). */
export interface WatchOptions {
  /** '' or absent: the current state as ADDED events, then changes; '0': the same; N: changes after N */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** also send BOOKMARK events, every {@link BOOKMARK_INTERVAL_MS} of the clock */
  allowWatchBookmarks?: boolean;
}

/** A watch in progress. */
export interface ApiWatch<T extends KubeObject = KubeObject> extends AsyncIterable<ApiWatchEvent<T>> {
  /** events ready now ([] when none); never blocks */
  poll(): ApiWatchEvent<T>[];
  /** ends the watch; iteration finishes */
  stop(): void;
}

/** How often a watch that allows them gets a BOOKMARK (the apiserver's watch cache: about a minute). */
export const BOOKMARK_INTERVAL_MS = 60_000;

/** What a registry watch needs to know about its objects. */
export interface ObjectFilter<T extends KubeObject> {
  /** the object stored in a key-value, with resourceVersion = the kv's modRevision */
  decode(kv: MvccKeyValue): T;
  /** does the watch's selector select it? */
  matches(object: T): boolean;
}

/**
 * The API events of one store event, under the watch's selectors (the table above). A DELETED
 * event carries the object as it was before, with the event's revision as its resourceVersion, so
 * that a client's last-seen resourceVersion always moves forward.
 *
 * @param event - a store event with its prevKv (the watch asks the store for them)
 */
export function toApiEvent<T extends KubeObject>(event: WatchEvent, revision: number, filter: ObjectFilter<T>): ApiWatchEvent<T> | undefined {
  // TODO(09): decode the object before (event.prevKv) and after (event.kv; none for a DELETE); with the selectors
  // TODO(09): (filter.matches) on both, the table above: ADDED / MODIFIED the new object; DELETED the old one with
  // TODO(09): resourceVersion = revision (atRevision); nothing when neither matches.
  throw new NotImplemented('09', 'toApiEvent');
}

/** A copy of `object` whose resourceVersion is `revision`. */
function atRevision<T extends KubeObject>(object: T, revision: number): T {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

/** The store's side of a registry watch: kata 04's watcher, and a way to hear of each commit. */
export interface StoreFeed {
  watcher: { poll(): WatchResponse[]; cancel(): void };
  /** calls `listener` after every write to the store; returns the unsubscribe */
  onCommit(listener: (revision: number, changes: readonly Change[]) => void): () => void;
  /** the store's revision now */
  revision(): number;
}

/**
 * A registry watch: first the `initial` events (the current state, for a watch without a
 * resourceVersion), then the store watcher's events, translated; a compacted start ends it with an
 * ERROR event carrying a 410 Expired Status; with bookmarks, a BOOKMARK at the store's revision
 * every {@link BOOKMARK_INTERVAL_MS}, sent after every event it vouches for.
 */
export class RegistryWatch<T extends KubeObject> extends PollingWatcher<ApiWatchEvent<T>> implements ApiWatch<T> {
  private readonly pending: ApiWatchEvent<T>[];
  private stopped = false;
  private bookmarkDue = false;
  private readonly timer: Timer | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly feed: StoreFeed,
    private readonly filter: ObjectFilter<T>,
    private readonly kind: { kind: string; apiVersion: string },
    initial: ApiWatchEvent<T>[],
    clock: Clock,
    options: { allowWatchBookmarks?: boolean; startedAt: string },
  ) {
    super();
    this.pending = initial;
    this.startedAt = options.startedAt;
    this.clock = clock;
    this.timer = options.allowWatchBookmarks ? clock.setInterval(() => this.bookmark(), BOOKMARK_INTERVAL_MS) : undefined;
    this.unsubscribe = feed.onCommit(() => this.wake());
  }

  /** the resourceVersion the watch started from, for the 410's message */
  private readonly startedAt: string;
  private readonly clock: Clock;

  poll(): ApiWatchEvent<T>[] {
    // TODO(09): stopped: hand out what is pending. Else take the store watcher's responses: one with compactRevision
    // TODO(09): ends the watch (an ERROR event: tooOldResourceVersion(this.startedAt, compactRevision).status, then stop());
    // TODO(09): the others' events through toApiEvent. Then, if a bookmark is due, a BOOKMARK at feed.revision()
    // TODO(09): ({ ...this.kind, metadata: { resourceVersion } }). Hand out (and empty) `pending`.
    throw new NotImplemented('09', 'RegistryWatch.poll');
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.feed.watcher.cancel();
    this.unsubscribe();
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.wake();
  }

  /** {@link stop}, by the name `for await` (PollingWatcher) calls it. */
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
