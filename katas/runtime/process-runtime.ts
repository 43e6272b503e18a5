/**
 * A runtime whose containers are real OS processes: the image names a program of the kit's local
 * registry (`kit/images/`), run with Node, without a shell, in its own process group, with the
 * sandbox's directory as its working directory and its output in a CRI log file.
 *
 * What stands in for what a container runtime gets from Linux:
 *
 * | a real runtime | here |
 * | --- | --- |
 * | a network namespace with the pod's IP | a loopback address from the pod CIDR, as `POD_IP` |
 * | a PID namespace: when its first process dies, the rest die with it | a process group, killed when its leader exits |
 * | a root filesystem from the image | the sandbox's directory, shared by the pod's containers |
 * | cgroups (memory limits, the OOM killer) | nothing: no limit is enforced, so never `OOMKilled` |
 *
 * @example
 * ```ts
 * const runtime = new ProcessRuntime({ root: '/tmp/node-1', podCIDR: '127.0.1.0/24' });
 * // ... runPodSandbox, createContainer, startContainer as in cri.ts ...
 * await runtime.shutdown(); // every process it started is dead when this resolves
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { NotImplemented, RealClock, type Clock, type Timer } from '@kube/kit';
import { CriLogWriter, MAX_LOG_LINE_BYTES } from './cri-log.ts';
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
import { imageName, pullImage } from './images.ts';
import { PodIPAllocator } from './pod-network.ts';
import { RuntimeState } from './runtime-state.ts';

/** How to build a {@link ProcessRuntime}. */
export interface ProcessRuntimeOptions {
  /** the folder for sandboxes' working directories (`<root>/sandboxes/<id>`) and, by default, logs (`<root>/pods/...`) */
  root: string;
  /** the node's pod CIDR inside 127.0.0.0/8, e.g. `127.0.1.0/24` */
  podCIDR: string;
  /** the node's IP, which a sandbox on the `NODE` network reports; default `127.0.0.1` */
  nodeIP?: string;
  /** the clock of timestamps and grace periods; default the real one */
  clock?: Clock;
  /** the longest log line before it is cut into parts; default 16 KiB */
  maxLogLineBytes?: number;
}

/** How a created container will run: decided at createContainer, used at startContainer and execSync. */
interface Plan {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/** A started process group and the promise of its end (its output read, its log closed). */
interface ProcessGroup {
  child: ChildProcess;
  pgid: number;
  closed: Promise<void>;
}

/** A running container: its process group, the timers that will SIGKILL it, its exec processes. */
interface RunningContainer extends ProcessGroup {
  killTimers: Timer[];
  /** why it was SIGKILLed, if it was */
  killMessage?: string;
  execs: Set<ProcessGroup>;
}

/** A {@link RuntimeService} of real processes. */
export class ProcessRuntime implements RuntimeService {
  constructor(options: ProcessRuntimeOptions) {
    // TODO(22): InvalidArgument without a root; keep the clock (default a RealClock), a RuntimeState, a PodIPAllocator on the pod CIDR, the node's IP (default 127.0.0.1), the root and the log line limit (default 16 KiB).
    throw new NotImplemented('22', 'ProcessRuntime.constructor');
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    // TODO(22): FailedPrecondition after shutdown; allocate an IP (on the NODE network: the node's IP, none allocated); addSandbox with the log directory (default <root>/pods/<namespace>_<name>_<uid>); create its working directory <root>/sandboxes/<id> and the log directory; free the IP if anything throws.
    throw new NotImplemented('22', 'ProcessRuntime.runPodSandbox');
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    // TODO(22): NotFound for unknown; SIGKILL every running container of it and wait for them; if it was ready, free its IP (unless it is the node's) and mark it stopped.
    throw new NotImplemented('22', 'ProcessRuntime.stopPodSandbox');
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    // TODO(22): unknown: nothing; stop it, remove its containers, delete it, delete its working directory, and its log directory if that is empty now (removeIfEmpty).
    throw new NotImplemented('22', 'ProcessRuntime.removePodSandbox');
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    // TODO(22): the state's copy.
    throw new NotImplemented('22', 'ProcessRuntime.podSandboxStatus');
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    // TODO(22): the state's copies.
    throw new NotImplemented('22', 'ProcessRuntime.listPodSandbox');
  }

  async createContainer(podSandboxId: string, config: ContainerConfig): Promise<string> {
    // TODO(22): FailedPrecondition after shutdown; readySandbox; pullImage (ErrImagePull); argv from command/args and the image (Kubernetes' rules); the working directory and log path inside their folders (inside()); the environment: PATH, HOME, HOSTNAME, the image's env, the config's envs; addContainer; create the folders; remember the plan for startContainer.
    throw new NotImplemented('22', 'ProcessRuntime.createContainer');
  }

  async startContainer(containerId: string): Promise<void> {
    // TODO(22): checkStartable; open the log file for appending, a CriLogWriter on it; spawnGroup. No pid: the spawn failed — StartError (128) and reject. Else markRunning, pipe stdout and stderr into the log, SIGKILL the group when the first process exits, and on close: wait for groupGone, end the log, close the file, markExited (128 + signal number when a signal ended it).
    throw new NotImplemented('22', 'ProcessRuntime.startContainer');
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    // TODO(22): NotFound for unknown; not running: nothing. timeout <= 0: SIGKILL the group now. Else SIGTERM the group and a clock timer that SIGKILLs it at the timeout. Wait until it has exited.
    throw new NotImplemented('22', 'ProcessRuntime.stopContainer');
  }

  async removeContainer(containerId: string): Promise<void> {
    // TODO(22): unknown: nothing; SIGKILL it if running and wait; then deleteContainer, and removeLogFile (its sandbox's logDirectory).
    throw new NotImplemented('22', 'ProcessRuntime.removeContainer');
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    // TODO(22): the state's copies.
    throw new NotImplemented('22', 'ProcessRuntime.listContainers');
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    // TODO(22): the state's copy.
    throw new NotImplemented('22', 'ProcessRuntime.containerStatus');
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    // TODO(22): NotFound; FailedPrecondition unless running; InvalidArgument for an empty cmd; spawnGroup in the container's directory and environment; collect stdout and stderr; kill it at the timeout (DeadlineExceeded); resolve with the output and exit code. Kill it too if the container dies.
    throw new NotImplemented('22', 'ProcessRuntime.execSync');
  }

  onContainerEvent(listener: (event: ContainerEvent) => void): () => void {
    // TODO(22): the state's events.
    throw new NotImplemented('22', 'ProcessRuntime.onContainerEvent');
  }

  /**
   * Kills every process this runtime started (containers and execs) with SIGKILL and resolves
   * once all of them have exited; afterwards it refuses to start anything (FailedPrecondition).
   */
  async shutdown(): Promise<void> {
    // TODO(22): refuse new work from now on; SIGKILL every running container (and its execs) and wait for all of them.
    throw new NotImplemented('22', 'ProcessRuntime.shutdown');
  }

}

/**
 * Deletes a container's log file, then each folder on its way up that this leaves empty, up to
 * (not including) `logDirectory`, the pod's, where its other containers may still write. A folder
 * with anything else in it stays: nothing but the log is ever deleted.
 */
function removeLogFile(logPath: string, logDirectory: string): void {
  rmSync(logPath, { force: true });
  for (let dir = dirname(logPath); isBelow(dir, logDirectory); dir = dirname(dir)) {
    if (!removeIfEmpty(dir)) return;
  }
}

/** Is `path` inside `base`, and not `base` itself? */
function isBelow(path: string, base: string): boolean {
  const rel = relative(base, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Deletes `dir` if it is empty; true when it is gone (or was never there). */
function removeIfEmpty(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Starts argv without a shell, in a new process group (its pid is the group's id); `"node"` is this Node. */
function spawnGroup(argv: string[], cwd: string, env: Record<string, string>): ChildProcess {
  const [program, ...args] = argv;
  return spawn(program === 'node' ? process.execPath : program!, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The error of a spawn that failed (no pid), which Node reports as an event, in the runtime's words. */
function spawnError(child: ChildProcess): Promise<Error> {
  return new Promise((resolve) =>
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ENOENT' ? new Error(`exec: "${child.spawnfile}": executable file not found in $PATH`) : error);
    }),
  );
}

/** Sends a signal to a whole process group; a group that is already gone is no error. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Resolves once no process of the group is alive: SIGKILL is sent, but a process dies when the
 * kernel gets to it. Zombies (dead, waiting to be reaped by whoever adopted them) do not count.
 * Real time, not the runtime's clock: this waits on the OS, for a few milliseconds at most.
 */
async function groupGone(pgid: number): Promise<void> {
  for (let attempt = 0; groupAlive(pgid); attempt++) {
    if (attempt > 200) return; // ~10 s: a process stuck in the kernel; report the exit anyway
    await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 50)));
  }
}

/** Is any process of the group alive (and not a zombie)? */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  if (!existsSync('/proc/self/stat')) return true;
  // Linux: the group exists; is it only zombies? /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

/** `base` joined with `path` (a leading `/` is base itself); InvalidArgument if the result leaves base. */
function inside(base: string, path: string, what: string): string {
  const joined = join(base, path);
  const rel = relative(base, joined);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new RuntimeError('InvalidArgument', `${what} "${path}" leaves its folder ${base}: use a path inside it`);
  return joined;
}
