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
import { NotImplemented, type Clock, type Timer } from '@kube/kit';
// What you will need: the errors, the key order, and the store's types.
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

/**
 * Grants, renews and revokes the leases of one {@link MvccStore}, and expires them on a
 * {@link Clock}. Creating one makes it the store's lease registry (`store.leases`): from then on a
 * put may name one of its leases.
 *
 * Which key is attached to which lease, the lessor learns from the store's commits: a PUT with
 * `kv.lease = L` attaches the key to L (and takes it off the lease it had before), a PUT without a
 * lease or a DELETE takes it off its lease.
 *
 * How you keep the leases is up to you: add private fields (and private helpers) to the class.
 * A lease needs its TTL, its expiry time, its timer ({@link Timer}) and the set of its keys.
 */
export class Lessor implements LeaseRegistry {
  // TODO(05): keep the leases (id → TTL, expiry, timer, keys) and each key's lease in private fields.

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
    // TODO(05): check and keep options.minTtl (default MIN_LEASE_TTL), set store.leases = this, and
    // TODO(05): subscribe to store.onCommit to attach and detach keys (PUT with a lease / PUT without / DELETE).
    throw new NotImplemented('05', 'Lessor.constructor');
  }

  /** True when the lease `id` exists (granted, and neither revoked nor expired). */
  has(id: number): boolean {
    // TODO(05): is there such a lease?
    throw new NotImplemented('05', 'Lessor.has');
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
    // TODO(05): check ttl and id, choose an id if none (only moving forward), raise ttl to the minimum, and set a timer
    // TODO(05): on the clock that revokes the lease at now + ttl seconds (at most 2^31 - 1 ms at once: set it again if early).
    throw new NotImplemented('05', 'Lessor.grant');
  }

  /**
   * Renews the lease: it now expires its TTL from now.
   *
   * @returns the lease's TTL, in seconds
   * @throws EtcdError `LeaseNotFound` when the lease does not exist (never granted, revoked or expired)
   */
  keepAlive(id: number): number {
    // TODO(05): move the lease's expiry to now + ttl: clear its timer and set a new one.
    throw new NotImplemented('05', 'Lessor.keepAlive');
  }

  /**
   * Revokes the lease: deletes every key attached to it, all in one write (one revision; none if
   * no key is attached), then forgets the lease. Expiry takes this same path.
   *
   * @throws EtcdError `LeaseNotFound` when the lease does not exist
   */
  revoke(id: number): { header: ResponseHeader } {
    // TODO(05): clear the timer, delete the attached keys (in key order) in ONE store.write, forget the lease.
    throw new NotImplemented('05', 'Lessor.revoke');
  }

  /**
   * How long the lease has left and which keys are attached to it. Like etcd's API, a lease that
   * does not exist answers `ttl: -1` rather than an error.
   */
  timeToLive(id: number): LeaseTimeToLive {
    // TODO(05): whole seconds left (rounded down), the granted TTL and the keys in key order; ttl -1 if none.
    throw new NotImplemented('05', 'Lessor.timeToLive');
  }
}
