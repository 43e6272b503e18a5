/**
 * The horizontal pod autoscaler controller (kube-controller-manager's pkg/controller/podautoscaler,
 * v1.32): every {@link HPA_SYNC_PERIOD_MS} it reads each HorizontalPodAutoscaler's target, keeps
 * its replicas within `minReplicas..maxReplicas`, and scales it to what its metrics ask for.
 * Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's.
 *
 * Resource metrics (`cpu`, `memory`, of the pods or of one container of each) come from
 * metrics.k8s.io, which the cluster's metrics-server serves (resource-metrics-client.ts); the
 * replicas they ask for are replica-calculator.ts's arithmetic, and how fast the target may follow
 * is scale-recommendations.ts's:
 *
 * ```
 * kubectl autoscale deployment web --min=1 --max=5 --cpu-percent=50     (web: 1 pod, requests cpu 200m, busy at 1 core)
 *   15 s later: cpu 500% of request, ratio 10: ceil(10 × 1) = 10, at most max(2 × 1, 4) = 4, within 5
 *   SuccessfulRescale  New size: 4; reason: cpu resource utilization (percentage of request) above target
 *   kubectl get hpa:  web  Deployment/web  cpu: 500%/50%  1  5  4
 *   conditions: AbleToScale True (SucceededRescale), ScalingActive True (ValidMetricFound), ScalingLimited True (ScaleUpLimit)
 * the load stops: cpu 0%; the highest recommendation of the last 5 minutes holds it (ScaleDownStabilized), then
 *   SuccessfulRescale  New size: 1; reason: All metrics below target
 * ```
 *
 * | target's replicas | what it does |
 * | --- | --- |
 * | 0 (and minReplicas is not) | nothing: ScalingActive False, ScalingDisabled |
 * | above maxReplicas | scales it to maxReplicas |
 * | below minReplicas | scales it to minReplicas |
 * | within the bounds | asks the metrics, and scales to the highest proposal, stabilized and limited |
 *
 * Without metrics-server (a client in the same process, or an apiserver that does not serve
 * metrics.k8s.io) every resource metric fails as on such a cluster: `FailedGetResourceMetric
 * failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics
 * from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)`,
 * `cpu: <unknown>/50%`.
 *
 * Where it simplifies: targets are the built-in kinds with a scale subresource (Deployments,
 * ReplicaSets, StatefulSets, ReplicationControllers), read and written through the objects
 * themselves, their pods found by their `spec.selector` (a ReplicationController's is a map of
 * labels); a custom resource's scale subresource is not read; Pods, Object and External metrics need the custom and external metrics
 * APIs, which nothing serves, so they always fail, in upstream's words.
 *
 * @example
 * ```ts
 * const controller = new HorizontalPodAutoscalerController({ client, clock, factory, recorder });
 * factory.start();
 * controller.run();
 * ```
 */
import { isStatusError, parseQuantity, qualifiedResource, RESOURCES, selectorFromObject, type ApiClient } from '@kube/apiserver';
import { isDeepStrictEqual } from 'node:util';
import {
  toRFC3339,
  type Clock,
  type HorizontalPodAutoscaler,
  type HorizontalPodAutoscalerCondition,
  type HorizontalPodAutoscalerStatus,
  type KubeObject,
  type LabelSelector,
  type MetricSpec,
  type MetricStatus,
  type Pod,
} from '@kube/kit';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { rawResourceReplicas, resourceReplicas } from './replica-calculator.ts';
import { NOT_SERVED, resourceMetric, resourceMetricsClientFor, type ResourceMetricsClient } from './resource-metrics-client.ts';
import { ScaleRecommendations, type ConditionChange } from './scale-recommendations.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** How often each autoscaler is looked at (`--horizontal-pod-autoscaler-sync-period`, 15 s); a new one waits that long too. */
export const HPA_SYNC_PERIOD_MS = 15_000;

/** What asking the resource metrics API says when no metrics-server serves it. */
export const NO_RESOURCE_METRICS = `unable to fetch metrics from resource metrics API: ${NOT_SERVED}`;

/** What a {@link HorizontalPodAutoscalerController} needs. */
export interface HorizontalPodAutoscalerControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  recorder?: EventRecorder;
  onError?: (key: string, error: unknown) => void;
  /** where resource metrics come from; default metrics.k8s.io through `client`, when it is an HTTP client */
  metrics?: ResourceMetricsClient;
}

/** A metric that could not be read: the event's reason, the error, and the error as the metric's value error. */
class MetricFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly valueError: string,
  ) {
    super(message);
  }
}

/** What one metric proposes: the replicas, the metric's name for the events, and its status. */
interface Proposal {
  replicas: number;
  name: string;
  status: MetricStatus;
}

/** The failure of a metric only the custom or external metrics APIs could answer: nothing serves them. */
function unservedMetric(metric: MetricSpec): MetricFailure {
  switch (metric.type) {
    case 'Pods': {
      const error = `unable to get metric ${metric.pods?.metric.name}: unable to fetch metrics from custom metrics API: the server could not find the metric ${metric.pods?.metric.name} for pods`;
      return new MetricFailure('FailedGetPodsMetric', error, `failed to get pods metric value: ${error}`);
    }
    case 'Object': {
      const error = `unable to get metric ${metric.object?.metric.name}: unable to fetch metrics from custom metrics API: the server could not find the requested resource`;
      return new MetricFailure('FailedGetObjectMetric', error, `failed to get object metric value: ${error}`);
    }
    default: {
      const error = `unable to get external metric ${metric.external?.metric.name}: unable to fetch metrics from external metrics API: the server could not find the requested resource`;
      return new MetricFailure('FailedGetExternalMetric', error, `failed to get external metric value: ${error}`);
    }
  }
}

/** A milli-value as a canonical decimal quantity: 73 is `73m`, 1000 is `1`, 42991616000 is `42991616`. */
function milliQuantity(milli: number): string {
  if (milli === 0) return '0';
  let value = milli;
  for (const suffix of ['m', '', 'k', 'M', 'G', 'T']) {
    if (value % 1000 !== 0 || suffix === 'T') return `${value}${suffix}`;
    value /= 1000;
  }
  return String(value);
}

/** Keeps each HorizontalPodAutoscaler's target within its bounds and at what its metrics ask for, and its status. */
export class HorizontalPodAutoscalerController {
  readonly autoscalers: SharedIndexInformer<HorizontalPodAutoscaler>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private readonly metrics: ResourceMetricsClient | undefined;
  private readonly recommendations: ScaleRecommendations;
  private workers: Promise<void>[] = [];

  constructor(options: HorizontalPodAutoscalerControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.onError = options.onError;
    this.metrics = options.metrics ?? resourceMetricsClientFor(options.client);
    this.recommendations = new ScaleRecommendations(options.clock);
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.autoscalers = options.factory.informerFor<HorizontalPodAutoscaler>('horizontalpodautoscalers');
    this.pods = options.factory.pods();
    // Upstream adds every request a sync period late, and drops one for an autoscaler already waiting.
    const enqueue = (hpa: HorizontalPodAutoscaler | DeletedFinalStateUnknown<HorizontalPodAutoscaler>) => {
      const key = hpa instanceof DeletedFinalStateUnknown ? hpa.key : `${hpa.metadata.namespace}/${hpa.metadata.name}`;
      this.queue.addAfter(key, HPA_SYNC_PERIOD_MS);
    };
    this.autoscalers.addEventHandler({ onAdd: enqueue, onUpdate: (_old, hpa) => enqueue(hpa), onDelete: enqueue });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncAndRequeue(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async syncAndRequeue(key: string): Promise<void> {
    try {
      await this.sync(key);
    } finally {
      if (this.autoscalers.indexer.getByKey(key)) this.queue.addAfter(key, HPA_SYNC_PERIOD_MS);
    }
  }

  /** One autoscaler looked at (reconcileAutoscaler): see the module's table. */
  async sync(key: string): Promise<void> {
    const hpa = this.autoscalers.indexer.getByKey(key);
    if (!hpa?.spec) return this.recommendations.forget(key); // deleted: its recommendations go too
    const spec = hpa.spec;
    const namespace = hpa.metadata.namespace ?? '';
    const status: HorizontalPodAutoscalerStatus = structuredClone(hpa.status ?? { desiredReplicas: 0 });
    status.desiredReplicas ??= 0;
    const conditions = (status.conditions ??= []);
    const setCondition = (type: string, { status: value, reason, message }: ConditionChange) => {
      const existing = conditions.find((c) => c.type === type);
      const now = toRFC3339(this.clock.now());
      if (!existing) return void conditions.push({ type, status: value, lastTransitionTime: now, reason, message } as HorizontalPodAutoscalerCondition);
      if (existing.status !== value) existing.lastTransitionTime = now;
      Object.assign(existing, { status: value, reason, message });
    };
    const writeStatus = async () => {
      if (isDeepStrictEqual(hpa.status ?? {}, status)) return;
      await this.client.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers', namespace).updateStatus({ ...hpa, status });
    };

    // The target, through what its scale subresource would say: spec.replicas.
    const ref = spec.scaleTargetRef;
    const group = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion!.split('/')[0]! : '';
    const type = [...RESOURCES.values()].find((t) => t.kind === ref.kind && t.group === group);
    let target: ScaleTarget;
    try {
      if (!type) throw new Error(`unable to determine resource for scale target reference: no matches for kind "${ref.kind}" in group "${group}"`);
      if (!['deployments', 'replicasets', 'statefulsets', 'replicationcontrollers'].includes(type.resource)) throw new Error(`${qualifiedResource(type)} does not implement the scale subresource`);
      target = await this.client.resource<ScaleTarget>(type.resource, namespace).get(ref.name);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.recorder?.event(hpa, 'Warning', 'FailedGetScale', message);
      setCondition('AbleToScale', { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${message}` });
      return writeStatus();
    }
    setCondition('AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
    const currentReplicas = target.spec?.replicas ?? 1;
    const minReplicas = spec.minReplicas ?? 1;
    this.recommendations.recordInitial(key, currentReplicas);
    status.currentReplicas = currentReplicas;

    let desiredReplicas = 0;
    let reason = '';
    let rescale = true;
    let metricStatuses: MetricStatus[] | undefined;
    if (currentReplicas === 0 && minReplicas !== 0) {
      setCondition('ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
      rescale = false;
    } else if (currentReplicas > spec.maxReplicas) {
      [desiredReplicas, reason] = [spec.maxReplicas, 'Current number of replicas above Spec.MaxReplicas'];
    } else if (currentReplicas < minReplicas) {
      [desiredReplicas, reason] = [minReplicas, 'Current number of replicas below Spec.MinReplicas'];
    } else {
      // Within the bounds: the metrics decide.
      const computed = await this.computeReplicasForMetrics(hpa, selectorOf(target, type.resource), currentReplicas, setCondition);
      metricStatuses = computed.statuses;
      if (computed.replicas === -1) {
        status.currentMetrics = metricStatuses;
        await writeStatus();
        this.recorder?.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', computed.error!);
        return;
      }
      desiredReplicas = computed.replicas;
      if (desiredReplicas > currentReplicas) reason = `${computed.metric} above target`;
      if (desiredReplicas < currentReplicas) reason = 'All metrics below target';
      const normalized = this.recommendations.normalize(key, { currentReplicas, desiredReplicas, minReplicas, maxReplicas: spec.maxReplicas, behavior: spec.behavior });
      setCondition('AbleToScale', normalized.ableToScale);
      setCondition('ScalingLimited', normalized.scalingLimited);
      desiredReplicas = normalized.replicas;
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await this.client.resource<KubeObject>(type.resource, namespace).update({ ...target, spec: { ...target.spec, replicas: desiredReplicas } } as KubeObject);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.recorder?.event(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${reason}; error: ${message}`);
        setCondition('AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${message}` });
        if (metricStatuses) status.currentMetrics = metricStatuses;
        await writeStatus();
        if (isStatusError(error, 'Conflict')) throw error; // tried again after a back-off
        return;
      }
      setCondition('AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desiredReplicas}` });
      this.recorder?.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${reason}`);
      this.recommendations.recordScale(key, spec.behavior, currentReplicas, desiredReplicas);
      status.lastScaleTime = toRFC3339(this.clock.now());
    } else {
      desiredReplicas = currentReplicas;
    }
    status.desiredReplicas = desiredReplicas;
    if (metricStatuses) status.currentMetrics = metricStatuses;
    else delete status.currentMetrics; // no metric was read
    await writeStatus();
  }

  /**
   * Every metric's proposal, the highest taken (computeReplicasForMetrics). When every metric
   * failed, or some failed and the rest would scale down, the replicas are -1 and the error says
   * why; a failure's event is recorded as it happens.
   */
  private async computeReplicasForMetrics(
    hpa: HorizontalPodAutoscaler,
    selector: LabelSelector | undefined,
    specReplicas: number,
    setCondition: (type: string, change: ConditionChange) => void,
  ): Promise<{ replicas: number; metric: string; statuses: MetricStatus[]; error?: string }> {
    const metrics = hpa.spec?.metrics ?? [];
    const statuses: MetricStatus[] = metrics.map(() => ({ type: '' })); // what Go writes of a metric it could not read
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let firstFailure: MetricFailure | undefined;
    for (const [i, spec] of metrics.entries()) {
      try {
        const proposal = await this.computeReplicasForMetric(hpa, spec, selector, specReplicas);
        statuses[i] = proposal.status;
        if (replicas === 0 || proposal.replicas > replicas) [replicas, metric] = [proposal.replicas, proposal.name];
      } catch (error) {
        const failure = error instanceof MetricFailure ? error : new MetricFailure('FailedGetResourceMetric', String(error), String(error));
        this.recorder?.event(hpa, 'Warning', failure.reason, failure.message);
        firstFailure ??= failure;
        invalid++;
      }
    }
    const error = firstFailure && `invalid metrics (${invalid} invalid out of ${metrics.length}), first error is: ${firstFailure.valueError}`;
    if (firstFailure && (invalid >= metrics.length || replicas < specReplicas)) {
      setCondition('ScalingActive', { status: 'False', reason: firstFailure.reason, message: `the HPA was unable to compute the replica count: ${firstFailure.message}` });
      return { replicas: -1, metric: '', statuses, error: error! };
    }
    setCondition('ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metric}` });
    return { replicas, metric, statuses, ...(error && { error }) };
  }

  /** One metric's proposal; throws a {@link MetricFailure}. */
  private async computeReplicasForMetric(hpa: HorizontalPodAutoscaler, spec: MetricSpec, selector: LabelSelector | undefined, currentReplicas: number): Promise<Proposal> {
    if (spec.type !== 'Resource' && spec.type !== 'ContainerResource') throw unservedMetric(spec);
    const container = spec.type === 'ContainerResource' ? (spec.containerResource?.container ?? '') : '';
    const source = (spec.resource ?? spec.containerResource)!;
    const resource = source.name;
    const failure = (error: string) =>
      container
        ? new MetricFailure('FailedGetContainerResourceMetric', error, `failed to get ${resource} container metric value: ${error}`)
        : new MetricFailure('FailedGetResourceMetric', error, `failed to get ${resource} resource metric value: ${error}`);
    const namespace = hpa.metadata.namespace ?? '';
    const labelSelector = selectorFromObject(selector);
    const pods = this.pods.indexer.byIndex(NAMESPACE_INDEX, namespace).filter((pod) => labelSelector.matches(pod.metadata.labels));
    const now = this.clock.now();
    const statusOf = (current: { averageValue: string; averageUtilization?: number }): MetricStatus =>
      container ? { type: 'ContainerResource', containerResource: { name: resource, container, current } } : { type: 'Resource', resource: { name: resource, current } };

    const average = source.target.averageValue;
    if (average !== undefined) {
      try {
        const { metrics } = await this.metricValues(resource, namespace, labelSelector.toString(), container);
        const { replicas, usage } = rawResourceReplicas({ currentReplicas, resource, pods, metrics, now, targetAverage: parseQuantity(String(average)).milliValue() });
        return { replicas, name: `${resource} resource`, status: statusOf({ averageValue: milliQuantity(usage) }) };
      } catch (error) {
        throw failure(`failed to get ${resource} usage: ${(error as Error).message}`);
      }
    }
    const utilization = source.target.averageUtilization;
    if (utilization === undefined) throw failure('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    try {
      const { metrics } = await this.metricValues(resource, namespace, labelSelector.toString(), container);
      const proposal = resourceReplicas({ currentReplicas, resource, pods, metrics, now, targetUtilization: utilization, container });
      const name = container ? `${resource} container resource utilization (percentage of request)` : `${resource} resource utilization (percentage of request)`;
      return { replicas: proposal.replicas, name, status: statusOf({ averageValue: milliQuantity(proposal.rawAverage), averageUtilization: proposal.utilization }) };
    } catch (error) {
      throw failure(`failed to get ${resource} utilization: ${(error as Error).message}`);
    }
  }

  /** The pods' values of a resource, with the error upstream's replica calculator wraps them in. */
  private async metricValues(resource: string, namespace: string, selector: string, container: string) {
    try {
      return await resourceMetric(this.metrics, resource, namespace, selector, container);
    } catch (error) {
      throw new Error(`unable to get metrics for resource ${resource}: ${(error as Error).message}`);
    }
  }
}

/** What the autoscaler reads of its target: the replicas and the selector of its pods (a ReplicationController's is a map). */
type ScaleTarget = KubeObject & { spec?: { replicas?: number; selector?: LabelSelector | Record<string, string> } };

/** The target's pods' selector, as its scale subresource's `status.selector` says it. */
function selectorOf(target: ScaleTarget, resource: string): LabelSelector | undefined {
  const selector = target.spec?.selector;
  return resource === 'replicationcontrollers' && selector !== undefined ? { matchLabels: selector as Record<string, string> } : (selector as LabelSelector | undefined);
}
