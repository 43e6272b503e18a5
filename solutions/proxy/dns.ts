/**
 * Cluster DNS, the server (kata 28): dns-records.ts's answers on real UDP and TCP sockets, read
 * from the same informers as kube-proxy, and the resolver settings a pod gets.
 *
 * ```
 *  pod ──UDP──▶ DnsServer.handleDatagram ──┐
 *      ──TCP──▶ DnsServer.handleConnection ─┴▶ dnsResponse ──▶ answerQuestion ◀── InformerDnsView ◀── informers
 *               (2-byte length frames)         (decode, answer,  (dns-records.ts)    (Services, EndpointSlices,
 *                                               encode; 512 bytes                     Namespaces)
 *                                               at most over UDP)
 * ```
 *
 * The wire format is the `dns-packet` package's: this kata is about what to answer and how the
 * two transports differ, not about bit fields. dns-packet does not compress names, so its
 * messages are longer than CoreDNS's: fewer records fit in 512 bytes.
 *
 * @example
 * ```ts
 * const factory = new SharedInformerFactory({ client, clock });
 * const view = new InformerDnsView(factory, clock);      // before factory.start(): it adds an index
 * factory.start();
 * const server = new DnsServer({ answer: (q) => answerQuestion(q, view), host: '127.96.0.10', port: 10053 });
 * await server.start();     // dig @127.96.0.10 -p 10053 web.default.svc.cluster.local (+tcp)
 * await server.stop();
 * ```
 * @module
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { decode, encode, encodingLength, RECURSION_DESIRED, AUTHORITATIVE_ANSWER, TRUNCATED_RESPONSE, type DecodedPacket, type Packet, type Question } from 'dns-packet';
import type { Clock, EndpointSlice, KubeObject, Namespace, Service } from '@kube/kit';
import type { SharedIndexInformer, SharedInformerFactory } from '@kube/controllers';
import { CLUSTER_DOMAIN, type DnsClusterView, type DnsReply } from './dns-records.ts';

/** The largest DNS message over UDP without EDNS0 (RFC 1035 §4.2.1); TCP carries up to 65535 bytes. */
export const DNS_UDP_LIMIT = 512;

/** The largest DNS message over TCP: its length prefix is 16 bits (RFC 1035 §4.2.2). */
export const DNS_TCP_LIMIT = 65535;

/**
 * Where the workbook's DNS server listens: the address kubeadm gives the kube-dns Service
 * (10.96.0.10) moved into the loopback service CIDR, on port 10053 because port 53 needs root.
 */
export const DEFAULT_DNS_ADDRESS = { host: '127.96.0.10', port: 10053 } as const;

/** Response codes as numbers, the low four bits of the flags (RFC 1035 §4.1.1, RFC 6895). */
export const DNS_RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** Answers one question: {@link answerQuestion} over a view, or anything shaped like it. */
export type AnswerFunction = (question: Question) => DnsReply;

/**
 * The response to one DNS message, encoded, at most `maxBytes` long; undefined when there is
 * nothing to answer (a response, or fewer bytes than a header).
 * 1. bytes dns-packet cannot decode: FORMERR with the query's id (its first two bytes);
 * 2. a response (QR set): undefined — never answer an answer;
 * 3. an opcode other than QUERY (0): NOTIMP; a message without exactly one question: FORMERR;
 * 4. otherwise `answer(question)`, sent back with the query's id and question, QR, AA when the
 *    reply is authoritative, RD copied from the query (RA unset: nothing is recursed), the rcode;
 * 5. then {@link truncateDnsResponse}: over UDP `maxBytes` is 512.
 */
export function dnsResponse(query: Buffer, answer: AnswerFunction, maxBytes: number): Buffer | undefined {
  let packet: DecodedPacket;
  try {
    packet = decode(query);
  } catch {
    return query.length >= 12 ? encode({ type: 'response', id: query.readUInt16BE(0), flags: DNS_RCODES.FORMERR }) : undefined;
  }
  if (packet.flag_qr) return undefined;
  const id = packet.id ?? 0;
  const recursionDesired = (packet.flags ?? 0) & RECURSION_DESIRED;
  const opcode = ((packet.flags ?? 0) >> 11) & 0xf;
  const questions = packet.questions ?? [];
  if (opcode !== 0) return encode({ type: 'response', id, flags: recursionDesired | DNS_RCODES.NOTIMP, questions });
  if (questions.length !== 1) return encode({ type: 'response', id, flags: recursionDesired | DNS_RCODES.FORMERR, questions });

  const question = questions[0]!;
  const reply = answer(question);
  const response: Packet = {
    type: 'response',
    id,
    flags: (reply.authoritative ? AUTHORITATIVE_ANSWER : 0) | recursionDesired | DNS_RCODES[reply.rcode],
    questions: [question],
    answers: reply.answers,
    authorities: reply.authorities,
    additionals: reply.additionals,
  };
  return encode(truncateDnsResponse(response, maxBytes));
}

/**
 * `response` if it encodes in at most `maxBytes`; otherwise a shorter one (RFC 2181 §9): first
 * without its authority and additional sections (nothing a client needs), then, if the answers
 * still do not fit, with as many of the first answers as fit and the TC bit set, which tells the
 * client to ask again over TCP.
 */
export function truncateDnsResponse(response: Packet, maxBytes: number): Packet {
  if (encodingLength(response) <= maxBytes) return response;
  const bare: Packet = { ...response, authorities: [], additionals: [] };
  if (encodingLength(bare) <= maxBytes) return bare;
  const answers = [...(bare.answers ?? [])];
  const truncated: Packet = { ...bare, flags: (bare.flags ?? 0) | TRUNCATED_RESPONSE, answers };
  while (answers.length > 0 && encodingLength(truncated) > maxBytes) answers.pop();
  return truncated;
}

/** `message` with the two-byte big-endian length TCP puts before each DNS message. */
export function frameDnsMessage(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/**
 * Cuts a TCP byte stream into DNS messages (RFC 1035 §4.2.2, RFC 7766): each is a two-byte
 * length, then that many bytes. A chunk may hold half a length, a message and a half, or several
 * messages: what is not whole yet waits for the next chunk.
 */
export class DnsFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** The messages `chunk` completes, in order (none when it completes nothing). */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (this.pending.length >= 2) {
      const length = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + length) break;
      messages.push(this.pending.subarray(2, 2 + length));
      this.pending = this.pending.subarray(2 + length);
    }
    return messages;
  }

  /** Bytes received that are not yet a whole message. */
  get buffered(): number {
    return this.pending.length;
  }
}

/** Where and what a {@link DnsServer} serves. */
export interface DnsServerOptions {
  answer: AnswerFunction;
  /** default {@link DEFAULT_DNS_ADDRESS}.host */
  host?: string;
  /** UDP and TCP both; 0: TCP takes a free port and UDP the same one; default 10053 */
  port?: number;
  /**
   * Told of a handler that threw: the query goes unanswered, the server goes on (as CoreDNS
   * recovers from a panic in a plugin). Default: console.error.
   */
  onError?: (error: unknown) => void;
}

/** A DNS server on one address, UDP and TCP on the same port, as every DNS server does. */
export class DnsServer {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<Socket>();

  constructor(private readonly options: DnsServerOptions) {}

  /**
   * Listens (TCP first, so that port 0 gets one port for both); resolves to the address. With
   * port 0, a UDP port that some other socket holds already means another try, on another port.
   */
  async start(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? DEFAULT_DNS_ADDRESS.host;
    const wanted = this.options.port ?? DEFAULT_DNS_ADDRESS.port;
    for (let attempt = 1; ; attempt++) {
      const tcp = createServer((socket) => this.guard(() => this.handleConnection(socket), () => socket.destroy()));
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(wanted, host, () => resolve());
      });
      const port = (tcp.address() as AddressInfo).port;
      const udp = createSocket('udp4');
      udp.on('message', (message, remote) => this.guard(() => this.handleDatagram(message, remote)));
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, host, () => resolve());
        });
      } catch (error) {
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
        if (wanted !== 0 || attempt >= 10 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        continue;
      }
      this.tcp = tcp;
      this.udp = udp;
      return { host, port };
    }
  }

  /** Runs a handler; a throw goes to `onError` (then `cleanup`), never out of the socket's event. */
  private guard(handler: () => void, cleanup?: () => void): void {
    try {
      handler();
    } catch (error) {
      (this.options.onError ?? ((e: unknown) => console.error('dns server:', e)))(error);
      cleanup?.();
    }
  }

  /**
   * One UDP datagram is one query: answer it to where it came from, at most 512 bytes
   * ({@link DNS_UDP_LIMIT}); nothing at all when {@link dnsResponse} says so.
   */
  handleDatagram(message: Buffer, remote: RemoteInfo): void {
    const response = dnsResponse(message, this.options.answer, DNS_UDP_LIMIT);
    if (response) this.udp?.send(response, remote.port, remote.address);
  }

  /**
   * A TCP connection carries any number of framed queries, maybe several in one chunk or one
   * across chunks ({@link DnsFrameReader}); each response goes back framed, up to 65535 bytes
   * (never truncated in practice). The connection stays open for more (RFC 7766) until the client
   * closes it; a query that gets no response closes it. Keep it in `connections` until it closes.
   */
  handleConnection(socket: Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new DnsFrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const message of reader.push(chunk)) {
        const response = dnsResponse(message, this.options.answer, DNS_TCP_LIMIT);
        if (!response) return void socket.destroy();
        socket.write(frameDnsMessage(response));
      }
    });
  }

  /** Closes both sockets and every TCP connection still open. */
  async stop(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }
}

/** The label an EndpointSlice carries with the name of its Service. */
const SERVICE_NAME = 'kubernetes.io/service-name';

/** The index of EndpointSlices by `<namespace>/<service name>` that {@link InformerDnsView} adds. */
export const SLICES_BY_SERVICE_INDEX = 'byService';

/**
 * Indexes an EndpointSlice under `<namespace>/<service>` from its `kubernetes.io/service-name`
 * label, or under nothing when it has no such label (a slice managed by hand for no Service).
 */
export function sliceServiceIndexFunc(slice: EndpointSlice): string[] {
  const service = slice.metadata.labels?.[SERVICE_NAME];
  return service ? [`${slice.metadata.namespace ?? ''}/${service}`] : [];
}

/**
 * The cluster as the DNS server sees it: the caches of kata 17's shared informers for Services,
 * EndpointSlices and Namespaces — the same Services and slices kube-proxy reads, so that DNS
 * names and proxy rules agree (CoreDNS's dnsController does the same with client-go). Make it
 * before `factory.start()`: it adds an index to the slices' informer.
 */
export class InformerDnsView implements DnsClusterView {
  private readonly services: SharedIndexInformer<Service>;
  private readonly slices: SharedIndexInformer<EndpointSlice>;
  private readonly namespaces: SharedIndexInformer<Namespace>;
  private lastChange: number;

  constructor(factory: SharedInformerFactory, clock: Clock) {
    this.services = factory.services();
    this.slices = factory.informerFor<EndpointSlice>('endpointslices');
    this.namespaces = factory.namespaces();
    this.slices.addIndexers({ [SLICES_BY_SERVICE_INDEX]: sliceServiceIndexFunc });
    this.lastChange = Math.floor(clock.now() / 1000);
    const touch = (): void => {
      this.lastChange = Math.floor(clock.now() / 1000);
    };
    for (const informer of [this.services, this.slices, this.namespaces] as SharedIndexInformer<KubeObject>[]) {
      informer.addEventHandler({ onAdd: touch, onUpdate: touch, onDelete: touch });
    }
  }

  hasSynced(): boolean {
    return this.services.hasSynced() && this.slices.hasSynced() && this.namespaces.hasSynced();
  }

  /** Resolves once all three caches hold their first list. */
  async whenSynced(): Promise<void> {
    await Promise.all([this.services.whenSynced(), this.slices.whenSynced(), this.namespaces.whenSynced()]);
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.indexer.getByKey(namespace) !== undefined;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.indexer.getByKey(`${namespace}/${name}`);
  }

  endpointSlices(namespace: string, service: string): EndpointSlice[] {
    return this.slices.indexer.byIndex(SLICES_BY_SERVICE_INDEX, `${namespace}/${service}`);
  }

  /** The time of the last change seen, in seconds since the epoch (CoreDNS's Modified()). */
  serial(): number {
    return this.lastChange;
  }
}

/**
 * A pod's resolver settings for dnsPolicy ClusterFirst (kubelet's pkg/kubelet/network/dns): the
 * cluster's DNS server, the search path `<ns>.svc.<zone> svc.<zone> <zone>`, and `ndots:5`.
 */
export interface PodDnsConfig {
  /** `host:port` (a real resolv.conf has no port: the server would be on 53) */
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** The resolver settings of a pod in `namespace` whose cluster DNS server is at `server` (`host:port`). */
export function podDnsConfig(namespace: string, server: string = `${DEFAULT_DNS_ADDRESS.host}:${DEFAULT_DNS_ADDRESS.port}`, zone: string = CLUSTER_DOMAIN): PodDnsConfig {
  return { nameservers: [server], searches: [`${namespace}.svc.${zone}`, `svc.${zone}`, zone], options: ['ndots:5'] };
}

/**
 * The environment that gives a process container its resolver settings, since it has no
 * /etc/resolv.conf of its own: `KUBE_DNS_SERVER` (`host:port`), `KUBE_DNS_SEARCH` (the search
 * path, spaces between) and `KUBE_DNS_OPTIONS` (`ndots:5`), what kit/images/resolver.mjs reads.
 *
 * @example
 * ```ts
 * dnsEnvironment(podDnsConfig('shop'));
 * // { KUBE_DNS_SERVER: '127.96.0.10:10053',
 * //   KUBE_DNS_SEARCH: 'shop.svc.cluster.local svc.cluster.local cluster.local',
 * //   KUBE_DNS_OPTIONS: 'ndots:5' }
 * ```
 */
export function dnsEnvironment(config: PodDnsConfig): Record<string, string> {
  return { KUBE_DNS_SERVER: config.nameservers.join(' '), KUBE_DNS_SEARCH: config.searches.join(' '), KUBE_DNS_OPTIONS: config.options.join(' ') };
}
