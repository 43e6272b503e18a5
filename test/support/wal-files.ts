/**
 * Real files for the write-ahead log's tests: a fresh temporary directory per test (under
 * os.tmpdir(), removed afterwards), file-system wrappers that record what the log does (to count
 * fsyncs without timing anything) or skip fsync (crashes are played by cutting files, so the
 * properties need no real fsync and stay fast), and one that fails a chosen call.
 *
 * @example
 * ```ts
 * const dirs = tempDirs();                  // in a describe: afterEach(() => dirs.removeAll())
 * const dir = dirs.make();
 * const { fs, events } = recordingFs();
 * const { wal } = await Wal.open(dir, { fs });
 * await wal.append({ type: 1, data: bytes('a') });
 * events;   // [..., 'write 24', 'sync', 'sync done']
 * ```
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeWalFs, type WalFs } from '@kube/etcd';
import { isNotImplemented } from '@kube/kit';

/** Temporary directories, made on demand and removed together. */
export function tempDirs(): { make: () => string; removeAll: () => void } {
  const made: string[] = [];
  return {
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), 'kubekata-wal-'));
      made.push(dir);
      return dir;
    },
    removeAll: () => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A directory made, used by `body`, and removed whatever happens (for property runs). */
export async function inTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kubekata-wal-'));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The real file system, with every call the log makes written to `events` in order:
 * `mkdir`, `readdir`, `read <name>`, `open <name>`, `write <bytes>`, `sync`, `sync done`,
 * `close`, `rename <from> <to>`, `remove <name>`, `truncate <name> <length>`, `syncDir`.
 * Names are the last part of the path. `syncs()` counts the fsyncs of files.
 */
export function recordingFs(base: WalFs = nodeWalFs): { fs: WalFs; events: string[]; syncs: () => number } {
  const events: string[] = [];
  const name = (path: string) => path.split(/[\\/]/).pop()!;
  const fs: WalFs = {
    mkdir: (dir) => (events.push('mkdir'), base.mkdir(dir)),
    readdir: (dir) => (events.push('readdir'), base.readdir(dir)),
    readFile: (path) => (events.push(`read ${name(path)}`), base.readFile(path)),
    async open(path) {
      events.push(`open ${name(path)}`);
      const file = await base.open(path);
      return {
        write: (bytes) => (events.push(`write ${bytes.length}`), file.write(bytes)),
        sync: async () => {
          events.push('sync');
          await file.sync();
          events.push('sync done');
        },
        close: () => (events.push('close'), file.close()),
      };
    },
    rename: (from, to) => (events.push(`rename ${name(from)} ${name(to)}`), base.rename(from, to)),
    remove: (path) => (events.push(`remove ${name(path)}`), base.remove(path)),
    truncate: (path, length) => (events.push(`truncate ${name(path)} ${length}`), base.truncate(path, length)),
    syncDir: (dir) => (events.push('syncDir'), base.syncDir(dir)),
  };
  return { fs, events, syncs: () => events.filter((e) => e === 'sync').length };
}

/**
 * The real file system without fsync (files and directories): for the properties, which play a
 * crash by cutting or damaging files after the log is closed, never by pulling the power.
 */
export const noSyncFs: WalFs = {
  ...nodeWalFs,
  async open(path) {
    const file = await nodeWalFs.open(path);
    return { write: (bytes) => file.write(bytes), sync: async () => {}, close: () => file.close() };
  },
  syncDir: async () => {},
};

/** The real file system, except that the chosen call rejects as a full disk would (ENOSPC). */
export function failingFs(failing: 'sync' | 'rename', base: WalFs = nodeWalFs): WalFs {
  const fail = (call: string) => Promise.reject(Object.assign(new Error(`ENOSPC: no space left on device, ${call}`), { code: 'ENOSPC' }));
  if (failing === 'rename') return { ...base, rename: () => fail('rename') };
  return {
    ...base,
    async open(path) {
      const file = await base.open(path);
      return { ...file, write: (bytes) => file.write(bytes), close: () => file.close(), sync: () => fail('fsync') };
    },
  };
}

/**
 * A file system whose fsyncs start failing (ENOSPC) once `fill()` is called: a disk that fills up
 * while the store is running.
 */
export function fillingFs(base: WalFs = nodeWalFs): { fs: WalFs; fill: () => void } {
  let full = false;
  const fs: WalFs = {
    ...base,
    async open(path) {
      const file = await base.open(path);
      return {
        write: (bytes) => file.write(bytes),
        close: () => file.close(),
        sync: () => (full ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' })) : file.sync()),
      };
    },
  };
  return { fs, fill: () => void (full = true) };
}

/** The size of a file in bytes. */
export function sizeOf(path: string): number {
  return statSync(path).size;
}

/** Cuts a file to its first `length` bytes: a crash in the middle of a write. */
export function cut(path: string, length: number): void {
  truncateSync(path, length);
}

/** Flips bits of the byte at `offset` (xor with `mask`, 1-255): damage on the disk. */
export function flip(path: string, offset: number, mask: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = bytes[offset]! ^ mask;
  writeFileSync(path, bytes);
}

/** The UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** A record's data as a string. */
export function text(data: Uint8Array): string {
  return Buffer.from(data).toString('utf8');
}

/**
 * What `call` rejected (or threw) with; a failure naming the value if it resolved instead. A
 * NotImplemented is thrown on, as `thrownBy` (errors.ts) does.
 */
export async function rejectionOf(call: () => Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await call();
  } catch (error) {
    if (isNotImplemented(error)) throw error;
    return error;
  }
  throw new Error(`expected a rejection, but the call resolved to ${JSON.stringify(value) ?? String(value)}`);
}
