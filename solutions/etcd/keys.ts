/**
 * The key space: how keys are ordered and which keys a range holds.
 *
 * etcd's keys are bytes, ordered byte by byte. Ours are JavaScript strings, ordered as the bytes of
 * their UTF-8 encoding, so that a key sorts here exactly where it sorts in a real etcd. That is not
 * the order of JavaScript's `<` and `Array.prototype.sort()`, which compare UTF-16 code units:
 * `'\uffff' < '\u{10000}'` is false in JavaScript, but in UTF-8 `'\uffff'` (EF BF BF) comes before
 * `'\u{10000}'` (F0 90 80 80).
 */

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
  // The obvious way is right, and fine:
  //   Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
  // but it encodes both keys on every comparison, and a sorted store compares a lot.
  //
  // UTF-8 was designed so that byte order IS code point order. So it is enough to find the first
  // place where the strings differ and compare the code points that start there. UTF-16 agrees
  // with code point order everywhere except at that one spot: a character above U+FFFF is stored
  // as two surrogates (0xD800-0xDFFF), which `<` would put before U+E000-U+FFFF.
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) {
      // codePointAt reads the whole character when i is at a high surrogate. If i is at a low
      // surrogate, both strings share the high surrogate before it, and comparing the low
      // surrogates alone orders the two characters correctly.
      return a.codePointAt(i)! - b.codePointAt(i)!;
    }
  }
  // One is a prefix of the other: the shorter comes first, as with bytes.
  return a.length - b.length;
}

/** The greatest Unicode code point. */
const MAX_CODE_POINT = 0x10ffff;

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
  // etcd (clientv3.GetPrefixRangeEnd) adds 1 to the last byte, dropping trailing 0xff bytes. On
  // bytes that can produce a sequence that is not UTF-8 at all ('\x7f' + 1 = 0x80, a lone
  // continuation byte), which no string can hold. One level up, on code points, the same idea
  // always gives a string, and since UTF-8 byte order is code point order it selects exactly the
  // same keys.
  const chars = Array.from(prefix); // code points, not UTF-16 units: '\u{10000}' is one element
  while (chars.length > 0) {
    const last = chars.pop()!.codePointAt(0)!;
    if (last < MAX_CODE_POINT) {
      // U+D800..U+DFFF are surrogates, not characters: the character after U+D7FF is U+E000.
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return chars.join('') + String.fromCodePoint(next);
    }
    // U+10FFFF has no successor: every key starting with `...x\u{10FFFF}` is covered by
    // incrementing `x` instead, so drop it and carry on to the character before.
  }
  // Nothing to increment: every key from `prefix` on starts with it. '\0' means "to the end".
  return '\0';
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
  if (rangeEnd === undefined || rangeEnd === '') return key === start;
  if (compareKeys(key, start) < 0) return false;
  // No key can be < '\0' except '' (which is never a key), so etcd spends the value on "no end".
  if (rangeEnd === '\0') return true;
  return compareKeys(key, rangeEnd) < 0;
}
