/**
 * The key-value store: etcd's data model without the network. The apiserver keeps every object
 * of the cluster here, at keys like `/registry/pods/default/web-1`, and lists them by prefix.
 *
 * Later katas extend this file: revisions (02), transactions (03), watch (04), compaction and
 * leases (05), and the write-ahead log (06).
 */
import { compareKeys } from './keys.ts';
import { ErrorMessages, EtcdError } from './errors.ts';

/** A key and its value, as a range returns them. Later katas add revisions and a version. */
export interface KeyValue {
  key: string;
  value: string;
}

/** How a range reads. */
export interface RangeOptions {
  /** at most this many keys; 0 or absent = no limit; negative is an error */
  limit?: number;
  /** return the keys with empty values */
  keysOnly?: boolean;
  /** return no keys, only the count */
  countOnly?: boolean;
}

/** What a range returns. */
export interface RangeResult {
  /** the matching keys in byte order, at most `limit` of them */
  kvs: KeyValue[];
  /** how many keys match, whatever the limit */
  count: number;
  /** true when the limit left matching keys out */
  more: boolean;
}

/**
 * An in-memory etcd keyspace.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * store.put('/registry/pods/default/web-1', '{"kind":"Pod"}');
 * store.range('/registry/pods/', prefixEnd('/registry/pods/')).count   // 1
 * ```
 */
export class MemoryStore {
  /** Every key, sorted by {@link compareKeys}: a range is a slice of it. */
  private readonly keys: string[] = [];
  private readonly values = new Map<string, string>();

  /** Sets `key` to `value`, creating the key or replacing its value. Throws on an empty key. */
  put(key: string, value: string): void {
    requireKey(key);
    if (!this.values.has(key)) this.keys.splice(this.lowerBound(key), 0, key);
    this.values.set(key, value);
  }

  /** The key and its value, or undefined when the key does not exist. Throws on an empty key. */
  get(key: string): KeyValue | undefined {
    requireKey(key);
    const value = this.values.get(key);
    return value === undefined ? undefined : { key, value };
  }

  /**
   * The keys in `[key, rangeEnd)`, in byte order.
   * - no `rangeEnd` (or ''): just `key`;
   * - `rangeEnd = prefixEnd(key)`: every key starting with `key`;
   * - `rangeEnd = '\0'`: every key >= `key` (and with `key = '\0'`: every key);
   * - `rangeEnd <= key` otherwise: nothing.
   */
  range(key: string, rangeEnd?: string, options: RangeOptions = {}): RangeResult {
    requireKey(key);
    const limit = options.limit ?? 0;
    if (limit < 0 || !Number.isInteger(limit)) throw new EtcdError('InvalidArgument', ErrorMessages.negativeLimit);
    const [from, to] = this.span(key, rangeEnd);
    const count = to - from;
    if (options.countOnly) return { kvs: [], count, more: false };
    const end = limit > 0 ? Math.min(to, from + limit) : to;
    const kvs = this.keys.slice(from, end).map((k) => ({ key: k, value: options.keysOnly ? '' : this.values.get(k)! }));
    return { kvs, count, more: end < to };
  }

  /** Deletes `key`, or every key in `[key, rangeEnd)` as {@link range} selects them; returns how many were deleted. */
  delete(key: string, rangeEnd?: string): number {
    requireKey(key);
    const [from, to] = this.span(key, rangeEnd);
    for (const k of this.keys.splice(from, to - from)) this.values.delete(k);
    return to - from;
  }

  /** The positions `[from, to)` in {@link keys} that a range selects. */
  private span(key: string, rangeEnd: string | undefined): [number, number] {
    const from = this.lowerBound(key);
    if (rangeEnd === undefined || rangeEnd === '') {
      return [from, this.keys[from] === key ? from + 1 : from]; // one key
    }
    if (rangeEnd === '\0') return [from, this.keys.length]; // to the end of the keyspace
    if (compareKeys(rangeEnd, key) <= 0) return [from, from]; // an empty interval
    return [from, this.lowerBound(rangeEnd)];
  }

  /** The position of the first key >= `key` (binary search). */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** etcd rejects an empty key before anything else. */
function requireKey(key: string): void {
  if (key === '') throw new EtcdError('InvalidArgument', ErrorMessages.emptyKey);
}
