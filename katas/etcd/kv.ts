/**
 * The store's API: the {@link KV} interface and the shapes of its requests and responses.
 *
 * The names follow etcd's v3 API (etcdserverpb's RangeRequest, PutRequest, DeleteRangeRequest and
 * their responses) in camelCase: `rangeEnd`, `keysOnly`, `countOnly`, `prevKv`, `more`, `count`.
 * Keys and values are strings; keys are ordered by their UTF-8 bytes (see keys.ts).
 *
 * This file is given. Later katas extend these shapes without changing what is here: kata 02 adds
 * revisions to {@link KeyValue} and a `header` with the store's revision to every response, and a
 * `revision` to {@link RangeOptions}; kata 03 adds transactions, kata 04 watches, kata 05
 * compaction and leases (`lease` in {@link PutOptions}).
 */

/** A key and its value, as the store hands them out. Never changed once handed out. */
export interface KeyValue {
  /** the key: a non-empty string, ordered by its UTF-8 bytes */
  readonly key: string;
  /** the value: any string, the empty string included ('' when read with `keysOnly`) */
  readonly value: string;
}

/** Options of {@link KV.range}. All are optional; `{}` is a plain read of every matching key. */
export interface RangeOptions {
  /** At most this many pairs in `kvs` (the first ones, in key order). 0 or absent: no limit. */
  limit?: number;
  /** Leave the values out: every pair comes back with `value: ''`. */
  keysOnly?: boolean;
  /** Only count: `kvs` comes back empty, `count` says how many keys match. */
  countOnly?: boolean;
}

/** The result of {@link KV.range}. */
export interface RangeResponse {
  /** the matching pairs in key order (UTF-8 byte order), at most `limit` of them */
  kvs: KeyValue[];
  /** how many keys match, ignoring `limit` */
  count: number;
  /** true when `limit` left matching pairs out of `kvs` */
  more: boolean;
}

/** Options of {@link KV.put}. */
export interface PutOptions {
  /** Return the pair this put replaced, if there was one, as `prevKv`. */
  prevKv?: boolean;
}

/** The result of {@link KV.put}. */
export interface PutResponse {
  /** the pair the put replaced: only when asked with `prevKv: true` and the key existed */
  prevKv?: KeyValue;
}

/** Options of {@link KV.delete}. */
export interface DeleteOptions {
  /** Return the deleted pairs, in key order, as `prevKvs`. */
  prevKv?: boolean;
}

/** The result of {@link KV.delete}. */
export interface DeleteResponse {
  /** how many keys were deleted (0 when none matched) */
  deleted: number;
  /** the deleted pairs in key order: only when asked with `prevKv: true` */
  prevKvs?: KeyValue[];
}

/**
 * A key-value store with etcd's semantics. The apiserver (Part II) talks to the store through
 * this interface only, so any store that implements it can stand behind a cluster.
 *
 * Ranges: every method that takes `rangeEnd` reads it as etcd does:
 * - absent or `''`: the one key `key`;
 * - `'\0'`: every key >= `key` (so `key = '\0', rangeEnd = '\0'` is every key);
 * - otherwise: every key k with `key <= k < rangeEnd` in UTF-8 byte order (nothing when
 *   `rangeEnd <= key`); `prefixEnd(p)` as `rangeEnd` gives every key that starts with `p`.
 *
 * Errors: an empty `key` is an `EtcdError` with code `EmptyKey`.
 */
export interface KV {
  /** Stores `value` under `key`, replacing any value it had. */
  put(key: string, value: string, options?: PutOptions): PutResponse;
  /** The pair stored under `key`, or undefined. A shorthand for `range(key).kvs[0]`. */
  get(key: string): KeyValue | undefined;
  /** The pairs of the range `[key, rangeEnd)`, in key order, with their count. */
  range(key: string, rangeEnd?: string, options?: RangeOptions): RangeResponse;
  /** Deletes every key of the range `[key, rangeEnd)`; says how many there were. */
  delete(key: string, rangeEnd?: string, options?: DeleteOptions): DeleteResponse;
}
