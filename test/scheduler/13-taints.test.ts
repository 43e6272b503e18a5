/**
 * Kata 13 — scheduler: taints and tolerations. The spec is katas/scheduler/13-taints.md.
 *
 * First the matching rules, as a table generated over every combination of key, operator, value
 * and effect; then TaintToleration's Filter and Score, the scoring framework and the
 * normalization. The properties: a random toleration agrees with the table; adding a toleration
 * never removes a feasible node; adding a taint the pod does not tolerate always removes its node.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import type { Node, Pod, Taint, TaintEffect, Toleration } from '@kube/kit';
import {
  CycleState,
  Framework,
  NodeAffinity,
  NodeInfo,
  NodeName,
  NodeResourcesFit,
  NodeUnschedulable,
  Snapshot,
  Status,
  TaintToleration,
  defaultNormalizeScore,
  findFeasibleNodes,
  findUntoleratedTaint,
  scheduleOne,
  tolerates,
  tolerationsTolerateTaint,
  type NodeScore,
  type ScorePlugin,
} from '@kube/scheduler';
import { makeNode, makePod, names } from '../support/scheduler/fixtures.ts';
import { nodeOptionsArb, taintArb, tolerationArb } from '../support/scheduler/arbitraries.ts';

/** kata 12's filters with TaintToleration where kube-scheduler puts it; TaintToleration scores, weight 3. */
function taintFramework(): Framework {
  const taints = new TaintToleration();
  return new Framework([new NodeUnschedulable(), new NodeName(), taints, new NodeAffinity(), new NodeResourcesFit()], [{ plugin: taints, weight: 3 }]);
}

function feasibleNames(pod: Pod, nodes: Node[]): string[] {
  const snapshot = new Snapshot(nodes);
  return names(findFeasibleNodes(taintFramework(), new CycleState(snapshot.nodeInfos), pod, snapshot).feasible);
}

// ---- The table: every combination of key, operator, value and effect ----
const TAINT: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
const KEYS = { 'empty key': '', 'the same key': 'dedicated', 'another key': 'other' } as const;
const OPERATORS = { 'no operator': undefined, Equal: 'Equal', Exists: 'Exists', 'an unknown operator': 'Bogus' } as const;
const VALUES = { 'no value': undefined, 'the same value': 'gpu', 'another value': 'cpu' } as const;
const EFFECTS = { 'no effect': undefined, 'empty effect': '', 'the same effect': 'NoSchedule', 'another effect': 'NoExecute' } as const;

/** The rules, one dimension at a time, as the spec's table states them. */
function expected(key: keyof typeof KEYS, operator: keyof typeof OPERATORS, value: keyof typeof VALUES, effect: keyof typeof EFFECTS): boolean {
  const effectOk = effect !== 'another effect';
  const keyOk = key !== 'another key';
  const op = OPERATORS[operator];
  const valueOk = op === 'Exists' ? true : op === undefined || op === 'Equal' ? value === 'the same value' : false;
  return effectOk && keyOk && valueOk;
}

const table = Object.keys(KEYS).flatMap((k) =>
  Object.keys(OPERATORS).flatMap((o) =>
    Object.keys(VALUES).flatMap((v) =>
      Object.keys(EFFECTS).map((e) => {
        const [key, operator, value, effect] = [k as keyof typeof KEYS, o as keyof typeof OPERATORS, v as keyof typeof VALUES, e as keyof typeof EFFECTS];
        const toleration = { key: KEYS[key], operator: OPERATORS[operator], value: VALUES[value], effect: EFFECTS[effect] } as Toleration;
        return { name: `${key}, ${operator}, ${value}, ${effect}`, toleration, tolerated: expected(key, operator, value, effect) };
      }),
    ),
  ),
);

/** The table's answer for any toleration and taint drawn from the arbitraries. */
function byTheTable(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

describe('matching a toleration with a taint', () => {
  it.each(table.map((row) => [row.name, row.tolerated ? 'tolerates' : 'does not tolerate', row]))(
    'a toleration with %s %s {dedicated=gpu:NoSchedule}',
    (_name, _verb, row) => {
      expect(tolerates(row.toleration, TAINT)).toBe(row.tolerated);
    },
  );

  it('an empty key with Exists and no effect tolerates every taint', () => {
    for (const effect of ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as TaintEffect[]) {
      expect(tolerates({ operator: 'Exists' }, { key: 'anything', value: 'x', effect })).toBe(true);
    }
  });

  it('a taint without a value is matched by Equal with an empty or absent value', () => {
    expect(tolerates({ key: 'spot', operator: 'Equal' }, { key: 'spot', effect: 'NoSchedule' })).toBe(true);
    expect(tolerates({ key: 'spot', value: '' }, { key: 'spot', effect: 'NoSchedule' })).toBe(true);
    expect(tolerates({ key: 'spot', value: 'x' }, { key: 'spot', effect: 'NoSchedule' })).toBe(false);
  });

  it('tolerationsTolerateTaint needs one toleration that matches; findUntoleratedTaint returns the first of the given effects that none matches', () => {
    const taints: Taint[] = [
      { key: 'soft', effect: 'PreferNoSchedule' },
      { key: 'a', effect: 'NoSchedule' },
      { key: 'b', value: 'x', effect: 'NoExecute' },
    ];
    expect(tolerationsTolerateTaint([{ key: 'z' }, { key: 'a', operator: 'Exists' }], taints[1]!)).toBe(true);
    expect(tolerationsTolerateTaint(undefined, taints[1]!)).toBe(false);
    expect(findUntoleratedTaint(taints, [{ key: 'a', operator: 'Exists' }], ['NoSchedule', 'NoExecute'])).toEqual(taints[2]);
    expect(findUntoleratedTaint(taints, [{ operator: 'Exists', effect: 'NoExecute' }], ['NoSchedule', 'NoExecute'])).toEqual(taints[1]);
    expect(findUntoleratedTaint(taints, [{ operator: 'Exists' }], ['NoSchedule', 'NoExecute'])).toBeUndefined();
  });
});

describe('TaintToleration as a filter', () => {
  const node = makeNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });

  it('turns a node away with "node(s) had untolerated taint {dedicated: gpu}"', () => {
    const info = new NodeInfo(node);
    const status = new TaintToleration().filter(new CycleState([info]), makePod('p'), info);
    expect([status.code, status.reasons]).toEqual(['UnschedulableAndUnresolvable', ['node(s) had untolerated taint {dedicated: gpu}']]);
  });

  it('lets a pod that tolerates the taint onto the node', () => {
    const info = new NodeInfo(node);
    const pod = makePod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] });
    expect(new TaintToleration().filter(new CycleState([info]), pod, info).isSuccess()).toBe(true);
  });

  it('filters on NoExecute taints too, and never on PreferNoSchedule ones', () => {
    expect(feasibleNames(makePod('p'), [makeNode('exec', { taints: [{ key: 'k', effect: 'NoExecute' }] }), makeNode('soft', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] })])).toEqual(['soft']);
  });

  it('says which taint, and counts nodes per taint in the message', () => {
    const nodes = [
      makeNode('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      makeNode('b', { taints: [{ key: 'spot', effect: 'NoExecute' }] }),
      makeNode('c', { taints: [{ key: 'spot', effect: 'NoSchedule' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
    ];
    const result = scheduleOne(taintFramework(), makePod('p'), new Snapshot(nodes));
    expect(result.condition.message).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) had untolerated taint {spot: }.');
  });

  it('a pod that tolerates node.kubernetes.io/unschedulable may go onto a cordoned node (NodeUnschedulable asks the same rules)', () => {
    const cordoned = [makeNode('c', { unschedulable: true })];
    expect(feasibleNames(makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), cordoned)).toEqual(['c']);
    expect(feasibleNames(makePod('q', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] }), cordoned)).toEqual([]);
  });

  it('an unknown operator tolerates nothing, and the pod is reported unschedulable, not crashed', () => {
    const pod = makePod('p', { tolerations: [{ key: 'dedicated', operator: 'Sometimes' as Toleration['operator'] }] });
    const result = scheduleOne(taintFramework(), pod, new Snapshot([node]));
    expect(result.condition).toMatchObject({ reason: 'Unschedulable', message: '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.' });
  });

  it('a pod without a spec tolerates no taint, and a node without a spec has none', () => {
    const bare: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'default' } };
    const { spec: _spec, ...specless } = makeNode('specless');
    const result = scheduleOne(taintFramework(), bare, new Snapshot([node, makeNode('soft', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }), specless]));
    expect(result.nodeName).toBe('specless');
    expect(result.diagnosis?.nodeToStatus.get('n')?.reasons).toEqual(['node(s) had untolerated taint {dedicated: gpu}']);
  });
});

describe('scoring', () => {
  it('defaultNormalizeScore scales to 0..100 by the highest score, truncating, and reverses when asked', () => {
    const scores = (...s: number[]): NodeScore[] => s.map((score, i) => ({ name: `n${i}`, score }));
    const a = scores(0, 1, 3);
    defaultNormalizeScore(100, false, a);
    expect(a.map((s) => s.score)).toEqual([0, 33, 100]);
    const b = scores(0, 1, 3);
    defaultNormalizeScore(100, true, b);
    expect(b.map((s) => s.score)).toEqual([100, 67, 0]);
    const zeros = scores(0, 0);
    defaultNormalizeScore(100, true, zeros);
    expect(zeros.map((s) => s.score)).toEqual([100, 100]);
    const plain = scores(0, 0);
    defaultNormalizeScore(100, false, plain);
    expect(plain.map((s) => s.score)).toEqual([0, 0]);
  });

  it('defaultNormalizeScore truncates, never rounds: 100 * 2 / 3 is 66 (reversed: 34), as Go\'s integer division', () => {
    const scores = (...s: number[]): NodeScore[] => s.map((score, i) => ({ name: `n${i}`, score }));
    const a = scores(0, 2, 3, 1);
    defaultNormalizeScore(100, false, a);
    expect(a.map((s) => s.score)).toEqual([0, 66, 100, 33]);
    const b = scores(0, 2, 3, 1);
    defaultNormalizeScore(100, true, b);
    expect(b.map((s) => s.score)).toEqual([100, 34, 0, 67]);
    const c = scores(5, 7);
    defaultNormalizeScore(10, false, c);
    expect(c.map((s) => s.score)).toEqual([7, 10]);
  });

  it('TaintToleration scores the intolerable PreferNoSchedule taints, normalized in reverse (fewest = 100)', () => {
    const nodes = [
      makeNode('none'),
      makeNode('one', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'x', effect: 'NoSchedule' }] }),
      makeNode('two', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] }),
      makeNode('tolerated', { taints: [{ key: 'c', effect: 'PreferNoSchedule' }] }),
    ];
    // A NoSchedule toleration does not count for PreferNoSchedule taints; an empty effect does.
    const pod = makePod('p', { tolerations: [{ key: 'c', operator: 'Exists' }, { key: 'a', operator: 'Exists', effect: 'NoSchedule' }] });
    const infos = nodes.map((n) => new NodeInfo(n));
    const framework = new Framework([], [new TaintToleration()]);
    const state = new CycleState(infos);
    expect(framework.runPreScorePlugins(state, pod, infos).isSuccess()).toBe(true);
    const scores = framework.runScorePlugins(state, pod, infos);
    expect(scores.map((s) => [s.name, s.totalScore])).toEqual([['none', 100], ['one', 50], ['two', 0], ['tolerated', 100]]);
    expect(scores[1]!.scores).toEqual([{ plugin: 'TaintToleration', score: 50 }]);
  });

  it('TaintToleration keeps a toleration whose effect is PreferNoSchedule, as well as one without an effect (upstream taint_toleration_test.go has both)', () => {
    const nodes = [makeNode('soft', { taints: [{ key: 'a', value: 'x', effect: 'PreferNoSchedule' }] }), makeNode('clean')];
    const infos = nodes.map((n) => new NodeInfo(n));
    const framework = new Framework([], [new TaintToleration()]);
    for (const toleration of [{ key: 'a', operator: 'Equal', value: 'x', effect: 'PreferNoSchedule' }, { key: 'a', operator: 'Exists' }] as Toleration[]) {
      const pod = makePod('p', { tolerations: [toleration] });
      const state = new CycleState(infos);
      expect(framework.runPreScorePlugins(state, pod, infos).isSuccess()).toBe(true);
      expect(framework.runScorePlugins(state, pod, infos).map((s) => s.totalScore)).toEqual([100, 100]);
    }
  });

  it('runPreScorePlugins turns a PreScore that throws into an Error status "running PreScore plugin \"Name\": ...", and stops there', () => {
    const calls: string[] = [];
    const infos = [new NodeInfo(makeNode('a'))];
    const throwing = { name: 'Boom', score: () => 0, preScore: (): Status => { calls.push('Boom'); throw new Error('boom'); } };
    const after = { name: 'After', score: () => 0, preScore: (): Status => (calls.push('After'), Status.success()) };
    const status = new Framework([], [throwing, after]).runPreScorePlugins(new CycleState(infos), makePod('p'), infos);
    expect([status.code, status.message(), status.plugin]).toEqual(['Error', 'running PreScore plugin "Boom": boom', 'Boom']);
    expect(calls).toEqual(['Boom']);
  });

  it('runPreScorePlugins turns any answer but Success or Skip into an Error status naming the plugin', () => {
    const infos = [new NodeInfo(makeNode('a'))];
    const refusing = { name: 'Refuser', score: () => 0, preScore: () => Status.unschedulable('no way') };
    const status = new Framework([], [refusing]).runPreScorePlugins(new CycleState(infos), makePod('p'), infos);
    expect([status.code, status.message()]).toEqual(['Error', 'running PreScore plugin "Refuser": no way']);
  });

  it('runScorePlugins throws upstream\'s "running Score plugins: plugin \"Name\" failed with: ..." for a Score that throws, and "running Normalize on Score plugins: ..." for a NormalizeScore', () => {
    const infos = [new NodeInfo(makeNode('a')), new NodeInfo(makeNode('b'))];
    const scoring = { name: 'Crash', score: (_s: CycleState, _p: Pod, n: NodeInfo) => { if (n.name === 'b') throw new Error('no score for b'); return 1; } };
    expect(() => new Framework([], [scoring]).runScorePlugins(new CycleState(infos), makePod('p'), infos)).toThrow('running Score plugins: plugin "Crash" failed with: no score for b');
    const normalizing = { name: 'Norm', score: () => 1, normalizeScore: () => { throw new Error('cannot normalize'); } };
    expect(() => new Framework([], [normalizing]).runScorePlugins(new CycleState(infos), makePod('p'), infos)).toThrow('running Normalize on Score plugins: plugin "Norm" failed with: cannot normalize');
    // Upstream scores with every plugin before it normalizes any: a later plugin's Score error wins over an earlier one's NormalizeScore.
    expect(() => new Framework([], [normalizing, scoring]).runScorePlugins(new CycleState(infos), makePod('p'), infos)).toThrow('running Score plugins: plugin "Crash" failed with: no score for b');
  });

  it('runScorePlugins weighs each plugin and sums; a plugin whose PreScore skipped is left out', () => {
    const fixed = (name: string, byNode: Record<string, number>, skip = false): ScorePlugin & { preScore(): Status } => ({ name, score: (_s, _p, n) => byNode[n.name]!, preScore: () => (skip ? Status.skip() : Status.success()) });
    const infos = [new NodeInfo(makeNode('a')), new NodeInfo(makeNode('b'))];
    const framework = new Framework([], [{ plugin: fixed('Ten', { a: 10, b: 20 }), weight: 2 }, fixed('One', { a: 1, b: 0 }), { plugin: fixed('Skipped', { a: 100, b: 100 }, true), weight: 5 }]);
    const state = new CycleState(infos);
    framework.runPreScorePlugins(state, makePod('p'), infos);
    expect(framework.runScorePlugins(state, makePod('p'), infos)).toEqual([
      { name: 'a', scores: [{ plugin: 'Ten', score: 20 }, { plugin: 'One', score: 1 }], totalScore: 21 },
      { name: 'b', scores: [{ plugin: 'Ten', score: 40 }, { plugin: 'One', score: 0 }], totalScore: 40 },
    ]);
  });

  it('a score out of 0..100 after normalizing is an error, in kube-scheduler\'s words', () => {
    const infos = [new NodeInfo(makeNode('a'))];
    const framework = new Framework([], [{ name: 'TooHigh', score: () => 150 } as ScorePlugin]);
    expect(() => framework.runScorePlugins(new CycleState(infos), makePod('p'), infos)).toThrow('applying score defaultWeights on Score plugins: plugin "TooHigh" returns an invalid score 150, it should in the range of [0, 100] after normalizing');
  });

  it('a score below 0 after normalizing is an error too', () => {
    const infos = [new NodeInfo(makeNode('a'))];
    const framework = new Framework([], [{ name: 'Negative', score: () => -1 } as ScorePlugin]);
    expect(() => framework.runScorePlugins(new CycleState(infos), makePod('p'), infos)).toThrow('applying score defaultWeights on Score plugins: plugin "Negative" returns an invalid score -1, it should in the range of [0, 100] after normalizing');
  });

  it('scheduleOne sends a pod to the node with the fewest untolerated PreferNoSchedule taints', () => {
    const nodes = [
      makeNode('a', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }),
      makeNode('b'),
      makeNode('c', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }, { key: 'y', effect: 'PreferNoSchedule' }] }),
    ];
    expect(scheduleOne(taintFramework(), makePod('p'), new Snapshot(nodes)).nodeName).toBe('b');
    expect(scheduleOne(taintFramework(), makePod('q', { tolerations: [{ key: 'x', operator: 'Exists' }, { key: 'y', operator: 'Exists' }] }), new Snapshot(nodes)).nodeName).toBe('a');
  });
});

const taintedNodesArb = fc.array(fc.record({ options: nodeOptionsArb, taints: fc.array(taintArb, { maxLength: 3 }) }), { minLength: 1, maxLength: 6 }).map((list) =>
  list.map(({ options, taints }, i) => makeNode(`node-${i}`, { ...options, pods: '110', unschedulable: false, taints })),
);
const tolerationsArb = fc.array(tolerationArb, { maxLength: 3 });

describe('properties', () => {
  test.prop([tolerationArb, taintArb])('matching agrees with the table of the rules for any toleration and taint', (toleration, taint) => {
    expect(tolerates(toleration, taint)).toBe(byTheTable(toleration, taint));
  });

  test.prop([taintedNodesArb, tolerationsArb, tolerationArb])('adding a toleration never removes a feasible node', (nodes, tolerations, extra) => {
    const before = feasibleNames(makePod('p', { tolerations }), nodes);
    const after = feasibleNames(makePod('p', { tolerations: [...tolerations, extra] }), nodes);
    expect(after).toEqual(expect.arrayContaining(before));
    // and the nodes the table says are all tolerated are exactly the feasible ones
    const tolerated = nodes.filter((n) => (n.spec?.taints ?? []).every((t) => t.effect === 'PreferNoSchedule' || [...tolerations, extra].some((x) => byTheTable(x, t))));
    expect(after).toEqual(names(tolerated.map((n) => ({ name: n.metadata.name! }))));
  });

  test.prop([taintedNodesArb, tolerationsArb, fc.nat(), fc.constantFrom<TaintEffect>('NoSchedule', 'NoExecute'), fc.constantFrom('', 'a', 'z')])(
    'adding a NoSchedule or NoExecute taint the pod does not tolerate always removes that node',
    (nodes, tolerations, index, effect, value) => {
      const taint: Taint = { key: 'fresh', value, effect };
      fc.pre(!tolerations.some((t) => byTheTable(t, taint)));
      const target = nodes[index % nodes.length]!;
      const tainted = nodes.map((n) => (n === target ? { ...n, spec: { ...n.spec, taints: [...(n.spec?.taints ?? []), taint] } } : n));
      const before = feasibleNames(makePod('p', { tolerations }), nodes);
      const after = feasibleNames(makePod('p', { tolerations }), tainted);
      expect(after).not.toContain(target.metadata.name);
      expect(after).toEqual(before.filter((name) => name !== target.metadata.name));
    },
  );
});
