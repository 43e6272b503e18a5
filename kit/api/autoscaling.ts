/**
 * HorizontalPodAutoscalers (autoscaling/v2): keep a Deployment's (or ReplicaSet's, or
 * StatefulSet's) replicas between `minReplicas` and `maxReplicas`, at the number its metrics ask
 * for. `kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=50` makes one. The
 * horizontal pod autoscaler controller keeps the status; resource metrics come from metrics.k8s.io,
 * which the cluster's metrics-server serves (the custom and external metrics APIs are not served).
 * @module
 */
import type { ConditionStatus, KubeObject, LabelSelector, Quantity, Time } from './meta.ts';

/** What is scaled: `{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }`. */
export interface CrossVersionObjectReference {
  kind: string;
  name: string;
  apiVersion?: string;
}

/** The value a metric should have: a `Utilization` percentage of the pods' requests, a `Value` or an `AverageValue`. */
export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue' | (string & {});
  value?: Quantity;
  averageValue?: Quantity;
  averageUtilization?: number;
}

/** A metric's current value, as the controller last read it. */
export interface MetricValueStatus {
  value?: Quantity;
  averageValue?: Quantity;
  averageUtilization?: number;
}

/** A metric by name, and optionally a label selector that narrows it. */
export interface MetricIdentifier {
  name: string;
  selector?: LabelSelector;
}

/** Scale on a resource of the pods (`cpu`, `memory`), averaged over them. */
export interface ResourceMetricSource {
  name: string;
  target: MetricTarget;
}

/** Scale on a resource of one container of each pod. */
export interface ContainerResourceMetricSource {
  name: string;
  target: MetricTarget;
  container: string;
}

/** Scale on a custom metric of each pod, averaged. */
export interface PodsMetricSource {
  metric: MetricIdentifier;
  target: MetricTarget;
}

/** Scale on a metric of one object (hits per second of an Ingress). */
export interface ObjectMetricSource {
  describedObject: CrossVersionObjectReference;
  target: MetricTarget;
  metric: MetricIdentifier;
}

/** Scale on a metric from outside the cluster (a queue's length). */
export interface ExternalMetricSource {
  metric: MetricIdentifier;
  target: MetricTarget;
}

/** One metric to scale on: `type` says which of the other fields is set. */
export interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External' | (string & {});
  resource?: ResourceMetricSource;
  containerResource?: ContainerResourceMetricSource;
  pods?: PodsMetricSource;
  object?: ObjectMetricSource;
  external?: ExternalMetricSource;
}

/** A resource metric's current value. */
export interface ResourceMetricStatus {
  name: string;
  current: MetricValueStatus;
}

/** A container resource metric's current value. */
export interface ContainerResourceMetricStatus {
  name: string;
  current: MetricValueStatus;
  container: string;
}

/** A pods metric's current value. */
export interface PodsMetricStatus {
  metric: MetricIdentifier;
  current: MetricValueStatus;
}

/** An object metric's current value. */
export interface ObjectMetricStatus {
  metric: MetricIdentifier;
  current: MetricValueStatus;
  describedObject: CrossVersionObjectReference;
}

/** An external metric's current value. */
export interface ExternalMetricStatus {
  metric: MetricIdentifier;
  current: MetricValueStatus;
}

/** One metric's last read value; `{ type: '' }` when it could not be read. */
export interface MetricStatus {
  type: string;
  resource?: ResourceMetricStatus;
  containerResource?: ContainerResourceMetricStatus;
  pods?: PodsMetricStatus;
  object?: ObjectMetricStatus;
  external?: ExternalMetricStatus;
}

/** At most `value` pods (`Pods`) or percent (`Percent`) of change per `periodSeconds`. */
export interface HPAScalingPolicy {
  type: 'Pods' | 'Percent' | (string & {});
  value: number;
  periodSeconds: number;
}

/** How fast one direction may go. */
export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled' | (string & {});
  policies?: HPAScalingPolicy[];
}

/** How fast it may scale up and down. */
export interface HorizontalPodAutoscalerBehavior {
  scaleUp?: HPAScalingRules;
  scaleDown?: HPAScalingRules;
}

/**
 * The target, its bounds and its metrics.
 *
 * @example
 * ```ts
 * const spec: HorizontalPodAutoscalerSpec = { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5 };
 * ```
 */
export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  /** default 1 */
  minReplicas?: number;
  maxReplicas: number;
  /** default: cpu at 80% of the pods' requests */
  metrics?: MetricSpec[];
  behavior?: HorizontalPodAutoscalerBehavior;
}

/** `AbleToScale`, `ScalingActive` or `ScalingLimited`, and why. */
export interface HorizontalPodAutoscalerCondition {
  type: 'AbleToScale' | 'ScalingActive' | 'ScalingLimited' | (string & {});
  status: ConditionStatus;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** What the controller last saw and decided. */
export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: Time;
  currentReplicas?: number;
  desiredReplicas: number;
  currentMetrics?: MetricStatus[];
  conditions?: HorizontalPodAutoscalerCondition[];
}

/**
 * `kubectl autoscale deployment web --min=2 --max=5`: the controller keeps web's replicas within
 * 2..5 at once, and at what its cpu asks for when the metrics API answers.
 *
 * @example
 * ```ts
 * const hpa: HorizontalPodAutoscaler = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' },
 *   spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 } };
 * ```
 */
export interface HorizontalPodAutoscaler extends KubeObject {
  apiVersion?: 'autoscaling/v2';
  kind?: 'HorizontalPodAutoscaler';
  spec?: HorizontalPodAutoscalerSpec;
  status?: HorizontalPodAutoscalerStatus;
}
