/**
 * The key space: how keys are ordered and which keys a range holds.
 *
 * etcd's keys are bytes, ordered byte by byte. Ours are JavaScript strings, ordered as the bytes of
 * their UTF-8 encoding, so that a key sorts here exactly where it sorts in a real etcd. That is not
 * the order of JavaScript's `<` and `Array.prototype.sort()`, which compare UTF-16 code units:
 * `'\uffff' < '\u{10000}'` is false in JavaScript, but in UTF-8 `'\uffff'` (EF BF BF) comes before
 * `'\u{10000}'` (F0 90 80 80).
 */
import { NotImplemented } from '@kube/kit';

/**
 * Compares two keys by the bytes of their UTF-8 encodings.
 *
 * @returns a negative number when `a` comes first, 0 when the keys are equal, a positive number
 *   when `b` comes first (the contract of `Array.prototype.sort`'s compare function)
 *
 * @example
 * ```ts
 * compareKeys('a', 'b') < 0;              // true
 * compareKeys('a', 'a/') < 0;             // true: a key comes before the keys it begins
 * compareKeys('\uffff', '\u{10000}') < 0; // true, though '\uffff' > '\u{10000}' in JavaScript
 * ```
 */
export function compareKeys(a: string, b: string): number {
  // TODO(01): compare as UTF-8 bytes, not with < (which compares UTF-16 code units).
  throw new NotImplemented('01', 'compareKeys');
}

/**
 * The range end that selects every key starting with `prefix`: the smallest key that comes after
 * every key starting with `prefix`. Use it as `range(prefix, prefixEnd(prefix))`.
 *
 * It is `prefix` with its last character replaced by the next one (the next Unicode code point,
 * skipping the surrogates U+D800–U+DFFF, which are not characters). A last character that is
 * already the greatest, U+10FFFF, has no next one: it is dropped and the character before it is
 * incremented instead. When nothing is left (`''`, `'\u{10FFFF}'`, ...), the answer is `'\0'`,
 * etcd's range end for "to the end of the key space".
 *
 * @example
 * ```ts
 * prefixEnd('/registry/pods/');  // '/registry/pods0'  ('0' follows '/')
 * prefixEnd('a\u{10FFFF}');      // 'b'
 * prefixEnd('\u{10FFFF}');       // '\0': every key >= the prefix starts with it
 * ```
 */
export function prefixEnd(prefix: string): string {
  // TODO(01): increment the last code point; drop trailing U+10FFFF; '\0' when nothing is left.
  throw new NotImplemented('01', 'prefixEnd');
}

/**
 * Whether `key` belongs to the range that `start` and `rangeEnd` describe, as etcd reads them:
 * - `rangeEnd` absent or `''`: the one key `start`;
 * - `rangeEnd === '\0'`: every key >= `start`;
 * - otherwise: `start <= key < rangeEnd` (so nothing at all when `rangeEnd <= start`).
 *
 * All comparisons are {@link compareKeys}.
 *
 * @example
 * ```ts
 * inRange('b', 'a', 'c');    // true
 * inRange('c', 'a', 'c');    // false: the end is excluded
 * inRange('zzz', 'a', '\0'); // true
 * inRange('ab', 'a');        // false: without a range end, only 'a' itself
 * ```
 */
export function inRange(key: string, start: string, rangeEnd?: string): boolean {
  // TODO(01): one key, every key from start, or start <= key < rangeEnd.
  throw new NotImplemented('01', 'inRange');
}
