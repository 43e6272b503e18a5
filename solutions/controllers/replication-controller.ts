/**
 * The replication manager (kube-controller-manager's pkg/controller/replication, v1.32): keeps each
 * ReplicationController's `replicas` pods. Given code: no kata builds it; the cluster's controller
 * manager runs it beside Part IV's.
 *
 * Upstream's replication manager *is* the ReplicaSet controller, run through adapters that show it
 * each ReplicationController as a ReplicaSet (its map selector as `matchLabels`) and write owner
 * references naming a ReplicationController. Here it is a controller of its own made of kata 18's
 * parts — {@link ControllerExpectations}, {@link slowStartBatch}, {@link podsToDelete},
 * {@link calculateStatus}, {@link filterPodsByOwner}, {@link createPodFromTemplate},
 * {@link writeOwnerRefs} — in the order kata 18's sync runs them:
 *
 * ```
 * claim (adopt matching orphans, release owned pods that no longer match)
 *   -> expectations satisfied? create from the template (slow start) or delete the lowest-ranked
 *   -> status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration
 * ```
 *
 * Its events are upstream's PodControl's — `SuccessfulCreate  Created pod: web-x7k2p`,
 * `SuccessfulDelete  Deleted pod: web-x7k2p`, `FailedCreate  Error creating: ...` — written by the
 * client the controller manager gives it ({@link podEventsClient}), as the ReplicaSet controller's are.
 *
 * @example
 * ```ts
 * const manager = new ReplicationManager({ client: podEventsClient(client, recorder), clock, factory });
 * factory.start();
 * manager.run();
 * // kubectl apply -f rc.yaml; kubectl scale rc web --replicas=3
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import { objectKey, type Clock, type OwnerReference, type Pod, type ReplicaSet, type ReplicationController, type ReplicationControllerStatus } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import type { podEventsClient } from './controller-manager.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import {
  BURST_REPLICAS,
  calculateStatus,
  ControllerExpectations,
  controllerRef,
  createPodFromTemplate,
  filterPodsByOwner,
  isActive,
  POD_CONTROLLER_UID_INDEX,
  podControllerUidIndexFunc,
  podsToDelete,
  SLOW_START_INITIAL_BATCH_SIZE,
  slowStartBatch,
  writeOwnerRefs,
} from './replica-set.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** What a {@link ReplicationManager} needs. */
export interface ReplicationManagerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  onError?: (key: string, error: unknown) => void;
}

/** The owner reference a ReplicationController puts on its pods. */
export function ownerReferenceToController(rc: ReplicationController): OwnerReference {
  return { apiVersion: 'v1', kind: 'ReplicationController', name: rc.metadata.name!, uid: rc.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Does the controller's map selector select these labels? An empty selector selects nothing. */
function selects(rc: ReplicationController, labels: Record<string, string> | undefined): boolean {
  const selector = Object.entries(rc.spec?.selector ?? {});
  return selector.length > 0 && selector.every(([key, value]) => labels?.[key] === value);
}

/** Keeps each ReplicationController's pods. */
export class ReplicationManager {
  readonly queue: RateLimitingQueue<string>;
  readonly expectations: ControllerExpectations;
  readonly controllers: SharedIndexInformer<ReplicationController>;
  readonly pods: SharedIndexInformer<Pod>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: ReplicationManagerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.expectations = new ControllerExpectations(options.clock);
    this.controllers = options.factory.informerFor<ReplicationController>('replicationcontrollers');
    this.pods = options.factory.pods();
    this.controllers.addEventHandler({
      onAdd: (rc) => this.queue.add(objectKey(rc)),
      onUpdate: (_old, rc) => this.queue.add(objectKey(rc)),
      onDelete: (rc) => {
        const key = rc instanceof DeletedFinalStateUnknown ? rc.key : objectKey(rc);
        this.expectations.delete(key);
        this.queue.add(key);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.podChanged(pod, 'created'),
      onUpdate: (old, pod) => {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const before = this.ownerOf(old);
        if (before && before !== this.ownerOf(pod)) this.queue.add(objectKey(before));
        this.podChanged(pod, pod.metadata.deletionTimestamp ? 'deleted' : undefined);
      },
      onDelete: (pod) => this.podChanged(pod instanceof DeletedFinalStateUnknown ? pod.obj : pod, 'deleted'),
    });
    try {
      this.pods.addIndexers({ [POD_CONTROLLER_UID_INDEX]: podControllerUidIndexFunc });
    } catch {
      // the ReplicaSet controller on the same informers added it already: it is shared
    }
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

  /** The ReplicationController a pod's controllerRef points to, if it is in the cache with that uid. */
  private ownerOf(pod: Pod): ReplicationController | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicationController') return undefined;
    const rc = this.controllers.indexer.getByKey(`${pod.metadata.namespace}/${ref.name}`);
    return rc?.metadata.uid === ref.uid ? rc : undefined;
  }

  /** A pod came or went (or changed): its owner observes it; an orphan wakes the controllers that select it. */
  private podChanged(pod: Pod, what: 'created' | 'deleted' | undefined): void {
    const owner = this.ownerOf(pod);
    if (owner) {
      if (what === 'created') this.expectations.creationObserved(objectKey(owner));
      if (what === 'deleted') this.expectations.deletionObserved(objectKey(owner));
      return this.queue.add(objectKey(owner));
    }
    if (controllerRef(pod) || what === 'deleted') return;
    for (const rc of this.controllers.indexer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) if (selects(rc, pod.metadata.labels)) this.queue.add(objectKey(rc));
  }

  /** One controller, from the caches: claim its pods, make or remove pods if its expectations are met, write its status. */
  async sync(key: string): Promise<void> {
    const rc = this.controllers.indexer.getByKey(key);
    if (!rc) return this.expectations.delete(key);
    const needsSync = this.expectations.satisfied(key);
    const owned = await this.claim(rc, filterPodsByOwner(this.pods.indexer, rc).filter(isActive));
    let manageError: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined;
    let failure: unknown;
    if (needsSync && !rc.metadata.deletionTimestamp) {
      try {
        await this.manage(rc, owned);
      } catch (error) {
        failure = error;
        manageError = { reason: owned.length < (rc.spec?.replicas ?? 1) ? 'FailedCreate' : 'FailedDelete', message: (error as Error).message };
      }
    }
    // kata 18's status, computed on the controller as the ReplicaSet it stands for
    const status = calculateStatus({ ...rc, spec: { ...rc.spec, selector: { matchLabels: rc.spec?.selector } } } as ReplicaSet, owned, this.clock.now(), manageError) as ReplicationControllerStatus;
    if (JSON.stringify(rc.status ?? {}) !== JSON.stringify(status)) {
      await this.client.resource<ReplicationController>('replicationcontrollers', rc.metadata.namespace).updateStatus({ ...rc, status });
    }
    if (failure) throw failure;
  }

  /** ClaimPods: its own pods that it still selects, and the orphans it selects (adopted); its own that it no longer selects are released. */
  private async claim(rc: ReplicationController, pods: readonly Pod[]): Promise<Pod[]> {
    const claimed: Pod[] = [];
    for (const pod of pods) {
      const ref = controllerRef(pod);
      const matches = selects(rc, pod.metadata.labels);
      if (ref) {
        if (ref.uid !== rc.metadata.uid) continue;
        if (matches) claimed.push(pod);
        else if (!rc.metadata.deletionTimestamp) await writeOwnerRefs(this.client, pod, (refs) => refs.filter((r) => r.uid !== rc.metadata.uid));
        continue;
      }
      if (!matches || rc.metadata.deletionTimestamp || pod.metadata.deletionTimestamp) continue;
      const adopted = await writeOwnerRefs(this.client, pod, (refs) => [...refs, ownerReferenceToController(rc)]);
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  /** manageReplicas: too few, create (expected first, slow start); too many, delete the lowest-ranked. */
  private async manage(rc: ReplicationController, pods: readonly Pod[]): Promise<void> {
    const key = objectKey(rc);
    const diff = pods.length - (rc.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      const create = async () => {
        await createPodFromTemplate(this.client, rc, rc.spec?.template, ownerReferenceToController(rc));
      };
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, create);
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      if (error) throw error;
    } else if (diff > 0) {
      const victims = podsToDelete(pods, Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletions(key, victims.length);
      let first: unknown;
      for (const pod of victims) {
        try {
          await this.client.pods(pod.metadata.namespace).delete(pod.metadata.name!);
        } catch (error) {
          this.expectations.deletionObserved(key);
          if (!isStatusError(error, 'NotFound')) first ??= error;
        }
      }
      if (first) throw first;
    }
  }
}
