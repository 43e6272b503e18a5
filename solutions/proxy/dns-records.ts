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
import type { EndpointSlice, Service } from '@kube/kit';

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
  const full = normalizeName(name);
  const base = full === zone ? '' : full.slice(0, -(zone.length + 1));
  if (base === '' || base === 'svc' || base === 'pod') return { kind: 'apex' };
  if (base === 'dns-version') return { kind: 'schema' };
  const labels = base.split('.');
  if (labels.some((label) => label === '')) return undefined;
  // Read right to left, as CoreDNS does: svc|pod, then namespace, then the service (or pod) ...
  const kind = labels.pop();
  if (kind !== 'svc' && kind !== 'pod') return undefined;
  const namespace = labels.pop()!;
  if (labels.length === 0) return { kind: 'namespace', namespace };
  const service = labels.pop()!;
  if (kind === 'pod') return labels.length === 0 ? { kind: 'pod', namespace, label: service } : undefined;
  if (labels.length === 0) return { kind: 'service', namespace, service };
  // ... then what is left: one label is an endpoint, two are _port._protocol, more is too long.
  if (labels.length === 1) return { kind: 'service', namespace, service, endpoint: labels[0]! };
  if (labels.length === 2) return { kind: 'service', namespace, service, port: stripUnderscore(labels[0]!), protocol: stripUnderscore(labels[1]!) };
  return undefined;
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
  switch (name.kind) {
    case 'apex':
    case 'schema':
      return [];
    case 'namespace':
      return view.namespaceExists(name.namespace) ? [] : 'NXDOMAIN';
    case 'pod': {
      if (!view.namespaceExists(name.namespace)) return 'NXDOMAIN';
      const ip = name.label.replaceAll('-', '.');
      // CoreDNS reads a label with exactly three dashes as IPv4 (an IPv6 pod name has more).
      return name.label.split('-').length === 4 && isIPv4(ip) ? [{ ip, host: `${name.label}.${name.namespace}.pod.${zone}` }] : 'NXDOMAIN';
    }
    case 'service':
      if (!view.namespaceExists(name.namespace)) return 'NXDOMAIN';
      return serviceTargets(name, view, zone);
  }
}

function serviceTargets(name: Extract<ClusterName, { kind: 'service' }>, view: DnsClusterView, zone: string): DnsTarget[] | 'NXDOMAIN' {
  const service = view.service(name.namespace, name.service);
  if (!service) return 'NXDOMAIN';
  const spec = service.spec ?? {};
  const serviceHost = `${name.service}.${name.namespace}.svc.${zone}`;
  const portMatches = (portName: string | undefined, protocol: string | undefined): boolean =>
    (name.port === undefined || name.port === (portName ?? '').toLowerCase()) && (name.protocol === undefined || name.protocol === (protocol ?? 'TCP').toLowerCase());

  if (spec.type === 'ExternalName') {
    return spec.externalName && !isIPv4(spec.externalName) ? [{ cname: spec.externalName }] : 'NXDOMAIN';
  }

  const targets: DnsTarget[] = [];
  if (spec.clusterIP === 'None' || name.endpoint !== undefined) {
    for (const slice of view.endpointSlices(name.namespace, name.service)) {
      if (slice.addressType !== 'IPv4') continue;
      // A slice without ports still names its endpoints: one target without a port (CoreDNS's -1).
      const ports = slice.ports?.length ? slice.ports : [undefined];
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        for (const ip of endpoint.addresses) {
          const hostname = endpoint.hostname ?? ip.replaceAll('.', '-');
          if (name.endpoint !== undefined && name.endpoint !== hostname.toLowerCase()) continue;
          for (const port of ports) {
            if (!portMatches(port?.name, port?.protocol)) continue;
            targets.push({ ip, host: `${hostname}.${serviceHost}`, ...(port?.port !== undefined && { port: port.port }) });
          }
        }
      }
    }
  } else {
    const clusterIPs = (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((ip) => isIPv4(ip));
    for (const port of spec.ports ?? []) {
      if (!portMatches(port.name, port.protocol)) continue;
      for (const ip of clusterIPs) targets.push({ ip, port: port.port, host: serviceHost });
    }
  }
  return targets.length > 0 ? targets : 'NXDOMAIN';
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
  const zone = options.zone ?? CLUSTER_DOMAIN;
  const ttl = options.ttl ?? DNS_TTL;
  const reply = (rcode: DnsReply['rcode'], answers: Answer[] = [], additionals: Answer[] = []): DnsReply => ({
    rcode,
    authoritative: rcode !== 'REFUSED',
    answers,
    // A negative answer carries the SOA: its minimum tells resolvers how long to cache it (RFC 2308).
    authorities: rcode === 'REFUSED' || answers.length > 0 ? [] : [soaRecord(zone, view.serial(), ttl)],
    additionals,
  });

  // CoreDNS's server answers REFUSED for a name no zone of it matches, and for a class other than IN.
  if (!inZone(question.name, zone) || (question.class !== undefined && question.class !== 'IN')) return reply('REFUSED');
  const parsed = parseClusterName(question.name, zone);
  const targets = parsed ? resolveTargets(parsed, view, zone) : 'NXDOMAIN';
  if (targets === 'NXDOMAIN') return reply(view.hasSynced() ? 'NXDOMAIN' : 'SERVFAIL');

  const name = question.name.replace(/\.$/, '');
  const cnames: Answer[] = targets.flatMap((t) => ('cname' in t ? [{ name, type: 'CNAME' as const, class: 'IN' as const, ttl, data: t.cname }] : []));
  const addresses = targets.filter((t): t is Extract<DnsTarget, { ip: string }> => 'ip' in t);
  switch (question.type) {
    case 'A': {
      const ips = [...new Set(addresses.map((t) => t.ip))];
      return reply('NOERROR', [...cnames, ...ips.map((ip): Answer => ({ name, type: 'A', class: 'IN', ttl, data: ip }))]);
    }
    case 'AAAA':
    case 'CNAME':
      return reply('NOERROR', cnames);
    case 'SRV':
      return srvReply(name, addresses, ttl, reply);
    case 'TXT':
      return reply('NOERROR', parsed!.kind === 'schema' ? [{ name, type: 'TXT', class: 'IN', ttl: DNS_SCHEMA_TTL, data: DNS_SCHEMA_VERSION }] : []);
    case 'SOA':
      return reply('NOERROR', normalizeName(question.name) === zone ? [soaRecord(zone, view.serial(), ttl)] : []);
    default:
      return reply('NOERROR');
  }
}

function srvReply(name: string, targets: Extract<DnsTarget, { ip: string }>[], ttl: number, reply: (rcode: 'NOERROR', answers: Answer[], additionals: Answer[]) => DnsReply): DnsReply {
  // CoreDNS shares the weight 100 × 100 evenly among the targets of priority 0, at least 1 each.
  const weight = Math.max(1, Math.floor(100 / targets.length));
  const answers: SrvAnswer[] = [];
  const additionals: Answer[] = [];
  const seenSrv = new Set<string>();
  const seenAddress = new Set<string>();
  for (const target of targets) {
    if (target.port === undefined) continue; // nothing to say in an SRV record without a port
    if (!seenSrv.has(`${target.host} ${target.port}`)) {
      seenSrv.add(`${target.host} ${target.port}`);
      answers.push({ name, type: 'SRV', class: 'IN', ttl, data: { priority: 0, weight, port: target.port, target: target.host } });
    }
    if (!seenAddress.has(`${target.host} ${target.ip}`)) {
      seenAddress.add(`${target.host} ${target.ip}`);
      additionals.push({ name: target.host, type: 'A', class: 'IN', ttl, data: target.ip });
    }
  }
  return reply('NOERROR', answers, additionals);
}
