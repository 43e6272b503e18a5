/**
 * The root CA certificate publisher (given code, solutions/controllers/root-ca-publisher.ts): every
 * namespace has the ConfigMap kube-root-ca.crt with the cluster's CA, as kube-controller-manager
 * keeps it.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ControllerCluster } from '../../test/support/controllers/cluster.ts';
import { forbidden, notFound, type ApiClient } from '@kube/apiserver';
import { RootCACertPublisher, ROOT_CA_CONFIGMAP, ROOT_CA_DESCRIPTION, SharedInformerFactory } from '@kube/controllers';
import type { KubeObject } from '@kube/kit';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBkubekataTEST\n-----END CERTIFICATE-----\n';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

async function running() {
  const cluster = new ControllerCluster();
  const api = cluster.client.inner;
  const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
  const errors: unknown[] = [];
  // The publisher's own writes, counted: an update that changes nothing is a no-op for the server too.
  const writes: string[] = [];
  const counted = <T extends KubeObject>(resource: string, namespace?: string) => {
    const real = cluster.client.resource<T>(resource, namespace);
    return { ...real, create: (o: T) => (writes.push(`create ${namespace}`), real.create(o)), update: (o: T) => (writes.push(`update ${namespace}`), real.update(o)) };
  };
  const client = new Proxy(cluster.client, {
    get: (target, property) => {
      if (property === 'resource') return counted;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as ApiClient;
  const publisher = new RootCACertPublisher({ client, clock: cluster.clock, factory, rootCA: CA, onError: (_key, error) => errors.push(error) });
  factory.start();
  await factory.waitForCacheSync();
  publisher.run();
  await cluster.settle();
  const configMaps = (namespace: string) => api.resource<ConfigMap>('configmaps', namespace);
  const names = async (namespace: string) => (await configMaps(namespace).list()).items.map((c) => c.metadata.name).sort();
  const published = (namespace: string) => configMaps(namespace).get(ROOT_CA_CONFIGMAP);
  const createNamespace = (name: string) => api.namespaces().create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const stop = async () => {
    await publisher.stop();
    await factory.shutdown();
  };
  return { cluster, configMaps, names, published, createNamespace, errors, writes, stop };
}

/** What every namespace's kube-root-ca.crt must say, as v1.32 writes it. */
const asPublished = { metadata: expect.objectContaining({ name: ROOT_CA_CONFIGMAP, annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION.text } }), data: { 'ca.crt': CA } };

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/root-ca-publisher.test.ts'), 240_000);
else describe('the root CA certificate publisher', () => {
  it('gives a namespace that appears the ConfigMap kube-root-ca.crt, with the CA as ca.crt and upstream\'s description, and makes it again when someone deletes it', async () => {
    const { cluster, names, published, createNamespace, configMaps, errors, stop } = await running();
    await createNamespace('shop');
    await cluster.settle();
    expect(await names('shop')).toEqual([ROOT_CA_CONFIGMAP]);
    expect(await published('shop')).toMatchObject(asPublished);
    expect(ROOT_CA_DESCRIPTION.text).toBe('Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.');
    await configMaps('shop').delete(ROOT_CA_CONFIGMAP);
    await cluster.settle();
    expect(await published('shop')).toMatchObject(asPublished);
    expect(errors).toEqual([]);
    await stop();
  });

  it('puts back a ca.crt someone edited and a description someone dropped, replacing the whole data as upstream does, and keeps the labels and annotations they added', async () => {
    const { cluster, published, createNamespace, configMaps, errors, stop } = await running();
    await createNamespace('shop');
    await cluster.settle();
    const edited = await published('shop');
    edited.data = { 'ca.crt': 'not a certificate', extra: 'mine' };
    edited.metadata.labels = { team: 'a' };
    edited.metadata.annotations = { note: 'hello' };
    await configMaps('shop').update(edited);
    await cluster.settle();
    const fixed = await published('shop');
    expect(fixed.data).toEqual({ 'ca.crt': CA });
    expect(fixed.metadata.labels).toEqual({ team: 'a' });
    expect(fixed.metadata.annotations).toEqual({ note: 'hello', 'kubernetes.io/description': ROOT_CA_DESCRIPTION.text });
    expect(errors).toEqual([]);
    await stop();
  });

  it('leaves alone a ConfigMap of another name, whatever is done to it', async () => {
    const { cluster, names, createNamespace, configMaps, errors, stop } = await running();
    await createNamespace('shop');
    await cluster.settle();
    const before = (await configMaps('shop').get(ROOT_CA_CONFIGMAP)).metadata.resourceVersion;
    await configMaps('shop').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { 'ca.crt': 'mine' } });
    await cluster.settle();
    await configMaps('shop').delete('settings');
    await cluster.settle();
    expect(await names('shop')).toEqual([ROOT_CA_CONFIGMAP]);
    expect((await configMaps('shop').get(ROOT_CA_CONFIGMAP)).metadata.resourceVersion, 'kube-root-ca.crt not written again').toBe(before);
    expect(errors).toEqual([]);
    await stop();
  });

  it.each([
    ['being deleted (403 from NamespaceLifecycle)', () => forbidden('configmaps', ROOT_CA_CONFIGMAP, 'unable to create new content in namespace old because it is being terminated')],
    ['gone meanwhile (404)', () => notFound('namespaces', 'old')],
  ])('does not try again a create refused because the namespace is %s: no error, no retry when the clock moves', async (_case, refusal) => {
    const { cluster, names, createNamespace, configMaps, errors, stop } = await running();
    await createNamespace('old');
    await cluster.settle();
    cluster.client.failNextWrites('create', 'configmaps', 1, refusal);
    await configMaps('old').delete(ROOT_CA_CONFIGMAP);
    await cluster.settle();
    await cluster.advance(10 * 60_000); // a retry would be due long before: the rate limiter's delays start at 5 ms
    expect(await names('old')).toEqual([]);
    expect(errors, 'not a failed sync').toEqual([]);
    await stop();
  });

  type Step = { op: 'delete' | 'edit data' | 'drop description' | 'label namespace'; namespace: string };
  const step: fc.Arbitrary<Step> = fc.record({ op: fc.constantFrom('delete', 'edit data', 'drop description', 'label namespace'), namespace: fc.constantFrom('a', 'b', 'c') });

  test.prop([fc.uniqueArray(fc.constantFrom<string>('a', 'b', 'c'), { minLength: 1 }), fc.array(step, { maxLength: 8 })])(
    'whatever is deleted or edited meanwhile, once it settles every namespace has exactly the published ConfigMap',
    async (namespaces, steps) => {
      const { cluster, names, published, createNamespace, configMaps, errors, stop } = await running();
      for (const name of namespaces) await createNamespace(name);
      for (const { op, namespace } of steps) {
        if (!namespaces.includes(namespace)) continue;
        const current = await published(namespace).catch(() => undefined);
        if (op === 'delete' && current) await configMaps(namespace).delete(ROOT_CA_CONFIGMAP);
        if (op === 'edit data' && current) await configMaps(namespace).update({ ...current, data: { 'ca.crt': 'edited' } }).catch(() => undefined);
        if (op === 'drop description' && current) await configMaps(namespace).update({ ...current, metadata: { ...current.metadata, annotations: {} } }).catch(() => undefined);
        if (op === 'label namespace') {
          const ns = await cluster.client.inner.namespaces().get(namespace);
          await cluster.client.inner.namespaces().update({ ...ns, metadata: { ...ns.metadata, labels: { touched: String(steps.length) } } });
        }
      }
      await cluster.settle();
      for (const name of namespaces) {
        expect(await names(name), name).toEqual([ROOT_CA_CONFIGMAP]);
        expect(await published(name), name).toMatchObject(asPublished);
      }
      // A sync that ran before its cache saw the ConfigMap it made, someone's edit or someone's delete fails
      // (AlreadyExists, a Conflict, NotFound), as upstream's does, and is tried again; nothing else may fail.
      const transient = /already exists|the object has been modified|"kube-root-ca.crt" not found/;
      expect(errors.map((e) => (e as Error).message).filter((m) => !transient.test(m))).toEqual([]);
      await stop();
    },
  );

  test.prop([fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1 }), fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 6 })])(
    'once every ConfigMap is as it should be, namespaces that change write nothing more: no update is sent, and each kube-root-ca.crt keeps its resourceVersion',
    async (namespaces, touched) => {
      const { cluster, configMaps, createNamespace, errors, writes, stop } = await running();
      for (const name of namespaces) await createNamespace(name);
      await cluster.settle();
      const versions = async () => Object.fromEntries(await Promise.all(namespaces.map(async (n) => [n, (await configMaps(n).get(ROOT_CA_CONFIGMAP)).metadata.resourceVersion] as const)));
      const before = await versions();
      writes.length = 0;
      for (const [i, name] of touched.entries()) {
        if (!namespaces.includes(name)) continue;
        const ns = await cluster.client.inner.namespaces().get(name);
        await cluster.client.inner.namespaces().update({ ...ns, metadata: { ...ns.metadata, labels: { step: String(i) } } });
      }
      await cluster.settle();
      expect(writes).toEqual([]);
      expect(await versions()).toEqual(before);
      expect(errors).toEqual([]);
      await stop();
    },
  );
});
