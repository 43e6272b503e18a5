/**
 * The resource metrics API (given code: apiserver/resource-metrics.ts, served by the HTTP server
 * beside the rest) and metrics-server (cluster/metrics-server.ts), which scrapes every kubelet's
 * Summary API for it: what `kubectl top` and the horizontal pod autoscaler read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { ApiServer, cpuQuantity, goDuration, HttpClient, memoryQuantity, parseQuantity, Registry, ResourceMetricsApi, type Authorizer, type MetricsPoint, type PodMetrics, type ResourceMetricsSource, type Usage } from '@kube/apiserver';
import { MetricsServer, METRIC_RESOLUTION_MS } from '@kube/cluster';
import { goDurationMs } from '@kube/controllers';
import { FakeClock, Random, type Node, type Pod } from '@kube/kit';
import type { Summary } from '@kube/kubelet';

const START = Date.UTC(2026, 0, 1);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Figures the test sets, by node name and by `namespace/name`. */
class SetFigures implements ResourceMetricsSource {
  readonly nodes = new Map<string, MetricsPoint & { usage: Usage }>();
  readonly pods = new Map<string, MetricsPoint & { containers: { name: string; usage: Usage }[] }>();
  node = (name: string) => this.nodes.get(name);
  pod = (namespace: string, name: string) => this.pods.get(`${namespace}/${name}`);
}

const usage = (milliCores: number, mebibytes: number): Usage => ({ cpuNanoCores: milliCores * 1e6, memoryBytes: mebibytes * 2 ** 20 });

function setUp() {
  const { store, watchable } = testStore();
  const clock = new FakeClock(START);
  const registry = new Registry({ store, watchable, clock, random: new Random(7) });
  for (const namespace of ['shop', 'ops']) registry.create('namespaces', undefined, { metadata: { name: namespace } });
  const pod = (namespace: string, name: string, labels: Record<string, string>) => registry.create<Pod>('pods', namespace, { metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'kubekata/echo' }] } } as Pod);
  pod('shop', 'web-1', { app: 'web' });
  pod('shop', 'web-2', { app: 'web' });
  pod('shop', 'db-1', { app: 'db' });
  pod('ops', 'mon-1', { app: 'mon' });
  for (const name of ['node-1', 'node-2']) registry.create<Node>('nodes', undefined, { metadata: { name, labels: { zone: name === 'node-1' ? 'a' : 'b' } } });
  const figures = new SetFigures();
  const at = { timestamp: START - 2_000, windowMs: 15_002 };
  figures.pods.set('shop/web-1', { ...at, containers: [{ name: 'app', usage: usage(250, 40) }] });
  figures.pods.set('shop/db-1', { ...at, containers: [{ name: 'app', usage: usage(5, 100) }, { name: 'log', usage: usage(1, 8) }] });
  figures.pods.set('ops/mon-1', { ...at, containers: [{ name: 'app', usage: usage(0, 12) }] });
  figures.nodes.set('node-1', { ...at, usage: usage(1_050, 546) });
  const api = new ResourceMetricsApi(registry, figures, clock);
  const send = (url: string, options: { method?: string; accept?: string; authorizer?: Authorizer } = {}) => api.answer(options.method ?? 'GET', url, { accept: options.accept ?? 'application/json' }, undefined, options.authorizer);
  return { registry, clock, figures, api, send };
}

const names = (answer: { body: unknown }) => (answer.body as { items: { metadata: { name: string } }[] }).items.map((item) => item.metadata.name);

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/resource-metrics.test.ts'), 240_000);
else {
  describe('the resource metrics API (metrics.k8s.io/v1beta1)', () => {
    it("answers a pod's metrics as metrics-server does: its containers' usage as quantities, the window as a Go duration, the pod's labels", () => {
      const { send } = setUp();
      expect(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-1')).toEqual({
        code: 200,
        body: {
          kind: 'PodMetrics',
          apiVersion: 'metrics.k8s.io/v1beta1',
          metadata: { name: 'web-1', namespace: 'shop', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'web' } },
          timestamp: '2025-12-31T23:59:58Z',
          window: '15.002s',
          containers: [{ name: 'app', usage: { cpu: '250m', memory: '40Mi' } }],
        },
      });
    });

    it('lists the pods the store has that the selectors match, in one namespace or all, and leaves out those without figures yet', () => {
      const { send } = setUp();
      const list = send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods');
      expect(list.body).toMatchObject({ kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {} });
      expect(names(list), 'web-2 has no figures yet').toEqual(['db-1', 'web-1']);
      expect(names(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dweb'))).toEqual(['web-1']);
      expect(names(send('/apis/metrics.k8s.io/v1beta1/pods'))).toEqual(['mon-1', 'db-1', 'web-1']);
      expect(names(send('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Dops'))).toEqual(['mon-1']);
      // matched against the metadata only, as metrics-server's lister holds it: any other field is ""
      expect(names(send('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dnode-1'))).toEqual([]);
      expect(names(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?fieldSelector=spec.nodeName!%3Dnode-1,metadata.name!%3Dweb-1'))).toEqual(['db-1']);
      expect(names(send('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Da'))).toEqual(['node-1']);
      expect(names(send('/apis/metrics.k8s.io/v1beta1/nodes'))).toEqual(['node-1']);
    });

    it("says which is missing in a get, as metrics-server does: the pod itself, or only its metrics", () => {
      const { send } = setUp();
      expect(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/nope')).toMatchObject({ code: 404, body: { reason: 'NotFound', message: 'pods "nope" not found' } });
      expect(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-2')).toMatchObject({ code: 404, body: { message: 'podmetrics.metrics.k8s.io "shop/web-2" not found' } });
      expect(send('/apis/metrics.k8s.io/v1beta1/nodes/node-2')).toMatchObject({ code: 404, body: { message: 'nodemetrics.metrics.k8s.io "node-2" not found' } });
      expect(send('/apis/metrics.k8s.io/v1beta1/nodes/node-3')).toMatchObject({ code: 404, body: { message: 'nodes "node-3" not found' } });
    });

    it('refuses what the API does not serve: a write, a watch, nodes in a namespace, a selector it cannot read', () => {
      const { send } = setUp();
      expect(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-1', { method: 'DELETE' }).code).toBe(405);
      expect(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?watch=true').code).toBe(405);
      expect(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/nodes').code).toBe(404);
      expect(send('/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%20in%20(web').code).toBe(400);
      expect(send('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name').code).toBe(400);
    });

    it('answers kubectl get podmetrics with a Table of Name, CPU, Memory and Window, a pod\'s containers summed', () => {
      const { send } = setUp();
      const table = send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }).body as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
      expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'CPU', 'Memory', 'Window']);
      expect(table.rows.map((r) => r.cells)).toEqual([
        ['db-1', '6m', '108Mi', '15.002s'],
        ['web-1', '250m', '40Mi', '15.002s'],
      ]);
    });

    it('asks whether the user may get or list pods (or nodes) in metrics.k8s.io, and answers 403 when not', () => {
      const { send } = setUp();
      const asked: unknown[] = [];
      const authorizer: Authorizer = { authorize: (attributes) => (asked.push(attributes), { allowed: false, reason: '' }) };
      expect(send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', { authorizer }).code).toBe(403);
      expect(send('/apis/metrics.k8s.io/v1beta1/nodes/node-1', { authorizer }).code).toBe(403);
      expect(asked).toMatchObject([
        { verb: 'list', apiGroup: 'metrics.k8s.io', apiVersion: 'v1beta1', resource: 'pods', namespace: 'shop', name: '' },
        { verb: 'get', apiGroup: 'metrics.k8s.io', resource: 'nodes', namespace: '', name: 'node-1' },
      ]);
    });

    it('is discovered as an aggregated API is, over HTTP: /apis lists the group last, its resource list names NodeMetrics and PodMetrics, the APIService names metrics-server', async () => {
      const { registry, clock, figures } = setUp();
      const server = new ApiServer({ registry, clock, host: '127.0.61.1', resourceMetrics: figures });
      await server.start();
      cleanups.push(() => server.stop());
      const client = new HttpClient(server.url);
      const groups = (await client.get<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>('/apis')).groups;
      expect(groups.at(-1)).toEqual({ name: 'metrics.k8s.io', versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }], preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' } });
      expect(await client.get('/apis/metrics.k8s.io/v1beta1')).toMatchObject({ kind: 'APIResourceList', groupVersion: 'metrics.k8s.io/v1beta1', resources: [{ name: 'nodes', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'] }, { name: 'pods', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'] }] });
      expect(await client.get('/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io')).toMatchObject({ spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { namespace: 'kube-system', name: 'metrics-server' } }, status: { conditions: [{ type: 'Available', status: 'True' }] } });
      expect((await client.get<PodMetrics>('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-1')).containers).toEqual([{ name: 'app', usage: { cpu: '250m', memory: '40Mi' } }]);
      // kubectl explain podmetrics: the index names the document, which carries the kinds and what they refer to
      const index = await client.get<{ paths: Record<string, { serverRelativeURL: string }> }>('/openapi/v3');
      const document = await client.get<{ components: { schemas: Record<string, { 'x-kubernetes-group-version-kind'?: unknown[]; properties?: Record<string, unknown> }> } }>(index.paths['apis/metrics.k8s.io/v1beta1']!.serverRelativeURL);
      const podMetrics = document.components.schemas['io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics']!;
      expect(podMetrics['x-kubernetes-group-version-kind']).toEqual([{ group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics' }]);
      expect(Object.keys(podMetrics.properties!)).toEqual(['apiVersion', 'kind', 'metadata', 'timestamp', 'window', 'containers']);
      expect(document.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'], 'what metadata refers to is in the document').toBeDefined();
    });

    it('is not served at all by an apiserver without metrics-server: the 404 the autoscaler reports, and no group in /apis', async () => {
      const { registry, clock } = setUp();
      const server = new ApiServer({ registry, clock, host: '127.0.61.2' });
      await server.start();
      cleanups.push(() => server.stop());
      const client = new HttpClient(server.url);
      await expect(client.get('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods')).rejects.toMatchObject({ status: { code: 404 } });
      expect((await client.get<{ groups: { name: string }[] }>('/apis')).groups.map((g) => g.name)).not.toContain('metrics.k8s.io');
      expect(Object.keys((await client.get<{ paths: object }>('/openapi/v3')).paths)).not.toContain('apis/metrics.k8s.io/v1beta1');
    });

    test.prop([fc.nat({ max: 64 * 1e9 })])('a CPU rate is written as the exact quantity metrics-server writes, and reads back to the same nanocores', (nanoCores) => {
      const text = cpuQuantity(nanoCores);
      expect(text).toMatch(/^(0|[1-9]\d*[num]?)$/);
      expect(parseQuantity(text).cmp(parseQuantity(`${nanoCores}n`))).toBe(0);
    });

    test.prop([fc.nat({ max: 2 ** 40 })])('a memory figure is written in the largest binary unit that keeps it whole, and reads back to the same bytes', (bytes) => {
      const text = memoryQuantity(bytes);
      expect(parseQuantity(text).value()).toBe(bytes);
      const [, digits = '0', suffix] = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(text)!;
      if (suffix !== 'Ti') expect(Number(digits) % 1024 !== 0 || digits === '0').toBe(true);
    });

    test.prop([fc.nat({ max: 3_600_000 })])('a window is a Go duration the autoscaler reads back to the same milliseconds', (ms) => {
      expect(goDurationMs(goDuration(ms))).toBeCloseTo(ms, 6);
    });

    const label = fc.constantFrom('web', 'db', 'mon');
    test.prop([fc.array(fc.record({ app: label, figures: fc.boolean() }), { maxLength: 8 }), label])(
      'a list with a selector is the list without one, filtered by the labels (metamorphic)',
      (pods, app) => {
        const { registry, figures, send } = setUp();
        pods.forEach((pod, i) => {
          registry.create<Pod>('pods', 'shop', { metadata: { name: `p-${i}`, labels: { app: pod.app } }, spec: { containers: [{ name: 'app', image: 'kubekata/echo' }] } } as Pod);
          if (pod.figures) figures.pods.set(`shop/p-${i}`, { timestamp: START, windowMs: 15_000, containers: [{ name: 'app', usage: usage(i, i) }] });
        });
        const all = (send('/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods').body as { items: PodMetrics[] }).items;
        const selected = (send(`/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3D${app}`).body as { items: PodMetrics[] }).items;
        expect(selected).toEqual(all.filter((item) => item.metadata.labels?.['app'] === app));
      },
    );
  });

  describe('metrics-server', () => {
    /** A node "node-1" whose summaries the test writes: cumulative CPU (ns) and working sets, by container of pod "web". */
    function scraping() {
      const clock = new FakeClock(START);
      const summaries = new Map<string, Summary | Error>();
      const node = (name: string): Node => ({ metadata: { name } });
      const nodes = [node('node-1'), node('node-2')];
      const errors: string[] = [];
      const server = new MetricsServer({
        clock,
        nodes: async () => nodes,
        readSummary: async (n) => {
          const summary = summaries.get(n.metadata.name!);
          if (!summary || summary instanceof Error) throw summary ?? new Error('no summary');
          return structuredClone(summary);
        },
        onError: (name, error) => errors.push(`${name}: ${(error as Error).message}`),
      });
      const write = (nodeName: string, nodeCpu: number, pods: { name: string; containers: { name: string; cpu?: number; memory?: number }[] }[]) =>
        summaries.set(nodeName, {
          node: { nodeName, cpu: { time: '', usageCoreNanoSeconds: nodeCpu }, memory: { time: '', usageBytes: 0, workingSetBytes: 2 ** 30, rssBytes: 0 } },
          pods: pods.map((pod) => ({
            podRef: { name: pod.name, namespace: 'shop', uid: `uid-${pod.name}` },
            startTime: '',
            containers: pod.containers.map((c) => ({ name: c.name, startTime: '', ...(c.cpu !== undefined && { cpu: { time: '', usageCoreNanoSeconds: c.cpu }, memory: { time: '', usageBytes: 0, workingSetBytes: c.memory ?? 0, rssBytes: 0 } }) })),
          })),
        });
      return { clock, server, summaries, write, errors };
    }

    it('shows a pod and a node from their second scrape on: the CPU used between the two over the time between them, the latest working set', async () => {
      const { clock, server, write } = scraping();
      write('node-1', 100e9, [{ name: 'web', containers: [{ name: 'app', cpu: 2e9, memory: 40 * 2 ** 20 }] }]);
      await server.scrape();
      expect([server.pod('shop', 'web'), server.node('node-1')], 'one sample is no rate').toEqual([undefined, undefined]);
      await clock.advance(METRIC_RESOLUTION_MS);
      write('node-1', 115e9, [{ name: 'web', containers: [{ name: 'app', cpu: 2.75e9, memory: 41 * 2 ** 20 }] }]);
      await server.scrape();
      expect(server.pod('shop', 'web')).toEqual({ timestamp: START + 15_000, windowMs: 15_000, containers: [{ name: 'app', usage: { cpuNanoCores: 50e6, memoryBytes: 41 * 2 ** 20 } }] });
      expect(server.node('node-1')).toEqual({ timestamp: START + 15_000, windowMs: 15_000, usage: { cpuNanoCores: 1e9, memoryBytes: 2 ** 30 } });
    });

    it('drops a node whose kubelet does not answer, and its pods, until it answers twice again', async () => {
      const { clock, server, write, summaries, errors } = scraping();
      const once = (cpu: number) => write('node-1', cpu, [{ name: 'web', containers: [{ name: 'app', cpu, memory: 1 }] }]);
      once(1e9);
      await server.scrape();
      await clock.advance(METRIC_RESOLUTION_MS);
      once(2e9);
      await server.scrape();
      expect(server.pod('shop', 'web')).toBeDefined();
      summaries.set('node-1', new Error('connect ECONNREFUSED 127.0.0.1:10250'));
      await clock.advance(METRIC_RESOLUTION_MS);
      await server.scrape();
      expect([server.pod('shop', 'web'), server.node('node-1')]).toEqual([undefined, undefined]);
      expect(errors).toContain('node-1: connect ECONNREFUSED 127.0.0.1:10250');
      await clock.advance(METRIC_RESOLUTION_MS);
      once(3e9);
      await server.scrape();
      expect(server.pod('shop', 'web'), 'the sample before the failure is no longer the last').toBeUndefined();
    });

    it('leaves out a pod one of whose containers has no figure, and a container whose CPU time went down (it restarted)', async () => {
      const { clock, server, write } = scraping();
      write('node-1', 0, [{ name: 'two', containers: [{ name: 'a', cpu: 1e9, memory: 1 }, { name: 'b' }] }, { name: 'web', containers: [{ name: 'app', cpu: 5e9, memory: 1 }] }]);
      await server.scrape();
      await clock.advance(METRIC_RESOLUTION_MS);
      write('node-1', 0, [{ name: 'two', containers: [{ name: 'a', cpu: 2e9, memory: 1 }, { name: 'b' }] }, { name: 'web', containers: [{ name: 'app', cpu: 1e9, memory: 1 }] }]);
      await server.scrape();
      expect([server.pod('shop', 'two'), server.pod('shop', 'web')]).toEqual([undefined, undefined]);
    });

    it('scrapes at start and every 15 s on its clock, and stops when told', async () => {
      const { clock, server, write } = scraping();
      let cpu = 0;
      write('node-1', cpu, []);
      server.start();
      cleanups.push(() => server.stop());
      await clock.advance(0);
      write('node-1', (cpu += 3e9), []);
      await clock.advance(METRIC_RESOLUTION_MS);
      await Promise.resolve();
      await server.stop();
      expect(server.node('node-1')?.usage.cpuNanoCores).toBe(200e6);
      expect(clock.pending(), 'no timer left').toBe(0);
    });

    test.prop([fc.array(fc.record({ afterMs: fc.integer({ min: 1, max: 60_000 }), cpuMs: fc.nat({ max: 120_000 }) }), { minLength: 2, maxLength: 8 })])(
      'whatever the scrapes, a pod shown uses the CPU time between the last two scrapes over the time between them',
      async (steps) => {
        const { clock, server, write } = scraping();
        let cpu = 0;
        for (const step of steps) {
          await clock.advance(step.afterMs);
          cpu += step.cpuMs * 1e6;
          write('node-1', cpu, [{ name: 'web', containers: [{ name: 'app', cpu, memory: 1 }] }]);
          await server.scrape();
        }
        const last = steps.at(-1)!;
        const shown = server.pod('shop', 'web')!;
        expect(shown.windowMs).toBe(last.afterMs);
        expect(shown.containers[0]!.usage.cpuNanoCores).toBeCloseTo(((last.cpuMs * 1e6) / last.afterMs) * 1000, 3);
      },
    );
  });
}
