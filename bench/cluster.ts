/**
 * `npm run bench -- cluster [--nodes N] [--deployments D] [--replicas R]`: the whole cluster of
 * kata 29 at scale (issue 19's "At scale"). One process runs it all, as `startCluster` does: the
 * store with its write-ahead log, the apiserver over HTTPS (a token per component), the scheduler,
 * the controller manager, DNS, N kubelets on the FakeRuntime (no processes: KWOK's kind of
 * simulated node, but with the real kubelet) and kube-proxy. Then D Deployments of R replicas are
 * created through the HTTP API, one after another as `kubectl apply` would, and the bench waits
 * until every pod is Running. Default: 1,000 nodes, 100 x 100 (10,000 pods).
 *
 * Measured, never asserted (docs/benchmarks.md keeps the numbers):
 * - the cluster's start (every node registered and Ready);
 * - the time from the first Deployment's create to the last pod Running;
 * - pod startup latency: from the moment the apiserver answered the ReplicaSet controller's create
 *   of the pod to the moment it answered the kubelet's status update saying Running (both taken
 *   at the components' clients, in ms: upstream's SLI starts at creationTimestamp, which has
 *   1 s resolution — also printed); Kubernetes' SLO is p99 <= 5 s;
 * - every mutating request (create, update, updateStatus, delete) of every component, timed at
 *   its client: p50/p99 (upstream's SLO for mutating calls: p99 <= 1 s);
 * - the peak resident memory (the kernel's maxrss) and the CPU time used.
 *
 * Goal (issue 19): 1,000 nodes and 10,000 pods in <= 30 s, startup p99 <= 1 s, <= 1 GiB, on 2 cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForwardingClient, type ApiClient, type ResourceClient } from '@kube/apiserver';
import { startCluster } from '@kube/cluster';
import { RealClock, type Binding, type Deployment, type KubeObject, type Pod } from '@kube/kit';

/** How big a run. */
export interface ClusterBenchOptions {
  nodes: number;
  deployments: number;
  replicas: number;
  /** give up after this many seconds of waiting for the pods */
  timeoutSeconds: number;
}

export const DEFAULT_CLUSTER_BENCH: ClusterBenchOptions = { nodes: 1_000, deployments: 100, replicas: 100, timeoutSeconds: 600 };

const MUTATING = ['create', 'update', 'updateStatus', 'delete'] as const;

/** What the clients saw: every mutating request's duration, and each pod's creation and Running. */
class Recorder {
  /** ms per mutating request, by verb and resource: `create pods` */
  readonly mutating = new Map<string, number[]>();
  /** pod key -> when the apiserver answered its create */
  readonly created = new Map<string, number>();
  /** pod key -> when the apiserver answered the kubelet's status update saying Running */
  readonly running = new Map<string, number>();
  /** pod key -> the creationTimestamp (s resolution), for upstream's way of measuring */
  readonly creationTimestamp = new Map<string, number>();
  /** pod key -> when the apiserver answered the scheduler's binding */
  readonly boundAt = new Map<string, number>();
  bound = 0;

  /** A client that times every mutating call of `client` and notes pods created and Running. */
  wrap(client: ApiClient): ApiClient {
    const recorder = this;
    return new (class extends ForwardingClient {
      protected override async bindPod(namespace: string, binding: Binding): Promise<void> {
        const start = performance.now();
        await client.pods(namespace).bind(binding);
        const end = performance.now();
        recorder.note('bind pods', end - start, { metadata: { namespace, name: binding.metadata.name } }, 'bind', end);
      }

      override resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
        const inner = client.resource<T>(resource, namespace);
        const timed = { ...inner } as ResourceClient<T>;
        for (const verb of MUTATING) {
          const call = inner[verb] as (...args: unknown[]) => Promise<T>;
          (timed as unknown as Record<string, unknown>)[verb] = async (...args: unknown[]) => {
            const start = performance.now();
            const result = await call(...args);
            const end = performance.now();
            recorder.note(`${verb} ${resource}`, end - start, resource === 'pods' ? (result as unknown as Pod) : undefined, verb, end);
            return result;
          };
        }
        return timed;
      }
    })(client);
  }

  private note(what: string, ms: number, pod: Pod | undefined, verb: string, at: number): void {
    let list = this.mutating.get(what);
    if (!list) this.mutating.set(what, (list = []));
    list.push(ms);
    if (!pod?.metadata) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (verb === 'create') {
      this.created.set(key, at);
      this.creationTimestamp.set(key, Date.parse(pod.metadata.creationTimestamp ?? ''));
    }
    // The scheduler's binding: the pods/binding subresource, as upstream's.
    if (verb === 'bind' && !this.boundAt.has(key)) {
      this.bound += 1;
      this.boundAt.set(key, at);
    }
    if (verb === 'updateStatus' && pod.status?.phase === 'Running' && !this.running.has(key)) {
      this.running.set(key, at);
      // Upstream's way: creationTimestamp (1 s resolution) to the watch seeing Running; here the
      // kubelet's answer stands in for the watch (performance.now() and Date.now() line up at start).
      this.runningWall.set(key, Date.now());
    }
  }

  /** pod key -> Date.now() when the kubelet's Running status was answered */
  readonly runningWall = new Map<string, number>();
}

/**
 * A create, tried again (up to 5 times, 1 s apart) when it never reached the apiserver — a connect
 * timeout on a saturated machine — as an operator would re-run `kubectl apply`. An AlreadyExists
 * after a retry means the first attempt got through.
 */
async function createRetrying(create: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await create();
      return;
    } catch (error) {
      const reason = (error as { status?: { reason?: string } }).status?.reason;
      if (attempt > 1 && reason === 'AlreadyExists') return;
      if (reason !== undefined || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** The p-th percentile of `sorted` (nearest rank). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function deployment(i: number, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `app-${i}`, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: `app-${i}` } },
      template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'main', image: 'kubekata/sleeper' }] } },
    },
  };
}

const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en')} ms`;
const mib = (kib: number) => `${Math.round(kib / 1024).toLocaleString('en')} MiB`;
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

/** Reads `--nodes N --deployments D --replicas R --timeout S` (each optional). */
export function clusterBenchOptions(values: Record<string, string | boolean | undefined>): ClusterBenchOptions {
  const options = { ...DEFAULT_CLUSTER_BENCH };
  const read = (name: string, key: keyof ClusterBenchOptions) => {
    const given = values[name];
    if (given === undefined) return;
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1, not "${String(given)}"`);
    options[key] = n;
  };
  read('nodes', 'nodes');
  read('deployments', 'deployments');
  read('replicas', 'replicas');
  read('timeout', 'timeoutSeconds');
  return options;
}

/** Starts the cluster, applies the Deployments, waits for every pod to run; prints the numbers. */
export async function clusterBench(options: ClusterBenchOptions = DEFAULT_CLUSTER_BENCH): Promise<void> {
  const { nodes, deployments, replicas, timeoutSeconds } = options;
  const pods = deployments * replicas;
  console.log(`cluster · target: ${process.env.KATA_TARGET || 'katas'} · node ${process.version} · ${cpus().length} cores · ${nodes.toLocaleString('en')} nodes (FakeRuntime), ${deployments} Deployments x ${replicas} replicas`);
  const dataDir = mkdtempSync(join(tmpdir(), 'kubekata-bench-cluster-'));
  const recorder = new Recorder();
  const failures = new Map<string, number>();
  const clock = new RealClock();
  const cpuAtStart = process.cpuUsage();
  const began = performance.now();
  const cluster = await startCluster({
    nodes,
    runtime: 'fake',
    transport: 'https',
    dataDir,
    clock,
    dns: { port: 0 },
    wrapClient: (client) => recorder.wrap(client),
    log: (component, line) => {
      const what = `${component.replace(/ node-\d+$/, '')}: ${line.replace(/node-\d+/g, 'node-N').replace(/[a-z0-9-]+-[a-z0-9]{5}\b/g, '<pod>').slice(0, 140)}`;
      failures.set(what, (failures.get(what) ?? 0) + 1);
    },
  });
  const startSeconds = (performance.now() - began) / 1000;
  const startCpu = cpuSeconds(cpuAtStart);
  console.log(`| started: ${nodes.toLocaleString('en')} nodes registered | ${startSeconds.toFixed(1)} s | ${startCpu.toFixed(1)} CPU-s |`);
  for (const list of recorder.mutating.values()) list.length = 0;
  let done = false;
  try {
    const cpuAtApply = process.cpuUsage();
    const applyBegan = performance.now();
    const client = cluster.client;
    for (let i = 0; i < deployments; i++) await createRetrying(() => client.deployments('default').create(deployment(i, replicas)));
    const appliedSeconds = (performance.now() - applyBegan) / 1000;
    let last = 0;
    const deadline = applyBegan + timeoutSeconds * 1000;
    while (recorder.running.size < pods) {
      if (performance.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (performance.now() - last >= 5_000) {
        last = performance.now();
        console.error(`  ${((last - applyBegan) / 1000).toFixed(0)} s: ${recorder.created.size} pods created, ${recorder.bound} bound, ${recorder.running.size} Running · rss ${mib(process.memoryUsage().rss / 1024)} · ${cpuSeconds(cpuAtApply).toFixed(1)} CPU-s`);
      }
    }
    done = recorder.running.size >= pods;
    const seconds = (Math.max(...recorder.running.values(), applyBegan) - applyBegan) / 1000;
    const cpu = cpuSeconds(cpuAtApply);
    const startup = [...recorder.running].map(([key, at]) => at - (recorder.created.get(key) ?? at)).sort((a, b) => a - b);
    const startupFromTimestamp = [...recorder.runningWall].map(([key, at]) => at - (recorder.creationTimestamp.get(key) ?? at)).sort((a, b) => a - b);
    const allMutating = [...recorder.mutating.values()].flat().sort((a, b) => a - b);
    console.log('| what | value |');
    console.log('| --- | --- |');
    console.log(`| ${deployments} Deployments created through the API | ${appliedSeconds.toFixed(2)} s |`);
    console.log(`| ${done ? 'every' : 'NOT every'} pod Running (${recorder.running.size.toLocaleString('en')} of ${pods.toLocaleString('en')}) | ${seconds.toFixed(1)} s after the first create · ${Math.round(recorder.running.size / seconds).toLocaleString('en')} pods/s · ${cpu.toFixed(1)} CPU-s (${Math.round(recorder.running.size / cpu).toLocaleString('en')} pods per CPU-s) |`);
    console.log(`| pod startup latency, created → Running (ms, at the clients) | p50 ${ms(percentile(startup, 50))} · p99 ${ms(percentile(startup, 99))} · max ${ms(startup.at(-1) ?? NaN)} |`);
    const scheduling = [...recorder.boundAt].map(([key, at]) => at - (recorder.created.get(key) ?? at)).sort((a, b) => a - b);
    const onNode = [...recorder.running].map(([key, at]) => at - (recorder.boundAt.get(key) ?? at)).sort((a, b) => a - b);
    console.log(`| · of which created → bound (the scheduler) | p50 ${ms(percentile(scheduling, 50))} · p99 ${ms(percentile(scheduling, 99))} |`);
    console.log(`| · of which bound → Running (the kubelet) | p50 ${ms(percentile(onNode, 50))} · p99 ${ms(percentile(onNode, 99))} |`);
    console.log(`| pod startup latency, creationTimestamp (1 s resolution) → Running | p50 ${ms(percentile(startupFromTimestamp, 50))} · p99 ${ms(percentile(startupFromTimestamp, 99))} |`);
    console.log(`| every mutating request (${allMutating.length.toLocaleString('en')}) | p50 ${ms(percentile(allMutating, 50))} · p99 ${ms(percentile(allMutating, 99))} · max ${ms(allMutating.at(-1) ?? NaN)} |`);
    for (const [what, list] of [...recorder.mutating].sort((a, b) => b[1].length - a[1].length)) {
      if (list.length === 0) continue;
      list.sort((a, b) => a - b);
      console.log(`| · ${what} (${list.length.toLocaleString('en')}) | p50 ${ms(percentile(list, 50))} · p99 ${ms(percentile(list, 99))} |`);
    }
    console.log(`| peak RSS (maxrss) | ${mib(process.resourceUsage().maxRSS)} |`);
    for (const [what, count] of [...failures].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`| logged ${count}x | ${what} |`);
  } finally {
    const stopping = performance.now();
    await cluster.stop();
    console.log(`| stopped | ${((performance.now() - stopping) / 1000).toFixed(1)} s |`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (!done) throw new Error(`cluster bench: not every pod was Running within ${timeoutSeconds} s (--timeout)`);
}
