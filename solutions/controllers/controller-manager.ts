/**
 * The controller manager (cmd/kube-controller-manager): every controller of Part IV in one
 * process, on **one** set of shared informers — one list and one watch per resource, however many
 * controllers read it — each reporting what it does as events through the API. `npm run
 * controller-manager` (tools/controller-manager.ts) runs one against an apiserver, under leader
 * election (leader-election.ts). This file is given: no kata asks you to write it.
 *
 * ```
 *             ┌──────────── SharedInformerFactory: pods, replicasets, deployments, nodes, ... ───────────┐
 *             ▼                        ▼                         ▼                                     ▼
 *   replicaset-controller   deployment-controller   node-lifecycle-controller   ...       (each with its queue and workers)
 *             └────────────── client (creates, updates, deletes) + ApiEventRecorder (events) ──────────┘
 * ```
 *
 * @example
 * ```ts
 * const manager = new ControllerManager({ client, clock, identity: 'host-1_3f2a', controllers: [
 *   { name: 'replicaset', component: 'replicaset-controller', podEvents: true, make: (ctx) => new ReplicaSetController(ctx) },
 *   { name: 'deployment', component: 'deployment-controller', make: (ctx) => new DeploymentController(ctx) },
 * ] });
 * await manager.start();   // informers synced, workers running
 * await manager.stop();
 * ```
 */
import { type Clock, type KubeObject, type Pod } from '@kube/kit';
import { ForwardingClient, type ApiClient, type ResourceClient } from '@kube/apiserver';
import { ApiEventRecorder, type EventRecorder } from './event-recorder.ts';
import { SharedInformerFactory } from './factory.ts';

/** What a controller is given by the manager. */
export interface ControllerContext {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  /** events as this controller's component (`deployment-controller`) */
  recorder: EventRecorder;
  /** a failed sync (it is retried): the manager logs it */
  onError: (key: unknown, error: unknown) => void;
}

/** A running controller, as the manager sees it. */
export interface RunnableController {
  run(workers?: number): void;
  stop(): Promise<void>;
}

/** One controller the manager can run (upstream's InitFunc in kube-controller-manager's controller list). */
export interface ControllerDescriptor {
  /** as `--controllers` names it: `replicaset`, `deployment`, `nodelifecycle` */
  name: string;
  /** its events' source: `replicaset-controller` */
  component: string;
  /** how many workers (upstream's --concurrent-*-syncs; default 5) */
  workers?: number;
  /** record its pod creations and deletions as events on the pods' controller ({@link podEventsClient}) */
  podEvents?: boolean;
  /** the client it is given, recording its events from its writes (controller-events.ts); default the manager's */
  events?: (client: ApiClient, recorder: EventRecorder) => ApiClient;
  /** builds it on the manager's shared informers */
  make(context: ControllerContext): RunnableController;
}

/** What a {@link ControllerManager} needs. */
export interface ControllerManagerOptions {
  client: ApiClient;
  clock: Clock;
  /** this manager (the events' source.host) */
  identity: string;
  controllers: readonly ControllerDescriptor[];
  /** the factory to use (default: a new one on `client`); the tool passes the one of the code it runs */
  factory?: SharedInformerFactory;
  /** a line for the log */
  log?: (line: string) => void;
}

/** Every controller, on one factory of shared informers. */
export class ControllerManager {
  readonly factory: SharedInformerFactory;
  private readonly running: { descriptor: ControllerDescriptor; controller: RunnableController; recorder: ApiEventRecorder }[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly options: ControllerManagerOptions) {
    this.log = options.log ?? (() => {});
    this.factory = options.factory ?? new SharedInformerFactory({ client: options.client, clock: options.clock });
  }

  /** Builds every controller, starts the informers they asked for, waits for their first lists, then starts the workers. */
  async start(): Promise<void> {
    const { client, clock, identity } = this.options;
    for (const descriptor of this.options.controllers) {
      const recorder = new ApiEventRecorder({ client, clock, component: descriptor.component, host: identity, onError: (error) => this.log(`${descriptor.component}: an event was not written: ${(error as Error).message}`) });
      const controller = descriptor.make({
        client: descriptor.podEvents ? podEventsClient(client, recorder) : (descriptor.events?.(client, recorder) ?? client),
        clock,
        factory: this.factory,
        recorder,
        onError: (key, error) => this.log(`${descriptor.component}: sync of ${String(key)} failed (retried): ${(error as Error).message}`),
      });
      this.running.push({ descriptor, controller, recorder });
    }
    this.factory.start((resource, error) => this.log(`the ${resource} informer stopped: ${(error as Error).message}`));
    await this.factory.waitForCacheSync();
    for (const { descriptor, controller } of this.running) controller.run(descriptor.workers ?? 5);
  }

  /** The controllers running, by name. */
  names(): string[] {
    return this.running.map((r) => r.descriptor.name);
  }

  /** Stops every controller and the informers; waits for the events still being written. */
  async stop(): Promise<void> {
    await Promise.all(this.running.map((r) => r.controller.stop()));
    await this.factory.shutdown();
    await Promise.all(this.running.map((r) => r.recorder.flush()));
  }
}

/**
 * A client whose pod creations and deletions are recorded as events on the pod's controller, as
 * upstream's PodControl does for the ReplicaSet controller (pkg/controller/controller_utils.go):
 * Normal SuccessfulCreate "Created pod: web-5d8f7c6b9f-x7k2p", Warning FailedCreate "Error
 * creating: ...", Normal SuccessfulDelete "Deleted pod: ...", Warning FailedDelete "Error
 * deleting: ...". Everything else goes straight through.
 */
export function podEventsClient(inner: ApiClient, recorder: EventRecorder): ApiClient {
  return new PodEventsClient(inner, recorder);
}

class PodEventsClient extends ForwardingClient {
  /** who controls each pod this client created, for the deletion's event */
  private readonly owners = new Map<string, KubeObject>();

  constructor(
    inner: ApiClient,
    private readonly recorder: EventRecorder,
  ) {
    super(inner);
  }

  override resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
    const real = this.inner.resource<T>(resource, namespace);
    if (resource !== 'pods') return real;
    return {
      ...real,
      create: async (object) => {
        const owner = controllerOf(object as unknown as Pod);
        try {
          const created = await real.create(object);
          if (owner) {
            this.owners.set(`${created.metadata.namespace}/${created.metadata.name}`, owner);
            this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
          }
          return created;
        } catch (error) {
          if (owner) this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
          throw error;
        }
      },
      delete: async (name, options) => {
        const key = `${namespace ?? ''}/${name}`;
        try {
          const deleted = await real.delete(name, options);
          const owner = controllerOf(deleted as unknown as Pod) ?? this.owners.get(key);
          if (owner) this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
          return deleted;
        } catch (error) {
          const owner = this.owners.get(key);
          if (owner) this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(error as Error).message}`);
          throw error;
        } finally {
          this.owners.delete(key);
        }
      },
    };
  }
}

/** The object a pod's controller reference points at, as an event's subject. */
function controllerOf(pod: Pod): KubeObject | undefined {
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return undefined;
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: pod.metadata.namespace, uid: ref.uid } };
}
