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
import { type Clock, type Endpoint, type EndpointSlice, type EndpointSlicePort, type Node, type OwnerReference, type Pod, type Service } from '@kube/kit';
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
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const serving = isPodReady(pod); // the pod's own readiness, whatever the Service publishes
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  return {
    addresses: [podIP(pod)!],
    conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
    ...(shouldSetHostname(pod, service) && { hostname: pod.spec!.hostname! }),
    ...(pod.spec?.nodeName && { nodeName: pod.spec.nodeName }),
    ...(zone && { zone }),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
  };
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
  const groups = new Map<string, EndpointGroup>();
  const servicePorts = service.spec?.ports ?? [];
  for (const pod of [...pods].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports: EndpointSlicePort[] = [];
    for (const servicePort of servicePorts) {
      const port = findPort(pod, servicePort);
      // name always, '' for an unnamed port: clients read it through a pointer (kubectl describe svc panics without it)
      if (port !== undefined) ports.push({ name: servicePort.name ?? '', port, protocol: servicePort.protocol ?? 'TCP' });
    }
    if (servicePorts.length > 0 && ports.length === 0) continue;
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports: JSON.parse(key) as EndpointSlicePort[], endpoints: [] }));
    group.endpoints.push(podToEndpoint(pod, service, pod.spec?.nodeName ? zoneOf(pod.spec.nodeName) : undefined));
  }
  return groups;
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
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  const kept: { slice: EndpointSlice; changed: boolean; key: string }[] = [];
  const placed = new Set<string>();
  const total = [...desired.values()].reduce((n, g) => n + g.endpoints.length, 0);
  for (const slice of existing) {
    const key = portsKey(slice.ports ?? []);
    const group = desired.get(key);
    if (total === 0 && slice.endpoints.length === 0 && (slice.ports ?? []).length === 0 && !kept.length) {
      kept.push({ slice, changed: false, key }); // the placeholder stays
      continue;
    }
    if (!group) {
      changes.delete.push(slice);
      continue;
    }
    const wanted = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
    const endpoints = slice.endpoints.filter((e) => wanted.has(endpointKey(e)) && !placed.has(endpointKey(e))).map((e) => wanted.get(endpointKey(e))!);
    for (const e of endpoints) placed.add(endpointKey(e));
    if (endpoints.length === 0) {
      changes.delete.push(slice);
      continue;
    }
    kept.push({ slice: { ...slice, endpoints }, changed: JSON.stringify(endpoints) !== JSON.stringify(slice.endpoints), key });
  }
  for (const [key, group] of desired) {
    const left = group.endpoints.filter((e) => !placed.has(endpointKey(e)));
    const withRoom = kept.filter((k) => k.key === key && k.slice.endpoints.length < max).sort((a, b) => Number(b.changed) - Number(a.changed));
    for (const k of withRoom) {
      while (left.length > 0 && k.slice.endpoints.length < max) {
        k.slice = { ...k.slice, endpoints: [...k.slice.endpoints, left.shift()!] };
        k.changed = true;
      }
    }
    while (left.length > 0) changes.create.push({ ...newSlice(service, group.ports), endpoints: left.splice(0, max) });
  }
  for (const k of kept) if (k.changed) changes.update.push(k.slice);
  if (total === 0 && kept.length === 0) changes.create.push(newSlice(service, []));
  return changes;
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
    const service = this.services.indexer.getByKey(key);
    if (!service?.spec?.selector) return;
    // The slice informer's event for our last write brings the key back.
    if (this.staleCache(key)) return;
    const namespace = service.metadata.namespace!;
    const pods = this.pods.indexer.byIndex(NAMESPACE_INDEX, namespace).filter((pod) => serviceSelects(service, pod));
    const zoneOf = (node: string) => this.nodes.indexer.getByKey(node)?.metadata.labels?.[ZONE_LABEL];
    const changes = reconcileSlices(service, this.slicesOf(namespace, service.metadata.name!), desiredEndpoints(service, pods, zoneOf), this.maxEndpointsPerSlice);
    const client = this.client.resource<EndpointSlice>('endpointslices', namespace);
    const track = (slice: EndpointSlice) => this.written.set(slice.metadata.uid!, slice.metadata.resourceVersion!);
    for (const slice of changes.delete) {
      try {
        await client.delete(slice.metadata.name!);
        this.written.set(slice.metadata.uid!, 'deleted');
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
      }
    }
    for (const slice of changes.update) track(await client.update(slice));
    for (const slice of changes.create) track(await client.create(slice));
  }
}
