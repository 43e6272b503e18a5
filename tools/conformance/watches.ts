/**
 * The watches of a sequence, on both sides: opened before the ops ("live": from the sequence's
 * start) or after them (from a past revision: etcd replays the history), then compared event by
 * event up to the sequence's final revision.
 *
 * How the etcd side knows it has every event up to the final revision F without waiting on a
 * clock: after the sequence, it writes a "fence" to each watch's own key (always inside the
 * watched range). etcd delivers a watcher's events in revision order, so once a watcher has seen
 * an event above F, it has seen all of its events up to F; the fences themselves are dropped.
 * The sequence's prefix is never used again, so the fences change nothing that is compared.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GatewayWatch } from './etcd-gateway.ts';
import { rangeEndOf, showWatch, type WatchSpec } from './sequence.ts';
import type { EtcdSide, LocalSide, WatchEvent, WatchResult } from './sides.ts';

/** A watch on the local store, as sides.ts opens it. */
export interface LocalWatch {
  /** the events so far (or the compaction that refused the watch) */
  result(): WatchResult;
  close(): void;
}

interface Pair {
  spec: WatchSpec;
  /** the sequence's revision the watch starts from; 0: from the sequence's start, opened before it */
  start: number;
  local: LocalWatch | { error: string };
  etcd: GatewayWatch;
}

export class WatchPair {
  private readonly pairs: Pair[] = [];

  constructor(
    private readonly local: LocalSide,
    private readonly remote: EtcdSide,
  ) {}

  /** Opens the live watches (before the sequence's first op), on both sides. */
  async openLive(specs: readonly WatchSpec[]): Promise<void> {
    for (const spec of specs) if (spec.from === 'live') await this.open(spec, 0);
  }

  /** Opens the watches from a past revision (after the sequence's last op), on both sides. */
  async openPast(specs: readonly WatchSpec[]): Promise<void> {
    for (const spec of specs) {
      if (spec.from === 'live') continue;
      const back = spec.from.kind === 'back' ? spec.from.n : 0;
      await this.open(spec, Math.max(1, this.local.revision - back));
    }
  }

  private async open(spec: WatchSpec, start: number): Promise<void> {
    const rangeEnd = rangeEndOf(spec.key, spec.end);
    let local: Pair['local'];
    try {
      local = this.local.watch(spec.key, rangeEnd, start, spec.prevKv);
    } catch (error) {
      local = { error: error instanceof Error ? error.message : String(error) };
    }
    const etcd = this.remote.watch(spec.key, rangeEnd, start, spec.prevKv);
    this.pairs.push({ spec, start, local, etcd });
    await etcd.created;
  }

  /**
   * Fences every etcd watch, waits for each to pass the final revision, and compares the events.
   * Returns how many events were compared and how many watches were refused as compacted.
   */
  async compare(): Promise<{ events: number; compacted: number }> {
    const seen = { events: 0, compacted: 0 };
    if (this.pairs.length === 0) return seen;
    const final = this.local.revision;
    const finalInEtcd = this.remote.revisionOut(final);
    for (const pair of this.pairs) {
      if (pair.etcd.canceled === undefined) await this.remote.gateway.put(this.remote.key(pair.spec.key), 'fence');
    }
    for (const pair of this.pairs) {
      await pair.etcd.until((events) => events.some((event) => event.kv.modRevision > finalInEtcd));
      const etcdResult: WatchResult = {
        events: pair.etcd.events.filter((event) => event.kv.modRevision <= finalInEtcd).map((event) => this.eventIn(event)),
        ...(pair.etcd.compactRevision !== undefined ? { compactRevision: this.remote.revisionIn(pair.etcd.compactRevision) } : {}),
      };
      const localResult = 'error' in pair.local ? pair.local : pair.local.result();
      const mine = JSON.parse(JSON.stringify(localResult)) as unknown;
      const theirs = JSON.parse(JSON.stringify(etcdResult)) as unknown;
      if (!isDeepStrictEqual(mine, theirs)) {
        const from = pair.start === 0 ? 'the start' : `revision ${pair.start}`;
        throw new WatchMismatch(`${showWatch(pair.spec)} (from ${from}, final revision ${final})\n  local: ${JSON.stringify(mine)}\n  etcd:  ${JSON.stringify(theirs)}`);
      }
      seen.events += etcdResult.events.length;
      if (etcdResult.compactRevision !== undefined) seen.compacted++;
    }
    return seen;
  }

  private eventIn(event: WatchEvent): WatchEvent {
    return { type: event.type, kv: this.remote.kvIn(event.kv), ...(event.prevKv ? { prevKv: this.remote.kvIn(event.prevKv) } : {}) };
  }

  close(): void {
    for (const pair of this.pairs) {
      pair.etcd.close();
      if (!('error' in pair.local)) pair.local.close();
    }
  }
}

/** A watch saw different events on the two sides. */
export class WatchMismatch extends Error {
  override readonly name = 'Mismatch';
}
