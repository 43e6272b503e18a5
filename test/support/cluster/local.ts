/**
 * Kata 29's clusters for tests: in one process on a FakeClock (transport `local`, FakeRuntime, the
 * store in memory) where nothing happens unless the test moves the clock, and over HTTPS (fake
 * runtime, a temporary data dir, DNS on a free port, a service range of the test's own) where the
 * servers are real.
 *
 * @example
 * ```ts
 * const { cluster, clock, settle } = await localCluster({ nodes: 2 });
 * await cluster.client.resource('deployments', 'default').create(makeDeployment('web', { replicas: 3 }));
 * await settle();                 // the ReplicaSet, 3 pods, bound, Running
 * await cluster.stop();
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster, type ClusterOptions, type TraceEntry } from '@kube/cluster';
import { FakeClock, Random, type Pod } from '@kube/kit';

export const START = Date.UTC(2026, 0, 1);

/** A cluster on a FakeClock, and how to let it run. */
export interface LocalCluster {
  cluster: Cluster;
  clock: FakeClock;
  trace: TraceEntry[];
  /** lets every component act on what happened, with no time passing */
  settle(): Promise<void>;
  /** moves the clock in steps of at most 1 s (every timer fires in order), settling after each */
  advance(ms: number): Promise<void>;
}

/** How many turns of the event loop a settle allows: a Deployment's whole chain needs a few dozen. */
const SETTLE_ROUNDS = 60;

/** Starts a cluster in this process, transport `local`, FakeRuntime, store in memory. */
export async function localCluster(options: Partial<ClusterOptions> = {}): Promise<LocalCluster> {
  const clock = new FakeClock(START);
  const trace: TraceEntry[] = [];
  const settle = async (): Promise<void> => {
    for (let i = 0; i < SETTLE_ROUNDS; i++) await clock.advance(0);
  };
  const advance = async (ms: number): Promise<void> => {
    for (let left = ms; left > 0; left -= 1000) {
      await clock.advance(Math.min(1000, left));
      await settle();
    }
  };
  const starting = startCluster({ nodes: 1, runtime: 'fake', transport: 'local', clock, random: new Random(29), onTrace: (e) => trace.push(e), ...options } as ClusterOptions);
  // The components wait on the clock as they start (informers' first lists, the lease): drive it.
  let started = false;
  void starting.finally(() => (started = true)).catch(() => {});
  while (!started) await clock.advance(0);
  const cluster = await starting;
  await settle();
  return { cluster, clock, trace, settle, advance };
}

/** A cluster over HTTPS on real sockets (fake runtime): a data dir, DNS on a free port, its own service range. */
export async function httpsCluster(options: Partial<ClusterOptions> = {}): Promise<{ cluster: Cluster; trace: TraceEntry[]; dataDir: string; cleanup(): void }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubekata-29-'));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  const trace: TraceEntry[] = [];
  const cluster = await startCluster({
    nodes: 2,
    runtime: 'fake',
    dataDir,
    host: '127.0.29.1',
    dns: { host: '127.0.29.53', port: 0 },
    serviceCIDR: '127.229.0.0/16',
    random: new Random(29),
    onTrace: (e) => trace.push(e),
    ...options,
  }).catch((error: unknown) => {
    cleanup(); // a cluster that did not start (a kata left to write) leaves no folder behind
    throw error;
  });
  return { cluster, trace, dataDir, cleanup };
}

/** `kube-apiserver ready` → its index in the trace (-1 when absent). */
export function at(trace: readonly TraceEntry[], line: string): number {
  return trace.findIndex((e) => `${e.component} ${e.phase}` === line);
}

/** Every trace line of components whose name starts with `prefix` and have `phase`. */
export function allAt(trace: readonly TraceEntry[], prefix: string, phase: TraceEntry['phase']): number[] {
  return trace.flatMap((e, i) => (e.component.startsWith(prefix) && e.phase === phase ? [i] : []));
}

/** Is the pod Running with its Ready condition True? */
export function runningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
