/**
 * The CSR signing controller (kube-controller-manager's pkg/controller/certificates/signer, v1.32,
 * "csrsigning"): signs each approved CertificateSigningRequest of the signers it serves with the
 * cluster's CA, writing the certificate to its status. Given code: no kata builds it; in the
 * cluster the control plane runs it, as it alone holds the CA's key (kubeadm hands kube-controller-manager
 * the key file, `--cluster-signing-key-file`).
 *
 * ```
 * CSR jane: signer kubernetes.io/kube-apiserver-client, usages [client auth], CN=jane O=dev
 *   approved (kubectl certificate approve jane)
 *   -> status.certificate: a certificate for jane's key, CN=jane O=dev, issued by the cluster CA,
 *      from 5 minutes ago (clocks differ) for expirationSeconds, at most a year
 * ```
 *
 * A request is signed once: approved, not denied, not failed, no certificate yet. One the signer
 * cannot sign gets a `Failed` condition with reason `SignerValidationFailure` and why: usages the
 * signer does not allow (`invalid usage for client certificate: server auth`), a kubelet signer's
 * request whose subject is not a node's, a request that does not parse.
 *
 * Where it simplifies: no CSR is approved automatically (upstream's csrapproving controller
 * approves kubelets' own client requests), and none is ever cleaned up (csrcleaner).
 *
 * @example
 * ```ts
 * const signer = new CertificateSigner({ client, clock, factory, ca: { cert: pki.ca, key: pki.caKey } });
 * factory.start();
 * signer.run();
 * ```
 */
import type { ApiClient } from '@kube/apiserver';
import { certificateRequestSubject, signCertificateRequest, toRFC3339, type CertificateSigningRequest, type Clock } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** How long a certificate is valid at most (`--cluster-signing-duration`, a year). */
export const CLUSTER_SIGNING_DURATION_MS = 365 * 24 * 3600_000;
/** How far back a certificate's validity starts, for clocks that differ (upstream's backdate). */
export const SIGNING_BACKDATE_MS = 5 * 60_000;

/** The usages each signer allows (isKubeletServing, isKubeletClient, the kube-apiserver-client and legacy-unknown checks). */
export const SIGNER_USAGES: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/kube-apiserver-client': ['digital signature', 'key encipherment', 'client auth'],
  'kubernetes.io/kube-apiserver-client-kubelet': ['digital signature', 'key encipherment', 'client auth'],
  'kubernetes.io/kubelet-serving': ['digital signature', 'key encipherment', 'server auth'],
  'kubernetes.io/legacy-unknown': ['digital signature', 'key encipherment', 'client auth', 'server auth'],
};

/** What a {@link CertificateSigner} needs. */
export interface CertificateSignerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  /** the cluster CA's certificate and private key, PEM */
  ca: { cert: string; key: string };
  onError?: (key: string, error: unknown) => void;
}

/** Why a signer will not sign this request, or undefined when it will. */
async function refusal(csr: CertificateSigningRequest, pem: string): Promise<string | undefined> {
  const allowed = SIGNER_USAGES[csr.spec.signerName] ?? [];
  const bad = (csr.spec.usages ?? []).filter((usage) => !allowed.includes(usage));
  const kind = csr.spec.signerName === 'kubernetes.io/kubelet-serving' ? 'serving' : 'client';
  if (bad.length > 0) return `invalid usage for ${kind} certificate: ${bad.join(', ')}`;
  let subject;
  try {
    subject = await certificateRequestSubject(pem);
  } catch (error) {
    return `unable to parse csr: ${(error as Error).message}`;
  }
  // the kubelets' signers sign for nodes only
  const forNodes = csr.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet' || csr.spec.signerName === 'kubernetes.io/kubelet-serving';
  if (forNodes && !subject.commonName.startsWith('system:node:')) return `subject common name does not begin with "system:node:": ${JSON.stringify(subject.commonName)}`;
  return undefined;
}

/** Signs approved CertificateSigningRequests with the cluster's CA. */
export class CertificateSigner {
  readonly requests: SharedIndexInformer<CertificateSigningRequest>;
  readonly queue: RateLimitingQueue<string>;
  private readonly options: CertificateSignerOptions;
  private workers: Promise<void>[] = [];

  constructor(options: CertificateSignerOptions) {
    this.options = options;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.requests = options.factory.informerFor<CertificateSigningRequest>('certificatesigningrequests');
    const enqueue = (csr: CertificateSigningRequest) => this.queue.add(csr.metadata.name ?? '');
    this.requests.addEventHandler({ onAdd: enqueue, onUpdate: (_old, csr) => enqueue(csr) });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: this.options.onError }));
  }

  /** Stops the workers, after their current sync. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One request: signed, failed, or left alone (not approved, already decided, another signer's). */
  async sync(name: string): Promise<void> {
    const csr = this.requests.indexer.getByKey(name);
    if (!csr || !(csr.spec.signerName in SIGNER_USAGES) || csr.status?.certificate) return;
    const conditions = csr.status?.conditions ?? [];
    const holds = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
    if (!holds('Approved') || holds('Denied') || conditions.some((c) => c.type === 'Failed')) return;
    const { clock, client, ca } = this.options;
    const pem = Buffer.from(csr.spec.request, 'base64').toString('utf8');
    const why = await refusal(csr, pem);
    const requests = client.resource<CertificateSigningRequest>('certificatesigningrequests');
    if (why !== undefined) {
      const now = toRFC3339(clock.now());
      const failed = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: why, lastUpdateTime: now, lastTransitionTime: now };
      await requests.updateStatus({ ...csr, status: { ...csr.status, conditions: [...conditions, failed] } });
      return;
    }
    const now = clock.now();
    const lifetime = Math.min(CLUSTER_SIGNING_DURATION_MS, (csr.spec.expirationSeconds ?? Infinity) * 1000);
    const certificate = await signCertificateRequest(pem, ca, { notBefore: new Date(now - SIGNING_BACKDATE_MS), notAfter: new Date(now + lifetime) }, csr.spec.usages ?? []);
    await requests.updateStatus({ ...csr, status: { ...csr.status, certificate: Buffer.from(certificate).toString('base64') } });
  }
}
