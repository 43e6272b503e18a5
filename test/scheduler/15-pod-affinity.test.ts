/**
 * Kata 15 — scheduler: inter-pod affinity and topology spread. The spec is
 * katas/scheduler/15-pod-affinity.md.
 *
 * Examples for each of InterPodAffinity's three checks (in v1.32's order), its namespaces, terms
 * that do not parse and its score, then PodTopologySpread's filter and score. Some cases are this
 * workbook's own versions of cases in upstream's tables (pkg/scheduler/framework/plugins/
 * interpodaffinity/filtering_test.go, podtopologyspread/filtering_test.go and scoring_test.go):
 * the test says which. The properties schedule sequences of pods: with required anti-affinity on
 * the hostname no two matching pods ever share a node; with a DoNotSchedule spread constraint the
 * skew never exceeds maxSkew; and the spread's counts on a snapshot that pods were placed on (and
 * taken off) one by one are those of a snapshot built afresh with the same pods.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import type { Node, Pod, PodAffinityTerm, TopologySpreadConstraint } from '@kube/kit';
import { CycleState, Framework, InterPodAffinity, NodeInfo, PodTopologySpread, Snapshot, countMatching, defaultFramework, findFeasibleNodes, scheduleAll, scheduleOne, termSelectsPod, type SpreadConstraintState } from '@kube/scheduler';
import { makeNode, makePod, names } from '../support/scheduler/fixtures.ts';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const web = (topologyKey = HOST, namespaces?: string[]): PodAffinityTerm => ({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey, ...(namespaces ? { namespaces } : {}) });
const antiAffinity = (...terms: PodAffinityTerm[]) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const affinity = (...terms: PodAffinityTerm[]) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const zoned = (name: string, zone?: string): Node => makeNode(name, zone ? { labels: { [ZONE]: zone } } : {});
const bare: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'default' } };

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

  it('a namespaceSelector with labels or expressions selects no namespace here, not even that of the pod carrying the term', () => {
    expect(termSelectsPod({ ...web(), namespaceSelector: { matchLabels: { team: 'a' } } }, 'default', makePod('p', { labels: { app: 'web' } }))).toBe(false);
    expect(termSelectsPod({ ...web(), namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } }, 'default', makePod('p', { namespace: 'other', labels: { app: 'web' } }))).toBe(false);
  });
});

describe('InterPodAffinity: the three filter checks, in v1.32\'s order', () => {
  it("3. an existing pod's required anti-affinity keeps matching pods out of its domain: \"node(s) didn't satisfy existing pods anti-affinity rules\"", () => {
    const loner = makePod('loner', { labels: { app: 'db' }, nodeName: 'a1', affinity: antiAffinity(web(ZONE)) });
    const nodes = [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b')];
    expect(feasibility(makePod('w', { labels: { app: 'web' } }), nodes, [loner]).feasible).toEqual(['b1']);
    expect(feasibility(makePod('w', { labels: { app: 'web' } }), [zoned('a2', 'a'), zoned('a1', 'a')], [loner]).message).toBe("0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules.");
    // the existing pod's term defaults to its own namespace: a web pod elsewhere is not kept out
    expect(feasibility(makePod('w', { namespace: 'other', labels: { app: 'web' } }), nodes, [loner]).feasible).toEqual(['a1', 'a2', 'b1']);
  });

  it("1. required affinity needs a matching pod in the node's domain: \"node(s) didn't match pod affinity rules\"", () => {
    const cache = makePod('cache', { labels: { app: 'web' }, nodeName: 'a1' });
    const nodes = [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('bare')];
    expect(feasibility(makePod('p', { affinity: affinity(web(ZONE)) }), nodes, [cache]).feasible).toEqual(['a1', 'a2']);
    expect(feasibility(makePod('p', { affinity: affinity(web(ZONE)) }), [zoned('b1', 'b'), zoned('bare')], [makePod('c2', { labels: { app: 'web' }, nodeName: 'b1' })]).feasible).toEqual(['b1']);
    // the cache's node is cordoned: it still counts for its zone, but the pod cannot go there
    const cordoned = [makeNode('a1', { labels: { [ZONE]: 'a' }, unschedulable: true }), zoned('b1', 'b'), zoned('bare')];
    expect(feasibility(makePod('p', { affinity: affinity(web(ZONE)) }), cordoned, [cache]).message).toBe("0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match pod affinity rules.");
  });

  it('1. the first pod of a group with affinity to itself may go to any node with the key, when no pod matches anywhere', () => {
    const nodes = [zoned('a1', 'a'), zoned('b1', 'b'), zoned('bare')];
    expect(feasibility(makePod('first', { labels: { app: 'web' }, affinity: affinity(web(ZONE)) }), nodes).feasible).toEqual(['a1', 'b1']);
    // not for a pod that does not match its own term
    expect(feasibility(makePod('stranger', { labels: { app: 'db' }, affinity: affinity(web(ZONE)) }), nodes).message).toBe("0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
  });

  it('1. an existing pod counts for affinity only when it matches every term', () => {
    const both = [web(ZONE), { labelSelector: { matchLabels: { tier: 'front' } }, topologyKey: ZONE }];
    const nodes = [zoned('a1', 'a'), zoned('b1', 'b')];
    const running = [makePod('half', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('full', { labels: { app: 'web', tier: 'front' }, nodeName: 'b1' })];
    expect(feasibility(makePod('p', { affinity: affinity(...both) }), nodes, running).feasible).toEqual(['b1']);
  });

  it("2. required anti-affinity keeps the pod out of domains with a matching pod: \"node(s) didn't match pod anti-affinity rules\"", () => {
    const nodes = [makeNode('n1'), makeNode('n2'), makeNode('n3')];
    const running = [makePod('w1', { labels: { app: 'web' }, nodeName: 'n1' }), makePod('w3', { labels: { app: 'web' }, nodeName: 'n3' })];
    const pod = makePod('w', { labels: { app: 'web' }, affinity: antiAffinity(web()) });
    expect(feasibility(pod, nodes, running).feasible).toEqual(['n2']);
    expect(feasibility(pod, [makeNode('n1'), makeNode('n3')], running).message).toBe("0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules.");
  });

  it("the checks run in order: a node that fails the pod's anti-affinity (2) and an existing pod's (3) reports \"node(s) didn't match pod anti-affinity rules\"", () => {
    const running = [makePod('w1', { labels: { app: 'web' }, nodeName: 'n1', affinity: antiAffinity(web()) })];
    const pod = makePod('w', { labels: { app: 'web' }, affinity: antiAffinity(web()) });
    expect(feasibility(pod, [makeNode('n1')], running).message).toBe("0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.");
  });

  it("the checks run in order: a node that fails the pod's affinity (1) and an existing pod's anti-affinity (3) reports \"node(s) didn't match pod affinity rules\"", () => {
    // a1 holds a db pod that keeps web pods out of zone a; the web pod wants to be with a cache, which is nowhere
    const guard = makePod('guard', { labels: { app: 'db' }, nodeName: 'a1', affinity: antiAffinity(web(ZONE)) });
    const pod = makePod('w', { labels: { app: 'web' }, affinity: affinity({ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: ZONE }) });
    expect(feasibility(pod, [zoned('a1', 'a')], [guard, makePod('c', { labels: { app: 'cache' }, nodeName: 'elsewhere' })]).message).toBe("0/1 nodes are available: 1 node(s) didn't match pod affinity rules.");
  });

  it('PreFilter skips a pod without required terms that no existing anti-affinity counts against, and a pod without a spec', () => {
    // the guard's term selects web pods, but its node has no zone: it counts nowhere
    const nodes = new Snapshot([zoned('a1', 'a'), makeNode('bare-node')], [makePod('guard', { labels: { app: 'db' }, nodeName: 'bare-node', affinity: antiAffinity(web(ZONE)) })]).nodeInfos;
    for (const pod of [makePod('plain'), makePod('w', { labels: { app: 'web' } }), bare]) {
      expect(new InterPodAffinity().preFilter(new CycleState(nodes), pod, nodes).code, pod.metadata.name).toBe('Skip');
    }
  });

  it('PreScore skips when no term selected a pod anywhere, as upstream\'s (a required anti-affinity is no score term), and scores as soon as one does', () => {
    const guard = makePod('guard', { labels: { app: 'db' }, nodeName: 'a1', affinity: antiAffinity(web(ZONE)) });
    const nodes = new Snapshot([zoned('a1', 'a'), makeNode('bare-node')], [guard]).nodeInfos;
    expect(new InterPodAffinity().preScore(new CycleState(nodes), bare).code, 'preScore of a pod without a spec').toBe('Skip');
    expect(new InterPodAffinity().preScore(new CycleState(nodes), makePod('w', { labels: { app: 'web' } })).code, 'preScore of a web pod the guard keeps away (required)').toBe('Skip');
    const friendly = makePod('friend', { labels: { app: 'db' }, nodeName: 'a1', affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, podAffinityTerm: web(ZONE) }] } } });
    const withFriend = new Snapshot([zoned('a1', 'a'), makeNode('bare-node')], [friendly]).nodeInfos;
    expect(new InterPodAffinity().preScore(new CycleState(withFriend), makePod('w', { labels: { app: 'web' } })).code, 'an existing pod\'s preferred term selects it').toBe('Success');
    expect(new InterPodAffinity().preScore(new CycleState(withFriend), makePod('plain')).code, 'no term selects a plain pod').toBe('Skip');
  });

  it('normalizes as upstream does, the division first in floating point: 29 of 100 is 28', () => {
    const list = [{ name: 'a', score: -10 }, { name: 'b', score: 19 }, { name: 'c', score: 90 }];
    new InterPodAffinity().normalizeScore(new CycleState([]), makePod('p'), list);
    expect(list.map((s) => s.score)).toEqual([0, 28, 100]);
  });

  it('1. a matching pod on a node without the term\'s key counts nowhere, so the first-pod exception still applies', () => {
    const stray = makePod('stray', { labels: { app: 'web' }, nodeName: 'bare' });
    expect(feasibility(makePod('first', { labels: { app: 'web' }, affinity: affinity(web(ZONE)) }), [zoned('a1', 'a'), zoned('b1', 'b'), zoned('bare')], [stray]).feasible).toEqual(['a1', 'b1']);
  });

  it('1. the first-pod exception needs the pod to match every one of its terms, not just one', () => {
    const pod = makePod('half', { labels: { app: 'web' }, affinity: affinity(web(ZONE), { labelSelector: { matchLabels: { tier: 'front' } }, topologyKey: ZONE }) });
    expect(feasibility(pod, [zoned('a1', 'a')]).message).toBe("0/1 nodes are available: 1 node(s) didn't match pod affinity rules.");
  });
});

describe('InterPodAffinity: terms that do not parse', () => {
  const bad: PodAffinityTerm = { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['invalid value: ___@#$%^'] }] }, topologyKey: HOST };
  const LABEL_VALUE =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

  it('a pod whose required anti-affinity term has a value that is not a label value fits nowhere: "parsing pod: requiredAntiAffinityTerms: ..."', () => {
    const pod = makePod('p', { affinity: antiAffinity(bad) });
    expect(feasibility(pod, [makeNode('n1'), makeNode('n2')]).message).toBe(`0/2 nodes are available: parsing pod: requiredAntiAffinityTerms: values[0][app]: Invalid value: "invalid value: ___@#$%^": ${LABEL_VALUE}.`);
  });

  it('a bad preferred term stops the pod too, and several bad lists are reported together, in brackets', () => {
    const pod = makePod('p', {
      affinity: {
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Like' as 'In', values: ['x'] }] }, topologyKey: HOST }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, topologyKey: HOST } }] },
      },
    });
    const state = new CycleState();
    const status = new InterPodAffinity().preFilter(state, pod, []);
    expect([status.code, status.message()]).toEqual([
      'UnschedulableAndUnresolvable',
      `parsing pod: [requiredAffinityTerms: "Like" is not a valid label selector operator, preferredAntiAffinityTerms: values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty]`,
    ]);
    const preferredOnly = makePod('q', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: bad }] } } });
    expect(new InterPodAffinity().preFilter(new CycleState(), preferredOnly, []).code).toBe('UnschedulableAndUnresolvable');
  });

  it('PreScore answers Error "failed to parse pod: ..." for such a pod, and the framework reports it as the plugin\'s error', () => {
    const pod = makePod('p', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: bad }] } } });
    const infos = new Snapshot([makeNode('n1')]).nodeInfos;
    const status = new Framework([], [new InterPodAffinity()]).runPreScorePlugins(new CycleState(infos), pod, infos);
    expect([status.code, status.message()]).toEqual(['Error', `running PreScore plugin "InterPodAffinity": failed to parse pod: preferredAffinityTerms: values[0][app]: Invalid value: "invalid value: ___@#$%^": ${LABEL_VALUE}`]);
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

  it("an existing pod's required affinity that selects the incoming pod adds 1 to its domain (HARD_POD_AFFINITY_WEIGHT)", () => {
    const fan = makePod('fan', { labels: { app: 'db' }, nodeName: 'c1', affinity: affinity(web(ZONE)) });
    expect(scores(makePod('w', { labels: { app: 'web' } }), nodes, [fan])).toEqual([['a1', 0], ['b1', 0], ['c1', 100]]);
  });

  it("an existing pod's preferred anti-affinity that selects the incoming pod subtracts its weight", () => {
    const shy = makePod('shy', { labels: { app: 'db' }, nodeName: 'c1', affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: web(ZONE) }] } } });
    expect(scores(makePod('w', { labels: { app: 'web' } }), nodes, [shy])).toEqual([['a1', 100], ['b1', 100], ['c1', 0]]);
  });

  it('each preferred term adds its own weight per pod it selects, and nothing for the pods it does not select', () => {
    const db = { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: ZONE };
    const pod = makePod('p', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: web(ZONE) }, { weight: 10, podAffinityTerm: db }] } } });
    // a: 2 web = 2; b: 1 web + 1 db = 11; c: 0
    expect(scores(pod, nodes, [...running, makePod('d1', { labels: { app: 'db' }, nodeName: 'b1' })])).toEqual([['a1', 18], ['b1', 100], ['c1', 0]]);
    const webOnly = makePod('q', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: web(ZONE) }] } } });
    const others = [makePod('o1', { labels: { app: 'db' }, nodeName: 'c1' }), makePod('o2', { labels: { app: 'db' }, nodeName: 'c1' }), makePod('o3', { labels: { app: 'db' }, nodeName: 'c1' })];
    expect(scores(webOnly, nodes, [...running, ...others])).toEqual([['a1', 100], ['b1', 50], ['c1', 0]]);
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

  it('a pod being deleted does not count: the spread is of the pods that stay (upstream: "terminating Pods should be excluded")', () => {
    const pods = [makePod('leaving', { labels: { app: 'web' }, nodeName: 'a1', deletionTimestamp: '2026-01-01T00:00:00Z' }), makePod('staying', { labels: { app: 'web' }, nodeName: 'b1' })];
    const pod = makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1)] });
    expect(feasibility(pod, [zoned('a1', 'a'), zoned('b1', 'b')], pods).feasible).toEqual(['a1']);
    expect(countMatching(pods, spread(1), 'default')).toBe(1);
    // and ScheduleAnyway scores by the same counts: [100, 0]
    const anyway = makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1, { whenUnsatisfiable: 'ScheduleAnyway' })] });
    const snapshot = new Snapshot([zoned('a1', 'a'), zoned('b1', 'b')], pods);
    const state = new CycleState(snapshot.nodeInfos);
    const plugin = new PodTopologySpread();
    plugin.preScore(state, anyway, snapshot.nodeInfos);
    const list = snapshot.nodeInfos.map((n) => ({ name: n.name, score: plugin.score(state, anyway, n) }));
    plugin.normalizeScore(state, anyway, list);
    expect(list.map((s) => s.score)).toEqual([100, 0]);
  });

  it('a constraint whose labelSelector is empty ({}) counts no pod, though the incoming pod matches it', () => {
    const pods = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'a1' })];
    const pod = makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1, { labelSelector: {} })] });
    expect(countMatching(pods, spread(1, { labelSelector: {} }), 'default')).toBe(0);
    expect(feasibility(pod, [zoned('a1', 'a'), zoned('b1', 'b')], pods).feasible).toEqual(['a1', 'b1']);
    const state = new CycleState();
    const snapshot = new Snapshot([zoned('a1', 'a'), zoned('b1', 'b')], pods);
    new PodTopologySpread().preFilter(state, pod, snapshot.nodeInfos);
    expect(state.read<SpreadConstraintState[]>('PreFilterPodTopologySpread').map((c) => [Object.fromEntries(c.counts), c.minMatch, c.selfMatch])).toEqual([[{ a: 0, b: 0 }, 0, 1]]);
  });

  it('a constraint with maxSkew 0 is reported, never a crash', () => {
    const result = scheduleOne(defaultFramework(), makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(0)] }), new Snapshot([zoned('a1', 'a')]));
    expect(result.condition.message).toBe('0/1 nodes are available: invalid topology spread constraint: maxSkew must be a whole number >= 1 (got 0).');
  });

  it('PreFilter skips a pod without DoNotSchedule constraints (ScheduleAnyway ones never filter), and PreScore a pod without ScheduleAnyway ones', () => {
    const skewed = [zoned('a1', 'a'), zoned('b1', 'b')];
    const pods = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'a1' })];
    const anyway = makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1, { whenUnsatisfiable: 'ScheduleAnyway' })] });
    const strict = makePod('s', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1)] });
    const infos = new Snapshot(skewed, pods).nodeInfos;
    const plugin = new PodTopologySpread();
    for (const pod of [anyway, makePod('plain'), bare]) expect(plugin.preFilter(new CycleState(infos), pod, infos).code, pod.metadata.name).toBe('Skip');
    for (const pod of [strict, makePod('plain'), bare]) expect(plugin.preScore(new CycleState(infos), pod, infos).code, pod.metadata.name).toBe('Skip');
    expect(feasibility(anyway, skewed, pods).feasible).toEqual(['a1', 'b1']);
  });

  it('with exactly minDomains domains, the minimum is the smallest count (only fewer domains make it 0)', () => {
    const pods = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'b1' })];
    expect(feasibility(makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1, { minDomains: 2 })] }), [zoned('a1', 'a'), zoned('b1', 'b')], pods).feasible).toEqual(['a1', 'b1']);
  });

  it("only the nodes that pass the pod's nodeSelector and carry every constraint's key make domains and count pods; with none, the minimum is 0", () => {
    const nodes = [makeNode('a1', { labels: { [ZONE]: 'a', disk: 'ssd', rack: 'r1' } }), makeNode('b1', { labels: { [ZONE]: 'b', rack: 'r2' } }), zoned('c1', 'c')];
    const pods = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'c1' })];
    const counted = (pod: Pod) => {
      const infos = new Snapshot(nodes, pods).nodeInfos;
      const state = new CycleState(infos);
      expect(new PodTopologySpread().preFilter(state, pod, infos).code).toBe('Success');
      return state.read<SpreadConstraintState[]>('PreFilterPodTopologySpread').map((c) => [Object.fromEntries(c.counts), c.minMatch]);
    };
    expect(counted(makePod('ssd', { labels: { app: 'web' }, nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [spread(1)] }))).toEqual([[{ a: 1 }, 1]]);
    const rack = { maxSkew: 1, topologyKey: 'rack', whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: { matchLabels: { app: 'web' } } };
    expect(counted(makePod('racked', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1), rack] }))).toEqual([[{ a: 1, b: 0 }, 0], [{ r1: 1, r2: 0 }, 0]]);
    expect(counted(makePod('nowhere', { labels: { app: 'web' }, nodeSelector: { disk: 'nvme' }, topologySpreadConstraints: [spread(1)] }))).toEqual([[{}, 0]]);
    // a pod with affinity to pods (and none to nodes) counts every node with the key
    const social = makePod('social', { labels: { app: 'web' }, affinity: antiAffinity({ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: HOST }), topologySpreadConstraints: [spread(1)] });
    expect(counted(social)).toEqual([[{ a: 1, b: 0, c: 1 }, 0]]);
    expect(feasibility(social, nodes, pods).feasible).toEqual(['b1']);
  });

  it('ScheduleAnyway: a node without the key is ignored (0), the weight is ln(domains + 2), maxSkew - 1 is added, and normalizing gives 100 * (max + min - s) / max over the other nodes', () => {
    const nodes = [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('bare')];
    const pods = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w3', { labels: { app: 'web' }, nodeName: 'b1' })];
    const scored = (pod: Pod, nodeList: Node[] = nodes, podList: Pod[] = pods, feasibleNames?: string[]) => {
      const infos = new Snapshot(nodeList, podList).nodeInfos;
      const feasible = feasibleNames ? infos.filter((n) => feasibleNames.includes(n.name)) : infos;
      const state = new CycleState(infos);
      const plugin = new PodTopologySpread();
      expect(plugin.preScore(state, pod, feasible).code).toBe('Success');
      const list = feasible.map((n) => ({ name: n.name, score: plugin.score(state, pod, n) }));
      const raw = list.map((x) => x.score);
      plugin.normalizeScore(state, pod, list);
      return { raw, normalized: list.map((x) => x.score) };
    };
    // two domains: weight ln 4; a: round(2 ln 4 + 1) = 4, b: round(ln 4 + 1) = 2
    const pod = makePod('w', { labels: { app: 'web' }, topologySpreadConstraints: [spread(2, { whenUnsatisfiable: 'ScheduleAnyway' })] });
    expect(scored(pod)).toEqual({ raw: [4, 4, 2, 0], normalized: [50, 50, 100, 0] });
    // no matching pod anywhere: every raw score is 0, and every node not ignored gets 100
    const lonely = makePod('l', { labels: { app: 'db' }, topologySpreadConstraints: [spread(1, { whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'db' } } })] });
    expect(scored(lonely)).toEqual({ raw: [0, 0, 0, 0], normalized: [100, 100, 100, 0] });
    // with the hostname key the weight is the number of nodes with the key (3: ln 5), even when two share a hostname label
    const nameless = makeNode('n4');
    delete nameless.metadata.labels![HOST];
    const hosts = [makeNode('n1'), makeNode('n2', { labels: { [HOST]: 'shared' } }), makeNode('n3', { labels: { [HOST]: 'shared' } }), nameless];
    const onN1 = [0, 1, 2].map((i) => makePod(`h${i}`, { labels: { app: 'web' }, nodeName: 'n1' }));
    const byHost = makePod('h', { labels: { app: 'web' }, topologySpreadConstraints: [spread(1, { topologyKey: HOST, whenUnsatisfiable: 'ScheduleAnyway' })] });
    expect(scored(byHost, hosts, onN1).raw).toEqual([5, 0, 0, 0]);
    // with the hostname key a node counts its own pods, not its label's domain: n3 shares n2's label but holds none (round(2 ln 5) = 3)
    const onN2 = [0, 1].map((i) => makePod(`s${i}`, { labels: { app: 'web' }, nodeName: 'n2' }));
    expect(scored(byHost, hosts, onN2).raw).toEqual([0, 3, 0, 0]);
    // pods count only on the nodes that pass the pod's nodeSelector: a2 (no ssd) holds two web pods that do not count
    const ssd = [makeNode('a1', { labels: { [ZONE]: 'a', disk: 'ssd' } }), zoned('a2', 'a'), makeNode('b1', { labels: { [ZONE]: 'b', disk: 'ssd' } })];
    const onA2 = [makePod('x1', { labels: { app: 'web' }, nodeName: 'a2' }), makePod('x2', { labels: { app: 'web' }, nodeName: 'a2' }), makePod('x3', { labels: { app: 'web' }, nodeName: 'b1' })];
    const picky = makePod('p', { labels: { app: 'web' }, nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [spread(1, { whenUnsatisfiable: 'ScheduleAnyway' })] });
    expect(scored(picky, ssd, onA2, ['a1', 'b1']).raw).toEqual([0, 1]);
  });

  it('the counts follow a list of nodes that changes between cycles (pods placed and removed, entries replaced, nodes added and removed) as a fresh count would', () => {
    const info = (name: string, zone?: string) => new NodeInfo(zoned(name, zone));
    const list = [info('a1', 'a'), info('a2', 'a'), info('b1', 'b'), info('bare')];
    const probe = makePod('probe', { labels: { app: 'web' }, topologySpreadConstraints: [spread(3)] });
    const countsOf = (nodes: NodeInfo[], pod: Pod = probe) => {
      const state = new CycleState(nodes);
      expect(new PodTopologySpread().preFilter(state, pod, nodes).code).toBe('Success');
      return state.read<SpreadConstraintState[]>('PreFilterPodTopologySpread').map((c) => [Object.fromEntries([...c.counts].sort()), c.minMatch]);
    };
    // the same list again (its counts may be kept), and a copy of it (counted afresh)
    const check = (expected: unknown, pod: Pod = probe) => {
      expect(countsOf(list, pod)).toEqual(expected);
      expect(countsOf([...list], pod)).toEqual(expected);
    };
    let serial = 0;
    const placeOn = (i: number) => list[i]!.addPod(makePod(`w${serial++}`, { labels: { app: 'web' } }));
    check([[{ a: 0, b: 0 }, 0]]);
    placeOn(0);
    check([[{ a: 1, b: 0 }, 0]]);
    placeOn(1);
    check([[{ a: 2, b: 0 }, 0]]);
    placeOn(2);
    placeOn(0);
    check([[{ a: 3, b: 1 }, 1]]);
    placeOn(3); // a node without the key: its pods never count
    check([[{ a: 3, b: 1 }, 1]]);
    list[0]!.removePod(makePod('w0'));
    check([[{ a: 2, b: 1 }, 1]]);
    list[2] = info('c1', 'c'); // b1 gives way to a node of zone c: zone b is gone
    check([[{ a: 2, c: 0 }, 0]]);
    list[0] = info('a1', 'a'); // a1 comes back empty: zone a keeps a2's pod
    check([[{ a: 1, c: 0 }, 0]]);
    list.push(info('d1', 'd'));
    check([[{ a: 1, c: 0, d: 0 }, 0]]);
    list.pop();
    list.pop();
    list.pop();
    check([[{ a: 1 }, 1]]);
    list[0] = info('a1', 'a'); // replaced once more, in a list counted only once since it shrank
    check([[{ a: 1 }, 1]]);
    // pods that ask other questions of the same list get their own answers
    const both = makePod('both', { labels: { app: 'web' }, topologySpreadConstraints: [spread(3), spread(3, { topologyKey: HOST })] });
    check([[{ a: 1 }, 1], [{ a1: 0, a2: 1 }, 0]], both);
    check([[{}, 0], [{}, 0]], makePod('racked', { labels: { app: 'web' }, topologySpreadConstraints: [spread(3), spread(3, { topologyKey: 'rack' })] }));
    check([[{}, 0]], makePod('picky', { labels: { app: 'web' }, nodeSelector: { [ZONE]: 'z' }, topologySpreadConstraints: [spread(3)] }));
    const zoneB = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In' as const, values: ['b'] }] }] } } };
    check([[{}, 0]], makePod('affine', { labels: { app: 'web' }, affinity: zoneB, topologySpreadConstraints: [spread(3)] }));
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

  const spreadPodArb = fc.record({ app: fc.constantFrom('web', 'db'), namespace: fc.constantFrom('default', 'other'), leaving: fc.boolean(), maxSkew: fc.integer({ min: 1, max: 3 }) });
  test.prop([
    fc.array(fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined, freq: 5 }), { minLength: 1, maxLength: 6 }),
    fc.array(spreadPodArb, { maxLength: 14 }),
    fc.array(fc.nat(), { maxLength: 5 }),
    spreadPodArb,
  ])(
    'the spread counts of a snapshot that pods were placed on and taken off one by one are those of a snapshot built afresh with the same pods',
    (zones, specs, removals, probeSpec) => {
      const nodes = zones.map((zone, i) => zoned(`node-${i}`, zone));
      const make = (name: string, x: typeof probeSpec) =>
        makePod(name, { namespace: x.namespace, labels: { app: x.app }, topologySpreadConstraints: [spread(x.maxSkew, { labelSelector: { matchLabels: { app: x.app } } })], ...(x.leaving ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) });
      const snapshot = new Snapshot(nodes);
      const framework = defaultFramework();
      const placed = scheduleAll(framework, specs.map((x, i) => make(`p-${i}`, x)), snapshot).filter((r) => r.nodeName !== undefined).map((r) => r.pod);
      // take some of them off again, through the NodeInfo, as a deleted pod leaves the cache
      const gone = new Set<string>();
      for (const r of removals) {
        const victim = placed[r % Math.max(placed.length, 1)];
        if (!victim || gone.has(victim.metadata.name!)) continue;
        gone.add(victim.metadata.name!);
        expect(snapshot.get(victim.spec!.nodeName!)!.removePod(victim)).toBe(true);
      }
      const remaining = placed.filter((p) => !gone.has(p.metadata.name!));
      const probe = make('probe', probeSpec);
      const counted = (s: Snapshot) => {
        const state = new CycleState(s.nodeInfos);
        expect(new PodTopologySpread().preFilter(state, probe, s.nodeInfos).code).toBe('Success');
        return state.read<SpreadConstraintState[]>('PreFilterPodTopologySpread').map((c) => [Object.fromEntries([...c.counts].sort()), c.minMatch, c.selfMatch]);
      };
      expect(counted(snapshot)).toEqual(counted(new Snapshot(nodes, remaining)));
      expect(names(findFeasibleNodes(framework, new CycleState(snapshot.nodeInfos), probe, snapshot).feasible)).toEqual(
        names(findFeasibleNodes(defaultFramework(), new CycleState(), probe, new Snapshot(nodes, remaining)).feasible),
      );
    },
  );
});


