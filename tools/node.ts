/**
 * `npm run node` — one node (kubelet, runtime, kube-proxy) that joins a running cluster over
 * HTTPS, from this machine or another: what `kubeadm join` does for a real one.
 *
 * ```
 * $ npm run cluster                          # prints the join command, and writes
 *                                            # .kubekata/cluster/bootstrap-kubeconfig
 * $ npm run node -- --kubeconfig .kubekata/cluster/bootstrap-kubeconfig --name node-3 --node-ip 127.0.40.1
 * node node-3 joined https://127.0.0.1:6443: node IP 127.0.40.1, pod CIDR 127.0.40.0/24
 * ```
 *
 * Options: --kubeconfig FILE (the cluster's bootstrap-kubeconfig: its server, CA and bootstrap
 * token), --name NAME (the Node's name), --node-ip ADDR (default 127.0.100.1: the node's address,
 * where its kubelet server and node ports listen; its pod CIDR is that address's /24, so give every
 * node its own third number), --runtime process|fake (default process), --data-dir DIR (default
 * .kubekata/node-<name>: the pods' folders and logs), --dns HOST:PORT (the cluster DNS server
 * written into containers; default the kube-dns Service's address at port 10053), --resolv-conf
 * FILE (the node's own resolver settings, which pods with dnsPolicy Default get; default
 * /etc/resolv.conf, '' for none), -v.
 *
 * Routing, on real machines: a pod's address is in its node's pod CIDR, and kube-proxy sends a
 * Service's connection to a pod on whichever node it is. Every machine must therefore reach every
 * node's pod CIDR: `ip route add <pod CIDR of node B> via <IP of node B>` on each machine (what a
 * CNI plugin such as flannel's host-gw does), and the cluster's Service range must be routed to
 * the machine itself. On one machine, every 127.x address is the machine's own: nothing to set up.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import type { Service } from '@kube/kit';
import { KubeconfigError, readKubeconfig } from './lib/kubeconfig.ts';
import { c } from './lib/report.ts';
import { runsItselfBorrowing } from './lib/run-borrowing.ts';
import { ROOT } from './lib/targets.ts';

const usage = 'usage: npm run node -- --kubeconfig FILE --name NAME [--node-ip 127.0.100.1] [--runtime process|fake] [--data-dir DIR] [--dns HOST:PORT] [--resolv-conf FILE] [-v]';

function fail(message: string): never {
  console.error(c.red(message));
  console.error(usage);
  process.exit(2);
}

const args = (() => {
  try {
    return parseArgs({
      options: {
        kubeconfig: { type: 'string' },
        name: { type: 'string' },
        'node-ip': { type: 'string', default: '127.0.100.1' },
        runtime: { type: 'string', default: 'process' },
        'data-dir': { type: 'string' },
        dns: { type: 'string' },
        'resolv-conf': { type: 'string', default: '/etc/resolv.conf' },
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
if (!args.kubeconfig) fail('--kubeconfig is missing: give the bootstrap-kubeconfig that npm run cluster wrote in its data dir.');
if (!args.name) fail('--name is missing: give the Node a name, like node-3.');
const name = args.name;
if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) || name.length > 253) {
  fail(`--name ${name}: a Node's name is a DNS subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, like node-3.`);
}
const ip = /^127\.(\d{1,3})\.(\d{1,3})\.1$/.exec(args['node-ip']);
if (!ip || Number(ip[1]) > 255 || Number(ip[2]) > 255) fail(`--node-ip ${args['node-ip']}: give an address 127.A.B.1 (its /24, 127.A.B.0/24, becomes the node's pod CIDR), like 127.0.40.1.`);
const nodeIP = args['node-ip'];
const podCIDR = `127.${ip[1]}.${ip[2]}.0/24`;
if (args.runtime !== 'process' && args.runtime !== 'fake') fail(`--runtime ${args.runtime}: give process (containers are real processes) or fake.`);
if (args['resolv-conf'] !== '' && !existsSync(args['resolv-conf'])) fail(`--resolv-conf ${args['resolv-conf']}: no such file. Give the node's resolver file (its pods with dnsPolicy Default read it), or '' for none.`);
if (args.dns !== undefined && !/^[\d.]+:\d+$/.test(args.dns)) fail(`--dns ${args.dns}: give the DNS server as HOST:PORT, like 127.96.0.10:10053.`);

// Yours, or the reference's for the components whose katas are unfinished (said once, by the parent).
if (runsItselfBorrowing('node')) await new Promise(() => {});
const { HttpClient, SERVER_VERSION } = await import('@kube/apiserver');
const { ClusterNode, ServiceProxy, Tracer } = await import('@kube/cluster');
const { SharedInformerFactory } = await import('@kube/controllers');
const { RealClock, Random } = await import('@kube/kit');
const { Proxier } = await import('@kube/proxy');

let connection;
try {
  connection = readKubeconfig(args.kubeconfig);
} catch (error) {
  if (error instanceof KubeconfigError) fail(error.message);
  throw error;
}
const dispatcher = new Agent({ connect: { ...(connection.ca && { ca: connection.ca }), ...(connection.cert && { cert: connection.cert, key: connection.key }), rejectUnauthorized: !connection.insecure } });
const client = new HttpClient(connection.server, { ...(connection.token && { token: connection.token }), dispatcher, userAgent: `kubelet/${SERVER_VERSION.gitVersion} (${process.platform}/${process.arch}) kubekata` });
let dns = args.dns;
try {
  const kubeDns = await client.resource<Service>('services', 'kube-system').get('kube-dns');
  dns ??= `${kubeDns.spec?.clusterIP}:10053`;
} catch (error) {
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  if ((error as { code?: number }).code === 401) fail(`the cluster at ${connection.server} refused the kubeconfig's token (401): take the bootstrap-kubeconfig of the cluster running now.`);
  if ((error as { code?: number }).code === undefined) fail(`cannot reach the cluster at ${connection.server}: ${(error as Error).message}${cause ? ` (${cause})` : ''}. Is npm run cluster running?`);
  // no kube-dns Service: containers get no DNS server unless --dns says one
}

const clock = new RealClock();
const verbose = args.verbose;
const tracer = new Tracer({ log: (component, line) => verbose && console.log(c.dim(`  ${component}: ${line}`)) });
const node = new ClusterNode({
  name,
  index: 0,
  runtime: args.runtime,
  client,
  clock,
  tracer,
  dataDir: args['data-dir'] ?? join(ROOT, '.kubekata', `node-${name}`),
  podCIDR,
  nodeIP,
  ...(dns && { dnsServer: dns }),
  resolvConf: args['resolv-conf'],
});
if (node.leftoversStopped > 0) console.log(c.yellow(`  stopped ${node.leftoversStopped} container process${node.leftoversStopped === 1 ? '' : 'es'} that a killed run of this node left running; their pods start afresh`));
await node.start();

// kube-proxy, node ports on this node's IP. Nodes simulated on one machine share its loopback: the
// first kube-proxy there holds the cluster IPs, and the others say so once and serve node ports.
const factory = new SharedInformerFactory({ client, clock, onError: (resource, error) => verbose && console.log(c.dim(`  kube-proxy: ${resource}: ${(error as Error).message}`)) });
const said = new Set<string>();
const proxy = new ServiceProxy({
  factory,
  proxier: new Proxier({ clock, random: new Random(clock.now()), nodeAddresses: [nodeIP] }),
  onError: (error) => {
    const message = (error as Error).message;
    const key = message.includes('address in use') && message.includes('clusterIP') ? 'cluster IPs taken' : message;
    if (said.has(key)) return;
    said.add(key);
    console.log(c.yellow(key === 'cluster IPs taken' ? `  kube-proxy: another kube-proxy on this machine holds the cluster IPs (${message}); this node serves its node ports on ${nodeIP}` : `  kube-proxy: ${message}`));
  },
});
factory.start();
await proxy.start();

console.log(`node ${c.bold(name)} joined ${connection.server}: node IP ${nodeIP}, pod CIDR ${podCIDR}, runtime ${args.runtime}${dns ? `, DNS ${dns}` : ''}`);
console.log(c.dim('  Ctrl-C stops it (its containers too).'));

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await proxy.stop();
  await factory.shutdown();
  await node.stop();
  await dispatcher.close();
  console.log('stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
