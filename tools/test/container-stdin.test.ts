/**
 * The given ContainerStdins (katas/cluster/container-stdin.ts), around the reference's
 * ProcessRuntime: a container with `stdin: true` reads what the node writes to it, and one with
 * `tty: true` runs on a terminal — whose process `script` starts in a session of its own, out of
 * the container's process group. Stopping such a container must still leave none of its
 * processes behind, even one that ignores SIGHUP (it did, before the session was marked). A
 * terminal takes the client's new size when its window is resized, for `kubectl attach -t` and
 * `kubectl exec -t` alike. And the pipes of the execs of a node killed with `kill -9` are removed
 * by the next node's first exec.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { MARK, markedProcesses, newMark } from '../../test/support/runtime/os-processes.ts';
import { ProcessRuntime, type ContainerConfig, type RuntimeService } from '@kube/runtime';
import { ContainerStdins } from '../../solutions/cluster/container-stdin.ts';
import { resizeTerminalSession, startStreamingExec, sweepAbandonedExecs } from '../../solutions/kubelet/exec-streams.ts';

const mark = newMark('container-stdin');
const root = mkdtempSync(join(tmpdir(), 'kubekata-stdin-'));
let sandboxes = 0;

/** A marked process's command line. */
const commandOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

/** The runtimes of this test: shut down after it, so that a failed test leaves no container running. */
const runtimes: ProcessRuntime[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.shutdown();
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A runtime with the node's stdins, a sandbox on it, and a way to run a container in it. */
async function node(): Promise<{ stdins: ContainerStdins; runtime: RuntimeService; run(config: Partial<ContainerConfig>): Promise<string> }> {
  const stdins = new ContainerStdins(join(root, 'stdin'));
  const processes = new ProcessRuntime({ root, podCIDR: '127.78.1.0/24' });
  runtimes.push(processes);
  const runtime = stdins.around(processes);
  const sandbox = await runtime.runPodSandbox({ metadata: { name: 'p', namespace: 'default', uid: `u${++sandboxes}`, attempt: 0 } });
  const run = async (config: Partial<ContainerConfig>) => {
    const id = await runtime.createContainer(sandbox, { metadata: { name: 'app', attempt: 0 }, image: { image: 'kubekata/node' }, envs: [{ key: MARK, value: mark }], ...config });
    await runtime.startContainer(id);
    return id;
  };
  return { stdins, runtime, run };
}

/** A program that prints its terminal's size when it starts and each time the terminal is resized (SIGWINCH). */
const SHOW_SIZE = ['node', '-e', 'const show = () => console.log(`size ${process.stdout.columns}x${process.stdout.rows}`); process.stdout.on("resize", show); show(); setInterval(() => {}, 1000)'];

/** Resolves once `check` holds, looking every 20 ms (real processes: the test's timeout bounds it). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/container-stdin.test.ts'), 240_000);
else describe('a container\'s stdin and terminal', () => {
  it('gives a stdin: true container what is written, and the end of it', async () => {
    const { stdins, runtime, run } = await node();
    const id = await run({ command: ['node', '-e', 'let n = 0; process.stdin.on("data", (c) => (n += c.length)).on("end", () => process.exit(n === 11 ? 0 : 1))'], stdin: true, stdinOnce: true });
    stdins.of(id)!.write(Buffer.from('hello '));
    stdins.of(id)!.write(Buffer.from('world'));
    stdins.of(id)!.end();
    await until(async () => (await runtime.containerStatus(id)).state === 'CONTAINER_EXITED');
    expect((await runtime.containerStatus(id)).exitCode).toBe(0);
  });

  it("fails a stdin: true container whose program is not there as runc does (StartError, exit 128), not as the shell that would have run it (exit 127)", async () => {
    const { run } = await node();
    let attempt = 0;
    for (const program of ['no-such-program', '/no/such/program']) {
      await expect(run({ metadata: { name: 'app', attempt: attempt++ }, command: [program], stdin: true, stdinOnce: true }), program).rejects.toThrow(`unable to start container process: exec: "${program}": executable file not found in $PATH`);
      await expect(run({ metadata: { name: 'app', attempt: attempt++ }, command: [program], tty: true }), `${program} on a terminal`).rejects.toThrow('executable file not found in $PATH');
    }
  });

  it('leaves no process of a tty: true container behind when it is stopped, not even one that ignores SIGHUP', async () => {
    const { runtime, run } = await node();
    const id = await run({ command: ['sh', '-c', 'trap "" HUP; sleep 1000'], stdin: true, tty: true });
    await until(() => markedProcesses(mark).some((p) => commandOf(p.pid).startsWith('sleep 1000')));
    await runtime.stopContainer(id, 1);
    await until(async () => (await runtime.containerStatus(id)).state === 'CONTAINER_EXITED');
    // SIGKILLed processes vanish once the kernel has run them to their end: on a loaded machine, not at once.
    for (let look = 0; look < 200 && markedProcesses(mark).length > 0; look++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(markedProcesses(mark), 'still running 10 s after the container stopped').toEqual([]);
  });

  it('resizes a tty: true container\'s terminal when the attached client\'s window is resized: the program gets SIGWINCH and the new size', async () => {
    const { stdins, runtime, run } = await node();
    const id = await run({ command: SHOW_SIZE, stdin: true, tty: true });
    const log = async () => readFileSync((await runtime.containerStatus(id)).logPath, 'utf8');
    await until(async () => (await log()).includes('size 80x24'));
    stdins.of(id)!.resize({ columns: 132, rows: 43 });
    await until(async () => (await log()).includes('size 132x43'));
  });

  it('resizes the terminal of kubectl exec -t, and a session with no process left is not resized', async () => {
    const { runtime, run } = await node();
    const id = await run({ command: ['sleep', '1000'] });
    let output = '';
    const exec = await startStreamingExec(runtime, id, SHOW_SIZE, { stdin: true, tty: { columns: 100, rows: 30 }, stdout: (chunk) => (output += chunk), stderr: () => {} });
    await until(() => output.includes('size 100x30'));
    exec.resize({ columns: 61, rows: 17 });
    await until(() => output.includes('size 61x17'));
    exec.write(Buffer.from('\x03')); // Ctrl-C on the terminal: SIGINT
    expect(await exec.done).toBe(130);
    expect(await resizeTerminalSession('/no/such/session', { columns: 1, rows: 1 })).toBeUndefined();
  });

  it('removes the exec folders of a kubelet that is gone (killed with -9), and leaves those of a live one', async () => {
    const gone = spawnSync('true').pid; // exited and reaped: no such process now
    const abandoned = join(tmpdir(), `kubekata-exec-${gone}-killed`);
    const live = join(tmpdir(), `kubekata-exec-${process.pid}-serving`);
    for (const dir of [abandoned, live]) mkdirSync(join(dir, 'in'), { recursive: true });
    try {
      expect(await sweepAbandonedExecs()).toContain(`kubekata-exec-${gone}-killed`);
      expect([existsSync(abandoned), existsSync(live)]).toEqual([false, true]);
    } finally {
      for (const dir of [abandoned, live]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
