/**
 * A container's stdin and terminal, kept by the node as containerd keeps them, for `kubectl
 * attach` and `kubectl run -i`. Given code: kata 22's runtimes give every container /dev/null as
 * its stdin; around them, a container whose pod asks for `stdin: true` (or `tty: true`) gets a
 * named pipe (FIFO) as its stdin, whose writing end the node opens once the container runs and
 * holds until it stops, and the kubelet's server writes what an attached client types into it.
 *
 * How the container's command changes (the runtime still runs it as it would, in its process
 * group, with its environment and working directory):
 *
 * ```
 * stdin: true   sh -c 'exec "$@" <"$0"' <fifo> <the image's entrypoint and args, or the pod's command>
 * tty: true     sh -c 'exec script -q -e -c "$1" /dev/null <"$0"' <fifo> '<the same, quoted>'
 * ```
 *
 * With `tty`, util-linux's `script` puts the process on a pseudo-terminal of 80×24 (a shell
 * prints its prompt, a typed line is echoed, Ctrl-C is SIGINT) and its output, stderr included,
 * goes to the log as stdout, as a terminal's does. `stdinOnce` closes the stdin when the first
 * attached client that wrote to it ends its input: the process reads the end of its stdin. A
 * program that is not there is not wrapped: the runtime fails the start itself (StartError, exit
 * 128, as runc does), where the shell would have run and said `not found`.
 *
 * @example
 * ```ts
 * const stdins = new ContainerStdins(join(root, 'stdin'));
 * const runtime = stdins.around(new ProcessRuntime({ root, podCIDR }));
 * const id = await runtime.createContainer(sandboxId, { ...config, stdin: true, stdinOnce: true });
 * await runtime.startContainer(id);
 * stdins.of(id)?.write(Buffer.from('hello\n')); // the container's process reads "hello"
 * stdins.of(id)?.end();                         // ... and then the end of its input
 * ```
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findImage } from '@kube/kit';
import { killTerminalSession, PipeWriter, resizeTerminalSession, terminalCommandLine, type ContainerStdin } from '@kube/kubelet';
import type { ContainerConfig, RuntimeService } from '@kube/runtime';
import { overrideRuntime } from './runtime-overrides.ts';

/**
 * Whether the container's first word names a program its process could run: an absolute path to an
 * executable file, or a name found in the PATH the runtime gives it (the container's own, else the
 * host's). A relative path with a slash is taken on trust: it depends on the working directory.
 */
function findsProgram(program: string, config: ContainerConfig): boolean {
  const executable = (path: string): boolean => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  if (program.startsWith('/')) return executable(program);
  if (program.includes('/')) return true;
  const path = config.envs?.find((e) => e.key === 'PATH')?.value ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  return path.split(':').some((dir) => dir !== '' && executable(join(dir, program)));
}

/** The stdins of one node's containers, by container id. */
export class ContainerStdins {
  private readonly held = new Map<string, { path: string | undefined; pipe?: PipeWriter; once: boolean; session?: string }>();

  /** @param dir where the named pipes are made (`<node's root>/stdin`) */
  constructor(private readonly dir: string) {}

  /** The stdin of a container made with `stdin: true` (or `tty: true`), while it runs. */
  of(containerId: string): ContainerStdin | undefined {
    const held = this.held.get(containerId);
    if (!held) return undefined;
    return {
      once: held.once,
      tty: held.session !== undefined,
      write: (chunk) => held.pipe?.write(chunk),
      end: () => held.pipe?.end(),
      resize: (size) => void (held.session && resizeTerminalSession(held.session, size)),
    };
  }

  /** The runtime, with a stdin and a terminal for the containers whose config asks for them. */
  around(runtime: RuntimeService): RuntimeService {
    runtime.onContainerEvent((event) => {
      if (event.type === 'CONTAINER_STOPPED_EVENT' || event.type === 'CONTAINER_DELETED_EVENT') this.release(event.containerId);
    });
    const createContainer = async (podSandboxId: string, config: ContainerConfig): Promise<string> => {
      if (!config.stdin && !config.tty) return runtime.createContainer(podSandboxId, config);
      const image = findImage(config.image?.image ?? '');
      // No such image: the runtime refuses the container in its own words (ErrImagePull).
      if (!image) return runtime.createContainer(podSandboxId, config);
      const argv = config.command?.length ? [...config.command, ...(config.args ?? [])] : [...image.entrypoint, ...(config.args ?? image.cmd)];
      if (argv[0] === 'node') argv[0] = process.execPath; // as the runtime itself runs an image's "node"
      // A program that is not there: unwrapped, the runtime fails its start as runc does (StartError,
      // exit 128), where the shell would have said `exec: x: not found` and exited 127.
      if (!findsProgram(argv[0] ?? '', config)) return runtime.createContainer(podSandboxId, config);
      const name = `${podSandboxId}-${config.metadata.name}-${config.metadata.attempt ?? 0}`;
      const path = config.stdin ? await this.makePipe(name) : undefined;
      const command = config.tty
        ? ['sh', '-c', 'exec script -q -e -c "$1" /dev/null <"$0"', path ?? '/dev/null', terminalCommandLine(argv, { columns: 80, rows: 24 }, name)]
        : ['sh', '-c', 'exec "$@" <"$0"', path!, ...argv];
      let id: string;
      try {
        id = await runtime.createContainer(podSandboxId, { ...config, command, args: [] });
      } catch (error) {
        if (path) rmSync(path, { force: true });
        throw error;
      }
      this.held.set(id, { path, once: config.stdinOnce === true, ...(config.tty && { session: name }) });
      return id;
    };
    // The node's end opens once the container runs: until then its process waits at its own open.
    const startContainer = async (containerId: string): Promise<void> => {
      await runtime.startContainer(containerId);
      const held = this.held.get(containerId);
      if (held?.path && !held.pipe) held.pipe = new PipeWriter(held.path);
    };
    return overrideRuntime(runtime, { createContainer, startContainer });
  }

  /** Closes the node's end of a container's stdin and removes its pipe (the container has stopped). */
  private release(containerId: string): void {
    const held = this.held.get(containerId);
    if (!held) return;
    this.held.delete(containerId);
    if (held.session) killTerminalSession(held.session); // what script started, out of reach of the container's group
    held.pipe?.abandon();
    if (held.path) rmSync(held.path, { force: true });
  }

  private async makePipe(name: string): Promise<string> {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, name);
    rmSync(path, { force: true }); // left by a node that was killed
    await promisify(execFile)('mkfifo', [path]);
    return path;
  }
}
