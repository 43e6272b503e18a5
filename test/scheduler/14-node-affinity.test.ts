/**
 * Kata 14 — scheduler: node affinity. The spec is katas/scheduler/14-node-affinity.md.
 *
 * One example per operator and per rule of terms (ORed terms, ANDed expressions, matchFields, the
 * empty term), then the filter, the score of preferred terms and bad input. The properties: a
 * nodeSelector {k: v} selects the same nodes as the term `k In [v]`; reordering terms or
 * expressions changes nothing; Gt and Lt never match a label that is not an integer.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '@kube/kit';
import {
  CycleState,
  Framework,
  NodeAffinity,
  NodeInfo,
  NodeName,
  NodeResourcesFit,
  NodeUnschedulable,
  Snapshot,
  findFeasibleNodes,
  matchesNodeFieldRequirement,
  matchesNodeSelectorRequirement,
  matchesNodeSelectorTerm,
  matchesNodeSelectorTerms,
  scheduleOne,
} from '@kube/scheduler';
import { makeNode, makePod, names } from '../support/scheduler/fixtures.ts';
import { LABELS, labelsArb } from '../support/scheduler/arbitraries.ts';

function affinityFramework(): Framework {
  const nodeAffinity = new NodeAffinity();
  return new Framework([new NodeUnschedulable(), new NodeName(), nodeAffinity, new NodeResourcesFit()], [{ plugin: nodeAffinity, weight: 2 }]);
}

const required = (...nodeSelectorTerms: NodeSelectorTerm[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } });

function feasibleNames(pod: Pod, nodes: Node[]): string[] {
  const snapshot = new Snapshot(nodes);
  return names(findFeasibleNodes(affinityFramework(), new CycleState(snapshot.nodeInfos), pod, snapshot).feasible);
}

const labels = { zone: 'a', tier: '10', disk: 'ssd' };

describe('one expression', () => {
  it.each<[string, NodeSelectorRequirement, boolean]>([
    ['In holds when the label has one of the values', { key: 'zone', operator: 'In', values: ['a', 'b'] }, true],
    ['In fails when the label has another value', { key: 'zone', operator: 'In', values: ['b'] }, false],
    ['In fails when the label is absent', { key: 'gpu', operator: 'In', values: ['a'] }, false],
    ['NotIn holds when the label has none of the values', { key: 'zone', operator: 'NotIn', values: ['b', 'c'] }, true],
    ['NotIn holds when the label is absent', { key: 'gpu', operator: 'NotIn', values: ['a'] }, true],
    ['NotIn fails when the label has one of the values', { key: 'zone', operator: 'NotIn', values: ['a'] }, false],
    ['Exists holds when the label is there, whatever its value', { key: 'disk', operator: 'Exists' }, true],
    ['Exists fails when the label is absent', { key: 'gpu', operator: 'Exists' }, false],
    ['DoesNotExist holds when the label is absent', { key: 'gpu', operator: 'DoesNotExist' }, true],
    ['DoesNotExist fails when the label is there', { key: 'zone', operator: 'DoesNotExist' }, false],
    ['Gt compares as integers: 10 > 9 (as strings "10" < "9")', { key: 'tier', operator: 'Gt', values: ['9'] }, true],
    ['Gt is strict: 10 > 10 fails', { key: 'tier', operator: 'Gt', values: ['10'] }, false],
    ['Lt compares as integers: 10 < 100', { key: 'tier', operator: 'Lt', values: ['100'] }, true],
    ['Lt is strict: 10 < 10 fails', { key: 'tier', operator: 'Lt', values: ['10'] }, false],
    ['Lt holds one below: 10 < 11', { key: 'tier', operator: 'Lt', values: ['11'] }, true],
    ['NotIn with a value that is not a label value never holds (after a case of upstream component-helpers nodeaffinity_test.go)', { key: 'gpu', operator: 'NotIn', values: ['invalid value: ___@#$%^'] }, false],
    ['In with one value that is not a label value never holds, even when another value matches', { key: 'zone', operator: 'In', values: ['a', 'b c'] }, false],
    ['In with a value of 64 characters never holds (a label value has at most 63)', { key: 'zone', operator: 'In', values: ['a', 'x'.repeat(64)] }, false],
    ['Lt fails when the label is absent', { key: 'gpu', operator: 'Lt', values: ['100'] }, false],
    ['Gt with a value that is not an integer never holds', { key: 'tier', operator: 'Gt', values: ['1.5'] }, false],
    ['Gt with two values never holds', { key: 'tier', operator: 'Gt', values: ['1', '2'] }, false],
    ['Gt with a negative bound never holds: "-1" is an integer but not a label value (upstream labels.NewRequirement checks every value)', { key: 'tier', operator: 'Gt', values: ['-1'] }, false],
    ['Lt with a signed bound never holds: "+100" is not a label value', { key: 'tier', operator: 'Lt', values: ['+100'] }, false],
    ['Lt with a bound beyond int64 never holds: strconv.ParseInt refuses 2^63', { key: 'tier', operator: 'Lt', values: ['9223372036854775808'] }, false],
    ['Lt on a label that is not an integer never holds', { key: 'disk', operator: 'Lt', values: ['100'] }, false],
    ['In with no values never holds', { key: 'zone', operator: 'In', values: [] }, false],
    ['NotIn with no values never holds', { key: 'gpu', operator: 'NotIn' }, false],
    ['Exists with values never holds', { key: 'zone', operator: 'Exists', values: ['a'] }, false],
    ['DoesNotExist with values never holds, even when the label is absent', { key: 'gpu', operator: 'DoesNotExist', values: ['a'] }, false],
    ['an unknown operator never holds', { key: 'zone', operator: 'Like' as NodeSelectorRequirement['operator'], values: ['a'] }, false],
  ])('%s', (_name, requirement, holds) => {
    expect(matchesNodeSelectorRequirement(requirement, labels)).toBe(holds);
  });

  it.each<[string, string, NodeSelectorRequirement['operator'], string, boolean]>([
    ['a label with a sign is an integer: -5 < 0', '-5', 'Lt', '0', true],
    ['a label with a plus sign is an integer: +7 > 6', '+7', 'Gt', '6', true],
    ['leading zeros are digits: 007 > 6, and 8 > 007', '007', 'Gt', '6', true],
    ['a bound with leading zeros is a label value: 8 > 007', '8', 'Gt', '007', true],
    ['integers compare exactly past 2^53: 9007199254740993 > 9007199254740992', '9007199254740993', 'Gt', '9007199254740992', true],
    ['the largest int64 compares: 9223372036854775807 > 9223372036854775806', '9223372036854775807', 'Gt', '9223372036854775806', true],
    ['a label beyond int64 is not an integer: 9223372036854775808 > 0 fails', '9223372036854775808', 'Gt', '0', false],
  ])('Gt and Lt read integers as Go reads int64: %s', (_name, label, operator, bound, holds) => {
    expect(matchesNodeSelectorRequirement({ key: 'tier', operator, values: [bound] }, { tier: label })).toBe(holds);
  });

  it('matchFields knows only metadata.name, with In or NotIn and exactly one value', () => {
    const node = makeNode('node-7');
    expect(matchesNodeFieldRequirement({ key: 'metadata.name', operator: 'In', values: ['node-7'] }, node)).toBe(true);
    expect(matchesNodeFieldRequirement({ key: 'metadata.name', operator: 'NotIn', values: ['node-7'] }, node)).toBe(false);
    expect(matchesNodeFieldRequirement({ key: 'metadata.name', operator: 'NotIn', values: ['node-8'] }, node)).toBe(true);
    expect(matchesNodeFieldRequirement({ key: 'metadata.name', operator: 'In', values: ['node-7', 'node-8'] }, node)).toBe(false);
    expect(matchesNodeFieldRequirement({ key: 'metadata.name', operator: 'Exists' }, node)).toBe(false);
    expect(matchesNodeFieldRequirement({ key: 'metadata.uid', operator: 'In', values: ['node-7'] }, node)).toBe(false);
  });

  it('matchFields with another operator, or In or NotIn without values, never holds, whatever the name', () => {
    const node = makeNode('node-7');
    for (const operator of ['Exists', 'DoesNotExist', 'Gt', 'Lt'] as const) {
      for (const name of ['node-7', 'node-8', '1']) expect(matchesNodeFieldRequirement({ key: 'metadata.name', operator, values: [name] }, node)).toBe(false);
    }
    expect(matchesNodeFieldRequirement({ key: 'metadata.name', operator: 'NotIn' }, node)).toBe(false);
    expect(matchesNodeFieldRequirement({ key: 'metadata.name', operator: 'In' }, node)).toBe(false);
  });
});

describe('terms', () => {
  const node = makeNode('node-1', { labels: { zone: 'a', disk: 'ssd' } });

  it('a term holds when every expression and every field requirement holds', () => {
    expect(matchesNodeSelectorTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'Exists' }] }, node)).toBe(true);
    expect(matchesNodeSelectorTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'Exists' }] }, node)).toBe(false);
    expect(matchesNodeSelectorTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }, node)).toBe(false);
  });

  it('an empty term matches no node', () => {
    expect(matchesNodeSelectorTerm({}, node)).toBe(false);
    expect(matchesNodeSelectorTerm({ matchExpressions: [], matchFields: [] }, node)).toBe(false);
  });

  it('terms are ORed: one that holds is enough, and no terms match nothing', () => {
    const never: NodeSelectorTerm = { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] };
    const byName: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] };
    expect(matchesNodeSelectorTerms([never, byName], node)).toBe(true);
    expect(matchesNodeSelectorTerms([never, {}], node)).toBe(false);
    expect(matchesNodeSelectorTerms([], node)).toBe(false);
  });
});

describe('NodeAffinity', () => {
  const nodes = [makeNode('a1', { labels: { zone: 'a', disk: 'ssd' } }), makeNode('a2', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b', disk: 'ssd' } })];

  it('filters by the nodeSelector AND the required terms', () => {
    const pod = makePod('p', { nodeSelector: { disk: 'ssd' }, affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }) });
    expect(feasibleNames(pod, nodes)).toEqual(['a1']);
    const result = scheduleOne(affinityFramework(), makePod('q', { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['c'] }] }) }), new Snapshot(nodes));
    expect(result.condition.message).toBe("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
  });

  it('required affinity with an empty list of terms matches no node', () => {
    expect(feasibleNames(makePod('p', { affinity: required() }), nodes)).toEqual([]);
  });

  it('scores preferred terms by the sum of their weights, normalized so the best node gets 100', () => {
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 50, preference: {} },
          ],
        },
      },
    });
    const infos = nodes.map((n) => new NodeInfo(n));
    const framework = new Framework([], [new NodeAffinity()]);
    const state = new CycleState(infos);
    expect(framework.runPreScorePlugins(state, pod, infos).isSuccess()).toBe(true);
    expect(framework.runScorePlugins(state, pod, infos).map((s) => [s.name, s.totalScore])).toEqual([['a1', 100], ['a2', 25], ['b1', 75]]);
    expect(scheduleOne(affinityFramework(), pod, new Snapshot(nodes)).nodeName).toBe('a1');
  });

  it('PreScore skips a pod without preferred terms, so NodeAffinity does not score it', () => {
    const infos = nodes.map((n) => new NodeInfo(n));
    const state = new CycleState(infos);
    expect(new NodeAffinity().preScore(state, makePod('p')).code).toBe('Skip');
    expect(scheduleOne(affinityFramework(), makePod('q', { nodeSelector: { zone: 'b' } }), new Snapshot(nodes)).nodeName).toBe('b1');
  });

  it('PreScore also skips a pod with affinity to pods only, and a pod without a spec', () => {
    const state = new CycleState(nodes.map((n) => new NodeInfo(n)));
    const term = { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' };
    expect(new NodeAffinity().preScore(state, makePod('a', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } })).code).toBe('Skip');
    const bare: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'default' } };
    expect(new NodeAffinity().preScore(state, bare).code).toBe('Skip');
  });

  it('a pod whose preferred terms all weigh 0 is scored, not skipped, and every node gets 0 (upstream drops the terms, not the plugin)', () => {
    const infos = nodes.map((n) => new NodeInfo(n));
    const state = new CycleState(infos);
    const plugin = new NodeAffinity();
    const weightless = makePod('w', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } } });
    expect(plugin.preScore(state, weightless).code).toBe('Success');
    expect(infos.map((info) => plugin.score(state, weightless, info))).toEqual(infos.map(() => 0));
  });

  it('a Gt with a value that is not an integer leaves the pod unschedulable, with a message, never a crash', () => {
    const pod = makePod('p', { affinity: required({ matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['ten'] }] }) });
    const result = scheduleOne(affinityFramework(), pod, new Snapshot([makeNode('n', { labels: { tier: '10' } })]));
    expect(result.condition).toEqual({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector." });
  });
});

// ---- generators of expressions and terms over LABELS ----
const keyArb = fc.constantFrom(...(Object.keys(LABELS) as (keyof typeof LABELS)[]), 'gpu');
const valuesArb = fc.array(fc.constantFrom('a', 'b', 'ssd', 'hdd', '1', '2', '10', 'x'), { minLength: 1, maxLength: 3 });
const requirementArb: fc.Arbitrary<NodeSelectorRequirement> = fc.oneof(
  fc.record({ key: keyArb, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: valuesArb }),
  fc.record({ key: keyArb, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
  fc.record({ key: keyArb, operator: fc.constantFrom('Gt' as const, 'Lt' as const), values: fc.tuple(fc.constantFrom('0', '1', '5', '10', 'x')).map((v) => [...v]) }),
);
const termArb: fc.Arbitrary<NodeSelectorTerm> = fc.record({ matchExpressions: fc.array(requirementArb, { maxLength: 3 }) });
const labelledNodesArb = fc.array(labelsArb, { minLength: 1, maxLength: 6 }).map((list) => list.map((l, i) => makeNode(`node-${i}`, { labels: l })));

describe('properties', () => {
  test.prop([labelledNodesArb, keyArb, fc.constantFrom('a', 'b', 'ssd', '10', 'x')])('nodeSelector {k: v} selects the same nodes as a required term `k In [v]`', (nodes, key, value) => {
    const bySelector = feasibleNames(makePod('p', { nodeSelector: { [key]: value } }), nodes);
    const byTerm = feasibleNames(makePod('p', { affinity: required({ matchExpressions: [{ key, operator: 'In', values: [value] }] }) }), nodes);
    expect(byTerm).toEqual(bySelector);
    expect(byTerm).toEqual(names(nodes.filter((n) => n.metadata.labels![key] === value).map((n) => ({ name: n.metadata.name! }))));
  });

  test.prop([labelledNodesArb, fc.array(termArb, { minLength: 1, maxLength: 3 }), fc.func(fc.integer())])('reordering terms or the expressions in them changes nothing', (nodes, terms, order) => {
    const shuffle = <T>(items: readonly T[]): T[] => items.map((item, i) => ({ item, k: order(i, items.length) })).sort((a, b) => a.k - b.k).map((x) => x.item);
    const reordered = shuffle(terms).map((t) => ({ matchExpressions: shuffle(t.matchExpressions ?? []) }));
    const original = feasibleNames(makePod('p', { affinity: required(...terms) }), nodes);
    expect(feasibleNames(makePod('p', { affinity: required(...reordered) }), nodes)).toEqual(original);
    // and the filter agrees with the terms, node by node
    expect(original).toEqual(names(nodes.filter((n) => matchesNodeSelectorTerms(terms, n)).map((n) => ({ name: n.metadata.name! }))));
  });

  test.prop([fc.oneof(fc.constantFrom('x', '1.5', '', ' 1', '1e3', '0x10', 'ten'), fc.string()), fc.constantFrom('Gt' as const, 'Lt' as const), fc.integer({ min: -5, max: 20 })])(
    'Gt and Lt never match a label that is not an integer, nor with a negative bound (not a label value), and compare integers as numbers',
    (labelValue, operator, bound) => {
      fc.pre(!/^[+-]?\d+$/.test(labelValue));
      const requirement: NodeSelectorRequirement = { key: 'tier', operator, values: [String(bound)] };
      expect(matchesNodeSelectorRequirement(requirement, { tier: labelValue })).toBe(false);
      for (const number of [bound - 1, bound + 1]) {
        const holds = bound >= 0 && (operator === 'Gt' ? number > bound : number < bound);
        expect(matchesNodeSelectorRequirement(requirement, { tier: String(number) })).toBe(holds);
      }
    },
  );
});
