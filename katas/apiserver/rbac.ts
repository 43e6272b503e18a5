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
import { NotImplemented, type ClusterRole, type ClusterRoleBinding, type PolicyRule, type Role, type RoleBinding, type Subject } from '@kube/kit';
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
  // TODO(11): the verb (or '*'); a non-resource request: a nonResourceURL equal to the path, '*', or a prefix ending
  // TODO(11): in '*'. A resource request: the group (or '*'); the resource, as 'resource' or 'resource/subresource',
  // TODO(11): '*', or '*/subresource'; resourceNames empty, or naming the object.
  throw new NotImplemented('11', 'ruleAllows');
}

/** Does a binding's subject name this user? A service account is `system:serviceaccount:<ns>:<name>`. */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  // TODO(11): User: the username; Group: one of the user's groups; ServiceAccount: the username
  // TODO(11): system:serviceaccount:<subject.namespace or the binding's>:<name> (neither: no one). Any other kind: false.
  throw new NotImplemented('11', 'subjectMatches');
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
    // TODO(11): ClusterRoleBindings naming the user, with their ClusterRole's rules; then, for a namespaced request,
    // TODO(11): the RoleBindings of that namespace with their Role (of that namespace) or ClusterRole. The first rule that
    // TODO(11): allows: { allowed: true, reason: 'RBAC: allowed by ...' }. None: { allowed: false, reason: '' }.
    throw new NotImplemented('11', 'RbacAuthorizer.authorize');
  }
}

/**
 * Kubernetes' words for a request RBAC refused (handlers/responsewriters/errors.go, forbiddenMessage):
 * `User "alice" cannot get resource "pods" in API group "" in the namespace "default"`,
 * `... at the cluster scope` without a namespace, `User "alice" cannot get path "/version"`.
 */
export function forbiddenMessage(attributes: RequestAttributes): string {
  // TODO(11): User "<name>" cannot <verb> path "<path>" for a non-resource request; else cannot <verb> resource
  // TODO(11): "<resource[/subresource]>" in API group "<group>" in the namespace "<ns>" (or at the cluster scope).
  throw new NotImplemented('11', 'forbiddenMessage');
}

/**
 * The 403 for a refused request: `pods "web" is forbidden: <forbiddenMessage>` (without a name,
 * `pods is forbidden: ...`; a non-resource request, `forbidden: ...`), and the authorizer's reason
 * after a colon when it gave one.
 */
export function forbiddenFor(attributes: RequestAttributes, reason = ''): StatusError {
  // TODO(11): the message, and ': ' + reason when there is one; a resource request: forbidden(resource (with
  // TODO(11): '.group' when there is a group), name, why); a non-resource one: a 403 Status whose message is 'forbidden: ' + why.
  throw new NotImplemented('11', 'forbiddenFor');
}
