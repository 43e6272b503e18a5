/**
 * The API of the multi-version store (katas 02–05): keys with histories, revisions, transactions,
 * watches and leases, in the shapes of etcd's v3 API (mvccpb.KeyValue, etcdserverpb's Range, Put,
 * DeleteRange, Txn, Watch and Lease messages) in camelCase.
 *
 * This file is given. Kata 01's shapes (kv.ts) stay as they were; a {@link MvccKeyValue} is a
 * {@link KeyValue} that also says where in the store's history it was written.
 *
 * @example
 * ```ts
 * const store = new MvccStore();          // revision 1: a new store has written nothing
 * store.put('a', '1');                    // { header: { revision: 2 } }
 * store.put('a', '2');                    // { header: { revision: 3 } }
 * store.range('a').kvs[0];                // { key: 'a', value: '2', createRevision: 2, modRevision: 3, version: 2, lease: 0 }
 * store.range('a', undefined, { revision: 2 }).kvs[0]?.value; // '1': the past is still there
 * ```
 */
import type { DeleteOptions, KeyValue, RangeOptions } from './kv.ts';

/**
 * A position in the store's history: `main` is the revision of the write (the store's revision
 * after it), `sub` the place of a change within that write (0, 1, ... for the ops of one txn).
 *
 * etcd keeps every version of every key under its revision `{main, sub}` (mvcc/revision.go) and
 * orders revisions by main, then sub.
 */
export interface Revision {
  readonly main: number;
  readonly sub: number;
}

/** A key's value at one point of its history (etcd's mvccpb.KeyValue). */
export interface MvccKeyValue extends KeyValue {
  /** the revision of the write that created the key (the first put after it was absent) */
  readonly createRevision: number;
  /** the revision of the write that last changed the key */
  readonly modRevision: number;
  /** how many puts since the key was created: 1 after the first, reset by a delete */
  readonly version: number;
  /** the lease the key is attached to, 0 for none (kata 05) */
  readonly lease: number;
}

/**
 * One change the store recorded: a put (the key's new {@link MvccKeyValue}) or a delete (a
 * tombstone: `kv` has the key and `modRevision` = the delete's revision, every other field zero and
 * the value empty, as in etcd's DELETE events).
 */
export interface Change {
  readonly type: 'PUT' | 'DELETE';
  readonly kv: MvccKeyValue;
}

/** What every response carries: the store's revision when the request was served. */
export interface ResponseHeader {
  /** the store's current revision, after the request (for a historical read too) */
  readonly revision: number;
}

/** Options of {@link Mvcc.range}: kata 01's options, plus the revision to read at. */
export interface MvccRangeOptions extends RangeOptions {
  /** Read the store as it was at this revision. 0, negative or absent: the current revision. */
  revision?: number;
}

/** The result of {@link Mvcc.range}. */
export interface MvccRangeResponse {
  header: ResponseHeader;
  /** the matching pairs in key order, at most `limit` */
  kvs: MvccKeyValue[];
  /** how many keys match at that revision, ignoring `limit` */
  count: number;
  /** true when `limit` left matching pairs out */
  more: boolean;
}

/** Options of {@link Mvcc.put}. */
export interface MvccPutOptions {
  /** Return the pair this put replaced, if there was one, as `prevKv`. */
  prevKv?: boolean;
  /** Attach the key to this lease (kata 05); 0 or absent: no lease. */
  lease?: number;
}

/** The result of {@link Mvcc.put}. */
export interface MvccPutResponse {
  header: ResponseHeader;
  /** the pair the put replaced: only when asked with `prevKv: true` and the key existed */
  prevKv?: MvccKeyValue;
}

/** The result of {@link Mvcc.delete}. */
export interface MvccDeleteResponse {
  header: ResponseHeader;
  /** how many keys were deleted */
  deleted: number;
  /** the deleted pairs in key order: only when asked with `prevKv: true` */
  prevKvs?: MvccKeyValue[];
}

/**
 * The reads and writes of one transaction: every write in it lands at the same revision, and its
 * reads see its own earlier writes. `Mvcc.write` hands one to its body.
 */
export interface WriteTxn {
  /** the revision this transaction's writes get: the store's revision before it, plus one */
  readonly revision: number;
  /** Reads as {@link Mvcc.range} does, seeing this transaction's writes so far. */
  range(key: string, rangeEnd?: string, options?: MvccRangeOptions): MvccRangeResponse;
  /** Writes as {@link Mvcc.put} does, at this transaction's revision. */
  put(key: string, value: string, options?: MvccPutOptions): MvccPutResponse;
  /** Deletes as {@link Mvcc.delete} does, at this transaction's revision. */
  delete(key: string, rangeEnd?: string, options?: DeleteOptions): MvccDeleteResponse;
}

/** The multi-version store the later katas and the apiserver use (kata 02; txn in kata 03). */
export interface Mvcc {
  /** The revision of the latest write; 1 for a store that has written nothing. */
  readonly revision: number;
  /** Reads the range `[key, rangeEnd)` at `options.revision` (default: now). */
  range(key: string, rangeEnd?: string, options?: MvccRangeOptions): MvccRangeResponse;
  /** Stores `value` under `key` in a write of its own. */
  put(key: string, value: string, options?: MvccPutOptions): MvccPutResponse;
  /** Deletes the range `[key, rangeEnd)` in a write of its own. */
  delete(key: string, rangeEnd?: string, options?: DeleteOptions): MvccDeleteResponse;
  /**
   * Runs `body` as one write transaction: everything it writes gets one revision, and the store's
   * revision moves only if it changed something. If `body` throws, nothing it wrote is kept.
   */
  write<T>(body: (txn: WriteTxn) => T): T;
}

// ---- kata 03: transactions --------------------------------------------------------------------

/** What a {@link Compare} looks at (etcd's Compare.target, minus LEASE). */
export type CompareTarget = 'version' | 'createRevision' | 'modRevision' | 'value';

/** How a {@link Compare} compares (etcd's Compare.result). */
export type CompareResult = '=' | '!=' | '<' | '>';

/**
 * One condition of a transaction: `target` of `key` compared with `value`.
 *
 * @example `{ key: '/registry/pods/default/web', target: 'modRevision', result: '=', value: 0 }`
 *   holds while the key does not exist: the apiserver's "create only if absent".
 */
export interface Compare {
  key: string;
  target: CompareTarget;
  result: CompareResult;
  /** a number for version, createRevision and modRevision; a string for value */
  value: number | string;
}

/** One operation of a transaction's branch. */
export type RequestOp =
  | { type: 'range'; key: string; rangeEnd?: string; options?: MvccRangeOptions }
  | { type: 'put'; key: string; value: string; options?: MvccPutOptions }
  | { type: 'delete'; key: string; rangeEnd?: string; options?: DeleteOptions };

/** The result of one {@link RequestOp}, in the same order as the ops. */
export type ResponseOp =
  | { type: 'range'; response: MvccRangeResponse }
  | { type: 'put'; response: MvccPutResponse }
  | { type: 'delete'; response: MvccDeleteResponse };

/** A transaction: if every compare holds, run `success`, else run `failure`. */
export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

/** The result of a transaction. */
export interface TxnResponse {
  header: ResponseHeader;
  /** true when every compare held and `success` ran */
  succeeded: boolean;
  /** the responses of the branch that ran, one per op */
  responses: ResponseOp[];
}
