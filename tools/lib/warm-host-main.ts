/**
 * The warm host's process: one vitest, created once with the workbook's config, that runs test
 * files whenever the learner's loop asks (tools/lib/warm-host.ts is the other end).
 *
 * Why: a fresh `vitest run` spends 1.5–3 s starting (loading vitest and vite, the config, the
 * plugin, transforming every module). Kept warm, a re-run after a save only re-transforms the files
 * that changed and starts fresh test workers, so the learner sees their result in about a second.
 * The safety net is unchanged: tests still run in forked workers, the parent's watchdog still
 * kills this whole process group when a test loops, and the next run starts a fresh host.
 *
 * Messages from the parent: `{ type: 'run', files, env, changed, testNamePattern? }`. The events
 * reporter sends each test's events back, ending with `end`.
 */
import { createVitest } from 'vitest/node';
import { join } from 'node:path';
import { ROOT } from './targets.ts';

/** A run request from the parent. */
interface RunRequest {
  type: 'run';
  files: string[];
  /** environment for this run's workers (seed, skip and progress files, replays) */
  env: Record<string, string>;
  /** files that changed since the last run: their transforms are thrown away */
  changed: string[];
  testNamePattern?: string;
}

const baseEnv = { ...process.env };

const vitest = await createVitest(
  'test',
  {
    config: join(ROOT, 'vitest.config.ts'),
    watch: false,
    reporters: [join(ROOT, 'tools', 'lib', 'events-reporter.ts')],
    passWithNoTests: true,
    maxWorkers: Number(process.env.KATA_WARM_WORKERS ?? 2),
    ...(process.env.KATA_TEST_TIMEOUT ? { testTimeout: Number(process.env.KATA_TEST_TIMEOUT) } : {}),
  },
  {},
  {},
);

let queue = Promise.resolve();
process.on('message', (message: RunRequest) => {
  if (message?.type !== 'run') return;
  queue = queue.then(() => run(message)).catch((error: unknown) => {
    process.send?.({ type: 'end', errors: [{ name: 'Error', message: `the warm test host failed: ${(error as Error).message}`, stack: String((error as Error).stack ?? '') }] });
  });
});
process.send?.({ type: 'ready' });

async function run(request: RunRequest): Promise<void> {
  // Each run's workers see exactly the base environment and this run's additions.
  for (const key of Object.keys(process.env)) if (!(key in baseEnv)) delete process.env[key];
  Object.assign(process.env, request.env);
  for (const file of request.changed) vitest.invalidateFile(file);
  if (request.testNamePattern) vitest.setGlobalTestNamePattern(request.testNamePattern);
  else vitest.resetGlobalTestNamePattern();
  await vitest.runTestFiles(request.files);
}
