/**
 * The Kubernetes API objects of the workbook, with Kubernetes' own field names and shapes, so that
 * manifests written for Kubernetes work unchanged, and `kubectl` and `@kubernetes/client-node`
 * can talk to the cluster you build.
 *
 * | file | what |
 * | --- | --- |
 * | `meta.ts` | ObjectMeta, KubeObject, List, WatchEvent, LabelSelector, Status, Quantity |
 * | `pod.ts` | Pod, PodSpec, Container, Probe, PodStatus, Binding |
 * | `scheduling.ts` | Affinity, Toleration, TopologySpreadConstraint |
 * | `node.ts` | Node, Taint |
 * | `namespace.ts` | Namespace |
 * | `component-status.ts` | ComponentStatus (computed when read) |
 * | `priority-class.ts` | PriorityClass |
 * | `config.ts` | ConfigMap, Secret, ServiceAccount |
 * | `service.ts` | Service, Endpoints |
 * | `discovery.ts` | EndpointSlice |
 * | `apps.ts` | ReplicaSet, Deployment, Scale, DaemonSet, StatefulSet, ControllerRevision |
 * | `batch.ts` | Job, CronJob |
 * | `policy.ts` | PodDisruptionBudget |
 * | `quota.ts` | LimitRange, ResourceQuota |
 * | `autoscaling.ts` | HorizontalPodAutoscaler (autoscaling/v2) |
 * | `networking.ts` | Ingress, IngressClass, NetworkPolicy |
 * | `replication-controller.ts` | ReplicationController |
 * | `certificates.ts` | CertificateSigningRequest |
 * | `node-runtime.ts` | RuntimeClass, PodTemplate |
 * | `apiextensions.ts` | CustomResourceDefinition, JSONSchemaProps |
 * | `apiregistration.ts` | APIService |
 * | `storage.ts` | PersistentVolume, PersistentVolumeClaim, StorageClass, CSIDriver, CSINode, VolumeAttachment, CSIStorageCapacity |
 * | `coordination.ts` | Lease |
 * | `events.ts` | Event |
 * | `helpers.ts` | objectKey, splitObjectKey, externallyAccessible |
 * | `openapi.ts` | openApiSchemas: the kinds' OpenAPI v3 schemas, for `kubectl explain`; knownFieldTypes: the fields the apiserver knows |
 *
 * **Why these types are written by hand, and checked against `kubernetes-types`.** The
 * `kubernetes-types` package, generated from Kubernetes' OpenAPI document, is complete and exact:
 * every field of every kind, each with upstream's long description, and every enum typed as
 * `string`. A learner looking up `PodSpec` there meets fifty fields, most of which no kata touches.
 * The types here keep only the fields the workbook uses, say in a line what each one is for (and
 * which kata gives it meaning), and narrow strings to their real values (`TaintEffect`,
 * `PodPhase`), so the editor completes them and the compiler catches a typo in a value. They are
 * not trusted blindly: `test/kit/api-compat.test.ts` checks at compile time, field by field, that
 * each of them agrees with its `kubernetes-types` counterpart (no field upstream lacks, the same
 * shapes, the same required fields, nothing narrower than upstream except the string enums), so
 * `tsc` fails the day a field is misspelt or a shape drifts.
 * @module
 */
export * from './meta.ts';
export * from './pod.ts';
export * from './scheduling.ts';
export * from './node.ts';
export * from './namespace.ts';
export * from './component-status.ts';
export * from './priority-class.ts';
export * from './config.ts';
export * from './service.ts';
export * from './discovery.ts';
export * from './apps.ts';
export * from './batch.ts';
export * from './policy.ts';
export * from './quota.ts';
export * from './autoscaling.ts';
export * from './networking.ts';
export * from './replication-controller.ts';
export * from './storage.ts';
export * from './certificates.ts';
export * from './node-runtime.ts';
export * from './apiextensions.ts';
export * from './apiregistration.ts';
export * from './coordination.ts';
export * from './rbac.ts';
export * from './events.ts';
export * from './helpers.ts';
export * from './openapi.ts';
