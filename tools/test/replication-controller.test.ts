/**
 * ReplicationControllers (given code, beyond the katas): the apiserver's v1 defaults and validation
 * (solutions/apiserver/replication-controller-strategy.ts) and the replication manager
 * (solutions/controllers/replication-controller.ts, made of kata 18's parts), with its pod events
 * written through the controller manager's podEventsClient, as in the cluster.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { podEventsClient, ReplicationManager } from '@kube/controllers';
import type { Pod, ReplicationController } from '@kube/kit';

async function running() {
  const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => new ReplicationManager({ ...parts, client: podEventsClient(parts.client, parts.recorder) }));
  const controllers = api.resource<ReplicationController>('replicationcontrollers', 'default');
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } };
  const make = (replicas: number) => controllers.create({ metadata: { name: 'web' }, spec: { replicas, template } });
  const pods = async () => (await api.pods('default').list()).items.filter((p) => !p.metadata.deletionTimestamp);
  const owned = async (uid: string) => (await pods()).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller));
  /** As kubectl scale does it: read, write, and again when the manager's status write came in between. */
  const scale = async (replicas: number): Promise<void> => {
    const rc = await controllers.get('web');
    await controllers.update({ ...rc, spec: { ...rc.spec, replicas } }).catch((error: Error & { reason?: string }) => {
      if (error.reason !== 'Conflict') throw error;
      return scale(replicas);
    });
  };
  return { cluster, api, controllers, make, pods, owned, scale, recorder, errors, stop };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/replication-controller.test.ts'), 240_000);
else describe('ReplicationControllers', () => {
  it('the apiserver defaults a selector, labels and one replica from the template, and refuses a selector that does not select the template\'s labels', async () => {
    const { controllers, stop } = await running();
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } };
    const made = await controllers.create({ metadata: { name: 'plain' }, spec: { template } });
    expect(made.spec).toMatchObject({ replicas: 1, selector: { app: 'web' } });
    expect(made.metadata.labels).toEqual({ app: 'web' });
    expect(made.metadata.generation).toBe(1);
    await expect(controllers.create({ metadata: { name: 'bad' }, spec: { selector: { app: 'api' }, template } })).rejects.toThrow('spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`');
    await expect(controllers.create({ metadata: { name: 'bad' }, spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } })).rejects.toThrow('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"');
    await stop();
  });

  it('keeps replicas pods from its template, named after it and owned by it, with upstream\'s events, and removes pods when scaled down', async () => {
    const { cluster, make, owned, scale, controllers, recorder, errors, stop } = await running();
    const rc = await make(3);
    await cluster.settle();
    const pods = await owned(rc.metadata.uid!);
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    expect(recorder.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message).sort()).toEqual(pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
    expect((await controllers.get('web')).status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    await scale(1);
    await cluster.settle();
    expect(await owned(rc.metadata.uid!)).toHaveLength(1);
    expect(recorder.events.filter((e) => e.reason === 'SuccessfulDelete')).toHaveLength(2);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('adopts an orphan its selector selects, and releases a pod whose labels stopped matching, making another', async () => {
    const { cluster, api, make, owned, stop } = await running();
    await api.pods('default').create({ metadata: { name: 'stray', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } } as Pod);
    const rc = await make(2);
    await cluster.settle();
    const mine = await owned(rc.metadata.uid!);
    expect(mine.map((p) => p.metadata.name)).toContain('stray');
    expect(mine).toHaveLength(2);
    const stray = await api.pods('default').get('stray');
    await api.pods('default').update({ ...stray, metadata: { ...stray.metadata, labels: { app: 'debug' } } });
    await cluster.settle();
    const after = await owned(rc.metadata.uid!);
    expect(after.map((p) => p.metadata.name)).not.toContain('stray');
    expect(after).toHaveLength(2);
    expect((await api.pods('default').get('stray')).metadata.ownerReferences).toBeUndefined();
    await stop();
  });

  type Model = object;
  type Real = Awaited<ReturnType<typeof running>>;
  const scaleTo = (n: number): fc.AsyncCommand<Model, Real> => ({ check: () => true, run: async (_m, real) => real.scale(n), toString: () => `kubectl scale rc web --replicas=${n}` });
  const deleteOne = (i: number): fc.AsyncCommand<Model, Real> => ({
    check: () => true,
    async run(_m, real) {
      const pods = await real.pods();
      const pod = pods[i % Math.max(1, pods.length)];
      // the manager may have deleted it since the list: gone either way
      if (pod) await real.api.pods('default').delete(pod.metadata.name!, { gracePeriodSeconds: 0 }).catch((error: Error & { reason?: string }) => {
          if (error.reason !== 'NotFound') throw error;
        });
    },
    toString: () => `kubectl delete pod #${i}`,
  });
  const settle: fc.AsyncCommand<Model, Real> = { check: () => true, run: async (_m, real) => real.cluster.settle(), toString: () => 'let the manager run' };

  test.prop([fc.commands([fc.nat(5).map(scaleTo), fc.nat(5).map(deleteOne), fc.constant(settle)], { maxCommands: 12 })], { numRuns: 20 })(
    'whatever it is scaled to and whichever pods are deleted, once the manager has run it owns exactly replicas pods, and its status says so',
    async (commands) => {
      const real = await running();
      const rc = await real.make(2);
      await real.cluster.settle();
      await fc.asyncModelRun(() => ({ model: {}, real }), commands);
      // a delete the manager expected but that went the other way waits out the expectations' time-out at worst
      await real.cluster.advance(1_000);
      const replicas = (await real.controllers.get('web')).spec!.replicas!;
      expect(await real.owned(rc.metadata.uid!)).toHaveLength(replicas);
      expect((await real.controllers.get('web')).status?.replicas).toBe(replicas);
      expect(faults(real.errors)).toEqual([]);
      await real.stop();
    },
  );
});
