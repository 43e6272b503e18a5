/**
 * Runs before every test file (vitest setupFiles).
 *
 * - Property tests take their seed from `KATA_SEED` (the grader and the CLI set it) so that a
 *   graded run is the same every time; a failure prints the seed and path to replay it.
 * - The folders the file's helpers made in the temp dir (temporary-folders.ts) are removed after it.
 * - `KATA_SKIP_TESTS` names tests that the runner already has a result for (it restarts a run
 *   after killing a worker stuck in an infinite loop): they are skipped instead of re-run.
 */
import fc from 'fast-check';
import { afterAll, beforeEach } from 'vitest';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { temporaryFolders } from './temporary-folders.ts';

const seed = process.env.KATA_SEED;
if (seed !== undefined && seed !== '') {
  const parsed = Number(seed);
  if (!Number.isSafeInteger(parsed)) throw new Error(`KATA_SEED=${seed} is not an integer.`);
  const path = process.env.KATA_PATH;
  fc.configureGlobal({ seed: parsed | 0, ...(path ? { path } : {}) });
}
if (process.env.KATA_NUM_RUNS) fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: Number(process.env.KATA_NUM_RUNS) });

// What the file's helpers left in the temp dir (kubeconfigs): gone once the file has run.
afterAll(() => {
  for (const dir of temporaryFolders()) rmSync(dir, { recursive: true, force: true });
  temporaryFolders().clear();
});

const skipFile = process.env.KATA_SKIP_TESTS;
const skip = new Set<string>(skipFile && existsSync(skipFile) ? (JSON.parse(readFileSync(skipFile, 'utf8')) as string[]) : []);
const progressFile = process.env.KATA_PROGRESS;
if (skip.size > 0 || progressFile) {
  beforeEach((context) => {
    const file = context.task.file.filepath;
    const name = fullName(context.task);
    if (skip.has(`${file}::${name}`)) return context.skip();
    // Written synchronously, before the test body runs: if the body never returns (an infinite
    // loop), the runner still knows which test it was and can stop that one alone.
    if (progressFile) appendFileSync(progressFile, `${JSON.stringify({ file, name })}\n`);
  });
}

/** The test's name with its describe blocks, as the runner's reporter names it. */
function fullName(task: { name: string; suite?: { name: string; suite?: unknown } | undefined }): string {
  const names: string[] = [task.name];
  let suite = task.suite as { name: string; suite?: unknown } | undefined;
  while (suite && suite.name) {
    names.unshift(suite.name);
    suite = suite.suite as typeof suite;
  }
  // test names never carry the seed (the old @fast-check/vitest appended " (with seed=N)"): strip it anyway.
  return names.join(' > ').replace(/ \(with seed=-?\d+\)$/, '');
}
