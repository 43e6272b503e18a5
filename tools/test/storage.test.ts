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
  withZeroValues,
} from '@kube/apiserver';
import { PersistentVolumeController, PVCProtectionController, PVProtectionController, StatefulSetController } from '@kube/controllers';
import { MvccStore } from '@kube/etcd';
import { CycleState, NodeInfo, VolumeBinding, type VolumeListers } from '@kube/scheduler';
import { FakeClock, Random, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StatefulSet, type Status, type StorageClass, type VolumeAttachment } from '@kube/kit';

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

/**
 * Does `volume` hold `claim`, as the properties see it (written here, not borrowed from the code
 * under test): at least its size, its class, every access mode it asks for.
 */
function holds(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  return (
    toBytes(volume.spec!.capacity!.storage!) >= toBytes(claim.spec!.resources!.requests!.storage!) &&
    (volume.spec?.storageClassName ?? '') === (claim.spec?.storageClassName ?? '') &&
    (claim.spec?.accessModes ?? []).every((mode) => (volume.spec?.accessModes ?? []).includes(mode))
  );
}

/** A quantity of the sizes the properties use, in bytes. */
function toBytes(size: string): number {
  const units: Record<string, number> = { Mi: 2 ** 20, Gi: 2 ** 30 };
  const [, amount, unit] = /^(\d+)(Mi|Gi)$/.exec(size)!;
  return Number(amount) * units[unit!]!;
}

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

  it('keeps a claim while a scheduled pod mounts it and a volume while it is Bound, and lets each go once free', async () => {
    const { cluster, api, errors, stop } = await controllerOnCluster((parts) => {
      const claims = new PVCProtectionController(parts);
      const volumes = new PVProtectionController(parts);
      return { run: () => (claims.run(), volumes.run()), stop: async () => void (await Promise.all([claims.stop(), volumes.stop()])) };
    });
    const claims = api.resource<PersistentVolumeClaim>('persistentvolumeclaims', 'default');
    const volumes = api.resource<PersistentVolume>('persistentvolumes');
    await claims.create(pvc('www', '1Gi'));
    await volumes.create(pv('data', '1Gi'));
    await cluster.settle();
    expect((await claims.get('www')).metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect((await volumes.get('data')).metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    const mounting = (name: string, nodeName?: string) =>
      ({ metadata: { name }, spec: { containers: [{ name: 'web', image: 'nginx' }], ...(nodeName && { nodeName }), volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'www' } }] } }) as Pod;
    await api.pods('default').create(mounting('waiting'));
    await api.pods('default').create(mounting('running', 'node-1'));
    await claims.delete('www');
    await cluster.settle();
    expect((await claims.get('www')).metadata.deletionTimestamp).toBeDefined();
    await api.pods('default').delete('running', { gracePeriodSeconds: 0 });
    await cluster.settle();
    // the pod not yet scheduled does not hold it: the kubelet would not start it
    await expect(claims.get('www')).rejects.toThrow('persistentvolumeclaims "www" not found');
    await volumes.updateStatus({ ...(await volumes.get('data')), status: { phase: 'Bound' } });
    await volumes.delete('data');
    await cluster.settle();
    expect((await volumes.get('data')).metadata.deletionTimestamp).toBeDefined();
    await volumes.updateStatus({ ...(await volumes.get('data')), status: { phase: 'Released' } });
    await cluster.settle();
    await expect(volumes.get('data')).rejects.toThrow('persistentvolumes "data" not found');
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('gives each StatefulSet pod its own claim from each template, made first and mounted in place of a template volume of that name, with upstream\'s events; a claim the apiserver refuses stops the pod', async () => {
    const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => new StatefulSetController(parts));
    const sets = api.resource<StatefulSet>('statefulsets', 'default');
    const template = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'kubekata/echo' }], volumes: [{ name: 'www', emptyDir: {} }, { name: 'config', configMap: { name: 'web' } }] },
    } as StatefulSet['spec'] extends infer S ? S extends { template: infer T } ? T : never : never;
    const claim = (storage?: string): PersistentVolumeClaim => {
      const requests: Record<string, string> = storage === undefined ? {} : { storage };
      return { metadata: { name: 'www', labels: { tier: 'data' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests } } };
    };
    const set = await sets.create({
      metadata: { name: 'web' },
      spec: { replicas: 1, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template, volumeClaimTemplates: [claim('1Gi')], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } },
    });
    await cluster.settle();
    const made = await api.resource<PersistentVolumeClaim>('persistentvolumeclaims', 'default').get('www-web-0');
    expect(made.metadata.labels).toEqual({ tier: 'data', app: 'web' });
    expect(made.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid }]);
    const pod = await api.pods('default').get('web-0');
    expect((pod.spec as { volumes?: unknown[] }).volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }, { name: 'config', configMap: { name: 'web', defaultMode: 420 } }]);
    expect(recorder.events.map((e) => e.message)).toEqual(['create Claim www-web-0 Pod web-0 in StatefulSet web success', 'create Pod web-0 in StatefulSet web successful']);
    const refused = await sets.create({ metadata: { name: 'bad' }, spec: { replicas: 1, serviceName: 'bad', selector: { matchLabels: { app: 'web' } }, template, volumeClaimTemplates: [claim()] } });
    expect(refused.spec?.volumeClaimTemplates?.[0]).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    await cluster.settle();
    expect(recorder.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'FailedCreate', message: 'create Claim www-bad-0 for Pod bad-0 in StatefulSet bad failed error: PersistentVolumeClaim "www-bad-0" is invalid: spec.resources[storage]: Required value' });
    await expect(api.pods('default').get('bad-0')).rejects.toThrow('not found');
    expect(errors.length).toBeGreaterThan(0);
    await stop();
  });

  describe('properties', () => {
    type Real = Awaited<ReturnType<typeof binder>>;
    async function binder() {
      const parts = await controllerOnCluster((options) => new PersistentVolumeController(options));
      return { ...parts, volumes: parts.api.resource<PersistentVolume>('persistentvolumes'), claims: parts.api.resource<PersistentVolumeClaim>('persistentvolumeclaims', 'default'), made: 0 };
    }
    const SIZES = ['1Gi', '2Gi', '5Gi'];
    const CLASSES = ['', 'manual'];
    const MODES = [['ReadWriteOnce'], ['ReadWriteMany'], ['ReadWriteOnce', 'ReadWriteMany']];
    const show = (modes: string[]) => modes.map((m) => (m === 'ReadWriteOnce' ? 'RWO' : 'RWX')).join(',');
    const newVolume = ([size, storageClass, modes]: [number, number, number]): fc.AsyncCommand<object, Real> => ({
      check: () => true,
      run: async (_m, real) => void (await real.volumes.create(pv(`pv-${real.made++}`, SIZES[size]!, { storageClassName: CLASSES[storageClass]!, accessModes: MODES[modes]! }))),
      toString: () => `kubectl create a ${SIZES[size]} ${show(MODES[modes]!)} volume of class "${CLASSES[storageClass]}"`,
    });
    const newClaim = ([size, storageClass, modes]: [number, number, number]): fc.AsyncCommand<object, Real> => ({
      check: () => true,
      run: async (_m, real) => void (await real.claims.create(pvc(`pvc-${real.made++}`, SIZES[size]!, { storageClassName: CLASSES[storageClass]!, accessModes: MODES[modes]! }))),
      toString: () => `kubectl create a ${SIZES[size]} ${show(MODES[modes]!)} claim of class "${CLASSES[storageClass]}"`,
    });
    const deleteClaim = (i: number): fc.AsyncCommand<object, Real> => ({
      check: () => true,
      async run(_m, real) {
        const claims = (await real.claims.list()).items;
        const claim = claims[i % Math.max(1, claims.length)];
        if (claim) await real.claims.delete(claim.metadata.name!);
      },
      toString: () => `kubectl delete claim #${i}`,
    });
    const settle: fc.AsyncCommand<object, Real> = { check: () => true, run: async (_m, real) => real.cluster.settle(), toString: () => 'let the controller run' };
    const shape = fc.tuple(fc.nat(2), fc.nat(1), fc.nat(2));

    test.prop([fc.commands([shape.map(newVolume), shape.map(newClaim), fc.nat(4).map(deleteClaim), fc.constant(settle)], { maxCommands: 14 })], { numRuns: 100 })(
      'whatever volumes and claims come and go, once the controller has looked again each claim is bound to one volume that holds it, or none is free that could, and each volume of a deleted claim is Released',
      async (commands) => {
        const real = await binder();
        await fc.asyncModelRun(() => ({ model: {}, real }), commands);
        await real.cluster.advance(15_000);
        await real.cluster.advance(15_000);
        const volumes = (await real.volumes.list()).items;
        const claims = (await real.claims.list()).items;
        const holders = new Map<string, string>();
        for (const claim of claims) {
          if (claim.status?.phase === 'Bound') {
            const volume = volumes.find((v) => v.metadata.name === claim.spec?.volumeName)!;
            expect(volume.spec?.claimRef?.uid).toBe(claim.metadata.uid);
            expect(holds(volume, claim)).toBe(true);
            expect(claim.status.capacity).toEqual(volume.spec?.capacity);
            expect(holders.get(volume.metadata.name!)).toBeUndefined();
            holders.set(volume.metadata.name!, claim.metadata.name!);
          } else {
            expect(claim.status?.phase).toBe('Pending');
            expect(volumes.filter((v) => v.status?.phase === 'Available' && !v.spec?.claimRef && holds(v, claim))).toEqual([]);
          }
        }
        for (const volume of volumes) {
          const live = claims.some((c) => c.metadata.uid === volume.spec?.claimRef?.uid);
          expect(volume.status?.phase).toBe(!volume.spec?.claimRef ? 'Available' : live ? 'Bound' : 'Released');
        }
        // a write to a claim deleted meanwhile fails NotFound and is not retried: no fault either
        expect(faults(real.errors).filter((e) => !(e instanceof Error && /not found/.test(e.message)))).toEqual([]);
        await real.stop();
      },
    );

    const volumeArb = fc.record({ size: fc.constantFrom('500Mi', '1Gi', '1536Mi', '2Gi', '10Gi'), storageClass: fc.constantFrom('', 'fast'), modes: fc.constantFrom(...MODES), phase: fc.constantFrom('Available', 'Bound', 'Released'), claimed: fc.boolean() });
    test.prop([fc.array(volumeArb, { maxLength: 8 }), fc.record({ size: fc.constantFrom('1Gi', '2Gi'), storageClass: fc.constantFrom('', 'fast'), modes: fc.constantFrom(...MODES) })])(
      'the volume chosen for a claim holds it and is free, no free volume that holds it is smaller, and the order volumes are listed in changes only which of equal ones is chosen',
      (shapes, wanted) => {
        const volumes = shapes.map((v, i): PersistentVolume => ({
          ...pv(`pv-${i}`, v.size, { storageClassName: v.storageClass, accessModes: v.modes, ...(v.claimed && { claimRef: { namespace: 'other', name: 'x', uid: 'x' } }) }),
          status: { phase: v.phase },
        }));
        const claim = { ...pvc('www', wanted.size, { storageClassName: wanted.storageClass, accessModes: wanted.modes }), metadata: { name: 'www', namespace: 'default', uid: 'w' } };
        const free = volumes.filter((v) => v.status?.phase === 'Available' && !v.spec?.claimRef && holds(v, claim));
        const chosen = findBestMatch(volumes, claim, false);
        const bytes = (v: PersistentVolume | undefined) => (v ? toBytes(v.spec!.capacity!.storage!) : undefined);
        if (free.length === 0) expect(chosen).toBeUndefined();
        else {
          expect(free).toContain(chosen);
          expect(Math.min(...free.map((v) => bytes(v)!))).toBe(bytes(chosen));
        }
        expect(bytes(findBestMatch([...volumes].reverse(), claim, false))).toBe(bytes(chosen));
        // WaitForFirstConsumer: never a free volume, only one pre-bound to the claim
        expect(findBestMatch(volumes, claim, true)).toBeUndefined();
      },
    );
  });

  describe('the scheduler\'s VolumeBinding plugin', () => {
    const node = (name: string): NodeInfo => new NodeInfo({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } } as Node);
    const onNode = (name: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: [name] }] }] } });
    const classes: StorageClass[] = [
      { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
      { metadata: { name: 'nfs' }, provisioner: 'example.com/nfs', volumeBindingMode: 'WaitForFirstConsumer' },
      { metadata: { name: 'now' }, provisioner: 'example.com/nfs', volumeBindingMode: 'Immediate' },
    ];
    const listers = (claims: PersistentVolumeClaim[], volumes: PersistentVolume[]): VolumeListers => ({
      claim: (namespace, name) => claims.find((c) => c.metadata.namespace === namespace && c.metadata.name === name),
      storageClass: (name) => classes.find((c) => c.metadata.name === name),
      volumes: () => volumes,
    });
    const mounts = (...claims: string[]) => ({ metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'web', image: 'nginx' }], volumes: claims.map((claimName) => ({ name: claimName, persistentVolumeClaim: { claimName } })) } }) as Pod;
    const answers = (claims: PersistentVolumeClaim[], volumes: PersistentVolume[], pod: Pod): string[] => {
      const plugin = new VolumeBinding(listers(claims, volumes));
      const state = new CycleState();
      const preFilter = plugin.preFilter(state, pod);
      if (!preFilter.isSuccess()) return [preFilter.isSkip() ? 'Skip' : `${preFilter.code}: ${preFilter.message()}`];
      return ['node-1', 'node-2'].map((name) => {
        const status = plugin.filter(state, pod, node(name));
        return `${name}: ${status.isSuccess() ? 'fits' : `${status.code}: ${status.message()}`}`;
      });
    };
    const bound = (name: string, volume: string): PersistentVolumeClaim => ({ ...pvc(name, '1Gi'), spec: { ...pvc(name, '1Gi').spec, volumeName: volume }, status: { phase: 'Bound' } });
    const local = (name: string, on: string, storage = '1Gi'): PersistentVolume => ({ ...pv(name, storage, { storageClassName: 'local', nodeAffinity: onNode(on) }), status: { phase: 'Available' } });
    it.each([
      ['a pod that mounts no claim is skipped', [], [], mounts(), ['Skip']],
      ['a claim that does not exist turns the pod away from every node', [], [], mounts('www'), ['UnschedulableAndUnresolvable: persistentvolumeclaim "www" not found']],
      ['a claim being deleted turns it away', [{ ...pvc('www', '1Gi'), metadata: { name: 'www', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' } }], [], mounts('www'), ['UnschedulableAndUnresolvable: persistentvolumeclaim "www" is being deleted']],
      ['an unbound claim of a class that binds at once waits for the persistent volume controller', [pvc('www', '1Gi', { storageClassName: 'now' })], [], mounts('www'), ['UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims']],
      ['a claim bound to a volume of one node sends the pod to that node', [bound('www', 'disk')], [local('disk', 'node-2')], mounts('www'), ['node-1: UnschedulableAndUnresolvable: node(s) had volume node affinity conflict', 'node-2: fits']],
      ['a WaitForFirstConsumer claim goes where an Available volume fits it', [pvc('www', '1Gi', { storageClassName: 'local' })], [local('small', 'node-1', '500Mi'), local('disk', 'node-2')], mounts('www'), ["node-1: UnschedulableAndUnresolvable: node(s) didn't find available persistent volumes to bind", 'node-2: fits']],
      ['two claims need two volumes on the same node', [pvc('a', '1Gi', { storageClassName: 'local' }), pvc('b', '1Gi', { storageClassName: 'local' })], [local('one', 'node-1'), local('two', 'node-2'), local('three', 'node-2')], mounts('a', 'b'), ["node-1: UnschedulableAndUnresolvable: node(s) didn't find available persistent volumes to bind", 'node-2: fits']],
      ['a WaitForFirstConsumer claim of a class with a provisioner fits anywhere: its volume will be made there', [pvc('www', '1Gi', { storageClassName: 'nfs' })], [], mounts('www'), ['node-1: fits', 'node-2: fits']],
    ] as [string, PersistentVolumeClaim[], PersistentVolume[], Pod, string[]][])('%s', (_name, claims, volumes, pod, expected) => {
      expect(answers(claims, volumes, pod)).toEqual(expected);
    });
  });

  it('stores the CSI objects of storage.k8s.io/v1 as v1.32 does: a CSIDriver\'s defaults, a CSINode\'s drivers written null while it has none, a VolumeAttachment\'s fixed spec, and their tables', async () => {
    const { post, send, message, clock } = bench();
    const driver = (await post('/apis/storage.k8s.io/v1/csidrivers', { metadata: { name: 'hostpath.csi.k8s.io' }, spec: { tokenRequests: [{ audience: 'vault' }] } })).body;
    expect(driver.spec).toEqual({ attachRequired: true, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'], storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType', tokenRequests: [{ audience: 'vault' }], requiresRepublish: false, seLinuxMount: false });
    expect(await message('/apis/storage.k8s.io/v1/csidrivers', { metadata: { name: '-bad' }, spec: { volumeLifecycleModes: ['Forever'] } })).toBe(
      'CSIDriver.storage.k8s.io "-bad" is invalid: [metadata.name: Invalid value: "-bad": a valid CSI driver name must consist of alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character, spec.volumeLifecycleModes[0]: Unsupported value: "Forever": supported values: "Ephemeral", "Persistent"]',
    );
    const node = await post('/apis/storage.k8s.io/v1/csinodes', { metadata: { name: 'node-1' }, spec: { drivers: [] } });
    expect(node.code).toBe(201);
    // as the HTTP server writes it
    expect((withZeroValues(node.body) as { spec: object }).spec).toEqual({ drivers: null });
    expect(await message('/apis/storage.k8s.io/v1/csinodes', { metadata: { name: 'node-2' }, spec: { drivers: [{ name: 'hostpath.csi.k8s.io', nodeID: '' }] } })).toBe('CSINode.storage.k8s.io "node-2" is invalid: spec.drivers[0].nodeID: Required value');
    const attachment = (await post('/apis/storage.k8s.io/v1/volumeattachments', { metadata: { name: 'csi-1' }, spec: { attacher: 'hostpath.csi.k8s.io', nodeName: 'node-1', source: { persistentVolumeName: 'data' } } })).body;
    expect((withZeroValues(attachment) as VolumeAttachment).status).toEqual({ attached: false });
    expect(await message('/apis/storage.k8s.io/v1/volumeattachments', { metadata: { name: 'csi-2' }, spec: { attacher: 'hostpath.csi.k8s.io', nodeName: 'node-1', source: {} } })).toBe(
      'VolumeAttachment.storage.k8s.io "csi-2" is invalid: spec.source: Invalid value: {}: must specify exactly one of inlineVolumeSpec and persistentVolumeName',
    );
    const moved = await send('PATCH', '/apis/storage.k8s.io/v1/volumeattachments/csi-1', { spec: { nodeName: 'node-2' } }, 'application/merge-patch+json');
    expect((moved.body as Status).message).toContain('VolumeAttachment.storage.k8s.io "csi-1" is invalid: spec: Invalid value: ');
    expect((moved.body as Status).message).toContain(': field is immutable');
    await clock.advance(60_000);
    const rows = (kind: string, object: object) => (toTable([object] as never, kind, clock.now()) as { rows: { cells: unknown[] }[] }).rows[0]!.cells;
    expect(rows('CSIDriver', driver)).toEqual(['hostpath.csi.k8s.io', 'true', 'false', 'false', 'vault', 'false', 'Persistent', '60s']);
    expect(rows('CSINode', node.body)).toEqual(['node-1', 0, '60s']);
    expect(rows('VolumeAttachment', attachment)).toEqual(['csi-1', 'hostpath.csi.k8s.io', 'data', 'node-1', 'false', '60s']);
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
