/**
 * ComponentStatus (given code, solutions/apiserver/component-statuses.ts): what `kubectl get cs`
 * reads, checked when asked — a leader is healthy while its Lease is held and fresh — and never
 * stored. tools/test/apiserver-kubectl.test.ts runs kubectl v1.32 against it.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { componentStatuses, isStatusError, Registry, statusOf, withComponentStatuses } from '@kube/apiserver';
import { FakeClock, Random, type Lease } from '@kube/kit';

const NOW = Date.UTC(2026, 0, 1, 12);

function setUp() {
  const { store, watchable } = testStore();
  const clock = new FakeClock(NOW);
  const registry = new Registry({ store, watchable, clock, random: new Random(5) });
  registry.create('namespaces', undefined, { metadata: { name: 'kube-system' } });
  const lease = (name: string, spec: Lease['spec']) => registry.create<Lease>('leases', 'kube-system', { metadata: { name }, spec } as Lease);
  const served = withComponentStatuses(registry, () => componentStatuses(registry, clock));
  /** `NAME STATUS MESSAGE` of each, as `kubectl get cs` would print them. */
  const rows = () => componentStatuses(registry, clock).map((s) => `${s.metadata.name} ${s.conditions![0]!.status} ${s.conditions![0]!.message}`);
  return { registry, clock, lease, served, rows };
}

/** The renewal time `ms` before now, as a Lease carries it: a MicroTime, `2026-01-01T11:59:45.001000Z`. */
const renewed = (ms: number) => new Date(NOW - ms).toISOString().replace('Z', '000Z');

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/component-statuses.test.ts'), 240_000);
else describe('ComponentStatus', () => {
  it.each<[string, Lease['spec'] | undefined, string]>([
    ['a scheduler that holds its Lease and renewed it 3 s ago is healthy', { holderIdentity: 'cp_1', leaseDurationSeconds: 15, renewTime: renewed(3_000) }, 'scheduler True ok'],
    ['a scheduler that renewed 14.999 s ago, within its 15 s, is still healthy', { holderIdentity: 'cp_1', leaseDurationSeconds: 15, renewTime: renewed(14_999) }, 'scheduler True ok'],
    ['a scheduler that renewed exactly 15 s ago has run out', { holderIdentity: 'cp_1', leaseDurationSeconds: 15, renewTime: renewed(15_000) }, 'scheduler False the Lease kube-system/kube-scheduler has run out: cp_1 has not renewed it since 2026-01-01T11:59:45Z'],
    ['a scheduler that handed its Lease back on stopping is unhealthy at once', { holderIdentity: '', leaseDurationSeconds: 1, renewTime: renewed(0) }, 'scheduler False the Lease kube-system/kube-scheduler is held by no one: kube-scheduler stopped'],
    ['a Lease held but never renewed is unhealthy', { holderIdentity: 'cp_1', leaseDurationSeconds: 15 }, 'scheduler False the Lease kube-system/kube-scheduler has run out: it was never renewed'],
    ['no Lease at all: no scheduler has ever led', undefined, 'scheduler False no Lease kube-system/kube-scheduler: kube-scheduler has never led'],
  ])('%s', (_name, spec, row) => {
    const { lease, rows } = setUp();
    if (spec) lease('kube-scheduler', spec);
    expect(rows()[0]).toBe(row);
  });

  it('lists scheduler, controller-manager and etcd-0, in that order, each with one Healthy condition; etcd-0 is ok while the server answers', () => {
    const { lease, served } = setUp();
    lease('kube-controller-manager', { holderIdentity: 'cp_1', leaseDurationSeconds: 15, renewTime: renewed(1_000) });
    const list = served.list('componentstatuses', undefined);
    expect(list.items).toEqual([
      { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'scheduler' }, conditions: [{ type: 'Healthy', status: 'False', message: 'no Lease kube-system/kube-scheduler: kube-scheduler has never led' }] },
      { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'controller-manager' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
      { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
    ]);
  });

  it('gets one by name; a name that is no component is upstream\'s plain error, a 500', () => {
    const { served } = setUp();
    expect(served.get('componentstatuses', undefined, 'etcd-0').metadata.name).toBe('etcd-0');
    let caught: unknown;
    try {
      served.get('componentstatuses', undefined, 'kubelet');
    } catch (error) {
      caught = error;
    }
    expect(isStatusError(caught, 'InternalError') && statusOf(caught)).toMatchObject({ code: 500, message: 'Internal error occurred: Component not found: kubelet' });
  });

  it('honours a list\'s selectors: metadata.name picks one, any label requirement none, a malformed selector is a 400', () => {
    const { served } = setUp();
    expect(served.list('componentstatuses', undefined, { fieldSelector: 'metadata.name=etcd-0' }).items.map((s) => s.metadata.name)).toEqual(['etcd-0']);
    expect(served.list('componentstatuses', undefined, { fieldSelector: 'metadata.name!=etcd-0' }).items.map((s) => s.metadata.name)).toEqual(['scheduler', 'controller-manager']);
    expect(served.list('componentstatuses', undefined, { labelSelector: 'tier=control-plane' }).items).toEqual([]);
    expect(() => served.list('componentstatuses', undefined, { labelSelector: 'tier in (a' })).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 400 }) }));
    expect(() => served.list('componentstatuses', undefined, { fieldSelector: 'spec.nodeName=x' })).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 400 }) }));
  });

  it('leaves every other resource to the registry, and stores nothing of its own', () => {
    const { registry, served } = setUp();
    expect(served.get('namespaces', undefined, 'kube-system').metadata.name).toBe('kube-system');
    expect(served.list('namespaces', undefined).items.map((n) => n.metadata.name)).toEqual(['kube-system']);
    served.list('componentstatuses', undefined);
    expect(registry.list('componentstatuses', undefined).items).toEqual([]);
  });

  test.prop([fc.option(fc.constantFrom('', 'cp_1', 'cp_2')), fc.integer({ min: 1, max: 60 }), fc.option(fc.integer({ min: -120_000, max: 120_000 }))])(
    'a leader is healthy exactly when someone holds its Lease and renewed it less than its duration ago (a renewal ahead of the clock counts as fresh)',
    (holder, durationSeconds, renewedAgo) => {
      const { lease, rows } = setUp();
      if (holder !== null) lease('kube-controller-manager', { holderIdentity: holder, leaseDurationSeconds: durationSeconds, ...(renewedAgo !== null && { renewTime: renewed(renewedAgo) }) });
      const healthy = rows()[1]!.startsWith('controller-manager True');
      expect(healthy).toBe(!!holder && renewedAgo !== null && renewedAgo < durationSeconds * 1000);
    },
  );

  test.prop([fc.array(fc.record({ name: fc.constantFrom('kube-scheduler', 'kube-controller-manager'), ago: fc.integer({ min: 0, max: 60_000 }) }), { maxLength: 4 })])(
    'a list says what a get of each name says, whatever the Leases',
    (leases) => {
      const { registry, lease, served } = setUp();
      for (const { name, ago } of leases) {
        const spec = { holderIdentity: 'cp_1', leaseDurationSeconds: 15, renewTime: renewed(ago) };
        try {
          lease(name, spec);
        } catch {
          registry.update<Lease>('leases', 'kube-system', { ...registry.get<Lease>('leases', 'kube-system', name), spec });
        }
      }
      const listed = served.list('componentstatuses', undefined).items;
      expect(listed).toEqual(listed.map((s) => served.get('componentstatuses', undefined, s.metadata.name!)));
    },
  );
});
