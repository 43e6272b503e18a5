/**
 * The shapes of kata 29's cluster: how to ask for one ({@link ClusterOptions}), the settings a test
 * may shorten ({@link ClusterSettings}), and the trace every component writes as it starts and
 * stops ({@link TraceEntry}) — what the tests read to hold the start-up order to its reasons.
 * Given code.
 *
 * @example
 * ```ts
 * const trace: TraceEntry[] = [];
 * const cluster = await startCluster({ nodes: 2, runtime: 'fake', dataDir, clock, onTrace: (e) => trace.push(e) });
 * trace.map((e) => `${e.component} ${e.phase}`);
 * // ['etcd starting', 'etcd ready', 'kube-apiserver starting', 'kube-apiserver ready', 'bootstrap ready', ...]
 * ```
 */
import type { ApiClient } from '@kube/apiserver';
import type { Clock, Random } from '@kube/kit';
import type { ExplanationRecorder } from '@kube/scheduler';
import type { ExternalStorage } from './control-plane.ts';

/** Which runtime the nodes run pods with: real processes (kata 22's ProcessRuntime) or the FakeRuntime. */
export type RuntimeKind = 'process' | 'fake';

/**
 * How the components reach the apiserver: over HTTPS with a token each (a real cluster), or by
 * calling its registry in this process (`local`: no socket at all, for simulations on a FakeClock).
 */
export type Transport = 'https' | 'local';

/** Durations a test may shorten; everything else is upstream's default. */
export interface ClusterSettings {
  /** kube-controller-manager `--node-monitor-grace-period`: 50 s in v1.32 */
  nodeMonitorGracePeriodMs: number;
  /** kube-controller-manager `--leader-elect-lease-duration`: 15 s */
  leaderLeaseDurationMs: number;
  /** `--leader-elect-renew-deadline`: 10 s */
  leaderRenewDeadlineMs: number;
  /** `--leader-elect-retry-period`: 2 s */
  leaderRetryPeriodMs: number;
}

/** Upstream's defaults (kube-controller-manager v1.32). */
export const DEFAULT_SETTINGS: ClusterSettings = {
  nodeMonitorGracePeriodMs: 50_000,
  leaderLeaseDurationMs: 15_000,
  leaderRenewDeadlineMs: 10_000,
  leaderRetryPeriodMs: 2_000,
};

/** What to start. */
export interface ClusterOptions {
  /** how many nodes; default 1 */
  nodes?: number;
  /** default `process` */
  runtime?: RuntimeKind;
  /**
   * where the store's write-ahead log, the certificates, the kubeconfig and the nodes' pods live;
   * needed over HTTPS; without it (transport `local`) the store is in memory
   */
  dataDir?: string;
  /** default the real clock */
  clock?: Clock;
  /** the scheduler's ties, tokens and names; default seeded from the clock */
  random?: Random;
  /** the apiserver's address; default 127.0.0.1 */
  host?: string;
  /** the apiserver's port; default 0 (any free one; a restart keeps the one it got) */
  port?: number;
  /** default `https` */
  transport?: Transport;
  /** kube-apiserver `--service-cluster-ip-range`; default 127.96.0.0/12 (10.96.0.0/12 moved into loopback) */
  serviceCIDR?: string;
  /** where cluster DNS listens; default 127.96.0.10:10053 (port 0: any free one) */
  dns?: { host?: string; port?: number };
  settings?: Partial<ClusterSettings>;
  /** told of every component's start and stop, in order */
  onTrace?: (entry: TraceEntry) => void;
  /** keep the objects in this store instead of kata 06's: a real etcd (`npm run cluster -- --etcd-servers URL`) */
  storage?: ExternalStorage;
  /** the scheduler records why each pod went where (kata 16's explain): `npm run cluster` keeps the last 200 */
  explain?: ExplanationRecorder;
  /** tests: wraps the client each component gets (`kube-scheduler`, `kubelet node-1`, ...), to inject faults */
  wrapClient?: (client: ApiClient, component: string) => ApiClient;
  /** a component's line for the log (failures it retries); default: nothing */
  log?: (component: string, line: string) => void;
}

/** A step of a component's life. */
export type TracePhase = 'starting' | 'ready' | 'stopping' | 'stopped';

/** One line of the trace: `kube-scheduler ready`, `kubelet node-2 stopping`. */
export interface TraceEntry {
  component: string;
  phase: TracePhase;
}

/** Writes the trace, and the log line of a component. */
export class Tracer {
  constructor(private readonly options: Pick<ClusterOptions, 'onTrace' | 'log'>) {}

  /** Records a phase of a component. */
  trace(component: string, phase: TracePhase): void {
    this.options.onTrace?.({ component, phase });
  }

  /** Runs `work` between `starting` and `ready` (or between `stopping` and `stopped`). */
  async step<T>(component: string, phases: 'start' | 'stop', work: () => Promise<T>): Promise<T> {
    this.trace(component, phases === 'start' ? 'starting' : 'stopping');
    const result = await work();
    this.trace(component, phases === 'start' ? 'ready' : 'stopped');
    return result;
  }

  /** A line for the log. */
  log(component: string, line: string): void {
    this.options.log?.(component, line);
  }
}
