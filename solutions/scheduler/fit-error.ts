/**
 * Why a pod fits nowhere, in the one line `kubectl describe pod` shows under Events:
 *
 * ```
 * 0/5 nodes are available: 2 Insufficient cpu, 3 node(s) were unschedulable.
 * ```
 *
 * kube-scheduler builds it in framework.FitError.Error() (pkg/scheduler/framework/types.go) from
 * the **diagnosis** of the cycle: the status every node got from the filters.
 *
 * @example
 * ```ts
 * const diagnosis: Diagnosis = {
 *   nodeToStatus: new Map([
 *     ['node-1', Status.unschedulable('Insufficient cpu')],
 *     ['node-2', Status.unschedulable('Insufficient cpu', 'Insufficient memory')],
 *   ]),
 *   unschedulablePlugins: new Set(['NodeResourcesFit']),
 * };
 * fitErrorMessage(2, diagnosis); // "0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu."
 * ```
 */
import type { Pod } from '@kube/kit';
import type { Status } from './status.ts';

/** What kube-scheduler says when the snapshot has no node at all (ErrNoNodesAvailable). */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/** What the filters said about each node that turned the pod away. */
export interface Diagnosis {
  /** node name → the status that rejected it (only rejected nodes are here) */
  nodeToStatus: Map<string, Status>;
  /** the names of the plugins that rejected the pod somewhere */
  unschedulablePlugins: Set<string>;
  /** the message of the PreFilter plugin that rejected the pod outright, if one did */
  preFilterMsg?: string;
  /** what the PostFilter (preemption) said after the filters, if anything (the scheduler sets it: preemption.ts) */
  postFilterMsg?: string;
}

/**
 * The message of a FitError (framework.FitError.Error), built in this order:
 * 1. `"0/N nodes are available:"` where N is `numAllNodes`;
 * 2. when a PreFilter plugin rejected the pod (`diagnosis.preFilterMsg`): a space, that message and
 *    a period, and nothing from the nodes (each of them carries the same status: saying it N
 *    times would add nothing);
 * 3. otherwise: every reason of every node's status, **counted** over the nodes, each written
 *    `"<count> <reason>"`, these strings **sorted** (as strings: `"10 x"` sorts before `"2 y"`, as
 *    in Go's sort.Strings), joined with `", "`, after a space and followed by a period. No reasons
 *    at all: nothing is added.
 *
 * @example
 * ```ts
 * // 2 nodes said "Insufficient cpu", 3 "node(s) were unschedulable":
 * "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) were unschedulable."
 * // a PreFilter rejected the pod:
 * "0/3 nodes are available: invalid resource requests: ..."
 * ```
 */
export function fitErrorMessage(numAllNodes: number, diagnosis: Diagnosis): string {
  let message = `0/${numAllNodes} nodes are available:`;
  if (diagnosis.preFilterMsg) return `${message} ${diagnosis.preFilterMsg}.`;
  const counts = new Map<string, number>();
  for (const status of diagnosis.nodeToStatus.values()) {
    for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const histogram = [...counts].map(([reason, count]) => `${count} ${reason}`);
  // sort() without a comparator compares code units, like Go's sort.Strings: the counts are part of the strings.
  histogram.sort();
  if (histogram.length > 0) message += ` ${histogram.join(', ')}.`;
  return message;
}

/**
 * The error of a cycle in which no node fits the pod; its message is {@link fitErrorMessage}'s,
 * then the PostFilter's message and a period when there is one (upstream's FitError.Error()).
 */
export class FitError extends Error {
  override readonly name = 'FitError';

  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super(fitErrorMessage(numAllNodes, diagnosis) + (diagnosis.postFilterMsg ? ` ${diagnosis.postFilterMsg}.` : ''));
  }
}
