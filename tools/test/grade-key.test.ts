/**
 * The key under which the grader shares a kata's results between learners (gradeKey in
 * tools/lib/grading.ts): the same for two submissions whose files are the same bytes wherever they
 * sit, and different as soon as anything the kata's run can read differs — a file it imports, a file
 * of the same component it does not import, a tsconfig.json above the katas folder, a kit image, a
 * file imported in TypeScript's `./x.js` style, the settings.
 */
import { appendFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKatas } from '../lib/katas.ts';
import { gradeKey, type GradeOptions } from '../lib/grading.ts';
import { workbookCopy } from './workbook-copy.ts';

const root = workbookCopy({ katas: ['01', '12'] });
afterAll(() => rmSync(root, { recursive: true, force: true }));
const katas = loadKatas(root);
const kv = katas.find((k) => k.number === '01')!;
const fit = katas.find((k) => k.number === '12')!;

/** A learner: the pristine starters in a folder of their own. */
function learner(name: string): string {
  const dir = join(root, 'class', name, 'katas');
  cpSync(join(root, 'katas'), dir, { recursive: true });
  return dir;
}
const settings = (katasDir: string): GradeOptions => ({ katasDir, target: 'katas', seed: 42, seeds: 1, testTimeoutMs: 20_000, parallel: 1, root });
const key = (kata: typeof kv, katasDir: string, borrowed: string[] = []): string => gradeKey(kata, settings(katasDir), borrowed, root);

describe('the key of a graded kata', () => {
  it('is the same for two learners whose files are the same bytes, wherever their folders are', () => {
    const [ada, bob] = [learner('ada'), learner('nested/deeper/bob')];
    expect(key(kv, ada)).toBe(key(kv, bob));
    expect(key(fit, ada)).toBe(key(fit, bob));
    expect(key(kv, ada)).not.toBe(key(fit, ada));
  });

  it('changes with a file the tests import, and only for the katas whose run reaches it', () => {
    const [ada, cy] = [learner('ada2'), learner('cy')];
    appendFileSync(join(cy, 'scheduler', 'profile.ts'), '\n// cy was here\n');
    expect(key(kv, cy)).toBe(key(kv, ada)); // kata 01 does not run the scheduler
    expect(key(fit, cy)).not.toBe(key(fit, ada));
  });

  it('changes with a file of an imported component that nothing imports (code may read it)', () => {
    const [ada, dee] = [learner('ada3'), learner('dee')];
    writeFileSync(join(dee, 'etcd', 'notes.json'), '{"read": "at run time"}\n');
    expect(key(kv, dee)).not.toBe(key(kv, ada));
  });

  it('changes with a tsconfig.json or package.json in or above the katas folder (they change how the code compiles)', () => {
    const [ada, eve, fay] = [learner('ada4'), learner('eve'), learner('fay')];
    writeFileSync(join(eve, '..', 'tsconfig.json'), '{"compilerOptions": {"useDefineForClassFields": false}}\n');
    writeFileSync(join(fay, 'package.json'), '{"type": "commonjs"}\n');
    expect(key(kv, eve)).not.toBe(key(kv, ada));
    expect(key(kv, fay)).not.toBe(key(kv, ada));
  });

  it("follows an import written in TypeScript's ESM style (./store.js names store.ts)", () => {
    const [ada, gus] = [learner('ada5'), learner('gus')];
    appendFileSync(join(gus, 'etcd', 'index.ts'), "\nexport * from '../shared/helper.js';\n");
    mkdirSync(join(gus, 'shared'), { recursive: true });
    writeFileSync(join(gus, 'shared', 'helper.ts'), 'export const helper = 1;\n');
    const before = key(kv, gus);
    expect(before).not.toBe(key(kv, ada));
    appendFileSync(join(gus, 'shared', 'helper.ts'), 'export const more = 2;\n');
    expect(key(kv, gus)).not.toBe(before);
  });

  it('changes with the kit, the seed and what is borrowed', () => {
    const ada = learner('ada6');
    const before = key(kv, ada);
    expect(gradeKey(kv, { ...settings(ada), seed: 43 }, [], root)).not.toBe(before);
    expect(key(kv, ada, ['etcd'])).not.toBe(before);
    appendFileSync(join(root, 'kit', 'images', 'echo.mjs'), '\n// a changed image\n');
    expect(key(kv, ada)).not.toBe(before);
  });
});
