/**
 * `npm run bench -- grade` — how long a class takes to grade: N complete submissions (the reference
 * solutions, each with its own comment so that no two are the same bytes), graded with
 * `npm run grade -- --submissions`, timed on the wall clock; then one of them graded alone, and
 * every learner's results.json compared with it (they must be identical: the same code, the same
 * results, whatever ran beside it). It grades with a snapshot of the workbook taken at the start,
 * so that edits to the workbook while it runs change nothing.
 *
 * Settings from the environment (bench/run.ts takes no options): KATA_BENCH_LEARNERS (default 100),
 * KATA_BENCH_PARALLEL (learners at once, default 2), KATA_BENCH_TIMEOUT (ms per test, default the
 * grader's 20000); KATA_BENCH_KEEP=1 keeps the class and its results. Printed, never asserted; docs/benchmarks.md keeps the figures.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../tools/lib/targets.ts';

/** The parts of the workbook grading reads. */
const PARTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', 'vitest.config.ts', 'kit', 'katas', 'solutions', 'test', 'tools'];

function grade(root: string, args: string[]): { seconds: number; code: number | null; stderr: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'tools', 'grade.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    // the bench script resolves to the solutions; the grader must read the submissions
    env: { ...process.env, KATA_TARGET: '', CI: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, code: result.status, stderr: result.stderr };
}

/** Makes the class, grades it, grades one learner alone, compares, prints a table. */
export async function gradeBench(): Promise<void> {
  const learners = Number(process.env.KATA_BENCH_LEARNERS ?? 100);
  const parallel = Number(process.env.KATA_BENCH_PARALLEL ?? 2);
  const timeout = process.env.KATA_BENCH_TIMEOUT;
  const scratch = mkdtempSync(join(tmpdir(), 'kubekata-bench-grade-'));
  try {
    const root = join(scratch, 'workbook');
    for (const part of PARTS) cpSync(join(ROOT, part), join(root, part), { recursive: true, filter: (src) => !src.includes('/.kubekata') && !src.endsWith('/katas/progress.json') });
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    const cls = join(scratch, 'class');
    for (let i = 1; i <= learners; i++) {
      const name = `learner-${String(i).padStart(3, '0')}`;
      const katas = join(cls, name, 'katas');
      cpSync(join(root, 'solutions'), katas, { recursive: true });
      for (const component of readdirSync(katas)) {
        const index = join(katas, component, 'index.ts');
        if (existsSync(index)) writeFileSync(index, `${readFileSync(index, 'utf8')}\n// ${name}\n`);
      }
    }
    const common = ['--quiet', ...(timeout ? ['--timeout', timeout] : [])];
    const out = join(scratch, 'out');
    const run = grade(root, ['--submissions', cls, '--out', out, '--parallel', String(parallel), ...common]);
    if (run.code !== 0) throw new Error(`npm run grade -- --submissions failed (exit ${run.code}):\n${run.stderr.slice(-3000)}`);
    const alone = grade(root, ['--submission', join(cls, 'learner-001'), '--out', join(scratch, 'alone'), '--parallel', String(parallel), ...common]);
    const reference = readFileSync(join(scratch, 'alone', 'results.json'), 'utf8');
    const names = readdirSync(cls);
    const same = names.filter((n) => readFileSync(join(out, n, 'results.json'), 'utf8') === reference).length;
    const r = JSON.parse(reference) as { score: number; max_score: number; tests: unknown[] };
    console.log(`grading a class · node ${process.version} · ${cpus().length} cores`);
    console.log('| learners | at once | tests each | class (s) | per learner (s) | one alone (s) | results.json identical to one alone | score each |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(`| ${learners} | ${parallel} | ${r.tests.length} | ${run.seconds.toFixed(1)} | ${(run.seconds / learners).toFixed(1)} | ${alone.seconds.toFixed(1)} | ${same}/${names.length} | ${r.score}/${r.max_score} |`);
  } finally {
    if (process.env.KATA_BENCH_KEEP) console.log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}
