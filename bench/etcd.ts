/** Benchmarks of the etcd store (Part I). */
import { MemoryStore, MvccStore, prefixEnd, WatchableStore, type Watcher } from '@kube/etcd';
import { Random } from '@kube/kit';
import type { Bench } from './bench.ts';

const N = 100_000;

/** Keys shaped like the apiserver's, in a shuffled (seeded) order. */
function keys(): string[] {
  const all = Array.from({ length: N }, (_, i) => `/registry/pods/ns-${i % 100}/pod-${i}`);
  return new Random(1).shuffle(all);
}

function filledMvcc(): MvccStore {
  const store = new MvccStore();
  for (const key of keys()) store.put(key, 'x'.repeat(100));
  return store;
}

function filled(): MemoryStore {
  const store = new MemoryStore();
  for (const key of keys()) store.put(key, 'x'.repeat(100));
  return store;
}

export const benches: Bench[] = [
  {
    name: `01 kv: put ${N.toLocaleString('en')} new keys (random order)`,
    setup: () => keys(),
    run: (state) => {
      const store = new MemoryStore();
      for (const key of state as string[]) store.put(key, 'x'.repeat(100));
      return N;
    },
  },
  {
    name: `01 kv: overwrite ${N.toLocaleString('en')} existing keys`,
    setup: () => ({ store: filled(), keys: keys() }),
    run: (state) => {
      const { store, keys: ks } = state as { store: MemoryStore; keys: string[] };
      for (const key of ks) store.put(key, 'y');
      return N;
    },
  },
  {
    name: '01 kv: get by key',
    setup: () => ({ store: filled(), keys: keys() }),
    run: (state) => {
      const { store, keys: ks } = state as { store: MemoryStore; keys: string[] };
      for (const key of ks) store.get(key);
      return N;
    },
  },
  {
    name: '01 kv: range one namespace (prefix, ~1,000 keys)',
    setup: () => filled(),
    run: (state) => {
      const store = state as MemoryStore;
      for (let i = 0; i < 1000; i++) {
        const prefix = `/registry/pods/ns-${i % 100}/`;
        store.range(prefix, prefixEnd(prefix));
      }
      return 1000;
    },
  },
  {
    name: '01 kv: range with limit 500 (a page of a list)',
    setup: () => filled(),
    run: (state) => {
      const store = state as MemoryStore;
      for (let i = 0; i < 1000; i++) store.range('/registry/pods/', prefixEnd('/registry/pods/'), { limit: 500 });
      return 1000;
    },
  },
  {
    name: `02 mvcc: put ${N.toLocaleString('en')} new keys (random order)`,
    setup: () => keys(),
    run: (state) => {
      const store = new MvccStore();
      for (const key of state as string[]) store.put(key, 'x'.repeat(100));
      return N;
    },
  },
  {
    name: `02 mvcc: overwrite ${N.toLocaleString('en')} existing keys (history grows)`,
    setup: () => ({ store: filledMvcc(), keys: keys() }),
    run: (state) => {
      const { store, keys: ks } = state as { store: MvccStore; keys: string[] };
      for (const key of ks) store.put(key, 'y');
      return N;
    },
  },
  {
    name: '02 mvcc: get by key (latest)',
    setup: () => ({ store: filledMvcc(), keys: keys() }),
    run: (state) => {
      const { store, keys: ks } = state as { store: MvccStore; keys: string[] };
      for (const key of ks) store.range(key);
      return N;
    },
  },
  {
    name: '02 mvcc: range one namespace (prefix, ~1,000 keys)',
    setup: () => filledMvcc(),
    run: (state) => {
      const store = state as MvccStore;
      for (let i = 0; i < 1000; i++) {
        const prefix = `/registry/pods/ns-${i % 100}/`;
        store.range(prefix, prefixEnd(prefix));
      }
      return 1000;
    },
  },
  {
    name: '02 mvcc: range one namespace at a past revision',
    setup: () => {
      const store = filledMvcc();
      for (const key of keys()) store.put(key, 'y'); // every key has two versions
      return store;
    },
    run: (state) => {
      const store = state as MvccStore;
      for (let i = 0; i < 1000; i++) {
        const prefix = `/registry/pods/ns-${i % 100}/`;
        store.range(prefix, prefixEnd(prefix), { revision: N / 2 });
      }
      return 1000;
    },
  },
  {
    name: '04 watch: events delivered to 1,000 watchers (100 of all pods, 900 of one namespace; 10,000 puts)',
    setup: () => {
      const store = new MvccStore();
      const watchable = new WatchableStore(store);
      const watchers: Watcher[] = [];
      for (let i = 0; i < 100; i++) watchers.push(watchable.watch({ key: '/registry/pods/', rangeEnd: prefixEnd('/registry/pods/') }));
      for (let i = 0; i < 900; i++) {
        const prefix = `/registry/pods/ns-${i % 100}/`;
        watchers.push(watchable.watch({ key: prefix, rangeEnd: prefixEnd(prefix) }));
      }
      return { store, watchers };
    },
    run: (state) => {
      const { store, watchers } = state as { store: MvccStore; watchers: Watcher[] };
      let delivered = 0;
      for (let i = 0; i < 10_000; i++) {
        store.put(`/registry/pods/ns-${i % 100}/pod-${i}`, 'x'.repeat(100));
        // the consumers read every 100 writes (each watcher has buffered about 1 to 100 responses)
        if (i % 100 === 99) for (const watcher of watchers) for (const response of watcher.poll()) delivered += response.events.length;
      }
      return delivered; // 10,000 x (100 + 9) = 1,090,000
    },
  },
  {
    name: '04 watch: events delivered to 1,000 watchers of one key each (a kubelet-like fan-out; 10,000 puts)',
    setup: () => {
      const store = new MvccStore();
      const watchable = new WatchableStore(store);
      const watchers = Array.from({ length: 1000 }, (_, i) => watchable.watch({ key: `/registry/leases/node-${i}` }));
      return { store, watchers };
    },
    run: (state) => {
      const { store, watchers } = state as { store: MvccStore; watchers: Watcher[] };
      let delivered = 0;
      for (let i = 0; i < 10_000; i++) {
        store.put(`/registry/leases/node-${i % 1000}`, 'renewed');
        if (i % 100 === 99) for (const watcher of watchers) delivered += watcher.poll().length;
      }
      return delivered; // 10,000: each put reaches its one watcher (and is offered to all 1,000)
    },
  },
];

// ---- 06: the durable store (write-ahead log) ------------------------------------------------------
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeWalFs, openDurableStore, type WalFs } from '@kube/etcd';

/** Temporary directories of these benchmarks, removed when the process exits. */
const walDirs: string[] = [];
process.on('exit', () => walDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function walDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubekata-bench-wal-'));
  walDirs.push(dir);
  return dir;
}

/** `writers` concurrent clients, each doing `each` puts one after another (awaiting each). */
async function durablePuts(dir: string, writers: number, each: number, fs: WalFs = nodeWalFs): Promise<number> {
  const db = await openDurableStore(dir, { fs });
  const value = 'x'.repeat(100);
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i++) await db.put(`/registry/pods/ns-${w % 100}/pod-${w}-${i % 1000}`, value);
    }),
  );
  await db.close();
  return writers * each;
}

const RECOVERED = 1_000_000;
let recoveryDir: string | undefined;

benches.push(
  {
    name: '06 wal: durable puts, 1 writer (one fsync per put)',
    setup: () => walDir(),
    run: (dir) => durablePuts(dir as string, 1, 2_000),
  },
  {
    name: '06 wal: durable puts, 64 concurrent writers (group commit)',
    setup: () => walDir(),
    run: (dir) => durablePuts(dir as string, 64, 2_000),
  },
  {
    name: '06 wal: durable puts, 256 concurrent writers (group commit)',
    setup: () => walDir(),
    run: (dir) => durablePuts(dir as string, 256, 500),
  },
  {
    name: `06 wal: recovery of ${RECOVERED.toLocaleString('en')} writes (openDurableStore, replaying the log)`,
    // Written once, with group commit (250 writers), and opened twice (a warm-up, then measured).
    setup: async () => {
      if (recoveryDir === undefined) {
        recoveryDir = walDir();
        await durablePuts(recoveryDir, 250, RECOVERED / 250);
      }
      return recoveryDir;
    },
    run: async (dir) => {
      const db = await openDurableStore(dir as string);
      const writes = db.revision - 1;
      await db.close();
      return writes;
    },
  },
);
