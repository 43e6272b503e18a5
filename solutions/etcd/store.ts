/**
 * The store: every key and its value, in memory, kept in key order.
 *
 * This is the heart of etcd that the apiserver sees: it puts an object at a key such as
 * `/registry/pods/default/web-1` and lists a kind or a namespace by prefix
 * (`range('/registry/pods/default/', prefixEnd('/registry/pods/default/'))`).
 */
import { EtcdError } from './errors.ts';
import { compareKeys, inRange } from './keys.ts';
import type {
  DeleteOptions,
  DeleteResponse,
  KV,
  KeyValue,
  PutOptions,
  PutResponse,
  RangeOptions,
  RangeResponse,
} from './kv.ts';

/**
 * A key-value store in memory, with etcd's ranges.
 *
 * The pairs live in one array sorted by key ({@link compareKeys}, UTF-8 byte order), so that every
 * range is a run of neighbours in it: a binary search finds where the run starts, {@link inRange}
 * says where it stops.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * store.put('/registry/pods/default/web-1', '{"kind":"Pod"}');
 * store.get('/registry/pods/default/web-1')?.value;            // '{"kind":"Pod"}'
 * store.range('/registry/pods/', prefixEnd('/registry/pods/')); // { kvs: [...], count: 1, more: false } (prefixEnd: keys.ts)
 * store.delete('/registry/pods/', prefixEnd('/registry/pods/')); // { deleted: 1 }
 * ```
 */
export class MemoryStore implements KV {
  /**
   * Every pair, sorted by key with {@link compareKeys}: the stand-in for etcd's B-tree index.
   *
   * The pairs are never changed in place: a put replaces the element, so the pairs handed out by
   * `range` stay as they were when they were read.
   */
  private readonly pairs: KeyValue[] = [];

  /**
   * Stores `value` under `key`, replacing any value the key had.
   *
   * @returns `{ prevKv }`, the pair this put replaced, when `options.prevKv` is true and the key
   *   existed; `{}` otherwise
   * @throws EtcdError `EmptyKey` ("etcdserver: key is not provided") when `key` is `''`
   */
  put(key: string, value: string, options: PutOptions = {}): PutResponse {
    checkKey(key);
    const at = this.firstAtOrAfter(key); // where `key` is, or would go
    const existing = this.pairs[at];
    const pair: KeyValue = { key, value };
    if (existing?.key === key) {
      this.pairs[at] = pair; // replace: keep the order, drop the old pair
      return options.prevKv ? { prevKv: existing } : {};
    }
    this.pairs.splice(at, 0, pair); // insert where the order wants it
    return {};
  }

  /**
   * The pair stored under `key`, or undefined when there is none.
   *
   * @throws EtcdError `EmptyKey` when `key` is `''`
   */
  get(key: string): KeyValue | undefined {
    return this.range(key).kvs[0];
  }

  /**
   * The pairs whose keys are in the range `[key, rangeEnd)` (see {@link inRange}), in key order.
   *
   * - `kvs`: the matching pairs, the first `options.limit` of them when a limit is set (> 0);
   *   with `keysOnly` every value is `''`; with `countOnly`, `kvs` is empty;
   * - `count`: how many keys match, whatever the limit;
   * - `more`: true when the limit left some matching pairs out.
   *
   * @throws EtcdError `EmptyKey` when `key` is `''`; `InvalidLimit` when `options.limit` is not
   *   a whole number >= 0
   */
  range(key: string, rangeEnd?: string, options: RangeOptions = {}): RangeResponse {
    checkKey(key);
    const limit = options.limit ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new EtcdError('InvalidLimit', `got ${limit}`);

    const { from, to } = this.span(key, rangeEnd);
    const count = to - from;
    // etcd's count_only: the count alone; `more` is about kvs, which is empty, so it is false.
    if (options.countOnly) return { kvs: [], count, more: false };

    const end = limit > 0 ? Math.min(to, from + limit) : to;
    const selected = this.pairs.slice(from, end);
    return {
      kvs: options.keysOnly ? selected.map((pair) => ({ ...pair, value: '' })) : selected,
      count,
      more: end < to,
    };
  }

  /**
   * Deletes every key in the range `[key, rangeEnd)` (see {@link inRange}).
   *
   * @returns `{ deleted }`, how many keys were deleted, and with `options.prevKv` the deleted
   *   pairs in key order as `prevKvs`
   * @throws EtcdError `EmptyKey` when `key` is `''`
   */
  delete(key: string, rangeEnd?: string, options: DeleteOptions = {}): DeleteResponse {
    checkKey(key);
    const { from, to } = this.span(key, rangeEnd);
    // The keys of a range sit side by side in the sorted array: one splice removes them all.
    const removed = this.pairs.splice(from, to - from);
    return options.prevKv ? { deleted: removed.length, prevKvs: removed } : { deleted: removed.length };
  }

  /**
   * Where the range's pairs are in `this.pairs`: indexes `from` (included) to `to` (excluded).
   *
   * The pairs are sorted and a range is a run of neighbours, so two binary searches find it: the
   * run starts at the first key >= `key`, and from there every key is in the range until the first
   * one that is not. (etcd walks its B-tree the same way, treeIndex.visit: AscendGreaterOrEqual
   * from `key`, stop at the end; but it walks every key to count them.)
   */
  private span(key: string, rangeEnd: string | undefined): { from: number; to: number } {
    const from = this.firstAtOrAfter(key);
    const to = this.firstWhereNot(from, (k) => inRange(k, key, rangeEnd));
    return { from, to };
  }

  /** The index of the first pair whose key is >= `key` (this.pairs.length if none). */
  private firstAtOrAfter(key: string): number {
    return this.firstWhereNot(0, (k) => compareKeys(k, key) < 0);
  }

  /**
   * The first index at or after `start` whose key fails `test` (this.pairs.length if none), for a
   * `test` that holds for some keys from `start` on and then fails for all the rest: a binary search.
   */
  private firstWhereNot(start: number, test: (key: string) => boolean): number {
    let low = start;
    let high = this.pairs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (test(this.pairs[middle]!.key)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** etcd checks every request for a key before it looks at anything else (v3rpc/key.go). */
function checkKey(key: string): void {
  if (key === '') throw new EtcdError('EmptyKey');
}
