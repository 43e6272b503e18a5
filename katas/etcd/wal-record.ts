/**
 * The write-ahead log's record format: how one record becomes bytes on disk and how a file of them
 * is read back, telling a torn write at the end from damage in the middle (etcd's wal/encoder.go
 * and wal/decoder.go).
 *
 * A record, 8-byte aligned:
 * ```
 * offset  size  field
 *  0      4     n       the length of data, little-endian
 *  4      4     ~n      n with every bit flipped: a check of the length alone
 *  8      4     crc     CRC-32C of bytes 12 .. end of record, continuing the previous record's crc
 * 12      1     type    what the record is (the log's user decides: 1 = a write, 2 = a compaction, ...)
 * 13      n     data
 * 13+n    0-7   zeros   padding up to a multiple of 8
 * ```
 * The CRC is rolling: record i's crc continues from record i-1's (the first record of a file starts
 * from 0). So a record that was dropped, doubled or swapped breaks the chain, not only a flipped bit.
 *
 * @example
 * ```ts
 * const a = encodeRecord({ type: 1, data: bytes('abc') }, 0);  // a.bytes.length === 16
 * const b = encodeRecord({ type: 1, data: bytes('de') }, a.crc);
 * decodeRecords(concat(a.bytes, b.bytes), 'x.wal');
 * // { records: [{ type: 1, data: 'abc' }, { type: 1, data: 'de' }], end: 32, crc: b.crc, torn: undefined }
 * decodeRecords(concat(a.bytes, b.bytes).subarray(0, 20), 'x.wal');
 * // { records: [{ type: 1, data: 'abc' }], end: 16, crc: a.crc, torn: { offset: 16, reason: 'the file ends inside a record header' } }
 * ```
 */
import { NotImplemented } from '@kube/kit';
import { crc32c } from './crc32c.ts';
import { EtcdError } from './errors.ts';

/** One record of the log: a type (0–255) and its bytes. */
export interface WalRecord {
  readonly type: number;
  readonly data: Uint8Array;
}

/** The bytes before a record's data: length, length check, crc and type. */
export const RECORD_HEADER_BYTES = 13;

/** The largest `data` a record may carry (1 GiB): a longer length can only be damage. */
export const MAX_RECORD_DATA = 1 << 30;

/** A record as bytes, and the crc the next record continues from. */
export interface EncodedRecord {
  bytes: Uint8Array;
  crc: number;
}

/** Where a file stops being whole: the last record was cut short by a crash (or damaged at the very end). */
export interface TornTail {
  /** the byte offset where the torn record starts: the file's length once repaired */
  offset: number;
  /** what is wrong with it, in words */
  reason: string;
}

/** What {@link decodeRecords} read from a file. */
export interface DecodedRecords {
  /** the whole records, in order */
  records: WalRecord[];
  /** the byte offset just after the last whole record */
  end: number;
  /** the crc of the last whole record (0 if none): the next record appended continues from it */
  crc: number;
  /** the torn record at the end, if there is one; undefined when the file ends on a record boundary */
  torn: TornTail | undefined;
}

/**
 * The number of bytes a record with `dataLength` bytes of data takes: header, data, padding. Valid
 * for `dataLength` up to {@link MAX_RECORD_DATA}: the rounding works on 32 bits, so check the size first.
 */
export function recordSize(dataLength: number): number {
  return (RECORD_HEADER_BYTES + dataLength + 7) & ~7;
}

/**
 * Encodes `record`, its crc continuing from `previousCrc` (the previous record's; 0 for the first
 * record of a file).
 *
 * @throws RangeError when the type is not a whole number 0–255 or the data is over {@link MAX_RECORD_DATA}
 */
export function encodeRecord(record: WalRecord, previousCrc: number): EncodedRecord {
  // TODO(06): check the type (0-255) and the data's size (RangeError), then lay out the record:
  // TODO(06): n, ~n, the crc (crc32c of bytes 12..end, continuing previousCrc), the type, the data, zero padding.
  throw new NotImplemented('06', 'encodeRecord');
}

/**
 * Reads the records of one file (`bytes`, its whole content; `path` names it in errors).
 *
 * - A file that ends inside a record (in its header or its body), or whose very last record fails
 *   its crc, has a torn tail: the whole records before it are returned with `torn` set, and the
 *   caller decides (the last file of a log is repaired, any other is corrupt).
 * - A length that fails its check, or is over {@link MAX_RECORD_DATA}, anywhere; or a crc mismatch
 *   on a record that more bytes follow: `CorruptLog`, naming the file and the record's offset.
 *   A crash cuts a file short; it does not rewrite bytes in the middle, so this is damage.
 *
 * @throws EtcdError `CorruptLog` with detail `<path>, byte <offset>: <what is wrong>`
 */
export function decodeRecords(bytes: Uint8Array, path: string): DecodedRecords {
  // TODO(06): walk the records from offset 0, chaining the crc, checking each offset in the md table's order: a rest of nothing
  // TODO(06): but zero bytes, a header cut short, a bad length check, a length over MAX_RECORD_DATA, a record that runs past
  // TODO(06): the end, a bad crc on the last record, a bad crc with bytes after it. Torn tails go in `torn`; damage is
  // TODO(06): CorruptLog "<path>, byte <offset>: ...".
  throw new NotImplemented('06', 'decodeRecords');
}

