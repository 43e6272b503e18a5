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
    return this.rangeUpTo(this.currentRevision, key, rangeEnd, options);
  }

  /** Stores `value` under `key`, in a write of its own: the store's revision moves by one. */
  put(key: string, value: string, options: MvccPutOptions = {}): MvccPutResponse {
    return this.write((txn) => txn.put(key, value, options));
  }

  /** Deletes the range, in a write of its own: the revision moves only if a key was deleted. */
  delete(key: string, rangeEnd?: string, options: DeleteOptions = {}): MvccDeleteResponse {
    return this.write((txn) => txn.delete(key, rangeEnd, options));
  }

  /**
   * Runs `body` as one write: all its changes get revision `this.revision + 1`, numbered by `sub`
   * in the order they are made, and the store's revision moves to it only if there was a change.
   * If `body` throws, every change it made is undone and the error goes on to the caller.
   */
  write<T>(body: (txn: WriteTxn) => T): T {
    const txn = new StoreWriteTxn(this, this.currentRevision + 1);
    let result: T;
    try {
      result = body(txn);
    } catch (error) {
      txn.undo();
      throw error;
    }
    if (txn.changes.length > 0) {
      this.currentRevision = txn.revision;
      this.notify(txn.revision, txn.changes);
    }
    return result;
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
    if (!Number.isSafeInteger(revision)) throw new RangeError(`a revision is a whole number, got ${revision}`);
    if (revision <= this.compactedRevision) throw new EtcdError('Compacted', `compacted at ${this.compactedRevision}, asked ${revision}`);
    if (revision > this.currentRevision) throw new EtcdError('FutureRevision', `store is at ${this.currentRevision}, asked ${revision}`);
    const kept = new Set<string>();
    const emptied: string[] = [];
    for (const [key, history] of this.index.entriesFrom('\0')) {
      for (const rev of history.compact(revision)) kept.add(revisionKey(rev));
      if (history.isEmpty()) emptied.push(key);
    }
    for (const key of emptied) this.index.delete(key);
    // The backend keeps, at or below `revision`, only what some key's index still points to.
    // From revision 1, as etcd scans from 0: what an earlier compaction kept, this one may drop.
    for (let main = 1; main <= revision; main++) {
      // changesAt skips the holes of earlier compactions: walk the subs until each change is seen.
      for (let sub = 0, left = this.backend.changesAt(main).length; left > 0; sub++) {
        if (this.backend.get({ main, sub }) === undefined) continue;
        left--;
        if (!kept.has(revisionKey({ main, sub }))) this.backend.remove({ main, sub });
      }
    }
    this.compactedRevision = revision;
    return { header: { revision: this.currentRevision } };
  }

  /**
   * A range read that may see up to revision `newest` (the store's, or a write's own revision
   * while it is running): checks the arguments, then collects the keys' states at the revision.
   */
  rangeUpTo(newest: number, key: string, rangeEnd: string | undefined, options: MvccRangeOptions): MvccRangeResponse {
    checkKey(key);
    const limit = options.limit ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new EtcdError('InvalidLimit', `got ${limit}`);
    const at = options.revision !== undefined && options.revision > 0 ? options.revision : newest;
    if (at > newest) throw new EtcdError('FutureRevision', `store is at ${newest}, asked ${at}`);
    if (at < this.compactedRevision) throw new EtcdError('Compacted', `compacted at ${this.compactedRevision}, asked ${at}`);

    const kvs: MvccKeyValue[] = [];
    let count = 0;
    for (const history of this.historiesIn(key, rangeEnd)) {
      const state = history.at(at);
      if (state === undefined) continue; // not alive at `at`
      count++;
      if (options.countOnly || (limit > 0 && kvs.length >= limit)) continue;
      const kv = this.backend.get(state.modified)!.kv;
      kvs.push(options.keysOnly ? { ...kv, value: '' } : kv);
    }
    return { header: { revision: this.currentRevision }, kvs, count, more: !options.countOnly && kvs.length < count };
  }

  /** The histories of every key in `[key, rangeEnd)`, in key order (keys of any time). */
  *historiesIn(key: string, rangeEnd: string | undefined): IterableIterator<KeyIndex> {
    if (rangeEnd === undefined || rangeEnd === '') {
      const history = this.index.get(key);
      if (history) yield history;
      return;
    }
    for (const [k, history] of this.index.entriesFrom(key)) {
      if (!inRange(k, key, rangeEnd)) return; // keys come in order: the first one out ends the range
      yield history;
    }
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
    // Until this write changes something, its revision does not exist yet: read the store's.
    const newest = this.changes.length > 0 ? this.revision : this.revision - 1;
    const response = this.store.rangeUpTo(newest, key, rangeEnd, options);
    return { ...response, header: this.header() };
  }

  put(key: string, value: string, options: MvccPutOptions = {}): MvccPutResponse {
    checkKey(key);
    const lease = options.lease ?? 0;
    if (lease !== 0 && !this.store.leases?.has(lease)) throw new EtcdError('LeaseNotFound', `lease ${lease}`);
    const history = this.historyToChange(key);
    const previous = this.current(history);
    const at: Revision = { main: this.revision, sub: this.changes.length };
    const kv: MvccKeyValue = {
      key,
      value,
      createRevision: previous?.createRevision ?? this.revision,
      modRevision: this.revision,
      version: (previous?.version ?? 0) + 1,
      lease,
    };
    history.put(at);
    this.record(at, { type: 'PUT', kv });
    return { header: this.header(), ...(options.prevKv && previous ? { prevKv: previous } : {}) };
  }

  delete(key: string, rangeEnd?: string, options: DeleteOptions = {}): MvccDeleteResponse {
    checkKey(key);
    const deleted: MvccKeyValue[] = [];
    for (const history of [...this.store.historiesIn(key, rangeEnd)]) {
      const previous = this.current(history);
      if (previous === undefined) continue; // not alive: nothing to delete
      const at: Revision = { main: this.revision, sub: this.changes.length };
      this.historyToChange(previous.key).tombstone(at);
      this.record(at, { type: 'DELETE', kv: { key: previous.key, value: '', createRevision: 0, modRevision: this.revision, version: 0, lease: 0 } });
      deleted.push(previous);
    }
    return { header: this.header(), deleted: deleted.length, ...(options.prevKv ? { prevKvs: deleted } : {}) };
  }

  /** Takes every change of this write out of the index and the backend. */
  undo(): void {
    for (const [key, mark] of this.before) {
      if (mark === undefined) this.store.index.delete(key);
      else rollBack(this.store.index.get(key)!, mark);
    }
    this.store.backend.removeAll(this.revision);
  }

  /** The header of a response inside this write: the revision the store will be at after it. */
  private header(): { revision: number } {
    return { revision: this.changes.length > 0 ? this.revision : this.revision - 1 };
  }

  /** The key's current pair (this write's own changes included), or undefined if it is not alive. */
  private current(history: KeyIndex | undefined): MvccKeyValue | undefined {
    const state = history?.at(this.revision);
    return state && this.store.backend.get(state.modified)!.kv;
  }

  /** The key's history, ready to change: saved first, so that {@link undo} can put it back. */
  private historyToChange(key: string): KeyIndex {
    if (!this.before.has(key)) {
      const history = this.store.index.get(key);
      this.before.set(key, history && markOf(history));
    }
    let history = this.store.index.get(key);
    if (history === undefined) this.store.index.set(key, (history = new KeyIndex()));
    return history;
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
