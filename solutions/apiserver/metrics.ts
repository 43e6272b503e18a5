/**
 * The apiserver's `/metrics` (k8s.io/apiserver/pkg/endpoints/metrics, v1.32): what Prometheus
 * scrapes, and what `kubectl get --raw /metrics` shows — how many requests of each kind the server
 * answered and with what code, how long they took, how many are in flight, how many watches are
 * open, and how many objects of each resource the store holds.
 *
 * ```
 * kubectl get --raw /metrics | grep 'apiserver_request_total{.*resource="pods"'
 * apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 12
 * apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="POST",version="v1"} 3
 * ```
 *
 * Given code: the HTTP server counts each request as it answers it. Written in Prometheus' text
 * format (version 0.0.4), families sorted by name as the Go client sorts them.
 *
 * Where it simplifies: a handful of upstream's families (no etcd, watch-cache, admission or
 * flow-control metrics; no go_* runtime metrics, the process_* ones for Node instead).
 */
import type { Clock } from '@kube/kit';
import { SERVER_VERSION } from './discovery.ts';

/** The request latency histogram's buckets, in seconds (upstream's apiserver_request_duration_seconds). */
export const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60] as const;

/** What a request was, in the labels upstream gives it. */
export interface RequestLabels {
  /** GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION, CONNECT; for a non-resource path, the method */
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** `resource` (one object), `namespace`, `cluster`; '' for a non-resource path */
  scope: string;
  /** `All` for a dry run, else '' */
  dry_run: string;
}

/** A path's segments after `/api/v1` or `/apis/<group>/<version>`, as a request's labels (upstream's RequestInfo, for metrics). */
export function requestLabels(method: string, url: string, contentType?: string): RequestLabels {
  const { pathname, searchParams } = new URL(url, 'http://apiserver');
  const parts = pathname.split('/').filter(Boolean);
  const dryRun = searchParams.getAll('dryRun').length > 0 ? 'All' : '';
  let rest: string[];
  let group = '';
  let version = '';
  if (parts[0] === 'api' && parts.length >= 3) [, version = '', ...rest] = parts;
  else if (parts[0] === 'apis' && parts.length >= 4) [, group = '', version = '', ...rest] = parts;
  else return { verb: method.toUpperCase(), group: '', version: '', resource: '', subresource: '', scope: '', dry_run: dryRun };
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = rest;
  const scope = name !== '' ? 'resource' : namespace !== '' ? 'namespace' : 'cluster';
  const watch = searchParams.get('watch') === 'true' || searchParams.get('watch') === '1';
  const verbs: Record<string, string> = { GET: name ? 'GET' : watch ? 'WATCH' : 'LIST', POST: 'POST', PUT: 'PUT', PATCH: contentType?.startsWith('application/apply-patch') ? 'APPLY' : 'PATCH', DELETE: name ? 'DELETE' : 'DELETECOLLECTION' };
  const verb = ['exec', 'attach', 'portforward', 'proxy'].includes(subresource) ? 'CONNECT' : (verbs[method.toUpperCase()] ?? method.toUpperCase());
  return { verb, group, version, resource, subresource, scope, dry_run: dryRun };
}

/** `{a="1",b="2"}`, values escaped as Prometheus asks. */
function labelText(labels: Readonly<Record<string, string>>): string {
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const pairs = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${escape(labels[key]!)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** A number as Prometheus writes one (`+Inf` for infinity). */
function numberText(value: number): string {
  return value === Infinity ? '+Inf' : String(value);
}

/** One histogram series: its bucket counts, sum and count. */
interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

/** The apiserver's counters and gauges, and their text for `/metrics`. */
export class ApiserverMetrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly watches = new Map<string, number>();
  private readonly inflight = { mutating: 0, readOnly: 0 };
  private readonly started: number;

  /**
   * @param clock - times the requests
   * @param storedObjects - how many objects of each resource the store holds now, by upstream's
   *   resource label (`pods`, `deployments.apps`)
   */
  constructor(
    private readonly clock: Clock,
    private readonly storedObjects: () => ReadonlyMap<string, number> = () => new Map(),
  ) {
    this.started = clock.now();
  }

  /** A request begins; the function it returns ends it with its code (a watch is counted open until it ends). */
  begin(labels: RequestLabels): (code: number) => void {
    const kind = ['GET', 'LIST', 'WATCH'].includes(labels.verb) ? 'readOnly' : 'mutating';
    const start = this.clock.now();
    const { dry_run: _dryRun, ...watchLabels } = labels;
    const watchKey = labelText({ component: 'apiserver', ...watchLabels });
    if (labels.verb === 'WATCH') this.watches.set(watchKey, (this.watches.get(watchKey) ?? 0) + 1);
    else this.inflight[kind]++;
    let ended = false;
    return (code) => {
      if (ended) return;
      ended = true;
      if (labels.verb === 'WATCH') this.watches.set(watchKey, this.watches.get(watchKey)! - 1);
      else this.inflight[kind]--;
      const key = labelText({ code: String(code), component: 'apiserver', ...labels });
      this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
      const seconds = (this.clock.now() - start) / 1000;
      const durationKey = labelText({ component: 'apiserver', ...labels });
      const histogram = this.durations.get(durationKey) ?? { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      DURATION_BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) histogram.buckets[i]!++;
      });
      histogram.sum += seconds;
      histogram.count++;
      this.durations.set(durationKey, histogram);
    };
  }

  /** Every family, in Prometheus' text format. */
  render(): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string, series: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of series) lines.push(`${name}${labels} ${numberText(value)}`);
    };
    family('apiserver_current_inflight_requests', 'gauge', '[STABLE] Maximal number of currently used inflight request limit of this apiserver per request kind in last second.', [
      [labelText({ request_kind: 'mutating' }), this.inflight.mutating],
      [labelText({ request_kind: 'readOnly' }), this.inflight.readOnly],
    ]);
    family('apiserver_longrunning_requests', 'gauge', '[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.', [...this.watches].sort());
    lines.push(
      '# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      '# TYPE apiserver_request_duration_seconds histogram',
    );
    for (const [labels, histogram] of [...this.durations].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const inner = labels.slice(1, -1);
      DURATION_BUCKETS.forEach((bound, i) => lines.push(`apiserver_request_duration_seconds_bucket{${inner},le="${bound}"} ${histogram.buckets[i]}`));
      lines.push(`apiserver_request_duration_seconds_bucket{${inner},le="+Inf"} ${histogram.count}`);
      lines.push(`apiserver_request_duration_seconds_sum${labels} ${histogram.sum}`, `apiserver_request_duration_seconds_count${labels} ${histogram.count}`);
    }
    family('apiserver_request_total', 'counter', '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.', [...this.requests].sort());
    const stored = [...this.storedObjects()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([resource, count]): [string, number] => [labelText({ resource }), count]);
    family('apiserver_storage_objects', 'gauge', '[STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.', stored);
    family('kubernetes_build_info', 'gauge', '[ALPHA] A metric with a constant \'1\' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.', [
      [labelText({ build_date: SERVER_VERSION.buildDate, compiler: SERVER_VERSION.compiler, git_commit: SERVER_VERSION.gitCommit, git_tree_state: SERVER_VERSION.gitTreeState, git_version: SERVER_VERSION.gitVersion, go_version: SERVER_VERSION.goVersion, major: SERVER_VERSION.major, minor: SERVER_VERSION.minor, platform: SERVER_VERSION.platform }), 1],
    ]);
    const cpu = process.cpuUsage();
    family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', [['', (cpu.user + cpu.system) / 1e6]]);
    family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [['', process.memoryUsage().rss]]);
    family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [['', this.started / 1000]]);
    return `${lines.join('\n')}\n`;
  }
}
