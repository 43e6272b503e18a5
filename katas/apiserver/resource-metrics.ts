/**
 * The resource metrics API, `metrics.k8s.io/v1beta1`: what each node and pod uses of the CPU and
 * of memory, as metrics-server serves it (kubernetes-sigs/metrics-server `pkg/api`, the types of
 * `k8s.io/metrics/pkg/apis/metrics/v1beta1`). `kubectl top` reads it, and so does the horizontal
 * pod autoscaler. Given code, the same in katas/ and solutions/.
 *
 * ```
 * GET /apis/metrics.k8s.io/v1beta1                              APIResourceList: nodes (NodeMetrics), pods (PodMetrics)
 * GET /apis/metrics.k8s.io/v1beta1/nodes[/<name>]               NodeMetricsList / NodeMetrics
 * GET /apis/metrics.k8s.io/v1beta1/[namespaces/<ns>/]pods[/<name>]?labelSelector=app%3Dweb
 *
 * {"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1",
 *  "metadata":{"name":"web-7c5d","namespace":"default","creationTimestamp":"…","labels":{"app":"web"}},
 *  "timestamp":"2026-12-07T15:40:00Z","window":"15.002s",
 *  "containers":[{"name":"web","usage":{"cpu":"251403092n","memory":"48316Ki"}}]}
 * ```
 *
 * The figures are a {@link ResourceMetricsSource}'s: the cluster's metrics-server
 * (cluster/metrics-server.ts), which scrapes every kubelet's Summary API. As metrics-server does,
 * a list answers the pods (or nodes) the store has that match the selectors, each with its latest
 * figures, and leaves out those without any yet; a get of one without figures is a 404
 * (`podmetrics.metrics.k8s.io "default/web" not found`). `kubectl get podmetrics` gets a Table of
 * Name, CPU, Memory and Window.
 *
 * Where it simplifies: upstream's metrics-server is an extension apiserver, and kube-apiserver's
 * aggregation layer proxies `/apis/metrics.k8s.io/` to it through the APIService
 * `v1beta1.metrics.k8s.io`, which the extension authorizes by a SubjectAccessReview. Here the
 * apiserver answers the group itself from the metrics-server's figures (the same process), and
 * authorizes as for any resource: `get`/`list` on `pods.metrics.k8s.io` or `nodes.metrics.k8s.io`.
 * The APIService is listed (`kubectl get apiservice v1beta1.metrics.k8s.io`: `kube-system/metrics-server`).
 */
import type { APIService, KubeObject, Node, Pod } from '@kube/kit';
import { toRFC3339, type Clock } from '@kube/kit';
import type { Authenticator, Authorizer } from './auth-api.ts';
import { kitSchemasWithReferences, SERVER_VERSION } from './discovery.ts';
import { authorizedUser } from './impersonation.ts';
import type { Registry } from './registry.ts';
import { fieldsMatch, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { badRequest, noRouteForMethod, notFound, notFoundResource, statusOf } from './status.ts';
import { wantsTable } from './table.ts';

/** The group and version. */
export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** What a thing uses: CPU in cores (`"251403092n"`) and memory in bytes (`"48316Ki"`), as quantities. */
export interface ResourceList {
  cpu: string;
  memory: string;
}

/** A node's usage over the window before `timestamp`. */
export interface NodeMetrics extends KubeObject {
  kind: 'NodeMetrics';
  timestamp: string;
  /** how long the CPU figure was measured over, a Go duration: `"15.002s"` */
  window: string;
  usage: ResourceList;
}

/** One container's usage. */
export interface ContainerMetrics {
  name: string;
  usage: ResourceList;
}

/** A pod's usage, container by container (`kubectl top pod` sums them). */
export interface PodMetrics extends KubeObject {
  kind: 'PodMetrics';
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** One measured usage, in numbers: CPU as a rate in nanocores, memory (the working set) in bytes. */
export interface Usage {
  cpuNanoCores: number;
  memoryBytes: number;
}

/** The latest point of a node or pod: when it was measured (epoch ms) and over how long (ms). */
export interface MetricsPoint {
  timestamp: number;
  windowMs: number;
}

/** Where the figures come from: the metrics-server's store of the latest points. */
export interface ResourceMetricsSource {
  /** the node's latest usage, if it has one */
  node(name: string): (MetricsPoint & { usage: Usage }) | undefined;
  /** the pod's latest usage per container, if it has one */
  pod(namespace: string, name: string): (MetricsPoint & { containers: { name: string; usage: Usage }[] }) | undefined;
}

/** Where the group-version's OpenAPI v3 document is, relative to the server. */
const OPENAPI_PATH = '/openapi/v3/apis/metrics.k8s.io/v1beta1';

/** `/apis/metrics.k8s.io/v1beta1[/namespaces/<ns>]/<nodes|pods>[/<name>]`, or the group-version's discovery. */
const METRICS_PATH = /^\/apis\/metrics\.k8s\.io\/v1beta1(?:\/namespaces\/([^/]+))?(?:\/(nodes|pods)(?:\/([^/]+))?)?\/?$/;

/** A CPU rate in nanocores as a canonical quantity: 251403092 is `251403092n`, 5000000 is `5m`, 0 is `0`. */
export function cpuQuantity(nanoCores: number): string {
  let value = Math.max(0, Math.round(nanoCores));
  if (value === 0) return '0';
  // A quantity is written with the largest suffix that keeps it whole, as apimachinery's canonical form.
  for (const suffix of ['n', 'u', 'm']) {
    if (value % 1000 !== 0) return `${value}${suffix}`;
    value /= 1000;
  }
  return String(value);
}

/** Bytes as a canonical binary quantity: 49475584 is `48316Ki`, 1048576 is `1Mi`, 1000 is `1000`. */
export function memoryQuantity(bytes: number): string {
  let value = Math.max(0, Math.round(bytes));
  if (value === 0) return '0';
  for (const suffix of ['', 'Ki', 'Mi', 'Gi', 'Ti']) {
    if (value % 1024 !== 0 || suffix === 'Ti') return `${value}${suffix}`;
    value /= 1024;
  }
  return String(value);
}

/** A duration as Go's time.Duration prints it: `15s`, `15.002s`, `1m0.5s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const minutes = Math.floor(ms / 60_000);
  const seconds = Number(((ms % 60_000) / 1000).toFixed(3));
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

/** The APIService kube-apiserver would hold for metrics-server (its components.yaml's). */
export function metricsApiService(created: string | undefined): APIService {
  return {
    kind: 'APIService',
    apiVersion: 'apiregistration.k8s.io/v1',
    metadata: { name: `${METRICS_VERSION}.${METRICS_GROUP}`, labels: { 'k8s-app': 'metrics-server' }, ...(created && { creationTimestamp: created }) },
    spec: { group: METRICS_GROUP, version: METRICS_VERSION, groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics-server', port: 443 }, insecureSkipTLSVerify: true },
    status: { conditions: [{ type: 'Available', status: 'True', ...(created && { lastTransitionTime: created }), reason: 'Passed', message: 'all checks passed' }] },
  } as APIService;
}

/** The group as `GET /apis` lists it. */
export const METRICS_API_GROUP = { name: METRICS_GROUP, versions: [{ groupVersion: API_VERSION, version: METRICS_VERSION }], preferredVersion: { groupVersion: API_VERSION, version: METRICS_VERSION } };

/** `GET /openapi/v3` with the metrics group-version's document added. */
export function withMetricsOpenApi(index: { paths?: Record<string, unknown> }): object {
  return { ...index, paths: { ...index.paths, 'apis/metrics.k8s.io/v1beta1': { serverRelativeURL: `${OPENAPI_PATH}?hash=${SERVER_VERSION.gitVersion}` } } };
}

/** `GET /apis` with the metrics group added where its priority (100, the lowest built in) puts it: last. */
export function withMetricsGroup(groupList: { groups?: unknown[] }): object {
  return { ...groupList, groups: [...(groupList.groups ?? []), METRICS_API_GROUP] };
}

/** Answers `metrics.k8s.io/v1beta1` from a {@link ResourceMetricsSource} and the store's nodes and pods. */
export class ResourceMetricsApi {
  constructor(
    private readonly registry: Registry,
    private readonly source: ResourceMetricsSource,
    private readonly clock: Clock,
  ) {}

  /** Is this a request for the metrics group-version (its discovery or a resource)? */
  static matches(url: string): boolean {
    const path = url.split('?')[0]!;
    return path === OPENAPI_PATH || (url.startsWith('/apis/metrics.k8s.io/v1beta1') && METRICS_PATH.test(path));
  }

  /** Answers one request; never throws: a failure is its Status. */
  answer(method: string, url: string, headers: Record<string, string | undefined>, authenticator: Authenticator | undefined, authorizer: Authorizer | undefined): { code: number; body: unknown } {
    try {
      const { pathname, searchParams } = new URL(url, 'http://apiserver');
      if (pathname === OPENAPI_PATH) {
        // what `kubectl explain podmetrics` reads, as metrics-server publishes it through the aggregator
        authorizedUser(headers['authorization'], authenticator, authorizer, { verb: 'get', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: pathname });
        return { code: 200, body: openApiDocument() };
      }
      const [, namespace = '', resource, name] = METRICS_PATH.exec(pathname)!.map((part) => (part === undefined ? undefined : decodeURIComponent(part)));
      const verb = name ? 'get' : 'list';
      if (!resource) {
        // The group-version's discovery document: a non-resource path, as /apis/<group>/<version> is.
        authorizedUser(headers['authorization'], authenticator, authorizer, { verb: 'get', resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: pathname });
        if (method !== 'GET' && method !== 'HEAD') throw noRouteForMethod();
        return { code: 200, body: discovery() };
      }
      authorizedUser(headers['authorization'], authenticator, authorizer, { verb: method === 'GET' || method === 'HEAD' ? verb : method.toLowerCase(), resourceRequest: true, apiGroup: METRICS_GROUP, apiVersion: METRICS_VERSION, resource, subresource: '', namespace, name: name ?? '', path: pathname });
      if (method !== 'GET' && method !== 'HEAD') throw noRouteForMethod(); // metrics are read only
      if (resource === 'nodes' && namespace) throw notFoundResource('');
      if (searchParams.get('watch') === 'true' || searchParams.get('watch') === '1') throw noRouteForMethod();
      const items = resource === 'nodes' ? this.nodeMetrics(name, searchParams) : this.podMetrics(namespace, name, searchParams);
      if (name) {
        const found = items[0];
        // A pod (node) the store does not have is its own NotFound; one without figures yet, its metrics'.
        if (!found && this.matching(resource as 'nodes' | 'pods', namespace || undefined, name, searchParams).length === 0) throw notFound(resource, name);
        if (!found) throw notFound(`${resource === 'nodes' ? 'nodemetrics' : 'podmetrics'}.${METRICS_GROUP}`, resource === 'nodes' ? name : `${namespace}/${name}`);
        return { code: 200, body: wantsTable(headers['accept']) ? this.table([found]) : found };
      }
      const kind = resource === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList';
      return { code: 200, body: wantsTable(headers['accept']) ? this.table(items) : { kind, apiVersion: API_VERSION, metadata: {}, items } };
    } catch (error) {
      const status = statusOf(error);
      return { code: status.code ?? 500, body: status };
    }
  }

  /** The nodes the store has (the one named, or those the selectors match) that have figures. */
  private nodeMetrics(name: string | undefined, query: URLSearchParams): NodeMetrics[] {
    const nodes = this.matching<Node>('nodes', undefined, name, query);
    const now = toRFC3339(this.clock.now());
    return nodes.flatMap((node) => {
      const point = this.source.node(node.metadata.name!);
      if (!point) return [];
      const metadata = { name: node.metadata.name, creationTimestamp: now, ...(node.metadata.labels && { labels: node.metadata.labels }) };
      return [{ kind: 'NodeMetrics' as const, apiVersion: API_VERSION, metadata, timestamp: toRFC3339(point.timestamp), window: goDuration(point.windowMs), usage: resourceList(point.usage) }];
    });
  }

  /** The pods the store has in `namespace` (every one for ''), matching, that have figures. */
  private podMetrics(namespace: string, name: string | undefined, query: URLSearchParams): PodMetrics[] {
    const pods = this.matching<Pod>('pods', namespace || undefined, name, query);
    const now = toRFC3339(this.clock.now());
    return pods.flatMap((pod) => {
      const point = this.source.pod(pod.metadata.namespace!, pod.metadata.name!);
      if (!point) return [];
      const metadata = { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: now, ...(pod.metadata.labels && { labels: pod.metadata.labels }) };
      const containers = point.containers.map((container) => ({ name: container.name, usage: resourceList(container.usage) }));
      return [{ kind: 'PodMetrics' as const, apiVersion: API_VERSION, metadata, timestamp: toRFC3339(point.timestamp), window: goDuration(point.windowMs), containers }];
    });
  }

  /** The store's objects of `resource`: the one named, or those the label and field selectors match. */
  private matching<T extends KubeObject>(resource: 'nodes' | 'pods', namespace: string | undefined, name: string | undefined, query: URLSearchParams): T[] {
    const objects = this.registry.list<T>(resource, namespace).items;
    if (name) return objects.filter((object) => object.metadata.name === name);
    let labels, fields;
    try {
      labels = parseLabelSelector(query.get('labelSelector') ?? '');
      // metrics-server matches a field selector against a pod's metadata only (its lister holds
      // PartialObjectMetadata): any field may be named, and one it does not hold is "".
      const text = query.get('fieldSelector') ?? '';
      fields = parseFieldSelector(text, text.split(',').map((clause) => /^\s*([^=!\s]*)/.exec(clause)![1]!));
    } catch (error) {
      throw badRequest(error instanceof Error ? error.message : String(error));
    }
    return objects.filter((object) => labels.matches(object.metadata.labels ?? {}) && fieldsMatch(fields, { 'metadata.name': object.metadata.name ?? '', 'metadata.namespace': object.metadata.namespace ?? '' }));
  }

  /** metrics-server's Table: Name, CPU, Memory, Window (a pod's figures summed over its containers). */
  private table(items: (NodeMetrics | PodMetrics)[]): object {
    const column = (name: string, format = '') => ({ name, type: 'string', format, description: name, priority: 0 });
    const rows = items.map((item) => {
      const usage = item.kind === 'NodeMetrics' ? item.usage : summed(item.containers);
      return { cells: [item.metadata.name, usage.cpu, usage.memory, item.window], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata } };
    });
    return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {}, columnDefinitions: [column('Name', 'name'), column('CPU'), column('Memory'), column('Window')], rows };
  }
}

/** Numbers as quantities. */
function resourceList(usage: Usage): ResourceList {
  return { cpu: cpuQuantity(usage.cpuNanoCores), memory: memoryQuantity(usage.memoryBytes) };
}

/** A pod's containers' usage added up, as quantities. */
function summed(containers: ContainerMetrics[]): ResourceList {
  let cpu = 0;
  let memory = 0;
  for (const container of containers) {
    cpu += nanoCoresOf(container.usage.cpu);
    memory += bytesOf(container.usage.memory);
  }
  return resourceList({ cpuNanoCores: cpu, memoryBytes: memory });
}

/** A CPU quantity this file wrote, back in nanocores. */
function nanoCoresOf(quantity: string): number {
  const [, digits = '0', suffix = ''] = /^(\d+)([num]?)$/.exec(quantity) ?? [];
  return Number(digits) * ({ n: 1, u: 1e3, m: 1e6, '': 1e9 } as Record<string, number>)[suffix]!;
}

/** A memory quantity this file wrote, back in bytes. */
function bytesOf(quantity: string): number {
  const [, digits = '0', suffix = ''] = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(quantity) ?? [];
  return Number(digits) * ({ '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 } as Record<string, number>)[suffix]!;
}

/** `GET /apis/metrics.k8s.io/v1beta1`. */
function discovery(): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: API_VERSION,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  };
}

/** The schema name of a metrics kind, as k8s.io/metrics names it. */
const schemaName = (kind: string) => `io.k8s.metrics.pkg.apis.metrics.v1beta1.${kind}`;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** `GET /openapi/v3/apis/metrics.k8s.io/v1beta1`: the paths of nodes and pods, and the schemas of their kinds (k8s.io/metrics' words). */
function openApiDocument(): object {
  const usage = { type: 'object', description: 'The memory usage is the memory working set.', additionalProperties: ref(QUANTITY) };
  const common = {
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    metadata: { ...ref(OBJECT_META), description: "Standard object's metadata." },
    timestamp: { type: 'string', format: 'date-time', description: 'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].' },
    window: { type: 'string' },
  };
  const gvk = (kind: string) => ({ 'x-kubernetes-group-version-kind': [{ group: METRICS_GROUP, version: METRICS_VERSION, kind }] });
  const schemas: Record<string, object> = {
    ...kitSchemasWithReferences([OBJECT_META, QUANTITY]),
    [schemaName('NodeMetrics')]: { type: 'object', description: 'NodeMetrics sets resource usage metrics of a node.', required: ['timestamp', 'window', 'usage'], properties: { ...common, usage }, ...gvk('NodeMetrics') },
    [schemaName('PodMetrics')]: {
      type: 'object',
      description: 'PodMetrics sets resource usage metrics of a pod.',
      required: ['timestamp', 'window', 'containers'],
      properties: { ...common, containers: { type: 'array', description: 'Metrics for all containers are collected within the same time window.', items: ref(schemaName('ContainerMetrics')) } },
      ...gvk('PodMetrics'),
    },
    [schemaName('ContainerMetrics')]: {
      type: 'object',
      description: 'ContainerMetrics sets resource usage metrics of a container.',
      required: ['name', 'usage'],
      properties: { name: { type: 'string', description: 'Container name corresponding to the one from pod.spec.containers.' }, usage },
    },
  };
  const operation = (action: 'get' | 'list', kind: string) => ({ operationId: `${action}${kind}`, responses: { '200': { description: 'OK' } }, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': { group: METRICS_GROUP, version: METRICS_VERSION, kind } });
  const root = `/apis/${API_VERSION}`;
  const paths = {
    [`${root}/nodes`]: { get: operation('list', 'NodeMetrics') },
    [`${root}/nodes/{name}`]: { get: operation('get', 'NodeMetrics') },
    [`${root}/pods`]: { get: operation('list', 'PodMetrics') },
    [`${root}/namespaces/{namespace}/pods`]: { get: operation('list', 'PodMetrics') },
    [`${root}/namespaces/{namespace}/pods/{name}`]: { get: operation('get', 'PodMetrics') },
  };
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths, components: { schemas } };
}
