/**
 * ReplicationControllers (core/v1) as kube-apiserver v1.32 stores them: defaults and validation.
 * Given code, beyond the katas (upstream: `pkg/apis/core/v1/defaults.go`
 * SetDefaults_ReplicationController, `pkg/apis/core/validation` ValidateReplicationController). The
 * cluster's replication manager (controllers' replication-controller.ts) keeps their pods.
 *
 * ```
 * spec {template: {metadata: {labels: {app: web}}, ...}}
 *   stored as {replicas: 1, selector: {app: web}, template: ...}, metadata.labels {app: web}
 * spec {selector: {app: api}, template: {metadata: {labels: {app: web}}, ...}}
 *   spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`
 * ```
 */
import type { KubeObject, ReplicationController, StatusCause } from '@kube/kit';
import { defaultPodSpec } from './defaulting.ts';
import { invalidField, requiredField } from './field-errors.ts';
import { isDNS1123Subdomain } from './names.ts';
import { NON_NEGATIVE_MESSAGE, validateLabels, validateObjectMeta } from './validation.ts';
import { validateRestartingTemplate } from './workload-template.ts';

/**
 * SetDefaults_ReplicationController: the selector, and the controller's own labels, are the
 * template's labels when empty; one replica; the template's pod spec defaulted as a pod's is.
 */
export function defaultReplicationController(rc: ReplicationController): ReplicationController {
  const spec = (rc.spec ??= {});
  const labels = spec.template?.metadata?.labels;
  if (labels) {
    if (Object.keys(spec.selector ?? {}).length === 0) spec.selector = { ...labels };
    if (Object.keys(rc.metadata.labels ?? {}).length === 0) rc.metadata.labels = { ...labels };
  }
  spec.replicas ??= 1;
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
  return rc;
}

/** ValidateReplicationController: the metadata, the counts, a selector that selects the template's labels, a template that restarts Always. */
export function validateReplicationController(obj: KubeObject): StatusCause[] {
  const rc = obj as ReplicationController;
  const errors: StatusCause[] = validateObjectMeta(rc.metadata, true, isDNS1123Subdomain);
  const spec = rc.spec ?? {};
  for (const field of ['replicas', 'minReadySeconds'] as const) {
    const value = spec[field];
    if (value !== undefined && value < 0) errors.push(invalidField(`spec.${field}`, value, NON_NEGATIVE_MESSAGE));
  }
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) errors.push(requiredField('spec.selector'));
  else errors.push(...validateLabels(selector, 'spec.selector'));
  const template = spec.template;
  if (!template) return [...errors, requiredField('spec.template')];
  const labels = template.metadata?.labels ?? {};
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([key, value]) => labels[key] === value)) {
    errors.push(invalidField('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errors.push(...validateRestartingTemplate(template));
  if (template.spec?.activeDeadlineSeconds !== undefined) {
    errors.push(invalidField('spec.template.spec.activeDeadlineSeconds', template.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errors;
}
