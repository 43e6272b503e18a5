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
  private readonly lists = new Map<string, Map<string, number>>();

  /** `--rcheck --seconds S --reap`: seen within S seconds of `now`? Older entries of the list are dropped. */
  check(name: string, source: string, seconds: number, now: number): boolean {
    const list = this.lists.get(name);
    if (!list) return false;
    for (const [address, seen] of list) if (now - seen > seconds * 1000) list.delete(address);
    return list.has(source);
  }

  /** `--set`: remember the source, seen now. */
  set(name: string, source: string, now: number): void {
    let list = this.lists.get(name);
    if (!list) this.lists.set(name, (list = new Map()));
    list.set(source, now);
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

/** Is `ip` in `a.b.c.d/p`? */
function inCIDR(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const address = tryParseIPv4(ip);
  const network = tryParseIPv4(base ?? '');
  if (address === undefined || network === undefined) return false;
  const size = 2 ** (32 - Number(bits ?? 32));
  return Math.floor(address / size) === Math.floor(network / size);
}

/** Does the rule match the packet? Random and recent matches are asked last, and only when the rest match. */
function matches(rule: Rule, packet: Packet, options: WalkOptions, recent: RecentLists): boolean {
  if (rule.raw) return false; // marks and conntrack states: never a new service packet's business here
  if (rule.source && !inCIDR(packet.source, rule.source)) return false;
  if (rule.notSource && inCIDR(packet.source, rule.notSource)) return false;
  if (rule.destination && !inCIDR(packet.destination, rule.destination)) return false;
  if (rule.protocol && rule.protocol !== packet.protocol) return false;
  if (rule.dport !== undefined && rule.dport !== packet.dport) return false;
  if (rule.dstTypeLocal && !packet.local) return false;
  if (rule.recent && 'rcheck' in rule.recent && !recent.check(rule.recent.name, packet.source, rule.recent.seconds, options.now ?? 0)) return false;
  if (rule.probability && !options.decide(rule.probability)) return false;
  if (rule.recent && 'set' in rule.recent) recent.set(rule.recent.name, packet.source, options.now ?? 0);
  return true;
}

type Ending = { verdict: 'DNAT'; to: string } | { verdict: 'REJECT' | 'ACCEPT' | 'DROP' } | undefined;

/** Runs one chain of one table; undefined when it falls off the end (or RETURNs): back to the caller. */
function runChain(rules: readonly Rule[], chain: string, packet: Packet, options: WalkOptions, recent: RecentLists, seen: string[], state: { masquerade: boolean }, depth: number): Ending {
  if (depth > 64) throw new Error(`the rule table loops: ${seen.slice(-4).join(' → ')} …`);
  seen.push(chain);
  for (const rule of rules) {
    if (rule.chain !== chain || !matches(rule, packet, options, recent)) continue;
    switch (rule.jump) {
      case 'DNAT':
        return { verdict: 'DNAT', to: rule.toDestination ?? '' };
      case 'REJECT':
      case 'ACCEPT':
      case 'DROP':
        return { verdict: rule.jump };
      case 'RETURN':
        return undefined;
      case 'KUBE-MARK-MASQ':
        state.masquerade = true; // the chain only sets the mark and returns
        seen.push('KUBE-MARK-MASQ');
        continue;
      default: {
        const ending = runChain(rules, rule.jump, packet, options, recent, seen, state, depth + 1);
        if (ending) return ending;
      }
    }
  }
  return undefined;
}

/** The packet's way: nat KUBE-SERVICES; without a DNAT, filter KUBE-SERVICES then KUBE-EXTERNAL-SERVICES. */
export function walk(table: RuleTable, packet: Packet, options: WalkOptions): Verdict {
  const recent = options.recent ?? new RecentLists();
  const chains: string[] = [];
  const state = { masquerade: false };
  const nat = runChain(table.nat.rules, 'KUBE-SERVICES', packet, options, recent, chains, state, 0);
  if (nat?.verdict === 'DNAT') return { verdict: 'DNAT', to: nat.to, chains, masquerade: state.masquerade };
  // FORWARD's order; an ACCEPT ends the table there, a DROP refuses as a REJECT does.
  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES']) {
    const filtered = runChain(table.filter.rules, chain, packet, options, recent, chains, state, 0);
    if (filtered?.verdict === 'REJECT' || filtered?.verdict === 'DROP') return { verdict: 'REJECT', chains };
    if (filtered?.verdict === 'ACCEPT') break;
  }
  return { verdict: 'ACCEPT', chains };
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
