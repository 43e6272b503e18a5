/**
 * Kata 02 — etcd: MVCC revisions. The spec is katas/etcd/02-mvcc.md.
 *
 * The examples read as the spec: the store's revision, each key's createRevision, modRevision and
 * version, reads of the past, write transactions, commit listeners, and KeyIndex's generations.
 * The properties: any sequence of puts, deletes, ranges at any revision and multi-op writes answers
 * as a history replayed up to the revision read (test/support/mvcc-history-model.ts); revisions
 * only ever move up by one; a key's version counts its puts since it was last created; a write
 * that throws leaves no trace.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import {
  EtcdError,
  KeyIndex,
  MvccStore,
  prefixEnd,
  type Change,
  type DeleteOptions,
  type MvccKeyValue,
  type MvccRangeOptions,
  type MvccRangeResponse,
  type Revision,
  type WriteTxn,
} from '@kube/etcd';
import { thrownBy } from '../support/errors.ts';
import { poolKeyArb, rangeEndArb, valueArb } from '../support/keys.ts';
import { HistoryModel, type ModelChange, type ModelKv, type ModelOp, type ModelRange, type ModelResult } from '../support/mvcc-history-model.ts';
import { show } from '../support/show.ts';

// ---- helpers ----------------------------------------------------------------------------------

/** A key-value in one line, every field shown: `"a"="1" c2 m3 v2 l0`. */
function line(kv: MvccKeyValue | ModelKv): string {
  return `${show(kv.key)}=${show(kv.value)} c${kv.createRevision} m${kv.modRevision} v${kv.version} l${kv.lease}`;
}
const lines = (kvs: readonly (MvccKeyValue | ModelKv)[] | undefined): string[] => (kvs ?? []).map(line);
const changeLines = (changes: readonly (Change | ModelChange)[]): string[] => changes.map((c) => `${c.type} ${line(c.kv)}`);

/** A range response in readable form: kvs as lines, count, more, the header's revision. */
function readable(response: MvccRangeResponse | ModelRange): { kvs: string[]; count: number; more: boolean; revision: number } {
  return 'header' in response
    ? { kvs: lines(response.kvs), count: response.count, more: response.more, revision: response.header.revision }
    : { kvs: lines(response.kvs), count: response.count, more: response.more, revision: response.revision };
}

/** A store with the given puts and deletes applied, one write each. */
function storeAfter(...steps: ([string, string] | [string])[]): MvccStore {
  const store = new MvccStore();
  for (const step of steps) {
    if (step.length === 2) store.put(step[0], step[1]);
    else store.delete(step[0]);
  }
  return store;
}

/** The one key's pair as the store has it now (or at `revision`). */
const kvOf = (store: MvccStore, key: string, revision?: number): MvccKeyValue | undefined =>
  store.range(key, undefined, revision === undefined ? {} : { revision }).kvs[0];

const rev = (main: number, sub = 0): Revision => ({ main, sub });

// ---- examples ---------------------------------------------------------------------------------

describe('the store revision', () => {
  it('a new store is at revision 1, and its first write makes it 2', () => {
    const store = new MvccStore();
    expect(store.revision).toBe(1);
    expect(store.range('\0', '\0')).toMatchObject({ kvs: [], count: 0, header: { revision: 1 } });
    expect(store.put('a', '1').header.revision).toBe(2);
    expect(store.revision).toBe(2);
  });

  it('moves by one on every put, even a put of the value the key already has', () => {
    const store = storeAfter(['a', '1']);
    expect(store.put('a', '1').header.revision).toBe(3);
    expect(store.put('a', '1').header.revision).toBe(4);
    expect(kvOf(store, 'a')).toMatchObject({ value: '1', createRevision: 2, modRevision: 4, version: 3 });
  });

  it('does not move on a delete of a missing key, nor of a range with no keys in it', () => {
    const store = storeAfter(['a', '1'], ['c', '1']);
    expect(store.delete('b')).toMatchObject({ deleted: 0, header: { revision: 3 } });
    expect(store.delete('a0', 'c')).toMatchObject({ deleted: 0, header: { revision: 3 } });
    expect(store.revision).toBe(3);
  });

  it('moves by one for a delete of a range, however many keys it deletes', () => {
    const store = storeAfter(['a/1', '1'], ['a/2', '2'], ['b', '3']);
    expect(store.delete('a/', prefixEnd('a/'))).toMatchObject({ deleted: 2, header: { revision: 5 } });
    expect(store.revision).toBe(5);
    expect(store.range('\0', '\0').kvs.map((kv) => kv.key)).toEqual(['b']);
  });

  it('does not move when a call is rejected (an empty key)', () => {
    const store = storeAfter(['a', '1']);
    for (const call of [() => store.put('', 'v'), () => store.delete(''), () => store.range('')]) {
      expect(thrownBy(call)).toMatchObject({ name: 'EtcdError', code: 'EmptyKey', message: 'etcdserver: key is not provided' });
    }
    expect(store.revision).toBe(2);
    expect(lines(store.range('\0', '\0').kvs)).toEqual(['"a"="1" c2 m2 v1 l0']);
  });
});

describe('createRevision, modRevision and version', () => {
  it('a created key has createRevision = modRevision = the write\'s revision, version 1 and lease 0', () => {
    const store = storeAfter(['a', '1']);
    expect(kvOf(store, 'a')).toEqual({ key: 'a', value: '1', createRevision: 2, modRevision: 2, version: 1, lease: 0 });
  });

  it('a put keeps createRevision, sets modRevision to its revision and adds 1 to version', () => {
    const store = storeAfter(['a', '1'], ['b', '1'], ['a', '2']);
    expect(line(kvOf(store, 'a')!)).toBe('"a"="2" c2 m4 v2 l0');
    expect(line(kvOf(store, 'b')!)).toBe('"b"="1" c3 m3 v1 l0');
  });

  it('a delete ends the key: created again, it has a new createRevision and version 1', () => {
    const store = storeAfter(['a', '1'], ['a', '2'], ['a'], ['a', '3']);
    expect(line(kvOf(store, 'a')!)).toBe('"a"="3" c5 m5 v1 l0');
    store.put('a', '4');
    expect(line(kvOf(store, 'a')!)).toBe('"a"="4" c5 m6 v2 l0');
  });

  it('put with prevKv returns the replaced pair with its revisions; no prevKv for a new key', () => {
    const store = new MvccStore();
    expect(store.put('a', '1', { prevKv: true }).prevKv).toBeUndefined();
    const response = store.put('a', '2', { prevKv: true });
    expect(response.header.revision).toBe(3);
    expect(line(response.prevKv!)).toBe('"a"="1" c2 m2 v1 l0');
    expect(store.put('a', '3').prevKv).toBeUndefined();
  });

  it('delete with prevKv returns the deleted pairs, in key order, as they were before the delete', () => {
    const store = storeAfter(['b', '1'], ['a', '1'], ['b', '2']);
    const response = store.delete('a', '\0', { prevKv: true });
    expect(response).toMatchObject({ deleted: 2, header: { revision: 5 } });
    expect(lines(response.prevKvs)).toEqual(['"a"="1" c3 m3 v1 l0', '"b"="2" c2 m4 v2 l0']);
  });
});

describe('reading the past', () => {
  // a: put at 2 and 3, deleted at 4, put again at 6; b: put at 5.
  const history = (): MvccStore => storeAfter(['a', '1'], ['a', '2'], ['a'], ['b', '1'], ['a', '3']);

  it('a range at a past revision returns each key as it was then', () => {
    const store = history();
    expect(lines(store.range('a', undefined, { revision: 2 }).kvs)).toEqual(['"a"="1" c2 m2 v1 l0']);
    expect(lines(store.range('a', undefined, { revision: 3 }).kvs)).toEqual(['"a"="2" c2 m3 v2 l0']);
    expect(lines(store.range('a', undefined, { revision: 6 }).kvs)).toEqual(['"a"="3" c6 m6 v1 l0']);
  });

  it('a key is gone at the revision of its delete and until it is put again (its tombstone)', () => {
    const store = history();
    expect(store.range('a', undefined, { revision: 4 })).toMatchObject({ kvs: [], count: 0 });
    expect(store.range('a', undefined, { revision: 5 })).toMatchObject({ kvs: [], count: 0 });
  });

  it('a key is not there before it was created, and revision 1 is the empty store', () => {
    const store = history();
    expect(store.range('b', undefined, { revision: 4 })).toMatchObject({ kvs: [], count: 0 });
    expect(store.range('\0', '\0', { revision: 1 })).toMatchObject({ kvs: [], count: 0, more: false });
  });

  it('a range with a limit at a past revision counts and pages the keys that existed then', () => {
    const store = storeAfter(['a', '1'], ['b', '1'], ['c', '1'], ['b'], ['d', '1']);
    // at 4: a, b, c. at 6: a, c, d.
    const past = store.range('a', '\0', { revision: 4, limit: 2 });
    expect(readable(past)).toEqual({ kvs: ['"a"="1" c2 m2 v1 l0', '"b"="1" c3 m3 v1 l0'], count: 3, more: true, revision: 6 });
    expect(store.range('a', '\0', { revision: 4, countOnly: true })).toMatchObject({ kvs: [], count: 3, more: false });
    expect(store.range('a', '\0', { revision: 4, keysOnly: true }).kvs.map((kv) => [kv.key, kv.value])).toEqual([['a', ''], ['b', ''], ['c', '']]);
    expect(readable(store.range('a', '\0', { limit: 2 }))).toEqual({ kvs: ['"a"="1" c2 m2 v1 l0', '"c"="1" c4 m4 v1 l0'], count: 3, more: true, revision: 6 });
  });

  it.each([0, -1, -100])('revision %s reads the latest revision', (revision) => {
    const store = history();
    expect(readable(store.range('\0', '\0', { revision }))).toEqual(readable(store.range('\0', '\0')));
    expect(lines(store.range('\0', '\0', { revision }).kvs)).toEqual(['"a"="3" c6 m6 v1 l0', '"b"="1" c5 m5 v1 l0']);
  });

  it('a revision above the store\'s is EtcdError FutureRevision, "mvcc: required revision is a future revision"', () => {
    const store = history();
    const error = thrownBy(() => store.range('a', undefined, { revision: 7 }));
    expect(error).toBeInstanceOf(EtcdError);
    expect(error).toMatchObject({ code: 'FutureRevision', message: 'mvcc: required revision is a future revision (store is at 6, asked 7)' });
    expect(store.range('a', undefined, { revision: 6 }).kvs).toHaveLength(1); // the current revision itself is fine
  });

  it.each([-1, 1.5, Number.NaN])('a limit of %s is EtcdError InvalidLimit, at any revision, as in kata 01', (limit) => {
    const store = history();
    for (const revision of [undefined, 2]) {
      const error = thrownBy(() => store.range('a', '\0', { limit, ...(revision !== undefined && { revision }) }));
      expect(error).toBeInstanceOf(EtcdError);
      expect(error).toMatchObject({ code: 'InvalidLimit', message: `limit must be a whole number >= 0, where 0 means no limit (got ${limit})` });
    }
  });

  it('header.revision is the store\'s current revision, even for a read of the past', () => {
    const store = history();
    expect(store.range('a', undefined, { revision: 2 }).header.revision).toBe(6);
    expect(store.range('zzz', undefined, { revision: 3 }).header.revision).toBe(6);
  });

  it('a pair read earlier does not change when its key is written again', () => {
    const store = storeAfter(['a', '1']);
    const before = kvOf(store, 'a');
    store.put('a', '2');
    store.delete('a');
    expect(line(before!)).toBe('"a"="1" c2 m2 v1 l0');
  });
});

describe('write: one transaction, one revision', () => {
  it('gives every change of a write the same revision, numbered by sub in the order they were made', () => {
    const store = storeAfter(['a', '1']);
    const revision = store.write((txn) => {
      txn.put('b', '1');
      txn.put('a', '2');
      txn.delete('b');
      return txn.revision;
    });
    expect(revision).toBe(3);
    expect(store.revision).toBe(3);
    expect(changeLines(store.backend.changesAt(3))).toEqual(['PUT "b"="1" c3 m3 v1 l0', 'PUT "a"="2" c2 m3 v2 l0', 'DELETE "b"="" c0 m3 v0 l0']);
    expect(store.backend.get(rev(3, 1))?.kv.key).toBe('a');
    expect(store.index.get('a')?.generations[0]?.revisions).toEqual([rev(2), rev(3, 1)]);
    expect(store.index.get('b')?.generations[0]?.revisions).toEqual([rev(3, 0), rev(3, 2)]);
    expect(lines(store.range('\0', '\0').kvs)).toEqual(['"a"="2" c2 m3 v2 l0']);
  });

  it('a read inside a write at txn.revision is a future revision until the write has changed something', () => {
    const store = storeAfter(['a', '1']); // revision 2: the write is at 3
    store.write((txn) => {
      expect(thrownBy(() => txn.range('a', undefined, { revision: 3 }))).toMatchObject({ code: 'FutureRevision', message: 'mvcc: required revision is a future revision (store is at 2, asked 3)' });
      txn.put('b', '1');
      expect(lines(txn.range('a', '\0', { revision: 3 }).kvs)).toEqual(['"a"="1" c2 m2 v1 l0', '"b"="1" c3 m3 v1 l0']);
      expect(thrownBy(() => txn.range('a', undefined, { revision: 4 }))).toMatchObject({ code: 'FutureRevision', message: 'mvcc: required revision is a future revision (store is at 3, asked 4)' });
    });
  });

  it('its reads see its own earlier writes, with the header of the revision it will commit at', () => {
    const store = storeAfter(['a', '1']);
    store.write((txn) => {
      expect(txn.revision).toBe(3);
      expect(txn.range('a').header.revision).toBe(2); // nothing written yet
      txn.put('a', '2');
      expect(readable(txn.range('a'))).toEqual({ kvs: ['"a"="2" c2 m3 v2 l0'], count: 1, more: false, revision: 3 });
      expect(lines(txn.range('a', undefined, { revision: 2 }).kvs)).toEqual(['"a"="1" c2 m2 v1 l0']);
      txn.put('b', '1');
      expect(txn.delete('a', '\0', { prevKv: true })).toMatchObject({ deleted: 2, header: { revision: 3 } });
      expect(txn.range('\0', '\0').count).toBe(0);
      txn.put('a', '3');
      expect(lines(txn.range('a').kvs)).toEqual(['"a"="3" c3 m3 v1 l0']);
    });
    expect(store.revision).toBe(3);
    expect(lines(store.range('\0', '\0').kvs)).toEqual(['"a"="3" c3 m3 v1 l0']);
    expect(lines(store.range('\0', '\0', { revision: 2 }).kvs)).toEqual(['"a"="1" c2 m2 v1 l0']);
  });

  it('returns what its body returns, and moves nothing when the body changed nothing', () => {
    const store = storeAfter(['a', '1']);
    const result = store.write((txn) => {
      txn.delete('missing');
      return txn.range('a').kvs.map(line);
    });
    expect(result).toEqual(['"a"="1" c2 m2 v1 l0']);
    expect(store.revision).toBe(2);
    expect(store.put('b', '1').header.revision).toBe(3);
  });

  it('a body that throws leaves no trace: the error goes on, no revision, no key, no history', () => {
    const store = storeAfter(['a', '1'], ['gone', '1'], ['gone']);
    const commits: number[] = [];
    store.onCommit((revision) => commits.push(revision));
    const boom = new Error('boom');
    const error = thrownBy(() =>
      store.write((txn) => {
        txn.put('a', '2');
        txn.put('new', '1');
        txn.put('gone', '2');
        txn.delete('a');
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect(store.revision).toBe(4);
    expect(commits).toEqual([]);
    expect(lines(store.range('\0', '\0').kvs)).toEqual(['"a"="1" c2 m2 v1 l0']);
    expect(store.index.get('new')).toBeUndefined();
    expect(store.backend.changesAt(5)).toEqual([]);
    expect(thrownBy(() => store.range('a', undefined, { revision: 5 }))).toMatchObject({ code: 'FutureRevision' });
    // the histories are as they were: the next writes continue them
    expect(store.put('a', '3').header.revision).toBe(5);
    store.put('gone', '3');
    expect(lines(store.range('\0', '\0').kvs)).toEqual(['"a"="3" c2 m5 v2 l0', '"gone"="3" c6 m6 v1 l0']);
  });

  it('a put and a delete of one key in one write leave it deleted, in one revision', () => {
    const store = storeAfter(['a', '1']);
    store.write((txn) => {
      txn.put('a', '2');
      txn.delete('a');
    });
    expect(store.revision).toBe(3);
    expect(store.range('a').count).toBe(0);
    expect(store.range('a', undefined, { revision: 2 }).count).toBe(1);
    store.put('a', '3');
    expect(line(kvOf(store, 'a')!)).toBe('"a"="3" c4 m4 v1 l0');
  });

  it('a delete and a put of one key in one write create it anew at that revision', () => {
    const store = storeAfter(['a', '1'], ['a', '2']);
    store.write((txn) => {
      txn.delete('a');
      txn.put('a', '3');
    });
    expect(line(kvOf(store, 'a')!)).toBe('"a"="3" c4 m4 v1 l0');
  });
});

describe('onCommit', () => {
  it('calls the listener once per write that changed something, with its revision and its changes in order', () => {
    const store = new MvccStore();
    const commits: [number, string[]][] = [];
    store.onCommit((revision, changes) => commits.push([revision, changeLines(changes)]));
    store.put('a', '1');
    store.delete('missing');
    store.write((txn) => {
      txn.put('b', '1');
      txn.delete('a', '\0');
    });
    store.write(() => {});
    expect(commits).toEqual([
      [2, ['PUT "a"="1" c2 m2 v1 l0']],
      [3, ['PUT "b"="1" c3 m3 v1 l0', 'DELETE "a"="" c0 m3 v0 l0', 'DELETE "b"="" c0 m3 v0 l0']],
    ]);
  });

  it('calls the listener once the store is at the new revision, with the DELETE of a leased key carrying lease 0, and a delete answers prevKvs only when asked', () => {
    const store = new MvccStore();
    store.leases = { has: (id) => id === 7 };
    const heard: [number, number, string[]][] = [];
    store.onCommit((revision, changes) => heard.push([revision, store.revision, changeLines(changes)]));
    store.put('a', '1', { lease: 7 });
    const deleted = store.delete('a');
    expect('prevKvs' in deleted, 'no prevKvs without prevKv: true').toBe(false);
    expect(heard).toEqual([
      [2, 2, ['PUT "a"="1" c2 m2 v1 l7']],
      [3, 3, ['DELETE "a"="" c0 m3 v0 l0']],
    ]);
  });

  it('stops calling the listener once its unsubscribe function is called', () => {
    const store = new MvccStore();
    const seen: number[] = [];
    const stop = store.onCommit((revision) => seen.push(revision));
    store.put('a', '1');
    stop();
    store.put('a', '2');
    expect(seen).toEqual([2]);
    expect(store.revision).toBe(3);
  });
});

describe('leases: only stored (kata 05 gives them a life)', () => {
  it('rejects a put with a lease nobody granted: EtcdError LeaseNotFound, "etcdserver: requested lease not found"', () => {
    const store = storeAfter(['a', '1']);
    expect(thrownBy(() => store.put('a', '2', { lease: 7 }))).toMatchObject({ code: 'LeaseNotFound', message: 'etcdserver: requested lease not found (lease 7)' });
    expect(store.revision).toBe(2);
    expect(line(kvOf(store, 'a')!)).toBe('"a"="1" c2 m2 v1 l0');
  });

  it('checks the key before the lease, and takes lease 0 as no lease, with or without a registry', () => {
    const store = new MvccStore();
    expect(thrownBy(() => store.put('', 'v', { lease: 7 }))).toMatchObject({ code: 'EmptyKey' });
    expect(store.put('a', '1', { lease: 0 }).header.revision).toBe(2);
    expect(line(kvOf(store, 'a')!)).toBe('"a"="1" c2 m2 v1 l0');
  });

  it('stores the lease a put names when the store\'s lease registry knows it, and a later put without one clears it', () => {
    const store = new MvccStore();
    store.leases = { has: (id) => id === 7 };
    store.put('a', '1', { lease: 7 });
    expect(line(kvOf(store, 'a')!)).toBe('"a"="1" c2 m2 v1 l7');
    store.put('a', '2');
    expect(line(kvOf(store, 'a')!)).toBe('"a"="2" c2 m3 v2 l0');
  });
});

describe('KeyIndex: a key\'s history in generations', () => {
  /** put at 2, 3, 4, deleted at 5, put at 6 and 7: the worked example of key-index.ts */
  function example(): KeyIndex {
    const index = new KeyIndex();
    for (const main of [2, 3, 4]) index.put(rev(main));
    index.tombstone(rev(5));
    for (const main of [6, 7]) index.put(rev(main));
    return index;
  }

  it('reads a version as the generation\'s version minus the revisions after it, not the revision\'s place in the list (kata 05 drops the oldest)', () => {
    const index = new KeyIndex();
    // a life put at 2, 3, 4 and deleted at 5, whose revisions 2 and 3 a compaction has dropped
    index.generations.push({ created: rev(2), version: 4, revisions: [rev(4), rev(5)] }, { created: rev(0), version: 0, revisions: [] });
    expect(index.at(4)).toMatchObject({ modified: rev(4), created: rev(2), version: 3 });
  });

  it('groups the revisions in generations, a tombstone ending each life but the last', () => {
    expect(example().generations).toEqual([
      { created: rev(2), version: 4, revisions: [rev(2), rev(3), rev(4), rev(5)] },
      { created: rev(6), version: 2, revisions: [rev(6), rev(7)] },
    ]);
  });

  it('at(main) says which revision to read, the created revision and the version then', () => {
    const index = example();
    expect(index.at(1)).toBeUndefined();
    expect(index.at(2)).toEqual({ modified: rev(2), created: rev(2), version: 1 });
    expect(index.at(4)).toEqual({ modified: rev(4), created: rev(2), version: 3 });
    expect(index.at(5)).toBeUndefined();
    expect(index.at(6)).toEqual({ modified: rev(6), created: rev(6), version: 1 });
    expect(index.at(100)).toEqual({ modified: rev(7), created: rev(6), version: 2 });
  });

  it('after a delete, the current life is empty until the key is put again', () => {
    const index = new KeyIndex();
    index.put(rev(2));
    expect([index.isAlive(), index.isEmpty()]).toEqual([true, false]);
    index.tombstone(rev(3));
    expect([index.isAlive(), index.isEmpty()]).toEqual([false, false]);
    expect(index.generations.at(-1)?.revisions).toEqual([]);
    expect(index.at(3)).toBeUndefined();
    index.put(rev(4));
    expect(index.isAlive()).toBe(true);
    expect(index.at(4)).toEqual({ modified: rev(4), created: rev(4), version: 1 });
  });

  it('at(main) takes every sub-revision of main into account', () => {
    const index = new KeyIndex();
    index.put(rev(5, 0));
    index.put(rev(5, 1));
    expect(index.at(5)).toEqual({ modified: rev(5, 1), created: rev(5, 0), version: 2 });
    index.tombstone(rev(6, 0));
    index.put(rev(6, 1));
    expect(index.at(6)).toEqual({ modified: rev(6, 1), created: rev(6, 1), version: 1 });
    expect(index.at(5)).toEqual({ modified: rev(5, 1), created: rev(5, 0), version: 2 });
  });

  it('tombstone refuses a key that is not alive', () => {
    const index = new KeyIndex();
    index.put(rev(2));
    index.tombstone(rev(3));
    const error = thrownBy(() => index.tombstone(rev(4)));
    expect(error).toBeInstanceOf(Error);
    expect(index.generations).toHaveLength(2);
    expect(thrownBy(() => new KeyIndex().tombstone(rev(2)))).toBeInstanceOf(Error);
  });

  it('a new KeyIndex is empty and not alive; one whose generations hold no revision (what kata 05\'s compaction leaves) is empty', () => {
    const index = new KeyIndex();
    expect([index.isAlive(), index.isEmpty()]).toEqual([false, true]);
    index.generations.push({ created: rev(0), version: 0, revisions: [] });
    expect([index.isAlive(), index.isEmpty()]).toEqual([false, true]);
    index.put(rev(2));
    expect([index.isAlive(), index.isEmpty()]).toEqual([true, false]);
  });
});

// ---- properties -------------------------------------------------------------------------------

/** A range end for commands: none, '\0', a key of the pool, or the prefix end of the key. */
type End = string | { prefix: true } | undefined;
const endArb: fc.Arbitrary<End> = fc.oneof(
  fc.constant(undefined),
  fc.constant('\0'),
  poolKeyArb,
  fc.constant({ prefix: true as const }),
  rangeEndArb,
);
const resolve = (key: string, end: End): string | undefined => (typeof end === 'object' ? prefixEnd(key) : end);
const showEnd = (key: string, end: End): string => (typeof end === 'object' ? `prefixEnd(${show(key)})` : show(end));

/** Range options: no revision (latest), 0, a past one, or one a little in the future. */
const rangeOptionsArb: fc.Arbitrary<MvccRangeOptions> = fc
  .record({ revision: fc.integer({ min: -1, max: 14 }), limit: fc.nat({ max: 3 }), keysOnly: fc.boolean(), countOnly: fc.nat({ max: 5 }) })
  .map(({ revision, limit, keysOnly, countOnly }) => ({
    ...(revision !== 0 && { revision }),
    ...(limit > 0 && { limit }),
    ...(keysOnly && { keysOnly }),
    ...(countOnly === 5 && { countOnly: true }),
  }));

/** `value`, printed by fast-check (in a counterexample) as `text`. */
function printedAs<T extends object>(value: T, text: string): T {
  return Object.defineProperty(value, fc.toStringMethod, { value: () => text, configurable: true });
}

/** An op of a write (a put, a delete or a latest range), as the model and the store take it. */
const opArb: fc.Arbitrary<ModelOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('put' as const), key: poolKeyArb, value: valueArb }) },
  { weight: 2, arbitrary: fc.tuple(poolKeyArb, endArb).map(([key, end]): ModelOp => ({ type: 'delete', key, ...(end !== undefined && { rangeEnd: resolve(key, end) }) })) },
  { weight: 1, arbitrary: fc.tuple(poolKeyArb, endArb).map(([key, end]): ModelOp => ({ type: 'range', key, ...(end !== undefined && { rangeEnd: resolve(key, end) }) })) },
).map((op) => printedAs(op, showOp(op)));

/** An op as the call it makes on a WriteTxn: `txn.put("a", "1")`. */
function showOp(op: ModelOp, receiver = 'txn'): string {
  const end = op.type !== 'put' && op.rangeEnd !== undefined ? `, ${show(op.rangeEnd)}` : '';
  return op.type === 'put' ? `${receiver}.put(${show(op.key)}, ${show(op.value)})` : `${receiver}.${op.type}(${show(op.key)}${end})`;
}

/** Runs one op on the store (or a WriteTxn), returning the answer in the model's shape. */
function runOp(target: Pick<WriteTxn, 'put' | 'delete' | 'range'>, op: ModelOp, prevKv = true): ModelResult {
  if (op.type === 'put') {
    const response = target.put(op.key, op.value, { prevKv });
    return { type: 'put', revision: response.header.revision, prevKv: response.prevKv };
  }
  if (op.type === 'delete') {
    const response = target.delete(op.key, op.rangeEnd, { prevKv } satisfies DeleteOptions);
    return { type: 'delete', revision: response.header.revision, deleted: response.deleted, prevKvs: response.prevKvs ?? [] };
  }
  const response = target.range(op.key, op.rangeEnd, op.options ?? {});
  return { type: 'range', revision: response.header.revision, range: { kvs: response.kvs, count: response.count, more: response.more, revision: response.header.revision } };
}

/** A result in readable form, to compare store and model. */
function readableResult(result: ModelResult): unknown {
  if (result.type === 'put') return { revision: result.revision, prevKv: result.prevKv ? line(result.prevKv) : undefined };
  if (result.type === 'delete') return { revision: result.revision, deleted: result.deleted, prevKvs: lines(result.prevKvs) };
  return readable(result.range);
}

/** The store under test, and every commit its listener heard. */
interface Real {
  store: MvccStore;
  commits: [number, string[]][];
}
type Command = fc.Command<HistoryModel, Real>;

/** After every command: same revision, and the listener heard exactly the model's writes. */
function checkCommits(model: HistoryModel, real: Real, what: string): void {
  expect(real.store.revision, `${what}: store.revision`).toBe(model.revision);
  expect(real.commits.map(([r]) => r), `${what}: the revisions onCommit heard`).toEqual(model.writes.map((w) => w.revision));
  const last = real.commits.at(-1);
  if (last) expect(last[1], `${what}: the changes onCommit heard at ${last[0]}`).toEqual(changeLines(model.changesAt(last[0])));
}

class OpCommand implements Command {
  constructor(readonly op: ModelOp) {}
  check = (): boolean => true;
  run(model: HistoryModel, real: Real): void {
    const got = runOp(real.store, this.op);
    const expected = model.write([this.op]).results[0]!;
    expect(readableResult(got), String(this)).toEqual(readableResult(expected));
    checkCommits(model, real, String(this));
  }
  toString = (): string =>
    this.op.type === 'put'
      ? `store.put(${show(this.op.key)}, ${show(this.op.value)}, { prevKv: true })`
      : `store.delete(${show(this.op.key)}, ${show(this.op.rangeEnd)}, { prevKv: true })`;
}

class RangeAtCommand implements Command {
  constructor(
    readonly key: string,
    readonly end: End,
    readonly options: MvccRangeOptions,
  ) {}
  check = (): boolean => true;
  run(model: HistoryModel, real: Real): void {
    const rangeEnd = resolve(this.key, this.end);
    const expected = model.range(this.key, rangeEnd, this.options);
    if (expected === 'FutureRevision') {
      expect(thrownBy(() => real.store.range(this.key, rangeEnd, this.options)), String(this)).toMatchObject({ code: 'FutureRevision' });
    } else {
      expect(readable(real.store.range(this.key, rangeEnd, this.options)), String(this)).toEqual(readable(expected));
    }
  }
  toString = (): string => `store.range(${show(this.key)}, ${showEnd(this.key, this.end)}, ${show(this.options)})`;
}

class WriteCommand implements Command {
  constructor(readonly ops: ModelOp[]) {}
  check = (): boolean => true;
  run(model: HistoryModel, real: Real): void {
    const got = real.store.write((txn) => this.ops.map((op) => runOp(txn, op)));
    const expected = model.write(this.ops).results;
    expect(got.map(readableResult), String(this)).toEqual(expected.map(readableResult));
    checkCommits(model, real, String(this));
  }
  toString = (): string => `store.write((txn) => { ${this.ops.map((op) => `${showOp(op)};`).join(' ')} })`;
}

describe('properties', () => {
  test.prop([
    fc.commands(
      [
        fc.tuple(poolKeyArb, valueArb).map(([key, value]) => new OpCommand({ type: 'put', key, value })),
        fc.tuple(poolKeyArb, endArb).map(([key, end]) => new OpCommand({ type: 'delete', key, ...(end !== undefined && { rangeEnd: resolve(key, end) }) })),
        fc.tuple(poolKeyArb, endArb, rangeOptionsArb).map(([key, end, options]) => new RangeAtCommand(key, end, options)),
        fc.tuple(fc.constant('\0'), fc.constant('\0' as End), rangeOptionsArb).map(([key, end, options]) => new RangeAtCommand(key, end, options)),
        fc.array(opArb, { minLength: 2, maxLength: 4 }).map((ops) => new WriteCommand(ops)),
      ],
      { maxCommands: 30, size: 'medium' },
    ),
  ])('any history of puts, deletes and writes reads, at every revision, as that history replayed up to the revision', (commands) => {
    fc.modelRun(() => {
      const real: Real = { store: new MvccStore(), commits: [] };
      real.store.onCommit((revision, changes) => real.commits.push([revision, changeLines(changes)]));
      return { model: new HistoryModel(), real };
    }, commands);
  });

  test.prop([fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { maxLength: 25 })])(
    'revisions strictly increase: each write that changes something takes the next revision, one that changes nothing keeps it',
    (writes) => {
      const store = new MvccStore();
      const heard: number[] = [];
      store.onCommit((revision) => heard.push(revision));
      for (const ops of writes) {
        const before = store.revision;
        const results = store.write((txn) => ops.map((op) => runOp(txn, op)));
        const changed = results.some((r) => r.type === 'put' || (r.type === 'delete' && r.deleted > 0));
        expect(store.revision, ops.map((op) => showOp(op)).join('; ')).toBe(changed ? before + 1 : before);
        for (const kv of store.range('\0', '\0').kvs) {
          expect(kv.modRevision).toBeLessThanOrEqual(store.revision);
          expect(kv.createRevision).toBeLessThanOrEqual(kv.modRevision);
        }
      }
      expect(heard).toEqual(Array.from({ length: store.revision - 1 }, (_, i) => i + 2));
    },
  );

  const stepArb = fc
    .tuple(fc.oneof({ weight: 3, arbitrary: fc.constant('put' as const) }, { weight: 1, arbitrary: fc.constant('delete' as const) }), poolKeyArb)
    .map((step) => printedAs(step, step[0] === 'put' ? `put(${show(step[1])}, "v")` : `delete(${show(step[1])})`));
  test.prop([fc.array(stepArb, { maxLength: 40 })])(
    'a key\'s version counts its puts since it was last created, and its createRevision is the revision of that create',
    (steps) => {
      const store = new MvccStore();
      const lives = new Map<string, { puts: number; created: number }>();
      for (const [type, key] of steps) {
        if (type === 'put') {
          const revision = store.put(key, 'v').header.revision;
          const life = lives.get(key) ?? { puts: 0, created: revision };
          lives.set(key, { puts: life.puts + 1, created: life.created });
        } else {
          store.delete(key);
          lives.delete(key);
        }
      }
      const got = store.range('\0', '\0').kvs.map((kv) => [kv.key, kv.version, kv.createRevision]);
      const expected = [...lives].map(([key, life]) => [key, life.puts, life.created]);
      const byKey = (a: (string | number)[], b: (string | number)[]): number => Buffer.compare(Buffer.from(String(a[0])), Buffer.from(String(b[0])));
      expect(got.sort(byKey)).toEqual(expected.sort(byKey));
    },
  );

  test.prop([
    fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { maxLength: 12 }),
    fc.array(opArb, { minLength: 1, maxLength: 4 }),
    fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { maxLength: 6 }),
  ])(
    'a write whose body throws is as if it never ran: every revision reads as before, every key\'s history (store.index) is as before, and later writes go on as in a store that never ran it',
    (history, failing, later) => {
      const store = new MvccStore();
      const twin = new MvccStore(); // the same writes, without the failing one
      const writeBoth = (ops: ModelOp[]): void => {
        for (const s of [store, twin]) s.write((txn) => ops.forEach((op) => runOp(txn, op)));
      };
      history.forEach(writeBoth);
      const snapshot = (s: MvccStore): unknown[] => Array.from({ length: s.revision }, (_, r) => readable(s.range('\0', '\0', { revision: r + 1 })));
      const histories = (s: MvccStore): unknown => JSON.parse(JSON.stringify([...s.index.entriesFrom('\0')]));
      const before = snapshot(store);
      const revision = store.revision;
      const boom = new Error('boom');
      const thrown = thrownBy(() =>
        store.write((txn) => {
          failing.forEach((op) => runOp(txn, op));
          throw boom;
        }),
      );
      expect(thrown).toBe(boom);
      expect(store.revision).toBe(revision);
      expect(snapshot(store)).toEqual(before);
      expect(histories(store), 'store.index: a key the failed write created must be gone, and every other history cut back').toEqual(histories(twin));
      later.forEach(writeBoth);
      expect(snapshot(store), 'reads after the later writes').toEqual(snapshot(twin));
      expect(store.put('a', 'after').header.revision).toBe(twin.revision + 1);
    },
  );
});
