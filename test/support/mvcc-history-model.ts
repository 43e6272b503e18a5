/**
 * The simplest multi-version store that could work: a list of the writes that changed something,
 * and a read at revision r that replays them, from an empty map, up to r. Slow and obviously right:
 * the model-based tests of kata 02 (and later katas) compare the store with it. It shares no code
 * with any kata: no key index, no backend, no undo.
 *
 * @example
 * ```ts
 * const model = new HistoryModel();                        // revision 1
 * model.write([{ type: 'put', key: 'a', value: '1' }]);     // revision 2
 * model.write([{ type: 'put', key: 'a', value: '2' }, { type: 'put', key: 'b', value: '1' }]); // 3
 * model.write([{ type: 'delete', key: 'x' }]);              // nothing deleted: still 3
 * model.range('a', undefined, { revision: 2 });              // { kvs: [a=1 c2 m2 v1], count: 1, more: false, revision: 3 }
 * ```
 */
import { byteOrder } from './bytes.ts';
import { inRangeByBytes } from './keyspace-model.ts';

/** A key-value as the model computes it (the fields of the store's MvccKeyValue). */
export interface ModelKv {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: number;
}

/** One operation of a write. */
export type ModelOp =
  | { type: 'put'; key: string; value: string; lease?: number }
  | { type: 'delete'; key: string; rangeEnd?: string }
  | { type: 'range'; key: string; rangeEnd?: string; options?: ModelRangeOptions };

/** Range options the model understands. */
export interface ModelRangeOptions {
  revision?: number;
  limit?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
}

/** What a range answers: the store's response, with its header's revision as `revision`. */
export interface ModelRange {
  kvs: ModelKv[];
  count: number;
  more: boolean;
  revision: number;
}

/** What one op of a write answers; `revision` is the header's revision after the op. */
export type ModelResult =
  | { type: 'put'; revision: number; prevKv: ModelKv | undefined }
  | { type: 'delete'; revision: number; deleted: number; prevKvs: ModelKv[] }
  | { type: 'range'; revision: number; range: ModelRange };

/** One change, as the store's commit listeners get it. */
export interface ModelChange {
  type: 'PUT' | 'DELETE';
  kv: ModelKv;
}

/** A write that changed something: its revision and its ops, as they were asked. */
export interface ModelWrite {
  revision: number;
  ops: ModelOp[];
}

type State = Map<string, ModelKv>;

/** A history of writes, and reads of any revision by replaying it. */
export class HistoryModel {
  /** Every write that changed something, oldest first; write i has revision i + 2. */
  readonly writes: ModelWrite[] = [];

  /** The revision of the latest write that changed something; 1 when there is none. */
  get revision(): number {
    return this.writes.at(-1)?.revision ?? 1;
  }

  /**
   * Runs `ops` as one write at revision `this.revision + 1`: each op sees the ones before it. The
   * write is kept in the history (and moves the revision) only if it changed something.
   */
  write(ops: ModelOp[]): { changed: boolean; results: ModelResult[]; changes: ModelChange[] } {
    const revision = this.revision + 1;
    const { results, changes } = runWrite(this.stateAt(this.revision), revision, ops);
    if (changes.length > 0) this.writes.push({ revision, ops });
    return { changed: changes.length > 0, results, changes };
  }

  /** Every key's value at `revision`: the writes up to it, replayed from nothing. */
  stateAt(revision: number): State {
    const state: State = new Map();
    for (const write of this.writes) {
      if (write.revision > revision) break;
      runWrite(state, write.revision, write.ops);
    }
    return state;
  }

  /** The changes the write at `revision` made, in order (replayed). */
  changesAt(revision: number): ModelChange[] {
    const write = this.writes.find((w) => w.revision === revision);
    return write ? runWrite(this.stateAt(revision - 1), revision, write.ops).changes : [];
  }

  /**
   * A range read as the store answers it: at `options.revision` (0, negative or absent: the
   * latest); 'FutureRevision' when that is above the model's revision.
   */
  range(key: string, rangeEnd: string | undefined, options: ModelRangeOptions = {}): ModelRange | 'FutureRevision' {
    const at = options.revision !== undefined && options.revision > 0 ? options.revision : this.revision;
    if (at > this.revision) return 'FutureRevision';
    return { ...answer(this.stateAt(at), key, rangeEnd, options), revision: this.revision };
  }
}

/** The keys of `state` in `[key, rangeEnd)`, sorted by bytes. */
function select(state: State, key: string, rangeEnd: string | undefined): ModelKv[] {
  return [...state.values()].filter((kv) => inRangeByBytes(kv.key, key, rangeEnd)).sort((a, b) => byteOrder(a.key, b.key));
}

/** A range over `state`, with limit, keysOnly and countOnly applied (no revision in it). */
function answer(state: State, key: string, rangeEnd: string | undefined, options: ModelRangeOptions): Omit<ModelRange, 'revision'> {
  const selected = select(state, key, rangeEnd);
  const count = selected.length;
  if (options.countOnly) return { kvs: [], count, more: false };
  const limit = options.limit ?? 0;
  const kept = limit > 0 ? selected.slice(0, limit) : selected;
  return { kvs: options.keysOnly ? kept.map((kv) => ({ ...kv, value: '' })) : kept, count, more: kept.length < count };
}

/**
 * Runs `ops` on `state` (changing it) as a write at `revision`: a put creates or updates its key;
 * a delete removes every key of its range; a range reads `state` as it is by then (only the
 * latest: reads of the past inside a write are not modelled).
 */
function runWrite(state: State, revision: number, ops: ModelOp[]): { results: ModelResult[]; changes: ModelChange[] } {
  const results: ModelResult[] = [];
  const changes: ModelChange[] = [];
  const header = (): number => (changes.length > 0 ? revision : revision - 1);
  for (const op of ops) {
    if (op.type === 'put') {
      const previous = state.get(op.key);
      const kv: ModelKv = {
        key: op.key,
        value: op.value,
        createRevision: previous ? previous.createRevision : revision,
        modRevision: revision,
        version: previous ? previous.version + 1 : 1,
        lease: op.lease ?? 0,
      };
      state.set(op.key, kv);
      changes.push({ type: 'PUT', kv });
      results.push({ type: 'put', revision: header(), prevKv: previous });
    } else if (op.type === 'delete') {
      const gone = select(state, op.key, op.rangeEnd);
      for (const kv of gone) {
        state.delete(kv.key);
        changes.push({ type: 'DELETE', kv: { key: kv.key, value: '', createRevision: 0, modRevision: revision, version: 0, lease: 0 } });
      }
      results.push({ type: 'delete', revision: header(), deleted: gone.length, prevKvs: gone });
    } else {
      results.push({ type: 'range', revision: header(), range: { ...answer(state, op.key, op.rangeEnd, op.options ?? {}), revision: header() } });
    }
  }
  return { results, changes };
}
