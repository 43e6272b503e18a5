/**
 * Kata 20 — node lifecycle and taint-based eviction. The spec is katas/controllers/20-node-lifecycle.md.
 *
 * The examples read as the spec: a node whose lease is not renewed goes Ready Unknown after the
 * grace period (60 s for one that never posted a status), gets the unreachable (or, Ready False,
 * the not-ready) NoExecute taint, loses it when it comes back; new taints are rate limited per
 * zone; its pods are marked not ready. The taint eviction controller evicts a pod that does not
 * tolerate a NoExecute taint at once, one that tolerates it for tolerationSeconds then, and
 * cancels when the taint goes. The properties, on a fake clock: a pod on a node that stops
 * heartbeating is evicted after grace + tolerationSeconds and at most one monitor period later;
 * and under any story of kubelet reports and silences, a node's taints follow its Ready condition.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { toRFC3339, type Lease, type Node, type Pod, type Taint, type Toleration } from '@kube/kit';
import { matchingTolerations, minTolerationSeconds, NodeLifecycleController, SharedInformerFactory, silentNodeConditions, TaintEvictionController, withLifecycleTaint, type NodeLifecycleControllerOptions } from '@kube/controllers';
import { ControllerCluster, makePod, START } from '../support/controllers/cluster.ts';

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';
const LEASES = 'kube-node-lease';

/** A lease renewal time as the kubelet writes it (MicroTime). */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

/** A node as its kubelet registers it: Ready True now, in `zone` if given. */
function makeNode(name: string, now: number, zone?: string, ready = true): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(zone && { 'topology.kubernetes.io/zone': zone }) } },
    spec: {},
    status: ready ? { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: toRFC3339(now), lastTransitionTime: toRFC3339(now) }] } : {},
  };
}

/** The tolerations kata 11's DefaultTolerationSeconds admission gives every pod. */
const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

function podOn(name: string, node: string, tolerations?: Toleration[]): Pod {
  const pod = makePod(name, { nodeName: node });
  if (tolerations) pod.spec!.tolerations = tolerations;
  return pod;
}

/** A control plane with both controllers of kata 20 running on it, and a kubelet for each node that the test drives. */
async function running(options: { nodes: Node[]; pods?: Pod[]; nlc?: Partial<NodeLifecycleControllerOptions> }) {
  const cluster = new ControllerCluster();
  const api = cluster.client.inner;
  for (const node of options.nodes) {
    await api.nodes().create(node);
    await api.leases(LEASES).create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node.metadata.name!, namespace: LEASES }, spec: { holderIdentity: node.metadata.name!, leaseDurationSeconds: 40, renewTime: microTime(cluster.clock.now()) } });
  }
  for (const pod of options.pods ?? []) {
    const created = await api.pods('default').create(pod);
    await api.pods('default').updateStatus({ ...created, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  }
  const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
  const errors: unknown[] = [];
  const nlc = new NodeLifecycleController({ client: cluster.client, clock: cluster.clock, factory, onError: (e) => errors.push(e), ...options.nlc });
  const tec = new TaintEvictionController({ client: cluster.client, clock: cluster.clock, factory, onError: (e) => errors.push(e) });
  factory.start();
  await factory.waitForCacheSync();
  nlc.run();
  tec.run();
  await cluster.settle();

  /** The kubelet of `name`: renews its lease and posts `ready` if the node does not say so already. */
  const heartbeat = async (name: string, ready: 'True' | 'False' = 'True') => {
    const now = cluster.clock.now();
    const lease = await api.leases(LEASES).get(name);
    await api.leases(LEASES).update({ ...lease, spec: { ...lease.spec, renewTime: microTime(now) } });
    const node = await api.nodes().get(name);
    const current = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (current?.status !== ready) {
      const others = (node.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
      const condition = { type: 'Ready', status: ready, reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady', lastHeartbeatTime: toRFC3339(now), lastTransitionTime: toRFC3339(now) };
      await api.nodes().updateStatus({ ...node, status: { ...node.status, conditions: [...others, condition] } });
    }
    await cluster.settle();
  };
  const node = (name: string) => api.nodes().get(name);
  const ready = async (name: string) => (await node(name)).status?.conditions?.find((c) => c.type === 'Ready');
  const lifecycleTaints = async (name: string) => ((await node(name)).spec?.taints ?? []).filter((t) => t.key === UNREACHABLE || t.key === NOT_READY).map((t) => t.key);
  // The pods not evicted: an evicted pod bound to a node is only marked, deletionTimestamp set, until its kubelet deletes it.
  const podNames = async () => (await api.pods('default').list()).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
  const stop = async () => {
    await nlc.stop();
    await tec.stop();
    await factory.shutdown();
  };
  return { cluster, api, nlc, tec, heartbeat, node, ready, lifecycleTaints, podNames, errors, stop };
}

/** Advances the clock one second at a time up to `until` (ms since START), calling `each` after every second. */
async function stepTo(cluster: ControllerCluster, until: number, each?: (t: number) => Promise<boolean | void>): Promise<void> {
  while (cluster.clock.now() - START < until) {
    await cluster.advance(1_000);
    if ((await each?.(cluster.clock.now() - START)) === true) return;
  }
}

describe('the pure parts', () => {
  it('sets Ready, MemoryPressure, DiskPressure and PIDPressure Unknown once the kubelet is silent, adding those it never posted', () => {
    const node = makeNode('n1', START);
    node.metadata.creationTimestamp = toRFC3339(START);
    node.status!.conditions!.push({ type: 'NetworkUnavailable', status: 'False' }, { type: 'MemoryPressure', status: 'Unknown', reason: 'Earlier' });
    const now = START + 60_000;
    const conditions = silentNodeConditions(node, now)!;
    const byType = Object.fromEntries(conditions.map((c) => [c.type, c]));
    expect(byType['Ready']).toEqual({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: toRFC3339(START), lastTransitionTime: toRFC3339(now) });
    expect(byType['MemoryPressure'], 'already Unknown: kept as it is').toEqual({ type: 'MemoryPressure', status: 'Unknown', reason: 'Earlier' });
    expect(byType['DiskPressure']).toEqual({ type: 'DiskPressure', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: toRFC3339(START), lastTransitionTime: toRFC3339(now) });
    expect(byType['PIDPressure']?.reason).toBe('NodeStatusNeverUpdated');
    expect(byType['NetworkUnavailable'], 'the network plugin owns NetworkUnavailable').toEqual({ type: 'NetworkUnavailable', status: 'False' });
    expect(silentNodeConditions({ ...node, status: { conditions } }, now + 5_000), 'nothing left to change').toBeUndefined();
  });

  it('gives a node with no status at all the four conditions, Unknown, as never posted', () => {
    const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare', creationTimestamp: toRFC3339(START) }, spec: {} };
    const conditions = silentNodeConditions(node, START + 60_000) ?? [];
    expect(conditions.map((c) => [c.type, c.status, c.reason])).toEqual(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => [type, 'Unknown', 'NodeStatusNeverUpdated']));
  });

  it('puts a lifecycle taint on a node that has no taints at all, and takes nothing from it', () => {
    expect(withLifecycleTaint(undefined, { key: UNREACHABLE, effect: 'NoExecute' }, START)).toEqual([{ key: UNREACHABLE, effect: 'NoExecute', timeAdded: toRFC3339(START) }]);
    expect(withLifecycleTaint(undefined, undefined, START)).toEqual([]);
  });

  it('swaps the lifecycle taints: keeps other taints and a taint already there with its timeAdded, stamps a new one', () => {
    const dedicated: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    const old: Taint = { key: NOT_READY, effect: 'NoExecute', timeAdded: toRFC3339(START) };
    expect(withLifecycleTaint([dedicated, old], { key: UNREACHABLE, effect: 'NoExecute' }, START + 9_000)).toEqual([dedicated, { key: UNREACHABLE, effect: 'NoExecute', timeAdded: toRFC3339(START + 9_000) }]);
    expect(withLifecycleTaint([dedicated, old], { key: NOT_READY, effect: 'NoExecute' }, START + 9_000)).toEqual([dedicated, old]);
    expect(withLifecycleTaint([dedicated, old, { key: NOT_READY, effect: 'NoSchedule' }], undefined, START)).toEqual([dedicated, { key: NOT_READY, effect: 'NoSchedule' }]);
    // The NoSchedule taint of the same key (TaintNodesByCondition's) is another taint: the NoExecute one is added beside it.
    const noSchedule: Taint = { key: UNREACHABLE, effect: 'NoSchedule', timeAdded: toRFC3339(START) };
    expect(withLifecycleTaint([noSchedule], { key: UNREACHABLE, effect: 'NoExecute' }, START + 9_000)).toEqual([noSchedule, { key: UNREACHABLE, effect: 'NoExecute', timeAdded: toRFC3339(START + 9_000) }]);
  });

  it('uses, for each taint, the first toleration that tolerates it, and stays the smallest tolerationSeconds of those (-1: for ever)', () => {
    const taints: Taint[] = [{ key: UNREACHABLE, effect: 'NoExecute' }, { key: 'dedicated', value: 'db', effect: 'NoExecute' }];
    const forUnreachable: Toleration = { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
    const forDb: Toleration = { key: 'dedicated', value: 'db', tolerationSeconds: 60 };
    const everything: Toleration = { operator: 'Exists' };
    expect(matchingTolerations(taints, [forUnreachable, forDb, everything])).toEqual({ allTolerated: true, used: [forUnreachable, forDb] });
    expect(matchingTolerations(taints, [forUnreachable])).toEqual({ allTolerated: false, used: [] });
    expect(matchingTolerations(taints, [{ key: 'dedicated', value: 'web' }, forUnreachable]).allTolerated).toBe(false);
    expect(matchingTolerations([], undefined)).toEqual({ allTolerated: true, used: [] });
    expect([minTolerationSeconds([forUnreachable, forDb]), minTolerationSeconds([everything]), minTolerationSeconds([forUnreachable, everything]), minTolerationSeconds([{ ...forDb, tolerationSeconds: -5 }, forUnreachable]), minTolerationSeconds([])]).toEqual([60, -1, 300, 0, 0]);
    // A JSON body may carry `"tolerationSeconds": null`: that is no tolerationSeconds (for ever), where `null <= 0` is true in JavaScript.
    expect(minTolerationSeconds([{ ...forUnreachable, tolerationSeconds: null as unknown as number }])).toBe(-1);
  });
});

describe('the node lifecycle controller', () => {
  it('marks a node whose lease is not renewed Ready Unknown after the 50 s grace period, not before, and taints it node.kubernetes.io/unreachable:NoExecute', async () => {
    const c = await running({ nodes: [makeNode('n1', START), makeNode('n2', START)] });
    await stepTo(c.cluster, 50_000, async (t) => {
      if (t % 10 === 0) await c.heartbeat('n2');
    });
    expect((await c.ready('n1'))?.status, 'at 50 s: silent for exactly the grace period, not more').toBe('True');
    await stepTo(c.cluster, 55_000);
    expect(await c.ready('n1')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: toRFC3339(START + 55_000) });
    const taints = (await c.node('n1')).spec?.taints;
    expect(taints).toEqual([{ key: UNREACHABLE, effect: 'NoExecute', timeAdded: toRFC3339(START + 55_000) }]);
    expect(await c.lifecycleTaints('n2'), 'n2 renewed its lease every 10 s').toEqual([]);
    expect((await c.ready('n2'))?.status).toBe('True');
    await c.stop();
  });

  it('gives a node that never posted a status the 60 s startup grace period, then marks it with NodeStatusNeverUpdated', async () => {
    const c = await running({ nodes: [makeNode('n1', START), makeNode('fresh', START, undefined, false)] });
    await stepTo(c.cluster, 60_000, async (t) => {
      if (t % 10 === 0) await c.heartbeat('n1');
    });
    expect((await c.node('fresh')).status?.conditions ?? []).toEqual([]);
    await stepTo(c.cluster, 65_000);
    const conditions = (await c.node('fresh')).status?.conditions ?? [];
    expect(conditions.map((x) => [x.type, x.status, x.reason])).toEqual(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => [type, 'Unknown', 'NodeStatusNeverUpdated']));
    expect(c.errors, 'a node with no Ready condition is a node like any other to every pass').toEqual([]);
    await c.stop();
  });

  it('taints a Ready False node node.kubernetes.io/not-ready at once, swaps it for unreachable when the node goes silent, and removes it when the node is Ready again', async () => {
    const c = await running({ nodes: [makeNode('n1', START), makeNode('n2', START), makeNode('n3', START)] });
    await c.heartbeat('n1', 'False');
    await stepTo(c.cluster, 5_000);
    expect(await c.lifecycleTaints('n1')).toEqual([NOT_READY]);
    await stepTo(c.cluster, 60_000, async (t) => {
      if (t % 10 === 0) await c.heartbeat('n3');
    });
    expect((await c.ready('n1'))?.status).toBe('Unknown');
    // n1 and n2 both went silent at 0 s, in one zone: the swap takes no token, so n2's new taint gets it.
    expect([await c.lifecycleTaints('n1'), await c.lifecycleTaints('n2')], 'swapped in the same pass as n2 is tainted: a swap is not rate limited').toEqual([[UNREACHABLE], [UNREACHABLE]]);
    await c.heartbeat('n1', 'True');
    await stepTo(c.cluster, 65_000);
    expect(await c.lifecycleTaints('n1')).toEqual([]);
    await c.stop();
  });

  it("keeps a node's own taints while it adds, swaps and removes the lifecycle ones", async () => {
    const gpu = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const };
    const n1 = { ...makeNode('n1', START), spec: { taints: [gpu] } };
    const c = await running({ nodes: [n1, makeNode('n2', START)] });
    const taintKeys = async () => ((await c.node('n1')).spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);
    await c.heartbeat('n1', 'False');
    await stepTo(c.cluster, 5_000);
    expect(await taintKeys()).toEqual(['dedicated:NoSchedule', `${NOT_READY}:NoExecute`]);
    await stepTo(c.cluster, 60_000, async (t) => {
      if (t % 10 === 0) await c.heartbeat('n2');
    });
    expect(await taintKeys()).toEqual(['dedicated:NoSchedule', `${UNREACHABLE}:NoExecute`]);
    await c.heartbeat('n1', 'True');
    await stepTo(c.cluster, 65_000);
    expect((await c.node('n1')).spec?.taints).toEqual([gpu]);
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('adds new taints at most one per 10 s in a zone (evictionLimiterQPS 0.1, burst 1), while another zone goes its own pace', async () => {
    // a2 carries a taint of its own: a lifecycle taint added beside it is new, not a swap.
    const a2 = { ...makeNode('a2', START, 'a'), spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const }] } };
    const nodes = [makeNode('a0', START, 'a'), makeNode('a1', START, 'a'), a2, makeNode('b1', START, 'b'), makeNode('b0', START, 'b')];
    const c = await running({ nodes });
    const taintedAt = new Map<string, number>();
    await stepTo(c.cluster, 90_000, async (t) => {
      if (t % 10 === 0) for (const n of ['a0', 'b0']) await c.heartbeat(n);
      for (const n of ['a1', 'a2', 'b1']) if (!taintedAt.has(n) && (await c.lifecycleTaints(n)).length > 0) taintedAt.set(n, t);
    });
    const a = [taintedAt.get('a1'), taintedAt.get('a2')].sort();
    expect(a, 'zone a: one node at 55 s, the next once a token is back').toEqual([55_000, 65_000]);
    expect(taintedAt.get('b1'), 'zone b has its own bucket').toBe(55_000);
    await c.stop();
  });

  it('sets the Ready condition of the pods on a node it marks Unknown to False, so that Services stop sending them traffic, and leaves a pod already not ready unwritten', async () => {
    const c = await running({ nodes: [makeNode('n1', START), makeNode('n2', START)], pods: [podOn('web-1', 'n1', DEFAULT_TOLERATIONS), podOn('web-2', 'n2', DEFAULT_TOLERATIONS), podOn('starting', 'n1', DEFAULT_TOLERATIONS)] });
    const starting = await c.api.pods('default').get('starting');
    const { resourceVersion } = (await c.api.pods('default').updateStatus({ ...starting, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } })).metadata;
    await c.cluster.settle();
    const readyOf = async (name: string) => (await c.api.pods('default').get(name)).status?.conditions?.find((x) => x.type === 'Ready')?.status;
    await stepTo(c.cluster, 50_000, async (t) => {
      if (t % 10 === 0) await c.heartbeat('n2');
    });
    expect([await readyOf('web-1'), await readyOf('web-2')]).toEqual(['True', 'True']);
    await stepTo(c.cluster, 55_000);
    expect([await readyOf('web-1'), await readyOf('web-2')]).toEqual(['False', 'True']);
    expect((await c.api.pods('default').get('starting')).metadata.resourceVersion, 'a pod whose Ready is already False is not written again (upstream MarkPodsNotReady skips it)').toBe(resourceVersion);
    expect(await c.podNames(), 'tolerated for 300 s: not evicted yet').toEqual(['starting', 'web-1', 'web-2']);
    await c.stop();
  });

  it('leaves the pods of a node that was already Ready False when it went silent: only a change from True marks them (upstream, kubernetes#109998)', async () => {
    const c = await running({ nodes: [makeNode('n1', START), makeNode('n2', START)], pods: [podOn('web', 'n1', DEFAULT_TOLERATIONS)] });
    await c.heartbeat('n1', 'False'); // its kubelet is alive and reports the node not ready, then goes silent
    const { resourceVersion } = (await c.api.pods('default').get('web')).metadata;
    await stepTo(c.cluster, 60_000, async (t) => {
      if (t % 10 === 0) await c.heartbeat('n2');
    });
    expect((await c.ready('n1'))?.status).toBe('Unknown');
    expect((await c.api.pods('default').get('web')).metadata.resourceVersion, 'False to Unknown: the pod is not written').toBe(resourceVersion);
    await c.stop();
  });

  it('writes a node only to change it: a Ready node without lifecycle taints, and a node that carries the taint it should, are not written pass after pass', async () => {
    const c = await running({ nodes: [makeNode('ok', START), makeNode('sick', START)] });
    await c.heartbeat('sick', 'False');
    await stepTo(c.cluster, 45_000, async (t) => {
      if (t % 10 === 0) for (const n of ['ok', 'sick']) await c.heartbeat(n, n === 'ok' ? 'True' : 'False');
    });
    expect(await c.lifecycleTaints('sick')).toEqual([NOT_READY]);
    const writes = c.cluster.client.updates.filter((u) => u.includes('nodes/'));
    expect(writes, 'nine passes: one write, the taint').toEqual(['update nodes/sick']);
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('monitors, taints and untaints a node registered without a spec like any other, with no error', async () => {
    const bare = makeNode('bare', START);
    delete bare.spec;
    const c = await running({ nodes: [bare, makeNode('n2', START)], pods: [podOn('web', 'bare', DEFAULT_TOLERATIONS)] });
    await stepTo(c.cluster, 60_000, async (t) => {
      if (t % 10 === 0) await c.heartbeat('n2');
    });
    expect(await c.lifecycleTaints('bare')).toEqual([UNREACHABLE]);
    expect(c.tec.scheduledEviction('default/web')?.firesAt).toBe(START + 355_000);
    await c.heartbeat('bare');
    await stepTo(c.cluster, 65_000);
    expect(await c.lifecycleTaints('bare')).toEqual([]);
    expect(c.tec.scheduledEviction('default/web')).toBeUndefined();
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('reads a node again before it marks it: a heartbeat its cache has not seen keeps it Ready, and a node deleted meanwhile is passed over without an error', async () => {
    const c = await running({ nodes: [makeNode('back', START), makeNode('gone', START), makeNode('n3', START)] });
    const beats = async (t: number) => {
      if (t % 10 === 0) await c.heartbeat('n3');
    };
    await stepTo(c.cluster, 20_000, beats);
    // The controller's caches fall behind: what happens next reaches the server only.
    c.cluster.client.hold('nodes');
    c.cluster.client.hold('leases');
    const back = await c.api.nodes().get('back');
    const posted = { ...back.status!.conditions![0]!, lastHeartbeatTime: toRFC3339(c.cluster.clock.now()) };
    await c.api.nodes().updateStatus({ ...back, status: { ...back.status, conditions: [posted] } });
    await c.api.nodes().delete('gone');
    await stepTo(c.cluster, 70_000, beats);
    expect((await c.ready('back'))?.status, 'its status has a heartbeat newer than the cached one').toBe('True');
    expect(c.errors).toEqual([]);
    c.cluster.client.release();
    await c.stop();
  });
});

describe('the taint eviction controller', () => {
  async function tainted(pods: Pod[]) {
    const c = await running({ nodes: [makeNode('n1', START), makeNode('n2', START)], pods });
    const taint = async (taints: Taint[]) => {
      const node = await c.api.nodes().get('n1');
      await c.api.nodes().update({ ...node, spec: { ...node.spec, taints } });
      await c.cluster.settle();
    };
    return { ...c, taint };
  }
  const noExecute = (key: string, value?: string): Taint => ({ key, ...(value && { value }), effect: 'NoExecute', timeAdded: toRFC3339(START) });

  it('evicts at once a pod that does not tolerate a NoExecute taint, marking it DisruptionTarget (DeletionByTaintManager) before deleting it', async () => {
    const maintenance: Toleration = { key: 'maintenance', operator: 'Exists', effect: 'NoExecute' };
    const c = await tainted([podOn('plain', 'n1'), podOn('tolerant', 'n1', [maintenance]), podOn('elsewhere', 'n2')]);
    const watch = c.api.pods('default').watch({ resourceVersion: (await c.api.pods('default').list()).resourceVersion });
    await c.taint([{ key: 'maintenance', effect: 'NoSchedule' }]);
    expect(await c.podNames(), 'NoSchedule evicts nothing').toEqual(['elsewhere', 'plain', 'tolerant']);
    await c.taint([{ key: 'maintenance', effect: 'NoSchedule' }, noExecute('maintenance')]);
    expect(await c.podNames()).toEqual(['elsewhere', 'tolerant']);
    const events = watch.poll().filter((e) => (e.object as Pod).metadata.name === 'plain');
    expect(events.map((e) => e.type), 'the condition written, then the pod marked for deletion').toEqual(['MODIFIED', 'MODIFIED']);
    expect((events[1]!.object as Pod).metadata).toMatchObject({ deletionTimestamp: expect.any(String), deletionGracePeriodSeconds: 30 });
    expect((events[0]!.object as Pod).status?.conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }));
    // A second NoExecute taint that the tolerant pod does not tolerate: it goes at once too.
    await c.taint([{ key: 'maintenance', effect: 'NoSchedule' }, noExecute('maintenance'), noExecute('disk-failing')]);
    expect(await c.podNames()).toEqual(['elsewhere']);
    watch.stop();
    await c.stop();
  });

  it('evicts a pod from a dead node tolerationSeconds after the taint (the 300 s of DefaultTolerationSeconds), and never a pod that tolerates it for ever', async () => {
    const c = await tainted([podOn('default', 'n1', DEFAULT_TOLERATIONS), podOn('short', 'n1', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]), podOn('forever', 'n1', [{ operator: 'Exists' }])]);
    const gone = new Map<string, number>();
    await stepTo(c.cluster, 400_000, async (t) => {
      const left = await c.podNames();
      for (const name of ['default', 'short']) if (!left.includes(name) && !gone.has(name)) gone.set(name, t);
      if (t % 10 === 0) await c.heartbeat('n2'); // n1 is dead from the start: unreachable at 55 s
    });
    expect(Object.fromEntries(gone)).toEqual({ short: 85_000, default: 355_000 });
    expect(await c.podNames()).toEqual(['forever']);
    await c.stop();
  });

  it('keeps a planned eviction\'s time when another tolerated taint comes, and evicts at once when one comes that the pod does not tolerate', async () => {
    const tolerate = (key: string): Toleration => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    const c = await tainted([podOn('web', 'n1', [tolerate('maintenance'), tolerate('disk-failing')])]);
    await c.taint([noExecute('maintenance')]);
    expect(c.tec.scheduledEviction('default/web')?.firesAt).toBe(START + 300_000);
    await stepTo(c.cluster, 100_000, async (t) => {
      if (t % 10 === 0) for (const n of ['n1', 'n2']) await c.heartbeat(n);
    });
    await c.taint([noExecute('maintenance'), noExecute('disk-failing')]);
    expect(c.tec.scheduledEviction('default/web')?.firesAt, 'the pod\'s time runs from the first taint').toBe(START + 300_000);
    expect(await c.podNames()).toEqual(['web']);
    await c.taint([noExecute('maintenance'), noExecute('disk-failing'), noExecute('dedicated', 'db')]);
    expect(await c.podNames()).toEqual([]);
    await c.stop();
  });

  it('replaces a plan made at this same instant (the pod changed before the clock moved) but keeps one made earlier, as upstream compares the plan\'s CreatedAt with now', async () => {
    const c = await tainted([podOn('web', 'n1')]);
    const taints = [noExecute('maintenance')];
    const tolerating = (seconds: number): Toleration[] => [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }];
    const now = c.cluster.clock.now();
    c.tec.processPodOnNode('default/web', tolerating(300), taints, now);
    expect(c.tec.scheduledEviction('default/web')?.firesAt).toBe(now + 300_000);
    c.tec.processPodOnNode('default/web', tolerating(30), taints, now);
    expect(c.tec.scheduledEviction('default/web')?.firesAt, 'planned at this instant: the new tolerationSeconds count').toBe(now + 30_000);
    c.tec.processPodOnNode('default/web', tolerating(300), taints, now + 1_000);
    expect(c.tec.scheduledEviction('default/web')?.firesAt, 'planned a second ago: the first plan stands').toBe(now + 30_000);
    expect(c.tec.scheduledEviction('default/web')?.createdAt).toBe(now);
    await c.stop();
  });

  it('evicts at once a pod that tolerates the taint for 0 s (tolerationSeconds <= 0 counts as 0, not as for ever)', async () => {
    const c = await tainted([podOn('zero', 'n1', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }]), podOn('negative', 'n1', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: -10 }])]);
    await c.taint([noExecute('maintenance')]);
    expect(await c.podNames()).toEqual([]);
    await c.stop();
  });

  it('cancels the planned evictions of the pods of a node that is deleted, and leaves alone a pod bound to a node it has never seen, with no error', async () => {
    const c = await tainted([podOn('web', 'n1', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }])]);
    await c.taint([noExecute('maintenance')]);
    expect(c.tec.scheduledEviction('default/web')?.firesAt).toBe(START + 300_000);
    await c.api.nodes().delete('n1');
    await c.cluster.settle();
    expect(c.tec.scheduledEviction('default/web'), 'its node is gone: nothing to evict it from').toBeUndefined();
    await c.api.pods('default').create(podOn('lost', 'no-such-node'));
    await c.cluster.settle();
    expect(c.tec.scheduledEviction('default/lost')).toBeUndefined();
    expect(await c.podNames()).toEqual(['lost', 'web']);
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('cancels the planned eviction of a pod that is deleted meanwhile (its kubelet\'s final delete), with no error', async () => {
    const c = await tainted([podOn('web', 'n1', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }])]);
    await c.taint([noExecute('maintenance')]);
    expect(c.tec.scheduledEviction('default/web')?.firesAt).toBe(START + 300_000);
    await c.api.pods('default').delete('web', { gracePeriodSeconds: 0 });
    await c.cluster.settle();
    expect(c.tec.scheduledEviction('default/web'), 'gone: nothing left to evict').toBeUndefined();
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  it('cancels a planned eviction when asked about a pod with no NoExecute taints left', async () => {
    const c = await tainted([podOn('web', 'n1')]);
    const now = c.cluster.clock.now();
    const tolerating: Toleration[] = [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }];
    c.tec.processPodOnNode('default/web', tolerating, [noExecute('maintenance')], now);
    expect(c.tec.scheduledEviction('default/web')?.firesAt).toBe(now + 300_000);
    c.tec.processPodOnNode('default/web', tolerating, [], now + 1_000);
    expect(c.tec.scheduledEviction('default/web')).toBeUndefined();
    await c.stop();
  });

  it('cancels the eviction when the taint goes away before tolerationSeconds run out, and judges a pod bound later to a tainted node', async () => {
    const c = await tainted([podOn('web', 'n1', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }])]);
    await c.taint([noExecute('maintenance')]);
    expect(c.tec.scheduledEviction('default/web')?.firesAt).toBe(START + 300_000);
    const heartbeats = async (t: number) => {
      if (t % 10 === 0) for (const n of ['n1', 'n2']) await c.heartbeat(n);
    };
    await stepTo(c.cluster, 100_000, heartbeats);
    expect(await c.podNames()).toEqual(['web']);
    await c.taint([]);
    expect(c.tec.scheduledEviction('default/web')).toBeUndefined();
    await stepTo(c.cluster, 400_000, heartbeats);
    expect(await c.podNames()).toEqual(['web']);
    await c.taint([noExecute('dedicated', 'db')]);
    await c.api.pods('default').create(podOn('late', 'n1'));
    await c.cluster.settle();
    expect(await c.podNames(), 'web: evicted at once too, it does not tolerate dedicated=db').toEqual([]);
    await c.stop();
  });
});

// ---- properties --------------------------------------------------------------------------------------------

/** A pod's tolerations, what they are in words, and how long they keep it on an unreachable node (-1: for ever). */
interface TolerationSpec {
  label: string;
  tolerations: Toleration[] | undefined;
  seconds: number;
}
const tolerationArb: fc.Arbitrary<TolerationSpec> = fc.oneof(
  fc.constant<TolerationSpec>({ label: 'none', tolerations: undefined, seconds: 0 }),
  fc.integer({ min: 0, max: 400 }).map((s): TolerationSpec => ({ label: `unreachable for ${s} s`, tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s }], seconds: s })),
  fc.integer({ min: 1, max: 400 }).map((s): TolerationSpec => ({ label: `every NoExecute taint for ${s} s`, tolerations: [{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s }], seconds: s })),
  fc.constant<TolerationSpec>({ label: 'unreachable for ever', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }], seconds: -1 }),
  fc.constant<TolerationSpec>({ label: 'only not-ready', tolerations: [{ key: NOT_READY, operator: 'Exists', effect: 'NoExecute' }], seconds: 0 }),
);

interface NodeModel {
  /** when the kubelet last renewed the lease (ms since START) */
  lastHeartbeat: number;
  /** when it last changed what it reports */
  lastReport: number;
  reported: 'True' | 'False';
}
interface Model {
  nodes: Record<string, NodeModel>;
  now: number;
}
type Running = Awaited<ReturnType<typeof running>>;
type Command = fc.AsyncCommand<Model, Running>;
const GRACE = 50_000;
const PERIOD = 5_000;

/** The invariants of the node lifecycle controller at any moment. */
async function checkNodes(model: Model, real: Running, what: string): Promise<void> {
  for (const [name, m] of Object.entries(model.nodes)) {
    const ready = (await real.ready(name))?.status;
    const taints = await real.lifecycleTaints(name);
    const silent = model.now - m.lastHeartbeat;
    // Checked every simulated second: each check asks expect only when it fails, for its message
    // (a passing expect call costs more than the step it checks).
    if (taints.length > 1) expect(taints.length, `${what}: ${name} has both lifecycle taints (${taints.join(', ')})`).toBeLessThanOrEqual(1);
    if (silent <= GRACE && ready !== m.reported) expect(ready, `${what}: ${name} heartbeated ${silent / 1000} s ago, within the grace period, yet its Ready is`).toBe(m.reported);
    if (silent > GRACE + PERIOD && ready !== 'Unknown') expect(ready, `${what}: ${name} silent for ${silent / 1000} s, more than grace + one period`).toBe('Unknown');
    const settled = model.now - m.lastReport >= PERIOD;
    if (settled && taints.includes(UNREACHABLE) && ready !== 'Unknown') expect(ready, `${what}: ${name} has the unreachable taint a period after reporting ${m.reported}`).toBe('Unknown');
    if (settled && taints.includes(NOT_READY) && ready !== 'False') expect(ready, `${what}: ${name} has the not-ready taint`).toBe('False');
    if (settled && ready === 'True' && taints.length > 0) expect(taints, `${what}: ${name} is Ready and was for a whole period`).toEqual([]);
  }
}

class Report implements Command {
  constructor(readonly node: string, readonly ready: 'True' | 'False') {}
  check = () => true;
  async run(model: Model, real: Running) {
    const m = model.nodes[this.node]!;
    const current = (await real.ready(this.node))?.status;
    if (current !== this.ready) m.lastReport = model.now;
    m.reported = this.ready;
    m.lastHeartbeat = model.now;
    await real.heartbeat(this.node, this.ready);
    await checkNodes(model, real, String(this));
  }
  toString = () => `kubelet of ${this.node} heartbeats, reporting Ready ${this.ready}`;
}
class Advance implements Command {
  constructor(readonly seconds: number) {}
  check = () => true;
  async run(model: Model, real: Running) {
    for (let s = 0; s < this.seconds; s++) {
      await real.cluster.advance(1_000);
      model.now += 1_000;
      if (model.now % 10_000 === 0) {
        model.nodes['n0']!.lastHeartbeat = model.now;
        await real.heartbeat('n0');
      }
      await checkNodes(model, real, `${this} (at ${model.now / 1000} s)`);
    }
  }
  toString = () => `advance ${this.seconds} s`;
}

describe('properties', () => {
  test.prop(
    [
      fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 4 }),
      fc.array(tolerationArb, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(20_000, 40_000, 50_000),
      fc.constantFrom(2_000, 5_000),
    ],
    { numRuns: 25 },
  )('a pod on a node that stops heartbeating is evicted after grace + tolerationSeconds, and no later than one monitor period after that', async (gaps, pods, grace, period) => {
    const c = await running({
      nodes: [makeNode('dead', START), makeNode('alive', START)],
      pods: pods.map((p, i) => podOn(`p${i}`, 'dead', p.tolerations)),
      nlc: { nodeMonitorGracePeriodMs: grace, nodeMonitorPeriodMs: period },
    });
    // Heartbeats at the given gaps, each within the grace period, then silence from lastBeat on.
    let lastBeat = 0;
    for (const gap of gaps) {
      lastBeat += Math.min(gap * 1000, grace);
      await stepTo(c.cluster, lastBeat, async (t) => {
        if (t % 10_000 === 0) await c.heartbeat('alive');
      });
      await c.heartbeat('dead');
    }
    const horizon = lastBeat + grace + 400_000 + 2 * period;
    const gone = new Map<number, number>();
    await stepTo(c.cluster, horizon, async (t) => {
      if (t % 10_000 === 0) await c.heartbeat('alive');
      const left = await c.podNames();
      pods.forEach((_, i) => {
        if (!gone.has(i) && !left.includes(`p${i}`)) gone.set(i, t);
      });
    });
    pods.forEach((p, i) => {
      const story = `pod p${i} tolerating ${p.label}, last heartbeat at ${lastBeat / 1000} s, grace ${grace / 1000} s, period ${period / 1000} s`;
      if (p.seconds < 0) return expect(gone.get(i), `${story}: evicted at ${(gone.get(i) ?? 0) / 1000} s`).toBeUndefined();
      const earliest = lastBeat + grace + p.seconds * 1000;
      expect(gone.get(i), `${story}: never evicted`).toBeDefined();
      expect(gone.get(i)!, `${story}: evicted too early`).toBeGreaterThan(earliest);
      expect(gone.get(i)!, `${story}: evicted too late`).toBeLessThanOrEqual(earliest + period);
    });
    expect(c.errors).toEqual([]);
    await c.stop();
  });

  test.prop(
    [
      fc.commands(
        [
          fc.tuple(fc.constantFrom('n1', 'n2'), fc.constantFrom<'True' | 'False'>('True', 'True', 'False')).map(([n, r]) => new Report(n, r)),
          fc.constantFrom(1, 5, 10, 30, 60).map((s) => new Advance(s)),
        ],
        { maxCommands: 20, size: '+1' },
      ),
    ],
    { numRuns: 25 },
  )('under any story of kubelet reports and silences, a node is Unknown only after the grace period and always after one more period, and its taint follows its Ready condition', async (commands) => {
    const real = await running({ nodes: [makeNode('n0', START, 'a'), makeNode('n1', START, 'a'), makeNode('n2', START, 'b')] });
    const node = (): NodeModel => ({ lastHeartbeat: 0, lastReport: 0, reported: 'True' });
    await fc.asyncModelRun(() => ({ model: { nodes: { n0: node(), n1: node(), n2: node() }, now: 0 }, real }), [...commands, new Advance(60)]);
    expect(real.errors).toEqual([]);
    await real.stop();
  });
});
