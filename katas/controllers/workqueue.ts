/**
 * The work queue: the keys a controller still has to sync (client-go's util/workqueue: queue.go,
 * delaying_queue.go, rate_limiting_queue.go).
 *
 * A controller's handlers only enqueue keys; workers take them out and sync each one from the
 * informer's cache. Three sets make the queue's promises:
 *
 * ```
 * add(k):   k in dirty?  yes: nothing (already waiting)      no: dirty += k, and unless
 *                                                                 k in processing: queue.push(k)
 * get():    k = queue.shift(); dirty -= k; processing += k
 * done(k):  processing -= k; k in dirty? queue.push(k)       (it was added while processed)
 * ```
 * So a key waits at most once, is never processed by two workers at once, and a change that came
 * while it was processed is never lost: the key comes back exactly once after `done`.
 */
import { NotImplemented, type Clock, type Timer } from '@kube/kit';
import type { RateLimiter, RateLimitingQueueApi, WorkQueueApi } from './informer-api.ts';

/** The {@link WorkQueueApi} of kata 17 (client-go's `workqueue.Type`). */
export class WorkQueue<T = string> implements WorkQueueApi<T> {
  private readonly queue: T[] = [];
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  /** workers waiting in get(), first come first served */
  private readonly waiting: ((item: T | undefined) => void)[] = [];
  private shutdown = false;

  add(item: T): void {
    // TODO(17): nothing if shut down or already dirty; mark it dirty; unless it is processing, queue it (straight to a waiting worker if there is one).
    throw new NotImplemented('17', 'WorkQueue.add');
  }

  len(): number {
    // TODO(17): how many items are queued.
    throw new NotImplemented('17', 'WorkQueue.len');
  }

  get(): Promise<T | undefined> {
    // TODO(17): the first queued item (no longer dirty, now processing); none: undefined if shut down, else wait in `waiting` for one.
    throw new NotImplemented('17', 'WorkQueue.get');
  }

  done(item: T): void {
    // TODO(17): no longer processing; if it was added meanwhile (dirty), queue it again.
    throw new NotImplemented('17', 'WorkQueue.done');
  }

  shutDown(): void {
    // TODO(17): shut down, and resolve every waiting get with undefined.
    throw new NotImplemented('17', 'WorkQueue.shutDown');
  }

  shuttingDown(): boolean {
    return this.shutdown;
  }

}

/** The {@link RateLimitingQueueApi} of kata 17: a work queue with delays on the clock and a rate limiter. */
export class RateLimitingQueue<T = string> extends WorkQueue<T> implements RateLimitingQueueApi<T> {
  /** items waiting to be added, with when and the timer that will add them */
  private readonly waitingFor = new Map<T, { readyAt: number; timer: Timer }>();

  constructor(
    private readonly clock: Clock,
    readonly rateLimiter: RateLimiter<T>,
  ) {
    super();
  }

  addAfter(item: T, ms: number): void {
    // TODO(17): nothing if shut down; ms <= 0: add now; else add when the clock gets to now + ms (a clock timer), unless the item already waits for an earlier time (a later one is moved earlier).
    throw new NotImplemented('17', 'RateLimitingQueue.addAfter');
  }

  addRateLimited(item: T): void {
    // TODO(17): addAfter the rate limiter's wait for the item.
    throw new NotImplemented('17', 'RateLimitingQueue.addRateLimited');
  }

  forget(item: T): void {
    // TODO(17): the rate limiter forgets the item.
    throw new NotImplemented('17', 'RateLimitingQueue.forget');
  }

  numRequeues(item: T): number {
    // TODO(17): the rate limiter's count for the item.
    throw new NotImplemented('17', 'RateLimitingQueue.numRequeues');
  }

  override shutDown(): void {
    for (const { timer } of this.waitingFor.values()) this.clock.clearTimeout(timer);
    this.waitingFor.clear();
    super.shutDown();
  }
}

/**
 * One turn of a controller's worker (the `processNextWorkItem` every upstream controller writes):
 * take a key, sync it, and on success forget its failures; on failure queue it again with
 * back-off. Either way the key is done. Resolves false once the queue is shut down.
 *
 * @param onError - told of each failed sync (the key is retried); an unfinished kata
 *   (NotImplemented) is not retried but thrown
 *
 * @example
 * ```ts
 * while (await processNextWorkItem(queue, (key) => controller.sync(key))) {}
 * ```
 */
export async function processNextWorkItem<T>(queue: RateLimitingQueueApi<T>, sync: (item: T) => Promise<void>, onError?: (item: T, error: unknown) => void): Promise<boolean> {
  // TODO(17): get an item (undefined: return false); sync it: success forgets it, failure (not NotImplemented) goes to onError and addRateLimited; either way done(item); return true.
  throw new NotImplemented('17', 'processNextWorkItem');
}

/** What {@link startWorkers} runs: the queue, the sync, and what to tell of a failed sync. */
export interface WorkerSpec<T> {
  queue: RateLimitingQueueApi<T>;
  sync: (item: T) => Promise<void>;
  onError?: ((item: T, error: unknown) => void) | undefined;
  /** waited for after each item (a controller that lets its clock's timers run between syncs) */
  between?: () => Promise<unknown>;
}

/**
 * Starts `count` workers (upstream's `go wait.UntilWithContext(ctx, c.worker, time.Second)`, once
 * per worker): each runs {@link processNextWorkItem} on the queue until it is shut down. Every
 * controller's `run` calls it; its `stop` shuts the queue down and awaits the promises.
 *
 * Given code.
 *
 * @returns one promise per worker, resolved once the queue is shut down and its last sync is done
 *
 * @example
 * ```ts
 * this.workers.push(...startWorkers(2, { queue: this.queue, sync: (key) => this.sync(key) }));
 * // later: this.queue.shutDown(); await Promise.all(this.workers);
 * ```
 */
export function startWorkers<T>(count: number, spec: WorkerSpec<T>): Promise<void>[] {
  const { queue, sync, onError, between } = spec;
  return Array.from({ length: count }, async () => {
    while (await processNextWorkItem(queue, sync, onError)) await between?.();
  });
}
