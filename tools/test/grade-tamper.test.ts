/**
 * Scores that cannot be faked: the attacks an instructor tried, each added to a half-done kata 01
 * (the solution with one member a stub that answers instead of throwing), graded as one class. Not
 * one of them may score above the same code graded honestly, and the ones that patch the machinery
 * are flagged. The same attacks graded without the guard show that they are real: they raise the score.
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
let out: string;
let run: ReturnType<typeof runTool>;
let unguarded: string;
/** The attacks that raise the score when nothing guards the assertions. */
const UNGUARDED = ['honest', 'assert-patch', 'builtin-patch', 'fc-patch', 'hooked-patch', 'added-key', 'hooked-added-key', 'result-rewrite', 'added-tests', 'cached-tests', 'equality-tester'];
/** The attacks that import vitest or chai, which kata code cannot: refused before they run. */
const IMPORTS = ['assert-patch', 'expect-extend', 'hooked-patch', 'hooked-added-key'];

/** The code each learner adds to the top of katas/etcd/keys.ts (after the half-done solution). */
const ATTACKS: Record<string, string> = {
  // The two lines: every chai assertion a no-op.
  'assert-patch': "import { chai } from 'vitest';\n(chai as any).Assertion.prototype.assert = function () {};\n",
  // The same through vitest's own door.
  'expect-extend': "import { expect } from 'vitest';\nconst yes = () => ({ pass: true, message: () => '' });\nexpect.extend({ toBe: yes, toEqual: yes, toMatchObject: yes, toThrow: yes, toStrictEqual: yes });\n",
  // Built-ins that every deep equality goes through.
  'builtin-patch': "Object.is = () => true;\n",
  // fast-check: every run of every property a success, whatever the body does.
  'fc-patch': "import fc from 'fast-check';\nconst proto = Object.getPrototypeOf(fc.asyncProperty(fc.constant(0), async () => {}));\nproto.run = async function () { return null; };\n",
  // fast-check's settings: give up on a property at once without failing it.
  'fc-settings': "import fc from 'fast-check';\nfc.configureGlobal({ ...fc.readConfigureGlobal(), interruptAfterTimeLimit: 0, markInterruptAsFailure: false, numRuns: 1 });\n",
  // process.exit(0) mid-file, and the exit vitest cannot catch.
  exit: "setTimeout(() => process.exit(0), 50);\n",
  'really-exit': "export const leave = (): never => (process as any).reallyExit(0);\nsetTimeout(leave, 50);\n",
  // A patch only while each test runs: made in a beforeEach, undone in an afterEach that runs
  // before the guard's (vitest runs after-hooks last registered first). Object.is cannot be
  // assigned at all (the guard locks it): every test fails.
  'hooked-patch':
    "import { afterEach, beforeEach } from 'vitest';\n" +
    "const realIs = Object.is;\n" +
    "beforeEach(() => { Object.is = () => true; });\n" +
    "afterEach(() => { Object.is = realIs; });\n",
  // A method every object inherits, which vitest's equality asks whether two objects match.
  'added-key': "Object.defineProperty(Object.prototype, 'asymmetricMatch', { value: () => true, configurable: true });\n",
  // The same, only while each test runs.
  'hooked-added-key':
    "import { afterEach, beforeEach } from 'vitest';\n" +
    "beforeEach(() => { Object.defineProperty(Object.prototype, 'asymmetricMatch', { value: () => true, configurable: true }); });\n" +
    "afterEach(() => { delete (Object.prototype as any).asymmetricMatch; });\n",
  // vitest's record of each test, reached without importing vitest: every failing test, the moment
  // vitest moves on from it, marked passed.
  'result-rewrite':
    "const worker = (globalThis as any).__vitest_worker__;\n" +
    "let now = worker.current;\n" +
    "Object.defineProperty(worker, 'current', { configurable: true, enumerable: true, get: () => now, set: (next) => {\n" +
    "  if (now?.type === 'test' && now.result?.state === 'fail') { now.result.state = 'pass'; now.result.errors = undefined; }\n" +
    "  now = next;\n" +
    "} });\n",
  // Tests of its own, which pass, added to the kata's test file through the workbook's test
  // helpers (test/support/prop.ts hands on vitest's `test`). @ROOT@ is the workbook.
  'added-tests': "import { test as addTest } from '@ROOT@/test/support/prop.ts';\nfor (let i = 0; i < 200; i++) addTest(`free ${i}`, () => {});\n",
  // An equality tester that answers true, where vitest keeps them: every toEqual a pass.
  'equality-tester': "(globalThis as any)[Symbol.for('$$jest-matchers-object')].customEqualityTesters.push(() => true);\n",
  // The same without an import: vitest's `test`, found in the worker's cache of evaluated modules.
  'cached-tests':
    "const cached = (globalThis as any).__vitest_worker__.evaluatedModules.idToModuleMap;\n" +
    "for (const [id, node] of cached) if (String(id).endsWith('test/support/prop.ts')) for (let i = 0; i < 200; i++) node.exports.test(`free ${i}`, () => {});\n",
  // Overwriting the reporter's output: forged results on every channel the learner can reach.
  'forged-report':
    "import { appendFileSync, readFileSync } from 'node:fs';\n" +
    "const names = [...readFileSync('test/etcd/01-kv.test.ts', 'utf8').matchAll(/it\\('([^']+)'/g)].map((m) => m[1]);\n" +
    "for (const name of names) {\n" +
    "  const event = { type: 'result', file: process.cwd() + '/test/etcd/01-kv.test.ts', name, state: 'passed', errors: [] };\n" +
    "  console.log(JSON.stringify(event));\n" +
    "  try { process.send?.(event); } catch {}\n" +
    "  if (process.env.KATA_PROGRESS) appendFileSync(process.env.KATA_PROGRESS, JSON.stringify({ file: event.file, name }) + '\\n');\n" +
    "  if (process.env.KATA_GUARD_FILE) appendFileSync(process.env.KATA_GUARD_FILE, '');\n" +
    "}\n",
};

function results(learner: string, dir = out): GradeResults {
  return JSON.parse(readFileSync(join(dir, learner, 'results.json'), 'utf8')) as GradeResults;
}

beforeAll(() => {
  copy = workbookCopy({ katas: ['01'] });
  kata = loadKatas(copy)[0]!;
  const keys = join('katas', 'etcd', 'keys.ts');
  const starterFile = kata.files.find((f) => kataMembers(readFileSync(join(copy, f), 'utf8'), kata.number).length > 0)!;
  const member = kataMembers(readFileSync(join(copy, starterFile), 'utf8'), kata.number).at(-1)!.key;
  for (const learner of ['honest', ...Object.keys(ATTACKS)]) {
    const dir = join(copy, 'class', learner, 'katas');
    cpSync(join(copy, 'solutions'), dir, { recursive: true });
    const file = join(dir, starterFile.replace(/^katas\//, ''));
    writeFileSync(file, swapMember(readFileSync(file, 'utf8'), readFileSync(join(copy, starterFile), 'utf8'), member));
    // A stub that answers instead of throwing: what an attack needs for its no-op assertions to pass.
    prependToBody(file, member, '    return undefined as never;');
    if (ATTACKS[learner]) {
      const target = join(dir, keys.replace(/^katas\//, ''));
      writeFileSync(target, `${ATTACKS[learner].replaceAll('@ROOT@', copy)}${readFileSync(target, 'utf8')}`);
    }
  }
  out = join(copy, 'out', 'class');
  run = runTool(copy, 'grade.ts', ['--submissions', join(copy, 'class'), '--out', out, '--timeout', '3000', '--quiet', '--parallel', '2']);
  // Then without the guard (a copy of the class in a workbook whose guard does nothing, with
  // vitest's own runner, and that lets kata code import vitest).
  const config = join(copy, 'vitest.config.ts');
  const unguardedConfig = readFileSync(config, 'utf8').replace("'tools/lib/guard.ts'", '').replace(/^\s*runner: .*$/m, '').replace(/^\s*refuseTestMachinery\(.*$/m, '');
  expect(unguardedConfig).not.toMatch(/guard-runner|refuseTestMachinery\(source/);
  writeFileSync(config, unguardedConfig);
  writeFileSync(join(copy, 'tools', 'lib', 'guard.ts'), 'export const pristineFcConfig = {};\n');
  for (const learner of UNGUARDED) cpSync(join(copy, 'class', learner), join(copy, 'unguarded', learner), { recursive: true });
  unguarded = join(copy, 'out', 'unguarded');
  runTool(copy, 'grade.ts', ['--submissions', join(copy, 'unguarded'), '--out', unguarded, '--timeout', '3000', '--quiet', '--parallel', '2']);
}, 600_000);

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('scores that cannot be faked', () => {
  it('grades the class, the honest half-done kata between nothing and everything', () => {
    expect(run.stderr).not.toContain('cannot grade');
    expect(run.code).toBe(0);
    const honest = results('honest');
    expect(honest.score).toBeGreaterThan(0);
    expect(honest.score).toBeLessThan(honest.max_score);
    expect(honest.tampered_code).toEqual([]);
    expect(honest.review).toEqual([]);
  });

  it.each(Object.keys(ATTACKS))('an attack (%s) scores no more than the same code graded honestly', (learner) => {
    expect(results(learner).score).toBeLessThanOrEqual(results('honest').score);
  });

  it.each(UNGUARDED.slice(1))('the attack (%s) is real: without the guard it scores above the honest code', (learner) => {
    expect(results(learner, unguarded).score).toBeGreaterThan(results('honest', unguarded).score);
  });

  it.each(IMPORTS)('code that imports vitest or chai (%s) is refused: the kata scores 0, and the report says why', (learner) => {
    const r = results(learner);
    expect(r.score).toBe(0);
    expect(readFileSync(join(out, learner, 'report.md'), 'utf8')).toContain("imports 'vitest': kata code cannot import the test machinery");
  });

  it('code that imports the workbook\'s tests (added-tests) is refused: the kata scores 0, and the report says why', () => {
    expect(results('added-tests').score).toBe(0);
    expect(readFileSync(join(out, 'added-tests', 'report.md'), 'utf8')).toContain("which is the workbook's tests: kata code cannot import them");
  });

  it.each(['builtin-patch', 'fc-patch', 'fc-settings', 'added-key', 'result-rewrite', 'cached-tests'])('code that patches the machinery (%s) scores 0 for the kata, flagged in results.json and report.md', (learner) => {
    const r = results(learner);
    expect(r.score).toBe(0);
    expect(r.tampered_code).toEqual([kata.number]);
    expect(r.katas[0]!.state).toBe('tampered');
    expect(readFileSync(join(out, learner, 'report.md'), 'utf8')).toContain(`Kata ${kata.number} is not scored`);
  });

  it('lists every attack\'s code for review, and the dashboard warns about each', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const learner of Object.keys(ATTACKS)) {
      expect(results(learner).review.length, learner).toBeGreaterThan(0);
      expect(html).toContain(`<strong>${learner}</strong>`);
    }
  });
});

describe('the shared worker (katas graded one after another in one process): a patch made once is caught in every kata after it', () => {
  let shared: string;
  beforeAll(() => {
    shared = workbookCopy({ katas: ['01', '02', '03'] });
    const keys = join(shared, 'class', 'patched', 'katas', 'etcd', 'keys.ts');
    cpSync(join(shared, 'solutions'), join(shared, 'class', 'patched', 'katas'), { recursive: true });
    // Loaded once, by kata 01's file: katas 02 and 03 reuse the module, and never run this line again.
    writeFileSync(keys, `${ATTACKS['builtin-patch']}${readFileSync(keys, 'utf8')}`);
    cpSync(join(shared, 'solutions'), join(shared, 'class', 'honest', 'katas'), { recursive: true });
    runTool(shared, 'grade.ts', ['--submissions', join(shared, 'class'), '--out', join(shared, 'out'), '--timeout', '3000', '--quiet', '--parallel', '1']);
  }, 300_000);
  afterAll(() => rmSync(shared, { recursive: true, force: true }));

  it('scores every kata whose tests ran after the patch 0, flagged, and the honest learner in full', () => {
    const read = (learner: string): GradeResults => JSON.parse(readFileSync(join(shared, 'out', learner, 'results.json'), 'utf8')) as GradeResults;
    expect(read('honest').score).toBe(read('honest').max_score);
    expect(read('patched').tampered_code).toEqual(['01', '02', '03']);
    expect(read('patched').score).toBe(0);
  });
});

describe('files grading depends on: a learner\'s code that writes to them scores 0, and no one after it is graded with what it wrote', () => {
  let wb: string;
  let first: ReturnType<typeof runTool>;
  let second: ReturnType<typeof runTool>;
  const testFile = join('test', 'etcd', '02-mvcc.test.ts');
  /** Kata 01's code rewrites kata 02's test file, before it loads, with one test that passes. */
  const rewrite = (path: string): string =>
    "import { writeFileSync as writeTo } from 'node:fs';\n" + `writeTo(${JSON.stringify(path)}, "import { it } from 'vitest';\\nit('passes', () => {});\\n");\n`;
  const read = (dir: string, learner: string): GradeResults => JSON.parse(readFileSync(join(dir, learner, 'results.json'), 'utf8')) as GradeResults;
  let original: string;
  beforeAll(() => {
    wb = workbookCopy({ katas: ['01', '02'] });
    original = readFileSync(join(wb, testFile), 'utf8');
    const learner = (klass: string, name: string, attack = ''): void => {
      const dir = join(wb, klass, name, 'katas');
      cpSync(join(wb, 'solutions'), dir, { recursive: true });
      const keys = join(dir, 'etcd', 'keys.ts');
      writeFileSync(keys, `${attack}${readFileSync(keys, 'utf8')}`);
    };
    // Graded first (by name), so that the honest learner after it would run the rewritten file.
    learner('class', 'a-rewrites-a-test', rewrite(join(wb, testFile)));
    learner('class', 'b-honest');
    first = runTool(wb, 'grade.ts', ['--submissions', join(wb, 'class'), '--out', join(wb, 'out', 'first'), '--timeout', '3000', '--quiet', '--parallel', '1']);
    // Writing to another learner's submission: nothing the grader can put back.
    learner('other', 'a-writes-to-b', rewrite(join(wb, 'other', 'b-victim', 'katas', 'etcd', 'kv.ts')));
    learner('other', 'b-victim');
    second = runTool(wb, 'grade.ts', ['--submissions', join(wb, 'other'), '--out', join(wb, 'out', 'second'), '--timeout', '3000', '--quiet', '--parallel', '1']);
  }, 300_000);
  afterAll(() => rmSync(wb, { recursive: true, force: true }));

  it('the rewritten test file is what ran (one test for kata 02): the attack is real', () => {
    const attacker = read(join(wb, 'out', 'first'), 'a-rewrites-a-test');
    expect(attacker.katas.find((k) => k.kata === '02')!.total).toBe(1);
  });

  it('scores every kata that ran 0, flagged with the file written, and says so on stderr', () => {
    const attacker = read(join(wb, 'out', 'first'), 'a-rewrites-a-test');
    expect(attacker.changed_files).toEqual([testFile]);
    expect(attacker.tampered_code).toEqual(['01', '02']);
    expect(attacker.score).toBe(0);
    expect(attacker.katas[0]!.tampering[0]).toContain(`wrote to ${testFile}`);
    expect(first.stderr).toContain("TAMPERING: a-rewrites-a-test's code wrote to files that grading depends on");
    expect(first.code).toBe(0);
  });

  it('puts the test file back before the next learner: the honest learner after it is graded on the real tests, in full', () => {
    const honest = read(join(wb, 'out', 'first'), 'b-honest');
    expect(readFileSync(join(wb, testFile), 'utf8')).toBe(original);
    expect(honest.katas.find((k) => k.kata === '02')!.total).toBeGreaterThan(1);
    expect(honest.score).toBe(honest.max_score);
    expect(honest.changed_files).toEqual([]);
  });

  it('stops the class (exit 2) when the code wrote to another learner\'s submission, naming who and what, with the attacker\'s flagged report written', () => {
    expect(second.code).toBe(2);
    expect(second.stderr).toContain("a-writes-to-b's code changed files the grader cannot put back: ");
    expect(second.stderr).toContain(join('b-victim', 'katas', 'etcd', 'kv.ts'));
    expect(read(join(wb, 'out', 'second'), 'a-writes-to-b').score).toBe(0);
  });
});
