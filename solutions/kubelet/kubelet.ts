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
import { isNotImplemented, type Clock, type Container, type Pod, type PodCondition, type PodStatus, type Timer } from '@kube/kit';
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
  const fromDeletion = pod.metadata.deletionGracePeriodSeconds;
  const grace = fromDeletion && fromDeletion > 0 ? fromDeletion : (pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS);
  return Math.max(1, grace);
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
    const pods = this.client.pods();
    const fieldSelector = `spec.nodeName=${this.nodeName}`;
    while (!this.stopped) {
      try {
        const list = await pods.list({ fieldSelector });
        const present = new Set(list.items.map((p) => p.metadata.uid!));
        for (const [uid, known] of this.pods) if (!known.removed && !present.has(uid)) this.podRemoved(known.pod);
        for (const pod of list.items) this.podChanged(pod);
        listed();
        if (this.stopped) return;
        this.watch = pods.watch({ fieldSelector, resourceVersion: list.resourceVersion });
        for await (const event of this.watch) {
          if (event.type === 'ERROR') break; // too old a resourceVersion: list again
          if (event.type === 'BOOKMARK') continue;
          const pod = event.object as Pod;
          if (event.type === 'DELETED') this.podRemoved(pod);
          else this.podChanged(pod);
        }
      } catch (error) {
        if (isNotImplemented(error)) throw error; // a kata left to write: say so, do not retry
        listed();
        if (!this.stopped) await this.clock.sleep(1000);
      }
    }
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
    const orphans = new Set<string>();
    for (const sandbox of await this.runtime.listPodSandbox()) {
      const uid = sandbox.metadata.uid;
      this.sandboxOwners.set(sandbox.id, uid);
      if (!this.pods.has(uid)) orphans.add(uid);
    }
    for (const uid of orphans) this.workers.update(uid);
    return [...orphans];
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
    const uid = pod.metadata.uid!;
    const known = this.pods.get(uid);
    this.pods.set(uid, { pod, removed: false });
    void this.shortenStop(pod).catch(() => undefined); // a failure: the stop in flight goes on with its own period
    if (!known || known.removed || differsForSync(known.pod, pod)) return this.workers.update(uid);
    if (!this.isLastWritten(uid, pod.status)) this.reconcileStatusLater(uid);
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
    const uid = pod.metadata.uid!;
    const known = this.pods.get(uid);
    this.pods.set(uid, { pod: known?.pod ?? pod, removed: true });
    this.workers.update(uid);
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
    const known = this.pods.get(uid);
    let runtimePod = await this.readPod(uid);
    if (!known || known.removed) return this.cleanUp(uid, known?.pod, runtimePod);
    const pod = known.pod;
    const phase = this.lastStatus(pod)?.phase;
    if (pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') return this.terminate(pod, runtimePod);

    // What the runtime shows, written before acting, as upstream's SyncPod sets the status first:
    // a new pod's containers wait in ContainerCreating, a crashed one shows Error, until the write below.
    const seen = this.statusOf(pod, runtimePod, false);
    if (seen.phase === 'Succeeded' || seen.phase === 'Failed') return this.terminate(pod, runtimePod);
    await this.writeStatus(pod, seen);
    const actions = computePodActions(pod, runtimePod, {
      liveness: (id) => this.probes.result('liveness', id),
      startup: (id) => this.probes.result('startup', id),
    });
    await this.carryOut(pod, runtimePod, actions);
    // A container that could not start (back-off, a failed pull or create): upstream's pod worker
    // takes the sync as failed and syncs the pod again later, which is what shows
    // ImagePullBackOff between two pulls and records BackOff again during a long back-off.
    if (this.reasonsOf(uid).size > 0) this.wakeAt(uid, this.clock.now() + SYNC_RETRY_MS);
    runtimePod = await this.readPod(uid);
    if (hasProbes(pod)) this.probes.sync(pod, runtimePod);
    const status = this.statusOf(pod, runtimePod, false);
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return this.terminate(pod, runtimePod);
    await this.writeStatus(pod, status);
  }

  /**
   * Carries out a sync's plan: kill, (re)create the sandbox, start the ephemeral containers, then
   * the next init container or the containers.
   */
  private async carryOut(pod: Pod, runtimePod: RuntimePod, actions: PodActions): Promise<void> {
    const uid = pod.metadata.uid!;
    const grace = effectiveGracePeriod(pod);
    if (actions.killPod) await this.killPod(pod, runtimePod, grace);
    for (const kill of actions.containersToKill) await this.killContainer(pod, kill.id, kill.name, grace, kill.message);
    // The runtime pod stays the one the sync read, before these kills: a container killed to be
    // replaced was running as read, not exited, so it starts again at once (upstream's doBackOff
    // reads the pod status of the sync's start).
    const ephemeral = actions.ephemeralContainersToStart.map((i) => ({ container: pod.spec!.ephemeralContainers![i]!, init: false }));
    const toStart = [
      ...ephemeral,
      ...(actions.nextInitContainerToStart ? [{ container: actions.nextInitContainerToStart, init: true }] : actions.containersToStart.map((i) => ({ container: pod.spec!.containers[i]!, init: false }))),
    ];
    if (!actions.createSandbox && toStart.length === 0) return;
    let sandboxId = actions.sandboxId;
    if (actions.createSandbox) {
      sandboxId = await this.runtime.runPodSandbox(sandboxConfigFor(pod, { attempt: actions.attempt, ...(this.logRoot ? { logRoot: this.logRoot } : {}) }));
      this.sandboxOwners.set(sandboxId, uid);
      // Upstream's PLEG sees the new sandbox start and syncs the pod once more: a container that
      // could not start this time (its image in back-off, say) then shows why it waits.
      this.workers.update(uid);
    }
    const podIP = (await this.runtime.podSandboxStatus(sandboxId)).network.ip;
    for (const { container, init } of toStart) await this.startContainer(pod, container, init, sandboxId, podIP, runtimePod);
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
    const uid = pod.metadata.uid!;
    const name = container.name;
    const reasons = this.reasonsOf(uid);
    const key = `${uid}/${name}`;
    const newest = newestContainer(runtimePod, name);
    // Upstream's doBackOff measures from the newest run that had exited when the sync read the
    // runtime: a run running then (killed by this sync to be replaced) or never started is passed over.
    const lastExit = runtimePod.containers.find((c) => c.metadata.name === name && c.state === 'CONTAINER_EXITED');
    if (lastExit) {
      if (this.backoff.isInBackOffSince(key, lastExit.finishedAt)) {
        const delay = this.backoff.get(key);
        reasons.set(name, { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(delay)} restarting failed container=${name} pod=${podDescription(pod)}` });
        void this.events.record(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${podDescription(pod)}`, name, init);
        this.wakeAt(uid, lastExit.finishedAt + delay);
        return;
      }
      this.backoff.next(key, lastExit.finishedAt);
    }
    const image = container.image ?? '';
    const imageKey = `${uid}/${image}`;
    if (this.imageBackoff.isInBackOffSinceUpdate(imageKey)) {
      const entry = this.imageBackoff.entry(imageKey)!;
      reasons.set(name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ${this.pullErrors.get(imageKey) ?? ''}` });
      void this.events.record(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, name, init);
      void this.events.record(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', name, init);
      this.wakeAt(uid, entry.lastUpdate + entry.backoff);
      return;
    }
    let id: string;
    try {
      id = await this.runtime.createContainer(sandboxId, containerConfigFor(pod, container, { podIP, attempt: newest ? newest.metadata.attempt + 1 : this.attemptFromLogs(pod, name) }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof RuntimeError && error.reason === 'ErrImagePull') {
        this.imageBackoff.next(imageKey, this.clock.now());
        this.pullErrors.set(imageKey, message);
        reasons.set(name, { reason: 'ErrImagePull', message });
        // The image manager's order: it said it was pulling before the pull failed.
        void this.events.record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, name, init);
        void this.events.record(pod, 'Warning', 'Failed', message, name, init);
        void this.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', name, init);
        this.wakeAt(uid, this.clock.now() + this.imageBackoff.get(imageKey));
        return;
      }
      reasons.set(name, { reason: error instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError', message });
      void this.events.record(pod, 'Warning', 'Failed', `Error: ${message}`, name, init);
      return;
    }
    this.imageBackoff.reset(imageKey);
    void this.events.record(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, name, init);
    void this.events.record(pod, 'Normal', 'Created', `Created container ${name}`, name, init);
    try {
      await this.runtime.startContainer(id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reasons.set(name, { reason: 'RunContainerError', message });
      void this.events.record(pod, 'Warning', 'Failed', `Error: ${message}`, name, init);
      return;
    }
    void this.events.record(pod, 'Normal', 'Started', `Started container ${name}`, name, init);
    reasons.delete(name);
    // Keep the newest exited run (for lastState and logs --previous); older ones go.
    const exited = runtimePod.containers.filter((c) => c.metadata.name === name && c.state === 'CONTAINER_EXITED');
    for (const old of exited.slice(1)) await this.runtime.removeContainer(old.id);
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
    const uid = pod.metadata.uid!;
    this.probes.removePod(uid);
    this.clearWakeup(uid);
    await this.killPod(pod, runtimePod, effectiveGracePeriod(pod));
    const after = await this.readPod(uid);
    await this.writeStatus(pod, this.statusOf(pod, after, true));
    if (pod.metadata.deletionTimestamp && !this.pods.get(uid)?.removed) {
      try {
        await this.client.pods(pod.metadata.namespace).delete(pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (error) {
        // NotFound: it is gone already; Conflict: the name is another pod's now. Anything else
        // fails the sync, which is tried again (upstream's status manager retries the delete).
        if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Conflict')) throw error;
      }
    }
  }

  /** A pod the API no longer has: stop what runs, remove its sandboxes (and so its containers), forget it. */
  private async cleanUp(uid: string, pod: Pod | undefined, runtimePod: RuntimePod): Promise<void> {
    this.probes.removePod(uid);
    this.clearWakeup(uid);
    if (pod) await this.killPod(pod, runtimePod, effectiveGracePeriod(pod));
    for (const sandbox of runtimePod.sandboxes) {
      await this.runtime.removePodSandbox(sandbox.id);
      this.sandboxOwners.delete(sandbox.id);
    }
    this.pods.delete(uid);
    this.reasons.delete(uid);
    this.written.delete(uid);
    for (const c of pod?.spec?.containers ?? []) this.backoff.reset(`${uid}/${c.name}`);
    for (const c of pod?.spec?.initContainers ?? []) this.backoff.reset(`${uid}/${c.name}`);
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
    const uid = pod.metadata.uid!;
    const text = JSON.stringify(status);
    const last = this.written.get(uid);
    if (last?.text === text && last.acknowledged) return;
    // Remembered before the write, as upstream's status manager caches what it means to write: a
    // write that fails (the apiserver down) leaves the API with another status, which the relist
    // then shows, and reconcileStatusLater writes this one again; so does the sync's retry, which
    // is why a write with no answer is not taken as done.
    const entry = { status, text, acknowledged: false };
    this.written.set(uid, entry);
    try {
      await this.client.pods(pod.metadata.namespace).updateStatus({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata.name!, namespace: pod.metadata.namespace ?? 'default', uid }, spec: pod.spec!, status });
    } catch (error) {
      // The pod is gone (NotFound) or the name is another pod's now (Conflict): nothing to write.
      if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Conflict')) throw error;
    }
    entry.acknowledged = true;
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
