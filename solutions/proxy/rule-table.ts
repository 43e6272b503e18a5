/**
 * From Services and EndpointSlices to kube-proxy's rule table (kata 26; pkg/proxy/iptables/proxier.go
 * syncProxyRules, with servicechangetracker.go and endpointschangetracker.go for what it reads).
 *
 * ```
 * nat KUBE-SERVICES ── -d 127.96.0.10/32 -p tcp --dport 80 ──▶ KUBE-SVC-<hash>     (one per Service port with endpoints)
 *                   └─ --dst-type LOCAL (last rule) ────────▶ KUBE-NODEPORTS ── --dport 30080 ─▶ KUBE-EXT-<hash> ─▶ KUBE-SVC-<hash>
 * KUBE-SVC-<hash>   ── ClientIP affinity: -m recent --rcheck, per endpoint, first
 *                   ── endpoint 1 of n: probability 1/n ──▶ KUBE-SEP-<hash 1>
 *                   ── endpoint 2 of n: probability 1/(n-1) ─▶ KUBE-SEP-<hash 2>  … the last always
 * KUBE-SEP-<hash>   ── -s itself ─▶ KUBE-MARK-MASQ (hairpin);  [-m recent --set] -j DNAT --to-destination ip:port
 * filter KUBE-SERVICES ── a Service port with no endpoints: -d clusterIP --dport ─▶ REJECT
 * ```
 *
 * @example
 * ```ts
 * const table = buildRuleTable([web], [webSlice]);
 * renderIptablesSave(table);   // the text a node's `iptables-save` prints for them
 * ```
 */
import type { EndpointSlice, Service } from '@kube/kit';
import { endpointChainName, externalChainName, serviceChainName, servicePortNameString, type ServicePortName } from './chain-names.ts';
import { rational } from './rational.ts';
import type { Rule, RuleTable } from './rules.ts';

/** ClientIP affinity's default timeout: 3 hours. */
export const DEFAULT_AFFINITY_SECONDS = 10800;
/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** One port of one Service, as kube-proxy keeps it (servicePortInfo). */
export interface ServicePortInfo {
  name: ServicePortName;
  /** `default/web:http` */
  nameString: string;
  clusterIP: string;
  port: number;
  /** 0 when the Service has none */
  nodePort: number;
  /** the ClientIP affinity's timeout in seconds; undefined without affinity */
  affinitySeconds?: number;
}

/** One endpoint of one Service port (endpointInfo). */
export interface EndpointInfo {
  ip: string;
  port: number;
  /** `127.0.1.5:8080` */
  address: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/**
 * The ports kube-proxy serves for a Service: one per Service port, or none for a Service without
 * a cluster IP (headless, ExternalName, not yet allocated). Affinity from `sessionAffinity:
 * ClientIP` with its `timeoutSeconds` (default 10800).
 */
export function servicePortsOf(service: Service): ServicePortInfo[] {
  const spec = service.spec ?? {};
  const clusterIP = spec.clusterIP ?? '';
  if (spec.type === 'ExternalName' || clusterIP === '' || clusterIP === 'None') return [];
  const affinity = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
  return (spec.ports ?? []).map((port) => {
    const name: ServicePortName = { namespace: service.metadata.namespace ?? 'default', name: service.metadata.name ?? '', port: port.name ?? '', protocol: port.protocol ?? 'TCP' };
    return { name, nameString: servicePortNameString(name), clusterIP, port: port.port, nodePort: port.nodePort ?? 0, ...(affinity !== undefined && { affinitySeconds: affinity }) };
  });
}

/**
 * The endpoints of every Service port, from the slices, by `ServicePortInfo.nameString`, each list
 * sorted by address (as kube-proxy's endpoint-slice cache sorts them) with no address twice.
 * A slice belongs to the Service its `kubernetes.io/service-name` label names; its ports match
 * the Service ports by name and protocol. Only IPv4 slices count; only an endpoint's first
 * address. Conditions default as upstream's: ready absent = ready, serving absent = ready,
 * terminating absent = false.
 */
export function endpointsOf(slices: readonly EndpointSlice[]): Map<string, EndpointInfo[]> {
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!service || slice.addressType !== 'IPv4') continue;
    for (const port of slice.ports ?? []) {
      if (port.port === undefined) continue;
      const protocol = port.protocol ?? 'TCP';
      const key = `${servicePortNameString({ namespace: slice.metadata.namespace ?? 'default', name: service, port: port.name ?? '', protocol })}/${protocol}`;
      const list = byPort.get(key) ?? new Map<string, EndpointInfo>();
      byPort.set(key, list);
      for (const endpoint of slice.endpoints) {
        const ip = endpoint.addresses[0];
        if (ip === undefined) continue;
        const ready = endpoint.conditions?.ready ?? true;
        const address = `${ip}:${port.port}`;
        if (!list.has(address)) {
          list.set(address, { ip, port: port.port, address, ready, serving: endpoint.conditions?.serving ?? ready, terminating: endpoint.conditions?.terminating ?? false });
        }
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, list] of byPort) out.set(key, [...list.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)));
  return out;
}

/** The key {@link endpointsOf} files a Service port's endpoints under: name string and protocol. */
export function endpointsKey(port: ServicePortInfo): string {
  return `${port.nameString}/${port.name.protocol}`;
}

/**
 * The endpoints that get traffic: the ready ones; when none is ready, the serving ones that are
 * terminating (so that a rolling update's last pods still answer: CategorizeEndpoints).
 */
export function usableEndpoints(endpoints: readonly EndpointInfo[]): EndpointInfo[] {
  const ready = endpoints.filter((e) => e.ready);
  return ready.length > 0 ? ready : endpoints.filter((e) => e.serving && e.terminating);
}

/** Options of {@link buildRuleTable}. */
export interface RuleTableOptions {
  /** the pods' CIDR: traffic to a cluster IP from outside it is masqueraded (`! -s <cidr>`); none: no such rule */
  clusterCIDR?: string;
}

const MASQ_MARK = '0x4000/0x4000';

/**
 * The whole rule table for these Services and slices: the same input gives the same table, rule
 * for rule (Service ports in name order, endpoints in address order), so a sync that changes
 * nothing writes nothing new.
 */
export function buildRuleTable(services: readonly Service[], slices: readonly EndpointSlice[], options: RuleTableOptions = {}): RuleTable {
  const endpoints = endpointsOf(slices);
  const ports = services.flatMap(servicePortsOf).sort((a, b) => (a.nameString < b.nameString ? -1 : a.nameString > b.nameString ? 1 : a.name.protocol < b.name.protocol ? -1 : 1));

  const filter: Rule[] = [];
  const nat: Rule[] = [
    { chain: 'KUBE-MARK-MASQ', jump: 'MARK', targetArgs: `--set-xmark ${MASQ_MARK}` },
    { chain: 'KUBE-POSTROUTING', raw: `-m mark ! --mark ${MASQ_MARK}`, jump: 'RETURN' },
    { chain: 'KUBE-POSTROUTING', jump: 'MARK', targetArgs: '--set-xmark 0x4000/0x0' },
    { chain: 'KUBE-POSTROUTING', comment: 'kubernetes service traffic requiring SNAT', jump: 'MASQUERADE', targetArgs: '--random-fully' },
  ];
  const natChains = new Set(['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-SERVICES']);
  const reject = { jump: 'REJECT', targetArgs: '--reject-with icmp-port-unreachable' };

  for (const port of ports) {
    const protocol = port.name.protocol.toLowerCase() as Rule['protocol'];
    const usable = usableEndpoints(endpoints.get(endpointsKey(port)) ?? []);
    const svcChain = serviceChainName(port.name);
    const extChain = externalChainName(port.name);
    const toClusterIP = { destination: `${port.clusterIP}/32`, protocol, dport: port.port };

    if (usable.length === 0) {
      // No endpoints: no nat chains at all, only REJECTs in the filter table.
      const comment = `${port.nameString} has no endpoints`;
      filter.push({ chain: 'KUBE-SERVICES', ...toClusterIP, comment, ...reject });
      if (port.nodePort) filter.push({ chain: 'KUBE-EXTERNAL-SERVICES', protocol, comment, dstTypeLocal: true, dport: port.nodePort, ...reject });
      continue;
    }

    nat.push({ chain: 'KUBE-SERVICES', ...toClusterIP, comment: `${port.nameString} cluster IP`, jump: svcChain });
    natChains.add(svcChain);
    if (options.clusterCIDR) nat.push({ chain: svcChain, notSource: options.clusterCIDR, ...toClusterIP, comment: `${port.nameString} cluster IP`, jump: 'KUBE-MARK-MASQ' });
    if (port.nodePort) {
      natChains.add(extChain);
      nat.push({ chain: 'KUBE-NODEPORTS', protocol, comment: port.nameString, dport: port.nodePort, jump: extChain });
      nat.push({ chain: extChain, comment: `masquerade traffic for ${port.nameString} external destinations`, jump: 'KUBE-MARK-MASQ' });
      nat.push({ chain: extChain, jump: svcChain });
    }

    const sepChains = usable.map((e) => endpointChainName(port.name, e.address));
    // ClientIP affinity first: a client seen lately goes back to its endpoint.
    if (port.affinitySeconds !== undefined) {
      usable.forEach((e, i) => nat.push({ chain: svcChain, comment: `${port.nameString} -> ${e.address}`, recent: { name: sepChains[i]!, rcheck: true, seconds: port.affinitySeconds! }, jump: sepChains[i]! }));
    }
    // Then endpoint i of n with probability 1/(n-i); the last rule always matches.
    usable.forEach((e, i) => {
      nat.push({ chain: svcChain, comment: `${port.nameString} -> ${e.address}`, ...(i < usable.length - 1 && { probability: rational(1, usable.length - i) }), jump: sepChains[i]! });
    });
    usable.forEach((e, i) => {
      const sep = sepChains[i]!;
      natChains.add(sep);
      nat.push({ chain: sep, source: `${e.ip}/32`, comment: port.nameString, jump: 'KUBE-MARK-MASQ' });
      nat.push({
        chain: sep,
        protocol,
        comment: port.nameString,
        ...(port.affinitySeconds !== undefined && { recent: { name: sep, set: true as const } }),
        jump: 'DNAT',
        targetArgs: `--to-destination ${e.address}`,
        toDestination: e.address,
      });
    });
  }
  nat.push({ chain: 'KUBE-SERVICES', comment: 'kubernetes service nodeports; NOTE: this must be the last rule in this chain', dstTypeLocal: true, jump: 'KUBE-NODEPORTS' });

  filter.push(
    { chain: 'KUBE-FORWARD', raw: '-m conntrack --ctstate INVALID', jump: 'DROP' },
    { chain: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules', raw: `-m mark --mark ${MASQ_MARK}`, jump: 'ACCEPT' },
    { chain: 'KUBE-FORWARD', comment: 'kubernetes forwarding conntrack rule', raw: '-m conntrack --ctstate RELATED,ESTABLISHED', jump: 'ACCEPT' },
  );
  return {
    filter: { chains: ['KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES'], rules: filter },
    nat: { chains: [...natChains].sort(), rules: nat },
  };
}
