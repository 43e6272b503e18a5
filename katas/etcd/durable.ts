/**
 * A durable store: an {@link MvccStore} whose every committed write is logged in a {@link Wal}
 * before the write is acknowledged, and which comes back, after a restart or a crash, with the
 * same keys, history and revision (etcd's etcdserver applies raft entries that its wal/ made
 * durable; see 06-wal.md for how this differs).
 *
 * Two kinds of records:
 * - a write (type {@link WRITE_RECORD}): its revision and its changes, in order;
 * - a compaction (type {@link COMPACT_RECORD}): the revision compacted at.
 * Recovery loads the latest snapshot (if any) and replays the records after it into the store:
 * the same puts and deletes in the same order give the same revisions.
 *
 * @example
 * ```ts
 * const db = await openDurableStore('/var/lib/kubekata/etcd');
 * await db.put('a', '1');          // resolves once the write's record is fsync'd: { header: { revision: 2 } }
 * db.range('a').kvs[0]?.value;      // '1' (reads are in memory, and synchronous)
 * await db.close();
 * const again = await openDurableStore('/var/lib/kubekata/etcd');
 * again.revision;                   // 2
 * ```
 */
import { NotImplemented } from '@kube/kit';
import { EtcdError } from './errors.ts';
import type { DeleteOptions } from './kv.ts';
import type { Change, MvccDeleteResponse, MvccPutOptions, MvccPutResponse, MvccRangeOptions, MvccRangeResponse, WriteTxn } from './mvcc-api.ts';
import { MvccStore } from './mvcc.ts';
import { decodeStoreSnapshot, encodeStoreSnapshot } from './store-snapshot.ts';
import { Wal, type WalOptions } from './wal.ts';
import type { WalRecord } from './wal-record.ts';

/** The record type of a committed write: `[revision, [[0, key, value, lease] | [1, key], ...]]` as JSON. */
export const WRITE_RECORD = 1;

/** The record type of a compaction: `[revision]` as JSON. */
export const COMPACT_RECORD = 2;

/**
 * Opens (or creates) the durable store kept in `dir`: opens its log, and rebuilds the store from
 * the snapshot and the records after it.
 *
 * @throws EtcdError `LogUnavailable` when `dir` cannot be used; `CorruptLog` when the log is
 *   damaged anywhere but a torn tail, or a record does not replay to the revision it names
 */
export async function openDurableStore(dir: string, options: WalOptions = {}): Promise<DurableStore> {
  // TODO(06): open the Wal; start from the snapshot's store (decodeStoreSnapshot) or a new MvccStore; replay every
  // TODO(06): record (a write: store.write with the same puts and deletes; a compaction: store.compact), checking each
  // TODO(06): write lands at the revision it names; then wrap the store in a DurableStore.
  throw new NotImplemented('06', 'openDurableStore');
}

/**
 * The store with a log under it. Reads are the in-memory store's; every write returns a promise
 * that resolves once the write's record is on the disk.
 */
export class DurableStore {
  /**
   * Logs every write `store` commits from now on into `wal`. Use {@link openDurableStore}, which
   * first rebuilds the store from the log.
   */
  constructor(
    /** the in-memory store: read it, watch it (its onCommit); write through the DurableStore */
    readonly store: MvccStore,
    private readonly wal: Wal,
  ) {
    // TODO(06): subscribe to store.onCommit: append each committed write to the wal as a WRITE_RECORD.
    throw new NotImplemented('06', 'DurableStore.constructor');
  }

  /** The store's revision (the latest write's, durable or about to be). */
  get revision(): number {
    return this.store.revision;
  }

  /** Reads from memory, as {@link MvccStore.range} does. */
  range(key: string, rangeEnd?: string, options?: MvccRangeOptions): MvccRangeResponse {
    return this.store.range(key, rangeEnd, options);
  }

  /** Puts, as {@link MvccStore.put}; resolves once the write is durable. */
  async put(key: string, value: string, options?: MvccPutOptions): Promise<MvccPutResponse> {
    // TODO(06): apply the put in memory, then wait until its record (and every record before it) is durable.
    throw new NotImplemented('06', 'DurableStore.put');
  }

  /** Deletes, as {@link MvccStore.delete}; resolves once the write is durable (at once if it deleted nothing). */
  async delete(key: string, rangeEnd?: string, options?: DeleteOptions): Promise<MvccDeleteResponse> {
    // TODO(06): as put; a delete that deleted nothing logged nothing, but still waits for the writes before it.
    throw new NotImplemented('06', 'DurableStore.delete');
  }

  /** Runs `body` as one write transaction, as {@link MvccStore.write}; resolves once it is durable. */
  async write<T>(body: (txn: WriteTxn) => T): Promise<T> {
    // TODO(06): as put, for a whole write transaction.
    throw new NotImplemented('06', 'DurableStore.write');
  }

  /** Compacts, as {@link MvccStore.compact}, and logs the compaction; resolves once it is durable. */
  async compact(revision: number): Promise<{ header: { revision: number } }> {
    // TODO(06): compact in memory (errors first, nothing logged), append a COMPACT_RECORD, wait until it is durable.
    throw new NotImplemented('06', 'DurableStore.compact');
  }

  /**
   * Snapshots the whole store into the log, which then drops the records before it: recovery
   * gets faster, and the disk is given back. Resolves once the snapshot is in place.
   */
  async snapshot(): Promise<void> {
    // TODO(06): encode the store now (encodeStoreSnapshot) and hand it to wal.snapshot.
    throw new NotImplemented('06', 'DurableStore.snapshot');
  }

  /**
   * Resolves once every write the store has applied so far is durable; rejects with the log's
   * failure (`LogUnavailable`) once an append or fsync has failed, or the store is closed.
   *
   * The apiserver writes through the in-memory store (its registry is synchronous) and calls this
   * before it answers anything, a write or a read, and before it sends a watch event: so no client
   * is told of a revision that a crash could take back, and a full disk is a 500, never a 201.
   *
   * @example
   * ```ts
   * db.store.put('a', '1');   // applied in memory at once; its record is on its way to the disk
   * await db.synced();        // now it is on the disk: safe to answer
   * ```
   */
  async synced(): Promise<void> {
    // TODO(06): refused? throw it. Otherwise wait for the last append: once it is durable, every record before it is too.
    throw new NotImplemented('06', 'DurableStore.synced');
  }

  /** Waits for what was logged to be durable, then closes the log; no write is taken after. */
  async close(): Promise<void> {
    // TODO(06): refuse later writes, stop logging commits, close the wal.
    throw new NotImplemented('06', 'DurableStore.close');
  }
}
