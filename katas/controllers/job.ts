/**
 * The Job controller (kube-controller-manager's pkg/controller/job, job_controller.go, v1.32):
 * runs a Job's pods until enough of them succeeded, makes new ones for those that fail, and fails
 * the Job past its backoff limit or its deadline. Given code: no kata builds it; the cluster's
 * controller manager runs it beside Part IV's.
 *
 * ```
 * Job hello: completions 2, parallelism 1, backoffLimit 6
 *   sync   -> startTime; create hello-x7k2p (finalizer batch.kubernetes.io/job-tracking)
 *   hello-x7k2p Succeeded
 *   sync   -> uncountedTerminatedPods.succeeded [uid]; finalizer removed; succeeded 1; create hello-9fj3q
 *   hello-9fj3q Succeeded
 *   sync   -> succeeded 2: SuccessCriteriaMet (CompletionsReached), then, no pod left running,
 *             Complete and completionTime; event Completed "Job completed"
 * ```
 *
 * How finished pods are counted, as upstream does it so that none counts twice or is lost: each
 * pod the controller makes carries the finalizer `batch.kubernetes.io/job-tracking`, so it stays
 * in the API until counted. A finished pod's uid goes into `status.uncountedTerminatedPods` first
 * (a status write), then its finalizer comes off, then it moves into `succeeded` or `failed` (a
 * second write). A pod being deleted before it finished counts as failed (podReplacementPolicy
 * TerminatingOrFailed, the default, also replaces it at once).
 *
 * The conditions are v1.32's: first the interim `SuccessCriteriaMet` or `FailureTarget`, then, once
 * no pod of the Job is running or terminating, `Complete` (with `completionTime`) or `Failed`.
 * A new pod after failures waits 10 s × 2^(failures − 1), at most 6 minutes (upstream's pod
 * failure back-off). `spec.suspend` deletes the running pods (Suspended); `ttlSecondsAfterFinished`
 * deletes a finished Job (in the foreground) that long after it finished, as upstream's
 * ttl-after-finished controller does. Where it simplifies: NonIndexed completions only (the
 * apiserver refuses Indexed Jobs); no podFailurePolicy or successPolicy; no adoption of orphan pods.
 *
 * @example
 * ```ts
 * const controller = new JobController({ client, clock, factory, recorder });
 * factory.start();
 * controller.run();
 * // kubectl create job hello --image=kubekata/logger -- 3; kubectl wait --for=condition=complete job/hello
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import { isDeepStrictEqual } from 'node:util';
import { toRFC3339, type Clock, type Job, type JobCondition, type Pod } from '@kube/kit';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { ControllerExpectations } from './replica-set.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The finalizer that keeps a Job's pod in the API until the controller has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** The first wait before a pod replaces a failed one; it doubles with each failure. */
export const JOB_POD_FAILURE_BACKOFF_MS = 10_000;
/** The longest wait before a replacement pod. */
export const JOB_POD_FAILURE_BACKOFF_MAX_MS = 360_000;

/** The reason and message of each ending, as upstream writes them. */
const ENDINGS = {
  completions: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
  backoffLimit: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  deadline: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
} as const;

/** What a {@link JobController} needs. */
export interface JobControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  recorder?: EventRecorder;
  onError?: (key: string, error: unknown) => void;
}

/** An event a sync records about its Job once its status is written: type, reason, message. */
type JobEvent = ['Normal' | 'Warning', string, string];

/** What a sync found of a Job's pods. */
interface PodCounts {
  active: Pod[];
  terminating: number;
  ready: number;
}

/** Runs each Job's pods to completion. */
export class JobController {
  readonly jobs: SharedIndexInformer<Job>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  /** when each Job (by uid) last had a pod fail: the back-off counts from there */
  private readonly lastFailure = new Map<string, number>();
  /** the pods each Job has created or deleted that the informer has not shown yet (kata 18's) */
  private readonly expectations: ControllerExpectations;
  private workers: Promise<void>[] = [];

  constructor(options: JobControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.expectations = new ControllerExpectations(options.clock);
    this.jobs = options.factory.informerFor<Job>('jobs');
    this.pods = options.factory.pods();
    const enqueueJob = (job: Job | DeletedFinalStateUnknown<Job>) => this.queue.add(job instanceof DeletedFinalStateUnknown ? job.key : `${job.metadata.namespace}/${job.metadata.name}`);
    this.jobs.addEventHandler({ onAdd: enqueueJob, onUpdate: (_old, job) => enqueueJob(job), onDelete: enqueueJob });
    const keyOf = (pod: Pod | undefined) => {
      const owner = pod && jobOf(pod);
      return owner && `${pod.metadata.namespace}/${owner.name}`;
    };
    this.pods.addEventHandler({
      onAdd: (pod) => {
        const key = keyOf(pod);
        if (!key) return;
        this.expectations.creationObserved(key);
        this.queue.add(key);
      },
      onUpdate: (old, pod) => {
        const key = keyOf(pod);
        if (!key) return;
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.expectations.deletionObserved(key);
        this.queue.add(key);
      },
      onDelete: (pod) => {
        const object = pod instanceof DeletedFinalStateUnknown ? pod.obj : pod;
        const key = keyOf(object);
        if (!key) return;
        if (!object?.metadata.deletionTimestamp) this.expectations.deletionObserved(key);
        this.queue.add(key);
      },
    });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncJob(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One Job, read from the cache: its pods counted, made, deleted, and its status written. */
  async syncJob(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    // Asked before the pods are read: a pod seen after this is in the list below too.
    const satisfied = this.expectations.satisfied(key);
    const job = this.jobs.indexer.getByKey(key);
    const owned = this.pods.indexer.byIndex(NAMESPACE_INDEX, namespace).filter((pod) => jobOf(pod)?.name === name);
    if (!job || job.metadata.deletionTimestamp) {
      // Gone or going: its pods need counting no more, and their finalizers must not hold them.
      await this.releasePods(owned.filter((pod) => !job || jobOf(pod)?.uid === job.metadata.uid));
      if (!job) {
        for (const pod of owned) this.lastFailure.delete(jobOf(pod)!.uid);
        this.expectations.delete(key);
      }
      return;
    }
    const pods = owned.filter((pod) => jobOf(pod)?.uid === job.metadata.uid);
    if (isFinished(job)) {
      await this.releasePods(pods);
      return this.expireIfDue(job);
    }
    const status = structuredClone(job.status ?? {});
    let current = await this.countFinishedPods(job, pods, status);
    const counts = countPods(pods);
    const now = this.clock.now();
    // Recorded once the status that says so is written: a sync on a stale cache fails that write.
    const events: JobEvent[] = [];
    if (!job.spec?.suspend) status.startTime ??= toRFC3339(now);
    this.judge(job, pods, counts, status, now);

    const ending = status.conditions?.find((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
    if (ending) {
      await this.deletePods(job, counts.active);
      if (counts.active.length === 0 && counts.terminating === 0) events.push(this.finish(job, status, ending, now));
    } else if (job.spec?.suspend) {
      await this.deletePods(job, counts.active);
      counts.active = [];
      if (!(status.conditions ?? []).some((c) => c.type === 'Suspended' && c.status === 'True')) {
        setCondition(status, 'Suspended', { reason: 'JobSuspended', message: 'Job suspended' }, now);
        events.push(['Normal', 'Suspended', 'Job suspended']);
      }
      delete status.startTime;
    } else if (satisfied) {
      // Only once the informer shows the pods made or deleted before: else it would make them twice.
      events.push(...(await this.manageActive(job, counts, status, now)));
    }
    status.active = counts.active.length;
    status.ready = counts.ready;
    status.terminating = counts.terminating;
    current = await this.writeStatus(current, status);
    for (const [type, reason, message] of events) this.recorder?.event(job, type, reason, message);
    if (status.startTime && job.spec?.activeDeadlineSeconds !== undefined && !ending) {
      const left = Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000 - now;
      if (left > 0) this.queue.addAfter(key, left);
    }
  }

  /**
   * Counts the pods that finished since the last sync: their uids into uncountedTerminatedPods
   * (written), their finalizers off, then into succeeded or failed. Resolves with the Job as
   * written.
   */
  private async countFinishedPods(job: Job, pods: readonly Pod[], status: NonNullable<Job['status']>): Promise<Job> {
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    const known = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const finished = pods.filter((pod) => pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) && (pod.status?.phase === 'Succeeded' || isPodFailed(pod, job)));
    const fresh = finished.filter((pod) => !known.has(pod.metadata.uid!));
    for (const pod of fresh) (pod.status?.phase === 'Succeeded' ? uncounted.succeeded : uncounted.failed).push(pod.metadata.uid!);
    if (fresh.some((pod) => pod.status?.phase !== 'Succeeded')) this.lastFailure.set(job.metadata.uid!, this.clock.now());
    if (uncounted.succeeded.length + uncounted.failed.length === 0) {
      status.uncountedTerminatedPods = {};
      return job;
    }
    const written = fresh.length > 0 ? await this.writeStatus(job, { ...status, uncountedTerminatedPods: uncounted }) : job;
    await this.releasePods(finished);
    // Every uid in the lists has no finalizer now (or its pod is gone): counted.
    status.succeeded = (status.succeeded ?? 0) + uncounted.succeeded.length;
    status.failed = (status.failed ?? 0) + uncounted.failed.length;
    status.uncountedTerminatedPods = {};
    return written;
  }

  /** The interim conditions: enough successes, or too many failures, or past the deadline. */
  private judge(job: Job, pods: readonly Pod[], counts: PodCounts, status: NonNullable<Job['status']>, now: number): void {
    const spec = job.spec!;
    const decided = (status.conditions ?? []).some((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
    if (decided || spec.suspend) return;
    const succeeded = status.succeeded ?? 0;
    const failed = status.failed ?? 0;
    const backoffLimit = spec.backoffLimit ?? 6;
    const pastBackoff = failed > backoffLimit || pastBackoffLimitOnFailure(job, pods);
    const pastDeadline = spec.activeDeadlineSeconds !== undefined && status.startTime !== undefined && now - Date.parse(status.startTime) >= spec.activeDeadlineSeconds * 1000;
    const complete = spec.completions !== undefined ? succeeded >= spec.completions : succeeded > 0 && counts.active.length === 0;
    if (pastBackoff) setCondition(status, 'FailureTarget', ENDINGS.backoffLimit, now);
    else if (pastDeadline) setCondition(status, 'FailureTarget', ENDINGS.deadline, now);
    else if (complete) setCondition(status, 'SuccessCriteriaMet', ENDINGS.completions, now);
  }

  /** The terminal condition, once no pod of the Job runs: Complete (and completionTime) or Failed; and its event. */
  private finish(job: Job, status: NonNullable<Job['status']>, ending: JobCondition, now: number): JobEvent {
    const success = ending.type === 'SuccessCriteriaMet';
    setCondition(status, success ? 'Complete' : 'Failed', { reason: ending.reason ?? '', message: ending.message ?? '' }, now);
    this.lastFailure.delete(job.metadata.uid!);
    if (!success) return ['Warning', ending.reason ?? 'Failed', ending.message ?? ''];
    status.completionTime = toRFC3339(now);
    return ['Normal', 'Completed', 'Job completed'];
  }

  /**
   * Suspension's conditions, then as many running pods as it should have: parallelism, no more
   * than the completions still missing, none more once a Job without completions has a success.
   */
  private async manageActive(job: Job, counts: PodCounts, status: NonNullable<Job['status']>, now: number): Promise<JobEvent[]> {
    const spec = job.spec!;
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    const events: JobEvent[] = [];
    const wasSuspended = (status.conditions ?? []).some((c) => c.type === 'Suspended' && c.status === 'True');
    if (wasSuspended) {
      setCondition(status, 'Suspended', { reason: 'JobResumed', message: 'Job resumed' }, now, 'False');
      status.startTime = toRFC3339(now);
      events.push(['Normal', 'Resumed', 'Job resumed']);
    }
    const succeeded = status.succeeded ?? 0;
    const parallelism = spec.parallelism ?? 1;
    const wanted = spec.completions === undefined ? (succeeded > 0 ? 0 : parallelism) : Math.max(0, Math.min(parallelism, spec.completions - succeeded));
    // podReplacementPolicy Failed: a terminating pod still holds its place until it has failed.
    const holding = counts.active.length + (spec.podReplacementPolicy === 'Failed' ? counts.terminating : 0);
    if (counts.active.length > wanted) {
      const surplus = [...counts.active].sort(deletionOrder).slice(0, counts.active.length - wanted);
      this.expectations.expectDeletions(key, surplus.length);
      await this.deletePods(job, surplus);
      counts.active = counts.active.filter((pod) => !surplus.includes(pod));
      return events;
    }
    const missing = wanted - holding;
    if (missing <= 0) return events;
    const failures = (status.failed ?? 0) + (status.uncountedTerminatedPods?.failed?.length ?? 0);
    const last = this.lastFailure.get(job.metadata.uid!);
    if (failures > 0 && last !== undefined) {
      const wait = Math.min(JOB_POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1), JOB_POD_FAILURE_BACKOFF_MAX_MS) - (now - last);
      if (wait > 0) {
        this.queue.addAfter(key, wait);
        return events;
      }
    }
    this.expectations.expectCreations(key, missing);
    for (let i = 0; i < missing; i++) {
      try {
        counts.active.push(await this.client.pods(job.metadata.namespace).create(podFor(job)));
      } catch (error) {
        // The ones not made will never be seen: stop expecting them.
        for (let j = i; j < missing; j++) this.expectations.creationObserved(key);
        throw error;
      }
    }
    return events;
  }

  /** Deletes the Job's running pods, once each; NotFound is fine (gone already). */
  private async deletePods(job: Job, pods: readonly Pod[]): Promise<void> {
    for (const pod of pods) {
      try {
        await this.client.pods(job.metadata.namespace).delete(pod.metadata.name!);
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
  }

  /** Takes the tracking finalizer off each pod that has it, read fresh; a pod gone is fine. */
  private async releasePods(pods: readonly Pod[]): Promise<void> {
    for (const cached of pods) {
      if (!cached.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) continue;
      const client = this.client.pods(cached.metadata.namespace);
      try {
        const pod = await client.get(cached.metadata.name!);
        if (pod.metadata.uid !== cached.metadata.uid || !pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) continue;
        await client.update({ ...pod, metadata: { ...pod.metadata, finalizers: pod.metadata.finalizers.filter((f) => f !== JOB_TRACKING_FINALIZER) } });
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
  }

  /** ttlSecondsAfterFinished: deletes a finished Job once its time is up, else looks again then. */
  private async expireIfDue(job: Job): Promise<void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    const finishedAt = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.lastTransitionTime;
    if (ttl === undefined || !finishedAt) return;
    const left = Date.parse(finishedAt) + ttl * 1000 - this.clock.now();
    if (left > 0) return this.queue.addAfter(`${job.metadata.namespace}/${job.metadata.name}`, left);
    try {
      await this.client.resource<Job>('jobs', job.metadata.namespace).delete(job.metadata.name!, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid! } });
    } catch (error) {
      if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Conflict')) throw error;
    }
  }

  /**
   * Writes the status if it changed and resolves with the Job as written (the cache's copy is
   * never changed). A Job gone meanwhile is fine; a Conflict fails the sync, which is retried.
   */
  private async writeStatus(job: Job, status: NonNullable<Job['status']>): Promise<Job> {
    const tidy = tidyStatus(status);
    if (isDeepStrictEqual(tidy, job.status ?? {})) return job;
    try {
      return await this.client.resource<Job>('jobs', job.metadata.namespace).updateStatus({ ...job, status: tidy });
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return job;
      throw error;
    }
  }
}

/** The Job a pod's controller reference names. */
function jobOf(pod: Pod): { name: string; uid: string } | undefined {
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Job' && r.apiVersion.startsWith('batch/'));
  return ref && { name: ref.name, uid: ref.uid };
}

/** Has the Job its terminal condition? */
function isFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** Upstream's isPodFailed: Failed, or (unless only failed pods are replaced) deleted before it succeeded. */
function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed') return false;
  return pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded';
}

/** The pods that run (not finished, not being deleted), those terminating, and the ready ones. */
function countPods(pods: readonly Pod[]): PodCounts {
  const finished = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const active = pods.filter((pod) => !finished(pod) && !pod.metadata.deletionTimestamp);
  return {
    active,
    terminating: pods.filter((pod) => !finished(pod) && pod.metadata.deletionTimestamp).length,
    ready: active.filter((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length,
  };
}

/**
 * Upstream's pastBackoffLimitOnFailure: with restartPolicy OnFailure a failure is a container's
 * restart, not a pod's; the restarts of the pods still Pending or Running reach the limit (any
 * restart, for a limit of 0).
 */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  const restarts = pods
    .filter((pod) => pod.status?.phase === 'Running' || pod.status?.phase === 'Pending')
    .flatMap((pod) => [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])])
    .reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** Which surplus pods go first: not scheduled, then not ready, then the newest. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (pod: Pod) => (pod.spec?.nodeName ? 0 : -2) + (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 0 : -1);
  return rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}

/** A pod from the Job's template: its labels, the controller reference, the tracking finalizer. */
function podFor(job: Job): Pod {
  const template = job.spec?.template ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${job.metadata.name}-`,
      namespace: job.metadata.namespace,
      labels: { ...template.metadata?.labels },
      ...(template.metadata?.annotations && { annotations: { ...template.metadata.annotations } }),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name!, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      finalizers: [JOB_TRACKING_FINALIZER],
    },
    spec: structuredClone(template.spec!),
  };
}

/** Sets a condition, keeping its lastTransitionTime when its status does not change. */
function setCondition(status: NonNullable<Job['status']>, type: string, why: { reason: string; message: string }, now: number, value: 'True' | 'False' = 'True'): void {
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === type);
  const time = toRFC3339(now);
  if (existing) {
    if (existing.status !== value) existing.lastTransitionTime = time;
    Object.assign(existing, { status: value, reason: why.reason, message: why.message, lastProbeTime: time });
  } else conditions.push({ type, status: value, lastProbeTime: time, lastTransitionTime: time, reason: why.reason, message: why.message });
}

/** A status as upstream writes it: counts of 0 left out, ready and terminating always there. */
function tidyStatus(status: NonNullable<Job['status']>): NonNullable<Job['status']> {
  const { active, succeeded, failed, ...rest } = status;
  return { ...rest, ...(active ? { active } : {}), ...(succeeded ? { succeeded } : {}), ...(failed ? { failed } : {}), uncountedTerminatedPods: status.uncountedTerminatedPods ?? {} };
}

