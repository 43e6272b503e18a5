import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { FakeClock, toRFC3339 } from '@kube/kit';

describe('FakeClock', () => {
  it('fires a timer when time reaches it, not before', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 1000);
    await clock.advance(999);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([1000]);
  });

  it('fires timers due at the same moment in the order they were set', async () => {
    const clock = new FakeClock(0);
    const order: string[] = [];
    clock.setTimeout(() => order.push('a'), 10);
    clock.setTimeout(() => order.push('b'), 10);
    clock.setTimeout(() => order.push('c'), 5);
    await clock.advance(10);
    expect(order).toEqual(['c', 'a', 'b']);
  });

  it('does not fire a cleared timer', async () => {
    const clock = new FakeClock(0);
    let fired = false;
    clock.clearTimeout(clock.setTimeout(() => (fired = true), 5));
    await clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  it('repeats an interval until it is cleared', async () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    const timer = clock.setInterval(() => at.push(clock.now()), 3);
    await clock.advance(10);
    clock.clearTimeout(timer);
    await clock.advance(10);
    expect(at).toEqual([3, 6, 9]);
  });

  it('resumes an awaited sleep at the right moment, and a sleep set during advance fires in it', async () => {
    const clock = new FakeClock(0);
    const log: number[] = [];
    void (async () => {
      await clock.sleep(5);
      log.push(clock.now());
      await clock.sleep(5);
      log.push(clock.now());
    })();
    await clock.advance(10);
    expect(log).toEqual([5, 10]);
  });

  it('rejects a sleep whose signal aborts, with the signal\'s reason', async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(100, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(clock.pending()).toBe(0);
  });

  it('writes times as Kubernetes does', () => {
    expect(toRFC3339(Date.UTC(2026, 0, 1, 12, 30, 5, 999))).toBe('2026-01-01T12:30:05Z');
  });
});

test.prop([fc.array(fc.nat({ max: 100 }), { maxLength: 20 }), fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 5 })])(
  'advancing in pieces fires the same timers at the same times as advancing at once',
  async (delays, pieces) => {
    const run = async (steps: number[]): Promise<[number, number][]> => {
      const clock = new FakeClock(0);
      const fired: [number, number][] = [];
      delays.forEach((d, i) => clock.setTimeout(() => fired.push([i, clock.now()]), d));
      for (const step of steps) await clock.advance(step);
      return fired;
    };
    const total = pieces.reduce((a, b) => a + b, 0);
    expect(await run(pieces)).toEqual(await run([total]));
  },
);

test.prop([fc.array(fc.nat({ max: 1000 }), { maxLength: 30 })])('fires every timer in order of due time, each at its due time', async (delays) => {
  const clock = new FakeClock(0);
  const fired: number[] = [];
  for (const d of delays) clock.setTimeout(() => fired.push(clock.now()), d);
  await clock.runAll();
  expect(fired).toEqual([...delays].sort((a, b) => a - b));
});
