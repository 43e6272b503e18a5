/**
 * The selector and pod template of a DaemonSet or StatefulSet, as upstream's apps validation
 * checks them (ValidateDaemonSetSpec, ValidateStatefulSetSpec, through
 * ValidatePodTemplateSpecForStatefulSet and friends): given code beside their strategies. Kata
 * 07's validateDeployment makes the same checks for a Deployment or ReplicaSet in its own words.
 *
 * ```
 * selector {}                         spec.selector: Invalid value: {}: empty selector is invalid for daemonset
 * selector app=a, labels app=b        spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`
 * restartPolicy Never                 spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"
 * ```
 */
import type { LabelSelector, PodTemplateSpec, StatusCause } from '@kube/kit';
import { forbiddenField, invalidField, requiredField, unsupportedField } from './field-errors.ts';
import { selectorMatches, validateAnnotations, validateLabels, validateLabelSelector, validatePodSpec } from './validation.ts';

/**
 * The problems of a workload's `spec.selector` (required, not empty, matching the template's
 * labels) and `spec.template` (valid, restarting `Always`, no activeDeadlineSeconds). `kind` is
 * the workload's kind, as the messages name it: `DaemonSet`, `StatefulSet`.
 */
export function validateSelectorAndTemplate(kind: 'DaemonSet' | 'StatefulSet', selector: LabelSelector | undefined, template: PodTemplateSpec | undefined): StatusCause[] {
  const errors: StatusCause[] = [];
  if (!selector) errors.push(requiredField('spec.selector'));
  else {
    errors.push(...validateLabelSelector(selector, 'spec.selector'));
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      errors.push(invalidField('spec.selector', selector, `empty selector is invalid for ${kind.toLowerCase()}`));
    }
  }
  if (!template) return [...errors, requiredField('spec.template')];
  const labels = template.metadata?.labels ?? {};
  if (selector && errors.length === 0 && !selectorMatches(selector, labels)) {
    errors.push(invalidField('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errors.push(...validateRestartingTemplate(template));
  if (template.spec?.activeDeadlineSeconds !== undefined) {
    errors.push(forbiddenField('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errors;
}

/**
 * A workload's pod template as every workload that keeps its pods running checks it: its labels,
 * annotations and pod spec, and a restartPolicy of `Always` (a DaemonSet's, a StatefulSet's, a
 * ReplicationController's).
 */
export function validateRestartingTemplate(template: PodTemplateSpec): StatusCause[] {
  const errors: StatusCause[] = [
    ...validateLabels(template.metadata?.labels, 'spec.template.metadata.labels'),
    ...validateAnnotations(template.metadata?.annotations, 'spec.template.metadata.annotations'),
    ...validatePodSpec(template.spec, 'spec.template.spec'),
  ];
  const restartPolicy = template.spec?.restartPolicy;
  if (restartPolicy !== undefined && restartPolicy !== 'Always') errors.push(unsupportedField('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  return errors;
}
