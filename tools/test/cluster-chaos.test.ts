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
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { chaosProperty, runStory, ScaleDeployment, StopKubelet, Wait } from '../../test/support/cluster/chaos.ts';

/** Stories per run (KATA_CHAOS_RUNS for a longer hunt; KATA_CHAOS_MAX_COMMANDS for longer stories). */
const NUM_RUNS = Number(process.env.KATA_CHAOS_RUNS ?? 30);

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

    it('fails a cluster that cannot converge, saying what does not hold, with a timeline that marks the fault', async () => {
      // The check must not be vacuous: once the faults have stopped, node-2's kubelet stops for good.
      const run = await runStory([new ScaleDeployment('web', 4), new StopKubelet('node-3'), new Wait(1_000)], {
        afterStory: async (world) => {
          world.timeline.mark('fault', 'node-2 dies for good (the sabotage of this test)');
          await world.cluster.node('node-2').stopKubelet();
        },
      });
      expect(run.violations.some((v) => v.includes('node node-2 is not Ready')), run.violations.join('\n')).toBe(true);
      expect(run.violations.some((v) => /Deployment web wants 4 Running and Ready pods/.test(v)), run.violations.join('\n')).toBe(true);
      const page = run.timeline(42, 'KATA_SEED=42 ...');
      expect(page).toContain('kubekata chaos, seed 42');
      expect(page).toContain('node-3 dies');
      expect(page).toContain('the fault that broke it');
      for (const lane of ['kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'kubelet node-1', 'kubelet node-2', 'kubelet node-3']) expect(page).toContain(`class="lanename">${lane}<`);
    }, 120_000);
  } else {
    it('the reference cluster converges after any story of user actions and faults (run with KATA_TARGET=solutions)', async () => {
      await expectPassOnReference('tools/test/cluster-chaos.test.ts');
    }, 30 * 60_000);
  }
});
