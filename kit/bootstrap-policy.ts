/**
 * The part of kube-apiserver's bootstrap RBAC policy that every cluster of the workbook starts with
 * (upstream: plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go and controller_policy.go):
 *
 * - `cluster-admin`, bound to the group `system:masters` (kubeadm's admin.conf user is in it);
 * - `system:basic-user` (`kubectl auth can-i`, `kubectl auth whoami`), `system:discovery` and
 *   `system:public-info-viewer`, bound as upstream binds them;
 * - the user-facing roles `view`, `edit` and `admin`, bound to no one, for
 *   `kubectl create rolebinding --clusterrole=view` (upstream aggregates them from
 *   `system:aggregate-to-*` roles; here each carries its rules itself).
 *
 * Given code: `npm run apiserver -- --rbac FILE` adds these below the file's objects, and the
 * cluster of kata 29 serves them as its whole policy.
 *
 * @example
 * ```ts
 * new RbacAuthorizer(staticRbacSource(BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS));
 * ```
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from './api/index.ts';

/** Every verb on everything, resources and non-resource URLs: the role of `system:masters`. */
export const CLUSTER_ADMIN_ROLE: ClusterRole = {
  metadata: { name: 'cluster-admin' },
  rules: [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ],
};

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

/** `view`: read everything in a namespace but Secrets, and nothing that grants more (upstream's aggregate-to-view). */
const VIEW_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps'], verbs: READ },
  { apiGroups: [''], resources: ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log'], verbs: READ },
  { apiGroups: [''], resources: ['namespaces'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['apps'], resources: ['controllerrevisions', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status'], verbs: READ },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], verbs: READ },
  { apiGroups: ['batch'], resources: ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingresses/status', 'networkpolicies'], verbs: READ },
];

/** `edit`: `view`, and write the workloads, Services, ConfigMaps and Secrets; exec into pods (upstream's aggregate-to-edit). */
const EDIT_RULES: PolicyRule[] = [
  ...VIEW_RULES,
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: [''], resources: ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets'], verbs: WRITE },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: [''], resources: ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'], verbs: READ },
  { apiGroups: ['apps'], resources: ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale'], verbs: WRITE },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: WRITE },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: WRITE },
];

/** `admin`: `edit`, and grant it in the namespace: Roles and RoleBindings (upstream's aggregate-to-admin). */
const ADMIN_RULES: PolicyRule[] = [
  ...EDIT_RULES,
  { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
];

/** The roles users are given in a namespace: `view`, `edit`, `admin` (bootstrappolicy's user-facing roles). */
export const USER_FACING_CLUSTER_ROLES: readonly ClusterRole[] = [
  { metadata: { name: 'admin' }, rules: ADMIN_RULES },
  { metadata: { name: 'edit' }, rules: EDIT_RULES },
  { metadata: { name: 'view' }, rules: VIEW_RULES },
];

/** The roles every user needs to use kubectl at all, cluster-admin, and the user-facing roles. */
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
  ...USER_FACING_CLUSTER_ROLES,
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
