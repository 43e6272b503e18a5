/**
 * The pod garbage collector (kube-controller-manager's pkg/controller/podgc, gc_controller.go):
 * every 20 s it force-deletes the pods that no kubelet will ever delete. A pod bound to a node is
 * deleted gracefully (kata 08): it stays `Terminating` until its kubelet has stopped it. When the
 * node is gone, or known to be down for good, nothing else would end it.
 *
 * | the pod | what PodGC does |
 * |---|---|
 * | Succeeded or Failed, when more finished pods than the threshold (12,500 by default) are kept | the oldest deleted with 0 (evicted ones first), down to the threshold |
 * | bound to a node the API no longer has, still missing 40 s after PodGC first saw it missing | Failed, with the condition DisruptionTarget (reason `DeletionByPodGC`, "PodGC: node no longer exists"), then deleted with a grace period of 0 |
 * | being deleted, on a node that is not Ready and has the taint `node.kubernetes.io/out-of-service` | Failed, then deleted with 0 |
 * | being deleted and never bound to a node | Failed, then deleted with 0 |
 *
 * ```
 * node-2's kubelet stops          ->  Unknown, tainted, pods evicted: Terminating (nobody stops them)
 * kubectl delete node node-2      ->  40 s later PodGC asks the API: NotFound
 *                                 ->  its pods Failed (DeletionByPodGC), then deleted with 0
 * ```
 *
 * Simplified: a pod's status is written with an update of a fresh read rather than a forced
 * server-side apply, and the pods are deleted one after another rather than all at once.
 *
 * Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's.
 *
 * @example
 * ```ts
 * const gc = new PodGCController({ client, clock, factory });
 * factory.start();
 * gc.run();          // a pass every 20 s
 * await gc.gc();     // or one pass now
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import { toRFC3339, type Clock, type Node, type Pod, type PodCondition, type Timer } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import type { SharedIndexInformer } from './informer.ts';

/** How often PodGC looks at every pod (upstream's gcCheckPeriod). */
export const POD_GC_CHECK_PERIOD_MS = 20_000;

/** How long a node must stay missing before PodGC asks the API whether it is gone (upstream's quarantineTime). */
export const POD_GC_QUARANTINE_MS = 40_000;

/** How many finished pods are kept before the oldest are deleted (kube-controller-manager's `--terminated-pod-gc-threshold`). */
export const TERMINATED_POD_GC_THRESHOLD = 12_500;

/** The taint an administrator puts on a node that is down for good (`kubectl taint nodes n node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`). */
export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

/** What a {@link PodGCController} needs. */
export interface PodGCControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  /** finished pods kept before the oldest go ({@link TERMINATED_POD_GC_THRESHOLD} if not given; 0 keeps them all, as upstream) */
  terminatedPodThreshold?: number;
  /** a pass or a pod's deletion that failed (the next pass tries again) */
  onError?: (key: string, error: unknown) => void;
}

/** Force-deletes the oldest finished pods past a threshold, the pods of nodes that are gone or out of service, and terminating pods never bound. */
export class PodGCController {
  readonly pods: SharedIndexInformer<Pod>;
  readonly nodes: SharedIndexInformer<Node>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private readonly terminatedPodThreshold: number;
  /** each node name seen missing, and when it may be checked with the API (the first sighting + the quarantine) */
  private readonly quarantined = new Map<string, number>();
  private timer: Timer | undefined;
  private pass: Promise<void> | undefined;

  constructor(options: PodGCControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.onError = options.onError;
    this.terminatedPodThreshold = options.terminatedPodThreshold ?? TERMINATED_POD_GC_THRESHOLD;
    this.pods = options.factory.pods();
    this.nodes = options.factory.nodes();
  }

  /** A pass every {@link POD_GC_CHECK_PERIOD_MS} (the factory must be started too); `workers` is ignored: one loop, as upstream. */
  run(): void {
    this.timer ??= this.clock.setInterval(() => {
      // A slow pass is not run twice at once: the next tick finds it still going and skips.
      this.pass ??= this.gc()
        .catch((error: unknown) => this.onError?.('podgc', error))
        .finally(() => (this.pass = undefined));
    }, POD_GC_CHECK_PERIOD_MS);
  }

  /** Stops the passes (after the current one). */
  async stop(): Promise<void> {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** One pass, from the informers' caches, in upstream's order. */
  async gc(): Promise<void> {
    const pods = this.pods.indexer.list();
    const nodes = new Map(this.nodes.indexer.list().map((node) => [node.metadata.name!, node]));
    if (this.terminatedPodThreshold > 0) await this.gcTerminated(pods);
    await this.gcTerminating(pods, nodes);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  /**
   * Finished pods (Succeeded or Failed) past the threshold: evicted ones first, then the oldest,
   * then by name (upstream's byEvictionAndCreationTimestamp).
   *
   * @example threshold 2, finished pods a (created 10:00), b (10:01, Failed with reason Evicted)
   * and c (10:02) → b is deleted: one over the threshold, and an evicted pod goes before an older one.
   */
  private async gcTerminated(pods: readonly Pod[]): Promise<void> {
    const finished = pods.filter((pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed');
    const over = finished.length - this.terminatedPodThreshold;
    if (over <= 0) return;
    const evicted = (pod: Pod): number => (pod.status?.phase === 'Failed' && pod.status.reason === 'Evicted' ? 0 : 1);
    const created = (pod: Pod): number => Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
    const byName = (a: Pod, b: Pod): number => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0); // bytes, as Go's <
    finished.sort((a, b) => evicted(a) - evicted(b) || created(a) - created(b) || byName(a, b));
    for (const pod of finished.slice(0, over)) await this.failAndDelete(pod);
  }

  /** Terminating pods on a node that is not Ready and out of service: its kubelet is not coming back. */
  private async gcTerminating(pods: readonly Pod[], nodes: ReadonlyMap<string, Node>): Promise<void> {
    for (const pod of pods) {
      if (!pod.metadata.deletionTimestamp) continue;
      const node = nodes.get(pod.spec?.nodeName ?? '');
      if (!node || isReady(node) || !(node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT)) continue;
      await this.failAndDelete(pod);
    }
  }

  /**
   * Pods bound to a node the cache does not have: the node is quarantined at its first sighting,
   * and once the quarantine is over, asked of the API (the cache may lag behind). NotFound: each
   * of its pods is failed with a DisruptionTarget condition and deleted. A node back meanwhile
   * leaves quarantine.
   */
  private async gcOrphaned(pods: readonly Pod[], nodes: ReadonlyMap<string, Node>): Promise<void> {
    const now = this.clock.now();
    for (const pod of pods) {
      const name = pod.spec?.nodeName;
      if (name && !nodes.has(name) && !this.quarantined.has(name)) this.quarantined.set(name, now + POD_GC_QUARANTINE_MS);
    }
    const deleted = new Set<string>();
    for (const [name, until] of this.quarantined) {
      if (until > now) continue;
      this.quarantined.delete(name);
      if (!nodes.has(name) && !(await this.nodeExists(name))) deleted.add(name);
    }
    for (const pod of pods) {
      if (!deleted.has(pod.spec?.nodeName ?? '')) continue;
      await this.failAndDelete(pod, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: toRFC3339(now) });
    }
  }

  /** Terminating pods never bound to a node: no kubelet will ever end them. */
  private async gcUnscheduledTerminating(pods: readonly Pod[]): Promise<void> {
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp && !pod.spec?.nodeName) await this.failAndDelete(pod);
    }
  }

  /** The API's answer; an error other than NotFound counts as "exists" (checked again at a later sighting). */
  private async nodeExists(name: string): Promise<boolean> {
    try {
      await this.client.nodes().get(name);
      return true;
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return false;
      this.onError?.(`node ${name}`, error);
      return true;
    }
  }

  /**
   * Upstream's markFailedAndDeletePodWithCondition: a pod not yet Succeeded or Failed is first
   * made Failed (with `condition`), so that whoever watches it — a Job, `kubectl get pods` — sees
   * it end, not vanish Running; then it is deleted with a grace period of 0. A pod gone meanwhile
   * is done; any other failure goes to `onError`, and the next pass tries again.
   */
  private async failAndDelete(pod: Pod, condition?: PodCondition): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const pods = this.client.pods(pod.metadata.namespace);
    try {
      const phase = pod.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        const fresh = await pods.get(pod.metadata.name!);
        if (fresh.metadata.uid !== pod.metadata.uid) return; // another pod of that name now
        const conditions = (fresh.status?.conditions ?? []).filter((c) => c.type !== condition?.type);
        await pods.updateStatus({ ...fresh, status: { ...fresh.status, phase: 'Failed', conditions: condition ? [...conditions, condition] : conditions } });
      }
      // Only that pod (upstream names no uid): a StatefulSet may have made another of the same name.
      await pods.delete(pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid! } });
    } catch (error) {
      if (isStatusError(error, 'NotFound') || isStatusError(error, 'Conflict')) return;
      this.onError?.(key, error);
    }
  }
}

/** A node whose Ready condition is True. */
function isReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
