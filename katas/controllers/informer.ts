/**
 * The shared informer: one reflector filling one indexed store, and every change told to the
 * handlers of every controller that shares it (client-go's tools/cache/shared_informer.go,
 * `sharedIndexInformer.HandleDeltas` and its `sharedProcessor`).
 *
 * The informer is the reflector's store: each call updates the indexer first, then tells the
 * handlers, so a handler that reads the indexer sees the change it is told of.
 *
 * | the reflector calls | the indexer | the handlers hear |
 * | --- | --- | --- |
 * | `add(obj)` / `update(obj)` | stores obj | `onUpdate(old, obj)` if the key was there, else `onAdd(obj, false)` |
 * | `delete(obj)` | removes it | `onDelete(obj)` |
 * | `replace(items)` (a list) | becomes items | for each item, as add/update (`onAdd(obj, true)` on the first list); then for each key no longer listed, `onDelete(DeletedFinalStateUnknown)` |
 */
import { isNotImplemented, NotImplemented, objectKey, type Clock, type KubeObject, type Timer } from '@kube/kit';
import {
  DeletedFinalStateUnknown,
  metaNamespaceIndexFunc,
  NAMESPACE_INDEX,
  type EventHandlerRegistration,
  type Indexers,
  type ListerWatcher,
  type ReflectorStore,
  type ResourceEventHandler,
  type SharedIndexInformerApi,
} from './informer-api.ts';
import { Reflector } from './reflector.ts';
import { IndexedStore } from './store.ts';

/** What a shared informer needs. */
export interface SharedInformerOptions<T extends KubeObject> {
  /** where to list and watch: `client.pods()` */
  lw: ListerWatcher<T>;
  clock: Clock;
  /** indexes besides {@link NAMESPACE_INDEX}, which every informer has */
  indexers?: Indexers<T>;
  labelSelector?: string;
  fieldSelector?: string;
  /** the resync period of handlers added without one (0: none) */
  defaultResyncPeriodMs?: number;
  /** told of each list or watch failure (the reflector retries it) */
  onError?: (error: unknown) => void;
}

/** A handler and its resync timer. */
interface Listener<T> {
  handler: ResourceEventHandler<T>;
  timer: Timer | undefined;
}

/** The {@link SharedIndexInformerApi} of kata 17. */
export class SharedIndexInformer<T extends KubeObject> implements SharedIndexInformerApi<T>, ReflectorStore<T> {
  readonly indexer: IndexedStore<T>;
  readonly reflector: Reflector<T>;
  private readonly clock: Clock;
  private readonly defaultResyncPeriodMs: number;
  private readonly listeners = new Set<Listener<T>>();
  private synced = false;
  private readonly synced$: Promise<void>;
  private resolveSynced!: () => void;

  constructor(options: SharedInformerOptions<T>) {
    this.clock = options.clock;
    this.defaultResyncPeriodMs = options.defaultResyncPeriodMs ?? 0;
    this.indexer = new IndexedStore<T>({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc, ...options.indexers });
    this.reflector = new Reflector<T>({
      lw: options.lw,
      store: this,
      clock: options.clock,
      ...(options.labelSelector !== undefined && { labelSelector: options.labelSelector }),
      ...(options.fieldSelector !== undefined && { fieldSelector: options.fieldSelector }),
      ...(options.onError && { onError: options.onError }),
    });
    this.synced$ = new Promise((resolve) => (this.resolveSynced = resolve));
  }

  addEventHandler(handler: ResourceEventHandler<T>, resyncPeriodMs = this.defaultResyncPeriodMs): EventHandlerRegistration {
    // TODO(17): keep a Listener; if already synced, tell it onAdd(object, true) for each object in the indexer;
    //   with resyncPeriodMs > 0, a clock interval that calls onUpdate(object, object) for each object.
    // TODO(17): return { hasSynced: synced and not removed, remove: clear its timer and forget it }.
    throw new NotImplemented('17', 'SharedIndexInformer.addEventHandler');
  }

  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  whenSynced(): Promise<void> {
    return this.synced$;
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  /** Lists and watches until {@link stop}; rejects only for an unfinished kata (NotImplemented). */
  async run(): Promise<void> {
    await this.reflector.run();
  }

  stop(): void {
    this.reflector.stop();
    for (const listener of this.listeners) if (listener.timer) this.clock.clearTimeout(listener.timer);
  }

  // ---- the reflector's store ----

  add(object: T): void {
    // TODO(17): into the indexer, then tell the handlers: onUpdate(old, object) if the key was there, else onAdd(object, false).
    throw new NotImplemented('17', 'SharedIndexInformer.add');
  }

  update(object: T): void {
    // TODO(17): the same as add: update if the key was there, else add.
    throw new NotImplemented('17', 'SharedIndexInformer.update');
  }

  delete(object: T): void {
    // TODO(17): out of the indexer, then onDelete(object).
    throw new NotImplemented('17', 'SharedIndexInformer.delete');
  }

  replace(items: readonly T[], resourceVersion: string): void {
    // TODO(17): each item as add/update (onAdd(object, true) during the first list); then each key the list lacks (in key order):
    //   out of the indexer, and onDelete(new DeletedFinalStateUnknown(key, lastKnown)).
    // TODO(17): after the first list: synced = true and resolveSynced().
    throw new NotImplemented('17', 'SharedIndexInformer.replace');
  }

  /**
   * Tells every handler. One handler's bug must not stop the others nor the informer (client-go
   * recovers from a handler's panic): it is reported and skipped; an unfinished kata is not hidden.
   */
  private tell(call: (handler: ResourceEventHandler<T>) => void): void {
    for (const listener of [...this.listeners]) {
      try {
        call(listener.handler);
      } catch (error) {
        if (isNotImplemented(error)) throw error;
        console.error('an event handler threw:', error);
      }
    }
  }
}
