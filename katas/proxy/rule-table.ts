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
import { NotImplemented, type EndpointSlice, type Service } from '@kube/kit';
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
  // TODO(26): none for ExternalName or a Service without a clusterIP (or None); else one per port: the name (namespace, name,
  // TODO(26): port name or '', protocol default TCP), nameString, clusterIP, port, nodePort (0 when none), affinitySeconds for ClientIP.
  throw new NotImplemented('26', 'servicePortsOf');
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
  // TODO(26): for each IPv4 slice with the service-name label, each of its ports, each endpoint's first address: an EndpointInfo under
  // TODO(26): the key endpointsKey would give (name string + "/" + protocol); ready absent = true, serving absent = ready, terminating
  // TODO(26): absent = false; one address:port once; each list sorted by address (as strings).
  throw new NotImplemented('26', 'endpointsOf');
}

/** The key {@link endpointsOf} files a Service port's endpoints under: name string and protocol. */
export function endpointsKey(port: ServicePortInfo): string {
  // TODO(26): nameString + "/" + the protocol.
  throw new NotImplemented('26', 'endpointsKey');
}

/**
 * The endpoints that get traffic: the ready ones; when none is ready, the serving ones that are
 * terminating (so that a rolling update's last pods still answer: CategorizeEndpoints).
 */
export function usableEndpoints(endpoints: readonly EndpointInfo[]): EndpointInfo[] {
  // TODO(26): the ready ones; none ready: the serving ones that are terminating.
  throw new NotImplemented('26', 'usableEndpoints');
}

/** Options of {@link buildRuleTable}. */
export interface RuleTableOptions {
  /** the pods' CIDR: traffic to a cluster IP from outside it is masqueraded (`! -s <cidr>`); none: no such rule */
  clusterCIDR?: string;
}


/**
 * The whole rule table for these Services and slices: the same input gives the same table, rule
 * for rule (Service ports in name order, endpoints in address order), so a sync that changes
 * nothing writes nothing new.
 */
export function buildRuleTable(services: readonly Service[], slices: readonly EndpointSlice[], options: RuleTableOptions = {}): RuleTable {
  // TODO(26): the table of the spec: the fixed rules, then per Service port (in name order) either the REJECTs of the filter table (no
  // TODO(26): usable endpoints) or KUBE-SERVICES → KUBE-SVC (masquerade for ! -s clusterCIDR), KUBE-NODEPORTS → KUBE-EXT → KUBE-SVC,
  // TODO(26): the affinity rules, the 1/(n-i) rules, and each KUBE-SEP (masquerade from itself, [recent --set], DNAT); the nodeports rule last.
  throw new NotImplemented('26', 'buildRuleTable');
}
