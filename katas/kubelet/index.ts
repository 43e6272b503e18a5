/**
 * The kubelet (Part V): the node agent that runs the pods bound to its node through the runtime
 * shim of kata 22. Import it as `@kube/kubelet`.
 *
 * - kata 23, pod sync: {@link Kubelet} (the watch, the workers, the sync, the status, graceful
 *   deletion), {@link PodWorkers}, {@link computePodActions}, {@link getPhase} and the
 *   conditions, {@link generatePodStatus}, {@link Backoff} (CrashLoopBackOff, ImagePullBackOff);
 * - kata 24, probes: {@link runProbe}, {@link ProbeWorker}, {@link ProbeManager};
 * - kata 25, the node agent: {@link NodeAgent} (registration, node status, the Lease),
 *   {@link nodeAllocatable}, {@link nodeConditions}, {@link readContainerLog},
 *   {@link Kubelet.adoptRuntimePods}; given: {@link KubeletServer} (logs and exec for the apiserver, exec's streams in
 *   {@link startStreamingExec}), {@link kubeletLogTimestamp} (the time before a log line);
 * - given: {@link readRuntimePod}, {@link EventRecorder}, {@link containerEnvironment} (env, envFrom,
 *   valueFrom, the Service variables and `$(NAME)`, which kata 29's nodes put around kata 22's
 *   containerConfigFor).
 * @module
 */
export * from './backoff.ts';
export * from './phase.ts';
export * from './runtime-pod.ts';
export * from './pod-actions.ts';
export * from './pod-status.ts';
export * from './terminated-status.ts';
export * from './events.ts';
export * from './pod-workers.ts';
export * from './prober.ts';
export * from './node-status.ts';
export * from './node-agent.ts';
export * from './container-logs.ts';
export * from './restart-count.ts';
export * from './kubelet.ts';
export * from './kubelet-server.ts';
export * from './stats-summary.ts';
export * from './exec-streams.ts';
export * from './container-environment.ts';
