/**
 * Kata 28 — cluster DNS. The spec is katas/proxy/28-dns.md.
 *
 * First the names (parseClusterName) and the answers (answerQuestion) over a view made of plain
 * maps, in CoreDNS's words: A, SRV, NXDOMAIN with the SOA, NODATA, REFUSED. Then the wire
 * (dnsResponse, truncation, TCP framing), the server on real UDP and TCP sockets of its own
 * (127.28.0.x, a port the OS picks), the view over kata 17's informers, and a real process that
 * resolves through the server with the search path and ndots:5.
 *
 * Properties: for any cluster every Service name answers its ClusterIP or its ready endpoints and
 * every other name is NXDOMAIN; a TCP stream cut anywhere gives back its messages; UDP and TCP
 * give the same answer (metamorphic); an answer too big for 512 bytes comes truncated over UDP,
 * whole over TCP.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode as decodeLoose, encode, encodingLength, type Packet, type Question } from 'dns-packet';
import { LocalClient, Registry } from '@kube/apiserver';
import { SharedInformerFactory } from '@kube/controllers';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type EndpointSlice, type Service } from '@kube/kit';
import {
  answerQuestion,
  DnsFrameReader,
  dnsEnvironment,
  dnsResponse,
  DNS_TTL,
  frameDnsMessage,
  InformerDnsView,
  parseClusterName,
  podDnsConfig,
  sliceServiceIndexFunc,
  truncateDnsResponse,
  type DnsClusterView,
  type DnsReply,
} from '@kube/proxy';
import { fc, test } from '../support/prop.ts';
import { clusterArb, DnsHarness, MapView, mixedCase, NAMESPACES, rcodeOf, SERVICE_NAMES, serviceObject, sliceObjects, type ClusterModel, type ServiceModel } from '../support/proxy/dns.ts';

const run = promisify(execFile);
const RESOLVER = fileURLToPath(new URL('../../kit/images/resolver.mjs', import.meta.url));

const web: ServiceModel = { namespace: 'default', name: 'web', clusterIP: '127.96.0.12', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }], endpoints: [{ ip: '127.0.1.5', ready: true }] };
const plain: ServiceModel = { namespace: 'default', name: 'plain', clusterIP: '127.96.0.13', ports: [{ port: 8080, protocol: 'TCP' }], endpoints: [] };
const db: ServiceModel = {
  namespace: 'default',
  name: 'db',
  clusterIP: 'None',
  ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  endpoints: [
    { ip: '127.0.1.2', ready: true, hostname: 'db-0' },
    { ip: '127.0.1.3' }, // readiness unknown: counts as ready
    { ip: '127.0.1.4', ready: false },
    { ip: '127.0.1.6', ready: true },
  ],
};
const empty: ServiceModel = { namespace: 'default', name: 'empty', clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }], endpoints: [{ ip: '127.0.1.9', ready: false }] };
const ext: ServiceModel = { namespace: 'default', name: 'search', clusterIP: '', ports: [], endpoints: [], externalName: 'search.example.com' };
const dnsUdp: ServiceModel = { namespace: 'kube-system', name: 'kube-dns', clusterIP: '127.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }], endpoints: [] };
const CLUSTER: ClusterModel = { namespaces: ['default', 'kube-system', 'empty-ns'], services: [web, plain, db, empty, ext, dnsUdp] };

const ask = (name: string, type: Question['type'] = 'A', view: DnsClusterView = new MapView(CLUSTER)): DnsReply => answerQuestion({ name, type, class: 'IN' }, view);
const data = (reply: DnsReply): unknown[] => reply.answers.map((a) => ('data' in a ? a.data : undefined));
const SOA = { name: 'cluster.local', type: 'SOA', class: 'IN', ttl: 30, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1_767_225_600, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 } };

describe('reading a name in cluster.local', () => {
  it.each([
    ['web.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'web' }],
    ['WEB.Default.svc.cluster.local.', { kind: 'service', namespace: 'default', service: 'web' }],
    ['_http._tcp.web.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'web', port: 'http', protocol: 'tcp' }],
    ['db-0.db.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'db', endpoint: 'db-0' }],
    ['127-0-1-5.default.pod.cluster.local', { kind: 'pod', namespace: 'default', label: '127-0-1-5' }],
    ['default.svc.cluster.local', { kind: 'namespace', namespace: 'default' }],
    ['default.pod.cluster.local', { kind: 'namespace', namespace: 'default' }],
    ['cluster.local', { kind: 'apex' }],
    ['svc.cluster.local', { kind: 'apex' }],
    ['pod.cluster.local', { kind: 'apex' }],
    ['dns-version.cluster.local', { kind: 'schema' }],
  ])('reads %s as %o', (name, expected) => {
    expect(parseClusterName(name, 'cluster.local')).toEqual(expected);
  });

  it.each([
    ['a.b._http._tcp.web.default.svc.cluster.local', 'too many labels'],
    ['web.default.nodes.cluster.local', 'neither svc nor pod'],
    ['web..default.svc.cluster.local', 'an empty label'],
    ['x.web.default.pod.cluster.local', 'a pod name has one label'],
  ])('cannot read %s (%s): undefined, which the server answers NXDOMAIN', (name) => {
    expect(parseClusterName(name, 'cluster.local')).toBeUndefined();
  });
});

describe('answering A questions', () => {
  it('answers a Service name with its ClusterIP, TTL 30, authoritative, with the name as asked', () => {
    const reply = ask('Web.Default.svc.cluster.local');
    expect(reply).toEqual({ rcode: 'NOERROR', authoritative: true, answers: [{ name: 'Web.Default.svc.cluster.local', type: 'A', class: 'IN', ttl: DNS_TTL, data: '127.96.0.12' }], authorities: [], additionals: [] });
  });

  it('answers a headless Service with the IPs of its ready endpoints (ready absent counts as ready), across its slices', () => {
    expect(data(ask('db.default.svc.cluster.local')).sort()).toEqual(['127.0.1.2', '127.0.1.3', '127.0.1.6']);
  });

  it('answers an endpoint name with that endpoint: by its hostname, or by its IP with dashes when it has none', () => {
    expect(data(ask('db-0.db.default.svc.cluster.local'))).toEqual(['127.0.1.2']);
    expect(data(ask('127-0-1-6.db.default.svc.cluster.local'))).toEqual(['127.0.1.6']);
    expect(data(ask('127-0-1-5.web.default.svc.cluster.local'))).toEqual(['127.0.1.5']);
    expect(ask('127-0-1-4.db.default.svc.cluster.local').rcode).toBe('NXDOMAIN');
  });

  it('answers a pod name <a-b-c-d>.<ns>.pod with its IP, in a namespace that exists (CoreDNS pods insecure)', () => {
    expect(data(ask('127-0-9-9.default.pod.cluster.local'))).toEqual(['127.0.9.9']);
    expect(ask('127-0-9-9.ghost.pod.cluster.local').rcode).toBe('NXDOMAIN');
    expect(ask('127-0-9.default.pod.cluster.local').rcode).toBe('NXDOMAIN');
    expect(ask('web.default.pod.cluster.local').rcode).toBe('NXDOMAIN');
  });

  it('answers an ExternalName Service with a CNAME to its externalName', () => {
    expect(ask('search.default.svc.cluster.local').answers).toEqual([{ name: 'search.default.svc.cluster.local', type: 'CNAME', class: 'IN', ttl: 30, data: 'search.example.com' }]);
  });

  it('answers NXDOMAIN, with the zone SOA in the authority section, for a Service, namespace or name that does not exist', () => {
    for (const name of ['nope.default.svc.cluster.local', 'web.ghost.svc.cluster.local', 'ghost.svc.cluster.local', 'a.b.c.d.e.default.svc.cluster.local', 'www.cluster.local']) {
      expect([name, ask(name)]).toEqual([name, { rcode: 'NXDOMAIN', authoritative: true, answers: [], authorities: [SOA], additionals: [] }]);
    }
  });

  it('answers NXDOMAIN for a headless Service without a ready endpoint (as CoreDNS does)', () => {
    expect(ask('empty.default.svc.cluster.local').rcode).toBe('NXDOMAIN');
  });

  it('answers NODATA (NOERROR, no answers, the SOA) for a name that exists without records of that type', () => {
    const nodata = { rcode: 'NOERROR', authoritative: true, answers: [], authorities: [SOA], additionals: [] };
    expect(ask('web.default.svc.cluster.local', 'AAAA')).toEqual(nodata);
    expect(ask('web.default.svc.cluster.local', 'MX')).toEqual(nodata);
    expect(ask('empty-ns.svc.cluster.local')).toEqual(nodata);
    expect(ask('svc.cluster.local')).toEqual(nodata);
  });

  it('refuses a name outside cluster.local: REFUSED, not authoritative, nothing else (this server forwards nothing)', () => {
    expect(ask('example.com')).toEqual({ rcode: 'REFUSED', authoritative: false, answers: [], authorities: [], additionals: [] });
    expect(ask('web.default.svc.cluster.localhost')).toEqual({ rcode: 'REFUSED', authoritative: false, answers: [], authorities: [], additionals: [] });
  });

  it('answers SERVFAIL instead of NXDOMAIN until the view has synced, and what it knows already', () => {
    const view = new MapView(CLUSTER);
    view.synced = false;
    expect(ask('nope.default.svc.cluster.local', 'A', view).rcode).toBe('SERVFAIL');
    expect(data(ask('web.default.svc.cluster.local', 'A', view))).toEqual(['127.96.0.12']);
  });
});

describe('answering SRV, TXT and SOA questions', () => {
  it('answers _<port>._<proto> of a ClusterIP Service: priority 0, weight 100, the port, the Service name; its A record in the additional section', () => {
    expect(ask('_http._tcp.web.default.svc.cluster.local', 'SRV')).toEqual({
      rcode: 'NOERROR',
      authoritative: true,
      answers: [{ name: '_http._tcp.web.default.svc.cluster.local', type: 'SRV', class: 'IN', ttl: 30, data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } }],
      authorities: [],
      additionals: [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 30, data: '127.96.0.12' }],
    });
  });

  it('answers _<port>._<proto> of a headless Service with one SRV per ready endpoint, weight 100/n, targets named by hostname or dashed IP', () => {
    const reply = ask('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    expect(data(reply).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { priority: 0, weight: 33, port: 5432, target: '127-0-1-3.db.default.svc.cluster.local' },
      { priority: 0, weight: 33, port: 5432, target: '127-0-1-6.db.default.svc.cluster.local' },
      { priority: 0, weight: 33, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
    ]);
    expect(reply.additionals.map((a) => [a.name, 'data' in a && a.data]).sort()).toEqual([
      ['127-0-1-3.db.default.svc.cluster.local', '127.0.1.3'],
      ['127-0-1-6.db.default.svc.cluster.local', '127.0.1.6'],
      ['db-0.db.default.svc.cluster.local', '127.0.1.2'],
    ]);
  });

  it('tells protocols apart (_dns._udp is not _dns._tcp) and answers NXDOMAIN for a port name the Service does not have', () => {
    expect(data(ask('_dns._udp.kube-dns.kube-system.svc.cluster.local', 'SRV'))).toEqual([{ priority: 0, weight: 100, port: 53, target: 'kube-dns.kube-system.svc.cluster.local' }]);
    expect(ask('_dns._tcp.kube-dns.kube-system.svc.cluster.local', 'SRV').rcode).toBe('NXDOMAIN');
    expect(ask('_https._tcp.web.default.svc.cluster.local', 'SRV').rcode).toBe('NXDOMAIN');
  });

  it('answers SRV on a Service name without _port._proto with every port, an unnamed one too (as CoreDNS does)', () => {
    expect(data(ask('web.default.svc.cluster.local', 'SRV')).map((d) => (d as { port: number }).port).sort()).toEqual([80, 9090]);
    expect(data(ask('plain.default.svc.cluster.local', 'SRV'))).toEqual([{ priority: 0, weight: 100, port: 8080, target: 'plain.default.svc.cluster.local' }]);
  });

  it('answers TXT at dns-version.cluster.local with the schema version 1.1.0, and SOA at the apex', () => {
    expect(ask('dns-version.cluster.local', 'TXT').answers).toEqual([{ name: 'dns-version.cluster.local', type: 'TXT', class: 'IN', ttl: 28800, data: '1.1.0' }]);
    expect(ask('cluster.local', 'SOA').answers).toEqual([SOA]);
  });
});

describe('the edges of the records', () => {
  /** A view of exactly these objects, every namespace of them existing. */
  const viewOf = (services: Service[], slices: EndpointSlice[]): DnsClusterView => ({
    hasSynced: () => true,
    namespaceExists: (namespace) => [...services, ...slices].some((o) => o.metadata.namespace === namespace),
    service: (namespace, name) => services.find((s) => s.metadata.namespace === namespace && s.metadata.name === name),
    endpointSlices: (namespace, service) => slices.filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.['kubernetes.io/service-name'] === service),
    serial: () => 1,
  });
  const slice = (name: string, addressType: EndpointSlice['addressType'], endpoints: EndpointSlice['endpoints'], ports?: EndpointSlice['ports']): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType,
    endpoints,
    ...(ports && { ports }),
  });
  const headless: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } };
  const pg = [{ name: 'pg', port: 5432, protocol: 'TCP' as const }];

  it('answers a headless Service from its IPv4 slices only, and an endpoint listed in two slices once, in SRV and in the additional section', () => {
    const view = viewOf([headless], [slice('db-a', 'IPv4', [{ addresses: ['127.0.1.2'], hostname: 'db-0' }], pg), slice('db-b', 'IPv4', [{ addresses: ['127.0.1.2'], hostname: 'db-0' }], pg), slice('db-v6', 'IPv6', [{ addresses: ['fd00::2'] }], pg)]);
    expect(data(ask('db.default.svc.cluster.local', 'A', view))).toEqual(['127.0.1.2']);
    const srv = ask('_pg._tcp.db.default.svc.cluster.local', 'SRV', view);
    expect([srv.answers.length, srv.additionals]).toEqual([1, [{ name: 'db-0.db.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 30, data: '127.0.1.2' }]]);
  });

  it('names the endpoints of a slice without ports in A but not in SRV, and matches a headless port by name and protocol', () => {
    const view = viewOf([headless], [slice('db-a', 'IPv4', [{ addresses: ['127.0.1.2'] }]), slice('db-b', 'IPv4', [{ addresses: ['127.0.1.3'] }], pg)]);
    expect(data(ask('db.default.svc.cluster.local', 'A', view)).sort()).toEqual(['127.0.1.2', '127.0.1.3']);
    expect(data(ask('db.default.svc.cluster.local', 'SRV', view))).toEqual([{ priority: 0, weight: 50, port: 5432, target: '127-0-1-3.db.default.svc.cluster.local' }]);
    expect([ask('_pg._udp.db.default.svc.cluster.local', 'SRV', view).rcode, ask('_http._tcp.db.default.svc.cluster.local', 'SRV', view).rcode]).toEqual(['NXDOMAIN', 'NXDOMAIN']);
  });

  it('answers a ClusterIP Service with its IPv4 cluster IPs only (clusterIPs first, a dual-stack Service keeps its IPv6 out)', () => {
    const dual: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dual', namespace: 'default' }, spec: { clusterIP: '127.96.0.20', clusterIPs: ['127.96.0.20', 'fd00::20'], ports: [{ port: 80 }] } };
    const view = viewOf([dual], []);
    expect([data(ask('dual.default.svc.cluster.local', 'A', view)), ask('dual.default.svc.cluster.local', 'AAAA', view).answers]).toEqual([['127.96.0.20'], []]);
  });

  it('answers NXDOMAIN for an ExternalName whose externalName is an IPv4 address (CoreDNS makes no CNAME to an address)', () => {
    const byAddress: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: 'default' }, spec: { type: 'ExternalName', externalName: '10.1.2.3' } };
    expect(ask('legacy.default.svc.cluster.local', 'A', viewOf([byAddress], [])).rcode).toBe('NXDOMAIN');
  });

  it('answers AAAA and CNAME questions about an ExternalName with its CNAME, and about a ClusterIP Service with nothing (NODATA)', () => {
    for (const type of ['AAAA', 'CNAME'] as const) {
      expect([type, data(ask('search.default.svc.cluster.local', type))]).toEqual([type, ['search.example.com']]);
      expect([type, ask('web.default.svc.cluster.local', type)]).toEqual([type, { rcode: 'NOERROR', authoritative: true, answers: [], authorities: [SOA], additionals: [] }]);
    }
  });

  it('has TXT only at dns-version and SOA only at the apex: elsewhere NODATA', () => {
    for (const [name, type] of [['web.default.svc.cluster.local', 'TXT'], ['web.default.svc.cluster.local', 'SOA'], ['svc.cluster.local', 'SOA'], ['cluster.local', 'TXT']] as const) {
      expect([name, type, ask(name, type)]).toEqual([name, type, { rcode: 'NOERROR', authoritative: true, answers: [], authorities: [SOA], additionals: [] }]);
    }
  });

  it('refuses a question of a class other than IN, answers a name with a trailing dot without it, and reads a pod label with four parts only as an IPv4 address', () => {
    expect(answerQuestion({ name: 'web.default.svc.cluster.local', type: 'A', class: 'CH' }, new MapView(CLUSTER))).toEqual({ rcode: 'REFUSED', authoritative: false, answers: [], authorities: [], additionals: [] });
    expect(ask('web.default.svc.cluster.local.').answers.map((a) => a.name)).toEqual(['web.default.svc.cluster.local']);
    expect([ask('127-0-9-999.default.pod.cluster.local').rcode, ask('127-0-9-9-9.default.pod.cluster.local').rcode]).toEqual(['NXDOMAIN', 'NXDOMAIN']);
  });
});

describe('on the wire', () => {
  const view = new MapView(CLUSTER);
  const answer = (q: Question): DnsReply => answerQuestion(q, view);
  const decoded = (bytes: Buffer | undefined) => (bytes ? (JSON.parse(JSON.stringify(decodeLoose(bytes))) as Record<string, unknown>) : undefined);

  it('answers with the query id and question, QR and AA set, RD copied, RA unset, the rcode in the flags', () => {
    const query = encode({ type: 'query', id: 4242, flags: 1 << 8, questions: [{ name: 'nope.default.svc.cluster.local', type: 'A' }] });
    expect(decoded(dnsResponse(query, answer, 512))).toMatchObject({ id: 4242, flag_qr: true, flag_aa: true, flag_rd: true, flag_ra: false, flag_tc: false, rcode: 'NXDOMAIN', questions: [{ name: 'nope.default.svc.cluster.local', type: 'A' }] });
  });

  it('answers FORMERR with the id to bytes that are not a DNS message, and FORMERR to a query with two questions', () => {
    expect(decoded(dnsResponse(Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 9]), answer, 512))).toMatchObject({ id: 0x1234, flag_qr: true, rcode: 'FORMERR' });
    expect(decoded(dnsResponse(Buffer.from([0x12, 0x35, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), answer, 512)), 'a header alone (12 bytes) that promises a question').toMatchObject({ id: 0x1235, rcode: 'FORMERR' });
    const two = encode({ type: 'query', id: 7, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }, { name: 'db.default.svc.cluster.local', type: 'A' }] });
    expect(decoded(dnsResponse(two, answer, 512))).toMatchObject({ id: 7, rcode: 'FORMERR' });
  });

  it('answers NOTIMP to an opcode other than QUERY, and nothing to a response or to fewer bytes than a header', () => {
    const status = encode({ type: 'query', id: 8, flags: 2 << 11, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] });
    expect(decoded(dnsResponse(status, answer, 512))).toMatchObject({ id: 8, rcode: 'NOTIMP' });
    expect(dnsResponse(encode({ type: 'response', id: 9, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] }), answer, 512)).toBeUndefined();
    expect(dnsResponse(Buffer.from([1, 2, 3]), answer, 512)).toBeUndefined();
  });

  it('truncates by dropping the additional and authority sections first (no TC), then answers from the end with TC set', () => {
    const record = (i: number) => ({ name: `host-${i}.db.default.svc.cluster.local`, type: 'A' as const, class: 'IN' as const, ttl: 30, data: `127.0.2.${i}` });
    const response: Packet = { type: 'response', id: 1, flags: 1 << 10, questions: [{ name: 'x.cluster.local', type: 'SRV' }], answers: [record(1), record(2)], additionals: Array.from({ length: 20 }, (_, i) => record(i + 10)) };
    expect(truncateDnsResponse(response, 512)).toEqual({ ...response, authorities: [], additionals: [] });
    const many: Packet = { ...response, answers: Array.from({ length: 20 }, (_, i) => record(i)), additionals: [] };
    const cut = truncateDnsResponse(many, 512);
    expect([cut.flags! & (1 << 9), cut.answers, encodingLength(cut) <= 512]).toEqual([1 << 9, many.answers!.slice(0, cut.answers!.length), true]);
    expect(encodingLength({ ...cut, answers: many.answers!.slice(0, cut.answers!.length + 1) })).toBeGreaterThan(512);
  });

  it('sets QR on every answer it makes itself: NOTIMP and FORMERR too', () => {
    const status = encode({ type: 'query', id: 8, flags: 2 << 11, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] });
    const two = encode({ type: 'query', id: 7, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }, { name: 'db.default.svc.cluster.local', type: 'A' }] });
    expect([decoded(dnsResponse(status, answer, 512)), decoded(dnsResponse(two, answer, 512))]).toMatchObject([{ type: 'response', flag_qr: true, rcode: 'NOTIMP' }, { type: 'response', flag_qr: true, rcode: 'FORMERR' }]);
  });

  it('keeps an answer that fits exactly, and when it must cut, keeps the flags and as many answers as fit exactly', () => {
    const record = (i: number) => ({ name: `host-${i}.db.default.svc.cluster.local`, type: 'A' as const, class: 'IN' as const, ttl: 30, data: `127.0.2.${i}` });
    const response: Packet = { type: 'response', id: 1, flags: (1 << 10) | (1 << 8), questions: [{ name: 'x.cluster.local', type: 'A' }], answers: [record(1), record(2), record(3)], additionals: [record(9)] };
    expect(truncateDnsResponse(response, encodingLength(response))).toBe(response);
    const bare = { ...response, authorities: [], additionals: [] };
    expect(truncateDnsResponse(response, encodingLength(bare))).toEqual(bare);
    const two = { ...bare, flags: (1 << 10) | (1 << 8) | (1 << 9), answers: [record(1), record(2)] };
    expect(truncateDnsResponse(response, encodingLength(two))).toEqual(two);
  });

  it('reads TCP frames: a length in two chunks, two messages in one chunk', () => {
    const reader = new DnsFrameReader();
    expect(reader.push(Buffer.from([0]))).toEqual([]);
    expect(reader.push(Buffer.from([3, 1, 2]))).toEqual([]);
    expect(reader.push(Buffer.from([3, 0, 1, 9, 0, 0]))).toEqual([Buffer.from([1, 2, 3]), Buffer.from([9]), Buffer.from([])]);
  });

  test.prop([fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 })])(
    'a TCP stream of framed messages, cut at any points into chunks, gives back exactly its messages in order',
    (messages, cuts) => {
      const stream = Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), Buffer.from(m)])));
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const chunks = [0, ...points].map((start, i) => stream.subarray(start, [...points, stream.length][i]));
      const reader = new DnsFrameReader();
      const got = chunks.flatMap((chunk) => reader.push(chunk));
      expect(got.map((m) => [...m])).toEqual(messages.map((m) => [...m]));
    },
  );
});

/** The A answer a Service name must get: its ClusterIP, or its ready endpoints' IPs; undefined: NXDOMAIN. */
function expectedAddresses(service: ServiceModel): string[] | undefined {
  if (service.clusterIP !== 'None') return [service.clusterIP];
  const ready = service.endpoints.filter((e) => e.ready !== false).map((e) => e.ip);
  return ready.length > 0 ? [...new Set(ready)].sort() : undefined;
}

describe('for any cluster', () => {
  const allNames = NAMESPACES.flatMap((ns): { ns: string; name: string }[] => [...SERVICE_NAMES, 'ghost'].map((name) => ({ ns, name }))).concat(SERVICE_NAMES.map((name) => ({ ns: 'elsewhere', name })));

  test.prop([clusterArb, fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 12 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 })])(
    'every Service name answers A with its ClusterIP (or its ready pod IPs if headless) and every other name is NXDOMAIN with the SOA',
    (cluster, picks, upper) => {
      const view = new MapView(cluster);
      for (const pick of picks) {
        const { ns, name } = allNames[pick % allNames.length]!;
        const asked = [...`${name}.${ns}.svc.cluster.local`].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c)).join('');
        const service = cluster.services.find((s) => s.namespace === ns && s.name === name);
        const expected = service ? expectedAddresses(service) : undefined;
        const reply = answerQuestion({ name: asked, type: 'A', class: 'IN' }, view);
        const got = { name: asked, rcode: reply.rcode, addresses: data(reply).map(String).sort(), names: [...new Set(reply.answers.map((a) => a.name))], ttls: [...new Set(reply.answers.map((a) => ('ttl' in a ? a.ttl : undefined)))], soa: reply.authorities.map((a) => a.type) };
        expect(got).toEqual(
          expected
            ? { name: asked, rcode: 'NOERROR', addresses: expected, names: [asked], ttls: [30], soa: [] }
            : { name: asked, rcode: 'NXDOMAIN', addresses: [], names: [], ttls: [], soa: ['SOA'] },
        );
      }
    },
  );
});

describe('the server on UDP and TCP', () => {
  const view = new MapView(CLUSTER);
  const harness = new DnsHarness(view, '127.28.0.1');
  beforeAll(async () => {
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('answers a question over UDP and over TCP on the same port', async () => {
    view.load(CLUSTER);
    const question: Question = { name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' };
    const [udp, [tcp]] = await Promise.all([harness.udp(question), harness.tcp([question])]);
    expect([udp.packet.answers, tcp!.packet.answers]).toEqual([
      [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 30, flush: false, data: '127.96.0.12' }],
      [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 30, flush: false, data: '127.96.0.12' }],
    ]);
  });

  it('sends nothing back to a datagram it does not answer (a response, three bytes) and goes on; closes a TCP connection whose message gets no answer; outlives a client that resets its connection', async () => {
    view.load(CLUSTER);
    const errors = harness.errors.length;
    const response = encode({ type: 'response', id: 77, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] });
    await harness.sendDatagram(response);
    await harness.sendDatagram(Buffer.from([1, 2, 3]));
    expect(rcodeOf((await harness.udp({ name: 'web.default.svc.cluster.local', type: 'A' })).packet)).toBe('NOERROR');
    expect(await harness.tcpUntilClosed(frameDnsMessage(response)), 'no bytes back, and the connection closed').toEqual(Buffer.alloc(0));
    const reset = connect(harness.address.port, harness.address.host);
    await new Promise((resolve) => reset.once('connect', resolve));
    reset.write(Buffer.from([0])); // half a length, then a reset: the server reads ECONNRESET
    reset.resetAndDestroy();
    expect(rcodeOf((await harness.udp({ name: 'web.default.svc.cluster.local', type: 'A' })).packet), 'still serving after a client reset its connection').toBe('NOERROR');
    expect(harness.errors.slice(errors), 'what the server reported to onError').toEqual([]);
  });

  it('answers every query of a TCP connection, pipelined in one write', async () => {
    view.load(CLUSTER);
    const answers = await harness.tcp([
      { name: 'web.default.svc.cluster.local', type: 'A' },
      { name: 'nope.default.svc.cluster.local', type: 'A' },
      { name: 'example.com', type: 'A' },
      { name: '_http._tcp.web.default.svc.cluster.local', type: 'SRV' },
    ]);
    expect(answers.map((a) => rcodeOf(a.packet))).toEqual(['NOERROR', 'NXDOMAIN', 'REFUSED', 'NOERROR']);
  });

  const questionArb = fc.record({
    name: fc.oneof(
      fc.constantFrom(...SERVICE_NAMES, 'ghost').chain((svc) => fc.constantFrom(...NAMESPACES).map((ns) => `${svc}.${ns}.svc.cluster.local`)),
      fc.constantFrom(...SERVICE_NAMES).chain((svc) => fc.constantFrom('http', 'grpc', 'metrics').chain((port) => fc.constantFrom('tcp', 'udp').map((proto) => `_${port}._${proto}.${svc}.default.svc.cluster.local`))),
      fc.constantFrom('default.svc.cluster.local', 'cluster.local', 'dns-version.cluster.local', 'example.com', '127-0-1-2.default.pod.cluster.local'),
    ),
    type: fc.constantFrom('A' as const, 'AAAA' as const, 'SRV' as const, 'TXT' as const, 'SOA' as const),
  });

  test.prop([clusterArb, fc.array(questionArb, { minLength: 1, maxLength: 6 })], { numRuns: 40 })(
    'UDP and TCP give the same answer to every question (truncated over UDP only when it does not fit in 512 bytes)',
    async (cluster, questions) => {
      view.load(cluster);
      const tcp = await harness.tcp(questions);
      const udp = await Promise.all(questions.map((q) => harness.udp(q)));
      for (const [i, question] of questions.entries()) {
        const viaTcp = tcp[i]!;
        // Over 512 bytes the authority and additional sections go first, without TC; only answers
        // that still do not fit are cut, with TC (an SRV answer over 512 with its A records in the
        // additional section may fit once they are gone).
        const bare = { ...viaTcp.packet, authorities: [], additionals: [] };
        const expected =
          viaTcp.bytes.length <= 512 ? viaTcp.packet
          : encodingLength(bare) <= 512 ? bare
          : { ...bare, flags: udp[i]!.packet.flags, flag_tc: true, answers: viaTcp.packet.answers!.slice(0, udp[i]!.packet.answers!.length) };
        expect({ question, udp: udp[i]!.packet }).toEqual({ question, udp: { ...expected, id: udp[i]!.packet.id } });
      }
    },
  );

  test.prop([fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 20 })], { numRuns: 30 })(
    'a headless Service with many ready endpoints: over UDP an answer over 512 bytes comes with TC set, at most 512 bytes, the first answers of the whole one; over TCP whole',
    async (ready, notReady) => {
      const endpoints = Array.from({ length: ready + notReady }, (_, i) => ({ ip: `127.0.${1 + (i >> 8)}.${i & 0xff}`, ready: i < ready }));
      view.load({ namespaces: ['default'], services: [{ namespace: 'default', name: 'big', clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints }] });
      const question: Question = { name: 'big.default.svc.cluster.local', type: 'A' };
      const [[tcp], udp] = await Promise.all([harness.tcp([question]), harness.udp(question)]);
      const whole = tcp!.packet.answers!.map((a) => ('data' in a ? a.data : undefined));
      const truncated = tcp!.bytes.length > 512;
      expect({ tcpAnswers: whole.length, tcpTC: tcp!.packet.flag_tc }).toEqual({ tcpAnswers: ready, tcpTC: false });
      expect({ tc: udp.packet.flag_tc, fits: udp.bytes.length <= 512, answers: udp.packet.answers!.map((a) => ('data' in a ? a.data : undefined)) }).toEqual({
        tc: truncated,
        fits: true,
        answers: truncated ? whole.slice(0, udp.packet.answers!.length) : whole,
      });
    },
  );
});

describe('reading the cluster through the informers', () => {
  it('indexes an EndpointSlice by <namespace>/<service> from its kubernetes.io/service-name label', () => {
    const [slice] = sliceObjects(db);
    expect(sliceServiceIndexFunc(slice!)).toEqual(['default/db']);
    expect(sliceServiceIndexFunc({ ...slice!, metadata: { name: 'manual', namespace: 'default' } })).toEqual([]);
  });

  it('answers from the same Services and EndpointSlices as kube-proxy, and follows changes', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const registry = new Registry({ store: new MvccStore(), clock, random: new Random(28) });
    const client = new LocalClient(registry);
    const settle = async () => {
      for (let i = 0; i < 5; i++) await clock.advance(0);
    };
    for (const name of ['default', 'shop']) await client.resource('namespaces').create({ metadata: { name } });
    await client.resource('services', 'default').create(serviceObject(web));
    await client.resource('services', 'default').create(serviceObject(db));
    for (const slice of sliceObjects(db)) await client.resource('endpointslices', 'default').create(slice);
    // The view's informer indexes slices with your sliceServiceIndexFunc: unwritten, it would throw
    // inside the informer, and the view would never sync. Say so now instead of waiting 20 s.
    sliceServiceIndexFunc(sliceObjects(db)[0]!);
    const factory = new SharedInformerFactory({ client, clock });
    const view = new InformerDnsView(factory, clock);
    factory.start();
    await view.whenSynced();
    try {
      expect(data(answerQuestion({ name: 'web.default.svc.cluster.local', type: 'A' }, view)), 'a question without a class is IN').toEqual(['127.96.0.12']);
      expect(data(answerQuestion({ name: 'db.default.svc.cluster.local', type: 'A' }, view)).sort()).toEqual(['127.0.1.2', '127.0.1.3', '127.0.1.6']);
      expect(answerQuestion({ name: 'shop.svc.cluster.local', type: 'A' }, view).rcode).toBe('NOERROR');
      expect(answerQuestion({ name: 'ghost.svc.cluster.local', type: 'A' }, view).rcode).toBe('NXDOMAIN');

      await client.resource('services', 'default').delete('web');
      await client.resource('services', 'shop').create({ ...serviceObject({ ...web, namespace: 'shop', clusterIP: '127.96.0.40' }) });
      await settle();
      expect(answerQuestion({ name: 'web.default.svc.cluster.local', type: 'A' }, view).rcode).toBe('NXDOMAIN');
      expect(data(answerQuestion({ name: 'web.shop.svc.cluster.local', type: 'A' }, view))).toEqual(['127.96.0.40']);
    } finally {
      await factory.shutdown();
    }
  });
});

describe('a pod resolves through the server', () => {
  it('gives a pod the server, the search path <ns>.svc.cluster.local svc.cluster.local cluster.local and ndots:5', () => {
    expect(podDnsConfig('shop').nameservers, 'without a server: DEFAULT_DNS_ADDRESS').toEqual(['127.96.0.10:10053']);
    expect(dnsEnvironment(podDnsConfig('shop', '127.96.0.10:10053'))).toEqual({ KUBE_DNS_SERVER: '127.96.0.10:10053', KUBE_DNS_SEARCH: 'shop.svc.cluster.local svc.cluster.local cluster.local', KUBE_DNS_OPTIONS: 'ndots:5' });
  });

  it('kit/images/resolver.mjs, in a real process with that environment, finds short names through the search path, retries truncated answers over TCP, and pays for ndots:5', async () => {
    const endpoints = Array.from({ length: 40 }, (_, i) => ({ ip: `127.0.5.${i + 2}`, ready: true }));
    const view = new MapView({
      namespaces: ['default', 'shop'],
      services: [
        { ...web, namespace: 'shop', clusterIP: '127.96.0.40' },
        web,
        { namespace: 'shop', name: 'db', clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }], endpoints },
      ],
    });
    const harness = await new DnsHarness(view, '127.28.0.2').start();
    try {
      const env = { ...process.env, ...dnsEnvironment(podDnsConfig('shop', `${harness.address.host}:${harness.address.port}`)) };
      const { stdout } = await run(process.execPath, [RESOLVER, 'web', 'web.default', 'db', 'web.shop.svc.cluster.local', 'web.shop.svc.cluster.local.'], { env, encoding: 'utf8', timeout: 15_000 });
      const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { name: string; fqdn: string; addresses: string[] });
      expect(lines.map((l) => [l.name, l.fqdn, l.addresses.length === 40 ? '40 addresses' : l.addresses])).toEqual([
        ['web', 'web.shop.svc.cluster.local', ['127.96.0.40']],
        ['web.default', 'web.default.svc.cluster.local', ['127.96.0.12']],
        ['db', 'db.shop.svc.cluster.local', '40 addresses'],
        ['web.shop.svc.cluster.local', 'web.shop.svc.cluster.local', ['127.96.0.40']],
        ['web.shop.svc.cluster.local.', 'web.shop.svc.cluster.local', ['127.96.0.40']],
      ]);
      // 4 dots < ndots:5: the full name was tried with each of the three search domains first.
      const asked = harness.asked.map((q) => q.name.toLowerCase());
      expect(asked.filter((n) => n.startsWith('web.shop.svc.cluster.local.'))).toEqual(['web.shop.svc.cluster.local.shop.svc.cluster.local', 'web.shop.svc.cluster.local.svc.cluster.local', 'web.shop.svc.cluster.local.cluster.local']);
    } finally {
      await harness.stop();
    }
  });
});
