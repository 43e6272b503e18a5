/**
 * Kata 01 — etcd: key-value basics. The spec is katas/etcd/01-kv.md.
 *
 * The examples read as the spec, one rule each. The properties check the same rules on many
 * generated cases: compareKeys, prefixEnd and inRange against their definitions (computed on
 * UTF-8 bytes with Buffer), prefix ranges and limited ranges against the keys that were put, and
 * any sequence of operations against a plain Map that is sorted on every read.
 *
 * Pairs are compared by key and value only: kata 02 adds revisions to what the store returns, and
 * these tests must keep passing then.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { compareKeys, EtcdError, inRange, MemoryStore, prefixEnd, type KeyValue, type RangeOptions, type RangeResponse } from '@kube/etcd';
import { byteOrder, hasPrefix } from '../support/bytes.ts';
import { thrownBy } from '../support/errors.ts';
import { keyArb, poolKeyArb, rangeEndArb, smallKeyArb, valueArb } from '../support/keys.ts';
import { inRangeByBytes, KeyspaceModel, type ExpectedRange, type Pair } from '../support/keyspace-model.ts';
import { show, shown } from '../support/show.ts';

/** A store holding `keys`, each with the value "v:<key>". */
function storeWith(...keys: string[]): MemoryStore {
  const store = new MemoryStore();
  for (const key of keys) store.put(key, `v:${key}`);
  return store;
}

/** The keys of a range, in the order returned. */
const keysOf = (response: RangeResponse): string[] => response.kvs.map((kv) => kv.key);

/** Pairs as [key, value], without what later katas add (revisions, versions). */
const pairsOf = (kvs: readonly KeyValue[]): Pair[] => kvs.map((kv) => [kv.key, kv.value]);

/** Keys written as source ("\uFFFF"), so that a failed comparison shows characters you can see. */
const shownKeys = (keys: string[]): string[] => keys.map(show);

/** Pairs written as source: '"a": "v:a"'. */
const shownPairs = (pairs: Pair[]): string[] => pairs.map(([k, v]) => `${show(k)}: ${show(v)}`);

/** A range's pairs, count and more, with keys and values written as source. */
function readable(response: RangeResponse | ExpectedRange): { pairs: string[]; count: number; more: boolean } {
  const pairs = 'kvs' in response ? pairsOf(response.kvs) : response.pairs;
  return { pairs: shownPairs(pairs), count: response.count, more: response.more };
}

describe('the key space: order, ranges and prefixes', () => {
  it('compareKeys orders "\\uFFFF" (EF BF BF) before "\\u{10000}" (F0 90 80 80), as their UTF-8 bytes do and JavaScript\'s < does not', () => {
    expect('\u{10000}' < '\uffff').toBe(true); // UTF-16: D800 DC00 < FFFF. Not the order we want.
    expect(compareKeys('\uffff', '\u{10000}')).toBeLessThan(0);
    expect(compareKeys('\u{10000}', '\uffff')).toBeGreaterThan(0);
  });

  it('compareKeys puts a key before the longer keys that start with it, and returns 0 only for equal keys', () => {
    expect(compareKeys('a', 'a/')).toBeLessThan(0);
    expect(compareKeys('a/', 'a')).toBeGreaterThan(0);
    expect(compareKeys('a/b', 'a0')).toBeLessThan(0);
    expect(compareKeys('\u{10000}', '\u{10000}')).toBe(0);
    expect(compareKeys('Z', 'a')).toBeLessThan(0); // bytes, not the alphabet: 'Z' is 0x5A, 'a' 0x61
  });

  it('inRange reads a range end as etcd does: one key, every key from the start, or [start, rangeEnd)', () => {
    expect([inRange('a', 'a'), inRange('ab', 'a'), inRange('a', 'a', '')]).toEqual([true, false, true]);
    expect([inRange('a', 'a', '\0'), inRange('\u{10FFFF}', 'a', '\0'), inRange('Z', 'a', '\0')]).toEqual([true, true, false]);
    expect([inRange('b', 'a', 'c'), inRange('a', 'a', 'c'), inRange('c', 'a', 'c'), inRange('b', 'c', 'a')]).toEqual([true, true, false, false]);
    expect(inRange('\u{10000}', '\uffff', '\u{10001}')).toBe(true); // by bytes, not by JavaScript's <
  });

  it.each([
    ['a', 'b'],
    ['abc', 'abd'],
    ['/registry/pods/', '/registry/pods0'],
    ['\x7f', '\x80'],
    ['\u00e9', '\u00ea'],
    ['\u00ff', '\u0100'],
    ['\u07ff', '\u0800'],
    ['\ud7ff', '\ue000'],
    ['\uffff', '\u{10000}'],
    ['a\u{10FFFF}', 'b'],
    ['a\u{10FFFF}\u{10FFFF}', 'b'],
    ['\u{10FFFF}', '\0'],
    ['', '\0'],
  ].map(([prefix, end]) => [show(prefix), show(end), prefix!, end!]))('prefixEnd(%s) is %s', (_prefix, _end, prefix, end) => {
    expect(show(prefixEnd(prefix))).toBe(show(end));
  });
});

describe('put and get', () => {
  it('get returns the pair that put stored under the key', () => {
    const store = new MemoryStore();
    store.put('/registry/pods/default/web-1', '{"kind":"Pod"}');
    expect(store.get('/registry/pods/default/web-1')).toMatchObject({ key: '/registry/pods/default/web-1', value: '{"kind":"Pod"}' });
  });

  it('get returns undefined for a key that was never put', () => {
    const store = storeWith('a', 'ab');
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a/')).toBeUndefined();
  });

  it('put replaces the value of a key that exists, and the key is still there only once', () => {
    const store = new MemoryStore();
    store.put('a', 'one');
    store.put('a', 'two');
    expect(store.get('a')?.value).toBe('two');
    expect(pairsOf(store.range('\0', '\0').kvs)).toEqual([['a', 'two']]);
  });

  it('keeps the empty string as a value like any other', () => {
    const store = new MemoryStore();
    store.put('a', '');
    expect(store.get('a')).toMatchObject({ key: 'a', value: '' });
  });

  it('put with prevKv returns the pair it replaced, and no prevKv when the key is new', () => {
    const store = new MemoryStore();
    expect(store.put('a', 'one', { prevKv: true }).prevKv).toBeUndefined();
    expect(store.put('a', 'two', { prevKv: true }).prevKv).toMatchObject({ key: 'a', value: 'one' });
  });

  it('put without prevKv returns no previous pair', () => {
    const store = storeWith('a');
    expect('prevKv' in store.put('a', 'again'), 'no prevKv field at all, not one set to undefined').toBe(false);
    expect(store.get('a')?.value).toBe('again');
  });

  it('a pair read earlier keeps its value when the key is put again', () => {
    const store = storeWith('a');
    const before = store.get('a');
    const listed = store.range('a').kvs;
    store.put('a', 'changed');
    expect(before?.value).toBe('v:a');
    expect(listed[0]?.value).toBe('v:a');
  });
});

describe('an empty key', () => {
  it.each([
    ['put', (store: MemoryStore) => store.put('', 'v')],
    ['get', (store: MemoryStore) => store.get('')],
    ['range', (store: MemoryStore) => store.range('', '\0')],
    ['delete', (store: MemoryStore) => store.delete('', '\0')],
  ])('is rejected by %s with EtcdError EmptyKey, "etcdserver: key is not provided"', (_method, call) => {
    const store = storeWith('a');
    const error = thrownBy(() => call(store));
    expect(error).toBeInstanceOf(EtcdError);
    expect(error).toMatchObject({ name: 'EtcdError', code: 'EmptyKey', message: 'etcdserver: key is not provided' });
    expect(pairsOf(store.range('\0', '\0').kvs)).toEqual([['a', 'v:a']]); // and nothing changed
  });

  it('is checked before the limit: range with key "" and limit -1 throws EmptyKey, not InvalidLimit', () => {
    const error = thrownBy(() => storeWith('a').range('', '\0', { limit: -1 }));
    expect(error).toMatchObject({ code: 'EmptyKey', message: 'etcdserver: key is not provided' });
  });
});

describe('range of one key', () => {
  it('without a range end returns just that key, not the keys that start with it', () => {
    const store = storeWith('a', 'a/b', 'ab', 'b');
    expect(store.range('a')).toMatchObject({ count: 1, more: false });
    expect(pairsOf(store.range('a').kvs)).toEqual([['a', 'v:a']]);
  });

  it('with the empty string as range end returns just that key too', () => {
    const store = storeWith('a', 'ab');
    expect(keysOf(store.range('a', ''))).toEqual(['a']);
  });

  it('of a key that does not exist returns no pairs and a count of 0', () => {
    const store = storeWith('a', 'c');
    expect(store.range('b')).toMatchObject({ kvs: [], count: 0, more: false });
  });
});

describe('range [key, rangeEnd)', () => {
  it('returns its pairs in UTF-8 byte order, not in JavaScript string order', () => {
    const store = storeWith('\u{10000}', 'é', '\uffff', 'a/b', 'a', 'Z', '\u{10FFFF}', 'a0');
    expect(shownKeys(keysOf(store.range('\0', '\0')))).toEqual(shownKeys(['Z', 'a', 'a/b', 'a0', 'é', '\uffff', '\u{10000}', '\u{10FFFF}']));
  });

  it('includes the key and excludes the range end', () => {
    const store = storeWith('a', 'b', 'c', 'd');
    expect(keysOf(store.range('b', 'd'))).toEqual(['b', 'c']);
    expect(store.range('b', 'd')).toMatchObject({ count: 2, more: false });
  });

  it('does not need its bounds to be keys that exist', () => {
    const store = storeWith('a', 'b', 'c', 'd');
    expect(keysOf(store.range('aa', 'cc'))).toEqual(['b', 'c']);
  });

  it('returns nothing, and no error, when the range end is at or before the key', () => {
    const store = storeWith('a', 'b', 'c');
    expect(store.range('b', 'a')).toMatchObject({ kvs: [], count: 0, more: false });
    expect(store.range('b', 'b')).toMatchObject({ kvs: [], count: 0, more: false });
  });

  it('with range end "\\0" returns every key from the key on', () => {
    const store = storeWith('a', 'b', 'c', '\u{10FFFF}');
    expect(shownKeys(keysOf(store.range('b', '\0')))).toEqual(shownKeys(['b', 'c', '\u{10FFFF}']));
  });

  it('with key "\\0" and range end "\\0" returns every key', () => {
    const store = storeWith('c', '\0', 'a', 'b');
    expect(shownKeys(keysOf(store.range('\0', '\0')))).toEqual(shownKeys(['\0', 'a', 'b', 'c']));
  });
});

describe('prefix ranges', () => {
  it('range(prefix, prefixEnd(prefix)) lists exactly the keys under the prefix, in order: how the apiserver lists pods', () => {
    const store = storeWith(
      '/registry/pods/kube-system/coredns',
      '/registry/pods/default/web-2',
      '/registry/pods/default/web-1',
      '/registry/podtemplates/default/t',
      '/registry/pods0',
      '/registry/nodes/node-1',
    );
    expect(keysOf(store.range('/registry/pods/', prefixEnd('/registry/pods/')))).toEqual([
      '/registry/pods/default/web-1',
      '/registry/pods/default/web-2',
      '/registry/pods/kube-system/coredns',
    ]);
    expect(keysOf(store.range('/registry/pods/default/', prefixEnd('/registry/pods/default/')))).toEqual([
      '/registry/pods/default/web-1',
      '/registry/pods/default/web-2',
    ]);
  });

  it('pages through a prefix as the apiserver does: a limit, then the next page from the last key + "\\0"', () => {
    const store = storeWith('/registry/pods/default/a', '/registry/pods/default/b', '/registry/pods/default/c', '/registry/pods0');
    const end = prefixEnd('/registry/pods/');
    const first = store.range('/registry/pods/', end, { limit: 2 });
    expect(keysOf(first)).toEqual(['/registry/pods/default/a', '/registry/pods/default/b']);
    expect(first).toMatchObject({ count: 3, more: true });
    const second = store.range(`${first.kvs[1]?.key}\0`, end, { limit: 2 });
    expect(keysOf(second)).toEqual(['/registry/pods/default/c']);
    expect(second).toMatchObject({ count: 1, more: false });
  });
});

describe('range options', () => {
  it('a limit returns the first pairs in key order, counts every match, and sets more', () => {
    const store = storeWith('d', 'b', 'a', 'c');
    const page = store.range('a', '\0', { limit: 2 });
    expect(keysOf(page)).toEqual(['a', 'b']);
    expect(page).toMatchObject({ count: 4, more: true });
  });

  it('more is false when the limit leaves nothing out', () => {
    const store = storeWith('a', 'b', 'c');
    expect(store.range('a', '\0', { limit: 3 })).toMatchObject({ count: 3, more: false });
    expect(store.range('a', '\0', { limit: 10 })).toMatchObject({ count: 3, more: false });
  });

  it('limit 0 means no limit', () => {
    const store = storeWith('a', 'b', 'c');
    const all = store.range('a', '\0', { limit: 0 });
    expect(keysOf(all)).toEqual(['a', 'b', 'c']);
    expect(all).toMatchObject({ count: 3, more: false });
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects limit %s with EtcdError InvalidLimit, saying what it got, even with countOnly', (limit) => {
    const store = storeWith('a');
    const error = thrownBy(() => store.range('a', '\0', { limit }));
    expect(error).toBeInstanceOf(EtcdError);
    expect(error).toMatchObject({ code: 'InvalidLimit', message: `limit must be a whole number >= 0, where 0 means no limit (got ${limit})` });
    expect(thrownBy(() => store.range('a', '\0', { countOnly: true, limit })), 'the limit is checked before anything else').toMatchObject({ code: 'InvalidLimit' });
  });

  it('keysOnly returns the same keys, each with the value ""', () => {
    const store = storeWith('a', 'b', 'c');
    const response = store.range('a', 'c', { keysOnly: true });
    expect(pairsOf(response.kvs)).toEqual([['a', ''], ['b', '']]);
    expect(response).toMatchObject({ count: 2, more: false });
    expect(store.get('a')?.value).toBe('v:a'); // the values are still stored
  });

  it('countOnly returns the count and no pairs, whatever the limit', () => {
    const store = storeWith('a', 'b', 'c');
    expect(store.range('a', '\0', { countOnly: true })).toMatchObject({ kvs: [], count: 3, more: false });
    expect(store.range('a', '\0', { countOnly: true, limit: 1 })).toMatchObject({ kvs: [], count: 3, more: false });
    expect(store.range('a', '\0', { countOnly: true, keysOnly: true })).toMatchObject({ kvs: [], count: 3, more: false });
  });
});

describe('delete', () => {
  it('deletes one key, says it deleted 1, and leaves the keys that start with it', () => {
    const store = storeWith('a', 'a/b', 'ab');
    const response = store.delete('a');
    expect(response).toMatchObject({ deleted: 1 });
    expect('prevKvs' in response, 'prevKvs only when asked for with prevKv: true').toBe(false);
    expect(store.get('a')).toBeUndefined();
    expect(keysOf(store.range('\0', '\0'))).toEqual(['a/b', 'ab']);
  });

  it('deletes nothing and says 0 for a key that does not exist', () => {
    const store = storeWith('a', 'c');
    expect(store.delete('b')).toMatchObject({ deleted: 0 });
    expect(keysOf(store.range('\0', '\0'))).toEqual(['a', 'c']);
  });

  it('deletes every key of [key, rangeEnd) and says how many', () => {
    const store = storeWith('a', 'b', 'c', 'd');
    expect(store.delete('b', 'd')).toMatchObject({ deleted: 2 });
    expect(keysOf(store.range('\0', '\0'))).toEqual(['a', 'd']);
    expect(store.delete('d', 'a')).toMatchObject({ deleted: 0 }); // an empty range deletes nothing
  });

  it('deletes exactly the keys under a prefix with prefixEnd', () => {
    const store = storeWith('/registry/pods/default/a', '/registry/pods/default/b', '/registry/pods/kube-system/c', '/registry/pods0');
    expect(store.delete('/registry/pods/default/', prefixEnd('/registry/pods/default/'))).toMatchObject({ deleted: 2 });
    expect(keysOf(store.range('\0', '\0'))).toEqual(['/registry/pods/kube-system/c', '/registry/pods0']);
  });

  it('deletes every key with key "\\0" and range end "\\0"', () => {
    const store = storeWith('\0', 'a', '\u{10FFFF}');
    expect(store.delete('\0', '\0')).toMatchObject({ deleted: 3 });
    expect(store.range('\0', '\0')).toMatchObject({ kvs: [], count: 0 });
  });

  it('with prevKv returns the deleted pairs in key order', () => {
    const store = storeWith('c', 'a', 'b');
    const response = store.delete('a', 'c', { prevKv: true });
    expect(response.deleted).toBe(2);
    expect(pairsOf(response.prevKvs ?? [])).toEqual([['a', 'v:a'], ['b', 'v:b']]);
  });

  it('a deleted key can be put again', () => {
    const store = storeWith('a');
    store.delete('a');
    store.put('a', 'back');
    expect(store.get('a')).toMatchObject({ key: 'a', value: 'back' });
  });
});

// ----------------------------------------------------------------------------------------------
// Properties. A failure prints the smallest case fast-check found, written as source, and the
// command to replay it.

describe('properties of the key space', () => {
  test.prop([shown(fc.record({ a: keyArb, b: keyArb }))])('compareKeys has the sign of comparing the UTF-8 bytes, for any two keys', ({ a, b }) => {
    expect(Math.sign(compareKeys(a, b)), `compareKeys(${show(a)}, ${show(b)})`).toBe(Math.sign(byteOrder(a, b)));
  });

  test.prop([shown(fc.record({ key: keyArb, start: keyArb, rangeEnd: rangeEndArb }))])(
    'inRange(key, start, rangeEnd) holds exactly when the bytes say the key is in the range',
    ({ key, start, rangeEnd }) => {
      expect(inRange(key, start, rangeEnd), `inRange(${show(key)}, ${show(start)}, ${show(rangeEnd)})`).toBe(inRangeByBytes(key, start, rangeEnd));
    },
  );

  test.prop([shown(fc.record({ prefix: keyArb, key: fc.oneof(keyArb, fc.tuple(keyArb, smallKeyArb).map(([p, s]) => p + s)) }))])(
    'prefixEnd(prefix) ends the range of exactly the keys that start with the prefix',
    ({ prefix, key }) => {
      const end = prefixEnd(prefix);
      // Read the range by bytes here, not with inRange: this property is about prefixEnd alone.
      const selected = byteOrder(key, prefix) >= 0 && (end === '\0' || byteOrder(key, end) < 0);
      expect(selected, `${show(key)} in [${show(prefix)}, prefixEnd(${show(prefix)}) = ${show(end)})`).toBe(hasPrefix(key, prefix));
    },
  );
});

describe('properties of ranges', () => {
  test.prop([
    shown(
      fc.record({
        prefix: keyArb,
        others: fc.uniqueArray(keyArb, { maxLength: 20 }),
        suffixes: fc.uniqueArray(fc.oneof(smallKeyArb, fc.constant('')), { maxLength: 6 }),
      }),
    ),
  ])('a prefix range holds exactly the keys that start with the prefix, in byte order', ({ prefix, others, suffixes }) => {
    const keys = [...new Set([...others, ...suffixes.map((suffix) => prefix + suffix)])];
    const store = storeWith(...keys);
    const expected = keys.filter((key) => hasPrefix(key, prefix)).sort(byteOrder);
    const response = store.range(prefix, prefixEnd(prefix));
    expect(shownKeys(keysOf(response)), `range(${show(prefix)}, prefixEnd(${show(prefix)}))`).toEqual(shownKeys(expected));
    expect(response.count).toBe(expected.length);
  });

  test.prop([
    shown(
      fc.record({
        keys: fc.uniqueArray(keyArb, { maxLength: 20 }),
        start: keyArb,
        rangeEnd: rangeEndArb,
        limit: fc.nat({ max: 22 }),
      }),
    ),
  ])('a range is sorted and complete, counts every match, and with any limit, keysOnly or countOnly returns the head of it', ({ keys, start, rangeEnd, limit }) => {
    const store = storeWith(...keys);
    const model = new KeyspaceModel();
    for (const key of keys) model.put(key, `v:${key}`);
    const selected = model.select(start, rangeEnd);
    const call = (options: RangeOptions): string => `range(${show(start)}, ${show(rangeEnd)}, ${show(options)})`;
    for (const options of [{}, { limit }, { limit, keysOnly: true }, { limit, countOnly: true }] as RangeOptions[]) {
      expect(readable(store.range(start, rangeEnd, options)), call(options)).toEqual(readable(model.answer(selected, options)));
    }
  });
});

// ----------------------------------------------------------------------------------------------
// Model-based: any sequence of operations gives the answers a plain Map gives. Each command
// prints as the call it makes, so a failure reads as a story: [put("a", ""), range("\0", "\0")].

type Command = fc.Command<KeyspaceModel, MemoryStore>;

/** A range end as a command holds it: a string, or "the prefix end of the command's key". */
type End = string | { prefix: true };
const endArb: fc.Arbitrary<End> = fc.oneof(
  { weight: 2, arbitrary: rangeEndArb.filter((end): end is string => end !== undefined) },
  { weight: 1, arbitrary: poolKeyArb },
  { weight: 1, arbitrary: fc.constant({ prefix: true as const }) },
);
const resolve = (key: string, end: End): string => (typeof end === 'string' ? end : prefixEnd(key));
const showEnd = (key: string, end: End): string => (typeof end === 'string' ? show(end) : `prefixEnd(${show(key)})`);
/** The model reads a prefix range by bytes, not through the store's prefixEnd. */
const select = (model: KeyspaceModel, key: string, end: End | undefined): Pair[] =>
  end === undefined ? model.select(key) : typeof end === 'string' ? model.select(key, end) : model.selectPrefix(key);

class PutCommand implements Command {
  constructor(
    readonly key: string,
    readonly value: string,
    readonly prevKv: boolean,
  ) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, store: MemoryStore): void {
    const response = store.put(this.key, this.value, this.prevKv ? { prevKv: true } : {});
    const previous = model.put(this.key, this.value);
    const expected: Pair[] = this.prevKv && previous !== undefined ? [[this.key, previous]] : [];
    expect(shownPairs(pairsOf(response.prevKv ? [response.prevKv] : [])), `${this}.prevKv`).toEqual(shownPairs(expected));
  }
  toString = (): string => `put(${show(this.key)}, ${show(this.value)}${this.prevKv ? ', { prevKv: true }' : ''})`;
}

class GetCommand implements Command {
  constructor(readonly key: string) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, store: MemoryStore): void {
    const got = store.get(this.key);
    const expected: Pair[] = model.data.has(this.key) ? [[this.key, model.data.get(this.key)!]] : [];
    expect(shownPairs(got ? pairsOf([got]) : []), String(this)).toEqual(shownPairs(expected));
  }
  toString = (): string => `get(${show(this.key)})`;
}

class DeleteCommand implements Command {
  constructor(
    readonly key: string,
    readonly prevKv: boolean,
  ) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, store: MemoryStore): void {
    const response = store.delete(this.key, undefined, this.prevKv ? { prevKv: true } : {});
    const removed = model.remove(model.select(this.key));
    expect(response.deleted, `${this}.deleted`).toBe(removed.length);
    if (this.prevKv) expect(shownPairs(pairsOf(response.prevKvs ?? [])), `${this}.prevKvs`).toEqual(shownPairs(removed));
  }
  toString = (): string => `delete(${show(this.key)}${this.prevKv ? ', undefined, { prevKv: true }' : ''})`;
}

class DeleteRangeCommand implements Command {
  constructor(
    readonly key: string,
    readonly end: End,
    readonly prevKv: boolean,
  ) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, store: MemoryStore): void {
    const response = store.delete(this.key, resolve(this.key, this.end), this.prevKv ? { prevKv: true } : {});
    const removed = model.remove(select(model, this.key, this.end));
    expect(response.deleted, `${this}.deleted`).toBe(removed.length);
    if (this.prevKv) expect(shownPairs(pairsOf(response.prevKvs ?? [])), `${this}.prevKvs`).toEqual(shownPairs(removed));
  }
  toString = (): string => `delete(${show(this.key)}, ${showEnd(this.key, this.end)}${this.prevKv ? ', { prevKv: true }' : ''})`;
}

class RangeCommand implements Command {
  constructor(
    readonly key: string,
    readonly end: End | undefined,
    readonly options: RangeOptions,
  ) {}
  check = (): boolean => true;
  run(model: KeyspaceModel, store: MemoryStore): void {
    const rangeEnd = this.end === undefined ? undefined : resolve(this.key, this.end);
    const response = store.range(this.key, rangeEnd, this.options);
    expect(readable(response), String(this)).toEqual(readable(model.answer(select(model, this.key, this.end), this.options)));
  }
  toString = (): string => {
    const options = show(this.options) === '{}' ? '' : `, ${show(this.options)}`;
    const end = this.end === undefined ? (options ? ', undefined' : '') : `, ${showEnd(this.key, this.end)}`;
    return `range(${show(this.key)}${end}${options})`;
  };
}

/** Range options: often a limit (1 to 3), sometimes keysOnly, now and then countOnly; {} shrinks first. */
const optionsArb: fc.Arbitrary<RangeOptions> = fc
  .tuple(fc.nat({ max: 3 }), fc.boolean(), fc.nat({ max: 4 }))
  .map(([limit, keysOnly, dice]) => ({ ...(limit > 0 && { limit }), ...(keysOnly && { keysOnly }), ...(dice === 4 && { countOnly: true }) }));

describe('model-based', () => {
  test.prop([
    fc.commands(
      [
        fc.tuple(poolKeyArb, valueArb, fc.boolean()).map(([key, value, prevKv]) => new PutCommand(key, value, prevKv)),
        poolKeyArb.map((key) => new GetCommand(key)),
        fc.tuple(poolKeyArb, fc.boolean()).map(([key, prevKv]) => new DeleteCommand(key, prevKv)),
        fc.tuple(poolKeyArb, endArb, fc.boolean()).map(([key, end, prevKv]) => new DeleteRangeCommand(key, end, prevKv)),
        fc.tuple(poolKeyArb, fc.option(endArb, { nil: undefined }), optionsArb).map(([key, end, options]) => new RangeCommand(key, end, options)),
      ],
      { maxCommands: 40, size: 'medium' },
    ),
  ])('any sequence of put, get, delete (of a key or a range) and range answers as a plain Map sorted by bytes does', (commands) => {
    fc.modelRun(() => ({ model: new KeyspaceModel(), real: new MemoryStore() }), commands);
  });
});
