/**
 * PriorityClasses (scheduling.k8s.io/v1): what the apiserver keeps of them and checks
 * (pkg/apis/scheduling/validation, pkg/apis/scheduling/helpers.go, the registry's
 * `scheduling/bootstrap-system-priority-classes` start-up hook). The Priority admission plugin
 * (admission.ts) reads them to give each new pod its priority. Given code: the same in katas/ and
 * solutions/.
 *
 * | what | answer |
 * | --- | --- |
 * | every cluster | `system-cluster-critical` (2000000000) and `system-node-critical` (2000001000), made at start-up |
 * | a class named `system-...` that is not one of those two, as they are | Invalid: `metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class` |
 * | a value above 1000000000 | Invalid: `value: Forbidden: maximum allowed value of a user defined priority is 1000000000` |
 * | an update of `value` | Invalid: `value: Forbidden: may not be changed in an update.` |
 * | an update of `preemptionPolicy` | Invalid: `preemptionPolicy: Invalid value: "Never": field is immutable` |
 * | `preemptionPolicy` left out | `PreemptLowerPriority` |
 * | a system class deleted | 403 `this is a system priority class and cannot be deleted` (admission.ts's Priority plugin says it) |
 *
 * @example
 * ```ts
 * validatePriorityClass({ metadata: { name: 'system-mine' }, value: 5 });
 * // [{ reason: 'FieldValueForbidden', field: 'metadata.name', message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class" }]
 * ```
 */
import type { KubeObject, PriorityClass } from '@kube/kit';
import { forbiddenField, invalidField, unsupportedField, type FieldError } from './field-errors.ts';
import { isDNS1123Subdomain } from './names.ts';
import type { Registry } from './registry.ts';
import { isStatusError } from './status.ts';
import { validateObjectMeta } from './validation.ts';

/** The highest value a class that is not a system class may have (scheduling.HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** The prefix of the system classes' names, which no other class may take. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

/** The classes every cluster has, as the apiserver makes them at start-up (upstream's words). */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: 2_000_000_000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

/** SetDefaults_PriorityClass: a class that says nothing lets its pods preempt. */
export function defaultPriorityClass(object: KubeObject): void {
  (object as PriorityClass).preemptionPolicy ??= 'PreemptLowerPriority';
}

/** Why a class may not be stored as it is (ValidatePriorityClass). */
export function validatePriorityClass(object: KubeObject): FieldError[] {
  const priorityClass = object as PriorityClass;
  const name = priorityClass.metadata?.name ?? '';
  const errors: FieldError[] = validateObjectMeta(priorityClass.metadata, false, isDNS1123Subdomain);
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const problem = systemClassProblem(name, priorityClass.value ?? 0, priorityClass.globalDefault ?? false);
    if (problem) errors.push(forbiddenField('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${problem}`));
  } else if ((priorityClass.value ?? 0) > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errors.push(forbiddenField('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const policy = priorityClass.preemptionPolicy;
  if (policy !== undefined && !PREEMPTION_POLICIES.includes(policy)) errors.push(unsupportedField('preemptionPolicy', policy, PREEMPTION_POLICIES));
  return errors;
}

/** What an update may not change (ValidatePriorityClassUpdate): the value, the preemption policy. */
export function validatePriorityClassUpdate(next: KubeObject, stored: KubeObject): FieldError[] {
  const now = next as PriorityClass;
  const was = stored as PriorityClass;
  const errors: FieldError[] = [];
  if ((now.value ?? 0) !== (was.value ?? 0)) errors.push(forbiddenField('value', 'may not be changed in an update.'));
  if (now.preemptionPolicy !== was.preemptionPolicy) errors.push(invalidField('preemptionPolicy', now.preemptionPolicy ?? null, 'field is immutable'));
  return errors;
}

/** Why a `system-` class is not one of the system classes as they are (IsKnownSystemPriorityClass), or undefined. */
function systemClassProblem(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if ((known.globalDefault ?? false) !== globalDefault) return `globalDefault of ${name} PriorityClass must be ${String(known.globalDefault ?? false)}`;
  return undefined;
}

/**
 * Stores the system classes that are missing, as kube-apiserver's start-up hook does (one that is
 * there is left as it is). Run at every start of an apiserver: safe to run again.
 */
export function ensureSystemPriorityClasses(registry: Registry): void {
  for (const priorityClass of SYSTEM_PRIORITY_CLASSES) {
    try {
      registry.create('priorityclasses', undefined, { ...structuredClone(priorityClass), preemptionPolicy: 'PreemptLowerPriority' });
    } catch (error) {
      if (!isStatusError(error, 'AlreadyExists')) throw error;
    }
  }
}
