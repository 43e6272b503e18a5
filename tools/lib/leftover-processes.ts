/**
 * Processes of the workbook's images that outlived whoever started them: what a process-runtime
 * test (kata 22 on) leaves behind when it forgets `runtime.shutdown()`. `npm test` (check 7) looks
 * after the tests have run; the kata tests also check their own marked processes.
 *
 * A container of `ProcessRuntime` runs a program of `kit/images/` (its command line names it), as
 * a child of the Node process that runs the runtime (a vitest worker, `npm run ...`). When that
 * process ends without shutting its runtime down, the container is orphaned: the kernel gives it
 * to init (or a subreaper), which is not a Node process. A process that carries a test's mark
 * (`KUBEKATA_MARK=kata22-<worker pid>-...`, test/support/runtime/os-processes.ts) whose worker is
 * dead is left behind too. Only Linux's /proc is read; elsewhere nothing is reported.
 *
 * Processes of other people's runs that are still going (their runtime alive) are never counted.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One process left behind, for the message. */
export interface LeftoverProcess {
  pid: number;
  /** its command line, shortened */
  command: string;
  /** why it counts */
  why: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/** The parent pid and whether the process is a zombie, from /proc/<pid>/stat. */
function stat(pid: string): { ppid: number; zombie: boolean } | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return undefined;
  const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(ppid), zombie: state === 'Z' };
}

/** Is `pid` a living Node process? */
function isNode(pid: number): boolean {
  const cmdline = read(`/proc/${pid}/cmdline`);
  const exe = cmdline?.split('\0')[0] ?? '';
  return /(^|\/)node(\d*)?$/.test(exe) || exe === process.execPath;
}

/** The processes of `root`'s images (`<root>/kit/images/...`) left behind. */
export function leftoverImageProcesses(root: string): LeftoverProcess[] {
  if (!existsSync('/proc/self/stat')) return [];
  const images = join(root, 'kit', 'images') + '/';
  const found: LeftoverProcess[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const info = stat(pid);
    if (!info || info.zombie) continue;
    const args = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean);
    const command = args.join(' ').slice(0, 160);
    const mark = (read(`/proc/${pid}/environ`) ?? '').split('\0').find((v) => v.startsWith('KUBEKATA_MARK='));
    const worker = mark ? /^KUBEKATA_MARK=kata\d+-(\d+)-/.exec(mark)?.[1] : undefined;
    if (worker && !existsSync(`/proc/${worker}`)) {
      found.push({ pid: Number(pid), command, why: `carries ${mark} but the test process ${worker} that started it is gone` });
      continue;
    }
    if (args.some((a) => a.startsWith(images)) && !isNode(info.ppid)) {
      found.push({ pid: Number(pid), command, why: `runs an image of ${images} but its parent (${info.ppid}) is no runtime: it was orphaned` });
    }
  }
  return found;
}
