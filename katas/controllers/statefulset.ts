/**
 * The StatefulSet controller (kube-controller-manager's pkg/controller/statefulset, v1.32): pods
 * with stable names, made in order and replaced from the highest ordinal down. Given code: no
 * kata builds it; the cluster's controller manager runs it beside Part IV's.
 *
 * ```
 * StatefulSet web: replicas 3, serviceName web, OrderedReady
 *   sync -> ControllerRevision web-7b9d6b6c5d (revision 1); create web-0 (hostname web-0, subdomain web)
 *   web-0 Running and Ready -> create web-1; then web-2
 * kubectl set image sts/web web=kubekata/echo:1.0
 *   sync -> revision web-5f8c7d9b4 (2); delete web-2; web-2 made again from revision 2;
 *           once it is Ready, web-1; then web-0; then currentRevision = updateRevision
 * kubectl scale sts/web --replicas=1 -> delete web-2, and once it is gone, web-1
 * ```
 *
 * Each pod is `<name>-<ordinal>`, labelled `statefulset.kubernetes.io/pod-name`,
 * `apps.kubernetes.io/pod-index` and `controller-revision-hash` (the revision's name), with
 * `hostname` its name and `subdomain` the serviceName. OrderedReady makes a pod only once every
 * lower one is Running and Ready, and removes the highest first, each once the others are healthy;
 * Parallel does both at once. RollingUpdate deletes the highest pod not at the update revision
 * (down to `partition`) once every pod is healthy; OnDelete waits for you to delete them.
 *
 * Each of `volumeClaimTemplates` gives each pod its own claim, made before the pod and never by
 * it: template `www` of StatefulSet `web` is the claim `www-web-0` of pod `web-0` (labelled with
 * the template's labels and the selector's), mounted as the pod's volume `www` (in place of a
 * template volume of that name). A claim is kept when its pod goes, so `web-0` made again mounts the
 * same data; `persistentVolumeClaimRetentionPolicy` (the StatefulSetAutoDeletePVC gate, beta and
 * on in v1.32) can give a claim to the StatefulSet (`whenDeleted: Delete`) or to the pod scaled
 * away (`whenScaled: Delete`) as an owner, for the garbage collector to delete it with them.
 *
 * Where it simplifies: no adoption of orphan pods, and the pods' DNS names (`web-0.web`) are not
 * served by kata 28's DNS.
 *
 * @example
 * ```ts
 * const controller = new StatefulSetController({ client, clock, factory, recorder });
 * factory.start();
 * controller.run();
 * // kubectl apply -f web-sts.yaml; kubectl rollout status sts/web
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import { isDeepStrictEqual } from 'node:util';
import type { Clock, ControllerRevision, KubeObject, OwnerReference, PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet, StatefulSetStatus } from '@kube/kit';
import { CONTROLLER_REVISION_HASH_LABEL, revisionData, templateOf } from './controller-revisions.ts';
import { canonicalJson, safeEncodeString } from './deployment-util.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { isPodAvailable, isPodReady } from './replica-set.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The label with the pod's own name, for a Service that selects one member. */
export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** The label with the pod's ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** What a {@link StatefulSetController} needs. */
export interface StatefulSetControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  recorder?: EventRecorder;
  onError?: (key: string, error: unknown) => void;
}

/** Keeps each StatefulSet's ordinal pods. */
export class StatefulSetController {
  readonly statefulSets: SharedIndexInformer<StatefulSet>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly revisions: SharedIndexInformer<ControllerRevision>;
  readonly claims: SharedIndexInformer<PersistentVolumeClaim>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: StatefulSetControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.statefulSets = options.factory.informerFor<StatefulSet>('statefulsets');
    this.revisions = options.factory.informerFor<ControllerRevision>('controllerrevisions');
    this.claims = options.factory.informerFor<PersistentVolumeClaim>('persistentvolumeclaims');
    this.pods = options.factory.pods();
    const keyOf = (object: KubeObject) => `${object.metadata.namespace}/${object.metadata.name}`;
    const enqueue = (set: StatefulSet | DeletedFinalStateUnknown<StatefulSet>) => this.queue.add(set instanceof DeletedFinalStateUnknown ? set.key : keyOf(set));
    this.statefulSets.addEventHandler({ onAdd: enqueue, onUpdate: (_old, set) => enqueue(set), onDelete: enqueue });
    const podChanged = (pod: Pod | DeletedFinalStateUnknown<Pod>) => {
      const object = pod instanceof DeletedFinalStateUnknown ? pod.obj : pod;
      const owner = object && statefulSetOf(object);
      if (owner) this.queue.add(`${object.metadata.namespace}/${owner.name}`);
    };
    this.pods.addEventHandler({ onAdd: podChanged, onUpdate: (_old, pod) => podChanged(pod), onDelete: podChanged });
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

  /** One StatefulSet, read from the cache: its revisions, its pods made, replaced or removed, its status. */
  async sync(key: string): Promise<void> {
    const set = this.statefulSets.indexer.getByKey(key);
    if (!set) return;
    const namespace = set.metadata.namespace ?? '';
    const pods = this.pods.indexer.byIndex(NAMESPACE_INDEX, namespace).filter((pod) => statefulSetOf(pod)?.uid === set.metadata.uid);
    const revisions = this.revisions.indexer.byIndex(NAMESPACE_INDEX, namespace).filter((r) => statefulSetOf(r)?.uid === set.metadata.uid).sort((a, b) => a.revision - b.revision);
    const { current, update } = await this.revisionsOf(set, revisions);
    const status = await this.updateStatefulSet(set, current, update, pods);
    await this.writeStatus(set, status);
    await this.truncateHistory(set, pods, revisions, current, update);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.readyReplicas ?? 0) !== (status.availableReplicas ?? 0)) this.queue.addAfter(key, minReady * 1000);
  }

  /**
   * The current revision (what `status.currentRevision` names, or else the update one) and the
   * update revision: the one whose data is the template now — the newest if it is, an older one
   * renumbered past the rest when the template went back to it (a rollback), or a new one.
   */
  private async revisionsOf(set: StatefulSet, revisions: readonly ControllerRevision[]): Promise<{ current: ControllerRevision; update: ControllerRevision }> {
    const data = revisionData(set.spec!.template);
    const client = this.client.resource<ControllerRevision>('controllerrevisions', set.metadata.namespace);
    const next = Math.max(0, ...revisions.map((r) => r.revision)) + 1;
    const equal = revisions.filter((r) => canonicalJson(r.data) === canonicalJson(data));
    let update: ControllerRevision;
    const newest = revisions[revisions.length - 1];
    const lastEqual = equal[equal.length - 1];
    if (lastEqual && lastEqual === newest) update = lastEqual;
    else if (lastEqual) update = await client.update({ ...lastEqual, revision: next });
    else update = await this.createRevision(set, data, next);
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update };
  }

  /** A new ControllerRevision, named by the hash of its data (upstream's HashControllerRevision). */
  private async createRevision(set: StatefulSet, data: object, revision: number): Promise<ControllerRevision> {
    const hash = hashRevision(data, set.status?.collisionCount);
    const created: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${set.metadata.name}-${hash}`,
        namespace: set.metadata.namespace,
        labels: { ...set.spec!.template.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name!, uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      data,
      revision,
    };
    const client = this.client.resource<ControllerRevision>('controllerrevisions', set.metadata.namespace);
    try {
      return await client.create(created);
    } catch (error) {
      if (!isStatusError(error, 'AlreadyExists')) throw error;
      const existing = await client.get(created.metadata.name!);
      if (statefulSetOf(existing)?.uid === set.metadata.uid && canonicalJson(existing.data) === canonicalJson(data)) return existing;
      // Another object holds the name: count the collision, and the next sync hashes anew.
      const status = { replicas: 0, ...set.status, collisionCount: (set.status?.collisionCount ?? 0) + 1 };
      await this.client.resource<StatefulSet>('statefulsets', set.metadata.namespace).updateStatus({ ...set, status });
      throw new Error(`found a hash collision for StatefulSet "${set.metadata.name}": the revision ${created.metadata.name} holds another template; collisionCount is now ${status.collisionCount}`);
    }
  }

  /**
   * Upstream's updateStatefulSet: the ordinal pods made (or failed ones made again), then the
   * condemned ones above `replicas` removed from the highest, then one step of the rolling update.
   * OrderedReady stops at the first pod that is not yet healthy. Resolves with the new status.
   */
  private async updateStatefulSet(set: StatefulSet, current: ControllerRevision, update: ControllerRevision, pods: readonly Pod[]): Promise<StatefulSetStatus> {
    const start = set.spec?.ordinals?.start ?? 0;
    const replicaCount = set.spec?.replicas ?? 1;
    const replicas: (Pod | undefined)[] = new Array<Pod | undefined>(replicaCount).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(set, pod);
      if (ordinal === undefined) continue;
      if (ordinal >= start && ordinal < start + replicaCount) replicas[ordinal - start] = pod;
      else condemned.push(pod);
    }
    condemned.sort((a, b) => ordinalOf(set, b)! - ordinalOf(set, a)!);
    const status = (): StatefulSetStatus => statusOf(set, current, update, [...replicas, ...condemned], this.clock.now());
    if (set.metadata.deletionTimestamp) return status();
    const firstUnhealthy = [...replicas, ...[...condemned].reverse()].find((pod) => !pod || !isHealthy(pod));
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';

    for (let i = 0; i < replicas.length; i++) {
      const stop = await this.processReplica(set, current, update, replicas, i, start + i, monotonic);
      if (stop && monotonic) return status();
    }
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return status();
        continue;
      }
      // OrderedReady: the highest goes first, and only while every other pod is healthy (or it is the unhealthy one).
      if (monotonic && !isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0, this.clock.now()) && pod !== firstUnhealthy) return status();
      // whenScaled: Delete gives the pod's claims to the pod, for the garbage collector to delete them after it
      if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') await this.giveClaimsTo(set, pod);
      await this.deletePod(set, pod);
      if (monotonic) return status();
    }
    if (set.spec?.updateStrategy?.type === 'OnDelete') return status();
    // One pod at a time, from the highest ordinal down to the partition, each once the ones above are healthy.
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= partition; target--) {
      const pod = replicas[target]!;
      if (revisionOf(pod) !== update.metadata.name && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        return status();
      }
      if (!isHealthy(pod)) return status();
    }
    return status();
  }

  /**
   * One ordinal (upstream's processReplica): a failed or finished pod deleted and made again, a
   * missing one made; true when OrderedReady must wait here (just made, terminating, or not yet
   * Running, Ready and available).
   */
  private async processReplica(set: StatefulSet, current: ControllerRevision, update: ControllerRevision, replicas: (Pod | undefined)[], i: number, ordinal: number, monotonic: boolean): Promise<boolean> {
    let pod = replicas[i];
    if (pod && (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') && !isTerminating(pod)) {
      const failed = pod.status?.phase === 'Failed';
      this.recorder?.event(set, failed ? 'Warning' : 'Normal', failed ? 'RecreatingFailedPod' : 'RecreatingTerminatedPod', `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating ${failed ? 'failed' : 'terminated'} Pod ${pod.metadata.name}`);
      await this.deletePod(set, pod);
      pod = undefined;
    }
    if (!pod) {
      replicas[i] = await this.createPod(set, current, update, ordinal);
      return true;
    }
    if (isTerminating(pod)) return true;
    // A pending pod may be waiting for a claim deleted since: make the missing ones again.
    if (pod.status?.phase === 'Pending') await this.createClaims(set, pod, true);
    if (!isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0, this.clock.now())) return true;
    if (!identityMatches(set, pod, ordinal)) {
      const labels = { ...pod.metadata.labels, ...identityLabels(set, ordinal) };
      replicas[i] = await this.client.pods(set.metadata.namespace).update({ ...pod, metadata: { ...pod.metadata, labels } });
      this.recorder?.event(set, 'Normal', 'SuccessfulUpdate', `update Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    }
    return false;
  }

  /** Makes the pod of `ordinal`: from the current revision below the partition, else from the update one. */
  private async createPod(set: StatefulSet, current: ControllerRevision, update: ControllerRevision, ordinal: number): Promise<Pod> {
    const start = set.spec?.ordinals?.start ?? 0;
    const strategy = set.spec?.updateStrategy;
    const belowPartition = strategy?.type === 'RollingUpdate' && ordinal < start + (strategy.rollingUpdate?.partition ?? 0);
    const revision = belowPartition ? current : update;
    const pod = podFor(set, templateOf(revision), ordinal, revision.metadata.name!);
    await this.createClaims(set, pod, false);
    try {
      const created = await this.client.pods(set.metadata.namespace).create(pod);
      this.recorder?.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
      return created;
    } catch (error) {
      // AlreadyExists: the cache has not yet seen the pod (or its predecessor go); the retry will. No event, as upstream's.
      if (!isStatusError(error, 'AlreadyExists')) this.recorder?.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`);
      throw error;
    }
  }

  /**
   * The pod's claims, each made unless the cache has it (createPersistentVolumeClaims), with
   * upstream's events: `create Claim www-web-0 Pod web-0 in StatefulSet web success`. A claim being
   * deleted stops the pod from being made until it is gone. `quietly`: a pod already made, whose
   * missing claims are made again without a word about those still there.
   */
  private async createClaims(set: StatefulSet, pod: Pod, quietly: boolean): Promise<void> {
    const ordinal = ordinalOf(set, pod)!;
    for (const claim of claimsFor(set, ordinal)) {
      const existing = this.claims.indexer.getByKey(`${claim.metadata.namespace}/${claim.metadata.name}`);
      if (existing?.metadata.deletionTimestamp && !quietly) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
      if (existing) continue;
      try {
        await this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', set.metadata.namespace).create(claim);
        this.recorder?.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
      } catch (error) {
        if (isStatusError(error, 'AlreadyExists')) continue;
        this.recorder?.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`);
        throw error;
      }
    }
  }

  /** Adds the pod as an owner of each of its claims (the whenScaled: Delete policy). */
  private async giveClaimsTo(set: StatefulSet, pod: Pod): Promise<void> {
    const owner: OwnerReference = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid! };
    for (const { metadata } of claimsFor(set, ordinalOf(set, pod)!)) {
      const claim = this.claims.indexer.getByKey(`${metadata.namespace}/${metadata.name}`);
      if (!claim || (claim.metadata.ownerReferences ?? []).some((ref) => ref.uid === owner.uid)) continue;
      await this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', set.metadata.namespace).update({ ...claim, metadata: { ...claim.metadata, ownerReferences: [...(claim.metadata.ownerReferences ?? []), owner] } });
    }
  }

  /** Deletes one pod, with upstream's events; one gone already is fine. */
  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.pods(set.metadata.namespace).delete(pod.metadata.name!);
      this.recorder?.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return;
      this.recorder?.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`);
      throw error;
    }
  }

  /** Writes the status if it changed, the rollout completed first when every pod is updated and ready (upstream's completeRollingUpdate). */
  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    if (set.spec?.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    const tidy = tidyStatus(status);
    if (isDeepStrictEqual(tidy, set.status)) return;
    try {
      await this.client.resource<StatefulSet>('statefulsets', set.metadata.namespace).updateStatus({ ...set, status: tidy });
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
    }
  }

  /** Deletes the oldest revisions past revisionHistoryLimit that neither the status nor a pod uses. */
  private async truncateHistory(set: StatefulSet, pods: readonly Pod[], revisions: readonly ControllerRevision[], current: ControllerRevision, update: ControllerRevision): Promise<void> {
    const live = new Set([current.metadata.name, update.metadata.name, ...pods.map(revisionOf)]);
    const old = revisions.filter((r) => !live.has(r.metadata.name));
    const excess = old.length - (set.spec?.revisionHistoryLimit ?? 10);
    for (const revision of old.slice(0, Math.max(0, excess))) {
      try {
        await this.client.resource<ControllerRevision>('controllerrevisions', set.metadata.namespace).delete(revision.metadata.name!);
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
  }
}

/** An object's controller, when it is a StatefulSet: its name and uid. */
function statefulSetOf(object: KubeObject): { name: string; uid: string } | undefined {
  const ref = object.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'StatefulSet' && r.apiVersion.startsWith('apps/'));
  return ref && { name: ref.name, uid: ref.uid };
}

/** The ordinal in a pod's name `<set>-<ordinal>`; undefined for a name of another shape. */
function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const match = /^(.*)-([0-9]+)$/.exec(pod.metadata.name ?? '');
  return match && match[1] === set.metadata.name ? Number(match[2]) : undefined;
}

function revisionOf(pod: Pod): string | undefined {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

/** Running, Ready and not being deleted (upstream's isHealthy). */
function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

function identityLabels(set: StatefulSet, ordinal: number): Record<string, string> {
  return { [STATEFULSET_POD_NAME_LABEL]: `${set.metadata.name}-${ordinal}`, [POD_INDEX_LABEL]: String(ordinal) };
}

function identityMatches(set: StatefulSet, pod: Pod, ordinal: number): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(identityLabels(set, ordinal)).every(([key, value]) => labels[key] === value);
}

/**
 * The claims of one ordinal (getPersistentVolumeClaims): each template named `<template>-<set>-<ordinal>`,
 * in the set's namespace, labelled with the template's labels and the selector's matchLabels; owned
 * by the StatefulSet under `whenDeleted: Delete`.
 */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((template) => {
    const { status: _status, ...claim } = structuredClone(template);
    const owned = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
    return {
      ...claim,
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        ...claim.metadata,
        name: `${template.metadata.name}-${set.metadata.name}-${ordinal}`,
        namespace: set.metadata.namespace,
        labels: { ...claim.metadata.labels, ...set.spec?.selector.matchLabels },
        ...(owned && { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name!, uid: set.metadata.uid! }] }),
      },
    };
  });
}

/** The pod of one ordinal: its identity (name, hostname, subdomain, labels) and the revision it was made from. */
function podFor(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
  const name = `${set.metadata.name}-${ordinal}`;
  const serviceName = set.spec?.serviceName ?? '';
  const spec = { ...structuredClone(template.spec!), hostname: name, ...(serviceName && { subdomain: serviceName }) } as Pod['spec'] & { volumes?: { name: string }[] };
  // updateStorage: each claim template is the pod's volume of its name, before the template's other volumes
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const claims = claimsFor(set, ordinal).map((claim, i) => ({ name: templates[i]!.metadata.name!, persistentVolumeClaim: { claimName: claim.metadata.name! } }));
  if (claims.length > 0) spec!.volumes = [...claims, ...(spec!.volumes ?? []).filter((volume) => !claims.some((claim) => claim.name === volume.name))];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...template.metadata?.labels, ...identityLabels(set, ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revision },
      ...(template.metadata?.annotations && { annotations: { ...template.metadata.annotations } }),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name!, uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}

/**
 * The counts (upstream's updateStatus and computeReplicaStatus): pods made (a phase), Running and
 * Ready, available, and at the current and the update revision (not being deleted).
 */
function statusOf(set: StatefulSet, current: ControllerRevision, update: ControllerRevision, pods: readonly (Pod | undefined)[], now: number): StatefulSetStatus {
  const made = pods.filter((pod): pod is Pod => pod !== undefined && pod.status?.phase !== undefined);
  const live = made.filter((pod) => !isTerminating(pod));
  const ready = made.filter(isRunningAndReady);
  return {
    observedGeneration: set.metadata.generation,
    replicas: made.length,
    readyReplicas: ready.length,
    availableReplicas: ready.filter((pod) => isPodAvailable(pod, set.spec?.minReadySeconds ?? 0, now)).length,
    currentReplicas: live.filter((pod) => revisionOf(pod) === current.metadata.name).length,
    updatedReplicas: live.filter((pod) => revisionOf(pod) === update.metadata.name).length,
    currentRevision: current.metadata.name,
    updateRevision: update.metadata.name,
    collisionCount: set.status?.collisionCount ?? 0,
  };
}

/** A status as Go writes it: counts of 0 left out but `replicas` and `availableReplicas` (no omitempty) and `collisionCount` (always set). */
function tidyStatus(status: StatefulSetStatus): StatefulSetStatus {
  const tidy: StatefulSetStatus = { replicas: status.replicas, availableReplicas: status.availableReplicas ?? 0 };
  for (const field of ['observedGeneration', 'readyReplicas', 'currentReplicas', 'updatedReplicas'] as const) {
    if (status[field]) tidy[field] = status[field];
  }
  if (status.currentRevision) tidy.currentRevision = status.currentRevision;
  if (status.updateRevision) tidy.updateRevision = status.updateRevision;
  if (status.collisionCount !== undefined) tidy.collisionCount = status.collisionCount;
  return tidy;
}

/**
 * A revision's name suffix (upstream's HashControllerRevision): FNV-1 32 over the data's JSON,
 * then the collision count's digits, safe-encoded.
 */
function hashRevision(data: object, collisionCount: number | undefined): string {
  let hash = 0x811c9dc5;
  // Upstream always passes the count (0 when none), so its digits always follow the data.
  const bytes = Buffer.from(canonicalJson(data) + String(collisionCount ?? 0), 'utf8');
  for (const byte of bytes) hash = (Math.imul(hash, 0x01000193) ^ byte) >>> 0;
  return safeEncodeString(String(hash));
}
