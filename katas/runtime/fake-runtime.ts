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
import { findImage, NotImplemented, type Clock, type Timer } from '@kube/kit';
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
  constructor(options: FakeRuntimeOptions) {
    // TODO(22): keep the clock; a RuntimeState on it; a PodIPAllocator on the pod CIDR (default 127.0.1.0/24); the node's IP (default 127.0.0.1); the root (default /fake); the behaviours given.
    throw new NotImplemented('22', 'FakeRuntime.constructor');
  }

  /**
   * Scripts the containers made from `image` (a name without tag) from now on. An image that is
   * not in the kit's registry becomes pullable by being given a behaviour.
   */
  setBehavior(image: string, behavior: FakeBehavior): void {
    // TODO(22): remember the behaviour under the image's name without its tag (imageName).
    throw new NotImplemented('22', 'FakeRuntime.setBehavior');
  }

  /** A running container exits now with `exitCode`, as if its process died. FailedPrecondition if it is not running. */
  exit(containerId: string, exitCode: number): void {
    // TODO(22): the running container exits now with this code (markExited); cancel its timers and wake whoever waits for its exit.
    throw new NotImplemented('22', 'FakeRuntime.exit');
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    // TODO(22): allocate an IP (on the NODE network: the node's IP, none allocated), then addSandbox with the log directory (config.logDirectory, default <root>/pods/<namespace>_<name>_<uid>); give the IP back if that throws.
    throw new NotImplemented('22', 'FakeRuntime.runPodSandbox');
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    // TODO(22): NotFound for an unknown sandbox; kill its running containers now (137); if it was ready, free its IP (unless it is the node's) and mark it stopped.
    throw new NotImplemented('22', 'FakeRuntime.stopPodSandbox');
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    // TODO(22): unknown: nothing; else stop it, remove its containers, delete it.
    throw new NotImplemented('22', 'FakeRuntime.removePodSandbox');
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    // TODO(22): the state's copy.
    throw new NotImplemented('22', 'FakeRuntime.podSandboxStatus');
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    // TODO(22): the state's copies.
    throw new NotImplemented('22', 'FakeRuntime.listPodSandbox');
  }

  async createContainer(podSandboxId: string, config: ContainerConfig): Promise<string> {
    // TODO(22): readySandbox; ErrImagePull (imagePullError) unless the image has a behaviour or is in the kit's registry (findImage); the log path <logDirectory>/<logPath or name/attempt.log>; addContainer with imageRef = the image's name.
    throw new NotImplemented('22', 'FakeRuntime.createContainer');
  }

  async startContainer(containerId: string): Promise<void> {
    // TODO(22): checkStartable; markRunning; remember its behaviour, its timers and a promise of its exit; with exitAfterMs, a clock timer that exits it with exitCode (default 0).
    throw new NotImplemented('22', 'FakeRuntime.startContainer');
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    // TODO(22): NotFound for unknown; not running: nothing. timeout <= 0: exit now 137. Else SIGTERM: terminationMs 0 exits now with sigtermExitCode (143); a number: a timer for that; "ignore": nothing. And a timer for SIGKILL (137) at the timeout. Wait for the exit.
    throw new NotImplemented('22', 'FakeRuntime.stopContainer');
  }

  async removeContainer(containerId: string): Promise<void> {
    // TODO(22): unknown: nothing; running: exit now 137 first; then deleteContainer.
    throw new NotImplemented('22', 'FakeRuntime.removeContainer');
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    // TODO(22): the state's copies.
    throw new NotImplemented('22', 'FakeRuntime.listContainers');
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    // TODO(22): the state's copy.
    throw new NotImplemented('22', 'FakeRuntime.containerStatus');
  }

  async execSync(containerId: string, cmd: string[], _timeoutSeconds: number): Promise<ExecSyncResponse> {
    // TODO(22): NotFound; FailedPrecondition unless running; the behaviour's exec(cmd), or exit code 0 and no output.
    throw new NotImplemented('22', 'FakeRuntime.execSync');
  }

  onContainerEvent(listener: (event: ContainerEvent) => void): () => void {
    // TODO(22): the state's events.
    throw new NotImplemented('22', 'FakeRuntime.onContainerEvent');
  }

}
