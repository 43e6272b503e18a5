/**
 * An ordered map from keys to values, ordered by {@link compareKeys}: the stand-in for the B-tree
 * (google/btree) under etcd's key index (mvcc/index.go, treeIndex).
 *
 * This file is given, like the B-tree library is to etcd. Kata 01 kept its pairs in one sorted
 * array, where inserting a new key moves every key after it: fine for thousands of keys, slow for
 * millions. Here the keys are cut into blocks of at most {@link MAX_BLOCK} sorted keys, the blocks
 * in order: an insert moves at most one block's keys, and a block that grows too big splits in two.
 * (A "sorted list of sorted lists", two levels of a B-tree.) The values sit in a hash map beside
 * the blocks, so a lookup of one key is a hash lookup.
 *
 * The binary searches compare keys with JavaScript's own `<` while every key in the tree (and
 * the key looked for) is free of UTF-16 code units from U+D800 up: there `<` orders strings
 * exactly as {@link compareKeys} does (by UTF-8 bytes), and it is native, several times faster
 * than a loop of `charCodeAt` on keys that share a long `/registry/pods/...` prefix. One key with
 * such a character, and the tree compares with {@link compareKeys} until it is gone.
 *
 * @example
 * ```ts
 * const tree = new KeyTree<number>();
 * tree.set('b', 2); tree.set('a', 1); tree.set('c', 3);
 * [...tree.entriesFrom('b')]; // [['b', 2], ['c', 3]]
 * tree.get('a');              // 1
 * ```
 */
import { compareKeys } from './keys.ts';

/** A block splits in two when it grows past this many keys. */
const MAX_BLOCK = 512;

/**
 * A UTF-16 code unit from U+D800 up: a surrogate (half of a character above U+FFFF) or U+E000 to
 * U+FFFF. Only between these two groups does `<` on strings (code units) disagree with code point
 * (and UTF-8 byte) order.
 */
const ORDER_SENSITIVE = /[\uD800-\uFFFF]/;

/** `a` compared with `b` by their UTF-8 bytes, for keys known to have no {@link ORDER_SENSITIVE} unit. */
function comparePlain(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An ordered map from keys (ordered by their UTF-8 bytes) to values. */
export class KeyTree<V> {
  /** the keys in order, cut into sorted blocks */
  private blocks: string[][] = [];
  /**
   * The values, by key. A lookup of one exact key needs no order, and a hash map answers it
   * without comparing keys (which, under a shared prefix like `/registry/pods/`, are long to
   * compare): the blocks are only walked to insert, delete and iterate in order.
   */
  private readonly values = new Map<string, V>();
  /** How many keys in the tree have an {@link ORDER_SENSITIVE} code unit: while 0, `<` is right. */
  private sensitive = 0;

  /** How many keys the tree holds. */
  get size(): number {
    return this.values.size;
  }

  /** The value stored under `key`, or undefined. */
  get(key: string): V | undefined {
    return this.values.get(key);
  }

  /** Stores `value` under `key`, replacing any value it had. */
  set(key: string, value: V): void {
    const isNew = !this.values.has(key);
    this.values.set(key, value);
    if (!isNew) return;
    if (ORDER_SENSITIVE.test(key)) this.sensitive++;
    if (this.blocks.length === 0) {
      this.blocks.push([key]);
      return;
    }
    const compare = this.comparatorFor(key);
    const index = this.blockFor(key, compare);
    const block = this.blocks[index]!;
    block.splice(firstAtOrAfter(block, key, compare), 0, key);
    if (block.length > MAX_BLOCK) this.blocks.splice(index + 1, 0, block.splice(block.length >>> 1));
  }

  /** Removes `key`; says whether it was there. */
  delete(key: string): boolean {
    if (!this.values.delete(key)) return false;
    const compare = this.comparatorFor(key);
    const index = this.blockFor(key, compare);
    const block = this.blocks[index]!;
    block.splice(firstAtOrAfter(block, key, compare), 1);
    if (block.length === 0) this.blocks.splice(index, 1);
    if (ORDER_SENSITIVE.test(key)) this.sensitive--;
    return true;
  }

  /** Every key >= `from` with its value, in key order. */
  *entriesFrom(from: string): IterableIterator<[string, V]> {
    const compare = this.comparatorFor(from);
    let index = this.blockFor(from, compare);
    let at = this.blocks[index] ? firstAtOrAfter(this.blocks[index], from, compare) : 0;
    for (; index < this.blocks.length; index++, at = 0) {
      const keys = this.blocks[index]!;
      for (; at < keys.length; at++) yield [keys[at]!, this.values.get(keys[at]!)!];
    }
  }

  /**
   * The block where `key` is or would go: the last block whose first key is <= `key` (the first
   * block when `key` is smaller than every key).
   */
  private blockFor(key: string, compare: (a: string, b: string) => number): number {
    let low = 0;
    let high = this.blocks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(this.blocks[middle]![0]!, key) <= 0) low = middle + 1;
      else high = middle;
    }
    return Math.max(0, low - 1);
  }

  /** The comparison to search for `key` with: the native one while no key in sight needs more. */
  private comparatorFor(key: string): (a: string, b: string) => number {
    return this.sensitive === 0 && !ORDER_SENSITIVE.test(key) ? comparePlain : compareKeys;
  }
}

/** The index of the first key >= `key` in the sorted `keys` (keys.length if none). */
function firstAtOrAfter(keys: string[], key: string, compare: (a: string, b: string) => number): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(keys[middle]!, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
