/**
 * The RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go and
 * pkg/apis/rbac/v1/evaluation_helpers.go): deny by default; allow when a binding that names the
 * user (or one of their groups, or their service account) grants a role with a rule that matches
 * the request.
 *
 * @example
 * ```ts
 * // ClusterRole "pod-reader": { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }
 * // RoleBinding "read" in "default": User alice -> ClusterRole pod-reader
 * authorizer.authorize({ user: alice, verb: 'get', resource: 'pods', namespace: 'default', ... }); // allowed
 * authorizer.authorize({ user: alice, verb: 'get', resource: 'pods', namespace: 'other', ... });   // denied
 * forbiddenFor(attributes).message; // 'pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "other"'
 * ```
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from '@kube/kit';
import type { AuthorizationDecision, Authorizer, RequestAttributes, UserInfo } from './auth-api.ts';
import { forbidden, StatusError } from './status.ts';

/** Where the authorizer finds the roles and bindings (the registry, or a fixed set in tests). */
export interface RbacSource {
  roles(namespace: string): readonly Role[];
  clusterRoles(): readonly ClusterRole[];
  roleBindings(namespace: string): readonly RoleBinding[];
  clusterRoleBindings(): readonly ClusterRoleBinding[];
}

/** Does `rule` allow the request? (RuleAllows) */
export function ruleAllows(rule: PolicyRule, attributes: RequestAttributes): boolean {
  if (!matchesOrStar(rule.verbs, attributes.verb)) return false;
  if (!attributes.resourceRequest) return (rule.nonResourceURLs ?? []).some((url) => url === '*' || url === attributes.path || (url.endsWith('*') && attributes.path.startsWith(url.slice(0, -1))));
  if (!matchesOrStar(rule.apiGroups ?? [], attributes.apiGroup)) return false;
  const combined = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  const resources = rule.resources ?? [];
  const resourceMatches = resources.some((r) => r === '*' || r === combined || (attributes.subresource !== '' && r === `*/${attributes.subresource}`));
  if (!resourceMatches) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(attributes.name);
}

/** `list` has `value`, or `'*'`. */
function matchesOrStar(list: readonly string[], value: string): boolean {
  return list.includes('*') || list.includes(value);
}

/** Does a binding's subject name this user? A service account is `system:serviceaccount:<ns>:<name>`. */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // Of the subject's namespace, or the RoleBinding's; in a ClusterRoleBinding without one, of none: no one.
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== '' && user.username === `system:serviceaccount:${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

/** RBAC over an {@link RbacSource}. */
export class RbacAuthorizer implements Authorizer {
  constructor(private readonly source: RbacSource) {}

  /**
   * Allowed when a ClusterRoleBinding, or a RoleBinding in the request's namespace, names the user
   * and grants a role with a rule that allows the request. A binding to a role that does not exist
   * grants nothing.
   */
  authorize(attributes: RequestAttributes): AuthorizationDecision {
    const { user } = attributes;
    for (const binding of this.source.clusterRoleBindings()) {
      const subject = (binding.subjects ?? []).find((s) => subjectMatches(s, user, ''));
      if (!subject) continue;
      const role = this.source.clusterRoles().find((r) => r.metadata.name === binding.roleRef.name);
      if (role && (role.rules ?? []).some((rule) => ruleAllows(rule, attributes))) {
        return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${binding.metadata.name}" of ClusterRole "${role.metadata.name}" to ${describeSubject(subject, '')}` };
      }
    }
    if (attributes.namespace !== '') {
      for (const binding of this.source.roleBindings(attributes.namespace)) {
        const subject = (binding.subjects ?? []).find((s) => subjectMatches(s, user, attributes.namespace));
        if (!subject) continue;
        const role =
          binding.roleRef.kind === 'ClusterRole'
            ? this.source.clusterRoles().find((r) => r.metadata.name === binding.roleRef.name)
            : this.source.roles(attributes.namespace).find((r) => r.metadata.name === binding.roleRef.name);
        if (role && (role.rules ?? []).some((rule) => ruleAllows(rule, attributes))) {
          return { allowed: true, reason: `RBAC: allowed by RoleBinding "${binding.metadata.name}/${attributes.namespace}" of ${binding.roleRef.kind} "${role.metadata.name}" to ${describeSubject(subject, attributes.namespace)}` };
        }
      }
    }
    return { allowed: false, reason: '' };
  }
}

/**
 * The subject that let the request in, as upstream's reason names it (describeSubject): `User
 * "alice"`, `Group "dev"`, `ServiceAccount "builder/shop"` (name/namespace: the subject's, else the
 * binding's).
 */
function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

/**
 * Kubernetes' words for a request RBAC refused (handlers/responsewriters/errors.go, forbiddenMessage):
 * `User "alice" cannot get resource "pods" in API group "" in the namespace "default"`,
 * `... at the cluster scope` without a namespace, `User "alice" cannot get path "/version"`.
 */
export function forbiddenMessage(attributes: RequestAttributes): string {
  const who = `User "${attributes.user.username}"`;
  if (!attributes.resourceRequest) return `${who} cannot ${attributes.verb} path "${attributes.path}"`;
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  const where = attributes.namespace ? `in the namespace "${attributes.namespace}"` : 'at the cluster scope';
  return `${who} cannot ${attributes.verb} resource "${resource}" in API group "${attributes.apiGroup}" ${where}`;
}

/**
 * The 403 for a refused request: `pods "web" is forbidden: <forbiddenMessage>` (without a name,
 * `pods is forbidden: ...`; a non-resource request, `forbidden: ...`), and the authorizer's reason
 * after a colon when it gave one.
 */
export function forbiddenFor(attributes: RequestAttributes, reason = ''): StatusError {
  const why = forbiddenMessage(attributes) + (reason ? `: ${reason}` : '');
  if (!attributes.resourceRequest) {
    return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: ${why}`, reason: 'Forbidden', code: 403 });
  }
  const resource = attributes.apiGroup ? `${attributes.resource}.${attributes.apiGroup}` : attributes.resource;
  return forbidden(resource, attributes.name, why);
}
