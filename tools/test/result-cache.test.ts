/**
 * The results cache of npm start and kata list (tools/lib/result-cache.ts): a kata's key changes
 * with every file its tests run, and with nothing else.
 */
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKatas } from '../lib/katas.ts';
import { importsOf, kataKey, ResultCache } from '../lib/result-cache.ts';
import { workbookCopy } from './workbook-copy.ts';

const dir = workbookCopy({ katas: ['01', '12'] });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const katas = loadKatas(dir);
const kv = katas.find((k) => k.number === '01')!;
const fit = katas.find((k) => k.number === '12')!;
const key = (kata: typeof kv, env: Record<string, string> = { KATA_BORROWED: '' }, seed = 1) => kataKey(kata, { seed, env, root: dir });

describe('the results cache', () => {
  it('reads static, type-only, dynamic and re-exported imports', () => {
    const source = `import { a } from './a.ts';\nimport type { B } from "@kube/etcd";\nexport * from './c.ts';\nconst d = await import('./d.ts');\nimport './e.ts';`;
    expect(importsOf(source)).toEqual(['./a.ts', '@kube/etcd', './c.ts', './d.ts', './e.ts']);
  });

  it('a kata keeps its key until a file its tests import changes: its starter, a support file, a component it imports, the seed or what is borrowed', () => {
    const before = { kv: key(kv), fit: key(fit) };
    expect(key(kv)).toBe(before.kv);
    // the scheduler's files are not imported by kata 01's tests
    appendFileSync(join(dir, 'katas', 'scheduler', 'profile.ts'), '\n// a learner was here\n');
    expect(key(kv)).toBe(before.kv);
    expect(key(fit)).not.toBe(before.fit);
    // etcd is imported by both (the scheduler is built on the apiserver, which is built on etcd)
    const fitNow = key(fit);
    appendFileSync(join(dir, 'katas', 'etcd', 'store.ts'), '\n// and here\n');
    expect(key(kv)).not.toBe(before.kv);
    expect(key(fit)).not.toBe(fitNow);
    const kvNow = key(kv);
    appendFileSync(join(dir, 'test', 'support', 'keys.ts'), '\n// a support file\n');
    expect(key(kv)).not.toBe(kvNow);
    expect(key(kv, { KATA_BORROWED: 'etcd' })).not.toBe(key(kv));
    expect(key(kv, { KATA_BORROWED: '' }, 2)).not.toBe(key(kv));
  });

  it("gives back a kata's tests for its key only, and survives a restart through its file", () => {
    const file = join(dir, '.kubekata', 'results.json');
    const cache = new ResultCache(file);
    const tests = [{ file: kv.test, name: 'a test', status: 'pass' as const }];
    cache.set('01', 'key-1', tests, []);
    cache.save();
    const again = new ResultCache(file);
    expect(again.get('01', 'key-1')?.tests).toEqual(tests);
    expect(again.get('01', 'key-2')).toBeUndefined();
    appendFileSync(file, 'garbage');
    expect(new ResultCache(file).get('01', 'key-1')).toBeUndefined();
  });
});
