/**
 * A throwaway etcd for the conformance run: started on loopback with free ports and a fresh data
 * directory, stopped and wiped afterwards — also when the run fails or is interrupted (Ctrl-C).
 *
 * @example
 * ```ts
 * const etcd = await startEtcd();        // throws EtcdUnavailable when there is no etcd binary
 * console.log(etcd.endpoint, etcd.version); // http://127.0.0.1:41234 3.4.23
 * await etcd.stop();                     // SIGTERM, then SIGKILL; the data dir is removed
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** No etcd to start: the message says how to install one. */
export class EtcdUnavailable extends Error {
  override readonly name = 'EtcdUnavailable';
}

/** A running etcd. */
export interface EtcdProcess {
  /** the client URL, e.g. `http://127.0.0.1:41234`; the JSON gateway is under `/v3/` */
  readonly endpoint: string;
  /** etcd's version, as `/version` reports it (e.g. `3.4.23`) */
  readonly version: string;
  /** the binary that runs */
  readonly bin: string;
  /** Stops etcd (SIGTERM, SIGKILL after a grace period) and removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

/** What etcd.ts prints when there is no etcd. */
export const INSTALL_HINT = [
  'Install etcd 3.4 and run again:',
  '  Debian/Ubuntu: sudo apt-get install etcd-server     (etcd 3.4, what the check is written for)',
  '  macOS:         brew install etcd                     (a newer etcd: the check is written for etcd 3.4\'s',
  '                                                        semantics, and a difference may be the newer etcd\'s)',
  'or point ETCD_BIN at an etcd binary.',
].join('\n');

/** Is `file` an executable file? */
function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The etcd binary to run: `$ETCD_BIN`, else /usr/bin/etcd (Debian's etcd-server), else `etcd` on
 * the PATH.
 *
 * @throws EtcdUnavailable when there is none, with how to install it
 */
export function findEtcd(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ETCD_BIN) {
    if (executable(env.ETCD_BIN)) return env.ETCD_BIN;
    throw new EtcdUnavailable(`ETCD_BIN=${env.ETCD_BIN} is not an executable file.\n${INSTALL_HINT}`);
  }
  const candidates = ['/usr/bin/etcd', ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'etcd'))];
  const found = candidates.find(executable);
  if (found) return found;
  throw new EtcdUnavailable(`etcd is not installed (looked for $ETCD_BIN, /usr/bin/etcd and etcd on the PATH).\n${INSTALL_HINT}`);
}

/** A TCP port on 127.0.0.1 that is free right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Options of {@link startEtcd}. */
export interface StartOptions {
  /** the binary; default {@link findEtcd} */
  bin?: string;
  /** how many times to poll the gateway before giving up (every 100 ms); default 150 (15 s) */
  attempts?: number;
}

/** Every etcd this process started and has not stopped yet: stopped on exit and on Ctrl-C. */
const running = new Set<{ child: ChildProcess; dataDir: string }>();
let handlersInstalled = false;

/** Kills what is left and removes its data dirs, synchronously (the 'exit' event allows nothing else). */
function killAllNow(): void {
  for (const entry of running) {
    if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGKILL');
    rmSync(entry.dataDir, { recursive: true, force: true });
  }
  running.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      console.error(`\n${signal}: etcd stopped, its data dir removed.`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/**
 * Starts etcd on 127.0.0.1 (client and peer on free ports, a new data dir under the OS's temp
 * dir) and waits until its gateway answers.
 *
 * @throws EtcdUnavailable when there is no binary; Error when etcd exits early or never answers
 *   (with the end of its log)
 */
export async function startEtcd(options: StartOptions = {}): Promise<EtcdProcess> {
  const bin = options.bin ?? findEtcd();
  const attempts = options.attempts ?? 150;
  installHandlers();
  // A free port can be taken by someone else before etcd binds it: try again with new ports.
  let lastError: unknown;
  for (let tries = 0; tries < 3; tries++) {
    try {
      return await startOnce(bin, attempts);
    } catch (error) {
      lastError = error;
      if (!(error instanceof EtcdExitedEarly)) throw error;
    }
  }
  throw lastError;
}

class EtcdExitedEarly extends Error {}

async function startOnce(bin: string, attempts: number): Promise<EtcdProcess> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'kubekata-etcd-'));
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const name = 'kubekata-conformance';
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${name}=${peer}`,
    '--initial-cluster-state=new',
    '--logger=zap',
    '--log-level=error',
  ];
  // etcd reads ETCD_* variables as flags, and refuses to start when one repeats a flag given here.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_')));
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { child, dataDir };
  running.add(entry);
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let spawnError: Error | undefined;
  child.on('error', (error) => (spawnError = error));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const inTime = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
        if (!inTime) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
      running.delete(entry);
    })());

  try {
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (spawnError) throw new Error(`could not start ${bin}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new EtcdExitedEarly(`${bin} exited (${child.exitCode ?? child.signalCode}) before it answered:\n${log.trim()}`);
      }
      const version = await answers(client);
      if (version !== undefined) return { endpoint: client, version, bin, stop };
      await sleep(100);
    }
    throw new Error(`etcd did not answer on ${client} after ${attempts} attempts (${attempts / 10} s):\n${log.trim()}`);
  } catch (error) {
    await stop();
    throw error;
  }
}

/** etcd's version if it serves requests at `client` (a read through the gateway works), else undefined. */
async function answers(client: string): Promise<string | undefined> {
  try {
    const read = await fetch(`${client}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }), signal: AbortSignal.timeout(1000) });
    if (!read.ok) return undefined;
    const version = (await (await fetch(`${client}/version`, { signal: AbortSignal.timeout(1000) })).json()) as { etcdserver?: string };
    return version.etcdserver ?? 'unknown';
  } catch {
    return undefined;
  }
}
