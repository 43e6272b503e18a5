/**
 * `npm run controller-manager` — runs every controller of Part IV that exists (your katas; the
 * reference with KATA_TARGET=solutions) against the apiserver of a kubeconfig, as
 * kube-controller-manager does: shared informers, events through the API, leader election on the
 * Lease kube-system/kube-controller-manager.
 *
 * ```
 * $ npm run apiserver &                 # writes .kubekata/kubeconfig
 * $ npm run controller-manager
 * controller-manager (your katas) against https://127.0.0.1:6443 as host_1b2c...
 *   kata 19 (The Deployment controller) is not finished: the deployment controller is the reference's (borrowed)
 * leader election: waiting for the Lease kube-system/kube-controller-manager
 * became the leader: running replicaset, deployment, nodelifecycle, taint-eviction
 * ```
 *
 * Options: --kubeconfig FILE (default .kubekata/kubeconfig), --controllers a,b (default: all),
 * --leader-elect=false, --leader-elect-lease-duration 15s, --leader-elect-renew-deadline 10s,
 * --leader-elect-retry-period 2s (upstream's flags and defaults), --identity NAME (default
 * `<hostname>_<uuid>`), -v (log every failed sync).
 *
 * A controller whose kata is unfinished (its code still throws NotImplemented) is taken from the
 * reference solutions, and the tool says so; if the informers of kata 17 are unfinished, every
 * controller is the reference's.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient, isStatusError, selectorFromObject, SERVER_VERSION } from '@kube/apiserver';
import * as mine from '@kube/controllers';
import { isNotImplemented, RealClock } from '@kube/kit';
import { loadKatas } from './lib/katas.ts';
import { KubeconfigError, readKubeconfig, useConnection, type Connection } from './lib/kubeconfig.ts';
import { c } from './lib/report.ts';
import { resolveTargets, ROOT } from './lib/targets.ts';

const usage =
  'usage: npm run controller-manager -- [--kubeconfig FILE] [--controllers a,b] [--leader-elect=false] [--leader-elect-lease-duration 15s] [--leader-elect-renew-deadline 10s] [--leader-elect-retry-period 2s] [--identity NAME] [--terminated-pod-gc-threshold 12500] [-v]';

function fail(message: string): never {
  console.error(c.red(message));
  console.error(usage);
  process.exit(2);
}

const args = (() => {
  try {
    return parseArgs({
    options: {
      kubeconfig: { type: 'string', default: process.env.KUBECONFIG ?? join(ROOT, '.kubekata', 'kubeconfig') },
      controllers: { type: 'string', default: '*' },
      'leader-elect': { type: 'string', default: 'true' },
      'leader-elect-lease-duration': { type: 'string', default: '15s' },
      'leader-elect-renew-deadline': { type: 'string', default: '10s' },
      'leader-elect-retry-period': { type: 'string', default: '2s' },
      identity: { type: 'string' },
      'terminated-pod-gc-threshold': { type: 'string', default: '12500' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
  } catch (error) {
    fail((error as Error).message);
  }
})();
if (args.help) {
  console.log(usage);
  process.exit(0);
}

/** `15s`, `500ms`, `1m` as milliseconds, or a message naming the option. */
function duration(option: string): number {
  const text = String(args[option as keyof typeof args]);
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) fail(`--${option} ${text} is not a duration: write it like 15s, 500ms or 1m.`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
}
if (args['leader-elect'] !== 'true' && args['leader-elect'] !== 'false') fail(`--leader-elect=${args['leader-elect']}: give true or false.`);
if (!/^\d+$/.test(args['terminated-pod-gc-threshold']!)) fail(`--terminated-pod-gc-threshold ${args['terminated-pod-gc-threshold']}: give a whole number of finished pods to keep (0 keeps them all).`);
const terminatedPodThreshold = Number(args['terminated-pod-gc-threshold']);
const election = { leaseDurationMs: duration('leader-elect-lease-duration'), renewDeadlineMs: duration('leader-elect-renew-deadline'), retryPeriodMs: duration('leader-elect-retry-period') };
if (!(election.leaseDurationMs > election.renewDeadlineMs && election.renewDeadlineMs > election.retryPeriodMs)) {
  fail('leader election needs lease duration > renew deadline > retry period (15s > 10s > 2s by default).');
}

// ---- the apiserver's client code: the controllers call it (isStatusError, selectors) -----------------

/** Can the controllers use the apiserver component's client code, or is it still a starter? */
function apiserverClientReady(): boolean {
  try {
    isStatusError(new Error('probe'), 'NotFound');
    selectorFromObject({ matchLabels: { app: 'web' } }).matches({ app: 'web' });
    return true;
  } catch (error) {
    if (isNotImplemented(error)) return false;
    throw error;
  }
}
if (!apiserverClientReady()) {
  // The import resolution is fixed when the process starts: run again with etcd and the apiserver borrowed.
  const borrowed = [...new Set([...resolveTargets().borrowed, 'etcd', 'apiserver'])].join(',');
  console.log(c.dim(`  the apiserver's code the controllers call (katas 07-08) is not finished: borrowing the reference's etcd and apiserver for this run`));
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, KATA_BORROWED: borrowed } });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  await new Promise(() => {}); // until the child exits
}

// ---- the kubeconfig -----------------------------------------------------------------------------

let connection: Connection;
try {
  connection = readKubeconfig(args.kubeconfig);
} catch (error) {
  if (error instanceof KubeconfigError) fail(error.message);
  throw error;
}
// The HttpClient speaks fetch; its TLS (the cluster's CA, the client certificate) is the dispatcher's.
useConnection(connection);
const client = new HttpClient(connection.server, { ...(connection.token && { token: connection.token }), userAgent: `kube-controller-manager/${SERVER_VERSION.gitVersion} (${process.platform}/${process.arch}) kubekata` });
try {
  await client.namespaces().list({ limit: 1 });
} catch (error) {
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  fail(`cannot reach the apiserver at ${connection.server}: ${(error as Error).message}${cause ? ` (${cause})` : ''}. Is it running? npm run apiserver starts one.`);
}

// ---- whose code: yours, or the reference's where yours is unfinished ---------------------------------

type Lib = typeof mine;
const targets = resolveTargets();
const yours = !(targets.components.controllers ?? '').startsWith(join(ROOT, 'solutions'));
const katas = loadKatas().filter((k) => k.component === 'controllers');
/** A kata is unfinished while a file of it still throws its NotImplemented. */
const unfinished = (number: string) =>
  yours &&
  katas.some((k) => k.number === number && k.files.some((f) => {
    const file = join(targets.katasDir, f.replace(/^katas\//, ''));
    return existsSync(file) && readFileSync(file, 'utf8').includes(`NotImplemented('${number}'`);
  }));
const titleOf = (number: string) => katas.find((k) => k.number === number)?.title ?? `kata ${number}`;
let reference: Lib | undefined;
async function referenceLib(why: string): Promise<Lib> {
  if (!existsSync(join(ROOT, 'solutions', 'controllers', 'index.ts'))) {
    fail(`${why}, and this edition has no reference solutions to borrow: finish it first (npm run kata -- list).`);
  }
  reference ??= (await import(join(ROOT, 'solutions', 'controllers', 'index.ts'))) as Lib;
  return reference;
}

const notes: string[] = [];
const base: Lib = unfinished('17') ? await referenceLib('kata 17 (informers) is not finished') : mine;
if (base !== mine) notes.push(`kata 17 (${titleOf('17')}) is not finished: every controller and informer is the reference's (borrowed)`);

/** The library a kata's controllers come from: yours if it is finished, else the reference's (said once). */
async function libFor(number: string, names: string): Promise<Lib | undefined> {
  if (base !== mine) return base;
  if (!unfinished(number)) return mine;
  notes.push(`kata ${number} (${titleOf(number)}) is not finished: ${names} ${names.includes(',') ? 'are' : 'is'} the reference's (borrowed)`);
  return referenceLib(`kata ${number} is not finished`);
}

type Ctor = new (options: Record<string, unknown>) => mine.RunnableController;
/** A controller class of `lib` by name, if that kata has made it yet. */
const classOf = (lib: Lib | undefined, name: string) => (lib as Record<string, unknown> | undefined)?.[name] as Ctor | undefined;

const wanted = args.controllers === '*' ? undefined : new Set(args.controllers.split(',').map((s) => s.trim()));
const candidates: { name: string; component: string; kata: string; className: string; podEvents?: boolean; workers?: number }[] = [
  { name: 'replicaset', component: 'replicaset-controller', kata: '18', className: 'ReplicaSetController', podEvents: true },
  { name: 'deployment', component: 'deployment-controller', kata: '19', className: 'DeploymentController' },
  { name: 'nodelifecycle', component: 'node-controller', kata: '20', className: 'NodeLifecycleController', workers: 1 },
  { name: 'taint-eviction', component: 'taint-eviction-controller', kata: '20', className: 'TaintEvictionController' },
  { name: 'endpoints', component: 'endpoint-controller', kata: '21', className: 'EndpointsController' },
  { name: 'endpointslice', component: 'endpointslice-controller', kata: '21', className: 'EndpointSliceController' },
  { name: 'namespace', component: 'namespace-controller', kata: '21', className: 'NamespaceController' },
  { name: 'garbagecollector', component: 'garbage-collector-controller', kata: '21', className: 'GarbageCollector' },
  // given code on kata 17's informers: every namespace's ServiceAccount "default", and its ConfigMap "kube-root-ca.crt"
  // with the CA the kubeconfig trusts (upstream's default without --root-ca-file: its client's CA)
  { name: 'serviceaccount', component: 'service-account-controller', kata: '17', className: 'ServiceAccountsController', workers: 1 },
  { name: 'root-ca-cert-publisher', component: 'root-ca-cert-publisher', kata: '17', className: 'RootCACertPublisher', workers: 1 },
  // given code on kata 17's informers, as the cluster's controller manager runs them: Jobs, CronJobs, and the pods of deleted nodes force-deleted
  { name: 'job', component: 'job-controller', kata: '17', className: 'JobController', podEvents: true },
  { name: 'cronjob', component: 'cronjob-controller', kata: '17', className: 'CronJobController' },
  { name: 'podgc', component: 'pod-garbage-collector', kata: '17', className: 'PodGCController' },
];
if (wanted) for (const name of wanted) if (!candidates.some((d) => d.name === name)) fail(`--controllers: there is no controller "${name}"; the controllers are ${candidates.map((d) => d.name).join(', ')}.`);
const descriptors: mine.ControllerDescriptor[] = [];
for (const candidate of candidates) {
  if (wanted && !wanted.has(candidate.name)) continue;
  if (!katas.some((k) => k.number === candidate.kata) || !classOf(mine, candidate.className)) continue; // not in the workbook yet
  if (candidate.name === 'root-ca-cert-publisher' && !connection.ca) {
    if (wanted) notes.push(`the root-ca-cert-publisher controller does not run: the kubeconfig gives no certificate-authority to publish`);
    continue;
  }
  const lib = await libFor(candidate.kata, `the ${candidate.name} controller`);
  const Controller = classOf(lib, candidate.className);
  if (!Controller) continue;
  descriptors.push({
    name: candidate.name,
    component: candidate.component,
    ...(candidate.podEvents && { podEvents: true }),
    ...(candidate.workers !== undefined && { workers: candidate.workers }),
    // the events kube-controller-manager's node controllers record, as the cluster's (controller-events.ts)
    ...(candidate.name === 'nodelifecycle' && { events: base.nodeLifecycleEventsClient }),
    ...(candidate.name === 'taint-eviction' && { events: base.taintEvictionEventsClient }),
    make: (context) => {
      if (candidate.name === 'nodelifecycle') base.recordRegisteredNodes(context.factory.nodes(), context.recorder);
      return new Controller({
        ...context,
        // Jobs own their pods, and CronJobs their Jobs: the garbage collector follows those owners too, as the cluster's does.
        ...(candidate.name === 'garbagecollector' && { resources: [...base.GC_RESOURCES, 'jobs', 'cronjobs'] }),
        ...(candidate.name === 'podgc' && { terminatedPodThreshold }),
        ...(candidate.name === 'root-ca-cert-publisher' && { rootCA: connection.ca }),
        onError: (...failure: unknown[]) => {
          if (args.verbose) context.onError(failure.length > 1 ? failure[0] : candidate.name, failure.at(-1));
        },
      });
    },
  });
}
if (descriptors.length === 0) fail('no controller to run: --controllers names none that the workbook has yet.');

// ---- run, under leader election ----------------------------------------------------------------------

const clock = new RealClock();
const identity = args.identity ?? `${hostname()}_${randomUUID()}`;
const log = (line: string) => console.log(`${new Date(clock.now()).toISOString().slice(11, 19)} ${line}`);
const manager = new base.ControllerManager({ client, clock, identity, controllers: descriptors, factory: new base.SharedInformerFactory({ client, clock }), log });
const target = process.env.KATA_TARGET === 'solutions' ? 'the reference solutions' : 'your katas';
console.log(`controller-manager (${target}) against ${c.bold(connection.server)} as ${identity}`);
for (const note of [...new Set(notes)]) console.log(c.dim(`  ${note}`));

let stopping = false;
async function startControllers(): Promise<void> {
  await manager.start();
  log(`running ${manager.names().join(', ')}`);
}

if (args['leader-elect'] === 'false') {
  const shutdown = () => void manager.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await startControllers();
} else {
  const elector = new base.LeaderElector({ client, clock, identity, ...election, releaseOnStop: true, onError: (error) => args.verbose && log(`leader election: ${(error as Error).message}`) });
  log(`leader election: campaigning for the Lease kube-system/kube-controller-manager`);
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await elector.stop();
    await manager.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  await elector.run({
    onNewLeader: (holder) => log(holder === identity ? 'leader election: this one leads' : `leader election: ${holder} leads; waiting`),
    onStartedLeading: async () => {
      log('became the leader');
      await startControllers();
    },
    onStoppedLeading: async () => {
      if (stopping) return;
      log(c.red('leader election lost: stopping (kube-controller-manager exits too, so that two never act at once)'));
      await manager.stop();
      process.exit(1);
    },
  });
}
