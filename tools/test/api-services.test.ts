/**
 * APIServices (given code, beyond the katas: solutions/apiserver/api-services.ts): one per
 * group-version the apiserver serves, Local and available, ranked as v1.32 ranks them, a
 * CustomResourceDefinition's included while it is served; computed when read, through
 * computed-resources.ts, as `kubectl get apiservices` reads them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { Admission, API_SERVICES, ApiHandler, computedApiServices, NamespaceDefaulting, Registry, serveCustomResources, toTable, withComputedResources } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type APIService, type CustomResourceDefinition, type Status } from '@kube/kit';

function bench() {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const stored = new Registry({ store: new MvccStore(), clock, random: new Random(5) });
  stored.create('namespaces', undefined, { metadata: { name: 'default' } });
  const registry = withComputedResources(stored, { [API_SERVICES]: computedApiServices(stored) });
  const handler = new ApiHandler({ registry, clock, random: new Random(5), admission: new Admission([new NamespaceDefaulting()], []) });
  const get = async (url: string) => {
    const reply = await handler.handle({ method: 'GET', url, headers: {}, body: '' });
    return { code: reply.code, body: ('body' in reply ? reply.body : undefined) as any };
  };
  return { clock, stored, get };
}

const widgets: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', scope: 'Cluster', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
  status: { acceptedNames: { plural: 'widgets', kind: 'Widget' }, conditions: [{ type: 'Established', status: 'True' }] },
};

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/api-services.test.ts'), 240_000);
else describe('APIServices', () => {
  afterEach(() => void serveCustomResources([]));

  it('lists one Local, available APIService per group-version served, ranked as v1.32 ranks them, and prints them as kubectl get apiservices does', async () => {
    const { get, clock } = bench();
    const list = await get('/apis/apiregistration.k8s.io/v1/apiservices');
    expect(list.code).toBe(200);
    const items = list.body.items as APIService[];
    expect(items.map((item) => item.metadata.name)).toEqual(expect.arrayContaining(['v1.', 'v1.apps', 'v2.autoscaling', 'v1.autoscaling', 'v1.apiextensions.k8s.io', 'v1.apiregistration.k8s.io']));
    const apps = items.find((item) => item.metadata.name === 'v1.apps')!;
    expect(apps.spec).toEqual({ group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 });
    expect(apps.status?.conditions).toEqual([{ type: 'Available', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'Local', message: 'Local APIServices are always available' }]);
    await clock.advance(3 * 24 * 3600_000);
    const table = toTable([apps], 'APIService', clock.now()) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Service', 'Available', 'Age']);
    expect(table.rows[0]!.cells).toEqual(['v1.apps', 'Local', 'True', '3d']);
    const missing = await get('/apis/apiregistration.k8s.io/v1/apiservices/v1.nothing');
    expect((missing.body as Status).message).toBe('apiservices.apiregistration.k8s.io "v1.nothing" not found');
  });

  it('has one for a CustomResourceDefinition\'s group-version while it is served, ranked low', async () => {
    const { get, stored } = bench();
    stored.create('customresourcedefinitions', undefined, widgets);
    serveCustomResources([widgets]);
    const custom = (await get('/apis/apiregistration.k8s.io/v1/apiservices/v1.example.com')).body as APIService;
    expect(custom.spec).toEqual({ group: 'example.com', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 100 });
    expect(custom.metadata.labels).toEqual({ 'kube-aggregator.kubernetes.io/automanaged': 'true' });
    serveCustomResources([]);
    expect((await get('/apis/apiregistration.k8s.io/v1/apiservices/v1.example.com')).code).toBe(404);
  });
});
