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
import type { KubeObject, StatusCause } from '@kube/kit';
import { applyDefaults } from './defaulting.ts';
import { isDNS1123Subdomain } from './names.ts';
import { notFoundResource } from './status.ts';
import { validateObject, validateObjectMeta } from './validation.ts';

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
  /** the problems of an object, as Invalid causes (kata 07's validation); none: valid */
  validate?(obj: KubeObject): StatusCause[];
}

const metaFields = ['metadata.name', 'metadata.namespace'] as const;

function metaValues(obj: KubeObject): Record<string, string> {
  return { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '' };
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

/** Every resource served, by its plural name. */
export const RESOURCES: ReadonlyMap<string, ResourceType> = new Map(
  [
    {
      ...simple('pods', 'Pod', '', 'v1', true, true),
      // pkg/registry/core/pod/strategy.go: PodToSelectableFields (a few of them).
      selectableFields: [...metaFields, 'spec.nodeName', 'status.phase'],
      fieldsOf: (obj: KubeObject) => {
        const pod = obj as KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string } };
        return { ...metaValues(obj), 'spec.nodeName': pod.spec?.nodeName ?? '', 'status.phase': pod.status?.phase ?? '' };
      },
      prepareForCreate: startStatus({ phase: 'Pending' }),
    },
    // A node keeps the status it is created with: the kubelet registers its node with its capacity.
    { ...simple('nodes', 'Node', '', 'v1', false, true), prepareForCreate: undefined },
    { ...simple('namespaces', 'Namespace', '', 'v1', false, true), prepareForCreate: startStatus({ phase: 'Active' }) },
    simple('services', 'Service', '', 'v1', true, true),
    simple('endpoints', 'Endpoints', '', 'v1', true, false),
    simple('events', 'Event', '', 'v1', true, false),
    simple('deployments', 'Deployment', 'apps', 'v1', true, true),
    simple('replicasets', 'ReplicaSet', 'apps', 'v1', true, true),
    simple('leases', 'Lease', 'coordination.k8s.io', 'v1', true, false),
  ].map((type): [string, ResourceType] => [type.resource, type]),
);

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
