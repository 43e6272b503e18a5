/**
 * Grading one submission: run every kata's test file in its own child process with fixed seeds,
 * score each test, and write the reports (report.md, results.json in the Exercism test-runner v3
 * shape, junit.xml). Same code, same score: nothing in the results depends on time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kata } from './katas.ts';
import { runTests, type TestOutcome } from './runner.ts';
import { ROOT } from './targets.ts';

/** How to grade. */
export interface GradeOptions {
  /** the learner's katas folder */
  katasDir: string;
  /** `katas` (grade the folder) or `solutions` (grade the reference: full marks expected) */
  target: 'katas' | 'solutions';
  seed: number;
  /** run each kata file under this many seeds (seed, seed+1, ...); the pass rate scores */
  seeds: number;
  testTimeoutMs: number;
  /** kata files graded at once */
  parallel: number;
  root?: string;
  onKata?: (kata: Kata, result: GradedKata) => void;
}

/** One graded test, in Exercism's v3 shape plus scores. */
export interface GradedTest {
  name: string;
  status: 'pass' | 'fail' | 'error';
  message: string | null;
  output: string | null;
  test_code: string;
  task_id: number;
  kata: string;
  file: string;
  /** passes / runs over the seeds */
  pass_rate: number;
  score: number;
  max_score: number;
}

/** One graded kata. */
export interface GradedKata {
  kata: string;
  title: string;
  component: string;
  file: string;
  sha256: string;
  /** the test file differs from the workbook's recorded checksum */
  tampered: boolean;
  passed: number;
  total: number;
  score: number;
  max_score: number;
  tests: GradedTest[];
}

/** The results.json document. */
export interface GradeResults {
  version: 3;
  status: 'pass' | 'fail' | 'error';
  message: string | null;
  seed: number;
  seeds: number;
  target: string;
  score: number;
  max_score: number;
  tampered_tests: string[];
  katas: Omit<GradedKata, 'tests'>[];
  tests: GradedTest[];
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Grades every kata; never throws for anything the learner's code does. */
export async function grade(katas: Kata[], options: GradeOptions): Promise<GradeResults> {
  const root = options.root ?? ROOT;
  const checksums = readChecksums(root);
  const graded: GradedKata[] = new Array(katas.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < katas.length) {
      const i = next++;
      graded[i] = await gradeKata(katas[i]!, options, root, checksums);
      options.onKata?.(katas[i]!, graded[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, worker));
  const tests = graded.flatMap((g) => g.tests);
  const score = round(graded.reduce((n, g) => n + g.score, 0));
  const max = round(graded.reduce((n, g) => n + g.max_score, 0));
  const allPass = tests.length > 0 && tests.every((t) => t.status === 'pass');
  return {
    version: 3,
    status: allPass ? 'pass' : 'fail',
    message: null,
    seed: options.seed,
    seeds: options.seeds,
    target: options.target === 'solutions' ? 'solutions' : 'katas',
    score,
    max_score: max,
    tampered_tests: graded.filter((g) => g.tampered).map((g) => g.file),
    katas: graded.map(({ tests: _tests, ...rest }) => rest),
    tests,
  };
}

function readChecksums(root: string): Record<string, string> {
  const file = join(root, 'test', 'checksums.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

async function gradeKata(kata: Kata, options: GradeOptions, root: string, checksums: Record<string, string>): Promise<GradedKata> {
  const source = existsSync(join(root, kata.test)) ? readFileSync(join(root, kata.test), 'utf8') : '';
  const sha256 = createHash('sha256').update(source).digest('hex');
  const runs: Map<string, TestOutcome>[] = [];
  const problems: string[] = [];
  for (let s = 0; s < options.seeds; s++) {
    const report = await runTests({
      files: [kata.test],
      root,
      seed: options.seed + s,
      testTimeoutMs: options.testTimeoutMs,
      env: { KATA_TARGET: options.target, KATA_KATAS_DIR: options.katasDir, KATA_BORROWED: '' },
    });
    runs.push(new Map(report.tests.map((t) => [t.name, t])));
    problems.push(...report.problems.map((p) => p.replace(`${kata.test}: `, '')));
  }
  const names = [...new Set(runs.flatMap((r) => [...r.keys()]))];
  const problemText = [...new Set(problems)].join('\n') || null;
  const tests: GradedTest[] = [];
  const rates: number[] = [];
  if (names.length === 0) {
    // The file did not load (a syntax error, a missing export): the whole kata is one failed test.
    tests.push(graded(kata, 'the kata\'s test file loads and runs', 'error', problemText ?? 'no test ran', null, '', 0, kata.points));
  } else {
    const each = kata.points / names.length;
    for (const name of names) {
      const outcomes = runs.map((r) => r.get(name));
      const passes = outcomes.filter((o) => o?.status === 'pass').length;
      const rate = passes / options.seeds;
      rates.push(rate);
      const failed = outcomes.find((o) => o && o.status !== 'pass');
      const status = rate === 1 ? 'pass' : failed?.status === 'error' ? 'error' : 'fail';
      const first = outcomes.find((o) => o !== undefined)!;
      // The submission's own path must not show (nor change the results from one folder to another).
      const message = status === 'pass' ? null : (failed?.message ?? problemText ?? 'did not run').split(options.katasDir).join('katas');
      tests.push(graded(kata, name, status, message, first.output ?? null, testCode(source, first.line), rate, each));
    }
  }
  // From the exact shares, not the rounded per-test scores: 3 × 3.33 must still make 10.
  const score = names.length === 0 ? 0 : (kata.points * rates.reduce((n, r) => n + r, 0)) / names.length;
  return {
    kata: kata.number,
    title: kata.title,
    component: kata.component,
    file: kata.test,
    sha256,
    tampered: checksums[kata.test] !== undefined && checksums[kata.test] !== sha256,
    passed: tests.filter((t) => t.status === 'pass').length,
    total: tests.length,
    score: round(score),
    max_score: kata.points,
    tests,
  };
}

function graded(
  kata: Kata,
  name: string,
  status: GradedTest['status'],
  message: string | null,
  output: string | null,
  code: string,
  rate: number,
  max: number,
): GradedTest {
  return {
    name,
    status,
    message,
    output: output ? output.slice(0, 500) : null,
    test_code: code,
    task_id: Number(kata.number),
    kata: kata.number,
    file: kata.test,
    pass_rate: round(rate),
    score: round(max * rate),
    max_score: round(max),
  };
}

/** The source of the test that starts on `line` (1-based): up to its closing line at the same indent. */
function testCode(source: string, line: number | undefined): string {
  if (!line) return '';
  const lines = source.split('\n');
  const start = line - 1;
  const indent = /^\s*/.exec(lines[start] ?? '')![0];
  for (let i = start; i < lines.length && i < start + 80; i++) {
    if (i > start && new RegExp(`^${indent}\\}`).test(lines[i]!)) return lines.slice(start, i + 1).join('\n');
  }
  return lines.slice(start, start + 1).join('\n');
}

/** Writes report.md, results.json and junit.xml into `dir`. */
export function writeReports(results: GradeResults, dir: string, title: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'report.md'), markdownReport(results, title));
  writeFileSync(join(dir, 'junit.xml'), junit(results, title));
}

/** The score table, as printed and in report.md. */
export function scoreTable(results: GradeResults): string {
  const rows = results.katas.map(
    (k) => `| ${k.kata} | ${k.component} | ${k.title} | ${k.passed}/${k.total} | ${k.score} / ${k.max_score} |${k.tampered ? ' tampered test file |' : ''}`,
  );
  return ['| kata | component | title | tests | points |', '| --- | --- | --- | --- | --- |', ...rows, `| | | **total** | | **${results.score} / ${results.max_score}** |`].join('\n');
}

function markdownReport(results: GradeResults, title: string): string {
  const parts = [`# Grade: ${title}`, '', `Seed ${results.seed}${results.seeds > 1 ? ` (and ${results.seeds - 1} more)` : ''}, target ${results.target}.`, '', scoreTable(results), ''];
  if (results.tampered_tests.length) parts.push(`**Tampered test files** (they differ from the workbook's checksums): ${results.tampered_tests.join(', ')}`, '');
  for (const k of results.katas) {
    const failing = results.tests.filter((t) => t.kata === k.kata && t.status !== 'pass');
    if (failing.length === 0) continue;
    parts.push(`## ${k.kata} · ${k.title}: ${k.passed}/${k.total}`, '');
    for (const t of failing) parts.push(`- **${t.name}**${results.seeds > 1 ? ` (passed ${Math.round(t.pass_rate * 100)}% of seeds)` : ''}: ${(t.message ?? '').split('\n')[0]}`);
    parts.push('');
  }
  return parts.join('\n');
}

const xml = (s: string): string =>
  // eslint-disable-next-line no-control-regex
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function junit(results: GradeResults, title: string): string {
  const suites = results.katas.map((k) => {
    const tests = results.tests.filter((t) => t.kata === k.kata);
    const cases = tests.map((t) => {
      const body =
        t.status === 'pass' ? '' : t.status === 'error' ? `<error message="${xml((t.message ?? '').split('\n')[0]!)}">${xml(t.message ?? '')}</error>` : `<failure message="${xml((t.message ?? '').split('\n')[0]!)}">${xml(t.message ?? '')}</failure>`;
      return `    <testcase classname="kata ${k.kata} ${xml(k.component)}" name="${xml(t.name)}">${body}</testcase>`;
    });
    const failures = tests.filter((t) => t.status === 'fail').length;
    const errors = tests.filter((t) => t.status === 'error').length;
    return `  <testsuite name="kata ${k.kata} · ${xml(k.title)}" tests="${tests.length}" failures="${failures}" errors="${errors}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const failures = results.tests.filter((t) => t.status === 'fail').length;
  const errors = results.tests.filter((t) => t.status === 'error').length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(title)}" tests="${results.tests.length}" failures="${failures}" errors="${errors}">\n${suites.join('\n')}\n</testsuites>\n`;
}
