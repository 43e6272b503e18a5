/**
 * Role-based access control (rbac.authorization.k8s.io/v1): who may do what (kata 11).
 *
 * A Role (in a namespace) or a ClusterRole (everywhere) is a list of rules; a RoleBinding or a
 * ClusterRoleBinding grants one to subjects. Nothing is allowed unless some binding grants it.
 * @module
 */
import type { KubeObject, LabelSelector } from './meta.ts';

/**
 * What a rule allows: the verbs, on the resources of the API groups (or on non-resource URLs).
 * `'*'` matches anything in its list; an empty `resourceNames` means every name.
 *
 * @example
 * ```ts
 * const readPods: PolicyRule = { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] };
 * const healthz: PolicyRule = { nonResourceURLs: ['/healthz', '/version'], verbs: ['get'] };
 * ```
 */
export interface PolicyRule {
  /** '' is the core group; '*' any */
  apiGroups?: string[];
  /** 'pods', 'pods/status' (a subresource), '*' (every resource); the wildcard with a subresource ('*' then '/status') matches that subresource of any resource */
  resources?: string[];
  /** get list watch create update patch delete deletecollection, or '*' */
  verbs: string[];
  /** only these objects (empty or absent: all) */
  resourceNames?: string[];
  /** paths such as '/healthz' or '/apis/*' (a trailing '*' is a prefix); only in ClusterRoles */
  nonResourceURLs?: string[];
}

/** Rules in one namespace. */
export interface Role extends KubeObject {
  apiVersion?: 'rbac.authorization.k8s.io/v1';
  kind?: 'Role';
  rules?: PolicyRule[];
}

/**
 * Which ClusterRoles' rules an aggregated ClusterRole is made of: every one whose labels one of
 * the selectors selects (`rbac.authorization.k8s.io/aggregate-to-edit: "true"`).
 */
export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

/** Rules usable everywhere: bound by a ClusterRoleBinding (all namespaces) or a RoleBinding (one). */
export interface ClusterRole extends KubeObject {
  apiVersion?: 'rbac.authorization.k8s.io/v1';
  kind?: 'ClusterRole';
  rules?: PolicyRule[];
  /** with one, the controller manager writes `rules` from the roles it selects (`view`, `edit`, `admin`) */
  aggregationRule?: AggregationRule;
}

/** Who a binding grants to. */
export interface Subject {
  /** 'User', 'Group' or 'ServiceAccount' */
  kind: string;
  name: string;
  /** a ServiceAccount's namespace */
  namespace?: string;
  /** 'rbac.authorization.k8s.io' for User and Group, '' for ServiceAccount */
  apiGroup?: string;
}

/** The Role or ClusterRole a binding grants. */
export interface RoleRef {
  apiGroup: string;
  /** 'Role' or 'ClusterRole' */
  kind: string;
  name: string;
}

/** Grants a Role, or a ClusterRole's rules, to subjects, in the binding's namespace. */
export interface RoleBinding extends KubeObject {
  apiVersion?: 'rbac.authorization.k8s.io/v1';
  kind?: 'RoleBinding';
  roleRef: RoleRef;
  subjects?: Subject[];
}

/** Grants a ClusterRole to subjects in every namespace, and for cluster-scoped resources. */
export interface ClusterRoleBinding extends KubeObject {
  apiVersion?: 'rbac.authorization.k8s.io/v1';
  kind?: 'ClusterRoleBinding';
  roleRef: RoleRef;
  subjects?: Subject[];
}
