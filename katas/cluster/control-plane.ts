/**
 * The control plane's two servers, as a static-pod control plane runs them: etcd (kata 06's store
 * with its write-ahead log in `<dataDir>/etcd`) and kube-apiserver (kata 10's server over HTTPS,
 * with kata 11's tokens, RBAC and admission and kata 26's Service allocators). Given code: what
 * kubeadm's manifests configure. The order inside is fixed — the store is open (its log replayed)
 * before the apiserver listens, and the apiserver stops before the store closes — because an
 * apiserver without its store could only answer errors, and a store closed under a running
 * apiserver would lose what it acknowledged.
 *
 * Every component gets its own user and token (`<dataDir>/pki/tokens.csv`, kept across restarts):
 * `kubernetes-admin` (group `system:masters`, kubeadm's admin.conf), `system:kube-scheduler`,
 * `system:kube-controller-manager`, `system:kube-proxy`, `system:metrics-server`,
 * `system:node:<name>` (group `system:nodes`). Simplified: upstream gives each of them a narrow role (and nodes the Node
 * authorizer); here each is bound to `cluster-admin`, which is what those roles add up to for the
 * requests these components make. That binding and kube-apiserver's bootstrap policy are stored
 * objects, written at each start (`kubectl get clusterrolebindings` lists them). Over HTTPS the
 * apiserver keeps its identity Lease in kube-system (apiserver-identity.ts), and the control plane
 * runs metrics-server (metrics-server.ts), whose figures the apiserver serves as metrics.k8s.io.
 *
 * @example
 * ```ts
 * const plane = new ControlPlane({ dataDir, clock, random, tracer, transport: 'https' });
 * await plane.start();                        // etcd ready, kube-apiserver ready on https://127.0.0.1:<port>
 * const client = plane.clientFor('system:kube-scheduler');
 * await plane.stop();                         // the apiserver first, then the store
 * ```
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { Agent } from 'undici';
import { IdentityLease } from './apiserver-identity.ts';
import { METRICS_READER_ROLE, METRICS_SERVER_USER, MetricsServer } from './metrics-server.ts';
import { CertificateSigner, CustomResourceDefinitionController, SharedInformerFactory, type LegacyTokenGenerator } from '@kube/controllers';
import {
  Admission,
  ApiServer,
  CertificateSigningRequestRequester,
  DefaultIngressClass,
  DefaultStorageClass,
  DefaultTolerationSeconds,
  LimitRanger,
  PersistentVolumeClaimResize,
  PriorityDefaulting,
  ResourceQuotaAdmission,
  RuntimeClassAdmission,
  RESOURCES,
  serveCustomResources,
  ServiceAccountDefaulting,
  StorageObjectInUseProtection,
  HttpClient,
  LocalClient,
  NamespaceDefaulting,
  NamespaceLifecycle,
  ensureRbacObjects,
  ensureSystemPriorityClasses,
  Registry,
  SERVER_VERSION,
  storedRbacAuthorizer,
  TokenAuthenticator,
  type ApiClient,
  type UserInfo,
} from '@kube/apiserver';
import { MvccStore, openDurableStore, type DurableStore, type Mvcc, type WatchableStore } from '@kube/etcd';
import {
  BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
  BOOTSTRAP_CLUSTER_ROLES,
  ensurePki,
  type ClusterRoleBinding,
  type CustomResourceDefinition,
  type Clock,
  type IngressClass,
  type StorageClass,
  type RuntimeClass,
  type KubeObject,
  type LimitRange,
  type Namespace,
  type PriorityClass,
  type ResourceQuota,
  type Random,
  type Service,
} from '@kube/kit';
import { ServiceAllocators } from '@kube/proxy';
import type { Tracer, Transport } from './cluster-api.ts';

/** The host the control plane runs on, as its identity Lease names it (the machine's own name would differ from run to run). */
export const CONTROL_PLANE_HOST = 'control-plane';

/** The administrator of the kubeconfig: kubeadm's admin.conf user. */
export const ADMIN_USER = 'kubernetes-admin';

/**
 * The User-Agent a component's client sends, as upstream's programs name themselves: the
 * apiserver records their writes under its first word (`kubelet`, `kube-scheduler`). The
 * administrator's client makes the bootstrap objects, which kube-apiserver makes itself upstream.
 */
function userAgentOf(user: string): string | undefined {
  const program = user.startsWith('system:node:') ? 'kubelet' : user === ADMIN_USER ? 'kube-apiserver' : /^system:(kube-[a-z-]+)$/.exec(user)?.[1];
  return program === undefined ? undefined : `${program}/${SERVER_VERSION.gitVersion} (${process.platform}/${process.arch}) kubekata`;
}

/** The groups each kind of user is in (besides `system:authenticated`). */
function groupsOf(user: string): string[] {
  if (user === ADMIN_USER) return ['system:masters'];
  if (user.startsWith('system:node:')) return ['system:nodes'];
  return [];
}

/** How to build a {@link ControlPlane}. */
export interface ControlPlaneOptions {
  /** where the write-ahead log, certificates and tokens are; none (transport `local` only): the store is in memory, kept across restarts as a disk would be */
  dataDir?: string;
  clock: Clock;
  random: Random;
  tracer: Tracer;
  transport: Transport;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: any free port, kept across restarts */
  port?: number;
  /** the Services' addresses; default kata 26's 127.96.0.0/12 */
  serviceCIDR?: string;
  /** keep the objects in this store instead of kata 06's (a real etcd: `npm run cluster -- --etcd-servers URL`) */
  storage?: ExternalStorage;
}

/** A store the control plane does not own: opened and closed by whoever gives it (tools/lib/etcd-backend.ts). */
export interface ExternalStorage {
  store: Mvcc;
  /** its watch, for the registry (a store other than kata 02's needs one) */
  watchable?: WatchableStore;
}

/** etcd and kube-apiserver. */
export class ControlPlane {
  /** kata 06's store of the running control plane (a new one after each restart); not set with `storage` */
  store!: MvccStore;
  /** the registry on it */
  registry!: Registry;
  /** the users by token (the token file) */
  private readonly users = new Map<string, UserInfo>();
  /** the token of each user */
  private readonly tokens = new Map<string, string>();
  /** the component bindings, until a user is added */
  private bindings: ClusterRoleBinding[] | undefined;
  private durable: DurableStore | undefined;
  private server: ApiServer | undefined;
  private port: number;
  private ca: string | undefined;
  private dispatcher: Agent | undefined;
  /** the apiserver's identity Lease, while it runs over HTTPS */
  private identity: IdentityLease | undefined;
  /** signs approved CertificateSigningRequests, while it runs over HTTPS */
  private signer: ApiserverLoop | undefined;
  private definitions: ApiserverLoop | undefined;
  /**
   * metrics-server, scraping the kubelets while the apiserver runs over HTTPS; its figures are
   * what the apiserver serves as metrics.k8s.io (kept across restarts, as the add-on's pod would be)
   */
  readonly metricsServer: MetricsServer;
  /** a client per user, over HTTPS: made once, so that restarts do not open new pools */
  private readonly clients = new Map<string, ApiClient>();

  constructor(private readonly options: ControlPlaneOptions) {
    this.port = options.port ?? 0;
    this.loadTokens();
    this.metricsServer = new MetricsServer({ clock: options.clock, nodes: async () => (await this.clientFor(METRICS_SERVER_USER).nodes().list()).items });
  }

  /** Where the apiserver listens: `https://127.0.0.1:6443`, or `local` for the in-process transport. */
  get url(): string {
    return this.server?.url ?? 'local';
  }

  /** The apiserver's address and port, for the `kubernetes` Service's endpoints. */
  get address(): { host: string; port: number } {
    return { host: this.options.host ?? '127.0.0.1', port: this.port };
  }

  /** The cluster CA's certificate (PEM), once started over HTTPS. */
  get caCertificate(): string | undefined {
    return this.ca;
  }

  /**
   * What kube-controller-manager's token controller signs a Secret's long-lived token with
   * (upstream gives it `--service-account-private-key-file`, whose public half the apiserver
   * verifies with): the apiserver's own signer, while it runs; none over the in-process transport.
   */
  get legacyTokens(): LegacyTokenGenerator | undefined {
    if (this.server === undefined) return undefined;
    return {
      generate: (account, secretName) => {
        if (this.server === undefined) throw new Error('the apiserver is not running: no token can be signed');
        return this.server.legacyServiceAccountToken(account, secretName);
      },
    };
  }

  /** Opens the store (replaying its log), then starts the apiserver on it. */
  async start(): Promise<void> {
    const { tracer, clock, random } = this.options;
    const storage = this.options.storage;
    await tracer.step('etcd', 'start', async () => {
      if (storage) return; // an etcd of its own, already running
      if (this.options.dataDir === undefined) {
        this.store ??= new MvccStore();
        return;
      }
      this.durable = await openDurableStore(join(this.options.dataDir, 'etcd'));
      this.store = this.durable.store;
    });
    this.registry = storage ? new Registry({ store: storage.store, ...(storage.watchable && { watchable: storage.watchable }), clock, random }) : new Registry({ store: this.store, clock, random });
    if (this.options.transport === 'local') return;
    const dataDir = this.options.dataDir;
    if (dataDir === undefined) throw new Error('an apiserver over HTTPS needs a dataDir for its certificates and tokens');
    await tracer.step('kube-apiserver', 'start', async () => {
      const host = this.options.host ?? '127.0.0.1';
      const pki = await ensurePki(dataDir, [host]);
      this.ca = pki.ca;
      // One TLS context for every connection: given only `ca`, each connection would parse it anew.
      this.dispatcher ??= new Agent({ connect: { secureContext: createSecureContext({ ca: pki.ca }) } });
      ensureRbacObjects(
        this.registry,
        [...[...BOOTSTRAP_CLUSTER_ROLES, METRICS_READER_ROLE].map((role) => ({ kind: 'ClusterRole', ...role })), ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS.map((binding) => ({ kind: 'ClusterRoleBinding', ...binding }))],
        { replace: true },
      );
      this.storeComponentBindings();
      ensureSystemPriorityClasses(this.registry);
      // Priority both sets a new pod's priority and refuses a second global default class.
      const priority = new PriorityDefaulting(() => this.registry.list<PriorityClass>('priorityclasses', undefined).items);
      // LimitRanger both gives a new pod its namespace's defaults and refuses one out of bounds.
      const limitRanger = new LimitRanger((namespace) => this.registry.list<LimitRange>('limitranges', namespace).items);
      const storageClasses = () => this.registry.list<StorageClass>('storageclasses', undefined).items;
      const runtimeClasses = new RuntimeClassAdmission((name) => this.registry.list<RuntimeClass>('runtimeclasses', undefined).items.find((c) => c.metadata.name === name));
      // Last, as upstream runs it: a create that passes everything else is charged to its namespace's quotas.
      const quota = new ResourceQuotaAdmission(
        {
          list: (namespace) => this.registry.list<ResourceQuota>('resourcequotas', namespace).items,
          updateStatus: (charged) => this.registry.updateStatus('resourcequotas', charged.metadata.namespace, charged),
        },
        () => clock.now(),
        (resource) => RESOURCES.get(resource),
      );
      // the custom resources of the definitions stored, served from the first request on (after a restart too)
      serveCustomResources(this.registry.list<CustomResourceDefinition>('customresourcedefinitions', undefined).items);
      this.server = new ApiServer({
        registry: this.registry,
        clock,
        host,
        port: this.port,
        ...(this.durable && { durability: this.durable }),
        // clientCA: a client certificate the cluster's CA signed is its subject's credentials (`--client-ca-file`)
        tls: { key: pki.key, cert: pki.cert, clientCA: pki.ca },
        authenticator: new TokenAuthenticator(this.users),
        // the bootstrap policy and the components' binding are stored objects, as upstream's;
        // `kubectl create rolebinding` adds to them
        authorizer: storedRbacAuthorizer(this.registry),
        admission: new Admission(
          [new NamespaceDefaulting(), limitRanger, new ServiceAccountDefaulting((namespace, name) => this.serviceAccount(namespace, name), random), priority, new DefaultTolerationSeconds(), new DefaultIngressClass(() => this.registry.list<IngressClass>('ingressclasses', undefined).items), new DefaultStorageClass(storageClasses), new StorageObjectInUseProtection(), new CertificateSigningRequestRequester(), runtimeClasses],
          [new NamespaceLifecycle((name) => this.namespace(name)), limitRanger, priority, new PersistentVolumeClaimResize(storageClasses), quota],
        ),
        serviceAllocator: this.serviceAllocators(),
        // the registry's own Random: a name drawn here is the name the registry would have drawn
        random,
        // kata 21's namespace controller empties deleted namespaces here
        emptyDeletedNamespaces: false,
        // --watch-cache (on upstream): 1,000 kubelets' pod watches cost one registry watch, not 1,000
        watchCache: true,
        // metrics-server's metrics.k8s.io, which kube-apiserver's aggregation layer would proxy to
        resourceMetrics: this.metricsServer,
      });
      await this.server.start();
      this.port = new URL(this.server.url).port ? Number(new URL(this.server.url).port) : 443;
      // Its identity Lease in kube-system, as every v1.32 apiserver keeps one (apiserver-identity.ts).
      this.identity = new IdentityLease({ registry: this.registry, clock, random, hostname: CONTROL_PLANE_HOST });
      this.identity.start();
      // kube-controller-manager's csrsigning controller, run here: it needs the CA's key, which only the control plane holds.
      const ca = { cert: pki.ca, key: pki.caKey };
      this.signer = new ApiserverLoop(this.clientFor('system:kube-controller-manager'), clock, (factory, client) => new CertificateSigner({ client, clock, factory, ca }));
      await this.signer.start();
      // apiextensions-apiserver's controllers, as kube-apiserver's own client (the administrator's here)
      this.definitions = new ApiserverLoop(this.clientFor(ADMIN_USER), clock, (factory, client) => new CustomResourceDefinitionController({ client, clock, factory, serve: serveCustomResources }));
      await this.definitions.start();
      this.metricsServer.start();
    });
  }

  /** Stops the apiserver (its watches end), then closes the store (its log flushed). */
  async stop(): Promise<void> {
    const { tracer } = this.options;
    await this.metricsServer.stop();
    this.identity?.stop();
    this.identity = undefined;
    await this.signer?.stop();
    this.signer = undefined;
    await this.definitions?.stop();
    this.definitions = undefined;
    if (this.server) {
      const server = this.server;
      this.server = undefined;
      await tracer.step('kube-apiserver', 'stop', () => server.stop());
    }
    const durable = this.durable;
    this.durable = undefined;
    await tracer.step('etcd', 'stop', async () => durable?.close());
  }

  /** Closes the clients' connection pool: after the last stop. */
  async close(): Promise<void> {
    await this.dispatcher?.close();
    this.dispatcher = undefined;
  }

  /**
   * A client acting as `user`: over HTTPS with the user's token, or (transport `local`) a client
   * that calls the registry of the control plane running at the time of each call.
   */
  clientFor(user: string): ApiClient {
    const token = this.tokenOf(user);
    if (this.options.transport === 'local') return new CurrentRegistryClient(() => this.registry);
    let client = this.clients.get(user);
    if (!client) {
      client = new HttpClient(`https://${this.address.host}:${this.port}`, { token, dispatcher: this.dispatcher!, userAgent: userAgentOf(user) });
      this.clients.set(user, client);
    }
    return client;
  }

  /** The token of `user`, made (and written to the token file) the first time. */
  tokenOf(user: string): string {
    const known = this.tokens.get(user);
    if (known !== undefined) return known;
    const token = this.options.random.string(32, 'abcdefghijklmnopqrstuvwxyz0123456789');
    this.addUser(token, user);
    // One line appended per new user: rewriting the file each time was quadratic in the nodes.
    this.saveToken(token, user);
    return token;
  }

  private addUser(token: string, user: string): void {
    this.users.set(token, { username: user, uid: user, groups: [...groupsOf(user), 'system:authenticated'] });
    this.tokens.set(user, token);
    this.bindings = undefined;
    // a component that asks for its client after the apiserver started is bound from then on
    if (this.server && !user.startsWith('system:node:')) this.storeComponentBindings();
  }

  private get tokenFile(): string | undefined {
    return this.options.dataDir === undefined ? undefined : join(this.options.dataDir, 'pki', 'tokens.csv');
  }

  /** The token file of an earlier start: `token,user,uid,"groups"` per line, as kata 11 reads it. */
  private loadTokens(): void {
    if (this.tokenFile === undefined || !existsSync(this.tokenFile)) return;
    for (const line of readFileSync(this.tokenFile, 'utf8').split('\n')) {
      const match = /^([^,]+),([^,]+),([^,]+)/.exec(line);
      if (match) this.addUser(match[1]!, match[2]!);
    }
  }

  private saveToken(token: string, user: string): void {
    if (this.tokenFile === undefined) return;
    mkdirSync(join(this.tokenFile, '..'), { recursive: true, mode: 0o700 });
    appendFileSync(this.tokenFile, `${token},${user},${user},"${groupsOf(user).join(',')}"\n`, { mode: 0o600 });
  }

  /** Writes the components' binding (below) to the store, where the authorizer reads it. */
  private storeComponentBindings(): void {
    ensureRbacObjects(this.registry, this.componentBindings().map((binding) => ({ kind: 'ClusterRoleBinding', ...binding })), { replace: true });
  }

  /**
   * Every component user is bound to cluster-admin (see the module's note), and every node through
   * its group. Made once per new user: 1,000 nodes are 1,000 users.
   */
  private componentBindings(): ClusterRoleBinding[] {
    this.bindings ??= this.makeComponentBindings();
    return this.bindings;
  }

  private makeComponentBindings(): ClusterRoleBinding[] {
    const users = [...this.users.values()].map((u) => u.username).filter((u) => u !== ADMIN_USER && !u.startsWith('system:node:'));
    return [
      {
        metadata: { name: 'kubekata:components' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [
          ...users.map((name) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' })),
          { kind: 'Group', name: 'system:nodes', apiGroup: 'rbac.authorization.k8s.io' },
        ],
      },
    ];
  }

  private namespace(name: string): Namespace | undefined {
    return this.registry.list<Namespace>('namespaces', undefined, { fieldSelector: `metadata.name=${name}` }).items[0];
  }

  /** A ServiceAccount, for the ServiceAccount admission (undefined: it does not exist). */
  private serviceAccount(namespace: string, name: string): KubeObject | undefined {
    return this.registry.list('serviceaccounts', namespace, { fieldSelector: `metadata.name=${name}` }).items[0];
  }

  /** Kata 26's allocators, rebuilt from the Services stored: a restart hands out no address twice. */
  private serviceAllocators(): ServiceAllocators {
    const allocators = new ServiceAllocators({ random: this.options.random.fork(), ...(this.options.serviceCIDR && { serviceCIDR: this.options.serviceCIDR }) });
    allocators.restore(this.registry.list<Service>('services', undefined).items);
    return allocators;
  }
}

/** A LocalClient on whichever registry the control plane runs now (it changes at a restart). */
class CurrentRegistryClient extends LocalClient {
  constructor(private readonly current: () => Registry) {
    super(current());
  }

  override resource<T extends import('@kube/kit').KubeObject>(resource: string, namespace?: string) {
    return new LocalClient(this.current()).resource<T>(resource, namespace);
  }
}

/** What {@link ApiserverLoop} runs: a controller on informers of the loop's factory, with the loop's client. */
interface LoopController {
  run(): void;
  stop(): Promise<void>;
}

/**
 * A controller the control plane runs itself, on informers of its own: started with the apiserver,
 * stopped before it. The CertificateSigner (it needs the CA's key, which only the control plane
 * holds) and the CustomResourceDefinitionController (upstream's runs inside kube-apiserver, whose
 * resources it changes).
 */
class ApiserverLoop {
  private readonly factory: SharedInformerFactory;
  private readonly controller: LoopController;

  constructor(client: ApiClient, clock: Clock, make: (factory: SharedInformerFactory, client: ApiClient) => LoopController) {
    this.factory = new SharedInformerFactory({ client, clock });
    this.controller = make(this.factory, client);
  }

  async start(): Promise<void> {
    this.factory.start();
    await this.factory.waitForCacheSync();
    this.controller.run();
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    await this.factory.shutdown();
  }
}
