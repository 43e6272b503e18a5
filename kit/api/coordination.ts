/**
 * Leases (coordination.k8s.io/v1) and Events (core/v1).
 */
import type { KubeObject, Time } from './meta.ts';

/**
 * A lease: a node's heartbeat (kube-node-lease/<node>, kata 25) or a leader's claim.
 * Times are MicroTime: RFC 3339 with microseconds.
 */
export interface Lease extends KubeObject {
  apiVersion?: 'coordination.k8s.io/v1';
  kind?: 'Lease';
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** A record of something that happened to an object ("Scheduled", "BackOff", "Killing"). */
export interface Event extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Event';
  involvedObject: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: 'Normal' | 'Warning';
  source?: { component?: string; host?: string };
  count?: number;
  firstTimestamp?: Time;
  lastTimestamp?: Time;
  reportingComponent?: string;
  reportingInstance?: string;
}
