/**
 * A pod's volumes defaulted as kube-apiserver defaults them (given code: apiserver/volume-defaults.ts),
 * in a Pod and in every workload's pod template, so that `kubectl get -o yaml` shows what a cluster shows.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { defaultVolumesOf, Registry } from '@kube/apiserver';
import { FakeClock, Random, type KubeObject, type Pod } from '@kube/kit';

type Volume = Record<string, unknown>;
const podWith = (volumes: Volume[]): KubeObject => ({ metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'kubekata/echo' }], volumes } }) as KubeObject;
const volumesOf = (object: KubeObject) => (object as unknown as { spec: { volumes: Volume[] } }).spec.volumes;

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/volume-defaults.test.ts'), 240_000);
else {
  describe("a pod's volumes", () => {
    const cases: { name: string; volume: Volume; defaulted: Volume }[] = [
      { name: 'a volume that names no source is an emptyDir', volume: { name: 'scratch' }, defaulted: { name: 'scratch', emptyDir: {} } },
      { name: 'a hostPath checks nothing at its path: type ""', volume: { name: 'h', hostPath: { path: '/tmp' } }, defaulted: { name: 'h', hostPath: { path: '/tmp', type: '' } } },
      { name: 'a secret\'s files are 0644 (420)', volume: { name: 's', secret: { secretName: 'db' } }, defaulted: { name: 's', secret: { secretName: 'db', defaultMode: 420 } } },
      { name: 'a ConfigMap\'s files are 0644 (420)', volume: { name: 'c', configMap: { name: 'cfg' } }, defaulted: { name: 'c', configMap: { name: 'cfg', defaultMode: 420 } } },
      {
        name: 'a downward API volume\'s files are 0644, and each field it names is of v1',
        volume: { name: 'd', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        defaulted: { name: 'd', downwardAPI: { defaultMode: 420, items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } }] } },
      },
      {
        name: 'a projected token lives an hour, and its downward API fields are of v1',
        volume: { name: 'p', projected: { sources: [{ serviceAccountToken: { path: 't' } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
        defaulted: { name: 'p', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace', apiVersion: 'v1' } }] } }] } },
      },
      { name: 'a claim and an emptyDir have no defaults', volume: { name: 'v', persistentVolumeClaim: { claimName: 'data' } }, defaulted: { name: 'v', persistentVolumeClaim: { claimName: 'data' } } },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const pod = podWith([c.volume]);
        defaultVolumesOf(pod, false);
        expect(volumesOf(pod)).toEqual([c.defaulted]);
      });
    }

    it('are defaulted when a Pod is created, and in a Deployment\'s and a Job\'s pod templates', () => {
      const { store, watchable } = testStore();
      const registry = new Registry({ store, watchable, clock: new FakeClock(Date.UTC(2026, 0, 1)), random: new Random(5) });
      registry.create('namespaces', undefined, { metadata: { name: 'default' } });
      const volumes = () => [{ name: 's', secret: { secretName: 'db' } }];
      const pod = registry.create<Pod>('pods', 'default', podWith(volumes()) as Pod);
      expect(volumesOf(pod)).toEqual([{ name: 's', secret: { secretName: 'db', defaultMode: 420 } }]);
      const template = (restartPolicy: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'kubekata/echo' }], restartPolicy, volumes: volumes() } });
      type Workload = KubeObject & { spec: { template: { spec: { volumes: Volume[] } } } };
      const deployment = registry.create<Workload>('deployments', 'default', { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template('Always') } } as unknown as Workload);
      const job = registry.create<Workload>('jobs', 'default', { metadata: { name: 'once' }, spec: { template: template('Never') } } as unknown as Workload);
      for (const made of [deployment, job]) expect(made.spec.template.spec.volumes).toEqual([{ name: 's', secret: { secretName: 'db', defaultMode: 420 } }]);
    });

    const volume: fc.Arbitrary<Volume> = fc.oneof(
      fc.record({ name: fc.constant('a') }),
      fc.record({ name: fc.constant('h'), hostPath: fc.record({ path: fc.constant('/tmp'), type: fc.constantFrom('', 'Directory', 'File') }, { requiredKeys: ['path'] }) }),
      fc.record({ name: fc.constant('s'), secret: fc.record({ secretName: fc.constant('db'), defaultMode: fc.integer({ min: 0, max: 511 }) }, { requiredKeys: ['secretName'] }) }),
      fc.record({ name: fc.constant('c'), configMap: fc.record({ name: fc.constant('cfg'), defaultMode: fc.integer({ min: 0, max: 511 }) }, { requiredKeys: ['name'] }) }),
      fc.record({ name: fc.constant('p'), projected: fc.record({ sources: fc.array(fc.oneof(fc.record({ serviceAccountToken: fc.record({ path: fc.constant('t'), expirationSeconds: fc.integer({ min: 600, max: 7200 }) }, { requiredKeys: ['path'] }) }))), defaultMode: fc.integer({ min: 0, max: 511 }) }, { requiredKeys: ['sources'] }) }),
    );

    test.prop([fc.array(volume, { maxLength: 5 })])('defaulting twice is defaulting once, and a value the pod gave is never changed', (volumes) => {
      const given = structuredClone(volumes);
      const once = podWith(volumes);
      defaultVolumesOf(once, false);
      const twice = structuredClone(once);
      defaultVolumesOf(twice, false);
      expect(twice).toEqual(once);
      // everything given is still there as given: the defaults only add
      expect(volumesOf(once)).toMatchObject(given);
    });
  });
}
