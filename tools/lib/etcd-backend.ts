/**
 * The registry on a real etcd (3.4): an {@link Mvcc} store and a {@link WatchableStore} whose
 * data lives in etcd, reached through the `etcd3` client, so that the learner's apiserver (kata
 * 08's Registry, kata 09's watch, kata 10's HTTP) runs unchanged on the store production
 * clusters run on. `npm run apiserver -- --etcd-servers URL` uses it, and CI runs katas 08–10's
 * tests on it (`KATA_STORE=etcd:URL`, test/support/apiserver/store.ts).
 *
 * The registry calls its store synchronously; etcd answers asynchronously. Three ways out were
 * weighed:
 * - make the registry async: the registry would no longer be the learner's code, which is the
 *   point of running it on etcd;
 * - cache etcd in memory and write behind: reads would not be etcd's, and a write acknowledged
 *   before etcd has it could be lost;
 * - **block the calling thread until etcd answers** (chosen): every call goes, as a message, to a
 *   worker thread that owns the gRPC connection (tools/lib/etcd-backend-worker.mjs), and the main
 *   thread waits on `Atomics.wait` for the answer (the `synckit` package). Every read is etcd's,
 *   every write is in etcd before the call returns, and the registry cannot tell. The cost: the
 *   apiserver's thread waits for each round trip (about a millisecond on loopback), as
 *   kube-apiserver's goroutines do — but here nothing else runs meanwhile.
 *
 * Transactions. {@link Mvcc.write} hands its body a {@link WriteTxn} and expects everything in it
 * to be one atomic step; etcd's Txn is one request of compares and ops, decided in advance. The
 * bridge is optimistic, as etcd's own STM (clientv3/concurrency/stm.go): the body runs against
 * etcd as it was at one revision, its writes are kept aside, and they are sent as one Txn whose
 * compares say "every key the body read is still as it was read" (modRevision equal, 0 for a
 * missing key; for a range, also "no key of the range changed since"). If another writer came
 * between, the compares fail, nothing is written, and the body runs again on the new state. So
 * kata 03's `txn()` and the registry's compare-and-swap keep their meaning with several
 * apiservers on one etcd.
 *
 * Revisions are etcd's: a resourceVersion is etcd's revision, as in Kubernetes. `store.revision`
 * is the newest one this process knows without a round trip: its own writes' at once, other
 * clients' as the worker's watch of etcd reports them. (A store opened with `fresh: { prefix }`,
 * as the tests do, counts from its opening — etcd's revision minus the revision it was opened at —
 * and lives under a key prefix of its own, so that every test starts from an empty store at
 * revision 1 on one etcd.) Errors are kata 02's: etcd's "required revision
 * has been compacted" is `EtcdError('Compacted')`, and so on.
 *
 * @example
 * ```ts
 * const { store, watchable } = openEtcdBackend('http://127.0.0.1:2379');
 * const registry = new Registry({ store, watchable, clock, random });
 * registry.create('namespaces', undefined, { metadata: { name: 'default' } }); // in etcd, at etcd's revision
 * ```
 */
import { fileURLToPath } from 'node:url';
import { createSyncFn } from 'synckit';
import { Etcd3, type IWatchResponse } from 'etcd3';
import {
  EtcdError,
  PollingWatcher,
  type Change,
  type DeleteOptions,
  type EtcdErrorCode,
  type Mvcc,
  type MvccDeleteResponse,
  type MvccKeyValue,
  type MvccPutOptions,
  type MvccPutResponse,
  type MvccRangeOptions,
  type MvccRangeResponse,
  type WatchableStore,
  type Watcher,
  type WatchEvent,
  type WatchRequest,
  type WatchResponse,
  type WriteTxn,
} from '@kube/etcd';

const WORKER = fileURLToPath(new URL('./etcd-backend-worker.mjs', import.meta.url));

/** etcd's --max-txn-ops (default 128): the most compares, and ops, one Txn may have. */
const MAX_TXN_OPS = 128;

type Ask = (request: WorkerRequest) => WorkerAnswer;
let worker: Ask | undefined;

/**
 * One request to the worker, waited for (synckit: a message, then Atomics.wait for the answer).
 * The worker starts with the first request: importing this file costs nothing.
 */
function ask(request: WorkerRequest): WorkerAnswer {
  worker ??= createSyncFn<(request: WorkerRequest) => Promise<WorkerAnswer>>(WORKER, { timeout: 30_000 });
  return worker(request);
}

/** etcd's messages (as the gRPC error carries them) → kata 02's codes. */
const ETCD_MESSAGES: [RegExp, EtcdErrorCode][] = [
  [/required revision has been compacted/, 'Compacted'],
  [/required revision is a future revision/, 'FutureRevision'],
  [/too many operations in txn request/, 'TooManyOps'],
  [/duplicate key given in txn request/, 'DuplicateKey'],
  [/key is not provided/, 'EmptyKey'],
  [/requested lease not found/, 'LeaseNotFound'],
];

/** The answer's result, or the error etcd gave as kata 02's EtcdError (other failures as Error). */
function call(request: WorkerRequest): Extract<WorkerAnswer, { ok: true }> {
  const answer = ask(request);
  if (answer.ok) return answer;
  const code = ETCD_MESSAGES.find(([pattern]) => pattern.test(answer.message))?.[1];
  if (code) throw new EtcdError(code);
  throw new Error(`etcd at ${request.endpoint}: ${answer.message}`);
}

/** Options of {@link openEtcdBackend}. */
export interface EtcdBackendOptions {
  /**
   * Keep every key under this prefix in etcd and count revisions from the opening (store revision
   * 1 = etcd's revision when opened): a store that looks new, on an etcd shared with others. The
   * tests use it; an apiserver does not (its keys are `/registry/...` and its revisions etcd's).
   */
  fresh?: { prefix: string };
  /**
   * Hear of writes by other etcd clients (another apiserver) and wake the watches they concern
   * (a watch of the whole prefix, in this thread). Default true; the tests write only through
   * this store and turn it off.
   */
  watchOthers?: boolean;
}

/** What {@link openEtcdBackend} opens: the registry's `store` and `watchable`. */
export interface EtcdBackend {
  store: EtcdStore;
  /** a {@link WatchableStore} for the registry (the shape it calls: `watch`, `store.onCommit`, `store.revision`) */
  watchable: WatchableStore;
  /** Stops the store's watch of other writers (the worker's connection to etcd ends with the process). */
  close(): void;
}

/**
 * Opens the store on the etcd at `endpoint` (e.g. `http://127.0.0.1:2379`; several members' client
 * URLs separated by commas).
 *
 * @throws Error when etcd does not answer (with its address)
 */
export function openEtcdBackend(endpoint: string, options: EtcdBackendOptions = {}): EtcdBackend {
  const url = checkEndpoint(endpoint);
  const store = new EtcdStore(url, options);
  const watchable = new EtcdWatchable(store);
  return { store, watchable: watchable as unknown as WatchableStore, close: () => store.close() };
}

/**
 * `--etcd-servers` as kube-apiserver takes it: etcd's client URLs, `http://host:port`, separated by
 * commas (the members of one cluster: requests go to one that answers, and move on when it goes).
 *
 * @returns the URLs, normalized, separated by commas
 * @throws Error saying what a good value looks like
 */
export function checkEndpoint(endpoint: string): string {
  const servers = endpoint.split(',').filter(Boolean);
  if (servers.length === 0) throw new Error(`--etcd-servers "${endpoint}": give etcd's client URL, e.g. http://127.0.0.1:2379 (several members' separated by commas)`);
  return servers
    .map((server) => {
      let url: URL;
      try {
        url = new URL(server);
      } catch {
        throw new Error(`${server} is not a URL: give etcd's client URL, e.g. http://127.0.0.1:2379`);
      }
      if (url.protocol !== 'http:' || !url.port || url.pathname !== '/') {
        throw new Error(`${server}: give etcd's client URL as http://HOST:PORT, e.g. http://127.0.0.1:2379 (TLS to etcd is not supported)`);
      }
      return `${url.protocol}//${url.host}`;
    })
    .join(',');
}

/** The smallest key after every key that starts with `prefix` (ASCII prefixes: the last byte + 1). */
function prefixEndOf(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Orders keys as etcd does: by their UTF-8 bytes. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Is `key` in [start, rangeEnd)? (undefined or '': just `start`; '\0': every key from `start`) */
function inRangeOf(key: string, start: string, rangeEnd: string | undefined): boolean {
  if (rangeEnd === undefined || rangeEnd === '') return key === start;
  if (compareBytes(key, start) < 0) return false;
  return rangeEnd === '\0' || compareBytes(key, rangeEnd) < 0;
}

function checkRange(key: string, options: MvccRangeOptions | undefined): void {
  if (key === '') throw new EtcdError('EmptyKey');
  const limit = options?.limit ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new EtcdError('InvalidLimit', `got ${limit}`);
}

/**
 * An {@link Mvcc} whose data is in etcd. Every method is one or two round trips to etcd, waited
 * for; see the module's comment for how {@link EtcdStore.write} stays atomic.
 */
export class EtcdStore implements Mvcc {
  private readonly prefix: string;
  /** etcd's revision = this store's revision + base */
  private readonly base: number;
  private readonly listeners = new Set<(revision: number, changes: readonly Change[]) => void>();
  /** the revision of the last write this store told its listeners of */
  private notified = 0;
  /** a write's revision, for the `revision` read that follows it (kata 03's txn reads it) */
  private pinned: number | undefined;
  private others: { stop(): void } | undefined;
  private closed = false;

  constructor(
    readonly endpoint: string,
    private readonly options: EtcdBackendOptions = {},
  ) {
    this.prefix = options.fresh?.prefix ?? '';
    if (options.fresh && !/^\/[\x21-\x7e]*\/$/.test(this.prefix)) throw new Error(`fresh.prefix ${JSON.stringify(this.prefix)}: give printable ASCII between slashes, e.g. /test-1/`);
    let now: number;
    try {
      now = this.etcdRevisionNow();
    } catch (error) {
      const why = (error as Error).message.replace(`etcd at ${endpoint}: `, '').split('. ')[0];
      throw new Error(`cannot reach etcd at ${endpoint} (${why}): start etcd there (etcd --listen-client-urls ${endpoint} --advertise-client-urls ${endpoint}), or give the client URL of a running one`);
    }
    this.base = options.fresh ? now - 1 : 0;
    this.notified = now;
  }

  /**
   * The newest revision this process knows of etcd, as this store counts: its own writes at once
   * (read-your-writes), other clients' as etcd's watch reports them, milliseconds later — as
   * kube-apiserver's watch cache knows it. No round trip to etcd: the registry reads it around
   * every write (kata 03's txn), and a round trip each time would double a write's cost.
   */
  get revision(): number {
    const pinned = this.pinned;
    this.pinned = undefined;
    return (pinned ?? call({ op: 'revision', endpoint: this.endpoint }).revision) - this.base;
  }

  /** The revision etcd was compacted to, as this store counts; 0 before any compaction. */
  get compacted(): number {
    return Math.max(0, call({ op: 'compacted', endpoint: this.endpoint }).compacted! - this.base);
  }

  range(key: string, rangeEnd?: string, options: MvccRangeOptions = {}): MvccRangeResponse {
    this.pinned = undefined;
    checkRange(key, options);
    const revision = options.revision && options.revision > 0 ? options.revision + this.base : undefined;
    const answer = call({ op: 'range', endpoint: this.endpoint, ...this.etcdRange(key, rangeEnd), ...(revision ? { revision } : {}), ...(options.limit ? { limit: options.limit } : {}), ...(options.countOnly ? { countOnly: true } : {}) });
    const kvs = (answer.kvs ?? []).map((kv) => this.fromEtcd(kv, options.keysOnly));
    return { header: { revision: answer.revision - this.base }, kvs: options.countOnly ? [] : kvs, count: answer.count ?? 0, more: answer.more ?? false };
  }

  put(key: string, value: string, options: MvccPutOptions = {}): MvccPutResponse {
    return this.write((txn) => txn.put(key, value, options));
  }

  delete(key: string, rangeEnd?: string, options: DeleteOptions = {}): MvccDeleteResponse {
    return this.write((txn) => txn.delete(key, rangeEnd, options));
  }

  /**
   * Runs `body` optimistically (see the module's comment): against etcd at one revision, its
   * writes kept aside, then committed in one etcd Txn guarded by what it read; run again if
   * someone else changed what it read. `body` may run more than once: it must only read and
   * write through its WriteTxn (kata 03's txn does).
   */
  write<T>(body: (txn: WriteTxn) => T): T {
    this.pinned = undefined;
    for (let attempt = 1; ; attempt++) {
      const txn = new OptimisticTxn(this);
      const result = body(txn);
      const writes = txn.writes();
      if (writes.length === 0) return result; // it only read: nothing to commit
      const guards = txn.guards();
      if (guards.length > MAX_TXN_OPS) {
        throw new Error(`a transaction that read ${guards.length} keys and ranges cannot be guarded in one etcd Txn (at most ${MAX_TXN_OPS} compares, etcd's --max-txn-ops)`);
      }
      const answer = call({ op: 'txn', endpoint: this.endpoint, compare: guards, success: writes });
      if (answer.succeeded) {
        this.pinned = answer.revision;
        this.tell(answer.revision, txn.changes(answer.revision - this.base));
        return result;
      }
      if (attempt >= 1000) throw new Error(`etcd at ${this.endpoint}: a transaction lost to other writers 1000 times in a row`);
    }
  }

  /**
   * Compacts etcd's history up to `revision` (kata 05's compact): reads and watches before it
   * then fail with `Compacted`.
   *
   * @throws EtcdError `Compacted` at or below the last compaction, `FutureRevision` past the revision
   */
  compact(revision: number): void {
    this.pinned = undefined;
    call({ op: 'compact', endpoint: this.endpoint, revision: revision + this.base });
  }

  /** Calls `listener` after every write to etcd: this store's at once, other clients' as etcd tells them. */
  onCommit(listener: (revision: number, changes: readonly Change[]) => void): () => void {
    this.listeners.add(listener);
    if (this.options.watchOthers !== false) this.others ??= this.watchOthers();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Stops this store's watch of other writers. The worker's connection to etcd is shared by the
   * stores on one etcd and ends with the process (the worker does not keep it alive).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.others?.stop();
  }

  // ---- for OptimisticTxn and EtcdWatcher ---------------------------------------------------------

  /** Reads etcd at `etcdRevision` (every key of the range: the guards need them all). */
  readAt(key: string, rangeEnd: string | undefined, etcdRevision: number | undefined): { revision: number; kvs: MvccKeyValue[] } {
    const answer = call({ op: 'range', endpoint: this.endpoint, ...this.etcdRange(key, rangeEnd), ...(etcdRevision ? { revision: etcdRevision } : {}) });
    return { revision: answer.revision, kvs: (answer.kvs ?? []).map((kv) => this.fromEtcd(kv)) };
  }

  /** A compare on this store's key range, in etcd's keys. */
  etcdRange(key: string, rangeEnd: string | undefined): { key: string; rangeEnd?: string } {
    if (rangeEnd === undefined || rangeEnd === '') return { key: this.prefix + key };
    if (rangeEnd === '\0') return { key: this.prefix + key, rangeEnd: this.prefix ? prefixEndOf(this.prefix) : '\0' };
    return { key: this.prefix + key, rangeEnd: this.prefix + rangeEnd };
  }

  get revisionBase(): number {
    return this.base;
  }

  /**
   * The changes of every revision from `from` (this store's count) to the newest known, in this store's keys
   * and revisions; or the compacted revision when `from` is below it.
   */
  changesSince(from: number): { revision: number; compacted?: number; changes: { revision: number; events: WatchEvent[] }[] } {
    const answer = call({ op: 'changes', endpoint: this.endpoint, from: from + this.base });
    const revision = answer.revision - this.base;
    if (answer.compacted !== undefined) return { revision, compacted: answer.compacted - this.base, changes: [] };
    const changes = (answer.events ?? []).map(({ revision: r, events }) => ({
      revision: r - this.base,
      events: events.filter((event) => event.kv.key.startsWith(this.prefix)).map((event) => this.eventFromEtcd(event)),
    }));
    return { revision, changes: changes.filter((c) => c.events.length > 0) };
  }

  private etcdRevisionNow(): number {
    return call({ op: 'range', endpoint: this.endpoint, key: '\0', countOnly: true }).revision;
  }

  private fromEtcd(kv: RawKeyValue, keysOnly = false): MvccKeyValue {
    return {
      key: kv.key.slice(this.prefix.length),
      value: keysOnly ? '' : kv.value,
      createRevision: kv.createRevision === 0 ? 0 : kv.createRevision - this.base,
      modRevision: kv.modRevision - this.base,
      version: kv.version,
      lease: kv.lease,
    };
  }

  private eventFromEtcd(event: RawEvent): WatchEvent {
    const kv = this.fromEtcd(event.kv);
    return event.prevKv ? { type: event.type, kv, prevKv: this.fromEtcd(event.prevKv) } : { type: event.type, kv };
  }

  /** Tells the listeners of a write at `etcdRevision` (once: a write is heard here and from the watch). */
  private tell(etcdRevision: number, changes: readonly Change[]): void {
    if (etcdRevision <= this.notified) return;
    this.notified = etcdRevision;
    for (const listener of [...this.listeners]) listener(etcdRevision - this.base, changes);
  }

  /**
   * A watch of this store's keys in this thread, for writes other clients make (etcd3's watcher:
   * it reconnects after a lost connection and resumes where it was).
   */
  private watchOthers(): { stop(): void } {
    const client = new Etcd3({ hosts: this.endpoint.split(',') });
    const [start, end] = this.prefix ? [this.prefix, prefixEndOf(this.prefix)] : ['\0', '\0'];
    const watcher = client.watch().inRange({ start, end }).startRevision(String(this.notified + 1)).watcher();
    watcher.on('error', () => undefined); // etcd3 reconnects; a lost etcd shows in the next request
    watcher.on('data', (response: IWatchResponse) => {
      if (response.events.length === 0) return;
      const changes = response.events.map((e) => this.eventFromEtcd({ type: e.type === 'Delete' ? 'DELETE' : 'PUT', kv: rawOf(e.kv) }));
      this.tell(Number(response.header.revision), changes);
    });
    return {
      stop: () => {
        void watcher.cancel().finally(() => client.close());
      },
    };
  }
}

function rawOf(kv: { key: Buffer; value: Buffer; create_revision: string; mod_revision: string; version: string; lease: string }): RawKeyValue {
  return { key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision), version: Number(kv.version), lease: Number(kv.lease) };
}

/**
 * The body's view of one write: etcd at one revision, with the body's own writes on top. It
 * records what the body read, as the guards of the commit.
 */
class OptimisticTxn implements WriteTxn {
  /** the etcd revision the body reads at (fixed by its first read) */
  private readRevision: number | undefined;
  /** key → the modRevision read (0: absent) */
  private readonly readKeys = new Map<string, number>();
  /** ranges read (their keys are in readKeys too; a range guard catches keys added since) */
  private readonly readRanges: { key: string; rangeEnd: string }[] = [];
  /** key → its pair after the body's writes (null: deleted by the body) */
  private readonly overlay = new Map<string, MvccKeyValue | null>();
  /** key → the pair before the body wrote it (undefined: absent) */
  private readonly before = new Map<string, MvccKeyValue | undefined>();
  private readonly ops: RawWrite[] = [];
  /** key → its pair at the read revision, for the keys read one by one or found in a range */
  private readonly seen = new Map<string, MvccKeyValue | undefined>();

  constructor(private readonly store: EtcdStore) {}

  /** The key's pair as the body sees it now; read from etcd only if not read yet. */
  private current(key: string): MvccKeyValue | undefined {
    if (this.overlay.has(key)) return this.overlay.get(key) ?? undefined;
    if (!this.seen.has(key)) this.range(key);
    return this.seen.get(key);
  }

  /** The revision this transaction's writes get if nobody writes first: the read revision + 1. */
  get revision(): number {
    return this.readRevisionOf() + 1 - this.store.revisionBase;
  }

  range(key: string, rangeEnd?: string, options: MvccRangeOptions = {}): MvccRangeResponse {
    checkRange(key, options);
    // A read of the past sees no writes of this transaction, and the past does not change.
    if (options.revision && options.revision > 0) return this.store.range(key, rangeEnd, options);
    const single = rangeEnd === undefined || rangeEnd === '';
    const read = this.store.readAt(key, rangeEnd, this.readRevision);
    this.readRevision ??= read.revision;
    const found = new Map(read.kvs.map((kv) => [kv.key, kv]));
    for (const kv of read.kvs) {
      this.readKeys.set(kv.key, kv.modRevision);
      this.seen.set(kv.key, kv);
    }
    if (single && !found.has(key)) {
      this.readKeys.set(key, 0);
      this.seen.set(key, undefined);
    }
    if (!single) this.readRanges.push({ key, rangeEnd: rangeEnd! });
    for (const [k, kv] of this.overlay) {
      if (!inRangeOf(k, key, rangeEnd)) continue;
      if (kv === null) found.delete(k);
      else found.set(k, kv);
    }
    const all = [...found.values()].sort((a, b) => compareBytes(a.key, b.key));
    const limit = options.limit ?? 0;
    const kvs = limit > 0 ? all.slice(0, limit) : all;
    return {
      header: { revision: this.readRevisionOf() - this.store.revisionBase },
      kvs: options.countOnly ? [] : options.keysOnly ? kvs.map((kv) => ({ ...kv, value: '' })) : kvs,
      count: all.length,
      more: kvs.length < all.length,
    };
  }

  put(key: string, value: string, options: MvccPutOptions = {}): MvccPutResponse {
    if (key === '') throw new EtcdError('EmptyKey');
    const prev = this.current(key);
    if (!this.before.has(key)) this.before.set(key, prev);
    const revision = this.revision;
    const lease = options.lease ?? 0;
    this.overlay.set(key, { key, value, createRevision: prev ? prev.createRevision : revision, modRevision: revision, version: prev ? prev.version + 1 : 1, lease });
    this.ops.push({ type: 'put', ...this.store.etcdRange(key, undefined), value, lease });
    return { header: { revision }, ...(options.prevKv && prev ? { prevKv: prev } : {}) };
  }

  delete(key: string, rangeEnd?: string, options: DeleteOptions = {}): MvccDeleteResponse {
    if (key === '') throw new EtcdError('EmptyKey');
    const { kvs } = this.range(key, rangeEnd);
    for (const kv of kvs) {
      if (!this.before.has(kv.key)) this.before.set(kv.key, kv);
      this.overlay.set(kv.key, null);
    }
    if (kvs.length > 0) this.ops.push({ type: 'delete', ...this.store.etcdRange(key, rangeEnd) });
    return { header: { revision: this.revision }, deleted: kvs.length, ...(options.prevKv ? { prevKvs: kvs } : {}) };
  }

  /** The writes, as etcd ops, in order. */
  writes(): RawWrite[] {
    return this.ops;
  }

  /** "What the body read is still as it read it": a compare per key, and per range "nothing newer". */
  guards(): RawCompare[] {
    const base = this.store.revisionBase;
    const keys: RawCompare[] = [...this.readKeys].map(([key, modRevision]) => ({
      ...this.store.etcdRange(key, undefined),
      target: 'MOD',
      result: 'EQUAL',
      modRevision: modRevision === 0 ? 0 : modRevision + base,
    }));
    const ranges: RawCompare[] = this.readRanges.map(({ key, rangeEnd }) => ({ ...this.store.etcdRange(key, rangeEnd), target: 'MOD', result: 'LESS', modRevision: this.readRevisionOf() + 1 }));
    return [...keys, ...ranges];
  }

  /** The changes the commit made, at `revision` (this store's count), for onCommit's listeners. */
  changes(revision: number): Change[] {
    const changes: Change[] = [];
    for (const [key, kv] of this.overlay) {
      const prev = this.before.get(key);
      if (kv === null) {
        if (prev) changes.push({ type: 'DELETE', kv: { key, value: '', createRevision: 0, modRevision: revision, version: 0, lease: 0 } });
      } else {
        changes.push({ type: 'PUT', kv: { ...kv, modRevision: revision, createRevision: prev ? prev.createRevision : revision } });
      }
    }
    return changes;
  }

  private readRevisionOf(): number {
    if (this.readRevision === undefined) this.readRevision = this.store.readAt('\0', undefined, undefined).revision;
    return this.readRevision;
  }
}

/** The registry's {@link WatchableStore}, on etcd: watches answered from etcd's history. */
class EtcdWatchable {
  private nextId = 0;

  constructor(readonly store: EtcdStore) {}

  /**
   * Opens a watch from `startRevision` (0 or none: after the latest write).
   *
   * @throws EtcdError `EmptyKey`, `EmptyWatcherRange` as kata 04's
   */
  watch(request: WatchRequest): Watcher {
    if (request.key === '') throw new EtcdError('EmptyKey');
    const { rangeEnd } = request;
    if (rangeEnd !== undefined && rangeEnd !== '' && rangeEnd !== '\0' && compareBytes(rangeEnd, request.key) <= 0) {
      throw new EtcdError('EmptyWatcherRange', `key ${JSON.stringify(request.key)}, rangeEnd ${JSON.stringify(rangeEnd)}`);
    }
    const start = request.startRevision !== undefined && request.startRevision > 0 ? request.startRevision : this.store.revision + 1;
    return new EtcdWatcher(this.nextId++, request, start, this.store);
  }
}

/**
 * One watch: each poll asks etcd (through the worker's log) for the changes since the last one,
 * and keeps those of its range. A start below etcd's compaction ends it with `compactRevision`,
 * as kata 04's watcher.
 */
class EtcdWatcher extends PollingWatcher implements Watcher {
  canceled = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly id: number,
    private readonly request: WatchRequest,
    /** the first revision not yet delivered */
    private next: number,
    private readonly store: EtcdStore,
  ) {
    super();
    this.unsubscribe = store.onCommit(() => this.wake());
  }

  poll(): WatchResponse[] {
    if (this.canceled) return [];
    const { revision, compacted, changes } = this.store.changesSince(this.next);
    if (compacted !== undefined) {
      this.cancel();
      return [{ watchId: this.id, header: { revision }, events: [], compactRevision: compacted, canceled: true }];
    }
    const responses: WatchResponse[] = [];
    for (const change of changes) {
      const events = change.events
        .filter((event) => inRangeOf(event.kv.key, this.request.key, this.request.rangeEnd))
        .map((event) => (this.request.prevKv || !event.prevKv ? event : { type: event.type, kv: event.kv }));
      if (events.length > 0) responses.push({ watchId: this.id, header: { revision: change.revision }, events });
    }
    this.next = Math.max(this.next, revision + 1);
    return responses;
  }

  cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    this.unsubscribe();
    this.wake();
  }
}

// ---- what crosses to the worker (tools/lib/etcd-backend-worker.mjs) ------------------------------

/** A key-value as the main thread gets it (etcd's mvccpb.KeyValue, camelCase, numbers). */
export interface RawKeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: number;
}

/** One event of the log: a PUT or DELETE with the key's previous value when it had one. */
export interface RawEvent {
  type: 'PUT' | 'DELETE';
  kv: RawKeyValue;
  prevKv?: RawKeyValue;
}

/** A compare of a transaction; `rangeEnd` compares every key of [key, rangeEnd). */
export interface RawCompare {
  key: string;
  rangeEnd?: string;
  target: 'MOD';
  result: 'EQUAL' | 'LESS';
  modRevision: number;
}

/** A write of a transaction. */
export type RawWrite = { type: 'put'; key: string; value: string; lease: number } | { type: 'delete'; key: string; rangeEnd?: string };

/** What the main thread asks. `endpoint` names the etcd (one connection each). */
export type WorkerRequest =
  | { op: 'range'; endpoint: string; key: string; rangeEnd?: string; revision?: number; limit?: number; countOnly?: boolean }
  | { op: 'txn'; endpoint: string; compare: RawCompare[]; success: RawWrite[] }
  | { op: 'compact'; endpoint: string; revision: number }
  | { op: 'changes'; endpoint: string; from: number }
  | { op: 'compacted'; endpoint: string }
  | { op: 'revision'; endpoint: string };

/** What the worker answers: a result, or etcd's error message (the main thread maps it). */
export type WorkerAnswer =
  | { ok: true; revision: number; kvs?: RawKeyValue[]; count?: number; more?: boolean; succeeded?: boolean; events?: { revision: number; events: RawEvent[] }[]; compacted?: number }
  | { ok: false; message: string };
