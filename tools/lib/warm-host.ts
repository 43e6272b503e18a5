/**
 * The learner's loop keeps one vitest warm between saves (tools/lib/warm-host-main.ts runs it):
 * {@link WarmHost.start} is a {@link StartRun} for {@link runTests}, so the runner's watchdog,
 * restarts and results work exactly as with a fresh vitest. A run that has to be stopped (a test
 * in an infinite loop, a crash) kills the host's whole process group; the next run starts a new
 * host, which costs one cold start and nothing else.
 *
 * @example
 * const host = new WarmHost();
 * const report = await runTests({ files: ['test/etcd/01-kv.test.ts'], start: host.start, env });
 * host.changed('/…/katas/etcd/store.ts'); // after a save: its transform is thrown away
 * await runTests({ files: ['test/etcd/01-kv.test.ts'], start: host.start, env }); // ~1 s, not ~3 s
 * host.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RunnerEvent } from './events.ts';
import type { RunningTests, StartRun } from './runner.ts';
import { ROOT } from './targets.ts';
import { runTempDir } from './run-temp-dir.ts';

const MAIN = join(ROOT, 'tools', 'lib', 'warm-host-main.ts');
/**
 * The variables that change from run to run (the seed, the skip and progress files, replays); every
 * other variable the caller sets (how `@kube/*` resolves, which files the config includes) is
 * fixed for a host's life: a host is made for one set of them.
 */
const PER_RUN = new Set(['KATA_SEED', 'KATA_PATH', 'KATA_SKIP_TESTS', 'KATA_PROGRESS', 'KATA_REPLAYS']);

/** The caller's variables that a host is made with. */
function hostEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && !PER_RUN.has(entry[0]))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** One vitest process kept between runs, with what it was made for. */
interface Host {
  process: ChildProcess;
  signature: string;
  ready: Promise<void>;
  stderr: string;
  /** the run it is serving, whose listeners get its events */
  current?: { onEvent: (event: RunnerEvent) => void; onDone: (done: { sawEnd: boolean; code: number | null; stderr: string }) => void };
}

/** A vitest kept warm between the learner's saves. */
export class WarmHost {
  private host: Host | undefined;
  private readonly changedFiles = new Set<string>();

  /** Notes a file that changed since the last run (absolute path): the next run re-reads it. */
  changed(file: string): void {
    this.changedFiles.add(file);
  }

  /** Starts a run on the warm vitest, first starting one if there is none for this environment. */
  readonly start: StartRun = (request) => {
    const signature = JSON.stringify([request.root, request.testTimeoutMs, request.maxWorkers, hostEnv(request.env)]);
    if (!this.host || this.host.signature !== signature || this.host.process.exitCode !== null || this.host.process.signalCode !== null) {
      this.close();
      this.host = this.spawnHost(request.root, signature, request.env, request.testTimeoutMs, request.maxWorkers);
    }
    const host = this.host;
    const eventListeners: ((event: RunnerEvent) => void)[] = [];
    const doneListeners: ((done: { sawEnd: boolean; code: number | null; stderr: string }) => void)[] = [];
    let done = false;
    const finish = (result: { sawEnd: boolean; code: number | null; stderr: string }): void => {
      if (done) return;
      done = true;
      host.current = undefined;
      for (const listener of doneListeners) listener(result);
    };
    host.current = {
      onEvent: (event) => {
        for (const listener of eventListeners) listener(event);
        if (event.type === 'end') finish({ sawEnd: true, code: null, stderr: host.stderr });
      },
      onDone: finish,
    };
    const changed = [...this.changedFiles];
    this.changedFiles.clear();
    const env = Object.fromEntries(Object.entries(request.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    void host.ready.then(() => {
      if (!done) host.process.send({ type: 'run', files: request.files, env, changed, ...(request.testNamePattern ? { testNamePattern: request.testNamePattern } : {}) });
    });
    const running: RunningTests = {
      onEvent: (listener) => void eventListeners.push(listener),
      onDone: (listener) => void doneListeners.push(listener),
      kill: () => {
        this.killHost(host);
        finish({ sawEnd: false, code: null, stderr: host.stderr });
      },
    };
    return running;
  };

  /** Stops the warm vitest and its workers. */
  close(): void {
    if (this.host) this.killHost(this.host);
    this.host = undefined;
  }

  private killHost(host: Host): void {
    if (this.host === host) this.host = undefined;
    try {
      process.kill(-host.process.pid!, 'SIGKILL');
    } catch {
      host.process.kill('SIGKILL');
    }
  }

  private spawnHost(root: string, signature: string, env: NodeJS.ProcessEnv, testTimeoutMs: number, maxWorkers: number): Host {
    const temp = runTempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: root,
      env: {
        ...process.env,
        ...hostEnv(env),
        TMPDIR: temp.path,
        KATA_WARM_HOST: '1',
        KATA_TEST_TIMEOUT: String(testTimeoutMs),
        KATA_WARM_WORKERS: String(maxWorkers),
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    let markReady: () => void = () => {};
    const host: Host = { process: child, signature, stderr: '', ready: new Promise<void>((resolve) => (markReady = resolve)) };
    child.stdout!.on('data', () => {});
    child.stderr!.on('data', (chunk: Buffer) => {
      host.stderr = (host.stderr + chunk.toString()).slice(-4000);
    });
    child.on('message', (message: RunnerEvent | { type: 'ready' }) => {
      if (message.type === 'ready') return markReady();
      host.current?.onEvent(message);
    });
    child.on('exit', (code) => {
      temp.remove();
      if (this.host === host) this.host = undefined;
      host.current?.onDone({ sawEnd: false, code, stderr: host.stderr });
    });
    // The loop must be able to exit while a host idles.
    child.unref();
    child.channel?.unref();
    return host;
  }
}
