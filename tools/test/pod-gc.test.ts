/**
 * The pod garbage collector (given code, solutions/controllers/pod-gc.ts): the pods of a node the
 * API no longer has are failed and force-deleted once the node has stayed missing 40 s, as
 * kube-controller-manager's PodGC does; so are terminating pods on a node that is down and out of
 * service. A pod deleted gracefully waits for its kubelet (kata 08): without PodGC, the pods of a
 * deleted node would stay Terminating for ever. And, past a threshold of finished pods (12,500 by
 * default), the oldest finished ones go.
 */
import { describe, expect, it } from 'vitest';
import type { Pod, PodCondition, Taint } from '@kube/kit';
import { OUT_OF_SERVICE_TAINT, POD_GC_CHECK_PERIOD_MS, PodGCController, SharedInformerFactory } from '@kube/controllers';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ControllerCluster } from '../../test/support/controllers/cluster.ts';

async function running(terminatedPodThreshold?: number) {
  const cluster = new ControllerCluster();
  const api = cluster.client.inner;
  const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
  const errors: unknown[] = [];
  const gc = new PodGCController({ client: cluster.client, clock: cluster.clock, factory, terminatedPodThreshold, onError: (_key, error) => errors.push(error) });
  factory.start();
  await factory.waitForCacheSync();
  gc.run();
  await cluster.settle();
  /** A node, Ready or not, with the taints given. */
  const node = async (name: string, ready: boolean, taints: Taint[] = []) => {
    const created = await api.nodes().create({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { taints } });
    await api.nodes().updateStatus({ ...created, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
  };
  /** A pod bound to `nodeName` (none: never scheduled), Running, with a finalizer if asked. */
  const pod = async (name: string, nodeName?: string, finalizers?: string[]) => {
    const created = await api.pods('default').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', ...(finalizers && { finalizers }) },
      spec: { containers: [{ name: 'app', image: 'kubekata/sleeper' }], ...(nodeName && { nodeName }) },
    });
    if (nodeName) await api.pods('default').updateStatus({ ...created, status: { phase: 'Running' } });
  };
  const names = async () => (await api.pods('default').list()).items.map((p) => p.metadata.name!).sort();
  const get = (name: string) => api.pods('default').get(name);
  const stop = async () => {
    await gc.stop();
    await factory.shutdown();
  };
  return { cluster, api, gc, node, pod, names, get, errors, stop };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/pod-gc.test.ts'), 240_000);
else describe('the pod garbage collector', () => {
  it('fails and force-deletes the pods of a deleted node once it has stayed missing 40 s, Terminating or not, and leaves other nodes\' pods alone', async () => {
    const c = await running();
    await c.node('n1', true);
    await c.node('n2', true);
    await c.pod('web', 'n1');
    await c.pod('leaving', 'n1');
    await c.pod('elsewhere', 'n2');
    await c.api.pods('default').delete('leaving'); // bound: Terminating for its 30 s, waiting for a kubelet
    await c.cluster.advance(5_000);
    await c.api.nodes().delete('n1');
    await c.cluster.settle();
    const watch = c.api.pods('default').watch({ resourceVersion: (await c.api.pods('default').list()).resourceVersion });
    await c.cluster.advance(15_000); // the pass at 20 s: n1 first seen missing
    await c.cluster.advance(POD_GC_CHECK_PERIOD_MS); // 40 s: still in quarantine
    expect(await c.names()).toEqual(['elsewhere', 'leaving', 'web']);
    await c.cluster.advance(POD_GC_CHECK_PERIOD_MS); // 60 s: 40 s after the first sighting, the API says NotFound
    expect(await c.names()).toEqual(['elsewhere']);
    const web = watch.poll().filter((e) => (e.object as Pod).metadata.name === 'web');
    expect(web.map((e) => e.type), 'failed first, then marked and deleted (kata 08)').toEqual(['MODIFIED', 'MODIFIED', 'DELETED']);
    const failed = (web[0]!.object as Pod).status!;
    expect(failed.phase).toBe('Failed');
    expect(failed.conditions).toContainEqual({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: '2026-01-01T00:01:00Z' } satisfies PodCondition);
    expect((await c.get('elsewhere')).status?.phase).toBe('Running');
    expect(c.errors).toEqual([]);
    watch.stop();
    await c.stop();
  });

  it('deletes nothing when the node comes back before its quarantine ends, or when its cache lags behind the API', async () => {
    const c = await running();
    await c.node('n1', true);
    await c.pod('web', 'n1');
    await c.api.nodes().delete('n1');
    await c.cluster.advance(POD_GC_CHECK_PERIOD_MS); // seen missing
    await c.node('n1', true);
    await c.cluster.advance(3 * POD_GC_CHECK_PERIOD_MS);
    expect(await c.names()).toEqual(['web']);
    // A node the informer has not seen yet: the API, asked after the quarantine, has it.
    c.cluster.client.hold('nodes');
    await c.node('n2', true);
    await c.pod('new', 'n2');
    await c.cluster.advance(4 * POD_GC_CHECK_PERIOD_MS);
    expect(await c.names()).toEqual(['new', 'web']);
    c.cluster.client.release();
    await c.stop();
  });

  it('force-deletes a Terminating pod on a node not Ready with the out-of-service taint, and leaves one whose node is only not Ready', async () => {
    const c = await running();
    await c.node('shut-down', false, [{ key: OUT_OF_SERVICE_TAINT, value: 'nodeshutdown', effect: 'NoExecute' }]);
    await c.node('unreachable', false);
    await c.node('tainted-but-ready', true, [{ key: OUT_OF_SERVICE_TAINT, value: 'nodeshutdown', effect: 'NoExecute' }]);
    for (const [pod, node] of [['a', 'shut-down'], ['b', 'unreachable'], ['c', 'tainted-but-ready'], ['running', 'shut-down']] as const) await c.pod(pod, node);
    for (const pod of ['a', 'b', 'c']) await c.api.pods('default').delete(pod);
    await c.cluster.advance(POD_GC_CHECK_PERIOD_MS);
    expect(await c.names(), 'not Terminating: PodGC leaves it to the taint eviction').toEqual(['b', 'c', 'running']);
    await c.stop();
  });

  it('keeps no more finished pods than its threshold: evicted ones go first, then the oldest, and a running pod never', async () => {
    const c = await running(3);
    await c.node('n1', true);
    const finish = async (name: string, phase: 'Succeeded' | 'Failed', reason?: string) => {
      await c.pod(name, 'n1');
      const pod = await c.get(name);
      await c.api.pods('default').updateStatus({ ...pod, status: { ...pod.status, phase, ...(reason && { reason }) } });
      await c.cluster.advance(1_000);
    };
    await finish('oldest', 'Succeeded');
    await finish('older', 'Failed');
    await c.pod('still-running', 'n1');
    await finish('middle', 'Succeeded');
    await finish('evicted', 'Failed', 'Evicted');
    await finish('newest', 'Succeeded');
    expect(await c.names()).toEqual(['evicted', 'middle', 'newest', 'older', 'oldest', 'still-running']);
    await c.cluster.advance(POD_GC_CHECK_PERIOD_MS);
    expect(await c.names(), 'five finished, a threshold of 3: the evicted pod and the oldest go').toEqual(['middle', 'newest', 'older', 'still-running']);
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('fails a Terminating pod never scheduled, and deletes it with 0 (here its finalizer still holds it)', async () => {
    const c = await running();
    await c.pod('pending', undefined, ['example.com/hold']);
    await c.api.pods('default').delete('pending');
    await c.cluster.advance(POD_GC_CHECK_PERIOD_MS);
    expect((await c.get('pending')).status?.phase).toBe('Failed');
    await c.stop();
  });

  test.prop([
    fc.uniqueArray(fc.constantFrom('n1', 'n2', 'n3', 'n4'), { minLength: 1 }),
    fc.array(fc.record({ node: fc.constantFrom('n1', 'n2', 'n3', 'n4'), terminating: fc.boolean() }), { maxLength: 8 }),
    fc.array(fc.record({ node: fc.constantFrom('n1', 'n2', 'n3', 'n4'), afterMs: fc.integer({ min: 0, max: 60_000 }) }), { maxLength: 4 }),
  ])('whichever nodes are deleted and when, a pod of a node that exists is never touched, and every pod of a deleted node is gone within 40 s + two passes', async (nodes, pods, deletions) => {
    const c = await running();
    for (const name of nodes) await c.node(name, true);
    for (const [i, p] of pods.entries()) {
      if (!nodes.includes(p.node)) continue;
      await c.pod(`p${i}-${p.node}`, p.node);
      if (p.terminating) await c.api.pods('default').delete(`p${i}-${p.node}`);
    }
    const before = new Map((await c.api.pods('default').list()).items.map((p) => [p.metadata.name!, p.metadata.resourceVersion]));
    let at = 0;
    const deleted = new Set<string>();
    for (const d of [...deletions].sort((a, b) => a.afterMs - b.afterMs)) {
      if (!nodes.includes(d.node) || deleted.has(d.node)) continue;
      await c.cluster.advance(d.afterMs - at);
      at = d.afterMs;
      await c.api.nodes().delete(d.node);
      deleted.add(d.node);
    }
    await c.cluster.advance(40_000 + 2 * POD_GC_CHECK_PERIOD_MS);
    const after = new Map((await c.api.pods('default').list()).items.map((p) => [p.metadata.name!, p.metadata.resourceVersion]));
    for (const [name, version] of before) {
      const node = name.split('-')[1]!;
      if (deleted.has(node)) expect(after.has(name), `${name}: its node ${node} was deleted`).toBe(false);
      else expect(after.get(name), `${name}: its node ${node} is there`).toBe(version);
    }
    expect(c.errors).toEqual([]);
    await c.stop();
  });
});
