/**
 * The kubelet's Summary API and `/pods` (given code: kubelet/stats-summary.ts,
 * kubelet/kubelet-server.ts), the /proc reader a node measures with (cluster/process-usage.ts),
 * and `nodes/<name>/proxy`, through which kubectl reaches them
 * (`kubectl get --raw /api/v1/nodes/node-1/proxy/stats/summary`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { Registry, type Authorizer } from '@kube/apiserver';
import { NodeProxy } from '../../solutions/apiserver/node-proxy.ts';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type Node, type Pod } from '@kube/kit';
import { StatsSummary, type NodeUsage, type StatsSource, type Usage } from '@kube/kubelet';
import { ProcessUsage } from '@kube/cluster';
import { FakeRuntime, sandboxConfigFor } from '@kube/runtime';

const START = Date.UTC(2026, 0, 1);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A source whose figures the test sets. */
class SetSource implements StatsSource {
  nodeUsage: NodeUsage | undefined = { cpuCoreNanoSeconds: 0, rssBytes: 1_000, availableBytes: 9_000, bootTime: START - 3_600_000 };
  readonly bySandbox = new Map<string, Usage>();
  node = () => this.nodeUsage;
  sandboxes = () => this.bySandbox;
  containers?: () => ReadonlyMap<string, Usage>;
}

/** A pod with `containers` running, as the kubelet knows it. */
function runningPod(name: string, uid: string, containers: string[]): Pod {
  return {
    metadata: { name, namespace: 'shop', uid },
    spec: { containers: containers.map((c) => ({ name: c, image: 'kubekata/echo' })) },
    status: { startTime: '2026-01-01T00:00:00Z', containerStatuses: containers.map((c) => ({ name: c, ready: true, restartCount: 0, image: 'kubekata/echo', imageID: '', state: { running: { startedAt: '2026-01-01T00:00:01Z' } } })) },
  };
}

async function setUp(pods: Pod[]) {
  const clock = new FakeClock(START);
  const runtime = new FakeRuntime({ clock, podCIDR: '127.0.30.0/24' });
  const source = new SetSource();
  const sandboxOf = new Map<string, string>();
  for (const pod of pods) sandboxOf.set(pod.metadata.uid!, await runtime.runPodSandbox(sandboxConfigFor(pod, { attempt: 0 })));
  const stats = new StatsSummary({ nodeName: 'node-1', runtime, pods: () => pods, source, clock });
  return { clock, source, stats, sandboxOf, runtime };
}

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/kubelet-stats.test.ts'), 240_000);
else {
  describe("the kubelet's Summary API", () => {
    it('gives the node\'s figures and each pod\'s, its one container\'s the same, and the CPU rate from the second summary on', async () => {
      const pod = runningPod('web', 'u1', ['app']);
      const { clock, source, stats, sandboxOf } = await setUp([pod]);
      source.bySandbox.set(sandboxOf.get('u1')!, { cpuCoreNanoSeconds: 2e9, rssBytes: 40e6 });
      const first = await stats.summary();
      expect(first.node).toEqual({
        nodeName: 'node-1',
        startTime: '2025-12-31T23:00:00Z',
        cpu: { time: '2026-01-01T00:00:00Z', usageCoreNanoSeconds: 0 },
        memory: { time: '2026-01-01T00:00:00Z', usageBytes: 1_000, workingSetBytes: 1_000, rssBytes: 1_000, availableBytes: 9_000 },
      });
      expect(first.pods).toEqual([
        {
          podRef: { name: 'web', namespace: 'shop', uid: 'u1' },
          startTime: '2026-01-01T00:00:00Z',
          containers: [{ name: 'app', startTime: '2026-01-01T00:00:01Z', cpu: { time: '2026-01-01T00:00:00Z', usageCoreNanoSeconds: 2e9 }, memory: { time: '2026-01-01T00:00:00Z', usageBytes: 40e6, workingSetBytes: 40e6, rssBytes: 40e6 } }],
          cpu: { time: '2026-01-01T00:00:00Z', usageCoreNanoSeconds: 2e9 },
          memory: { time: '2026-01-01T00:00:00Z', usageBytes: 40e6, workingSetBytes: 40e6, rssBytes: 40e6 },
        },
      ]);
      await clock.advance(10_000);
      source.bySandbox.set(sandboxOf.get('u1')!, { cpuCoreNanoSeconds: 2.5e9, rssBytes: 40e6 });
      expect((await stats.summary()).pods[0]!.cpu).toEqual({ time: '2026-01-01T00:00:10Z', usageNanoCores: 50_000_000, usageCoreNanoSeconds: 2.5e9 });
    });

    it('names the containers of a pod of several, but gives them no figures of their own where the source cannot tell their processes apart', async () => {
      const { source, stats, sandboxOf } = await setUp([runningPod('web', 'u1', ['app', 'side'])]);
      source.bySandbox.set(sandboxOf.get('u1')!, { cpuCoreNanoSeconds: 1e9, rssBytes: 10e6 });
      const [pod] = (await stats.summary()).pods;
      expect(pod!.containers).toEqual([{ name: 'app', startTime: '2026-01-01T00:00:01Z' }, { name: 'side', startTime: '2026-01-01T00:00:01Z' }]);
      expect(pod!.memory?.workingSetBytes).toBe(10e6);
    });

    it('gives each container of a pod of several its own figures where the source tells their processes apart', async () => {
      const { clock, source, stats, sandboxOf, runtime } = await setUp([runningPod('web', 'u1', ['app', 'side'])]);
      const sandbox = sandboxOf.get('u1')!;
      const started = new Map<string, string>();
      for (const name of ['app', 'side']) {
        const id = await runtime.createContainer(sandbox, { metadata: { name, attempt: 0 }, image: { image: 'kubekata/echo' } });
        await runtime.startContainer(id);
        started.set(name, id);
      }
      const byContainer = new Map<string, Usage>();
      source.containers = () => byContainer;
      const measure = (app: number, side: number) => {
        byContainer.set(started.get('app')!, { cpuCoreNanoSeconds: app, rssBytes: 30e6 });
        byContainer.set(started.get('side')!, { cpuCoreNanoSeconds: side, rssBytes: 5e6 });
        source.bySandbox.set(sandbox, { cpuCoreNanoSeconds: app + side, rssBytes: 35e6 });
      };
      measure(1e9, 1e8);
      await stats.summary();
      await clock.advance(10_000);
      measure(6e9, 2e8);
      const [pod] = (await stats.summary()).pods;
      expect(pod!.containers.map((c) => [c.name, c.cpu?.usageNanoCores, c.memory?.workingSetBytes])).toEqual([
        ['app', 500_000_000, 30e6],
        ['side', 10_000_000, 5e6],
      ]);
      expect(pod!.cpu?.usageNanoCores).toBe(510_000_000);
    });

    it('gives no figures where nothing was measured: a pod whose sandbox has no process, a node without /proc', async () => {
      const { source, stats } = await setUp([runningPod('web', 'u1', ['app'])]);
      source.nodeUsage = undefined;
      const summary = await stats.summary();
      expect(summary.node).toEqual({ nodeName: 'node-1' });
      expect(summary.pods[0]).toEqual({ podRef: { name: 'web', namespace: 'shop', uid: 'u1' }, startTime: '2026-01-01T00:00:00Z', containers: [{ name: 'app', startTime: '2026-01-01T00:00:01Z' }] });
    });

    // The rate is the change of the cumulative figure over the time between two summaries, as
    // cAdvisor's between two samples; a figure that went down (the processes restarted) starts over.
    test.prop([fc.array(fc.record({ ms: fc.integer({ min: 0, max: 60_000 }), cpu: fc.integer({ min: 0, max: 5e9 }) }), { minLength: 1, maxLength: 10 })])(
      'the CPU rate of each summary is the change since the one before per second, absent first, after no time, and after the figure went down',
      async (samples) => {
        const { clock, source, stats, sandboxOf } = await setUp([runningPod('web', 'u1', ['app'])]);
        let before: { at: number; cpu: number } | undefined;
        for (const { ms, cpu } of samples) {
          await clock.advance(ms);
          source.bySandbox.set(sandboxOf.get('u1')!, { cpuCoreNanoSeconds: cpu, rssBytes: 1 });
          const got = (await stats.summary()).pods[0]!.cpu!;
          const seconds = before ? (clock.now() - before.at) / 1000 : 0;
          const expected = before && seconds > 0 && cpu >= before.cpu ? Math.round((cpu - before.cpu) / seconds) : undefined;
          expect(got.usageNanoCores, `${JSON.stringify(before)} then ${cpu} at ${clock.now()}`).toBe(expected);
          expect(got.usageCoreNanoSeconds).toBe(cpu);
          before = { at: clock.now(), cpu };
        }
      },
    );

    test.prop([fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 1e9 }), { maxLength: 4 })])(
      "a pod's figure is the sum over its ready sandboxes, whatever other sandboxes use",
      async (own, others) => {
        const pod = runningPod('web', 'u1', ['app']);
        const { source, stats, sandboxOf } = await setUp([pod]);
        source.bySandbox.set(sandboxOf.get('u1')!, { cpuCoreNanoSeconds: own.reduce((a, b) => a + b, 0), rssBytes: own.length });
        others.forEach((cpu, i) => source.bySandbox.set(`elsewhere-${i}`, { cpuCoreNanoSeconds: cpu, rssBytes: 1 }));
        const [measured] = (await stats.summary()).pods;
        expect([measured!.cpu?.usageCoreNanoSeconds, measured!.memory?.rssBytes]).toEqual([own.reduce((a, b) => a + b, 0), own.length]);
      },
    );
  });

  describe('what a node measures of its processes (/proc)', () => {
    it.runIf(process.platform === 'linux')('sums the processes working inside each sandbox\'s folder, and measures the machine', async () => {
      const root = mkdtempSync(join(tmpdir(), 'kubekata-stats-'));
      cleanups.push(() => rmSync(root, { recursive: true, force: true }));
      const folder = join(root, 'sandboxes', 'sb1');
      mkdirSync(folder, { recursive: true });
      // A process that holds 20 MB and works in the sandbox's folder, as a container does.
      const child = spawn(process.execPath, ['-e', 'globalThis.kept = Buffer.alloc(20e6, 1); process.stdout.write("ready"); setInterval(() => {}, 1000)'], { cwd: folder, stdio: ['ignore', 'pipe', 'ignore'] });
      cleanups.push(() => void child.kill('SIGKILL'));
      await new Promise((resolve) => child.stdout!.once('data', resolve));
      const usage = new ProcessUsage(root);
      const sandboxes = usage.sandboxes();
      expect([...sandboxes.keys()]).toEqual(['sb1']);
      expect(sandboxes.get('sb1')!.rssBytes).toBeGreaterThan(20e6);
      expect(sandboxes.get('sb1')!.cpuCoreNanoSeconds).toBeGreaterThan(0);
      const node = usage.node()!;
      expect(node.availableBytes).toBeGreaterThan(0);
      expect(node.rssBytes).toBeGreaterThan(0);
      expect(node.bootTime).toBeLessThan(Date.now());
    });

    it.runIf(process.platform === 'linux')('tells a container by the process group that appeared as it started, apart from a command run beside it', async () => {
      const root = mkdtempSync(join(tmpdir(), 'kubekata-stats-'));
      cleanups.push(() => rmSync(root, { recursive: true, force: true }));
      const folder = join(root, 'sandboxes', 'sb1');
      mkdirSync(folder, { recursive: true });
      // Each a group of its own (detached), in the sandbox's folder, as kata 22 starts containers and exec runs commands.
      const run = async (bytes: number) => {
        const child = spawn(process.execPath, ['-e', `globalThis.kept = Buffer.alloc(${bytes}, 1); process.stdout.write("ready"); setInterval(() => {}, 1000)`], { cwd: folder, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
        cleanups.push(() => void child.kill('SIGKILL'));
        await new Promise((resolve) => child.stdout!.once('data', resolve));
        return child;
      };
      const usage = new ProcessUsage(root);
      let container: Awaited<ReturnType<typeof run>> | undefined;
      await usage.recordStart('c1', 'sb1', async () => void (container = await run(30e6)));
      await run(5e6); // a kubectl exec beside it
      const measured = usage.containers();
      expect([...measured.keys()]).toEqual(['c1']);
      expect(measured.get('c1')!.rssBytes).toBeGreaterThan(30e6);
      expect(measured.get('c1')!.rssBytes, 'the command beside it is the pod\'s, not the container\'s').toBeLessThan(usage.sandboxes().get('sb1')!.rssBytes);
      container!.kill('SIGKILL');
      await new Promise((resolve) => container!.once('exit', resolve));
      expect(usage.containers().size, 'an exited container is forgotten').toBe(0);
    });
  });

  describe('nodes/<name>/proxy', () => {
    /** An apiserver of one node whose kubelet is a small HTTP server; resolves with a GET. */
    async function setUpProxy(options: { authorizer?: Authorizer; kubeletPort?: number } = {}) {
      const kubelet = createServer((request, response) => response.end(`kubelet saw ${request.method} ${request.url}`));
      await new Promise<void>((resolve) => kubelet.listen(0, '127.34.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => kubelet.close(() => resolve())));
      const registry = new Registry({ store: new MvccStore(), clock: new FakeClock(START), random: new Random(3) });
      const port = options.kubeletPort ?? (kubelet.address() as AddressInfo).port;
      registry.create<Node>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '127.34.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } });
      // (The reference's NodeProxy on the target's Registry: the same class when the target is the reference.)
      const proxy = new NodeProxy({ registry: registry as never, ...(options.authorizer && { authorizer: options.authorizer }) });
      const server: Server = createServer((request, response) => void proxy.serve(request, response));
      await new Promise<void>((resolve) => server.listen(0, '127.34.0.2', resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const apiserverPort = (server.address() as AddressInfo).port;
      return (path: string) =>
        new Promise<{ code: number; body: string }>((resolve, reject) => {
          get({ host: '127.34.0.2', port: apiserverPort, path }, (answer) => {
            let body = '';
            answer.on('data', (chunk) => (body += chunk));
            answer.on('end', () => resolve({ code: answer.statusCode ?? 0, body }));
          }).on('error', reject);
        });
    }

    it('sends a request on to the node\'s kubelet, at its InternalIP and kubelet port, path and query kept', async () => {
      const get = await setUpProxy();
      expect(await get('/api/v1/nodes/node-1/proxy/stats/summary?only_cpu_and_memory=true')).toEqual({ code: 200, body: 'kubelet saw GET /stats/summary?only_cpu_and_memory=true' });
    });

    it('authorizes get on nodes/proxy: a user who may not gets a 403 in upstream\'s words', async () => {
      const asked: unknown[] = [];
      const get = await setUpProxy({ authorizer: { authorize: (attributes) => (asked.push(attributes), { allowed: attributes.name === 'node-1', reason: '' }) } });
      expect(await get('/api/v1/nodes/node-1/proxy/healthz')).toMatchObject({ code: 200 });
      expect(asked[0]).toMatchObject({ verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'node-1', namespace: '' });
      const refused = await get('/api/v1/nodes/node-2/proxy/healthz');
      expect([refused.code, JSON.parse(refused.body).message]).toEqual([403, expect.stringContaining('cannot get resource "nodes/proxy" in API group "" at the cluster scope')]);
    });

    it('answers 404 for a node that is not there, and 503 for a kubelet that does not answer', async () => {
      const get = await setUpProxy({ kubeletPort: 1 });
      const missing = await get('/api/v1/nodes/node-9/proxy/healthz');
      expect([missing.code, JSON.parse(missing.body).message]).toEqual([404, 'nodes "node-9" not found']);
      const down = await get('/api/v1/nodes/node-1/proxy/healthz');
      expect([down.code, JSON.parse(down.body).message]).toEqual([503, 'error trying to reach service: dial tcp 127.34.0.1:1: connect: connection refused']);
    });
  });
}
