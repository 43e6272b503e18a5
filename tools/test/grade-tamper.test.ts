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
const UNGUARDED = ['honest', 'assert-patch', 'builtin-patch', 'fc-patch'];

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
      writeFileSync(target, `${ATTACKS[learner]}${readFileSync(target, 'utf8')}`);
    }
  }
  out = join(copy, 'out', 'class');
  run = runTool(copy, 'grade.ts', ['--submissions', join(copy, 'class'), '--out', out, '--timeout', '3000', '--quiet', '--parallel', '2']);
  // Then without the guard (a copy of the class in a workbook whose guard does nothing).
  const config = join(copy, 'vitest.config.ts');
  writeFileSync(config, readFileSync(config, 'utf8').replace("'tools/lib/guard.ts'", ''));
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

  it.each(['assert-patch', 'expect-extend', 'builtin-patch', 'fc-patch', 'fc-settings'])('code that patches the machinery (%s) scores 0 for the kata, flagged in results.json and report.md', (learner) => {
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
