/**
 * The horizontal pod autoscaler controller (kube-controller-manager's pkg/controller/podautoscaler,
 * v1.32): every {@link HPA_SYNC_PERIOD_MS} it reads each HorizontalPodAutoscaler's target, keeps
 * its replicas within `minReplicas..maxReplicas`, and would scale it to what its metrics ask for.
 * Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's.
 *
 * The metrics come from the metrics APIs (`metrics.k8s.io`, served by metrics-server), which this
 * workbook does not serve — as on a cluster without metrics-server, every metric fails, and the
 * autoscaler says so the way v1.32's does:
 *
 * ```
 * kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=50     (web has 1 replica)
 *   15 s later: web scaled to 2   SuccessfulRescale  New size: 2; reason: Current number of replicas below Spec.MinReplicas
 * 15 s later, 2 is within 2..5: the metrics are asked, and fail
 *   FailedGetResourceMetric  failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics
 *                            from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)
 *   kubectl get hpa:  web  Deployment/web  cpu: <unknown>/50%  2  5  2
 *   conditions: AbleToScale True (SucceededGetScale), ScalingActive False (FailedGetResourceMetric)
 * ```
 *
 * | target's replicas | what it does |
 * | --- | --- |
 * | 0 (and minReplicas is not) | nothing: ScalingActive False, ScalingDisabled |
 * | above maxReplicas | scales it to maxReplicas |
 * | below minReplicas | scales it to minReplicas |
 * | within the bounds | asks the metrics: each fails, nothing changes |
 *
 * Where it simplifies: targets are the kinds with a scale subresource here (Deployments,
 * ReplicaSets, StatefulSets), read and written through the objects themselves; no behavior
 * (stabilization windows, policies) is applied, as no metric ever proposes a number.
 *
 * @example
 * ```ts
 * const controller = new HorizontalPodAutoscalerController({ client, clock, factory, recorder });
 * factory.start();
 * controller.run();
 * ```
 */
import { isStatusError, qualifiedResource, RESOURCES, type ApiClient } from '@kube/apiserver';
import { isDeepStrictEqual } from 'node:util';
import { toRFC3339, type Clock, type HorizontalPodAutoscaler, type HorizontalPodAutoscalerCondition, type HorizontalPodAutoscalerStatus, type KubeObject, type MetricSpec } from '@kube/kit';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { processNextWorkItem, RateLimitingQueue } from './workqueue.ts';

/** How often each autoscaler is looked at (`--horizontal-pod-autoscaler-sync-period`, 15 s); a new one waits that long too. */
export const HPA_SYNC_PERIOD_MS = 15_000;

/** What asking the resource metrics API says when no metrics-server serves it. */
export const NO_RESOURCE_METRICS = 'unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';

/** What a {@link HorizontalPodAutoscalerController} needs. */
export interface HorizontalPodAutoscalerControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  recorder?: EventRecorder;
  onError?: (key: string, error: unknown) => void;
}

/** Why one metric could not be read: the event's reason and the error, in upstream's words. */
function metricFailure(metric: MetricSpec): { reason: string; error: string } {
  switch (metric.type) {
    case 'Resource':
    case 'ContainerResource': {
      const name = (metric.resource ?? metric.containerResource)?.name ?? '';
      const error = `failed to get ${name} utilization: unable to get metrics for resource ${name}: ${NO_RESOURCE_METRICS}`;
      return { reason: metric.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric', error };
    }
    case 'Pods':
      return { reason: 'FailedGetPodsMetric', error: `unable to get metric ${metric.pods?.metric.name}: unable to fetch metrics from custom metrics API: the server could not find the metric ${metric.pods?.metric.name} for pods` };
    case 'Object':
      return { reason: 'FailedGetObjectMetric', error: `unable to get metric ${metric.object?.metric.name}: unable to fetch metrics from custom metrics API: the server could not find the requested resource` };
    default:
      return { reason: 'FailedGetExternalMetric', error: `unable to get external metric ${metric.external?.metric.name}: unable to fetch metrics from external metrics API: the server could not find the requested resource` };
  }
}

/** The prefix upstream puts on a metric's error when it counts the invalid metrics. */
function metricValueError(metric: MetricSpec, error: string): string {
  if (metric.type === 'Resource') return `failed to get ${metric.resource?.name} resource metric value: ${error}`;
  if (metric.type === 'ContainerResource') return `failed to get ${metric.containerResource?.name} container metric value: ${error}`;
  if (metric.type === 'Pods') return `failed to get pods metric value: ${error}`;
  if (metric.type === 'Object') return `failed to get object metric value: ${error}`;
  return `failed to get external metric value: ${error}`;
}

/** Keeps each HorizontalPodAutoscaler's target within its bounds, and its status. */
export class HorizontalPodAutoscalerController {
  readonly autoscalers: SharedIndexInformer<HorizontalPodAutoscaler>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: HorizontalPodAutoscalerControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.autoscalers = options.factory.informerFor<HorizontalPodAutoscaler>('horizontalpodautoscalers');
    // Upstream adds every request a sync period late, and drops one for an autoscaler already waiting.
    const enqueue = (hpa: HorizontalPodAutoscaler | DeletedFinalStateUnknown<HorizontalPodAutoscaler>) => {
      const key = hpa instanceof DeletedFinalStateUnknown ? hpa.key : `${hpa.metadata.namespace}/${hpa.metadata.name}`;
      this.queue.addAfter(key, HPA_SYNC_PERIOD_MS);
    };
    this.autoscalers.addEventHandler({ onAdd: enqueue, onUpdate: (_old, hpa) => enqueue(hpa) });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    for (let i = 0; i < workers; i++) {
      this.workers.push(
        (async () => {
          while (await processNextWorkItem(this.queue, (key) => this.syncAndRequeue(key), this.onError));
        })(),
      );
    }
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
    if (!hpa?.spec) return;
    const spec = hpa.spec;
    const namespace = hpa.metadata.namespace ?? '';
    const status: HorizontalPodAutoscalerStatus = structuredClone(hpa.status ?? { desiredReplicas: 0 });
    status.desiredReplicas ??= 0;
    const conditions = (status.conditions ??= []);
    const setCondition = (type: string, value: 'True' | 'False', reason: string, message: string) => {
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
    let target: KubeObject & { spec?: { replicas?: number } };
    try {
      if (!type) throw new Error(`unable to determine resource for scale target reference: no matches for kind "${ref.kind}" in group "${group}"`);
      if (!['deployments', 'replicasets', 'statefulsets'].includes(type.resource)) throw new Error(`${qualifiedResource(type)} does not implement the scale subresource`);
      target = await this.client.resource<KubeObject & { spec?: { replicas?: number } }>(type.resource, namespace).get(ref.name);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.recorder?.event(hpa, 'Warning', 'FailedGetScale', message);
      setCondition('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
      return writeStatus();
    }
    setCondition('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const currentReplicas = target.spec?.replicas ?? 1;
    const minReplicas = spec.minReplicas ?? 1;
    status.currentReplicas = currentReplicas;

    let desiredReplicas = currentReplicas;
    let reason = '';
    if (currentReplicas === 0 && minReplicas !== 0) {
      setCondition('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
      desiredReplicas = 0;
    } else if (currentReplicas > spec.maxReplicas) {
      [desiredReplicas, reason] = [spec.maxReplicas, 'Current number of replicas above Spec.MaxReplicas'];
    } else if (currentReplicas < minReplicas) {
      [desiredReplicas, reason] = [minReplicas, 'Current number of replicas below Spec.MinReplicas'];
    } else {
      // Within the bounds: the metrics decide, and no metrics API answers.
      const metrics = spec.metrics ?? [];
      const failures = metrics.map(metricFailure);
      for (const failure of failures) this.recorder?.event(hpa, 'Warning', failure.reason, failure.error);
      const first = failures[0];
      if (first) {
        setCondition('ScalingActive', 'False', first.reason, `the HPA was unable to compute the replica count: ${first.error}`);
        status.currentMetrics = metrics.map(() => ({ type: '' })); // what Go writes of a metric it could not read
        await writeStatus();
        this.recorder?.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${metrics.length} invalid out of ${metrics.length}), first error is: ${metricValueError(metrics[0]!, first.error)}`);
        return;
      }
    }

    if (desiredReplicas !== currentReplicas && reason !== '') {
      try {
        await this.client.resource<KubeObject>(type.resource, namespace).update({ ...target, spec: { ...target.spec, replicas: desiredReplicas } } as KubeObject);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.recorder?.event(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${reason}; error: ${message}`);
        setCondition('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${message}`);
        await writeStatus();
        if (isStatusError(error, 'Conflict')) throw error; // tried again after a back-off
        return;
      }
      setCondition('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`);
      this.recorder?.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${reason}`);
      status.lastScaleTime = toRFC3339(this.clock.now());
    }
    status.desiredReplicas = desiredReplicas;
    delete status.currentMetrics; // no metric was read
    await writeStatus();
  }
}
