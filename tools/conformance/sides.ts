/**
 * The two sides of the comparison, behind one interface in the local store's terms:
 * - {@link LocalSide}: a fresh MvccStore from `@kube/etcd` (the learner's or the reference,
 *   as KATA_TARGET says), with `txn` (kata 03);
 * - {@link EtcdSide}: one sequence's corner of a real etcd, shared by the whole run.
 *
 * Sharing one etcd: each sequence writes under its own key prefix, and etcd's revision is global,
 * so the etcd side translates. Before a sequence, it writes a scratch key outside every prefix; the
 * revision of that write, `base`, plays the part of a fresh store's revision 1, and etcd revision
 * `e` is the sequence's revision `e - base + 1` (0, "none", stays 0). The scratch write also
 * makes `base` greater than any earlier compaction, so a compaction inside the sequence is never
 * refused because of another sequence. Prefixes grow with each sequence ('/kubekata/000001/',
 * '/kubekata/000002/', ...) and the scratch key ('!scratch') sorts before all of them, so a range to
 * the end of the keyspace ('\0') sees the current sequence's keys and nothing else.
 *
 * @example
 * ```ts
 * const remote = await EtcdSide.open(gateway, 7); // prefix '/kubekata/000007/', base = etcd's revision then
 * await remote.put('a', '1');                      // etcd: put '/kubekata/000007/a'; answers { header: { revision: 2 } }
 * ```
 */
import type { MvccDeleteResponse, MvccKeyValue, MvccPutResponse, MvccRangeOptions, MvccRangeResponse, RequestOp, ResponseOp, TxnRequest, TxnResponse } from '@kube/etcd';
import * as etcdModule from '@kube/etcd';
import type { EtcdGateway, GatewayEvent, GatewayWatch } from './etcd-gateway.ts';
import type { LocalWatch } from './watches.ts';

/** A watch event in the store's terms. */
export type WatchEvent = GatewayEvent;

/** What a watch saw: its events, or the compacted revision it was refused with. */
export interface WatchResult {
  events: WatchEvent[];
  /** set when the watch was refused because its start revision was compacted */
  compactRevision?: number;
}

/** One side's answers, in the local store's terms (keys without prefix, the sequence's revisions). */
export interface Side {
  range(key: string, rangeEnd: string | undefined, options: MvccRangeOptions): Promise<MvccRangeResponse>;
  put(key: string, value: string, options: { prevKv?: boolean }): Promise<MvccPutResponse>;
  delete(key: string, rangeEnd: string | undefined, options: { prevKv?: boolean }): Promise<MvccDeleteResponse>;
  txn(request: TxnRequest): Promise<TxnResponse>;
  compact(revision: number): Promise<{ header: { revision: number } }>;
}

/** What the local store module offers; txn and watch only once their katas exist. */
type LocalModule = typeof etcdModule;

// ---- the local store ---------------------------------------------------------------------------

/** A fresh local store. */
export class LocalSide implements Side {
  readonly store = new etcdModule.MvccStore();

  constructor(private readonly module: LocalModule = etcdModule) {}

  get revision(): number {
    return this.store.revision;
  }

  async range(key: string, rangeEnd: string | undefined, options: MvccRangeOptions) {
    return this.store.range(key, rangeEnd, options);
  }
  async put(key: string, value: string, options: { prevKv?: boolean }) {
    return this.store.put(key, value, options);
  }
  async delete(key: string, rangeEnd: string | undefined, options: { prevKv?: boolean }) {
    return this.store.delete(key, rangeEnd, options);
  }
  async txn(request: TxnRequest) {
    return this.module.txn(this.store, request);
  }
  async compact(revision: number) {
    return this.store.compact(revision);
  }

  /** Watches `[key, rangeEnd)` from `startRevision` (0: from now) with kata 04's watch. */
  watch(key: string, rangeEnd: string | undefined, startRevision: number, prevKv: boolean): LocalWatch {
    this.watchable ??= new this.module.WatchableStore(this.store);
    const watcher = this.watchable.watch({ key, ...(rangeEnd !== undefined && { rangeEnd }), startRevision, prevKv });
    const events: WatchEvent[] = [];
    let compactRevision: number | undefined;
    return {
      result: () => {
        for (const response of watcher.poll()) {
          if (response.compactRevision !== undefined) compactRevision = response.compactRevision;
          for (const event of response.events) events.push({ type: event.type, kv: event.kv, ...(event.prevKv ? { prevKv: event.prevKv } : {}) });
        }
        return { events: [...events], ...(compactRevision !== undefined ? { compactRevision } : {}) };
      },
      close: () => watcher.cancel(),
    };
  }

  /** kata 04's watchable store over {@link store}, made by the first watch */
  private watchable: InstanceType<LocalModule['WatchableStore']> | undefined;
}

// ---- etcd --------------------------------------------------------------------------------------

/** The key, outside every sequence's prefix, written before each sequence to start it at a fresh revision. */
const SCRATCH_KEY = '!scratch';

/** One sequence's view of the shared etcd. */
export class EtcdSide implements Side {
  private constructor(
    readonly gateway: EtcdGateway,
    /** this sequence's key prefix */
    readonly prefix: string,
    /** the etcd revision that is this sequence's revision 1 */
    readonly base: number,
  ) {}

  /** Starts sequence number `n`: a new prefix, and a scratch write whose revision is the base. */
  static async open(gateway: EtcdGateway, n: number): Promise<EtcdSide> {
    const { header } = await gateway.put(SCRATCH_KEY, String(n));
    return new EtcdSide(gateway, `/kubekata/${String(n).padStart(6, '0')}/`, header.revision);
  }

  // -- translation: sequence → etcd --

  key(key: string): string {
    return this.prefix + key;
  }
  /** '' and absent: one key; '\0': to the end of the keyspace (the prefixes see to it that it is this sequence's end). */
  rangeEnd(end: string | undefined): string | undefined {
    return end === undefined || end === '' || end === '\0' ? end : this.prefix + end;
  }
  /** A revision to ask about: the sequence's r is etcd's r + base - 1; 0 and below mean "none"/"latest" in both. */
  revisionOut(revision: number): number {
    return revision > 0 ? revision + this.base - 1 : revision;
  }

  // -- translation: etcd → sequence --

  revisionIn(revision: number): number {
    return revision > 0 ? revision - this.base + 1 : revision;
  }
  private keyIn(key: string): string {
    // A key of another sequence would be a bug in this check: show it whole, marked.
    return key.startsWith(this.prefix) ? key.slice(this.prefix.length) : `<outside the sequence: ${key}>`;
  }
  kvIn(kv: MvccKeyValue): MvccKeyValue {
    return { ...kv, key: this.keyIn(kv.key), createRevision: this.revisionIn(kv.createRevision), modRevision: this.revisionIn(kv.modRevision) };
  }
  private header(header: { revision: number }) {
    return { revision: this.revisionIn(header.revision) };
  }
  private rangeIn(response: MvccRangeResponse): MvccRangeResponse {
    return { ...response, header: this.header(response.header), kvs: response.kvs.map((kv) => this.kvIn(kv)) };
  }
  private putIn(response: MvccPutResponse): MvccPutResponse {
    return { ...response, header: this.header(response.header), ...(response.prevKv ? { prevKv: this.kvIn(response.prevKv) } : {}) };
  }
  private deleteIn(response: MvccDeleteResponse): MvccDeleteResponse {
    return { ...response, header: this.header(response.header), ...(response.prevKvs ? { prevKvs: response.prevKvs.map((kv) => this.kvIn(kv)) } : {}) };
  }
  private rangeOptions(options: MvccRangeOptions): MvccRangeOptions {
    return { ...options, ...(options.revision !== undefined ? { revision: this.revisionOut(options.revision) } : {}) };
  }

  // -- the operations --

  async range(key: string, rangeEnd: string | undefined, options: MvccRangeOptions) {
    return this.rangeIn(await this.gateway.range(this.key(key), this.rangeEnd(rangeEnd), this.rangeOptions(options)));
  }
  async put(key: string, value: string, options: { prevKv?: boolean }) {
    return this.putIn(await this.gateway.put(this.key(key), value, options));
  }
  async delete(key: string, rangeEnd: string | undefined, options: { prevKv?: boolean }) {
    return this.deleteIn(await this.gateway.delete(this.key(key), this.rangeEnd(rangeEnd), options));
  }
  async txn(request: TxnRequest): Promise<TxnResponse> {
    const op = (o: RequestOp): RequestOp => {
      const rangeEnd = o.type === 'put' ? undefined : this.rangeEnd(o.rangeEnd);
      switch (o.type) {
        case 'put':
          return { ...o, key: this.key(o.key) };
        case 'delete':
          return { ...o, key: this.key(o.key), rangeEnd };
        case 'range':
          return { ...o, key: this.key(o.key), rangeEnd, ...(o.options ? { options: this.rangeOptions(o.options) } : {}) };
      }
    };
    const response = await this.gateway.txn({
      compare: (request.compare ?? []).map((c) => ({
        ...c,
        key: this.key(c.key),
        value: c.target === 'createRevision' || c.target === 'modRevision' ? this.revisionOut(c.value as number) : c.value,
      })),
      success: (request.success ?? []).map(op),
      failure: (request.failure ?? []).map(op),
    });
    const responses = response.responses.map((r): ResponseOp => {
      switch (r.type) {
        case 'range':
          return { type: 'range', response: this.rangeIn(r.response) };
        case 'put':
          return { type: 'put', response: this.putIn(r.response) };
        case 'delete':
          return { type: 'delete', response: this.deleteIn(r.response) };
      }
    });
    return { ...response, header: this.header(response.header), responses };
  }
  async compact(revision: number) {
    const response = await this.gateway.compact(this.revisionOut(revision));
    return { header: this.header(response.header) };
  }

  /** Opens a watch of `[key, rangeEnd)` from the sequence's revision `startRevision` (0: from now). */
  watch(key: string, rangeEnd: string | undefined, startRevision: number, prevKv: boolean): GatewayWatch {
    return this.gateway.watch(this.key(key), this.rangeEnd(rangeEnd), { startRevision: startRevision > 0 ? this.revisionOut(startRevision) : 0, prevKv });
  }
}
