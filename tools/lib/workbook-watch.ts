/**
 * Whether anything wrote to the files grading depends on while a learner's code ran.
 *
 * The learner's code runs as the same user as the grader, so it can write to any file the grader
 * can: the workbook's test files, vitest and chai in node_modules, the result cache, another
 * learner's submission, reports already written. Tried: kata 01's code that rewrote
 * test/etcd/02-mvcc.test.ts with one empty test, before kata 02's file loaded, scored kata 02 in
 * full, and left the rewritten file for every learner graded after it. No guard inside the process
 * can stop a write to a file; what can be known for certain is that one happened, because a write
 * (or a rename, a chmod, a `utimes` that puts the modification time back) always sets a file's
 * change time, which only the kernel sets.
 *
 * So the grader takes a {@link watchFiles} snapshot — the inode, size and modification and change
 * times of every file under some folders — before a learner's code runs, and {@link changedSince}
 * lists what differs after it. Reading a file changes none of these.
 *
 * @example
 * const before = watchFiles([{ dir: root, skip: [join(root, '.git'), katasDir] }]);
 * // ... the learner's tests run ...
 * changedSince(before) // [] — or ['test/etcd/02-mvcc.test.ts'] when their code wrote to it
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type BigIntStats } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';

/** A folder to watch, and the folders under it that may change (written by the grader, or the learner's own). */
export interface WatchedDir {
  dir: string;
  skip?: readonly string[];
}

/** Every watched file's identity at one moment, by path. */
export interface FileSnapshot {
  dirs: readonly WatchedDir[];
  files: ReadonlyMap<string, string>;
}

/** What a write, a rename over it, a chmod or a `utimes` would change. */
function identity(stats: BigIntStats): string {
  return `${stats.ino}:${stats.size}:${stats.mode}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

function walk(dir: string, skip: ReadonlySet<string>, into: Map<string, string>, followLink: boolean): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // removed meanwhile: its files are missing from the snapshot, and so reported
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (skip.has(path)) continue;
    let stats: BigIntStats;
    try {
      // A workbook copy links node_modules: followed at the top, never below (npm's .bin links).
      stats = followLink && entry.isSymbolicLink() ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true });
    } catch {
      continue;
    }
    // Folders by their files only: a folder's times change whenever anything in it is created,
    // even a skipped cache folder; a file added, removed or replaced shows in its own path.
    if (stats.isDirectory()) walk(path, skip, into, false);
    else into.set(path, identity(stats));
  }
}

/** The identity of every file under `dirs` (their skipped folders left out). */
export function watchFiles(dirs: readonly WatchedDir[]): FileSnapshot {
  const files = new Map<string, string>();
  for (const { dir, skip = [] } of dirs) walk(dir, new Set(skip), files, true);
  return { dirs, files };
}

/**
 * The files written, replaced, added or removed since `before`, sorted, each relative
 * to the first watched folder it is under (absolute when that is outside it).
 */
export function changedSince(before: FileSnapshot): string[] {
  const now = watchFiles(before.dirs).files;
  const changed = new Set<string>();
  for (const [path, id] of before.files) if (now.get(path) !== id) changed.add(path);
  for (const path of now.keys()) if (!before.files.has(path)) changed.add(path);
  const base = before.dirs[0]?.dir;
  return [...changed].map((path) => (base && path.startsWith(`${base}/`) ? relative(base, path) : path)).sort();
}

/** The bytes of the workbook's own sources when grading started, to put back what a learner's code wrote. */
export interface KeptSources {
  root: string;
  files: ReadonlyMap<string, Buffer>;
  dirs: readonly string[];
}

/** The folders and files of the workbook kept by {@link keepSources}: everything but node_modules and outputs. */
export const SOURCES = ['test', 'kit', 'tools', 'solutions', 'katas', 'vitest.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.solutions.json'];

/** Reads every file of {@link SOURCES} under `root` (a few megabytes). */
export function keepSources(root: string): KeptSources {
  const files = new Map<string, Buffer>();
  const read = (path: string): void => {
    let stats;
    try {
      stats = lstatSync(path);
    } catch {
      return;
    }
    if (stats.isDirectory()) for (const name of readdirSync(path)) read(join(path, name));
    else if (stats.isFile()) files.set(relative(root, path), readFileSync(path));
  };
  for (const part of SOURCES) read(join(root, part));
  return { root, files, dirs: SOURCES };
}

/**
 * Puts the workbook's sources among `changed` (paths as {@link changedSince} gives them) back as
 * they were kept, and removes files added among them. Returns the paths it could not put back:
 * anything outside the sources (node_modules, another learner's folder, the cache, reports).
 */
export function restoreSources(kept: KeptSources, changed: readonly string[]): string[] {
  const lost: string[] = [];
  for (const path of changed) {
    const inSources = !isAbsolute(path) && kept.dirs.some((part) => path === part || path.startsWith(`${part}/`));
    if (!inSources) {
      lost.push(path);
      continue;
    }
    const file = join(kept.root, path);
    const bytes = kept.files.get(path);
    try {
      rmSync(file, { force: true, recursive: true });
      if (bytes) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, bytes);
      }
    } catch {
      lost.push(path);
    }
  }
  return lost;
}
