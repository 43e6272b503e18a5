/**
 * One informer per resource for every controller of a controller manager (client-go's
 * informers/factory.go, `sharedInformerFactory`). Ten controllers that all watch pods share one
 * list, one watch and one cache of pods: the apiserver serves one stream instead of ten, and memory
 * holds each pod once.
 *
 * This file is given: it is bookkeeping around kata 17's {@link SharedIndexInformer}.
 *
 * @example
 * ```ts
 * const factory = new SharedInformerFactory({ client, clock });
 * const rsController = new ReplicaSetController({ client, clock, factory });  // asks for pods and replicasets
 * const deployController = new DeploymentController({ client, clock, factory }); // the same two, shared
 * factory.start();                   // one reflector per resource asked for so far
 * await factory.waitForCacheSync();  // every informer has its first list
 * factory.shutdown();
 * ```
 */
import { type Clock, type Deployment, type Endpoints, type Event, type KubeObject, type Lease, type Namespace, type Node, type Pod, type ReplicaSet, type Service } from '@kube/kit';
import type { ApiClient } from '@kube/apiserver';
import { SharedIndexInformer } from './informer.ts';

/** What a factory needs. */
export interface SharedInformerFactoryOptions {
  client: ApiClient;
  clock: Clock;
  /** only this namespace (default: every namespace) */
  namespace?: string;
  /** the resync period of handlers added without one (default 0: none) */
  defaultResyncPeriodMs?: number;
  /** told of each list or watch failure (each reflector retries it) */
  onError?: (resource: string, error: unknown) => void;
}

/** The factory of shared informers. */
export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedIndexInformer<KubeObject>>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly options: SharedInformerFactoryOptions) {}

  /** The informer of `resource` (a plural name: 'pods'), made on the first call and shared after. */
  informerFor<T extends KubeObject>(resource: string): SharedIndexInformer<T> {
    let informer = this.informers.get(resource);
    if (!informer) {
      const { client, clock, namespace, defaultResyncPeriodMs, onError } = this.options;
      informer = new SharedIndexInformer<KubeObject>({
        lw: client.resource<KubeObject>(resource, namespace),
        clock,
        ...(defaultResyncPeriodMs !== undefined && { defaultResyncPeriodMs }),
        ...(onError && { onError: (error: unknown) => onError(resource, error) }),
      });
      this.informers.set(resource, informer);
    }
    return informer as unknown as SharedIndexInformer<T>;
  }

  pods(): SharedIndexInformer<Pod> {
    return this.informerFor<Pod>('pods');
  }
  replicaSets(): SharedIndexInformer<ReplicaSet> {
    return this.informerFor<ReplicaSet>('replicasets');
  }
  deployments(): SharedIndexInformer<Deployment> {
    return this.informerFor<Deployment>('deployments');
  }
  nodes(): SharedIndexInformer<Node> {
    return this.informerFor<Node>('nodes');
  }
  namespaces(): SharedIndexInformer<Namespace> {
    return this.informerFor<Namespace>('namespaces');
  }
  services(): SharedIndexInformer<Service> {
    return this.informerFor<Service>('services');
  }
  endpoints(): SharedIndexInformer<Endpoints> {
    return this.informerFor<Endpoints>('endpoints');
  }
  events(): SharedIndexInformer<Event> {
    return this.informerFor<Event>('events');
  }
  leases(): SharedIndexInformer<Lease> {
    return this.informerFor<Lease>('leases');
  }

  /**
   * Starts every informer asked for and not yet started (call it again after asking for more).
   * An informer that fails for good (an unfinished kata) goes to `onFatal` (default: rethrown as an
   * unhandled rejection, so that a test run shows it).
   */
  start(onFatal: (resource: string, error: unknown) => void = (_resource, error) => void Promise.reject(error)): void {
    for (const [resource, informer] of this.informers) {
      if (this.running.has(resource)) continue;
      this.running.set(
        resource,
        informer.run().catch((error: unknown) => {
          informer.stop();
          onFatal(resource, error);
        }),
      );
    }
  }

  /**
   * Stops one informer and forgets it: a custom resource no longer served (the garbage collector
   * stops following it). Asking for it again makes a new one.
   */
  async stopInformer(resource: string): Promise<void> {
    const informer = this.informers.get(resource);
    if (!informer) return;
    informer.stop();
    await this.running.get(resource);
    this.informers.delete(resource);
    this.running.delete(resource);
  }

  /** Resolves once every started informer has its first list in its cache. */
  async waitForCacheSync(): Promise<void> {
    await Promise.all([...this.running.keys()].map((resource) => this.informers.get(resource)!.whenSynced()));
  }

  /** Stops every informer and waits for their loops to end. */
  async shutdown(): Promise<void> {
    for (const informer of this.informers.values()) informer.stop();
    await Promise.all(this.running.values());
  }
}
