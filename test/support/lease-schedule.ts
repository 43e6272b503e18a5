/**
 * Schedules of lease calls on a fake clock, and the obvious model of what they should do: each
 * lease has a deadline (its last grant or keep-alive + its TTL), and a key attached to a lease is
 * there exactly while the clock is before that deadline. The model shares no code with any kata: no
 * timers, no commit listener, just numbers.
 *
 * @example
 * ```ts
 * const model = new LeaseScheduleModel([10, 3], 2);      // lease 0: 10 s, lease 1: 3 s, minimum 2 s
 * model.put('a', 0);                                     // 'a' attached to lease 0
 * model.advance(10_000);                                 // lease 0 expires at 10 s: 'a' is gone
 * model.keys();                                          // []
 * ```
 */
import fc from 'fast-check';
import { show } from './show.ts';

/** One step of a schedule; `lease` is an index into the schedule's leases. */
export type LeaseStep =
  | { type: 'advance'; ms: number }
  | { type: 'toExpiry'; lease: number; offset: -1 | 0 | 1 }
  | { type: 'keepAlive'; lease: number }
  | { type: 'put'; key: string; lease: number | undefined };

/** A schedule: the TTLs the leases are granted with, then the steps. */
export interface LeaseSchedule {
  ttls: number[];
  steps: LeaseStep[];
}

/** The keys the schedules put: few, so that puts move keys from lease to lease. */
export const LEASE_KEYS: readonly string[] = ['a', 'a/b', 'b', '\uffff', '\u{10000}'];

/** A step as the call it stands for, for fast-check's counterexamples. */
export function showStep(step: LeaseStep): string {
  switch (step.type) {
    case 'advance':
      return `await clock.advance(${step.ms})`;
    case 'toExpiry':
      return `await clock.advance(<until lease #${step.lease} expires>${step.offset === 0 ? '' : step.offset > 0 ? ' + 1' : ' - 1'})`;
    case 'keepAlive':
      return `lessor.keepAlive(lease #${step.lease})`;
    case 'put':
      return `store.put(${show(step.key)}, "v"${step.lease === undefined ? '' : `, { lease: lease #${step.lease} }`})`;
  }
}

/**
 * Schedules of 1 to 3 leases (TTLs of 1 to 5 s, so that the 2 s minimum matters) and up to 30
 * steps: plain advances, advances to just before, at and just after a lease's expiry, keep-alives
 * and puts with or without a lease.
 */
export function leaseScheduleArb(): fc.Arbitrary<LeaseSchedule> {
  return fc.integer({ min: 1, max: 3 }).chain((count) => {
    const lease = fc.nat({ max: count - 1 });
    const step: fc.Arbitrary<LeaseStep> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.constantFrom(1, 999, 1_000)) }) },
      { weight: 2, arbitrary: fc.record({ type: fc.constant('toExpiry' as const), lease, offset: fc.constantFrom(-1 as const, 0 as const, 1 as const) }) },
      { weight: 3, arbitrary: fc.record({ type: fc.constant('keepAlive' as const), lease }) },
      { weight: 3, arbitrary: fc.record({ type: fc.constant('put' as const), key: fc.constantFrom(...LEASE_KEYS), lease: fc.option(lease, { nil: undefined, freq: 4 }) }) },
    );
    return fc.record({
      ttls: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: count, maxLength: count }),
      steps: fc.array(step.map((s) => Object.defineProperty(s, fc.toStringMethod, { value: () => showStep(s) })), { maxLength: 30 }),
    });
  });
}

/**
 * What a schedule should do, time in milliseconds from the grants: which leases are alive, which
 * keys exist and to which lease each is attached, and how many revisions the writes took.
 */
export class LeaseScheduleModel {
  /** the clock, in ms since the grants */
  now = 0;
  /** how many revisions the schedule's writes took: one per put, one per expiry that deleted keys */
  revisions = 0;
  /** each lease's TTL as granted (raised to the minimum), in seconds */
  readonly granted: number[];
  /** each lease's deadline in ms; undefined once it expired */
  private readonly deadlines: (number | undefined)[];
  /** key → the lease it is attached to (undefined: none) */
  private readonly attached = new Map<string, number | undefined>();

  constructor(ttls: readonly number[], minTtl: number) {
    this.granted = ttls.map((ttl) => Math.max(ttl, minTtl));
    this.deadlines = this.granted.map((ttl) => ttl * 1000);
  }

  /** True while lease `lease` has not expired. */
  alive(lease: number): boolean {
    return this.deadlines[lease] !== undefined;
  }

  /** The deadline of lease `lease`, in ms; undefined once it expired. */
  deadline(lease: number): number | undefined {
    return this.deadlines[lease];
  }

  /** How many ms a `toExpiry` step advances (0 when the lease has expired already, or for -1 at 0). */
  toExpiry(lease: number, offset: number): number {
    const deadline = this.deadlines[lease];
    return deadline === undefined ? 0 : Math.max(0, deadline + offset - this.now);
  }

  /** Moves time forward: every lease whose deadline is reached expires, deleting its keys. */
  advance(ms: number): void {
    this.now += ms;
    this.deadlines.forEach((deadline, lease) => {
      if (deadline === undefined || deadline > this.now) return;
      this.deadlines[lease] = undefined;
      const keys = [...this.attached].filter(([, l]) => l === lease).map(([key]) => key);
      for (const key of keys) this.attached.delete(key);
      if (keys.length > 0) this.revisions++;
    });
  }

  /** A keep-alive: false (LeaseNotFound) for an expired lease, else its deadline moves. */
  keepAlive(lease: number): boolean {
    if (!this.alive(lease)) return false;
    this.deadlines[lease] = this.now + this.granted[lease]! * 1000;
    return true;
  }

  /** A put: false (LeaseNotFound) when it names an expired lease, else the key is (re)attached. */
  put(key: string, lease: number | undefined): boolean {
    if (lease !== undefined && !this.alive(lease)) return false;
    this.attached.set(key, lease);
    this.revisions++;
    return true;
  }

  /** The keys that exist, in any order. */
  keys(): string[] {
    return [...this.attached.keys()];
  }

  /** The keys attached to lease `lease`. */
  keysOf(lease: number): string[] {
    return [...this.attached].filter(([, l]) => l === lease).map(([key]) => key);
  }
}
