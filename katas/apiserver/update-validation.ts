/**
 * What an update may not change once an object exists (given code): upstream's `ValidateUpdate`
 * of each kind's strategy, for the kinds where a user meets it first.
 *
 * | kind | what stays | upstream |
 * | --- | --- | --- |
 * | Pod | the spec, but for containers' images, an `activeDeadlineSeconds` lowered or set, tolerations added (or their `tolerationSeconds`), scheduling gates taken off, `terminationGracePeriodSeconds` from negative to 1 (`spec.nodeName` only through `pods/binding`) | pkg/apis/core/validation `ValidatePodUpdate` |
 * | Deployment, ReplicaSet | `spec.selector` | pkg/registry/apps/{deployment,replicaset}/strategy.go `ValidateUpdate` (apps/v1) |
 * | ConfigMap, Secret marked `immutable: true` | `immutable`, `data` (and `binaryData`); a Secret's `type` always | `ValidateConfigMapUpdate`, `ValidateSecretUpdate` |
 *
 * Worked example, `kubectl apply` of a pod's manifest whose container was renamed:
 * ```
 * validatePodUpdate(renamed, stored)
 * // [{ reason: 'FieldValueForbidden', field: 'spec',
 * //    message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,... \n  spec.containers[0].name: "c" → "d"' }]
 * ```
 * which kubectl prints as `The Pod "p1" is invalid: spec: Forbidden: pod updates may not change
 * fields other than ...`. Upstream follows the first line with a Go diff of the whole spec; here each
 * changed field is one line. Both objects are compared as stored: with their defaults, so a
 * manifest that leaves a default out changes nothing. A field missing, `null`, `[]` and `{}` are
 * the same (apimachinery's semantic equality treats nil and empty alike).
 */
import type { Deployment, KubeObject, Pod, PodSpec, StatusCause } from '@kube/kit';
import { at, forbiddenField, invalidField, showValue } from './field-errors.ts';
import { onlyDeletedSchedulingGates } from './scheduling-gates.ts';

/** Upstream's words, v1.32 (with the InPlacePodVerticalScaling gate off, its default). */
export const POD_SPEC_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** What a pod's update may not do: {@link POD_SPEC_FORBIDDEN}, and no container added or removed. */
export function validatePodUpdate(next: Pod, stored: Pod): StatusCause[] {
  const spec = next.spec ?? ({} as PodSpec);
  const old = stored.spec ?? ({} as PodSpec);
  for (const list of ['containers', 'initContainers'] as const) {
    // Counted first: with another number of containers, nothing else can be compared one to one.
    if ((spec[list] ?? []).length !== (old[list] ?? []).length) return [forbiddenField(at('spec', list), 'pod updates may not add or remove containers')];
  }
  const errors: StatusCause[] = [];
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && old.activeDeadlineSeconds !== undefined && deadline > old.activeDeadlineSeconds) {
    return [invalidField(at('spec', 'activeDeadlineSeconds'), deadline, 'must be less than or equal to previous value')];
  }
  if (deadline === undefined && old.activeDeadlineSeconds !== undefined) {
    errors.push(invalidField(at('spec', 'activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }
  if (!onlyAddedTolerations(spec.tolerations ?? [], old.tolerations ?? [])) {
    errors.push(forbiddenField(at('spec', 'tolerations'), 'existing toleration can not be modified except its tolerationSeconds'));
  }
  errors.push(...onlyDeletedSchedulingGates(spec.schedulingGates ?? [], old.schedulingGates ?? []));
  const changed = differences(withAllowedFrom(spec, old), old, 'spec');
  if (changed.length > 0) errors.push(forbiddenField('spec', `${POD_SPEC_FORBIDDEN}\n${changed.map((line) => `  ${line}`).join('\n')}`));
  return errors;
}

/** `next` with what an update may change taken from `old`: what is left to differ is forbidden. */
function withAllowedFrom(next: PodSpec, old: PodSpec): PodSpec {
  const spec = structuredClone(next);
  spec.containers = (spec.containers ?? []).map((container, i) => ({ ...container, image: old.containers[i]!.image }));
  if (spec.initContainers) spec.initContainers = spec.initContainers.map((container, i) => ({ ...container, image: old.initContainers![i]!.image }));
  spec.activeDeadlineSeconds = old.activeDeadlineSeconds;
  spec.tolerations = old.tolerations;
  spec.schedulingGates = old.schedulingGates;
  const wasNegative = (old.terminationGracePeriodSeconds ?? 0) < 0;
  if (wasNegative && spec.terminationGracePeriodSeconds === 1) spec.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  return spec;
}

/** Every old toleration is still there, its `tolerationSeconds` aside (validateOnlyAddedTolerations). */
function onlyAddedTolerations(next: readonly object[], old: readonly object[]): boolean {
  return old.every((was) => next.some((now) => differences({ ...was, tolerationSeconds: undefined }, { ...now, tolerationSeconds: undefined }, '').length === 0));
}

/** A Deployment's or ReplicaSet's selector: which pods are its own cannot move after creation. */
export function validateSelectorUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const selector = (next as Deployment).spec?.selector;
  if (differences(selector, (stored as Deployment).spec?.selector, '').length === 0) return [];
  return [invalidField(at('spec', 'selector'), selector, 'field is immutable')];
}

/**
 * A ConfigMap or Secret with `immutable: true` keeps `immutable` and its data for good (it can only
 * be deleted); `also` names fields that never change, such as a Secret's `type`.
 */
export function immutableDataUpdate(dataFields: readonly string[], also: readonly string[] = []): (next: KubeObject, stored: KubeObject) => StatusCause[] {
  return (next, stored) => {
    const now = next as KubeObject & Record<string, unknown>;
    const was = stored as KubeObject & Record<string, unknown>;
    const errors = also.filter((field) => differences(now[field], was[field], '').length > 0).map((field) => invalidField(field, now[field], 'field is immutable'));
    if (was.immutable !== true) return errors;
    const locked = 'field is immutable when `immutable` is set';
    if (now.immutable !== true) errors.push(forbiddenField('immutable', locked));
    for (const field of dataFields) if (differences(now[field], was[field], '').length > 0) errors.push(forbiddenField(field, locked));
    return errors;
  };
}

/**
 * The fields where `next` and `old` differ, as `path: old → new`; missing, null, `[]` and `{}`
 * count as the same. The other kinds' immutability errors (a claim's spec) list them too.
 */
export function differences(next: unknown, old: unknown, path: string): string[] {
  if (isEmpty(next) && isEmpty(old)) return [];
  if (Array.isArray(next) && Array.isArray(old)) {
    return Array.from({ length: Math.max(next.length, old.length) }, (_, i) => differences(next[i], old[i], `${path}[${i}]`)).flat();
  }
  if (isRecord(next) && isRecord(old)) {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort();
    return keys.flatMap((key) => differences(next[key], old[key], path ? `${path}.${key}` : key));
  }
  if (next === old) return [];
  return [`${path}: ${isEmpty(old) ? '(none)' : showValue(old)} → ${isEmpty(next) ? '(none)' : showValue(next)}`];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);
}
