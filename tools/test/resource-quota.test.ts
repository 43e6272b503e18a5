/**
 * A namespace's budgets (given code, beyond the katas): LimitRanges and the LimitRanger admission
 * plugin (solutions/apiserver/limit-range.ts), ResourceQuotas and the ResourceQuota admission
 * plugin (solutions/apiserver/resource-quota.ts), and the resource quota controller
 * (solutions/controllers/resource-quota.ts), as v1.32's. Requests go through the apiserver's
 * handler with the plugins, as kubectl's do; time is the cluster's FakeClock.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { Admission, ApiHandler, LimitRanger, NamespaceDefaulting, ResourceQuotaAdmission, RESOURCES } from '@kube/apiserver';
import { RESOURCE_QUOTA_RESYNC_MS, ResourceQuotaController } from '@kube/controllers';
import { Random, type Container, type LimitRange, type Pod, type ResourceQuota, type Status } from '@kube/kit';

async function running() {
  const { cluster, api, errors, stop } = await controllerOnCluster((parts) => new ResourceQuotaController(parts));
  const limitRanger = new LimitRanger((namespace) => cluster.registry.list<LimitRange>('limitranges', namespace).items);
  const quota = new ResourceQuotaAdmission(
    {
      list: (namespace) => cluster.registry.list<ResourceQuota>('resourcequotas', namespace).items,
      updateStatus: (charged) => cluster.registry.updateStatus('resourcequotas', charged.metadata.namespace, charged),
    },
    () => cluster.clock.now(),
    (resource) => RESOURCES.get(resource),
  );
  const handler = new ApiHandler({ registry: cluster.registry, clock: cluster.clock, random: new Random(5), admission: new Admission([new NamespaceDefaulting(), limitRanger], [limitRanger, quota]) });
  /** POSTs an object to the default namespace, as kubectl does: the code and the object or Status. */
  const post = async (resource: string, object: object, query = '') => {
    const group = RESOURCES.get(resource)!.apiVersion;
    const prefix = group === 'v1' ? '/api/v1' : `/apis/${group}`;
    const reply = await handler.handle({ method: 'POST', url: `${prefix}/namespaces/default/${resource}${query}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(object) });
    return { code: reply.code, body: ('body' in reply ? reply.body : undefined) as any };
  };
  const refusal = async (resource: string, object: object) => {
    const { code, body } = await post(resource, object);
    expect(code, JSON.stringify(body)).toBe(403);
    return (body as Status).message;
  };
  const quotas = api.resource<ResourceQuota>('resourcequotas', 'default');
  const status = async (name = 'q') => (await quotas.get(name)).status;
  return { cluster, api, handler, post, refusal, quotas, status, errors, stop };
}

/** A pod spec of one container with these requests and limits (none: BestEffort). */
function pod(name: string, resources: Container['resources'] = {}, more: Partial<Pod['spec']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'kubekata/echo', resources }], ...more } } as Pod;
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/resource-quota.test.ts'), 240_000);
else describe('ResourceQuotas and LimitRanges', () => {
  it('the apiserver refuses a quota on what is no quota resource, a negative amount and a scope that does not exist, and stores amounts as Go writes them back', async () => {
    const { quotas, stop } = await running();
    const refused = async (spec: object, message: string) => {
      await expect(quotas.create({ metadata: { name: 'bad' }, spec })).rejects.toThrow(message);
    };
    await refused({ hard: { cpus: '1' } }, 'spec.hard[cpus]: Invalid value: "cpus": must be a standard resource for quota');
    await refused({ hard: { pods: '-1' } }, 'spec.hard[pods]: Invalid value: "-1"');
    await refused({ hard: { 'no spaces': '1' } }, 'spec.hard[no spaces]: Invalid value: "no spaces": name part must consist of alphanumeric characters');
    await refused({ hard: { pods: '1' }, scopes: ['Sometimes'] }, 'spec.scopes[0]: Unsupported value: "Sometimes"');
    const created = await quotas.create({ metadata: { name: 'q' }, spec: { hard: { 'requests.memory': '1024Mi', 'requests.cpu': '0.5', 'count/deployments.apps': '2' } } });
    expect(created.spec?.hard).toEqual({ 'requests.memory': '1Gi', 'requests.cpu': '500m', 'count/deployments.apps': '2' });
    await stop();
  });

  it('the controller writes hard from the spec and used from what the namespace holds, and counts again when a pod finishes or goes', async () => {
    const { api, cluster, post, quotas, status, errors, stop } = await running();
    await post('pods', pod('a', { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '128Mi' } }));
    await post('pods', pod('b', { limits: { cpu: '1' } }));
    await post('configmaps', { metadata: { name: 'settings' }, data: { color: 'blue' } });
    await quotas.create({ metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': '4', 'limits.memory': '1Gi', 'count/configmaps': '5', services: '2' } } });
    await cluster.settle();
    expect(await status()).toEqual({
      hard: { pods: '10', 'requests.cpu': '4', 'limits.memory': '1Gi', 'count/configmaps': '5', services: '2' },
      // b's limit is its request too; only a names a memory limit
      used: { pods: '2', 'requests.cpu': '1250m', 'limits.memory': '128Mi', 'count/configmaps': '1', services: '0' },
    });
    const b = await api.pods('default').get('b');
    await api.pods('default').updateStatus({ ...b, status: { phase: 'Succeeded' } });
    await cluster.settle();
    expect((await status())?.used).toMatchObject({ pods: '1', 'requests.cpu': '250m' });
    await api.pods('default').delete('a', { gracePeriodSeconds: 0 });
    await cluster.settle();
    expect((await status())?.used).toMatchObject({ pods: '0', 'requests.cpu': '0', 'limits.memory': '0' });
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('admission refuses a create over the quota, or a pod that names no cpu request, in upstream\'s words, charges one that fits, and charges nothing on a dry run', async () => {
    const { cluster, post, refusal, quotas, status, stop } = await running();
    await quotas.create({ metadata: { name: 'q' }, spec: { hard: { pods: '2', 'requests.cpu': '1', 'count/deployments.apps': '1' } } });
    // not yet counted by the controller: it caps nothing, as upstream's (it matches on status.hard);
    // the controller's first count may come before its pod cache has the pod, as upstream's may: the periodic one has it
    expect((await post('pods', pod('early', { requests: { cpu: '100m' } }))).code).toBe(201);
    await cluster.advance(RESOURCE_QUOTA_RESYNC_MS);
    expect((await status())?.used).toMatchObject({ pods: '1', 'requests.cpu': '100m' });
    expect(await refusal('pods', pod('bare'))).toBe('pods "bare" is forbidden: failed quota: q: must specify requests.cpu for: app');
    expect((await post('pods', pod('a', { requests: { cpu: '600m' } }))).code).toBe(201);
    expect((await status())?.used).toMatchObject({ pods: '2', 'requests.cpu': '700m' });
    expect(await refusal('pods', pod('b', { requests: { cpu: '100m' } }))).toBe('pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    const deployment = { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } } };
    expect((await post('deployments', deployment, '?dryRun=All')).code).toBe(201);
    expect((await status())?.used?.['count/deployments.apps']).toBe('0');
    expect((await post('deployments', deployment)).code).toBe(201);
    expect(await refusal('deployments', { ...deployment, metadata: { name: 'api' } })).toBe(
      'deployments.apps "api" is forbidden: exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1',
    );
    await stop();
  });

  it('a scoped quota counts only the pods in its scopes, and no other kind', async () => {
    const { cluster, post, refusal, quotas, status, stop } = await running();
    await quotas.create({ metadata: { name: 'q' }, spec: { hard: { pods: '1', configmaps: '0' }, scopes: ['BestEffort'] } });
    await cluster.settle();
    expect((await post('pods', pod('burstable', { requests: { cpu: '100m' } }))).code).toBe(201);
    expect((await post('pods', pod('best-1'))).code).toBe(201);
    expect(await refusal('pods', pod('best-2'))).toBe('pods "best-2" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
    expect((await post('configmaps', { metadata: { name: 'c' } })).code).toBe(201);
    await cluster.settle();
    expect((await status())?.used).toEqual({ pods: '1', configmaps: '0' });
    await stop();
  });

  it('charges a Service made a NodePort its ports, refuses one over services.nodeports, and gives them back when it is a ClusterIP again', async () => {
    const { cluster, handler, post, quotas, status, stop } = await running();
    await quotas.create({ metadata: { name: 'q' }, spec: { hard: { services: '5', 'services.nodeports': '2' } } });
    await cluster.settle();
    const service = (name: string) => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] } });
    expect((await post('services', service('web'))).code).toBe(201);
    expect((await post('services', service('api'))).code).toBe(201);
    const retype = async (name: string, type: string) => {
      const { body } = await handle('GET', `/api/v1/namespaces/default/services/${name}`);
      return handle('PUT', `/api/v1/namespaces/default/services/${name}`, { ...body, spec: { ...body.spec, type } });
    };
    const handle = async (method: string, url: string, body?: object) => {
      const reply = await handler.handle({ method, url, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : '' });
      return { code: reply.code, body: ('body' in reply ? reply.body : undefined) as any };
    };
    expect((await retype('web', 'NodePort')).code).toBe(200);
    expect((await status())?.used).toMatchObject({ services: '2', 'services.nodeports': '2' });
    const refused = await retype('api', 'NodePort');
    expect(refused.code).toBe(403);
    expect(refused.body.message).toBe('services "api" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=2, limited: services.nodeports=2');
    expect((await retype('web', 'ClusterIP')).code).toBe(200);
    await cluster.settle();
    expect((await status())?.used).toMatchObject({ 'services.nodeports': '0' });
    expect((await retype('api', 'NodePort')).code).toBe(200);
    await stop();
  });

  it('the periodic count gives back what admission charged for a create the store then refused', async () => {
    const { cluster, post, quotas, status, stop } = await running();
    await quotas.create({ metadata: { name: 'q' }, spec: { hard: { pods: '5' } } });
    await cluster.settle();
    expect((await post('pods', pod('a'))).code).toBe(201);
    // the same name again: charged (as upstream's), then AlreadyExists from the store
    expect((await post('pods', pod('a'))).code).toBe(409);
    expect((await status())?.used).toEqual({ pods: '2' });
    await cluster.advance(RESOURCE_QUOTA_RESYNC_MS);
    expect((await status())?.used).toEqual({ pods: '1' });
    await stop();
  });

  it('a LimitRange is stored with its defaults filled in, and refused when its amounts are out of order', async () => {
    const { api, stop } = await running();
    const ranges = api.resource<LimitRange>('limitranges', 'default');
    const stored = await ranges.create({ metadata: { name: 'limits' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { memory: '32Mi' } }, { type: 'Pod', max: { memory: '2048Mi' } }] } });
    expect(stored.spec?.limits).toEqual([
      { type: 'Container', max: { cpu: '1' }, min: { memory: '32Mi' }, default: { cpu: '1' }, defaultRequest: { cpu: '1', memory: '32Mi' } },
      { type: 'Pod', max: { memory: '2Gi' } },
    ]);
    await expect(ranges.create({ metadata: { name: 'bad' }, spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] } })).rejects.toThrow(
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
    );
    await expect(ranges.create({ metadata: { name: 'bad' }, spec: { limits: [{ type: 'Pod', max: { cpu: '1' }, default: { cpu: '1' } }] } })).rejects.toThrow(
      "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
    );
    await expect(ranges.create({ metadata: { name: 'bad' }, spec: { limits: [{ type: 'Node', max: { cpu: '1' } }] } })).rejects.toThrow('spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified');
    await stop();
  });

  it('LimitRanger gives a new pod\'s containers the defaults they lack and says so, keeps what they set, and refuses a pod out of bounds with every reason', async () => {
    const { api, post, refusal, stop } = await running();
    await api.resource<LimitRange>('limitranges', 'default').create({
      metadata: { name: 'limits' },
      spec: { limits: [{ type: 'Container', max: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '100m', memory: '256Mi' }, maxLimitRequestRatio: { cpu: '10' } }, { type: 'Pod', max: { memory: '1536Mi' } }] },
    });
    const { code, body } = await post('pods', pod('a', { limits: { memory: '512Mi' } }));
    expect(code, JSON.stringify(body)).toBe(201);
    expect(body.metadata.annotations).toEqual({ 'kubernetes.io/limit-ranger': 'LimitRanger plugin set: cpu request for container app; cpu limit for container app' });
    // the memory limit it named is its request too (Go's defaulting), so no default request for memory
    expect(body.spec.containers[0].resources).toEqual({ limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '512Mi' } });
    expect(await refusal('pods', pod('b', { limits: { cpu: '2', memory: '2Gi' } }))).toBe(
      'pods "b" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi, maximum memory usage per Pod is 1536Mi, but limit is 2Gi]',
    );
    expect(await refusal('pods', pod('c', { requests: { cpu: '50m' }, limits: { cpu: '800m' } }))).toBe(
      'pods "c" is forbidden: cpu max limit to request ratio per Container is 10, but provided ratio is 16.000000',
    );
    await stop();
  });

  /** A cpu amount in thousandths: '700m' is 700, '1' is 1000. */
  const milli = (text: string) => (text.endsWith('m') ? Number(text.slice(0, -1)) : Number(text) * 1000);
  /** The quota's story: pods made (cpu in thousandths), finished, deleted; the controller catching up or not. */
  type Model = { next: number };
  type Real = Awaited<ReturnType<typeof running>>;
  const HARD = { pods: 3, cpu: 1000 };
  /** What the namespace really holds that the quota counts: pods not finished, and their cpu. */
  const held = async (real: Real) => {
    const pods = (await real.api.pods('default').list()).items.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    return { pods: pods.length, cpu: pods.reduce((sum, p) => sum + milli(p.spec!.containers[0]!.resources!.requests!.cpu!), 0) };
  };
  const make = (cpu: number): fc.AsyncCommand<Model, Real> => ({
    check: () => true,
    async run(model, real) {
      const name = `p${model.next++}`;
      const before = await held(real);
      const { code } = await real.post('pods', pod(name, { requests: { cpu: `${cpu}m` } }));
      // refused only when what is charged (used, which may still count a pod that went) leaves no room
      expect([201, 403]).toContain(code);
      const used = (await real.status())!.used!;
      if (code === 403) expect(Number(used.pods) + 1 > HARD.pods || milli(used['requests.cpu']!) + cpu > HARD.cpu, `${name} refused with used ${JSON.stringify(used)}`).toBe(true);
      else expect(Number(used.pods) >= before.pods + 1 && milli(used['requests.cpu']!) >= before.cpu + cpu, `${name} charged: used ${JSON.stringify(used)}`).toBe(true);
      const after = await held(real);
      expect(after.pods).toBeLessThanOrEqual(HARD.pods);
      expect(after.cpu).toBeLessThanOrEqual(HARD.cpu);
    },
    toString: () => `create a pod requesting ${cpu}m`,
  });
  const finishOrDelete = (index: number, how: 'finish' | 'delete'): fc.AsyncCommand<Model, Real> => ({
    check: () => true,
    async run(_model, real) {
      const live = (await real.api.pods('default').list()).items.filter((p) => p.status?.phase !== 'Succeeded');
      const target = live[index % Math.max(1, live.length)];
      if (!target) return;
      if (how === 'delete') await real.api.pods('default').delete(target.metadata.name!, { gracePeriodSeconds: 0 });
      else await real.api.pods('default').updateStatus({ ...target, status: { phase: 'Succeeded' } });
    },
    toString: () => `${how} the live pod #${index}`,
  });
  const settle: fc.AsyncCommand<Model, Real> = {
    check: () => true,
    run: async (_model, real) => real.cluster.settle(),
    toString: () => 'let the controller count',
  };

  test.prop([fc.commands([fc.constantFrom(100, 300, 600).map(make), fc.tuple(fc.nat(4), fc.constantFrom('finish', 'delete' as const)).map(([i, how]) => finishOrDelete(i, how)), fc.constant(settle)], { maxCommands: 14 })], { numRuns: 20 })(
    'whatever pods come and go, the namespace never holds more than the quota, a create is refused only when what is charged leaves no room, and once the controller counts, used is what the namespace holds',
    async (commands) => {
      const real = await running();
      await real.quotas.create({ metadata: { name: 'q' }, spec: { hard: { pods: String(HARD.pods), 'requests.cpu': `${HARD.cpu}m` } } });
      await real.cluster.settle();
      await fc.asyncModelRun(() => ({ model: { next: 0 }, real }), commands);
      // a status write that met the controller's own last one (a Conflict) is tried again after a back-off
      await real.cluster.advance(1_000);
      const used = (await real.status())!.used!;
      const now = await held(real);
      expect(Number(used.pods)).toBe(now.pods);
      expect(used['requests.cpu']).toBe(now.cpu === 0 ? '0' : now.cpu % 1000 === 0 ? String(now.cpu / 1000) : `${now.cpu}m`);
      expect(faults(real.errors)).toEqual([]);
      await real.stop();
    },
  );

  const amount = fc.constantFrom('50m', '100m', '250m', '500m', '1', '2');
  const maybe = <T,>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  const resources = fc.record({ requests: maybe(fc.record({ cpu: amount })), limits: maybe(fc.record({ cpu: amount })) }, { requiredKeys: [] });
  test.prop([resources, fc.record({ default: maybe(amount), defaultRequest: maybe(amount), max: maybe(amount) }, { requiredKeys: [] })], { numRuns: 40 })(
    'LimitRanger only fills in what a container lacks, never changes what it set, and a pod it let in is within the LimitRange\'s max',
    async (given, bounds) => {
      const { api, post, stop } = await running();
      const spec = Object.fromEntries(Object.entries(bounds).filter(([, v]) => v !== undefined).map(([part, v]) => [part, { cpu: v }]));
      const stored = await api.resource<LimitRange>('limitranges', 'default').create({ metadata: { name: 'limits' }, spec: { limits: [{ type: 'Container', ...spec }] } }).catch(() => undefined);
      const clean = JSON.parse(JSON.stringify(given)) as Container['resources'];
      const { code, body } = await post('pods', pod('a', clean));
      if (code === 201) {
        const got = body.spec.containers[0].resources;
        for (const part of ['requests', 'limits'] as const) if (clean?.[part]?.cpu !== undefined) expect(got[part].cpu).toBe(clean[part]!.cpu);
        const max = stored?.spec?.limits[0]?.max?.cpu;
        if (max !== undefined) expect(milli(got.limits.cpu)).toBeLessThanOrEqual(milli(max));
      } else {
        // out of bounds (403), or a request above its limit (422)
        expect([403, 422]).toContain(code);
      }
      await stop();
    },
  );
});
