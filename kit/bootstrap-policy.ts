/**
 * The part of kube-apiserver's bootstrap RBAC policy that every cluster of the workbook starts with
 * (upstream: plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go and controller_policy.go):
 *
 * - `cluster-admin`, bound to the group `system:masters` (kubeadm's admin.conf user is in it);
 * - `system:basic-user` (`kubectl auth can-i`, `kubectl auth whoami`), `system:discovery` and
 *   `system:public-info-viewer`, bound as upstream binds them;
 * - the user-facing roles `view`, `edit` and `admin`, bound to no one, for
 *   `kubectl create rolebinding --clusterrole=view`, aggregated as upstream's are: each has an
 *   `aggregationRule` that selects the roles labelled `rbac.authorization.k8s.io/aggregate-to-<it>`
 *   (`system:aggregate-to-view`, ..., `view` itself is labelled aggregate-to-edit, `edit`
 *   aggregate-to-admin), and its rules are theirs, put together by {@link aggregateRules}: stored
 *   so from the start, and kept so by the controller manager's clusterrole-aggregation controller
 *   when someone adds a role with such a label (a CustomResourceDefinition's, say).
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

/** The label that puts a ClusterRole's rules into an aggregated one: `rbac.authorization.k8s.io/aggregate-to-edit`. */
export const AGGREGATE_TO_LABEL = 'rbac.authorization.k8s.io/aggregate-to-';

/**
 * The rules of an aggregated ClusterRole, from the roles it selects (upstream's
 * clusterroleaggregation controller): the roles in the order of their names, each rule once.
 *
 * @example
 * ```ts
 * aggregateRules([viewRole, aggregateToEditRole]);  // system:aggregate-to-edit's rules, then view's not already there
 * ```
 */
export function aggregateRules(selected: readonly ClusterRole[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  const byName = [...selected].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const role of byName) {
    for (const rule of role.rules ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(rule);
    }
  }
  return rules;
}

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

/** `edit`, besides `view`: write the workloads, Services, ConfigMaps and Secrets; exec into pods (upstream's aggregate-to-edit). */
const EDIT_RULES: PolicyRule[] = [
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

/** `admin`, besides `edit`: grant it in the namespace: Roles and RoleBindings (upstream's aggregate-to-admin). */
const ADMIN_RULES: PolicyRule[] = [
  { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
];

/** A role whose rules go into `into` (labelled aggregate-to-`into`). */
const aggregatedInto = (into: string): Record<string, string> => ({ [`${AGGREGATE_TO_LABEL}${into}`]: 'true' });
/** The aggregationRule of `name`: the roles labelled aggregate-to-`name`. */
const aggregating = (name: string) => ({ clusterRoleSelectors: [{ matchLabels: aggregatedInto(name) }] });

/** The roles that hold the user-facing roles' rules (bootstrappolicy's `system:aggregate-to-*`). */
const AGGREGATE_TO_ROLES: readonly ClusterRole[] = [
  { metadata: { name: 'system:aggregate-to-admin', labels: aggregatedInto('admin') }, rules: ADMIN_RULES },
  { metadata: { name: 'system:aggregate-to-edit', labels: aggregatedInto('edit') }, rules: EDIT_RULES },
  { metadata: { name: 'system:aggregate-to-view', labels: aggregatedInto('view') }, rules: VIEW_RULES },
];

const VIEW: ClusterRole = { metadata: { name: 'view', labels: aggregatedInto('edit') }, aggregationRule: aggregating('view'), rules: aggregateRules([AGGREGATE_TO_ROLES[2]!]) };
const EDIT: ClusterRole = { metadata: { name: 'edit', labels: aggregatedInto('admin') }, aggregationRule: aggregating('edit'), rules: aggregateRules([AGGREGATE_TO_ROLES[1]!, VIEW]) };
const ADMIN: ClusterRole = { metadata: { name: 'admin' }, aggregationRule: aggregating('admin'), rules: aggregateRules([AGGREGATE_TO_ROLES[0]!, EDIT]) };

/** The roles users are given in a namespace: `view`, `edit`, `admin` (bootstrappolicy's user-facing roles), and the roles they aggregate. */
export const USER_FACING_CLUSTER_ROLES: readonly ClusterRole[] = [ADMIN, EDIT, VIEW, ...AGGREGATE_TO_ROLES];

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
