/**
 * The apiserver's certificates, as kube-apiserver has them on 6443: a cluster CA, and a serving
 * certificate it signs for the addresses clients use (127.0.0.1, localhost and the host the server
 * listens on). Made once, at the first start, into `<dir>/pki/` and read from there afterwards, so
 * that a kubeconfig written earlier keeps working. Made with @peculiar/x509 on WebCrypto (ECDSA
 * P-256, which kubectl's Go TLS and Node both accept), never with hand-written ASN.1.
 *
 * @example
 * const pki = await ensurePki('.kubekata/etcd', ['127.0.0.1']);
 * https.createServer({ key: pki.key, cert: pki.cert }, ...);          // the server
 * // kubeconfig: certificate-authority-data: base64(pki.ca)           // the clients
 */
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

type X509 = typeof import('@peculiar/x509');
let loaded: Promise<X509> | undefined;

/**
 * @peculiar/x509, loaded on first use: the kit is imported by every test, and only a server that
 * speaks HTTPS needs certificates. It builds on tsyringe, which needs the Reflect metadata API
 * loaded first.
 */
function loadX509(): Promise<X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return loaded;
}

/**
 * PEM texts: the CA's certificate (for clients), the server's certificate and private key, and an
 * administrator's client certificate and key for the kubeconfig (CN kubekata-admin, O
 * system:masters, as kubeadm's admin.conf): kubectl asks for a user name and password when a
 * kubeconfig's user has no credentials at all.
 */
export interface Pki {
  ca: string;
  /** the CA's private key (`ca.key`): what signs the certificates of approved CertificateSigningRequests */
  caKey: string;
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
  /** the folder the files are in */
  dir: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The certificates in `<dir>/pki/`, made there first if missing (or if the serving certificate
 * does not name every one of `hosts`).
 */
export async function ensurePki(dir: string, hosts: readonly string[]): Promise<Pki> {
  const x509 = await loadX509();
  const pkiDir = join(dir, 'pki');
  const files = {
    ca: join(pkiDir, 'ca.crt'),
    cert: join(pkiDir, 'apiserver.crt'),
    key: join(pkiDir, 'apiserver.key'),
    caKey: join(pkiDir, 'ca.key'),
    clientCert: join(pkiDir, 'admin.crt'),
    clientKey: join(pkiDir, 'admin.key'),
  };
  const names = [...new Set(['127.0.0.1', 'localhost', ...hosts])];
  if (Object.values(files).every((f) => existsSync(f))) {
    const read = (file: string): string => readFileSync(file, 'utf8');
    const kept = { ca: read(files.ca), caKey: read(files.caKey), cert: read(files.cert), key: read(files.key), clientCert: read(files.clientCert), clientKey: read(files.clientKey), dir: pkiDir };
    if (names.every((name) => covers(x509, kept.cert, name))) return kept;
  }
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const now = new Date();
  const notAfter = new Date(now.getTime() + 10 * YEAR_MS);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=kubekata-ca',
    notBefore: now,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: caKeys as CryptoKeyPair,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey as CryptoKey),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + YEAR_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: serverKeys.publicKey as CryptoKey,
    signingKey: caKeys.privateKey as CryptoKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((name) => (isIP(name) ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const clientKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const client = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=kubekata-admin, O=system:masters',
    issuer: ca.subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + YEAR_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: clientKeys.publicKey as CryptoKey,
    signingKey: caKeys.privateKey as CryptoKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const pki: Pki = {
    ca: ca.toString('pem'),
    caKey: await pem(caKeys.privateKey as CryptoKey),
    cert: cert.toString('pem'),
    key: await pem(serverKeys.privateKey as CryptoKey),
    clientCert: client.toString('pem'),
    clientKey: await pem(clientKeys.privateKey as CryptoKey),
    dir: pkiDir,
  };
  writeFileSync(files.caKey, pki.caKey, { mode: 0o600 });
  writeFileSync(files.key, pki.key, { mode: 0o600 });
  writeFileSync(files.clientKey, pki.clientKey, { mode: 0o600 });
  writeFileSync(files.ca, pki.ca);
  writeFileSync(files.cert, pki.cert);
  writeFileSync(files.clientCert, pki.clientCert);
  return pki;
}

/** What a certificate signing request asks to be certified: its subject's names, and whether it is well formed. */
export interface CertificateRequestSubject {
  /** the subject's common name (a user's name) */
  commonName: string;
  /** the subject's organizations (a user's groups) */
  organizations: string[];
}

/**
 * A new key and a PEM PKCS #10 request for it naming `subject` (`CN=jane, O=dev`), as `openssl req
 * -new` makes one: what a user sends in a CertificateSigningRequest.
 */
export async function createCertificateRequest(subject: string): Promise<{ key: string; request: string }> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const request = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys: keys as CryptoKeyPair, signingAlgorithm: ALGORITHM });
  return { key: await pem(keys.privateKey as CryptoKey), request: request.toString('pem') };
}

/**
 * The subject of a PEM PKCS #10 request (`openssl req -new -subj "/CN=jane/O=dev"`), after
 * checking its signature. Throws an Error that says what is wrong with one that is not.
 */
export async function certificateRequestSubject(requestPem: string): Promise<CertificateRequestSubject> {
  const x509 = await loadX509();
  const request = new x509.Pkcs10CertificateRequest(requestPem);
  if (!(await request.verify())) throw new Error('the request is not signed by the key it carries');
  return { commonName: request.subjectName.getField('CN')[0] ?? '', organizations: request.subjectName.getField('O') };
}

/**
 * A certificate for a PKCS #10 request's key and subject, signed by the CA (`caPem`, `caKeyPem`:
 * ECDSA P-256, as {@link ensurePki} makes it), valid from `notBefore` until `notAfter`, for the
 * extended key usages named (`client auth`, `server auth`), as kube-controller-manager's csrsigning
 * controller signs an approved CertificateSigningRequest.
 */
export async function signCertificateRequest(
  requestPem: string,
  ca: { cert: string; key: string },
  validity: { notBefore: Date; notAfter: Date },
  usages: readonly string[],
): Promise<string> {
  const x509 = await loadX509();
  const request = new x509.Pkcs10CertificateRequest(requestPem);
  const caCert = new x509.X509Certificate(ca.cert);
  const der = Buffer.from(ca.key.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const signingKey = await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
  const extended = [
    ...(usages.includes('client auth') ? [x509.ExtendedKeyUsage.clientAuth] : []),
    ...(usages.includes('server auth') ? [x509.ExtendedKeyUsage.serverAuth] : []),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: request.subjectName,
    issuer: caCert.subject,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    signingAlgorithm: ALGORITHM,
    publicKey: request.publicKey,
    signingKey: signingKey as CryptoKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      ...(extended.length > 0 ? [new x509.ExtendedKeyUsageExtension(extended)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return certificate.toString('pem');
}

/** A private key as PKCS #8 PEM, the form node:tls reads. */
async function pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

/** A random positive serial number, as hex. */
function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** Whether a PEM certificate names `host` among its subject alternative names. */
function covers(x509: X509, certPem: string, host: string): boolean {
  const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  return Boolean(san?.names.items.some((n) => n.value === host));
}
