/**
 * The disruption controller (kube-controller-manager's pkg/controller/disruption, v1.32): keeps
 * each PodDisruptionBudget's status, which the eviction subresource reads to allow or refuse an
 * eviction. Given code: no kata builds it; the cluster's controller manager runs it beside Part
 * IV's.
 *
 * ```
 * PodDisruptionBudget web: minAvailable 2, selector app=web; Deployment web has 3 ready pods
 *   sync -> expectedPods 3, currentHealthy 3, desiredHealthy 2, disruptionsAllowed 1,
 *           DisruptionAllowed=True (SufficientPods)
 * kubectl drain node-1 evicts web-a: the apiserver writes disruptionsAllowed 0, disruptedPods {web-a: now}
 *   sync -> web-a is being deleted: currentHealthy 2, disruptionsAllowed 0, DisruptionAllowed=False (InsufficientPods)
 *   (a second eviction is a 429 until the ReplicaSet's new pod is Ready)
 * ```
 *
 * How many pods it counts on (`expectedPods`) and must keep (`desiredHealthy`):
 *
 * | spec | expectedPods | desiredHealthy |
 * | --- | --- | --- |
 * | minAvailable: N | the pods it selects | N |
 * | minAvailable: "P%" | its pods' controllers' replicas | P% of them, rounded up |
 * | maxUnavailable: N or "P%" | its pods' controllers' replicas | those less N (or P%, rounded up) |
 *
 * A pod's controller is its ReplicaSet (or the Deployment that owns that) or its StatefulSet; a pod with another
 * controller (a Job, a DaemonSet) has no scale, so a budget that needs one cannot be counted
 * ("daemonsets.apps does not implement the scale subresource"): its `DisruptionAllowed` is False
 * with reason SyncFailed, and nothing may be evicted. `currentHealthy`
 * is the Ready pods not being deleted and not in `disruptedPods` (an eviction's pod the
 * controller has not yet seen go; after 2 minutes it counts again). `disruptionsAllowed` is
 * currentHealthy − desiredHealthy, at least 0, and 0 while it counts on no pod.
 *
 * Where it simplifies: no ReplicationControllers (not served here), no scale subresource of
 * custom kinds, and no DisruptionTarget condition reset for pods an eviction marked but did not delete.
 *
 * @example
 * ```ts
 * const controller = new DisruptionController({ client, clock, factory });
 * factory.start();
 * controller.run();
 * // kubectl create pdb web --selector=app=web --min-available=2; kubectl drain node-1 --ignore-daemonsets
 * ```
 */
import { budgetSelects, intOrPercentAmount, isStatusError, qualifiedResource, RESOURCES, withDisruptionAllowed, type ApiClient } from '@kube/apiserver';
import { isDeepStrictEqual } from 'node:util';
import { toRFC3339, type Clock, type Deployment, type KubeObject, type Pod, type PodDisruptionBudget, type PodDisruptionBudgetStatus, type ReplicaSet, type StatefulSet } from '@kube/kit';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { isPodReady } from './replica-set.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** How long a pod an eviction took stays out of `currentHealthy` before it counts again (upstream's DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

/** What a {@link DisruptionController} needs. */
export interface DisruptionControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  recorder?: EventRecorder;
  onError?: (key: string, error: unknown) => void;
}

/** Keeps each PodDisruptionBudget's status: how many of its pods may be evicted now. */
export class DisruptionController {
  readonly budgets: SharedIndexInformer<PodDisruptionBudget>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly replicaSets: SharedIndexInformer<ReplicaSet>;
  readonly deployments: SharedIndexInformer<Deployment>;
  readonly statefulSets: SharedIndexInformer<StatefulSet>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: DisruptionControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.budgets = options.factory.informerFor<PodDisruptionBudget>('poddisruptionbudgets');
    this.pods = options.factory.pods();
    // Read for their replicas only (upstream's finders): a scale change shows through the pods' events.
    this.replicaSets = options.factory.replicaSets();
    this.deployments = options.factory.deployments();
    this.statefulSets = options.factory.informerFor<StatefulSet>('statefulsets');
    const keyOf = (object: KubeObject) => `${object.metadata.namespace}/${object.metadata.name}`;
    const enqueue = (pdb: PodDisruptionBudget | DeletedFinalStateUnknown<PodDisruptionBudget>) => this.queue.add(pdb instanceof DeletedFinalStateUnknown ? pdb.key : keyOf(pdb));
    this.budgets.addEventHandler({ onAdd: enqueue, onUpdate: (_old, pdb) => enqueue(pdb), onDelete: enqueue });
    // A pod's budgets: those that select it now, and (after a label change) those that did.
    const budgetsOf = (...pods: (Pod | undefined)[]) => {
      for (const pdb of this.budgets.indexer.byIndex(NAMESPACE_INDEX, pods[0]?.metadata.namespace ?? '')) {
        if (pods.some((pod) => pod && budgetSelects(pdb, pod))) enqueue(pdb);
      }
    };
    this.pods.addEventHandler({
      onAdd: (pod) => budgetsOf(pod),
      onUpdate: (old, pod) => budgetsOf(pod, old),
      onDelete: (pod) => budgetsOf(pod instanceof DeletedFinalStateUnknown ? pod.obj : pod),
    });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One budget, read from the cache: its pods counted and its status written (see the module's table). */
  async sync(key: string): Promise<void> {
    const pdb = this.budgets.indexer.getByKey(key);
    if (!pdb) return;
    const pods = this.pods.indexer.byIndex(NAMESPACE_INDEX, pdb.metadata.namespace ?? '').filter((pod) => budgetSelects(pdb, pod));
    if (pods.length === 0) this.recorder?.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const now = this.clock.now();
    let expected: { expectedPods: number; desiredHealthy: number };
    try {
      expected = this.expectedPodCount(pdb, pods);
    } catch (error) {
      const message = (error as Error).message;
      this.recorder?.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${message}`);
      // Fail safe: nothing may be evicted while the budget cannot be counted.
      return this.writeStatus(pdb, {
        ...emptyStatus(),
        ...pdb.status,
        disruptionsAllowed: 0,
        conditions: withDisruptionAllowed(pdb.status?.conditions, 'False', 'SyncFailed', pdb.status?.observedGeneration, toRFC3339(now), message),
      });
    }
    const { disrupted, recheckAt } = this.stillDisrupted(pdb, pods, now);
    const currentHealthy = pods.filter((pod) => !pod.metadata.deletionTimestamp && !(pod.metadata.name! in disrupted) && isPodReady(pod)).length;
    const allowed = currentHealthy - expected.desiredHealthy;
    const disruptionsAllowed = expected.expectedPods <= 0 || allowed <= 0 ? 0 : allowed;
    const observedGeneration = pdb.metadata.generation;
    const status: PodDisruptionBudgetStatus = {
      ...(observedGeneration !== undefined && { observedGeneration }),
      ...(Object.keys(disrupted).length > 0 && { disruptedPods: disrupted }),
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy: expected.desiredHealthy,
      expectedPods: expected.expectedPods,
      conditions: disruptionsAllowed > 0
        ? withDisruptionAllowed(pdb.status?.conditions, 'True', 'SufficientPods', observedGeneration, toRFC3339(now))
        : withDisruptionAllowed(pdb.status?.conditions, 'False', 'InsufficientPods', observedGeneration, toRFC3339(now)),
    };
    await this.writeStatus(pdb, status);
    if (recheckAt !== undefined) this.queue.addAfter(key, recheckAt - now);
  }

  /** expectedPods and desiredHealthy, by the module's table. @throws Error when a pod's controller has no scale */
  private expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[]): { expectedPods: number; desiredHealthy: number } {
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable !== undefined) {
      const expectedPods = this.expectedScale(pods);
      return { expectedPods, desiredHealthy: Math.max(0, expectedPods - scaled(maxUnavailable, expectedPods)) };
    }
    if (typeof minAvailable === 'number') return { expectedPods: pods.length, desiredHealthy: minAvailable };
    if (typeof minAvailable === 'string') {
      const expectedPods = this.expectedScale(pods);
      return { expectedPods, desiredHealthy: scaled(minAvailable, expectedPods) };
    }
    return { expectedPods: 0, desiredHealthy: 0 };
  }

  /**
   * The replicas of the pods' controllers, each counted once (upstream's getExpectedScale). A pod
   * with no controller is passed over (upstream warns of such "unmanaged" pods).
   */
  private expectedScale(pods: readonly Pod[]): number {
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const ref = pod.metadata.ownerReferences?.find((r) => r.controller);
      if (!ref || scales.has(ref.uid)) continue;
      const found = this.scaleOf(ref, pod.metadata.namespace ?? '');
      // Its ReplicaSet or Deployment is gone (a kind with no scale has thrown already).
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(found.uid, found.replicas);
    }
    return [...scales.values()].reduce((sum, replicas) => sum + replicas, 0);
  }

  /**
   * A pod's controller with a scale: its ReplicaSet, or the Deployment above that, or its
   * StatefulSet (upstream's finders); undefined when that controller is gone. @throws Error for a kind
   * without a scale subresource (a DaemonSet, a Job), in upstream's words
   */
  private scaleOf(ref: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string): { uid: string; replicas: number } | undefined {
    if (ref.kind === 'StatefulSet') {
      const set = this.statefulSets.indexer.getByKey(`${namespace}/${ref.name}`);
      return set && set.metadata.uid === ref.uid ? { uid: set.metadata.uid!, replicas: set.spec?.replicas ?? 1 } : undefined;
    }
    if (ref.kind !== 'ReplicaSet') {
      const type = [...RESOURCES.values()].find((t) => t.kind === ref.kind && t.apiVersion === ref.apiVersion);
      if (!type) throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
      throw new Error(`${qualifiedResource(type)} does not implement the scale subresource`);
    }
    const rs = this.replicaSets.indexer.getByKey(`${namespace}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    const owner = rs.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment');
    if (!owner) return { uid: rs.metadata.uid!, replicas: rs.spec?.replicas ?? 1 };
    const deployment = this.deployments.indexer.getByKey(`${namespace}/${owner.name}`);
    if (!deployment || deployment.metadata.uid !== owner.uid) return undefined;
    return { uid: deployment.metadata.uid!, replicas: deployment.spec?.replicas ?? 1 };
  }

  /**
   * The entries of `disruptedPods` still due to go (upstream's buildDisruptedPodMap): a pod being
   * deleted or gone leaves the map; one still there after {@link DISRUPTED_POD_TIMEOUT_MS} counts
   * again, with a NotDeleted warning. `recheckAt`: when the next entry times out.
   */
  private stillDisrupted(pdb: PodDisruptionBudget, pods: readonly Pod[], now: number): { disrupted: Record<string, string>; recheckAt?: number } {
    const disrupted: Record<string, string> = {};
    let recheckAt: number | undefined;
    const recorded = pdb.status?.disruptedPods ?? {};
    for (const pod of pods) {
      const since = recorded[pod.metadata.name!];
      if (pod.metadata.deletionTimestamp || since === undefined) continue;
      const due = Date.parse(since) + DISRUPTED_POD_TIMEOUT_MS;
      if (due <= now) {
        this.recorder?.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`);
        continue;
      }
      disrupted[pod.metadata.name!] = since;
      if (recheckAt === undefined || due < recheckAt) recheckAt = due;
    }
    return { disrupted, ...(recheckAt !== undefined && { recheckAt }) };
  }

  /** Writes the status if it changed; a budget gone meanwhile is fine, a Conflict fails the sync (retried). */
  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
    if (isDeepStrictEqual(status, pdb.status)) return;
    try {
      await this.client.resource<PodDisruptionBudget>('poddisruptionbudgets', pdb.metadata.namespace).updateStatus({ ...pdb, status });
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
    }
  }
}

/** A bound as a number of pods: a percentage of `total`, rounded up (intstr's GetScaledValueFromIntOrPercent). */
function scaled(value: number | string, total: number): number {
  return typeof value === 'number' ? value : Math.ceil((intOrPercentAmount(value) * total) / 100);
}

/** A status with every count 0. */
function emptyStatus(): PodDisruptionBudgetStatus {
  return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}
