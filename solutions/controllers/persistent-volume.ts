/**
 * The persistent volume controller (kube-controller-manager's pkg/controller/volume/persistentvolume,
 * v1.32, "persistentvolume-binder"): binds each PersistentVolumeClaim to a PersistentVolume that
 * satisfies it, and moves volumes through their phases. Given code: no kata builds it; the
 * cluster's controller manager runs it beside Part IV's.
 *
 * ```
 * PV data 10Gi RWO class manual          -> Available
 * PVC www 1Gi RWO class manual           -> the smallest Available volume of its class that is big enough and has its modes:
 *   PV  data: spec.claimRef default/www (uid), annotation pv.kubernetes.io/bound-by-controller: "yes"; status Bound
 *   PVC www:  spec.volumeName data, annotations pv.kubernetes.io/bind-completed and bound-by-controller: "yes";
 *             status Bound, capacity 10Gi, accessModes [ReadWriteOnce]
 * kubectl delete pvc www                 -> PV data Released (Retain: it stays, with its claimRef, until you free it)
 * PVC other 1Gi, no class, no volume     -> Normal FailedBinding "no persistent volumes available for this claim and no storage class is set"
 * ```
 *
 * A claim of a class whose binding mode is WaitForFirstConsumer waits for the scheduler (event
 * WaitForFirstConsumer, or WaitForPodScheduled once a pod uses it); the scheduler binds it by
 * setting a volume's claimRef, or asks for one to be made by annotating the claim with the node it
 * chose, and this controller finishes the binding. A claim of a class no volume matches is left to
 * the class's provisioner: an external one (`example.com/nfs`) is named on the claim
 * (`volume.kubernetes.io/storage-provisioner`) and waited for (ExternalProvisioning), and
 * `kubernetes.io/no-provisioner` makes nothing (ProvisioningFailed). Every claim and volume is looked
 * at again every {@link PV_CLAIM_BINDER_SYNC_PERIOD_MS}, so a volume made later is found, and each
 * look at a claim still pending says so again (the event's count grows).
 *
 * Where it simplifies: no in-tree provisioner or recycler; a released volume whose policy is
 * Delete is deleted only when it was provisioned (its provisioner deletes it) or is a hostPath under
 * `/tmp/` (its object is deleted; the directory is left as it was), else it fails as upstream's
 * does (`host_path deleter only supports /tmp/.+ but received provided /mnt/data`); no volume
 * expansion, and no retroactive default class.
 *
 * @example
 * ```ts
 * const controller = new PersistentVolumeController({ client, clock, factory, recorder });
 * factory.start();
 * controller.run();
 * ```
 */
import { claimNamesOf, findBestMatch, isStatusError, isVolumeBoundToClaim, storageClassOf, volumeMismatch, type ApiClient } from '@kube/apiserver';
import { isDeepStrictEqual } from 'node:util';
import type { Clock, KubeObject, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass, Timer } from '@kube/kit';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** How often every claim and volume is looked at again (`--pvclaimbinder-sync-period`, 15 s). */
export const PV_CLAIM_BINDER_SYNC_PERIOD_MS = 15_000;
/** On a claim: the controller finished binding it. */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a claim or a volume: the controller (not you) set its volumeName or claimRef. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a claim: the node the scheduler chose, for a WaitForFirstConsumer volume to be made for. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** On a claim: the provisioner asked to make its volume. */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
/** The beta name of {@link ANN_STORAGE_PROVISIONER}, still written beside it. */
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a volume: the provisioner that made it (and deletes it, under the Delete policy). */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

/** What a {@link PersistentVolumeController} needs. */
export interface PersistentVolumeControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  recorder?: EventRecorder;
  onError?: (key: string, error: unknown) => void;
}

/** The object of a delete event, whether the informer saw it go or found it gone at a relist. */
function deleted<T extends KubeObject>(object: T | DeletedFinalStateUnknown<T>): T {
  return object instanceof DeletedFinalStateUnknown ? object.obj : object;
}

/** Binds claims to volumes and keeps both their phases. */
export class PersistentVolumeController {
  readonly volumes: SharedIndexInformer<PersistentVolume>;
  readonly claims: SharedIndexInformer<PersistentVolumeClaim>;
  readonly classes: SharedIndexInformer<StorageClass>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly claimQueue: RateLimitingQueue<string>;
  readonly volumeQueue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];
  private resync: Timer | undefined;

  constructor(options: PersistentVolumeControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.onError = options.onError;
    this.claimQueue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.volumeQueue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.volumes = options.factory.informerFor<PersistentVolume>('persistentvolumes');
    this.claims = options.factory.informerFor<PersistentVolumeClaim>('persistentvolumeclaims');
    this.classes = options.factory.informerFor<StorageClass>('storageclasses');
    this.pods = options.factory.pods();
    const claimKey = (claim: KubeObject) => `${claim.metadata.namespace}/${claim.metadata.name}`;
    const volumeChanged = (volume: PersistentVolume) => {
      this.volumeQueue.add(volume.metadata.name ?? '');
      // the claim it names may now bind, or must learn its volume went
      const ref = volume.spec?.claimRef;
      if (ref?.namespace && ref.name) this.claimQueue.add(`${ref.namespace}/${ref.name}`);
    };
    this.volumes.addEventHandler({ onAdd: volumeChanged, onUpdate: (_old, volume) => volumeChanged(volume), onDelete: (volume) => volumeChanged(deleted(volume)) });
    const claimChanged = (claim: PersistentVolumeClaim) => {
      this.claimQueue.add(claimKey(claim));
      if (claim.spec?.volumeName) this.volumeQueue.add(claim.spec.volumeName);
    };
    this.claims.addEventHandler({
      onAdd: claimChanged,
      onUpdate: (_old, claim) => claimChanged(claim),
      // a deleted claim releases its volume
      onDelete: (claim) => {
        const gone = deleted(claim);
        if (gone.spec?.volumeName) this.volumeQueue.add(gone.spec.volumeName);
        for (const volume of this.volumes.indexer.list()) if (volume.spec?.claimRef?.name === gone.metadata.name && volume.spec?.claimRef?.namespace === gone.metadata.namespace) this.volumeQueue.add(volume.metadata.name ?? '');
      },
    });
  }

  /** Starts `workers` workers on each queue and the periodic look at everything (the factory must be started too). */
  run(workers = 1): void {
    this.resync = this.clock.setInterval(() => {
      for (const claim of this.claims.indexer.list()) this.claimQueue.add(`${claim.metadata.namespace}/${claim.metadata.name}`);
      for (const volume of this.volumes.indexer.list()) this.volumeQueue.add(volume.metadata.name ?? '');
    }, PV_CLAIM_BINDER_SYNC_PERIOD_MS);
    this.workers.push(
      ...startWorkers(workers, { queue: this.claimQueue, sync: (key) => this.syncClaim(key), onError: this.onError }),
      ...startWorkers(workers, { queue: this.volumeQueue, sync: (key) => this.syncVolume(key), onError: this.onError }),
    );
  }

  /** Stops the workers (after their current sync) and the periodic look. */
  async stop(): Promise<void> {
    if (this.resync) this.clock.clearTimeout(this.resync);
    this.resync = undefined;
    this.claimQueue.shutDown();
    this.volumeQueue.shutDown();
    await Promise.all(this.workers);
  }

  /** One claim (syncClaim): bound once, it only checks its volume is still there and its own. */
  async syncClaim(key: string): Promise<void> {
    const claim = this.claims.indexer.getByKey(key);
    if (!claim) return;
    if (claim.metadata.annotations?.[ANN_BIND_COMPLETED] === undefined) await this.syncUnboundClaim(claim);
    else await this.syncBoundClaim(claim);
  }

  private async syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const wanted = claim.spec?.volumeName;
    if (!wanted) {
      const storageClass = this.classes.indexer.getByKey(storageClassOf(claim));
      const delayBinding = storageClass?.volumeBindingMode === 'WaitForFirstConsumer';
      const volume = findBestMatch(this.volumes.indexer.list(), claim, delayBinding);
      if (volume) return this.bind(volume, claim);
      if (delayBinding && claim.metadata.annotations?.[ANN_SELECTED_NODE] === undefined) this.waitForConsumer(claim);
      else if (storageClassOf(claim) !== '') claim = await this.provision(claim, storageClass);
      else this.recorder?.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      await this.setClaimPhase(claim, 'Pending');
      return;
    }
    // The claim asks for a volume by name.
    const volume = this.volumes.indexer.getByKey(wanted);
    if (!volume) return void (await this.setClaimPhase(claim, 'Pending'));
    if (!volume.spec?.claimRef || isVolumeBoundToClaim(volume, claim)) {
      const why = volumeMismatch(volume, claim);
      if (why !== undefined) {
        this.recorder?.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume ${JSON.stringify(wanted)}: ${why}`);
        return void (await this.setClaimPhase(claim, 'Pending'));
      }
      return this.bind(volume, claim);
    }
    // bound to another claim
    if (claim.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] === undefined) {
      this.recorder?.event(claim, 'Warning', 'FailedBinding', 'volume is already bound to a different claim');
      await this.setClaimPhase(claim, 'Pending');
    }
  }

  private async syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const name = claim.spec?.volumeName;
    const volume = name ? this.volumes.indexer.getByKey(name) : undefined;
    if (!volume) {
      if (claim.status?.phase !== 'Lost') this.recorder?.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return void (await this.setClaimPhase(claim, 'Lost'));
    }
    if (!volume.spec?.claimRef || isVolumeBoundToClaim(volume, claim)) return this.bind(volume, claim);
    if (claim.status?.phase !== 'Lost') this.recorder?.event(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    await this.setClaimPhase(claim, 'Lost');
  }

  /** emitEventForUnboundDelayBindingClaim: waiting for a pod, or for the pods that use it to be scheduled. */
  private waitForConsumer(claim: PersistentVolumeClaim): void {
    const waiting = this.pods.indexer
      .byIndex(NAMESPACE_INDEX, claim.metadata.namespace ?? '')
      .filter((pod) => !pod.spec?.nodeName && claimNamesOf(pod).includes(claim.metadata.name ?? ''))
      .map((pod) => pod.metadata.name)
      .sort();
    if (waiting.length === 0) this.recorder?.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    else this.recorder?.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for ${waiting.length > 1 ? 'pods' : 'pod'} ${waiting.join(',')} to be scheduled`);
  }

  /** provisionClaim: no provisioner runs in the controller; an external one is named on the claim and waited for. */
  private async provision(claim: PersistentVolumeClaim, storageClass: StorageClass | undefined): Promise<PersistentVolumeClaim> {
    if (!storageClass) {
      this.recorder?.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io ${JSON.stringify(storageClassOf(claim))} not found`);
      return claim;
    }
    const provisioner = storageClass.provisioner;
    if (provisioner.startsWith('kubernetes.io/')) {
      this.recorder?.event(claim, 'Warning', 'ProvisioningFailed', `no volume plugin matched name: ${provisioner}`);
      return claim;
    }
    const annotations = claim.metadata.annotations ?? {};
    if (annotations[ANN_STORAGE_PROVISIONER] !== provisioner || annotations[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
      claim = await this.client
        .resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace)
        .update({ ...claim, metadata: { ...claim.metadata, annotations: { ...annotations, [ANN_BETA_STORAGE_PROVISIONER]: provisioner, [ANN_STORAGE_PROVISIONER]: provisioner } } });
    }
    this.recorder?.event(
      claim,
      'Normal',
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
    return claim;
  }

  /**
   * bind: the volume names the claim (claimRef, with its uid) and is Bound; the claim names the
   * volume, is marked bind-completed and is Bound with the volume's capacity and modes. Each
   * write is made only if it changes something, so binding again what is bound writes nothing.
   */
  private async bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    const ref = volume.spec?.claimRef;
    if (!ref || ref.uid !== claim.metadata.uid || ref.resourceVersion === undefined) {
      const claimRef = { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion };
      const annotations = ref ? volume.metadata.annotations : { ...volume.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      volume = await this.client.resource<PersistentVolume>('persistentvolumes').update({ ...volume, metadata: { ...volume.metadata, ...(annotations && { annotations }) }, spec: { ...volume.spec, claimRef } });
    }
    await this.setVolumePhase(volume, 'Bound');
    const annotations = claim.metadata.annotations ?? {};
    if (claim.spec?.volumeName !== volume.metadata.name || annotations[ANN_BIND_COMPLETED] === undefined) {
      const byController: Record<string, string> = claim.spec?.volumeName !== volume.metadata.name ? { [ANN_BOUND_BY_CONTROLLER]: 'yes' } : {};
      claim = await this.client
        .resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace)
        .update({ ...claim, metadata: { ...claim.metadata, annotations: { ...annotations, [ANN_BIND_COMPLETED]: 'yes', ...byController } }, spec: { ...claim.spec, volumeName: volume.metadata.name } });
    }
    const status = { ...claim.status, phase: 'Bound', accessModes: volume.spec?.accessModes ?? [], capacity: volume.spec?.capacity ?? {} };
    if (!isDeepStrictEqual(claim.status ?? {}, status)) await this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace).updateStatus({ ...claim, status });
  }

  private async setClaimPhase(claim: PersistentVolumeClaim, phase: 'Pending' | 'Lost'): Promise<void> {
    if (claim.status?.phase === phase) return;
    await this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace).updateStatus({ ...claim, status: { ...claim.status, phase } });
  }

  /** A volume's new phase, with when it changed (lastPhaseTransitionTime) and, for Failed, why. */
  private async setVolumePhase(volume: PersistentVolume, phase: NonNullable<PersistentVolume['status']>['phase'], message?: string): Promise<PersistentVolume> {
    if (volume.status?.phase === phase && volume.status?.message === message) return volume;
    const status = { phase, ...(message !== undefined && { message }), lastPhaseTransitionTime: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    return this.client.resource<PersistentVolume>('persistentvolumes').updateStatus({ ...volume, status });
  }

  /** One volume (syncVolume): Available while free, Bound while its claim holds it, Released (then reclaimed) once the claim is gone. */
  async syncVolume(name: string): Promise<void> {
    const volume = this.volumes.indexer.getByKey(name);
    if (!volume) return;
    const ref = volume.spec?.claimRef;
    if (!ref) return void (await this.setVolumePhase(volume, 'Available'));
    // pre-bound by you to a claim not yet made or not yet bound: free for that claim only
    if (!ref.uid) return void (await this.setVolumePhase(volume, 'Available'));
    let claim = this.claims.indexer.getByKey(`${ref.namespace}/${ref.name}`);
    if (!claim) claim = await this.liveClaim(ref.namespace ?? '', ref.name ?? '');
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
    if (!claim) {
      const released = volume.status?.phase === 'Released' || volume.status?.phase === 'Failed' ? volume : await this.setVolumePhase(volume, 'Released');
      await this.reclaim(released);
      return;
    }
    if (!claim.spec?.volumeName) {
      // the claim's side of the binding is still to be written: its sync does it
      this.claimQueue.add(`${claim.metadata.namespace}/${claim.metadata.name}`);
      return;
    }
    if (claim.spec.volumeName === volume.metadata.name) return void (await this.setVolumePhase(volume, 'Bound'));
    // The claim went to another volume. One the controller bound is freed; one you pre-bound waits.
    if (volume.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER] !== undefined) {
      const { claimRef: _freed, ...spec } = volume.spec ?? {};
      const unbound = await this.client.resource<PersistentVolume>('persistentvolumes').update({ ...volume, spec });
      await this.setVolumePhase(unbound, 'Available');
    }
  }

  /** The claim from the apiserver, when the cache has not seen it yet (a claim made a moment ago must not release its volume). */
  private async liveClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    try {
      return await this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', namespace).get(name);
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** reclaimVolume: Retain keeps the volume; Delete deletes it where something can; Recycle is gone from v1.32's plugins. */
  private async reclaim(volume: PersistentVolume): Promise<void> {
    const policy = volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain' || volume.status?.phase === 'Failed') return;
    if (policy === 'Recycle') {
      const message = 'No recycler plugin found for the volume!';
      this.recorder?.event(volume, 'Warning', 'VolumeFailedRecycle', message);
      await this.setVolumePhase(volume, 'Failed', message);
      return;
    }
    // an external provisioner deletes the volumes it made
    if (volume.metadata.annotations?.[ANN_PROVISIONED_BY] !== undefined) return;
    const path = volume.spec?.hostPath?.path;
    const failure =
      path === undefined
        ? `error getting deleter volume plugin for volume ${JSON.stringify(volume.metadata.name)}: no deletable volume plugin matched`
        : /\/tmp\/.+/.test(path)
          ? undefined
          : `host_path deleter only supports /tmp/.+ but received provided ${path}`;
    if (failure !== undefined) {
      this.recorder?.event(volume, 'Warning', 'VolumeFailedDelete', failure);
      await this.setVolumePhase(volume, 'Failed', failure);
      return;
    }
    try {
      await this.client.resource<PersistentVolume>('persistentvolumes').delete(volume.metadata.name ?? '');
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
    }
  }
}
