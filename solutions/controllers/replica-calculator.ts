/**
 * How many replicas a resource metric asks for (kube-controller-manager's
 * `pkg/controller/podautoscaler/replica_calculator.go` and `metrics/utilization.go`, v1.32): the
 * arithmetic of the horizontal pod autoscaler, without its I/O. Given code.
 *
 * The pods' usage is compared with what they request; the ratio of the two to the target, times
 * the pods counted, is the proposal, rounded up:
 *
 * ```
 * target cpu 50% of request; 3 ready pods, each requests 200m
 *   usage 180m + 220m + 200m = 600m of 600m requested: utilization 100%, ratio 100/50 = 2.0
 *   proposal ceil(2.0 × 3) = 6
 * usage 310m of 600m: utilization 51%, ratio 1.02: within the 10% tolerance, stay at 3
 * ```
 *
 * Pods that cannot be trusted change the count, never its direction:
 * - deleted and failed pods are ignored;
 * - pending pods, and (for cpu) pods not ready or whose metric began before they were ready, are
 *   unready: left out, and on a scale up counted as using nothing;
 * - pods without a metric are missing: counted as using all their request (or the target, when it
 *   is higher) on a scale down, nothing on a scale up;
 * - if counting them so turns the direction round, or brings the ratio within tolerance, the
 *   replicas stay as they are.
 *
 * Every value is in milli-units, as upstream's MilliValue(): cpu `250m` is 250, memory `1Ki` is 1024000.
 */
import { parseQuantity } from '@kube/apiserver';
import type { Pod } from '@kube/kit';

/** `--horizontal-pod-autoscaler-tolerance`: a ratio this close to 1 changes nothing. */
export const TOLERANCE = 0.1;
/** `--horizontal-pod-autoscaler-cpu-initialization-period`: how long after it starts a pod's cpu may be a start-up spike. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** `--horizontal-pod-autoscaler-initial-readiness-delay`: how long after it starts a pod's readiness may still flip. */
export const DELAY_OF_INITIAL_READINESS_STATUS_MS = 30_000;

/** One pod's metric: its value in milli-units, when it was measured (epoch ms), over how long. */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

/** The pods' metrics, by pod name. */
export type PodMetricsInfo = Map<string, PodMetric>;

/** The pods of a target as the calculation sees them. */
export interface PodGroups {
  readyPodCount: number;
  /** pending, or (cpu) not yet ready: their samples are not trusted */
  unready: Set<string>;
  /** running, but without a metric */
  missing: Set<string>;
  /** being deleted, or failed */
  ignored: Set<string>;
}

/** Sorts the pods into ready, unready, missing and ignored (upstream's groupPods). */
export function groupPods(pods: readonly Pod[], metrics: PodMetricsInfo, resource: string, now: number): PodGroups {
  const groups: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      groups.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      groups.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      groups.missing.add(name);
      continue;
    }
    if (resource === 'cpu' && cpuSampleUntrusted(pod, metric, now)) {
      groups.unready.add(name);
      continue;
    }
    groups.readyPodCount++;
  }
  return groups;
}

/**
 * A cpu sample is not trusted from a pod that is not ready, or, while the pod may still be
 * starting, one measured (in part) before it became ready: start-up is busy, and would scale up.
 */
function cpuSampleUntrusted(pod: Pod, metric: PodMetric, now: number): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const started = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
  if (!ready || started === undefined) return true;
  const transition = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
  if (started + CPU_INITIALIZATION_PERIOD_MS > now) return ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
  // Past the start-up: only a pod that has never been ready is left out.
  return ready.status === 'False' && started + DELAY_OF_INITIAL_READINESS_STATUS_MS > transition;
}

/**
 * What each pod requests of `resource`, in milli-units: its containers', or only `container`'s.
 * Throws when one of them requests none: utilization is a share of a request.
 */
export function podRequests(pods: readonly Pod[], resource: string, container = ''): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container !== '' && c.name !== container) continue;
      const request = c.resources?.requests?.[resource];
      if (request === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += parseQuantity(String(request)).milliValue();
    }
    requests.set(pod.metadata.name ?? '', sum);
  }
  return requests;
}

/** The usage over the requests of the pods that have both, as a share of the target (GetResourceUtilizationRatio). */
export function resourceUtilizationRatio(metrics: PodMetricsInfo, requests: ReadonlyMap<string, number>, targetUtilization: number): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let counted = 0;
  for (const [name, metric] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue; // a metric of a pod no longer selected
    metricsTotal += metric.value;
    requestsTotal += request;
    counted++;
  }
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  // Go's integer division: 199.9% is 199%.
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / counted) };
}

/** The average usage as a share of a target average (GetMetricUsageRatio). */
export function metricUsageRatio(metrics: PodMetricsInfo, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const metric of metrics.values()) total += metric.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

/** What a replica calculation is given. */
export interface ReplicaInputs {
  currentReplicas: number;
  /** `cpu`, `memory` */
  resource: string;
  /** the target's pods, as the selector finds them */
  pods: readonly Pod[];
  /** their metrics (a pod may have none) */
  metrics: PodMetricsInfo;
  now: number;
}

/** The pods sorted, and the metrics of the ready and missing ones only; throws when no pod, or no trusted metric, is left. */
function trustedMetrics({ pods, resource, metrics, now }: ReplicaInputs): { metrics: PodMetricsInfo; groups: PodGroups } {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const trusted = new Map(metrics);
  const groups = groupPods(pods, trusted, resource, now);
  for (const name of [...groups.ignored, ...groups.unready]) trusted.delete(name);
  if (trusted.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  return { metrics: trusted, groups };
}

/**
 * The replicas a Utilization target asks for, and the utilization and average usage seen
 * (GetResourceReplicas). Throws, in upstream's words, when it cannot say.
 */
export function resourceReplicas(inputs: ReplicaInputs & { targetUtilization: number; container?: string }): { replicas: number; utilization: number; rawAverage: number } {
  const { pods, resource, targetUtilization } = inputs;
  const { metrics, groups } = trustedMetrics(inputs);
  const requests = podRequests(pods, resource, inputs.container);
  const { ratio, utilization, rawAverage } = resourceUtilizationRatio(metrics, requests, targetUtilization);
  // A missing pod on a scale down counts as using its whole request, or the target when that is higher.
  const fallback = (name: string) => Math.trunc(((requests.get(name) ?? 0) * Math.max(100, targetUtilization)) / 100);
  const replicas = rebalanced(inputs.currentReplicas, groups, metrics, ratio, fallback, (rebalancedMetrics) => resourceUtilizationRatio(rebalancedMetrics, requests, targetUtilization).ratio);
  return { replicas, utilization, rawAverage };
}

/** The replicas an AverageValue target (milli-units) asks for, and the average usage seen (GetRawResourceReplicas). */
export function rawResourceReplicas(inputs: ReplicaInputs & { targetAverage: number }): { replicas: number; usage: number } {
  const { targetAverage } = inputs;
  const { metrics, groups } = trustedMetrics(inputs);
  const { ratio, usage } = metricUsageRatio(metrics, targetAverage);
  const replicas = rebalanced(inputs.currentReplicas, groups, metrics, ratio, () => targetAverage, (rebalancedMetrics) => metricUsageRatio(rebalancedMetrics, targetAverage).ratio);
  return { replicas, usage };
}

/**
 * The proposal from a ratio: at once when every pod was counted, else after counting the missing
 * and unready pods the cautious way, and never against the first ratio's direction.
 */
function rebalanced(currentReplicas: number, groups: PodGroups, metrics: PodMetricsInfo, ratio: number, missingOnScaleDown: (name: string) => number, ratioOf: (metrics: PodMetricsInfo) => number): number {
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= TOLERANCE) return currentReplicas;
    return Math.ceil(ratio * groups.readyPodCount);
  }
  const counted = new Map(metrics);
  const assumed = (value: number): PodMetric => ({ value, timestamp: 0, windowMs: 0 });
  if (ratio < 1) for (const name of groups.missing) counted.set(name, assumed(missingOnScaleDown(name)));
  else if (ratio > 1) for (const name of groups.missing) counted.set(name, assumed(0));
  if (scaleUpWithUnready) for (const name of groups.unready) counted.set(name, assumed(0));
  const newRatio = ratioOf(counted);
  if (Math.abs(1 - newRatio) <= TOLERANCE || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return currentReplicas;
  const replicas = Math.ceil(newRatio * counted.size);
  // More pods counted may not turn a scale down into a scale up, nor the other way.
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) return currentReplicas;
  return replicas;
}
