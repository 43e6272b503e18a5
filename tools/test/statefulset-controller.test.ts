/**
 * StatefulSets (given code, beyond the katas): the apiserver's apps/v1 strategy
 * (solutions/apiserver/statefulset-strategy.ts) and the StatefulSet controller
 * (solutions/controllers/statefulset.ts), as kube-controller-manager v1.32 runs them. The pods'
 * readiness is written by the test, as a kubelet would write it; pods are not bound to nodes, so
 * a delete removes them at once. Time is the cluster's FakeClock.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { isStatusError, validateStatefulSetUpdate } from '@kube/apiserver';
import { CONTROLLER_REVISION_HASH_LABEL, POD_INDEX_LABEL, STATEFULSET_POD_NAME_LABEL, StatefulSetController } from '@kube/controllers';
import type { ControllerRevision, Pod, StatefulSet, StatefulSetSpec } from '@kube/kit';

/** A StatefulSet "web" of `replicas` echo pods behind the Service "web". */
function statefulSet(replicas: number, spec: Partial<StatefulSetSpec> = {}, image = 'kubekata/echo:1'): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      ...spec,
    },
  };
}

/**
 * The sync errors that are faults. Besides a stale cache's Conflicts, a create on a cache that has
 * not yet seen the pod it made (or the one it deleted go) is refused AlreadyExists and retried, as
 * upstream's controller retries it: pod names are fixed, so the apiserver keeps it from doubling.
 */
const faultsOf = (errors: unknown[]): unknown[] => faults(errors).filter((e) => !isStatusError(e, 'AlreadyExists'));

async function running() {
  const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => new StatefulSetController(parts));
  const sets = api.resource<StatefulSet>('statefulsets', 'default');
  const revisions = api.resource<ControllerRevision>('controllerrevisions', 'default');
  /** The pods not being deleted, by name, each as `name:image-tag:ready?`. */
  const pods = async () => (await api.pods('default').list({ labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  const shown = async () => (await pods()).map((p) => `${p.metadata.name}:${p.spec!.containers[0]!.image?.split(':')[1]}${isReady(p) ? '' : '?'}`);
  /**
   * What a scheduler and a kubelet would do for one pod: bind it to node-1 (so that a delete is
   * graceful and the pod stays, terminating, until its kubelet is done), then make it Running and
   * Ready; a pod being deleted is finished off instead. Then the controller acts.
   */
  const kubelet = async (name: string) => {
    const pod = await api.pods('default').get(name);
    if (pod.metadata.deletionTimestamp) await api.pods('default').delete(name, { gracePeriodSeconds: 0 });
    else {
      if (!pod.spec?.nodeName) await api.pods('default').bind({ metadata: { name, namespace: 'default' }, target: { kind: 'Node', name: 'node-1' } });
      const bound = await api.pods('default').get(name);
      await api.pods('default').updateStatus({ ...bound, status: { ...bound.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    }
    await cluster.settle();
  };
  /** The pods a kubelet has work for: not yet ready, or being deleted. */
  const pending = async () => (await api.pods('default').list({ labelSelector: 'app=web' })).items.filter((p) => p.metadata.deletionTimestamp || !isReady(p));
  /** Lets the kubelet do everything it can, until nothing is left to do. */
  const readyAll = async () => {
    for (let round = 0; round < 20; round++) {
      const work = await pending();
      if (work.length === 0) return;
      for (const pod of work) await kubelet(pod.metadata.name!);
    }
  };
  /** Changes the StatefulSet as a client's PUT does (the registry keeps the status). */
  const change = async (edit: (set: StatefulSet) => void) => {
    const stored = await sets.get('web');
    edit(stored);
    await sets.update(stored);
    await cluster.settle();
  };
  return { cluster, api, sets, revisions, pods, shown, kubelet, pending, readyAll, change, errors, recorder, stop };
}

function isReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/statefulset-controller.test.ts'), 240_000);
else describe('StatefulSets', () => {
  it('the apiserver defaults a StatefulSet (OrderedReady, RollingUpdate with partition 0, Retain) and lets an update change only what upstream lets it', async () => {
    const { sets, stop } = await running();
    const created = await sets.create(statefulSet(2));
    expect(created.spec).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
    expect(created.metadata.generation).toBe(1);
    await expect(sets.create({ ...statefulSet(1, { podManagementPolicy: 'Sometimes' as 'Parallel' }), metadata: { name: 'bad', namespace: 'default' } })).rejects.toThrow(
      'spec.podManagementPolicy: Unsupported value: "Sometimes": supported values: "OrderedReady", "Parallel"',
    );
    await expect(sets.create({ ...statefulSet(1, { selector: { matchLabels: { app: 'other' } } }), metadata: { name: 'bad', namespace: 'default' } })).rejects.toThrow('`selector` does not match template `labels`');
    const stored = await sets.get('web');
    const forbidden = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
    expect(validateStatefulSetUpdate({ ...stored, spec: { ...stored.spec!, serviceName: 'other' } }, stored).map((c) => `${c.field}: ${c.message}`)).toEqual([forbidden]);
    expect(validateStatefulSetUpdate({ ...stored, spec: { ...stored.spec!, replicas: 5, minReadySeconds: 3 } }, stored)).toEqual([]);
    await stop();
  });

  it('makes web-0, then web-1 once web-0 is Running and Ready, each with its name as hostname, the Service as subdomain and its identity labels', async () => {
    const { sets, revisions, pods, kubelet, recorder, errors, stop, cluster } = await running();
    await sets.create(statefulSet(3));
    await cluster.settle();
    expect((await pods()).map((p) => p.metadata.name)).toEqual(['web-0']);
    const [revision] = (await revisions.list()).items;
    const web0 = (await pods())[0]!;
    expect(web0.spec).toMatchObject({ hostname: 'web-0', subdomain: 'web' });
    expect(web0.metadata.labels).toEqual({ app: 'web', [STATEFULSET_POD_NAME_LABEL]: 'web-0', [POD_INDEX_LABEL]: '0', [CONTROLLER_REVISION_HASH_LABEL]: revision!.metadata.name });
    expect(revision!.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    await kubelet('web-0');
    expect((await pods()).map((p) => p.metadata.name)).toEqual(['web-0', 'web-1']);
    await kubelet('web-1');
    await kubelet('web-2');
    expect((await sets.get('web')).status).toEqual({
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: revision!.metadata.name,
      updateRevision: revision!.metadata.name,
      collisionCount: 0,
    });
    expect(recorder.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message)).toEqual([
      'create Pod web-0 in StatefulSet web successful',
      'create Pod web-1 in StatefulSet web successful',
      'create Pod web-2 in StatefulSet web successful',
    ]);
    expect(faultsOf(errors)).toEqual([]);
    await stop();
  });

  it('rolls a new template out from the highest ordinal down, one pod at a time, and stops at the partition', async () => {
    const { sets, shown, kubelet, pending, readyAll, change, errors, stop, cluster } = await running();
    await sets.create(statefulSet(3));
    await cluster.settle();
    await readyAll();
    await change((set) => (set.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }));
    await change((set) => (set.spec!.template.spec!.containers[0]!.image = 'kubekata/echo:2'));
    expect(await shown(), 'web-2 terminating').toEqual(['web-0:1', 'web-1:1']);
    await kubelet('web-2'); // its kubelet is done: gone, then made again from the new template
    expect(await shown()).toEqual(['web-0:1', 'web-1:1', 'web-2:2?']);
    await kubelet('web-2');
    expect(await shown(), 'web-1 terminating').toEqual(['web-0:1', 'web-2:2']);
    await kubelet('web-1');
    await kubelet('web-1');
    expect(await shown(), 'web-0 is below the partition').toEqual(['web-0:1', 'web-1:2', 'web-2:2']);
    const partial = (await sets.get('web')).status!;
    expect(partial).toMatchObject({ replicas: 3, currentReplicas: 1, updatedReplicas: 2 });
    expect(partial.currentRevision).not.toBe(partial.updateRevision);
    await change((set) => (set.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }));
    await readyAll();
    expect(await shown()).toEqual(['web-0:2', 'web-1:2', 'web-2:2']);
    const done = (await sets.get('web')).status!;
    expect(done.currentRevision).toBe(done.updateRevision);
    expect(done.currentReplicas).toBe(3);
    expect(faultsOf(errors)).toEqual([]);
    await stop();
  });

  it('scales down from the highest ordinal, one pod at a time (OrderedReady), or all at once (Parallel)', async () => {
    for (const [policy, whileTerminating] of [['OrderedReady', ['web-0', 'web-1', 'web-2']], ['Parallel', ['web-0']]] as const) {
      const { sets, pods, pending, readyAll, change, errors, stop, cluster, recorder } = await running();
      await sets.create(statefulSet(4, { podManagementPolicy: policy }));
      await cluster.settle();
      await readyAll();
      await change((set) => (set.spec!.replicas = 1));
      expect((await pods()).map((p) => p.metadata.name), `${policy}: the pods not being deleted`).toEqual(whileTerminating);
      expect((await pending()).length, policy).toBe(4 - whileTerminating.length);
      await readyAll();
      expect((await pods()).map((p) => p.metadata.name), policy).toEqual(['web-0']);
      // A sync on a cache that has not yet seen a pod terminating deletes it again (as upstream's may): each once, in this order.
      expect([...new Set(recorder.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message))], policy).toEqual(
        ['web-3', 'web-2', 'web-1'].map((name) => `delete Pod ${name} in StatefulSet web successful`),
      );
      expect(faultsOf(errors)).toEqual([]);
      await stop();
    }
  });

  it('makes a failed pod again under the same name, with a RecreatingFailedPod warning', async () => {
    const { sets, api, pods, readyAll, recorder, errors, stop, cluster } = await running();
    await sets.create(statefulSet(2));
    await cluster.settle();
    await readyAll();
    const web1 = await api.pods('default').get('web-1');
    await api.pods('default').updateStatus({ ...web1, status: { ...web1.status, phase: 'Failed' } });
    await cluster.settle();
    await readyAll();
    const again = (await pods()).find((p) => p.metadata.name === 'web-1')!;
    expect(again.metadata.uid).not.toBe(web1.metadata.uid);
    expect(recorder.events.filter((e) => e.reason === 'RecreatingFailedPod').map((e) => [e.type, e.message])).toEqual([['Warning', 'StatefulSet default/web is recreating failed Pod web-1']]);
    expect(faultsOf(errors)).toEqual([]);
    await stop();
  });

  // ---- properties ------------------------------------------------------------------------------

  /** A step: scale to a size, change the template, or let the kubelet do its work for a few pods. */
  type Step = { kind: 'scale'; to: number } | { kind: 'template' } | { kind: 'ready'; count: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.integer({ min: 0, max: 5 }).map((to) => ({ kind: 'scale' as const, to })),
    fc.constant({ kind: 'template' as const }),
    fc.integer({ min: 1, max: 3 }).map((count) => ({ kind: 'ready' as const, count })),
  );

  test.prop([fc.integer({ min: 0, max: 4 }), fc.array(step, { maxLength: 12 })], { numRuns: 25 })(
    'OrderedReady: whatever the scaling and templates, no pod runs above a missing ordinal, at most one is not ready, and once the kubelet is done the pods are web-0..web-(replicas-1) at the last template',
    async (initial, steps) => {
      const { sets, api, pods, pending, kubelet, readyAll, change, errors, stop, cluster } = await running();
      await sets.create(statefulSet(initial));
      await cluster.settle();
      let replicas = initial;
      let version = 1;
      const check = async (when: string) => {
        // Every pod not being deleted has all lower ordinals below it, counting the pods being deleted
        // too: a rolling update takes web-0 down while web-1 runs, and a scale-down may end web-1
        // before an update's web-0 is gone, as upstream's may.
        const all = (await api.pods('default').list({ labelSelector: 'app=web' })).items;
        const ordinalOf = (p: Pod) => Number(p.metadata.name!.slice('web-'.length));
        const present = new Set(all.map(ordinalOf));
        for (const pod of all.filter((p) => !p.metadata.deletionTimestamp)) {
          expect([...Array(ordinalOf(pod)).keys()].filter((k) => !present.has(k)), `ordinals missing below ${pod.metadata.name} ${when}`).toEqual([]);
        }
        expect((await pods()).filter((p) => !isReady(p)).length, `pods not ready ${when}`).toBeLessThanOrEqual(1);
      };
      for (const s of steps) {
        if (s.kind === 'scale') {
          replicas = s.to;
          await change((set) => (set.spec!.replicas = s.to));
        } else if (s.kind === 'template') {
          version++;
          await change((set) => (set.spec!.template.spec!.containers[0]!.image = `kubekata/echo:${version}`));
        } else {
          for (const pod of (await pending()).slice(0, s.count)) await kubelet(pod.metadata.name!);
        }
        await check(`after ${JSON.stringify(s)}`);
      }
      await readyAll();
      expect((await pods()).map((p) => `${p.metadata.name}:${p.spec!.containers[0]!.image}`)).toEqual([...Array(replicas).keys()].map((i) => `web-${i}:kubekata/echo:${version}`));
      const status = (await sets.get('web')).status!;
      expect([status.replicas, status.readyReplicas ?? 0, status.updatedReplicas ?? 0]).toEqual([replicas, replicas, replicas]);
      expect(status.currentRevision).toBe(status.updateRevision);
      expect(faultsOf(errors)).toEqual([]);
      await stop();
    },
  );

  test.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 })], { numRuns: 20 })(
    'a rollout with a partition updates exactly the pods at or above it, and leaves the others at the revision they run',
    async (replicas, partition) => {
      const { sets, pods, readyAll, change, errors, stop, cluster } = await running();
      await sets.create(statefulSet(replicas, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition } } }));
      await cluster.settle();
      await readyAll();
      await change((set) => (set.spec!.template.spec!.containers[0]!.image = 'kubekata/echo:2'));
      await readyAll();
      expect((await pods()).map((p) => p.spec!.containers[0]!.image)).toEqual([...Array(replicas).keys()].map((i) => (i >= partition ? 'kubekata/echo:2' : 'kubekata/echo:1')));
      const status = (await sets.get('web')).status!;
      expect([status.updatedReplicas ?? 0, status.currentReplicas ?? 0]).toEqual([Math.max(0, replicas - partition), partition > 0 && partition < replicas ? partition : replicas]);
      expect(faultsOf(errors)).toEqual([]);
      await stop();
    },
  );
});
