/**
 * Jobs and CronJobs (batch/v1): pods that run to completion, made again when they fail, up to a
 * limit; and Jobs made on a schedule. Given, beyond the katas: the cluster's controller manager
 * runs a Job controller (controllers/job.ts) and a CronJob controller (controllers/cronjob.ts)
 * beside Part IV's.
 * @module
 */
import type { ConditionStatus, KubeObject, LabelSelector, ObjectMeta, ObjectReference, Time } from './meta.ts';
import type { PodTemplateSpec } from './pod.ts';

/** How a Job's completions are counted: any `completions` successful pods, or one per index. */
export type CompletionMode = 'NonIndexed' | 'Indexed';

/** When a Job makes a pod to replace one: as soon as it is terminating, or only once it has failed. */
export type PodReplacementPolicy = 'TerminatingOrFailed' | 'Failed';

/** What the Job should run: pods from `template`, `parallelism` at a time, until `completions` succeeded. */
export interface JobSpec {
  /** how many pods at most run at once; default 1 */
  parallelism?: number;
  /** how many pods must succeed; default 1 when parallelism is not set either; unset: the first success (and no pod running) completes it */
  completions?: number;
  /** how long the Job may run, from its startTime, before its pods are stopped and it fails (DeadlineExceeded) */
  activeDeadlineSeconds?: number;
  /** how many failed pods (or, with restartPolicy OnFailure, container restarts) before the Job fails (BackoffLimitExceeded); default 6 */
  backoffLimit?: number;
  /** the pods it counts: generated from the Job's uid unless `manualSelector` */
  selector?: LabelSelector;
  /** the selector is the Job's own, not generated; default false */
  manualSelector?: boolean;
  /** the pods it makes; restartPolicy must be Never or OnFailure */
  template: PodTemplateSpec;
  /** delete the Job this long after it finished (the TTL-after-finished controller) */
  ttlSecondsAfterFinished?: number;
  /** NonIndexed (the default) or Indexed */
  completionMode?: CompletionMode;
  /** no pod runs while it is true (those running are deleted); default false */
  suspend?: boolean;
  /** default TerminatingOrFailed */
  podReplacementPolicy?: PodReplacementPolicy;
}

/** A condition of a Job: Complete, Failed, Suspended, and the interim SuccessCriteriaMet and FailureTarget. */
export interface JobCondition {
  type: 'Complete' | 'Failed' | 'Suspended' | 'SuccessCriteriaMet' | 'FailureTarget' | (string & {});
  status: ConditionStatus;
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
  /** CompletionsReached, BackoffLimitExceeded, DeadlineExceeded, JobSuspended, JobResumed */
  reason?: string;
  message?: string;
}

/** The pods that finished but are not counted in `succeeded` or `failed` yet (their uids). */
export interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}

/** What the Job controller last counted. */
export interface JobStatus {
  conditions?: JobCondition[];
  /** when the controller first saw it (not suspended) */
  startTime?: Time;
  /** when it completed (not set when it failed) */
  completionTime?: Time;
  /** its pods that are running or pending, not terminating */
  active?: number;
  /** its pods that succeeded (counted) */
  succeeded?: number;
  /** its pods that failed (counted) */
  failed?: number;
  /** its pods that are terminating (being deleted, not finished yet) */
  terminating?: number;
  /** its active pods that are Ready */
  ready?: number;
  uncountedTerminatedPods?: UncountedTerminatedPods;
}

/**
 * A Job: runs pods from its template until `completions` of them succeeded, making new ones for
 * those that fail, until `backoffLimit` failures.
 *
 * @example
 * ```ts
 * const job: Job = {
 *   apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'hello', namespace: 'default' },
 *   spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'hello', image: 'kubekata/logger', args: ['3'] }] } } },
 * };
 * ```
 */
export interface Job extends KubeObject {
  apiVersion?: 'batch/v1';
  kind?: 'Job';
  spec?: JobSpec;
  status?: JobStatus;
}

/** What a CronJob does when a run is due while the one before still runs. */
export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

/** The Job a CronJob makes each time: its metadata (labels, annotations) and spec. */
export interface JobTemplateSpec {
  metadata?: ObjectMeta;
  spec?: JobSpec;
}

/** When a CronJob runs and what it keeps. */
export interface CronJobSpec {
  /** cron format, five fields (`*\/5 * * * *`) or a descriptor (`@hourly`) */
  schedule: string;
  /** the IANA time zone the schedule is read in (`Europe/Paris`); default the controller manager's (UTC here) */
  timeZone?: string;
  /** a run this many seconds late is skipped (MissSchedule) */
  startingDeadlineSeconds?: number;
  /** Allow (the default), Forbid or Replace */
  concurrencyPolicy?: ConcurrencyPolicy;
  /** no new run while it is true; default false */
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  /** how many finished successful Jobs to keep; default 3 */
  successfulJobsHistoryLimit?: number;
  /** how many finished failed Jobs to keep; default 1 */
  failedJobsHistoryLimit?: number;
}

/** What the CronJob controller last saw. */
export interface CronJobStatus {
  /** its Jobs still running */
  active?: ObjectReference[];
  /** the time of its last run (the scheduled time, not when the Job started) */
  lastScheduleTime?: Time;
  /** when its last successful Job completed */
  lastSuccessfulTime?: Time;
}

/**
 * A CronJob: makes a Job from its template at each time its schedule names.
 *
 * @example
 * ```ts
 * const cron: CronJob = {
 *   apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'default' },
 *   spec: { schedule: '*\/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'tick', image: 'kubekata/logger' }] } } } } },
 * };
 * ```
 */
export interface CronJob extends KubeObject {
  apiVersion?: 'batch/v1';
  kind?: 'CronJob';
  spec?: CronJobSpec;
  status?: CronJobStatus;
}
