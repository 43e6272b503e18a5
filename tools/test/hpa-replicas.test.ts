/**
 * The horizontal pod autoscaler's arithmetic (given code): how many replicas a resource metric
 * asks for (controllers/replica-calculator.ts, upstream's replica_calculator.go), and how fast the
 * target may follow (controllers/scale-recommendations.ts, horizontal.go's normalization). The
 * tables' cases with upstream's names are upstream's replica_calculator_test.go cases, in its figures.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { rawResourceReplicas, resourceReplicas, ScaleRecommendations, TOLERANCE, type NormalizeInputs, type PodMetricsInfo } from '@kube/controllers';
import { FakeClock, type HorizontalPodAutoscalerBehavior, type Pod } from '@kube/kit';

const NOW = Date.UTC(2026, 0, 1, 12);
const LONG_AGO = '2026-01-01T10:00:00Z';

/** How a test pod is: ready (the default), not ready, pending, failed, being deleted, or just started and ready a moment ago (hot cpu). */
type PodState = 'ready' | 'unready' | 'pending' | 'failed' | 'deleting' | 'hot';

/** Pods "p-0".."p-n", each requesting `requests[i]` cpu (cores), in `states[i]`. */
function podsOf(requests: number[], states: PodState[] = []): Pod[] {
  return requests.map((cores, i) => {
    const state = states[i] ?? 'ready';
    const started = state === 'hot' ? new Date(NOW - 60_000).toISOString() : LONG_AGO;
    const readySince = state === 'hot' ? new Date(NOW - 5_000).toISOString() : LONG_AGO;
    return {
      metadata: { name: `p-${i}`, namespace: 'shop', ...(state === 'deleting' && { deletionTimestamp: '2026-01-01T11:59:00Z' }) },
      spec: { containers: [{ name: 'app', image: 'kubekata/echo', resources: { requests: { cpu: `${Math.round(cores * 1000)}m`, memory: '100Mi' } } }] },
      status: {
        phase: state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : 'Running',
        startTime: started,
        conditions: [{ type: 'Ready', status: state === 'unready' ? 'False' : 'True', lastTransitionTime: readySince }],
      },
    } as Pod;
  });
}

/** Metrics of `levels[i]` milli-units for pod "p-i" (none where the level is undefined), measured a moment ago over 15 s. */
function metricsOf(levels: (number | undefined)[]): PodMetricsInfo {
  const metrics: PodMetricsInfo = new Map();
  levels.forEach((value, i) => value !== undefined && metrics.set(`p-${i}`, { value, timestamp: NOW - 1_000, windowMs: 15_000 }));
  return metrics;
}

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/hpa-replicas.test.ts'), 240_000);
else {
  describe('replicas for a utilization target', () => {
    const cases: { name: string; current: number; requests: number[]; states?: PodState[]; levels: (number | undefined)[]; target: number; expected: number; utilization: number }[] = [
      { name: 'TestReplicaCalcScaleUp: usage above the target scales up to ceil(ratio × ready pods)', current: 3, requests: [1, 1, 1], levels: [300, 500, 700], target: 30, expected: 5, utilization: 50 },
      { name: 'TestReplicaCalcScaleDown: usage below the target scales down', current: 5, requests: [1, 1, 1, 1, 1], levels: [100, 300, 500, 250, 250], target: 50, expected: 3, utilization: 28 },
      { name: 'TestReplicaCalcTolerance: a ratio within 10% of the target changes nothing', current: 3, requests: [0.9, 1, 1.1], levels: [1010, 1030, 1020], target: 100, expected: 3, utilization: 102 },
      { name: 'TestReplicaCalcScaleUpUnreadyLessScale: an unready pod counts as using nothing on a scale up', current: 3, requests: [1, 1, 1], states: ['unready'], levels: [300, 500, 700], target: 30, expected: 4, utilization: 60 },
      { name: 'TestReplicaCalcScaleUpHotCpuLessScale: a pod whose sample began before it was ready is unready', current: 3, requests: [1, 1, 1], states: ['hot'], levels: [300, 500, 700], target: 30, expected: 4, utilization: 60 },
      { name: 'TestReplicaCalcScaleUpUnreadyNoScale: counting unready pods as idle would turn the scale up round: nothing changes', current: 3, requests: [1, 1, 1], states: ['ready', 'unready', 'unready'], levels: [400, 500, 700], target: 30, expected: 3, utilization: 40 },
      { name: 'counting eight unready pods as idle brings two busy pods\' ratio of 5.25 to 1.05, within tolerance: nothing changes', current: 10, requests: Array(10).fill(1), states: ['ready', 'ready', ...Array(8).fill('unready')], levels: [1050, 1050, ...Array(8).fill(0)], target: 20, expected: 10, utilization: 105 },
      { name: 'TestReplicaCalcScaleUpIgnoresFailedPods: failed pods are not counted at all', current: 2, requests: [1, 1, 1, 1], states: ['ready', 'ready', 'failed', 'failed'], levels: [500, 700, 100, 100], target: 30, expected: 4, utilization: 60 },
      { name: 'TestReplicaCalcScaleUpIgnoresDeletionPods: pods being deleted are not counted at all', current: 2, requests: [1, 1, 1, 1], states: ['ready', 'ready', 'deleting', 'deleting'], levels: [500, 700, 100, 100], target: 30, expected: 4, utilization: 60 },
      { name: 'a pending pod is unready: left out of a scale down', current: 3, requests: [1, 1, 1], states: ['ready', 'ready', 'pending'], levels: [100, 100, undefined], target: 50, expected: 1, utilization: 10 },
      { name: 'a pod without a metric counts as using its whole request on a scale down: 3, not 1', current: 4, requests: [1, 1, 1, 1], levels: [100, 100, 100, undefined], target: 50, expected: 3, utilization: 10 },
      { name: 'a pod without a metric counts as using nothing on a scale up', current: 4, requests: [1, 1, 1, 1], levels: [900, 900, 900, undefined], target: 50, expected: 6, utilization: 90 },
      { name: 'with a target above 100%, a pod without a metric counts as using the target on a scale down', current: 2, requests: [1, 1], levels: [500, undefined], target: 200, expected: 2, utilization: 50 },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const result = resourceReplicas({ currentReplicas: c.current, resource: 'cpu', pods: podsOf(c.requests, c.states), metrics: metricsOf(c.levels), now: NOW, targetUtilization: c.target });
        expect([result.replicas, result.utilization]).toEqual([c.expected, c.utilization]);
      });
    }

    it('reports the average usage of the pods counted, as the status shows it (cpu: 500m)', () => {
      expect(resourceReplicas({ currentReplicas: 3, resource: 'cpu', pods: podsOf([1, 1, 1]), metrics: metricsOf([300, 500, 700]), now: NOW, targetUtilization: 30 }).rawAverage).toBe(500);
    });

    it('trusts a memory sample from a pod that is not ready: only cpu is started up with', () => {
      const pods = podsOf([1, 1], ['ready', 'unready']).map((pod) => ({ ...pod, spec: { containers: [{ ...pod.spec!.containers[0]!, resources: { requests: { memory: '100Mi' } } }] } }));
      const mebibytes = (n: number) => n * 2 ** 20 * 1000;
      expect(resourceReplicas({ currentReplicas: 2, resource: 'memory', pods, metrics: metricsOf([mebibytes(200), mebibytes(200)]), now: NOW, targetUtilization: 50 })).toMatchObject({ replicas: 8, utilization: 200 });
    });

    it('says why it cannot propose, in upstream\'s words', () => {
      const base = { currentReplicas: 2, resource: 'cpu', now: NOW, targetUtilization: 50 };
      expect(() => resourceReplicas({ ...base, pods: [], metrics: metricsOf([100]) })).toThrow('no pods returned by selector while calculating replica count');
      expect(() => resourceReplicas({ ...base, pods: podsOf([1, 1], ['unready', 'pending']), metrics: metricsOf([100, 100]) })).toThrow('did not receive metrics for targeted pods (pods might be unready)');
      const noRequest = podsOf([1]).map((pod) => ({ ...pod, spec: { containers: [{ name: 'app', image: 'kubekata/echo' }] } }));
      expect(() => resourceReplicas({ ...base, pods: noRequest, metrics: metricsOf([100]) })).toThrow('missing request for cpu in container app of Pod p-0');
    });

    it('for an average value target, compares the pods\' average usage with it', () => {
      expect(rawResourceReplicas({ currentReplicas: 3, resource: 'cpu', pods: podsOf([1, 1, 1]), metrics: metricsOf([300, 500, 700]), now: NOW, targetAverage: 250 })).toEqual({ replicas: 6, usage: 500 });
      expect(rawResourceReplicas({ currentReplicas: 3, resource: 'cpu', pods: podsOf([1, 1, 1]), metrics: metricsOf([480, 500, 520]), now: NOW, targetAverage: 500 })).toEqual({ replicas: 3, usage: 500 });
    });

    const pod = fc.record({ state: fc.constantFrom<PodState>('ready', 'ready', 'unready', 'pending', 'hot'), level: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: undefined }), request: fc.integer({ min: 1, max: 4 }) });
    test.prop([fc.array(pod, { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 150 })])(
      'whatever pods are unready or without metrics, the proposal never goes against what the ready pods\' usage asks for',
      (pods, target) => {
        const ready = pods.map((p, i) => ({ ...p, i })).filter((p) => p.state === 'ready' && p.level !== undefined);
        fc.pre(ready.length > 0);
        const used = ready.reduce((sum, p) => sum + p.level!, 0);
        const requested = ready.reduce((sum, p) => sum + p.request * 1000, 0);
        const ratio = Math.trunc((used * 100) / requested) / target;
        const { replicas } = resourceReplicas({ currentReplicas: pods.length, resource: 'cpu', pods: podsOf(pods.map((p) => p.request), pods.map((p) => p.state)), metrics: metricsOf(pods.map((p) => p.level)), now: NOW, targetUtilization: target });
        if (ratio > 1) expect(replicas).toBeGreaterThanOrEqual(pods.length);
        if (ratio < 1) expect(replicas).toBeLessThanOrEqual(pods.length);
        if (Math.abs(1 - ratio) <= TOLERANCE) expect(replicas).toBe(pods.length);
      },
    );

    test.prop([fc.array(fc.record({ level: fc.integer({ min: 0, max: 4000 }), request: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 150 })])(
      'the utilization is a property of the pods\' mix, not of their number: every pod k times over reads the same (metamorphic)',
      (pods, k, target) => {
        const once = resourceReplicas({ currentReplicas: pods.length, resource: 'cpu', pods: podsOf(pods.map((p) => p.request)), metrics: metricsOf(pods.map((p) => p.level)), now: NOW, targetUtilization: target });
        const many = Array.from({ length: k }, () => pods).flat();
        const ktimes = resourceReplicas({ currentReplicas: many.length, resource: 'cpu', pods: podsOf(many.map((p) => p.request)), metrics: metricsOf(many.map((p) => p.level)), now: NOW, targetUtilization: target });
        expect([ktimes.utilization, ktimes.rawAverage]).toEqual([once.utilization, once.rawAverage]);
      },
    );
  });

  describe('how fast the target follows', () => {
    const DEFAULT_BEHAVIOR: HorizontalPodAutoscalerBehavior = {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    };
    const inputs = (currentReplicas: number, desiredReplicas: number, more: Partial<NormalizeInputs> = {}): NormalizeInputs => ({ currentReplicas, desiredReplicas, minReplicas: 1, maxReplicas: 10, behavior: undefined, ...more });

    const cases: { name: string; input: NormalizeInputs; expected: number; limited: string }[] = [
      { name: 'a scale up within the bounds and twice the replicas goes all the way', input: inputs(3, 6), expected: 6, limited: 'False DesiredWithinRange' },
      { name: 'a scale up goes to at most twice the replicas (at least 4) at once', input: inputs(2, 9), expected: 4, limited: 'True ScaleUpLimit' },
      { name: 'a scale up stops at maxReplicas', input: inputs(4, 12, { maxReplicas: 6 }), expected: 6, limited: 'True TooManyReplicas' },
      { name: 'a scale down stops at minReplicas', input: inputs(4, 0, { minReplicas: 2 }), expected: 2, limited: 'True TooFewReplicas' },
      { name: 'with the default behavior, a scale up adds at most 4 pods or doubles, whichever is more', input: inputs(2, 20, { maxReplicas: 50, behavior: DEFAULT_BEHAVIOR }), expected: 6, limited: 'True ScaleUpLimit' },
      { name: 'a behavior whose scale up picks the Min policy takes the smaller step', input: inputs(10, 30, { maxReplicas: 50, behavior: { ...DEFAULT_BEHAVIOR, scaleUp: { ...DEFAULT_BEHAVIOR.scaleUp, selectPolicy: 'Min' } } }), expected: 14, limited: 'True ScaleUpLimit' },
      { name: 'a behavior that removes at most 2 pods a minute removes 2', input: inputs(10, 1, { behavior: { ...DEFAULT_BEHAVIOR, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } } }), expected: 8, limited: 'True ScaleDownLimit' },
      { name: 'a behavior whose scale down is Disabled never scales down', input: inputs(10, 1, { behavior: { ...DEFAULT_BEHAVIOR, scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Disabled', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } } }), expected: 10, limited: 'True ScaleDownLimit' },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const normalized = new ScaleRecommendations(new FakeClock(NOW)).normalize('shop/web', c.input);
        expect([normalized.replicas, `${normalized.scalingLimited.status} ${normalized.scalingLimited.reason}`]).toEqual([c.expected, c.limited]);
      });
    }

    it('holds a scale down at the highest recommendation of the last 5 minutes, then lets it go', async () => {
      const clock = new FakeClock(NOW);
      const recommendations = new ScaleRecommendations(clock);
      recommendations.recordInitial('shop/web', 5);
      await clock.advance(60_000);
      expect(recommendations.normalize('shop/web', inputs(5, 2))).toMatchObject({ replicas: 5, ableToScale: { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' } });
      await clock.advance(241_000);
      expect(recommendations.normalize('shop/web', inputs(5, 2))).toMatchObject({ replicas: 2, ableToScale: { reason: 'ReadyForNewScale' } });
    });

    it('with a behavior, counts the pods it added within a policy\'s period: no more until the period is over', async () => {
      const clock = new FakeClock(NOW);
      const recommendations = new ScaleRecommendations(clock);
      const up = (current: number) => recommendations.normalize('shop/web', inputs(current, 20, { maxReplicas: 50, behavior: DEFAULT_BEHAVIOR })).replicas;
      expect(up(2)).toBe(6);
      recommendations.recordScale('shop/web', DEFAULT_BEHAVIOR, 2, 6);
      await clock.advance(5_000);
      expect(up(6), 'the period began at 2: 2 + 4 is 6').toBe(6);
      await clock.advance(11_000);
      expect(up(6)).toBe(12);
    });

    it('with a scale up stabilization window, a scale up waits for the lowest recommendation of the window', async () => {
      const clock = new FakeClock(NOW);
      const recommendations = new ScaleRecommendations(clock);
      const behavior = { ...DEFAULT_BEHAVIOR, scaleUp: { ...DEFAULT_BEHAVIOR.scaleUp, stabilizationWindowSeconds: 60 } };
      recommendations.recordInitial('shop/web', 3);
      await clock.advance(30_000);
      expect(recommendations.normalize('shop/web', inputs(3, 8, { behavior }))).toMatchObject({ replicas: 3, ableToScale: { reason: 'ScaleUpStabilized' } });
      await clock.advance(31_000);
      expect(recommendations.normalize('shop/web', inputs(3, 8, { behavior })), 'the 3 left the window: 8, limited to 3 + 4').toMatchObject({ replicas: 7, scalingLimited: { reason: 'ScaleUpLimit' } });
    });

    const step = fc.record({ afterSeconds: fc.integer({ min: 1, max: 120 }), desired: fc.integer({ min: 0, max: 30 }) });
    test.prop([fc.array(step, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 20 })])(
      'without a behavior, the target never goes below the highest recommendation of the last 5 minutes, nor above twice itself, nor out of its bounds',
      async (steps, min, span) => {
        const clock = new FakeClock(NOW);
        const recommendations = new ScaleRecommendations(clock);
        const max = min + span;
        let current = min;
        recommendations.recordInitial('k', current);
        const made = [{ replicas: current, at: clock.now() }];
        for (const { afterSeconds, desired } of steps) {
          await clock.advance(afterSeconds * 1000);
          made.push({ replicas: desired, at: clock.now() });
          const highest = Math.max(...made.filter((r) => r.at >= clock.now() - 300_000).map((r) => r.replicas));
          const next = recommendations.normalize('k', { currentReplicas: current, desiredReplicas: desired, minReplicas: min, maxReplicas: max, behavior: undefined }).replicas;
          expect(next).toBe(Math.max(min, Math.min(highest, max, Math.max(2 * current, 4))));
          current = next;
        }
      },
    );

    test.prop([fc.array(step, { minLength: 1, maxLength: 25 })])(
      'with the default behavior, no 15 seconds ever see more than 4 pods or a doubling added',
      async (steps) => {
        const clock = new FakeClock(NOW);
        const recommendations = new ScaleRecommendations(clock);
        let current = 1;
        recommendations.recordInitial('k', current);
        const history = [{ at: clock.now(), replicas: current }];
        for (const { afterSeconds, desired } of steps) {
          await clock.advance(Math.ceil(afterSeconds / 8) * 1000);
          const next = recommendations.normalize('k', { currentReplicas: current, desiredReplicas: desired, minReplicas: 1, maxReplicas: 100, behavior: DEFAULT_BEHAVIOR }).replicas;
          if (next !== current) recommendations.recordScale('k', DEFAULT_BEHAVIOR, current, next);
          current = next;
          history.push({ at: clock.now(), replicas: current });
          // the replicas 15 s ago (at the start of the policies' period) bound what may be there now
          const before = history.filter((h) => h.at <= clock.now() - 15_000).at(-1) ?? history[0]!;
          const lowestSince = Math.min(before.replicas, ...history.filter((h) => h.at > clock.now() - 15_000).map((h) => h.replicas));
          expect(current).toBeLessThanOrEqual(Math.max(lowestSince + 4, lowestSince * 2));
        }
      },
    );
  });
}
