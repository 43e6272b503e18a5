/**
 * A temp folder of a test process's own, given to it as TMPDIR. Vitest copies every module it
 * transforms into `os.tmpdir()/<random id>/` and removes the copies only when it closes, so each
 * run the watchdog kills (a test stuck in a loop, or a run still alive 3 s after its end because
 * of a learner's open handle) would leave a folder in /tmp: hundreds a day on a grading machine.
 * The folders a test forgets land here too. The caller removes it once the process has exited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp folder for one test process, and how to remove it (safe to call twice). */
export interface RunTempDir {
  /** the folder, for the child's TMPDIR */
  readonly path: string;
  /** removes the folder and everything in it */
  remove(): void;
}

/** Makes a new folder `kubekata-vitest-XXXXXX` in this process's temp dir. */
export function runTempDir(): RunTempDir {
  const path = mkdtempSync(join(tmpdir(), 'kubekata-vitest-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
