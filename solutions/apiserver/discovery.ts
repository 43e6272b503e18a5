/**
 * Discovery: how a client learns what a server serves before it asks for anything
 * (k8s.io/apiserver/pkg/endpoints/discovery). `kubectl get deploy` first reads these to find that
 * `deploy` is short for `deployments`, in group `apps`, version `v1`, namespaced:
 *
 * ```
 * GET /version           {"major":"1","minor":"32","gitVersion":"v1.32.0-kubekata",...}
 * GET /api               APIVersions: the core group's versions ["v1"]
 * GET /apis              APIGroupList: every other group, with its versions
 * GET /api/v1            APIResourceList: the core resources, their kinds, verbs, short names
 * GET /apis/apps/v1      APIResourceList of apps/v1
 * GET /openapi/v3        the index of OpenAPI v3 documents, one per group-version
 * GET /openapi/v3/api/v1 the document of core/v1 (kubectl reads its PATCH operations)
 * ```
 *
 * Given code: kata 10 uses it as it is.
 *
 * kubectl asks for aggregated discovery first (an `Accept` of `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`);
 * a server that answers with plain `application/json` is read the older way, one document per
 * group-version, which is what this one serves.
 *
 * Each OpenAPI document names, on every operation, its kind (`x-kubernetes-group-version-kind`),
 * and on PATCH, POST and PUT the `fieldValidation` query parameter, which tells kubectl the server
 * validates fields itself, so it sends `?fieldValidation=Strict` and does no client-side schema
 * validation (kubectl's query_param_verifier_v3.go). field-validation.ts then refuses, drops or
 * warns of the fields the kind does not have, as the parameter asks; kata 07's validation answers
 * with 422 Invalid for the values it checks. Its `components.schemas`
 * are the kit's types (kit/api/openapi.json): what `kubectl explain` walks.
 */
import { createHash } from 'node:crypto';
import { openApiSchemas, type OpenApiSchema } from '@kube/kit';
import { OTHER_VERSIONS } from './served-versions.ts';
import { apiPriority, compareKubeVersions } from './api-priorities.ts';
import { customResourcesGeneration, customSchemaName } from './custom-resources.ts';
import { RESOURCES, type ResourceType } from './resources.ts';
import { notFoundResource, StatusError } from './status.ts';

/** The version this server says it is (kubectl warns when its own minor differs by more than one). */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kubekata',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'node',
  compiler: 'tsx',
  platform: 'linux/amd64',
} as const;

/** A proxy subresource's verbs: each HTTP method's (GET get, POST create, PUT update, PATCH patch, DELETE delete). */
const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'];

/** The subresources served, beside `status` for a resource that has one. */
const EXTRA_SUBRESOURCES: Record<string, { name: string; kind: string; group?: string; version?: string; verbs: string[] }[]> = {
  pods: [
    // the kubelet's, through the apiserver (node-proxy.ts): each a kind of options of its own
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    // kubectl drain evicts when discovery lists this (with its group and version), else it deletes
    { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    { name: 'proxy', kind: 'PodProxyOptions', verbs: PROXY_VERBS },
  ],
  nodes: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: PROXY_VERBS }],
  services: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: PROXY_VERBS }],
  namespaces: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }],
  deployments: [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }],
  replicationcontrollers: [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }],
  replicasets: [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }],
  statefulsets: [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }],
  serviceaccounts: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The group-versions served: '' + 'v1' is the core group, under /api/v1. */
export function groupVersions(): { group: string; version: string; groupVersion: string }[] {
  const seen = new Map<string, { group: string; version: string; groupVersion: string }>();
  for (const type of RESOURCES.values()) {
    seen.set(type.apiVersion, { group: type.group, version: versionOf(type), groupVersion: type.apiVersion });
  }
  // the versions served besides the stored one, after it: the stored version is the preferred one
  for (const other of OTHER_VERSIONS) {
    const groupVersion = `${other.group}/${other.version}`;
    if (!seen.has(groupVersion)) seen.set(groupVersion, { group: other.group, version: other.version, groupVersion });
  }
  return [...seen.values()];
}

function versionOf(type: ResourceType): string {
  return type.apiVersion.split('/').pop()!;
}

/** `GET /api`: the core group's versions. */
export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/**
 * `GET /apis`: the named groups, as the aggregator orders them (api-priorities.ts): the highest
 * group priority first (then by name), each group's versions the highest version priority first
 * (then GA before beta before alpha), the first one preferred.
 */
export function apiGroupList(): object {
  const groups = new Map<string, { name: string; priority: number; versions: { groupVersion: string; version: string; priority: number }[] }>();
  for (const gv of groupVersions().filter((candidate) => candidate.group !== '')) {
    const priority = apiPriority(gv.groupVersion);
    const version = { groupVersion: gv.groupVersion, version: gv.version, priority: priority.version };
    const group = groups.get(gv.group);
    if (group) {
      group.versions.push(version);
      group.priority = Math.max(group.priority, priority.group);
    } else groups.set(gv.group, { name: gv.group, priority: priority.group, versions: [version] });
  }
  const ordered = [...groups.values()].sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : 1));
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: ordered.map((group) => {
      const versions = [...group.versions].sort((a, b) => b.priority - a.priority || compareKubeVersions(a.version, b.version)).map(({ groupVersion, version }) => ({ groupVersion, version }));
      return { name: group.name, versions, preferredVersion: versions[0]! };
    }),
  };
}

/** `GET /api/v1`, `GET /apis/<group>/<version>`: the resources of one group-version; undefined for one not served. */
export function apiResourceList(groupVersion: string): object | undefined {
  // a version served besides the stored one lists its resources as the stored version does
  const others = OTHER_VERSIONS.filter((other) => `${other.group}/${other.version}` === groupVersion).map((other) => RESOURCES.get(other.resource)!);
  const types = [...RESOURCES.values()].filter((type) => type.apiVersion === groupVersion).concat(others);
  if (types.length === 0) return undefined;
  const resources: object[] = [];
  for (const type of types) {
    resources.push({
      name: type.resource,
      singularName: type.singularName ?? type.kind.toLowerCase(),
      namespaced: type.namespaced,
      kind: type.kind,
      // A review is only created (and answered), a computed resource only read; everything else takes every verb.
      verbs: type.review ? ['create'] : type.computed ? ['get', 'list'] : VERBS,
      ...(type.shortNames ? { shortNames: type.shortNames } : {}),
      // `kubectl get all` lists the resources of category "all".
      ...(type.categories ? { categories: type.categories } : {}),
      // A stored resource says which version it is stored in, hashed (what a storage migrator compares).
      ...(type.review || type.computed ? {} : { storageVersionHash: storageVersionHash(type) }),
    });
    if (type.hasStatus) {
      resources.push({ name: `${type.resource}/status`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: ['get', 'patch', 'update'] });
    }
    const scale = type.custom?.scale ? [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }] : [];
    for (const sub of [...(EXTRA_SUBRESOURCES[type.resource] ?? []), ...scale]) {
      resources.push({
        name: `${type.resource}/${sub.name}`,
        singularName: '',
        namespaced: type.namespaced,
        ...(sub.group ? { group: sub.group, version: sub.version } : {}),
        kind: sub.kind,
        verbs: sub.verbs,
      });
    }
  }
  // In the order of their paths, as upstream's installer sorts them: bindings, componentstatuses, ..., pods, pods/attach, ...
  const byName = (resource: object) => (resource as { name: string }).name;
  resources.sort((a, b) => (byName(a) < byName(b) ? -1 : byName(a) > byName(b) ? 1 : 0));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/**
 * The hash of the version a resource is stored in (discovery.StorageVersionHash): the first 8 bytes
 * of the SHA-256 of `<group>/<version>/<kind>`, in base64. Pods: `/v1/Pod`, `xPOwRZ+Yhw8=`.
 */
export function storageVersionHash(type: Pick<ResourceType, 'apiVersion' | 'kind'>): string {
  const [group, version] = type.apiVersion.includes('/') ? type.apiVersion.split('/', 2) : ['', type.apiVersion];
  return createHash('sha256').update(`${group}/${version}/${type.kind}`).digest().subarray(0, 8).toString('base64');
}

/** The path of a group-version's document, relative to the server: 'api/v1', 'apis/apps/v1'. */
function openApiPath(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

/** `GET /openapi/v3`: where each group-version's document is. */
export function openApiIndex(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions()) {
    const path = openApiPath(gv.groupVersion);
    // the hash changes with the custom resources served, so that a client's cached document does too
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${SERVER_VERSION.gitVersion}-${customResourcesGeneration()}` };
  }
  return { paths };
}

/**
 * `GET /openapi/v3/<api/v1 | apis/group/version>`: the paths of one group-version's resources,
 * each PATCH naming its kind and the `fieldValidation` parameter. Undefined for one not served.
 */
export function openApiDocument(path: string): object | undefined {
  const gv = groupVersions().find((candidate) => openApiPath(candidate.groupVersion) === path);
  if (gv === undefined) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  const fieldValidation = { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } };
  for (const type of RESOURCES.values()) {
    if (type.apiVersion !== gv.groupVersion) continue;
    const gvk = { group: type.group, version: gv.version, kind: type.kind };
    const collection = `/${path}/${type.namespaced ? 'namespaces/{namespace}/' : ''}${type.resource}`;
    const operation = (action: string) => ({
      operationId: `${action}${type.kind}`,
      parameters: action === 'patch' || action === 'create' || action === 'replace' ? [fieldValidation] : [],
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    // A review is created only (kubectl create -f of one finds its kind here, and the fieldValidation it takes).
    if (type.review) {
      paths[collection] = { post: operation('create') };
      continue;
    }
    paths[collection] = type.computed ? { get: operation('list') } : { get: operation('list'), post: operation('create') };
    paths[`${collection}/{name}`] = type.computed ? { get: operation('get') } : { get: operation('get'), put: operation('replace'), patch: operation('patch'), delete: operation('delete') };
    if (type.custom) addCustomSchema(type, gv.version, schemas);
    else addSchemaOf(gvk, schemas);
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths, components: { schemas } };
}

/**
 * Adds the schema of a kind to `schemas`, and every schema it refers to, as upstream's documents
 * carry each group-version's kinds with what they are made of (`kubectl explain` follows `$ref`s
 * within the one document).
 */
function addSchemaOf(gvk: { group: string; version: string; kind: string }, schemas: Record<string, object>): void {
  const all = openApiSchemas();
  const name = Object.keys(all).find((candidate) =>
    (all[candidate]!['x-kubernetes-group-version-kind'] ?? []).some((k) => k.group === gvk.group && k.version === gvk.version && k.kind === gvk.kind),
  );
  if (name !== undefined) Object.assign(schemas, kitSchemasWithReferences([name]));
}

/** A custom resource's schema (from its definition), and ObjectMeta with what it refers to. */
function addCustomSchema(type: ResourceType, version: string, schemas: Record<string, object>): void {
  schemas[customSchemaName(type.group, version, type.kind)] = type.custom!.openApiSchema;
  Object.assign(schemas, kitSchemasWithReferences(['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']));
}

/** The kit's schemas of these names, with every schema they refer to (for a document of kinds made of the kit's types). */
export function kitSchemasWithReferences(names: readonly string[]): Record<string, object> {
  const all = openApiSchemas();
  const schemas: Record<string, object> = {};
  const add = (schemaName: string): void => {
    if (schemas[schemaName] !== undefined || all[schemaName] === undefined) return;
    schemas[schemaName] = all[schemaName]!;
    for (const ref of referencesOf(all[schemaName]!)) add(ref);
  };
  names.forEach(add);
  return schemas;
}

/** The names a schema refers to (`#/components/schemas/<name>`), at any depth. */
function referencesOf(schema: OpenApiSchema): string[] {
  const nested = [...Object.values(schema.properties ?? {}), ...(schema.items ? [schema.items] : []), ...(schema.additionalProperties ? [schema.additionalProperties] : []), ...(schema.allOf ?? [])];
  const own = schema.$ref ? [schema.$ref.replace('#/components/schemas/', '')] : [];
  return [...own, ...nested.flatMap(referencesOf)];
}

type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

/**
 * The checks behind each health endpoint, by upstream's names (a subset: upstream adds a
 * `poststarthook/...` for each of its start-up hooks). They pass whenever this server answers at
 * all: its store is in the same process.
 */
const HEALTH_CHECKS: Record<HealthEndpoint, readonly string[]> = {
  healthz: ['ping', 'log', 'etcd'],
  livez: ['ping', 'log', 'etcd'],
  readyz: ['ping', 'log', 'etcd', 'etcd-readiness', 'informer-sync', 'shutdown'],
};

/**
 * `GET /readyz` (and /livez, /healthz): `ok`; with `?verbose` each check on a line and a verdict,
 * as `kubectl get --raw='/readyz?verbose'` shows them; `/readyz/<check>` one check; `?exclude=<check>`
 * skips one (k8s.io/apiserver/pkg/server/healthz):
 *
 * ```
 * [+]ping ok
 * [+]etcd excluded: ok
 * readyz check passed
 * ```
 */
function healthCheck(endpoint: HealthEndpoint, check: string | undefined, query: URLSearchParams): { code: number; body: string } {
  const checks = HEALTH_CHECKS[endpoint];
  if (check !== undefined) {
    if (!checks.includes(check)) throw notFoundResource('');
    return { code: 200, body: 'ok' };
  }
  if (!query.has('verbose')) return { code: 200, body: 'ok' };
  const excluded = new Set(query.getAll('exclude'));
  const lines = checks.map((name) => (excluded.has(name) ? `[+]${name} excluded: ok` : `[+]${name} ok`));
  return { code: 200, body: `${lines.join('\n')}\n${endpoint} check passed\n` };
}

/** A non-resource request's answer: discovery, OpenAPI, health; 404 for anything else. */
export function serveNonResource(info: { verb: string; path: string; query?: URLSearchParams }, serverAddress: string): { code: number; body: unknown } {
  const path = info.path.replace(/\/+$/, '') || '/';
  if (info.verb !== 'get' && info.verb !== 'head') {
    throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', code: 405 });
  }
  if (path === '/version') return { code: 200, body: SERVER_VERSION };
  const health = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
  if (health) return healthCheck(health[1] as HealthEndpoint, health[2], info.query ?? new URLSearchParams());
  if (path === '/api') return { code: 200, body: apiVersions(serverAddress) };
  if (path === '/apis') return { code: 200, body: apiGroupList() };
  if (path === '/openapi/v3') return { code: 200, body: openApiIndex() };
  const groupVersion = /^\/api\/([^/]+)$/.exec(path)?.[1] ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(path)?.[1];
  const resources = groupVersion === undefined ? undefined : apiResourceList(groupVersion);
  if (resources) return { code: 200, body: resources };
  const document = path.startsWith('/openapi/v3/') ? openApiDocument(path.slice('/openapi/v3/'.length)) : undefined;
  if (document) return { code: 200, body: document };
  throw notFoundResource('');
}
