import { describe, expect, it } from 'vitest';
import { parsePropertyFailure, runTests } from '../lib/runner.ts';

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
    });
    const property = report.tests.find((t) => t.name === 'a property that fails for large numbers')!;
    expect(property.property).toMatchObject({ seed: 42, counterexample: '[100]' });
    expect(property.message).toContain('Caused by: expected 100 to be less than 100');
    expect(report.tests.find((t) => t.name === 'calls process.exit')!.message).toMatch(/process\.exit/);
    expect(report.tests.find((t) => t.name === 'fails an assertion')!.message).not.toContain('/work/');
  }, 120_000);

  it('reads the seed, path and counterexample of a failed property', () => {
    expect(
      parsePropertyFailure('Property failed after 3 tests\n{ seed: -7, path: "2:0", endOnFailure: true }\nCounterexample: [put("a", "b")]\nShrunk 4 time(s)\n'),
    ).toEqual({ seed: -7, path: '2:0', counterexample: '[put("a", "b")]', shrinks: 4 });
    expect(parsePropertyFailure('expected 1 to be 2')).toBeUndefined();
  });
});
