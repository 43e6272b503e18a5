/**
 * The names of kube-proxy's per-Service chains (kata 26; pkg/proxy/iptables/proxier.go
 * portProtoHash, servicePortPolicyClusterChain, servicePortEndpointChainName).
 *
 * iptables chain names are at most 28 characters, and a Service's name alone can be 63, so the
 * chains are named by a hash: `KUBE-SVC-` + the first 16 characters of the base32 of the SHA-256
 * of `<namespace>/<name>:<port name>` + the protocol in lower case. The same Service port gets
 * the same chain on every node and after every restart — and a real node's `iptables-save` shows
 * the very names this file computes:
 *
 * ```
 * kube-system/kube-dns:dns-tcp + tcp  → KUBE-SVC-ERIFXISQEP7F7OF4
 * default/kubernetes:https + tcp      → KUBE-SVC-NPX46M4PTMTKRN6Y
 * ```
 */
import { createHash } from 'node:crypto';
import { NotImplemented, type Protocol } from '@kube/kit';

/** One port of one Service: what a chain is made for (proxy.ServicePortName). */
export interface ServicePortName {
  namespace: string;
  name: string;
  /** the Service port's name, '' when it has none */
  port: string;
  protocol: Protocol;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with `=` padding, as Go's base32.StdEncoding writes it (given). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** `default/web:http`, or `default/web` for a port without a name (ServicePortName.String()). */
export function servicePortNameString(spn: ServicePortName): string {
  // TODO(26): "<namespace>/<name>", and ":<port>" when the port has a name.
  throw new NotImplemented('26', 'servicePortNameString');
}

/** The hash of a Service port: base32(sha256(name string + protocol in lower case)), 16 characters. */
export function portProtoHash(spn: ServicePortName): string {
  // TODO(26): the first 16 characters of base32(sha256(servicePortNameString(spn) + the protocol in lower case)) (createHash).
  throw new NotImplemented('26', 'portProtoHash');
}

/** `KUBE-SVC-<hash>`: the chain that picks one of the Service port's endpoints. */
export function serviceChainName(spn: ServicePortName): string {
  // TODO(26): "KUBE-SVC-" + portProtoHash.
  throw new NotImplemented('26', 'serviceChainName');
}

/** `KUBE-EXT-<hash>`: where node-port traffic goes first (masquerade, then KUBE-SVC). */
export function externalChainName(spn: ServicePortName): string {
  // TODO(26): "KUBE-EXT-" + portProtoHash.
  throw new NotImplemented('26', 'externalChainName');
}

/**
 * `KUBE-SEP-<hash>`: one endpoint's chain, hashed over the name string, the protocol in lower
 * case and the endpoint `ip:port`.
 */
export function endpointChainName(spn: ServicePortName, endpoint: string): string {
  // TODO(26): "KUBE-SEP-" + the first 16 characters of base32(sha256(name string + protocol in lower case + endpoint)).
  throw new NotImplemented('26', 'endpointChainName');
}
