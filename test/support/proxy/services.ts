/**
 * Services and EndpointSlices for Part VI's tests, and an apiserver handler with the kata 26
 * allocators plugged in (no HTTP: the request pipeline itself, as kata 10's ApiHandler runs it).
 */
import { ApiHandler, Registry, type ServiceAllocator } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type EndpointSlice, type Service, type ServicePort } from '@kube/kit';

/** A Service in `default` (or `namespace`) with these ports and fields. */
export function makeService(name: string, ports: ServicePort[], spec: Service['spec'] = {}, namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { type: 'ClusterIP', selector: { app: name }, ports, ...spec } };
}

/** One endpoint of a slice: an address and its readiness. */
export interface SliceEndpoint {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

/** An EndpointSlice of Service `service` with one port (`portName` may be '') and these endpoints. */
export function makeSlice(service: string, sliceName: string, port: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }, endpoints: SliceEndpoint[], namespace = 'default'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ...(e.ready !== undefined && { ready: e.ready }), ...(e.serving !== undefined && { serving: e.serving }), ...(e.terminating !== undefined && { terminating: e.terminating }) },
    })),
    ports: [{ ...(port.name ? { name: port.name } : {}), port: port.port, protocol: port.protocol ?? 'TCP' }],
  };
}

/** The request pipeline over a fresh store, with the namespace default and the allocator given. */
export function servicesApi(serviceAllocator: ServiceAllocator, store = new MvccStore()): { handler: ApiHandler; registry: Registry; store: MvccStore; send(method: string, path: string, body?: unknown, contentType?: string): Promise<{ code: number; body: any }> } {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const random = new Random(26);
  const registry = new Registry({ store, clock, random });
  try {
    registry.create('namespaces', undefined, { metadata: { name: 'default' } });
  } catch {
    // a restarted registry on the same store has it already
  }
  // the registry's Random: a generateName is turned into a name before the allocators run, as upstream does
  const handler = new ApiHandler({ registry, clock, serviceAllocator, random });
  // contentType: a PATCH's patch type (`application/merge-patch+json`, ...)
  const send = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const answer = await handler.handle({ method, url: path, headers: { 'content-type': contentType }, body: body === undefined ? '' : JSON.stringify(body) });
    return answer as { code: number; body: any };
  };
  return { handler, registry, store, send };
}
