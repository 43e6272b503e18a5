/**
 * `npm run bench -- loop`: how fast the learner's loop answers, on a throw-away copy of the
 * workbook (docs/benchmarks.md, "The learner's loop").
 *
 * - `kata list` and the first screen of `npm start`, with nothing changed since the last run
 *   (every result from the cache), and `kata list` with no cache at all;
 * - a save to the current kata until its result is on screen, in the real interactive loop (under
 *   a pseudo-terminal, `script`), for kata 01 and for kata 06, whose five earlier katas run after
 *   it as regression checks (the time until those are done is reported too).
 *
 * Times are wall-clock milliseconds on this machine: printed, never asserted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workbookCopy } from '../tools/test/workbook-copy.ts';

const SAVES = Number(process.env.LOOP_SAVES ?? 9);
const TSX = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs');

interface Trace {
  at: number;
  kata: string;
  passed: number;
  tests: number;
  stale: boolean;
  activity: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeTool(dir: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [TSX, join(dir, 'tools', 'kata.ts'), ...args], { cwd: dir, env: { ...process.env, KATA_TARGET: '', CI: 'true' }, encoding: 'utf8' });
  if (result.status !== 0 && result.status !== 1) throw new Error(`kata ${args.join(' ')} failed: ${result.stderr}`);
  return performance.now() - started;
}

/** The interactive loop under a pseudo-terminal, with its screens traced to a file. */
function startLoop(dir: string): { traces: () => Trace[]; key: (k: string) => void; stop: () => void } {
  const trace = join(dir, '.kubekata', 'loop-trace.jsonl');
  writeFileSync(trace, '');
  const command = `${process.execPath} ${TSX} ${join(dir, 'tools', 'kata.ts')} watch`;
  const child = spawn('script', ['-qfc', command, '/dev/null'], {
    cwd: dir,
    env: { ...process.env, KATA_TARGET: '', CI: '', KATA_LOOP_TRACE: trace, TERM: 'xterm' },
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  return {
    traces: () => readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Trace),
    key: (k) => void child.stdin!.write(k),
    stop: () => {
      try {
        child.stdin!.write('q');
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

async function until<T>(what: string, check: () => T | undefined, limitMs = 120_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - started > limitMs) throw new Error(`the loop never showed ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The loop at rest on `kata`: its results shown, nothing running. */
const settledOn = (kata: string) => (t: Trace): boolean => t.kata === kata && !t.stale && t.tests > 0 && t.activity === '';

/**
 * Saves `file` (a new comment each time, so its content changes) and measures until the current
 * kata's result is on screen, and until the loop is at rest again.
 */
async function saves(loop: ReturnType<typeof startLoop>, kata: string, file: string): Promise<{ shown: number[]; settled: number[] }> {
  const shown: number[] = [];
  const settled: number[] = [];
  const original = readFileSync(file, 'utf8');
  for (let i = 0; i < SAVES; i++) {
    const before = loop.traces().length;
    const savedAt = Date.now();
    writeFileSync(file, `${original}\n// save ${i}\n`);
    const after = (): Trace[] => loop.traces().slice(before);
    const first = await until(`kata ${kata}'s result after save ${i}`, () => after().find((t) => t.kata === kata && !t.stale && t.tests > 0 && t.at >= savedAt && after().some((x) => x.activity.startsWith('running'))));
    shown.push(first.at - savedAt);
    const rest = await until(`the loop at rest after save ${i}`, () => after().find((t) => t.at >= first.at && settledOn(kata)(t)));
    settled.push(rest.at - savedAt);
    await new Promise((r) => setTimeout(r, 300));
  }
  writeFileSync(file, original);
  return { shown, settled };
}

/** Runs the loop's benchmarks and prints their table. */
export async function loopBench(): Promise<void> {
  const dir = workbookCopy();
  try {
    rmSync(join(dir, 'katas', 'progress.json'), { force: true });
    // Kata 01 solved, the rest as a learner finds them.
    for (const f of ['keys.ts', 'store.ts']) copyFileSync(join(dir, 'solutions', 'etcd', f), join(dir, 'katas', 'etcd', f));
    const rows: string[] = [];
    const cold = timeTool(dir, ['list']);
    const cached = median([timeTool(dir, ['list']), timeTool(dir, ['list']), timeTool(dir, ['list'])]);
    const firstScreen = median([timeTool(dir, ['watch']), timeTool(dir, ['watch']), timeTool(dir, ['watch'])]);
    rows.push(`| \`kata list\`, no results kept (every kata runs) | ${Math.round(cold)} ms |`);
    rows.push(`| \`kata list\`, nothing changed (goal ≤ 2 s) | ${Math.round(cached)} ms |`);
    rows.push(`| first screen of \`npm start\` without a terminal, nothing changed (goal ≤ 2 s) | ${Math.round(firstScreen)} ms |`);

    // The interactive loop: its first screen, then saves to kata 01 (current after 'p').
    let loop = startLoop(dir);
    const startedAt = Date.now();
    const firstTrace = await until('a first screen', () => loop.traces()[0]);
    rows.push(`| first screen of the interactive \`npm start\`, nothing changed (goal ≤ 2 s) | ${firstTrace.at - startedAt} ms |`);
    await until('kata 02 at rest', () => loop.traces().find(settledOn('02')));
    loop.key('p');
    await until('kata 01 at rest', () => loop.traces().find(settledOn('01')));
    const one = await saves(loop, '01', join(dir, 'katas', 'etcd', 'store.ts'));
    loop.stop();
    rows.push(`| a save → kata 01's result on screen, median of ${SAVES} (goal ≤ 1 s) | ${median(one.shown)} ms (${Math.min(...one.shown)}–${Math.max(...one.shown)}) |`);

    // All of etcd solved, kata 06 current (one step back from kata 07): saves re-run 06, then 01–05.
    cpSync(join(dir, 'solutions', 'etcd'), join(dir, 'katas', 'etcd'), { recursive: true });
    loop = startLoop(dir);
    await until('kata 07 at rest', () => loop.traces().find(settledOn('07')), 600_000);
    loop.key('p');
    await until('kata 06 at rest', () => loop.traces().find(settledOn('06')), 300_000);
    const six = await saves(loop, '06', join(dir, 'katas', 'etcd', 'wal.ts'));
    loop.stop();
    rows.push(`| a save → kata 06's result on screen, median of ${SAVES} (goal ≤ 2 s) | ${median(six.shown)} ms (${Math.min(...six.shown)}–${Math.max(...six.shown)}) |`);
    rows.push(`| … and katas 01–05 re-checked for regressions, median | ${median(six.settled)} ms |`);

    console.log(`\nThe learner's loop (${SAVES} saves each, on a copy of the workbook):\n`);
    console.log('| what | time |');
    console.log('| --- | ---: |');
    for (const row of rows) console.log(row);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
