/**
 * Reads the current context of a kubeconfig (the file `npm run apiserver` writes, or kubectl's) into
 * what a client needs: the server, its CA, and a token or a client certificate. The tools that
 * connect to an apiserver (`npm run live-view`) use it; `setGlobalDispatcher` makes fetch (and so
 * kata 10's HttpClient) speak that TLS.
 *
 * @example
 * ```ts
 * const connection = readKubeconfig('.kubekata/kubeconfig');   // { server: 'https://127.0.0.1:6443', ca: '-----BEGIN ...', cert, key }
 * useConnection(connection);
 * const client = new HttpClient(connection.server, connection.token ? { token: connection.token } : {});
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { parse as parseYaml } from 'yaml';

/** Where an apiserver is and how to prove who we are to it. */
export interface Connection {
  server: string;
  /** the CA that signed the server's certificate (PEM) */
  ca?: string;
  /** insecure-skip-tls-verify */
  insecure: boolean;
  token?: string;
  /** a client certificate and its key (PEM) */
  cert?: string;
  key?: string;
}

/** A kubeconfig that cannot be used, with what is wrong with it. */
export class KubeconfigError extends Error {}

/** The current context's server and credentials; throws a {@link KubeconfigError} saying what the file lacks. */
export function readKubeconfig(file: string): Connection {
  const fail = (message: string): never => {
    throw new KubeconfigError(`--kubeconfig ${file}: ${message}`);
  };
  if (!existsSync(file)) fail('no such file. Start an apiserver first (npm run apiserver writes .kubekata/kubeconfig), or give the file of yours.');
  let config: any;
  try {
    config = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`not valid YAML: ${(error as Error).message}`);
  }
  const named = (list: unknown, name: unknown, what: string): any => {
    const entry = Array.isArray(list) ? list.find((e: { name?: unknown }) => e?.name === name) : undefined;
    if (!entry) fail(`there is no ${what} named "${String(name)}" (the current context names it).`);
    return entry;
  };
  if (!config?.['current-context']) fail('no current-context: set one (kubectl config use-context NAME).');
  const context = named(config.contexts, config['current-context'], 'context').context ?? {};
  const cluster = named(config.clusters, context.cluster, 'cluster').cluster ?? {};
  const user = context.user === undefined ? {} : (named(config.users, context.user, 'user').user ?? {});
  if (typeof cluster.server !== 'string') fail(`cluster "${context.cluster}" has no server.`);
  const dir = resolve(file, '..');
  const fileOrData = (data: unknown, path: unknown): string | undefined =>
    typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : typeof path === 'string' ? readFileSync(resolve(dir, path), 'utf8') : undefined;
  const token = typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? readFileSync(resolve(dir, user.tokenFile), 'utf8').trim() : undefined;
  const connection: Connection = { server: cluster.server, insecure: cluster['insecure-skip-tls-verify'] === true };
  const ca = fileOrData(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = fileOrData(user['client-certificate-data'], user['client-certificate']);
  const key = fileOrData(user['client-key-data'], user['client-key']);
  if (ca) connection.ca = ca;
  if (token) connection.token = token;
  if (cert) connection.cert = cert;
  if (key) connection.key = key;
  return connection;
}

/** Makes this process's fetch speak the connection's TLS: its CA, its client certificate. */
export function useConnection(connection: Connection): void {
  if (!connection.server.startsWith('https:')) return;
  setGlobalDispatcher(
    new Agent({ connect: { ...(connection.ca && { ca: connection.ca }), ...(connection.cert && { cert: connection.cert }), ...(connection.key && { key: connection.key }), rejectUnauthorized: !connection.insecure } }),
  );
}
