/**
 * The store's history by revision: every change ever written and not yet compacted away, found by
 * its {@link Revision}. The stand-in for etcd's backend, a bbolt database whose "key" bucket maps
 * each revision `{main, sub}` to the key-value written then (mvcc/kvstore.go, backend/).
 *
 * This file is given, like bbolt is to etcd. The key index (key-index.ts) says WHICH revision of a
 * key to read; the backend holds WHAT was written at that revision.
 *
 * @example
 * ```ts
 * const backend = new Backend();
 * backend.add({ main: 2, sub: 0 }, { type: 'PUT', kv: { key: 'a', value: '1', createRevision: 2, modRevision: 2, version: 1, lease: 0 } });
 * backend.get({ main: 2, sub: 0 })?.kv.value; // '1'
 * backend.changesAt(2).length;                 // 1
 * ```
 */
import type { Change, Revision } from './mvcc-api.ts';

/** Every change by revision: main revision → its changes, in sub order. */
export class Backend {
  private readonly byMain = new Map<number, (Change | undefined)[]>();

  /** Records `change` at `revision`. Each revision is written once. */
  add(revision: Revision, change: Change): void {
    let changes = this.byMain.get(revision.main);
    if (changes === undefined) this.byMain.set(revision.main, (changes = []));
    changes[revision.sub] = change;
  }

  /** The change recorded at `revision`, or undefined (never written, or compacted away). */
  get(revision: Revision): Change | undefined {
    return this.byMain.get(revision.main)?.[revision.sub];
  }

  /** The changes of one write, in the order they were made (compacted ones left out). */
  changesAt(main: number): Change[] {
    return (this.byMain.get(main) ?? []).filter((change) => change !== undefined);
  }

  /** Forgets the change at `revision` (compaction). */
  remove(revision: Revision): void {
    const changes = this.byMain.get(revision.main);
    if (changes === undefined) return;
    changes[revision.sub] = undefined;
    if (changes.every((change) => change === undefined)) this.byMain.delete(revision.main);
  }

  /** Forgets every change of the write `main` (a write that was rolled back). */
  removeAll(main: number): void {
    this.byMain.delete(main);
  }
}
