/**
 * The CronJob controller (kube-controller-manager's pkg/controller/cronjob, cronjob_controllerv2.go,
 * v1.32): at each time a CronJob's schedule names, it makes a Job from the CronJob's template,
 * keeps the list of its Jobs still running, and deletes the finished ones past the history limits.
 * Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's.
 *
 * ```
 * CronJob tick, schedule "*\/5 * * * *", created 10:02
 *   sync 10:02  -> nothing due; look again at 10:05
 *   sync 10:05  -> Job tick-29459645 (its name: the scheduled time in minutes since the epoch),
 *                  annotation batch.kubernetes.io/cronjob-scheduled-timestamp 2026-01-05T10:05:00Z;
 *                  status.active [tick-29459645], lastScheduleTime 10:05; event SuccessfulCreate
 *   tick-29459645 Complete
 *   sync        -> off the active list (SawCompletedJob), lastSuccessfulTime; look again at 10:10
 * ```
 *
 * A run that is due while the one before still runs: `Allow` starts it too, `Forbid` skips it
 * (JobAlreadyActive), `Replace` deletes the running Jobs first. A run later than
 * `startingDeadlineSeconds` is skipped (MissSchedule). After a long stop only the most recent
 * missed run starts (more than 100 missed: TooManyMissedTimes). Where it simplifies: without
 * `spec.timeZone` the schedule is read in UTC (upstream: the controller manager's own time zone).
 *
 * @example
 * ```ts
 * const controller = new CronJobController({ client, clock, factory, recorder });
 * factory.start();
 * controller.run();
 * // kubectl create cronjob tick --image=kubekata/logger --schedule='*\/1 * * * *'
 * ```
 */
import { isDeepStrictEqual } from 'node:util';
import { isStatusError, parseCronSchedule, type ApiClient, type CronSchedule } from '@kube/apiserver';
import { toRFC3339, type Clock, type CronJob, type Job, type ObjectReference } from '@kube/kit';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The annotation on each Job with the time it was scheduled for, in the CronJob's time zone. */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** More missed runs than this since the last one (or the creation) is TooManyMissedTimes. */
export const CRONJOB_MAX_MISSED = 100;

/** What a {@link CronJobController} needs. */
export interface CronJobControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  recorder?: EventRecorder;
  onError?: (key: string, error: unknown) => void;
}

/** An event a sync records about its CronJob: type, reason, message. */
type CronJobEvent = ['Normal' | 'Warning', string, string];

/** Makes each CronJob's Jobs on its schedule. */
export class CronJobController {
  readonly cronJobs: SharedIndexInformer<CronJob>;
  readonly jobs: SharedIndexInformer<Job>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: CronJobControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.cronJobs = options.factory.informerFor<CronJob>('cronjobs');
    this.jobs = options.factory.informerFor<Job>('jobs');
    const enqueue = (cronJob: CronJob | DeletedFinalStateUnknown<CronJob>) => this.queue.add(cronJob instanceof DeletedFinalStateUnknown ? cronJob.key : `${cronJob.metadata.namespace}/${cronJob.metadata.name}`);
    this.cronJobs.addEventHandler({ onAdd: enqueue, onUpdate: (_old, cronJob) => enqueue(cronJob), onDelete: enqueue });
    const enqueueOwner = (job: Job | DeletedFinalStateUnknown<Job>) => {
      const object = job instanceof DeletedFinalStateUnknown ? job.obj : job;
      const owner = object && cronJobOf(object);
      if (owner) this.queue.add(`${object.metadata.namespace}/${owner}`);
    };
    this.jobs.addEventHandler({ onAdd: enqueueOwner, onUpdate: (_old, job) => enqueueOwner(job), onDelete: enqueueOwner });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncCronJob(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One CronJob, read from the cache: its Jobs looked at, a due one made, the old ones deleted, its status written. */
  async syncCronJob(key: string): Promise<void> {
    const cronJob = this.cronJobs.indexer.getByKey(key);
    if (!cronJob || cronJob.metadata.deletionTimestamp) return;
    const [namespace = ''] = key.split('/');
    const jobs = this.jobs.indexer.byIndex(NAMESPACE_INDEX, namespace).filter((job) => job.metadata.ownerReferences?.some((r) => r.controller && r.uid === cronJob.metadata.uid));
    const events: CronJobEvent[] = [];
    const current = await this.reconcileJobs(cronJob, jobs, events);
    const { status } = current;
    const created = await this.runIfDue(cronJob, status, events);
    await this.cleanupFinishedJobs(cronJob, jobs, events);
    if (!isDeepStrictEqual(status, current.written ?? {})) {
      try {
        await this.client.resource<CronJob>('cronjobs', namespace).updateStatus({ ...current.cronJob, status });
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
    for (const [type, reason, message] of events) this.recorder?.event(cronJob, type, reason, message);
    if (created) this.recorder?.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${created}`);
    this.requeueAtNextRun(key, cronJob);
  }

  /**
   * The active list against the Jobs there are: finished ones off it, missing ones off. Resolves
   * with the CronJob to write the status of (the cache's, or the API's when the cache was behind),
   * its status as read (`written`) and the status to write (`status`).
   */
  private async reconcileJobs(cached: CronJob, jobs: readonly Job[], events: CronJobEvent[]): Promise<{ cronJob: CronJob; written: CronJob['status']; status: NonNullable<CronJob['status']> }> {
    let cronJob = cached;
    let status = structuredClone(cronJob.status ?? {});
    let active = (status.active ??= []);
    for (const job of jobs) {
      const listed = active.some((ref) => ref.uid === job.metadata.uid);
      const finished = finishedCondition(job);
      if (!listed && !finished) {
        // The cache may not have the status that listed it yet: the API's copy decides, as upstream's GetCronJob does.
        const fresh = await this.client.resource<CronJob>('cronjobs', cronJob.metadata.namespace).get(cronJob.metadata.name!);
        if (fresh.status?.active?.some((ref) => ref.uid === job.metadata.uid)) {
          cronJob = fresh;
          status = structuredClone(fresh.status);
          active = status.active!;
          continue;
        }
        // A Job made by hand (kubectl create job --from=cronjob/...) or one whose status write was
        // lost: upstream warns at each sync and leaves it off the list, so it counts for neither
        // ACTIVE nor the concurrency policy.
        events.push(['Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`]);
      } else if (listed && finished) {
        active.splice(active.findIndex((ref) => ref.uid === job.metadata.uid), 1);
        events.push(['Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished}`]);
      }
      const completed = finished === 'Complete' ? job.status?.completionTime : undefined;
      if (completed && (!status.lastSuccessfulTime || Date.parse(completed) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = completed;
    }
    for (const ref of [...active]) {
      if (jobs.some((job) => job.metadata.uid === ref.uid)) continue;
      // Asked of the API: the cache may be behind a Job just made.
      try {
        await this.client.resource<Job>('jobs', ref.namespace).get(ref.name!);
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
        events.push(['Normal', 'MissingJob', `Active job went missing: ${ref.name}`]);
        active.splice(active.indexOf(ref), 1);
      }
    }
    if (active.length === 0) delete status.active;
    return { cronJob, written: cronJob.status, status };
  }

  /** Makes the Job of the most recent run that is due and not made yet, as the concurrency policy allows; resolves with its name. */
  private async runIfDue(cronJob: CronJob, status: NonNullable<CronJob['status']>, events: CronJobEvent[]): Promise<string | undefined> {
    const spec = cronJob.spec;
    if (!spec || spec.suspend) return undefined;
    const schedule = this.scheduleOf(cronJob, events);
    if (!schedule) return undefined;
    const now = this.clock.now();
    const due = mostRecentRun(cronJob, schedule, now);
    if (due.tooMany) events.push(['Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew']);
    if (due.time === undefined) return undefined;
    if (spec.startingDeadlineSeconds !== undefined && due.time + spec.startingDeadlineSeconds * 1000 < now) {
      events.push(['Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(due.time)}`]);
      return undefined;
    }
    const name = jobNameFor(cronJob, due.time);
    if (status.active?.some((ref) => ref.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === due.time)) return undefined;
    if (spec.concurrencyPolicy === 'Forbid' && (status.active?.length ?? 0) > 0) {
      events.push(['Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid']);
      return undefined;
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of status.active ?? []) {
        await this.deleteJob(ref.namespace!, ref.name!);
        events.push(['Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`]);
      }
      delete status.active;
    }
    let job: Job;
    try {
      job = await this.client.resource<Job>('jobs', cronJob.metadata.namespace).create(jobFor(cronJob, due.time));
    } catch (error) {
      if (isStatusError(error, 'AlreadyExists')) return undefined; // made by an earlier sync whose status write was lost: the Job is on the list next time
      events.push(['Warning', 'FailedCreate', `Error creating job: ${(error as Error).message}`]);
      throw error;
    }
    (status.active ??= []).push(referenceTo(job));
    status.lastScheduleTime = toRFC3339(due.time);
    return job.metadata.name;
  }

  /** Deletes the finished Jobs past the history limits, the oldest first. */
  private async cleanupFinishedJobs(cronJob: CronJob, jobs: readonly Job[], events: CronJobEvent[]): Promise<void> {
    const limits = { Complete: cronJob.spec?.successfulJobsHistoryLimit, Failed: cronJob.spec?.failedJobsHistoryLimit };
    for (const outcome of ['Complete', 'Failed'] as const) {
      const limit = limits[outcome];
      if (limit === undefined) continue;
      const finished = jobs.filter((job) => finishedCondition(job) === outcome && !job.metadata.deletionTimestamp).sort(byStartTime);
      for (const job of finished.slice(0, Math.max(0, finished.length - limit))) {
        await this.deleteJob(job.metadata.namespace!, job.metadata.name!);
        events.push(['Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`]);
      }
    }
  }

  private async deleteJob(namespace: string, name: string): Promise<void> {
    try {
      await this.client.resource<Job>('jobs', namespace).delete(name, { propagationPolicy: 'Background' });
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
    }
  }

  /** The schedule, or undefined with the event that says why not (the apiserver validated it, so rarely). */
  private scheduleOf(cronJob: CronJob, events: CronJobEvent[]): CronSchedule | undefined {
    try {
      return parseCronSchedule(cronJob.spec!.schedule);
    } catch (error) {
      events.push(['Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cronJob.spec!.schedule)} : ${(error as Error).message}`]);
      return undefined;
    }
  }

  /** Looks at the CronJob again just after its next run is due. */
  private requeueAtNextRun(key: string, cronJob: CronJob): void {
    if (cronJob.spec?.suspend) return;
    let schedule: CronSchedule;
    try {
      schedule = parseCronSchedule(cronJob.spec?.schedule ?? '');
    } catch {
      return;
    }
    const now = this.clock.now();
    const next = schedule.next(now, cronJob.spec?.timeZone);
    if (next !== undefined) this.queue.addAfter(key, next - now + 100);
  }
}

/**
 * The most recent time the schedule fired at or before `now` since the last run (or the
 * creation), not earlier than startingDeadlineSeconds ago; and whether more than
 * {@link CRONJOB_MAX_MISSED} runs were missed.
 */
export function mostRecentRun(cronJob: CronJob, schedule: CronSchedule, now: number): { time?: number; tooMany: boolean } {
  const last = cronJob.status?.lastScheduleTime ?? cronJob.metadata.creationTimestamp;
  let earliest = last ? Date.parse(last) : now;
  const deadline = cronJob.spec?.startingDeadlineSeconds;
  if (deadline !== undefined) earliest = Math.max(earliest, now - deadline * 1000);
  const timeZone = cronJob.spec?.timeZone;
  let time: number | undefined;
  let missed = 0;
  for (let t = schedule.next(earliest, timeZone); t !== undefined && t <= now; t = schedule.next(t, timeZone)) {
    time = t;
    if (++missed > CRONJOB_MAX_MISSED) return { time: lastRunBefore(schedule, now, timeZone), tooMany: true };
  }
  return { tooMany: false, ...(time !== undefined && { time }) };
}

/** The last time the schedule fired at or before `now`, looked for in a window that doubles from a minute back. */
function lastRunBefore(schedule: CronSchedule, now: number, timeZone: string | undefined): number | undefined {
  for (let window = 60_000; window <= 6 * 366 * 24 * 3600_000; window *= 2) {
    let last: number | undefined;
    for (let t = schedule.next(now - window, timeZone); t !== undefined && t <= now; t = schedule.next(t, timeZone)) last = t;
    if (last !== undefined) return last;
  }
  return undefined;
}

/** The name of the CronJob that controls a Job. */
function cronJobOf(job: Job): string | undefined {
  return job.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'CronJob')?.name;
}

/** `Complete` or `Failed` once the Job has finished, else undefined. */
function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  const condition = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return condition?.type as 'Complete' | 'Failed' | undefined;
}

/** The Job of the run due at `time`: named after the minute, the template's metadata and spec, the scheduled time as an annotation. */
function jobFor(cronJob: CronJob, time: number): Job {
  const template = cronJob.spec!.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob, time),
      namespace: cronJob.metadata.namespace,
      ...(template.metadata?.labels && { labels: { ...template.metadata.labels } }),
      annotations: { ...template.metadata?.annotations, [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339In(time, cronJob.spec!.timeZone) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name!, uid: cronJob.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(template.spec!),
  };
}

/** `tick-29459645`: the CronJob's name and the scheduled time in minutes since the epoch. */
export function jobNameFor(cronJob: CronJob, time: number): string {
  return `${cronJob.metadata.name}-${Math.floor(time / 60_000)}`;
}

function referenceTo(job: Job): ObjectReference {
  return { kind: 'Job', namespace: job.metadata.namespace!, name: job.metadata.name!, uid: job.metadata.uid!, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion! };
}

/** Oldest first: by status.startTime (none: last), then by name. */
function byStartTime(a: Job, b: Job): number {
  const start = (job: Job) => (job.status?.startTime ? Date.parse(job.status.startTime) : Infinity);
  return start(a) - start(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}


/** A time in RFC 3339 in a time zone, as Go's time.RFC3339 prints it: `2026-01-05T11:05:00+01:00`, or `...Z` in UTC. */
function rfc3339In(ms: number, timeZone = 'UTC'): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]),
  );
  const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  const offset = Math.round((Date.parse(`${local}Z`) - Math.floor(ms / 1000) * 1000) / 60_000);
  if (offset === 0) return `${local}Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Go's time.RFC1123Z, in UTC: `Mon, 05 Jan 2026 10:05:00 +0000`. */
function rfc1123z(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}
