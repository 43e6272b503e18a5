/**
 * Long-lived ServiceAccount tokens in Secrets: the token controller (given code,
 * solutions/controllers/tokens.ts) fills a Secret of type `kubernetes.io/service-account-token`
 * with its ServiceAccount's token, and the apiserver (apiserver/service-account-tokens.ts) takes that
 * token for as long as the Secret holds it — the way the Kubernetes docs give to make a token that
 * does not expire.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ControllerCluster } from '../../test/support/controllers/cluster.ts';
import { LEGACY_TOKEN_LAST_USED, ServiceAccountTokens } from '@kube/apiserver';
import { SERVICE_ACCOUNT_NAME_KEY, SERVICE_ACCOUNT_TOKEN_TYPE, SERVICE_ACCOUNT_UID_KEY, SharedInformerFactory, TokensController } from '@kube/controllers';
import type { KubeObject } from '@kube/kit';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBkubekataTEST\n-----END CERTIFICATE-----\n';
const KEY = Buffer.alloc(32, 7);

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

const decoded = (secret: Secret | undefined, key: string) => Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');

async function running() {
  const cluster = new ControllerCluster();
  const api = cluster.client.inner;
  const signer = new ServiceAccountTokens(cluster.registry, cluster.clock, KEY);
  const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
  const errors: unknown[] = [];
  const controller = new TokensController({ client: cluster.client, clock: cluster.clock, factory, tokens: { generate: (account, secret) => signer.legacyToken(account, secret) }, rootCA: CA, onError: (_key, error) => errors.push(error) });
  factory.start();
  await factory.waitForCacheSync();
  controller.run();
  await api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  const accounts = api.resource<KubeObject>('serviceaccounts', 'shop');
  const secrets = api.resource<Secret>('secrets', 'shop');
  const tokenSecret = (name: string, account: string, uid?: string) =>
    secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, annotations: { [SERVICE_ACCOUNT_NAME_KEY]: account, ...(uid && { [SERVICE_ACCOUNT_UID_KEY]: uid }) } }, type: SERVICE_ACCOUNT_TOKEN_TYPE });
  const secret = async (name: string) => (await secrets.list()).items.find((s) => s.metadata.name === name);
  const authenticate = (token: string) => signer.authenticate(`Bearer ${token}`);
  const stop = async () => {
    await controller.stop();
    await factory.shutdown();
  };
  return { cluster, accounts, secrets, tokenSecret, secret, authenticate, errors, stop };
}

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/service-account-token-secrets.test.ts'), 240_000);
else {
  describe('the token controller and the tokens it writes', () => {
    it('fills a Secret that names its ServiceAccount with a token, the CA and the namespace, and tells it the account\'s uid; the token is that ServiceAccount\'s', async () => {
      const { cluster, accounts, tokenSecret, secret, authenticate, errors, stop } = await running();
      const builder = await accounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
      await tokenSecret('builder-token', 'builder');
      await cluster.settle();
      const filled = await secret('builder-token');
      expect([decoded(filled, 'ca.crt'), decoded(filled, 'namespace')]).toEqual([CA, 'shop']);
      expect(filled?.metadata.annotations).toEqual({ [SERVICE_ACCOUNT_NAME_KEY]: 'builder', [SERVICE_ACCOUNT_UID_KEY]: builder.metadata.uid });
      const token = decoded(filled, 'token');
      expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))).toEqual({
        iss: 'kubernetes/serviceaccount',
        'kubernetes.io/serviceaccount/namespace': 'shop',
        'kubernetes.io/serviceaccount/secret.name': 'builder-token',
        'kubernetes.io/serviceaccount/service-account.name': 'builder',
        'kubernetes.io/serviceaccount/service-account.uid': builder.metadata.uid,
        sub: 'system:serviceaccount:shop:builder',
      });
      expect(authenticate(token)).toEqual({ username: 'system:serviceaccount:shop:builder', uid: builder.metadata.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'] });
      expect(errors).toEqual([]);
      await stop();
    });

    it('labels the Secret with the day its token was used, once a day, as v1.32 tracks legacy tokens', async () => {
      const { cluster, accounts, tokenSecret, secret, authenticate, stop } = await running();
      await accounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
      await tokenSecret('builder-token', 'builder');
      await cluster.settle();
      const token = decoded(await secret('builder-token'), 'token');
      authenticate(token);
      const labelled = await secret('builder-token');
      expect(labelled?.metadata.labels).toEqual({ [LEGACY_TOKEN_LAST_USED]: new Date(cluster.clock.now()).toISOString().slice(0, 10) });
      authenticate(token);
      expect((await secret('builder-token'))?.metadata.resourceVersion).toBe(labelled?.metadata.resourceVersion);
      cluster.clock.advance(24 * 3600 * 1000);
      authenticate(token);
      expect((await secret('builder-token'))?.metadata.labels?.[LEGACY_TOKEN_LAST_USED]).toBe(new Date(cluster.clock.now()).toISOString().slice(0, 10));
      await stop();
    });

    it('deletes a Secret that names a ServiceAccount not there, or another uid than its own', async () => {
      const { cluster, accounts, tokenSecret, secret, stop } = await running();
      await accounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
      await tokenSecret('nobody-token', 'nobody');
      await tokenSecret('stale-token', 'builder', 'an-old-uid');
      await cluster.settle();
      expect([await secret('nobody-token'), await secret('stale-token')]).toEqual([undefined, undefined]);
      await stop();
    });

    it('deletes a ServiceAccount\'s token Secrets when it goes, and its token stops working at once', async () => {
      const { cluster, accounts, secrets, tokenSecret, secret, authenticate, stop } = await running();
      await accounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
      await tokenSecret('builder-token', 'builder');
      await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'settings' }, stringData: { a: 'b' } } as Secret);
      await cluster.settle();
      const token = decoded(await secret('builder-token'), 'token');
      await accounts.delete('builder');
      expect(() => authenticate(token)).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 401 }) }));
      await cluster.settle();
      expect((await secrets.list()).items.map((s) => s.metadata.name)).toEqual(['settings']);
      await stop();
    });

    it('takes a token only while its Secret holds it: not once the Secret is deleted, nor once its data is changed', async () => {
      const { cluster, accounts, secrets, tokenSecret, secret, authenticate, stop } = await running();
      await accounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
      await tokenSecret('a-token', 'builder');
      await tokenSecret('b-token', 'builder');
      await cluster.settle();
      const a = decoded(await secret('a-token'), 'token');
      const b = decoded(await secret('b-token'), 'token');
      expect(a).not.toBe(b);
      await secrets.delete('a-token');
      expect(() => authenticate(a)).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 401 }) }));
      const held = (await secret('b-token'))!;
      await secrets.update({ ...held, data: { ...held.data, token: Buffer.from(a).toString('base64') } });
      expect(() => authenticate(b)).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 401 }) }));
      // a's token, now in b's Secret, names a-token: still not taken
      expect(() => authenticate(a)).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 401 }) }));
      await stop();
    });

    /** A step of a story: a ServiceAccount or a token Secret made or deleted. */
    type Step = { kind: 'account' | 'secret' | 'delete-account' | 'delete-secret'; name: string; toString(): string };
    const names = ['ann', 'bob'] as const;
    const step = fc.oneof(
      ...(['account', 'secret', 'delete-account', 'delete-secret'] as const).map((kind) =>
        fc.constantFrom(...names).map((name): Step => ({ kind, name, toString: () => `${kind.replace('-', ' ')} ${name}` })),
      ),
    );
    test.prop([fc.array(step, { maxLength: 8 })], { numRuns: 25 })('whatever is made and deleted, once settled every token Secret left names a ServiceAccount there, by uid, and holds a token that is it', async (steps) => {
      const { cluster, accounts, secrets, tokenSecret, authenticate, stop } = await running();
      for (const s of steps) {
        try {
          if (s.kind === 'account') await accounts.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: s.name } });
          if (s.kind === 'secret') await tokenSecret(`${s.name}-token`, s.name);
          if (s.kind === 'delete-account') await accounts.delete(s.name);
          if (s.kind === 'delete-secret') await secrets.delete(`${s.name}-token`);
        } catch {
          // made twice, or deleted when not there: the story goes on
        }
        await cluster.settle();
      }
      const living = new Map((await accounts.list()).items.map((a) => [a.metadata.name!, a.metadata.uid!]));
      for (const left of (await secrets.list()).items) {
        const account = left.metadata.annotations![SERVICE_ACCOUNT_NAME_KEY]!;
        expect(living.get(account), left.metadata.name).toBe(left.metadata.annotations![SERVICE_ACCOUNT_UID_KEY]);
        expect(authenticate(decoded(left, 'token'))?.username).toBe(`system:serviceaccount:shop:${account}`);
      }
      await stop();
    });
  });
}
