/**
 * Histories of writes for the durable store's properties, the in-memory store as their model, and
 * a comparison of two stores at every revision of their history.
 *
 * A {@link WalOp} is one call on the store. It is applied the same way to a {@link DurableStore}
 * (awaited) and to a plain {@link MvccStore} (the model: the store that "did the same writes" and
 * never crashed). A compaction picks its revision from the store it runs on, so that the same op
 * compacts both at the same revision, or neither.
 *
 * @example
 * ```ts
 * const ops: WalOp[] = [{ kind: 'put', key: 'a', value: '1' }, { kind: 'delete', key: 'a' }];
 * const model = modelOf(ops);        // an MvccStore at revision 3
 * differences(recovered, model);     // [] when they agree at revisions 1, 2, 3
 * ```
 */
import fc from 'fast-check';
import { EtcdError, MvccStore, type DurableStore } from '@kube/etcd';
import { show } from './show.ts';

/** One call on the store. */
export type WalOp =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'delete'; key: string; prefix: boolean }
  | { kind: 'txn'; puts: [string, string][]; deletes: string[] }
  | { kind: 'compact'; pick: number };

/** The keys: few, close together, so that puts replace and deletes find something. */
export const walKeyArb = fc.constantFrom('a', 'a/1', 'a/2', 'b', '\u{10000}');

/** Values: empty, short, with characters whose UTF-8 is several bytes. */
export const walValueArb = fc.oneof(fc.constantFrom('', 'v', 'é', '\u{1F600}'), fc.string({ maxLength: 12 }));

/** Any op; compactions rarer than writes. */
export const walOpArb: fc.Arbitrary<WalOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), key: walKeyArb, value: walValueArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: walKeyArb, prefix: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('txn' as const),
      puts: fc.uniqueArray(fc.tuple(walKeyArb, walValueArb), { maxLength: 3, selector: ([k]) => k }),
      deletes: fc.uniqueArray(walKeyArb, { maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), pick: fc.nat() }) },
);

/** An op as the call it makes, for a failing case to read. */
export function showOp(op: WalOp): string {
  switch (op.kind) {
    case 'put':
      return `put(${show(op.key)}, ${show(op.value)})`;
    case 'delete':
      return op.prefix ? `delete(${show(op.key)}, prefixEnd(${show(op.key)}))` : `delete(${show(op.key)})`;
    case 'txn':
      return `write(${[...op.puts.map(([k, v]) => `put(${show(k)}, ${show(v)})`), ...op.deletes.map((k) => `delete(${show(k)})`)].join('; ')})`;
    case 'compact':
      return `compact(pick ${op.pick})`;
  }
}

/** The revision a compaction op compacts at on a store, or undefined when there is none to compact. */
export function compactionTarget(op: { pick: number }, store: { revision: number; compacted: number }): number | undefined {
  const room = store.revision - store.compacted; // revisions compacted+1 .. revision
  return room > 0 ? store.compacted + 1 + (op.pick % room) : undefined;
}

/** The range end of a prefix (a test's own, so that the op does not depend on kata 01's code being right). */
function prefixEndOf(key: string): string {
  return key.slice(0, -1) + String.fromCharCode(key.charCodeAt(key.length - 1) + 1);
}

/** Applies `op` to the model. */
export function applyToModel(model: MvccStore, op: WalOp): void {
  switch (op.kind) {
    case 'put':
      model.put(op.key, op.value);
      return;
    case 'delete':
      model.delete(op.key, op.prefix ? prefixEndOf(op.key) : undefined);
      return;
    case 'txn':
      model.write((txn) => {
        for (const [k, v] of op.puts) txn.put(k, v);
        for (const k of op.deletes) txn.delete(k);
      });
      return;
    case 'compact': {
      const target = compactionTarget(op, model);
      if (target !== undefined) model.compact(target);
    }
  }
}

/** Applies `op` to the durable store, waiting until it is durable. */
export async function applyToDurable(db: DurableStore, op: WalOp): Promise<void> {
  switch (op.kind) {
    case 'put':
      await db.put(op.key, op.value);
      return;
    case 'delete':
      await db.delete(op.key, op.prefix ? prefixEndOf(op.key) : undefined);
      return;
    case 'txn':
      await db.write((txn) => {
        for (const [k, v] of op.puts) txn.put(k, v);
        for (const k of op.deletes) txn.delete(k);
      });
      return;
    case 'compact': {
      const target = compactionTarget(op, db.store);
      if (target !== undefined) await db.compact(target);
    }
  }
}

/** The model after `ops`: a new MvccStore that did them all. */
export function modelOf(ops: readonly WalOp[]): MvccStore {
  const model = new MvccStore();
  for (const op of ops) applyToModel(model, op);
  return model;
}

/** The whole key space at one revision, or the code of the error reading it gives. */
function everythingAt(store: Pick<MvccStore, 'range'>, revision: number): unknown {
  try {
    const { kvs, count, more } = store.range('\0', '\0', { revision });
    return { kvs, count, more };
  } catch (error) {
    if (error instanceof EtcdError) return { error: error.code };
    throw error;
  }
}

/**
 * How `actual` differs from `expected`: revision, compacted revision, and every key with every
 * field at each revision from 1 to the newest (a compacted revision must fail alike). [] if alike.
 */
export function differences(actual: Pick<MvccStore, 'range' | 'revision' | 'compacted'>, expected: MvccStore): string[] {
  const problems: string[] = [];
  if (actual.revision !== expected.revision) problems.push(`revision is ${actual.revision}, expected ${expected.revision}`);
  if (actual.compacted !== expected.compacted) problems.push(`compacted revision is ${actual.compacted}, expected ${expected.compacted}`);
  for (let revision = 1; revision <= Math.max(actual.revision, expected.revision) && problems.length < 5; revision++) {
    const got = JSON.stringify(everythingAt(actual, revision));
    const want = JSON.stringify(everythingAt(expected, revision));
    if (got !== want) problems.push(`at revision ${revision}: got ${got}, expected ${want}`);
  }
  return problems;
}
