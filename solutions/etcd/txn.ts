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
import { EtcdError } from './errors.ts';
import { compareKeys, inRange } from './keys.ts';
import type { Compare, Mvcc, MvccKeyValue, RequestOp, ResponseOp, TxnRequest, TxnResponse, WriteTxn } from './mvcc-api.ts';

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
  checkTxnRequest(request);
  const before = store.revision;
  const { succeeded, responses } = store.write((write) => {
    // The compares read the store inside the write, so nothing can come between them and the ops.
    const holds = (request.compare ?? []).every((compare) => compareHolds(write.range(compare.key).kvs[0], compare));
    const ops = (holds ? request.success : request.failure) ?? [];
    return { succeeded: holds, responses: ops.map((op) => runOp(write, op, before)) };
  });
  // The store's revision now: moved by one if the branch changed something, else as it was.
  return { header: { revision: store.revision }, succeeded, responses };
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
  const compares = request.compare ?? [];
  const branches = [request.success ?? [], request.failure ?? []];
  if (Math.max(compares.length, ...branches.map((ops) => ops.length)) > MAX_TXN_OPS) throw new EtcdError('TooManyOps');
  for (const compare of compares) checkCompare(compare);
  for (const op of branches.flat()) if (op.key === '') throw new EtcdError('EmptyKey');
  for (const ops of branches) checkIntervals(ops);
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
  let order: number;
  if (compare.target === 'value') {
    if (kv === undefined) return false;
    order = compareKeys(kv.value, compare.value as string);
  } else {
    order = (kv?.[compare.target] ?? 0) - (compare.value as number);
  }
  switch (compare.result) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '>':
      return order > 0;
  }
}

const TARGETS = new Set(['version', 'createRevision', 'modRevision', 'value']);
const RESULTS = new Set(['=', '!=', '<', '>']);

/** A compare needs a key, a known target and result, and a value of the target's type. */
function checkCompare(compare: Compare): void {
  if (compare.key === '') throw new EtcdError('EmptyKey');
  if (!TARGETS.has(compare.target) || !RESULTS.has(compare.result)) {
    throw new EtcdError('InvalidCompare', `target ${String(compare.target)}, result ${String(compare.result)}`);
  }
  const valid = compare.target === 'value' ? typeof compare.value === 'string' : Number.isSafeInteger(compare.value);
  if (!valid) throw new EtcdError('InvalidCompare', `${compare.target} ${compare.result} ${JSON.stringify(compare.value)}`);
}

/**
 * etcd's checkIntervals: a branch may not put one key twice, nor put a key inside the range of one
 * of its deletes (before or after the put: the order does not matter). Deletes may overlap.
 */
function checkIntervals(ops: RequestOp[]): void {
  const deletes = ops.filter((op) => op.type === 'delete');
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.type !== 'put') continue;
    if (puts.has(op.key) || deletes.some((del) => inRange(op.key, del.key, del.rangeEnd))) {
      throw new EtcdError('DuplicateKey', `key ${JSON.stringify(op.key)}`);
    }
    puts.add(op.key);
  }
}

/**
 * Runs one op in the write and wraps its response. `before` is the store's revision before the
 * txn: etcd checks a range's revision against it (apply.go, checkRequests), so a range may not ask
 * for the revision the txn itself is writing, though without a revision it sees the txn's writes.
 */
function runOp(write: WriteTxn, op: RequestOp, before: number): ResponseOp {
  switch (op.type) {
    case 'range':
      if ((op.options?.revision ?? 0) > before) throw new EtcdError('FutureRevision', `store is at ${before}, asked ${op.options!.revision}`);
      return { type: 'range', response: write.range(op.key, op.rangeEnd, op.options) };
    case 'put':
      return { type: 'put', response: write.put(op.key, op.value, op.options) };
    case 'delete':
      return { type: 'delete', response: write.delete(op.key, op.rangeEnd, op.options) };
  }
}
