/**
 * The learner's CLI without a terminal (as CI and a piped shell see it), in a copy of the workbook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hints, loadKatas, type Kata } from '../lib/katas.ts';
import { kataMembers } from '../lib/members.ts';
import { runTool, swapMember, workbookCopy } from './workbook-copy.ts';

let copy: string;
let kata: Kata;
const kataCli = (...args: string[]) => runTool(copy, 'kata.ts', args);

beforeAll(() => {
  copy = workbookCopy({ katas: ['01', '02'] });
  kata = loadKatas(copy)[0]!;
  expect(kataCli('snapshot').code).toBe(0);
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm start without a terminal', () => {
  it('shows the progress, the current kata and its first failing test in plain words, then exits', () => {
    const run = kataCli('watch');
    expect(run.code).toBe(0);
    const katas = loadKatas(copy);
    expect(run.stdout).toContain(`0/${katas.length} katas`);
    expect(run.stdout).toContain(`Kata ${kata.number} · ${kata.component} · ${kata.title}`);
    expect(run.stdout).toContain(`instructions  ${kata.instructions}`);
    expect(run.stdout).toContain(`kata ${kata.number} is not implemented yet`);
    expect(run.stdout).not.toMatch(/\u001b\[/); // no colours without a terminal
    expect(run.stdout).not.toMatch(/\n\s+at .*node_modules/); // no stack traces
  }, 120_000);
});

describe('npm run kata', () => {
  it('lists every kata with its status', () => {
    const run = kataCli('list');
    expect(run.code).toBe(0);
    for (const k of loadKatas(copy)) expect(run.stdout).toContain(`${k.number}  ${k.component}`);
  }, 120_000);

  it('reveals the hints one at a time, gentle first', () => {
    const all = hints(kata, copy);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(kataCli('hint', kata.number).stdout).toContain(`Hint 1/${all.length} for kata ${kata.number}: ${all[0]!.title}`);
    expect(kataCli('hint', kata.number).stdout).toContain(`Hint 2/${all.length}`);
  });

  it('answers an unknown kata or component with the valid ones', () => {
    const run = kataCli('run', '99');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`There is no kata "99". The katas are: ${kata.number} (${kata.component}/${kata.slug})`);
    const borrow = kataCli('borrow', 'etdc');
    expect(borrow.code).toBe(2);
    expect(borrow.stderr).toContain(`"etdc" is not a component. Components: `);
    expect(borrow.stderr).toContain(kata.component);
    expect(kataCli('frobnicate').stderr).toContain('"frobnicate" is not a command.');
    expect(kataCli('hnt', '01').stderr, 'a typo is answered with the command it is near').toContain('"hnt" is not a command. Did you mean "hint"?');
  });

  it('refuses to show a solution before the kata passes', () => {
    const run = kataCli('solution', kata.number);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`The solution of kata ${kata.number} opens once your own code passes it`);
  }, 120_000);

  it('counts a borrowed component as the reference, and unborrow gives the learner\'s code back', () => {
    expect(kataCli('borrow', kata.component).code).toBe(0);
    expect(JSON.parse(readFileSync(join(copy, 'katas', 'progress.json'), 'utf8')).borrowed).toEqual([kata.component]);
    const borrowed = kataCli('run', kata.number);
    expect(borrowed.code).toBe(0);
    expect(borrowed.stdout).toMatch(/all \d+ tests pass/);
    expect(kataCli('unborrow', kata.component).code).toBe(0);
    expect(kataCli('run', kata.number).code).toBe(1);
  }, 240_000);

  it('resets exactly the kata\'s members after the learner changed them, and touches nothing else', () => {
    const file = join(copy, kata.files[0]!);
    const pristine = readFileSync(file, 'utf8');
    const solution = readFileSync(join(copy, kata.files[0]!.replace(/^katas\//, 'solutions/')), 'utf8');
    const [first] = kataMembers(pristine, kata.number);
    const edited = `${swapMember(pristine, solution, first!.key)}\n// a note the learner keeps\n`;
    writeFileSync(file, edited);
    const refused = kataCli('reset', kata.number); // no terminal to confirm, no --yes
    expect(refused.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(edited);
    const run = kataCli('reset', kata.number, '--yes');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(first!.key);
    expect(readFileSync(file, 'utf8')).toBe(`${pristine}\n// a note the learner keeps\n`);
  });

  it('sets a corrupted progress file aside and carries on', () => {
    writeFileSync(join(copy, '.kubekata', 'state.json'), '{ broken');
    const run = kataCli('hint', kata.number);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('state.json could not be read');
    expect(existsSync(join(copy, '.kubekata', 'state.json.bad'))).toBe(true);
  });
});

describe('npm run export -- --student', () => {
  it('writes an edition without solutions whose CLI and grader work', { timeout: 300_000 }, () => {
    const dest = join(copy, '..', `${copy.split('/').pop()}-student`);
    try {
      const run = runTool(copy, 'export.ts', ['--student', dest]);
      expect(run.code).toBe(0);
      expect(existsSync(join(dest, 'solutions'))).toBe(false);
      expect(existsSync(join(dest, 'tools', 'check.ts'))).toBe(false);
      expect(readFileSync(join(dest, kata.files[0]!), 'utf8')).toContain(`TODO(${kata.number})`);
      expect(JSON.parse(readFileSync(join(dest, 'package.json'), 'utf8')).scripts.test).toBe('tsx tools/kata.ts verify');
      symlinkSync(join(copy, 'node_modules'), join(dest, 'node_modules'));
      const graded = runTool(dest, 'grade.ts', ['--quiet', '--timeout', '3000', '--out', join(dest, 'out')]);
      expect(graded.code).toBe(0);
      expect(graded.stdout).toContain('**total**');
      const borrow = runTool(dest, 'kata.ts', ['borrow', kata.component]);
      expect(borrow.stdout).toContain('no reference solution');
      const again = runTool(copy, 'export.ts', ['--student', dest]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('exists and is not empty');
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
