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
import { NotImplemented } from '@kube/kit';
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
    // TODO(21): for each of this.resources: list it in the namespace (NotFound: not served, skip); delete each item with its uid
    // TODO(21): as a precondition (NotFound or Conflict: fine); count those still there (the delete answered with a deletionTimestamp).
    throw new NotImplemented('21', 'NamespaceController.deleteAllContent');
  }

  /**
   * One sync of a namespace (upstream's `NamespacedResourcesDeleter.Delete`), read from the cache:
   * gone, or not being deleted, or its `spec.finalizers` no longer holds `kubernetes`: nothing.
   * Else {@link deleteAllContent}; something remains -> throw a {@link ContentRemainingError}
   * (retried with back-off); nothing remains -> remove `kubernetes` from `spec.finalizers` through
   * `client.namespaces().finalize` on the namespace read fresh (a plain update keeps
   * `spec.finalizers`; the apiserver deletes it once no finalizer is left; gone meanwhile is fine).
   */
  async syncNamespace(name: string): Promise<void> {
    // TODO(21): from the cache: not being deleted, or no "kubernetes" in spec.finalizers -> nothing; deleteAllContent; something
    // TODO(21): left -> throw new ContentRemainingError(name, remaining); else finalize a fresh read with "kubernetes" taken out
    // TODO(21): of spec.finalizers (client.namespaces().finalize: a plain update keeps them; NotFound: fine).
    throw new NotImplemented('21', 'NamespaceController.syncNamespace');
  }
}
