/**
 * The random operation sequences the conformance check runs on both stores, and their
 * arbitraries. Every operation is a value with a readable `toString()` (what fast-check prints
 * for a shrunk counterexample) and says what to ask, in the store's terms: keys without the
 * sequence's prefix, revisions counted from the sequence's own start (1 = before its first
 * write), the way a fresh MvccStore counts them.
 *
 * Revisions are chosen relative to the store's revision when the op runs ({@link RevisionPick}),
 * so that a shrunk sequence keeps reading "two writes back" rather than a number that no longer
 * exists.
 *
 * @example
 * ```text
 * put a = "1" · put b = "2" · delete [a, b) prevKv · range [a, \0) limit 1 @now-2 · compact @now-1
 * · txn if version(a) = 0 then [put a = "x"] else [range a] · watch [a, b) from @now-3 prevKv
 * ```
 */
import fc from 'fast-check';
import type { CompareResult, CompareTarget } from '@kube/etcd';

/**
 * The keys a sequence uses: prefixes of each other (a, aa, ab), neighbours (b, ba), and characters
 * whose UTF-8 byte order differs from UTF-16 order (U+E000 sorts before U+1F600 in bytes, after
 * it in UTF-16 units), to check that both stores order keys by bytes.
 */
export const KEYS = ['a', 'aa', 'ab', 'b', 'ba', 'c', 'é', 'z\uE000', 'z\u{1F600}'] as const;
/** The values: the empty value (which the gateway leaves out), and a non-ASCII one. */
export const VALUES = ['', '1', '2', 'x', 'é€'] as const;

/** A revision, relative to the store's current revision when the op runs. */
export type RevisionPick =
  | { kind: 'now' } // 0: the latest
  | { kind: 'back'; n: number } // current - n (0 or below: the latest, as etcd reads rev <= 0)
  | { kind: 'ahead'; n: number }; // current + n: a future revision

/** The revision `pick` names when the store is at `current`. */
export function resolveRevision(pick: RevisionPick, current: number): number {
  switch (pick.kind) {
    case 'now':
      return 0;
    case 'back':
      return current - pick.n;
    case 'ahead':
      return current + pick.n;
  }
}

function showRevision(pick: RevisionPick): string {
  return pick.kind === 'now' ? '' : ` @now${pick.kind === 'back' ? '-' : '+'}${pick.n}`;
}

/** How an op's range ends. */
export type RangeEnd =
  | { kind: 'single' } // just the key
  | { kind: 'prefix' } // every key starting with the key: rangeEnd = prefixEnd(key)
  | { kind: 'to'; end: string } // [key, end): empty when end <= key
  | { kind: 'fromKey' }; // '\0': every key >= key (only this sequence's: see keyspace.ts)

/** `[key, end)` as text: `a`, `a*`, `[a, b)`, `[a, \0)`. */
export function showRange(key: string, end: RangeEnd): string {
  const k = JSON.stringify(key).slice(1, -1);
  switch (end.kind) {
    case 'single':
      return k;
    case 'prefix':
      return `${k}*`;
    case 'to':
      return `[${k}, ${JSON.stringify(end.end).slice(1, -1)})`;
    case 'fromKey':
      return `[${k}, \\0)`;
  }
}

/** The code-point successor of a prefix, as etcd's GetPrefixRangeEnd (our keys never end in U+10FFFF). */
function prefixEnd(prefix: string): string {
  const chars = Array.from(prefix);
  const last = chars.pop()!.codePointAt(0)!;
  return chars.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
}

/** A {@link RangeEnd} as the rangeEnd argument of the store (undefined: one key). */
export function rangeEndOf(key: string, end: RangeEnd): string | undefined {
  switch (end.kind) {
    case 'single':
      return undefined;
    case 'prefix':
      return prefixEnd(key);
    case 'to':
      return end.end;
    case 'fromKey':
      return '\0';
  }
}

export interface PutOp {
  type: 'put';
  key: string;
  value: string;
  prevKv: boolean;
}
export interface DeleteOp {
  type: 'delete';
  key: string;
  end: RangeEnd;
  prevKv: boolean;
}
export interface RangeOp {
  type: 'range';
  key: string;
  end: RangeEnd;
  limit: number;
  keysOnly: boolean;
  countOnly: boolean;
  revision: RevisionPick;
}
export interface CompareSpec {
  key: string;
  target: CompareTarget;
  result: CompareResult;
  /** for value: a value; for the others: a number, or a revision relative to now (`back`) */
  value: string | number | RevisionPick;
}
export interface TxnOp {
  type: 'txn';
  compare: CompareSpec[];
  success: Array<PutOp | DeleteOp | RangeOp>;
  failure: Array<PutOp | DeleteOp | RangeOp>;
}
export interface CompactOp {
  type: 'compact';
  revision: RevisionPick;
}

/** One operation of a sequence. */
export type Op = PutOp | DeleteOp | RangeOp | TxnOp | CompactOp;

/** A watch of a sequence: opened before the ops (`live`) or after them, from a past revision. */
export interface WatchSpec {
  key: string;
  end: Exclude<RangeEnd, { kind: 'to' }>;
  prevKv: boolean;
  /** 'live': from the sequence's start, opened before its first op; else from a revision back from the end */
  from: 'live' | RevisionPick;
}

/** A whole sequence: its ops, in order, and its watches. */
export interface Sequence {
  ops: Op[];
  watches: WatchSpec[];
}

/** An op as one line of text. */
export function showOp(op: Op): string {
  switch (op.type) {
    case 'put':
      return `put ${showRange(op.key, { kind: 'single' })} = ${JSON.stringify(op.value)}${op.prevKv ? ' prevKv' : ''}`;
    case 'delete':
      return `delete ${showRange(op.key, op.end)}${op.prevKv ? ' prevKv' : ''}`;
    case 'range':
      return `range ${showRange(op.key, op.end)}${op.limit ? ` limit ${op.limit}` : ''}${op.keysOnly ? ' keysOnly' : ''}${op.countOnly ? ' countOnly' : ''}${showRevision(op.revision)}`;
    case 'txn': {
      const compare = op.compare.map((c) => {
        const value = typeof c.value === 'object' ? `@now${c.value.kind === 'back' ? `-${c.value.n}` : ''}` : JSON.stringify(c.value);
        return `${c.target}(${showRange(c.key, { kind: 'single' })}) ${c.result} ${value}`;
      });
      return `txn if ${compare.join(' && ') || 'true'} then [${op.success.map(showOp).join('; ')}] else [${op.failure.map(showOp).join('; ')}]`;
    }
    case 'compact':
      return `compact${showRevision(op.revision) || ' @now'}`;
  }
}

/** A watch as one line of text. */
export function showWatch(watch: WatchSpec): string {
  const from = watch.from === 'live' ? 'live' : `from${showRevision(watch.from) || ' @now'}`;
  return `watch ${showRange(watch.key, watch.end)} ${from}${watch.prevKv ? ' prevKv' : ''}`;
}

/** Gives `value` the `toString()` fast-check prints. */
function readable<T extends object>(value: T, show: (value: T) => string): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => show(value), enumerable: false });
  Object.defineProperty(value, 'toString', { value: () => show(value), enumerable: false });
  return value;
}

// ---- arbitraries -------------------------------------------------------------------------------

const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom(...VALUES);

/** Options of {@link sequenceArbitrary}: which features the local store has, to leave out the rest. */
export interface Features {
  compact: boolean;
  txn: boolean;
  watch: boolean;
  /**
   * Also generate the cases where the reference store is known to differ from etcd 3.4
   * (docs/conformance.md, "What it found"): a put in a txn branch under a delete to the end of the
   * keyspace.
   */
  knownDifferences: boolean;
}

const rangeEnd: fc.Arbitrary<RangeEnd> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'single' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'prefix' as const }) },
  { weight: 2, arbitrary: key.map((end) => ({ kind: 'to' as const, end })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'fromKey' as const }) },
);

const back = (max: number) => fc.integer({ min: 0, max }).map((n): RevisionPick => ({ kind: 'back', n }));
const pastOrNow: fc.Arbitrary<RevisionPick> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'now' as const }) },
  { weight: 4, arbitrary: back(8) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }).map((n): RevisionPick => ({ kind: 'ahead', n })) },
);

const put: fc.Arbitrary<PutOp> = fc.record({ type: fc.constant('put' as const), key, value, prevKv: fc.boolean() });
const del: fc.Arbitrary<DeleteOp> = fc.record({ type: fc.constant('delete' as const), key, end: rangeEnd, prevKv: fc.boolean() });
const rangeWith = (revision: fc.Arbitrary<RevisionPick>): fc.Arbitrary<RangeOp> =>
  fc.record({
    type: fc.constant('range' as const),
    key,
    end: rangeEnd,
    limit: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) }),
    keysOnly: fc.boolean(),
    countOnly: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    revision,
  });

function compareSpec(): fc.Arbitrary<CompareSpec> {
  const result = fc.constantFrom<CompareResult>('=', '!=', '<', '>');
  return fc.oneof(
    fc.record({ key, target: fc.constant<CompareTarget>('value'), result, value }),
    fc.record({ key, target: fc.constant<CompareTarget>('version'), result, value: fc.integer({ min: 0, max: 3 }) }),
    fc.record({
      key,
      target: fc.constantFrom<CompareTarget>('createRevision', 'modRevision'),
      result,
      value: fc.oneof(fc.constant(0), back(4)),
    }),
  );
}

/** A txn's branch: a few puts, deletes and ranges (a range may ask for the txn's own revision: a future one). */
function branch(features: Features): fc.Arbitrary<Array<PutOp | DeleteOp | RangeOp>> {
  const revision: fc.Arbitrary<RevisionPick> = fc.oneof(fc.constant({ kind: 'now' as const }), back(4), fc.constant({ kind: 'ahead' as const, n: 1 }));
  const op = fc.oneof(put, del, rangeWith(revision)) as fc.Arbitrary<PutOp | DeleteOp | RangeOp>;
  const ops = fc.array(op, { maxLength: 3 });
  return features.knownDifferences ? ops : ops.filter((ops) => !putUnderFromKeyDelete(ops));
}

/**
 * A known difference: etcd 3.4's duplicate-key check (checkIntervals) takes a delete to the end of
 * the keyspace (rangeEnd '\0') as the empty interval [key, "\0"), so it lets a put of a key >= key
 * share the branch; the store refuses it as a duplicate key.
 */
function putUnderFromKeyDelete(ops: ReadonlyArray<PutOp | DeleteOp | RangeOp>): boolean {
  return ops.some((d) => d.type === 'delete' && d.end.kind === 'fromKey' && ops.some((p) => p.type === 'put' && compareCodePoints(p.key, d.key) >= 0));
}

/** Code point order, which is UTF-8 byte order. */
function compareCodePoints(a: string, b: string): number {
  const [x, y] = [Array.from(a), Array.from(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** One op of a sequence, with the features the local store has. */
export function opArbitrary(features: Features): fc.Arbitrary<Op> {
  const choices: Array<fc.WeightedArbitrary<Op>> = [
    { weight: 6, arbitrary: put },
    { weight: 2, arbitrary: del },
    { weight: 4, arbitrary: rangeWith(pastOrNow) },
  ];
  if (features.compact) {
    choices.push({
      weight: 2,
      arbitrary: fc.oneof({ weight: 5, arbitrary: back(6) }, { weight: 1, arbitrary: fc.constant({ kind: 'ahead' as const, n: 1 }) }).map((revision): CompactOp => ({ type: 'compact', revision })),
    });
  }
  if (features.txn) {
    choices.push({
      weight: 3,
      arbitrary: fc.record({ type: fc.constant('txn' as const), compare: fc.array(compareSpec(), { maxLength: 2 }), success: branch(features), failure: branch(features) }),
    });
  }
  return fc.oneof(...choices).map((op) => readable(op, showOp));
}

const watchSpec: fc.Arbitrary<WatchSpec> = fc
  .record({
    key,
    end: fc.constantFrom({ kind: 'single' as const }, { kind: 'prefix' as const }, { kind: 'fromKey' as const }),
    prevKv: fc.boolean(),
    from: fc.oneof(fc.constant('live' as const), fc.integer({ min: 1, max: 10 }).map((n): RevisionPick => ({ kind: 'back', n }))),
  })
  .map((watch) => readable(watch, showWatch));

/** A sequence: 1 to `maxOps` ops, and up to two watches when the local store can watch. */
export function sequenceArbitrary(features: Features, maxOps = 30): fc.Arbitrary<Sequence> {
  return fc
    .record({
      ops: fc.array(opArbitrary(features), { minLength: 1, maxLength: maxOps, size: 'max' }),
      watches: features.watch ? fc.array(watchSpec, { maxLength: 2 }) : fc.constant<WatchSpec[]>([]),
    })
    .map((sequence) => readable(sequence, (s) => [...s.watches.map(showWatch), ...s.ops.map(showOp)].join(' · ')));
}
