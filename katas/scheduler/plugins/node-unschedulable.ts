/**
 * NodeUnschedulable: keeps pods off cordoned nodes (`kubectl cordon` sets
 * `spec.unschedulable: true`). Upstream: pkg/scheduler/framework/plugins/nodeunschedulable.
 *
 * A pod that tolerates the taint `node.kubernetes.io/unschedulable:NoSchedule` may still go there:
 * that is how DaemonSet pods land on every node, cordoned or not.
 */
import { NotImplemented, type Pod, type Taint } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { Status } from '../status.ts';
import { tolerationsTolerateTaint } from './taint-toleration.ts';

/** The reason a cordoned node gives (nodeunschedulable.ErrReasonUnschedulable). */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/** The taint a pod must tolerate to go onto a cordoned node (v1.TaintNodeUnschedulable). */
export const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** Filters out cordoned nodes. */
export class NodeUnschedulable implements FilterPlugin {
  readonly name = 'NodeUnschedulable';

  /**
   * Success unless the node has `spec.unschedulable: true`; then Success only if the pod has
   * tolerations and they tolerate {@link UNSCHEDULABLE_TAINT} (see taint-toleration.ts, kata 13);
   * else UnschedulableAndUnresolvable, {@link ERR_REASON_UNSCHEDULABLE}.
   */
  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    // TODO(12): Success unless node.spec.unschedulable; then only a pod whose tolerations tolerate UNSCHEDULABLE_TAINT passes (ask tolerationsTolerateTaint only when it has tolerations).
    throw new NotImplemented('12', 'NodeUnschedulable.filter');
  }
}
