/**
 * Discovery's resource lists (given code: apiserver/discovery.ts) as kube-apiserver v1.32 writes
 * them: in the order of their paths, every subresource the server answers (the kubelet's through
 * the apiserver too), and each stored resource's storageVersionHash.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { apiResourceList, groupVersions } from '@kube/apiserver';

interface Listed {
  name: string;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
  storageVersionHash?: string;
}

const resourcesOf = (groupVersion: string) => (apiResourceList(groupVersion) as { resources: Listed[] }).resources;

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/discovery.test.ts'), 240_000);
else {
  describe('discovery of the core group', () => {
    it('lists the resources in the order of their paths: a resource, then its subresources', () => {
      const names = resourcesOf('v1').map((r) => r.name);
      expect(names.slice(names.indexOf('pods'), names.indexOf('pods') + 10)).toEqual([
        'pods',
        'pods/attach',
        'pods/binding',
        'pods/ephemeralcontainers',
        'pods/eviction',
        'pods/exec',
        'pods/log',
        'pods/portforward',
        'pods/proxy',
        'pods/status',
      ]);
      expect(names[0]).toBe('componentstatuses');
    });

    it.each<[string, Omit<Listed, 'name'>]>([
      ['pods/exec', { kind: 'PodExecOptions', verbs: ['create', 'get'] }],
      ['pods/attach', { kind: 'PodAttachOptions', verbs: ['create', 'get'] }],
      ['pods/portforward', { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] }],
      ['pods/log', { kind: 'Pod', verbs: ['get'] }],
      ['pods/proxy', { kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
      ['nodes/proxy', { kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
      ['services/proxy', { kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
      ['pods/eviction', { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] }],
    ])('lists %s, which the server answers, with its kind and verbs', (name, listed) => {
      expect(resourcesOf('v1').find((r) => r.name === name)).toEqual({ name, singularName: '', namespaced: name !== 'nodes/proxy', ...listed });
    });

    it.each([
      ['v1', 'pods', 'xPOwRZ+Yhw8='],
      ['v1', 'configmaps', 'qFsyl6wFWjQ='],
      ['apps/v1', 'deployments', '8aSe+NMegvE='],
    ])('gives %s %s the hash of its storage version, as a cluster does', (groupVersion, name, hash) => {
      expect(resourcesOf(groupVersion).find((r) => r.name === name)?.storageVersionHash).toBe(hash);
    });

    it('gives no hash to what is not stored: a subresource, componentstatuses, a review', () => {
      expect(resourcesOf('v1').find((r) => r.name === 'pods/status')).not.toHaveProperty('storageVersionHash');
      expect(resourcesOf('v1').find((r) => r.name === 'componentstatuses')).not.toHaveProperty('storageVersionHash');
      expect(resourcesOf('authorization.k8s.io/v1').find((r) => r.name === 'selfsubjectaccessreviews')).not.toHaveProperty('storageVersionHash');
    });
  });

  describe('discovery of every group-version', () => {
    const served = fc.constantFrom(...groupVersions().map((gv) => gv.groupVersion));

    test.prop([served])('lists each name once, sorted, and every subresource after its resource', (groupVersion) => {
      const names = resourcesOf(groupVersion).map((r) => r.name);
      expect(names).toEqual([...names].sort());
      expect(new Set(names).size).toBe(names.length);
      for (const name of names.filter((n) => n.includes('/'))) expect(names.indexOf(name.split('/')[0]!)).toBeGreaterThanOrEqual(0);
    });

    test.prop([served])('gives every resource of one kind stored in one version the same hash, and different kinds different hashes', (groupVersion) => {
      const hashed = resourcesOf(groupVersion).filter((r) => r.storageVersionHash !== undefined);
      for (const r of hashed) expect(r.name).not.toContain('/');
      const hashes = hashed.map((r) => r.storageVersionHash);
      expect(new Set(hashes).size).toBe(new Set(hashed.map((r) => r.kind)).size);
      for (const hash of hashes) expect(hash).toMatch(/^[A-Za-z0-9+/]{11}=$/);
    });
  });
}
