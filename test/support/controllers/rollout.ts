/**
 * Deployments for kata 19's tests: a {@link ControllerCluster} with the ReplicaSet controller of
 * kata 18 and the Deployment controller running on shared informers, events kept in a list, and
 * what a test needs to play the kubelet (pods made ready through the status subresource) and to
 * read a rollout's state from the server.
 *
 * @example
 * ```ts
 * const rig = await startRollouts();
 * await rig.client.deployments('default').create(makeDeployment('web', { replicas: 3 }));
 * await rig.settle();
 * await rig.readyAll();                 // every pod Ready, as a kubelet would say
 * await rig.finish();                   // pods ready until the rollout is complete
 * (await rig.state('web')).pods.length;  // 3
 * await rig.stop();
 * ```
 */
import { DeploymentController, RecordingEventRecorder, ReplicaSetController, SharedInformerFactory } from '@kube/controllers';
import type { ApiClient } from '@kube/apiserver';
import { toRFC3339, type Deployment, type FakeClock, type DeploymentStrategy, type Pod, type ReplicaSet } from '@kube/kit';
import { ControllerCluster } from './cluster.ts';

/**
 * Moves a fake clock on by `stepMs` on every turn of a 10 ms real timer until stopped: for tests
 * where a real process (kubectl) waits on controllers whose back-offs and delayed keys live on the
 * fake clock. Nothing is asserted about time: the controllers' time goes on however fast the
 * machine is, so a slow machine only makes the test take longer.
 */
export function driveClock(clock: FakeClock, stepMs = 100): { stop(): Promise<void> } {
  let driving = true;
  const loop = (async () => {
    while (driving) {
      await clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    stop: async () => {
      driving = false;
      await loop;
    },
  };
}

/** Options of {@link makeDeployment}. */
export interface DeploymentOptions {
  replicas?: number;
  image?: string;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

/** A Deployment `name` of pods labelled `app: name` with one container `app` running `image`. */
export function makeDeployment(name: string, options: DeploymentOptions = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: options.image ?? 'nginx:1.27' }] } },
      ...(options.strategy && { strategy: options.strategy }),
      ...(options.minReadySeconds !== undefined && { minReadySeconds: options.minReadySeconds }),
      ...(options.revisionHistoryLimit !== undefined && { revisionHistoryLimit: options.revisionHistoryLimit }),
      ...(options.progressDeadlineSeconds !== undefined && { progressDeadlineSeconds: options.progressDeadlineSeconds }),
      ...(options.paused !== undefined && { paused: options.paused }),
    },
  };
}

/** Is the pod Ready (its Ready condition True)? */
export function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Ready for `minReadySeconds` at `now`, as the ReplicaSet controller counts available. */
export function isAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return false;
  return minReadySeconds === 0 || Date.parse(ready.lastTransitionTime ?? '') + minReadySeconds * 1000 <= now;
}

/** What the server holds for one Deployment: it, its ReplicaSets (oldest first) and their active pods. */
export interface RolloutState {
  deployment: Deployment;
  replicaSets: ReplicaSet[];
  pods: Pod[];
}

/** Marks a pod Running and Ready now through the status subresource (the kubelet's part); false when it is gone or changed meanwhile. */
export async function makeReady(client: ApiClient, pod: Pod, now: number): Promise<boolean> {
  try {
    await client.pods(pod.metadata.namespace).updateStatus({ ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: toRFC3339(now) }] } });
    return true;
  } catch {
    return false;
  }
}

/** The controllers of a rollout test, running. */
export interface Rollouts {
  cluster: ControllerCluster;
  /** the client behind the cluster's flaky one: what the test reads and writes with */
  client: ControllerCluster['client']['inner'];
  factory: SharedInformerFactory;
  deployments: DeploymentController;
  replicaSets: ReplicaSetController;
  recorder: RecordingEventRecorder;
  settle(): Promise<void>;
  /** moves the clock by `ms` (firing back-offs and delayed keys), then settles */
  advance(ms: number): Promise<void>;
  /** the Deployment `name`, its ReplicaSets and their active pods, from the server */
  state(name: string): Promise<RolloutState>;
  /** makes every pod of the Deployment that is not ready Ready; how many it made ready */
  readyAll(name: string): Promise<number>;
  /** pods made ready and time moved until the rollout is complete, or `rounds` rounds have passed */
  finish(name: string, rounds?: number): Promise<void>;
  /** changes the Deployment's spec as `change` says (on a fresh read) */
  edit(name: string, change: (d: Deployment) => void): Promise<Deployment>;
  stop(): Promise<void>;
}

/** Starts the ReplicaSet and Deployment controllers over a fresh {@link ControllerCluster}. */
export async function startRollouts(workers = 2): Promise<Rollouts> {
  const cluster = new ControllerCluster();
  const client = cluster.client.inner;
  const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
  const recorder = new RecordingEventRecorder();
  const replicaSets = new ReplicaSetController({ client: cluster.client, clock: cluster.clock, factory });
  const deployments = new DeploymentController({ client: cluster.client, clock: cluster.clock, factory, recorder });
  factory.start();
  await factory.waitForCacheSync();
  replicaSets.run(workers);
  deployments.run(workers);

  const state = async (name: string): Promise<RolloutState> => {
    const deployment = await client.deployments('default').get(name);
    const replicaSets = (await client.replicaSets('default').list()).items
      .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === deployment.metadata.uid && r.controller))
      .sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '') || Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
    const uids = new Set(replicaSets.map((rs) => rs.metadata.uid));
    const pods = (await client.pods('default').list()).items.filter((p) => !p.metadata.deletionTimestamp && p.metadata.ownerReferences?.some((r) => uids.has(r.uid) && r.controller));
    return { deployment, replicaSets, pods };
  };
  const readyAll = async (name: string): Promise<number> => {
    let made = 0;
    for (const pod of (await state(name)).pods) if (!isReady(pod) && (await makeReady(client, pod, cluster.clock.now()))) made++;
    await cluster.settle();
    return made;
  };
  const complete = (s: RolloutState) => {
    const replicas = s.deployment.spec?.replicas ?? 1;
    const st = s.deployment.status ?? {};
    return (s.deployment.status?.observedGeneration ?? 0) >= (s.deployment.metadata.generation ?? 0) && st.updatedReplicas === replicas && st.replicas === replicas && st.availableReplicas === replicas;
  };
  return {
    cluster,
    client,
    factory,
    deployments,
    replicaSets,
    recorder,
    settle: () => cluster.settle(),
    advance: (ms) => cluster.advance(ms),
    state,
    readyAll,
    async finish(name, rounds = 30) {
      for (let i = 0; i < rounds; i++) {
        await readyAll(name);
        await cluster.advance(1_000);
        if (complete(await state(name))) return;
      }
    },
    async edit(name, change) {
      for (;;) {
        const d = await client.deployments('default').get(name);
        change(d);
        try {
          const updated = await client.deployments('default').update(d);
          await cluster.settle();
          return updated;
        } catch (error) {
          if ((error as { status?: { reason?: string } }).status?.reason !== 'Conflict') throw error;
        }
      }
    },
    async stop() {
      await deployments.stop();
      await replicaSets.stop();
      await factory.shutdown();
    },
  };
}
