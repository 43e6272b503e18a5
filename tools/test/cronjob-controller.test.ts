/**
 * CronJobs (given code, beyond the katas): the schedule parser (solutions/apiserver/cron-schedule.ts,
 * robfig/cron's standard syntax), the apiserver's batch/v1 strategy
 * (solutions/apiserver/cronjob-strategy.ts) and the CronJob controller
 * (solutions/controllers/cronjob.ts), as kube-controller-manager v1.32 runs it. The Jobs'
 * outcomes are written by the test; time is the cluster's FakeClock, which starts at
 * 2026-01-01T00:00:00Z.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { parseCronSchedule } from '@kube/apiserver';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, CronJobController } from '@kube/controllers';
import { toRFC3339, type CronJob, type CronJobSpec, type Job } from '@kube/kit';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A CronJob of one container. */
function cronJob(name: string, schedule: string, spec: Partial<CronJobSpec> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: { schedule, ...spec, jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'work', image: 'kubekata/logger' }] } } } } },
  };
}

async function running() {
  const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => new CronJobController(parts));
  const cronJobs = api.resource<CronJob>('cronjobs', 'default');
  const jobs = async () => (await api.resource<Job>('jobs', 'default').list()).items.map((j) => j.metadata.name!).sort();
  /** Ends a Job as the Job controller would. */
  const complete = async (name: string, type: 'Complete' | 'Failed' = 'Complete') => {
    const job = await api.resource<Job>('jobs', 'default').get(name);
    const time = toRFC3339(cluster.clock.now());
    await api.resource<Job>('jobs', 'default').updateStatus({ ...job, status: { startTime: time, ...(type === 'Complete' && { completionTime: time }), conditions: [{ type, status: 'True' }] } });
    await cluster.settle();
  };
  const reasons = () => recorder.events.map((e) => e.reason);
  return { cluster, api, cronJobs, jobs, complete, reasons, recorder, errors, stop };
}

describe('cron schedules, as robfig/cron reads them', () => {
  it.each([
    ['*/15 9-17 * * MON-FRI', '2026-01-02T17:50:00Z', undefined, '2026-01-05T09:00:00.000Z'],
    ['@hourly', '2026-01-02T17:50:00Z', undefined, '2026-01-02T18:00:00.000Z'],
    ['0 0 29 2 *', '2026-01-02T00:00:00Z', undefined, '2028-02-29T00:00:00.000Z'],
    ['0 0 1 * MON', '2026-01-02T00:00:00Z', undefined, '2026-01-05T00:00:00.000Z'],
    ['0 9 * * *', '2026-01-01T00:00:00Z', 'Asia/Tokyo', '2026-01-02T00:00:00.000Z'],
    ['30 2 * * *', '2026-03-28T12:00:00Z', 'Europe/Paris', '2026-03-30T00:30:00.000Z'],
    ['0 0 30 2 *', '2026-01-01T00:00:00Z', undefined, undefined],
  ])('%s after %s (%s) is %s', (spec, after, timeZone, expected) => {
    expect(iso(parseCronSchedule(spec).next(at(after), timeZone))).toBe(expected);
  });

  it.each([
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['* * *', 'expected exactly 5 fields, found 3: [* * *]'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['@often', 'unrecognized descriptor: @often'],
  ])('refuses %s: %s', (spec, message) => {
    expect(() => parseCronSchedule(spec)).toThrow(message);
  });

  const field = (max: number) => fc.oneof(fc.constant('*'), fc.integer({ min: 0, max }).map(String), fc.integer({ min: 1, max: 20 }).map((n) => `*/${n}`), fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`));
  test.prop([field(59), field(23), fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') })])(
    'next is the first minute after the time whose minute and hour the fields name (checked minute by minute)',
    (minute, hour, after) => {
      const matches = (spec: string, value: number) =>
        spec.split(',').some((part) => {
          const [range, step] = part.split('/');
          const [low, high] = range === '*' ? [0, 99] : range!.includes('-') ? range!.split('-').map(Number) : [Number(range), step ? 99 : Number(range)];
          return value >= low! && value <= high! && (value - low!) % Number(step ?? 1) === 0;
        });
      let expected = Math.floor(after / 60_000) * 60_000 + 60_000;
      while (!(matches(minute, new Date(expected).getUTCMinutes()) && matches(hour, new Date(expected).getUTCHours()))) expected += 60_000;
      expect(iso(parseCronSchedule(`${minute} ${hour} * * *`).next(after))).toBe(iso(expected));
    },
  );
});

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/cronjob-controller.test.ts'), 240_000);
else describe('CronJobs', () => {
  it('the apiserver defaults a CronJob and refuses a bad schedule, a TZ= prefix, an unknown time zone and a name too long for its Jobs', async () => {
    const { cronJobs, stop } = await running();
    const created = await cronJobs.create(cronJob('tick', '*/5 * * * *'));
    expect(created.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    await expect(cronJobs.create(cronJob('bad', '61 * * * *'))).rejects.toThrow('spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61');
    await expect(cronJobs.create(cronJob('tz', 'TZ=UTC 0 * * * *'))).rejects.toThrow('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    await expect(cronJobs.create(cronJob('mars', '0 * * * *', { timeZone: 'Mars/Olympus' }))).rejects.toThrow('spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus');
    await expect(cronJobs.create(cronJob('x'.repeat(53), '0 * * * *'))).rejects.toThrow('must be no more than 52 characters');
    await stop();
  });

  it('makes a Job at each scheduled minute, named after it, annotated, owned; takes it off the active list when it completes; keeps 3 successful Jobs', async () => {
    const { cluster, cronJobs, jobs, complete, reasons, errors, stop } = await running();
    await cronJobs.create(cronJob('tick', '*/5 * * * *'));
    // The controller looks again 100 ms after each scheduled time, as upstream does.
    await cluster.advance(5 * 60_000 + 99);
    expect(await jobs()).toEqual([]);
    await cluster.advance(1);
    const name = `tick-${at('2026-01-01T00:05:00Z') / 60_000}`;
    expect(await jobs()).toEqual([name]);
    const job = await cluster.client.inner.resource<Job>('jobs', 'default').get(name);
    expect(job.metadata.annotations).toEqual({ [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: '2026-01-01T00:05:00Z' });
    expect(job.metadata.labels).toEqual({ app: 'tick' });
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'tick', controller: true })]);
    expect((await cronJobs.get('tick')).status).toMatchObject({ active: [{ kind: 'Job', name }], lastScheduleTime: '2026-01-01T00:05:00Z' });
    await complete(name);
    expect((await cronJobs.get('tick')).status).toEqual({ lastScheduleTime: '2026-01-01T00:05:00Z', lastSuccessfulTime: '2026-01-01T00:05:00Z' });
    for (let i = 0; i < 4; i++) {
      await cluster.advance(5 * 60_000);
      const [newest] = (await jobs()).slice(-1);
      await complete(newest!);
    }
    expect(await jobs(), 'the oldest two deleted: successfulJobsHistoryLimit 3').toHaveLength(3);
    expect(reasons().filter((r) => r === 'SuccessfulCreate')).toHaveLength(5);
    expect(reasons().filter((r) => r === 'SuccessfulDelete')).toHaveLength(2);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('Forbid skips a run while one is active (JobAlreadyActive); Replace deletes the running Job first', async () => {
    const { cluster, cronJobs, jobs, reasons, errors, stop } = await running();
    await cronJobs.create(cronJob('once', '* * * * *', { concurrencyPolicy: 'Forbid' }));
    await cluster.advance(60_100);
    await cluster.advance(60_000);
    expect(await jobs()).toHaveLength(1);
    expect(reasons()).toContain('JobAlreadyActive');
    await cronJobs.create(cronJob('latest', '* * * * *', { concurrencyPolicy: 'Replace' }));
    await cluster.advance(60_100);
    const first = (await jobs()).filter((n) => n.startsWith('latest-'));
    await cluster.advance(60_000);
    const second = (await jobs()).filter((n) => n.startsWith('latest-'));
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    expect((await cronJobs.get('latest')).status?.active?.map((r) => r.name)).toEqual(second);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('warns about a Job made by hand from the CronJob (kubectl create job --from) but leaves it off the active list: Forbid still starts the next run', async () => {
    const { cluster, api, cronJobs, jobs, complete, recorder, errors, stop } = await running();
    const owner = await cronJobs.create(cronJob('nightly', '* * * * *', { concurrencyPolicy: 'Forbid' }));
    const template = owner.spec!.jobTemplate;
    await api.resource<Job>('jobs', 'default').create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'by-hand', namespace: 'default', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: owner.metadata.uid!, controller: true }] },
      spec: template.spec,
    });
    await cluster.advance(60_100);
    const scheduled = `nightly-${at('2026-01-01T00:01:00Z') / 60_000}`;
    expect(await jobs()).toEqual(['by-hand', scheduled]);
    expect((await cronJobs.get('nightly')).status?.active?.map((r) => r.name), 'only the Job it made').toEqual([scheduled]);
    const unexpected = recorder.events.filter((e) => e.reason === 'UnexpectedJob').map((e) => e.message);
    expect(unexpected.length).toBeGreaterThan(0);
    expect(new Set(unexpected), 'never the Job it made itself').toEqual(new Set(['Saw a job that the controller did not create or forgot: by-hand']));
    await complete('by-hand');
    expect((await cronJobs.get('nightly')).status?.lastSuccessfulTime, 'a finished Job counts whether listed or not').toBe(toRFC3339(cluster.clock.now()));
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('after a pause, starts only the most recent missed run; more than 100 missed is TooManyMissedTimes; startingDeadlineSeconds skips a run too late', async () => {
    const { cluster, cronJobs, jobs, reasons, errors, stop } = await running();
    await cronJobs.create(cronJob('late', '* * * * *', { suspend: true }));
    await cluster.advance(10 * 60_000 + 30_000);
    await cronJobs.update({ ...(await cronJobs.get('late')), spec: { ...(await cronJobs.get('late')).spec!, suspend: false } });
    await cluster.settle();
    expect(await jobs()).toEqual([`late-${at('2026-01-01T00:10:00Z') / 60_000}`]);
    await cronJobs.create(cronJob('long', '* * * * *', { suspend: true }));
    await cluster.advance(200 * 60_000);
    await cronJobs.update({ ...(await cronJobs.get('long')), spec: { ...(await cronJobs.get('long')).spec!, suspend: false } });
    await cluster.settle();
    expect(reasons()).toContain('TooManyMissedTimes');
    expect((await jobs()).filter((n) => n.startsWith('long-'))).toEqual([`long-${Math.floor(cluster.clock.now() / 60_000)}`]);
    await cronJobs.create(cronJob('strict', '0 * * * *', { startingDeadlineSeconds: 10, suspend: true }));
    await cluster.advance(60 * 60_000);
    await cluster.advance(30_000); // 30 s past the hour: later than the 10 s allowed
    await cronJobs.update({ ...(await cronJobs.get('strict')), spec: { ...(await cronJobs.get('strict')).spec!, suspend: false } });
    await cluster.settle();
    expect((await jobs()).filter((n) => n.startsWith('strict-'))).toEqual([]);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('reads the schedule in spec.timeZone, and writes the scheduled time in it', async () => {
    const { cluster, cronJobs, jobs, stop } = await running();
    await cronJobs.create(cronJob('tokyo', '0 9 * * *', { timeZone: 'Asia/Tokyo' }));
    await cluster.advance(24 * 3600_000 + 100); // 09:00 in Tokyo is 00:00 UTC
    const [name] = await jobs();
    expect(name).toBe(`tokyo-${at('2026-01-02T00:00:00Z') / 60_000}`);
    const job = await cluster.client.inner.resource<Job>('jobs', 'default').get(name!);
    expect(job.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]).toBe('2026-01-02T09:00:00+09:00');
    await stop();
  });
});
