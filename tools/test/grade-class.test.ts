/**
 * Grading a class as an instructor meets one: a workshop learner who borrowed the apiserver (and so
 * etcd) and did the scheduler, a zip download nested one level with an edited test file, an empty
 * folder, and a learner who has not started. Graded in two shards and merged. Each must come out
 * as it is — borrowed katas as borrowed and the scheduler at full marks, the nested katas found,
 * the edited test flagged, nobody a silent zero — and a learner's results.json must be the same
 * graded alone as in the class.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKatas, type Kata } from '../lib/katas.ts';
import type { GradeResults } from '../lib/grading.ts';
import { kataMembers } from '../lib/members.ts';
import { prependToBody, runTool, workbookCopy } from './workbook-copy.ts';

let copy: string;
let katas: Kata[];
let out: string;
const runs: Record<string, ReturnType<typeof runTool>> = {};
const args = ['--timeout', '5000', '--quiet'];

const results = (dir: string, learner: string): GradeResults => JSON.parse(readFileSync(join(dir, learner, 'results.json'), 'utf8')) as GradeResults;

beforeAll(() => {
  copy = workbookCopy({ katas: ['01', '12'] });
  katas = loadKatas(copy);
  const cls = join(copy, 'class');
  // A workshop that started at the scheduler: the apiserver borrowed (etcd with it), the scheduler done.
  cpSync(join(copy, 'katas'), join(cls, 'workshop', 'katas'), { recursive: true });
  cpSync(join(copy, 'solutions', 'scheduler'), join(cls, 'workshop', 'katas', 'scheduler'), { recursive: true });
  writeFileSync(join(cls, 'workshop', 'katas', 'progress.json'), JSON.stringify({ borrowed: ['apiserver'], hints: { '12': 2 } }));
  // A zip download: the clone one level down, everything done, a test file edited.
  const zip = join(cls, 'zip', 'kubekata-class-main');
  cpSync(join(copy, 'solutions'), join(zip, 'katas'), { recursive: true });
  cpSync(join(copy, 'test'), join(zip, 'test'), { recursive: true });
  writeFileSync(join(zip, katas[0]!.test), `${readFileSync(join(zip, katas[0]!.test), 'utf8')}\n// made to pass\n`);
  // Its clone's last commit was made at 11:15 in UTC+1; the summary says when in UTC, as it does for file times.
  const when = '2026-11-20T11:15:00+01:00';
  const git = (...rest: string[]): void => {
    execFileSync('git', ['-C', zip, ...rest], { stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when, GIT_AUTHOR_NAME: 'zip', GIT_AUTHOR_EMAIL: 'zip@example.com', GIT_COMMITTER_NAME: 'zip', GIT_COMMITTER_EMAIL: 'zip@example.com' } });
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'all katas done');
  mkdirSync(join(cls, 'empty'), { recursive: true });
  // A loop that never ends in a kata 01 member that most of its tests call.
  cpSync(join(copy, 'solutions'), join(cls, 'looping', 'katas'), { recursive: true });
  const file = katas[0]!.files.find((f) => kataMembers(readFileSync(join(copy, f), 'utf8'), '01').length > 0)!;
  const member = kataMembers(readFileSync(join(copy, file), 'utf8'), '01').at(-1)!.key;
  prependToBody(join(cls, 'looping', file), member, '    for (;;) {}');
  cpSync(join(copy, 'katas'), join(cls, 'pristine', 'katas'), { recursive: true });
  out = join(copy, 'out');
  runs.shard1 = runTool(copy, 'grade.ts', ['--submissions', cls, '--shard', '1/2', '--out', join(out, 's1'), ...args]);
  runs.shard2 = runTool(copy, 'grade.ts', ['--submissions', cls, '--shard', '2/2', '--out', join(out, 's2'), ...args]);
  runs.merge = runTool(copy, 'grade.ts', ['--merge', join(out, 's1'), join(out, 's2'), '--out', join(out, 'class'), '--min-score', '5']);
  // Graded alone, twice, with a cache: the first time runs every kata (and so is the learner graded
  // alone), the second takes every kata's results from the cache.
  runs.cached1 = runTool(copy, 'grade.ts', ['--submission', join(cls, 'zip'), '--cache', join(out, 'cache'), '--out', join(out, 'cached-1'), ...args]);
  runs.cached2 = runTool(copy, 'grade.ts', ['--submission', join(cls, 'zip'), '--cache', join(out, 'cache'), '--out', join(out, 'cached-2'), ...args]);
}, 600_000);

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('grading a class', () => {
  it('grades a borrowed component\'s katas as borrowed and the katas built on it on the learner\'s code, and says so', () => {
    const r = results(join(out, 'class'), 'workshop');
    expect(r.borrowed).toEqual(['apiserver', 'etcd']);
    const [kv, fit] = [r.katas.find((k) => k.kata === '01')!, r.katas.find((k) => k.kata === '12')!];
    expect(kv.state).toBe('borrowed');
    expect(kv.score).toBe(0);
    expect(fit).toMatchObject({ state: 'done', score: fit.max_score, hints: 2 });
    expect(readFileSync(join(out, 'class', 'workshop', 'report.md'), 'utf8')).toContain('Borrowed (the reference solution stood in; those katas are not graded): apiserver, etcd.');
  });

  it('finds the katas folder a zip download nests one level down, and flags the test file the learner edited', () => {
    const r = results(join(out, 'class'), 'zip');
    expect(r.score).toBe(r.max_score);
    expect(r.tampered_tests).toEqual([katas[0]!.test]);
    expect(r.katas[0]!.submitted_sha256).not.toBe(r.katas[0]!.sha256);
    const cls = JSON.parse(readFileSync(join(out, 'class', 'class.json'), 'utf8')) as { learners: { learner: string; submission: string | null; problem: string | null }[] };
    expect(cls.learners.find((l) => l.learner === 'zip')!.submission).toBe('zip/kubekata-class-main/katas');
  });

  it('says when each learner last changed their work in one form, UTC: a clone\'s last commit, else the newest file', () => {
    const cls = JSON.parse(readFileSync(join(out, 'class', 'class.json'), 'utf8')) as { learners: { learner: string; submitted_at: string | null }[] };
    const at = Object.fromEntries(cls.learners.map((l) => [l.learner, l.submitted_at]));
    expect(at.zip).toBe('2026-11-20T10:15:00.000Z');
    expect(at.empty).toBeNull();
    for (const learner of ['workshop', 'looping', 'pristine']) expect(at[learner]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('gives a learner the same results.json graded alone as graded with the class', () => {
    expect(runs.cached1!.code).toBe(0);
    expect(readFileSync(join(out, 'cached-1', 'results.json'), 'utf8')).toBe(readFileSync(join(out, 'class', 'zip', 'results.json'), 'utf8'));
  });

  it('gives the same results.json from a cache as from a run, one entry per kata', () => {
    const alone = readFileSync(join(out, 'cached-1', 'results.json'), 'utf8');
    expect(readFileSync(join(out, 'cached-2', 'results.json'), 'utf8')).toBe(alone);
    expect(readdirSync(join(out, 'cache')).filter((f) => f.endsWith('.json'))).toHaveLength(katas.length);
  });

  it('warns loudly about a submission it cannot read, and names who is below --min-score', () => {
    expect(runs.merge!.code).toBe(1);
    expect(runs.merge!.stderr).toContain('WARNING: 1 submission could not be read');
    expect(runs.merge!.stderr).toContain('empty: the folder is empty');
    expect(runs.merge!.stderr).toMatch(/Below --min-score 5: empty, pristine$/m);
    expect(readFileSync(join(out, 'class', 'summary.md'), 'utf8')).toContain('**Could not be read** (scored 0): empty (the folder is empty)');
    expect(readFileSync(join(out, 'class', 'index.html'), 'utf8')).toContain('<strong>empty</strong>: the submission could not be read');
  });

  it('merges shards into one summary in points with tests beside, and one dashboard', () => {
    expect(runs.shard1!.code).toBe(0);
    expect(runs.shard2!.code).toBe(0);
    const csv = readFileSync(join(out, 'class', 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('learner,score,max_score,kata_01_points,kata_01_tests,kata_12_points,kata_12_tests,borrowed,hints,submitted_at,flags');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['"empty"', '"looping"', '"pristine"', '"workshop"', '"zip"']);
    expect(csv.find((l) => l.startsWith('"workshop"'))).toContain(',0,"borrowed",15,');
    expect(readFileSync(join(out, 'class', 'summary.md'), 'utf8')).toMatch(/\| workshop \| 15\/25 \| B \| 15 \(\d+\/\d+\) \| apiserver etcd \| 2 \| \d{4}-\d\d-\d\d \d\d:\d\d \|/);
    expect(readFileSync(join(out, 'class', 'index.html'), 'utf8')).toContain('data-learner="zip"');
  });

  it('stops a kata that keeps looping after --max-timeouts tests, and marks the rest timed out at once', () => {
    const r = results(join(out, 'class'), 'looping');
    const kv = r.tests.filter((t) => t.kata === '01');
    const outcomes = kv.map((t) => `${t.status}: ${(t.message ?? '').slice(0, 60)}`);
    expect(kv.filter((t) => /did not finish within/.test(t.message ?? '')).length, outcomes.join('\n')).toBeLessThanOrEqual(2);
    expect(kv.filter((t) => /^not run: this kata's code already ran out of time in 2 tests/.test(t.message ?? '')).length).toBeGreaterThan(0);
    expect(r.katas.find((k) => k.kata === '12')!.state).toBe('done'); // the other kata is untouched
  });

  it('sums up each kata not started in one line of report.md', () => {
    const report = readFileSync(join(out, 'class', 'pristine', 'report.md'), 'utf8');
    expect(report).toContain('## Not started');
    expect(report).toMatch(/- 01 · Key-value basics: \d+ tests stop at kata 01's unwritten code\./);
    expect(report).not.toContain('## 01 ·');
  });
});
