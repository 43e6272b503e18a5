/**
 * The resource quota controller (kube-controller-manager's pkg/controller/resourcequota, v1.32):
 * writes each ResourceQuota's `status` — `hard` as its spec says, `used` as the namespace holds —
 * which the ResourceQuota admission plugin (apiserver's resource-quota.ts) checks every create
 * against. Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's.
 *
 * ```
 * kubectl create quota small --hard=pods=2,count/deployments.apps=1
 *   sync -> status {hard: {count/deployments.apps: 1, pods: 2}, used: {count/deployments.apps: 0, pods: 0}}
 * kubectl run a --image=nginx      (admission charges it: used pods 1)
 * kubectl delete pod a             (the pod goes)
 *   sync -> used pods 0            (replenished: the pod's delete is an event this controller watches)
 * ```
 *
 * When it counts a quota again: when the quota is made or its `spec.hard` changes; when a pod
 * finishes or goes, a Service's type changes, or an object of a kind it watches goes
 * (replenishment: the namespace's quotas);
 * and every {@link RESOURCE_QUOTA_RESYNC_MS} for every quota, which puts right what admission
 * charged for an object that was then never stored. It counts from the informers' caches for the
 * kinds it watches and by listing for any other kind a quota caps (`count/<resource>.<group>`).
 *
 * Where it simplifies: the kinds it watches for replenishment are a fixed list (upstream discovers
 * every quotable resource), and there is no priority queue for quotas that have never been counted.
 *
 * @example
 * ```ts
 * const controller = new ResourceQuotaController({ client, clock, factory });
 * factory.start();
 * controller.run();
 * ```
 */
import { matchingResources, podCharged, quotaMatches, quotaUsage, RESOURCES, addAmounts, maskAmounts, type ApiClient, type ResourceAmounts } from '@kube/apiserver';
import { isDeepStrictEqual } from 'node:util';
import type { Clock, KubeObject, Pod, ResourceQuota, Service, Timer } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** How often every quota is counted again from scratch (`--resource-quota-sync-period`, 5 minutes). */
export const RESOURCE_QUOTA_RESYNC_MS = 5 * 60_000;

/** The kinds besides pods whose objects going gives a namespace's quotas back what they were charged. */
export const REPLENISHED_RESOURCES: readonly string[] = ['services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'];

/** What a {@link ResourceQuotaController} needs. */
export interface ResourceQuotaControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  onError?: (key: string, error: unknown) => void;
}

/** Keeps each ResourceQuota's status: what its namespace holds of each resource it caps. */
export class ResourceQuotaController {
  readonly quotas: SharedIndexInformer<ResourceQuota>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly queue: RateLimitingQueue<string>;
  private readonly watched = new Map<string, SharedIndexInformer<KubeObject>>();
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];
  private resync: Timer | undefined;

  constructor(options: ResourceQuotaControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.quotas = options.factory.informerFor<ResourceQuota>('resourcequotas');
    const keyOf = (object: KubeObject) => `${object.metadata.namespace}/${object.metadata.name}`;
    // Its own status writes are no reason to count again: only a new quota, or a new spec.hard.
    this.quotas.addEventHandler({
      onAdd: (quota) => this.queue.add(keyOf(quota)),
      onUpdate: (old, quota) => {
        if (!isDeepStrictEqual(old.spec?.hard ?? {}, quota.spec?.hard ?? {})) this.queue.add(keyOf(quota));
      },
    });
    const replenish = (object: KubeObject | DeletedFinalStateUnknown<KubeObject>) => {
      const namespace = object instanceof DeletedFinalStateUnknown ? object.key.split('/')[0]! : (object.metadata.namespace ?? '');
      for (const quota of this.quotas.indexer.byIndex(NAMESPACE_INDEX, namespace)) this.queue.add(keyOf(quota));
    };
    this.pods = options.factory.pods();
    this.pods.addEventHandler({
      // a pod that finished (or whose grace period ran out) no longer counts
      onUpdate: (old, pod) => {
        const now = this.clock.now();
        if (podCharged(old, now) && !podCharged(pod, now)) replenish(pod);
      },
      onDelete: replenish,
    });
    for (const resource of REPLENISHED_RESOURCES) {
      const informer = options.factory.informerFor<KubeObject>(resource);
      informer.addEventHandler({ onDelete: replenish });
      this.watched.set(resource, informer);
      // a Service whose type changed may give node ports or a load balancer back
      const typeOf = (object: KubeObject) => (object as Service).spec?.type;
      if (resource !== 'services') continue;
      informer.addEventHandler({
        onUpdate: (old, service) => {
          if (typeOf(old) !== typeOf(service)) replenish(service);
        },
      });
    }
    this.watched.set('pods', this.pods as SharedIndexInformer<KubeObject>);
  }

  /** Starts `workers` workers and the periodic full count (the factory must be started too). */
  run(workers = 1): void {
    this.resync = this.clock.setInterval(() => {
      for (const quota of this.quotas.indexer.list()) this.queue.add(`${quota.metadata.namespace}/${quota.metadata.name}`);
    }, RESOURCE_QUOTA_RESYNC_MS);
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync) and the periodic count. */
  async stop(): Promise<void> {
    if (this.resync) this.clock.clearTimeout(this.resync);
    this.resync = undefined;
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /**
   * One quota counted (syncResourceQuota): for each resource it caps, what the namespace's
   * objects cost, written to its status with `hard` copied from the spec — only when that changes.
   */
  async sync(key: string): Promise<void> {
    const quota = this.quotas.indexer.getByKey(key);
    if (!quota) return;
    const hard = quota.spec?.hard ?? {};
    const names = Object.keys(hard);
    const namespace = quota.metadata.namespace ?? '';
    // As the plugin matches it once counted: against the hard it will have.
    const counted: ResourceQuota = { ...quota, status: { hard } };
    let used: ResourceAmounts = { ...quota.status?.used };
    const now = this.clock.now();
    for (const type of RESOURCES.values()) {
      const matching = matchingResources(type.resource, type.group, names);
      if (!type.namespaced || type.review || type.computed || matching.length === 0) continue;
      let total: ResourceAmounts = Object.fromEntries(matching.map((name) => [name, '0']));
      for (const object of await this.objectsOf(type.resource, namespace)) {
        if (quotaMatches(counted, type.resource, type.group, object)) total = addAmounts(total, maskAmounts(quotaUsage(type.resource, type.group, object, now), matching));
      }
      used = { ...used, ...total };
    }
    const status = { hard, used: maskAmounts(used, names) };
    if (isDeepStrictEqual(quota.status ?? {}, status)) return;
    await this.client.resource<ResourceQuota>('resourcequotas', namespace).updateStatus({ ...quota, status });
  }

  /** A namespace's objects of one kind: from the cache when this controller watches the kind, else listed. */
  private async objectsOf(resource: string, namespace: string): Promise<readonly KubeObject[]> {
    const informer = this.watched.get(resource);
    if (informer) return informer.indexer.byIndex(NAMESPACE_INDEX, namespace);
    return (await this.client.resource<KubeObject>(resource, namespace).list()).items;
  }
}
