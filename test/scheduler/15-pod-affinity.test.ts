/**
 * Kata 15 — scheduler: inter-pod affinity and topology spread. The spec is
 * katas/scheduler/15-pod-affinity.md.
 *
 * Examples for each of InterPodAffinity's three checks (in their order), its namespaces and its
 * score, then PodTopologySpread's filter and score. The properties schedule sequences of pods:
 * with required anti-affinity on the hostname no two matching pods ever share a node, and with a
 * DoNotSchedule spread constraint the skew never exceeds maxSkew.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import type { Node, Pod, PodAffinityTerm, TopologySpreadConstraint } from '@kube/kit';
import { CycleState, InterPodAffinity, PodTopologySpread, Snapshot, countMatching, defaultFramework, findFeasibleNodes, scheduleAll, scheduleOne, termSelectsPod } from '@kube/scheduler';
import { makeNode, makePod, names } from '../support/scheduler/fixtures.ts';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const web = (topologyKey = HOST, namespaces?: string[]): PodAffinityTerm => ({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey, ...(namespaces ? { namespaces } : {}) });
const antiAffinity = (...terms: PodAffinityTerm[]) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const affinity = (...terms: PodAffinityTerm[]) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const zoned = (name: string, zone?: string): Node => makeNode(name, zone ? { labels: { [ZONE]: zone } } : {});

/** The feasible node names for `pod` with `running` pods in place, and the message when there are none. */
function feasibility(pod: Pod, nodes: Node[], running: Pod[] = []): { feasible: string[]; message?: string } {
  const snapshot = new Snapshot(nodes, running);
  const result = scheduleOne(defaultFramework(), pod, new Snapshot(nodes, running));
  const { feasible } = findFeasibleNodes(defaultFramework(), new CycleState(snapshot.nodeInfos), pod, snapshot);
  return feasible.length ? { feasible: names(feasible) } : { feasible: [], message: result.condition.message! };
}

describe('which pods a term selects', () => {
  const term = web();
  it("a term's namespaces default to the namespace of the pod that carries it", () => {
    expect(termSelectsPod(term, 'default', makePod('p', { labels: { app: 'web' } }))).toBe(true);
    expect(termSelectsPod(term, 'other', makePod('p', { labels: { app: 'web' } }))).toBe(false);
  });

  it('a term with namespaces selects pods in those only; a namespaceSelector {} selects every namespace', () => {
    expect(termSelectsPod(web(HOST, ['prod', 'dev']), 'default', makePod('p', { namespace: 'dev', labels: { app: 'web' } }))).toBe(true);
    expect(termSelectsPod(web(HOST, ['prod']), 'default', makePod('p', { labels: { app: 'web' } }))).toBe(false);
    expect(termSelectsPod({ ...web(), namespaceSelector: {} }, 'default', makePod('p', { namespace: 'anywhere', labels: { app: 'web' } }))).toBe(true);
  });

  it('a term without a labelSelector selects no pod, and the labels must match', () => {
    expect(termSelectsPod({ topologyKey: HOST }, 'default', makePod('p', { labels: { app: 'web' } }))).toBe(false);
    expect(termSelectsPod(term, 'default', makePod('p', { labels: { app: 'db' } }))).toBe(false);
  });
});

describe('InterPodAffinity: the three filter checks, in order', () => {
  it("1. an existing pod's required anti-affinity keeps matching pods out of its domain: \"node(s) didn't satisfy existing pods anti-affinity rules\"", () => {
    const loner = makePod('loner', { labels: { app: 'db' }, nodeName: 'a1', affinity: antiAffinity(web(ZONE)) });
    const nodes = [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b')];
    expect(feasibility(makePod('w', { labels: { app: 'web' } }), nodes, [loner]).feasible).toEqual(['b1']);
    expect(feasibility(makePod('w', { labels: { app: 'web' } }), [zoned('a2', 'a'), zoned('a1', 'a')], [loner]).message).toBe("0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules.");
    // the existing pod's term defaults to its own namespace: a web pod elsewhere is not kept out
    expect(feasibility(makePod('w', { namespace: 'other', labels: { app: 'web' } }), nodes, [loner]).feasible).toEqual(['a1', 'a2', 'b1']);
  });

  it("2. required affinity needs a matching pod in the node's domain: \"node(s) didn't match pod affinity rules\"", () => {
    const cache = makePod('cache', { labels: { app: 'web' }, nodeName: 'a1' });
    const nodes = [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('bare')];
    expect(feasibility(makePod('p', { affinity: affinity(web(ZONE)) }), nodes, [cache]).feasible).toEqual(['a1', 'a2']);
    expect(feasibility(makePod('p', { affinity: affinity(web(ZONE)) }), [zoned('b1', 'b'), zoned('bare')], [makePod('c2', { labels: { app: 'web' }, nodeName: 'b1' })]).feasible).toEqual(['b1']);
    // the cache's node is cordoned: it still counts for its zone, but the pod cannot go there
    const cordoned = [makeNode('a1', { labels: { [ZONE]: 'a' }, unschedulable: true }), zoned('b1', 'b'), zoned('bare')];
    expect(feasibility(makePod('p', { affinity: affinity(web(ZONE)) }), cordoned, [cache]).message).toBe("0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match pod affinity rules.");
  });

  it('2. the first pod of a group with affinity to itself may go to any node with the key, when no pod matches anywhere', () => {
    const nodes = [zoned('a1', 'a'), zoned('b1', 'b'), zoned('bare')];
    expect(feasibility(makePod('first', { labels: { app: 'web' }, affinity: affinity(web(ZONE)) }), nodes).feasible).toEqual(['a1', 'b1']);
    // not for a pod that does not match its own term
    expect(feasibility(makePod('stranger', { labels: { app: 'db' }, affinity: affinity(web(ZONE)) }), nodes).message).toBe("0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
  });

  it('2. an existing pod counts for affinity only when it matches every term', () => {
    const both = [web(ZONE), { labelSelector: { matchLabels: { tier: 'front' } }, topologyKey: ZONE }];
    const nodes = [zoned('a1', 'a'), zoned('b1', 'b')];
    const running = [makePod('half', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('full', { labels: { app: 'web', tier: 'front' }, nodeName: 'b1' })];
    expect(feasibility(makePod('p', { affinity: affinity(...both) }), nodes, running).feasible).toEqual(['b1']);
  });

  it("3. required anti-affinity keeps the pod out of domains with a matching pod: \"node(s) didn't match pod anti-affinity rules\"", () => {
    const nodes = [makeNode('n1'), makeNode('n2'), makeNode('n3')];
    const running = [makePod('w1', { labels: { app: 'web' }, nodeName: 'n1' }), makePod('w3', { labels: { app: 'web' }, nodeName: 'n3' })];
    const pod = makePod('w', { labels: { app: 'web' }, affinity: antiAffinity(web()) });
    expect(feasibility(pod, nodes, running).feasible).toEqual(['n2']);
    expect(feasibility(pod, [makeNode('n1'), makeNode('n3')], running).message).toBe("0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules.");
  });

  it("the checks run in order: a node failing check 1 and check 3 reports check 1's reason", () => {
    const running = [makePod('w1', { labels: { app: 'web' }, nodeName: 'n1', affinity: antiAffinity(web()) })];
    const pod = makePod('w', { labels: { app: 'web' }, affinity: antiAffinity(web()) });
    expect(feasibility(pod, [makeNode('n1')], running).message).toBe("0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules.");
  });
});

describe('InterPodAffinity: the score', () => {
  const nodes = [zoned('a1', 'a'), zoned('b1', 'b'), zoned('c1', 'c')];
  const running = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w3', { labels: { app: 'web' }, nodeName: 'b1' })];

  function scores(pod: Pod, nodeList: Node[] = nodes, pods: Pod[] = running): [string, number][] {
    const snapshot = new Snapshot(nodeList, pods);
    const state = new CycleState(snapshot.nodeInfos);
    const plugin = new InterPodAffinity();
    expect(plugin.preScore(state, pod).code).toBe('Success');
    const list = snapshot.nodeInfos.map((n) => ({ name: n.name, score: plugin.score(state, pod, n) }));
    plugin.normalizeScore(state, pod, list);
    return list.map((s) => [s.name, s.score]);
  }

  it('preferred affinity adds the weight per matching pod in the domain; normalized 100*(s-min)/(max-min)', () => {
    const pod = makePod('p', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: web(ZONE) }] } } });
    expect(scores(pod)).toEqual([['a1', 100], ['b1', 50], ['c1', 0]]);
  });

  it('preferred anti-affinity subtracts it', () => {
    const pod = makePod('p', { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: web(ZONE) }] } } });
    expect(scores(pod)).toEqual([['a1', 0], ['b1', 50], ['c1', 100]]);
  });

  it("existing pods' preferred terms that select the incoming pod count too (symmetry)", () => {
    const fan = makePod('fan', { labels: { app: 'db' }, nodeName: 'c1', affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: web(ZONE) }] } } });
    expect(scores(makePod('w', { labels: { app: 'web' } }), nodes, [fan])).toEqual([['a1', 0], ['b1', 0], ['c1', 100]]);
    expect(new InterPodAffinity().preScore(new CycleState(new Snapshot(nodes).nodeInfos), makePod('w')).code).toBe('Skip');
  });
});

const spread = (maxSkew: number, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({ maxSkew, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra });

describe('PodTopologySpread', () => {
  const nodes = [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('c1', 'c')];
  const running = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'a2' }), makePod('w3', { labels: { app: 'web' }, nodeName: 'b1' }), makePod('w4', { labels: { app: 'web' }, nodeName: 'c1' })];

  it("filters out the domains where the skew would exceed maxSkew: \"node(s) didn't match pod topology spread constraints\"", () => {
    const pod = makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1)] });
    expect(feasibility(pod, nodes, running).feasible).toEqual(['b1', 'c1']);
    expect(feasibility(makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(2)] }), nodes, running).feasible).toEqual(['a1', 'a2', 'b1', 'c1']);
    const statuses = findFeasibleNodes(defaultFramework(), new CycleState(), pod, new Snapshot(nodes, running)).diagnosis.nodeToStatus;
    expect(statuses.get('a1')?.reasons).toEqual(["node(s) didn't match pod topology spread constraints"]);
  });

  it('a node without the topology key is unschedulable: "(missing required label)"', () => {
    const pod = makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(5)] });
    expect(feasibility(pod, [zoned('bare'), zoned('bare2')]).message).toBe("0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints (missing required label).");
  });

  it('counts only pods of the same namespace that the selector matches, and the pod itself only if it matches', () => {
    const others = [makePod('x1', { namespace: 'other', labels: { app: 'web' }, nodeName: 'a1' }), makePod('x2', { labels: { app: 'db' }, nodeName: 'a1' })];
    expect(feasibility(makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1)] }), [zoned('a1', 'a'), zoned('b1', 'b')], others).feasible).toEqual(['a1', 'b1']);
    // a pod that does not match its own selector adds nothing: skew 1 + 0 - 0 = 1
    const one = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' })];
    expect(feasibility(makePod('d', { labels: { app: 'db' }, topologySpreadConstraints: [spread(1)] }), [zoned('a1', 'a'), zoned('b1', 'b')], one).feasible).toEqual(['a1', 'b1']);
    expect(countMatching([...others, ...one], spread(1), 'default')).toBe(1);
  });

  it('with fewer domains than minDomains, the minimum counts as 0', () => {
    const one = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' })];
    const nodesAB = [zoned('a1', 'a'), zoned('b1', 'b')];
    expect(feasibility(makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1, { minDomains: 3 })] }), nodesAB, one).feasible).toEqual(['b1']);
    const two = [...one, makePod('w2', { labels: { app: 'web' }, nodeName: 'b1' })];
    expect(feasibility(makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1, { minDomains: 3 })] }), nodesAB, two).message).toBe("0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints.");
  });

  it('ScheduleAnyway only scores: the zone with the fewest matching pods wins', () => {
    const pod = makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1, { whenUnsatisfiable: 'ScheduleAnyway' })] });
    const few = [zoned('a1', 'a'), zoned('b1', 'b'), zoned('c1', 'c')];
    const pods = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'b1' }), makePod('w3', { labels: { app: 'web' }, nodeName: 'a1' })];
    expect(scheduleOne(defaultFramework(), pod, new Snapshot(few, pods)).nodeName).toBe('c1');
    const snapshot = new Snapshot(few, pods);
    const state = new CycleState(snapshot.nodeInfos);
    const plugin = new PodTopologySpread();
    expect(plugin.preScore(state, pod, snapshot.nodeInfos).code).toBe('Success');
    const list = snapshot.nodeInfos.map((n) => ({ name: n.name, score: plugin.score(state, pod, n) }));
    plugin.normalizeScore(state, pod, list);
    // a: 2 pods, b: 1, c: 0; weight ln(3 + 2): raw 3, 2, 0; normalized 100 * (3 + 0 - s) / 3
    expect(list.map((s) => s.score)).toEqual([0, 33, 100]);
  });

  it('a constraint with maxSkew 0 is reported, never a crash', () => {
    const result = scheduleOne(defaultFramework(), makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(0)] }), new Snapshot([zoned('a1', 'a')]));
    expect(result.condition.message).toBe('0/1 nodes are available: invalid topology spread constraint: maxSkew must be a whole number >= 1 (got 0).');
  });
});

const colorArb = fc.constantFrom('red', 'blue', 'green');

describe('properties', () => {
  test.prop([fc.integer({ min: 1, max: 6 }), fc.array(colorArb, { maxLength: 14 })])(
    'after scheduling any sequence of pods with required anti-affinity on hostname, no two matching pods share a node',
    (nodeCount, colors) => {
      const nodes = Array.from({ length: nodeCount }, (_, i) => makeNode(`node-${i}`));
      const pods = colors.map((color, i) => makePod(`pod-${i}`, { labels: { color }, affinity: antiAffinity({ labelSelector: { matchLabels: { color } }, topologyKey: HOST }) }));
      const results = scheduleAll(defaultFramework(), pods, new Snapshot(nodes));
      const seen = new Set<string>();
      for (const r of results.filter((x) => x.nodeName)) {
        const key = `${r.pod.metadata.labels!.color}@${r.nodeName}`;
        expect(seen.has(key), `two ${key}`).toBe(false);
        seen.add(key);
      }
      // and a pod is left out only when every node already has one of its color
      for (const color of new Set(colors)) {
        const placed = results.filter((r) => r.nodeName && r.pod.metadata.labels!.color === color).length;
        expect(placed).toBe(Math.min(nodeCount, colors.filter((c) => c === color).length));
      }
    },
  );

  test.prop([fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined, freq: 5 }), { minLength: 1, maxLength: 7 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 16 })])(
    'the skew of a DoNotSchedule constraint never exceeds maxSkew among the nodes that carry the key',
    (zones, maxSkew, count) => {
      const nodes = zones.map((zone, i) => zoned(`node-${i}`, zone));
      const pods = Array.from({ length: count }, (_, i) => makePod(`w-${i}`, { labels: { app: 'web' }, topologySpreadConstraints: [spread(maxSkew)] }));
      const snapshot = new Snapshot(nodes);
      const results = scheduleAll(defaultFramework(), pods, snapshot);
      const perZone = new Map<string, number>();
      for (const zone of zones) if (zone) perZone.set(zone, 0);
      for (const r of results) if (r.nodeName) perZone.set(snapshot.get(r.nodeName)!.labels[ZONE]!, perZone.get(snapshot.get(r.nodeName)!.labels[ZONE]!)! + 1);
      const counts = [...perZone.values()];
      if (counts.length > 0) {
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(maxSkew);
        expect(results.every((r) => r.nodeName !== undefined)).toBe(true); // the emptiest zone always has room
      } else {
        expect(results.every((r) => r.nodeName === undefined)).toBe(true);
      }
    },
  );
});


