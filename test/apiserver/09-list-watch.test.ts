/**
 * Kata 09 — kube-apiserver: list and watch. The spec is katas/apiserver/09-list-watch.md.
 *
 * The examples read as the spec: watch from a resourceVersion or from now (with the current state
 * as ADDED), selectors that turn updates into ADDED and DELETED, 410 Expired for a compacted
 * resourceVersion, bookmarks on the clock; pages with limit and continue at the first page's
 * revision, remainingItemCount, reads of the past, and bad requests. The properties: the
 * reflector's contract — for any history, a list at RV plus a watch from RV rebuilds the current
 * state exactly, with no gap and no duplicate (model-based, fc.commands); and any page size gives,
 * page after page, exactly the list at the first page's revision, while writes go on in between.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { LocalClient, Registry, isStatusError, type ApiWatch, type ApiWatchEvent, type ListResult } from '@kube/apiserver';
import { EtcdError, MvccStore, WatchableStore, type Mvcc } from '@kube/etcd';
import { testStore } from '../support/apiserver/store.ts';
import { FakeClock, Random, type Pod, type Status } from '@kube/kit';

const START = Date.UTC(2026, 0, 1);

function setUp() {
  const { store, watchable } = testStore();
  const clock = new FakeClock(START);
  const registry = new Registry({ store, watchable, clock, random: new Random(9) });
  return { store, clock, registry, client: new LocalClient(registry) };
}

/**
 * A store the registry cannot watch (it is not an MvccStore, as a remote store without a watch
 * would not be): every call goes to an MvccStore, and `failure`, once set, is what its range throws.
 */
class PlainStore implements Mvcc {
  failure: Error | undefined;
  readonly inner = new MvccStore();
  get revision(): number {
    return this.inner.revision;
  }
  range(...args: Parameters<Mvcc['range']>): ReturnType<Mvcc['range']> {
    if (this.failure) throw this.failure;
    return this.inner.range(...args);
  }
  put(...args: Parameters<Mvcc['put']>): ReturnType<Mvcc['put']> {
    return this.inner.put(...args);
  }
  delete(...args: Parameters<Mvcc['delete']>): ReturnType<Mvcc['delete']> {
    return this.inner.delete(...args);
  }
  write<T>(body: (txn: Parameters<Parameters<Mvcc['write']>[0]>[0]) => T): T {
    return this.inner.write(body);
  }
}

/** A continue token made by hand: base64 of the JSON given. */
const token = (json: unknown): string => Buffer.from(JSON.stringify(json), 'utf8').toString('base64');

/** A pod that validates, with labels and maybe a node. */
function pod(name: string, labels: Record<string, string> = {}, nodeName?: string): Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'nginx' }], ...(nodeName ? { nodeName } : {}) } };
}

/** An event in one line: `ADDED web rv3 app=web`. */
function line(event: ApiWatchEvent<Pod>): string {
  if (event.type === 'ERROR') return `ERROR ${(event.object as Status).code} ${(event.object as Status).message}`;
  const object = event.object as Pod;
  if (event.type === 'BOOKMARK') return `BOOKMARK rv${object.metadata.resourceVersion}`;
  const labels = Object.entries(object.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return `${event.type} ${object.metadata.name} rv${object.metadata.resourceVersion}${labels ? ` ${labels}` : ''}${object.spec?.nodeName ? ` on ${object.spec.nodeName}` : ''}`;
}
const lines = (watch: ApiWatch<Pod>): string[] => watch.poll().map(line);

/** What a call throws, as a Status. */
function statusOf(call: () => unknown): Status {
  try {
    call();
  } catch (error) {
    if (isStatusError(error)) return error.status;
    throw error;
  }
  throw new Error('expected a StatusError');
}

// ---- watch ---------------------------------------------------------------------------------------

describe('watch', () => {
  it('from a resourceVersion gets every change after it: ADDED, MODIFIED, then DELETED with the last state at the delete\'s resourceVersion', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('old')); // rv 2: before the watch
    const watch = registry.watch<Pod>('pods', 'default', { resourceVersion: '2' });
    const web = registry.create<Pod>('pods', 'default', pod('web', { app: 'web' })); // 3
    registry.update('pods', 'default', { ...web, metadata: { ...web.metadata, labels: { app: 'web', tier: 'front' } } }); // 4
    registry.delete('pods', 'default', 'web'); // 5: marked first, as every pod (kata 08); 6: deleted
    expect(lines(watch)).toEqual(['ADDED web rv3 app=web', 'MODIFIED web rv4 app=web,tier=front', 'MODIFIED web rv5 app=web,tier=front', 'DELETED web rv6 app=web,tier=front']);
  });

  it('without a resourceVersion, starts with the objects as they are, as ADDED events, then the changes', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('a'));
    registry.create('pods', 'default', pod('b'));
    const watch = registry.watch<Pod>('pods', 'default');
    registry.create('pods', 'default', pod('c'));
    expect(lines(watch)).toEqual(['ADDED a rv2', 'ADDED b rv3', 'ADDED c rv4']);
    expect(lines(registry.watch<Pod>('pods', 'default', { resourceVersion: '0' }))).toEqual(['ADDED a rv2', 'ADDED b rv3', 'ADDED c rv4']);
  });

  it('with a label selector, an object that stops matching is DELETED (its last matching state), and one that starts matching is ADDED', () => {
    const { registry } = setUp();
    const watch = registry.watch<Pod>('pods', 'default', { resourceVersion: '1', labelSelector: 'app=web' });
    const p = registry.create<Pod>('pods', 'default', pod('p', { app: 'db' })); // 2: not selected
    const moved = registry.update<Pod>('pods', 'default', { ...p, metadata: { ...p.metadata, labels: { app: 'web' } } }); // 3: enters
    registry.update('pods', 'default', { ...moved, metadata: { ...moved.metadata, labels: { app: 'db' } } }); // 4: leaves
    expect(lines(watch)).toEqual(['ADDED p rv3 app=web', 'DELETED p rv4 app=web']);
  });

  it("with a field selector on spec.nodeName, a pod bound to the node is ADDED to that node's watch (what a kubelet sees)", () => {
    const { registry } = setUp();
    const kubelet = registry.watch<Pod>('pods', undefined, { resourceVersion: '1', fieldSelector: 'spec.nodeName=node-1' });
    const p = registry.create<Pod>('pods', 'default', pod('web')); // 2: pending
    registry.update('pods', 'default', { ...p, spec: { ...p.spec!, nodeName: 'node-1' } }); // 3: bound
    expect(lines(kubelet)).toEqual(['ADDED web rv3 on node-1']);
  });

  it('of one namespace sees nothing of another; of every namespace (undefined) sees all', () => {
    const { registry } = setUp();
    const mine = registry.watch<Pod>('pods', 'default', { resourceVersion: '1' });
    const all = registry.watch<Pod>('pods', undefined, { resourceVersion: '1' });
    registry.create('pods', 'other', pod('x'));
    registry.create('pods', 'default', pod('y'));
    expect(lines(mine)).toEqual(['ADDED y rv3']);
    expect(lines(all)).toEqual(['ADDED x rv2', 'ADDED y rv3']);
  });

  it('from a compacted resourceVersion gets one ERROR event, a 410 Expired Status "too old resource version: 2 (4)", and ends', () => {
    const { store, registry } = setUp();
    for (const name of ['a', 'b', 'c']) registry.create('pods', 'default', pod(name)); // 2, 3, 4
    store.compact(4);
    const watch = registry.watch<Pod>('pods', 'default', { resourceVersion: '2' });
    const events = watch.poll();
    expect(events.map(line)).toEqual(['ERROR 410 too old resource version: 2 (4)']);
    expect(events[0]!.object).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    registry.create('pods', 'default', pod('d'));
    expect(watch.poll()).toEqual([]);
  });

  it('from the resourceVersion just before the compacted one is expired too: compacting at 4 dropped the delete at 4 it would have missed', () => {
    const { store, registry } = setUp();
    registry.create('pods', 'default', pod('a')); // 2
    registry.delete('pods', 'default', 'a'); // 3: marked first, as every pod (kata 08); 4: deleted
    store.compact(4);
    expect(registry.watch<Pod>('pods', 'default', { resourceVersion: '3' }).poll().map(line)).toEqual(['ERROR 410 too old resource version: 3 (4)']);
    const fromCompacted = registry.watch<Pod>('pods', 'default', { resourceVersion: '4' });
    registry.create('pods', 'default', pod('b')); // 5
    expect(lines(fromCompacted)).toEqual(['ADDED b rv5']);
  });

  it('with allowWatchBookmarks, sends a BOOKMARK every 60 s of the clock, at the resourceVersion of everything sent so far', async () => {
    const { clock, registry } = setUp();
    const watch = registry.watch<Pod>('pods', 'default', { resourceVersion: '1', allowWatchBookmarks: true });
    const quiet = registry.watch<Pod>('pods', 'default', { resourceVersion: '1' });
    registry.create('pods', 'default', pod('a')); // 2
    await clock.advance(59_999);
    expect(lines(watch)).toEqual(['ADDED a rv2']);
    registry.create('pods', 'other', pod('elsewhere')); // 3: not in the watch, but the bookmark moves past it
    await clock.advance(1);
    expect(lines(watch)).toEqual(['BOOKMARK rv3']);
    await clock.advance(60_000);
    expect(lines(watch)).toEqual(['BOOKMARK rv3']);
    expect(lines(quiet)).toEqual(['ADDED a rv2']);
  });

  it('reads with for await, and stop() ends the loop', async () => {
    const { registry, client } = setUp();
    const watch = client.pods('default').watch({ resourceVersion: '1' });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of watch) seen.push(line(event as ApiWatchEvent<Pod>));
    })();
    const settle = async (n: number) => {
      for (let i = 0; i < 20 && seen.length < n; i++) await Promise.resolve(); // let the reader run
    };
    registry.create('pods', 'default', pod('a'));
    await settle(1);
    registry.create('pods', 'default', pod('b'));
    await settle(2);
    watch.stop();
    await reading;
    expect(seen).toEqual(['ADDED a rv2', 'ADDED b rv3']);
  });

  it('without a resourceVersion and with a selector, starts with only the objects the selector selects', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('db', { app: 'db' }));
    registry.create('pods', 'default', pod('web', { app: 'web' }));
    expect(lines(registry.watch<Pod>('pods', 'default', { labelSelector: 'app=web' }))).toEqual(['ADDED web rv3 app=web']);
  });

  it('sends a BOOKMARK as { kind, apiVersion, metadata: { resourceVersion } } of the watched resource, once per interval: the poll right after it has none', async () => {
    const { clock, registry } = setUp();
    const watch = registry.watch<Pod>('pods', 'default', { resourceVersion: '1', allowWatchBookmarks: true });
    registry.create('pods', 'default', pod('a')); // 2
    await clock.advance(60_000);
    expect(watch.poll().at(-1)).toEqual({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '2' } } });
    expect(watch.poll()).toEqual([]);
  });

  it('after stop(), reads nothing more from the store: a change made before it but not yet polled is dropped', () => {
    const { registry } = setUp();
    const watch = registry.watch<Pod>('pods', 'default', { resourceVersion: '1' });
    registry.create('pods', 'default', pod('a'));
    watch.stop();
    expect(watch.poll()).toEqual([]);
  });

  it('started without a resourceVersion and fallen behind past a compaction, gets the 410 naming the revision it started at', () => {
    const store = new MvccStore();
    // A store watcher that buffers one response falls behind (kata 04) at the second write.
    const registry = new Registry({ store, watchable: new WatchableStore(store, { bufferSize: 1 }), clock: new FakeClock(START), random: new Random(9) });
    registry.create('pods', 'default', pod('x')); // 2
    const watch = registry.watch<Pod>('pods', 'default');
    for (const name of ['a', 'b', 'c']) registry.create('pods', 'default', pod(name)); // 3, 4, 5
    store.compact(5);
    expect(lines(watch)).toEqual(['ADDED x rv2', 'ADDED a rv3', 'ERROR 410 too old resource version: 2 (5)']);
  });

  it('on a registry whose store cannot be watched, is 405 MethodNotAllowed: "watch is not supported on resources of kind ..."', () => {
    const registry = new Registry({ store: new PlainStore(), clock: new FakeClock(START), random: new Random(9) });
    expect(statusOf(() => registry.watch('pods', 'default'))).toMatchObject({ code: 405, reason: 'MethodNotAllowed', message: expect.stringContaining('watch is not supported on resources of kind') });
  });

  it.each([
    ['a label selector that does not parse', { labelSelector: 'app in (web' }],
    ['a field selector on a field that cannot be selected', { fieldSelector: 'spec.image=x' }],
    ['a resourceVersion that is not a number', { resourceVersion: 'latest' }],
  ])('refuses %s with BadRequest (400)', (_, options) => {
    const { registry } = setUp();
    expect(statusOf(() => registry.watch('pods', 'default', options))).toMatchObject({ reason: 'BadRequest', code: 400 });
  });
});

// ---- list: pages and the past ----------------------------------------------------------------------

/** Every page of a list, following the continue tokens. */
function allPages(registry: Registry, limit: number, between: () => void = () => {}): { pages: ListResult<Pod>[]; names: string[] } {
  const pages: ListResult<Pod>[] = [];
  let token: string | undefined;
  do {
    const page = registry.list<Pod>('pods', 'default', { limit, ...(token ? { continue: token } : {}) });
    pages.push(page);
    token = page.continue;
    between();
  } while (token);
  return { pages, names: pages.flatMap((p) => p.items.map((i) => i.metadata.name!)) };
}

describe('list in pages', () => {
  it('gives at most limit items and a continue token; following the tokens gives every object once, in key order', () => {
    const { registry } = setUp();
    for (const name of ['e', 'a', 'd', 'b', 'c']) registry.create('pods', 'default', pod(name));
    const { pages, names } = allPages(registry, 2);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages.at(-1)!.continue).toBeUndefined();
  });

  it("reads every page at the first page's resourceVersion: objects created or deleted meanwhile do not change it", () => {
    const { registry } = setUp();
    for (const name of ['a', 'b', 'c', 'd']) registry.create('pods', 'default', pod(name));
    let i = 0;
    const { pages, names } = allPages(registry, 1, () => {
      registry.create('pods', 'default', pod(`z${i++}`));
      if (i === 1) registry.delete('pods', 'default', 'c');
    });
    expect(names).toEqual(['a', 'b', 'c', 'd']);
    expect(new Set(pages.map((p) => p.resourceVersion))).toEqual(new Set(['5']));
  });

  it('says how many items the next pages hold (remainingItemCount), when the list has no selector', () => {
    const { registry } = setUp();
    for (const name of ['a', 'b', 'c', 'd', 'e']) registry.create('pods', 'default', pod(name, { app: 'web' }));
    expect(registry.list('pods', 'default', { limit: 2 }).remainingItemCount).toBe(3);
    const selected = registry.list('pods', 'default', { limit: 2, labelSelector: 'app=web' });
    expect(selected.items).toHaveLength(2);
    expect(selected.continue).toBeDefined();
    expect(selected.remainingItemCount).toBeUndefined();
  });

  it("a continue token whose revision was compacted is 410 Expired, in Kubernetes' words", () => {
    const { store, registry } = setUp();
    for (const name of ['a', 'b', 'c']) registry.create('pods', 'default', pod(name));
    const first = registry.list('pods', 'default', { limit: 1 });
    registry.create('pods', 'default', pod('d'));
    store.compact(store.revision);
    expect(statusOf(() => registry.list('pods', 'default', { limit: 1, continue: first.continue! }))).toMatchObject({
      code: 410,
      reason: 'Expired',
      message: expect.stringContaining('The provided continue parameter is too old to display a consistent list result.'),
    });
  });

  it('with a selector, skips what it does not select and fills the page from the objects after', () => {
    const { registry } = setUp();
    for (const [name, app] of [['a', 'db'], ['b', 'web'], ['c', 'db'], ['d', 'web'], ['e', 'web']] as const) registry.create('pods', 'default', pod(name, { app }));
    const first = registry.list<Pod>('pods', 'default', { limit: 2, labelSelector: 'app=web' });
    expect(first.items.map((p) => p.metadata.name)).toEqual(['b', 'd']);
    const next = registry.list<Pod>('pods', 'default', { limit: 2, labelSelector: 'app=web', continue: first.continue! });
    expect(next.items.map((p) => p.metadata.name)).toEqual(['e']);
    expect(next.continue).toBeUndefined();
  });

  it("takes resourceVersion '0' (any) with a limit, and with a continue token, as no resourceVersion", () => {
    const { registry } = setUp();
    for (const name of ['a', 'b', 'c']) registry.create('pods', 'default', pod(name));
    const first = registry.list<Pod>('pods', 'default', { limit: 2, resourceVersion: '0' });
    expect(first.items.map((p) => p.metadata.name)).toEqual(['a', 'b']);
    const next = registry.list<Pod>('pods', 'default', { limit: 2, continue: first.continue!, resourceVersion: '0' });
    expect(next.items.map((p) => p.metadata.name)).toEqual(['c']);
  });

  it('reads a token that is one: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the prefix>"}, even at revision 1', () => {
    const { registry } = setUp();
    for (const name of ['a', 'b', 'c']) registry.create('pods', 'default', pod(name)); // 2, 3, 4
    expect(registry.list<Pod>('pods', 'default', { limit: 5, continue: token({ v: 'meta.k8s.io/v1', rv: 3, start: 'b' }) }).items.map((p) => p.metadata.name)).toEqual(['b']);
    expect(registry.list<Pod>('pods', 'default', { limit: 5, continue: token({ v: 'meta.k8s.io/v1', rv: 1, start: 'a' }) })).toMatchObject({ items: [], resourceVersion: '1' });
  });

  it.each([
    ['another version', { v: 'meta.k8s.io/v2', rv: 2, start: 'a' }],
    ['a resource version that is a string', { v: 'meta.k8s.io/v1', rv: '2', start: 'a' }],
    ['a resource version that is not whole', { v: 'meta.k8s.io/v1', rv: 1.5, start: 'a' }],
    ['a resource version of 0', { v: 'meta.k8s.io/v1', rv: 0, start: 'a' }],
    ['no start key', { v: 'meta.k8s.io/v1', rv: 2 }],
    ['an absolute start key', { v: 'meta.k8s.io/v1', rv: 2, start: '/registry/secrets/default/a' }],
    ['a start key that climbs out of the list', { v: 'meta.k8s.io/v1', rv: 2, start: '../../secrets/default/a' }],
  ])('refuses a continue token with %s: BadRequest "invalid continue token: ..."', (_, json) => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('a'));
    expect(statusOf(() => registry.list('pods', 'default', { limit: 1, continue: token(json) }))).toMatchObject({ code: 400, message: expect.stringMatching(/^invalid continue token: ./) });
  });

  it('lets a store error other than Compacted go through as it is, not as a 410', () => {
    const store = new PlainStore();
    const registry = new Registry({ store, clock: new FakeClock(START), random: new Random(9) });
    registry.create('pods', 'default', pod('a'));
    store.failure = new EtcdError('FutureRevision', 'a store that is behind');
    expect(() => registry.list('pods', 'default', { limit: 1 })).toThrow(store.failure);
  });

  it.each([
    ['a continue token that is not one', { limit: 1, continue: 'bm9wZQ==' }, 'invalid continue token'],
    ['a negative limit', { limit: -1 }, 'limit must be a whole number >= 0'],
    ['a resourceVersion together with continue', { limit: 1, continue: 'x', resourceVersion: '3' }, 'specifying resource version is not allowed when using continue'],
    ['a resourceVersion in the future', { resourceVersion: '99' }, 'too large resource version: 99'],
    ['an Exact resourceVersion in the future', { resourceVersion: '99', resourceVersionMatch: 'Exact' as const }, 'too large resource version: 99, current: 2'],
  ])('refuses %s with BadRequest, saying so', (_, options, message) => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('a'));
    expect(statusOf(() => registry.list('pods', 'default', options))).toMatchObject({ code: 400, message: expect.stringContaining(message) });
  });
});

describe('list at a resourceVersion', () => {
  it('with resourceVersionMatch Exact reads the past; NotOlderThan (the default) reads now', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('a')); // 2
    registry.create('pods', 'default', pod('b')); // 3
    const names = (r: ListResult) => r.items.map((i) => i.metadata.name);
    expect(names(registry.list('pods', 'default', { resourceVersion: '2', resourceVersionMatch: 'Exact' }))).toEqual(['a']);
    expect(registry.list('pods', 'default', { resourceVersion: '2', resourceVersionMatch: 'Exact' }).resourceVersion).toBe('2');
    expect(names(registry.list('pods', 'default', { resourceVersion: '2' }))).toEqual(['a', 'b']);
  });

  it('NotOlderThan the current revision itself reads now', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('a')); // 2
    expect(registry.list('pods', 'default', { resourceVersion: '2' })).toMatchObject({ items: [{ metadata: { name: 'a' } }], resourceVersion: '2' });
  });

  it('below the compacted revision is 410 Expired, "too old resource version: 2 (3)"', () => {
    const { store, registry } = setUp();
    registry.create('pods', 'default', pod('a'));
    registry.create('pods', 'default', pod('b'));
    store.compact(3);
    expect(statusOf(() => registry.list('pods', 'default', { resourceVersion: '2', resourceVersionMatch: 'Exact' }))).toMatchObject({ code: 410, message: 'too old resource version: 2 (3)' });
  });
});

// ---- properties ---------------------------------------------------------------------------------

const NAMES = ['a', 'b', 'c', 'd'] as const;
const APPS = ['web', 'db'] as const;

interface Real {
  registry: Registry;
  /** reflectors: a list at RV and a watch from it, with the state they have rebuilt */
  reflectors: { selector: string; state: Map<string, string>; watch: ApiWatch<Pod> }[];
}
type Command = fc.Command<object, Real>;

/** A pod in the state a reflector keeps: its name, labels and resourceVersion. */
const summary = (p: Pod): string => `${p.metadata.labels?.app ?? '-'}@${p.metadata.resourceVersion}`;

class Create implements Command {
  constructor(readonly name: string, readonly app: string) {}
  check = () => true;
  run(_: object, real: Real) {
    try {
      real.registry.create('pods', 'default', pod(this.name, { app: this.app }));
    } catch (error) {
      if (!isStatusError(error, 'AlreadyExists')) throw error;
    }
  }
  toString = () => `create(${this.name}, app=${this.app})`;
}
class Relabel implements Command {
  constructor(readonly name: string, readonly app: string) {}
  check = () => true;
  run(_: object, real: Real) {
    try {
      const current = real.registry.get<Pod>('pods', 'default', this.name);
      real.registry.update('pods', 'default', { ...current, metadata: { ...current.metadata, labels: { app: this.app } } });
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
    }
  }
  toString = () => `relabel(${this.name}, app=${this.app})`;
}
class Delete implements Command {
  constructor(readonly name: string) {}
  check = () => true;
  run(_: object, real: Real) {
    try {
      real.registry.delete('pods', 'default', this.name);
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
    }
  }
  toString = () => `delete(${this.name})`;
}
class StartReflector implements Command {
  constructor(readonly selector: string) {}
  check = () => true;
  run(_: object, real: Real) {
    const list = real.registry.list<Pod>('pods', 'default', { labelSelector: this.selector });
    const state = new Map(list.items.map((p) => [p.metadata.name!, summary(p)]));
    const watch = real.registry.watch<Pod>('pods', 'default', { resourceVersion: list.resourceVersion, labelSelector: this.selector });
    real.reflectors.push({ selector: this.selector, state, watch });
  }
  toString = () => `listAndWatch(${JSON.stringify(this.selector)})`;
}
class Sync implements Command {
  check = () => true;
  run(_: object, real: Real) {
    for (const [i, reflector] of real.reflectors.entries()) {
      const what = `reflector #${i} (${JSON.stringify(reflector.selector)})`;
      for (const event of reflector.watch.poll()) {
        const object = event.object as Pod;
        const name = object.metadata.name!;
        if (event.type === 'ADDED') expect(reflector.state.has(name), `${what}: ADDED ${name}, which it already has (a duplicate)`).toBe(false);
        else expect(reflector.state.has(name), `${what}: ${event.type} ${name}, which it never had (a gap)`).toBe(true);
        if (event.type === 'DELETED') reflector.state.delete(name);
        else reflector.state.set(name, summary(object));
      }
      const now = real.registry.list<Pod>('pods', 'default', { labelSelector: reflector.selector });
      expect(reflector.state, `${what}: list + watch rebuilds the current state`).toEqual(new Map(now.items.map((p) => [p.metadata.name!, summary(p)])));
    }
  }
  toString = () => 'sync()';
}

describe('properties', () => {
  const name = fc.constantFrom(...NAMES);
  const app = fc.constantFrom(...APPS);
  test.prop([
    fc.commands(
      [
        fc.tuple(name, app).map(([n, a]) => new Create(n, a)),
        fc.tuple(name, app).map(([n, a]) => new Relabel(n, a)),
        name.map((n) => new Delete(n)),
        fc.constantFrom('', 'app=web', 'app!=web').map((s) => new StartReflector(s)),
        fc.constant(new Sync()),
      ],
      { maxCommands: 40 },
    ),
  ])("the reflector's contract: for any history, a list at RV plus a watch from RV rebuilds the current state, with no gap and no duplicate", (commands) => {
    const { registry } = setUp();
    fc.modelRun(() => ({ model: {}, real: { registry, reflectors: [] } }), [...commands, new Sync()]);
  });

  test.prop([
    fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 15 }),
    fc.integer({ min: 1, max: 6 }),
    fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }).map((n) => ({ create: n })), fc.integer({ min: 0, max: 40 }).map((n) => ({ remove: n }))), { maxLength: 10 }),
  ])("any page size gives, page after page, exactly the list at the first page's resourceVersion, while writes go on between pages", (initial, limit, writes) => {
    const { registry } = setUp();
    const podName = (n: number) => `pod-${String(n).padStart(2, '0')}`;
    for (const n of initial) registry.create('pods', 'default', pod(podName(n)));
    const first = registry.list<Pod>('pods', 'default', { limit });
    const expected = registry.list<Pod>('pods', 'default', { resourceVersion: first.resourceVersion, resourceVersionMatch: 'Exact' }).items.map((p) => p.metadata.name);
    const names = first.items.map((p) => p.metadata.name);
    let token = first.continue;
    let w = 0;
    while (token) {
      const write = writes[w++];
      if (write && 'create' in write) {
        try {
          registry.create('pods', 'default', pod(podName(write.create)));
        } catch (error) {
          if (!isStatusError(error, 'AlreadyExists')) throw error;
        }
      } else if (write) {
        try {
          registry.delete('pods', 'default', podName(write.remove));
        } catch (error) {
          if (!isStatusError(error, 'NotFound')) throw error;
        }
      }
      const page = registry.list<Pod>('pods', 'default', { limit, continue: token });
      expect(page.resourceVersion).toBe(first.resourceVersion);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      names.push(...page.items.map((p) => p.metadata.name));
      token = page.continue;
    }
    expect(names).toEqual(expected);
    expect(names).toEqual([...initial].sort((a, b) => a - b).map(podName));
  });
});
