/**
 * The file-system calls the write-ahead log makes, behind an interface: the real ones
 * ({@link nodeWalFs}, on `node:fs/promises`) by default, a wrapper in tests (one that counts fsyncs
 * to check group commit, or that fails on purpose to play a full disk).
 *
 * This file is given. Every call is async and rejects with Node's own error (`ENOENT`, `ENOTDIR`,
 * `EACCES`, ...); the log turns those into {@link EtcdError}s.
 *
 * @example
 * ```ts
 * const file = await nodeWalFs.open('/tmp/wal/0000000000000001.wal');
 * await file.write(bytes);   // appends
 * await file.sync();         // fsync: the bytes are on the disk when this resolves
 * await file.close();
 * ```
 */
import { mkdir, open, readdir, readFile, rename, rm, truncate } from 'node:fs/promises';

/** A file open for appending. */
export interface WalFile {
  /** Appends `bytes` at the end of the file (all of them, in order). */
  write(bytes: Uint8Array): Promise<void>;
  /** fsync: resolves once everything written so far is on stable storage. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The calls the log makes. Paths are absolute or relative to the process's directory. */
export interface WalFs {
  /** Creates `dir` and its missing parents; succeeds if it exists. */
  mkdir(dir: string): Promise<void>;
  /** The names (not paths) of the entries of `dir`. */
  readdir(dir: string): Promise<string[]>;
  /** The whole content of a file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Opens `path` for appending, creating it if it does not exist. */
  open(path: string): Promise<WalFile>;
  /** Renames `from` to `to`, replacing `to` (atomic on POSIX file systems). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; succeeds if it does not exist. */
  remove(path: string): Promise<void>;
  /** Cuts a file to its first `length` bytes. */
  truncate(path: string, length: number): Promise<void>;
  /**
   * fsyncs the directory itself, so that the names created, renamed or removed in it are on
   * the disk too (a file's fsync does not cover its directory entry).
   */
  syncDir(dir: string): Promise<void>;
}

/** The real file system (node:fs/promises). */
export const nodeWalFs: WalFs = {
  async mkdir(dir) {
    await mkdir(dir, { recursive: true });
  },
  readdir: (dir) => readdir(dir),
  readFile: (path) => readFile(path),
  async open(path) {
    const handle = await open(path, 'a');
    return {
      async write(bytes) {
        // A write may be short: keep writing until every byte is out.
        for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done)).bytesWritten;
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true }),
  truncate: (path, length) => truncate(path, length),
  async syncDir(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
