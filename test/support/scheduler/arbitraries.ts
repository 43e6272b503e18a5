/**
 * Generated nodes and pods for the scheduler's properties. Values come from small sets, so that
 * nodes fill up, labels collide and taints meet the tolerations that match them.
 */
import { fc } from '../prop.ts';
import type { Node, Pod, Taint, TaintEffect, Toleration } from '@kube/kit';
import { makeNode, makePod, type NodeOptions, type PodOptions } from './fixtures.ts';

/** Label keys and values the generated nodes and selectors share. */
export const LABELS = { zone: ['a', 'b', 'c'], disk: ['ssd', 'hdd'], tier: ['1', '2', '10', 'x'] } as const;

/** A few labels from {@link LABELS}. */
export const labelsArb: fc.Arbitrary<Record<string, string>> = fc.record(
  { zone: fc.constantFrom(...LABELS.zone), disk: fc.constantFrom(...LABELS.disk), tier: fc.constantFrom(...LABELS.tier) },
  { requiredKeys: [] },
);

export const cpuArb = fc.constantFrom('100m', '250m', '500m', '1', '1500m');
export const memoryArb = fc.constantFrom('64Mi', '128Mi', '512Mi', '1Gi');
export const effectArb: fc.Arbitrary<TaintEffect> = fc.constantFrom('NoSchedule', 'PreferNoSchedule', 'NoExecute');

/** Taints from a few keys and values, with every effect. */
export const taintArb: fc.Arbitrary<Taint> = fc.record({ key: fc.constantFrom('dedicated', 'gpu', 'spot'), value: fc.constantFrom('', 'a', 'b'), effect: effectArb }).map((t) => (t.value === '' ? { key: t.key, effect: t.effect } : t));

/** Tolerations over the same keys and values, with every operator and effect, absent fields included. */
export const tolerationArb: fc.Arbitrary<Toleration> = fc.record(
  {
    key: fc.constantFrom('', 'dedicated', 'gpu', 'spot'),
    operator: fc.constantFrom<Toleration['operator']>('Equal', 'Exists'),
    value: fc.constantFrom('', 'a', 'b'),
    effect: fc.constantFrom<Toleration['effect']>('', 'NoSchedule', 'PreferNoSchedule', 'NoExecute'),
  },
  { requiredKeys: [] },
);

/** Options of a small node: little cpu, memory and room for pods, some labels, sometimes cordoned. */
export const nodeOptionsArb: fc.Arbitrary<NodeOptions> = fc.record({
  cpu: fc.constantFrom('1', '2', '4'),
  memory: fc.constantFrom('512Mi', '1Gi', '2Gi'),
  pods: fc.constantFrom('1', '2', '3', '110'),
  labels: labelsArb,
  unschedulable: fc.boolean(),
});

/** 1 to `max` nodes named node-0, node-1, ... */
export function nodesArb(options: fc.Arbitrary<NodeOptions> = nodeOptionsArb, max = 6): fc.Arbitrary<Node[]> {
  return fc.array(options, { minLength: 1, maxLength: max }).map((list) => list.map((o, i) => makeNode(`node-${i}`, o)));
}

/** Options of a pod with requests (sometimes none) and sometimes a nodeSelector. */
export const podOptionsArb: fc.Arbitrary<PodOptions> = fc.record(
  { cpu: cpuArb, memory: memoryArb, nodeSelector: labelsArb },
  { requiredKeys: [] },
);

/** Up to `max` pods named pod-0, pod-1, ... */
export function podsArb(options: fc.Arbitrary<PodOptions> = podOptionsArb, max = 12): fc.Arbitrary<Pod[]> {
  return fc.array(options, { maxLength: max }).map((list) => list.map((o, i) => makePod(`pod-${i}`, o)));
}
