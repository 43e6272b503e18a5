/**
 * The whole cluster (Part VII). Import it as `@kube/cluster`.
 *
 * Kata 29: {@link startCluster} and {@link Cluster} (the start-up and shut-down order),
 * {@link bootstrapCluster} (the system namespaces and the `kubernetes` Service),
 * {@link SchedulerRunner} (kube-scheduler's loop on informers) and {@link ServiceProxy}
 * (kube-proxy's loop). Given: the options and the trace (cluster-api.ts), the control plane
 * (control-plane.ts), the nodes (node.ts, with container-stdin.ts for attach), the controller manager (controller-manager.ts), DNS
 * (dns.ts) and the kubeconfig (kubeconfig.ts).
 * @module
 */
export * from './cluster-api.ts';
export * from './control-plane.ts';
export * from './apiserver-identity.ts';
export * from './node.ts';
export * from './container-stdin.ts';
export * from './process-usage.ts';
export * from './metrics-server.ts';
export * from './runtime-overrides.ts';
export * from './controller-manager.ts';
export * from './dns.ts';
export * from './kubeconfig.ts';
export * from './bootstrap.ts';
export * from './scheduler-runner.ts';
export * from './scheduler-component.ts';
export * from './leadership.ts';
export * from './service-proxy.ts';
export * from './cluster.ts';
