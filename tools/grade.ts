/**
 * `npm run grade` — scores a learner's katas with the workbook's own tests.
 *
 *   npm run grade                              grade katas/
 *   npm run grade -- --submission DIR          grade another learner's katas folder
 *   npm run grade -- --submissions DIR         grade a class: one folder per learner
 *   options: --seed N (fixed by default) --seeds N --out DIR --timeout MS --min-score N --parallel N
 *
 * Exit 0 whatever the score (unless --min-score is not reached: 1); 2 when it cannot grade.
 */
import { parseArgs } from 'node:util';
import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadKatas, type Kata } from './lib/katas.ts';
import { grade, scoreTable, writeReports, type GradeResults } from './lib/grading.ts';
import { ROOT, targetFromEnv } from './lib/targets.ts';
import { DEFAULT_SEED } from './lib/seed.ts';

const USAGE = `usage: npm run grade -- [--submission DIR | --submissions DIR] [--seed N] [--seeds N] [--out DIR]
                        [--timeout MS] [--min-score N] [--parallel N]`;

class CannotGrade extends Error {}

function int(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text) || Number(text) < min) throw new CannotGrade(`--${name} takes a whole number >= ${min}, not "${text}".\n${USAGE}`);
  return Number(text);
}

/** A learner's folder may be their katas folder itself or a clone of the workbook holding katas/. */
function katasFolder(dir: string): string {
  const nested = join(dir, 'katas');
  return existsSync(nested) && statSync(nested).isDirectory() ? nested : dir;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      submission: { type: 'string' },
      submissions: { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      out: { type: 'string' },
      timeout: { type: 'string' },
      'min-score': { type: 'string' },
      parallel: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE), 0;
  if (values.submission && values.submissions) throw new CannotGrade('Give --submission (one learner) or --submissions (a class), not both.');
  if (!existsSync(join(ROOT, 'node_modules', 'vitest'))) throw new CannotGrade('vitest is not installed: run npm ci (or npm install) first.');
  let katas: Kata[];
  try {
    katas = loadKatas();
  } catch (error) {
    throw new CannotGrade(`The workbook's katas cannot be read: ${(error as Error).message}`);
  }
  if (katas.length === 0) throw new CannotGrade('The workbook has no katas to grade.');
  const options = {
    target: targetFromEnv(),
    seed: int('seed', values.seed, DEFAULT_SEED, -(2 ** 31)),
    seeds: int('seeds', values.seeds, 1, 1),
    testTimeoutMs: int('timeout', values.timeout, 20_000, 100),
    parallel: int('parallel', values.parallel, 2, 1),
  };
  const minScore = values['min-score'] !== undefined ? Number(values['min-score']) : undefined;
  if (minScore !== undefined && !Number.isFinite(minScore)) throw new CannotGrade(`--min-score takes a number, not "${values['min-score']}".`);
  const outDir = resolve(values.out ?? join(ROOT, 'out', 'grade'));
  const log = (line: string): void => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };

  const gradeOne = async (dir: string, title: string, reportDir: string): Promise<GradeResults> => {
    const katasDir = katasFolder(resolve(dir));
    if (!existsSync(katasDir)) throw new CannotGrade(`There is no katas folder at ${dir}.`);
    log(`grading ${title} (${katasDir}) with seed ${options.seed}${options.seeds > 1 ? ` ×${options.seeds}` : ''}`);
    const results = await grade(katas, {
      ...options,
      katasDir,
      onKata: (kata, r) => log(`  kata ${kata.number} ${kata.component}/${kata.slug}: ${r.passed}/${r.total} tests, ${r.score}/${r.max_score} points`),
    });
    writeReports(results, reportDir, title);
    return results;
  };

  if (values.submissions) {
    const classDir = resolve(values.submissions);
    if (!existsSync(classDir)) throw new CannotGrade(`There is no folder ${values.submissions}.`);
    const learners = readdirSync(classDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    if (learners.length === 0) throw new CannotGrade(`${values.submissions} has no learner folders (one folder per learner, each a katas folder or a workbook clone).`);
    const rows: { learner: string; results: GradeResults }[] = [];
    for (const learner of learners) rows.push({ learner, results: await gradeOne(join(classDir, learner), learner, join(outDir, learner)) });
    writeClassSummary(rows, katas, outDir);
    console.log(`| learner | score | ${katas.map((k) => k.number).join(' | ')} |`);
    for (const r of rows) console.log(`| ${r.learner} | ${r.results.score}/${r.results.max_score} | ${r.results.katas.map((k) => k.score).join(' | ')} |`);
    console.log(`\nwrote ${join(outDir, 'summary.csv')}, summary.md and one folder of reports per learner`);
    return minScore !== undefined && rows.some((r) => r.results.score < minScore) ? 1 : 0;
  }
  const dir = values.submission ?? join(ROOT, 'katas');
  const title = values.submission ? basename(resolve(values.submission)) : options.target === 'solutions' ? 'the reference solutions' : 'katas/';
  const results = await gradeOne(dir, title, outDir);
  console.log(scoreTable(results));
  if (results.tampered_tests.length) console.log(`\nTampered test files (they differ from test/checksums.json): ${results.tampered_tests.join(', ')}`);
  const passed = results.tests.filter((t) => t.status === 'pass').length;
  console.log(`\nwrote ${join(outDir, 'report.md')}, results.json and junit.xml`);
  console.log(`tests: ${passed} passed, ${results.tests.length - passed} failed`);
  return minScore !== undefined && results.score < minScore ? 1 : 0;
}

function writeClassSummary(rows: { learner: string; results: GradeResults }[], katas: Kata[], outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  const csv = [['learner', 'score', 'max_score', ...katas.map((k) => `kata_${k.number}`), 'tampered'].join(',')];
  for (const r of rows) {
    csv.push([JSON.stringify(r.learner), r.results.score, r.results.max_score, ...r.results.katas.map((k) => k.score), JSON.stringify(r.results.tampered_tests.join(' '))].join(','));
  }
  writeFileSync(join(outDir, 'summary.csv'), `${csv.join('\n')}\n`);
  const md = [
    '# Class summary',
    '',
    `| learner | score | ${katas.map((k) => `${k.number} ${k.slug}`).join(' | ')} |`,
    `| --- | --- | ${katas.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.learner} | ${r.results.score}/${r.results.max_score} | ${r.results.katas.map((k) => `${k.passed}/${k.total}`).join(' | ')} |`),
    '',
  ];
  writeFileSync(join(outDir, 'summary.md'), md.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cannot grade: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
