/**
 * HorizontalPodAutoscalers (autoscaling/v2) as kube-apiserver v1.32 stores them: defaults and
 * validation. Given code, beyond the katas (upstream: `pkg/apis/autoscaling/v2/defaults.go`,
 * `pkg/apis/autoscaling/validation/validation.go`). The status is the horizontal pod autoscaler
 * controller's: a create starts it empty.
 *
 * ```
 * kubectl autoscale deployment web --max=5
 *   spec {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5,
 *         minReplicas: 1, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]}
 * kubectl autoscale deployment web --min=5 --max=2
 *   spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`
 * ```
 */
import type { HorizontalPodAutoscaler, HPAScalingRules, KubeObject, MetricTarget, StatusCause } from '@kube/kit';
import { at, invalidField, requiredField, unsupportedField } from './field-errors.ts';
import { isDNS1123Subdomain } from './names.ts';
import { parseQuantity } from './quantity.ts';
import { validateObjectMeta } from './validation.ts';

/** The cpu utilization an autoscaler without metrics aims at (autoscaling.DefaultCPUUtilization). */
export const DEFAULT_CPU_UTILIZATION = 80;

/** The metric source types, as upstream lists them. */
export const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] as const;

/** The rules of a direction the behavior leaves out (GenerateHPAScaleUpRules, GenerateHPAScaleDownRules). */
function defaultRules(rules: HPAScalingRules | undefined, direction: 'up' | 'down'): HPAScalingRules {
  const policies = direction === 'up' ? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] : [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  return { stabilizationWindowSeconds: direction === 'up' ? 0 : 300, selectPolicy: 'Max', policies, ...rules };
}

/**
 * SetDefaults_HorizontalPodAutoscaler: `minReplicas` 1; no metrics is cpu at 80%; a behavior that
 * is there gets the default rules for each direction it leaves out (none stays none).
 */
export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscaler {
  if (!hpa.spec) return hpa;
  hpa.spec.minReplicas ??= 1;
  if ((hpa.spec.metrics ?? []).length === 0) {
    hpa.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (hpa.spec.behavior) hpa.spec.behavior = { scaleUp: defaultRules(hpa.spec.behavior.scaleUp, 'up'), scaleDown: defaultRules(hpa.spec.behavior.scaleDown, 'down') };
  return hpa;
}

/** validateMetricTarget: a known type, and the amount it names, above zero. */
function validateTarget(target: MetricTarget | undefined, path: string): StatusCause[] {
  if (!target?.type) return [requiredField(at(path, 'type'), 'must specify a metric target type')];
  const errors: StatusCause[] = [];
  if (!['Utilization', 'Value', 'AverageValue'].includes(target.type)) errors.push(invalidField(at(path, 'type'), target.type, 'must be either Utilization, Value, or AverageValue'));
  if (target.averageUtilization !== undefined && target.averageUtilization < 1) errors.push(invalidField(at(path, 'averageUtilization'), target.averageUtilization, 'must be greater than 0'));
  for (const part of ['value', 'averageValue'] as const) {
    const text = target[part];
    if (text === undefined) continue;
    let positive = false;
    try {
      positive = parseQuantity(text).cmp(parseQuantity('0')) > 0;
    } catch {
      // not a quantity: not positive either
    }
    if (!positive) errors.push(invalidField(at(path, part), text, 'must be positive'));
  }
  return errors;
}

/** validateScalingRules: the window within an hour, a known policy selection, each policy's value and period. */
function validateRules(rules: HPAScalingRules | undefined, path: string): StatusCause[] {
  if (!rules) return [];
  const errors: StatusCause[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (window !== undefined && (window < 0 || window > 3600)) errors.push(invalidField(at(path, 'stabilizationWindowSeconds'), window, window < 0 ? 'must be greater than or equal to zero' : 'must be less than or equal to 3600'));
  if (rules.selectPolicy !== undefined && !['Disabled', 'Max', 'Min'].includes(rules.selectPolicy)) errors.push(unsupportedField(at(path, 'selectPolicy'), rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  (rules.policies ?? []).forEach((policy, i) => {
    const here = at(path, 'policies', i);
    if (!['Percent', 'Pods'].includes(policy.type)) errors.push(unsupportedField(at(here, 'type'), policy.type, ['Percent', 'Pods']));
    if (!(policy.value > 0)) errors.push(invalidField(at(here, 'value'), policy.value, 'must be greater than zero'));
    if (!(policy.periodSeconds > 0)) errors.push(invalidField(at(here, 'periodSeconds'), policy.periodSeconds, 'must be greater than zero'));
    else if (policy.periodSeconds > 1800) errors.push(invalidField(at(here, 'periodSeconds'), policy.periodSeconds, 'must be less than or equal to 1800'));
  });
  return errors;
}

/** ValidateHorizontalPodAutoscaler: the target named, the bounds in order, each metric well formed, the behavior's rules. */
export function validateHorizontalPodAutoscaler(obj: KubeObject): StatusCause[] {
  const hpa = obj as HorizontalPodAutoscaler;
  const errors: StatusCause[] = validateObjectMeta(hpa.metadata, true, isDNS1123Subdomain);
  const spec = hpa.spec;
  if (!spec) return [...errors, requiredField('spec')];
  if (!spec.scaleTargetRef?.kind) errors.push(requiredField('spec.scaleTargetRef.kind'));
  if (!spec.scaleTargetRef?.name) errors.push(requiredField('spec.scaleTargetRef.name'));
  if (spec.minReplicas !== undefined && spec.minReplicas < 1) errors.push(invalidField('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  if (!(spec.maxReplicas >= 1)) errors.push(invalidField('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  else if (spec.minReplicas !== undefined && spec.maxReplicas < spec.minReplicas) errors.push(invalidField('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  (spec.metrics ?? []).forEach((metric, i) => {
    const path = at('spec.metrics', i);
    if (!metric.type) return void errors.push(requiredField(at(path, 'type'), 'must specify a metric source type'));
    if (!(METRIC_SOURCE_TYPES as readonly string[]).includes(metric.type)) return void errors.push(unsupportedField(at(path, 'type'), metric.type, METRIC_SOURCE_TYPES));
    const field = metric.type === 'ContainerResource' ? 'containerResource' : (metric.type.toLowerCase() as 'resource' | 'pods' | 'object' | 'external');
    const source = metric[field];
    if (!source) return void errors.push(requiredField(at(path, field), 'must populate information for the given metric source'));
    const sourcePath = at(path, field);
    if ('name' in source && !source.name) errors.push(requiredField(at(sourcePath, 'name'), 'must specify a resource name'));
    if ('container' in source && !source.container) errors.push(requiredField(at(sourcePath, 'container'), 'must specify a container'));
    if ('metric' in source && !source.metric?.name) errors.push(requiredField(at(sourcePath, 'metric', 'name'), 'must specify a metric name'));
    errors.push(...validateTarget(source.target, at(sourcePath, 'target')));
    if ((field === 'resource' || field === 'containerResource') && source.target?.type === 'Value') {
      errors.push(invalidField(at(sourcePath, 'target', 'type'), 'Value', 'must be either Utilization or AverageValue'));
    }
  });
  errors.push(...validateRules(spec.behavior?.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(spec.behavior?.scaleDown, 'spec.behavior.scaleDown'));
  return errors;
}

/** autoscaling/v1's HorizontalPodAutoscaler: one cpu target, the rest of v2 in annotations. */
export interface HorizontalPodAutoscalerV1 extends KubeObject {
  apiVersion?: 'autoscaling/v1';
  kind?: 'HorizontalPodAutoscaler';
  spec?: { scaleTargetRef: { kind: string; name: string; apiVersion?: string }; minReplicas?: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
  status?: { observedGeneration?: number; lastScaleTime?: string; currentReplicas?: number; desiredReplicas: number; currentCPUUtilizationPercentage?: number };
}

/** Where autoscaling/v1 keeps what it has no field for (upstream's annotations of the same names). */
export const HPA_V1_ANNOTATIONS = {
  metrics: 'autoscaling.alpha.kubernetes.io/metrics',
  currentMetrics: 'autoscaling.alpha.kubernetes.io/current-metrics',
  conditions: 'autoscaling.alpha.kubernetes.io/conditions',
  behavior: 'autoscaling.alpha.kubernetes.io/behavior',
} as const;

/** Is this the metric v1 has a field for: cpu, as a percentage of the pods' requests? */
function isCpuUtilization(metric: { type: string; resource?: { name: string; target: MetricTarget } }): boolean {
  return metric.type === 'Resource' && metric.resource?.name === 'cpu' && metric.resource.target.type === 'Utilization';
}

/**
 * An autoscaler as autoscaling/v1 shows it (upstream's conversion): `targetCPUUtilizationPercentage`
 * from the cpu utilization metric, the other metrics, the current metrics, the conditions and the
 * behavior as JSON in annotations (written as v2 writes them, where upstream writes v2beta1's shape).
 */
export function hpaToV1(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const { spec, status } = hpa;
  const annotations: Record<string, string> = { ...hpa.metadata.annotations };
  const others = (spec?.metrics ?? []).filter((metric) => !isCpuUtilization(metric));
  if (others.length > 0) annotations[HPA_V1_ANNOTATIONS.metrics] = JSON.stringify(others);
  if (spec?.behavior) annotations[HPA_V1_ANNOTATIONS.behavior] = JSON.stringify(spec.behavior);
  const currentOthers = (status?.currentMetrics ?? []).filter((metric) => !(metric.type === 'Resource' && metric.resource?.name === 'cpu'));
  if (currentOthers.length > 0) annotations[HPA_V1_ANNOTATIONS.currentMetrics] = JSON.stringify(currentOthers);
  if ((status?.conditions ?? []).length > 0) annotations[HPA_V1_ANNOTATIONS.conditions] = JSON.stringify(status!.conditions);
  const cpu = spec?.metrics?.find(isCpuUtilization)?.resource?.target.averageUtilization;
  const currentCpu = status?.currentMetrics?.find((metric) => metric.type === 'Resource' && metric.resource?.name === 'cpu')?.resource?.current.averageUtilization;
  return {
    ...hpa,
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...hpa.metadata, ...(Object.keys(annotations).length > 0 && { annotations }) },
    ...(spec && {
      spec: { scaleTargetRef: spec.scaleTargetRef, ...(spec.minReplicas !== undefined && { minReplicas: spec.minReplicas }), maxReplicas: spec.maxReplicas, ...(cpu !== undefined && { targetCPUUtilizationPercentage: cpu }) },
    }),
    ...(status && {
      status: {
        ...(status.observedGeneration !== undefined && { observedGeneration: status.observedGeneration }),
        ...(status.lastScaleTime !== undefined && { lastScaleTime: status.lastScaleTime }),
        currentReplicas: status.currentReplicas ?? 0,
        desiredReplicas: status.desiredReplicas,
        ...(currentCpu !== undefined && { currentCPUUtilizationPercentage: currentCpu }),
      },
    }),
  };
}

/** The annotation's JSON, or undefined when it is missing or not JSON. */
function annotated<T>(annotations: Record<string, string> | undefined, name: string): T | undefined {
  const text = annotations?.[name];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** An autoscaling/v1 autoscaler as it is stored (v2): the inverse of {@link hpaToV1}. */
export function hpaFromV1(v1: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const annotations: Record<string, string> = { ...v1.metadata?.annotations };
  const others = annotated<NonNullable<HorizontalPodAutoscaler['spec']>['metrics']>(annotations, HPA_V1_ANNOTATIONS.metrics) ?? [];
  const behavior = annotated<NonNullable<HorizontalPodAutoscaler['spec']>['behavior']>(annotations, HPA_V1_ANNOTATIONS.behavior);
  const conditions = annotated<NonNullable<HorizontalPodAutoscaler['status']>['conditions']>(annotations, HPA_V1_ANNOTATIONS.conditions);
  const currentOthers = annotated<NonNullable<HorizontalPodAutoscaler['status']>['currentMetrics']>(annotations, HPA_V1_ANNOTATIONS.currentMetrics) ?? [];
  for (const name of Object.values(HPA_V1_ANNOTATIONS)) delete annotations[name];
  const { spec, status } = v1;
  const cpu = spec?.targetCPUUtilizationPercentage;
  const metrics = [...(cpu !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }] : []), ...others];
  const currentCpu = status?.currentCPUUtilizationPercentage;
  const currentMetrics = [...(currentCpu !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCpu } } }] : []), ...currentOthers];
  const { annotations: _dropped, ...metadata } = v1.metadata ?? {};
  return {
    ...v1,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...metadata, ...(Object.keys(annotations).length > 0 && { annotations }) },
    ...(spec && {
      spec: {
        scaleTargetRef: spec.scaleTargetRef,
        ...(spec.minReplicas !== undefined && { minReplicas: spec.minReplicas }),
        maxReplicas: spec.maxReplicas,
        ...(metrics.length > 0 && { metrics }),
        ...(behavior && { behavior }),
      },
    }),
    ...(status && {
      status: {
        ...(status.observedGeneration !== undefined && { observedGeneration: status.observedGeneration }),
        ...(status.lastScaleTime !== undefined && { lastScaleTime: status.lastScaleTime }),
        ...(status.currentReplicas !== undefined && { currentReplicas: status.currentReplicas }),
        desiredReplicas: status.desiredReplicas,
        ...(currentMetrics.length > 0 && { currentMetrics }),
        ...(conditions && { conditions }),
      },
    }),
  } as HorizontalPodAutoscaler;
}
