/**
 * The horizontal pod autoscaler's resource metrics client (kube-controller-manager's
 * `pkg/controller/podautoscaler/metrics/client.go`, resourceMetricsClient): lists the PodMetrics
 * of a target's pods from metrics.k8s.io and turns them into one value per pod. Given code.
 *
 * ```
 * GET /apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb
 *   web-1: containers app 120m, log 5m   → web-1: 125 (milli-cores)
 *   web-2: containers app 90m, log -     → left out: a container without the resource
 * ```
 */
import { HttpClient, isStatusError, parseQuantity, type ApiClient, type PodMetrics } from '@kube/apiserver';
import type { PodMetricsInfo } from './replica-calculator.ts';

/** What the client asks of metrics.k8s.io. */
export interface ResourceMetricsClient {
  /** the PodMetrics of the pods in `namespace` that `labelSelector` (text) selects */
  listPodMetrics(namespace: string, labelSelector: string): Promise<PodMetrics[]>;
}

/** What asking the resource metrics API says when no metrics-server serves it (client-go's words for a 404 without a Status). */
export const NOT_SERVED = 'the server could not find the requested resource (get pods.metrics.k8s.io)';

/** Over the controller's own connection to the apiserver; none for a client in the same process, which has no metrics API. */
export function resourceMetricsClientFor(client: ApiClient): ResourceMetricsClient | undefined {
  if (!(client instanceof HttpClient)) return undefined;
  return {
    async listPodMetrics(namespace, labelSelector) {
      const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
      try {
        return (await client.get<{ items: PodMetrics[] }>(`/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods${query}`)).items;
      } catch (error) {
        if (isStatusError(error, 'NotFound')) throw new Error(NOT_SERVED);
        throw error;
      }
    },
  };
}

/**
 * Each pod's value of `resource` in milli-units (its containers' summed, or only `container`'s),
 * and the first one's timestamp (GetResourceMetric). Throws in upstream's words.
 */
export async function resourceMetric(client: ResourceMetricsClient | undefined, resource: string, namespace: string, labelSelector: string, container = ''): Promise<{ metrics: PodMetricsInfo; timestamp: number }> {
  let items: PodMetrics[];
  try {
    if (!client) throw new Error(NOT_SERVED);
    items = await client.listPodMetrics(namespace, labelSelector);
  } catch (error) {
    throw new Error(`unable to fetch metrics from resource metrics API: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
  const metrics: PodMetricsInfo = new Map();
  for (const item of items) {
    const point = { timestamp: Date.parse(item.timestamp), windowMs: goDurationMs(item.window) };
    const name = item.metadata.name ?? '';
    if (container !== '') {
      const found = item.containers.find((c) => c.name === container);
      if (!found) throw new Error(`failed to get container metrics: container ${container} not present in metrics for pod ${item.metadata.namespace}/${name}`);
      const value = (found.usage as unknown as Record<string, string | undefined>)[resource];
      if (value !== undefined) metrics.set(name, { ...point, value: parseQuantity(value).milliValue() });
      continue;
    }
    // A pod is counted only when every container of it has the resource.
    const values = item.containers.map((c) => (c.usage as unknown as Record<string, string | undefined>)[resource]);
    if (values.length === 0 || values.some((value) => value === undefined)) continue;
    metrics.set(name, { ...point, value: values.reduce((sum, value) => sum + parseQuantity(value!).milliValue(), 0) });
  }
  return { metrics, timestamp: Date.parse(items[0]!.timestamp) };
}

/** A Go duration (`15.002s`, `1m0s`, `500ms`) in milliseconds; 0 for one it cannot read. */
export function goDurationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/([0-9.]+)(h|ms|m|s|us|µs|ns)/g)) total += Number(amount) * units[unit!]!;
  return total;
}
