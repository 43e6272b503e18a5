/**
 * One vitest config for every run: the learner's loop, the grader, the integrity check and the
 * editor's vitest extension. `@kube/<component>` is resolved per component by tools/lib/targets.ts
 * (KATA_TARGET, KATA_KATAS_DIR, KATA_BORROWED and the learner's borrowed components).
 */
import { defineConfig } from 'vitest/config';
import { freezeHelperClasses, refuseTestMachinery, resolveSpecifier, resolveTargets } from './tools/lib/targets.ts';
import { KataOrderSequencer } from './tools/lib/kata-order.ts';

const targets = resolveTargets();
/**
 * The grader runs a learner's kata files one after another in one worker (KATA_SHARED_WORKER=1,
 * tools/lib/runner.ts): each file a fresh process costs about a third of the grading time. Files
 * then run in kata order, the same every time.
 */
const sharedWorker = process.env.KATA_SHARED_WORKER === '1';

export default defineConfig({
  plugins: [
    {
      name: 'kubekata-targets',
      enforce: 'pre',
      resolveId(source, importer) {
        refuseTestMachinery(source, importer, targets);
        return resolveSpecifier(source, targets) ?? null;
      },
      transform(code, id) {
        const frozen = freezeHelperClasses(code, id);
        return frozen === undefined ? null : { code: frozen, map: null };
      },
    },
  ],
  test: {
    include: [
      'test/**/*.test.ts',
      'tools/test/**/*.test.ts',
      // the runner's own fixtures (an infinite loop, a process.exit): only when a tools test asks
      ...(process.env.KATA_FIXTURES === '1' ? ['tools/test/fixtures/**/*.fixture.ts'] : []),
    ],
    // The guard second: after setup.ts has set the seed, before the test file loads learner code.
    setupFiles: ['test/support/setup.ts', 'tools/lib/guard.ts'],
    // vitest's runner, which also runs the guard's check the moment each test's body is over.
    runner: './tools/lib/guard-runner.ts',
    pool: 'forks',
    isolate: !sharedWorker,
    // One V8 helper thread, not four: the grader runs a shared worker per core, and fewer threads
    // fighting for the cores saved 3–4% of the CPU and 5% of the time. A function is optimized
    // after about nine times the usual work in it (--interrupt-budget): a grading worker lives for
    // seconds, and optimizing code it will hardly run again cost 4–6% of the CPU (docs/benchmarks.md).
    ...(sharedWorker ? { sequence: { sequencer: KataOrderSequencer }, execArgv: ['--v8-pool-size=1', '--interrupt-budget=600000'] } : {}),
    // Generous: a graded run must never fail on a slow machine. Sync infinite loops are caught by
    // the runner's watchdog (tools/lib/runner.ts), which kills the worker.
    testTimeout: Number(process.env.KATA_TEST_TIMEOUT ?? 20_000),
    hookTimeout: 20_000,
    includeTaskLocation: true,
    // A failed assertion shows its values whole ("expected { kvs: [], count: 0, … }" hides the
    // difference); the diff below it shows where they differ.
    chaiConfig: { truncateThreshold: 0 },
    // Learner code that prints must not bury the results; the runner captures it per test.
    silent: false,
  },
});
