/**
 * Which node updates may let an unschedulable pod fit (kube-scheduler's
 * `NodeSchedulingPropertiesChange`, pkg/scheduler/framework/events.go): the scheduler moves its
 * unschedulable pods on such an update only. A kubelet posts its Node's status every 5 minutes
 * even when nothing changed but the heartbeat times; moving every unschedulable pod then would try
 * each of them again for nothing, and count one more FailedScheduling event.
 *
 * @example
 * ```ts
 * nodeSchedulingPropertiesChanged(node, { ...node, metadata: { ...node.metadata, labels: { disk: 'ssd' } } });  // true: a label
 * nodeSchedulingPropertiesChanged(node, withHeartbeat(node, later));                                             // false: only times moved
 * nodeSchedulingPropertiesChanged(cordoned, uncordoned);                                                         // true
 * nodeSchedulingPropertiesChanged(uncordoned, cordoned);                                                         // false: less room, not more
 * ```
 */
import { isDeepStrictEqual } from 'node:util';
import type { Node } from '@kube/kit';

/**
 * True when `after` differs from `before` in what scheduling reads: uncordoned
 * (`spec.unschedulable` no longer true; a cordon helps no pod), its allocatable, labels, taints,
 * annotations, or a condition's status (not its heartbeat or transition times).
 */
export function nodeSchedulingPropertiesChanged(before: Node, after: Node): boolean {
  const uncordoned = Boolean(before.spec?.unschedulable) && !after.spec?.unschedulable;
  return (
    uncordoned ||
    !isDeepStrictEqual(before.status?.allocatable ?? {}, after.status?.allocatable ?? {}) ||
    !isDeepStrictEqual(before.metadata.labels ?? {}, after.metadata.labels ?? {}) ||
    !isDeepStrictEqual(before.spec?.taints ?? [], after.spec?.taints ?? []) ||
    !isDeepStrictEqual(before.metadata.annotations ?? {}, after.metadata.annotations ?? {}) ||
    !isDeepStrictEqual(conditionStatuses(before), conditionStatuses(after))
  );
}

/** Each condition's status by its type: what is left of the conditions once the times are gone. */
function conditionStatuses(node: Node): Record<string, string> {
  return Object.fromEntries((node.status?.conditions ?? []).map((c) => [c.type, c.status]));
}
