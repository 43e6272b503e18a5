/**
 * The service accounts controller (given code, solutions/controllers/service-accounts.ts): every
 * active namespace has a ServiceAccount "default", as kube-controller-manager makes it.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ControllerCluster } from '../../test/support/controllers/cluster.ts';
import { ServiceAccountsController, SharedInformerFactory } from '@kube/controllers';

async function running() {
  const cluster = new ControllerCluster();
  const api = cluster.client.inner;
  const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
  const errors: unknown[] = [];
  const controller = new ServiceAccountsController({ client: cluster.client, clock: cluster.clock, factory, onError: (_key, error) => errors.push(error) });
  factory.start();
  await factory.waitForCacheSync();
  controller.run();
  await cluster.settle();
  const accounts = async (namespace: string) => (await api.resource('serviceaccounts', namespace).list()).items.map((a) => a.metadata.name);
  const stop = async () => {
    await controller.stop();
    await factory.shutdown();
  };
  return { cluster, api, accounts, errors, stop };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/service-accounts.test.ts'), 240_000);
else describe('the service accounts controller', () => {
  it('gives a namespace that appears a ServiceAccount "default", and makes it again when someone deletes it', async () => {
    const { cluster, api, accounts, errors, stop } = await running();
    await api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await cluster.settle();
    expect(await accounts('shop')).toEqual(['default']);
    await api.resource('serviceaccounts', 'shop').delete('default');
    await cluster.settle();
    expect(await accounts('shop')).toEqual(['default']);
    expect(errors).toEqual([]);
    await stop();
  });

  it('leaves a namespace that is being deleted alone: the namespace controller is emptying it', async () => {
    const { cluster, api, accounts, stop } = await running();
    await api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'old' } });
    await cluster.settle();
    await api.namespaces().delete('old'); // Terminating: its "kubernetes" finalizer holds it
    await cluster.settle();
    await api.resource('serviceaccounts', 'old').delete('default');
    await cluster.settle();
    expect(await accounts('old')).toEqual([]);
    await stop();
  });

  test.prop([fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd'))])(
    'whatever namespaces appear and whichever defaults are deleted meanwhile, once it settles every namespace has its default',
    async (namespaces, deleted) => {
      const { cluster, api, accounts, errors, stop } = await running();
      for (const name of namespaces) await api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      for (const name of deleted) await api.resource('serviceaccounts', name).delete('default').catch(() => undefined);
      await cluster.settle();
      for (const name of namespaces) expect(await accounts(name), name).toEqual(['default']);
      expect(errors).toEqual([]);
      await stop();
    },
  );
});
