/**
 * The scheduler's view of the cluster (kube-scheduler's pkg/scheduler/internal/cache): the nodes,
 * the pods bound to them, and the pods this scheduler has **assumed** on a node but not yet seen
 * confirmed. Given code: kata 16 decides when to assume, forget and confirm.
 *
 * It hands out one {@link Snapshot} and keeps it up to date when it can: an assumed pod is added
 * to it in place, and the confirmation of an assumed pod changes nothing. Anything else (a node
 * added or changed, a pod deleted, a pod bound by someone else, a forgotten assumption) makes the
 * next {@link SchedulerCache.snapshot} a fresh one. Upstream does the same with generation numbers
 * (`UpdateSnapshot`): building 5,000 NodeInfos for every pod would cost more than scheduling it.
 *
 * @example
 * ```ts
 * const cache = new SchedulerCache();
 * cache.setNode(node1);
 * cache.assume(pod, 'node-1');      // the next snapshot counts pod on node-1
 * cache.addBound(boundPod);         // the apiserver's event: the assumption is confirmed
 * cache.forget('default/web');      // or: binding failed, node-1 is free again
 * ```
 */
import type { Node, Pod } from '@kube/kit';
import { Snapshot } from './node-info.ts';
import { podKey } from './scheduling-queue.ts';

export class SchedulerCache {
  private readonly nodes = new Map<string, Node>();
  private readonly bound = new Map<string, Pod>();
  private readonly assumed = new Map<string, Pod>();
  private current: Snapshot | undefined;

  /** How many nodes the cluster has. */
  get nodeCount(): number {
    return this.nodes.size;
  }

  /** A node was added or changed. Returns the node it had under that name before, if any. */
  setNode(node: Node): Node | undefined {
    const name = node.metadata.name ?? '';
    const before = this.nodes.get(name);
    this.nodes.set(name, node);
    this.current = undefined;
    return before;
  }

  /** A node was deleted. */
  removeNode(name: string): void {
    if (this.nodes.delete(name)) this.current = undefined;
  }

  /**
   * A pod is bound to a node, as the apiserver says: the confirmation of an assumed pod, or a pod
   * placed by someone else.
   */
  addBound(pod: Pod): void {
    const key = podKey(pod);
    const assumed = this.assumed.get(key);
    const known = assumed ?? this.bound.get(key);
    this.assumed.delete(key);
    this.bound.set(key, pod);
    // Confirmed where it was assumed, or an update of a pod already counted there: the snapshot stands.
    if (known?.spec?.nodeName !== pod.spec?.nodeName) this.current = undefined;
  }

  /** A pod was deleted: it leaves its node. True if it was on one (bound or assumed). */
  removePod(key: string): boolean {
    const removed = this.bound.delete(key) || this.assumed.delete(key);
    if (removed) this.current = undefined;
    return removed;
  }

  /** Counts `pod` on `nodeName` from now on, until {@link addBound} confirms it or {@link forget}. */
  assume(pod: Pod, nodeName: string): void {
    const placed: Pod = { ...pod, spec: { containers: [], ...pod.spec, nodeName } };
    this.assumed.set(podKey(pod), placed);
    this.current?.assume(pod, nodeName);
  }

  /** The binding of an assumed pod failed: its node no longer counts it. */
  forget(key: string): void {
    if (this.assumed.delete(key)) this.current = undefined;
  }

  /** True while `key` is assumed and not yet confirmed. */
  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** The nodes with their bound and assumed pods, for the next scheduling cycle. */
  snapshot(): Snapshot {
    this.current ??= new Snapshot([...this.nodes.values()], [...this.bound.values(), ...this.assumed.values()]);
    return this.current;
  }
}
