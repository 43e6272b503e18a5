/**
 * Benchmarks of the scheduler (Part III): 10,000 pods placed one after another on 5,000 nodes with
 * the default profile (every plugin of katas 12-15, and kata 16's resource scores), in four
 * workloads shaped like kube-scheduler's scheduler_perf tests
 * (test/integration/scheduler_perf/*\/performance-config.yaml):
 *
 * (a) resources only (SchedulingBasic), (b) required node affinity (SchedulingNodeAffinity),
 * (c) required pod anti-affinity on the hostname (SchedulingPodAntiAffinity), (d) topology spread
 * over zones (TopologySpreading).
 *
 * Each row's name ends, once measured, with the peak heap and the throughput as a ratio of
 * upstream's minimum at 5,000 nodes (test/integration/scheduler_perf/*\/performance-config.yaml: 680, 220, 60 pods/s; topology spreading has no
 * published minimum here, so (d) is compared with the basic 680). Both stop filtering once they
 * have found enough feasible nodes (percentageOfNodesToScore, adaptive: 10% of 5,000); upstream runs
 * the plugins on 16 goroutines, this scheduler on one thread.
 *
 * (e) is the whole loop of kata 16 on workload (a): each pod popped from the scheduling queue,
 * scheduled on the cache's snapshot, assumed, and bound through the registry (kata 08) on an
 * in-memory store.
 */
import { LocalClient, Registry } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type Node, type Pod } from '@kube/kit';
import { Scheduler, scheduleOne, schedulerFramework, Snapshot } from '@kube/scheduler';
import type { Bench } from './bench.ts';

const NODES = Number(process.env.SCHED_BENCH_NODES ?? 5_000);
const PODS = Number(process.env.SCHED_BENCH_PODS ?? 10_000);
const ZONES = 10;

function nodes(): Node[] {
  return Array.from({ length: NODES }, (_, i) => ({
    metadata: {
      name: `node-${i}`,
      labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': `zone-${i % ZONES}` },
    },
    spec: {},
    status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' } },
  }));
}

type Shape = (i: number) => Pick<Pod['spec'] & object, 'affinity' | 'topologySpreadConstraints'> & { labels?: Record<string, string> };

function pods(shape: Shape): Pod[] {
  return Array.from({ length: PODS }, (_, i) => {
    const { labels, ...spec } = shape(i);
    return {
      metadata: { name: `pod-${i}`, namespace: 'default', ...(labels ? { labels } : {}) },
      spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '100m', memory: '500Mi' } } }], ...spec },
    };
  });
}

interface Workload {
  key: string;
  title: string;
  upstream: number;
  shape: Shape;
}

const workloads: Workload[] = [
  { key: 'a', title: 'resources only', upstream: 680, shape: () => ({}) },
  {
    key: 'b',
    title: 'node affinity (required, 2 of 10 zones)',
    upstream: 220,
    shape: (i) => ({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [`zone-${i % ZONES}`, `zone-${(i + 1) % ZONES}`] }] }],
          },
        },
      },
    }),
  },
  {
    key: 'c',
    title: 'pod anti-affinity (required, hostname, 2 groups)',
    upstream: 60,
    shape: (i) => ({
      labels: { color: `c${i % 2}` },
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: `c${i % 2}` } }, topologyKey: 'kubernetes.io/hostname' }] } },
    }),
  },
  {
    key: 'd',
    title: 'topology spread (zones, maxSkew 1)',
    upstream: 680,
    shape: () => ({
      labels: { app: 'web' },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
    }),
  },
];

const MB = 1024 * 1024;

function bench(w: Workload): Bench {
  let note = '';
  return {
    get name() {
      return `(${w.key}) ${w.title}: ${PODS.toLocaleString('en')} pods on ${NODES.toLocaleString('en')} nodes${note}`;
    },
    setup: () => ({ snapshot: new Snapshot(nodes()), pods: pods(w.shape) }),
    run: (state) => {
      const { snapshot, pods: list } = state as { snapshot: Snapshot; pods: Pod[] };
      const framework = schedulerFramework();
      const baseline = process.memoryUsage().heapUsed;
      let peak = baseline;
      let scheduled = 0;
      const started = process.hrtime.bigint();
      for (let i = 0; i < list.length; i++) {
        if (scheduleOne(framework, list[i]!, snapshot).nodeName !== undefined) scheduled++;
        if (i % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      const rate = list.length / seconds;
      note = ` · ${scheduled.toLocaleString('en')} placed · peak heap ${Math.round(peak / MB)} MB (+${Math.round((peak - baseline) / MB)}) · ${(rate / w.upstream).toFixed(1)}× upstream's ${w.upstream} pods/s`;
      return list.length;
    },
  };
}

/** `SCHED_BENCH_ONLY=d` (or `a,e`) runs only those workloads: to compare two versions one workload at a time. */
const only = process.env.SCHED_BENCH_ONLY?.split(',').map((w) => w.trim());
const wanted = (key: string): boolean => only === undefined || only.includes(key);

export const benches: Bench[] = workloads.filter((w) => wanted(w.key)).map(bench);

// ---- (e) the whole loop: queue, cache, binding through the apiserver's client ----------------------

if (wanted('e')) benches.push({
  name: `(e) the loop, resources only: ${PODS.toLocaleString('en')} pods on ${NODES.toLocaleString('en')} nodes, each popped from the queue, assumed and bound through the registry (kata 16)`,
  setup: async () => {
    const clock = new FakeClock();
    const registry = new Registry({ store: new MvccStore(), clock, random: new Random(1) });
    const client = new LocalClient(registry);
    for (const node of nodes()) await client.nodes().create(node);
    for (const pod of pods(() => ({}))) await client.pods('default').create({ ...pod, metadata: { ...pod.metadata, namespace: 'default' } });
    const scheduler = new Scheduler({ client, clock, random: new Random(2) });
    await scheduler.sync();
    return scheduler;
  },
  run: async (state) => (await (state as Scheduler).runUntilIdle()).filter((result) => result.nodeName !== undefined).length,
});
