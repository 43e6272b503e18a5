/**
 * Reviews: objects that are created only, answered at once from who asks, and never stored
 * (pkg/registry/authorization/selfsubjectaccessreview/rest.go and
 * pkg/registry/authentication/selfsubjectreview/rest.go).
 *
 * - A **SelfSubjectAccessReview** (`kubectl auth can-i delete pods`) asks: may I do this? The
 *   server's authorizer — kata 11's RBAC — decides, for the requester's own user and the attributes
 *   in `spec.resourceAttributes` (or `spec.nonResourceAttributes`); no authorizer: yes.
 * - A **SelfSubjectReview** (`kubectl auth whoami`) asks: who am I? The answer is the user the
 *   authenticator made of the request.
 * - A **SelfSubjectRulesReview** (`kubectl auth can-i --list`) asks: what may I do in this
 *   namespace? The rules the authorizer's `rulesFor` finds; an authorizer without it (or none)
 *   answers `incomplete: true`, as upstream's does for one that cannot list rules.
 *
 * Given code: kata 10's handler calls {@link answerReview} for a create of a review.
 *
 * @example
 * ```ts
 * answerReview(resourceType('selfsubjectaccessreviews'), { spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } }, alice, rbac);
 * // { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {...}, spec, status: { allowed: true, reason: 'RBAC: allowed by ...' } }
 * ```
 */
import type { KubeObject } from '@kube/kit';
import type { Authorizer, RequestAttributes, UserInfo } from './auth-api.ts';
import type { ResourceType } from './resources.ts';
import { badRequest, invalid } from './status.ts';

/** What a SelfSubjectAccessReview asks about: a resource request or a non-resource one. */
interface AccessReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

/**
 * The answer to a review of kind `type.kind` posted by `user`.
 *
 * @throws StatusError Invalid for an access review that asks about neither a resource nor a path, or both
 */
export function answerReview(type: ResourceType, object: KubeObject, user: UserInfo, authorizer: Authorizer | undefined): KubeObject {
  const answer = { kind: type.kind, apiVersion: type.apiVersion, metadata: { creationTimestamp: null } as unknown as KubeObject['metadata'] };
  if (type.kind === 'SelfSubjectReview') {
    return { ...answer, status: { userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups } } } as KubeObject;
  }
  if (type.kind === 'SelfSubjectRulesReview') return { ...answer, ...rulesReview(object, user, authorizer) } as KubeObject;
  const spec = ((object as { spec?: unknown }).spec ?? {}) as AccessReviewSpec;
  const asked = attributesAsked(spec, user);
  const decision = authorizer?.authorize(asked) ?? { allowed: true, reason: '' };
  return { ...answer, spec, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } } as KubeObject;
}

/** The request a SelfSubjectAccessReview's spec describes, as the requester would make it. */
function attributesAsked(spec: AccessReviewSpec, user: UserInfo): RequestAttributes {
  const resource = spec.resourceAttributes;
  const nonResource = spec.nonResourceAttributes;
  if ((resource === undefined) === (nonResource === undefined)) {
    throw invalid('SelfSubjectAccessReview.authorization.k8s.io', '', [{ reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
  }
  if (resource) {
    const { verb = '', group = '', version = '', namespace = '', subresource = '', name = '' } = resource;
    return { user, verb, resourceRequest: true, apiGroup: group, apiVersion: version, resource: resource.resource ?? '', subresource, namespace, name, path: '' };
  }
  return { user, verb: nonResource!.verb ?? '', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: nonResource!.path ?? '' };
}

/**
 * What a SelfSubjectRulesReview answers: the user's rules in `spec.namespace`, split into resource
 * and non-resource rules.
 *
 * @throws StatusError BadRequest `no namespace on request` without one (upstream's words)
 */
function rulesReview(object: KubeObject, user: UserInfo, authorizer: Authorizer | undefined): { spec: object; status: object } {
  const spec = ((object as { spec?: { namespace?: string } }).spec ?? {}) as { namespace?: string };
  if (!spec.namespace) throw badRequest('no namespace on request');
  if (authorizer?.rulesFor === undefined) {
    return { spec, status: { incomplete: true, evaluationError: 'this server\'s authorizer cannot list rules' } };
  }
  const rules = authorizer.rulesFor(user, spec.namespace);
  const resourceRules = rules
    .filter((rule) => (rule.resources ?? []).length > 0)
    .map((rule) => ({ verbs: rule.verbs, ...(rule.apiGroups && { apiGroups: rule.apiGroups }), resources: rule.resources, ...(rule.resourceNames && { resourceNames: rule.resourceNames }) }));
  const nonResourceRules = rules.filter((rule) => (rule.nonResourceURLs ?? []).length > 0).map((rule) => ({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs }));
  return { spec, status: { resourceRules, nonResourceRules, incomplete: false } };
}
