/**
 * The taint eviction controller (kube-controller-manager's pkg/controller/tainteviction/
 * taint_eviction.go, once the node lifecycle controller's "taint manager"): a pod on a node with
 * a **NoExecute** taint it does not tolerate is deleted.
 *
 * | the pod's tolerations of the node's NoExecute taints | what happens |
 * | --- | --- |
 * | some taint is not tolerated | deleted at once |
 * | all tolerated, none with tolerationSeconds | stays for ever |
 * | all tolerated, the smallest tolerationSeconds of those used is S | deleted S seconds after the controller saw the taints |
 * | the taints go away first | the deletion is cancelled |
 *
 * Every pod gets `tolerationSeconds: 300` for the not-ready and unreachable taints from kata 11's
 * DefaultTolerationSeconds admission: a node that dies loses its pods five minutes after it is
 * tainted, not at once, in case it comes back.
 */
import { isNotImplemented, objectKey, splitObjectKey, toRFC3339, type Clock, type Node, type Pod, type Taint, type Timer, type Toleration } from '@kube/kit';
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { addPodNodeIndexer, POD_NODE_INDEX } from './node-lifecycle.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/**
 * Does `toleration` tolerate `taint`? (k8s.io/api/core/v1 `Toleration.ToleratesTaint`, kata 13's
 * rule, given here): the effect must match unless the toleration's is empty; the key must match
 * unless the toleration's is empty (then its operator must be Exists); Exists ignores the value,
 * Equal (the default) compares it.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const operator = toleration.operator ?? 'Equal';
  if (operator === 'Exists') return true;
  return operator === 'Equal' && (toleration.value ?? '') === (taint.value ?? '');
}

/** The NoExecute taints of a node's taints. */
export function noExecuteTaints(taints: readonly Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/**
 * Are all `taints` tolerated, and by which tolerations (upstream's `GetMatchingTolerations`)? For
 * each taint, the first toleration that tolerates it is used; a taint none tolerates makes
 * `allTolerated` false (and `used` empty). No taints: all tolerated, none used.
 *
 * @example
 * ```ts
 * matchingTolerations([unreachable], [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
 * // { allTolerated: true, used: [that toleration] }
 * ```
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): { allTolerated: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const toleration = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!toleration) return { allTolerated: false, used: [] };
    used.push(toleration);
  }
  return { allTolerated: true, used };
}

/**
 * How long the pod may stay, in seconds, given the tolerations used (upstream's
 * `getMinTolerationTime`): none used -> 0; the smallest `tolerationSeconds` among them (one <= 0
 * -> 0); none of them has tolerationSeconds -> -1, for ever.
 */
export function minTolerationSeconds(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Number.POSITIVE_INFINITY;
  for (const toleration of used) {
    if (toleration.tolerationSeconds === undefined || toleration.tolerationSeconds === null) continue;
    if (toleration.tolerationSeconds <= 0) return 0;
    min = Math.min(min, toleration.tolerationSeconds);
  }
  return min === Number.POSITIVE_INFINITY ? -1 : min;
}

/** How many times an eviction is tried when the pod changes under it (upstream's `retries`). */
export const EVICTION_RETRIES = 5;

/** A pod's planned eviction (upstream's `TimedWorker`). */
export interface ScheduledEviction {
  /** when it was planned: a later plan for the same pod counts its tolerationSeconds from here */
  createdAt: number;
  /** when the pod goes */
  firesAt: number;
  /** true once the pod was deleted (kept so that it is not planned twice until the pod is gone) */
  done: boolean;
}

/** What a taint eviction controller needs. */
export interface TaintEvictionControllerOptions {
  client: ApiClient;
  clock: Clock;
  /** where it gets its nodes and pods informers */
  factory: SharedInformerFactory;
  /** told of each failed eviction or sync */
  onError?: (error: unknown) => void;
}

/** The taint eviction controller of kata 20. */
export class TaintEvictionController {
  readonly nodes: SharedIndexInformer<Node>;
  readonly pods: SharedIndexInformer<Pod>;
  /** keys `node:<name>` (its taints changed) and `pod:<namespace>/<name>` (its node or tolerations changed) */
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly evictions = new Map<string, ScheduledEviction & { timer?: Timer }>();
  private workers: Promise<void>[] = [];

  constructor(options: TaintEvictionControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.nodes = options.factory.nodes();
    this.pods = options.factory.pods();
    addPodNodeIndexer(this.pods);
    const sameTaints = (a: Node, b: Node) => JSON.stringify(noExecuteTaints(a.spec?.taints)) === JSON.stringify(noExecuteTaints(b.spec?.taints));
    this.nodes.addEventHandler({
      onAdd: (node) => this.queue.add(`node:${node.metadata.name}`),
      onUpdate: (old, node) => {
        if (!sameTaints(old, node)) this.queue.add(`node:${node.metadata.name}`);
      },
      onDelete: (node) => this.queue.add(`node:${(node instanceof DeletedFinalStateUnknown ? node.obj : node).metadata.name}`),
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.queue.add(`pod:${objectKey(pod)}`),
      onUpdate: (old, pod) => {
        const same = old.spec?.nodeName === pod.spec?.nodeName && JSON.stringify(old.spec?.tolerations ?? []) === JSON.stringify(pod.spec?.tolerations ?? []);
        if (!same) this.queue.add(`pod:${objectKey(pod)}`);
      },
      onDelete: (pod) => this.queue.add(`pod:${objectKey(pod instanceof DeletedFinalStateUnknown ? pod.obj : pod)}`),
    });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: (_key, error) => this.onError?.(error) }));
  }

  /** Stops the workers and cancels every planned eviction. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    for (const key of [...this.evictions.keys()]) this.cancel(key);
    await Promise.all(this.workers);
  }

  /** One queued key: a node's taints or a pod's placement changed. */
  sync(key: string): Promise<void> {
    return key.startsWith('node:') ? this.handleNodeUpdate(key.slice('node:'.length)) : this.handlePodUpdate(key.slice('pod:'.length));
  }

  /** The eviction planned for the pod `namespace/name`, if any. */
  scheduledEviction(podKey: string): ScheduledEviction | undefined {
    const eviction = this.evictions.get(podKey);
    return eviction && { createdAt: eviction.createdAt, firesAt: eviction.firesAt, done: eviction.done };
  }

  /**
   * A node's NoExecute taints changed (upstream's `handleNodeUpdate`): with none left (or the
   * node gone), cancel the planned eviction of every pod on it; else
   * {@link processPodOnNode} for every pod on it (the pods informer's `spec.nodeName` index),
   * all with the same `now`.
   */
  async handleNodeUpdate(nodeName: string): Promise<void> {
    const node = this.nodes.indexer.getByKey(nodeName);
    const taints = noExecuteTaints(node?.spec?.taints);
    const pods = this.pods.indexer.byIndex(POD_NODE_INDEX, nodeName);
    if (taints.length === 0) {
      for (const pod of pods) this.cancel(objectKey(pod));
      return;
    }
    const now = this.clock.now();
    for (const pod of pods) this.processPodOnNode(objectKey(pod), pod.spec?.tolerations, taints, now);
  }

  /**
   * A pod was added, deleted, moved to a node or got other tolerations (upstream's
   * `handlePodUpdate`): gone -> cancel its eviction; on no node -> nothing; else
   * {@link processPodOnNode} with its node's NoExecute taints (from the nodes cache; none: nothing).
   */
  async handlePodUpdate(podKey: string): Promise<void> {
    const pod = this.pods.indexer.getByKey(podKey);
    if (!pod) return this.cancel(podKey);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const taints = noExecuteTaints(this.nodes.indexer.getByKey(nodeName)?.spec?.taints);
    if (taints.length === 0) return;
    this.processPodOnNode(podKey, pod.spec?.tolerations, taints, this.clock.now());
  }

  /**
   * Decides the fate of one pod on a tainted node (upstream's `processPodOnNode`):
   *
   * - no taints: cancel its eviction;
   * - some taint not tolerated ({@link matchingTolerations}): cancel, then evict at once
   *   (`schedule(podKey, now, now)`);
   * - {@link minTolerationSeconds} of the used tolerations < 0 (for ever): cancel;
   * - already planned: keep that plan as it is when it was made before `now`;
   * - else cancel and `schedule(podKey, now, now + seconds * 1000)`.
   */
  processPodOnNode(podKey: string, tolerations: readonly Toleration[] | undefined, taints: readonly Taint[], now: number): void {
    if (taints.length === 0) return this.cancel(podKey);
    const { allTolerated, used } = matchingTolerations(taints, tolerations);
    if (!allTolerated) {
      this.cancel(podKey);
      return this.schedule(podKey, now, now);
    }
    const seconds = minTolerationSeconds(used);
    if (seconds < 0) return this.cancel(podKey);
    const planned = this.evictions.get(podKey);
    // The first plan's start counts: a taint that changes does not restart the pod's time.
    if (planned && planned.createdAt < now) return;
    this.cancel(podKey);
    this.schedule(podKey, now, now + seconds * 1000);
  }

  /**
   * Plans the pod's eviction at `firesAt` on the clock (at once if it is not in the future); a
   * pod already planned (or evicted and not yet gone from the cache) is left as it is (upstream's
   * `TimedWorkerQueue.AddWork`).
   */
  schedule(podKey: string, createdAt: number, firesAt: number): void {
    if (this.evictions.has(podKey)) return;
    const eviction: ScheduledEviction & { timer?: Timer } = { createdAt, firesAt, done: false };
    this.evictions.set(podKey, eviction);
    const delay = firesAt - this.clock.now();
    if (delay <= 0) void this.evict(podKey, eviction);
    else eviction.timer = this.clock.setTimeout(() => void this.evict(podKey, eviction), delay);
  }

  /** Cancels the pod's planned eviction, if any (upstream's `CancelWork`). */
  cancel(podKey: string): void {
    const eviction = this.evictions.get(podKey);
    if (!eviction) return;
    if (eviction.timer) this.clock.clearTimeout(eviction.timer);
    this.evictions.delete(podKey);
  }

  /**
   * Evicts the pod (upstream's `addConditionAndDeletePod`): a `DisruptionTarget` condition
   * (reason `DeletionByTaintManager`) through the status subresource, then a delete; up to
   * {@link EVICTION_RETRIES} tries when another writer got in between. A pod already gone is
   * done; a failure forgets the plan, so that the pod's or its node's next change plans it again.
   */
  private async evict(podKey: string, eviction: ScheduledEviction & { timer?: Timer }): Promise<void> {
    const { namespace, name } = splitObjectKey(podKey);
    const pods = this.client.pods(namespace);
    for (let attempt = 1; ; attempt++) {
      if (this.evictions.get(podKey) !== eviction) return; // cancelled meanwhile
      try {
        const pod = await pods.get(name);
        const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
        conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: toRFC3339(this.clock.now()) });
        await pods.updateStatus({ ...pod, status: { ...pod.status, conditions } });
        await pods.delete(name, { preconditions: { uid: pod.metadata.uid! } });
        eviction.done = true;
        return;
      } catch (error) {
        if (isStatusError(error, 'NotFound')) {
          eviction.done = true;
          return;
        }
        if (isStatusError(error, 'Conflict') && attempt < EVICTION_RETRIES) continue;
        if (this.evictions.get(podKey) === eviction) this.evictions.delete(podKey);
        if (!isNotImplemented(error)) this.onError?.(error);
        return;
      }
    }
  }
}
