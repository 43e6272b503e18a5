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
  const { wal, snapshot, records } = await Wal.open(dir, options);
  const store = snapshot === undefined ? new MvccStore() : decodeStoreSnapshot(snapshot);
  // A logged put keeps the lease it had when it was written; the lessor of kata 05 is not logged,
  // so during the replay every lease is taken as existing.
  const leases = store.leases;
  store.leases = { has: () => true };
  try {
    for (const record of records) replay(store, record, dir);
  } catch (error) {
    await wal.close();
    throw error;
  } finally {
    store.leases = leases;
  }
  return new DurableStore(store, wal);
}

/**
 * The store with a log under it. Reads are the in-memory store's; every write returns a promise
 * that resolves once the write's record is on the disk.
 */
export class DurableStore {
  /** the latest record appended: once it is durable, every record before it is too */
  private lastAppend: Promise<void> = Promise.resolve();
  /** set when the log failed or was closed: no write is taken after it */
  private refused: EtcdError | undefined;
  private readonly unsubscribe: () => void;

  /**
   * Logs every write `store` commits from now on into `wal`. Use {@link openDurableStore}, which
   * first rebuilds the store from the log.
   */
  constructor(
    /** the in-memory store: read it, watch it (its onCommit); write through the DurableStore */
    readonly store: MvccStore,
    private readonly wal: Wal,
  ) {
    // Every committed write, whoever made it (a put here, a lease expiring in kata 05), is logged,
    // in commit order: the order the store gave the revisions.
    this.unsubscribe = store.onCommit((revision, changes) => this.log(WRITE_RECORD, encodeWrite(revision, changes)));
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
    return this.durably(() => this.store.put(key, value, options));
  }

  /** Deletes, as {@link MvccStore.delete}; resolves once the write is durable (at once if it deleted nothing). */
  async delete(key: string, rangeEnd?: string, options?: DeleteOptions): Promise<MvccDeleteResponse> {
    return this.durably(() => this.store.delete(key, rangeEnd, options));
  }

  /** Runs `body` as one write transaction, as {@link MvccStore.write}; resolves once it is durable. */
  async write<T>(body: (txn: WriteTxn) => T): Promise<T> {
    return this.durably(() => this.store.write(body));
  }

  /** Compacts, as {@link MvccStore.compact}, and logs the compaction; resolves once it is durable. */
  async compact(revision: number): Promise<{ header: { revision: number } }> {
    return this.durably(() => {
      const response = this.store.compact(revision); // throws before anything is logged
      this.log(COMPACT_RECORD, encodeJson([revision]));
      return response;
    });
  }

  /**
   * Snapshots the whole store into the log, which then drops the records before it: recovery
   * gets faster, and the disk is given back. Resolves once the snapshot is in place.
   */
  async snapshot(): Promise<void> {
    if (this.refused) throw this.refused;
    // Encoded now, synchronously: the state holds exactly the writes logged before this call.
    await this.wal.snapshot(encodeStoreSnapshot(this.store));
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
    // Failed or not, the last append is over; a failure (now or earlier) is in `refused`.
    await this.lastAppend.catch(() => undefined);
    if (this.refused) throw this.refused;
  }

  /** Waits for what was logged to be durable, then closes the log; no write is taken after. */
  async close(): Promise<void> {
    this.refused ??= new EtcdError('LogUnavailable', `${this.wal.dir}: the store is closed`);
    this.unsubscribe();
    await this.wal.close();
  }

  /**
   * Applies a write in memory (which logs it, through onCommit), then waits until the log has it
   * on the disk. A write that changed nothing logs nothing, and still waits for the writes before
   * it: its response names their revision, which must not be lost either.
   */
  private async durably<T>(apply: () => T): Promise<T> {
    if (this.refused) throw this.refused;
    const result = apply();
    await this.lastAppend;
    return result;
  }

  /** Appends a record; a failed append stops the store taking writes (memory is ahead of the disk). */
  private log(type: number, data: Uint8Array): void {
    const appended = this.wal.append({ type, data });
    appended.catch((error: unknown) => {
      this.refused ??= error instanceof EtcdError ? error : new EtcdError('LogUnavailable', String(error));
    });
    this.lastAppend = appended;
  }
}

/** A write as its record's data. */
function encodeWrite(revision: number, changes: readonly Change[]): Uint8Array {
  return encodeJson([revision, changes.map(({ type, kv }) => (type === 'PUT' ? [0, kv.key, kv.value, kv.lease] : [1, kv.key]))]);
}

function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Applies one logged record to `store`, checking that it lands where it was first written. */
function replay(store: MvccStore, record: WalRecord, dir: string): void {
  const json = JSON.parse(Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('utf8')) as unknown[];
  if (record.type === COMPACT_RECORD) {
    store.compact(json[0] as number);
    return;
  }
  if (record.type !== WRITE_RECORD) throw new EtcdError('CorruptLog', `${dir}: a record of unknown type ${record.type}`);
  const [revision, changes] = json as [number, ([0, string, string, number] | [1, string])[]];
  store.write((txn) => {
    for (const change of changes) {
      if (change[0] === 0) txn.put(change[1], change[2], { lease: change[3] });
      else txn.delete(change[1]);
    }
  });
  if (store.revision !== revision) {
    throw new EtcdError('CorruptLog', `${dir}: the record of revision ${revision} replays as revision ${store.revision}`);
  }
}
