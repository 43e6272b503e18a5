/**
 * `npm run grade` — scores a learner's katas with the workbook's own tests.
 *
 *   npm run grade                              grade katas/
 *   npm run grade -- --submission DIR          grade another learner's katas folder (or clone, or zip download)
 *   npm run grade -- --submissions DIR         grade a class: one folder per learner; writes a summary and a dashboard
 *   npm run grade -- --merge OUT1 OUT2 --out OUT   merge the class results of several runs (shards) into one
 *   options: --seed N (fixed by default) --seeds N --out DIR --timeout MS --min-score N --parallel N
 *            --borrow C[,C] --shard I/N --max-timeouts N --cache DIR --no-cache --isolate
 *
 * Exit 0 whatever the score (unless --min-score is not reached, or a submission could not be read: 1);
 * 2 when it cannot grade.
 */
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { loadKatas, type Kata } from './lib/katas.ts';
import { grade, scoreTable, writeReports, type GradeResults } from './lib/grading.ts';
import { borrowedIn, listComponents, ROOT, targetFromEnv, withDependencies } from './lib/targets.ts';
import { DEFAULT_SEED } from './lib/seed.ts';
import { compileErrors, readClass, readResults, writeClass, type ClassLearner } from './lib/class.ts';
import { FileWatch, keepSources, restoreSources, type WatchedDir } from './lib/workbook-watch.ts';

const USAGE = `usage: npm run grade -- [--submission DIR | --submissions DIR | --merge OUT...] [--seed N] [--seeds N] [--out DIR]
                        [--timeout MS] [--min-score N] [--parallel N] [--borrow C[,C]] [--shard I/N] [--max-timeouts N]
                        [--cache DIR | --no-cache] [--isolate] [--quiet]`;

class CannotGrade extends Error {}

function int(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text) || Number(text) < min) throw new CannotGrade(`--${name} takes a whole number >= ${min}, not "${text}".\n${USAGE}`);
  return Number(text);
}

/** Where a submission's katas are, or why there are none. */
export type Located = { katasDir: string; cloneRoot?: string } | { problem: string };

const SKIP = new Set(['node_modules', '.git', '.kubekata', 'out', 'site', 'solutions', '__MACOSX']);

/**
 * Finds the katas folder in a learner's submission: the folder itself (it holds component
 * folders such as etcd/), its `katas/`, or a `katas/` further down — a zip download nests the clone
 * one level (`ada/kubekata-class-main/katas`). The shallowest wins.
 */
export function locateKatas(dir: string, components: string[]): Located {
  if (!existsSync(dir)) return { problem: `there is no folder ${dir}` };
  const isKatas = (d: string): boolean => components.some((c) => existsSync(join(d, c)) && statSync(join(d, c)).isDirectory());
  if (isKatas(dir) && !existsSync(join(dir, 'katas'))) {
    const parent = dirname(dir);
    return { katasDir: dir, ...(basename(dir) === 'katas' && existsSync(join(parent, 'test')) ? { cloneRoot: parent } : {}) };
  }
  let level = [dir];
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const found = level.map((d) => join(d, 'katas')).filter((k) => existsSync(k) && statSync(k).isDirectory() && isKatas(k));
    if (found.length > 1) {
      // A class folder given to --submission, or a learner who sent two copies: either way,
      // grading the first alone would be a silent guess.
      const where = found.sort().map((k) => relative(dir, k) || '.');
      return { problem: `it holds ${found.length} katas folders at the same depth (${where.slice(0, 5).join(', ')}${where.length > 5 ? ', ...' : ''}): a class is graded with --submissions DIR, one learner at a time with --submission pointed at their own folder; a learner's folder must hold one copy of the workbook` };
    }
    if (found.length > 0) {
      const katasDir = found[0]!;
      const cloneRoot = dirname(katasDir);
      return { katasDir, ...(existsSync(join(cloneRoot, 'test')) || existsSync(join(cloneRoot, 'package.json')) ? { cloneRoot } : {}) };
    }
    level = level.flatMap((d) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')).map((e) => join(d, e.name)));
  }
  const holds = readdirSync(dir).filter((n) => !n.startsWith('.'));
  return {
    problem: holds.length === 0 ? 'the folder is empty' : `no katas folder (with ${components.join('/')} inside) was found in it; it holds: ${holds.slice(0, 8).join(', ')}${holds.length > 8 ? ', ...' : ''}`,
  };
}

/** When the learner last changed their work: the last commit of a clone, else the newest file. Shown, never graded. */
function submittedAt(located: { katasDir: string; cloneRoot?: string }): string | null {
  if (located.cloneRoot && existsSync(join(located.cloneRoot, '.git'))) {
    try {
      // In UTC, as the files' times below are: one form in every row of the summary.
      const committed = execFileSync('git', ['-C', located.cloneRoot, 'log', '-1', '--format=%cI'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (committed) return new Date(committed).toISOString();
    } catch {
      /* not a repository after all: the files' times */
    }
  }
  let newest = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else newest = Math.max(newest, statSync(join(d, e.name)).mtimeMs);
    }
  };
  walk(located.katasDir);
  return newest ? new Date(newest).toISOString() : null;
}

/** Runs `work` over `items`, at most `limit` at once, keeping the order of the results. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      submission: { type: 'string' },
      submissions: { type: 'string' },
      merge: { type: 'boolean' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      out: { type: 'string' },
      timeout: { type: 'string' },
      'min-score': { type: 'string' },
      parallel: { type: 'string' },
      borrow: { type: 'string' },
      shard: { type: 'string' },
      'max-timeouts': { type: 'string' },
      cache: { type: 'string' },
      'no-cache': { type: 'boolean' },
      isolate: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE), 0;
  if (values.cache && values['no-cache']) throw new CannotGrade('Give --cache DIR (keep results by content in DIR) or --no-cache (run every kata of every learner), not both.');
  if ([values.submission, values.submissions, values.merge].filter(Boolean).length > 1) throw new CannotGrade('Give one of --submission (one learner), --submissions (a class) or --merge (class results), not several.');
  if (positionals.length > 0 && !values.merge) throw new CannotGrade(`Unexpected argument${positionals.length > 1 ? 's' : ''} ${positionals.join(' ')}.\n${USAGE}`);
  const minScore = values['min-score'] !== undefined ? Number(values['min-score']) : undefined;
  if (minScore !== undefined && !Number.isFinite(minScore)) throw new CannotGrade(`--min-score takes a number, not "${values['min-score']}".`);
  const outDir = resolve(values.out ?? join(ROOT, 'out', 'grade'));
  const log = (line: string): void => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };

  if (values.merge) {
    if (positionals.length === 0) throw new CannotGrade(`--merge needs the output folders of the runs to merge: npm run grade -- --merge out/shard-1 out/shard-2 --out out/class`);
    if (!values.out) throw new CannotGrade('--merge needs --out DIR, the folder for the merged summary and dashboard.');
    const shards = positionals.map((p) => resolve(p));
    const merged = mergeClasses(shards, outDir);
    const below = writeClass(outDir, merged.katas, merged.learners, minScore);
    console.log(`merged ${merged.learners.length} learners from ${shards.length} runs into ${outDir} (summary.csv, summary.md, index.html)`);
    return warnClass(merged.learners, below, minScore, outDir);
  }

  if (!existsSync(join(ROOT, 'node_modules', 'vitest'))) throw new CannotGrade('vitest is not installed: run npm ci (or npm install) first.');
  let katas: Kata[];
  try {
    katas = loadKatas();
  } catch (error) {
    throw new CannotGrade(`The workbook's katas cannot be read: ${(error as Error).message}`);
  }
  if (katas.length === 0) throw new CannotGrade('The workbook has no katas to grade.');
  const components = listComponents();
  const extraBorrowed = (values.borrow ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of extraBorrowed) {
    if (!components.includes(b)) throw new CannotGrade(`--borrow ${b}: not a component. Components: ${components.join(', ')}.`);
  }
  const options = {
    target: targetFromEnv(),
    seed: int('seed', values.seed, DEFAULT_SEED, -(2 ** 31)),
    seeds: int('seeds', values.seeds, 1, 1),
    testTimeoutMs: int('timeout', values.timeout, 20_000, 100),
    maxTimeouts: int('max-timeouts', values['max-timeouts'], 2, 0),
    ...(values.cache ? { cacheDir: resolve(values.cache) } : {}),
    ...(values.isolate ? { isolate: true } : {}),
  };
  const parallel = int('parallel', values.parallel, 2, 1);

  // The workbook's sources as they are now: what a learner's code writes to them while it runs is put back.
  const kept = keepSources(ROOT);
  /**
   * What a learner's code must not write to while it runs: the workbook (its tests, the kit,
   * node_modules), the reports and the cache, and the class's other submissions (or, for one
   * learner, their clone beside their katas folder, whose test/ is hashed after the run). One
   * watch for a whole class: its look after a learner is the look before the next.
   */
  const watchAround = (around: string | undefined, cacheDir: string | undefined): FileWatch => {
    const skip = ['.git', '.kubekata', join('node_modules', '.vite'), join('node_modules', '.vite-temp')].map((d) => join(ROOT, d));
    const dirs: WatchedDir[] = [{ dir: ROOT, skip }];
    for (const dir of [outDir, cacheDir, around]) {
      if (dir && !dirs.some((d) => dir === d.dir || dir.startsWith(`${d.dir}/`))) dirs.push({ dir });
    }
    return new FileWatch(dirs);
  };
  const gradeOne = async (located: { katasDir: string; cloneRoot?: string }, title: string, reportDir: string, workers: number, settings = options, watch = watchAround(located.cloneRoot && resolve(located.cloneRoot), settings.cacheDir)): Promise<GradeResults> => {
    const { katasDir, cloneRoot } = located;
    // The submission's own borrows (its katas/progress.json), those the instructor names, and what they are built on.
    const borrowed = withDependencies([...borrowedIn(katasDir), ...extraBorrowed]);
    log(`grading ${title} (${katasDir}) with seed ${options.seed}${options.seeds > 1 ? ` ×${options.seeds}` : ''}${borrowed.length ? `, borrowed: ${borrowed.join(', ')}` : ''}`);
    const results = await grade(katas, {
      ...settings,
      katasDir,
      parallel: workers,
      borrowed,
      ...(cloneRoot && resolve(cloneRoot) !== ROOT && existsSync(join(cloneRoot, 'test')) ? { submittedTests: join(cloneRoot, 'test') } : {}),
      watch: { files: watch, own: [resolve(katasDir)], written: [outDir, ...(settings.cacheDir ? [settings.cacheDir] : [])] },
      onKata: (kata, r) => log(`  ${title}: kata ${kata.number} ${kata.component}/${kata.slug}: ${r.state === 'borrowed' ? 'borrowed' : `${r.passed}/${r.total} tests, ${r.score}/${r.max_score} points`}`),
    });
    writeReports(results, reportDir, title);
    if (results.changed_files.length > 0) {
      const lost = restoreSources(kept, results.changed_files);
      // What was put back is looked at again before the next learner, as the grader's own writing.
      watch.start(results.changed_files.map((path) => resolve(ROOT, path)));
      process.stderr.write(`\nTAMPERING: ${title}'s code wrote to files that grading depends on while its tests ran: ${results.changed_files.join(', ')}. Its katas that ran score 0, flagged.\n`);
      if (lost.length > 0) {
        throw new CannotGrade(
          `${title}'s code changed files the grader cannot put back: ${lost.join(', ')}. Grading stopped, so that no one else is graded with them. ` +
            `Put them back (npm ci for node_modules; the class's submissions from their source; an empty --cache folder) and grade again. ${title}'s flagged reports are in ${reportDir}.`,
        );
      }
      process.stderr.write(`The workbook's own files among them are put back as grading found them.\n`);
    }
    return results;
  };

  if (values.submissions) {
    const classDir = resolve(values.submissions);
    if (!existsSync(classDir)) throw new CannotGrade(`There is no folder ${values.submissions}.`);
    let learners = readdirSync(classDir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
    if (learners.length === 0) throw new CannotGrade(`${values.submissions} has no learner folders (one folder per learner, each a katas folder or a workbook clone).`);
    if (values.shard) {
      const m = /^(\d+)\/(\d+)$/.exec(values.shard);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new CannotGrade(`--shard takes I/N with 1 <= I <= N (this job's share of N), not "${values.shard}".`);
      learners = learners.filter((_, i) => i % Number(m[2]) === Number(m[1]) - 1);
    }
    // A class shares one cache of kata results by content even without --cache (a throw-away one,
    // for this run): a kata whose every input is the same bytes as another learner's — a starter
    // not yet touched, a component borrowed, code passed around — runs once for all of them.
    const runCache = !options.cacheDir && !values['no-cache'] ? mkdtempSync(join(tmpdir(), 'kubekata-grade-cache-')) : undefined;
    const classOptions = runCache ? { ...options, cacheDir: runCache } : options;
    // One learner at a time, `--parallel` kata files at once: exactly how a learner graded alone
    // runs. Learners side by side (one worker each) ran the same kata file of two learners at the
    // same moment, and the test files that bind fixed addresses (kata 25's 127.25.1.2:8080) then
    // failed on EADDRINUSE: a learner's results depended on who was graded beside them.
    const classWatch = watchAround(classDir, classOptions.cacheDir);
    const rows = await pool(learners, 1, async (learner): Promise<ClassLearner> => {
      const located = locateKatas(join(classDir, learner), components);
      const base = { learner, folder: learner };
      if ('problem' in located) {
        log(`  ${learner}: CANNOT READ the submission: ${located.problem}`);
        return { ...base, submission: null, problem: located.problem, submitted_at: null, score: 0, max_score: katas.reduce((n, k) => n + k.points, 0) };
      }
      const results = await gradeOne(located, learner, join(outDir, learner), parallel, classOptions, classWatch);
      const unreadable = unreadableProblem(results);
      return {
        ...base,
        submission: relative(classDir, located.katasDir).split('\\').join('/') || '.',
        problem: unreadable,
        submitted_at: submittedAt(located),
        score: results.score,
        max_score: results.max_score,
      };
    }).finally(() => {
      if (runCache) rmSync(runCache, { recursive: true, force: true });
    });
    const below = writeClass(outDir, katas.map(kataInfo), rows, minScore);
    console.log(`| learner | score | ${katas.map((k) => k.number).join(' | ')} |`);
    for (const r of rows) {
      const res = existsSync(join(outDir, r.folder, 'results.json')) ? (JSON.parse(readFileSync(join(outDir, r.folder, 'results.json'), 'utf8')) as GradeResults) : undefined;
      console.log(`| ${r.learner} | ${r.score}/${r.max_score} | ${res ? res.katas.map((k) => (k.state === 'borrowed' ? 'B' : k.score)).join(' | ') : katas.map(() => '?').join(' | ')} |`);
    }
    console.log(`\nwrote ${join(outDir, 'index.html')} (the dashboard), summary.csv, summary.md and one folder of reports per learner`);
    return warnClass(rows, below, minScore, outDir);
  }

  const dir = values.submission ?? join(ROOT, 'katas');
  const title = values.submission ? basename(resolve(values.submission)) : options.target === 'solutions' ? 'the reference solutions' : 'katas/';
  const located = values.submission ? locateKatas(resolve(values.submission), components) : { katasDir: join(ROOT, 'katas') };
  if ('problem' in located) throw new CannotGrade(`The submission ${dir} cannot be read: ${located.problem}.`);
  const results = await gradeOne(located, title, outDir, parallel);
  console.log(scoreTable(results));
  if (results.borrowed.length) console.log(`\nBorrowed (the reference stood in, not graded): ${results.borrowed.join(', ')}`);
  if (results.tampered_tests.length) console.log(`\nTampered test files (they differ from test/checksums.json): ${results.tampered_tests.join(', ')}`);
  if (results.tampered_code.length) console.log(`\nNot scored: the code of kata ${results.tampered_code.join(', ')} changed the test machinery (see report.md).`);
  if (results.review.length) console.log(`\n${results.review.length} line(s) of the submission are listed for review in report.md.`);
  const passed = results.tests.filter((t) => t.status === 'pass').length;
  console.log(`\nwrote ${join(outDir, 'report.md')}, results.json and junit.xml`);
  console.log(`tests: ${passed} passed, ${results.tests.length - passed} failed`);
  const problem = unreadableProblem(results);
  if (problem) process.stderr.write(`\nWARNING: the submission could not be read: ${problem}\n`);
  if (minScore !== undefined && results.score < minScore) {
    process.stderr.write(`${title} scored ${results.score}, below --min-score ${minScore}.\n`);
    return 1;
  }
  return 0;
}

const kataInfo = (k: Kata): { number: string; title: string; component: string; points: number } => ({ number: k.number, title: k.title, component: k.component, points: k.points });

/** A submission whose code could not be loaded at all (every graded kata's file failed to load on a missing module). */
function unreadableProblem(results: GradeResults): string | null {
  const graded = results.katas.filter((k) => k.state !== 'borrowed');
  const broken = graded.filter((k) => results.tests.some((t) => t.kata === k.kata && /Cannot find module|Failed to load url|Failed to resolve import/.test(t.message ?? '')) && k.passed === 0);
  if (graded.length > 0 && broken.length === graded.length) {
    const first = results.tests.find((t) => /Cannot find module|Failed to load url|Failed to resolve import/.test(t.message ?? ''))!;
    return `its code could not be loaded: ${(first.message ?? '').split('\n')[0]}`;
  }
  return null;
}

/** Says loudly who could not be read and who is below --min-score; the exit status. */
function warnClass(rows: ClassLearner[], below: string[], minScore: number | undefined, outDir: string): number {
  const unread = rows.filter((r) => r.problem);
  if (unread.length) {
    process.stderr.write(`\nWARNING: ${unread.length} submission${unread.length === 1 ? '' : 's'} could not be read (scored 0; see the dashboard):\n`);
    for (const r of unread) process.stderr.write(`  ${r.learner}: ${r.problem}\n`);
  }
  // Code that does not compile, and tampering: read, scored, but an instructor must hear of it.
  const noticed: string[] = [];
  for (const r of rows.filter((x) => !x.problem)) {
    const results = readResults(outDir, r);
    const broken = compileErrors(results);
    if (broken.length) noticed.push(`  ${r.learner}: does not compile: ${broken.join(', ')}`);
    if (results?.tampered_tests.length) noticed.push(`  ${r.learner}: tampered test files: ${results.tampered_tests.join(', ')}`);
    if (results?.tampered_code.length) noticed.push(`  ${r.learner}: code changed the test machinery in kata ${results.tampered_code.join(', ')}`);
  }
  if (noticed.length) process.stderr.write(`\nWARNING: look at these (see the dashboard):\n${noticed.join('\n')}\n`);
  if (minScore !== undefined && below.length) process.stderr.write(`\nBelow --min-score ${minScore}: ${below.join(', ')}\n`);
  return (minScore !== undefined && below.length > 0) || (minScore !== undefined && unread.length > 0) ? 1 : 0;
}

/** The learners of several class runs (shards), their folders copied into `outDir`. */
function mergeClasses(shards: string[], outDir: string): { katas: ReturnType<typeof kataInfo>[]; learners: ClassLearner[] } {
  const learners: ClassLearner[] = [];
  let katas: ReturnType<typeof kataInfo>[] | undefined;
  for (const shard of shards) {
    const found = readClass(shard);
    if (!found) throw new CannotGrade(`${shard} holds no class.json: give the --out folders of runs of npm run grade -- --submissions.`);
    if (katas && JSON.stringify(katas) !== JSON.stringify(found.katas)) throw new CannotGrade(`${shard} was graded with other katas than ${shards[0]}: merge runs of the same workbook.`);
    katas = found.katas;
    for (const l of found.learners) {
      if (learners.some((x) => x.learner === l.learner)) throw new CannotGrade(`The learner ${l.learner} is in more than one of the runs to merge.`);
      const from = join(shard, l.folder);
      if (resolve(shard) !== outDir && existsSync(from)) cpSync(from, join(outDir, l.folder), { recursive: true });
      learners.push(l);
    }
  }
  return { katas: katas ?? [], learners: learners.sort((a, b) => a.learner.localeCompare(b.learner)) };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cannot grade: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
