/**
 * Values written as TypeScript source, so that a failing case can be read — and pasted into a test.
 *
 * fast-check prints strings as they are, and a key like "\u{10FFFF}" or "\uffff" then shows as
 * nothing at all, or as a box. {@link show} escapes every character outside printable ASCII.
 *
 * @example
 * ```ts
 * show('a\u{10FFFF}');                      // '"a\\u{10FFFF}"'
 * show({ limit: 2, keysOnly: undefined });  // '{ limit: 2 }'
 * ```
 */
import fc from 'fast-check';

/**
 * A value as TypeScript source: strings quoted and escaped (`"\0"`, `"\x7F"`, `"\uFFFF"`,
 * `"\u{10000}"`), arrays and plain objects spelled out; object properties that are `undefined` are
 * left out.
 */
export function show(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined);
    return fields.length === 0 ? '{}' : `{ ${fields.map(([k, v]) => `${k}: ${show(v)}`).join(', ')} }`;
  }
  return String(value);
}

/**
 * The same arbitrary, with each generated object printed by {@link show} in fast-check's reports
 * (counterexamples, replays) instead of with raw, possibly invisible, characters.
 */
export function shown<T extends object>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return arbitrary.map((value) => Object.defineProperty(Array.isArray(value) ? [...value] : { ...value }, fc.toStringMethod, { value: () => show(value) }) as T);
}

function quote(text: string): string {
  const chars = Array.from(text); // by code point: '\u{10000}' is one character here
  let out = '"';
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0)!;
    const hex = code.toString(16).toUpperCase();
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    // "\0" followed by a digit would read as an octal escape: spell it "\x00" there.
    else if (code === 0) out += /[0-9]/.test(chars[i + 1] ?? '') ? '\\x00' : '\\0';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x09) out += '\\t';
    else if (code < 0x100) out += `\\x${hex.padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${hex.padStart(4, '0')}`;
    else out += `\\u{${hex}}`;
  });
  return `${out}"`;
}
