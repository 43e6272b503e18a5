/**
 * The Container Runtime Interface, as the kubelet sees it: the {@link RuntimeService} that both
 * runtimes of kata 22 implement ({@link FakeRuntime} on a clock, {@link ProcessRuntime} with real
 * processes) and that kata 23's kubelet drives. Given code: read it, do not change it.
 *
 * It follows CRI's `RuntimeService` (k8s.io/cri-api, `pkg/apis/runtime/v1/api.proto`) and the
 * Go interface the kubelet calls it through (`pkg/apis/services.go`), with the shapes simplified:
 * camelCase methods instead of gRPC, a few arguments instead of request messages, times in epoch
 * milliseconds (CRI: nanoseconds), no Linux security options but the network's namespace mode, no
 * mounts, devices or streaming.
 *
 * A **pod sandbox** is what a pod's containers share: here a loopback address (the pod's IP),
 * a working directory and a log directory. A **container** lives in one sandbox and goes through
 *
 * ```
 *   createContainer        startContainer           exits / stopContainer       removeContainer
 *  ─────────────────▶ CREATED ─────────────▶ RUNNING ─────────────────────▶ EXITED ─────────────▶ (gone)
 *                       │                                                      ▲
 *                       └──────────────── removeContainer ─────────────────────┼──▶ (gone)
 *                                                        RUNNING ── removeContainer (killed first)
 * ```
 *
 * A container never goes back: a restart (kata 23) is a new container with `attempt + 1`.
 *
 * @example A pod with one container, from start to end
 * ```ts
 * const runtime: RuntimeService = new ProcessRuntime({ root: '/tmp/node-1', podCIDR: '127.0.1.0/24' });
 * const sandboxId = await runtime.runPodSandbox({ metadata: { name: 'web-1', namespace: 'default', uid: 'u1' } });
 * (await runtime.podSandboxStatus(sandboxId)).network.ip;           // '127.0.1.2'
 * const id = await runtime.createContainer(sandboxId, {
 *   metadata: { name: 'web' },
 *   image: { image: 'kubekata/echo' },
 *   envs: [{ key: 'POD_IP', value: '127.0.1.2' }, { key: 'PORT', value: '8080' }],
 * });
 * await runtime.startContainer(id);                                   // a real process now serves 127.0.1.2:8080
 * (await runtime.containerStatus(id)).state;                          // 'CONTAINER_RUNNING'
 * await runtime.stopContainer(id, 30);                                // SIGTERM; SIGKILL if still alive after 30 s
 * (await runtime.containerStatus(id)).reason;                         // 'Completed' (the echo server exits 0 on SIGTERM)
 * await runtime.removeContainer(id);
 * await runtime.stopPodSandbox(sandboxId);                            // frees 127.0.1.2
 * await runtime.removePodSandbox(sandboxId);
 * ```
 * @module
 */

/** A container's state (CRI `ContainerState`). */
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

/** Whose network a sandbox is on (CRI `NamespaceMode`; its CONTAINER and TARGET modes are not used here). */
export type NamespaceMode = 'POD' | 'NODE';

/** A sandbox's state (CRI `PodSandboxState`): ready until stopped. */
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

/** Which pod a sandbox is for. `attempt` counts the pod's sandboxes (the kubelet makes a new one when one dies). */
export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  /** default 0 */
  attempt?: number;
}

/**
 * What `runPodSandbox` gets (CRI `PodSandboxConfig`, simplified).
 *
 * @example
 * ```ts
 * const config: PodSandboxConfig = {
 *   metadata: { name: 'web-1', namespace: 'default', uid: '0c1f…' },
 *   hostname: 'web-1',
 *   logDirectory: '/tmp/node-1/pods/default_web-1_0c1f…',
 *   labels: { 'io.kubernetes.pod.name': 'web-1', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': '0c1f…' },
 * };
 * ```
 */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** the pod's hostname (`HOSTNAME` in its containers); default the pod's name */
  hostname?: string;
  /**
   * Which network the sandbox is on (CRI `linux.security_context.namespace_options.network`):
   * `POD` (the default) its own, with an address from the pod CIDR; `NODE` the node's, for a pod
   * with `hostNetwork: true`.
   */
  namespaceOptions?: { network?: NamespaceMode };
  /**
   * The folder the containers' logs go into (the kubelet's `/var/log/pods/<ns>_<name>_<uid>`);
   * default `<runtime root>/pods/<namespace>_<name>_<uid>`.
   */
  logDirectory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A sandbox as `listPodSandbox` shows it (CRI `PodSandbox`). */
export interface PodSandbox {
  id: string;
  metadata: Required<PodSandboxMetadata>;
  state: PodSandboxState;
  /** epoch ms */
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A sandbox in full (CRI `PodSandboxStatus`): with its network and log directory. */
export interface PodSandboxStatus extends PodSandbox {
  /**
   * The pod's address: its own loopback IP while ready (on the `NODE` network, the node's IP:
   * upstream's runtime reports none there and the kubelet writes the node's IPs into the pod's
   * status; here the runtime says it, so that everything reading the sandbox's IP — the status,
   * the probes, `POD_IP` — finds the node's); `''` once stopped (the address is free again).
   */
  network: { ip: string };
  hostname: string;
  logDirectory: string;
}

/** Which of its pod's containers this is, and which run of it (`attempt`, 0 first; CRI `ContainerMetadata`). */
export interface ContainerMetadata {
  name: string;
  /** default 0; the kubelet passes the restart count */
  attempt?: number;
}

/** An environment variable (CRI `KeyValue`). */
export interface KeyValue {
  key: string;
  value: string;
}

/** Which image a container runs (CRI `ImageSpec`). */
export interface ImageSpec {
  /** an image reference: `"kubekata/echo"`, `"kubekata/sleeper:1.0"` */
  image: string;
}

/**
 * What `createContainer` gets (CRI `ContainerConfig`, simplified). `command` and `args` follow
 * Kubernetes' rules: a command replaces the image's entrypoint (and its default arguments), args
 * replace the default arguments.
 *
 * @example
 * ```ts
 * const config: ContainerConfig = {
 *   metadata: { name: 'web', attempt: 0 },
 *   image: { image: 'kubekata/echo' },
 *   envs: [{ key: 'PORT', value: '8080' }, { key: 'POD_NAME', value: 'web-1' }],
 *   logPath: 'web/0.log',
 * };
 * ```
 */
export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  command?: string[];
  args?: string[];
  /** relative to the sandbox's working directory (a leading `/` is the sandbox's own root) */
  workingDir?: string;
  envs?: KeyValue[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** relative to the sandbox's log directory; default `<name>/<attempt>.log` (the kubelet's layout) */
  logPath?: string;
  /**
   * The container's `stdin`, `stdinOnce` and `tty`, for `kubectl attach`. Kata 22's runtimes leave
   * them alone (their containers' stdin is /dev/null); the cluster's nodes give such a container
   * a stdin and a terminal around the runtime (cluster/container-stdin.ts).
   */
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}

/** A container as `listContainers` shows it (CRI `Container`). */
export interface Container {
  id: string;
  podSandboxId: string;
  metadata: Required<ContainerMetadata>;
  image: ImageSpec;
  /** the image the runtime resolved it to: `"kubekata/echo"` without its tag (CRI: a digest) */
  imageRef: string;
  state: ContainerState;
  /** epoch ms */
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * A container in full (CRI `ContainerStatus`). The times are epoch ms, `0` for what has not
 * happened yet. `exitCode` is 128 + the signal's number for a process a signal ended (SIGTERM 143,
 * SIGKILL 137). `reason` is set once it exited: `"Completed"` for exit code 0, `"Error"` for any
 * other (never `"OOMKilled"` here: there is no memory limit to enforce; see the kata).
 */
export interface ContainerStatus extends Container {
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** `""` until it exited, then `"Completed"` or `"Error"` (`"StartError"` when its process could not be started) */
  reason: string;
  /** for people: what happened (`"killed by SIGKILL after the 30s grace period"`), or `""` */
  message: string;
  /** the absolute path of its log file, in the CRI log format */
  logPath: string;
}

/** Selects sandboxes: every field given must match (CRI `PodSandboxFilter`). */
export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  /** each label must be present with this value */
  labelSelector?: Record<string, string>;
}

/** Selects containers: every field given must match (CRI `ContainerFilter`). */
export interface ContainerFilter {
  id?: string;
  state?: ContainerState;
  podSandboxId?: string;
  /** each label must be present with this value */
  labelSelector?: Record<string, string>;
}

/** What a command run with `execSync` printed, and how it exited. */
export interface ExecSyncResponse {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A change of a container (CRI `ContainerEventResponse`, the "evented PLEG"'s stream). */
export interface ContainerEvent {
  type: 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';
  containerId: string;
  podSandboxId: string;
  /** epoch ms, on the runtime's clock */
  createdAt: number;
}

/**
 * gRPC's status codes that the CRI's errors use (google.golang.org/grpc/codes): the kubelet
 * tells "not found" from "wrong state" by them.
 */
export type RuntimeErrorCode = 'NotFound' | 'AlreadyExists' | 'FailedPrecondition' | 'InvalidArgument' | 'DeadlineExceeded' | 'ResourceExhausted' | 'Unknown';

/**
 * What every method of a {@link RuntimeService} throws (a rejected promise), with a code and,
 * for an image that cannot be pulled, the reason the kubelet shows: `ErrImagePull`.
 *
 * @example
 * ```ts
 * try { await runtime.startContainer(id); }
 * catch (e) { if (e instanceof RuntimeError && e.code === 'NotFound') { ... } }
 * ```
 */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';

  /**
   * @param code - the gRPC code
   * @param message - what was wrong and, where it helps, what would be right
   * @param reason - a kubelet reason for the container's waiting state (`"ErrImagePull"`)
   */
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/**
 * A container runtime, as the kubelet uses it (CRI `RuntimeService`). Every method is async and
 * rejects with a {@link RuntimeError}. Unknown ids are `NotFound`, except for the calls CRI makes
 * idempotent: removing what is already gone succeeds.
 */
export interface RuntimeService {
  /**
   * Creates a sandbox for a pod, ready at once, with its own IP from the node's pod CIDR (on the
   * `NODE` network: the node's IP, taking none from the CIDR), its working directory and its log
   * directory. Returns its id.
   * `InvalidArgument` without a name, namespace or uid; `AlreadyExists` while a sandbox with the
   * same name, namespace, uid and attempt exists; `ResourceExhausted` when no IP is free.
   */
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /**
   * Kills every running container of the sandbox at once (SIGKILL: the kubelet stops them
   * gracefully before), frees its IP, and marks it `SANDBOX_NOTREADY`. Stopping a stopped sandbox
   * does nothing.
   */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /**
   * Stops the sandbox if it is ready, removes all its containers, and forgets it (its log
   * directory stays, for the kubelet to clean up). An unknown id is no error.
   */
  removePodSandbox(podSandboxId: string): Promise<void>;
  /** The sandbox in full. `NotFound` for an unknown id. */
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  /** The sandboxes the filter selects, oldest first. */
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  /**
   * Creates a container in a ready sandbox, in state `CONTAINER_CREATED`; returns its id.
   * `NotFound` for an unknown sandbox; `FailedPrecondition` when the sandbox is not ready;
   * `AlreadyExists` while a container of that name and attempt exists in the sandbox;
   * `NotFound` with reason `ErrImagePull` when the image is not in the registry.
   */
  createContainer(podSandboxId: string, config: ContainerConfig): Promise<string>;
  /**
   * Starts a created container: `CONTAINER_RUNNING`, with `startedAt`. `FailedPrecondition` if it
   * is not `CONTAINER_CREATED` (a container starts once) or its sandbox is not ready.
   */
  startContainer(containerId: string): Promise<void>;
  /**
   * Stops a running container: SIGTERM, then SIGKILL if it is still running `timeoutSeconds`
   * later (at once when `timeoutSeconds` <= 0). Resolves once it has exited. A container that is
   * not running is left as it is (CRI: idempotent).
   */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container, killing it first if it runs. An unknown id is no error. Its log file stays. */
  removeContainer(containerId: string): Promise<void>;
  /** The containers the filter selects, oldest first. */
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  /** The container in full. `NotFound` for an unknown id. */
  containerStatus(containerId: string): Promise<ContainerStatus>;
  /**
   * Runs a command in a running container and waits for it: its output and exit code (a
   * non-zero exit is a result, not an error). `FailedPrecondition` if the container is not
   * running; `DeadlineExceeded` if it takes longer than `timeoutSeconds` (0: no limit).
   */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;

  /**
   * Calls `listener` for every change of every container, in order, as it happens (CRI
   * `GetContainerEvents`). Returns a function that unsubscribes.
   */
  onContainerEvent(listener: (event: ContainerEvent) => void): () => void;
}

/** The reason of an exited container: `"Completed"` for exit code 0, `"Error"` for any other. */
export function exitReason(exitCode: number): 'Completed' | 'Error' {
  return exitCode === 0 ? 'Completed' : 'Error';
}
