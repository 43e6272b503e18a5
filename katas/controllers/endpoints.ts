/**
 * The endpoints controller (kube-controller-manager's pkg/controller/endpoint/endpoints_controller.go):
 * keeps, for every Service with a selector, an Endpoints object of the same name listing the
 * addresses of the pods it selects — the ready ones in `addresses`, the others in
 * `notReadyAddresses` — and, per address, the port each Service port reaches on that pod.
 *
 * ```
 * Service web  selector app=web, ports [http: 80 -> targetPort "http"]
 * pod web-1    app=web, 127.0.1.5, Ready,     container port http=8080
 * pod web-2    app=web, 127.0.1.6, not Ready, container port http=9090
 *   => Endpoints web: subsets [{ addresses: [127.0.1.5], ports: [{ name: http, port: 8080 }] },
 *                              { notReadyAddresses: [127.0.1.6], ports: [{ name: http, port: 9090 }] }]
 * ```
 * A named target port is resolved **per pod**: two pods may serve "http" on different numbers, and
 * then they are in different subsets (a subset is addresses that share the same ports).
 */
import { NotImplemented, objectKey, type Clock, type Endpoints, type EndpointAddress, type EndpointPort, type EndpointSubset, type Pod, type Service, type ServicePort } from '@kube/kit';
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { isPodReady } from './replica-set.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/**
 * Should the pod be listed behind a Service at all (upstream's `ShouldPodBeInEndpoints`)? Not
 * without an IP, not once finished (Succeeded or Failed), and not while being deleted unless
 * `includeTerminating` (EndpointSlices list terminating pods, with `terminating: true`).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!podIP(pod)) return false;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** The pod's IP: `status.podIP`, or the first of `status.podIPs`. */
export function podIP(pod: Pod): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

/** Does the Service's selector select the pod (every label of the selector, with its value)? An absent selector selects nothing. */
export function serviceSelects(service: Service, pod: Pod): boolean {
  const selector = service.spec?.selector;
  if (!selector) return false;
  return Object.entries(selector).every(([key, value]) => pod.metadata.labels?.[key] === value);
}

/**
 * The port a Service port reaches on this pod (upstream's `podutil.FindPort`): a numeric
 * `targetPort` is that number (absent: the Service's `port`); a named one is the `containerPort`
 * of the pod's container port with that name and the Service port's protocol (default TCP).
 * Undefined when the pod has no such port.
 *
 * @example
 * ```ts
 * findPort(pod, { port: 80, targetPort: 'http' });   // 8080: the pod's container port named http
 * findPort(pod, { port: 80 });                       // 80
 * ```
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  // TODO(21): a number targetPort (absent: servicePort.port) as it is; a name: the containerPort of the pod's container
  // TODO(21): port with that name and the Service port's protocol (default TCP, on both sides); none: undefined.
  throw new NotImplemented('21', 'findPort');
}

/**
 * Does the pod's endpoint carry its `hostname` (upstream's ShouldSetHostname)? When the pod has
 * one and its `subdomain` is this Service, in its namespace: a StatefulSet's `web-0` behind its
 * headless Service `web`, which DNS then answers for as `web-0.web.default.svc.cluster.local`.
 */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return (pod.spec?.hostname ?? '') !== '' && pod.spec?.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace;
}

/** A pod as an address of the Service's Endpoints object: its IP, its node, its hostname ({@link shouldSetHostname}), the pod. */
function addressOf(pod: Pod, service: Service): EndpointAddress {
  return {
    ip: podIP(pod)!,
    ...(shouldSetHostname(pod, service) && { hostname: pod.spec!.hostname! }),
    ...(pod.spec?.nodeName && { nodeName: pod.spec.nodeName }),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
  };
}

/**
 * The subsets of a Service's Endpoints from the pods it selects (upstream's `syncService` with
 * `RepackSubsets`):
 *
 * - pods that {@link shouldPodBeInEndpoints} (not terminating) only;
 * - each pod's ports: for each Service port whose {@link findPort} finds one on the pod,
 *   `{ name, port, protocol }` (protocol default TCP); a pod with none of them is left out (a
 *   Service without ports lists every pod with no ports);
 * - ready (`isPodReady`, or the Service's `publishNotReadyAddresses`) in `addresses`, else in
 *   `notReadyAddresses`;
 * - pods with the same ports share one subset. Addresses sorted by IP (then pod uid), ports by
 *   name, subsets by their ports; an empty list is left out of a subset.
 */
export function endpointsSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  // TODO(21): pods that shouldPodBeInEndpoints(pod, false); each pod's ports: { name, port: findPort, protocol (default TCP) } of
  // TODO(21): the Service ports that resolve (a pod with none left out, unless the Service has no ports); ready (isPodReady or
  // TODO(21): publishNotReadyAddresses) -> addresses, else notReadyAddresses, each addressOf(pod, service) (given: IP, node,
  // TODO(21): hostname, pod); pods with the same ports in one subset; sort addresses
  // TODO(21): by IP then pod uid (as strings, not by locale), ports by name, subsets by their ports (JSON); leave out empty lists.
  throw new NotImplemented('21', 'endpointsSubsets');
}

/** What an endpoints controller needs. */
export interface EndpointsControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  onError?: (key: string, error: unknown) => void;
}

/** The keys of the Services in the pod's namespace that select it. */
export function servicesSelecting(services: SharedIndexInformer<Service>, pod: Pod): string[] {
  return services.indexer
    .byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')
    .filter((service) => serviceSelects(service, pod))
    .map(objectKey);
}

/**
 * Enqueues the Services a pod change concerns: those that select the pod as it was and as it is
 * (a relabelled pod leaves one Service and joins another). Shared by the endpoints and the
 * EndpointSlice controllers.
 */
export function watchServicesAndPods(services: SharedIndexInformer<Service>, pods: SharedIndexInformer<Pod>, enqueue: (key: string) => void): void {
  services.addEventHandler({
    onAdd: (service) => enqueue(objectKey(service)),
    onUpdate: (_old, service) => enqueue(objectKey(service)),
    onDelete: (service) => enqueue(service instanceof DeletedFinalStateUnknown ? service.key : objectKey(service)),
  });
  const podChanged = (...seen: Pod[]) => {
    for (const key of new Set(seen.flatMap((pod) => servicesSelecting(services, pod)))) enqueue(key);
  };
  pods.addEventHandler({
    onAdd: (pod) => podChanged(pod),
    onUpdate: (old, pod) => {
      if (old.metadata.resourceVersion !== pod.metadata.resourceVersion) podChanged(old, pod);
    },
    onDelete: (pod) => podChanged(pod instanceof DeletedFinalStateUnknown ? pod.obj : pod),
  });
}

/** The endpoints controller of kata 21. */
export class EndpointsController {
  readonly services: SharedIndexInformer<Service>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly endpoints: SharedIndexInformer<Endpoints>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: EndpointsControllerOptions) {
    this.client = options.client;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.services = options.factory.services();
    this.pods = options.factory.pods();
    this.endpoints = options.factory.endpoints();
    watchServicesAndPods(this.services, this.pods, (key) => this.queue.add(key));
    // Someone changed or deleted an Endpoints object this controller keeps: put it right.
    this.endpoints.addEventHandler({
      onAdd: (ep) => this.queue.add(objectKey(ep)),
      onUpdate: (_old, ep) => this.queue.add(objectKey(ep)),
      onDelete: (ep) => this.queue.add(ep instanceof DeletedFinalStateUnknown ? ep.key : objectKey(ep)),
    });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncService(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /**
   * One sync of the Service under `key` (upstream's `syncService`), from the caches:
   *
   * - the Service is gone: delete its Endpoints (already gone is fine);
   * - it has no selector: nothing (its Endpoints are someone else's to write);
   * - else the Endpoints `{ metadata: { name, namespace, labels: the Service's labels }, subsets }`
   *   with {@link endpointsSubsets} of the pods of its namespace it selects: created if absent,
   *   updated (on the cached object's resourceVersion) only if its subsets or labels differ. An
   *   AlreadyExists or a Conflict means the cache is behind: return, the Endpoints informer's
   *   event brings the key back. Other failures throw, to be retried.
   */
  async syncService(key: string): Promise<void> {
    // TODO(21): gone -> delete its Endpoints (NotFound is fine); no selector -> nothing; else endpointsSubsets of the selected pods
    // TODO(21): of its namespace; create { name, namespace, labels: the Service's } if not cached, else update only if subsets or
    // TODO(21): labels differ; AlreadyExists or Conflict: return (the informer brings the key back); throw anything else.
    throw new NotImplemented('21', 'EndpointsController.syncService');
  }
}

/** Deep equality of two JSON values. */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
