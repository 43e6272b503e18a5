/**
 * The service accounts controller (kube-controller-manager's pkg/controller/serviceaccount,
 * serviceaccounts_controller.go): every active namespace has a ServiceAccount `default`, made when
 * the namespace appears and made again when someone deletes it. It is what a pod runs as when it
 * names none, and what `kubectl create token default` asks a token for.
 *
 * ```
 * namespace shop added (Active)        ->  create serviceaccounts/default in shop
 * serviceaccount shop/default deleted  ->  shop again: create it again
 * namespace shop Terminating           ->  nothing (the namespace controller is emptying it)
 * ```
 *
 * Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's.
 *
 * @example
 * ```ts
 * const controller = new ServiceAccountsController({ client, clock, factory });
 * factory.start();
 * controller.run();
 * // kubectl create ns shop; kubectl get sa -n shop  ->  default
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { Clock, KubeObject, Namespace } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The ServiceAccounts every namespace gets (upstream's --service-account... default: just `default`). */
export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = ['default'];

/** What a {@link ServiceAccountsController} needs. */
export interface ServiceAccountsControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  onError?: (key: string, error: unknown) => void;
}

/** Makes sure every active namespace has its {@link DEFAULT_SERVICE_ACCOUNTS}. */
export class ServiceAccountsController {
  readonly namespaces: SharedIndexInformer<Namespace>;
  readonly serviceAccounts: SharedIndexInformer<KubeObject>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: ServiceAccountsControllerOptions) {
    this.client = options.client;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.namespaces = options.factory.namespaces();
    this.serviceAccounts = options.factory.informerFor<KubeObject>('serviceaccounts');
    const enqueue = (namespace: Namespace) => this.queue.add(namespace.metadata.name!);
    this.namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_old, namespace) => enqueue(namespace) });
    // A deleted ServiceAccount of ours: its namespace is synced again, which makes it again.
    this.serviceAccounts.addEventHandler({
      onDelete: (account) => {
        const namespace = account instanceof DeletedFinalStateUnknown ? account.key.split('/')[0] : account.metadata.namespace;
        if (namespace) this.queue.add(namespace);
      },
    });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncNamespace(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /**
   * One namespace, read from the cache: gone or not Active (being deleted), nothing; else each
   * default ServiceAccount the cache does not have is created. One made meanwhile by someone else
   * (AlreadyExists) is fine, and so is a namespace that began terminating meanwhile (Forbidden).
   */
  async syncNamespace(name: string): Promise<void> {
    const namespace = this.namespaces.indexer.getByKey(name);
    if (!namespace || namespace.metadata.deletionTimestamp || (namespace.status?.phase ?? 'Active') !== 'Active') return;
    for (const account of DEFAULT_SERVICE_ACCOUNTS) {
      if (this.serviceAccounts.indexer.getByKey(`${name}/${account}`)) continue;
      try {
        await this.client.resource<KubeObject>('serviceaccounts', name).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace: name } });
      } catch (error) {
        if (!isStatusError(error, 'AlreadyExists') && !isStatusError(error, 'Forbidden')) throw error;
      }
    }
  }
}
