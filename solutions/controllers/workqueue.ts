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
import { isNotImplemented, type Clock, type Timer } from '@kube/kit';
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
    if (this.shutdown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return; // done() will queue it
    this.push(item);
  }

  len(): number {
    return this.queue.length;
  }

  get(): Promise<T | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.shutdown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) this.push(item);
  }

  shutDown(): void {
    this.shutdown = true;
    for (const resolve of this.waiting.splice(0)) resolve(undefined);
  }

  shuttingDown(): boolean {
    return this.shutdown;
  }

  /** A key is ready: straight to a waiting worker, else at the back of the line. */
  private push(item: T): void {
    this.queue.push(item);
    const worker = this.waiting.shift();
    if (worker) worker(this.take());
  }

  private take(): T {
    const item = this.queue.shift()!;
    this.dirty.delete(item);
    this.processing.add(item);
    return item;
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
    if (this.shuttingDown()) return;
    if (!(ms > 0)) return this.add(item);
    const readyAt = this.clock.now() + ms;
    const already = this.waitingFor.get(item);
    if (already && already.readyAt <= readyAt) return; // the earlier time wins
    if (already) this.clock.clearTimeout(already.timer);
    const timer = this.clock.setTimeout(() => {
      this.waitingFor.delete(item);
      this.add(item);
    }, ms);
    this.waitingFor.set(item, { readyAt, timer });
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
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
  const item = await queue.get();
  if (item === undefined) return false;
  try {
    await sync(item);
    queue.forget(item);
  } catch (error) {
    if (isNotImplemented(error)) throw error;
    onError?.(item, error);
    queue.addRateLimited(item);
  } finally {
    queue.done(item);
  }
  return true;
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
