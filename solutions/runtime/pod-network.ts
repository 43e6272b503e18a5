/**
 * Pod networking on loopback: every sandbox gets its own address from the node's pod CIDR inside
 * 127.0.0.0/8, so that two pods can both listen on port 8080. On Linux every 127.x.y.z address
 * is the machine itself and can be bound without any set-up (no root, no interfaces to create).
 *
 * Upstream the runtime asks a CNI plugin for the address when it creates a sandbox; the usual
 * IPAM plugin, host-local, hands out the addresses of the node's pod CIDR round-robin (the next
 * free one after the last it gave), so a freed address is not reused at once — a client still
 * talking to the old pod does not reach a new one by mistake.
 *
 * @example
 * ```ts
 * const ips = new PodIPAllocator('127.0.1.0/29');   // usable: 127.0.1.2 … 127.0.1.6
 * ips.allocate();           // '127.0.1.2'
 * ips.allocate();           // '127.0.1.3'
 * ips.release('127.0.1.2');
 * ips.allocate();           // '127.0.1.4': round-robin, not the one just freed
 * ```
 */
import { RuntimeError } from './cri.ts';

/** A parsed IPv4 network: its first address as a 32-bit number, and its prefix length. */
export interface Ipv4Network {
  base: number;
  prefix: number;
}

/** `"127.0.1.2"` → its 32-bit value; throws a `RuntimeError` (InvalidArgument) for anything else. */
export function parseIPv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) {
    throw new RuntimeError('InvalidArgument', `"${ip}" is not an IPv4 address: write four numbers 0-255 separated by dots, like 127.0.1.2`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** A 32-bit value → `"127.0.1.2"`. */
export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Parses a pod CIDR: `a.b.c.d/p` inside 127.0.0.0/8, with 8 <= p <= 30 (at least two usable
 * addresses), and with no host bits set. Throws a `RuntimeError` (InvalidArgument) saying which.
 */
export function parsePodCIDR(cidr: string): Ipv4Network {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  if (!match) throw new RuntimeError('InvalidArgument', `pod CIDR "${cidr}" is not a CIDR: write an address and a prefix length, like 127.0.1.0/24`);
  const base = parseIPv4(match[1]!);
  const prefix = Number(match[2]);
  if (prefix < 8 || prefix > 30) throw new RuntimeError('InvalidArgument', `pod CIDR "${cidr}": the prefix length must be between 8 and 30, got ${prefix}`);
  if (Math.floor(base / 2 ** 24) !== 127) throw new RuntimeError('InvalidArgument', `pod CIDR "${cidr}" is not inside 127.0.0.0/8: pods get loopback addresses, like 127.0.1.0/24`);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) {
    throw new RuntimeError('InvalidArgument', `pod CIDR "${cidr}" has host bits set: did you mean ${formatIPv4(base - (base % size))}/${prefix}?`);
  }
  return { base, prefix };
}

/**
 * Hands out the pod CIDR's addresses to sandboxes, round-robin like CNI's host-local IPAM.
 * The usable addresses are the network's, minus its first (the network address), its second
 * (the gateway: the node's own address on a real pod network) and its last (broadcast).
 */
export class PodIPAllocator {
  /** the pod CIDR, as given */
  readonly cidr: string;
  private readonly first: number;
  private readonly last: number;
  private readonly used = new Set<number>();
  /** the address given last; the search for a free one starts after it */
  private lastGiven: number;

  /** @param cidr - the node's pod CIDR, e.g. `127.0.1.0/24`; see {@link parsePodCIDR} */
  constructor(cidr: string) {
    const { base, prefix } = parsePodCIDR(cidr);
    this.cidr = cidr;
    this.first = base + 2;
    this.last = base + 2 ** (32 - prefix) - 2;
    this.lastGiven = this.last;
  }

  /** How many addresses it can give in all. */
  get capacity(): number {
    return this.last - this.first + 1;
  }

  /**
   * The next free address after the last one given (wrapping around to the first); throws a
   * `RuntimeError` (ResourceExhausted) when every usable address is in use.
   */
  allocate(): string {
    for (let i = 1; i <= this.capacity; i++) {
      const candidate = this.first + ((this.lastGiven - this.first + i) % this.capacity);
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        this.lastGiven = candidate;
        return formatIPv4(candidate);
      }
    }
    throw new RuntimeError('ResourceExhausted', `no free IP in the pod CIDR ${this.cidr}: all ${this.capacity} addresses are in use`);
  }

  /** Gives an address back. Releasing one that is not in use does nothing. */
  release(ip: string): void {
    this.used.delete(parseIPv4(ip));
  }

  /** The addresses in use, lowest first. */
  inUse(): string[] {
    return [...this.used].sort((a, b) => a - b).map(formatIPv4);
  }
}
