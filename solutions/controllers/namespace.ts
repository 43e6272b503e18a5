/**
 * The namespace controller (kube-controller-manager's pkg/controller/namespace, with
 * deletion/namespaced_resources_deleter.go): what makes `kubectl delete namespace shop` finish.
 *
 * Deleting a namespace does not delete it: the apiserver marks it (a deletionTimestamp,
 * `status.phase: Terminating`) and keeps it, because its `spec.finalizers` holds `kubernetes`.
 * This controller then deletes everything in it, and once nothing is left, removes the
 * `kubernetes` finalizer — and with the last finalizer gone, the apiserver deletes the namespace.
 *
 * ```
 * kubectl delete ns shop  ->  shop: Terminating, finalizers [kubernetes]
 * controller: delete every pod, service, replicaset, ... in shop   (some may linger: finalizers)
 *             anything left? -> try again later
 *             nothing left   -> finalizers []  ->  shop is gone
 * ```
 */
import { isStatusError, RESOURCES, type ApiClient } from '@kube/apiserver';
import type { Clock, KubeObject, Namespace } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The finalizer the namespace controller owns. */
export const NAMESPACE_FINALIZER = 'kubernetes';

/** The namespaced resources the apiserver serves (what a namespace can hold), from its resource table. */
export function namespacedResources(): string[] {
  return [...RESOURCES.values()].filter((type) => type.namespaced && !(type as { review?: boolean }).review).map((type) => type.resource);
}

/** Thrown while a namespace still holds objects (they have finalizers of their own): tried again with back-off. */
export class ContentRemainingError extends Error {
  override readonly name = 'ContentRemainingError';
  constructor(
    readonly namespace: string,
    /** resource -> how many objects are left */
    readonly remaining: Record<string, number>,
  ) {
    super(`namespace ${namespace} is not empty yet: ${Object.entries(remaining).map(([resource, n]) => `${resource} has ${n} resource instances`).join(', ')}`);
  }
}

/** What a namespace controller needs. */
export interface NamespaceControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  /** the namespaced resources to empty (default {@link namespacedResources}) */
  resources?: readonly string[];
  onError?: (key: string, error: unknown) => void;
}

/** The namespace controller of kata 21. */
export class NamespaceController {
  readonly namespaces: SharedIndexInformer<Namespace>;
  readonly queue: RateLimitingQueue<string>;
  private readonly given: readonly string[] | undefined;
  private readonly client: ApiClient;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  /** The resources it empties: those it was given, or every namespaced one served now (custom resources come and go). */
  get resources(): readonly string[] {
    return this.given ?? namespacedResources();
  }

  constructor(options: NamespaceControllerOptions) {
    this.client = options.client;
    this.onError = options.onError;
    this.given = options.resources;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.namespaces = options.factory.namespaces();
    const enqueue = (ns: Namespace) => {
      if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!);
    };
    this.namespaces.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_old, ns) => enqueue(ns),
      onDelete: (ns) => this.queue.add(ns instanceof DeletedFinalStateUnknown ? ns.key : ns.metadata.name!),
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
   * Deletes every object of `this.resources` in the namespace (a resource the apiserver does not
   * serve, NotFound on its list, is skipped; an object already gone is fine) and returns how many
   * are still there afterwards, by resource (those with finalizers of their own are only marked).
   * Upstream's `deleteAllContent`.
   */
  async deleteAllContent(namespace: string): Promise<Record<string, number>> {
    const remaining: Record<string, number> = {};
    for (const resource of this.resources) {
      const objects = this.client.resource<KubeObject>(resource, namespace);
      let items: KubeObject[];
      try {
        items = (await objects.list()).items;
      } catch (error) {
        if (isStatusError(error, 'NotFound')) continue;
        throw error;
      }
      let left = 0;
      for (const item of items) {
        try {
          const after = await objects.delete(item.metadata.name!, { preconditions: { uid: item.metadata.uid! } });
          if (after.metadata.deletionTimestamp) left++;
        } catch (error) {
          if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Conflict')) throw error;
        }
      }
      if (left > 0) remaining[resource] = left;
    }
    return remaining;
  }

  /**
   * One sync of a namespace (upstream's `NamespacedResourcesDeleter.Delete`), read from the cache:
   * gone, or not being deleted, or its `spec.finalizers` no longer holds `kubernetes`: nothing.
   * Else {@link deleteAllContent}; something remains -> throw a {@link ContentRemainingError}
   * (retried with back-off); nothing remains -> remove `kubernetes` from `spec.finalizers` of the
   * namespace read fresh, through its `finalize` subresource (a plain update keeps them; the
   * apiserver deletes it once no finalizer is left; gone meanwhile is fine).
   */
  async syncNamespace(name: string): Promise<void> {
    const namespace = this.namespaces.indexer.getByKey(name);
    if (!namespace?.metadata.deletionTimestamp) return;
    if (!(namespace.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;
    const remaining = await this.deleteAllContent(name);
    if (Object.keys(remaining).length > 0) throw new ContentRemainingError(name, remaining);
    const namespaces = this.client.namespaces();
    try {
      const fresh = await namespaces.get(name);
      await namespaces.finalize({ ...fresh, spec: { ...fresh.spec, finalizers: (fresh.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) } });
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
    }
  }
}
