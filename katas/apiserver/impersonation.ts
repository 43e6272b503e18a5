/**
 * Impersonation (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): a request with
 * `Impersonate-User` (and `Impersonate-Group`) headers is served as that user, once the real one
 * is allowed to `impersonate` them. It is how `kubectl auth can-i list pods --as=victor` and
 * `kubectl get pods --as=system:serviceaccount:dev:builder` ask on someone else's behalf:
 *
 * ```
 * Impersonate-User: victor      → RBAC: may alice impersonate users "victor"? then the request is victor's
 * Impersonate-Group: devs       → ... and groups "devs"? victor's groups are then [devs, system:authenticated]
 * ```
 *
 * Given code. The HTTP server asks {@link Impersonation.actAs} before it hands a request to kata
 * 10's handler; the handler authenticates as always, through {@link Impersonation.authenticator},
 * which answers the impersonated user for that one request.
 *
 * Simplified: `Impersonate-Uid` and `Impersonate-Extra-*` are not read; the node proxy (logs, exec,
 * port-forward) serves the real user.
 */
import { randomUUID } from 'node:crypto';
import type { Authenticator, Authorizer, RequestAttributes, UserInfo } from './auth-api.ts';
import { ANONYMOUS, AUTHENTICATED_GROUP } from './authentication.ts';
import { forbiddenFor } from './rbac.ts';
import { badRequest } from './status.ts';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** Serves requests as the user their `Impersonate-*` headers name, when the sender may. */
export class Impersonation {
  /** The users being acted as, by the one-request credential that stands for each. */
  private readonly acting = new Map<string, UserInfo>();

  /**
   * What the handler authenticates with: the impersonated user for a request {@link actAs}
   * rewrote, else the real authenticator (none: everyone is anonymous, as the handler assumes).
   */
  readonly authenticator: Authenticator = {
    authenticate: (authorization) => this.acting.get(authorization ?? '') ?? this.inner?.authenticate(authorization) ?? ANONYMOUS,
  };

  constructor(
    private readonly inner: Authenticator | undefined,
    private readonly authorizer: Authorizer | undefined,
  ) {}

  /**
   * The headers to hand the handler, and `done` to call once it has answered. Without
   * `Impersonate-*` headers, the request's own, as they are (no copy on every request). With them: the sender must be allowed to
   * `impersonate` the user (a ServiceAccount: `serviceaccounts` in its namespace) and each group;
   * the headers then carry a credential that stands for the impersonated user until `done`.
   *
   * @throws StatusError 403 `users "victor" is forbidden: User "bob" cannot impersonate resource
   *   "users" in API group "" at the cluster scope`; 400 for groups without a user
   */
  actAs(headers: Record<string, string | undefined>, url: string): { headers: Record<string, string | undefined>; done(): void } {
    const username = headers['impersonate-user'];
    const groups = (headers['impersonate-group'] ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
    if (username === undefined) {
      if (groups.length > 0) throw badRequest(`requested ${groups.map((g) => `{Group ${g}}`).join(' ')} without impersonating a user`);
      return { headers, done: () => {} };
    }
    const sender = this.inner?.authenticate(headers['authorization']) ?? ANONYMOUS;
    const path = pathOf(url);
    const asked = (resource: string, name: string, namespace = ''): RequestAttributes => ({ user: sender, verb: 'impersonate', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace, name, path });
    const checks: RequestAttributes[] = [];
    const serviceAccount = username.startsWith(SERVICE_ACCOUNT_PREFIX) ? username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':') : undefined;
    checks.push(serviceAccount?.length === 2 ? asked('serviceaccounts', serviceAccount[1]!, serviceAccount[0]!) : asked('users', username));
    for (const group of groups) checks.push(asked('groups', group));
    for (const attributes of checks) {
      const decision = this.authorizer?.authorize(attributes) ?? { allowed: true, reason: '' };
      if (!decision.allowed) throw forbiddenFor(attributes, decision.reason);
    }
    const credential = `Impersonated ${randomUUID()}`;
    this.acting.set(credential, { username, groups: groupsOf(username, groups, serviceAccount?.[0]) });
    return { headers: { ...headers, authorization: credential }, done: () => this.acting.delete(credential) };
  }
}

/** A request URL's path, as RBAC's attributes carry it; the URL as it came when it does not parse (the handler says what is wrong with it). */
function pathOf(url: string): string {
  try {
    return new URL(url, 'http://server').pathname;
  } catch {
    return url;
  }
}

/** The impersonated user's groups: those asked for, a ServiceAccount's own, and who is authenticated. */
function groupsOf(username: string, asked: readonly string[], serviceAccountNamespace: string | undefined): string[] {
  const groups = [...asked];
  // a ServiceAccount's groups are fixed; asked for none, it gets them
  if (serviceAccountNamespace !== undefined && asked.length === 0) groups.push('system:serviceaccounts', `system:serviceaccounts:${serviceAccountNamespace}`);
  const everyone = username === ANONYMOUS.username ? 'system:unauthenticated' : AUTHENTICATED_GROUP;
  if (!groups.includes(everyone)) groups.push(everyone);
  return groups;
}

/**
 * The user of a request the HTTP server answers itself (a TokenRequest, an Eviction, a CSR's
 * approval, a review, `/metrics`), once the authorizer lets them do what `request` describes.
 *
 * @throws StatusError 401 for credentials no authenticator knows; 403 in RBAC's words
 */
export function authorizedUser(authorization: string | undefined, authenticator: Authenticator | undefined, authorizer: Authorizer | undefined, request: Omit<RequestAttributes, 'user'>): UserInfo {
  const user = authenticator?.authenticate(authorization) ?? ANONYMOUS;
  const attributes: RequestAttributes = { ...request, user };
  const decision = authorizer?.authorize(attributes);
  if (decision && !decision.allowed) throw forbiddenFor(attributes, decision.reason);
  return user;
}
