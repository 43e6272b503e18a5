/**
 * The scheduler itself: a loop that takes pending pods from the {@link SchedulingQueue}, runs a
 * scheduling cycle on a snapshot of the cluster, **assumes** the pod on the chosen node, and binds
 * it through the apiserver (kube-scheduler's pkg/scheduler/schedule_one.go, `scheduleOne`, and
 * its cache, pkg/scheduler/internal/cache).
 *
 * The scheduler learns of the cluster through events, as from informers (Part IV builds them):
 * `onPod` and `onNode` with ADDED / MODIFIED / DELETED. A pod without a node goes to the queue (if
 * it is this scheduler's and not gated); a pod with a node goes to the cache. {@link Scheduler.sync}
 * feeds them from a list, for a start.
 *
 * Why "assume": binding is a call to the apiserver, and its confirmation comes back later as a
 * MODIFIED event. If the next cycle ran on the cluster as the events say, it would not see the pod
 * just placed, and could put a second pod into the same last slot. So the cache counts a pod on its
 * node from the moment it is chosen (assumed), until the event confirms it or the binding fails
 * (then it is forgotten and the pod goes back to the queue).
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler({ client, clock, random });
 * await scheduler.sync();                   // list nodes and pods: pending pods queue up
 * await scheduler.scheduleNext();           // { pod, nodeName: 'node-2' }: bound
 * await scheduler.runUntilIdle();           // every pod that can be tried now, tried
 * ```
 */
import { isNotImplemented, toRFC3339, type Clock, type Node, type Pod, type PodCondition, type Random } from '@kube/kit';
import type { ApiClient } from '@kube/apiserver';
import { SchedulerCache } from './cache.ts';
import { CycleState } from './cycle-state.ts';
import { CycleExplainer } from './explain.ts';
import { nodeSchedulingPropertiesChanged } from './node-changes.ts';
import type { ExplanationRecorder } from './explanation.ts';
import { FitError, NO_NODES_AVAILABLE } from './fit-error.ts';
import { postFilterMessage } from './preemption.ts';
import type { Framework } from './framework.ts';
import { defaultFramework, DEFAULT_SCORE_WEIGHTS } from './profile.ts';
import { isPreBindPlugin, VolumeBinding, type PreBindPlugin, type VolumeListers } from './plugins/volume-binding.ts';
import { BalancedAllocation, LeastAllocated } from './plugins/resource-scores.ts';
import { findFeasibleNodes } from './schedule.ts';
import { podKey, SchedulingQueue, type QueuedPod } from './scheduling-queue.ts';
import { selectHost } from './select-host.ts';

/** The scheduler a pod names when it leaves `spec.schedulerName` out (the apiserver writes it in). */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/**
 * Whether a pod with no node is this scheduler's to place now (upstream: eventhandlers.go
 * `responsibleForPod`, and the SchedulingGates plugin's PreEnqueue): it names
 * {@link DEFAULT_SCHEDULER_NAME}, and no scheduling gate is left on it. A pod for a scheduler of
 * your own stays Pending for that one to bind; a gated pod waits until the update that takes its
 * last gate off.
 *
 * @example
 * ```ts
 * const containers = [{ name: 'app', image: 'kubekata/echo' }];
 * readyForThisScheduler({ metadata: { name: 'web' }, spec: { containers } });                                  // true
 * readyForThisScheduler({ metadata: { name: 'web' }, spec: { containers, schedulerName: 'my-scheduler' } });   // false
 * readyForThisScheduler({ metadata: { name: 'web' }, spec: { containers, schedulingGates: [{ name: 'quota' }] } }); // false
 * ```
 */
export function readyForThisScheduler(pod: Pod): boolean {
  return (pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) === DEFAULT_SCHEDULER_NAME && (pod.spec?.schedulingGates ?? []).length === 0;
}

/** The weight of NodeResourcesBalancedAllocation in the default profile. */
export const BALANCED_ALLOCATION_WEIGHT = 1;

/**
 * The default profile with every score of the default scheduler: katas 13–15's scores plus
 * LeastAllocated (as NodeResourcesFit, weight 1) and BalancedAllocation (weight 1).
 */
export function schedulerFramework(volumeBinding?: VolumeBinding): Framework {
  return defaultFramework(
    [
      { plugin: new LeastAllocated(), weight: DEFAULT_SCORE_WEIGHTS.NodeResourcesFit! },
      { plugin: new BalancedAllocation(), weight: BALANCED_ALLOCATION_WEIGHT },
    ],
    volumeBinding,
  );
}

/** What a scheduler needs. */
export interface SchedulerOptions {
  client: ApiClient;
  clock: Clock;
  /** breaks ties between equally good nodes */
  random: Random;
  /** the plugins (default: {@link schedulerFramework}) */
  framework?: Framework;
  /**
   * Where to record why each pod went where (an {@link ExplanationLog}, for instance): one
   * {@link SchedulingExplanation} per cycle, plugin by plugin (explain.ts). Off when absent.
   */
  explain?: ExplanationRecorder;
  /**
   * Where to report each pod's placement as an event (the cluster's SeriesEventRecorder, beside kata 17's recorder):
   * Normal `Scheduled` "Successfully assigned default/web to node-1" after a binding, Warning
   * `FailedScheduling` with the reason after a failed cycle, as `kubectl describe pod` shows them
   * (upstream: schedule_one.go, from `default-scheduler`). Off when absent.
   */
  events?: SchedulerEvents;
  /**
   * The claims, volumes and classes the cluster's scheduler reads (given, beyond the katas): with
   * them the default profile has the VolumeBinding plugin, which places a pod where its volumes are
   * and binds its WaitForFirstConsumer claims. Absent: pods' claims are not looked at.
   */
  volumes?: VolumeListers;
}

/** Told of what the scheduler did to a pod (client-go's `EventRecorder`, which kata 17 gives). */
export interface SchedulerEvents {
  event(object: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** What one scheduling cycle did. */
export interface CycleResult {
  pod: Pod;
  /** the node it was bound to */
  nodeName?: string;
  /** why it was not: the fit error's message, a plugin's error, or the binding's */
  error?: string;
}

/** The kind of a watch event, as the apiserver sends it. */
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Pending pods in, bindings out. */
export class Scheduler {
  readonly queue: SchedulingQueue;
  /** the nodes, the bound pods and the assumed ones: what each cycle's snapshot is made of */
  readonly cache = new SchedulerCache();
  private readonly framework: Framework;
  /** records each cycle when `options.explain` is set */
  private readonly explainer: CycleExplainer | undefined;
  /** the plugins with a PreBind step (VolumeBinding), run before each binding */
  private readonly preBinders: readonly PreBindPlugin[];
  /**
   * Storage changes seen, and how many there were when the cycle under way began: a claim bound
   * while its pod's cycle runs must not leave the pod waiting for another event (upstream's
   * moveRequestCycle: such a pod goes to the back-off queue, not the unschedulable one).
   */
  private storageChanges = 0;
  private storageChangesAtCycleStart = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.queue = new SchedulingQueue(options.clock);
    const volumeBinding = options.volumes && new VolumeBinding(options.volumes, options.client);
    const framework = options.framework ?? schedulerFramework(volumeBinding);
    // PreBind: the plugins (of the framework given, not their recording twins) that write before the binding
    this.preBinders = [...new Set([...framework.preFilterPlugins, ...framework.filterPlugins])].filter((plugin): plugin is typeof plugin & PreBindPlugin => isPreBindPlugin(plugin));
    // With `explain`, cycles run on recording twins of the plugins: the same answers, written down.
    this.explainer = options.explain ? new CycleExplainer(options.explain, framework, options.clock) : undefined;
    this.framework = this.explainer?.framework ?? framework;
  }

  /**
   * A claim, volume or class was added or changed (given, beyond the katas): pods waiting for their
   * volumes may fit now, so the unschedulable ones are tried again (VolumeBinding's events to register).
   */
  onStorageChange(): void {
    this.storageChanges++;
    this.queue.moveAllToActiveOrBackoff('StorageChange');
  }

  /** Lists the nodes and the pods of every namespace and takes them in, as ADDED events. */
  async sync(): Promise<void> {
    for (const node of (await this.options.client.nodes().list()).items) this.onNode('ADDED', node);
    for (const pod of (await this.options.client.pods().list()).items) this.onPod('ADDED', pod);
  }

  /** A pod event: a pending pod goes to (or leaves) the queue; a placed pod to (or from) the cache. Another scheduler's pod, or a gated one, waits outside. */
  onPod(type: EventType, pod: Pod): void {
    const key = podKey(pod);
    if (type === 'DELETED') {
      this.queue.delete(pod);
      // A pod that leaves a node frees its resources: unschedulable pods may fit now.
      if (this.cache.removePod(key)) this.queue.moveAllToActiveOrBackoff('PodDelete');
      return;
    }
    if (!pod.spec?.nodeName) {
      // Another scheduler's pod, or a gated one, is not this one's to try. Neither was ever queued
      // (schedulerName never changes; gates can only be taken off), so there is nothing to take
      // out; the update that takes the last gate off finds the pod out of the queue, and adds it.
      if (!readyForThisScheduler(pod)) return;
      if (type === 'ADDED') this.queue.add(pod);
      // An update written before the binding of a pod already placed: queued again, it would be
      // scheduled twice. The binding's own event, with the node, follows.
      else if (!this.cache.isAssumed(key)) this.queue.update(pod);
      return;
    }
    // Placed: the confirmation of an assumed pod, or a pod bound by someone else.
    this.queue.delete(pod);
    this.cache.addBound(pod);
  }

  /** A node event: the cache follows; a new or changed node may let unschedulable pods fit. */
  onNode(type: EventType, node: Node): void {
    if (type === 'DELETED') {
      this.cache.removeNode(node.metadata.name ?? '');
      return;
    }
    const before = this.cache.setNode(node);
    // A heartbeat, or a cordon, gives no pod more room: only a new node or a change scheduling reads moves them.
    if (before === undefined || nodeSchedulingPropertiesChanged(before, node)) {
      this.queue.moveAllToActiveOrBackoff(before === undefined ? 'NodeAdd' : 'NodeUpdate');
    }
  }

  /**
   * One scheduling cycle: pops a pod, finds the feasible nodes, scores them, picks the best
   * (ties broken by `random`), assumes the pod there and binds it. A pod that does not fit, or
   * whose binding fails, goes back to the queue as unschedulable, and its PodScheduled condition
   * says why. Undefined when no pod is ready.
   */
  async scheduleNext(): Promise<CycleResult | undefined> {
    const queued = this.queue.pop();
    if (queued === undefined) return undefined;
    const { pod } = queued;
    if (pod.metadata.deletionTimestamp) return this.skipDeleting(pod);
    if (this.cache.nodeCount === 0) return this.fail(queued, NO_NODES_AVAILABLE, 'Unschedulable', 'after back-off');
    let nodeName: string;
    try {
      nodeName = this.choose(pod);
    } catch (error) {
      if (isNotImplemented(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof FitError) return this.fail(queued, message, 'Unschedulable', 'on an event');
      return this.fail(queued, message, 'SchedulerError', 'after back-off');
    }
    const key = podKey(pod);
    this.cache.assume(pod, nodeName);
    try {
      await this.bind(pod, nodeName);
    } catch (error) {
      if (isNotImplemented(error)) throw error;
      this.cache.forget(key); // the node did not get it
      return this.fail(queued, `binding to node "${nodeName}" failed: ${error instanceof Error ? error.message : String(error)}`, 'SchedulerError', 'after back-off');
    }
    this.queue.done(pod);
    return { pod, nodeName };
  }

  /** Runs cycles until no pod is ready (some may wait in backoff or as unschedulable). */
  async runUntilIdle(): Promise<CycleResult[]> {
    const results: CycleResult[] = [];
    for (let result = await this.scheduleNext(); result; result = await this.scheduleNext()) results.push(result);
    return results;
  }

  /**
   * The node for `pod` on the current snapshot.
   *
   * @throws FitError when no node fits; Error when a plugin fails
   */
  private choose(pod: Pod): string {
    this.storageChangesAtCycleStart = this.storageChanges;
    const snapshot = this.cache.snapshot();
    this.explainer?.begin(pod, snapshot);
    const state = new CycleState(snapshot.nodeInfos);
    const found = findFeasibleNodes(this.framework, state, pod, snapshot);
    this.explainer?.filtered(found);
    const { feasible, diagnosis } = found;
    if (feasible.length === 0) {
      // What DefaultPreemption's PostFilter would say, at the end of the message (preemption.ts).
      const postFilterMsg = postFilterMessage(pod, snapshot.nodeInfos, diagnosis);
      throw new FitError(pod, snapshot.nodeInfos.length, postFilterMsg ? { ...diagnosis, postFilterMsg } : diagnosis);
    }
    if (feasible.length === 1) return feasible[0]!.name;
    const preScore = this.framework.runPreScorePlugins(state, pod, feasible);
    if (!preScore.isSuccess()) throw preScore.asError();
    const scores = this.framework.runScorePlugins(state, pod, feasible);
    this.explainer?.scored(scores);
    return selectHost(scores, this.options.random);
  }

  /**
   * Binds `pod` to `nodeName`: POSTs a Binding (the pods/binding subresource, which alone may set
   * spec.nodeName, once), with the pod's uid as a precondition. Read first, so that a pod gone,
   * replaced or already placed fails with words the FailedScheduling event can show.
   */
  private async bind(pod: Pod, nodeName: string): Promise<void> {
    this.explainer?.chosen(pod, nodeName);
    const namespace = pod.metadata.namespace ?? 'default';
    const pods = this.options.client.pods(namespace);
    const current = await pods.get(pod.metadata.name ?? '');
    if (pod.metadata.uid && current.metadata.uid !== pod.metadata.uid) throw new Error(`pod ${podKey(pod)} was replaced`);
    if (current.spec?.nodeName) throw new Error(`pod ${podKey(pod)} is already assigned to node "${current.spec.nodeName}"`);
    const uid = current.metadata.uid;
    for (const plugin of this.preBinders) await plugin.preBind(current, nodeName);
    await pods.bind({ metadata: { name: current.metadata.name ?? '', namespace, ...(uid && { uid }) }, target: { kind: 'Node', name: nodeName } });
    this.explainer?.bound(pod, nodeName);
    this.options.events?.event(asPod(current), 'Normal', 'Scheduled', `Successfully assigned ${podKey(pod)} to ${nodeName}`);
  }

  /**
   * A pod being deleted is not scheduled (schedule_one.go skipPodSchedule): its finalizers hold
   * it, marked, and binding it would start containers for a pod on its way out. It leaves the
   * queue with a Warning event, and is not tried again.
   */
  private skipDeleting(pod: Pod): CycleResult {
    const message = `skip schedule deleting pod: ${podKey(pod)}`;
    this.queue.done(pod);
    this.options.events?.event(asPod(pod), 'Warning', 'FailedScheduling', message);
    return { pod, error: message };
  }

  /**
   * The pod goes back to the queue, and its status says why (best effort: the pod may be gone).
   * `retry` is where it waits (upstream's handleSchedulingFailure): a pod a plugin rejected waits
   * `on an event` that may help it; any other failure (no nodes, an error, a failed binding) has no
   * such event to wait for, and is tried again `after back-off`.
   */
  private async fail(queued: QueuedPod, message: string, reason: 'Unschedulable' | 'SchedulerError', retry: 'on an event' | 'after back-off'): Promise<CycleResult> {
    if (retry === 'after back-off' || this.storageChanges !== this.storageChangesAtCycleStart) this.queue.addBackoff(queued);
    else this.queue.addUnschedulable(queued);
    const { pod } = queued;
    this.explainer?.failed(pod, reason, message);
    this.options.events?.event(asPod(pod), 'Warning', 'FailedScheduling', message);
    try {
      const pods = this.options.client.pods(pod.metadata.namespace ?? 'default');
      const current = await pods.get(pod.metadata.name ?? '');
      const conditions = withPodScheduled(current.status?.conditions ?? [], { type: 'PodScheduled', status: 'False', reason, message }, this.options.clock.now());
      // The same failure again: nothing to write (upstream's updatePod writes only a changed condition).
      if (conditions) await pods.updateStatus({ ...current, status: { ...current.status, conditions } });
    } catch (error) {
      if (isNotImplemented(error)) throw error;
      // The pod was deleted or changed meanwhile: its next event will tell the queue.
    }
    return { pod, error: message };
  }
}

/**
 * `conditions` with `condition` in the place of the pod's PodScheduled one (or added), as
 * upstream's UpdatePodCondition: its `lastTransitionTime` is `now`, or the old one's while the
 * status stays. Undefined when the old condition already says the same.
 */
function withPodScheduled(conditions: readonly PodCondition[], condition: PodCondition, now: number): PodCondition[] | undefined {
  const index = conditions.findIndex((c) => c.type === condition.type);
  const old = conditions[index];
  const lastTransitionTime = old?.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : toRFC3339(now);
  const updated: PodCondition = { ...condition, lastTransitionTime };
  if (old && old.status === updated.status && old.reason === updated.reason && old.message === updated.message && old.lastTransitionTime === lastTransitionTime) return undefined;
  return index < 0 ? [...conditions, updated] : conditions.map((c, i) => (i === index ? updated : c));
}

/** `pod` with its kind and apiVersion, which an event's involvedObject names. */
function asPod(pod: Pod): Pod {
  return { ...pod, kind: 'Pod', apiVersion: 'v1' };
}
