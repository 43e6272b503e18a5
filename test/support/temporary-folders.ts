/**
 * Folders a test's helpers make in the temp dir and no test removes itself (a kubeconfig for
 * kubectl, with its discovery cache): test/support/setup.ts removes them after each test file.
 * One set per process, shared by every copy of this module (a shared worker loads it once per file).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KEY = Symbol.for('kubekata.temporaryFolders');

/** The folders to remove after the current test file. */
export function temporaryFolders(): Set<string> {
  const holder = globalThis as { [KEY]?: Set<string> };
  return (holder[KEY] ??= new Set());
}

/** A new folder in the temp dir named `prefix` and six random characters, removed after the current test file. */
export function temporaryFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryFolders().add(dir);
  return dir;
}
