/**
 * What a Secret's type asks of its data (given code: apiserver/secret-validation.ts), as
 * kube-apiserver's ValidateSecret checks it, so that `kubectl create secret generic x
 * --type=kubernetes.io/tls` without a certificate is refused as on a cluster.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { MAX_SECRET_BYTES, Registry, validateSecretData } from '@kube/apiserver';
import { FakeClock, Random, type KubeObject } from '@kube/kit';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const SA_NAME = 'kubernetes.io/service-account.name';

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/secret-validation.test.ts'), 240_000);
else {
  describe("a Secret's data for its type", () => {
    const cases: { name: string; secret: Parameters<typeof validateSecretData>[0]; errors: string[] }[] = [
      { name: 'an Opaque Secret may hold anything, or nothing', secret: { type: 'Opaque', data: {} }, errors: [] },
      { name: 'a type of your own asks for nothing', secret: { type: 'example.com/mine', data: { a: b64('1') } }, errors: [] },
      { name: 'a TLS Secret needs its certificate and its key', secret: { type: 'kubernetes.io/tls', data: { a: b64('b') } }, errors: ['data[tls.crt]: Required value', 'data[tls.key]: Required value'] },
      { name: 'a TLS Secret\'s certificate and key may be empty, but there', secret: { type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }, errors: [] },
      { name: 'a service account token names its account in an annotation', secret: { type: 'kubernetes.io/service-account-token', data: {} }, errors: [`metadata.annotations[${SA_NAME}]: Required value`] },
      { name: 'a service account token with its account named needs no token yet: a controller adds it', secret: { type: 'kubernetes.io/service-account-token', metadata: { annotations: { [SA_NAME]: 'builder' } } }, errors: [] },
      { name: 'a docker config JSON needs .dockerconfigjson', secret: { type: 'kubernetes.io/dockerconfigjson', data: {} }, errors: ['data[.dockerconfigjson]: Required value'] },
      { name: 'a docker config that is no JSON is named as Go\'s decoder names it, its contents not shown', secret: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('hello') } }, errors: ['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'h\' looking for beginning of value'] },
      { name: 'a docker config cut short ends too soon', secret: { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64('{"auths":') } }, errors: ['data[.dockercfg]: Invalid value: "<secret contents redacted>": unexpected end of JSON input'] },
      { name: 'a docker config must be a JSON object', secret: { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64('[1]') } }, errors: ['data[.dockercfg]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}'] },
      { name: 'basic auth needs a username or a password', secret: { type: 'kubernetes.io/basic-auth', data: {} }, errors: ['data[username]: Required value', 'data[password]: Required value'] },
      { name: 'basic auth with only a password is enough', secret: { type: 'kubernetes.io/basic-auth', data: { password: b64('x') } }, errors: [] },
      { name: 'SSH auth needs a private key that is not empty', secret: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } }, errors: ['data[ssh-privatekey]: Required value'] },
      { name: 'all the data together may weigh 1 MiB at most', secret: { type: 'Opaque', data: { a: b64('x'.repeat(MAX_SECRET_BYTES / 2)), b: b64('y'.repeat(MAX_SECRET_BYTES / 2 + 1)) } }, errors: [`data: Too long: must have at most ${MAX_SECRET_BYTES} bytes`] },
    ];
    for (const c of cases) it(c.name, () => expect(validateSecretData(c.secret).map((e) => `${e.field}: ${e.message}`)).toEqual(c.errors));

    it('refuses a create in upstream\'s words, and keeps nothing of it', () => {
      const { store, watchable } = testStore();
      const registry = new Registry({ store, watchable, clock: new FakeClock(Date.UTC(2026, 0, 1)), random: new Random(5) });
      registry.create('namespaces', undefined, { metadata: { name: 'default' } });
      expect(() => registry.create('secrets', 'default', { metadata: { name: 'g' }, type: 'kubernetes.io/tls', stringData: { a: 'b' } } as KubeObject)).toThrow(
        expect.objectContaining({ status: expect.objectContaining({ code: 422, message: 'Secret "g" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]' }) }),
      );
      expect(registry.list('secrets', 'default').items).toEqual([]);
    });

    it('refuses a ConfigMap over 1 MiB, data and binaryData together, as the whole object\'s error, and takes one of exactly 1 MiB', () => {
      const { store, watchable } = testStore();
      const registry = new Registry({ store, watchable, clock: new FakeClock(Date.UTC(2026, 0, 1)), random: new Random(6) });
      registry.create('namespaces', undefined, { metadata: { name: 'default' } });
      const half = 'x'.repeat(MAX_SECRET_BYTES / 2);
      expect(() => registry.create('configmaps', 'default', { metadata: { name: 'big' }, data: { a: half }, binaryData: { b: b64(`${half}y`) } } as KubeObject)).toThrow(
        expect.objectContaining({
          status: expect.objectContaining({
            code: 422,
            // Go prints a field error's empty path too: ": Too long"
            message: `ConfigMap "big" is invalid: : Too long: must have at most ${MAX_SECRET_BYTES} bytes`,
            details: expect.objectContaining({ causes: [{ reason: 'FieldValueTooLong', field: '', message: `Too long: must have at most ${MAX_SECRET_BYTES} bytes` }] }),
          }),
        }),
      );
      expect(registry.create('configmaps', 'default', { metadata: { name: 'full' }, data: { a: half }, binaryData: { b: b64(half) } } as KubeObject).metadata.name).toBe('full');
    });

    const keys = fc.dictionary(fc.stringMatching(/^[-._a-zA-Z0-9]{1,8}$/), fc.string({ maxLength: 20 }).map(b64), { maxKeys: 5 });
    test.prop([keys, fc.constantFrom('Opaque', '', 'example.com/mine', 'bootstrap.kubernetes.io/token')])('a Secret of a type that asks for nothing is never refused for its data', (data, type) => {
      expect(validateSecretData({ type, data })).toEqual([]);
    });

    const required: Record<string, string[]> = { 'kubernetes.io/tls': ['tls.crt', 'tls.key'], 'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'], 'kubernetes.io/dockercfg': ['.dockercfg'], 'kubernetes.io/ssh-auth': ['ssh-privatekey'] };
    const complete = fc.constantFrom(...Object.keys(required)).chain((type) => fc.record({ type: fc.constant(type), data: keys.map((extra) => ({ ...extra, ...Object.fromEntries(required[type]!.map((key) => [key, b64(key.startsWith('.') ? '{"auths":{}}' : 'k')])) })) }));
    test.prop([complete, fc.nat()])('taking away one key a type needs is refused naming that key, and nothing else (metamorphic)', (secret, pick) => {
      expect(validateSecretData(secret)).toEqual([]);
      const keyNeeded = required[secret.type]![pick % required[secret.type]!.length]!;
      const { [keyNeeded]: _gone, ...rest } = secret.data;
      expect(validateSecretData({ ...secret, data: rest }).map((e) => e.field)).toEqual([`data[${keyNeeded}]`]);
    });
  });
}
