/**
 * The shapes of a request's way in (kata 11): who is asking (authentication), whether they may
 * (authorization), and what the admission plugins make of it. Given code; kata 10's HTTP server
 * calls these in this order for every request.
 *
 * @example
 * ```ts
 * const user = authenticator.authenticate(request.headers.authorization);      // or 401
 * const decision = authorizer.authorize({ user, verb: 'get', resourceRequest: true, apiGroup: '', apiVersion: 'v1',
 *   resource: 'pods', subresource: '', namespace: 'default', name: 'web', path: '/api/v1/namespaces/default/pods/web' });
 * if (!decision.allowed) throw forbiddenFor(attributes, decision.reason);         // 403
 * await admission.admit(request); await admission.validate(request);              // mutating, then validating
 * ```
 */
import type { KubeObject, PolicyRule } from '@kube/kit';

/** Who is asking (k8s.io/apiserver/pkg/authentication/user.Info). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  /**
   * What the authenticator knows besides, by key: a ServiceAccount token's
   * `authentication.kubernetes.io/credential-id` (`JTI=<its jti>`), which `kubectl auth whoami` shows.
   */
  extra?: Record<string, string[]>;
}

/** What a request asks, in RBAC's terms (k8s.io/apiserver/pkg/authorization/authorizer.Attributes). */
export interface RequestAttributes {
  user: UserInfo;
  /** get list watch create update patch delete deletecollection; for a non-resource request the HTTP verb in lower case */
  verb: string;
  /** false for /version, /api, /apis, /openapi/..., /healthz */
  resourceRequest: boolean;
  /** '' for the core group */
  apiGroup: string;
  apiVersion: string;
  /** 'pods' */
  resource: string;
  /** '' or 'status', 'binding', 'scale', 'log' */
  subresource: string;
  /** '' for a cluster-scoped resource or every namespace */
  namespace: string;
  /** '' for a collection (list, create, watch) */
  name: string;
  /** the URL path */
  path: string;
  /** the request's User-Agent header (`kubectl/v1.32.4 (linux/amd64) ...`): who wrote, for the field manager */
  userAgent?: string;
}

/** Says who sent a request. */
export interface Authenticator {
  /** No header: system:anonymous. An unknown token: throws StatusError 401 Unauthorized. */
  authenticate(authorization: string | undefined): UserInfo;
}

/** What an authorizer decided, and why (for logs and the 403's message). */
export interface AuthorizationDecision {
  allowed: boolean;
  reason: string;
}

/** Says whether a request may go on. */
export interface Authorizer {
  authorize(attributes: RequestAttributes): AuthorizationDecision;
  /**
   * Every rule that grants `user` something in `namespace` (or at the cluster scope), for a
   * SelfSubjectRulesReview (`kubectl auth can-i --list`); an authorizer without it answers those
   * with `incomplete: true` (upstream's RuleResolver).
   */
  rulesFor?(user: UserInfo, namespace: string): PolicyRule[];
}

/** A write on its way to the store, as the admission plugins see it. */
export interface AdmissionRequest {
  attributes: RequestAttributes;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** the object being written (mutating plugins may change it) */
  object?: KubeObject;
  /** the stored object, for UPDATE and DELETE */
  oldObject?: KubeObject;
  /** `?dryRun=All`: a plugin checks, but changes nothing beside the request (the ResourceQuota plugin charges no quota) */
  dryRun?: boolean;
}

/** The admission plugins, mutating then validating. */
export interface AdmissionChain {
  /** mutating plugins, in order; may change request.object; throw StatusError to reject */
  admit(request: AdmissionRequest): void | Promise<void>;
  /** validating plugins, in order; throw StatusError to reject */
  validate(request: AdmissionRequest): void | Promise<void>;
}
