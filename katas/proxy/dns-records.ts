/**
 * Cluster DNS, the records (kata 28): what a name in `cluster.local` means and what the answer to
 * a question about it is, read from the cluster's Services, EndpointSlices and Namespaces. No
 * sockets here: {@link answerQuestion} is a pure function of a question and a {@link DnsClusterView};
 * dns.ts puts it on UDP and TCP.
 *
 * Upstream: CoreDNS's kubernetes plugin (plugin/kubernetes/parse.go, kubernetes.go findServices and
 * findPods, handler.go; plugin/backend_lookup.go for the A, SRV and SOA records) and the Kubernetes
 * DNS specification (kubernetes/dns docs/specification.md, schema 1.1.0).
 *
 * | name | answer |
 * | --- | --- |
 * | `web.default.svc.cluster.local` A | the ClusterIP; a headless Service: each ready endpoint's IP |
 * | `_http._tcp.web.default.svc.cluster.local` SRV | `0 100 80 web.default.svc.cluster.local`, its A in the additional section |
 * | `10-0-0-5.web.default.svc.cluster.local` A | that endpoint's IP (its hostname, or its IP with dashes) |
 * | `127-0-1-5.default.pod.cluster.local` A | 127.0.1.5 (CoreDNS's `pods insecure`: any IP, in a namespace that exists) |
 * | `db.default.svc.cluster.local` A, Service of type ExternalName | a CNAME to its externalName |
 * | `nope.default.svc.cluster.local` | NXDOMAIN, the zone's SOA in the authority section |
 * | `web.default.svc.cluster.local` AAAA | NOERROR without answers (NODATA), the SOA in the authority section |
 * | `example.com` | REFUSED: not this server's zone |
 * @module
 */
import { isIPv4 } from 'node:net';
import type { Answer, Question, SoaAnswer, SrvAnswer } from 'dns-packet';
import { NotImplemented, type EndpointSlice, type Service } from '@kube/kit';

/** The cluster's domain (kubelet's `--cluster-domain`, CoreDNS's zone). */
export const CLUSTER_DOMAIN = 'cluster.local';

/**
 * The TTL of every answer, in seconds: the `ttl 30` of the Corefile kubeadm installs (the
 * kubernetes plugin's own default is 5).
 */
export const DNS_TTL = 30;

/** The schema version the Kubernetes DNS specification defines, served as TXT at `dns-version.<zone>`. */
export const DNS_SCHEMA_VERSION = '1.1.0';

/** The TTL of the `dns-version` TXT record (CoreDNS: 28800). */
export const DNS_SCHEMA_TTL = 28800;

/** What a name inside the cluster domain means, once parsed (CoreDNS's `recordRequest`). */
export type ClusterName =
  /** the zone itself, `svc.<zone>` or `pod.<zone>`: exists, holds no records but the SOA */
  | { kind: 'apex' }
  /** `dns-version.<zone>`: the schema version TXT record */
  | { kind: 'schema' }
  /** `<ns>.svc.<zone>` or `<ns>.pod.<zone>`: exists when the namespace does */
  | { kind: 'namespace'; namespace: string }
  /**
   * `<svc>.<ns>.svc.<zone>`, `<endpoint>.<svc>.<ns>.svc.<zone>` or
   * `_<port>._<proto>.<svc>.<ns>.svc.<zone>` (lower case; `port` and `protocol` without their `_`)
   */
  | { kind: 'service'; namespace: string; service: string; endpoint?: string; port?: string; protocol?: string }
  /** `<a-b-c-d>.<ns>.pod.<zone>`: `label` as asked, `a-b-c-d` */
  | { kind: 'pod'; namespace: string; label: string };

/**
 * Parses `name` (any case, with or without its final dot) inside `zone`. Returns undefined for a
 * name that cannot exist in the zone (too many labels, an empty label, neither `svc` nor `pod`):
 * the server answers NXDOMAIN. The caller has checked that `name` is in `zone`.
 *
 * @example
 * ```ts
 * parseClusterName('web.default.svc.cluster.local', 'cluster.local');
 * // { kind: 'service', namespace: 'default', service: 'web' }
 * parseClusterName('_HTTP._tcp.web.default.svc.cluster.local.', 'cluster.local');
 * // { kind: 'service', namespace: 'default', service: 'web', port: 'http', protocol: 'tcp' }
 * parseClusterName('a.b.c.d.e.default.svc.cluster.local', 'cluster.local');   // undefined
 * ```
 */
export function parseClusterName(name: string, zone: string = CLUSTER_DOMAIN): ClusterName | undefined {
  // TODO(28): normalizeName, take the zone off (the zone itself, `svc` and `pod` are the apex; `dns-version` the schema), then read the labels right to left: svc|pod, the namespace, the service or pod, and what is left — one label an endpoint, two _port._protocol (without their underscores), more or an empty label: undefined.
  throw new NotImplemented('28', 'parseClusterName');
}

/** Lower case, without the final dot: DNS names compare without regard to case (RFC 4343). */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** True when `name` is `zone` or under it. */
export function inZone(name: string, zone: string = CLUSTER_DOMAIN): boolean {
  const full = normalizeName(name);
  return full === zone || full.endsWith(`.${zone}`);
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}

/**
 * What the DNS server reads about the cluster: the same caches kube-proxy reads (see
 * `InformerDnsView` in dns.ts, over kata 17's informers). Tests pass a plain object.
 */
export interface DnsClusterView {
  /** false until the first list of every resource is in: negative answers are SERVFAIL until then */
  hasSynced(): boolean;
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): Service | undefined;
  /** the slices labelled `kubernetes.io/service-name: <service>` in `namespace` */
  endpointSlices(namespace: string, service: string): EndpointSlice[];
  /** the SOA serial: changes whenever a record may have (CoreDNS: the time of the last change, in seconds) */
  serial(): number;
}

/**
 * One thing a name points at (CoreDNS's `msg.Service`): an address with an optional port, or an
 * alias. A name that exists but points at nothing has no targets (NODATA).
 */
export type DnsTarget =
  /** `host` is the name an SRV record points to: the Service's own name or the endpoint's */
  | { ip: string; port?: number; host: string }
  | { cname: string };

/** How the answer to one question went: the response code and the three sections. */
export interface DnsReply {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  /** true for every answer from the cluster's zone; false for REFUSED */
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** The zone, the TTL: what {@link answerQuestion} is configured with. */
export interface DnsZoneOptions {
  /** default {@link CLUSTER_DOMAIN} */
  zone?: string;
  /** default {@link DNS_TTL} */
  ttl?: number;
}

/**
 * What `name` points at, or `'NXDOMAIN'` when it does not exist (findServices and findPods):
 * - a namespace that does not exist: NXDOMAIN, for every name under it;
 * - `namespace`: exists (no targets);
 * - `pod`: the label with dashes is an IPv4 address: that address; otherwise NXDOMAIN;
 * - `service`, no such Service: NXDOMAIN;
 * - ExternalName: a CNAME to `spec.externalName` (whatever port was asked for);
 * - headless (`clusterIP: None`) or asked for an endpoint: one target per ready endpoint address
 *   (ready absent counts as ready) and per slice port matching the asked port name and protocol
 *   (no ports: one target without a port); `endpoint`, when asked, must equal the endpoint's
 *   hostname, or its IP with dashes when it has none;
 * - otherwise: one target per Service port matching the asked port, at each IPv4 ClusterIP;
 * - a Service with no matching target: NXDOMAIN.
 */
export function resolveTargets(name: ClusterName, view: DnsClusterView, zone: string = CLUSTER_DOMAIN): DnsTarget[] | 'NXDOMAIN' {
  // TODO(28): NXDOMAIN for a namespace that does not exist; apex, schema and namespace names exist without targets; a pod label with three dashes that makes an IPv4 address; a Service's targets: ExternalName -> a CNAME, headless or an endpoint asked -> the ready endpoints of its slices (ports matching), otherwise its ClusterIPs per matching port; none at all -> NXDOMAIN.
  throw new NotImplemented('28', 'resolveTargets');
}

/**
 * The zone's SOA record, as CoreDNS writes it: `cluster.local. 30 IN SOA ns.dns.cluster.local.
 * hostmaster.cluster.local. <serial> 7200 1800 86400 30`.
 */
export function soaRecord(zone: string, serial: number, ttl: number = DNS_TTL): SoaAnswer {
  return {
    name: zone,
    type: 'SOA',
    class: 'IN',
    ttl: Math.min(ttl, 300),
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
  };
}

/**
 * The reply to one question (CoreDNS's kubernetes ServeDNS):
 * 1. a name outside the zone, or a class other than IN: REFUSED, not authoritative, empty (this
 *    server forwards nothing);
 * 2. a name that does not exist ({@link parseClusterName} undefined or {@link resolveTargets}
 *    NXDOMAIN): NXDOMAIN with the SOA in the authority section; SERVFAIL instead while the view
 *    has not synced (it may just not know yet);
 * 3. the records of the asked type: A (one per distinct IP, CNAMEs for an ExternalName), AAAA and
 *    CNAME (CNAMEs only: the cluster is IPv4), SRV (one per distinct host and port, priority 0,
 *    weight ⌊100 × 100 / n / 100⌋ = ⌊100 / n⌋ at least 1 for n targets, each host's A in the
 *    additional section), TXT at `dns-version` ({@link DNS_SCHEMA_VERSION}), SOA at the apex;
 * 4. no record of that type: NOERROR without answers (NODATA), the SOA in the authority section.
 * Every record carries the name as asked (its case kept) and `ttl`.
 */
export function answerQuestion(question: Question, view: DnsClusterView, options: DnsZoneOptions = {}): DnsReply {
  // TODO(28): REFUSED outside the zone (or a class other than IN); NXDOMAIN (SERVFAIL before the view has synced) with the SOA for a name that does not exist; otherwise the records of the asked type (A, AAAA/CNAME, SRV with its additional A records, TXT at dns-version, SOA at the apex), or none and the SOA (NODATA).
  throw new NotImplemented('28', 'answerQuestion');
}

