import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { objectKey, Random } from '@kube/kit';

describe('Random', () => {
  it('reports its seed', () => {
    expect(String(new Random(42))).toBe('Random(seed=42)');
  });

  it('rejects an empty pick and an upside-down range with a clear message', () => {
    expect(() => new Random(1).pick([])).toThrow('Random.pick needs at least one item');
    expect(() => new Random(1).int(5, 1)).toThrow('Random.int needs integers min <= max, got 5 and 1');
  });
});

test.prop([fc.integer()])('the same seed gives the same sequence, forks included', (seed) => {
  const a = new Random(seed);
  const b = new Random(seed);
  const draw = (r: Random): number[] => [r.nextUint32(), r.int(0, 9), r.fork().nextUint32(), r.next()];
  expect(draw(a)).toEqual(draw(b));
});

test.prop([fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.nat({ max: 1000 })])('int(min, max) stays within its bounds', (seed, min, span) => {
  const r = new Random(seed);
  for (let i = 0; i < 20; i++) {
    const n = r.int(min, min + span);
    expect(n).toBeGreaterThanOrEqual(min);
    expect(n).toBeLessThanOrEqual(min + span);
  }
});

test.prop([fc.integer(), fc.array(fc.integer(), { maxLength: 30 })])('shuffle returns a permutation and leaves its input alone', (seed, items) => {
  const copy = [...items];
  const shuffled = new Random(seed).shuffle(items);
  expect(items).toEqual(copy);
  expect([...shuffled].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
});

describe('objectKey', () => {
  it('is namespace/name for namespaced objects and name for cluster-scoped ones', () => {
    expect(objectKey({ metadata: { name: 'web-1', namespace: 'default' } })).toBe('default/web-1');
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
  });
});
