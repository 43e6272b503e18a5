/**
 * The two allocators of Service addresses (kata 26): cluster IPs from the service CIDR and node
 * ports from 30000-32767, each a bitmap with a static and a dynamic band
 * (pkg/registry/core/service/ipallocator/bitmap.go, portallocator/allocator.go).
 *
 * ```
 * service CIDR 127.96.0.0/12:  127.96.0.0   127.96.0.1 … 127.96.1.0 | 127.96.1.1 … 127.111.255.254   127.111.255.255
 *                              (network)    static band (256)       | dynamic band                    (broadcast)
 * node ports 30000-32767:      30000 … 30085 | 30086 … 32767
 *                              static (86)   | dynamic
 * ```
 *
 * @example
 * ```ts
 * const ips = new IPAllocator('127.96.0.0/12', new Random(1));
 * ips.allocateNext();               // e.g. '127.100.18.7': from the dynamic band
 * ips.allocate('127.96.0.10');      // taken, as asked
 * ips.allocate('127.96.0.10');      // throws AllocationError 'provided IP is already allocated'
 * ips.allocate('10.0.0.1');         // throws 'the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 127.96.0.0/12'
 * ```
 */
import { NotImplemented, type Random } from '@kube/kit';
import { AllocationBitmap, rangeOffset } from './bitmap.ts';
import { formatIPv4, formatPortRange, parsePortRange, parseServiceCIDR, tryParseIPv4, type PortRange, type ServiceCIDR } from './ip.ts';

/** Why an allocation failed: `Allocated` (taken), `NotInRange`, `Full`. */
export type AllocationErrorCode = 'Allocated' | 'NotInRange' | 'Full';

/** An allocation that cannot be made, with upstream's message (ipallocator/interfaces.go, portallocator). */
export class AllocationError extends Error {
  override readonly name = 'AllocationError';
  constructor(
    readonly code: AllocationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The default service CIDR: kubeadm's 10.96.0.0/12, moved into loopback. */
export const DEFAULT_SERVICE_CIDR = '127.96.0.0/12';
/** The default node port range (kube-apiserver's --service-node-port-range). */
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

/** Cluster IPs from a service CIDR: every address but the network's first and last. */
export class IPAllocator {
  readonly cidr: ServiceCIDR;
  private readonly bitmap: AllocationBitmap;
  /** the address of bitmap offset 0: the CIDR's second address */
  private readonly first: number;

  /** @param cidr - e.g. `127.96.0.0/12` (see parseServiceCIDR) */
  constructor(cidr: string, random: Random) {
    this.cidr = parseServiceCIDR(cidr);
    this.first = this.cidr.base + 1;
    // TODO(26): the bitmap: every address but the network and broadcast ones (size - 2), with a static band of
    // TODO(26): rangeOffset(size, { min: 16, max: 256, step: 16 }) (never more than the addresses there are).
    throw new NotImplemented('26', 'IPAllocator.constructor');
  }

  /** How many addresses are free. */
  get free(): number {
    // TODO(26): the bitmap's free count.
    throw new NotImplemented('26', 'IPAllocator.free');
  }

  /** The size of the static band (addresses first … first+offset-1). */
  get staticBand(): number {
    // TODO(26): the bitmap's offset.
    throw new NotImplemented('26', 'IPAllocator.staticBand');
  }

  /** Takes the given address. @throws AllocationError NotInRange or Allocated */
  allocate(ip: string): void {
    // TODO(26): outside the range (offsetOf undefined): AllocationError NotInRange, "the provided IP (<ip>) is not in the valid range. The range of valid IPs is <cidr>";
    // TODO(26): taken: AllocationError Allocated, "provided IP is already allocated".
    throw new NotImplemented('26', 'IPAllocator.allocate');
  }

  /** Takes a free address, from the dynamic band first. @throws AllocationError Full */
  allocateNext(): string {
    // TODO(26): the bitmap's next free offset as an address (first + offset); none: AllocationError Full, "range is full".
    throw new NotImplemented('26', 'IPAllocator.allocateNext');
  }

  /** Gives an address back; one that is free or outside the range: nothing. */
  release(ip: string): void {
    // TODO(26): free its offset; an address outside the range: nothing.
    throw new NotImplemented('26', 'IPAllocator.release');
  }

  /** True when the address is taken. */
  has(ip: string): boolean {
    // TODO(26): in the range and taken.
    throw new NotImplemented('26', 'IPAllocator.has');
  }

  /** True when the address is one this range hands out. */
  contains(ip: string): boolean {
    // TODO(26): offsetOf finds it.
    throw new NotImplemented('26', 'IPAllocator.contains');
  }

  /** The addresses taken, lowest first. */
  allocated(): string[] {
    // TODO(26): the taken offsets as addresses, lowest first.
    throw new NotImplemented('26', 'IPAllocator.allocated');
  }

  /** The bitmap offset of an address of the range, or undefined (outside it, network, broadcast, not an IP). */
  private offsetOf(ip: string): number | undefined {
    // TODO(26): tryParseIPv4, minus first; undefined unless 0 <= offset < the bitmap's max.
    throw new NotImplemented('26', 'IPAllocator.offsetOf');
  }
}

/** Node ports from a port range. */
export class PortAllocator {
  readonly range: PortRange;
  private readonly bitmap: AllocationBitmap;

  /** @param range - e.g. `30000-32767` */
  constructor(range: string, random: Random) {
    this.range = parsePortRange(range);
    // TODO(26): the bitmap: one bit per port, static band rangeOffset(size, { min: 16, max: 128, step: 32 }).
    throw new NotImplemented('26', 'PortAllocator.constructor');
  }

  get free(): number {
    return this.bitmap.free;
  }

  /** The size of the static band (ports base … base+offset-1). */
  get staticBand(): number {
    return this.bitmap.offset;
  }

  /** Takes the given port. @throws AllocationError NotInRange or Allocated */
  allocate(port: number): void {
    // TODO(26): outside: NotInRange, "provided port is not in the valid range. The range of valid ports is 30000-32767" (formatPortRange);
    // TODO(26): taken: Allocated, "provided port is already allocated".
    throw new NotImplemented('26', 'PortAllocator.allocate');
  }

  /** Takes a free port, from the dynamic band first. @throws AllocationError Full */
  allocateNext(): number {
    // TODO(26): base + the next free offset; none: AllocationError Full, "range is full".
    throw new NotImplemented('26', 'PortAllocator.allocateNext');
  }

  release(port: number): void {
    // TODO(26): free it when it is in the range.
    throw new NotImplemented('26', 'PortAllocator.release');
  }

  has(port: number): boolean {
    // TODO(26): in the range and taken.
    throw new NotImplemented('26', 'PortAllocator.has');
  }

  contains(port: number): boolean {
    // TODO(26): a whole number from base to base + size - 1.
    throw new NotImplemented('26', 'PortAllocator.contains');
  }

  allocated(): number[] {
    // TODO(26): the taken ports, lowest first.
    throw new NotImplemented('26', 'PortAllocator.allocated');
  }
}
