/**
 * PersistentVolumes, PersistentVolumeClaims (core/v1) and StorageClasses (storage.k8s.io/v1) as
 * kube-apiserver stores them: defaults, validation and what an update may change. Given code,
 * beyond the katas (upstream v1.32: `pkg/apis/core/v1/defaults.go` SetDefaults_PersistentVolume and
 * SetDefaults_PersistentVolumeClaim, `pkg/apis/storage/v1/defaults.go`, `pkg/apis/core/validation`
 * ValidatePersistentVolume, ValidatePersistentVolumeClaim and their updates,
 * `pkg/apis/storage/validation` ValidateStorageClass, and the registries' strategies).
 *
 * ```
 * POST a PersistentVolume {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /mnt/data}}:
 *   spec.persistentVolumeReclaimPolicy   Retain        spec.volumeMode   Filesystem
 *   spec.hostPath.type                   ""            status            {phase: Pending, lastPhaseTransitionTime: <now>}
 * POST a PersistentVolumeClaim without accessModes:
 *   422  spec.accessModes: Required value: at least 1 access mode is required
 * PATCH the claim's storageClassName:
 *   422  spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims
 * POST a StorageClass {provisioner: example.com/nfs}:
 *   reclaimPolicy Delete, volumeBindingMode Immediate
 * ```
 *
 * The CSI objects of storage.k8s.io/v1 are stored and checked too — CSIDrivers, CSINodes (the
 * cluster's kubelets make one each), VolumeAttachments and CSIStorageCapacities — though no CSI
 * driver runs here.
 *
 * Where it simplifies: the volume sources checked are hostPath, local, nfs and csi (another
 * upstream source is stored as sent, and counted as a source); an immutability error lists the
 * changed fields one a line where upstream prints a Go diff.
 */
import type { CSIDriver, CSINode, CSIStorageCapacity, KubeObject, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec, StatusCause, StorageClass, VolumeAttachment } from '@kube/kit';
import { at, forbiddenField, invalidField, requiredField, tooLongField, unsupportedField } from './field-errors.ts';
import { isDNS1123Subdomain, isQualifiedName } from './names.ts';
import { parseQuantity } from './quantity.ts';
import { canonicalAmounts } from './resource-quota.ts';
import { differences } from './update-validation.ts';
import { validateLabelSelector, validateObjectMeta } from './validation.ts';

/** The access modes upstream knows, in the order its messages list them. */
export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
/** The annotation that makes a StorageClass the default one (`"true"`); the beta one still counts. */
export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** The beta name of {@link IS_DEFAULT_CLASS_ANNOTATION}, still honoured. */
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
/** The beta annotation that named a claim's or a volume's class before `storageClassName`; it wins when present. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * The volume sources a PersistentVolume may have, exactly one of them (PersistentVolumeSource):
 * the kit types hostPath, local, nfs and csi; the others are stored as sent.
 */
const VOLUME_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi',
] as const;

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/** The class a claim or a volume belongs to: the beta annotation if present, else storageClassName ('' for none). */
export function storageClassOf(obj: PersistentVolume | PersistentVolumeClaim): string {
  return obj.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? obj.spec?.storageClassName ?? '';
}

/** Is this StorageClass marked the default? */
export function isDefaultClass(storageClass: StorageClass): boolean {
  const annotations = storageClass.metadata.annotations ?? {};
  return annotations[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || annotations[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** SetDefaults_PersistentVolume: Retain, Filesystem, and a hostPath's type "". */
export function defaultPersistentVolume(pv: PersistentVolume): void {
  const spec = (pv.spec ??= {});
  spec.persistentVolumeReclaimPolicy ??= 'Retain';
  if (spec.capacity) spec.capacity = canonicalAmounts(spec.capacity);
  spec.volumeMode ??= 'Filesystem';
  if (spec.hostPath) spec.hostPath.type ??= '';
}

/** The strategy's PrepareForCreate: a new volume is Pending, since it was made (the LastPhaseTransitionTime gate is GA in v1.31). */
export function preparePersistentVolumeForCreate(pv: PersistentVolume): void {
  pv.status = { phase: 'Pending', ...(pv.metadata.creationTimestamp && { lastPhaseTransitionTime: pv.metadata.creationTimestamp }) };
}

/** SetDefaults_PersistentVolumeClaim: Filesystem. (A new claim is Pending: {@link preparePersistentVolumeClaimForCreate}.) */
export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  const spec = (pvc.spec ??= {});
  spec.volumeMode ??= 'Filesystem';
  // quantities are stored as Go writes them back: `1024Mi` is `1Gi`
  if (spec.resources?.requests) spec.resources.requests = canonicalAmounts(spec.resources.requests);
  if (spec.resources?.limits) spec.resources.limits = canonicalAmounts(spec.resources.limits);
}

/** The strategy's PrepareForCreate: a new claim is Pending, whatever status it was sent with. */
export function preparePersistentVolumeClaimForCreate(pvc: PersistentVolumeClaim): void {
  pvc.status = { phase: 'Pending' };
}

/** pkg/apis/storage/v1 defaults: a class's volumes are deleted with their claims, and bound at once. */
export function defaultStorageClass(storageClass: StorageClass): void {
  storageClass.reclaimPolicy ??= 'Delete';
  storageClass.volumeBindingMode ??= 'Immediate';
}

/** Access modes: at least one (`required` says what upstream adds), each known, ReadWriteOncePod alone. */
function validateAccessModes(modes: readonly string[] | undefined, path: string, required?: string): StatusCause[] {
  if (!modes || modes.length === 0) return [requiredField(path, required)];
  const errors: StatusCause[] = modes.filter((mode) => !(ACCESS_MODES as readonly string[]).includes(mode)).map((mode) => unsupportedField(path, mode, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errors.push(forbiddenField(path, 'may not use ReadWriteOncePod with other access modes'));
  return errors;
}

/** A quantity that must parse and be greater than zero (ValidatePositiveQuantityValue). */
function validatePositiveQuantity(value: unknown, path: string): StatusCause[] {
  try {
    const quantity = parseQuantity(String(value));
    if (quantity.isZero() || quantity.cmp(parseQuantity('0')) < 0) return [invalidField(path, String(value), 'must be greater than zero')];
    return [];
  } catch (error) {
    return [invalidField(path, String(value), (error as Error).message)];
  }
}

function validateClassName(name: string | undefined, path: string): StatusCause[] {
  if (!name) return [];
  return isDNS1123Subdomain(name).map((message) => invalidField(path, name, message));
}

function validateVolumeMode(mode: string | undefined, path: string): StatusCause[] {
  return mode === undefined || mode === 'Filesystem' || mode === 'Block' ? [] : [unsupportedField(path, mode, ['Block', 'Filesystem'])];
}

/** ValidatePersistentVolume: the name, the capacity, the access modes, exactly one source and its fields. */
export function validatePersistentVolume(obj: KubeObject): StatusCause[] {
  const pv = obj as PersistentVolume;
  const errors: StatusCause[] = validateObjectMeta(pv.metadata, false, isDNS1123Subdomain);
  const spec = (pv.spec ?? {}) as NonNullable<PersistentVolume['spec']> & Record<string, unknown>;
  errors.push(...validateAccessModes(spec.accessModes, at('spec', 'accessModes')));
  const capacity = spec.capacity ?? {};
  if (Object.keys(capacity).length === 0) errors.push(requiredField(at('spec', 'capacity')));
  else if (!('storage' in capacity) || Object.keys(capacity).length > 1) errors.push(unsupportedField(at('spec', 'capacity'), capacity, ['storage']));
  for (const [name, value] of Object.entries(capacity)) errors.push(...validatePositiveQuantity(value, at('spec', 'capacity', { key: name })));
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !['Delete', 'Recycle', 'Retain'].includes(policy)) errors.push(unsupportedField(at('spec', 'persistentVolumeReclaimPolicy'), policy, ['Delete', 'Recycle', 'Retain']));
  errors.push(...validateClassName(spec.storageClassName, at('spec', 'storageClassName')));
  errors.push(...validateVolumeMode(spec.volumeMode, at('spec', 'volumeMode')));
  const sources = VOLUME_SOURCES.filter((source) => spec[source] !== undefined && spec[source] !== null);
  if (sources.length === 0) errors.push(requiredField('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errors.push(forbiddenField(at('spec', extra), 'may not specify more than 1 volume type'));
  if (spec.hostPath) {
    const path = spec.hostPath.path;
    if (!path) errors.push(requiredField(at('spec', 'hostPath', 'path')));
    else if (path.split('/').includes('..')) errors.push(invalidField(at('spec', 'hostPath', 'path'), path, "must not contain '..'"));
    const type = spec.hostPath.type;
    if (type !== undefined && !HOST_PATH_TYPES.includes(type)) errors.push(unsupportedField(at('spec', 'hostPath', 'type'), type, HOST_PATH_TYPES));
  }
  if (spec.local) {
    if (!spec.local.path) errors.push(requiredField(at('spec', 'local', 'path')));
    if (!spec.nodeAffinity) errors.push(requiredField(at('spec', 'nodeAffinity'), 'Local volumes require node affinity'));
  }
  if (spec.nfs) {
    if (!spec.nfs.server) errors.push(requiredField(at('spec', 'nfs', 'server')));
    if (!spec.nfs.path) errors.push(requiredField(at('spec', 'nfs', 'path')));
    else if (!spec.nfs.path.startsWith('/')) errors.push(invalidField(at('spec', 'nfs', 'path'), spec.nfs.path, 'must be an absolute path'));
  }
  if (spec.csi) {
    if (!spec.csi.driver) errors.push(requiredField(at('spec', 'csi', 'driver')));
    if (!spec.csi.volumeHandle) errors.push(requiredField(at('spec', 'csi', 'volumeHandle')));
  }
  const required = spec.nodeAffinity?.required;
  if (spec.nodeAffinity && required !== undefined && (required.nodeSelectorTerms ?? []).length === 0) {
    errors.push(requiredField(at('spec', 'nodeAffinity', 'required', 'nodeSelectorTerms'), 'must have at least one node selector term'));
  }
  return errors;
}

/**
 * ValidatePersistentVolumeUpdate: the source may not change, nor the volume mode; node affinity
 * once set may not either. Capacity, access modes, the reclaim policy and the claim may.
 */
export function validatePersistentVolumeUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const now = ((next as PersistentVolume).spec ?? {}) as Record<string, unknown>;
  const was = ((stored as PersistentVolume).spec ?? {}) as Record<string, unknown>;
  const errors: StatusCause[] = [];
  const changed = VOLUME_SOURCES.flatMap((source) => differences(now[source], was[source], source));
  if (changed.length > 0) errors.push(forbiddenField(at('spec', 'persistentvolumesource'), `spec.persistentvolumesource is immutable after creation\n${changed.map((line) => `  ${line}`).join('\n')}`));
  if (now.volumeMode !== was.volumeMode) errors.push(invalidField('volumeMode', now.volumeMode, 'field is immutable'));
  if (was.nodeAffinity !== undefined && differences(now.nodeAffinity, was.nodeAffinity, '').length > 0) errors.push(invalidField(at('spec', 'nodeAffinity'), now.nodeAffinity, 'field is immutable'));
  return errors;
}

/** ValidatePersistentVolumeClaimSpec: access modes, a positive storage request, the selector, the class. */
export function validatePersistentVolumeClaimSpec(spec: PersistentVolumeClaimSpec | undefined, path: string): StatusCause[] {
  const errors = validateAccessModes(spec?.accessModes, at(path, 'accessModes'), 'at least 1 access mode is required');
  if (spec?.selector) errors.push(...validateLabelSelector(spec.selector, at(path, 'selector')));
  const storage = spec?.resources?.requests?.storage;
  if (storage === undefined) errors.push(requiredField(at(path, 'resources', { key: 'storage' })));
  else errors.push(...validatePositiveQuantity(storage, at(path, 'resources', { key: 'storage' })));
  errors.push(...validateClassName(spec?.storageClassName, at(path, 'storageClassName')));
  errors.push(...validateVolumeMode(spec?.volumeMode, at(path, 'volumeMode')));
  return errors;
}

/** ValidatePersistentVolumeClaim: its name and its spec. */
export function validatePersistentVolumeClaim(obj: KubeObject): StatusCause[] {
  const pvc = obj as PersistentVolumeClaim;
  return [...validateObjectMeta(pvc.metadata, true, isDNS1123Subdomain), ...validatePersistentVolumeClaimSpec(pvc.spec, 'spec')];
}

/** Upstream's words (v1.32) for a claim's spec changed where it may not be. */
export const CLAIM_SPEC_IMMUTABLE = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is fixed once made, but for binding (a volumeName
 * set where there was none), a class set where there was none (a default class given later), and,
 * for a bound claim, its storage request — which may not go below what its volume has (the
 * RecoverVolumeExpansionFailure gate, beta and on in v1.32).
 */
export function validatePersistentVolumeClaimUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const now = structuredClone((next as PersistentVolumeClaim).spec ?? {});
  const was = structuredClone((stored as PersistentVolumeClaim).spec ?? {});
  if (!was.volumeName) was.volumeName = now.volumeName;
  if (was.storageClassName === undefined) was.storageClassName = now.storageClassName;
  was.volumeAttributesClassName = now.volumeAttributesClassName;
  const bound = (stored as PersistentVolumeClaim).status?.phase === 'Bound';
  const errors: StatusCause[] = [];
  const newSize = now.resources?.requests?.storage;
  const oldSize = was.resources?.requests?.storage;
  if (bound && now.resources?.requests) {
    now.resources = { ...now.resources, requests: { ...now.resources.requests, ...(oldSize !== undefined && { storage: oldSize }) } };
    const capacity = (stored as PersistentVolumeClaim).status?.capacity?.storage;
    if (newSize !== undefined && oldSize !== undefined && capacity !== undefined && smaller(newSize, oldSize) && !smaller(capacity, newSize)) {
      errors.push(forbiddenField(at('spec', 'resources', 'requests', 'storage'), 'field can not be less than status.capacity'));
    }
  }
  const changed = differences(now, was, 'spec');
  if (changed.length > 0) errors.unshift(forbiddenField('spec', `${CLAIM_SPEC_IMMUTABLE}\n${changed.map((line) => `  ${line}`).join('\n')}`));
  return errors;
}

function smaller(a: string, b: string): boolean {
  try {
    return parseQuantity(a).cmp(parseQuantity(b)) < 0;
  } catch {
    return false;
  }
}

/** ValidateStorageClass: a provisioner named as a qualified name, known policies and binding modes. */
export function validateStorageClass(obj: KubeObject): StatusCause[] {
  const storageClass = obj as StorageClass;
  const errors: StatusCause[] = validateObjectMeta(storageClass.metadata, false, isDNS1123Subdomain);
  if (!storageClass.provisioner) errors.push(requiredField('provisioner'));
  else errors.push(...isQualifiedName(storageClass.provisioner.toLowerCase()).map((message) => invalidField('provisioner', storageClass.provisioner, message)));
  const policy = storageClass.reclaimPolicy;
  if (policy !== undefined && policy !== 'Delete' && policy !== 'Retain') errors.push(unsupportedField('reclaimPolicy', policy, ['Delete', 'Retain']));
  const mode = storageClass.volumeBindingMode;
  if (mode === undefined) errors.push(requiredField('volumeBindingMode'));
  else if (mode !== 'Immediate' && mode !== 'WaitForFirstConsumer') errors.push(unsupportedField('volumeBindingMode', mode, ['Immediate', 'WaitForFirstConsumer']));
  return errors;
}

/** ValidateStorageClassUpdate: parameters, provisioner, reclaim policy and binding mode are fixed; allowVolumeExpansion may change. */
export function validateStorageClassUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const now = next as StorageClass;
  const was = stored as StorageClass;
  const errors: StatusCause[] = [];
  if (differences(now.parameters, was.parameters, '').length > 0) errors.push(forbiddenField('parameters', 'updates to parameters are forbidden.'));
  if (now.provisioner !== was.provisioner) errors.push(forbiddenField('provisioner', 'updates to provisioner are forbidden.'));
  if (now.reclaimPolicy !== was.reclaimPolicy) errors.push(forbiddenField('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (now.volumeBindingMode !== was.volumeBindingMode) errors.push(invalidField('volumeBindingMode', now.volumeBindingMode, 'field is immutable'));
  return errors;
}

/** A CSI driver's name (validateCSIDriverName): at most 63 characters, alphanumerics, `-` and `.`, starting and ending alphanumeric. */
function validateDriverName(name: string | undefined, path: string): StatusCause[] {
  if (!name) return [requiredField(path)];
  const errors: StatusCause[] = [];
  if (name.length > 63) errors.push(tooLongField(path, 63));
  if (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(name)) {
    errors.push(invalidField(path, name, "a valid CSI driver name must consist of alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
  }
  return errors;
}

/** SetDefaults_CSIDriver: attach required, no pod info, Persistent, no capacity tracking, fsGroup by type, no republish, no SELinux mount. */
export function defaultCSIDriver(driver: CSIDriver): void {
  const spec = (driver.spec ??= {});
  spec.attachRequired ??= true;
  spec.podInfoOnMount ??= false;
  if (!spec.volumeLifecycleModes || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
  spec.storageCapacity ??= false;
  spec.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
  spec.requiresRepublish ??= false;
  spec.seLinuxMount ??= false;
}

/** ValidateCSIDriver: its name a driver's, known lifecycle modes and fsGroup policy, distinct token audiences. */
export function validateCSIDriver(obj: KubeObject): StatusCause[] {
  const driver = obj as CSIDriver;
  // its name is checked as a driver's, not as a DNS subdomain
  const errors: StatusCause[] = validateObjectMeta(driver.metadata, false, () => []);
  if (driver.metadata.name) errors.push(...validateDriverName(driver.metadata.name, 'metadata.name'));
  const spec = driver.spec ?? {};
  for (const [i, mode] of (spec.volumeLifecycleModes ?? []).entries()) {
    if (mode !== 'Persistent' && mode !== 'Ephemeral') errors.push(unsupportedField(at('spec', 'volumeLifecycleModes', i), mode, ['Ephemeral', 'Persistent']));
  }
  const policy = spec.fsGroupPolicy;
  if (policy !== undefined && !['File', 'None', 'ReadWriteOnceWithFSType'].includes(policy)) errors.push(unsupportedField(at('spec', 'fsGroupPolicy'), policy, ['File', 'None', 'ReadWriteOnceWithFSType']));
  const audiences = new Set<string>();
  for (const [i, request] of (spec.tokenRequests ?? []).entries()) {
    if (audiences.has(request.audience)) errors.push({ reason: 'FieldValueDuplicate', field: at('spec', 'tokenRequests', i, 'audience'), message: `Duplicate value: ${JSON.stringify(request.audience)}` });
    audiences.add(request.audience);
  }
  return errors;
}

/** ValidateCSIDriverUpdate: whether volumes are attached, and how they live, stay as they were. */
export function validateCSIDriverUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const now = (next as CSIDriver).spec ?? {};
  const was = (stored as CSIDriver).spec ?? {};
  const errors: StatusCause[] = [];
  if (now.attachRequired !== was.attachRequired) errors.push(invalidField(at('spec', 'attachRequired'), now.attachRequired, 'field is immutable'));
  if (differences(now.volumeLifecycleModes, was.volumeLifecycleModes, '').length > 0) errors.push(invalidField(at('spec', 'volumeLifecycleModes'), now.volumeLifecycleModes, 'field is immutable'));
  return errors;
}

/** ValidateCSINode: each driver named as a driver is, once, with a node ID of at most 256 characters. */
export function validateCSINode(obj: KubeObject): StatusCause[] {
  const node = obj as CSINode;
  const errors: StatusCause[] = validateObjectMeta(node.metadata, false, isDNS1123Subdomain);
  const seen = new Set<string>();
  for (const [i, driver] of (node.spec?.drivers ?? []).entries()) {
    errors.push(...validateDriverName(driver.name, at('spec', 'drivers', i, 'name')));
    if (seen.has(driver.name)) errors.push({ reason: 'FieldValueDuplicate', field: at('spec', 'drivers', i, 'name'), message: `Duplicate value: ${JSON.stringify(driver.name)}` });
    seen.add(driver.name);
    if (!driver.nodeID) errors.push(requiredField(at('spec', 'drivers', i, 'nodeID')));
    else if (driver.nodeID.length > 256) errors.push(invalidField(at('spec', 'drivers', i, 'nodeID'), driver.nodeID, 'must be 256 characters or less'));
  }
  return errors;
}

/** ValidateVolumeAttachment: an attacher, a node, and exactly one source. */
export function validateVolumeAttachment(obj: KubeObject): StatusCause[] {
  const attachment = obj as VolumeAttachment;
  const errors: StatusCause[] = validateObjectMeta(attachment.metadata, false, isDNS1123Subdomain);
  errors.push(...validateDriverName(attachment.spec?.attacher, at('spec', 'attacher')));
  if (!attachment.spec?.nodeName) errors.push(requiredField(at('spec', 'nodeName')));
  const source = (attachment.spec?.source ?? {}) as Record<string, unknown>;
  const given = ['persistentVolumeName', 'inlineVolumeSpec'].filter((field) => source[field] !== undefined && source[field] !== '');
  if (given.length !== 1) errors.push(invalidField(at('spec', 'source'), source, 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  return errors;
}

/** ValidateVolumeAttachmentUpdate: the spec is fixed once made; only the attacher writes the status. */
export function validateVolumeAttachmentUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const now = (next as VolumeAttachment).spec;
  return differences(now, (stored as VolumeAttachment).spec, '').length > 0 ? [invalidField('spec', now, 'field is immutable')] : [];
}

/** ValidateCSIStorageCapacity: a class, amounts not negative, a valid topology selector. */
export function validateCSIStorageCapacity(obj: KubeObject): StatusCause[] {
  const capacity = obj as CSIStorageCapacity;
  const errors: StatusCause[] = validateObjectMeta(capacity.metadata, true, isDNS1123Subdomain);
  if (!capacity.storageClassName) errors.push(requiredField('storageClassName'));
  else errors.push(...validateClassName(capacity.storageClassName, 'storageClassName'));
  for (const field of ['capacity', 'maximumVolumeSize'] as const) {
    const amount = capacity[field];
    if (amount === undefined) continue;
    try {
      if (parseQuantity(String(amount)).cmp(parseQuantity('0')) < 0) errors.push(invalidField(field, String(amount), 'must be greater than or equal to 0'));
    } catch (error) {
      errors.push(invalidField(field, String(amount), (error as Error).message));
    }
  }
  if (capacity.nodeTopology) errors.push(...validateLabelSelector(capacity.nodeTopology, 'nodeTopology'));
  return errors;
}
