/**
 * `pods/log`, `pods/exec`, `pods/attach` and `pods/portforward`: the subresources the apiserver does not answer itself but asks
 * the pod's kubelet for (upstream: `pkg/registry/core/pod/rest/log.go` and `subresources.go`,
 * `pkg/registry/core/pod/strategy.go` LogLocation / ExecLocation, the kubelet's address from the
 * Node: its InternalIP and `status.daemonEndpoints.kubeletEndpoint.Port`). Given code, used by
 * the HTTP server of kata 10 (two small hooks in http-server.ts).
 *
 * - `GET /api/v1/namespaces/<ns>/pods/<name>/log?container&follow&tailLines&previous&timestamps&sinceSeconds&sinceTime&limitBytes`:
 *   checked here (the pod, its node, the container: upstream's messages), then the kubelet's
 *   `/containerLogs/<ns>/<name>/<container>` streamed back as it comes (`kubectl logs -f`);
 *   a kubelet's 400 becomes a BadRequest Status with its words.
 * - `GET .../pods/<name>/exec?command=...` with a WebSocket upgrade (kubectl 1.30+ tries that
 *   first): the upgrade request is passed on to the kubelet's `/exec/<ns>/<name>/<container>`
 *   and the two connections are joined byte for byte, as upstream's UpgradeAwareHandler does: the
 *   WebSocket protocol (`v5.channel.k8s.io`) is spoken between kubectl and the kubelet. SPDY
 *   (kubectl's fallback) is not served for exec; port-forward is SPDY only.
 *
 * - `GET .../pods/<name>/attach?stdin&stdout&stderr&tty` with a WebSocket upgrade (`kubectl
 *   attach`, `kubectl run -i`): the same, to the kubelet's `/attach/<ns>/<name>/<container>`.
 *
 * All are authorized as upstream does: `get pods/log`, `create pods/exec`, `create pods/attach`,
 * `create pods/portforward`.
 *
 * And the two proxies that do not go through a kubelet (upstream: `pkg/registry/core/pod/strategy.go`
 * ResourceLocation, `pkg/registry/core/service/storage/storage.go` ResourceLocation, served by
 * apimachinery's UpgradeAwareHandler), what `kubectl proxy` and `kubectl get --raw` use:
 *
 * - `.../pods/<[scheme:]name[:port]>/proxy/<path>`: the request, any method, body and query, sent
 *   on to `<path>` at the pod's IP and the port given (else its first container port); authorized
 *   as the method's verb on `pods/proxy` (`get` for GET).
 * - `.../services/<[scheme:]name[:port]>/proxy/<path>`: the same, to one of the ready addresses of
 *   the Service's Endpoints whose port has the name given (a number names the Service port with
 *   that number; none is the unnamed port): `503 no endpoints available for service "web"` when
 *   there is none. Upstream picks the address at random; here each request takes the next one.
 * - `/api/v1/nodes/<[scheme:]name[:port]>/proxy/<path>`: the same, to the node's kubelet (its
 *   InternalIP and kubelet port, or the port given), authorized on `nodes/proxy`: `kubectl get
 *   --raw /api/v1/nodes/node-1/proxy/stats/summary` (the Summary API), `.../proxy/pods`, `.../proxy/healthz`.
 *
 * A backend that cannot be reached is `503 error trying to reach service: dial tcp …`, and a pod
 * without an IP `400 address not allowed`, in upstream's words. Simplified: upstream refuses to
 * proxy to loopback addresses (`address not allowed`), which every pod here has; it rewrites the
 * links in a proxied HTML page to go through the proxy, which this does not.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, isIP, type Socket } from 'node:net';
import type { Endpoints, Node, Pod, Service } from '@kube/kit';
import type { Authenticator, Authorizer, RequestAttributes } from './auth-api.ts';
import { ANONYMOUS } from './authentication.ts';
import type { Registry } from './registry.ts';
import { forbiddenFor } from './rbac.ts';
import { badRequest, statusOf, StatusError } from './status.ts';

/** What the proxy needs from the server's options. */
export interface NodeProxyOptions {
  registry: Registry;
  authenticator?: Authenticator;
  authorizer?: Authorizer;
}

const SUBRESOURCE = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(log|exec|attach|portforward)$/;
/** `.../pods|services/<id>/proxy[/<path>]`: the resource, the id (`[scheme:]name[:port]`), the path on the backend. */
const PROXY = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|services)\/([^/]+)\/proxy(\/.*)?$/;
/** `/api/v1/nodes/<id>/proxy[/<path>]`: the id and the path on a node's kubelet. */
const NODE_PROXY = /^\/api\/v1\/nodes\/([^/]+)\/proxy(\/.*)?$/;

/** What a proxy path names: the namespace (none for a node), the resource, the id, the path on the backend. */
interface ProxyTarget {
  namespace: string;
  resource: 'pods' | 'services' | 'nodes';
  id: string;
  path: string;
}

function proxyTarget(pathname: string): ProxyTarget | undefined {
  const namespaced = PROXY.exec(pathname);
  if (namespaced) return { namespace: namespaced[1]!, resource: namespaced[2] as 'pods' | 'services', id: namespaced[3]!, path: namespaced[4] ?? '/' };
  const node = NODE_PROXY.exec(pathname);
  if (node) return { namespace: '', resource: 'nodes', id: node[1]!, path: node[2] ?? '/' };
  return undefined;
}
/** The verb a request's method is authorized as (apiserver's RequestInfoFactory). */
const VERBS: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** Answers pods/log, pods/exec, pods/attach and pods/portforward by asking the pod's kubelet. */
export class NodeProxy {
  /** How many requests each Service's proxy has sent on: the next one goes to the next address. */
  private readonly turns = new Map<string, number>();

  constructor(private readonly options: NodeProxyOptions) {}

  /** Is this a request for pods/log, pods/exec, pods/attach, pods/portforward, or pods or services/proxy? */
  static matches(url: string | undefined): boolean {
    try {
      const path = new URL(url ?? '/', 'http://apiserver').pathname;
      return SUBRESOURCE.test(path) || PROXY.test(path) || NODE_PROXY.test(path);
    } catch {
      return false; // not a URL at all: the server's own answer says so
    }
  }

  /**
   * Answers a plain request for pods/log (or pods/exec or pods/attach without an upgrade: a 400 that says why).
   * Resolves false when the request is not one of them (the server answers it as usual).
   */
  async serve(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (!NodeProxy.matches(request.url)) return false;
    const proxy = proxyTarget(new URL(request.url ?? '/', 'http://apiserver').pathname);
    if (proxy) {
      await this.proxy(request, response, proxy);
      return true;
    }
    try {
      const target = this.target(request)!;
      const { url, subresource } = target;
      if (subresource === 'exec' || subresource === 'attach') throw badRequest(`Upgrade request required: pods/${subresource} is served over a WebSocket (v5.channel.k8s.io); SPDY is not supported`);
      if (subresource === 'portforward') throw badRequest('Upgrade request required: pods/portforward is served over SPDY/3.1 (portforward.k8s.io)');
      const { kubelet, container } = await this.locate(request, target.namespace, target.name, url, 'get', 'log');
      const query = new URLSearchParams();
      for (const key of ['follow', 'tailLines', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'limitBytes']) {
        const value = url.searchParams.get(key);
        if (value !== null) query.set(key, value);
      }
      const path = `/containerLogs/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.name)}/${encodeURIComponent(container)}?${query}`;
      await new Promise<void>((resolve, reject) => {
        const upstream = httpRequest({ host: kubelet.host, port: kubelet.port, path, method: 'GET' }, (answer) => {
          if (answer.statusCode !== 200) {
            const chunks: Buffer[] = [];
            answer.on('data', (c: Buffer) => chunks.push(c));
            answer.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              reject(answer.statusCode === 400 ? badRequest(text) : new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: text, reason: answer.statusCode === 404 ? 'NotFound' : 'InternalError', code: answer.statusCode ?? 500 }));
            });
            return;
          }
          response.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
          answer.pipe(response);
          answer.on('end', resolve);
          answer.on('error', reject);
        });
        upstream.on('error', (error) => reject(new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Get "http://${kubelet.host}:${kubelet.port}${path}": ${error.message}`, reason: 'InternalError', code: 500 })));
        // The client went away (kubectl logs -f interrupted): stop asking the kubelet.
        response.on('close', () => upstream.destroy());
        upstream.end();
      });
    } catch (error) {
      const status = statusOf(error);
      if (!response.headersSent) {
        response.writeHead(status.code ?? 500, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(status));
      } else response.destroy();
    }
    return true;
  }

  /**
   * An upgrade request: pods/exec and pods/attach are joined to the kubelet's `/exec` and
   * `/attach`, pods/portforward (SPDY/3.1, `kubectl port-forward`) to its `/portForward`;
   * anything else gets its refusal written on the socket.
   */
  async upgrade(request: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const refuse = (error: unknown): void => {
      const status = statusOf(error);
      const body = JSON.stringify(status);
      socket.end(`HTTP/1.1 ${status.code ?? 500} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      const target = this.target(request);
      if (!target || target.subresource === 'log') throw badRequest(`no upgrade is served at ${request.url}: only pods/<name>/exec, pods/<name>/attach and pods/<name>/portforward`);
      let path: string;
      let kubelet: { host: string; port: number };
      if (target.subresource === 'portforward') {
        // The ports travel in the streams' headers (SPDY); the kubelet answers for the pod as a whole.
        ({ kubelet } = await this.locate(request, target.namespace, target.name, target.url, 'create', 'portforward', false));
        path = `/portForward/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.name)}`;
      } else {
        let container: string;
        ({ kubelet, container } = await this.locate(request, target.namespace, target.name, target.url, 'create', target.subresource));
        const query = new URLSearchParams();
        const keys = target.subresource === 'exec' ? ['command', 'stdin', 'stdout', 'stderr', 'tty'] : ['stdin', 'stdout', 'stderr', 'tty'];
        for (const key of keys) for (const value of target.url.searchParams.getAll(key)) query.append(key, value);
        path = `/${target.subresource}/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.name)}/${encodeURIComponent(container)}?${query}`;
      }
      const upstream = connect(kubelet.port, kubelet.host);
      let joined = false;
      upstream.once('error', (error) => {
        if (!socket.destroyed && !joined) refuse(new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `error dialing the kubelet at ${kubelet.host}:${kubelet.port}: ${error.message}`, reason: 'InternalError', code: 500 }));
      });
      upstream.on('connect', () => {
        joined = true;
        // The same upgrade request, to the kubelet's path, without the user's credentials.
        const lines = [`${request.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${kubelet.host}:${kubelet.port}`];
        for (const [name, value] of Object.entries(request.headers)) {
          if (['host', 'authorization'].includes(name) || value === undefined) continue;
          for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
        }
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length > 0) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
        // Joined: either side's end or failure (a client that resets) ends the other; none goes unhandled.
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
      });
    } catch (error) {
      refuse(error);
    }
  }

  /** pods/proxy, services/proxy and nodes/proxy: find the backend, then send the request on and its answer back. */
  private async proxy(request: IncomingMessage, response: ServerResponse, target: ProxyTarget): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://apiserver');
    const fail = (error: unknown): void => {
      const status = statusOf(error);
      if (response.headersSent) return void response.destroy();
      response.writeHead(status.code ?? 500, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(status));
    };
    let backend: { scheme: string; host: string; port: number };
    try {
      const namespace = decodePart(target.namespace, url);
      const resource = target.resource;
      const id = decodePart(target.id, url);
      const user = this.options.authenticator?.authenticate(request.headers['authorization']) ?? ANONYMOUS;
      const verb = VERBS[request.method ?? 'GET'] ?? (request.method ?? '').toLowerCase();
      const { scheme, name, port } = splitSchemeNamePort(id, resource === 'pods' ? 'pod' : resource === 'services' ? 'service' : 'node');
      const attributes: RequestAttributes = { user, verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: 'proxy', namespace, name, path: url.pathname };
      const decision = this.options.authorizer?.authorize(attributes);
      if (decision && !decision.allowed) throw forbiddenFor(attributes, decision.reason);
      if (resource === 'nodes') backend = await this.nodeLocation(name, scheme, port);
      else backend = resource === 'pods' ? await this.podLocation(namespace, name, scheme, port) : await this.serviceLocation(namespace, name, scheme, port);
    } catch (error) {
      return fail(error);
    }
    const path = `${target.path}${url.search}`;
    await new Promise<void>((resolve) => {
      const headers = { ...request.headers, host: `${backend.host}:${backend.port}` };
      // The user's credentials are for the apiserver, not for whatever answers behind it.
      delete headers.authorization;
      const send = backend.scheme === 'https' ? httpsRequest : httpRequest;
      const upstream = send({ host: backend.host, port: backend.port, path, method: request.method, headers, rejectUnauthorized: false }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.on('end', resolve);
        answer.on('error', () => (response.destroy(), resolve()));
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'ECONNREFUSED' ? 'connect: connection refused' : error.message;
        fail(serviceUnavailable(`error trying to reach service: dial tcp ${backend.host}:${backend.port}: ${why}`));
        resolve();
      });
      // The client went away: stop asking, and stop waiting for an answer it will not read.
      response.on('close', () => (upstream.destroy(), resolve()));
      request.pipe(upstream);
    });
  }

  /** Where pods/proxy sends a request: the pod's IP, at the port given or its first container port. */
  private async podLocation(namespace: string, name: string, scheme: string, port: string): Promise<{ scheme: string; host: string; port: number }> {
    const pod = await this.options.registry.get<Pod>('pods', namespace, name);
    const first = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? [])[0]?.containerPort;
    const host = pod.status?.podIP ?? '';
    if (isIP(host) === 0) throw badRequest('address not allowed');
    const number = port === '' ? (first ?? (scheme === 'https' ? 443 : 80)) : Number(port);
    if (!Number.isInteger(number) || number < 1 || number > 65535) throw badRequest(`invalid pod request "${name}:${port}"`);
    return { scheme: scheme || 'http', host, port: number };
  }

  /**
   * Where nodes/proxy sends a request (upstream's node ResourceLocation): the node's InternalIP, at
   * the port given or its kubelet's (`status.daemonEndpoints.kubeletEndpoint.Port`). The kubelet
   * here serves plain HTTP, where upstream's serves HTTPS.
   */
  private async nodeLocation(name: string, scheme: string, port: string): Promise<{ scheme: string; host: string; port: number }> {
    const node = await this.options.registry.get<Node>('nodes', undefined, name);
    const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? node.status?.addresses?.[0]?.address ?? '';
    if (isIP(host) === 0) throw badRequest(`node ${name} has no address yet (status.addresses): is its kubelet running?`);
    const number = port === '' ? node.status?.daemonEndpoints?.kubeletEndpoint?.Port : Number(port);
    if (number === undefined || !Number.isInteger(number) || number < 1 || number > 65535) throw badRequest(`invalid node request "${name}:${port}"`);
    return { scheme: scheme || 'http', host, port: number };
  }

  /** Where services/proxy sends a request: the next ready address of the Endpoints' port with that name. */
  private async serviceLocation(namespace: string, name: string, scheme: string, port: string): Promise<{ scheme: string; host: string; port: number }> {
    let portName = port;
    if (/^\d+$/.test(port)) {
      const service = await this.options.registry.get<Service>('services', namespace, name);
      const declared = (service.spec?.ports ?? []).find((p) => p.port === Number(port));
      if (!declared) throw serviceUnavailable(`no service port ${port} found for service "${name}"`);
      portName = declared.name ?? '';
    }
    const endpoints = await this.options.registry.get<Endpoints>('endpoints', namespace, name);
    const candidates = (endpoints.subsets ?? []).flatMap((subset) => {
      const at = (subset.ports ?? []).find((p) => (p.name ?? '') === portName);
      return at ? (subset.addresses ?? []).map((address) => ({ host: address.ip, port: at.port })) : [];
    });
    if (candidates.length === 0) throw serviceUnavailable(`no endpoints available for service "${name}"`);
    const key = `${namespace}/${name}`;
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    return { scheme: scheme || 'http', ...candidates[turn % candidates.length]! };
  }

  private target(request: IncomingMessage): { namespace: string; name: string; subresource: 'log' | 'exec' | 'attach' | 'portforward'; url: URL } | undefined {
    const url = new URL(request.url ?? '/', 'http://apiserver');
    const match = SUBRESOURCE.exec(url.pathname);
    if (!match) return undefined;
    const decode = (part: string): string => {
      try {
        return decodeURIComponent(part);
      } catch {
        throw badRequest(`the path ${JSON.stringify(url.pathname)} has a malformed %-escape`);
      }
    };
    return { namespace: decode(match[1]!), name: decode(match[2]!), subresource: match[3] as 'log' | 'exec' | 'attach' | 'portforward', url };
  }

  /**
   * Authenticates and authorizes the request, then finds where to ask: the pod, its container
   * (the one given, or the only one), its node, and the node's kubelet address.
   */
  private async locate(request: IncomingMessage, namespace: string, name: string, url: URL, verb: string, subresource: string, needsContainer = true): Promise<{ kubelet: { host: string; port: number }; container: string }> {
    const user = this.options.authenticator?.authenticate(request.headers['authorization']) ?? ANONYMOUS;
    const attributes: RequestAttributes = { user, verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource, namespace, name, path: url.pathname };
    const decision = this.options.authorizer?.authorize(attributes);
    if (decision && !decision.allowed) throw forbiddenFor(attributes, decision.reason);
    const pod = await this.options.registry.get<Pod>('pods', namespace, name);
    const containers = pod.spec?.containers ?? [];
    const inits = pod.spec?.initContainers ?? [];
    let container = url.searchParams.get('container') ?? '';
    if (!needsContainer) container = '';
    else if (!container) {
      if (containers.length !== 1) {
        const names = containers.map((c) => c.name).join(' ');
        const initNames = inits.length ? ` or one of the init containers: [${inits.map((c) => c.name).join(' ')}]` : '';
        throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names}]${initNames}`);
      }
      container = containers[0]!.name;
    } else if (![...containers, ...inits, ...(pod.spec?.ephemeralContainers ?? [])].some((c) => c.name === container)) {
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    const node = await this.options.registry.get<Node>('nodes', undefined, nodeName);
    const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? node.status?.addresses?.[0]?.address;
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!host || !port) throw badRequest(`node ${nodeName} has no kubelet address yet (status.addresses and status.daemonEndpoints.kubeletEndpoint.Port): is its kubelet running?`);
    return { kubelet: { host, port }, container };
  }
}

/** A path segment %-decoded: a malformed escape is the client's mistake (400). */
function decodePart(part: string, url: URL): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badRequest(`the path ${JSON.stringify(url.pathname)} has a malformed %-escape`);
  }
}

/**
 * A proxy id (`name`, `name:port`, `scheme:name:port`: apimachinery's SplitSchemeNamePort), or a
 * BadRequest `invalid pod request "…"` / `invalid service request "…"`.
 */
function splitSchemeNamePort(id: string, kind: 'pod' | 'service' | 'node'): { scheme: string; name: string; port: string } {
  const parts = id.split(':');
  const [scheme, name, port] = parts.length === 3 ? parts : parts.length === 2 ? ['', parts[0]!, parts[1]!] : parts.length === 1 ? ['', parts[0]!, ''] : [];
  if (name === undefined || name === '' || !['', 'http', 'https'].includes(scheme!)) throw badRequest(`invalid ${kind} request "${id}"`);
  return { scheme: scheme!, name, port: port! };
}

/** A 503 ServiceUnavailable Status. */
function serviceUnavailable(message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'ServiceUnavailable', code: 503 });
}
