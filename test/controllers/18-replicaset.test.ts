/**
 * Kata 18 — the ReplicaSet controller. The spec is katas/controllers/18-replicaset.md.
 *
 * The examples read as the spec: slow-start batches, the deletion ranking, status with
 * minReadySeconds, then the controller against a real registry: creating owned pods, adopting
 * orphans and releasing pods that stop matching, scaling down by rank, expectations that hold back
 * a second creation while the informer is behind. The properties (model-based): random scale
 * changes, pod deletions, readiness flips and held-back informers never make more owned pods than
 * the most replicas ever asked for, and converge to exactly `replicas` owned pods with a true
 * status; and the deletion ranking is a consistent order.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { isNotImplemented, toRFC3339, type Pod, type ReplicaSet } from '@kube/kit';
import { forbidden, internalError } from '@kube/apiserver';
import { calculateStatus, compareForDeletion, ControllerExpectations, podsToDelete, ReplicaSetController, SharedInformerFactory, slowStartBatch } from '@kube/controllers';
import { ControllerCluster, makePod, START } from '../support/controllers/cluster.ts';

function makeRS(name: string, replicas: number, minReadySeconds = 0): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: { replicas, minReadySeconds, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
  };
}

/** A pod for ranking: options set what the ranking reads. */
function rankPod(name: string, o: { node?: string; phase?: 'Pending' | 'Running' | 'Unknown'; readySince?: number; cost?: number; restarts?: number; created?: number } = {}): Pod {
  const pod = makePod(name, o.node ? { nodeName: o.node } : {});
  pod.metadata.creationTimestamp = toRFC3339(START + (o.created ?? 0) * 1000);
  if (o.cost !== undefined) pod.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) };
  pod.status = {
    phase: o.phase ?? 'Running',
    ...(o.readySince !== undefined && { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: toRFC3339(START + o.readySince * 1000) }] }),
    ...(o.restarts !== undefined && { containerStatuses: [{ name: 'app', image: 'nginx', ready: true, restartCount: o.restarts }] as never }),
  };
  return pod;
}

/** A cluster with a running ReplicaSet controller. */
async function running(workers = 1) {
  const cluster = new ControllerCluster();
  const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
  const controller = new ReplicaSetController({ client: cluster.client, clock: cluster.clock, factory });
  factory.start();
  await factory.waitForCacheSync();
  // A worker's sync that throws NotImplemented stops that worker, out of the test's sight: keep
  // the first one, and report it at the next look at the pods instead of a puzzling count.
  let unwritten: unknown;
  const sync = controller.syncReplicaSet.bind(controller);
  controller.syncReplicaSet = async (key) => {
    try {
      return await sync(key);
    } catch (error) {
      if (isNotImplemented(error)) unwritten ??= error;
      throw error;
    }
  };
  controller.run(workers);
  const owned = async (rsName = 'web') => {
    if (unwritten) throw unwritten;
    const rs = await cluster.client.inner.replicaSets('default').get(rsName);
    const pods = (await cluster.client.inner.pods('default').list()).items;
    return pods.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid && r.controller));
  };
  return { cluster, factory, controller, owned };
}

async function setReady(cluster: ControllerCluster, pod: Pod, ready: boolean): Promise<void> {
  const fresh = await cluster.client.inner.pods('default').get(pod.metadata.name!);
  await cluster.client.inner.pods('default').updateStatus({ ...fresh, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: toRFC3339(cluster.clock.now()) }] } });
}

async function scale(cluster: ControllerCluster, replicas: number, name = 'web'): Promise<void> {
  const rs = await cluster.client.inner.replicaSets('default').get(name);
  await cluster.client.inner.replicaSets('default').update({ ...rs, spec: { ...rs.spec!, replicas } });
}

describe('slow start, ranking and status', () => {
  it('creates in batches of 1, 2, 4, ... and stops after the first batch with a failure', async () => {
    // Calls of one batch start together: each sees how many calls had finished when it started.
    const seen: number[] = [];
    let finished = 0;
    const all = await slowStartBatch(10, 1, async () => {
      seen.push(finished);
      await Promise.resolve();
      finished++;
    });
    const batches = [...new Set(seen)].map((f) => seen.filter((x) => x === f).length);
    expect([batches, all.successes]).toEqual([[1, 2, 4, 3], 10]);
    let n = 0;
    const result = await slowStartBatch(10, 1, async () => {
      if (++n === 3) throw new Error('exceeded quota');
    });
    expect([n, result.successes, (result.error as Error).message]).toEqual([3, 2, 'exceeded quota']);
  });

  it('ranks pods for deletion: unassigned, then Pending < Unknown < Running, not ready, lower cost, crowded node, ready for less time, more restarts, newer', () => {
    const pairs: [Pod, Pod, number, number][] = [
      [rankPod('a', { phase: 'Pending' }), rankPod('b', { node: 'n1', phase: 'Pending' }), 0, 1],
      [rankPod('a', { node: 'n1', phase: 'Pending' }), rankPod('b', { node: 'n1', phase: 'Unknown' }), 1, 1],
      [rankPod('a', { node: 'n1', phase: 'Unknown' }), rankPod('b', { node: 'n1' }), 1, 1],
      [rankPod('a', { node: 'n1' }), rankPod('b', { node: 'n1', readySince: 0 }), 1, 1],
      [rankPod('a', { node: 'n1', readySince: 0, cost: -5 }), rankPod('b', { node: 'n1', readySince: 0 }), 1, 1],
      [rankPod('a', { node: 'n1', readySince: 0 }), rankPod('b', { node: 'n2', readySince: 0 }), 3, 1],
      [rankPod('a', { node: 'n1', readySince: 100 }), rankPod('b', { node: 'n1', readySince: 10 }), 1, 1],
      [rankPod('a', { node: 'n1', readySince: 10, restarts: 4 }), rankPod('b', { node: 'n1', readySince: 10, restarts: 1 }), 1, 1],
      [rankPod('a', { node: 'n1', readySince: 10, created: 9 }), rankPod('b', { node: 'n1', readySince: 10, created: 1 }), 1, 1],
    ];
    for (const [first, second, rankFirst, rankSecond] of pairs) {
      expect(compareForDeletion(first, second, rankFirst, rankSecond)).toBeLessThan(0);
      expect(compareForDeletion(second, first, rankSecond, rankFirst)).toBeGreaterThan(0);
    }
    const pods = [rankPod('a-lonely', { node: 'n2', readySince: 0 }), rankPod('crowded-1', { node: 'n1', readySince: 0 }), rankPod('crowded-2', { node: 'n1', readySince: 0 }), rankPod('pending', { phase: 'Pending' })];
    expect(podsToDelete(pods, 3).map((p) => p.metadata.name)).toEqual(['pending', 'crowded-1', 'crowded-2']);
  });

  it('ranks pods the rules cannot tell apart by what is left: newer among not-ready pods, a time not set before any time (upstream afterOrZero), then restarts, then by name', () => {
    // Two pods not ready: no ready time to compare, so the newer goes first.
    expect(compareForDeletion(rankPod('a', { node: 'n1', created: 9 }), rankPod('b', { node: 'n1', created: 1 }), 1, 1)).toBeLessThan(0);
    // Both ready without a lastTransitionTime: the same (no) time, so the restarts decide.
    const readyNoTime = (name: string, restarts: number): Pod => {
      const pod = rankPod(name, { node: 'n1', restarts });
      pod.status!.conditions = [{ type: 'Ready', status: 'True' }];
      return pod;
    };
    expect(compareForDeletion(readyNoTime('a', 4), readyNoTime('b', 1), 1, 1)).toBeLessThan(0);
    expect(compareForDeletion(readyNoTime('a', 1), readyNoTime('b', 4), 1, 1)).toBeGreaterThan(0);
    // One ready time known and one not: the one without counts as ready for no time, and goes
    // first whatever the restarts ("been ready for empty time < less time < more time").
    const readySince50 = (restarts: number) => rankPod('b', { node: 'n1', readySince: 50, restarts });
    expect(compareForDeletion(readyNoTime('a', 1), readySince50(4), 1, 1)).toBeLessThan(0);
    expect(compareForDeletion(readySince50(4), readyNoTime('a', 1), 1, 1)).toBeGreaterThan(0);
    // No creationTimestamp on either: nothing tells them apart; on one only: it goes first
    // ("empty creation time pods < newer pods < older pods").
    const unborn = (name: string): Pod => {
      const pod = rankPod(name, { node: 'n1' });
      delete pod.metadata.creationTimestamp;
      return pod;
    };
    expect(compareForDeletion(unborn('a'), unborn('b'), 1, 1)).toBe(0);
    expect(compareForDeletion(unborn('a'), rankPod('b', { node: 'n1', created: 5 }), 1, 1)).toBeLessThan(0);
    expect(compareForDeletion(rankPod('b', { node: 'n1', created: 5 }), unborn('a'), 1, 1)).toBeGreaterThan(0);
    // Equal by every rule: by name, the same choice every time.
    expect(podsToDelete([rankPod('c', { node: 'n1' }), rankPod('a', { node: 'n1' }), rankPod('b', { node: 'n1' })], 3).map((p) => p.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('counts replicas, fully labelled, ready and available pods (ready for minReadySeconds), and the generation it saw', () => {
    const rs = { ...makeRS('web', 3, 10), metadata: { ...makeRS('web', 3).metadata, generation: 4 } };
    const labelled = (p: Pod) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'web', tier: 'web' } } });
    const half = rankPod('half', {});
    half.metadata.labels = { app: 'web' }; // the template's app label, not its tier
    const pods = [labelled(rankPod('old', { readySince: 0 })), labelled(rankPod('new', { readySince: 5 })), rankPod('partial', {}), half];
    expect(calculateStatus(rs, pods, START + 12_000)).toEqual({ replicas: 4, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 4 });
    const failure = { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota', lastTransitionTime: toRFC3339(START + 12_000) };
    expect(calculateStatus(rs, pods, START + 12_000, { reason: 'FailedCreate', message: 'exceeded quota' }).conditions).toEqual([failure]);
    // While managing keeps failing, the condition first reported stays as it is (upstream sets it
    // only when there is none); once managing works again it goes; a condition of another type stays.
    const other = { type: 'Progressing', status: 'True', reason: 'Other', message: 'not the controller\'s' } as never;
    const failing = { ...rs, status: { replicas: 4, conditions: [other, failure] } } as ReplicaSet;
    expect(calculateStatus(failing, pods, START + 20_000, { reason: 'FailedDelete', message: 'etcdserver: request timed out' }).conditions).toEqual([other, failure]);
    expect(calculateStatus(failing, pods, START + 20_000).conditions).toEqual([other]);
    expect(calculateStatus({ ...rs, status: { replicas: 4, conditions: [failure] } } as ReplicaSet, pods, START + 20_000), 'no conditions left: the field is left out, not []').not.toHaveProperty('conditions');
  });

  it('expectations hold a key back until every expected creation and deletion is seen, or 5 minutes pass', async () => {
    const cluster = new ControllerCluster();
    const e = new ControllerExpectations(cluster.clock);
    expect(e.satisfied('default/web')).toBe(true);
    e.expectCreations('default/web', 2);
    e.creationObserved('default/web');
    expect(e.satisfied('default/web')).toBe(false);
    e.creationObserved('default/web');
    expect(e.satisfied('default/web')).toBe(true);
    e.expectDeletions('default/web', 1);
    await cluster.clock.advance(5 * 60_000);
    expect(e.satisfied('default/web')).toBe(false);
    await cluster.clock.advance(1);
    expect(e.satisfied('default/web')).toBe(true);
    // Seeing a pod of a key with nothing expected changes nothing; a deleted key expects nothing.
    e.creationObserved('default/other');
    e.deletionObserved('default/other');
    expect(e.satisfied('default/other')).toBe(true);
    e.expectCreations('default/web', 2);
    e.delete('default/web');
    expect(e.satisfied('default/web')).toBe(true);
  });
});

describe('the ReplicaSet controller', () => {
  it('creates replicas pods named <rs>-xxxxx from the template, each controlled by the ReplicaSet, and writes the status', async () => {
    const { cluster, controller, owned } = await running();
    const rs = await cluster.client.inner.replicaSets('default').create(makeRS('web', 3));
    await cluster.settle();
    const pods = await owned();
    expect(pods.length).toBe(3);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(pod.metadata.labels).toEqual({ app: 'web', tier: 'web' });
      expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const status = (await cluster.client.inner.replicaSets('default').get('web')).status;
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 });
    expect(controller.expectations.satisfied('default/web'), 'every creation seen: expectations are written before the calls, so a pod the informer sees at once is counted').toBe(true);
    await controller.stop();
  });

  it('creates at most burstReplicas pods in one sync, and reads its pods through the owner index, never every pod of the namespace', async () => {
    const cluster = new ControllerCluster();
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const controller = new ReplicaSetController({ client: cluster.client, clock: cluster.clock, factory, burstReplicas: 2 });
    factory.start();
    for (let i = 0; i < 5; i++) await cluster.client.inner.pods('default').create(makePod(`bystander-${i}`, { labels: { app: 'other' } }));
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 5));
    await cluster.settle();
    const indexer = controller.pods.indexer;
    const reads: string[] = [];
    const byIndex = indexer.byIndex.bind(indexer);
    const list = indexer.list.bind(indexer);
    indexer.byIndex = (name, value) => (reads.push(`byIndex(${name})`), byIndex(name, value));
    indexer.list = () => (reads.push('list()'), list());
    cluster.client.hold(); // the pods' ADDED events wait: one sync, alone
    await controller.syncReplicaSet('default/web');
    const created = (await cluster.client.inner.pods('default').list()).items.filter((p) => p.metadata.labels?.app === 'web');
    expect(created.length, 'burstReplicas 2: two of the five this sync').toBe(2);
    expect(reads.filter((r) => r === 'list()' || r === 'byIndex(namespace)'), 'a sync reads its own pods and the orphans (filterPodsByOwner), not the namespace').toEqual([]);
    cluster.client.release();
    await factory.shutdown();
  });

  it('adopts a matching orphan, leaves pods controlled by others, and releases a pod whose labels stop matching', async () => {
    const { cluster, controller, owned } = await running();
    await cluster.client.inner.pods('default').create(makePod('orphan', { labels: { app: 'web' } }));
    const other = makePod('theirs', { labels: { app: 'web' } });
    other.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'u-other', controller: true }];
    await cluster.client.inner.pods('default').create(other);
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 2));
    await cluster.settle();
    const names = (await owned()).map((p) => p.metadata.name);
    expect(names.length).toBe(2);
    expect(names).toContain('orphan');
    expect(names).not.toContain('theirs');
    const orphan = await cluster.client.inner.pods('default').get('orphan');
    await cluster.client.inner.pods('default').update({ ...orphan, metadata: { ...orphan.metadata, labels: { app: 'debug' } } });
    await cluster.settle();
    expect((await cluster.client.inner.pods('default').get('orphan')).metadata.ownerReferences).toBeUndefined();
    expect((await owned()).map((p) => p.metadata.name)).not.toContain('orphan');
    expect((await owned()).length).toBe(2);
    await controller.stop();
  });

  it('scales down by rank: the not-ready pods go first', async () => {
    const { cluster, controller, owned } = await running();
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 3));
    await cluster.settle();
    const [a, b] = await owned();
    await setReady(cluster, a!, true);
    await setReady(cluster, b!, true);
    await cluster.settle();
    await scale(cluster, 2);
    await cluster.settle();
    expect((await owned()).map((p) => p.metadata.name).sort()).toEqual([a!.metadata.name, b!.metadata.name].sort());
    await controller.stop();
  });

  it('never creates twice while its informer is behind: the second sync waits for the expected pods', async () => {
    const cluster = new ControllerCluster();
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const controller = new ReplicaSetController({ client: cluster.client, clock: cluster.clock, factory });
    factory.start();
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 3));
    await cluster.settle(); // the informer has the ReplicaSet; no worker runs yet
    cluster.client.hold(); // the pods' ADDED events will be late
    await controller.syncReplicaSet('default/web');
    await controller.syncReplicaSet('default/web');
    expect((await cluster.client.inner.pods('default').list()).items.length).toBe(3);
    cluster.client.release();
    await cluster.settle();
    expect(controller.expectations.satisfied('default/web')).toBe(true);
    await factory.shutdown();
  });

  it('counts a pod available once it has been ready for minReadySeconds, and looks again when that time comes', async () => {
    const { cluster, controller, owned } = await running();
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 1, 10));
    await cluster.settle();
    const [pod] = await owned();
    await setReady(cluster, pod!, true);
    await cluster.settle();
    const status = async () => (await cluster.client.inner.replicaSets('default').get('web')).status;
    expect(await status()).toMatchObject({ readyReplicas: 1, availableReplicas: 0 });
    await cluster.advance(11_000);
    expect(await status()).toMatchObject({ readyReplicas: 1, availableReplicas: 1 });
    await controller.stop();
  });
});

describe('the ReplicaSet controller, when the server refuses or things go away', () => {
  const activeOwned = async (owned: () => Promise<Pod[]>) => (await owned()).filter((p) => !p.metadata.deletionTimestamp);
  const conditionsOf = async (cluster: ControllerCluster) => (await cluster.client.inner.replicaSets('default').get('web')).status?.conditions;

  it('reports a refused create as ReplicaFailure FailedCreate with the server\'s message, and clears it once creating works', async () => {
    const { cluster, controller, owned } = await running();
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 1));
    await cluster.settle();
    const quota = () => forbidden('pods', '', 'exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1');
    cluster.client.failNextWrites('create', 'pods', 100, quota);
    await scale(cluster, 3);
    await cluster.settle();
    expect((await owned()).length).toBe(1);
    expect(await conditionsOf(cluster)).toEqual([{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: quota().message, lastTransitionTime: toRFC3339(cluster.clock.now()) }]);
    cluster.client.failNextWrites('create', 'pods', 0, quota); // the quota is raised
    await cluster.advance(1_000); // the key's back-off passes
    expect((await owned()).length).toBe(3);
    expect(await conditionsOf(cluster)).toBeUndefined();
    await controller.stop();
  });

  it('reports a refused delete as ReplicaFailure FailedDelete, and deletes again after its back-off', async () => {
    const { cluster, controller, owned } = await running();
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 3));
    await cluster.settle();
    const timeout = () => internalError('etcdserver: request timed out');
    cluster.client.failNextWrites('delete', 'pods', 100, timeout);
    await scale(cluster, 1);
    await cluster.settle();
    expect((await activeOwned(owned)).length).toBe(3);
    expect(await conditionsOf(cluster)).toEqual([{ type: 'ReplicaFailure', status: 'True', reason: 'FailedDelete', message: timeout().message, lastTransitionTime: toRFC3339(cluster.clock.now()) }]);
    cluster.client.failNextWrites('delete', 'pods', 0, timeout); // etcd answers again
    await cluster.advance(1_000);
    expect((await activeOwned(owned)).length).toBe(1);
    expect(await conditionsOf(cluster)).toBeUndefined();
    await controller.stop();
  });

  it('counts a pod that was already gone when it deleted it as deleted, not as a failure', async () => {
    const { cluster, controller, owned } = await running();
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 2));
    await cluster.settle();
    const [gone, kept] = await owned();
    await setReady(cluster, kept!, true); // so that the not-ready one is the pod to delete
    await cluster.settle();
    cluster.client.hold('pods'); // the controller will not see the pod go
    await cluster.client.inner.pods('default').delete(gone!.metadata.name!);
    await scale(cluster, 1);
    await cluster.settle();
    expect(await conditionsOf(cluster), 'a NotFound from deleting a pod already gone is no failure').toBeUndefined();
    const rs = await cluster.client.inner.replicaSets('default').get('web');
    expect(rs.status?.observedGeneration, 'the sync that scaled down wrote its status').toBe(rs.metadata.generation);
    cluster.client.release();
    await cluster.settle();
    expect((await owned()).map((p) => p.metadata.name)).toEqual([kept!.metadata.name]);
    await controller.stop();
  });

  it('forgets what it expected of a ReplicaSet that is gone', async () => {
    const { cluster, controller } = await running();
    cluster.client.hold('pods'); // the pods it creates stay unseen: their creations stay expected
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 2));
    await cluster.settle();
    expect(controller.expectations.satisfied('default/web')).toBe(false);
    await cluster.client.inner.replicaSets('default').delete('web');
    await cluster.settle();
    expect(controller.expectations.satisfied('default/web')).toBe(true);
    await controller.stop();
  });

  it('replaces a pod that finished: a Failed or Succeeded pod is not one of its replicas', async () => {
    const { cluster, controller, owned } = await running();
    await cluster.client.inner.replicaSets('default').create(makeRS('web', 2));
    await cluster.settle();
    const [failed] = await owned();
    const fresh = await cluster.client.inner.pods('default').get(failed!.metadata.name!);
    await cluster.client.inner.pods('default').updateStatus({ ...fresh, status: { phase: 'Failed' } });
    await cluster.settle();
    const pods = await owned();
    expect(pods.length, 'the failed pod stays (deleting it is the pod GC\'s work) beside two running ones').toBe(3);
    expect(pods.filter((p) => p.status?.phase !== 'Failed').length).toBe(2);
    expect((await cluster.client.inner.replicaSets('default').get('web')).status?.replicas).toBe(2);
    await controller.stop();
  });

  it('claims only what it may: not a pod another controls, not an orphan gone from the server; releases by taking off only its own reference; a ReplicaSet being deleted releases nothing', async () => {
    const cluster = new ControllerCluster();
    const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
    const controller = new ReplicaSetController({ client: cluster.client, clock: cluster.clock, factory });
    const rs = await cluster.client.inner.replicaSets('default').create(makeRS('web', 1));
    const ours = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true };
    const configMapRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', uid: 'u-settings' };
    const theirs = makePod('theirs', { labels: { app: 'web' } });
    theirs.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'u-other', controller: true }];
    const moved = makePod('moved', { labels: { app: 'debug' } });
    moved.metadata.ownerReferences = [ours, configMapRef];
    const created = await Promise.all([theirs, moved].map((p) => cluster.client.inner.pods('default').create(p)));
    const ghost = makePod('ghost', { labels: { app: 'web' } }); // an orphan the server does not have
    ghost.metadata.uid = 'u-ghost';
    ghost.metadata.resourceVersion = '1';
    const deleting = { ...rs, metadata: { ...rs.metadata, deletionTimestamp: toRFC3339(cluster.clock.now()) } };
    const orphan = await cluster.client.inner.pods('default').create(makePod('orphan', { labels: { app: 'web' } }));
    expect(await controller.claimPods(deleting, [...created, orphan]), 'being deleted: it adopts nothing, keeps nothing that does not match, and releases nothing').toEqual([]);
    expect((await cluster.client.inner.pods('default').get('orphan')).metadata.ownerReferences, 'a ReplicaSet being deleted adopts no orphan').toBeUndefined();
    expect((await cluster.client.inner.pods('default').get('moved')).metadata.ownerReferences).toEqual([ours, configMapRef]);
    expect(await controller.claimPods(rs, [...created, ghost])).toEqual([]);
    expect((await cluster.client.inner.pods('default').get('moved')).metadata.ownerReferences, 'released: only its own reference taken off').toEqual([configMapRef]);
    expect((await cluster.client.inner.pods('default').get('theirs')).metadata.ownerReferences).toEqual(theirs.metadata.ownerReferences);
    await factory.shutdown();
  });
});

// ---- properties --------------------------------------------------------------------------------------------

interface Real {
  cluster: ControllerCluster;
  controller: ReplicaSetController;
  owned: () => Promise<Pod[]>;
  maxReplicas: number;
}
type Command = fc.AsyncCommand<object, Real>;

async function expectBounded(real: Real, what: string): Promise<void> {
  const active = (await real.owned()).filter((p) => !p.metadata.deletionTimestamp);
  expect(active.length, `${what}: owned pods beyond the most replicas ever asked for (${real.maxReplicas})`).toBeLessThanOrEqual(real.maxReplicas);
}

class Scale implements Command {
  constructor(readonly replicas: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    await scale(real.cluster, this.replicas);
    real.maxReplicas = Math.max(real.maxReplicas, this.replicas);
    await real.cluster.settle();
    await expectBounded(real, String(this));
  }
  toString = () => `scale to ${this.replicas}`;
}
class DeletePod implements Command {
  constructor(readonly which: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    const pods = await real.owned();
    if (pods.length > 0) await real.cluster.client.inner.pods('default').delete(pods[this.which % pods.length]!.metadata.name!);
    await real.cluster.settle();
    await expectBounded(real, String(this));
  }
  toString = () => `delete owned pod #${this.which}`;
}
class FlipReady implements Command {
  constructor(readonly which: number, readonly ready: boolean) {}
  check = () => true;
  async run(_: object, real: Real) {
    const pods = await real.owned();
    if (pods.length > 0) await setReady(real.cluster, pods[this.which % pods.length]!, this.ready);
    await real.cluster.settle();
  }
  toString = () => `make owned pod #${this.which} ${this.ready ? 'ready' : 'not ready'}`;
}
class Hold implements Command {
  constructor(readonly resource: 'pods' | 'replicasets' | undefined) {}
  check = () => true;
  async run(_: object, real: Real) {
    real.cluster.client.hold(this.resource);
  }
  toString = () => `hold the ${this.resource ?? 'all'} informer${this.resource ? '' : 's'} back`;
}
class Release implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    real.cluster.client.release();
    await real.cluster.settle();
    await expectBounded(real, String(this));
  }
  toString = () => 'release the informers';
}
class Resync implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    real.controller.queue.add('default/web'); // as a resync or any unrelated event would
    await real.cluster.settle();
    await expectBounded(real, String(this));
  }
  toString = () => 'resync the ReplicaSet';
}
class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    await real.cluster.advance(this.ms);
    await expectBounded(real, String(this));
  }
  toString = () => `advance ${this.ms} ms`;
}

describe('properties', () => {
  test.prop(
    [
      fc.integer({ min: 0, max: 4 }),
      fc.commands(
        [
          fc.integer({ min: 0, max: 5 }).map((n) => new Scale(n)),
          fc.nat(5).map((i) => new DeletePod(i)),
          fc.tuple(fc.nat(5), fc.boolean()).map(([i, r]) => new FlipReady(i, r)),
          fc.constantFrom<'pods' | 'replicasets' | undefined>('pods', 'replicasets', undefined).map((r) => new Hold(r)),
          fc.constant(new Release()),
          fc.constant(new Resync()),
          fc.constantFrom(10, 1_000, 5_000).map((ms) => new Advance(ms)),
        ],
        { maxCommands: 25, size: '+1' },
      ),
    ],
    { numRuns: 40 },
  )('under scale changes, pod deletions, readiness flips and late informers, owned pods never exceed the most replicas asked for, and converge to exactly replicas with a true status', async (initial, commands) => {
    const { cluster, controller, owned } = await running(2);
    await cluster.client.inner.replicaSets('default').create(makeRS('web', initial));
    await cluster.settle();
    const real: Real = { cluster, controller, owned, maxReplicas: initial };
    await fc.asyncModelRun(() => ({ model: {}, real }), commands);
    cluster.client.heal();
    for (let i = 0; i < 3; i++) await cluster.advance(20_000);
    const rs = await cluster.client.inner.replicaSets('default').get('web');
    const pods = (await owned()).filter((p) => !p.metadata.deletionTimestamp);
    expect(pods.length, 'owned pods once settled').toBe(rs.spec!.replicas);
    expect(rs.status, 'the status once settled').toMatchObject({ replicas: rs.spec!.replicas, readyReplicas: pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length, observedGeneration: rs.metadata.generation });
    await controller.stop();
  });

  test.prop([
    fc.array(
      fc.record({
        node: fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }),
        phase: fc.constantFrom('Pending' as const, 'Running' as const, 'Unknown' as const),
        readySince: fc.option(fc.nat(100), { nil: undefined }),
        cost: fc.option(fc.integer({ min: -2, max: 2 }), { nil: undefined }),
        restarts: fc.option(fc.nat(3), { nil: undefined }),
        created: fc.nat(100),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    fc.nat(8),
  ])('the deletion ranking is a consistent order: the pods chosen for any count are the first of one ranking, and none left behind ranks before one chosen', (specs, count) => {
    const pods = specs.map((o, i) => rankPod(`p${i}`, o));
    const onNode = (n?: string) => pods.filter((p) => n && p.spec?.nodeName === n).length;
    const rank = (p: Pod) => onNode(p.spec?.nodeName);
    for (const a of pods) for (const b of pods) expect(Math.sign(compareForDeletion(a, b, rank(a), rank(b))) + Math.sign(compareForDeletion(b, a, rank(b), rank(a))), `${a.metadata.name} against ${b.metadata.name}, both ways`).toBe(0);
    const chosen = podsToDelete(pods, count);
    expect(chosen.length).toBe(Math.min(count, pods.length));
    expect(podsToDelete(pods, pods.length).slice(0, chosen.length)).toEqual(chosen);
    for (const kept of pods.filter((p) => !chosen.includes(p))) {
      for (const gone of chosen) expect(compareForDeletion(kept, gone, rank(kept), rank(gone)), `${kept.metadata.name} kept but ranks before ${gone.metadata.name}`).toBeGreaterThanOrEqual(0);
    }
  });
});
