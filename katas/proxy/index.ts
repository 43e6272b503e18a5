/**
 * kube-proxy (Part VI): Services' addresses and the rules that send their traffic to pods.
 * Import it as `@kube/proxy`.
 *
 * Kata 26, Service addresses and rules:
 * - the allocators: {@link AllocationBitmap}, {@link IPAllocator}, {@link PortAllocator}, and
 *   {@link ServiceAllocators}, the apiserver's `serviceAllocator` hook;
 * - the chain names ({@link serviceChainName}, {@link endpointChainName}), the rule table
 *   ({@link buildRuleTable}), printed as iptables-save prints it ({@link renderIptablesSave},
 *   given), and the packet walker ({@link walk}, {@link outcomes}).
 * Given: IPv4 helpers (ip.ts), exact fractions (rational.ts), the table's types (rules.ts).
 * @module
 */
export * from './ip.ts';
export * from './rational.ts';
export * from './bitmap.ts';
export * from './allocators.ts';
export * from './service-allocators.ts';
export * from './chain-names.ts';
export * from './rules.ts';
export * from './rule-table.ts';
export * from './iptables-save.ts';
export * from './walker.ts';
// Kata 27, the TCP proxy.
export * from './proxier.ts';
// Kata 28, cluster DNS: the records (dns-records.ts) and the UDP/TCP server over the informers (dns.ts).
export * from './dns-records.ts';
export * from './dns.ts';
// Given beside it: what the kubelet makes of a pod's dnsPolicy and dnsConfig.
export * from './pod-dns.ts';
