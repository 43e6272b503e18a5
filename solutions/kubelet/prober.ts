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
import type { Clock, Container, Pod, Probe } from '@kube/kit';
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
  const timing: ProbeTiming = {
    initialDelaySeconds: probe.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds,
    periodSeconds: probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds,
    successThreshold: probe.successThreshold ?? PROBE_DEFAULTS.successThreshold,
    failureThreshold: probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold,
  };
  for (const [field, min] of [['initialDelaySeconds', 0], ['periodSeconds', 1], ['timeoutSeconds', 1], ['successThreshold', 1], ['failureThreshold', 1]] as const) {
    if (!Number.isInteger(timing[field]) || timing[field] < min) throw new RangeError(`${kind}Probe.${field}: must be a whole number >= ${min}, got ${timing[field]}`);
  }
  if (kind !== 'readiness' && timing.successThreshold !== 1) throw new RangeError(`${kind}Probe.successThreshold: must be 1, got ${timing.successThreshold}`);
  return timing;
}

/** A port given as a number, or as the name of one of the container's ports. */
export function resolvePort(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new RangeError(`container "${container.name}" has no port named "${port}": name one of its ports, or give a number`);
  return named.containerPort;
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
  const timeoutSeconds = probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds;
  if (probe.exec) return execProbe(target, probe.exec.command ?? [], timeoutSeconds);
  if (probe.httpGet) {
    const host = probe.httpGet.host || target.podIP;
    const port = resolvePort(probe.httpGet.port, target.container);
    const path = probe.httpGet.path || '/';
    return httpProbe(`http://${host}:${port}${path.startsWith('/') ? path : `/${path}`}`, host, port, timeoutSeconds * 1000, clock);
  }
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket.host || target.podIP, resolvePort(probe.tcpSocket.port, target.container), timeoutSeconds * 1000, clock);
  return { result: 'Failure', output: 'the probe has no handler: give it exec, httpGet or tcpSocket' };
}

async function execProbe(target: ProbeTarget, command: string[], timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    const { stdout, stderr, exitCode } = await target.runtime.execSync(target.containerId, command, timeoutSeconds);
    return { result: exitCode === 0 ? 'Success' : 'Failure', output: stdout + stderr };
  } catch (error) {
    if (error instanceof RuntimeError && error.code === 'DeadlineExceeded') return { result: 'Failure', output: `command ${JSON.stringify(command.join(' '))} timed out` };
    return { result: 'Failure', output: error instanceof Error ? error.message : String(error) };
  }
}

/** Go's words for a failed dial, from Node's error codes. */
function dialError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connect: connection refused';
  if (error.code === 'ETIMEDOUT') return 'i/o timeout';
  return error.message;
}

function httpProbe(url: string, host: string, port: number, timeoutMs: number, clock: Clock): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      resolve(outcome);
    };
    const req = request(url, { method: 'GET', agent: false, headers: { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' } }, (res) => {
      res.resume(); // the body is not needed
      const code = res.statusCode ?? 0;
      res.on('end', () => finish(code >= 200 && code < 400 ? { result: 'Success', output: '' } : { result: 'Failure', output: `HTTP probe failed with statuscode: ${code}` }));
      // The body broke off: Go's reader says `unexpected EOF` (its status was fine, so not that).
      res.on('error', () => finish({ result: 'Failure', output: 'unexpected EOF' }));
    });
    const timer = clock.setTimeout(() => {
      finish({ result: 'Failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ result: 'Failure', output: `Get "${url}": dial tcp ${host}:${port}: ${dialError(error)}` }));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number, clock: Clock): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const socket = connect({ host, port });
    const finish = (outcome: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = clock.setTimeout(() => finish({ result: 'Failure', output: `dial tcp ${host}:${port}: i/o timeout` }), timeoutMs);
    socket.on('connect', () => finish({ result: 'Success', output: '' }));
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ result: 'Failure', output: `dial tcp ${host}:${port}: ${dialError(error)}` }));
  });
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
    const { clock, startedAt } = this.options;
    const first = Math.max(0, startedAt + this.timing.initialDelaySeconds * 1000 - clock.now());
    this.timers.push(
      clock.setTimeout(() => {
        if (this.stopped) return;
        this.tick();
        this.timers.push(clock.setInterval(() => this.tick(), this.timing.periodSeconds * 1000));
      }, first),
    );
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
    const { kind } = this.options;
    if (this.stopped || this.onHold || this.inFlight) return;
    if (kind === 'startup' && this.result === 'Success') return; // started: nothing more to ask
    if (kind !== 'startup' && !(this.options.isStarted?.() ?? true)) return; // startup holds the others back
    this.inFlight = this.probeOnce().finally(() => (this.inFlight = undefined));
  }

  private async probeOnce(): Promise<void> {
    const outcome = await this.options.run();
    if (this.stopped) return;
    this.options.onOutcome?.(outcome);
    if (outcome.result === this.lastResult) this.resultRun++;
    else {
      this.lastResult = outcome.result;
      this.resultRun = 1;
    }
    const threshold = outcome.result === 'Failure' ? this.timing.failureThreshold : this.timing.successThreshold;
    if (this.resultRun < threshold) return; // not yet: the result stays
    const changed = this.result !== outcome.result;
    this.result = outcome.result;
    if (this.options.kind !== 'readiness' && outcome.result === 'Failure') {
      this.onHold = true; // the container will be restarted; its successor gets a new worker
      this.resultRun = 0;
    }
    if (changed) this.options.onChange?.(outcome.result);
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
    return this.probing.get(`${containerId}/${kind}`)?.worker.result;
  }

  /**
   * Makes the pod's workers match its running containers: a worker for each probe of each
   * container whose newest runtime container runs (started at its `startedAt`); the workers of
   * containers that no longer run are stopped.
   */
  sync(pod: Pod, runtimePod: RuntimePod): void {
    const uid = pod.metadata.uid!;
    const wanted = new Set<string>();
    for (const container of pod.spec?.containers ?? []) {
      const status = newestContainer(runtimePod, container.name);
      if (status?.state !== 'CONTAINER_RUNNING') continue;
      for (const [kind, probe] of probesOf(container)) {
        const key = `${status.id}/${kind}`;
        wanted.add(key);
        if (this.probing.has(key)) continue;
        const target: ProbeTarget = { runtime: this.options.runtime, containerId: status.id, container, podIP: podIP(runtimePod) };
        const worker = new ProbeWorker({
          kind,
          probe,
          clock: this.options.clock,
          startedAt: status.startedAt,
          run: () => runProbe(probe, target, this.options.clock),
          isStarted: () => !container.startupProbe || this.result('startup', status.id) === 'Success',
          onOutcome: (outcome) => {
            if (outcome.result === 'Failure') void this.options.events?.record(pod, 'Warning', 'Unhealthy', `${title(kind)} probe failed: ${outcome.output}`, container.name);
          },
          onChange: () => this.options.onChange(uid),
        });
        this.probing.set(key, { uid, containerId: status.id, kind, worker });
        worker.start();
      }
    }
    for (const [key, p] of this.probing) {
      if (p.uid === uid && !wanted.has(key)) this.drop(key, p);
    }
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
