/**
 * The tests' own idea of key order, computed the obvious (slow) way with Buffer: the oracle the
 * store's order is checked against. It shares no code with any kata.
 *
 * @example
 * ```ts
 * byteOrder('\uffff', '\u{10000}') < 0;   // EF BF BF < F0 90 80 80
 * hasPrefix('/registry/pods/a', '/registry/pods/'); // true
 * ```
 */

/** Compares two strings by their UTF-8 bytes (Buffer.compare): negative, 0 or positive. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Whether the UTF-8 bytes of `key` begin with the UTF-8 bytes of `prefix`. */
export function hasPrefix(key: string, prefix: string): boolean {
  const head = Buffer.from(prefix, 'utf8');
  return Buffer.from(key, 'utf8').subarray(0, head.length).equals(head);
}
