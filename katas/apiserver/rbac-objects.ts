/**
 * Roles, ClusterRoles, RoleBindings and ClusterRoleBindings as objects the apiserver serves
 * (rbac.authorization.k8s.io/v1), and the RBAC authorizer reading them from the store, as upstream's
 * does (plugin/pkg/auth/authorizer/rbac, pkg/apis/rbac/validation, pkg/registry/rbac):
 *
 * ```
 * kubectl create role pod-reader --verb=get,list --resource=pods -n shop
 * kubectl create rolebinding victor-reads --role=pod-reader --user=victor -n shop
 * kubectl auth can-i list pods -n shop --as victor      # yes
 * ```
 *
 * Given code: kata 11's `RbacAuthorizer` decides; this file gives it a {@link StoredRbacSource}
 * ({@link storedRbacAuthorizer} puts the two together and lists a user's rules), the
 * rules a stored RBAC object must keep ({@link validateRbacObject}, {@link validateRoleRefUpdate})
 * and the bootstrap policy's place in the store ({@link ensureRbacObjects}).
 *
 * Simplified: upstream also refuses a Role or binding that grants more than its author holds
 * (escalation prevention, unless they may `escalate` or `bind`); that is not done here. A
 * ClusterRole's `aggregationRule` is stored as it is, and the cluster's controller manager fills in
 * its rules (controllers/clusterrole-aggregation.ts).
 */
import type { ClusterRole, ClusterRoleBinding, KubeObject, PolicyRule, Role, RoleBinding, Subject } from '@kube/kit';
import { at, invalidField, requiredField, unsupportedField, type FieldError } from './field-errors.ts';
import { isDNS1123Subdomain } from './names.ts';
import type { Authorizer, UserInfo } from './auth-api.ts';
import { RbacAuthorizer, subjectMatches, type RbacSource } from './rbac.ts';
import type { Registry } from './registry.ts';
import { StatusError } from './status.ts';

/** The group whose members RBAC never refuses (upstream's user.SystemPrivilegedGroup). */
export const PRIVILEGED_GROUP = 'system:masters';

/** The API group of RBAC's objects, and of the User and Group subjects. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * An RBAC object's name is a path segment, not a DNS name: `system:basic-user` is one
 * (k8s.io/apimachinery/pkg/api/validation/path IsValidPathSegmentName).
 */
export function isPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

/**
 * A rule is about resources or non-resource URLs, never both; a Role's (namespaced) rules only
 * about resources (ValidatePolicyRule).
 */
function validateRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if ((rule.verbs ?? []).length === 0) errors.push(requiredField(at(path, 'verbs'), 'verbs must contain at least one value'));
  if ((rule.nonResourceURLs ?? []).length > 0) {
    if (namespaced) errors.push(invalidField(at(path, 'nonResourceURLs'), rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if ((rule.apiGroups ?? []).length > 0 || (rule.resources ?? []).length > 0) errors.push(invalidField(at(path, 'nonResourceURLs'), rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errors;
  }
  if ((rule.apiGroups ?? []).length === 0) errors.push(requiredField(at(path, 'apiGroups'), 'resource rules must supply at least one api group'));
  if ((rule.resources ?? []).length === 0) errors.push(requiredField(at(path, 'resources'), 'resource rules must supply at least one resource'));
  return errors;
}

/** A subject names a User, a Group or a ServiceAccount (ValidateRoleBindingSubject). */
function validateSubject(subject: Subject, namespaced: boolean, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!subject.name) errors.push(requiredField(at(path, 'name')));
  switch (subject.kind) {
    case 'ServiceAccount':
      if (subject.name) errors.push(...isDNS1123Subdomain(subject.name).map((m) => invalidField(at(path, 'name'), subject.name, m)));
      if (subject.apiGroup) errors.push(unsupportedField(at(path, 'apiGroup'), subject.apiGroup, ['']));
      if (!namespaced && !subject.namespace) errors.push(requiredField(at(path, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (subject.apiGroup !== RBAC_GROUP) errors.push(unsupportedField(at(path, 'apiGroup'), subject.apiGroup, [RBAC_GROUP]));
      break;
    default:
      errors.push(unsupportedField(at(path, 'kind'), subject.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errors;
}

/**
 * What an RBAC object of `kind` must be, besides its metadata: its rules (Role, ClusterRole), or
 * its roleRef and subjects (RoleBinding, ClusterRoleBinding).
 *
 * @example
 * ```ts
 * validateRbacObject('ClusterRoleBinding')({ metadata: { name: 'x' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: 'r' } });
 * // [{ field: 'roleRef.kind', message: 'Unsupported value: "Role": supported values: "ClusterRole"', ... }]
 * ```
 */
export function validateRbacObject(kind: 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding'): (obj: KubeObject) => FieldError[] {
  const namespaced = kind === 'Role' || kind === 'RoleBinding';
  return (obj) => {
    if (kind === 'Role' || kind === 'ClusterRole') return ((obj as Role).rules ?? []).flatMap((rule, i) => validateRule(rule, namespaced, at('rules', i)));
    const binding = obj as RoleBinding;
    const roleRef = binding.roleRef ?? { apiGroup: '', kind: '', name: '' };
    const errors: FieldError[] = [];
    if (roleRef.apiGroup !== RBAC_GROUP) errors.push(unsupportedField(at('roleRef', 'apiGroup'), roleRef.apiGroup, [RBAC_GROUP]));
    const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    if (!kinds.includes(roleRef.kind)) errors.push(unsupportedField(at('roleRef', 'kind'), roleRef.kind, kinds));
    if (!roleRef.name) errors.push(requiredField(at('roleRef', 'name')));
    else errors.push(...isPathSegmentName(roleRef.name).map((m) => invalidField(at('roleRef', 'name'), roleRef.name, m)));
    (binding.subjects ?? []).forEach((subject, i) => errors.push(...validateSubject(subject, namespaced, at('subjects', i))));
    return errors;
  };
}

/** A subject's apiGroup, when left out: '' for a ServiceAccount, RBAC's for a User or Group (SetDefaults_Subject). */
export function defaultSubjects(obj: KubeObject): void {
  for (const subject of (obj as RoleBinding).subjects ?? []) {
    if (subject.apiGroup === undefined || subject.apiGroup === '') subject.apiGroup = subject.kind === 'ServiceAccount' ? '' : subject.kind === 'User' || subject.kind === 'Group' ? RBAC_GROUP : subject.apiGroup;
  }
}

/**
 * A binding's roleRef never changes (delete and re-create the binding instead), and the message
 * shows it as Go prints the struct:
 * `roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef`.
 */
export function validateRoleRefUpdate(next: KubeObject, stored: KubeObject): FieldError[] {
  const now = (next as RoleBinding).roleRef ?? { apiGroup: '', kind: '', name: '' };
  const was = (stored as RoleBinding).roleRef ?? { apiGroup: '', kind: '', name: '' };
  if (now.apiGroup === was.apiGroup && now.kind === was.kind && now.name === was.name) return [];
  const shown = `rbac.RoleRef{APIGroup:${JSON.stringify(now.apiGroup ?? '')}, Kind:${JSON.stringify(now.kind ?? '')}, Name:${JSON.stringify(now.name ?? '')}}`;
  return [{ reason: 'FieldValueInvalid', field: 'roleRef', message: `Invalid value: ${shown}: cannot change roleRef` }];
}

/**
 * The roles and bindings the authorizer reads, from the registry: what `kubectl create role`
 * wrote counts from the next request on. Each list is read once per store revision (a request
 * asks for the ClusterRoles once per binding it looks at).
 */
export class StoredRbacSource implements RbacSource {
  private readonly cache = new Map<string, readonly KubeObject[]>();
  private cachedAt = -1;

  constructor(private readonly registry: Registry) {}

  roles(namespace: string): readonly Role[] {
    return this.list('roles', namespace) as Role[];
  }

  clusterRoles(): readonly ClusterRole[] {
    return this.list('clusterroles', undefined) as ClusterRole[];
  }

  roleBindings(namespace: string): readonly RoleBinding[] {
    return this.list('rolebindings', namespace) as RoleBinding[];
  }

  clusterRoleBindings(): readonly ClusterRoleBinding[] {
    return this.list('clusterrolebindings', undefined) as ClusterRoleBinding[];
  }

  private list(resource: string, namespace: string | undefined): readonly KubeObject[] {
    if (this.registry.store.revision !== this.cachedAt) {
      this.cache.clear();
      this.cachedAt = this.registry.store.revision;
    }
    const key = `${resource}/${namespace ?? ''}`;
    let items = this.cache.get(key);
    if (items === undefined) {
      items = this.registry.list(resource, namespace).items;
      this.cache.set(key, items);
    }
    return items;
  }
}

/**
 * Kata 11's RbacAuthorizer on the roles in the store, which can also list what a user may do
 * (`kubectl auth can-i --list`): the rules of every role bound to them, cluster-wide and in the
 * namespace (upstream's RBAC RulesFor, plugin/pkg/auth/authorizer/rbac/rbac.go). Before RBAC, as
 * kube-apiserver's authorizer chain has it, members of `system:masters` are allowed everything.
 *
 * @example
 * ```ts
 * const authorizer = storedRbacAuthorizer(registry);
 * authorizer.rulesFor!(victor, 'shop'); // [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, ...]
 * ```
 */
export function storedRbacAuthorizer(registry: Registry): Authorizer {
  const source = new StoredRbacSource(registry);
  const rbac = new RbacAuthorizer(source);
  return {
    // kube-apiserver's first authorizer lets `system:masters` do anything, whatever RBAC says:
    // deleting the cluster-admin ClusterRole cannot lock the administrator out
    authorize: (attributes) => (attributes.user.groups.includes(PRIVILEGED_GROUP) ? { allowed: true, reason: '' } : rbac.authorize(attributes)),
    rulesFor: (user, namespace) => rulesFor(source, user, namespace),
  };
}

/** The rules of the roles bound to `user`: by ClusterRoleBindings, then by the namespace's RoleBindings. */
function rulesFor(source: RbacSource, user: UserInfo, namespace: string): PolicyRule[] {
  const clusterRole = (name: string) => source.clusterRoles().find((role) => role.metadata.name === name);
  const rules: PolicyRule[] = [];
  for (const binding of source.clusterRoleBindings()) {
    if ((binding.subjects ?? []).some((subject) => subjectMatches(subject, user, ''))) rules.push(...(clusterRole(binding.roleRef.name)?.rules ?? []));
  }
  if (namespace === '') return rules;
  for (const binding of source.roleBindings(namespace)) {
    if (!(binding.subjects ?? []).some((subject) => subjectMatches(subject, user, namespace))) continue;
    const role = binding.roleRef.kind === 'ClusterRole' ? clusterRole(binding.roleRef.name) : source.roles(namespace).find((r) => r.metadata.name === binding.roleRef.name);
    rules.push(...(role?.rules ?? []));
  }
  return rules;
}

/** The resource of an RBAC kind. */
const RESOURCE_OF: Record<string, string> = { Role: 'roles', ClusterRole: 'clusterroles', RoleBinding: 'rolebindings', ClusterRoleBinding: 'clusterrolebindings' };

/**
 * Writes RBAC objects the store does not have yet, as the apiserver's bootstrap policy does at
 * start (pkg/registry/rbac/rest/storage_rbac.go): each marked `kubernetes.io/bootstrapping:
 * rbac-defaults` and `rbac.authorization.kubernetes.io/autoupdate: "true"`. With `replace`, one
 * that is there is overwritten (a policy file is the truth at start); without, it is kept (an
 * administrator's change survives a restart).
 *
 * @example
 * ```ts
 * ensureRbacObjects(registry, [...BOOTSTRAP_CLUSTER_ROLES.map((r) => ({ kind: 'ClusterRole', ...r }))]);
 * ```
 */
export function ensureRbacObjects(registry: Registry, objects: readonly (KubeObject & { kind?: string })[], options: { replace?: boolean } = {}): void {
  for (const object of objects) {
    const resource = RESOURCE_OF[object.kind ?? ''];
    if (resource === undefined) throw new Error(`not an RBAC object: kind ${JSON.stringify(object.kind)} (Role, ClusterRole, RoleBinding or ClusterRoleBinding)`);
    const marked = {
      ...structuredClone(object),
      apiVersion: `${RBAC_GROUP}/v1`,
      metadata: {
        ...structuredClone(object.metadata),
        labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...object.metadata.labels },
        annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true', ...object.metadata.annotations },
      },
    };
    const namespace = object.metadata.namespace ?? (resource === 'roles' || resource === 'rolebindings' ? 'default' : undefined);
    try {
      registry.create(resource, namespace, marked);
    } catch (error) {
      if (!(error instanceof StatusError) || error.status.reason !== 'AlreadyExists') throw error;
      if (!options.replace) continue;
      const stored = registry.get(resource, namespace, object.metadata.name ?? '');
      registry.update(resource, namespace, { ...marked, metadata: { ...marked.metadata, resourceVersion: stored.metadata.resourceVersion } });
    }
  }
}
