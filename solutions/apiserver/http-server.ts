/**
 * The apiserver on the network: a real node:http server in front of {@link ApiHandler}. It reads
 * bodies (up to a limit: 413 beyond it), hands each request to the handler, and writes the answer
 * in the form the client asked for: JSON, YAML, or the Table `kubectl get` prints; a watch as a
 * stream of JSON lines, one event per line, until the client leaves, the watch's timeout, or
 * the server stops.
 *
 * Given code: kata 10 uses it as it is. It listens on 127.0.0.1 unless told otherwise: an
 * apiserver without authentication must not be reachable from other machines.
 *
 * @example
 * ```ts
 * const server = new ApiServer({ registry, clock: systemClock });
 * const { url } = await server.start();          // 'http://127.0.0.1:41237'
 * // kubectl --server=<url> get pods
 * await server.stop();
 * ```
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { NotImplemented, type Clock, type KubeObject, type Random, type Status } from '@kube/kit';
import { ApiHandler, type ApiHandlerOptions, type ApiRequest, type ApiResponse } from './api-handler.ts';
import { COMPONENT_STATUS_DEPRECATION, componentStatuses, withComponentStatuses } from './component-statuses.ts';
import { withComputedResources } from './computed-resources.ts';
import { API_SERVICES, computedApiServices } from './api-services.ts';
import { warningHeader, warningsOf } from './field-validation.ts';
import { authorizedUser, Impersonation } from './impersonation.ts';
import { ServiceAccountTokens } from './service-account-tokens.ts';
import { PodEphemeralContainers } from './ephemeral-containers.ts';
import { PodEvictions } from './eviction.ts';
import { CertificateApprovals } from './certificates.ts';
import { SubjectReviews } from './reviews.ts';
import { certificateUser, ClientCertificates } from './client-certificates.ts';
import { ApiserverMetrics, requestLabels } from './metrics.ts';
import { encodeProtobuf, notAcceptable, PROTOBUF_MEDIA_TYPE } from './protobuf.ts';
import type { Registry } from './registry.ts';
import { qualifiedResource, RESOURCES } from './resources.ts';
import { answerInOtherVersion } from './served-versions.ts';
import { badRequest, internalError, requestEntityTooLarge, statusOf, StatusError } from './status.ts';
import { toTable, wantsTable } from './table.ts';
import { unsupportedCustomPatch } from './custom-resources.ts';
import { CustomResourceScales } from './custom-resource-scale.ts';
import type { ApiWatch, ApiWatchEvent } from './watch.ts';
import { WatchCache } from './watch-cache.ts';
import type { AdmissionChain, Authenticator, Authorizer } from './auth-api.ts';
import type { ServiceAllocator } from './service-allocation.ts';
import { NodeProxy } from './node-proxy.ts';
import { metricsApiService, ResourceMetricsApi, withMetricsGroup, withMetricsOpenApi, type ResourceMetricsSource } from './resource-metrics.ts';
import { withZeroValues } from './zero-values.ts';
import { asGoYaml, inGoOrder } from './go-order.ts';
import { answerOpenApiV2, OPENAPI_V2_PATH } from './openapi-v2.ts';

/** The paths of v1 ComponentStatus, the one deprecated API this server serves. */
const DEPRECATED_PATH = /^\/api\/v1\/componentstatuses(?:[/?]|$)/;

/** What an {@link ApiServer} is made of. */
export interface ApiServerOptions {
  registry: Registry;
  /** timers for timeouts, and the tables' ages */
  clock: Clock;
  /** the address to listen on; default 127.0.0.1 (loopback only) */
  host?: string;
  /** the port; default 0: any free one (see {@link ApiServer.url}) */
  port?: number;
  /**
   * Serve HTTPS with this key and certificate (PEM), as kube-apiserver does on 6443: kubectl sends
   * a bearer token only over TLS. Default: plain HTTP (tests, and a store-only playground).
   */
  /** serve HTTPS with this key and certificate; with `clientCA`, also take client certificates it signed as their subjects' (client-certificates.ts) */
  tls?: { key: string; cert: string; clientCA?: string };
  /** the largest request body accepted; default {@link MAX_BODY_BYTES} */
  maxBodyBytes?: number;
  /** a request that takes longer is answered 504 Timeout; default 60 s */
  requestTimeoutMs?: number;
  /** a watch ends after this long (the client watches again); default 30 minutes */
  watchTimeoutMs?: number;
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  admission?: AdmissionChain;
  /** hands out Services' cluster IPs and node ports (kata 26); none: Services are stored as they come */
  serviceAllocator?: ServiceAllocator;
  /** the registry's Random, to name objects from their generateName before admission and allocation (api-handler.ts) */
  random?: Random;
  /** empty a deleted namespace in the apiserver, standing in for kata 21's controller; default true */
  emptyDeletedNamespaces?: boolean;
  /**
   * The store's durability (kata 06's `DurableStore`): the server answers a request, and sends a
   * watch event, only once every write applied so far is on the disk. Without it (a store in
   * memory) answers go out at once.
   */
  durability?: Durability;
  /**
   * Serve watches from a watch cache (watch-cache.ts; kube-apiserver's `--watch-cache`, on by
   * default upstream): one registry watch per resource, fanned out. Default false: every watch is
   * the registry's own (katas 09-10 watch the learner's code directly).
   */
  watchCache?: boolean;
  /**
   * Serve `metrics.k8s.io/v1beta1` (`kubectl top`, the horizontal pod autoscaler) from these figures
   * (resource-metrics.ts): the cluster's metrics-server. Without it the group is not served, as on
   * a cluster without metrics-server.
   */
  resourceMetrics?: ResourceMetricsSource;
}

/** What tells the server that the store's writes are on the disk: kata 06's `DurableStore.synced`. */
export interface Durability {
  /** Resolves once every write applied so far is durable; rejects once the log has failed. */
  synced(): Promise<void>;
}

/** The apiserver's own limit on a request body: 3 MiB (etcd's largest request is 1.5 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_WATCH_TIMEOUT_MS = 30 * 60_000;

/** The Kubernetes API over HTTP. */
export class ApiServer {
  private readonly options: ApiServerOptions;
  private readonly server: Server;
  private handler: ApiHandler | undefined;
  private address: AddressInfo | undefined;
  private readonly watches = new Set<ApiWatch>();
  private readonly sockets = new Set<Socket>();
  /** pods/log and pods/exec, which the pod's kubelet answers (node-proxy.ts, kata 25) */
  private readonly nodeProxy: NodeProxy;
  /** the wire form of recent watch events, by {@link eventKey}: see {@link eventLine} */
  private readonly eventLines = new Map<string, string>();
  /** the watch cache, with `watchCache: true` (made at start, on the registry of the time) */
  private watchCache: WatchCache | undefined;
  /** serves a request with `Impersonate-User` as that user, when its sender may (`kubectl --as`) */
  private readonly impersonation: Impersonation;
  /** issues ServiceAccount tokens (`kubectl create token`) and recognizes them */
  private readonly tokens: ServiceAccountTokens;
  /** evicts pods (`kubectl drain`) */
  private readonly evictions: PodEvictions;
  /** adds ephemeral containers to running pods (`kubectl debug`) */
  private readonly ephemeralContainers: PodEphemeralContainers;
  /** metrics.k8s.io, with `resourceMetrics` */
  private readonly resourceMetrics: ResourceMetricsApi | undefined;
  /** approves and denies CertificateSigningRequests (`kubectl certificate approve`) */
  private readonly approvals: CertificateApprovals;
  private readonly scales: CustomResourceScales;
  /** the identity of a verified client certificate, carried to the authenticators */
  private readonly certificates: ClientCertificates;
  /** answers TokenReviews and (Local)SubjectAccessReviews */
  private readonly reviews: SubjectReviews;
  /** what `/metrics` shows */
  readonly metrics: ApiserverMetrics;

  constructor(options: ApiServerOptions) {
    this.options = options;
    // The tokens are signed with a key made from the serving key, so that they outlive a restart
    // with the same data dir; a plain-HTTP server gets no bearer token from kubectl anyway.
    const signingKey = createHash('sha256').update(options.tls?.key ?? 'kubekata: a plain-HTTP apiserver').update('/service-account-tokens').digest();
    this.tokens = new ServiceAccountTokens(options.registry, options.clock, signingKey, options.random);
    this.evictions = new PodEvictions(options.registry, options.clock);
    this.ephemeralContainers = new PodEphemeralContainers(options.registry, options.clock);
    this.resourceMetrics = options.resourceMetrics && new ResourceMetricsApi(options.registry, options.resourceMetrics, options.clock);
    this.approvals = new CertificateApprovals(options.registry, options.clock);
    this.scales = new CustomResourceScales(options.registry);
    this.metrics = new ApiserverMetrics(options.clock, () => this.storedObjects());
    this.certificates = new ClientCertificates(createHash('sha256').update(signingKey).update('/client-certificates').digest());
    const authenticator = options.authenticator && this.certificates.authenticating(this.tokens.authenticating(options.authenticator));
    this.impersonation = new Impersonation(authenticator, options.authorizer);
    this.reviews = new SubjectReviews(authenticator);
    const serve = (request: IncomingMessage, response: ServerResponse): void => void this.serve(request, response);
    // Given the CA of client certificates, every client is asked for one, none is required (client-certificates.ts).
    const clientCA = options.tls?.clientCA ? { ca: options.tls.clientCA, requestCert: true, rejectUnauthorized: false } : {};
    this.server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert, ...clientCA }, serve) : createServer(serve);
    // With TLS, 'connection' is the raw socket and 'secureConnection' the TLS one: both are tracked
    // so that stop() ends every one of them.
    this.server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // A client that sends its headers slowly must not hold a connection for ever.
    this.server.headersTimeout = 30_000;
    // pods/log and pods/exec are the kubelet's to answer (node-proxy.ts); exec arrives as a WebSocket upgrade.
    this.nodeProxy = new NodeProxy(options);
    this.server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => void this.nodeProxy.upgrade(request, socket, head));
  }

  /** Starts listening; resolves with the URL clients use. */
  async start(): Promise<{ url: string }> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
    if (this.options.watchCache) this.watchCache = new WatchCache(this.options.registry, this.options.clock);
    this.handler = new ApiHandler({ ...this.handlerOptions(), serverAddress: `${host}:${this.address.port}` });
    return { url: this.url };
  }

  /**
   * The long-lived token of a Secret of type `kubernetes.io/service-account-token`, signed as this
   * server's tokens are: what kube-controller-manager's token controller writes into the Secret
   * (in the cluster, it calls this; upstream shares the key through `--service-account-private-key-file`).
   */
  legacyServiceAccountToken(account: { namespace: string; name: string; uid: string }, secretName: string): string {
    return this.tokens.legacyToken(account, secretName);
  }

  /** `https://127.0.0.1:<port>` (or `http://` without TLS), once started. */
  get url(): string {
    if (this.address === undefined) throw new Error('the apiserver has not been started: call start() first');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `${this.options.tls ? 'https' : 'http'}://${host}:${this.address.port}`;
  }

  /** Ends every watch and connection, and stops listening. */
  async stop(): Promise<void> {
    for (const watch of this.watches) watch.stop();
    this.watchCache?.stop();
    this.watchCache = undefined;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening) await closed;
  }

  private handlerOptions(): ApiHandlerOptions {
    const { clock, authorizer, admission, serviceAllocator, emptyDeletedNamespaces, random } = this.options;
    // With a watch cache the handler's registry watches through it; everything else is the registry's,
    // but for the ComponentStatuses, checked when read (component-statuses.ts).
    const stored = this.options.registry;
    const watched = this.watchCache ? this.watchCache.servingWatches(stored) : stored;
    const registry = withComputedResources(withComponentStatuses(watched, () => componentStatuses(stored, clock)), { [API_SERVICES]: computedApiServices(stored, this.options.resourceMetrics ? [metricsApiService] : []) });
    // The handler authenticates through the impersonation: the impersonated user, when there is one.
    return { registry, clock, authenticator: this.impersonation.authenticator, authorizer, admission, serviceAllocator, emptyDeletedNamespaces, ...(random && { random }) };
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // A request target that is no URL at all (`GET http://[::1`) is the client's mistake: 400, as
    // Go's HTTP server answers it, before anything tries to read a path out of it.
    if (!URL.canParse(request.url ?? '/', 'http://apiserver')) {
      response.setHeader('Connection', 'close');
      return this.send(request, response, { code: 400, body: badRequest(`the request target ${JSON.stringify(request.url)} is not a URL`).status });
    }
    // Every request counted once answered (metrics.ts); a watch is open until its stream ends.
    const done = this.metrics.begin(requestLabels(request.method ?? 'GET', request.url ?? '/', request.headers['content-type']));
    response.on('close', () => done(response.statusCode));
    // A verified client certificate, and no other credentials: the request is its subject's.
    const socket = request.socket as TLSSocket;
    if (socket.authorized && request.headers.authorization === undefined) request.headers.authorization = this.certificates.headerFor(certificateUser(socket.getPeerCertificate()));
    if (NodeProxy.matches(request.url) && (await this.nodeProxy.serve(request, response))) return;
    if ((request.url ?? '').split('?')[0] === '/metrics') return this.send(request, response, this.scrape(headersOf(request)));
    if ((request.url ?? '').split('?')[0] === OPENAPI_V2_PATH) return this.serveOpenApiV2(request, response);
    try {
      const body = await this.readBody(request);
      if (body === undefined) {
        response.setHeader('Connection', 'close');
        const limit = this.options.maxBodyBytes ?? MAX_BODY_BYTES;
        this.send(request, response, { code: 413, body: requestEntityTooLarge(`limit is ${limit}`).status });
        response.on('finish', () => request.destroy());
        return;
      }
      let acting: ReturnType<Impersonation['actAs']>;
      try {
        acting = this.impersonation.actAs(headersOf(request), request.url ?? '/');
      } catch (error) {
        return this.send(request, response, { code: statusOf(error).code ?? 500, body: statusOf(error) });
      }
      let answer: ApiResponse;
      // a custom resource takes no strategic merge patch
      const unsupported = unsupportedCustomPatch(request.method ?? 'GET', request.url ?? '/', request.headers['content-type']);
      try {
        // A TokenRequest (serviceaccounts/<name>/token) and an Eviction (pods/<name>/eviction) are
        // this server's own, not the handler's.
        if (ServiceAccountTokens.matches(request.url ?? '/')) {
          answer = this.tokens.answer(request.method ?? 'GET', request.url ?? '/', acting.headers, body, this.impersonation.authenticator, this.options.authorizer);
        } else if (this.resourceMetrics && ResourceMetricsApi.matches(request.url ?? '/')) {
          answer = this.resourceMetrics.answer(request.method ?? 'GET', request.url ?? '/', acting.headers, this.impersonation.authenticator, this.options.authorizer);
        } else if (PodEphemeralContainers.matches(request.url ?? '/')) {
          answer = this.ephemeralContainers.answer(request.method ?? 'GET', request.url ?? '/', acting.headers, body, this.impersonation.authenticator, this.options.authorizer);
        } else if (PodEvictions.matches(request.url ?? '/')) {
          answer = this.evictions.answer(request.method ?? 'GET', request.url ?? '/', acting.headers, body, this.impersonation.authenticator, this.options.authorizer);
        } else if (SubjectReviews.matches(request.url ?? '/')) {
          answer = this.reviews.answer(request.method ?? 'GET', request.url ?? '/', acting.headers, body, this.impersonation.authenticator, this.options.authorizer);
        } else if (CertificateApprovals.matches(request.url ?? '/')) {
          answer = this.approvals.answer(request.method ?? 'GET', request.url ?? '/', acting.headers, body, this.impersonation.authenticator, this.options.authorizer);
        } else if (CustomResourceScales.matches(request.url ?? '/')) {
          answer = this.scales.answer(request.method ?? 'GET', request.url ?? '/', acting.headers, body, this.impersonation.authenticator, this.options.authorizer);
        } else if (unsupported) {
          answer = { code: 415, body: unsupported.status };
        } else {
          // A resource's other version (autoscaling/v1 autoscalers) is converted at the edge (served-versions.ts).
          const handle = (inner: ApiRequest) => this.handler!.handle(inner);
          answer = await this.withTimeout(answerInOtherVersion({ method: request.method ?? 'GET', url: request.url ?? '/', headers: acting.headers, body }, handle));
          // The aggregator lists metrics-server's group, and its OpenAPI document, beside the server's own.
          const path = (request.url ?? '').split('?')[0]!.replace(/\/+$/, '');
          if (this.resourceMetrics && 'body' in answer && answer.code === 200 && path === '/apis') answer = { ...answer, body: withMetricsGroup(answer.body as { groups?: unknown[] }) };
          if (this.resourceMetrics && 'body' in answer && answer.code === 200 && path === '/openapi/v3') answer = { ...answer, body: withMetricsOpenApi(answer.body as { paths?: Record<string, unknown> }) };
        }
      } finally {
        acting.done();
      }
      if ('watch' in answer) {
        // a Table watch with an includeObject no Table has is refused before it starts, as a get is
        const include = includeObjectOf(request.url);
        const table = wantsTable(request.headers['accept']);
        if (table && include instanceof StatusError) {
          answer.watch.stop();
          return this.send(request, response, { code: 400, body: include.status });
        }
        return this.stream(response, answer.watch, answer.timeoutSeconds, table && !(include instanceof StatusError) ? include : undefined, !keepsStoredOrder(request));
      }
      // Nothing goes out before the store has it on the disk: not a 201 for a write a crash could
      // take back, nor a read of one (etcd answers only what its log has made durable, too).
      const failure = await this.durableOrFailure();
      this.send(request, response, failure ? { code: 500, body: failure.status } : answer);
    } catch (error) {
      // Only a bug gets here (the handler answers every failure itself): still a Status, no stack.
      if (!response.headersSent) this.send(request, response, { code: 500, body: statusOf(error) });
      else response.destroy();
    }
  }

  /**
   * `/metrics`, for whoever may `get` that path (here cluster-admin; upstream's bootstrap policy
   * also lets the group `system:monitoring`): the text of {@link ApiserverMetrics.render}.
   */
  private scrape(headers: Record<string, string | undefined>): { code: number; body: unknown } {
    try {
      const request = { verb: 'get', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: '/metrics' };
      authorizedUser(headers['authorization'], this.impersonation.authenticator, this.options.authorizer, request);
      return { code: 200, body: this.metrics.render() };
    } catch (error) {
      const status = statusOf(error);
      return { code: status.code ?? 500, body: status };
    }
  }

  /**
   * `/openapi/v2` (openapi-v2.ts), for whoever may `get` that path (upstream's system:discovery
   * role lets every authenticated user): protobuf for kubectl, JSON for `kubectl get --raw`.
   */
  private serveOpenApiV2(request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      return this.send(request, response, { code: 405, body: new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', code: 405 }).status });
    }
    try {
      const attributes = { verb: 'get', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: OPENAPI_V2_PATH };
      authorizedUser(headersOf(request)['authorization'], this.impersonation.authenticator, this.options.authorizer, attributes);
    } catch (error) {
      const status = statusOf(error);
      return this.send(request, response, { code: status.code ?? 500, body: status });
    }
    const answer = answerOpenApiV2(request.headers['accept'], request.headers['if-none-match']);
    response.writeHead(answer.code, answer.headers);
    response.end(method === 'HEAD' ? undefined : answer.body);
  }

  /** How many objects of each stored resource the registry holds, by upstream's label (`deployments.apps`). */
  private storedObjects(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const type of RESOURCES.values()) {
      if (type.review || type.computed) continue;
      counts.set(qualifiedResource(type), this.options.registry.list(type.resource, undefined).items.length);
    }
    return counts;
  }

  /** The body's bytes (text or protobuf); undefined when it is larger than the limit (then the rest is not read). */
  /**
   * Waits until every write the store has applied is durable. Undefined then; once the log has
   * failed (a full disk, an fsync error), the 500 that every request gets from now on: the writes
   * in memory past the failure are never shown to anyone, and a restart recovers what was durable.
   */
  private async durableOrFailure(): Promise<StatusError | undefined> {
    try {
      await this.options.durability?.synced();
      return undefined;
    } catch (error) {
      // Kata 06 not written yet: say that, not that the disk failed.
      if (error instanceof NotImplemented) return internalError(error.message);
      return internalError(
        `the store could not make its writes durable (${(error as Error).message}); this apiserver answers nothing more: fix the disk and restart it, and it recovers every write it acknowledged`,
      );
    }
  }

  private async readBody(request: IncomingMessage): Promise<Buffer | undefined> {
    const limit = this.options.maxBodyBytes ?? MAX_BODY_BYTES;
    if (Number(request.headers['content-length'] ?? 0) > limit) return undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) return undefined;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  /** The handler's answer, or 504 Timeout when it takes longer than the request timeout. */
  private async withTimeout(answer: Promise<ApiResponse>): Promise<ApiResponse> {
    const clock = this.options.clock;
    const limit = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timeout = new Promise<ApiResponse>((resolve) => {
      timer = clock.setTimeout(() => {
        const status = new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Timeout: request did not complete within the allotted timeout', reason: 'Timeout', code: 504 }).status;
        resolve({ code: 504, body: status });
      }, limit);
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clock.clearTimeout(timer!);
    }
  }

  /** Writes a body as the client asked: a Table, YAML, or JSON. */
  private send(request: IncomingMessage, response: ServerResponse, answer: { code: number; body: unknown }): void {
    const accept = request.headers['accept'];
    let body = answer.body;
    // What the write warns about (unknown fields dropped: field-validation.ts), one header each,
    // and that the API asked about is deprecated (upstream's deprecation filter, on every answer).
    const warnings = [...(DEPRECATED_PATH.test(request.url ?? '') ? [COMPONENT_STATUS_DEPRECATION] : []), ...warningsOf(body)];
    if (warnings.length > 0) response.setHeader('Warning', warnings.map(warningHeader));
    if (typeof body === 'string') {
      response.writeHead(answer.code, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(body);
      return;
    }
    if (answer.code < 300 && wantsTable(accept)) {
      const include = includeObjectOf(request.url);
      if (include instanceof StatusError) return this.send(request, response, { code: 400, body: include.status });
      body = this.asTable(body, include) ?? body;
    }
    if (wantsOnlyProtobuf(accept)) {
      // JSON whenever the client takes it (kubectl does); protobuf for one that takes nothing else.
      const bytes = encodeProtobuf(body as { kind?: string; apiVersion?: string });
      if (bytes !== undefined) {
        response.writeHead(answer.code, { 'Content-Type': PROTOBUF_MEDIA_TYPE });
        response.end(bytes);
        return;
      }
      response.writeHead(406, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(notAcceptable(['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE]).status));
      return;
    }
    // What Go writes of a field it has no value for (`creationTimestamp: null`, `resources: {}`): zero-values.ts.
    if (wantsYaml(accept)) {
      response.writeHead(answer.code, { 'Content-Type': 'application/yaml' });
      response.end(asGoYaml(withZeroValues(body)));
      return;
    }
    response.writeHead(answer.code, { 'Content-Type': 'application/json' });
    // In the order Go writes it (go-order.ts): kind, apiVersion, metadata's fields as ObjectMeta declares them, maps sorted.
    const json = keepsStoredOrder(request) ? withZeroValues(body) : inGoOrder(withZeroValues(body));
    // `/version` is written indented, as its handler writes it (responsewriters.WriteRawJSON): `curl .../version` reads as on a cluster
    if ((request.url ?? '').split('?')[0] === '/version') return void response.end(JSON.stringify(json, null, 2));
    // Indented for `?pretty=true` and for curl, wget and browsers, as upstream's isPrettyPrint decides
    // (MarshalIndent, two spaces, no newline after); else as json.Encoder writes it, a newline after.
    response.end(isPrettyPrint(request) ? JSON.stringify(json, null, 2) : `${JSON.stringify(json)}\n`);
  }

  /**
   * A list or an object of a served kind as a Table; undefined for anything else (a Status, a
   * Scale). Each row carries what `include` says of its object (the request's `includeObject`):
   * its metadata as a PartialObjectMetadata (the default: kubectl's `-L` and `--show-labels` read
   * the labels there), the whole object (`Object`: kubectl asks for it to `--sort-by`), or nothing.
   */
  private asTable(body: unknown, include: IncludeObject): object | undefined {
    const table = this.wholeTable(body);
    if (table === undefined) return undefined;
    return { ...table, rows: table.rows.map((row) => ({ ...row, object: rowObject(row.object, include) })) };
  }

  /** The Table of a list or an object, each row with its whole object. */
  private wholeTable(body: unknown): WholeTable | undefined {
    const object = body as { kind?: string; items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } };
    const now = this.options.clock.now();
    const kinds = new Set([...RESOURCES.values()].map((type) => type.kind));
    // a custom resource prints its definition's columns
    const apiVersion = (object as { apiVersion?: string }).apiVersion;
    const group = apiVersion?.includes('/') ? apiVersion.split('/')[0] : '';
    const printerOf = (kind: string) => [...RESOURCES.values()].find((type) => type.custom && type.kind === kind && type.group === group)?.custom?.printer;
    if (object.kind?.endsWith('List') && Array.isArray(object.items) && kinds.has(object.kind.slice(0, -4))) {
      const kind = object.kind.slice(0, -4);
      // a built-in kind's list items carry no kind of their own (listBody): each row's object does
      const items = object.items.map((item) => ({ kind, apiVersion: apiVersion ?? '', ...item }));
      return toTable(items, kind, now, { resourceVersion: object.metadata?.resourceVersion, ...(object.metadata?.continue ? { continue: object.metadata.continue } : {}) }, printerOf(kind)) as WholeTable;
    }
    if (object.kind !== undefined && kinds.has(object.kind)) {
      return toTable([body as KubeObject], object.kind, now, { resourceVersion: object.metadata?.resourceVersion }, printerOf(object.kind)) as WholeTable;
    }
    return undefined;
  }

  /**
   * Streams a watch: `{"type":"ADDED","object":{...}}\n` per event, flushed as it comes. Ends when
   * the client goes away, at `timeoutSeconds` (or the server's watch timeout), or when the server
   * stops; the client then watches again from the last resourceVersion it saw. With `table`, each
   * event's object goes as a Table whose rows carry what it says of the object.
   */
  private stream(response: ServerResponse, watch: ApiWatch, timeoutSeconds: number | undefined, table: IncludeObject | undefined, goOrder: boolean): void {
    const clock = this.options.clock;
    this.watches.add(watch);
    const limit = timeoutSeconds !== undefined ? timeoutSeconds * 1000 : (this.options.watchTimeoutMs ?? DEFAULT_WATCH_TIMEOUT_MS);
    let timedOut = false;
    let waitingForReader = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      watch.stop();
      // A client that stopped reading would hold the stream open for ever: cut it off.
      if (waitingForReader) response.destroy();
    }, limit);
    const end = () => {
      clock.clearTimeout(timer);
      watch.stop();
      this.watches.delete(watch);
    };
    response.on('close', end);
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // Headers now: a client waits for them before it starts reading events.
    response.flushHeaders();
    void (async () => {
      try {
        for await (const event of watch) {
          if (response.destroyed) break;
          // An event tells of a revision: only once that revision is on the disk.
          const failure = await this.durableOrFailure();
          if (failure) throw failure;
          if (response.destroyed) break;
          // Corked until the event loop has handled the requests that came in with this one: the
          // events of all their commits go out in one socket write instead of one each.
          if (!response.writableCorked) {
            response.cork();
            setImmediate(() => response.uncork());
          }
          const buffered = !response.write(this.eventLine(event, table, goOrder));
          // A client that reads slower than the store changes: wait for it, so that its events
          // wait in its watch's queue rather than pile up in the socket's buffers. Once its watch
          // is over, cut it off instead; it watches again from the last resourceVersion it read.
          if (buffered && timedOut) {
            response.destroy();
            break;
          }
          if (buffered) {
            waitingForReader = true;
            await drained(response);
            waitingForReader = false;
          }
        }
      } catch (error) {
        if (!response.destroyed) response.write(`${JSON.stringify({ type: 'ERROR', object: statusOf(error) satisfies Status })}\n`);
      } finally {
        end();
        response.end();
      }
    })();
  }

  /**
   * An event as one JSON line. Every watcher of a resource gets each event, so the line is made
   * once and kept for the next watcher (upstream's watch cache does the same with its
   * `cachingObject`): with 100 watchers open, serializing was most of the server's time. An
   * object's uid, resourceVersion and the event's type name its content, so the key is safe;
   * events without them (ERROR, BOOKMARK) are made every time.
   */
  private eventLine(event: ApiWatchEvent, table: IncludeObject | undefined, goOrder: boolean): string {
    const key = eventKey(event, table, goOrder);
    const kept = key === undefined ? undefined : this.eventLines.get(key);
    if (kept !== undefined) return kept;
    const body = table ? this.tableEvent(event, table) : withZeroValues(event);
    const line = `${JSON.stringify(goOrder ? inGoOrder(body) : body)}\n`;
    if (key !== undefined) {
      // The watchers of an event ask for it within moments of each other: a short memory is enough.
      if (this.eventLines.size >= EVENT_LINES_KEPT) this.eventLines.delete(this.eventLines.keys().next().value!);
      this.eventLines.set(key, line);
    }
    return line;
  }

  private tableEvent(event: ApiWatchEvent, include: IncludeObject): ApiWatchEvent | { type: string; object: object } {
    if (event.type === 'ERROR' || event.type === 'BOOKMARK') return event;
    return { type: event.type, object: this.asTable(event.object, include) ?? event.object };
  }
}

/**
 * Whether the client is the workbook's own HttpClient, which asks (header `Kubekata-Key-Order:
 * stored`) for objects with their keys in the order they were stored rather than Go's
 * (go-order.ts): the components' code, the learners', may compare what it reads with what it
 * builds as JSON, which Go's order would make differ when nothing did.
 */
export function keepsStoredOrder(request: Pick<IncomingMessage, 'headers'>): boolean {
  return request.headers['kubekata-key-order'] === 'stored';
}

/**
 * Whether an answer is written indented (responsewriters' isPrettyPrint): a `pretty` parameter
 * that Go's ParseBool reads as true, or, without one, a client that a person reads: curl, Wget, a
 * browser. `curl -k https://127.0.0.1:6443/api/v1/pods` reads as on a cluster; kubectl's answers
 * stay compact.
 */
export function isPrettyPrint(request: Pick<IncomingMessage, 'url' | 'headers'>): boolean {
  const pretty = new URLSearchParams((request.url ?? '').split('?')[1] ?? '').get('pretty');
  if (pretty) return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(pretty);
  const agent = request.headers['user-agent'] ?? '';
  return agent.startsWith('curl') || agent.startsWith('Wget') || agent.startsWith('Mozilla/5.0');
}

/** How many event lines {@link ApiServer} keeps for its other watchers. */
const EVENT_LINES_KEPT = 4096;

/** What names an event's line: type, form, uid and resourceVersion; undefined for ERROR and BOOKMARK. */
function eventKey(event: ApiWatchEvent, table: IncludeObject | undefined, goOrder: boolean): string | undefined {
  if (event.type === 'ERROR' || event.type === 'BOOKMARK') return undefined;
  const { uid, resourceVersion } = (event.object as KubeObject).metadata ?? {};
  return uid && resourceVersion ? `${event.type} ${table ? `table:${table}` : 'json'}${goOrder ? '' : ' stored-order'} ${uid} ${resourceVersion}` : undefined;
}

/** A Table as toTable makes it: each row with its whole object. */
type WholeTable = { rows: { cells: unknown[]; object: KubeObject }[] };

/** What a Table's rows carry of their objects (metav1.IncludeObjectPolicy). */
type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The request's `includeObject` (default Metadata); BadRequest in upstream's words for another value. */
function includeObjectOf(url: string | undefined): IncludeObject | StatusError {
  const asked = new URL(url ?? '/', 'http://localhost').searchParams.get('includeObject') ?? '';
  if (asked === '') return 'Metadata';
  if (asked === 'None' || asked === 'Metadata' || asked === 'Object') return asked;
  return badRequest(`unrecognized includeObject value: ${JSON.stringify(asked)}`);
}

/** A row's object as `include` says: all of it, its metadata alone (a PartialObjectMetadata), or null. */
function rowObject(object: KubeObject, include: IncludeObject): object | null {
  if (include === 'Object') return object;
  if (include === 'None') return null;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/** Resolves when `response` can take more writes, or is gone. */
function drained(response: ServerResponse): Promise<void> {
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

function headersOf(request: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/** Protobuf when it is all the client takes (`Accept: application/vnd.kubernetes.protobuf`, nothing else). */
function wantsOnlyProtobuf(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((type) => type.split(';')[0]!.trim().toLowerCase());
  return types.includes(PROTOBUF_MEDIA_TYPE) && types.every((type) => type === PROTOBUF_MEDIA_TYPE || type === '');
}

/** YAML when the client prefers it to JSON (`Accept: application/yaml`). */
function wantsYaml(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((type) => type.split(';')[0]!.trim().toLowerCase());
  const yaml = types.findIndex((type) => type === 'application/yaml');
  const json = types.findIndex((type) => type === 'application/json' || type === '*/*');
  return yaml >= 0 && (json < 0 || yaml < json);
}
