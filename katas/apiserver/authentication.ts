/**
 * Static token authentication (kube-apiserver's `--token-auth-file`,
 * staging/src/k8s.io/apiserver/pkg/authentication/token/tokenfile): a CSV file of bearer tokens,
 * one user per line, `token,user,uid,"group1,group2"`.
 *
 * @example
 * ```ts
 * const authenticator = new TokenAuthenticator(parseTokenFile('s3cret,alice,1001,"dev,ops"\n'));
 * authenticator.authenticate('Bearer s3cret');  // { username: 'alice', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'] }
 * authenticator.authenticate(undefined);        // { username: 'system:anonymous', groups: ['system:unauthenticated'] }
 * authenticator.authenticate('Bearer nope');    // StatusError 401 Unauthorized
 * ```
 */
import { NotImplemented } from '@kube/kit';
import type { Authenticator, UserInfo } from './auth-api.ts';
import { unauthorized } from './status.ts';

/** The user of a request without credentials. */
export const ANONYMOUS: Readonly<UserInfo> = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** The group every authenticated user is in. */
export const AUTHENTICATED_GROUP = 'system:authenticated';

/** A line of the token file that is not `token,user,uid[,"groups"]`. */
export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
}

/**
 * The users of a token file, by token. Blank lines and lines starting with `#` are skipped; a
 * group list is quoted when it has commas.
 *
 * @throws TokenFileError naming the line, when a line has fewer than three fields, an empty token
 *   or user, or a token used twice
 */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  // TODO(11): split into lines; skip blank lines and # comments; split each line as CSV (a quoted field keeps its commas);
  // TODO(11): fields token,user,uid[,groups]: fewer than 3, an empty token or user, or a token seen before is a
  // TODO(11): TokenFileError naming the line ("token file line N: ..."). Groups: the 4th field split on commas.
  throw new NotImplemented('11', 'parseTokenFile');
}

/** Bearer tokens from a token file. */
export class TokenAuthenticator implements Authenticator {
  constructor(private readonly users: ReadonlyMap<string, UserInfo>) {}

  /**
   * The user of an `Authorization` header: none, anonymous; `Bearer <token>` of a known token,
   * its user, in group system:authenticated too.
   *
   * @throws StatusError 401 Unauthorized for an unknown token or another scheme
   */
  authenticate(authorization: string | undefined): UserInfo {
    // TODO(11): no header (or blank): a copy of ANONYMOUS. "Bearer <token>" of a known token: its user, with
    // TODO(11): AUTHENTICATED_GROUP added to its groups (once). Anything else: throw unauthorized().
    throw new NotImplemented('11', 'TokenAuthenticator.authenticate');
  }
}
