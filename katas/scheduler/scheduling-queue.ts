/**
 * The scheduling queue (kube-scheduler's pkg/scheduler/internal/queue/scheduling_queue.go): where
 * pods wait for a scheduling cycle. Three places:
 *
 * - **active**: ready to be tried, the highest `spec.priority` first, then the one waiting longest;
 * - **backoff**: waiting out a back-off (1 s after the first failure, doubling with each attempt,
 *   at most 10 s) so that a pod that cannot fit does not spin the scheduler. A pod whose cycle
 *   failed with an error, not a plugin's rejection, comes here at once: no event may come for it;
 * - **unschedulable**: rejected, and nothing has changed that could help. A cluster event (a node
 *   added or changed, a pod deleted) or a change to the pod itself moves them back (to backoff if
 *   their back-off is not over, else to active); a pod left there for 5 minutes goes back anyway.
 *
 * Time is the kit's {@link Clock}: the queue reads `clock.now()` when it is asked, and sets no
 * timers (upstream flushes backoff every second and unschedulable pods every 30 s in goroutines).
 *
 * @example
 * ```ts
 * const queue = new SchedulingQueue(clock);
 * queue.add(lowPriorityPod); queue.add(highPriorityPod);
 * queue.pop()!.pod;                // highPriorityPod: attempts 1
 * queue.addUnschedulable(entry);   // it did not fit
 * queue.update({ ...entry.pod, status });  // still unschedulable: a new status is no reason to try again
 * queue.moveAllToActiveOrBackoff('NodeAdd');  // to backoff: its 1 s is not over
 * queue.pop();                     // lowPriorityPod
 * clock.advance(1000); queue.pop()!.pod;      // highPriorityPod again: attempts 2
 * ```
 */
import { isDeepStrictEqual } from 'node:util';
import { NotImplemented, type Clock, type Pod } from '@kube/kit';

/** The back-off after a pod's first failed attempt (upstream's podInitialBackoffSeconds, 1). */
export const INITIAL_BACKOFF_MS = 1_000;
/** The longest back-off (podMaxBackoffSeconds, 10). */
export const MAX_BACKOFF_MS = 10_000;
/** How long a pod may stay unschedulable with no event before it is tried again (podMaxInUnschedulablePodsDuration). */
export const UNSCHEDULABLE_TIMEOUT_MS = 5 * 60_000;

/** A pod in the queue, with what the queue knows of it. */
export interface QueuedPod {
  pod: Pod;
  /** how many times it was popped for a scheduling cycle */
  attempts: number;
  /** when it was first added: the tie-breaker among equal priorities (older first) */
  readonly added: number;
  /** when it last failed (for back-off and the unschedulable timeout) */
  failedAt: number;
}

/** `namespace/name`: how the queue tells pods apart. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/**
 * Whether an update of a pod may change where it fits (upstream's isPodUpdated): a change to
 * anything but its status, `resourceVersion`, `generation` and `finalizers`. The scheduler's own
 * PodScheduled write, or a status someone else writes, is no reason to try an unschedulable pod
 * again.
 *
 * @example
 * isPodUpdated(pod, { ...pod, status: { conditions: [...] } });                         // false
 * isPodUpdated(pod, { ...pod, spec: { ...pod.spec, tolerations: [{ operator: 'Exists' }] } }); // true
 */
export function isPodUpdated(before: Pod, after: Pod): boolean {
  return !isDeepStrictEqual(schedulingView(before), schedulingView(after));
}

/** `pod` without what {@link isPodUpdated} ignores. */
function schedulingView(pod: Pod): object {
  const { resourceVersion, generation, finalizers, ...metadata } = pod.metadata;
  return { ...pod, metadata, status: undefined };
}

/** The back-off of a pod after `attempts` failed attempts: 1 s, 2 s, 4 s, 8 s, then 10 s. */
export function backoffDuration(attempts: number): number {
  // TODO(16): 0 for no attempt; else INITIAL_BACKOFF_MS doubled for each attempt after the first, at most MAX_BACKOFF_MS.
  throw new NotImplemented('16', 'backoffDuration');
}

/** Pods waiting to be scheduled. */
export class SchedulingQueue {
  private readonly active = new Map<string, QueuedPod>();
  private readonly backoff = new Map<string, QueuedPod>();
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** pods popped and not yet given back (in a scheduling cycle) */
  private readonly inFlight = new Map<string, QueuedPod>();

  // TODO(16): add the private helpers you want, e.g. finding a pod wherever it waits, and the active queue's order.

  constructor(private readonly clock: Clock) {}

  /** How many pods wait in each place. */
  get sizes(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  /** A new pod to schedule: active at once. A pod already queued is updated where it is. */
  add(pod: Pod): void {
    // TODO(16): a pod already queued (anywhere, in flight included) is updated where it is; a new one is active,
    // TODO(16): with attempts 0 and added = clock.now().
    throw new NotImplemented('16', 'SchedulingQueue.add');
  }

  /**
   * A queued pod changed. If it was unschedulable and more than its status changed
   * ({@link isPodUpdated}: a toleration added, a smaller request), the change may help: it moves
   * on, as after a cluster event.
   */
  update(pod: Pod): void {
    // TODO(16): update the queued pod (add it if unknown); if it was unschedulable and isPodUpdated(the old pod, pod),
    // TODO(16): it moves on (to backoff or active).
    throw new NotImplemented('16', 'SchedulingQueue.update');
  }

  /** A pod that was deleted, or got bound by someone else: it leaves the queue. */
  delete(pod: Pod): void {
    // TODO(16): out of every place, in flight included.
    throw new NotImplemented('16', 'SchedulingQueue.delete');
  }

  /**
   * The next pod to try: first the pods whose back-off is over and those unschedulable too long
   * move to active; then the highest priority, oldest first. `attempts` goes up by one.
   * Undefined when no pod is ready.
   */
  pop(): QueuedPod | undefined {
    // TODO(16): flush() first; then the active pod that comes first (highest spec.priority, then earliest added,
    // TODO(16): then by key), out of active and into flight, with attempts + 1. Undefined when active is empty.
    throw new NotImplemented('16', 'SchedulingQueue.pop');
  }

  /** A popped pod a plugin rejected (it did not fit): it waits for a cluster event. */
  addUnschedulable(queued: QueuedPod): void {
    // TODO(16): only a pod in flight (one deleted meanwhile is gone): record failedAt = now, and keep it as unschedulable.
    throw new NotImplemented('16', 'SchedulingQueue.addUnschedulable');
  }

  /**
   * A popped pod whose cycle failed with an error, not a plugin's rejection (no nodes, a failed
   * binding): no cluster event may come for it, so it waits out its back-off and is tried again.
   */
  addBackoff(queued: QueuedPod): void {
    // TODO(16): only a pod in flight (one deleted meanwhile is gone): record failedAt = now, and put it in backoff.
    throw new NotImplemented('16', 'SchedulingQueue.addBackoff');
  }

  /** A popped pod was bound: the queue forgets it. */
  done(pod: Pod): void {
    // TODO(16): the pod leaves the flight.
    throw new NotImplemented('16', 'SchedulingQueue.done');
  }

  /**
   * Something changed in the cluster that may let unschedulable pods fit (`event` names it, e.g.
   * 'NodeAdd', 'PodDelete'): every unschedulable pod goes to backoff, or to active if its
   * back-off is over.
   */
  moveAllToActiveOrBackoff(event: string): void {
    // TODO(16): every unschedulable pod: to backoff while now < failedAt + backoffDuration(attempts), else to active.
    throw new NotImplemented('16', 'SchedulingQueue.moveAllToActiveOrBackoff');
  }

  /** The pods whose back-off is over, and those unschedulable for 5 minutes, become active. */
  flush(): void {
    // TODO(16): backoff pods whose back-off is over become active; unschedulable pods that failed UNSCHEDULABLE_TIMEOUT_MS ago
    // TODO(16): or more move on as after an event.
    throw new NotImplemented('16', 'SchedulingQueue.flush');
  }

}

