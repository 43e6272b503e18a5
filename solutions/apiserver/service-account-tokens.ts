/**
 * ServiceAccount tokens (k8s.io/kubernetes/pkg/serviceaccount, pkg/registry/core/serviceaccount/
 * storage/token.go): `kubectl create token default` POSTs a TokenRequest to
 * `serviceaccounts/default/token`, the apiserver signs a JWT naming the ServiceAccount, and a
 * request carrying it as a bearer token is that ServiceAccount's — as long as the token has not
 * expired and the ServiceAccount it names (by uid) still exists.
 *
 * ```
 * POST /api/v1/namespaces/shop/serviceaccounts/builder/token  {"spec":{"expirationSeconds":3600}}
 *   -> 201 TokenRequest, status.token "eyJ...", status.expirationTimestamp now + 1 h
 * GET /api/v1/namespaces/shop/pods   Authorization: Bearer eyJ...
 *   -> user system:serviceaccount:shop:builder, groups system:serviceaccounts,
 *      system:serviceaccounts:shop, system:authenticated (then RBAC decides)
 * ```
 *
 * Each token carries an id of its own (`jti`, a random UUID), which the user it stands for carries
 * as {@link CREDENTIAL_ID_EXTRA} `JTI=<id>`: `kubectl auth whoami` shows it under Extra, as on a
 * v1.32 cluster, and a TokenReview answers it.
 *
 * Given code: the HTTP server answers the TokenRequest itself, after authenticating and
 * authorizing it as kata 10's handler would (`create` on `serviceaccounts/token`), and puts
 * {@link ServiceAccountTokens.authenticate} in front of kata 11's authenticator.
 *
 * A long-lived token, the one kube-controller-manager's token controller writes into a Secret of
 * type `kubernetes.io/service-account-token` ({@link ServiceAccountTokens.legacyToken}, issuer
 * `kubernetes/serviceaccount`), is its ServiceAccount's for as long as that Secret holds it.
 *
 * Simplified: tokens are signed with HMAC-SHA256 (HS256) by a key of the server's, where upstream
 * signs with RSA or ECDSA keys (`--service-account-signing-key-file`) that others can verify; no
 * audiences are checked and no token is bound to a pod or a secret (`boundObjectRef`).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { toRFC3339, type Clock, type KubeObject, type Random } from '@kube/kit';
import type { Authenticator, Authorizer, UserInfo } from './auth-api.ts';
import { AUTHENTICATED_GROUP } from './authentication.ts';
import { decodeBody } from './codec.ts';
import { uuid, type Registry } from './registry.ts';
import { invalid, isStatusError, noRouteForMethod, notFound, statusOf, unauthorized } from './status.ts';
import { authorizedUser } from './impersonation.ts';

/** Who issues the tokens, as kube-apiserver's default `--service-account-issuer` names it. */
export const TOKEN_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** A token's life when the request names none (`kubectl create token` asks for 1 h too). */
export const DEFAULT_TOKEN_SECONDS = 3600;
/** The shortest life a token may be asked for: 10 minutes. */
export const MIN_TOKEN_SECONDS = 600;
/**
 * The user's extra key naming the credential a request came with: `JTI=<the token's jti>` for a
 * TokenRequest's token, so that audit logs and `kubectl auth whoami` can tell one token from another.
 */
export const CREDENTIAL_ID_EXTRA = 'authentication.kubernetes.io/credential-id';

/**
 * Who issues the long-lived tokens the token controller writes into Secrets of type
 * `kubernetes.io/service-account-token` (upstream's legacy tokens, pkg/serviceaccount/legacy.go).
 */
export const LEGACY_TOKEN_ISSUER = 'kubernetes/serviceaccount';
/**
 * The label this server writes on such a Secret on each day its token is used, the date in UTC
 * (`2026-12-07`), as v1.32 does (LegacyServiceAccountTokenTracking): who still relies on it shows.
 */
export const LEGACY_TOKEN_LAST_USED = 'kubernetes.io/legacy-token-last-used';

/** The claims of a legacy token: flat, one per fact, and naming the Secret that holds it. */
interface LegacyClaims {
  iss: typeof LEGACY_TOKEN_ISSUER;
  sub: string;
  'kubernetes.io/serviceaccount/namespace': string;
  'kubernetes.io/serviceaccount/secret.name': string;
  'kubernetes.io/serviceaccount/service-account.name': string;
  'kubernetes.io/serviceaccount/service-account.uid': string;
}

/** The claims of a ServiceAccount token (the `kubernetes.io` private claim, as upstream's). */
interface Claims {
  iss: string;
  sub: string;
  aud: string[];
  iat: number;
  nbf: number;
  exp: number;
  /** the token's own id, a random UUID (upstream's since v1.30) */
  jti?: string;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
}

/** `POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token`: namespace and name; else undefined. */
const TOKEN_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/;

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** A request without a body asks for the defaults. */
const isEmpty = (body: string | Uint8Array): boolean => (typeof body === 'string' ? body.trim() === '' : body.length === 0);

/** Issues ServiceAccount tokens and recognizes them. */
export class ServiceAccountTokens {
  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
    /** the signing key: a server with a data dir keeps it there, so its tokens outlive a restart */
    private readonly key: Buffer,
    /** where the tokens' ids come from: the server's seeded Random in a test; else the system's */
    private readonly random?: Random,
  ) {}

  /** Is this request a TokenRequest (whatever its method)? */
  static matches(url: string): boolean {
    // Asked of every request: a string test, no URL parsed.
    return url.includes('/token') && TOKEN_PATH.test(url.split('?')[0]!);
  }

  /**
   * `authenticator` with this server's tokens recognized first: a token this server signed is its
   * ServiceAccount's; any other goes on to `authenticator`.
   */
  authenticating(authenticator: Authenticator): Authenticator {
    return { authenticate: (authorization) => this.authenticate(authorization) ?? authenticator.authenticate(authorization) };
  }

  /**
   * The ServiceAccount a bearer token of this server's stands for; undefined for a header that
   * carries no token of ours. A token of ours that expired, or whose ServiceAccount is gone (or
   * was made again: another uid), is 401 Unauthorized, as upstream's validator answers.
   */
  authenticate(authorization: string | undefined): UserInfo | undefined {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const payload = token === undefined ? undefined : this.verify(token);
    if (payload?.iss === LEGACY_TOKEN_ISSUER) return this.authenticateLegacy(token!, payload as LegacyClaims);
    const claims = payload?.iss === TOKEN_ISSUER && (payload as Claims)['kubernetes.io']?.serviceaccount ? (payload as Claims) : undefined;
    if (claims === undefined) return undefined;
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    if (claims.exp * 1000 <= this.clock.now()) throw unauthorized();
    const account = this.serviceAccount(namespace, serviceaccount.name);
    if (account?.metadata.uid !== serviceaccount.uid) throw unauthorized();
    return {
      username: claims.sub,
      uid: serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED_GROUP],
      ...(claims.jti ? { extra: { [CREDENTIAL_ID_EXTRA]: [`JTI=${claims.jti}`] } } : {}),
    };
  }

  /**
   * A legacy token is its ServiceAccount's while the Secret it names holds it, and the
   * ServiceAccount (by uid) and the Secret are there and not being deleted (upstream's legacy
   * validator); else 401. It never expires. Each day it is used, the Secret is labelled
   * {@link LEGACY_TOKEN_LAST_USED} with the date.
   */
  private authenticateLegacy(token: string, claims: LegacyClaims): UserInfo {
    const namespace = claims['kubernetes.io/serviceaccount/namespace'];
    const secret = this.find<KubeObject & { data?: Record<string, string> }>('secrets', namespace, claims['kubernetes.io/serviceaccount/secret.name']);
    if (secret === undefined || secret.metadata.deletionTimestamp || Buffer.from(secret.data?.['token'] ?? '', 'base64').toString('utf8') !== token) throw unauthorized();
    const account = this.serviceAccount(namespace, claims['kubernetes.io/serviceaccount/service-account.name']);
    const uid = claims['kubernetes.io/serviceaccount/service-account.uid'];
    if (account === undefined || account.metadata.uid !== uid || account.metadata.deletionTimestamp) throw unauthorized();
    const today = toRFC3339(this.clock.now()).slice(0, 10);
    if (secret.metadata.labels?.[LEGACY_TOKEN_LAST_USED] !== today) {
      try {
        this.registry.update('secrets', namespace, { ...secret, metadata: { ...secret.metadata, labels: { ...secret.metadata.labels, [LEGACY_TOKEN_LAST_USED]: today } } });
      } catch {
        // a write that lost a race: the next use labels it
      }
    }
    return { username: claims.sub, uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED_GROUP] };
  }

  /**
   * The long-lived token the token controller puts in `secretName`, a Secret of type
   * `kubernetes.io/service-account-token` for this ServiceAccount (upstream's GenerateToken with
   * legacy claims): valid for as long as that Secret holds it.
   */
  legacyToken(account: { namespace: string; name: string; uid: string }, secretName: string): string {
    const claims: LegacyClaims = {
      iss: LEGACY_TOKEN_ISSUER,
      'kubernetes.io/serviceaccount/namespace': account.namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': account.name,
      'kubernetes.io/serviceaccount/service-account.uid': account.uid,
      sub: `system:serviceaccount:${account.namespace}:${account.name}`,
    };
    return this.sign(claims);
  }

  /**
   * Answers a TokenRequest: the user (from `authenticator`) must be allowed to `create`
   * `serviceaccounts/token` of that ServiceAccount; the ServiceAccount must exist; a life shorter
   * than 10 minutes is 422. Never throws: a failure is its Status.
   */
  answer(method: string, url: string, headers: Record<string, string | undefined>, body: string | Uint8Array, authenticator: Authenticator | undefined, authorizer: Authorizer | undefined): { code: number; body: unknown } {
    try {
      const path = new URL(url, 'http://apiserver').pathname;
      const [, namespace, name] = TOKEN_PATH.exec(path)!.map(decodeURIComponent) as [string, string, string];
      const verb = method === 'POST' ? 'create' : method.toLowerCase();
      authorizedUser(headers['authorization'], authenticator, authorizer, { verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'serviceaccounts', subresource: 'token', namespace, name, path });
      if (method !== 'POST') throw noRouteForMethod(); // the token subresource has a POST route only
      const account = this.serviceAccount(namespace, name);
      if (account === undefined) throw notFound('serviceaccounts', name);
      // JSON, YAML or protobuf: kubectl create token sends protobuf
      const request = (isEmpty(body) ? {} : decodeBody(body, headers['content-type'])) as { spec?: { expirationSeconds?: number; audiences?: string[] } };
      const seconds = request.spec?.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
      if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_SECONDS) {
        throw invalid('TokenRequest.authentication.k8s.io', name, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(seconds)}: may not specify a duration less than 10 minutes` }]);
      }
      const now = Math.floor(this.clock.now() / 1000);
      const audiences = request.spec?.audiences?.length ? request.spec.audiences : [TOKEN_ISSUER];
      const claims: Claims = {
        iss: TOKEN_ISSUER,
        sub: `system:serviceaccount:${namespace}:${name}`,
        aud: audiences,
        iat: now,
        nbf: now,
        exp: now + seconds,
        jti: this.random ? uuid(this.random) : randomUUID(),
        'kubernetes.io': { namespace, serviceaccount: { name, uid: account.metadata.uid! } },
      };
      return {
        code: 201,
        body: {
          kind: 'TokenRequest',
          apiVersion: 'authentication.k8s.io/v1',
          metadata: { name, namespace, creationTimestamp: toRFC3339(now * 1000) },
          spec: { audiences, expirationSeconds: seconds, boundObjectRef: null },
          status: { token: this.sign(claims), expirationTimestamp: toRFC3339((now + seconds) * 1000) },
        },
      };
    } catch (error) {
      const status = statusOf(error);
      return { code: status.code ?? 500, body: status };
    }
  }

  private serviceAccount(namespace: string, name: string): KubeObject | undefined {
    return this.find('serviceaccounts', namespace, name);
  }

  private find<T extends KubeObject>(resource: string, namespace: string, name: string): T | undefined {
    try {
      return this.registry.get<T>(resource, namespace, name);
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** header.claims.signature, each base64url (RFC 7519), signed with HS256. */
  private sign(claims: Claims | LegacyClaims): string {
    const unsigned = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
    return `${unsigned}.${base64url(createHmac('sha256', this.key).update(unsigned).digest())}`;
  }

  /** The claims of a token this server signed (whichever issuer they name); undefined for anything else. */
  private verify(token: string): { iss?: string } | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    // Compared as text, not as decoded bytes: base64url's last character has spare bits, and a
    // token whose signature is written another way is not the token this server signed.
    const expected = Buffer.from(base64url(createHmac('sha256', this.key).update(`${parts[0]}.${parts[1]}`).digest()));
    const given = Buffer.from(parts[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: string } | null;
      return typeof claims === 'object' && claims !== null ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
