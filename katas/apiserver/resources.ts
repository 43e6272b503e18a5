/**
 * The resources the apiserver serves: for each, its name in paths and keys (`pods`), its kind
 * (`Pod`), its group and version, whether it lives in a namespace, whether it has a status
 * subresource, the fields a field selector may use, what create does to a new object, and kata
 * 07's defaulting and validation.
 *
 * This file is given (kata 08 uses it as it is): it is the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * resourceType('pods');        // { resource: 'pods', kind: 'Pod', group: '', apiVersion: 'v1', namespaced: true, ... }
 * resourceType('deployment');  // StatusError NotFound: the server could not find the requested resource
 * qualifiedResource(resourceType('deployments'));  // 'deployments.apps', as error messages name it
 * ```
 */
import type { ControllerRevision, CronJob, CSIDriver, DaemonSet, PodTemplate, HorizontalPodAutoscaler, Job, KubeObject, LimitRange, NetworkPolicy, PersistentVolume, PersistentVolumeClaim, ReplicationController, ResourceQuota, StatefulSet, StorageClass, Namespace, Node, Pod, PodSpec, ReplicaSet, Secret, Service, StatusCause } from '@kube/kit';
import { applyDefaults } from './defaulting.ts';
import type { TablePrinter } from './table.ts';
import type { CustomResourceSubresourceScale } from '@kube/kit';
import {
  customResourceDefinitionFinalizers,
  defaultCustomResourceDefinition,
  prepareCustomResourceDefinitionForCreate,
  prepareCustomResourceDefinitionForDelete,
  prepareCustomResourceDefinitionForUpdate,
  validateCustomResourceDefinition,
  validateCustomResourceDefinitionUpdate,
} from './crd-strategy.ts';
import { validateDnsOf } from './dns-validation.ts';
import { defaultEnvironmentOf, validateEnvironmentOf } from './env-validation.ts';
import { defaultVolumesOf } from './volume-defaults.ts';
import { at, forbiddenField, invalidField, tooLongField } from './field-errors.ts';
import { keepCertificateSigningRequestSpec, validateCertificateSigningRequest } from './certificates.ts';
import { validateRuntimeClass, validateRuntimeClassUpdate } from './runtime-class.ts';
import { defaultCronJob, validateCronJob } from './cronjob-strategy.ts';
import {
  defaultDaemonSet,
  prepareDaemonSetForCreate,
  prepareDaemonSetForUpdate,
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateDaemonSet,
  validateDaemonSetUpdate,
} from './daemonset-strategy.ts';
import { validatePodDisruptionBudget } from './pdb-strategy.ts';
import { defaultHorizontalPodAutoscaler, validateHorizontalPodAutoscaler } from './hpa-strategy.ts';
import { defaultLimitRange, validateLimitRange } from './limit-range.ts';
import { defaultReplicationController, validateReplicationController } from './replication-controller-strategy.ts';
import { defaultNetworkPolicy, validateIngress, validateIngressClass, validateIngressClassUpdate, validateNetworkPolicy } from './networking-strategy.ts';
import { defaultResourceQuota, validateResourceQuota } from './resource-quota.ts';
import { defaultStatefulSet, validateStatefulSet, validateStatefulSetUpdate } from './statefulset-strategy.ts';
import {
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultCSIDriver,
  defaultStorageClass,
  preparePersistentVolumeClaimForCreate,
  preparePersistentVolumeForCreate,
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
  validateCSIDriver,
  validateCSIDriverUpdate,
  validateCSINode,
  validateCSIStorageCapacity,
  validateStorageClass,
  validateStorageClassUpdate,
  validateVolumeAttachment,
  validateVolumeAttachmentUpdate,
} from './storage-strategy.ts';
import { defaultJob, generateJobSelector, validateJob, validateJobUpdate } from './job-strategy.ts';
import { isDNS1123Subdomain, isQualifiedName } from './names.ts';
import { defaultPriorityClass, validatePriorityClass, validatePriorityClassUpdate } from './priority-classes.ts';
import { podQOSClass } from './qos.ts';
import { defaultSubjects, isPathSegmentName, RBAC_GROUP, validateRbacObject, validateRoleRefUpdate } from './rbac-objects.ts';
import { gatedConditions, validateSchedulingGatesOf } from './scheduling-gates.ts';
import { dropTypeDependentFields } from './service-type-change.ts';
import { badRequest, invalid, notFoundResource } from './status.ts';
import { immutableDataUpdate, validatePodUpdate, validateSelectorUpdate } from './update-validation.ts';
import { MAX_SECRET_BYTES, validateSecretData } from './secret-validation.ts';
import { validateObject, validateObjectMeta, validatePodSpec } from './validation.ts';

/** One resource the apiserver serves. */
export interface ResourceType {
  /** the plural lower-case name used in URLs and keys: 'pods', 'deployments' */
  resource: string;
  /** the kind of its objects: 'Pod' */
  kind: string;
  /** its API group: '' for the core group, 'apps', 'coordination.k8s.io' */
  group: string;
  /** group/version as objects carry it: 'v1', 'apps/v1' */
  apiVersion: string;
  /** true when its objects live in a namespace */
  namespaced: boolean;
  /** true when it has a status subresource (status written only through it) */
  hasStatus: boolean;
  /**
   * true when its objects count the changes of their spec in `metadata.generation`: 1 when made,
   * one more at each change of the spec. In v1.32 those are the kinds whose strategy's
   * PrepareForCreate sets it — Deployments, ReplicaSets, Jobs, CronJobs, EndpointSlices; Pods,
   * Services, ConfigMaps, Nodes, Namespaces and the other core kinds have none (v1.33 gave Pods one).
   */
  tracksGeneration?: true;
  /** the fields a field selector may use (metadata.name and metadata.namespace always) */
  selectableFields: readonly string[];
  /** the values of {@link selectableFields} for one object */
  fieldsOf(obj: KubeObject): Record<string, string>;
  /**
   * What create does to a new object before defaulting (the strategy's PrepareForCreate): most
   * resources with a status start with an empty one, which only the status subresource fills in
   * later; a pod starts `Pending`, a namespace `Active`; a node keeps the status its kubelet
   * registers it with.
   */
  prepareForCreate?(obj: KubeObject): void;
  /** fills in defaults (kata 07's applyDefaults); the object already has its kind and namespace */
  defaults?(obj: KubeObject): void;
  /** the problems of an object, as Invalid causes (kata 07's validation): an empty list when it is valid ([] is truthy: test its length) */
  validate?(obj: KubeObject): StatusCause[];
  /**
   * Finalizers of the kind's own that hold a deletion back like `metadata.finalizers` do (kata
   * 08): a namespace's `spec.finalizers`, `["kubernetes"]` until its contents are gone.
   */
  finalizersOf?(obj: KubeObject): readonly string[];
  /**
   * What a plain update (PUT or PATCH of the object itself, through the API) may not change
   * besides the status, put back from the stored object (the strategy's PrepareForUpdate): a
   * namespace keeps its `spec.finalizers`, which only its `finalize` subresource writes; a Service
   * whose type changed loses what the new type cannot use (service-type-change.ts).
   */
  prepareForUpdate?(next: KubeObject, stored: KubeObject): void;
  /**
   * What a status update (PUT or PATCH of the `status` subresource, through the API) keeps from the
   * stored object when the writer leaves it out (the status strategy's PrepareForUpdate): a pod
   * keeps the `qosClass` the apiserver gave it at its creation.
   */
  prepareForStatusUpdate?(next: KubeObject, stored: KubeObject): void;
  /**
   * What a plain update may not change once the object exists (the strategy's ValidateUpdate;
   * update-validation.ts): a pod's spec but for a few fields, a Deployment's selector. `next` has
   * its defaults, as it would be stored. None: the update may go on.
   */
  validateUpdate?(next: KubeObject, stored: KubeObject): StatusCause[];
  /** What marking an object for deletion does besides the deletionTimestamp: a namespace becomes `Terminating`. */
  prepareForDelete?(obj: KubeObject): void;
  /**
   * A review (SelfSubjectAccessReview, SelfSubjectReview): created only, answered at once by the
   * server from who asks, and never stored (kata 10's handler answers it; kata 11's RBAC decides).
   */
  review?: true;
  /**
   * Computed when read, never stored (ComponentStatus): get and list only, answered from the
   * apiserver's own checks of the components (component-statuses.ts), as upstream's REST for it has
   * no storage behind it. A route for any other verb is a 405.
   */
  computed?: true;
  /** kubectl's categories: `kubectl get all` lists every resource in category `all` */
  categories?: readonly string[];
  /** the short names kubectl accepts: `po`, `deploy` */
  shortNames?: readonly string[];
  /** the singular name discovery gives (`kubectl get crontab`); the kind in lower case when none */
  singularName?: string;
  /**
   * A resource a CustomResourceDefinition made (custom-resources.ts), served while the definition
   * is established: its columns for `kubectl get`, and its schema for `kubectl explain`.
   */
  custom?: { printer: TablePrinter; openApiSchema: object; scale?: CustomResourceSubresourceScale };
}

const metaFields = ['metadata.name', 'metadata.namespace'] as const;

function metaValues(obj: KubeObject): Record<string, string> {
  return { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '' };
}

/**
 * The fields a field selector may use beyond metadata.name and metadata.namespace, each with how
 * an object's value is read: upstream's ToSelectableFields of the kind's strategy. A field the
 * object leaves out has its zero value: `""`, `"false"`, `"0"`.
 */
function selectable<T extends KubeObject>(fields: Record<string, (obj: T) => string>): Pick<ResourceType, 'selectableFields' | 'fieldsOf'> {
  // Read once: the watch cache asks fieldsOf for every event and every watch with a field selector
  // (a kubelet's spec.nodeName=...), so it does no more than fill one object.
  const readers = Object.entries(fields);
  return {
    selectableFields: [...metaFields, ...readers.map(([field]) => field)],
    fieldsOf: (obj) => {
      const values = metaValues(obj);
      for (const [field, read] of readers) values[field] = read(obj as T);
      return values;
    },
  };
}

/** Sets the status a new object starts with (create ignores the one it was sent). */
function startStatus(status: object): (obj: KubeObject) => void {
  return (obj) => {
    (obj as KubeObject & { status?: object }).status = structuredClone(status);
  };
}

/**
 * Kata 07's validation for the kinds it knows (validateObject: Pod, Service, Node, Namespace,
 * Deployment, ReplicaSet); the others get their metadata checked, with DNS-subdomain names as
 * their upstream validators (Endpoints, Event, Lease) ask.
 */
const VALIDATED_KINDS = new Set(['Pod', 'Service', 'Node', 'Namespace', 'Deployment', 'ReplicaSet']);

function validatorFor(kind: string, namespaced: boolean): (obj: KubeObject) => StatusCause[] {
  if (VALIDATED_KINDS.has(kind)) return (obj) => validateObject(obj);
  return (obj) => validateObjectMeta(obj.metadata, namespaced, isDNS1123Subdomain);
}

function simple(resource: string, kind: string, group: string, version: string, namespaced: boolean, hasStatus: boolean): ResourceType {
  return {
    resource,
    kind,
    group,
    apiVersion: group ? `${group}/${version}` : version,
    namespaced,
    hasStatus,
    selectableFields: metaFields,
    fieldsOf: metaValues,
    defaults: (obj) => void applyDefaults(obj),
    validate: validatorFor(kind, namespaced),
    ...(hasStatus ? { prepareForCreate: startStatus({}) } : {}),
  };
}

/**
 * A type whose pod spec's env sources are defaulted and checked (env-validation.ts), and its
 * DNS settings (dns-validation.ts) and scheduling gates (scheduling-gates.ts) checked, too: a Pod's, or (`template`) a Deployment's or
 * ReplicaSet's pod template's.
 */
function withPodSpecRules(type: ResourceType, template: boolean): ResourceType {
  const validate = type.validate!;
  return {
    ...type,
    defaults: (obj) => {
      applyDefaults(obj);
      defaultEnvironmentOf(obj, template);
      defaultVolumesOf(obj, template);
    },
    validate: (obj) => [...validate(obj), ...validateEnvironmentOf(obj, template), ...validateDnsOf(obj, template), ...validateSchedulingGatesOf(obj, template), ...(template ? ephemeralContainersInTemplate(obj) : [])],
  };
}

/** A pod template may not have ephemeral containers: they are added to a running pod only (ValidatePodTemplateSpec). */
function ephemeralContainersInTemplate(obj: KubeObject): StatusCause[] {
  const spec = (obj as KubeObject & { spec?: { template?: { spec?: PodSpec } } }).spec?.template?.spec;
  if ((spec?.ephemeralContainers ?? []).length === 0) return [];
  return [forbiddenField(at('spec', 'template', 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template')];
}

/** The finalizers without a `/` that a namespace may name (upstream's IsStandardFinalizerName). */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/**
 * A namespace's `spec.finalizers` (pkg/apis/core/validation validateFinalizerName): each a
 * qualified name, and one without a `/` one of the standard ones.
 */
function validateFinalizerNames(finalizers: readonly string[] | undefined): StatusCause[] {
  return (finalizers ?? []).flatMap((name, i) => {
    const path = at('spec', 'finalizers', i);
    const problems = isQualifiedName(name).map((message) => invalidField(path, name, message));
    if (problems.length === 0 && !name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
      problems.push(invalidField(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
    return problems;
  });
}

/** pkg/registry/core/event/strategy.go ToSelectableFields: what `kubectl describe` selects a pod's events by. */
const EVENT_FIELDS = ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'] as const;

function eventFields(obj: KubeObject): Record<string, string> {
  const event = obj as KubeObject & { involvedObject?: Record<string, string | undefined>; reason?: string; reportingComponent?: string; source?: { component?: string }; type?: string };
  const involved = event.involvedObject ?? {};
  return {
    ...metaValues(obj),
    ...Object.fromEntries(['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((key) => [`involvedObject.${key}`, involved[key] ?? ''])),
    reason: event.reason ?? '',
    reportingComponent: event.reportingComponent ?? '',
    source: event.source?.component ?? '',
    type: event.type ?? '',
  };
}

/** A ConfigMap's or Secret's keys: `[-._a-zA-Z0-9]+`, at most 253 characters (IsConfigMapKey). */
function validateKeys(obj: KubeObject, fields: readonly string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    for (const key of Object.keys(((obj as unknown as Record<string, unknown>)[field] ?? {}) as Record<string, unknown>)) {
      if (key.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(key)) {
        causes.push({ reason: 'FieldValueInvalid', field: `${field}[${key}]`, message: `Invalid value: ${JSON.stringify(key)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')` });
      }
      if (seen.has(key)) causes.push({ reason: 'FieldValueDuplicate', field: `${field}[${key}]`, message: `Duplicate value: ${JSON.stringify(key)}` });
      seen.add(key);
    }
  }
  return causes;
}

/**
 * A ConfigMap's data and binaryData together may weigh 1 MiB at most (ValidateConfigMap, the same
 * bound as a Secret's): upstream names no field, the error is the whole object's (`: Too long: ...`).
 */
function validateConfigMapSize(obj: KubeObject): StatusCause[] {
  const configMap = obj as KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string> };
  const text = Object.values(configMap.data ?? {}).reduce((sum, value) => sum + Buffer.byteLength(String(value), 'utf8'), 0);
  const binary = Object.values(configMap.binaryData ?? {}).reduce((sum, value) => sum + Buffer.from(String(value), 'base64').length, 0);
  return text + binary > MAX_SECRET_BYTES ? [tooLongField('', MAX_SECRET_BYTES)] : [];
}

/**
 * A Secret as it is stored: `stringData` folded into `data` as base64 (it wins over a `data` key of
 * the same name) and dropped, as the v1 conversion does; `type` Opaque by default. A `data` value
 * that is not base64 is refused as upstream's decoder refuses it (400).
 */
function foldSecret(obj: KubeObject): void {
  const secret = obj as KubeObject & { data?: Record<string, unknown>; stringData?: Record<string, unknown>; type?: string };
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    if (typeof value !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) {
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data[${JSON.stringify(key)}]: a Secret's data values are base64 (use stringData for plain text)`);
    }
  }
  if (secret.stringData !== undefined) {
    for (const [key, value] of Object.entries(secret.stringData ?? {})) {
      if (typeof value !== 'string') throw badRequest(`Secret in version "v1" cannot be handled as a Secret: stringData[${JSON.stringify(key)}] must be a string`);
      secret.data = { ...secret.data, [key]: Buffer.from(value, 'utf8').toString('base64') };
    }
    delete secret.stringData;
  }
  secret.type ||= 'Opaque';
}

/**
 * An RBAC object (rbac-objects.ts): its name a path segment (`system:basic-user`), its rules or its
 * roleRef and subjects checked; a binding's subjects defaulted and its roleRef fixed for good.
 */
function rbac(resource: string, kind: 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding', namespaced: boolean): ResourceType {
  const binding = kind === 'RoleBinding' || kind === 'ClusterRoleBinding';
  return {
    ...simple(resource, kind, RBAC_GROUP, 'v1', namespaced, false),
    validate: (obj: KubeObject) => [...validateObjectMeta(obj.metadata, namespaced, isPathSegmentName), ...validateRbacObject(kind)(obj)],
    ...(binding && {
      defaults: (obj: KubeObject) => {
        defaultSubjects(obj);
        applyDefaults(obj);
      },
      validateUpdate: validateRoleRefUpdate,
    }),
  };
}

/** A review: created only, answered from who asks, never stored. */
function review(resource: string, kind: string, group: string, namespaced = false): ResourceType {
  return { resource, kind, group, apiVersion: `${group}/v1`, namespaced, hasStatus: false, selectableFields: metaFields, fieldsOf: metaValues, review: true };
}

/** Every resource served, by its plural name: the built-in ones, then the custom ones (see {@link serveResourceType}). */
const SERVED = new Map<string, ResourceType>(
  [
    {
      ...withPodSpecRules(simple('pods', 'Pod', '', 'v1', true, true), false),
      categories: ['all'],
      shortNames: ['po'],
      // pkg/registry/core/pod/strategy.go: ToSelectableFields. `kubectl get pods -A --field-selector status.phase!=Running`.
      ...selectable<Pod & { spec?: { hostNetwork?: boolean } }>({
        'spec.nodeName': (pod) => pod.spec?.nodeName ?? '',
        'spec.restartPolicy': (pod) => pod.spec?.restartPolicy ?? '',
        'spec.schedulerName': (pod) => pod.spec?.schedulerName ?? '',
        'spec.serviceAccountName': (pod) => pod.spec?.serviceAccountName ?? '',
        'spec.hostNetwork': (pod) => String(pod.spec?.hostNetwork ?? false),
        'status.phase': (pod) => pod.status?.phase ?? '',
        'status.podIP': (pod) => pod.status?.podIPs?.[0]?.ip ?? '',
        'status.nominatedNodeName': (pod) => pod.status?.nominatedNodeName ?? '',
      }),
      // pkg/registry/core/pod/strategy.go: a new pod is Pending, with its QoS class (qos.ts), which never changes,
      // and, when it has scheduling gates, a condition that says so. Ephemeral containers come later, through
      // their subresource only (ephemeral-containers.ts; ValidatePodCreate).
      prepareForCreate: (obj: KubeObject) => {
        if (((obj as Pod).spec?.ephemeralContainers ?? []).length > 0) {
          throw invalid('Pod', obj.metadata.name ?? '', [forbiddenField(at('spec', 'ephemeralContainers'), 'cannot be set on create')]);
        }
        const gated = gatedConditions(obj as Pod);
        (obj as Pod).status = { phase: 'Pending', qosClass: podQOSClass(obj as Pod), ...(gated.length > 0 && { conditions: gated }) };
      },
      prepareForStatusUpdate: (next: KubeObject, stored: KubeObject) => {
        const qosClass = (stored as Pod).status?.qosClass;
        if (qosClass !== undefined && (next as Pod).status?.qosClass === undefined) (next as Pod).status = { ...(next as Pod).status, qosClass };
      },
      validateUpdate: (next: KubeObject, stored: KubeObject) => validatePodUpdate(next as Pod, stored as Pod),
    },
    // A node keeps the status it is created with: the kubelet registers its node with its capacity.
    // pkg/registry/core/node/strategy.go: `kubectl get nodes --field-selector spec.unschedulable=true` lists the cordoned.
    {
      ...simple('nodes', 'Node', '', 'v1', false, true),
      prepareForCreate: undefined,
      shortNames: ['no'],
      ...selectable<Node>({ 'spec.unschedulable': (node) => String(node.spec?.unschedulable ?? false) }),
    },
    {
      ...simple('namespaces', 'Namespace', '', 'v1', false, true),
      shortNames: ['ns'],
      ...selectable<Namespace>({ 'status.phase': (namespace) => namespace.status?.phase ?? '' }),
      // pkg/registry/core/namespace/strategy.go: a new namespace is Active with the finalizer
      // "kubernetes" (added to those it was given), which its namespace controller removes once
      // the namespace is empty.
      prepareForCreate: (obj: KubeObject) => {
        startStatus({ phase: 'Active' })(obj);
        const namespace = obj as KubeObject & { spec?: { finalizers?: string[] } };
        const given = namespace.spec?.finalizers ?? [];
        namespace.spec = { finalizers: given.includes('kubernetes') ? given : [...given, 'kubernetes'] };
      },
      finalizersOf: (obj: KubeObject) => (obj as KubeObject & { spec?: { finalizers?: string[] } }).spec?.finalizers ?? [],
      // Only namespaces/<name>/finalize writes spec.finalizers: a plain update keeps the stored ones.
      prepareForUpdate: (next: KubeObject, stored: KubeObject) => {
        const kept = (stored as Namespace).spec?.finalizers;
        const spec = { ...(next as Namespace).spec };
        if (kept) spec.finalizers = kept;
        else delete spec.finalizers;
        (next as Namespace).spec = spec;
      },
      validate: (obj: KubeObject) => [...validatorFor('Namespace', false)(obj), ...validateFinalizerNames((obj as Namespace).spec?.finalizers)],
      prepareForDelete: (obj: KubeObject) => {
        (obj as KubeObject & { status?: object }).status = { phase: 'Terminating' };
      },
    },
    {
      ...simple('services', 'Service', '', 'v1', true, true),
      categories: ['all'],
      shortNames: ['svc'],
      // since v1.31: `kubectl get svc -A --field-selector spec.type=NodePort`, `spec.clusterIP!=None` (no headless ones)
      ...selectable<Service>({ 'spec.clusterIP': (service) => service.spec?.clusterIP ?? '', 'spec.type': (service) => service.spec?.type ?? '' }),
      prepareForUpdate: (next: KubeObject, stored: KubeObject) => dropTypeDependentFields(next as Service, stored as Service),
    },
    { ...simple('endpoints', 'Endpoints', '', 'v1', true, false), shortNames: ['ep'] },
    // v1 ComponentStatus, deprecated since v1.19 and still served: `kubectl get cs` (component-statuses.ts).
    { resource: 'componentstatuses', kind: 'ComponentStatus', group: '', apiVersion: 'v1', namespaced: false, hasStatus: false, selectableFields: metaFields, fieldsOf: metaValues, computed: true as const, shortNames: ['cs'] },
    { ...simple('events', 'Event', '', 'v1', true, false), shortNames: ['ev'], selectableFields: [...metaFields, ...EVENT_FIELDS], fieldsOf: eventFields },
    {
      ...simple('configmaps', 'ConfigMap', '', 'v1', true, false),
      shortNames: ['cm'],
      validate: (obj: KubeObject) => [...validatorFor('ConfigMap', true)(obj), ...validateKeys(obj, ['data', 'binaryData']), ...validateConfigMapSize(obj)],
      validateUpdate: immutableDataUpdate(['data', 'binaryData']),
    },
    {
      ...simple('secrets', 'Secret', '', 'v1', true, false),
      ...selectable<Secret>({ type: (secret) => secret.type ?? '' }),
      defaults: (obj: KubeObject) => {
        foldSecret(obj);
        applyDefaults(obj);
      },
      validate: (obj: KubeObject) => [...validatorFor('Secret', true)(obj), ...validateKeys(obj, ['data']), ...validateSecretData(obj as Secret)],
      validateUpdate: immutableDataUpdate(['data'], ['type']),
    },
    { ...simple('serviceaccounts', 'ServiceAccount', '', 'v1', true, false), shortNames: ['sa'] },
    // Given, beyond the katas: a pod template stored on its own (ValidatePodTemplate: the template's pod spec).
    {
      ...simple('podtemplates', 'PodTemplate', '', 'v1', true, false),
      validate: (obj: KubeObject) => [...validatorFor('PodTemplate', true)(obj), ...validatePodSpec((obj as PodTemplate).template?.spec, 'template.spec')],
    },
    {
      // Given, beyond the katas: v1 ReplicationControllers (replication-controller-strategy.ts), which the cluster's
      // replication manager keeps.
      ...simple('replicationcontrollers', 'ReplicationController', '', 'v1', true, true),
      tracksGeneration: true as const,
      categories: ['all'],
      shortNames: ['rc'],
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultReplicationController(obj as ReplicationController);
      },
      validate: validateReplicationController,
    },
    // Given, beyond the katas: a namespace's budgets, which the LimitRanger and ResourceQuota admission plugins
    // enforce (limit-range.ts, resource-quota.ts) and the cluster's resource quota controller counts.
    {
      ...simple('limitranges', 'LimitRange', '', 'v1', true, false),
      shortNames: ['limits'],
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultLimitRange(obj as LimitRange);
      },
      validate: validateLimitRange,
    },
    {
      ...simple('resourcequotas', 'ResourceQuota', '', 'v1', true, true),
      shortNames: ['quota'],
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultResourceQuota(obj as ResourceQuota);
      },
      validate: validateResourceQuota,
    },
    // Given, beyond the katas: storage (storage-strategy.ts) — volumes, the claims the cluster's persistent volume
    // controller binds them to, and the classes of both, as on a cluster kubeadm has just made: no provisioner.
    {
      ...simple('persistentvolumes', 'PersistentVolume', '', 'v1', false, true),
      shortNames: ['pv'],
      prepareForCreate: (obj: KubeObject) => preparePersistentVolumeForCreate(obj as PersistentVolume),
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultPersistentVolume(obj as PersistentVolume);
      },
      validate: validatePersistentVolume,
      validateUpdate: validatePersistentVolumeUpdate,
    },
    {
      ...simple('persistentvolumeclaims', 'PersistentVolumeClaim', '', 'v1', true, true),
      shortNames: ['pvc'],
      prepareForCreate: (obj: KubeObject) => preparePersistentVolumeClaimForCreate(obj as PersistentVolumeClaim),
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultPersistentVolumeClaim(obj as PersistentVolumeClaim);
      },
      validate: validatePersistentVolumeClaim,
      validateUpdate: validatePersistentVolumeClaimUpdate,
    },
    {
      ...simple('storageclasses', 'StorageClass', 'storage.k8s.io', 'v1', false, false),
      shortNames: ['sc'],
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultStorageClass(obj as StorageClass);
      },
      validate: validateStorageClass,
      validateUpdate: validateStorageClassUpdate,
    },
    {
      ...simple('csidrivers', 'CSIDriver', 'storage.k8s.io', 'v1', false, false),
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultCSIDriver(obj as CSIDriver);
      },
      validate: validateCSIDriver,
      validateUpdate: validateCSIDriverUpdate,
    },
    { ...simple('csinodes', 'CSINode', 'storage.k8s.io', 'v1', false, false), validate: validateCSINode },
    { ...simple('volumeattachments', 'VolumeAttachment', 'storage.k8s.io', 'v1', false, true), validate: validateVolumeAttachment, validateUpdate: validateVolumeAttachmentUpdate },
    { ...simple('csistoragecapacities', 'CSIStorageCapacity', 'storage.k8s.io', 'v1', true, false), validate: validateCSIStorageCapacity },
    { ...withPodSpecRules(simple('deployments', 'Deployment', 'apps', 'v1', true, true), true), tracksGeneration: true as const, categories: ['all'], shortNames: ['deploy'], validateUpdate: validateSelectorUpdate },
    {
      ...withPodSpecRules(simple('replicasets', 'ReplicaSet', 'apps', 'v1', true, true), true),
      tracksGeneration: true as const,
      categories: ['all'],
      shortNames: ['rs'],
      validateUpdate: validateSelectorUpdate,
      // `kubectl get rs --field-selector status.replicas=0`: the old ReplicaSets of a rollout
      ...selectable<ReplicaSet>({ 'status.replicas': (rs) => String(rs.status?.replicas ?? 0) }),
    },
    {
      // Given, beyond the katas: apps/v1 DaemonSets and their ControllerRevisions (daemonset-strategy.ts),
      // which the cluster's DaemonSet controller runs.
      ...simple('daemonsets', 'DaemonSet', 'apps', 'v1', true, true),
      tracksGeneration: true as const,
      categories: ['all'],
      shortNames: ['ds'],
      prepareForCreate: (obj: KubeObject) => prepareDaemonSetForCreate(obj as DaemonSet),
      prepareForUpdate: (next: KubeObject, stored: KubeObject) => prepareDaemonSetForUpdate(next as DaemonSet, stored as DaemonSet),
      defaults: (obj: KubeObject) => defaultDaemonSet(obj as DaemonSet),
      validate: validateDaemonSet,
      validateUpdate: (next: KubeObject, stored: KubeObject) => validateDaemonSetUpdate(next as DaemonSet, stored as DaemonSet),
    },
    {
      // ... StatefulSets (statefulset-strategy.ts), which its StatefulSet controller runs.
      ...simple('statefulsets', 'StatefulSet', 'apps', 'v1', true, true),
      tracksGeneration: true as const,
      categories: ['all'],
      shortNames: ['sts'],
      defaults: (obj: KubeObject) => defaultStatefulSet(obj as StatefulSet),
      validate: validateStatefulSet,
      validateUpdate: (next: KubeObject, stored: KubeObject) => validateStatefulSetUpdate(next as StatefulSet, stored as StatefulSet),
    },
    {
      ...simple('controllerrevisions', 'ControllerRevision', 'apps', 'v1', true, false),
      validate: validateControllerRevision,
      validateUpdate: (next: KubeObject, stored: KubeObject) => validateControllerRevisionUpdate(next as ControllerRevision, stored as ControllerRevision),
    },
    {
      // Given, beyond the katas: batch/v1 Jobs (job-strategy.ts), which the cluster's Job controller runs.
      ...simple('jobs', 'Job', 'batch', 'v1', true, true),
      ...selectable<Job>({ 'status.successful': (job) => String(job.status?.succeeded ?? 0) }),
      tracksGeneration: true as const,
      categories: ['all'],
      prepareForCreate: (obj: KubeObject) => {
        (obj as KubeObject & { status?: object }).status = {};
        generateJobSelector(obj as Job);
      },
      defaults: (obj: KubeObject) => defaultJob(obj as Job),
      validate: validateJob,
      validateUpdate: validateJobUpdate,
    },
    {
      // ... and CronJobs (cronjob-strategy.ts), which the cluster's CronJob controller runs.
      ...simple('cronjobs', 'CronJob', 'batch', 'v1', true, true),
      tracksGeneration: true as const,
      categories: ['all'],
      shortNames: ['cj'],
      defaults: (obj: KubeObject) => defaultCronJob(obj as CronJob),
      validate: validateCronJob,
    },
    {
      // Given, beyond the katas: autoscaling/v2 HorizontalPodAutoscalers (hpa-strategy.ts), which the
      // cluster's horizontal pod autoscaler controller runs.
      ...simple('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'autoscaling', 'v2', true, true),
      categories: ['all'],
      shortNames: ['hpa'],
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultHorizontalPodAutoscaler(obj as HorizontalPodAutoscaler);
      },
      validate: validateHorizontalPodAutoscaler,
    },
    // Given, beyond the katas: networking.k8s.io/v1 (networking-strategy.ts), stored and checked, served
    // by no ingress controller and enforced by no network plugin, as on a cluster kubeadm has just made.
    { ...simple('ingresses', 'Ingress', 'networking.k8s.io', 'v1', true, true), tracksGeneration: true as const, shortNames: ['ing'], validate: validateIngress },
    {
      ...simple('ingressclasses', 'IngressClass', 'networking.k8s.io', 'v1', false, false),
      tracksGeneration: true as const,
      validate: validateIngressClass,
      validateUpdate: validateIngressClassUpdate,
    },
    {
      ...simple('networkpolicies', 'NetworkPolicy', 'networking.k8s.io', 'v1', true, false),
      tracksGeneration: true as const,
      shortNames: ['netpol'],
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultNetworkPolicy(obj as NetworkPolicy);
      },
      validate: validateNetworkPolicy,
    },
    // policy/v1 PodDisruptionBudgets (pdb-strategy.ts): the disruption controller counts them, evictions (eviction.ts) obey them.
    { ...simple('poddisruptionbudgets', 'PodDisruptionBudget', 'policy', 'v1', true, true), tracksGeneration: true as const, shortNames: ['pdb'], validate: validatePodDisruptionBudget },
    simple('leases', 'Lease', 'coordination.k8s.io', 'v1', true, false),
    // scheduling.k8s.io/v1 PriorityClasses (priority-classes.ts): the Priority admission plugin gives pods their values.
    {
      ...simple('priorityclasses', 'PriorityClass', 'scheduling.k8s.io', 'v1', false, false),
      // generation 1 when made, as the strategy's PrepareForCreate; no spec, so never more
      tracksGeneration: true as const,
      shortNames: ['pc'],
      defaults: (obj: KubeObject) => {
        applyDefaults(obj);
        defaultPriorityClass(obj);
      },
      validate: validatePriorityClass,
      validateUpdate: validatePriorityClassUpdate,
    },
    // Given, beyond the katas: node.k8s.io/v1 RuntimeClasses (runtime-class.ts), which the RuntimeClass admission plugin applies to pods.
    { ...simple('runtimeclasses', 'RuntimeClass', 'node.k8s.io', 'v1', false, false), validate: validateRuntimeClass, validateUpdate: validateRuntimeClassUpdate },
    // Given, beyond the katas: certificates.k8s.io/v1 (certificates.ts), which the cluster's control plane signs.
    {
      ...simple('certificatesigningrequests', 'CertificateSigningRequest', 'certificates.k8s.io', 'v1', false, true),
      shortNames: ['csr'],
      validate: validateCertificateSigningRequest,
      prepareForUpdate: keepCertificateSigningRequestSpec,
    },
    // discovery.k8s.io/v1 EndpointSlices, written by kata 21's EndpointSlice controller and read by kube-proxy.
    { ...simple('endpointslices', 'EndpointSlice', 'discovery.k8s.io', 'v1', true, false), tracksGeneration: true as const },
    rbac('roles', 'Role', true),
    rbac('clusterroles', 'ClusterRole', false),
    rbac('rolebindings', 'RoleBinding', true),
    rbac('clusterrolebindings', 'ClusterRoleBinding', false),
    review('selfsubjectaccessreviews', 'SelfSubjectAccessReview', 'authorization.k8s.io'),
    review('selfsubjectrulesreviews', 'SelfSubjectRulesReview', 'authorization.k8s.io'),
    review('selfsubjectreviews', 'SelfSubjectReview', 'authentication.k8s.io'),
    // ... and those the HTTP server answers itself (reviews.ts SubjectReviews): about another user, or a token.
    review('subjectaccessreviews', 'SubjectAccessReview', 'authorization.k8s.io'),
    review('localsubjectaccessreviews', 'LocalSubjectAccessReview', 'authorization.k8s.io', true),
    review('tokenreviews', 'TokenReview', 'authentication.k8s.io'),
    // Given, beyond the katas: apiregistration.k8s.io/v1 APIServices, computed when read (api-services.ts): one per group-version served.
    { resource: 'apiservices', kind: 'APIService', group: 'apiregistration.k8s.io', apiVersion: 'apiregistration.k8s.io/v1', namespaced: false, hasStatus: false, selectableFields: metaFields, fieldsOf: metaValues, computed: true as const, categories: ['api-extensions'] },
    // Given, beyond the katas: apiextensions.k8s.io/v1 (crd-strategy.ts); each established one serves a resource of its own (custom-resources.ts).
    {
      ...simple('customresourcedefinitions', 'CustomResourceDefinition', 'apiextensions.k8s.io', 'v1', false, true),
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      tracksGeneration: true as const,
      defaults: defaultCustomResourceDefinition,
      prepareForCreate: prepareCustomResourceDefinitionForCreate,
      prepareForUpdate: prepareCustomResourceDefinitionForUpdate,
      validate: validateCustomResourceDefinition,
      validateUpdate: validateCustomResourceDefinitionUpdate,
      finalizersOf: customResourceDefinitionFinalizers,
      prepareForDelete: prepareCustomResourceDefinitionForDelete,
    },
  ].map((type): [string, ResourceType] => [type.resource, type]),
);

/** The resources the server was built with: a custom resource never takes the place of one. */
const BUILT_IN: ReadonlySet<string> = new Set(SERVED.keys());

/** Every resource served, by its plural name. */
export const RESOURCES: ReadonlyMap<string, ResourceType> = SERVED;

/**
 * Serves a custom resource (custom-resources.ts calls it when its definition is established), or
 * serves it anew with a changed definition. Answers false, serving nothing, for a name a built-in
 * resource has.
 */
export function serveResourceType(type: ResourceType): boolean {
  if (BUILT_IN.has(type.resource)) return false;
  SERVED.set(type.resource, type);
  return true;
}

/** Stops serving a custom resource (its definition is gone); a built-in one is always served. */
export function stopServingResourceType(resource: string): void {
  if (!BUILT_IN.has(resource)) SERVED.delete(resource);
}

/** Whether `resource` is one the server was built with (a custom resource may not take its name). */
export function isBuiltInResource(resource: string): boolean {
  return BUILT_IN.has(resource);
}

/** The resource called `resource`. @throws StatusError NotFound for one the server does not serve */
export function resourceType(resource: string): ResourceType {
  const type = RESOURCES.get(resource);
  if (type === undefined) throw notFoundResource(resource);
  return type;
}

/** The resource as error messages name it: `pods`, `deployments.apps` (a GroupResource). */
export function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.resource}.${type.group}` : type.resource;
}

/** The kind as Invalid errors name it: `Pod`, `Deployment.apps` (a GroupKind). */
export function qualifiedKind(type: ResourceType): string {
  return type.group ? `${type.kind}.${type.group}` : type.kind;
}
