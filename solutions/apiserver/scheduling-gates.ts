/**
 * Scheduling gates (`spec.schedulingGates`, GA in v1.30): names that hold a new pod back from
 * scheduling until whoever put them there takes them off — a batch queue waiting for quota, an
 * operator preparing something, a person. What the apiserver does with them
 * (pkg/apis/core/validation `validateSchedulingGates`, `ValidatePodCreate` and
 * `validateOnlyDeletedSchedulingGates`; pkg/registry/core/pod/strategy.go
 * `applySchedulingGatedCondition`):
 *
 * | when | what |
 * | --- | --- |
 * | a pod is made with gates | its status says `PodScheduled False SchedulingGated`, `Scheduling is blocked due to non-empty scheduling gates`; `kubectl get pods` shows STATUS `SchedulingGated` |
 * | a gate is no qualified name, or is named twice | Invalid: `spec.schedulingGates[0]: Invalid value: "-x": name part must consist of ...`, `spec.schedulingGates[1]: Duplicate value: "quota"` |
 * | a pod made with gates names its node | Invalid: `spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared` |
 * | an update adds a gate | Invalid: `spec.schedulingGates[0].name: Forbidden: only deletion is allowed, but found new scheduling gate 'x'` |
 * | an update takes gates off | allowed; once none is left, the scheduler takes the pod |
 * | a binding of a pod with gates | Conflict (client.ts `refuseBinding`) |
 *
 * This file is given: it is the same in katas/ and solutions/. The scheduler's side is kata 16's
 * `readyForThisScheduler`. Simplified: upstream also lets an update of a gated pod add to its
 * nodeSelector and narrow its node affinity; here those stay as immutable as the rest of the spec.
 *
 * @example
 * ```ts
 * gatedConditions({ metadata: { name: 'job-1' }, spec: { containers, schedulingGates: [{ name: 'quota' }] } });
 * // [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }]
 * onlyDeletedSchedulingGates([{ name: 'quota' }, { name: 'new' }], [{ name: 'quota' }]);
 * // [{ reason: 'FieldValueForbidden', field: 'spec.schedulingGates[1].name', message: "Forbidden: only deletion is allowed, but found new scheduling gate 'new'" }]
 * ```
 */
import type { KubeObject, Pod, PodCondition, PodSchedulingGate, PodSpec } from '@kube/kit';
import { at, duplicateField, forbiddenField, invalidField, type FieldError } from './field-errors.ts';
import { isQualifiedName } from './names.ts';

/** The message of the condition a gated pod is made with (upstream's words). */
export const SCHEDULING_GATED_MESSAGE = 'Scheduling is blocked due to non-empty scheduling gates';

/** The conditions a new pod starts with: `PodScheduled False SchedulingGated` when it has gates, else none. */
export function gatedConditions(pod: Pod): PodCondition[] {
  if ((pod.spec?.schedulingGates ?? []).length === 0) return [];
  return [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: SCHEDULING_GATED_MESSAGE }];
}

/** The gates of a pod spec: each a qualified name, none twice. */
export function validateSchedulingGates(gates: readonly PodSchedulingGate[] | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  (gates ?? []).forEach((gate, i) => {
    for (const message of isQualifiedName(gate.name ?? '')) errors.push(invalidField(at(path, i), gate.name ?? '', message));
    if (seen.has(gate.name)) errors.push(duplicateField(at(path, i), gate.name));
    seen.add(gate.name);
  });
  return errors;
}

/**
 * The gate errors of a Pod (`template` false: also a node named before its gates are gone) or of a
 * Deployment's or ReplicaSet's pod template.
 */
export function validateSchedulingGatesOf(object: KubeObject, template: boolean): FieldError[] {
  const withSpec = object as KubeObject & { spec?: PodSpec & { template?: { spec?: PodSpec } } };
  if (template) return validateSchedulingGates(withSpec.spec?.template?.spec?.schedulingGates, 'spec.template.spec.schedulingGates');
  const spec = withSpec.spec;
  const errors = validateSchedulingGates(spec?.schedulingGates, 'spec.schedulingGates');
  if (spec?.nodeName && (spec.schedulingGates ?? []).length > 0) errors.push(forbiddenField('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  return errors;
}

/** An update may take gates off, never put one on: one error for each gate `next` has and `old` had not. */
export function onlyDeletedSchedulingGates(next: readonly PodSchedulingGate[], old: readonly PodSchedulingGate[]): FieldError[] {
  const had = new Set(old.map((gate) => gate.name));
  return next.flatMap((gate, i) => (had.has(gate.name) ? [] : [forbiddenField(at('spec', 'schedulingGates', i, 'name'), `only deletion is allowed, but found new scheduling gate '${gate.name}'`)]));
}
