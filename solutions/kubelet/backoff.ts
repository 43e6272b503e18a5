/**
 * Exponential back-off per key, on the clock: the kubelet's CrashLoopBackOff and
 * ImagePullBackOff (client-go `util/flowcontrol/backoff.go`, used by
 * `pkg/kubelet/kuberuntime/kuberuntime_container.go` doBackOff and `pkg/kubelet/images`).
 *
 * An entry is `{ backoff, lastUpdate }`. {@link Backoff.next} starts an entry at the initial
 * delay, or doubles it (capped at the maximum); an entry that has not been updated for more than
 * twice the maximum (10 minutes for the kubelet's 300 s) is stale and starts over.
 *
 * @example The kubelet's rhythm for a container that keeps crashing
 * ```ts
 * const backoff = new Backoff(clock);          // 10 s, doubling, at most 300 s
 * // it exits at t0: not in back-off (no entry), so next() (10 s) and restart at once
 * backoff.isInBackOffSince('pod/app', t0);     // false
 * backoff.next('pod/app', t0);                 // backoff 10 s, lastUpdate now
 * // it exits again at t1 = t0 + 3 s: in back-off until t1 + 10 s
 * backoff.isInBackOffSince('pod/app', t1);     // true (now - t1 < 10 s)
 * // at t1 + 10 s: no longer; next() doubles it to 20 s and the container restarts
 * ```
 */
import type { Clock } from '@kube/kit';

/** The kubelet's first back-off: 10 s (`backOffPeriod`, pkg/kubelet/kubelet.go). */
export const INITIAL_BACKOFF_MS = 10_000;
/** The kubelet's longest back-off: 300 s (`MaxContainerBackOff`, pkg/kubelet/kubelet.go). */
export const MAX_BACKOFF_MS = 300_000;

/** One key's back-off. */
export interface BackoffEntry {
  /** the current delay, ms */
  backoff: number;
  /** when {@link Backoff.next} last ran for the key (epoch ms) */
  lastUpdate: number;
}

/** Back-off per key on a clock (no jitter: the kubelet's has none either). */
export class Backoff {
  private readonly entries = new Map<string, BackoffEntry>();

  /**
   * @param clock - what "now" is
   * @param initialMs - the first delay (default 10 s)
   * @param maxMs - the cap (default 300 s); an entry idle for more than twice this starts over
   */
  constructor(
    private readonly clock: Clock,
    readonly initialMs = INITIAL_BACKOFF_MS,
    readonly maxMs = MAX_BACKOFF_MS,
  ) {}

  /** The key's current delay in ms, 0 when it has none. */
  get(key: string): number {
    return this.entries.get(key)?.backoff ?? 0;
  }

  /** A copy of the key's entry, or undefined. */
  entry(key: string): BackoffEntry | undefined {
    const entry = this.entries.get(key);
    return entry && { ...entry };
  }

  /**
   * Something failed at `eventTime`: the key's delay starts at the initial one (no entry, or a
   * stale one: `eventTime - lastUpdate > 2 * max`) or doubles, capped at the maximum. Either way
   * `lastUpdate` becomes now.
   */
  next(key: string, eventTime: number): void {
    const entry = this.entries.get(key);
    const backoff = !entry || this.stale(entry, eventTime) ? this.initialMs : Math.min(entry.backoff * 2, this.maxMs);
    this.entries.set(key, { backoff, lastUpdate: this.clock.now() });
  }

  /**
   * Is the key still backing off from a failure at `eventTime`? True when it has a fresh entry
   * and less than its delay has passed since `eventTime` (flowcontrol's IsInBackOffSince).
   */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.stale(entry, eventTime)) return false;
    return this.clock.now() - eventTime < entry.backoff;
  }

  /** Is the key still backing off from its last update? (IsInBackOffSinceUpdate: the image puller's check.) */
  isInBackOffSinceUpdate(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.stale(entry, this.clock.now())) return false;
    return this.clock.now() - entry.lastUpdate < entry.backoff;
  }

  /** Forgets the key (its pod is gone). */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** An entry not updated for more than twice the maximum is stale: the container had been fine for a while. */
  private stale(entry: BackoffEntry, eventTime: number): boolean {
    return eventTime - entry.lastUpdate > 2 * this.maxMs;
  }
}
