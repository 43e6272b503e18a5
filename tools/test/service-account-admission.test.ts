/**
 * The ServiceAccount admission plugin's token volume (given code, solutions/apiserver/admission.ts):
 * the `kube-api-access-xxxxx` projected volume and the containers' mounts that v1.32's plugin
 * adds to every new pod, which `kubectl describe pod` shows under Volumes and Mounts.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { SERVICE_ACCOUNT_MOUNT_PATH, ServiceAccountDefaulting, type AdmissionRequest } from '@kube/apiserver';
import { Random, type KubeObject, type Pod } from '@kube/kit';

type Mount = { name: string; mountPath: string; readOnly?: boolean };
type Spec = { automountServiceAccountToken?: boolean; volumes?: { name: string; projected?: object }[]; containers: { name: string; image: string; volumeMounts?: Mount[] }[]; initContainers?: { name: string; image: string; volumeMounts?: Mount[] }[] };

/** Admits a pod made in `default` through the plugin, with these ServiceAccounts stored. */
async function admit(spec: Spec, accounts: Record<string, KubeObject> = {}, seed = 7): Promise<Spec> {
  const plugin = new ServiceAccountDefaulting((_namespace, name) => accounts[name], new Random(seed));
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec } as unknown as Pod;
  const request: AdmissionRequest = { operation: 'CREATE', object: pod, attributes: { resource: 'pods', subresource: '', namespace: 'default', name: '', verb: 'create', apiGroup: '', apiVersion: 'v1', resourceRequest: true, path: '/api/v1/namespaces/default/pods', user: { username: 'alice', groups: [] } } };
  await plugin.admit(request);
  return pod.spec as unknown as Spec;
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/service-account-admission.test.ts'), 240_000);
else describe('the ServiceAccount plugin\'s token volume', () => {
  it('gives a new pod upstream\'s kube-api-access volume and each container, init containers too, a read-only mount of it', async () => {
    const spec = await admit({ initContainers: [{ name: 'setup', image: 'busybox' }], containers: [{ name: 'app', image: 'nginx' }] });
    const name = spec.volumes![0]!.name;
    expect(name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(spec.volumes).toEqual([
      {
        name,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ]);
    const mount = { name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    expect(spec.initContainers![0]!.volumeMounts).toEqual([mount]);
    expect(spec.containers[0]!.volumeMounts).toEqual([mount]);
  });

  it('mounts nothing when the pod says automountServiceAccountToken: false, or its ServiceAccount does and the pod says nothing; the pod\'s word wins', async () => {
    const quiet = { metadata: { name: 'quiet' }, automountServiceAccountToken: false };
    expect((await admit({ automountServiceAccountToken: false, containers: [{ name: 'app', image: 'nginx' }] })).volumes).toBeUndefined();
    expect((await admit({ serviceAccountName: 'quiet', containers: [{ name: 'app', image: 'nginx' }] } as Spec, { quiet })).volumes).toBeUndefined();
    expect((await admit({ serviceAccountName: 'quiet', automountServiceAccountToken: true, containers: [{ name: 'app', image: 'nginx' }] } as Spec, { quiet })).volumes).toHaveLength(1);
  });

  it('keeps a container\'s own mount at the path, and adds no volume when no container needs one', async () => {
    const own = { name: 'mine', mountPath: SERVICE_ACCOUNT_MOUNT_PATH };
    const spec = await admit({ volumes: [{ name: 'mine' }], containers: [{ name: 'app', image: 'nginx', volumeMounts: [own] }] });
    expect(spec.volumes).toEqual([{ name: 'mine' }]);
    expect(spec.containers[0]!.volumeMounts).toEqual([own]);
  });

  const container = fc.record({ name: fc.constantFrom('a', 'b', 'c'), image: fc.constant('nginx'), volumeMounts: fc.option(fc.array(fc.constantFrom<Mount>({ name: 'data', mountPath: '/data' }, { name: 'mine', mountPath: SERVICE_ACCOUNT_MOUNT_PATH }), { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: ['name', 'image'] });
  test.prop([fc.array(container, { minLength: 1, maxLength: 3 }), fc.array(container, { maxLength: 2 }), fc.integer({ min: 1, max: 1000 })], { numRuns: 100 })(
    'after admission every container mounts something at the token path exactly as often as before or once, the pod has a token volume exactly when a container got the mount, and admitting again changes nothing',
    async (containers, initContainers, seed) => {
      const given: Spec = { volumes: [{ name: 'data' }, { name: 'mine' }], containers, ...(initContainers.length > 0 && { initContainers }) };
      const before = structuredClone(given);
      const spec = await admit(given, {}, seed);
      const all = (s: Spec) => [...(s.initContainers ?? []), ...s.containers];
      const atPath = (c: { volumeMounts?: Mount[] }) => (c.volumeMounts ?? []).filter((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH).length;
      const added = all(before).filter((c) => atPath(c) === 0).length;
      all(spec).forEach((c, i) => expect(atPath(c)).toBe(Math.max(1, atPath(all(before)[i]!))));
      expect(spec.volumes!.filter((v) => v.name.startsWith('kube-api-access-'))).toHaveLength(added > 0 ? 1 : 0);
      const again = await admit(structuredClone(spec), {}, seed + 1);
      expect(again).toEqual(spec);
    },
  );
});
