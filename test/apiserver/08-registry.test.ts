/**
 * Kata 08 — apiserver: the registry on the store. The spec is katas/apiserver/08-registry.md.
 *
 * The examples read as the spec: where objects live in etcd, what create fills in, resourceVersion
 * as optimistic concurrency, generation, the status subresource, deletion with finalizers and
 * selectors. The properties: many clients doing read-modify-write at once (interleaved by
 * fast-check's scheduler) never lose an update; a list with any selector is the model's objects
 * filtered; finalizers always hold a deletion back until the last one is removed; a dry run is the
 * write, unwritten (metamorphic).
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { fieldsMatch, isStatusError, LocalClient, parseFieldSelector, parseLabelSelector, Registry, resourceType, SelectorError, selectorFromObject, type StatusError } from '@kube/apiserver';
import { testStore } from '../support/apiserver/store.ts';
import { FakeClock, Random, type KubeObject, type LabelSelectorRequirement, type Deployment, type Namespace, type Pod, type PodPhase } from '@kube/kit';
import { thrownBy } from '../support/errors.ts';
import {
  fieldSelectorArb,
  fieldSelects,
  labelSetArb,
  nodeNames,
  phases,
  podNames,
  selectorArb,
  selects,
  type FieldSelectorModel,
  type PodFields,
  type SelectorModel,
} from '../support/apiserver/selector-model.ts';

const START = Date.UTC(2026, 0, 1);

/** A generated pod: a name, labels, and the fields a field selector reads. */
const podArb: fc.Arbitrary<PodFields & { labels: Record<string, string> }> = fc.record({
  name: fc.constantFrom(...podNames),
  labels: labelSetArb,
  nodeName: fc.constantFrom(...nodeNames),
  phase: fc.constantFrom(...phases),
});

function setUp() {
  const { store, watchable } = testStore();
  const clock = new FakeClock(START);
  const registry = new Registry({ store, watchable, clock, random: new Random(7) });
  return { store, clock, registry, client: new LocalClient(registry) };
}

/** A pod that validates: one container, and what the test asks for. */
function pod(name: string, more: { labels?: Record<string, string>; nodeName?: string; finalizers?: string[] } = {}): Pod {
  return {
    metadata: { name, ...(more.labels ? { labels: more.labels } : {}), ...(more.finalizers ? { finalizers: more.finalizers } : {}) },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...(more.nodeName ? { nodeName: more.nodeName } : {}) },
  };
}

/** A Deployment that validates: a kind that counts the changes of its spec in `generation`. */
function deployment(name: string, more: { replicas?: number; finalizers?: string[] } = {}): Deployment {
  const labels = { app: name };
  return {
    metadata: { name, ...(more.finalizers ? { finalizers: more.finalizers } : {}) },
    spec: { replicas: more.replicas ?? 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
  };
}

/** Creates a pod, then sets its phase through the status subresource (create starts every pod Pending). */
function createWithPhase(registry: Registry, namespace: string, p: Pod, phase: PodPhase): Pod {
  const created = registry.create('pods', namespace, p);
  return registry.updateStatus('pods', namespace, { ...created, status: { ...created.status, phase } });
}

/** The Status a call failed with: reason, code, message. */
function statusOf(call: () => unknown): { reason?: string; code?: number; message?: string } {
  const error = thrownBy(call) as StatusError;
  const { reason, code, message } = error.status ?? {};
  return { reason, code, message };
}

describe('create: where an object lives and what the registry fills in', () => {
  it('stores a pod under /registry/pods/<namespace>/<name> and returns it with resourceVersion = the key\'s modRevision', () => {
    const { store, registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    const kv = store.range('/registry/pods/default/web').kvs[0];
    expect(kv).toBeDefined();
    expect(created.metadata.resourceVersion).toBe(String(kv!.modRevision));
    expect(JSON.parse(kv!.value).metadata.name).toBe('web');
  });

  it('stores the object as JSON without its resourceVersion: the key\'s modRevision is the resourceVersion', () => {
    const { store, registry } = setUp();
    registry.create('pods', 'default', pod('web'));
    const stored = JSON.parse(store.range('/registry/pods/default/web').kvs[0]!.value);
    expect(stored).toMatchObject({ kind: 'Pod', metadata: { name: 'web', namespace: 'default' } });
    expect(stored.metadata).not.toHaveProperty('resourceVersion');
  });

  it('Registry.keyOf is /registry/<resource>/<namespace>/<name>, or /registry/<resource>/<name> for a cluster-scoped resource', () => {
    expect(Registry.keyOf(resourceType('pods'), 'kube-system', 'dns')).toBe('/registry/pods/kube-system/dns');
    expect(Registry.keyOf(resourceType('nodes'), undefined, 'node-1')).toBe('/registry/nodes/node-1');
    expect(Registry.keyOf(resourceType('deployments'), 'default', 'web')).toBe('/registry/deployments/default/web');
  });

  it('stores a cluster-scoped node under /registry/nodes/<name>, without a namespace', () => {
    const { store, registry } = setUp();
    const node = registry.create('nodes', undefined, { metadata: { name: 'node-1', namespace: 'ignored' } });
    expect(store.range('/registry/nodes/node-1').count).toBe(1);
    expect(node.metadata.namespace).toBeUndefined();
  });

  it('fills in uid (a UUID), creationTimestamp from the clock, kind, apiVersion and the namespace, and no generation for a pod', async () => {
    const { clock, registry } = setUp();
    await clock.advance(5_000);
    const created = registry.create('pods', 'default', pod('web'));
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata.creationTimestamp).toBe('2026-01-01T00:00:05Z');
    expect(created).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { namespace: 'default' } });
    expect(created.metadata, 'v1.32 gives pods no generation').not.toHaveProperty('generation');
  });

  it('starts a Deployment\'s generation at 1, whatever generation the new object carries', () => {
    const { registry } = setUp();
    const d = deployment('web');
    d.metadata = { ...d.metadata, generation: 7 };
    expect(registry.create('deployments', 'default', d).metadata.generation).toBe(1);
  });

  it('starts a pod\'s status over as Pending with its QoS class, whatever the object said (the status is the status subresource\'s)', () => {
    const { registry } = setUp();
    const created = registry.create('pods', 'default', { ...pod('web'), status: { phase: 'Running', message: 'trust me' } });
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('keeps the status a node is registered with (a kubelet creates its node with its capacity)', () => {
    const { registry } = setUp();
    const created = registry.create('nodes', undefined, { metadata: { name: 'node-1' }, status: { capacity: { cpu: '4' } } });
    expect(created.status).toMatchObject({ capacity: { cpu: '4' } });
  });

  it('ignores a resourceVersion, a deletionTimestamp or a generation the new object carries', () => {
    const { store, registry } = setUp();
    store.put('/elsewhere', 'x');
    store.put('/elsewhere', 'y');
    const p = pod('web');
    p.metadata = { ...p.metadata, resourceVersion: '1', generation: 7, deletionTimestamp: '2020-01-01T00:00:00Z' };
    const created = registry.create('pods', 'default', p);
    expect(created.metadata).toMatchObject({ resourceVersion: '4' });
    expect(created.metadata.deletionTimestamp).toBeUndefined();
    expect(created.metadata.generation, 'a pod has none').toBeUndefined();
  });

  it('gives two objects different uids', () => {
    const { registry } = setUp();
    expect(registry.create('pods', 'default', pod('a')).metadata.uid).not.toBe(registry.create('pods', 'default', pod('b')).metadata.uid);
  });

  it('names an object from generateName plus 5 characters of "bcdfghjklmnpqrstvwxz2456789"', () => {
    const { registry } = setUp();
    const created = registry.create<Pod>('pods', 'default', { metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
    expect(created.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(created.metadata.generateName).toBe('web-');
  });

  it('refuses a second object of the same name with AlreadyExists (409) in Kubernetes\' words', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('web'));
    expect(statusOf(() => registry.create('pods', 'default', pod('web')))).toEqual({ reason: 'AlreadyExists', code: 409, message: 'pods "web" already exists' });
  });

  it('allows the same name in another namespace', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('web'));
    expect(registry.create('pods', 'other', pod('web')).metadata.namespace).toBe('other');
  });

  it('refuses an object whose namespace differs from the request\'s with BadRequest (400)', () => {
    const { registry } = setUp();
    const p = pod('web');
    p.metadata.namespace = 'other';
    expect(statusOf(() => registry.create('pods', 'default', p))).toEqual({
      reason: 'BadRequest',
      code: 400,
      message: 'the namespace of the provided object does not match the namespace sent on the request',
    });
  });

  it('refuses an invalid object with Invalid (422), naming the field, and stores nothing', () => {
    const { store, registry } = setUp();
    const before = store.revision;
    const status = statusOf(() => registry.create('pods', 'default', pod('Not_A_Name')));
    expect(status).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(status.message).toContain('metadata.name');
    expect(store.revision).toBe(before);
  });

  it('answers a resource it does not serve with NotFound (404)', () => {
    const { registry } = setUp();
    expect(statusOf(() => registry.create('widgets', 'default', pod('web')))).toEqual({ reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
  });
});

describe('get and list', () => {
  it('gets an object with its current resourceVersion', () => {
    const { registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    expect(registry.get('pods', 'default', 'web')).toEqual(created);
  });

  it('answers a missing object with NotFound (404): pods "nope" not found', () => {
    const { registry } = setUp();
    expect(statusOf(() => registry.get('pods', 'default', 'nope'))).toEqual({ reason: 'NotFound', code: 404, message: 'pods "nope" not found' });
  });

  it('lists one namespace, or every namespace, in key order, with the store\'s revision as the list\'s resourceVersion', () => {
    const { store, registry } = setUp();
    registry.create('pods', 'b', pod('x'));
    registry.create('pods', 'a', pod('y'));
    registry.create('pods', 'a', pod('x'));
    registry.create('nodes', undefined, { metadata: { name: 'n' } });
    const inA = registry.list('pods', 'a');
    expect(inA.items.map((p) => p.metadata.name)).toEqual(['x', 'y']);
    expect(inA.resourceVersion).toBe(String(store.revision));
    expect(registry.list('pods', undefined).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['a/x', 'a/y', 'b/x']);
  });

  it('does not list objects of another resource whose name starts the same ("pods" vs "podsecurity")', () => {
    const { store, registry } = setUp();
    store.put('/registry/podsx/default/z', '{"metadata":{"name":"z"}}');
    registry.create('pods', 'default', pod('web'));
    expect(registry.list('pods', undefined).items.map((p) => p.metadata.name)).toEqual(['web']);
  });
});

describe('update: resourceVersion, generation and the status subresource', () => {
  it('refuses an update made from a stale read with Conflict (409) in Kubernetes\' words', () => {
    const { registry } = setUp();
    const read = registry.create('pods', 'default', pod('web'));
    registry.update('pods', 'default', { ...read, metadata: { ...read.metadata, labels: { a: '1' } } });
    expect(statusOf(() => registry.update('pods', 'default', { ...read, metadata: { ...read.metadata, labels: { b: '2' } } }))).toEqual({
      reason: 'Conflict',
      code: 409,
      message: 'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('applies an update without a resourceVersion unconditionally, and gives the object a new one', () => {
    const { registry } = setUp();
    const read = registry.create('pods', 'default', pod('web'));
    const { resourceVersion: _, ...meta } = read.metadata;
    const updated = registry.update<Pod>('pods', 'default', { ...read, metadata: { ...meta, labels: { a: '1' } } });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(read.metadata.resourceVersion));
    expect(updated.metadata.labels).toEqual({ a: '1' });
  });

  it('moves a Deployment\'s generation by one when the spec changes, and not for labels', () => {
    const { registry } = setUp();
    const created = registry.create('deployments', 'default', deployment('web'));
    const relabelled = registry.update('deployments', 'default', { ...created, metadata: { ...created.metadata, labels: { a: '1' } } });
    expect(relabelled.metadata.generation).toBe(1);
    const moved = registry.update('deployments', 'default', { ...relabelled, spec: { ...relabelled.spec!, replicas: 3 } });
    expect(moved.metadata.generation).toBe(2);
  });

  it('gives a pod no generation when its spec changes: the kind does not track one', () => {
    const { registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    const moved = registry.update('pods', 'default', { ...created, spec: { ...created.spec!, nodeName: 'node-1' } });
    expect(moved.spec?.nodeName).toBe('node-1');
    expect(moved.metadata).not.toHaveProperty('generation');
  });

  it('keeps uid, creationTimestamp and generation as stored whatever the update says', () => {
    const { registry } = setUp();
    const created = registry.create('deployments', 'default', deployment('web'));
    const { uid: _, ...withoutUid } = created.metadata;
    const updated = registry.update('deployments', 'default', { ...created, metadata: { ...withoutUid, creationTimestamp: '1999-01-01T00:00:00Z', generation: 9, labels: { a: '1' } } });
    expect(updated.metadata).toMatchObject({ uid: created.metadata.uid, creationTimestamp: created.metadata.creationTimestamp, generation: 1 });
    const withPod = registry.create('pods', 'default', pod('p'));
    expect(registry.update('pods', 'default', { ...withPod, metadata: { ...withPod.metadata, generation: 9, labels: { a: '1' } } }).metadata, 'a pod keeps none').not.toHaveProperty('generation');
  });

  it('refuses an update whose uid names another object with Conflict (409): Precondition failed', () => {
    const { registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    expect(statusOf(() => registry.update('pods', 'default', { ...created, metadata: { ...created.metadata, uid: 'forged' } }))).toEqual({
      reason: 'Conflict',
      code: 409,
      message: `Operation cannot be fulfilled on pods "web": Precondition failed: UID in precondition: forged, UID in object meta: ${created.metadata.uid}`,
    });
  });

  it('writes nothing for an update that changes nothing: the resourceVersion stays', () => {
    const { store, registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    const revision = store.revision;
    const same = registry.update('pods', 'default', registry.get<Pod>('pods', 'default', 'web'));
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(store.revision).toBe(revision);
  });

  it('ignores the status in an update of the main resource, and everything but the status in updateStatus', () => {
    const { registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    const main = registry.update('pods', 'default', { ...created, status: { phase: 'Running' } });
    expect(main.status?.phase).toBe('Pending');
    const status = registry.updateStatus('pods', 'default', {
      ...main,
      metadata: { ...main.metadata, labels: { sneaky: 'yes' } },
      spec: { ...main.spec!, nodeName: 'sneaky' },
      status: { phase: 'Running' },
    });
    expect(status.status?.phase).toBe('Running');
    expect(status.metadata.labels).toBeUndefined();
    expect(status.spec?.nodeName).toBeUndefined();
    expect(status.metadata).not.toHaveProperty('generation');
    expect(Number(status.metadata.resourceVersion)).toBeGreaterThan(Number(main.metadata.resourceVersion));
    expect(registry.get<Pod>('pods', 'default', 'web').status?.phase).toBe('Running');
  });

  it('answers an update of a missing object with NotFound (404)', () => {
    const { registry } = setUp();
    expect(statusOf(() => registry.update('pods', 'default', pod('ghost')))).toEqual({ reason: 'NotFound', code: 404, message: 'pods "ghost" not found' });
    expect(statusOf(() => registry.updateStatus('pods', 'default', pod('ghost')))).toMatchObject({ reason: 'NotFound', code: 404 });
  });

  it('checks an updated object like a new one: an invalid update is Invalid (422) and changes nothing', () => {
    const { registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    const broken = { ...created, metadata: { ...created.metadata, labels: { 'bad key!': 'x' } } };
    expect(statusOf(() => registry.update('pods', 'default', broken))).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(registry.get('pods', 'default', 'web')).toEqual(created);
  });
});

describe('delete, preconditions and finalizers', () => {
  it('deletes an object and returns it; a second delete is NotFound', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('web'));
    expect(registry.delete('pods', 'default', 'web').metadata.name).toBe('web');
    expect(statusOf(() => registry.get('pods', 'default', 'web'))).toMatchObject({ reason: 'NotFound' });
    expect(statusOf(() => registry.delete('pods', 'default', 'web'))).toMatchObject({ reason: 'NotFound', code: 404 });
  });

  it('refuses a delete whose uid precondition names another object with Conflict (409), and keeps the object', () => {
    const { registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    expect(statusOf(() => registry.delete('pods', 'default', 'web', { preconditions: { uid: 'someone-else' } }))).toEqual({
      reason: 'Conflict',
      code: 409,
      message: `Operation cannot be fulfilled on pods "web": Precondition failed: UID in precondition: someone-else, UID in object meta: ${created.metadata.uid}`,
    });
    expect(registry.get('pods', 'default', 'web')).toEqual(created);
  });

  it('deletes only at the resourceVersion a precondition names: a stale one is Conflict (409)', () => {
    const { registry } = setUp();
    const created = registry.create('pods', 'default', pod('web'));
    const updated = registry.update('pods', 'default', { ...created, metadata: { ...created.metadata, labels: { a: '1' } } });
    const stale = { preconditions: { resourceVersion: created.metadata.resourceVersion! } };
    expect(statusOf(() => registry.delete('pods', 'default', 'web', stale))).toMatchObject({ reason: 'Conflict', code: 409 });
    expect(registry.delete('pods', 'default', 'web', { preconditions: { resourceVersion: updated.metadata.resourceVersion!, uid: created.metadata.uid! } }).metadata.name).toBe('web');
    expect(statusOf(() => registry.get('pods', 'default', 'web'))).toMatchObject({ reason: 'NotFound' });
  });

  it('only marks an object with finalizers: deletionTimestamp from the clock, and the object stays', async () => {
    const { clock, registry } = setUp();
    registry.create('pods', 'default', pod('web', { finalizers: ['example.com/cleanup'] }));
    registry.create('configmaps', 'default', { metadata: { name: 'settings', finalizers: ['example.com/cleanup'] }, data: { a: '1' } } as KubeObject);
    await clock.advance(60_000);
    const marked = registry.delete<Pod>('pods', 'default', 'web');
    expect(marked.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 0 });
    expect(registry.get('pods', 'default', 'web')).toEqual(marked);
    // Not a pod, so not through gracefullyMarked: your own mark.
    const settings = registry.delete('configmaps', 'default', 'settings');
    expect(settings.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 0 });
    expect(registry.get('configmaps', 'default', 'settings')).toEqual(settings);
  });

  it('moves generation by one when it marks an object that has one for deletion (its controllers must notice), and gives none to one without', () => {
    const { registry } = setUp();
    registry.create('deployments', 'default', deployment('web', { finalizers: ['example.com/cleanup'] }));
    registry.create('pods', 'default', pod('web', { finalizers: ['example.com/cleanup'] }));
    registry.create('configmaps', 'default', { metadata: { name: 'settings', finalizers: ['example.com/cleanup'] } } as KubeObject);
    expect(registry.delete('deployments', 'default', 'web').metadata.generation).toBe(2);
    expect(registry.delete('pods', 'default', 'web').metadata).not.toHaveProperty('generation');
    expect(registry.delete('configmaps', 'default', 'settings').metadata).not.toHaveProperty('generation');
  });

  it('changes nothing on a second delete of a marked object', async () => {
    const { clock, store, registry } = setUp();
    registry.create('pods', 'default', pod('web', { finalizers: ['example.com/cleanup'] }));
    const marked = registry.delete<Pod>('pods', 'default', 'web');
    const revision = store.revision;
    await clock.advance(60_000);
    expect(registry.delete('pods', 'default', 'web')).toEqual(marked);
    expect(store.revision).toBe(revision);
  });

  it('keeps the deletionTimestamp of a marked object whatever an update says', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('web', { finalizers: ['a', 'b'] }));
    const marked = registry.delete<Pod>('pods', 'default', 'web');
    const { deletionTimestamp: _, ...meta } = marked.metadata;
    const updated = registry.update<Pod>('pods', 'default', { ...marked, metadata: { ...meta, finalizers: ['a'] } });
    expect(updated.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
  });

  it('removes a marked object when an update takes its last finalizer away', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('web', { finalizers: ['a', 'b'] }));
    let current = registry.delete('pods', 'default', 'web');
    current = registry.update('pods', 'default', { ...current, metadata: { ...current.metadata, finalizers: ['b'] } });
    expect(registry.get('pods', 'default', 'web').metadata.finalizers).toEqual(['b']);
    registry.update('pods', 'default', { ...current, metadata: { ...current.metadata, finalizers: [] } });
    expect(statusOf(() => registry.get('pods', 'default', 'web'))).toMatchObject({ reason: 'NotFound' });
  });

  it('refuses a new finalizer on an object being deleted with Invalid (422)', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('web', { finalizers: ['a'] }));
    const marked = registry.delete<Pod>('pods', 'default', 'web');
    const status = statusOf(() => registry.update('pods', 'default', { ...marked, metadata: { ...marked.metadata, finalizers: ['a', 'late'] } }));
    expect(status).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(status.message).toContain('metadata.finalizers');
    expect(registry.get('pods', 'default', 'web')).toEqual(marked);
  });
});

describe('graceful deletion of pods: gracefullyMarked decides first', () => {
  it('only marks a bound pod deleted with a grace period: deletionTimestamp now + the period, and it stays until a delete with 0', async () => {
    const { clock, store, registry } = setUp();
    registry.create('pods', 'default', pod('web', { nodeName: 'node-1' }));
    await clock.advance(60_000);
    const marked = registry.delete<Pod>('pods', 'default', 'web', { gracePeriodSeconds: 30 });
    expect(marked.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:01:30Z', deletionGracePeriodSeconds: 30 });
    expect(marked.metadata.resourceVersion, 'the mark is written: the answer carries its new resourceVersion').toBe(String(store.revision));
    expect(registry.get('pods', 'default', 'web')).toEqual(marked);
    expect(registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 0 }).metadata.name).toBe('web');
    expect(statusOf(() => registry.get('pods', 'default', 'web'))).toMatchObject({ reason: 'NotFound' });
  });

  it('keeps a pod waiting out its grace period through its kubelet\'s status writes and other updates: Terminating until the delete with 0', async () => {
    const { clock, registry } = setUp();
    registry.create('pods', 'default', pod('web', { nodeName: 'node-1' }));
    registry.delete<Pod>('pods', 'default', 'web', { gracePeriodSeconds: 30 });
    await clock.advance(5_000);
    const marked = registry.get<Pod>('pods', 'default', 'web');
    const stopped = registry.updateStatus<Pod>('pods', 'default', { ...marked, status: { phase: 'Failed' } });
    expect(stopped.status?.phase).toBe('Failed');
    registry.update<Pod>('pods', 'default', { ...stopped, metadata: { ...stopped.metadata, labels: { app: 'web' } } });
    expect(registry.get<Pod>('pods', 'default', 'web').metadata).toMatchObject({ labels: { app: 'web' }, deletionGracePeriodSeconds: 30 });
    registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 0 });
    expect(statusOf(() => registry.get('pods', 'default', 'web'))).toMatchObject({ reason: 'NotFound' });
  });

  it('takes the pod\'s terminationGracePeriodSeconds (30 by default) when the delete names no period, as `kubectl delete pod` without --grace-period', () => {
    const { registry } = setUp();
    const withPeriod = (name: string, seconds: number): Pod => {
      const p = pod(name, { nodeName: 'node-1' });
      return { ...p, spec: { ...p.spec!, terminationGracePeriodSeconds: seconds } };
    };
    registry.create('pods', 'default', pod('web', { nodeName: 'node-1' }));
    registry.create('pods', 'default', withPeriod('quick', 5));
    registry.create('pods', 'default', withPeriod('now', 0));
    expect(registry.delete<Pod>('pods', 'default', 'web').metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 });
    expect(registry.delete<Pod>('pods', 'default', 'quick').metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 5 });
    registry.delete('pods', 'default', 'now');
    expect(registry.list<Pod>('pods', 'default').items.map((p) => p.metadata.name)).toEqual(['quick', 'web']);
  });

  it('deletes at once a pod not bound to a node, or one that finished, whatever period the delete asks', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('unbound'));
    createWithPhase(registry, 'default', pod('done', { nodeName: 'node-1' }), 'Succeeded');
    registry.delete('pods', 'default', 'unbound', { gracePeriodSeconds: 30 });
    registry.delete('pods', 'default', 'done', { gracePeriodSeconds: 30 });
    expect(registry.list('pods', 'default').items).toEqual([]);
  });

  it('writes a pod deleted at once marked with a period of 0 before it deletes it, as upstream\'s two steps: watchers see MODIFIED, then DELETED', async () => {
    const { clock, store, registry } = setUp();
    registry.create('pods', 'default', pod('unbound'));
    await clock.advance(60_000);
    const before = store.revision;
    const answer = registry.delete<Pod>('pods', 'default', 'unbound', { gracePeriodSeconds: 30 });
    expect(store.revision, 'two revisions: the mark, then the delete').toBe(before + 2);
    const mark = store.range('/registry/pods/default/unbound', undefined, { revision: before + 1 }).kvs[0];
    expect(mark && (JSON.parse(mark.value) as Pod).metadata, 'the pod as written at the first revision').toMatchObject({ deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 0 });
    expect(store.range('/registry/pods/default/unbound').kvs, 'then deleted').toEqual([]);
    expect(answer.metadata, 'the answer is the pod as it was deleted: marked').toMatchObject({ name: 'unbound', deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 0, resourceVersion: String(before + 1) });
  });

  it('writes the kubelet\'s last delete (a period of 0) on a pod marked for 30 s as a mark at the first mark\'s time, then deletes it', async () => {
    const { clock, store, registry } = setUp();
    registry.create('pods', 'default', pod('web', { nodeName: 'node-1' }));
    registry.delete<Pod>('pods', 'default', 'web');
    await clock.advance(4_000);
    const before = store.revision;
    const answer = registry.delete<Pod>('pods', 'default', 'web', { gracePeriodSeconds: 0 });
    expect(store.revision, 'two revisions: the mark with 0, then the delete').toBe(before + 2);
    expect(answer.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0, resourceVersion: String(before + 1) });
    expect(store.range('/registry/pods/default/web').kvs).toEqual([]);
  });

  it('leaves a pod with finalizers marked with a period of 0 when it is deleted at once, and writes nothing on a dry run of a delete at once', () => {
    const { store, registry } = setUp();
    registry.create('pods', 'default', pod('held', { finalizers: ['example.com/hold'] }));
    const created = registry.create<Pod>('pods', 'default', pod('free'));
    const before = store.revision;
    const dry = registry.delete<Pod>('pods', 'default', 'free', { dryRun: true });
    expect(dry.metadata, 'a dry run answers as the delete would: the pod marked').toMatchObject({ deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0, resourceVersion: created.metadata.resourceVersion });
    expect(store.revision).toBe(before);
    expect(registry.get('pods', 'default', 'free')).toEqual(created);
    const held = registry.delete<Pod>('pods', 'default', 'held');
    expect(held.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['example.com/hold'] });
    expect(store.revision, 'one write: the mark').toBe(before + 1);
    expect(registry.get('pods', 'default', 'held')).toEqual(held);
  });

  it('changes nothing when a marked pod is deleted again with a period no shorter, and moves the deadline in with a shorter one', async () => {
    const { clock, store, registry } = setUp();
    registry.create('pods', 'default', pod('web', { nodeName: 'node-1' }));
    const marked = registry.delete<Pod>('pods', 'default', 'web', { gracePeriodSeconds: 30 });
    const revision = store.revision;
    await clock.advance(10_000);
    expect(registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 60 })).toEqual(marked);
    expect(store.revision).toBe(revision);
    const shorter = registry.delete<Pod>('pods', 'default', 'web', { gracePeriodSeconds: 5 });
    expect(shorter.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 5 });
    expect(registry.get('pods', 'default', 'web')).toEqual(shorter);
  });

  it('keeps the period a marked pod was given when it is deleted again without one, even when its spec names a shorter one or it has finished', async () => {
    const { clock, store, registry } = setUp();
    const p = pod('web', { nodeName: 'node-1' });
    registry.create('pods', 'default', { ...p, spec: { ...p.spec!, terminationGracePeriodSeconds: 5 } });
    const marked = registry.delete<Pod>('pods', 'default', 'web', { gracePeriodSeconds: 60 });
    expect(marked.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 60 });
    await clock.advance(1_000);
    expect(registry.delete('pods', 'default', 'web')).toEqual(marked);
    const failed = registry.updateStatus<Pod>('pods', 'default', { ...marked, status: { phase: 'Failed' } });
    expect(registry.delete('pods', 'default', 'web')).toEqual(failed);
    expect(store.revision).toBe(Number(failed.metadata.resourceVersion));
    registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 0 });
    expect(registry.list('pods', 'default').items).toEqual([]);
  });

  it('answers the marked pod to a dry run of a graceful delete, and writes nothing', () => {
    const { store, registry } = setUp();
    const created = registry.create<Pod>('pods', 'default', pod('web', { nodeName: 'node-1' }));
    const revision = store.revision;
    const answer = registry.delete<Pod>('pods', 'default', 'web', { gracePeriodSeconds: 30, dryRun: true });
    expect(answer.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 });
    expect(store.revision).toBe(revision);
    expect(registry.get('pods', 'default', 'web')).toEqual(created);
  });

  it('checks the preconditions before a graceful delete marks anything', () => {
    const { registry } = setUp();
    const created = registry.create<Pod>('pods', 'default', pod('web', { nodeName: 'node-1' }));
    expect(statusOf(() => registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 30, preconditions: { uid: 'someone-else' } }))).toMatchObject({ reason: 'Conflict', code: 409 });
    expect(registry.get('pods', 'default', 'web')).toEqual(created);
  });

  it('ignores a grace period for anything but a pod: a namespace is marked for its finalizers only', () => {
    const { registry } = setUp();
    registry.create<Namespace>('namespaces', undefined, { metadata: { name: 'team', finalizers: [] } } as Namespace);
    const marked = registry.delete<Namespace>('namespaces', undefined, 'team', { gracePeriodSeconds: 30 });
    expect(marked.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 });
  });
});

describe('finalizers of a kind\'s own: a namespace\'s spec.finalizers', () => {
  it('holds a namespace\'s deletion back by its "kubernetes" finalizer, marking it Terminating, until an update removes it', () => {
    const { store, registry } = setUp();
    const created = registry.create<Namespace>('namespaces', undefined, { metadata: { name: 'prod' } });
    expect(created.spec).toEqual({ finalizers: ['kubernetes'] });
    const marked = registry.delete<Namespace>('namespaces', undefined, 'prod');
    expect(marked).toMatchObject({ metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Terminating' } });
    expect(registry.get('namespaces', undefined, 'prod')).toEqual(marked);
    const revision = store.revision;
    expect(registry.delete('namespaces', undefined, 'prod')).toEqual(marked);
    expect(store.revision).toBe(revision);
    registry.update<Namespace>('namespaces', undefined, { ...marked, spec: { finalizers: [] } });
    expect(statusOf(() => registry.get('namespaces', undefined, 'prod'))).toMatchObject({ reason: 'NotFound' });
  });
});

describe('dry runs: everything but the write', () => {
  it('answers a dry-run create with the object as it would be stored, without a resourceVersion, and stores nothing', () => {
    const { store, registry } = setUp();
    const revision = store.revision;
    const answer = registry.create<Pod>('pods', 'default', pod('web'), { dryRun: true });
    expect(answer).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', namespace: 'default' }, status: { phase: 'Pending' } });
    expect(answer.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.metadata.resourceVersion).toBeUndefined();
    expect(answer.spec!.restartPolicy).toBe('Always'); // defaults are applied
    expect(store.revision).toBe(revision);
    expect(statusOf(() => registry.get('pods', 'default', 'web'))).toMatchObject({ reason: 'NotFound' });
  });

  it('still refuses a dry-run create of a name that is taken (AlreadyExists) or of an invalid object (Invalid)', () => {
    const { store, registry } = setUp();
    registry.create('pods', 'default', pod('web'));
    const revision = store.revision;
    expect(statusOf(() => registry.create('pods', 'default', pod('web'), { dryRun: true }))).toMatchObject({ reason: 'AlreadyExists', code: 409 });
    expect(statusOf(() => registry.create('pods', 'default', pod('Bad_Name'), { dryRun: true }))).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(store.revision).toBe(revision);
  });

  it('answers a dry-run update with the updated object at the stored resourceVersion, and changes nothing', () => {
    const { store, registry } = setUp();
    const created = registry.create<Pod>('pods', 'default', pod('web'));
    const changed = { ...created, spec: { ...created.spec!, nodeName: 'node-1' } };
    const answer = registry.update<Pod>('pods', 'default', changed, { dryRun: true });
    expect(answer.spec!.nodeName).toBe('node-1');
    expect(answer.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(registry.get('pods', 'default', 'web')).toEqual(created);
    const stale = registry.update<Pod>('pods', 'default', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
    const revision = store.revision;
    expect(statusOf(() => registry.update('pods', 'default', changed, { dryRun: true }))).toMatchObject({ reason: 'Conflict' });
    expect(registry.updateStatus<Pod>('pods', 'default', { ...stale, status: { phase: 'Running' } }, { dryRun: true }).status!.phase).toBe('Running');
    expect(registry.get<Pod>('pods', 'default', 'web').status!.phase).toBe('Pending');
    expect(store.revision).toBe(revision);
  });

  it('answers a dry-run delete as a delete would, and deletes or marks nothing', () => {
    const { store, registry } = setUp();
    const plain = registry.create<Pod>('pods', 'default', pod('web'));
    registry.create('pods', 'default', pod('held', { finalizers: ['example.com/x'] }));
    registry.create('configmaps', 'default', { metadata: { name: 'kept', finalizers: ['example.com/x'] } } as KubeObject);
    const revision = store.revision;
    const marked = { ...plain.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 };
    expect(registry.delete('pods', 'default', 'web', { dryRun: true }), 'a pod is marked before it is deleted').toEqual({ ...plain, metadata: marked });
    expect(registry.delete('pods', 'default', 'held', { dryRun: true }).metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(statusOf(() => registry.delete('pods', 'default', 'web', { dryRun: true, preconditions: { uid: 'other' } }))).toMatchObject({ reason: 'Conflict' });
    expect(store.revision).toBe(revision);
    expect(registry.get('pods', 'default', 'web')).toEqual(plain);
    expect(registry.get('pods', 'default', 'held').metadata.deletionTimestamp).toBeUndefined();
    expect(registry.delete('configmaps', 'default', 'kept', { dryRun: true }).metadata.deletionTimestamp, 'not a pod: your own mark').toBe('2026-01-01T00:00:00Z');
    expect(store.revision).toBe(revision);
    expect(registry.get('configmaps', 'default', 'kept').metadata.deletionTimestamp).toBeUndefined();
  });
});

describe('label and field selectors', () => {
  function three() {
    const setup = setUp();
    createWithPhase(setup.registry, 'default', pod('a', { labels: { app: 'web', tier: 'front' }, nodeName: 'n1' }), 'Running');
    createWithPhase(setup.registry, 'default', pod('b', { labels: { app: 'web', tier: 'back' }, nodeName: 'n2' }), 'Pending');
    createWithPhase(setup.registry, 'default', pod('c', { labels: { app: 'db' } }), 'Failed');
    setup.registry.create('pods', 'other', pod('d', { labels: { app: 'web' } }));
    return setup;
  }
  const names = (r: { items: Pod[] }) => r.items.map((p) => p.metadata.name);

  it.each([
    ['app=web', ['a', 'b']],
    ['app==web', ['a', 'b']],
    ['app!=web', ['c']],
    ['tier in (front, back)', ['a', 'b']],
    ['tier notin (front)', ['b', 'c']],
    ['tier', ['a', 'b']],
    ['!tier', ['c']],
    ['app=web,tier=back', ['b']],
    ['', ['a', 'b', 'c']],
  ])('the label selector "%s" selects %j', (selector, expected) => {
    const { registry } = three();
    expect(names(registry.list<Pod>('pods', 'default', { labelSelector: selector }))).toEqual(expected);
  });

  it.each([
    ['spec.nodeName=n1', ['a']],
    ['spec.nodeName=', ['c']],
    ['status.phase!=Running', ['b', 'c']],
    ['status.phase==Failed', ['c']],
    ['metadata.name=b', ['b']],
    ['metadata.namespace=default,spec.nodeName!=n1', ['b', 'c']],
  ])('the field selector "%s" selects %j', (selector, expected) => {
    const { registry } = three();
    expect(names(registry.list<Pod>('pods', 'default', { fieldSelector: selector }))).toEqual(expected);
  });

  it('refuses a field a resource does not offer with BadRequest: field label not supported', () => {
    const { registry } = three();
    const status = statusOf(() => registry.list('pods', 'default', { fieldSelector: 'spec.foo=bar' }));
    expect(status).toEqual({ reason: 'BadRequest', code: 400, message: 'field label not supported: spec.foo' });
    expect(statusOf(() => registry.list('nodes', undefined, { fieldSelector: 'spec.nodeName=n1' }))).toMatchObject({ reason: 'BadRequest', code: 400 });
  });

  it('lists every namespace with a selector when no namespace is given', () => {
    const { registry } = three();
    expect(registry.list<Pod>('pods', undefined, { labelSelector: 'app=web' }).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['default/a', 'default/b', 'other/d']);
  });

  it('refuses a label selector it cannot read with BadRequest (400)', () => {
    const { registry } = three();
    for (const selector of ['app in (web', 'tier notin ()', 'app=web,,tier', '-app=web']) {
      expect(statusOf(() => registry.list('pods', 'default', { labelSelector: selector })), selector).toMatchObject({ reason: 'BadRequest', code: 400 });
    }
  });

  it.each([
    ['app=-web', 'a value that starts with "-"'],
    ['app!=web_', 'a value that ends with "_"'],
    ['tier in (front,ba ck)', 'a value with a space inside'],
    ['tier notin (front,-back)', 'one bad value in a list'],
    [`app=${'a'.repeat(64)}`, 'a value of 64 characters'],
    [`${'a'.repeat(64)}=web`, 'a key of 64 characters'],
    ['Example.com/app=web', 'a key prefix that is not a DNS subdomain'],
  ])('refuses the label selector "%s" (%s) with BadRequest naming the selector', (selector) => {
    const { registry } = three();
    const status = statusOf(() => registry.list('pods', 'default', { labelSelector: selector }));
    expect(status).toMatchObject({ reason: 'BadRequest', code: 400 });
    expect(status.message).toContain(selector);
    expect(thrownBy(() => parseLabelSelector(selector))).toBeInstanceOf(SelectorError);
  });

  it('accepts label values and keys at their limits: an empty value, 63 characters, a prefix with a "/"', () => {
    const value63 = `a${'-_.'.repeat(20)}xb`;
    expect(value63).toHaveLength(63);
    const selector = parseLabelSelector(`app=,example.com/${'k'.repeat(63)}=${value63},tier in (a.b,c_d)`);
    expect(selector.matches({ app: '', [`example.com/${'k'.repeat(63)}`]: value63, tier: 'c_d' })).toBe(true);
    expect(selector.matches({ app: 'x', [`example.com/${'k'.repeat(63)}`]: value63, tier: 'c_d' })).toBe(false);
  });

  it('parseLabelSelector reads spaces around operators and values, and prints the selector back', () => {
    const selector = parseLabelSelector(' app = web , tier in ( front ,back ), !canary ');
    expect(selector.matches({ app: 'web', tier: 'back' })).toBe(true);
    expect(selector.matches({ app: 'web', tier: 'back', canary: 'yes' })).toBe(false);
    expect(selector.matches({ app: 'web', tier: 'db' })).toBe(false);
    expect(parseLabelSelector(String(selector)).matches({ app: 'web', tier: 'front' })).toBe(true);
    expect(parseLabelSelector('').isEmpty()).toBe(true);
  });

  it('selectorFromObject ANDs matchLabels and matchExpressions; {} selects everything, an absent selector nothing', () => {
    const selector = selectorFromObject({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] });
    expect(selector.matches({ app: 'web' })).toBe(true);
    expect(selector.matches({ app: 'web', track: 'canary' })).toBe(false);
    expect(selector.matches({ track: 'stable' })).toBe(false);
    expect(selectorFromObject({}).matches({ anything: 'x' })).toBe(true);
    expect(selectorFromObject(undefined).matches({})).toBe(false);
    expect(selectorFromObject({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }).matches({ tier: '' })).toBe(true);
  });

  const noValues = `"tier": for 'In', 'NotIn' operators, values set can't be empty`;
  const someValues = '"tier": values set must be empty for exists and does not exist';
  it.each([
    [{ key: 'tier', operator: 'In' }, noValues],
    [{ key: 'tier', operator: 'NotIn', values: [] }, noValues],
    [{ key: 'tier', operator: 'Exists', values: ['front'] }, someValues],
    [{ key: 'tier', operator: 'DoesNotExist', values: ['front'] }, someValues],
  ] as [LabelSelectorRequirement, string][])('selectorFromObject refuses the expression %j with a SelectorError: %s', (expression, message) => {
    const error = thrownBy(() => selectorFromObject({ matchExpressions: [expression] }));
    expect(error).toBeInstanceOf(SelectorError);
    expect((error as Error).message).toBe(message);
  });
});

describe('selectors: every form read exactly', () => {
  it('parseLabelSelector reads each form, spaces anywhere around its parts, and keeps the requirements it read', () => {
    expect(parseLabelSelector(' app =  web , tier in(a,b), ! canary, track, App=x ').requirements).toEqual([
      { key: 'app', operator: 'Equals', values: ['web'] },
      { key: 'tier', operator: 'In', values: ['a', 'b'] },
      { key: 'canary', operator: 'DoesNotExist', values: [] },
      { key: 'track', operator: 'Exists', values: [] },
      { key: 'App', operator: 'Equals', values: ['x'] },
    ]);
    expect(parseLabelSelector('tier in (,a)').requirements).toEqual([{ key: 'tier', operator: 'In', values: ['', 'a'] }]);
    expect(parseLabelSelector('tier  notin  (a)').requirements).toEqual([{ key: 'tier', operator: 'NotIn', values: ['a'] }]);
    expect([parseLabelSelector('  ').isEmpty(), parseLabelSelector('!tier').matches(undefined)]).toEqual([true, true]);
  });

  it('refuses a label selector with text before or after a requirement, naming the selector in the error', () => {
    for (const text of ['x tier in (a)', 'tier in (a) x', 'a b=c', 'app=web\nx', 'tier in ()', 'a,,b', 'a b']) {
      const error = thrownBy(() => parseLabelSelector(text));
      expect(error, JSON.stringify(text)).toBeInstanceOf(SelectorError);
      expect((error as Error).message, JSON.stringify(text)).toContain(`"${text}"`);
    }
  });

  it('accepts a key prefix of exactly 253 characters and refuses one of 254', () => {
    const label = 'a'.repeat(63);
    const prefix253 = [label, label, label, 'a'.repeat(61)].join('.');
    expect(parseLabelSelector(`${prefix253}/app=x`).matches({ [`${prefix253}/app`]: 'x' })).toBe(true);
    expect(thrownBy(() => parseLabelSelector(`${prefix253}a/app=x`))).toBeInstanceOf(SelectorError);
  });

  it('parseFieldSelector reads "" and blanks as nothing, != as NotEquals, and refuses a clause without an operator naming the selector; a missing field is ""', () => {
    expect([parseFieldSelector('', ['a']), parseFieldSelector('  ', ['a'])]).toEqual([[], []]);
    expect(parseFieldSelector('a != b', ['a'])).toEqual([{ field: 'a', operator: 'NotEquals', value: 'b' }]);
    expect(thrownBy(() => parseFieldSelector('x metadata.name=a', ['metadata.name']))).toBeInstanceOf(SelectorError);
    const error = thrownBy(() => parseFieldSelector('spec.nodeName', ['spec.nodeName']));
    expect(error).toBeInstanceOf(SelectorError);
    expect((error as Error).message).toContain('"spec.nodeName"');
    expect(fieldsMatch([{ field: 'spec.nodeName', operator: 'Equals', value: '' }], {})).toBe(true);
  });
});

describe('registry: the rest of the rules', () => {
  it('compares specs as values: the same spec with its keys in another order is no change (no write, the same generation)', () => {
    const { registry } = setUp();
    const created = registry.create<Deployment>('deployments', 'default', deployment('web'));
    const reversed = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse().map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) ? reversed(v) : Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? reversed(x) : x)) : v])) as T;
    const same = registry.update<Deployment>('deployments', 'default', { ...created, spec: reversed(created.spec!) });
    expect([same.metadata.resourceVersion, same.metadata.generation]).toEqual([created.metadata.resourceVersion, 1]);
    const withNull = registry.update<Deployment>('deployments', 'default', { ...created, spec: { ...created.spec!, paused: null } as never });
    expect(withNull.metadata.generation).toBe(2);
  });

  it('needs a namespace for a namespaced resource: create and get without one are BadRequest "Namespace parameter required."', () => {
    const { registry } = setUp();
    for (const call of [() => registry.create('pods', undefined, pod('web')), () => registry.get('pods', undefined, 'web')]) {
      expect(statusOf(call)).toEqual({ reason: 'BadRequest', code: 400, message: 'Namespace parameter required.' });
    }
  });

  it('keeps a name over a generateName, and cuts a generateName to 58 characters before its 5 random ones', () => {
    const { registry } = setUp();
    expect(statusOf(() => registry.create('pods', 'default', { ...pod(''), metadata: {} })).message).toBe('Pod "" is invalid: metadata.name: Required value: name or generateName is required');
    const named = registry.create<Pod>('pods', 'default', { ...pod('web'), metadata: { name: 'web', generateName: 'other-' } });
    expect(named.metadata.name).toBe('web');
    const long = registry.create<Pod>('pods', 'default', { ...pod(''), metadata: { generateName: 'g'.repeat(70) } });
    expect(long.metadata.name).toMatch(/^g{58}[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('takes an empty resourceVersion or uid in an update as none, and drops a deletionTimestamp an update gives an object not being deleted', () => {
    const { registry } = setUp();
    const created = registry.create<Pod>('pods', 'default', pod('web'));
    const updated = registry.update<Pod>('pods', 'default', { ...created, metadata: { ...created.metadata, resourceVersion: '', uid: '', labels: { a: '1' }, deletionTimestamp: '2030-01-01T00:00:00Z', deletionGracePeriodSeconds: 5 } });
    expect([updated.metadata.labels, updated.metadata.uid, updated.metadata.deletionTimestamp, updated.metadata.deletionGracePeriodSeconds]).toEqual([{ a: '1' }, created.metadata.uid, undefined, undefined]);
  });

  it('answers updateStatus of a resource without a status (events) with NotFound, and a stale resourceVersion precondition on delete in Kubernetes\' words', () => {
    const { registry } = setUp();
    const event = registry.create<KubeObject>('events', 'default', { metadata: { name: 'e' } });
    expect(statusOf(() => registry.updateStatus('events', 'default', event))).toMatchObject({ reason: 'NotFound', code: 404 });
    const created = registry.create<Pod>('pods', 'default', pod('web'));
    const updated = registry.update<Pod>('pods', 'default', { ...created, metadata: { ...created.metadata, labels: { a: '1' } } });
    expect(statusOf(() => registry.delete('pods', 'default', 'web', { preconditions: { resourceVersion: created.metadata.resourceVersion! } })).message).toBe(
      `Operation cannot be fulfilled on pods "web": Precondition failed: ResourceVersion in precondition: ${created.metadata.resourceVersion}, ResourceVersion in object meta: ${updated.metadata.resourceVersion}`,
    );
  });

  it('refuses a new finalizer on an object being deleted with a Forbidden cause on metadata.finalizers', () => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('web', { finalizers: ['a'] }));
    const marked = registry.delete<Pod>('pods', 'default', 'web');
    const error = thrownBy(() => registry.update('pods', 'default', { ...marked, metadata: { ...marked.metadata, finalizers: ['a', 'b'] } })) as StatusError;
    const cause = error.status.details?.causes?.[0];
    expect(cause).toMatchObject({ reason: 'FieldValueForbidden', field: 'metadata.finalizers' });
    expect(cause?.message).toMatch(/^Forbidden: no new finalizers can be added if the object is being deleted/);
  });

  it('keeps a marked namespace while its spec.finalizers remain, even once its metadata.finalizers are gone', () => {
    const { registry } = setUp();
    registry.create<Namespace>('namespaces', undefined, { metadata: { name: 'team', finalizers: ['example.com/x'] } });
    const marked = registry.delete<Namespace>('namespaces', undefined, 'team');
    const kept = registry.update<Namespace>('namespaces', undefined, { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
    expect([kept.metadata.name, kept.spec?.finalizers]).toEqual(['team', ['kubernetes']]);
    expect(registry.get<Namespace>('namespaces', undefined, 'team').metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
  });

  it('the client puts an object without a namespace in the namespace it was made for, on create, update and updateStatus', async () => {
    const { client } = setUp();
    const created = await client.pods('default').create(pod('web'));
    const updated = await client.pods('default').update({ ...created, metadata: { ...created.metadata, namespace: undefined, labels: { a: '1' } } });
    const running = await client.pods('default').updateStatus({ ...updated, metadata: { ...updated.metadata, namespace: undefined }, status: { phase: 'Running' } });
    expect([created.metadata.namespace, updated.metadata.namespace, updated.metadata.labels, running.status?.phase]).toEqual(['default', 'default', { a: '1' }, 'Running']);
  });
});

describe('the in-process client', () => {
  it('creates, reads and lists through the same calls an HTTP client will have', async () => {
    const { client } = setUp();
    await client.pods('default').create(pod('web', { labels: { app: 'web' } }));
    expect((await client.pods('default').get('web')).metadata.name).toBe('web');
    expect((await client.pods('default').list({ labelSelector: 'app=web' })).items).toHaveLength(1);
  });

  it('updates, writes the status and deletes through the client; nodes() is cluster-scoped', async () => {
    const { client } = setUp();
    const pods = client.pods('default');
    const created = await pods.create(pod('web'));
    const bound = await pods.update({ ...created, spec: { ...created.spec!, nodeName: 'node-1' } });
    const running = await pods.updateStatus({ ...bound, status: { phase: 'Running' } });
    expect(running).toMatchObject({ spec: { nodeName: 'node-1' }, status: { phase: 'Running' } });
    expect((await client.pods().list({ fieldSelector: 'spec.nodeName=node-1' })).items.map((p) => p.metadata.name)).toEqual(['web']);
    // Bound to a node: marked for its terminationGracePeriodSeconds (30 by default) until its kubelet deletes it with 0.
    await pods.delete('web');
    expect((await pods.get('web')).metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 });
    await pods.delete('web', { gracePeriodSeconds: 0 });
    expect((await pods.list()).items).toEqual([]);
    const node = await client.nodes().create({ metadata: { name: 'node-1' } });
    expect(node.metadata.namespace).toBeUndefined();
    expect((await client.nodes().get('node-1')).metadata.uid).toBe(node.metadata.uid);
  });

  it('answers with the registry\'s errors, as rejected promises', async () => {
    const { client } = setUp();
    await expect(client.pods('default').get('nope')).rejects.toMatchObject({ status: { reason: 'NotFound', code: 404, message: 'pods "nope" not found' } });
  });

  it('hands out copies: changing a returned object changes nothing stored', async () => {
    const { client } = setUp();
    const created = await client.pods('default').create(pod('web'));
    created.metadata.labels = { changed: 'yes' };
    expect((await client.pods('default').get('web')).metadata.labels).toBeUndefined();
  });
});

describe('properties', () => {
  test.prop([fc.scheduler(), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 })])(
    'read-modify-write by many clients at once, retrying on Conflict, loses no increment',
    async (s, clients, increments) => {
      const { client } = setUp();
      await client.pods('default').create({ ...pod('counter'), metadata: { name: 'counter', annotations: { count: '0' } } });
      const pods = client.pods('default');
      const get = s.scheduleFunction(async function get(name: string) {
        return pods.get(name);
      });
      const update = s.scheduleFunction(async function update(p: Pod) {
        return pods.update(p);
      });
      async function worker(): Promise<void> {
        for (let i = 0; i < increments; i++) {
          for (;;) {
            const current = await get('counter');
            const count = Number(current.metadata.annotations?.count ?? '0');
            try {
              await update({ ...current, metadata: { ...current.metadata, annotations: { count: String(count + 1) } } });
              break;
            } catch (error) {
              if ((error as StatusError).status?.reason !== 'Conflict') throw error;
            }
          }
        }
      }
      const done = Promise.all(Array.from({ length: clients }, () => worker()));
      await s.waitFor(done);
      const final = await pods.get('counter');
      expect(final.metadata.annotations?.count, `${clients} clients x ${increments} increments\n${s.report().map(String).join('\n')}`).toBe(String(clients * increments));
    },
  );

  test.prop([fc.uniqueArray(podArb, { selector: (p) => p.name, maxLength: 6 }), selectorArb, fieldSelectorArb])(
    'a list with any label and field selector is exactly the objects both select',
    (pods, labels: SelectorModel, fields: FieldSelectorModel) => {
      const { registry } = setUp();
      for (const p of pods) {
        const created = registry.create('pods', 'default', pod(p.name, { labels: p.labels, ...(p.nodeName ? { nodeName: p.nodeName } : {}) }));
        if (p.phase !== 'Pending') registry.updateStatus('pods', 'default', { ...created, status: { phase: p.phase } });
      }
      registry.create('pods', 'elsewhere', pod('a', { labels: { app: 'web' } })); // another namespace: never listed
      const expected = pods.filter((p) => selects(labels, p.labels) && fieldSelects(fields, p)).map((p) => p.name).sort();
      const listed = registry.list<Pod>('pods', 'default', { labelSelector: labels.text, fieldSelector: fields.text }).items.map((p) => p.metadata.name);
      expect(listed, `labelSelector ${JSON.stringify(labels.text)}, fieldSelector ${JSON.stringify(fields.text)}`).toEqual(expected);
    },
  );

  test.prop([fc.array(writeArb, { minLength: 1, maxLength: 12 })])('a dry run is the write, unwritten: the same answer or failure, and the store untouched', (writes) => {
    const { store, registry } = setUp();
    for (const [i, write] of writes.entries()) {
      const step = `write ${i + 1} ${JSON.stringify(write)}`;
      const revision = store.revision;
      const dry = doWrite(registry, write, true);
      expect(store.revision, `${step}: the dry run moved the store's revision`).toBe(revision);
      const real = doWrite(registry, write, false);
      expect(dry.reason, `${step}: the dry run failed where the write did not, or the other way round`).toEqual(real.reason);
      if (write.op === 'create') expect(dry.answer?.metadata.resourceVersion, `${step}: a dry-run create has no resourceVersion`).toBeUndefined();
      else if (dry.answer) expect(Number(dry.answer.metadata.resourceVersion), `${step}: a dry run answers at a version the store has, never a new one`).toBeLessThanOrEqual(revision);
      expect(withoutWriteFields(dry.answer), `${step}: the dry run answered otherwise than the write`).toEqual(withoutWriteFields(real.answer));
    }
  });

  test.prop([fc.commands([
    fc.constantFrom('x', 'y').map((f) => new AddFinalizer(f)),
    fc.constantFrom('x', 'y').map((f) => new RemoveFinalizer(f)),
    fc.constant(new Delete()),
  ], { maxCommands: 12 })])('finalizers always hold a deletion back until the last one is removed', (commands) => {
    const { registry } = setUp();
    registry.create('pods', 'default', pod('web'));
    fc.modelRun(() => ({ model: { exists: true, deleting: false, finalizers: [] as string[] }, real: registry }), commands);
  });
});

/** One write of the dry-run property, on the pods of namespace default. */
type Write =
  | { op: 'create'; name: string; labels: Record<string, string>; finalizers: string[] }
  | { op: 'relabel'; name: string; labels: Record<string, string>; stale: boolean }
  | { op: 'status'; name: string; phase: PodPhase }
  | { op: 'dropFinalizers'; name: string }
  | { op: 'delete'; name: string; uid?: string };

const writeArb: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), name: fc.constantFrom('a', 'b', 'Bad_Name'), labels: labelSetArb, finalizers: fc.subarray(['x']) }),
  fc.record({ op: fc.constant('relabel' as const), name: fc.constantFrom('a', 'b'), labels: labelSetArb, stale: fc.boolean() }),
  fc.record({ op: fc.constant('status' as const), name: fc.constantFrom('a', 'b'), phase: fc.constantFrom(...phases) }),
  fc.record({ op: fc.constant('dropFinalizers' as const), name: fc.constantFrom('a', 'b') }),
  fc.record({ op: fc.constant('delete' as const), name: fc.constantFrom('a', 'b'), uid: fc.option(fc.constant('someone-else'), { nil: undefined }) }),
);

/** Does one write, as a dry run or for real: what it answered, or the reason it failed. */
function doWrite(registry: Registry, write: Write, dryRun: boolean): { answer?: Pod; reason?: string } {
  const options = { dryRun };
  try {
    const stored = () => registry.get<Pod>('pods', 'default', write.name);
    switch (write.op) {
      case 'create':
        return { answer: registry.create<Pod>('pods', 'default', pod(write.name, { labels: write.labels, finalizers: write.finalizers }), options) };
      case 'relabel': {
        const current = stored();
        const resourceVersion = write.stale ? '1' : current.metadata.resourceVersion;
        return { answer: registry.update<Pod>('pods', 'default', { ...current, metadata: { ...current.metadata, resourceVersion, labels: write.labels } }, options) };
      }
      case 'status':
        return { answer: registry.updateStatus<Pod>('pods', 'default', { ...stored(), status: { phase: write.phase } }, options) };
      case 'dropFinalizers': {
        const current = stored();
        return { answer: registry.update<Pod>('pods', 'default', { ...current, metadata: { ...current.metadata, finalizers: [] } }, options) };
      }
      case 'delete':
        return { answer: registry.delete<Pod>('pods', 'default', write.name, { ...options, ...(write.uid ? { preconditions: { uid: write.uid } } : {}) }) };
    }
  } catch (error) {
    // Only the API's own refusals are answers; anything else (an unwritten registry) fails the property.
    if (!isStatusError(error)) throw error;
    return { reason: (error as StatusError).status.reason };
  }
}

/** An answer without what a dry run cannot know: the uid and the resourceVersion of the write. */
function withoutWriteFields(pod: Pod | undefined): unknown {
  if (pod === undefined) return undefined;
  const { uid: _uid, resourceVersion: _rv, ...metadata } = pod.metadata;
  return { ...pod, metadata };
}

interface FinalizerModel {
  exists: boolean;
  deleting: boolean;
  finalizers: string[];
}

/** What the registry holds now: the pod, or undefined. */
function current(registry: Registry): Pod | undefined {
  try {
    return registry.get<Pod>('pods', 'default', 'web');
  } catch {
    return undefined;
  }
}

function agree(model: FinalizerModel, registry: Registry, step: string): void {
  const pod = current(registry);
  expect(pod !== undefined, `${step}: the pod should ${model.exists ? 'still exist' : 'be gone'}`).toBe(model.exists);
  if (pod) {
    expect(pod.metadata.finalizers ?? [], `${step}: finalizers`).toEqual(model.finalizers);
    expect(pod.metadata.deletionTimestamp !== undefined, `${step}: deletionTimestamp set`).toBe(model.deleting);
  }
}

class AddFinalizer implements fc.Command<FinalizerModel, Registry> {
  constructor(readonly name: string) {}
  check(m: Readonly<FinalizerModel>) {
    return m.exists && !m.deleting && !m.finalizers.includes(this.name);
  }
  run(m: FinalizerModel, registry: Registry) {
    const pod = current(registry)!;
    registry.update('pods', 'default', { ...pod, metadata: { ...pod.metadata, finalizers: [...(pod.metadata.finalizers ?? []), this.name] } });
    m.finalizers.push(this.name);
    agree(m, registry, String(this));
  }
  toString() {
    return `add finalizer ${this.name}`;
  }
}

class RemoveFinalizer implements fc.Command<FinalizerModel, Registry> {
  constructor(readonly name: string) {}
  check(m: Readonly<FinalizerModel>) {
    return m.exists && m.finalizers.includes(this.name);
  }
  run(m: FinalizerModel, registry: Registry) {
    const pod = current(registry)!;
    registry.update('pods', 'default', { ...pod, metadata: { ...pod.metadata, finalizers: (pod.metadata.finalizers ?? []).filter((f) => f !== this.name) } });
    m.finalizers = m.finalizers.filter((f) => f !== this.name);
    if (m.deleting && m.finalizers.length === 0) m.exists = false;
    agree(m, registry, String(this));
  }
  toString() {
    return `remove finalizer ${this.name}`;
  }
}

class Delete implements fc.Command<FinalizerModel, Registry> {
  check(m: Readonly<FinalizerModel>) {
    return m.exists;
  }
  run(m: FinalizerModel, registry: Registry) {
    registry.delete('pods', 'default', 'web');
    if (m.finalizers.length === 0) m.exists = false;
    else m.deleting = true;
    agree(m, registry, String(this));
  }
  toString() {
    return 'delete';
  }
}
