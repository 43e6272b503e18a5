/**
 * The two scores that spread pods by resources (kube-scheduler's
 * pkg/scheduler/framework/plugins/noderesources: `least_allocated.go` and `balanced_allocation.go`).
 *
 * Both look at the node as it would be with the pod on it, for CPU and memory (weight 1 each). A
 * pod that requests nothing counts, for scoring only, as 100m CPU and 200Mi memory
 * (`schedutil.DefaultMilliCPURequest`, `DefaultMemoryRequest`): otherwise a thousand pods without
 * requests would all land on one node that looks empty.
 *
 * @example
 * ```ts
 * // A node with 4 CPU and 8Gi; 1 CPU and 2Gi requested; the pod asks for 1 CPU and 2Gi:
 * // LeastAllocated: cpu (4000-2000)*100/4000 = 50, memory 50 -> 50
 * // BalancedAllocation: fractions 0.5 and 0.5, standard deviation 0 -> 100
 * ```
 */
import { NotImplemented, type Pod } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { ScorePlugin } from '../framework.ts';
import { MAX_NODE_SCORE } from '../status.ts';
import type { NodeInfo } from '../node-info.ts';
import { podRequests } from '../resources.ts';

/** What a pod that requests no CPU counts as, for scoring: 100m. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** What a pod that requests no memory counts as, for scoring: 200Mi. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** The resources both scores look at. */
const SCORED = ['cpu', 'memory'] as const;

/** Each pod's non-zero requests, computed once: a cycle scores hundreds of nodes, each with its pods. */
const nonZeroCache = new WeakMap<Pod, Record<(typeof SCORED)[number], number>>();

/** A pod's CPU and memory requests, with the defaults for a pod that asks for none. */
function nonZeroRequests(pod: Pod): Record<(typeof SCORED)[number], number> {
  let cached = nonZeroCache.get(pod);
  if (cached === undefined) {
    const requests = podRequests(pod);
    cached = { cpu: requests.cpu || DEFAULT_MILLI_CPU_REQUEST, memory: requests.memory || DEFAULT_MEMORY_REQUEST };
    nonZeroCache.set(pod, cached);
  }
  return cached;
}

/** For each scored resource: [what the node would have requested with the pod, its allocatable]. */
function usage(pod: Pod, nodeInfo: NodeInfo): [number, number][] {
  const pods = nonZeroRequests(pod);
  // The node's pods count with their defaults too, as upstream's NonZeroRequested does.
  let cpu = pods.cpu;
  let memory = pods.memory;
  for (const other of nodeInfo.pods) {
    const r = nonZeroRequests(other);
    cpu += r.cpu;
    memory += r.memory;
  }
  return [
    [cpu, nodeInfo.allocatable.cpu ?? 0],
    [memory, nodeInfo.allocatable.memory ?? 0],
  ];
}

/**
 * NodeResourcesFit's score with the LeastAllocated strategy: the share of each resource left free
 * with the pod on the node, times 100, averaged. Emptier nodes score higher, so pods spread.
 */
export class LeastAllocated implements ScorePlugin {
  /** Upstream, this is NodeResourcesFit's score (its default strategy), so it has that name and weight. */
  readonly name = 'NodeResourcesFit';

  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    // TODO(16): for each [requested, allocatable] of usage(pod, nodeInfo): 0 if allocatable is 0 or requested > allocatable,
    // TODO(16): else floor((allocatable - requested) * MAX_NODE_SCORE / allocatable); the score is floor(sum / 2).
    throw new NotImplemented('16', 'LeastAllocated.score');
  }
}

/**
 * NodeResourcesBalancedAllocation: nodes whose CPU and memory would be used in the same proportion
 * score higher: `(1 - standard deviation of the fractions) * 100`, each fraction capped at 1. It
 * keeps a node from running out of memory with most of its CPU idle.
 */
export class BalancedAllocation implements ScorePlugin {
  readonly name = 'NodeResourcesBalancedAllocation';

  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    // TODO(16): the fractions requested / allocatable from usage(pod, nodeInfo), each at most 1 (allocatable 0: 1);
    // TODO(16): floor((1 - their standard deviation) * MAX_NODE_SCORE).
    throw new NotImplemented('16', 'BalancedAllocation.score');
  }
}
