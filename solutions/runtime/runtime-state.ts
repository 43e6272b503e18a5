/**
 * The bookkeeping both runtimes share: the sandboxes and containers, the container state machine,
 * the names they reserve, the filters of the list calls, and the event stream. It runs no
 * process and sets no timer; {@link FakeRuntime} and {@link ProcessRuntime} drive it.
 *
 * Every transition checks that it is allowed and throws a {@link RuntimeError} saying why not:
 *
 * | call | from | to | otherwise |
 * | --- | --- | --- | --- |
 * | `addContainer` | (sandbox ready) | CREATED | FailedPrecondition (sandbox not ready), AlreadyExists (name taken) |
 * | `markRunning` | CREATED | RUNNING | FailedPrecondition |
 * | `markExited` | RUNNING | EXITED | FailedPrecondition |
 * | `deleteContainer` | CREATED or EXITED | (gone) | FailedPrecondition (still running) |
 *
 * @example
 * ```ts
 * const state = new RuntimeState(clock);
 * const sandbox = state.addSandbox({ metadata: { name: 'web-1', namespace: 'default', uid: 'u1' } }, { ip: '127.0.1.2', logDirectory: '/tmp/logs' });
 * const c = state.addContainer(sandbox.id, { metadata: { name: 'web' }, image: { image: 'kubekata/echo' } }, { imageRef: 'kubekata/echo', logPath: '/tmp/logs/web/0.log' });
 * state.markRunning(c.id);
 * state.markExited(c.id, 0);
 * state.containerStatus(c.id).reason; // 'Completed'
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '@kube/kit';
import {
  exitReason,
  RuntimeError,
  type Container,
  type ContainerConfig,
  type ContainerEvent,
  type ContainerFilter,
  type ContainerMetadata,
  type ContainerState,
  type ContainerStatus,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxMetadata,
  type PodSandboxState,
  type PodSandboxStatus,
} from './cri.ts';

/** A sandbox as the runtime keeps it. */
export interface SandboxRecord {
  id: string;
  metadata: Required<PodSandboxMetadata>;
  state: PodSandboxState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** its address while ready, `''` once stopped */
  ip: string;
  hostname: string;
  logDirectory: string;
}

/** A container as the runtime keeps it. */
export interface ContainerRecord {
  id: string;
  podSandboxId: string;
  metadata: Required<ContainerMetadata>;
  config: ContainerConfig;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  logPath: string;
}

/** A new id, 64 lowercase hex digits like containerd's. */
export function newRuntimeId(): string {
  return randomBytes(32).toString('hex');
}

/** Does every label of the selector appear with its value? */
function labelsMatch(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** The sandboxes and containers of one runtime, and the rules of their states. */
export class RuntimeState {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  /** reserved name → the id holding it (containerd's name index) */
  private readonly names = new Map<string, string>();
  private readonly listeners = new Set<(event: ContainerEvent) => void>();

  /** @param clock - stamps createdAt, startedAt, finishedAt and the events */
  constructor(private readonly clock: Clock) {}

  /**
   * Records a new ready sandbox and returns it. InvalidArgument without a name, namespace or uid;
   * AlreadyExists while another sandbox has the same name, namespace, uid and attempt.
   */
  addSandbox(config: PodSandboxConfig, init: { ip: string; logDirectory: string }): SandboxRecord {
    const m = config.metadata;
    for (const field of ['name', 'namespace', 'uid'] as const) {
      if (!m?.[field]) throw new RuntimeError('InvalidArgument', `the sandbox config needs metadata.${field}`);
    }
    const metadata = { name: m.name, namespace: m.namespace, uid: m.uid, attempt: m.attempt ?? 0 };
    const id = newRuntimeId();
    this.reserve(`${metadata.name}_${metadata.namespace}_${metadata.uid}_${metadata.attempt}`, id, 'sandbox');
    const record: SandboxRecord = {
      id,
      metadata,
      state: 'SANDBOX_READY',
      createdAt: this.clock.now(),
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      ip: init.ip,
      hostname: config.hostname || metadata.name,
      logDirectory: init.logDirectory,
    };
    this.sandboxes.set(id, record);
    return record;
  }

  /** The sandbox with this id; NotFound otherwise. */
  sandbox(id: string): SandboxRecord {
    const found = this.sandboxes.get(id);
    if (!found) throw new RuntimeError('NotFound', `sandbox "${id}" not found`);
    return found;
  }

  /** The sandbox with this id, or undefined. */
  findSandbox(id: string): SandboxRecord | undefined {
    return this.sandboxes.get(id);
  }

  /** The sandbox, if it is ready: NotFound for an unknown id, FailedPrecondition when it is not ready. */
  readySandbox(id: string): SandboxRecord {
    const sandbox = this.sandbox(id);
    if (sandbox.state !== 'SANDBOX_READY') {
      throw new RuntimeError('FailedPrecondition', `sandbox "${id}" is ${sandbox.state}: containers can only be created and started in a ready sandbox`);
    }
    return sandbox;
  }

  /** Marks a sandbox SANDBOX_NOTREADY and forgets its IP (the caller frees it). */
  markSandboxStopped(id: string): void {
    const sandbox = this.sandbox(id);
    sandbox.state = 'SANDBOX_NOTREADY';
    sandbox.ip = '';
  }

  /** Forgets a sandbox and frees its name. FailedPrecondition while it still has containers. */
  deleteSandbox(id: string): void {
    const sandbox = this.sandbox(id);
    const left = this.containersOf(id);
    if (left.length > 0) throw new RuntimeError('FailedPrecondition', `sandbox "${id}" still has ${left.length} container(s): remove them first`);
    this.sandboxes.delete(id);
    this.release(sandbox.id);
  }

  /** The containers of a sandbox, oldest first. */
  containersOf(podSandboxId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.podSandboxId === podSandboxId);
  }

  /**
   * Records a new container, CONTAINER_CREATED, and emits CONTAINER_CREATED_EVENT. NotFound for an
   * unknown sandbox; FailedPrecondition if it is not ready; InvalidArgument without a name;
   * AlreadyExists while the sandbox has a container of that name and attempt.
   */
  addContainer(podSandboxId: string, config: ContainerConfig, init: { imageRef: string; logPath: string }): ContainerRecord {
    const sandbox = this.readySandbox(podSandboxId);
    if (!config.metadata?.name) throw new RuntimeError('InvalidArgument', 'the container config needs metadata.name');
    const metadata = { name: config.metadata.name, attempt: config.metadata.attempt ?? 0 };
    const id = newRuntimeId();
    const s = sandbox.metadata;
    this.reserve(`${metadata.name}_${s.name}_${s.namespace}_${s.uid}_${metadata.attempt}`, id, 'container');
    const record: ContainerRecord = {
      id,
      podSandboxId,
      metadata,
      config,
      imageRef: init.imageRef,
      state: 'CONTAINER_CREATED',
      createdAt: this.clock.now(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: '',
      message: '',
      logPath: init.logPath,
    };
    this.containers.set(id, record);
    this.emit('CONTAINER_CREATED_EVENT', record);
    return record;
  }

  /** The container with this id; NotFound otherwise. */
  container(id: string): ContainerRecord {
    const found = this.containers.get(id);
    if (!found) throw new RuntimeError('NotFound', `container "${id}" not found`);
    return found;
  }

  /** The container with this id, or undefined. */
  findContainer(id: string): ContainerRecord | undefined {
    return this.containers.get(id);
  }

  /**
   * Checks that a container may start: it exists, is CONTAINER_CREATED, and its sandbox is ready.
   * Throws NotFound or FailedPrecondition; changes nothing.
   */
  checkStartable(id: string): ContainerRecord {
    const container = this.container(id);
    if (container.state !== 'CONTAINER_CREATED') {
      throw new RuntimeError('FailedPrecondition', `container "${id}" is in ${container.state} state: only a CONTAINER_CREATED container can be started (a restart is a new container)`);
    }
    this.readySandbox(container.podSandboxId);
    return container;
  }

  /** CREATED → RUNNING now, with startedAt; emits CONTAINER_STARTED_EVENT. Checks as {@link checkStartable}. */
  markRunning(id: string): void {
    const container = this.checkStartable(id);
    container.state = 'CONTAINER_RUNNING';
    container.startedAt = this.clock.now();
    this.emit('CONTAINER_STARTED_EVENT', container);
  }

  /**
   * RUNNING → EXITED now: finishedAt, the exit code, its reason ({@link exitReason}, or `reason`
   * when given) and a message; emits CONTAINER_STOPPED_EVENT. FailedPrecondition unless running
   * (`reason` lets a container that never ran, CREATED, exit too: `"StartError"`).
   */
  markExited(id: string, exitCode: number, message = '', reason?: string): void {
    const container = this.container(id);
    const allowed = container.state === 'CONTAINER_RUNNING' || (reason !== undefined && container.state === 'CONTAINER_CREATED');
    if (!allowed) throw new RuntimeError('FailedPrecondition', `container "${id}" is in ${container.state} state: only a running container can exit`);
    container.state = 'CONTAINER_EXITED';
    container.finishedAt = this.clock.now();
    container.exitCode = exitCode;
    container.reason = reason ?? exitReason(exitCode);
    container.message = message;
    this.emit('CONTAINER_STOPPED_EVENT', container);
  }

  /** Forgets a container that is not running, frees its name; emits CONTAINER_DELETED_EVENT. */
  deleteContainer(id: string): void {
    const container = this.container(id);
    if (container.state === 'CONTAINER_RUNNING') throw new RuntimeError('FailedPrecondition', `container "${id}" is running: stop it before removing it`);
    this.containers.delete(id);
    this.release(id);
    this.emit('CONTAINER_DELETED_EVENT', container);
  }

  /** The sandboxes the filter selects, oldest first, as copies. */
  listSandboxes(filter: PodSandboxFilter = {}): PodSandbox[] {
    return [...this.sandboxes.values()]
      .filter((s) => (filter.id === undefined || s.id === filter.id) && (filter.state === undefined || s.state === filter.state) && labelsMatch(s.labels, filter.labelSelector))
      .map((s) => ({ id: s.id, metadata: { ...s.metadata }, state: s.state, createdAt: s.createdAt, labels: { ...s.labels }, annotations: { ...s.annotations } }));
  }

  /** A copy of the sandbox in full; NotFound for an unknown id. */
  sandboxStatus(id: string): PodSandboxStatus {
    const s = this.sandbox(id);
    return { ...this.listSandboxes({ id })[0]!, network: { ip: s.ip }, hostname: s.hostname, logDirectory: s.logDirectory };
  }

  /** The containers the filter selects, oldest first, as copies. */
  listContainers(filter: ContainerFilter = {}): Container[] {
    return [...this.containers.values()]
      .filter(
        (c) =>
          (filter.id === undefined || c.id === filter.id) &&
          (filter.state === undefined || c.state === filter.state) &&
          (filter.podSandboxId === undefined || c.podSandboxId === filter.podSandboxId) &&
          labelsMatch(c.config.labels ?? {}, filter.labelSelector),
      )
      .map((c) => ({
        id: c.id,
        podSandboxId: c.podSandboxId,
        metadata: { ...c.metadata },
        image: { image: c.config.image.image },
        imageRef: c.imageRef,
        state: c.state,
        createdAt: c.createdAt,
        labels: { ...c.config.labels },
        annotations: { ...c.config.annotations },
      }));
  }

  /** A copy of the container in full; NotFound for an unknown id. */
  containerStatus(id: string): ContainerStatus {
    const c = this.container(id);
    return {
      ...this.listContainers({ id })[0]!,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      reason: c.reason,
      message: c.message,
      logPath: c.logPath,
    };
  }

  /** Calls `listener` for every container event from now on; returns the unsubscribe function. */
  onContainerEvent(listener: (event: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(type: ContainerEvent['type'], c: ContainerRecord): void {
    const event: ContainerEvent = { type, containerId: c.id, podSandboxId: c.podSandboxId, createdAt: this.clock.now() };
    for (const listener of [...this.listeners]) listener(event);
  }

  private reserve(name: string, id: string, what: 'sandbox' | 'container'): void {
    const holder = this.names.get(name);
    if (holder !== undefined) throw new RuntimeError('AlreadyExists', `failed to reserve ${what} name "${name}": name "${name}" is reserved for "${holder}"`);
    this.names.set(name, id);
  }

  private release(id: string): void {
    for (const [name, holder] of this.names) if (holder === id) this.names.delete(name);
  }
}
