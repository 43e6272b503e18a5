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
 * So the grader looks at the inode, size and modification and change times of every file under
 * some folders before a learner's code runs, and again after: {@link FileWatch}. Reading a file
 * changes none of these. Looking costs about a quarter of a CPU-second for a workbook and a class
 * of a hundred (37,000 files), so a class's watch takes each look after a learner as the look
 * before the next, and looks again before it only at the folders the grader itself wrote to.
 *
 * @example
 * const watch = new FileWatch([{ dir: root, skip: [join(root, '.git')] }]);
 * watch.start([]);                 // the first look
 * // ... the learner's tests run ...
 * watch.changes([katasDir])        // [] — or ['test/etcd/02-mvcc.test.ts'] when their code wrote to it
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type BigIntStats } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';

/** A folder to watch, and the folders under it that may change (written by the grader meanwhile, or caches). */
export interface WatchedDir {
  dir: string;
  skip?: readonly string[];
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
    return; // removed meanwhile: its files are missing from the look, and so reported
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
    // even in a skipped cache folder; a file added, removed or replaced shows in its own path.
    if (stats.isDirectory()) walk(path, skip, into, false);
    else into.set(path, identity(stats));
  }
}

/** The identity of every file under `dirs` (their skipped folders left out), by absolute path. */
function look(dirs: readonly WatchedDir[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const { dir, skip = [] } of dirs) walk(dir, new Set(skip), files, true);
  return files;
}

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** Watches the files under some folders across the runs of a learner's code (one run, or a class's). */
export class FileWatch {
  private last: Map<string, string> | undefined;

  constructor(private readonly dirs: readonly WatchedDir[]) {}

  /**
   * Before a run: the first look, or, after {@link changes} has looked, a new look only at
   * `written` — the folders and files the grader wrote to since (reports, the cache, files put back).
   */
  start(written: readonly string[]): void {
    if (!this.last) {
      this.last = look(this.dirs);
      return;
    }
    for (const path of written) {
      for (const known of [...this.last.keys()]) if (under(known, path)) this.last.delete(known);
      const parent = this.dirs.find((d) => under(path, d.dir));
      if (!parent) continue;
      try {
        const stats = lstatSync(path, { bigint: true });
        if (stats.isDirectory()) walk(path, new Set(parent.skip ?? []), this.last, true);
        else this.last.set(path, identity(stats));
      } catch {
        // gone: nothing to know of it
      }
    }
  }

  /**
   * After a run: the files written, replaced, added or removed since {@link start}, leaving out
   * those under `own` (the learner's own katas folder), sorted, each relative to the first watched
   * folder when under it. This look is the next run's look before.
   */
  changes(own: readonly string[]): string[] {
    const before = this.last ?? new Map<string, string>();
    const now = look(this.dirs);
    this.last = now;
    const changed = new Set<string>();
    for (const [path, id] of before) if (now.get(path) !== id) changed.add(path);
    for (const path of now.keys()) if (!before.has(path)) changed.add(path);
    const base = this.dirs[0]?.dir;
    return [...changed]
      .filter((path) => !own.some((dir) => under(path, dir)))
      .map((path) => (base && under(path, base) ? relative(base, path) : path))
      .sort();
  }
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
