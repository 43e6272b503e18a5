/**
 * The status the kubelet writes to `pods/<name>/status`, from what the runtime has of the pod:
 * upstream's `generateAPIPodStatus` and `convertToAPIContainerStatuses`
 * (`pkg/kubelet/kubelet_pods.go`), with the status manager's rule that a terminal phase never
 * changes and its lastTransitionTime bookkeeping (`pkg/kubelet/status/status_manager.go`).
 *
 * @example A container in CrashLoopBackOff
 * ```ts
 * const status = generatePodStatus(pod, runtimePod, { reasons, now, hostIP: '127.0.0.1' });
 * status.containerStatuses[0];
 * // { name: 'app', restartCount: 2, ready: false, started: false,
 * //   state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=app pod=web_default(u1)' } },
 * //   lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt, finishedAt, containerID } }, ... }
 * ```
 */
import { NotImplemented, toRFC3339, type Container, type ContainerState, type ContainerStatus, type Pod, type PodCondition, type PodStatus } from '@kube/kit';
import type { ContainerStatus as CriContainerStatus } from '@kube/runtime';
import { shouldContainerBeRestarted } from './pod-actions.ts';
import { getPhase, podConditions } from './phase.ts';
import { newestContainer, podIP, type RuntimePod } from './runtime-pod.ts';

/** How container ids are written in the API: `kubekata://<id>` (containerd writes `containerd://<id>`). */
export const CONTAINER_ID_PREFIX = 'kubekata://';

/** Why a container could not be started on the last try: the waiting reason and message it shows. */
export interface StartFailure {
  /** `CrashLoopBackOff`, `ErrImagePull`, `ImagePullBackOff`, `CreateContainerError`, `CreateContainerConfigError`, `RunContainerError` */
  reason: string;
  message: string;
}

/** What, besides the runtime, the status is made of. */
export interface StatusInputs {
  /** the last start failure of each container, by name (upstream's reasonCache) */
  reasons: ReadonlyMap<string, StartFailure>;
  /** is the container ready? Default: running. (Readiness probes, kata 24.) */
  ready?: (container: Container, status: CriContainerStatus) => boolean;
  /** has it started? Default: running. (Startup probes, kata 24.) */
  started?: (container: Container, status: CriContainerStatus) => boolean;
  /** true once the pod is terminal: being deleted or done, so nothing restarts */
  podIsTerminal?: boolean;
  /** the node's IP */
  hostIP: string;
  /** now, epoch ms: startTime and lastTransitionTime */
  now: number;
}

/** The API state of one runtime container: running, terminated (with its exit), or waiting (created). */
function stateOf(c: CriContainerStatus): ContainerState {
  if (c.state === 'CONTAINER_RUNNING') return { running: { startedAt: toRFC3339(c.startedAt) } };
  if (c.state === 'CONTAINER_EXITED') {
    return {
      terminated: {
        exitCode: c.exitCode,
        reason: c.reason,
        ...(c.message ? { message: c.message } : {}),
        startedAt: toRFC3339(c.startedAt),
        finishedAt: toRFC3339(c.finishedAt),
        containerID: CONTAINER_ID_PREFIX + c.id,
      },
    };
  }
  return { waiting: {} }; // created, not started: waiting to run
}

/**
 * The API statuses of `containers` (the pod's init containers or its regular ones), in spec
 * order (convertToAPIContainerStatuses):
 * - a container the runtime has nothing of waits (`ContainerCreating`, or `PodInitializing` when
 *   the pod has init containers), keeping the restartCount and lastState it had in `old`; one
 *   whose old state was terminated keeps that whole status;
 * - otherwise its newest runtime container gives `state`, `restartCount` (its attempt),
 *   `containerID`, `imageID`; the one before gives `lastState` (an old one is not kept);
 * - a container that will be started again and whose last start failed shows that failure as
 *   `waiting` (reason and message), its terminated state moving to `lastState` (init containers
 *   that succeeded are left alone);
 * - `started` on every status, as upstream's prober manager writes it: false unless running (then
 *   by `inputs.started`); `ready`: for a regular container false unless running (then by
 *   `inputs.ready`), for an init container true exactly when it exited with 0 — a running init
 *   container is not ready (upstream's UpdatePodStatus, for init containers that are no sidecars).
 */
export function containerStatusesFor(pod: Pod, containers: readonly Container[], runtimePod: RuntimePod, old: readonly ContainerStatus[] | undefined, inputs: StatusInputs, isInit: boolean): ContainerStatus[] {
  // TODO(23): for each container: the default waiting status, or its newest runtime run (and lastState from the one before); ready and started on every one;
  // TODO(23): then the start failure as waiting, when it will be started again. Times with toRFC3339, ids with CONTAINER_ID_PREFIX.
  throw new NotImplemented('23', 'containerStatusesFor');
}

/**
 * Keeps each condition's lastTransitionTime from the old conditions while its status is the
 * same; a condition whose status changed (or is new) gets `now`.
 */
export function withTransitionTimes(conditions: PodCondition[], old: readonly PodCondition[] | undefined, now: number): PodCondition[] {
  return conditions.map((c) => {
    const before = old?.find((o) => o.type === c.type);
    return { ...c, lastTransitionTime: before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : toRFC3339(now) };
  });
}

/**
 * The condition types the kubelet owns and writes itself (upstream's kubetypes.PodConditionsByKubelet).
 * Any other — `DisruptionTarget` from an eviction, a readiness gate's, one a user set — belongs to
 * someone else.
 */
export const KUBELET_CONDITION_TYPES: readonly string[] = ['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers'];

/**
 * The conditions of the old status that are not the kubelet's, as they are: the status manager
 * keeps them, first, when it writes its own (mergePodStatus). Given code.
 *
 * @example `othersConditions([{ type: 'DisruptionTarget', status: 'True' }, { type: 'Ready', status: 'True' }])`
 *   → `[{ type: 'DisruptionTarget', status: 'True' }]`
 */
export function othersConditions(old: readonly PodCondition[] | undefined): PodCondition[] {
  return (old ?? []).filter((c) => !KUBELET_CONDITION_TYPES.includes(c.type)).map((c) => structuredClone(c));
}

/**
 * The statuses of the pod's ephemeral containers ({@link containerStatusesFor}, as for regular
 * containers), none of them ready and without `started`: upstream's prober manager writes those
 * for the regular and init containers only.
 */
export function ephemeralContainerStatusesFor(pod: Pod, runtimePod: RuntimePod, inputs: StatusInputs): ContainerStatus[] {
  const statuses = containerStatusesFor(pod, pod.spec?.ephemeralContainers ?? [], runtimePod, pod.status?.ephemeralContainerStatuses, { ...inputs, ready: () => false }, false);
  return statuses.map(({ started: _started, ...status }) => status);
}

/**
 * The pod's whole status (generateAPIPodStatus): phase ({@link getPhase} over init and regular
 * statuses; a phase already Succeeded or Failed in `pod.status` stays), conditions, hostIP and
 * hostIPs, podIP and podIPs (the sandbox's; the last known ones once it is stopped), startTime
 * (the first sync's, then kept), initContainerStatuses (only with init containers),
 * containerStatuses, and ephemeralContainerStatuses (only with ephemeral containers: the
 * statuses of {@link ephemeralContainerStatusesFor}, which count for neither phase nor
 * conditions). The conditions are {@link othersConditions} of the old status first, then the
 * kubelet's own.
 */
export function generatePodStatus(pod: Pod, runtimePod: RuntimePod, inputs: StatusInputs): PodStatus {
  // TODO(23): the three lists of statuses (ephemeralContainerStatusesFor is given), the phase (a terminal one stays), the conditions (othersConditions first, then yours through withTransitionTimes), the IPs and startTime.
  throw new NotImplemented('23', 'generatePodStatus');
}
