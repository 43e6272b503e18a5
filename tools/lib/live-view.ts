/**
 * The live view: one page, served on loopback, that shows a running cluster as it converges —
 * the nodes with their pods (phase, restarts, IP, age), the Deployments with their ReplicaSets
 * during a rollout, the Services with their endpoints, and the event stream. Kubernetes Dashboard
 * and Headlamp are the models; this is the small part of them a learner watches.
 *
 * What feeds it is the learner's own list-and-watch code: kata 17's `SharedInformerFactory` from
 * `@kube/controllers`, on the given client (kata 10's HttpClient in `npm run live-view`), so a
 * watch that loses events (kata 09) or an informer that misses a relist (kata 17) shows as a page
 * that disagrees with `kubectl get`. Where kata 17 is unfinished (its code throws NotImplemented),
 * the reference's informers stand in, and the page says so.
 *
 * The browser gets the cluster by Server-Sent Events (`GET /events`): a `snapshot` when it
 * connects (and again after every reconnect), then `changes` batched per turn of the event loop.
 * The page is one HTML file with its CSS and script inline: nothing is fetched from elsewhere (no
 * CDN, no font, no tracking), and its Content-Security-Policy forbids it.
 *
 * @example
 * ```ts
 * const view = await startLiveView({ client: new HttpClient(url), clock: new RealClock() });
 * console.log(`open ${view.url}`);      // http://127.0.0.1:40123/
 * await view.stop();
 * ```
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { ApiClient } from '@kube/apiserver';
import * as mine from '@kube/controllers';
import { isNotImplemented, type Clock, type Deployment, type Endpoints, type Event, type KubeObject, type Node, type Pod, type ReplicaSet, type Service } from '@kube/kit';
import { explainPage, livePage, notFoundPage } from './live-view-page.ts';
import { ROOT } from './targets.ts';

/** What {@link startLiveView} needs. */
export interface LiveViewOptions {
  /** the apiserver to watch (the learner's HttpClient, or a LocalClient) */
  client: ApiClient;
  /** the ages on the page are measured on it */
  clock: Clock;
  /** the address to listen on; default 127.0.0.1 (loopback: the page shows the whole cluster to anyone who can reach it) */
  host?: string;
  /** the port; default 0: any free one (see the returned url) */
  port?: number;
  /**
   * A scheduling explanation for a pod, as JSON (undefined: none recorded). When given, each pod's
   * row links to `/explain/<namespace>/<name>`, which renders it as tables.
   */
  explain?: (namespace: string, name: string) => unknown | undefined;
}

/** A running live view. */
export interface LiveView {
  /** where to open it: `http://127.0.0.1:40123/` */
  url: string;
  /** whose informers feed it: the learner's (kata 17) or the reference's, while kata 17 is unfinished */
  informers(): 'yours' | 'reference';
  /** closes every page's stream, stops the informers and the server */
  stop(): Promise<void>;
}

// ---- what the page is sent: a few fields of each object --------------------------------------------

/** The kinds the page shows, by the resource the informer watches. */
export const KINDS = ['nodes', 'pods', 'deployments', 'replicasets', 'services', 'endpoints', 'events'] as const;
/** One of {@link KINDS}. */
export type Kind = (typeof KINDS)[number];

/** A pod as the page shows it. */
export interface PodRow {
  namespace: string;
  name: string;
  /** '' while unscheduled */
  node: string;
  phase: string;
  /** what kubectl's STATUS column says: the phase, or a container's reason (CrashLoopBackOff), or Terminating */
  status: string;
  /** ready containers / containers */
  ready: string;
  restarts: number;
  ip: string;
  /** epoch ms, or null */
  created: number | null;
  /** the controller that owns it: `ReplicaSet/web-5d4f8` */
  owner: string;
}

/** A node as the page shows it. */
export interface NodeRow {
  name: string;
  /** the Ready condition: True, False, Unknown ('' if none) */
  ready: string;
  unschedulable: boolean;
  /** `key=value:Effect` */
  taints: string[];
  address: string;
  podCIDR: string;
  created: number | null;
}

/** A Deployment as the page shows it. */
export interface DeploymentRow {
  namespace: string;
  name: string;
  uid: string;
  replicas: number;
  current: number;
  updated: number;
  ready: number;
  available: number;
  revision: string;
  strategy: string;
  paused: boolean;
  /** the Progressing condition's reason (NewReplicaSetAvailable, ProgressDeadlineExceeded, ...) */
  progress: string;
  created: number | null;
}

/** A ReplicaSet as the page shows it. */
export interface ReplicaSetRow {
  namespace: string;
  name: string;
  uid: string;
  /** the controlling owner's uid and name ('' when none) */
  ownerUid: string;
  ownerName: string;
  desired: number;
  current: number;
  ready: number;
  revision: string;
  created: number | null;
}

/** A Service as the page shows it. */
export interface ServiceRow {
  namespace: string;
  name: string;
  type: string;
  clusterIP: string;
  /** `80→8080/TCP`, `80:30080→8080/TCP` for a node port */
  ports: string[];
  /** `app=web`, '' for none */
  selector: string;
  created: number | null;
}

/** An Endpoints object as the page shows it. */
export interface EndpointsRow {
  namespace: string;
  name: string;
  ready: { ip: string; pod: string }[];
  notReady: { ip: string; pod: string }[];
  ports: string[];
}

/** An event as the page shows it. */
export interface EventRow {
  namespace: string;
  name: string;
  type: string;
  reason: string;
  message: string;
  /** `Pod/web-5d4f8-x2k9p` */
  object: string;
  count: number;
  source: string;
  /** when it last happened, epoch ms (null if unknown) */
  time: number | null;
}

const time = (text: string | undefined): number | null => {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
};

/** A pod's row: kubectl's STATUS is a waiting or terminated container's reason when there is one. */
export function podRow(pod: Pod): PodRow {
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = pod.spec?.containers?.length ?? statuses.length;
  const phase = pod.status?.phase ?? 'Pending';
  let status: string = pod.status?.reason ?? phase;
  for (const s of statuses) {
    const reason = s.state?.waiting?.reason ?? s.state?.terminated?.reason;
    if (reason && !(reason === 'Completed' && phase === 'Succeeded')) status = reason;
  }
  if (pod.metadata.deletionTimestamp) status = 'Terminating';
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    node: pod.spec?.nodeName ?? '',
    phase,
    status,
    ready: `${statuses.filter((s) => s.ready).length}/${containers}`,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    ip: pod.status?.podIP ?? '',
    created: time(pod.metadata.creationTimestamp),
    owner: owner ? `${owner.kind}/${owner.name}` : '',
  };
}

/** A node's row. */
export function nodeRow(node: Node): NodeRow {
  return {
    name: node.metadata.name ?? '',
    ready: node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '',
    unschedulable: node.spec?.unschedulable === true,
    taints: (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    address: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? node.status?.addresses?.[0]?.address ?? '',
    podCIDR: node.spec?.podCIDR ?? '',
    created: time(node.metadata.creationTimestamp),
  };
}

/** A Deployment's row. */
export function deploymentRow(d: Deployment): DeploymentRow {
  return {
    namespace: d.metadata.namespace ?? '',
    name: d.metadata.name ?? '',
    uid: d.metadata.uid ?? '',
    replicas: d.spec?.replicas ?? 1,
    current: d.status?.replicas ?? 0,
    updated: d.status?.updatedReplicas ?? 0,
    ready: d.status?.readyReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
    revision: d.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '',
    strategy: d.spec?.strategy?.type ?? 'RollingUpdate',
    paused: d.spec?.paused === true,
    progress: d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason ?? '',
    created: time(d.metadata.creationTimestamp),
  };
}

/** A ReplicaSet's row. */
export function replicaSetRow(rs: ReplicaSet): ReplicaSetRow {
  const owner = rs.metadata.ownerReferences?.find((o) => o.controller);
  return {
    namespace: rs.metadata.namespace ?? '',
    name: rs.metadata.name ?? '',
    uid: rs.metadata.uid ?? '',
    ownerUid: owner?.uid ?? '',
    ownerName: owner?.name ?? '',
    desired: rs.spec?.replicas ?? 1,
    current: rs.status?.replicas ?? 0,
    ready: rs.status?.readyReplicas ?? 0,
    revision: rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '',
    created: time(rs.metadata.creationTimestamp),
  };
}

/** A Service's row. */
export function serviceRow(s: Service): ServiceRow {
  return {
    namespace: s.metadata.namespace ?? '',
    name: s.metadata.name ?? '',
    type: s.spec?.type ?? 'ClusterIP',
    clusterIP: s.spec?.clusterIP ?? '',
    ports: (s.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}→${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`),
    selector: Object.entries(s.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    created: time(s.metadata.creationTimestamp),
  };
}

/** An Endpoints object's row: every subset's addresses, ready and not. */
export function endpointsRow(e: Endpoints): EndpointsRow {
  const address = (a: { ip: string; targetRef?: { name?: string } }) => ({ ip: a.ip, pod: a.targetRef?.name ?? '' });
  const subsets = e.subsets ?? [];
  return {
    namespace: e.metadata.namespace ?? '',
    name: e.metadata.name ?? '',
    ready: subsets.flatMap((s) => (s.addresses ?? []).map(address)),
    notReady: subsets.flatMap((s) => (s.notReadyAddresses ?? []).map(address)),
    ports: [...new Set(subsets.flatMap((s) => (s.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`)))],
  };
}

/** An event's row. */
export function eventRow(e: Event): EventRow {
  return {
    namespace: e.metadata.namespace ?? '',
    name: e.metadata.name ?? '',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
    count: e.count ?? 1,
    source: e.source?.component ?? e.reportingComponent ?? '',
    time: time(e.lastTimestamp) ?? time(e.eventTime) ?? time(e.firstTimestamp) ?? time(e.metadata.creationTimestamp),
  };
}

const ROWS: Record<Kind, (object: never) => unknown> = {
  nodes: nodeRow,
  pods: podRow,
  deployments: deploymentRow,
  replicasets: replicaSetRow,
  services: serviceRow,
  endpoints: endpointsRow,
  events: eventRow,
};

/** The newest events kept for a page that connects (the informer holds them all; a page needs the last ones). */
export const EVENTS_SHOWN = 200;

/** One change the page applies: an object's new row, or its removal (`row` null). */
export interface Change {
  kind: Kind;
  key: string;
  row: unknown;
}

// ---- the informers: the learner's, or the reference's while kata 17 is unfinished -----------------

type ControllersLib = typeof mine;
type Factory = InstanceType<ControllersLib['SharedInformerFactory']>;

/** The reference's controllers, for an unfinished kata 17; undefined in an edition without solutions. */
async function referenceLib(): Promise<ControllersLib | undefined> {
  const file = join(ROOT, 'solutions', 'controllers', 'index.ts');
  if (!existsSync(file)) return undefined;
  return (await import(file)) as ControllersLib;
}

// ---- the server -------------------------------------------------------------------------------------

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Starts the live view: informers on `client`, and a page on `host:port`. Resolves once it listens. */
export async function startLiveView(options: LiveViewOptions): Promise<LiveView> {
  const { client, clock, explain } = options;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`live view: port ${String(port)} is not a port: give a whole number from 0 (any free one) to 65535.`);

  // What the page shows: each kind's rows by key, and what the informers said went wrong.
  const rows = new Map<Kind, Map<string, unknown>>(KINDS.map((k) => [k, new Map()]));
  const synced = new Set<Kind>();
  const problems = new Map<string, string>();
  let source: 'yours' | 'reference' = 'yours';
  let note = '';

  // The pages connected, and the changes not yet sent to them (sent once per turn of the event loop).
  const streams = new Set<ServerResponse>();
  let pending: Change[] = [];
  let statusDirty = false;
  let flushing = false;
  const send = (response: ServerResponse, event: string, data: unknown) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const status = () => ({ now: clock.now(), synced: [...synced], problems: Object.fromEntries(problems), informers: source, note });
  const flush = () => {
    flushing = false;
    if (pending.length === 0 && !statusDirty) return;
    const message = { ...status(), changes: pending };
    pending = [];
    statusDirty = false;
    for (const stream of streams) send(stream, 'changes', message);
  };
  const schedule = () => {
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  };
  const changed = (change: Change) => {
    pending.push(change);
    schedule();
  };
  /** Which informers have synced, or what went wrong, changed: the pages hear it with the next batch. */
  const statusChanged = () => {
    statusDirty = true;
    schedule();
  };

  const snapshot = () => {
    const kinds: Record<string, [string, unknown][]> = {};
    for (const kind of KINDS) {
      let entries = [...rows.get(kind)!];
      if (kind === 'events') entries = entries.sort((a, b) => ((a[1] as EventRow).time ?? 0) - ((b[1] as EventRow).time ?? 0)).slice(-EVENTS_SHOWN);
      kinds[kind] = entries;
    }
    return { ...status(), explain: explain !== undefined, kinds };
  };

  let factory: Factory | undefined;
  let stopped = false;

  /**
   * The given client, told when a list succeeds: a failed list or watch is shown on the page until
   * the informer's next list works (its relist after the failure). Everything else is the client's.
   */
  const observed: ApiClient = Object.assign(Object.create(client) as ApiClient, {
    resource: <T extends KubeObject>(resource: string, namespace?: string) => {
      const real = client.resource<T>(resource, namespace);
      return Object.assign(Object.create(real) as typeof real, {
        list: async (listOptions?: Parameters<typeof real.list>[0]) => {
          const result = await real.list(listOptions);
          if (problems.delete(resource)) statusChanged();
          return result;
        },
      });
    },
  });

  /** Builds the informers of `lib`; false if one of its members is unfinished (NotImplemented). */
  const watchWith = (lib: ControllersLib): boolean => {
    const made = new lib.SharedInformerFactory({
      client: observed,
      clock,
      onError: (resource, error) => {
        const cause = (error as { cause?: { message?: string; code?: string } })?.cause;
        const because = cause?.code ?? cause?.message;
        problems.set(resource, `${(error as Error)?.message ?? String(error)}${because ? ` (${because})` : ''}`);
        statusChanged();
      },
    });
    factory = made;
    try {
      for (const kind of KINDS) {
        const informer = made.informerFor<KubeObject>(kind);
        const row = ROWS[kind] as (o: KubeObject) => unknown;
        const keyOf = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? ''));
        const upsert = (o: KubeObject) => {
          if (made !== factory) return;
          const key = keyOf(o);
          const value = row(o);
          rows.get(kind)!.set(key, value);
          changed({ kind, key, row: value });
        };
        informer.addEventHandler({
          onAdd: upsert,
          onUpdate: (_old, o) => upsert(o),
          onDelete: (o) => {
            if (made !== factory) return;
            const key = o instanceof lib.DeletedFinalStateUnknown ? o.key : keyOf(o as KubeObject);
            rows.get(kind)!.delete(key);
            changed({ kind, key, row: null });
          },
        });
        void informer.whenSynced().then(() => {
          if (made !== factory) return;
          synced.add(kind);
          problems.delete(kind);
          statusChanged();
        });
      }
      made.start((resource, error) => {
        if (made !== factory || stopped) return;
        if (isNotImplemented(error)) void useReference(error);
        else {
          problems.set(resource, `the informer stopped: ${(error as Error)?.message ?? String(error)}`);
          statusChanged();
        }
      });
      return true;
    } catch (error) {
      if (!isNotImplemented(error)) throw error;
      void made.shutdown();
      switching = useReference(error);
      return false;
    }
  };
  let switching: Promise<void> | undefined;

  /** Kata 17 is unfinished: the reference's informers feed the page, and the page says so. */
  let switched = false;
  const useReference = async (why: unknown) => {
    if (switched || stopped) return;
    switched = true;
    const old = factory;
    factory = undefined;
    if (old) void old.shutdown().catch(() => {});
    const missing = (why as { what?: string }).what;
    const unfinished = `kata 17 (informers) is not finished${missing ? ` (${missing} is not implemented yet)` : ''}`;
    const reference = await referenceLib();
    for (const table of rows.values()) table.clear();
    synced.clear();
    if (!reference || stopped) {
      note = `${unfinished}, and this edition has no reference solution to stand in: the page stays empty until it is.`;
      broadcastSnapshot();
      return;
    }
    source = 'reference';
    note = `${unfinished}: the reference's informers feed this page until it is.`;
    watchWith(reference);
    broadcastSnapshot();
  };
  const broadcastSnapshot = () => {
    pending = [];
    statusDirty = false;
    const message = snapshot();
    for (const stream of streams) send(stream, 'snapshot', message);
  };

  // ---- HTTP -----------------------------------------------------------------------------------------

  const page = livePage();
  const sockets = new Set<Socket>();
  let address = '';

  const hostAllowed = (request: IncomingMessage): boolean => {
    // A page elsewhere must not read the cluster by pointing a name of its own at 127.0.0.1 (DNS
    // rebinding): on loopback, only loopback names are answered.
    if (!LOOPBACK.test(host)) return true;
    const name = (request.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    return LOOPBACK.test(name);
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://live-view');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cache-Control', 'no-store');
    if (!hostAllowed(request)) {
      response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`the live view answers only to loopback names (127.0.0.1, localhost), not to Host: ${request.headers.host ?? '(none)'}\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end(`${request.method} is not served: the live view only shows (GET).\n`);
      return;
    }
    const html = (status: number, body: { html: string; csp: string }) => {
      response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': body.csp }).end(request.method === 'HEAD' ? undefined : body.html);
    };
    if (url.pathname === '/') return html(200, page);
    if (url.pathname === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    }
    if (url.pathname === '/events') {
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      response.write('retry: 1000\n\n');
      send(response, 'snapshot', snapshot());
      streams.add(response);
      response.on('close', () => streams.delete(response));
      return;
    }
    const explained = /^\/explain\/([^/]+)\/([^/]+?)(\.json)?$/.exec(url.pathname);
    if (explained) {
      const [namespace, name] = [decodeURIComponent(explained[1]!), decodeURIComponent(explained[2]!)];
      const explanation = explain?.(namespace, name);
      if (explained[3]) {
        if (explanation === undefined) response.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `no explanation for pod ${namespace}/${name}` }));
        else response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(explanation));
        return;
      }
      const why = !explain
        ? 'this live view was started without explanations (the scheduler records them when asked).'
        : explanation === undefined
          ? `no scheduling explanation is recorded for pod ${namespace}/${name} (not scheduled yet, or scheduled before the recording began).`
          : undefined;
      return html(why ? 404 : 200, explainPage(`${namespace}/${name}`, explanation, why));
    }
    html(404, notFoundPage(url.pathname));
  };

  const server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`the live view failed: ${(error as Error).message}\n`);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'EADDRINUSE' ? `live view: ${host}:${port} is in use: give another --port, or 0 for any free one.` : `live view: cannot listen on ${host}:${port}: ${error.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  address = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}/`;

  // A comment every 15 s keeps proxies and phones from closing a quiet stream, and moves the ages on.
  const heartbeat = clock.setInterval(() => {
    for (const stream of streams) send(stream, 'tick', { now: clock.now() });
  }, 15_000);

  // The learner's informers first; the reference's if those are unfinished.
  watchWith(mine);
  await switching;

  return {
    url: address,
    informers: () => source,
    async stop() {
      if (stopped) return;
      stopped = true;
      clock.clearTimeout(heartbeat);
      for (const stream of streams) stream.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      const current = factory;
      factory = undefined;
      await current?.shutdown().catch(() => {});
    },
  };
}
