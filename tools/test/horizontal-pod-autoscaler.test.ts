/**
 * HorizontalPodAutoscalers (given code, beyond the katas): the apiserver's autoscaling/v2 defaults
 * and validation (solutions/apiserver/hpa-strategy.ts), autoscaling/v1 served beside it
 * (solutions/apiserver/served-versions.ts) and the horizontal pod autoscaler controller
 * (solutions/controllers/horizontal-pod-autoscaler.ts), as v1.32's: on a cluster without
 * metrics-server, and on metrics the test sets. Deployments and pods are written by the test;
 * time is the cluster's FakeClock. The arithmetic alone is hpa-replicas.test.ts's.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { answerInOtherVersion, ApiHandler, hpaFromV1, hpaToV1, type HorizontalPodAutoscalerV1 } from '@kube/apiserver';
import { HorizontalPodAutoscalerController, HPA_SYNC_PERIOD_MS, NO_RESOURCE_METRICS, type ResourceMetricsClient } from '@kube/controllers';
import { Random, toRFC3339, type Deployment, type HorizontalPodAutoscaler, type HorizontalPodAutoscalerSpec, type MetricSpec, type Pod, type ReplicationController } from '@kube/kit';

/** metrics.k8s.io as the test says: each pod's cpu usage (a quantity), by name; a pod without one has no metrics. */
class SetMetrics implements ResourceMetricsClient {
  readonly cpu = new Map<string, string>();
  at = 0;
  asked: string[] = [];
  constructor(private readonly pods: () => Promise<Pod[]>) {}
  async listPodMetrics(namespace: string, labelSelector: string) {
    this.asked.push(`${namespace} ${labelSelector}`);
    return (await this.pods())
      .filter((pod) => this.cpu.has(pod.metadata.name!))
      .map((pod) => ({ kind: 'PodMetrics' as const, metadata: { name: pod.metadata.name, namespace }, timestamp: toRFC3339(this.at), window: '15s', containers: [{ name: 'web', usage: { cpu: this.cpu.get(pod.metadata.name!)!, memory: '40Mi' } }] }));
  }
}

async function running(withMetrics = false) {
  let metrics: SetMetrics | undefined;
  const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => {
    metrics = withMetrics ? new SetMetrics(async () => (await parts.client.pods('default').list()).items) : undefined;
    return new HorizontalPodAutoscalerController({ ...parts, ...(metrics && { metrics }) });
  });
  const autoscalers = api.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default');
  const deployments = api.deployments('default');
  /** A Deployment "web" of `replicas` (its pods are not needed: the autoscaler reads the replicas it asks for). */
  const deployment = (replicas: number) =>
    deployments.create({ metadata: { name: 'web' }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } } } as Deployment);
  const autoscale = (spec: Partial<HorizontalPodAutoscalerSpec>) => autoscalers.create({ metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec } });
  const replicas = async () => (await deployments.get('web')).spec?.replicas;
  const status = async () => (await autoscalers.get('web')).status;
  const events = () => recorder.events.map((e) => `${e.type} ${e.reason}: ${e.message}`);
  /** A running, long ready pod of web's, requesting `cpu` (none: no request). */
  const pod = async (name: string, cpu?: string) => {
    const created = await api.pods('default').create({ metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo', ...(cpu && { resources: { requests: { cpu } } }) }] } } as Pod);
    const since = toRFC3339(cluster.clock.now() - 3_600_000);
    await api.pods('default').updateStatus({ ...created, status: { phase: 'Running', startTime: since, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since }] } });
  };
  return { cluster, api, autoscalers, deployments, deployment, autoscale, replicas, status, events, errors, stop, metrics: metrics!, pod };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/horizontal-pod-autoscaler.test.ts'), 240_000);
else describe('HorizontalPodAutoscalers', () => {
  it('the apiserver defaults an autoscaler (minReplicas 1, cpu at 80%) and refuses bounds out of order, a metric without its source and a utilization of 0, in upstream\'s words', async () => {
    const { autoscale, autoscalers, stop } = await running();
    const created = await autoscale({});
    expect(created.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] });
    const refused = async (spec: object, message: string) => {
      await expect(autoscalers.create({ metadata: { name: 'bad' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec } as HorizontalPodAutoscalerSpec })).rejects.toThrow(message);
    };
    await refused({ minReplicas: 6 }, 'spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`');
    await refused({ minReplicas: 0 }, 'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1');
    await refused({ metrics: [{ type: 'Resource' }] }, 'spec.metrics[0].resource: Required value: must populate information for the given metric source');
    await refused({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] }, 'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0');
    await refused({ scaleTargetRef: { kind: 'Deployment', name: '' } }, 'spec.scaleTargetRef.name: Required value');
    await stop();
  });

  it('serves autoscaling/v1 beside v2, as kubectl autoscale uses it: a v1 body is stored as v2 and answered as v1, and a v1 patch changes the stored autoscaler', async () => {
    const { cluster, autoscalers, stop } = await running();
    const handler = new ApiHandler({ registry: cluster.registry, clock: cluster.clock, random: new Random(3) });
    const send = (method: string, url: string, body?: object, contentType = 'application/json') =>
      answerInOtherVersion({ method, url, headers: body ? { 'content-type': contentType } : {}, body: body ? JSON.stringify(body) : '' }, (request) => handler.handle(request)) as Promise<{ code: number; body: any }>;
    const v1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
    const made = await send('POST', v1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } });
    expect(made.code).toBe(201);
    expect(made.body).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } });
    expect((await autoscalers.get('web')).spec?.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    const patched = await send('PATCH', `${v1}/web`, { spec: { targetCPUUtilizationPercentage: 70 } }, 'application/merge-patch+json');
    expect(patched.body.spec.targetCPUUtilizationPercentage).toBe(70);
    expect((await autoscalers.get('web')).spec?.metrics?.[0]?.resource?.target.averageUtilization).toBe(70);
    expect((await send('GET', v1)).body).toMatchObject({ kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v1', items: [{ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 70 } }] });
    expect((await send('GET', `${v1}/nope`)).code).toBe(404);
    await stop();
  });

  it('scales a target below minReplicas up and one above maxReplicas down, a sync period after the autoscaler is made, with upstream\'s event and condition', async () => {
    const { cluster, deployment, autoscale, replicas, status, events, deployments, errors, stop } = await running();
    await deployment(1);
    await autoscale({ minReplicas: 2, maxReplicas: 4 });
    await cluster.advance(HPA_SYNC_PERIOD_MS - 1);
    expect(await replicas(), 'a new autoscaler waits a sync period').toBe(1);
    await cluster.advance(1);
    expect(await replicas()).toBe(2);
    expect(events()).toEqual(['Normal SuccessfulRescale: New size: 2; reason: Current number of replicas below Spec.MinReplicas']);
    expect(await status()).toMatchObject({ currentReplicas: 1, desiredReplicas: 2, lastScaleTime: expect.any(String), conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 2' }] });
    const web = await deployments.get('web');
    await deployments.update({ ...web, spec: { ...web.spec!, replicas: 9 } });
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(await replicas()).toBe(4);
    expect(events().at(-1)).toBe('Normal SuccessfulRescale: New size: 4; reason: Current number of replicas above Spec.MaxReplicas');
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('within its bounds asks the metrics, says each failed as a cluster without metrics-server does, and changes nothing', async () => {
    const { cluster, deployment, autoscale, replicas, status, events, stop } = await running();
    await deployment(3);
    await autoscale({ minReplicas: 2 });
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(await replicas()).toBe(3);
    const failed = `failed to get cpu utilization: unable to get metrics for resource cpu: ${NO_RESOURCE_METRICS}`;
    expect(events()).toEqual([`Warning FailedGetResourceMetric: ${failed}`, `Warning FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${failed}`]);
    expect(await status()).toEqual({
      currentReplicas: 3,
      desiredReplicas: 0,
      currentMetrics: [{ type: '' }],
      conditions: [
        { type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:15Z', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" },
        { type: 'ScalingActive', status: 'False', lastTransitionTime: '2026-01-01T00:00:15Z', reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${failed}` },
      ],
    });
    await stop();
  });

  it('on its metrics, scales up to what the pods\' usage over their requests asks for, then holds a scale down for the 5 minutes of stabilization, with upstream\'s events, status and conditions', async () => {
    const { cluster, deployment, autoscale, replicas, status, events, metrics, pod, errors, stop } = await running(true);
    await deployment(2);
    await pod('web-1', '200m');
    await pod('web-2', '200m');
    metrics.cpu.set('web-1', '190m').set('web-2', '210m');
    await autoscale({ minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] });
    metrics.at = cluster.clock.now() + HPA_SYNC_PERIOD_MS;
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(metrics.asked).toEqual(['default app=web']);
    expect(await replicas(), '400m of 400m is 100%, twice the target: 2 × 2').toBe(4);
    expect(events()).toEqual(['Normal SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target']);
    expect(await status()).toMatchObject({
      currentReplicas: 2,
      desiredReplicas: 4,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '200m', averageUtilization: 100 } } }],
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
        { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
      ],
    });

    metrics.cpu.set('web-1', '10m').set('web-2', '10m');
    for (let i = 0; i < 20; i++) {
      metrics.at = cluster.clock.now() + HPA_SYNC_PERIOD_MS;
      await cluster.advance(HPA_SYNC_PERIOD_MS);
      expect(await replicas(), `held at ${(i + 2) * 15} s`).toBe(4);
    }
    expect((await status())?.conditions?.[0]).toMatchObject({ reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(await replicas(), 'the recommendation of 4 is more than 5 minutes old').toBe(1);
    expect(events().at(-1)).toBe('Normal SuccessfulRescale: New size: 1; reason: All metrics below target');
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it("scales a ReplicationController (kubectl autoscale rc) on its pods' metrics, found by its selector, a map of labels", async () => {
    const { cluster, api, autoscalers, metrics, pod, events, errors, stop } = await running(true);
    const controllers = api.resource<ReplicationController>('replicationcontrollers', 'default');
    await controllers.create({ metadata: { name: 'web' }, spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } } });
    await pod('web-1', '100m');
    await pod('web-2', '100m');
    metrics.cpu.set('web-1', '100m').set('web-2', '100m');
    await autoscalers.create({ metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'v1', kind: 'ReplicationController', name: 'web' }, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] } });
    metrics.at = cluster.clock.now() + HPA_SYNC_PERIOD_MS;
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(metrics.asked).toEqual(['default app=web']);
    expect((await controllers.get('web')).spec?.replicas, '100% of the request, twice the target: 2 × 2').toBe(4);
    expect(events()).toEqual(['Normal SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target']);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('says why a resource metric cannot be read, in upstream\'s words: a pod without a request, no metrics yet, a metric only the custom metrics API has', async () => {
    const { cluster, deployment, autoscale, replicas, events, metrics, pod, stop } = await running(true);
    await deployment(2);
    await pod('web-1');
    await autoscale({ minReplicas: 1 });
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(events()[0]).toBe('Warning FailedGetResourceMetric: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
    metrics.cpu.set('web-1', '100m');
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(events()[2]).toBe('Warning FailedGetResourceMetric: failed to get cpu utilization: missing request for cpu in container web of Pod web-1');
    expect(await replicas()).toBe(2);
    await stop();
  });

  it('a target that does not exist is FailedGetScale, and one at 0 replicas is ScalingDisabled and left at 0', async () => {
    const { cluster, deployment, autoscale, replicas, status, events, stop } = await running();
    await autoscale({ minReplicas: 2 });
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(events()).toEqual(['Warning FailedGetScale: deployments.apps "web" not found']);
    expect((await status())?.conditions).toMatchObject([{ type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found' }]);
    await deployment(0);
    await cluster.advance(HPA_SYNC_PERIOD_MS);
    expect(await replicas()).toBe(0);
    expect((await status())?.conditions).toMatchObject([{ type: 'AbleToScale', status: 'True' }, { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' }]);
    await stop();
  });

  /** The story: the target scaled by hand, the autoscaler's bounds changed, sync periods passing. */
  type Model = { min: number; max: number };
  type Real = Awaited<ReturnType<typeof running>>;
  const scaleTo = (n: number): fc.AsyncCommand<Model, Real> => ({
    check: () => true,
    async run(_model, real) {
      const web = await real.deployments.get('web');
      await real.deployments.update({ ...web, spec: { ...web.spec!, replicas: n } });
    },
    toString: () => `kubectl scale deploy/web --replicas=${n}`,
  });
  const bounds = (min: number, span: number): fc.AsyncCommand<Model, Real> => ({
    check: () => true,
    async run(model, real) {
      const hpa = await real.autoscalers.get('web');
      await real.autoscalers.update({ ...hpa, spec: { ...hpa.spec!, minReplicas: min, maxReplicas: min + span } });
      Object.assign(model, { min, max: min + span });
    },
    toString: () => `set the bounds to ${min}..${min + span}`,
  });
  const syncPeriod: fc.AsyncCommand<Model, Real> = {
    check: () => true,
    async run(model, real) {
      const before = (await real.replicas())!;
      await real.cluster.advance(HPA_SYNC_PERIOD_MS);
      const after = (await real.replicas())!;
      const expected = before === 0 ? 0 : Math.min(model.max, Math.max(model.min, before));
      expect(after, `from ${before} within ${model.min}..${model.max}`).toBe(expected);
    },
    toString: () => 'wait 15 s',
  };

  test.prop([fc.commands([fc.nat(9).map(scaleTo), fc.tuple(fc.integer({ min: 1, max: 5 }), fc.nat(3)).map(([min, span]) => bounds(min, span)), fc.constant(syncPeriod)], { maxCommands: 12 })], { numRuns: 20 })(
    'whatever the target is scaled to and the bounds become, a sync period later the target is within the bounds, moved only as far as the nearest bound (and left at 0 when scaled to 0)',
    async (commands) => {
      const real = await running();
      await real.deployment(3);
      await real.autoscale({ minReplicas: 2, maxReplicas: 4 });
      await real.cluster.advance(HPA_SYNC_PERIOD_MS);
      await fc.asyncModelRun(() => ({ model: { min: 2, max: 4 }, real }), commands);
      expect(faults(real.errors)).toEqual([]);
      await real.stop();
    },
  );

  const utilization = fc.integer({ min: 1, max: 200 });
  const metric: fc.Arbitrary<MetricSpec> = fc.oneof(
    utilization.map((u) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: u } } })),
    utilization.map((u) => ({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: u } } })),
    fc.constantFrom('100m', '1', '2Gi').map((v) => ({ type: 'Pods', pods: { metric: { name: 'requests' }, target: { type: 'AverageValue', averageValue: v } } })),
  );
  test.prop([fc.array(metric, { maxLength: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.boolean()], { numRuns: 100 })(
    'an autoscaler shown in autoscaling/v1 and read back is the autoscaler it was (v1 keeps what it has no field for in annotations)',
    (metrics, min, span, withBehavior) => {
      // v1 has one field, for the first cpu utilization target: the stored order puts it first
      const cpu = metrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
      const ordered = cpu ? [cpu, ...metrics.filter((m) => m.type !== 'Resource' || m.resource?.name !== 'cpu')] : metrics;
      const hpa: HorizontalPodAutoscaler = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: 'default', annotations: { team: 'shop' } },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: min, maxReplicas: min + span, ...(ordered.length > 0 && { metrics: ordered }), ...(withBehavior && { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }) },
        status: { currentReplicas: min, desiredReplicas: min, conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: 'ok' }] },
      };
      const shown = hpaToV1(hpa) as HorizontalPodAutoscalerV1;
      expect(shown.apiVersion).toBe('autoscaling/v1');
      expect(shown.spec?.targetCPUUtilizationPercentage).toBe(cpu?.resource?.target.averageUtilization);
      expect(hpaFromV1(shown)).toEqual(hpa);
    },
  );
});
