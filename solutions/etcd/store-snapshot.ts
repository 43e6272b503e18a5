/**
 * A snapshot of a whole {@link MvccStore} as bytes, and back: every key's history (its
 * generations) and every change those histories point to, with the store's revision and compacted
 * revision. The stand-in for etcd's snapshot of its backend (the bbolt file), from which etcd
 * rebuilds its key index on start (mvcc/kvstore.go, restore).
 *
 * This file is given: the kata is the log, not the serialization. Restoring is exact: reads at
 * every revision, compacted ones included, answer as they did in the store that was saved.
 *
 * @example
 * ```ts
 * const store = new MvccStore();
 * store.put('a', '1'); store.put('a', '2'); store.compact(2);
 * const copy = decodeStoreSnapshot(encodeStoreSnapshot(store));
 * copy.revision;                                   // 3
 * copy.range('a', undefined, { revision: 2 }).kvs; // [{ key: 'a', value: '1', ... }]
 * copy.range('a', undefined, { revision: 1 });     // throws Compacted, as the original does
 * ```
 */
import { EtcdError } from './errors.ts';
import { KeyIndex, type Generation } from './key-index.ts';
import type { Change, Revision } from './mvcc-api.ts';
import { MvccStore } from './mvcc.ts';

/** The snapshot as JSON: compact arrays, since a big store has millions of them. */
interface SnapshotJson {
  revision: number;
  compacted: number;
  /** key → generations: [createdMain, createdSub, version, [main, sub, main, sub, ...]] */
  keys: [string, [number, number, number, number[]][]][];
  /** [main, sub, 0 = PUT / 1 = DELETE, key, value, createRevision, modRevision, version, lease] */
  changes: [number, number, 0 | 1, string, string, number, number, number, number][];
}

/** The whole store as bytes (UTF-8 JSON). */
export function encodeStoreSnapshot(store: MvccStore): Uint8Array {
  const json: SnapshotJson = { revision: store.revision, compacted: store.compacted, keys: [], changes: [] };
  for (const [key, history] of store.index.entriesFrom('\0')) {
    const generations = history.generations.map((g): [number, number, number, number[]] => [g.created.main, g.created.sub, g.version, g.revisions.flatMap((r) => [r.main, r.sub])]);
    json.keys.push([key, generations]);
    for (const generation of history.generations) {
      for (const at of generation.revisions) {
        const { type, kv } = store.backend.get(at)!;
        json.changes.push([at.main, at.sub, type === 'PUT' ? 0 : 1, kv.key, kv.value, kv.createRevision, kv.modRevision, kv.version, kv.lease]);
      }
    }
  }
  return Buffer.from(JSON.stringify(json), 'utf8');
}

/**
 * A new store, exactly as the one that {@link encodeStoreSnapshot} saved.
 *
 * @throws EtcdError `CorruptLog` when the bytes are not such a snapshot
 */
export function decodeStoreSnapshot(bytes: Uint8Array): MvccStore {
  let json: SnapshotJson;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as SnapshotJson;
  } catch (error) {
    throw new EtcdError('CorruptLog', `the snapshot's state is not a store snapshot: ${(error as Error).message}`);
  }
  const store = new MvccStore();
  for (const [key, generations] of json.keys) {
    const history = new KeyIndex();
    for (const [createdMain, createdSub, version, flat] of generations) {
      const revisions: Revision[] = [];
      for (let i = 0; i < flat.length; i += 2) revisions.push({ main: flat[i]!, sub: flat[i + 1]! });
      const generation: Generation = { created: { main: createdMain, sub: createdSub }, version, revisions };
      history.generations.push(generation);
    }
    store.index.set(key, history);
  }
  for (const [main, sub, type, key, value, createRevision, modRevision, version, lease] of json.changes) {
    const change: Change = { type: type === 0 ? 'PUT' : 'DELETE', kv: { key, value, createRevision, modRevision, version, lease } };
    store.backend.add({ main, sub }, change);
  }
  store.restoreRevisions(json.revision, json.compacted);
  return store;
}
