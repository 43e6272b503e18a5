/**
 * node.k8s.io/v1 RuntimeClasses and core/v1 PodTemplates (given code, beyond the katas:
 * solutions/apiserver/runtime-class.ts): stored and checked as v1.32 checks them, the RuntimeClass
 * admission plugin applying a pod's class (its overhead, its nodeSelector and tolerations) or
 * refusing a pod whose class does not exist, and the tables kubectl prints.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { Admission, ApiHandler, NamespaceDefaulting, Registry, RuntimeClassAdmission, toTable, type AdmissionRequest } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type Pod, type RuntimeClass, type Status } from '@kube/kit';

function bench() {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(9) });
  const runtimeClasses = new RuntimeClassAdmission((name) => registry.list<RuntimeClass>('runtimeclasses', undefined).items.find((c) => c.metadata.name === name));
  const handler = new ApiHandler({ registry, clock, random: new Random(9), admission: new Admission([new NamespaceDefaulting(), runtimeClasses], []) });
  const send = async (method: string, url: string, body: object, contentType = 'application/json') => {
    const reply = await handler.handle({ method, url, headers: { 'content-type': contentType }, body: JSON.stringify(body) });
    return { code: reply.code, body: ('body' in reply ? reply.body : undefined) as any };
  };
  return { clock, send };
}

const pod = (spec: object): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx' }], ...spec } as Pod['spec'] });

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/runtime-class.test.ts'), 240_000);
else describe('RuntimeClasses and PodTemplates', () => {
  it('stores a RuntimeClass with a handler that is a DNS label and never changes, and prints it as kubectl get runtimeclass does', async () => {
    const { send, clock } = bench();
    const made = await send('POST', '/apis/node.k8s.io/v1/runtimeclasses', { metadata: { name: 'gvisor' }, handler: 'runsc' });
    expect(made.code).toBe(201);
    expect((await send('POST', '/apis/node.k8s.io/v1/runtimeclasses', { metadata: { name: 'bad' }, handler: 'Run_SC' })).body.message).toBe(
      'RuntimeClass.node.k8s.io "bad" is invalid: handler: Invalid value: "Run_SC": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    );
    const changed = await send('PATCH', '/apis/node.k8s.io/v1/runtimeclasses/gvisor', { handler: 'kata' }, 'application/merge-patch+json');
    expect((changed.body as Status).message).toBe('RuntimeClass.node.k8s.io "gvisor" is invalid: handler: Invalid value: "kata": field is immutable');
    await clock.advance(3_000);
    expect((toTable([made.body], 'RuntimeClass', clock.now()) as { rows: { cells: unknown[] }[] }).rows[0]!.cells).toEqual(['gvisor', 'runsc', '3s']);
  });

  it('gives a pod its class\'s overhead, nodeSelector and tolerations, and refuses a pod whose class is missing or disagrees with it, in upstream\'s words', async () => {
    const { send } = bench();
    await send('POST', '/apis/node.k8s.io/v1/runtimeclasses', { metadata: { name: 'gvisor' }, handler: 'runsc', overhead: { podFixed: { memory: '120Mi' } }, scheduling: { nodeSelector: { sandbox: 'gvisor' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] } });
    const made = await send('POST', '/api/v1/namespaces/default/pods', pod({ runtimeClassName: 'gvisor', nodeSelector: { disk: 'ssd' } }));
    expect(made.code).toBe(201);
    expect(made.body.spec).toMatchObject({ overhead: { memory: '120Mi' }, nodeSelector: { disk: 'ssd', sandbox: 'gvisor' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] });
    expect((await send('POST', '/api/v1/namespaces/default/pods', { ...pod({ runtimeClassName: 'kata' }), metadata: { name: 'other' } })).body.message).toBe('pods "other" is forbidden: pod rejected: RuntimeClass "kata" not found');
    expect((await send('POST', '/api/v1/namespaces/default/pods', { ...pod({ runtimeClassName: 'gvisor', nodeSelector: { sandbox: 'kata' } }), metadata: { name: 'clash' } })).body.message).toBe(
      'pods "clash" is forbidden: pod rejected: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = gvisor; pod.spec.nodeSelector[sandbox] = kata',
    );
    expect((await send('POST', '/api/v1/namespaces/default/pods', { ...pod({ runtimeClassName: 'gvisor', overhead: { memory: '1Gi' } }), metadata: { name: 'heavy' } })).body.message).toBe("pods \"heavy\" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  });

  it('stores a PodTemplate whose template is a valid pod spec, and prints it as kubectl get podtemplates does', async () => {
    const { send, clock } = bench();
    const template = { metadata: { name: 'batch' }, template: { metadata: { labels: { tier: 'batch', app: 'work' } }, spec: { containers: [{ name: 'work', image: 'busybox' }, { name: 'side', image: 'nginx' }] } } };
    const made = await send('POST', '/api/v1/namespaces/default/podtemplates', template);
    expect(made.code).toBe(201);
    expect((await send('POST', '/api/v1/namespaces/default/podtemplates', { metadata: { name: 'empty' }, template: { spec: { containers: [] } } })).body.message).toContain('PodTemplate "empty" is invalid: template.spec.containers: Required value');
    expect((toTable([made.body], 'PodTemplate', clock.now()) as { rows: { cells: unknown[] }[] }).rows[0]!.cells).toEqual(['batch', 'work,side', 'busybox,nginx', 'app=work,tier=batch']);
  });

  const key = fc.constantFrom('disk', 'zone', 'sandbox');
  const selector = fc.dictionary(key, fc.constantFrom('a', 'b'), { maxKeys: 3 });
  const toleration = fc.record({ key, operator: fc.constant('Exists' as const), effect: fc.constantFrom('NoSchedule' as const, 'NoExecute' as const) });
  test.prop([selector, fc.array(toleration, { maxLength: 2 }), selector, fc.array(toleration, { maxLength: 2 })])(
    'a pod admitted under a class keeps its own nodeSelector and tolerations and has all of the class\'s, unless the two disagree on a key, which refuses it; admitting it again changes nothing',
    async (ownSelector, ownTolerations, classSelector, classTolerations) => {
      const runtimeClass: RuntimeClass = { metadata: { name: 'c' }, handler: 'runc', scheduling: { nodeSelector: classSelector, tolerations: classTolerations } };
      const plugin = new RuntimeClassAdmission(() => runtimeClass);
      const object = pod({ runtimeClassName: 'c', nodeSelector: { ...ownSelector }, tolerations: [...ownTolerations] });
      const request = (o: Pod): AdmissionRequest => ({ operation: 'CREATE', object: o, attributes: { user: { username: 'u', groups: [] }, verb: 'create', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: '', namespace: 'default', name: '', path: '' } });
      const clash = Object.entries(classSelector).some(([k, v]) => ownSelector[k] !== undefined && ownSelector[k] !== v);
      if (clash) {
        await expect(plugin.admit(request(object))).rejects.toThrow('pod rejected: conflict:');
        return;
      }
      await plugin.admit(request(object));
      const spec = object.spec!;
      expect(spec.nodeSelector).toEqual({ ...ownSelector, ...classSelector });
      for (const t of [...ownTolerations, ...classTolerations]) expect(spec.tolerations).toContainEqual(t);
      const once = structuredClone(object);
      await plugin.admit(request(object));
      expect(object).toEqual(once);
    },
  );
});
