/**
 * The object metadata every Kubernetes object carries (apimachinery's meta/v1), and the shapes
 * shared by all kinds: lists, watch events, label selectors, Status errors.
 */

/** A resource quantity as written in a manifest: "100m", "1.5", "128Mi", "1G", "2e3". Kata 07 parses it. */
export type Quantity = string;

/** RFC 3339 time as Kubernetes writes it: "2026-01-01T00:00:00Z". */
export type Time = string;

/** apiVersion and kind: what an object is. */
export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

/** Points from a dependent to its owner; the garbage collector follows these (kata 21). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** the owner that manages this object (a ReplicaSet for its pods) */
  controller?: boolean;
  /** with foreground deletion, the owner waits for this dependent to go */
  blockOwnerDeletion?: boolean;
}

/**
 * Metadata of every object. The apiserver sets uid, resourceVersion, generation,
 * creationTimestamp and deletionTimestamp; clients set name, labels, annotations and finalizers.
 *
 * @example
 * ```ts
 * const meta: ObjectMeta = { name: 'web-1', namespace: 'default', labels: { app: 'web' } };
 * ```
 */
export interface ObjectMeta {
  name?: string;
  /** the apiserver appends a random suffix to make a name: "web-" → "web-x7k2q" */
  generateName?: string;
  namespace?: string;
  uid?: string;
  /** the etcd modRevision of the object, as a string; opaque to clients */
  resourceVersion?: string;
  /** bumped by the apiserver on every change of spec */
  generation?: number;
  creationTimestamp?: Time;
  /** set when deletion was asked for while finalizers remain */
  deletionTimestamp?: Time;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  /** names of controllers that must finish their cleanup before the object goes */
  finalizers?: string[];
}

/** Metadata of a list: the resourceVersion to watch from, and the token of the next page. */
export interface ListMeta {
  resourceVersion?: string;
  /** pass as `continue` to get the next page */
  continue?: string;
  remainingItemCount?: number;
}

/** Any Kubernetes object: what a generic registry, cache or client works with. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
}

/** A list of objects of one kind ("PodList"). */
export interface List<T extends KubeObject = KubeObject> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

/** The event types of a watch stream. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One line of a watch stream: `{"type":"ADDED","object":{...}}`. ERROR carries a {@link Status}. */
export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** The operators of a label selector's expressions. */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One expression of a label selector: `{key: 'tier', operator: 'In', values: ['web']}`. */
export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

/** Selects objects by labels: every matchLabels pair AND every expression must hold. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Why a request was refused, field by field (Invalid errors). */
export interface StatusCause {
  /** "FieldValueRequired", "FieldValueInvalid", "FieldValueDuplicate", ... */
  reason?: string;
  message?: string;
  /** the field path: "spec.containers[1].name" */
  field?: string;
}

/** What the error was about. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The reasons the apiserver gives (apimachinery/pkg/api/errors). */
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
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | '';

/**
 * The apiserver's answer to a request that failed (and to some that succeed, such as a delete).
 *
 * @example
 * ```json
 * {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" not found",
 *  "reason":"NotFound","details":{"name":"web","kind":"pods"},"code":404}
 * ```
 */
export interface Status {
  apiVersion?: 'v1';
  kind?: 'Status';
  metadata?: ListMeta;
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code?: number;
}
