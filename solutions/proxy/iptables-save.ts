/**
 * The rule table as text, the way `iptables-save` prints a node's tables (given code), so that
 * you can hold your table next to a real node's: `sudo iptables-save | grep KUBE` on any
 * Kubernetes node running kube-proxy in iptables mode (the jumps from the built-in chains,
 * `-A OUTPUT ... -j KUBE-SERVICES`, are left out here).
 *
 * iptables-save prints the matches in a fixed order (`-s`, `-d`, `-p` first, then each `-m` in
 * the order it was given), every comment quoted, and a `--probability` the way the kernel holds
 * it: as a 31-bit fraction, so kube-proxy's `0.3333333333` comes back as `0.33333333349`.
 *
 * @example
 * ```
 * *nat
 * :KUBE-SEP-6E7XQMQ4RAYOWTTM - [0:0]
 * :KUBE-SERVICES - [0:0]
 * :KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
 * -A KUBE-SERVICES -d 127.96.0.10/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-...
 * -A KUBE-SVC-... -m comment --comment "default/web -> 127.0.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-...
 * COMMIT
 * ```
 */
import { toNumber, type Rational } from './rational.ts';
import type { Rule, RuleTable, Table } from './rules.ts';

/** `0.33333333349`: the probability as the kernel stores it (round(p * 2^31) / 2^31), with 11 decimals. */
export function kernelProbability(p: Rational): string {
  return (Math.round(toNumber(p) * 0x80000000) / 0x80000000).toFixed(11);
}

/** One rule as iptables-save prints it, without the newline. */
export function renderRule(rule: Rule): string {
  // One string built up in order (a quarter of a million rules for 10,000 Services: no arrays).
  let line = `-A ${rule.chain}`;
  if (rule.source) line += ` -s ${rule.source}`;
  if (rule.notSource) line += ` ! -s ${rule.notSource}`;
  if (rule.destination) line += ` -d ${rule.destination}`;
  if (rule.protocol) line += ` -p ${rule.protocol}`;
  if (rule.comment !== undefined) line += ` -m comment --comment "${rule.comment}"`;
  if (rule.dstTypeLocal) line += ' -m addrtype --dst-type LOCAL';
  if (rule.recent) {
    const recent = 'rcheck' in rule.recent ? `--rcheck --seconds ${rule.recent.seconds} --reap` : '--set';
    line += ` -m recent ${recent} --name ${rule.recent.name} --mask 255.255.255.255 --rsource`;
  }
  if (rule.probability) line += ` -m statistic --mode random --probability ${kernelProbability(rule.probability)}`;
  if (rule.raw) line += ` ${rule.raw}`;
  if (rule.protocol) line += ` -m ${rule.protocol}${rule.dport !== undefined ? ` --dport ${rule.dport}` : ''}`;
  line += ` -j ${rule.jump}`;
  if (rule.targetArgs) line += ` ${rule.targetArgs}`;
  return line;
}

function renderTable(name: string, table: Table): string[] {
  const lines = [`*${name}`, ...table.chains.map((chain) => `:${chain} - [0:0]`)];
  // iptables-save lists each chain's rules together, chains in the order of their declarations.
  const byChain = new Map<string, Rule[]>(table.chains.map((chain) => [chain, []]));
  for (const rule of table.rules) byChain.get(rule.chain)?.push(rule);
  for (const rules of byChain.values()) for (const rule of rules) lines.push(renderRule(rule));
  lines.push('COMMIT');
  return lines;
}

/** The whole table: `*filter` … `COMMIT`, then `*nat` … `COMMIT`, one rule a line. */
export function renderIptablesSave(table: RuleTable): string {
  return [...renderTable('filter', table.filter), ...renderTable('nat', table.nat), ''].join('\n');
}
