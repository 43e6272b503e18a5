/**
 * The kube-apiserver (Part II). Import it as `@kube/apiserver`.
 *
 * Kata 07, the objects themselves:
 * - {@link Quantity}, {@link parseQuantity}, {@link QuantityError}: resource quantities;
 * - {@link StatusError} and its constructors ({@link notFound}, {@link alreadyExists},
 *   {@link conflict}, {@link invalid}, {@link badRequest}, ...): how the apiserver says no;
 * - field errors ({@link requiredField}, {@link invalidField}, ...) and the name rules
 *   ({@link isDNS1123Subdomain}, {@link isQualifiedName}, ...);
 * - validation: {@link validatePod}, {@link validateDeployment}, {@link validateService}, ...,
 *   {@link validateObject} (by kind) and {@link assertValid} (throws Invalid);
 * - defaulting: {@link defaultPod}, {@link defaultDeployment}, {@link defaultService}, ...,
 *   {@link applyDefaults} (by kind).
 *
 * Given beside them: {@link validatePodEnvironment} (env and envFrom), {@link validatePodDns}
 * (dnsPolicy and dnsConfig) and {@link validateSchedulingGates}, checked for Pods and pod
 * templates by the registry's resource types, and batch/v1 Jobs' defaults, generated selector and validation ({@link defaultJob},
 * {@link generateJobSelector}, {@link validateJob}), which the cluster's Job controller runs, and
 * apps/v1 DaemonSets' ({@link defaultDaemonSet}, {@link validateDaemonSet}, the template generation
 * {@link templateGenerationOf}), which its DaemonSet controller runs, StatefulSets'
 * ({@link defaultStatefulSet}, {@link validateStatefulSet}), which its StatefulSet controller runs, and policy/v1
 * PodDisruptionBudgets' ({@link validatePodDisruptionBudget}, {@link budgetSelects}), which its
 * disruption controller counts and evictions obey, and a namespace's budgets: LimitRanges
 * ({@link validateLimitRange}, the {@link LimitRanger} admission plugin) and ResourceQuotas
 * ({@link validateResourceQuota}, what an object costs: {@link quotaUsage}, the
 * {@link ResourceQuotaAdmission} plugin), which its resource quota controller counts, and
 * autoscaling/v2 HorizontalPodAutoscalers' ({@link defaultHorizontalPodAutoscaler},
 * {@link validateHorizontalPodAutoscaler}), which its horizontal pod autoscaler controller runs,
 * and networking.k8s.io/v1's Ingresses, IngressClasses and NetworkPolicies ({@link validateIngress},
 * {@link DefaultIngressClass}, {@link validateNetworkPolicy}), stored and checked, and storage:
 * PersistentVolumes, PersistentVolumeClaims and StorageClasses ({@link validatePersistentVolume},
 * {@link validatePersistentVolumeClaim}, {@link validateStorageClass}; the admission plugins
 * {@link DefaultStorageClass}, {@link StorageObjectInUseProtection},
 * {@link PersistentVolumeClaimResize}), which its persistent volume controller binds, and
 * certificates.k8s.io/v1 CertificateSigningRequests ({@link validateCertificateSigningRequest},
 * {@link CertificateApprovals}, {@link CertificateSigningRequestRequester}), which its control plane signs,
 * and apiextensions.k8s.io/v1 CustomResourceDefinitions ({@link validateCustomResourceDefinition}),
 * each served as a resource of its own once established ({@link serveCustomResources}, with its
 * schema at work: {@link validateAgainstSchema}).
 * @module
 */
export * from './quantity.ts';
export * from './status.ts';
export * from './field-errors.ts';
export * from './names.ts';
export * from './validation.ts';
export * from './defaulting.ts';
export * from './qos.ts';
export * from './selectors.ts'; export * from './resources.ts'; export * from './registry.ts'; export * from './client.ts'; // kata 08: the registry on the store
export * from './watch.ts';
export * from './continue-token.ts';
export * from './auth-api.ts';
export * from './authentication.ts';
export * from './rbac.ts';
export * from './rbac-objects.ts';
export * from './impersonation.ts';
export * from './service-account-tokens.ts';
export * from './ephemeral-containers.ts';
export * from './eviction.ts';
export * from './admission.ts';
export * from './request-info.ts';
export * from './field-validation.ts';
export * from './decode-types.ts';
export * from './volume-defaults.ts';
export * from './patch.ts';
export * from './strategic-merge.ts';
export * from './field-manager.ts';
export * from './zero-values.ts';
export * from './go-order.ts';
export * from './codec.ts';
export * from './protobuf.ts';
export * from './reviews.ts';
export * from './component-statuses.ts';
export * from './discovery.ts';
export * from './openapi-v2.ts';
export * from './secret-validation.ts';
export * from './table.ts';
export * from './api-handler.ts';
export * from './service-allocation.ts';
export * from './env-validation.ts';
export * from './dns-validation.ts';
export * from './scheduling-gates.ts';
export * from './priority-classes.ts';
export * from './job-strategy.ts';
export * from './int-or-percent.ts';
export * from './daemonset-strategy.ts';
export * from './statefulset-strategy.ts';
export * from './pdb-strategy.ts';
export * from './limit-range.ts';
export * from './resource-quota.ts';
export * from './resource-metrics.ts';
export * from './hpa-strategy.ts';
export * from './served-versions.ts';
export * from './networking-strategy.ts';
export * from './storage-strategy.ts';
export * from './storage-admission.ts';
export * from './volume-helpers.ts';
export * from './certificates.ts';
export * from './client-certificates.ts';
export * from './metrics.ts';
export * from './runtime-class.ts';
export * from './json-schema.ts';
export * from './crd-strategy.ts';
export * from './custom-resources.ts';
export * from './custom-resource-scale.ts';
export * from './computed-resources.ts';
export * from './api-services.ts';
export * from './api-priorities.ts';
export * from './replication-controller-strategy.ts';
export * from './cronjob-strategy.ts';
export * from './cron-schedule.ts';
export * from './http-server.ts';
export * from './http-client.ts';
