/**
 * Containers that a node killed mid-run left behind. Given code.
 *
 * A ProcessRuntime (kata 22) keeps what it runs in memory, and each container is a process group of
 * its own, so a node whose process is killed (`kill -9`, a closed terminal) orphans its containers:
 * they keep running and keep their pod IPs, which the next run hands out again (a new pod then
 * fails to listen: EADDRINUSE). Upstream's containers outlive a kubelet crash because containerd
 * remembers them and the new kubelet adopts them; here nothing remembers them, so a node stops
 * them before its new runtime starts, and the kubelet starts its pods afresh.
 *
 * A container is known by its working directory, which kata 22 puts under `<root>/sandboxes/<id>`:
 * the kernel shows it as /proc/<pid>/cwd. Only Linux has /proc; elsewhere nothing is found.
 *
 * @example
 * ```ts
 * stopLeftoverContainers('.kubekata/cluster/nodes/node-1'); // [48211, 48230]: their groups got SIGKILL
 * ```
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/**
 * SIGKILLs the process group of every process whose working directory is inside
 * `<root>/sandboxes/`, and returns their pids. Never this process's own group.
 */
export function stopLeftoverContainers(root: string): number[] {
  const sandboxes = resolve(root, 'sandboxes');
  if (!existsSync('/proc/self/stat') || !existsSync(sandboxes)) return [];
  const inside = realpathSync(sandboxes) + sep;
  const ownGroup = groupOf('self');
  const stopped: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue; // gone meanwhile, or another user's
    }
    if (!(cwd + sep).startsWith(inside)) continue;
    const group = groupOf(entry);
    if (group === undefined || group === ownGroup) continue;
    try {
      process.kill(-group, 'SIGKILL');
      stopped.push(Number(entry));
    } catch {
      // the group ended meanwhile
    }
  }
  return stopped;
}

/** The process group of a process, from /proc/<pid>/stat (its fifth field). */
function groupOf(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}
