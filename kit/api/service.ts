/**
 * Services and Endpoints (core/v1): a stable address for a changing set of pods. The endpoints
 * controller (kata 21) fills Endpoints from the pods a Service selects; kube-proxy (katas 26-27)
 * forwards the Service's address to them. EndpointSlices are in `discovery.ts`.
 * @module
 */
import type { KubeObject, ObjectReference } from './meta.ts';
import type { Protocol } from './pod.ts';

/**
 * How a Service is reached: on a virtual cluster IP (ClusterIP, the default), also on a port of
 * every node (NodePort), through a cloud load balancer, or as a DNS alias. The workbook builds
 * ClusterIP and NodePort.
 */
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

/**
 * One port of a Service: connections to `port` on the cluster IP go to `targetPort` on a pod.
 *
 * @example
 * ```ts
 * const http: ServicePort = { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 };
 * ```
 */
export interface ServicePort {
  /** required when there is more than one port */
  name?: string;
  /** default TCP */
  protocol?: Protocol;
  port: number;
  /** a number, or the name of a container port; default: the same as `port` */
  targetPort?: number | string;
  /** for type NodePort: in 30000-32767, allocated when absent (kata 26) */
  nodePort?: number;
}

/** ClientIP session affinity's settings. */
export interface ClientIPConfig {
  /** how long a client sticks to its pod; default 10800 (3 hours) */
  timeoutSeconds?: number;
}

/** The settings of a Service's session affinity. */
export interface SessionAffinityConfig {
  clientIP?: ClientIPConfig;
}

/** An IP family of a Service's addresses. */
export type IPFamily = 'IPv4' | 'IPv6';

/** How many IP families a Service wants (see {@link ServiceSpec.ipFamilyPolicy}). */
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** What the Service should be. */
export interface ServiceSpec {
  /** default ClusterIP */
  type?: ServiceType;
  /** the pods behind the Service: every pod that has all these labels (absent: endpoints are managed by hand) */
  selector?: Record<string, string>;
  ports?: ServicePort[];
  /** the virtual IP; allocated when absent (kata 26); `"None"` makes a headless Service */
  clusterIP?: string;
  /** clusterIP first, then any other IP family's address */
  clusterIPs?: string[];
  /**
   * the IP families of clusterIPs, in their order; filled in by the apiserver (`[IPv4]` in this
   * single-stack IPv4 cluster; a headless Service without a selector gets both)
   */
  ipFamilies?: IPFamily[];
  /**
   * how many IP families the Service wants: SingleStack (the default), PreferDualStack, or
   * RequireDualStack (refused on a single-stack cluster, except for a headless Service without a
   * selector, which gets it by default)
   */
  ipFamilyPolicy?: IPFamilyPolicy;
  /** ClientIP: connections from one client go to the same pod */
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: SessionAffinityConfig;
  /** for type ExternalName: the DNS name the Service stands for */
  externalName?: string;
  /** Local: traffic from inside the cluster goes only to endpoints on the client's node; default Cluster */
  internalTrafficPolicy?: 'Cluster' | 'Local';
  /**
   * addresses outside the cluster that also reach the Service (its `EXTERNAL-IP` in `kubectl get
   * svc`); they make a ClusterIP Service externally accessible, so it may have an
   * externalTrafficPolicy. Stored and shown here, not programmed by kube-proxy (kata 27).
   */
  externalIPs?: string[];
  /** for externally accessible Services (NodePort, LoadBalancer, or with externalIPs): Local keeps the client's source IP and uses only the node's own endpoints; default Cluster */
  externalTrafficPolicy?: 'Cluster' | 'Local';
  /** for LoadBalancer: whether it gets node ports too; default true */
  allocateLoadBalancerNodePorts?: boolean;
  /** list the selected pods as ready endpoints whether they are ready or not (a StatefulSet's peers finding each other in DNS before they are ready) */
  publishNotReadyAddresses?: boolean;
}

/** One ingress point of a load balancer. */
export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

/** The load balancer's addresses. */
export interface LoadBalancerStatus {
  ingress?: LoadBalancerIngress[];
}

/** What the Service is (only type LoadBalancer has a status). */
export interface ServiceStatus {
  loadBalancer?: LoadBalancerStatus;
}

/**
 * A Service.
 *
 * @example
 * ```ts
 * const svc: Service = {
 *   apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
 *   spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
 * };
 * ```
 */
export interface Service extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Service';
  spec?: ServiceSpec;
  status?: ServiceStatus;
}

/** One address behind a Service: a pod's IP, and which pod it is. */
export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  /** the pod */
  targetRef?: ObjectReference;
}

/** A port of an Endpoints subset: the pod's port (a Service's targetPort, resolved). */
export interface EndpointPort {
  port: number;
  /** the name of the Service port it serves */
  name?: string;
  protocol?: Protocol;
}

/** Addresses that share the same ports. notReadyAddresses are known but get no traffic. */
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/**
 * The addresses behind a Service, in an object of the same name and namespace (the classic form;
 * see also EndpointSlice).
 *
 * @example
 * ```ts
 * const ep: Endpoints = {
 *   apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' },
 *   subsets: [{ addresses: [{ ip: '127.0.1.5', nodeName: 'node-1' }], ports: [{ name: 'http', port: 8080 }] }],
 * };
 * ```
 */
export interface Endpoints extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Endpoints';
  subsets?: EndpointSubset[];
}
