/**
 * Kata 29: the whole cluster. {@link startCluster} starts every part of the workbook in the order
 * a real cluster comes up, and {@link Cluster.stop} takes it down in the order that loses nothing.
 *
 * ```
 *  etcd ─▶ kube-apiserver ─▶ bootstrap ─▶ kube-scheduler ─▶ kube-controller-manager ─▶ coredns ─▶ kubelets ─▶ kube-proxy ─▶ kubeconfig
 *  (the log replayed) (HTTPS)  (namespaces,     (informers,        (leader election,           (needs the    (register   (Services
 *                             kubernetes Svc)   cycles)            controllers)                Services)    nodes)      to listeners)
 * ```
 *
 * @example
 * ```ts
 * const cluster = await startCluster({ nodes: 2, dataDir: '/tmp/c' });
 * // kubectl --kubeconfig /tmp/c/kubeconfig get nodes     → node-1 Ready, node-2 Ready
 * await cluster.restartControlPlane();                    // state from the log; pods untouched
 * await cluster.stop();                                   // no process, port or file left open
 * ```
 */
import { join } from 'node:path';
import type { ApiClient } from '@kube/apiserver';
import { SharedInformerFactory } from '@kube/controllers';
import { RealClock, Random, type Clock } from '@kube/kit';
import { Proxier } from '@kube/proxy';
import { bootstrapCluster, DEFAULT_SERVICE_CIDR, serviceIP } from './bootstrap.ts';
import { DEFAULT_SETTINGS, Tracer, type ClusterOptions, type ClusterSettings } from './cluster-api.ts';
import { ADMIN_USER, ControlPlane } from './control-plane.ts';
import { ControllerManagerComponent } from './controller-manager.ts';
import { ClusterDns } from './dns.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { ClusterNode } from './node.ts';
import { SchedulerRunner } from './scheduler-runner.ts';
import { SchedulerComponent } from './scheduler-component.ts';
import { ServiceProxy } from './service-proxy.ts';

/** kube-proxy: its informers, the proxier, and the loop between them. */
export interface ProxyParts {
  factory: SharedInformerFactory;
  proxy: ServiceProxy;
}

/** Everything a running cluster is made of. */
export interface ClusterParts {
  options: ClusterOptions;
  settings: ClusterSettings;
  tracer: Tracer;
  clock: Clock;
  controlPlane: ControlPlane;
  /** kube-scheduler: a SchedulerRunner under leader election on the Lease kube-system/kube-scheduler */
  scheduler: SchedulerComponent;
  controllerManager: ControllerManagerComponent;
  /** cluster DNS, over HTTPS only */
  dns: ClusterDns | undefined;
  /** where DNS answers, `host:port` */
  dnsAddress: string | undefined;
  nodes: ClusterNode[];
  /** kube-proxy, over HTTPS only (one per machine: every node here shares the machine's loopback) */
  proxy: ProxyParts | undefined;
  /** the kubeconfig's path, over HTTPS only */
  kubeconfig: string | undefined;
}

/** A running cluster. */
export class Cluster {
  constructor(readonly parts: ClusterParts) {}

  /** `https://127.0.0.1:<port>`, or `local` */
  get url(): string {
    return this.parts.controlPlane.url;
  }

  /** The administrator's kubeconfig (over HTTPS). */
  get kubeconfig(): string | undefined {
    return this.parts.kubeconfig;
  }

  /** A client as the administrator. */
  get client(): ApiClient {
    return this.clientFor(ADMIN_USER);
  }

  /** A client as `user` (through `wrapClient` when the options give one). */
  clientFor(user: string): ApiClient {
    const client = this.parts.controlPlane.clientFor(user);
    return this.parts.options.wrapClient?.(client, user) ?? client;
  }

  get nodes(): readonly ClusterNode[] {
    return this.parts.nodes;
  }

  /** The node called `name`. */
  node(name: string): ClusterNode {
    const node = this.parts.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`there is no node "${name}": the nodes are ${this.parts.nodes.map((n) => n.name).join(', ')}`);
    return node;
  }

  /**
   * Stops etcd and the apiserver and starts them again, as after a reboot of the control plane
   * machine: the store comes back from its log, the bootstrap runs again, and every other
   * component, whose watches broke, lists and watches again by itself.
   */
  async restartControlPlane(): Promise<void> {
    const { controlPlane, options, tracer } = this.parts;
    await controlPlane.stop();
    await controlPlane.start();
    await tracer.step('bootstrap', 'start', () => bootstrapCluster(this.client, controlPlane.address, options.serviceCIDR ?? DEFAULT_SERVICE_CIDR));
  }

  /**
   * Stops everything, clients before the server they talk to, the store last: kube-proxy, the
   * nodes (each kubelet, then its runtime, which stops the containers), DNS, the controller
   * manager (handing its lease back), the scheduler, then the control plane.
   */
  async stop(): Promise<void> {
    const { proxy, nodes, dns, controllerManager, scheduler, controlPlane, tracer } = this.parts;
    if (proxy) {
      await tracer.step('kube-proxy', 'stop', async () => {
        await proxy.proxy.stop();
        await proxy.factory.shutdown();
      });
    }
    await Promise.all(nodes.map((node) => node.stop()));
    await dns?.stop();
    await controllerManager.stop();
    await tracer.step('kube-scheduler', 'stop', () => scheduler.stop());
    await controlPlane.stop();
    await controlPlane.close();
  }
}

/** `node-1`, `node-2`, ... */
export function nodeName(index: number): string {
  return `node-${index + 1}`;
}

/**
 * Starts a cluster: the control plane, the bootstrap objects, the scheduler, the controller
 * manager, DNS, the nodes and kube-proxy, then writes the kubeconfig.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const clock = options.clock ?? new RealClock();
  const random = options.random ?? new Random(clock.now());
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const tracer = new Tracer(options);
  const transport = options.transport ?? 'https';
  const cidr = options.serviceCIDR ?? DEFAULT_SERVICE_CIDR;
  const controlPlane = new ControlPlane({
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    clock,
    random,
    tracer,
    transport,
    ...(options.host && { host: options.host }),
    ...(options.port !== undefined && { port: options.port }),
    serviceCIDR: cidr,
    ...(options.storage && { storage: options.storage }),
  });
  const clientFor = (user: string): ApiClient => options.wrapClient?.(controlPlane.clientFor(user), user) ?? controlPlane.clientFor(user);
  const log = (component: string) => (error: unknown) => tracer.log(component, (error as Error).message);

  // 1. etcd, then the apiserver on it: everything else talks through the apiserver.
  await controlPlane.start();
  // 2. What the apiserver writes before anyone uses it: kube-node-lease must exist before a
  //    kubelet renews its Lease there, and `kubernetes` before a pod looks for the API.
  await tracer.step('bootstrap', 'start', () => bootstrapCluster(clientFor(ADMIN_USER), controlPlane.address, cidr));
  // 3. The scheduler and the controller manager: ready for the first pod before any node is.
  //    Each under leader election, as kubeadm runs them: one Lease each in kube-system.
  const schedulerClient = clientFor('system:kube-scheduler');
  const schedulerRandom = random.fork();
  const identity = `control-plane_${random.string(8)}`;
  const scheduler = new SchedulerComponent({
    client: schedulerClient,
    clock,
    tracer,
    settings,
    identity,
    runner: () => new SchedulerRunner({ client: schedulerClient, clock, random: schedulerRandom, onError: log('kube-scheduler'), ...(options.explain && { explain: options.explain }) }),
  });
  await tracer.step('kube-scheduler', 'start', () => scheduler.start());
  // With the cluster's CA (none over transport local), as kubeadm gives it --root-ca-file: every namespace gets it as kube-root-ca.crt.
  const controllerManager = new ControllerManagerComponent({ client: clientFor('system:kube-controller-manager'), clock, tracer, settings, identity, rootCA: controlPlane.caCertificate, ...(controlPlane.legacyTokens && { legacyTokens: controlPlane.legacyTokens }) });
  await controllerManager.start();
  // 4. DNS before the nodes: each kubelet tells its containers where it answers.
  let dns: ClusterDns | undefined;
  let dnsAddress: string | undefined;
  if (transport === 'https') {
    dns = new ClusterDns({ client: clientFor('system:serviceaccount:kube-system:coredns'), clock, tracer, host: options.dns?.host ?? serviceIP(cidr, 10), ...(options.dns?.port !== undefined && { port: options.dns.port }) });
    const address = await dns.start();
    dnsAddress = `${address.host}:${address.port}`;
  }
  // 5. The nodes: each kubelet registers its Node, and from then on the scheduler can use it.
  const nodes = Array.from({ length: options.nodes ?? 1 }, (_, index) => {
    const name = nodeName(index);
    return new ClusterNode({
      name,
      index,
      runtime: options.runtime ?? 'process',
      client: clientFor(`system:node:${name}`),
      clock,
      tracer,
      ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
      ...(dnsAddress && { dnsServer: dnsAddress }),
    });
  });
  await Promise.all(nodes.map((node) => node.start()));
  // 6. kube-proxy: Services to listeners, on this machine's loopback. One kube-proxy for the nodes
  //    that share it: node ports on 127.0.0.1 and on each node's IP, where `kubectl get nodes -o wide` says the node is.
  let proxy: ProxyParts | undefined;
  if (transport === 'https') {
    const factory = new SharedInformerFactory({ client: clientFor('system:kube-proxy'), clock, onError: (_resource, error) => log('kube-proxy')(error) });
    const nodeAddresses = ['127.0.0.1', ...nodes.map((node) => node.nodeIP)];
    const service = new ServiceProxy({ factory, proxier: new Proxier({ clock, random: random.fork(), nodeAddresses }), onError: log('kube-proxy') });
    await tracer.step('kube-proxy', 'start', async () => {
      factory.start();
      await service.start();
    });
    proxy = { factory, proxy: service };
  }
  // 7. The kubeconfig last: whoever waits for it finds a cluster with Ready nodes.
  let kubeconfig: string | undefined;
  if (transport === 'https' && options.dataDir !== undefined) {
    kubeconfig = join(options.dataDir, 'kubeconfig');
    const path = kubeconfig;
    await tracer.step('kubeconfig', 'start', async () => writeKubeconfig(path, { server: controlPlane.url, ca: controlPlane.caCertificate!, token: controlPlane.tokenOf(ADMIN_USER) }));
  }
  return new Cluster({ options, settings, tracer, clock, controlPlane, scheduler, controllerManager, dns, dnsAddress, nodes, proxy, kubeconfig });
}
