/**
 * Kata 05 — etcd: compaction and leases. The spec is katas/etcd/05-compaction-leases.md.
 *
 * The examples read as the spec: what `compact` keeps (the newest version at or below the revision
 * of each key, unless it was deleted by then), its errors, the backend and the key index after it,
 * `KeyIndex.compact` on the worked example; then leases on a FakeClock: grant (the minimum TTL, bad
 * TTLs, taken IDs), keys attached by puts, expiry exactly at the deadline, keepAlive, revoke in one
 * revision, timeToLive.
 * The properties: compacting never changes a read at or above the compaction revision (the same
 * writes with and without compactions, compared); a key attached to a lease disappears exactly when
 * the lease expires, never earlier, under any schedule of advances and keep-alives; revoke deletes
 * exactly the keys attached to the lease, in one revision.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { FakeClock } from '@kube/kit';
import { KeyIndex, Lessor, MAX_LEASE_TTL, MIN_LEASE_TTL, MvccStore, prefixEnd, WatchableStore, type Change, type MvccKeyValue, type Revision } from '@kube/etcd';
import { byteOrder } from '../support/bytes.ts';
import { NodeLikeClock } from '../support/node-like-clock.ts';
import { thrownBy } from '../support/errors.ts';
import { KEY_POOL, poolKeyArb, valueArb } from '../support/keys.ts';
import { LEASE_KEYS, LeaseScheduleModel, leaseScheduleArb, showStep } from '../support/lease-schedule.ts';
import { show } from '../support/show.ts';

// ---- helpers ----------------------------------------------------------------------------------

/** A key-value in one line, every field shown: `"a"="1" c2 m3 v2 l0`. */
function line(kv: MvccKeyValue): string {
  return `${show(kv.key)}=${show(kv.value)} c${kv.createRevision} m${kv.modRevision} v${kv.version} l${kv.lease}`;
}
const changeLines = (changes: readonly Change[]): string[] => changes.map((c) => `${c.type} ${show(c.kv.key)}`);

/** Every pair of the store at `revision` (default: now), one line each. */
const everything = (store: MvccStore, revision?: number): string[] =>
  store.range('\0', '\0', revision === undefined ? {} : { revision }).kvs.map(line);

/** The keys that exist now, in key order. */
const keysNow = (store: MvccStore): string[] => store.range('\0', '\0').kvs.map((kv) => kv.key);

/** A store with the given puts and deletes applied, one write each (the first at revision 2). */
function storeAfter(...steps: ([string, string] | [string])[]): MvccStore {
  const store = new MvccStore();
  for (const step of steps) {
    if (step.length === 2) store.put(step[0], step[1]);
    else store.delete(step[0]);
  }
  return store;
}

const rev = (main: number, sub = 0): Revision => ({ main, sub });
const COMPACTED = /^mvcc: required revision has been compacted/;
const FUTURE = /^mvcc: required revision is a future revision/;

/** A store, a fake clock and a lessor on both; `heard` collects the store's commits. */
function leased(options?: { minTtl?: number }, clock: FakeClock = new FakeClock()): { store: MvccStore; clock: FakeClock; lessor: Lessor; heard: [number, string[]][] } {
  const store = new MvccStore();
  const lessor = new Lessor(store, clock, options);
  const heard: [number, string[]][] = [];
  store.onCommit((revision, changes) => heard.push([revision, changeLines(changes)]));
  return { store, clock, lessor, heard };
}

// ---- compaction: examples ---------------------------------------------------------------------

describe('compact', () => {
  /** a=1 at 2, a=2 at 3, b=1 at 4, a=3 at 5, b deleted at 6 */
  const history = (): MvccStore => storeAfter(['a', '1'], ['a', '2'], ['b', '1'], ['a', '3'], ['b']);

  it('keeps each key as it was at the compacted revision: reads at it and above answer as before', () => {
    const store = history();
    const before = [4, 5, 6].map((r) => everything(store, r));
    store.compact(4);
    expect([4, 5, 6].map((r) => everything(store, r))).toEqual(before);
    expect(everything(store, 4)).toEqual(['"a"="2" c2 m3 v2 l0', '"b"="1" c4 m4 v1 l0']);
    expect(everything(store)).toEqual(['"a"="3" c2 m5 v3 l0']);
  });

  it('makes reads below the compacted revision fail with EtcdError Compacted, "mvcc: required revision has been compacted"', () => {
    const store = history();
    store.compact(4);
    for (const revision of [1, 2, 3]) {
      expect(thrownBy(() => store.range('a', undefined, { revision })), `range at ${revision}`).toMatchObject({ name: 'EtcdError', code: 'Compacted', message: expect.stringMatching(COMPACTED) });
    }
    expect(store.range('a', undefined, { revision: 4 }).kvs.map(line)).toEqual(['"a"="2" c2 m3 v2 l0']);
    expect(store.range('a', undefined, { revision: 0 }).kvs.map(line)).toEqual(['"a"="3" c2 m5 v3 l0']);
  });

  it('returns the store\'s revision in its header, and store.compacted becomes the revision', () => {
    const store = history();
    expect(store.compacted).toBe(0);
    expect(store.compact(3)).toEqual({ header: { revision: 6 } });
    expect(store.compacted).toBe(3);
    expect(store.compact(6)).toEqual({ header: { revision: 6 } });
    expect(store.compacted).toBe(6);
    expect(everything(store)).toEqual(['"a"="3" c2 m5 v3 l0']);
  });

  it('refuses a revision at or below the last compaction with Compacted, and one above the store\'s with FutureRevision, changing nothing', () => {
    const store = history();
    store.compact(4);
    for (const revision of [4, 3, 1]) {
      expect(thrownBy(() => store.compact(revision)), `compact(${revision})`).toMatchObject({ code: 'Compacted', message: expect.stringMatching(COMPACTED) });
    }
    expect(thrownBy(() => store.compact(7))).toMatchObject({ code: 'FutureRevision', message: expect.stringMatching(FUTURE) });
    expect(store.compacted).toBe(4);
    expect(store.revision).toBe(6);
    expect(everything(store, 4)).toEqual(['"a"="2" c2 m3 v2 l0', '"b"="1" c4 m4 v1 l0']);
  });

  it('refuses a revision that is not a whole number with a RangeError naming it, changing nothing', () => {
    const store = history(); // at 6
    for (const revision of [Number.NaN, 4.5, Number.POSITIVE_INFINITY]) {
      const error = thrownBy(() => store.compact(revision));
      expect(error, `compact(${revision})`).toBeInstanceOf(RangeError);
      expect((error as Error).message, `compact(${revision})`).toContain(String(revision));
    }
    expect(store.compacted).toBe(0);
    expect(store.compact(4)).toEqual({ header: { revision: 6 } });
  });

  it('names the revisions in a refused compaction\'s message: the last compaction and the one asked, or the store\'s and the one asked', () => {
    const store = history(); // at 6
    store.compact(4);
    expect(thrownBy(() => store.compact(3))).toMatchObject({ code: 'Compacted', message: 'mvcc: required revision has been compacted (compacted at 4, asked 3)' });
    expect(thrownBy(() => store.compact(7))).toMatchObject({ code: 'FutureRevision', message: 'mvcc: required revision is a future revision (store is at 6, asked 7)' });
  });

  it('drops from the index a key deleted by the compacted revision, and its changes from the backend', () => {
    const store = history(); // b deleted at 6
    store.compact(5);
    expect(store.index.get('b')).toBeDefined(); // alive at 5: still needed
    store.compact(6);
    expect(store.index.get('b')).toBeUndefined();
    expect([4, 6].map((main) => store.backend.changesAt(main).length)).toEqual([0, 0]);
    expect(everything(store, 6)).toEqual(['"a"="3" c2 m5 v3 l0']);
  });

  it('keeps only the new life of a key deleted and created again', () => {
    const store = storeAfter(['a', '1'], ['a'], ['a', '2']); // put 2, deleted 3, put 4
    store.compact(3);
    expect(store.index.get('a')?.generations).toEqual([{ created: rev(4), version: 1, revisions: [rev(4)] }]);
    expect(everything(store, 3)).toEqual([]);
    expect(everything(store, 4)).toEqual(['"a"="2" c4 m4 v1 l0']);
  });

  it('leaves in the backend, at or below the revision, only the change each live key is read from', () => {
    const store = storeAfter(['a', '1'], ['a', '2'], ['b', '1']); // a=1 at 2, a=2 at 3, b=1 at 4
    store.compact(4);
    expect([2, 3, 4].map((main) => store.backend.changesAt(main).map((c) => line(c.kv)))).toEqual([[], ['"a"="2" c2 m3 v2 l0'], ['"b"="1" c4 m4 v1 l0']]);
    store.put('a', '3'); // 5
    store.compact(5); // a=2 at 3, kept by the first compaction, is of no use now
    expect([3, 4, 5].map((main) => store.backend.changesAt(main).map((c) => line(c.kv)))).toEqual([[], ['"b"="1" c4 m4 v1 l0'], ['"a"="3" c2 m5 v3 l0']]);
  });

  it('finds every change of a write in the backend, even after an earlier compaction took some of its sub-revisions', () => {
    const store = storeAfter(['a', '0']); // 2
    store.write((txn) => {
      txn.delete('a'); // {3, 0}
      txn.put('b', '1'); // {3, 1}
    });
    store.compact(3); // the tombstone {3, 0} goes, b's {3, 1} stays
    expect(store.backend.get(rev(3, 0))).toBeUndefined();
    expect(store.backend.get(rev(3, 1))?.kv.value).toBe('1');
    store.put('b', '2'); // 4
    store.compact(4);
    expect(store.backend.get(rev(3, 1))).toBeUndefined();
    expect(everything(store, 4)).toEqual(['"b"="2" c3 m4 v2 l0']);
  });

  it('lets the store go on as usual: the next write takes the next revision and reads of it work', () => {
    const store = history();
    store.compact(6);
    expect(store.put('c', '1').header.revision).toBe(7);
    expect(everything(store, 6)).toEqual(['"a"="3" c2 m5 v3 l0']);
    expect(everything(store, 7)).toEqual(['"a"="3" c2 m5 v3 l0', '"c"="1" c7 m7 v1 l0']);
  });
});

describe('watch and compaction', () => {
  it('a watch from below the compacted revision is canceled at once, carrying compactRevision, as etcd does', () => {
    const store = storeAfter(['a', '1'], ['a', '2'], ['a', '3']); // revisions 2, 3, 4
    store.compact(3);
    const watcher = new WatchableStore(store).watch({ key: 'a', startRevision: 2 });
    expect(watcher.poll()).toEqual([{ watchId: 0, header: { revision: 4 }, events: [], compactRevision: 3, canceled: true }]);
    expect(watcher.canceled).toBe(true);
    store.put('a', '4');
    expect(watcher.poll()).toEqual([]);
  });

  it('a watch from the compacted revision itself still replays from there', () => {
    const store = storeAfter(['a', '1'], ['a', '2'], ['a', '3']);
    store.compact(3);
    const watcher = new WatchableStore(store).watch({ key: 'a', startRevision: 3 });
    expect(watcher.poll().map((r) => r.header.revision)).toEqual([3, 4]);
  });

  it('a watcher that fell behind is canceled with compactRevision when a compaction passed the revisions it still needs', () => {
    const store = new MvccStore();
    const watcher = new WatchableStore(store, { bufferSize: 1 }).watch({ key: 'a' });
    for (let i = 0; i < 4; i++) store.put('a', `${i}`); // revisions 2..5: only 2 fits, it falls behind at 3
    store.compact(4);
    expect(watcher.poll()).toEqual([
      { watchId: 0, header: { revision: 2 }, events: [{ type: 'PUT', kv: { key: 'a', value: '0', createRevision: 2, modRevision: 2, version: 1, lease: 0 } }] },
      { watchId: 0, header: { revision: 5 }, events: [], compactRevision: 4, canceled: true },
    ]);
  });
});

describe('KeyIndex.compact', () => {
  /** put at 2, 3, 4, deleted at 5, put at 6 and 7: the worked example of key-index.ts */
  function example(): KeyIndex {
    const index = new KeyIndex();
    for (const main of [2, 3, 4]) index.put(rev(main));
    index.tombstone(rev(5));
    for (const main of [6, 7]) index.put(rev(main));
    return index;
  }

  it('keeps the newest revision at or below main in the oldest life still needed, and returns it', () => {
    const index = example();
    expect(index.compact(4)).toEqual([rev(4)]);
    expect(index.generations).toEqual([
      { created: rev(2), version: 4, revisions: [rev(4), rev(5)] },
      { created: rev(6), version: 2, revisions: [rev(6), rev(7)] },
    ]);
    expect(index.at(4)).toEqual({ modified: rev(4), created: rev(2), version: 3 });
    expect(index.at(7)).toEqual({ modified: rev(7), created: rev(6), version: 2 });
  });

  it('drops a whole life that had ended by main (its tombstone <= main), keeping nothing of it', () => {
    const index = example();
    expect(index.compact(5)).toEqual([]);
    expect(index.generations).toEqual([{ created: rev(6), version: 2, revisions: [rev(6), rev(7)] }]);
    expect(index.at(5)).toBeUndefined();
    expect(index.compact(6)).toEqual([rev(6)]);
    expect(index.compact(9)).toEqual([rev(7)]);
    expect(index.generations).toEqual([{ created: rev(6), version: 2, revisions: [rev(7)] }]);
  });

  it('leaves a key deleted by main with no history: isEmpty() is true', () => {
    const index = new KeyIndex();
    index.put(rev(2));
    index.put(rev(3));
    index.tombstone(rev(4));
    expect(index.compact(3)).toEqual([rev(3)]);
    expect(index.isEmpty()).toBe(false);
    expect(index.compact(4)).toEqual([]);
    expect(index.isEmpty()).toBe(true);
    expect(index.isAlive()).toBe(false);
  });

  it('counts sub-revisions: compacting at main keeps the last change of main', () => {
    const index = new KeyIndex();
    index.put(rev(5, 0));
    index.put(rev(5, 1));
    index.put(rev(6, 0));
    expect(index.compact(5)).toEqual([rev(5, 1)]);
    expect(index.at(5)).toEqual({ modified: rev(5, 1), created: rev(5, 0), version: 2 });
  });
});

// ---- leases: examples -------------------------------------------------------------------------

describe('Lessor: grant', () => {
  it('becomes the store\'s lease registry, grants leases with IDs 1, 2, ... and the TTL asked, and a put may then name one', () => {
    const { store, lessor } = leased();
    expect(store.leases).toBe(lessor);
    expect(lessor.grant(10)).toEqual({ id: 1, ttl: 10 });
    expect(lessor.grant(60)).toEqual({ id: 2, ttl: 60 });
    expect([lessor.has(1), lessor.has(2), lessor.has(3)]).toEqual([true, true, false]);
    store.put('a', '1', { lease: 2 });
    expect(everything(store)).toEqual(['"a"="1" c2 m2 v1 l2']);
  });

  it(`raises a TTL below the minimum (${MIN_LEASE_TTL} s unless options.minTtl says otherwise) to it, as etcd does`, () => {
    const { lessor } = leased();
    expect(lessor.grant(1).ttl).toBe(MIN_LEASE_TTL);
    expect(leased({ minTtl: 5 }).lessor.grant(3)).toEqual({ id: 1, ttl: 5 });
  });

  it('refuses a TTL that is not a whole number of seconds from 1 to MAX_LEASE_TTL with InvalidTTL, "etcdserver: too large lease TTL"', () => {
    const { lessor } = leased();
    for (const ttl of [0, -1, 1.5, Number.NaN, MAX_LEASE_TTL + 1]) {
      expect(thrownBy(() => lessor.grant(ttl)), `grant(${ttl})`).toMatchObject({ name: 'EtcdError', code: 'InvalidTTL', message: expect.stringMatching(/^etcdserver: too large lease TTL/) });
    }
    expect(lessor.has(1)).toBe(false);
    expect(lessor.grant(MAX_LEASE_TTL)).toEqual({ id: 1, ttl: MAX_LEASE_TTL });
  });

  it('uses the ID asked for, refuses one that is taken with LeaseExists, "etcdserver: lease already exists", and chooses IDs around the taken ones', () => {
    const { lessor } = leased();
    expect(lessor.grant(10, 7)).toEqual({ id: 7, ttl: 10 });
    expect(thrownBy(() => lessor.grant(20, 7))).toMatchObject({ code: 'LeaseExists', message: expect.stringMatching(/^etcdserver: lease already exists/) });
    expect(lessor.timeToLive(7).grantedTtl).toBe(10);
    expect(lessor.grant(10, 1).id).toBe(1);
    expect(lessor.grant(10).id).toBe(2);
    // The chooser only moves forward: an ID it gave out is not chosen again once revoked.
    lessor.revoke(2);
    expect(lessor.grant(10).id).toBe(3);
  });

  it('refuses a lease ID that is not a whole number >= 0 with a RangeError naming it, and grants nothing', () => {
    const { lessor } = leased();
    for (const id of [-1, 1.5, Number.NaN]) {
      const error = thrownBy(() => lessor.grant(10, id));
      expect(error, `grant(10, ${id})`).toBeInstanceOf(RangeError);
      expect((error as Error).message, `grant(10, ${id})`).toContain(String(id));
    }
    expect(lessor.grant(10)).toEqual({ id: 1, ttl: 10 });
  });

  it('refuses options.minTtl that is not a whole number of seconds >= 1 with a RangeError naming it, and takes 1', () => {
    for (const minTtl of [0, -2, 1.5, Number.NaN]) {
      const error = thrownBy(() => new Lessor(new MvccStore(), new FakeClock(), { minTtl }));
      expect(error, `minTtl ${minTtl}`).toBeInstanceOf(RangeError);
      expect((error as Error).message, `minTtl ${minTtl}`).toContain(String(minTtl));
    }
    expect(leased({ minTtl: 1 }).lessor.grant(1)).toEqual({ id: 1, ttl: 1 });
  });

  it('names the lease in LeaseExists and LeaseNotFound, and the TTL given in InvalidTTL', () => {
    const { lessor } = leased();
    lessor.grant(10, 7);
    expect(thrownBy(() => lessor.grant(10, 7))).toMatchObject({ message: 'etcdserver: lease already exists (lease 7)' });
    expect(thrownBy(() => lessor.keepAlive(8))).toMatchObject({ message: 'etcdserver: requested lease not found (lease 8)' });
    expect(thrownBy(() => lessor.revoke(9))).toMatchObject({ message: 'etcdserver: requested lease not found (lease 9)' });
    expect(thrownBy(() => lessor.grant(0))).toMatchObject({ message: expect.stringMatching(/^etcdserver: too large lease TTL \(.*got 0\)$/) });
  });

  it('refuses a put naming a lease it never granted, or one revoked, with LeaseNotFound', () => {
    const { store, lessor } = leased();
    const { id } = lessor.grant(10);
    lessor.revoke(id);
    for (const lease of [id, 99]) {
      expect(thrownBy(() => store.put('a', '1', { lease }))).toMatchObject({ code: 'LeaseNotFound', message: expect.stringMatching(/^etcdserver: requested lease not found/) });
    }
    expect(store.revision).toBe(1);
  });
});

describe('Lessor: expiry and keepAlive', () => {
  it('expires a lease exactly its TTL after the grant: its keys are there 1 ms before, and gone at that moment, in one revision', async () => {
    const { store, clock, lessor, heard } = leased();
    const { id } = lessor.grant(10);
    store.put('b', '1', { lease: id }); // 2
    store.put('a', '1', { lease: id }); // 3
    store.put('c', '1'); // 4
    await clock.advance(9_999);
    expect(keysNow(store)).toEqual(['a', 'b', 'c']);
    expect(lessor.has(id)).toBe(true);
    await clock.advance(1);
    expect(keysNow(store)).toEqual(['c']);
    expect(store.revision).toBe(5);
    expect(heard.at(-1)).toEqual([5, ['DELETE "a"', 'DELETE "b"']]);
    expect(lessor.has(id)).toBe(false);
  });

  it('expires a lease longer than a timer can wait (2^31 ms, about 24.8 days) exactly at its TTL too, on a clock whose timers overflow as Node\'s do', async () => {
    const { store, clock, lessor } = leased(undefined, new NodeLikeClock());
    const ttl = 30 * 24 * 3600; // 30 days
    const { id } = lessor.grant(ttl);
    store.put('a', '1', { lease: id });
    await clock.advance(2 ** 31);
    expect(keysNow(store)).toEqual(['a']);
    await clock.advance(ttl * 1000 - 2 ** 31 - 1);
    expect(keysNow(store)).toEqual(['a']);
    expect(lessor.timeToLive(id).ttl).toBe(0);
    await clock.advance(1);
    expect(keysNow(store)).toEqual([]);
    expect(lessor.has(id)).toBe(false);
  });

  it('keepAlive returns the TTL and moves the expiry to the TTL from now', async () => {
    const { store, clock, lessor } = leased();
    const { id } = lessor.grant(10);
    store.put('a', '1', { lease: id });
    await clock.advance(6_000);
    expect(lessor.keepAlive(id)).toBe(10);
    await clock.advance(9_999); // 15.999 s: past the first deadline, before the new one
    expect(keysNow(store)).toEqual(['a']);
    await clock.advance(1); // 16 s
    expect(keysNow(store)).toEqual([]);
  });

  it('keepAlive of a lease that expired, was revoked or never was fails with LeaseNotFound', async () => {
    const { clock, lessor } = leased();
    const { id } = lessor.grant(3);
    const revoked = lessor.grant(3).id;
    lessor.revoke(revoked);
    await clock.advance(3_000);
    for (const lease of [id, revoked, 99]) {
      expect(thrownBy(() => lessor.keepAlive(lease)), `keepAlive(${lease})`).toMatchObject({ code: 'LeaseNotFound', message: expect.stringMatching(/^etcdserver: requested lease not found/) });
    }
  });

  it('an expiry with no key attached writes nothing: no revision, no commit', async () => {
    const { store, clock, lessor, heard } = leased();
    const { id } = lessor.grant(2);
    store.put('a', '1', { lease: id });
    store.delete('a');
    await clock.advance(2_000);
    expect(lessor.has(id)).toBe(false);
    expect(store.revision).toBe(3);
    expect(heard.map(([revision]) => revision)).toEqual([2, 3]);
  });
});

describe('Lessor: revoke and the keys attached', () => {
  it('revoke deletes every key attached to the lease in one revision, in key order, and forgets the lease', async () => {
    const { store, clock, lessor, heard } = leased();
    const { id } = lessor.grant(60);
    const other = lessor.grant(60).id;
    store.put('\u{10000}', '1', { lease: id });
    store.put('\uffff', '1', { lease: id });
    store.put('a', '1', { lease: other });
    store.put('b', '1');
    expect(lessor.revoke(id)).toEqual({ header: { revision: 6 } });
    expect(heard.at(-1)).toEqual([6, ['DELETE "\\uFFFF"', 'DELETE "\\u{10000}"']]);
    expect(keysNow(store)).toEqual(['a', 'b']);
    expect(lessor.has(id)).toBe(false);
    expect(thrownBy(() => lessor.revoke(id))).toMatchObject({ code: 'LeaseNotFound' });
    await clock.advance(60_000); // the revoked lease's timer does not fire; the other lease expires
    expect(keysNow(store)).toEqual(['b']);
    expect(store.revision).toBe(7);
  });

  it('revoke of a lease with no key attached writes nothing', () => {
    const { store, lessor, heard } = leased();
    store.put('a', '1');
    const { id } = lessor.grant(10);
    expect(lessor.revoke(id)).toEqual({ header: { revision: 2 } });
    expect(store.revision).toBe(2);
    expect(heard).toHaveLength(1);
  });

  it('a key follows its last write: a put with another lease or none moves it, a delete takes it off', () => {
    const { store, lessor } = leased();
    const first = lessor.grant(10).id;
    const second = lessor.grant(10).id;
    store.put('a', '1', { lease: first });
    store.put('a', '2', { lease: second });
    expect([lessor.timeToLive(first).keys, lessor.timeToLive(second).keys]).toEqual([[], ['a']]);
    store.put('a', '3');
    store.put('b', '1', { lease: first });
    store.delete('b');
    expect([lessor.timeToLive(first).keys, lessor.timeToLive(second).keys]).toEqual([[], []]);
    const revision = store.revision;
    lessor.revoke(first);
    lessor.revoke(second);
    expect(store.revision).toBe(revision);
    expect(everything(store)).toEqual(['"a"="3" c2 m4 v3 l0']);
  });

  it('attaches the keys a multi-op write puts with a lease, and detaches those it deletes', () => {
    const { store, lessor } = leased();
    const { id } = lessor.grant(10);
    store.write((txn) => {
      txn.put('x', '1', { lease: id });
      txn.put('y', '1', { lease: id });
      txn.put('z', '1', { lease: id });
      txn.delete('y');
    });
    expect(lessor.timeToLive(id).keys).toEqual(['x', 'z']);
    lessor.revoke(id);
    expect(keysNow(store)).toEqual([]);
  });

  it('timeToLive gives the whole seconds left (rounded down), the granted TTL and the keys in key order; -1 for no such lease', async () => {
    const { store, clock, lessor } = leased();
    const { id } = lessor.grant(10);
    store.put('\u{10000}', '1', { lease: id });
    store.put('\uffff', '1', { lease: id });
    expect(lessor.timeToLive(id)).toEqual({ id, ttl: 10, grantedTtl: 10, keys: ['\uffff', '\u{10000}'] });
    await clock.advance(2_500);
    expect(lessor.timeToLive(id)).toEqual({ id, ttl: 7, grantedTtl: 10, keys: ['\uffff', '\u{10000}'] });
    await clock.advance(7_499);
    expect(lessor.timeToLive(id).ttl).toBe(0);
    await clock.advance(1);
    expect(lessor.timeToLive(id)).toEqual({ id, ttl: -1, grantedTtl: 0, keys: [] });
    expect(lessor.timeToLive(42)).toEqual({ id: 42, ttl: -1, grantedTtl: 0, keys: [] });
  });
});

// ---- properties -------------------------------------------------------------------------------

/** One op of a write, for the compaction property: a put, or a delete of a key, a prefix or everything. */
type WriteOp = { type: 'put'; key: string; value: string } | { type: 'delete'; key: string; rangeEnd?: string };
const writeOpArb: fc.Arbitrary<WriteOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('put' as const), key: poolKeyArb, value: valueArb }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(poolKeyArb, fc.constantFrom('one', 'prefix', 'all'))
      .map(([key, end]): WriteOp => ({ type: 'delete', key, ...(end === 'prefix' && { rangeEnd: prefixEnd(key) }), ...(end === 'all' && { rangeEnd: '\0' }) })),
  },
);
const showWriteOp = (op: WriteOp): string =>
  op.type === 'put' ? `txn.put(${show(op.key)}, ${show(op.value)})` : `txn.delete(${show(op.key)}${op.rangeEnd === undefined ? '' : `, ${show(op.rangeEnd)}`})`;
const writeArb = fc
  .array(writeOpArb, { minLength: 1, maxLength: 3 })
  .map((ops) => Object.defineProperty(ops, fc.toStringMethod, { value: () => `store.write((txn) => { ${ops.map(showWriteOp).join('; ')} })` }));

function apply(store: MvccStore, ops: readonly WriteOp[]): void {
  store.write((txn) => {
    for (const op of ops) {
      if (op.type === 'put') txn.put(op.key, op.value);
      else txn.delete(op.key, op.rangeEnd);
    }
  });
}

describe('properties', () => {
  test.prop([fc.array(writeArb, { minLength: 1, maxLength: 16 }), fc.array(fc.record({ after: fc.nat(), back: fc.oneof(fc.nat({ max: 1 }), fc.nat()) }), { minLength: 1, maxLength: 4 })])(
    'compacting never changes a read at or above the compaction revision: the same writes with and without compactions read alike',
    (writes, compactions) => {
      const plain = new MvccStore();
      const compacted = new MvccStore();
      // Each compaction comes after some write (`after`), at a revision `back` below the current one.
      const at = new Map(compactions.map(({ after, back }) => [after % (writes.length + 1), back]));
      let last = 0;
      const done: string[] = [];
      writes.forEach((ops, i) => {
        const back = at.get(i);
        if (back !== undefined) {
          const revision = compacted.revision - (back % compacted.revision);
          if (revision > last) {
            compacted.compact(revision);
            done.push(`compact(${revision}) before write #${i}`);
            last = revision;
          }
        }
        apply(plain, ops);
        apply(compacted, ops);
      });
      const where = done.join(', ') || 'no compaction';
      expect(compacted.revision, where).toBe(plain.revision);
      expect(compacted.compacted, where).toBe(last);
      for (let r = Math.max(last, 1); r <= plain.revision; r++) {
        expect(everything(compacted, r), `${where}: every pair at ${r}`).toEqual(everything(plain, r));
        for (const key of KEY_POOL) expect(compacted.range(key, undefined, { revision: r }).kvs.map(line), `${where}: ${show(key)} at ${r}`).toEqual(plain.range(key, undefined, { revision: r }).kvs.map(line));
      }
      for (let r = 1; r < last; r++) {
        expect(thrownBy(() => compacted.range('\0', '\0', { revision: r })), `${where}: a read at ${r}`).toMatchObject({ code: 'Compacted', message: expect.stringMatching(COMPACTED) });
      }
      if (last === 0) return;
      // What is kept: a key stays in the index only if it was alive at `last` or written after it,
      for (const [key, history] of plain.index.entriesFrom('\0')) {
        const writtenAfter = history.generations.some((g) => g.revisions.some((r) => r.main > last));
        const aliveAtLast = plain.range(key, undefined, { revision: last }).count === 1;
        expect(compacted.index.get(key) !== undefined, `${where}: is ${show(key)} in the index`).toBe(aliveAtLast || writtenAfter);
      }
      // and the backend holds, at or below `last`, exactly the pairs of the keys alive at `last`.
      const keptAtOrBelow = Array.from({ length: last }, (_, i) => compacted.backend.changesAt(i + 1)).flat();
      expect(keptAtOrBelow.map((c) => `${c.type} ${line(c.kv)}`).sort(), `${where}: the backend at or below ${last}`).toEqual(everything(plain, last).map((l) => `PUT ${l}`).sort());
    },
  );

  test.prop([leaseScheduleArb()])(
    'a key attached to a lease disappears exactly when the lease expires, never earlier, whatever the keep-alives',
    async ({ ttls, steps }) => {
      const { store, clock, lessor } = leased();
      const model = new LeaseScheduleModel(ttls, MIN_LEASE_TTL);
      const ids = ttls.map((ttl) => lessor.grant(ttl).id);
      expect(ids.map((id) => lessor.timeToLive(id).grantedTtl)).toEqual(model.granted);
      const start = store.revision;
      for (const [i, step] of steps.entries()) {
        const what = `step ${i}, ${showStep(step)}, at ${model.now} ms`;
        if (step.type === 'advance' || step.type === 'toExpiry') {
          const ms = step.type === 'advance' ? step.ms : model.toExpiry(step.lease, step.offset);
          await clock.advance(ms);
          model.advance(ms);
        } else if (step.type === 'keepAlive') {
          const id = ids[step.lease]!;
          if (model.keepAlive(step.lease)) expect(lessor.keepAlive(id), what).toBe(model.granted[step.lease]);
          else expect(thrownBy(() => lessor.keepAlive(id)), what).toMatchObject({ code: 'LeaseNotFound' });
        } else {
          const lease = step.lease === undefined ? 0 : ids[step.lease]!;
          if (model.put(step.key, step.lease)) store.put(step.key, 'v', { lease });
          else expect(thrownBy(() => store.put(step.key, 'v', { lease })), what).toMatchObject({ code: 'LeaseNotFound' });
        }
        expect(keysNow(store).sort(byteOrder), `${what}: the keys`).toEqual(model.keys().sort(byteOrder));
        expect(store.revision - start, `${what}: the revisions written`).toBe(model.revisions);
        ids.forEach((id, lease) => {
          const deadline = model.deadline(lease);
          const left = deadline === undefined ? -1 : Math.floor((deadline - model.now) / 1000);
          expect(lessor.has(id), `${what}: lease #${lease} alive`).toBe(deadline !== undefined);
          expect(lessor.timeToLive(id).ttl, `${what}: lease #${lease}'s ttl left`).toBe(left);
          expect(lessor.timeToLive(id).keys, `${what}: lease #${lease}'s keys`).toEqual(model.keysOf(lease).sort(byteOrder));
        });
      }
    },
  );

  const attachArb = fc
    .array(
      fc.record({ key: fc.constantFrom(...LEASE_KEYS), lease: fc.constantFrom(0, 1, 2), remove: fc.boolean() }).map((w) =>
        Object.defineProperty(w, fc.toStringMethod, { value: () => (w.remove ? `store.delete(${show(w.key)})` : `store.put(${show(w.key)}, "v", { lease: ${w.lease} })`) }),
      ),
      { maxLength: 20 },
    );
  test.prop([attachArb])('revoke deletes exactly the keys still attached to the lease, all in one revision (none if no key is)', (writes) => {
    const { store, lessor, heard } = leased();
    lessor.grant(60, 1);
    lessor.grant(60, 2);
    const leaseOf = new Map<string, number>();
    for (const { key, lease, remove } of writes) {
      if (remove) {
        store.delete(key);
        leaseOf.delete(key);
      } else {
        store.put(key, 'v', { lease });
        leaseOf.set(key, lease);
      }
    }
    const attached = [...leaseOf].filter(([, lease]) => lease === 1).map(([key]) => key).sort(byteOrder);
    const others = [...leaseOf].filter(([, lease]) => lease !== 1).map(([key]) => key).sort(byteOrder);
    expect(lessor.timeToLive(1).keys).toEqual(attached);
    const before = store.revision;
    const commits = heard.length;
    expect(lessor.revoke(1).header.revision).toBe(attached.length > 0 ? before + 1 : before);
    expect(store.revision).toBe(attached.length > 0 ? before + 1 : before);
    expect(heard.slice(commits)).toEqual(attached.length > 0 ? [[before + 1, attached.map((key) => `DELETE ${show(key)}`)]] : []);
    expect(keysNow(store)).toEqual(others);
    expect(lessor.timeToLive(2).keys).toEqual(others.filter((key) => leaseOf.get(key) === 2));
  });
});
