/**
 * fast-check arbitraries for etcd keys and values.
 *
 * Most keys come from a small alphabet, so that equal keys, shared prefixes and neighbours are
 * common (a put of a key that exists, a delete that hits, a prefix with keys under it). The
 * alphabet holds the characters where orders part ways or encodings change length:
 * - '\uffff' and '\u{10000}': UTF-8 puts '\uffff' first, JavaScript's `<` (UTF-16) does not;
 * - '\x7f' | '\x80', '\u07ff' | '\u0800': the last 1-byte and first 2-byte character, the last
 *   2-byte and first 3-byte one;
 * - '\u00ff' (C3 BF): its last byte is 0xBF, and etcd's byte increment would leave invalid UTF-8;
 * - '\ud7ff' | '\ue000': the neighbours of the surrogate gap, which prefixEnd must jump;
 * - '\u{10FFFF}': the greatest code point, the string-level twin of etcd's 0xff edge case;
 * - '\0': the smallest key, and the range end meaning "to the end";
 * - '/' and '0': '0' is '/' + 1, so '/registry/pods0' sits right after every '/registry/pods/...'.
 * Some keys are any Unicode at all (unicodeStringArb: `fc.string({ unit: 'binary' })` without its
 * second of start-up).
 */
import fc from 'fast-check';
import { unicodeStringArb } from './unicode.ts';

/** The characters that {@link keyArb} builds most keys from; plain ones first (they shrink first). */
export const KEY_ALPHABET: readonly string[] = [
  'a', 'b', '/', '0', '\0', '\x7f', '\x80', '\u00e9', '\u00ff', '\u07ff', '\u0800',
  '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{10FFFF}',
];

/** A key of 1 to 4 characters: mostly 'a', 'b' and '/', often one of {@link KEY_ALPHABET}. */
export const smallKeyArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('a', 'b', '/') },
      { weight: 2, arbitrary: fc.constantFrom(...KEY_ALPHABET) },
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((chars) => chars.join(''));

/** Any non-empty key: 1 to 6 code points from the whole of Unicode (no lone surrogates). */
export const anyKeyArb: fc.Arbitrary<string> = unicodeStringArb({ minLength: 1, maxLength: 6 });

/** A non-empty key: four times in five a {@link smallKeyArb}, else an {@link anyKeyArb}. */
export const keyArb: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: smallKeyArb }, { weight: 1, arbitrary: anyKeyArb });

/**
 * A range end as etcd reads it: absent (one key), `''` (one key too), `'\0'` (every key from the
 * start on) or a key (the range stops before it, and may end before it starts).
 */
export const rangeEndArb: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(''),
  fc.constant('\0'),
  keyArb,
  keyArb,
);

/** A short value, the empty string included. */
export const valueArb: fc.Arbitrary<string> = fc.string({ maxLength: 4 });

/**
 * A few keys that sit close together, for the commands of model-based tests to meet on: a key and
 * the keys it begins ('a', 'a/', 'a/b'), the key right after a prefix's range ('a0' after 'a/...'),
 * and neighbours in byte order that UTF-16 orders the other way ('\uffff', '\u{10000}').
 */
export const KEY_POOL: readonly string[] = ['a', 'a/', 'a/b', 'a0', 'b', '\0', '\u00e9', '\uffff', '\u{10000}', '\u{10FFFF}'];

/**
 * A key for a model-based command: three times in four one of {@link KEY_POOL}, so that puts,
 * gets, deletes and ranges of one run often hit the same keys (a put that replaces, a delete that
 * deletes); else any {@link keyArb}.
 */
export const poolKeyArb: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEY_POOL) }, { weight: 1, arbitrary: keyArb });
