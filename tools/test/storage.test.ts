/**
 * Storage (given code, beyond the katas): PersistentVolumes, PersistentVolumeClaims and
 * StorageClasses as v1.32's apiserver stores and checks them (solutions/apiserver/storage-strategy.ts),
 * the storage admission plugins (storage-admission.ts), the persistent volume controller and the
 * protection controllers (solutions/controllers/persistent-volume.ts, volume-protection.ts), a
 * StatefulSet's volumeClaimTemplates (statefulset.ts) and the scheduler's VolumeBinding plugin
 * (solutions/scheduler/plugins/volume-binding.ts).
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import {
  Admission,
  ApiHandler,
  DefaultStorageClass,
  findBestMatch,
  NamespaceDefaulting,
  PersistentVolumeClaimResize,
  Registry,
  StorageObjectInUseProtection,
  toTable,
  volumeMismatch,
} from '@kube/apiserver';
import { PersistentVolumeController, PVCProtectionController, PVProtectionController, StatefulSetController } from '@kube/controllers';
import { MvccStore } from '@kube/etcd';
import { CycleState, NodeInfo, VolumeBinding, type VolumeListers } from '@kube/scheduler';
import { FakeClock, Random, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StatefulSet, type Status, type StorageClass } from '@kube/kit';

/** An apiserver's handler with the storage admission plugins, in process. */
function bench() {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(9) });
  const classes = () => registry.list<StorageClass>('storageclasses', undefined).items;
  const admission = new Admission([new NamespaceDefaulting(), new DefaultStorageClass(classes), new StorageObjectInUseProtection()], [new PersistentVolumeClaimResize(classes)]);
  const handler = new ApiHandler({ registry, clock, random: new Random(9), admission });
  const send = async (method: string, path: string, body?: object, contentType = 'application/json') => {
    const headers = { 'content-type': contentType };
    const reply = await handler.handle({ method, url: path, headers, body: body ? JSON.stringify(body) : '' });
    return { code: reply.code, body: ('body' in reply ? reply.body : undefined) as any };
  };
  const post = (path: string, body: object) => send('POST', path, body);
  const message = async (path: string, body: object) => ((await post(path, body)).body as Status).message;
  return { clock, registry, send, post, message };
}

const pv = (name: string, storage: string, more: Partial<NonNullable<PersistentVolume['spec']>> = {}, labels?: Record<string, string>): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, ...(labels && { labels }) },
  spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/mnt/${name}` }, ...more },
});
const pvc = (name: string, storage: string, more: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...more },
});

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/storage.test.ts'), 240_000);
else describe('storage', () => {
  it('defaults and checks volumes, claims and classes in upstream\'s words, and prints them as kubectl get pv, pvc and sc do', async () => {
    const { post, message, clock } = bench();
    const made = (await post('/api/v1/persistentvolumes', pv('data', '1024Mi', { storageClassName: 'manual' }))).body as PersistentVolume;
    expect(made.spec).toMatchObject({ capacity: { storage: '1Gi' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', hostPath: { path: '/mnt/data', type: '' } });
    expect(made.status).toEqual({ phase: 'Pending', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' });
    expect(made.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(await message('/api/v1/persistentvolumes', { metadata: { name: 'bare' }, spec: { capacity: { storage: '1Gi' } } })).toBe(
      'PersistentVolume "bare" is invalid: [spec.accessModes: Required value, spec: Required value: must specify a volume type]',
    );
    expect(await message('/api/v1/persistentvolumes', pv('two', '0', { nfs: { server: 'nfs', path: 'share' } }))).toBe(
      'PersistentVolume "two" is invalid: [spec.capacity[storage]: Invalid value: "0": must be greater than zero, spec.nfs: Forbidden: may not specify more than 1 volume type, spec.nfs.path: Invalid value: "share": must be an absolute path]',
    );
    expect(await message('/api/v1/persistentvolumes', { metadata: { name: 'local' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'], local: { path: '/disks/1' } } })).toBe(
      'PersistentVolume "local" is invalid: [spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes, spec.nodeAffinity: Required value: Local volumes require node affinity]',
    );
    expect(await message('/api/v1/namespaces/default/persistentvolumeclaims', { metadata: { name: 'www' }, spec: { resources: { requests: { storage: '1Gi' } } } })).toBe(
      'PersistentVolumeClaim "www" is invalid: spec.accessModes: Required value: at least 1 access mode is required',
    );
    expect(await message('/api/v1/namespaces/default/persistentvolumeclaims', { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteMany'] } })).toBe('PersistentVolumeClaim "www" is invalid: spec.resources[storage]: Required value');
    expect(await message('/apis/storage.k8s.io/v1/storageclasses', { metadata: { name: 'fast' }, provisioner: 'example.com/nfs', reclaimPolicy: 'Recycle' })).toBe(
      'StorageClass.storage.k8s.io "fast" is invalid: reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    );
    const storageClass = (await post('/apis/storage.k8s.io/v1/storageclasses', { metadata: { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' })).body as StorageClass;
    expect(storageClass).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' });
    const claim = (await post('/api/v1/namespaces/default/persistentvolumeclaims', pvc('www', '500Mi'))).body as PersistentVolumeClaim;
    expect(claim.spec).toMatchObject({ storageClassName: 'local', volumeMode: 'Filesystem' });
    expect(claim.status).toEqual({ phase: 'Pending' });
    expect(claim.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    await clock.advance(5_000);
    const rows = (kind: string, objects: object[]) => (toTable(objects as never, kind, clock.now()) as { rows: { cells: unknown[] }[] }).rows.map((r) => r.cells);
    const columns = (kind: string) => (toTable([], kind, clock.now()) as { columnDefinitions: { name: string; priority: number }[] }).columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name);
    expect(columns('PersistentVolume')).toEqual(['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age']);
    expect(columns('PersistentVolumeClaim')).toEqual(['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age']);
    expect(rows('PersistentVolume', [{ ...made, spec: { ...made.spec, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], claimRef: { namespace: 'default', name: 'www' } }, status: { phase: 'Bound' } }])).toEqual([
      ['data', '1Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/www', 'manual', '<unset>', '', '5s', 'Filesystem'],
    ]);
    expect(rows('PersistentVolumeClaim', [claim, { ...claim, spec: { ...claim.spec, volumeName: 'data' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }])).toEqual([
      ['www', 'Pending', '', '', '', 'local', '<unset>', '5s', 'Filesystem'],
      ['www', 'Bound', 'data', '1Gi', 'RWO', 'local', '<unset>', '5s', 'Filesystem'],
    ]);
    expect(rows('StorageClass', [storageClass])).toEqual([['local (default)', 'kubernetes.io/no-provisioner', 'Delete', 'WaitForFirstConsumer', 'false', '5s']]);
  });

  it('binds a claim to the smallest Available volume of its class that fits, writes both sides as upstream does, and releases the volume when the claim goes', async () => {
    const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => new PersistentVolumeController(parts));
    const volumes = api.resource<PersistentVolume>('persistentvolumes');
    const claims = api.resource<PersistentVolumeClaim>('persistentvolumeclaims', 'default');
    await volumes.create(pv('big', '10Gi', { storageClassName: 'manual' }));
    await volumes.create(pv('small', '2Gi', { storageClassName: 'manual' }));
    await volumes.create(pv('other', '1Gi', { storageClassName: 'fast' }));
    await cluster.settle();
    expect((await volumes.list()).items.map((v) => [v.metadata.name, v.status?.phase])).toEqual([['big', 'Available'], ['other', 'Available'], ['small', 'Available']]);
    const claim = await claims.create(pvc('www', '1Gi', { storageClassName: 'manual' }));
    await cluster.settle();
    const bound = await claims.get('www');
    expect(bound.spec?.volumeName).toBe('small');
    expect(bound.metadata.annotations).toEqual({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(bound.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
    const small = await volumes.get('small');
    expect(small.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'www', uid: claim.metadata.uid });
    expect(small.metadata.annotations).toEqual({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(small.status?.phase).toBe('Bound');
    await claims.delete('www');
    await cluster.settle();
    expect((await volumes.get('small')).status?.phase).toBe('Released');
    // a Released volume keeps its claimRef (Retain): a new claim of the same name does not get it
    await claims.create(pvc('www', '1Gi', { storageClassName: 'manual' }));
    await cluster.settle();
    expect((await claims.get('www')).spec?.volumeName).toBe('big');
    expect(recorder.events).toEqual([]);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('says why a claim waits, again at every resync, in upstream\'s words: no class, a missing class, no provisioner, an external one, WaitForFirstConsumer', async () => {
    const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => new PersistentVolumeController(parts));
    const classes = api.resource<StorageClass>('storageclasses');
    const claims = api.resource<PersistentVolumeClaim>('persistentvolumeclaims', 'default');
    await classes.create({ metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' });
    await classes.create({ metadata: { name: 'nfs' }, provisioner: 'example.com/nfs', volumeBindingMode: 'Immediate' });
    await classes.create({ metadata: { name: 'later' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
    await claims.create(pvc('plain', '1Gi', { storageClassName: '' }));
    await claims.create(pvc('missing', '1Gi', { storageClassName: 'gone' }));
    await claims.create(pvc('local', '1Gi', { storageClassName: 'local' }));
    await claims.create(pvc('nfs', '1Gi', { storageClassName: 'nfs' }));
    await claims.create(pvc('later', '1Gi', { storageClassName: 'later' }));
    await cluster.settle();
    const said = () => new Map(recorder.events.map((e) => [e.object.split('/').pop(), `${e.type} ${e.reason} ${e.message}`]));
    expect(said()).toEqual(
      new Map([
        ['plain', 'Normal FailedBinding no persistent volumes available for this claim and no storage class is set'],
        ['missing', 'Warning ProvisioningFailed storageclass.storage.k8s.io "gone" not found'],
        ['local', 'Warning ProvisioningFailed no volume plugin matched name: kubernetes.io/no-provisioner'],
        ['nfs', "Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'example.com/nfs' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."],
        ['later', 'Normal WaitForFirstConsumer waiting for first consumer to be created before binding'],
      ]),
    );
    expect((await claims.get('nfs')).metadata.annotations).toEqual({ 'volume.beta.kubernetes.io/storage-provisioner': 'example.com/nfs', 'volume.kubernetes.io/storage-provisioner': 'example.com/nfs' });
    const before = recorder.events.length;
    await cluster.advance(15_000);
    expect(recorder.events.length).toBe(before + 5);
    // a pod that mounts the WaitForFirstConsumer claim is what it waits for now
    await api.pods('default').create({ metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'later' } }] } as Pod['spec'] });
    await cluster.advance(15_000);
    expect(said().get('later')).toBe('Normal WaitForPodScheduled waiting for pod web to be scheduled');
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('fixes a claim\'s spec once made but for its binding, lets a bound claim grow only when its class allows it, and keeps a class\'s provisioner', async () => {
    const { post, send, registry } = bench();
    await post('/apis/storage.k8s.io/v1/storageclasses', { metadata: { name: 'fixed' }, provisioner: 'example.com/nfs' });
    await post('/api/v1/namespaces/default/persistentvolumeclaims', pvc('www', '1Gi', { storageClassName: 'fixed' }));
    const patch = (name: string, body: object) => send('PATCH', `/api/v1/namespaces/default/persistentvolumeclaims/${name}`, body, 'application/merge-patch+json');
    const changed = await patch('www', { spec: { accessModes: ['ReadWriteMany'] } });
    expect(changed.code).toBe(422);
    expect((changed.body as Status).message).toBe(
      'PersistentVolumeClaim "www" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n  spec.accessModes[0]: "ReadWriteOnce" → "ReadWriteMany"',
    );
    expect((await patch('www', { spec: { volumeName: 'data' } })).code).toBe(200);
    // bound: the request may grow, but only if the class allows expansion
    const stored = registry.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'www');
    registry.updateStatus('persistentvolumeclaims', 'default', { ...stored, status: { phase: 'Bound', capacity: { storage: '1Gi' } } });
    const grown = await patch('www', { spec: { resources: { requests: { storage: '2Gi' } } } });
    expect(grown.code).toBe(403);
    expect((grown.body as Status).message).toBe('persistentvolumeclaims "www" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    expect((await send('PATCH', '/apis/storage.k8s.io/v1/storageclasses/fixed', { allowVolumeExpansion: true }, 'application/merge-patch+json')).code).toBe(200);
    expect((await patch('www', { spec: { resources: { requests: { storage: '2Gi' } } } })).code).toBe(200);
    const provisioner = await send('PATCH', '/apis/storage.k8s.io/v1/storageclasses/fixed', { provisioner: 'example.com/other' }, 'application/merge-patch+json');
    expect((provisioner.body as Status).message).toBe('StorageClass.storage.k8s.io "fixed" is invalid: provisioner: Forbidden: updates to provisioner are forbidden.');
  });
});
