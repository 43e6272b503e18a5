/**
 * Nodes and pods for the scheduler's tests, built in one line each (like kube-scheduler's
 * st.MakeNode() / st.MakePod() in pkg/scheduler/testing).
 *
 * @example
 * ```ts
 * makeNode('node-1', { cpu: '2', labels: { zone: 'a' }, taints: [{ key: 'gpu', effect: 'NoSchedule' }] });
 * makePod('web-1', { cpu: '500m', labels: { app: 'web' }, nodeSelector: { zone: 'a' } });
 * ```
 */
import type { Affinity, Node, Pod, Quantity, Taint, Toleration, TopologySpreadConstraint } from '@kube/kit';

/** What a test node needs; everything has a default. */
export interface NodeOptions {
  /** allocatable cpu, default '4' */
  cpu?: Quantity;
  /** allocatable memory, default '8Gi' */
  memory?: Quantity;
  /** allocatable pods, default '110'; null leaves it out */
  pods?: Quantity | null;
  /** status.capacity, when the test needs one (what the node has in all, before system reservations: never what pods may use) */
  capacity?: Record<string, Quantity>;
  /** more allocatable resources ('nvidia.com/gpu': '1') */
  extra?: Record<string, Quantity>;
  /** labels besides kubernetes.io/hostname (which is always the node's name) */
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

/** A node with allocatable resources (cpu 4, memory 8Gi, 110 pods by default) and a hostname label. */
export function makeNode(name: string, options: NodeOptions = {}): Node {
  const allocatable: Record<string, Quantity> = { cpu: options.cpu ?? '4', memory: options.memory ?? '8Gi', ...options.extra };
  if (options.pods !== null) allocatable.pods = options.pods ?? '110';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } },
    spec: {
      ...(options.unschedulable ? { unschedulable: true } : {}),
      ...(options.taints ? { taints: options.taints } : {}),
    },
    status: { ...(options.capacity ? { capacity: options.capacity } : {}), allocatable },
  };
}

/** What a test pod needs; everything has a default. */
export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  /** the cpu request of its one container */
  cpu?: Quantity;
  /** the memory request of its one container */
  memory?: Quantity;
  /** more requests of its one container */
  requests?: Record<string, Quantity>;
  /** requests of init containers, one entry each */
  initRequests?: Record<string, Quantity>[];
  /** requests of more containers, one entry each (besides the first) */
  moreContainers?: Record<string, Quantity>[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Affinity;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  /** set on a pod that is being deleted (terminating) */
  deletionTimestamp?: string;
  /** spec.priority */
  priority?: number;
}

/** A pod with one container, whose requests are `cpu`, `memory` and `requests`. */
export function makePod(name: string, options: PodOptions = {}): Pod {
  const requests: Record<string, Quantity> = { ...options.requests };
  if (options.cpu !== undefined) requests.cpu = options.cpu;
  if (options.memory !== undefined) requests.memory = options.memory;
  const container = (n: string, r: Record<string, Quantity>) => ({ name: n, image: 'registry.k8s.io/pause:3.9', ...(Object.keys(r).length ? { resources: { requests: r } } : {}) });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.deletionTimestamp ? { deletionTimestamp: options.deletionTimestamp } : {}),
    },
    spec: {
      containers: [container('main', requests), ...(options.moreContainers ?? []).map((r, i) => container(`c${i + 1}`, r))],
      ...(options.initRequests ? { initContainers: options.initRequests.map((r, i) => container(`init${i}`, r)) } : {}),
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
      ...(options.tolerations ? { tolerations: options.tolerations } : {}),
      ...(options.affinity ? { affinity: options.affinity } : {}),
      ...(options.topologySpreadConstraints ? { topologySpreadConstraints: options.topologySpreadConstraints } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
    },
  };
}

/** The names of some node infos, sorted: to compare sets of nodes whatever their order. */
export function names(nodes: readonly { name: string }[]): string[] {
  return nodes.map((n) => n.name).sort();
}
