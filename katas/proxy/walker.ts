/**
 * A packet's way through the rule table (kata 26): what the kernel does with a new connection's
 * first packet, done by hand. It starts where kube-proxy's jumps from the built-in chains start
 * (nat KUBE-SERVICES), follows jumps into chains and back out of them as iptables does, and ends
 * at a verdict:
 *
 * | verdict | when |
 * | --- | --- |
 * | `DNAT` to `ip:port` | a KUBE-SEP chain's DNAT rule: the connection goes to that endpoint |
 * | `REJECT` | no DNAT, and the filter table's KUBE-SERVICES (or KUBE-EXTERNAL-SERVICES) rejects it: a Service without endpoints |
 * | `ACCEPT` | nothing matched: not a Service address; the packet goes on untouched |
 *
 * Random matches (`-m statistic`) ask `decide(p)`: true means "this rule matches" (it did with
 * probability p). ClientIP affinity (`-m recent`) reads and writes {@link RecentLists} on the
 * clock's time. {@link outcomes} runs the walk down every branch and gives each verdict its exact
 * probability.
 *
 * @example
 * ```ts
 * walk(table, { source: '127.0.0.1', destination: '127.96.0.10', dport: 80, protocol: 'tcp' }, { decide: (p) => random.next() < toNumber(p) });
 * // { verdict: 'DNAT', to: '127.0.1.5:8080', chains: ['KUBE-SERVICES', 'KUBE-SVC-…', 'KUBE-SEP-…'], masquerade: false }
 * ```
 */
import { NotImplemented } from '@kube/kit';
import { ONE, mul, sub, type Rational } from './rational.ts';
import type { Rule, RuleTable } from './rules.ts';
import { tryParseIPv4 } from './ip.ts';

/** The first packet of a connection. */
export interface Packet {
  source: string;
  destination: string;
  dport: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** the destination is one of this node's addresses (`-m addrtype --dst-type LOCAL`): true for 127.0.0.1 and a node IP */
  local?: boolean;
}

/** Where the packet ends. `chains` are the chains it went through, in order (nat, then filter). */
export type Verdict =
  | { verdict: 'DNAT'; to: string; chains: string[]; masquerade: boolean }
  | { verdict: 'REJECT'; chains: string[] }
  | { verdict: 'ACCEPT'; chains: string[] };

/**
 * `-m recent`'s lists: per list name, each source address and when it was last seen (ms).
 * Kata 27's proxy keeps one for as long as it runs: that is ClientIP affinity's memory.
 */
export class RecentLists {

  /** `--rcheck --seconds S --reap`: seen within S seconds of `now`? Older entries of the list are dropped. */
  check(name: string, source: string, seconds: number, now: number): boolean {
    // TODO(26): drop the list's entries older than `seconds` (now - seen > seconds * 1000); true when the source is still on it.
    throw new NotImplemented('26', 'RecentLists.check');
  }

  /** `--set`: remember the source, seen now. */
  set(name: string, source: string, now: number): void {
    // TODO(26): remember the source on the list, seen at `now`.
    throw new NotImplemented('26', 'RecentLists.set');
  }
}

/** How a walk decides and remembers. */
export interface WalkOptions {
  /** a `-m statistic` rule with probability p: does it match? */
  decide: (p: Rational) => boolean;
  /** ClientIP affinity's lists; none: a fresh one (no client seen before) */
  recent?: RecentLists;
  /** the time for `-m recent`, ms; default 0 */
  now?: number;
}

/** The packet's way: nat KUBE-SERVICES; without a DNAT, filter KUBE-SERVICES then KUBE-EXTERNAL-SERVICES. */
export function walk(table: RuleTable, packet: Packet, options: WalkOptions): Verdict {
  // TODO(26): run nat KUBE-SERVICES: each rule whose matches all hold (addresses by CIDR, protocol, dport, addrtype, recent,
  // TODO(26): then the probability through options.decide, and recent --set last), in order; a jump to a chain runs it and comes back
  // TODO(26): when it ends (or RETURNs) without a verdict; KUBE-MARK-MASQ marks and comes back; DNAT ends; ACCEPT ends the table. No
  // TODO(26): DNAT: filter KUBE-SERVICES, then KUBE-EXTERNAL-SERVICES; a REJECT (or DROP) there is a REJECT, an ACCEPT ends the table;
  // TODO(26): else ACCEPT. Keep the chains visited (KUBE-MARK-MASQ too). Deeper than 64 jumps: throw "the rule table loops: ..." (spec).
  throw new NotImplemented('26', 'walk');
}

/** One way a walk can end, and exactly how likely it is. */
export interface Outcome {
  verdict: Verdict;
  probability: Rational;
}

/**
 * Every way the walk can end, each with its exact probability (given code): the walk is run once
 * per branch of its random decisions, depth first, with the same `recent` lists state copied in
 * (so affinity is read, not written, by the exploration). The probabilities add up to 1.
 */
export function outcomes(table: RuleTable, packet: Packet, options: Omit<WalkOptions, 'decide'> = {}): Outcome[] {
  const found: Outcome[] = [];
  const pending: boolean[][] = [[]];
  while (pending.length > 0) {
    const script = pending.pop()!;
    let step = 0;
    let probability: Rational = ONE;
    const decide = (p: Rational): boolean => {
      let answer: boolean;
      if (step < script.length) answer = script[step]!;
      else {
        pending.push([...script, false]);
        script.push(true);
        answer = true;
      }
      step++;
      probability = mul(probability, answer ? p : sub(ONE, p));
      return answer;
    };
    const recent = options.recent ? structuredClone(options.recent) : new RecentLists();
    Object.setPrototypeOf(recent, RecentLists.prototype);
    const verdict = walk(table, packet, { ...options, recent, decide });
    found.push({ verdict, probability });
  }
  return found;
}
