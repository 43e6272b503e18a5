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
import { NotImplemented } from '@kube/kit';
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

/** An open write-ahead log. Create one with {@link Wal.open}. */
export class Wal {
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
    // TODO(06): mkdir and readdir (LogUnavailable "<dir>: <reason>" if they fail); drop a leftover snapshot.tmp;
    // TODO(06): read the snapshot (its first segment and state); remove segments before that one; check the rest follow
    // TODO(06): each other; decode each; repair a torn tail of the last one (truncate) or refuse one anywhere else;
    // TODO(06): open the last segment (creating segment 1 in a new log) and return the Wal with what was recovered.
    throw new NotImplemented('06', 'Wal.open');
  }

  /**
   * Appends `record`. The returned promise resolves once the record is on the disk (written and
   * fsync'd) and rejects with `LogUnavailable` if it could not be. Appends made while a write is
   * in flight are written together by the next one, with one fsync (group commit).
   */
  append(record: WalRecord): Promise<void> {
    // TODO(06): encode now (the crc chains in call order), queue the bytes, and resolve after the fsync that covers them;
    // TODO(06): group commit: while a write+fsync is in flight, new appends gather for the next one.
    throw new NotImplemented('06', 'Wal.append');
  }

  /**
   * Takes a snapshot: `state` must hold the effect of every record appended before this call. The
   * appends made before it are flushed to the current segment, a new segment starts (appends made
   * after this call go there), the snapshot is written to a temporary file, fsync'd and renamed
   * into place (atomic), and then the segments before the new one are removed.
   */
  snapshot(state: Uint8Array): Promise<void> {
    // TODO(06): after the appends before it are flushed: start the next segment (appends after this call go there),
    // TODO(06): write snapshot.tmp (next segment number + state), fsync, rename to snapshot, fsync the directory,
    // TODO(06): then remove the segments before the new one.
    throw new NotImplemented('06', 'Wal.snapshot');
  }

  /** Flushes what was appended, then closes the segment file; the log takes no more appends. */
  close(): Promise<void> {
    // TODO(06): flush what was appended, close the segment file; later appends reject with LogUnavailable.
    throw new NotImplemented('06', 'Wal.close');
  }
}
