/**
 * certificates.k8s.io/v1 and X.509 client certificates (given code, beyond the katas):
 * CertificateSigningRequests as v1.32's apiserver checks them (solutions/apiserver/certificates.ts),
 * their approval subresource, the csrsigning controller (solutions/controllers/certificate-signer.ts)
 * signing with the cluster's CA, and the identity a verified client certificate gives
 * (solutions/apiserver/client-certificates.ts).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import {
  Admission,
  ApiHandler,
  CertificateApprovals,
  CertificateSigningRequestRequester,
  certificateUser,
  ClientCertificates,
  NamespaceDefaulting,
  Registry,
  StatusError,
  toTable,
  type Authorizer,
  type RequestAttributes,
  type UserInfo,
} from '@kube/apiserver';
import { CertificateSigner } from '@kube/controllers';
import { MvccStore } from '@kube/etcd';
import { createCertificateRequest, ensurePki, FakeClock, Random, type CertificateSigningRequest, type Pki, type Status } from '@kube/kit';

const ADMIN: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

/** An apiserver's handler that authenticates every request as `ADMIN`, with the requester plugin, in process. */
function bench() {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(9) });
  const authenticator = { authenticate: () => ADMIN };
  const handler = new ApiHandler({ registry, clock, random: new Random(9), authenticator, admission: new Admission([new NamespaceDefaulting(), new CertificateSigningRequestRequester()], []) });
  const post = async (body: object) => {
    const reply = await handler.handle({ method: 'POST', url: '/apis/certificates.k8s.io/v1/certificatesigningrequests', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { code: reply.code, body: ('body' in reply ? reply.body : undefined) as any };
  };
  return { clock, registry, post, authenticator };
}

const csr = (name: string, request: string, spec: Partial<CertificateSigningRequest['spec']> = {}): CertificateSigningRequest => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: Buffer.from(request).toString('base64'), signerName: CLIENT_SIGNER, usages: ['client auth'], ...spec },
});

/** An authorizer that lets everyone do everything but what `denied` lists (`verb resource/name`). */
const allowingAllBut = (...denied: string[]): Authorizer =>
  ({ authorize: (a: RequestAttributes) => ({ allowed: !denied.includes(`${a.verb} ${a.resource}/${a.name}`), reason: '' }), rulesFor: () => [] }) as unknown as Authorizer;

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/certificates.test.ts'), 240_000);
else describe('certificates.k8s.io/v1 and client certificates', () => {
  let pki: Pki;
  let dir: string;
  let request: { key: string; request: string };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubekata-certificates-'));
    pki = await ensurePki(dir, ['127.0.0.1']);
    request = await createCertificateRequest('CN=jane, O=dev, O=qa');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks a request in upstream\'s words, writes who made it, and prints it as kubectl get csr does', async () => {
    const { post, clock } = bench();
    const made = await post({ ...csr('jane', request.request, { expirationSeconds: 86_400 }), spec: { ...csr('jane', request.request).spec, expirationSeconds: 86_400, username: 'someone-else' } });
    expect(made.code).toBe(201);
    expect(made.body.spec).toMatchObject({ username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
    expect(made.body.status).toEqual({});
    const refused = await post(csr('bad', 'not a pem', { signerName: 'no-path', usages: ['client auth', 'flying'], expirationSeconds: 60 }));
    expect(refused.code).toBe(422);
    expect((refused.body as Status).message).toBe(
      'CertificateSigningRequest.certificates.k8s.io "bad" is invalid: [spec.request: Invalid value: "[]byte{...}": PEM block type must be CERTIFICATE REQUEST, spec.signerName: Invalid value: "no-path": must be a fully qualified domain and path of the form \'example.com/signer-name\', spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes), spec.usages[1]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"]',
    );
    expect((await post({ ...csr('none', request.request), spec: { ...csr('none', request.request).spec, usages: [] } })).body.message).toBe('CertificateSigningRequest.certificates.k8s.io "none" is invalid: spec.usages: Required value: usages must be provided');
    await clock.advance(30_000);
    const rows = (objects: object[]) => (toTable(objects as never, 'CertificateSigningRequest', clock.now()) as { rows: { cells: unknown[] }[] }).rows.map((r) => r.cells);
    const issued = { ...made.body, status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'Y2VydA==' } };
    const denied = { ...made.body, spec: { ...made.body.spec, expirationSeconds: undefined }, status: { conditions: [{ type: 'Denied', status: 'True' }] } };
    expect(rows([made.body, issued, denied])).toEqual([
      ['jane', '30s', CLIENT_SIGNER, 'kubernetes-admin', '24h', 'Pending'],
      ['jane', '30s', CLIENT_SIGNER, 'kubernetes-admin', '24h', 'Approved,Issued'],
      ['jane', '30s', CLIENT_SIGNER, 'kubernetes-admin', '<none>', 'Denied'],
    ]);
  });

  it('approves and denies through the approval subresource: conditions stamped, never both, never taken back, and only for whoever may approve the signer', async () => {
    const { registry, post, clock, authenticator } = bench();
    await post(csr('jane', request.request));
    const approvals = new CertificateApprovals(registry, clock);
    const put = (conditions: object[], authorizer: Authorizer = allowingAllBut()) =>
      approvals.answer('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/jane/approval', { 'content-type': 'application/json' }, JSON.stringify({ ...csr('jane', request.request), status: { conditions } }), authenticator, authorizer);
    const approved = { type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' };
    const forbidden = put([approved], allowingAllBut(`approve signers/${CLIENT_SIGNER}`, 'approve signers/kubernetes.io/*'));
    expect(forbidden.code).toBe(403);
    expect((forbidden.body as Status).message).toBe('certificatesigningrequests.certificates.k8s.io "jane" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"');
    expect(put([approved], allowingAllBut('update certificatesigningrequests/jane')).code).toBe(403);
    // a signer's domain with /* is as good as its name
    const answer = put([approved], allowingAllBut(`approve signers/${CLIENT_SIGNER}`));
    expect(answer.code).toBe(200);
    expect((answer.body as CertificateSigningRequest).status?.conditions).toEqual([{ ...approved, lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    const both = put([approved, { type: 'Denied', status: 'True' }]);
    expect((both.body as Status).message).toBe('CertificateSigningRequest.certificates.k8s.io "jane" is invalid: status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive');
    const taken = put([]);
    expect((taken.body as Status).message).toBe('CertificateSigningRequest.certificates.k8s.io "jane" is invalid: status.conditions: Forbidden: updates may not remove a condition of type "Approved"');
  });

  it('signs an approved request with the cluster\'s CA for its key and subject, for at most the time it asked; fails one a signer may not sign; leaves the others', async () => {
    const { api, cluster, errors, stop } = await controllerOnCluster((parts) => new CertificateSigner({ ...parts, ca: { cert: pki.ca, key: pki.caKey } }));
    const requests = api.resource<CertificateSigningRequest>('certificatesigningrequests');
    const approve = async (name: string) => {
      const made = await requests.get(name);
      await requests.updateStatus({ ...made, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
    };
    await requests.create(csr('jane', request.request, { expirationSeconds: 3600 }));
    await requests.create(csr('server', request.request, { usages: ['server auth'] }));
    await requests.create(csr('waiting', request.request));
    await requests.create(csr('elsewhere', request.request, { signerName: 'example.com/signer' }));
    await approve('jane');
    await approve('server');
    await approve('elsewhere');
    // the signing is real cryptography (webcrypto, off the thread), which the fake clock does not wait for: wait for its end
    for (let i = 0; i < 750 && !(await requests.get('jane')).status?.certificate; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await cluster.settle();
    const certificate = new X509Certificate(Buffer.from((await requests.get('jane')).status!.certificate!, 'base64'));
    const ca = new X509Certificate(pki.ca);
    expect(certificate.verify(ca.publicKey)).toBe(true);
    expect(certificate.subject).toBe('CN=jane\nO=dev\nO=qa');
    expect(certificate.publicKey.export({ type: 'spki', format: 'pem' })).toBe(new X509Certificate(Buffer.from(certificate.raw)).publicKey.export({ type: 'spki', format: 'pem' }));
    expect(Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)).toBe(3600_000 + 5 * 60_000);
    expect((await requests.get('server')).status?.conditions?.[1]).toMatchObject({ type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'invalid usage for client certificate: server auth' });
    expect((await requests.get('waiting')).status).toEqual({});
    expect((await requests.get('elsewhere')).status?.certificate).toBeUndefined();
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('takes a verified client certificate\'s subject as the user, and no token it did not sign', () => {
    const certificates = new ClientCertificates(Buffer.from('a key'));
    const user = certificateUser({ subject: { CN: 'jane', O: ['dev', 'qa'] } as never });
    expect(user).toEqual({ username: 'jane', groups: ['dev', 'qa', 'system:authenticated'] });
    expect(certificateUser({ subject: { CN: 'solo', O: 'ops' } as never })).toEqual({ username: 'solo', groups: ['ops', 'system:authenticated'] });
    const inner = { authenticate: (authorization: string | undefined) => ({ username: `inner saw ${authorization}`, groups: [] }) };
    const chain = certificates.authenticating(inner);
    expect(chain.authenticate(certificates.headerFor(user))).toEqual(user);
    expect(chain.authenticate('Bearer abc').username).toBe('inner saw Bearer abc');
    // another server's token is not this one's
    const other = new ClientCertificates(Buffer.from('another key')).headerFor(user);
    expect(chain.authenticate(other).username).toBe(`inner saw ${other}`);
  });

  describe('properties', () => {
    test.prop([fc.record({ username: fc.string({ minLength: 1 }), groups: fc.array(fc.string()), uid: fc.option(fc.uuid(), { nil: undefined }) }, { requiredKeys: ['username', 'groups'] }), fc.nat(200), fc.integer({ min: 0, max: 63 })])(
      'a certificate\'s identity comes back as it went, and a token changed anywhere is not taken for it',
      (user, at, bit) => {
        const certificates = new ClientCertificates(Buffer.from('the server key'));
        const header = certificates.headerFor(user);
        const chain = certificates.authenticating({ authenticate: () => { throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }); } });
        expect(chain.authenticate(header)).toEqual(user);
        const body = header.slice('Bearer x509.'.length);
        const i = at % body.length;
        const flipped = String.fromCharCode(body.charCodeAt(i) ^ (1 << (bit % 6)));
        if (flipped === body[i] || !/[A-Za-z0-9_.-]/.test(flipped)) return;
        expect(() => chain.authenticate(`Bearer x509.${body.slice(0, i)}${flipped}${body.slice(i + 1)}`)).toThrow('Unauthorized');
      },
    );

    const decision = fc.constantFrom('Approved', 'Denied');
    test.prop([fc.array(fc.array(decision, { maxLength: 3 }), { minLength: 1, maxLength: 6 })])(
      'whatever approvals and denials are sent, a request is never both approved and denied, and a decision once written stays',
      async (attempts) => {
        const { registry, post, clock, authenticator } = bench();
        await post(csr('jane', request.request));
        const approvals = new CertificateApprovals(registry, clock);
        let decided: string | undefined;
        for (const types of attempts) {
          const stored = registry.get<CertificateSigningRequest>('certificatesigningrequests', undefined, 'jane');
          const conditions = [...(stored.status?.conditions ?? []), ...types.map((type) => ({ type, status: 'True' }))];
          approvals.answer('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/jane/approval', {}, JSON.stringify({ ...stored, status: { conditions } }), authenticator, allowingAllBut());
          const types_ = (registry.get<CertificateSigningRequest>('certificatesigningrequests', undefined, 'jane').status?.conditions ?? []).map((c) => c.type);
          expect(types_.includes('Approved') && types_.includes('Denied')).toBe(false);
          if (decided) expect(types_).toContain(decided);
          decided ??= types_.find((type) => type === 'Approved' || type === 'Denied');
        }
      },
    );
  });
});
