/**
 * The fields each kind offers to field selectors (given code, solutions/apiserver/resources.ts):
 * upstream's ToSelectableFields, which `kubectl get --field-selector` and scripts lean on.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { Registry, resourceType, statusOf } from '@kube/apiserver';
import { FakeClock, Random, type KubeObject, type Pod } from '@kube/kit';

function setUp() {
  const { store, watchable } = testStore();
  const registry = new Registry({ store, watchable, clock: new FakeClock(Date.UTC(2026, 0, 1)), random: new Random(9) });
  registry.create('namespaces', undefined, { metadata: { name: 'shop' } });
  const names = (resource: string, fieldSelector: string, namespace?: string) => registry.list(resource, namespace, { fieldSelector }).items.map((o) => o.metadata.name).sort();
  return { registry, names };
}

const pod = (name: string, spec: Partial<Pod['spec']> & { hostNetwork?: boolean }, status: Pod['status'] = {}): KubeObject =>
  ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'echo' }], ...spec }, status }) as Pod;

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/field-selectors.test.ts'), 240_000);
else describe('field selectors, kind by kind', () => {
  it.each([
    ['pods by restart policy: the Jobs\' pods that never restart', 'spec.restartPolicy=Never', ['batch']],
    ['pods by scheduler: the ones a second scheduler places', 'spec.schedulerName=my-scheduler', ['custom']],
    ['pods by ServiceAccount', 'spec.serviceAccountName=build-bot', ['batch']],
    ['pods on the host\'s network, false when the spec leaves it out', 'spec.hostNetwork=false', ['batch', 'custom', 'web']],
    ['pods by their first IP', 'status.podIP=127.0.1.5', ['web']],
    ['pods waiting for a preemption on a node', 'status.nominatedNodeName=node-2', ['custom']],
    ['pods not running, as `kubectl get pods -A --field-selector status.phase!=Running` asks', 'status.phase!=Running', ['batch', 'custom']],
  ])('selects %s', (_name, selector, expected) => {
    const { registry, names } = setUp();
    registry.create('pods', 'shop', pod('web', { nodeName: 'node-1', hostNetwork: false }, { phase: 'Running', podIPs: [{ ip: '127.0.1.5' }] }));
    registry.create('pods', 'shop', pod('batch', { restartPolicy: 'Never', serviceAccountName: 'build-bot' }));
    registry.create('pods', 'shop', pod('custom', { schedulerName: 'my-scheduler' }));
    // status as the registry keeps it: written through the status subresource
    const custom = registry.get<Pod>('pods', 'shop', 'custom');
    registry.updateStatus('pods', 'shop', { ...custom, status: { ...custom.status, nominatedNodeName: 'node-2' } });
    const web = registry.get<Pod>('pods', 'shop', 'web');
    registry.updateStatus('pods', 'shop', { ...web, status: { ...web.status, phase: 'Running', podIPs: [{ ip: '127.0.1.5' }] } });
    expect(names('pods', selector, 'shop')).toEqual(expected);
  });

  it('selects the cordoned nodes, the namespaces by phase, Secrets by type, ReplicaSets scaled to nothing, Jobs by successes and Services by type and address', () => {
    const { registry, names } = setUp();
    registry.create('nodes', undefined, { metadata: { name: 'node-1' }, spec: { unschedulable: true } });
    registry.create('nodes', undefined, { metadata: { name: 'node-2' } });
    expect(names('nodes', 'spec.unschedulable=true')).toEqual(['node-1']);
    expect(names('nodes', 'spec.unschedulable=false')).toEqual(['node-2']);
    expect(names('namespaces', 'status.phase=Active')).toEqual(['shop']);
    registry.create('secrets', 'shop', { metadata: { name: 'token', annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token' } as KubeObject);
    registry.create('secrets', 'shop', { metadata: { name: 'plain' } });
    expect(names('secrets', 'type=Opaque', 'shop')).toEqual(['plain']);
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'echo' }] } };
    registry.create('replicasets', 'shop', { metadata: { name: 'old' }, spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template } } as KubeObject);
    expect(names('replicasets', 'status.replicas=0', 'shop')).toEqual(['old']);
    registry.create('jobs', 'shop', { metadata: { name: 'once' }, spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } } as KubeObject);
    expect(names('jobs', 'status.successful=0', 'shop')).toEqual(['once']);
    registry.create('services', 'shop', { metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } } as KubeObject);
    registry.create('services', 'shop', { metadata: { name: 'web' }, spec: { type: 'NodePort', clusterIP: '127.96.0.9', ports: [{ port: 80 }] } } as KubeObject);
    expect(names('services', 'spec.clusterIP!=None', 'shop')).toEqual(['web']);
    expect(names('services', 'spec.type=NodePort', 'shop')).toEqual(['web']);
  });

  it('still refuses a field the kind does not offer, in upstream\'s words', () => {
    const { registry } = setUp();
    let caught: unknown;
    try {
      registry.list('configmaps', 'shop', { fieldSelector: 'spec.restartPolicy=Never' });
    } catch (error) {
      caught = error;
    }
    expect(statusOf(caught)).toMatchObject({ code: 400, message: 'field label not supported: spec.restartPolicy' });
  });

  test.prop([fc.constantFrom('pods', 'nodes', 'namespaces', 'secrets', 'replicasets', 'jobs', 'services', 'configmaps')])(
    'every kind offers metadata.name and metadata.namespace, and gives a value, possibly empty, for each field it offers, even of an object that sets nothing',
    (resource) => {
      const type = resourceType(resource);
      expect(type.selectableFields.slice(0, 2)).toEqual(['metadata.name', 'metadata.namespace']);
      const values = type.fieldsOf({ metadata: { name: 'x' } });
      expect(Object.keys(values).sort()).toEqual([...type.selectableFields].sort());
      for (const field of type.selectableFields) expect(typeof values[field], field).toBe('string');
    },
  );
});
