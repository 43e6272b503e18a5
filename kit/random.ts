/**
 * Seeded randomness. Nothing graded may call `Math.random()`: anything that needs a random choice
 * (the scheduler's tie-break, a back-off's jitter, a generated name) takes a {@link Random}, so that
 * the same seed gives the same run.
 *
 * The generator is SplitMix32-seeded xoshiro128**: small, fast and well distributed, and it needs
 * no dependency.
 *
 * @example
 * ```ts
 * const random = new Random(42);
 * random.int(0, 10);           // the same number on every run with seed 42
 * random.pick(['a', 'b']);     // likewise
 * const child = random.fork(); // an independent stream, still determined by 42
 * `${random}`                  // "Random(seed=42)": report the seed with any failure
 * ```
 */
export class Random {
  /** The seed this generator started from; report it whenever a result depends on it. */
  readonly seed: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param seed - any integer (a fraction is truncated); the same seed always gives the same
   *   sequence. Only its low 32 bits matter: seeds that differ by a multiple of 2^32 give the same one.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Random needs a finite integer seed, got ${seed}`);
    this.seed = Math.trunc(seed);
    let x = this.seed | 0;
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
  }

  /** A uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`Random.int needs integers min <= max, got ${min} and ${max}`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Random.pick needs at least one item');
    return items[this.int(0, items.length - 1)]!;
  }

  /** A shuffled copy (Fisher–Yates); the input is not changed. */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }

  /** A lowercase alphanumeric string, like the suffix of a generated name ("x7k2q"). */
  string(length: number, alphabet = 'bcdfghjklmnpqrstvwxz2456789'): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }

  /** An independent generator whose seed is drawn from this one. */
  fork(): Random {
    return new Random(this.nextUint32() | 0);
  }

  /** `"Random(seed=42)"`: print it with any result that depends on it. */
  toString(): string {
    return `Random(seed=${this.seed})`;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
