/**
 * CertificateSigningRequests (certificates.k8s.io/v1) as kube-apiserver v1.32 serves them: checked
 * when made, marked with who made them, approved or denied through their `approval` subresource
 * (`kubectl certificate approve`), and signed through their `status` (the signer, in the cluster
 * the control plane's csrsigning controller). Given code, beyond the katas (upstream:
 * pkg/apis/certificates/validation, pkg/registry/certificates/certificates/strategy.go,
 * plugin/pkg/admission/certificates/approval).
 *
 * ```
 * POST a CSR {request: <base64 PEM>, signerName: kubernetes.io/kube-apiserver-client, usages: [client auth]}
 *   stored with spec.username, spec.groups: who posted it; status {}
 * PUT .../certificatesigningrequests/jane/approval  (conditions [{type: Approved, status: "True"}])
 *   needs update on certificatesigningrequests/approval and approve on signers/kubernetes.io/kube-apiserver-client
 * kubectl get csr
 *   NAME   AGE   SIGNERNAME                            REQUESTOR          REQUESTEDDURATION   CONDITION
 *   jane   12s   kubernetes.io/kube-apiserver-client   kubernetes-admin   <none>              Approved,Issued
 * ```
 *
 * Where it simplifies: the requester is written by an admission plugin (upstream's strategy reads
 * it from the request's context, which the registry here does not have); the request's PEM is
 * checked for its block when stored and parsed by the signer, which fails a request it cannot
 * read; a plain update keeps the whole spec and status as they were, as upstream's does.
 */
import { toRFC3339, type CertificateSigningRequest, type CertificateSigningRequestCondition, type Clock, type KubeObject, type StatusCause } from '@kube/kit';
import type { AdmissionPlugin } from './admission.ts';
import type { AdmissionRequest, Authenticator, Authorizer, RequestAttributes } from './auth-api.ts';
import { decodeBody } from './codec.ts';
import { at, forbiddenField, invalidField, requiredField, unsupportedField } from './field-errors.ts';
import { isDNS1123Subdomain } from './names.ts';
import type { Registry } from './registry.ts';
import { badRequest, forbidden, invalid, noRouteForMethod, statusOf } from './status.ts';
import { validateObjectMeta } from './validation.ts';
import { authorizedUser } from './impersonation.ts';

/** The key usages a request may ask for (certificates.KeyUsage), in upstream's order for its messages. */
export const KEY_USAGES = [
  'any',
  'cert sign',
  'client auth',
  'code signing',
  'content commitment',
  'crl sign',
  'data encipherment',
  'decipher only',
  'digital signature',
  'email protection',
  'encipher only',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'key agreement',
  'key encipherment',
  'microsoft sgc',
  'netscape sgc',
  'ocsp signing',
  's/mime',
  'server auth',
  'signing',
  'timestamping',
] as const;

/** The shortest life a request may ask for: 10 minutes. */
export const MIN_EXPIRATION_SECONDS = 600;

/** The request's PEM, decoded from its base64; undefined when it is not base64 of text. */
function requestPem(request: string | undefined): string | undefined {
  if (!request) return undefined;
  return Buffer.from(request, 'base64').toString('utf8');
}

/** ValidateCertificateSigningRequestCreate: a PEM request, a signer of the form domain/path, known usages, at least 10 minutes. */
export function validateCertificateSigningRequest(obj: KubeObject): StatusCause[] {
  const csr = obj as CertificateSigningRequest;
  const errors: StatusCause[] = validateObjectMeta(csr.metadata, false, isDNS1123Subdomain);
  const spec = csr.spec ?? ({} as CertificateSigningRequest['spec']);
  const pem = requestPem(spec.request);
  if (pem === undefined) errors.push(requiredField(at('spec', 'request')));
  else if (!/-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----/.test(pem)) {
    errors.push(invalidField(at('spec', 'request'), '[]byte{...}', 'PEM block type must be CERTIFICATE REQUEST'));
  }
  const signer = spec.signerName;
  if (!signer) errors.push(requiredField(at('spec', 'signerName')));
  else {
    const [domain, ...path] = signer.split('/');
    if (path.length === 0 || path.join('/') === '') errors.push(invalidField(at('spec', 'signerName'), signer, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
    else errors.push(...isDNS1123Subdomain(domain!).map((message) => invalidField(at('spec', 'signerName'), signer, `validating ${JSON.stringify(domain)}: ${message}`)));
  }
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds < MIN_EXPIRATION_SECONDS) {
    errors.push(invalidField(at('spec', 'expirationSeconds'), spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  const usages = spec.usages ?? [];
  if (usages.length === 0) errors.push(requiredField(at('spec', 'usages'), 'usages must be provided'));
  const seen = new Set<string>();
  for (const [i, usage] of usages.entries()) {
    if (!(KEY_USAGES as readonly string[]).includes(usage)) errors.push(unsupportedField(at('spec', 'usages', i), usage, KEY_USAGES));
    if (seen.has(usage)) errors.push({ reason: 'FieldValueDuplicate', field: at('spec', 'usages', i), message: `Duplicate value: ${JSON.stringify(usage)}` });
    seen.add(usage);
  }
  return errors;
}

/** The strategy's PrepareForUpdate: a plain update changes neither the spec nor the status. */
export function keepCertificateSigningRequestSpec(next: KubeObject, stored: KubeObject): void {
  (next as CertificateSigningRequest).spec = (stored as CertificateSigningRequest).spec;
}

/**
 * The conditions an approval may write (validateConditions): each a type and a status of True,
 * False or Unknown; Approved and Denied never both; an Approved or Denied one never taken away.
 */
export function validateApprovalConditions(next: readonly CertificateSigningRequestCondition[], old: readonly CertificateSigningRequestCondition[]): StatusCause[] {
  const errors: StatusCause[] = [];
  const seen = new Set<string>();
  for (const [i, condition] of next.entries()) {
    const path = at('status', 'conditions', i);
    if (!condition.type) errors.push(requiredField(at(path, 'type')));
    if (!['True', 'False', 'Unknown'].includes(condition.status)) errors.push(unsupportedField(at(path, 'status'), condition.status, ['False', 'True', 'Unknown']));
    if (seen.has(condition.type) && ['Approved', 'Denied', 'Failed'].includes(condition.type)) errors.push({ reason: 'FieldValueDuplicate', field: at(path, 'type'), message: `Duplicate value: ${JSON.stringify(condition.type)}` });
    seen.add(condition.type);
    const opposite = condition.type === 'Approved' ? 'Denied' : condition.type === 'Denied' ? 'Approved' : undefined;
    if (opposite && next.slice(0, i).some((c) => c.type === opposite)) errors.push(invalidField(at(path, 'type'), condition.type, 'Approved and Denied conditions are mutually exclusive'));
  }
  for (const type of ['Approved', 'Denied']) {
    if (old.some((c) => c.type === type) && !next.some((c) => c.type === type)) errors.push(forbiddenField(at('status', 'conditions'), `updates may not remove a condition of type ${JSON.stringify(type)}`));
  }
  return errors;
}

/**
 * Who made a request (the strategy's PrepareForCreate, here an admission plugin): `spec.username`,
 * `uid` and `groups` are the requester's, whatever the object said.
 */
export class CertificateSigningRequestRequester implements AdmissionPlugin {
  readonly name = 'CertificateSigningRequestRequester';

  admit(request: AdmissionRequest): void {
    const { attributes, operation, object } = request;
    if (operation !== 'CREATE' || attributes.resource !== 'certificatesigningrequests' || attributes.subresource !== '' || !object) return;
    const csr = object as CertificateSigningRequest;
    const { username, uid, groups } = attributes.user;
    const { uid: _uid, extra: _extra, ...spec } = csr.spec ?? ({} as CertificateSigningRequest['spec']);
    csr.spec = { ...spec, username, groups: [...groups], ...(uid && { uid }) };
  }
}

/** `/apis/certificates.k8s.io/v1/certificatesigningrequests/<name>/approval` */
const APPROVAL_PATH = /^\/apis\/certificates\.k8s\.io\/v1\/certificatesigningrequests\/([^/]+)\/approval$/;

/**
 * The `approval` subresource, answered by the HTTP server itself (as it answers evictions): GET
 * reads the request; PUT writes its conditions and nothing else, once the user may `update`
 * `certificatesigningrequests/approval` and `approve` `signers` named as the request's signer (or
 * `<domain>/*`), as upstream's CertificateApproval admission plugin asks.
 */
export class CertificateApprovals {
  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
  ) {}

  /** Is this request for a CSR's approval subresource (whatever its method)? */
  static matches(url: string): boolean {
    return url.includes('/approval') && APPROVAL_PATH.test(url.split('?')[0]!);
  }

  /** Answers a GET or PUT of a CSR's approval. Never throws: a failure is its Status. */
  answer(method: string, url: string, headers: Record<string, string | undefined>, body: string | Uint8Array, authenticator: Authenticator | undefined, authorizer: Authorizer | undefined): { code: number; body: unknown } {
    try {
      const { pathname } = new URL(url, 'http://apiserver');
      const name = decodeURIComponent(APPROVAL_PATH.exec(pathname)![1]!);
      const verb = method === 'GET' ? 'get' : method === 'PUT' ? 'update' : method.toLowerCase();
      const request = { verb, resourceRequest: true, apiGroup: 'certificates.k8s.io', apiVersion: 'v1', resource: 'certificatesigningrequests', subresource: 'approval', namespace: '', name, path: pathname };
      const user = authorizedUser(headers['authorization'], authenticator, authorizer, request);
      const stored = this.registry.get<CertificateSigningRequest>('certificatesigningrequests', undefined, name);
      if (method === 'GET') return { code: 200, body: stored };
      if (method !== 'PUT') throw noRouteForMethod();
      const sent = (decodeBody(body, headers['content-type']) ?? {}) as CertificateSigningRequest;
      if (sent.kind !== undefined && sent.kind !== 'CertificateSigningRequest') throw badRequest(`CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: the body is a ${String(sent.kind)}`);
      this.mayApprove(user, stored.spec.signerName, authorizer, name);
      const conditions = this.stamped(sent.status?.conditions ?? [], stored.status?.conditions ?? []);
      const errors = validateApprovalConditions(conditions, stored.status?.conditions ?? []);
      if (errors.length > 0) throw invalid('CertificateSigningRequest.certificates.k8s.io', name, errors);
      const resourceVersion = sent.metadata?.resourceVersion || stored.metadata.resourceVersion;
      const written = this.registry.updateStatus('certificatesigningrequests', undefined, { ...stored, metadata: { ...stored.metadata, resourceVersion }, status: { ...stored.status, conditions } });
      return { code: 200, body: written };
    } catch (error) {
      const status = statusOf(error);
      return { code: status.code ?? 500, body: status };
    }
  }

  /** The approver must be allowed to `approve` the signer (by its name, or its domain's `/*`). */
  private mayApprove(user: RequestAttributes['user'], signerName: string, authorizer: Authorizer | undefined, csrName: string): void {
    if (!authorizer) return;
    const ask = (name: string) => authorizer.authorize({ user, verb: 'approve', resourceRequest: true, apiGroup: 'certificates.k8s.io', apiVersion: 'v1', resource: 'signers', subresource: '', namespace: '', name, path: '' }).allowed;
    const domain = signerName.split('/')[0];
    if (ask(signerName) || ask(`${domain}/*`)) return;
    throw forbidden('certificatesigningrequests.certificates.k8s.io', csrName, `user not permitted to approve requests with signerName ${JSON.stringify(signerName)}`);
  }

  /** New conditions get the time they were written (populateConditionTimestamps). */
  private stamped(conditions: readonly CertificateSigningRequestCondition[], old: readonly CertificateSigningRequestCondition[]): CertificateSigningRequestCondition[] {
    const now = toRFC3339(this.clock.now());
    return conditions.map((condition) => {
      const before = old.find((c) => c.type === condition.type);
      return { ...condition, lastUpdateTime: condition.lastUpdateTime ?? now, lastTransitionTime: condition.lastTransitionTime ?? (before?.status === condition.status ? before.lastTransitionTime : undefined) ?? now };
    });
  }
}
