/**
 * certificates.k8s.io/v1: CertificateSigningRequests, how a user (or a kubelet) gets a certificate
 * signed by the cluster's CA — a PKCS #10 request, approved by someone allowed to approve it
 * (`kubectl certificate approve`), then signed by the signer it names.
 *
 * ```
 * openssl req -new -key jane.key -subj "/CN=jane/O=dev"     -> spec.request (base64 of the PEM)
 * kubectl apply -f csr.yaml                                  -> spec.username, groups: who asked
 * kubectl certificate approve jane                           -> status.conditions [Approved]
 * the signer (kubernetes.io/kube-apiserver-client)          -> status.certificate: CN=jane, O=dev
 * ```
 * @module
 */
import type { KubeObject, Time } from './meta.ts';

/** What is asked: the request, the signer, how long, for what; and who asked (written by the apiserver). */
export interface CertificateSigningRequestSpec {
  /** base64 of a PEM `CERTIFICATE REQUEST` */
  request: string;
  /** `kubernetes.io/kube-apiserver-client`, `kubernetes.io/kube-apiserver-client-kubelet`, `kubernetes.io/kubelet-serving`, or one of your own */
  signerName: string;
  /** at least 600; the signer may sign for less */
  expirationSeconds?: number;
  /** `client auth`, `digital signature`, `key encipherment`, ... */
  usages?: string[];
  /** who created it (set by the apiserver) */
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** Approved, Denied (by an approver) or Failed (by the signer). */
export interface CertificateSigningRequestCondition {
  type: 'Approved' | 'Denied' | 'Failed' | (string & {});
  status: 'True' | 'False' | 'Unknown' | (string & {});
  reason?: string;
  message?: string;
  lastUpdateTime?: Time;
  lastTransitionTime?: Time;
}

/** The decisions, and the certificate once signed (base64 of its PEM). */
export interface CertificateSigningRequestStatus {
  conditions?: CertificateSigningRequestCondition[];
  certificate?: string;
}

/**
 * A request for a certificate (cluster-scoped).
 *
 * @example
 * ```ts
 * const csr: CertificateSigningRequest = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'jane' },
 *   spec: { request: btoa(pem), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } };
 * ```
 */
export interface CertificateSigningRequest extends KubeObject {
  apiVersion?: 'certificates.k8s.io/v1';
  kind?: 'CertificateSigningRequest';
  spec: CertificateSigningRequestSpec;
  status?: CertificateSigningRequestStatus;
}
