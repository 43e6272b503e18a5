/**
 * `npm test` — the workbook checks itself (DESIGN.md, Integrity):
 *  1. TypeScript compiles with strict for kit, katas, solutions, tests and tools;
 *  2. every kata's instructions, test file and starter are in place (sections, >= 2 properties,
 *     no skipped tests, up-to-date checksums);
 *  3. katas/ and solutions/ export the same names with the same types;
 *  4. every kata test passes against the solutions;
 *  5. on the pristine starters, no kata test passes;
 *  6. on the solutions with one kata undone (its members put back to the starter's), none of that
 *     kata's tests passes — the same rule, made strict for katas that build on earlier ones — and
 *     every failed property's printed replay line reproduces its failure;
 *  7. the tools' own tests (CLI, grader, runner, kit, docs) pass;
 *  8. the reference store agrees with a real etcd 3.4 (`npm run conformance:etcd`), and katas
 *     08–10's tests pass with the reference apiserver's store in a real etcd (KATA_STORE=etcd:URL,
 *     tools/lib/etcd-backend.ts): the same registry code on both stores; skipped with a note where
 *     etcd is not installed, but required in CI (CI=true).
 * Each failure names the kata and what is wrong. Options: --only N[,N] to run some checks,
 * --katas NN[,NN] to run checks 4–6 on some katas.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { apiShapes, compareShapes } from './lib/exports.ts';
import { hints, loadKatas, REQUIRED_SECTIONS, sections, splitFrontMatter, type Kata } from './lib/katas.ts';
import { MAP_FILE, renderMap } from './lib/map.ts';
import { restoreMembers } from './lib/members.ts';
import { c, replayCommand } from './lib/report.ts';
import { runTests, type TestOutcome } from './lib/runner.ts';
import { DEFAULT_SEED } from './lib/seed.ts';
import { listComponents, ROOT } from './lib/targets.ts';
import { leftoverImageProcesses } from './lib/leftover-processes.ts';
import { EtcdUnavailable, startEtcd } from './conformance/etcd-process.ts';

interface Check {
  title: string;
  run: () => Promise<string[]> | string[];
}

const { values } = parseArgs({ options: { only: { type: 'string' }, katas: { type: 'string' } } });
const only = values.only?.split(',').map(Number);

if (!existsSync(join(ROOT, 'solutions'))) {
  console.log('This is the student edition: the workbook checks itself against solutions/, which this edition leaves out.');
  console.log('Check your own work with: npm run kata -- verify   (or grade it: npm run grade)');
  process.exit(2);
}

// Read up front: every check works on the catalogue, whichever of them --only selects.
let katas: Kata[] = [];
let catalogueError: string | undefined;
try {
  katas = loadKatas();
} catch (error) {
  catalogueError = (error as Error).message;
}
/** The katas whose tests checks 4–6 run: all, or those `--katas 01,02` names (for an author at work). */
const selected = values.katas ? values.katas.split(',').map((n) => katas.find((k) => k.number === n.trim().padStart(2, '0')) ?? fail(`--katas: there is no kata ${n}`)) : katas;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
const checks: Check[] = [
  { title: 'TypeScript compiles with strict (kit, katas, solutions, tests, tools)', run: typecheck },
  { title: "every kata's instructions, starter and test file are in place", run: catalogue },
  { title: 'katas/ and solutions/ export the same names with the same types', run: sameExports },
  { title: 'every kata test passes against the solutions', run: solutionsPass },
  { title: 'on the pristine starters, no kata test passes', run: startersFail },
  { title: 'on the solutions with one kata undone, none of that kata\'s tests passes', run: undoneKataFails },
  { title: "the tools' own tests pass (runner, CLI, grader, export, kit, docs)", run: toolsPass },
  { title: 'the reference store agrees with a real etcd 3.4 (npm run conformance:etcd), and katas 08–10 pass on one', run: etcdConformance },
];

function typecheck(): string[] {
  const problems: string[] = [];
  for (const config of ['tsconfig.json', 'tsconfig.solutions.json']) {
    const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', config], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) {
      const errors = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.includes('error TS'));
      problems.push(`${config}: ${errors.length} type error(s)\n${errors.slice(0, 15).map((e) => `      ${e}`).join('\n')}`);
    }
  }
  return problems;
}

function catalogue(): string[] {
  const problems: string[] = [];
  if (catalogueError) return [catalogueError];
  if (katas.length === 0) return ['there are no katas (katas/<component>/NN-slug.md)'];
  const sums = existsSync(join(ROOT, 'test', 'checksums.json')) ? (JSON.parse(readFileSync(join(ROOT, 'test', 'checksums.json'), 'utf8')) as Record<string, string>) : {};
  for (const component of listComponents()) {
    if (!existsSync(join(ROOT, 'katas', component, 'README.md'))) problems.push(`component ${component}: katas/${component}/README.md (the component's page) is missing`);
    for (const base of ['katas', 'solutions']) {
      if (!existsSync(join(ROOT, base, component, 'index.ts'))) problems.push(`component ${component}: ${base}/${component}/index.ts is missing`);
    }
    const starters = readdirSync(join(ROOT, 'katas', component)).filter((f) => f.endsWith('.ts'));
    for (const f of starters) {
      if (!existsSync(join(ROOT, 'solutions', component, f))) problems.push(`component ${component}: katas/${component}/${f} has no solutions/${component}/${f}`);
    }
  }
  const map = existsSync(join(ROOT, MAP_FILE)) ? readFileSync(join(ROOT, MAP_FILE), 'utf8') : '';
  if (map !== renderMap(katas)) problems.push(`${MAP_FILE} (the map of the workbook) is ${map ? 'out of date' : 'missing'}; run: npm run kata -- map`);
  for (const k of katas) {
    const where = `kata ${k.number} (${k.component}/${k.slug})`;
    const { body } = splitFrontMatter(readFileSync(join(ROOT, k.instructions), 'utf8'), k.instructions);
    const found = sections(body);
    for (const s of REQUIRED_SECTIONS) if (!found.has(s)) problems.push(`${where}: ${k.instructions} has no "## ${s}" section`);
    if (found.has('Hints') && /^### /m.test(found.get('Hints')!)) problems.push(`${where}: its Hints section shows hints ("### " headings) to every reader; move them to ${k.hintsFile}, one "## " heading per hint`);
    if (!existsSync(join(ROOT, k.hintsFile))) problems.push(`${where}: ${k.hintsFile} (its hints, one "## " heading each, gentle first) is missing`);
    else if (hints(k).length < 2) problems.push(`${where}: ${k.hintsFile} has ${hints(k).length} hint(s); give at least 2, one "## " heading each, gentle first`);
    for (const f of k.files) {
      if (!existsSync(join(ROOT, f))) problems.push(`${where}: front matter names ${f}, which does not exist`);
      else if (!readFileSync(join(ROOT, f), 'utf8').includes(`TODO(${k.number})`)) problems.push(`${where}: ${f} has no "TODO(${k.number})" marker for the learner`);
    }
    if (!existsSync(join(ROOT, k.test))) {
      problems.push(`${where}: the test file ${k.test} is missing`);
      continue;
    }
    const source = readFileSync(join(ROOT, k.test), 'utf8');
    const properties = (source.match(/\b(?:test|it)\.prop\(|\bfc\.assert\(/g) ?? []).length;
    if (properties < 2) problems.push(`${where}: ${k.test} has ${properties} fast-check propert${properties === 1 ? 'y' : 'ies'}; every kata needs at least 2`);
    const skipped = source.match(/\b(?:it|test|describe)(?:\.prop\([^)]*\))?\.(?:skip|only|todo|skipIf|runIf)\b/g);
    if (skipped) problems.push(`${where}: ${k.test} uses ${[...new Set(skipped)].join(', ')}: every test must run`);
    if (/fc\.configureGlobal|seed\s*:/.test(source)) problems.push(`${where}: ${k.test} sets a seed; seeds come from KATA_SEED`);
    if (/Math\.random\(|Date\.now\(|new Date\(\)|setTimeout\(/.test(source)) problems.push(`${where}: ${k.test} reads the wall clock or real randomness; use FakeClock and Random from @kube/kit`);
    const sha = createHash('sha256').update(source).digest('hex');
    if (sums[k.test] !== sha) problems.push(`${where}: test/checksums.json does not match ${k.test}; run: npm run kata -- checksums`);
  }
  problems.push(...costlyStringUnits());
  return problems;
}

/**
 * fast-check 4.10 builds a Map of all 1.1 million code points the first time `fc.string` is given
 * a full-Unicode unit ('binary', 'grapheme', 'grapheme-composite'): 0.7-1.4 s added to the start
 * of every test file that imports such an arbitrary, which is most of a learner's wait after a
 * save. test/support/unicode.ts gives the same strings without that cost.
 */
function costlyStringUnits(): string[] {
  const problems: string[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${dir}/${entry.name}`] : [],
    );
  for (const file of walk('test')) {
    const code = readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)) // comments may name the unit
      .join('\n');
    const unit = /unit:\s*'(binary|grapheme|grapheme-composite)'/.exec(code);
    if (unit) problems.push(`${file}: fc.string({ unit: '${unit[1]}' }) adds about a second to the start of every test file that imports it; use unicodeStringArb from test/support/unicode.ts`);
  }
  return problems;
}

function sameExports(): string[] {
  const components = listComponents().filter((comp) => existsSync(join(ROOT, 'katas', comp, 'index.ts')) && existsSync(join(ROOT, 'solutions', comp, 'index.ts')));
  const entries = components.flatMap((comp) => [join(ROOT, 'katas', comp, 'index.ts'), join(ROOT, 'solutions', comp, 'index.ts')]);
  const shapes = apiShapes(entries);
  return components.flatMap((comp) =>
    compareShapes(shapes.get(join(ROOT, 'katas', comp, 'index.ts'))!, shapes.get(join(ROOT, 'solutions', comp, 'index.ts'))!).map((p) => `component ${comp}: ${p}`),
  );
}

function kataOf(file: string): string {
  const k = katas.find((x) => x.test === file);
  return k ? `kata ${k.number} (${k.component}/${k.slug})` : file;
}

/**
 * A test's time limit when the reference runs: 60 s, not the learner's 20 s. On the reference a
 * test that runs long is never a learner's loop, only a loaded machine (at load 20 on 2 cores, kata
 * 19's rollout property took 20 s and failed on its limit); the limit stays to catch a hang.
 */
const SOLUTIONS_TEST_TIMEOUT_MS = 60_000;

async function solutionsPass(): Promise<string[]> {
  const report = await runTests({ files: selected.map((k) => k.test), seed: DEFAULT_SEED, maxWorkers: 2, testTimeoutMs: SOLUTIONS_TEST_TIMEOUT_MS, env: { KATA_TARGET: 'solutions', KATA_BORROWED: '' } });
  const failing = report.tests.filter((t) => t.status !== 'pass');
  const ran = new Set(report.tests.map((t) => t.file));
  return [
    ...report.problems,
    ...selected.filter((k) => !ran.has(k.test)).map((k) => `${kataOf(k.test)}: no test ran`),
    ...failing.map((t) => `${kataOf(t.file)}: "${t.name}" ${t.status === 'pass' ? '' : 'fails on the solution'}: ${(t.message ?? '').split('\n').slice(0, 6).join('\n      ')}`),
  ];
}

/** The committed starters: katas/ itself on a clean checkout, else HEAD's copy in a temporary folder. */
function pristineKatas(): { dir: string; cleanup: () => void } {
  try {
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'katas'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty === '') return { dir: join(ROOT, 'katas'), cleanup: () => {} };
    const tmp = mkdtempSync(join(tmpdir(), 'kubekata-pristine-'));
    execFileSync('sh', ['-c', `git archive HEAD katas | tar -x -C "${tmp}"`], { cwd: ROOT });
    console.log(c.yellow(`   (katas/ has uncommitted changes: checking the committed starters instead)`));
    return { dir: join(tmp, 'katas'), cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
  } catch {
    return { dir: join(ROOT, 'katas'), cleanup: () => {} };
  }
}

async function startersFail(): Promise<string[]> {
  const pristine = pristineKatas();
  try {
    const report = await runTests({ files: selected.map((k) => k.test), seed: DEFAULT_SEED, maxWorkers: 2, env: { KATA_TARGET: 'katas', KATA_KATAS_DIR: pristine.dir, KATA_BORROWED: '' } });
    const ran = new Set(report.tests.map((t) => t.file));
    return [
      ...report.tests
        .filter((t) => t.status === 'pass')
        .map((t) => `${kataOf(t.file)}: "${t.name}" passes on the pristine starter, so it checks nothing the learner writes`),
      // A test file that cannot even load on the starter shows the learner "0/0 tests": learner
      // code must be called inside tests, never at a test file's top level or in a describe body.
      ...selected
        .filter((k) => !ran.has(k.test))
        .map((k) => `${kataOf(k.test)}: its test file runs no test on the pristine starter (${report.problems.find((p) => p.startsWith(`${k.test}:`))?.split('\n')[0] ?? 'it did not load'}): call the learner's code inside tests, not at the top level or in a describe body`),
    ];
  } finally {
    pristine.cleanup();
  }
}

/**
 * Stronger than the pristine check for a component's later katas: kata 02's tests must fail when
 * everything but kata 02 is solved (on the pristine starters they would fail anyway, because
 * kata 01's code throws). The "undone" tree is solutions/ with the members that carry TODO(NN)
 * in the starter put back to the starter's.
 */
async function undoneKataFails(): Promise<string[]> {
  const pristine = pristineKatas();
  try {
    // Two katas at a time: each is its own vitest process on its own tree (2 cores).
    return (await inParallel(selected, 2, (k) => undoneKata(k, pristine.dir))).flat();
  } finally {
    pristine.cleanup();
  }
}

/** Kata `k`'s tests on the solutions with k's members put back to the starter's `pristineDir`. */
async function undoneKata(k: Kata, pristineDir: string): Promise<string[]> {
  const problems: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), `kubekata-undone-${k.number}-`));
  try {
    cpSync(join(ROOT, 'solutions'), tmp, { recursive: true });
    const missing = k.files.filter((file) => !existsSync(join(pristineDir, file.replace(/^katas\//, ''))));
    if (missing.length > 0) {
      return [`${k.number}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the committed starters; commit ${missing.length === 1 ? 'it' : 'them'} (the pristine starters come from git)`];
    }
    for (const file of k.files) {
      const inSolutions = join(tmp, file.replace(/^katas\//, ''));
      const starter = readFileSync(join(pristineDir, file.replace(/^katas\//, '')), 'utf8');
      const current = existsSync(inSolutions) ? readFileSync(inSolutions, 'utf8') : starter;
      writeFileSync(inSolutions, withNotImplemented(restoreMembers(current, starter, k.number).text));
    }
    const env = { KATA_TARGET: 'katas', KATA_KATAS_DIR: tmp, KATA_BORROWED: '' };
    const report = await runTests({ files: [k.test], seed: DEFAULT_SEED, env });
    // A test file that does not even load passes nothing, and so checks nothing either.
    if (report.tests.length === 0) {
      problems.push(`${kataOf(k.test)}: its test file runs no test when only kata ${k.number} is undone (${report.problems[0]?.split('\n')[0] ?? 'it did not load'}): call the learner's code inside tests, not at the top level or in a describe body`);
    }
    for (const t of report.tests.filter((x) => x.status === 'pass')) {
      problems.push(`${kataOf(t.file)}: "${t.name}" passes when every kata but ${k.number} is solved, so it checks nothing kata ${k.number} asks for`);
    }
    problems.push(...(await replaysReproduce(k, report.tests, env)));
    return problems;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A solution file whose members were put back to the starter's throws `new NotImplemented(...)`
 * as the starter does, but may not import it (the solution has no use for it): without the
 * import the body throws a ReferenceError, which code that retries everything but NotImplemented
 * retries for ever, and the tests wait out their limits instead of failing at once.
 */
function withNotImplemented(text: string): string {
  if (!/\bnew NotImplemented\(/.test(text) || /import\s*\{[^}]*\bNotImplemented\b[^}]*\}\s*from\s*'@kube\/kit'/.test(text)) return text;
  return `import { NotImplemented } from '@kube/kit';\n${text}`;
}

/** `work` on every item, at most `width` at a time; the results in the items' order. */
async function inParallel<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

/**
 * Every replay line printed for a failed property reproduces its failure: the properties that
 * failed (here, on a kata left undone) are run again from their seed, path and, for `fc.commands`,
 * replay path alone, and each must fail again with the same counterexample.
 */
async function replaysReproduce(kata: Kata, tests: TestOutcome[], env: Record<string, string>): Promise<string[]> {
  const failed = tests.filter((t) => t.status === 'fail' && t.property);
  if (failed.length === 0) return [];
  const replays = Object.fromEntries(failed.map((t) => [t.name, { seed: t.property!.seed, path: t.property!.path, ...(t.property!.replayPath !== undefined ? { replayPath: t.property!.replayPath } : {}) }]));
  const pattern = `^(${failed.map((t) => t.name.split(' > ').map(escapeRegex).join(' ')).join('|')})$`;
  const again = await runTests({ files: [kata.test], seed: DEFAULT_SEED, env, replays, testNamePattern: pattern });
  return failed.flatMap((t) => {
    const replayed = again.tests.find((x) => x.name === t.name && x.status !== 'skip');
    const line = replayCommand(kata, t);
    if (!replayed) return [`${kataOf(t.file)}: "${t.name}": its replay line did not run the test (${line})`];
    if (replayed.status !== 'fail') return [`${kataOf(t.file)}: "${t.name}": its replay line does not reproduce the failure, the test ${replayed.status === 'pass' ? 'passes' : replayed.status} (${line})`];
    if (replayed.property?.counterexample !== t.property!.counterexample) {
      return [`${kataOf(t.file)}: "${t.name}": its replay line finds another counterexample: ${replayed.property?.counterexample ?? '(none)'} instead of ${t.property!.counterexample} (${line})`];
    }
    return [];
  });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function toolsPass(): Promise<string[]> {
  const files = ['tools/test', 'test/kit'].filter((d) => existsSync(join(ROOT, d)));
  if (files.length === 0) return ['there are no tools tests (tools/test/)'];
  const report = await runTests({ files, seed: DEFAULT_SEED, maxWorkers: 2, testTimeoutMs: 240_000 });
  // After every test so far (check 4 ran the process-runtime tests): no image process left behind.
  const leftovers = leftoverImageProcesses(ROOT).map((p) => `a process of the workbook's images was left behind: pid ${p.pid} (${p.command}): ${p.why}; a process-runtime test must shut its runtime down`);
  return [...report.problems, ...report.tests.filter((t) => t.status !== 'pass').map((t) => `${t.file}: "${t.name}" ${t.status}: ${(t.message ?? '').split('\n').slice(0, 16).join('\n      ')}`), ...leftovers];
}

/** Exit code of the conformance command when there is no etcd to compare with (not a failure). */
const ETCD_MISSING = 3;

async function etcdConformance(): Promise<string[]> {
  return [...conformance(), ...(await registryOnEtcd())];
}

function conformance(): string[] {
  const entry = join(ROOT, 'tools', 'conformance', 'etcd.ts');
  if (!existsSync(entry)) return [];
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', './tools/register.ts', entry], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, KATA_TARGET: 'solutions', KATA_BORROWED: '' },
  });
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status === 0) return [];
  if (result.status === ETCD_MISSING && !process.env.CI) {
    console.log(c.yellow(`   (skipped: ${output.split('\n').slice(-3).join(' ')})`));
    return [];
  }
  return [`npm run conformance:etcd exited with ${result.status ?? result.signal}:\n      ${output.split('\n').slice(-30).join('\n      ')}`];
}

/** The katas whose tests run a second time with the store in a real etcd (test/support/apiserver/store.ts). */
const ON_ETCD = ['08', '09', '10'];

/**
 * Tests whose failure on etcd is reported but does not fail the check, each with why. kata 10's
 * `kubectl get -w` test passes on etcd alone and in `--only 8`, but failed in two fresh-clone CI
 * runs after check 7 (the DELETED row missing from kubectl's output): a defect still open, in the
 * etcd backend's watch or in the test's reading of kubectl, that the memory store never shows.
 */
const KNOWN_ON_ETCD = new Map([['the real kubectl against the server > watches with get -w: the pods now, then each change as it happens', 'the DELETED row missing after check 7 in CI; the cause, the test reading a half line, is fixed, and this stays a warning until fresh-clone runs show it gone (docs/etcd-backend.md)']]);

/**
 * Katas 08–10's tests on the solutions, with the registry's store in a real etcd 3.4 instead of
 * the reference MvccStore (check 4 runs them on the MvccStore): the registry's code is the same,
 * and must pass on both. Each test file gets an etcd of its own (its stores count revisions from
 * etcd's, which one file at a time may move), one file at a time: every store call is a round
 * trip to etcd, and two files at once on two cores starve each other's fuzz of its time limits.
 * A test without a limit of its own gets 60 s instead of 20 (a property of kata 08 makes
 * thousands of calls).
 */
async function registryOnEtcd(): Promise<string[]> {
  const files = selected.filter((k) => ON_ETCD.includes(k.number)).map((k) => k.test);
  return (
    await inParallel(files, 1, async (file) => {
      let etcd;
      try {
        etcd = await startEtcd();
      } catch (error) {
        if (!(error instanceof EtcdUnavailable)) throw error;
        if (process.env.CI) return [`${kataOf(file)} on a real etcd: ${error.message}`];
        console.log(c.yellow(`   (${file} on etcd skipped: etcd is not installed)`));
        return [];
      }
      try {
        const report = await runTests({ files: [file], seed: DEFAULT_SEED, testTimeoutMs: 60_000, env: { KATA_TARGET: 'solutions', KATA_BORROWED: '', KATA_STORE: `etcd:${etcd.endpoint}` } });
        return [
          ...report.problems.map((p) => `${file} on etcd: ${p}`),
          ...(report.tests.length === 0 ? [`${kataOf(file)}: no test ran with its store in etcd`] : []),
          ...report.tests
            .filter((t) => t.status !== 'pass')
            .filter((t) => {
              const known = KNOWN_ON_ETCD.get(t.name);
              if (known) console.log(c.yellow(`\n   (${kataOf(t.file)}: "${t.name}" failed on etcd: ${known})`));
              return !known;
            })
            .map((t) => `${kataOf(t.file)}: "${t.name}" fails with the store in a real etcd (KATA_STORE=etcd:URL): ${(t.message ?? '').split('\n').slice(0, 6).join('\n      ')}`),
        ];
      } finally {
        await etcd.stop();
      }
    })
  ).flat();
}

let failed = 0;
let passed = 0;
for (const [i, check] of checks.entries()) {
  if (only && !only.includes(i + 1)) continue;
  const started = Date.now();
  process.stdout.write(`${i + 1}. ${check.title} ... `);
  const problems = await check.run();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length === 0) {
    passed++;
    console.log(`${c.green('ok')} ${c.dim(`(${seconds} s)`)}`);
  } else {
    failed++;
    console.log(`${c.red('FAILED')} ${c.dim(`(${seconds} s)`)}`);
    for (const p of problems.slice(0, 40)) console.log(`   ${c.red('✗')} ${p}`);
    if (problems.length > 40) console.log(`   ... and ${problems.length - 40} more`);
  }
}
console.log(`\nchecks: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
