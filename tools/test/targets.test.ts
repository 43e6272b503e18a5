import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { componentDependencies, freezeHelperClasses, refuseTestMachinery, resolveSpecifier, resolveTargets, ROOT, targetFromEnv, withDependencies } from '../lib/targets.ts';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function workbook(): string {
  const root = mkdtempSync(join(tmpdir(), 'kubekata-targets-'));
  made.push(root);
  for (const base of ['katas', 'solutions']) {
    for (const comp of ['etcd', 'scheduler']) {
      mkdirSync(join(root, base, comp), { recursive: true });
      writeFileSync(join(root, base, comp, 'index.ts'), 'export {};\n');
    }
  }
  return root;
}

describe('whose code runs', () => {
  it('resolves every component to katas/ by default', () => {
    const root = workbook();
    const t = resolveTargets({ KATA_BORROWED: '' }, root);
    expect(resolveSpecifier('@kube/etcd', t)).toBe(join(root, 'katas', 'etcd', 'index.ts'));
    expect(resolveSpecifier('@kube/scheduler', t)).toBe(join(root, 'katas', 'scheduler', 'index.ts'));
  });

  it('resolves every component to solutions/ with KATA_TARGET=solutions', () => {
    const root = workbook();
    const t = resolveTargets({ KATA_TARGET: 'solutions' }, root);
    expect(resolveSpecifier('@kube/etcd', t)).toBe(join(root, 'solutions', 'etcd', 'index.ts'));
  });

  it('resolves a borrowed component to solutions/ and the others to katas/', () => {
    const root = workbook();
    mkdirSync(join(root, '.kubekata'));
    writeFileSync(join(root, '.kubekata', 'state.json'), JSON.stringify({ borrowed: ['etcd'] }));
    const t = resolveTargets({}, root);
    expect(resolveSpecifier('@kube/etcd', t)).toBe(join(root, 'solutions', 'etcd', 'index.ts'));
    expect(resolveSpecifier('@kube/scheduler', t)).toBe(join(root, 'katas', 'scheduler', 'index.ts'));
  });

  it('lets KATA_BORROWED override the state file, and KATA_KATAS_DIR point at a submission', () => {
    const root = workbook();
    mkdirSync(join(root, '.kubekata'));
    writeFileSync(join(root, '.kubekata', 'state.json'), JSON.stringify({ borrowed: ['etcd'] }));
    const t = resolveTargets({ KATA_BORROWED: '', KATA_KATAS_DIR: '/tmp/learner/katas' }, root);
    expect(resolveSpecifier('@kube/etcd', t)).toBe('/tmp/learner/katas/etcd/index.ts');
  });

  it('ignores a corrupted state file instead of failing every test', () => {
    const root = workbook();
    mkdirSync(join(root, '.kubekata'));
    writeFileSync(join(root, '.kubekata', 'state.json'), '{ not json');
    expect(resolveSpecifier('@kube/etcd', resolveTargets({}, root))).toBe(join(root, 'katas', 'etcd', 'index.ts'));
  });

  it('resolves @kube/kit to the kit and leaves other specifiers alone', () => {
    const t = resolveTargets({ KATA_BORROWED: '' });
    expect(resolveSpecifier('@kube/kit', t)).toBe(join(ROOT, 'kit', 'index.ts'));
    expect(resolveSpecifier('vitest', t)).toBeUndefined();
  });

  it('names the components when asked for one that does not exist', () => {
    const root = workbook();
    expect(() => resolveSpecifier('@kube/etdc', resolveTargets({ KATA_BORROWED: '' }, root))).toThrow(/@kube\/etdc is not a component.*etcd, scheduler/);
  });

  it('finds what each component is built on from its imports, and borrows those first', () => {
    const root = workbook();
    mkdirSync(join(root, 'solutions', 'apiserver'), { recursive: true });
    writeFileSync(join(root, 'solutions', 'apiserver', 'index.ts'), "import { MemoryStore } from '@kube/etcd';\nimport { Clock } from '@kube/kit';\nexport {};\n");
    writeFileSync(join(root, 'solutions', 'scheduler', 'index.ts'), "export { parseQuantity } from '@kube/apiserver';\n");
    expect(componentDependencies(root)).toEqual({ apiserver: ['etcd'], etcd: [], scheduler: ['apiserver'] });
    expect(withDependencies(['scheduler'], root)).toEqual(['etcd', 'apiserver', 'scheduler']);
    expect(withDependencies(['etcd'], root)).toEqual(['etcd']);
  });

  it('in the workbook itself, borrowing the apiserver borrows the etcd it runs on', () => {
    expect(withDependencies(['apiserver'])).toEqual(['etcd', 'apiserver']);
  });

  it('rejects an unknown KATA_TARGET with the two that exist', () => {
    expect(() => targetFromEnv({ KATA_TARGET: 'solution' })).toThrow(/use "katas" \(the default\) or "solutions"/);
  });
});

describe('the same resolution under tsx (tools/register.ts)', () => {
  it('lets a program run with tsx import @kube/kit and the components', async () => {
    const { spawnSync } = await import('node:child_process');
    const { writeFileSync, rmSync } = await import('node:fs');
    const script = join(ROOT, '.kubekata', `register-probe-${process.pid}.ts`);
    mkdirSync(join(ROOT, '.kubekata'), { recursive: true });
    writeFileSync(script, "import { Random } from '@kube/kit';\nconsole.log(String(new Random(7)));\n");
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', './tools/register.ts', script], { cwd: ROOT, encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('Random(seed=7)');
    } finally {
      rmSync(script, { force: true });
    }
  });
});

describe('kata code cannot import the test machinery', () => {
  it.each(['vitest', 'vitest/suite', '@vitest/runner', '@vitest/expect', 'chai', 'tinyspy'])('refuses %s from a file of the katas folder, saying which file and why', (specifier) => {
    const root = workbook();
    const t = resolveTargets({ KATA_BORROWED: '' }, root);
    expect(() => refuseTestMachinery(specifier, join(root, 'katas', 'etcd', 'kv.ts'), t, root)).toThrow(
      `katas/etcd/kv.ts imports '${specifier}': kata code cannot import the test machinery`,
    );
  });

  it('refuses it from a submission being graded (KATA_KATAS_DIR) and from solutions/ too', () => {
    const root = workbook();
    const submission = mkdtempSync(join(tmpdir(), 'kubekata-submission-'));
    made.push(submission);
    const t = resolveTargets({ KATA_KATAS_DIR: submission, KATA_BORROWED: '' }, root);
    expect(() => refuseTestMachinery('vitest', join(submission, 'etcd', 'kv.ts?v=1'), t, root)).toThrow(/kata code cannot import the test machinery/);
    expect(() => refuseTestMachinery('vitest', join(root, 'solutions', 'etcd', 'kv.ts'), t, root)).toThrow(/kata code cannot import the test machinery/);
  });

  it.each([['../../test/support/prop.ts', 'tests'], ['../../tools/lib/guard.ts', 'tools']])('refuses %s, the workbook\'s %s, from kata code', (specifier, what) => {
    const root = workbook();
    const t = resolveTargets({ KATA_BORROWED: '' }, root);
    expect(() => refuseTestMachinery(specifier, join(root, 'katas', 'etcd', 'kv.ts'), t, root)).toThrow(`katas/etcd/kv.ts imports '${specifier}', which is the workbook's ${what}: kata code cannot import them`);
  });

  it('lets the tests, the kit and the tools import it, and kata code import anything else', () => {
    const root = workbook();
    const t = resolveTargets({ KATA_BORROWED: '' }, root);
    for (const importer of [join(root, 'test', 'etcd', '01-kv.test.ts'), join(root, 'kit', 'index.ts'), join(root, 'tools', 'lib', 'guard.ts'), undefined]) {
      expect(() => refuseTestMachinery('vitest', importer, t, root)).not.toThrow();
    }
    for (const specifier of ['fast-check', 'yaml', 'node:assert', '@kube/etcd', 'vitest-like', './vitest.ts', '../scheduler/index.ts', '../../kit/index.ts']) {
      expect(() => refuseTestMachinery(specifier, join(root, 'katas', 'etcd', 'kv.ts'), t, root)).not.toThrow();
    }
  });
});

describe('the test helpers\' classes are frozen as their module finishes loading', () => {
  it('appends a freeze of each exported class\'s prototype to a module of test/support, and leaves the code above as it was', () => {
    const root = workbook();
    const code = 'export class Model {\n  answer() { return 1; }\n}\nexport abstract class Base {}\nclass Private {}\n';
    const out = freezeHelperClasses(code, join(root, 'test', 'support', 'model.ts'), root)!;
    expect(out.startsWith(code)).toBe(true);
    expect(out.slice(code.length)).toBe('\nObject.freeze(Model.prototype);\nObject.freeze(Base.prototype);\n');
  });

  it('changes nothing in a test file, in kata code, in a helper without classes, or in what is not TypeScript', () => {
    const root = workbook();
    const code = 'export class Model {}\n';
    for (const file of [join(root, 'test', 'etcd', '01-kv.test.ts'), join(root, 'katas', 'etcd', 'kv.ts'), join(root, 'kit', 'clock.ts'), join(root, 'test', 'support', 'data.json')]) {
      expect(freezeHelperClasses(code, file, root)).toBeUndefined();
    }
    expect(freezeHelperClasses('export const x = 1;\n', join(root, 'test', 'support', 'x.ts'), root)).toBeUndefined();
  });
});
