/**
 * X.509 client certificates (k8s.io/apiserver/pkg/authentication/request/x509): a request over TLS
 * whose client certificate the cluster's CA signed is the user its certificate names — the
 * subject's common name, with each organization a group — as kube-apiserver's
 * `--client-ca-file` makes it. This is how a user made by a CertificateSigningRequest signs in:
 *
 * ```
 * openssl req -new -key jane.key -subj "/CN=jane/O=dev"   -> a CSR, approved and signed (certificates.ts)
 * kubectl config set-credentials jane --client-certificate=jane.crt --client-key=jane.key
 * kubectl --user jane auth whoami                          -> Username jane, Groups [dev system:authenticated]
 * ```
 *
 * Given code: the HTTP server asks for a client certificate (never requires one), and a request
 * with a verified one and no `Authorization` header is authenticated as its subject. The identity
 * goes from the TLS connection to the authenticators as a bearer token this server signs for that
 * request alone ({@link ClientCertificates.headerFor}), which {@link ClientCertificates.authenticating}
 * puts in front of the others: kata 11's authenticator reads headers, and so it stays.
 *
 * Simplified: the certificate's extended key usage (client auth) is not checked, nor revocation.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { Authenticator, UserInfo } from './auth-api.ts';
import { AUTHENTICATED_GROUP } from './authentication.ts';

/** The scheme of the tokens this server signs for a certificate's identity. */
const PREFIX = 'Bearer x509.';

/** The user a verified client certificate names: its CN, in its O groups (and system:authenticated). */
export function certificateUser(certificate: Pick<PeerCertificate, 'subject'>): UserInfo {
  const subject = certificate.subject as unknown as Record<string, string | string[] | undefined>;
  const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const [username = ''] = list(subject.CN);
  return { username, groups: [...list(subject.O), AUTHENTICATED_GROUP] };
}

/** Carries the identity of verified client certificates from the TLS connection to the authenticators. */
export class ClientCertificates {
  /** @param key - signs the tokens (the server's own, never sent anywhere) */
  constructor(private readonly key: Buffer) {}

  /** An `Authorization` header naming `user`, signed, for one request of a client with a verified certificate. */
  headerFor(user: UserInfo): string {
    const payload = Buffer.from(JSON.stringify(user)).toString('base64url');
    return `${PREFIX}${payload}.${this.sign(payload)}`;
  }

  /** `authenticator`, with this server's certificate tokens recognized first; a forged one is refused as unknown. */
  authenticating(authenticator: Authenticator): Authenticator {
    return {
      authenticate: (authorization) => {
        if (!authorization?.startsWith(PREFIX)) return authenticator.authenticate(authorization);
        const [payload = '', signature = ''] = authorization.slice(PREFIX.length).split('.');
        const expected = Buffer.from(this.sign(payload));
        const given = Buffer.from(signature);
        // A token this server did not sign goes to the others, which refuse it as unknown.
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) return authenticator.authenticate(authorization);
        return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as UserInfo;
      },
    };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
