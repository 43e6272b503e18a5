/**
 * The admission plugins of storage, as kube-apiserver v1.32 runs them by default (given code,
 * beyond the katas; upstream: plugin/pkg/admission/storage/storageclass/setdefault,
 * storage/storageobjectinuseprotection and storage/persistentvolume/resize).
 *
 * | plugin | on | does |
 * | --- | --- | --- |
 * | DefaultStorageClass | a claim created without `storageClassName` | gives it the default class (the newest, when several say they are) |
 * | StorageObjectInUseProtection | a claim or a volume created | adds `kubernetes.io/pvc-protection` or `kubernetes.io/pv-protection`: deleting one still in use waits |
 * | PersistentVolumeClaimResize | a claim's storage request raised | refuses it unless the claim is bound and its class allows expansion |
 *
 * ```
 * kubectl apply -f www.yaml      # a claim that names no class, with "standard" the default
 *   stored: spec.storageClassName standard, metadata.finalizers [kubernetes.io/pvc-protection]
 * kubectl patch pvc www -p '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}'    # class without allowVolumeExpansion
 *   persistentvolumeclaims "www" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize
 * ```
 */
import type { PersistentVolumeClaim, StorageClass } from '@kube/kit';
import type { AdmissionPlugin } from './admission.ts';
import type { AdmissionRequest } from './auth-api.ts';
import { parseQuantity } from './quantity.ts';
import { forbidden } from './status.ts';
import { BETA_STORAGE_CLASS_ANNOTATION, isDefaultClass, storageClassOf } from './storage-strategy.ts';

/** The finalizer that keeps a claim while a pod uses it (the pvc-protection controller removes it). */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
/** The finalizer that keeps a volume while a claim is bound to it (the pv-protection controller removes it). */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** Lists the StorageClasses (the registry's, in the apiserver). */
export type StorageClassLister = () => readonly StorageClass[] | Promise<readonly StorageClass[]>;

/** The default class among `classes`: the newest of those marked default (by creation, then name), if any. */
export function defaultStorageClassOf(classes: readonly StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter(isDefaultClass);
  return [...defaults].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

/** Is this request the create of a `resource` itself (no subresource)? */
function creates(request: AdmissionRequest, resource: string): boolean {
  return request.operation === 'CREATE' && request.attributes.resource === resource && request.attributes.subresource === '' && request.object !== undefined;
}

/**
 * DefaultStorageClass: a claim created without a class gets the default one's name. A claim that
 * says `storageClassName: ""` asks for none and keeps it; with no default class, the claim is left
 * without one (the persistent volume controller gives it one later, if a default appears).
 */
export class DefaultStorageClass implements AdmissionPlugin {
  readonly name = 'DefaultStorageClass';

  constructor(private readonly classes: StorageClassLister) {}

  async admit(request: AdmissionRequest): Promise<void> {
    if (!creates(request, 'persistentvolumeclaims')) return;
    const claim = request.object as PersistentVolumeClaim;
    if (claim.spec?.storageClassName !== undefined || claim.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return;
    const chosen = defaultStorageClassOf(await this.classes());
    if (chosen) claim.spec = { ...claim.spec, storageClassName: chosen.metadata.name };
  }
}

/**
 * StorageObjectInUseProtection: every new claim and volume carries its protection finalizer, so
 * that `kubectl delete pvc` of a claim a pod mounts leaves it Terminating until the pod is gone.
 */
export class StorageObjectInUseProtection implements AdmissionPlugin {
  readonly name = 'StorageObjectInUseProtection';

  admit(request: AdmissionRequest): void {
    const finalizer = creates(request, 'persistentvolumeclaims') ? PVC_PROTECTION_FINALIZER : creates(request, 'persistentvolumes') ? PV_PROTECTION_FINALIZER : undefined;
    if (finalizer === undefined) return;
    const meta = request.object!.metadata;
    if (!(meta.finalizers ?? []).includes(finalizer)) meta.finalizers = [...(meta.finalizers ?? []), finalizer];
  }
}

/**
 * PersistentVolumeClaimResize: a claim's storage request may grow only once it is bound, and only
 * when its class says `allowVolumeExpansion: true`.
 */
export class PersistentVolumeClaimResize implements AdmissionPlugin {
  readonly name = 'PersistentVolumeClaimResize';

  constructor(private readonly classes: StorageClassLister) {}

  async validate(request: AdmissionRequest): Promise<void> {
    const { attributes, operation, object, oldObject } = request;
    if (operation !== 'UPDATE' || attributes.resource !== 'persistentvolumeclaims' || attributes.subresource !== '' || !object || !oldObject) return;
    const claim = object as PersistentVolumeClaim;
    const was = oldObject as PersistentVolumeClaim;
    if (!grows(was.spec?.resources?.requests?.storage, claim.spec?.resources?.requests?.storage)) return;
    // An unbound claim's request may not change at all: validation refuses it (upstream validates before this plugin runs).
    if (was.status?.phase !== 'Bound') return;
    const className = storageClassOf(was);
    const storageClass = className === '' ? undefined : (await this.classes()).find((c) => c.metadata.name === className);
    if (storageClass?.allowVolumeExpansion !== true) {
      throw forbidden('persistentvolumeclaims', attributes.name, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    }
  }
}

function grows(before: string | undefined, after: string | undefined): boolean {
  if (before === undefined || after === undefined) return false;
  try {
    return parseQuantity(after).cmp(parseQuantity(before)) > 0;
  } catch {
    return false;
  }
}
