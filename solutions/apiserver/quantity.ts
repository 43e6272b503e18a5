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
    const fail = (why: string): never => {
      throw new QuantityError(`quantity ${JSON.stringify(text)}: ${why}; expected ${QUANTITY_FORM}`);
    };
    if (typeof text !== 'string' || text.length === 0) fail('a quantity cannot be empty');
    const match = SHAPE.exec(text);
    if (!match) return fail('not a number');
    const [, sign, whole = '', fraction = '', suffix = ''] = match;
    if (whole.length + fraction.length === 0) fail('no digits before the suffix');

    // The suffix: a multiplier 10^exp10 × 2^exp2 and the format it implies.
    let exp10 = 0;
    let exp2 = 0;
    let format: QuantityFormat;
    if (DECIMAL_SUFFIXES.has(suffix)) {
      exp10 = DECIMAL_SUFFIXES.get(suffix)!;
      format = 'DecimalSI';
    } else if (BINARY_SUFFIXES.has(suffix)) {
      exp2 = BINARY_SUFFIXES.get(suffix)!;
      format = 'BinarySI';
    } else if (/^[eE][+-]?\d+$/.test(suffix)) {
      exp10 = Number(suffix.slice(1));
      if (Math.abs(exp10) > MAX_QUANTITY_EXPONENT) fail(`exponent ${suffix.slice(1)} is out of range (at most ±${MAX_QUANTITY_EXPONENT})`);
      format = 'DecimalExponent';
    } else {
      return fail(`unknown suffix ${JSON.stringify(suffix)}`);
    }

    // digits × 10^(exp10 - fraction digits) × 2^exp2, counted in nano-units.
    const digits = BigInt(whole + fraction || '0') << BigInt(exp2);
    const shift = exp10 - fraction.length + NANO;
    const magnitude = shift >= 0 ? digits * 10n ** BigInt(shift) : divideRoundingUp(digits, 10n ** BigInt(-shift));
    const nanos = sign === '-' ? -magnitude : magnitude;

    // A binary quantity below one unit cannot be written in binary: it shows as decimal.
    if (format === 'BinarySI' && abs(nanos) < UNIT) format = 'DecimalSI';
    return new Quantity(nanos, format);
  }

  /** A quantity of `milli` thousandths, in DecimalSI: `Quantity.fromMilli(1500)` is `1500m`. */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli) * MILLI, format);
  }

  /** A quantity of `units` whole units: `Quantity.fromValue(1024, 'BinarySI')` is `1Ki`. */
  static fromValue(units: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(units) * UNIT, format);
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
    if (this.nanos === 0n) return '0';
    const sign = this.nanos < 0n ? '-' : '';
    const magnitude = abs(this.nanos);

    if (this.format === 'BinarySI' && magnitude >= 1024n * UNIT && magnitude % UNIT === 0n) {
      let amount = magnitude / UNIT;
      let power = 0;
      while (amount % 1024n === 0n && power < BINARY_BY_POWER.length - 1) {
        amount /= 1024n;
        power += 1;
      }
      return `${sign}${amount}${BINARY_BY_POWER[power]}`;
    }

    // amount × 10^exponent, amount without trailing zeros (nano-units: exponent starts at -9).
    let amount = magnitude;
    let exponent = -NANO;
    while (amount % 10n === 0n) {
      amount /= 10n;
      exponent += 1;
    }
    const down = ((exponent % 3) + 3) % 3; // lower to a multiple of 3
    amount *= 10n ** BigInt(down);
    exponent -= down;

    if (this.format === 'DecimalExponent') {
      return `${sign}${amount}${exponent === 0 ? '' : `e${exponent}`}`;
    }
    // DecimalSI (and BinarySI that is not exact): the largest suffix is E, beyond it the number grows.
    if (exponent > 18) {
      amount *= 10n ** BigInt(exponent - 18);
      exponent = 18;
    }
    return `${sign}${amount}${DECIMAL_BY_EXPONENT.get(exponent)}`;
  }

  /** The canonical text, so that a quantity inside an object serialises as Kubernetes does. */
  toJSON(): string {
    return this.toString();
  }

  /** The value in whole units, rounded up (k8s Value()): "1500m" -> 2, "128Mi" -> 134217728. */
  value(): number {
    return safe(divideRoundingUp(this.nanos, UNIT), this, 'value()');
  }

  /** The value in thousandths, rounded up (k8s MilliValue()): "1.5" -> 1500, "100m" -> 100. */
  milliValue(): number {
    return safe(divideRoundingUp(this.nanos, MILLI), this, 'milliValue()');
  }

  /** True for a zero quantity ("0", "0Mi", "0.0"). */
  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** -1, 0 or 1. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** True when both are the same amount, whatever their formats ("1Ki" equals "1024"). */
  equals(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  /**
   * The sum, exact. It keeps this quantity's format, unless this one is zero, when it takes the
   * other's (k8s Quantity.Add): `0 + 1Gi` is `1Gi`, `1 + 1Ki` is `1025`.
   */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  /** The difference, exact, with the format rule of {@link Quantity.add}. */
  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  /** The same amount, negated. */
  neg(): Quantity {
    return new Quantity(-this.nanos, this.format);
  }
}

/** Parses a quantity: the same as {@link Quantity.parse}. */
export function parseQuantity(text: string): Quantity {
  return Quantity.parse(text);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** n / d with the magnitude rounded up, away from zero: 15/10 → 2, -15/10 → -2. */
function divideRoundingUp(n: bigint, d: bigint): bigint {
  const q = n / d; // truncates toward zero
  if (n % d === 0n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

/** The bigint as a JS number, or a clear error when it would not be exact. */
function safe(n: bigint, q: Quantity, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new QuantityError(`quantity "${q}": ${what} is ${n}, beyond what a JavaScript number holds exactly (2^53 - 1)`);
  }
  return Number(n);
}
