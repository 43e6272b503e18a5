/**
 * The student edition grades itself: its GitHub Classroom workflow and GitLab CI job are valid
 * YAML with what the actions need, and running the workflow's steps here on an edition with
 * kata 01 done gives Classroom kata 01's points. Also: the edition is the students' (their README,
 * no instructor's guides) and a borrow travels in the committed katas/progress.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadKatas, type Kata } from '../lib/katas.ts';
import { githubOutputs, runnerResults, simulate } from '../classroom.ts';
import type { GradeResults } from '../lib/grading.ts';
import { runTool, workbookCopy } from './workbook-copy.ts';

let copy: string;
let kata: Kata;
let dest: string;
let borrowing: string;

beforeAll(() => {
  copy = workbookCopy({ katas: ['01'] });
  kata = loadKatas(copy)[0]!;
  dest = `${copy}-student`;
  borrowing = `${copy}-room`;
  expect(runTool(copy, 'export.ts', ['--student', dest]).code).toBe(0);
  expect(runTool(copy, 'export.ts', ['--student', borrowing, '--borrow', 'apiserver']).code).toBe(0);
  for (const edition of [dest, borrowing]) symlinkSync(join(copy, 'node_modules'), join(edition, 'node_modules'));
}, 120_000);

afterAll(() => {
  for (const dir of [copy, dest, borrowing]) rmSync(dir, { recursive: true, force: true });
});

interface Workflow {
  on: string[];
  permissions: Record<string, string>;
  jobs: Record<string, { steps: { id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }[] }>;
}

describe('the student edition grades itself', () => {
  it('ships a GitHub Classroom workflow: a grading step, and the reporter with one runner per kata fed from its outputs', () => {
    const workflow = parseYaml(readFileSync(join(dest, '.github', 'workflows', 'classroom.yml'), 'utf8')) as Workflow;
    expect(workflow.on).toContain('push');
    expect(workflow.permissions).toMatchObject({ checks: 'write', contents: 'read' });
    const steps = Object.values(workflow.jobs)[0]!.steps;
    const grading = steps.find((s) => s.id === 'grade')!;
    expect(grading.run).toContain('npm run grade -- --out out/grade');
    expect(grading.run).toContain('>> "$GITHUB_OUTPUT"');
    const reporter = steps.find((s) => s.uses?.startsWith('classroom-resources/autograding-grading-reporter@'))!;
    expect(reporter.with!.runners).toBe(`kata${kata.number}`);
    expect(reporter.env![`KATA${kata.number}_RESULTS`]).toBe(`\${{ steps.grade.outputs.kata${kata.number} }}`);
    expect(steps.some((s) => s.run?.includes('$GITHUB_STEP_SUMMARY'))).toBe(true);
  });

  it('reports a kata\'s partial points to Classroom, and a borrowed kata as 0 of 0 that fails nothing', () => {
    const kata = (number: string, state: string, score: number, max: number) => ({ kata: number, title: `kata ${number}`, component: 'etcd', state, score, max_score: max, passed: 1, total: 2 });
    const results = { katas: [kata('01', 'partial', 7.5, 15), kata('02', 'borrowed', 0, 10)] } as unknown as GradeResults;
    const runners = runnerResults(results);
    expect(runners.kata01).toMatchObject({ status: 'fail', max_score: 15, tests: [{ score: 7.5 }] });
    expect(runners.kata02).toMatchObject({ status: 'pass', max_score: 0, tests: [{ score: 0 }] });
    const line = githubOutputs(results).split('\n')[0]!;
    expect(line.startsWith('kata01=')).toBe(true);
    expect(JSON.parse(Buffer.from(line.slice('kata01='.length), 'base64').toString('utf8'))).toEqual(runners.kata01);
  });

  it('ships a GitLab CI job that keeps junit.xml as its test report', () => {
    const ci = parseYaml(readFileSync(join(dest, '.gitlab-ci.yml'), 'utf8')) as { grade: { script: string[]; artifacts: { reports: { junit: string } } } };
    expect(ci.grade.script.join('\n')).toContain('npm run grade -- --out out/grade');
    expect(ci.grade.artifacts.reports.junit).toBe('out/grade/junit.xml');
  });

  it('running the workflow\'s steps on an edition with kata 01 done records its points in Classroom', { timeout: 300_000 }, () => {
    cpSync(join(copy, 'solutions', kata.component), join(dest, 'katas', kata.component), { recursive: true });
    const result = simulate(dest, undefined, true);
    expect(result.runners[`kata${kata.number}`]).toEqual({ score: kata.points, max_score: kata.points });
    expect(result.points).toBe(kata.points);
    expect(result.summary).toContain(`# Grade:`);
  });

  it('is the students\' edition: their README, no instructor\'s or author\'s guides, no solutions', () => {
    const readme = readFileSync(join(dest, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('How you are graded');
    expect(readme).not.toContain('kata -- solution');
    expect(readme).not.toContain('against the solutions');
    for (const gone of ['docs/grader.md', 'docs/instructor.md', 'docs/authoring.md', 'solutions', 'tools/check.ts']) expect(existsSync(join(dest, gone)), gone).toBe(false);
    // The CLI offers nothing the edition cannot do: no solutions, so no borrow and no solution command.
    const help = runTool(dest, 'kata.ts', ['help']).stdout;
    expect(help).toContain('hint NN');
    expect(help).not.toMatch(/^ {2}(borrow|solution) /m);
  });

  it('ships the components\' benchmarks, run on the student\'s own code, and not the tools\'', () => {
    expect(existsSync(join(dest, 'bench', 'etcd.ts'))).toBe(true);
    for (const gone of ['bench/grade.ts', 'bench/loop.ts']) expect(existsSync(join(dest, gone)), gone).toBe(false);
    const pkg = JSON.parse(readFileSync(join(dest, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.bench).toBe('tsx --import ./tools/register.ts bench/run.ts');
    const bench = (suite: string) => spawnSync(process.execPath, [join(dest, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '--import', './tools/register.ts', 'bench/run.ts', suite], { cwd: dest, encoding: 'utf8', env: { ...process.env, KATA_TARGET: '' }, timeout: 120_000 });
    // kube-proxy's, whose kata 27 no test here does: it stops at the student's unwritten code, and says so.
    const proxy = bench('proxy');
    expect(proxy.status).toBe(1);
    expect(proxy.stderr).toContain('The benchmark stopped: kata 27 is not implemented yet: Proxier.sync. It runs your own code');
    const grade = bench('grade');
    expect(grade.status).toBe(2);
    expect(grade.stderr).toContain('The grade benchmark times the workbook\'s own tools and is not in this edition.');
  });

  it('borrows what --borrow names and what it is built on, in the committed katas/progress.json', () => {
    expect(JSON.parse(readFileSync(join(borrowing, 'katas', 'progress.json'), 'utf8'))).toEqual({ borrowed: ['etcd', 'apiserver'], hints: {} });
    expect(existsSync(join(borrowing, 'solutions', 'etcd', 'index.ts'))).toBe(true);
    expect(existsSync(join(borrowing, 'solutions', 'apiserver', 'index.ts'))).toBe(true);
    expect(existsSync(join(borrowing, 'solutions', 'scheduler'))).toBe(false);
    expect(readFileSync(join(borrowing, '.gitignore'), 'utf8')).not.toMatch(/^katas/m);
    const readme = readFileSync(join(borrowing, 'README.md'), 'utf8');
    expect(readme).toContain('**Borrowed**: etcd, apiserver');
    // The parts the students build are theirs alone: the borrowed ones are not among them.
    expect(readme).not.toMatch(/parts: [^)]*(etcd|apiserver)/);
    expect(runTool(borrowing, 'kata.ts', ['help']).stdout).toMatch(/^ {2}borrow C .*\(this edition has: apiserver, etcd\)$/m);
  });
});
