/**
 * kube-scheduler (Part III). Import it as `@kube/scheduler`.
 *
 * - the framework: {@link Framework}, {@link Status}, {@link CycleState}, {@link NodeInfo} and
 *   {@link Snapshot}, {@link findFeasibleNodes} and {@link fitErrorMessage} (kata 12);
 * - the plugins: {@link NodeUnschedulable}, {@link NodeName}, {@link NodeResourcesFit} and the
 *   nodeSelector of {@link NodeAffinity} (kata 12); {@link TaintToleration} and scoring (kata 13);
 *   node affinity terms (kata 14); {@link InterPodAffinity} and {@link PodTopologySpread} (kata 15);
 * - placing pods: {@link scheduleOne}, {@link scheduleAll}, {@link defaultFramework} (given; the
 *   queue and the loop are kata 16).
 * @module
 */
export * from './status.ts';
export * from './cycle-state.ts';
export * from './resources.ts';
export * from './node-info.ts';
export * from './selectors.ts';
export * from './framework.ts';
export * from './normalize-score.ts';
export * from './fit-error.ts';
export * from './preemption.ts';
export * from './schedule.ts';
export * from './plugins/node-unschedulable.ts';
export * from './plugins/node-name.ts';
export * from './plugins/node-resources-fit.ts';
export * from './plugins/taint-toleration.ts';
export * from './plugins/node-affinity.ts';
export * from './plugins/topology.ts';
export * from './plugins/inter-pod-affinity.ts';
export * from './plugins/pod-topology-spread.ts';
export * from './plugins/volume-binding.ts';
export * from './plugins/node-ports.ts';
export * from './profile.ts';
export * from './select-host.ts';
export * from './scheduling-queue.ts';
export * from './scheduler.ts';
export * from './plugins/resource-scores.ts';
export * from './cache.ts';
export * from './node-changes.ts';
export * from './explanation.ts';
export * from './explain.ts';
