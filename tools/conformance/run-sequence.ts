/**
 * Runs one {@link Sequence} on both sides, op by op, and throws a {@link Mismatch} at the first
 * answer that differs: results compared as plain data (deep equal), errors by etcd's message.
 *
 * @example
 * ```text
 * Mismatch at op 3 of 5: range [a, \0) @now-1
 *   local: {"header":{"revision":3},"kvs":[...],"count":1,"more":false}
 *   etcd:  {"header":{"revision":3},"kvs":[...],"count":2,"more":false}
 * ```
 */
import { isDeepStrictEqual } from 'node:util';
import type { Compare, MvccRangeOptions, RequestOp, TxnRequest } from '@kube/etcd';
import type { EtcdSide, LocalSide, Side } from './sides.ts';
import { rangeEndOf, resolveRevision, showOp, type CompareSpec, type DeleteOp, type Op, type PutOp, type RangeOp, type Sequence } from './sequence.ts';
import { WatchPair } from './watches.ts';

/** The two sides disagree: what was asked, and both answers. */
export class Mismatch extends Error {
  override readonly name = 'Mismatch';
}

/** An answer or an error, as plain data. */
type Outcome = { ok: unknown } | { error: string };

/**
 * An error's message as etcd's clients see it, without what differs only in wording around it:
 * the local store leaves "etcdserver: " out of the mvcc errors (it uses mvcc's own text) and adds
 * particulars in parentheses ("(compacted at 3, asked 2)").
 */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^etcdserver: /, '').replace(/ \([^()]*\)$/, '');
}

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    // Through JSON: what is compared is data, without undefined fields or prototypes.
    return { ok: JSON.parse(JSON.stringify(await run())) };
  } catch (error) {
    if (error instanceof Error && error.name === 'NotImplemented') throw error;
    if (error instanceof Error && !['EtcdError', 'GatewayError'].includes(error.name)) {
      // Not an answer of either store: a crash (a TypeError in the local store, etcd unreachable).
      return { error: `${error.name}: ${error.message}${error.stack ? `\n${error.stack.split('\n').slice(1, 6).join('\n')}` : ''}` };
    }
    return { error: errorMessage(error) };
  }
}

/** The request an op of a txn's branch makes, with revisions resolved against `current`. */
function requestOp(op: PutOp | DeleteOp | RangeOp, current: number): RequestOp {
  switch (op.type) {
    case 'put':
      return { type: 'put', key: op.key, value: op.value, options: { prevKv: op.prevKv } };
    case 'delete':
      return { type: 'delete', key: op.key, rangeEnd: rangeEndOf(op.key, op.end), options: { prevKv: op.prevKv } };
    case 'range':
      return { type: 'range', key: op.key, rangeEnd: rangeEndOf(op.key, op.end), options: rangeOptions(op, current) };
  }
}

function rangeOptions(op: RangeOp, current: number): MvccRangeOptions {
  const revision = Math.max(0, resolveRevision(op.revision, current));
  return { limit: op.limit, keysOnly: op.keysOnly, countOnly: op.countOnly, ...(revision > 0 ? { revision } : {}) };
}

function compare(spec: CompareSpec, current: number): Compare {
  const value = typeof spec.value === 'object' ? Math.max(0, resolveRevision(spec.value, current)) : spec.value;
  return { key: spec.key, target: spec.target, result: spec.result, value };
}

/** Runs `op` on one side, its revisions resolved against `current` (the local store's revision). */
function call(side: Side, op: Op, current: number): Promise<unknown> {
  switch (op.type) {
    case 'put':
      return side.put(op.key, op.value, { prevKv: op.prevKv });
    case 'delete':
      return side.delete(op.key, rangeEndOf(op.key, op.end), { prevKv: op.prevKv });
    case 'range':
      return side.range(op.key, rangeEndOf(op.key, op.end), rangeOptions(op, current));
    case 'txn': {
      const request: TxnRequest = {
        compare: op.compare.map((c) => compare(c, current)),
        success: op.success.map((o) => requestOp(o, current)),
        failure: op.failure.map((o) => requestOp(o, current)),
      };
      return side.txn(request);
    }
    case 'compact':
      // A compaction at 0 or below would name a revision before the sequence: ask for 1 at least.
      return side.compact(Math.max(1, resolveRevision(op.revision, current)));
  }
}

const show = (outcome: Outcome) => ('ok' in outcome ? JSON.stringify(outcome.ok) : `error: ${JSON.stringify(outcome.error)}`);

/** What a run has compared so far: ops by kind, and the errors both sides agreed on. */
export class Tally {
  readonly ops = new Map<string, number>();
  readonly errors = new Map<string, number>();
  watches = 0;
  watchEvents = 0;
  watchesCompacted = 0;

  count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  toString(): string {
    const list = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ');
    return `ops compared: ${list(this.ops)}; watches: ${this.watches} (${this.watchEvents} events, ${this.watchesCompacted} refused as compacted); errors both gave: ${list(this.errors) || 'none'}`;
  }
}

/** Runs `sequence` on `local` and `remote`; throws a {@link Mismatch} at the first difference. */
export async function runSequence(sequence: Sequence, local: LocalSide, remote: EtcdSide, tally = new Tally()): Promise<void> {
  const watches = new WatchPair(local, remote);
  try {
    await watches.openLive(sequence.watches);
    for (const [i, op] of sequence.ops.entries()) {
      const current = local.revision;
      const mine = await outcome(() => call(local, op, current));
      const theirs = await outcome(() => call(remote, op, current));
      if (!isDeepStrictEqual(mine, theirs)) {
        throw new Mismatch(`at op ${i + 1} of ${sequence.ops.length}: ${showOp(op)}\n  local: ${show(mine)}\n  etcd:  ${show(theirs)}`);
      }
      tally.count(tally.ops, op.type === 'txn' && 'ok' in mine ? `txn (${(mine.ok as { succeeded: boolean }).succeeded ? 'success' : 'failure'})` : op.type);
      if ('error' in mine) tally.count(tally.errors, mine.error);
    }
    await watches.openPast(sequence.watches);
    const seen = await watches.compare();
    tally.watches += sequence.watches.length;
    tally.watchEvents += seen.events;
    tally.watchesCompacted += seen.compacted;
  } finally {
    watches.close();
  }
}
