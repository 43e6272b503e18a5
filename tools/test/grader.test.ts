/**
 * The grader on fixture submissions made from kata 01 at test time (so no solution code is kept
 * twice): pristine, half-done, fully done, one with an infinite loop, and a workbook with a
 * tampered test. Each has a known score.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKatas, type Kata } from '../lib/katas.ts';
import { kataMembers } from '../lib/members.ts';
import type { GradeResults } from '../lib/grading.ts';
import { prependToBody, runTool, swapMember, workbookCopy } from './workbook-copy.ts';

let copy: string;
let kata: Kata;
/** The kata-01 member the half-done and looping fixtures leave undone. */
let member: string;

const gradeArgs = (...extra: string[]): string[] => ['--timeout', '3000', '--quiet', ...extra];

function results(dir: string): GradeResults {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as GradeResults;
}

/** A learner's katas folder: the solutions of kata 01's files, then `edit` applied. */
function submission(name: string, edit: (katasDir: string) => void): string {
  const dir = join(copy, 'class', name, 'katas');
  cpSync(join(copy, 'solutions'), dir, { recursive: true });
  edit(dir);
  return dir;
}

beforeAll(() => {
  copy = workbookCopy({ katas: ['01'] });
  kata = loadKatas(copy)[0]!;
  const file = kata.files[0]!;
  const starter = readFileSync(join(copy, file), 'utf8');
  member = kataMembers(starter, kata.number).at(-1)!.key;
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm run grade', () => {
  it('scores the pristine starters 0 and writes report.md, results.json and junit.xml', () => {
    const out = join(copy, 'out', 'pristine');
    const run = runTool(copy, 'grade.ts', gradeArgs('--out', out));
    expect(run.code).toBe(0);
    const r = results(out);
    expect(r.score).toBe(0);
    expect(r.version).toBe(3);
    expect(r.tests.length).toBeGreaterThan(0);
    expect(r.tests[0]).toMatchObject({ status: 'fail', task_id: Number(kata.number) });
    expect(r.tests[0]!.message).toContain(`kata ${kata.number} is not implemented yet`);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuites');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`| ${kata.number} |`);
    expect(run.stdout).toContain('**total**');
  }, 300_000);

  it('gives the reference solutions full marks', () => {
    const out = join(copy, 'out', 'solutions');
    runTool(copy, 'grade.ts', gradeArgs('--out', out), { KATA_TARGET: 'solutions' });
    const r = results(out);
    expect(r.score).toBe(r.max_score);
    expect(r.status).toBe('pass');
  }, 300_000);

  it('scores a half-done kata between nothing and everything, the same on every run', () => {
    const dir = submission('half', (katasDir) => {
      // The solution with one member put back to the starter's stub.
      const file = join(katasDir, kata.component, kata.files[0]!.split('/').pop()!);
      writeFileSync(file, swapMember(readFileSync(file, 'utf8'), readFileSync(join(copy, kata.files[0]!), 'utf8'), member));
    });
    const first = join(copy, 'out', 'half-1');
    const second = join(copy, 'out', 'half-2');
    runTool(copy, 'grade.ts', gradeArgs('--submission', dir, '--out', first));
    runTool(copy, 'grade.ts', gradeArgs('--submission', dir, '--out', second));
    const r = results(first);
    expect(r.score).toBeGreaterThan(0);
    expect(r.score).toBeLessThan(r.max_score);
    expect(readFileSync(join(second, 'results.json'), 'utf8')).toBe(readFileSync(join(first, 'results.json'), 'utf8'));
  }, 300_000);

  it('charges an infinite loop to the tests that hit it and finishes the run', () => {
    const dir = submission('loop', (katasDir) => {
      // A loop that never ends, on one input only: the tests that reach it time out, the others pass.
      prependToBody(join(katasDir, kata.component, kata.files[0]!.split('/').pop()!), member, "    if (arguments[0] === '\\u{10FFFF}') for (;;) {}");
    });
    const out = join(copy, 'out', 'loop');
    // Every test that loops is charged on its own here (no cap: grade-class tests --max-timeouts).
    const run = runTool(copy, 'grade.ts', gradeArgs('--submission', dir, '--out', out, '--max-timeouts', '1000'));
    expect(run.code).toBe(0);
    const r = results(out);
    expect(r.score).toBeLessThan(r.max_score);
    expect(r.score).toBeGreaterThan(0);
    expect(r.tests.some((t) => /did not finish within/.test(t.message ?? ''))).toBe(true);
  }, 600_000);

  it('puts an error thrown outside any test on the kata whose file was running, in results.json\'s message, and still scores its tests', () => {
    const dir = submission('unhandled', (katasDir) => {
      const file = join(katasDir, kata.component, kata.files[0]!.split('/').pop()!);
      writeFileSync(file, `${readFileSync(file, 'utf8')}\nvoid Promise.reject(new Error('a rejection nobody handles'));\n`);
    });
    const out = join(copy, 'out', 'unhandled');
    expect(runTool(copy, 'grade.ts', gradeArgs('--submission', dir, '--out', out)).code).toBe(0);
    const r = results(out);
    expect(r.score).toBe(r.max_score);
    expect(r.message).toMatch(new RegExp(`^${kata.test.replace(/[.]/g, '\\.')}: unhandled error: .*a rejection nobody handles`));
  }, 300_000);

  it('shows a tampered test file and still grades', () => {
    const testFile = join(copy, kata.test);
    const original = readFileSync(testFile, 'utf8');
    writeFileSync(testFile, `${original}\n// changed by the learner\n`);
    try {
      const out = join(copy, 'out', 'tampered');
      runTool(copy, 'grade.ts', gradeArgs('--out', out));
      const r = results(out);
      expect(r.tampered_tests).toEqual([kata.test]);
      expect(r.katas[0]!.tampered).toBe(true);
    } finally {
      writeFileSync(testFile, original);
    }
  }, 300_000);

  it('grades a class and writes a summary', () => {
    const out = join(copy, 'out', 'class');
    const run = runTool(copy, 'grade.ts', gradeArgs('--submissions', join(copy, 'class'), '--out', out));
    expect(run.code).toBe(0);
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8');
    expect(csv.split('\n')[0]).toContain('learner,score,max_score');
    expect(csv).toContain('"half"');
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('| half |');
  }, 600_000);

  it('exits 2 with a clear message when it cannot grade', () => {
    const run = runTool(copy, 'grade.ts', ['--submission', join(copy, 'nowhere')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot grade: The submission ${join(copy, 'nowhere')} cannot be read: there is no folder`);
    // A class folder given as one learner's: named as such, not the first learner graded alone.
    const classAsOne = runTool(copy, 'grade.ts', ['--submission', join(copy, 'class')]);
    expect(classAsOne.code).toBe(2);
    expect(classAsOne.stderr).toMatch(/cannot be read: it holds \d+ katas folders at the same depth \(.*half\/katas.*\): a class is graded with --submissions DIR/);
    const bad = runTool(copy, 'grade.ts', ['--seeds', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--seeds takes a whole number >= 1, not "many"');
    // three runs of the grader's start-up: seconds each on a loaded machine
  }, 120_000);
});

