/**
 * IPv4 addresses as numbers, and the service CIDR (given code).
 *
 * An address is a 32-bit number: arithmetic on it is the allocator's whole job (the offset of an
 * address in the range is a subtraction). Services get their addresses from a **service CIDR**
 * inside 127.0.0.0/8, so that kube-proxy (kata 27) can listen on them without root or network
 * set-up: on Linux every 127.x.y.z is the machine itself. The workbook's default,
 * `127.96.0.0/12`, mirrors kubeadm's `10.96.0.0/12`; pods live in `127.0.x.0/24` (Part V).
 *
 * @example
 * ```ts
 * parseIPv4('127.96.0.1');             // 2137915393
 * formatIPv4(2137915393);              // '127.96.0.1'
 * parseServiceCIDR('127.96.0.0/12');   // { cidr: '127.96.0.0/12', base: 2137915392, prefix: 12, size: 1048576 }
 * parseServiceCIDR('10.0.0.0/24');     // throws: not inside 127.0.0.0/8
 * ```
 */

/** A problem with an address or a CIDR given to the proxy's allocators: says what was wrong and what would be right. */
export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/** `"127.96.0.1"` → its 32-bit value, or undefined for anything that is not a dotted IPv4 address. */
export function tryParseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** `"127.96.0.1"` → its 32-bit value. @throws AddressError for anything else */
export function parseIPv4(ip: string): number {
  const value = tryParseIPv4(ip);
  if (value === undefined) throw new AddressError(`"${ip}" is not an IPv4 address: write four numbers 0-255 separated by dots, like 127.96.0.1`);
  return value;
}

/** A 32-bit value → `"127.96.0.1"`. */
export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** A parsed service CIDR: its first address, prefix length and number of addresses (network and broadcast included). */
export interface ServiceCIDR {
  /** as given: `127.96.0.0/12` */
  cidr: string;
  base: number;
  prefix: number;
  /** 2^(32 - prefix) */
  size: number;
}

/**
 * Parses a service CIDR: `a.b.c.d/p` inside 127.0.0.0/8, 8 <= p <= 30, no host bits set.
 *
 * @throws AddressError saying which rule it breaks
 */
export function parseServiceCIDR(cidr: string): ServiceCIDR {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  if (!match) throw new AddressError(`service CIDR "${cidr}" is not a CIDR: write an address and a prefix length, like 127.96.0.0/12`);
  const base = parseIPv4(match[1]!);
  const prefix = Number(match[2]);
  if (prefix < 8 || prefix > 30) throw new AddressError(`service CIDR "${cidr}": the prefix length must be between 8 and 30, got ${prefix}`);
  if (Math.floor(base / 2 ** 24) !== 127) throw new AddressError(`service CIDR "${cidr}" is not inside 127.0.0.0/8: Services get loopback addresses here, like 127.96.0.0/12`);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) throw new AddressError(`service CIDR "${cidr}" has host bits set: did you mean ${formatIPv4(base - (base % size))}/${prefix}?`);
  return { cidr, base, prefix, size };
}

/** A port range `30000-32767` (or one port `30000`), as kube-apiserver's `--service-node-port-range` takes it. */
export interface PortRange {
  base: number;
  size: number;
}

/** Parses `first-last` (or a single port). @throws AddressError for anything else */
export function parsePortRange(range: string): PortRange {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(range.trim());
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (!match || first < 1 || last > 65535 || last < first) {
    throw new AddressError(`"${range}" is not a port range: write first-last with 1 <= first <= last <= 65535, like 30000-32767`);
  }
  return { base: first, size: last - first + 1 };
}

/** `30000-32767`, as upstream prints a port range in its messages. */
export function formatPortRange(range: PortRange): string {
  return range.size === 1 ? String(range.base) : `${range.base}-${range.base + range.size - 1}`;
}
