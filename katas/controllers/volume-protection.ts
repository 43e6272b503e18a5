/**
 * The storage object in-use protection controllers (kube-controller-manager's
 * pkg/controller/volume/pvcprotection and pvprotection, v1.32): a claim a pod mounts, or a volume a
 * claim is bound to, is not deleted from under it. The StorageObjectInUseProtection admission plugin
 * gives each new claim and volume its finalizer; these controllers take it off once the object is
 * being deleted and nothing uses it. Given code: no kata builds them; the cluster's controller
 * manager runs them beside Part IV's.
 *
 * ```
 * kubectl delete pvc www        (pod web-0, on node-1, mounts it)
 *   www: deletionTimestamp set, finalizers [kubernetes.io/pvc-protection]: `kubectl get pvc` says Terminating
 * kubectl delete pod web-0
 *   the pod goes -> no scheduled pod mounts www -> the finalizer comes off -> www is deleted
 *   -> its volume is Released -> no longer Bound -> the pv-protection finalizer comes off a deleted volume
 * ```
 *
 * A pod uses a claim when it is scheduled (has a node) and names the claim in a volume, whatever its
 * phase, as upstream counts it: a pod not yet scheduled does not hold a claim being deleted, since
 * the kubelet will not start it.
 *
 * @example
 * ```ts
 * const claims = new PVCProtectionController({ client, clock, factory });
 * const volumes = new PVProtectionController({ client, clock, factory });
 * factory.start();
 * claims.run();
 * volumes.run();
 * ```
 */
import { claimNamesOf, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, type ApiClient } from '@kube/apiserver';
import type { Clock, KubeObject, PersistentVolume, PersistentVolumeClaim, Pod } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** What the protection controllers need. */
export interface VolumeProtectionControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  onError?: (key: string, error: unknown) => void;
}

/** The object with its finalizer added (`add`) or taken off; undefined when that changes nothing. */
function withFinalizer<T extends KubeObject>(object: T, finalizer: string, add: boolean): T | undefined {
  const finalizers = object.metadata.finalizers ?? [];
  if (finalizers.includes(finalizer) === add) return undefined;
  const next = add ? [...finalizers, finalizer] : finalizers.filter((name) => name !== finalizer);
  return { ...object, metadata: { ...object.metadata, finalizers: next } };
}

/** A queue of keys and its workers: the part both controllers share. */
abstract class ProtectionController {
  readonly queue: RateLimitingQueue<string>;
  protected readonly client: ApiClient;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: VolumeProtectionControllerOptions) {
    this.client = options.client;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: this.onError }));
  }

  /** Stops the workers, after their current sync. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One object: its finalizer on while it lives, off once it is being deleted and unused. */
  abstract sync(key: string): Promise<void>;
}

/** Keeps a claim a scheduled pod mounts (pvc-protection). */
export class PVCProtectionController extends ProtectionController {
  readonly claims: SharedIndexInformer<PersistentVolumeClaim>;
  readonly pods: SharedIndexInformer<Pod>;

  constructor(options: VolumeProtectionControllerOptions) {
    super(options);
    this.claims = options.factory.informerFor<PersistentVolumeClaim>('persistentvolumeclaims');
    this.pods = options.factory.pods();
    const claimKey = (claim: PersistentVolumeClaim) => `${claim.metadata.namespace}/${claim.metadata.name}`;
    this.claims.addEventHandler({ onAdd: (claim) => this.queue.add(claimKey(claim)), onUpdate: (_old, claim) => this.queue.add(claimKey(claim)) });
    // A pod that goes, or changes, may free the claims it names.
    const podChanged = (pod: Pod | DeletedFinalStateUnknown<Pod>) => {
      const seen = pod instanceof DeletedFinalStateUnknown ? pod.obj : pod;
      for (const name of claimNamesOf(seen)) this.queue.add(`${seen.metadata.namespace}/${name}`);
    };
    this.pods.addEventHandler({ onAdd: podChanged, onUpdate: (_old, pod) => podChanged(pod), onDelete: podChanged });
  }

  /**
   * Is a scheduled pod of the claim's namespace mounting it (podUsesPVC)? The cache first; when it
   * knows of none, a live list (askAPIServer): a pod made a moment ago may not be in the cache yet,
   * and a claim's finalizer taken off too soon cannot be put back.
   */
  async inUse(claim: PersistentVolumeClaim): Promise<boolean> {
    const namespace = claim.metadata.namespace ?? '';
    const uses = (pod: Pod) => Boolean(pod.spec?.nodeName) && claimNamesOf(pod).includes(claim.metadata.name ?? '');
    if (this.pods.indexer.byIndex(NAMESPACE_INDEX, namespace).some(uses)) return true;
    return (await this.client.pods(namespace).list()).items.some(uses);
  }

  async sync(key: string): Promise<void> {
    const claim = this.claims.indexer.getByKey(key);
    if (!claim) return;
    const deleting = claim.metadata.deletionTimestamp !== undefined;
    if (deleting && (await this.inUse(claim))) return;
    const next = withFinalizer(claim, PVC_PROTECTION_FINALIZER, !deleting);
    if (next) await this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace).update(next);
  }
}

/** Keeps a volume a claim is bound to (pv-protection). */
export class PVProtectionController extends ProtectionController {
  readonly volumes: SharedIndexInformer<PersistentVolume>;

  constructor(options: VolumeProtectionControllerOptions) {
    super(options);
    this.volumes = options.factory.informerFor<PersistentVolume>('persistentvolumes');
    const enqueue = (volume: PersistentVolume) => this.queue.add(volume.metadata.name ?? '');
    this.volumes.addEventHandler({ onAdd: enqueue, onUpdate: (_old, volume) => enqueue(volume) });
  }

  async sync(key: string): Promise<void> {
    const volume = this.volumes.indexer.getByKey(key);
    if (!volume) return;
    const deleting = volume.metadata.deletionTimestamp !== undefined;
    // in use while Bound (isVolumeInUse): the persistent volume controller releases it once its claim is gone
    if (deleting && volume.status?.phase === 'Bound') return;
    const next = withFinalizer(volume, PV_PROTECTION_FINALIZER, !deleting);
    if (next) await this.client.resource<PersistentVolume>('persistentvolumes').update(next);
  }
}
