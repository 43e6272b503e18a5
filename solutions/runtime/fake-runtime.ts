/**
 * A runtime with no processes: containers are records whose exits are scripted on the injected
 * clock. The kubelet's tests (katas 23–25) use it, and so does the simulated scale run, where a
 * node with 110 pods costs a few maps instead of 110 processes.
 *
 * What a container does is its image's {@link FakeBehavior}: by default it runs until stopped and
 * exits at once on SIGTERM with 143 (what a process without a SIGTERM handler does).
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const runtime = new FakeRuntime({ clock });
 * runtime.setBehavior('kubekata/crasher', { exitAfterMs: 500, exitCode: 3 });
 * const sandbox = await runtime.runPodSandbox({ metadata: { name: 'p', namespace: 'default', uid: 'u' } });
 * const id = await runtime.createContainer(sandbox, { metadata: { name: 'c' }, image: { image: 'kubekata/crasher' } });
 * await runtime.startContainer(id);
 * await clock.advance(500);
 * (await runtime.containerStatus(id)).exitCode; // 3, reason 'Error'
 * ```
 */
import { findImage, type Clock, type Timer } from '@kube/kit';
import {
  RuntimeError,
  type Container,
  type ContainerConfig,
  type ContainerEvent,
  type ContainerFilter,
  type ContainerStatus,
  type ExecSyncResponse,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatus,
  type RuntimeService,
} from './cri.ts';
import { imageName, imagePullError } from './images.ts';
import { PodIPAllocator } from './pod-network.ts';
import { RuntimeState } from './runtime-state.ts';

/** How a fake container behaves, per image. Every field is optional. */
export interface FakeBehavior {
  /** It exits by itself this long after it started (on the clock); absent: it runs until stopped. */
  exitAfterMs?: number;
  /** The code of that exit; default 0. */
  exitCode?: number;
  /** How long it takes to exit after SIGTERM; default 0 (at once). `'ignore'`: only SIGKILL ends it. */
  terminationMs?: number | 'ignore';
  /** The code it exits with after SIGTERM; default 143 (killed by the signal). An app that handles it may exit 0. */
  sigtermExitCode?: number;
  /** What `execSync` answers; default exit code 0 and no output. */
  exec?: (cmd: string[]) => ExecSyncResponse;
}

/** How to build a {@link FakeRuntime}. */
export interface FakeRuntimeOptions {
  /** the clock of its timestamps and its scripted exits and grace periods */
  clock: Clock;
  /** the node's pod CIDR; default `127.0.1.0/24` */
  podCIDR?: string;
  /** the node's IP, which a sandbox on the `NODE` network reports; default `127.0.0.1` */
  nodeIP?: string;
  /** behaviours by image name (without tag); see {@link FakeRuntime.setBehavior} */
  behaviors?: Record<string, FakeBehavior>;
  /** where log paths point (no file is written); default `/fake` */
  root?: string;
}

/** SIGKILL's exit code: 128 + 9. */
const SIGKILL_EXIT = 137;

/** A running fake container's timers and the promise of its exit. */
interface Running {
  behavior: FakeBehavior;
  timers: Timer[];
  exited: Promise<void>;
  resolveExited: () => void;
}

/** A {@link RuntimeService} on the clock, for tests and simulated nodes. */
export class FakeRuntime implements RuntimeService {
  private readonly clock: Clock;
  private readonly state: RuntimeState;
  private readonly ips: PodIPAllocator;
  private readonly nodeIP: string;
  private readonly behaviors = new Map<string, FakeBehavior>();
  private readonly running = new Map<string, Running>();
  private readonly root: string;

  constructor(options: FakeRuntimeOptions) {
    this.clock = options.clock;
    this.state = new RuntimeState(options.clock);
    this.ips = new PodIPAllocator(options.podCIDR ?? '127.0.1.0/24');
    this.nodeIP = options.nodeIP ?? '127.0.0.1';
    this.root = options.root ?? '/fake';
    for (const [image, behavior] of Object.entries(options.behaviors ?? {})) this.setBehavior(image, behavior);
  }

  /**
   * Scripts the containers made from `image` (a name without tag) from now on. An image that is
   * not in the kit's registry becomes pullable by being given a behaviour.
   */
  setBehavior(image: string, behavior: FakeBehavior): void {
    this.behaviors.set(imageName(image), behavior);
  }

  /** A running container exits now with `exitCode`, as if its process died. FailedPrecondition if it is not running. */
  exit(containerId: string, exitCode: number): void {
    this.finish(containerId, exitCode, '');
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    // A pod on the node's network shares the node's address: it takes none of the pod CIDR's.
    const onNode = config.namespaceOptions?.network === 'NODE';
    const ip = onNode ? this.nodeIP : this.ips.allocate();
    try {
      const m = config.metadata;
      return this.state.addSandbox(config, { ip, logDirectory: config.logDirectory ?? `${this.root}/pods/${m?.namespace}_${m?.name}_${m?.uid}` }).id;
    } catch (error) {
      if (!onNode) this.ips.release(ip);
      throw error;
    }
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = this.state.sandbox(podSandboxId);
    for (const c of this.state.containersOf(podSandboxId)) {
      if (c.state === 'CONTAINER_RUNNING') this.finish(c.id, SIGKILL_EXIT, 'killed by SIGKILL: its sandbox was stopped');
    }
    if (sandbox.state === 'SANDBOX_READY') {
      if (sandbox.ip !== this.nodeIP) this.ips.release(sandbox.ip);
      this.state.markSandboxStopped(podSandboxId);
    }
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    if (!this.state.findSandbox(podSandboxId)) return;
    await this.stopPodSandbox(podSandboxId);
    for (const c of this.state.containersOf(podSandboxId)) this.state.deleteContainer(c.id);
    this.state.deleteSandbox(podSandboxId);
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    return this.state.sandboxStatus(podSandboxId);
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return this.state.listSandboxes(filter);
  }

  async createContainer(podSandboxId: string, config: ContainerConfig): Promise<string> {
    const sandbox = this.state.readySandbox(podSandboxId);
    const ref = config.image?.image ?? '';
    const name = imageName(ref);
    if (!this.behaviors.has(name) && !findImage(ref)) throw imagePullError(ref);
    const logPath = `${sandbox.logDirectory}/${config.logPath ?? `${config.metadata?.name}/${config.metadata?.attempt ?? 0}.log`}`;
    return this.state.addContainer(podSandboxId, config, { imageRef: name, logPath }).id;
  }

  async startContainer(containerId: string): Promise<void> {
    const container = this.state.checkStartable(containerId);
    const behavior = this.behaviors.get(container.imageRef) ?? {};
    let resolveExited!: () => void;
    const exited = new Promise<void>((resolve) => (resolveExited = resolve));
    const run: Running = { behavior, timers: [], exited, resolveExited };
    this.running.set(containerId, run);
    this.state.markRunning(containerId);
    if (behavior.exitAfterMs !== undefined) {
      run.timers.push(this.clock.setTimeout(() => this.finish(containerId, behavior.exitCode ?? 0, ''), behavior.exitAfterMs));
    }
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const container = this.state.container(containerId);
    const run = this.running.get(containerId);
    if (container.state !== 'CONTAINER_RUNNING' || !run) return;
    if (!(timeoutSeconds > 0)) {
      this.finish(containerId, SIGKILL_EXIT, 'killed by SIGKILL: stopped without a grace period');
      return;
    }
    // SIGTERM: the container's own way out, if it has one...
    const { terminationMs = 0, sigtermExitCode = 143 } = run.behavior;
    if (terminationMs === 0) {
      this.finish(containerId, sigtermExitCode, '');
      return;
    }
    if (terminationMs !== 'ignore') run.timers.push(this.clock.setTimeout(() => this.finish(containerId, sigtermExitCode, ''), terminationMs));
    // ...and SIGKILL when the grace period runs out.
    run.timers.push(this.clock.setTimeout(() => this.finish(containerId, SIGKILL_EXIT, `killed by SIGKILL after the ${timeoutSeconds}s grace period`), timeoutSeconds * 1000));
    await run.exited;
  }

  async removeContainer(containerId: string): Promise<void> {
    const container = this.state.findContainer(containerId);
    if (!container) return;
    if (container.state === 'CONTAINER_RUNNING') this.finish(containerId, SIGKILL_EXIT, 'killed by SIGKILL: the container was removed');
    this.state.deleteContainer(containerId);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return this.state.listContainers(filter);
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    return this.state.containerStatus(containerId);
  }

  async execSync(containerId: string, cmd: string[], _timeoutSeconds: number): Promise<ExecSyncResponse> {
    const container = this.state.container(containerId);
    if (container.state !== 'CONTAINER_RUNNING') throw new RuntimeError('FailedPrecondition', `container "${containerId}" is in ${container.state} state: exec needs a running container`);
    return this.running.get(containerId)?.behavior.exec?.(cmd) ?? { stdout: '', stderr: '', exitCode: 0 };
  }

  onContainerEvent(listener: (event: ContainerEvent) => void): () => void {
    return this.state.onContainerEvent(listener);
  }

  /** The container exits now (if it still runs): its timers are cancelled, its waiters woken. */
  private finish(containerId: string, exitCode: number, message: string): void {
    this.state.markExited(containerId, exitCode, message);
    const run = this.running.get(containerId);
    if (!run) return;
    this.running.delete(containerId);
    for (const timer of run.timers) this.clock.clearTimeout(timer);
    run.resolveExited();
  }
}
