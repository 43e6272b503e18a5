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
 * - A **SubjectAccessReview** (cluster-wide) and a **LocalSubjectAccessReview** (in a namespace)
 *   ask the same of another user, named in the spec with its groups (what a webhook authorizer or
 *   a tool asks); a **TokenReview** asks who a bearer token is (what a webhook authenticator asks).
 *   The HTTP server answers these three itself ({@link SubjectReviews}), as they need its
 *   authenticator and the request's namespace.
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
import type { Authenticator, Authorizer, RequestAttributes, UserInfo } from './auth-api.ts';
import { ANONYMOUS } from './authentication.ts';
import { decodeBody } from './codec.ts';
import { TOKEN_ISSUER } from './service-account-tokens.ts';
import type { ResourceType } from './resources.ts';
import { badRequest, invalid, noRouteForMethod, statusOf } from './status.ts';
import { authorizedUser } from './impersonation.ts';

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
    return { ...answer, status: { userInfo: userInfoOf(user) } } as KubeObject;
  }
  if (type.kind === 'SelfSubjectRulesReview') return { ...answer, ...rulesReview(object, user, authorizer) } as KubeObject;
  const spec = ((object as { spec?: unknown }).spec ?? {}) as AccessReviewSpec;
  const asked = attributesAsked(spec, user, 'SelfSubjectAccessReview.authorization.k8s.io');
  const decision = authorizer?.authorize(asked) ?? { allowed: true, reason: '' };
  return { ...answer, spec, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } } as KubeObject;
}

/** A user as a review answers it (authentication.k8s.io UserInfo): no uid or extra when it has none. */
function userInfoOf(user: UserInfo): object {
  return { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) };
}

/** The request a SelfSubjectAccessReview's spec describes, as the requester would make it. */
function attributesAsked(spec: AccessReviewSpec, user: UserInfo, kind: string): RequestAttributes {
  const resource = spec.resourceAttributes;
  const nonResource = spec.nonResourceAttributes;
  if ((resource === undefined) === (nonResource === undefined)) {
    throw invalid(kind, '', [{ reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
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

/** The reviews the HTTP server answers itself: their paths, kinds and groups. */
const SUBJECT_REVIEWS: readonly { path: RegExp; kind: string; resource: string; group: string }[] = [
  { path: /^\/apis\/authentication\.k8s\.io\/v1\/tokenreviews$/, kind: 'TokenReview', resource: 'tokenreviews', group: 'authentication.k8s.io' },
  { path: /^\/apis\/authorization\.k8s\.io\/v1\/subjectaccessreviews$/, kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', group: 'authorization.k8s.io' },
  { path: /^\/apis\/authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/localsubjectaccessreviews$/, kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', group: 'authorization.k8s.io' },
];

/** What a SubjectAccessReview's spec says besides the attributes: who is asked about. */
interface SubjectSpec extends AccessReviewSpec {
  user?: string;
  groups?: string[];
  uid?: string;
}

/**
 * TokenReviews, SubjectAccessReviews and LocalSubjectAccessReviews (pkg/registry/authentication/tokenreview,
 * pkg/registry/authorization/subjectaccessreview and localsubjectaccessreview): created only, by
 * whoever may `create` them, and answered at once.
 *
 * ```
 * POST /apis/authorization.k8s.io/v1/subjectaccessreviews {spec: {user: jane, resourceAttributes: {verb: list, resource: pods, namespace: dev}}}
 *   -> status {allowed: true, reason: "RBAC: allowed by RoleBinding ..."}
 * POST /apis/authentication.k8s.io/v1/tokenreviews {spec: {token: <a ServiceAccount's token>}}
 *   -> status {authenticated: true, user: {username: system:serviceaccount:dev:builder, ...}, audiences: [...]}
 * ```
 */
export class SubjectReviews {
  /** @param authenticator - who a TokenReview's token is (the server's own chain, as a request's bearer token) */
  constructor(private readonly authenticator: Authenticator | undefined) {}

  /** Is this request for one of these reviews (whatever its method)? */
  static matches(url: string): boolean {
    const path = url.split('?')[0]!;
    return path.endsWith('reviews') && SUBJECT_REVIEWS.some((review) => review.path.test(path));
  }

  /** Answers the review. Never throws: a failure is its Status. */
  answer(method: string, url: string, headers: Record<string, string | undefined>, body: string | Uint8Array, authenticator: Authenticator | undefined, authorizer: Authorizer | undefined): { code: number; body: unknown } {
    try {
      const { pathname } = new URL(url, 'http://apiserver');
      const review = SUBJECT_REVIEWS.find((r) => r.path.test(pathname))!;
      const namespace = decodeURIComponent(review.path.exec(pathname)![1] ?? '');
      const verb = method === 'POST' ? 'create' : method.toLowerCase();
      authorizedUser(headers['authorization'], authenticator, authorizer, { verb, resourceRequest: true, apiGroup: review.group, apiVersion: 'v1', resource: review.resource, subresource: '', namespace, name: '', path: pathname });
      if (method !== 'POST') throw noRouteForMethod();
      const object = (decodeBody(body, headers['content-type']) ?? {}) as { kind?: string; spec?: SubjectSpec & { token?: string; audiences?: string[] } };
      if (object.kind !== undefined && object.kind !== review.kind) throw badRequest(`${review.kind} in version "v1" cannot be handled as a ${review.kind}: the body is a ${String(object.kind)}`);
      const spec = object.spec ?? {};
      const answer = { kind: review.kind, apiVersion: `${review.group}/v1`, metadata: { creationTimestamp: null, ...(namespace && { namespace }) }, spec };
      if (review.kind === 'TokenReview') return { code: 201, body: { ...answer, status: this.tokenStatus(spec.token ?? '', spec.audiences) } };
      return { code: 201, body: { ...answer, status: subjectAccess(review.kind, spec, namespace, authorizer) } };
    } catch (error) {
      const status = statusOf(error);
      return { code: status.code ?? 500, body: status };
    }
  }

  /** Who the token is: authenticated, with the user and the audiences; an unknown token is not. */
  private tokenStatus(token: string, audiences: string[] | undefined): object {
    if (token === '') throw invalid('TokenReview.authentication.k8s.io', '', [{ reason: 'FieldValueRequired', field: 'spec.token', message: 'Required value: token must not be empty' }]);
    try {
      const user = this.authenticator?.authenticate(`Bearer ${token}`);
      if (!user || user.username === ANONYMOUS.username) return { user: {} };
      return { authenticated: true, user: userInfoOf(user), audiences: audiences && audiences.length > 0 ? audiences : [TOKEN_ISSUER] };
    } catch {
      return { user: {} };
    }
  }
}

/**
 * A (Local)SubjectAccessReview's answer: may the user the spec names do this? At least one of user
 * or groups; a local one asks about its own namespace, and about resources only.
 */
function subjectAccess(kind: string, spec: SubjectSpec, namespace: string, authorizer: Authorizer | undefined): object {
  const fullKind = `${kind}.authorization.k8s.io`;
  if (!spec.user && (spec.groups ?? []).length === 0) {
    throw invalid(fullKind, '', [{ reason: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }]);
  }
  if (kind === 'LocalSubjectAccessReview') {
    if (spec.nonResourceAttributes) throw invalid(fullKind, '', [{ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: 'Invalid value: "": disallowed on this kind of request' }]);
    if ((spec.resourceAttributes?.namespace ?? '') !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  }
  const user: UserInfo = { username: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid && { uid: spec.uid }) };
  const decision = authorizer?.authorize(attributesAsked(spec, user, fullKind)) ?? { allowed: true, reason: '' };
  return { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) };
}
