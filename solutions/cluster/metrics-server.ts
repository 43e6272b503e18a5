/**
 * metrics-server (kubernetes-sigs/metrics-server, v0.7): every {@link METRIC_RESOLUTION_MS} it
 * scrapes each node's kubelet and keeps the latest CPU and memory figures of the node and of
 * every pod, which the apiserver serves as `metrics.k8s.io/v1beta1` (apiserver/resource-metrics.ts)
 * to `kubectl top` and the horizontal pod autoscaler. Given code: an add-on, as kubeadm leaves it
 * to the administrator; the control plane runs it (control-plane.ts).
 *
 * The kubelet reports cumulative CPU time, so a rate needs two scrapes: the usage is the CPU time
 * between the last two, divided by the time between them, which is the `window` the API shows.
 * A pod (or node) appears from its second scrape on, as on a cluster, where `kubectl top pod`
 * right after a pod starts says `metrics not available yet`.
 *
 * ```
 * scrape 1 (t=0 s)   node-1 summary: web's container 2.000 s of CPU, 40 MiB working set   → nothing to show yet
 * scrape 2 (t=15 s)  node-1 summary: web's container 2.750 s of CPU, 41 MiB               → web: cpu 50m (0.75 s / 15 s), memory 41Mi, window 15s
 * scrape 3 fails for node-1 (kubelet down)                                               → node-1 and its pods are not shown
 * ```
 *
 * Where it simplifies: upstream scrapes each kubelet's `/metrics/resource` (Prometheus text) over
 * HTTPS; this one reads the Summary API (`/stats/summary`, what metrics-server read before v0.6)
 * over the kubelet's plain HTTP. A pod's figures are its containers' (the node tells each
 * container's processes apart: kubelet/stats-summary.ts); a pod one of whose containers has no
 * figure is left out, as upstream leaves out a pod whose containers it could not all read.
 *
 * @example
 * ```ts
 * const metrics = new MetricsServer({ clock, nodes: async () => (await client.nodes().list()).items });
 * metrics.start();               // scrapes now and every 15 s
 * new ApiServer({ ..., resourceMetrics: metrics });
 * ```
 */
import type { MetricsPoint, ResourceMetricsSource, Usage } from '@kube/apiserver';
import { AGGREGATE_TO_LABEL, type ClusterRole, type Clock, type Node, type Timer } from '@kube/kit';
import type { Summary } from '@kube/kubelet';

/** The user it lists nodes as (upstream: the ServiceAccount kube-system/metrics-server). */
export const METRICS_SERVER_USER = 'system:metrics-server';

/**
 * metrics-server's `system:aggregated-metrics-reader` (its components.yaml): reading metrics.k8s.io,
 * aggregated into `view`, `edit` and `admin`, so that whoever may read pods may `kubectl top` them.
 */
export const METRICS_READER_ROLE: ClusterRole = {
  metadata: { name: 'system:aggregated-metrics-reader', labels: Object.fromEntries(['admin', 'edit', 'view'].map((role) => [`${AGGREGATE_TO_LABEL}${role}`, 'true'])) },
  rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
};

/** `--metric-resolution`: how often every kubelet is scraped. */
export const METRIC_RESOLUTION_MS = 15_000;

/** How long one kubelet may take to answer (`--kubelet-request-timeout` is 10 s). */
const SCRAPE_TIMEOUT_MS = 10_000;

/** Reads a node's Summary API; the default asks its kubelet over HTTP. */
export type SummaryReader = (node: Node) => Promise<Summary>;

/** How to build a {@link MetricsServer}. */
export interface MetricsServerOptions {
  clock: Clock;
  /** the nodes to scrape: the apiserver's */
  nodes: () => Promise<readonly Node[]>;
  /** default: GET `http://<InternalIP>:<kubelet port>/stats/summary` */
  readSummary?: SummaryReader;
  /** told of a node that could not be scraped */
  onError?: (node: string, error: unknown) => void;
}

/** One cumulative sample: when (epoch ms), the CPU time so far (ns), the working set (bytes). */
interface Sample {
  at: number;
  cpuCoreNanoSeconds: number;
  workingSetBytes: number;
}

type NodePoint = MetricsPoint & { usage: Usage };
type PodPoint = MetricsPoint & { containers: { name: string; usage: Usage }[] };

/** Scrapes the kubelets, keeps the latest point of each node and pod, and answers for them. */
export class MetricsServer implements ResourceMetricsSource {
  /** the samples of the last scrape, by `node/<name>` and `pod/<uid>/<container>` */
  private samples = new Map<string, Sample>();
  private nodePoints = new Map<string, NodePoint>();
  private podPoints = new Map<string, PodPoint>();
  private timer: Timer | undefined;
  private scraping: Promise<void> | undefined;

  constructor(private readonly options: MetricsServerOptions) {}

  /** Scrapes now, then every {@link METRIC_RESOLUTION_MS}. */
  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = this.options.clock.setInterval(() => void this.tick(), METRIC_RESOLUTION_MS);
  }

  /** Stops scraping (after the scrape under way); the figures stay until the next start's scrape. */
  async stop(): Promise<void> {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.scraping;
  }

  node(name: string): NodePoint | undefined {
    return this.nodePoints.get(name);
  }

  pod(namespace: string, name: string): PodPoint | undefined {
    return this.podPoints.get(`${namespace}/${name}`);
  }

  /** One scrape, unless the one before is still going (a slow kubelet must not pile them up). */
  private tick(): Promise<void> {
    this.scraping ??= this.scrape().finally(() => (this.scraping = undefined));
    return this.scraping;
  }

  /**
   * Scrapes every node once and replaces what is served with the result: a node that failed, and
   * its pods, are no longer shown (metrics-server serves only its last scrape).
   */
  async scrape(): Promise<void> {
    const { clock, readSummary = readSummaryOverHttp, onError } = this.options;
    let nodes: readonly Node[];
    try {
      nodes = await this.options.nodes();
    } catch (error) {
      onError?.('', error);
      return;
    }
    const summaries = await Promise.all(
      nodes.map(async (node) => {
        try {
          const summary = await readSummary(node);
          return { summary, at: clock.now() };
        } catch (error) {
          onError?.(node.metadata.name ?? '', error);
          return undefined;
        }
      }),
    );
    const samples = new Map<string, Sample>();
    const nodePoints = new Map<string, NodePoint>();
    const podPoints = new Map<string, PodPoint>();
    for (const scraped of summaries) {
      if (!scraped) continue;
      const { summary, at } = scraped;
      const nodeUsage = this.usage(samples, `node/${summary.node.nodeName}`, at, summary.node.cpu?.usageCoreNanoSeconds, summary.node.memory?.workingSetBytes);
      if (nodeUsage) nodePoints.set(summary.node.nodeName, { timestamp: at, windowMs: nodeUsage.windowMs, usage: nodeUsage.usage });
      for (const pod of summary.pods) {
        const { namespace, name, uid } = pod.podRef;
        const containers = pod.containers.map((container) => ({
          name: container.name,
          measured: this.usage(samples, `pod/${uid}/${container.name}`, at, container.cpu?.usageCoreNanoSeconds, container.memory?.workingSetBytes),
        }));
        // A pod is shown only when every container of it has a figure.
        if (containers.length === 0 || containers.some((container) => !container.measured)) continue;
        const windowMs = Math.max(...containers.map((container) => container.measured!.windowMs));
        podPoints.set(`${namespace}/${name}`, { timestamp: at, windowMs, containers: containers.map((container) => ({ name: container.name, usage: container.measured!.usage })) });
      }
    }
    this.samples = samples;
    this.nodePoints = nodePoints;
    this.podPoints = podPoints;
  }

  /**
   * Records this scrape's sample under `key`, and gives the usage since the last scrape's: none
   * without a sample before, after no time, or when the CPU time went down (a restarted container).
   */
  private usage(samples: Map<string, Sample>, key: string, at: number, cpuCoreNanoSeconds: number | undefined, workingSetBytes: number | undefined): { usage: Usage; windowMs: number } | undefined {
    if (cpuCoreNanoSeconds === undefined || workingSetBytes === undefined) return undefined;
    samples.set(key, { at, cpuCoreNanoSeconds, workingSetBytes });
    const before = this.samples.get(key);
    if (!before || at <= before.at || cpuCoreNanoSeconds < before.cpuCoreNanoSeconds) return undefined;
    const windowMs = at - before.at;
    // nanoseconds of CPU per second of time, times 1e9 / 1e9: nanocores
    const cpuNanoCores = ((cpuCoreNanoSeconds - before.cpuCoreNanoSeconds) / windowMs) * 1000;
    return { usage: { cpuNanoCores, memoryBytes: workingSetBytes }, windowMs };
  }
}

/** GET a node's `/stats/summary` from its kubelet: its InternalIP and `daemonEndpoints.kubeletEndpoint.Port`. */
export async function readSummaryOverHttp(node: Node): Promise<Summary> {
  const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) throw new Error(`node ${node.metadata.name} has no InternalIP or kubelet port yet`);
  const host = address.includes(':') ? `[${address}]` : address;
  const response = await fetch(`http://${host}:${port}/stats/summary`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET /stats/summary on ${node.metadata.name}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Summary;
}
