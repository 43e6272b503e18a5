/**
 * The kit's API types against the `kubernetes-types` package (generated from Kubernetes' OpenAPI
 * document), checked by the TypeScript compiler: `npm test` fails if a kit type is not assignable
 * to its upstream counterpart, or declares a field upstream does not have (a misspelling).
 * Nothing here runs; tsc reads it as part of test/.
 */
import type * as apps from 'kubernetes-types/apps/v1';
import type * as autoscaling from 'kubernetes-types/autoscaling/v1';
import type * as coordination from 'kubernetes-types/coordination/v1';
import type * as core from 'kubernetes-types/core/v1';
import type * as discovery from 'kubernetes-types/discovery/v1';
import type * as meta from 'kubernetes-types/meta/v1';
import type * as kit from '@kube/kit';

/** true when `Ours` can stand where `Theirs` is expected and names no field `Theirs` lacks. */
type Faithful<Ours, Theirs> = [Ours] extends [Theirs]
  ? [Exclude<keyof Ours, keyof Theirs>] extends [never]
    ? true
    : { extraFields: Exclude<keyof Ours, keyof Theirs> }
  : { notAssignable: Ours; to: Theirs };
type Check<T extends true> = T;

export type MetaChecks = [
  Check<Faithful<kit.ObjectMeta, meta.ObjectMeta>>,
  Check<Faithful<kit.OwnerReference, meta.OwnerReference>>,
  Check<Faithful<kit.ListMeta, meta.ListMeta>>,
  Check<Faithful<kit.LabelSelector, meta.LabelSelector>>,
  Check<Faithful<kit.LabelSelectorRequirement, meta.LabelSelectorRequirement>>,
  Check<Faithful<kit.Status, meta.Status>>,
  Check<Faithful<kit.StatusDetails, meta.StatusDetails>>,
  Check<Faithful<kit.StatusCause, meta.StatusCause>>,
  Check<Faithful<kit.WatchEvent<kit.Pod>, meta.WatchEvent>>,
];

export type PodChecks = [
  Check<Faithful<kit.Pod, core.Pod>>,
  Check<Faithful<kit.PodSpec, core.PodSpec>>,
  Check<Faithful<kit.PodStatus, core.PodStatus>>,
  Check<Faithful<kit.PodCondition, core.PodCondition>>,
  Check<Faithful<kit.Container, core.Container>>,
  Check<Faithful<kit.ContainerPort, core.ContainerPort>>,
  Check<Faithful<kit.ContainerStatus, core.ContainerStatus>>,
  Check<Faithful<kit.ContainerState, core.ContainerState>>,
  Check<Faithful<kit.EnvVar, core.EnvVar>>,
  Check<Faithful<kit.ResourceRequirements, core.ResourceRequirements>>,
  Check<Faithful<kit.Probe, core.Probe>>,
  Check<Faithful<kit.HTTPGetAction, core.HTTPGetAction>>,
  Check<Faithful<kit.TCPSocketAction, core.TCPSocketAction>>,
  Check<Faithful<kit.ExecAction, core.ExecAction>>,
  Check<Faithful<kit.Affinity, core.Affinity>>,
  Check<Faithful<kit.NodeAffinity, core.NodeAffinity>>,
  Check<Faithful<kit.NodeSelector, core.NodeSelector>>,
  Check<Faithful<kit.NodeSelectorTerm, core.NodeSelectorTerm>>,
  Check<Faithful<kit.NodeSelectorRequirement, core.NodeSelectorRequirement>>,
  Check<Faithful<kit.PreferredSchedulingTerm, core.PreferredSchedulingTerm>>,
  Check<Faithful<kit.PodAffinity, core.PodAffinity>>,
  Check<Faithful<kit.PodAntiAffinity, core.PodAntiAffinity>>,
  Check<Faithful<kit.PodAffinityTerm, core.PodAffinityTerm>>,
  Check<Faithful<kit.WeightedPodAffinityTerm, core.WeightedPodAffinityTerm>>,
  Check<Faithful<kit.Toleration, core.Toleration>>,
  Check<Faithful<kit.TopologySpreadConstraint, core.TopologySpreadConstraint>>,
  Check<Faithful<kit.PodTemplateSpec, core.PodTemplateSpec>>,
  Check<Faithful<kit.Binding, core.Binding>>,
];

export type NodeAndServiceChecks = [
  Check<Faithful<kit.Node, core.Node>>,
  Check<Faithful<kit.NodeSpec, core.NodeSpec>>,
  Check<Faithful<kit.NodeStatus, core.NodeStatus>>,
  Check<Faithful<kit.NodeCondition, core.NodeCondition>>,
  Check<Faithful<kit.NodeAddress, core.NodeAddress>>,
  Check<Faithful<kit.NodeSystemInfo, core.NodeSystemInfo>>,
  Check<Faithful<kit.Taint, core.Taint>>,
  Check<Faithful<kit.Namespace, core.Namespace>>,
  Check<Faithful<kit.Service, core.Service>>,
  Check<Faithful<kit.ServiceSpec, core.ServiceSpec>>,
  Check<Faithful<kit.ServicePort, core.ServicePort>>,
  Check<Faithful<kit.Endpoints, core.Endpoints>>,
  Check<Faithful<kit.EndpointSubset, core.EndpointSubset>>,
  Check<Faithful<kit.EndpointAddress, core.EndpointAddress>>,
  Check<Faithful<kit.EndpointPort, core.EndpointPort>>,
  Check<Faithful<kit.ObjectReference, core.ObjectReference>>,
  Check<Faithful<kit.EndpointSlice, discovery.EndpointSlice>>,
  Check<Faithful<kit.Endpoint, discovery.Endpoint>>,
  Check<Faithful<kit.Event, core.Event>>,
];

export type AppsChecks = [
  Check<Faithful<kit.ReplicaSet, apps.ReplicaSet>>,
  Check<Faithful<kit.ReplicaSetSpec, apps.ReplicaSetSpec>>,
  Check<Faithful<kit.ReplicaSetStatus, apps.ReplicaSetStatus>>,
  Check<Faithful<kit.Deployment, apps.Deployment>>,
  Check<Faithful<kit.DeploymentSpec, apps.DeploymentSpec>>,
  Check<Faithful<kit.DeploymentStatus, apps.DeploymentStatus>>,
  Check<Faithful<kit.DeploymentStrategy, apps.DeploymentStrategy>>,
  Check<Faithful<kit.DeploymentCondition, apps.DeploymentCondition>>,
  Check<Faithful<kit.Scale, autoscaling.Scale>>,
  Check<Faithful<kit.Lease, coordination.Lease>>,
];
