/**
 * NodeResourcesFit: a pod goes only where its requests fit in what is left of the node's
 * allocatable resources, and where one more pod is allowed.
 * Upstream: pkg/scheduler/framework/plugins/noderesources/fit.go (fitsRequest).
 *
 * @example
 * ```ts
 * // node: allocatable cpu 2 (2000m), pods 110; already requested 1500m.
 * // a pod requesting 600m: Unschedulable, "Insufficient cpu" (600 > 2000 - 1500)
 * // a pod requesting 500m: Success
 * ```
 */
import { NotImplemented, isNotImplemented, type Pod } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin, PreFilterPlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { podRequests, type ResourceAmounts } from '../resources.ts';
import { Status } from '../status.ts';

/** Where PreFilter leaves the pod's requests for Filter. */
const PRE_FILTER_STATE_KEY = 'PreFilterNodeResourcesFit';

/** The reason a node full of pods gives. */
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';

/** The reason a node whose allocatable resources could not be parsed gives. */
export const ERR_REASON_INVALID_ALLOCATABLE = 'node(s) had invalid allocatable resources';

/** The reason for a resource that does not fit: `"Insufficient cpu"`. */
export function insufficient(resource: string): string {
  return `Insufficient ${resource}`;
}

/** What PreFilter computes once per pod. */
export interface ResourcesFitState {
  /** the pod's requests ({@link podRequests}) */
  requests: ResourceAmounts;
  /**
   * the resources the pod requests more than 0 of, in the order Filter reports them: cpu,
   * memory, ephemeral-storage, then the others in alphabetical order
   */
  requested: string[];
}

const FIRST = ['cpu', 'memory', 'ephemeral-storage'];

/** Filters out the nodes the pod's requests do not fit on. */
export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin {
  readonly name = 'NodeResourcesFit';

  /**
   * Computes the pod's requests once and writes a {@link ResourcesFitState} under
   * the cycle state key `PRE_FILTER_STATE_KEY`.
   *
   * @returns Success; UnschedulableAndUnresolvable `invalid resource requests: <error message>`
   *   when a request does not parse (the pod can fit nowhere)
   */
  preFilter(state: CycleState, pod: Pod): Status {
    // TODO(12): podRequests once (a throw → Status.unresolvable("invalid resource requests: " + message)); write { requests, requested } to the state.
    throw new NotImplemented('12', 'NodeResourcesFit.preFilter');
  }

  /**
   * - a node with {@link NodeInfo.invalid} allocatable: UnschedulableAndUnresolvable,
   *   {@link ERR_REASON_INVALID_ALLOCATABLE};
   * - otherwise Unschedulable with every reason that applies, in this order:
   *   {@link ERR_REASON_TOO_MANY_PODS} when the node's pods + 1 exceed `allowedPodNumber`, then
   *   `"Insufficient <resource>"` for each requested resource (in {@link ResourcesFitState.requested}
   *   order) whose request exceeds allocatable - requested (a resource the node does not list
   *   has 0 allocatable);
   * - Success when there is no reason.
   */
  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    // TODO(12): invalid node → ERR_REASON_INVALID_ALLOCATABLE; else "Too many pods", then "Insufficient <r>" for each requested r that exceeds allocatable - requested.
    throw new NotImplemented('12', 'NodeResourcesFit.filter');
  }
}
