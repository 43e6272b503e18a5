/**
 * Kata 10's test bench: an apiserver on a loopback port over a fresh store, a fake clock, and
 * helpers to send raw requests, run the real `kubectl` against it, and build a kubeconfig.
 */
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request as plainRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ApiServer, Registry, type ApiServerOptions } from '@kube/apiserver';
import { testStore, type TestStore } from './store.ts';
import { FakeClock, Random } from '@kube/kit';
import { ensurePki } from '@kube/kit';
import { temporaryFolder } from '../temporary-folders.ts';

/** 2026-01-01T00:00:00Z, the fake clock's start. */
export const START = Date.UTC(2026, 0, 1);

/** A running apiserver and what it is made of. */
export interface Bench {
  server: ApiServer;
  url: string;
  store: TestStore;
  registry: Registry;
  clock: FakeClock;
  /** one raw request: the code, the Content-Type, the body as text and (when it is JSON) parsed */
  send(method: string, path: string, options?: SendOptions): Promise<Reply>;
  stop(): Promise<void>;
  /** with `{ tls: true }`: the CA that signed the server's certificate (PEM), for a kubeconfig */
  ca?: string;
}

/** Options of {@link Bench.send}. */
export interface SendOptions {
  /** an object is sent as JSON; a string or bytes (a protobuf body) as they are */
  body?: unknown;
  headers?: Record<string, string>;
}

/** An answer, as a test reads it. */
export interface Reply {
  code: number;
  contentType: string;
  text: string;
  /** the body parsed as JSON; undefined when it is not JSON */
  json: any;
  /** the body as it came */
  bytes: Buffer;
  /** the values of its `Warning` headers, in order */
  warnings: string[];
}

/**
 * Starts an apiserver on 127.0.0.1 (any free port) with the namespace `default` made; `more` adds
 * or overrides server options (authentication, admission, limits).
 */
export async function startBench(more: Partial<ApiServerOptions> = {}, options: { tls?: boolean } = {}): Promise<Bench> {
  const { store, watchable } = testStore();
  const clock = new FakeClock(START);
  const registry = new Registry({ store, watchable, clock, random: new Random(10) });
  registry.create('namespaces', undefined, { metadata: { name: 'default' } });
  // HTTPS as npm run apiserver serves it: kubectl sends a bearer token only over TLS.
  const pki = options.tls ? await ensurePki(temporaryFolder('kubekata-pki-'), ['127.0.0.1']) : undefined;
  const server = new ApiServer({ registry, clock, ...(pki ? { tls: { key: pki.key, cert: pki.cert } } : {}), ...more });
  const { url } = await server.start();
  const send = requester(url, pki?.ca);
  return { server, url, store, registry, clock, send, stop: () => (send.close(), server.stop()), ...(pki ? { ca: pki.ca } : {}) };
}

/**
 * Raw requests to `url` over one kept-alive connection at a time (node:http, not fetch: a third
 * of fetch's cost per request, which matters to a fuzz of 10,000 of them on a loaded machine).
 */
export function requester(url: string, ca?: string): ((method: string, path: string, options?: SendOptions) => Promise<Reply>) & { close(): void } {
  const { hostname, port, protocol } = new URL(url);
  const tls = protocol === 'https:';
  const agent = tls ? new HttpsAgent({ keepAlive: true, maxSockets: 4, ...(ca ? { ca } : {}) }) : new Agent({ keepAlive: true, maxSockets: 4 });
  const httpRequest = tls ? httpsRequest : plainRequest;
  const send = (method: string, path: string, options: SendOptions = {}): Promise<Reply> => {
    const raw = options.body;
    const body = raw === undefined ? undefined : typeof raw === 'string' || raw instanceof Uint8Array ? raw : JSON.stringify(raw);
    const headers: Record<string, string> = { ...(body !== undefined && !options.headers?.['Content-Type'] ? { 'Content-Type': 'application/json' } : {}), ...options.headers };
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    return new Promise<Reply>((resolve, reject) => {
      const request = httpRequest({ host: hostname, port, path, method, headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const warnings = response.headersDistinct['warning'] ?? [];
          resolve({ code: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), text, json, bytes, warnings });
        });
      });
      request.on('error', reject);
      request.end(body);
    });
  };
  return Object.assign(send, { close: () => agent.destroy() });
}

/**
 * A kubeconfig for `url` in a new temporary directory (namespace default; a token when given; the
 * CA that signed the server's certificate for an https:// url, from {@link Bench.ca}).
 */
export function kubeconfig(url: string, token?: string, ca?: string): string {
  const dir = temporaryFolder('kubekata-kubectl-');
  const file = join(dir, 'config');
  const user = token ? `{token: "${token}"}` : '{}';
  const authority = ca ? `, certificate-authority-data: ${Buffer.from(ca).toString('base64')}` : '';
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: kata, cluster: {server: "${url}"${authority}}}]`,
      `users: [{name: learner, user: ${user}}]`,
      'contexts: [{name: kata, context: {cluster: kata, user: learner, namespace: default}}]',
      'current-context: kata',
      '',
    ].join('\n'),
  );
  return file;
}

/** What a kubectl run printed, and how it ended. */
export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment kubectl runs in. Go's garbage collector is off below 256 MiB of heap: a kubectl
 * run lives for a fraction of a second and never gets near it, and collecting anyway cost a third
 * of its CPU (41 ms a `kubectl get` against 29 ms; measured with `perf stat -r 20`). What kubectl
 * does and prints is the same.
 */
function kubectlEnv(config: string): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: config, HOME: tmpdir(), GOGC: 'off', GOMEMLIMIT: '256MiB' };
}

/**
 * Runs the real kubectl with `args` against the kubeconfig `config`; `input` goes to its stdin
 * (for `-f -`). Never rejects: a failed run is a non-zero code with its stderr.
 */
export function kubectl(config: string, args: string[], input?: string): Promise<KubectlRun> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', config, '--cache-dir', join(dirname(config), 'cache'), '--request-timeout=20s', ...args],
      { env: kubectlEnv(config), timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

let kubectlFound: Promise<boolean> | undefined;

/** True when kubectl can be run here (asked once per process). */
export function haveKubectl(): Promise<boolean> {
  return (kubectlFound ??= new Promise((resolve) => execFile('kubectl', ['version', '--client'], (error) => resolve(!error))));
}

/**
 * A kubectl that keeps running (`get -w`): what it printed so far, a wait until a whole line it
 * printed holds some text, and a way to stop it.
 */
export function kubectlStream(config: string, args: string[]): { output(): string; until(text: string): Promise<void>; stop(): void } {
  const child = spawn('kubectl', ['--kubeconfig', config, '--cache-dir', join(dirname(config), 'cache'), ...args], {
    env: kubectlEnv(config),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stdout and stderr apart: a log line on stderr (client-side throttling under load) written in the
  // middle of a table line would otherwise hide that line.
  let output = '';
  let errors = '';
  let exited = false;
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((waiter) => waiter());
  child.stdout.on('data', (chunk: Buffer) => ((output += chunk.toString('utf8')), changed()));
  child.stderr.on('data', (chunk: Buffer) => ((errors += chunk.toString('utf8')), changed()));
  child.on('exit', () => ((exited = true), changed()));
  const until = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        // Whole lines only: a chunk may end in the middle of one ("DELETED" and the rest to come).
        if (output.slice(0, output.lastIndexOf('\n') + 1).includes(text)) resolve();
        else if (exited) reject(new Error(`kubectl ${args.join(' ')} ended before printing "${text}":\n${output}${errors}`));
        else return;
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { output: () => output, until, stop: () => void child.kill() };
}
