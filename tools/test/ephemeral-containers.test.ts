/**
 * The `ephemeralcontainers` subresource of a pod (given code,
 * solutions/apiserver/ephemeral-containers.ts): what `kubectl debug POD --image=...` patches,
 * and what becomes of the pod. The kubelet's side (kata 23) is tested in
 * test/kubelet/23-pod-sync.test.ts; the whole of it, with the real kubectl, in the cluster's e2e test.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { PodEphemeralContainers, Registry, type Authorizer } from '@kube/apiserver';
import { FakeClock, Random, type EphemeralContainer, type Pod } from '@kube/kit';

const PATH = '/api/v1/namespaces/shop/pods/web/ephemeralcontainers';
const STRATEGIC = { 'content-type': 'application/strategic-merge-patch+json', 'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd' };

function setUp(annotations?: Record<string, string>) {
  const { store, watchable } = testStore();
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const registry = new Registry({ store, watchable, clock, random: new Random(7) });
  registry.create('namespaces', undefined, { metadata: { name: 'shop' } });
  registry.create<Pod>('pods', 'shop', { metadata: { name: 'web', labels: { app: 'web' }, ...(annotations && { annotations }) }, spec: { nodeName: 'node-1', initContainers: [{ name: 'init', image: 'kubekata/sleeper' }], containers: [{ name: 'app', image: 'kubekata/echo' }] } } as Pod);
  const subresource = new PodEphemeralContainers(registry, clock);
  const send = (method: string, body: unknown, options: { headers?: Record<string, string>; url?: string; authorizer?: Authorizer } = {}) =>
    subresource.answer(method, options.url ?? PATH, options.headers ?? STRATEGIC, typeof body === 'string' ? body : JSON.stringify(body), undefined, options.authorizer);
  /** What kubectl debug sends: the strategic merge patch that adds one container. */
  const debug = (container: Partial<EphemeralContainer>) => send('PATCH', { spec: { ephemeralContainers: [{ resources: {}, terminationMessagePolicy: 'File', ...container }] } });
  const pod = () => registry.get<Pod>('pods', 'shop', 'web');
  return { registry, store, clock, send, debug, pod };
}

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/ephemeral-containers.test.ts'), 240_000);
else describe('the ephemeralcontainers subresource', () => {
  it('adds the container kubectl debug patches in, with a container\'s defaults, and answers the Pod', () => {
    const { debug, pod } = setUp();
    const before = pod();
    const answer = debug({ name: 'debugger-x7k2p', image: 'kubekata/node', stdin: true, tty: true });
    expect(answer.code).toBe(200);
    const after = pod();
    expect(answer.body).toEqual(after);
    expect(after.spec?.ephemeralContainers).toEqual([
      { name: 'debugger-x7k2p', image: 'kubekata/node', imagePullPolicy: 'Always', stdin: true, tty: true, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
    ]);
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(after.metadata.managedFields?.at(-1)).toMatchObject({ manager: 'kubectl', operation: 'Update', subresource: 'ephemeralcontainers' });
  });

  it('keeps what a second debug session added before: containers merge by name', () => {
    const { debug, pod } = setUp();
    debug({ name: 'one', image: 'kubekata/sleeper' });
    expect(debug({ name: 'two', image: 'kubekata/sleeper:1.0' }).code).toBe(200);
    expect(pod().spec?.ephemeralContainers?.map((c) => [c.name, c.imagePullPolicy])).toEqual([['one', 'Always'], ['two', 'IfNotPresent']]);
  });

  it('changes nothing else of the pod, whatever else the write says: the spec, the labels and the status stay', () => {
    const { send, pod } = setUp();
    const before = pod();
    const answer = send('PATCH', { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'app', image: 'kubekata/sleeper' }], ephemeralContainers: [{ name: 'd', image: 'kubekata/sleeper' }] }, status: { phase: 'Failed' } });
    expect(answer.code).toBe(200);
    const { spec, metadata, status } = pod();
    expect([metadata.labels, spec?.containers, status]).toEqual([before.metadata.labels, before.spec?.containers, before.status]);
  });

  it('answers a GET with the Pod, and takes a PUT of the whole pod', () => {
    const { send, pod } = setUp();
    expect(send('GET', '')).toEqual({ code: 200, body: pod() });
    const next = { ...pod(), spec: { ...pod().spec!, ephemeralContainers: [{ name: 'd', image: 'kubekata/sleeper' }] } };
    expect(send('PUT', next, { headers: { 'content-type': 'application/json' } }).code).toBe(200);
    expect(pod().spec?.ephemeralContainers?.map((c) => c.name)).toEqual(['d']);
  });

  it('asks whether the user may patch pods/ephemeralcontainers, and answers 403 when not', () => {
    const { send, pod } = setUp();
    const asked: unknown[] = [];
    const authorizer: Authorizer = { authorize: (attributes) => (asked.push(attributes), { allowed: false, reason: '' }) };
    const answer = send('PATCH', { spec: { ephemeralContainers: [{ name: 'd', image: 'x' }] } }, { authorizer });
    expect(asked).toEqual([expect.objectContaining({ verb: 'patch', resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'shop', name: 'web' })]);
    expect(answer).toMatchObject({ code: 403, body: { reason: 'Forbidden', message: expect.stringContaining('cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "shop"') } });
    expect(pod().spec?.ephemeralContainers).toBeUndefined();
  });

  it.each([
    { what: 'a container with ports', container: { name: 'd', image: 'i', ports: [{ containerPort: 80 }] }, message: 'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container' },
    { what: 'a container with a probe', container: { name: 'd', image: 'i', readinessProbe: { exec: { command: ['true'] } } }, message: 'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container' },
    { what: 'a container with resources', container: { name: 'd', image: 'i', resources: { limits: { cpu: '1' } } }, message: 'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container' },
    { what: 'a container named as a container of the pod', container: { name: 'app', image: 'i' }, message: 'spec.ephemeralContainers[0].name: Duplicate value: "app"' },
    { what: 'a container named as an init container', container: { name: 'init', image: 'i' }, message: 'spec.ephemeralContainers[0].name: Duplicate value: "init"' },
    { what: 'a container without an image', container: { name: 'd' }, message: 'spec.ephemeralContainers[0].image: Required value' },
    { what: 'a name that is no DNS label', container: { name: 'Debug_1', image: 'i' }, message: 'spec.ephemeralContainers[0].name: Invalid value: "Debug_1": a lowercase RFC 1123 label' },
    { what: 'a target that is no container of the pod', container: { name: 'd', image: 'i', targetContainerName: 'nope' }, message: 'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"' },
  ])('refuses $what (422), in upstream\'s words, and changes nothing', ({ container, message }) => {
    const { send, store } = setUp();
    const revision = store.revision;
    const answer = send('PATCH', { spec: { ephemeralContainers: [container] } });
    expect(answer).toMatchObject({ code: 422, body: { reason: 'Invalid', message: expect.stringContaining(`Pod "web" is invalid: ${message}`) } });
    expect(store.revision).toBe(revision);
  });

  it('refuses to remove or change a container already there', () => {
    const { debug, send, pod } = setUp();
    debug({ name: 'debugger', image: 'kubekata/sleeper' });
    const removed = send('PUT', { ...pod(), spec: { ...pod().spec!, ephemeralContainers: [] } }, { headers: { 'content-type': 'application/json' } });
    expect(removed).toMatchObject({ code: 422, body: { message: 'Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be removed' } });
    const changed = debug({ name: 'debugger', image: 'kubekata/node' });
    expect(changed).toMatchObject({ code: 422, body: { message: expect.stringContaining('spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be changed') } });
    expect(pod().spec?.ephemeralContainers?.map((c) => c.image)).toEqual(['kubekata/sleeper']);
  });

  it.each([
    { what: 'a pod that is not there is 404 with its name, which tells kubectl the subresource itself is served', url: '/api/v1/namespaces/shop/pods/nobody/ephemeralcontainers', method: 'PATCH', code: 404, body: { reason: 'NotFound', details: { name: 'nobody', kind: 'pods' } } },
    { what: 'a DELETE is 405', url: PATH, method: 'DELETE', code: 405, body: { reason: 'MethodNotAllowed' } },
    { what: 'a stale resourceVersion is 409', url: PATH, method: 'PATCH', code: 409, body: { reason: 'Conflict' }, patch: { metadata: { resourceVersion: '1' }, spec: { ephemeralContainers: [{ name: 'd', image: 'i' }] } } },
    { what: 'a body of another kind is 400', url: PATH, method: 'PUT', code: 400, body: { reason: 'BadRequest' }, patch: { kind: 'Service', metadata: { name: 'web' } } },
  ])('answers $what', ({ url, method, code, body, patch }) => {
    const { send } = setUp();
    const answer = send(method, patch ?? { spec: { ephemeralContainers: [{ name: 'd', image: 'i' }] } }, { url, headers: method === 'PUT' ? { 'content-type': 'application/json' } : STRATEGIC });
    expect(answer).toMatchObject({ code, body });
  });

  it("refuses a static pod's mirror, as upstream does", () => {
    const { debug } = setUp({ 'kubernetes.io/config.mirror': 'abc' });
    expect(debug({ name: 'd', image: 'i' })).toMatchObject({ code: 422, body: { message: expect.stringContaining('Forbidden: static pods do not support ephemeral containers') } });
  });

  it('a pod cannot be created with ephemeral containers: they come through the subresource only', () => {
    const { registry } = setUp();
    expect(() => registry.create<Pod>('pods', 'shop', { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i' }], ephemeralContainers: [{ name: 'd', image: 'i' }] } } as Pod)).toThrow(
      'Pod "x" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create',
    );
  });

  it('a pod template cannot have ephemeral containers: a Deployment\'s pods never start with one', () => {
    const { registry } = setUp();
    const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a', image: 'i' }], ephemeralContainers: [{ name: 'd', image: 'i' }] } };
    expect(() => registry.create('deployments', 'shop', { metadata: { name: 'x' }, spec: { selector: { matchLabels: { app: 'x' } }, template } } as never)).toThrow(
      'spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template',
    );
  });

  // A story of debug sessions, some of them mistakes: what is stored is exactly the containers
  // added that were valid, in the order they were added; every refused write changes nothing.
  type Model = { names: string[] };
  type Real = ReturnType<typeof setUp>;
  class Add implements fc.Command<Model, Real> {
    constructor(readonly name: string, readonly withPort: boolean) {}
    check = () => true;
    run(model: Model, real: Real): void {
      const revision = real.store.revision;
      const answer = real.debug({ name: this.name, image: 'kubekata/sleeper', ...(this.withPort && { ports: [{ containerPort: 80 }] }) });
      const valid = !this.withPort && !model.names.includes(this.name) && this.name !== 'app' && this.name !== 'init';
      // the same container again is no change at all (kubectl debug -c NAME twice)
      const same = !this.withPort && model.names.includes(this.name);
      expect(answer.code, JSON.stringify(answer.body)).toBe(valid || same ? 200 : 422);
      if (valid) model.names.push(this.name);
      else expect(real.store.revision).toBe(revision);
      expect(real.pod().spec?.ephemeralContainers?.map((c) => c.name) ?? []).toEqual(model.names);
    }
    toString = () => `kubectl debug web -c ${this.name} --image=kubekata/sleeper${this.withPort ? ' (with a port)' : ''}`;
  }
  class Change implements fc.Command<Model, Real> {
    constructor(readonly index: number) {}
    check = (model: Readonly<Model>) => model.names.length > 0;
    run(model: Model, real: Real): void {
      const name = model.names[this.index % model.names.length]!;
      const revision = real.store.revision;
      expect(real.debug({ name, image: 'kubekata/node' }).code).toBe(422);
      expect(real.store.revision).toBe(revision);
    }
    toString = () => `change the image of ephemeral container #${this.index}`;
  }
  class Remove implements fc.Command<Model, Real> {
    constructor(readonly index: number) {}
    check = (model: Readonly<Model>) => model.names.length > 0;
    run(model: Model, real: Real): void {
      const pod = real.pod();
      const kept = pod.spec!.ephemeralContainers!.filter((_, i) => i !== this.index % model.names.length);
      const revision = real.store.revision;
      expect(real.send('PUT', { ...pod, spec: { ...pod.spec!, ephemeralContainers: kept } }, { headers: { 'content-type': 'application/json' } }).code).toBe(422);
      expect(real.store.revision).toBe(revision);
    }
    toString = () => `remove ephemeral container #${this.index}`;
  }
  const name = fc.constantFrom('d1', 'd2', 'd3', 'app', 'init');
  test.prop([fc.commands([fc.tuple(name, fc.boolean()).map(([n, p]) => new Add(n, p)), fc.nat(4).map((i) => new Change(i)), fc.nat(4).map((i) => new Remove(i))], { maxCommands: 12 })])(
    'ephemeral containers are only ever added: stored are exactly the valid ones added, in order, and every refusal changes nothing',
    (commands) => fc.modelRun(() => ({ model: { names: [] }, real: setUp() }), commands),
  );

  test.prop([
    fc.record({ labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('a', 'b')), image: fc.constantFrom('kubekata/echo', 'kubekata/sleeper'), nodeName: fc.constantFrom('node-1', 'node-2'), phase: fc.constantFrom('Running', 'Failed') }),
  ])('whatever else a write says, the pod after it is the pod before with one more ephemeral container', ({ labels, image, nodeName, phase }) => {
    const { send, pod } = setUp();
    const { metadata, ...before } = pod();
    send('PATCH', { metadata: { labels }, spec: { nodeName, containers: [{ name: 'app', image }], ephemeralContainers: [{ name: 'd', image: 'i' }] }, status: { phase } });
    const { metadata: after, spec, ...rest } = pod();
    const { ephemeralContainers, ...others } = spec!;
    expect({ ...rest, spec: others }).toEqual(before);
    expect(ephemeralContainers?.map((c) => c.name)).toEqual(['d']);
    expect({ ...after, resourceVersion: undefined, managedFields: undefined }).toEqual({ ...metadata, resourceVersion: undefined, managedFields: undefined });
  });
});
