/**
 * Time, injected. Nothing graded reads the wall clock or sleeps for real: a lease's expiry, a
 * back-off, a heartbeat or a probe's period takes a {@link Clock}. Tests pass a {@link FakeClock}
 * and move time forward with {@link FakeClock.advance}; the finished cluster passes a
 * {@link RealClock}.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const fired: number[] = [];
 * clock.setTimeout(() => fired.push(clock.now()), 1_000);
 * await clock.advance(999);   // nothing yet
 * await clock.advance(1);     // fired = [start + 1000]
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, like `Date.now()`. */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now (a negative or NaN `ms` counts as 0). */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Calls `fn` every `ms` milliseconds (ms > 0) until cleared. */
  setInterval(fn: () => void, ms: number): Timer;
  /** Cancels a timeout or an interval; clearing one that already fired does nothing. */
  clearTimeout(timer: Timer): void;
  /** Resolves `ms` milliseconds from now; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A handle to a scheduled timer; pass it to {@link Clock.clearTimeout}. */
export interface Timer {
  readonly id: number;
}

/** Formats epoch milliseconds as Kubernetes writes timestamps: RFC 3339, UTC, whole seconds. */
export function toRFC3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The machine's clock, for the finished cluster. Never used by graded tests. */
export class RealClock implements Clock {
  private nextId = 1;
  private readonly handles = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const id = this.nextId++;
    this.handles.set(
      id,
      setTimeout(() => {
        this.handles.delete(id);
        fn();
      }, ms > 0 ? ms : 0),
    );
    return { id };
  }

  setInterval(fn: () => void, ms: number): Timer {
    if (!(ms > 0)) throw new RangeError(`setInterval needs ms > 0, got ${ms}`);
    const id = this.nextId++;
    this.handles.set(id, setInterval(fn, ms));
    return { id };
  }

  clearTimeout(timer: Timer): void {
    const handle = this.handles.get(timer.id);
    if (handle !== undefined) {
      clearTimeout(handle);
      clearInterval(handle);
      this.handles.delete(timer.id);
    }
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

interface Scheduled {
  id: number;
  due: number;
  /** insertion order: timers due at the same moment fire in the order they were set */
  seq: number;
  fn: () => void;
  every?: number;
}

/**
 * A clock that moves only when told to. Timers fire in order of due time, ties in the order they
 * were set; a timer set while advancing fires in the same advance if it falls due by its end.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private seq = 0;
  private readonly timers = new Map<number, Scheduled>();

  /** @param start - the starting time in epoch ms (default 2026-01-01T00:00:00Z) */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    // As Node does, a negative or NaN delay means "as soon as possible". (A NaN due time would
    // never compare as due, and would hold back every timer behind it.)
    return this.schedule(fn, ms > 0 ? ms : 0);
  }

  setInterval(fn: () => void, ms: number): Timer {
    if (!(ms > 0)) throw new RangeError(`setInterval needs ms > 0, got ${ms}`);
    return this.schedule(fn, ms, ms);
  }

  clearTimeout(timer: Timer): void {
    this.timers.delete(timer.id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** How many timers are waiting to fire. */
  pending(): number {
    return this.timers.size;
  }

  /** The due time of the next timer, or undefined when none is waiting. */
  nextDue(): number | undefined {
    return this.next()?.due;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in order. Between timers it
   * lets pending promise callbacks run, so `await clock.sleep(...)` continuations happen at the
   * right moment, as they would with real time.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance needs ms >= 0, got ${ms}`);
    const end = this.current + ms;
    await flushMicrotasks();
    for (let timer = this.next(); timer && timer.due <= end; timer = this.next()) {
      this.current = Math.max(this.current, timer.due);
      this.fire(timer);
      await flushMicrotasks();
    }
    this.current = end;
  }

  /** Advances straight to the next timer and fires it (and any due at the same moment). */
  async runNext(): Promise<boolean> {
    const due = this.nextDue();
    if (due === undefined) return false;
    await this.advance(due - this.current);
    return true;
  }

  /**
   * Fires timers until none is left, at most `limit` of them (an interval never runs out);
   * returns how many fired.
   */
  async runAll(limit = 10_000): Promise<number> {
    let fired = 0;
    while (fired < limit && (await this.runNext())) fired++;
    return fired;
  }

  private schedule(fn: () => void, ms: number, every?: number): Timer {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.current + ms, seq: this.seq++, fn, ...(every ? { every } : {}) });
    return { id };
  }

  private next(): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const t of this.timers.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private fire(timer: Scheduled): void {
    if (timer.every) {
      timer.due += timer.every;
      timer.seq = this.seq++;
    } else {
      this.timers.delete(timer.id);
    }
    timer.fn();
  }
}

/** Sleep built on any clock's timers, with abort support. */
function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clock.clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// Captured at load so that tests which fake the global timers cannot stall FakeClock.advance.
const realSetImmediate = globalThis.setImmediate;

/** Lets every queued promise callback run (one macrotask turn drains the microtask queue). */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}
