/**
 * networking.k8s.io/v1: Ingresses (HTTP routes from hosts and paths to Services), the
 * IngressClasses that say which controller serves them, and NetworkPolicies (which pods may talk to
 * which). The apiserver stores and checks them; an ingress controller (ingress-nginx, ...) and a
 * network plugin that enforces policies act on them, and this workbook runs neither — as a cluster
 * made by kubeadm runs neither until one is installed.
 * @module
 */
import type { KubeObject, LabelSelector } from './meta.ts';

/** A reference to an object of another kind in the same namespace. */
export interface TypedLocalObjectReference {
  apiGroup?: string;
  kind: string;
  name: string;
}

/** A Service port, by number or by name. */
export interface ServiceBackendPort {
  name?: string;
  number?: number;
}

/** A Service and its port. */
export interface IngressServiceBackend {
  name: string;
  port?: ServiceBackendPort;
}

/** Where traffic goes: a Service (or another resource), not both. */
export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: TypedLocalObjectReference;
}

/** A path and where it leads: `Exact`, `Prefix` or `ImplementationSpecific` matching. */
export interface HTTPIngressPath {
  path?: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific' | (string & {});
  backend: IngressBackend;
}

/** The paths of one host. */
export interface HTTPIngressRuleValue {
  paths: HTTPIngressPath[];
}

/** A host (or every host) and its paths. */
export interface IngressRule {
  host?: string;
  http?: HTTPIngressRuleValue;
}

/** Hosts served over TLS with the certificate in a Secret. */
export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}

/**
 * The routes: `kubectl create ingress web --rule="shop.example/*=web:80"` is one rule, host
 * shop.example, path `/` by Prefix, to Service web's port 80.
 *
 * @example
 * ```ts
 * const spec: IngressSpec = { rules: [{ host: 'shop.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] };
 * ```
 */
export interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: IngressBackend;
  tls?: IngressTLS[];
  rules?: IngressRule[];
}

/** A port of a load balancer's address, and what went wrong there. */
export interface IngressPortStatus {
  port: number;
  protocol: string;
  error?: string;
}

/** One address the ingress controller serves the Ingress at. */
export interface IngressLoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ports?: IngressPortStatus[];
}

/** Where the Ingress is served; written by its ingress controller, empty without one. */
export interface IngressStatus {
  loadBalancer?: { ingress?: IngressLoadBalancerIngress[] };
}

/** HTTP routes to Services, for an ingress controller to serve. */
export interface Ingress extends KubeObject {
  apiVersion?: 'networking.k8s.io/v1';
  kind?: 'Ingress';
  spec?: IngressSpec;
  status?: IngressStatus;
}

/** A custom resource with the controller's configuration. */
export interface IngressClassParametersReference {
  apiGroup?: string;
  kind: string;
  name: string;
  namespace?: string;
  scope?: string;
}

/** Which controller serves the Ingresses of this class. */
export interface IngressClassSpec {
  controller?: string;
  parameters?: IngressClassParametersReference;
}

/** A class of Ingresses; the one annotated `ingressclass.kubernetes.io/is-default-class: "true"` is given to Ingresses that name none. */
export interface IngressClass extends KubeObject {
  apiVersion?: 'networking.k8s.io/v1';
  kind?: 'IngressClass';
  spec?: IngressClassSpec;
}

/** A range of addresses, with holes. */
export interface IPBlock {
  cidr: string;
  except?: string[];
}

/** Who: pods (of namespaces) by label, or addresses. */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

/** A port (or range, to `endPort`), by number or name; protocol TCP by default. */
export interface NetworkPolicyPort {
  protocol?: 'TCP' | 'UDP' | 'SCTP' | (string & {});
  port?: number | string;
  endPort?: number;
}

/** Traffic the selected pods may receive. */
export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

/** Traffic the selected pods may send. */
export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

/** The pods it applies to, and the traffic they may take part in. */
export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
  policyTypes?: ('Ingress' | 'Egress' | (string & {}))[];
}

/**
 * Which traffic the pods it selects may receive (and send); enforced by the network plugin.
 *
 * @example
 * ```ts
 * const denyAll: NetworkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all' }, spec: { podSelector: {} } };
 * ```
 */
export interface NetworkPolicy extends KubeObject {
  apiVersion?: 'networking.k8s.io/v1';
  kind?: 'NetworkPolicy';
  spec?: NetworkPolicySpec;
}
