/**
 * Arbitraries for etcd keys, and the plain model of a keyspace that the store is compared with.
 *
 * Keys are drawn from a small alphabet so that prefixes and collisions are common, and the
 * alphabet holds the characters where UTF-16 order and UTF-8 byte order part ways
 * ('\uffff' vs '\u{10000}'), the last code point '\u{10FFFF}' (etcd's 0xff edge case, one level
 * up), and the neighbours of the surrogate gap ('\ud7ff', '\ue000').
 */
import { fc } from '@fast-check/vitest';

/** The characters keys are made of. */
export const KEY_ALPHABET = ['a', 'b', '/', '0', 'é', '\0', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{10FFFF}'] as const;

/** A non-empty key of 1 to 4 characters from {@link KEY_ALPHABET}. */
export const keyArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...KEY_ALPHABET), { minLength: 1, maxLength: 4 })
  .map((chars) => chars.join(''));

/** A short value. */
export const valueArb: fc.Arbitrary<string> = fc.string({ maxLength: 6 });

/** Byte order, computed the obvious (slow) way: the oracle for the store's order. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Does `key` start with `prefix`, byte for byte? */
export function hasPrefix(key: string, prefix: string): boolean {
  const p = Buffer.from(prefix, 'utf8');
  return Buffer.from(key, 'utf8').subarray(0, p.length).equals(p);
}

/** Shows a key with its unusual characters escaped, so a counterexample can be read. */
export function showKey(key: string): string {
  return JSON.stringify(key).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
