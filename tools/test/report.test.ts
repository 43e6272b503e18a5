/**
 * What the CLI says about a kata whose tests stop at an earlier kata's unwritten code.
 */
import { describe, expect, it } from 'vitest';
import type { Kata } from '../lib/katas.ts';
import { waitingAdvice, waitingOn, type KataResult } from '../lib/report.ts';
import type { TestOutcome } from '../lib/runner.ts';

function kata(number: string, component: string, title: string): Kata {
  return { number, component, slug: title.toLowerCase(), title, points: 10, minutes: 60, concepts: [], files: [], instructions: '', test: `test/${component}/${number}.test.ts`, hintsFile: '' };
}

const watch = kata('04', 'etcd', 'Watch');
const registry = kata('08', 'apiserver', 'Registry');
const http = kata('10', 'apiserver', 'HTTP');
const auth = kata('11', 'apiserver', 'Auth');
const katas = [watch, registry, http, auth];

function outcome(status: TestOutcome['status'], message?: string): TestOutcome {
  return { file: http.test, name: 'a test', status, ...(message ? { message } : {}) };
}

function result(tests: TestOutcome[]): KataResult {
  const passed = tests.filter((t) => t.status === 'pass').length;
  return { kata: http, tests, passed, done: passed === tests.length, problems: [] };
}

describe('waitingOn: the earlier katas a kata is stopped at', () => {
  const cases: { name: string; tests: TestOutcome[]; expected: string[] }[] = [
    {
      name: 'failures at earlier katas name each of them once, in catalogue order',
      tests: [outcome('fail', 'kata 08 is not implemented yet: Registry.create'), outcome('fail', 'kata 04 is not implemented yet: WatchableStore.constructor'), outcome('fail', 'kata 04 is not implemented yet: WatchableStore.watch')],
      expected: ['04', '08'],
    },
    { name: "the kata's own unwritten code is not something it waits on", tests: [outcome('fail', 'kata 10 is not implemented yet: mergePatch')], expected: [] },
    { name: 'a later kata named in a failure is not waited on either', tests: [outcome('fail', 'kata 11 is not implemented yet: RbacAuthorizer')], expected: [] },
    { name: 'ordinary assertion failures wait on nothing', tests: [outcome('fail', 'expected 404 to be 200'), outcome('pass')], expected: [] },
    { name: 'a passing test is never counted, whatever it printed', tests: [{ ...outcome('pass'), message: 'kata 04 is not implemented yet: x' }], expected: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(waitingOn(result(c.tests), katas).map((k) => k.number)).toEqual(c.expected);
    });
  }
});

describe('waitingAdvice: what to do about them', () => {
  it('offers to borrow a kata of another component, and names the command', () => {
    expect(waitingAdvice(http, [watch], true)).toEqual([
      'Some of these tests stop at kata 04 (etcd · Watch), whose code is not written yet: finish it first (npm run kata -- run 04), or use the reference etcd: npm run kata -- borrow etcd.',
    ]);
  });

  it('only says finish it first for a kata of the same component, since borrowing it would borrow this kata too', () => {
    expect(waitingAdvice(http, [registry], true)).toEqual(['Some of these tests stop at kata 08 (apiserver · Registry), whose code is not written yet: finish it first (npm run kata -- run 08).']);
  });

  it('does not offer to borrow in an edition without the reference solutions', () => {
    expect(waitingAdvice(http, [watch], false)[0]).not.toContain('borrow');
  });
});
