/**
 * Resource quantities: the numbers of `resources.requests`, `limits`, a node's `allocatable`
 * (`cpu: 100m`, `memory: 128Mi`, `ephemeral-storage: 1G`, `nvidia.com/gpu: 2`).
 *
 * A quantity is a signed decimal number with an optional suffix (apimachinery's resource/quantity.go):
 *
 * | suffix | means | format |
 * | --- | --- | --- |
 * | `n` `u` `m` `""` `k` `M` `G` `T` `P` `E` | ×10^-9 … ×10^18 | DecimalSI |
 * | `Ki` `Mi` `Gi` `Ti` `Pi` `Ei` | ×2^10 … ×2^60 | BinarySI |
 * | `e3`, `E-2` (an exponent) | ×10^3, ×10^-2 | DecimalExponent |
 *
 * The value is exact: it is kept as a whole number of nano-units (10^-9) in a bigint, never as a
 * floating-point number, so `0.1 + 0.2` is exactly `300m`. Anything finer than a nano-unit is
 * rounded up (away from zero): if you asked for some of a resource, you get some.
 *
 * The canonical text keeps the format of the input: a binary quantity stays binary where that is
 * exact (and it is at least 1024), a decimal one picks the largest suffix that keeps the number
 * whole, an exponent stays an exponent.
 *
 * @example
 * ```ts
 * Quantity.parse('1.5Gi').toString(); // '1536Mi'
 * Quantity.parse('1000m').toString(); // '1'
 * Quantity.parse('0.1').toString();   // '100m'
 * Quantity.parse('2e3').toString();   // '2e3'
 * Quantity.parse('1500m').value();    // 2 (rounded up)
 * Quantity.parse('128Mi').value();    // 134217728
 * ```
 */

import { NotImplemented } from '@kube/kit';

/** How a quantity was written, and so how it is written back. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A malformed quantity: the message names the text and the expected form. */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

/** The expected form, quoted in every {@link QuantityError}. */
export const QUANTITY_FORM =
  'a number with an optional suffix: n, u, m, k, M, G, T, P, E (decimal), Ki, Mi, Gi, Ti, Pi, Ei (binary) ' +
  'or an exponent such as e3 (e.g. "100m", "1.5Gi", "2e3")';

/** Decimal SI suffixes and their powers of ten. */
const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);

/** Binary SI suffixes and their powers of two. */
const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);

/** The decimal suffix of each power of ten that has one (the inverse of DECIMAL_SUFFIXES). */
const DECIMAL_BY_EXPONENT = new Map([...DECIMAL_SUFFIXES].map(([suffix, exp]) => [exp, suffix]));
/** The binary suffix of each power of 1024 (0 → '', 1 → 'Ki', ...). */
const BINARY_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * The largest exponent this kata accepts (`1e1000` is fine, `1e100000` is not): upstream accepts
 * any int32 exponent, but a bigint of 10^2147483647 would never finish.
 */
export const MAX_QUANTITY_EXPONENT = 1000;

const NANO = 9; // nano-units per unit, as a power of ten
const UNIT = 10n ** 9n;
const MILLI = 10n ** 6n; // nano-units per milli-unit

/** The number's part, then the suffix's: sign, digits with at most one point, anything after. */
const SHAPE = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/;

/** A resource quantity, exact (no floating point inside). */
export class Quantity {
  private constructor(
    /** the value, in nano-units (10^-9): "100m" is 100_000_000n */
    private readonly nanos: bigint,
    /** how it was written, so how it is written back */
    readonly format: QuantityFormat,
  ) {}

  /**
   * Parses "100m", "1.5Gi", "2e3", ...; throws QuantityError on malformed text.
   *
   * @example
   * ```ts
   * Quantity.parse('+.5');   // 500m
   * Quantity.parse('1.');    // 1
   * Quantity.parse('1K');    // throws: quantity "1K": unknown suffix "K"; expected ...
   * ```
   */
  static parse(text: string): Quantity {
    // TODO(07): split sign, digits, fraction and suffix; compute the value in nano-units exactly
    // (bigint), rounding anything finer than 1n up; throw a QuantityError naming the text.
    throw new NotImplemented('07', 'Quantity.parse');
  }

  /** A quantity of `milli` thousandths, in DecimalSI: `Quantity.fromMilli(1500)` is `1500m`. */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    // TODO(07): build it from its nano-units.
    throw new NotImplemented('07', 'Quantity.fromMilli');
  }

  /** A quantity of `units` whole units: `Quantity.fromValue(1024, 'BinarySI')` is `1Ki`. */
  static fromValue(units: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    // TODO(07): build it from its nano-units.
    throw new NotImplemented('07', 'Quantity.fromValue');
  }

  /**
   * The canonical text, e.g. "1536Mi" for "1.5Gi".
   *
   * Decimal formats: strip the number's trailing zeros into an exponent, then lower the exponent
   * to a multiple of 3 (DecimalSI picks that suffix, DecimalExponent writes `e<exp>`).
   * BinarySI: strip factors of 1024 from the whole number; used only when the value is a whole
   * number of at least 1024 (or at most -1024), otherwise the quantity is shown as DecimalSI.
   */
  toString(): string {
    // TODO(07): write the canonical text (zero is "0").
    throw new NotImplemented('07', 'Quantity.toString');
  }

  /** The canonical text, so that a quantity inside an object serialises as Kubernetes does. */
  toJSON(): string {
    return this.toString();
  }

  /** The value in whole units, rounded up (k8s Value()): "1500m" -> 2, "128Mi" -> 134217728. */
  value(): number {
    // TODO(07): divide, rounding the magnitude up; refuse what a JS number cannot hold exactly.
    throw new NotImplemented('07', 'Quantity.value');
  }

  /** The value in thousandths, rounded up (k8s MilliValue()): "1.5" -> 1500, "100m" -> 100. */
  milliValue(): number {
    // TODO(07): as value(), in thousandths.
    throw new NotImplemented('07', 'Quantity.milliValue');
  }

  /** True for a zero quantity ("0", "0Mi", "0.0"). */
  isZero(): boolean {
    // TODO(07)
    throw new NotImplemented('07', 'Quantity.isZero');
  }

  /** -1, 0 or 1. */
  cmp(other: Quantity): -1 | 0 | 1 {
    // TODO(07): compare the amounts, whatever their formats.
    throw new NotImplemented('07', 'Quantity.cmp');
  }

  /** True when both are the same amount, whatever their formats ("1Ki" equals "1024"). */
  equals(other: Quantity): boolean {
    // TODO(07)
    throw new NotImplemented('07', 'Quantity.equals');
  }

  /**
   * The sum, exact. It keeps this quantity's format, unless this one is zero, when it takes the
   * other's (k8s Quantity.Add): `0 + 1Gi` is `1Gi`, `1 + 1Ki` is `1025`.
   */
  add(other: Quantity): Quantity {
    // TODO(07)
    throw new NotImplemented('07', 'Quantity.add');
  }

  /** The difference, exact, with the format rule of {@link Quantity.add}. */
  sub(other: Quantity): Quantity {
    // TODO(07)
    throw new NotImplemented('07', 'Quantity.sub');
  }

  /** The same amount, negated. */
  neg(): Quantity {
    // TODO(07)
    throw new NotImplemented('07', 'Quantity.neg');
  }
}

/** Parses a quantity: the same as {@link Quantity.parse}. */
export function parseQuantity(text: string): Quantity {
  // TODO(07): delegate to Quantity.parse.
  throw new NotImplemented('07', 'parseQuantity');
}
