/**
 * The kubelet's Summary API (`GET /stats/summary`, upstream `pkg/kubelet/server/stats` and the
 * types of `k8s.io/kubelet/pkg/apis/stats/v1alpha1`): what the node and each of its pods use of
 * the CPU and of memory, which `kubectl get --raw /api/v1/nodes/<node>/proxy/stats/summary` shows
 * and metrics-server reads. Given code.
 *
 * Upstream measures cgroups through cAdvisor or the CRI. Here the node measures processes
 * ({@link StatsSource}: on Linux, cluster/process-usage.ts reads /proc), and a pod is the
 * processes of its sandbox — its containers and what `kubectl exec` runs in it. A container's own
 * figures are its own processes' where the source tells them apart (the node knows each
 * container's process group: {@link StatsSource.containers}); else they are given only for a pod
 * of one container, whose processes are all its. What `kubectl exec` runs counts for the pod, not
 * for a container (upstream's joins the container's cgroup).
 *
 * A CPU figure is cumulative (`usageCoreNanoSeconds`); the rate (`usageNanoCores`) is the change
 * since the summary before, divided by the time between them, as cAdvisor's is between two
 * housekeeping samples, so the first summary of a pod has none.
 *
 * @example Two summaries 10 s apart, a pod that used 0.5 s of CPU between them
 * ```ts
 * const stats = new StatsSummary({ nodeName: 'node-1', runtime, kubelet, source, clock });
 * await stats.summary();             // pods[0].cpu: { time, usageCoreNanoSeconds: 2_000_000_000 }
 * clock.advance(10_000);
 * (await stats.summary()).pods[0].cpu; // { time, usageCoreNanoSeconds: 2_500_000_000, usageNanoCores: 50_000_000 } (0.05 cores)
 * ```
 */
import { toRFC3339, type Clock, type Pod, type PodStatus } from '@kube/kit';
import type { RuntimeService } from '@kube/runtime';

/** What the node measured of a set of processes (a sandbox's) or of itself. */
export interface Usage {
  /** CPU time used since they started, in nanoseconds (user and system) */
  cpuCoreNanoSeconds: number;
  /** resident memory, in bytes */
  rssBytes: number;
}

/** The node's own usage: its CPUs' busy time since boot and its memory. */
export interface NodeUsage extends Usage {
  /** memory the node could still give (MemAvailable) */
  availableBytes: number;
  /** when the node booted, epoch ms */
  bootTime: number;
}

/** Where the figures come from: the node's processes. */
export interface StatsSource {
  node(): NodeUsage | undefined;
  /** each sandbox's processes, summed, by sandbox id */
  sandboxes(): ReadonlyMap<string, Usage>;
  /** each container's own processes, summed, by container id, where the source tells them apart */
  containers?(): ReadonlyMap<string, Usage>;
}

/** A CPU figure: cumulative, and the rate since the sample before (when there was one). */
export interface CPUStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

/** A memory figure; the working set is what the node would not reclaim, here the resident set. */
export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes: number;
}

/** One container of a pod. */
export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
}

/** One pod: its reference, its containers, and what its sandbox's processes use. */
export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu?: CPUStats;
  memory?: MemoryStats;
}

/** The whole summary. */
export interface Summary {
  node: { nodeName: string; startTime?: string; cpu?: CPUStats; memory?: MemoryStats };
  pods: PodStats[];
}

/** How to build a {@link StatsSummary}. */
export interface StatsSummaryOptions {
  nodeName: string;
  runtime: RuntimeService;
  /** the pods the kubelet runs, with the status it last wrote */
  pods: () => readonly Pod[];
  source: StatsSource;
  clock: Clock;
}

/** Builds summaries, remembering the last CPU sample of each thing measured for its rate. */
export class StatsSummary {
  private readonly last = new Map<string, { at: number; cpu: number }>();

  constructor(private readonly options: StatsSummaryOptions) {}

  /** The node's and its pods' usage now. */
  async summary(): Promise<Summary> {
    const { clock, source, runtime, nodeName } = this.options;
    const now = clock.now();
    const time = toRFC3339(now);
    const node = source.node();
    const bySandbox = source.sandboxes();
    const sandboxes = await runtime.listPodSandbox({ state: 'SANDBOX_READY' });
    const byContainer = source.containers?.() ?? new Map<string, Usage>();
    const runningInRuntime = byContainer.size > 0 ? await runtime.listContainers({ state: 'CONTAINER_RUNNING' }) : [];
    const seen = new Set<string>(['node']);
    const pods: PodStats[] = [];
    for (const pod of this.options.pods()) {
      const uid = pod.metadata.uid ?? '';
      const own = sandboxes.filter((s) => s.metadata.uid === uid).map((s) => s.id);
      const usage = sumOf(own.map((id) => bySandbox.get(id)));
      const running = runningContainers(pod.status);
      const cpu = usage && this.cpu(`pod/${uid}`, usage.cpuCoreNanoSeconds, now, time);
      const memory = usage && memoryOf(usage, time);
      if (usage) seen.add(`pod/${uid}`);
      // Each container's own processes, where the source tells them apart; else a pod of one
      // container: its processes are that container's.
      const ownUsage = (name: string) => {
        const container = runningInRuntime.find((c) => own.includes(c.podSandboxId) && c.metadata.name === name);
        return container && byContainer.get(container.id);
      };
      const figures = (name: string): { cpu?: CPUStats; memory?: MemoryStats } => {
        const measured = ownUsage(name);
        if (measured) {
          seen.add(`container/${uid}/${name}`);
          return { cpu: this.cpu(`container/${uid}/${name}`, measured.cpuCoreNanoSeconds, now, time), memory: memoryOf(measured, time) };
        }
        return running.length === 1 && cpu && memory ? { cpu, memory } : {};
      };
      pods.push({
        podRef: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? 'default', uid },
        startTime: pod.status?.startTime ?? time,
        containers: running.map(({ name, startedAt }) => ({ name, startTime: startedAt, ...figures(name) })),
        ...(cpu && { cpu }),
        ...(memory && { memory }),
      });
    }
    for (const key of this.last.keys()) if (!seen.has(key)) this.last.delete(key);
    return {
      node: {
        nodeName,
        ...(node && {
          startTime: toRFC3339(node.bootTime),
          cpu: this.cpu('node', node.cpuCoreNanoSeconds, now, time),
          memory: { ...memoryOf(node, time), availableBytes: node.availableBytes },
        }),
      },
      pods,
    };
  }

  /** A CPU figure, with its rate since this thing's last sample; this one becomes the last. */
  private cpu(key: string, usage: number, now: number, time: string): CPUStats {
    const before = this.last.get(key);
    this.last.set(key, { at: now, cpu: usage });
    const seconds = before ? (now - before.at) / 1000 : 0;
    if (!before || seconds <= 0 || usage < before.cpu) return { time, usageCoreNanoSeconds: usage };
    return { time, usageNanoCores: Math.round((usage - before.cpu) / seconds), usageCoreNanoSeconds: usage };
  }
}

/** The usages summed; undefined when none was measured. */
function sumOf(usages: readonly (Usage | undefined)[]): Usage | undefined {
  const measured = usages.filter((u): u is Usage => u !== undefined);
  if (measured.length === 0) return undefined;
  return { cpuCoreNanoSeconds: measured.reduce((sum, u) => sum + u.cpuCoreNanoSeconds, 0), rssBytes: measured.reduce((sum, u) => sum + u.rssBytes, 0) };
}

function memoryOf(usage: Usage, time: string): MemoryStats {
  return { time, usageBytes: usage.rssBytes, workingSetBytes: usage.rssBytes, rssBytes: usage.rssBytes };
}

/** The containers that run, by the status: name and when they started. */
function runningContainers(status: PodStatus | undefined): { name: string; startedAt: string }[] {
  return (status?.containerStatuses ?? []).flatMap((s) => (s.state?.running?.startedAt ? [{ name: s.name, startedAt: s.state.running.startedAt }] : []));
}
