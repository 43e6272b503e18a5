/**
 * PodDisruptionBudgets (given code, beyond the katas): the apiserver's policy/v1 validation
 * (solutions/apiserver/pdb-strategy.ts), the disruption controller (solutions/controllers/disruption.ts)
 * and the eviction subresource's checkAndDecrement (solutions/apiserver/eviction.ts), as v1.32's.
 * Pods, ReplicaSets and Deployments are written by the test, as their controllers and kubelets
 * would write them; time is the cluster's FakeClock.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { PodEvictions } from '@kube/apiserver';
import { DisruptionController } from '@kube/controllers';
import type { Deployment, OwnerReference, Pod, PodDisruptionBudget, PodDisruptionBudgetSpec, ReplicaSet, Status } from '@kube/kit';

async function running() {
  const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => new DisruptionController(parts));
  const budgets = api.resource<PodDisruptionBudget>('poddisruptionbudgets', 'default');
  const evictions = new PodEvictions(cluster.registry, cluster.clock);
  /** A Deployment "web" of `replicas` with its ReplicaSet: the owner reference its pods carry. */
  const deployment = async (replicas: number): Promise<OwnerReference> => {
    const d = await api.deployments('default').create({ metadata: { name: 'web' }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } } } as Deployment);
    const rs = await api.replicaSets('default').create({
      metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid!, controller: true }] },
      spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } },
    } as ReplicaSet);
    return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: rs.metadata.uid!, controller: true };
  };
  /** A pod labelled app=web, Running and Ready (or not), with this controller (or none). */
  const pod = async (name: string, ready: boolean, owner?: OwnerReference) => {
    const created = await api.pods('default').create({ metadata: { name, labels: { app: 'web' }, ...(owner && { ownerReferences: [owner] }) }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } as Pod);
    await api.pods('default').updateStatus({ ...created, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
  };
  const budget = async (spec: Partial<PodDisruptionBudgetSpec>) => {
    await budgets.create({ metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });
    await cluster.settle();
    return (await budgets.get('web')).status;
  };
  /** POSTs an Eviction, as kubectl drain does: the code and the Status. */
  const evict = (name: string, dryRun = false) => {
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(dryRun && { deleteOptions: { dryRun: ['All'] } }) };
    const answer = evictions.answer('POST', `/api/v1/namespaces/default/pods/${name}/eviction`, { 'content-type': 'application/json' }, JSON.stringify(body), undefined, undefined);
    return { code: answer.code, status: answer.body as Status };
  };
  const live = async () => (await api.pods('default').list()).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();
  return { cluster, api, budgets, deployment, pod, budget, evict, live, recorder, errors, stop };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/disruption.test.ts'), 240_000);
else describe('PodDisruptionBudgets', () => {
  it('the apiserver refuses a budget with both bounds, a bound that is no number or percentage, and a policy that does not exist', async () => {
    const { budgets, stop } = await running();
    const refused = async (spec: object, message: string) => {
      await expect(budgets.create({ metadata: { name: 'bad' }, spec: spec as PodDisruptionBudgetSpec })).rejects.toThrow(message);
    };
    await refused({ minAvailable: 1, maxUnavailable: 1 }, 'spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set');
    await refused({ minAvailable: '120%' }, 'spec.minAvailable: Invalid value: "120%": must not be greater than 100%');
    await refused({ maxUnavailable: 'half' }, "spec.maxUnavailable: Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%'");
    await refused({ maxUnavailable: -1 }, 'spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0');
    await refused({ minAvailable: 1, unhealthyPodEvictionPolicy: 'Sometimes' }, 'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"');
    const created = await budgets.create({ metadata: { name: 'good' }, spec: { minAvailable: '50%', selector: {} } });
    expect(created.metadata.generation).toBe(1);
    await stop();
  });

  it('counts an integer minAvailable against the pods it selects, and a maxUnavailable against their Deployment\'s replicas', async () => {
    const { deployment, pod, budget, budgets, cluster, errors, stop } = await running();
    const owner = await deployment(4);
    for (const [name, ready] of [['a', true], ['b', true], ['c', true], ['d', false]] as const) await pod(`web-${name}`, ready, owner);
    expect(await budget({ minAvailable: 2 })).toEqual({
      observedGeneration: 1,
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 4,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SufficientPods', message: '' }],
    });
    const stored = await budgets.get('web');
    await budgets.update({ ...stored, spec: { selector: stored.spec!.selector!, maxUnavailable: '50%' } });
    await cluster.settle();
    // 4 replicas, 50% rounded up may be unavailable: 2 must stay, 3 are.
    expect((await budgets.get('web')).status).toMatchObject({ observedGeneration: 2, expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('cannot count a budget that needs a scale when a pod\'s controller has none: DisruptionAllowed False with reason SyncFailed, and a warning', async () => {
    const { pod, budget, recorder, errors, stop } = await running();
    await pod('agent-x', true, { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u-1', controller: true });
    const status = await budget({ maxUnavailable: 1 });
    expect(status?.disruptionsAllowed).toBe(0);
    expect(status?.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'daemonsets.apps does not implement the scale subresource' })]);
    expect(recorder.events.map((e) => [e.type, e.reason, e.message])).toContainEqual(['Warning', 'CalculateExpectedPodCountFailed', 'Failed to calculate the number of expected pods: daemonsets.apps does not implement the scale subresource']);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('an eviction takes one disruption and records the pod; the next is a 429 with the budget\'s numbers until the pod is gone and another is ready', async () => {
    const { cluster, deployment, pod, budget, budgets, evict, live, errors, stop } = await running();
    const owner = await deployment(3);
    for (const name of ['a', 'b', 'c']) await pod(`web-${name}`, true, owner);
    await budget({ minAvailable: 2 });
    expect(evict('web-a').code).toBe(201);
    const afterFirst = (await budgets.get('web')).status!;
    expect(afterFirst.disruptionsAllowed).toBe(0);
    expect(afterFirst.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    expect(await live()).toEqual(['web-b', 'web-c']);
    const refused = evict('web-b');
    expect(refused.code).toBe(429);
    // The numbers are the status as the controller last wrote it: the eviction only took a disruption.
    expect(refused.status).toMatchObject({ reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget.", details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 3 currently' }] } });
    await cluster.settle();
    expect(evict('web-b').status.details?.causes?.[0]?.message, 'counted again: 2 healthy of 2').toBe('The disruption budget web needs 2 healthy pods and has 2 currently');
    await pod('web-d', true, owner);
    await cluster.settle();
    expect(evict('web-b').code).toBe(201);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('lets a pod that is not Ready go without taking a disruption while the budget has its healthy pods, and a Pending pod without asking', async () => {
    const { deployment, pod, budget, budgets, evict, api, stop } = await running();
    const owner = await deployment(3);
    for (const [name, ready] of [['a', true], ['b', true], ['c', false]] as const) await pod(`web-${name}`, ready, owner);
    await budget({ minAvailable: 2 });
    expect((await budgets.get('web')).status?.disruptionsAllowed).toBe(0);
    expect(evict('web-c').code).toBe(201);
    expect((await budgets.get('web')).status?.disruptedPods).toBeUndefined();
    await api.pods('default').create({ metadata: { name: 'web-p', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } as Pod);
    expect(evict('web-p').code).toBe(201);
    expect(evict('web-a').code).toBe(429);
    await stop();
  });

  it('answers 429 while the budget\'s status is older than its spec, 500 for a pod two budgets select, and writes nothing on a dry run', async () => {
    const { cluster, deployment, pod, budget, budgets, evict, errors, stop } = await running();
    const owner = await deployment(3);
    for (const name of ['a', 'b', 'c']) await pod(`web-${name}`, true, owner);
    await budget({ minAvailable: 1 });
    const dry = evict('web-a', true);
    expect(dry.code).toBe(201);
    expect((await budgets.get('web')).status).toMatchObject({ disruptionsAllowed: 2 });
    expect((await budgets.get('web')).status?.disruptedPods).toBeUndefined();
    // A change the controller has not seen yet: the registry's update is not watched until settle.
    const stored = await budgets.get('web');
    cluster.registry.update('poddisruptionbudgets', 'default', { ...stored, spec: { ...stored.spec!, minAvailable: 2 } });
    const stale = evict('web-a');
    expect(stale.code).toBe(429);
    expect(stale.status.details).toEqual({ causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }], retryAfterSeconds: 10 });
    await cluster.settle();
    await budgets.create({ metadata: { name: 'all' }, spec: { selector: {}, maxUnavailable: 1 } });
    const twice = evict('web-a');
    expect(twice).toEqual({ code: 500, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 } });
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('counts an evicted pod the kubelet never deleted as healthy again after 2 minutes, with a NotDeleted warning on it', async () => {
    const { cluster, deployment, pod, budget, budgets, recorder, api, stop } = await running();
    const owner = await deployment(2);
    for (const name of ['a', 'b']) await pod(`web-${name}`, true, owner);
    await budget({ minAvailable: 1 });
    // The eviction's write, without the delete (as if the delete had failed).
    const stored = await budgets.get('web');
    await budgets.updateStatus({ ...stored, status: { ...stored.status!, disruptionsAllowed: 0, disruptedPods: { 'web-a': '2026-01-01T00:00:00Z' } } });
    await cluster.settle();
    expect((await budgets.get('web')).status).toMatchObject({ currentHealthy: 1, disruptionsAllowed: 0, disruptedPods: { 'web-a': '2026-01-01T00:00:00Z' } });
    await cluster.advance(2 * 60_000 + 1);
    expect((await budgets.get('web')).status).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 1 });
    expect((await budgets.get('web')).status?.disruptedPods).toBeUndefined();
    expect(recorder.events.filter((e) => e.reason === 'NotDeleted').map((e) => e.message)).toEqual(["Pod was expected by PDB default/web to be deleted but it wasn't"]);
    expect((await api.pods('default').get('web-a')).metadata.name).toBe('web-a');
    await stop();
  });

  // ---- properties ------------------------------------------------------------------------------

  /** A step: evict a pod, a pod turns Ready or not (then the controller syncs), or a new ready pod comes. */
  type Step = { kind: 'evict'; pod: number } | { kind: 'ready' | 'unready'; pod: number } | { kind: 'add' };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('evict' as const), pod: fc.nat(7) }),
    fc.record({ kind: fc.constantFrom('ready' as const, 'unready' as const), pod: fc.nat(7) }),
    fc.constant({ kind: 'add' as const }),
  );

  test.prop([fc.integer({ min: 0, max: 4 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), fc.array(step, { maxLength: 15 })], { numRuns: 25 })(
    'whatever evictions come, an eviction of a Ready pod goes through exactly while more than minAvailable Ready pods are left, and the others are refused with a 429',
    async (minAvailable, readiness, steps) => {
      const { cluster, api, deployment, pod, budget, evict, errors, stop } = await running();
      const owner = await deployment(readiness.length);
      for (const [i, ready] of readiness.entries()) await pod(`web-${i}`, ready, owner);
      await budget({ minAvailable });
      let added = readiness.length;
      const healthy = async () => (await api.pods('default').list()).items.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      for (const s of steps) {
        const pods = (await api.pods('default').list()).items.filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
        if (s.kind === 'add') {
          await pod(`web-${added++}`, true, owner);
          await cluster.settle();
          continue;
        }
        const target = pods[s.pod % Math.max(1, pods.length)];
        if (!target) continue;
        if (s.kind !== 'evict') {
          await api.pods('default').updateStatus({ ...target, status: { phase: 'Running', conditions: [{ type: 'Ready', status: s.kind === 'ready' ? 'True' : 'False' }] } });
          await cluster.settle();
          continue;
        }
        const wasReady = (await healthy()).some((p) => p.metadata.name === target.metadata.name);
        const before = (await healthy()).length;
        const { code } = evict(target.metadata.name!);
        await cluster.settle(); // the controller counts again, as it would at once
        if (wasReady) expect(code, `evicting Ready ${target.metadata.name} with ${before} Ready, minAvailable ${minAvailable}`).toBe(before - 1 >= minAvailable ? 201 : 429);
        else expect([201, 429]).toContain(code);
        expect((await healthy()).length, 'no eviction takes the Ready pods below minAvailable').toBeGreaterThanOrEqual(Math.min(before, minAvailable));
      }
      expect(faults(errors)).toEqual([]);
      await stop();
    },
  );

  test.prop([fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 6 })], { numRuns: 20 })(
    'a burst of evictions, as kubectl drain sends them before the controller counts again, takes exactly as many Ready pods as the budget allows, and refuses the rest',
    async (minAvailable, replicas) => {
      const { deployment, pod, budget, evict, live, errors, stop } = await running();
      const owner = await deployment(replicas);
      for (let i = 0; i < replicas; i++) await pod(`web-${i}`, true, owner);
      await budget({ minAvailable });
      const codes = [...Array(replicas).keys()].map((i) => evict(`web-${i}`).code);
      const allowed = Math.max(0, replicas - minAvailable);
      expect(codes.filter((code) => code === 201)).toHaveLength(allowed);
      expect(codes.filter((code) => code === 429)).toHaveLength(replicas - allowed);
      expect(await live()).toHaveLength(replicas - allowed);
      expect(faults(errors)).toEqual([]);
      await stop();
    },
  );

  test.prop([fc.integer({ min: 1, max: 6 }), fc.nat(6), fc.oneof(fc.nat(6), fc.constantFrom('0%', '25%', '50%', '100%')), fc.boolean()], { numRuns: 25 })(
    'the controller\'s counts follow the table: expectedPods from the pods or the Deployment\'s replicas, desiredHealthy from the bound, and disruptionsAllowed is what is left above it',
    async (replicas, ready, bound, asMinAvailable) => {
      const { deployment, pod, budget, errors, stop } = await running();
      const owner = await deployment(replicas);
      const readyCount = Math.min(ready, replicas);
      for (let i = 0; i < replicas; i++) await pod(`web-${i}`, i < readyCount, owner);
      const status = await budget(asMinAvailable ? { minAvailable: bound } : { maxUnavailable: bound });
      const percentOf = (value: string) => Math.ceil((Number(value.slice(0, -1)) * replicas) / 100);
      const desiredHealthy = asMinAvailable
        ? typeof bound === 'number' ? bound : percentOf(bound)
        : Math.max(0, replicas - (typeof bound === 'number' ? bound : percentOf(bound)));
      expect(status).toMatchObject({ expectedPods: replicas, currentHealthy: readyCount, desiredHealthy, disruptionsAllowed: Math.max(0, readyCount - desiredHealthy) });
      expect(status?.conditions?.[0]?.status).toBe(readyCount > desiredHealthy ? 'True' : 'False');
      expect(faults(errors)).toEqual([]);
      await stop();
    },
  );
});
