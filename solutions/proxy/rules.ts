/**
 * The rule table kube-proxy writes, as data (given code): two tables, `filter` and `nat`, each a
 * list of chains and of rules, shaped like iptables' own (`-A CHAIN <matches> -j TARGET`). Kata 26
 * builds it from Services and EndpointSlices, iptables-save.ts prints it as a real node's
 * `iptables-save` would, the walker evaluates a packet against it, and kata 27's proxy follows it.
 *
 * @example the rule `-A KUBE-SVC-X -m comment --comment "default/web -> 127.0.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-Y` is
 * ```ts
 * { chain: 'KUBE-SVC-X', comment: 'default/web -> 127.0.1.5:8080', probability: rational(1, 2), jump: 'KUBE-SEP-Y' }
 * ```
 */
import type { Rational } from './rational.ts';

/** `-m recent`: a list of source addresses per name, for ClientIP affinity. */
export type RecentMatch =
  /** `--rcheck --seconds S --reap`: the source is on the list, seen at most S seconds ago */
  | { name: string; rcheck: true; seconds: number }
  /** `--set`: put the source on the list (always matches) */
  | { name: string; set: true };

/** One rule: every match given must hold; then the target. */
export interface Rule {
  chain: string;
  /** `-s 127.0.1.5/32` */
  source?: string;
  /** `! -s 127.0.0.0/16`: the source is not in this CIDR */
  notSource?: string;
  /** `-d 127.96.0.10/32` */
  destination?: string;
  /** `-p tcp` */
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** `-m comment --comment "..."` */
  comment?: string;
  /** `-m addrtype --dst-type LOCAL`: the destination is an address of this node */
  dstTypeLocal?: boolean;
  /** `-m recent ...` */
  recent?: RecentMatch;
  /** `-m statistic --mode random --probability p`, p exact */
  probability?: Rational;
  /** `--dport 80` (with `-m tcp`) */
  dport?: number;
  /** other matches, written as they are (the fixed rules' `-m mark ...`); the walker never matches them */
  raw?: string;
  /** `-j`: a chain's name, or DNAT, REJECT, MARK, MASQUERADE, RETURN, ACCEPT, DROP */
  jump: string;
  /** the target's own arguments: `--to-destination 127.0.1.5:8080`, `--reject-with icmp-port-unreachable` */
  targetArgs?: string;
  /** DNAT's destination `ip:port` (also in targetArgs) */
  toDestination?: string;
}

/** One table: its chains (in the order iptables-save lists them) and its rules (in order). */
export interface Table {
  chains: string[];
  rules: Rule[];
}

/** What kube-proxy programs: the filter table (REJECT for Services without endpoints) and the nat table (the DNAT). */
export interface RuleTable {
  filter: Table;
  nat: Table;
}
