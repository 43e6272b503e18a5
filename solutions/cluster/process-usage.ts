/**
 * What a node's processes use, read from Linux's /proc: the {@link StatsSource} of the kubelet's
 * Summary API (kubelet/stats-summary.ts) on a node that runs real processes. Given code.
 *
 * A sandbox's processes are those whose working directory is inside `<root>/sandboxes/<id>`,
 * where kata 22's ProcessRuntime starts each container of the sandbox (leftover-containers.ts
 * finds them the same way); what `kubectl exec` runs there counts too, as it would in the pod's
 * cgroup.
 *
 * | figure | from |
 * | --- | --- |
 * | a process's CPU time | `/proc/<pid>/stat`: utime + stime, in clock ticks (100 a second) |
 * | a process's container | `/proc/<pid>/stat`: its process group (pgrp) |
 * | a process's resident memory | `/proc/<pid>/statm`: resident pages × 4096 |
 * | the node's busy CPU time | `/proc/stat`: the `cpu` line but idle and iowait |
 * | the node's memory | `/proc/meminfo`: MemTotal − MemAvailable used, MemAvailable available |
 * | the node's boot | `/proc/stat`: btime |
 *
 * A container is its process group (kata 22 starts each container as the leader of a group of its
 * own): {@link ProcessUsage.recordStart} wraps a start and remembers the group that appeared, as
 * containerd's shim knows its task's pid, and {@link ProcessUsage.containers} sums each group.
 *
 * Every node of the workbook is the same machine, so each reports the machine's own figures.
 * Elsewhere than on Linux nothing is measured.
 *
 * @example
 * ```ts
 * const usage = new ProcessUsage('.kubekata/cluster/nodes/node-1');
 * usage.sandboxes(); // Map { 'a3f…' => { cpuCoreNanoSeconds: 412_000_000, rssBytes: 48_316_416 } }
 * ```
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { NodeUsage, StatsSource, Usage } from '@kube/kubelet';

/** Linux's USER_HZ: clock ticks a second in /proc's CPU times. */
const TICKS_PER_SECOND = 100;
const NANOSECONDS_PER_TICK = 1e9 / TICKS_PER_SECOND;
const PAGE_BYTES = 4096;

/** The processes of one node's sandboxes, and the machine. */
export class ProcessUsage implements StatsSource {
  private readonly sandboxRoot: string;
  /** each started container's sandbox and process group */
  private readonly groups = new Map<string, { sandbox: string; group: number }>();

  /** @param root the node's runtime root (its ProcessRuntime's `root`) */
  constructor(root: string) {
    this.sandboxRoot = resolve(root, 'sandboxes');
  }

  /** The machine's CPU and memory; undefined where there is no /proc. */
  node(): NodeUsage | undefined {
    if (!existsSync('/proc/stat')) return undefined;
    const stat = readFileSync('/proc/stat', 'utf8');
    const [, ...ticks] = stat.split('\n')[0]!.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks.map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    const bootSeconds = Number(/^btime (\d+)$/m.exec(stat)?.[1] ?? 0);
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(meminfo)?.[1] ?? 0) * 1024;
    const total = kib('MemTotal');
    const available = kib('MemAvailable');
    return { cpuCoreNanoSeconds: busy * NANOSECONDS_PER_TICK, rssBytes: total - available, availableBytes: available, bootTime: bootSeconds * 1000 };
  }

  /** Each sandbox's processes, summed, by sandbox id. */
  sandboxes(): ReadonlyMap<string, Usage> {
    return sumBy(this.processes(), (p) => p.sandbox);
  }

  /**
   * Each started container's processes (its process group), summed, by container id. A container
   * whose group has no process left is forgotten: it exited, and a restart is a new container.
   */
  containers(): ReadonlyMap<string, Usage> {
    const byGroup = sumBy(this.processes(), (p) => `${p.sandbox}/${p.group}`);
    const usage = new Map<string, Usage>();
    for (const [id, { sandbox, group }] of this.groups) {
      const found = byGroup.get(`${sandbox}/${group}`);
      if (found) usage.set(id, found);
      else this.groups.delete(id);
    }
    return usage;
  }

  /**
   * Runs `start` (the runtime's startContainer of `containerId`, in `sandbox`) and remembers the
   * process group that appeared in the sandbox meanwhile. None, or two (a `kubectl exec` started
   * in the same moment), and the container is not told apart.
   */
  async recordStart(containerId: string, sandbox: string, start: () => Promise<void>): Promise<void> {
    const before = this.groupsIn(sandbox);
    await start();
    const appeared = [...this.groupsIn(sandbox)].filter((group) => !before.has(group));
    if (appeared.length === 1) this.groups.set(containerId, { sandbox, group: appeared[0]! });
  }

  /** The process groups with a process in `sandbox`. */
  private groupsIn(sandbox: string): Set<number> {
    return new Set(this.processes().filter((p) => p.sandbox === sandbox).map((p) => p.group));
  }

  /** Every process working in a sandbox of this node. */
  private processes(): SandboxProcess[] {
    if (!existsSync('/proc/self/stat') || !existsSync(this.sandboxRoot)) return [];
    const inside = realpathSync(this.sandboxRoot) + sep;
    return readdirSync('/proc').flatMap((entry) => (/^\d+$/.test(entry) ? (readProcess(entry, inside) ?? []) : []));
  }
}

/** One process of a sandbox: its sandbox id, process group, CPU time (ns) and resident bytes. */
interface SandboxProcess {
  sandbox: string;
  group: number;
  cpu: number;
  rss: number;
}

/** The processes' usage summed by `key`. */
function sumBy(processes: readonly SandboxProcess[], key: (p: SandboxProcess) => string): Map<string, Usage> {
  const usage = new Map<string, Usage>();
  for (const p of processes) {
    const sum = usage.get(key(p)) ?? { cpuCoreNanoSeconds: 0, rssBytes: 0 };
    usage.set(key(p), { cpuCoreNanoSeconds: sum.cpuCoreNanoSeconds + p.cpu, rssBytes: sum.rssBytes + p.rss });
  }
  return usage;
}

/** One process of a sandbox; undefined for any other, or one gone meanwhile. */
function readProcess(pid: string, inside: string): SandboxProcess | undefined {
  try {
    const cwd = readlinkSync(join('/proc', pid, 'cwd'));
    if (!(cwd + sep).startsWith(inside)) return undefined;
    const sandbox = cwd.slice(inside.length).split(sep)[0]!;
    const stat = readFileSync(join('/proc', pid, 'stat'), 'utf8');
    // "pid (comm) state ppid ...": the fields after the command, which may hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const group = Number(fields[2]); // pgrp
    const cpu = (Number(fields[11]) + Number(fields[12])) * NANOSECONDS_PER_TICK; // utime, stime
    const rss = Number(readFileSync(join('/proc', pid, 'statm'), 'utf8').split(' ')[1]) * PAGE_BYTES;
    return { sandbox, group, cpu, rss };
  } catch {
    return undefined; // gone meanwhile, or another user's
  }
}
