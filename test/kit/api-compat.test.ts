/**
 * The kit's API types agree with the `kubernetes-types` package (generated from Kubernetes' own
 * OpenAPI document). The checks are types: `tsc --noEmit` (the first step of `npm test`) fails
 * with the path of the field that disagrees, e.g.
 *
 *   Type '"spec.containers[].nmae: not a field upstream"' does not satisfy the constraint 'true'.
 *
 * Each check walks the whole object, so `Agrees<kit.Pod, core.Pod>` also checks PodSpec,
 * Container, Probe, Affinity, ... For every field, at every depth:
 * - the field exists upstream (a misspelt name fails);
 * - our type is assignable to upstream's (a wrong shape fails);
 * - upstream's type is assignable to ours once our string enums are widened to `string` (we may
 *   narrow `string` to `'NoSchedule' | ...`, but never reject what upstream accepts, e.g. a named
 *   `targetPort`);
 * - it is required here exactly when it is required upstream (`metadata` excepted: the kit's
 *   objects always have it).
 * The runtime tests below only make sure vitest has something to run in this file.
 */
import { describe, expect, it } from 'vitest';
import type * as apps from 'kubernetes-types/apps/v1';
import type * as batch from 'kubernetes-types/batch/v1';
import type * as policy from 'kubernetes-types/policy/v1';
import type * as autoscaling from 'kubernetes-types/autoscaling/v1';
import type * as autoscalingV2 from 'kubernetes-types/autoscaling/v2';
import type * as networking from 'kubernetes-types/networking/v1';
import type * as storage from 'kubernetes-types/storage/v1';
import type * as certificates from 'kubernetes-types/certificates/v1';
import type * as nodeApi from 'kubernetes-types/node/v1';
import type * as apiextensions from 'kubernetes-types/apiextensions/v1';
import type * as coordination from 'kubernetes-types/coordination/v1';
import type * as scheduling from 'kubernetes-types/scheduling/v1';
import type * as core from 'kubernetes-types/core/v1';
import type * as discovery from 'kubernetes-types/discovery/v1';
import type * as meta from 'kubernetes-types/meta/v1';
import type * as rbac from 'kubernetes-types/rbac/v1';
import type * as kit from '@kube/kit';
import { objectKey } from '@kube/kit';

// ---------------------------------------------------------------------------------------------
// The checker.

/** Compiles only when T is `true`. */
type Assert<T extends true> = T;
/** true when A can stand where B is expected. */
type Extends<A, B> = [A] extends [B] ? true : false;
/** true when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type Join<P extends string, K extends string> = P extends '' ? K : `${P}.${K}`;
type IsRequired<T, K extends keyof T> = {} extends Pick<T, K> ? false : true;
/** T with every string literal type widened to `string`, at every depth. */
type Widen<T> = T extends string ? string : T extends readonly (infer E)[] ? Widen<E>[] : T extends object ? { [K in keyof T]: Widen<T[K]> } : T;

/** Every disagreement between Ours and Theirs, as `"path: what"` strings; never when they agree. */
type Disagreements<Ours, Theirs, P extends string = ''> = [Ours] extends [readonly (infer O)[]]
  ? [Theirs] extends [readonly (infer T)[]]
    ? Disagreements<NonNullable<O>, NonNullable<T>, `${P}[]`>
    : `${P}: a list here, not upstream`
  : [Ours] extends [object]
    ? [Theirs] extends [object]
      ? FieldDisagreements<Ours, Theirs, P>
      : `${P}: an object here, not upstream`
    : LeafDisagreements<Ours, Theirs, P>;

type FieldDisagreements<Ours, Theirs, P extends string> = {
  [K in (keyof Ours | keyof Theirs) & string]-?: K extends keyof Ours
    ? K extends keyof Theirs
      ?
          | (IsRequired<Ours, K> extends IsRequired<Theirs, K>
              ? never
              : IsRequired<Ours, K> extends true
                ? `${Join<P, K>}: required here, optional upstream`
                : `${Join<P, K>}: optional here, required upstream`)
          | Disagreements<NonNullable<Ours[K]>, NonNullable<Theirs[K]>, Join<P, K>>
      : `${Join<P, K>}: not a field upstream`
    : K extends keyof Theirs
      ? IsRequired<Theirs, K> extends true
        ? `${Join<P, K>}: required upstream, missing here`
        : never
      : never;
}[(keyof Ours | keyof Theirs) & string];

type LeafDisagreements<Ours, Theirs, P extends string> = [Ours] extends [Theirs]
  ? [Theirs] extends [Widen<Ours>]
    ? never
    : `${P}: narrower than upstream (rejects values upstream accepts)`
  : `${P}: not assignable to upstream's type`;

/**
 * true when Ours agrees with Theirs field by field; otherwise the disagreements, which tsc prints.
 * `Allowed` lists disagreements that are deliberate.
 */
type Agrees<Ours, Theirs, Allowed extends string = never> = [Exclude<Disagreements<Ours, Theirs>, Allowed>] extends [never]
  ? true
  : Exclude<Disagreements<Ours, Theirs>, Allowed>;

/** Deliberate: the kit's objects always have metadata (upstream's OpenAPI leaves it optional). */
type MetadataRequired<At extends string = 'metadata'> = `${At}: required here, optional upstream`;

// ---------------------------------------------------------------------------------------------
// The checker catches what it should (so the checks below are not vacuous).

export type CheckerSelfTest = [
  Assert<Equals<Agrees<{ nmae: string }, core.EnvVar>, 'nmae: not a field upstream' | 'name: required upstream, missing here'>>,
  Assert<Equals<Agrees<{ name?: string }, core.EnvVar>, 'name: optional here, required upstream'>>,
  Assert<Equals<Agrees<{ name: string; value: string }, core.EnvVar>, 'value: required here, optional upstream'>>,
  Assert<Equals<Agrees<{ port: number; targetPort?: number }, core.ServicePort>, 'targetPort: narrower than upstream (rejects values upstream accepts)'>>,
  Assert<Equals<Agrees<{ port: string }, core.ServicePort>, "port: not assignable to upstream's type">>,
  Assert<Equals<Agrees<{ containers: { name: string; ports?: { containerPort: number; protcol?: string }[] }[] }, core.PodSpec>, 'containers[].ports[].protcol: not a field upstream'>>,
  Assert<Equals<Agrees<{ effect: 'NoSchedule'; key: string }, core.Taint>, true>>,
  Assert<Equals<Agrees<{ metadata: kit.ObjectMeta }, core.Pod>, MetadataRequired>>,
  Assert<Equals<Agrees<{ metadata: kit.ObjectMeta }, core.Pod, MetadataRequired>, true>>,
];

// ---------------------------------------------------------------------------------------------
// The kit against kubernetes-types 1.30.

export type MetaAgrees = [
  Assert<Agrees<kit.ObjectMeta, meta.ObjectMeta>>,
  Assert<Agrees<kit.OwnerReference, meta.OwnerReference>>,
  Assert<Agrees<kit.ListMeta, meta.ListMeta>>,
  Assert<Agrees<kit.LabelSelector, meta.LabelSelector>>,
  Assert<Agrees<kit.ObjectReference, core.ObjectReference>>,
  Assert<Agrees<kit.Status, meta.Status>>,
  // upstream types a watch event's object as an opaque RawExtension: compare with a pod in it
  Assert<Agrees<kit.WatchEvent<kit.Pod>, Omit<meta.WatchEvent, 'object'> & { object: core.Pod }, MetadataRequired<'object.metadata'>>>,
  Assert<Agrees<kit.WatchEvent<kit.Status>, Omit<meta.WatchEvent, 'object'> & { object: meta.Status }>>,
  // a PodList is a List<Pod> whose kind is "PodList"
  Assert<Agrees<kit.List<kit.Pod> & { apiVersion?: 'v1'; kind?: 'PodList' }, core.PodList, MetadataRequired | MetadataRequired<'items[].metadata'>>>,
  Assert<Agrees<kit.List<kit.Node> & { apiVersion?: 'v1'; kind?: 'NodeList' }, core.NodeList, MetadataRequired | MetadataRequired<'items[].metadata'>>>,
];

export type CoreAgrees = [
  Assert<Agrees<kit.Pod, core.Pod, MetadataRequired>>,
  Assert<Agrees<kit.PodTemplateSpec, core.PodTemplateSpec>>,
  Assert<Agrees<kit.Binding, core.Binding, MetadataRequired>>,
  Assert<Agrees<kit.Node, core.Node, MetadataRequired>>,
  Assert<Agrees<kit.Namespace, core.Namespace, MetadataRequired>>,
  Assert<Agrees<kit.ComponentStatus, core.ComponentStatus, MetadataRequired>>,
  Assert<Agrees<kit.Service, core.Service, MetadataRequired>>,
  Assert<Agrees<kit.Endpoints, core.Endpoints, MetadataRequired>>,
  Assert<Agrees<kit.Event, core.Event>>,
  Assert<Agrees<kit.ConfigMap, core.ConfigMap, MetadataRequired>>,
  Assert<Agrees<kit.Secret, core.Secret, MetadataRequired>>,
  Assert<Agrees<kit.ServiceAccount, Omit<core.ServiceAccount, 'imagePullSecrets' | 'secrets'>, MetadataRequired>>,
  Assert<Agrees<kit.LimitRange, core.LimitRange, MetadataRequired>>,
  Assert<Agrees<kit.ReplicationController, core.ReplicationController, MetadataRequired>>,
  Assert<Agrees<kit.ResourceQuota, core.ResourceQuota, MetadataRequired>>,
];

export type OtherGroupsAgree = [
  Assert<Agrees<kit.EndpointSlice, discovery.EndpointSlice, MetadataRequired>>,
  Assert<Agrees<kit.ReplicaSet, apps.ReplicaSet, MetadataRequired>>,
  Assert<Agrees<kit.Deployment, apps.Deployment, MetadataRequired>>,
  Assert<Agrees<kit.Job, batch.Job, MetadataRequired>>,
  Assert<Agrees<kit.DaemonSet, apps.DaemonSet, MetadataRequired>>,
  // a claim template always has metadata too: its name is the volume's
  Assert<Agrees<kit.StatefulSet, apps.StatefulSet, MetadataRequired | MetadataRequired<'spec.volumeClaimTemplates[].metadata'>>>,
  Assert<Agrees<kit.PodDisruptionBudget, policy.PodDisruptionBudget, MetadataRequired>>,
  Assert<Agrees<kit.ControllerRevision, apps.ControllerRevision, MetadataRequired>>,
  Assert<Agrees<kit.CronJob, batch.CronJob, MetadataRequired>>,
  Assert<Agrees<kit.Scale, autoscaling.Scale, MetadataRequired>>,
  Assert<Agrees<kit.HorizontalPodAutoscaler, autoscalingV2.HorizontalPodAutoscaler, MetadataRequired>>,
  Assert<Agrees<kit.Ingress, networking.Ingress, MetadataRequired>>,
  Assert<Agrees<kit.IngressClass, networking.IngressClass, MetadataRequired>>,
  Assert<Agrees<kit.NetworkPolicy, networking.NetworkPolicy, MetadataRequired>>,
  Assert<Agrees<kit.PersistentVolume, core.PersistentVolume, MetadataRequired>>,
  Assert<Agrees<kit.PersistentVolumeClaim, core.PersistentVolumeClaim, MetadataRequired>>,
  Assert<Agrees<kit.StorageClass, storage.StorageClass, MetadataRequired>>,
  Assert<Agrees<kit.CSIDriver, storage.CSIDriver, MetadataRequired>>,
  Assert<Agrees<kit.CSINode, storage.CSINode, MetadataRequired>>,
  Assert<Agrees<kit.VolumeAttachment, storage.VolumeAttachment, MetadataRequired>>,
  Assert<Agrees<kit.CSIStorageCapacity, storage.CSIStorageCapacity, MetadataRequired>>,
  Assert<Agrees<kit.CertificateSigningRequest, certificates.CertificateSigningRequest, MetadataRequired>>,
  Assert<Agrees<kit.RuntimeClass, nodeApi.RuntimeClass, MetadataRequired>>,
  Assert<Agrees<kit.PodTemplate, core.PodTemplate, MetadataRequired>>,
  // a CustomResourceDefinition but for its schema: kubernetes-types' JSONSchemaProps lacks the x-kubernetes-* extensions
  Assert<Agrees<kit.CustomResourceDefinitionNames, apiextensions.CustomResourceDefinitionNames>>,
  Assert<Agrees<kit.CustomResourceColumnDefinition, apiextensions.CustomResourceColumnDefinition>>,
  Assert<Agrees<kit.CustomResourceSubresources, apiextensions.CustomResourceSubresources>>,
  Assert<Agrees<kit.CustomResourceDefinitionStatus, apiextensions.CustomResourceDefinitionStatus>>,
  Assert<Agrees<Omit<kit.CustomResourceDefinitionVersion, 'schema'>, Omit<apiextensions.CustomResourceDefinitionVersion, 'schema'>>>,
  Assert<Agrees<Omit<kit.JSONSchemaProps, `x-kubernetes-${string}` | 'properties' | 'items' | 'additionalProperties' | 'allOf' | 'anyOf' | 'oneOf' | 'not' | 'enum' | 'default' | 'example'>, Omit<apiextensions.JSONSchemaProps, 'properties' | 'items' | 'additionalProperties' | 'allOf' | 'anyOf' | 'oneOf' | 'not' | 'enum' | 'default' | 'example'>>>,
  Assert<Agrees<kit.Lease, coordination.Lease, MetadataRequired>>,
  Assert<Agrees<kit.PriorityClass, scheduling.PriorityClass, MetadataRequired>>,
  Assert<Agrees<kit.Role, rbac.Role, MetadataRequired>>,
  Assert<Agrees<kit.ClusterRole, rbac.ClusterRole, MetadataRequired>>,
  Assert<Agrees<kit.RoleBinding, rbac.RoleBinding, MetadataRequired>>,
  Assert<Agrees<kit.ClusterRoleBinding, rbac.ClusterRoleBinding, MetadataRequired>>,
];

/** Plain assignability, kind by kind: a kit object goes wherever a kubernetes-types one is expected. */
export type Assignable = [
  Assert<Extends<kit.Pod, core.Pod>>,
  Assert<Extends<kit.Node, core.Node>>,
  Assert<Extends<kit.Namespace, core.Namespace>>,
  Assert<Extends<kit.ComponentStatus, core.ComponentStatus>>,
  Assert<Extends<kit.Service, core.Service>>,
  Assert<Extends<kit.Endpoints, core.Endpoints>>,
  Assert<Extends<kit.EndpointSlice, discovery.EndpointSlice>>,
  Assert<Extends<kit.Binding, core.Binding>>,
  Assert<Extends<kit.Event, core.Event>>,
  Assert<Extends<kit.LimitRange, core.LimitRange>>,
  Assert<Extends<kit.ReplicationController, core.ReplicationController>>,
  Assert<Extends<kit.ResourceQuota, core.ResourceQuota>>,
  Assert<Extends<kit.ReplicaSet, apps.ReplicaSet>>,
  Assert<Extends<kit.Deployment, apps.Deployment>>,
  Assert<Extends<kit.Job, batch.Job>>,
  Assert<Extends<kit.DaemonSet, apps.DaemonSet>>,
  Assert<Extends<kit.StatefulSet, apps.StatefulSet>>,
  Assert<Extends<kit.PodDisruptionBudget, policy.PodDisruptionBudget>>,
  Assert<Extends<kit.ControllerRevision, apps.ControllerRevision>>,
  Assert<Extends<kit.CronJob, batch.CronJob>>,
  Assert<Extends<kit.Scale, autoscaling.Scale>>,
  Assert<Extends<kit.HorizontalPodAutoscaler, autoscalingV2.HorizontalPodAutoscaler>>,
  Assert<Extends<kit.Ingress, networking.Ingress>>,
  Assert<Extends<kit.IngressClass, networking.IngressClass>>,
  Assert<Extends<kit.NetworkPolicy, networking.NetworkPolicy>>,
  Assert<Extends<kit.PersistentVolume, core.PersistentVolume>>,
  Assert<Extends<kit.PersistentVolumeClaim, core.PersistentVolumeClaim>>,
  Assert<Extends<kit.StorageClass, storage.StorageClass>>,
  Assert<Extends<kit.CSIDriver, storage.CSIDriver>>,
  Assert<Extends<kit.CSINode, storage.CSINode>>,
  Assert<Extends<kit.VolumeAttachment, storage.VolumeAttachment>>,
  Assert<Extends<kit.CSIStorageCapacity, storage.CSIStorageCapacity>>,
  Assert<Extends<kit.CertificateSigningRequest, certificates.CertificateSigningRequest>>,
  Assert<Extends<kit.RuntimeClass, nodeApi.RuntimeClass>>,
  Assert<Extends<kit.PodTemplate, core.PodTemplate>>,
  Assert<Extends<kit.Lease, coordination.Lease>>,
  Assert<Extends<kit.PriorityClass, scheduling.PriorityClass>>,
  Assert<Extends<kit.ClusterRole, rbac.ClusterRole>>,
  Assert<Extends<kit.RoleBinding, rbac.RoleBinding>>,
  Assert<Extends<kit.Status, meta.Status>>,
  // and the other way round only once metadata is there and enums are narrowed: not assignable as is
  Assert<Extends<core.Pod, kit.Pod> extends false ? true : false>,
];

// ---------------------------------------------------------------------------------------------
// At run time.

describe('the kit API types', () => {
  it('take a Deployment manifest as kubectl sends it, and so does kubernetes-types', () => {
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                ports: [{ name: 'http', containerPort: 8080 }],
                resources: { requests: { cpu: '100m', memory: '64Mi' } },
                readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
              },
            ],
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } },
                ],
              },
            },
          },
        },
      },
    } satisfies kit.Deployment;
    const upstream: apps.Deployment = manifest;
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(upstream);
    expect(objectKey(manifest)).toBe('default/web');
  });

  it('take a NodePort Service whose targetPort names a container port', () => {
    const service: kit.Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }] },
    };
    const upstream: core.Service = service;
    expect(upstream.spec?.ports?.[0]?.targetPort).toBe('http');
  });
});
