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
import { objectKey, type KubeObject } from '@kube/kit';
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
    this.put(object);
  }

  update(object: T): void {
    this.put(object);
  }

  delete(object: T): void {
    const key = objectKey(object);
    const old = this.items.get(key);
    if (old === undefined) return;
    this.unindex(key, old);
    this.items.delete(key);
  }

  replace(items: readonly T[], _resourceVersion: string): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const object of items) this.put(object);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((key) => this.items.get(key)!);
  }

  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (index === undefined) throw new Error(`Index with name ${indexName} does not exist`);
    return [...(index.get(value) ?? [])];
  }

  addIndexers(indexers: Indexers<T>): void {
    const taken = Object.keys(indexers).filter((name) => name in this.indexers);
    if (taken.length > 0) throw new Error(`indexer conflict: ${taken.join(', ')}`);
    for (const [name, indexFunc] of Object.entries(indexers)) {
      this.indexers[name] = indexFunc;
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      // Objects stored before the index existed belong in it too.
      for (const [key, object] of this.items) for (const value of indexFunc(object)) fileUnder(index, value, key);
    }
  }

  /** Stores `object` under its key, moving its index entries from the old object's values to its own. */
  private put(object: T): void {
    const key = objectKey(object);
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, object);
    for (const [name, indexFunc] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of indexFunc(object)) fileUnder(index, value, key);
    }
  }

  private unindex(key: string, old: T): void {
    for (const [name, indexFunc] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of indexFunc(old)) {
        const keys = index.get(value);
        keys?.delete(key);
        // An empty set kept for every value ever seen would grow without end (pods come and go).
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}

function fileUnder(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (keys === undefined) index.set(value, (keys = new Set()));
  keys.add(key);
}
