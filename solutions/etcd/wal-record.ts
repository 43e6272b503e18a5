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
  const { type, data } = record;
  if (!Number.isInteger(type) || type < 0 || type > 255) throw new RangeError(`a record's type is a whole number 0-255 (got ${type})`);
  if (data.length > MAX_RECORD_DATA) throw new RangeError(`a record holds at most ${MAX_RECORD_DATA} bytes (got ${data.length})`);
  const bytes = new Uint8Array(recordSize(data.length)); // zero-filled: the padding is already there
  const view = new DataView(bytes.buffer);
  view.setUint32(0, data.length, true);
  view.setUint32(4, ~data.length >>> 0, true);
  bytes[12] = type;
  bytes.set(data, RECORD_HEADER_BYTES);
  // The crc covers everything after it: type, data and padding. Every byte of a record is checked:
  // the header's first 8 by the length check, the rest by the crc.
  const crc = crc32c(bytes.subarray(12), previousCrc);
  view.setUint32(8, crc, true);
  return { bytes, crc };
}

/**
 * Reads the records of one file (`bytes`, its whole content; `path` names it in errors).
 *
 * - A file that ends inside a record (in its header or its body), whose very last record fails
 *   its crc, or whose rest is nothing but zero bytes (a block allocated but never written), has a
 *   torn tail: the whole records before it are returned with `torn` set, and the
 *   caller decides (the last file of a log is repaired, any other is corrupt).
 * - A length that fails its check, or is over {@link MAX_RECORD_DATA}, anywhere; or a crc mismatch
 *   on a record that more bytes follow: `CorruptLog`, naming the file and the record's offset.
 *   A crash cuts a file short; it does not rewrite bytes in the middle, so this is damage.
 *
 * @throws EtcdError `CorruptLog` with detail `<path>, byte <offset>: <what is wrong>`
 */
export function decodeRecords(bytes: Uint8Array, path: string): DecodedRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: WalRecord[] = [];
  let offset = 0;
  let crc = 0;
  const tornAt = (reason: string): DecodedRecords => ({ records, end: offset, crc, torn: { offset, reason } });
  const corruptAt = (what: string): EtcdError => new EtcdError('CorruptLog', `${path}, byte ${offset}: ${what}`);

  while (offset < bytes.length) {
    // A machine that stops while the file grows can leave the new block's bytes as zeros (ext4
    // allocates the block before the data lands): nothing but zeros to the end is a torn tail.
    if (zerosToEnd(bytes, offset)) return tornAt(`the file ends in ${bytes.length - offset} zero bytes (a block a crash left unwritten)`);
    if (bytes.length - offset < 8) return tornAt('the file ends inside a record header');
    const length = view.getUint32(offset, true);
    // A torn write leaves a prefix of what was written, so a complete length is the length that
    // was written: if it disagrees with its check, the bytes were damaged after the fact.
    if (view.getUint32(offset + 4, true) !== (~length >>> 0)) throw corruptAt(`the record length ${length} does not match its check`);
    if (length > MAX_RECORD_DATA) throw corruptAt(`the record length ${length} is over the limit of ${MAX_RECORD_DATA} bytes`);
    const end = offset + recordSize(length);
    if (end > bytes.length) return tornAt(`the file ends inside a record of ${end - offset} bytes`);
    const stored = view.getUint32(offset + 8, true);
    const computed = crc32c(bytes.subarray(offset + 12, end), crc);
    if (stored !== computed) {
      // The last record of the file may have been half-written when the machine stopped (a disk
      // can leave garbage in a sector it did not finish): cut it off. Anywhere else, it is damage.
      if (end === bytes.length) return tornAt('the last record fails its crc');
      throw corruptAt(`the record's crc ${hex(stored)} does not match its bytes (${hex(computed)}), and more records follow`);
    }
    records.push({ type: bytes[offset + 12]!, data: bytes.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length) });
    crc = stored;
    offset = end;
  }
  return { records, end: offset, crc, torn: undefined };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Whether every byte from `offset` to the end is zero. */
function zerosToEnd(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
