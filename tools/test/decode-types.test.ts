/**
 * A value of the wrong type in a request body (given code: apiserver/decode-types.ts, called by
 * field-validation.ts): refused as kube-apiserver's decoder refuses it, naming the Go struct, the
 * field's path and its Go type, before anything is stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { ApiServer, checkDecodedFields, checkPatchedFields, decodeTypeError, Registry } from '@kube/apiserver';
import { FakeClock, Random } from '@kube/kit';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const POD = 'io.k8s.api.core.v1.Pod';

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/decode-types.test.ts'), 240_000);
else {
  describe('values of the wrong type', () => {
    const cases: { name: string; type: string; body: object; message: string | undefined }[] = [
      { name: 'a string where an int64 belongs names the innermost struct, the path from the root and the Go type', type: POD, body: { spec: { terminationGracePeriodSeconds: 'abc' } }, message: 'json: cannot unmarshal string into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64' },
      { name: 'a fraction where an int32 belongs is shown with its value', type: 'io.k8s.api.apps.v1.Deployment', body: { spec: { replicas: 1.5 } }, message: 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32' },
      { name: 'a list item of the wrong type is named by the list\'s path, without its index', type: POD, body: { spec: { containers: [{ name: 'a', args: ['x', 1] }] } }, message: 'json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string' },
      { name: 'a map value of the wrong type is named by the map\'s path', type: POD, body: { metadata: { labels: { app: true } } }, message: 'json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string' },
      { name: 'a string where a struct belongs names the struct\'s Go type', type: POD, body: { spec: 'x' }, message: 'json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec' },
      { name: 'an object where a list belongs names the list\'s Go type', type: POD, body: { spec: { containers: { name: 'a' } } }, message: 'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container' },
      { name: 'the first wrong value in the body\'s order is the one named', type: POD, body: { spec: { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }], restartPolicy: 1 } }, message: 'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32' },
      { name: 'a toleration\'s seconds are an int64 too', type: POD, body: { spec: { tolerations: [{ key: 'k', operator: 'Exists', tolerationSeconds: '300' }] } }, message: 'json: cannot unmarshal string into Go struct field Toleration.spec.tolerations.tolerationSeconds of type int64' },
      { name: 'a null is no error: Go leaves the zero value', type: POD, body: { metadata: { name: 'web', creationTimestamp: null, labels: null }, spec: { containers: [{ name: 'a', image: 'x', args: null }] } }, message: undefined },
      { name: 'a quantity may be a number or a string, as its own decoder reads both', type: POD, body: { spec: { containers: [{ name: 'a', resources: { requests: { cpu: 1, memory: '1Gi' } } }] } }, message: undefined },
      { name: 'a port that may be a name or a number takes either', type: 'io.k8s.api.core.v1.Service', body: { spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } }, message: undefined },
    ];
    for (const c of cases) it(c.name, () => expect(decodeTypeError(c.type, c.body)).toBe(c.message));

    it('fails a create or a replace with 400 in upstream\'s words whatever the field validation asks, before unknown fields are looked at', () => {
      const body = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { bogus: 1, terminationGracePeriodSeconds: '30' } });
      for (const directive of ['Strict', 'Warn', 'Ignore'] as const) {
        expect(() => checkDecodedFields(body(), 'v1', 'Pod', directive)).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 400, reason: 'BadRequest', message: 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64' }) }));
      }
    });

    it('fails a patch with 422 of the field patch, showing the patched object, as a JSON merge patch\'s decode does', () => {
      const patched = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 'x' } };
      expect(() => checkPatchedFields(patched, 'apps/v1', 'Deployment', 'Warn')).toThrow(
        expect.objectContaining({ status: expect.objectContaining({ code: 422, reason: 'Invalid', details: expect.objectContaining({ causes: [{ reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(JSON.stringify(patched))}: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32` }] }) }) }),
      );
    });

    it('over HTTP, stores nothing of a refused create', async () => {
      const { store, watchable } = testStore();
      const clock = new FakeClock(Date.UTC(2026, 0, 1));
      const registry = new Registry({ store, watchable, clock, random: new Random(3) });
      registry.create('namespaces', undefined, { metadata: { name: 'default' } });
      const server = new ApiServer({ registry, clock, host: '127.0.61.3' });
      await server.start();
      cleanups.push(() => server.stop());
      const response = await fetch(`${server.url}/api/v1/namespaces/default/pods?fieldValidation=Ignore`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: '80' }] }] } }) });
      expect([response.status, ((await response.json()) as { message: string }).message]).toEqual([400, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32']);
      expect(registry.list('pods', 'default').items).toEqual([]);
    });

    /** A pod of well-typed values. */
    const pod = fc.record({
      metadata: fc.record({ name: fc.constantFrom('web', 'db'), labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.string({ maxLength: 5 })) }),
      spec: fc.record({
        terminationGracePeriodSeconds: fc.nat(600),
        hostname: fc.constantFrom('a', 'b'),
        containers: fc.array(
          fc.record({ name: fc.constantFrom('app', 'side'), image: fc.constant('kubekata/echo'), args: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), stdin: fc.boolean(), ports: fc.array(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), name: fc.constant('http') }), { maxLength: 2 }) }),
          { minLength: 1, maxLength: 2 },
        ),
      }),
    });

    test.prop([pod])('a pod of well-typed values is never refused', (body) => {
      expect(decodeTypeError(POD, body)).toBeUndefined();
    });

    /** Every scalar of a value: its path with indexes (to change it) and without (as Go names it). */
    function leaves(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; named: string }[] {
      if (value === null || typeof value !== 'object') return [{ path, named: path.filter((p) => typeof p === 'string').join('.') }];
      return Object.entries(value).flatMap(([key, child]) => leaves(child, [...path, Array.isArray(value) ? Number(key) : key]));
    }

    test.prop([pod, fc.nat()])('changing any one value of a well-typed pod to another JSON type is refused, naming that field (metamorphic)', (body, pick) => {
      const all = leaves(body).filter((leaf) => !leaf.named.startsWith('metadata.labels')); // a label's key is no field
      const leaf = all[pick % all.length]!;
      const parent = leaf.path.slice(0, -1).reduce<Record<string | number, unknown>>((at, key) => at[key] as Record<string | number, unknown>, body as never);
      const last = leaf.path.at(-1)!;
      const value = parent[last];
      parent[last] = typeof value === 'string' ? 7 : typeof value === 'number' ? String(value) : 'yes';
      expect(decodeTypeError(POD, body)).toMatch(new RegExp(`^json: cannot unmarshal (string|number|bool) into Go struct field \\w+\\.${leaf.named.replaceAll('.', '\\.')} of type \\w+$`));
    });
  });
}
