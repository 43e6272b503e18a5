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
 * Given code: the HTTP server answers the TokenRequest itself, after authenticating and
 * authorizing it as kata 10's handler would (`create` on `serviceaccounts/token`), and puts
 * {@link ServiceAccountTokens.authenticate} in front of kata 11's authenticator.
 *
 * Simplified: tokens are signed with HMAC-SHA256 (HS256) by a key of the server's, where upstream
 * signs with RSA or ECDSA keys (`--service-account-signing-key-file`) that others can verify; no
 * audiences are checked and no token is bound to a pod or a secret (`boundObjectRef`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { toRFC3339, type Clock, type KubeObject } from '@kube/kit';
import type { Authenticator, Authorizer, UserInfo } from './auth-api.ts';
import { AUTHENTICATED_GROUP } from './authentication.ts';
import { decodeBody } from './codec.ts';
import type { Registry } from './registry.ts';
import { invalid, isStatusError, noRouteForMethod, notFound, statusOf, unauthorized } from './status.ts';
import { authorizedUser } from './impersonation.ts';

/** Who issues the tokens, as kube-apiserver's default `--service-account-issuer` names it. */
export const TOKEN_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** A token's life when the request names none (`kubectl create token` asks for 1 h too). */
export const DEFAULT_TOKEN_SECONDS = 3600;
/** The shortest life a token may be asked for: 10 minutes. */
export const MIN_TOKEN_SECONDS = 600;

/** The claims of a ServiceAccount token (the `kubernetes.io` private claim, as upstream's). */
interface Claims {
  iss: string;
  sub: string;
  aud: string[];
  iat: number;
  nbf: number;
  exp: number;
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
    const claims = token === undefined ? undefined : this.verify(token);
    if (claims === undefined) return undefined;
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    if (claims.exp * 1000 <= this.clock.now()) throw unauthorized();
    const account = this.serviceAccount(namespace, serviceaccount.name);
    if (account?.metadata.uid !== serviceaccount.uid) throw unauthorized();
    return { username: claims.sub, uid: serviceaccount.uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED_GROUP] };
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
    try {
      return this.registry.get('serviceaccounts', namespace, name);
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** header.claims.signature, each base64url (RFC 7519), signed with HS256. */
  private sign(claims: Claims): string {
    const unsigned = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
    return `${unsigned}.${base64url(createHmac('sha256', this.key).update(unsigned).digest())}`;
  }

  /** The claims of a token this server signed; undefined for anything else. */
  private verify(token: string): Claims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    // Compared as text, not as decoded bytes: base64url's last character has spare bits, and a
    // token whose signature is written another way is not the token this server signed.
    const expected = Buffer.from(base64url(createHmac('sha256', this.key).update(`${parts[0]}.${parts[1]}`).digest()));
    const given = Buffer.from(parts[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Claims;
      return claims.iss === TOKEN_ISSUER && claims['kubernetes.io']?.serviceaccount ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
