/**
 * kube-scheduler's main loop around kata 16's {@link Scheduler}: informers feed it every pod and
 * node event, and cycles run whenever a pod is waiting (upstream: pkg/scheduler/scheduler.go Run,
 * eventhandlers.go addAllEventHandlers, and the queue's flushBackoffQCompleted every 1 s and
 * flushUnschedulablePodsLeftover every 30 s in internal/queue/scheduling_queue.go).
 *
 * Worked example, one node `n1` and a pod created pending:
 *
 * | what happens | what the runner does |
 * | --- | --- |
 * | start() | lists nodes and pods through the informers: `onNode('ADDED', n1)`, then drains the queue |
 * | pod `web` ADDED, no nodeName | `onPod('ADDED', web)`, then {@link SchedulerRunner.kick}: a cycle binds it to n1 |
 * | web MODIFIED with nodeName n1 (the binding's echo) | `onPod('MODIFIED', web)`: the cache confirms the assumed pod |
 * | pod `big` does not fit | its cycle fails, it waits as unschedulable; a node change retries it, or a `queue.flush()` once it has waited UNSCHEDULABLE_TIMEOUT_MS (5 min; upstream looks every 30 s) |
 * | every 1 s on the clock | `queue.flush()` moves pods whose back-off ended to active, then a kick |
 */
import { hostname } from 'node:os';
import type { ApiClient } from '@kube/apiserver';
import { DeletedFinalStateUnknown, SeriesEventRecorder, SharedInformerFactory, type SharedIndexInformer } from '@kube/controllers';
import type { Clock, KubeObject, Node, PersistentVolume, PersistentVolumeClaim, Pod, Random, StorageClass, Timer } from '@kube/kit';
import { DEFAULT_SCHEDULER_NAME, Scheduler, type CycleResult, type EventType, type ExplanationRecorder, type Framework, type VolumeListers } from '@kube/scheduler';

/** Who the scheduler's events say they are from (`kubectl describe pod`'s From column). */
export const DEFAULT_SCHEDULER = DEFAULT_SCHEDULER_NAME;

/** What kube-scheduler says it was doing when each of its events happened (schedule_one.go's Eventf calls). */
export const SCHEDULER_EVENT_ACTIONS: Readonly<Record<string, string>> = { Scheduled: 'Binding', FailedScheduling: 'Scheduling' };

/** How often the queue is flushed: pods whose back-off ended become active again. */
export const QUEUE_FLUSH_PERIOD_MS = 1_000;

/** How to build a {@link SchedulerRunner}. */
export interface SchedulerRunnerOptions {
  client: ApiClient;
  clock: Clock;
  random: Random;
  /** the plugins; default kata 16's */
  framework?: Framework;
  /** records why each pod went where (kata 16's explain); none: nothing recorded */
  explain?: ExplanationRecorder;
  /** told of every cycle's result */
  onCycle?: (result: CycleResult) => void;
  /** told of a cycle that threw, or an informer's failure */
  onError?: (error: unknown) => void;
}

/**
 * The claims, volumes and classes the VolumeBinding plugin reads, from informers on the runner's
 * factory (given). Until {@link VolumeCache.watch} is called it holds nothing, and a pod that mounts
 * a claim waits, its claim "not found".
 */
export class VolumeCache implements VolumeListers {
  private claims: SharedIndexInformer<PersistentVolumeClaim> | undefined;
  private classes: SharedIndexInformer<StorageClass> | undefined;
  private persistentVolumes: SharedIndexInformer<PersistentVolume> | undefined;

  /** Reads from `factory`'s informers (made here, before it starts), and calls `changed` on each add or update. */
  watch(factory: SharedInformerFactory, changed: () => void): void {
    this.claims = factory.informerFor<PersistentVolumeClaim>('persistentvolumeclaims');
    this.persistentVolumes = factory.informerFor<PersistentVolume>('persistentvolumes');
    this.classes = factory.informerFor<StorageClass>('storageclasses');
    for (const informer of [this.claims, this.persistentVolumes, this.classes] as SharedIndexInformer<KubeObject>[]) {
      informer.addEventHandler({ onAdd: changed, onUpdate: changed });
    }
  }

  claim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.claims?.indexer.getByKey(`${namespace}/${name}`);
  }

  storageClass(name: string): StorageClass | undefined {
    return name === '' ? undefined : this.classes?.indexer.getByKey(name);
  }

  volumes(): readonly PersistentVolume[] {
    return this.persistentVolumes?.indexer.list() ?? [];
  }
}

/** The object of a delete event, whether the informer saw it go or found it gone at a relist. */
function deletedObject<T extends KubeObject>(object: T | DeletedFinalStateUnknown<T>): T {
  return object instanceof DeletedFinalStateUnknown ? object.obj : object;
}

/** Informers in, cycles out. */
export class SchedulerRunner {
  readonly scheduler: Scheduler;
  /** the `Scheduled` and `FailedScheduling` events, written as `default-scheduler` does: the events.k8s.io way, in series */
  readonly events: SeriesEventRecorder;
  /** the claims, volumes and classes its VolumeBinding plugin reads: {@link watchVolumes} fills it */
  readonly volumes = new VolumeCache();
  private factory: SharedInformerFactory | undefined;
  private flushTimer: Timer | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: SchedulerRunnerOptions) {
    this.events = new SeriesEventRecorder({
      client: options.client,
      clock: options.clock,
      component: DEFAULT_SCHEDULER,
      instance: `${DEFAULT_SCHEDULER}-${hostname()}`,
      actions: SCHEDULER_EVENT_ACTIONS,
      ...(options.onError && { onError: options.onError }),
    });
    this.scheduler = new Scheduler({
      events: this.events,
      client: options.client,
      clock: options.clock,
      random: options.random,
      volumes: this.volumes,
      ...(options.framework && { framework: options.framework }),
      ...(options.explain && { explain: options.explain }),
    });
  }

  /**
   * Starts the pods and nodes informers with handlers that hand every event to the scheduler and
   * kick a drain; waits for their first lists; flushes the queue every second; drains once.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const { client, clock, onError } = this.options;
    this.factory = new SharedInformerFactory({ client, clock, ...(onError && { onError: (_resource, error) => onError(error) }) });
    const handle = <T extends KubeObject>(informer: SharedIndexInformer<T>, deliver: (type: EventType, object: T) => void): void => {
      informer.addEventHandler({
        onAdd: (object) => this.deliver(() => deliver('ADDED', object)),
        onUpdate: (_old, object) => this.deliver(() => deliver('MODIFIED', object)),
        onDelete: (object) => this.deliver(() => deliver('DELETED', deletedObject(object))),
      });
    };
    // Nodes first: a pod listed before any node would fail its first cycle for nothing.
    handle<Node>(this.factory.nodes(), (type, node) => this.scheduler.onNode(type, node));
    handle<Pod>(this.factory.pods(), (type, pod) => this.scheduler.onPod(type, pod));
    this.watchVolumes(this.factory);
    this.factory.start();
    await this.factory.waitForCacheSync();
    this.flushTimer = clock.setInterval(() => this.deliver(() => this.scheduler.queue.flush()), QUEUE_FLUSH_PERIOD_MS);
    this.kick();
    await this.idle();
  }

  /**
   * Given: the factory's informers of claims, volumes and classes, for the VolumeBinding plugin
   * (upstream's plugins register theirs on the scheduler's factory too); each add or update is a
   * {@link Scheduler.onStorageChange}, delivered. Call it after making the factory, before starting it.
   */
  private watchVolumes(factory: SharedInformerFactory): void {
    this.volumes.watch(factory, () => this.deliver(() => this.scheduler.onStorageChange()));
  }

  /** Runs cycles until no pod is ready; if one is already running, it runs again when done. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves once no cycle is running and none is due. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops the flushes and the informers, after the cycle under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.flushTimer) this.options.clock.clearTimeout(this.flushTimer);
    await this.idle();
    await this.factory?.shutdown();
  }

  private deliver(event: () => void): void {
    event();
    this.kick();
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      while (!this.stopped) {
        let result: CycleResult | undefined;
        try {
          result = await this.scheduler.scheduleNext();
        } catch (error) {
          this.options.onError?.(error);
          break;
        }
        if (!result) break;
        this.options.onCycle?.(result);
      }
    } while (this.again && !this.stopped);
  }
}
