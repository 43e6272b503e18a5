/**
 * A small client for etcd's JSON gateway (grpc-gateway in front of the v3 API; etcd 3.4 serves it
 * under `/v3/`, also `/v3beta/`), answering in the store's own shapes (mvcc-api.ts) so that a
 * conformance check can compare the two with a plain deep equal.
 *
 * The gateway speaks protobuf's JSON: keys and values are base64, int64s are strings, snake_case
 * names, and every field that holds its zero value is left out (`count: 0`, `more: false`, an
 * empty `kvs`, a PUT event's `type`, a tombstone's `create_revision`...). This file puts the zeroes
 * back, so that `{ kvs: [], count: 0, more: false }` is what both sides say.
 *
 * @example
 * ```ts
 * const etcd = new EtcdGateway('http://127.0.0.1:2379');
 * await etcd.put('a', '1');                  // { header: { revision: 2 } }
 * (await etcd.range('a')).kvs[0];            // { key: 'a', value: '1', createRevision: 2, modRevision: 2, version: 1, lease: 0 }
 * await etcd.range('a', undefined, { revision: 99 }); // throws GatewayError "etcdserver: mvcc: required revision is a future revision"
 * ```
 */
import type {
  Compare,
  MvccDeleteResponse,
  MvccKeyValue,
  MvccPutOptions,
  MvccPutResponse,
  MvccRangeOptions,
  MvccRangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from '@kube/etcd';

/** An error etcd answered with: its gRPC message and code (e.g. 11, OutOfRange, for compacted). */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    message: string,
    readonly grpcCode: number,
  ) {
    super(message);
  }
}

// ---- the gateway's JSON ------------------------------------------------------------------------

type Int64 = string | undefined;
interface JsonKv {
  key?: string;
  value?: string;
  create_revision?: Int64;
  mod_revision?: Int64;
  version?: Int64;
  lease?: Int64;
}
interface JsonHeader {
  revision?: Int64;
}
interface JsonRange {
  header?: JsonHeader;
  kvs?: JsonKv[];
  count?: Int64;
  more?: boolean;
}
interface JsonPut {
  header?: JsonHeader;
  prev_kv?: JsonKv;
}
interface JsonDelete {
  header?: JsonHeader;
  deleted?: Int64;
  prev_kvs?: JsonKv[];
}
interface JsonResponseOp {
  response_range?: JsonRange;
  response_put?: JsonPut;
  response_delete_range?: JsonDelete;
}
interface JsonTxn {
  header?: JsonHeader;
  succeeded?: boolean;
  responses?: JsonResponseOp[];
}
interface JsonEvent {
  type?: 'PUT' | 'DELETE';
  kv?: JsonKv;
  prev_kv?: JsonKv;
}
interface JsonWatchResult {
  header?: JsonHeader;
  watch_id?: Int64;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: Int64;
  cancel_reason?: string;
  events?: JsonEvent[];
}

/** A string as the gateway wants bytes: its UTF-8, in base64. */
export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
/** The gateway's base64 bytes back to a string (absent: the empty string). */
export const unb64 = (data: string | undefined): string => (data ? Buffer.from(data, 'base64').toString('utf8') : '');
/** An int64 the gateway sent as a string, or left out because it was 0. */
const int = (value: Int64): number => (value === undefined ? 0 : Number(value));

function kvOf(json: JsonKv): MvccKeyValue {
  return {
    key: unb64(json.key),
    value: unb64(json.value),
    createRevision: int(json.create_revision),
    modRevision: int(json.mod_revision),
    version: int(json.version),
    lease: int(json.lease),
  };
}

function rangeOf(json: JsonRange): MvccRangeResponse {
  return { header: { revision: int(json.header?.revision) }, kvs: (json.kvs ?? []).map(kvOf), count: int(json.count), more: json.more ?? false };
}

function putOf(json: JsonPut): MvccPutResponse {
  return { header: { revision: int(json.header?.revision) }, ...(json.prev_kv ? { prevKv: kvOf(json.prev_kv) } : {}) };
}

/** `prevKv` was asked: an empty list is left out by the gateway, and put back here. */
function deleteOf(json: JsonDelete, prevKv: boolean | undefined): MvccDeleteResponse {
  return { header: { revision: int(json.header?.revision) }, deleted: int(json.deleted), ...(prevKv ? { prevKvs: (json.prev_kvs ?? []).map(kvOf) } : {}) };
}

// ---- requests ----------------------------------------------------------------------------------

function rangeRequest(key: string, rangeEnd: string | undefined, options: MvccRangeOptions = {}) {
  return {
    key: b64(key),
    ...(rangeEnd ? { range_end: b64(rangeEnd) } : {}),
    ...(options.limit ? { limit: String(options.limit) } : {}),
    ...(options.revision && options.revision > 0 ? { revision: String(options.revision) } : {}),
    ...(options.keysOnly ? { keys_only: true } : {}),
    ...(options.countOnly ? { count_only: true } : {}),
  };
}

function putRequest(key: string, value: string, options: MvccPutOptions = {}) {
  return { key: b64(key), value: b64(value), ...(options.prevKv ? { prev_kv: true } : {}), ...(options.lease ? { lease: String(options.lease) } : {}) };
}

function deleteRequest(key: string, rangeEnd: string | undefined, options: { prevKv?: boolean } = {}) {
  return { key: b64(key), ...(rangeEnd ? { range_end: b64(rangeEnd) } : {}), ...(options.prevKv ? { prev_kv: true } : {}) };
}

const TARGETS = { version: 'VERSION', createRevision: 'CREATE', modRevision: 'MOD', value: 'VALUE' } as const;
const RESULTS = { '=': 'EQUAL', '!=': 'NOT_EQUAL', '<': 'LESS', '>': 'GREATER' } as const;
const TARGET_FIELDS = { version: 'version', createRevision: 'create_revision', modRevision: 'mod_revision', value: 'value' } as const;

function compareRequest(compare: Compare) {
  const value = compare.target === 'value' ? b64(String(compare.value)) : String(compare.value);
  return { key: b64(compare.key), target: TARGETS[compare.target], result: RESULTS[compare.result], [TARGET_FIELDS[compare.target]]: value };
}

function opRequest(op: RequestOp) {
  switch (op.type) {
    case 'range':
      return { request_range: rangeRequest(op.key, op.rangeEnd, op.options) };
    case 'put':
      return { request_put: putRequest(op.key, op.value, op.options) };
    case 'delete':
      return { request_delete_range: deleteRequest(op.key, op.rangeEnd, op.options) };
  }
}

function opResponse(op: RequestOp, json: JsonResponseOp): ResponseOp {
  switch (op.type) {
    case 'range':
      return { type: 'range', response: rangeOf(json.response_range ?? {}) };
    case 'put':
      return { type: 'put', response: putOf(json.response_put ?? {}) };
    case 'delete':
      return { type: 'delete', response: deleteOf(json.response_delete_range ?? {}, op.options?.prevKv) };
  }
}

// ---- watch -------------------------------------------------------------------------------------

/** One event of a watch, in the store's shapes. */
export interface GatewayEvent {
  type: 'PUT' | 'DELETE';
  kv: MvccKeyValue;
  prevKv?: MvccKeyValue;
}

/** Options of {@link EtcdGateway.watch}. */
export interface GatewayWatchOptions {
  /** the first revision to see; 0 or absent: from the next write on */
  startRevision?: number;
  /** send each event's previous pair */
  prevKv?: boolean;
}

/** A watch in progress. */
export interface GatewayWatch {
  /** Resolves once etcd has created the watch (or cancelled it at once, e.g. compacted). */
  readonly created: Promise<void>;
  /** The events received so far, in the order received. */
  readonly events: GatewayEvent[];
  /** Set when etcd cancelled the watch because its start revision was compacted. */
  readonly compactRevision: number | undefined;
  /** Set when etcd cancelled the watch (with its reason, possibly empty). */
  readonly canceled: string | undefined;
  /**
   * Resolves when `done(events)` is true or the watch ends; rejects after `timeoutMs` with what
   * arrived so far.
   */
  until(done: (events: readonly GatewayEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Closes the stream. */
  close(): void;
}

/** The JSON gateway of one etcd. */
export class EtcdGateway {
  /** @param endpoint - the client URL, e.g. `http://127.0.0.1:2379` */
  constructor(
    readonly endpoint: string,
    readonly prefix = '/v3',
  ) {}

  /** POSTs `body` to `path` and returns the JSON answer; etcd's errors become {@link GatewayError}. */
  async call<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.endpoint}${this.prefix}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    const json = (await response.json()) as T & { error?: string; message?: string; code?: number };
    if (!response.ok || json.error !== undefined) {
      throw new GatewayError(json.message ?? json.error ?? `HTTP ${response.status}`, json.code ?? -1);
    }
    return json;
  }

  async range(key: string, rangeEnd?: string, options?: MvccRangeOptions): Promise<MvccRangeResponse> {
    return rangeOf(await this.call<JsonRange>('/kv/range', rangeRequest(key, rangeEnd, options)));
  }

  async put(key: string, value: string, options?: MvccPutOptions): Promise<MvccPutResponse> {
    return putOf(await this.call<JsonPut>('/kv/put', putRequest(key, value, options)));
  }

  async delete(key: string, rangeEnd?: string, options?: { prevKv?: boolean }): Promise<MvccDeleteResponse> {
    return deleteOf(await this.call<JsonDelete>('/kv/deleterange', deleteRequest(key, rangeEnd, options)), options?.prevKv);
  }

  async txn(request: TxnRequest): Promise<TxnResponse> {
    const success = request.success ?? [];
    const failure = request.failure ?? [];
    const json = await this.call<JsonTxn>('/kv/txn', {
      compare: (request.compare ?? []).map(compareRequest),
      success: success.map(opRequest),
      failure: failure.map(opRequest),
    });
    const ran = json.succeeded ? success : failure;
    const responses = json.responses ?? [];
    return { header: { revision: int(json.header?.revision) }, succeeded: json.succeeded ?? false, responses: ran.map((op, i) => opResponse(op, responses[i] ?? {})) };
  }

  /**
   * Compacts the history up to `revision`. `physical` (the default here) waits until etcd has also
   * removed the old revisions from its backend, so that what follows sees a settled store.
   */
  async compact(revision: number, physical = true): Promise<{ header: { revision: number } }> {
    const json = await this.call<{ header?: JsonHeader }>('/kv/compaction', { revision: String(revision), physical });
    return { header: { revision: int(json.header?.revision) } };
  }

  /**
   * Watches `[key, rangeEnd)` over a streaming POST to `/v3/watch`: the gateway answers with one
   * JSON object per line, `{"result": WatchResponse}`.
   */
  watch(key: string, rangeEnd: string | undefined, options: GatewayWatchOptions = {}): GatewayWatch {
    const controller = new AbortController();
    const events: GatewayEvent[] = [];
    let compactRevision: number | undefined;
    let canceled: string | undefined;
    let ended = false;
    let failure: unknown;
    let wake: () => void = () => {};
    let onCreated: () => void = () => {};
    let onCreateFailed: (error: unknown) => void = () => {};
    const created = new Promise<void>((resolve, reject) => {
      onCreated = resolve;
      onCreateFailed = reject;
    });
    created.catch(() => {}); // reported through `created` or `until`, never unhandled

    const body = {
      create_request: {
        key: b64(key),
        ...(rangeEnd ? { range_end: b64(rangeEnd) } : {}),
        ...(options.startRevision && options.startRevision > 0 ? { start_revision: String(options.startRevision) } : {}),
        ...(options.prevKv ? { prev_kv: true } : {}),
      },
    };
    const handle = (result: JsonWatchResult) => {
      if (result.created) onCreated();
      if (result.canceled) {
        canceled = result.cancel_reason ?? '';
        if (result.compact_revision !== undefined) compactRevision = int(result.compact_revision);
        onCreated();
      }
      for (const event of result.events ?? []) {
        events.push({ type: event.type ?? 'PUT', kv: kvOf(event.kv ?? {}), ...(event.prev_kv ? { prevKv: kvOf(event.prev_kv) } : {}) });
      }
      wake();
    };
    void (async () => {
      try {
        const response = await fetch(`${this.endpoint}${this.prefix}/watch`, { method: 'POST', body: JSON.stringify(body), signal: controller.signal });
        const decoder = new TextDecoder();
        let buffered = '';
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffered += decoder.decode(chunk, { stream: true });
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            const json = JSON.parse(line) as { result?: JsonWatchResult; error?: { message?: string; grpc_code?: number } };
            if (json.error) throw new GatewayError(json.error.message ?? 'watch failed', json.error.grpc_code ?? -1);
            if (json.result) handle(json.result);
          }
        }
      } catch (error) {
        if (!controller.signal.aborted) failure = error;
      } finally {
        ended = true;
        onCreateFailed(failure ?? new Error('the watch stream ended before etcd created the watch'));
        wake();
      }
    })();

    return {
      created,
      events,
      get compactRevision() {
        return compactRevision;
      },
      get canceled() {
        return canceled;
      },
      until: async (done, timeoutMs = 10_000) => {
        let timedOut = false;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            timedOut = true;
            resolve();
          }, timeoutMs);
        });
        try {
          while (!done(events) && !ended && canceled === undefined) {
            if (timedOut) throw new Error(`watch on ${JSON.stringify(key)}: timed out after ${timeoutMs} ms with ${events.length} event(s)`);
            await Promise.race([new Promise<void>((resolve) => (wake = resolve)), deadline]);
          }
        } finally {
          clearTimeout(timer);
        }
        if (failure) throw failure;
      },
      close: () => controller.abort(),
    };
  }
}
