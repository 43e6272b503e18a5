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
import { RealClock, type Clock, type Timer } from '@kube/kit';
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
  private readonly clock: Clock;
  private readonly state: RuntimeState;
  private readonly ips: PodIPAllocator;
  private readonly nodeIP: string;
  private readonly root: string;
  private readonly maxLogLineBytes: number;
  private readonly plans = new Map<string, Plan>();
  private readonly running = new Map<string, RunningContainer>();
  private shutDown = false;

  constructor(options: ProcessRuntimeOptions) {
    if (!options.root) throw new RuntimeError('InvalidArgument', 'ProcessRuntime needs a root folder for sandboxes and logs');
    this.clock = options.clock ?? new RealClock();
    this.state = new RuntimeState(this.clock);
    this.ips = new PodIPAllocator(options.podCIDR);
    this.nodeIP = options.nodeIP ?? '127.0.0.1';
    this.root = options.root;
    this.maxLogLineBytes = options.maxLogLineBytes ?? MAX_LOG_LINE_BYTES;
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.checkOpen();
    // A pod on the node's network shares the node's address: it takes none of the pod CIDR's.
    const onNode = config.namespaceOptions?.network === 'NODE';
    const ip = onNode ? this.nodeIP : this.ips.allocate();
    try {
      const m = config.metadata;
      const logDirectory = config.logDirectory ?? join(this.root, 'pods', `${m?.namespace}_${m?.name}_${m?.uid}`);
      const sandbox = this.state.addSandbox(config, { ip, logDirectory });
      mkdirSync(this.sandboxDir(sandbox.id), { recursive: true });
      mkdirSync(logDirectory, { recursive: true });
      return sandbox.id;
    } catch (error) {
      if (!onNode) this.ips.release(ip);
      throw error;
    }
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = this.state.sandbox(podSandboxId);
    const kills = this.state
      .containersOf(podSandboxId)
      .filter((c) => c.state === 'CONTAINER_RUNNING')
      .map((c) => this.kill(c.id, 'killed by SIGKILL: its sandbox was stopped'));
    await Promise.all(kills);
    if (sandbox.state === 'SANDBOX_READY') {
      if (sandbox.ip !== this.nodeIP) this.ips.release(sandbox.ip);
      this.state.markSandboxStopped(podSandboxId);
    }
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = this.state.findSandbox(podSandboxId);
    if (!sandbox) return;
    await this.stopPodSandbox(podSandboxId);
    for (const c of this.state.containersOf(podSandboxId)) await this.removeContainer(c.id);
    this.state.deleteSandbox(podSandboxId);
    rmSync(this.sandboxDir(podSandboxId), { recursive: true, force: true });
    // The pod's log folder goes once empty: another sandbox of the pod may still log there.
    removeIfEmpty(sandbox.logDirectory);
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    return this.state.sandboxStatus(podSandboxId);
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return this.state.listSandboxes(filter);
  }

  async createContainer(podSandboxId: string, config: ContainerConfig): Promise<string> {
    this.checkOpen();
    const sandbox = this.state.readySandbox(podSandboxId);
    const ref = config.image?.image ?? '';
    const image = pullImage(ref);
    // Kubernetes' rules: a command replaces the entrypoint and the default args; args replace the default args.
    const argv = config.command?.length ? [...config.command, ...(config.args ?? [])] : [...image.entrypoint, ...(config.args ?? image.cmd)];
    const sandboxDir = this.sandboxDir(podSandboxId);
    const cwd = inside(sandboxDir, config.workingDir ?? '', 'workingDir');
    const name = config.metadata?.name;
    const logPath = inside(sandbox.logDirectory, config.logPath ?? `${name}/${config.metadata?.attempt ?? 0}.log`, 'logPath');
    // A container starts from the image's environment, not the runtime's: only PATH comes from the host.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: sandboxDir,
      HOSTNAME: sandbox.hostname,
      ...image.env,
      ...Object.fromEntries((config.envs ?? []).map((e) => [e.key, e.value])),
    };
    const record = this.state.addContainer(podSandboxId, config, { imageRef: imageName(ref), logPath });
    mkdirSync(cwd, { recursive: true });
    mkdirSync(dirname(logPath), { recursive: true });
    this.plans.set(record.id, { argv, cwd, env });
    return record.id;
  }

  async startContainer(containerId: string): Promise<void> {
    this.checkOpen();
    const container = this.state.checkStartable(containerId);
    const plan = this.plans.get(containerId)!;
    const fd = openSync(container.logPath, 'a');
    const log = new CriLogWriter((line) => writeSync(fd, line), this.clock, this.maxLogLineBytes);
    const child = spawnGroup(plan.argv, plan.cwd, plan.env);
    if (child.pid === undefined) {
      const error = await spawnError(child);
      closeSync(fd);
      // runc's words, with no id in them: the kubelet's Failed events of one container add up.
      const message = `unable to start container process: ${error.message}`;
      this.state.markExited(containerId, 128, message, 'StartError');
      throw new RuntimeError('Unknown', message);
    }
    let resolveClosed!: () => void;
    const run: RunningContainer = { child, pgid: child.pid, closed: new Promise((r) => (resolveClosed = r)), killTimers: [], execs: new Set() };
    this.running.set(containerId, run);
    this.state.markRunning(containerId);
    child.stdout!.on('data', (chunk: Buffer) => log.write('stdout', chunk));
    child.stderr!.on('data', (chunk: Buffer) => log.write('stderr', chunk));
    // When the container's first process dies, the rest of the container dies with it (as in a PID namespace).
    child.on('exit', () => signalGroup(run.pgid, 'SIGKILL'));
    child.on('close', async (code: number | null, signal: NodeJS.Signals | null) => {
      // Exited means all of it: wait until the kernel has taken every process of the group.
      await groupGone(run.pgid);
      log.end('stdout');
      log.end('stderr');
      closeSync(fd);
      for (const timer of run.killTimers) this.clock.clearTimeout(timer);
      for (const exec of run.execs) signalGroup(exec.pgid, 'SIGKILL');
      this.running.delete(containerId);
      const exitCode = code ?? 128 + (constants.signals[signal!] ?? 0);
      this.state.markExited(containerId, exitCode, signal === 'SIGKILL' ? (run.killMessage ?? 'killed by SIGKILL') : '');
      resolveClosed();
    });
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    this.state.container(containerId);
    const run = this.running.get(containerId);
    if (!run) return;
    if (!(timeoutSeconds > 0)) return this.kill(containerId, 'killed by SIGKILL: stopped without a grace period');
    signalGroup(run.pgid, 'SIGTERM');
    run.killTimers.push(
      this.clock.setTimeout(() => void this.kill(containerId, `killed by SIGKILL after the ${timeoutSeconds}s grace period`), timeoutSeconds * 1000),
    );
    await run.closed;
  }

  async removeContainer(containerId: string): Promise<void> {
    const container = this.state.findContainer(containerId);
    if (!container) return;
    await this.kill(containerId, 'killed by SIGKILL: the container was removed');
    this.state.deleteContainer(containerId);
    this.plans.delete(containerId);
    // Its log goes with it: nobody can ask for a removed container's output any more.
    removeLogFile(container.logPath, this.state.findSandbox(container.podSandboxId)!.logDirectory);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return this.state.listContainers(filter);
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    return this.state.containerStatus(containerId);
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    const container = this.state.container(containerId);
    const run = this.running.get(containerId);
    if (!run) throw new RuntimeError('FailedPrecondition', `container "${containerId}" is in ${container.state} state: exec needs a running container`);
    if (cmd.length === 0) throw new RuntimeError('InvalidArgument', 'exec needs a command: cmd is empty');
    const plan = this.plans.get(containerId)!;
    const child = spawnGroup(cmd, plan.cwd, plan.env);
    if (child.pid === undefined) throw new RuntimeError('Unknown', `exec failed: ${(await spawnError(child)).message}`);
    const out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
    child.stdout!.on('data', (chunk: Buffer) => out.stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => out.stderr.push(chunk));
    let timedOut = false;
    const timer = timeoutSeconds > 0 ? this.clock.setTimeout(() => ((timedOut = true), signalGroup(child.pid!, 'SIGKILL')), timeoutSeconds * 1000) : undefined;
    const exit = new Promise<number>((resolve) => child.on('close', (code: number | null, signal: NodeJS.Signals | null) => resolve(code ?? 128 + (constants.signals[signal!] ?? 0))));
    const group: ProcessGroup = { child, pgid: child.pid, closed: exit.then(() => {}) };
    run.execs.add(group);
    const exitCode = await exit;
    run.execs.delete(group);
    if (timer) this.clock.clearTimeout(timer);
    if (timedOut) throw new RuntimeError('DeadlineExceeded', `command ${JSON.stringify(cmd)} timed out after ${timeoutSeconds}s and was killed`);
    return { stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString(), exitCode };
  }

  onContainerEvent(listener: (event: ContainerEvent) => void): () => void {
    return this.state.onContainerEvent(listener);
  }

  /**
   * Kills every process this runtime started (containers and execs) with SIGKILL and resolves
   * once all of them have exited; afterwards it refuses to start anything (FailedPrecondition).
   */
  async shutdown(): Promise<void> {
    this.shutDown = true;
    await Promise.all([...this.running.keys()].map((id) => this.kill(id, 'killed by SIGKILL: the runtime shut down')));
  }

  /** SIGKILLs a running container's group (and its execs) and waits until it has exited; nothing if it is not running. */
  private async kill(containerId: string, message: string): Promise<void> {
    const run = this.running.get(containerId);
    if (!run) return;
    run.killMessage ??= message;
    signalGroup(run.pgid, 'SIGKILL');
    for (const exec of run.execs) signalGroup(exec.pgid, 'SIGKILL');
    await Promise.all([run.closed, ...[...run.execs].map((e) => e.closed)]);
  }

  private sandboxDir(id: string): string {
    return join(this.root, 'sandboxes', id);
  }

  private checkOpen(): void {
    if (this.shutDown) throw new RuntimeError('FailedPrecondition', 'the runtime is shut down: it starts nothing any more');
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
