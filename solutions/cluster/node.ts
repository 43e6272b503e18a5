/**
 * One node of the cluster: its container runtime (kata 22), its kubelet as the node's agent
 * (katas 23-25) and the kubelet's server for `kubectl logs` and `kubectl exec`. Given code: what a
 * node's systemd units configure. The runtime starts first and outlives the kubelet, as
 * containerd does: stopping the kubelet (a crash, an upgrade) leaves the containers running, and
 * a new kubelet adopts them (kata 25).
 *
 * Node `i` (from 0) has the pod CIDR `127.0.<10+i>.0/24` and the node IP `127.0.<10+i>.1`: the
 * gateway of its pod network, where its kubelet server listens. From node 247 on the count
 * carries into the second number (node-247 has `127.1.0.0/24`, node-1000 `127.3.241.0/24`).
 *
 * @example
 * ```ts
 * const node = new ClusterNode({ name: 'node-1', index: 0, runtime: 'process', client, clock, tracer, dataDir });
 * await node.start();          // kubelet node-1 ready: registered, Ready, watching its pods
 * await node.stopKubelet();    // the containers keep running
 * await node.startKubelet();   // adopts them
 * await node.stop();           // the kubelet, then every container
 * ```
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { Clock, ConfigMap, CSINode, Pod, Secret } from '@kube/kit';
import { containerEnvironment, Kubelet, KubeletServer, StatsSummary } from '@kube/kubelet';
import { dnsEnvironment, parseResolvConf, podDnsConfigFor, type NodeDnsSettings, type PodDnsConfig, type PodDnsWarning } from '@kube/proxy';
import { FakeRuntime, ProcessRuntime, type ContainerConfig, type RuntimeService } from '@kube/runtime';
import type { RuntimeKind, Tracer } from './cluster-api.ts';
import { ContainerStdins } from './container-stdin.ts';
import { stopLeftoverContainers } from './leftover-containers.ts';
import { ProcessUsage } from './process-usage.ts';
import { overrideRuntime } from './runtime-overrides.ts';

/** How to build a {@link ClusterNode}. */
export interface ClusterNodeOptions {
  /** `node-1` */
  name: string;
  /** its place among the nodes, from 0: chooses its addresses */
  index: number;
  runtime: RuntimeKind;
  /** the kubelet's client (user `system:node:<name>`) */
  client: ApiClient;
  clock: Clock;
  tracer: Tracer;
  /** where its pods' folders and logs are: `<dataDir>/nodes/<name>` (needed by the process runtime) */
  dataDir?: string;
  /** where cluster DNS answers, `host:port` (the kubelet's `--cluster-dns`): what ClusterFirst pods' containers are told */
  dnsServer?: string;
  /** the node's own resolver file, which Default pods get (the kubelet's `--resolv-conf`); default /etc/resolv.conf, '' none */
  resolvConf?: string;
  /** a node joining from elsewhere (`npm run node`): its own pod CIDR instead of {@link podCIDROf}(index) */
  podCIDR?: string;
  /** ... and its own IP instead of {@link nodeIPOf}(index) */
  nodeIP?: string;
}

/** The pod CIDR of node `index`. */
export function podCIDROf(index: number): string {
  return `${subnetOf(index)}.0/24`;
}

/** The IP of node `index`: its pod network's gateway. */
export function nodeIPOf(index: number): string {
  return `${subnetOf(index)}.1`;
}

/** The first three numbers of node `index`'s /24, below the Services' 127.96.0.0/12 up to 24,000 nodes. */
function subnetOf(index: number): string {
  const n = 10 + index;
  return `127.${Math.floor(n / 256)}.${n % 256}`;
}

/** How many sandboxes a node remembers having warned of DNS for (a sandbox is made once: the oldest can be forgotten). */
const DNS_WARNED_KEPT = 4096;

/** A runtime, and the kubelet (with its server) that can die and come back on it. */
export class ClusterNode {
  readonly name: string;
  readonly runtime: RuntimeService;
  /** the kubelet running now; undefined while it is stopped */
  kubelet: Kubelet | undefined;
  /** the sandboxes whose resolver settings were formed, so warned of (at most {@link DNS_WARNED_KEPT}) */
  private readonly dnsWarned = new Set<string>();
  private server: KubeletServer | undefined;
  /** how many containers of an earlier, killed run of this node were stopped when it was made */
  readonly leftoversStopped: number = 0;
  /** the stdins the node keeps for containers with `stdin: true`, for attach (process runtime only) */
  private readonly stdins: ContainerStdins;
  /** the kubelet's logRoot (the process runtime's `pods` folder); none for the fake runtime */
  private readonly logRoot: string | undefined;
  /** the runtime's root: where its sandboxes' processes work, which the Summary API measures */
  private readonly root: string;
  /** what the node's processes use (process runtime only): the Summary API's source */
  private readonly usage: ProcessUsage | undefined;

  constructor(private readonly options: ClusterNodeOptions) {
    this.name = options.name;
    const podCIDR = this.podCIDR;
    const root = join(options.dataDir ?? '.', 'nodes', options.name);
    this.root = root;
    // Where the runtime's containers log, as the kubelet knows it (upstream's /var/log/pods): after
    // a restart of the whole cluster its runtime knows no container, and the logs left there give
    // the restart counts back (restart-count.ts).
    this.logRoot = options.runtime === 'process' ? join(root, 'pods') : undefined;
    this.stdins = new ContainerStdins(join(root, 'stdin'));
    // A run of this node that was killed left its containers running: stop them first (see the file).
    if (options.runtime === 'process') this.leftoversStopped = stopLeftoverContainers(root).length;
    const runtime: RuntimeService =
      options.runtime === 'process' ? this.stdins.around(new ProcessRuntime({ root, podCIDR, nodeIP: this.nodeIP, clock: options.clock })) : new FakeRuntime({ clock: options.clock, podCIDR, nodeIP: this.nodeIP });
    const withEnvironment = withContainerEnvironment(runtime, options.client, options.name, () => this.nodeIP, () => this.dnsSettings(), (sandboxId, pod, warnings) => this.warnOfDns(sandboxId, pod, warnings));
    this.usage = options.runtime === 'process' ? new ProcessUsage(root) : undefined;
    this.runtime = this.usage ? withContainerGroups(withEnvironment, this.usage) : withEnvironment;
  }

  /** The node's pod CIDR: `127.0.<10+index>.0/24` unless the options give one. */
  get podCIDR(): string {
    return this.options.podCIDR ?? podCIDROf(this.options.index);
  }

  /** The node's IP, where its kubelet server listens: `127.0.<10+index>.1` unless the options give one. */
  get nodeIP(): string {
    return this.options.nodeIP ?? nodeIPOf(this.options.index);
  }

  /** What the kubelet knows of DNS; the resolv.conf is read each time, as the kubelet reads it for each pod. */
  private dnsSettings(): NodeDnsSettings {
    const path = this.options.resolvConf ?? '/etc/resolv.conf';
    let host: PodDnsConfig | undefined;
    try {
      host = path === '' ? undefined : parseResolvConf(readFileSync(path, 'utf8'));
    } catch {
      // no such file (or none it may read): as the kubelet with --resolv-conf="", the machine's own resolver
    }
    return { ...(this.options.dnsServer && { clusterDns: this.options.dnsServer }), ...(host && { host }) };
  }

  /**
   * Records what the kubelet warns of while it forms a pod's resolver settings (DNSConfigForming,
   * MissingClusterDNS): once per sandbox, as upstream forms them once, when it makes the sandbox.
   */
  private warnOfDns(sandboxId: string, pod: Pod, warnings: readonly PodDnsWarning[]): void {
    if (this.dnsWarned.has(sandboxId)) return;
    if (this.dnsWarned.size >= DNS_WARNED_KEPT) this.dnsWarned.delete(this.dnsWarned.values().next().value!);
    this.dnsWarned.add(sandboxId);
    const events = this.kubelet?.events;
    for (const warning of warnings) {
      void events?.record(pod, 'Warning', warning.reason, warning.message);
      if (warning.nodeMessage) void events?.recordNode('Warning', warning.reason, warning.nodeMessage);
    }
  }

  /** The component's name in the trace: `kubelet node-1`. */
  get component(): string {
    return `kubelet ${this.name}`;
  }

  /** Starts the kubelet (the runtime needs no start). */
  async start(): Promise<void> {
    await this.startKubelet();
  }

  /** A kubelet on this node's runtime: registers the node, then syncs its pods (adopting what runs). */
  async startKubelet(): Promise<void> {
    if (this.kubelet) return;
    const { name, client, clock, tracer } = this.options;
    await tracer.step(this.component, 'start', async () => {
      const nodeIP = this.nodeIP;
      let port = 0;
      const kubelet = new Kubelet({
        nodeName: name,
        client,
        runtime: this.runtime,
        clock,
        nodeIP,
        node: { config: { podCIDR: this.podCIDR }, kubeletPort: () => port, onError: (what, error) => tracer.log(this.component, `${what}: ${(error as Error).message}`) },
        ...(this.logRoot ? { logRoot: this.logRoot } : {}),
      });
      if (this.options.runtime === 'process') {
        const stats = new StatsSummary({ nodeName: name, runtime: this.runtime, pods: () => kubelet.runningPods(), source: this.usage!, clock });
        this.server = new KubeletServer({ kubelet, runtime: this.runtime, host: nodeIP, clock, containerStdin: (id) => this.stdins.of(id), stats });
        ({ port } = await this.server.start());
      }
      await kubelet.start();
      this.kubelet = kubelet;
      await this.ensureCSINode();
    });
  }

  /**
   * The node's CSINode, as the kubelet's CSI plugin manager makes it when it starts (upstream:
   * pkg/volume/csi/nodeinfomanager InitializeCSINodeWithAnnotation): named as the node and owned
   * by it, with no driver, so `kubectl get csinodes` lists every node. One left from an earlier
   * start is kept.
   */
  private async ensureCSINode(): Promise<void> {
    const { client, name } = this.options;
    try {
      const node = await client.nodes().get(name);
      const owner = { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid! };
      await client.resource<CSINode>('csinodes').create({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name, ownerReferences: [owner] }, spec: { drivers: [] } });
    } catch (error) {
      if (!isStatusError(error, 'AlreadyExists')) this.options.tracer.log(this.component, `creating its CSINode: ${(error as Error).message}`);
    }
  }

  /** Stops the kubelet and its server; the runtime and its containers go on. */
  async stopKubelet(): Promise<void> {
    const kubelet = this.kubelet;
    if (!kubelet) return;
    this.kubelet = undefined;
    await this.options.tracer.step(this.component, 'stop', async () => {
      await kubelet.stop();
      await this.server?.stop();
      this.server = undefined;
    });
  }

  /** Stops the kubelet, then every container (the machine shuts down). */
  async stop(): Promise<void> {
    await this.stopKubelet();
    await this.options.tracer.step(`runtime ${this.name}`, 'stop', async () => {
      const runtime = this.runtime as RuntimeService & { shutdown?: () => Promise<void> };
      await runtime.shutdown?.();
    });
  }
}

/**
 * `config` with the container's resolver settings from its pod's dnsPolicy and dnsConfig
 * (podDnsConfigFor): the cluster DNS server for most pods. Upstream writes them into the sandbox's
 * /etc/resolv.conf; the workbook's images read them from the environment (kit/images/resolver.mjs).
 * A variable the config already has is left as it is.
 */
function withResolverSettings(config: ContainerConfig, pod: Pod, settings: NodeDnsSettings, warn: (warning: PodDnsWarning) => void): ContainerConfig {
  const dns = dnsEnvironment(podDnsConfigFor(pod, settings, warn));
  const given = new Set(config.envs?.map((e) => e.key));
  return { ...config, envs: [...(config.envs ?? []), ...Object.entries(dns).filter(([key]) => !given.has(key)).map(([key, value]) => ({ key, value }))] };
}

/**
 * The kubelet's makeEnvironmentVariables: kata 22's `containerConfigFor` writes each `env` entry's
 * plain `value` only; here the container's environment is made as upstream's kubelet makes it
 * (`envFrom`, `valueFrom`, `$(NAME)`, the Service variables: the given containerEnvironment), from
 * the pod as the API has it, and its command and args are expanded; its `stdin`, `stdinOnce` and
 * `tty` are passed on for {@link ContainerStdins}. A reference that cannot be
 * resolved fails the creation with upstream's message, which the kubelet reports as the
 * container's waiting reason. The resolver settings come first ({@link withResolverSettings}),
 * from the same read of the pod.
 */
function withContainerEnvironment(
  runtime: RuntimeService,
  client: ApiClient,
  nodeName: string,
  hostIP: () => string,
  dnsSettings: () => NodeDnsSettings,
  warnOfDns: (sandboxId: string, pod: Pod, warnings: readonly PodDnsWarning[]) => void,
): RuntimeService {
  return aroundCreateContainer(runtime, async (podSandboxId, withoutDns) => {
    const sandbox = await runtime.podSandboxStatus(podSandboxId);
    const { namespace, name, uid } = sandbox.metadata;
    const pod = await orNone(() => client.pods(namespace).get(name));
    const current = pod?.metadata.uid === uid ? pod : undefined;
    // A pod gone (or made again under its name) since the kubelet read it: ClusterFirst, and nothing else to resolve.
    const warnings: PodDnsWarning[] = [];
    const config = withResolverSettings(withoutDns, current ?? { metadata: { name, namespace }, spec: { containers: [] } }, dnsSettings(), (warning) => warnings.push(warning));
    if (current) warnOfDns(podSandboxId, current, warnings);
    const container = [...(current?.spec?.initContainers ?? []), ...(current?.spec?.containers ?? []), ...(current?.spec?.ephemeralContainers ?? [])].find((c) => c.name === config.metadata.name);
    if (!current || !container) return config;
    const node = await orNone(() => client.nodes().get(nodeName));
    const environment = await containerEnvironment(current, container, {
      podIP: sandbox.network.ip,
      hostIP: hostIP(),
      services: (await client.services().list()).items,
      configMap: (ns, cm) => orNone(() => client.resource<ConfigMap>('configmaps', ns).get(cm)),
      secret: (ns, secret) => orNone(() => client.resource<Secret>('secrets', ns).get(secret)),
      ...(node?.status?.allocatable && { allocatable: node.status.allocatable }),
    });
    const declared = new Set((container.env ?? []).map((e) => e.name));
    const workbookOnly = (config.envs ?? []).filter((e) => !declared.has(e.key) && !environment.variables.has(e.key));
    return {
      ...config,
      ...(container.stdin && { stdin: true }),
      ...(container.stdinOnce && { stdinOnce: true }),
      ...(container.tty && { tty: true }),
      envs: [...workbookOnly, ...[...environment.variables].map(([key, value]) => ({ key, value }))],
      ...(environment.command && { command: environment.command }),
      ...(environment.args && { args: environment.args }),
    };
  });
}

/**
 * The runtime with each container's process group remembered as it starts (ProcessUsage.recordStart),
 * as containerd's shim knows its task's pid: the Summary API then gives each container its own figures.
 */
function withContainerGroups(runtime: RuntimeService, usage: ProcessUsage): RuntimeService {
  return overrideRuntime(runtime, {
    startContainer: async (containerId) => {
      const sandbox = (await runtime.containerStatus(containerId)).podSandboxId;
      await usage.recordStart(containerId, sandbox, () => runtime.startContainer(containerId));
    },
  });
}

/** What `read` gives, or undefined when the object is not there (NotFound); any other error is thrown. */
async function orNone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isStatusError(error, 'NotFound')) return undefined;
    throw error;
  }
}

/** The runtime with each container's config passed through `change` before it is created. */
function aroundCreateContainer(runtime: RuntimeService, change: (podSandboxId: string, config: ContainerConfig) => Promise<ContainerConfig>): RuntimeService {
  return overrideRuntime(runtime, { createContainer: async (podSandboxId, config) => runtime.createContainer(podSandboxId, await change(podSandboxId, config)) });
}
