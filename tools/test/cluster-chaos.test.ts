/**
 * Issue 19's chaos property against the reference cluster (kata 29's solution): random stories of
 * user actions and faults on a simulated three-node cluster (FakeRuntime, FakeClock, every
 * component in this process) always converge once the faults stop. See
 * test/support/cluster/chaos.ts for the commands, what "converged" means and why the clock is given
 * 600 s for it.
 *
 * A failure names the timeline of its shrunk counterexample (out/chaos/<seed>.html) and the one
 * command that replays it.
 *
 * The property runs on the reference whatever the run's target: when this file is run for the
 * learner's katas (check 7 runs the tools' tests without KATA_TARGET), it runs itself again in a
 * vitest with KATA_TARGET=solutions and reports that run.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { resolveTargets } from '../lib/targets.ts';
import { chaosProperty } from '../../test/support/cluster/chaos.ts';

const onReference = resolveTargets().target === 'solutions' && resolveTargets().borrowed.length === 0;
/** Stories per run (KATA_CHAOS_RUNS for a longer hunt; KATA_CHAOS_MAX_COMMANDS for longer stories). */
const NUM_RUNS = Number(process.env.KATA_CHAOS_RUNS ?? 40);

describe('the whole cluster under faults, simulated (issue 19)', () => {
  if (onReference) {
    chaosProperty({
      numRuns: NUM_RUNS,
      ...(process.env.KATA_CHAOS_MAX_COMMANDS && { maxCommands: Number(process.env.KATA_CHAOS_MAX_COMMANDS) }),
      // The story's shape is part of the replay: a longer maxCommands makes other stories.
      replayCommand: `${process.env.KATA_CHAOS_MAX_COMMANDS ? `KATA_CHAOS_MAX_COMMANDS=${process.env.KATA_CHAOS_MAX_COMMANDS} ` : ''}KATA_TARGET=solutions npx vitest run tools/test/cluster-chaos.test.ts`,
      onStats: (stats) => {
        if (process.env.KATA_CHAOS_STATS) console.log(`chaos: ${stats.runs} stories, ${stats.steps} steps, slowest convergence ${stats.slowestConvergenceMs / 1000} s on the clock`);
      },
    });
  } else {
    it('the reference cluster converges after any story of user actions and faults (run with KATA_TARGET=solutions)', () => {
      const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'tools/test/cluster-chaos.test.ts'], {
        env: { ...process.env, KATA_TARGET: 'solutions', KATA_BORROWED: '', FORCE_COLOR: '0' },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status, output.split('\n').slice(-80).join('\n')).toBe(0);
    }, 30 * 60_000);
  }
});
