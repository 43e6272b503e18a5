/**
 * networking.k8s.io/v1 as kube-apiserver v1.32 stores it: Ingresses, IngressClasses and
 * NetworkPolicies — defaults, validation (upstream: `pkg/apis/networking/validation/validation.go`)
 * and the DefaultIngressClass admission plugin. Given code, beyond the katas.
 *
 * No ingress controller and no network plugin that enforces policies runs here, as none runs on a
 * cluster kubeadm has just made: an Ingress is stored and shown with no ADDRESS, a NetworkPolicy
 * stored and not enforced (kata 27's proxy forwards every connection).
 *
 * ```
 * kubectl create ingress web --rule="shop.example/*=web:80"
 *   spec.rules: [{host: shop.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
 * kubectl create ingress bad --rule="shop.example/=web"
 *   error: ... spec.rules[0].http.paths[0].backend: Required value: port name or number is required
 * ```
 */
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass, KubeObject, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, StatusCause } from '@kube/kit';
import type { AdmissionPlugin } from './admission.ts';
import type { AdmissionRequest } from './auth-api.ts';
import { at, forbiddenField, invalidField, requiredField, unsupportedField } from './field-errors.ts';
import { isDNS1035Label, isDNS1123Subdomain, isValidPortName } from './names.ts';
import { validateLabelSelector, validateObjectMeta } from './validation.ts';

/** The annotation that makes an IngressClass the default one. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** The path types an Ingress may use, as upstream lists them (sorted). */
export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;

/** IsValidPortNum's message. */
const PORT_NUMBER_MESSAGE = 'must be between 1 and 65535, inclusive';

/** A host: a DNS subdomain, or one with a `*.` in front; never an IP address. */
function validateHost(host: string, path: string): StatusCause[] {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':')) return [invalidField(path, host, 'must be a DNS name, not an IP address')];
  if (host.startsWith('*.')) {
    const rest = isDNS1123Subdomain(host.slice(2));
    return rest.length === 0 ? [] : [invalidField(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")];
  }
  return isDNS1123Subdomain(host).map((message) => invalidField(path, host, message));
}

/** validateIngressBackend: a Service (a DNS-1035 name and a port by name or number) or a resource, exactly one. */
function validateBackend(backend: IngressBackend, path: string): StatusCause[] {
  if (backend.service && backend.resource) return [invalidField(path, '', 'cannot set both resource and service backends')];
  if (backend.resource) {
    const errors: StatusCause[] = [];
    if (!backend.resource.kind) errors.push(requiredField(at(path, 'resource', 'kind')));
    if (!backend.resource.name) errors.push(requiredField(at(path, 'resource', 'name')));
    return errors;
  }
  if (!backend.service) return [invalidField(path, '', 'resource or service backend is required')];
  const errors: StatusCause[] = [];
  const { name, port } = backend.service;
  if (!name) errors.push(requiredField(at(path, 'service', 'name')));
  else errors.push(...isDNS1035Label(name).map((message) => invalidField(at(path, 'service', 'name'), name, message)));
  const byName = (port?.name ?? '') !== '';
  const byNumber = (port?.number ?? 0) !== 0;
  if (byName && byNumber) errors.push(invalidField(path, '', 'cannot set both port name & port number'));
  else if (byName) errors.push(...isValidPortName(port!.name!).map((message) => invalidField(at(path, 'service', 'port', 'name'), port!.name, message)));
  else if (byNumber) {
    if (!(Number.isInteger(port!.number) && port!.number! >= 1 && port!.number! <= 65535)) errors.push(invalidField(at(path, 'service', 'port', 'number'), port!.number, PORT_NUMBER_MESSAGE));
  } else errors.push(requiredField(path, 'port name or number is required'));
  return errors;
}

/** validateHTTPIngressPath: a pathType, an absolute path without `//`, `/./`, `/../` for Exact and Prefix, a backend. */
function validatePath(entry: HTTPIngressPath, path: string): StatusCause[] {
  if (!entry.pathType) return [requiredField(at(path, 'pathType'), 'pathType must be specified')];
  const errors: StatusCause[] = [];
  const value = entry.path ?? '';
  if (!(PATH_TYPES as readonly string[]).includes(entry.pathType)) errors.push(unsupportedField(at(path, 'pathType'), entry.pathType, PATH_TYPES));
  else if (entry.pathType !== 'ImplementationSpecific' || value !== '') {
    if (!value.startsWith('/')) errors.push(invalidField(at(path, 'path'), value, 'must be an absolute path'));
    else if (entry.pathType !== 'ImplementationSpecific') {
      for (const bad of ['//', '/./', '/../', '%2f', '%2F']) if (value.includes(bad)) errors.push(invalidField(at(path, 'path'), value, `must not contain '${bad}'`));
      for (const bad of ['/..', '/.']) if (value.endsWith(bad)) errors.push(invalidField(at(path, 'path'), value, `cannot end with '${bad}'`));
    }
  }
  errors.push(...validateBackend(entry.backend ?? {}, at(path, 'backend')));
  return errors;
}

/** ValidateIngress: the metadata, a default backend or rules, each rule's host and paths, the TLS hosts, the class's name. */
export function validateIngress(obj: KubeObject): StatusCause[] {
  const ingress = obj as Ingress;
  const errors: StatusCause[] = validateObjectMeta(ingress.metadata, true, isDNS1123Subdomain);
  const spec = ingress.spec ?? {};
  if ((spec.rules ?? []).length === 0 && !spec.defaultBackend) {
    // Go prints the nil list it was given as the value
    errors.push({ reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified' });
  }
  if (spec.defaultBackend) errors.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  (spec.rules ?? []).forEach((rule, i) => {
    const path = at('spec.rules', i);
    if (rule.host) errors.push(...validateHost(rule.host, at(path, 'host')));
    if (!rule.http) return;
    if ((rule.http.paths ?? []).length === 0) errors.push(requiredField(at(path, 'http', 'paths')));
    (rule.http.paths ?? []).forEach((entry, j) => errors.push(...validatePath(entry, at(path, 'http', 'paths', j))));
  });
  (spec.tls ?? []).forEach((tls, i) => {
    (tls.hosts ?? []).forEach((host, j) => errors.push(...validateHost(host, at('spec.tls', i, 'hosts', j))));
    if (tls.secretName) errors.push(...isDNS1123Subdomain(tls.secretName).map((message) => invalidField(at('spec.tls', i, 'secretName'), tls.secretName, message)));
  });
  if (spec.ingressClassName !== undefined) errors.push(...isDNS1123Subdomain(spec.ingressClassName).map((message) => invalidField('spec.ingressClassName', spec.ingressClassName, message)));
  return errors;
}

/** ValidateIngressClass: a controller, a domain-prefixed path of at most 250 characters. */
export function validateIngressClass(obj: KubeObject): StatusCause[] {
  const ingressClass = obj as IngressClass;
  const errors: StatusCause[] = validateObjectMeta(ingressClass.metadata, false, isDNS1123Subdomain);
  const controller = ingressClass.spec?.controller ?? '';
  if (controller === '') errors.push(requiredField('spec.controller'));
  else if (controller.length > 250) errors.push({ reason: 'FieldValueTooLong', field: 'spec.controller', message: `Too long: may not be more than 250 bytes` });
  const parameters = ingressClass.spec?.parameters;
  if (parameters) {
    if (!parameters.kind) errors.push(requiredField('spec.parameters.kind'));
    if (!parameters.name) errors.push(requiredField('spec.parameters.name'));
    if (parameters.scope !== undefined && !['Cluster', 'Namespace'].includes(parameters.scope)) errors.push(unsupportedField('spec.parameters.scope', parameters.scope, ['Cluster', 'Namespace']));
    if (parameters.scope === 'Namespace' && !parameters.namespace) errors.push(requiredField('spec.parameters.namespace', '`parameters.scope` is set to \'Namespace\''));
    if (parameters.scope !== 'Namespace' && parameters.namespace) errors.push(forbiddenField('spec.parameters.namespace', '`parameters.scope` is set to \'Cluster\''));
  }
  return errors;
}

/** An IngressClass's controller cannot change (ValidateIngressClassUpdate). */
export function validateIngressClassUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const [now, was] = [(next as IngressClass).spec?.controller, (stored as IngressClass).spec?.controller];
  return now === was ? [] : [invalidField('spec.controller', now ?? '', 'field is immutable')];
}

/** SetDefaults_NetworkPolicy: each port's protocol TCP; policyTypes Ingress, and Egress too when it has egress rules. */
export function defaultNetworkPolicy(policy: NetworkPolicy): NetworkPolicy {
  const spec = policy.spec;
  if (!spec) return policy;
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) for (const port of rule.ports ?? []) port.protocol ??= 'TCP';
  if ((spec.policyTypes ?? []).length === 0) spec.policyTypes = (spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  return policy;
}

/** A peer: exactly one kind (an ipBlock alone), each selector valid, the ipBlock a CIDR with its exceptions inside it. */
function validatePeer(peer: NetworkPolicyPeer, path: string): StatusCause[] {
  const errors: StatusCause[] = [];
  const kinds = [peer.podSelector, peer.namespaceSelector, peer.ipBlock].filter((x) => x !== undefined).length;
  if (kinds === 0) errors.push(requiredField(path, 'must specify a peer'));
  else if (peer.ipBlock && kinds > 1) errors.push(forbiddenField(path, 'may not specify more than 1 peer'));
  if (peer.podSelector) errors.push(...validateLabelSelector(peer.podSelector, at(path, 'podSelector')));
  if (peer.namespaceSelector) errors.push(...validateLabelSelector(peer.namespaceSelector, at(path, 'namespaceSelector')));
  if (peer.ipBlock) {
    const cidr = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(peer.ipBlock.cidr ?? '');
    if (!peer.ipBlock.cidr) errors.push(requiredField(at(path, 'ipBlock', 'cidr')));
    else if (!cidr || cidr.slice(1, 5).some((octet) => Number(octet) > 255) || Number(cidr[5]) > 32) {
      if (!peer.ipBlock.cidr.includes(':')) errors.push(invalidField(at(path, 'ipBlock', 'cidr'), peer.ipBlock.cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    }
  }
  return errors;
}

/** A port: a protocol of TCP, UDP or SCTP; a number in range or a port name; an endPort only after a number, not below it. */
function validatePort(port: NetworkPolicyPort, path: string): StatusCause[] {
  const errors: StatusCause[] = [];
  if (port.protocol !== undefined && !['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errors.push(unsupportedField(at(path, 'protocol'), port.protocol, ['SCTP', 'TCP', 'UDP']));
  if (typeof port.port === 'number') {
    if (!(Number.isInteger(port.port) && port.port >= 1 && port.port <= 65535)) errors.push(invalidField(at(path, 'port'), port.port, PORT_NUMBER_MESSAGE));
    if (port.endPort !== undefined && port.endPort < port.port) errors.push(invalidField(at(path, 'endPort'), port.endPort, 'must be greater than or equal to `port`'));
  } else if (typeof port.port === 'string') {
    errors.push(...isValidPortName(port.port).map((message) => invalidField(at(path, 'port'), port.port, message)));
    if (port.endPort !== undefined) errors.push(forbiddenField(at(path, 'endPort'), 'may not be specified when `port` is non-numeric'));
  } else if (port.endPort !== undefined) errors.push(forbiddenField(at(path, 'endPort'), 'may not be specified when `port` is not specified'));
  return errors;
}

/** ValidateNetworkPolicy: the metadata, the pod selector, each rule's peers and ports, the policy types. */
export function validateNetworkPolicy(obj: KubeObject): StatusCause[] {
  const policy = obj as NetworkPolicy;
  const errors: StatusCause[] = validateObjectMeta(policy.metadata, true, isDNS1123Subdomain);
  const spec = policy.spec;
  if (!spec) return errors;
  errors.push(...validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector'));
  (spec.ingress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((port, j) => errors.push(...validatePort(port, at('spec.ingress', i, 'ports', j))));
    (rule.from ?? []).forEach((peer, j) => errors.push(...validatePeer(peer, at('spec.ingress', i, 'from', j))));
  });
  (spec.egress ?? []).forEach((rule, i) => {
    (rule.ports ?? []).forEach((port, j) => errors.push(...validatePort(port, at('spec.egress', i, 'ports', j))));
    (rule.to ?? []).forEach((peer, j) => errors.push(...validatePeer(peer, at('spec.egress', i, 'to', j))));
  });
  const types = spec.policyTypes ?? [];
  types.forEach((type, i) => {
    if (!['Egress', 'Ingress'].includes(type)) errors.push(unsupportedField(at('spec.policyTypes', i), type, ['Egress', 'Ingress']));
  });
  if (types.length > 2) errors.push(invalidField('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  return errors;
}

/**
 * DefaultIngressClass (plugin/pkg/admission/network/defaultingressclass): an Ingress created
 * without a class gets the default IngressClass's name, the newest when several say they are the
 * default (v1.32 picks the most recently created). One that names a class keeps it.
 */
export class DefaultIngressClass implements AdmissionPlugin {
  readonly name = 'DefaultIngressClass';

  /** @param classes - lists the IngressClasses */
  constructor(private readonly classes: () => readonly IngressClass[] | Promise<readonly IngressClass[]>) {}

  async admit(request: AdmissionRequest): Promise<void> {
    const { attributes, operation, object } = request;
    if (operation !== 'CREATE' || attributes.resource !== 'ingresses' || attributes.subresource !== '' || !object) return;
    const ingress = object as Ingress;
    if (ingress.spec?.ingressClassName !== undefined || ingress.metadata.annotations?.['kubernetes.io/ingress.class'] !== undefined) return;
    const defaults = (await this.classes()).filter((c) => c.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
    if (defaults.length === 0) return;
    const newest = [...defaults].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0]!;
    ingress.spec = { ...ingress.spec, ingressClassName: newest.metadata.name };
  }
}
