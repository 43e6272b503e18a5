/**
 * Kata 29 — the whole cluster. The spec is katas/cluster/29-cluster.md.
 *
 * The examples read as the spec: the bootstrap objects and their idempotence, the scheduler's loop
 * on informers, kube-proxy's sync loop, the start-up order (read from the trace every given
 * component writes) and the shut-down order, a Deployment served end to end on a FakeClock, a node
 * that dies and whose pods move, a control plane restarted from its log. The properties: bootstrap
 * converges to the last apiserver address whatever came before; under any story of nodes and pods
 * the scheduler's loop binds what fits and never over-commits a node; whatever the interleaving of
 * changes and syncs, kube-proxy's syncs never overlap and the last one sees the final state; and
 * under any story of user actions and faults the whole cluster converges (test/support/cluster/chaos.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { LocalClient, Registry, StatusError, type ApiClient, type ListOptions } from '@kube/apiserver';
import {
  bootstrapCluster,
  DEFAULT_SETTINGS,
  ensureObject,
  kubernetesService,
  SchedulerComponent,
  SchedulerRunner,
  ServiceProxy,
  SYSTEM_NAMESPACES,
  Tracer,
  type ApiServerAddress,
  type ClusterOptions,
} from '@kube/cluster';
import { SharedInformerFactory } from '@kube/controllers';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type Deployment, type EndpointSlice, type Endpoints, type KubeObject, type Lease, type Node, type Pod, type Service } from '@kube/kit';
import type { Proxier } from '@kube/proxy';
import { ProcessRuntime, type ContainerConfig } from '@kube/runtime';
import { ExplanationLog } from '@kube/scheduler';
import { allAt, at, httpsCluster, localCluster, runningAndReady, START } from '../support/cluster/local.ts';
import { makeDeployment } from '../support/controllers/rollout.ts';
import { chaosProperty } from '../support/cluster/chaos.ts';
import { ask } from '../support/proxy/sockets.ts';

const APISERVER: ApiServerAddress = { host: '127.0.0.1', port: 6443 };

/** A registry in memory and a client on it. */
function api(): { registry: Registry; client: ApiClient; store: MvccStore } {
  const store = new MvccStore();
  const registry = new Registry({ store, clock: new FakeClock(START), random: new Random(29) });
  return { registry, client: new LocalClient(registry), store };
}

/** The objects of a resource in a namespace, by name. */
async function byName<T extends KubeObject>(client: ApiClient, resource: string, namespace?: string): Promise<Map<string, T>> {
  return new Map((await client.resource<T>(resource, namespace).list()).items.map((o) => [o.metadata.name!, o]));
}

/** A client whose next `n` updates fail with 409 Conflict, as when another writer got in first. */
function conflictingUpdates(inner: ApiClient, n: number): ApiClient & { conflicts: number } {
  const wrapper = Object.create(inner) as ApiClient & { conflicts: number };
  wrapper.conflicts = 0;
  wrapper.resource = <T extends KubeObject>(resource: string, namespace?: string) => {
    const real = inner.resource<T>(resource, namespace);
    return {
      ...real,
      update: async (object: T) => {
        if (wrapper.conflicts < n) {
          wrapper.conflicts++;
          throw new StatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'the object has been modified; please apply your changes to the latest version and try again' });
        }
        return real.update(object);
      },
    };
  };
  return wrapper;
}

/** A node with room for `pods` pods of 100m CPU (and memory to spare). */
/**
 * The ConfigMaps kube-root-ca.crt of `namespaces`, read from a watch until the controller
 * manager's root CA publisher has made them all.
 */
async function rootCAConfigMaps(client: ApiClient, namespaces: readonly string[]): Promise<Map<string, KubeObject & { data?: Record<string, string> }>> {
  const found = new Map<string, KubeObject & { data?: Record<string, string> }>();
  const watch = client.resource<KubeObject & { data?: Record<string, string> }>('configmaps').watch({ fieldSelector: 'metadata.name=kube-root-ca.crt' });
  for await (const event of watch) {
    const object = event.object as KubeObject & { data?: Record<string, string> };
    if (event.type === 'ADDED' || event.type === 'MODIFIED') found.set(object.metadata.namespace!, object);
    if (namespaces.every((n) => found.has(n))) break;
  }
  watch.stop();
  return found;
}

function node(name: string, cpu = '1'): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { allocatable: { cpu, memory: '8Gi', pods: '110' }, capacity: { cpu, memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** A pending pod asking for `cpu`. */
function pending(name: string, cpu = '100m'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'kubekata/echo', resources: { requests: { cpu } } }] } };
}

/**
 * A start that the test awaits after moving the clock: its failure (on the starter, a
 * NotImplemented at once) is the test's failure when awaited, not an unhandled rejection meanwhile.
 */
function started(start: Promise<void>): Promise<void> {
  start.catch(() => {});
  return start;
}

/** Lets promise chains on a FakeClock run, with no time passing. */
async function settle(clock: FakeClock, rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await clock.advance(0);
}

/**
 * `client`, noting in `updates` each update it sends (`services/kubernetes`); `read` changes what a
 * get hands back (an object as another client would return it).
 */
function recordingUpdates(client: ApiClient, read: (object: KubeObject) => KubeObject = (object) => object): { client: ApiClient; updates: string[] } {
  const updates: string[] = [];
  const recording = Object.create(client) as ApiClient;
  recording.resource = <T extends KubeObject>(resource: string, namespace?: string) => {
    const real = client.resource<T>(resource, namespace);
    return {
      ...real,
      get: async (name: string) => read(await real.get(name)) as T,
      update: (object: T) => (updates.push(`${resource}/${object.metadata.name}`), real.update(object)),
    };
  };
  return { client: recording, updates };
}

describe('bootstrapCluster: what the apiserver writes before anyone uses it', () => {
  it('creates the four system namespaces, the kubernetes Service at the range\'s first address, its Endpoints and EndpointSlice at the apiserver, and kube-dns at the tenth address', async () => {
    const { client } = api();
    await bootstrapCluster(client, APISERVER);
    expect([...(await byName(client, 'namespaces')).keys()].sort()).toEqual([...SYSTEM_NAMESPACES].sort());
    const kubernetes = (await byName<Service>(client, 'services', 'default')).get('kubernetes');
    expect(kubernetes?.spec).toMatchObject({ type: 'ClusterIP', clusterIP: '127.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] });
    expect(kubernetes?.spec?.selector, 'the kubernetes Service has no selector: the endpoints controller must leave its endpoints alone').toBeUndefined();
    expect(kubernetes?.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    const endpoints = (await byName<Endpoints>(client, 'endpoints', 'default')).get('kubernetes');
    expect(endpoints?.subsets).toEqual([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const slice = (await byName<EndpointSlice>(client, 'endpointslices', 'default')).get('kubernetes');
    expect(slice).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] });
    expect(slice?.metadata.labels?.['kubernetes.io/service-name']).toBe('kubernetes');
    const dns = (await byName<Service>(client, 'services', 'kube-system')).get('kube-dns');
    expect(dns?.spec).toMatchObject({ clusterIP: '127.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
  });

  it('uses the service range it is given: the first and the tenth address of 127.200.0.0/16', async () => {
    const { client } = api();
    await bootstrapCluster(client, APISERVER, '127.200.0.0/16');
    const services = await byName<Service>(client, 'services', 'default');
    expect(services.get('kubernetes')?.spec?.clusterIP).toBe('127.200.0.1');
    expect((await byName<Service>(client, 'services', 'kube-system')).get('kube-dns')?.spec?.clusterIP).toBe('127.200.0.10');
  });

  it('run a second time with nothing changed, sends no write at all: no update reaches the server, and the store\'s revision stays where it was', async () => {
    const { client, store } = api();
    await bootstrapCluster(client, APISERVER);
    const revision = store.revision;
    const { client: counting, updates } = recordingUpdates(client);
    await bootstrapCluster(counting, APISERVER);
    expect(updates, 'updates sent on the second run (the server dropped them as no-ops, but each was a request)').toEqual([]);
    expect(store.revision, 'a write happened on the second run').toBe(revision);
  });

  it('after a restart on another port, moves the kubernetes Service\'s targetPort and its endpoints to the new port, keeping the Service\'s uid', async () => {
    const { client } = api();
    await bootstrapCluster(client, APISERVER);
    const before = (await byName<Service>(client, 'services', 'default')).get('kubernetes')!;
    await bootstrapCluster(client, { host: '127.0.0.1', port: 7443 });
    const after = (await byName<Service>(client, 'services', 'default')).get('kubernetes')!;
    expect(after.metadata.uid, 'updated, not deleted and created again').toBe(before.metadata.uid);
    expect(after.spec?.ports?.[0]?.targetPort).toBe(7443);
    expect((await byName<Endpoints>(client, 'endpoints', 'default')).get('kubernetes')?.subsets?.[0]?.ports?.[0]?.port).toBe(7443);
    expect((await byName<EndpointSlice>(client, 'endpointslices', 'default')).get('kubernetes')?.ports?.[0]?.port).toBe(7443);
  });

  it('ensureObject compares only the fields it sets: an object read back without apiVersion and kind (as client-go\'s typed clients return it), or wanted with metadata besides labels, is left alone', async () => {
    const { client, store } = api();
    await bootstrapCluster(client, APISERVER);
    const revision = store.revision;
    const { client: untyped, updates } = recordingUpdates(client, ({ apiVersion: _apiVersion, kind: _kind, ...rest }) => rest);
    await bootstrapCluster(untyped, APISERVER);
    const wanted = kubernetesService(APISERVER);
    await ensureObject(untyped, 'services', { ...wanted, metadata: { ...wanted.metadata, annotations: { note: 'metadata other than labels is not compared' } } });
    expect(updates, 'updates sent for objects that hold everything wanted sets').toEqual([]);
    expect(store.revision, 'a write happened').toBe(revision);
  });

  it('ensureObject puts back a label someone removed, and keeps what the server or others added beside what it sets', async () => {
    const { client } = api();
    await bootstrapCluster(client, APISERVER);
    const services = client.resource<Service>('services', 'default');
    const stored = await services.get('kubernetes');
    await services.update({ ...stored, metadata: { ...stored.metadata, labels: { component: 'apiserver', team: 'platform' }, annotations: { note: 'kept' } } });
    await ensureObject(client, 'services', kubernetesService(APISERVER));
    const now = await services.get('kubernetes');
    expect(now.metadata.labels, 'provider put back; team, someone else\'s label, kept').toEqual({ component: 'apiserver', provider: 'kubernetes', team: 'platform' });
    expect(now.metadata.annotations, 'an annotation ensureObject does not set is not its business').toEqual({ note: 'kept' });
  });

  it('ensureObject reads again and retries when its update meets a Conflict', async () => {
    const { client } = api();
    await bootstrapCluster(client, APISERVER);
    const racing = conflictingUpdates(client, 2);
    await ensureObject(racing, 'services', kubernetesService({ host: '127.0.0.1', port: 8443 }));
    expect(racing.conflicts).toBe(2);
    expect((await client.resource<Service>('services', 'default').get('kubernetes')).spec?.ports?.[0]?.targetPort).toBe(8443);
  });

  it('ensureObject passes on an error that is not a conflict, such as a Forbidden', async () => {
    const { client } = api();
    const forbidden = Object.create(client) as ApiClient;
    forbidden.resource = () => {
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'namespaces is forbidden' });
    };
    await expect(ensureObject(forbidden, 'namespaces', { metadata: { name: 'default' } })).rejects.toThrow(/forbidden/);
  });

  it('ensureObject passes on a read that fails for another reason than NotFound, and an update refused for another reason than a Conflict, without retrying it', async () => {
    const { client } = api();
    await bootstrapCluster(client, APISERVER);
    const failing = (verb: 'get' | 'update', reason: 'InternalError' | 'Forbidden', code: number) => {
      const wrapper = Object.create(client) as ApiClient & { calls: number };
      wrapper.calls = 0;
      wrapper.resource = <T extends KubeObject>(resource: string, namespace?: string) => {
        const real = client.resource<T>(resource, namespace);
        return {
          ...real,
          [verb]: async () => {
            wrapper.calls++;
            throw new StatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message: `${verb} refused` });
          },
        };
      };
      return wrapper;
    };
    const unreadable = failing('get', 'InternalError', 500);
    await expect(ensureObject(unreadable, 'services', kubernetesService(APISERVER))).rejects.toThrow('get refused');
    const unwritable = failing('update', 'Forbidden', 403);
    await expect(ensureObject(unwritable, 'services', kubernetesService({ host: '127.0.0.1', port: 9443 }))).rejects.toThrow('update refused');
    expect(unwritable.calls, 'tried once: only a Conflict is tried again').toBe(1);
  });
});

describe('SchedulerComponent: kube-scheduler under leader election', () => {
  it('lets only the holder of the Lease kube-scheduler bind pods; a standby takes over once the leader stops and hands the lease back', async () => {
    const { client } = api();
    const clock = new FakeClock(START);
    const settings = { ...DEFAULT_SETTINGS };
    const tracer = new Tracer({});
    await client.nodes().create(node('n1'));
    const candidate = (identity: string) => new SchedulerComponent({ client, clock, tracer, settings, identity, runner: () => new SchedulerRunner({ client, clock, random: new Random(7) }) });
    const first = candidate('cp-1');
    const starting = started(first.start());
    await settle(clock);
    await starting;
    const second = candidate('cp-2');
    const waiting = started(second.start());
    await settle(clock);
    expect([first.leading, second.leading]).toEqual([true, false]);
    expect((await client.resource<Lease>('leases', 'kube-system').get('kube-scheduler')).spec?.holderIdentity).toBe('cp-1');
    await client.pods('default').create(pending('web'));
    await settle(clock);
    expect((await client.pods('default').get('web')).spec?.nodeName, 'the leader binds').toBe('n1');

    await first.stop();
    await clock.advance(settings.leaderRetryPeriodMs);
    await settle(clock);
    await waiting;
    expect([first.leading, second.leading]).toEqual([false, true]);
    expect((await client.resource<Lease>('leases', 'kube-system').get('kube-scheduler')).spec?.holderIdentity, 'handed back, then taken').toBe('cp-2');
    await client.pods('default').create(pending('api'));
    await settle(clock);
    expect((await client.pods('default').get('api')).spec?.nodeName, 'the new leader binds').toBe('n1');
    await second.stop();
    expect(clock.pending(), 'no timer left once both stopped').toBe(0);
  });
});

describe('SchedulerRunner: kube-scheduler\'s loop on informers', () => {
  /** A runner on a fresh registry, started. */
  async function runner(setup: (client: ApiClient) => Promise<void> = async () => {}) {
    const { client } = api();
    const clock = new FakeClock(START);
    await setup(client);
    const cycles: string[] = [];
    const scheduler = new SchedulerRunner({ client, clock, random: new Random(7), onCycle: (r) => cycles.push(`${r.pod.metadata.name} ${r.nodeName ?? `error: ${r.error}`}`) });
    const starting = started(scheduler.start());
    await settle(clock);
    await starting;
    return { client, clock, scheduler, cycles };
  }
  const nodeOf = async (client: ApiClient, name: string) => (await client.pods('default').get(name)).spec?.nodeName;

  it('binds pods that were pending before it started, once it has listed the nodes', async () => {
    const { client, scheduler } = await runner(async (c) => {
      await c.nodes().create(node('n1'));
      await c.pods('default').create(pending('early'));
    });
    expect(await nodeOf(client, 'early')).toBe('n1');
    await scheduler.stop();
  });

  it('binds a pod created after start to the only node, without anyone calling scheduleNext', async () => {
    const { client, clock, scheduler, cycles } = await runner(async (c) => void (await c.nodes().create(node('n1'))));
    await client.pods('default').create(pending('web'));
    await settle(clock);
    expect(await nodeOf(client, 'web')).toBe('n1');
    expect(cycles).toEqual(['web n1']);
    await scheduler.stop();
  });

  it('leaves a pod that fits nowhere pending, and binds it when a node that fits is added', async () => {
    const { client, clock, scheduler } = await runner(async (c) => void (await c.nodes().create(node('small', '100m'))));
    await client.pods('default').create(pending('big', '2'));
    await settle(clock);
    expect(await nodeOf(client, 'big')).toBeUndefined();
    const condition = (await client.pods('default').get('big')).status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(condition, 'the pod says why it waits').toMatchObject({ status: 'False', reason: 'Unschedulable' });
    await client.nodes().create(node('large', '4'));
    await settle(clock);
    // The node event moved it out of the unschedulable pods, into back-off after its failed try (1 s).
    await clock.advance(1000);
    await settle(clock);
    expect(await nodeOf(client, 'big')).toBe('large');
    await scheduler.stop();
  });

  it('binds a waiting pod once a node it did not fit is changed to fit it: a node\'s update reaches the scheduler too', async () => {
    const { client, clock, scheduler } = await runner(async (c) => void (await c.nodes().create(node('small', '100m'))));
    await client.pods('default').create(pending('big', '2'));
    await settle(clock);
    expect(await nodeOf(client, 'big')).toBeUndefined();
    // More CPU on the same node (its kubelet's new status): a MODIFIED node, no new one.
    const small = await client.nodes().get('small');
    await client.nodes().updateStatus({ ...small, status: { ...small.status, capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } });
    await settle(clock);
    await clock.advance(1000); // its back-off after the failed try
    await settle(clock);
    expect(await nodeOf(client, 'big'), 'bound long before the unschedulable pods are flushed (5 min)').toBe('small');
    await scheduler.stop();
  });

  it('tells `kubectl describe pod` where a pod went and why it waited: FailedScheduling with the reason, then Scheduled, from default-scheduler', async () => {
    const { client, clock, scheduler } = await runner(async (c) => void (await c.nodes().create(node('small', '100m'))));
    const created = await client.pods('default').create(pending('big', '2'));
    await settle(clock);
    await client.nodes().create(node('large', '4'));
    await settle(clock);
    await clock.advance(1000);
    await settle(clock);
    await scheduler.events.flush();
    const events = (await client.events('default').list()).items.filter((e) => e.involvedObject.name === 'big');
    expect(events.map((e) => [e.type, e.reason, e.action, e.message, e.reportingComponent, e.involvedObject.kind, e.involvedObject.uid])).toEqual([
      ['Warning', 'FailedScheduling', 'Scheduling', '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..', 'default-scheduler', 'Pod', created.metadata.uid],
      ['Normal', 'Scheduled', 'Binding', 'Successfully assigned default/big to large', 'default-scheduler', 'Pod', created.metadata.uid],
    ]);
    // events.k8s.io events, as kube-scheduler writes them: an eventTime, no count nor first/lastTimestamp
    for (const event of events) expect(event).toMatchObject({ eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), source: {}, reportingInstance: expect.stringMatching(/^default-scheduler-/) });
    for (const event of events) expect([event.count, event.firstTimestamp, event.lastTimestamp]).toEqual([undefined, undefined, undefined]);
    await scheduler.stop();
  });

  it('retries a pod whose binding failed once its back-off has passed on the clock, through the queue\'s flush every second', async () => {
    const { client: inner } = api();
    await inner.nodes().create(node('n1'));
    let failures = 1;
    const client = Object.create(inner) as ApiClient;
    client.pods = (namespace?: string) => {
      const real = inner.pods(namespace);
      return {
        ...real,
        bind: async (binding) => {
          if (failures-- > 0) throw new StatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'InternalError', code: 500, message: 'etcdserver: request timed out' });
          return real.bind(binding);
        },
      };
    };
    const clock = new FakeClock(START);
    const scheduler = new SchedulerRunner({ client, clock, random: new Random(7) });
    const starting = started(scheduler.start());
    await settle(clock);
    await starting;
    await inner.pods('default').create(pending('web'));
    await settle(clock);
    expect(await nodeOf(inner, 'web'), 'the first binding failed').toBeUndefined();
    for (let i = 0; i < 12; i++) {
      await clock.advance(1000);
      await settle(clock);
    }
    expect(await nodeOf(inner, 'web'), 'bound on a later try').toBe('n1');
    await scheduler.stop();
  });

  it('frees the room of a deleted pod: a pod that fitted nowhere is bound once the pod filling the node is deleted', async () => {
    const { client, clock, scheduler } = await runner(async (c) => void (await c.nodes().create(node('n1', '1'))));
    await client.pods('default').create(pending('first', '1'));
    await settle(clock);
    await client.pods('default').create(pending('second', '1'));
    await settle(clock);
    expect([await nodeOf(client, 'first'), await nodeOf(client, 'second')]).toEqual(['n1', undefined]);
    await client.pods('default').delete('first', { gracePeriodSeconds: 0 }); // as its kubelet deletes it once its containers stopped
    await settle(clock);
    await clock.advance(1000); // its back-off after the failed try
    await settle(clock);
    expect(await nodeOf(client, 'second'), 'the delete event told the cache and moved the pod back').toBe('n1');
    await scheduler.stop();
  });

  it('loses no event that comes while a round of cycles is ending: the pod created then is bound without waiting for the clock', async () => {
    const { client, clock, scheduler } = await runner(async (c) => void (await c.nodes().create(node('n1'))));
    // Hold the answer "no pod is ready" that ends a round, and create a pod meanwhile.
    const next = scheduler.scheduler.scheduleNext.bind(scheduler.scheduler);
    let hold: Promise<void> | undefined;
    let release = () => {};
    scheduler.scheduler.scheduleNext = async () => {
      const result = await next();
      if (result === undefined && hold) await hold;
      return result;
    };
    hold = new Promise<void>((resolve) => (release = resolve));
    scheduler.kick();
    await client.pods('default').create(pending('late'));
    await settle(clock);
    hold = undefined;
    release();
    await settle(clock);
    expect(await nodeOf(client, 'late')).toBe('n1');
    await scheduler.stop();
  });

  it('idle() waits for the cycles a kick started, and after stop() a kick runs none', async () => {
    const cycles: string[] = [];
    const { client: inner } = api();
    // A binding that takes a turn of the event loop, as one over the network would.
    const client = Object.create(inner) as ApiClient;
    client.resource = <T extends KubeObject>(resource: string, namespace?: string) => {
      const real = inner.resource<T>(resource, namespace);
      return { ...real, update: async (object: T) => (await new Promise<void>((resolve) => setImmediate(resolve)), real.update(object)) };
    };
    client.pods = (namespace?: string) => {
      const real = inner.pods(namespace);
      return { ...real, bind: async (binding) => (await new Promise<void>((resolve) => setImmediate(resolve)), real.bind(binding)) };
    };
    const clock = new FakeClock(START);
    await client.nodes().create(node('n1'));
    const runnerWithCycles = new SchedulerRunner({ client, clock, random: new Random(7), onCycle: (r) => cycles.push(r.pod.metadata.name!) });
    const starting = started(runnerWithCycles.start());
    await settle(clock);
    await starting;
    const web = await client.pods('default').create(pending('web'));
    runnerWithCycles.scheduler.onPod('ADDED', web);
    runnerWithCycles.kick();
    await runnerWithCycles.idle();
    expect(await nodeOf(client, 'web'), 'bound by the time idle() resolves').toBe('n1');
    await runnerWithCycles.stop();
    const late = await client.pods('default').create(pending('late'));
    runnerWithCycles.scheduler.onPod('ADDED', late);
    runnerWithCycles.kick();
    await runnerWithCycles.idle();
    expect(cycles).toEqual(['web']);
  });

  it('tries a pod that fits nowhere again on the clock alone, with no event to wake it (the flush every second kicks a round)', async () => {
    const { client, clock, scheduler, cycles } = await runner(async (c) => void (await c.nodes().create(node('small', '100m'))));
    await client.pods('default').create(pending('big', '2'));
    await settle(clock);
    expect(cycles).toEqual(['big error: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..']);
    // At the latest after UNSCHEDULABLE_TIMEOUT_MS (5 minutes) it is tried again.
    for (let second = 0; second <= 301 && cycles.length < 2; second++) {
      await clock.advance(1000);
      await settle(clock, 5);
    }
    expect(cycles.length, 'tried again').toBe(2);
    await scheduler.stop();
  });

  it('tells onError of an informer that cannot list, and stops cleanly even if never started', async () => {
    const { client: inner } = api();
    let failures = 1;
    const client = Object.create(inner) as ApiClient;
    client.resource = <T extends KubeObject>(resource: string, namespace?: string) => {
      const real = inner.resource<T>(resource, namespace);
      return { ...real, list: async (options?: ListOptions) => (resource === 'pods' && failures-- > 0 ? Promise.reject(new Error('connection refused')) : real.list(options)) };
    };
    const clock = new FakeClock(START);
    const errors: string[] = [];
    const scheduler = new SchedulerRunner({ client, clock, random: new Random(7), onError: (error) => errors.push((error as Error).message) });
    const starting = started(scheduler.start());
    for (let i = 0; i < 5; i++) {
      await settle(clock);
      await clock.advance(1000);
    }
    await starting;
    expect(errors.some((message) => message.includes('connection refused')), errors.length === 0 ? 'onError was never told of the failed list (give the SharedInformerFactory an onError that passes the error on)' : `errors: ${errors.join('; ')}`).toBe(true);
    await scheduler.stop();
    await new SchedulerRunner({ client, clock, random: new Random(7) }).stop();
  });

  it('after stop, binds nothing more: a pod created then stays pending', async () => {
    const { client, clock, scheduler } = await runner(async (c) => void (await c.nodes().create(node('n1'))));
    await scheduler.stop();
    await client.pods('default').create(pending('late'));
    await settle(clock);
    expect(await nodeOf(client, 'late')).toBeUndefined();
    expect(clock.pending(), 'a timer left on the clock: the flush every second, or an informer\'s').toBe(0);
  });

  it('runs one cycle at a time: pods created while a cycle waits for its binding start no second drain beside it', async () => {
    const { client: inner } = api();
    await inner.nodes().create(node('n1', '4'));
    // A binding that takes a turn of the event loop, as one over the network would.
    const client = Object.create(inner) as ApiClient;
    client.pods = (namespace?: string) => {
      const real = inner.pods(namespace);
      return { ...real, bind: async (binding) => (await new Promise<void>((resolve) => setImmediate(resolve)), real.bind(binding)) };
    };
    const clock = new FakeClock(START);
    const scheduler = new SchedulerRunner({ client, clock, random: new Random(7) });
    const starting = started(scheduler.start());
    await settle(clock);
    await starting;
    const next = scheduler.scheduler.scheduleNext.bind(scheduler.scheduler);
    let running = 0;
    let overlapped = false;
    scheduler.scheduler.scheduleNext = async () => {
      if (running > 0) overlapped = true;
      running++;
      try {
        return await next();
      } finally {
        running--;
      }
    };
    for (const name of ['a', 'b', 'c', 'd']) {
      await client.pods('default').create(pending(name));
      await settle(clock, 2);
    }
    await settle(clock);
    await scheduler.idle();
    expect(overlapped, 'two cycles ran at once').toBe(false);
    for (const name of ['a', 'b', 'c', 'd']) expect(await nodeOf(inner, name), `${name} is bound`).toBe('n1');
    await scheduler.stop();
  });

  it('tells onError of a cycle that throws, and schedules the next pods as before; with no onError the failure is dropped', async () => {
    for (const withOnError of [true, false]) {
      const { client } = api();
      await client.nodes().create(node('n1'));
      const clock = new FakeClock(START);
      const errors: string[] = [];
      const scheduler = new SchedulerRunner({ client, clock, random: new Random(7), ...(withOnError && { onError: (error: unknown) => errors.push((error as Error).message) }) });
      const starting = started(scheduler.start());
      await settle(clock);
      await starting;
      const next = scheduler.scheduler.scheduleNext.bind(scheduler.scheduler);
      let failures = 1;
      scheduler.scheduler.scheduleNext = async () => {
        if (failures-- > 0) throw new Error('the cycle broke');
        return next();
      };
      scheduler.kick();
      await scheduler.idle();
      expect(errors, `onError ${withOnError ? 'told' : 'not given'}`).toEqual(withOnError ? ['the cycle broke'] : []);
      await client.pods('default').create(pending('api'));
      await settle(clock);
      await scheduler.idle();
      expect(await nodeOf(client, 'api'), 'the next pod is bound').toBe('n1');
      await scheduler.stop();
    }
  });
});

/** A stand-in for kata 27's Proxier that records each sync and lets the test decide when it ends. */
class RecordingProxier {
  readonly syncs: { services: string[]; slices: string[] }[] = [];
  running = 0;
  overlapped = false;
  stopped = false;
  failNext = false;
  /** how a sync waits: at once by default; a test may hand it to fc.scheduler */
  gate: () => Promise<void> = async () => {};

  async sync(services: readonly Service[], slices: readonly EndpointSlice[]): Promise<void> {
    if (this.running > 0) this.overlapped = true;
    this.running++;
    this.syncs.push({ services: services.map((s) => s.metadata.name!).sort(), slices: slices.map((s) => s.metadata.name!).sort() });
    try {
      await this.gate();
      if (this.failNext) {
        this.failNext = false;
        throw new Error('cannot listen for clusterIP 127.96.0.5:80 of default/web: address in use');
      }
    } finally {
      this.running--;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}

describe('ServiceProxy: kube-proxy\'s loop around the proxier', () => {
  async function proxyOn(setup: (client: ApiClient) => Promise<void> = async () => {}) {
    const { client } = api();
    const clock = new FakeClock(START);
    await setup(client);
    const factory = new SharedInformerFactory({ client, clock });
    const proxier = new RecordingProxier();
    const errors: string[] = [];
    const proxy = new ServiceProxy({ factory, proxier: proxier as unknown as Proxier, onError: (e) => errors.push((e as Error).message) });
    factory.start();
    const starting = started(proxy.start());
    await settle(clock);
    await starting;
    return { client, clock, factory, proxier, proxy, errors };
  }
  const service = (name: string): Service => ({ metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });

  it('syncs once at start, with every Service and EndpointSlice the informers listed', async () => {
    const { proxier, proxy, factory } = await proxyOn(async (c) => {
      await c.resource<Service>('services', 'default').create(service('web'));
      await c.resource<Service>('services', 'default').create(service('api'));
    });
    expect(proxier.syncs).toEqual([{ services: ['api', 'web'], slices: [] }]);
    await proxy.stop();
    await factory.shutdown();
  });

  it('syncs again after a Service is created, with it in the sync', async () => {
    const { client, clock, proxier, proxy, factory } = await proxyOn();
    await client.resource<Service>('services', 'default').create(service('web'));
    await settle(clock);
    await proxy.synced();
    expect(proxier.syncs.at(-1)).toEqual({ services: ['web'], slices: [] });
    expect(proxy.syncs, 'its count of syncs').toBe(proxier.syncs.length);
    await proxy.stop();
    await factory.shutdown();
  });

  it('reports a sync that fails to onError, and syncs again on the next change', async () => {
    const { client, clock, proxier, proxy, errors, factory } = await proxyOn();
    proxier.failNext = true;
    await client.resource<Service>('services', 'default').create(service('web'));
    await settle(clock);
    expect(errors).toEqual(['cannot listen for clusterIP 127.96.0.5:80 of default/web: address in use']);
    const before = proxier.syncs.length;
    await client.resource<Service>('services', 'default').create(service('api'));
    await settle(clock);
    expect(proxier.syncs.length).toBe(before + 1);
    await proxy.stop();
    await factory.shutdown();
  });

  it('syncs once at start even when there is no Service at all: the first sync closes what an earlier run left listening', async () => {
    const { proxier, proxy, factory } = await proxyOn();
    expect(proxier.syncs).toEqual([{ services: [], slices: [] }]);
    await proxy.stop();
    await factory.shutdown();
  });

  it('start() waits for both informers\' first lists, even when the factory is started after it', async () => {
    const { client } = api();
    await client.resource<Service>('services', 'default').create(service('web'));
    const clock = new FakeClock(START);
    const factory = new SharedInformerFactory({ client, clock });
    const proxier = new RecordingProxier();
    const proxy = new ServiceProxy({ factory, proxier: proxier as unknown as Proxier });
    let resolved = false;
    const starting = started(proxy.start()).then(() => (resolved = true));
    await settle(clock);
    expect(resolved, 'start() resolved before any list').toBe(false);
    factory.start();
    await settle(clock);
    await starting;
    expect(proxier.syncs).toEqual([{ services: ['web'], slices: [] }]);
    await proxy.stop();
    await factory.shutdown();
  });

  it('synced() resolves only once the sync under way has ended', async () => {
    const { client, clock, proxier, proxy, factory } = await proxyOn();
    let release = () => {};
    proxier.gate = () => new Promise<void>((resolve) => (release = resolve));
    await client.resource<Service>('services', 'default').create(service('web'));
    await settle(clock);
    let synced = false;
    const waiting = proxy.synced().then(() => (synced = true));
    await settle(clock);
    expect(synced, 'synced() resolved while the sync was still running').toBe(false);
    release();
    await waiting;
    expect(proxier.syncs.at(-1)).toEqual({ services: ['web'], slices: [] });
    await proxy.stop();
    await factory.shutdown();
  });

  it('with no onError, drops a failed sync and syncs again on the next change', async () => {
    const { client } = api();
    const clock = new FakeClock(START);
    const factory = new SharedInformerFactory({ client, clock });
    const proxier = new RecordingProxier();
    const proxy = new ServiceProxy({ factory, proxier: proxier as unknown as Proxier });
    factory.start();
    const starting = started(proxy.start());
    await settle(clock);
    await starting;
    proxier.failNext = true;
    await client.resource<Service>('services', 'default').create(service('web'));
    proxy.requestSync();
    await proxy.synced();
    await settle(clock);
    await client.resource<Service>('services', 'default').create(service('api'));
    await settle(clock);
    await proxy.synced();
    expect(proxier.syncs.at(-1)).toEqual({ services: ['api', 'web'], slices: [] });
    await proxy.stop();
    await factory.shutdown();
  });

  it('on stop, stops the proxier, and syncs nothing for later changes', async () => {
    const { client, clock, proxier, proxy, factory } = await proxyOn();
    await proxy.stop();
    expect(proxier.stopped).toBe(true);
    const before = proxier.syncs.length;
    await client.resource<Service>('services', 'default').create(service('web'));
    await settle(clock);
    expect(proxier.syncs.length).toBe(before);
    await factory.shutdown();
  });
});

describe('startCluster: the start-up order, read from the trace', () => {
  it('starts etcd, then the apiserver, then the bootstrap; the scheduler, the controller manager and DNS after the bootstrap; DNS before every kubelet; kube-proxy after the kubelets; the kubeconfig last', async () => {
    const users = new Set<string>();
    const { cluster, trace, dataDir, cleanup } = await httpsCluster({ port: 29443, dns: { host: '127.0.29.53', port: 29053 }, wrapClient: (client, user) => (users.add(user), client) });
    try {
      expect(cluster.url, 'the apiserver on the host and port asked for').toBe('https://127.0.29.1:29443');
      expect(cluster.parts.dnsAddress, 'DNS on the host and port asked for').toBe('127.0.29.53:29053');
      for (const n of cluster.nodes) {
        // What the node's runtime is asked to create underneath: the container's environment points its resolver at DNS.
        const runtime = n.runtime;
        const created: ContainerConfig[] = [];
        runtime.createContainer = async (_sandbox, config) => (created.push(config), 'probe');
        const sandbox = await runtime.runPodSandbox({ metadata: { name: 'probe', namespace: 'shop', uid: `probe-${n.name}` } });
        await runtime.createContainer(sandbox, { metadata: { name: 'app' }, image: { image: 'kubekata/echo' } });
        await runtime.removePodSandbox(sandbox);
        expect(created[0]?.envs?.find((e) => e.key === 'KUBE_DNS_SERVER')?.value, `${n.name}'s containers are told where DNS answers`).toBe('127.0.29.53:29053');
      }
      expect(existsSync(join(dataDir, 'etcd')), "etcd's log in the data dir").toBe(true);
      expect(readFileSync(join(dataDir, 'kubeconfig'), 'utf8'), 'the kubeconfig in the data dir, pointing at the apiserver').toContain('server: https://127.0.29.1:29443');
      expect([...users].sort(), 'each component as its own user').toEqual(['kubernetes-admin', 'system:kube-controller-manager', 'system:kube-proxy', 'system:kube-scheduler', 'system:node:node-1', 'system:node:node-2', 'system:serviceaccount:kube-system:coredns']);
      // kubectl get leases -n kube-system, as on a v1.32 cluster: the apiserver's identity and the two leaders'
      const leases = (await cluster.client.resource<Lease>('leases', 'kube-system').list()).items;
      // the name: base32 of SHA-256 over the length-prefixed 'control-plane' and 'kube-apiserver' (Python's hashlib and base64 agree)
      expect(leases.map((l) => l.metadata.name).sort()).toEqual(['apiserver-6vzvajxlkf7lcarzgdc4jnyaru', 'kube-controller-manager', 'kube-scheduler']);
      const identity = leases.find((l) => l.metadata.name!.startsWith('apiserver-'))!;
      expect([identity.metadata.labels, identity.spec?.leaseDurationSeconds, identity.spec?.holderIdentity]).toEqual([
        { 'apiserver.kubernetes.io/identity': 'kube-apiserver', 'kubernetes.io/hostname': 'control-plane' },
        3600,
        expect.stringMatching(/^apiserver-6vzvajxlkf7lcarzgdc4jnyaru_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      ]);
      // kube-controller-manager --root-ca-file, as kubeadm starts it: the CA in every namespace, even one made later.
      expect(cluster.parts.controllerManager.controllers, 'the controller manager was given rootCA: controlPlane.caCertificate').toContain('root-ca-cert-publisher');
      expect(cluster.parts.controllerManager.controllers, 'the controller manager was given legacyTokens: controlPlane.legacyTokens').toContain('serviceaccount-token');
      await cluster.client.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
      const published = await rootCAConfigMaps(cluster.client, ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'shop']);
      for (const [namespace, configMap] of published) expect(configMap.data, `${namespace}/kube-root-ca.crt holds the cluster's CA`).toEqual({ 'ca.crt': cluster.parts.controlPlane.caCertificate });
      const lines = trace.map((e) => `${e.component} ${e.phase}`);
      const before = (a: string, b: string) => expect(at(trace, a), `"${a}" before "${b}" in: ${lines.join(', ')}`).toBeLessThan(at(trace, b));
      for (const line of ['etcd ready', 'kube-apiserver ready', 'bootstrap ready', 'kube-scheduler ready', 'kube-controller-manager ready', 'coredns ready', 'kube-proxy ready', 'kubeconfig ready']) {
        expect(at(trace, line), `the trace has "${line}": ${lines.join(', ')}`).toBeGreaterThanOrEqual(0);
      }
      before('etcd ready', 'kube-apiserver starting');
      before('kube-apiserver ready', 'bootstrap starting');
      before('bootstrap ready', 'kube-scheduler starting');
      before('bootstrap ready', 'kube-controller-manager starting');
      before('bootstrap ready', 'coredns starting');
      const kubelets = allAt(trace, 'kubelet ', 'starting');
      expect(kubelets, 'two kubelets started').toHaveLength(2);
      for (const index of kubelets) {
        expect(at(trace, 'coredns ready'), 'DNS is ready before a kubelet starts: it tells its containers where DNS answers').toBeLessThan(index);
        expect(at(trace, 'kube-scheduler ready'), 'the scheduler is ready before a kubelet starts').toBeLessThan(index);
        expect(at(trace, 'kube-controller-manager ready'), 'the controller manager is ready before a kubelet starts').toBeLessThan(index);
      }
      for (const index of allAt(trace, 'kubelet ', 'ready')) expect(index, 'kube-proxy runs on a node: after its kubelet').toBeLessThan(at(trace, 'kube-proxy starting'));
      expect(at(trace, 'kubeconfig starting'), 'the kubeconfig is written last').toBe(trace.length - 2);
    } finally {
      await cluster.stop();
      cleanup();
    }
  });

  it('registers a Ready node per kubelet, each with its own pod CIDR, before the kubeconfig is written', async () => {
    const { cluster, cleanup } = await httpsCluster({ nodes: 3 });
    try {
      const nodes = (await cluster.client.nodes().list()).items.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
      expect(nodes.map((n) => n.metadata.name)).toEqual(['node-1', 'node-2', 'node-3']);
      expect(nodes.map((n) => n.spec?.podCIDR)).toEqual(['127.0.10.0/24', '127.0.11.0/24', '127.0.12.0/24']);
      for (const n of nodes) expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, `${n.metadata.name} is Ready`).toBe('True');
    } finally {
      await cluster.stop();
      cleanup();
    }
  });
});

describe('startCluster: kube-proxy for every node', () => {
  it('serves a NodePort Service on each node\'s InternalIP, where `kubectl get nodes -o wide` says the node is, until the cluster stops', async () => {
    const lines: string[] = [];
    // kube-proxy's first list of EndpointSlices fails: its informer tries again, and says so in the log.
    const failingFirstList = (inner: ApiClient): ApiClient => {
      let failures = 1;
      const client = Object.create(inner) as ApiClient;
      client.resource = <T extends KubeObject>(resource: string, namespace?: string) => {
        const real = inner.resource<T>(resource, namespace);
        return resource === 'endpointslices' ? { ...real, list: (options?: ListOptions) => (failures-- > 0 ? Promise.reject(new Error('the first list of endpointslices fails')) : real.list(options)) } : real;
      };
      return client;
    };
    const { cluster, cleanup } = await httpsCluster({
      wrapClient: (client, user) => (user === 'system:kube-proxy' ? failingFirstList(client) : client),
      log: (component, line) => lines.push(`${component}: ${line}`),
    });
    let stopped = false;
    const busy = createServer();
    try {
      expect(lines, 'kube-proxy\'s informer failure, in the log as its component').toContain('kube-proxy: the first list of endpointslices fails');
      const { factory, proxy } = cluster.parts.proxy!;
      const seen = new Promise<void>((resolve) => {
        // Added after the ServiceProxy's own handler: by the time this runs, the proxy has been asked to sync.
        factory.services().addEventHandler({ onAdd: (service) => service.metadata.name === 'web' && resolve() });
      });
      // No selector and no endpoints: the rules REJECT, so a listener resets where none would refuse.
      await cluster.client.resource<Service>('services', 'default').create({ metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 32729 }] } });
      await seen;
      await proxy.synced();
      const nodes = (await cluster.client.nodes().list()).items;
      const internalIPs = nodes.map((node) => node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? `${node.metadata.name} has no InternalIP`);
      expect(internalIPs).toEqual(['127.0.10.1', '127.0.11.1']);
      for (const address of ['127.0.0.1', ...internalIPs]) expect(`${address}:32729 ${await ask(address, 32729)}`).toBe(`${address}:32729 reset`);
      expect(`127.0.29.2:32729 ${await ask('127.0.29.2', 32729)}`, 'not a node\'s address').toBe('127.0.29.2:32729 refused');
      // A node port someone else holds: the sync fails, and kube-proxy says so in the log.
      await new Promise<void>((resolve) => busy.listen(32730, '127.0.10.1', resolve));
      const seenBusy = new Promise<void>((resolve) => factory.services().addEventHandler({ onAdd: (service) => service.metadata.name === 'busy' && resolve() }));
      await cluster.client.resource<Service>('services', 'default').create({ metadata: { name: 'busy' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 32730 }] } });
      await seenBusy;
      await proxy.synced();
      expect(lines.find((line) => line.includes('32730')), 'the failed sync, in the log as kube-proxy\'s').toMatch(/^kube-proxy: /);
      await cluster.stop();
      stopped = true;
      for (const address of internalIPs) expect(`${address}:32729 ${await ask(address, 32729)}`, 'kube-proxy stopped: its listeners are closed').toBe(`${address}:32729 refused`);
    } finally {
      if (!stopped) await cluster.stop();
      busy.close();
      cleanup();
    }
  });
});

describe('Cluster.stop: the shut-down order', () => {
  it('stops kube-proxy and every kubelet and runtime before the controller manager, the scheduler and the apiserver, and closes etcd last', async () => {
    const { cluster, trace, cleanup } = await httpsCluster();
    const started = trace.length;
    await cluster.stop();
    cleanup();
    const stopping = trace.slice(started);
    const lines = stopping.map((e) => `${e.component} ${e.phase}`);
    const index = (line: string) => at(stopping, line);
    expect(lines.at(-1), 'etcd is closed last: every write acknowledged is flushed').toBe('etcd stopped');
    expect(index('kube-apiserver stopped'), 'the apiserver stops before the store closes').toBeLessThan(index('etcd stopping'));
    for (const component of ['kube-proxy', 'kubelet node-1', 'kubelet node-2', 'runtime node-1', 'runtime node-2', 'coredns', 'kube-controller-manager', 'kube-scheduler']) {
      expect(index(`${component} stopped`), `${component} stops (before the apiserver): ${lines.join(', ')}`).toBeGreaterThanOrEqual(0);
      expect(index(`${component} stopped`), `${component} stops before the apiserver it talks to`).toBeLessThan(index('kube-apiserver stopping'));
    }
    for (const n of ['node-1', 'node-2']) {
      expect(index(`kubelet ${n} stopped`), `the kubelet of ${n} stops before the controller manager, which would otherwise see its node die`).toBeLessThan(index('kube-controller-manager stopping'));
    }
  });

  it('leaves nothing listening: the apiserver\'s port is closed once stop resolves', async () => {
    const { cluster, cleanup } = await httpsCluster({ nodes: 1, dns: undefined } as Partial<ClusterOptions>);
    const { port } = new URL(cluster.url);
    expect(cluster.parts.dnsAddress, 'with no dns option, DNS at the service range\'s tenth address, port 10053').toBe('127.229.0.10:10053');
    await cluster.stop();
    cleanup();
    const { connect } = await import('node:net');
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), '127.0.29.1');
      socket.on('connect', () => (socket.destroy(), resolve(false)));
      socket.on('error', () => resolve(true));
    });
    expect(refused, `something still listens on 127.0.29.1:${port}`).toBe(true);
  });
});

describe('the cluster at work, on a FakeClock', () => {
  it('runs a Deployment of 3 replicas: a ReplicaSet, 3 pods bound to Ready nodes, each Running and Ready', async () => {
    const random = new Random(29);
    const { cluster, clock, advance } = await localCluster({ nodes: 2, random, settings: { leaderLeaseDurationMs: 20_000 } });
    expect(random.string(8), 'the cluster drew its names from the Random it was given').not.toBe(new Random(29).string(8));
    expect([cluster.parts.dns, cluster.parts.proxy, cluster.kubeconfig], 'transport local: no DNS, no kube-proxy, no kubeconfig').toEqual([undefined, undefined, undefined]);
    const lease = await cluster.client.resource<Lease>('leases', 'kube-system').get('kube-controller-manager');
    expect(lease.spec?.holderIdentity, 'the controller manager\'s identity: control-plane_ and 8 characters of the kit\'s alphabet').toMatch(/^control-plane_[bcdfghjklmnpqrstvwxz2456789]{8}$/);
    expect(lease.spec?.leaseDurationSeconds, 'the lease duration the settings give').toBe(20);
    const schedulerLease = await cluster.client.resource<Lease>('leases', 'kube-system').get('kube-scheduler');
    expect([schedulerLease.spec?.holderIdentity, schedulerLease.spec?.leaseDurationSeconds], 'the scheduler leads under its own Lease, as the same control-plane candidate').toEqual([lease.spec?.holderIdentity, 20]);
    expect(cluster.parts.scheduler.leading, 'the scheduler the cluster started is the one that leads').toBe(true);
    expect(cluster.parts.settings, 'the settings given over the defaults').toEqual({ ...DEFAULT_SETTINGS, leaderLeaseDurationMs: 20_000 });
    await cluster.client.resource<Deployment>('deployments', 'default').create(makeDeployment('web', { replicas: 3, image: 'kubekata/echo' }));
    await advance(2000);
    const pods = (await cluster.client.pods('default').list()).items;
    expect(pods.filter(runningAndReady).map((p) => p.spec?.nodeName).every((n) => n === 'node-1' || n === 'node-2')).toBe(true);
    expect(pods.filter(runningAndReady)).toHaveLength(3);
    expect((await cluster.client.resource('replicasets', 'default').list()).items).toHaveLength(1);
    await cluster.stop();
    expect(clock.pending(), 'timers left on the clock by a component that was not stopped').toBe(0);
  });

  it('moves the pods of a node whose kubelet stopped, once the node is unreachable and the pods\' tolerationSeconds have passed', async () => {
    const { cluster, advance } = await localCluster({ nodes: 2, settings: { nodeMonitorGracePeriodMs: 40_000 } });
    const deployment = makeDeployment('web', { replicas: 2, image: 'kubekata/echo' });
    // The user's choice, as a Deployment may say: leave an unreachable node after 30 s, not the default 300 s.
    deployment.spec!.template.spec!.tolerations = [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    ];
    await cluster.client.resource<Deployment>('deployments', 'default').create(deployment);
    await advance(2000);
    await cluster.node('node-2').stopKubelet();
    await advance(40_000 + 30_000 + 15_000);
    const pods = (await cluster.client.pods('default').list()).items.filter((p) => !p.metadata.deletionTimestamp);
    expect(pods.filter(runningAndReady).map((p) => p.spec?.nodeName)).toEqual(['node-1', 'node-1']);
    const node2 = await cluster.client.nodes().get('node-2');
    expect(node2.spec?.taints?.map((t) => t.key)).toContain('node.kubernetes.io/unreachable');
    // What kubectl describe shows of it: the node controller's and the taint eviction controller's events.
    const events = (await cluster.client.events('default').list()).items;
    const from = (component: string) => events.filter((e) => e.source?.component === component).map((e) => `${e.involvedObject.kind}/${e.type}/${e.reason}: ${e.message}`);
    expect(from('node-controller')).toContain('Node/Normal/NodeNotReady: Node node-2 status is now: NodeNotReady');
    const evicted = events.filter((e) => e.reason === 'TaintManagerEviction').map((e) => e.involvedObject.name!);
    expect(evicted.length, 'the pods that were on node-2').toBeGreaterThan(0);
    for (const name of evicted) {
      expect(from('node-controller'), `${name} was marked not ready`).toContain('Pod/Warning/NodeNotReady: Node is not ready');
      expect(from('taint-eviction-controller')).toContain(`Pod/Normal/TaintManagerEviction: Marking for deletion Pod default/${name}`);
    }
    await cluster.stop();
  });

  it('runs the bootstrap again after a restart of the control plane: the kubernetes Service\'s endpoints, deleted meanwhile, are back', async () => {
    const { cluster, settle, trace } = await localCluster({ nodes: 1, serviceCIDR: '127.200.0.0/16' });
    const clusterIP = async () => (await cluster.client.resource<Service>('services', 'default').get('kubernetes')).spec?.clusterIP;
    expect(await clusterIP(), 'the kubernetes Service in the service range asked for').toBe('127.200.0.1');
    await cluster.client.resource<Endpoints>('endpoints', 'default').delete('kubernetes');
    const before = trace.length;
    await cluster.restartControlPlane();
    await settle();
    expect(trace.slice(before).map((e) => `${e.component} ${e.phase}`)).toEqual(['etcd stopping', 'etcd stopped', 'etcd starting', 'etcd ready', 'bootstrap starting', 'bootstrap ready']);
    expect((await cluster.client.resource<Endpoints>('endpoints', 'default').get('kubernetes')).subsets?.[0]?.addresses).toEqual([{ ip: '127.0.0.1' }]);
    expect(await clusterIP(), 'the bootstrap after the restart keeps to the same service range').toBe('127.200.0.1');
    await cluster.stop();
  });

  it('keeps the objects in the store given as options.storage, as it would in a real etcd', async () => {
    const external = new MvccStore();
    const { cluster, advance } = await localCluster({ nodes: 1, storage: { store: external } });
    await cluster.client.resource<Deployment>('deployments', 'default').create(makeDeployment('web', { replicas: 1, image: 'kubekata/echo' }));
    await advance(1000);
    expect(external.range('/registry/deployments/default/web').kvs, 'the Deployment is in the given store').toHaveLength(1);
    expect(external.range('/registry/services/default/kubernetes').kvs, 'so is the bootstrap').toHaveLength(1);
    await cluster.stop();
  });

  it('hands options.explain to the scheduler: the cluster can say why each pod went where', async () => {
    const log = new ExplanationLog({ limit: 10 });
    const lines: string[] = [];
    // The scheduler may not write events: its failure goes to the log, as kube-scheduler's.
    const refusingEvents = (inner: ApiClient): ApiClient => {
      const client = Object.create(inner) as ApiClient;
      client.resource = <T extends KubeObject>(resource: string, namespace?: string) => {
        const real = inner.resource<T>(resource, namespace);
        return resource === 'events' ? { ...real, create: () => Promise.reject(new Error('events are forbidden to this test\'s scheduler')) } : real;
      };
      return client;
    };
    const { cluster, settle } = await localCluster({
      nodes: 2,
      explain: log,
      wrapClient: (client, user) => (user === 'system:kube-scheduler' ? refusingEvents(client) : client),
      log: (component, line) => lines.push(`${component}: ${line}`),
    });
    await cluster.client.pods('default').create(pending('web'));
    await settle();
    const bound = (await cluster.client.pods('default').get('web')).spec?.nodeName;
    expect(bound).toMatch(/^node-[12]$/);
    expect(log.get('default', 'web')?.outcome, 'the scheduler recorded its decision about default/web').toEqual({ result: 'Bound', nodeName: bound });
    expect(lines, 'the scheduler\'s failure, in the log as its component').toContain('kube-scheduler: events are forbidden to this test\'s scheduler');
    await cluster.stop();
  });

  it('over transport local with a dataDir: the nodes run the process runtime unless told otherwise, with their pods\' folders under <dataDir>/nodes/<name>, and no kubeconfig is written', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubekata-29-'));
    // A startCluster that forgets to pass the dataDir on makes the nodes' folders under ./nodes.
    const stray = join(process.cwd(), 'nodes');
    const strayBefore = existsSync(stray);
    try {
      const { cluster } = await localCluster({ nodes: 1, dataDir, runtime: undefined } as Partial<ClusterOptions>);
      try {
        const runtime = cluster.node('node-1').runtime;
        expect(runtime, 'the default runtime').toBeInstanceOf(ProcessRuntime);
        const sandbox = await runtime.runPodSandbox({ metadata: { name: 'probe', namespace: 'default', uid: 'probe-29' } });
        expect(existsSync(join(dataDir, 'nodes', 'node-1', 'pods', 'default_probe_probe-29')), 'the pod\'s log folder under the data dir').toBe(true);
        await runtime.removePodSandbox(sandbox);
        expect(existsSync(join(dataDir, 'etcd')), "etcd's log in the data dir").toBe(true);
        expect([cluster.kubeconfig, existsSync(join(dataDir, 'kubeconfig'))], 'no kubeconfig over transport local').toEqual([undefined, false]);
      } finally {
        await cluster.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      if (!strayBefore) rmSync(stray, { recursive: true, force: true });
    }
  });

  it('after a restart of the control plane, keeps every object and leaves the running pods alone', async () => {
    const { cluster, settle, advance } = await localCluster({ nodes: 1 });
    await cluster.client.resource<Deployment>('deployments', 'default').create(makeDeployment('web', { replicas: 2, image: 'kubekata/echo' }));
    await advance(2000);
    const before = (await cluster.client.pods('default').list()).items.map((p) => `${p.metadata.uid} ${p.status?.containerStatuses?.[0]?.containerID}`).sort();
    await cluster.restartControlPlane();
    await settle();
    await advance(5000);
    const after = (await cluster.client.pods('default').list()).items.map((p) => `${p.metadata.uid} ${p.status?.containerStatuses?.[0]?.containerID}`).sort();
    expect(after).toEqual(before);
    await cluster.stop();
  });
});

describe('properties', () => {
  test.prop([fc.array(fc.record({ host: fc.constantFrom('127.0.0.1', '127.0.0.2', '127.0.5.9'), port: fc.integer({ min: 1024, max: 65535 }) }), { minLength: 1, maxLength: 6 })], { numRuns: 40 })(
    'whatever apiserver addresses came before, bootstrapping at the last one leaves the same objects as bootstrapping at it alone',
    async (addresses) => {
      const replayed = api();
      for (const address of addresses) await bootstrapCluster(replayed.client, address);
      const fresh = api();
      await bootstrapCluster(fresh.client, addresses.at(-1)!);
      for (const [resource, namespace] of [['namespaces', undefined], ['services', 'default'], ['services', 'kube-system'], ['endpoints', 'default'], ['endpointslices', 'default']] as const) {
        const strip = (m: Map<string, KubeObject>) => [...m].map(([name, o]) => [name, { ...o, metadata: { name: o.metadata.name, namespace: o.metadata.namespace, labels: o.metadata.labels } }]).sort();
        expect(strip(await byName(replayed.client, resource, namespace)), `${resource} in ${namespace ?? 'the cluster'}`).toEqual(strip(await byName(fresh.client, resource, namespace)));
      }
    },
  );

  type Story = { kind: 'node'; cpu: number } | { kind: 'pod'; cpu: number } | { kind: 'delete-pod'; index: number } | { kind: 'tick' };
  const story = fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('node' as const), cpu: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('pod' as const), cpu: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant('delete-pod' as const), index: fc.nat(20) }),
      fc.constant({ kind: 'tick' as const }),
    ),
    { maxLength: 25 },
  );
  test.prop([story], { numRuns: 40 })(
    'under any story of nodes added and pods created and deleted, the loop never over-commits a node, and once settled every pod that fits on some node is bound',
    async (steps) => {
      const { client } = api();
      const clock = new FakeClock(START);
      const scheduler = new SchedulerRunner({ client, clock, random: new Random(3) });
      const starting = started(scheduler.start());
      await settle(clock);
      await starting;
      let nodes = 0;
      let pods = 0;
      for (const step of steps) {
        if (step.kind === 'node') await client.nodes().create(node(`n${nodes++}`, `${step.cpu * 1000}m`));
        if (step.kind === 'pod') await client.pods('default').create(pending(`p${pods++}`, `${step.cpu * 500}m`));
        if (step.kind === 'delete-pod' && step.index < pods) await client.pods('default').delete(`p${step.index}`).catch(() => undefined);
        if (step.kind === 'tick') await clock.advance(1000);
        await settle(clock, 5);
      }
      // Long enough for every back-off (at most 10 s) and the unschedulable pods' leftover flush (5 min).
      for (let i = 0; i < 320; i++) await clock.advance(1000);
      await settle(clock);
      const all = (await client.pods('default').list()).items;
      const allocatable = new Map((await client.nodes().list()).items.map((n) => [n.metadata.name!, Number.parseInt(n.status!.allocatable!.cpu!, 10)]));
      const used = new Map<string, number>();
      for (const pod of all) {
        const at = pod.spec?.nodeName;
        if (at) used.set(at, (used.get(at) ?? 0) + Number.parseInt(pod.spec!.containers[0]!.resources!.requests!.cpu!, 10));
      }
      for (const [name, cpu] of used) expect(cpu, `node ${name} is over-committed`).toBeLessThanOrEqual(allocatable.get(name)!);
      for (const pod of all.filter((p) => !p.spec?.nodeName)) {
        const want = Number.parseInt(pod.spec!.containers[0]!.resources!.requests!.cpu!, 10);
        const fits = [...allocatable].some(([name, cpu]) => cpu - (used.get(name) ?? 0) >= want);
        expect(fits, `${pod.metadata.name} (${want}m) is pending though a node has room for it`).toBe(false);
      }
      await scheduler.stop();
    },
  );

  test.prop([fc.scheduler(), fc.array(fc.constantFrom('web', 'api', 'db'), { minLength: 1, maxLength: 8 })], { numRuns: 40 })(
    'whatever the interleaving of Service changes and syncs, syncs never overlap, and the last sync sees every Service that exists',
    async (s, names) => {
      const { client } = api();
      const clock = new FakeClock(START);
      const factory = new SharedInformerFactory({ client, clock });
      const proxier = new RecordingProxier();
      proxier.gate = () => s.schedule(Promise.resolve(), 'a sync ends');
      const proxy = new ServiceProxy({ factory, proxier: proxier as unknown as Proxier });
      factory.start();
      const starting = started(proxy.start());
      const changes = s.scheduleSequence(
        names.map((name, i) => ({
          label: `${i % 2 === 0 ? 'create' : 'delete'} ${name}`,
          builder: async () => {
            const services = client.resource<Service>('services', 'default');
            if (i % 2 === 0) await services.create({ metadata: { name: `${name}-${i}`, namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });
            else await services.delete(`${names[i - 1]}-${i - 1}`);
            await settle(clock, 3);
          },
        })),
      );
      // Run the scheduled steps one at a time, in fast-check's order, letting the informers act between them.
      for (let steps = 0; steps < 500 && (!changes.done || s.count() > 0); steps++) {
        if (s.count() > 0) await s.waitOne();
        await settle(clock, 3);
      }
      expect(changes.done, `every change ran: ${s.report().map((r) => r.label).join(', ')}`).toBe(true);
      await starting;
      await proxy.synced();
      expect(proxier.overlapped, 'two syncs ran at once').toBe(false);
      const exist = (await client.resource<Service>('services', 'default').list()).items.map((x) => x.metadata.name!).sort();
      expect(proxier.syncs.at(-1)?.services, 'the last sync').toEqual(exist);
      expect(proxier.syncs.length, 'at most one sync per change, plus the first').toBeLessThanOrEqual(names.length + 1);
      await proxy.stop();
      await factory.shutdown();
    },
  );
});

describe('under faults', () => {
  // A few stories of the chaos property that `npm test` runs at length against the reference
  // (tools/test/cluster-chaos.test.ts): user actions and faults — crashed containers, dead nodes,
  // broken watches, compactions, apiserver and controller-manager restarts, a stolen lease — after
  // which the cluster must converge. A failure writes the story's timeline to out/chaos/.
  chaosProperty({ numRuns: 3, replayCommand: 'npx vitest run test/cluster/29-cluster.test.ts -t converges' });
});
