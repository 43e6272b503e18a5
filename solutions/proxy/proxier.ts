/**
 * A real TCP proxy driven by the rule table (kata 27), in the spirit of kube-proxy's removed
 * userspace mode (pkg/proxy/userspace, deleted in v1.26): for every Service port it listens on
 * the cluster IP and port (and on the node address and node port), and for every connection it
 * accepts it asks the rule table which endpoint to use — the same walk the kernel makes through
 * KUBE-SERVICES, KUBE-SVC and KUBE-SEP — opens a connection there, and copies bytes both ways.
 *
 * ```
 * client ──▶ 127.96.0.10:80 (listener) ──walk(table)──▶ DNAT 127.0.1.5:8080 ──▶ connect ──▶ pod
 *            127.0.0.1:30080 (node port)     │ refused? the next usable endpoint, each once
 *                                            └ REJECT (no endpoints): the connection is reset
 * ```
 *
 * `sync(services, slices)` is kube-proxy's syncProxyRules: a new table, listeners opened for new
 * Service ports and closed for ports gone; connections already established are left alone (they
 * keep talking to the pod they reached, as conntrack keeps a DNAT'ed connection).
 *
 * Ports below 1024 need root (or CAP_NET_BIND_SERVICE). With `privilegedPorts: 'auto'` (the
 * default) the proxy binds them where it may and otherwise serves the Service port on port +
 * `privilegedPortOffset` (10000): a Service that `kubectl get svc` shows as `80/TCP` on
 * CLUSTER-IP 127.96.0.10 is then reached at 127.96.0.10:10080; `listeners()` says which.
 *
 * @example
 * ```ts
 * const proxy = new Proxier({ clock: new RealClock(), random: new Random(Date.now()) });
 * await proxy.sync([web], [webSlice]);
 * proxy.listeners();   // [{ service: 'default/web', kind: 'clusterIP', address: '127.96.0.10', port: 80, servicePort: 80 }]
 * // curl http://127.96.0.10/ reaches one of web's ready pods
 * await proxy.stop();
 * ```
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Clock, EndpointSlice, Random, Service } from '@kube/kit';
import { endpointChainName } from './chain-names.ts';
import { toNumber } from './rational.ts';
import { buildRuleTable, endpointsKey, endpointsOf, servicePortsOf, usableEndpoints, type ServicePortInfo } from './rule-table.ts';
import type { RuleTable } from './rules.ts';
import { RecentLists, walk } from './walker.ts';

/** How a {@link Proxier} runs. */
export interface ProxierOptions {
  /** ClientIP affinity's time */
  clock: Clock;
  /** the rules' random choices (`-m statistic`) */
  random: Random;
  /**
   * the node's addresses, where node ports listen: each node port on every one of them, as
   * kube-proxy's `--nodeport-addresses` (which takes CIDRs; unset, every local address) has it;
   * default `['127.0.0.1']`
   */
  nodeAddresses?: readonly string[];
  /** ports below 1024: 'auto' binds them where permitted, else maps them; 'map' always maps; default 'auto' */
  privilegedPorts?: 'auto' | 'map';
  /** what a mapped port adds; default 10000 (80 → 10080) */
  privilegedPortOffset?: number;
}

/** One open listener: which Service port, where. */
export interface ProxyListener {
  /** the Service port's name string, `default/web:http` */
  service: string;
  kind: 'clusterIP' | 'nodePort';
  address: string;
  /** the port listened on (a mapped privileged port: servicePort + offset) */
  port: number;
  /** the port the Service names: its port, or its nodePort */
  servicePort: number;
}

/** A listener and the Service port it serves now (sync may update the port's details). */
interface Open {
  server: Server;
  listener: ProxyListener;
  info: ServicePortInfo;
}

/** The userspace proxy: listeners for the Service ports, connections spliced to endpoints. */
export class Proxier {
  private readonly options: ProxierOptions;
  private readonly recent = new RecentLists();
  private readonly open = new Map<string, Open>();
  private readonly sockets = new Set<Socket>();
  private ruleTable: RuleTable = buildRuleTable([], []);
  /** the usable endpoints of each Service port, in rule order: where a refused connection tries next */
  private usable = new Map<string, string[]>();
  /** syncs run one after another */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(options: ProxierOptions) {
    this.options = options;
  }

  /** The rule table of the last sync. */
  get table(): RuleTable {
    return this.ruleTable;
  }

  /** The listeners open now, ordered by address and port. */
  listeners(): ProxyListener[] {
    return [...this.open.values()].map((o) => ({ ...o.listener })).sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  }

  /**
   * Applies Services and EndpointSlices: a new rule table; listeners opened for Service ports
   * that are new and closed for those gone; established connections untouched. Resolves once
   * every listener is open (or closed). A port that cannot be listened on is skipped and reported
   * in the rejection after the others are done.
   */
  sync(services: readonly Service[], slices: readonly EndpointSlice[]): Promise<void> {
    const run = this.queue.then(() => this.apply(services, slices));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes every listener and every connection; resolves once the OS has closed them all. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    const closing = [...this.open.values()].map((o) => closeServer(o.server));
    this.open.clear();
    const sockets = [...this.sockets].map((socket) => closeSocket(socket));
    await Promise.all([...closing, ...sockets]);
  }

  private async apply(services: readonly Service[], slices: readonly EndpointSlice[]): Promise<void> {
    if (this.stopped) throw new Error('the proxy has been stopped: make a new one');
    this.ruleTable = buildRuleTable(services, slices);
    const endpoints = endpointsOf(slices);
    const wanted = new Map<string, { info: ServicePortInfo; kind: ProxyListener['kind']; address: string; servicePort: number }>();
    this.usable = new Map();
    for (const info of services.flatMap(servicePortsOf)) {
      if (info.name.protocol !== 'TCP') continue; // a TCP proxy: UDP and SCTP are the kernel's
      this.usable.set(info.nameString, usableEndpoints(endpoints.get(endpointsKey(info)) ?? []).map((e) => e.address));
      wanted.set(`clusterIP ${info.clusterIP}:${info.port}`, { info, kind: 'clusterIP', address: info.clusterIP, servicePort: info.port });
      if (!info.nodePort) continue;
      for (const address of this.nodeAddresses) wanted.set(`nodePort ${address}:${info.nodePort}`, { info, kind: 'nodePort', address, servicePort: info.nodePort });
    }
    for (const [key, open] of this.open) {
      const want = wanted.get(key);
      if (want) open.info = want.info;
      else {
        // Stops accepting at once; connections already spliced stay until their ends close them.
        this.open.delete(key);
        open.server.close();
      }
    }
    const failures: string[] = [];
    for (const [key, want] of wanted) {
      if (this.open.has(key)) continue;
      try {
        this.open.set(key, await this.listen(want.info, want.kind, want.address, want.servicePort));
      } catch (error) {
        failures.push(`${want.kind} ${want.address}:${want.servicePort} of ${want.info.nameString}: ${(error as Error).message}`);
      }
    }
    if (failures.length > 0) throw new Error(`cannot listen for ${failures.join('; ')}`);
  }

  private get nodeAddresses(): readonly string[] {
    return this.options.nodeAddresses ?? ['127.0.0.1'];
  }

  /** Listens for one Service port: on the port itself, or mapped when it is privileged and not ours to bind. */
  private async listen(info: ServicePortInfo, kind: ProxyListener['kind'], address: string, servicePort: number): Promise<Open> {
    const mode = this.options.privilegedPorts ?? 'auto';
    const mapped = servicePort + (this.options.privilegedPortOffset ?? 10000);
    const open: Open = { server: createServer({ pauseOnConnect: true }), listener: { service: info.nameString, kind, address, port: servicePort, servicePort }, info };
    open.server.on('connection', (socket: Socket) => this.accept(open, socket));
    if (servicePort < 1024 && mode === 'map') {
      await listenOn(open.server, address, mapped);
      open.listener.port = mapped;
      return open;
    }
    try {
      await listenOn(open.server, address, servicePort);
    } catch (error) {
      if (servicePort >= 1024 || (error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
      await listenOn(open.server, address, mapped);
      open.listener.port = mapped;
    }
    return open;
  }

  /** One accepted connection: walk the rules, connect, splice; a REJECT resets it. */
  private accept(open: Open, client: Socket): void {
    this.track(client);
    const { info, listener } = open;
    const source = client.remoteAddress ?? '127.0.0.1';
    const packet = listener.kind === 'clusterIP'
      ? { source, destination: info.clusterIP, dport: info.port, protocol: 'tcp' as const }
      : { source, destination: listener.address, dport: info.nodePort, protocol: 'tcp' as const, local: true };
    const verdict = walk(this.ruleTable, packet, { decide: (p) => this.options.random.next() < toNumber(p), recent: this.recent, now: this.options.clock.now() });
    if (verdict.verdict !== 'DNAT') {
      client.resetAndDestroy();
      return;
    }
    // The endpoint the rules chose first, then the others in rule order: each tried once.
    const others = (this.usable.get(info.nameString) ?? []).filter((address) => address !== verdict.to);
    this.connect(client, info, source, [verdict.to, ...others]);
  }

  /** Connects to the first of `candidates` that accepts; refused ones are skipped. */
  private connect(client: Socket, info: ServicePortInfo, source: string, candidates: string[]): void {
    const [next, ...rest] = candidates;
    if (next === undefined || client.destroyed) {
      client.resetAndDestroy();
      return;
    }
    const [host, port] = splitAddress(next);
    const upstream = createConnection({ host, port });
    this.track(upstream);
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      // Affinity follows the endpoint actually reached (the rules' --set named the first choice).
      if (info.affinitySeconds !== undefined) this.recent.set(endpointChainName(info.name, next), source, this.options.clock.now());
      splice(client, upstream);
    });
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      upstream.destroy();
      if (error.code === 'ECONNREFUSED' && !this.stopped) this.connect(client, info, source, rest);
      else client.resetAndDestroy();
    });
    client.once('close', () => upstream.destroy());
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}

/** `127.0.1.5:8080` → ['127.0.1.5', 8080]. */
function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

/** Copies both ways; when one side ends or fails, the other is ended too. */
function splice(client: Socket, upstream: Socket): void {
  client.pipe(upstream);
  upstream.pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
  client.resume();
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

function closeSocket(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
  });
}
