/**
 * The pod's phase and conditions, computed from its containers' statuses: what `kubectl get pods`
 * shows in STATUS and READY. Upstream: `pkg/kubelet/kubelet_pods.go` getPhase and
 * `pkg/kubelet/status/generate.go` (GeneratePodInitializedCondition, GenerateContainersReadyCondition,
 * GeneratePodReadyCondition, GeneratePodReadyToStartContainersCondition).
 *
 * @example
 * ```ts
 * const spec: PodSpec = { restartPolicy: 'Never', containers: [{ name: 'a' }, { name: 'b' }] };
 * getPhase(spec, [terminated('a', 0), running('b')], false);   // 'Running'
 * getPhase(spec, [terminated('a', 0), terminated('b', 1)], false); // 'Failed'
 * ```
 */
import { NotImplemented, type ContainerStatus, type PodCondition, type PodPhase, type PodSpec } from '@kube/kit';

/** The status of the container called `name`, if there is one. */
function statusOf(statuses: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** Has some regular container (not an init container) run: running or terminated? */
export function hasAnyRegularContainerStarted(spec: PodSpec, statuses: readonly ContainerStatus[]): boolean {
  // TODO(23): a status of a regular container (by name) that is running or terminated.
  throw new NotImplemented('23', 'hasAnyRegularContainerStarted');
}

/**
 * The pod's phase (getPhase), from the statuses of its init and regular containers (one list,
 * matched by name) and whether the pod is terminal (being deleted, or done, so that nothing will
 * be restarted whatever the restart policy).
 *
 * Init containers: one that runs, waits without having run, or has no status holds
 * initialization back (pending); one that terminated (or waits after terminating) with a
 * non-zero code failed it. Regular containers are counted running, waiting (never ran),
 * stopped (terminated, or waiting after a run: restarting), succeeded (terminated with 0) or
 * unknown (no status). Then, in order:
 *
 * | when | phase |
 * | --- | --- |
 * | an init container failed and restartPolicy is Never | Failed |
 * | initialization pending and no regular container has started, or some container waiting | Pending |
 * | some running and none unknown | Running |
 * | none running, some stopped, none unknown, pod terminal | Succeeded if all succeeded, else Failed |
 * | the same, not terminal, restartPolicy Always (default) | Running |
 * | the same, all succeeded | Succeeded |
 * | the same, restartPolicy Never (some failed) | Failed |
 * | the same, OnFailure (some failed, restarting) | Running |
 * | otherwise | Pending |
 */
export function getPhase(spec: PodSpec, statuses: readonly ContainerStatus[], podIsTerminal: boolean): PodPhase {
  // TODO(23): count the init containers (pending, failed) and the regular ones (running, waiting, stopped, succeeded, unknown),
  // TODO(23): then the table above, row by row.
  throw new NotImplemented('23', 'getPhase');
}

/** A Go-style list of names, as upstream's messages print them: `[a b]`. */
const goList = (names: string[]): string => `[${names.join(' ')}]`;

/**
 * `Initialized` (upstream's `GeneratePodInitializedCondition`, in its order): True with reason
 * `PodCompleted` for a Succeeded pod whose init containers all have a status (a pod without init
 * containers too); else True once a regular container has started, or when every init container
 * terminated with 0 (so without init containers); else False, reason `ContainersNotInitialized`,
 * message `containers with incomplete status: [init-a]` (and `containers with unknown status:
 * [...]` first, for those without a status).
 */
export function initializedCondition(spec: PodSpec, statuses: readonly ContainerStatus[], phase: PodPhase): PodCondition {
  // TODO(23): the init containers' unknown and incomplete names; then PodCompleted, a started regular container, or the messages.
  throw new NotImplemented('23', 'initializedCondition');
}

/**
 * `ContainersReady`: True when every regular container is ready; False with reason
 * `ContainersNotReady` and `containers with unready status: [web]` (and unknown ones) otherwise;
 * False with `PodCompleted` for a Succeeded pod and `PodFailed` for a Failed one.
 */
export function containersReadyCondition(spec: PodSpec, statuses: readonly ContainerStatus[], phase: PodPhase): PodCondition {
  // TODO(23): unknown and unready regular containers; PodCompleted / PodFailed for the terminal phases.
  throw new NotImplemented('23', 'containersReadyCondition');
}

/**
 * The pod's conditions in upstream's order: PodReadyToStartContainers (its sandbox is up with an
 * IP), Initialized, Ready (as ContainersReady: no readiness gates here), ContainersReady,
 * PodScheduled (always True on a kubelet: it got the pod). Without lastTransitionTime: the
 * status writer keeps or sets those.
 */
export function podConditions(spec: PodSpec, statuses: readonly ContainerStatus[], phase: PodPhase, sandboxReady: boolean): PodCondition[] {
  // TODO(23): the five conditions, in this order; Ready copies ContainersReady's status, reason and message.
  throw new NotImplemented('23', 'podConditions');
}
