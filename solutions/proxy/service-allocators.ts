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
import type { Random, Service } from '@kube/kit';
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
  readonly ips: IPAllocator;
  readonly nodePorts: PortAllocator;

  constructor(options: ServiceAllocatorsOptions) {
    this.ips = new IPAllocator(options.serviceCIDR ?? DEFAULT_SERVICE_CIDR, options.random);
    this.nodePorts = new PortAllocator(options.nodePortRange ?? DEFAULT_NODE_PORT_RANGE, options.random);
  }

  /**
   * Marks everything the stored Services hold as taken (what upstream's repair controllers do
   * against the bitmaps kept in etcd). A value outside the ranges, or held twice, is skipped.
   */
  restore(services: readonly Service[]): void {
    for (const service of services) {
      const ip = service.spec?.clusterIP;
      if (ip && needsClusterIP(service) && this.ips.contains(ip) && !this.ips.has(ip)) this.ips.allocate(ip);
      if (!needsNodePorts(service)) continue;
      for (const port of service.spec?.ports ?? []) {
        if (port.nodePort && this.nodePorts.contains(port.nodePort) && !this.nodePorts.has(port.nodePort)) this.nodePorts.allocate(port.nodePort);
      }
    }
  }

  allocateCreate(service: Service, dryRun: boolean): AllocationTransaction {
    const taken: Taken = { ips: [], ports: [] };
    try {
      if (needsClusterIP(service)) this.allocateIP(service, requestedIP(service), taken, dryRun);
      if (needsNodePorts(service)) this.allocatePorts(service, new Set(), taken, dryRun);
    } catch (error) {
      this.giveBack(taken);
      throw error;
    }
    return this.transaction(taken, { ips: [], ports: [] });
  }

  allocateUpdate(service: Service, old: Service, dryRun: boolean): AllocationTransaction {
    const taken: Taken = { ips: [], ports: [] };
    const toRelease: Taken = { ips: [], ports: [] };
    const spec = (service.spec ??= {});
    const oldIP = needsClusterIP(old) ? (old.spec?.clusterIP ?? '') : '';
    try {
      if (needsClusterIP(service)) {
        const asked = requestedIP(service);
        if (asked === '' && oldIP !== '') {
          // A PUT that leaves the address out keeps it (patchAllocatedValues).
          spec.clusterIP = oldIP;
          spec.clusterIPs = [oldIP];
        } else if (oldIP !== '' && asked !== oldIP) {
          throw invalid('Service', service.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${JSON.stringify(asked)}: may not change once set` }]);
        } else if (oldIP === '') {
          this.allocateIP(service, asked, taken, dryRun);
        }
      } else if (oldIP !== '') {
        toRelease.ips.push(oldIP);
      }
      const oldPorts = needsNodePorts(old) ? (old.spec?.ports ?? []).filter((p) => p.nodePort) : [];
      if (needsNodePorts(service)) {
        // Ports left without a nodePort keep the old port of the same name (patchAllocatedValues).
        const byName = new Map(oldPorts.map((p) => [p.name ?? '', p.nodePort!]));
        const asked = new Set((spec.ports ?? []).map((p) => p.nodePort).filter(Boolean));
        for (const port of spec.ports ?? []) {
          const before = byName.get(port.name ?? '');
          if (!port.nodePort && before !== undefined && !asked.has(before)) port.nodePort = before;
        }
        this.allocatePorts(service, new Set(oldPorts.map((p) => p.nodePort!)), taken, dryRun);
      } else if ((spec.ports ?? []).every((port) => !port.nodePort || oldPorts.some((p) => p.nodePort === port.nodePort))) {
        // No node ports needed: when none names a port the old Service did not hold (it held none unless NodePort),
        // they all go (dropTypeDependentFields' sameNodePorts); a new one keeps them all, for validation to refuse.
        for (const port of spec.ports ?? []) delete port.nodePort;
      }
      const kept = new Set((needsNodePorts(service) ? (spec.ports ?? []) : []).map((p) => p.nodePort));
      toRelease.ports.push(...oldPorts.map((p) => p.nodePort!).filter((port) => !kept.has(port)));
    } catch (error) {
      this.giveBack(taken);
      throw error;
    }
    return this.transaction(taken, dryRun ? { ips: [], ports: [] } : toRelease);
  }

  release(service: Service): void {
    const ip = service.spec?.clusterIP;
    if (ip && needsClusterIP(service)) this.ips.release(ip);
    if (!needsNodePorts(service)) return;
    for (const port of service.spec?.ports ?? []) if (port.nodePort) this.nodePorts.release(port.nodePort);
  }

  /** The cluster IP: the one asked for, or the next free one; written into clusterIP and clusterIPs. */
  private allocateIP(service: Service, asked: string, taken: Taken, dryRun: boolean): void {
    const spec = (service.spec ??= {});
    if (asked === '') {
      let ip: string;
      if (dryRun) {
        // Upstream's dry run does not look for a free address: it answers the network's.
        ip = formatIPv4(this.ips.cidr.base);
      } else {
        try {
          ip = this.ips.allocateNext();
        } catch (error) {
          throw internalError(`failed to allocate a serviceIP: ${(error as Error).message}`);
        }
        taken.ips.push(ip);
      }
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
    // Not an address at all: validation answers that (spec.clusterIP: must be a valid IP address).
    if (tryParseIPv4(asked) === undefined) return;
    try {
      if (dryRun) {
        if (!this.ips.contains(asked)) this.ips.allocate(asked); // throws NotInRange; a dry run checks nothing else
      } else {
        this.ips.allocate(asked);
        taken.ips.push(asked);
      }
    } catch (error) {
      if (!(error instanceof AllocationError)) throw error;
      const cause: FieldError = { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{${JSON.stringify(asked)}}: failed to allocate IP ${asked}: ${error.message}` };
      throw invalid('Service', service.metadata.name ?? '', [cause]);
    }
    spec.clusterIP = asked;
    spec.clusterIPs = [asked];
  }

  /** Each port's nodePort: the one asked for (unless `held` already), or the next free one. */
  private allocatePorts(service: Service, held: ReadonlySet<number>, taken: Taken, dryRun: boolean): void {
    (service.spec?.ports ?? []).forEach((port, i) => {
      if (port.nodePort && held.has(port.nodePort)) return;
      if (port.nodePort) {
        try {
          if (!dryRun || !this.nodePorts.contains(port.nodePort)) this.nodePorts.allocate(port.nodePort);
          if (!dryRun) taken.ports.push(port.nodePort);
        } catch (error) {
          if (!(error instanceof AllocationError)) throw error;
          const cause: FieldError = { reason: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${port.nodePort}: ${error.message}` };
          throw invalid('Service', service.metadata.name ?? '', [cause]);
        }
        return;
      }
      if (dryRun) {
        port.nodePort = this.nodePorts.range.base;
        return;
      }
      try {
        port.nodePort = this.nodePorts.allocateNext();
      } catch (error) {
        throw internalError(`failed to allocate a nodePort: ${(error as Error).message}`);
      }
      taken.ports.push(port.nodePort);
    });
  }

  private giveBack(taken: Taken): void {
    for (const ip of taken.ips) this.ips.release(ip);
    for (const port of taken.ports) this.nodePorts.release(port);
  }

  /** Revert gives back what was taken; commit frees what the Service no longer holds. */
  private transaction(taken: Taken, toRelease: Taken): AllocationTransaction {
    return { commit: () => this.giveBack(toRelease), revert: () => this.giveBack(taken) };
  }
}
