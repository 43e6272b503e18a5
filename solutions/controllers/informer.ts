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
import { isNotImplemented, objectKey, type Clock, type KubeObject, type Timer } from '@kube/kit';
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
    const listener: Listener<T> = { handler, timer: undefined };
    this.listeners.add(listener);
    // A late handler must not miss what the others already heard: the indexer as it is now.
    if (this.synced) for (const object of this.indexer.list()) handler.onAdd?.(object, true);
    if (resyncPeriodMs > 0) {
      listener.timer = this.clock.setInterval(() => {
        for (const object of this.indexer.list()) handler.onUpdate?.(object, object);
      }, resyncPeriodMs);
    }
    return {
      hasSynced: () => this.synced && this.listeners.has(listener),
      remove: () => {
        if (listener.timer) this.clock.clearTimeout(listener.timer);
        this.listeners.delete(listener);
      },
    };
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
    this.upsert(object, false);
  }

  update(object: T): void {
    this.upsert(object, false);
  }

  delete(object: T): void {
    this.indexer.delete(object);
    this.tell((h) => h.onDelete?.(object));
  }

  replace(items: readonly T[], resourceVersion: string): void {
    const initial = !this.synced;
    const listed = new Set<string>();
    for (const object of items) {
      listed.add(objectKey(object));
      this.upsert(object, initial);
    }
    // Whatever the store has that the list does not was deleted while the watch was down: the
    // informer never saw its final state.
    for (const key of this.indexer.listKeys().sort()) {
      if (listed.has(key)) continue;
      const last = this.indexer.getByKey(key)!;
      this.indexer.delete(last);
      this.tell((h) => h.onDelete?.(new DeletedFinalStateUnknown(key, last)));
    }
    void resourceVersion;
    if (initial) {
      this.synced = true;
      this.resolveSynced();
    }
  }

  /** add or update, whichever the indexer says it is. */
  private upsert(object: T, isInInitialList: boolean): void {
    const old = this.indexer.getByKey(objectKey(object));
    this.indexer.update(object);
    if (old === undefined) this.tell((h) => h.onAdd?.(object, isInInitialList));
    else this.tell((h) => h.onUpdate?.(old, object));
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
