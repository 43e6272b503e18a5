/**
 * Leader election on a Lease (client-go's tools/leaderelection with its LeaseLock): of several
 * controller managers, one holds the Lease `kube-system/kube-controller-manager` and runs the
 * controllers; the others wait, and one of them takes over once the holder stops renewing. Two
 * controller managers acting on the same Deployments would fight; a standby that waits a whole
 * lease duration never acts while the leader might still.
 *
 * ```
 * candidate ──get lease──► none, or released, or not renewed for leaseDuration (as I observed it) ──► take it (update with its resourceVersion)
 *     ▲                          │ held and fresh                                                      │ Conflict: someone was faster
 *     └──── retryPeriod ◄────────┘                                                                     ▼
 *                                                                   leader: renew every retryPeriod; no renewal for renewDeadline ──► lost
 * ```
 * A lease counts as fresh from when this candidate last **saw it change**, on its own clock, not
 * from the renewTime written in it: two machines' clocks need not agree.
 *
 * This file is given: no kata asks you to write it.
 *
 * @example
 * ```ts
 * const elector = new LeaderElector({ client, clock, identity: 'host-1_3f2a' });
 * await elector.run({
 *   onStartedLeading: () => manager.start(),
 *   onStoppedLeading: () => process.exit(1),     // upstream's kube-controller-manager exits too
 * });
 * ```
 */
import { type Clock, type Lease } from '@kube/kit';
import { isStatusError, type ApiClient } from '@kube/apiserver';

/** kube-controller-manager's defaults (`--leader-elect-lease-duration` and the others). */
export const LEASE_DURATION_MS = 15_000;
export const RENEW_DEADLINE_MS = 10_000;
export const RETRY_PERIOD_MS = 2_000;

/** What a {@link LeaderElector} needs. */
export interface LeaderElectionOptions {
  client: ApiClient;
  clock: Clock;
  /** this candidate: upstream uses `<hostname>_<uuid>` */
  identity: string;
  /** the Lease: default kube-system/kube-controller-manager */
  namespace?: string;
  name?: string;
  /** how long a lease not renewed stays someone's (default 15 s) */
  leaseDurationMs?: number;
  /** how long the leader keeps trying to renew before it gives up (default 10 s) */
  renewDeadlineMs?: number;
  /** how often to try (default 2 s) */
  retryPeriodMs?: number;
  /** on stop, hand the lease back at once (upstream's ReleaseOnCancel), so another need not wait for it to expire */
  releaseOnStop?: boolean;
  /** told of each failed attempt (it is retried) */
  onError?: (error: unknown) => void;
}

/** What a leader does. */
export interface LeaderCallbacks {
  /** became the leader: start working */
  onStartedLeading(): void | Promise<void>;
  /** no longer the leader (lost, or stopped): stop working */
  onStoppedLeading(): void | Promise<void>;
  /** another holder was seen (or this one): for a log line */
  onNewLeader?(identity: string): void;
}

/** A lease's time: RFC 3339 with microseconds, as Kubernetes writes a MicroTime. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Leader election on one Lease. */
export class LeaderElector {
  private readonly namespace: string;
  private readonly name: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: Lease | undefined;
  private observedAt = 0;
  private leader = false;
  private lastLeader = '';
  private readonly stopping = new AbortController();

  constructor(private readonly options: LeaderElectionOptions) {
    this.namespace = options.namespace ?? 'kube-system';
    this.name = options.name ?? 'kube-controller-manager';
    this.leaseDurationMs = options.leaseDurationMs ?? LEASE_DURATION_MS;
    this.renewDeadlineMs = options.renewDeadlineMs ?? RENEW_DEADLINE_MS;
    this.retryPeriodMs = options.retryPeriodMs ?? RETRY_PERIOD_MS;
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new Error(`leaseDuration (${this.leaseDurationMs} ms) must be greater than renewDeadline (${this.renewDeadlineMs} ms)`);
    if (!(this.renewDeadlineMs > this.retryPeriodMs)) throw new Error(`renewDeadline (${this.renewDeadlineMs} ms) must be greater than retryPeriod (${this.retryPeriodMs} ms)`);
  }

  /** Is this candidate the leader now? */
  isLeader(): boolean {
    return this.leader;
  }

  /** The holder last seen ('' for none). */
  leaderIdentity(): string {
    return this.lastLeader;
  }

  /**
   * Campaigns until this candidate leads, leads until it loses the lease or {@link stop} is
   * called, then resolves (having called onStoppedLeading if it ever led).
   */
  async run(callbacks: LeaderCallbacks): Promise<void> {
    this.callbacks = callbacks;
    if (!(await this.acquire())) return;
    await callbacks.onStartedLeading();
    await this.renew();
    this.leader = false;
    await callbacks.onStoppedLeading();
  }

  /** Stops campaigning or leading; with releaseOnStop, a leader hands the lease back. */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.leader && this.options.releaseOnStop) await this.release();
  }

  private callbacks: LeaderCallbacks | undefined;

  /** Tries every retryPeriod until it holds the lease; false if stopped first. */
  private async acquire(): Promise<boolean> {
    for (;;) {
      if (this.stopping.signal.aborted) return false;
      if (await this.tryAcquireOrRenew()) return true;
      if (!(await this.sleep(this.retryPeriodMs))) return false;
    }
  }

  /** Renews every retryPeriod; returns when a renewal kept failing for renewDeadline, or when stopped. */
  private async renew(): Promise<void> {
    for (;;) {
      if (!(await this.sleep(this.retryPeriodMs))) return;
      const deadline = this.options.clock.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!renewed && this.options.clock.now() < deadline) {
        renewed = await this.tryAcquireOrRenew(deadline - this.options.clock.now());
        if (!renewed && !(await this.sleep(Math.min(this.retryPeriodMs, Math.max(0, deadline - this.options.clock.now()))))) return;
      }
      if (!renewed) return; // lost: no renewal for renewDeadline
    }
  }

  /**
   * One attempt (client-go's `tryAcquireOrRenew`): make the Lease if there is none; leave it if
   * another holds it and it changed less than leaseDuration ago (as observed here); else write
   * this candidate as the holder, with the resourceVersion read (a Conflict: someone else won).
   */
  async tryAcquireOrRenew(timeoutMs = this.renewDeadlineMs): Promise<boolean> {
    const leases = this.options.client.leases(this.namespace);
    const now = this.options.clock.now();
    const mine = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    try {
      let lease: Lease;
      try {
        lease = await this.withTimeout(leases.get(this.name), timeoutMs);
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
        const created = await this.withTimeout(
          leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec: { ...mine, acquireTime: microTime(now), leaseTransitions: 0 } }),
          timeoutMs,
        );
        return this.holding(created, now);
      }
      if (!this.observed || JSON.stringify(this.observed.spec ?? {}) !== JSON.stringify(lease.spec ?? {})) {
        this.observed = lease;
        this.observedAt = now;
      }
      const holder = lease.spec?.holderIdentity ?? '';
      this.seeLeader(holder);
      const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
      if (holder !== '' && holder !== this.options.identity && this.observedAt + durationMs > now) return false;
      const wasMine = holder === this.options.identity && this.leader;
      const spec = {
        ...mine,
        acquireTime: wasMine ? (lease.spec?.acquireTime ?? microTime(now)) : microTime(now),
        leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (holder === this.options.identity ? 0 : 1),
      };
      return this.holding(await this.withTimeout(leases.update({ ...lease, spec }), timeoutMs), now);
    } catch (error) {
      this.options.onError?.(error);
      return false;
    }
  }

  /** Hands the lease back: no holder, a 1 s duration (client-go's `release`). */
  private async release(): Promise<void> {
    if (!this.observed) return;
    try {
      const now = microTime(this.options.clock.now());
      await this.options.client.leases(this.namespace).update({ ...this.observed, spec: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now, leaseTransitions: this.observed.spec?.leaseTransitions ?? 0 } });
    } catch (error) {
      this.options.onError?.(error);
    }
    this.leader = false;
  }

  private holding(lease: Lease, now: number): boolean {
    this.observed = lease;
    this.observedAt = now;
    this.leader = true;
    this.seeLeader(this.options.identity);
    return true;
  }

  private seeLeader(identity: string): void {
    if (identity === this.lastLeader) return;
    this.lastLeader = identity;
    if (identity) this.callbacks?.onNewLeader?.(identity);
  }

  /** Waits `ms` on the clock; false if stopped meanwhile. */
  private async sleep(ms: number): Promise<boolean> {
    try {
      await this.options.clock.sleep(ms, this.stopping.signal);
    } catch {
      return false;
    }
    return !this.stopping.signal.aborted;
  }

  /** A call that takes longer than `ms` counts as failed (client-go puts a timeout on each). */
  private withTimeout<T>(call: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.options.clock.setTimeout(() => reject(new Error(`the apiserver did not answer within ${ms} ms`)), Math.max(1, ms));
      call.then(
        (value) => (this.options.clock.clearTimeout(timer), resolve(value)),
        (error: unknown) => (this.options.clock.clearTimeout(timer), reject(error)),
      );
    });
  }
}
