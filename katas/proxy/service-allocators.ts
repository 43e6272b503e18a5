/**
 * Cluster IPs and node ports for Services, as the apiserver hands them out on create, update and
 * delete (kata 26; upstream pkg/registry/core/service/storage/alloc.go). It implements the
 * apiserver's {@link ServiceAllocator} hook: `new ApiServer({ ..., serviceAllocator })`.
 *
 * | the Service asks for | what it gets |
 * | --- | --- |
 * | no clusterIP | a free address from the dynamic band, in `clusterIP` and `clusterIPs` |
 * | `clusterIP: 127.96.0.10` | that address, or 422 `provided IP is already allocated` / `... is not in the valid range ...` |
 * | `clusterIP: None` (headless), or `type: ExternalName` | nothing |
 * | `type: NodePort`, a port without nodePort | a free port from the dynamic band |
 * | `type: NodePort`, `nodePort: 30080` | that port, or 422 `provided port is already allocated` |
 *
 * Nothing is handed out twice: what is taken stays taken until the Service is deleted (or the
 * write it was taken for fails), and {@link ServiceAllocators.restore} rebuilds the bitmaps from
 * the Services stored, so a restarted apiserver knows what is taken.
 *
 * @example
 * ```ts
 * const allocators = new ServiceAllocators({ random: new Random(1) });
 * allocators.restore(registry.list<Service>('services', undefined).items);  // after a restart
 * const server = new ApiServer({ registry, clock, serviceAllocator: allocators });
 * ```
 */
import { internalError, invalid, type AllocationTransaction, type FieldError, type ServiceAllocator } from '@kube/apiserver';
import { NotImplemented, type Random, type Service } from '@kube/kit';
import { AllocationError, DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR, IPAllocator, PortAllocator } from './allocators.ts';
import { formatIPv4, tryParseIPv4 } from './ip.ts';

/** Where the addresses come from. */
export interface ServiceAllocatorsOptions {
  /** default {@link DEFAULT_SERVICE_CIDR} (127.96.0.0/12) */
  serviceCIDR?: string;
  /** default {@link DEFAULT_NODE_PORT_RANGE} (30000-32767) */
  nodePortRange?: string;
  /** the allocators' random starts */
  random: Random;
}

/** What one write took, and what it frees once it succeeded. */
interface Taken {
  ips: string[];
  ports: number[];
}

/** Does this Service get a cluster IP? Not ExternalName, not headless. */
export function needsClusterIP(service: Service): boolean {
  const spec = service.spec ?? {};
  return spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && spec.clusterIPs?.[0] !== 'None';
}

/** Does this Service get node ports? NodePort and LoadBalancer do. */
export function needsNodePorts(service: Service): boolean {
  const type = service.spec?.type;
  return type === 'NodePort' || type === 'LoadBalancer';
}

/** The cluster IP asked for: `clusterIP`, else `clusterIPs[0]`, else '' (any). */
function requestedIP(service: Service): string {
  return service.spec?.clusterIP || service.spec?.clusterIPs?.[0] || '';
}

/** The Service's cluster IPs and node ports, as the bitmaps' {@link ServiceAllocator}. */
export class ServiceAllocators implements ServiceAllocator {
  readonly ips!: IPAllocator;
  readonly nodePorts!: PortAllocator;

  constructor(options: ServiceAllocatorsOptions) {
    // TODO(26): an IPAllocator on options.serviceCIDR (default DEFAULT_SERVICE_CIDR) and a PortAllocator on options.nodePortRange
    // TODO(26): (default DEFAULT_NODE_PORT_RANGE), both with options.random.
    throw new NotImplemented('26', 'ServiceAllocators.constructor');
  }

  /**
   * Marks everything the stored Services hold as taken (what upstream's repair controllers do
   * against the bitmaps kept in etcd). A value outside the ranges, or held twice, is skipped.
   */
  restore(services: readonly Service[]): void {
    // TODO(26): for every stored Service: its clusterIP (when it needs one, the range contains it and it is not taken yet)
    // TODO(26): and, for NodePort and LoadBalancer Services, each nodePort the same way: taken.
    throw new NotImplemented('26', 'ServiceAllocators.restore');
  }

  allocateCreate(service: Service, dryRun: boolean): AllocationTransaction {
    // TODO(26): needsClusterIP: the clusterIP asked for (clusterIP, else clusterIPs[0]) or the next free one, written into clusterIP
    // TODO(26): and clusterIPs; refused: invalid('Service', name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message:
    // TODO(26): 'Invalid value: []string{"<ip>"}: failed to allocate IP <ip>: <the allocator's message>' }]); full: internalError('failed to
    // TODO(26): allocate a serviceIP: range is full'). A clusterIP that is no IPv4 address at all: leave it (validation says so).
    // TODO(26): needsNodePorts: each port's nodePort, asked for (refused: spec.ports[i].nodePort: Invalid value: <port>: <message>) or the
    // TODO(26): next free one (full: internalError('failed to allocate a nodePort: range is full')). On any error give back what this call took.
    // TODO(26): Return { commit: nothing to do, revert: give back what it took }. A dry run takes nothing (see the spec for what it writes).
    throw new NotImplemented('26', 'ServiceAllocators.allocateCreate');
  }

  allocateUpdate(service: Service, old: Service, dryRun: boolean): AllocationTransaction {
    // TODO(26): no clusterIP asked: keep the old one; another one than the old: Invalid spec.clusterIPs[0] "may not change once set";
    // TODO(26): none before (ExternalName before): allocate as on create. Ports without a nodePort keep the old port of the same name (unless
    // TODO(26): another port asks for it); new nodePorts are taken. Turned ClusterIP: drop every nodePort, unless one names a port the old
    // TODO(26): Service did not hold (then keep them all: validation refuses them). Commit releases the old ones no longer used (and the old
    // TODO(26): clusterIP when the Service no longer needs one); revert gives back what this call took.
    throw new NotImplemented('26', 'ServiceAllocators.allocateUpdate');
  }

  release(service: Service): void {
    // TODO(26): give back its clusterIP (when it needs one) and, for NodePort and LoadBalancer, its nodePorts.
    throw new NotImplemented('26', 'ServiceAllocators.release');
  }
}
