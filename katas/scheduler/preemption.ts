/**
 * What kube-scheduler's DefaultPreemption plugin says of a pod that fits nowhere
 * (pkg/scheduler/framework/plugins/defaultpreemption and framework/preemption, v1.32): its PostFilter
 * runs after every failed cycle, and its answer ends the FailedScheduling message that `kubectl
 * describe pod` shows:
 *
 * ```
 * 0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..
 * ```
 *
 * (The two periods are upstream's: the PostFilter's message ends with one, and FitError adds its own.)
 *
 * Per node the filters turned the pod away from: a rejection no eviction can undo
 * (UnschedulableAndUnresolvable: a taint, a selector, a missing label) is `Preemption is not helpful
 * for scheduling`; another one (Unschedulable: too little cpu, too many pods) on a node where no
 * pod has a lower priority than the incoming one is `No preemption victims found for incoming pod`.
 * A pod with `preemptionPolicy: Never` is `not eligible due to preemptionPolicy=Never.`
 *
 * After a PreFilter rejection every node carries the PreFilter's status (v1.32's
 * `SetAbsentNodesStatus`), and preemption counts them as it counts the filters' rejections:
 * `0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes
 * are available: 2 Preemption is not helpful for scheduling..`
 *
 * Given code. The workbook does not preempt (kata 16): where preemption could find victims — a
 * node holding a pod of lower priority — it says nothing, rather than what it did not try.
 */
import type { Pod } from '@kube/kit';
import type { Diagnosis } from './fit-error.ts';
import type { NodeInfo } from './node-info.ts';

/** Why a node cannot be helped by evicting anyone. */
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
/** Why a node could be, but holds no pod of lower priority. */
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';

/**
 * The PostFilter message for a pod no node fits (`diagnosis` of that cycle over `nodes`), or
 * undefined when this workbook cannot say what preemption would have done.
 *
 * @example
 * ```ts
 * // 2 nodes tainted, 1 full of pods of the same priority:
 * postFilterMessage(pod, nodes, diagnosis);
 * // 'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.'
 * ```
 */
export function postFilterMessage(pod: Pod, nodes: readonly NodeInfo[], diagnosis: Diagnosis): string | undefined {
  if (pod.spec?.preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const priority = pod.spec?.priority ?? 0;
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const status = diagnosis.nodeToStatus.get(node.name);
    if (status === undefined) continue;
    let reason: string;
    if (status.code === 'UnschedulableAndUnresolvable') reason = PREEMPTION_NOT_HELPFUL;
    else if (node.pods.some((p) => (p.spec?.priority ?? 0) < priority)) return undefined; // real preemption would try these
    else reason = NO_PREEMPTION_VICTIMS;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  // As FitError counts reasons: "<count> <reason>", sorted as strings, joined with ", ".
  const reasons = [...counts].map(([reason, count]) => `${count} ${reason}`).sort();
  if (reasons.length === 0) return undefined;
  return `preemption: 0/${nodes.length} nodes are available: ${reasons.join(', ')}.`;
}
