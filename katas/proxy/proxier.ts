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
import { NotImplemented, type Clock, type EndpointSlice, type Random, type Service } from '@kube/kit';
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
  private ruleTable: RuleTable = { filter: { chains: [], rules: [] }, nat: { chains: [], rules: [] } };

  constructor(options: ProxierOptions) {
    this.options = options;
  }

  /** The rule table of the last sync. */
  get table(): RuleTable {
    return this.ruleTable;
  }

  /** The listeners open now, ordered by address and port. */
  listeners(): ProxyListener[] {
    // TODO(27): the listeners open now (copies), ordered by address, then port.
    throw new NotImplemented('27', 'Proxier.listeners');
  }

  /**
   * Applies Services and EndpointSlices: a new rule table; listeners opened for Service ports
   * that are new and closed for those gone; established connections untouched. Resolves once
   * every listener is open (or closed). A port that cannot be listened on is skipped and reported
   * in the rejection after the others are done.
   */
  sync(services: readonly Service[], slices: readonly EndpointSlice[]): Promise<void> {
    // TODO(27): one sync after another (chain them on a promise): buildRuleTable; for each TCP Service port (servicePortsOf) a
    // TODO(27): listener on clusterIP:port and, with a nodePort, one on address:nodePort for each of nodeAddresses; keep the
    // TODO(27): listeners still wanted (with the new port details), close the others (server.close(): established connections
    // TODO(27): stay; do not wait for close's callback here), open the new ones (see Listeners and Privileged ports in the md;
    // TODO(27): listenOn is given). Remember each port's
    // TODO(27): usable endpoints (endpointsOf, usableEndpoints) for retries.
    // TODO(27): Reject, after doing the rest, naming the ports that could not be listened on; after stop(), reject.
    throw new NotImplemented('27', 'Proxier.sync');
  }

  /** Closes every listener and every connection; resolves once the OS has closed them all. */
  async stop(): Promise<void> {
    // TODO(27): wait for a sync under way, close every listener and destroy every socket (accepted and upstream), and resolve only
    // TODO(27): once all of them are closed (closeServer, closeSocket).
    throw new NotImplemented('27', 'Proxier.stop');
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
