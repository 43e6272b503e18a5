/**
 * Keys and their order. etcd keys are bytes and sort byte by byte; ours are JavaScript strings
 * that sort as their UTF-8 bytes would, so that the order here is the order etcd would give.
 */

/** The highest Unicode code point; its UTF-8 form F4 8F BF BF is the largest a character can take. */
const MAX_CODE_POINT = 0x10ffff;

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
  // UTF-8 was designed so that byte order is code point order. JavaScript strings are UTF-16,
  // whose order differs only where a surrogate pair (U+10000 and up) meets a character in
  // U+E000..U+FFFF. So: walk the UTF-16 units, and at the first difference compare code points.
  // (Buffer.compare(Buffer.from(a), Buffer.from(b)) gives the same answer, at the cost of
  // encoding both keys on every comparison.)
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
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
  // etcd adds one to the last byte below 0xff and drops the 0xff bytes after it. A string must
  // stay valid Unicode, so we do the same one level up: add one to the last code point below
  // U+10FFFF and drop the U+10FFFF after it. Because UTF-8 keeps code point order, the keys
  // below the result are exactly the keys that start with the prefix.
  const points = [...prefix].map((ch) => ch.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < MAX_CODE_POINT) {
      // U+D800..U+DFFF are surrogates, never characters of their own: skip over them.
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return '\0'; // the prefix was all U+10FFFF: every key from it onwards
}
