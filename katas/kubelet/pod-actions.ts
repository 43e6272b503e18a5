/**
 * What to do to make the runtime match a pod's spec: upstream's `computePodActions`
 * (`pkg/kubelet/kuberuntime/kuberuntime_manager.go`), with the rules it uses —
 * `ShouldContainerBeRestarted` (`pkg/kubelet/container/helpers.go`), `findNextInitContainerToRun`
 * and `PodSandboxChanged` (`pkg/kubelet/runtime/util.go`).
 *
 * The answer is a plan, not an action: the kubelet's sync carries it out (kill, create the
 * sandbox, start), so the rules can be read and tested on their own.
 *
 * @example A pod with an init container, on a node that has nothing of it yet
 * ```ts
 * computePodActions(pod, { uid, sandboxes: [], containers: [] });
 * // { createSandbox: true, attempt: 0, killPod: true, nextInitContainerToStart: init-db, containersToStart: [], ... }
 * ```
 */
import { NotImplemented, type Container, type Pod } from '@kube/kit';
import type { ContainerStatus as CriContainerStatus } from '@kube/runtime';
import type { RuntimePod } from './runtime-pod.ts';

/** A running container to stop, and why (the `Killing` event's message). */
export interface ContainerToKill {
  id: string;
  name: string;
  /** `"Container web failed liveness probe, will be restarted"` */
  message: string;
  /** set when a probe asked for it, or when the runtime does not know the container's state */
  reason?: 'LivenessProbe' | 'StartupProbe' | 'Unknown';
}

/** The plan for one sync of one pod. */
export interface PodActions {
  /** stop every container and the sandbox (before making a new sandbox, or because nothing should run) */
  killPod: boolean;
  /** make a new sandbox (none yet, or the newest one is not ready) */
  createSandbox: boolean;
  /** the sandbox to use (or the one being replaced), `''` when there is none */
  sandboxId: string;
  /** the new sandbox's attempt: 0 for the first, the newest one's + 1 after */
  attempt: number;
  /** the init container to start next, one at a time, in order */
  nextInitContainerToStart?: Container;
  /** indexes in `spec.containers` of the containers to start, in order */
  containersToStart: number[];
  /** indexes in `spec.ephemeralContainers` of the ephemeral containers to start (`kubectl debug`), in order */
  ephemeralContainersToStart: number[];
  containersToKill: ContainerToKill[];
}

/** What the probes say about a running container (kata 24): `'Failure'` asks for a restart. */
export interface ProbeVerdicts {
  liveness(containerId: string): 'Success' | 'Failure' | undefined;
  startup(containerId: string): 'Success' | 'Failure' | undefined;
}

/** Restarts are allowed after a failure unless the policy is Never. */
export function shouldRestartOnFailure(pod: Pod): boolean {
  return (pod.spec?.restartPolicy ?? 'Always') !== 'Never';
}

/**
 * Should this container (not running now) be started (again)? Never for a pod being deleted;
 * yes when it never ran (no container in the runtime) or was only created; for an exited one,
 * by the restart policy: Always yes, OnFailure only after a non-zero exit, Never no.
 */
export function shouldContainerBeRestarted(container: Container, pod: Pod, runtimePod: RuntimePod): boolean {
  // TODO(23): deleted: no; never ran, created or unknown: yes; running: no; exited: by the restart policy (newestContainer helps).
  throw new NotImplemented('23', 'shouldContainerBeRestarted');
}

/**
 * The sandbox question (PodSandboxChanged): none yet → create attempt 0; the newest is not ready,
 * has no IP, or more than one is ready → create with the newest's attempt + 1; else keep it.
 */
export function podSandboxChanged(runtimePod: RuntimePod): { changed: boolean; attempt: number; sandboxId: string } {
  // TODO(23): look at runtimePod.sandboxes (newest first) as the comment says.
  throw new NotImplemented('23', 'podSandboxChanged');
}

/**
 * Where initialization stands (findNextInitContainerToRun): `done` when there are no init
 * containers, a regular container runs, or the last init container exited with 0; otherwise the
 * `next` init container to start — the last failed one (with its `failed` status), else the one
 * after the last that succeeded, else the first — or none while one is running.
 */
export function findNextInitContainerToRun(pod: Pod, runtimePod: RuntimePod): { done: boolean; next?: Container; failed?: CriContainerStatus } {
  // TODO(23): the rules above, in that order: done, the last failed one, the one after the last that exited, the first.
  throw new NotImplemented('23', 'findNextInitContainerToRun');
}

/**
 * The ephemeral containers to start (their indexes in `spec.ephemeralContainers`): those the
 * runtime has no run of. An ephemeral container runs once: whether it exited or was killed, it is
 * never started again, whatever the restart policy.
 */
export function ephemeralContainersToStart(pod: Pod, runtimePod: RuntimePod): number[] {
  // TODO(23): the indexes of the ephemeral containers newestContainer knows nothing of.
  throw new NotImplemented('23', 'ephemeralContainersToStart');
}

/**
 * The plan for one sync (computePodActions), in upstream's order:
 * 1. **a new sandbox** is needed (see {@link podSandboxChanged}): kill whatever is left and start
 *    over — unless the policy is Never and the pod already ran (attempt > 0 with containers:
 *    nothing more to do, just kill), or there is nothing to start (every container succeeded
 *    under OnFailure and initialization is done). Start from the first init container if there
 *    are any, else every container (under OnFailure, those that have not succeeded);
 * 2. **ephemeral containers** never run: start them ({@link ephemeralContainersToStart}), even
 *    while initialization goes on (they are for looking at a pod that may be stuck there);
 * 3. **initialization** not done: start the next init container; a failed one under Never
 *    kills the pod instead. Regular containers wait;
 * 4. **each regular container**: not running → start it if {@link shouldContainerBeRestarted},
 *    and one in an unknown state (it may still run) is killed first, reason `Unknown`:
 *    `Container is in "unknown" state, try killing it before restart`;
 *    running but its liveness (or startup) probe failed → kill it with
 *    `"Container <name> failed liveness probe"` and, unless the policy is Never, start it again
 *    (`", will be restarted"` added to the message); running and fine → keep it;
 * 5. nothing kept and nothing to start → kill the pod (and start no ephemeral container in it).
 */
export function computePodActions(pod: Pod, runtimePod: RuntimePod, probes?: ProbeVerdicts): PodActions {
  // TODO(23): the five steps above. Ask `probes` about a running container only when it has that probe.
  throw new NotImplemented('23', 'computePodActions');
}
