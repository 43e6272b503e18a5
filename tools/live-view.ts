/**
 * `npm run live-view` — the cluster of a kubeconfig in the browser, live: nodes with their pods,
 * Deployments with their ReplicaSets, Services with their endpoints, and the events
 * (tools/lib/live-view.ts). Your informers (kata 17) on your HttpClient (kata 10) feed it, so what
 * your list-and-watch gets wrong, the page shows.
 *
 * ```
 * $ npm run apiserver &                 # writes .kubekata/kubeconfig
 * $ npm run live-view
 * live view of https://127.0.0.1:6443 (your informers) on http://127.0.0.1:8001/
 * Ctrl-C stops it
 * ```
 *
 * Options: --kubeconfig FILE (default $KUBECONFIG, else .kubekata/kubeconfig), --host ADDRESS
 * (default 127.0.0.1: only this machine can see the page, which shows the whole cluster to anyone
 * who reaches it), --port N (default 8001, as `kubectl proxy`; 0 for any free one).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient, isStatusError, selectorFromObject } from '@kube/apiserver';
import { isNotImplemented, RealClock } from '@kube/kit';
import { KubeconfigError, readKubeconfig, useConnection } from './lib/kubeconfig.ts';
import { startLiveView } from './lib/live-view.ts';
import { c } from './lib/report.ts';
import { resolveTargets, ROOT } from './lib/targets.ts';

const usage = 'usage: npm run live-view -- [--kubeconfig FILE] [--host 127.0.0.1] [--port 8001]';

function fail(message: string): never {
  console.error(c.red(message));
  console.error(usage);
  process.exit(2);
}

const args = (() => {
  try {
    return parseArgs({
      options: {
        kubeconfig: { type: 'string', default: process.env.KUBECONFIG ?? join(ROOT, '.kubekata', 'kubeconfig') },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8001' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    fail((error as Error).message);
  }
})();
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(args.port);
if (!/^\d+$/.test(args.port) || port > 65_535) fail(`--port ${args.port} is not a port: give a whole number from 0 (any free one) to 65535.`);

/** Can kata 10's client code be used, or is the apiserver component still a starter? */
function apiserverClientReady(): boolean {
  try {
    isStatusError(new Error('probe'), 'NotFound');
    selectorFromObject({ matchLabels: { app: 'web' } }).matches({ app: 'web' });
    new HttpClient('http://127.0.0.1:1');
    return true;
  } catch (error) {
    if (isNotImplemented(error)) return false;
    throw error;
  }
}
if (!apiserverClientReady()) {
  // Which code answers @kube/apiserver is fixed when the process starts: run again with it borrowed.
  const borrowed = [...new Set([...resolveTargets().borrowed, 'etcd', 'apiserver'])].join(',');
  console.log(c.dim(`  the apiserver's client code (katas 07-10) is not finished: borrowing the reference's etcd and apiserver for this run`));
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, KATA_BORROWED: borrowed } });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  await new Promise(() => {}); // until the child exits
}

let connection;
try {
  connection = readKubeconfig(args.kubeconfig);
} catch (error) {
  if (error instanceof KubeconfigError) fail(error.message);
  throw error;
}
useConnection(connection);
const client = new HttpClient(connection.server, connection.token ? { token: connection.token } : {});
try {
  await client.namespaces().list({ limit: 1 });
} catch (error) {
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  fail(`cannot reach the apiserver at ${connection.server}: ${(error as Error).message}${cause ? ` (${cause})` : ''}. Is it running? npm run apiserver starts one.`);
}

let view;
try {
  view = await startLiveView({ client, clock: new RealClock(), host: args.host, port });
} catch (error) {
  fail((error as Error).message);
}
const whose = view.informers() === 'yours' ? 'your informers' : "the reference's informers: kata 17 is not finished";
console.log(`live view of ${c.bold(connection.server)} (${whose}) on ${c.bold(view.url)}`);
console.log('Ctrl-C stops it');
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  void view.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
