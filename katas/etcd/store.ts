/**
 * The store: every key and its value, in memory, kept in key order.
 *
 * This is the heart of etcd that the apiserver sees: it puts an object at a key such as
 * `/registry/pods/default/web-1` and lists a kind or a namespace by prefix
 * (`range('/registry/pods/default/', prefixEnd('/registry/pods/default/'))`).
 */
import { NotImplemented } from '@kube/kit';
// The helpers and the error you will need (keys.ts is yours to write too):
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
 * How you keep the pairs is up to you: add private fields to the class. Whatever you choose,
 * `range` must return its pairs in key order as {@link compareKeys} defines it (UTF-8 bytes).
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
  // TODO(01): keep the pairs in private fields of your own, here (hint 2 suggests a sorted array).

  /**
   * Stores `value` under `key`, replacing any value the key had.
   *
   * @returns `{ prevKv }`, the pair this put replaced, when `options.prevKv` is true and the key
   *   existed; `{}` otherwise
   * @throws EtcdError `EmptyKey` ("etcdserver: key is not provided") when `key` is `''`
   */
  put(key: string, value: string, options: PutOptions = {}): PutResponse {
    // TODO(01): reject an empty key, then store (or replace) the pair; return the old pair if asked.
    throw new NotImplemented('01', 'MemoryStore.put');
  }

  /**
   * The pair stored under `key`, or undefined when there is none.
   *
   * @throws EtcdError `EmptyKey` when `key` is `''`
   */
  get(key: string): KeyValue | undefined {
    // TODO(01): the pair under key, or undefined (range can do the work).
    throw new NotImplemented('01', 'MemoryStore.get');
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
    // TODO(01): check key and limit, collect the keys in range in order, then apply the options.
    throw new NotImplemented('01', 'MemoryStore.range');
  }

  /**
   * Deletes every key in the range `[key, rangeEnd)` (see {@link inRange}).
   *
   * @returns `{ deleted }`, how many keys were deleted, and with `options.prevKv` the deleted
   *   pairs in key order as `prevKvs`
   * @throws EtcdError `EmptyKey` when `key` is `''`
   */
  delete(key: string, rangeEnd?: string, options: DeleteOptions = {}): DeleteResponse {
    // TODO(01): reject an empty key, remove every key in range, say how many (and which, if asked).
    throw new NotImplemented('01', 'MemoryStore.delete');
  }
}
