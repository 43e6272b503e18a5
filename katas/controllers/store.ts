/**
 * The indexed store: an informer's cache of one resource (client-go's
 * tools/cache/thread_safe_store.go, `threadSafeMap` with its `storeIndex`).
 *
 * Objects by key, plus for each index a map from index value to the set of keys filed under it:
 *
 * ```
 * items    default/web -> pod web          indices  namespace: default -> {default/web, default/db}
 *          default/db  -> pod db                    node:      n1      -> {default/web}
 * ```
 * Every write files the new object under its index values and takes the old one out of its own:
 * a pod moved from n1 to n2 must leave n1's set, or `byIndex('node', 'n1')` lies for ever.
 */
import { NotImplemented, objectKey, type KubeObject } from '@kube/kit';
import type { Indexer, Indexers } from './informer-api.ts';

/** The {@link Indexer} of kata 17. */
export class IndexedStore<T extends KubeObject> implements Indexer<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers: Indexers<T> = {};
  /** index name -> index value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  /** @param indexers - the indexes to keep from the start (e.g. `{ namespace: metaNamespaceIndexFunc }`) */
  constructor(indexers: Indexers<T> = {}) {
    this.addIndexers(indexers);
  }

  add(object: T): void {
    // TODO(17): store the object under objectKey(object) and file it under each index's values (an object already there: as update).
    throw new NotImplemented('17', 'IndexedStore.add');
  }

  update(object: T): void {
    // TODO(17): replace the stored object; take the key out of the OLD object's index values before filing it under the new ones.
    throw new NotImplemented('17', 'IndexedStore.update');
  }

  delete(object: T): void {
    // TODO(17): remove the object with this key (if any) and its key from every index.
    throw new NotImplemented('17', 'IndexedStore.delete');
  }

  replace(items: readonly T[], _resourceVersion: string): void {
    // TODO(17): the store becomes exactly `items`: clear everything (indexes too), then add each.
    throw new NotImplemented('17', 'IndexedStore.replace');
  }

  getByKey(key: string): T | undefined {
    // TODO(17): the object stored under key, or undefined.
    throw new NotImplemented('17', 'IndexedStore.getByKey');
  }

  list(): T[] {
    // TODO(17): every stored object.
    throw new NotImplemented('17', 'IndexedStore.list');
  }

  listKeys(): string[] {
    // TODO(17): every key.
    throw new NotImplemented('17', 'IndexedStore.listKeys');
  }

  byIndex(indexName: string, value: string): T[] {
    // TODO(17): the objects of indexKeys(indexName, value).
    throw new NotImplemented('17', 'IndexedStore.byIndex');
  }

  indexKeys(indexName: string, value: string): string[] {
    // TODO(17): the keys filed under value in the index; an unknown index: Error `Index with name ${indexName} does not exist`.
    throw new NotImplemented('17', 'IndexedStore.indexKeys');
  }

  addIndexers(indexers: Indexers<T>): void {
    // TODO(17): refuse names already taken (Error `indexer conflict: ${names}`); keep each index function and build its index over the objects already stored.
    throw new NotImplemented('17', 'IndexedStore.addIndexers');
  }
}
