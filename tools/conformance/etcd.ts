/**
 * `npm run conformance:etcd [-- --runs N --seed N --path P --max-ops N --known-differences]`:
 * a real etcd 3.4 as the judge of the store.
 *
 * A fast-check property: random sequences of operations (puts, deletes, ranges with limits,
 * prefixes and past revisions, txns, compactions, watches) run on a fresh local store (`@kube/etcd`:
 * your katas by default, the reference with KATA_TARGET=solutions) and on a real etcd started for
 * the run; every answer must be the same — revisions, createRevision/modRevision/version, values,
 * count/more, deleted, prevKv(s), txn outcomes, watch events, and errors (etcd's messages).
 *
 * Exit codes: 0 every sequence agreed; 1 a mismatch (printed, shrunk, with the command that
 * replays it); 2 bad arguments; 3 no etcd to compare with (a clear message; CI=true says that CI
 * requires it). docs/conformance.md has the details.
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import * as local from '@kube/etcd';
import { DEFAULT_SEED } from '../lib/seed.ts';
import { EtcdGateway } from './etcd-gateway.ts';
import { EtcdUnavailable, startEtcd, type EtcdProcess } from './etcd-process.ts';
import { runSequence, Tally } from './run-sequence.ts';
import { sequenceArbitrary, type Features } from './sequence.ts';
import { EtcdSide, LocalSide } from './sides.ts';

const EXIT_MISMATCH = 1;
const EXIT_USAGE = 2;
const EXIT_NO_ETCD = 3;

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      path: { type: 'string' },
      'max-ops': { type: 'string' },
      'known-differences': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}
try {
  args = parse();
} catch (error) {
  console.error(`${(error as Error).message}\nUsage: npm run conformance:etcd -- [--runs N] [--seed N] [--path P] [--max-ops N] [--known-differences]`);
  process.exit(EXIT_USAGE);
}
if (args.help) {
  console.log('Usage: npm run conformance:etcd -- [--runs N (200)] [--seed N] [--path P] [--max-ops N (30)] [--known-differences]');
  process.exit(0);
}

function wholeNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    console.error(`--${name} ${text}: expected a whole number`);
    process.exit(EXIT_USAGE);
  }
  return value;
}
const runs = wholeNumber('runs', args.runs, 200);
const seed = wholeNumber('seed', args.seed ?? process.env.KATA_SEED, DEFAULT_SEED) | 0;
const maxOps = wholeNumber('max-ops', args['max-ops'], 30);
const target = process.env.KATA_TARGET || 'katas';

// ---- which katas the local store has done --------------------------------------------------------

/** True when `probe` runs; false when it reaches code that is still a kata's NotImplemented. */
function implemented(probe: () => unknown): boolean {
  try {
    probe();
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotImplemented') return false;
    throw error;
  }
}

if (!implemented(() => new local.MvccStore().put('a', '1'))) {
  console.error(`The store of ${target}/etcd does not write yet (kata 02, the multi-version store, is not done):`);
  console.error('finish kata 02 first, or check the reference store with KATA_TARGET=solutions npm run conformance:etcd.');
  process.exit(EXIT_MISMATCH);
}
const features: Features = {
  compact: implemented(() => {
    const store = new local.MvccStore();
    store.put('a', '1');
    store.compact(2);
  }),
  txn: typeof (local as Record<string, unknown>).txn === 'function' && implemented(() => local.txn(new local.MvccStore(), {})),
  watch: implemented(() => new local.WatchableStore(new local.MvccStore()).watch({ key: 'a' }).poll()),
  knownDifferences: args['known-differences'] ?? false,
};
const skipped = Object.entries({ compact: 'compaction (kata 05)', txn: 'transactions (kata 03)', watch: 'watch (kata 04)' })
  .filter(([feature]) => !features[feature as keyof Features])
  .map(([, what]) => what);

// ---- etcd ----------------------------------------------------------------------------------------

let etcd: EtcdProcess;
try {
  etcd = await startEtcd();
} catch (error) {
  if (!(error instanceof EtcdUnavailable)) throw error;
  console.error(`npm run conformance:etcd: no etcd to compare the store with, so nothing was checked.\n${error.message}`);
  if (process.env.CI) console.error('CI requires this check: .ci/run installs etcd-server when it is missing.');
  process.exit(EXIT_NO_ETCD);
}

let exitCode = 0;
try {
  const gateway = new EtcdGateway(etcd.endpoint);
  console.log(`etcd ${etcd.version} (${etcd.bin}) on ${etcd.endpoint} · store: ${target}/etcd · ${runs} sequences of up to ${maxOps} ops · seed ${seed}`);
  if (!etcd.version.startsWith('3.4.')) console.log(`note: this check is written for etcd 3.4's semantics; ${etcd.version} may differ in places.`);
  if (skipped.length) console.log(`not checked (not implemented in ${target}/etcd yet): ${skipped.join(', ')}`);

  let sequences = 0;
  const tally = new Tally();
  const started = performance.now();
  const property = fc.asyncProperty(sequenceArbitrary(features, maxOps), async (sequence) => {
    const remote = await EtcdSide.open(gateway, ++sequences);
    await runSequence(sequence, new LocalSide(), remote, tally);
  });
  const details = await fc.check(property, { numRuns: runs, seed, ...(args.path ? { path: args.path } : {}) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (details.failed) {
    exitCode = EXIT_MISMATCH;
    console.log(`\nFAILED: the store and etcd ${etcd.version} disagree (${sequences} sequences run, ${seconds} s).`);
    console.log(fc.defaultReportMessage(details) ?? '');
    const error = details.errorInstance;
    console.log(`\n${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    const replay = `KATA_TARGET=${target} npm run conformance:etcd -- --seed=${details.seed} --path ${details.counterexamplePath ?? ''}${args['max-ops'] ? ` --max-ops ${maxOps}` : ''}${features.knownDifferences ? ' --known-differences' : ''}`;
    console.log(`\nReplay it: ${replay}\n`);
  } else {
    console.log(`ok: ${details.numRuns} random sequences, the store agrees with etcd ${etcd.version} (${seconds} s)`);
    console.log(tally.toString());
  }
} finally {
  await etcd.stop();
}
process.exit(exitCode);
