/**
 * Kata 28's helpers: a cluster as a small model (namespaces, Services, their endpoints) turned into
 * the Services and EndpointSlices the DNS server reads, a {@link DnsClusterView} over plain maps,
 * arbitraries of clusters, and {@link DnsHarness}: the learner's {@link DnsServer} on its own
 * 127.28.0.x address with a client that asks over UDP and over TCP (dns-packet on both sides).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import { decode, encode, type DecodedPacket, type Question } from 'dns-packet';
import type { EndpointSlice, Service } from '@kube/kit';
import { answerQuestion, DnsServer, type DnsClusterView, type DnsReply } from '@kube/proxy';
import type { Arbitrary } from 'fast-check';
import { fc } from '../prop.ts';

export const ZONE = 'cluster.local';

/** One endpoint of a Service: its pod's IP, readiness (absent: unknown, which counts as ready), hostname. */
export interface EndpointModel {
  ip: string;
  ready?: boolean;
  hostname?: string;
}

/** One port of a Service (and of its slices). */
export interface PortModel {
  name?: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

/** A Service: ClusterIP (`clusterIP` an address), headless (`'None'`), or ExternalName. */
export interface ServiceModel {
  namespace: string;
  name: string;
  clusterIP: string;
  ports: PortModel[];
  endpoints: EndpointModel[];
  externalName?: string;
}

/** What the cluster holds. */
export interface ClusterModel {
  namespaces: string[];
  services: ServiceModel[];
}

/** The Service object of a model. */
export function serviceObject(model: ServiceModel): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: model.name, namespace: model.namespace },
    spec: model.externalName
      ? { type: 'ExternalName', externalName: model.externalName }
      : { type: 'ClusterIP', clusterIP: model.clusterIP, ...(model.clusterIP !== 'None' && { clusterIPs: [model.clusterIP] }), ports: model.ports, selector: { app: model.name } },
  };
}

/** The Service's endpoints as EndpointSlices of at most `perSlice` endpoints (as the controller cuts at 100). */
export function sliceObjects(model: ServiceModel, perSlice = 3): EndpointSlice[] {
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < model.endpoints.length; i += perSlice) {
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${model.name}-${i / perSlice}`, namespace: model.namespace, labels: { 'kubernetes.io/service-name': model.name } },
      addressType: 'IPv4',
      endpoints: model.endpoints.slice(i, i + perSlice).map((e) => ({
        addresses: [e.ip],
        ...(e.ready !== undefined && { conditions: { ready: e.ready } }),
        ...(e.hostname && { hostname: e.hostname }),
      })),
      ports: model.ports.map((p) => ({ ...(p.name && { name: p.name }), port: p.port, protocol: p.protocol })),
    });
  }
  return slices;
}

/** A {@link DnsClusterView} over maps, loaded from a model; `synced` and `serialValue` are the test's to set. */
export class MapView implements DnsClusterView {
  synced = true;
  serialValue = 1_767_225_600;
  private namespaces = new Set<string>();
  private services = new Map<string, Service>();
  private slices = new Map<string, EndpointSlice[]>();

  constructor(model?: ClusterModel) {
    if (model) this.load(model);
  }

  /** Replaces everything with `model`. */
  load(model: ClusterModel): this {
    this.namespaces = new Set(model.namespaces);
    this.services = new Map(model.services.map((s) => [`${s.namespace}/${s.name}`, serviceObject(s)]));
    this.slices = new Map(model.services.map((s) => [`${s.namespace}/${s.name}`, sliceObjects(s)]));
    return this;
  }

  hasSynced(): boolean {
    return this.synced;
  }
  namespaceExists(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }
  service(namespace: string, name: string): Service | undefined {
    return this.services.get(`${namespace}/${name}`);
  }
  endpointSlices(namespace: string, service: string): EndpointSlice[] {
    return this.slices.get(`${namespace}/${service}`) ?? [];
  }
  serial(): number {
    return this.serialValue;
  }
}

// ---- arbitraries -----------------------------------------------------------------------------

export const NAMESPACES = ['default', 'shop', 'kube-system'] as const;
export const SERVICE_NAMES = ['web', 'db', 'api', 'cache', 'queue'] as const;
const PORT_NAMES = ['http', 'grpc', 'metrics'] as const;

/** A cluster: `default` and maybe more namespaces, up to 6 Services in them, distinct ClusterIPs and pod IPs. */
export const clusterArb: Arbitrary<ClusterModel> = fc
  .record({
    extra: fc.subarray(['shop', 'kube-system']),
    services: fc.uniqueArray(
      fc.record({
        namespace: fc.constantFrom(...NAMESPACES),
        name: fc.constantFrom(...SERVICE_NAMES),
        headless: fc.boolean(),
        ports: fc.uniqueArray(fc.record({ name: fc.option(fc.constantFrom(...PORT_NAMES), { nil: undefined }), port: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('TCP' as const, 'UDP' as const) }), { minLength: 1, maxLength: 2, selector: (p) => p.name ?? '' }),
        endpoints: fc.array(fc.record({ ready: fc.option(fc.boolean(), { nil: undefined }), hostname: fc.option(fc.constantFrom('alpha', 'beta', 'gamma'), { nil: undefined }) }), { maxLength: 6 }),
      }),
      { maxLength: 6, selector: (s) => `${s.namespace}/${s.name}` },
    ),
  })
  .map(({ extra, services }) => {
    let pod = 2;
    const namespaces = ['default', ...extra];
    return {
      namespaces,
      // Services only in namespaces that exist; each pod IP used once in the whole cluster.
      services: services
        .filter((s) => namespaces.includes(s.namespace))
        .map((s, i): ServiceModel => ({
          namespace: s.namespace,
          name: s.name,
          clusterIP: s.headless ? 'None' : `127.96.0.${10 + i}`,
          // A Service with several ports must name each (validation's rule; EndpointSlices copy the names).
          ports: s.ports.length > 1 ? s.ports.map((p, j) => ({ ...p, name: p.name ?? `port-${j}` })) : s.ports,
          endpoints: s.endpoints.map((e, j) => ({ ip: `127.0.${1 + i}.${pod++}`, ...(e.ready !== undefined && { ready: e.ready }), ...(e.hostname && { hostname: `${e.hostname}${j}` }) })),
        })),
    };
  });

/** `name` with each letter's case drawn: DNS names match without regard to case, answers keep the asked case. */
export function mixedCase(name: string): Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
}

// ---- the server and its client ----------------------------------------------------------------

/** One decoded response and its bytes. */
export interface DnsResponse {
  bytes: Buffer;
  packet: DecodedPacket;
}

/** The response code of a decoded packet (dns-packet decodes it, its types leave it out). */
export function rcodeOf(packet: DecodedPacket): string {
  return (packet as DecodedPacket & { rcode: string }).rcode;
}

/**
 * The learner's {@link DnsServer} on `host` (a port the OS picks, the same for UDP and TCP),
 * answering from `view` through the learner's answerQuestion. Every question asked is recorded;
 * a handler or answer that throws fails every pending query at once with that error (the server
 * itself answers SERVFAIL for an answer that threw, and goes on).
 */
export class DnsHarness {
  readonly asked: Question[] = [];
  readonly errors: unknown[] = [];
  server!: DnsServer;
  address!: { host: string; port: number };
  private client!: UdpSocket;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: DnsResponse) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();

  constructor(readonly view: DnsClusterView, private readonly host: string) {}

  async start(): Promise<this> {
    const answer = (question: Question): DnsReply => {
      this.asked.push(question);
      try {
        return answerQuestion(question, this.view);
      } catch (error) {
        this.fail(error);
        return { rcode: 'SERVFAIL', authoritative: false, answers: [], authorities: [], additionals: [] };
      }
    };
    this.server = new DnsServer({ answer, host: this.host, port: 0, onError: (error) => this.fail(error) });
    this.address = await this.server.start();
    this.client = createSocket('udp4');
    this.client.on('message', (bytes) => {
      const packet = decode(bytes);
      const waiting = this.pending.get(packet.id ?? -1);
      if (!waiting) return;
      this.pending.delete(packet.id!);
      clearTimeout(waiting.timer);
      waiting.resolve({ bytes, packet });
    });
    await new Promise<void>((resolve) => this.client.bind(0, this.host, () => resolve()));
    return this;
  }

  private fail(error: unknown): void {
    this.errors.push(error);
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }

  /** A query message for `question` (RD set, as stub resolvers send it). */
  query(question: Question, id = this.nextId++ & 0xffff): Buffer {
    return encode({ type: 'query', id, flags: 1 << 8, questions: [question] });
  }

  /** Sends `bytes` as one datagram from the harness's UDP socket, expecting nothing back. */
  sendDatagram(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.client.send(bytes, this.address.port, this.address.host, (error) => (error ? reject(error) : resolve())));
  }

  /**
   * Opens a TCP connection, writes `bytes`, and resolves with what came back once the server
   * closed it (5 s at most: a generous bound, not a measured time).
   */
  tcpUntilClosed(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.address.port, this.address.host);
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('the server kept the TCP connection open for 5 s'));
      }, 5000);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => undefined); // a reset is a close too
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
      socket.write(bytes);
    });
  }

  /** Asks over UDP and waits (5 s at most: a generous bound, not a measured time) for the answer. */
  udp(question: Question): Promise<DnsResponse> {
    const id = this.nextId++ & 0xffff;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer over UDP within 5 s to ${question.type} ${question.name}`));
      }, 5000);
      this.pending.set(id, { resolve, reject, timer });
      this.client.send(this.query(question, id), this.address.port, this.address.host);
    });
  }

  /**
   * Asks all `questions` over one TCP connection, every query framed and written at once, and
   * reads the framed answers back (in the order they come; matched to questions by id).
   */
  tcp(questions: Question[]): Promise<DnsResponse[]> {
    const ids = questions.map(() => this.nextId++ & 0xffff);
    const frames = questions.map((q, i) => {
      const message = this.query(q, ids[i]);
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      return Buffer.concat([length, message]);
    });
    return new Promise((resolve, reject) => {
      const socket = connect(this.address.port, this.address.host);
      const byId = new Map<number, DnsResponse>();
      let buffer = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${byId.size} of ${questions.length} answers over TCP within 5 s`));
      }, 5000);
      const errorIndex = this.errors.length;
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
          const bytes = buffer.subarray(2, 2 + buffer.readUInt16BE(0));
          buffer = buffer.subarray(2 + bytes.length);
          const packet = decode(bytes);
          byId.set(packet.id!, { bytes, packet });
        }
        if (byId.size === questions.length) {
          clearTimeout(timer);
          socket.end();
          resolve(ids.map((id) => byId.get(id)!));
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (byId.size < questions.length) reject(this.errors[errorIndex] ?? new Error(`the server closed the TCP connection after ${byId.size} of ${questions.length} answers`));
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.write(Buffer.concat(frames));
    });
  }

  async stop(): Promise<void> {
    for (const [, waiting] of this.pending) clearTimeout(waiting.timer);
    await new Promise<void>((resolve) => this.client.close(() => resolve()));
    await this.server.stop();
  }
}
