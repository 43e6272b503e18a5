/**
 * `npm run apiserver` — runs your apiserver (kata 10, over katas 01-09 and 11) on 127.0.0.1, so
 * that you can point the real kubectl at it; `KATA_TARGET=solutions npm run apiserver` runs the
 * reference. It writes a kubeconfig and prints the command to use it:
 *
 * ```
 * $ npm run apiserver -- --data-dir .kubekata/etcd
 * apiserver (your katas) on http://127.0.0.1:6443, store in .kubekata/etcd (kata 06's write-ahead log)
 *   kubectl --kubeconfig .kubekata/kubeconfig get pods
 * ```
 *
 * Options: --port (6443), --host (127.0.0.1), --data-dir DIR (keep the store there across
 * restarts; default: in memory), --token-file FILE (bearer tokens, kata 11; the kubeconfig then
 * uses the file's first token), --rbac FILE (YAML of Roles, ClusterRoles and their bindings, kata
 * 11; without it everything is allowed), --kubeconfig FILE (where to write it), --insecure-http
 * (plain HTTP instead of HTTPS), --etcd-servers URL (keep the objects in a real etcd 3.4 at that
 * client URL instead of your store, as kube-apiserver does: your registry, watch and HTTP katas
 * unchanged on top; tools/lib/etcd-backend.ts, docs/etcd-backend.md).
 *
 * HTTPS by default, as kube-apiserver serves 6443: a CA and a serving certificate for 127.0.0.1,
 * localhost and --host are made at the first start (in DIR/pki with --data-dir, else in
 * .kubekata/apiserver/pki) and the kubeconfig carries the CA, so kubectl and client-node verify the
 * server and kubectl sends its token (it sends none to an http:// server).
 *
 * With --data-dir every answer waits until the store's write-ahead log has the writes on the disk
 * (kata 06's `DurableStore.synced`): a write acknowledged is never lost to a crash, and a failing
 * disk answers 500, never 201.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
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
  RuntimeClassAdmission,
  ServiceAccountDefaulting,
  StorageObjectInUseProtection,
  ensureRbacObjects,
  ensureSystemPriorityClasses,
  isStatusError,
  NamespaceDefaulting,
  NamespaceLifecycle,
  parseTokenFile,
  Registry,
  StatusError,
  storedRbacAuthorizer,
  TokenAuthenticator,
} from '@kube/apiserver';
import { EtcdError, MvccStore, nodeWalFs, openDurableStore, type DurableStore } from '@kube/etcd';
import { ServiceAllocators } from '@kube/proxy';
import {
  BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
  BOOTSTRAP_CLUSTER_ROLES,
  ensurePki,
  NotImplemented,
  RealClock,
  Random,
  type IngressClass,
  type StorageClass,
  type RuntimeClass,
  type KubeObject,
  type LimitRange,
  type Namespace,
  type PriorityClass,
  type Service,
} from '@kube/kit';
import { faultyWalFs } from './lib/wal-faults.ts';
import { c } from './lib/report.ts';
import { ROOT } from './lib/targets.ts';

const usage = `usage: npm run apiserver -- [--port 6443] [--host 127.0.0.1] [--data-dir DIR] [--token-file FILE] [--rbac FILE] [--kubeconfig FILE] [--insecure-http] [--etcd-servers http://HOST:PORT]`;

function fail(message: string): never {
  console.error(c.red(message));
  console.error(usage);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string', default: '6443' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      'token-file': { type: 'string' },
      rbac: { type: 'string' },
      kubeconfig: { type: 'string', default: `${ROOT}/.kubekata/kubeconfig` },
      'insecure-http': { type: 'boolean', default: false },
      'etcd-servers': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (error) {
  fail((error as Error).message);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${args.port} is not a port: give a whole number from 0 to 65535 (1024 and up need no root).`);

/** Reads a file an option names, or stops with a message saying which option and why. */
function readOption(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    fail(`--${option} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** RBAC objects from a YAML file of documents (kind Role, ClusterRole, RoleBinding, ClusterRoleBinding). */
function rbacFrom(file: string): (KubeObject & { kind: string })[] {
  const objects: (KubeObject & { kind: string })[] = [];
  for (const [index, document] of parseAllDocuments(readOption('rbac', file)).entries()) {
    if (document.errors.length > 0) fail(`--rbac ${file}: document ${index + 1} is not valid YAML: ${document.errors[0]!.message}`);
    const object = document.toJS() as (KubeObject & { kind?: string }) | null;
    if (object === null) continue;
    if (!object.kind || !['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(object.kind)) fail(`--rbac ${file}: document ${index + 1} is a ${object.kind ?? 'document without a kind'}; expected Role, ClusterRole, RoleBinding or ClusterRoleBinding.`);
    if (typeof object.metadata?.name !== 'string') fail(`--rbac ${file}: document ${index + 1} (${object.kind}) has no metadata.name.`);
    objects.push(object as KubeObject & { kind: string });
  }
  return objects;
}

/**
 * Opens the store kept in `dir`, or stops with one message that says what is wrong and what to do:
 * a data dir that is a file, a log that cannot be read, a log damaged in the middle.
 */
async function openStore(dir: string): Promise<DurableStore> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) fail(`--data-dir ${dir} is a file, not a directory: give a folder (it is made if missing), or move the file away.`);
  try {
    // KATA_WAL_FAULT: a full disk or a failing fsync, for the crash tests (tools/lib/wal-faults.ts)
    const fault = process.env.KATA_WAL_FAULT;
    return await openDurableStore(dir, fault ? { fs: faultyWalFs(fault, nodeWalFs) } : {});
  } catch (error) {
    if (error instanceof EtcdError && error.code === 'CorruptLog') {
      fail(
        `--data-dir ${dir}: the write-ahead log is damaged, not just cut short by a crash (${error.message}).\n` +
          `Nothing was changed. Keep a copy of the folder; to start over, move it away and start without it (its data is then lost), or restore it from a backup.`,
      );
    }
    if (error instanceof EtcdError && error.code === 'LogUnavailable') fail(`--data-dir ${dir}: the store cannot use this folder (${error.message}).`);
    throw error;
  }
}

/**
 * The store in the etcd at `url` (--etcd-servers), or stops with a message saying what is wrong.
 * Loaded only when asked for: the gRPC client is not needed otherwise.
 */
async function openEtcd(url: string): Promise<import('./lib/etcd-backend.ts').EtcdBackend> {
  const { checkEndpoint, openEtcdBackend } = await import('./lib/etcd-backend.ts');
  try {
    return openEtcdBackend(checkEndpoint(url));
  } catch (error) {
    if (error instanceof NotImplemented) throw error;
    fail(`--etcd-servers ${url}: ${(error as Error).message}`);
  }
}

// Read every file named first: a typo is reported before anything starts.
const users = args['token-file'] ? parseTokenFile(readOption('token-file', args['token-file'])) : undefined;
const rbac = args.rbac ? rbacFrom(args.rbac) : undefined;

// Unfinished katas throw NotImplemented as soon as they are used: say which, and the ways on.
process.on('uncaughtException', (error) => {
  if (!(error instanceof NotImplemented)) throw error;
  fail(`${error.message}\nThe apiserver needs katas 01-10 (and 11 for --token-file or --rbac). Finish that one, borrow a component's reference (npm run kata -- borrow etcd), or run the reference: KATA_TARGET=solutions npm run apiserver`);
});

const clock = new RealClock();
const durable = args['data-dir'] ? await openStore(args['data-dir']) : undefined;
if (args['etcd-servers'] && durable) fail('--etcd-servers and --data-dir both say where the store is: give one (etcd keeps its data in its own --data-dir).');
const etcd = args['etcd-servers'] ? await openEtcd(args['etcd-servers']) : undefined;
const store = etcd?.store ?? durable?.store ?? new MvccStore();
const random = new Random(Date.now());
const registry = new Registry({ store, watchable: etcd?.watchable, clock, random });
// The namespaces every cluster starts with (a restarted one with a data dir has them already).
for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
  try {
    registry.create<Namespace>('namespaces', undefined, { metadata: { name } });
  } catch (error) {
    if (!isStatusError(error, 'AlreadyExists')) throw error;
  }
}

/**
 * Kata 26's allocators, rebuilt from the Services already stored (a restart must not hand out
 * their addresses again); undefined until kata 26 works: Services then get no cluster IP.
 */
function serviceAllocator(): ServiceAllocators | undefined {
  try {
    const allocators = new ServiceAllocators({ random: new Random(Date.now()) });
    allocators.restore(registry.list<Service>('services', undefined).items);
    return allocators;
  } catch (error) {
    if (!(error instanceof NotImplemented)) throw error;
    console.log(c.yellow(`Services get no CLUSTER-IP until kata 26 is done (${error.message.split('\n')[0]}).`));
    return undefined;
  }
}
const allocators = serviceAllocator();

// RBAC's objects are stored, as upstream's: the file's, then kube-apiserver's bootstrap policy
// (every user may ask what it may do and who it is, and read discovery; anyone may read the
// version and health). `kubectl create role` and `create rolebinding` add to them.
if (rbac) {
  const bootstrap = [...BOOTSTRAP_CLUSTER_ROLES.map((r) => ({ kind: 'ClusterRole', ...r })), ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS.map((b) => ({ kind: 'ClusterRoleBinding', ...b }))];
  for (const object of [...rbac, ...bootstrap]) {
    try {
      ensureRbacObjects(registry, [object], { replace: true });
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      fail(`--rbac ${args.rbac}: ${object.kind} ${JSON.stringify(object.metadata.name)}: ${error.message}`);
    }
  }
}

// kube-apiserver's start-up hook: every cluster has the system PriorityClasses, which the Priority
// admission plugin reads beside any others stored (and refuses a second global default).
ensureSystemPriorityClasses(registry);
const priority = new PriorityDefaulting(() => registry.list<PriorityClass>('priorityclasses', undefined).items);
const namespace = (name: string) => registry.list<Namespace>('namespaces', undefined, { fieldSelector: `metadata.name=${name}` }).items[0];
const serviceAccount = (ns: string, name: string) => registry.list('serviceaccounts', ns, { fieldSelector: `metadata.name=${name}` }).items[0];
// LimitRanges apply here too; ResourceQuotas are stored but count nothing until a controller manager
// writes their status (the cluster's does), as upstream's admission matches a quota on its status.
const storageClasses = () => registry.list<StorageClass>('storageclasses', undefined).items;
const runtimeClasses = new RuntimeClassAdmission((name) => registry.list<RuntimeClass>('runtimeclasses', undefined).items.find((c) => c.metadata.name === name));
const limitRanger = new LimitRanger((ns) => registry.list<LimitRange>('limitranges', ns).items);
const pki = args['insecure-http'] ? undefined : await ensurePki(args['data-dir'] ?? join(ROOT, '.kubekata', 'apiserver'), [args.host]);
const server = new ApiServer({
  registry,
  clock,
  host: args.host,
  port,
  ...(durable ? { durability: durable } : {}),
  ...(pki ? { tls: { key: pki.key, cert: pki.cert } } : {}),
  ...(users ? { authenticator: new TokenAuthenticator(users) } : {}),
  ...(rbac ? { authorizer: storedRbacAuthorizer(registry) } : {}),
  admission: new Admission([new NamespaceDefaulting(), limitRanger, new ServiceAccountDefaulting(serviceAccount, random), priority, new DefaultTolerationSeconds(), new DefaultIngressClass(() => registry.list<IngressClass>('ingressclasses', undefined).items), new DefaultStorageClass(storageClasses), new StorageObjectInUseProtection(), new CertificateSigningRequestRequester(), runtimeClasses], [new NamespaceLifecycle(namespace), limitRanger, priority, new PersistentVolumeClaimResize(storageClasses)]),
  ...(allocators ? { serviceAllocator: allocators } : {}),
  random,
});

let url: string;
try {
  ({ url } = await server.start());
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  fail(code === 'EADDRINUSE' ? `port ${port} on ${args.host} is taken: stop what uses it, or give another with --port.` : `cannot listen on ${args.host}:${port}: ${(error as Error).message}`);
}

const token = users ? [...users.keys()][0] : undefined;

/**
 * The kubeconfig's user: the token file's first token; else, over HTTPS, the administrator's
 * client certificate (a user with no credentials makes kubectl ask for a name and password).
 */
function userEntry(): string {
  const base64 = (text: string): string => Buffer.from(text).toString('base64');
  if (token) return `{token: "${token}"}`;
  if (pki) return `{client-certificate-data: ${base64(pki.clientCert)}, client-key-data: ${base64(pki.clientKey)}}`;
  return '{}';
}
mkdirSync(dirname(args.kubeconfig), { recursive: true });
writeFileSync(
  args.kubeconfig,
  [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: kubekata, cluster: {server: "${url}"${pki ? `, certificate-authority-data: ${Buffer.from(pki.ca).toString('base64')}` : ''}}}]`,
    `users: [{name: learner, user: ${userEntry()}}]`,
    'contexts: [{name: kubekata, context: {cluster: kubekata, user: learner, namespace: default}}]',
    'current-context: kubekata',
    '',
  ].join('\n'),
);
const target = process.env.KATA_TARGET === 'solutions' ? 'the reference solutions' : 'your katas';
console.log(`apiserver (${target}) on ${c.bold(url)}, store ${etcd ? `in etcd at ${etcd.store.endpoint}` : args['data-dir'] ? `in ${args['data-dir']} (kata 06's write-ahead log)` : 'in memory'}`);
console.log(`  kubectl --kubeconfig ${relative(process.cwd(), args.kubeconfig) || args.kubeconfig} get pods`);
console.log(c.dim('  Ctrl-C stops it.'));

async function shutdown(): Promise<void> {
  await server.stop();
  await durable?.close();
  etcd?.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
