/**
 * The EndpointSlice controller (kube-controller-manager's pkg/controller/endpointslice, with the
 * reconciler of staging/src/k8s.io/endpointslice/reconciler.go): the same job as the endpoints
 * controller, in the shape kube-proxy reads since v1.21 — a Service's endpoints in **slices** of at
 * most 100 (`--max-endpoints-per-slice`), so that one pod changing in a Service of 5,000 rewrites
 * one small object, not one huge one.
 *
 * Each slice is labelled `kubernetes.io/service-name: <service>` and
 * `endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`, is controlled by
 * the Service (an ownerReference: deleting the Service lets kata 21's garbage collector delete
 * its slices), and holds endpoints that share one set of ports. Every endpoint carries its own
 * conditions: `ready` (the pod is Ready and not terminating), `serving` (Ready, even while
 * terminating), `terminating`.
 */
import { NotImplemented, type Clock, type Endpoint, type EndpointSlice, type EndpointSlicePort, type Node, type OwnerReference, type Pod, type Service } from '@kube/kit';
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { isPodReady } from './replica-set.ts';
import { findPort, podIP, serviceSelects, shouldPodBeInEndpoints, shouldSetHostname, watchServicesAndPods } from './endpoints.ts';
import { ZONE_LABEL } from './node-lifecycle.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** At most this many endpoints in one slice (`--max-endpoints-per-slice`, default 100). */
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** The label that names a slice's Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** The label that says which controller manages a slice... */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** ...and this controller's value for it. */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';

/**
 * A pod as an endpoint of a slice (upstream's `podToEndpoint`): `addresses: [podIP]`,
 * conditions `serving` = Ready (the pod's own, whatever the Service publishes), `terminating` =
 * being deleted, `ready` = serving and not terminating (publishNotReadyAddresses: always), `hostname`
 * when {@link shouldSetHostname}, `nodeName`, `zone` (given: the zone of its node), `targetRef` the pod.
 */
export function podToEndpoint(pod: Pod, service: Service, zone?: string): Endpoint {
  // TODO(21): addresses [podIP]; serving = Ready (only); terminating = deletionTimestamp set; ready =
  // TODO(21): publishNotReadyAddresses or (serving and not terminating); hostname (when shouldSetHostname), nodeName, zone (when
  // TODO(21): given), targetRef the pod.
  throw new NotImplemented('21', 'podToEndpoint');
}

/** Endpoints that share one set of ports. */
export interface EndpointGroup {
  ports: EndpointSlicePort[];
  endpoints: Endpoint[];
}

/** The key of a set of ports: slices are made per key. */
export function portsKey(ports: readonly EndpointSlicePort[]): string {
  return JSON.stringify([...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || (a.port ?? 0) - (b.port ?? 0)));
}

/**
 * The endpoints a Service should have, grouped by their ports (upstream's `reconcile` building
 * `desiredEndpointsByPortMap`): every selected pod that {@link shouldPodBeInEndpoints} (terminating
 * ones too), as {@link podToEndpoint}; its ports the Service ports {@link findPort} resolves on it
 * (`{ name, port, protocol }`: name `''` for an unnamed port, protocol default TCP); a pod with
 * none of them left out. Groups by
 * {@link portsKey}; endpoints in each sorted by pod name.
 */
export function desiredEndpoints(service: Service, pods: readonly Pod[], zoneOf: (node: string) => string | undefined = () => undefined): Map<string, EndpointGroup> {
  // TODO(21): the selected pods sorted by name that shouldPodBeInEndpoints(pod, true); ports as in endpointsSubsets (a pod with
  // TODO(21): none left out, unless the Service has none), but each with its name, '' when the Service port has none;
  // TODO(21): group by portsKey(ports), each group { ports, endpoints: podToEndpoint }.
  throw new NotImplemented('21', 'desiredEndpoints');
}

/** What to write to make a Service's slices right. */
export interface SliceChanges {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** The pod an endpoint stands for: what identifies it across slices. */
function endpointKey(endpoint: Endpoint): string {
  return endpoint.targetRef?.uid ?? endpoint.addresses.join(',');
}

/**
 * A new slice of the Service, without endpoints or ports yet (upstream's `newEndpointSlice`):
 * `generateName: <service>-`, the Service's labels plus {@link SERVICE_NAME_LABEL} and
 * {@link MANAGED_BY_LABEL}, controlled by the Service, `addressType: 'IPv4'`.
 */
export function newSlice(service: Service, ports: EndpointSlicePort[]): EndpointSlice {
  const owner: OwnerReference = { apiVersion: 'v1', kind: 'Service', name: service.metadata.name!, uid: service.metadata.uid!, controller: true, blockOwnerDeletion: true };
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata.name}-`,
      namespace: service.metadata.namespace!,
      labels: { ...service.metadata.labels, [SERVICE_NAME_LABEL]: service.metadata.name!, [MANAGED_BY_LABEL]: ENDPOINTSLICE_CONTROLLER_NAME },
      ownerReferences: [owner],
    },
    addressType: 'IPv4',
    endpoints: [],
    ports,
  };
}

/**
 * What to create, update and delete so that the Service's slices hold exactly `desired`, with as
 * few writes as reasonable (upstream's `reconcileByPortMapping`, simplified):
 *
 * 1. for each existing slice: its ports no longer wanted -> delete it; else keep the endpoints
 *    still wanted (their desired version, in place), drop the others; changed -> update, nothing
 *    left -> delete;
 * 2. the wanted endpoints not placed yet go, in order, into the slices of their ports that have
 *    room (below `max`) — those already being updated first, then the others — then into new
 *    slices ({@link newSlice}) of at most `max`;
 * 3. no endpoints at all: one slice with no endpoints and no ports stays (upstream's placeholder):
 *    an existing empty one is kept, else one is created.
 *
 * Slices are compared by their endpoints and ports (JSON); a slice is updated with its
 * metadata as it was. The result's slices are new objects; `existing` is left as it is.
 */
export function reconcileSlices(service: Service, existing: readonly EndpointSlice[], desired: ReadonlyMap<string, EndpointGroup>, max = MAX_ENDPOINTS_PER_SLICE): SliceChanges {
  // TODO(21): existing slices: ports no longer wanted -> delete; else keep the wanted endpoints (desired version, in place),
  // TODO(21): changed -> update, none left -> delete; the rest of each group fills its slices with room (updated ones first),
  // TODO(21): then new slices of at most max (newSlice); no endpoints at all: keep one empty slice with no ports, or create one.
  throw new NotImplemented('21', 'reconcileSlices');
}

/** What an EndpointSlice controller needs. */
export interface EndpointSliceControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  /** at most this many endpoints per slice (default {@link MAX_ENDPOINTS_PER_SLICE}) */
  maxEndpointsPerSlice?: number;
  onError?: (key: string, error: unknown) => void;
}

/** The EndpointSlice controller of kata 21. */
export class EndpointSliceController {
  readonly services: SharedIndexInformer<Service>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly nodes: SharedIndexInformer<Node>;
  readonly slices: SharedIndexInformer<EndpointSlice>;
  readonly queue: RateLimitingQueue<string>;
  readonly maxEndpointsPerSlice: number;
  private readonly client: ApiClient;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];
  /**
   * What this controller wrote and its cache may not show yet (upstream's
   * `endpointSliceTracker`): slice uid -> the resourceVersion written, or 'deleted'.
   */
  private readonly written = new Map<string, string>();
  /**
   * Services whose sync found the cache stale ({@link staleCache}): queued again at the next event
   * of a slice of ours, which may be another Service's (the write the cache was missing).
   */
  private readonly waiting = new Set<string>();

  constructor(options: EndpointSliceControllerOptions) {
    this.client = options.client;
    this.onError = options.onError;
    this.maxEndpointsPerSlice = options.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.services = options.factory.services();
    this.pods = options.factory.pods();
    this.nodes = options.factory.nodes();
    this.slices = options.factory.informerFor<EndpointSlice>('endpointslices');
    watchServicesAndPods(this.services, this.pods, (key) => this.queue.add(key));
    // A slice of ours changed or went (another writer, or our own write arriving): look again.
    const sliceChanged = (slice: EndpointSlice) => {
      const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!service || slice.metadata.labels?.[MANAGED_BY_LABEL] !== ENDPOINTSLICE_CONTROLLER_NAME) return;
      this.queue.add(`${slice.metadata.namespace}/${service}`);
      for (const key of this.waiting) this.queue.add(key);
      this.waiting.clear();
    };
    this.slices.addEventHandler({
      onAdd: (slice) => sliceChanged(slice),
      onUpdate: (_old, slice) => sliceChanged(slice),
      onDelete: (slice) => sliceChanged(slice instanceof DeletedFinalStateUnknown ? slice.obj : slice),
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

  /** The slices of a Service this controller manages, from the cache. */
  slicesOf(namespace: string, service: string): EndpointSlice[] {
    return this.slices.indexer
      .byIndex(NAMESPACE_INDEX, namespace)
      .filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === service && s.metadata.labels?.[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME && !s.metadata.deletionTimestamp);
  }

  /**
   * Does the cache still miss one of our writes (upstream's `StaleSlices`)? Then a sync now would
   * work from the past — create a slice twice, say. Writes the cache shows are forgotten. The
   * Service `key` whose sync asks is queued again at the next event of one of our slices: the
   * write the cache misses may be another Service's, whose event would bring back only that one.
   */
  staleCache(key?: string): boolean {
    let stale = false;
    for (const [uid, version] of this.written) {
      const cached = this.slices.indexer.list().find((s) => s.metadata.uid === uid);
      const seen = version === 'deleted' ? !cached : cached !== undefined && Number(cached.metadata.resourceVersion) >= Number(version);
      if (seen) this.written.delete(uid);
      else stale = true;
    }
    if (stale && key !== undefined) this.waiting.add(key);
    return stale;
  }

  /**
   * One sync of the Service under `key`, from the caches (upstream's `syncService`): gone or
   * without a selector -> nothing (the garbage collector deletes the slices of a deleted Service,
   * by their ownerReference); else {@link reconcileSlices} of its managed slices against
   * {@link desiredEndpoints} of the pods of its namespace it selects (zones from the nodes
   * cache), then the deletes, updates and creates (a slice already gone counts as deleted). While
   * the cache misses one of its own writes ({@link staleCache}), it waits.
   */
  async syncService(key: string): Promise<void> {
    // TODO(21): gone or no selector -> nothing; staleCache(key) -> return; reconcileSlices(service, slicesOf(...), desiredEndpoints(...,
    // TODO(21): zones from the nodes cache), maxEndpointsPerSlice); delete (NotFound fine, remember 'deleted'), update, create,
    // TODO(21): remembering what each write returned in this.written (uid -> resourceVersion).
    throw new NotImplemented('21', 'EndpointSliceController.syncService');
  }
}
