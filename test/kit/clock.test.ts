/**
 * FakeClock: the time every graded test runs on. Examples first, then properties: timers fire at
 * their due time, in due order, ties in the order they were set (against a small model); advancing
 * in pieces is the same as advancing at once (metamorphic); sleeps resolve or abort at the right
 * moment.
 */
import { describe, expect, it } from 'vitest';
import { test, fc } from '../support/prop.ts';
import { FakeClock, toRFC3339, type Timer } from '@kube/kit';

describe('FakeClock', () => {
  it('starts at the time it is given, or at 2026-01-01T00:00:00Z', () => {
    expect(new FakeClock(1234).now()).toBe(1234);
    expect(toRFC3339(new FakeClock().now())).toBe('2026-01-01T00:00:00Z');
  });

  it('moves only when advanced, by exactly the amount asked', async () => {
    const clock = new FakeClock(0);
    expect(clock.now()).toBe(0);
    await clock.advance(250);
    await clock.advance(0);
    expect(clock.now()).toBe(250);
  });

  it('fires a timer when time reaches it, not before', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 1000);
    await clock.advance(999);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([1000]);
  });

  it('fires each timer at its own due time, even within one long advance', async () => {
    const clock = new FakeClock(0);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 30);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    await clock.advance(100);
    expect(fired).toEqual([['a', 10], ['b', 30]]);
    expect(clock.now()).toBe(100);
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

  it('fires a timer with a zero, negative or NaN delay at the next advance, without moving time', async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('nan'), NaN);
    clock.setTimeout(() => fired.push('negative'), -5);
    clock.setTimeout(() => fired.push('zero'), 0);
    clock.setTimeout(() => fired.push('later'), 5);
    expect(fired).toEqual([]);
    await clock.advance(0);
    expect(fired).toEqual(['nan', 'negative', 'zero']);
    await clock.advance(5);
    expect(fired).toEqual(['nan', 'negative', 'zero', 'later']);
  });

  it('fires, in the same advance, a timer that a callback sets and that falls due by its end', async () => {
    const clock = new FakeClock(0);
    const fired: [string, number][] = [];
    clock.setTimeout(() => {
      fired.push(['first', clock.now()]);
      clock.setTimeout(() => fired.push(['inside', clock.now()]), 5);
      clock.setTimeout(() => fired.push(['beyond', clock.now()]), 50);
    }, 10);
    await clock.advance(20);
    expect(fired).toEqual([['first', 10], ['inside', 15]]);
    await clock.advance(40);
    expect(fired).toEqual([['first', 10], ['inside', 15], ['beyond', 60]]);
  });

  it('does not fire a cleared timer, and clearing a fired or unknown timer does nothing', async () => {
    const clock = new FakeClock(0);
    let fired = 0;
    const once = clock.setTimeout(() => fired++, 1);
    clock.clearTimeout(clock.setTimeout(() => (fired += 100), 5));
    await clock.advance(10);
    expect(fired).toBe(1);
    clock.clearTimeout(once);
    clock.clearTimeout({ id: 9999 });
    expect(clock.pending()).toBe(0);
  });

  it('repeats an interval every period until it is cleared', async () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    const timer = clock.setInterval(() => at.push(clock.now()), 3);
    await clock.advance(10);
    clock.clearTimeout(timer);
    await clock.advance(10);
    expect(at).toEqual([3, 6, 9]);
  });

  it('stops an interval that clears itself from its own callback', async () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    const timer: Timer = clock.setInterval(() => {
      at.push(clock.now());
      if (at.length === 2) clock.clearTimeout(timer);
    }, 4);
    await clock.advance(100);
    expect(at).toEqual([4, 8]);
    expect(clock.pending()).toBe(0);
  });

  it('refuses an interval of 0 ms and a negative advance, saying why', async () => {
    const clock = new FakeClock(0);
    expect(() => clock.setInterval(() => {}, 0)).toThrow('setInterval needs ms > 0, got 0');
    await expect(clock.advance(-1)).rejects.toThrow('advance needs ms >= 0, got -1');
  });

  it('tells how many timers wait and when the next is due', async () => {
    const clock = new FakeClock(0);
    expect(clock.nextDue()).toBeUndefined();
    clock.setTimeout(() => {}, 20);
    clock.setInterval(() => {}, 7);
    expect(clock.pending()).toBe(2);
    expect(clock.nextDue()).toBe(7);
    await clock.advance(7);
    expect(clock.nextDue()).toBe(14);
  });

  it('runNext jumps to the next timer; runAll fires until none is left, and stops at its limit', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 40);
    clock.setTimeout(() => fired.push(clock.now()), 15);
    expect(await clock.runNext()).toBe(true);
    expect(fired).toEqual([15]);
    expect(clock.now()).toBe(15);
    expect(await clock.runAll()).toBe(1);
    expect(fired).toEqual([15, 40]);
    expect(await clock.runNext()).toBe(false);

    clock.setInterval(() => {}, 1);
    expect(await clock.runAll(5)).toBe(5);
    expect(clock.now()).toBe(45);
  });

  it('resumes an awaited sleep at the right moment, and a sleep begun during an advance ends in it', async () => {
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

  it("rejects a sleep whose signal aborts, with the signal's reason, and drops its timer", async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(100, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(clock.pending()).toBe(0);
  });

  it('rejects at once a sleep whose signal has already aborted, setting no timer', async () => {
    const clock = new FakeClock(0);
    const sleeping = clock.sleep(100, AbortSignal.abort(new Error('too late')));
    expect(clock.pending()).toBe(0);
    await expect(sleeping).rejects.toThrow('too late');
  });

  it('ignores an abort that comes after the sleep has ended', async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(10, controller.signal);
    await clock.advance(10);
    controller.abort(new Error('ignored'));
    await expect(sleeping).resolves.toBeUndefined();
  });

  it('writes times as Kubernetes does: RFC 3339, UTC, whole seconds', () => {
    expect(toRFC3339(Date.UTC(2026, 0, 1, 12, 30, 5, 999))).toBe('2026-01-01T12:30:05Z');
    expect(toRFC3339(Date.UTC(2026, 11, 31, 23, 59, 59, 0))).toBe('2026-12-31T23:59:59Z');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

/** Something a test does to a clock. */
type Op = { op: 'timeout'; ms: number } | { op: 'interval'; ms: number } | { op: 'clear'; which: number } | { op: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('timeout' as const), ms: fc.integer({ min: -5, max: 100 }) }),
  fc.record({ op: fc.constant('interval' as const), ms: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('clear' as const), which: fc.nat() }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.nat({ max: 60 }) }),
);

test.prop([fc.array(opArb, { maxLength: 40 })])(
  'fires every timer and interval exactly at its due times, and never once cleared (against a model)',
  async (ops) => {
    const clock = new FakeClock(0);
    const timers: Timer[] = [];
    const fired: [number, number][] = [];
    // the model: when each timer was set, and how late it was allowed to fire
    const model: { setAt: number; ms: number; every: boolean; firesUntil: number }[] = [];
    const openTimers = new Set<number>();

    for (const op of ops) {
      if (op.op === 'timeout' || op.op === 'interval') {
        const i = timers.length;
        const fn = (): void => void fired.push([i, clock.now()]);
        timers.push(op.op === 'timeout' ? clock.setTimeout(fn, op.ms) : clock.setInterval(fn, op.ms));
        model.push({ setAt: clock.now(), ms: Math.max(0, op.ms), every: op.op === 'interval', firesUntil: -Infinity });
        openTimers.add(i);
      } else if (op.op === 'clear') {
        if (timers.length === 0) continue;
        const i = op.which % timers.length;
        clock.clearTimeout(timers[i]!);
        openTimers.delete(i);
      } else {
        await clock.advance(op.ms);
        for (const i of openTimers) model[i]!.firesUntil = clock.now();
      }
    }

    const expected: [number, number][] = [];
    model.forEach((t, i) => {
      if (!t.every) {
        if (t.setAt + t.ms <= t.firesUntil) expected.push([i, t.setAt + t.ms]);
      } else {
        for (let at = t.setAt + t.ms; at <= t.firesUntil; at += t.ms) expected.push([i, at]);
      }
    });
    const byTimeThenId = (a: [number, number], b: [number, number]): number => a[1] - b[1] || a[0] - b[0];
    // fired in time order...
    expect(fired.map(([, at]) => at)).toEqual([...fired].map(([, at]) => at).sort((a, b) => a - b));
    // ...and exactly the firings the model expects
    expect([...fired].sort(byTimeThenId)).toEqual(expected.sort(byTimeThenId));
  },
);

test.prop([fc.array(fc.oneof(fc.record({ set: fc.integer({ min: -3, max: 50 }) }), fc.record({ advance: fc.nat({ max: 30 }) })), { maxLength: 40 })])(
  'fires timeouts in order of due time, and those due at the same moment in the order they were set',
  async (steps) => {
    const clock = new FakeClock(0);
    const due: number[] = [];
    const fired: number[] = [];
    for (const step of steps) {
      if ('set' in step) {
        const i = due.length;
        due.push(clock.now() + Math.max(0, step.set));
        clock.setTimeout(() => fired.push(i), step.set);
      } else {
        await clock.advance(step.advance);
      }
    }
    await clock.runAll();
    const expected = due.map((_, i) => i).sort((a, b) => due[a]! - due[b]! || a - b);
    expect(fired).toEqual(expected);
  },
);

/** A timer set at the start; when it fires it may set a follow-up timer. */
const timerArb = fc.record({ ms: fc.nat({ max: 100 }), every: fc.boolean(), then: fc.option(fc.nat({ max: 50 }), { nil: undefined }) });

test.prop([fc.array(timerArb, { maxLength: 15 }), fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 6 })])(
  'advancing in pieces fires the same timers, at the same times and in the same order, as advancing at once',
  async (timers, pieces) => {
    const run = async (steps: number[]): Promise<string[]> => {
      const clock = new FakeClock(0);
      const log: string[] = [];
      timers.forEach((t, i) => {
        const fire = (): void => {
          log.push(`${i}@${clock.now()}`);
          if (t.then !== undefined) clock.setTimeout(() => log.push(`${i}.then@${clock.now()}`), t.then);
        };
        if (t.every) clock.setInterval(fire, t.ms + 1);
        else clock.setTimeout(fire, t.ms);
      });
      for (const step of steps) await clock.advance(step);
      log.push(`end@${clock.now()}`);
      return log;
    };
    const total = pieces.reduce((a, b) => a + b, 0);
    expect(await run(pieces)).toEqual(await run([total]));
  },
);

test.prop([fc.array(fc.record({ ms: fc.nat({ max: 100 }), abortAfter: fc.option(fc.nat({ max: 100 }), { nil: undefined }) }), { maxLength: 12 })])(
  'a sleep resolves when its time is up, or rejects when its signal aborts first, and leaves no timer behind',
  async (sleeps) => {
    const clock = new FakeClock(0);
    const outcomes: string[] = [];
    const settled = sleeps.map(({ ms, abortAfter }, i) => {
      const controller = new AbortController();
      if (abortAfter !== undefined && abortAfter < ms) clock.setTimeout(() => controller.abort(new Error(`abort ${i}`)), abortAfter);
      return clock.sleep(ms, controller.signal).then(
        () => void outcomes.push(`${i} slept until ${clock.now()}`),
        (error: Error) => void outcomes.push(`${i} ${error.message} at ${clock.now()}`),
      );
    });
    await clock.runAll();
    await Promise.all(settled);
    const expected = sleeps.map(({ ms, abortAfter }, i) =>
      abortAfter !== undefined && abortAfter < ms ? `${i} abort ${i} at ${abortAfter}` : `${i} slept until ${ms}`,
    );
    expect([...outcomes].sort()).toEqual([...expected].sort());
    expect(clock.pending()).toBe(0);
  },
);
