/**
 * Kata 21 — endpoints, namespaces and garbage collection. The spec is katas/controllers/21-endpoints-gc.md.
 *
 * The examples read as the spec: named target ports resolved per pod, not-ready addresses apart,
 * Endpoints kept and deleted with their Service; EndpointSlices of at most 100 with their labels,
 * owner and conditions; a deleted namespace emptied, then finalized; the garbage collector's
 * background, foreground and orphan deletion, dangling owners and pods with two owners. The
 * properties: under any story of pod changes and late informers, the Endpoints and the slices
 * list exactly the ready (and not-ready) pods the Service selects once settled; and deleting an
 * owner in background or foreground mode removes every dependent, in orphan mode none, each
 * losing its reference.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { toRFC3339, type Deployment, type EndpointSlice, type KubeObject, type Namespace, type OwnerReference, type Pod, type ReplicaSet, type Service } from '@kube/kit';
import {
  deleteWithPropagation,
  desiredEndpoints,
  EndpointsController,
  endpointsSubsets,
  EndpointSliceController,
  findPort,
  GarbageCollector,
  NamespaceController,
  podToEndpoint,
  reconcileSlices,
  SharedInformerFactory,
  type PropagationPolicy,
} from '@kube/controllers';
import { forbidden, ForwardingClient, internalError, type ResourceClient } from '@kube/apiserver';
import { ControllerCluster, makePod, START } from '../support/controllers/cluster.ts';

/** A pod with an IP, ready or not, serving `http` on `httpPort`. */
function servingPod(name: string, o: { labels?: Record<string, string>; ready?: boolean; ip?: string | null; httpPort?: number; node?: string; terminating?: boolean; uid?: string } = {}): Pod {
  const pod = makePod(name, { labels: o.labels ?? { app: 'web' }, ...(o.node && { nodeName: o.node }) });
  pod.metadata.uid = o.uid ?? `uid-${name}`;
  if (o.terminating) pod.metadata.deletionTimestamp = toRFC3339(START);
  pod.spec!.containers[0]!.ports = [{ name: 'http', containerPort: o.httpPort ?? 8080 }, { name: 'metrics', containerPort: 9100 }];
  pod.status = { phase: 'Running', ...(o.ip !== null && { podIP: o.ip ?? `127.0.1.${name.length}` }), conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] };
  return pod;
}

function makeService(name: string, selector: Record<string, string> | undefined, ports = [{ name: 'http', port: 80, targetPort: 'http' as string | number }]): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels: { tier: 'front' } }, spec: { ...(selector && { selector }), ports } };
}

const names = (addresses?: { targetRef?: { name?: string } }[]) => (addresses ?? []).map((a) => a.targetRef?.name).sort();

describe('the pure parts', () => {
  it('resolves a named target port per pod, a number as it is, and an absent one as the Service port', () => {
    const pod = servingPod('a', { httpPort: 8081 });
    expect([findPort(pod, { port: 80, targetPort: 'http' }), findPort(pod, { port: 80, targetPort: 9000 }), findPort(pod, { port: 80 }), findPort(pod, { port: 80, targetPort: 'grpc' }), findPort(pod, { port: 80, targetPort: 'http', protocol: 'UDP' })]).toEqual([8081, 9000, 80, undefined, undefined]);
  });

  it('lists ready pods in addresses and the others in notReadyAddresses, one subset per set of resolved ports, leaving out pods without an IP, finished or terminating', () => {
    const service = makeService('web', { app: 'web' });
    const done = servingPod('done');
    done.status!.phase = 'Succeeded';
    const subsets = endpointsSubsets(service, [
      servingPod('other-port', { ip: '127.0.1.4', httpPort: 9090 }),
      servingPod('waiting', { ready: false, ip: '127.0.1.5', httpPort: 9091 }),
      servingPod('ready-1', { ip: '127.0.1.2' }),
      servingPod('ready-2', { ip: '127.0.1.1' }),
      servingPod('slow-2', { ready: false, ip: '127.0.1.30' }),
      servingPod('slow', { ready: false, ip: '127.0.1.3' }),
      servingPod('no-ip', { ip: null }),
      servingPod('leaving', { terminating: true }),
      done,
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '127.0.1.1', targetRef: { kind: 'Pod', namespace: 'default', name: 'ready-2', uid: 'uid-ready-2' } },
          { ip: '127.0.1.2', targetRef: { kind: 'Pod', namespace: 'default', name: 'ready-1', uid: 'uid-ready-1' } },
        ],
        notReadyAddresses: [
          { ip: '127.0.1.3', targetRef: { kind: 'Pod', namespace: 'default', name: 'slow', uid: 'uid-slow' } },
          { ip: '127.0.1.30', targetRef: { kind: 'Pod', namespace: 'default', name: 'slow-2', uid: 'uid-slow-2' } },
        ],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
      { addresses: [{ ip: '127.0.1.4', targetRef: { kind: 'Pod', namespace: 'default', name: 'other-port', uid: 'uid-other-port' } }], ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] },
      // No pod of it is ready: no addresses list at all.
      { notReadyAddresses: [{ ip: '127.0.1.5', targetRef: { kind: 'Pod', namespace: 'default', name: 'waiting', uid: 'uid-waiting' } }], ports: [{ name: 'http', port: 9091, protocol: 'TCP' }] },
    ]);
    // Pods on the host network share the node's IP: then the uid orders them (upstream's LessEndpointAddress).
    const onHost = endpointsSubsets(service, [servingPod('a', { ip: '127.0.0.9', uid: 'uid-2' }), servingPod('b', { ip: '127.0.0.9', uid: 'uid-1' })]);
    expect(onHost[0]?.addresses?.map((a) => a.targetRef?.name)).toEqual(['b', 'a']);
  });

  it('gives the endpoint of a pod its hostname when the pod names the Service as its subdomain (a StatefulSet behind its headless Service), and only then', () => {
    const headless = makeService('db', { app: 'web' }, []);
    const member = servingPod('db-0', { ip: '127.0.1.7' });
    member.spec = { ...member.spec!, hostname: 'db-0', subdomain: 'db' };
    const elsewhere = servingPod('db-1', { ip: '127.0.1.8' });
    elsewhere.spec = { ...elsewhere.spec!, hostname: 'db-1', subdomain: 'other' };
    const plain = servingPod('web-2', { ip: '127.0.1.9' });
    expect(endpointsSubsets(headless, [member, elsewhere, plain])[0]?.addresses?.map((a) => [a.targetRef?.name, a.hostname])).toEqual([['db-0', 'db-0'], ['db-1', undefined], ['web-2', undefined]]);
    expect([...desiredEndpoints(headless, [member, elsewhere, plain]).values()].flatMap((g) => g.endpoints.map((e) => [e.targetRef?.name, e.hostname]))).toEqual([['db-0', 'db-0'], ['db-1', undefined], ['web-2', undefined]]);
    // The same pod behind a Service of another name, or in another namespace, has none.
    expect(podToEndpoint(member, makeService('web', { app: 'web' })).hostname).toBeUndefined();
    expect(podToEndpoint(member, { ...headless, metadata: { ...headless.metadata, namespace: 'other' } }).hostname).toBeUndefined();
  });

  it("publishes not-ready pods as ready for a Service with publishNotReadyAddresses, orders ports by name, leaves out a pod with none of the Service's ports, and lists a port-less Service's pods with no ports", () => {
    const twoPorts = makeService('web', { app: 'web' }, [
      { name: 'metrics', port: 9100, targetPort: 'metrics' },
      { name: 'http', port: 80, targetPort: 'http' },
    ]);
    const pods = [servingPod('b-slow', { ready: false, ip: '127.0.1.3' }), servingPod('a-ready', { ip: '127.0.1.2' })];
    const address = (pod: string, ip: string) => ({ ip, targetRef: { kind: 'Pod', namespace: 'default', name: pod, uid: `uid-${pod}` } });
    const bothPorts = [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }];
    const published = { ...twoPorts, spec: { ...twoPorts.spec!, publishNotReadyAddresses: true } } as Service;
    expect(endpointsSubsets(published, pods)).toEqual([{ addresses: [address('a-ready', '127.0.1.2'), address('b-slow', '127.0.1.3')], ports: bothPorts }]);
    const summary = (service: Service) => [...desiredEndpoints(service, pods).values()].map((g) => [g.ports, g.endpoints.map((e) => [e.targetRef?.name, e.conditions])]);
    const ready = { ready: true, serving: true, terminating: false };
    // ready for the Service's sake, but not serving: serving is the pod's own readiness, as upstream's podToEndpoint
    expect(summary(published)).toEqual([[bothPorts, [['a-ready', ready], ['b-slow', { ready: true, serving: false, terminating: false }]]]]);
    expect(summary(twoPorts)).toEqual([[bothPorts, [['a-ready', ready], ['b-slow', { ready: false, serving: false, terminating: false }]]]]);
    // A Service whose only port no pod has: no pod is an endpoint of it.
    const grpc = makeService('web', { app: 'web' }, [{ name: 'grpc', port: 50051, targetPort: 'grpc' }]);
    expect([endpointsSubsets(grpc, pods), desiredEndpoints(grpc, pods).size]).toEqual([[], 0]);
    // A Service with no ports (headless, for DNS only): every pod it selects, with no ports.
    const bare = makeService('web', { app: 'web' }, []);
    expect(endpointsSubsets(bare, pods)).toEqual([{ addresses: [address('a-ready', '127.0.1.2')], notReadyAddresses: [address('b-slow', '127.0.1.3')] }]);
    expect([...desiredEndpoints(bare, pods).values()].map((g) => [g.ports, g.endpoints.length])).toEqual([[[], 2]]);
  });

  it("orders an Endpoints subset's ports by name whatever their numbers and its addresses by IP, then pod uid, however the pods come; a Service whose spec has no ports field lists its pods with no ports", () => {
    const service = makeService('web', { app: 'web' }, [
      { name: 'b-web', port: 80, targetPort: 8080 },
      { name: 'c-debug', port: 82, targetPort: 7000 },
      { name: 'a-admin', port: 81, targetPort: 9000 },
    ]);
    // Four pods on the host network share the node's IP: their uids order them.
    const pods = [
      servingPod('c', { ip: '127.0.1.3' }),
      servingPod('h3', { ip: '127.0.0.9' }),
      servingPod('a', { ip: '127.0.1.1' }),
      servingPod('h1', { ip: '127.0.0.9' }),
      servingPod('h4', { ip: '127.0.0.9' }),
      servingPod('b', { ip: '127.0.1.2' }),
      servingPod('h2', { ip: '127.0.0.9' }),
    ];
    const sorted = [[{ name: 'a-admin', port: 9000, protocol: 'TCP' }, { name: 'b-web', port: 8080, protocol: 'TCP' }, { name: 'c-debug', port: 7000, protocol: 'TCP' }], ['h1', 'h2', 'h3', 'h4', 'a', 'b', 'c']];
    for (const order of [pods, [...pods].reverse(), [pods[1]!, pods[4]!, pods[3]!, pods[6]!, pods[0]!, pods[5]!, pods[2]!]]) {
      expect(endpointsSubsets(service, order).map((s) => [s.ports, s.addresses?.map((a) => a.targetRef?.name)]), order.map((p) => p.metadata.name).join(' ')).toEqual([sorted]);
    }
    const bare = { ...service, spec: { selector: { app: 'web' } } } as Service;
    expect(endpointsSubsets(bare, pods.slice(0, 2)).map((s) => [s.ports, s.addresses?.map((a) => a.targetRef?.name)])).toEqual([[undefined, ['h3', 'c']]]);
    expect([...desiredEndpoints(bare, pods).values()].map((g) => [g.ports, g.endpoints.length])).toEqual([[[], 7]]);
  });

  it('fills a slice it writes anyway only up to the maximum, the rest going to a new slice, and takes a slice read back without a ports field (a nil list in Go) as one with no ports', () => {
    const service = { ...makeService('web', { app: 'web' }), metadata: { ...makeService('web', {}).metadata, uid: 'uid-web' } };
    const named = (slice: EndpointSlice, name: string) => ({ ...slice, metadata: { ...slice.metadata, name } });
    const summary = (slices: EndpointSlice[]) => slices.map((s) => [s.metadata.name ?? s.metadata.generateName, s.endpoints.map((e) => e.targetRef?.name)]);
    const want = (on: Service, ...ids: number[]) => desiredEndpoints(on, ids.map((i) => servingPod(`p${i}`, { ip: `127.0.4.${i}`, node: 'n1' })));
    const a = named(reconcileSlices(service, [], want(service, 1, 2, 3), 3).create[0]!, 'web-a');
    // p1 goes, p6 and p7 come: web-a, written anyway, takes p6 and is full; p7 gets a new slice.
    const filled = reconcileSlices(service, [a], want(service, 2, 3, 6, 7), 3);
    expect([summary(filled.update), summary(filled.create), filled.delete]).toEqual([[['web-a', ['p2', 'p3', 'p6']]], [['web-', ['p7']]], []]);
    // A Service without ports: its slice read back without `ports` is still its slice, updated in place.
    const headless = { ...service, spec: { ...service.spec!, ports: [] } } as Service;
    const slice: EndpointSlice = named(reconcileSlices(headless, [], want(headless, 1)).create[0]!, 'web-h');
    delete slice.ports;
    const grown = reconcileSlices(headless, [slice], want(headless, 1, 2));
    expect([summary(grown.update), grown.create, grown.delete]).toEqual([[['web-h', ['p1', 'p2']]], [], []]);
    // So is an empty placeholder without `ports`: it stays.
    const placeholder: EndpointSlice = named(reconcileSlices(service, [], new Map()).create[0]!, 'web-p');
    delete placeholder.ports;
    expect(reconcileSlices(service, [placeholder], new Map())).toEqual({ create: [], update: [], delete: [] });
  });

  it("names a slice's port '' when the Service port has no name, as upstream does: kubectl describe svc reads the name through a pointer", () => {
    const unnamed = makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }] as never);
    const groups = [...desiredEndpoints(unnamed, [servingPod('a', { ip: '127.0.2.1' })]).values()];
    expect(groups.map((g) => g.ports)).toEqual([[{ name: '', port: 8080, protocol: 'TCP' }]]);
  });

  it('cuts 250 endpoints into slices of at most 100, labelled and owned by the Service, with ready, serving and terminating conditions', () => {
    const service = { ...makeService('web', { app: 'web' }), metadata: { ...makeService('web', {}).metadata, uid: 'uid-web' } };
    const pods = Array.from({ length: 250 }, (_, i) => servingPod(`p${String(i).padStart(3, '0')}`, { ip: `127.0.2.${i}`, ready: i !== 1, terminating: i === 2, node: 'n1' }));
    const desired = desiredEndpoints(service, pods, () => 'zone-a');
    const changes = reconcileSlices(service, [], desired);
    expect([changes.create.map((s) => s.endpoints.length), changes.update, changes.delete]).toEqual([[100, 100, 50], [], []]);
    const slice = changes.create[0]!;
    expect(slice.metadata).toEqual({
      generateName: 'web-',
      namespace: 'default',
      labels: { tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }],
    });
    expect([slice.addressType, slice.ports]).toEqual(['IPv4', [{ name: 'http', port: 8080, protocol: 'TCP' }]]);
    expect(slice.endpoints.slice(0, 3)).toEqual([
      { addresses: ['127.0.2.0'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'zone-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'p000', uid: 'uid-p000' } },
      { addresses: ['127.0.2.1'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'n1', zone: 'zone-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'p001', uid: 'uid-p001' } },
      { addresses: ['127.0.2.2'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'n1', zone: 'zone-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'p002', uid: 'uid-p002' } },
    ]);
    // Ten pods go and five come: the existing slices are updated in place, none created.
    const named = (s: EndpointSlice, i: number) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}` } });
    const existing = changes.create.map(named);
    const next = desiredEndpoints(service, [...pods.slice(10), ...Array.from({ length: 5 }, (_, i) => servingPod(`q${i}`, { ip: `127.0.3.${i}`, node: 'n1' }))], () => 'zone-a');
    const again = reconcileSlices(service, existing, next);
    expect([again.create.length, again.delete.length, again.update.map((s) => s.metadata.name)]).toEqual([0, 0, ['web-0']]);
    expect(again.update[0]!.endpoints.length).toBe(95);
    expect(reconcileSlices(service, existing, new Map()), 'no endpoints: one empty placeholder slice').toMatchObject({ delete: existing, create: [{ endpoints: [], ports: [] }] });
  });

  it('reconciles slices with few writes: the new endpoint goes to a slice written anyway, never past the maximum; a slice left empty is deleted; one empty placeholder stays', () => {
    const service = { ...makeService('web', { app: 'web' }), metadata: { ...makeService('web', {}).metadata, uid: 'uid-web' } };
    const want = (...ids: number[]) => desiredEndpoints(service, ids.map((i) => servingPod(`p${i}`, { ip: `127.0.4.${i}`, node: 'n1' })));
    const named = (slice: EndpointSlice, name: string) => ({ ...slice, metadata: { ...slice.metadata, name } });
    const summary = (slices: EndpointSlice[]) => slices.map((s) => [s.metadata.name ?? s.metadata.generateName, s.endpoints.map((e) => e.targetRef?.name)]);
    const [a, b] = reconcileSlices(service, [], want(1, 2, 3, 4, 5), 3).create.map((s, i) => named(s, `web-${'ab'[i]}`));
    expect(summary([a!, b!])).toEqual([['web-a', ['p1', 'p2', 'p3']], ['web-b', ['p4', 'p5']]]);
    // p1 goes, p6 comes: web-a is written anyway, so p6 goes there (not into web-b, listed first).
    const moved = reconcileSlices(service, [b!, a!], want(2, 3, 4, 5, 6), 3);
    expect([summary(moved.update), moved.create, moved.delete]).toEqual([[['web-a', ['p2', 'p3', 'p6']]], [], []]);
    // A full slice takes no more: p6 gets a slice of its own.
    const full = reconcileSlices(service, [a!], want(1, 2, 3, 6), 3);
    expect([full.update, summary(full.create), full.delete]).toEqual([[], [['web-', ['p6']]], []]);
    // Every endpoint of web-b gone: web-b is deleted, web-a untouched.
    expect(reconcileSlices(service, [a!, b!], want(1, 2, 3), 3)).toEqual({ create: [], update: [], delete: [b] });
    // No endpoints at all: an empty placeholder (no endpoints, no ports) stays as it is; any other slice makes way for one.
    const placeholder = named(reconcileSlices(service, [], new Map()).create[0]!, 'web-p');
    expect(reconcileSlices(service, [placeholder], new Map())).toEqual({ create: [], update: [], delete: [] });
    const portless = named(reconcileSlices(service, [], desiredEndpoints(makeService('web', { app: 'web' }, []), [servingPod('p1', { ip: '127.0.4.1' })])).create[0]!, 'web-q');
    for (const slice of [portless, { ...a!, endpoints: [] }]) {
      expect(reconcileSlices(service, [slice], new Map()), `${slice.metadata.name}: ${slice.endpoints.length} endpoints, ${(slice.ports ?? []).length} ports`).toMatchObject({ update: [], delete: [slice], create: [{ endpoints: [], ports: [] }] });
    }
  });
});

/** A cluster with every controller of kata 21 running. */
async function running(options: { maxEndpointsPerSlice?: number } = {}) {
  const cluster = new ControllerCluster();
  const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
  const errors: unknown[] = [];
  const onError = (_key: string, error: unknown) => errors.push(error);
  const endpoints = new EndpointsController({ client: cluster.client, clock: cluster.clock, factory, onError });
  const slices = new EndpointSliceController({ client: cluster.client, clock: cluster.clock, factory, onError, ...(options.maxEndpointsPerSlice && { maxEndpointsPerSlice: options.maxEndpointsPerSlice }) });
  const namespaces = new NamespaceController({ client: cluster.client, clock: cluster.clock, factory, onError });
  const gc = new GarbageCollector({ client: cluster.client, clock: cluster.clock, factory, onError });
  factory.start();
  await factory.waitForCacheSync();
  for (const c of [endpoints, slices, namespaces, gc]) c.run();
  const api = cluster.client.inner;
  const addPod = async (pod: Pod) => {
    const { status, ...rest } = pod;
    const created = await api.pods(pod.metadata.namespace).create({ ...rest, metadata: { ...rest.metadata, uid: undefined } } as Pod);
    return status ? api.pods(pod.metadata.namespace).updateStatus({ ...created, status }) : created;
  };
  const slicesOf = async (service: string) => (await api.resource<EndpointSlice>('endpointslices', 'default').list()).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service);
  const exists = async (resource: string, name: string, namespace: string | undefined = 'default') => {
    try {
      return await api.resource(resource, namespace).get(name);
    } catch {
      return undefined;
    }
  };
  const stop = async () => {
    for (const c of [endpoints, slices, namespaces, gc]) await c.stop();
    await factory.shutdown();
  };
  return { cluster, api, factory, endpoints, slices, namespaces, gc, addPod, slicesOf, exists, errors, stop };
}

describe('the endpoints and EndpointSlice controllers', () => {
  it('keeps an Endpoints object and slices for a Service, follows readiness, and deletes the Endpoints with the Service (the garbage collector takes the slices)', async () => {
    const c = await running();
    const web = await c.api.services('default').create(makeService('web', { app: 'web' }));
    await c.api.services('default').create(makeService('manual', undefined));
    await c.addPod(servingPod('a', { ip: '127.0.1.1' }));
    const b = await c.addPod(servingPod('b', { ip: '127.0.1.2', ready: false }));
    await c.addPod(servingPod('x', { ip: '127.0.1.3', labels: { app: 'other' } }));
    await c.cluster.settle();
    const ep = await c.api.endpoints('default').get('web');
    expect([ep.metadata.labels, names(ep.subsets?.[0]?.addresses), names(ep.subsets?.[0]?.notReadyAddresses)]).toEqual([{ tier: 'front' }, ['a'], ['b']]);
    expect(await c.exists('endpoints', 'manual'), 'a Service without a selector: its Endpoints are written by hand').toBeUndefined();
    const [slice, ...more] = await c.slicesOf('web');
    expect(more).toEqual([]);
    expect(slice!.endpoints.map((e) => [e.targetRef?.name, e.conditions?.ready])).toEqual([['a', true], ['b', false]]);
    await c.api.pods('default').updateStatus({ ...b, status: { ...b.status, conditions: [{ type: 'Ready', status: 'True' }] } });
    await c.cluster.settle();
    expect(names((await c.api.endpoints('default').get('web')).subsets?.[0]?.addresses)).toEqual(['a', 'b']);
    expect((await c.slicesOf('web'))[0]!.endpoints.map((e) => e.conditions?.ready)).toEqual([true, true]);
    await c.api.services('default').delete('web');
    await c.cluster.settle();
    expect([await c.exists('endpoints', 'web'), await c.slicesOf('web')]).toEqual([undefined, []]);
    expect(web.metadata.uid).toBeDefined();
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it("writes the node's zone into each endpoint, copies the Service's labels to its Endpoints as they change, and takes a slice or Endpoints already gone as deleted", async () => {
    const c = await running();
    await c.api.nodes().create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-b' } } } as never);
    const web = await c.api.services('default').create(makeService('web', { app: 'web' }));
    await c.addPod(servingPod('a', { ip: '127.0.1.1', node: 'n1' }));
    await c.addPod(servingPod('b', { ip: '127.0.1.2', node: 'n2' }));
    await c.cluster.settle();
    expect((await c.slicesOf('web')).flatMap((s) => s.endpoints.map((e) => [e.targetRef?.name, e.nodeName, e.zone]))).toEqual([['a', 'n1', 'zone-b'], ['b', 'n2', undefined]]);
    const fresh = await c.api.services('default').get('web');
    await c.api.services('default').update({ ...fresh, metadata: { ...fresh.metadata, labels: { tier: 'back' } } });
    await c.cluster.settle();
    expect((await c.api.endpoints('default').get('web')).metadata.labels).toEqual({ tier: 'back' });
    // Someone deletes the slice behind the controller's back, then the Service's port is renamed,
    // so that the slice must go: its delete answers NotFound, which is no error.
    c.cluster.client.hold('endpointslices');
    const [slice] = await c.slicesOf('web');
    await c.api.resource('endpointslices', 'default').delete(slice!.metadata.name!);
    const renamed = await c.api.services('default').get('web');
    await c.api.services('default').update({ ...renamed, spec: { ...renamed.spec!, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
    await c.cluster.settle();
    c.cluster.client.release();
    await c.cluster.settle();
    expect((await c.slicesOf('web')).map((s) => s.ports?.map((p) => p.name))).toEqual([['web']]);
    expect(c.errors, 'deleting a slice already gone').toEqual([]);
    // The same for the Endpoints of a Service deleted after them.
    c.cluster.client.hold('endpoints');
    await c.api.endpoints('default').delete('web');
    await c.api.services('default').delete(web.metadata.name!);
    await c.cluster.settle();
    c.cluster.client.release();
    await c.cluster.settle();
    expect(c.errors, 'deleting Endpoints already gone').toEqual([]);
    await c.stop();
  });

  it("gives a new Service its slice even when its first sync waited for the cache to catch up with another Service's slice (pass your key to staleCache)", async () => {
    // Found by the whole cluster's chaos property (test/support/cluster/chaos.ts): after an
    // apiserver restart, a Service created at once never got an EndpointSlice.
    const c = await running();
    await c.api.services('default').create(makeService('web', { app: 'web' }));
    await c.addPod(servingPod('a', { ip: '127.0.1.1' }));
    await c.cluster.settle();
    c.cluster.client.hold('endpointslices');
    await c.addPod(servingPod('b', { ip: '127.0.1.2' }));
    await c.cluster.settle();
    // web's slice was written again, and the cache does not show it yet: front's sync must wait.
    await c.api.services('default').create(makeService('front', { app: 'front' }));
    await c.addPod(servingPod('f', { ip: '127.0.1.3', labels: { app: 'front' } }));
    await c.cluster.settle();
    c.cluster.client.release();
    await c.cluster.settle();
    expect((await c.slicesOf('front')).flatMap((s) => s.endpoints.map((e) => e.targetRef?.name))).toEqual(['f']);
    expect((await c.slicesOf('web')).flatMap((s) => s.endpoints.map((e) => e.targetRef?.name)).sort()).toEqual(['a', 'b']);
    await c.stop();
  });

  it('writes an Endpoints object only to change it: a sync that finds it as it should be, without a subsets field for a Service selecting no pod, writes nothing', async () => {
    const c = await running();
    // Endpoints written by hand for a Service without a selector, without subsets; then the
    // Service gets a selector that selects no pod: the Endpoints are already what they should be.
    await c.api.services('default').create(makeService('idle', undefined));
    await c.cluster.settle();
    await c.api.endpoints('default').create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'idle', namespace: 'default', labels: { tier: 'front' } } });
    await c.cluster.settle();
    const idle = await c.api.services('default').get('idle');
    await c.api.services('default').update({ ...idle, spec: { ...idle.spec, selector: { app: 'nothing' } } });
    await c.api.services('default').create(makeService('web', { app: 'web' }));
    await c.addPod(servingPod('a', { ip: '127.0.1.1' }));
    await c.cluster.settle();
    const written = () => c.cluster.client.updates.filter((u) => u.startsWith('update endpoints/'));
    const before = written();
    expect(before.filter((u) => u === 'update endpoints/default/idle'), 'idle is as it should be').toEqual([]);
    // Each Service synced again, and a change of the pod that its Endpoints do not show.
    await c.endpoints.syncService('default/web');
    await c.endpoints.syncService('default/idle');
    const a = await c.api.pods('default').get('a');
    await c.api.pods('default').update({ ...a, metadata: { ...a.metadata, annotations: { note: 'seen' } } });
    await c.cluster.settle();
    expect(written(), 'no Endpoints written again').toEqual(before);
    expect([(await c.api.endpoints('default').get('idle')).subsets, c.errors]).toEqual([undefined, []]);
    await c.stop();
  });

  it('passes on a write the server refuses (not AlreadyExists nor Conflict) to be retried: the create and the delete of Endpoints, the delete of a slice; a node without labels has no zone', async () => {
    const c = await running();
    const failures = () => c.errors.map((e) => (e as Error).message);
    await c.api.nodes().create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare' } } as never);
    await c.cluster.settle();
    c.cluster.client.failNextWrites('create', 'endpoints', 1, () => forbidden('endpoints', 'web', 'no Endpoints yet'));
    await c.api.services('default').create(makeService('web', { app: 'web' }));
    await c.cluster.settle();
    expect(failures()).toEqual(['endpoints "web" is forbidden: no Endpoints yet']);
    await c.cluster.advance(1_000);
    await c.addPod(servingPod('a', { ip: '127.0.1.1', node: 'bare' }));
    await c.cluster.settle();
    expect(names((await c.api.endpoints('default').get('web')).subsets?.[0]?.addresses)).toEqual(['a']);
    expect((await c.slicesOf('web')).flatMap((s) => s.endpoints.map((e) => [e.targetRef?.name, e.nodeName, e.zone]))).toEqual([['a', 'bare', undefined]]);
    // The port renamed: the slice must go, and its delete is refused once.
    c.cluster.client.failNextWrites('delete', 'endpointslices', 1, () => forbidden('endpointslices', '', 'slices stay'));
    const web = await c.api.services('default').get('web');
    await c.api.services('default').update({ ...web, spec: { ...web.spec!, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
    await c.cluster.settle();
    expect(failures().slice(1)).toEqual(['endpointslices is forbidden: slices stay']);
    await c.cluster.advance(1_000);
    expect((await c.slicesOf('web')).map((s) => s.ports?.map((p) => p.name))).toEqual([['web']]);
    // The Service deleted: the delete of its Endpoints is refused once.
    c.cluster.client.failNextWrites('delete', 'endpoints', 1, () => forbidden('endpoints', 'web', 'Endpoints stay'));
    await c.api.services('default').delete('web');
    await c.cluster.settle();
    expect(failures().slice(2)).toEqual(['endpoints "web" is forbidden: Endpoints stay']);
    await c.cluster.advance(1_000);
    expect(await c.exists('endpoints', 'web')).toBeUndefined();
    await c.stop();
  });
});

describe('the namespace controller', () => {
  it('empties a namespace being deleted, then removes its kubernetes finalizer, and waits while an object with a finalizer of its own remains', async () => {
    const c = await running();
    await c.api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } as Namespace);
    for (const name of ['a', 'b']) await c.addPod({ ...servingPod(name), metadata: { ...servingPod(name).metadata, namespace: 'shop' } });
    const held = makePod('held', { namespace: 'shop' });
    held.metadata.finalizers = ['example.com/hold'];
    await c.api.pods('shop').create(held);
    await c.api.services('shop').create({ ...makeService('web', { app: 'web' }), metadata: { name: 'web', namespace: 'shop' } });
    await c.cluster.settle();
    const marked = await c.api.namespaces().delete('shop');
    expect([marked.status?.phase, marked.spec?.finalizers]).toEqual(['Terminating', ['kubernetes']]);
    await c.cluster.advance(1_000);
    expect((await c.api.pods('shop').list()).items.map((p) => [p.metadata.name, p.metadata.deletionTimestamp !== undefined])).toEqual([['held', true]]);
    expect((await c.api.services('shop').list()).items).toEqual([]);
    expect((await c.api.namespaces().get('shop')).spec?.finalizers, 'a pod with a finalizer still there: not yet').toEqual(['kubernetes']);
    const pod = await c.api.pods('shop').get('held');
    await c.api.pods('shop').update({ ...pod, metadata: { ...pod.metadata, finalizers: [] } });
    await c.cluster.advance(60_000);
    expect(await c.exists('namespaces', 'shop', undefined)).toBeUndefined();
    await c.stop();
  });
});

describe('the namespace controller, what it leaves alone', () => {
  it("empties only a namespace being deleted, and takes off only the kubernetes finalizer: another one's holder decides when it goes", async () => {
    const c = await running();
    for (const name of ['live', 'shop']) {
      await c.api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['example.com/audit'] } } as Namespace);
      await c.api.resource('configmaps', name).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: name }, data: { a: 'b' } } as never);
    }
    expect((await c.api.namespaces().get('shop')).spec?.finalizers, 'the apiserver adds kubernetes to the finalizers given').toEqual(['example.com/audit', 'kubernetes']);
    await c.api.namespaces().delete('shop');
    await c.cluster.advance(1_000);
    expect(await c.exists('configmaps', 'settings', 'live'), 'a namespace not being deleted keeps its content').toBeDefined();
    expect(await c.exists('configmaps', 'settings', 'shop')).toBeUndefined();
    const shop = await c.api.namespaces().get('shop');
    expect([shop.status?.phase, shop.spec?.finalizers]).toEqual(['Terminating', ['example.com/audit']]);
    expect(c.errors).toEqual([]);
    await c.stop();
  });
});

describe('the namespace controller, with other writers racing it', () => {
  it('skips a resource the server does not serve, takes an object deleted meanwhile as gone, and leaves one made again under the same name', async () => {
    const cluster = new ControllerCluster();
    const api = cluster.client.inner;
    const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data: { a: 'b' } }) as never;
    await api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } as Namespace);
    for (const name of ['gone', 'kept', 'remade']) await api.resource('configmaps', 'shop').create(configMap(name));
    /** Between the controller's list and its delete, someone deletes `gone`, and deletes `remade` and creates it again. */
    class Racing extends ForwardingClient {
      override resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
        const real = this.inner.resource<T>(resource, namespace);
        if (resource !== 'configmaps') return real;
        return {
          ...real,
          delete: async (name, options) => {
            if (name === 'gone' || name === 'remade') await real.delete(name);
            if (name === 'remade') await real.create(configMap('remade'));
            return real.delete(name, options);
          },
        };
      }
    }
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const controller = new NamespaceController({ client: new Racing(api), clock: cluster.clock, factory, resources: ['widgets', 'configmaps'] });
    expect(await controller.deleteAllContent('shop'), 'nothing it listed is left').toEqual({});
    expect((await api.resource('configmaps', 'shop').list()).items.map((c) => c.metadata.name), 'the new remade is not the one it listed').toEqual(['remade']);
  });

  it('takes a namespace gone from its cache, or gone from the server before its finalize, as done, and passes on a finalize the server refuses', async () => {
    const cluster = new ControllerCluster();
    const api = cluster.client.inner;
    /** A client whose finalize the server refuses while `refusing`. */
    class Refusing extends ForwardingClient {
      refusing = false;
      protected override finalizeNamespace(namespace: Namespace): Promise<Namespace> {
        return this.refusing ? Promise.reject(forbidden('namespaces', namespace.metadata.name!, 'finalize is not allowed')) : super.finalizeNamespace(namespace);
      }
    }
    const client = new Refusing(cluster.client);
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const controller = new NamespaceController({ client, clock: cluster.clock, factory, resources: ['configmaps'] });
    factory.start();
    await factory.waitForCacheSync();
    await expect(controller.syncNamespace('never'), 'a namespace not in the cache (deleted: its informer queues it)').resolves.toBeUndefined();
    for (const name of ['shop', 'gone']) {
      await api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as Namespace);
      await api.namespaces().delete(name);
    }
    await cluster.settle();
    // Another controller finalizes gone, which goes, before this one's cache sees it.
    cluster.client.hold('namespaces');
    const gone = await api.namespaces().get('gone');
    await api.namespaces().finalize({ ...gone, spec: { finalizers: [] } });
    expect(controller.namespaces.indexer.getByKey('gone')?.spec?.finalizers).toEqual(['kubernetes']);
    await expect(controller.syncNamespace('gone'), 'the namespace read fresh is not found: done').resolves.toBeUndefined();
    client.refusing = true;
    await expect(controller.syncNamespace('shop')).rejects.toThrow('namespaces "shop" is forbidden: finalize is not allowed');
    client.refusing = false;
    await controller.syncNamespace('shop');
    expect((await api.namespaces().list()).items.map((n) => n.metadata.name)).toEqual([]);
    await factory.shutdown();
  });

  it('leaves the content of a namespace being deleted alone once its kubernetes finalizer is gone: another finalizer holds it, and its holder decides', async () => {
    const c = await running();
    await c.api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' }, spec: { finalizers: ['example.com/audit'] } } as Namespace);
    await c.api.resource('configmaps', 'shop').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { a: 'b' } } as never);
    // Someone finalized it for the kubernetes finalizer before the delete.
    const shop = await c.api.namespaces().get('shop');
    await c.api.namespaces().finalize({ ...shop, spec: { finalizers: ['example.com/audit'] } });
    await c.api.namespaces().delete('shop');
    await c.cluster.advance(1_000);
    expect(await c.exists('configmaps', 'settings', 'shop')).toBeDefined();
    expect([(await c.api.namespaces().get('shop')).spec?.finalizers, c.errors]).toEqual([['example.com/audit'], []]);
    await c.stop();
  });
});

// ---- garbage collection --------------------------------------------------------------------------------

type LocalApi = ControllerCluster['client']['inner'];

function ownerRef(owner: KubeObject, block = true): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, ...(block && { blockOwnerDeletion: true }) };
}
function rsOwnedBy(name: string, owner?: KubeObject): ReplicaSet {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', ...(owner && { ownerReferences: [ownerRef(owner)] }) }, spec: { replicas: 0, selector: { matchLabels: { rs: name } }, template: { metadata: { labels: { rs: name } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } } };
}
function deployment(name: string): Deployment {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' }, spec: { replicas: 0, selector: { matchLabels: { d: name } }, template: { metadata: { labels: { d: name } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } } };
}
function podOwnedBy(name: string, ...owners: OwnerReference[]): Pod {
  const pod = makePod(name, { labels: { app: 'x' } });
  if (owners.length > 0) pod.metadata.ownerReferences = owners;
  return pod;
}

describe('the namespace controller, when the server fails it', () => {
  it('passes on a list that fails and a delete that is refused (they are retried), and never empties a namespace that is not being deleted', async () => {
    const cluster = new ControllerCluster();
    const api = cluster.client.inner;
    await api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } as Namespace);
    await api.resource('configmaps', 'shop').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' } } as never);
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const controller = new NamespaceController({ client: cluster.client, clock: cluster.clock, factory, resources: ['configmaps'] });
    factory.start();
    await factory.waitForCacheSync();
    await controller.syncNamespace('shop');
    expect((await api.resource('configmaps', 'shop').list()).items, 'shop is not being deleted').toHaveLength(1);
    cluster.client.failNextLists(1);
    await expect(controller.deleteAllContent('shop')).rejects.toThrow('etcdserver: request timed out');
    cluster.client.failNextWrites('delete', 'configmaps', 1, () => forbidden('configmaps', 'settings', 'a policy says no'));
    await expect(controller.deleteAllContent('shop')).rejects.toThrow('a policy says no');
    expect(await controller.deleteAllContent('shop')).toEqual({});
    await factory.shutdown();
  });
});

/**
 * How the garbage collector judges an owner it does not have in its graph: it asks the API. The
 * collector here follows pods only, so every ReplicaSet owner is looked up.
 */
describe('the garbage collector, judging an owner through the API', () => {
  const dependent = { uid: 'dependent-uid', resource: 'pods', namespace: 'default', name: 'p', owners: [], dependents: new Set<string>(), beingDeleted: false, finalizers: [] };
  const cases: { name: string; owner: (api: LocalApi) => Promise<OwnerReference>; state: string }[] = [
    { name: 'an owner the API has, with the uid the reference names, is solid', owner: async (api) => ownerRef(await api.replicaSets('default').create(rsOwnedBy('rs'))), state: 'solid' },
    {
      name: 'an owner the API has under the same name but another uid is dangling: the one referred to is gone',
      owner: async (api) => ({ ...ownerRef(await api.replicaSets('default').create(rsOwnedBy('rs'))), uid: 'an-older-uid' }),
      state: 'dangling',
    },
    { name: 'an owner the API does not have is dangling', owner: async () => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'never', uid: 'never-uid', controller: true }), state: 'dangling' },
    {
      name: 'an owner being deleted in the foreground is waiting for its dependents',
      owner: async (api) => {
        const rs = await api.replicaSets('default').create(rsOwnedBy('rs'));
        await deleteWithPropagation(api, 'replicasets', 'default', 'rs', 'Foreground');
        return ownerRef(rs);
      },
      state: 'waitingForDependentsDeletion',
    },
    {
      name: 'an owner being deleted but held by a finalizer of its own is solid: only foregroundDeletion waits for dependents',
      owner: async (api) => {
        const rs = await api.replicaSets('default').create({ ...rsOwnedBy('rs'), metadata: { ...rsOwnedBy('rs').metadata, finalizers: ['example.com/hold'] } });
        await api.replicaSets('default').delete('rs');
        return ownerRef(rs);
      },
      state: 'solid',
    },
    {
      name: 'an owner not being deleted is solid even with foregroundDeletion among its finalizers',
      owner: async (api) => ownerRef(await api.replicaSets('default').create({ ...rsOwnedBy('rs'), metadata: { ...rsOwnedBy('rs').metadata, finalizers: ['foregroundDeletion'] } })),
      state: 'solid',
    },
    { name: 'an owner of a kind it does not know is solid: it never deletes on a guess', owner: async () => ({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'widget-uid' }), state: 'solid' },
  ];
  for (const { name, owner, state } of cases) {
    it(name, async () => {
      const cluster = new ControllerCluster();
      const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
      const gc = new GarbageCollector({ client: cluster.client, clock: cluster.clock, factory, resources: ['pods'] });
      const ref = await owner(cluster.client.inner);
      expect(await gc.ownerState({ ...dependent, owners: [ref] }, ref)).toBe(state);
    });
  }
});

describe('the garbage collector', () => {
  it('deletes the dependents of an owner deleted in the background, keeps them without the reference when orphaned', async () => {
    const c = await running();
    const bg = await c.api.replicaSets('default').create(rsOwnedBy('bg'));
    const or = await c.api.replicaSets('default').create(rsOwnedBy('or'));
    for (const i of [1, 2]) {
      await c.api.pods('default').create(podOwnedBy(`bg-${i}`, ownerRef(bg)));
      await c.api.pods('default').create(podOwnedBy(`or-${i}`, ownerRef(or)));
    }
    await c.cluster.settle();
    await deleteWithPropagation(c.api, 'replicasets', 'default', 'bg');
    await deleteWithPropagation(c.api, 'replicasets', 'default', 'or', 'Orphan');
    await c.cluster.settle();
    const pods = (await c.api.pods('default').list()).items;
    expect(pods.map((p) => [p.metadata.name, p.metadata.ownerReferences])).toEqual([
      ['or-1', undefined],
      ['or-2', undefined],
    ]);
    expect([await c.exists('replicasets', 'bg'), await c.exists('replicasets', 'or')]).toEqual([undefined, undefined]);
    await c.stop();
  });

  it('in the foreground keeps each owner, marked with foregroundDeletion, until its blocking dependents are gone, down a Deployment -> ReplicaSet -> pods chain', async () => {
    const c = await running();
    const d = await c.api.deployments('default').create(deployment('web'));
    const rs = await c.api.replicaSets('default').create(rsOwnedBy('web-1', d));
    await c.api.pods('default').create(podOwnedBy('free', ownerRef(rs)));
    const held = podOwnedBy('held', ownerRef(rs));
    held.metadata.finalizers = ['example.com/hold'];
    await c.api.pods('default').create(held);
    await c.cluster.settle();
    await deleteWithPropagation(c.api, 'deployments', 'default', 'web', 'Foreground');
    await c.cluster.settle();
    expect(await c.exists('pods', 'free')).toBeUndefined();
    expect((await c.exists('pods', 'held'))?.metadata.deletionTimestamp).toBeDefined();
    expect((await c.exists('replicasets', 'web-1'))?.metadata.finalizers, 'the ReplicaSet waits for its pod').toEqual(['foregroundDeletion']);
    expect((await c.exists('deployments', 'web'))?.metadata.finalizers, 'the Deployment waits for its ReplicaSet').toEqual(['foregroundDeletion']);
    const pod = await c.api.pods('default').get('held');
    await c.api.pods('default').update({ ...pod, metadata: { ...pod.metadata, finalizers: [] } });
    await c.cluster.settle();
    expect([await c.exists('pods', 'held'), await c.exists('replicasets', 'web-1'), await c.exists('deployments', 'web')]).toEqual([undefined, undefined, undefined]);
    await c.stop();
  });

  it('touches only what is its own: orphaning takes off only that owner\'s reference and the orphan finalizer; a foreground owner waits only for dependents that block it, and loses only foregroundDeletion', async () => {
    const c = await running();
    const keep = 'example.com/keep';
    const withFinalizer = (rs: ReplicaSet): ReplicaSet => ({ ...rs, metadata: { ...rs.metadata, finalizers: [keep] } });
    const or = await c.api.replicaSets('default').create(withFinalizer(rsOwnedBy('or')));
    const other = await c.api.replicaSets('default').create(rsOwnedBy('other'));
    const otherRef = { ...ownerRef(other), controller: false };
    await c.api.pods('default').create(podOwnedBy('shared', ownerRef(or), otherRef));
    const fg = await c.api.replicaSets('default').create(withFinalizer(rsOwnedBy('fg')));
    const loose = podOwnedBy('loose', ownerRef(fg, false)); // not blockOwnerDeletion
    loose.metadata.finalizers = ['example.com/hold'];
    await c.api.pods('default').create(loose);
    await c.cluster.settle();
    await deleteWithPropagation(c.api, 'replicasets', 'default', 'or', 'Orphan');
    await deleteWithPropagation(c.api, 'replicasets', 'default', 'fg', 'Foreground');
    await c.cluster.settle();
    expect((await c.api.pods('default').get('shared')).metadata.ownerReferences, 'orphaned: the other owner stays').toEqual([otherRef]);
    expect((await c.exists('replicasets', 'or'))?.metadata.finalizers, 'the orphan finalizer done, its own finalizer stays').toEqual([keep]);
    expect((await c.exists('pods', 'loose'))?.metadata.deletionTimestamp, 'a foreground owner\'s dependents are deleted').toBeDefined();
    expect((await c.exists('replicasets', 'fg'))?.metadata.finalizers, 'nothing blocks it: foregroundDeletion done, its own finalizer stays').toEqual([keep]);
    await c.stop();
  });

  it('keeps a dependent whose owner is of a kind it does not know (a custom resource\'s), with no error', async () => {
    const c = await running();
    await c.api.pods('default').create(podOwnedBy('widget-pod', { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u-widget', controller: true }));
    await c.cluster.advance(1_000);
    expect(await c.exists('pods', 'widget-pod')).toBeDefined();
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('deletes a dependent whose owner never existed (or has another uid), and keeps one with another owner left, removing the reference to the gone one', async () => {
    const c = await running();
    const a = await c.api.replicaSets('default').create(rsOwnedBy('a'));
    const b = await c.api.replicaSets('default').create(rsOwnedBy('b'));
    await c.api.pods('default').create(podOwnedBy('ghost', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: 'not-the-uid-of-a' }));
    await c.api.pods('default').create(podOwnedBy('two', { ...ownerRef(a), controller: false }, ownerRef(b)));
    await c.cluster.settle();
    expect(await c.exists('pods', 'ghost')).toBeUndefined();
    await c.api.replicaSets('default').delete('a');
    await c.cluster.settle();
    expect((await c.exists('pods', 'two'))?.metadata.ownerReferences).toEqual([ownerRef(b)]);
    await c.stop();
  });

  it('deletes the dependents of an owner deleted and made again under the same name while its watch was down (the relist shows it as an update with a new uid)', async () => {
    // Found by the whole cluster's chaos property (test/support/cluster/chaos.ts): the apiserver
    // restarts, the Deployment is deleted and created again, and its old ReplicaSet stayed forever.
    const c = await running();
    const first = await c.api.deployments('default').create(deployment('web'));
    await c.api.replicaSets('default').create(rsOwnedBy('web-1', first));
    await c.cluster.settle();
    c.cluster.client.hold('deployments');
    await c.api.deployments('default').delete('web');
    await c.api.deployments('default').create(deployment('web'));
    // The watch drops and its history is gone: the informer lists again and sees web, with another uid.
    await c.cluster.compact();
    c.cluster.client.breakWatches();
    c.cluster.client.release();
    await c.cluster.advance(5_000);
    expect(await c.exists('replicasets', 'web-1'), 'the ReplicaSet of the first web is orphaned').toBeUndefined();
    await c.stop();
  });
});

describe('the garbage collector, which policy and which writes', () => {
  it('deletes a dependent whose owners are gone in the background, without writing it first, even under an owner waiting in the foreground when it has no dependents itself; an object with its owners there, or held by a finalizer of its own, is not written', async () => {
    const c = await running();
    const live = await c.api.replicaSets('default').create(rsOwnedBy('live'));
    await c.api.pods('default').create(podOwnedBy('kept', ownerRef(live)));
    const ghost = podOwnedBy('ghost', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'never', uid: 'never-uid', controller: true });
    ghost.metadata.finalizers = ['example.com/hold'];
    await c.api.pods('default').create(ghost);
    const d = await c.api.deployments('default').create(deployment('web'));
    await c.api.replicaSets('default').create(rsOwnedBy('web-1', d)); // no pods of its own
    const held = await c.api.replicaSets('default').create({ ...rsOwnedBy('held'), metadata: { ...rsOwnedBy('held').metadata, finalizers: ['example.com/hold'] } });
    await c.api.pods('default').create(podOwnedBy('of-held', ownerRef(held)));
    await c.cluster.settle();
    await deleteWithPropagation(c.api, 'deployments', 'default', 'web', 'Foreground');
    await c.api.replicaSets('default').delete('held');
    await c.cluster.settle();
    await c.api.pods('default').delete('of-held'); // held, being deleted, loses its dependent
    await c.cluster.settle();
    expect((await c.exists('pods', 'ghost'))?.metadata.finalizers, 'deleted in the background: no foregroundDeletion').toEqual(['example.com/hold']);
    expect([await c.exists('replicasets', 'web-1'), await c.exists('deployments', 'web'), (await c.exists('pods', 'kept'))?.metadata.ownerReferences]).toEqual([undefined, undefined, [ownerRef(live)]]);
    expect(c.cluster.client.updates.filter((u) => !u.startsWith('update deployments/')), 'only the Deployment loses its foregroundDeletion').toEqual([]);
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('deletes in the background a ReplicaSet whose Deployment is gone even while its pods are still being deleted, and honours an orphan finalizer the object already carries', async () => {
    const c = await running();
    const d = await c.api.deployments('default').create(deployment('web'));
    const rs = await c.api.replicaSets('default').create(rsOwnedBy('web-1', d));
    const pod = podOwnedBy('web-1-a', ownerRef(rs));
    pod.metadata.finalizers = ['example.com/hold'];
    await c.api.pods('default').create(pod);
    // A second Deployment whose ReplicaSet asks, by its own orphan finalizer, that its pods stay.
    const d2 = await c.api.deployments('default').create(deployment('api'));
    const rs2 = await c.api.replicaSets('default').create({ ...rsOwnedBy('api-1', d2), metadata: { ...rsOwnedBy('api-1', d2).metadata, finalizers: ['orphan'] } });
    await c.api.pods('default').create(podOwnedBy('api-1-a', ownerRef(rs2)));
    await c.cluster.settle();
    await c.api.deployments('default').delete('web');
    await c.api.deployments('default').delete('api');
    await c.cluster.settle();
    expect(await c.exists('replicasets', 'web-1'), 'gone at once: Background').toBeUndefined();
    expect((await c.exists('pods', 'web-1-a'))?.metadata.deletionTimestamp).toBeDefined();
    const orphan = await c.exists('pods', 'api-1-a');
    expect([await c.exists('replicasets', 'api-1'), orphan?.metadata.name, orphan?.metadata.ownerReferences], 'api-1 deleted with Orphan: its pod stays, without the reference').toEqual([undefined, 'api-1-a', undefined]);
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('judges the owners a dependent has now, read fresh: a pod its owner let go, whose update the graph has not seen yet, stays when that owner goes', async () => {
    const c = await running();
    await letGoUnseen(c);
    await c.api.replicaSets('default').delete('web-1');
    await c.cluster.settle();
    c.cluster.client.release();
    await c.cluster.settle();
    const a2 = await c.exists('pods', 'a');
    expect([a2?.metadata.name, a2?.metadata.ownerReferences, c.errors]).toEqual(['a', undefined, []]);
    await c.stop();
  });

  it('in the foreground waits for each dependent whose own reference to it blocks, whatever the other references of that dependent say', async () => {
    // The collector watches pods and ReplicaSets; the Deployment both pods also name is looked up through the API.
    const cluster = new ControllerCluster();
    const api = cluster.client.inner;
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const errors: unknown[] = [];
    const gc = new GarbageCollector({ client: cluster.client, clock: cluster.clock, factory, resources: ['pods', 'replicasets'], onError: (_key, error) => errors.push(error) });
    factory.start();
    await factory.waitForCacheSync();
    gc.run();
    const d = await api.deployments('default').create(deployment('web'));
    const [one, two] = [await api.replicaSets('default').create(rsOwnedBy('one')), await api.replicaSets('default').create(rsOwnedBy('two'))];
    const held = (name: string, ...owners: OwnerReference[]) => ({ ...podOwnedBy(name, ...owners), metadata: { ...podOwnedBy(name, ...owners).metadata, finalizers: ['example.com/hold'] } });
    await api.pods('default').create(held('blocks-one', ownerRef(one), { ...ownerRef(d, false), controller: false }));
    await api.pods('default').create(held('blocks-web', { ...ownerRef(two, false), controller: false }, ownerRef(d)));
    await cluster.settle();
    await deleteWithPropagation(api, 'deployments', 'default', 'web', 'Foreground');
    await deleteWithPropagation(api, 'replicasets', 'default', 'one', 'Foreground');
    await deleteWithPropagation(api, 'replicasets', 'default', 'two', 'Foreground');
    await cluster.advance(1_000);
    const pods = (await api.pods('default').list()).items;
    expect(pods.map((p) => [p.metadata.name, p.metadata.deletionTimestamp !== undefined])).toEqual([['blocks-one', true], ['blocks-web', true]]);
    const rss = (await api.replicaSets('default').list()).items;
    expect(rss.map((r) => [r.metadata.name, r.metadata.finalizers]), 'one waits for blocks-one; nothing of two blocks it').toEqual([['one', ['foregroundDeletion']]]);
    expect(errors).toEqual([]);
    await gc.stop();
    await factory.shutdown();
  });

  it('passes on an owner lookup that fails other than NotFound, rather than take the owner as gone', async () => {
    const cluster = new ControllerCluster();
    /** The apiserver cannot read ReplicaSets just now. */
    class Failing extends ForwardingClient {
      override resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
        const real = this.inner.resource<T>(resource, namespace);
        return resource === 'replicasets' ? { ...real, get: () => Promise.reject(internalError('etcdserver: request timed out')) } : real;
      }
    }
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const gc = new GarbageCollector({ client: new Failing(cluster.client), clock: cluster.clock, factory, resources: ['pods'] });
    const rs = await cluster.client.inner.replicaSets('default').create(rsOwnedBy('rs'));
    const dependent = { uid: 'dependent-uid', resource: 'pods', namespace: 'default', name: 'p', owners: [ownerRef(rs)], dependents: new Set<string>(), beingDeleted: false, finalizers: [] };
    await expect(gc.ownerState(dependent, ownerRef(rs))).rejects.toThrow('etcdserver: request timed out');
  });

  it('removes the references to gone owners only from the object it judged: one made again under the same name between its read and its write keeps them', async () => {
    const cluster = new ControllerCluster();
    const api = cluster.client.inner;
    const rs = await api.replicaSets('default').create(rsOwnedBy('rs'));
    const refs = [ownerRef(rs), { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: 'gone-uid' }];
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default', ownerReferences: refs } } as KubeObject;
    const first = await api.resource('configmaps', 'default').create(configMap);
    /** At the collector's second read of cm (its write's), cm has been deleted and made again. */
    class Replacing extends ForwardingClient {
      reads = 0;
      override resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
        const real = this.inner.resource<T>(resource, namespace);
        if (resource !== 'configmaps') return real;
        return {
          ...real,
          get: async (name) => {
            if (++this.reads === 2) {
              await real.delete(name);
              await real.create(configMap as T);
            }
            return real.get(name);
          },
        };
      }
    }
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const gc = new GarbageCollector({ client: new Replacing(cluster.client), clock: cluster.clock, factory, resources: ['configmaps'] });
    gc.graph.set(first.metadata.uid!, { uid: first.metadata.uid!, resource: 'configmaps', namespace: 'default', name: 'cm', owners: refs, dependents: new Set(), beingDeleted: false, finalizers: [] });
    await gc.attemptToDeleteItem(first.metadata.uid!);
    const now = await api.resource('configmaps', 'default').get('cm');
    expect([now.metadata.uid === first.metadata.uid, now.metadata.ownerReferences]).toEqual([false, refs]);
  });

  it('orphans a dependent that lost its references meanwhile (its update still on the way) without writing any back', async () => {
    const c = await running();
    await letGoUnseen(c);
    await deleteWithPropagation(c.api, 'replicasets', 'default', 'web-1', 'Orphan');
    await c.cluster.settle();
    c.cluster.client.release();
    await c.cluster.settle();
    const now = await c.exists('pods', 'a');
    expect([now?.metadata.name, now?.metadata.ownerReferences, await c.exists('replicasets', 'web-1'), c.errors]).toEqual(['a', undefined, undefined, []]);
    await c.stop();
  });

  it('acts only on the objects its graph names: one made again under the same name is not written, one not being deleted is not orphaned even with the orphan finalizer, and a uid not in the graph is nothing', async () => {
    const cluster = new ControllerCluster();
    const api = cluster.client.inner;
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const gc = new GarbageCollector({ client: cluster.client, clock: cluster.clock, factory, resources: ['pods', 'replicasets'] });
    const node = (o: KubeObject, resource: string, uid = o.metadata.uid!) => ({ uid, resource, namespace: 'default', name: o.metadata.name!, owners: o.metadata.ownerReferences ?? [], dependents: new Set<string>(), beingDeleted: false, finalizers: o.metadata.finalizers ?? [] });
    // The graph still has an older rs (being deleted, orphan and foreground) and its pod p; the API has newer ones under those names.
    const rs = await api.replicaSets('default').create({ ...rsOwnedBy('rs'), metadata: { ...rsOwnedBy('rs').metadata, finalizers: ['orphan', 'foregroundDeletion'] } });
    const oldRef = { ...ownerRef(rs, false), uid: 'old-rs-uid' };
    const p = await api.pods('default').create(podOwnedBy('p', oldRef));
    const oldRs = { ...node(rs, 'replicasets', 'old-rs-uid'), beingDeleted: true, dependents: new Set(['old-p-uid']) };
    gc.graph.set('old-rs-uid', oldRs);
    gc.graph.set('old-p-uid', node(p, 'pods', 'old-p-uid'));
    await gc.attemptToOrphan('old-rs-uid');
    await gc.processDeletingDependents(oldRs);
    await gc.attemptToDeleteItem('old-p-uid'); // its owner waits in the foreground, but the p read is another pod
    // A live ReplicaSet carrying the orphan finalizer (deleteWithPropagation's first write, before its delete).
    const live = await api.replicaSets('default').create({ ...rsOwnedBy('live'), metadata: { ...rsOwnedBy('live').metadata, finalizers: ['orphan'] } });
    const q = await api.pods('default').create(podOwnedBy('q', ownerRef(live)));
    gc.graph.set(live.metadata.uid!, { ...node(live, 'replicasets'), dependents: new Set([q.metadata.uid!]) });
    gc.graph.set(q.metadata.uid!, node(q, 'pods'));
    await gc.attemptToOrphan(live.metadata.uid!);
    await expect(gc.attemptToOrphan('nobody')).resolves.toBeUndefined();
    expect(cluster.client.updates).toEqual([]);
    expect([(await api.pods('default').get('p')).metadata.ownerReferences, (await api.pods('default').get('q')).metadata.ownerReferences]).toEqual([[oldRef], [ownerRef(live)]]);
  });
});

// ---- properties --------------------------------------------------------------------------------------------

interface PodModel {
  app: 'web' | 'other';
  ready: boolean;
  ip: boolean;
  port: number;
}
interface EpModel {
  pods: Map<string, PodModel>;
  selector: 'web' | 'other';
}
type Running = Awaited<ReturnType<typeof running>>;

/**
 * Pod `a`, owned by ReplicaSet web-1, then let go by it (its ownerReferences removed) while the
 * pods watch is held: the server has it free, the collector's graph still has it owned. The
 * caller releases the watch.
 */
async function letGoUnseen(c: Running): Promise<void> {
  const rs = await c.api.replicaSets('default').create(rsOwnedBy('web-1'));
  await c.api.pods('default').create(podOwnedBy('a', ownerRef(rs)));
  await c.cluster.settle();
  c.cluster.client.hold('pods');
  const a = await c.api.pods('default').get('a');
  const released = { ...a.metadata };
  delete released.ownerReferences;
  await c.api.pods('default').update({ ...a, metadata: released });
}
type EpCommand = fc.AsyncCommand<EpModel, Running>;

/** After a settle: the Endpoints and the slices of "web" say exactly what the model says. */
async function checkEndpoints(model: EpModel, real: Running, what: string): Promise<void> {
  const selected = [...model.pods].filter(([, p]) => p.app === model.selector && p.ip);
  const ready = selected.filter(([, p]) => p.ready).map(([n]) => n).sort();
  const notReady = selected.filter(([, p]) => !p.ready).map(([n]) => n).sort();
  const ep = await real.api.endpoints('default').get('web');
  const subsets = ep.subsets ?? [];
  expect([subsets.flatMap((s) => names(s.addresses)).sort(), subsets.flatMap((s) => names(s.notReadyAddresses)).sort()], `${what}: Endpoints web [ready, not ready]`).toEqual([ready, notReady]);
  for (const s of subsets) for (const a of [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]) expect(s.ports?.[0]?.port, `${what}: ${a.targetRef?.name}'s port`).toBe(model.pods.get(a.targetRef!.name!)!.port);
  const slices = await real.slicesOf('web');
  const endpoints = slices.flatMap((s) => s.endpoints.map((e) => ({ name: e.targetRef!.name!, ready: e.conditions?.ready, port: s.ports?.[0]?.port })));
  expect(endpoints.map((e) => e.name).sort(), `${what}: the pods in web's slices, each once`).toEqual([...ready, ...notReady].sort());
  for (const e of endpoints) expect([e.ready, e.port], `${what}: ${e.name} in its slice [ready, port]`).toEqual([model.pods.get(e.name)!.ready, model.pods.get(e.name)!.port]);
  for (const s of slices) expect(s.endpoints.length, `${what}: a slice holds more than maxEndpointsPerSlice (3)`).toBeLessThanOrEqual(3);
}

class PutPod implements EpCommand {
  constructor(readonly name: string, readonly pod: PodModel) {}
  check = () => true;
  async run(model: EpModel, real: Running) {
    const api = real.api.pods('default');
    const existing = model.pods.has(this.name) ? await api.get(this.name) : undefined;
    const want = servingPod(this.name, { labels: { app: this.pod.app }, ready: this.pod.ready, ip: this.pod.ip ? `127.0.4.${this.name.slice(1)}` : null, httpPort: this.pod.port });
    if (existing) {
      const updated = await api.update({ ...existing, metadata: { ...existing.metadata, labels: want.metadata.labels }, spec: existing.spec });
      await api.updateStatus({ ...updated, status: want.status });
      if (existing.spec!.containers[0]!.ports?.[0]?.containerPort !== this.pod.port) {
        // A pod's ports cannot change: replace it.
        await api.delete(this.name);
        await real.addPod(want);
      }
    } else await real.addPod(want);
    model.pods.set(this.name, this.pod);
    await real.cluster.settle();
    if (!real.cluster.client.isHeld('endpointslices')) await checkEndpoints(model, real, String(this));
  }
  toString = () => `put pod ${this.name} ${JSON.stringify(this.pod)}`;
}
class DeletePod implements EpCommand {
  constructor(readonly name: string) {}
  check = (model: Readonly<EpModel>) => model.pods.has(this.name);
  async run(model: EpModel, real: Running) {
    await real.api.pods('default').delete(this.name);
    model.pods.delete(this.name);
    await real.cluster.settle();
    if (!real.cluster.client.isHeld('endpointslices')) await checkEndpoints(model, real, String(this));
  }
  toString = () => `delete pod ${this.name}`;
}
class Reselect implements EpCommand {
  constructor(readonly selector: 'web' | 'other') {}
  check = () => true;
  async run(model: EpModel, real: Running) {
    const service = await real.api.services('default').get('web');
    await real.api.services('default').update({ ...service, spec: { ...service.spec, selector: { app: this.selector } } });
    model.selector = this.selector;
    await real.cluster.settle();
    if (!real.cluster.client.isHeld('endpointslices')) await checkEndpoints(model, real, String(this));
  }
  toString = () => `the Service now selects app=${this.selector}`;
}
class HoldSlices implements EpCommand {
  check = () => true;
  async run(_model: EpModel, real: Running) {
    real.cluster.client.hold('endpointslices');
  }
  toString = () => 'hold the endpointslices informer back';
}
class Release implements EpCommand {
  check = () => true;
  async run(model: EpModel, real: Running) {
    real.cluster.client.release();
    await real.cluster.settle();
    await checkEndpoints(model, real, String(this));
  }
  toString = () => 'release the informers';
}

/** An owner tree for the GC property: deployments own ReplicaSets, ReplicaSets own pods. */
interface Forest {
  /** for each ReplicaSet, the deployment (index) owning it, or none */
  rsOwner: (number | undefined)[];
  /** for each pod, the ReplicaSet (index) owning it, or none; and whether it blocks its owner's deletion */
  podOwner: { rs: number | undefined; block: boolean }[];
}
const forestArb: fc.Arbitrary<Forest & { deployments: number }> = fc.integer({ min: 1, max: 3 }).chain((deployments) =>
  fc.integer({ min: 1, max: 4 }).chain((replicaSets) =>
    fc.record({
      deployments: fc.constant(deployments),
      rsOwner: fc.array(fc.option(fc.nat(deployments - 1), { nil: undefined }), { minLength: replicaSets, maxLength: replicaSets }),
      podOwner: fc.array(fc.record({ rs: fc.option(fc.nat(replicaSets - 1), { nil: undefined }), block: fc.boolean() }), { maxLength: 8 }),
    }),
  ),
);

describe('properties', () => {
  test.prop(
    [
      fc.commands(
        [
          fc.tuple(fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'), fc.record({ app: fc.constantFrom<'web' | 'other'>('web', 'web', 'other'), ready: fc.boolean(), ip: fc.constantFrom(true, true, true, false), port: fc.constantFrom(8080, 8081) })).map(([n, p]) => new PutPod(n, p)),
          fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7').map((n) => new DeletePod(n)),
          fc.constantFrom<'web' | 'other'>('web', 'other').map((s) => new Reselect(s)),
          fc.constant(new HoldSlices()),
          fc.constant(new Release()),
        ],
        { maxCommands: 25, size: '+1' },
      ),
    ],
    { numRuns: 30 },
  )('under any story of pod changes, a changing selector and a late slices informer, the Endpoints and the slices list exactly the ready and not-ready pods the Service selects, each once, in slices of at most 3', async (commands) => {
    const real = await running({ maxEndpointsPerSlice: 3 });
    await real.api.services('default').create(makeService('web', { app: 'web' }));
    await real.cluster.settle();
    await fc.asyncModelRun(() => ({ model: { pods: new Map(), selector: 'web' as const }, real }), [...commands, new Release()]);
    expect(real.errors).toEqual([]);
    await real.stop();
  });

  test.prop([forestArb, fc.nat(), fc.constantFrom<PropagationPolicy>('Background', 'Foreground', 'Orphan')], { numRuns: 30 })(
    'deleting an owner in the background or the foreground removes every dependent, down the tree; orphaning removes none and each loses its reference to the owner',
    async (forest, pick, policy) => {
      const c = await running();
      const ds = [];
      for (let i = 0; i < forest.deployments; i++) ds.push(await c.api.deployments('default').create(deployment(`d${i}`)));
      const rss = [];
      for (const [i, owner] of forest.rsOwner.entries()) rss.push(await c.api.replicaSets('default').create(rsOwnedBy(`r${i}`, owner === undefined ? undefined : ds[owner])));
      const pods = [];
      for (const [i, o] of forest.podOwner.entries()) pods.push(await c.api.pods('default').create(podOwnedBy(`p${i}`, ...(o.rs === undefined ? [] : [ownerRef(rss[o.rs]!, o.block)]))));
      await c.cluster.settle();
      const all: KubeObject[] = [...ds, ...rss, ...pods];
      const victim = [...ds, ...rss][pick % (ds.length + rss.length)]!;
      const ownerOf = (o: KubeObject) => all.find((x) => x.metadata.uid === o.metadata.ownerReferences?.[0]?.uid);
      const descends = (o: KubeObject): boolean => {
        const owner = ownerOf(o);
        return owner !== undefined && (owner === victim || descends(owner));
      };
      await deleteWithPropagation(c.api, victim.kind === 'Deployment' ? 'deployments' : 'replicasets', 'default', victim.metadata.name!, policy);
      await c.cluster.settle();
      const story = `${policy} deletion of ${victim.metadata.name}`;
      const resourceOf = (o: KubeObject) => ({ Deployment: 'deployments', ReplicaSet: 'replicasets', Pod: 'pods' })[o.kind as 'Pod'];
      expect(await c.exists(resourceOf(victim), victim.metadata.name!), `${story}: the owner itself`).toBeUndefined();
      for (const o of all.filter((x) => x !== victim)) {
        const now = await c.exists(resourceOf(o), o.metadata.name!);
        const direct = ownerOf(o) === victim;
        if (policy !== 'Orphan' && descends(o)) expect(now, `${story}: ${o.metadata.name} descends from it and is still there`).toBeUndefined();
        else {
          expect(now, `${story}: ${o.metadata.name} should stay`).toBeDefined();
          expect(now!.metadata.ownerReferences ?? [], `${story}: ${o.metadata.name}'s owners`).toEqual(direct ? [] : (o.metadata.ownerReferences ?? []));
        }
      }
      expect(c.errors).toEqual([]);
      await c.stop();
    },
  );
});
