/**
 * Kata 01 — etcd: key-value basics. See katas/etcd/01-kv.md.
 */
import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { compareKeys, MemoryStore, prefixEnd, type KeyValue } from '@kube/etcd';
import { byteOrder, hasPrefix, keyArb, showKey, valueArb } from '../support/keys.ts';
import { inRange, KeyspaceModel } from '../support/keyspace-model.ts';

/** Keys and values only: later katas add revisions to what a range returns. */
const pairs = (kvs: KeyValue[]): [string, string][] => kvs.map((kv) => [kv.key, kv.value]);
const keysOf = (kvs: KeyValue[]): string[] => kvs.map((kv) => kv.key);

function storeWith(...keys: string[]): MemoryStore {
  const store = new MemoryStore();
  for (const key of keys) store.put(key, `v:${key}`);
  return store;
}

describe('put and get', () => {
  it('returns the value that was put', () => {
    const store = new MemoryStore();
    store.put('/registry/pods/default/web-1', '{"kind":"Pod"}');
    expect(store.get('/registry/pods/default/web-1')).toMatchObject({ key: '/registry/pods/default/web-1', value: '{"kind":"Pod"}' });
  });

  it('replaces the value when the key is put again', () => {
    const store = new MemoryStore();
    store.put('a', 'one');
    store.put('a', 'two');
    expect(store.get('a')?.value).toBe('two');
    expect(store.range('a', '\0').count).toBe(1);
  });

  it('keeps an empty value as a value', () => {
    const store = new MemoryStore();
    store.put('a', '');
    expect(store.get('a')).toMatchObject({ key: 'a', value: '' });
  });

  it('returns undefined for a key that was never put', () => {
    const store = storeWith('a');
    expect(store.get('b')).toBeUndefined();
  });

  it.each([
    ['put', (s: MemoryStore) => s.put('', 'v')],
    ['get', (s: MemoryStore) => s.get('')],
    ['range', (s: MemoryStore) => s.range('', '\0')],
    ['delete', (s: MemoryStore) => s.delete('')],
  ])('rejects an empty key in %s with etcd\'s "key is not provided"', (_name, call) => {
    const store = storeWith('a');
    expect(() => call(store)).toThrow('etcdserver: key is not provided');
    expect(() => call(store)).toThrow(expect.objectContaining({ name: 'EtcdError', code: 'InvalidArgument' }));
    expect(store.get('a')?.value).toBe('v:a'); // and nothing stored is lost
  });
});

describe('range', () => {
  it('without a range end returns just that key', () => {
    const store = storeWith('a', 'ab', 'b');
    expect(pairs(store.range('a').kvs)).toEqual([['a', 'v:a']]);
    expect(store.range('a').count).toBe(1);
    expect(store.range('zz').count).toBe(0);
  });

  it('with prefixEnd(prefix) returns exactly the keys under the prefix, sorted', () => {
    const store = storeWith('/registry/pods/default/web-2', '/registry/pods/default/web-1', '/registry/pods0', '/registry/nodes/n1', '/registry/pods/kube-system/dns');
    const result = store.range('/registry/pods/', prefixEnd('/registry/pods/'));
    expect(keysOf(result.kvs)).toEqual(['/registry/pods/default/web-1', '/registry/pods/default/web-2', '/registry/pods/kube-system/dns']);
    expect(result).toMatchObject({ count: 3, more: false });
  });

  it('with range end "\\0" returns every key from the key on', () => {
    const store = storeWith('a', 'b', 'c');
    expect(keysOf(store.range('b', '\0').kvs)).toEqual(['b', 'c']);
  });

  it('with key "\\0" and range end "\\0" returns every key', () => {
    const store = storeWith('c', 'a', 'b');
    expect(keysOf(store.range('\0', '\0').kvs)).toEqual(['a', 'b', 'c']);
  });

  it('with a range end at or before the key returns nothing', () => {
    const store = storeWith('a', 'b', 'c');
    expect(store.range('b', 'a')).toMatchObject({ kvs: [], count: 0, more: false });
    expect(store.range('b', 'b')).toMatchObject({ kvs: [], count: 0, more: false });
  });

  it('orders keys as UTF-8 bytes, not as JavaScript compares strings', () => {
    // '\uffff' is EF BF BF and '\u{10000}' is F0 90 80 80: bytes put '\uffff' first, `<` does not.
    const store = storeWith('\u{10000}', '\uffff', 'z');
    expect(keysOf(store.range('\0', '\0').kvs)).toEqual(['z', '\uffff', '\u{10000}']);
  });

  it('with a limit returns the first keys, counts all of them, and says there is more', () => {
    const store = storeWith('a', 'b', 'c', 'd');
    expect(store.range('a', '\0', { limit: 2 })).toMatchObject({ count: 4, more: true });
    expect(keysOf(store.range('a', '\0', { limit: 2 }).kvs)).toEqual(['a', 'b']);
    expect(store.range('a', '\0', { limit: 4 }).more).toBe(false);
  });

  it('treats limit 0 as no limit', () => {
    const store = storeWith('a', 'b', 'c');
    expect(store.range('a', '\0', { limit: 0 })).toMatchObject({ count: 3, more: false });
    expect(store.range('a', '\0', { limit: 0 }).kvs).toHaveLength(3);
  });

  it('rejects a negative limit with a clear message', () => {
    const store = storeWith('a');
    expect(() => store.range('a', '\0', { limit: -1 })).toThrow('etcdserver: limit must be a whole number >= 0');
  });

  it('with keysOnly returns the keys with empty values', () => {
    const store = storeWith('a', 'b');
    expect(pairs(store.range('a', '\0', { keysOnly: true }).kvs)).toEqual([['a', ''], ['b', '']]);
  });

  it('with countOnly returns the count and no keys', () => {
    const store = storeWith('a', 'b', 'c');
    expect(store.range('a', '\0', { countOnly: true })).toMatchObject({ kvs: [], count: 3 });
  });
});

describe('delete', () => {
  it('deletes one key and says how many it deleted', () => {
    const store = storeWith('a', 'ab');
    expect(store.delete('a')).toBe(1);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('ab')?.value).toBe('v:ab');
  });

  it('of a missing key deletes nothing and returns 0', () => {
    const store = storeWith('a');
    expect(store.delete('b')).toBe(0);
    expect(store.get('a')?.value).toBe('v:a');
  });

  it('over a prefix deletes exactly the keys under it', () => {
    const store = storeWith('/registry/pods/a', '/registry/pods/b', '/registry/pods0', '/registry/nodes/n1');
    expect(store.delete('/registry/pods/', prefixEnd('/registry/pods/'))).toBe(2);
    expect(keysOf(store.range('\0', '\0').kvs)).toEqual(['/registry/nodes/n1', '/registry/pods0']);
  });
});

describe('keys', () => {
  it.each([
    ['a', 'b'],
    ['/registry/pods/', '/registry/pods0'],
    ['a\u{10FFFF}', 'b'],
    ['\u{10FFFF}', '\0'],
    ['\ud7ff', '\ue000'],
    ['é', 'ê'],
  ])('prefixEnd(%j) is %j', (prefix, end) => {
    expect(prefixEnd(prefix)).toBe(end);
  });

  it('compareKeys puts "\\uffff" before "\\u{10000}", as their bytes do', () => {
    expect(compareKeys('\uffff', '\u{10000}')).toBeLessThan(0);
    expect(compareKeys('\u{10000}', '\uffff')).toBeGreaterThan(0);
    expect(compareKeys('ab', 'ab')).toBe(0);
    expect(compareKeys('a', 'ab')).toBeLessThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

test.prop([keyArb, keyArb])('compareKeys agrees with the order of the UTF-8 bytes', (a, b) => {
  expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(byteOrder(a, b)));
});

test.prop([fc.uniqueArray(keyArb, { maxLength: 30 }), keyArb])(
  'a prefix range holds exactly the keys that start with the prefix, multi-byte and U+10FFFF included',
  (keys, prefix) => {
    const store = storeWith(...keys);
    const expected = keys.filter((k) => hasPrefix(k, prefix)).sort(byteOrder);
    expect(keysOf(store.range(prefix, prefixEnd(prefix)).kvs).map(showKey)).toEqual(expected.map(showKey));
  },
);

test.prop([fc.uniqueArray(keyArb, { maxLength: 30 }), keyArb, fc.option(fc.oneof(keyArb, fc.constant('\0')), { nil: undefined }), fc.nat({ max: 35 })])(
  'a range is sorted, complete, and its count and more agree with any limit',
  (keys, key, rangeEnd, limit) => {
    const store = storeWith(...keys);
    const matching = keys.filter((k) => inRange(k, key, rangeEnd)).sort(byteOrder);
    const result = store.range(key, rangeEnd, { limit });
    const expectedKeys = limit === 0 ? matching : matching.slice(0, limit);
    expect(keysOf(result.kvs).map(showKey)).toEqual(expectedKeys.map(showKey));
    expect(result.count).toBe(matching.length);
    expect(result.more).toBe(expectedKeys.length < matching.length);
  },
);

// Model-based: any sequence of commands leaves the store agreeing with a plain Map.
type Real = { store: MemoryStore };

class PutCommand implements fc.Command<KeyspaceModel, Real> {
  constructor(readonly key: string, readonly value: string) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, real: Real): void {
    model.put(this.key, this.value);
    real.store.put(this.key, this.value);
  }
  toString = (): string => `put(${showKey(this.key)}, ${JSON.stringify(this.value)})`;
}

class GetCommand implements fc.Command<KeyspaceModel, Real> {
  constructor(readonly key: string) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, real: Real): void {
    const value = model.data.get(this.key);
    const got = real.store.get(this.key);
    expect(got === undefined ? undefined : got.value, `get(${showKey(this.key)})`).toBe(value);
  }
  toString = (): string => `get(${showKey(this.key)})`;
}

class DeleteCommand implements fc.Command<KeyspaceModel, Real> {
  constructor(readonly key: string, readonly end: End) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, real: Real): void {
    const rangeEnd = resolveEnd(this.key, this.end);
    // The model reads a prefix range by the bytes, not through the store's prefixEnd.
    const expected = this.end === 'prefix' ? model.deletePrefix(this.key) : model.delete(this.key, rangeEnd);
    expect(real.store.delete(this.key, rangeEnd), String(this)).toBe(expected);
  }
  toString = (): string => `delete(${showKey(this.key)}${this.end === undefined ? '' : `, ${showEnd(this.key, this.end)}`})`;
}

class RangeCommand implements fc.Command<KeyspaceModel, Real> {
  constructor(readonly key: string, readonly end: End, readonly limit: number) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, real: Real): void {
    const rangeEnd = resolveEnd(this.key, this.end);
    const all = this.end === 'prefix' ? model.selectPrefix(this.key) : model.select(this.key, rangeEnd);
    const result = real.store.range(this.key, rangeEnd, { limit: this.limit });
    const expected = this.limit === 0 ? all : all.slice(0, this.limit);
    expect(pairs(result.kvs), String(this)).toEqual(expected);
    expect(result.count, `${this}.count`).toBe(all.length);
  }
  toString = (): string => `range(${showKey(this.key)}, ${showEnd(this.key, this.end)}, { limit: ${this.limit} })`;
}

/** A range end as a command holds it: none, "\0", another key, or the prefix end of its key. */
type End = undefined | '\0' | { key: string } | 'prefix';
const endArb: fc.Arbitrary<End> = fc.oneof(fc.constant(undefined), fc.constant('\0' as const), keyArb.map((key) => ({ key })), fc.constant('prefix' as const));
const resolveEnd = (key: string, end: End): string | undefined => (end === 'prefix' ? prefixEnd(key) : typeof end === 'object' ? end.key : end);
const showEnd = (key: string, end: End): string => (end === 'prefix' ? `prefixEnd(${showKey(key)})` : end === undefined ? 'undefined' : showKey(resolveEnd(key, end)!));

test.prop([
  fc.commands(
    [
      fc.tuple(keyArb, valueArb).map(([k, v]) => new PutCommand(k, v)),
      keyArb.map((k) => new GetCommand(k)),
      fc.tuple(keyArb, endArb).map(([k, e]) => new DeleteCommand(k, e)),
      fc.tuple(keyArb, endArb, fc.nat({ max: 5 })).map(([k, e, l]) => new RangeCommand(k, e, l)),
    ],
    { maxCommands: 40 },
  ),
])('any sequence of puts, gets, deletes and ranges agrees with a plain sorted map', (commands) => {
  fc.modelRun(() => ({ model: new KeyspaceModel(), real: { store: new MemoryStore() } }), commands);
});
