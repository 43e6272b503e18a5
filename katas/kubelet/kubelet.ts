/**
 * The kubelet's pod sync (kata 23): it watches the pods bound to its node, gives each a worker,
 * and on every change — of the pod in the API, of one of its containers in the runtime, of a
 * back-off running out, of a probe's result — makes the runtime match the pod's spec and writes
 * what it sees to the pod's status. Upstream: `pkg/kubelet/kubelet.go` (SyncPod,
 * SyncTerminatingPod), `pod_workers.go`, `kuberuntime/kuberuntime_manager.go` (SyncPod),
 * `kuberuntime/kuberuntime_container.go` (startContainer, killContainer, doBackOff),
 * `status/status_manager.go`, `config/` (the watch of `spec.nodeName=<node>`).
 *
 * @example A node of the fake runtime, in a test
 * ```ts
 * const kubelet = new Kubelet({ nodeName: 'node-1', client, runtime: new FakeRuntime({ clock }), clock });
 * await kubelet.start();
 * await client.pods('default').create({ metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [...] } });
 * // ...a sandbox, its containers, and the pod's status: Running, Ready, podIP 127.0.1.2
 * await kubelet.stop();
 * ```
 */
import { isDeepStrictEqual } from 'node:util';
import { isStatusError, type ApiClient, type ApiWatch } from '@kube/apiserver';
import { NotImplemented, type Clock, type Container, type Pod, type PodCondition, type PodStatus, type Timer } from '@kube/kit';
import { containerConfigFor, RuntimeError, sandboxConfigFor, type ContainerStatus as CriContainerStatus, type RuntimeService } from '@kube/runtime';
import { Backoff } from './backoff.ts';
import { EventRecorder } from './events.ts';
import { ContainerConfigError } from './container-environment.ts';
import { computePodActions, type PodActions } from './pod-actions.ts';
import { generatePodStatus, KUBELET_CONDITION_TYPES, othersConditions, type StartFailure } from './pod-status.ts';
import { terminatedPodStatus } from './terminated-status.ts';
import { PodWorkers } from './pod-workers.ts';
import { hasProbes, ProbeManager } from './prober.ts';
import { NodeAgent } from './node-agent.ts';
import type { NodeConfig, NodeHealth } from './node-status.ts';
import { newestContainer, podDescription, readRuntimePod, type RuntimePod } from './runtime-pod.ts';
import { containerLogDirectory, restartCountFromLogs } from './restart-count.ts';

/** How to build a {@link Kubelet}. */
export interface KubeletOptions {
  /** the node it runs pods for: it watches `spec.nodeName=<nodeName>` */
  nodeName: string;
  /** the apiserver (LocalClient in tests, kata 10's HTTP client in a cluster) */
  client: ApiClient;
  /** the container runtime (kata 22) */
  runtime: RuntimeService;
  clock: Clock;
  /** the node's IP, written as the pods' hostIP; default `127.0.0.1` */
  nodeIP?: string;
  /** where pod log folders go (the kubelet's /var/log/pods); default the runtime's choice */
  logRoot?: string;
  /**
   * Run as the node's agent (kata 25): register the Node with this configuration, keep its
   * status and Lease current, and adopt what the runtime still runs from before a restart.
   * Without it the kubelet only syncs pods (katas 23 and 24).
   */
  node?: NodeAgentSetup;
}

/** The node agent's part of a {@link KubeletOptions} (kata 25). */
export interface NodeAgentSetup {
  config?: NodeConfig;
  /** the kubelet server's port (or what tells it), written into the Node's daemonEndpoints; default 10250 */
  kubeletPort?: number | (() => number);
  /** what the node's health is now; default healthy */
  health?: () => NodeHealth | Promise<NodeHealth>;
  /** a failed registration, status update or renewal (each is retried) */
  onError?: (what: string, error: unknown) => void;
}

/** The pod's grace period when none is given: 30 s (the API's default). */
const DEFAULT_GRACE_SECONDS = 30;
/** How long after the API showed another status than the one written it is written again (status_manager.go syncPeriod). */
export const STATUS_RECONCILE_MS = 10_000;
/** A sync that failed, or left a container unable to start, is tried again this much later (kubelet.go backOffPeriod; upstream adds up to 50% jitter). */
export const SYNC_RETRY_MS = 10_000;
/** killContainer never gives a container less than 2 s (kuberuntime_container.go minimumGracePeriodInSeconds). */
const MIN_CONTAINER_GRACE_SECONDS = 2;

/** Go's time.Duration.String for whole seconds: `10s`, `1m20s`, `5m0s`. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/**
 * The grace period to stop a pod with (pod_workers.go calculateEffectiveGracePeriod): the API's
 * deletionGracePeriodSeconds when it is set and > 0, else the spec's
 * terminationGracePeriodSeconds (default 30); never less than 1.
 */
export function effectiveGracePeriod(pod: Pod): number {
  // TODO(23): deletionGracePeriodSeconds if > 0, else terminationGracePeriodSeconds (default 30); at least 1.
  throw new NotImplemented('23', 'effectiveGracePeriod');
}

/**
 * Whether a change to a pod in the API asks for a sync (config.go podsDifferSemantically): its
 * spec, labels, annotations or deletion changed. A change of status alone does not.
 */
export function differsForSync(before: Pod, after: Pod): boolean {
  const a = before.metadata;
  const b = after.metadata;
  return (
    a.deletionTimestamp !== b.deletionTimestamp ||
    a.deletionGracePeriodSeconds !== b.deletionGracePeriodSeconds ||
    !isDeepStrictEqual(a.labels ?? {}, b.labels ?? {}) ||
    !isDeepStrictEqual(a.annotations ?? {}, b.annotations ?? {}) ||
    !isDeepStrictEqual(before.spec, after.spec)
  );
}

/** A pod the kubelet knows: the latest from the API, and whether the API still has it. */
interface KnownPod {
  pod: Pod;
  removed: boolean;
}

/** The node agent's pod sync: watch, workers, sync, status. */
export class Kubelet {
  readonly nodeName: string;
  /** the events it records (`kubectl describe pod`) */
  readonly events: EventRecorder;
  /** its probes (kata 24) */
  readonly probes: ProbeManager;
  private readonly client: ApiClient;
  private readonly runtime: RuntimeService;
  private readonly clock: Clock;
  private readonly nodeIP: string;
  private readonly logRoot: string | undefined;
  private readonly workers: PodWorkers;
  /** CrashLoopBackOff per `<uid>/<container>` */
  private readonly backoff: Backoff;
  /** ImagePullBackOff per `<uid>/<image>` */
  private readonly imageBackoff: Backoff;
  private readonly pullErrors = new Map<string, string>();
  private readonly pods = new Map<string, KnownPod>();
  /** the last start failure of each pod's containers (upstream's reasonCache) */
  private readonly reasons = new Map<string, Map<string, StartFailure>>();
  /**
   * the last status written (or being written) per pod, its text, and whether the apiserver
   * answered the write (`acknowledged`): an unchanged status is not written again once it was
   */
  private readonly written = new Map<string, { status: PodStatus; text: string; acknowledged: boolean }>();
  private readonly wakeups = new Map<string, { at: number; timer: Timer }>();
  /** the pending status reconciles, by pod uid */
  private readonly reconciles = new Map<string, Timer>();
  private readonly sandboxOwners = new Map<string, string>();
  /** The grace period (s) each pod's containers are being stopped with, by uid, while killPod runs. */
  private readonly stopping = new Map<string, number>();
  private watch: ApiWatch<Pod> | undefined;
  private watching: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  /** the node agent (kata 25), when the kubelet runs as one */
  readonly agent: NodeAgent | undefined;

  constructor(options: KubeletOptions) {
    this.nodeName = options.nodeName;
    this.client = options.client;
    this.runtime = options.runtime;
    this.clock = options.clock;
    this.nodeIP = options.nodeIP ?? '127.0.0.1';
    this.logRoot = options.logRoot;
    this.backoff = new Backoff(this.clock);
    this.imageBackoff = new Backoff(this.clock);
    this.events = new EventRecorder(this.client, this.clock, this.nodeName);
    // A sync that failed (the apiserver unreachable mid-way) is tried again SYNC_RETRY_MS later, as
    // upstream's pod worker requeues a failed sync after backOffPeriod: a pod whose final status
    // or final delete was lost is not left Terminating.
    this.workers = new PodWorkers(
      (uid) => this.syncPod(uid),
      (uid) => {
        if (!this.stopped) this.wakeAt(uid, this.clock.now() + SYNC_RETRY_MS);
      },
    );
    this.probes = new ProbeManager({ runtime: this.runtime, clock: this.clock, events: this.events, onChange: (uid) => this.workers.update(uid) });
    if (options.node) {
      const { config, kubeletPort, health, onError } = options.node;
      this.agent = new NodeAgent({
        nodeName: this.nodeName,
        client: this.client,
        clock: this.clock,
        nodeIP: this.nodeIP,
        ...(config ? { config } : {}),
        ...(kubeletPort !== undefined ? { kubeletPort } : {}),
        ...(health ? { health } : {}),
        ...(onError ? { onError } : {}),
        recordEvent: (type, reason, message) => void this.events.recordNode(type, reason, message),
      });
    }
  }

  /**
   * Starts: listens to the runtime's container events (each wakes its pod's worker) and watches
   * the pods bound to this node. Resolves once the first list has been read and handed to the
   * workers. As a node agent (kata 25) it first registers the Node and starts its status updates
   * and Lease renewals, and after the first list adopts what the runtime still runs.
   */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.agent) void this.events.recordNode('Normal', 'Starting', 'Starting kubelet.');
    await this.agent?.start();
    this.unsubscribe = this.runtime.onContainerEvent((event) => {
      const uid = this.sandboxOwners.get(event.podSandboxId);
      if (uid) this.workers.update(uid);
    });
    let listed!: () => void;
    const firstList = new Promise<void>((resolve) => (listed = resolve));
    this.watching = this.watchPods(listed);
    // A watch that fails before its first list must fail start() too, not leave it waiting.
    await Promise.race([firstList, this.watching]);
    if (this.agent) await this.adoptRuntimePods();
  }

  /** Stops watching and probing; the containers keep running (a kubelet restart leaves them). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.agent?.stop();
    this.unsubscribe?.();
    this.watch?.stop();
    this.probes.stop();
    for (const { timer } of this.wakeups.values()) this.clock.clearTimeout(timer);
    this.wakeups.clear();
    for (const timer of this.reconciles.values()) this.clock.clearTimeout(timer);
    this.reconciles.clear();
    await this.watching;
    await this.workers.idle();
  }

  /** Has some pod worker or probe something under way? */
  get busy(): boolean {
    return this.workers.busy > 0 || this.probes.busy > 0;
  }

  /** Resolves once no pod worker and no probe has anything under way. */
  async idle(): Promise<void> {
    do {
      await this.workers.idle();
      await this.probes.idle();
    } while (this.workers.busy > 0 || this.probes.busy > 0);
  }

  /**
   * Lists the pods with `spec.nodeName=<node>`, hands each to its worker, then watches from the
   * list's resourceVersion: ADDED and MODIFIED update the pod, DELETED marks it removed. When the
   * watch ends (or answers ERROR, such as 410 Expired) it lists again; pods missing from the new
   * list were removed meanwhile. A failed list is tried again a second later, on the clock.
   */
  private async watchPods(listed: () => void): Promise<void> {
    // TODO(23): until stopped: list pods with the field selector spec.nodeName=<node>; pods you know that the list lacks were removed;
    // TODO(23): hand each listed pod to podChanged; call listed(); watch from the list's resourceVersion (keep it in this.watch) and
    // TODO(23): hand each event on (ERROR: list again; BOOKMARK: nothing). A failed list: listed(), then sleep 1 s on the clock.
    throw new NotImplemented('23', 'Kubelet.watchPods');
  }

  /**
   * After a restart (kata 25), once the first list is in: makes what the runtime still runs this
   * kubelet's again, instead of starting it twice. Every sandbox the runtime has is noted as its
   * pod's (so that its containers' events wake that pod's worker); a pod the runtime runs that the
   * kubelet does not know from the API — deleted while this kubelet was down — gets a sync, which
   * finds no such pod and stops and removes it (upstream: HandlePodCleanups, the pod killer). The
   * pods the API has are left to their own syncs, which read the runtime and start nothing that
   * runs. Resolves with the uids of those orphans.
   */
  async adoptRuntimePods(): Promise<string[]> {
    // TODO(25): for each sandbox of the runtime (listPodSandbox): note its owner (sandboxOwners, by its metadata.uid);
    // TODO(25): a uid this.pods does not have is an orphan: ask its worker for a sync (syncPod cleans up a pod it does not know).
    throw new NotImplemented('25', 'Kubelet.adoptRuntimePods');
  }

  /** The pod called `namespace/name` this kubelet runs (the API's latest), or undefined. */
  findPod(namespace: string, name: string): Pod | undefined {
    for (const { pod, removed } of this.pods.values()) {
      if (!removed && pod.metadata.name === name && (pod.metadata.namespace ?? 'default') === namespace) return pod;
    }
    return undefined;
  }

  /**
   * The pods this kubelet runs (the API's latest, not removed), each with the status it last
   * wrote: what its `/pods` endpoint lists and its Summary API measures (upstream's pod manager).
   */
  runningPods(): Pod[] {
    const pods: Pod[] = [];
    for (const { pod, removed } of this.pods.values()) {
      if (removed) continue;
      const status = this.statusFor(pod);
      pods.push({ ...pod, ...(status && { status }) });
    }
    return pods;
  }

  /** The status this kubelet last wrote for the pod (else the API's): what `kubectl logs` picks a container by. */
  statusFor(pod: Pod): PodStatus | undefined {
    return this.lastStatus(pod);
  }

  /**
   * A pod of this node was added or changed in the API: its worker syncs it. Not when only its
   * status changed (upstream's pod config calls that a reconcile, not a sync: config.go
   * checkAndUpdatePod), most often this kubelet's own write coming back; a status there that is
   * not the one last written (a write lost while the apiserver was down, someone else's) is
   * written again {@link STATUS_RECONCILE_MS} later if it still differs, as the status manager's
   * periodic check does. A pod being stopped whose grace period the API shortened is stopped
   * again at once with the shorter one ({@link Kubelet.shortenStop}), without waiting for the sync
   * in flight, which is that stop.
   */
  private podChanged(pod: Pod): void {
    // TODO(23): remember the pod (not removed); hand it to shortenStop (given: a pod being stopped whose grace period the API
    // TODO(23): shortened is stopped again, sooner; its promise's failure may be ignored); ask its worker for a sync if it was
    // TODO(23): not known (or removed) or differsForSync from the known one; else, when its status is not isLastWritten,
    // TODO(23): reconcileStatusLater.
    throw new NotImplemented('23', 'Kubelet.podChanged');
  }

  /**
   * In {@link STATUS_RECONCILE_MS}: if the API still holds another status than the one last
   * written, writes that one again (upstream's status manager, syncBatch and needsReconcile). An
   * own write that was only overtaken by a newer one has arrived by then, and nothing is written.
   */
  private reconcileStatusLater(uid: string): void {
    if (this.reconciles.has(uid)) return;
    const timer = this.clock.setTimeout(() => {
      this.reconciles.delete(uid);
      const known = this.pods.get(uid);
      const written = this.written.get(uid);
      if (!known || known.removed || !written || this.isLastWritten(uid, known.pod.status)) return;
      this.written.delete(uid); // forgotten, so that writeStatus does not skip it as already written
      // Its own conditions as it wrote them, the others' as the API has them now (mergePodStatus).
      const status = { ...written.status, conditions: mergedConditions(known.pod.status, written.status) };
      void this.writeStatus(known.pod, status).catch(() => undefined); // a failure: the next relist looks again
    }, STATUS_RECONCILE_MS);
    this.reconciles.set(uid, timer);
  }

  /**
   * Whether `status` (the API's) is the status this kubelet last wrote for the pod, the
   * conditions that are not the kubelet's left out on both sides (isPodStatusByKubeletEqual): an
   * eviction's DisruptionTarget is no reason to write again.
   */
  private isLastWritten(uid: string, status: PodStatus | undefined): boolean {
    const written = this.written.get(uid);
    return written !== undefined && isDeepStrictEqual(kubeletsView(JSON.parse(written.text) as PodStatus), status && kubeletsView(status));
  }

  /** A pod left the API (deleted, or no longer bound here): its worker stops and removes it. */
  private podRemoved(pod: Pod): void {
    // TODO(23): mark the pod removed (keep the last known object: its grace period) and ask its worker for a sync.
    throw new NotImplemented('23', 'Kubelet.podRemoved');
  }

  /**
   * One sync of one pod, by its worker:
   * - removed from the API: stop its containers (its grace period), remove its sandboxes, forget it;
   * - being deleted (deletionTimestamp), or already Succeeded/Failed: terminate it — stop its
   *   containers and sandbox, write its final status and, when deleted, delete it from the API;
   * - otherwise: write the status the runtime shows (terminal already: terminate instead), then
   *   {@link computePodActions}, carry them out, start the probes' workers, and write the status
   *   again; a status that turned Succeeded or Failed terminates the pod.
   */
  async syncPod(uid: string): Promise<void> {
    // TODO(23): the three cases above (readPod, statusOf and writeStatus of what it shows (or terminate), computePodActions with this.probes' liveness and startup results, carryOut,
    // TODO(23): a start failure left in this.reasons: wakeAt now + SYNC_RETRY_MS; readPod again, this.probes.sync when the pod
    // TODO(23): has probes, statusOf, writeStatus or terminate).
    throw new NotImplemented('23', 'Kubelet.syncPod');
  }

  /**
   * Carries out a sync's plan: kill, (re)create the sandbox, start the ephemeral containers, then
   * the next init container or the containers.
   */
  private async carryOut(pod: Pod, runtimePod: RuntimePod, actions: PodActions): Promise<void> {
    // TODO(23): killPod, containersToKill (their messages); then, if anything is to start, the sandbox
    // TODO(23): (createSandbox: runPodSandbox with sandboxConfigFor, remember its owner, and ask the pod's worker for one more
    // TODO(23): sync, as upstream's PLEG does when it sees the sandbox start), its IP, and startContainer for each (the
    // TODO(23): ephemeral containers first), with the runtimePod the sync read (not read again after the kills: see the
    // TODO(23): instructions on the back-off).
    throw new NotImplemented('23', 'Kubelet.carryOut');
  }

  /**
   * Starts one container (kuberuntime_container.go startContainer, after doBackOff):
   * 1. its newest run exited: in CrashLoopBackOff since it finished? Then wait: waiting reason
   *    `CrashLoopBackOff`, message `back-off 20s restarting failed container=<name> pod=<name_ns(uid)>`,
   *    a `BackOff` event, and a wake-up when the back-off ends. Else the back-off moves on (next);
   * 2. its image in ImagePullBackOff? Then wait likewise (`ImagePullBackOff`);
   * 3. create it (attempt = the newest run's + 1; with no run in the runtime, {@link attemptFromLogs}):
   *    a pull error is `ErrImagePull` (events `Pulling`, then `Failed` with the error and `Failed`
   *    `Error: ErrImagePull`) and starts the image's back-off; a ContainerConfigError (a reference
   *    in its environment that cannot be resolved: container-environment.ts) is
   *    `CreateContainerConfigError`; another error is `CreateContainerError`;
   * 4. start it: an error is `RunContainerError`. Events `Pulled`, `Created`, `Started` on the way.
   * On success its failure reason is forgotten and older exited runs of it are removed, all but
   * the newest (the container GC's one dead container per name).
   */
  private async startContainer(pod: Pod, container: Container, init: boolean, sandboxId: string, podIP: string, runtimePod: RuntimePod): Promise<void> {
    // TODO(23): the four steps above, with this.backoff (key <uid>/<name>) and this.imageBackoff (key <uid>/<image>).
    throw new NotImplemented('23', 'Kubelet.startContainer');
  }

  /**
   * The attempt of a container's first run in the runtime: 0, unless the kubelet has a logRoot
   * whose folder for the container holds logs of earlier runs (a runtime that forgot its
   * containers, as after a node's reboot): then one after the highest (restart-count.ts).
   */
  private attemptFromLogs(pod: Pod, containerName: string): number {
    return this.logRoot ? restartCountFromLogs(containerLogDirectory(this.logRoot, pod, containerName)) : 0;
  }

  /** Stops one container with the grace period (at least 2 s), after a `Killing` event with `message`. */
  private async killContainer(pod: Pod, id: string, name: string, grace: number, message: string): Promise<void> {
    void this.events.record(pod, 'Normal', 'Killing', message, name);
    await this.runtime.stopContainer(id, Math.max(MIN_CONTAINER_GRACE_SECONDS, grace));
  }

  /** Stops every running container of the pod (at once, in parallel), then its ready sandboxes. */
  private async killPod(pod: Pod, runtimePod: RuntimePod, grace: number): Promise<void> {
    const uid = pod.metadata.uid!;
    this.stopping.set(uid, grace);
    try {
      await this.stopRunning(pod, runtimePod, grace);
    } finally {
      this.stopping.delete(uid);
    }
    for (const sandbox of runtimePod.sandboxes) if (sandbox.state === 'SANDBOX_READY') await this.runtime.stopPodSandbox(sandbox.id);
  }

  /**
   * Given code. A pod whose containers are being stopped, and whose grace period the API has
   * since shortened (`kubectl delete --grace-period=3` after a plain delete's 30 s): its running
   * containers are stopped again with the shorter period, and the runtime kills each at the
   * earlier deadline, counted from now. Upstream's pod worker cancels the sync in flight and
   * kills again (pod_workers.go UpdatePod, `wasGracePeriodShortened`). Anything else: nothing.
   *
   * @example stopping with 30 s since 10:00:00; at 10:00:01 the API says 3 → SIGKILL at 10:00:04.
   */
  private async shortenStop(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    const inFlight = this.stopping.get(uid);
    const grace = effectiveGracePeriod(pod);
    if (inFlight === undefined || grace >= inFlight) return;
    this.stopping.set(uid, grace);
    await this.stopRunning(pod, await this.readPod(uid), grace);
  }

  /** Stops the pod's running containers at once, in parallel, with the grace period. */
  private async stopRunning(pod: Pod, runtimePod: RuntimePod, grace: number): Promise<void> {
    const running = runtimePod.containers.filter((c) => c.state === 'CONTAINER_RUNNING');
    await Promise.all(running.map((c) => this.killContainer(pod, c.id, c.metadata.name, grace, `Stopping container ${c.metadata.name}`)));
  }

  /**
   * A pod that is being deleted or is done: nothing restarts. Stop it, write its final status
   * (the phase with podIsTerminal: Succeeded if every container exited 0, else Failed) and, when
   * the API is deleting it, delete it now (grace period 0, only that uid): its containers have stopped.
   * The delete comes only after the final status was written: a write or a delete that fails
   * fails the sync, which is tried again.
   */
  private async terminate(pod: Pod, runtimePod: RuntimePod): Promise<void> {
    // TODO(23): stop the probes and wake-ups, killPod with the effective grace period, write the terminal status, and delete
    // TODO(23): the pod from the API (gracePeriodSeconds 0, uid precondition) if it has a deletionTimestamp; NotFound or
    // TODO(23): Conflict there is fine (gone, or the name is another pod's now); any other error is thrown.
    throw new NotImplemented('23', 'Kubelet.terminate');
  }

  /** A pod the API no longer has: stop what runs, remove its sandboxes (and so its containers), forget it. */
  private async cleanUp(uid: string, pod: Pod | undefined, runtimePod: RuntimePod): Promise<void> {
    // TODO(23): stop the probes and wake-ups, kill with the last known pod's grace period, removePodSandbox each sandbox,
    // TODO(23): and forget the pod: pods, reasons, written, sandboxOwners, its back-off keys.
    throw new NotImplemented('23', 'Kubelet.cleanUp');
  }

  /** The pod's status now, from the runtime (see generatePodStatus), ready and started from the probes. */
  private statusOf(pod: Pod, runtimePod: RuntimePod, podIsTerminal: boolean): PodStatus {
    const uid = pod.metadata.uid!;
    const last = this.lastStatus(pod);
    // What it last wrote, but the others' conditions as the API has them now (an eviction's).
    const old = last && { ...last, conditions: mergedConditions(pod.status, last) };
    const status = generatePodStatus({ ...pod, ...(old ? { status: old } : {}) }, runtimePod, {
      reasons: this.reasonsOf(uid),
      ready: (c: Container, s: CriContainerStatus) => !c.readinessProbe || this.probes.result('readiness', s.id) === 'Success',
      started: (c: Container, s: CriContainerStatus) => !c.startupProbe || this.probes.result('startup', s.id) === 'Success',
      podIsTerminal,
      hostIP: this.nodeIP,
      now: this.clock.now(),
    });
    // The final status: every container ended and the phase Succeeded or Failed, as upstream's TerminatePod.
    return podIsTerminal ? terminatedPodStatus(pod, status) : status;
  }

  /** The status this kubelet last wrote for the pod, else the one the API has. */
  private lastStatus(pod: Pod): PodStatus | undefined {
    return this.written.get(pod.metadata.uid!)?.status ?? pod.status;
  }

  /**
   * Writes the status through `pods/<name>/status`, unless it is the one last written and the
   * apiserver answered that write. The object carries the pod's uid, so a pod deleted and made
   * again under the same name is not written over (Conflict); a pod already gone (NotFound) is
   * left alone. A write nothing answered (the apiserver unreachable) fails the sync.
   */
  private async writeStatus(pod: Pod, status: PodStatus): Promise<void> {
    // TODO(23): skip a status equal to the last written when that write was acknowledged; else remember it in this.written
    // TODO(23): *before* the write, not acknowledged (one that fails is then written again by reconcileStatusLater and by the
    // TODO(23): sync's retry), and updateStatus with name, namespace and uid; NotFound or Conflict is fine (acknowledged), any other error is thrown.
    throw new NotImplemented('23', 'Kubelet.writeStatus');
  }

  /** Reads the pod from the runtime and remembers which sandboxes are its. */
  private async readPod(uid: string): Promise<RuntimePod> {
    const runtimePod = await readRuntimePod(this.runtime, uid);
    for (const sandbox of runtimePod.sandboxes) this.sandboxOwners.set(sandbox.id, uid);
    return runtimePod;
  }

  private reasonsOf(uid: string): Map<string, StartFailure> {
    let reasons = this.reasons.get(uid);
    if (!reasons) this.reasons.set(uid, (reasons = new Map()));
    return reasons;
  }

  /** Syncs the pod at `at` (a back-off running out); the earliest wake-up asked for wins. */
  private wakeAt(uid: string, at: number): void {
    const current = this.wakeups.get(uid);
    if (current && current.at <= at && current.at > this.clock.now()) return;
    if (current) this.clock.clearTimeout(current.timer);
    const timer = this.clock.setTimeout(() => {
      this.wakeups.delete(uid);
      this.workers.update(uid);
    }, at - this.clock.now());
    this.wakeups.set(uid, { at, timer });
  }

  private clearWakeup(uid: string): void {
    const current = this.wakeups.get(uid);
    if (current) this.clock.clearTimeout(current.timer);
    this.wakeups.delete(uid);
  }
}

/**
 * The conditions of `api` (the pod's status in the API) that are not the kubelet's, then those of
 * `own` (what the kubelet wrote) that are: the status manager's mergePodStatus.
 */
function mergedConditions(api: PodStatus | undefined, own: PodStatus): PodCondition[] {
  return [...othersConditions(api?.conditions), ...(own.conditions ?? []).filter((c) => KUBELET_CONDITION_TYPES.includes(c.type))];
}

/** A status with only the kubelet's own conditions: what the kubelet compares when it asks whether the API holds its write. */
function kubeletsView(status: PodStatus): PodStatus {
  return status.conditions ? { ...status, conditions: status.conditions.filter((c) => KUBELET_CONDITION_TYPES.includes(c.type)) } : status;
}
