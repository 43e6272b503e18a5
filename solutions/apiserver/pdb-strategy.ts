/**
 * PodDisruptionBudgets (policy/v1) as kube-apiserver stores them: validation and which pods a
 * budget selects. Given code, beyond the katas (upstream: `pkg/registry/policy/poddisruptionbudget/strategy.go`,
 * `pkg/apis/policy/validation/validation.go`). The status is the disruption controller's, and
 * the eviction subresource's (eviction.ts), never a client's: a create starts it empty.
 *
 * ```
 * kubectl create pdb web --selector=app=web --min-available=2
 *   spec      {minAvailable: 2, selector: {matchLabels: {app: web}}}
 *   status    {currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0}
 *             (until the disruption controller counts the pods)
 * kubectl create pdb web --selector=app=web --min-available=2 --max-unavailable=1
 *   spec: Invalid value: ...: minAvailable and maxUnavailable cannot be both set
 * ```
 */
import type { KubeObject, Pod, PodDisruptionBudget, StatusCause } from '@kube/kit';
import { unsupportedField, invalidField } from './field-errors.ts';
import { validateIntOrPercent } from './int-or-percent.ts';
import { isDNS1123Subdomain } from './names.ts';
import { selectorMatches, validateLabelSelector, validateObjectMeta } from './validation.ts';

/** The values `spec.unhealthyPodEvictionPolicy` may take, as upstream lists them. */
export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

/** ValidatePodDisruptionBudget: the metadata, one of minAvailable and maxUnavailable, each a bound, the selector, the policy. */
export function validatePodDisruptionBudget(obj: KubeObject): StatusCause[] {
  const pdb = obj as PodDisruptionBudget;
  const errors: StatusCause[] = validateObjectMeta(pdb.metadata, true, isDNS1123Subdomain);
  const spec = pdb.spec ?? {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errors.push(invalidField('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (spec.minAvailable !== undefined) errors.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  if (spec.maxUnavailable !== undefined) errors.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  if (spec.selector) errors.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !(UNHEALTHY_POD_EVICTION_POLICIES as readonly string[]).includes(policy)) {
    errors.push(unsupportedField('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errors;
}

/**
 * Does the budget guard the pod? Same namespace, and its selector matches the pod's labels. In
 * policy/v1 an empty selector (`{}`) selects every pod of the namespace, and none at all selects
 * none.
 */
export function budgetSelects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const selector = pdb.spec?.selector;
  return selector !== undefined && pdb.metadata.namespace === pod.metadata.namespace && selectorMatches(selector, pod.metadata.labels);
}
