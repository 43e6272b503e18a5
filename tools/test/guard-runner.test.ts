import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '../lib/runner.ts';

describe('the guarded test runner (tools/lib/guard-runner.ts)', () => {
  it('reports every failing test failed, whatever the code under test did to vitest\'s record of it, and flags each for the grader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubekata-guard-runner-'));
    const guardFile = join(dir, 'guard.jsonl');
    try {
      const report = await runTests({ files: ['tools/test/fixtures/rewrites-its-results.fixture.ts'], env: { KATA_FIXTURES: '1', KATA_GUARD_FILE: guardFile }, seed: 1 });
      const status = Object.fromEntries(report.tests.map((t) => [t.name, t.status]));
      expect(status).toEqual({
        'its state set to pass by an afterEach > fails': 'fail',
        'its state set to pass once it is finished > fails': 'fail',
        'marked as expected to fail by a beforeEach > fails': 'fail',
        'marked as expected to fail by the code it calls, through the worker state > fails': 'fail',
        'its function swapped by a beforeEach > fails': 'fail',
        'a prototype given a key for the length of the test, by a beforeEach and an afterEach > fails': 'fail',
        'its result changed once vitest is done with it > fails': 'fail',
        'its result changed once vitest is done with it > passes, after a moment': 'pass',
        'an honest test > passes': 'pass',
      });
      const message = (name: string): string => report.tests.find((t) => t.name === name)?.message ?? '';
      // (A test whose result was changed shows its own failure first, and the runner's after it.)
      expect(message('its function swapped by a beforeEach > fails')).toContain("the test's function was replaced");
      expect(message('a prototype given a key for the length of the test, by a beforeEach and an afterEach > fails')).toContain('Object.prototype.asymmetricMatch was added');
      const flagged = readFileSync(guardFile, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { what: string }).what);
      expect(flagged).toEqual(expect.arrayContaining([
        'the result of a test whose body failed was changed to a pass',
        'the test was marked as one expected to fail (test.fails) while it ran',
        "the test's function was replaced after the tests were collected",
        'Object.prototype.asymmetricMatch was added',
      ]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs with the classes of the workbook\'s test helpers (the models the tests compare with) frozen: the config freezes them as their module loads', async () => {
    const report = await runTests({ files: ['tools/test/fixtures/patches-a-model.fixture.ts'], env: { KATA_FIXTURES: '1' }, seed: 1 });
    expect(report.tests.map((t) => [t.name, t.status, t.message ?? ''])).toEqual([['the model of a test helper cannot be changed once the tests run', 'pass', '']]);
  });
});
