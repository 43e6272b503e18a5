/**
 * The learner's progress, kept in `.kubekata/` (git-ignored):
 * - `state.json`: borrowed components, hints revealed, katas passed;
 * - `pristine/`: a copy of every starter file as it came, taken at `npm install`, from which
 *   `kata reset NN` restores a kata's share of a file.
 *
 * A corrupted state file is set aside (state.json.bad), reported, and replaced by a fresh one:
 * the learner's code is never touched by it.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './targets.ts';

/** What the CLI remembers between runs. */
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

/** Reads the state; a missing file is a fresh start, a corrupted one is set aside with a warning. */
export function readState(root = ROOT, warn: (message: string) => void = () => {}): State {
  const file = join(root, '.kubekata', 'state.json');
  if (!existsSync(file)) return structuredClone(EMPTY);
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<State>;
    return {
      version: 1,
      borrowed: Array.isArray(raw.borrowed) ? raw.borrowed.filter((b) => typeof b === 'string') : [],
      hints: raw.hints && typeof raw.hints === 'object' ? raw.hints : {},
      passed: raw.passed && typeof raw.passed === 'object' ? raw.passed : {},
    };
  } catch (error) {
    renameSync(file, `${file}.bad`);
    warn(`.kubekata/state.json could not be read (${(error as Error).message}); it was moved to state.json.bad and progress starts afresh. Your code is untouched.`);
    return structuredClone(EMPTY);
  }
}

/** Writes the state atomically (write, then rename). */
export function writeState(state: State, root = ROOT): void {
  const file = join(root, '.kubekata', 'state.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
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
