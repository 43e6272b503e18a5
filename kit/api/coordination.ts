/**
 * Leases (coordination.k8s.io/v1): a claim that its holder renews, or loses.
 * @module
 */
import type { KubeObject, MicroTime } from './meta.ts';

/** Who holds the lease, for how long, and since when. */
export interface LeaseSpec {
  /** the holder: a node's name, or a candidate leader's identity */
  holderIdentity?: string;
  /** the holder loses the lease this long after its last renewTime */
  leaseDurationSeconds?: number;
  /** when the current holder took it */
  acquireTime?: MicroTime;
  /** when the holder last renewed it */
  renewTime?: MicroTime;
  /** how many times it has changed hands */
  leaseTransitions?: number;
}

/**
 * A lease. Each kubelet renews its node's lease in the `kube-node-lease` namespace as its
 * heartbeat (kata 25); the node lifecycle controller (kata 20) marks a node whose lease expires.
 *
 * @example
 * ```ts
 * const lease: Lease = {
 *   apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
 *   metadata: { name: 'node-1', namespace: 'kube-node-lease' },
 *   spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:10.000000Z' },
 * };
 * ```
 */
export interface Lease extends KubeObject {
  apiVersion?: 'coordination.k8s.io/v1';
  kind?: 'Lease';
  spec?: LeaseSpec;
}
