/**
 * The final status of a pod the kubelet has terminated (given code, after upstream's status
 * manager `TerminatePod`, pkg/kubelet/status/status_manager.go). The status generated with
 * `podIsTerminal` says what the runtime saw; a container it never ran is still "waiting" there,
 * and a pod whose only container never started is still Pending. Upstream does not delete a pod
 * that is neither Succeeded nor Failed, so it ends them here:
 *
 * - once the pod has initialized (no init containers, or a regular container that ever left
 *   waiting, or the last init container exited 0), every container not terminated is
 *   terminated: exit code 137, reason `ContainerStatusUnknown`, "The container could not be
 *   located when the pod was terminated" — the kubelet does not know how it would have ended, so
 *   it never reports a success;
 * - every init container up to the last one that ever started, likewise;
 * - a phase Pending or Running becomes Failed.
 *
 * @example a pod deleted during ImagePullBackOff: `{ phase: 'Pending', containerStatuses: [{ name: 'web',
 * state: { waiting: { reason: 'ImagePullBackOff' } } }] }` → `{ phase: 'Failed', containerStatuses:
 * [{ name: 'web', state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: … } } }] }`
 */
import type { ContainerStatus, Pod, PodStatus } from '@kube/kit';

/** The reason of a container the kubelet could not find when the pod ended (upstream's ContainerReasonStatusUnknown). */
export const CONTAINER_STATUS_UNKNOWN = 'ContainerStatusUnknown';

/** `status` as the final one of `pod` (whose `status` is the API's): containers terminated and the phase terminal, as above. */
export function terminatedPodStatus(pod: Pod, status: PodStatus): PodStatus {
  const final = structuredClone(status);
  if (hasPodInitialized(pod)) final.containerStatuses = final.containerStatuses?.map(terminated);
  if (final.initContainerStatuses) {
    const started = initializedCount(final.initContainerStatuses);
    final.initContainerStatuses = final.initContainerStatuses.map((s, i) => (i < started ? terminated(s) : s));
  }
  if (final.phase !== 'Succeeded' && final.phase !== 'Failed') final.phase = 'Failed';
  return final;
}

/** A container status as terminated with 137, unless it already is. */
function terminated(status: ContainerStatus): ContainerStatus {
  if (status.state?.terminated) return status;
  return { ...status, state: { terminated: { exitCode: 137, reason: CONTAINER_STATUS_UNKNOWN, message: 'The container could not be located when the pod was terminated' } } };
}

/** Whether the pod, as the API has it, ever got past its init containers (upstream's hasPodInitialized). */
function hasPodInitialized(pod: Pod): boolean {
  const initContainers = pod.spec?.initContainers ?? [];
  if (initContainers.length === 0) return true;
  const everLeftWaiting = (s: ContainerStatus) => s.lastState?.terminated !== undefined || s.state?.waiting === undefined;
  if ((pod.status?.containerStatuses ?? []).some(everLeftWaiting)) return true;
  const lastInit = pod.status?.initContainerStatuses?.at(-1);
  return lastInit?.lastState?.terminated?.exitCode === 0 || lastInit?.state?.terminated?.exitCode === 0;
}

/**
 * How many init container statuses, from the first, have ever started: up to the last one that
 * left waiting or has a last run (upstream's initializedContainers); at least one.
 */
function initializedCount(statuses: readonly ContainerStatus[]): number {
  for (let i = statuses.length - 1; i >= 0; i--) {
    if (statuses[i]!.state?.waiting === undefined || statuses[i]!.lastState?.terminated !== undefined) return i + 1;
  }
  return Math.min(1, statuses.length);
}
