/**
 * The given SeriesEventRecorder (solutions/controllers/event-recorder.ts, the same in katas/): the
 * scheduler's events written the events.k8s.io way, as client-go's tools/events writes them for
 * kube-scheduler — an action and an eventTime, and a repeat kept as a series whose count reaches the
 * API on the second occurrence, when the series ends (6 minutes without one) and every 30 minutes.
 * And the given table printer, which prints a series' count and last time as `kubectl get events`.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ControllerCluster } from '../../test/support/controllers/cluster.ts';
import { SeriesEventRecorder } from '@kube/controllers';
import { toTable } from '@kube/apiserver';
import type { Event, Pod } from '@kube/kit';

const pod = (name: string, resourceVersion = '7'): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion }, spec: { containers: [] } });
const WAITING = '0/1 nodes are available: 1 Insufficient cpu.';

function recording() {
  const cluster = new ControllerCluster();
  const errors: unknown[] = [];
  const recorder = new SeriesEventRecorder({
    client: cluster.client,
    clock: cluster.clock,
    component: 'default-scheduler',
    instance: 'default-scheduler-cp',
    actions: { Scheduled: 'Binding', FailedScheduling: 'Scheduling' },
    onError: (error) => errors.push(error),
  });
  const events = async (): Promise<Event[]> => {
    await recorder.flush();
    return (await cluster.client.events('default').list()).items;
  };
  const waited = (name = 'big') => recorder.event(pod(name), 'Warning', 'FailedScheduling', WAITING);
  return { cluster, recorder, events, waited, errors };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/series-event-recorder.test.ts'), 240_000);
else describe('the scheduler\'s events, the events.k8s.io way', () => {
  it('writes an event with its action, an eventTime in microseconds, the reporter and an empty source: no count, no first or last timestamp', async () => {
    const { recorder, events, errors } = recording();
    recorder.event(pod('web'), 'Normal', 'Scheduled', 'Successfully assigned default/web to node-1');
    const [event, ...others] = await events();
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'default', name: 'web', uid: 'uid-web', resourceVersion: '7' },
      type: 'Normal',
      reason: 'Scheduled',
      action: 'Binding',
      message: 'Successfully assigned default/web to node-1',
      eventTime: '2026-01-01T00:00:00.000000Z',
      source: {},
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-cp',
    });
    expect(event!.metadata.name).toMatch(/^web\.[0-9a-f]+$/);
    expect([event!.count, event!.firstTimestamp, event!.lastTimestamp, event!.series]).toEqual([undefined, undefined, undefined, undefined]);
    expect(errors).toEqual([]);
  });

  it('counts a repeat as a series: written on the second time, kept in memory after, written with its last count once 6 minutes pass without one; then a repeat starts a new event', async () => {
    const { cluster, recorder, events, waited, errors } = recording();
    waited();
    await cluster.advance(10_000);
    waited();
    const second = await events();
    expect(second.map((e) => e.series)).toEqual([{ count: 2, lastObservedTime: '2026-01-01T00:00:10.000000Z' }]);
    await cluster.advance(20_000);
    waited();
    await cluster.advance(30_000);
    waited();
    expect(await events(), 'the third and fourth times: nothing written yet').toEqual(second);
    await cluster.advance(6 * 60_000 + 1);
    recorder.event(pod('other'), 'Normal', 'Scheduled', 'Successfully assigned default/other to node-1'); // the recorder looks at its series when told anything
    const finished = (await events()).find((e) => e.involvedObject.name === 'big')!;
    expect(finished.series).toEqual({ count: 4, lastObservedTime: '2026-01-01T00:01:00.000000Z' });
    waited();
    const big = (await events()).filter((e) => e.involvedObject.name === 'big');
    expect(big.map((e) => e.series?.count ?? 1), 'the finished series, then a new event').toEqual([4, 1]);
    expect(errors).toEqual([]);
  });

  it('writes a series still going after 30 minutes with its count so far, and tells apart the same message about another version of the object', async () => {
    const { cluster, recorder, events, waited, errors } = recording();
    for (let minute = 0; minute <= 36; minute += 4) {
      waited();
      await cluster.advance(4 * 60_000);
    }
    const [event] = await events();
    // written at minute 4 (count 2); at minute 36 more than 30 minutes have passed: the count so far, then the 10th is counted
    expect(event!.series, 'refreshed at minute 36 with the nine before it').toEqual({ count: 9, lastObservedTime: '2026-01-01T00:32:00.000000Z' });
    recorder.event(pod('big', '8'), 'Warning', 'FailedScheduling', WAITING);
    expect((await events()).map((e) => e.involvedObject.resourceVersion)).toEqual(['7', '8']);
    expect(errors).toEqual([]);
  });

  it('makes the event again when it is gone (events expire) by the time its series is written', async () => {
    const { cluster, events, waited, errors } = recording();
    waited();
    const [first] = await events();
    await cluster.client.events('default').delete(first!.metadata.name!);
    waited();
    expect((await events()).map((e) => [e.metadata.name, e.series?.count])).toEqual([[first!.metadata.name, 2]]);
    expect(errors).toEqual([]);
  });

  it('is printed by kubectl get events with its series\' last time and count, and a singleton with its eventTime and a count of 1', () => {
    const base = { apiVersion: 'v1', kind: 'Event', involvedObject: { kind: 'Pod', name: 'big' }, type: 'Warning', reason: 'FailedScheduling', message: WAITING, eventTime: '2026-01-01T00:00:00.000000Z', source: {}, reportingComponent: 'default-scheduler', reportingInstance: 'default-scheduler-cp' };
    const now = Date.parse('2026-01-01T00:10:00Z');
    const cells = (event: object) => (toTable([event as never], 'Event', now) as { rows: { cells: unknown[] }[] }).rows[0]!.cells;
    expect(cells({ ...base, metadata: { name: 'big.1' } })).toEqual(['10m', 'Warning', 'FailedScheduling', 'pod/big', '', 'default-scheduler, default-scheduler-cp', WAITING, '10m', 1, 'big.1']);
    expect(cells({ ...base, metadata: { name: 'big.2' }, series: { count: 5, lastObservedTime: '2026-01-01T00:08:00.000000Z' } })).toEqual(['2m', 'Warning', 'FailedScheduling', 'pod/big', '', 'default-scheduler, default-scheduler-cp', WAITING, '10m', 5, 'big.2']);
  });

  type Step = { pod: 'a' | 'b'; wait: number };
  const step: fc.Arbitrary<Step> = fc.record({ pod: fc.constantFrom<'a' | 'b'>('a', 'b'), wait: fc.constantFrom(0, 1_000, 5 * 60_000, 7 * 60_000, 31 * 60_000) });

  test.prop([fc.array(step, { minLength: 1, maxLength: 12 })])('never writes a count above the occurrences so far, and once every series has ended, the events of a pod add up to how often it happened', async (steps) => {
    const { cluster, recorder, events, waited, errors } = recording();
    const happened = { a: 0, b: 0 };
    const counted = (all: Event[], name: string) => all.filter((e) => e.involvedObject.name === name).reduce((sum, e) => sum + (e.series?.count ?? 1), 0);
    for (const { pod: name, wait } of steps) {
      waited(name);
      happened[name]++;
      for (const event of await events()) expect(event.series?.count ?? 1).toBeLessThanOrEqual(happened[event.involvedObject.name as 'a' | 'b']);
      await cluster.advance(wait);
    }
    await cluster.advance(6 * 60_000 + 1);
    recorder.event(pod('c'), 'Normal', 'Scheduled', 'Successfully assigned default/c to node-1');
    const all = await events();
    expect([counted(all, 'a'), counted(all, 'b')]).toEqual([happened.a, happened.b]);
    expect(errors).toEqual([]);
  });
});
