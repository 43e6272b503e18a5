/**
 * `npm run cluster` — the whole cluster of kata 29: etcd, the apiserver over HTTPS, the scheduler,
 * the controller manager, cluster DNS, N nodes (kubelet and runtime) and kube-proxy, in one
 * process, with your components; a component whose katas are unfinished is the reference's
 * (borrowed), and the tool says which. `KATA_TARGET=solutions npm run cluster` runs the reference.
 *
 * ```
 * $ npm run cluster -- --nodes 2
 * cluster (your katas) on https://127.0.0.1:6443 with 2 nodes (runtime: process)
 *   borrowed (unfinished): cluster (kata 29)
 *   kubectl --kubeconfig .kubekata/cluster/kubeconfig get nodes
 * ```
 *
 * Options: --nodes N (default 2), --data-dir DIR (default .kubekata/cluster: the store's log,
 * the certificates and tokens, the kubeconfig, the pods' folders; a restart with the same folder
 * recovers the cluster), --runtime process|fake (default process: containers are real processes),
 * --host ADDR (default 127.0.0.1), --port N (default 6443; 0: any free port), --dns-port N
 * (default 10053), --service-cidr CIDR (default 127.96.0.0/12), --node-monitor-grace-period 50s,
 * --view-port N (the live view's page, default 8429; --no-view for none), --etcd-servers URL
 * (keep the objects in a real etcd 3.4 instead of your store, as a production cluster does:
 * tools/lib/etcd-backend.ts, docs/etcd-backend.md), -v (print every component's log line).
 *
 * The scheduler records why each pod went where (the last 200): the live view links each pod to
 * it, and `npm run kata -- explain POD` prints it.
 *
 * While it runs, it reads commands on its standard input (for a demonstration, or a test):
 * `stop-kubelet NODE`, `start-kubelet NODE`, `stop-scheduler`, `start-scheduler`,
 * `stop-controller-manager`, `start-controller-manager`, `restart-control-plane`, `status`, `help`.
 * Stopping the scheduler or the controller manager is kubeadm's "move its manifest out of
 * /etc/kubernetes/manifests": new pods stay Pending, or a Deployment makes no pods, and `kubectl
 * get cs` says Unhealthy, until it is started again.
 */
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { c } from './lib/report.ts';
import { runsItselfBorrowing } from './lib/run-borrowing.ts';
import { ROOT } from './lib/targets.ts';

const usage =
  'usage: npm run cluster -- [--nodes N] [--data-dir DIR] [--runtime process|fake] [--host ADDR] [--port N] [--dns-port N] [--service-cidr CIDR] [--node-monitor-grace-period 50s] [--view-port N | --no-view] [--etcd-servers URL] [-v]';

function fail(message: string): never {
  console.error(c.red(message));
  console.error(usage);
  process.exit(2);
}

const args = (() => {
  try {
    return parseArgs({
      options: {
        nodes: { type: 'string', default: '2' },
        'data-dir': { type: 'string', default: join(ROOT, '.kubekata', 'cluster') },
        runtime: { type: 'string', default: 'process' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '6443' },
        'dns-port': { type: 'string', default: '10053' },
        'service-cidr': { type: 'string', default: '127.96.0.0/12' },
        'node-monitor-grace-period': { type: 'string', default: '50s' },
        'view-port': { type: 'string', default: '8429' },
        'no-view': { type: 'boolean', default: false },
        'etcd-servers': { type: 'string' },
        verbose: { type: 'boolean', short: 'v', default: false },
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

/** A whole number in [min, max], or a message naming the option. */
function wholeNumber(option: string, min: number, max: number, hint: string): number {
  const text = String(args[option as keyof typeof args]);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) fail(`--${option} ${text}: give a whole number from ${min} to ${max} (${hint}).`);
  return value;
}
const nodes = wholeNumber('nodes', 1, 200, 'each node takes a pod CIDR 127.0.<10+i>.0/24');
const port = wholeNumber('port', 0, 65535, '0 takes any free port; below 1024 needs root');
const dnsPort = wholeNumber('dns-port', 0, 65535, '0 takes any free port');
const viewPort = wholeNumber('view-port', 0, 65535, '0 takes any free port');
if (args.runtime !== 'process' && args.runtime !== 'fake') fail(`--runtime ${args.runtime}: give process (containers are real processes) or fake (simulated, on the clock).`);
const grace = /^(\d+)(s|m)$/.exec(args['node-monitor-grace-period']);
if (!grace) fail(`--node-monitor-grace-period ${args['node-monitor-grace-period']} is not a duration: write it like 50s or 1m.`);
const graceMs = Number(grace[1]) * (grace[2] === 'm' ? 60_000 : 1000);

// Yours, or the reference's for the components whose katas are unfinished (said once, by the parent).
if (!runsItselfBorrowing('cluster')) await run();

async function run(): Promise<void> {
  const { startCluster, writeKubeconfig } = await import('@kube/cluster');
  const { ExplanationLog } = await import('@kube/scheduler');
  const { DEFAULT_EXPLAIN_DIR, ExplanationFiles } = await import('./lib/explain-files.ts');
  const { startLiveView } = await import('./lib/live-view.ts');
  // Why each pod went where: the last 200 decisions (each holds its snapshot: a few KB at a learner's size, about 0.8 MB at 100 nodes and 1,000 pods), in memory for the live view and on disk for
  // npm run kata -- explain (in .kubekata/explain for the default data dir, else <data-dir>/explain).
  const explainDir = args['data-dir'] === join(ROOT, '.kubekata', 'cluster') ? DEFAULT_EXPLAIN_DIR : join(args['data-dir'], 'explain');
  const explanations = new ExplanationLog({ limit: 200, also: new ExplanationFiles({ dir: explainDir, limit: 200 }) });
  const verbose = args.verbose;
  // --etcd-servers: the objects in a real etcd (your registry, watch and HTTP katas unchanged on top).
  let etcd: import('./lib/etcd-backend.ts').EtcdBackend | undefined;
  if (args['etcd-servers']) {
    const { checkEndpoint, openEtcdBackend } = await import('./lib/etcd-backend.ts');
    try {
      etcd = openEtcdBackend(checkEndpoint(args['etcd-servers']));
    } catch (error) {
      fail(`--etcd-servers ${args['etcd-servers']}: ${(error as Error).message}`);
    }
  }
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  try {
    cluster = await startCluster({
      nodes,
      runtime: args.runtime as 'process' | 'fake',
      dataDir: args['data-dir'],
      host: args.host,
      port,
      dns: { port: dnsPort },
      serviceCIDR: args['service-cidr'],
      settings: { nodeMonitorGracePeriodMs: graceMs },
      explain: explanations,
      ...(etcd && { storage: { store: etcd.store, watchable: etcd.watchable } }),
      onTrace: (e) => verbose && console.log(c.dim(`  ${e.component} ${e.phase}`)),
      log: (component, line) => verbose && console.log(c.dim(`  ${component}: ${line}`)),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`an address is taken (${(error as Error).message}): is another cluster running? Stop it, or give --port / --dns-port 0.`);
    throw error;
  }
  /** A path as short as it reads: relative below the current folder, else absolute. */
  const shown = (path: string) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path) || path);
  const kubeconfig = shown(cluster.kubeconfig!);
  if (etcd) console.log(`  objects in the etcd at ${args['etcd-servers']}`);
  console.log(`cluster on ${c.bold(cluster.url)} with ${nodes} node${nodes === 1 ? '' : 's'} (runtime: ${args.runtime}), data in ${shown(args['data-dir'])}`);
  const leftovers = cluster.nodes.reduce((sum, node) => sum + node.leftoversStopped, 0);
  if (leftovers > 0) console.log(c.yellow(`  stopped ${leftovers} container process${leftovers === 1 ? '' : 'es'} that a killed run of this cluster left running; their pods start afresh`));
  console.log(`  kubeconfig: ${kubeconfig}`);
  console.log(`  kubectl --kubeconfig ${kubeconfig} get nodes`);
  console.log(`  export KUBECONFIG=${cluster.kubeconfig}`);
  // kubeadm's join: a bootstrap token, in a kubeconfig of its own that another machine can use.
  const bootstrap = join(args['data-dir'], 'bootstrap-kubeconfig');
  const { controlPlane } = cluster.parts;
  writeKubeconfig(bootstrap, { server: cluster.url, ca: controlPlane.caCertificate!, token: controlPlane.tokenOf('system:bootstrap:kubekata') });
  console.log(`  join another node: npm run node -- --kubeconfig ${shown(bootstrap)} --name node-${nodes + 1} --node-ip 127.0.${10 + nodes + 30}.1`);
  console.log(`  why a pod went where: npm run kata -- explain POD${explainDir === DEFAULT_EXPLAIN_DIR ? '' : ` --dir ${shown(explainDir)}`}`);
  // The live view: the cluster as your informers (kata 17) see it, in a browser.
  const view = !args['no-view'] ? await startLiveView({ client: cluster.client, clock: cluster.parts.clock, port: viewPort, explain: (namespace, name) => explanations.get(namespace, name) }).catch((error: unknown) => {
    console.log(c.yellow(`  no live view: ${(error as Error).message} (--view-port N for another port, --no-view for none)`));
    return undefined;
  }) : undefined;
  if (view) console.log(`  live view: ${c.bold(view.url)}`);
  console.log(c.dim('  commands: stop-kubelet NODE, start-kubelet NODE, stop-scheduler, start-scheduler, stop-controller-manager, start-controller-manager, restart-control-plane, status, help. Ctrl-C stops it.'));

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping: kube-proxy, the nodes and their containers, DNS, the controllers, the scheduler, the apiserver, etcd');
    await view?.stop();
    await cluster.stop();
    etcd?.close();
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  // The two leaders, each stopped and started as a whole: its work stops and its Lease is handed back.
  const { scheduler, controllerManager } = cluster.parts;
  const leaders = { 'kube-scheduler': scheduler, 'kube-controller-manager': controllerManager };
  const stopLeader = async (name: keyof typeof leaders, effect: string) => {
    if (!leaders[name].leading) return `${name} is not running`;
    await leaders[name].stop();
    return `${name} stopped, its Lease handed back: ${effect}`;
  };
  const startLeader = async (name: keyof typeof leaders) => {
    if (leaders[name].leading) return `${name} is running already`;
    await leaders[name].start();
    return `${name} started: it leads again`;
  };
  const commands: Record<string, (arg?: string) => Promise<string>> = {
    help: async () => Object.keys(commands).map((name) => (name.endsWith('-kubelet') ? `${name} NODE` : name)).join(', '),
    status: async () =>
      [
        ...Object.entries(leaders).map(([name, leader]) => `${name}: ${leader.leading ? 'running' : 'stopped'}`),
        ...cluster.nodes.map((n) => `${n.name}: kubelet ${n.kubelet ? 'running' : 'stopped'}`),
      ].join('\n'),
    'stop-kubelet': async (name) => (await cluster.node(name ?? '').stopKubelet(), `kubelet ${name} stopped (its containers go on)`),
    'start-kubelet': async (name) => (await cluster.node(name ?? '').startKubelet(), `kubelet ${name} started`),
    'stop-scheduler': () => stopLeader('kube-scheduler', 'new pods stay Pending, and kubectl get cs says it is Unhealthy'),
    'start-scheduler': () => startLeader('kube-scheduler'),
    'stop-controller-manager': () => stopLeader('kube-controller-manager', 'no controller acts (a Deployment makes no pods, a deleted pod is not replaced), and kubectl get cs says it is Unhealthy'),
    'start-controller-manager': () => startLeader('kube-controller-manager'),
    'restart-control-plane': async () => (await cluster.restartControlPlane(), `control plane restarted on ${cluster.url}`),
  };
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on('line', (line) => {
    const [command, arg] = line.trim().split(/\s+/);
    if (!command) return;
    const handler = commands[command];
    if (!handler) {
      console.log(c.yellow(`"${command}" is not a command: ${Object.keys(commands).join(', ')}`));
      return;
    }
    handler(arg).then(
      (answer) => console.log(answer),
      (error: unknown) => console.log(c.red((error as Error).message)),
    );
  });
}
