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
import type { Clock, Pod } from '@kube/kit';

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
  if (attempts <= 0) return 0;
  return Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** Math.min(attempts - 1, 30));
}

/** Pods waiting to be scheduled. */
export class SchedulingQueue {
  /** ready pods, in pop order: a heap (upstream's activeQ is one too, pkg/scheduler/backend/heap) */
  private readonly active = new ActiveHeap();
  private readonly backoff = new Map<string, QueuedPod>();
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** pods popped and not yet given back (in a scheduling cycle) */
  private readonly inFlight = new Map<string, QueuedPod>();

  constructor(private readonly clock: Clock) {}

  /** How many pods wait in each place. */
  get sizes(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  /** A new pod to schedule: active at once. A pod already queued is updated where it is. */
  add(pod: Pod): void {
    const key = podKey(pod);
    const queued = this.find(key);
    if (queued) {
      queued.pod = pod;
      // Its priority may have changed: an active pod takes its new place in the order.
      if (this.active.has(key)) this.active.set(key, queued);
      return;
    }
    this.active.set(key, { pod, attempts: 0, added: this.clock.now(), failedAt: 0 });
  }

  /**
   * A queued pod changed. If it was unschedulable and more than its status changed
   * ({@link isPodUpdated}: a toleration added, a smaller request), the change may help: it moves
   * on, as after a cluster event.
   */
  update(pod: Pod): void {
    const key = podKey(pod);
    const queued = this.find(key);
    if (!queued) return this.add(pod);
    const before = queued.pod;
    queued.pod = pod;
    if (this.active.has(key)) this.active.set(key, queued);
    if (isPodUpdated(before, pod) && this.unschedulable.delete(key)) this.requeue(key, queued);
  }

  /** A pod that was deleted, or got bound by someone else: it leaves the queue. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /**
   * The next pod to try: first the pods whose back-off is over and those unschedulable too long
   * move to active; then the highest priority, oldest first. `attempts` goes up by one.
   * Undefined when no pod is ready.
   */
  pop(): QueuedPod | undefined {
    this.flush();
    const queued = this.active.pop();
    if (queued === undefined) return undefined;
    const key = podKey(queued.pod);
    queued.attempts++;
    this.inFlight.set(key, queued);
    return queued;
  }

  /** A popped pod a plugin rejected (it did not fit): it waits for a cluster event. */
  addUnschedulable(queued: QueuedPod): void {
    const key = podKey(queued.pod);
    if (!this.inFlight.delete(key)) return; // deleted while it was being scheduled
    queued.failedAt = this.clock.now();
    this.unschedulable.set(key, queued);
  }

  /**
   * A popped pod whose cycle failed with an error, not a plugin's rejection (no nodes, a failed
   * binding): no cluster event may come for it, so it waits out its back-off and is tried again.
   */
  addBackoff(queued: QueuedPod): void {
    const key = podKey(queued.pod);
    if (!this.inFlight.delete(key)) return; // deleted while it was being scheduled
    queued.failedAt = this.clock.now();
    this.backoff.set(key, queued);
  }

  /** A popped pod was bound: the queue forgets it. */
  done(pod: Pod): void {
    this.inFlight.delete(podKey(pod));
  }

  /**
   * Something changed in the cluster that may let unschedulable pods fit (`event` names it, e.g.
   * 'NodeAdd', 'PodDelete'): every unschedulable pod goes to backoff, or to active if its
   * back-off is over.
   */
  moveAllToActiveOrBackoff(event: string): void {
    void event; // upstream asks each plugin which events can help it (QueueingHints); here, any event helps
    for (const [key, queued] of this.unschedulable) {
      this.unschedulable.delete(key);
      this.requeue(key, queued);
    }
  }

  /** The pods whose back-off is over, and those unschedulable for 5 minutes, become active. */
  flush(): void {
    const now = this.clock.now();
    for (const [key, queued] of this.backoff) {
      if (now >= queued.failedAt + backoffDuration(queued.attempts)) {
        this.backoff.delete(key);
        this.active.set(key, queued);
      }
    }
    for (const [key, queued] of this.unschedulable) {
      if (now >= queued.failedAt + UNSCHEDULABLE_TIMEOUT_MS) {
        this.unschedulable.delete(key);
        this.requeue(key, queued);
      }
    }
  }

  /** Back to backoff while its back-off lasts, else to active. */
  private requeue(key: string, queued: QueuedPod): void {
    if (this.clock.now() < queued.failedAt + backoffDuration(queued.attempts)) this.backoff.set(key, queued);
    else this.active.set(key, queued);
  }

  private find(key: string): QueuedPod | undefined {
    return this.active.get(key) ?? this.backoff.get(key) ?? this.unschedulable.get(key) ?? this.inFlight.get(key);
  }
}

/**
 * One place of a pod in the heap. The order is read once, when the entry is made: a pod whose
 * priority changes gets a new entry, and the old one, no longer its key's current entry, is
 * skipped when it comes up (lazy deletion) instead of being searched for.
 */
interface HeapEntry {
  readonly key: string;
  readonly queued: QueuedPod;
  readonly priority: number;
  readonly added: number;
}

/**
 * The active queue: a binary min-heap in pop order, with a map from key to the pod's current entry.
 * `pop` is O(log n) where a scan of every active pod was O(n): with 10,000 pods pending, the scan
 * cost more than scheduling the pod (issue 15). Deleting or moving a pod only forgets its entry;
 * the heap is rebuilt without the stale entries when they outnumber the live ones.
 */
class ActiveHeap {
  private heap: HeapEntry[] = [];
  private readonly current = new Map<string, HeapEntry>();

  get size(): number {
    return this.current.size;
  }

  has(key: string): boolean {
    return this.current.has(key);
  }

  get(key: string): QueuedPod | undefined {
    return this.current.get(key)?.queued;
  }

  /** Puts `queued` in its place (a new entry: any older one of the same key goes stale). */
  set(key: string, queued: QueuedPod): void {
    const entry: HeapEntry = { key, queued, priority: queued.pod.spec?.priority ?? 0, added: queued.added };
    this.current.set(key, entry);
    this.heap.push(entry);
    this.up(this.heap.length - 1);
    if (this.heap.length > 2 * this.current.size + 64) this.rebuild();
  }

  delete(key: string): boolean {
    return this.current.delete(key);
  }

  /** The first pod in the order, taken out; undefined when none is active. */
  pop(): QueuedPod | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      const last = this.heap.pop()!;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.down(0);
      }
      if (this.current.get(top.key) === top) {
        this.current.delete(top.key);
        return top.queued;
      }
    }
    return undefined;
  }

  private rebuild(): void {
    this.heap = [...this.current.values()];
    for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.down(i);
  }

  private up(i: number): void {
    const heap = this.heap;
    const entry = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private down(i: number): void {
    const heap = this.heap;
    const entry = heap[i]!;
    const half = heap.length >>> 1;
    while (i < half) {
      let child = 2 * i + 1;
      const right = child + 1;
      if (right < heap.length && before(heap[right]!, heap[child]!)) child = right;
      if (!before(heap[child]!, entry)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = entry;
  }
}

/** The active queue's order: higher priority first, then the pod added earlier, then by key (a total order). */
function before(a: HeapEntry, b: HeapEntry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.added !== b.added) return a.added < b.added;
  return a.key < b.key;
}
