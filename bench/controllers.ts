/**
 * Benchmarks of the controllers (Part IV): 1,000 Deployments of 10 replicas each, reconciled from
 * scratch by the Deployment controller (kata 19) and the ReplicaSet controller (kata 18) on shared
 * informers (kata 17), through the in-process API (LocalClient on a Registry on an in-memory
 * store), 5 workers each as kube-controller-manager's defaults (--concurrent-deployment-syncs,
 * --concurrent-replicaset-syncs):
 *
 * (a) from scratch: the 1,000 Deployments exist, the controllers start; timed until every
 *     ReplicaSet (1,000) and pod (10,000) exists. Operations: objects made (11,000).
 * (b) one rolling update of all of them: every template's image changes at once, a stand-in
 *     kubelet makes each new pod Ready through the status subresource; timed until every
 *     Deployment runs 10 pods of its new template and none of the old. Operations: pods replaced.
 *
 * Each row's name ends, once measured, with pods/s and the peak resident memory of the run. The
 * goal (issue 16): >= 2,000 pods/s — a hundred times upstream's default client QPS of 20, the
 * floor a real kube-controller-manager is held to — in <= 1 GiB. No events are recorded (the
 * controller manager's recorder would add a write per pod). Wall-clock time: benchmarks only.
 */
import { LocalClient, Registry } from '@kube/apiserver';
import { DeploymentController, ReplicaSetController, SharedInformerFactory } from '@kube/controllers';
import { MvccStore } from '@kube/etcd';
import { RealClock, Random, toRFC3339, type Deployment, type Pod } from '@kube/kit';
import type { Bench } from './bench.ts';

const DEPLOYMENTS = Number(process.env.CONTROLLERS_BENCH_DEPLOYMENTS ?? 1_000);
const REPLICAS = Number(process.env.CONTROLLERS_BENCH_REPLICAS ?? 10);
const WORKERS = 5;
const GIVE_UP_MS = 600_000;

function deployment(i: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `app-${i}`, namespace: 'default' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: `app-${i}` } },
      template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.9' }] } },
    },
  };
}

interface Cluster {
  client: LocalClient;
  clock: RealClock;
  factory: SharedInformerFactory;
  deployments: DeploymentController;
  replicaSets: ReplicaSetController;
  stop(): Promise<void>;
}

/** A fresh store and registry with the Deployments made, and the controllers built (not started). */
function cluster(): Cluster {
  const clock = new RealClock();
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(19) });
  registry.create('namespaces', undefined, { metadata: { name: 'default' } });
  const client = new LocalClient(registry);
  for (let i = 0; i < DEPLOYMENTS; i++) registry.create('deployments', 'default', deployment(i));
  const factory = new SharedInformerFactory({ client, clock });
  const replicaSets = new ReplicaSetController({ client, clock, factory });
  const deployments = new DeploymentController({ client, clock, factory });
  return {
    client,
    clock,
    factory,
    deployments,
    replicaSets,
    async stop() {
      await deployments.stop();
      await replicaSets.stop();
      await factory.shutdown();
    },
  };
}

/** Starts the informers and the workers. */
async function start(c: Cluster): Promise<void> {
  c.factory.start();
  await c.factory.waitForCacheSync();
  c.replicaSets.run(WORKERS);
  c.deployments.run(WORKERS);
}

/** Waits (polling every 20 ms of real time) until `done()`; samples the resident memory meanwhile. */
async function until(done: () => boolean, what: string): Promise<number> {
  const started = Date.now();
  let peak = process.memoryUsage().rss;
  while (!done()) {
    if (Date.now() - started > GIVE_UP_MS) throw new Error(`controllers bench: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  return peak;
}

const podCount = DEPLOYMENTS * REPLICAS;
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en')} MiB`;
/**
 * Pods per second of wall time, and per second of this process's CPU time: on a machine shared
 * with other work the second says what the code costs, whatever else ran meanwhile.
 */
function rates(seconds: number, since: NodeJS.CpuUsage): string {
  const used = process.cpuUsage(since);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return `${Math.round(podCount / seconds).toLocaleString('en')} pods/s (${Math.round(podCount / cpuSeconds).toLocaleString('en')} per CPU-second, ${cpuSeconds.toFixed(1)} CPU-s)`;
}
const image = (pod: Pod) => pod.spec?.containers[0]?.image;
const ready = (pod: Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The kubelet's part: every pod not ready is made Running and Ready (once per pod). */
function standInKubelet(c: Cluster): void {
  const seen = new Set<string>();
  const readyUp = (pod: Pod) => {
    if (ready(pod) || pod.metadata.deletionTimestamp || seen.has(pod.metadata.uid!)) return;
    seen.add(pod.metadata.uid!);
    void c.client
      .pods('default')
      .updateStatus({ ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: toRFC3339(c.clock.now()) }] } })
      .catch(() => seen.delete(pod.metadata.uid!)); // changed meanwhile: the update event brings it back
  };
  c.factory.pods().addEventHandler({ onAdd: readyUp, onUpdate: (_old, pod) => readyUp(pod) });
}

const fromScratch: Bench & { peak?: number } = {
  name: `(a) ${DEPLOYMENTS.toLocaleString('en')} Deployments x ${REPLICAS} replicas from scratch: every ReplicaSet and pod made (objects)`,
  setup: () => cluster(),
  async run(state) {
    const c = state as Cluster;
    const started = Date.now();
    const cpu = process.cpuUsage();
    await start(c);
    const pods = c.factory.pods().indexer;
    const rss = c.factory.replicaSets().indexer;
    const peak = await until(() => pods.listKeys().length >= podCount && rss.listKeys().length >= DEPLOYMENTS, 'every ReplicaSet and pod');
    const seconds = (Date.now() - started) / 1000;
    fromScratch.name = `${fromScratch.name.replace(/ ·.*$/, '')} · ${rates(seconds, cpu)}, peak RSS ${mib(peak)}`;
    await c.stop();
    return podCount + DEPLOYMENTS;
  },
};

const rollingUpdate: Bench = {
  name: `(b) one rolling update of all ${DEPLOYMENTS.toLocaleString('en')} (25% surge, 25% unavailable), pods made Ready by a stand-in kubelet (pods replaced)`,
  async setup() {
    const c = cluster();
    standInKubelet(c);
    await start(c);
    const pods = c.factory.pods().indexer;
    await until(() => pods.list().filter(ready).length >= podCount && c.factory.deployments().indexer.list().every((d) => d.status?.availableReplicas === REPLICAS), 'the first rollout to complete');
    return c;
  },
  async run(state) {
    const c = state as Cluster;
    const started = Date.now();
    const cpu = process.cpuUsage();
    for (const d of c.factory.deployments().indexer.list()) {
      const changed = structuredClone(d);
      changed.spec!.template.spec!.containers[0]!.image = 'registry.k8s.io/pause:3.10';
      await c.client.deployments('default').update(changed);
    }
    const pods = c.factory.pods().indexer;
    const deployments = c.factory.deployments().indexer;
    // The Deployments first: 1,000 statuses are cheaper to look at every 20 ms than 10,000 pods.
    const peak = await until(() => {
      if (!deployments.list().every((d) => d.status?.updatedReplicas === REPLICAS && d.status.replicas === REPLICAS)) return false;
      const all = pods.list();
      return all.length === podCount && all.every((p) => image(p) === 'registry.k8s.io/pause:3.10' && ready(p));
    }, 'every Deployment rolled out');
    const seconds = (Date.now() - started) / 1000;
    rollingUpdate.name = `${rollingUpdate.name.replace(/ ·.*$/, '')} · ${rates(seconds, cpu)}, peak RSS ${mib(peak)}`;
    await c.stop();
    return podCount;
  },
};

export const benches: Bench[] = [fromScratch, rollingUpdate];
