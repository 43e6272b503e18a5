/**
 * Nodes and namespaces (core/v1).
 */
import type { KubeObject, Quantity, Time } from './meta.ts';
import type { TaintEffect } from './pod.ts';

/** Repels pods that do not tolerate it: `{key: 'dedicated', value: 'gpu', effect: 'NoSchedule'}`. */
export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  /** when a NoExecute taint was added (for tolerationSeconds) */
  timeAdded?: Time;
}

/** What the node should be. */
export interface NodeSpec {
  /** cordoned: no new pods */
  unschedulable?: boolean;
  taints?: Taint[];
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
}

/** A condition of a node: Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable. */
export interface NodeCondition {
  type: 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable' | (string & {});
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  /** the kubelet's heartbeat writes this (kata 25) */
  lastHeartbeatTime?: Time;
  lastTransitionTime?: Time;
}

/** An address of a node. */
export interface NodeAddress {
  type: 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS';
  address: string;
}

/** Facts the kubelet reports about its machine. */
export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

/** What the node is, as its kubelet reports it. */
export interface NodeStatus {
  /** everything the machine has: {cpu: '4', memory: '16Gi', pods: '110'} */
  capacity?: Record<string, Quantity>;
  /** what pods may use: capacity minus what the system reserves */
  allocatable?: Record<string, Quantity>;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  nodeInfo?: NodeSystemInfo;
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
}

/**
 * A node: a machine the kubelet runs pods on. Cluster-scoped (no namespace).
 *
 * @example
 * ```ts
 * const node: Node = {
 *   apiVersion: 'v1', kind: 'Node',
 *   metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
 *   status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } },
 * };
 * ```
 */
export interface Node extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Node';
  spec?: NodeSpec;
  status?: NodeStatus;
}

/**
 * A namespace. While it is Terminating, nothing new may be created in it (kata 11's
 * NamespaceLifecycle admission).
 */
export interface Namespace extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Namespace';
  spec?: { finalizers?: string[] };
  status?: { phase?: 'Active' | 'Terminating' };
}
