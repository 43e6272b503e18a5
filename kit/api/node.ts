/**
 * Nodes (core/v1): the machines pods run on, as their kubelets report them, and their taints.
 * @module
 */
import type { ConditionStatus, KubeObject, Quantity, Time } from './meta.ts';

/**
 * What a taint does to pods that do not tolerate it: keeps new ones off (NoSchedule), keeps them
 * off if it can (PreferNoSchedule), or also evicts running ones (NoExecute).
 */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/**
 * Marks a node so that only pods that tolerate it go there.
 *
 * @example
 * ```ts
 * const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
 * ```
 */
export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  /** when a NoExecute taint was added: tolerationSeconds count from here */
  timeAdded?: Time;
}

/** What the node should be. */
export interface NodeSpec {
  /** cordoned: the scheduler places no new pods here */
  unschedulable?: boolean;
  taints?: Taint[];
  /** the range pod IPs on this node come from */
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
}

/** The conditions the kubelet reports on its node; the node controller sets Ready to Unknown when it goes quiet. */
export type NodeConditionType = 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable';

/** One condition of a node: `{ type: 'Ready', status: 'True', reason: 'KubeletReady' }`. */
export interface NodeCondition {
  type: NodeConditionType | (string & {});
  status: ConditionStatus;
  reason?: string;
  message?: string;
  /** when the kubelet last reported it (its heartbeat, kata 25) */
  lastHeartbeatTime?: Time;
  /** when status last changed */
  lastTransitionTime?: Time;
}

/** An address of a node: `{ type: 'InternalIP', address: '127.0.0.1' }`. */
export interface NodeAddress {
  type: 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS';
  address: string;
}

/** Facts about the node's machine and software, reported by its kubelet. */
export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  /** `"linux"`, `"darwin"` */
  operatingSystem: string;
  /** `"amd64"`, `"arm64"` */
  architecture: string;
}

/** A port a daemon on the node listens on. */
export interface DaemonEndpoint {
  Port: number;
}

/** The ports the node's daemons listen on. */
export interface NodeDaemonEndpoints {
  kubeletEndpoint?: DaemonEndpoint;
}

/**
 * What the node is, as its kubelet reports it through `nodes/<name>/status`.
 *
 * @example
 * ```ts
 * const status: NodeStatus = {
 *   capacity: { cpu: '4', memory: '8Gi', pods: '110' },
 *   allocatable: { cpu: '3800m', memory: '7Gi', pods: '110' },
 *   conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
 *   addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-1' }],
 * };
 * ```
 */
export interface NodeStatus {
  /** all the machine has: `{ cpu: '4', memory: '16Gi', pods: '110' }` */
  capacity?: Record<string, Quantity>;
  /** what pods may use: capacity minus what the system reserves; the scheduler fits requests into it */
  allocatable?: Record<string, Quantity>;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  nodeInfo?: NodeSystemInfo;
  daemonEndpoints?: NodeDaemonEndpoints;
}

/**
 * A node: a machine whose kubelet runs pods. Cluster-scoped (no namespace).
 *
 * @example
 * ```ts
 * const node: Node = {
 *   apiVersion: 'v1', kind: 'Node',
 *   metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1', 'topology.kubernetes.io/zone': 'a' } },
 *   spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
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
