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
import type { ContainerStatus, PodCondition, PodPhase, PodSpec } from '@kube/kit';

/** The status of the container called `name`, if there is one. */
function statusOf(statuses: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** Has some regular container (not an init container) run: running or terminated? */
export function hasAnyRegularContainerStarted(spec: PodSpec, statuses: readonly ContainerStatus[]): boolean {
  const names = new Set(spec.containers.map((c) => c.name));
  return statuses.some((s) => names.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined));
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
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const container of spec.initContainers ?? []) {
    const status = statusOf(statuses, container.name);
    const state = status?.state;
    if (!status || state?.running) pendingInitialization++;
    else if (state?.terminated) {
      if (state.terminated.exitCode !== 0) failedInitialization++;
    } else if (state?.waiting) {
      const last = status.lastState?.terminated;
      if (last) {
        if (last.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const container of spec.containers) {
    const status = statusOf(statuses, container.name);
    const state = status?.state;
    if (!status) unknown++;
    else if (state?.running) running++;
    else if (state?.terminated) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if (state?.waiting) {
      // Waiting after a run is a container being restarted: it counts as stopped.
      if (status.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !hasAnyRegularContainerStarted(spec, statuses)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    // A terminal pod's containers will not be restarted, whatever its restart policy.
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running'; // OnFailure: the failed ones are being restarted
  }
  return 'Pending';
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
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of spec.initContainers ?? []) {
    const status = statusOf(statuses, c.name);
    if (!status) unknown.push(c.name);
    else if (status.state?.terminated?.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (hasAnyRegularContainerStarted(spec, statuses)) return { type: 'Initialized', status: 'True' };
  const messages = [
    ...(unknown.length ? [`containers with unknown status: ${goList(unknown)}`] : []),
    ...(incomplete.length ? [`containers with incomplete status: ${goList(incomplete)}`] : []),
  ];
  if (messages.length === 0) return { type: 'Initialized', status: 'True' };
  return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: messages.join(', ') };
}

/**
 * `ContainersReady`: True when every regular container is ready; False with reason
 * `ContainersNotReady` and `containers with unready status: [web]` (and unknown ones) otherwise;
 * False with `PodCompleted` for a Succeeded pod and `PodFailed` for a Failed one.
 */
export function containersReadyCondition(spec: PodSpec, statuses: readonly ContainerStatus[], phase: PodPhase): PodCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of spec.containers) {
    const status = statusOf(statuses, c.name);
    if (!status) unknown.push(c.name);
    else if (!status.ready) unready.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const messages = [
    ...(unknown.length ? [`containers with unknown status: ${goList(unknown)}`] : []),
    ...(unready.length ? [`containers with unready status: ${goList(unready)}`] : []),
  ];
  if (messages.length === 0) return { type: 'ContainersReady', status: 'True' };
  return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
}

/**
 * The pod's conditions in upstream's order: PodReadyToStartContainers (its sandbox is up with an
 * IP), Initialized, Ready (as ContainersReady: no readiness gates here), ContainersReady,
 * PodScheduled (always True on a kubelet: it got the pod). Without lastTransitionTime: the
 * status writer keeps or sets those.
 */
export function podConditions(spec: PodSpec, statuses: readonly ContainerStatus[], phase: PodPhase, sandboxReady: boolean): PodCondition[] {
  const containersReady = containersReadyCondition(spec, statuses, phase);
  return [
    { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' },
    initializedCondition(spec, statuses, phase),
    { ...containersReady, type: 'Ready' },
    containersReady,
    { type: 'PodScheduled', status: 'True' },
  ];
}
