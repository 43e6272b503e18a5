/**
 * A namespace's budgets (core/v1): a LimitRange bounds and defaults each container's (or pod's)
 * requests and limits; a ResourceQuota caps what the whole namespace may hold — compute summed over
 * its pods, and how many objects of a kind. Both are enforced by admission plugins when an object is
 * made (LimitRanger, ResourceQuota); the resource quota controller keeps each quota's `status.used`.
 * @module
 */
import type { KubeObject, Quantity } from './meta.ts';

/**
 * One bound of a LimitRange, for each `Container` or each `Pod` (its containers summed). Quantities
 * by resource name (`cpu`, `memory`). For containers, `default` is the limit and `defaultRequest`
 * the request a container is given when it names none.
 *
 * @example
 * ```ts
 * const item: LimitRangeItem = { type: 'Container', max: { cpu: '1' }, defaultRequest: { cpu: '100m' } };
 * ```
 */
export interface LimitRangeItem {
  type: 'Container' | 'Pod' | 'PersistentVolumeClaim' | (string & {});
  max?: Record<string, Quantity>;
  min?: Record<string, Quantity>;
  /** the limit a container without one gets (defaults to `max`) */
  default?: Record<string, Quantity>;
  /** the request a container without one gets (defaults to `default`, else `min`) */
  defaultRequest?: Record<string, Quantity>;
  /** the most a limit may be, divided by its request */
  maxLimitRequestRatio?: Record<string, Quantity>;
}

/** The bounds, at most one item per type. */
export interface LimitRangeSpec {
  limits: LimitRangeItem[];
}

/**
 * `kubectl apply` of a LimitRange makes every pod created after it in the namespace get its
 * defaults and obey its bounds; pods already running are not touched.
 *
 * @example
 * ```ts
 * const limits: LimitRange = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: 'shop' },
 *   spec: { limits: [{ type: 'Container', default: { memory: '256Mi' }, max: { memory: '1Gi' } }] } };
 * ```
 */
export interface LimitRange extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'LimitRange';
  spec?: LimitRangeSpec;
}

/** A scope a quota applies to, as a selector over it: `{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }`. */
export interface ScopedResourceSelectorRequirement {
  scopeName: 'Terminating' | 'NotTerminating' | 'BestEffort' | 'NotBestEffort' | 'PriorityClass' | 'CrossNamespacePodAffinity' | (string & {});
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | (string & {});
  values?: string[];
}

/** Scope requirements, all of which an object must match. */
export interface ScopeSelector {
  matchExpressions?: ScopedResourceSelectorRequirement[];
}

/**
 * The caps: `hard` by quota resource name — `pods`, `requests.cpu`, `limits.memory`, `services`,
 * `count/deployments.apps` — and, optionally, the scopes of pods it counts.
 *
 * @example
 * ```ts
 * const spec: ResourceQuotaSpec = { hard: { pods: '10', 'requests.cpu': '4', 'count/deployments.apps': '3' } };
 * ```
 */
export interface ResourceQuotaSpec {
  hard?: Record<string, Quantity>;
  scopes?: string[];
  scopeSelector?: ScopeSelector;
}

/** What the namespace holds of each capped resource, as last counted (`used`), beside the caps enforced (`hard`). */
export interface ResourceQuotaStatus {
  hard?: Record<string, Quantity>;
  used?: Record<string, Quantity>;
}

/**
 * `kubectl create quota small --hard=pods=2`: a third pod in the namespace is refused (403
 * `exceeded quota: small, requested: pods=1, used: pods=2, limited: pods=2`).
 *
 * @example
 * ```ts
 * const small: ResourceQuota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'small', namespace: 'shop' }, spec: { hard: { pods: '2' } } };
 * ```
 */
export interface ResourceQuota extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'ResourceQuota';
  spec?: ResourceQuotaSpec;
  status?: ResourceQuotaStatus;
}
