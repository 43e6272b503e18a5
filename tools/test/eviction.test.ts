/**
 * The Eviction subresource (given code, solutions/apiserver/eviction.ts): what `kubectl drain`
 * POSTs for each pod of the node it drains, and what becomes of the pod.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { encodeProtobuf, PodEvictions, Registry, type Authorizer } from '@kube/apiserver';
import { FakeClock, Random, type Pod } from '@kube/kit';

const EVICT_WEB = '/api/v1/namespaces/shop/pods/web/eviction';
const JSON_BODY = { 'content-type': 'application/json' };

function setUp() {
  const { store, watchable } = testStore();
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const registry = new Registry({ store, watchable, clock, random: new Random(7) });
  registry.create('namespaces', undefined, { metadata: { name: 'shop' } });
  const addPod = (name: string, spec: Partial<Pod['spec']> = {}) =>
    registry.create<Pod>('pods', 'shop', { metadata: { name }, spec: { containers: [{ name: 'app', image: 'echo' }], ...spec } } as Pod);
  const evictions = new PodEvictions(registry, clock);
  const evict = (name: string, body: unknown = eviction(name), options: { url?: string; method?: string; authorizer?: Authorizer } = {}) =>
    evictions.answer(options.method ?? 'POST', options.url ?? `/api/v1/namespaces/shop/pods/${name}/eviction`, JSON_BODY, JSON.stringify(body), undefined, options.authorizer);
  const podOrUndefined = (name: string) => registry.list<Pod>('pods', 'shop').items.find((p) => p.metadata.name === name);
  return { registry, store, clock, addPod, evictions, evict, podOrUndefined };
}

/** An Eviction as kubectl drain sends it. */
function eviction(name: string, deleteOptions?: object): object {
  return { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'shop' }, ...(deleteOptions && { deleteOptions }) };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/eviction.test.ts'), 240_000);
else describe('Evictions', () => {
  it('answers an eviction with a Success Status (201), marks the pod DisruptionTarget, then deletes it', () => {
    const { registry, addPod, evict, podOrUndefined } = setUp();
    addPod('web');
    const watch = registry.watch<Pod>('pods', 'shop', { resourceVersion: registry.list('pods', 'shop').resourceVersion });
    expect(evict('web')).toEqual({ code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } });
    const seen = watch.poll().map((event) => `${event.type} ${JSON.stringify((event.object as Pod).status?.conditions ?? [])}`);
    expect(podOrUndefined('web')).toBeUndefined();
    const condition = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: '2026-01-01T00:00:00Z' };
    // The condition, then the mark every pod delete writes first (kata 08), then the delete.
    expect(seen).toEqual([`MODIFIED ${JSON.stringify([condition])}`, `MODIFIED ${JSON.stringify([condition])}`, `DELETED ${JSON.stringify([condition])}`]);
    watch.stop();
  });

  it('takes the Eviction as kubectl sends it, in protobuf', () => {
    const { addPod, evictions, podOrUndefined } = setUp();
    addPod('web');
    const body = encodeProtobuf(eviction('web', { gracePeriodSeconds: 0 }) as { kind: string; apiVersion: string })!;
    expect(evictions.answer('POST', EVICT_WEB, { 'content-type': 'application/vnd.kubernetes.protobuf' }, body, undefined, undefined).code).toBe(201);
    expect(podOrUndefined('web')).toBeUndefined();
  });

  it('with a grace period, a pod bound to a node is only marked for its kubelet to stop, as a graceful delete', () => {
    const { addPod, evict, podOrUndefined } = setUp();
    addPod('web', { nodeName: 'node-1' });
    expect(evict('web', eviction('web', { gracePeriodSeconds: 30 })).code).toBe(201);
    expect(podOrUndefined('web')?.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 });
    expect(podOrUndefined('web')?.status?.conditions).toEqual([expect.objectContaining({ type: 'DisruptionTarget', reason: 'EvictionByEvictionAPI' })]);
  });

  it('a dry run (in the query or in the DeleteOptions) answers the same and changes nothing', () => {
    const { addPod, evict, store } = setUp();
    addPod('web');
    const revision = store.revision;
    expect(evict('web', eviction('web', { dryRun: ['All'] })).code).toBe(201);
    expect(evict('web', eviction('web'), { url: `${EVICT_WEB}?dryRun=All` }).code).toBe(201);
    expect(store.revision).toBe(revision);
  });

  it('a resourceVersion precondition holds on the pod as the eviction found it, though the condition moved it', () => {
    const { addPod, evict, podOrUndefined } = setUp();
    const pod = addPod('web');
    expect(evict('web', eviction('web', { preconditions: { resourceVersion: pod.metadata.resourceVersion, uid: pod.metadata.uid } })).code).toBe(201);
    expect(podOrUndefined('web')).toBeUndefined();
  });

  it('asks the authorizer whether the user may create pods/eviction, and answers 403 when not', () => {
    const { addPod, evict, podOrUndefined } = setUp();
    addPod('web');
    const asked: unknown[] = [];
    const answer = evict('web', eviction('web'), { authorizer: { authorize: (attributes) => (asked.push(attributes), { allowed: false, reason: '' }) } });
    expect(asked).toEqual([expect.objectContaining({ verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'shop', name: 'web', apiGroup: '' })]);
    expect(answer).toMatchObject({ code: 403, body: { reason: 'Forbidden', message: expect.stringContaining('cannot create resource "pods/eviction" in API group "" in the namespace "shop"') } });
    expect(podOrUndefined('web')).toBeDefined();
  });

  it.each([
    { what: 'a pod that does not exist is 404', name: 'nobody', body: eviction('nobody'), code: 404, message: 'pods "nobody" not found' },
    { what: 'a name in the body other than the URL\'s is 400', name: 'web', body: eviction('api'), code: 400, message: 'name in URL does not match name in Eviction object' },
    { what: 'a namespace in the body other than the URL\'s is 400', name: 'web', body: { ...eviction('web'), metadata: { name: 'web', namespace: 'bank' } }, code: 400, message: 'the namespace of the provided object does not match the namespace sent on the request' },
    { what: 'a body of another kind is 400', name: 'web', body: { ...eviction('web'), kind: 'Pod' }, code: 400, message: 'not a Eviction object: the body is a Pod' },
    { what: 'a dry run other than All is 422', name: 'web', body: eviction('web', { dryRun: ['Some'] }), code: 422, message: 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All"' },
    { what: 'a negative grace period is 400', name: 'web', body: eviction('web', { gracePeriodSeconds: -5 }), code: 400, message: 'gracePeriodSeconds must be a whole number of seconds >= 0, not -5' },
    { what: 'a uid precondition of another pod is 409', name: 'web', body: eviction('web', { preconditions: { uid: 'other' } }), code: 409, message: 'Operation cannot be fulfilled on Pod "web": the UID in the precondition (other) does not match the UID in record' },
    { what: 'a stale resourceVersion precondition is 409', name: 'web', body: eviction('web', { preconditions: { resourceVersion: '1' } }), code: 409, message: 'Operation cannot be fulfilled on Pod "web": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record' },
  ])('refuses an eviction where $what, and changes nothing', ({ name, body, code, message }) => {
    const { addPod, evict, store } = setUp();
    addPod('web');
    const revision = store.revision;
    expect(evict(name, body)).toMatchObject({ code, body: { kind: 'Status', status: 'Failure', message: expect.stringContaining(message) } });
    expect(store.revision).toBe(revision);
  });

  it('refuses any method but POST with 405', () => {
    const { addPod, evict } = setUp();
    addPod('web');
    expect(evict('web', '', { method: 'GET' })).toMatchObject({ code: 405, body: { reason: 'MethodNotAllowed' } });
  });

  const steps = fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), dryRun: fc.boolean() }), { maxLength: 12 });
  test.prop([fc.subarray(['a', 'b', 'c']), steps])('after any evictions, the pods left are those never evicted for real, and each answer is 201 exactly when its pod was there', (initial, evictions) => {
    const { addPod, evict, podOrUndefined } = setUp();
    for (const name of initial) addPod(name);
    const there = new Set(initial);
    for (const { name, dryRun } of evictions) {
      const answer = evict(name, eviction(name, dryRun ? { dryRun: ['All'] } : undefined));
      expect(answer.code, `evict ${name}${dryRun ? ' (dry run)' : ''}`).toBe(there.has(name) ? 201 : 404);
      if (!dryRun) there.delete(name);
    }
    for (const name of ['a', 'b', 'c', 'd']) expect(podOrUndefined(name) !== undefined, name).toBe(there.has(name));
  });

  const deleteOptions = fc.record(
    {
      gracePeriodSeconds: fc.oneof(fc.integer({ min: -3, max: 60 }), fc.constant('soon'), fc.constant(null)),
      dryRun: fc.oneof(fc.constant(['All']), fc.constant([]), fc.constant(['Nope']), fc.constant('All')),
      preconditions: fc.record({ uid: fc.constantFrom('', 'not-the-uid'), resourceVersion: fc.constantFrom('', '1', '999') }, { requiredKeys: [] }),
      propagationPolicy: fc.constantFrom('Background', 'Foreground', 'Orphan', 'Sideways'),
    },
    { requiredKeys: [] },
  );
  test.prop([deleteOptions, fc.boolean(), fc.boolean()])('an eviction refused for its options changes nothing; one that goes through deletes the pod or, bound and with a grace period other than 0, marks it', (options, bound, dryRunInQuery) => {
    const { addPod, evict, store, podOrUndefined } = setUp();
    addPod('web', bound ? { nodeName: 'node-1' } : {});
    const revision = store.revision;
    const answer = evict('web', eviction('web', options), { url: dryRunInQuery ? `${EVICT_WEB}?dryRun=All` : EVICT_WEB });
    const left = podOrUndefined('web');
    if (answer.code !== 201) {
      expect(answer.code, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
      expect(store.revision).toBe(revision);
      return;
    }
    const dryRun = dryRunInQuery || (Array.isArray(options.dryRun) && options.dryRun.length > 0);
    if (dryRun) return void expect(store.revision).toBe(revision);
    const grace = typeof options.gracePeriodSeconds === 'number' ? options.gracePeriodSeconds : undefined;
    // A bound pod waits for its kubelet: the period named, or its spec's (30 s by default) when none is.
    if (bound && grace !== 0) expect(left?.metadata.deletionGracePeriodSeconds).toBe(grace ?? 30);
    else expect(left).toBeUndefined();
  });
});
