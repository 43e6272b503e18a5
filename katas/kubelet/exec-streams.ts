/**
 * A command run in a container with its input and output streamed while it runs, as `kubectl
 * exec -it` needs. Given code, for the kubelet's server. The runtime's `execSync` (kata 22) only
 * gives a command's output once it has exited, so the command is started through it with its
 * stdin, stdout and stderr redirected to named pipes (FIFOs) that the kubelet holds the other
 * ends of:
 *
 * ```
 * sh -c '... exec "$@" <IN >OUT 2>ERR' kubekata-exec IN OUT ERR node -e ...
 * ```
 *
 * With a terminal (`tty`), the command runs under util-linux's `script`, which gives it a
 * pseudo-terminal: the shell it starts prints its prompt, echoes what is typed and turns Ctrl-C
 * into SIGINT, as in a container started with `tty: true`. Its output, stderr included, comes on
 * stdout, as a terminal's does.
 *
 * Opening a FIFO waits for its other side, and reading one that has no writer is its end. So the
 * kubelet opens OUT and ERR without waiting and keeps a writer of its own on each until
 * `execSync` has resolved: the command's output is then all in the pipes, and closing those
 * writers makes the reads end after it, never before. IN is the other way round
 * ({@link PipeWriter}): its writing end opens once the command has opened its reading end, so
 * that closing it (the end of the input) can never come first and lose what was written.
 *
 * @example
 * ```ts
 * const exec = await startStreamingExec(runtime, containerId, ['sh'], {
 *   stdin: true, tty: { columns: 80, rows: 24 },
 *   stdout: (chunk) => process.stdout.write(chunk), stderr: () => {},
 * });
 * exec.write(Buffer.from('echo hi; exit 3\n'));
 * await exec.done; // 3, once the shell has exited and its output was given
 * ```
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, existsSync, open, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RuntimeService } from '@kube/runtime';

/** A terminal's size, from the client's first resize message. */
export interface TerminalSize {
  columns: number;
  rows: number;
}

/** What the command gets and where its output goes. */
export interface ExecStreamOptions {
  /** the client sends input ({@link StreamingExec.write}); without it the command's stdin is /dev/null */
  stdin: boolean;
  /** run the command on a pseudo-terminal of this size */
  tty?: TerminalSize;
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

/** A command that is running. */
export interface StreamingExec {
  /** Gives the command input (nothing without `stdin`, or after {@link end}). */
  write(chunk: Buffer): void;
  /** Ends the command's input: it reads the end of its stdin. */
  end(): void;
  /** The client's terminal has a new size: the command's terminal takes it (nothing without `tty`). */
  resize(size: TerminalSize): void;
  /** The exit code, once the command has exited and all its output was given. */
  done: Promise<number>;
}

/** A command the container does not have, in the runtime's words (kata 22's execSync says the same). */
export class ExecNotFound extends Error {}

/** The shell that puts the command on the pipes: `$1 $2 $3` are IN, OUT and ERR; the rest is the command. */
const PLAIN = [
  'in=$1 out=$2 err=$3; shift 3',
  `command -v "$1" >/dev/null 2>&1 || { printf 'exec: "%s": executable file not found in $PATH' "$1" >&2; exit 127; }`,
  'exec "$@" <"$in" >"$out" 2>"$err"',
].join('\n');

/** The same on a pseudo-terminal: `$4` is the command line `script` runs, after the size is set. */
const TERMINAL = [
  'in=$1 out=$2 line=$4; shift 4',
  `command -v "$1" >/dev/null 2>&1 || { printf 'exec: "%s": executable file not found in $PATH' "$1" >&2; exit 127; }`,
  `command -v script >/dev/null 2>&1 || { printf 'a TTY needs util-linux'"'"'s script on the node, which has none: run the command without -t' >&2; exit 127; }`,
  'exec script -q -e -c "$line" /dev/null <"$in" >"$out" 2>&1',
].join('\n');

/**
 * Starts `command` in the container through the runtime's execSync, with its streams on pipes.
 * Rejects with {@link ExecNotFound} when the container has no such command, and with the
 * runtime's error when it cannot exec at all (a container that is not running).
 */
export async function startStreamingExec(runtime: RuntimeService, containerId: string, command: string[], options: ExecStreamOptions): Promise<StreamingExec> {
  sweeping ??= sweepAbandonedExecs();
  const dir = await mkdtemp(join(tmpdir(), `${EXEC_DIR_PREFIX}${process.pid}-`));
  const path = { in: join(dir, 'in'), out: join(dir, 'out'), err: join(dir, 'err') };
  await promisify(execFile)('mkfifo', [...(options.stdin ? [path.in] : []), path.out, ...(options.tty ? [] : [path.err])]);
  const output = [readPipe(path.out, options.stdout), ...(options.tty ? [] : [readPipe(path.err, options.stderr)])];
  const input = options.stdin ? new PipeWriter(path.in) : undefined;
  const stdin = options.stdin ? path.in : '/dev/null';
  const argv = options.tty
    ? ['sh', '-c', TERMINAL, 'kubekata-exec', stdin, path.out, path.err, terminalCommandLine(command, options.tty, dir), ...command]
    : ['sh', '-c', PLAIN, 'kubekata-exec', stdin, path.out, path.err, ...command];
  const finish = async (): Promise<void> => {
    if (options.tty) killTerminalSession(dir); // what script started, out of reach of the exec's process group
    input?.abandon();
    for (const pipe of output) pipe.release();
    await Promise.all(output.map((pipe) => pipe.ended));
    await rm(dir, { recursive: true, force: true });
  };
  const done = runtime.execSync(containerId, argv, 0).then(
    async (result) => {
      await finish();
      if (result.exitCode === 127 && result.stderr.startsWith('exec: "')) throw new ExecNotFound(`exec failed: ${result.stderr}`);
      if (result.exitCode === 127 && result.stderr.startsWith('a TTY needs')) throw new ExecNotFound(result.stderr);
      return result.exitCode;
    },
    async (error: unknown) => {
      await finish();
      throw error;
    },
  );
  return {
    write: (chunk) => input?.write(chunk),
    end: () => input?.end(),
    resize: (size) => void (options.tty && resizeTerminalSession(dir, size)),
    done,
  };
}

/** The start of an exec's folder of pipes in the temporary folder; the kubelet's pid follows it. */
const EXEC_DIR_PREFIX = 'kubekata-exec-';

/** An exec's folder, the pid of the process that made it in group 1. */
const EXEC_DIR = new RegExp(`^${EXEC_DIR_PREFIX}(\\d+)-`);

/** The sweep of this process's first exec (once is enough: a live process cleans up after itself). */
let sweeping: Promise<string[]> | undefined;

/**
 * Removes the exec folders of kubelets that are gone: a node killed with `kill -9` had no chance
 * to remove the pipes of the execs it was serving. A folder is named after the process that made
 * it (`kubekata-exec-4242-aB3xYz`); the folders of a live process, this one's or another node's,
 * are left alone. Resolves with the folders removed. Every process's first exec runs it.
 */
export async function sweepAbandonedExecs(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(tmpdir()).catch(() => [])) {
    const pid = EXEC_DIR.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    // Another user's folder cannot be removed, and need not be: skipped.
    if (await rm(join(tmpdir(), name), { recursive: true, force: true }).then(() => true, () => false)) removed.push(name);
  }
  return removed;
}

/** Is there a process `pid`? (Signal 0 checks without sending; EPERM is another user's live process.) */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The writing end of a named pipe whose reader is a process: it opens once the process has opened
 * its end (a FIFO's open waits for the other side), and what is written before then is kept, in
 * order. Closing it is the process's end of input, so it closes only after the process opened its
 * end and after the data: closed earlier, the pipe would be gone with the data in it, and the
 * process would wait for a writer for ever.
 *
 * @example
 * ```ts
 * const stdin = new PipeWriter('/tmp/x/in');  // then start `sh -c 'exec cat <"$0"' /tmp/x/in`
 * stdin.write(Buffer.from('hello\n'));
 * stdin.end();                                // cat prints hello and exits
 * stdin.abandon();                            // once the process is gone: stop waiting for it
 * ```
 */
export class PipeWriter {
  private readonly opened: Promise<Socket | undefined>;
  private abandoned = false;

  constructor(private readonly path: string) {
    // The blocking open waits on one of libuv's threads, for as long as the process takes to open its end.
    this.opened = promisify(open)(path, constants.O_WRONLY).then(
      (fd) => {
        const socket = new Socket({ fd, readable: false, writable: true });
        socket.on('error', () => {}); // the process stopped reading (it exited): what is left is dropped
        if (!this.abandoned) return socket;
        socket.destroy();
        return undefined;
      },
      () => undefined,
    );
  }

  /** Gives the process input (kept until it has opened its end). */
  write(chunk: Buffer): void {
    void this.opened.then((socket) => socket?.writable && socket.write(chunk));
  }

  /** Ends the process's input, after what was written. (A pipe has no half-close: the end is closed.) */
  end(): void {
    void this.opened.then((socket) => {
      if (socket && !socket.destroyed) socket.write(Buffer.alloc(0), () => socket.destroy());
    });
  }

  /** The process is gone, or never opened its end: stop waiting for it, and close. */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    try {
      // A reader that comes and goes lets a waiting open of the writing end return.
      closeSync(openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK));
    } catch {
      // the pipe is gone: nothing waits on it
    }
    void this.opened.then((socket) => socket?.destroy());
  }
}

/**
 * Reads a FIFO as the command writes it. The kubelet's own writer keeps the read from ending before
 * the command has opened its end; `release` closes that writer, and the read ends once the
 * command's end is closed too.
 */
function readPipe(path: string, onData: (chunk: Buffer) => void): { release(): void; ended: Promise<void> } {
  const reader = new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
  let writer: number | undefined = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  reader.on('data', onData);
  const ended = new Promise<void>((resolve) => {
    reader.once('close', () => resolve());
    reader.once('error', () => resolve());
  });
  return {
    release() {
      if (writer !== undefined) closeSync(writer);
      writer = undefined;
    },
    ended,
  };
}

/**
 * The command line `script` runs for a command on a terminal: the session's mark
 * ({@link TERMINAL_SESSION_VARIABLE}), the terminal's size, then the command, each word quoted for
 * the shell. `["sh", "-c", "echo 'hi'"]` at 80×24 in session `s1` is
 * `export KUBEKATA_TERMINAL_SESSION='s1'; stty cols 80 rows 24 2>/dev/null; exec 'sh' '-c' 'echo '"'"'hi'"'"''`.
 */
export function terminalCommandLine(command: string[], size: TerminalSize, session: string): string {
  const quote = (word: string): string => `'${word.replaceAll("'", `'"'"'`)}'`;
  return `export ${TERMINAL_SESSION_VARIABLE}=${quote(session)}; stty cols ${Math.trunc(size.columns)} rows ${Math.trunc(size.rows)} 2>/dev/null; exec ${command.map(quote).join(' ')}`;
}

/**
 * The variable that marks the processes of one terminal session. `script` starts its command in a
 * session of its own (a terminal needs one), out of the container's process group, so killing the
 * group does not reach it: a shell that ignores SIGHUP would outlive its container. The node finds
 * them by this mark instead ({@link killTerminalSession}).
 */
export const TERMINAL_SESSION_VARIABLE = 'KUBEKATA_TERMINAL_SESSION';

/**
 * SIGKILLs every process whose environment marks it as part of terminal session `session`, and
 * returns their pids. Only Linux has /proc; elsewhere nothing is found.
 */
export function killTerminalSession(session: string): number[] {
  const killed: number[] = [];
  for (const pid of sessionProcesses(session)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}

/**
 * Gives terminal session `session` a new size, as a terminal window resized does: `stty -F` sets
 * it on the session's pseudo-terminal (the one its first process reads), and the kernel sends
 * SIGWINCH to the program in front, which redraws. Resolves with that terminal's path, or
 * undefined when the session has no process yet (its command has not started: the size it starts
 * with stands) or none any more.
 *
 * @example
 * ```ts
 * await resizeTerminalSession('/tmp/kubekata-exec-4242-aB3xYz', { columns: 120, rows: 40 }); // '/dev/pts/3'
 * ```
 */
export async function resizeTerminalSession(session: string, size: TerminalSize): Promise<string | undefined> {
  for (const pid of sessionProcesses(session)) {
    let terminal: string;
    try {
      terminal = readlinkSync(`/proc/${pid}/fd/0`);
    } catch {
      continue; // gone meanwhile
    }
    if (!terminal.startsWith('/dev/pts/')) continue;
    const ok = await promisify(execFile)('stty', ['-F', terminal, 'cols', String(Math.trunc(size.columns)), 'rows', String(Math.trunc(size.rows))]).then(() => true, () => false);
    return ok ? terminal : undefined;
  }
  return undefined;
}

/** The pids of the processes whose environment marks them as part of terminal session `session`. */
function sessionProcesses(session: string): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  const mark = `${TERMINAL_SESSION_VARIABLE}=${session}`;
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      return readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(mark) ? [Number(entry)] : [];
    } catch {
      return []; // gone meanwhile, or another user's
    }
  });
}
