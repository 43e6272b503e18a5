/**
 * `npm run bench -- grade` — how long a class takes to grade, and whether every learner's results
 * are the same graded with the class as graded alone.
 *
 * The class, made from a snapshot of the workbook taken at the start (edits to the workbook while
 * it runs change nothing):
 * - **complete** learners: the reference solutions, every file of every component made that
 *   learner's own without changing what it does — a comment naming the learner and 1 to 3 blank
 *   lines above the first line, a comment below the last — so no two learners share a byte of
 *   code and no result can be taken from another learner's run;
 * - **partial** learners: the pristine starters with the first 1, 2 or 3 components (etcd;
 *   apiserver; scheduler) replaced by such a learner's own copy of the solutions, and every other
 *   kata untouched, as in a class in its second or third week.
 *
 * It grades the class with `npm run grade -- --submissions` (timed on the wall clock, with the
 * CPU time the machine spent meanwhile: run it on a quiet machine), then grades alone, with no cache, the first
 * complete learner and the first partial learner of each level, and compares results.json byte for
 * byte: every complete learner's with the complete one graded alone (their code is equivalent),
 * every partial learner's with the one of its level graded alone.
 *
 * Settings from the environment (bench/run.ts takes no options): KATA_BENCH_LEARNERS (complete
 * learners, default 100), KATA_BENCH_PARTIAL (partial learners, default 10), KATA_BENCH_PARALLEL
 * (the grader's --parallel: kata files at once, default 2), KATA_BENCH_TIMEOUT (ms per test, default the
 * grader's 20000), KATA_BENCH_CACHE=0 (grade the class with --no-cache: every kata of every
 * learner runs, as before the class shared its results by content), KATA_BENCH_KEEP=1 keeps the
 * class and its results. Printed, never asserted; docs/benchmarks.md keeps the figures.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../tools/lib/targets.ts';

/** The parts of the workbook grading reads. */
const PARTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', 'vitest.config.ts', 'kit', 'katas', 'solutions', 'test', 'tools'];
/** The components a partial learner has done, by level (1: etcd; 2: and the apiserver; 3: and the scheduler). */
const DONE_BY_LEVEL = [['etcd'], ['etcd', 'apiserver'], ['etcd', 'apiserver', 'scheduler']];

/**
 * CPU seconds the whole machine spent busy (user, nice, system, irq, softirq, steal), from
 * /proc/stat. The grader's own processes cannot be counted from here: the test workers vitest
 * starts are not always reaped by it (a worker may still be exiting when vitest does), so their
 * time does not reach this process's children's count. Measure on a quiet machine: anything else
 * running is counted too (the load average is printed with the figures).
 */
function machineCpuSeconds(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / 100; // clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

function grade(root: string, args: string[]): { seconds: number; cpu: number; code: number | null; stderr: string } {
  const start = process.hrtime.bigint();
  const cpuBefore = machineCpuSeconds();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'tools', 'grade.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    // the bench script resolves to the solutions; the grader must read the submissions
    env: { ...process.env, KATA_TARGET: '', CI: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, cpu: machineCpuSeconds() - cpuBefore, code: result.status, stderr: result.stderr };
}

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * Makes a component folder the learner's own: each TypeScript file gets a comment naming the
 * learner and `1 + n % 3` blank lines above its first line, and a comment below its last. What the
 * code does is unchanged; its bytes, and the lines its code sits on, are the learner's.
 */
function makeOwn(dir: string, learner: string, n: number): void {
  for (const file of filesUnder(dir)) {
    if (!file.endsWith('.ts') || !statSync(file).isFile()) continue;
    writeFileSync(file, `// ${learner}'s work\n${'\n'.repeat(1 + (n % 3))}${readFileSync(file, 'utf8')}\n// end of ${learner}'s file\n`);
  }
}

/** Makes the class, grades it, grades the reference learners alone, compares, prints a table. */
export async function gradeBench(): Promise<void> {
  const complete = Number(process.env.KATA_BENCH_LEARNERS ?? 100);
  const partial = Number(process.env.KATA_BENCH_PARTIAL ?? 10);
  const parallel = process.env.KATA_BENCH_PARALLEL;
  const timeout = process.env.KATA_BENCH_TIMEOUT;
  const cache = process.env.KATA_BENCH_CACHE !== '0';
  const scratch = mkdtempSync(join(tmpdir(), 'kubekata-bench-grade-'));
  try {
    const root = join(scratch, 'workbook');
    for (const part of PARTS) cpSync(join(ROOT, part), join(root, part), { recursive: true, filter: (src) => !src.includes('/.kubekata') && !src.endsWith('/katas/progress.json') });
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    const cls = join(scratch, 'class');
    const level = new Map<string, number>(); // learner -> 0 (complete) or their partial level
    for (let i = 1; i <= complete; i++) {
      const name = `complete-${String(i).padStart(3, '0')}`;
      const katas = join(cls, name, 'katas');
      cpSync(join(root, 'solutions'), katas, { recursive: true });
      for (const component of readdirSync(katas)) makeOwn(join(katas, component), name, i);
      level.set(name, 0);
    }
    for (let i = 1; i <= partial; i++) {
      const name = `partial-${String(i).padStart(3, '0')}`;
      const katas = join(cls, name, 'katas');
      cpSync(join(root, 'katas'), katas, { recursive: true });
      const l = 1 + ((i - 1) % DONE_BY_LEVEL.length);
      for (const component of DONE_BY_LEVEL[l - 1]!) {
        rmSync(join(katas, component), { recursive: true, force: true });
        cpSync(join(root, 'solutions', component), join(katas, component), { recursive: true });
        makeOwn(join(katas, component), name, i);
      }
      level.set(name, l);
    }
    const common = ['--quiet', ...(timeout ? ['--timeout', timeout] : []), ...(parallel ? ['--parallel', parallel] : [])];
    const out = join(scratch, 'out');
    const load = loadavg()[0]!;
    const run = grade(root, ['--submissions', cls, '--out', out, ...(cache ? [] : ['--no-cache']), ...common]);
    const loadAfter = loadavg()[0]!;
    if (run.code !== 0) throw new Error(`npm run grade -- --submissions failed (exit ${run.code}):\n${run.stderr.slice(-3000)}`);
    // One learner of each kind graded alone (no cache: every kata runs), the others compared with it.
    const references = new Map<number, { name: string; text: string; seconds: number; cpu: number }>();
    for (const [name, l] of level) {
      if (references.has(l)) continue;
      const alone = grade(root, ['--submission', join(cls, name), '--out', join(scratch, 'alone', name), ...common]);
      if (alone.code !== 0) throw new Error(`npm run grade -- --submission ${name} failed (exit ${alone.code}):\n${alone.stderr.slice(-3000)}`);
      references.set(l, { name, text: readFileSync(join(scratch, 'alone', name, 'results.json'), 'utf8'), seconds: alone.seconds, cpu: alone.cpu });
    }
    const differ = [...level].filter(([name, l]) => !existsSync(join(out, name, 'results.json')) || readFileSync(join(out, name, 'results.json'), 'utf8') !== references.get(l)!.text).map(([name]) => name);
    const score = (l: number): string => {
      const r = JSON.parse(references.get(l)!.text) as { score: number; max_score: number };
      return `${r.score}/${r.max_score}`;
    };
    const first = JSON.parse(references.get(0)?.text ?? references.values().next().value!.text) as { tests: unknown[] };
    console.log(`grading a class · node ${process.version} · ${cpus().length} cores · load average ${load.toFixed(1)} at the start, ${loadAfter.toFixed(1)} at the end · ${cache ? 'results shared by content (the default)' : '--no-cache'}`);
    console.log('| learners (complete + partial) | tests each | class (s) | class CPU (s) | per learner (s) | complete one alone (s, CPU s) | results.json identical to the one alone | scores |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    const alone0 = references.get(0);
    console.log(
      `| ${complete + partial} (${complete} + ${partial}) | ${first.tests.length} | ${run.seconds.toFixed(1)} | ${run.cpu.toFixed(1)} | ${(run.seconds / (complete + partial)).toFixed(1)} | ${alone0 ? `${alone0.seconds.toFixed(1)}, ${alone0.cpu.toFixed(1)}` : '—'} | ${level.size - differ.length}/${level.size} | ${[...references.keys()].sort().map((l) => `${l === 0 ? 'complete' : `partial ${l}`}: ${score(l)}`).join('; ')} |`,
    );
    if (differ.length) console.log(`\nresults.json differs from the one graded alone for: ${differ.join(', ')}`);
  } finally {
    if (process.env.KATA_BENCH_KEEP) console.log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}
