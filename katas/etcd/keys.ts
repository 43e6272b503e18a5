/**
 * Keys and their order. etcd keys are bytes and sort byte by byte; ours are JavaScript strings
 * that sort as their UTF-8 bytes would, so that the order here is the order etcd would give.
 */
import { NotImplemented } from '@kube/kit';

/**
 * Compares two keys as their UTF-8 bytes: negative when `a` sorts first, 0 when equal, positive
 * when `b` sorts first.
 *
 * @example
 * ```ts
 * compareKeys('a', 'b') < 0
 * compareKeys('\uffff', '\u{10000}') < 0   // EF BF BF < F0 90 80 80, although JS's `<` says the opposite
 * ```
 */
export function compareKeys(a: string, b: string): number {
  // TODO(01): order the keys by their UTF-8 bytes (see "The spec" for why `a < b` is not enough).
  throw new NotImplemented('01', 'compareKeys');
}

/**
 * The range end that selects every key starting with `prefix`: `range(prefix, prefixEnd(prefix))`.
 * Returns `"\0"` (to the end of the keyspace) when no key sorts after every key with the prefix.
 *
 * @example
 * ```ts
 * prefixEnd('/registry/pods/')    // '/registry/pods0'
 * prefixEnd('a\u{10FFFF}')        // 'b'
 * prefixEnd('\u{10FFFF}')         // '\0'
 * ```
 */
export function prefixEnd(prefix: string): string {
  // TODO(01): the smallest key greater than every key that starts with the prefix.
  throw new NotImplemented('01', 'prefixEnd');
}
