/**
 * Kata 06 — etcd: write-ahead log and recovery. The spec is katas/etcd/06-wal.md.
 *
 * Every test uses real files, in a fresh temporary directory. Nothing is timed: group commit is
 * checked by counting fsyncs through a file-system wrapper, and a crash is played by cutting or
 * damaging a file after the log is closed. The examples read as the spec; the properties check,
 * for any history of writes, that a cut log recovers exactly the longest whole prefix, that
 * snapshot + log recover exactly what was written (against an MvccStore that did the same writes,
 * compared at every revision), and that one damaged byte is refused or repaired, never believed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { join } from 'node:path';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  crc32c,
  decodeRecords,
  encodeRecord,
  MAX_RECORD_DATA,
  MvccStore,
  nodeWalFs,
  openDurableStore,
  segmentName,
  SNAPSHOT_FILE,
  Wal,
  type DurableStore,
  type WalFs,
  type WalRecord,
} from '@kube/etcd';
import { bytes, cut, failingFs, fillingFs, flip, inTempDir, noSyncFs, recordingFs, rejectionOf, sizeOf, tempDirs, text } from '../support/wal-files.ts';
import { applyToDurable, applyToModel, compactionTarget, differences, modelOf, showOp, walKeyArb, walOpArb, walValueArb, type WalOp } from '../support/wal-model.ts';
import { show } from '../support/show.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

/** A record of type 1 holding `data` as UTF-8. */
const rec = (data: string, type = 1): WalRecord => ({ type, data: bytes(data) });

/** Records as [type, text] pairs, to compare. */
const readable = (records: readonly WalRecord[]): [number, string][] => records.map((r) => [r.type, text(r.data)]);

/** The path of segment `n` of the log in `dir`. */
const segment = (dir: string, n = 1): string => join(dir, segmentName(n));

/** A log in `dir` holding `records`, closed. */
async function logWith(dir: string, ...records: WalRecord[]): Promise<void> {
  const { wal } = await Wal.open(dir);
  for (const record of records) await wal.append(record);
  await wal.close();
}

/** Writes segment `n` of the log in `dir` by hand: `records`, their crc chain starting from 0. */
function writeSegment(dir: string, n: number, ...records: WalRecord[]): void {
  let crc = 0;
  const parts = records.map((record) => {
    const encoded = encodeRecord(record, crc);
    crc = encoded.crc;
    return encoded.bytes;
  });
  writeFileSync(segment(dir, n), Buffer.concat(parts));
}

/** A snapshot file's one record by hand: the first segment after it (u64, little-endian), then `state`. */
function snapshotRecord(firstSegment: number, state: string, type = 255): Uint8Array {
  const data = Buffer.alloc(8 + Buffer.byteLength(state));
  data.writeBigUInt64LE(BigInt(firstSegment), 0);
  data.write(state, 8);
  return encodeRecord({ type, data }, 0).bytes;
}

/** The real file system, with `readdir` listing names in reverse order (the order is the file system's). */
const reversedFs: WalFs = { ...nodeWalFs, readdir: async (dir) => (await nodeWalFs.readdir(dir)).sort().reverse() };

describe('the record format', () => {
  it('encodeRecord lays a record out as length, its bitwise complement, CRC-32C, type and data, padded with zeros to a multiple of 8 bytes', () => {
    const { bytes: out, crc } = encodeRecord(rec('abc', 7), 0);
    expect(out.length).toBe(16); // 13 bytes of header, 3 of data: 16, a multiple of 8
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    expect(view.getUint32(0, true)).toBe(3);
    expect(view.getUint32(4, true)).toBe(~3 >>> 0);
    expect(out[12]).toBe(7);
    expect(text(out.subarray(13, 16))).toBe('abc');
    // The crc covers everything after it (type, data, padding) and starts from 0 for a first record.
    expect(view.getUint32(8, true)).toBe(crc32c(out.subarray(12), 0));
    expect(crc).toBe(view.getUint32(8, true));
    const padded = encodeRecord(rec('abcd'), 0).bytes;
    expect([padded.length, [...padded.subarray(17)]]).toEqual([24, [0, 0, 0, 0, 0, 0, 0]]);
  });

  it('the crc rolls: a record continues from the previous record\'s crc, so the same record encodes differently after another', () => {
    const first = encodeRecord(rec('first'), 0);
    const second = encodeRecord(rec('same'), first.crc);
    expect(second.crc).toBe(crc32c(second.bytes.subarray(12), first.crc));
    expect(second.crc).not.toBe(encodeRecord(rec('same'), 0).crc);
  });

  it('decodeRecords reads back the records, their end and the last crc, with no torn tail when the file ends on a record boundary', () => {
    const a = encodeRecord(rec('put a'), 0);
    const b = encodeRecord(rec('', 2), a.crc);
    const c = encodeRecord(rec('\u{1F600} and more than eight bytes'), b.crc);
    const file = Buffer.concat([a.bytes, b.bytes, c.bytes]);
    const decoded = decodeRecords(file, 'x.wal');
    expect(readable(decoded.records)).toEqual([[1, 'put a'], [2, ''], [1, '\u{1F600} and more than eight bytes']]);
    expect([decoded.end, decoded.crc, decoded.torn]).toEqual([file.length, c.crc, undefined]);
    expect(decodeRecords(new Uint8Array(0), 'x.wal')).toEqual({ records: [], end: 0, crc: 0, torn: undefined });
  });

  it.each([
    ['inside the header of the last record', 20],
    ['inside the data of the last record', 33],
    ['inside the padding of the last record', 38],
  ])('a file that ends %s has a torn tail at the start of that record; the records before it are whole', (_, length) => {
    const a = encodeRecord(rec('abc'), 0); // bytes 0..16
    const b = encodeRecord(rec('abcdefgh'), a.crc); // bytes 16..40: header 16..29, data 29..37, padding 37..40
    const decoded = decodeRecords(Buffer.concat([a.bytes, b.bytes]).subarray(0, length), 'x.wal');
    expect(readable(decoded.records)).toEqual([[1, 'abc']]);
    expect([decoded.end, decoded.crc, decoded.torn?.offset]).toEqual([16, a.crc, 16]);
  });

  it('a last record that fails its crc is a torn tail too (a crash can leave garbage in the sector it was writing)', () => {
    const a = encodeRecord(rec('abc'), 0);
    const b = encodeRecord(rec('defg'), a.crc);
    const file = Buffer.concat([a.bytes, b.bytes]);
    file[file.length - 8]! ^= 0x40; // a byte of the last record's data
    const decoded = decodeRecords(file, 'x.wal');
    expect(readable(decoded.records)).toEqual([[1, 'abc']]);
    expect(decoded.torn?.offset).toBe(16);
  });

  it('a file that ends in zero bytes (a block a crash left unwritten, 4,096 of them on ext4) has a torn tail there, with every record before it', () => {
    const a = encodeRecord(rec('abc'), 0);
    const b = encodeRecord(rec('defg'), a.crc);
    const decoded = decodeRecords(Buffer.concat([a.bytes, b.bytes, Buffer.alloc(4096)]), 'x.wal');
    expect(readable(decoded.records)).toEqual([[1, 'abc'], [1, 'defg']]);
    expect(decoded.torn?.offset).toBe(a.bytes.length + b.bytes.length);
    expect(decoded.crc).toBe(b.crc);
    // zeros with a record after them are not a tail: that is damage
    expect(() => decodeRecords(Buffer.concat([a.bytes, Buffer.alloc(16), b.bytes]), 'y.wal')).toThrow(/y\.wal, byte 16/);
  });

  it('a crc mismatch on a record with more records after it is CorruptLog "<file>, byte <offset>"', () => {
    const a = encodeRecord(rec('abc'), 0);
    const b = encodeRecord(rec('defg'), a.crc);
    const c = encodeRecord(rec('hij'), b.crc);
    const file = Buffer.concat([a.bytes, b.bytes, c.bytes]);
    file[16 + 14]! ^= 0x01; // in b's data
    let error: unknown;
    try {
      decodeRecords(file, '/var/lib/etcd/0000000000000001.wal');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain('wal: crc mismatch');
    expect((error as Error).message).toContain('/var/lib/etcd/0000000000000001.wal, byte 16');
  });

  it('a record length that does not match its check is CorruptLog, even in the last record: a crash cuts a file, it does not rewrite a length', () => {
    const a = encodeRecord(rec('abc'), 0);
    const b = encodeRecord(rec('defg'), a.crc);
    const file = Buffer.concat([a.bytes, b.bytes]);
    file[16 + 1]! ^= 0x01; // b's length grows by 256: it would run past the end of the file
    let error: unknown;
    try {
      decodeRecords(file, 'x.wal');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain('x.wal, byte 16');
  });

  it('encodeRecord throws a RangeError saying what it got for a type that is not a whole number 0-255 and for data over MAX_RECORD_DATA; types 0 and 255 are fine', () => {
    for (const type of [-1, 256, 1.5, Number.NaN]) {
      expect(() => encodeRecord(rec('x', type), 0), `type ${type}`).toThrow(new RangeError(`a record's type is a whole number 0-255 (got ${type})`));
    }
    expect(encodeRecord(rec('x', 0), 0).bytes[12]).toBe(0);
    expect(encodeRecord(rec('x', 255), 0).bytes[12]).toBe(255);
    // a stand-in for 1 GiB and one byte of data: only its length is looked at before the refusal
    const huge = { length: MAX_RECORD_DATA + 1, byteLength: MAX_RECORD_DATA + 1 } as Uint8Array;
    expect(() => encodeRecord({ type: 1, data: huge }, 0)).toThrow(new RangeError(`a record holds at most 1073741824 bytes (got 1073741825)`));
  });

  it('decodeRecords gives each torn tail its reason, word for word: zeros to the end, a cut header, a cut record (its size), a bad crc at the very end', () => {
    const a = encodeRecord(rec('abc'), 0); // bytes 0..16
    const b = encodeRecord(rec('abcdefgh'), a.crc); // bytes 16..40
    const both = Buffer.concat([a.bytes, b.bytes]);
    const reason = (file: Uint8Array) => decodeRecords(file, 'x.wal').torn?.reason;
    expect(reason(Buffer.concat([a.bytes, Buffer.alloc(4096)]))).toBe('the file ends in 4096 zero bytes (a block a crash left unwritten)');
    expect(reason(Buffer.concat([a.bytes, Buffer.alloc(16)])), 'the count is the zeros found, not a block\'s size').toBe('the file ends in 16 zero bytes (a block a crash left unwritten)');
    expect(reason(both.subarray(0, 20))).toBe('the file ends inside a record header');
    // 8 bytes left: the whole length and its check, so the length says how far the record runs
    expect(reason(both.subarray(0, 24))).toBe('the file ends inside a record of 24 bytes');
    expect(reason(both.subarray(0, 33))).toBe('the file ends inside a record of 24 bytes');
    const badLast = Buffer.from(both);
    badLast[30]! ^= 0x04;
    expect(reason(badLast)).toBe('the last record fails its crc');
  });

  it('decodeRecords says what is wrong with damage, word for word: a length that fails its check, and a crc mismatch with both crcs as 0x and 8 hex digits', () => {
    const a = encodeRecord(rec('abc'), 0);
    const b = encodeRecord(rec('defg'), a.crc);
    const lengthDamaged = Buffer.concat([a.bytes, b.bytes]);
    lengthDamaged[17]! ^= 0x01; // 4 becomes 260
    expect(() => decodeRecords(lengthDamaged, 'x.wal')).toThrow('x.wal, byte 16: the record length 260 does not match its check');

    // a middle record whose stored crc has a leading zero digit, so that the 8 digits show
    let middle = encodeRecord(rec('m0'), a.crc);
    for (let i = 1; middle.crc >= 0x10000000; i++) middle = encodeRecord(rec(`m${i}`), a.crc);
    const after = encodeRecord(rec('z'), middle.crc);
    const file = Buffer.concat([a.bytes, middle.bytes, after.bytes]);
    file[16 + 12]! ^= 0x02; // its type: the crc no longer matches
    const computed = crc32c(file.subarray(16 + 12, 16 + middle.bytes.length), a.crc);
    const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
    expect(() => decodeRecords(file, 'x.wal')).toThrow(`x.wal, byte 16: the record's crc ${hex(middle.crc)} does not match its bytes (${hex(computed)}), and more records follow`);
  });

  it('a record length over MAX_RECORD_DATA is CorruptLog even where the file ends inside it, while a length of exactly MAX_RECORD_DATA the file ends inside is a torn tail', () => {
    const header = (length: number): Uint8Array => {
      const out = new Uint8Array(16);
      const view = new DataView(out.buffer);
      view.setUint32(0, length, true);
      view.setUint32(4, ~length >>> 0, true);
      return out;
    };
    const a = encodeRecord(rec('abc'), 0);
    expect(() => decodeRecords(Buffer.concat([a.bytes, header(MAX_RECORD_DATA + 1)]), 'x.wal')).toThrow(
      'x.wal, byte 16: the record length 1073741825 is over the limit of 1073741824 bytes',
    );
    const decoded = decodeRecords(Buffer.concat([a.bytes, header(MAX_RECORD_DATA)]), 'x.wal');
    expect([readable(decoded.records), decoded.torn?.offset]).toEqual([[[1, 'abc']], 16]);
  });
});

describe('the log: append, group commit, recovery', () => {
  it('Wal.open creates the directory and the first segment; records appended come back, in order, after reopening', async () => {
    const dir = join(dirs.make(), 'member', 'wal');
    const opened = await Wal.open(dir);
    expect([opened.snapshot, opened.records, opened.repaired]).toEqual([undefined, [], undefined]);
    await opened.wal.append(rec('one'));
    await opened.wal.append(rec('two', 2));
    await opened.wal.close();
    expect(readdirSync(dir)).toEqual([segmentName(1)]);
    expect(segmentName(1)).toBe('0000000000000001.wal');
    const again = await Wal.open(dir);
    expect(readable(again.records)).toEqual([[1, 'one'], [2, 'two']]);
    await again.wal.close();
  });

  it('append resolves only after the write and the fsync that carry its record have finished', async () => {
    const dir = dirs.make();
    const { fs, events } = recordingFs();
    const { wal } = await Wal.open(dir, { fs });
    events.length = 0;
    await wal.append(rec('abc')).then(() => events.push('resolved'));
    expect(events).toEqual(['write 16', 'sync', 'sync done', 'resolved']);
    expect(sizeOf(segment(dir))).toBe(16);
    await wal.close();
  });

  it('appends started together share their fsyncs (group commit): 100 appends, at most 2 fsyncs, every record kept in order', async () => {
    const dir = dirs.make();
    const { fs, syncs } = recordingFs();
    const { wal } = await Wal.open(dir, { fs });
    const before = syncs();
    await Promise.all(Array.from({ length: 100 }, (_, i) => wal.append(rec(`record ${i}`))));
    expect(syncs() - before).toBeLessThanOrEqual(2);
    await wal.close();
    const { records, wal: again } = await Wal.open(dir);
    expect(records.map((r) => text(r.data))).toEqual(Array.from({ length: 100 }, (_, i) => `record ${i}`));
    await again.close();
  });

  it.each([
    ['in the middle of its header', 5],
    ['in the middle of its data', 17],
  ])('a torn last record (cut %s) is cut off on open: the file is truncated to the last whole record and appends continue after it', async (_, into) => {
    const dir = dirs.make();
    await logWith(dir, rec('abc'), rec('0123456789'));
    cut(segment(dir), 16 + into);
    const opened = await Wal.open(dir);
    expect(readable(opened.records)).toEqual([[1, 'abc']]);
    expect(opened.repaired).toMatchObject({ file: segment(dir), offset: 16 });
    expect(sizeOf(segment(dir))).toBe(16);
    await opened.wal.append(rec('after'));
    await opened.wal.close();
    const again = await Wal.open(dir);
    expect([readable(again.records), again.repaired]).toEqual([[[1, 'abc'], [1, 'after']], undefined]);
    await again.wal.close();
  });

  it('a repair is on the disk before the log answers: the truncated segment is fsync\'d, then the directory; a log that needed no repair is opened with no fsync at all', async () => {
    const dir = dirs.make();
    await logWith(dir, rec('abc'), rec('0123456789'));
    const clean = recordingFs();
    await (await Wal.open(dir, { fs: clean.fs })).wal.close();
    expect(clean.events.filter((e) => e === 'sync' || e === 'syncDir'), 'a whole log: nothing to make durable').toEqual([]);
    cut(segment(dir), 16 + 5);
    const { fs, events } = recordingFs();
    const opened = await Wal.open(dir, { fs });
    const truncated = events.indexOf(`truncate ${segmentName(1)} 16`);
    expect(truncated, events.join(', ')).toBeGreaterThanOrEqual(0);
    const synced = events.indexOf('sync', truncated);
    expect(synced, `the segment fsync'd after its truncation: ${events.join(', ')}`).toBeGreaterThan(truncated);
    expect(events.indexOf('syncDir', synced), events.join(', ')).toBeGreaterThan(synced);
    await opened.wal.close();
  });

  it('a last record with a bad crc is cut off the same way, and the appends after the repair chain their crc from the record before it', async () => {
    const dir = dirs.make();
    await logWith(dir, rec('abc'), rec('defg'));
    flip(segment(dir), 16 + 14, 0x20);
    const opened = await Wal.open(dir);
    expect([readable(opened.records), opened.repaired?.offset]).toEqual([[[1, 'abc']], 16]);
    await opened.wal.append(rec('next'));
    await opened.wal.close();
    const again = await Wal.open(dir);
    expect(readable(again.records)).toEqual([[1, 'abc'], [1, 'next']]);
    await again.wal.close();
  });

  it('a bad crc in the middle of the log refuses to open, with CorruptLog naming the file and the byte offset, and leaves the file as it was', async () => {
    const dir = dirs.make();
    await logWith(dir, rec('abc'), rec('defg'), rec('hij'));
    flip(segment(dir), 16 + 13, 0x01);
    const damaged = readFileSync(segment(dir));
    const error = await rejectionOf(() => Wal.open(dir));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain(`${segment(dir)}, byte 16`);
    expect(readFileSync(segment(dir)).equals(damaged)).toBe(true);
  });

  it('a log directory that cannot be created is LogUnavailable, with the path and the system\'s reason', async () => {
    const parent = dirs.make();
    writeFileSync(join(parent, 'not-a-dir'), 'a file');
    const path = join(parent, 'not-a-dir', 'wal');
    const error = await rejectionOf(() => Wal.open(path));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
    expect((error as Error).message).toContain('wal: cannot use the log directory');
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('ENOTDIR');
    const fromStore = await rejectionOf(() => openDurableStore(path));
    expect(fromStore).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
  });

  it('a failed fsync rejects the append with LogUnavailable, and the log takes no more appends', async () => {
    const dir = dirs.make();
    await logWith(dir); // the log exists: opening it again needs no fsync
    const { wal } = await Wal.open(dir, { fs: failingFs('sync') });
    const error = await rejectionOf(() => wal.append(rec('abc')));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
    expect((error as Error).message).toContain('ENOSPC');
    expect((error as Error).message, 'the message names where').toContain(dir);
    expect(await rejectionOf(() => wal.append(rec('more')))).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
  });

  it('Wal.open on a new directory fsyncs the new segment 1 and then the directory before it resolves', async () => {
    const dir = dirs.make();
    const { fs, events } = recordingFs();
    const { wal } = await Wal.open(dir, { fs });
    const opened = events.indexOf(`open ${segmentName(1)}`);
    const synced = events.indexOf('sync done', opened);
    expect([opened >= 0, synced > opened, events.indexOf('syncDir', synced) > synced]).toEqual([true, true, true]);
    await wal.close();
  });

  it('segments are read in the order of their numbers, whatever order readdir lists them in, and appends go to the last one', async () => {
    const dir = dirs.make();
    // a snapshot that starts at segment 9 (its clean-up done), then segments 9, a (10) and b (11)
    writeFileSync(join(dir, SNAPSHOT_FILE), snapshotRecord(9, 'state'));
    writeSegment(dir, 9, rec('9'));
    writeSegment(dir, 10, rec('10'));
    writeSegment(dir, 11, rec('11'));
    const opened = await Wal.open(dir, { fs: reversedFs });
    expect([text(opened.snapshot!), readable(opened.records)]).toEqual(['state', [[1, '9'], [1, '10'], [1, '11']]]);
    await opened.wal.append(rec('12'));
    await opened.wal.close();
    const again = await Wal.open(dir, { fs: reversedFs });
    expect(readable(again.records)).toEqual([[1, '9'], [1, '10'], [1, '11'], [1, '12']]);
    await again.wal.close();
  });

  it('segments numbered below the snapshot\'s are removed on open, and a missing segment in the middle is CorruptLog naming it', async () => {
    const dir = dirs.make();
    writeFileSync(join(dir, SNAPSHOT_FILE), snapshotRecord(2, 'state'));
    writeSegment(dir, 1, rec('in the snapshot'));
    writeSegment(dir, 2, rec('after it'));
    const opened = await Wal.open(dir);
    expect(readable(opened.records)).toEqual([[1, 'after it']]);
    expect(readdirSync(dir).sort()).toEqual([segmentName(2), SNAPSHOT_FILE]);
    await opened.wal.close();

    const gap = dirs.make();
    writeSegment(gap, 1, rec('1'));
    writeSegment(gap, 3, rec('3'));
    const error = await rejectionOf(() => Wal.open(gap));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain(`${segment(gap, 2)}, byte 0`);
  });

  it('files that are not the log\'s (a README, "abc", a .wal.broken copy, a name of 17 digits) are left alone when the log opens', async () => {
    const dir = dirs.make();
    writeSegment(dir, 1, rec('one'));
    const strangers = ['README', 'abc', `${segmentName(1)}.broken`, `0${segmentName(1)}`, '00000000000000AB.wal'];
    for (const name of strangers) writeFileSync(join(dir, name), 'not a segment');
    const opened = await Wal.open(dir);
    expect([readable(opened.records), opened.repaired]).toEqual([[[1, 'one']], undefined]);
    await opened.wal.close();
    expect(readdirSync(dir).sort()).toEqual([segmentName(1), ...strangers].sort());
  });

  it('after close(), append and snapshot reject with LogUnavailable naming the directory, and write nothing', async () => {
    const dir = dirs.make();
    const { fs, events } = recordingFs();
    const { wal } = await Wal.open(dir, { fs });
    await wal.append(rec('before'));
    await wal.close();
    expect(events.at(-1)).toBe('close');
    events.length = 0;
    for (const refused of [() => wal.append(rec('after')), () => wal.snapshot(bytes('state'))]) {
      const error = await rejectionOf(refused);
      expect(error).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
      expect((error as Error).message).toContain(dir);
    }
    expect(events).toEqual([]);
    const again = await Wal.open(dir);
    expect([again.snapshot, readable(again.records)]).toEqual([undefined, [[1, 'before']]]);
    await again.wal.close();
  });

  it('a failed fsync rejects every append and snapshot queued behind it, and the log refuses later ones without writing anything', async () => {
    const dir = dirs.make();
    await logWith(dir);
    const { fs, events } = recordingFs(failingFs('sync'));
    const { wal } = await Wal.open(dir, { fs });
    const queued = [wal.append(rec('a')), wal.snapshot(bytes('state')), wal.append(rec('b'))];
    for (const done of queued) expect(await rejectionOf(() => done)).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
    events.length = 0;
    expect(await rejectionOf(() => wal.append(rec('c')))).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
    expect(events).toEqual([]);
  });
});

describe('snapshots', () => {
  it('snapshot writes the state atomically (through snapshot.tmp, fsync, rename, directory fsync), then removes the segments before it', async () => {
    const dir = dirs.make();
    const { fs, events } = recordingFs();
    const { wal } = await Wal.open(dir, { fs });
    await wal.append(rec('before'));
    events.length = 0;
    await wal.snapshot(bytes('the state'));
    const order = ['open 0000000000000002.wal', 'open snapshot.tmp', 'sync', 'rename snapshot.tmp snapshot', 'remove 0000000000000001.wal'];
    expect(order.map((e) => events.indexOf(e)).every((at, i, all) => at >= 0 && (i === 0 || at > all[i - 1]!))).toBe(true);
    const rename = events.indexOf('rename snapshot.tmp snapshot');
    expect(events.indexOf('syncDir', rename)).toBeGreaterThan(rename);
    // snapshot.tmp is closed before it is renamed
    expect(events.slice(events.indexOf('open snapshot.tmp'), rename)).toContain('close');
    await wal.append(rec('after'));
    await wal.close();
    expect(readdirSync(dir).sort()).toEqual([segmentName(2), SNAPSHOT_FILE]);
    const again = await Wal.open(dir);
    expect(text(again.snapshot!)).toBe('the state');
    expect(readable(again.records)).toEqual([[1, 'after']]);
    await again.wal.close();
  });

  it('appends made right after snapshot() is called land after the snapshot, never in it or lost', async () => {
    const dir = dirs.make();
    const { wal } = await Wal.open(dir);
    const done = [wal.append(rec('1')), wal.snapshot(bytes('state with 1')), wal.append(rec('2')), wal.append(rec('3'))];
    await Promise.all(done);
    await wal.close();
    const again = await Wal.open(dir);
    expect([text(again.snapshot!), readable(again.records)]).toEqual(['state with 1', [[1, '2'], [1, '3']]]);
    await again.wal.close();
  });

  it('appends queued on both sides of a snapshot() call land on their side of it, whatever the batches', async () => {
    const dir = dirs.make();
    const { wal } = await Wal.open(dir);
    const done = [wal.append(rec('1')), wal.append(rec('2')), wal.snapshot(bytes('state with 1 and 2')), wal.append(rec('3')), wal.append(rec('4'))];
    await Promise.all(done);
    await wal.close();
    const again = await Wal.open(dir);
    expect([text(again.snapshot!), readable(again.records)]).toEqual(['state with 1 and 2', [[1, '3'], [1, '4']]]);
    await again.wal.close();
  });

  it('an empty state is a snapshot too: it comes back as zero bytes, not as no snapshot', async () => {
    const dir = dirs.make();
    const { wal } = await Wal.open(dir);
    await wal.snapshot(new Uint8Array(0));
    await wal.close();
    const again = await Wal.open(dir);
    expect([again.snapshot?.length, again.records]).toEqual([0, []]);
    await again.wal.close();
  });

  it.each([
    ['empty', () => new Uint8Array(0)],
    ['two records', () => Buffer.concat([snapshotRecord(1, 'one'), encodeRecord({ type: 255, data: bytes('0123456789') }, 0).bytes])],
    ['one record of another type', () => snapshotRecord(1, 'state', 1)],
    ['one record of fewer than 8 bytes', () => encodeRecord({ type: 255, data: bytes('1234567') }, 0).bytes],
  ])('a snapshot file that is not one whole record of type 255 with at least 8 bytes (here %s) is CorruptLog naming it', async (_, content) => {
    const dir = dirs.make();
    writeFileSync(join(dir, SNAPSHOT_FILE), content());
    const error = await rejectionOf(() => Wal.open(dir));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain(join(dir, SNAPSHOT_FILE));
  });

  it('a snapshot interrupted before its rename loses nothing: the old snapshot and both segments are replayed, and snapshot.tmp is removed', async () => {
    const dir = dirs.make();
    await logWith(dir, rec('1'));
    const { wal } = await Wal.open(dir, { fs: failingFs('rename') });
    await wal.append(rec('2'));
    expect(await rejectionOf(() => wal.snapshot(bytes('never renamed')))).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
    expect(readdirSync(dir)).toContain(`${SNAPSHOT_FILE}.tmp`);
    // A failed snapshot breaks the log as a failed fsync does: what it left is for recovery to judge.
    expect(await rejectionOf(() => wal.append(rec('3'))), 'an append after the failed snapshot').toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
    expect(await rejectionOf(() => wal.snapshot(bytes('again'))), 'a second snapshot after the failed one').toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
    const again = await Wal.open(dir);
    expect([again.snapshot, readable(again.records)]).toEqual([undefined, [[1, '1'], [1, '2']]]);
    expect(readdirSync(dir)).not.toContain(`${SNAPSHOT_FILE}.tmp`);
    await again.wal.close();
  });

  it('a torn record in a segment that is not the last is CorruptLog, not a repair', async () => {
    const dir = dirs.make();
    await logWith(dir, rec('1'), rec('2'));
    const { wal } = await Wal.open(dir, { fs: failingFs('rename') }); // leaves segments 1 and 2
    await rejectionOf(() => wal.snapshot(bytes('never renamed')));
    cut(segment(dir, 1), 20);
    const error = await rejectionOf(() => Wal.open(dir));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain(`${segment(dir, 1)}, byte 16`);
  });

  it('a damaged snapshot file is CorruptLog naming it', async () => {
    const dir = dirs.make();
    const { wal } = await Wal.open(dir);
    await wal.snapshot(bytes('a state long enough to damage'));
    await wal.close();
    flip(join(dir, SNAPSHOT_FILE), 30, 0x08);
    const error = await rejectionOf(() => Wal.open(dir));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain(join(dir, SNAPSHOT_FILE));
  });
});

describe('the durable store', () => {
  it('a compaction the store refuses logs nothing (the next open replays cleanly), and synced() rejects once the store is closed', async () => {
    const dir = dirs.make();
    const db = await openDurableStore(dir);
    await db.put('a', '1');
    expect(await rejectionOf(() => db.compact(99))).toMatchObject({ name: 'EtcdError', code: 'FutureRevision' });
    await db.close();
    expect(await rejectionOf(() => db.synced()), 'synced() after close()').toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
    const again = await openDurableStore(dir);
    expect([again.revision, again.store.compacted]).toEqual([2, 0]);
    await again.close();
  });

  it('a new directory opens as a store at revision 1; writes resolve with their revision and come back after reopening, with their history', async () => {
    const dir = dirs.make();
    const db = await openDurableStore(dir);
    expect(db.revision).toBe(1);
    expect((await db.put('a', '1')).header.revision).toBe(2);
    expect((await db.put('a', '2')).header.revision).toBe(3);
    expect((await db.write((txn) => (txn.put('b', '1'), txn.delete('a')))).deleted).toBe(1);
    await db.close();
    const again = await openDurableStore(dir);
    expect(again.revision).toBe(4);
    expect(again.range('a', undefined, { revision: 3 }).kvs[0]).toMatchObject({ key: 'a', value: '2', createRevision: 2, modRevision: 3, version: 2 });
    expect(again.range('a').kvs).toEqual([]);
    expect(again.range('b').kvs[0]).toMatchObject({ value: '1', modRevision: 4 });
    await again.close();
  });

  it('a put resolves only after its record is fsync\'d, and a delete of a missing key writes no record', async () => {
    const dir = dirs.make();
    const { fs, events } = recordingFs();
    const db = await openDurableStore(dir, { fs });
    events.length = 0;
    await db.put('a', '1').then(() => events.push('resolved'));
    expect(events.slice(-2)).toEqual(['sync done', 'resolved']);
    events.length = 0;
    expect((await db.delete('missing')).header.revision).toBe(2);
    expect(events.filter((e) => e.startsWith('write'))).toEqual([]);
    await db.close();
  });

  it('synced() resolves once every write applied in memory is on the disk, and once an fsync failed it rejects with LogUnavailable, every time after', async () => {
    const dir = dirs.make();
    const { fs: recording, events } = recordingFs();
    const db = await openDurableStore(dir, { fs: recording });
    events.length = 0;
    db.store.put('a', '1'); // through the in-memory store, as the apiserver's registry writes
    await db.synced().then(() => events.push('synced'));
    expect(events.slice(-2)).toEqual(['sync done', 'synced']);
    await db.close();

    const { fs, fill } = fillingFs();
    const full = await openDurableStore(dir, { fs });
    full.store.put('b', '2');
    await full.synced();
    fill();
    full.store.put('c', '3');
    for (let i = 0; i < 2; i++) {
      const error = await rejectionOf(() => full.synced());
      expect(error).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
      expect((error as Error).message).toContain('ENOSPC');
    }
    await full.close().catch(() => undefined);
    const again = await openDurableStore(dir);
    // every write synced() vouched for is there ('c' was never vouched for: it may or may not be)
    expect(again.range('a', 'c').kvs.map((kv) => kv.key)).toEqual(['a', 'b']);
    await again.close();
  });

  it('a failed write is not logged and the store stays as it was, after a reopen too', async () => {
    const dir = dirs.make();
    const db = await openDurableStore(dir);
    await db.put('a', '1');
    const error = await rejectionOf(() => db.put('', 'no key'));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'EmptyKey' });
    await db.close();
    const again = await openDurableStore(dir);
    expect([again.revision, again.range('a').kvs[0]?.value]).toEqual([2, '1']);
    await again.close();
  });

  it('compaction is logged: after reopening, reads below it fail with "mvcc: required revision has been compacted"', async () => {
    const dir = dirs.make();
    const db = await openDurableStore(dir);
    for (const v of ['1', '2', '3']) await db.put('a', v);
    await db.compact(3);
    await db.close();
    const again = await openDurableStore(dir);
    expect(again.store.compacted).toBe(3);
    expect(() => again.range('a', undefined, { revision: 2 })).toThrow('mvcc: required revision has been compacted');
    expect(again.range('a', undefined, { revision: 3 }).kvs[0]?.value).toBe('2');
    await again.close();
  });

  it('snapshot, more writes, reopen: the same keys, history, compaction and revision, from the snapshot and the records after it', async () => {
    const dir = dirs.make();
    const db = await openDurableStore(dir);
    const model = new MvccStore();
    const ops: WalOp[] = [
      { kind: 'put', key: 'a', value: '1' },
      { kind: 'put', key: 'b', value: '1' },
      { kind: 'delete', key: 'a', prefix: false },
      { kind: 'put', key: 'a', value: '2' },
      { kind: 'compact', pick: 1 },
    ];
    for (const op of ops) (await applyToDurable(db, op), applyToModel(model, op));
    await db.snapshot();
    const after: WalOp[] = [{ kind: 'put', key: 'b', value: '2' }, { kind: 'txn', puts: [['c', '1']], deletes: ['a'] }];
    for (const op of after) (await applyToDurable(db, op), applyToModel(model, op));
    await db.close();
    expect(readdirSync(dir).sort()).toEqual([segmentName(2), SNAPSHOT_FILE]);
    const again = await openDurableStore(dir);
    expect(differences(again.store, model)).toEqual([]);
    await again.close();
  });

  it('a put\'s lease comes back after a reopen, and once open a lease the store\'s registry does not know is LeaseNotFound again', async () => {
    const dir = dirs.make();
    const db = await openDurableStore(dir);
    db.store.leases = { has: (id) => id === 7 };
    await db.put('a', '1', { lease: 7 });
    await db.close();
    const again = await openDurableStore(dir);
    expect(again.range('a').kvs[0]).toMatchObject({ value: '1', lease: 7 });
    expect(await rejectionOf(() => again.put('b', '1', { lease: 7 }))).toMatchObject({ name: 'EtcdError', code: 'LeaseNotFound' });
    await again.close();
  });

  it('after close(), writes reject with LogUnavailable naming the directory and change nothing in memory', async () => {
    const dir = dirs.make();
    const db = await openDurableStore(dir);
    await db.put('a', '1');
    await db.close();
    for (const write of [() => db.put('a', '2'), () => db.delete('a'), () => db.write((txn) => txn.put('b', '1')), () => db.compact(2)]) {
      const error = await rejectionOf(write);
      expect(error).toMatchObject({ name: 'EtcdError', code: 'LogUnavailable' });
      expect((error as Error).message).toContain(dir);
    }
    expect([db.revision, db.range('a').kvs[0]?.value, db.store.compacted]).toEqual([2, '1', 0]);
  });

  it.each([
    ['of an unknown type', { type: 7, data: bytes('[2,[[0,"a","1",0]]]') }],
    ['that replays at another revision than it names', { type: 1, data: bytes('[5,[[0,"a","1",0]]]') }],
  ])('a record %s refuses to open the store with CorruptLog, and the log is closed again', async (_, record) => {
    const dir = dirs.make();
    writeSegment(dir, 1, record);
    const { fs, events } = recordingFs();
    const error = await rejectionOf(() => openDurableStore(dir, { fs }));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain(dir);
    expect(events.at(-1)).toBe('close');
  });

  it('a damaged record in the middle of the log refuses to open the store (CorruptLog), rather than open it with less', async () => {
    const dir = dirs.make();
    const db = await openDurableStore(dir);
    await db.put('a', '1');
    await db.put('b', '2');
    await db.close();
    flip(segment(dir), 14, 0x01);
    const error = await rejectionOf(() => openDurableStore(dir));
    expect(error).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
    expect((error as Error).message).toContain(`${segment(dir)}, byte 0`);
  });
});

// ---- properties ------------------------------------------------------------------------------------

/** Runs `ops` on a durable store in `dir`, one at a time; returns the segment's size after each. */
async function writeAll(dir: string, ops: readonly WalOp[]): Promise<number[]> {
  const db = await openDurableStore(dir, { fs: noSyncFs });
  const ends: number[] = [];
  for (const op of ops) {
    await applyToDurable(db, op);
    ends.push(sizeOf(segment(dir)));
  }
  await db.close();
  return ends;
}

const opsArb = fc.array(walOpArb, { minLength: 1, maxLength: 16 });

describe('properties', () => {
  test.prop([opsArb, fc.nat()])(
    'cutting the log at any byte recovers exactly the writes whose records are whole (every acknowledged one before the cut), and the log takes appends again',
    async (ops, at) => {
      await inTempDir(async (dir) => {
        const ends = await writeAll(dir, ops);
        const size = sizeOf(segment(dir));
        const cutAt = at % (size + 1);
        cut(segment(dir), cutAt);
        const whole = ends.filter((end) => end <= cutAt).length; // ops whose record ends before the cut
        const db = await openDurableStore(dir, { fs: noSyncFs });
        const model = modelOf(ops.slice(0, whole));
        expect(differences(db.store, model), `ops ${ops.map(showOp).join('; ')}, cut at byte ${cutAt} of ${size}`).toEqual([]);
        await db.put('after', 'the repair');
        await db.close();
        model.put('after', 'the repair');
        const again = await openDurableStore(dir, { fs: noSyncFs });
        expect(differences(again.store, model)).toEqual([]);
        await again.close();
      });
    },
  );

  test.prop([opsArb, fc.nat(), fc.integer({ min: 1, max: 255 })])(
    'flipping one byte of the log is CorruptLog naming the file and the damaged record, or, in the last record past its length, a repair to the writes before it; never a different store',
    async (ops, at, mask) => {
      await inTempDir(async (dir) => {
        const ends = await writeAll(dir, ops);
        const size = sizeOf(segment(dir));
        fc.pre(size > 0);
        const where = at % size;
        flip(segment(dir), where, mask);
        const starts = [0, ...new Set(ends)].filter((s) => s < size); // where each record starts
        const record = starts.filter((s) => s <= where).length - 1;
        const start = starts[record]!;
        const isLast = record === starts.length - 1;
        const story = `ops ${ops.map(showOp).join('; ')}, byte ${where} of ${size} xor ${mask}`;
        if (isLast && where - start >= 8) {
          const db = await openDurableStore(dir, { fs: noSyncFs });
          const whole = ends.filter((end) => end <= start).length;
          expect(differences(db.store, modelOf(ops.slice(0, whole))), story).toEqual([]);
          await db.close();
        } else {
          const error = await rejectionOf(() => openDurableStore(dir, { fs: noSyncFs }));
          expect(error, story).toMatchObject({ name: 'EtcdError', code: 'CorruptLog' });
          expect((error as Error).message, story).toContain(`${segment(dir)}, byte ${start}`);
        }
      });
    },
  );

  test.prop([
    fc.commands(
      [
        fc.tuple(walKeyArb, walValueArb).map(([key, value]) => new OpCommand({ kind: 'put', key, value })),
        fc.tuple(walKeyArb, fc.boolean()).map(([key, prefix]) => new OpCommand({ kind: 'delete', key, prefix })),
        fc
          .tuple(fc.uniqueArray(fc.tuple(walKeyArb, walValueArb), { maxLength: 3, selector: ([k]) => k }), fc.uniqueArray(walKeyArb, { maxLength: 2 }))
          .map(([puts, deletes]) => new OpCommand({ kind: 'txn', puts, deletes })),
        fc.nat().map((pick) => new OpCommand({ kind: 'compact', pick })),
        fc.constant(new SnapshotCommand()),
        fc.constant(new ReopenCommand()),
      ],
      { maxCommands: 25 },
    ),
  ])('model-based: after any writes, compactions, snapshots and restarts, the store recovered from snapshot + log equals the store that did the same writes, at every revision', async (commands) => {
    await inTempDir(async (dir) => {
      const real: DurableReal = { dir, db: await openDurableStore(dir, { fs: noSyncFs }) };
      try {
        await fc.asyncModelRun(() => ({ model: { store: new MvccStore() }, real }), commands);
        await new ReopenCommand().run({ store: real.db.store as MvccStore }, real);
      } finally {
        await real.db.close();
      }
    });
  });
});

interface DurableReal {
  dir: string;
  db: DurableStore;
}
type Model = { store: MvccStore };

/** One write (put, delete, write txn, compact) on both stores; both answer with the same revision. */
class OpCommand implements fc.AsyncCommand<Model, DurableReal> {
  constructor(readonly op: WalOp) {}
  check = (): boolean => true;
  async run(model: Model, real: DurableReal): Promise<void> {
    if (this.op.kind === 'compact' && compactionTarget(this.op, model.store) === undefined) return;
    applyToModel(model.store, this.op);
    await applyToDurable(real.db, this.op);
    expect(real.db.revision, String(this)).toBe(model.store.revision);
  }
  toString = (): string => showOp(this.op);
}

/** A snapshot of the durable store (the model has nothing to do). */
class SnapshotCommand implements fc.AsyncCommand<Model, DurableReal> {
  check = (): boolean => true;
  async run(_model: Model, real: DurableReal): Promise<void> {
    await real.db.snapshot();
  }
  toString = (): string => 'snapshot()';
}

/** Close and reopen: the recovered store must equal the model at every revision. */
class ReopenCommand implements fc.AsyncCommand<Model, DurableReal> {
  check = (): boolean => true;
  async run(model: Model, real: DurableReal): Promise<void> {
    await real.db.close();
    real.db = await openDurableStore(real.dir, { fs: noSyncFs });
    expect(differences(real.db.store, model.store), `after reopening ${show(real.dir)}`).toEqual([]);
  }
  toString = (): string => 'reopen()';
}
