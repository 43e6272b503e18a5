/**
 * Kata 16 — kube-scheduler: scoring, the queue, the loop. The spec is katas/scheduler/16-loop.md.
 *
 * The examples read as the spec: selectHost and its ties, LeastAllocated and BalancedAllocation,
 * the queue's order, back-off and unschedulable pods, and the scheduler binding pods through a
 * real registry, with its assumed-pod cache, its failures written to the pod's condition (a
 * rejection waits for an event, an error or a failed binding backs off), and a plugin that throws. The properties: whatever the interleaving of node and pod changes, event
 * deliveries and scheduling cycles, no node is ever overcommitted by the bindings in the store
 * (model-based, fc.commands); every pod that fits somewhere is eventually bound once the fake clock
 * has run past the back-offs; the queue pops by priority, then age; and a pod's status written
 * while it waits moves it nowhere (two queues, one told of the status, pop the same).
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { LocalClient } from '@kube/apiserver';
import { FakeClock, Random, toRFC3339, type Binding, type Node, type NodeCondition, type Pod, type PodCondition, type Toleration } from '@kube/kit';
import {
  backoffDuration,
  BalancedAllocation,
  CycleState,
  defaultFramework,
  ExplanationLog,
  LeastAllocated,
  NodeInfo,
  replayExplanation,
  Scheduler,
  schedulerFramework,
  SchedulingQueue,
  podKey,
  selectHost,
  Status,
  type FilterPlugin,
  type NodePluginScores,
} from '@kube/scheduler';
import { TestCluster, START } from '../support/scheduler/cluster.ts';
import { makeNode, makePod, type NodeOptions, type PodOptions } from '../support/scheduler/fixtures.ts';
import { effectArb, labelsArb, taintArb } from '../support/scheduler/arbitraries.ts';

const scored = (name: string, totalScore: number): NodePluginScores => ({ name, totalScore, scores: [] });

/** A NodeInfo with the given pods on it. */
function nodeWith(node = makeNode('n1'), ...pods: Pod[]): NodeInfo {
  const info = new NodeInfo(node);
  for (const pod of pods) info.addPod({ ...pod, spec: { ...pod.spec!, nodeName: info.name } });
  return info;
}

// ---- selectHost -----------------------------------------------------------------------------

describe('selectHost', () => {
  it('picks the node with the highest total score', () => {
    expect(selectHost([scored('a', 10), scored('b', 300), scored('c', 299)], new Random(1))).toBe('b');
  });

  it('breaks a tie with the seeded Random: the same seed, the same node; over many seeds, every tied node', () => {
    const tied = [scored('a', 50), scored('low', 10), scored('b', 50), scored('c', 50)];
    expect(selectHost(tied, new Random(42))).toBe(selectHost(tied, new Random(42)));
    const chosen = new Set(Array.from({ length: 60 }, (_, seed) => selectHost(tied, new Random(seed))));
    expect([...chosen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('starts counting ties again when a higher score comes: two tied bests after two tied lower ones are each chosen about half the time', () => {
    const list = [scored('x', 10), scored('y', 10), scored('a', 50), scored('b', 50)];
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 300; seed++) {
      const chosen = selectHost(list, new Random(seed));
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['a', 'b']);
    // with the count of ties not reset at a, b would be taken with probability 1/4: about 75 of 300
    expect(Math.min(counts.get('a')!, counts.get('b')!), JSON.stringify(Object.fromEntries(counts))).toBeGreaterThan(110);
  });

  it('refuses an empty list with an error that says there is nothing to choose from', () => {
    expect(() => selectHost([], new Random(1))).toThrow(/no scored nodes/);
  });

  it('never picks a lower score, even one after the best, and gives each tied node about the same share over many seeds', () => {
    const tied = [scored('a', 50), scored('b', 50), scored('c', 50), scored('low', 10)];
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 300; seed++) {
      const name = selectHost(tied, new Random(seed));
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const name of ['a', 'b', 'c']) {
      expect(counts.get(name), `${name} chosen ${counts.get(name)} times of 300`).toBeGreaterThan(70);
      expect(counts.get(name), `${name} chosen ${counts.get(name)} times of 300`).toBeLessThan(130);
    }
  });
});

// ---- the resource scores ----------------------------------------------------------------------

describe('LeastAllocated (NodeResourcesFit score)', () => {
  const plugin = new LeastAllocated();
  const state = new CycleState([]);

  it('scores the share of CPU and memory left free with the pod on the node, averaged: half free is 50', () => {
    const node = nodeWith(makeNode('n1', { cpu: '4', memory: '8Gi' }), makePod('old', { cpu: '1', memory: '2Gi' }));
    expect(plugin.score(state, makePod('new', { cpu: '1', memory: '2Gi' }), node)).toBe(50);
    expect(plugin.name).toBe('NodeResourcesFit');
  });

  it('counts a pod without requests as 100m CPU and 200Mi memory', () => {
    const node = nodeWith(makeNode('n1', { cpu: '1', memory: '1Gi' }));
    // cpu (1000 - 100) * 100 / 1000 = 90; memory (1024 - 200) * 100 / 1024 = 80.47 -> 80; (90 + 80) / 2 = 85
    expect(plugin.score(state, makePod('empty'), node)).toBe(85);
  });

  it('gives 0 for a resource the pod would overfill', () => {
    const node = nodeWith(makeNode('n1', { cpu: '1', memory: '8Gi' }));
    // cpu overfilled: 0; memory (8Gi - 4Gi) / 8Gi = 50; (0 + 50) / 2 = 25
    expect(plugin.score(state, makePod('big', { cpu: '2', memory: '4Gi' }), node)).toBe(25);
  });

  // After upstream least_allocated_test.go's cases "resources requested, pods scheduled with
  // resources" and "requested resources exceed node capacity": defaults go per container, and
  // only where a request is absent.
  it('counts the default per container that leaves a request out: three such containers count 300m and 600Mi', () => {
    const node = nodeWith(makeNode('n1', { cpu: '1', memory: '2Gi' }));
    const three = makePod('three', { moreContainers: [{}, {}] });
    // cpu (1000 - 300) * 100 / 1000 = 70; memory (2048Mi - 600Mi) * 100 / 2048Mi = 70.7 -> 70
    expect(plugin.score(state, three, node)).toBe(70);
    // a container that asks for cpu only still counts 200Mi of memory: cpu 50, memory (2048 - 200) / 2048 -> 90
    expect(plugin.score(state, makePod('half', { cpu: '500m' }), node)).toBe(70);
  });

  it('keeps a request written as "0" at 0, and counts nothing for a pod without containers', () => {
    const node = nodeWith(makeNode('n1', { cpu: '1', memory: '1Gi' }));
    // cpu 50; memory "0" stays 0: (1024 - 0) / 1024 = 100; (50 + 100) / 2 = 75
    expect(plugin.score(state, makePod('zero', { cpu: '500m', memory: '0' }), node)).toBe(75);
    const bare: Pod = { ...makePod('bare'), spec: { containers: [] } };
    expect(plugin.score(state, bare, node)).toBe(100);
  });

  it("counts the node's pods with their defaults too, container by container", () => {
    const node = nodeWith(makeNode('n1', { cpu: '1', memory: '1Gi' }), makePod('two-empty', { moreContainers: [{}] }));
    // node: 200m and 400Mi already; the pod asks 300m and 224Mi: cpu 50, memory (1024 - 624) / 1024 = 39 -> (50 + 39) / 2 = 44
    expect(plugin.score(state, makePod('p', { cpu: '300m', memory: '224Mi' }), node)).toBe(44);
  });

  it('leaves out a resource the node has none of: the average is over the others', () => {
    const node = nodeWith(makeNode('n1', { cpu: '1', memory: '0' }));
    expect(plugin.score(state, makePod('p', { cpu: '500m', memory: '1Gi' }), node)).toBe(50);
    expect(plugin.score(state, makePod('p', { cpu: '500m' }), nodeWith(makeNode('n2', { cpu: '0', memory: '0' })))).toBe(0);
  });
});

describe('BalancedAllocation', () => {
  const plugin = new BalancedAllocation();
  const state = new CycleState([]);

  it('gives 100 when CPU and memory would be used in the same proportion', () => {
    expect(plugin.score(state, makePod('p', { cpu: '2', memory: '4Gi' }), nodeWith(makeNode('n1', { cpu: '4', memory: '8Gi' })))).toBe(100);
    expect(plugin.name).toBe('NodeResourcesBalancedAllocation');
  });

  it('scores (1 - the standard deviation of the fractions) x 100: CPU half used, memory a quarter, is 87', () => {
    // fractions 0.5 and 0.25: mean 0.375, standard deviation 0.125 -> 87.5 -> 87
    expect(plugin.score(state, makePod('p', { cpu: '2', memory: '2Gi' }), nodeWith(makeNode('n1', { cpu: '4', memory: '8Gi' })))).toBe(87);
  });

  it('takes the deviation of two fractions as upstream does, |cpu - memory| / 2, whose floating point can differ from the general formula\'s', () => {
    // 0.4/3 and 2.5/3: |f1 - f2| / 2 = 0.35000000000000003 -> 64.99... -> 64 (the general formula's sqrt gives 0.35 -> 65)
    expect(plugin.score(state, makePod('p', { cpu: '400m', memory: '2560Mi' }), nodeWith(makeNode('n1', { cpu: '3', memory: '3Gi' })))).toBe(64);
  });

  it('caps each fraction at 1: a pod that overfills CPU and asks no memory scores as if CPU were full', () => {
    // cpu 8/4 -> 1; memory 0 (no default here: BalancedAllocation counts what is asked); deviation 0.5 -> 50
    expect(plugin.score(state, makePod('p', { cpu: '8' }), nodeWith(makeNode('n1', { cpu: '4', memory: '8Gi' })))).toBe(50);
  });

  it("counts actual requests, without defaults, for the pod and for the node's pods", () => {
    // cpu 1/4 = 0.25, memory 0: deviation 0.125 -> 87 (with a 200Mi default it would be 88)
    expect(plugin.score(state, makePod('p', { cpu: '1' }), nodeWith(makeNode('n1', { cpu: '4', memory: '8Gi' })))).toBe(87);
    // a pod without requests on the node adds nothing: 0.5 and 0.5 -> 100
    expect(plugin.score(state, makePod('p', { cpu: '2', memory: '4Gi' }), nodeWith(makeNode('n1', { cpu: '4', memory: '8Gi' }), makePod('empty')))).toBe(100);
  });

  it('leaves out a resource the node has none of: one fraction left has no deviation, 100', () => {
    expect(plugin.score(state, makePod('p', { cpu: '2', memory: '1Gi' }), nodeWith(makeNode('n1', { cpu: '4', memory: '0' })))).toBe(100);
  });

  it('gives 100 on a node with no CPU and no memory at all: no fractions, no deviation', () => {
    expect(plugin.score(state, makePod('p', { cpu: '1', memory: '1Gi' }), nodeWith(makeNode('n1', { cpu: '0', memory: '0' })))).toBe(100);
  });

  it('answers Skip in PreScore for a pod that requests no CPU and no memory, Success otherwise', () => {
    expect(plugin.preScore(state, makePod('best-effort')).code).toBe('Skip');
    expect(plugin.preScore(state, makePod('zeros', { cpu: '0', memory: '0' })).code).toBe('Skip');
    expect(plugin.preScore(state, makePod('some', { memory: '1Mi' })).code).toBe('Success');
  });

  it('answers Success in PreScore for a pod that requests CPU and no memory', () => {
    expect(plugin.preScore(state, makePod('cpu-only', { cpu: '100m' })).code).toBe('Success');
  });
});

// ---- the queue --------------------------------------------------------------------------------

describe('the scheduling queue', () => {
  const prioritized = (name: string, priority: number): Pod => ({ ...makePod(name), spec: { ...makePod(name).spec!, priority } });

  it('pops the highest priority first, then the pod that has waited longest', async () => {
    const clock = new FakeClock(START);
    const queue = new SchedulingQueue(clock);
    queue.add(prioritized('old-low', 0));
    await clock.advance(1);
    queue.add(prioritized('high', 100));
    await clock.advance(1);
    queue.add(prioritized('new-low', 0));
    expect([queue.pop(), queue.pop(), queue.pop(), queue.pop()].map((q) => q?.pod.metadata.name)).toEqual(['high', 'old-low', 'new-low', undefined]);
  });

  it('backs a failed pod off for 1 s, doubling with each attempt, at most 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(backoffDuration)).toEqual([1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  });

  it('backs a pod that never failed off for 0 ms', () => {
    expect(backoffDuration(0)).toBe(0);
  });

  it('adding a pod that already waits (in flight, or unschedulable) updates it where it is, and does not make it active', () => {
    const queue = new SchedulingQueue(new FakeClock(START));
    queue.add(makePod('web'));
    const inFlight = queue.pop()!;
    queue.add(makePod('web')); // the same pod ADDED again, as after a relist
    expect(queue.pop()).toBeUndefined();
    queue.addUnschedulable(inFlight);
    queue.add(makePod('web'));
    expect(queue.sizes).toEqual({ active: 0, backoff: 0, unschedulable: 1 });
  });

  it('update adds an unknown pod, re-orders an active pod by its new priority, leaves a pod in flight there, and moves an unschedulable pod on when more than its status changed', async () => {
    const clock = new FakeClock(START);
    const queue = new SchedulingQueue(clock);
    queue.update(prioritized('new', 0));
    queue.add(prioritized('a', 0));
    await clock.advance(1);
    queue.add(prioritized('b', 0));
    queue.update(prioritized('b', 10));
    expect(queue.pop()?.pod.metadata.name).toBe('b');
    const a = queue.pop()!;
    expect(a.pod.metadata.name).toBe('a');
    queue.update(prioritized('a', 5)); // in flight: it stays there
    expect(queue.pop()?.pod.metadata.name).toBe('new');
    expect(queue.pop()).toBeUndefined();
    queue.addUnschedulable(a);
    const rejected: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no' };
    queue.update({ ...prioritized('a', 5), metadata: { ...prioritized('a', 5).metadata, resourceVersion: '9', generation: 2 }, status: { conditions: [rejected] } });
    expect(queue.sizes, 'only its status, resourceVersion and generation changed (the scheduler wrote why it failed): it stays').toEqual({ active: 0, backoff: 0, unschedulable: 1 });
    queue.update({ ...prioritized('a', 5), metadata: { ...prioritized('a', 5).metadata, labels: { tier: 'web' } } });
    expect(queue.sizes, 'a label: on to backoff, as after an event').toEqual({ active: 0, backoff: 1, unschedulable: 0 });
  });

  it('a pod deleted during its cycle stays gone when the cycle fails, rejected or with an error', () => {
    const queue = new SchedulingQueue(new FakeClock(START));
    queue.add(makePod('web'));
    queue.add(makePod('api'));
    const first = queue.pop()!;
    const second = queue.pop()!;
    queue.delete(makePod('web'));
    queue.delete(makePod('api'));
    queue.addUnschedulable(first);
    queue.addBackoff(second);
    expect(queue.sizes).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
  });

  it('an event at the very end of the back-off sends an unschedulable pod to active, not to backoff', async () => {
    const clock = new FakeClock(START);
    const queue = new SchedulingQueue(clock);
    queue.add(makePod('web'));
    queue.addUnschedulable(queue.pop()!);
    await clock.advance(1000);
    queue.moveAllToActiveOrBackoff('NodeAdd');
    expect(queue.sizes).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it('pops by priority, then age, after hundreds of priority changes, and gives a pod without a spec priority 0', async () => {
    const clock = new FakeClock(START);
    // p0 changes priority n times (ending at 0), for many n: whatever the queue does with the entries it outgrows
    for (let n = 50; n <= 150; n += 1) {
      const queue = new SchedulingQueue(clock);
      for (const [i, priority] of [0, -1, 2, 0, 1].entries()) queue.add(prioritized(`p${i}`, priority));
      for (let k = 0; k < n; k++) queue.add(prioritized('p0', ((n - k) % 3) - 1));
      expect([1, 2, 3, 4, 5, 6].map(() => queue.pop()?.pod.metadata.name), `after ${n} changes`).toEqual(['p2', 'p4', 'p0', 'p3', 'p1', undefined]);
    }
    const two = new SchedulingQueue(clock);
    two.add(prioritized('x', 0));
    two.add(prioritized('y', 0));
    for (let i = 0; i < 100; i++) {
      two.add(prioritized('x', i % 3));
      two.add(prioritized('y', (i + 1) % 3));
    }
    const bare: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'default' } };
    two.add(bare);
    expect([1, 2, 3, 4].map(() => two.pop()?.pod.metadata.name)).toEqual(['y', 'bare', 'x', undefined]);
  });

  it('keeps an unschedulable pod until a cluster event, then in backoff until its back-off is over', async () => {
    const clock = new FakeClock(START);
    const queue = new SchedulingQueue(clock);
    queue.add(makePod('web'));
    queue.addUnschedulable(queue.pop()!); // attempt 1 failed: back-off 1 s
    expect(queue.pop()).toBeUndefined();
    queue.moveAllToActiveOrBackoff('NodeAdd');
    expect(queue.sizes).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
    await clock.advance(999);
    expect(queue.pop()).toBeUndefined();
    await clock.advance(1);
    expect(queue.pop()).toMatchObject({ pod: { metadata: { name: 'web' } }, attempts: 2 });
  });

  it('tries an unschedulable pod again after 5 minutes without any event', async () => {
    const clock = new FakeClock(START);
    const queue = new SchedulingQueue(clock);
    queue.add(makePod('web'));
    queue.addUnschedulable(queue.pop()!);
    await clock.advance(5 * 60_000 - 1);
    expect(queue.pop()).toBeUndefined();
    await clock.advance(1);
    expect(queue.pop()?.pod.metadata.name).toBe('web');
  });

  it('forgets a deleted pod wherever it waits, and a pod added twice is queued once', () => {
    const queue = new SchedulingQueue(new FakeClock(START));
    queue.add(makePod('a'));
    queue.add(makePod('a'));
    queue.add(makePod('b'));
    queue.delete(makePod('a'));
    expect(queue.pop()?.pod.metadata.name).toBe('b');
    expect(queue.pop()).toBeUndefined();
  });
});

// ---- the scheduler ------------------------------------------------------------------------------

/** A cluster, a scheduler on it, and the events delivered. */
async function running(nodes: Parameters<typeof makeNode>[] = [], options: { framework?: ReturnType<typeof defaultFramework> } = {}) {
  const cluster = new TestCluster();
  for (const args of nodes) await cluster.addNode(makeNode(...args));
  const scheduler = new Scheduler({ client: cluster.client, clock: cluster.clock, random: new Random(5), ...options });
  await scheduler.sync();
  await cluster.deliver(scheduler); // the sync saw everything: nothing new
  return { cluster, scheduler };
}

describe('the scheduler', () => {
  it('binds a pending pod to a node through the apiserver: the stored pod has spec.nodeName', async () => {
    const { cluster, scheduler } = await running([['n1']]);
    await cluster.addPod(makePod('web', { cpu: '1' }));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ pod: { metadata: { name: 'web' } }, nodeName: 'n1' });
    expect((await cluster.pod('web')).spec?.nodeName).toBe('n1');
    expect(await scheduler.scheduleNext()).toBeUndefined();
  });

  it('spreads pods over equal nodes: the second pod goes to the emptier node', async () => {
    const { cluster, scheduler } = await running([['n1'], ['n2']]);
    await cluster.addPod(makePod('a', { cpu: '2', memory: '1Gi' }));
    await cluster.addPod(makePod('b', { cpu: '2', memory: '1Gi' }));
    await cluster.deliver(scheduler);
    const placed = (await scheduler.runUntilIdle()).map((r) => r.nodeName);
    expect(placed.sort()).toEqual(['n1', 'n2']);
  });

  it('sees its own placement before the apiserver confirms it (the assumed pod): two pods for one last slot, one is bound', async () => {
    const { cluster, scheduler } = await running([['n1', { cpu: '1' }]]);
    await cluster.addPod(makePod('a', { cpu: '1' }));
    await cluster.addPod(makePod('b', { cpu: '1' }));
    await cluster.deliver(scheduler);
    const results = await scheduler.runUntilIdle(); // no event delivered between the two cycles
    expect(results.map((r) => r.nodeName ?? r.error)).toEqual(['n1', '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..']);
  });

  it("ends the message as DefaultPreemption's PostFilter does: no victims where all are of its priority, not helpful past a taint, not eligible under preemptionPolicy Never, and nothing where it could have preempted", async () => {
    const unschedulable = async (pod: Pod, residentPriority = 0) => {
      const { cluster, scheduler } = await running([['full', { cpu: '1' }], ['tainted', { taints: [{ key: 'gpu', effect: 'NoSchedule' }] }]]);
      await cluster.addPod(makePod('resident', { cpu: '1', nodeName: 'full', priority: residentPriority }));
      await cluster.addPod(pod);
      await cluster.deliver(scheduler);
      return (await scheduler.scheduleNext())?.error;
    };
    const filters = '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {gpu: }.';
    expect(await unschedulable(makePod('p', { cpu: '1' }))).toBe(`${filters} preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling..`);
    const polite = makePod('polite', { cpu: '1' });
    expect(await unschedulable({ ...polite, spec: { ...polite.spec!, preemptionPolicy: 'Never' } })).toBe(`${filters} preemption: not eligible due to preemptionPolicy=Never..`);
    // kube-scheduler would evict the resident (priority 0) for a pod of priority 1000: this workbook does not preempt, and says nothing of it
    expect(await unschedulable(makePod('urgent', { cpu: '1', priority: 1000 }))).toBe(filters);
  });

  it('writes why a pod does not fit into its PodScheduled condition, leaves it there until a cluster event, and binds it when a node with room comes', async () => {
    const { cluster, scheduler } = await running([['small', { cpu: '1' }]]);
    await cluster.addPod(makePod('big', { cpu: '2' }));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..' });
    expect((await cluster.pod('big')).status?.conditions).toEqual([
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..',
        lastTransitionTime: toRFC3339(START),
      },
    ]);
    await cluster.deliver(scheduler); // its own status change: nothing to do
    expect(await scheduler.scheduleNext()).toBeUndefined();
    await cluster.clock.advance(60_000);
    expect(await scheduler.scheduleNext(), 'its back-off is long over, but only a cluster event (or 5 minutes) may help it').toBeUndefined();
    await cluster.addNode(makeNode('large', { cpu: '4' }));
    await cluster.deliver(scheduler); // NodeAdd: the pod moves to active, its back-off over
    expect(await scheduler.scheduleNext()).toMatchObject({ nodeName: 'large' });
    expect((await cluster.pod('big')).status?.conditions, 'the binding marks it scheduled, at its own time').toEqual([{ type: 'PodScheduled', status: 'True', lastTransitionTime: toRFC3339(START + 60_000) }]);
  });

  it("leaves a pod that names another scheduler to that one: never tried nor written to, yet its requests count on the node it is bound to", async () => {
    const { cluster, scheduler } = await running([['n1', { cpu: '2' }]]);
    const custom = makePod('custom', { cpu: '2' });
    await cluster.addPod({ ...custom, spec: { ...custom.spec!, schedulerName: 'my-scheduler' } });
    await cluster.deliver(scheduler);
    const written = (await cluster.pod('custom')).metadata.resourceVersion;
    for (const wait of [0, 20_000, 300_000]) {
      await cluster.clock.advance(wait);
      expect(await scheduler.scheduleNext(), `after ${wait} ms more`).toBeUndefined();
    }
    expect((await cluster.pod('custom')).metadata.resourceVersion, 'no condition written').toBe(written);
    await cluster.client.pods('default').bind({ metadata: { name: 'custom' }, target: { name: 'n1' } }); // my-scheduler's choice
    await cluster.addPod(makePod('web', { cpu: '1' }));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: expect.stringMatching(/^0\/1 nodes are available: 1 Insufficient cpu\./) });
  });

  it('holds a pod with scheduling gates out of the queue until its last gate is taken off, then binds it', async () => {
    const { cluster, scheduler } = await running([['n1']]);
    const web = makePod('web', { cpu: '1' });
    await cluster.addPod({ ...web, spec: { ...web.spec!, schedulingGates: [{ name: 'example.com/quota' }, { name: 'example.com/review' }] } });
    await cluster.deliver(scheduler);
    expect((await cluster.pod('web')).status?.conditions, "the apiserver's mark").toEqual([{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }]);
    expect(await scheduler.scheduleNext(), 'two gates').toBeUndefined();
    const ungate = async (gates: { name: string }[]) => {
      const pod = await cluster.pod('web');
      await cluster.client.pods('default').update({ ...pod, spec: { ...pod.spec!, schedulingGates: gates } });
      await cluster.deliver(scheduler);
    };
    await ungate([{ name: 'example.com/review' }]);
    await cluster.clock.advance(20_000);
    expect(await scheduler.scheduleNext(), 'one gate left').toBeUndefined();
    await ungate([]);
    expect(await scheduler.scheduleNext()).toMatchObject({ nodeName: 'n1' });
    expect((await cluster.pod('web')).status?.conditions).toEqual([{ type: 'PodScheduled', status: 'True', lastTransitionTime: toRFC3339(START + 20_000) }]);
  });

  it("moves an unschedulable pod on a node update only when it changes what scheduling reads: not a heartbeat nor a cordon; an uncordon, a label, an annotation, a taint, a condition's status, the allocatable do", async () => {
    const { cluster, scheduler } = await running([['n1', { cpu: '1' }]]);
    await cluster.addPod(makePod('big', { cpu: '2' }));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: expect.stringContaining('Insufficient cpu') });
    const ready = (heartbeat: number): NodeCondition => ({ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: toRFC3339(heartbeat), lastTransitionTime: toRFC3339(START) });
    const nodes = cluster.client.nodes();
    const steps: [string, (node: Node) => Promise<unknown>, 'tried again' | 'left waiting' | 'bound'][] = [
      ['its first Ready condition', (n) => nodes.updateStatus({ ...n, status: { ...n.status, conditions: [ready(START)] } }), 'tried again'],
      ['a heartbeat (only the times move)', (n) => nodes.updateStatus({ ...n, status: { ...n.status, conditions: [ready(START + 300_000)] } }), 'left waiting'],
      ['a cordon', (n) => nodes.update({ ...n, spec: { ...n.spec, unschedulable: true } }), 'left waiting'],
      ['the uncordon', (n) => nodes.update({ ...n, spec: { ...n.spec, unschedulable: false } }), 'tried again'],
      ['a label', (n) => nodes.update({ ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, disk: 'ssd' } } }), 'tried again'],
      ['an annotation', (n) => nodes.update({ ...n, metadata: { ...n.metadata, annotations: { note: 'x' } } }), 'tried again'],
      ['a taint', (n) => nodes.update({ ...n, spec: { ...n.spec, taints: [{ key: 'gpu', effect: 'PreferNoSchedule' }] } }), 'tried again'],
      ['Ready turning Unknown', (n) => nodes.updateStatus({ ...n, status: { ...n.status, conditions: [{ ...ready(START + 600_000), status: 'Unknown' }] } }), 'tried again'],
      ['more CPU allocatable', (n) => nodes.updateStatus({ ...n, status: { ...n.status, allocatable: { ...n.status!.allocatable, cpu: '4' } } }), 'bound'],
    ];
    for (const [what, change, outcome] of steps) {
      await change(await cluster.client.nodes().get('n1'));
      await cluster.deliver(scheduler);
      await cluster.clock.advance(20_000); // every back-off over
      const result = await scheduler.scheduleNext();
      if (outcome === 'left waiting') expect(result, what).toBeUndefined();
      else if (outcome === 'tried again') expect(result?.error, what).toMatch(/Insufficient cpu/);
      else expect(result?.nodeName, what).toBe('n1');
    }
  });

  it('with no nodes at all, says "no nodes available to schedule pods", and tries again after each back-off with no event to wait for', async () => {
    const { cluster, scheduler } = await running();
    await cluster.addPod(makePod('web'));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: 'no nodes available to schedule pods' });
    const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no nodes available to schedule pods', lastTransitionTime: toRFC3339(START) };
    expect((await cluster.pod('web')).status?.conditions).toEqual([condition]);
    const written = (await cluster.pod('web')).metadata.resourceVersion;
    await cluster.deliver(scheduler);
    await cluster.clock.advance(999);
    expect(await scheduler.scheduleNext(), 'its first back-off, 1 s, is not over').toBeUndefined();
    await cluster.clock.advance(1);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: 'no nodes available to schedule pods' });
    expect((await cluster.pod('web')).metadata.resourceVersion, 'the same condition: not written again').toBe(written);
    await cluster.clock.advance(2000);
    expect(await scheduler.scheduleNext(), 'then 2 s').toMatchObject({ error: 'no nodes available to schedule pods' });
    await cluster.addNode(makeNode('n1'));
    await cluster.deliver(scheduler);
    await cluster.clock.advance(4000);
    expect(await scheduler.scheduleNext()).toMatchObject({ nodeName: 'n1' });
  });

  it('skips a pod being deleted (its finalizers hold it): no binding, a Warning event, and no second try when a node comes', async () => {
    const cluster = new TestCluster();
    await cluster.addNode(makeNode('n1'));
    const events: string[] = [];
    const scheduler = new Scheduler({ client: cluster.client, clock: cluster.clock, random: new Random(5), events: { event: (pod, type, reason, message) => events.push(`${type} ${reason} ${pod.metadata.name}: ${message}`) } });
    await scheduler.sync();
    const held = makePod('held');
    await cluster.addPod({ ...held, metadata: { ...held.metadata, finalizers: ['example.com/hold'] } });
    await cluster.client.pods('default').delete('held'); // marked, and kept by its finalizer
    await cluster.addPod(makePod('web'));
    await cluster.deliver(scheduler);
    const results = await scheduler.runUntilIdle();
    expect(results.map((r) => `${r.pod.metadata.name} ${r.nodeName ?? r.error}`)).toEqual(['held skip schedule deleting pod: default/held', 'web n1']);
    expect(events).toEqual(['Warning FailedScheduling held: skip schedule deleting pod: default/held', 'Normal Scheduled web: Successfully assigned default/web to n1']);
    expect((await cluster.pod('held')).spec?.nodeName, 'never bound').toBeUndefined();
    await cluster.addNode(makeNode('n2'));
    await cluster.deliver(scheduler);
    await cluster.clock.advance(60_000);
    expect(await scheduler.runUntilIdle(), 'out of the queue for good').toEqual([]);
  });

  it('ignores an update of a pod it has placed that was written before the binding: the pod is not scheduled twice', async () => {
    const { cluster, scheduler } = await running([['n1'], ['n2']]);
    const web = await cluster.addPod(makePod('web'));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ nodeName: expect.any(String) });
    // A label written before the binding: its event, still without a node, arrives after the cycle.
    scheduler.onPod('MODIFIED', { ...web, metadata: { ...web.metadata, labels: { tier: 'front' } } });
    expect(await scheduler.scheduleNext(), 'the pod is assumed: nothing to schedule').toBeUndefined();
    await cluster.deliver(scheduler);
    expect(await scheduler.runUntilIdle()).toEqual([]);
  });

  it('a deleted node takes no more pods once its DELETED event arrives', async () => {
    const { cluster, scheduler } = await running([['small', { cpu: '1' }], ['big', { cpu: '4' }]]);
    await cluster.client.nodes().delete('big');
    await cluster.addPod(makePod('web', { cpu: '2' }));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..' });
  });

  it('a pending pod that is deleted frees nothing, so no waiting pod is tried again; a bound pod that is deleted frees its room', async () => {
    const { cluster, scheduler } = await running([['n1', { cpu: '2' }]]);
    await cluster.addPod(makePod('first', { cpu: '2' }));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ nodeName: 'n1' });
    await cluster.deliver(scheduler); // the binding, confirmed
    await cluster.addPod(makePod('waiting', { cpu: '2' }));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..' });
    await cluster.clock.advance(1000); // its back-off is over; it waits for an event (its own status change is not delivered here)
    scheduler.onPod('DELETED', makePod('never-bound'));
    expect(await scheduler.scheduleNext()).toBeUndefined();
    const first = await cluster.pod('first');
    await cluster.deletePod('first');
    scheduler.onPod('DELETED', first);
    expect(await scheduler.scheduleNext()).toMatchObject({ pod: { metadata: { name: 'waiting' } }, nodeName: 'n1' });
  });

  it('an unschedulable pod that is MODIFIED is tried again after its back-off; the same pod ADDED again (a relist) is not', async () => {
    const { cluster, scheduler } = await running([['n1', { cpu: '1' }]]);
    await cluster.addPod(makePod('big', { cpu: '2' }));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..' });
    await cluster.clock.advance(1000);
    const big = await cluster.pod('big');
    scheduler.onPod('ADDED', big);
    expect(await scheduler.scheduleNext()).toBeUndefined();
    scheduler.onPod('MODIFIED', { ...big, spec: { ...big.spec!, containers: [{ ...big.spec!.containers[0]!, resources: { requests: { cpu: '500m' } } }] } });
    expect(await scheduler.scheduleNext()).toMatchObject({ pod: { metadata: { name: 'big' } }, nodeName: 'n1' });
  });

  it('a plugin that throws makes that pod unschedulable with the error in its condition, and the next pod is scheduled', async () => {
    const fragile: FilterPlugin = {
      name: 'Fragile',
      filter: (_state, pod) => {
        if (pod.metadata.name === 'bad') throw new Error('the disk plugin crashed');
        return Status.success();
      },
    };
    const framework = defaultFramework();
    const withFragile = new (framework.constructor as typeof import('@kube/scheduler').Framework)([...framework.filterPlugins, fragile]);
    const { cluster, scheduler } = await running([['n1']], { framework: withFragile });
    await cluster.addPod(makePod('bad'));
    await cluster.addPod(makePod('good'));
    await cluster.deliver(scheduler);
    const results = await scheduler.runUntilIdle();
    expect(results.map((r) => [r.pod.metadata.name, r.nodeName ?? r.error])).toEqual([
      ['bad', expect.stringContaining('the disk plugin crashed')],
      ['good', 'n1'],
    ]);
    expect((await cluster.pod('bad')).status?.conditions?.[0]).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'SchedulerError' });
    await cluster.deliver(scheduler);
    await cluster.clock.advance(1000);
    expect((await scheduler.runUntilIdle()).map((r) => r.pod.metadata.name), 'an error, not a rejection: tried again after its back-off, with no event').toEqual(['bad']);
  });

  it('tries a pod whose binding the API failed (a timeout) again after its back-off, with no event to wait for', async () => {
    const cluster = new TestCluster();
    await cluster.addNode(makeNode('n1'));
    let refusals = 1;
    /** The cluster's client, whose first binding times out. */
    class FlakyBinding extends LocalClient {
      override pods(namespace?: string) {
        const pods = super.pods(namespace);
        const bind = async (binding: Binding) => {
          if (refusals-- > 0) throw new Error('etcdserver: request timed out');
          return pods.bind(binding);
        };
        return Object.assign(Object.create(pods) as typeof pods, { bind });
      }
    }
    const scheduler = new Scheduler({ client: new FlakyBinding(cluster.registry), clock: cluster.clock, random: new Random(5) });
    await scheduler.sync();
    await cluster.addPod(makePod('web'));
    await cluster.deliver(scheduler);
    expect(await scheduler.scheduleNext()).toMatchObject({ error: 'binding to node "n1" failed: etcdserver: request timed out' });
    await cluster.deliver(scheduler); // its own PodScheduled condition: no reason to move it
    expect(await scheduler.scheduleNext(), 'its back-off, 1 s, is not over').toBeUndefined();
    await cluster.clock.advance(1000);
    expect(await scheduler.scheduleNext()).toMatchObject({ nodeName: 'n1' });
  });

  it('never binds a pod that was deleted while it waited, nor one someone else bound first', async () => {
    const { cluster, scheduler } = await running([['n1'], ['n2']]);
    await cluster.addPod(makePod('gone'));
    await cluster.addPod(makePod('taken'));
    await cluster.deliver(scheduler);
    await cluster.deletePod('gone');
    const taken = await cluster.pod('taken');
    await cluster.client.pods('default').update({ ...taken, spec: { ...taken.spec!, nodeName: 'n2' } }); // another scheduler
    const results = await scheduler.runUntilIdle(); // the events have not arrived: the scheduler still tries both
    expect(results.every((r) => r.nodeName === undefined)).toBe(true);
    expect(results.map((r) => r.error)).toEqual([
      expect.stringMatching(/^binding to node "n[12]" failed: ./),
      expect.stringMatching(/^binding to node "n[12]" failed: pod default\/taken is already assigned to node "n2"$/),
    ]);
    expect((await cluster.pod('taken')).status?.conditions).toEqual([{ type: 'PodScheduled', status: 'False', reason: 'SchedulerError', message: results[1]!.error, lastTransitionTime: toRFC3339(START) }]);
    expect((await cluster.pod('taken')).spec?.nodeName).toBe('n2');
    await cluster.deliver(scheduler);
    await cluster.clock.advance(10_000);
    expect(await scheduler.runUntilIdle()).toEqual([]);
  });
});

// ---- properties -------------------------------------------------------------------------------

interface Real {
  cluster: TestCluster;
  scheduler: Scheduler;
}
type Command = fc.AsyncCommand<object, Real>;

const CPU = { '500m': 500, '1': 1000, '1500m': 1500 } as const;
const NODE_CPU = { '1': 1000, '2': 2000 } as const;

/** Every node's bound CPU and pod count never exceeds its allocatable: the store has no overcommitted node. */
async function expectNoOvercommit(cluster: TestCluster, what: string): Promise<void> {
  const nodes = await cluster.nodes();
  const pods = await cluster.pods();
  for (const node of nodes) {
    const on = pods.filter((p) => p.spec?.nodeName === node.metadata.name);
    const cpu = on.reduce((sum, p) => sum + CPU[p.spec!.containers[0]!.resources!.requests!.cpu as keyof typeof CPU], 0);
    expect(cpu, `${what}: CPU bound to ${node.metadata.name}`).toBeLessThanOrEqual(NODE_CPU[node.status!.allocatable!.cpu as keyof typeof NODE_CPU]);
    expect(on.length, `${what}: pods bound to ${node.metadata.name}`).toBeLessThanOrEqual(Number(node.status!.allocatable!.pods));
  }
}

let serial = 0;
class AddNode implements Command {
  constructor(readonly cpu: keyof typeof NODE_CPU) {}
  check = () => true;
  async run(_: object, real: Real) {
    await real.cluster.addNode(makeNode(`n${serial++}`, { cpu: this.cpu, pods: '2' }));
  }
  toString = () => `addNode(cpu ${this.cpu}, 2 pods)`;
}
class AddPod implements Command {
  constructor(readonly cpu: keyof typeof CPU) {}
  check = () => true;
  async run(_: object, real: Real) {
    await real.cluster.addPod(makePod(`p${serial++}`, { cpu: this.cpu }));
  }
  toString = () => `addPod(cpu ${this.cpu})`;
}
class DeleteBoundPod implements Command {
  constructor(readonly which: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    const bound = (await real.cluster.pods()).filter((p) => p.spec?.nodeName);
    if (bound.length > 0) await real.cluster.deletePod(bound[this.which % bound.length]!.metadata.name!);
  }
  toString = () => `deleteABoundPod(#${this.which})`;
}
class Deliver implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    await real.cluster.deliver(real.scheduler);
  }
  toString = () => 'deliverEvents()';
}
class ScheduleNext implements Command {
  check = () => true;
  async run(_: object, real: Real) {
    await real.scheduler.scheduleNext();
    await expectNoOvercommit(real.cluster, String(this));
  }
  toString = () => 'scheduleNext()';
}
class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    await real.cluster.clock.advance(this.ms);
  }
  toString = () => `clock.advance(${this.ms})`;
}

/** The queue's model: the pods waiting in active, with the priority and time the order reads. */
interface QueueModel {
  waiting: Map<string, { priority: number; added: number }>;
  clock: FakeClock;
}
type QueueCommand = fc.AsyncCommand<QueueModel, SchedulingQueue>;
const prioritizedPod = (name: string, priority: number): Pod => ({ ...makePod(name), spec: { ...makePod(name).spec!, priority } });
class QueueAdd implements QueueCommand {
  constructor(readonly name: string, readonly priority: number) {}
  check = () => true;
  async run(model: QueueModel, queue: SchedulingQueue) {
    queue.add(prioritizedPod(this.name, this.priority)); // a pod already queued: updated where it is, its new priority with it
    const known = model.waiting.get(`default/${this.name}`);
    model.waiting.set(`default/${this.name}`, { priority: this.priority, added: known?.added ?? model.clock.now() });
  }
  toString = () => `add(${this.name}, priority ${this.priority})`;
}
class QueueDelete implements QueueCommand {
  constructor(readonly name: string) {}
  check = () => true;
  async run(model: QueueModel, queue: SchedulingQueue) {
    queue.delete(makePod(this.name));
    model.waiting.delete(`default/${this.name}`);
  }
  toString = () => `delete(${this.name})`;
}
class QueuePop implements QueueCommand {
  check = () => true;
  async run(model: QueueModel, queue: SchedulingQueue) {
    const expected = [...model.waiting].sort(([ka, a], [kb, b]) => b.priority - a.priority || a.added - b.added || (ka < kb ? -1 : 1))[0];
    const popped = queue.pop();
    expect(popped && podKey(popped.pod)).toBe(expected?.[0]);
    if (popped) {
      queue.done(popped.pod); // bound: it leaves the queue
      model.waiting.delete(podKey(popped.pod));
    }
    expect(queue.sizes.active).toBe(model.waiting.size);
  }
  toString = () => 'pop()';
}
class QueueTick implements QueueCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: QueueModel) {
    await model.clock.advance(this.ms);
  }
  toString = () => `clock.advance(${this.ms})`;
}

type QueueStep = 'add' | 'reject' | 'fail with an error' | 'node added' | 'wait';

/** One step of a queue's life: a pod added; the next pod popped and rejected, or failed with an error; an event. */
function runQueueStep(queue: SchedulingQueue, name: string, step: QueueStep): void {
  if (step === 'add') queue.add(makePod(name));
  if (step === 'node added') queue.moveAllToActiveOrBackoff('NodeAdd');
  if (step !== 'reject' && step !== 'fail with an error') return;
  const popped = queue.pop();
  if (popped && step === 'reject') queue.addUnschedulable(popped);
  if (popped && step === 'fail with an error') queue.addBackoff(popped);
}

describe('properties', () => {
  test.prop(
    [
      fc.commands(
        [
          fc.constantFrom<keyof typeof NODE_CPU>('1', '2').map((cpu) => new AddNode(cpu)),
          fc.constantFrom<keyof typeof CPU>('500m', '1', '1500m').map((cpu) => new AddPod(cpu)),
          fc.constantFrom<keyof typeof CPU>('500m', '1', '1500m').map((cpu) => new AddPod(cpu)),
          fc.nat(5).map((i) => new DeleteBoundPod(i)),
          fc.constant(new Deliver()),
          fc.constant(new Deliver()),
          fc.constant(new ScheduleNext()),
          fc.constant(new ScheduleNext()),
          fc.constant(new ScheduleNext()),
          fc.constantFrom(500, 1000, 10_000).map((ms) => new Advance(ms)),
        ],
        { maxCommands: 40, size: '+1' },
      ),
      fc.array(fc.constantFrom<keyof typeof NODE_CPU>('1', '2'), { minLength: 1, maxLength: 3 }),
      fc.array(fc.constantFrom<keyof typeof CPU>('500m', '1', '1500m'), { minLength: 2, maxLength: 6 }),
    ],
    { numRuns: 60 },
  )('under any interleaving of node and pod changes, event deliveries and cycles, no binding ever overcommits a node', async (commands, nodeCpus, podCpus) => {
    const cluster = new TestCluster();
    const scheduler = new Scheduler({ client: cluster.client, clock: cluster.clock, random: new Random(3) });
    // A start: some nodes and pending pods the scheduler knows of; then anything may happen.
    for (const cpu of nodeCpus) await new AddNode(cpu).run({}, { cluster, scheduler });
    for (const cpu of podCpus) await new AddPod(cpu).run({}, { cluster, scheduler });
    await cluster.deliver(scheduler);
    await fc.asyncModelRun(() => ({ model: {}, real: { cluster, scheduler } }), commands);
  });

  test.prop(
    [
      fc.array(fc.constantFrom<keyof typeof NODE_CPU>('1', '2'), { minLength: 1, maxLength: 4 }),
      fc.array(fc.constantFrom<keyof typeof CPU>('500m', '1', '1500m'), { minLength: 1, maxLength: 8 }),
      fc.nat(),
    ],
    { numRuns: 40 },
  )('every pod that fits somewhere is eventually bound: pods first, nodes later, and the fake clock past the back-offs', async (nodeCpus, podCpus, seed) => {
    const cluster = new TestCluster();
    const scheduler = new Scheduler({ client: cluster.client, clock: cluster.clock, random: new Random(seed) });
    for (const [i, cpu] of podCpus.entries()) await cluster.addPod(makePod(`p${i}`, { cpu }));
    await cluster.deliver(scheduler);
    await scheduler.runUntilIdle(); // no nodes yet: every pod is unschedulable
    for (const [i, cpu] of nodeCpus.entries()) {
      await cluster.addNode(makeNode(`n${i}`, { cpu, pods: '2' }));
      await cluster.deliver(scheduler);
      await scheduler.runUntilIdle();
    }
    for (let round = 0; round < 8; round++) {
      await cluster.clock.advance(10_000);
      await cluster.deliver(scheduler);
      await scheduler.runUntilIdle();
    }
    await expectNoOvercommit(cluster, 'at the end');
    const pods = await cluster.pods();
    const free = new Map(nodeCpus.map((cpu, i) => [`n${i}`, { cpu: NODE_CPU[cpu], pods: 2 }]));
    for (const pod of pods.filter((p) => p.spec?.nodeName)) {
      const node = free.get(pod.spec!.nodeName!)!;
      node.cpu -= CPU[pod.spec!.containers[0]!.resources!.requests!.cpu as keyof typeof CPU];
      node.pods -= 1;
    }
    for (const pod of pods.filter((p) => !p.spec?.nodeName)) {
      const cpu = CPU[pod.spec!.containers[0]!.resources!.requests!.cpu as keyof typeof CPU];
      const fits = [...free].filter(([, node]) => node.cpu >= cpu && node.pods >= 1).map(([name]) => name);
      expect(fits, `pod ${pod.metadata.name} (cpu ${cpu}m) is still pending though it fits`).toEqual([]);
    }
  });

  test.prop([fc.commands([
    fc.tuple(fc.nat(3), fc.integer({ min: -2, max: 2 })).map(([i, priority]) => new QueueAdd(`p${i}`, priority)),
    fc.tuple(fc.nat(3), fc.integer({ min: -2, max: 2 })).map(([i, priority]) => new QueueAdd(`p${i}`, priority)),
    fc.nat(3).map((i) => new QueueDelete(`p${i}`)),
    fc.constant(new QueuePop()),
    fc.nat(4).map((ms) => new QueueTick(ms)),
  ], { maxCommands: 60, size: '+1' })], { numRuns: 200 })(
    'the queue pops what a sorted list would, whatever pods were added, re-prioritized, deleted and popped before',
    async (commands) => {
      const clock = new FakeClock(START);
      await fc.asyncModelRun(() => ({ model: { waiting: new Map<string, { priority: number; added: number }>(), clock }, real: new SchedulingQueue(clock) }), commands);
    },
  );

  test.prop([
    fc.array(fc.record({ pod: fc.nat(3), step: fc.constantFrom('add', 'reject', 'fail with an error', 'node added', 'wait') as fc.Arbitrary<QueueStep>, ms: fc.nat(3000) }), { maxLength: 30 }),
    fc.nat(3),
  ])(
    "a pod's status written while it waits (active, backing off or unschedulable) moves it nowhere: the queue pops as if nothing had been written",
    async (steps, written) => {
      const clock = new FakeClock(START);
      const [plain, updated] = [new SchedulingQueue(clock), new SchedulingQueue(clock)];
      for (const { pod, step, ms } of steps) {
        for (const queue of [plain, updated]) runQueueStep(queue, `p${pod}`, step);
        if (step === 'wait') await clock.advance(ms);
      }
      const pod = makePod(`p${written}`);
      const status = { phase: 'Pending' as const, conditions: [{ type: 'PodScheduled', status: 'False' as const, reason: 'Unschedulable', message: 'no' }] };
      updated.update({ ...pod, metadata: { ...pod.metadata, resourceVersion: '99' }, status }); // a pod not queued is added, as in `plain` below
      if (!steps.some((s) => s.pod === written && s.step === 'add')) plain.add(pod);
      expect(updated.sizes).toEqual(plain.sizes);
      await clock.advance(5 * 60_000);
      const pops = (queue: SchedulingQueue) => Array.from({ length: 5 }, () => queue.pop()?.pod.metadata.name);
      expect(pops(updated)).toEqual(pops(plain));
    },
  );

  test.prop([fc.array(fc.tuple(fc.integer({ min: -2, max: 2 }), fc.nat(3)), { minLength: 1, maxLength: 12 })])(
    'the queue pops by priority, highest first, then by the time each pod was added',
    async (entries) => {
      const clock = new FakeClock(START);
      const queue = new SchedulingQueue(clock);
      const added: { name: string; priority: number; at: number }[] = [];
      for (const [i, [priority, wait]] of entries.entries()) {
        await clock.advance(wait);
        const pod = makePod(`p${i}`);
        queue.add({ ...pod, spec: { ...pod.spec!, priority } });
        added.push({ name: `p${i}`, priority, at: clock.now() });
      }
      const popped: string[] = [];
      for (let q = queue.pop(); q; q = queue.pop()) popped.push(q.pod.metadata.name!);
      const expected = [...added].sort((a, b) => b.priority - a.priority || a.at - b.at || (a.name < b.name ? -1 : 1)).map((a) => a.name);
      expect(popped).toEqual(expected);
    },
  );
});

// ---- explanations: why a pod went where (explain.ts, given) ----------------------------------

describe('explanations (why a pod went where)', () => {
  it('explains a binding plugin by plugin: the cordoned node turned away by NodeUnschedulable, the taint scored, the best node bound', async () => {
    const cluster = new TestCluster();
    const explanations = new ExplanationLog({ limit: 10 });
    const scheduler = new Scheduler({ client: cluster.client, clock: cluster.clock, random: new Random(1), explain: explanations });
    await cluster.addNode(makeNode('cordoned', { unschedulable: true }));
    await cluster.addNode(makeNode('tainted', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }));
    await cluster.addNode(makeNode('plain'));
    await cluster.addPod(makePod('web', { cpu: '1' }));
    await cluster.deliver(scheduler);
    await scheduler.runUntilIdle();

    const why = explanations.get('default', 'web')!;
    expect(why.outcome).toEqual({ result: 'Bound', nodeName: 'plain' });
    expect((await cluster.pod('web')).spec?.nodeName).toBe('plain');
    const cordoned = why.filter.find((f) => f.node === 'cordoned')!;
    expect(cordoned.plugins.slice(0, 2)).toEqual([
      { plugin: 'NodeUnschedulable', code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] },
      { plugin: 'NodeName', code: 'NotRun', reasons: [] },
    ]);
    expect(why.filter.map((f) => [f.node, f.feasible])).toEqual([['cordoned', false], ['plain', true], ['tainted', true]]); // snapshot order: by name
    const taints = why.score.map((s) => [s.node, s.plugins.find((p) => p.plugin === 'TaintToleration')]);
    expect(taints).toEqual([
      ['plain', { plugin: 'TaintToleration', weight: 3, raw: 0, normalized: 100, weighted: 300 }],
      ['tainted', { plugin: 'TaintToleration', weight: 3, raw: 1, normalized: 0, weighted: 0 }],
    ]);
    expect(why.selection).toMatchObject({ nodeName: 'plain', reason: 'HighestScore', tied: ['plain'] });
    expect(JSON.parse(JSON.stringify(why))).toEqual(why);
  });

  test.prop([explainNodesArb, explainPodsArb, fc.nat()], { numRuns: 30 })(
    "every explanation names the node its pod was bound to, and replaying it on its recorded snapshot gives the same filter results and scores (plugins read only the cycle's snapshot)",
    async (nodes, pods, seed) => {
      const cluster = new TestCluster();
      const explanations = new ExplanationLog({ limit: 1000 });
      const scheduler = new Scheduler({ client: cluster.client, clock: cluster.clock, random: new Random(seed), explain: explanations });
      await runCluster(cluster, scheduler, nodes, pods);

      const stored = new Map((await cluster.pods()).map((p) => [podKey(p), p.spec?.nodeName]));
      for (const pod of stored.keys()) {
        const [namespace, name] = pod.split('/') as [string, string];
        const latest = explanations.get(namespace, name);
        expect(latest && { pod, result: latest.outcome.result, nodeName: latest.outcome.nodeName }, `the latest explanation of ${pod}`).toEqual(
          stored.get(pod) ? { pod, result: 'Bound', nodeName: stored.get(pod) } : { pod, result: 'Unschedulable', nodeName: undefined },
        );
      }
      for (const why of explanations.list()) {
        const what = `${why.pod.namespace}/${why.pod.name}, cycle ${why.cycle}`;
        if (why.outcome.result === 'Bound') expect(why.selection.nodeName, `${what}: the chosen node`).toBe(why.outcome.nodeName);
        if (why.numNodes === 0) continue;
        const again = replayExplanation(why, schedulerFramework());
        expect(again.filter, `${what}: the filters, replayed`).toEqual(why.filter);
        expect(again.score, `${what}: the scores, replayed`).toEqual(why.score);
        expect(again.selection.tied, `${what}: the best nodes, replayed`).toEqual(why.selection.tied);
        if (why.outcome.nodeName !== undefined) expect(again.selection.tied, `${what}: the bound node is among the best`).toContain(why.outcome.nodeName);
      }
    },
  );

  test.prop([explainNodesArb, explainPodsArb, fc.nat()], { numRuns: 20 })(
    'explaining changes no decision: with the same seed, a scheduler with `explain` binds every pod where one without it does',
    async (nodes, pods, seed) => {
      const bindings = async (explain: boolean): Promise<Record<string, string | undefined>> => {
        const cluster = new TestCluster();
        const scheduler = new Scheduler({ client: cluster.client, clock: cluster.clock, random: new Random(seed), ...(explain ? { explain: new ExplanationLog({ limit: 5 }) } : {}) });
        await runCluster(cluster, scheduler, nodes, pods);
        return Object.fromEntries((await cluster.pods()).map((p) => [podKey(p), p.spec?.nodeName]));
      };
      expect(await bindings(true)).toEqual(await bindings(false));
    },
  );
});

/** Nodes with labels, taints (PreferNoSchedule ones are scored) and sometimes cordoned. */
const explainNodesArb = fc.array(
  fc.record({
    cpu: fc.constantFrom('1', '2', '4'),
    memory: fc.constantFrom('1Gi', '2Gi'),
    pods: fc.constantFrom('2', '110'),
    labels: labelsArb,
    taints: fc.uniqueArray(taintArb, { maxLength: 2, selector: (t) => `${t.key}:${t.effect}` }),
    unschedulable: fc.constantFrom(false, false, false, true),
  }) as fc.Arbitrary<NodeOptions>,
  { minLength: 1, maxLength: 5 },
);

/** Tolerations the apiserver accepts: Exists with or without a key, Equal with a key and a value. */
const validTolerationArb: fc.Arbitrary<Toleration> = fc.oneof(
  fc.constant<Toleration>({ operator: 'Exists' }),
  fc.record({ key: fc.constantFrom('dedicated', 'gpu', 'spot'), operator: fc.constant('Exists' as const), effect: effectArb }),
  fc.record({ key: fc.constantFrom('dedicated', 'gpu', 'spot'), operator: fc.constant('Equal' as const), value: fc.constantFrom('a', 'b'), effect: effectArb }),
);

/** Pods of two apps, some spread over zones, with requests, selectors and tolerations. */
const explainPodsArb = fc.array(
  fc
    .record(
      {
        cpu: fc.constantFrom('250m', '500m', '1', '1500m'),
        memory: fc.constantFrom('128Mi', '512Mi'),
        nodeSelector: labelsArb,
        tolerations: fc.array(validTolerationArb, { maxLength: 2 }),
        app: fc.constantFrom('web', 'db'),
        spread: fc.boolean(),
      },
      { requiredKeys: ['app', 'spread'] },
    )
    .map(({ app, spread, ...options }): PodOptions => ({
      ...options,
      labels: { app },
      ...(spread ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app } } }] } : {}),
    })),
  { minLength: 1, maxLength: 8 },
);

/** Pods first, then the nodes but the last, a round of cycles, the last node, the clock past the back-offs, another round. */
async function runCluster(cluster: TestCluster, scheduler: Scheduler, nodes: NodeOptions[], pods: PodOptions[]): Promise<void> {
  for (const [i, options] of pods.entries()) await cluster.addPod(makePod(`p${i}`, options));
  for (const [i, options] of nodes.slice(0, -1).entries()) await cluster.addNode(makeNode(`n${i}`, options));
  await cluster.deliver(scheduler);
  await scheduler.runUntilIdle();
  await cluster.addNode(makeNode(`n${nodes.length - 1}`, nodes.at(-1)));
  await cluster.clock.advance(10_000);
  await cluster.deliver(scheduler);
  await scheduler.runUntilIdle();
}
