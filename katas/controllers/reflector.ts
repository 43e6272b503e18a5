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
import { isNotImplemented, NotImplemented, type Clock, type KubeObject, type Status } from '@kube/kit';
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
    // TODO(17): '' after a 410 (lastSyncUnavailable), '0' before the first list, else the last resourceVersion seen.
    throw new NotImplemented('17', 'Reflector.relistResourceVersion');
  }

  /**
   * One round: list into the store, then watch from the list's resourceVersion, again and again as
   * streams end normally. Resolves when the reflector must relist (an ERROR event, 410 among them)
   * or was stopped; rejects when the list fails or a watch ends at once without an event.
   */
  async listAndWatch(): Promise<void> {
    // TODO(17): count the list (counts.lists); list with relistResourceVersion() and the selectors; store.replace; remember the list's resourceVersion.
    // TODO(17): then, until stopped: open a watch (counts.watches) from the last resourceVersion with allowWatchBookmarks; apply ADDED, MODIFIED, DELETED to the store;
    //   after every event (BOOKMARK too) remember its object's resourceVersion; an ERROR: tell onError (a StatusError), mark a 410 and return.
    // TODO(17): a stream that ended without an ERROR: watch again, unless it lasted under VERY_SHORT_WATCH_MS with no event: then throw `very short watch: ...`.
    throw new NotImplemented('17', 'Reflector.listAndWatch');
  }

  /**
   * How long to wait before the next relist (client-go's exponential back-off manager): 800 ms,
   * then twice the previous wait, at most 30 s; if the previous wait was asked for more than 2
   * minutes ago, 800 ms again. Each call is one more back-off.
   */
  nextBackoffMs(): number {
    // TODO(17): 800 ms if the last call was more than 2 minutes ago (or never), else twice the last wait, at most 30 s (REFLECTOR_BACKOFF).
    throw new NotImplemented('17', 'Reflector.nextBackoffMs');
  }

  /**
   * Runs {@link listAndWatch} until {@link stop}, waiting {@link nextBackoffMs} on the clock between
   * rounds. A failure goes to `onError` and is retried; an unfinished kata (NotImplemented) ends
   * the run with that error.
   */
  async run(): Promise<void> {
    // TODO(17): until stopped: listAndWatch (a failure goes to onError; NotImplemented is thrown on), then clock.sleep(nextBackoffMs(), this.abort.signal) (a rejected sleep means stopped).
    throw new NotImplemented('17', 'Reflector.run');
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
