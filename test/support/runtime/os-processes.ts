/**
 * What the operating system says is alive, for kata 22's process tests: never the runtime's own
 * bookkeeping. Each test gives its containers an environment variable `KUBEKATA_MARK=<value>`;
 * a process inherits its parent's environment, so the children a container starts carry it too.
 *
 * On Linux the processes are found in /proc (`/proc/<pid>/environ`; a zombie, dead but not yet
 * reaped, has an empty one and so does not count). Elsewhere `ps` with the environment is asked.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** The variable that marks a test's processes. */
export const MARK = 'KUBEKATA_MARK';

let counter = 0;
/** A value no other test process uses: this worker's pid and a counter. */
export function newMark(label: string): string {
  counter += 1;
  return `kata22-${process.pid}-${counter}-${label}`;
}

/** A living process with a mark, and the mark's value. */
export interface MarkedProcess {
  pid: number;
  mark: string;
}

/** Every living process whose mark starts with `prefix`. */
export function markedProcesses(prefix: string): MarkedProcess[] {
  if (existsSync('/proc/self/environ')) {
    const found: MarkedProcess[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let environ: string;
      try {
        environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      } catch {
        continue; // gone meanwhile, or not ours
      }
      for (const variable of environ.split('\0')) {
        if (variable.startsWith(`${MARK}=${prefix}`)) found.push({ pid: Number(entry), mark: variable.slice(MARK.length + 1) });
      }
    }
    return found;
  }
  // macOS and the BSDs: `ps -E` / `ps e` appends each process's environment to its command line.
  const out = execFileSync('ps', ['-axww', '-E', '-o', 'pid=,command='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s.*?\bKUBEKATA_MARK=(\S+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[2]!.startsWith(prefix))
    .map((m) => ({ pid: Number(m[1]), mark: m[2]! }));
}

/**
 * Kills (SIGKILL) every living process this test process marked, once its tests have judged
 * them: a runtime whose `kill` misses a process tree must fail its test, not leave the tree
 * running on the learner's machine, where it would fail the next run's leftover checks too.
 */
export function killMarkedLeftovers(): void {
  for (const { pid } of markedProcesses(`kata22-${process.pid}-`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
}
