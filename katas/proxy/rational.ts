/**
 * Exact fractions (given code), for the rule table's probabilities: a rule that matches with
 * probability 1/3 holds `{ num: 1n, den: 3n }`, not 0.333…, so that a test can multiply and add
 * the probabilities along every path through the rules and get exactly 1/n — floating point
 * would give 0.30000000000000004 and hide a rule that is off by a little.
 *
 * @example
 * ```ts
 * const third = rational(1, 3);
 * add(third, mul(rational(2, 3), rational(1, 2)));  // { num: 2n, den: 3n }
 * show(third);                                       // '1/3'
 * ```
 */

/** A fraction num/den in lowest terms, den > 0. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** num/den in lowest terms. @throws RangeError for a zero denominator */
export function rational(num: number | bigint, den: number | bigint = 1n): Rational {
  let n = BigInt(num);
  let d = BigInt(den);
  if (d === 0n) throw new RangeError('a fraction needs a denominator other than 0');
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { num: n / g, den: d / g };
}

/** 0 and 1. */
export const ZERO: Rational = rational(0);
export const ONE: Rational = rational(1);

export function add(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

/** `'1/3'`, or `'1'` for a whole number. */
export function show(r: Rational): string {
  return r.den === 1n ? String(r.num) : `${r.num}/${r.den}`;
}

/** The nearest double, for drawing a random number against it. */
export function toNumber(r: Rational): number {
  return Number(r.num) / Number(r.den);
}
