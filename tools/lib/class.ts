/**
 * A class's results, as `npm run grade -- --submissions DIR --out OUT` leaves them:
 * - `OUT/<learner>/` report.md, results.json, junit.xml (one folder per learner);
 * - `OUT/class.json`: the learners, where each submission's katas were found (or why they could
 *   not be read), when it was last changed, its score — what `--merge` reads back;
 * - `OUT/summary.csv`, `OUT/summary.md`: one row per learner, points per kata with tests beside;
 * - `OUT/index.html`: the dashboard (tools/lib/dashboard.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GradeResults } from './grading.ts';
import { dashboard } from './dashboard.ts';

/** A kata as the class files name it. */
export interface ClassKata {
  number: string;
  title: string;
  component: string;
  points: number;
}

/** One learner of the class. */
export interface ClassLearner {
  learner: string;
  /** their folder of reports in OUT */
  folder: string;
  /** where their katas were found, relative to the class folder; null when none was */
  submission: string | null;
  /** why the submission could not be read (it scores 0), or null */
  problem: string | null;
  /** the last commit of their clone, else their newest file (ISO time); shown, never graded */
  submitted_at: string | null;
  score: number;
  max_score: number;
}

/** The class.json document. */
export interface ClassFile {
  version: 1;
  katas: ClassKata[];
  learners: ClassLearner[];
  min_score: number | null;
}

/** Reads OUT/class.json, or undefined when there is none. */
export function readClass(outDir: string): ClassFile | undefined {
  const file = join(outDir, 'class.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClassFile) : undefined;
}

/** A learner's results.json, or undefined when their submission could not be graded. */
export function readResults(outDir: string, learner: ClassLearner): GradeResults | undefined {
  const file = join(outDir, learner.folder, 'results.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as GradeResults) : undefined;
}

/**
 * Where a learner's code does not compile, from the messages of the tests that could not load it:
 * `katas/etcd/keys.ts:72:24 [PARSE_ERROR] Unexpected token` (esbuild's and oxc's transform
 * errors name the file and the error). Every kata that imports the file fails with the same one,
 * so each place is listed once.
 */
export function compileErrors(results: GradeResults | undefined): string[] {
  const found = new Set<string>();
  for (const test of results?.tests ?? []) {
    const message = test.message ?? '';
    if (!message.startsWith('Transform failed')) continue;
    const where = /(katas\/[^\s\]:]+:\d+:\d+)/.exec(message)?.[1];
    const oxc = /\[([A-Z_]+)\] ([^\n]+)/.exec(message); // [PARSE_ERROR] Unexpected token
    const esbuild = /ERROR: ([^\n]+)/.exec(message); // katas/x.ts:1:2: ERROR: Expected "}"
    const why = oxc ? `[${oxc[1]}] ${oxc[2]}` : esbuild ? esbuild[1] : message.split('\n')[0];
    if (where) found.add(`${where} ${why}`.trim());
  }
  return [...found];
}

const csvText = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * Writes class.json, summary.csv, summary.md and index.html; returns the learners below
 * `minScore` (an unreadable submission is below any minimum).
 */
export function writeClass(outDir: string, katas: ClassKata[], learners: ClassLearner[], minScore: number | undefined): string[] {
  mkdirSync(outDir, { recursive: true });
  const file: ClassFile = { version: 1, katas, learners, min_score: minScore ?? null };
  writeFileSync(join(outDir, 'class.json'), `${JSON.stringify(file, null, 2)}\n`);
  const results = new Map(learners.map((l) => [l.learner, readResults(outDir, l)]));
  const cell = (l: ClassLearner, k: ClassKata): { points: string; tests: string } => {
    const r = results.get(l.learner)?.katas.find((x) => x.kata === k.number);
    if (!r) return { points: '0', tests: l.problem ? 'unreadable' : '' };
    if (r.state === 'borrowed') return { points: '0', tests: 'borrowed' };
    return { points: String(r.score), tests: `${r.passed}/${r.total}` };
  };
  const flags = (l: ClassLearner): string => {
    const r = results.get(l.learner);
    const broken = compileErrors(r);
    return [l.problem ? `unreadable: ${l.problem}` : '', broken.length ? `does not compile: ${broken.join(', ')}` : '', r?.tampered_tests.length ? `tampered tests: ${r.tampered_tests.join(' ')}` : '', r?.tampered_code.length ? `code changed the test machinery in kata ${r.tampered_code.join(' ')}` : '', r?.review.length ? `${r.review.length} line(s) for review` : '']
      .filter(Boolean)
      .join('; ');
  };
  // Points in every column (the unit of the score), the tests passed beside them.
  const csv = [['learner', 'score', 'max_score', ...katas.flatMap((k) => [`kata_${k.number}_points`, `kata_${k.number}_tests`]), 'borrowed', 'hints', 'submitted_at', 'flags'].join(',')];
  for (const l of learners) {
    const r = results.get(l.learner);
    csv.push(
      [csvText(l.learner), l.score, l.max_score, ...katas.flatMap((k) => { const c = cell(l, k); return [c.points, csvText(c.tests)]; }), csvText(r?.borrowed.join(' ') ?? ''), r?.hints ?? 0, csvText(l.submitted_at ?? ''), csvText(flags(l))].join(','),
    );
  }
  writeFileSync(join(outDir, 'summary.csv'), `${csv.join('\n')}\n`);
  const below = learners.filter((l) => l.problem || (minScore !== undefined && l.score < minScore)).map((l) => l.learner);
  const md = [
    '# Class summary',
    '',
    `${learners.length} learners. Each kata: points (tests passed); B = borrowed (not graded). Hints: how many the learner opened, in all. Last change: their last commit, else their newest file (UTC).`,
    '',
    `| learner | points | ${katas.map((k) => `${k.number} ${k.title} (${k.points})`).join(' | ')} | borrowed | hints | last change | flags |`,
    `| --- | --- | ${katas.map(() => '---').join(' | ')} | --- | --- | --- | --- |`,
    ...learners.map((l) => {
      const r = results.get(l.learner);
      const cells = katas.map((k) => { const c = cell(l, k); return c.tests === 'borrowed' ? 'B' : c.tests === 'unreadable' || !c.tests ? '—' : `${c.points} (${c.tests})`; });
      const when = l.submitted_at ? l.submitted_at.replace('T', ' ').slice(0, 16) : '—';
      return `| ${l.learner} | ${l.score}/${l.max_score} | ${cells.join(' | ')} | ${r?.borrowed.join(' ') || '—'} | ${r?.hints ?? 0} | ${when} | ${flags(l).replace(/\|/g, '\\|')} |`;
    }),
    '',
  ];
  const unread = learners.filter((l) => l.problem);
  if (unread.length) md.push(`**Could not be read** (scored 0): ${unread.map((l) => `${l.learner} (${l.problem})`).join('; ')}`, '');
  if (minScore !== undefined) md.push(`Below --min-score ${minScore}: ${below.length ? below.join(', ') : 'nobody'}.`, '');
  writeFileSync(join(outDir, 'summary.md'), md.join('\n'));
  writeFileSync(join(outDir, 'index.html'), dashboard(file, results));
  return minScore === undefined ? learners.filter((l) => l.problem).map((l) => l.learner) : below;
}
