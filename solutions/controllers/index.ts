/**
 * The controllers (Part IV). Import them as `@kube/controllers`.
 *
 * Kata 17, the machinery every controller is made of (the shapes in informer-api.ts):
 * - {@link IndexedStore}: an informer's cache, by key and by index;
 * - {@link Reflector}: list, then watch, relisting with back-off when the watch cannot go on;
 * - {@link SharedIndexInformer}: a reflector, an indexer and event handlers, shared by
 *   controllers through a {@link SharedInformerFactory} (given);
 * - {@link WorkQueue}, {@link RateLimitingQueue}, the rate limiters and
 *   {@link processNextWorkItem}: the keys a controller still has to sync.
 *
 * Kata 18, the first controller: {@link ReplicaSetController}, with {@link ControllerExpectations},
 * {@link slowStartBatch}, {@link compareForDeletion} / {@link podsToDelete} and {@link calculateStatus}.
 *
 * Kata 19, rollouts: {@link DeploymentController} (one ReplicaSet per pod template, rolling updates
 * within maxSurge and maxUnavailable, Recreate, revisions, rollback, pause, the progress deadline),
 * with the arithmetic of deployment-util.ts ({@link computeHash}, {@link resolveFenceposts},
 * {@link newRSNewReplicas}, {@link calculateDeploymentStatus}, ...); controllers report what they
 * do to an {@link EventRecorder}.
 *
 * The controller manager (given): {@link ControllerManager} runs them all on one
 * {@link SharedInformerFactory}, with an {@link ApiEventRecorder} each, under a {@link LeaderElector}.
 *
 * Kata 20, nodes that die: {@link NodeLifecycleController} (lease heartbeats, Ready Unknown after
 * the grace period, the not-ready and unreachable NoExecute taints, rate limited per zone) and
 * {@link TaintEvictionController} (pods that do not tolerate a NoExecute taint are evicted, at once
 * or after their tolerationSeconds).
 *
 * Kata 21, keeping the cluster tidy: {@link EndpointsController} and {@link EndpointSliceController}
 * (the ready and not-ready pods behind each Service, named ports resolved per pod, slices of at most
 * 100), {@link NamespaceController} (a deleted namespace is emptied, then its `kubernetes` finalizer
 * removed) and {@link GarbageCollector} (ownerReferences: background, foreground and orphan deletion).
 *
 * Given, beyond the katas, for the cluster of kata 29: {@link ServiceAccountsController} (every
 * namespace's `default`), {@link RootCACertPublisher} (every namespace's `kube-root-ca.crt`),
 * {@link TokensController} (a `kubernetes.io/service-account-token` Secret filled with its token),
 * {@link TTLController} (every Node's `node.alpha.kubernetes.io/ttl`),
 * {@link JobController} (batch/v1 Jobs run to completion), {@link CronJobController} (Jobs made on
 * a schedule), {@link DaemonSetController} (a pod on every node, rolled node by node),
 * {@link StatefulSetController} (pods with stable names, made and replaced in order),
 * {@link DisruptionController} (each PodDisruptionBudget's allowed disruptions, which evictions
 * obey), {@link ResourceQuotaController} (what each ResourceQuota's namespace holds, which the
 * apiserver's ResourceQuota plugin checks creates against), {@link ReplicationManager} (each
 * ReplicationController's pods, made of kata 18's parts), {@link HorizontalPodAutoscalerController}
 * (each autoscaler's target kept within its bounds), {@link PersistentVolumeController} (claims
 * bound to volumes), {@link PVCProtectionController} and {@link PVProtectionController} (a claim a
 * pod mounts, a volume a claim holds, kept until they are free), {@link CertificateSigner}
 * (approved CertificateSigningRequests signed with the cluster's CA) and {@link PodGCController} (the
 * pods of deleted nodes force-deleted).
 * @module
 */
export * from './informer-api.ts';
export * from './store.ts';
export * from './reflector.ts';
export * from './informer.ts';
export * from './factory.ts';
export * from './rate-limiter.ts';
export * from './workqueue.ts';
export * from './replica-set.ts';
export * from './event-recorder.ts';
export * from './deployment-util.ts';
export * from './deployment.ts';
export * from './leader-election.ts';
export * from './controller-manager.ts';
export * from './controller-events.ts';
export * from './node-lifecycle.ts';
export * from './taint-eviction.ts';
export * from './endpoints.ts';
export * from './endpoint-slices.ts';
export * from './namespace.ts';
export * from './service-accounts.ts';
export * from './root-ca-publisher.ts';
export * from './tokens.ts';
export * from './ttl.ts';
export * from './pod-gc.ts';
export * from './garbage-collector.ts';
export * from './job.ts';
export * from './controller-revisions.ts';
export * from './daemonset.ts';
export * from './statefulset.ts';
export * from './disruption.ts';
export * from './resource-quota.ts';
export * from './horizontal-pod-autoscaler.ts';
export * from './replica-calculator.ts';
export * from './resource-metrics-client.ts';
export * from './scale-recommendations.ts';
export * from './replication-controller.ts';
export * from './persistent-volume.ts';
export * from './volume-protection.ts';
export * from './certificate-signer.ts';
export * from './custom-resource-definitions.ts';
export * from './clusterrole-aggregation.ts';
export * from './cronjob.ts';
