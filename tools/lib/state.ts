/**
 * The learner's progress, in two places:
 * - `katas/progress.json` (committed with the code, so that a submission, a push and a fresh clone
 *   carry it): `{ "borrowed": ["etcd"], "hints": { "03": 2 } }` — components whose reference
 *   stands in, and hints revealed per kata. Created on the first borrow or hint;
 * - `.kubekata/` (git-ignored): `state.json` with the katas passed (shown, never graded), and
 *   `pristine/`, a copy of every starter file as it came, taken at `npm install`, from which
 *   `kata reset NN` restores a kata's share of a file.
 *
 * An older `.kubekata/state.json` that still holds `borrowed` and `hints` is migrated once into
 * `katas/progress.json`. A corrupted state file is set aside (state.json.bad), reported, and
 * replaced by a fresh one: the learner's code is never touched by it.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { normalizeProgress, PROGRESS_FILE, readKataProgress, ROOT, type KataProgress } from './targets.ts';

/** What the CLI remembers between runs (borrowed and hints live in katas/progress.json). */
export interface State {
  version: 1;
  /** components whose reference solution stands in for the learner's code */
  borrowed: string[];
  /** kata number → how many hints have been revealed */
  hints: Record<string, number>;
  /** kata number → when it first passed (ISO time; shown, never used for grading) */
  passed: Record<string, { at: string }>;
}

const EMPTY: State = { version: 1, borrowed: [], hints: {}, passed: {} };

const stateFile = (root: string): string => join(root, '.kubekata', 'state.json');
const progressFile = (root: string): string => join(root, 'katas', PROGRESS_FILE);

/**
 * Reads the state: katas passed from `.kubekata/state.json`, borrowed components and hints from
 * `katas/progress.json` (migrating them there once from an older state.json). A missing file is a
 * fresh start, a corrupted one is set aside with a warning.
 */
export function readState(root = ROOT, warn: (message: string) => void = () => {}): State {
  const file = stateFile(root);
  let raw: Partial<State> & Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as typeof raw;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('it is not a JSON object');
    } catch (error) {
      renameSync(file, `${file}.bad`);
      warn(`.kubekata/state.json could not be read (${(error as Error).message}); it was moved to state.json.bad and progress starts afresh. Your code is untouched.`);
      raw = {};
    }
  }
  const passed = raw.passed && typeof raw.passed === 'object' && !Array.isArray(raw.passed) ? raw.passed : {};
  let progress = readKataProgress(join(root, 'katas'));
  const legacy = normalizeProgress(raw);
  if (progress === undefined && (legacy.borrowed.length > 0 || Object.keys(legacy.hints).length > 0)) {
    // Once: an older workbook kept these in the git-ignored state file, where a push lost them.
    progress = legacy;
    writeProgress(progress, root);
    writeJson(file, { version: 1, passed });
    warn(`Your borrowed components and hints moved from .kubekata/state.json to katas/${PROGRESS_FILE}, which is committed with your code.`);
  }
  return { version: 1, borrowed: progress?.borrowed ?? [], hints: progress?.hints ?? {}, passed };
}

/**
 * Writes the state atomically (write, then rename): katas passed to `.kubekata/state.json`, and
 * borrowed components and hints to `katas/progress.json` — created only once something is borrowed
 * or a hint revealed, so an untouched workbook has no such file.
 */
export function writeState(state: State, root = ROOT): void {
  writeJson(stateFile(root), { version: 1, passed: state.passed });
  const progress = normalizeProgress(state);
  if (existsSync(progressFile(root)) || progress.borrowed.length > 0 || Object.keys(progress.hints).length > 0) writeProgress(progress, root);
}

/** Writes `katas/progress.json` (borrowed components, hints revealed). */
export function writeProgress(progress: KataProgress, root = ROOT): void {
  writeJson(progressFile(root), { borrowed: progress.borrowed, hints: progress.hints });
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Every starter source file, relative to the root ("katas/etcd/store.ts"). */
export function starterFiles(root = ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push(relative(root, path).split('\\').join('/'));
    }
  };
  walk(join(root, 'katas'));
  return out.sort();
}

/**
 * Copies starter files into `.kubekata/pristine/` unless a copy is already there, so that a later
 * workbook update adds its new files without overwriting the learner's baseline. Returns the
 * files it copied.
 */
export function snapshotPristine(root = ROOT): string[] {
  const copied: string[] = [];
  for (const file of starterFiles(root)) {
    const target = join(root, '.kubekata', 'pristine', file);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(root, file), target);
    copied.push(file);
  }
  return copied;
}

/** The pristine text of a starter file, or undefined when no snapshot of it exists. */
export function pristineText(file: string, root = ROOT): string | undefined {
  const path = join(root, '.kubekata', 'pristine', file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
