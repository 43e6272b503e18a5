/**
 * Probes (kata 24): the kubelet asks each container, again and again, "are you alive?"
 * (liveness: no → restart it), "can you take traffic?" (readiness: drives the pod's Ready
 * condition and so its Services' endpoints), "have you finished starting?" (startup: until yes,
 * the other two wait). Upstream: `pkg/kubelet/prober/` — `prober.go` (the handlers and the
 * `Unhealthy` event), `worker.go` (one worker per container and probe: the period, the
 * thresholds), `prober_manager.go` (workers per pod, ready and started for the status),
 * `pkg/probe/{exec,http,tcp}`.
 *
 * @example A readiness probe that needs two successes and three failures to flip
 * ```ts
 * const worker = new ProbeWorker({ kind: 'readiness', probe: { httpGet: { port: 8080 }, periodSeconds: 5, successThreshold: 2 },
 *   clock, startedAt: clock.now(), run: () => runProbe(probe, target, clock) });
 * worker.start();          // probes at +0 s, +5 s, +10 s, ...
 * worker.result;           // 'Failure' until two probes in a row succeeded
 * ```
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { NotImplemented, type Clock, type Container, type Pod, type Probe } from '@kube/kit';
import { RuntimeError, type RuntimeService } from '@kube/runtime';
import type { EventRecorder } from './events.ts';
import { newestContainer, podIP, type RuntimePod } from './runtime-pod.ts';

/** Which question a probe asks. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup';
/** A probe's answer. */
export type ProbeResult = 'Success' | 'Failure';
/** One probe's answer and what it said (the `Unhealthy` event's text). */
export interface ProbeOutcome {
  result: ProbeResult;
  output: string;
}

/** A probe's timing with upstream's defaults filled in (all in seconds). */
export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Upstream's defaults (pkg/apis/core/v1/defaults.go SetDefaults_Probe). */
export const PROBE_DEFAULTS: Readonly<ProbeTiming> = Object.freeze({ initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });

/** `liveness` → `Liveness`, as events write it. */
const title = (kind: ProbeKind): string => kind[0]!.toUpperCase() + kind.slice(1);

/**
 * The probe's timing, defaults filled in. A liveness or startup probe with a successThreshold
 * other than 1 is refused (the apiserver's validation says `must be 1`), and so is a value
 * below its minimum (periodSeconds, timeoutSeconds, the thresholds: 1; initialDelaySeconds: 0).
 */
export function probeTiming(probe: Probe, kind: ProbeKind): ProbeTiming {
  // TODO(24): the defaults (PROBE_DEFAULTS), then the checks: whole numbers at their minimums; successThreshold 1 for liveness and startup.
  throw new NotImplemented('24', 'probeTiming');
}

/** A port given as a number, or as the name of one of the container's ports. */
export function resolvePort(port: number | string, container: Container): number {
  // TODO(24): a number (or digits) as it is; a name: the container's port of that name, else a RangeError naming it.
  throw new NotImplemented('24', 'resolvePort');
}

/** What a probe runs against: the container (for exec and named ports) and the pod's IP. */
export interface ProbeTarget {
  runtime: RuntimeService;
  containerId: string;
  container: Container;
  podIP: string;
}

/**
 * Runs a probe once (prober.go runProbe): exactly one of
 * - `exec`: the command in the container (execSync); exit code 0 is Success, else Failure with
 *   its output; past timeoutSeconds, Failure `command "..." timed out`;
 * - `httpGet`: `GET http://<host or pod IP>:<port><path>` with `User-Agent: kube-probe/1.32`;
 *   a status in [200, 400) is Success, another is Failure `HTTP probe failed with statuscode: 503`,
 *   an error (refused, timed out) is Failure `Get "<url>": <why>`;
 * - `tcpSocket`: a TCP connection to host (default the pod IP) and port; connecting is Success,
 *   else Failure `dial tcp <host>:<port>: <why>`.
 * Timeouts run on the clock. A probe with no handler is Failure.
 */
export async function runProbe(probe: Probe, target: ProbeTarget, clock: Clock): Promise<ProbeOutcome> {
  // TODO(24): exec through target.runtime.execSync; httpGet with node:http (agent: false, the kube-probe User-Agent);
  // TODO(24): tcpSocket with node:net connect. Every timeout on the clock; every failure a Failure with upstream's words.
  throw new NotImplemented('24', 'runProbe');
}

async function execProbe(target: ProbeTarget, command: string[], timeoutSeconds: number): Promise<ProbeOutcome> {
  // TODO(24): (a helper of runProbe: yours to shape)
  throw new NotImplemented('24', 'execProbe');
}

/** Go's words for a failed dial, from Node's error codes. */
function dialError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connect: connection refused';
  if (error.code === 'ETIMEDOUT') return 'i/o timeout';
  return error.message;
}

function httpProbe(url: string, host: string, port: number, timeoutMs: number, clock: Clock): Promise<ProbeOutcome> {
  // TODO(24): (a helper of runProbe: yours to shape)
  throw new NotImplemented('24', 'httpProbe');
}

function tcpProbe(host: string, port: number, timeoutMs: number, clock: Clock): Promise<ProbeOutcome> {
  // TODO(24): (a helper of runProbe: yours to shape)
  throw new NotImplemented('24', 'tcpProbe');
}

/** How to build a {@link ProbeWorker}. */
export interface ProbeWorkerOptions {
  kind: ProbeKind;
  probe: Probe;
  clock: Clock;
  /** when the container started (epoch ms): the first probe is initialDelaySeconds after it */
  startedAt: number;
  /** runs the probe once */
  run: () => Promise<ProbeOutcome>;
  /** liveness and readiness wait while this says no (the startup probe has not passed); default yes */
  isStarted?: () => boolean;
  /** every probe's outcome, as it comes (the kubelet records `Unhealthy` for failures) */
  onOutcome?: (outcome: ProbeOutcome) => void;
  /** the worker's result changed */
  onChange?: (result: ProbeResult) => void;
}

/**
 * One container's probe of one kind, on the clock (worker.go). Its {@link result} starts at
 * upstream's initial value — readiness `Failure`, liveness `Success`, startup none — and changes
 * only after `successThreshold` successes in a row (to Success) or `failureThreshold` failures
 * in a row (to Failure). The first probe runs `initialDelaySeconds` after the container
 * started, then one every `periodSeconds` (a tick that comes while a probe still runs is skipped).
 * Liveness and readiness do not probe until `isStarted()`; startup stops once it succeeded. A
 * liveness or startup probe that reached Failure holds (stops probing): its container is about
 * to be restarted, and the new one gets a new worker.
 */
export class ProbeWorker {
  /** the current result (undefined: none yet) */
  result: ProbeResult | undefined;
  private readonly timing: ProbeTiming;
  private lastResult: ProbeResult | undefined;
  private resultRun = 0;
  private onHold = false;
  private timers: { id: number }[] = [];
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: ProbeWorkerOptions) {
    this.timing = probeTiming(options.probe, options.kind);
    this.result = options.kind === 'readiness' ? 'Failure' : options.kind === 'liveness' ? 'Success' : undefined;
  }

  /** Starts probing on the clock. */
  start(): void {
    // TODO(24): a clock timer for the first probe (initialDelaySeconds after startedAt), then an interval of periodSeconds.
    throw new NotImplemented('24', 'ProbeWorker.start');
  }

  /** Stops probing (a probe under way finishes, its result is dropped). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) this.options.clock.clearTimeout(timer);
    this.timers = [];
  }

  /** Resolves when no probe is under way. */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  /** Is a probe under way? */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  private tick(): void {
    // TODO(24): skip when stopped, on hold or busy; startup stops once it succeeded; the others wait for isStarted().
    throw new NotImplemented('24', 'ProbeWorker.tick');
  }

  private async probeOnce(): Promise<void> {
    // TODO(24): run, report the outcome, count the run of equal results, and change the result only at the threshold;
    // TODO(24): liveness and startup hold after a Failure.
    throw new NotImplemented('24', 'ProbeWorker.probeOnce');
  }
}

/** The probes a container has, by kind. */
function probesOf(container: Container): [ProbeKind, Probe][] {
  const out: [ProbeKind, Probe][] = [];
  if (container.startupProbe) out.push(['startup', container.startupProbe]);
  if (container.livenessProbe) out.push(['liveness', container.livenessProbe]);
  if (container.readinessProbe) out.push(['readiness', container.readinessProbe]);
  return out;
}

/** Does any container of the pod have a probe? */
export function hasProbes(pod: Pod): boolean {
  return (pod.spec?.containers ?? []).some((c) => probesOf(c).length > 0);
}

/** How to build a {@link ProbeManager}. */
export interface ProbeManagerOptions {
  runtime: RuntimeService;
  clock: Clock;
  /** where `Unhealthy` events go */
  events?: EventRecorder;
  /** a result of one of the pod's containers changed: the kubelet syncs the pod */
  onChange: (podUid: string) => void;
}

/** A worker and which pod and container it probes. */
interface Probing {
  uid: string;
  containerId: string;
  kind: ProbeKind;
  worker: ProbeWorker;
}

/**
 * The workers of every pod (prober_manager.go): one per running container and probe it has,
 * made when the container runs and dropped when it stops; the results the kubelet reads for
 * the status (ready, started) and for restarts (liveness, startup).
 */
export class ProbeManager {
  private readonly probing = new Map<string, Probing>();

  constructor(private readonly options: ProbeManagerOptions) {}

  /** The result of the `kind` probe of the container with this id (undefined: none yet, or no such probe). */
  result(kind: ProbeKind, containerId: string): ProbeResult | undefined {
    // TODO(24): the worker's result for that container and kind, if there is a worker.
    throw new NotImplemented('24', 'ProbeManager.result');
  }

  /**
   * Makes the pod's workers match its running containers: a worker for each probe of each
   * container whose newest runtime container runs (started at its `startedAt`); the workers of
   * containers that no longer run are stopped.
   */
  sync(pod: Pod, runtimePod: RuntimePod): void {
    // TODO(24): a worker per probe of each running container (new ones started), Unhealthy events for failures, onChange on a change;
    // TODO(24): stop the pod's workers whose containers no longer run.
    throw new NotImplemented('24', 'ProbeManager.sync');
  }

  /** Stops every worker of the pod. */
  removePod(uid: string): void {
    for (const [key, p] of this.probing) if (p.uid === uid) this.drop(key, p);
  }

  /** Stops every worker. */
  stop(): void {
    for (const [key, p] of this.probing) this.drop(key, p);
  }

  /** How many probes are under way. */
  get busy(): number {
    return [...this.probing.values()].filter((p) => p.worker.busy).length;
  }

  /** Resolves when no probe is under way. */
  async idle(): Promise<void> {
    await Promise.all([...this.probing.values()].map((p) => p.worker.idle()));
  }

  private drop(key: string, p: Probing): void {
    p.worker.stop();
    this.probing.delete(key);
  }
}
