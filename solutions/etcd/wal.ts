/**
 * The write-ahead log: records appended to segment files, each acknowledged only once it is on
 * the disk (fsync), many appends to one fsync (group commit); snapshots that let old segments go;
 * and recovery on open, which repairs a torn tail and refuses a damaged middle (etcd's wal/wal.go,
 * wal/repair.go, and etcdserver/api/snap for the snapshot file).
 *
 * On disk, in the log's directory:
 * ```
 * 0000000000000003.wal   segment 3: records (wal-record.ts), the newest segment is the one appended to
 * 0000000000000004.wal   (segments are numbered in hex, 16 digits, and must follow each other)
 * snapshot               one record: the number of the first segment after it, then the state
 * ```
 * Recovery = the snapshot's state (if any) + every record of the segments from the one it names.
 *
 * @example
 * ```ts
 * const { wal, snapshot, records } = await Wal.open('/var/lib/kubekata/etcd');
 * await wal.append({ type: 1, data: bytes('put a=1') }); // resolves after the fsync
 * await wal.snapshot(bytes('a=1'));    // snapshot written, older segments removed
 * await wal.close();
 * const again = await Wal.open('/var/lib/kubekata/etcd');
 * // again.snapshot: 'a=1'; again.records: [] (the put is in the snapshot)
 * ```
 */
import { join } from 'node:path';
import { EtcdError } from './errors.ts';
import { nodeWalFs, type WalFile, type WalFs } from './wal-fs.ts';
import { decodeRecords, encodeRecord, type TornTail, type WalRecord } from './wal-record.ts';

/** The snapshot file's name in the log's directory. */
export const SNAPSHOT_FILE = 'snapshot';

/** The record type of the one record in the snapshot file. */
export const SNAPSHOT_RECORD_TYPE = 0xff;

/** The file name of segment `sequence`: 16 hex digits, then `.wal` (1 → `0000000000000001.wal`). */
export function segmentName(sequence: number): string {
  return `${sequence.toString(16).padStart(16, '0')}.wal`;
}

/** Options of {@link Wal.open}. */
export interface WalOptions {
  /** the file system to use; the real one by default (tests pass a wrapper) */
  fs?: WalFs;
}

/** A torn tail that recovery cut off: which file, where, and why. */
export interface RepairedTail extends TornTail {
  /** the path of the segment that was truncated */
  file: string;
}

/** What {@link Wal.open} found on the disk, and the log, ready for appends. */
export interface OpenedWal {
  wal: Wal;
  /** the latest snapshot's state, or undefined if none was ever taken */
  snapshot: Uint8Array | undefined;
  /** every record appended after that snapshot, in order */
  records: WalRecord[];
  /** the torn tail that was cut off the last segment, if there was one */
  repaired: RepairedTail | undefined;
}

/** Something waiting for the log: resolved when its work is on the disk, rejected if it failed. */
interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The log's work, in the order it was asked for. */
type Job =
  | { kind: 'records'; chunks: Uint8Array[]; waiters: Waiter[] }
  | { kind: 'snapshot'; state: Uint8Array; waiter: Waiter }
  | { kind: 'close'; waiter: Waiter };

/** An open write-ahead log. Create one with {@link Wal.open}. */
export class Wal {
  /** work not started yet; `records` jobs collect the appends made while the disk is busy */
  private queue: Job[] = [];
  /** true while {@link run} is working through the queue */
  private draining = false;
  /** set once a write, fsync or snapshot failed: the log takes nothing more */
  private failure: EtcdError | undefined;
  private closing = false;

  private constructor(
    /** the log's directory */
    readonly dir: string,
    private readonly fs: WalFs,
    /** the first segment still on disk (the one the snapshot names, or 1) */
    private firstSegment: number,
    /** the segment appended to */
    private segment: number,
    private file: WalFile,
    /** the crc of the last record appended: the next one continues from it */
    private crc: number,
  ) {}

  /**
   * Opens the log in `dir`, creating the directory if needed, and recovers what it holds: the
   * snapshot, then the records of every segment from the one the snapshot names. A torn tail on
   * the last segment is cut off (the file is truncated) and reported in `repaired`.
   *
   * @throws EtcdError `LogUnavailable` when the directory or a file cannot be created or read
   *   (detail: the path and the system's reason); `CorruptLog` when a snapshot, a segment that is
   *   not the last, or the middle of the last segment is damaged, or a segment is missing
   */
  static async open(dir: string, options: WalOptions = {}): Promise<OpenedWal> {
    const fs = options.fs ?? nodeWalFs;
    const unavailable = (path: string) => (error: unknown) => {
      throw new EtcdError('LogUnavailable', `${path}: ${(error as Error).message}`);
    };
    await fs.mkdir(dir).catch(unavailable(dir));
    const names = await fs.readdir(dir).catch(unavailable(dir));

    // A snapshot that did not reach its rename never happened.
    if (names.includes(`${SNAPSHOT_FILE}.tmp`)) await fs.remove(join(dir, `${SNAPSHOT_FILE}.tmp`)).catch(unavailable(dir));

    let snapshot: Uint8Array | undefined;
    let firstSegment = 1;
    if (names.includes(SNAPSHOT_FILE)) {
      const path = join(dir, SNAPSHOT_FILE);
      ({ firstSegment, state: snapshot } = readSnapshot(path, await fs.readFile(path).catch(unavailable(path))));
    }

    const segments = names
      .filter((name) => /^[0-9a-f]{16}\.wal$/.test(name))
      .map((name) => parseInt(name, 16))
      .sort((a, b) => a - b);
    // Segments before the snapshot's are left over from a snapshot interrupted before its clean-up.
    for (const old of segments.filter((s) => s < firstSegment)) await fs.remove(join(dir, segmentName(old))).catch(unavailable(dir));
    const live = segments.filter((s) => s >= firstSegment);
    live.forEach((sequence, i) => {
      if (sequence !== firstSegment + i) {
        throw new EtcdError('CorruptLog', `${join(dir, segmentName(firstSegment + i))}, byte 0: the segment is missing (found ${segmentName(sequence)} after it)`);
      }
    });

    const records: WalRecord[] = [];
    let repaired: RepairedTail | undefined;
    let crc = 0;
    const last = live.at(-1) ?? firstSegment;
    for (const sequence of live) {
      const path = join(dir, segmentName(sequence));
      const decoded = decodeRecords(await fs.readFile(path).catch(unavailable(path)), path);
      for (const record of decoded.records) records.push(record);
      crc = decoded.crc;
      if (decoded.torn === undefined) continue;
      // Only the segment being appended to can have been cut by a crash.
      if (sequence !== last) throw new EtcdError('CorruptLog', `${path}, byte ${decoded.torn.offset}: ${decoded.torn.reason}, in a segment that is not the last`);
      await fs.truncate(path, decoded.torn.offset).catch(unavailable(path));
      repaired = { file: path, ...decoded.torn };
    }

    const lastPath = join(dir, segmentName(last));
    const file = await fs.open(lastPath).catch(unavailable(lastPath));
    if (live.length === 0 || repaired) {
      // A new segment's name, or a repair's truncation, must be on the disk before anything
      // appended after it is acknowledged.
      await file.sync().catch(unavailable(lastPath));
      await fs.syncDir(dir).catch(unavailable(dir));
    }
    const wal = new Wal(dir, fs, firstSegment, last, file, crc);
    return { wal, snapshot, records, repaired };
  }

  /**
   * Appends `record`. The returned promise resolves once the record is on the disk (written and
   * fsync'd) and rejects with `LogUnavailable` if it could not be. Appends made while a write is
   * in flight are written together by the next one, with one fsync (group commit).
   */
  append(record: WalRecord): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    // Encode now, in the order of the calls: each crc continues from the previous append's.
    const { bytes, crc } = encodeRecord(record, this.crc);
    this.crc = crc;
    return new Promise<void>((resolve, reject) => {
      const tail = this.queue.at(-1);
      if (tail?.kind === 'records') {
        tail.chunks.push(bytes);
        tail.waiters.push({ resolve, reject });
      } else {
        this.queue.push({ kind: 'records', chunks: [bytes], waiters: [{ resolve, reject }] });
      }
      this.drain();
    });
  }

  /**
   * Takes a snapshot: `state` must hold the effect of every record appended before this call. The
   * appends made before it are flushed to the current segment, a new segment starts (appends made
   * after this call go there), the snapshot is written to a temporary file, fsync'd and renamed
   * into place (atomic), and then the segments before the new one are removed.
   */
  snapshot(state: Uint8Array): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    this.crc = 0; // the records after this call start a new segment, and a new chain
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'snapshot', state, waiter: { resolve, reject } });
      this.drain();
    });
  }

  /** Flushes what was appended, then closes the segment file; the log takes no more appends. */
  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'close', waiter: { resolve, reject } });
      this.drain();
    });
  }

  /** Why the log refuses new work, if it does. */
  private refusal(): EtcdError | undefined {
    return this.failure ?? (this.closing ? new EtcdError('LogUnavailable', `${this.dir}: the log is closed`) : undefined);
  }

  /** Starts draining the queue, unless a drain is already running (it will see the new work). */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    void this.run();
  }

  /** Does the queued jobs one at a time, in order, until none is left. */
  private async run(): Promise<void> {
    // Let the event loop finish its turn before the first write: appends made meanwhile (by
    // callers woken by the previous fsync, say) join this batch instead of waiting for the next.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (;;) {
      const job = this.queue.shift();
      if (job === undefined) {
        this.draining = false; // in the same step as seeing the queue empty: no append is left behind
        return;
      }
      const waiters = job.kind === 'records' ? job.waiters : [job.waiter];
      try {
        if (job.kind === 'records') await this.writeAndSync(job.chunks);
        else if (job.kind === 'snapshot') await this.writeSnapshot(job.state);
        else await this.file.close();
      } catch (error) {
        this.failure = error instanceof EtcdError ? error : new EtcdError('LogUnavailable', `${this.dir}: ${(error as Error).message}`);
        for (const waiter of waiters) waiter.reject(this.failure);
        for (const rest of this.queue.splice(0)) for (const waiter of rest.kind === 'records' ? rest.waiters : [rest.waiter]) waiter.reject(this.failure);
        this.draining = false;
        return;
      }
      for (const waiter of waiters) waiter.resolve();
    }
  }

  /** One write of a whole batch, then one fsync: the heart of group commit. */
  private async writeAndSync(chunks: Uint8Array[]): Promise<void> {
    await this.file.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    await this.file.sync();
  }

  /** Starts the next segment, writes the snapshot atomically, removes the segments before. */
  private async writeSnapshot(state: Uint8Array): Promise<void> {
    const next = this.segment + 1;
    await this.file.close();
    this.file = await this.fs.open(join(this.dir, segmentName(next)));
    this.segment = next;
    await this.fs.syncDir(this.dir); // the new segment's name is on the disk

    const data = new Uint8Array(8 + state.length);
    new DataView(data.buffer).setBigUint64(0, BigInt(next), true);
    data.set(state, 8);
    const temporary = join(this.dir, `${SNAPSHOT_FILE}.tmp`);
    await this.fs.remove(temporary);
    const out = await this.fs.open(temporary);
    try {
      await out.write(encodeRecord({ type: SNAPSHOT_RECORD_TYPE, data }, 0).bytes);
      await out.sync(); // the content is on the disk before the name points at it
    } finally {
      await out.close();
    }
    await this.fs.rename(temporary, join(this.dir, SNAPSHOT_FILE));
    await this.fs.syncDir(this.dir); // the rename is on the disk: from now on recovery starts here

    for (let old = this.firstSegment; old < next; old++) await this.fs.remove(join(this.dir, segmentName(old)));
    this.firstSegment = next;
  }
}

/** The snapshot file's one record: the first segment after it (8 bytes), then the state. */
function readSnapshot(path: string, bytes: Uint8Array): { firstSegment: number; state: Uint8Array } {
  // The snapshot was renamed into place only once complete and fsync'd: anything short of one
  // whole, valid record is damage, never a torn write.
  const { records, torn } = decodeRecords(bytes, path);
  if (torn) throw new EtcdError('CorruptLog', `${path}, byte ${torn.offset}: ${torn.reason}`);
  const record = records[0];
  if (records.length !== 1 || record!.type !== SNAPSHOT_RECORD_TYPE || record!.data.length < 8) {
    throw new EtcdError('CorruptLog', `${path}, byte 0: a snapshot is one record of type ${SNAPSHOT_RECORD_TYPE}`);
  }
  const view = new DataView(record!.data.buffer, record!.data.byteOffset, record!.data.byteLength);
  return { firstSegment: Number(view.getBigUint64(0, true)), state: record!.data.subarray(8) };
}
