/**
 * Kata 03 — etcd: transactions. The spec is katas/etcd/03-txn.md.
 *
 * The examples read as the spec: compares on every target with every result, a missing key, the
 * chosen branch, one revision per txn, reads of the txn's own writes, and the checks (128 ops,
 * duplicate keys, compare types, empty keys). The properties: a branch that fails halfway leaves
 * nothing (atomicity); compare-and-swap counters driven by concurrent clients under fc.scheduler
 * never lose an increment; a txn of ops on distinct keys ends as the same ops applied one by one,
 * in one revision instead of several (metamorphic).
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import {
  compareHolds,
  EtcdError,
  MAX_TXN_OPS,
  MvccStore,
  txn,
  type Compare,
  type MvccKeyValue,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
} from '@kube/etcd';
import { thrownBy } from '../support/errors.ts';
import { KEY_POOL, poolKeyArb, valueArb } from '../support/keys.ts';
import { show } from '../support/show.ts';

// ---- helpers ----------------------------------------------------------------------------------

/** A key-value in one line, every field shown: `"a"="1" c2 m3 v2 l0`. */
const line = (kv: MvccKeyValue): string => `${show(kv.key)}=${show(kv.value)} c${kv.createRevision} m${kv.modRevision} v${kv.version} l${kv.lease}`;
const lines = (kvs: readonly MvccKeyValue[] | undefined): string[] => (kvs ?? []).map(line);

/** Every pair of the store now, one line each. */
const everything = (store: MvccStore, revision?: number): string[] => lines(store.range('\0', '\0', revision === undefined ? {} : { revision }).kvs);

/** A store after puts of the given keys and values, one write each. */
function storeWith(...pairs: [string, string][]): MvccStore {
  const store = new MvccStore();
  for (const [key, value] of pairs) store.put(key, value);
  return store;
}

const put = (key: string, value: string): RequestOp => ({ type: 'put', key, value });
const del = (key: string, rangeEnd?: string): RequestOp => ({ type: 'delete', key, ...(rangeEnd !== undefined && { rangeEnd }) });
const get = (key: string, rangeEnd?: string): RequestOp => ({ type: 'range', key, ...(rangeEnd !== undefined && { rangeEnd }) });
const cmp = (key: string, target: Compare['target'], result: Compare['result'], value: number | string): Compare => ({ key, target, result, value });

/** A response op in one line: `put @3 prev "a"="1" ...`, `range @3 ["a"="2" ...] count 1`, `delete @3 deleted 1`. */
function readable(response: ResponseOp): string {
  if (response.type === 'put') return `put @${response.response.header.revision}${response.response.prevKv ? ` prev ${line(response.response.prevKv)}` : ''}`;
  if (response.type === 'delete') return `delete @${response.response.header.revision} deleted ${response.response.deleted}${response.response.prevKvs ? ` prev [${lines(response.response.prevKvs).join(', ')}]` : ''}`;
  return `range @${response.response.header.revision} [${lines(response.response.kvs).join(', ')}] count ${response.response.count}${response.response.more ? ' more' : ''}`;
}

// ---- examples ---------------------------------------------------------------------------------

describe('compares choose the branch', () => {
  it('with every compare holding, runs success and says succeeded', () => {
    const store = storeWith(['a', '1']);
    const response = txn(store, { compare: [cmp('a', 'value', '=', '1'), cmp('a', 'version', '=', 1)], success: [put('a', '2')], failure: [put('a', 'failed')] });
    expect(response).toMatchObject({ succeeded: true, header: { revision: 3 } });
    expect(everything(store)).toEqual(['"a"="2" c2 m3 v2 l0']);
  });

  it('with one compare failing, runs failure instead and says not succeeded', () => {
    const store = storeWith(['a', '1']);
    const response = txn(store, { compare: [cmp('a', 'value', '=', '1'), cmp('a', 'version', '=', 2)], success: [put('a', '2')], failure: [put('b', 'failed')] });
    expect(response).toMatchObject({ succeeded: false, header: { revision: 3 } });
    expect(everything(store)).toEqual(['"a"="1" c2 m2 v1 l0', '"b"="failed" c3 m3 v1 l0']);
  });

  it('with no compares at all, runs success', () => {
    const store = new MvccStore();
    expect(txn(store, { success: [put('a', '1')] })).toMatchObject({ succeeded: true, header: { revision: 2 } });
    expect(everything(store)).toEqual(['"a"="1" c2 m2 v1 l0']);
  });

  // a: created at 2, put at 3 and 4: createRevision 2, modRevision 4, version 3, value "b"
  const cases: [Compare['target'], Compare['result'], number | string, boolean][] = [
    ['version', '=', 3, true], ['version', '!=', 3, false], ['version', '!=', 2, true], ['version', '<', 4, true], ['version', '>', 3, false],
    ['createRevision', '=', 2, true], ['createRevision', '!=', 2, false], ['createRevision', '!=', 3, true], ['createRevision', '<', 2, false], ['createRevision', '>', 1, true],
    ['modRevision', '=', 4, true], ['modRevision', '=', 3, false], ['modRevision', '!=', 3, true], ['modRevision', '!=', 4, false], ['modRevision', '<', 5, true], ['modRevision', '>', 4, false],
    ['value', '=', 'b', true], ['value', '!=', 'b', false], ['value', '!=', 'a', true], ['value', '<', 'c', true], ['value', '<', 'a', false], ['value', '>', 'a', true], ['value', '>', 'b', false],
  ];
  it.each(cases)('on a key at createRevision 2, modRevision 4, version 3, value "b": %s %s %s is %s', (target, result, value, expected) => {
    const store = storeWith(['a', 'x'], ['a', 'a'], ['a', 'b']);
    const response = txn(store, { compare: [cmp('a', target, result, value)], success: [get('a')], failure: [] });
    expect(response.succeeded).toBe(expected);
    expect(response.responses.map(readable)).toEqual(expected ? ['range @4 ["a"="b" c2 m4 v3 l0] count 1'] : []);
  });

  it.each([
    ['version', '=', 0, true], ['createRevision', '=', 0, true], ['modRevision', '=', 0, true], ['modRevision', '<', 1, true], ['version', '>', 0, false],
    ['version', '!=', 1, true], ['modRevision', '!=', 0, false],
    ['value', '=', '', false], ['value', '!=', 'x', false], ['value', '<', 'x', false], ['value', '>', '', false],
  ] as [Compare['target'], Compare['result'], number | string, boolean][])(
    'on a missing key, revisions and version compare as 0 and a value compare is false: %s %s %s is %s',
    (target, result, value, expected) => {
      const store = storeWith(['other', '1']);
      expect(txn(store, { compare: [cmp('missing', target, result, value)], success: [put('s', '1')], failure: [put('f', '1')] }).succeeded).toBe(expected);
      expect(everything(store).map((l) => l.split('=')[0])).toEqual([expected ? '"s"' : '"f"', '"other"'].sort());
    },
  );

  it('compares values as UTF-8 bytes: "\\uFFFF" < "\\u{10000}"', () => {
    const store = storeWith(['a', '\uffff']);
    expect(txn(store, { compare: [cmp('a', 'value', '<', '\u{10000}')] }).succeeded).toBe(true);
    expect(txn(store, { compare: [cmp('a', 'value', '>', '\u{10000}')] }).succeeded).toBe(false);
  });

  it('a compare of a deleted key sees it as missing', () => {
    const store = storeWith(['a', '1']);
    store.delete('a');
    expect(txn(store, { compare: [cmp('a', 'modRevision', '=', 0), cmp('a', 'version', '=', 0)], success: [put('a', '2')] })).toMatchObject({ succeeded: true, header: { revision: 4 } });
    expect(everything(store)).toEqual(['"a"="2" c4 m4 v1 l0']);
  });
});

describe('one revision, ops in order', () => {
  it('gives every write of the branch one revision, with the sub-revisions in op order', () => {
    const store = storeWith(['a', '1']);
    const commits: [number, string[]][] = [];
    store.onCommit((revision, changes) => commits.push([revision, changes.map((c) => `${c.type} ${c.kv.key}`)]));
    const response = txn(store, { success: [put('b', '1'), del('a'), put('c', '1')] });
    expect(response.header.revision).toBe(3);
    expect(store.revision).toBe(3);
    expect(commits).toEqual([[3, ['PUT b', 'DELETE a', 'PUT c']]]);
    expect(everything(store)).toEqual(['"b"="1" c3 m3 v1 l0', '"c"="1" c3 m3 v1 l0']);
  });

  it('returns one response per op, in order, and later ops see the writes of earlier ones', () => {
    const store = storeWith(['a', '1']);
    const response = txn(store, {
      success: [get('a'), put('b', '1'), get('b'), del('a'), get('a', '\0'), put('c', '1')],
    });
    expect(response.responses.map(readable)).toEqual([
      'range @2 ["a"="1" c2 m2 v1 l0] count 1',
      'put @3',
      'range @3 ["b"="1" c3 m3 v1 l0] count 1',
      'delete @3 deleted 1',
      'range @3 ["b"="1" c3 m3 v1 l0] count 1',
      'put @3',
    ]);
    expect(everything(store)).toEqual(['"b"="1" c3 m3 v1 l0', '"c"="1" c3 m3 v1 l0']);
  });

  it('passes each op its options: prevKv, limit, a past revision', () => {
    const store = storeWith(['a', '1'], ['b', '1']);
    const response = txn(store, {
      success: [
        { type: 'put', key: 'a', value: '2', options: { prevKv: true } },
        { type: 'range', key: 'a', rangeEnd: '\0', options: { limit: 1, revision: 2 } },
        { type: 'delete', key: 'b', options: { prevKv: true } },
      ],
    });
    expect(response.responses.map(readable)).toEqual([
      'put @4 prev "a"="1" c2 m2 v1 l0',
      'range @4 ["a"="1" c2 m2 v1 l0] count 1',
      'delete @4 deleted 1 prev ["b"="1" c3 m3 v1 l0]',
    ]);
  });

  it('does not move the revision when the branch changes nothing, and header.revision is the current one', () => {
    const store = storeWith(['a', '1'], ['a', '2']);
    expect(txn(store, { success: [get('a'), del('missing')] })).toMatchObject({ succeeded: true, header: { revision: 3 } });
    expect(txn(store, { compare: [cmp('a', 'version', '=', 9)], success: [put('a', 'x')] })).toMatchObject({ succeeded: false, header: { revision: 3 }, responses: [] });
    expect(store.revision).toBe(3);
  });

  it('lets the apiserver create only if absent, and update only if unchanged since it read', () => {
    const store = new MvccStore();
    const key = '/registry/pods/default/web';
    const create = (value: string): TxnRequest => ({ compare: [cmp(key, 'modRevision', '=', 0)], success: [put(key, value)], failure: [get(key)] });
    expect(txn(store, create('v1'))).toMatchObject({ succeeded: true, header: { revision: 2 } });
    const again = txn(store, create('v1 again'));
    expect(again.succeeded).toBe(false);
    expect(again.responses.map(readable)).toEqual(['range @2 ["/registry/pods/default/web"="v1" c2 m2 v1 l0] count 1']);
    const update = (read: number, value: string): TxnRequest => ({ compare: [cmp(key, 'modRevision', '=', read)], success: [put(key, value)] });
    expect(txn(store, update(2, 'v2'))).toMatchObject({ succeeded: true, header: { revision: 3 } });
    expect(txn(store, update(2, 'stale'))).toMatchObject({ succeeded: false, header: { revision: 3 } });
    expect(everything(store)).toEqual(['"/registry/pods/default/web"="v2" c2 m3 v2 l0']);
  });
});

describe('all or nothing', () => {
  it('a branch whose third op names an unknown lease fails with LeaseNotFound and leaves nothing, not even a revision', () => {
    const store = storeWith(['a', '1'], ['z', '1']);
    const commits: number[] = [];
    store.onCommit((revision) => commits.push(revision));
    const error = thrownBy(() => txn(store, { success: [put('a', '2'), del('z'), { type: 'put', key: 'b', value: '1', options: { lease: 42 } }, put('c', '1')] }));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'LeaseNotFound', message: expect.stringMatching(/^etcdserver: requested lease not found/) });
    expect(store.revision).toBe(3);
    expect(commits).toEqual([]);
    expect(everything(store)).toEqual(['"a"="1" c2 m2 v1 l0', '"z"="1" c3 m3 v1 l0']);
    expect(txn(store, { success: [put('a', '3')] }).header.revision).toBe(4);
    expect(everything(store)).toEqual(['"a"="3" c2 m4 v2 l0', '"z"="1" c3 m3 v1 l0']);
  });

  it('a range op with a bad limit or a future revision fails the whole branch the same way', () => {
    const store = storeWith(['a', '1']);
    expect(thrownBy(() => txn(store, { success: [put('a', '2'), { type: 'range', key: 'a', options: { limit: -1 } }] }))).toMatchObject({ code: 'InvalidLimit' });
    expect(thrownBy(() => txn(store, { success: [put('a', '2'), { type: 'range', key: 'a', options: { revision: 4 } }] }))).toMatchObject({ code: 'FutureRevision' });
    expect(store.revision).toBe(2);
    expect(everything(store)).toEqual(['"a"="1" c2 m2 v1 l0']);
  });

  it("a range op at the txn's own revision is a future revision, even after the branch wrote, as etcd checks ranges against the revision before the txn", () => {
    const store = storeWith(['a', '1']); // revision 2: the txn would write at 3
    expect(thrownBy(() => txn(store, { success: [put('a', '2'), { type: 'range', key: 'a', options: { revision: 3 } }] }))).toMatchObject({ code: 'FutureRevision' });
    expect(store.revision).toBe(2);
    expect(everything(store)).toEqual(['"a"="1" c2 m2 v1 l0']);
    // Without a revision, a range still sees the branch's own writes.
    const response = txn(store, { success: [put('a', '2'), { type: 'range', key: 'a' }] });
    expect(response.responses[1]).toMatchObject({ type: 'range', response: { kvs: [{ value: '2', modRevision: 3 }] } });
  });

  it('a range op at exactly the revision before the txn is not in the future: it reads the store as it was then', () => {
    const store = storeWith(['a', '1']); // revision 2
    const response = txn(store, { success: [put('a', '2'), { type: 'range', key: 'a', options: { revision: 2 } }] });
    expect(response.responses.map(readable)).toEqual(['put @3', 'range @3 ["a"="1" c2 m2 v1 l0] count 1']);
    expect(store.revision).toBe(3);
  });
});

describe('checked before anything runs', () => {
  const tooMany = (n: number): RequestOp[] => Array.from({ length: n }, (_, i) => put(`k${i}`, 'v'));

  it.each(['compare', 'success', 'failure'] as const)('rejects %s with 129 entries: EtcdError TooManyOps, "etcdserver: too many operations in txn request"', (field) => {
    const store = storeWith(['a', '1']);
    const request: TxnRequest =
      field === 'compare' ? { compare: Array.from({ length: MAX_TXN_OPS + 1 }, () => cmp('a', 'version', '>', 0)) } : { [field]: tooMany(MAX_TXN_OPS + 1) };
    const error = thrownBy(() => txn(store, request));
    expect(error).toBeInstanceOf(EtcdError);
    expect(error).toMatchObject({ code: 'TooManyOps', message: expect.stringMatching(/^etcdserver: too many operations in txn request/) });
    expect(store.revision).toBe(2);
  });

  it('accepts 128 ops in a branch, and 128 compares', () => {
    const store = new MvccStore();
    const response = txn(store, { compare: Array.from({ length: MAX_TXN_OPS }, () => cmp('a', 'version', '=', 0)), success: tooMany(MAX_TXN_OPS) });
    expect(response).toMatchObject({ succeeded: true, header: { revision: 2 } });
    expect(store.range('\0', '\0').count).toBe(128);
  });

  it.each([
    ['two puts of one key', [put('a', '1'), put('a', '2')]],
    ['a put and a delete of that key', [put('a', '1'), del('a')]],
    ['a delete and then a put of that key', [del('a'), put('a', '1')]],
    ['a put inside a delete range', [del('a', 'c'), put('b', '1')]],
    ['a put inside a delete to the end', [put('z', '1'), del('a', '\0')]],
    ['a put inside a prefix delete', [del('a/', 'a0'), put('a/b', '1')]],
  ])('rejects %s in one branch: EtcdError DuplicateKey, "etcdserver: duplicate key given in txn request"', (_name, ops) => {
    const store = storeWith(['a', '0']);
    for (const request of [{ success: ops }, { compare: [cmp('a', 'version', '=', 7)], failure: ops }]) {
      const error = thrownBy(() => txn(store, request));
      expect(error).toMatchObject({ name: 'EtcdError', code: 'DuplicateKey', message: expect.stringMatching(/^etcdserver: duplicate key given in txn request/) });
    }
    expect(store.revision).toBe(2);
    expect(everything(store)).toEqual(['"a"="0" c2 m2 v1 l0']);
  });

  it.each([
    ['a put and a delete of different keys', [put('a', '1'), del('b')]],
    ['a put just outside a delete range', [del('a', 'c'), put('c', '1')]],
    ['two deletes that overlap', [del('a', 'c'), del('b')]],
    ['reads of a key that is put', [get('a'), put('a', '1'), get('a')]],
  ])('accepts %s in one branch', (_name, ops) => {
    const store = storeWith(['a', '0'], ['b', '0']);
    expect(txn(store, { success: ops })).toMatchObject({ succeeded: true, header: { revision: 4 } });
  });

  it('accepts a put of the same key in success and in failure: only one branch runs', () => {
    const store = new MvccStore();
    expect(txn(store, { compare: [cmp('a', 'version', '=', 0)], success: [put('a', 's')], failure: [put('a', 'f')] })).toMatchObject({ succeeded: true });
    expect(everything(store)).toEqual(['"a"="s" c2 m2 v1 l0']);
  });

  const invalidCompare = 'a compare on value needs a string; on version, createRevision or modRevision a whole number';
  it.each([
    ['a value compare with a number', cmp('a', 'value', '=', 1), 'value = 1'],
    ['a modRevision compare with a string', cmp('a', 'modRevision', '=', '2'), 'modRevision = "2"'],
    ['a version compare with a fraction', cmp('a', 'version', '>', 1.5), 'version > 1.5'],
    ['a createRevision compare with NaN', cmp('a', 'createRevision', '<', Number.NaN), 'createRevision < null'],
    ['a compare of an unknown target', cmp('a', 'lease' as Compare['target'], '=', 1), 'target lease, result ='],
    ['a compare with an unknown result', cmp('a', 'version', '>=' as Compare['result'], 1), 'target version, result >='],
  ])('rejects %s: EtcdError InvalidCompare, naming the compare', (_name, compare, detail) => {
    const store = storeWith(['a', '1']);
    const error = thrownBy(() => txn(store, { compare: [compare], success: [put('a', '2')], failure: [put('a', '3')] }));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'InvalidCompare', message: `${invalidCompare} (${detail})` });
    expect(everything(store)).toEqual(['"a"="1" c2 m2 v1 l0']);
  });

  it('checks the compares before the branches: an empty key in a compare is EmptyKey even when a branch has a duplicate key', () => {
    const store = storeWith(['a', '1']);
    expect(thrownBy(() => txn(store, { compare: [cmp('', 'version', '=', 0)], success: [put('a', '2'), put('a', '3')] }))).toMatchObject({ code: 'EmptyKey' });
  });

  it('checks in the order of the table: each compare whole (key first) before the next, the compares before the ops, an empty key before a duplicate one', () => {
    const store = storeWith(['a', '1']);
    const codeOf = (request: TxnRequest) => (thrownBy(() => txn(store, request)) as { code?: string }).code;
    expect(codeOf({ compare: [cmp('a', 'value', '=', 1), cmp('', 'version', '=', 0)] }), 'the first compare is wrong first').toBe('InvalidCompare');
    expect(codeOf({ compare: [cmp('', 'value', '=', 1)] }), 'a compare\'s key before its value').toBe('EmptyKey');
    expect(codeOf({ compare: [cmp('a', 'value', '=', 1)], success: [put('', '1')] }), 'the compares before the ops').toBe('InvalidCompare');
    expect(codeOf({ success: [put('a', '1'), put('a', '2'), put('', '3')] }), 'every empty key before any duplicate').toBe('EmptyKey');
    expect(store.revision).toBe(2);
  });

  it('checks the future ranges of the chosen branch only, and takes any whole number in a compare, negative too', () => {
    const store = storeWith(['a', '1']);
    const far = { type: 'range', key: 'a', options: { revision: 99 } } as RequestOp;
    expect(txn(store, { compare: [cmp('a', 'version', '=', 1)], success: [put('b', '1')], failure: [far] }).succeeded, 'the failure branch is not run: its range is not checked').toBe(true);
    expect(txn(store, { compare: [cmp('a', 'version', '>', -1)] }).succeeded, 'version > -1 always holds').toBe(true);
  });

  it('names the duplicate key, and the revisions of a future range', () => {
    const store = storeWith(['a', '1']);
    expect(thrownBy(() => txn(store, { success: [put('b', '1'), del('a', 'c')] }))).toMatchObject({ code: 'DuplicateKey', message: 'etcdserver: duplicate key given in txn request (key "b")' });
    expect(thrownBy(() => txn(store, { success: [{ type: 'range', key: 'a', options: { revision: 3 } }] }))).toMatchObject({
      code: 'FutureRevision',
      message: 'mvcc: required revision is a future revision (store is at 2, asked 3)',
    });
  });

  it('rejects an empty key in a compare or in any op of either branch with EmptyKey, before running anything', () => {
    const store = storeWith(['a', '1']);
    for (const request of [
      { compare: [cmp('', 'version', '=', 0)], success: [put('a', '2')] },
      { success: [put('a', '2'), put('', '1')] },
      { success: [put('a', '2')], failure: [del('')] },
      { success: [get(''), put('a', '2')] },
    ] as TxnRequest[]) {
      expect(thrownBy(() => txn(store, request)), JSON.stringify(request)).toMatchObject({ code: 'EmptyKey', message: 'etcdserver: key is not provided' });
    }
    expect(store.revision).toBe(2);
  });
});

describe('compareHolds', () => {
  it('reads a missing key as zeroes, and its value as never comparable', () => {
    expect(compareHolds(undefined, cmp('a', 'modRevision', '=', 0))).toBe(true);
    expect(compareHolds(undefined, cmp('a', 'createRevision', '>', 0))).toBe(false);
    expect(compareHolds(undefined, cmp('a', 'value', '!=', 'x'))).toBe(false);
    const kv: MvccKeyValue = { key: 'a', value: 'm', createRevision: 2, modRevision: 5, version: 3, lease: 0 };
    expect([compareHolds(kv, cmp('a', 'version', '>', 2)), compareHolds(kv, cmp('a', 'value', '<', 'n')), compareHolds(kv, cmp('a', 'modRevision', '!=', 5))]).toEqual([true, true, false]);
  });
});

// ---- properties -------------------------------------------------------------------------------

/** `value`, printed by fast-check (in a counterexample) as `text`. */
function printedAs<T extends object>(value: T, text: string): T {
  return Object.defineProperty(value, fc.toStringMethod, { value: () => text, configurable: true });
}

/** An op as the source that builds it: put("a", "1"), del("a"), get("a"). */
function showOp(op: RequestOp): string {
  if (op.type === 'put') return `put(${show(op.key)}, ${show(op.value)}${op.options?.lease ? `, lease ${op.options.lease}` : ''})`;
  const end = op.rangeEnd !== undefined ? `, ${show(op.rangeEnd)}` : '';
  return op.type === 'delete' ? `del(${show(op.key)}${end})` : `get(${show(op.key)}${end}${op.options?.limit !== undefined ? `, limit ${op.options.limit}` : ''})`;
}
const shownOp = (op: RequestOp): RequestOp => printedAs(op, showOp(op));

/** A valid op on the key pool: a put, a delete of a key or to the end, a read. */
const validOpArb: fc.Arbitrary<RequestOp> = fc
  .oneof(
    { weight: 3, arbitrary: fc.tuple(poolKeyArb, valueArb).map(([key, value]) => put(key, value)) },
    { weight: 1, arbitrary: poolKeyArb.map((key) => del(key)) },
    { weight: 1, arbitrary: fc.tuple(poolKeyArb, fc.constantFrom(undefined, '\0')).map(([key, end]) => get(key, end)) },
  )
  .map(shownOp);

/** The key of the failing put: no other op of a generated branch writes it. */
const LEASED = 'leased';

/** An op that fails when it runs (not before): a put with an unknown lease, a read with a bad limit. */
const failingOpArb: fc.Arbitrary<RequestOp> = fc
  .oneof(
    fc.constant<RequestOp>({ type: 'put', key: LEASED, value: 'x', options: { lease: 99 } }),
    poolKeyArb.map((key): RequestOp => ({ type: 'range', key, options: { limit: -1 } })),
  )
  .map(shownOp);

/** A store after a history of single puts and deletes on the key pool. */
const historyArb = fc.array(
  fc.oneof({ weight: 3, arbitrary: fc.tuple(poolKeyArb, valueArb).map(([key, value]) => put(key, value)) }, { weight: 1, arbitrary: poolKeyArb.map((key) => del(key)) }).map(shownOp),
  { maxLength: 12 },
);
function replay(history: RequestOp[]): MvccStore {
  const store = new MvccStore();
  for (const op of history) {
    if (op.type === 'put') store.put(op.key, op.value);
    else if (op.type === 'delete') store.delete(op.key);
  }
  return store;
}

/** Drops the puts of a key already put or deleted earlier in `ops`, so that etcd's duplicate-key rule holds. */
function withoutDuplicates(ops: RequestOp[]): RequestOp[] {
  const written = new Set<string>();
  return ops.filter((op) => {
    if (op.type === 'range') return true;
    if (written.has(op.key)) return false;
    written.add(op.key);
    return true;
  });
}

describe('properties', () => {
  test.prop([historyArb, fc.array(validOpArb, { maxLength: 5 }), failingOpArb, fc.array(validOpArb, { maxLength: 3 })])(
    'atomicity: a branch that fails halfway leaves every revision reading as before and moves no revision',
    (history, before, failing, after) => {
      const store = replay(history);
      const revision = store.revision;
      const snapshot = (): string[][] => Array.from({ length: revision }, (_, r) => everything(store, r + 1));
      const expected = snapshot();
      const others = (ops: RequestOp[]): RequestOp[] => ops.filter((op) => op.key !== LEASED);
      const ops = withoutDuplicates([...others(before), failing, ...others(after)]);
      const error = thrownBy(() => txn(store, { success: ops }));
      expect(error).toMatchObject({ name: 'EtcdError', code: expect.stringMatching(/^(LeaseNotFound|InvalidLimit)$/) });
      expect(store.revision).toBe(revision);
      expect(snapshot()).toEqual(expected);
      // and a branch without the failing op runs whole
      const rest = ops.filter((op) => op !== failing);
      const response = txn(store, { success: rest });
      expect(response.responses).toHaveLength(rest.length);
      const changed = response.responses.some((r) => r.type === 'put' || (r.type === 'delete' && r.response.deleted > 0));
      expect(store.revision).toBe(changed ? revision + 1 : revision);
    },
  );

  test.prop([fc.scheduler(), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 })])(
    'compare-and-swap counters: clients that read, then put n+1 if modRevision is unchanged, retrying on failure, never lose an increment',
    async (s, clients, increments) => {
      const store = new MvccStore();
      const key = 'counter';
      store.range(key); // the clients' read, once outside the scheduler: an unwritten kata 02 fails here, not as a stray rejection
      const read = s.scheduleFunction(async function read(client: number) {
        return { client, kv: store.range(key).kvs[0] };
      });
      const swap = s.scheduleFunction(async function swap(client: number, seen: number, next: number) {
        return { client, succeeded: txn(store, { compare: [cmp(key, 'modRevision', '=', seen)], success: [put(key, String(next))] }).succeeded };
      });
      let attempts = 0;
      async function client(id: number): Promise<void> {
        for (let i = 0; i < increments; i++) {
          for (;;) {
            attempts++;
            const { kv } = await read(id);
            const { succeeded } = await swap(id, kv?.modRevision ?? 0, Number(kv?.value ?? '0') + 1);
            if (succeeded) break;
          }
        }
      }
      await s.waitFor(Promise.all(Array.from({ length: clients }, (_, id) => client(id))));
      const total = clients * increments;
      const final = store.range(key).kvs[0];
      expect(final?.value, `${clients} clients x ${increments} increments, ${attempts} attempts\n${s.report().map(String).join('\n')}`).toBe(String(total));
      expect(final?.version).toBe(total); // one successful swap per increment, and no other write
      expect(store.revision).toBe(1 + total);
    },
  );

  test.prop([historyArb, fc.uniqueArray(fc.constantFrom(...KEY_POOL), { minLength: 1, maxLength: 6 }), fc.array(fc.nat({ max: 5 }), { minLength: 6, maxLength: 6 }), fc.array(valueArb, { minLength: 6, maxLength: 6 })])(
    'metamorphic: a txn of ops on distinct keys ends with the same keys, values and versions as the ops applied one by one, in one revision',
    (history, keys, kinds, values) => {
      // op i touches keys[i] only: a put, a delete, a read, or a put with prevKv
      const ops = keys.map((key, i): RequestOp => {
        const kind = kinds[i]! % 4;
        if (kind === 0 || kind === 3) return shownOp({ type: 'put', key, value: values[i]!, ...(kind === 3 && { options: { prevKv: true } }) });
        return shownOp(kind === 1 ? del(key) : get(key));
      });
      const together = replay(history);
      const oneByOne = replay(history);
      const before = together.revision;
      const response = txn(together, { success: ops });
      const separate = ops.map((op) => txn(oneByOne, { success: [op] }).responses[0]!);

      const changes = separate.filter((r) => r.type === 'put' || (r.type === 'delete' && r.response.deleted > 0)).length;
      expect(oneByOne.revision).toBe(before + changes);
      expect(together.revision).toBe(before + (changes > 0 ? 1 : 0));
      expect(response.header.revision).toBe(together.revision);
      // same keys, values and versions; createRevision and modRevision differ only by when
      const state = (store: MvccStore): string[] => store.range('\0', '\0').kvs.map((kv) => `${show(kv.key)}=${show(kv.value)} v${kv.version}`);
      expect(state(together), ops.map(showOp).join(', ')).toEqual(state(oneByOne));
      for (const kv of together.range('\0', '\0').kvs) {
        if (keys.includes(kv.key) && ops[keys.indexOf(kv.key)]!.type === 'put') expect(kv.modRevision).toBe(together.revision);
      }
      // the same answers: what each op saw of the store before it (prevKv, deleted, reads) does not depend on the others
      const answer = (r: ResponseOp): string =>
        r.type === 'put' ? `put ${r.response.prevKv ? line(r.response.prevKv) : '-'}` : r.type === 'delete' ? `delete ${r.response.deleted}` : `range ${lines(r.response.kvs).join(', ')}`;
      expect(response.responses.map(answer)).toEqual(separate.map(answer));
    },
  );
});
