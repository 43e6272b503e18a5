/**
 * Services and their endpoints (core/v1, discovery.k8s.io/v1): a stable address for a set of pods.
 */
import type { KubeObject } from './meta.ts';

/** One port of a service: traffic to `port` goes to `targetPort` on the pods. */
export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  /** a number, or the name of a container port; default: `port` */
  targetPort?: number | string;
  /** for type NodePort: 30000-32767, allocated when absent (kata 26) */
  nodePort?: number;
}

/** What the service should be. */
export interface ServiceSpec {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** the pods behind the service: every pod with all these labels */
  selector?: Record<string, string>;
  ports?: ServicePort[];
  /** allocated when absent; "None" for a headless service */
  clusterIP?: string;
  clusterIPs?: string[];
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalName?: string;
}

/**
 * A service.
 *
 * @example
 * ```ts
 * const svc: Service = {
 *   apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
 *   spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
 * };
 * ```
 */
export interface Service extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Service';
  spec?: ServiceSpec;
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** Points at the object an endpoint stands for (a pod). */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

/** One address of an Endpoints subset. */
export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

/** A port of an Endpoints subset. */
export interface EndpointPort {
  port: number;
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** Addresses that share ports; notReadyAddresses get no traffic. */
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** The addresses behind a service, named like it (core/v1, the classic form). */
export interface Endpoints extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Endpoints';
  subsets?: EndpointSubset[];
}

/** One endpoint of a slice. */
export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
}

/** At most 100 endpoints of a service (discovery.k8s.io/v1); the label kubernetes.io/service-name names it. */
export interface EndpointSlice extends KubeObject {
  apiVersion?: 'discovery.k8s.io/v1';
  kind?: 'EndpointSlice';
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports?: { name?: string; protocol?: 'TCP' | 'UDP' | 'SCTP'; port?: number; appProtocol?: string }[];
}

