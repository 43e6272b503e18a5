/**
 * `pods/log`, `pods/exec` and `pods/portforward`: the subresources the apiserver does not answer itself but asks
 * the pod's kubelet for (upstream: `pkg/registry/core/pod/rest/log.go` and `subresources.go`,
 * `pkg/registry/core/pod/strategy.go` LogLocation / ExecLocation, the kubelet's address from the
 * Node: its InternalIP and `status.daemonEndpoints.kubeletEndpoint.Port`). Given code, used by
 * the HTTP server of kata 10 (two small hooks in http-server.ts).
 *
 * - `GET /api/v1/namespaces/<ns>/pods/<name>/log?container&follow&tailLines&previous&timestamps`:
 *   checked here (the pod, its node, the container: upstream's messages), then the kubelet's
 *   `/containerLogs/<ns>/<name>/<container>` streamed back as it comes (`kubectl logs -f`);
 *   a kubelet's 400 becomes a BadRequest Status with its words.
 * - `GET .../pods/<name>/exec?command=...` with a WebSocket upgrade (kubectl 1.30+ tries that
 *   first): the upgrade request is passed on to the kubelet's `/exec/<ns>/<name>/<container>`
 *   and the two connections are joined byte for byte, as upstream's UpgradeAwareHandler does: the
 *   WebSocket protocol (`v5.channel.k8s.io`) is spoken between kubectl and the kubelet. SPDY
 *   (kubectl's fallback) is not served for exec; port-forward is SPDY only.
 *
 * All are authorized as upstream does: `get pods/log`, `create pods/exec`, `create pods/portforward`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Node, Pod } from '@kube/kit';
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

const SUBRESOURCE = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(log|exec|portforward)$/;

/** Answers pods/log and pods/exec by asking the pod's kubelet. */
export class NodeProxy {
  constructor(private readonly options: NodeProxyOptions) {}

  /** Is this a request for pods/log or pods/exec? */
  static matches(url: string | undefined): boolean {
    try {
      return SUBRESOURCE.test(new URL(url ?? '/', 'http://apiserver').pathname);
    } catch {
      return false; // not a URL at all: the server's own answer says so
    }
  }

  /**
   * Answers a plain request for pods/log (or pods/exec without an upgrade: a 400 that says why).
   * Resolves false when the request is not one of them (the server answers it as usual).
   */
  async serve(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (!NodeProxy.matches(request.url)) return false;
    try {
      const target = this.target(request)!;
      const { url, subresource } = target;
      if (subresource === 'exec') throw badRequest('Upgrade request required: pods/exec is served over a WebSocket (v5.channel.k8s.io); SPDY is not supported');
      if (subresource === 'portforward') throw badRequest('Upgrade request required: pods/portforward is served over SPDY/3.1 (portforward.k8s.io)');
      const { kubelet, container } = await this.locate(request, target.namespace, target.name, url, 'get', 'log');
      const query = new URLSearchParams();
      for (const key of ['follow', 'tailLines', 'previous', 'timestamps']) {
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
   * An upgrade request: pods/exec is joined to the kubelet's `/exec`, pods/portforward (SPDY/3.1,
   * `kubectl port-forward`) to its `/portForward`; anything else gets its
   * refusal written on the socket.
   */
  async upgrade(request: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const refuse = (error: unknown): void => {
      const status = statusOf(error);
      const body = JSON.stringify(status);
      socket.end(`HTTP/1.1 ${status.code ?? 500} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      const target = this.target(request);
      if (!target || target.subresource === 'log') throw badRequest(`no upgrade is served at ${request.url}: only pods/<name>/exec and pods/<name>/portforward`);
      let path: string;
      let kubelet: { host: string; port: number };
      if (target.subresource === 'portforward') {
        // The ports travel in the streams' headers (SPDY); the kubelet answers for the pod as a whole.
        ({ kubelet } = await this.locate(request, target.namespace, target.name, target.url, 'create', 'portforward', false));
        path = `/portForward/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.name)}`;
      } else {
        let container: string;
        ({ kubelet, container } = await this.locate(request, target.namespace, target.name, target.url, 'create', 'exec'));
        const query = new URLSearchParams();
        for (const key of ['command', 'stdin', 'stdout', 'stderr', 'tty']) for (const value of target.url.searchParams.getAll(key)) query.append(key, value);
        path = `/exec/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.name)}/${encodeURIComponent(container)}?${query}`;
      }
      const upstream = connect(kubelet.port, kubelet.host);
      upstream.on('error', (error) => {
        if (!socket.destroyed) refuse(new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `error dialing the kubelet at ${kubelet.host}:${kubelet.port}: ${error.message}`, reason: 'InternalError', code: 500 }));
      });
      upstream.on('connect', () => {
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
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
      });
    } catch (error) {
      refuse(error);
    }
  }

  private target(request: IncomingMessage): { namespace: string; name: string; subresource: 'log' | 'exec' | 'portforward'; url: URL } | undefined {
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
    return { namespace: decode(match[1]!), name: decode(match[2]!), subresource: match[3] as 'log' | 'exec' | 'portforward', url };
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
    } else if (![...containers, ...inits].some((c) => c.name === container)) {
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
