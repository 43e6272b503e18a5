/**
 * The simplest keyspace that could work — a Map, filtered and sorted by bytes on every read — and
 * the definition of a range it reads with. Slow and obviously right: model-based tests compare the
 * store with it, command by command. It shares no code with any kata.
 *
 * @example
 * ```ts
 * const model = new KeyspaceModel();
 * model.put('b', '2'); model.put('a', '1');
 * model.answer(model.select('\0', '\0'), { limit: 1 }); // { pairs: [['a', '1']], count: 2, more: true }
 * ```
 */
import { byteOrder, hasPrefix } from './bytes.ts';

/** A key and its value. */
export type Pair = [key: string, value: string];

/** What a range should return, in pairs: the shape {@link KeyspaceModel.answer} gives. */
export interface ExpectedRange {
  pairs: Pair[];
  count: number;
  more: boolean;
}

/**
 * Whether `key` is in the range `[start, rangeEnd)` as etcd reads it: no range end (or `''`) is
 * the one key `start`; `'\0'` is every key from `start` on; otherwise `start <= key < rangeEnd`
 * by UTF-8 bytes.
 */
export function inRangeByBytes(key: string, start: string, rangeEnd?: string): boolean {
  if (rangeEnd === undefined || rangeEnd === '') return key === start;
  if (rangeEnd === '\0') return byteOrder(key, start) >= 0;
  return byteOrder(key, start) >= 0 && byteOrder(key, rangeEnd) < 0;
}

/** A keyspace as a plain Map. */
export class KeyspaceModel {
  /** key → value, in no particular order */
  readonly data = new Map<string, string>();

  /** Sets the value; returns the value it replaced, if any. */
  put(key: string, value: string): string | undefined {
    const previous = this.data.get(key);
    this.data.set(key, value);
    return previous;
  }

  /** The pairs of the range `[start, rangeEnd)` (see {@link inRangeByBytes}), sorted by bytes. */
  select(start: string, rangeEnd?: string): Pair[] {
    return this.sorted([...this.data].filter(([key]) => inRangeByBytes(key, start, rangeEnd)));
  }

  /** The pairs whose keys start with `prefix`, byte for byte, sorted by bytes. */
  selectPrefix(prefix: string): Pair[] {
    return this.sorted([...this.data].filter(([key]) => hasPrefix(key, prefix)));
  }

  /** Removes the given pairs' keys; returns the pairs. */
  remove(pairs: Pair[]): Pair[] {
    for (const [key] of pairs) this.data.delete(key);
    return pairs;
  }

  /** What a range over `selected` returns with these options: limit, keysOnly, countOnly applied. */
  answer(selected: Pair[], options: { limit?: number; keysOnly?: boolean; countOnly?: boolean } = {}): ExpectedRange {
    const count = selected.length;
    if (options.countOnly) return { pairs: [], count, more: false };
    const limit = options.limit ?? 0;
    const kept = limit > 0 ? selected.slice(0, limit) : selected;
    return { pairs: options.keysOnly ? kept.map(([key]) => [key, '']) : kept, count, more: kept.length < count };
  }

  private sorted(pairs: Pair[]): Pair[] {
    return pairs.sort(([a], [b]) => byteOrder(a, b));
  }
}
