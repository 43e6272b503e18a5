/**
 * tools/lib/grading.ts splitForWorkers: which katas share a worker when the grader runs a
 * learner's kata files one after another (`--parallel` workers, each its own run of katas).
 */
import { describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadKatas } from '../lib/katas.ts';
import { splitForWorkers } from '../lib/grading.ts';
import { ROOT } from '../lib/targets.ts';

const katas = loadKatas(ROOT);
const numbers = (groups: ReturnType<typeof splitForWorkers>) => groups.map((g) => g.map((k) => k.number));

describe('splitForWorkers', () => {
  it('gives every kata to exactly one worker, in runs of consecutive katas', () => {
    const groups = numbers(splitForWorkers([...katas].reverse(), 2, ROOT));
    expect(groups.flat()).toEqual(katas.map((k) => k.number).sort());
    expect(groups).toHaveLength(2);
  });

  it('splits by the size of the tests: neither worker gets less than a third of their bytes', () => {
    const bytes = (group: typeof katas) => group.reduce((n, k) => n + statSync(join(ROOT, k.test)).size, 0);
    const shares = splitForWorkers(katas, 2, ROOT).map((g) => bytes(g) / bytes(katas));
    expect(Math.min(...shares)).toBeGreaterThan(1 / 3);
  });

  it('is one run for one worker, and never an empty one for more workers than katas', () => {
    expect(numbers(splitForWorkers(katas, 1, ROOT))).toEqual([katas.map((k) => k.number).sort()]);
    const three = katas.slice(0, 3);
    const groups = splitForWorkers(three, 8, ROOT);
    expect(groups.every((g) => g.length > 0)).toBe(true);
    expect(groups.flat()).toHaveLength(3);
  });

  it('depends on the katas alone: the same split every time', () => {
    expect(numbers(splitForWorkers(katas, 2, ROOT))).toEqual(numbers(splitForWorkers([...katas], 2, ROOT)));
  });
});
