/**
 * The apiserver's /metrics (given code, beyond the katas: solutions/apiserver/metrics.ts): each
 * request labelled as upstream labels it, counted once answered, timed into its histogram, and the
 * text Prometheus (and `kubectl get --raw /metrics`) reads.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ApiserverMetrics, DURATION_BUCKETS, requestLabels } from '@kube/apiserver';
import { FakeClock } from '@kube/kit';

/** The value of one series in a rendered text, by its name and exact labels. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/metrics.test.ts'), 240_000);
else describe('the apiserver\'s /metrics', () => {
  it.each([
    ['a list of a namespace\'s pods is a LIST of pods in namespace scope', 'GET', '/api/v1/namespaces/default/pods?limit=500', { verb: 'LIST', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'namespace', dry_run: '' }],
    ['a watch of every deployment is a WATCH in cluster scope', 'GET', '/apis/apps/v1/deployments?watch=true', { verb: 'WATCH', group: 'apps', version: 'v1', resource: 'deployments', subresource: '', scope: 'cluster', dry_run: '' }],
    ['a status write of one pod is a PUT of its subresource in resource scope', 'PUT', '/api/v1/namespaces/default/pods/web/status', { verb: 'PUT', group: '', version: 'v1', resource: 'pods', subresource: 'status', scope: 'resource', dry_run: '' }],
    ['a server-side apply is an APPLY, and a dry run says so', 'PATCH', '/apis/apps/v1/namespaces/shop/deployments/web?dryRun=All&fieldManager=kubectl', { verb: 'APPLY', group: 'apps', version: 'v1', resource: 'deployments', subresource: '', scope: 'resource', dry_run: 'All' }],
    ['kubectl exec is a CONNECT', 'POST', '/api/v1/namespaces/default/pods/web/exec?command=ls', { verb: 'CONNECT', group: '', version: 'v1', resource: 'pods', subresource: 'exec', scope: 'resource', dry_run: '' }],
    ['a delete of every pod of a namespace is a DELETECOLLECTION', 'DELETE', '/api/v1/namespaces/default/pods', { verb: 'DELETECOLLECTION', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'namespace', dry_run: '' }],
    ['a path outside the API is its method, without a resource', 'GET', '/healthz', { verb: 'GET', group: '', version: '', resource: '', subresource: '', scope: '', dry_run: '' }],
  ])('%s', (_name, method, url, labels) => {
    expect(requestLabels(method, url, method === 'PATCH' ? 'application/apply-patch+yaml' : undefined)).toEqual(labels);
  });

  it('renders each family in Prometheus\' text format: counts by code, the latency histogram, requests in flight, open watches, stored objects', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const metrics = new ApiserverMetrics(clock, () => new Map([['pods', 3], ['deployments.apps', 1]]));
    const list = requestLabels('GET', '/api/v1/namespaces/default/pods');
    metrics.begin(list)(200);
    const slow = metrics.begin(list);
    await clock.advance(300);
    slow(200);
    metrics.begin(requestLabels('POST', '/api/v1/namespaces/default/pods'))(403);
    metrics.begin(requestLabels('GET', '/api/v1/pods?watch=1'));
    const inFlight = metrics.begin(requestLabels('DELETE', '/api/v1/namespaces/default/pods/web'));
    const text = metrics.render();
    const pods = 'component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"';
    expect(value(text, `apiserver_request_total{code="200",${pods}}`)).toBe(2);
    expect(value(text, 'apiserver_request_total{code="403",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="POST",version="v1"}')).toBe(1);
    expect(value(text, `apiserver_request_duration_seconds_bucket{${pods},le="0.2"}`)).toBe(1);
    expect(value(text, `apiserver_request_duration_seconds_bucket{${pods},le="0.4"}`)).toBe(2);
    expect(value(text, `apiserver_request_duration_seconds_bucket{${pods},le="+Inf"}`)).toBe(2);
    expect(value(text, `apiserver_request_duration_seconds_sum{${pods}}`)).toBe(0.3);
    expect(value(text, 'apiserver_current_inflight_requests{request_kind="mutating"}')).toBe(1);
    expect(value(text, 'apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="WATCH",version="v1"}')).toBe(1);
    expect(value(text, 'apiserver_storage_objects{resource="deployments.apps"}')).toBe(1);
    expect(text).toContain('# TYPE apiserver_request_total counter\n');
    expect(text).toContain('# TYPE apiserver_request_duration_seconds histogram\n');
    expect(text).toMatch(/^kubernetes_build_info\{.*git_version="v1\.32\.0-kubekata".*\} 1$/m);
    inFlight(200);
    expect(value(metrics.render(), 'apiserver_current_inflight_requests{request_kind="mutating"}')).toBe(0);
  });

  const request = fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), path: fc.constantFrom('/api/v1/pods', '/api/v1/namespaces/a/pods/x', '/apis/apps/v1/namespaces/a/deployments', '/version'), code: fc.constantFrom(200, 201, 404, 409), ms: fc.nat(70_000) });
  test.prop([fc.array(request, { maxLength: 30 })])(
    'every request answered is counted once, in one series of the counter and one of the histogram, whose buckets never decrease and end at its count',
    async (requests) => {
      const clock = new FakeClock(0);
      const metrics = new ApiserverMetrics(clock);
      for (const r of requests) {
        const done = metrics.begin(requestLabels(r.method, r.path));
        await clock.advance(r.ms);
        done(r.code);
        done(r.code); // a second end changes nothing
      }
      const lines = metrics.render().split('\n');
      const sum = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).reduce((total, l) => total + Number(l.split(' ').at(-1)), 0);
      expect(sum('apiserver_request_total{')).toBe(requests.length);
      expect(sum('apiserver_request_duration_seconds_count{')).toBe(requests.length);
      for (const countLine of lines.filter((l) => l.startsWith('apiserver_request_duration_seconds_count{'))) {
        const labels = countLine.slice('apiserver_request_duration_seconds_count{'.length, countLine.lastIndexOf('}'));
        const buckets = lines.filter((l) => l.startsWith(`apiserver_request_duration_seconds_bucket{${labels},le=`)).map((l) => Number(l.split(' ').at(-1)));
        expect(buckets).toHaveLength(DURATION_BUCKETS.length + 1);
        expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
        expect(buckets.at(-1)).toBe(Number(countLine.split(' ').at(-1)));
      }
      expect(lines).toContain('apiserver_current_inflight_requests{request_kind="mutating"} 0');
      expect(lines).toContain('apiserver_current_inflight_requests{request_kind="readOnly"} 0');
    },
  );
});
