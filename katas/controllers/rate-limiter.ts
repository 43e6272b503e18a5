/**
 * Rate limiters: how long a failed key waits before it is tried again (client-go's
 * util/workqueue/default_rate_limiters.go).
 *
 * Two views of "too often", combined by taking the longer wait:
 * - **per item**, exponential: one key that keeps failing (a pod spec the apiserver rejects) waits
 *   5 ms, 10 ms, 20 ms, ... up to 1000 s, and the others are not slowed down by it;
 * - **overall**, a token bucket: a storm of failures (the apiserver is down, every key fails) is
 *   retried at no more than 10 a second once the first 100 are spent.
 *
 * @example
 * ```ts
 * const limiter = defaultControllerRateLimiter(clock);
 * limiter.when('a');   // 5 ms: max(5 ms for a's first failure, 0 from a full bucket)
 * limiter.when('a');   // 10 ms
 * // ... 100 whens without time passing empty the bucket: the 101st waits 100 ms, the 102nd 200 ms
 * ```
 */
import { NotImplemented, type Clock } from '@kube/kit';
import { DEFAULT_BURST, DEFAULT_ITEM_BASE_DELAY_MS, DEFAULT_ITEM_MAX_DELAY_MS, DEFAULT_QPS, type RateLimiter } from './informer-api.ts';

/** Per item: `baseMs * 2^(failures so far)`, at most `maxMs` (`ItemExponentialFailureRateLimiter`). */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
  ) {
    if (!(baseMs > 0) || !(maxMs >= baseMs)) throw new RangeError(`need 0 < baseMs <= maxMs, got baseMs ${baseMs} and maxMs ${maxMs}`);
  }

  when(item: T): number {
    // TODO(17): baseMs * 2^(failures of item so far), at most maxMs; count one more failure.
    throw new NotImplemented('17', 'ItemExponentialFailureRateLimiter.when');
  }

  forget(item: T): void {
    // TODO(17): forget the item's failures.
    throw new NotImplemented('17', 'ItemExponentialFailureRateLimiter.forget');
  }

  numRequeues(item: T): number {
    // TODO(17): the item's failures since it was last forgotten.
    throw new NotImplemented('17', 'ItemExponentialFailureRateLimiter.numRequeues');
  }
}

/**
 * Overall: a token bucket of `burst` tokens refilled at `qps` a second (`BucketRateLimiter` over
 * golang.org/x/time/rate's `Limiter.Reserve`). Each `when` takes a token, going into debt if there
 * is none: the wait is the time the bucket needs to pay the debt back.
 */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    readonly qps: number,
    readonly burst: number,
  ) {
    if (!(qps > 0) || !Number.isInteger(burst) || burst < 1) throw new RangeError(`need qps > 0 and a whole burst >= 1, got qps ${qps} and burst ${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_item: T): number {
    // TODO(17): refill tokens for the time since the last call (qps a second, at most burst), take one; in debt: wait debt * 1000 / qps ms.
    throw new NotImplemented('17', 'BucketRateLimiter.when');
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

/** The longest wait of several limiters; each of them counts every `when` (`MaxOfRateLimiter`). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  readonly limiters: readonly RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.limiters = limiters;
  }

  when(item: T): number {
    // TODO(17): ask every limiter (each must count the failure) and wait the longest.
    throw new NotImplemented('17', 'MaxOfRateLimiter.when');
  }

  forget(item: T): void {
    // TODO(17): every limiter forgets the item.
    throw new NotImplemented('17', 'MaxOfRateLimiter.forget');
  }

  numRequeues(item: T): number {
    // TODO(17): the most any limiter counts.
    throw new NotImplemented('17', 'MaxOfRateLimiter.numRequeues');
  }
}

/**
 * client-go's `DefaultControllerRateLimiter`: per item 5 ms doubling to 1000 s, and overall
 * 10 qps with bursts of 100.
 */
export function defaultControllerRateLimiter<T = string>(clock: Clock): MaxOfRateLimiter<T> {
  // TODO(17): the max of an item limiter (DEFAULT_ITEM_BASE_DELAY_MS, DEFAULT_ITEM_MAX_DELAY_MS) and a bucket (DEFAULT_QPS, DEFAULT_BURST).
  throw new NotImplemented('17', 'defaultControllerRateLimiter');
}
