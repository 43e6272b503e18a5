/**
 * Leases: keys that live only as long as someone keeps saying "I am still here" (etcd's
 * lease/lessor.go).
 *
 * A client grants a lease with a time to live (TTL, in seconds), puts keys attached to it, and
 * sends keep-alives; if the keep-alives stop, the lease expires and every key still attached to it
 * is deleted, all in one revision. Kubernetes' own uses: the apiserver attaches each Event to a
 * lease (events expire after an hour, `--event-ttl`) and registers its endpoint under
 * `/registry/masterleases/<ip>` with a lease, so that a dead apiserver's address disappears.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const store = new MvccStore();
 * const lessor = new Lessor(store, clock);      // store.leases = lessor
 * const { id } = lessor.grant(10);              // { id: 1, ttl: 10 }
 * store.put('/registry/events/e1', '...', { lease: id });
 * await clock.advance(9_000);
 * lessor.keepAlive(id);                         // 10: expires 10 s from now, at 19 s
 * await clock.advance(9_999);                   // 18.999 s: the key is still there
 * await clock.advance(1);                       // 19 s: expired, the key deleted in one revision
 * lessor.timeToLive(id);                        // { id: 1, ttl: -1, grantedTtl: 0, keys: [] }
 * ```
 */
import type { Clock, Timer } from '@kube/kit';
import { EtcdError } from './errors.ts';
import { compareKeys } from './keys.ts';
import type { LeaseRegistry, MvccStore } from './mvcc.ts';
import type { Change, ResponseHeader } from './mvcc-api.ts';

/**
 * The smallest TTL a lease gets, in seconds: a grant asking for less gets this. etcd 3.4 computes
 * it from the raft timing, `ceil(1.5 × election ticks × heartbeat)`, which is 2 s with the default
 * 10 ticks of 100 ms (etcdserver/server.go, `MinLeaseTTL`).
 */
export const MIN_LEASE_TTL = 2;

/** The largest TTL a grant may ask for, in seconds (etcd's `lease.MaxLeaseTTL`, about 285 years). */
export const MAX_LEASE_TTL = 9_000_000_000;

/** Options of a {@link Lessor}. */
export interface LessorOptions {
  /** the smallest TTL a lease gets, in whole seconds >= 1; default {@link MIN_LEASE_TTL} */
  minTtl?: number;
}

/** The answer to {@link Lessor.grant} (etcd's LeaseGrantResponse). */
export interface LeaseGrant {
  /** the lease's ID: the one asked for, or the one the lessor chose */
  id: number;
  /** the TTL the lease got, in seconds: the one asked for, raised to the minimum */
  ttl: number;
}

/** The answer to {@link Lessor.timeToLive} (etcd's LeaseTimeToLiveResponse). */
export interface LeaseTimeToLive {
  id: number;
  /** whole seconds left before the lease expires (rounded down); -1 when there is no such lease */
  ttl: number;
  /** the TTL the lease was granted with; 0 when there is no such lease */
  grantedTtl: number;
  /** the keys attached to the lease now, in key order (UTF-8 bytes) */
  keys: string[];
}

/** One lease and what the lessor knows about it. */
interface Lease {
  readonly id: number;
  /** the granted TTL, in seconds */
  readonly ttl: number;
  /** when the lease expires, in the clock's milliseconds: the last grant or keep-alive + ttl */
  expiry: number;
  /** the timer that revokes the lease at `expiry` */
  timer: Timer;
  /** the keys attached to it */
  readonly keys: Set<string>;
}

/**
 * The longest delay to hand a clock at once: a real timer (Node's) fires at once for delays of
 * 2^31 ms (about 24.8 days) or more. A longer lease sets a timer that sets the next one.
 */
const LONGEST_TIMER = 2 ** 31 - 1;

/**
 * Grants, renews and revokes the leases of one {@link MvccStore}, and expires them on a
 * {@link Clock}. Creating one makes it the store's lease registry (`store.leases`): from then on a
 * put may name one of its leases.
 *
 * Which key is attached to which lease, the lessor learns from the store's commits: a PUT with
 * `kv.lease = L` attaches the key to L (and takes it off the lease it had before), a PUT without a
 * lease or a DELETE takes it off its lease.
 */
export class Lessor implements LeaseRegistry {
  private readonly leases = new Map<number, Lease>();
  /** key → the lease it is attached to (the other half of each lease's `keys`) */
  private readonly leaseOfKey = new Map<string, number>();
  private readonly minTtl: number;
  /** the next ID to try when a grant lets the lessor choose */
  private nextId = 1;

  /**
   * @param store - the store whose keys the leases delete; its `leases` becomes this lessor
   * @param clock - the time leases expire by (a FakeClock in tests)
   * @param options - `minTtl`, the smallest TTL a lease gets
   */
  constructor(
    private readonly store: MvccStore,
    private readonly clock: Clock,
    options: LessorOptions = {},
  ) {
    const minTtl = options.minTtl ?? MIN_LEASE_TTL;
    if (!Number.isSafeInteger(minTtl) || minTtl < 1) throw new RangeError(`minTtl must be a whole number of seconds >= 1, got ${minTtl}`);
    this.minTtl = minTtl;
    store.leases = this;
    store.onCommit((_revision, changes) => this.track(changes));
  }

  /** True when the lease `id` exists (granted, and neither revoked nor expired). */
  has(id: number): boolean {
    return this.leases.has(id);
  }

  /**
   * Grants a lease that expires `ttl` seconds from now unless kept alive. A `ttl` below the
   * minimum is raised to it, as etcd does.
   *
   * @param ttl - whole seconds, 1 to {@link MAX_LEASE_TTL}
   * @param id - the ID to give the lease; 0 or absent: the lessor chooses (1, 2, 3, ... skipping
   *   IDs that are taken)
   * @throws EtcdError `InvalidTTL` when `ttl` is not a whole number in 1..MAX_LEASE_TTL;
   *   `LeaseExists` when a lease with that `id` exists
   * @throws RangeError when `id` is not a whole number >= 0
   */
  grant(ttl: number, id = 0): LeaseGrant {
    if (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_LEASE_TTL) {
      throw new EtcdError('InvalidTTL', `a TTL is a whole number of seconds from 1 to ${MAX_LEASE_TTL}, got ${ttl}`);
    }
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`a lease ID is a whole number > 0 (0: let the lessor choose), got ${id}`);
    if (id === 0) {
      while (this.leases.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.leases.has(id)) {
      throw new EtcdError('LeaseExists', `lease ${id}`);
    }
    const granted = Math.max(ttl, this.minTtl);
    const expiry = this.clock.now() + granted * 1000;
    const lease: Lease = { id, ttl: granted, expiry, timer: this.expireAt(id, expiry), keys: new Set() };
    this.leases.set(id, lease);
    return { id, ttl: granted };
  }

  /**
   * Renews the lease: it now expires its TTL from now.
   *
   * @returns the lease's TTL, in seconds
   * @throws EtcdError `LeaseNotFound` when the lease does not exist (never granted, revoked or expired)
   */
  keepAlive(id: number): number {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new EtcdError('LeaseNotFound', `lease ${id}`);
    this.clock.clearTimeout(lease.timer);
    lease.expiry = this.clock.now() + lease.ttl * 1000;
    lease.timer = this.expireAt(id, lease.expiry);
    return lease.ttl;
  }

  /**
   * Revokes the lease: deletes every key attached to it, all in one write (one revision; none if
   * no key is attached), then forgets the lease. Expiry takes this same path.
   *
   * @throws EtcdError `LeaseNotFound` when the lease does not exist
   */
  revoke(id: number): { header: ResponseHeader } {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new EtcdError('LeaseNotFound', `lease ${id}`);
    this.clock.clearTimeout(lease.timer);
    // In key order, as etcd does: a watcher sees the DELETEs of one revision in a stable order.
    const keys = [...lease.keys].sort(compareKeys);
    // One write: every delete gets the same revision. The commit listener detaches the keys.
    this.store.write((txn) => {
      for (const key of keys) txn.delete(key);
    });
    this.leases.delete(id);
    return { header: { revision: this.store.revision } };
  }

  /**
   * How long the lease has left and which keys are attached to it. Like etcd's API, a lease that
   * does not exist answers `ttl: -1` rather than an error.
   */
  timeToLive(id: number): LeaseTimeToLive {
    const lease = this.leases.get(id);
    if (lease === undefined) return { id, ttl: -1, grantedTtl: 0, keys: [] };
    const left = Math.max(0, Math.floor((lease.expiry - this.clock.now()) / 1000));
    return { id, ttl: left, grantedTtl: lease.ttl, keys: [...lease.keys].sort(compareKeys) };
  }

  /**
   * A timer that revokes lease `id` at `expiry`. A clock may fire a long timer early (Node does at
   * 2^31 ms), so the timer checks the time and, if it is early, waits again.
   */
  private expireAt(id: number, expiry: number): Timer {
    const wait = Math.min(expiry - this.clock.now(), LONGEST_TIMER);
    return this.clock.setTimeout(() => {
      const lease = this.leases.get(id);
      if (lease === undefined || lease.expiry !== expiry) return; // revoked or renewed meanwhile
      if (this.clock.now() < expiry) lease.timer = this.expireAt(id, expiry);
      else this.revoke(id);
    }, wait);
  }

  /** Follows the store's commits: which key is attached to which lease. */
  private track(changes: readonly Change[]): void {
    for (const { type, kv } of changes) {
      const before = this.leaseOfKey.get(kv.key);
      if (before !== undefined) {
        this.leases.get(before)?.keys.delete(kv.key);
        this.leaseOfKey.delete(kv.key);
      }
      const lease = type === 'PUT' && kv.lease !== 0 ? this.leases.get(kv.lease) : undefined;
      if (lease !== undefined) {
        lease.keys.add(kv.key);
        this.leaseOfKey.set(kv.key, lease.id);
      }
    }
  }
}
