/**
 * The key-value store: etcd's data model without the network. The apiserver keeps every object
 * of the cluster here, at keys like `/registry/pods/default/web-1`, and lists them by prefix.
 *
 * Later katas extend this file: revisions (02), transactions (03), watch (04), compaction and
 * leases (05), and the write-ahead log (06).
 */
import { NotImplemented } from '@kube/kit';
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
  // TODO(01): choose how to keep the keys so that a range can walk them in byte order
  // (a sorted array with binary search is plenty; etcd uses a B-tree).

  /** Sets `key` to `value`, creating the key or replacing its value. Throws on an empty key. */
  put(key: string, value: string): void {
    // TODO(01): store the value; reject an empty key with ErrorMessages.emptyKey.
    throw new NotImplemented('01', 'MemoryStore.put');
  }

  /** The key and its value, or undefined when the key does not exist. Throws on an empty key. */
  get(key: string): KeyValue | undefined {
    // TODO(01): look the key up.
    throw new NotImplemented('01', 'MemoryStore.get');
  }

  /**
   * The keys in `[key, rangeEnd)`, in byte order.
   * - no `rangeEnd` (or ''): just `key`;
   * - `rangeEnd = prefixEnd(key)`: every key starting with `key`;
   * - `rangeEnd = '\0'`: every key >= `key` (and with `key = '\0'`: every key);
   * - `rangeEnd <= key` otherwise: nothing.
   */
  range(key: string, rangeEnd?: string, options: RangeOptions = {}): RangeResult {
    // TODO(01): select the keys, then apply limit, keysOnly and countOnly.
    throw new NotImplemented('01', 'MemoryStore.range');
  }

  /** Deletes `key`, or every key in `[key, rangeEnd)` as {@link range} selects them; returns how many were deleted. */
  delete(key: string, rangeEnd?: string): number {
    // TODO(01): delete what range would select, and count it.
    throw new NotImplemented('01', 'MemoryStore.delete');
  }
}
