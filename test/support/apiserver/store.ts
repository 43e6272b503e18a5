/**
 * The store under the apiserver's tests (katas 08–10): a new `MvccStore` (the learner's kata
 * 02–05 store), or, with `KATA_STORE=etcd:http://HOST:PORT`, a store in a real etcd 3.4
 * (tools/lib/etcd-backend.ts) — the same registry code on both, which CI checks (check 8).
 *
 * On etcd each store lives under a key prefix of its own and counts its revisions from its
 * opening, so that it starts empty at revision 1 as a new MvccStore does. The revisions of one
 * etcd are shared: the test files that use one etcd must run one at a time.
 *
 * @example
 * ```ts
 * const { store, watchable } = testStore();
 * const registry = new Registry({ store, watchable, clock, random });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { MvccStore, type Mvcc, type WatchableStore } from '@kube/etcd';

/** What the tests use of a store: kata 02's API, and kata 05's compaction. */
export interface TestStore extends Mvcc {
  /** Compacts the history up to `revision` (kata 05). */
  compact(revision: number): void;
  /** the revision of the last compaction; 0 before any */
  readonly compacted: number;
}

const setting = process.env.KATA_STORE ?? '';
if (setting !== '' && setting !== 'memory' && !setting.startsWith('etcd:')) {
  throw new Error(`KATA_STORE=${setting}: give "memory" (the default) or "etcd:http://HOST:PORT" (a running etcd 3.4)`);
}
const endpoint = setting.startsWith('etcd:') ? setting.slice('etcd:'.length) : undefined;
// Loaded only for etcd: the in-memory runs never load the gRPC client.
const etcd = endpoint ? await import('../../../tools/lib/etcd-backend.ts') : undefined;

/** This run's part of the key space (a later run against the same etcd starts apart from it). */
const run = `${process.pid}-${randomUUID().slice(0, 8)}`;
let opened = 0;

/**
 * A new, empty store at revision 1, and on etcd the `watchable` to give the registry (undefined on
 * memory: the registry makes its own on an MvccStore).
 */
export function testStore(): { store: TestStore; watchable: WatchableStore | undefined } {
  if (!etcd || !endpoint) return { store: new MvccStore(), watchable: undefined };
  const backend = etcd.openEtcdBackend(endpoint, { fresh: { prefix: `/kubekata-test/${run}-${++opened}/` }, watchOthers: false });
  return { store: backend.store, watchable: backend.watchable };
}
