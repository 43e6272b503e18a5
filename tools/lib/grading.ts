/**
 * Grading one submission: run every kata's test file with fixed seeds, score each test, and
 * write the reports (report.md, results.json in
 * the Exercism test-runner v3 shape, junit.xml). Same code, same score: nothing in the results
 * depends on time, on the machine, or on where the submission sits.
 *
 * A submission's `katas/progress.json` says what it borrowed: those components resolve to the
 * reference exactly as `npm run kata -- run` resolves them, their katas are not graded (0 points,
 * shown as borrowed), and the katas built on them are graded on the learner's own code.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { Kata } from './katas.ts';
import { runTests, type TestOutcome } from './runner.ts';
import { borrowedIn, readKataProgress, resolveTargets, ROOT } from './targets.ts';
import { importClosure } from './result-cache.ts';
import { FileWatch, type WatchedDir } from './workbook-watch.ts';
import { loadTampering, readGuardFile, scanSubmission, type GuardLine, type ReviewNote } from './tamper.ts';

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
  /** kata files graded at once (vitest workers) */
  parallel: number;
  /**
   * a fresh process for every kata file, as `npm run kata -- run` has, instead of the default:
   * the katas split into `parallel` runs of consecutive katas, each run's files one after another
   * in one worker (a third less CPU; see {@link splitForWorkers})
   */
  isolate?: boolean;
  /**
   * once this many tests of a kata ran out of time (a loop, a promise never resolved), the kata's
   * remaining tests fail at once as timed out instead of each waiting out its limit (default 2; 0: never)
   */
  maxTimeouts?: number;
  /** a folder of results by the content of everything a kata's run depends on (see {@link gradeKey}); none: run everything */
  cacheDir?: string;
  /** components borrowed; default: the submission's katas/progress.json */
  borrowed?: string[];
  /**
   * the learner's own copy of the tests (`<clone>/test`), when the submission carries one: each
   * file is hashed and compared with the workbook's checksums (it is never run)
   */
  submittedTests?: string;
  /**
   * the files the learner's code must not write to while it runs (tools/lib/workbook-watch.ts):
   * `own` (the learner's katas folder) left out, `written` (what the grader wrote since the watch's
   * last run) looked at again first; default: the workbook, all but .git, vitest's caches and the
   * graded katas folder, and the cache folder
   */
  watch?: { files: FileWatch; own: readonly string[]; written: readonly string[] };
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

/**
 * Where a kata stands, for the report and the dashboard: all tests pass (`done`), some do
 * (`partial`), none do (`failing`), every test stops at unwritten code (`not-started`), its
 * component is borrowed (`borrowed`, not graded), or its code changed the test machinery
 * (`tampered`, scored 0).
 */
export type KataState = 'done' | 'partial' | 'failing' | 'not-started' | 'borrowed' | 'tampered';

/** One graded kata. */
export interface GradedKata {
  kata: string;
  title: string;
  component: string;
  file: string;
  state: KataState;
  /** sha256 of the test file that was run (the grading workbook's) */
  sha256: string;
  /** sha256 of the learner's own copy of the test file, when the submission carries one */
  submitted_sha256?: string;
  /** the test file run, or the learner's copy, differs from the workbook's recorded checksum */
  tampered: boolean;
  /** what the kata's code changed in the test machinery (assertions, fast-check, the process) */
  tampering: string[];
  /** hints the learner revealed (katas/progress.json) */
  hints: number;
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
  /** components whose reference stood in (their katas are not graded) */
  borrowed: string[];
  score: number;
  max_score: number;
  /** hints revealed over all katas */
  hints: number;
  tampered_tests: string[];
  /** katas whose code changed the test machinery */
  tampered_code: string[];
  /** lines of the learner's code that reach for the test machinery or the process: for a person to read */
  review: ReviewNote[];
  katas: Omit<GradedKata, 'tests'>[];
  tests: GradedTest[];
  /**
   * files that grading depends on (the workbook's tests, node_modules, the cache, other learners'
   * submissions) written while this learner's code ran; every kata that ran is then scored 0, flagged
   */
  changed_files: string[];
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Grades every kata; never throws for anything the learner's code does. */
export async function grade(katas: Kata[], options: GradeOptions): Promise<GradeResults> {
  const root = options.root ?? ROOT;
  const checksums = readChecksums(root);
  const borrowed = options.target === 'solutions' ? [] : [...(options.borrowed ?? borrowedIn(options.katasDir, root))].sort();
  const hints = readKataProgress(options.katasDir)?.hints ?? {};
  const toRun = katas.filter((k) => !borrowed.includes(k.component));
  const runs: TestOutcome[][] = Array.from({ length: options.seeds }, () => []);
  const problems: string[] = [];
  const guardLines: GuardLine[] = [];
  // With a cache, a kata whose every input is unchanged (its tests, the code they import, the
  // settings) takes its results from the cache instead of running: a re-graded class runs only
  // what changed, and a kata many learners have not started runs once.
  const cache = options.cacheDir ? new GradeCache(options.cacheDir) : undefined;
  const keys = new Map<Kata, string>();
  const fresh: Kata[] = [];
  for (const kata of toRun) {
    const key = cache ? gradeKey(kata, options, borrowed, root) : '';
    const hit = cache?.get(key);
    if (hit && hit.runs.length === options.seeds) {
      hit.runs.forEach((tests, s) => runs[s]!.push(...tests));
      problems.push(...hit.problems);
      guardLines.push(...hit.guard);
    } else {
      keys.set(kata, key);
      fresh.push(kata);
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'kubekata-grade-'));
  const watch = options.watch ?? { files: new FileWatch(defaultWatch(root, options)), own: [resolve(options.katasDir)], written: [] };
  if (fresh.length > 0) watch.files.start(watch.written);
  const freshProblems: string[] = [];
  const freshGuard: GuardLine[] = [];
  const freshRuns: TestOutcome[][] = [];
  try {
    for (let s = 0; s < options.seeds && fresh.length > 0; s++) {
      const guardFile = join(scratch, `guard-${s}.jsonl`);
      writeFileSync(guardFile, '');
      const run = (files: string[], sharedWorker: boolean) =>
        runTests({
          files,
          root,
          seed: options.seed + s,
          testTimeoutMs: options.testTimeoutMs,
          maxWorkers: sharedWorker ? 1 : Math.max(1, options.parallel),
          sharedWorker,
          crashLimit: Math.max(1, options.maxTimeouts ?? 2),
          env: {
            KATA_TARGET: options.target,
            KATA_KATAS_DIR: options.katasDir,
            KATA_BORROWED: borrowed.join(','),
            KATA_GUARD_FILE: guardFile,
            KATA_LOOP_LIMIT: String(options.maxTimeouts ?? 2),
            KATA_LOOP_DIR: join(scratch, `loops-${s}`),
          },
        });
      const reports = options.isolate
        ? [await run(fresh.map((k) => k.test), false)]
        : await Promise.all(
            // Split over every kata graded, cached or not, so that each kata's worker is the same one as when nothing is cached.
            splitForWorkers(toRun, Math.max(1, options.parallel), root)
              .map((group) => group.filter((k) => fresh.includes(k)))
              .filter((group) => group.length > 0)
              .map((group) => run(group.map((k) => k.test), true)),
          );
      let report = { tests: reports.flatMap((r) => r.tests), problems: reports.flatMap((r) => r.problems) };
      if (!options.isolate) {
        // A kata that failed in the shared worker is graded again in a process of its own, as
        // `npm run kata -- run` and `npm start` run it, and that run counts: nothing an earlier
        // kata's code left in the worker can cost it points. Not for a kata whose code patched the
        // test machinery (it scores 0 anyway), one that ran out of time (a loop costs the same
        // anywhere) or one not started.
        const guarded = new Set(readGuardFile(guardFile, root).map((g) => g.file));
        const again = fresh.filter((k) => {
          const tests = report.tests.filter((t) => t.file === k.test);
          if (guarded.has(k.test) || tests.some((t) => t.status === 'timeout')) return false;
          return tests.some((t) => (t.status === 'fail' || t.status === 'error') && stopsAt(t.message) === undefined) || report.problems.some((p) => p.startsWith(`${k.test}:`));
        });
        if (again.length > 0) {
          const files = new Set(again.map((k) => k.test));
          const alone = await run([...files], false);
          report = {
            tests: [...report.tests.filter((t) => !files.has(t.file)), ...alone.tests],
            problems: [...report.problems.filter((p) => ![...files].some((f) => p.startsWith(`${f}:`))), ...alone.problems],
          };
        }
      }
      // Paths of the submission made neutral, so that results do not depend on where it sits.
      const neutral = report.tests.map((t) => ({ ...t, ...(t.message ? { message: clean(t.message, options.katasDir) } : {}), ...(t.output ? { output: clean(t.output, options.katasDir) } : {}) }));
      freshRuns.push(neutral);
      runs[s]!.push(...neutral);
      freshProblems.push(...report.problems.map((p) => clean(p, options.katasDir)));
      freshGuard.push(...readGuardFile(guardFile, root));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // A write to the files grading depends on, from inside a run, can only be the learner's code:
  // its results cannot be trusted (a rewritten test file passes anything), so every kata that ran
  // is scored 0, flagged with what was changed.
  const changed = fresh.length > 0 ? watch.files.changes(watch.own) : [];
  if (changed.length > 0) {
    const what = `wrote to ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ` and ${changed.length - 5} more files` : ''}, which grading depends on, while the tests ran`;
    freshGuard.push(...fresh.map((kata) => ({ file: kata.test, name: '', what })));
  }
  problems.push(...freshProblems);
  guardLines.push(...freshGuard);
  // Kept only from runs with no problem outside the katas' files (an unhandled error could be anyone's).
  if (cache && changed.length === 0 && freshProblems.every((p) => fresh.some((k) => p.startsWith(`${k.test}:`)))) {
    for (const kata of fresh) {
      cache.set(keys.get(kata)!, {
        runs: freshRuns.map((tests) => tests.filter((t) => t.file === kata.test)),
        problems: freshProblems.filter((p) => p.startsWith(`${kata.test}:`)),
        guard: freshGuard.filter((g) => g.file === kata.test),
      });
    }
  }
  const graded = katas.map((kata) => {
    const result = borrowed.includes(kata.component)
      ? borrowedKata(kata, root, checksums, hints, options)
      : gradeKata(kata, runs, problems, guardLines, options, root, checksums, hints);
    options.onKata?.(kata, result);
    return result;
  });
  const tests = graded.flatMap((g) => g.tests);
  const score = round(graded.reduce((n, g) => n + g.score, 0));
  const max = round(graded.reduce((n, g) => n + g.max_score, 0));
  const allPass = tests.length > 0 && tests.every((t) => t.status === 'pass');
  // Problems outside every kata's file, and errors thrown outside any test (on the file that was
  // running): shown with the whole run, as vitest shows them, since no test's message carries them.
  const unattributed = [...new Set(problems.filter((p) => !toRun.some((k) => p.startsWith(`${k.test}:`)) || toRun.some((k) => p.startsWith(`${k.test}: unhandled error:`))))].map((p) => clean(p, options.katasDir));
  return {
    version: 3,
    status: allPass ? 'pass' : 'fail',
    message: unattributed.length ? unattributed.join('\n') : null,
    seed: options.seed,
    seeds: options.seeds,
    target: options.target === 'solutions' ? 'solutions' : 'katas',
    borrowed,
    score,
    max_score: max,
    hints: graded.reduce((n, g) => n + g.hints, 0),
    tampered_tests: graded.filter((g) => g.tampered).map((g) => g.file),
    tampered_code: graded.filter((g) => g.state === 'tampered').map((g) => g.kata),
    review: options.target === 'solutions' ? [] : scanSubmission(options.katasDir, borrowed, root),
    katas: graded.map(({ tests: _tests, ...rest }) => rest),
    tests,
    changed_files: changed,
  };
}

/** What a learner's run must leave alone when the caller names nothing: the workbook and the cache. */
function defaultWatch(root: string, options: GradeOptions): WatchedDir[] {
  const skip = ['.git', '.kubekata', join('node_modules', '.vite'), join('node_modules', '.vite-temp')].map((d) => join(root, d));
  return [{ dir: root, skip: [...skip, resolve(options.katasDir)] }, ...(options.cacheDir ? [{ dir: options.cacheDir }] : [])];
}

/**
 * The katas split into `workers` runs of consecutive katas (by number) of about equal size, one
 * worker each. Fixed by the test files alone, so that a kata's run has the same files before it
 * in every grading of the submission, alone or with its class. The size of a test file stands in
 * for its cost.
 *
 * @example splitForWorkers(katas 01–29, 2) → [01–12, 13–29] (about half the bytes of tests each)
 */
export function splitForWorkers(katas: Kata[], workers: number, root: string): Kata[][] {
  const sorted = [...katas].sort((a, b) => a.number.localeCompare(b.number));
  const size = (k: Kata): number => (existsSync(join(root, k.test)) ? statSync(join(root, k.test)).size : 1);
  const total = sorted.reduce((n, k) => n + size(k), 0);
  const groups: Kata[][] = [];
  let group: Kata[] = [];
  let done = 0;
  for (const kata of sorted) {
    group.push(kata);
    done += size(kata);
    if (groups.length < workers - 1 && done >= (total * (groups.length + 1)) / workers) {
      groups.push(group);
      group = [];
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Bump when what is cached, or how it is graded, changes: every older entry is then a miss. */
const CACHE_VERSION = 3;

/** Files every graded run depends on, whatever the kata imports. */
const ALWAYS = [
  'vitest.config.ts',
  'package-lock.json',
  'package.json',
  'tsconfig.json',
  'tsconfig.base.json',
  'tools/lib/guard.ts',
  'tools/lib/runner.ts',
  'tools/lib/events-reporter.ts',
  'tools/lib/targets.ts',
  'tools/lib/grading.ts',
];

/** Folders read whole into every key: the test helpers, and the kit (its images run as processes, never imported). */
const ALWAYS_FOLDERS = ['test/support', 'kit'];

/** Every file under `dir` (none when it does not exist), skipping installed packages and version control. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '.git') walk(join(d, e.name));
      } else if (e.isFile()) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

/**
 * The key of a kata's graded results: a hash of the settings (seed, seeds, time limits, target,
 * borrowed components, Node.js version) and of the content of every file its run can read — its
 * test file and all it imports, followed through `@kube/*` as this submission resolves them; every
 * other file of each component those imports reach (a learner's file may be read, not imported);
 * the TypeScript and package settings in the submission's folder and the folders above it (they
 * change how its code is compiled); all of test/support and kit/; the vitest config, the grader's
 * own files and the lock file. Each file is named by its place (`katas/etcd/store.ts`, or how many
 * folders above the katas folder), never by where the submission sits, so two learners whose files
 * are the same bytes share a key. Same key, same results.
 */
export function gradeKey(kata: Kata, options: GradeOptions, borrowed: string[], root = options.root ?? ROOT): string {
  const targets = resolveTargets({ KATA_TARGET: options.target, KATA_KATAS_DIR: options.katasDir, KATA_BORROWED: borrowed.join(',') }, root);
  const katasDir = resolve(options.katasDir);
  const closure = importClosure(join(root, kata.test), targets);
  // Every file of the components the closure reaches, in the submission and in the reference.
  const components = new Set<string>();
  for (const file of closure) {
    for (const base of [katasDir, join(root, 'solutions'), join(root, 'katas')]) {
      if (!file.startsWith(`${base}/`)) continue;
      const first = relative(base, file).split('/')[0]!;
      if (existsSync(join(base, first)) && statSync(join(base, first)).isDirectory()) components.add(join(base, first));
      break;
    }
  }
  const named = new Map<string, string>();
  const name = (file: string): string => (file.startsWith(`${katasDir}/`) ? `katas/${relative(katasDir, file)}` : relative(root, file));
  for (const file of [...ALWAYS.map((f) => join(root, f)), ...ALWAYS_FOLDERS.flatMap((d) => filesUnder(join(root, d))), ...closure, ...[...components].flatMap(filesUnder)]) {
    named.set(name(file), file);
  }
  // The nearest tsconfig.json (and the files it extends) and package.json from the katas folder up:
  // they set how the submission's code compiles and loads.
  const packageJson = nearest(katasDir, 'package.json');
  if (packageJson) named.set('nearest/package.json', packageJson);
  const tsconfigs = [nearest(katasDir, 'tsconfig.json')].filter((f): f is string => f !== undefined);
  for (let i = 0; i < tsconfigs.length && i < 20; i++) {
    named.set(`nearest/tsconfig.json/${i}`, tsconfigs[i]!);
    tsconfigs.push(...extended(tsconfigs[i]!).filter((f) => !tsconfigs.includes(f)));
  }
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ v: CACHE_VERSION, kata: kata.number, points: kata.points, seed: options.seed, seeds: options.seeds, isolate: options.isolate === true, timeout: options.testTimeoutMs, maxTimeouts: options.maxTimeouts ?? 2, target: options.target, borrowed, node: process.version }));
  for (const [place, file] of [...named].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`\0${place}\0`);
    hash.update(digest(file));
  }
  return hash.digest('hex');
}

/** The file named `name` in `dir` or the nearest folder above it. */
function nearest(dir: string, name: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, name))) return join(d, name);
    if (dirname(d) === d) return undefined;
  }
}

/** The tsconfigs a tsconfig.json extends by a relative path (one from a package is the lock file's). */
function extended(file: string): string[] {
  try {
    const field = (JSON.parse(readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { extends?: unknown }).extends;
    const paths = (Array.isArray(field) ? field : [field]).filter((p): p is string => typeof p === 'string' && p.startsWith('.'));
    return paths.map((p) => resolve(dirname(file), p)).flatMap((t) => (existsSync(t) ? [t] : existsSync(`${t}.json`) ? [`${t}.json`] : []));
  } catch {
    return []; // not JSON we can read: its bytes are in the key all the same
  }
}

/** Files' digests, read once per change: every kata of every learner hashes the same workbook files. */
const digests = new Map<string, { mtimeMs: number; size: number; digest: string }>();

function digest(file: string): string {
  if (!existsSync(file)) return '(missing)';
  const stat = statSync(file);
  const known = digests.get(file);
  if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.digest;
  const entry = { mtimeMs: stat.mtimeMs, size: stat.size, digest: sha(readFileSync(file)) };
  digests.set(file, entry);
  return entry.digest;
}

interface CachedKata {
  /** per seed, the kata's test outcomes (paths of the submission made neutral) */
  runs: TestOutcome[][];
  problems: string[];
  guard: GuardLine[];
}

/** One file per key in a folder, shared by the learners of a class and by later runs. */
class GradeCache {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  get(key: string): CachedKata | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as CachedKata;
    } catch {
      return undefined;
    }
  }

  set(key: string, value: CachedKata): void {
    const file = join(this.dir, `${key}.json`);
    const temporary = `${file}.${randomUUID()}.tmp`;
    writeFileSync(temporary, JSON.stringify(value));
    renameSync(temporary, file);
  }
}

function readChecksums(root: string): Record<string, string> {
  const file = join(root, 'test', 'checksums.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

const sha = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/**
 * The submission's own path must not show (nor change the results from one folder to another):
 * as it is, and as the tools print it relative to the working directory (esbuild's transform
 * errors: `../class/fay/katas/etcd/keys.ts:111:27`).
 */
function clean(text: string, katasDir: string): string {
  const absolute = resolve(katasDir);
  const relativePath = relative(process.cwd(), absolute);
  // The relative form first: it ends with the absolute one (`../../tmp/x/katas` holds `/tmp/x/katas`).
  let cleaned = relativePath !== '' && relativePath !== 'katas' ? text.split(relativePath).join('katas') : text;
  cleaned = cleaned.split(absolute).join('katas');
  if (katasDir !== absolute) cleaned = cleaned.split(katasDir).join('katas');
  return cleaned;
}

/** The hashes of a kata's test file: the one run and, when the submission carries it, the learner's copy. */
function hashes(kata: Kata, root: string, checksums: Record<string, string>, options: GradeOptions): Pick<GradedKata, 'sha256' | 'submitted_sha256' | 'tampered'> & { source: string } {
  const source = existsSync(join(root, kata.test)) ? readFileSync(join(root, kata.test), 'utf8') : '';
  const sha256 = sha(source);
  const recorded = checksums[kata.test];
  const mine = options.submittedTests ? join(options.submittedTests, kata.test.replace(/^test\//, '')) : undefined;
  const submitted = mine && existsSync(mine) ? sha(readFileSync(mine)) : undefined;
  const tampered = recorded !== undefined && (recorded !== sha256 || (submitted !== undefined && submitted !== recorded));
  return { source, sha256, ...(submitted ? { submitted_sha256: submitted } : {}), tampered };
}

function borrowedKata(kata: Kata, root: string, checksums: Record<string, string>, hints: Record<string, number>, options: GradeOptions): GradedKata {
  const { source: _source, ...hash } = hashes(kata, root, checksums, options);
  return {
    kata: kata.number,
    title: kata.title,
    component: kata.component,
    file: kata.test,
    state: 'borrowed',
    ...hash,
    tampering: [],
    hints: hints[kata.number] ?? 0,
    passed: 0,
    total: 0,
    score: 0,
    max_score: kata.points,
    tests: [],
  };
}

/** "Seed 7", or "Seeds 7 to 9 (...)": with --seeds N each file runs once with each of seed, seed+1, ... */
function seedsLine(seed: number, seeds: number): string {
  return seeds === 1 ? `Seed ${seed}` : `Seeds ${seed} to ${seed + seeds - 1} (each test file ran once with each)`;
}

/** "kata 03 is not implemented yet" → "03". */
const stopsAt = (message: string | null | undefined): string | undefined => /kata (\d{2}) is not implemented yet/.exec(message ?? '')?.[1];

function gradeKata(
  kata: Kata,
  runs: TestOutcome[][],
  allProblems: string[],
  guardLines: GuardLine[],
  options: GradeOptions,
  root: string,
  checksums: Record<string, string>,
  hints: Record<string, number>,
): GradedKata {
  const { source, ...hash } = hashes(kata, root, checksums, options);
  const byName = runs.map((tests) => new Map(tests.filter((t) => t.file === kata.test).map((t) => [t.name, t])));
  const problems = allProblems.filter((p) => p.startsWith(`${kata.test}:`)).map((p) => p.slice(kata.test.length + 1).trim());
  const atLoad = problems.map(loadTampering).filter((t): t is string => t !== undefined);
  const tampering = [...new Set([...guardLines.filter((g) => g.file === kata.test).map((g) => g.what), ...atLoad])].sort();
  const names = [...new Set(byName.flatMap((r) => [...r.keys()]))];
  const problemText = problems.length ? clean([...new Set(problems)].join('\n'), options.katasDir) : null;
  const tests: GradedTest[] = [];
  const rates: number[] = [];
  if (names.length === 0) {
    // The file did not load (a syntax error, a missing export): the whole kata is one failed test.
    tests.push(graded(kata, "the kata's test file loads and runs", 'error', problemText ?? 'no test ran', null, '', 0, kata.points));
  } else {
    const each = kata.points / names.length;
    for (const name of names) {
      const outcomes = byName.map((r) => r.get(name));
      const passes = tampering.length ? 0 : outcomes.filter((o) => o?.status === 'pass').length;
      const rate = passes / options.seeds;
      rates.push(rate);
      const failed = outcomes.find((o) => o && o.status !== 'pass');
      const gaveUp = /^not run: this kata's code already ran out of time/.test(failed?.message ?? '');
      const status = rate === 1 ? 'pass' : tampering.length || gaveUp || failed?.status === 'error' || failed?.status === 'timeout' ? 'error' : 'fail';
      const first = outcomes.find((o) => o !== undefined)!;
      const why = tampering.length ? `not scored: the code under test changed the test machinery (${tampering.join('; ')})` : (failed?.message ?? problemText ?? 'did not run');
      const message = status === 'pass' ? null : clean(why, options.katasDir);
      tests.push(graded(kata, name, status, message, first.output ? clean(first.output, options.katasDir) : null, testCode(source, first.line), rate, each));
    }
  }
  // From the exact shares, not the rounded per-test scores: 3 × 3.33 must still make 10.
  const score = names.length === 0 ? 0 : (kata.points * rates.reduce((n, r) => n + r, 0)) / names.length;
  const passed = tests.filter((t) => t.status === 'pass').length;
  const notStarted = passed === 0 && tests.every((t) => stopsAt(t.message) !== undefined);
  const state: KataState = tampering.length ? 'tampered' : passed === tests.length ? 'done' : passed > 0 ? 'partial' : notStarted ? 'not-started' : 'failing';
  return {
    kata: kata.number,
    title: kata.title,
    component: kata.component,
    file: kata.test,
    state,
    ...hash,
    tampering,
    hints: hints[kata.number] ?? 0,
    passed,
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

const STATE_WORDS: Record<KataState, string> = {
  done: 'done',
  partial: 'partial',
  failing: 'failing',
  'not-started': 'not started',
  borrowed: 'borrowed',
  tampered: 'not scored: tampering',
};

/** The score table, as printed and in report.md. */
export function scoreTable(results: GradeResults): string {
  const rows = results.katas.map((k) => {
    const tests = k.state === 'borrowed' ? 'borrowed' : k.state === 'not-started' ? 'not started' : `${k.passed}/${k.total}`;
    const notes = [k.state === 'tampered' ? 'changed the test machinery' : '', k.tampered ? 'tampered test file' : '', k.hints ? `${k.hints} hint${k.hints === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
    return `| ${k.kata} | ${k.component} | ${k.title} | ${tests} | ${k.state === 'borrowed' ? '—' : `${k.score} / ${k.max_score}`} | ${notes} |`;
  });
  return ['| kata | component | title | tests | points | notes |', '| --- | --- | --- | --- | --- | --- |', ...rows, `| | | **total** | | **${results.score} / ${results.max_score}** | |`].join('\n');
}

/**
 * report.md: the score, what was borrowed, warnings, then detail where the learner is — every
 * failing test of the katas under way — and one line for each kata not started.
 */
function markdownReport(results: GradeResults, title: string): string {
  const parts = [`# Grade: ${title}`, '', `${seedsLine(results.seed, results.seeds)}, target ${results.target}.`];
  if (results.borrowed.length) parts.push(`Borrowed (the reference solution stood in; those katas are not graded): ${results.borrowed.join(', ')}.`);
  parts.push('', scoreTable(results), '');
  if (results.message) parts.push(`**Problems outside any kata**: ${results.message.split('\n')[0]}`, '');
  if (results.tampered_tests.length) parts.push(`**Tampered test files** (they differ from the workbook's checksums): ${results.tampered_tests.join(', ')}`, '');
  for (const k of results.katas.filter((x) => x.state === 'tampered')) parts.push(`**Kata ${k.kata} is not scored**: its code changed the test machinery (${k.tampering.join('; ')}).`, '');
  if (results.review.length) {
    parts.push('**For review** (code that reaches for the test machinery or the process; not scored, for a person to read):', '');
    for (const r of results.review) parts.push(`- ${r.file}:${r.line}: ${r.what}`);
    parts.push('');
  }
  for (const k of results.katas) {
    if (k.state !== 'partial' && k.state !== 'failing') continue;
    const failing = results.tests.filter((t) => t.kata === k.kata && t.status !== 'pass');
    parts.push(`## ${k.kata} · ${k.title}: ${k.passed}/${k.total}`, '');
    for (const t of failing) parts.push(`- **${t.name}**${results.seeds > 1 ? ` (passed ${Math.round(t.pass_rate * 100)}% of seeds)` : ''}: ${(t.message ?? '').split('\n')[0]}`);
    parts.push('');
  }
  const notStarted = results.katas.filter((k) => k.state === 'not-started');
  if (notStarted.length) {
    parts.push('## Not started', '');
    for (const k of notStarted) {
      const at = [...new Set(results.tests.filter((t) => t.kata === k.kata).map((t) => stopsAt(t.message)).filter((n): n is string => n !== undefined))].sort();
      parts.push(`- ${k.kata} · ${k.title}: ${k.total} tests stop at kata ${at.join(', ')}'s unwritten code.`);
    }
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
    if (k.state === 'borrowed') {
      return `  <testsuite name="kata ${k.kata} · ${xml(k.title)}" tests="1" failures="0" errors="0" skipped="1">\n    <testcase classname="kata ${k.kata} ${xml(k.component)}" name="borrowed: the reference ${xml(k.component)} stood in"><skipped message="borrowed"/></testcase>\n  </testsuite>`;
    }
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
