/**
 * CronJobs (batch/v1) as kube-apiserver stores them: defaults and validation. Given code, beyond
 * the katas (upstream: `pkg/apis/batch/v1/defaults.go` SetDefaults_CronJob,
 * `pkg/apis/batch/validation/validation.go` ValidateCronJobCreate). The schedule is parsed as the
 * CronJob controller reads it (cron-schedule.ts); the Job template's pod template is checked as a
 * Job's is.
 *
 * ```
 * spec.schedule "*\/61 * * * *"   ->  spec.schedule: Invalid value: "*\/61 * * * *": end of range (61) above maximum (59): *\/61
 * spec.schedule "TZ=UTC 0 * * * *" ->  spec.schedule: Invalid value: ...: cannot use TZ or CRON_TZ in schedule, use timeZone field instead
 * metadata.name of 53 characters  ->  metadata.name: Invalid value: ...: must be no more than 52 characters
 * ```
 */
import type { CronJob, KubeObject, StatusCause } from '@kube/kit';
import { isKnownTimeZone, parseCronSchedule } from './cron-schedule.ts';
import { defaultObjectNamespace, defaultPodSpec } from './defaulting.ts';
import { validateDnsOf } from './dns-validation.ts';
import { defaultEnvironmentOf, validateEnvironmentOf } from './env-validation.ts';
import { defaultVolumesOf } from './volume-defaults.ts';
import { at, invalidField, requiredField, unsupportedField } from './field-errors.ts';
import { validateJobRestartPolicy } from './job-strategy.ts';
import { isDNS1123Subdomain } from './names.ts';
import { validateLabels, validateObjectMeta, validatePodSpec } from './validation.ts';

/** A CronJob's name leaves room for the 11 characters its Jobs' names add (`-29012345`). */
export const CRONJOB_NAME_MAX_LENGTH = 52;

/** SetDefaults_CronJob, and the pod template's defaults (the Job's own come when each Job is made). */
export function defaultCronJob(cronJob: CronJob): void {
  defaultObjectNamespace(cronJob);
  const spec = cronJob.spec;
  if (!spec) return;
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const podSpec = spec.jobTemplate?.spec?.template?.spec;
  if (podSpec) {
    defaultPodSpec(podSpec);
    defaultEnvironmentOf({ ...cronJob, spec: spec.jobTemplate.spec } as KubeObject, true);
    defaultVolumesOf({ ...cronJob, spec: spec.jobTemplate.spec } as KubeObject, true);
  }
}

/** ValidateCronJob: the name, the schedule and time zone, the policies, the Job template. */
export function validateCronJob(obj: KubeObject): StatusCause[] {
  const cronJob = obj as CronJob;
  const errors: StatusCause[] = validateObjectMeta(cronJob.metadata, true, isDNS1123Subdomain);
  const name = cronJob.metadata.name ?? '';
  if (name.length > CRONJOB_NAME_MAX_LENGTH) errors.push(invalidField('metadata.name', name, `must be no more than ${CRONJOB_NAME_MAX_LENGTH} characters`));
  const spec = cronJob.spec;
  if (!spec) return [...errors, requiredField('spec.schedule')];
  if (!spec.schedule) errors.push(requiredField('spec.schedule'));
  else if (/(^|\s)(CRON_)?TZ=/.test(spec.schedule)) errors.push(invalidField('spec.schedule', spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else {
    try {
      parseCronSchedule(spec.schedule);
    } catch (error) {
      errors.push(invalidField('spec.schedule', spec.schedule, (error as Error).message));
    }
  }
  if (spec.timeZone !== undefined) {
    if (spec.timeZone.toLowerCase() === 'local') errors.push(invalidField('spec.timeZone', spec.timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
    else if (!isKnownTimeZone(spec.timeZone)) errors.push(invalidField('spec.timeZone', spec.timeZone, `unknown time zone ${spec.timeZone}`));
  }
  if (spec.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) {
    errors.push(unsupportedField('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  for (const field of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const) {
    const value = spec[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) errors.push(invalidField(at('spec', field), value, 'must be greater than or equal to 0'));
  }
  const jobSpec = spec.jobTemplate?.spec;
  const template = jobSpec?.template;
  if (!template) return [...errors, requiredField('spec.jobTemplate.spec.template')];
  errors.push(...validateLabels(template.metadata?.labels, 'spec.jobTemplate.spec.template.metadata.labels'));
  errors.push(...validatePodSpec(template.spec, 'spec.jobTemplate.spec.template.spec'));
  errors.push(...validateJobRestartPolicy(template.spec?.restartPolicy, 'spec.jobTemplate.spec.template.spec.restartPolicy'));
  if (jobSpec.completionMode === 'Indexed') errors.push(invalidField('spec.jobTemplate.spec.completionMode', 'Indexed', 'this workbook\'s Job controller counts NonIndexed completions only: leave completionMode out'));
  errors.push(
    ...[...validateEnvironmentOf({ ...cronJob, spec: jobSpec } as KubeObject, true), ...validateDnsOf({ ...cronJob, spec: jobSpec } as KubeObject, true)].map((cause) => ({
      ...cause,
      field: cause.field?.replace(/^spec\./, 'spec.jobTemplate.spec.'),
    })),
  );
  return errors;
}
