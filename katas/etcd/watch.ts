/**
 * Watch: streams of the store's changes, from any revision (etcd's watchable store,
 * server/storage/mvcc/watchable_store.go, and its watchers, watcher.go and watcher_group.go).
 *
 * Every controller, the scheduler, every kubelet and the apiserver's own watch cache live on this:
 * they list once, then watch from the list's revision and never miss a change.
 *
 * A watcher wants the changes of a key or a range from a revision on. Two ways to feed it:
 * - **live**: the store calls {@link WatchableStore} after every write (`onCommit`), and each
 *   watcher whose range the write touched gets one response with that revision's events;
 * - **from history**: a watcher that starts in the past, or that fell behind because its consumer
 *   did not read (its buffer was full), is caught up from the store's history when it is read.
 *
 * @example
 * ```ts
 * const store = new MvccStore();
 * const watchable = new WatchableStore(store);
 * store.put('/registry/pods/default/web', 'v1');                   // revision 2
 * const all = watchable.watch({ key: '/registry/pods/', rangeEnd: prefixEnd('/registry/pods/'), startRevision: 1 });
 * const next = watchable.watch({ key: '/registry/pods/default/web', prevKv: true }); // from revision 3 on
 * store.put('/registry/pods/default/web', 'v2');                   // revision 3
 * all.poll();  // [{ watchId: 0, header: { revision: 2 }, events: [PUT web=v1] },   (replayed)
 *              //  { watchId: 0, header: { revision: 3 }, events: [PUT web=v2] }]   (live)
 * next.poll(); // [{ watchId: 1, header: { revision: 3 }, events: [{ type: 'PUT', kv: web=v2, prevKv: web=v1 }] }]
 * ```
 */
import { NotImplemented } from '@kube/kit';
import type { Change, MvccKeyValue } from './mvcc-api.ts';
import type { MvccStore } from './mvcc.ts';

/** How many responses a watcher buffers before it falls behind (etcd 3.4's chanBufLen, 1024; 128 in 3.5). */
export const WATCH_BUFFER_SIZE = 1024;

/** What to watch (etcd's WatchCreateRequest). */
export interface WatchRequest {
  /** the key, or the start of the range */
  key: string;
  /** as in range: undefined or '' = the single key; '\0' = every key >= key; else [key, rangeEnd) */
  rangeEnd?: string;
  /** first revision to deliver; 0, negative or undefined = only changes after now; past = replay history */
  startRevision?: number;
  /** also send each event's previous kv (when the key existed before) */
  prevKv?: boolean;
}

/** One change of a watched key (mvccpb.Event). */
export interface WatchEvent {
  readonly type: 'PUT' | 'DELETE';
  /** a PUT's new pair; a DELETE's tombstone: the key, modRevision = the delete's revision, the rest zero */
  readonly kv: MvccKeyValue;
  /** the pair before this change, when asked for and the key existed (and was not compacted away) */
  readonly prevKv?: MvccKeyValue;
}

/** What a watcher receives (etcd's WatchResponse). */
export interface WatchResponse {
  readonly watchId: number;
  /** the revision of the write these events come from (of the store, for a canceled watch) */
  readonly header: { readonly revision: number };
  /** never empty unless canceled; events of one revision are never split across responses */
  readonly events: readonly WatchEvent[];
  /** set when the watch was canceled because the revisions it needs were compacted */
  readonly compactRevision?: number;
  readonly canceled?: boolean;
  readonly cancelReason?: string;
}

/** One watch: read it with {@link Watcher.poll}, or with `for await`. */
export interface Watcher extends AsyncIterable<WatchResponse> {
  readonly id: number;
  /** true once canceled, by {@link Watcher.cancel} or by a compaction it could not survive */
  readonly canceled: boolean;
  /** responses ready now, taken out of the watcher ([] when none); never blocks */
  poll(): WatchResponse[];
  /** stops the watch; further poll() returns what was already buffered, then []; iteration ends */
  cancel(): void;
}

/** Options of {@link WatchableStore}. */
export interface WatchableStoreOptions {
  /** responses a watcher buffers before it falls behind (default {@link WATCH_BUFFER_SIZE}) */
  bufferSize?: number;
}

/**
 * Given: a watcher's `for await`, on top of its {@link Watcher.poll} (kata 09's API watch uses it
 * too, with its own events as `T`). A subclass calls
 * {@link PollingWatcher.wake} whenever a response may have become ready, or it was canceled.
 * Leaving the loop (`break`, `return`, a throw) cancels the watch.
 *
 * @example
 * ```ts
 * for await (const response of watchable.watch({ key: 'a' })) {
 *   if (response.events.some((e) => e.type === 'DELETE')) break;   // and the watch is canceled
 * }
 * ```
 */
export abstract class PollingWatcher<T = WatchResponse> implements AsyncIterable<T> {
  abstract readonly canceled: boolean;
  abstract poll(): T[];
  abstract cancel(): void;

  private waiting: (() => void) | undefined;

  /** Wakes a `for await` that is waiting for a response. */
  protected wake(): void {
    const resume = this.waiting;
    this.waiting = undefined;
    resume?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    try {
      for (;;) {
        const ready = this.poll();
        if (ready.length > 0) yield* ready;
        else if (this.canceled) return;
        else await new Promise<void>((resume) => (this.waiting = resume));
      }
    } finally {
      this.cancel();
    }
  }
}

/**
 * A store that can be watched: wraps an {@link MvccStore} and hears every write it makes.
 *
 * The slow-consumer policy is etcd's, simplified: a watcher buffers up to `bufferSize` responses;
 * when its buffer is full, it **falls behind** (etcd's "victim", then "unsynced" watcher) instead
 * of making the writer wait or dropping an event. A watcher that is behind gets no live events;
 * when its consumer next reads, it is caught up from the store's history, revision by revision,
 * and is live again. Writers and other watchers never notice. Only a compaction can end it: a
 * watcher whose next revision was compacted away is canceled with `compactRevision`, as in etcd.
 */
export class WatchableStore {
  // TODO(04): keep the open watchers (a Set does), the buffer size, and the next watch id (etcd starts at 0).

  /**
   * @param store - the store to watch; every write it makes reaches the watchers through `store.onCommit`
   * @param options - `bufferSize`: responses a watcher buffers before it falls behind
   * @throws RangeError when `bufferSize` is not a whole number >= 1
   */
  constructor(
    readonly store: MvccStore,
    options: WatchableStoreOptions = {},
  ) {
    // TODO(04): check and keep options.bufferSize (default WATCH_BUFFER_SIZE); subscribe to
    // TODO(04): store.onCommit and offer each write's (revision, changes) to every open watcher.
    throw new NotImplemented('04', 'WatchableStore.constructor');
  }

  /** How many watches are open (canceled ones not counted). */
  get size(): number {
    // TODO(04): the open watchers.
    throw new NotImplemented('04', 'WatchableStore.size');
  }

  /**
   * Opens a watch. A `startRevision` at or below the store's revision replays history from there
   * (on the first read); 0 or none starts after the latest write; a future one waits for it.
   *
   * @throws EtcdError `EmptyKey` for an empty key; `EmptyWatcherRange` when `rangeEnd` is not
   *   after `key` (and not '\0')
   */
  watch(request: WatchRequest): Watcher {
    // TODO(04): check the request; the first revision it needs is startRevision, or store.revision + 1;
    // TODO(04): make a KeyWatcher (the next id) that removes itself from the open watchers when canceled.
    throw new NotImplemented('04', 'WatchableStore.watch');
  }
}

/**
 * One watch of a key or range. It needs every revision from `next` on; it is **behind** while
 * `next` is at or below the store's revision and the revisions from `next` have not been buffered
 * (a watch from the past starts behind; a full buffer puts it behind). Add the private helpers you
 * want: reading one revision's events into the buffer, catching up from history, finding a prevKv.
 */
class KeyWatcher extends PollingWatcher implements Watcher {
  canceled = false;
  private readonly buffer: WatchResponse[] = [];
  /** the first revision this watcher has not yet put in its buffer */
  private next: number;

  constructor(
    readonly id: number,
    private readonly request: WatchRequest,
    start: number,
    private readonly store: MvccStore,
    private readonly bufferSize: number,
    private readonly forget: () => void,
  ) {
    super();
    this.next = start;
  }

  /** A write happened: take its events, unless the watcher is behind (it will read them from history). */
  offer(revision: number, changes: readonly Change[]): void {
    // TODO(04): only the revision `next` is for this watcher now (a later one: it is behind; an earlier
    // TODO(04): one: its start is in the future). A full buffer: leave it, and fall behind. Else buffer this
    // TODO(04): revision's events in the range (one response, if any), move `next` on, and this.wake().
    throw new NotImplemented('04', 'KeyWatcher.offer');
  }

  poll(): WatchResponse[] {
    // TODO(04): if behind (and not canceled), catch up from history: every revision from `next` to the
    // TODO(04): store's (store.backend.changesAt(revision)); if `next` was compacted (< store.compacted),
    // TODO(04): buffer one canceled response with compactRevision instead and cancel. Then hand out the buffer.
    throw new NotImplemented('04', 'KeyWatcher.poll');
  }

  cancel(): void {
    // TODO(04): once: mark it canceled, forget it, and wake a waiting `for await`.
    throw new NotImplemented('04', 'KeyWatcher.cancel');
  }
}
