/**
 * kube-controller-manager in the cluster: every controller of Part IV on one set of shared
 * informers, under leader election on the Lease `kube-system/kube-controller-manager`. Given code:
 * `npm run controller-manager` is the same thing as a process of its own.
 *
 * The election is the given {@link Leadership}, the scheduler's too: a leader that loses its
 * lease stops its controllers at once (two managers must never act together) and campaigns again.
 *
 * @example
 * ```ts
 * const manager = new ControllerManagerComponent({ client, clock, tracer, settings, identity: 'cp-1', rootCA: controlPlane.caCertificate });
 * await manager.start();    // leads, informers synced, workers running
 * await manager.stop();     // workers stopped, the lease handed back
 * ```
 */
import { customResourcesServed, type ApiClient } from '@kube/apiserver';
import {
  ControllerManager,
  CronJobController,
  DaemonSetController,
  DisruptionController,
  HorizontalPodAutoscalerController,
  StatefulSetController,
  DeploymentController,
  EndpointSliceController,
  EndpointsController,
  GarbageCollector,
  GC_RESOURCES,
  JobController,
  NamespaceController,
  NodeLifecycleController,
  PersistentVolumeController,
  PodGCController,
  ClusterRoleAggregationController,
  PVCProtectionController,
  PVProtectionController,
  ReplicationManager,
  ResourceQuotaController,
  nodeLifecycleEventsClient,
  recordRegisteredNodes,
  ReplicaSetController,
  RootCACertPublisher,
  ServiceAccountsController,
  TaintEvictionController,
  taintEvictionEventsClient,
  TokensController,
  TTLController,
  type ControllerDescriptor,
  type LegacyTokenGenerator,
} from '@kube/controllers';
import type { Clock } from '@kube/kit';
import type { ClusterSettings, Tracer } from './cluster-api.ts';
import { Leadership } from './leadership.ts';

/** The component's name in the trace and in events. */
export const CONTROLLER_MANAGER = 'kube-controller-manager';

/**
 * Every controller of Part IV, with kube-controller-manager's names and workers. With `rootCA`
 * (kubeadm's `--root-ca-file`), the root CA publisher too: without a CA there is nothing to publish.
 */
export function clusterControllers(settings: ClusterSettings, rootCA?: string, legacyTokens?: LegacyTokenGenerator): ControllerDescriptor[] {
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
    { name: 'garbagecollector', component: 'garbage-collector-controller', make: (c) => new GarbageCollector({ ...c, resources: [...GC_RESOURCES, 'jobs', 'cronjobs', 'daemonsets', 'statefulsets', 'controllerrevisions', 'replicationcontrollers', 'persistentvolumeclaims', 'csinodes', 'nodes'], discover: customResourcesServed }) },
    // Given, not katas: every namespace's ServiceAccount "default" (service-accounts.ts) and ConfigMap "kube-root-ca.crt"
    // (root-ca-publisher.ts), Jobs (job.ts), CronJobs (cronjob.ts), DaemonSets (daemonset.ts), StatefulSets (statefulset.ts), PodDisruptionBudgets
    // (disruption.ts), PodGC (pod-gc.ts) and the aggregated ClusterRoles (clusterrole-aggregation.ts).
    { name: 'serviceaccount', component: 'service-account-controller', workers: 1, make: (c) => new ServiceAccountsController(c) },
    ...(rootCA === undefined ? [] : [{ name: 'root-ca-cert-publisher', component: 'root-ca-cert-publisher', workers: 1, make: (c) => new RootCACertPublisher({ ...c, rootCA }) } satisfies ControllerDescriptor]),
    // With a signer (kubeadm's --service-account-private-key-file): a service account token Secret gets its token (tokens.ts).
    ...(legacyTokens === undefined ? [] : [{ name: 'serviceaccount-token', component: 'tokens-controller', workers: 1, make: (c) => new TokensController({ ...c, tokens: legacyTokens, ...(rootCA !== undefined && { rootCA }) }) } satisfies ControllerDescriptor]),
    { name: 'podgc', component: 'pod-garbage-collector', make: (c) => new PodGCController(c) },
    // Every Node's node.alpha.kubernetes.io/ttl annotation, by the cluster's size (ttl.ts): 0 for fewer than 100 nodes.
    { name: 'ttl', component: 'ttl-controller', make: (c) => new TTLController(c) },
    { name: 'clusterrole-aggregation', component: 'clusterrole-aggregation-controller', workers: 1, make: (c) => new ClusterRoleAggregationController(c) },
    { name: 'job', component: 'job-controller', podEvents: true, make: (c) => new JobController(c) },
    { name: 'cronjob', component: 'cronjob-controller', make: (c) => new CronJobController(c) },
    { name: 'daemonset', component: 'daemonset-controller', podEvents: true, make: (c) => new DaemonSetController(c) },
    { name: 'statefulset', component: 'statefulset-controller', make: (c) => new StatefulSetController(c) },
    { name: 'disruption', component: 'controllermanager', make: (c) => new DisruptionController(c) },
    { name: 'resourcequota', component: 'resourcequota-controller', make: (c) => new ResourceQuotaController(c) },
    { name: 'horizontalpodautoscaling', component: 'horizontal-pod-autoscaler', make: (c) => new HorizontalPodAutoscalerController(c) },
    { name: 'replicationcontroller', component: 'replication-controller', podEvents: true, make: (c) => new ReplicationManager(c) },
    { name: 'persistentvolume-binder', component: 'persistentvolume-controller', workers: 1, make: (c) => new PersistentVolumeController(c) },
    { name: 'persistentvolumeclaim-protection', component: 'persistentvolumeclaim-protection-controller', workers: 1, make: (c) => new PVCProtectionController(c) },
    { name: 'persistentvolume-protection', component: 'persistentvolume-protection-controller', workers: 1, make: (c) => new PVProtectionController(c) },
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
  /**
   * The cluster CA's certificate, PEM (`controlPlane.caCertificate`): kubeadm starts
   * kube-controller-manager with `--root-ca-file`, and its root CA publisher puts the CA in every
   * namespace as the ConfigMap `kube-root-ca.crt`. None (an apiserver without TLS): no publisher.
   */
  rootCA?: string;
  /**
   * What the token controller signs a Secret's long-lived token with (`controlPlane.legacyTokens`,
   * as kubeadm gives kube-controller-manager `--service-account-private-key-file`). None: no token controller.
   */
  legacyTokens?: LegacyTokenGenerator;
}

/** The controller manager, leading or waiting to. */
export class ControllerManagerComponent {
  private readonly leadership: Leadership<ControllerManager>;

  constructor(private readonly options: ControllerManagerComponentOptions) {
    const { client, clock, tracer, settings, identity, rootCA, legacyTokens } = options;
    this.leadership = new Leadership({
      ...options,
      lease: CONTROLLER_MANAGER,
      begin: async () => {
        const manager = new ControllerManager({ client, clock, identity, controllers: clusterControllers(settings, rootCA, legacyTokens), log: (line) => tracer.log(CONTROLLER_MANAGER, line) });
        await manager.start();
        return manager;
      },
    });
  }

  /** Is it the leader, with its controllers running? */
  get leading(): boolean {
    return this.leadership.current !== undefined;
  }

  /** The names of the controllers running (none while it does not lead): `replicaset`, `root-ca-cert-publisher`. */
  get controllers(): string[] {
    return this.leadership.current?.names() ?? [];
  }

  /** Campaigns; resolves once it leads and its controllers run. */
  async start(): Promise<void> {
    await this.options.tracer.step(CONTROLLER_MANAGER, 'start', () => this.leadership.start());
  }

  /** Stops the controllers and hands the lease back. */
  async stop(): Promise<void> {
    await this.options.tracer.step(CONTROLLER_MANAGER, 'stop', () => this.leadership.stop());
  }
}
