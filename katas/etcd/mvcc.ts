/**
 * The multi-version store: every key keeps its history, every write gets a revision, and any
 * revision can be read back until it is compacted (etcd's mvcc/kvstore.go, kvstore_txn.go).
 *
 * Two structures, as in etcd:
 * - the key index ({@link KeyTree} of {@link KeyIndex}): key → the revisions that wrote it;
 * - the backend ({@link Backend}): revision → what was written then.
 * A read at revision r walks the keys of the range in the index, asks each key's index which of its
 * revisions was current at r, and reads that revision from the backend.
 *
 * @example
 * ```ts
 * const store = new MvccStore();
 * store.put('a', '1');                                        // header.revision 2
 * store.write((txn) => { txn.put('a', '2'); txn.put('b', '1'); }); // both at revision 3
 * store.delete('a');                                          // revision 4
 * store.range('a', undefined, { revision: 3 }).kvs[0];        // { key: 'a', value: '2', createRevision: 2, modRevision: 3, version: 2, lease: 0 }
 * store.delete('a');                                          // nothing to delete: still revision 4
 * ```
 */
import { NotImplemented } from '@kube/kit';
import { Backend } from './backend.ts';
import { EtcdError } from './errors.ts';
import { KeyIndex } from './key-index.ts';
import { inRange } from './keys.ts';
import { KeyTree } from './key-tree.ts';
import type { DeleteOptions } from './kv.ts';
import type {
  Change,
  Mvcc,
  MvccDeleteResponse,
  MvccKeyValue,
  MvccPutOptions,
  MvccPutResponse,
  MvccRangeOptions,
  MvccRangeResponse,
  Revision,
  WriteTxn,
} from './mvcc-api.ts';

/** Who knows which leases exist (kata 05's lessor); the store asks it before attaching a key. */
export interface LeaseRegistry {
  /** True when the lease `id` exists. */
  has(id: number): boolean;
}

/** Called after each write that changed something, with its revision and changes in order. */
export type CommitListener = (revision: number, changes: readonly Change[]) => void;

/** A multi-version key-value store in memory: etcd's mvcc store. */
export class MvccStore implements Mvcc {
  /** key → its history. Keys whose history was compacted away entirely are removed. */
  readonly index = new KeyTree<KeyIndex>();
  /** revision → what was written. */
  readonly backend = new Backend();
  /** The leases keys may be attached to (set by kata 05's Lessor); none: no lease may be used. */
  leases: LeaseRegistry | undefined;
  private currentRevision = 1;
  private compactedRevision = 0;
  private readonly listeners = new Set<CommitListener>();

  /** The revision of the latest write; 1 for a new store (etcd's currentRev starts at 1). */
  get revision(): number {
    return this.currentRevision;
  }

  /** The revision of the latest compaction (kata 05); 0 before any. */
  get compacted(): number {
    return this.compactedRevision;
  }

  /**
   * Sets the store's revisions after its index and backend were filled from a snapshot (kata 06),
   * as etcd's restore sets currentRev and compactMainRev. Given code: nothing else should call it.
   *
   * @example
   * ```ts
   * // decodeStoreSnapshot: fill store.index and store.backend, then
   * store.restoreRevisions(42, 30);   // store.revision === 42, store.compacted === 30
   * ```
   */
  restoreRevisions(revision: number, compacted: number): void {
    this.currentRevision = revision;
    this.compactedRevision = compacted;
  }

  /**
   * Calls `listener` after every write that changed something (the watch of kata 04 is built on
   * this). Returns a function that stops the calls.
   */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every commit listener about a write. */
  private notify(revision: number, changes: readonly Change[]): void {
    for (const listener of this.listeners) listener(revision, changes);
  }

  /**
   * The pairs of the range `[key, rangeEnd)` as they were at `options.revision` (default: now).
   *
   * @throws EtcdError `EmptyKey`, `InvalidLimit` (as in kata 01); `FutureRevision` when the
   *   revision is above the store's; `Compacted` when it is below the compacted revision
   */
  range(key: string, rangeEnd?: string, options: MvccRangeOptions = {}): MvccRangeResponse {
    // TODO(02): a read of the store as it is: rangeUpTo does the work.
    throw new NotImplemented('02', 'MvccStore.range');
  }

  /** Stores `value` under `key`, in a write of its own: the store's revision moves by one. */
  put(key: string, value: string, options: MvccPutOptions = {}): MvccPutResponse {
    // TODO(02): a write of its own: `this.write((txn) => ...)`.
    throw new NotImplemented('02', 'MvccStore.put');
  }

  /** Deletes the range, in a write of its own: the revision moves only if a key was deleted. */
  delete(key: string, rangeEnd?: string, options: DeleteOptions = {}): MvccDeleteResponse {
    // TODO(02): a write of its own, like put.
    throw new NotImplemented('02', 'MvccStore.delete');
  }

  /**
   * Runs `body` as one write: all its changes get revision `this.revision + 1`, numbered by `sub`
   * in the order they are made, and the store's revision moves to it only if there was a change.
   * If `body` throws, every change it made is undone and the error goes on to the caller.
   */
  write<T>(body: (txn: WriteTxn) => T): T {
    // TODO(02): run body with a StoreWriteTxn at revision + 1; if body throws, undo its changes and rethrow;
    // TODO(02): if it changed something, move the store's revision and call this.notify(revision, changes).
    throw new NotImplemented('02', 'MvccStore.write');
  }

  /**
   * Forgets the history before `revision`: afterwards a read at `revision` or later answers as it
   * did before, and a read below it fails with `Compacted` (kata 05).
   *
   * @throws RangeError when `revision` is not a whole number
   * @throws EtcdError `Compacted` when `revision` is at or below the last compaction;
   *   `FutureRevision` when it is above the store's revision
   */
  compact(revision: number): { header: { revision: number } } {
    // TODO(05): check the revision (a RangeError if not a whole number, then Compacted / FutureRevision), compact every key's history
    // TODO(05): (dropping keys left with none), remove from the backend the changes <= revision no history kept.
    throw new NotImplemented('05', 'MvccStore.compact');
  }

  /**
   * A range read that may see up to revision `newest` (the store's, or a write's own revision
   * while it is running): checks the arguments, then collects the keys' states at the revision.
   */
  rangeUpTo(newest: number, key: string, rangeEnd: string | undefined, options: MvccRangeOptions): MvccRangeResponse {
    // TODO(02): check key, limit and revision (FutureRevision above `newest`, Compacted below this.compacted),
    // TODO(02): then for each key of the range ask its history for its state at the revision and read that from the backend.
    throw new NotImplemented('02', 'MvccStore.rangeUpTo');
  }

  /** The histories of every key in `[key, rangeEnd)`, in key order (keys of any time). */
  *historiesIn(key: string, rangeEnd: string | undefined): IterableIterator<KeyIndex> {
    // TODO(02): yield the histories of the keys in the range, in key order (this.index.entriesFrom helps).
    throw new NotImplemented('02', 'MvccStore.historiesIn');
  }
}

/**
 * One write in progress. Its changes go straight into the index and the backend at its revision,
 * so that its own reads see them; {@link undo} takes them out again if the write fails.
 */
class StoreWriteTxn implements WriteTxn {
  /** the changes made so far, in order: change i is at revision `{ main: revision, sub: i }` */
  readonly changes: Change[] = [];
  /** each key this write touched, with where its history stood before (undefined: it had none) */
  private readonly before = new Map<string, HistoryMark | undefined>();

  constructor(
    private readonly store: MvccStore,
    readonly revision: number,
  ) {}

  range(key: string, rangeEnd?: string, options: MvccRangeOptions = {}): MvccRangeResponse {
    // TODO(02): read with store.rangeUpTo, up to this.revision once this write has changed something
    // TODO(02): (before that, up to the store's revision); the header comes from this.header().
    throw new NotImplemented('02', 'StoreWriteTxn.range');
  }

  put(key: string, value: string, options: MvccPutOptions = {}): MvccPutResponse {
    // TODO(02): check the key (and the lease, if any, against store.leases: LeaseNotFound); build the
    // TODO(02): new pair from the current one (createRevision kept, version + 1), put its revision { main: this.revision,
    // TODO(02): sub: changes so far } into the key's history (historyToChange) and record the change.
    throw new NotImplemented('02', 'StoreWriteTxn.put');
  }

  delete(key: string, rangeEnd?: string, options: DeleteOptions = {}): MvccDeleteResponse {
    // TODO(02): for each key of the range that is alive, tombstone its history at the next sub-revision
    // TODO(02): and record a DELETE change (key, modRevision = this.revision, the rest zero); count them.
    throw new NotImplemented('02', 'StoreWriteTxn.delete');
  }

  /** Takes every change of this write out of the index and the backend. */
  undo(): void {
    // TODO(02): roll every history in this.before back to its mark (deleting the keys that had none),
    // TODO(02): and remove this write's revision from the backend.
    throw new NotImplemented('02', 'StoreWriteTxn.undo');
  }

  /** The header of a response inside this write: the revision the store will be at after it. */
  private header(): { revision: number } {
    return { revision: this.changes.length > 0 ? this.revision : this.revision - 1 };
  }

  /** The key's current pair (this write's own changes included), or undefined if it is not alive. */
  private current(history: KeyIndex | undefined): MvccKeyValue | undefined {
    // TODO(02): the key's pair as of this write (its own changes included), or undefined.
    throw new NotImplemented('02', 'StoreWriteTxn.current');
  }

  /** The key's history, ready to change: saved first, so that {@link undo} can put it back. */
  private historyToChange(key: string): KeyIndex {
    // TODO(02): save the key's history's mark in this.before the first time (markOf), then return
    // TODO(02): the history, creating an empty one in the index for a new key.
    throw new NotImplemented('02', 'StoreWriteTxn.historyToChange');
  }

  private record(at: Revision, change: Change): void {
    this.store.backend.add(at, change);
    this.changes.push(change);
  }
}

/**
 * Where a key's history stood before a write touched it. A write only ever appends to a history
 * (a revision to the current life, maybe a new life), so cutting back to this mark undoes it.
 */
interface HistoryMark {
  lives: number;
  created: Revision;
  version: number;
  revisions: number;
}

/** The mark of `history` as it is now. */
function markOf(history: KeyIndex): HistoryMark {
  const current = history.generations.at(-1);
  return { lives: history.generations.length, created: current?.created ?? { main: 0, sub: 0 }, version: current?.version ?? 0, revisions: current?.revisions.length ?? 0 };
}

/** Cuts `history` back to `mark`. */
function rollBack(history: KeyIndex, mark: HistoryMark): void {
  history.generations.length = mark.lives;
  const current = history.generations.at(-1);
  if (current === undefined) return;
  current.created = mark.created;
  current.version = mark.version;
  current.revisions.length = mark.revisions;
}

/** A revision as a string, to keep in a Set. */
function revisionKey({ main, sub }: Revision): string {
  return `${main}.${sub}`;
}

/** etcd checks every request for a key before it looks at anything else (v3rpc/key.go). */
function checkKey(key: string): void {
  if (key === '') throw new EtcdError('EmptyKey');
}
