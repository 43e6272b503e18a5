/**
 * The ReplicaSet controller (kube-controller-manager's pkg/controller/replicaset/replica_set.go,
 * with pkg/controller/controller_utils.go and controller_ref_manager.go): keeps `spec.replicas`
 * pods that match a ReplicaSet's selector and are **owned** by it.
 *
 * One sync of one ReplicaSet, from the informers' caches:
 *
 * ```
 * claim: adopt matching orphans, release owned pods that stopped matching (every sync)
 *        │
 * expectations satisfied? ──no──► only the status (what it created is not in the cache yet)
 *        │ yes
 * diff = owned active pods - replicas:  < 0 create in slow-start batches 1, 2, 4, ...
 *                                       > 0 delete the lowest-ranked first
 *        │
 * status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration
 * ```
 * **Expectations** are why a slow informer never makes a controller create twice: before it
 * creates 3 pods it writes down "expect 3 creations", and it will not manage replicas again until
 * its informer has seen 3 pods arrive (or 5 minutes have passed, in case one never does).
 */
import { isNotImplemented, objectKey, type Clock, type KubeObject, type OwnerReference, type Pod, type PodTemplateSpec, type ReplicaSet, type ReplicaSetCondition, type ReplicaSetStatus, toRFC3339 } from '@kube/kit';
import { isStatusError, selectorFromObject, type ApiClient } from '@kube/apiserver';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX, type Indexer } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** At most this many creations or deletions per sync (upstream's `BurstReplicas`). */
export const BURST_REPLICAS = 500;
/** The first batch of a slow start (upstream's `SlowStartInitialBatchSize`). */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;
/** Expectations older than this are given up on (upstream's `ExpectationsTimeout`). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;
/** The annotation that makes a pod cheaper (or dearer) to delete. */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

// ---- expectations ------------------------------------------------------------------------------------

/**
 * What each controller key still expects to see in its informer (upstream's
 * `ControllerExpectations`): a count of creations and deletions, and when they were set.
 *
 * @example
 * ```ts
 * expectations.expectCreations('default/web', 3);
 * expectations.satisfied('default/web');        // false: 3 pods are on their way
 * expectations.creationObserved('default/web'); // x3, as the informer's onAdd sees them
 * expectations.satisfied('default/web');        // true
 * ```
 */
export class ControllerExpectations {
  private readonly byKey = new Map<string, { add: number; del: number; at: number }>();

  constructor(private readonly clock: Clock) {}

  /** Expect `count` creations (replacing whatever was expected). */
  expectCreations(key: string, count: number): void {
    this.byKey.set(key, { add: count, del: 0, at: this.clock.now() });
  }

  /** Expect `count` deletions (replacing whatever was expected). */
  expectDeletions(key: string, count: number): void {
    this.byKey.set(key, { add: 0, del: count, at: this.clock.now() });
  }

  /** One expected creation has been seen (or will never happen). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  /** One expected deletion has been seen (or will never happen). */
  deletionObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.del--;
  }

  /**
   * May the controller act on `key`? Yes when nothing is expected (never set, or all seen), or the
   * expectations are older than {@link EXPECTATIONS_TIMEOUT_MS}.
   */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    return (e.add <= 0 && e.del <= 0) || this.clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  /** Forgets `key` (its ReplicaSet is gone). */
  delete(key: string): void {
    this.byKey.delete(key);
  }
}

// ---- slow start ------------------------------------------------------------------------------------------

/**
 * Calls `fn` `count` times in batches of 1, 2, 4, ... (doubling from `initialBatchSize`), each
 * batch all at once; stops after the first batch with a failure. Resolves how many calls
 * succeeded and the first error (upstream's `slowStartBatch`): a ReplicaSet whose pods are all
 * refused (a quota, a bad template) costs one failed call, not 500.
 *
 * @example
 * ```ts
 * await slowStartBatch(10, 1, create);   // batches of 1, 2, 4, 3: { successes: 10 }
 * ```
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) {
      const fatal = failed.find((f) => isNotImplemented(f.reason));
      if (fatal) throw fatal.reason;
      return { successes, error: failed[0]!.reason };
    }
    remaining -= batch;
  }
  return { successes };
}

// ---- which pod to delete first -----------------------------------------------------------------------------

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** The pod's Ready condition, if it is True. */
function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
}

/** True when the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod) !== undefined;
}

/** Ready for at least `minReadySeconds` at `now` (upstream's `podutil.IsPodAvailable`). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = readyCondition(pod);
  if (!ready) return false;
  if (minReadySeconds === 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : Number.NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/**
 * Orders two pods for deletion: negative when `a` should go first (upstream's
 * `ActivePodsWithRanks.Less`). `rankA`/`rankB`: how many of the ReplicaSet's pods share each
 * pod's node. The first rule that tells them apart decides:
 *
 * 1. not on a node before on a node; 2. Pending before Unknown before Running; 3. not ready before
 * ready; 4. lower pod-deletion-cost first; 5. higher rank first (crowded nodes first); 6. ready for
 * less time first; 7. more container restarts first; 8. newer (later creationTimestamp) first.
 */
export function compareForDeletion(a: Pod, b: Pod, rankA: number, rankB: number): number {
  const assignedA = Boolean(a.spec?.nodeName);
  const assignedB = Boolean(b.spec?.nodeName);
  if (assignedA !== assignedB) return assignedA ? 1 : -1;
  const phaseA = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
  const phaseB = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costA = deletionCost(a);
  const costB = deletionCost(b);
  if (costA !== costB) return costA - costB;
  if (rankA !== rankB) return rankB - rankA;
  if (readyA && readyB) {
    const byReadyTime = laterOrUnknownFirst(readyCondition(a)!.lastTransitionTime, readyCondition(b)!.lastTransitionTime);
    if (byReadyTime !== 0) return byReadyTime;
  }
  const restartsA = maxRestarts(a);
  const restartsB = maxRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  return laterOrUnknownFirst(a.metadata.creationTimestamp, b.metadata.creationTimestamp);
}

/**
 * Rules 6 and 8 (upstream's `afterOrZero`): the later time first, and a time not set before any
 * time that is (it counts as "ready for no time", "created just now"); 0 when both are the same
 * or both not set.
 *
 * @example
 * laterOrUnknownFirst('2026-01-01T00:00:09Z', '2026-01-01T00:00:01Z')  // < 0: the later goes first
 * laterOrUnknownFirst(undefined, '2026-01-01T00:00:01Z')               // < 0: no time goes first
 */
function laterOrUnknownFirst(a: string | undefined, b: string | undefined): number {
  const timeA = a ? Date.parse(a) : Number.NaN;
  const timeB = b ? Date.parse(b) : Number.NaN;
  const knownA = Number.isFinite(timeA);
  const knownB = Number.isFinite(timeB);
  if (!knownA || !knownB) return knownA === knownB ? 0 : knownA ? 1 : -1;
  return timeB - timeA;
}

function deletionCost(pod: Pod): number {
  const cost = Number(pod.metadata.annotations?.[POD_DELETION_COST] ?? 0);
  return Number.isFinite(cost) ? cost : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount));
}

/**
 * The `count` pods to delete first (upstream's `getPodsToDelete`): each pod ranked by how many of
 * `pods` share its node, then sorted by {@link compareForDeletion} (ties: by name, so that the
 * choice is the same every time).
 */
export function podsToDelete(pods: readonly Pod[], count: number): Pod[] {
  const onNode = new Map<string, number>();
  for (const pod of pods) if (pod.spec?.nodeName) onNode.set(pod.spec.nodeName, (onNode.get(pod.spec.nodeName) ?? 0) + 1);
  const rank = (pod: Pod) => (pod.spec?.nodeName ? onNode.get(pod.spec.nodeName)! : 0);
  return [...pods]
    .sort((a, b) => compareForDeletion(a, b, rank(a), rank(b)) || (a.metadata.name! < b.metadata.name! ? -1 : 1))
    .slice(0, count);
}

// ---- status ---------------------------------------------------------------------------------------------

/**
 * The status of `rs` given the pods it owns (upstream's `calculateStatus`): `replicas` (owned,
 * active), `fullyLabeledReplicas` (carrying every label of the template), `readyReplicas`,
 * `availableReplicas` (ready for minReadySeconds), `observedGeneration` (the generation synced);
 * a `ReplicaFailure` condition while creating or deleting fails (`FailedCreate` /
 * `FailedDelete`, the error's message), gone once it works.
 */
export function calculateStatus(rs: ReplicaSet, pods: readonly Pod[], now: number, manageError?: { reason: 'FailedCreate' | 'FailedDelete'; message: string }): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  const fullyLabeled = pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v));
  const conditions: ReplicaSetCondition[] = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  // A failure already reported stays as it was (its first message, its time) while managing keeps
  // failing; it goes once managing works.
  const reported = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (manageError) conditions.push(reported ?? { type: 'ReplicaFailure', status: 'True', reason: manageError.reason, message: manageError.message, lastTransitionTime: toRFC3339(now) });
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled.length,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter((p) => isPodAvailable(p, minReadySeconds, now)).length,
    observedGeneration: rs.metadata.generation ?? 0,
    ...(conditions.length > 0 && { conditions }),
  };
}

// ---- the controller ----------------------------------------------------------------------------------------

/** What a ReplicaSet controller needs. */
export interface ReplicaSetControllerOptions {
  client: ApiClient;
  clock: Clock;
  /** where it gets its pods and replicasets informers (shared with other controllers) */
  factory: SharedInformerFactory;
  /** at most this many creations or deletions per sync (default {@link BURST_REPLICAS}) */
  burstReplicas?: number;
  /** told of each failed sync (it is retried) */
  onError?: (key: string, error: unknown) => void;
}

/** The controller reference of an object: its owner with `controller: true`. */
export function controllerRef(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

// ---- the pods of a ReplicaSet, by index ------------------------------------------------------------

/**
 * The index of the pods informer by the uid of each pod's controller (upstream's
 * `controller.PodControllerUIDIndex`, shared by the controllers that own pods): a sync reads its
 * own pods and the orphans it might adopt, not every pod of its namespace. With 10,000 pods in a
 * namespace, that is the difference between a sync that costs 10 pods and one that costs 10,000.
 */
export const POD_CONTROLLER_UID_INDEX = 'podControllerUID';

/** The value under which {@link POD_CONTROLLER_UID_INDEX} files the orphans of `namespace` (upstream's `OrphanPodIndexKeyForNamespace`). */
export function orphanPodIndexKey(namespace: string): string {
  return `_ORPHAN_POD/${namespace}`;
}

/** The index function of {@link POD_CONTROLLER_UID_INDEX}: the controller's uid, or the orphan key of the pod's namespace. */
export function podControllerUidIndexFunc(pod: Pod): string[] {
  const ref = controllerRef(pod);
  return [ref ? ref.uid : orphanPodIndexKey(pod.metadata.namespace ?? '')];
}

/**
 * The pods controlled by `owner` (by uid) and the orphans of its namespace, finished ones too
 * (upstream's `controller.FilterPodsByOwner` with orphans included), from an indexer that has
 * {@link POD_CONTROLLER_UID_INDEX}.
 *
 * @example
 * ```ts
 * filterPodsByOwner(factory.pods().indexer, rs);   // rs's pods, then the orphans of rs's namespace
 * ```
 */
export function filterPodsByOwner(pods: Indexer<Pod>, owner: KubeObject): Pod[] {
  return [...pods.byIndex(POD_CONTROLLER_UID_INDEX, owner.metadata.uid ?? ''), ...pods.byIndex(POD_CONTROLLER_UID_INDEX, orphanPodIndexKey(owner.metadata.namespace ?? ''))];
}

/** The ReplicaSet controller of kata 18. */
export class ReplicaSetController {
  readonly queue: RateLimitingQueue<string>;
  readonly expectations: ControllerExpectations;
  readonly pods: SharedIndexInformer<Pod>;
  readonly replicaSets: SharedIndexInformer<ReplicaSet>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly burstReplicas: number;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];
  /** aborted by {@link stop}: a worker waiting for its next turn stops waiting */
  private readonly stopping = new AbortController();

  constructor(options: ReplicaSetControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.burstReplicas = options.burstReplicas ?? BURST_REPLICAS;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.expectations = new ControllerExpectations(options.clock);
    this.pods = options.factory.pods();
    this.replicaSets = options.factory.replicaSets();
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (rs) => {
        const key = rs instanceof DeletedFinalStateUnknown ? rs.key : objectKey(rs);
        this.expectations.delete(key);
        this.queue.add(key);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, pod) => this.updatePod(old, pod),
      onDelete: (pod) => this.deletePod(pod instanceof DeletedFinalStateUnknown ? pod.obj : pod),
    });
    try {
      this.pods.addIndexers({ [POD_CONTROLLER_UID_INDEX]: podControllerUidIndexFunc });
    } catch (error) {
      if (isNotImplemented(error)) throw error;
      // another controller on the same informers added it already: it is shared, as upstream's
    }
  }

  /**
   * Starts `workers` workers (the factory must be started too). Between two syncs a worker waits
   * for the clock's next turn (`sleep(0)`): the informers' turn. In Go they run on their own
   * goroutines and a sync's writes reach the caches within a millisecond; here they share one
   * thread with the workers, and a worker that went straight on to its next sync would read caches
   * still behind its own last writes — every update of a stale object is a 409 Conflict, retried
   * with back-off (1,000 Deployments rolled out at once did not finish for that).
   */
  run(workers = 1): void {
    // the clock's timers run between two syncs (a sleep that rejects once stopped: go on to the end)
    const between = () => this.clock.sleep(0, this.stopping.signal).catch(() => undefined);
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncReplicaSet(key), onError: this.onError, between }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    this.stopping.abort();
    await Promise.all(this.workers);
  }

  private enqueue(rs: ReplicaSet): void {
    this.queue.add(objectKey(rs));
  }

  /** The ReplicaSet a pod's controllerRef points to, if it is in the cache with that uid. */
  private ownerOf(pod: Pod): ReplicaSet | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.replicaSets.indexer.getByKey(`${pod.metadata.namespace}/${ref.name}`);
    return rs?.metadata.uid === ref.uid ? rs : undefined;
  }

  /** The cached ReplicaSets whose selector selects the pod (for an orphan that may be adopted). */
  private selectingReplicaSets(pod: Pod): ReplicaSet[] {
    return this.replicaSets.indexer
      .byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')
      .filter((rs) => rs.spec?.selector && selectorFromObject(rs.spec.selector).matches(pod.metadata.labels));
  }

  /** A pod appeared: its owner saw one creation; an orphan may be adopted by any ReplicaSet that selects it. */
  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.deletePod(pod);
    const owner = this.ownerOf(pod);
    if (owner) {
      this.expectations.creationObserved(objectKey(owner));
      return this.enqueue(owner);
    }
    if (controllerRef(pod)) return; // owned by another controller
    for (const rs of this.selectingReplicaSets(pod)) this.enqueue(rs);
  }

  /** A pod changed: its owner (old and new) re-syncs; an orphan may be adopted. */
  private updatePod(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return; // a relist or resync
    if (pod.metadata.deletionTimestamp) return this.deletePod(pod);
    const oldOwner = this.ownerOf(old);
    const owner = this.ownerOf(pod);
    if (oldOwner && oldOwner !== owner) this.enqueue(oldOwner);
    if (owner) {
      this.enqueue(owner);
      // Ready now, available minReadySeconds later: look again then.
      const minReady = owner.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(objectKey(owner), minReady * 1000 + 1000);
      return;
    }
    if (!controllerRef(pod)) for (const rs of this.selectingReplicaSets(pod)) this.enqueue(rs);
  }

  /** A pod went (or is going): its owner saw one deletion. */
  private deletePod(pod: Pod): void {
    const owner = this.ownerOf(pod);
    if (!owner) return;
    this.expectations.deletionObserved(objectKey(owner));
    this.enqueue(owner);
  }

  /**
   * One sync of the ReplicaSet under `key`, from the caches: claim its pods, create or delete to
   * `replicas` if its expectations are satisfied, write its status. Throws to be retried.
   */
  async syncReplicaSet(key: string): Promise<void> {
    const rs = this.replicaSets.indexer.getByKey(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    // Its own pods and the orphans of its namespace, from the index: never every pod of the namespace.
    const active = filterPodsByOwner(this.pods.indexer, rs).filter(isActive);
    const owned = await this.claimPods(rs, active);
    let manageError: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined;
    let failure: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(owned, rs);
      } catch (error) {
        if (isNotImplemented(error)) throw error;
        failure = error;
        manageError = { reason: owned.length < (rs.spec?.replicas ?? 1) ? 'FailedCreate' : 'FailedDelete', message: (error as Error).message };
      }
    }
    await this.updateStatus(rs, calculateStatus(rs, owned, this.clock.now(), manageError));
    if (failure) throw failure;
  }

  /**
   * The pods this ReplicaSet owns after adoption and release (upstream's `ClaimPods`): of
   * `pods` (the active ones of {@link filterPodsByOwner}: its own and the orphans of its namespace), those it
   * controls and its selector still selects; orphans it
   * selects are adopted (an ownerReference with `controller: true` written to them); pods it
   * controls that no longer match are released (its ownerReference removed). A ReplicaSet being
   * deleted adopts and releases nothing. Pods controlled by others are left alone.
   */
  async claimPods(rs: ReplicaSet, pods: readonly Pod[]): Promise<Pod[]> {
    const selector = selectorFromObject(rs.spec?.selector);
    const claimed: Pod[] = [];
    for (const pod of pods) {
      const ref = controllerRef(pod);
      const matches = selector.matches(pod.metadata.labels);
      if (ref) {
        if (ref.uid !== rs.metadata.uid) continue;
        if (matches) claimed.push(pod);
        else if (!rs.metadata.deletionTimestamp) await this.writeOwnerRefs(pod, (refs) => refs.filter((r) => r.uid !== rs.metadata.uid));
        continue;
      }
      if (!matches || rs.metadata.deletionTimestamp || pod.metadata.deletionTimestamp) continue;
      const adopted = await this.writeOwnerRefs(pod, (refs) => [...refs, ownerReferenceTo(rs)]);
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  /**
   * Creates or deletes pods until `pods.length` is `spec.replicas`, at most `burstReplicas` per
   * sync (upstream's `manageReplicas`). Creations: expectations first, then
   * {@link slowStartBatch}; each creation that is skipped or fails is observed at once (it will
   * never be seen). Deletions: {@link podsToDelete}, expectations, then all at once; a pod already
   * gone counts as deleted. Throws the first failure.
   */
  async manageReplicas(pods: readonly Pod[], rs: ReplicaSet): Promise<void> {
    const key = objectKey(rs);
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, this.burstReplicas);
      this.expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, () => this.createPod(rs));
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      if (error) throw error;
    } else if (diff > 0) {
      const victims = podsToDelete(pods, Math.min(diff, this.burstReplicas));
      this.expectations.expectDeletions(key, victims.length);
      const results = await Promise.allSettled(victims.map((pod) => this.client.pods(pod.metadata.namespace).delete(pod.metadata.name!)));
      let first: unknown;
      for (const result of results) {
        if (result.status === 'fulfilled') continue;
        if (isNotImplemented(result.reason)) throw result.reason;
        this.expectations.deletionObserved(key);
        if (!isStatusError(result.reason, 'NotFound')) first ??= result.reason;
      }
      if (first) throw first;
    }
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    await createPodFromTemplate(this.client, rs, rs.spec?.template, ownerReferenceTo(rs));
  }

  private writeOwnerRefs(pod: Pod, change: (refs: OwnerReference[]) => OwnerReference[]): Promise<Pod | undefined> {
    return writeOwnerRefs(this.client, pod, change);
  }

  /** Writes the status if it changed; on a conflict, once more on a fresh read (upstream's `updateReplicaSetStatus`). */
  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
    if (JSON.stringify(rs.status ?? {}) === JSON.stringify(status)) return;
    const rsClient = this.client.replicaSets(rs.metadata.namespace);
    try {
      await rsClient.updateStatus({ ...rs, status });
    } catch (error) {
      if (!isStatusError(error, 'Conflict')) throw error;
      const fresh = await rsClient.get(rs.metadata.name!);
      if (fresh.metadata.uid !== rs.metadata.uid) return;
      await rsClient.updateStatus({ ...fresh, status: { ...status, observedGeneration: Math.min(status.observedGeneration ?? 0, fresh.metadata.generation ?? 0) } });
    }
  }
}

/**
 * Creates a pod from an owner's template (upstream's PodControl.CreatePodsWithGenerateName): named
 * `<owner>-` and five drawn characters, labelled and annotated as the template says, controlled by
 * `ownerRef`. The ReplicaSet controller and the cluster's replication manager make their pods so.
 */
export async function createPodFromTemplate(client: ApiClient, owner: KubeObject, template: PodTemplateSpec | undefined, ownerRef: OwnerReference): Promise<Pod> {
  return client.pods(owner.metadata.namespace).create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace!,
      labels: { ...template?.metadata?.labels },
      ...(template?.metadata?.annotations && { annotations: { ...template.metadata.annotations } }),
      ownerReferences: [ownerRef],
    },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  });
}

/** Writes a pod's ownerReferences as `change` makes them (an adoption, a release); undefined when the pod is gone. */
export async function writeOwnerRefs(client: ApiClient, pod: Pod, change: (refs: OwnerReference[]) => OwnerReference[]): Promise<Pod | undefined> {
  const refs = change(pod.metadata.ownerReferences ?? []);
  const metadata = { ...pod.metadata, ownerReferences: refs };
  if (refs.length === 0) delete (metadata as Partial<typeof metadata>).ownerReferences;
  try {
    return await client.pods(pod.metadata.namespace).update({ ...pod, metadata });
  } catch (error) {
    if (isStatusError(error, 'NotFound')) return undefined;
    throw error;
  }
}

/** A pod not finished (Succeeded/Failed) and not being deleted (upstream's `IsPodActive`). */
export function isActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** The controller reference a ReplicaSet puts on its pods. */
export function ownerReferenceTo(rs: ReplicaSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name!, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

