/**
 * The part of kube-apiserver's bootstrap RBAC policy that every cluster of the workbook starts with
 * (upstream: plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go and controller_policy.go):
 *
 * - `cluster-admin`, bound to the group `system:masters` (kubeadm's admin.conf user is in it);
 * - `system:basic-user` (`kubectl auth can-i`, `kubectl auth whoami`), `system:discovery` and
 *   `system:public-info-viewer`, bound as upstream binds them.
 *
 * Given code: `npm run apiserver -- --rbac FILE` adds these below the file's objects, and the
 * cluster of kata 29 serves them as its whole policy.
 *
 * @example
 * ```ts
 * new RbacAuthorizer(staticRbacSource(BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS));
 * ```
 */
import type { ClusterRole, ClusterRoleBinding } from './api/index.ts';

/** Every verb on everything, resources and non-resource URLs: the role of `system:masters`. */
export const CLUSTER_ADMIN_ROLE: ClusterRole = {
  metadata: { name: 'cluster-admin' },
  rules: [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ],
};

/** The roles every user needs to use kubectl at all, and cluster-admin. */
export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = [
  CLUSTER_ADMIN_ROLE,
  {
    metadata: { name: 'system:basic-user' },
    rules: [
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ],
  },
  { metadata: { name: 'system:discovery' }, rules: [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }] },
  { metadata: { name: 'system:public-info-viewer' }, rules: [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }] },
];

/** A ClusterRoleBinding of `role` to groups, named as the role (upstream's convention). */
export function bindToGroups(role: string, groups: readonly string[], name = role): ClusterRoleBinding {
  return {
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: groups.map((group) => ({ kind: 'Group', name: group, apiGroup: 'rbac.authorization.k8s.io' })),
  };
}

/** The bindings of {@link BOOTSTRAP_CLUSTER_ROLES}. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  bindToGroups('cluster-admin', ['system:masters']),
  bindToGroups('system:basic-user', ['system:authenticated']),
  bindToGroups('system:discovery', ['system:authenticated']),
  bindToGroups('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
];
