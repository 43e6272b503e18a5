/**
 * The simplest keyspace that could work: a Map, filtered and sorted on every read. Slow and
 * obviously right, it is what model-based tests compare the store with.
 */
import { byteOrder, hasPrefix } from './keys.ts';

/** Does `k` fall in the range `[key, rangeEnd)` as etcd reads it? */
export function inRange(k: string, key: string, rangeEnd?: string): boolean {
  if (rangeEnd === undefined || rangeEnd === '') return k === key;
  if (rangeEnd === '\0') return byteOrder(k, key) >= 0;
  return byteOrder(k, key) >= 0 && byteOrder(k, rangeEnd) < 0;
}

/** A keyspace as a plain Map. */
export class KeyspaceModel {
  readonly data = new Map<string, string>();

  put(key: string, value: string): void {
    this.data.set(key, value);
  }

  /** The matching keys, sorted by bytes. */
  select(key: string, rangeEnd?: string): [string, string][] {
    return [...this.data].filter(([k]) => inRange(k, key, rangeEnd)).sort(([a], [b]) => byteOrder(a, b));
  }

  /** The keys that start with `prefix`, sorted by bytes. */
  selectPrefix(prefix: string): [string, string][] {
    return [...this.data].filter(([k]) => hasPrefix(k, prefix)).sort(([a], [b]) => byteOrder(a, b));
  }

  delete(key: string, rangeEnd?: string): number {
    return this.remove(this.select(key, rangeEnd));
  }

  deletePrefix(prefix: string): number {
    return this.remove(this.selectPrefix(prefix));
  }

  private remove(doomed: [string, string][]): number {
    for (const [k] of doomed) this.data.delete(k);
    return doomed.length;
  }
}
