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
import type { Random } from '@kube/kit';
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
    // IPv4: neither the network address nor the broadcast address is handed out.
    const max = this.cidr.size - 2;
    this.bitmap = new AllocationBitmap(max, Math.min(rangeOffset(this.cidr.size, { min: 16, max: 256, step: 16 }), max), random);
  }

  /** How many addresses are free. */
  get free(): number {
    return this.bitmap.free;
  }

  /** The size of the static band (addresses first … first+offset-1). */
  get staticBand(): number {
    return this.bitmap.offset;
  }

  /** Takes the given address. @throws AllocationError NotInRange or Allocated */
  allocate(ip: string): void {
    const offset = this.offsetOf(ip);
    if (offset === undefined) throw new AllocationError('NotInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr.cidr}`);
    if (!this.bitmap.allocate(offset)) throw new AllocationError('Allocated', 'provided IP is already allocated');
  }

  /** Takes a free address, from the dynamic band first. @throws AllocationError Full */
  allocateNext(): string {
    const offset = this.bitmap.allocateNext();
    if (offset === undefined) throw new AllocationError('Full', 'range is full');
    return formatIPv4(this.first + offset);
  }

  /** Gives an address back; one that is free or outside the range: nothing. */
  release(ip: string): void {
    const offset = this.offsetOf(ip);
    if (offset !== undefined) this.bitmap.release(offset);
  }

  /** True when the address is taken. */
  has(ip: string): boolean {
    const offset = this.offsetOf(ip);
    return offset !== undefined && this.bitmap.has(offset);
  }

  /** True when the address is one this range hands out. */
  contains(ip: string): boolean {
    return this.offsetOf(ip) !== undefined;
  }

  /** The addresses taken, lowest first. */
  allocated(): string[] {
    return this.bitmap.allocated().map((offset) => formatIPv4(this.first + offset));
  }

  /** The bitmap offset of an address of the range, or undefined (outside it, network, broadcast, not an IP). */
  private offsetOf(ip: string): number | undefined {
    const value = tryParseIPv4(ip);
    if (value === undefined) return undefined;
    const offset = value - this.first;
    return offset >= 0 && offset < this.bitmap.max ? offset : undefined;
  }
}

/** Node ports from a port range. */
export class PortAllocator {
  readonly range: PortRange;
  private readonly bitmap: AllocationBitmap;

  /** @param range - e.g. `30000-32767` */
  constructor(range: string, random: Random) {
    this.range = parsePortRange(range);
    this.bitmap = new AllocationBitmap(this.range.size, rangeOffset(this.range.size, { min: 16, max: 128, step: 32 }), random);
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
    if (!this.contains(port)) throw new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${formatPortRange(this.range)}`);
    if (!this.bitmap.allocate(port - this.range.base)) throw new AllocationError('Allocated', 'provided port is already allocated');
  }

  /** Takes a free port, from the dynamic band first. @throws AllocationError Full */
  allocateNext(): number {
    const offset = this.bitmap.allocateNext();
    if (offset === undefined) throw new AllocationError('Full', 'range is full');
    return this.range.base + offset;
  }

  release(port: number): void {
    if (this.contains(port)) this.bitmap.release(port - this.range.base);
  }

  has(port: number): boolean {
    return this.contains(port) && this.bitmap.has(port - this.range.base);
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.range.base && port < this.range.base + this.range.size;
  }

  allocated(): number[] {
    return this.bitmap.allocated().map((offset) => this.range.base + offset);
  }
}
