/**
 * The Deployment controller (kube-controller-manager's pkg/controller/deployment: deployment_controller.go,
 * sync.go, rolling.go, recreate.go, progress.go): a Deployment never makes pods itself. It makes
 * one ReplicaSet per pod template, named `<deployment>-<pod-template-hash>`, and rolls from the old
 * ones to the new one by changing their `spec.replicas`; kata 18's ReplicaSet controller makes and
 * deletes the pods.
 *
 * One sync of one Deployment, from the informers' caches:
 *
 * ```
 * claim its ReplicaSets ──► being deleted? status only
 *        │
 * paused, or only `replicas` changed (a scaling event)? ──► scale every ReplicaSet in proportion, status
 *        │
 * RollingUpdate: new RS up to what maxSurge allows ──► old RSes down to what maxUnavailable allows
 * Recreate:      old RSes to 0 ──► wait for their pods to be gone ──► new RS to replicas
 *        │
 * complete? delete old RSes beyond revisionHistoryLimit
 *        │
 * status: counts, Available, Progressing (and its deadline), ReplicaFailure
 * ```
 *
 * A sync acts on what the caches say and writes with the resourceVersion it read: if the cache was
 * behind, the write is a Conflict, the key is retried, and the next sync sees the truth.
 */
import { isNotImplemented, objectKey, toRFC3339, type Clock, type Deployment, type DeploymentStatus, type EventType, type OwnerReference, type Pod, type ReplicaSet } from '@kube/kit';
import { isStatusError, selectorFromObject, type ApiClient } from '@kube/apiserver';
import {
  actualReplicaCount,
  byCreationTimestamp,
  calculateDeploymentStatus,
  computeHash,
  DESIRED_REPLICAS_ANNOTATION,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  findNewReplicaSet,
  findOldReplicaSets,
  getDeploymentCondition,
  hasProgressDeadline,
  isRollingUpdate,
  MAX_REPLICAS_ANNOTATION,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newDeploymentCondition,
  newRSNewReplicas,
  POD_TEMPLATE_HASH_LABEL,
  DeploymentReasons,
  removeDeploymentCondition,
  replicasOf,
  REVISION_ANNOTATION,
  revisionOf,
  setDeploymentCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicaCount,
  canonicalJson,
  availableReplicaCount,
  equalIgnoreHash,
} from './deployment-util.ts';
import { DISCARD_EVENTS, type EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { controllerRef } from './replica-set.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** What a Deployment controller needs. */
export interface DeploymentControllerOptions {
  client: ApiClient;
  clock: Clock;
  /** where it gets its deployments, replicasets and pods informers (shared with other controllers) */
  factory: SharedInformerFactory;
  /** where it reports "Scaled up replica set ..." (default: nowhere) */
  recorder?: EventRecorder;
  /** told of each failed sync (it is retried) */
  onError?: (key: string, error: unknown) => void;
}

/** A Deployment's new ReplicaSet (if any yet) and its old ones. */
export interface ReplicaSetsOfDeployment {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/** The index of the ReplicaSets informer by controller uid that the Deployment controller adds. */
export const CONTROLLER_UID_INDEX = 'deployment-controller/controller-uid';

/** The controller reference a Deployment puts on its ReplicaSets. */
export function ownerReferenceToDeployment(d: Deployment): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** The Deployment controller of kata 19. */
export class DeploymentController {
  readonly queue: RateLimitingQueue<string>;
  readonly deployments: SharedIndexInformer<Deployment>;
  readonly replicaSets: SharedIndexInformer<ReplicaSet>;
  readonly pods: SharedIndexInformer<Pod>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];
  /** aborted by {@link stop}: a worker waiting for its next turn stops waiting */
  private readonly stopping = new AbortController();

  constructor(options: DeploymentControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder ?? DISCARD_EVENTS;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.deployments = options.factory.deployments();
    this.replicaSets = options.factory.replicaSets();
    this.pods = options.factory.pods();
    this.deployments.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, d) => this.enqueue(d),
      onDelete: (d) => this.queue.add(d instanceof DeletedFinalStateUnknown ? d.key : objectKey(d)),
    });
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, rs) => this.updateReplicaSet(old, rs),
      onDelete: (rs) => this.deleteReplicaSet(rs instanceof DeletedFinalStateUnknown ? rs.obj : rs),
    });
    this.pods.addEventHandler({ onDelete: (pod) => this.deletePod(pod instanceof DeletedFinalStateUnknown ? pod.obj : pod) });
    try {
      // ReplicaSets by the uid of their controller ('' for orphans): a sync looks at its own, not at every one of its namespace.
      this.replicaSets.addIndexers({ [CONTROLLER_UID_INDEX]: (rs) => [controllerRef(rs)?.uid ?? ''] });
    } catch {
      // another Deployment controller on the same informers added it already
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
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncDeployment(key), onError: this.onError, between }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    this.stopping.abort();
    await Promise.all(this.workers);
  }

  // ---- handlers: which Deployment a change concerns ---------------------------------------------

  private enqueue(d: Deployment): void {
    this.queue.add(objectKey(d));
  }

  /** The Deployment a ReplicaSet's controllerRef points to, if it is in the cache with that uid. */
  private ownerOf(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerRef(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.indexer.getByKey(`${rs.metadata.namespace}/${ref.name}`);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  /** The cached Deployments whose selector selects an orphan ReplicaSet (one of them may adopt it). */
  private selecting(rs: ReplicaSet): Deployment[] {
    return this.deployments.indexer
      .byIndex(NAMESPACE_INDEX, rs.metadata.namespace ?? '')
      .filter((d) => d.spec?.selector && selectorFromObject(d.spec.selector).matches(rs.metadata.labels));
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) return this.deleteReplicaSet(rs);
    const owner = this.ownerOf(rs);
    if (owner) return this.enqueue(owner);
    if (!controllerRef(rs)) for (const d of this.selecting(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSet, rs: ReplicaSet): void {
    if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return; // a relist or a resync
    const oldOwner = this.ownerOf(old);
    const owner = this.ownerOf(rs);
    if (oldOwner && oldOwner !== owner) this.enqueue(oldOwner);
    if (owner) return this.enqueue(owner);
    if (!controllerRef(rs)) for (const d of this.selecting(rs)) this.enqueue(d);
  }

  private deleteReplicaSet(rs: ReplicaSet): void {
    const owner = this.ownerOf(rs);
    if (owner) this.enqueue(owner);
  }

  /** A Recreate Deployment waits for its old pods to be gone: each deletion may be the last. */
  private deletePod(pod: Pod): void {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.indexer.getByKey(`${pod.metadata.namespace}/${ref.name}`);
    const d = rs && rs.metadata.uid === ref.uid ? this.ownerOf(rs) : undefined;
    if (d && !isRollingUpdate(d)) this.enqueue(d);
  }

  // ---- the sync ----------------------------------------------------------------------------------

  /**
   * One sync of the Deployment under `key`, from the caches (upstream's `syncDeployment`): claim
   * its ReplicaSets; being deleted: status only; the paused conditions; paused or a scaling event:
   * {@link sync}; else roll out by its strategy. Throws to be retried.
   */
  async syncDeployment(key: string): Promise<void> {
    const cached = this.deployments.indexer.getByKey(key);
    if (!cached) return;
    const d = structuredClone(cached); // the cache's copy is shared: never change it
    const selector = d.spec?.selector;
    if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
      this.record(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) await this.saveStatus(d, { ...d.status, observedGeneration: d.metadata.generation ?? 0 });
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    await this.checkPausedConditions(d);
    if (d.spec?.paused) return this.sync(d, rsList);
    if (await this.isScalingEvent(d, rsList)) return this.sync(d, rsList);
    if (isRollingUpdate(d)) return this.rolloutRolling(d, rsList);
    return this.rolloutRecreate(d, rsList, this.podMap(d, rsList));
  }

  /**
   * The ReplicaSets this Deployment owns after adoption and release (upstream's
   * `ClaimReplicaSets`, as kata 18's `claimPods`): of the ReplicaSets of its namespace (found by
   * the index {@link CONTROLLER_UID_INDEX}: its own and the orphans), those it controls and selects; matching orphans are adopted, controlled ones that stopped matching are
   * released. A Deployment being deleted adopts and releases nothing.
   */
  async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const selector = selectorFromObject(d.spec?.selector);
    const claimed: ReplicaSet[] = [];
    const candidates = [...this.replicaSets.indexer.byIndex(CONTROLLER_UID_INDEX, d.metadata.uid ?? ''), ...this.replicaSets.indexer.byIndex(CONTROLLER_UID_INDEX, '')];
    for (const rs of candidates) {
      if (rs.metadata.namespace !== d.metadata.namespace) continue;
      const ref = controllerRef(rs);
      const matches = selector.matches(rs.metadata.labels);
      if (ref) {
        if (ref.uid !== d.metadata.uid) continue;
        if (matches) claimed.push(rs);
        else if (!d.metadata.deletionTimestamp) await this.writeOwnerRefs(rs, (refs) => refs.filter((r) => r.uid !== d.metadata.uid));
        continue;
      }
      if (!matches || d.metadata.deletionTimestamp || rs.metadata.deletionTimestamp) continue;
      const adopted = await this.writeOwnerRefs(rs, (refs) => [...refs, ownerReferenceToDeployment(d)]);
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  /** The pods of each of `rsList` (by the ReplicaSet's uid) that the Deployment's selector selects, finished ones too. */
  podMap(d: Deployment, rsList: readonly ReplicaSet[]): Map<string, Pod[]> {
    const selector = selectorFromObject(d.spec?.selector);
    const map = new Map<string, Pod[]>(rsList.map((rs) => [rs.metadata.uid!, []]));
    for (const pod of this.pods.indexer.byIndex(NAMESPACE_INDEX, d.metadata.namespace ?? '')) {
      const ref = controllerRef(pod);
      if (ref && selector.matches(pod.metadata.labels)) map.get(ref.uid)?.push(pod);
    }
    return map;
  }

  /**
   * The new ReplicaSet (made now when `create` and there is none) and the old ones, with the
   * revisions synced (upstream's `getAllReplicaSetsAndSyncRevision`).
   */
  async getAllReplicaSetsAndSyncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<ReplicaSetsOfDeployment> {
    const { allOld } = findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, allOld, create);
    return { newRS, oldRSs: allOld };
  }

  /**
   * The new ReplicaSet (upstream's `getNewReplicaSet`), its revision the highest: one more than
   * every old one's.
   * - It exists: bring its annotations and minReadySeconds up to date (and return the updated
   *   one); else copy its revision to the Deployment, with Progressing FoundNewReplicaSet if the
   *   Deployment has no Progressing condition yet.
   * - It does not and `create`: make `<name>-<hash>` (the template and selector with the
   *   pod-template-hash label, the controller reference, as many replicas as
   *   {@link newRSNewReplicas} allows); the event "Scaled up replica set <rs> from 0 to <n>";
   *   the revision on the Deployment with Progressing NewReplicaSetCreated. A name taken by
   *   another ReplicaSet is a hash collision: collisionCount + 1, and throw to be retried.
   */
  async getNewReplicaSet(d: Deployment, rsList: ReplicaSet[], oldRSs: readonly ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    const now = toRFC3339(this.clock.now());
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadySeconds = d.spec?.minReadySeconds ?? 0;
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReadySeconds) {
        copy.spec = { ...copy.spec!, minReadySeconds };
        const updated = await this.client.replicaSets(copy.metadata.namespace).update(copy);
        rsList[rsList.indexOf(existing)] = updated; // the rest of this sync sees the update
        return updated; // the Deployment's revision follows on the sync this update triggers
      }
      const status = structuredClone(d.status ?? {});
      if (hasProgressDeadline(d) && !getDeploymentCondition(status, 'Progressing')) {
        setDeploymentCondition(status, newDeploymentCondition('Progressing', 'True', DeploymentReasons.foundNewReplicaSet, `Found new replica set "${copy.metadata.name}"`, now));
      }
      await this.saveRevisionAndStatus(d, copy.metadata.annotations?.[REVISION_ANNOTATION], status);
      return copy;
    }
    if (!create) return undefined;

    const template = structuredClone(d.spec!.template);
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace!, ownerReferences: [ownerReferenceToDeployment(d)], labels: { ...template.metadata.labels } },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    newRS.spec!.replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.client.replicaSets(d.metadata.namespace).create(newRS);
    } catch (error) {
      if (isNotImplemented(error)) throw error;
      if (isStatusError(error, 'AlreadyExists')) {
        alreadyExists = true;
        const found = this.replicaSets.indexer.getByKey(objectKey(newRS));
        if (!found) throw error; // not in the cache yet: retry
        if (controllerRef(found)?.uid === d.metadata.uid && equalIgnoreHash(d.spec!.template, found.spec?.template)) {
          created = found; // ours: the cache was behind
        } else {
          // Someone else's ReplicaSet has the name: the next hash will differ.
          await this.saveStatus(d, { ...structuredClone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 });
          throw error;
        }
      } else {
        const message = `Failed to create new replica set "${newRS.metadata.name}": ${(error as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setDeploymentCondition(status, newDeploymentCondition('Progressing', 'False', DeploymentReasons.replicaSetCreateError, message, now));
          await this.saveStatus(d, status).catch(() => undefined); // the failure to create is the news
        }
        this.record(d, 'Warning', DeploymentReasons.replicaSetCreateError, message);
        throw error;
      }
    }
    const replicas = replicasOf(newRS);
    if (!alreadyExists && replicas > 0) this.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    const status = structuredClone(d.status ?? {});
    if (!alreadyExists && hasProgressDeadline(d)) {
      setDeploymentCondition(status, newDeploymentCondition('Progressing', 'True', DeploymentReasons.newReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, now));
    }
    await this.saveRevisionAndStatus(d, String(newRevision), status);
    return created;
  }

  // ---- RollingUpdate -----------------------------------------------------------------------------

  /**
   * One step of a rolling update (upstream's `rolloutRolling`): the new ReplicaSet (made if
   * missing); scale it up if maxSurge allows (then only the status); else scale old ones down if
   * maxUnavailable allows (then only the status); else, once complete, clean up old ReplicaSets;
   * the rollout status.
   */
  async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    if (!newRS) return;
    const allRSs = [...oldRSs, newRS];
    if (await this.reconcileNewReplicaSet(allRSs, newRS, d)) return this.syncRolloutStatus(allRSs, newRS, d);
    const active = oldRSs.filter((rs) => replicasOf(rs) > 0);
    if (await this.reconcileOldReplicaSets(allRSs, active, newRS, d)) return this.syncRolloutStatus(allRSs, newRS, d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(allRSs, newRS, d);
  }

  /**
   * Scales the new ReplicaSet toward `replicas` (upstream's `reconcileNewReplicaSet`): down at once
   * if it has more; up to {@link newRSNewReplicas}. True when it scaled.
   */
  async reconcileNewReplicaSet(allRSs: readonly ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    const replicas = replicasOf(d);
    if (replicasOf(newRS) === replicas) return false;
    if (replicasOf(newRS) > replicas) return (await this.scaleReplicaSet(newRS, replicas, d)).scaled;
    return (await this.scaleReplicaSet(newRS, newRSNewReplicas(d, allRSs, newRS), d)).scaled;
  }

  /**
   * Scales old ReplicaSets down as far as keeps `replicas - maxUnavailable` pods available
   * (upstream's `reconcileOldReplicaSets`). How far: `maxScaledDown` = every ReplicaSet's
   * spec.replicas - minAvailable - the new one's unavailable pods; nothing when <= 0. First the
   * old ReplicaSets' unavailable pods (`cleanupUnhealthyReplicas`: they cost no availability),
   * then available ones (`scaleDownOldReplicaSetsForRollingUpdate`). True when it scaled.
   */
  async reconcileOldReplicaSets(allRSs: readonly ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    if (specReplicaCount(oldRSs) === 0) return false;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newRSUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = specReplicaCount(allRSs) - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;
    const cleaned = await this.cleanupUnhealthyReplicas(oldRSs, d, maxScaledDown);
    const scaledDown = await this.scaleDownOldReplicaSetsForRollingUpdate([...oldRSs, newRS], oldRSs, d);
    return cleaned + scaledDown > 0;
  }

  /**
   * Scales old ReplicaSets down by their unavailable pods, oldest first, `maxCleanupCount` in all
   * (upstream's `cleanupUnhealthyReplicas`); the ReplicaSet controller deletes not-ready pods
   * first, so no available pod goes. Sorts `oldRSs` oldest first, in place (as upstream's
   * `sort.Sort`), and replaces each scaled one at its index; returns how many.
   */
  async cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], d: Deployment, maxCleanupCount: number): Promise<number> {
    oldRSs.sort(byCreationTimestamp);
    let total = 0;
    for (const [i, rs] of oldRSs.entries()) {
      if (total >= maxCleanupCount) break;
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
      if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
      const count = Math.min(maxCleanupCount - total, unhealthy);
      oldRSs[i] = (await this.scaleReplicaSet(rs, replicasOf(rs) - count, d)).rs;
      total += count;
    }
    return total;
  }

  /**
   * Scales old ReplicaSets down, oldest first, by as many pods as are available beyond
   * `replicas - maxUnavailable` (upstream's `scaleDownOldReplicaSetsForRollingUpdate`); returns how many.
   */
  async scaleDownOldReplicaSetsForRollingUpdate(allRSs: readonly ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const available = availableReplicaCount(allRSs);
    if (available <= minAvailable) return 0;
    const toScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
      if (total >= toScaleDown) break;
      if (replicasOf(rs) === 0) continue;
      const count = Math.min(replicasOf(rs), toScaleDown - total);
      await this.scaleReplicaSet(rs, replicasOf(rs) - count, d);
      total += count;
    }
    return total;
  }

  // ---- Recreate ----------------------------------------------------------------------------------

  /**
   * One step of a Recreate rollout (upstream's `rolloutRecreate`): every old ReplicaSet to 0 (then
   * only the status); while any old pod is not finished, only the status; then the new
   * ReplicaSet (made now) to `replicas`; once complete, clean up; the rollout status.
   */
  async rolloutRecreate(d: Deployment, rsList: ReplicaSet[], podMap: Map<string, Pod[]>): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    let scaledDown = false;
    for (const rs of oldRSs) if (replicasOf(rs) > 0 && (await this.scaleReplicaSet(rs, 0, d)).scaled) scaledDown = true;
    if (scaledDown || oldPodsRunning(newRS, oldRSs, podMap)) return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    if (!newRS) return;
    await this.scaleReplicaSet(newRS, replicasOf(d), d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
  }

  // ---- status, progress, history ---------------------------------------------------------------

  /**
   * Writes the rollout's status (upstream's `syncRolloutStatus`): {@link calculateDeploymentStatus}; with a
   * progress deadline and a rollout not already complete, the Progressing condition — complete:
   * True NewReplicaSetAvailable `ReplicaSet "<rs>" has successfully progressed.`; progressing: True
   * ReplicaSetUpdated `ReplicaSet "<rs>" is progressing.` (lastUpdateTime now, lastTransitionTime
   * kept while True); timed out: False ProgressDeadlineExceeded `ReplicaSet "<rs>" has timed out
   * progressing.`; without a deadline, no Progressing condition. A ReplicaSet's ReplicaFailure
   * (the new one's first) becomes the Deployment's. Unchanged: nothing written, but a rollout
   * still under way is looked at again when its deadline would pass.
   */
  async syncRolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const now = toRFC3339(this.clock.now());
    const status = calculateDeploymentStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeDeploymentCondition(status, 'Progressing');
    const current = getDeploymentCondition(d.status, 'Progressing');
    const complete = status.replicas === status.updatedReplicas && current?.reason === DeploymentReasons.newReplicaSetAvailable;
    const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, status)) {
        setDeploymentCondition(status, newDeploymentCondition('Progressing', 'True', DeploymentReasons.newReplicaSetAvailable, `${what} has successfully progressed.`, now));
      } else if (deploymentProgressing(d, status)) {
        const condition = newDeploymentCondition('Progressing', 'True', DeploymentReasons.replicaSetUpdated, `${what} is progressing.`, now);
        if (current?.status === 'True' && current.lastTransitionTime) condition.lastTransitionTime = current.lastTransitionTime;
        removeDeploymentCondition(status, 'Progressing');
        setDeploymentCondition(status, condition); // a new lastUpdateTime even when the reason is the same
      } else if (deploymentTimedOut(d, status, this.clock.now())) {
        setDeploymentCondition(status, newDeploymentCondition('Progressing', 'False', DeploymentReasons.progressDeadlineExceeded, `${what} has timed out progressing.`, now));
      }
    }
    const failure = replicaFailure(allRSs, newRS);
    if (failure) setDeploymentCondition(status, { type: 'ReplicaFailure', status: failure.status, reason: failure.reason ?? '', message: failure.message ?? '', lastUpdateTime: failure.lastTransitionTime ?? now, lastTransitionTime: failure.lastTransitionTime ?? now });
    else removeDeploymentCondition(status, 'ReplicaFailure');
    if (sameStatus(d.status, status)) return this.requeueStuckDeployment(d, status);
    await this.saveStatus(d, status);
  }

  /**
   * A rollout still under way with a deadline is looked at again when the deadline would pass
   * (upstream's `requeueStuckDeployment`): at lastUpdateTime + progressDeadlineSeconds (+ 1 s), or
   * now, rate-limited, when that is less than a second away.
   */
  private requeueStuckDeployment(d: Deployment, status: DeploymentStatus): void {
    const current = getDeploymentCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !current) return;
    if (deploymentComplete(d, status) || current.reason === DeploymentReasons.progressDeadlineExceeded) return;
    const after = Date.parse(current.lastUpdateTime ?? '') + d.spec!.progressDeadlineSeconds! * 1000 - this.clock.now();
    if (!Number.isFinite(after)) return;
    if (after < 1000) this.queue.addRateLimited(objectKey(d));
    else this.queue.addAfter(objectKey(d), after + 1000);
  }

  /**
   * Deletes the oldest old ReplicaSets beyond `revisionHistoryLimit` (upstream's
   * `cleanupDeployment`): by revision, oldest first; only those with no pods asked for, none left
   * and their latest generation observed; NotFound is fine.
   */
  async cleanupDeployment(oldRSs: readonly ReplicaSet[], d: Deployment): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === 2_147_483_647) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => {
      const ra = revisionOf(a);
      const rb = revisionOf(b);
      return Number.isNaN(ra) || Number.isNaN(rb) || ra === rb ? byCreationTimestamp(a, b) : ra - rb;
    });
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.client.replicaSets(rs.metadata.namespace).delete(rs.metadata.name!);
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
  }

  // ---- paused, scaling events, proportional scaling (given) --------------------------------------

  /** Status only (a Deployment being deleted): upstream's `syncStatusOnly`. */
  private async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /**
   * A paused Deployment, or one whose `replicas` changed (upstream's `sync`): scale every
   * ReplicaSet in proportion, no new ReplicaSet; paused, clean up old ones; the status.
   */
  async sync(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec?.paused) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /** Writes {@link calculateDeploymentStatus} if it changed (upstream's `syncDeploymentStatus`). */
  private async syncDeploymentStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const status = calculateDeploymentStatus(allRSs, newRS, d, toRFC3339(this.clock.now()));
    if (!sameStatus(d.status, status)) await this.saveStatus(d, status);
  }

  /**
   * Is this sync about `replicas` only (upstream's `isScalingEvent`)? Some active ReplicaSet was
   * last sized for another `replicas` (its desired-replicas annotation).
   */
  private async isScalingEvent(d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    return [...oldRSs, newRS].some((rs) => {
      if (!rs || replicasOf(rs) === 0) return false;
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      return desired !== undefined && /^\d+$/.test(desired) && Number(desired) !== replicasOf(d);
    });
  }

  /**
   * Paused and resumed Deployments get a Progressing Unknown condition (DeploymentPaused,
   * DeploymentResumed), so that time spent paused never counts against the progress deadline
   * (upstream's `checkPausedConditions`). A timed-out Deployment keeps its condition.
   */
  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const current = getDeploymentCondition(d.status, 'Progressing');
    if (current?.reason === DeploymentReasons.progressDeadlineExceeded) return;
    const pausedShown = current?.reason === DeploymentReasons.deploymentPaused;
    const now = toRFC3339(this.clock.now());
    const status = structuredClone(d.status ?? {});
    if (d.spec?.paused && !pausedShown) setDeploymentCondition(status, newDeploymentCondition('Progressing', 'Unknown', DeploymentReasons.deploymentPaused, 'Deployment is paused', now));
    else if (!d.spec?.paused && pausedShown) setDeploymentCondition(status, newDeploymentCondition('Progressing', 'Unknown', DeploymentReasons.deploymentResumed, 'Deployment is resumed', now));
    else return;
    await this.saveStatus(d, status);
  }

  /**
   * Scales the active ReplicaSets to the Deployment's `replicas` (upstream's `scale`): a single
   * active (or, with none, the newest) ReplicaSet gets them all; a saturated new one: the old ones
   * to 0; a RollingUpdate in the middle of a rollout: the difference shared in proportion to each
   * one's size (its max-replicas annotation), the rest to the largest.
   */
  async scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Promise<void> {
    const replicas = replicasOf(d);
    const active = [...oldRSs, newRS].filter((rs): rs is ReplicaSet => rs !== undefined && replicasOf(rs) > 0);
    const newest = [...oldRSs].sort(byCreationTimestamp).reverse();
    const single = active.length === 1 ? active[0] : active.length === 0 ? (newRS ?? newest[0]) : undefined;
    if (single) {
      if (replicasOf(single) !== replicas) await this.scaleReplicaSet(single, replicas, d);
      return;
    }
    if (active.length === 0) return;
    if (newRS && isSaturated(d, newRS)) {
      for (const old of oldRSs) if (replicasOf(old) > 0) await this.scaleReplicaSet(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
    const toAdd = allowed - specReplicaCount(active);
    if (toAdd === 0) return;
    // Larger first; equal sizes: newer first when adding, older first when removing.
    active.sort((a, b) => replicasOf(b) - replicasOf(a) || (toAdd > 0 ? byCreationTimestamp(b, a) : byCreationTimestamp(a, b)));
    const sizes = new Map<ReplicaSet, number>();
    let added = 0;
    for (const rs of active) {
      const proportion = replicaSetProportion(rs, d, toAdd, added);
      sizes.set(rs, replicasOf(rs) + proportion);
      added += proportion;
    }
    sizes.set(active[0]!, Math.max(0, sizes.get(active[0]!)! + toAdd - added)); // leftovers to the largest
    for (const rs of active) await this.scaleReplicaSet(rs, sizes.get(rs)!, d);
  }

  // ---- writes (given) --------------------------------------------------------------------------------

  /**
   * Sets a ReplicaSet's `spec.replicas` to `newScale`, with the desired-replicas and max-replicas
   * annotations of now (upstream's `scaleReplicaSet`), and records "Scaled up|down replica set
   * <rs> from <a> to <b>". On a Conflict, once more on a fresh read, if that still asks for the
   * replicas this decision was made from (only its status changed meanwhile). `scaled`: the size changed.
   */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const oldScale = replicasOf(rs);
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    const annotationsNeedUpdate = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION] !== String(max);
    if (oldScale === newScale && !annotationsNeedUpdate) return { scaled: false, rs };
    const scaledCopy = (from: ReplicaSet) => {
      const copy = structuredClone(from);
      copy.spec = { ...copy.spec!, replicas: newScale };
      setReplicasAnnotations(copy, desired, max);
      return copy;
    };
    const rsClient = this.client.replicaSets(rs.metadata.namespace);
    let updated: ReplicaSet;
    try {
      updated = await rsClient.update(scaledCopy(rs));
    } catch (error) {
      if (!isStatusError(error, 'Conflict')) throw error;
      const fresh = await rsClient.get(rs.metadata.name!);
      if (fresh.metadata.uid !== rs.metadata.uid || replicasOf(fresh) !== oldScale) throw error;
      updated = await rsClient.update(scaledCopy(fresh));
    }
    if (oldScale !== newScale) this.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${oldScale < newScale ? 'up' : 'down'} replica set ${rs.metadata.name} from ${oldScale} to ${newScale}`);
    return { scaled: oldScale !== newScale, rs: updated };
  }

  /**
   * Writes `status` as the Deployment's (the status subresource); `d` becomes what was stored. On a
   * Conflict, once more on a fresh read if its spec is still the one this status was computed for
   * (same generation): the cache was only behind this controller's own last write.
   */
  private async saveStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    const saved = await this.onFresh(d, (current) => this.client.deployments(d.metadata.namespace).updateStatus({ ...current, status }));
    d.metadata = saved.metadata;
    d.status = saved.status ?? {};
  }

  /** `write(d)`; on a Conflict, `write` once more on a fresh read of the same uid and generation. */
  private async onFresh(d: Deployment, write: (current: Deployment) => Promise<Deployment>): Promise<Deployment> {
    try {
      return await write(d);
    } catch (error) {
      if (!isStatusError(error, 'Conflict')) throw error;
      const fresh = await this.client.deployments(d.metadata.namespace).get(d.metadata.name!);
      if (fresh.metadata.uid !== d.metadata.uid || fresh.metadata.generation !== d.metadata.generation) throw error;
      return write(fresh);
    }
  }

  /**
   * Writes the Deployment's revision annotation if it is not `revision` (through the object itself:
   * the status subresource keeps metadata as stored), then `status` if it changed.
   */
  private async saveRevisionAndStatus(d: Deployment, revision: string | undefined, status: DeploymentStatus): Promise<void> {
    if (revision !== undefined && d.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
      const saved = await this.onFresh(d, (current) => this.client.deployments(d.metadata.namespace).update({ ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, [REVISION_ANNOTATION]: revision } } }));
      d.metadata = saved.metadata;
    }
    if (!sameStatus(d.status, status)) await this.saveStatus(d, status);
  }

  /** Writes a ReplicaSet's ownerReferences as `change` makes them; undefined when it is gone. */
  private async writeOwnerRefs(rs: ReplicaSet, change: (refs: OwnerReference[]) => OwnerReference[]): Promise<ReplicaSet | undefined> {
    const refs = change(rs.metadata.ownerReferences ?? []);
    const metadata = { ...rs.metadata, ownerReferences: refs };
    if (refs.length === 0) delete (metadata as Partial<typeof metadata>).ownerReferences;
    try {
      return await this.client.replicaSets(rs.metadata.namespace).update({ ...rs, metadata });
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  private record(d: Deployment, type: EventType, reason: string, message: string): void {
    this.recorder.event({ ...d, kind: 'Deployment', apiVersion: 'apps/v1' }, type, reason, message);
  }
}

// ---- helpers ------------------------------------------------------------------------------------

/** Are two statuses the same (every field, conditions in order)? */
function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b);
}

/**
 * Is any pod of an old ReplicaSet still there and not finished (upstream's `oldPodsRunning`)? Old
 * ReplicaSets that still count pods in their status say yes at once.
 */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    if (pods.some((pod) => pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}

/** The new ReplicaSet has every replica, sized for them, and all available (upstream's `IsSaturated`). */
function isSaturated(d: Deployment, rs: ReplicaSet): boolean {
  const replicas = replicasOf(d);
  return replicasOf(rs) === replicas && rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(replicas) && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** The first ReplicaFailure condition of the new ReplicaSet, else of any (upstream's `getReplicaFailures`). */
function replicaFailure(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined) {
  const failureOf = (rs: ReplicaSet | undefined) => rs?.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  return failureOf(newRS) ?? allRSs.map(failureOf).find((c) => c !== undefined);
}

/**
 * This ReplicaSet's share of `toAdd` more (or fewer) replicas (upstream's
 * `GetReplicaSetProportion`): its size scaled by (replicas + maxSurge) / what it was sized for (its
 * max-replicas annotation), never beyond what is left to share.
 */
function replicaSetProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const allowed = toAdd - added;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -replicasOf(rs);
  else {
    const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION] ?? Number.NaN);
    const sizedFor = Number.isInteger(annotated) && annotated > 0 ? annotated : (d.status?.replicas ?? 0);
    const scaled = sizedFor > 0 ? (replicasOf(rs) * (replicasOf(d) + maxSurge(d))) / sizedFor : replicasOf(rs);
    fraction = Math.sign(scaled) * Math.round(Math.abs(scaled)) - replicasOf(rs);
  }
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
