/**
 * EndpointSlices (discovery.k8s.io/v1): the addresses behind a Service, in slices of at most 100
 * endpoints, each with its own readiness. The label `kubernetes.io/service-name` names the Service.
 * @module
 */
import type { KubeObject, ObjectReference } from './meta.ts';
import type { Protocol } from './pod.ts';

/** Whether an endpoint should get traffic. */
export interface EndpointConditions {
  /** ready for new connections (its pod is Ready and not terminating) */
  ready?: boolean;
  /** able to serve, even while terminating */
  serving?: boolean;
  /** its pod is being deleted */
  terminating?: boolean;
}

/** One endpoint of a slice: usually one pod. */
export interface Endpoint {
  /** one address for IPv4 and IPv6 slices */
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  /** the pod */
  targetRef?: ObjectReference;
}

/**
 * A port of an EndpointSlice (discovery/v1 `EndpointPort`; renamed here because core/v1 has an
 * `EndpointPort` of its own).
 */
export interface EndpointSlicePort {
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

/** The kind of address a slice holds. */
export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

/**
 * A slice of a Service's endpoints.
 *
 * @example
 * ```ts
 * const slice: EndpointSlice = {
 *   apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
 *   metadata: { name: 'web-abc12', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
 *   addressType: 'IPv4',
 *   endpoints: [{ addresses: ['127.0.1.5'], conditions: { ready: true }, nodeName: 'node-1' }],
 *   ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
 * };
 * ```
 */
export interface EndpointSlice extends KubeObject {
  apiVersion?: 'discovery.k8s.io/v1';
  kind?: 'EndpointSlice';
  addressType: AddressType;
  endpoints: Endpoint[];
  ports?: EndpointSlicePort[];
}
