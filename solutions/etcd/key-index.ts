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
    let current = this.generations.at(-1);
    if (current === undefined) this.generations.push((current = { created: revision, version: 0, revisions: [] }));
    if (current.revisions.length === 0) current.created = revision;
    current.revisions.push(revision);
    current.version++;
  }

  /**
   * Records a delete of the key at `revision`: the revision ends the current life (it is the
   * tombstone) and an empty generation waits for the next create.
   *
   * @throws Error when the key is not alive (nothing to delete): a bug in the caller
   */
  tombstone(revision: Revision): void {
    const current = this.generations.at(-1);
    if (current === undefined || current.revisions.length === 0) throw new Error('cannot delete a key that is not alive');
    // The tombstone counts like a put in `version` (etcd does the same), so that `at` can work out
    // any revision's version as "the newest's, minus the revisions after it".
    current.revisions.push(revision);
    current.version++;
    this.generations.push({ created: { main: 0, sub: 0 }, version: 0, revisions: [] });
  }

  /**
   * Where to read the key as it was at revision `main` (every sub of it included), or undefined
   * if the key did not exist then (not yet created, or deleted).
   */
  at(main: number): KeyAt | undefined {
    // Newest life first: the first one that had started by `main` is the only candidate.
    for (let g = this.generations.length - 1; g >= 0; g--) {
      const { created, version, revisions } = this.generations[g]!;
      if (revisions.length === 0 || revisions[0]!.main > main) continue;
      // Newest revision first: the first one at or before `main` is the key's state then.
      for (let r = revisions.length - 1; r >= 0; r--) {
        if (revisions[r]!.main > main) continue;
        const endedByTombstone = g < this.generations.length - 1 && r === revisions.length - 1;
        if (endedByTombstone) return undefined; // the newest write by then was the delete
        return { modified: revisions[r]!, created, version: version - (revisions.length - 1 - r) };
      }
    }
    return undefined;
  }

  /** True when the key has no history left (after compaction). */
  isEmpty(): boolean {
    return this.generations.every((generation) => generation.revisions.length === 0);
  }

  /** True when the key exists now (its current life has begun). */
  isAlive(): boolean {
    return (this.generations.at(-1)?.revisions.length ?? 0) > 0;
  }

  /**
   * Forgets the history at or before revision `main` that no read at `main` or later can need:
   * in each life, the revisions before the newest one <= `main`; and whole lives that had ended by
   * `main`. Returns the revisions <= `main` that it kept (the backend keeps exactly those).
   */
  compact(main: number): Revision[] {
    const kept: Revision[] = [];
    const lives = this.generations;
    // Lives that had ended (tombstone <= main) are of no use to a read at main or later.
    while (lives.length > 1 && lives[0]!.revisions.at(-1)!.main <= main) lives.shift();
    const first = lives[0];
    if (first !== undefined && first.revisions.length > 0) {
      // In the oldest remaining life, keep the newest revision <= main (the key's state at main).
      let newestAtOrBefore = -1;
      for (let r = 0; r < first.revisions.length && first.revisions[r]!.main <= main; r++) newestAtOrBefore = r;
      if (newestAtOrBefore > 0) first.revisions.splice(0, newestAtOrBefore);
      if (newestAtOrBefore >= 0) kept.push(first.revisions[0]!);
    }
    return kept;
  }
}
