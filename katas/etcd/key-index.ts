/**
 * The history of one key: which revisions wrote it, grouped in generations (etcd's
 * mvcc/key_index.go).
 *
 * A generation is one life of the key: it starts with the put that created the key and ends with
 * the delete that removed it (a tombstone). A key that was put, deleted and put again has two
 * generations. Worked example — a key put at revisions 2, 3, 4, deleted at 5, put at 6 and 7:
 *
 * ```
 * generations:
 *   { created: 2, version: 4, revisions: [2, 3, 4, 5(tombstone)] }   (the tombstone counts too)
 *   { created: 6, version: 2, revisions: [6, 7] }
 * at(4) -> { modified: 4, created: 2, version: 3 }
 * at(5) -> undefined    (deleted at 5)
 * at(6) -> { modified: 6, created: 6, version: 1 }
 * ```
 * (Revisions are `{main, sub}`; the example shows only `main`.)
 *
 * Compacting at 4 keeps 4, the newest revision <= 4, and the rest of history after it:
 * `[{ created: 2, version: 4, revisions: [4, 5] }, { created: 6, ... }]`. Compacting at 5 drops the
 * whole first generation: its newest revision <= 5 is the tombstone, and nothing needs it.
 */
import { NotImplemented } from '@kube/kit';
import type { Revision } from './mvcc-api.ts';

/** One life of a key, from the put that created it to the delete that ended it. */
export interface Generation {
  /** the revision of the put that created the key */
  created: Revision;
  /** how many revisions this life has had, its tombstone included: the version at its newest put */
  version: number;
  /** every revision that wrote the key in this life, oldest first; a tombstone, if any, is last */
  revisions: Revision[];
}

/** Where to read a key at a revision: the answer of {@link KeyIndex.at}. */
export interface KeyAt {
  /** the revision of the write to read from the backend */
  modified: Revision;
  /** the revision that created the key (its createRevision) */
  created: Revision;
  /** the key's version at that point */
  version: number;
}

/** The history of one key, in generations. */
export class KeyIndex {
  /**
   * The key's lives, oldest first. The last one is the current life; after a delete it is empty
   * (no revisions yet), waiting for the key to be created again.
   */
  readonly generations: Generation[] = [];

  /** `a` compared with `b`: negative if `a` is older, 0 if equal, positive if newer. */
  static compare(a: Revision, b: Revision): number {
    return a.main - b.main || a.sub - b.sub;
  }

  /**
   * Records a put of the key at `revision`: the first put of a life starts it (`created`), every
   * put adds one to the version.
   */
  put(revision: Revision): void {
    // TODO(02): start a life if there is none (or the current one is empty: created = revision),
    // TODO(02): then add `revision` to the current life and count it in `version`.
    throw new NotImplemented('02', 'KeyIndex.put');
  }

  /**
   * Records a delete of the key at `revision`: the revision ends the current life (it is the
   * tombstone) and an empty generation waits for the next create.
   *
   * @throws Error when the key is not alive (nothing to delete): a bug in the caller
   */
  tombstone(revision: Revision): void {
    // TODO(02): throw an Error if the key is not alive; else add `revision` to the current life
    // TODO(02): (counting it in `version`, like a put) and start a new, empty life.
    throw new NotImplemented('02', 'KeyIndex.tombstone');
  }

  /**
   * Where to read the key as it was at revision `main` (every sub of it included), or undefined
   * if the key did not exist then (not yet created, or deleted).
   */
  at(main: number): KeyAt | undefined {
    // TODO(02): find the life that had started by `main`, then its newest revision with main <= `main`;
    // TODO(02): undefined if there is none, or if that revision is the life's tombstone.
    throw new NotImplemented('02', 'KeyIndex.at');
  }

  /** True when the key has no history left (after compaction). */
  isEmpty(): boolean {
    // TODO(02): true when no life has any revision.
    throw new NotImplemented('02', 'KeyIndex.isEmpty');
  }

  /** True when the key exists now (its current life has begun). */
  isAlive(): boolean {
    // TODO(02): true when the current (last) life has revisions.
    throw new NotImplemented('02', 'KeyIndex.isAlive');
  }

  /**
   * Forgets the history at or before revision `main` that no read at `main` or later can need:
   * in each life, the revisions before the newest one <= `main`; and whole lives that had ended by
   * `main`. Returns the revisions <= `main` that it kept (the backend keeps exactly those).
   */
  compact(main: number): Revision[] {
    // TODO(05): drop the lives whose tombstone is <= main (never the current one); in the oldest
    // TODO(05): life left, drop the revisions before its newest one <= main. Return the revisions <= main you kept.
    throw new NotImplemented('05', 'KeyIndex.compact');
  }
}
