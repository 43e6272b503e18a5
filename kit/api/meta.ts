/**
 * What every Kubernetes object shares (apimachinery's meta/v1): its metadata, lists, watch events,
 * label selectors and the Status the apiserver answers with when a request fails.
 * @module
 */

/**
 * A resource quantity as written in a manifest: `"100m"`, `"1.5"`, `"128Mi"`, `"1G"`, `"2e3"`.
 * Kept as the string the user wrote; kata 07 parses it, and the scheduler compares parsed values.
 *
 * @example
 * ```ts
 * const requests: Record<string, Quantity> = { cpu: '250m', memory: '64Mi' };
 * ```
 */
export type Quantity = string;

/** A time as Kubernetes writes it: RFC 3339 in UTC, whole seconds (`"2026-01-01T00:00:00Z"`; see `toRFC3339`). */
export type Time = string;

/** A time with microseconds (`"2026-01-01T00:00:00.000000Z"`), used by Leases and Events. */
export type MicroTime = string;

/** The status of a condition: whether it holds, does not, or nobody knows. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** What an object is: its API group and version (`"v1"`, `"apps/v1"`) and its kind (`"Pod"`). */
export interface TypeMeta {
  /** `"v1"` for the core group, `"<group>/<version>"` for the others */
  apiVersion?: string;
  /** the kind in CamelCase: `"Pod"`, `"Deployment"` */
  kind?: string;
}

/**
 * Points from a dependent to the object that owns it (a pod to its ReplicaSet). When the owner is
 * deleted, the garbage collector deletes its dependents (kata 21).
 */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** true on the one owner that manages this object (its controller) */
  controller?: boolean;
  /** with foreground deletion, the owner waits until this dependent is gone */
  blockOwnerDeletion?: boolean;
}

/**
 * The metadata every object carries. Clients set name (or generateName), namespace, labels,
 * annotations, ownerReferences and finalizers; the apiserver sets the rest.
 *
 * @example
 * ```ts
 * const meta: ObjectMeta = { name: 'web-1', namespace: 'default', labels: { app: 'web' } };
 * ```
 */
export interface ObjectMeta {
  /** unique among objects of its kind in its namespace */
  name?: string;
  /** a prefix: on create without a name, the apiserver appends a random suffix ("web-" → "web-x7k2q") */
  generateName?: string;
  /** absent for cluster-scoped kinds (Node, Namespace) */
  namespace?: string;
  /** set by the apiserver on create; never reused, so it tells two objects of the same name apart */
  uid?: string;
  /** the store's revision of the last write, as an opaque string; an update must carry the current one */
  resourceVersion?: string;
  /** bumped by the apiserver whenever the spec changes (not the status) */
  generation?: number;
  creationTimestamp?: Time;
  /** set when deletion was asked for while finalizers remain; the object goes when they are gone */
  deletionTimestamp?: Time;
  deletionGracePeriodSeconds?: number;
  /** identifying key/value pairs, matched by selectors */
  labels?: Record<string, string>;
  /** non-identifying key/value pairs, for tools and controllers */
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  /** names of controllers that must finish their cleanup before the object is removed */
  finalizers?: string[];
  /** who set which field: kept by the apiserver for server-side apply (`kubectl get -o yaml --show-managed-fields`) */
  managedFields?: ManagedFieldsEntry[];
}

/**
 * One field manager's fields of an object: a `kubectl apply --server-side` (operation `Apply`), or
 * the writes of a client that changed fields some other way (`Update`).
 *
 * @example
 * ```ts
 * const entry: ManagedFieldsEntry = {
 *   manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-12-07T01:00:00Z',
 *   fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } },
 * };
 * ```
 */
export interface ManagedFieldsEntry {
  /** the client's `?fieldManager=`: `kubectl`, `kubectl-edit`, `kubectl-scale`, ... */
  manager?: string;
  operation?: 'Apply' | 'Update';
  /** the version the fields are written in: `apps/v1` */
  apiVersion?: string;
  /** when this manager last changed its fields */
  time?: Time;
  fieldsType?: 'FieldsV1';
  /** the fields, as a tree: `f:<field>`, `k:<key of a list item as JSON>`, `v:<value in a set>`; `.` is the node itself */
  fieldsV1?: FieldsV1;
  /** `status` or `scale` when the write went to that subresource */
  subresource?: string;
}

/**
 * A set of fields as managedFields writes it, a tree: `{"f:spec":{"f:replicas":{}}}` is the set
 * holding `.spec.replicas`. Opaque here, as upstream types it; the apiserver's field-manager.ts
 * reads and writes it.
 */
export interface FieldsV1 {}

/** Metadata of a list: the revision it was read at (watch from there) and the token of the next page. */
export interface ListMeta {
  resourceVersion?: string;
  /** pass as `?continue=` to read the next page; absent on the last page */
  continue?: string;
  /** how many items the following pages hold, when the server knows */
  remainingItemCount?: number;
}

/**
 * Any Kubernetes object: what a generic store, registry, cache or client works with. Every kind in
 * this kit extends it. `metadata` is required here (the apiserver always has it).
 *
 * @example
 * ```ts
 * function describe(object: KubeObject): string {
 *   return `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
 * }
 * ```
 */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
}

/**
 * A list of objects of one kind, as `GET /api/v1/namespaces/default/pods` returns it
 * (kind `"PodList"`).
 *
 * @example
 * ```ts
 * const pods: List<Pod> = { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '42' }, items: [] };
 * ```
 */
export interface List<T extends KubeObject = KubeObject> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

/** The kinds of event in a watch stream. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * One event of a watch stream, one JSON object per line: `{"type":"ADDED","object":{...}}`.
 * A BOOKMARK's object carries only `metadata.resourceVersion`; an ERROR's object is a
 * {@link Status} (type such a stream as `WatchEvent<Pod | Status>`).
 */
export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** The operators of a label selector's expressions. */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One expression of a label selector: `{ key: 'tier', operator: 'In', values: ['web', 'api'] }`. */
export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  /** non-empty for In and NotIn, empty for Exists and DoesNotExist */
  values?: string[];
}

/**
 * Selects objects by their labels: every matchLabels pair AND every expression must hold. An empty
 * selector (`{}`) selects everything.
 *
 * @example
 * ```ts
 * const selector: LabelSelector = {
 *   matchLabels: { app: 'web' },
 *   matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }],
 * };
 * ```
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * Points at another object (core/v1 ObjectReference): an Event's subject, an endpoint's pod, a
 * Binding's node.
 */
export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  /** a part of the object, e.g. `"spec.containers{web}"` */
  fieldPath?: string;
}

/** One reason a request was refused, for one field (in an Invalid error). */
export interface StatusCause {
  /** `"FieldValueRequired"`, `"FieldValueInvalid"`, `"FieldValueDuplicate"`, `"FieldValueNotSupported"`, ... */
  reason?: string;
  message?: string;
  /** the path of the field: `"spec.containers[1].name"` */
  field?: string;
}

/** Which object an error is about, and why, field by field. */
export interface StatusDetails {
  name?: string;
  group?: string;
  /** the resource (`"pods"`) or kind the error is about */
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  /** for TooManyRequests and some ServerTimeouts: when to try again */
  retryAfterSeconds?: number;
}

/** The machine-readable reasons of a failed request (apimachinery's metav1.StatusReason). */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Timeout'
  | 'ServerTimeout'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | '';

/**
 * The apiserver's answer to a request that failed (and to a few that succeed, such as some deletes).
 * `code` is the HTTP status; `reason` says what kind of failure it is.
 *
 * @example
 * ```ts
 * const notFound: Status = {
 *   apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure',
 *   message: 'pods "web" not found', reason: 'NotFound', details: { name: 'web', kind: 'pods' }, code: 404,
 * };
 * ```
 */
export interface Status {
  apiVersion?: 'v1';
  kind?: 'Status';
  metadata?: ListMeta;
  status?: 'Success' | 'Failure';
  /** for people: `pods "web" not found` */
  message?: string;
  /** for programs */
  reason?: StatusReason;
  details?: StatusDetails;
  /** the HTTP status code: 404, 409, 422, ... */
  code?: number;
}

/**
 * The condition most newer kinds use (meta/v1 Condition): a PodDisruptionBudget's
 * `DisruptionAllowed`. Unlike the older kinds' own condition types, every field but
 * `observedGeneration` is required.
 */
export interface Condition {
  type: string;
  status: ConditionStatus;
  /** the metadata.generation the condition was set for */
  observedGeneration?: number;
  lastTransitionTime: Time;
  /** CamelCase, for programs */
  reason: string;
  /** for people; may be empty */
  message: string;
}
