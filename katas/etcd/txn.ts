/**
 * Transactions: "if these compares hold, do these ops, else those", atomically, in one revision
 * (etcd's Txn: etcdserver/apply.go applyTxn, v3rpc/key.go checkTxnRequest and checkIntervals).
 *
 * This is how Kubernetes never loses an update: the apiserver reads an object at modRevision r,
 * changes it, and writes it back with
 * `txn(store, { compare: [{ key, target: 'modRevision', result: '=', value: r }], success: [put] })`.
 * If anyone wrote the key since r, the compare fails and nothing is written: a Conflict.
 *
 * @example
 * ```ts
 * const store = new MvccStore();
 * // create only if absent: a missing key's modRevision compares as 0
 * txn(store, { compare: [{ key: 'a', target: 'modRevision', result: '=', value: 0 }], success: [{ type: 'put', key: 'a', value: '1' }] });
 * // { header: { revision: 2 }, succeeded: true, responses: [{ type: 'put', response: { header: { revision: 2 } } }] }
 * txn(store, {
 *   compare: [{ key: 'a', target: 'value', result: '=', value: '0' }],
 *   success: [{ type: 'put', key: 'a', value: '1' }],
 *   failure: [{ type: 'range', key: 'a' }],
 * });
 * // { header: { revision: 2 }, succeeded: false, responses: [{ type: 'range', response: { kvs: [a = '1' ...], ... } }] }
 * ```
 */
import { NotImplemented } from '@kube/kit';
import type { Compare, Mvcc, MvccKeyValue, TxnRequest, TxnResponse } from './mvcc-api.ts';

/** The most ops a compare list or a branch may have (etcd's --max-txn-ops default, 128). */
export const MAX_TXN_OPS = 128;

/**
 * Runs a transaction on `store`: checks the request, then, in one write, evaluates every compare,
 * runs `success` if all hold and `failure` otherwise, op by op, each op seeing the ones before.
 * All the branch's writes share one revision; if an op fails, nothing of the branch is kept.
 *
 * @throws EtcdError `TooManyOps`, `InvalidCompare`, `EmptyKey`, `DuplicateKey` (checked before
 *   anything runs); or whatever an op throws (`LeaseNotFound`, `InvalidLimit`, `FutureRevision`),
 *   after which the store is as it was
 */
export function txn(store: Mvcc, request: TxnRequest): TxnResponse {
  // TODO(03): checkTxnRequest(request); then ONE store.write((write) => ...) in which you evaluate every
  // TODO(03): compare on write.range(compare.key).kvs[0] (compareHolds), and run the chosen branch's ops in
  // TODO(03): order on `write`, wrapping each response as { type, response }. header.revision: store.revision after.
  // TODO(03): Before running the branch: a range op asking for a revision above the store's revision before the
  // TODO(03): txn is a FutureRevision (even the txn's own), as etcd checks it.
  throw new NotImplemented('03', 'txn');
}

/**
 * Checks a transaction before anything runs, in etcd's order: sizes, then each compare and op,
 * then duplicate keys in each branch.
 *
 * @throws EtcdError `TooManyOps` when the compares or a branch have more than {@link MAX_TXN_OPS};
 *   `InvalidCompare` for a compare whose value has the wrong type, or whose target or result is
 *   not one of the four; `EmptyKey` for a compare or op
 *   without a key; `DuplicateKey` when a branch puts one key twice, or puts a key that one of its
 *   deletes covers
 */
export function checkTxnRequest(request: TxnRequest): void {
  // TODO(03): TooManyOps if compare, success or failure is longer than MAX_TXN_OPS; InvalidCompare for a
  // TODO(03): value compare without a string, a revision/version compare without a whole number, or a target or
  // TODO(03): result that is not one of the four (detail `${target} ${result} ${JSON.stringify(value)}`, or
  // TODO(03): `target X, result Y`); each compare whole, its key first, before the next; EmptyKey for
  // TODO(03): a compare or op with key ''; DuplicateKey if a branch puts a key twice or puts a key in one of its
  // TODO(03): delete ranges (inRange(put.key, delete.key, delete.rangeEnd), whatever the order of the two).
  throw new NotImplemented('03', 'checkTxnRequest');
}

/**
 * Whether `compare` holds for `kv`, the pair its key has (undefined: the key does not exist).
 * A missing key compares as version, createRevision and modRevision 0; a value compare on a
 * missing key is always false (etcd cannot tell a missing value from an empty one otherwise).
 * Values compare as bytes (UTF-8), like keys.
 *
 * @example compareHolds(undefined, { key: 'a', target: 'modRevision', result: '=', value: 0 }) // true
 */
export function compareHolds(kv: MvccKeyValue | undefined, compare: Compare): boolean {
  // TODO(03): order = compareKeys(kv.value, value) for 'value' (false if kv is undefined), else
  // TODO(03): (kv?.[target] ?? 0) - value; then '=', '!=', '<', '>' on the sign of order.
  throw new NotImplemented('03', 'compareHolds');
}
