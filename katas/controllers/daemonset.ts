/**
 * The DaemonSet controller (kube-controller-manager's pkg/controller/daemon, v1.32): one pod of
 * each DaemonSet on every node that should run it, and a rolling update node by node when its
 * template changes. Given code: no kata builds it; the cluster's controller manager runs it beside
 * Part IV's.
 *
 * ```
 * DaemonSet agent (maxUnavailable 1), nodes node-1 and node-2
 *   sync   -> ControllerRevision agent-5d8f7c9b6 (revision 1)
 *             create agent-x7k2p (affinity: metadata.name In [node-1]), agent-9fj3q (... [node-2]),
 *             each labelled controller-revision-hash=5d8f7c9b6, pod-template-generation=1
 *   both Ready -> status desired 2, current 2, ready 2, up-to-date 2, available 2
 * kubectl set image ds/agent agent=kubekata/logger:2
 *   sync   -> ControllerRevision agent-6c7d9f8b5 (revision 2); node-1's old pod deleted (1 unavailable at most)
 *   gone   -> create agent-c4x8w on node-1 from revision 2; once it is Ready, node-2's turn
 * ```
 *
 * Which nodes: the template's nodeSelector and required node affinity must match the node, and
 * the pod must tolerate the node's NoSchedule and NoExecute taints once it has the tolerations
 * every daemon pod gets (not-ready and unreachable NoExecute, the pressure and unschedulable
 * NoSchedule taints: a cordoned node keeps its daemons). A node whose NoExecute taint it does not
 * tolerate loses its pod; one with only a new NoSchedule taint keeps it. The pod names its node by
 * required node affinity on `metadata.name`, and the scheduler binds it there.
 *
 * Where it simplifies: no adoption of orphan pods or revisions (the controller reference must be
 * there), and pods are created one after another, not in upstream's slow-start batches.
 *
 * @example
 * ```ts
 * const controller = new DaemonSetController({ client, clock, factory });
 * factory.start();
 * controller.run();
 * // kubectl apply -f agent-ds.yaml; kubectl rollout status ds/agent
 * ```
 */
import { isStatusError, templateGenerationOf, type ApiClient } from '@kube/apiserver';
import { isDeepStrictEqual } from 'node:util';
import type { Clock, ControllerRevision, DaemonSet, DaemonSetStatus, KubeObject, Node, Pod, PodSpec, PodTemplateSpec, Taint, Toleration } from '@kube/kit';
import { matchesNodeSelector, matchesNodeSelectorTerms } from '@kube/scheduler';
import { CONTROLLER_REVISION_HASH_LABEL, revisionData } from './controller-revisions.ts';
import { canonicalJson, computeHash, scaledValue } from './deployment-util.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { ControllerExpectations, isPodAvailable, isPodReady } from './replica-set.ts';
import { toleratesTaint } from './taint-eviction.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The label with the DaemonSet's template generation, on its pods. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** The first wait before a failed daemon pod is deleted again on the same node; it doubles, up to 15 minutes. */
export const FAILED_POD_BACKOFF_MS = 1_000;
const FAILED_POD_BACKOFF_MAX_MS = 15 * 60_000;

/**
 * The tolerations every daemon pod gets (upstream's AddOrUpdateDaemonPodTolerations), in its
 * order: a daemon keeps running on a node that is not ready, unreachable, under pressure or
 * cordoned. A daemon on the node's network gets {@link HOST_NETWORK_DAEMON_TOLERATION} after them.
 */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/**
 * The toleration a daemon pod with `hostNetwork` gets besides: it needs no pod network, so it
 * runs on a node whose network is not set up yet (a CNI plugin's own daemon is such a pod).
 */
export const HOST_NETWORK_DAEMON_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** What a {@link DaemonSetController} needs. */
export interface DaemonSetControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  recorder?: EventRecorder;
  onError?: (key: string, error: unknown) => void;
}

/** Keeps one pod of each DaemonSet on each node that should run it. */
export class DaemonSetController {
  readonly daemonSets: SharedIndexInformer<DaemonSet>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly nodes: SharedIndexInformer<Node>;
  readonly revisions: SharedIndexInformer<ControllerRevision>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  /**
   * The pods each DaemonSet has created, and those it has deleted, that the informer has not shown
   * yet (kata 18's expectations; two of them, since one sync may both create and delete, and
   * each expect call replaces what its record held).
   */
  private readonly creations: ControllerExpectations;
  private readonly deletions: ControllerExpectations;
  /** per DaemonSet and node, the back-off before a failed pod there is deleted again */
  private readonly failedPodBackoff = new Map<string, { delayMs: number; at: number }>();
  private workers: Promise<void>[] = [];

  constructor(options: DaemonSetControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.creations = new ControllerExpectations(options.clock);
    this.deletions = new ControllerExpectations(options.clock);
    this.daemonSets = options.factory.informerFor<DaemonSet>('daemonsets');
    this.revisions = options.factory.informerFor<ControllerRevision>('controllerrevisions');
    this.pods = options.factory.pods();
    this.nodes = options.factory.nodes();
    const keyOf = (object: KubeObject) => `${object.metadata.namespace}/${object.metadata.name}`;
    const enqueue = (ds: DaemonSet | DeletedFinalStateUnknown<DaemonSet>) => this.queue.add(ds instanceof DeletedFinalStateUnknown ? ds.key : keyOf(ds));
    this.daemonSets.addEventHandler({ onAdd: enqueue, onUpdate: (_old, ds) => enqueue(ds), onDelete: enqueue });
    const ownerKey = (object: KubeObject | undefined) => {
      const owner = object && daemonSetOf(object);
      return owner && `${object.metadata.namespace}/${owner.name}`;
    };
    this.pods.addEventHandler({
      onAdd: (pod) => {
        const key = ownerKey(pod);
        if (!key) return;
        this.creations.creationObserved(key);
        this.queue.add(key);
      },
      onUpdate: (old, pod) => {
        const key = ownerKey(pod);
        if (!key) return;
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.deletions.deletionObserved(key);
        this.queue.add(key);
      },
      onDelete: (pod) => {
        const object = pod instanceof DeletedFinalStateUnknown ? pod.obj : pod;
        const key = ownerKey(object);
        if (!key) return;
        if (!object?.metadata.deletionTimestamp) this.deletions.deletionObserved(key);
        this.queue.add(key);
      },
    });
    const revisionChanged = (revision: ControllerRevision | DeletedFinalStateUnknown<ControllerRevision>) => {
      const key = ownerKey(revision instanceof DeletedFinalStateUnknown ? revision.obj : revision);
      if (key) this.queue.add(key);
    };
    this.revisions.addEventHandler({ onAdd: revisionChanged, onUpdate: (_old, revision) => revisionChanged(revision), onDelete: revisionChanged });
    // A node's labels, taints or arrival change which DaemonSets belong on it (its heartbeats do not).
    const everyDaemonSet = () => {
      for (const ds of this.daemonSets.indexer.list()) enqueue(ds);
    };
    this.nodes.addEventHandler({
      onAdd: everyDaemonSet,
      onUpdate: (old, node) => {
        if (!isDeepStrictEqual(old.metadata.labels, node.metadata.labels) || !isDeepStrictEqual(old.spec?.taints, node.spec?.taints)) everyDaemonSet();
      },
      onDelete: everyDaemonSet,
    });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncDaemonSet(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /**
   * One DaemonSet, read from the cache: its revisions, the pods each node lacks or has too many
   * of, the rolling update's deletions, old revisions pruned, and its status written.
   */
  async syncDaemonSet(key: string): Promise<void> {
    const ds = this.daemonSets.indexer.getByKey(key);
    if (!ds) {
      this.creations.delete(key);
      this.deletions.delete(key);
      return;
    }
    // Being deleted: the garbage collector takes its pods; nothing more to make.
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.nodes.indexer.list();
    const { current, old } = await this.constructHistory(ds);
    const hash = current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    // Until the informer shows the pods made or deleted before, only the status: else it would make them twice.
    if (!this.satisfied(key)) return this.updateStatus(ds, nodes, hash, false);
    await this.manage(ds, nodes, hash);
    if (this.satisfied(key) && ds.spec?.updateStrategy?.type !== 'OnDelete') await this.rollingUpdate(ds, nodes, hash);
    await this.cleanupHistory(ds, old);
    await this.updateStatus(ds, nodes, hash, true);
  }

  /** Has the informer shown every pod the DaemonSet's last sync created and deleted? */
  private satisfied(key: string): boolean {
    return this.creations.satisfied(key) && this.deletions.satisfied(key);
  }

  /**
   * The DaemonSet's ControllerRevisions: the one whose data is its template now (made when there
   * is none, renumbered past the others when it is an old one come back, as after a rollback),
   * and the rest.
   */
  private async constructHistory(ds: DaemonSet): Promise<{ current: ControllerRevision; old: ControllerRevision[] }> {
    const histories = this.ownedRevisions(ds);
    const data = revisionData(ds.spec!.template);
    const matching = histories.filter((h) => canonicalJson(h.data) === canonicalJson(data));
    const old = histories.filter((h) => !matching.includes(h));
    const maxRevision = Math.max(0, ...histories.map((h) => h.revision));
    let current = [...matching].sort((a, b) => b.revision - a.revision)[0];
    if (!current) current = await this.snapshot(ds, data, maxRevision + 1);
    else if (current.revision < maxRevision) {
      current = await this.client.resource<ControllerRevision>('controllerrevisions', ds.metadata.namespace).update({ ...current, revision: maxRevision + 1 });
    }
    return { current, old: [...old, ...matching.filter((h) => h !== current)] };
  }

  /** The revisions in the cache whose controller is this DaemonSet. */
  private ownedRevisions(ds: DaemonSet): ControllerRevision[] {
    return this.revisions.indexer.byIndex(NAMESPACE_INDEX, ds.metadata.namespace ?? '').filter((r) => daemonSetOf(r)?.uid === ds.metadata.uid);
  }

  /**
   * Saves the template as a new ControllerRevision named by its hash. A revision of that name with
   * other data (a hash collision) bumps `status.collisionCount`, and the next sync hashes anew.
   */
  private async snapshot(ds: DaemonSet, data: object, revision: number): Promise<ControllerRevision> {
    const hash = computeHash(ds.spec!.template, ds.status?.collisionCount);
    const client = this.client.resource<ControllerRevision>('controllerrevisions', ds.metadata.namespace);
    const history: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${ds.metadata.name}-${hash}`,
        namespace: ds.metadata.namespace,
        labels: { ...ds.spec!.template.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
        ...(ds.metadata.annotations && { annotations: { ...ds.metadata.annotations } }),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      data,
      revision,
    };
    try {
      return await client.create(history);
    } catch (error) {
      if (!isStatusError(error, 'AlreadyExists')) throw error;
      const existing = await client.get(history.metadata.name!);
      if (daemonSetOf(existing)?.uid === ds.metadata.uid && canonicalJson(existing.data) === canonicalJson(data)) return existing;
      const status = { ...emptyStatus(), ...ds.status, collisionCount: (ds.status?.collisionCount ?? 0) + 1 };
      await this.client.resource<DaemonSet>('daemonsets', ds.metadata.namespace).updateStatus({ ...ds, status });
      throw new Error(`found a hash collision for DaemonSet "${ds.metadata.name}": the revision ${history.metadata.name} holds another template; collisionCount is now ${status.collisionCount}`);
    }
  }

  /**
   * Upstream's manage: a pod for each node that should run one and has none; the pods of nodes
   * that should not run one deleted; on the others, failed pods deleted (with back-off) and all but
   * the oldest running one, or with a surge the oldest new and old.
   */
  private async manage(ds: DaemonSet, nodes: readonly Node[], hash: string): Promise<void> {
    const byNode = this.podsByNode(ds, true);
    const needing: string[] = [];
    const deleting: Pod[] = [];
    for (const node of nodes) {
      const name = node.metadata.name!;
      const { create, remove } = this.podsShouldBeOnNode(ds, node, byNode.get(name) ?? [], hash);
      if (create) needing.push(name);
      deleting.push(...remove);
    }
    // Pods not yet scheduled to a node that no longer exists go too (upstream's getUnscheduledPodsWithoutNode).
    const known = new Set(nodes.map((n) => n.metadata.name));
    for (const [node, pods] of byNode) if (!known.has(node)) deleting.push(...pods.filter((p) => !p.spec?.nodeName && !p.metadata.deletionTimestamp));
    await this.syncNodes(ds, deleting, needing, hash);
  }

  /** What one node needs: a pod made, or some of its pods deleted. */
  private podsShouldBeOnNode(ds: DaemonSet, node: Node, pods: readonly Pod[], hash: string): { create: boolean; remove: Pod[] } {
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    if (shouldRun && pods.length === 0) return { create: true, remove: [] };
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    if (!shouldContinueRunning) return { create: false, remove: live };
    const remove: Pod[] = [];
    const running: Pod[] = [];
    for (const pod of live) {
      if (pod.status?.phase === 'Failed') {
        // The kubelet may keep refusing the pod: delete it again only after a back-off.
        const key = `${ds.metadata.uid}/${node.metadata.name}`;
        const now = this.clock.now();
        const backoff = this.failedPodBackoff.get(key);
        if (backoff && now - backoff.at < backoff.delayMs) {
          this.queue.addAfter(`${ds.metadata.namespace}/${ds.metadata.name}`, backoff.delayMs - (now - backoff.at));
          continue;
        }
        this.failedPodBackoff.set(key, { delayMs: backoff ? Math.min(backoff.delayMs * 2, FAILED_POD_BACKOFF_MAX_MS) : FAILED_POD_BACKOFF_MS, at: now });
        this.recorder?.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${node.metadata.name}, will try to kill it`);
        remove.push(pod);
      } else if (pod.status?.phase === 'Succeeded') remove.push(pod);
      else running.push(pod);
    }
    running.sort(byCreationTimestampAndPhase);
    if (maxSurgeOf(ds, 1) === 0) return { create: false, remove: [...remove, ...running.slice(1)] };
    // With a surge: keep the oldest new pod and the oldest old one; the old one goes once the new is available.
    const oldestNew = running.find((p) => isUpdated(p, ds, hash));
    const oldestOld = running.find((p) => !isUpdated(p, ds, hash));
    remove.push(...running.filter((p) => p !== oldestNew && p !== oldestOld));
    if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, this.clock.now()))) remove.push(oldestOld);
    return { create: false, remove };
  }

  /**
   * Upstream's rollingUpdate: with maxSurge 0, deletes old pods on at most maxUnavailable nodes
   * (less those already unavailable), the unavailable old ones first; with a surge, starts new pods
   * beside old ones on at most maxSurge nodes, and deletes an old pod once its new one is available.
   */
  private async rollingUpdate(ds: DaemonSet, nodes: readonly Node[], hash: string): Promise<void> {
    const byNode = this.podsByNode(ds, false);
    const wanted = nodes.filter((node) => nodeShouldRunDaemonPod(node, ds).shouldRun);
    for (const node of wanted) if (!byNode.has(node.metadata.name!)) byNode.set(node.metadata.name!, []);
    const desired = wanted.length;
    const maxSurge = maxSurgeOf(ds, desired);
    const maxUnavailable = maxSurge === 0 ? Math.max(1, scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired, true)) : 0;
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const available = (pod: Pod) => isPodAvailable(pod, minReady, now);
    // Node by node in name order, so that the same cluster always updates the same nodes first.
    const entries = [...byNode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (maxSurge === 0) {
      let unavailable = 0;
      const replacements: Pod[] = [];
      const candidates: Pod[] = [];
      for (const [, pods] of entries) {
        const found = findUpdatedPodsOnNode(ds, pods, hash);
        if (!found || (!found.oldPod && !found.newPod) || (found.oldPod && found.newPod)) unavailable++;
        else if (found.newPod) {
          if (!available(found.newPod)) unavailable++;
        } else if (!available(found.oldPod!)) replacements.push(found.oldPod!);
        else if (unavailable < maxUnavailable) candidates.push(found.oldPod!);
      }
      const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
      return this.syncNodes(ds, [...replacements, ...candidates.slice(0, room)], [], hash);
    }
    let surging = 0;
    const oldToDelete: Pod[] = [];
    const allowedNew: string[] = [];
    const candidateNew: string[] = [];
    const wantedNames = new Set(wanted.map((n) => n.metadata.name));
    for (const [nodeName, pods] of entries) {
      const found = findUpdatedPodsOnNode(ds, pods, hash);
      if (!found) {
        surging++;
        continue;
      }
      const { oldPod, newPod } = found;
      if (!oldPod) continue;
      if (!newPod) {
        if (!available(oldPod)) {
          if (wantedNames.has(nodeName)) allowedNew.push(nodeName);
          else oldToDelete.push(oldPod);
        } else if (surging < maxSurge) candidateNew.push(nodeName);
      } else if (!available(newPod)) surging++;
      else oldToDelete.push(oldPod);
    }
    const room = Math.min(Math.max(0, maxSurge - surging), candidateNew.length);
    return this.syncNodes(ds, oldToDelete, [...allowedNew, ...candidateNew.slice(0, room)], hash);
  }

  /** Deletes `deleting` and makes a pod for each node of `needing`, expecting each first. */
  private async syncNodes(ds: DaemonSet, deleting: readonly Pod[], needing: readonly string[], hash: string): Promise<void> {
    const key = `${ds.metadata.namespace}/${ds.metadata.name}`;
    const pods = this.client.pods(ds.metadata.namespace);
    this.creations.expectCreations(key, needing.length);
    this.deletions.expectDeletions(key, deleting.length);
    const template = podTemplateFor(ds, hash);
    for (let i = 0; i < needing.length; i++) {
      try {
        await pods.create(podFor(ds, template, needing[i]!));
      } catch (error) {
        // The ones not made will never be seen: stop expecting them.
        for (let j = i; j < needing.length; j++) this.creations.creationObserved(key);
        throw error;
      }
    }
    for (const pod of deleting) {
      try {
        await pods.delete(pod.metadata.name!);
      } catch (error) {
        this.deletions.deletionObserved(key);
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
  }

  /** Removes the oldest revisions past revisionHistoryLimit that no pod of the DaemonSet still runs. */
  private async cleanupHistory(ds: DaemonSet, old: readonly ControllerRevision[]): Promise<void> {
    const limit = ds.spec?.revisionHistoryLimit ?? 10;
    if (old.length <= limit) return;
    const live = new Set([...this.podsByNode(ds, true).values()].flat().map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]));
    const unused = old.filter((h) => !live.has(h.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL])).sort((a, b) => a.revision - b.revision);
    for (const history of unused.slice(0, old.length - limit)) {
      try {
        await this.client.resource<ControllerRevision>('controllerrevisions', ds.metadata.namespace).delete(history.metadata.name!);
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
  }

  /**
   * Counts the nodes (upstream's updateDaemonSetStatus): those that should run the pod, run one,
   * run a ready, available or updated one (the oldest of theirs), or run one they should not.
   * `observed`: the generation this sync acted on becomes observedGeneration.
   */
  private async updateStatus(ds: DaemonSet, nodes: readonly Node[], hash: string, observed: boolean): Promise<void> {
    const byNode = this.podsByNode(ds, false);
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const counts = { desired: 0, current: 0, misscheduled: 0, ready: 0, available: 0, updated: 0 };
    for (const node of nodes) {
      const pods = [...(byNode.get(node.metadata.name!) ?? [])].sort(byCreationTimestampAndPhase);
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
        if (pods.length > 0) counts.misscheduled++;
        continue;
      }
      counts.desired++;
      const pod = pods[0];
      if (!pod) continue;
      counts.current++;
      if (isPodReady(pod)) {
        counts.ready++;
        if (isPodAvailable(pod, minReady, now)) counts.available++;
      }
      if (isUpdated(pod, ds, hash)) counts.updated++;
    }
    const status: DaemonSetStatus = {
      ...ds.status,
      desiredNumberScheduled: counts.desired,
      currentNumberScheduled: counts.current,
      numberMisscheduled: counts.misscheduled,
      numberReady: counts.ready,
      ...(observed && { observedGeneration: ds.metadata.generation }),
    };
    // Upstream leaves these out when 0 (omitempty).
    for (const [field, value] of [['updatedNumberScheduled', counts.updated], ['numberAvailable', counts.available], ['numberUnavailable', counts.desired - counts.available]] as const) {
      if (value > 0) status[field] = value;
      else delete status[field];
    }
    if (!isDeepStrictEqual(status, ds.status)) {
      try {
        await this.client.resource<DaemonSet>('daemonsets', ds.metadata.namespace).updateStatus({ ...ds, status });
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
    // A pod ready but not yet available for minReadySeconds: look again when it will be.
    if (minReady > 0 && counts.available < counts.ready) this.queue.addAfter(`${ds.metadata.namespace}/${ds.metadata.name}`, minReady * 1000);
  }

  /**
   * The DaemonSet's pods by the node each is on or is meant for. `withTerminal`: also pods that
   * finished and are being deleted (manage sees them; the status and the rolling update do not).
   */
  private podsByNode(ds: DaemonSet, withTerminal: boolean): Map<string, Pod[]> {
    const byNode = new Map<string, Pod[]>();
    for (const pod of this.pods.indexer.byIndex(NAMESPACE_INDEX, ds.metadata.namespace ?? '')) {
      if (daemonSetOf(pod)?.uid !== ds.metadata.uid) continue;
      const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      if (!withTerminal && terminal && pod.metadata.deletionTimestamp) continue;
      const node = targetNodeOf(pod);
      if (node === undefined) continue;
      byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    return byNode;
  }
}

/** An object's controller, when it is a DaemonSet: its name and uid. */
function daemonSetOf(object: KubeObject): { name: string; uid: string } | undefined {
  const ref = object.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'DaemonSet' && r.apiVersion.startsWith('apps/'));
  return ref && { name: ref.name, uid: ref.uid };
}

/** The node a pod is on, or (not scheduled yet) the one its `metadata.name` affinity names (upstream's GetTargetNodeName). */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    const field = term.matchFields?.find((f) => f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1);
    if (field) return field.values![0];
  }
  return undefined;
}

/**
 * Should the DaemonSet run a pod on the node (upstream's NodeShouldRunDaemonPod)? `shouldRun`:
 * the node matches the template's nodeSelector and required affinity, and the pod, with the
 * daemon tolerations, tolerates its NoSchedule and NoExecute taints. `shouldContinueRunning`: the
 * same, with only its NoExecute taints: a new NoSchedule taint keeps no new pod off but evicts none.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec;
  if (!spec || (spec.nodeName && spec.nodeName !== node.metadata.name)) return { shouldRun: false, shouldContinueRunning: false };
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!matchesNodeSelector(spec.nodeSelector, node) || (terms !== undefined && !matchesNodeSelectorTerms(terms, node))) {
    return { shouldRun: false, shouldContinueRunning: false };
  }
  const tolerations = daemonTolerations(spec);
  const tolerated = (taint: Taint) => tolerations.some((t) => toleratesTaint(t, taint));
  const taints = node.spec?.taints ?? [];
  return {
    shouldRun: taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute').every(tolerated),
    shouldContinueRunning: taints.filter((t) => t.effect === 'NoExecute').every(tolerated),
  };
}

/**
 * The template's tolerations with the daemon ones added (upstream's AddOrUpdateTolerationInPodSpec,
 * the host network's too when the pod is on it):
 * one the template has with the same key, operator, value and effect is replaced where it stands
 * (a `tolerationSeconds` of its own is dropped), the others are appended.
 */
function daemonTolerations(spec: PodSpec): Toleration[] {
  const tolerations = (spec.tolerations ?? []).map((t) => ({ ...t }));
  for (const daemon of [...DAEMON_POD_TOLERATIONS, ...(spec.hostNetwork ? [HOST_NETWORK_DAEMON_TOLERATION] : [])]) {
    const same = tolerations.findIndex((t) => t.key === daemon.key && t.operator === daemon.operator && (t.value ?? '') === '' && t.effect === daemon.effect);
    if (same >= 0) tolerations[same] = { ...daemon };
    else tolerations.push({ ...daemon });
  }
  return tolerations;
}

/** The template the DaemonSet's pods are made from: the daemon tolerations, the generation and hash labels (upstream's CreatePodTemplate). */
function podTemplateFor(ds: DaemonSet, hash: string): PodTemplateSpec {
  const template = structuredClone(ds.spec!.template);
  template.spec = { ...template.spec!, tolerations: daemonTolerations(template.spec!) };
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [POD_TEMPLATE_GENERATION_LABEL]: String(templateGenerationOf(ds)), [CONTROLLER_REVISION_HASH_LABEL]: hash },
  };
  return template;
}

/**
 * A pod for one node: the template, its required node affinity replaced by the node's name
 * (upstream's ReplaceDaemonSetPodNodeNameNodeAffinity), the DaemonSet as its controller.
 */
function podFor(ds: DaemonSet, template: PodTemplateSpec, nodeName: string): Pod {
  const spec = structuredClone(template.spec!);
  const onThisNode = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: [nodeName] }] }] };
  spec.affinity = { ...spec.affinity, nodeAffinity: { ...spec.affinity?.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: onThisNode } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...template.metadata?.labels },
      ...(template.metadata?.annotations && { annotations: { ...template.metadata.annotations } }),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}

/** Is the pod made from the current template: its hash label, or its template generation label (upstream's IsPodUpdated)? */
function isUpdated(pod: Pod, ds: DaemonSet, hash: string): boolean {
  const labels = pod.metadata.labels ?? {};
  return (hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash) || labels[POD_TEMPLATE_GENERATION_LABEL] === String(templateGenerationOf(ds));
}

/**
 * A node's one new and one old pod, not counting pods being deleted (upstream's
 * findUpdatedPodsOnNode); undefined when it has two of either kind (the manage loop will mend it).
 */
function findUpdatedPodsOnNode(ds: DaemonSet, pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod } | undefined {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isUpdated(pod, ds, hash)) {
      if (newPod) return undefined;
      newPod = pod;
    } else {
      if (oldPod) return undefined;
      oldPod = pod;
    }
  }
  return { ...(newPod && { newPod }), ...(oldPod && { oldPod }) };
}

/** maxSurge as a number of nodes (a percentage of `desired`, rounded up); 0 for OnDelete. */
function maxSurgeOf(ds: DaemonSet, desired: number): number {
  const strategy = ds.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') return 0;
  return scaledValue(strategy?.rollingUpdate?.maxSurge, desired, true);
}

/** Scheduled pods first, then the oldest, then by name (upstream's podByCreationTimestampAndPhase). */
function byCreationTimestampAndPhase(a: Pod, b: Pod): number {
  const unscheduled = (pod: Pod) => (pod.spec?.nodeName ? 0 : 1);
  if (unscheduled(a) !== unscheduled(b)) return unscheduled(a) - unscheduled(b);
  const at = a.metadata.creationTimestamp ?? '';
  const bt = b.metadata.creationTimestamp ?? '';
  if (at !== bt) return at < bt ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

/** A status with every count 0. */
function emptyStatus(): DaemonSetStatus {
  return { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
}
