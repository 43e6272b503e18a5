/**
 * Kata 04 — etcd: watch. The spec is katas/etcd/04-watch.md.
 *
 * The examples read as the spec: a watch from now, of a key, a prefix or everything after a key;
 * PUT and DELETE events with their kv and prevKv; one response per revision; replay from the past
 * and waiting for the future; many watchers and cancel; a slow consumer that falls behind and
 * catches up; `for await`; bad requests. The properties: for any history and any watchers opened
 * at any revision, what each watcher receives is that history filtered to its range (model-based,
 * with tiny buffers so that watchers fall behind); all watchers see one order while concurrent
 * writers race (fc.scheduler); and a watcher read only at the end receives exactly what one read
 * after every write does (metamorphic: falling behind loses nothing).
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { EtcdError, MvccStore, prefixEnd, txn, WatchableStore, type MvccKeyValue, type WatchRequest, type WatchResponse } from '@kube/etcd';
import { thrownBy } from '../support/errors.ts';
import { poolKeyArb, valueArb } from '../support/keys.ts';
import { inRangeByBytes } from '../support/keyspace-model.ts';
import { HistoryModel, type ModelKv, type ModelOp } from '../support/mvcc-history-model.ts';
import { show } from '../support/show.ts';

// ---- helpers ----------------------------------------------------------------------------------

/** A key-value in one line: `"a"="1" c2 m3 v2`. */
const line = (kv: MvccKeyValue | ModelKv): string => `${show(kv.key)}=${show(kv.value)} c${kv.createRevision} m${kv.modRevision} v${kv.version}`;

/** A response in one line: `w0 r3: PUT "a"="1" c2 m3 v2 (prev "a"="0" c2 m2 v1); DELETE ...`. */
function readable(response: WatchResponse): string {
  if (response.canceled) return `w${response.watchId} canceled${response.compactRevision ? ` (compacted at ${response.compactRevision})` : ''}`;
  const events = response.events.map((e) => `${e.type} ${line(e.kv)}${e.prevKv ? ` (prev ${line(e.prevKv)})` : ''}`);
  return `w${response.watchId} r${response.header.revision}: ${events.join('; ')}`;
}
const readAll = (responses: WatchResponse[]): string[] => responses.map(readable);

/** A store and a watchable store on it. */
function setUp(bufferSize?: number): { store: MvccStore; watchable: WatchableStore } {
  const store = new MvccStore();
  return { store, watchable: new WatchableStore(store, bufferSize === undefined ? {} : { bufferSize }) };
}

// ---- examples ---------------------------------------------------------------------------------

describe('a watch from now', () => {
  it('gets only the writes after it, one response per revision, each kv as the store has it', () => {
    const { store, watchable } = setUp();
    store.put('a', '0'); // revision 2: before the watch
    const watcher = watchable.watch({ key: 'a' });
    expect(watcher.poll()).toEqual([]);
    store.put('a', '1'); // 3
    store.put('a', '2'); // 4
    expect(readAll(watcher.poll())).toEqual(['w0 r3: PUT "a"="1" c2 m3 v2', 'w0 r4: PUT "a"="2" c2 m4 v3']);
    expect(watcher.poll()).toEqual([]); // handed out once
  });

  it('of one key, ignores every other key, even the keys it is a prefix of', () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: 'a' });
    store.put('ab', '1');
    store.put('a/b', '1');
    store.put('b', '1');
    store.put('a', '1'); // revision 5
    expect(readAll(watcher.poll())).toEqual(['w0 r5: PUT "a"="1" c5 m5 v1']);
  });

  it('of a prefix (rangeEnd = prefixEnd(prefix)) gets every key under the prefix and nothing else', () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: '/registry/pods/', rangeEnd: prefixEnd('/registry/pods/') });
    store.put('/registry/pods/default/web', 'v1'); // 2
    store.put('/registry/nodes/n1', 'n'); // 3
    store.put('/registry/pods0', 'x'); // 4: just past the prefix
    store.put('/registry/pods/kube-system/dns', 'v1'); // 5
    expect(readAll(watcher.poll()).map((r) => r.split(': ')[0])).toEqual(['w0 r2', 'w0 r5']);
  });

  it("with rangeEnd '\\0' gets every key at or after its key, in UTF-8 byte order", () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: '\uffff', rangeEnd: '\0' });
    store.put('\uE000', '1'); // before '\uffff'
    store.put('\u{10000}', '1'); // after it in bytes, though not in UTF-16
    store.put('\uffff', '1');
    expect(readAll(watcher.poll()).map((r) => r.split(': ')[0])).toEqual(['w0 r3', 'w0 r4']);
  });

  it('gives a DELETE event whose kv is a tombstone: the key, modRevision = the delete, everything else zero', () => {
    const { store, watchable } = setUp();
    store.put('a', '1'); // 2
    const watcher = watchable.watch({ key: 'a' });
    store.delete('a'); // 3
    const [response] = watcher.poll();
    expect(response!.events).toEqual([{ type: 'DELETE', kv: { key: 'a', value: '', createRevision: 0, modRevision: 3, version: 0, lease: 0 } }]);
  });

  it('gives no event for a write that changes nothing: a delete of a missing key, a txn whose compare fails', () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: 'a', rangeEnd: '\0' });
    store.delete('a');
    txn(store, { compare: [{ key: 'a', target: 'version', result: '=', value: 7 }], success: [{ type: 'put', key: 'a', value: '1' }] });
    expect(watcher.poll()).toEqual([]);
    expect(store.revision).toBe(1);
  });

  it("delivers all events of one txn together, in one response, in the order of the txn's ops", () => {
    const { store, watchable } = setUp();
    store.put('b', '0'); // 2
    const watcher = watchable.watch({ key: 'a', rangeEnd: '\0' });
    txn(store, { success: [{ type: 'put', key: 'c', value: '1' }, { type: 'delete', key: 'b' }, { type: 'put', key: 'a', value: '1' }] }); // 3
    expect(readAll(watcher.poll())).toEqual(['w0 r3: PUT "c"="1" c3 m3 v1; DELETE "b"="" c0 m3 v0; PUT "a"="1" c3 m3 v1']);
  });

  it('with prevKv, a PUT carries the pair it replaced and a DELETE the pair it deleted; a first put carries none', () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: 'a', prevKv: true });
    const without = watchable.watch({ key: 'a' });
    store.put('a', '1'); // 2
    store.put('a', '2'); // 3
    store.delete('a'); // 4
    expect(readAll(watcher.poll())).toEqual([
      'w0 r2: PUT "a"="1" c2 m2 v1',
      'w0 r3: PUT "a"="2" c2 m3 v2 (prev "a"="1" c2 m2 v1)',
      'w0 r4: DELETE "a"="" c0 m4 v0 (prev "a"="2" c2 m3 v2)',
    ]);
    expect(without.poll().flatMap((r) => r.events).some((e) => e.prevKv !== undefined)).toBe(false);
  });
});

describe('a watch from another revision', () => {
  it('from the past replays every change from that revision on, then goes on live, with no gap and no repeat', () => {
    const { store, watchable } = setUp();
    store.put('a', '1'); // 2
    store.put('a', '2'); // 3
    store.put('a', '3'); // 4
    const watcher = watchable.watch({ key: 'a', startRevision: 3 });
    store.put('a', '4'); // 5
    expect(readAll(watcher.poll())).toEqual(['w0 r3: PUT "a"="2" c2 m3 v2', 'w0 r4: PUT "a"="3" c2 m4 v3', 'w0 r5: PUT "a"="4" c2 m5 v4']);
    store.put('a', '5'); // 6
    expect(readAll(watcher.poll())).toEqual(['w0 r6: PUT "a"="5" c2 m6 v5']);
  });

  it("from the store's own revision replays that revision's write", () => {
    const { store, watchable } = setUp();
    store.put('a', '1'); // 2
    expect(readAll(watchable.watch({ key: 'a', startRevision: 2 }).poll())).toEqual(['w0 r2: PUT "a"="1" c2 m2 v1']);
  });

  it('from a future revision gets nothing until the store reaches it, then that revision on', () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: 'a', startRevision: 4 });
    store.put('a', '1'); // 2
    store.put('a', '2'); // 3
    expect(watcher.poll()).toEqual([]);
    store.put('a', '3'); // 4
    expect(readAll(watcher.poll())).toEqual(['w0 r4: PUT "a"="3" c2 m4 v3']);
  });

  it('from revision 0 or a negative one starts after the latest write, like no startRevision', () => {
    const { store, watchable } = setUp();
    store.put('a', '1');
    const zero = watchable.watch({ key: 'a', startRevision: 0 });
    const negative = watchable.watch({ key: 'a', startRevision: -5 });
    store.put('a', '2'); // 3
    expect(readAll(zero.poll())).toEqual(['w0 r3: PUT "a"="2" c2 m3 v2']);
    expect(readAll(negative.poll())).toEqual(['w1 r3: PUT "a"="2" c2 m3 v2']);
  });
});

describe('many watchers', () => {
  it('numbers watches from 0 and gives every watcher its own copy of the events', () => {
    const { store, watchable } = setUp();
    const first = watchable.watch({ key: 'a' });
    const second = watchable.watch({ key: 'a', rangeEnd: '\0' });
    expect([first.id, second.id]).toEqual([0, 1]);
    store.put('a', '1');
    expect(readAll(first.poll())).toEqual(['w0 r2: PUT "a"="1" c2 m2 v1']);
    expect(readAll(second.poll())).toEqual(['w1 r2: PUT "a"="1" c2 m2 v1']);
    expect(watchable.size).toBe(2);
  });

  it('cancel: a canceled watcher gets nothing more, hands out what it had buffered once, and is no longer counted', () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: 'a' });
    const other = watchable.watch({ key: 'a' });
    store.put('a', '1'); // 2: buffered before the cancel
    watcher.cancel();
    watcher.cancel(); // twice is fine
    store.put('a', '2'); // 3
    expect(watcher.canceled).toBe(true);
    expect(readAll(watcher.poll())).toEqual(['w0 r2: PUT "a"="1" c2 m2 v1']);
    expect(watcher.poll()).toEqual([]);
    expect(watchable.size).toBe(1);
    expect(other.poll()).toHaveLength(2);
  });
});

describe('a slow consumer', () => {
  it('whose buffer is full falls behind, and when it reads, gets every revision it missed, in order', () => {
    const { store, watchable } = setUp(2);
    const slow = watchable.watch({ key: 'k', rangeEnd: '\0' });
    for (let i = 0; i < 10; i++) store.put(`k${i}`, `${i}`); // revisions 2..11: 2 fit in the buffer
    const got = slow.poll();
    expect(got.map((r) => r.header.revision)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    store.put('k', 'x'); // 12: live again
    expect(slow.poll().map((r) => r.header.revision)).toEqual([12]);
  });

  it('holds back neither the writer nor the other watchers', () => {
    const { store, watchable } = setUp(1);
    const slow = watchable.watch({ key: 'a' });
    const fast = watchable.watch({ key: 'a' });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      expect(store.put('a', `${i}`).header.revision).toBe(i + 2); // every write goes through at once
      seen.push(...fast.poll().map((r) => r.header.revision));
    }
    expect(seen).toEqual([2, 3, 4, 5, 6]);
    expect(slow.poll().map((r) => r.header.revision)).toEqual([2, 3, 4, 5, 6]);
  });
});

describe('for await', () => {
  it('yields the responses as the writes happen, and leaving the loop cancels the watch', async () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: 'a' });
    const revisions: number[] = [];
    const reading = (async () => {
      for await (const response of watcher) {
        revisions.push(response.header.revision);
        if (revisions.length === 3) break;
      }
    })();
    for (let i = 0; i < 3; i++) {
      store.put('a', `${i}`);
      await Promise.resolve(); // let the reader run
    }
    await reading;
    expect(revisions).toEqual([2, 3, 4]);
    expect(watcher.canceled).toBe(true);
    expect(watchable.size).toBe(0);
  });

  it('ends when the watcher is canceled', async () => {
    const { watchable } = setUp();
    const watcher = watchable.watch({ key: 'a' });
    const reading = (async () => {
      const got: WatchResponse[] = [];
      for await (const response of watcher) got.push(response);
      return got;
    })();
    await Promise.resolve();
    watcher.cancel();
    expect(await reading).toEqual([]);
  });
});

describe('a compacted store', () => {
  // store.compacted is kata 05's to move with compact(); a store restored from a snapshot (kata 06)
  // starts with it set, through the given store.restoreRevisions. These tests set it that way.

  it('cancels a watch from below store.compacted at its first read, with compactRevision; one from store.compacted itself replays, with no prevKv read below it', () => {
    const { store, watchable } = setUp();
    store.put('a', '1'); // 2
    store.put('a', '2'); // 3
    store.put('a', '3'); // 4
    store.put('a', '4'); // 5
    store.restoreRevisions(store.revision, 4); // compacted at 4, as a restored snapshot can be
    const below = watchable.watch({ key: 'a', startRevision: 3 });
    expect(watchable.size).toBe(1);
    expect(below.poll()).toEqual([{ watchId: 0, header: { revision: 5 }, events: [], compactRevision: 4, canceled: true }]);
    expect(below.canceled).toBe(true);
    expect(watchable.size, 'a watch canceled by compaction is forgotten').toBe(0);
    expect(below.poll()).toEqual([]);
    const at = watchable.watch({ key: 'a', startRevision: 4, prevKv: true });
    expect(readAll(at.poll())).toEqual(['w1 r4: PUT "a"="3" c2 m4 v3', 'w1 r5: PUT "a"="4" c2 m5 v4 (prev "a"="3" c2 m4 v3)']);
    expect(at.canceled).toBe(false);
  });

  it('cancels a watcher whose full buffer made it fall behind, once the revisions it still needs are compacted', () => {
    const { store, watchable } = setUp(1);
    const watcher = watchable.watch({ key: 'a' });
    store.put('a', '1'); // 2: buffered
    store.put('a', '2'); // 3: the buffer is full, the watcher falls behind
    store.put('a', '3'); // 4
    store.restoreRevisions(store.revision, 4); // the revisions it still needs (3) are compacted
    expect(readAll(watcher.poll())).toEqual(['w0 r2: PUT "a"="1" c2 m2 v1', 'w0 canceled (compacted at 4)']);
    expect(watcher.canceled).toBe(true);
  });
});

describe('bad requests', () => {
  it('an empty key is EtcdError EmptyKey, "etcdserver: key is not provided"', () => {
    const { watchable } = setUp();
    const error = thrownBy(() => watchable.watch({ key: '' }));
    expect(error).toBeInstanceOf(EtcdError);
    expect(error).toMatchObject({ code: 'EmptyKey', message: expect.stringContaining('etcdserver: key is not provided') });
  });

  it.each([
    ['before the key', 'b', 'a'],
    ['equal to the key', 'a', 'a'],
  ])('a rangeEnd %s is EtcdError EmptyWatcherRange, "mvcc: watcher range is empty", and opens nothing', (_, key, rangeEnd) => {
    const { store, watchable } = setUp();
    const error = thrownBy(() => watchable.watch({ key, rangeEnd }));
    expect(error).toMatchObject({ code: 'EmptyWatcherRange', message: `mvcc: watcher range is empty (key "${key}", rangeEnd "${rangeEnd}")` });
    expect(watchable.size).toBe(0);
    expect(watchable.watch({ key: 'a' }).id, 'the refused watch took no id').toBe(0);
  });

  it('compares the range\'s ends by their UTF-8 bytes, as keys are: "\\uffff" comes before "\\u{10000}"', () => {
    const { watchable } = setUp();
    expect(watchable.watch({ key: '\uffff', rangeEnd: '\u{10000}' }).id).toBe(0);
    expect(thrownBy(() => watchable.watch({ key: '\u{10000}', rangeEnd: '\uffff' }))).toMatchObject({ code: 'EmptyWatcherRange' });
  });

  it('buffers WATCH_BUFFER_SIZE (1024) responses by default: three revisions written at once are all kept', () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: 'a' });
    for (const value of ['1', '2', '3']) store.put('a', value);
    store.restoreRevisions(store.revision, store.revision); // a watcher that fell behind would now be canceled
    expect(watcher.poll().map((r) => r.header.revision)).toEqual([2, 3, 4]);
    expect(watcher.canceled).toBe(false);
  });

  it('a rangeEnd of "" is no range: the watch is of the key alone', () => {
    const { store, watchable } = setUp();
    const watcher = watchable.watch({ key: 'a', rangeEnd: '' });
    store.put('ab', '1');
    store.put('a', '1');
    expect(readAll(watcher.poll())).toEqual(['w0 r3: PUT "a"="1" c3 m3 v1']);
  });

  it.each([0, -1, 1.5])('a bufferSize of %s is a RangeError that says what would be right', (bufferSize) => {
    expect(() => new WatchableStore(new MvccStore(), { bufferSize })).toThrow(/bufferSize must be a whole number >= 1/);
  });
});

// ---- the model-based property ----------------------------------------------------------------

/** A watch as the model sees it: its request and the responses it has received so far. */
interface ModelWatch {
  request: WatchRequest;
  start: number;
  received: string[];
  canceled: boolean;
}
interface Model {
  history: HistoryModel;
  watches: ModelWatch[];
}
interface Real {
  store: MvccStore;
  watchable: WatchableStore;
  watchers: ReturnType<WatchableStore['watch']>[];
}
type Command = fc.Command<Model, Real>;

/** What a watch should have received by now: the history from its start, filtered to its range. */
function expectedResponses(history: HistoryModel, watch: ModelWatch, id: number): string[] {
  const responses: string[] = [];
  for (let revision = watch.start; revision <= history.revision; revision++) {
    const events = history
      .changesAt(revision)
      .filter((change) => inRangeByBytes(change.kv.key, watch.request.key, watch.request.rangeEnd))
      .map((change) => {
        const before = history.range(change.kv.key, undefined, { revision: revision - 1 });
        const prev = watch.request.prevKv && before !== 'FutureRevision' ? before.kvs[0] : undefined;
        return `${change.type} ${line(change.kv)}${prev ? ` (prev ${line(prev)})` : ''}`;
      });
    if (events.length > 0) responses.push(`w${id} r${revision}: ${events.join('; ')}`);
  }
  return responses;
}

class WriteCommand implements Command {
  constructor(readonly ops: ModelOp[]) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    real.store.write((w) => {
      for (const op of this.ops) {
        if (op.type === 'put') w.put(op.key, op.value);
        else if (op.type === 'delete') w.delete(op.key, op.rangeEnd);
      }
    });
    model.history.write(this.ops);
    expect(real.store.revision, String(this)).toBe(model.history.revision);
  }
  toString = (): string =>
    this.ops.length === 1
      ? `store.${this.ops[0]!.type === 'put' ? `put(${show(this.ops[0]!.key)}, ${show((this.ops[0] as { value: string }).value)})` : `delete(${show(this.ops[0]!.key)}${(this.ops[0] as { rangeEnd?: string }).rangeEnd !== undefined ? `, ${show((this.ops[0] as { rangeEnd?: string }).rangeEnd)}` : ''})`}`
      : `store.write(${this.ops.map((op) => (op.type === 'put' ? `put ${show(op.key)}=${show(op.value)}` : `delete ${show(op.key)}`)).join(', ')})`;
}

/** How a watch picks its start: now, n revisions back, or n ahead. */
type StartPick = { kind: 'now' } | { kind: 'back'; n: number } | { kind: 'ahead'; n: number };

class WatchCommand implements Command {
  constructor(
    readonly key: string,
    readonly rangeEnd: string | undefined,
    readonly pick: StartPick,
    readonly prevKv: boolean,
  ) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const now = model.history.revision;
    const startRevision = this.pick.kind === 'now' ? 0 : this.pick.kind === 'back' ? Math.max(1, now - this.pick.n) : now + this.pick.n;
    const request: WatchRequest = { key: this.key, ...(this.rangeEnd !== undefined && { rangeEnd: this.rangeEnd }), startRevision, prevKv: this.prevKv };
    real.watchers.push(real.watchable.watch(request));
    model.watches.push({ request, start: startRevision > 0 ? startRevision : now + 1, received: [], canceled: false });
  }
  toString = (): string => {
    const start = this.pick.kind === 'now' ? 'now' : this.pick.kind === 'back' ? `now-${this.pick.n}` : `now+${this.pick.n}`;
    return `watch(${show(this.key)}${this.rangeEnd !== undefined ? `..${show(this.rangeEnd)}` : ''} from ${start}${this.prevKv ? ', prevKv' : ''})`;
  };
}

class PollCommand implements Command {
  constructor(readonly which: number) {}
  check = (model: Readonly<Model>): boolean => model.watches.length > 0;
  run(model: Model, real: Real): void {
    const i = this.which % model.watches.length;
    const watch = model.watches[i]!;
    const got = readAll(real.watchers[i]!.poll());
    if (watch.canceled) {
      expect(got, `${String(this)}: a canceled watch gets nothing more`).toEqual([]);
      return;
    }
    watch.received.push(...got);
    expect(watch.received, `${String(this)}: everything from revision ${watch.start} on in its range, once, in order`).toEqual(expectedResponses(model.history, watch, i));
  }
  toString = (): string => `poll(watcher #${this.which})`;
}

class CancelCommand implements Command {
  constructor(readonly which: number) {}
  check = (model: Readonly<Model>): boolean => model.watches.length > 0;
  run(model: Model, real: Real): void {
    const i = this.which % model.watches.length;
    const watch = model.watches[i]!;
    if (!watch.canceled) {
      watch.received.push(...readAll(real.watchers[i]!.poll()));
      expect(watch.received, String(this)).toEqual(expectedResponses(model.history, watch, i));
    }
    real.watchers[i]!.cancel();
    watch.canceled = true;
    expect(real.watchers[i]!.poll(), `${String(this)}: nothing after a cancel`).toEqual([]);
    expect(real.watchable.size, String(this)).toBe(model.watches.filter((w) => !w.canceled).length);
  }
  toString = (): string => `cancel(watcher #${this.which})`;
}

/** Keys a write may touch: at most one op per key, so that every event's prevKv is the pair before the write. */
const writeArb: fc.Arbitrary<ModelOp[]> = fc
  .uniqueArray(fc.tuple(poolKeyArb, fc.option(valueArb, { nil: undefined })), { minLength: 1, maxLength: 3, selector: ([key]) => key })
  .map((ops) => ops.map(([key, value]): ModelOp => (value === undefined ? { type: 'delete', key } : { type: 'put', key, value })));

const rangeArb: fc.Arbitrary<[string, string | undefined]> = fc.oneof(
  fc.tuple(poolKeyArb, fc.constant(undefined)),
  fc.tuple(poolKeyArb, fc.constant('\0')),
  // prefix ranges, with their ends written out (prefixEnd is kata 01's, not called while the file loads)
  fc.constantFrom<[string, string | undefined]>(['a', 'b'], ['a/', 'a0'], ['\0', '\0']),
);

const startArb: fc.Arbitrary<StartPick> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'now' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 6 }).map((n): StartPick => ({ kind: 'back', n })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((n): StartPick => ({ kind: 'ahead', n })) },
);

describe('properties', () => {
  test.prop([
    fc.integer({ min: 1, max: 3 }),
    fc.commands(
      [
        writeArb.map((ops) => new WriteCommand(ops)),
        writeArb.map((ops) => new WriteCommand(ops)),
        fc.tuple(rangeArb, startArb, fc.boolean()).map(([[key, end], pick, prevKv]) => new WatchCommand(key, end, pick, prevKv)),
        fc.nat(9).map((i) => new PollCommand(i)),
        fc.nat(9).map((i) => new CancelCommand(i)),
      ],
      { maxCommands: 40, size: 'medium' },
    ),
  ])('for any history and watches opened at any revision, each watcher receives the history from its start, filtered to its range, once and in order', (bufferSize, commands) => {
    fc.modelRun(() => {
      const store = new MvccStore();
      return { model: { history: new HistoryModel(), watches: [] }, real: { store, watchable: new WatchableStore(store, { bufferSize }), watchers: [] } };
    }, commands);
  });

  test.prop([
    fc.array(fc.array(fc.tuple(fc.constantFrom('a', 'a/x', 'a/y', 'b'), valueArb), { minLength: 1, maxLength: 5 }), { minLength: 2, maxLength: 3 }),
    fc.scheduler(),
  ])('all watchers see one order: while writers race, every watcher sees revisions in increasing order and the same events for the keys they share', async (writers, s) => {
    const { store, watchable } = setUp(2);
    const requests: WatchRequest[] = [{ key: '\0', rangeEnd: '\0' }, { key: 'a/', rangeEnd: prefixEnd('a/') }, { key: 'a' }, { key: 'a', rangeEnd: '\0', prevKv: true }];
    const watchers = requests.map((request) => watchable.watch(request));
    const seen: WatchResponse[][] = watchers.map(() => []);
    const readers = watchers.map(async (watcher, i) => {
      for await (const response of watcher) seen[i]!.push(response);
    });
    const writing = writers.map(async (puts) => {
      for (const [key, value] of puts) {
        await s.schedule(Promise.resolve(), `put ${key}`);
        store.put(key, value);
      }
    });
    await s.waitFor(Promise.all(writing));
    for (const watcher of watchers) watcher.cancel();
    await Promise.all(readers);
    for (const [i, responses] of seen.entries()) {
      // a canceled watcher may stop before the last writes: what it saw must still be a prefix of the truth
      const revisions = responses.map((r) => r.header.revision);
      expect(revisions, `watcher ${i}: revisions increase`).toEqual([...revisions].sort((a, b) => a - b));
      expect(new Set(revisions).size, `watcher ${i}: no revision twice`).toBe(revisions.length);
    }
    // The watcher of everything, read after every write, saw every revision of the store.
    const everything = [...seen[0]!, ...watchers[0]!.poll()];
    const events = (responses: WatchResponse[], request: WatchRequest) =>
      responses.flatMap((r) => r.events.filter((e) => inRangeByBytes(e.kv.key, request.key, request.rangeEnd)).map((e) => `${e.type} ${line(e.kv)}`));
    for (const [i, responses] of seen.entries()) {
      const mine = events(responses, requests[i]!);
      const truth = events(everything, requests[i]!);
      expect(mine, `watcher ${i} (${show(requests[i])}) agrees with the watcher of everything`).toEqual(truth.slice(0, mine.length));
    }
  });

  test.prop([fc.array(writeArb, { maxLength: 25 }), fc.integer({ min: 1, max: 3 }), rangeArb, fc.boolean(), fc.integer({ min: 0, max: 4 })])(
    'falling behind loses nothing: a watcher read only at the end receives exactly what one read after every write receives',
    (writes, bufferSize, [key, rangeEnd], prevKv, back) => {
      const { store, watchable } = setUp(bufferSize);
      const preload = Math.min(back, writes.length);
      for (const ops of writes.slice(0, preload)) store.write((w) => ops.forEach((op) => (op.type === 'put' ? w.put(op.key, op.value) : w.delete(op.key))));
      const request: WatchRequest = { key, ...(rangeEnd !== undefined && { rangeEnd }), prevKv, startRevision: Math.max(1, store.revision - 1) };
      const eager = watchable.watch(request);
      const lazy = watchable.watch(request);
      const eagerGot = eager.poll();
      const lazyGot = lazy.poll(); // caught up once, then left alone while its buffer fills
      for (const ops of writes.slice(preload)) {
        store.write((w) => ops.forEach((op) => (op.type === 'put' ? w.put(op.key, op.value) : w.delete(op.key))));
        eagerGot.push(...eager.poll());
      }
      const strip = (responses: WatchResponse[]) => readAll(responses).map((r) => r.replace(/^w\d+ /, ''));
      lazyGot.push(...lazy.poll());
      expect(strip(lazyGot)).toEqual(strip(eagerGot));
    },
  );
});
