/**
 * Random: the only randomness graded code may use. The same seed must give the same run, on every
 * machine and every version of the workbook; every draw must stay in its range.
 */
import { describe, expect, it } from 'vitest';
import { test, fc } from '../support/prop.ts';
import { Random } from '@kube/kit';

/** n draws of every kind, in a fixed order. */
function draws(random: Random, n = 8): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(random.nextUint32(), random.next(), random.int(-5, 5), random.string(3));
  return out;
}

describe('Random', () => {
  it('gives the same numbers for seed 42 as it always has (graded runs depend on it)', () => {
    const random = new Random(42);
    expect([random.nextUint32(), random.nextUint32(), random.nextUint32(), random.nextUint32()]).toEqual([
      2837322924, 544945897, 479756282, 3500138142,
    ]);
    const again = new Random(42);
    expect([again.int(1, 6), again.string(5), again.shuffle([1, 2, 3, 4, 5]), again.fork().seed]).toEqual([4, 'ff5db', [4, 5, 3, 2, 1], 787581093]);
  });

  it('reports its seed, so a failure can be replayed', () => {
    expect(String(new Random(42))).toBe('Random(seed=42)');
    expect(new Random(-7).seed).toBe(-7);
    expect(new Random(3.9).seed).toBe(3);
  });

  it('refuses a seed that is not a finite number', () => {
    expect(() => new Random(NaN)).toThrow('Random needs a finite integer seed, got NaN');
    expect(() => new Random(Infinity)).toThrow('Random needs a finite integer seed, got Infinity');
  });

  it('rejects an empty pick and an upside-down or fractional range with a clear message', () => {
    expect(() => new Random(1).pick([])).toThrow('Random.pick needs at least one item');
    expect(() => new Random(1).int(5, 1)).toThrow('Random.int needs integers min <= max, got 5 and 1');
    expect(() => new Random(1).int(0, 1.5)).toThrow('Random.int needs integers min <= max, got 0 and 1.5');
  });

  it('makes name suffixes from the alphabet Kubernetes uses (no vowels, no 0, 1 or 3)', () => {
    const suffix = new Random(7).string(200);
    expect(suffix).toHaveLength(200);
    expect(suffix).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(new Random(7).string(4, 'ab')).toMatch(/^[ab]{4}$/);
  });
});

test.prop([fc.integer()])('the same seed gives the same sequence, forks included', (seed) => {
  const a = new Random(seed);
  const b = new Random(seed);
  expect([...draws(a), ...draws(a.fork()), ...draws(a)]).toEqual([...draws(b), ...draws(b.fork()), ...draws(b)]);
});

test.prop([fc.integer(), fc.integer()])('different seeds start different sequences', (s1, s2) => {
  fc.pre(s1 !== s2);
  // distinct 32-bit seeds give distinct first numbers (the seeding and the output are bijections)
  expect(new Random(s1).nextUint32()).not.toBe(new Random(s2).nextUint32());
});

test.prop([fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.nat({ max: 1000 })])('int(min, max) stays within its bounds, both included', (seed, min, span) => {
  const random = new Random(seed);
  for (let i = 0; i < 50; i++) {
    const n = random.int(min, min + span);
    expect(Number.isInteger(n)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(min);
    expect(n).toBeLessThanOrEqual(min + span);
  }
});

test.prop([fc.integer(), fc.integer({ min: -50, max: 50 })])('int over two values gives both (both ends are reachable)', (seed, min) => {
  const random = new Random(seed);
  const seen = new Set(Array.from({ length: 100 }, () => random.int(min, min + 1)));
  expect([...seen].sort((a, b) => a - b)).toEqual([min, min + 1]);
});

test.prop([fc.integer()])('next() is in [0, 1) and nextUint32() is a uint32', (seed) => {
  const random = new Random(seed);
  for (let i = 0; i < 50; i++) {
    const x = random.next();
    expect(x >= 0 && x < 1).toBe(true);
    const u = random.nextUint32();
    expect(Number.isInteger(u) && u >= 0 && u <= 0xffff_ffff).toBe(true);
  }
});

test.prop([fc.integer(), fc.array(fc.integer(), { maxLength: 30 })])('shuffle returns a permutation and leaves its input alone', (seed, items) => {
  const copy = [...items];
  const shuffled = new Random(seed).shuffle(items);
  expect(items).toEqual(copy);
  expect(shuffled).not.toBe(items);
  expect([...shuffled].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
});

test.prop([fc.integer(), fc.array(fc.string(), { minLength: 1, maxLength: 10 })])('pick returns one of the items', (seed, items) => {
  const random = new Random(seed);
  for (let i = 0; i < 10; i++) expect(items).toContain(random.pick(items));
});

test.prop([fc.integer(), fc.nat({ max: 20 })])(
  'a fork is independent: drawing from it does not change what its parent draws next',
  (seed, childDraws) => {
    const quiet = new Random(seed);
    quiet.fork();
    const busy = new Random(seed);
    const child = busy.fork();
    for (let i = 0; i < childDraws; i++) child.nextUint32();
    expect(draws(busy)).toEqual(draws(quiet));
  },
);

test.prop([fc.integer()])('a fork draws a different sequence from its parent and from its siblings', (seed) => {
  const parent = new Random(seed);
  const first = parent.fork();
  const second = parent.fork();
  const firsts = [first, second, parent].map((r) => [r.nextUint32(), r.nextUint32(), r.nextUint32()].join());
  expect(new Set(firsts).size).toBe(3);
});
