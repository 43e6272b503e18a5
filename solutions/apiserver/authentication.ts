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
  const users = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = splitCsv(line);
    const where = `token file line ${index + 1}`;
    if (fields.length < 3) throw new TokenFileError(`${where}: expected token,user,uid[,"group1,group2"], got ${fields.length} field(s)`);
    const [token, username, uid, groups = ''] = fields as [string, string, string, string?];
    if (token === '' || username === '') throw new TokenFileError(`${where}: the token and the user name must not be empty`);
    if (users.has(token)) throw new TokenFileError(`${where}: this token is already given to "${users.get(token)!.username}"`);
    users.set(token, { username, ...(uid ? { uid } : {}), groups: groups.split(',').map((g) => g.trim()).filter(Boolean) });
  });
  return users;
}

/** The fields of one CSV line: commas separate, double quotes protect commas ("" is a quote). */
function splitCsv(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') fields.push(field.trim()), (field = '');
    else field += ch;
  }
  fields.push(field.trim());
  return fields;
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
    if (authorization === undefined || authorization.trim() === '') return { ...ANONYMOUS, groups: [...ANONYMOUS.groups] };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
    const user = match ? this.users.get(match[1]!) : undefined;
    if (!user) throw unauthorized();
    return { ...user, groups: [...user.groups.filter((g) => g !== AUTHENTICATED_GROUP), AUTHENTICATED_GROUP] };
  }
}
