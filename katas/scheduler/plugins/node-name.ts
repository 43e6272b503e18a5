/**
 * NodeName: a pod that names its node (`spec.nodeName` set before scheduling) may go there and
 * nowhere else. Upstream: pkg/scheduler/framework/plugins/nodename.
 */
import { NotImplemented, type Pod } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { Status } from '../status.ts';

/** The reason every other node gives (nodename.ErrReason). */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** Filters out every node but the one the pod names. */
export class NodeName implements FilterPlugin {
  readonly name = 'NodeName';

  /**
   * Success when the pod names no node (`spec.nodeName` absent or `''`) or names this one; else
   * UnschedulableAndUnresolvable, {@link ERR_REASON_NODE_NAME}.
   */
  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    // TODO(12): Success when the pod names no node or this one; else Status.unresolvable(ERR_REASON_NODE_NAME).
    throw new NotImplemented('12', 'NodeName.filter');
  }
}
