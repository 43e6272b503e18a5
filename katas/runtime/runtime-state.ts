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
import { NotImplemented, type Clock } from '@kube/kit';
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

/** The sandboxes and containers of one runtime, and the rules of their states. */
export class RuntimeState {

  /** @param clock - stamps createdAt, startedAt, finishedAt and the events */
  constructor(clock: Clock) {
    // TODO(22): keep the clock; sandboxes and containers by id, the reserved names, the event listeners.
    throw new NotImplemented('22', 'RuntimeState.constructor');
  }

  /**
   * Records a new ready sandbox and returns it. InvalidArgument without a name, namespace or uid;
   * AlreadyExists while another sandbox has the same name, namespace, uid and attempt.
   */
  addSandbox(config: PodSandboxConfig, init: { ip: string; logDirectory: string }): SandboxRecord {
    // TODO(22): check name, namespace and uid (InvalidArgument); reserve "<name>_<namespace>_<uid>_<attempt>" (AlreadyExists while taken, in the words of the spec); record it SANDBOX_READY with a new id, createdAt now, the hostname (default the pod name).
    throw new NotImplemented('22', 'RuntimeState.addSandbox');
  }

  /** The sandbox with this id; NotFound otherwise. */
  sandbox(id: string): SandboxRecord {
    // TODO(22): the record, or RuntimeError NotFound `sandbox "<id>" not found`.
    throw new NotImplemented('22', 'RuntimeState.sandbox');
  }

  /** The sandbox with this id, or undefined. */
  findSandbox(id: string): SandboxRecord | undefined {
    // TODO(22): the record or undefined.
    throw new NotImplemented('22', 'RuntimeState.findSandbox');
  }

  /** The sandbox, if it is ready: NotFound for an unknown id, FailedPrecondition when it is not ready. */
  readySandbox(id: string): SandboxRecord {
    // TODO(22): the record (NotFound as sandbox()), FailedPrecondition unless SANDBOX_READY.
    throw new NotImplemented('22', 'RuntimeState.readySandbox');
  }

  /** Marks a sandbox SANDBOX_NOTREADY and forgets its IP (the caller frees it). */
  markSandboxStopped(id: string): void {
    // TODO(22): state SANDBOX_NOTREADY, ip "".
    throw new NotImplemented('22', 'RuntimeState.markSandboxStopped');
  }

  /** Forgets a sandbox and frees its name. FailedPrecondition while it still has containers. */
  deleteSandbox(id: string): void {
    // TODO(22): FailedPrecondition while it has containers; forget it and free its name.
    throw new NotImplemented('22', 'RuntimeState.deleteSandbox');
  }

  /** The containers of a sandbox, oldest first. */
  containersOf(podSandboxId: string): ContainerRecord[] {
    // TODO(22): the sandbox's containers, in the order they were created.
    throw new NotImplemented('22', 'RuntimeState.containersOf');
  }

  /**
   * Records a new container, CONTAINER_CREATED, and emits CONTAINER_CREATED_EVENT. NotFound for an
   * unknown sandbox; FailedPrecondition if it is not ready; InvalidArgument without a name;
   * AlreadyExists while the sandbox has a container of that name and attempt.
   */
  addContainer(podSandboxId: string, config: ContainerConfig, init: { imageRef: string; logPath: string }): ContainerRecord {
    // TODO(22): readySandbox first; InvalidArgument without a name; reserve "<container>_<pod>_<namespace>_<uid>_<attempt>"; record it CONTAINER_CREATED (times 0, reason "") and emit CONTAINER_CREATED_EVENT.
    throw new NotImplemented('22', 'RuntimeState.addContainer');
  }

  /** The container with this id; NotFound otherwise. */
  container(id: string): ContainerRecord {
    // TODO(22): the record, or RuntimeError NotFound `container "<id>" not found`.
    throw new NotImplemented('22', 'RuntimeState.container');
  }

  /** The container with this id, or undefined. */
  findContainer(id: string): ContainerRecord | undefined {
    // TODO(22): the record or undefined.
    throw new NotImplemented('22', 'RuntimeState.findContainer');
  }

  /**
   * Checks that a container may start: it exists, is CONTAINER_CREATED, and its sandbox is ready.
   * Throws NotFound or FailedPrecondition; changes nothing.
   */
  checkStartable(id: string): ContainerRecord {
    // TODO(22): NotFound; FailedPrecondition unless CONTAINER_CREATED (say its state); FailedPrecondition unless its sandbox is ready.
    throw new NotImplemented('22', 'RuntimeState.checkStartable');
  }

  /** CREATED → RUNNING now, with startedAt; emits CONTAINER_STARTED_EVENT. Checks as {@link checkStartable}. */
  markRunning(id: string): void {
    // TODO(22): checkStartable, then CONTAINER_RUNNING with startedAt now, and CONTAINER_STARTED_EVENT.
    throw new NotImplemented('22', 'RuntimeState.markRunning');
  }

  /**
   * RUNNING → EXITED now: finishedAt, the exit code, its reason ({@link exitReason}, or `reason`
   * when given) and a message; emits CONTAINER_STOPPED_EVENT. FailedPrecondition unless running
   * (`reason` lets a container that never ran, CREATED, exit too: `"StartError"`).
   */
  markExited(id: string, exitCode: number, message = '', reason?: string): void {
    // TODO(22): only from RUNNING (or from CREATED when a reason is given); CONTAINER_EXITED, finishedAt now, exit code, reason (exitReason unless given), message; CONTAINER_STOPPED_EVENT.
    throw new NotImplemented('22', 'RuntimeState.markExited');
  }

  /** Forgets a container that is not running, frees its name; emits CONTAINER_DELETED_EVENT. */
  deleteContainer(id: string): void {
    // TODO(22): FailedPrecondition while running; forget it, free its name, emit CONTAINER_DELETED_EVENT.
    throw new NotImplemented('22', 'RuntimeState.deleteContainer');
  }

  /** The sandboxes the filter selects, oldest first, as copies. */
  listSandboxes(filter: PodSandboxFilter = {}): PodSandbox[] {
    // TODO(22): copies of the sandboxes the filter selects (id, state, every label of the selector), oldest first.
    throw new NotImplemented('22', 'RuntimeState.listSandboxes');
  }

  /** A copy of the sandbox in full; NotFound for an unknown id. */
  sandboxStatus(id: string): PodSandboxStatus {
    // TODO(22): a copy with network.ip, hostname and logDirectory.
    throw new NotImplemented('22', 'RuntimeState.sandboxStatus');
  }

  /** The containers the filter selects, oldest first, as copies. */
  listContainers(filter: ContainerFilter = {}): Container[] {
    // TODO(22): copies of the containers the filter selects (id, state, podSandboxId, labels), oldest first.
    throw new NotImplemented('22', 'RuntimeState.listContainers');
  }

  /** A copy of the container in full; NotFound for an unknown id. */
  containerStatus(id: string): ContainerStatus {
    // TODO(22): a copy with the times, exit code, reason, message and log path.
    throw new NotImplemented('22', 'RuntimeState.containerStatus');
  }

  /** Calls `listener` for every container event from now on; returns the unsubscribe function. */
  onContainerEvent(listener: (event: ContainerEvent) => void): () => void {
    // TODO(22): add the listener; return a function that removes it.
    throw new NotImplemented('22', 'RuntimeState.onContainerEvent');
  }

}
