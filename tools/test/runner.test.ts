import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePropertyFailure, runTests } from '../lib/runner.ts';
import { loopsGivenUp } from '../lib/loops.ts';
import { WarmHost } from '../lib/warm-host.ts';

describe('the runner', () => {
  it('reports every way a test can go wrong against that test alone, and carries on', async () => {
    const report = await runTests({
      files: ['tools/test/fixtures/misbehaving.fixture.ts'],
      env: { KATA_FIXTURES: '1' },
      testTimeoutMs: 1500,
      seed: 42,
    });
    const status = Object.fromEntries(report.tests.map((t) => [t.name, t.status]));
    expect(status).toEqual({
      passes: 'pass',
      'fails an assertion': 'fail',
      'loops forever': 'timeout',
      'never resolves': 'timeout',
      'throws a non-Error': 'fail',
      'a property that fails for large numbers': 'fail',
      'passes after the loop': 'pass',
      'calls process.exit': 'fail',
      'passes at the end': 'pass',
      'a describe whose beforeAll throws > does not run': 'fail',
    });
    const property = report.tests.find((t) => t.name === 'a property that fails for large numbers')!;
    expect(property.property).toMatchObject({ seed: 42, counterexample: '[100]' });
    expect(property.message).toContain('Caused by: expected 100 to be less than 100');
    expect(report.tests.find((t) => t.name === 'calls process.exit')!.message).toMatch(/process\.exit/);
    expect(report.tests.find((t) => t.name === 'fails an assertion')!.message).not.toContain('/work/');
    expect(report.tests.find((t) => t.name === 'a describe whose beforeAll throws > does not run')!.message).toMatch(/^not run: a hook of "a describe whose beforeAll throws" failed: the bench did not start/);
  }, 120_000);

  it('with a shared worker (the grader): a worker killed mid-file costs its test, a file that kills it while loading is given up, and the files after run', async () => {
    const report = await runTests({
      files: ['tools/test/fixtures/shared-3-after.fixture.ts', 'tools/test/fixtures/shared-2-loads.fixture.ts', 'tools/test/fixtures/shared-1-kills.fixture.ts'],
      env: { KATA_FIXTURES: '1' },
      testTimeoutMs: 5000,
      sharedWorker: true,
    });
    expect(Object.fromEntries(report.tests.map((t) => [t.name, t.status]))).toEqual({
      'passes before the kill': 'pass',
      'kills its worker': 'error',
      'passes after the kill': 'pass',
      'passes in a file after the crashes': 'pass',
    });
    expect(report.tests.find((t) => t.name === 'kills its worker')!.message).toMatch(/^the test process stopped while this test ran/);
    expect(report.problems).toEqual([expect.stringMatching(/^tools\/test\/fixtures\/shared-2-loads\.fixture\.ts: the test process stopped 2 times while loading this file/)]);
  }, 120_000);

  it('gives up a file\'s remaining tests itself once it stopped the worker KATA_LOOP_LIMIT times, in the guard\'s words, even when the worker kept no count', async () => {
    // KATA_LOOP_LIMIT without KATA_LOOP_DIR: the guard in the worker counts nothing, so only the runner can give up.
    for (const sharedWorker of [false, true]) {
      const report = await runTests({ files: ['tools/test/fixtures/loops-everywhere.fixture.ts'], env: { KATA_FIXTURES: '1', KATA_LOOP_LIMIT: '2' }, testTimeoutMs: 1000, sharedWorker });
      expect(report.tests.map((t) => [t.name, t.status]), `sharedWorker: ${sharedWorker}`).toEqual([
        ['loops first', 'timeout'],
        ['loops second', 'timeout'],
        ['loops third', 'fail'],
        ['loops fourth', 'fail'],
      ]);
      const third = report.tests.find((t) => t.name === 'loops third')!;
      expect([third.message, third.line]).toEqual([loopsGivenUp(2), 12]);
    }
  }, 120_000);

  it('puts an error thrown outside any test on the file that was running, shared worker or not, so that the other files\' results stand', async () => {
    const files = ['tools/test/fixtures/unhandled.fixture.ts', 'tools/test/fixtures/shared-3-after.fixture.ts'];
    for (const sharedWorker of [false, true]) {
      const report = await runTests({ files, env: { KATA_FIXTURES: '1' }, testTimeoutMs: 5000, sharedWorker });
      expect(report.problems, `sharedWorker: ${sharedWorker}`).toEqual([expect.stringMatching(/^tools\/test\/fixtures\/unhandled\.fixture\.ts: unhandled error: .*nobody handles this rejection/)]);
      expect(report.tests.map((t) => t.status)).toEqual(['pass', 'pass']);
    }
  }, 120_000);

  it('through the warm host of npm start: the same outcomes, a loop or a process.exit costs only its test, and the host runs again afterwards', async () => {
    const host = new WarmHost();
    try {
      const options = { files: ['tools/test/fixtures/misbehaving.fixture.ts'], env: { KATA_FIXTURES: '1' }, testTimeoutMs: 1500, seed: 42, start: host.start };
      const first = await runTests(options);
      expect(Object.fromEntries(first.tests.map((t) => [t.name, t.status]))).toEqual({
        passes: 'pass',
        'fails an assertion': 'fail',
        'loops forever': 'timeout',
        'never resolves': 'timeout',
        'throws a non-Error': 'fail',
        'a property that fails for large numbers': 'fail',
        'passes after the loop': 'pass',
        'calls process.exit': 'fail',
        'passes at the end': 'pass',
        'a describe whose beforeAll throws > does not run': 'fail',
      });
      // the host that was killed for the loop is replaced; a run after that works as the first did
      const again = await runTests({ ...options, testNamePattern: '^passes' });
      expect(again.tests.filter((t) => t.status === 'pass').map((t) => t.name).sort()).toEqual(['passes', 'passes after the loop', 'passes at the end']);
    } finally {
      host.close();
    }
  }, 180_000);

  it('replays a failed property, model-based or plain, from the seed, path and replay path it printed', async () => {
    const file = 'tools/test/fixtures/replay.fixture.ts';
    const first = await runTests({ files: [file], env: { KATA_FIXTURES: '1' }, seed: 7 });
    const failed = first.tests.filter((t) => t.property);
    expect(failed.map((t) => t.name).sort()).toEqual(['a counter that skips a number after three increments', 'sorting by the digits sorts the numbers']);
    const model = failed.find((t) => t.name.startsWith('a counter'))!;
    // shrunk to the four increments that show the bug, on a path a plain replay cannot follow
    expect(model.property!.counterexample).toMatch(/^\[increment,increment,increment,increment \/\*replayPath="[^"]+"\*\/\]$/);
    expect(model.property!.replayPath).toBeDefined();
    // the failing step's values, whole, with a diff
    expect(model.message).toMatch(/- Expected[\s\S]*"n": 4[\s\S]*"n": 5/);
    // replayed from another seed: only the printed seed, path and replay path bring the failure back
    const replays = Object.fromEntries(failed.map((t) => [t.name, { seed: t.property!.seed, path: t.property!.path, ...(t.property!.replayPath ? { replayPath: t.property!.replayPath } : {}) }]));
    const again = await runTests({ files: [file], env: { KATA_FIXTURES: '1' }, seed: 1, replays });
    for (const t of failed) {
      const replayed = again.tests.find((x) => x.name === t.name)!;
      expect(replayed.status).toBe('fail');
      expect(replayed.property!.counterexample).toBe(t.property!.counterexample);
      expect(replayed.property!.shrinks ?? 0).toBe(0);
    }
  }, 120_000);

  it('reads the seed, path and counterexample of a failed property', () => {
    expect(
      parsePropertyFailure('Property failed after 3 tests\n{ seed: -7, path: "2:0", endOnFailure: true }\nCounterexample: [put("a", "b")]\nShrunk 4 time(s)\n'),
    ).toEqual({ seed: -7, path: '2:0', counterexample: '[put("a", "b")]', shrinks: 4 });
    expect(parsePropertyFailure('Property failed after 1 tests\n{ seed: 3, path: "0:7", endOnFailure: true }\nCounterexample: [inc,inc /*replayPath="EAD:F"*/]\nShrunk 1 time(s)\n')).toMatchObject({
      path: '0:7',
      replayPath: 'EAD:F',
    });
    expect(parsePropertyFailure('expected 1 to be 2')).toBeUndefined();
  });
});

describe('runTests: nothing of a run outlives it', () => {
  it('stops a process the tested code started and never stopped, once the run is over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubekata-runner-'));
    const pidFile = join(dir, 'pid');
    try {
      const report = await runTests({ files: ['tools/test/fixtures/leaves-a-process.fixture.ts'], env: { KATA_FIXTURES: '1', KATA_FIXTURE_PID_FILE: pidFile }, seed: 1 });
      expect(report.tests.map((t) => t.status)).toEqual(['pass']);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // The run's process group is killed when vitest's main goes (tools/lib/events-reporter.ts): a
      // process left running could otherwise write to the files grading depends on after the
      // grader has looked, or while the next learner is graded. It may stay a zombie until reaped.
      const alive = (): boolean => {
        try {
          process.kill(pid, 0);
          return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        } catch {
          return false;
        }
      };
      expect(alive()).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
