/**
 * Jobs (batch/v1) as kube-apiserver stores them: defaults, the generated selector, validation and
 * what an update may not change. Given code, beyond the katas (upstream:
 * `pkg/apis/batch/v1/defaults.go`, `pkg/registry/batch/job/strategy.go`,
 * `pkg/apis/batch/validation/validation.go`). The pod template goes through kata 07's
 * `defaultPodSpec` and `validatePodSpec`, as a Deployment's does.
 *
 * ```
 * POST a Job "hello" (uid 1f2e...) with no selector:
 *   spec.selector.matchLabels            {batch.kubernetes.io/controller-uid: 1f2e...}
 *   spec.template.metadata.labels        + batch.kubernetes.io/controller-uid, batch.kubernetes.io/job-name: hello,
 *                                          and the legacy controller-uid, job-name
 *   spec.parallelism 1, completions 1, backoffLimit 6, completionMode NonIndexed, suspend false,
 *   podReplacementPolicy TerminatingOrFailed
 * ```
 *
 * Where it simplifies: Indexed completion mode, podFailurePolicy, successPolicy, managedBy and
 * backoffLimitPerIndex are not served (the controller counts NonIndexed completions only), so an
 * Indexed Job is refused with a message that says so; the template may not change once created
 * (upstream lets a suspended Job that never started change its scheduling directives).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Job, KubeObject, StatusCause } from '@kube/kit';
import { defaultObjectNamespace, defaultPodSpec } from './defaulting.ts';
import { validateDnsOf } from './dns-validation.ts';
import { defaultEnvironmentOf, validateEnvironmentOf } from './env-validation.ts';
import { defaultVolumesOf } from './volume-defaults.ts';
import { at, invalidField, requiredField, unsupportedField } from './field-errors.ts';
import { isDNS1123Subdomain } from './names.ts';
import { selectorMatches, validateLabels, validateLabelSelector, validateObjectMeta, validatePodSpec } from './validation.ts';

/** The label that ties a Job's pods to it (and its selector), by the Job's uid. */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** The label with the Job's name on its pods. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The same two labels as Kubernetes before 1.27 wrote them; still added. */
export const LEGACY_JOB_LABELS = { controllerUid: 'controller-uid', jobName: 'job-name' } as const;

/** SetDefaults_Job, and the pod template's defaults. */
export function defaultJob(job: Job): void {
  defaultObjectNamespace(job);
  const spec = job.spec;
  if (!spec) return;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
  defaultEnvironmentOf(job, true);
  defaultVolumesOf(job, true);
}

/**
 * The strategy's generateSelector: unless `manualSelector`, the template gets the Job's labels
 * (those it does not have already) and the selector matches its uid. Needs the uid, so it runs
 * once the registry has given one.
 */
export function generateJobSelector(job: Job): void {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true) return;
  spec.template ??= {};
  const template = (spec.template.metadata ??= {});
  const labels = (template.labels ??= {});
  const { name = '', uid = '' } = job.metadata;
  for (const key of [LEGACY_JOB_LABELS.jobName, JOB_NAME_LABEL]) labels[key] ??= name;
  for (const key of [LEGACY_JOB_LABELS.controllerUid, JOB_CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  const selector = (spec.selector ??= {});
  const matchLabels = (selector.matchLabels ??= {});
  matchLabels[JOB_CONTROLLER_UID_LABEL] ??= uid;
}

/** ValidateJob: the metadata, the spec's numbers and policies, the selector and the template. */
export function validateJob(obj: KubeObject): StatusCause[] {
  const job = obj as Job;
  const errors: StatusCause[] = validateObjectMeta(job.metadata, true, isDNS1123Subdomain);
  const spec = job.spec;
  if (!spec) return [...errors, requiredField('spec.template')];
  for (const field of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished'] as const) {
    const value = spec[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) errors.push(invalidField(at('spec', field), value, 'must be greater than or equal to 0'));
  }
  if (spec.completionMode !== undefined && !['NonIndexed', 'Indexed'].includes(spec.completionMode)) {
    errors.push(unsupportedField('spec.completionMode', spec.completionMode, ['NonIndexed', 'Indexed']));
  } else if (spec.completionMode === 'Indexed') {
    errors.push(invalidField('spec.completionMode', 'Indexed', 'this workbook\'s Job controller counts NonIndexed completions only: leave completionMode out'));
  }
  if (spec.podReplacementPolicy !== undefined && !['TerminatingOrFailed', 'Failed'].includes(spec.podReplacementPolicy)) {
    errors.push(unsupportedField('spec.podReplacementPolicy', spec.podReplacementPolicy, ['TerminatingOrFailed', 'Failed']));
  }
  const template = spec.template;
  if (!template) return [...errors, requiredField('spec.template')];
  const labels = template.metadata?.labels;
  errors.push(...validateLabels(labels, 'spec.template.metadata.labels'));
  if (!spec.selector) errors.push(requiredField('spec.selector'));
  else {
    errors.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    if (!selectorMatches(spec.selector, labels)) errors.push(invalidField('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
    if (spec.manualSelector !== true && !selectorMatches(spec.selector, { [JOB_CONTROLLER_UID_LABEL]: job.metadata.uid ?? '' })) {
      errors.push(invalidField('spec.selector', spec.selector, '`selector` not auto-generated'));
    }
  }
  errors.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  errors.push(...validateJobRestartPolicy(template.spec?.restartPolicy, 'spec.template.spec.restartPolicy'));
  errors.push(...validateEnvironmentOf(job, true));
  errors.push(...validateDnsOf(job, true));
  return errors;
}

/**
 * A Job's pods must stop: `OnFailure` or `Never`. Upstream's `validateJobSpec` asks for one of them
 * ("Required") when the policy is `Always` or empty, since pod defaulting turns an unset policy into
 * `Always`, and calls any other value unsupported.
 *
 * ```
 * Always     spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"
 * Sometimes  spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"
 * ```
 */
export function validateJobRestartPolicy(policy: string | undefined, field: string): StatusCause[] {
  const valid = ['OnFailure', 'Never'];
  if (policy === 'Always' || !policy) return [requiredField(field, 'valid values: "OnFailure", "Never"')];
  return valid.includes(policy) ? [] : [unsupportedField(field, policy, valid)];
}

/** ValidateJobUpdate, simplified: the selector, the template, completions and the completion mode stay as created. */
export function validateJobUpdate(next: Job, stored: Job): StatusCause[] {
  const now = next.spec;
  const was = stored.spec;
  const errors: StatusCause[] = [];
  for (const field of ['selector', 'template', 'completions', 'completionMode'] as const) {
    if (!isDeepStrictEqual(now?.[field], was?.[field])) errors.push(invalidField(at('spec', field), now?.[field] ?? null, 'field is immutable'));
  }
  return errors;
}
