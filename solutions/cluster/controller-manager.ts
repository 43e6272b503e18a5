/**
 * kube-controller-manager in the cluster: every controller of Part IV on one set of shared
 * informers, under leader election on the Lease `kube-system/kube-controller-manager`. Given code:
 * `npm run controller-manager` is the same thing as a process of its own.
 *
 * A leader that loses its lease stops its controllers at once (two managers must never act
 * together) and campaigns again; upstream's process exits instead and is restarted by its
 * kubelet, which comes to the same thing.
 *
 * @example
 * ```ts
 * const manager = new ControllerManagerComponent({ client, clock, tracer, settings, identity: 'cp-1' });
 * await manager.start();    // leads, informers synced, workers running
 * await manager.stop();     // workers stopped, the lease handed back
 * ```
 */
import type { ApiClient } from '@kube/apiserver';
import {
  ControllerManager,
  DeploymentController,
  EndpointSliceController,
  EndpointsController,
  GarbageCollector,
  LeaderElector,
  NamespaceController,
  NodeLifecycleController,
  nodeLifecycleEventsClient,
  recordRegisteredNodes,
  ReplicaSetController,
  ServiceAccountsController,
  TaintEvictionController,
  taintEvictionEventsClient,
  type ControllerDescriptor,
} from '@kube/controllers';
import type { Clock } from '@kube/kit';
import type { ClusterSettings, Tracer } from './cluster-api.ts';

/** The component's name in the trace and in events. */
export const CONTROLLER_MANAGER = 'kube-controller-manager';

/** Every controller of Part IV, with kube-controller-manager's names and workers. */
export function clusterControllers(settings: ClusterSettings): ControllerDescriptor[] {
  return [
    { name: 'replicaset', component: 'replicaset-controller', podEvents: true, make: (c) => new ReplicaSetController(c) },
    { name: 'deployment', component: 'deployment-controller', make: (c) => new DeploymentController(c) },
    {
      name: 'nodelifecycle',
      component: 'node-controller',
      workers: 1,
      events: nodeLifecycleEventsClient,
      make: (c) => {
        recordRegisteredNodes(c.factory.nodes(), c.recorder);
        return new NodeLifecycleController({ ...c, nodeMonitorGracePeriodMs: settings.nodeMonitorGracePeriodMs, noScheduleTainting: true, onError: (error) => c.onError('nodelifecycle', error) });
      },
    },
    { name: 'taint-eviction', component: 'taint-eviction-controller', events: taintEvictionEventsClient, make: (c) => new TaintEvictionController({ ...c, onError: (error) => c.onError('taint-eviction', error) }) },
    { name: 'endpoints', component: 'endpoint-controller', make: (c) => new EndpointsController(c) },
    { name: 'endpointslice', component: 'endpointslice-controller', make: (c) => new EndpointSliceController(c) },
    { name: 'namespace', component: 'namespace-controller', make: (c) => new NamespaceController(c) },
    { name: 'garbagecollector', component: 'garbage-collector-controller', make: (c) => new GarbageCollector(c) },
    // Given, not a kata: every namespace's ServiceAccount "default" (service-accounts.ts).
    { name: 'serviceaccount', component: 'service-account-controller', workers: 1, make: (c) => new ServiceAccountsController(c) },
  ];
}

/** How to build a {@link ControllerManagerComponent}. */
export interface ControllerManagerComponentOptions {
  client: ApiClient;
  clock: Clock;
  tracer: Tracer;
  settings: ClusterSettings;
  /** the candidate's identity in the Lease */
  identity: string;
}

/** The controller manager, leading or waiting to. */
export class ControllerManagerComponent {
  private elector: LeaderElector | undefined;
  private manager: ControllerManager | undefined;
  private campaign: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: ControllerManagerComponentOptions) {}

  /** Is it the leader, with its controllers running? */
  get leading(): boolean {
    return this.manager !== undefined;
  }

  /** Campaigns; resolves once it leads and its controllers run. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.options.tracer.step(CONTROLLER_MANAGER, 'start', () => new Promise<void>((resolve) => this.runForLeader(resolve)));
  }

  /** Stops the controllers and hands the lease back. */
  async stop(): Promise<void> {
    await this.options.tracer.step(CONTROLLER_MANAGER, 'stop', async () => {
      this.stopping = true;
      await this.elector?.stop();
      await this.campaign;
      await this.stopControllers();
    });
  }

  private runForLeader(onLeading: () => void): void {
    const { client, clock, settings, identity, tracer } = this.options;
    const elector = new LeaderElector({
      client,
      clock,
      identity,
      leaseDurationMs: settings.leaderLeaseDurationMs,
      renewDeadlineMs: settings.leaderRenewDeadlineMs,
      retryPeriodMs: settings.leaderRetryPeriodMs,
      releaseOnStop: true,
      onError: (error) => tracer.log(CONTROLLER_MANAGER, `leader election: ${(error as Error).message}`),
    });
    this.elector = elector;
    this.campaign = elector.run({
      onStartedLeading: async () => {
        const manager = new ControllerManager({
          client,
          clock,
          identity,
          controllers: clusterControllers(settings),
          log: (line) => tracer.log(CONTROLLER_MANAGER, line),
        });
        await manager.start();
        this.manager = manager;
        onLeading();
      },
      onStoppedLeading: async () => {
        await this.stopControllers();
        if (this.stopping) return;
        tracer.log(CONTROLLER_MANAGER, 'lost the lease: controllers stopped; campaigning again');
        this.runForLeader(() => {});
      },
    });
  }

  private async stopControllers(): Promise<void> {
    const manager = this.manager;
    this.manager = undefined;
    await manager?.stop();
  }
}
