/**
 * Kata 17 — informers and work queues. The spec is katas/controllers/17-informers.md.
 *
 * The examples read as the spec: the indexed store and its indexes; the reflector's lists,
 * watches, relists, back-off and bookmarks against a real registry on a real store; the shared
 * informer's handlers, relists with DeletedFinalStateUnknown, late handlers and resync; the work
 * queue, its delays and rate limiters, and a worker's turn. The properties: for any interleaving of
 * API changes, watch breaks, held-back streams, failed lists and compactions, the informer's store
 * converges to the server's state and its handlers' story adds up to the same state (fc.commands);
 * whatever the interleaving of adds and workers, no key is processed by two workers at once and no
 * add is lost (fc.scheduler); a key dirtied N times while in flight is processed once more, not N;
 * one key's failures never change another key's back-off.
 */
import { describe, expect, it, vi } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { expired, type ListOptions, type WatchOptions } from '@kube/apiserver';
import { FakeClock, objectKey, type KubeObject, type Pod } from '@kube/kit';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  DeletedFinalStateUnknown,
  deletionHandlingKey,
  IndexedStore,
  ItemExponentialFailureRateLimiter,
  metaNamespaceIndexFunc,
  NAMESPACE_INDEX,
  processNextWorkItem,
  RateLimitingQueue,
  Reflector,
  SharedIndexInformer,
  SharedInformerFactory,
  WorkQueue,
  type ListerWatcher,
} from '@kube/controllers';
import { ControllerCluster, makePod, START } from '../support/controllers/cluster.ts';

const byNode = (pod: Pod): string[] => (pod.spec?.nodeName ? [pod.spec.nodeName] : []);
const keys = (objects: KubeObject[]): string[] => objects.map(objectKey).sort();
const stored = (pod: Pod): Pod => ({ ...pod, metadata: { ...pod.metadata, resourceVersion: '1' } });

/** A lister-watcher that records the options of every list and watch. */
function recording<T extends KubeObject>(lw: ListerWatcher<T>) {
  const lists: ListOptions[] = [];
  const watches: WatchOptions[] = [];
  const recorded: ListerWatcher<T> = {
    list: (options) => (lists.push(options ?? {}), lw.list(options)),
    watch: (options) => (watches.push(options ?? {}), lw.watch(options)),
  };
  return { lw: recorded, lists, watches };
}

/** A reflector of pods into an IndexedStore, running. */
function reflecting(cluster: ControllerCluster, namespace?: string) {
  const rec = recording(cluster.client.pods(namespace));
  const store = new IndexedStore<Pod>({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc });
  const errors: string[] = [];
  const reflector = new Reflector<Pod>({ lw: rec.lw, store, clock: cluster.clock, onError: (e) => errors.push((e as Error).message) });
  const running = reflector.run();
  return { reflector, store, errors, running, ...rec };
}

// ---- the indexed store ----------------------------------------------------------------------------

describe('the indexed store', () => {
  it('keeps objects by their namespace/name key, and by namespace in the namespace index', () => {
    const store = new IndexedStore<Pod>({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc });
    store.add(stored(makePod('web')));
    store.add(stored(makePod('db')));
    store.add(stored(makePod('web', { namespace: 'prod' })));
    expect(store.getByKey('default/web')?.metadata.name).toBe('web');
    expect(store.getByKey('default/none')).toBeUndefined();
    expect(store.listKeys().sort()).toEqual(['default/db', 'default/web', 'prod/web']);
    expect(keys(store.byIndex(NAMESPACE_INDEX, 'default'))).toEqual(['default/db', 'default/web']);
    expect(store.indexKeys(NAMESPACE_INDEX, 'prod')).toEqual(['prod/web']);
    expect(store.byIndex(NAMESPACE_INDEX, 'staging')).toEqual([]);
  });

  it('moves an updated object between index values: a pod moved from n1 to n2 is only under n2', () => {
    const store = new IndexedStore<Pod>({ node: byNode });
    store.add(makePod('web', { nodeName: 'n1' }));
    store.update(makePod('web', { nodeName: 'n2' }));
    expect(store.byIndex('node', 'n1')).toEqual([]);
    expect(keys(store.byIndex('node', 'n2'))).toEqual(['default/web']);
    store.delete(makePod('web'));
    expect([store.list(), store.byIndex('node', 'n2')]).toEqual([[], []]);
    store.add(makePod('a', { nodeName: 'n3' }));
    store.add(makePod('b', { nodeName: 'n3' }));
    store.delete(makePod('a'));
    expect(keys(store.byIndex('node', 'n3')), 'one of two pods under n3 deleted: the other stays under it').toEqual(['default/b']);
  });

  it('indexes the objects already stored when an index is added later', () => {
    const store = new IndexedStore<Pod>();
    store.add(makePod('a', { nodeName: 'n1' }));
    store.add(makePod('b'));
    store.addIndexers({ node: byNode });
    expect(keys(store.byIndex('node', 'n1'))).toEqual(['default/a']);
  });

  it('refuses an index name already taken with "indexer conflict: namespace", and an unknown index with "Index with name zone does not exist"', () => {
    const store = new IndexedStore<Pod>({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc });
    expect(() => store.addIndexers({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc })).toThrow('indexer conflict: namespace');
    store.addIndexers({ node: byNode });
    expect(() => store.addIndexers({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc, node: byNode, zone: byNode })).toThrow('indexer conflict: namespace, node');
    expect(() => store.byIndex('zone', 'a')).toThrow('Index with name zone does not exist');
    // Deleting what is not there is nothing, as in client-go's store.
    store.delete(makePod('never-stored'));
    expect(store.list()).toEqual([]);
  });

  it('replace makes the store exactly the list, indexes included', () => {
    const store = new IndexedStore<Pod>({ node: byNode });
    store.add(makePod('old', { nodeName: 'n1' }));
    store.replace([makePod('new', { nodeName: 'n2' })], '7');
    expect([store.listKeys(), store.byIndex('node', 'n1'), keys(store.byIndex('node', 'n2'))]).toEqual([['default/new'], [], ['default/new']]);
  });
});

// ---- the reflector --------------------------------------------------------------------------------

describe('the reflector', () => {
  it('lists, then watches from the list\'s resourceVersion: the store gets every change after the list', async () => {
    const cluster = new ControllerCluster();
    await cluster.client.pods('default').create(makePod('before'));
    const r = reflecting(cluster);
    await cluster.settle();
    expect(r.store.listKeys()).toEqual(['default/before']);
    const web = await cluster.client.pods('default').create(makePod('web'));
    await cluster.client.pods('default').update({ ...web, metadata: { ...web.metadata, labels: { app: 'web' } } });
    await cluster.client.pods('default').delete('before');
    await cluster.settle();
    expect(r.store.list().map((p) => [objectKey(p), p.metadata.labels])).toEqual([['default/web', { app: 'web' }]]);
    expect(r.lists).toEqual([{ resourceVersion: '0' }]);
    expect(r.watches).toEqual([{ resourceVersion: '2', allowWatchBookmarks: true }]);
    expect(r.reflector.lastSyncResourceVersion()).toBe(String(cluster.store.revision));
    expect(r.reflector.counts, 'its own count of lists and watches').toEqual({ lists: 1, watches: 1 });
    r.reflector.stop();
    await r.running;
  });

  it('reopens a broken watch from the last resourceVersion it saw, without a relist', async () => {
    const cluster = new ControllerCluster();
    const r = reflecting(cluster);
    await cluster.settle();
    await cluster.client.pods('default').create(makePod('a'));
    await cluster.settle();
    cluster.client.hold(); // b's event is still on its way...
    await cluster.client.pods('default').create(makePod('b'));
    await cluster.settle();
    cluster.client.breakWatches(); // ...and lost with the connection
    cluster.client.release();
    await cluster.settle();
    expect(r.lists.length).toBe(1);
    expect(r.watches.map((w) => w.resourceVersion)).toEqual(['1', '2']);
    expect(r.store.listKeys().sort()).toEqual(['default/a', 'default/b']);
    r.reflector.stop();
  });

  it('after a compaction, a watch from a compacted resourceVersion gets 410 Expired: it relists after 800 ms, with resourceVersion ""', async () => {
    const cluster = new ControllerCluster();
    const r = reflecting(cluster);
    await cluster.settle();
    cluster.client.hold();
    await cluster.client.pods('default').create(makePod('a'));
    await cluster.advance(2_000);
    await cluster.client.pods('default').create(makePod('b'));
    await cluster.compact(); // the reflector last saw resourceVersion 1, which is gone now
    cluster.client.breakWatches(); // it watches again from 1: 410 Expired
    cluster.client.release();
    await cluster.settle();
    expect(r.errors.some((m) => m.includes('too old resource version'))).toBe(true);
    expect(r.lists.length).toBe(1);
    await cluster.advance(799);
    expect(r.lists.length).toBe(1);
    await cluster.advance(1);
    expect(r.lists.map((l) => l.resourceVersion)).toEqual(['0', '']);
    expect(r.store.listKeys().sort()).toEqual(['default/a', 'default/b']);
    r.reflector.stop();
  });

  it('relists from the last resourceVersion after an ERROR event other than 410 (a 500): only an expired one asks for a fresh list', async () => {
    const cluster = new ControllerCluster();
    const r = reflecting(cluster);
    await cluster.settle();
    await cluster.client.pods('default').create(makePod('a'));
    await cluster.settle();
    cluster.client.failWatches({ apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 500, reason: 'InternalError', message: 'etcd is down' });
    await cluster.settle();
    expect(r.errors).toEqual(['etcd is down']);
    await cluster.advance(800);
    expect(r.lists.map((l) => l.resourceVersion)).toEqual(['0', '2']);
    r.reflector.stop();
  });

  it('takes a watch that ends at once with no event as a failure ("very short watch"): back-off, then a relist from the last resourceVersion', async () => {
    const cluster = new ControllerCluster();
    const r = reflecting(cluster);
    await cluster.settle();
    cluster.client.breakWatches();
    await cluster.settle();
    expect(r.errors.map((m) => m.replace(/: .*/, ''))).toEqual(['very short watch']);
    await cluster.advance(800);
    expect(r.lists.map((l) => l.resourceVersion)).toEqual(['0', '1']);
    // A watch that lived over a second ends normally: it is reopened at once.
    await cluster.advance(1_000);
    cluster.client.breakWatches();
    await cluster.settle();
    expect([r.lists.length, r.watches.length]).toEqual([2, 3]);
    // Short is the watch's own life, whatever the time on the clock: one that ends at once at 1.8 s.
    cluster.client.breakWatches();
    await cluster.settle();
    expect(r.errors.map((m) => m.replace(/: .*/, ''))).toEqual(['very short watch', 'very short watch']);
    expect(r.errors[1]).toBe('very short watch: 0 ms, no events received');
    r.reflector.stop();
  });

  it('retries a failed list after 800 ms, then 1.6 s', async () => {
    const cluster = new ControllerCluster();
    cluster.client.failNextLists(2);
    await cluster.client.pods('default').create(makePod('a'));
    const r = reflecting(cluster);
    await cluster.settle();
    await cluster.advance(800);
    expect(r.store.listKeys()).toEqual([]);
    await cluster.advance(1_599);
    expect(r.store.listKeys()).toEqual([]);
    await cluster.advance(1);
    expect(r.store.listKeys()).toEqual(['default/a']);
    expect(r.errors).toEqual(['Internal error occurred: etcdserver: request timed out', 'Internal error occurred: etcdserver: request timed out']);
    r.reflector.stop();
  });

  it('backs off 800 ms, doubling up to 30 s, and starts over at 800 ms after 2 quiet minutes', async () => {
    const clock = new FakeClock(START);
    const reflector = new Reflector<Pod>({ lw: new ControllerCluster().client.pods(), store: new IndexedStore<Pod>(), clock });
    const waits = Array.from({ length: 8 }, () => reflector.nextBackoffMs());
    expect(waits).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    await clock.advance(120_000);
    expect(reflector.nextBackoffMs()).toBe(30000); // exactly 2 minutes is not more than 2 minutes
    await clock.advance(120_001);
    expect(reflector.nextBackoffMs()).toBe(800);
  });

  it('honours bookmarks: a quiet watch broken after a bookmark and a compaction resumes from the bookmark, without a relist', async () => {
    const cluster = new ControllerCluster();
    const r = reflecting(cluster, 'quiet');
    await cluster.settle();
    for (let i = 0; i < 5; i++) await cluster.client.pods('busy').create(makePod(`p${i}`, { namespace: 'busy' }));
    await cluster.advance(60_000); // the apiserver's bookmark: nothing in "quiet" up to revision 6
    expect(r.reflector.lastSyncResourceVersion()).toBe('6');
    await cluster.compact();
    cluster.client.breakWatches();
    await cluster.settle();
    expect([r.lists.length, r.watches.at(-1)?.resourceVersion]).toEqual([1, '6']);
    r.reflector.stop();
  });
});

// ---- the shared informer ----------------------------------------------------------------------------

/** A handler that writes down what it hears. */
function recorder() {
  const heard: string[] = [];
  const handler = {
    onAdd: (pod: Pod, initial: boolean) => heard.push(`add ${objectKey(pod)}${initial ? ' (initial)' : ''}`),
    onUpdate: (old: Pod, pod: Pod) => heard.push(`update ${objectKey(pod)} ${old.metadata.resourceVersion}->${pod.metadata.resourceVersion}`),
    onDelete: (pod: Pod | DeletedFinalStateUnknown<Pod>) =>
      heard.push(pod instanceof DeletedFinalStateUnknown ? `delete ${pod.key} (final state unknown, last ${pod.obj.metadata.resourceVersion})` : `delete ${objectKey(pod)}`),
  };
  return { heard, handler };
}

describe('the shared informer', () => {
  it('tells its handlers of each add (first list: initial), update with old and new, and delete, after its indexer has it', async () => {
    const cluster = new ControllerCluster();
    await cluster.client.pods('default').create(makePod('a'));
    const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock });
    const { heard, handler } = recorder();
    const seenInIndexer: boolean[] = [];
    const registration = informer.addEventHandler(handler);
    informer.addEventHandler({ onAdd: (pod) => seenInIndexer.push(informer.indexer.getByKey(objectKey(pod)) === pod) });
    expect([informer.hasSynced(), registration.hasSynced()], 'nothing listed yet').toEqual([false, false]);
    void informer.run();
    await informer.whenSynced();
    expect([informer.hasSynced(), registration.hasSynced()]).toEqual([true, true]);
    const b = await cluster.client.pods('default').create(makePod('b'));
    await cluster.client.pods('default').update({ ...b, metadata: { ...b.metadata, labels: { x: 'y' } } });
    await cluster.client.pods('default').delete('a');
    await cluster.settle();
    // A pod is marked before it goes (kata 08): the informer hears that write as an update.
    expect(heard).toEqual(['add default/a (initial)', 'add default/b', 'update default/b 3->4', 'update default/a 2->5', 'delete default/a']);
    expect(seenInIndexer).toEqual([true, true]);
    informer.stop();
  });

  it('on a relist, tells of objects deleted while the watch was down with DeletedFinalStateUnknown holding their last known state', async () => {
    const cluster = new ControllerCluster();
    await cluster.client.pods('default').create(makePod('gone'));
    await cluster.client.pods('default').create(makePod('kept'));
    const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock });
    const { heard, handler } = recorder();
    informer.addEventHandler(handler);
    void informer.run();
    await cluster.advance(2_000);
    cluster.client.hold();
    await cluster.client.pods('default').delete('gone'); // 4: marked (kata 08), 5: deleted
    const kept = await cluster.client.pods('default').get('kept');
    await cluster.client.pods('default').update({ ...kept, metadata: { ...kept.metadata, labels: { v: '2' } } });
    await cluster.compact(); // the informer last saw resourceVersion 3, compacted away
    cluster.client.breakWatches(); // its next watch gets 410 Expired: it relists
    cluster.client.release();
    await cluster.advance(800);
    expect(heard).toEqual(['add default/gone (initial)', 'add default/kept (initial)', 'update default/kept 3->6', 'delete default/gone (final state unknown, last 2)']);
    expect(informer.indexer.listKeys()).toEqual(['default/kept']);
    expect(deletionHandlingKey(new DeletedFinalStateUnknown('default/gone', makePod('gone')))).toBe('default/gone');
    informer.stop();
  });

  it('skips what a handler leaves out: one with only onDelete, added late with a resync, hears the deletes and nothing fails', async () => {
    const cluster = new ControllerCluster();
    await cluster.client.pods('default').create(makePod('a'));
    const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock });
    void informer.run();
    await informer.whenSynced();
    const complaints = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const deleted: string[] = [];
      informer.addEventHandler({ onDelete: (pod) => deleted.push(deletionHandlingKey(pod)) }, 1_000); // late: the initial adds; a resync: updates
      informer.addEventHandler({ onAdd: () => {} }); // and one that takes adds only
      const b = await cluster.client.pods('default').create(makePod('b'));
      await cluster.client.pods('default').update({ ...b, metadata: { ...b.metadata, labels: { x: 'y' } } });
      await cluster.client.pods('default').delete('a');
      await cluster.advance(1_000);
      await cluster.client.pods('default').delete('b');
      await cluster.settle();
      expect(deleted).toEqual(['default/a', 'default/b']);
      expect(complaints, 'a handler was called for what it does not define').not.toHaveBeenCalled();
    } finally {
      complaints.mockRestore();
      informer.stop();
    }
  });

  it('tells a handler added after the sync of every object already there, as initial adds', async () => {
    const cluster = new ControllerCluster();
    await cluster.client.pods('default').create(makePod('a'));
    const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock });
    void informer.run();
    await informer.whenSynced();
    const early = recorder();
    informer.addEventHandler(early.handler);
    const before = [...early.heard];
    const { heard, handler } = recorder();
    const registration = informer.addEventHandler(handler);
    expect([heard, registration.hasSynced()]).toEqual([['add default/a (initial)'], true]);
    // a late handler's initial adds are its own: a handler there before does not hear them again
    expect(early.heard).toEqual(before);
    registration.remove();
    await cluster.client.pods('default').create(makePod('b'));
    await cluster.settle();
    expect(heard).toEqual(['add default/a (initial)']);
    informer.stop();
  });

  it('as the reflector\'s store: a later list tells of what it lacks in key order, and a change to an object it never had is an add, not an initial one', () => {
    const cluster = new ControllerCluster();
    const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock });
    const { heard, handler } = recorder();
    informer.addEventHandler(handler);
    informer.replace([stored(makePod('b')), stored(makePod('a'))], '1');
    informer.replace([], '2');
    informer.update(stored(makePod('c')));
    expect(heard).toEqual([
      'add default/b (initial)',
      'add default/a (initial)',
      'delete default/a (final state unknown, last 1)',
      'delete default/b (final state unknown, last 1)',
      'add default/c',
    ]);
    informer.stop();
  });

  it('resyncs a handler with a period: onUpdate(object, object) for every object, each period', async () => {
    const cluster = new ControllerCluster();
    await cluster.client.pods('default').create(makePod('a'));
    const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock });
    const { heard, handler } = recorder();
    const registration = informer.addEventHandler(handler, 30_000);
    void informer.run();
    await cluster.advance(29_999);
    expect(heard).toEqual(['add default/a (initial)']);
    await cluster.advance(1);
    await cluster.advance(30_000);
    expect(heard).toEqual(['add default/a (initial)', 'update default/a 2->2', 'update default/a 2->2']);
    registration.remove();
    await cluster.advance(60_000);
    expect(heard, 'removed: no more resyncs').toHaveLength(3);
    informer.stop();
  });

  it('keeps custom indexes: pods by node, updated as pods are bound', async () => {
    const cluster = new ControllerCluster();
    const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock, indexers: { node: byNode } });
    void informer.run();
    const pod = await cluster.client.pods('default').create(makePod('web'));
    await cluster.client.pods('default').update({ ...pod, spec: { ...pod.spec!, nodeName: 'n1' } });
    await cluster.settle();
    expect(keys(informer.indexer.byIndex('node', 'n1'))).toEqual(['default/web']);
    expect(keys(informer.indexer.byIndex(NAMESPACE_INDEX, 'default'))).toEqual(['default/web']);
    informer.stop();
  });

  it('is shared: controllers asking the factory for pods get one informer, with one list and one watch', async () => {
    const cluster = new ControllerCluster();
    await cluster.client.pods('default').create(makePod('a'));
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const first = recorder();
    const second = recorder();
    factory.pods().addEventHandler(first.handler);
    factory.pods().addEventHandler(second.handler);
    factory.start();
    await factory.waitForCacheSync();
    await cluster.settle();
    expect([factory.pods() === factory.informerFor('pods'), cluster.client.calls]).toEqual([true, { lists: 1, watches: 1 }]);
    expect([first.heard, second.heard]).toEqual([['add default/a (initial)'], ['add default/a (initial)']]);
    await factory.shutdown();
  });
});

// ---- the work queue ----------------------------------------------------------------------------------

describe('the work queue', () => {
  it('hands out keys in the order they were added, each once however often it was added', async () => {
    const queue = new WorkQueue();
    for (const key of ['a', 'b', 'a', 'c', 'b']) queue.add(key);
    expect(queue.len()).toBe(3);
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual(['a', 'b', 'c']);
  });

  it('holds back a key added while it is processed, and queues it once when it is done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    queue.add('a');
    expect(queue.len()).toBe(0);
    queue.done(key!);
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe('a');
    queue.done('a');
    expect(queue.len()).toBe(0);
  });

  it('makes a worker wait in get for the next key; shutDown wakes it with undefined and ignores later adds', async () => {
    const queue = new WorkQueue();
    const next = queue.get();
    queue.add('a');
    expect(await next).toBe('a');
    const waiting = queue.get();
    queue.shutDown();
    queue.add('b');
    expect([await waiting, queue.len(), queue.shuttingDown()]).toEqual([undefined, 0, true]);
  });

  it('addAfter queues a key when the clock gets there; a key already waiting keeps the earlier time', async () => {
    const clock = new FakeClock(START);
    const queue = new RateLimitingQueue(clock, defaultControllerRateLimiter(clock));
    queue.addAfter('a', 1_000);
    queue.addAfter('a', 5_000);
    queue.addAfter('b', 0);
    queue.addAfter('c', 5_000);
    queue.addAfter('c', 1_000); // an earlier time replaces the later one
    expect(queue.len()).toBe(1);
    await clock.advance(999);
    expect(queue.len()).toBe(1);
    await clock.advance(1);
    const got = [await queue.get(), await queue.get(), await queue.get()];
    expect(got).toEqual(['b', 'a', 'c']);
    for (const key of got) queue.done(key!);
    await clock.advance(10_000);
    expect(queue.len(), 'the replaced 5 s timer of c does not fire').toBe(0);
  });

  it('backs an item off 5 ms, doubling each failure up to 1000 s; forget starts it over', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    expect(Array.from({ length: 5 }, () => limiter.when('a'))).toEqual([5, 10, 20, 40, 80]);
    expect(limiter.numRequeues('a')).toBe(5);
    for (let i = 0; i < 40; i++) limiter.when('a');
    expect(limiter.when('a')).toBe(1_000_000);
    limiter.forget('a');
    expect([limiter.numRequeues('a'), limiter.when('a')]).toEqual([0, 5]);
  });

  it('lets a burst of 100 through a bucket at once, then one every 100 ms; time refills it at 10 a second', async () => {
    const clock = new FakeClock(START);
    const bucket = new BucketRateLimiter<string>(clock, 10, 100);
    const first = Array.from({ length: 100 }, (_, i) => bucket.when(`k${i}`));
    expect(first.every((ms) => ms === 0)).toBe(true);
    expect([bucket.when('x'), bucket.when('y')]).toEqual([100, 200]);
    await clock.advance(1_000); // ten tokens back, two of them owed
    expect(bucket.when('z')).toBe(0);
    expect(bucket.numRequeues('z')).toBe(0);
    // Seven tokens left: seven more at once, then the wait again.
    expect(Array.from({ length: 8 }, (_, i) => bucket.when(`w${i}`))).toEqual([0, 0, 0, 0, 0, 0, 0, 100]);
  });

  it('the default controller rate limiter waits the longer of the item back-off and the bucket', () => {
    const clock = new FakeClock(START);
    const limiter = defaultControllerRateLimiter(clock);
    expect([limiter.when('a'), limiter.when('a')]).toEqual([5, 10]);
    for (let i = 0; i < 98; i++) limiter.when(`k${i}`);
    expect(limiter.when('b')).toBe(100); // the bucket is empty: 100 ms, more than b's 5 ms
    expect(limiter.numRequeues('a')).toBe(2);
  });

  it('processNextWorkItem forgets a key that synced, and retries one that failed with back-off', async () => {
    const clock = new FakeClock(START);
    const queue = new RateLimitingQueue(clock, defaultControllerRateLimiter(clock));
    const synced: string[] = [];
    const failures: string[] = [];
    let fail = true;
    const sync = async (key: string) => {
      synced.push(key);
      if (fail) throw new Error(`pods "${key}" is forbidden`);
    };
    queue.add('a');
    expect(await processNextWorkItem(queue, sync, (key, e) => failures.push(`${key}: ${(e as Error).message}`))).toBe(true);
    expect([queue.len(), queue.numRequeues('a'), failures]).toEqual([0, 1, ['a: pods "a" is forbidden']]);
    await clock.advance(5);
    fail = false;
    expect(await processNextWorkItem(queue, sync)).toBe(true);
    expect([synced, queue.numRequeues('a'), queue.len()]).toEqual([['a', 'a'], 0, 0]);
    fail = true;
    queue.add('b');
    expect(await processNextWorkItem(queue, sync), 'a failed sync with no onError to tell: retried all the same').toBe(true);
    expect(queue.numRequeues('b')).toBe(1);
    queue.shutDown();
    expect(await processNextWorkItem(queue, sync)).toBe(false);
  });
});

// ---- properties ----------------------------------------------------------------------------------------

interface Real {
  cluster: ControllerCluster;
  informer: SharedIndexInformer<Pod>;
  /** what the handlers' notifications add up to: key -> resourceVersion */
  replayed: Map<string, string>;
  lastRv: number;
}
type Command = fc.AsyncCommand<object, Real>;

const NAMES = ['a', 'b', 'c', 'd'];
const NAMESPACES = ['default', 'prod'];

async function podsOnServer(real: Real): Promise<Pod[]> {
  return (await real.cluster.client.inner.pods().list()).items;
}

/** The informer's resourceVersion never goes back. */
function expectMonotonic(real: Real, what: string): void {
  const rv = Number(real.informer.lastSyncResourceVersion() || '0');
  expect(rv, `${what}: the informer's resourceVersion went back`).toBeGreaterThanOrEqual(real.lastRv);
  real.lastRv = rv;
}

class CreatePod implements Command {
  constructor(readonly namespace: string, readonly name: string) {}
  check = () => true;
  async run(_: object, real: Real) {
    await real.cluster.client.inner.pods(this.namespace).create(makePod(this.name, { namespace: this.namespace })).catch(() => undefined);
    await real.cluster.settle();
    expectMonotonic(real, String(this));
  }
  toString = () => `create ${this.namespace}/${this.name}`;
}
class UpdatePod implements Command {
  constructor(readonly which: number, readonly label: string) {}
  check = () => true;
  async run(_: object, real: Real) {
    const pods = await podsOnServer(real);
    if (pods.length === 0) return;
    const pod = pods[this.which % pods.length]!;
    await real.cluster.client.inner.pods(pod.metadata.namespace).update({ ...pod, metadata: { ...pod.metadata, labels: { v: this.label } } });
    await real.cluster.settle();
    expectMonotonic(real, String(this));
  }
  toString = () => `update pod #${this.which} (label v=${this.label})`;
}
class DeletePod implements Command {
  constructor(readonly which: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    const pods = await podsOnServer(real);
    if (pods.length === 0) return;
    const pod = pods[this.which % pods.length]!;
    await real.cluster.client.inner.pods(pod.metadata.namespace).delete(pod.metadata.name!);
    await real.cluster.settle();
  }
  toString = () => `delete pod #${this.which}`;
}
class BreakWatches implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    real.cluster.client.breakWatches();
    await real.cluster.settle();
  }
  toString = () => 'break the watch';
}
class FailWatches implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    real.cluster.client.failWatches(expired('The resourceVersion for the provided watch is too old.').status);
    await real.cluster.settle();
  }
  toString = () => 'send 410 Expired on the watch';
}
class Hold implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    real.cluster.client.hold();
  }
  toString = () => 'hold the watch back';
}
class Release implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    real.cluster.client.release();
    await real.cluster.settle();
  }
  toString = () => 'release the watch';
}
class FailLists implements Command {
  constructor(readonly n: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    real.cluster.client.failNextLists(this.n);
  }
  toString = () => `fail the next ${this.n} list(s)`;
}
class Compact implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    await real.cluster.compact();
  }
  toString = () => 'compact';
}
class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    await real.cluster.advance(this.ms);
    expectMonotonic(real, String(this));
  }
  toString = () => `advance ${this.ms} ms`;
}

const informerCommands = fc.commands(
  [
    fc.tuple(fc.constantFrom(...NAMESPACES), fc.constantFrom(...NAMES)).map(([ns, name]) => new CreatePod(ns, name)),
    fc.tuple(fc.constantFrom(...NAMESPACES), fc.constantFrom(...NAMES)).map(([ns, name]) => new CreatePod(ns, name)),
    fc.tuple(fc.nat(7), fc.constantFrom('x', 'y', 'z')).map(([i, l]) => new UpdatePod(i, l)),
    fc.nat(7).map((i) => new DeletePod(i)),
    fc.constant(new BreakWatches()),
    fc.constant(new FailWatches()),
    fc.constant(new Hold()),
    fc.constant(new Release()),
    fc.integer({ min: 1, max: 3 }).map((n) => new FailLists(n)),
    fc.constant(new Compact()),
    fc.constantFrom(500, 1_000, 5_000, 60_000).map((ms) => new Advance(ms)),
  ],
  { maxCommands: 40, size: '+1' },
);

/** Key -> resourceVersion of the informer's store. */
function storeState(informer: SharedIndexInformer<Pod>): Map<string, string> {
  return new Map(informer.indexer.list().map((p) => [objectKey(p), p.metadata.resourceVersion!]));
}
const sorted = (map: Map<string, string>) => [...map].sort(([a], [b]) => (a < b ? -1 : 1));

/** A second worker's sync: a small story of yields. */
async function syncWith(s: fc.Scheduler, key: string, running: Set<string>, log: string[]): Promise<void> {
  if (running.has(key)) log.push(`two workers on ${key}`);
  running.add(key);
  await s.schedule(Promise.resolve(), `sync ${key}`);
  running.delete(key);
}

describe('properties', () => {
  test.prop([informerCommands], { numRuns: 60 })(
    'for any interleaving of API changes, watch breaks, held streams, failed lists and compactions, the informer converges to the server, and its handlers\' story adds up to the same',
    async (commands) => {
      const cluster = new ControllerCluster();
      const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock });
      const replayed = new Map<string, string>();
      informer.addEventHandler({
        onAdd: (pod) => void replayed.set(objectKey(pod), pod.metadata.resourceVersion!),
        onUpdate: (old, pod) => {
          expect(replayed.get(objectKey(old)), `an update's old object is what the handler last heard of ${objectKey(old)}`).toBe(old.metadata.resourceVersion);
          replayed.set(objectKey(pod), pod.metadata.resourceVersion!);
        },
        onDelete: (pod) => void replayed.delete(deletionHandlingKey(pod)),
      });
      const running = informer.run();
      const real: Real = { cluster, informer, replayed, lastRv: 0 };
      await fc.asyncModelRun(() => ({ model: {}, real }), commands);
      // Then the network heals: the informer must catch up, whatever happened.
      cluster.client.heal();
      for (let i = 0; i < 2; i++) await cluster.advance(60_000); // past the back-off under way (at most 30 s)
      const server = await cluster.serverState();
      expect(sorted(storeState(informer)), 'the informer\'s store (key, resourceVersion) against the server\'s').toEqual(sorted(server));
      expect(sorted(replayed), 'what the handlers were told, applied in order, against the informer\'s store').toEqual(sorted(server));
      informer.stop();
      await running;
    },
  );

  test.prop([fc.scheduler(), fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 3 })], { numRuns: 80 })(
    'whatever the interleaving of adds and workers, no key is processed by two workers at once, and every add is followed by a sync that starts after it',
    async (s, adds, workers) => {
      const clock = new FakeClock(START);
      const queue = new RateLimitingQueue(clock, defaultControllerRateLimiter(clock));
      const running = new Set<string>();
      const log: string[] = [];
      /** for each key: the index of its last add, and of the last add before a sync of it started */
      const lastAdd = new Map<string, number>();
      const coveredUpTo = new Map<string, number>();
      let added = 0;
      const sync = async (key: string) => {
        coveredUpTo.set(key, lastAdd.get(key) ?? -1);
        await syncWith(s, key, running, log);
      };
      const loops = Array.from({ length: workers }, async () => {
        while (await processNextWorkItem(queue, sync));
      });
      const adding = s.scheduleSequence(
        adds.map((key) => ({
          label: `add ${key}`,
          builder: async () => {
            lastAdd.set(key, added++);
            queue.add(key);
          },
        })),
      );
      await s.waitIdle();
      expect(adding.done, 'every add ran').toBe(true);
      queue.shutDown();
      await s.waitIdle();
      await Promise.all(loops);
      expect(log).toEqual([]);
      for (const [key, index] of lastAdd) expect(coveredUpTo.get(key), `the last add of ${key} (#${index}) was never synced`).toBe(index);
    },
  );

  test.prop([fc.integer({ min: 1, max: 20 }), fc.array(fc.constantFrom('x', 'y'), { maxLength: 5 })])(
    'a key dirtied N times while in flight is processed once more, not N times',
    async (n, others) => {
      const queue = new WorkQueue();
      queue.add('k');
      const key = await queue.get();
      for (let i = 0; i < n; i++) {
        queue.add('k');
        if (others[i]) queue.add(others[i]!);
      }
      queue.done(key!);
      const rest: string[] = [];
      while (queue.len() > 0) {
        const next = (await queue.get())!;
        rest.push(next);
        queue.done(next);
      }
      expect(rest.filter((k) => k === 'k')).toEqual(['k']);
      expect(rest.filter((k) => k !== 'k').sort()).toEqual([...new Set(others.slice(0, n))].sort());
    },
  );

  test.prop([fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('when', 'forget')), { maxLength: 30 })])(
    'one key\'s failures never change another key\'s back-off: each key\'s waits are what it would get alone',
    (calls) => {
      const together = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
      const alone = new Map<string, ItemExponentialFailureRateLimiter<string>>();
      for (const [key, call] of calls) {
        if (!alone.has(key)) alone.set(key, new ItemExponentialFailureRateLimiter<string>(5, 1_000_000));
        if (call === 'forget') {
          together.forget(key);
          alone.get(key)!.forget(key);
        } else {
          expect(together.when(key)).toBe(alone.get(key)!.when(key));
        }
        expect(together.numRequeues(key)).toBe(alone.get(key)!.numRequeues(key));
      }
    },
  );
});
