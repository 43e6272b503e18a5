/**
 * The two scores that spread pods by resources (kube-scheduler's
 * pkg/scheduler/framework/plugins/noderesources: `least_allocated.go`, `balanced_allocation.go`
 * and `resource_allocation.go`, v1.32).
 *
 * Both look at the node as it would be with the pod on it, for CPU and memory (weight 1 each), and
 * leave out a resource the node has none of (allocatable 0). They differ in what they count:
 *
 * - **LeastAllocated** counts every container that does not say what it requests as asking for
 *   100m CPU and 200Mi memory (`schedutil.DefaultMilliCPURequest`, `DefaultMemoryRequest`),
 *   resource by resource, container by container: otherwise a thousand pods without requests
 *   would all land on one node that looks empty. A request written as `"0"` stays 0; a pod with
 *   three such containers counts three defaults; a pod with no containers, none.
 * - **BalancedAllocation** counts what is actually requested, without defaults, and has nothing
 *   to say about a pod that requests no CPU and no memory (its PreScore answers Skip: balancing
 *   nothing would pile best-effort pods onto one node, kubernetes#129138).
 *
 * @example
 * ```ts
 * // A node with 4 CPU and 8Gi; 1 CPU and 2Gi requested; the pod asks for 1 CPU and 2Gi:
 * // LeastAllocated: cpu (4000-2000)*100/4000 = 50, memory 50 -> 50
 * // BalancedAllocation: fractions 0.5 and 0.5, standard deviation 0 -> 100
 * ```
 */
import type { Container, Pod } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { PreScorePlugin, ScorePlugin } from '../framework.ts';
import { MAX_NODE_SCORE, Status } from '../status.ts';
import type { NodeInfo } from '../node-info.ts';
import { podRequests, toAmounts } from '../resources.ts';

/** What a container that does not say how much CPU it requests counts as, for LeastAllocated: 100m. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** What a container that does not say how much memory it requests counts as, for LeastAllocated: 200Mi. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** CPU (millicores) and memory (bytes): the two resources both scores look at. */
export interface ScoredResources {
  cpu: number;
  memory: number;
}

/** Each pod's requests with the defaults, computed once: a cycle scores hundreds of nodes, each with its pods. */
const nonZeroCache = new WeakMap<Pod, ScoredResources>();
/** Each pod's actual requests, computed once. */
const requestedCache = new WeakMap<Pod, ScoredResources>();

/** One container's CPU and memory requests, with the default for each one it leaves out. */
function containerNonZero(container: Container): ScoredResources {
  const written = container.resources?.requests ?? {};
  const amounts = toAmounts(written);
  return {
    cpu: 'cpu' in written ? amounts.cpu! : DEFAULT_MILLI_CPU_REQUEST,
    memory: 'memory' in written ? amounts.memory! : DEFAULT_MEMORY_REQUEST,
  };
}

/**
 * A pod's CPU and memory requests as LeastAllocated counts them (upstream's PodRequests with
 * `NonMissingContainerRequests`, and NodeInfo's `NonZeroRequested`): per container, a request
 * that is absent counts as the default; then the containers' sum, or the largest init container
 * if that is more. Given.
 *
 * @throws the apiserver's QuantityError when a request does not parse
 */
export function nonZeroRequests(pod: Pod): ScoredResources {
  let cached = nonZeroCache.get(pod);
  if (cached === undefined) {
    cached = { cpu: 0, memory: 0 };
    for (const container of pod.spec?.containers ?? []) {
      const r = containerNonZero(container);
      cached.cpu += r.cpu;
      cached.memory += r.memory;
    }
    for (const container of pod.spec?.initContainers ?? []) {
      const r = containerNonZero(container);
      cached.cpu = Math.max(cached.cpu, r.cpu);
      cached.memory = Math.max(cached.memory, r.memory);
    }
    nonZeroCache.set(pod, cached);
  }
  return cached;
}

/** A pod's actual CPU and memory requests ({@link podRequests}), 0 where it asks for none. Given. */
export function requestedResources(pod: Pod): ScoredResources {
  let cached = requestedCache.get(pod);
  if (cached === undefined) {
    const requests = podRequests(pod);
    cached = { cpu: requests.cpu ?? 0, memory: requests.memory ?? 0 };
    requestedCache.set(pod, cached);
  }
  return cached;
}

/**
 * For CPU and memory: [what the node would have requested with the pod, its allocatable], as
 * LeastAllocated counts requests ({@link nonZeroRequests}, for the pod and for every pod on the
 * node). Given.
 */
export function leastAllocatedUsage(pod: Pod, nodeInfo: NodeInfo): [number, number][] {
  const own = nonZeroRequests(pod);
  let cpu = own.cpu;
  let memory = own.memory;
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
 * For CPU and memory: [what the node would have requested with the pod, its allocatable], with
 * actual requests ({@link requestedResources}, and the node's `requested`). Given.
 */
export function balancedAllocationUsage(pod: Pod, nodeInfo: NodeInfo): [number, number][] {
  const own = requestedResources(pod);
  return [
    [(nodeInfo.requested.cpu ?? 0) + own.cpu, nodeInfo.allocatable.cpu ?? 0],
    [(nodeInfo.requested.memory ?? 0) + own.memory, nodeInfo.allocatable.memory ?? 0],
  ];
}

/**
 * NodeResourcesFit's score with the LeastAllocated strategy: the share of each resource left free
 * with the pod on the node, times 100, averaged over the resources the node has. Emptier nodes
 * score higher, so pods spread.
 */
export class LeastAllocated implements ScorePlugin {
  /** Upstream, this is NodeResourcesFit's score (its default strategy), so it has that name and weight. */
  readonly name = 'NodeResourcesFit';

  /**
   * For each resource with allocatable > 0: `floor((allocatable - requested) * 100 / allocatable)`,
   * or 0 when the pod would overfill it; the score is the floor of their average (0 when the node
   * has neither resource). Integer math, as upstream's int64.
   */
  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    let total = 0;
    let counted = 0;
    for (const [requested, allocatable] of leastAllocatedUsage(pod, nodeInfo)) {
      if (allocatable === 0) continue; // a resource the node has none of says nothing (resourceAllocationScorer)
      counted++;
      if (requested > allocatable) continue; // overfilled: 0
      total += Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
    }
    return counted === 0 ? 0 : Math.floor(total / counted);
  }
}

/**
 * NodeResourcesBalancedAllocation: nodes whose CPU and memory would be used in the same proportion
 * score higher: `(1 - standard deviation of the fractions) * 100`, each fraction capped at 1. It
 * keeps a node from running out of memory with most of its CPU idle.
 */
export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = 'NodeResourcesBalancedAllocation';

  /** Skip for a pod that requests no CPU and no memory (a best-effort pod): there is nothing to balance. */
  preScore(_state: CycleState, pod: Pod): Status {
    const { cpu, memory } = requestedResources(pod);
    return cpu === 0 && memory === 0 ? Status.skip() : Status.success();
  }

  /**
   * The fractions `min(1, requested / allocatable)` of the resources with allocatable > 0; their
   * standard deviation (0 for fewer than two); `floor((1 - deviation) * 100)`.
   */
  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const fractions: number[] = [];
    for (const [requested, allocatable] of balancedAllocationUsage(pod, nodeInfo)) {
      if (allocatable > 0) fractions.push(Math.min(1, requested / allocatable));
    }
    // balancedAllocationUsage counts CPU and memory only, so there are at most two fractions. For
    // two, upstream's shortcut: the same number on paper as the general formula, not always in
    // floating point, and the score is its floor.
    const deviation = fractions.length === 2 ? Math.abs((fractions[0]! - fractions[1]!) / 2) : 0;
    return Math.floor((1 - deviation) * MAX_NODE_SCORE);
  }
}
