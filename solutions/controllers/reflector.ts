/**
 * The reflector: keeps a store equal to the apiserver's view of one resource (client-go's
 * tools/cache/reflector.go, `Reflector.ListAndWatch` run under `wait.BackoffUntil`).
 *
 * ```
 *        ┌────────────── relist (after a back-off) ◄──── 410 Expired, ERROR, list failed, very short watch
 *        ▼
 *  list (rv R) ──► store.replace(items) ──► watch from R ──► ADDED/MODIFIED/DELETED ──► store
 *                                              ▲    │        BOOKMARK: only R moves
 *                                              └────┘ the stream ended normally: watch again from R
 * ```
 * R, the last resourceVersion seen, is what makes a watch resumable: a watch from R sends exactly
 * the changes after R. Only when the server no longer has R (410 Expired: compacted away) must the
 * reflector list everything again; bookmarks keep R recent on a quiet watch so that this is rare.
 */
import { isNotImplemented, type Clock, type KubeObject, type Status } from '@kube/kit';
import { StatusError, type ApiWatch } from '@kube/apiserver';
import { REFLECTOR_BACKOFF, VERY_SHORT_WATCH_MS, type ListerWatcher, type ReflectorStore } from './informer-api.ts';

/** What a reflector needs. */
export interface ReflectorOptions<T extends KubeObject> {
  /** where to list and watch: `client.pods()`, `client.replicaSets('default')` */
  lw: ListerWatcher<T>;
  /** where the objects go */
  store: ReflectorStore<T>;
  clock: Clock;
  /** only objects these select (passed on to list and watch) */
  labelSelector?: string;
  fieldSelector?: string;
  /** told of each failure before the back-off (client-go's WatchErrorHandler); default: nothing */
  onError?: (error: unknown) => void;
}

/** How many lists and watches a reflector has made: what tests and the curious look at. */
export interface ReflectorCounts {
  lists: number;
  watches: number;
}

/** The {@link ReflectorStore} filler of kata 17. */
export class Reflector<T extends KubeObject> {
  /** lists and watches opened so far */
  readonly counts: ReflectorCounts = { lists: 0, watches: 0 };
  private readonly options: ReflectorOptions<T>;
  private readonly clock: Clock;
  private lastSync = '';
  /** set by a 410: the last resourceVersion is gone, the next list must read the latest state */
  private lastSyncUnavailable = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private watch: ApiWatch<T> | undefined;
  /** the back-off manager's state: the last wait and when it was asked for */
  private lastBackoffMs = 0;
  private lastBackoffAt = Number.NEGATIVE_INFINITY;

  constructor(options: ReflectorOptions<T>) {
    this.options = options;
    this.clock = options.clock;
  }

  /** The resourceVersion of the last list, event or bookmark seen ('' before the first list). */
  lastSyncResourceVersion(): string {
    return this.lastSync;
  }

  /**
   * The resourceVersion the next list asks for (client-go's `relistResourceVersion`): '0' for the
   * first list (any recent state will do), '' after a 410 (the latest state: the last one is gone),
   * else the last seen (a state no older than what the store already has).
   */
  relistResourceVersion(): string {
    if (this.lastSyncUnavailable) return '';
    return this.lastSync === '' ? '0' : this.lastSync;
  }

  /**
   * One round: list into the store, then watch from the list's resourceVersion, again and again as
   * streams end normally. Resolves when the reflector must relist (an ERROR event, 410 among them)
   * or was stopped; rejects when the list fails or a watch ends at once without an event.
   */
  async listAndWatch(): Promise<void> {
    const selectors = this.selectors();
    this.counts.lists++;
    const list = await this.options.lw.list({ ...selectors, resourceVersion: this.relistResourceVersion() });
    if (this.stopped) return;
    this.options.store.replace(list.items, list.resourceVersion);
    this.lastSync = list.resourceVersion;
    this.lastSyncUnavailable = false;

    while (!this.stopped) {
      const startedAt = this.clock.now();
      let events = 0;
      this.counts.watches++;
      const watch = (this.watch = this.options.lw.watch({ ...selectors, resourceVersion: this.lastSync, allowWatchBookmarks: true }));
      try {
        for await (const event of watch) {
          if (this.stopped) return;
          if (event.type === 'ERROR') {
            const status = event.object as Status;
            if (status.code === 410) this.lastSyncUnavailable = true;
            this.options.onError?.(new StatusError(status));
            return; // relist (after the back-off)
          }
          events++;
          const object = event.object as T;
          if (event.type === 'ADDED') this.options.store.add(object);
          else if (event.type === 'MODIFIED') this.options.store.update(object);
          else if (event.type === 'DELETED') this.options.store.delete(object);
          // BOOKMARK: nothing changed, but everything up to its resourceVersion has been seen.
          this.lastSync = object.metadata.resourceVersion ?? this.lastSync;
        }
      } finally {
        watch.stop();
        this.watch = undefined;
      }
      // The stream ended without an error: a server timeout or a dropped connection. Watch again
      // from where it left off; but a stream that ends at once, empty, would make that a busy loop.
      if (!this.stopped && events === 0 && this.clock.now() - startedAt < VERY_SHORT_WATCH_MS) {
        throw new Error(`very short watch: ${this.clock.now() - startedAt} ms, no events received`);
      }
    }
  }

  /**
   * How long to wait before the next relist (client-go's exponential back-off manager): 800 ms,
   * then twice the previous wait, at most 30 s; if the previous wait was asked for more than 2
   * minutes ago, 800 ms again. Each call is one more back-off.
   */
  nextBackoffMs(): number {
    const now = this.clock.now();
    const quiet = now - this.lastBackoffAt > REFLECTOR_BACKOFF.resetMs;
    this.lastBackoffMs = quiet ? REFLECTOR_BACKOFF.initialMs : Math.min(this.lastBackoffMs * 2, REFLECTOR_BACKOFF.maxMs);
    this.lastBackoffAt = now;
    return this.lastBackoffMs;
  }

  /**
   * Runs {@link listAndWatch} until {@link stop}, waiting {@link nextBackoffMs} on the clock between
   * rounds. A failure goes to `onError` and is retried; an unfinished kata (NotImplemented) ends
   * the run with that error.
   */
  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.listAndWatch();
      } catch (error) {
        if (isNotImplemented(error)) throw error;
        if (!this.stopped) this.options.onError?.(error);
      }
      if (this.stopped) return;
      try {
        await this.clock.sleep(this.nextBackoffMs(), this.abort.signal);
      } catch {
        return; // stopped while waiting
      }
    }
  }

  /** Ends {@link run}: the watch is closed and a back-off cut short. */
  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.abort.abort();
  }

  private selectors(): { labelSelector?: string; fieldSelector?: string } {
    const { labelSelector, fieldSelector } = this.options;
    return { ...(labelSelector !== undefined && { labelSelector }), ...(fieldSelector !== undefined && { fieldSelector }) };
  }
}
