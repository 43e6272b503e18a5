/**
 * CRC-32C (Castagnoli), the checksum etcd's write-ahead log puts on every record
 * (`crc.MakeTable(crc.Castagnoli)` in etcd's wal/wal.go). Node has a crc32 only in zlib, and that
 * one is the other polynomial (IEEE), so here it is, table-driven.
 *
 * This file is given: a checksum is a tool of the log, not its lesson.
 *
 * A CRC can be continued: `crc32c(b, crc32c(a))` equals `crc32c(a + b)`. The log uses this to
 * chain its records (a "rolling" CRC): each record's CRC continues from the one before it.
 *
 * @example
 * ```ts
 * crc32c(new TextEncoder().encode('123456789'));   // 0xe3069283, the standard check value
 * const abc = new TextEncoder().encode('abc');
 * crc32c(abc.subarray(1), crc32c(abc.subarray(0, 1))) === crc32c(abc); // true: continued
 * ```
 */

/** The Castagnoli polynomial, bit-reversed (the form a right-shifting CRC uses). */
const POLYNOMIAL = 0x82f63b78;

/**
 * Eight tables of 256 entries ("slicing by 8"): TABLES[0] is the classic byte-at-a-time table;
 * TABLES[k][b] is the CRC of byte b followed by k zero bytes, so that eight bytes fold in one step.
 */
const TABLES: Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    tables[0]![b] = crc >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) tables[k]![b] = (tables[k - 1]![b]! >>> 8) ^ tables[0]![tables[k - 1]![b]! & 0xff]!;
  }
  return tables;
})();

/**
 * The CRC-32C of `bytes`, continuing from `previous` (the CRC of whatever came before; 0 to start).
 * Returns an unsigned 32-bit number.
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = ~previous >>> 0;
  let i = 0;
  const fast = bytes.length - (bytes.length % 8);
  for (; i < fast; i += 8) {
    const lo = (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    crc =
      t7[lo & 0xff]! ^ t6[(lo >>> 8) & 0xff]! ^ t5[(lo >>> 16) & 0xff]! ^ t4[lo >>> 24]! ^
      t3[bytes[i + 4]!]! ^ t2[bytes[i + 5]!]! ^ t1[bytes[i + 6]!]! ^ t0[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
