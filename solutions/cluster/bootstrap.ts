/**
 * What kube-apiserver writes into a new cluster before anyone else may use it — upstream's
 * "bootstrap controllers" (pkg/controlplane/controller/systemnamespaces,
 * pkg/controlplane/controller/kubernetesservice and the endpoint reconciler of
 * pkg/controlplane/reconcilers): the system namespaces, and the Service `default/kubernetes`, whose
 * endpoints are the apiserver itself, so that a pod finds the API at a stable address the way it
 * finds any Service. Plus the `kube-system/kube-dns` Service, which kubeadm's CoreDNS add-on makes.
 *
 * Worked example, an apiserver on 127.0.0.1:6443 in the default service CIDR 127.96.0.0/12:
 *
 * | object | what it holds |
 * | --- | --- |
 * | Namespace `default`, `kube-system`, `kube-public`, `kube-node-lease` | nothing else |
 * | Service `default/kubernetes` | clusterIP 127.96.0.1 (the range's first address), port `https` 443/TCP → targetPort 6443, no selector |
 * | Endpoints `default/kubernetes` | 127.0.0.1, port `https` 6443/TCP |
 * | EndpointSlice `default/kubernetes` | label `kubernetes.io/service-name: kubernetes`, IPv4, 127.0.0.1 ready, port `https` 6443/TCP |
 * | Service `kube-system/kube-dns` | clusterIP 127.96.0.10 (the range's tenth), port `dns` 53/UDP |
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import { type EndpointSlice, type Endpoints, type KubeObject, type Service } from '@kube/kit';
import { formatIPv4, parseServiceCIDR } from '@kube/proxy';

/** The namespaces every cluster has (systemnamespaces controller; kube-node-lease for node Leases). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** The service CIDR of kata 26, 10.96.0.0/12 moved into loopback. */
export const DEFAULT_SERVICE_CIDR = '127.96.0.0/12';

/** Where the apiserver is: the `kubernetes` Service's endpoint. */
export interface ApiServerAddress {
  host: string;
  port: number;
}

/** The `n`th address of a service CIDR: 1 is the `kubernetes` Service's, 10 kube-dns's (kubeadm's choice). */
export function serviceIP(cidr: string, n: number): string {
  return formatIPv4(parseServiceCIDR(cidr).base + n);
}

/** The Service `default/kubernetes`: the apiserver behind the range's first address. */
export function kubernetesService(apiserver: ApiServerAddress, cidr = DEFAULT_SERVICE_CIDR): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: serviceIP(cidr, 1),
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiserver.port }],
      sessionAffinity: 'None',
    },
  };
}

/** The Endpoints `default/kubernetes`: the apiserver's address (the endpoint reconciler writes it). */
export function kubernetesEndpoints(apiserver: ApiServerAddress): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    // the EndpointSlice mirroring controller must not copy it: the apiserver writes the slice too
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: apiserver.host }], ports: [{ name: 'https', port: apiserver.port, protocol: 'TCP' }] }],
  };
}

/** The EndpointSlice `default/kubernetes`: what kube-proxy and DNS read. */
export function kubernetesEndpointSlice(apiserver: ApiServerAddress): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [apiserver.host], conditions: { ready: true } }],
    ports: [{ name: 'https', port: apiserver.port, protocol: 'TCP' }],
  };
}

/** The Service `kube-system/kube-dns` at the range's tenth address, as kubeadm's CoreDNS add-on makes it. */
export function kubeDnsService(cidr = DEFAULT_SERVICE_CIDR): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: { type: 'ClusterIP', clusterIP: serviceIP(cidr, 10), ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
  };
}

/**
 * Does `stored` hold everything `wanted` says? Objects: every key of `wanted` (the apiserver's
 * defaults, such as a Service's `clusterIPs`, may be there besides); arrays: the same length, item
 * by item; anything else: equal.
 *
 * @example covers({ type: 'ClusterIP', clusterIPs: ['127.96.0.1'] }, { type: 'ClusterIP' }) // true
 */
export function covers(stored: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) return Array.isArray(stored) && stored.length === wanted.length && wanted.every((item, i) => covers(stored[i], item));
  if (wanted !== null && typeof wanted === 'object') {
    if (stored === null || typeof stored !== 'object') return false;
    return Object.entries(wanted).every(([key, value]) => covers((stored as Record<string, unknown>)[key], value));
  }
  return stored === wanted;
}

/**
 * Makes the object exist as `wanted` says: created if missing; if it is there but does not
 * {@link covers} what `wanted` sets (its spec, subsets, endpoints, ports, labels), updated at the
 * version read; left alone if it does (no write at all: a restart does not touch what is right). A conflict (someone wrote in between) reads and tries again.
 */
export async function ensureObject<T extends KubeObject>(client: ApiClient, resource: string, wanted: T): Promise<T> {
  const fields = Object.keys(wanted).filter((field) => field !== 'metadata' && field !== 'apiVersion' && field !== 'kind');
  const { namespace, name } = wanted.metadata;
  const objects = client.resource<T>(resource, namespace);
  for (;;) {
    let stored: T;
    try {
      stored = await objects.get(name!);
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
      return objects.create(wanted);
    }
    const record = (object: T) => object as unknown as Record<string, unknown>;
    // Labels are compared only when `wanted` sets some: a namespace's own label, put there by the
    // server, is no reason to write.
    const labels = wanted.metadata.labels;
    const differs = fields.some((field) => !covers(record(stored)[field], record(wanted)[field])) || (labels !== undefined && !covers(stored.metadata.labels, labels));
    if (!differs) return stored;
    const update = { ...stored, ...Object.fromEntries(fields.map((field) => [field, record(wanted)[field]])), metadata: { ...stored.metadata, labels: { ...stored.metadata.labels, ...labels } } } as T;
    try {
      return await objects.update(update);
    } catch (error) {
      // Someone wrote it between our read and our write: read again.
      if (!isStatusError(error, 'Conflict')) throw error;
    }
  }
}

/**
 * The bootstrap: the system namespaces, then `default/kubernetes` (Service, Endpoints and
 * EndpointSlice, pointing at `apiserver`) and `kube-system/kube-dns`. Run at every start of the
 * apiserver: a restart on another port must move the endpoints. Safe to run again.
 */
export async function bootstrapCluster(client: ApiClient, apiserver: ApiServerAddress, cidr = DEFAULT_SERVICE_CIDR): Promise<void> {
  // Namespaces first: NamespaceLifecycle refuses an object in a namespace that does not exist.
  for (const name of SYSTEM_NAMESPACES) await ensureObject(client, 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await ensureObject(client, 'services', kubernetesService(apiserver, cidr));
  await ensureObject(client, 'endpoints', kubernetesEndpoints(apiserver));
  await ensureObject(client, 'endpointslices', kubernetesEndpointSlice(apiserver));
  await ensureObject(client, 'services', kubeDnsService(cidr));
}
