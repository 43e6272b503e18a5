/**
 * Storage: PersistentVolumes (a piece of storage in the cluster, made by an administrator or a
 * provisioner), PersistentVolumeClaims (a namespace's request for storage, which the
 * persistent volume controller binds to one volume), StorageClasses (storage.k8s.io/v1: which
 * provisioner makes volumes for a claim that names the class, and when), and the pod volume that
 * mounts a claim.
 *
 * ```
 * PV  data   10Gi RWO hostPath /mnt/data, storageClassName manual       Available
 * PVC www    requests 1Gi RWO, storageClassName manual                  Pending
 *   the controller binds them: pv.spec.claimRef -> default/www, pvc.spec.volumeName -> data
 * PV  data   Bound, CLAIM default/www;   PVC www  Bound, VOLUME data, CAPACITY 10Gi
 * ```
 * @module
 */
import type { KubeObject, LabelSelector, ObjectReference, Quantity, Time } from './meta.ts';
import type { NodeSelector } from './scheduling.ts';

/** How a volume may be mounted: by one node read-write, by many read-only, by many read-write, by one pod. */
export type PersistentVolumeAccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod' | (string & {});

/** A directory on the node (for one-node clusters and tests: nothing moves it when the pod moves). */
export interface HostPathVolumeSource {
  path: string;
  /** '' (no check), DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice */
  type?: string;
}

/** A disk or directory of one node; the volume's nodeAffinity must name the node. */
export interface LocalVolumeSource {
  path: string;
  fsType?: string;
}

/** An NFS export. */
export interface NFSVolumeSource {
  server: string;
  path: string;
  readOnly?: boolean;
}

/** A volume a CSI driver manages. */
export interface CSIPersistentVolumeSource {
  driver: string;
  volumeHandle: string;
  readOnly?: boolean;
  fsType?: string;
  volumeAttributes?: Record<string, string>;
}

/** The nodes a volume can be reached from: the scheduler puts the volume's pods there. */
export interface VolumeNodeAffinity {
  required?: NodeSelector;
}

/** How much storage a claim asks for (`requests.storage`) and may grow to. */
export interface VolumeResourceRequirements {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}

/**
 * What a PersistentVolume is: its size, how it may be mounted, where the storage is (exactly one
 * source: hostPath, local, nfs, csi, ...), and, once bound, the claim it belongs to.
 */
export interface PersistentVolumeSpec {
  /** `{ storage: '10Gi' }` */
  capacity?: Record<string, Quantity>;
  accessModes?: PersistentVolumeAccessMode[];
  hostPath?: HostPathVolumeSource;
  local?: LocalVolumeSource;
  nfs?: NFSVolumeSource;
  csi?: CSIPersistentVolumeSource;
  /** the claim it is bound to (set by the controller, or by you to keep it for one claim) */
  claimRef?: ObjectReference;
  /** what happens once its claim is deleted: Retain (default), Delete or Recycle */
  persistentVolumeReclaimPolicy?: 'Retain' | 'Delete' | 'Recycle' | (string & {});
  /** the class it belongs to; '' is none, and binds only to claims that ask for none */
  storageClassName?: string;
  mountOptions?: string[];
  /** Filesystem (default) or Block */
  volumeMode?: 'Filesystem' | 'Block' | (string & {});
  nodeAffinity?: VolumeNodeAffinity;
  volumeAttributesClassName?: string;
}

/** Where a PersistentVolume is in its life: Pending, Available, Bound, Released or Failed. */
export interface PersistentVolumeStatus {
  phase?: 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed' | (string & {});
  message?: string;
  reason?: string;
  /** when phase last changed */
  lastPhaseTransitionTime?: Time;
}

/**
 * A piece of storage the cluster has (cluster-scoped).
 *
 * @example
 * ```ts
 * const pv: PersistentVolume = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'data' },
 *   spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/mnt/data' }, storageClassName: 'manual' } };
 * ```
 */
export interface PersistentVolume extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'PersistentVolume';
  spec?: PersistentVolumeSpec;
  status?: PersistentVolumeStatus;
}

/** What a claim asks for: a size, access modes, a class, perhaps a volume by name or by labels. */
export interface PersistentVolumeClaimSpec {
  accessModes?: PersistentVolumeAccessMode[];
  /** only volumes whose labels match */
  selector?: LabelSelector;
  resources?: VolumeResourceRequirements;
  /** the volume it is bound to (set by the controller, or by you to ask for that one) */
  volumeName?: string;
  /** absent: the default StorageClass's (the DefaultStorageClass admission plugin); '' asks for no class */
  storageClassName?: string;
  volumeMode?: 'Filesystem' | 'Block' | (string & {});
  volumeAttributesClassName?: string;
}

/** A condition of a claim (Resizing, FileSystemResizePending, ...). */
export interface PersistentVolumeClaimCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: Time;
  lastTransitionTime?: Time;
}

/** Where a claim is: Pending until bound, Bound, or Lost when its volume went away. */
export interface PersistentVolumeClaimStatus {
  phase?: 'Pending' | 'Bound' | 'Lost' | (string & {});
  /** the bound volume's access modes */
  accessModes?: PersistentVolumeAccessMode[];
  /** the bound volume's capacity */
  capacity?: Record<string, Quantity>;
  conditions?: PersistentVolumeClaimCondition[];
}

/**
 * A namespace's request for storage, which a pod mounts by name.
 *
 * @example
 * ```ts
 * const pvc: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'www', namespace: 'default' },
 *   spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual' } };
 * ```
 */
export interface PersistentVolumeClaim extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'PersistentVolumeClaim';
  spec?: PersistentVolumeClaimSpec;
  status?: PersistentVolumeClaimStatus;
}

/** A label and the values a node may have for it. */
export interface TopologySelectorLabelRequirement {
  key: string;
  values: string[];
}

/** Topology where a class's volumes may be made. */
export interface TopologySelectorTerm {
  matchLabelExpressions?: TopologySelectorLabelRequirement[];
}

/**
 * A class of storage (storage.k8s.io/v1, cluster-scoped): the provisioner that makes volumes for
 * its claims, with what parameters, and when — at once (Immediate) or once a pod that uses the
 * claim is scheduled (WaitForFirstConsumer). The annotation
 * `storageclass.kubernetes.io/is-default-class: "true"` makes it the class of claims that name none.
 *
 * @example
 * ```ts
 * const local: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local' },
 *   provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' };
 * ```
 */
export interface StorageClass extends KubeObject {
  apiVersion?: 'storage.k8s.io/v1';
  kind?: 'StorageClass';
  provisioner: string;
  parameters?: Record<string, string>;
  /** Delete (default) or Retain: the reclaim policy of the volumes it makes */
  reclaimPolicy?: 'Delete' | 'Retain' | (string & {});
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  /** Immediate (default) or WaitForFirstConsumer */
  volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer' | (string & {});
  allowedTopologies?: TopologySelectorTerm[];
}

/** A pod volume that mounts a claim of the pod's namespace. */
export interface PersistentVolumeClaimVolumeSource {
  claimName: string;
  readOnly?: boolean;
}

/** A token a CSI driver is given for the pod it mounts a volume for. */
export interface TokenRequest {
  audience: string;
  expirationSeconds?: number;
}

/** How a CSI driver wants to be called (storage.k8s.io/v1 CSIDriverSpec). */
export interface CSIDriverSpec {
  /** does a volume need attaching to its node first (a VolumeAttachment); default true */
  attachRequired?: boolean;
  /** does the driver want the pod's name, namespace and uid when it mounts; default false */
  podInfoOnMount?: boolean;
  /** Persistent (default) and/or Ephemeral */
  volumeLifecycleModes?: string[];
  /** does the scheduler look at the driver's CSIStorageCapacity objects; default false */
  storageCapacity?: boolean;
  /** default ReadWriteOnceWithFSType */
  fsGroupPolicy?: 'None' | 'File' | 'ReadWriteOnceWithFSType' | (string & {});
  tokenRequests?: TokenRequest[];
  /** default false */
  requiresRepublish?: boolean;
  /** default false */
  seLinuxMount?: boolean;
}

/**
 * A CSI driver installed in the cluster (cluster-scoped, named as the driver: `ebs.csi.aws.com`),
 * which its installer creates; none on a cluster kubeadm has just made.
 */
export interface CSIDriver extends KubeObject {
  apiVersion?: 'storage.k8s.io/v1';
  kind?: 'CSIDriver';
  spec: CSIDriverSpec;
}

/** What a CSI driver can still attach to a node. */
export interface VolumeNodeResources {
  count?: number;
}

/** One CSI driver registered on a node. */
export interface CSINodeDriver {
  name: string;
  /** the node as the driver knows it */
  nodeID: string;
  topologyKeys?: string[];
  allocatable?: VolumeNodeResources;
}

/** The CSI drivers registered on a node (written `null` while there is none, as Go writes an empty list it decoded from etcd). */
export interface CSINodeSpec {
  drivers: CSINodeDriver[];
}

/**
 * The CSI drivers of one node (cluster-scoped, named as the node and owned by it): the kubelet
 * makes it when it starts, so `kubectl get csinodes` lists every node, with 0 drivers until one is
 * installed.
 */
export interface CSINode extends KubeObject {
  apiVersion?: 'storage.k8s.io/v1';
  kind?: 'CSINode';
  spec: CSINodeSpec;
}

/** Which volume a VolumeAttachment attaches: a PersistentVolume by name (or, not typed here, an inline volume's spec). */
export interface VolumeAttachmentSource {
  persistentVolumeName?: string;
}

/** A volume to attach to a node, by which attacher. */
export interface VolumeAttachmentSpec {
  attacher: string;
  source: VolumeAttachmentSource;
  nodeName: string;
}

/** An attach's or detach's failure, as the attacher reports it. */
export interface VolumeError {
  time?: Time;
  message?: string;
}

/** Whether the volume is attached, as the attacher says. */
export interface VolumeAttachmentStatus {
  attached: boolean;
  attachmentMetadata?: Record<string, string>;
  attachError?: VolumeError;
  detachError?: VolumeError;
}

/**
 * A request to attach a volume to a node (cluster-scoped), which the attach/detach controller makes
 * for a CSI driver that needs attaching and the driver's external attacher carries out.
 */
export interface VolumeAttachment extends KubeObject {
  apiVersion?: 'storage.k8s.io/v1';
  kind?: 'VolumeAttachment';
  spec: VolumeAttachmentSpec;
  status?: VolumeAttachmentStatus;
}

/**
 * How much storage of a class a CSI driver can still make where (namespaced, made by the driver's
 * external provisioner), which the scheduler reads for drivers with `storageCapacity: true`.
 */
export interface CSIStorageCapacity extends KubeObject {
  apiVersion?: 'storage.k8s.io/v1';
  kind?: 'CSIStorageCapacity';
  storageClassName: string;
  nodeTopology?: LabelSelector;
  capacity?: Quantity;
  maximumVolumeSize?: Quantity;
}
