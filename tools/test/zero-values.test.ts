/**
 * The given zero values (solutions/apiserver/zero-values.ts): what kube-apiserver's answers carry
 * because Go wrote them (`creationTimestamp: null` in a pod template, `resources: {}`,
 * `lastProbeTime: null`, a Service's `loadBalancer: {}`), and HttpClient dropping the null times
 * again as Go's decoder would. tools/test/apiserver-kubectl.test.ts checks them through kubectl.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { withoutZeroValues, withZeroValues } from '@kube/apiserver';

const template = (metadata?: object) => ({ ...(metadata && { metadata }), spec: { containers: [{ name: 'app', image: 'nginx' }] } });

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/zero-values.test.ts'), 240_000);
else describe('Go zero values in answers', () => {
  it.each([
    ['a Deployment\'s pod template gets creationTimestamp: null and each container resources: {}', { kind: 'Deployment', spec: { template: template({ labels: { app: 'web' } }) } }, { kind: 'Deployment', spec: { template: { metadata: { labels: { app: 'web' }, creationTimestamp: null }, spec: { containers: [{ name: 'app', image: 'nginx', resources: {} }] } } } }],
    ['a template without metadata gets metadata with the null time', { kind: 'ReplicaSet', spec: { template: template() } }, { kind: 'ReplicaSet', spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'app', image: 'nginx', resources: {} }] } } } }],
    ['a CronJob has two templates: the Job\'s and its pod\'s', { kind: 'CronJob', spec: { jobTemplate: { spec: { template: template({}) } } } }, { kind: 'CronJob', spec: { jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'app', image: 'nginx', resources: {} }] } } } } } }],
    ['a pod\'s conditions get lastProbeTime: null (and lastTransitionTime: null when none was set), a time of their own is kept', { kind: 'Pod', spec: { containers: [] }, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-07T01:00:00Z' }, { type: 'PodScheduled', status: 'False', lastProbeTime: '2026-12-07T01:00:00Z' }] } }, { kind: 'Pod', spec: { containers: [] }, status: { conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-12-07T01:00:00Z' }, { type: 'PodScheduled', status: 'False', lastProbeTime: '2026-12-07T01:00:00Z', lastTransitionTime: null }] } }],
    ['a Service\'s status is never missing its loadBalancer', { kind: 'Service', spec: {} }, { kind: 'Service', spec: {}, status: { loadBalancer: {} } }],
    ['requests of a container\'s own are kept', { kind: 'Pod', spec: { containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] } }, { kind: 'Pod', spec: { containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] } }],
    ['an Event written the old way gets eventTime: null, one written the events.k8s.io way its first and last timestamps null', { kind: 'Event', firstTimestamp: 't', lastTimestamp: 't', reportingComponent: 'kubelet', reportingInstance: 'node-1' }, { kind: 'Event', firstTimestamp: 't', lastTimestamp: 't', eventTime: null, reportingComponent: 'kubelet', reportingInstance: 'node-1' }],
    ['an Event without a reporting component gets the empty strings Go writes', { kind: 'Event', eventTime: 't' }, { kind: 'Event', eventTime: 't', firstTimestamp: null, lastTimestamp: null, reportingComponent: '', reportingInstance: '' }],
    ['a kind Go writes nothing more of is left alone', { kind: 'ConfigMap', data: { a: '1' } }, { kind: 'ConfigMap', data: { a: '1' } }],
  ])('%s', (_name, object, written) => {
    expect(withZeroValues(object)).toEqual(written);
  });

  it('fills in each item of a list and the object of a watch event, and leaves a Table alone', () => {
    expect(withZeroValues({ kind: 'ServiceList', items: [{ spec: {} }] })).toEqual({ kind: 'ServiceList', items: [{ spec: {}, status: { loadBalancer: {} } }] });
    expect(withZeroValues({ type: 'ADDED', object: { kind: 'Service', spec: {} } })).toEqual({ type: 'ADDED', object: { kind: 'Service', spec: {}, status: { loadBalancer: {} } } });
    const table = { kind: 'Table', rows: [] };
    expect(withZeroValues(table)).toBe(table);
  });

  const pods = fc.record({
    kind: fc.constant('Pod'),
    spec: fc.record({ containers: fc.array(fc.record({ name: fc.constantFrom('a', 'b'), resources: fc.option(fc.constant({ limits: { cpu: '1' } }), { nil: undefined }) }, { requiredKeys: ['name'] }), { maxLength: 2 }) }),
    status: fc.record({ conditions: fc.array(fc.record({ type: fc.constantFrom('Ready', 'PodScheduled'), status: fc.constantFrom('True', 'False'), lastProbeTime: fc.constantFrom(null, '2026-12-07T01:00:00Z'), lastTransitionTime: fc.constantFrom(null, '2026-12-07T01:00:00Z') }, { requiredKeys: ['type', 'status'] }), { maxLength: 3 }) }),
  });
  const deployments = fc.record({ kind: fc.constant('Deployment'), spec: fc.record({ template: fc.record({ metadata: fc.record({ labels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('web', 'db')), creationTimestamp: fc.constant(null) }, { requiredKeys: [] }) }) }) });

  test.prop([fc.oneof(pods, deployments)])('never changes what it is given, and filling in twice is filling in once', (object) => {
    const before = structuredClone(object);
    const once = withZeroValues(object);
    expect(object).toEqual(before);
    expect(withZeroValues(once)).toEqual(once);
  });

  test.prop([fc.oneof(pods, deployments)])('what a JavaScript client reads back is what was stored, as Go would read it: no null time, no empty resources', (object) => {
    const read = withoutZeroValues(JSON.parse(JSON.stringify(withZeroValues(object))));
    expect(read).toEqual(withoutZeroValues(structuredClone(object)));
    expect(JSON.stringify(read)).not.toMatch(/"(lastProbeTime|lastTransitionTime|creationTimestamp)":null|"resources":\{\}/);
  });

  it('drops, from what a client writes, what Go reads as no value: empty resources, null times, an empty loadBalancer, but not a value of its own', () => {
    const pod = { spec: { containers: [{ name: 'a', resources: {} }, { name: 'b', resources: { limits: { cpu: '1' } } }] }, status: { conditions: [{ type: 'Ready', lastProbeTime: null }] } };
    expect(withoutZeroValues(pod, 'Pod')).toEqual({ spec: { containers: [{ name: 'a' }, { name: 'b', resources: { limits: { cpu: '1' } } }] }, status: { conditions: [{ type: 'Ready' }] } });
    expect(withoutZeroValues({ kind: 'Service', status: { loadBalancer: {} } })).toEqual({ kind: 'Service', status: {} });
    expect(withoutZeroValues({ kind: 'Event', eventTime: null, reportingComponent: '', reportingInstance: 'node-1' })).toEqual({ kind: 'Event', reportingInstance: 'node-1' });
    expect(withoutZeroValues({ kind: 'Job', spec: { template: { metadata: { creationTimestamp: null, labels: { a: 'b' } }, spec: { containers: [{ name: 'a', resources: {} }] } } } })).toEqual({ kind: 'Job', spec: { template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a' }] } } } });
  });

  it('drops empty labels, annotations, finalizers and owner references (Go\'s omitempty: kubectl diff sends `annotations: {}`), and keeps those with something in them', () => {
    const empty = { kind: 'ConfigMap', metadata: { name: 'c', labels: {}, annotations: {}, finalizers: [], ownerReferences: [] } };
    expect(withoutZeroValues(empty)).toEqual({ kind: 'ConfigMap', metadata: { name: 'c' } });
    const full = { kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '' }, annotations: { b: '' }, finalizers: ['f'], ownerReferences: [{ uid: 'u' }] } };
    expect(withoutZeroValues(structuredClone(full))).toEqual(full);
  });
});
