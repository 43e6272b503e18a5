/**
 * For the tools that run the learner's components as a cluster (`npm run cluster`, `npm run
 * node`): the components whose katas are unfinished are the reference's, and the tool says which
 * and why. The `@kube/*` resolution is fixed when a process starts, so the tool runs itself again
 * in a child process with `KATA_BORROWED` set, passing signals on and exiting as the child does.
 *
 * @example
 * ```ts
 * if (runsItselfBorrowing('cluster')) await new Promise(() => {});   // the parent only waits
 * const { startCluster } = await import('@kube/cluster');            // the child: resolved as borrowed
 * ```
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKatas } from './katas.ts';
import { c } from './report.ts';
import { resolveTargets, withDependencies } from './targets.ts';

/** The components with a kata whose files still throw its NotImplemented, and the katas. */
export function unfinishedComponents(): { components: string[]; katas: Map<string, string[]> } {
  const targets = resolveTargets();
  const katas = new Map<string, string[]>();
  if (targets.target === 'solutions') return { components: [], katas };
  for (const kata of loadKatas()) {
    if (targets.borrowed.includes(kata.component)) continue;
    const undone = kata.files.some((f) => {
      const file = join(targets.katasDir, f.replace(/^katas\//, ''));
      return existsSync(file) && readFileSync(file, 'utf8').includes(`NotImplemented('${kata.number}'`);
    });
    if (undone) katas.set(kata.component, [...(katas.get(kata.component) ?? []), kata.number]);
  }
  // A reference component runs on the reference of what it is built on.
  return { components: withDependencies([...katas.keys()]), katas };
}

/**
 * In the parent: prints `<tool> (your katas|the reference solutions)` and what is borrowed, then
 * starts the child and returns true (the caller waits for ever; the child's exit ends it). In the
 * child: returns false at once.
 */
export function runsItselfBorrowing(tool: string): boolean {
  if (process.env.KATA_BORROWING_CHILD === '1') return false;
  const { components, katas } = unfinishedComponents();
  const already = resolveTargets().borrowed;
  const borrowed = [...new Set([...already, ...components])];
  console.log(`${tool} (${process.env.KATA_TARGET === 'solutions' ? 'the reference solutions' : 'your katas'})`);
  if (borrowed.length > 0) {
    const why = (component: string) => (katas.has(component) ? `kata ${katas.get(component)!.join(', ')} unfinished` : already.includes(component) ? 'borrowed' : 'needed by a borrowed one');
    console.log(c.dim(`  the reference's: ${borrowed.map((b) => `${b} (${why(b)})`).join(', ')}`));
  }
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, KATA_BORROWING_CHILD: '1', KATA_BORROWED: borrowed.join(',') },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}
