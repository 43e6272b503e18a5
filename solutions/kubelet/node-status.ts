/**
 * What a kubelet says about its node (kata 25): the Node object it registers, and the status it
 * computes every 10 s — capacity and allocatable, the four conditions, the addresses, the
 * kubelet's port. Upstream: `pkg/kubelet/nodestatus/setters.go` (NodeAddress, MachineInfo,
 * DaemonEndpoints, the pressure and Ready conditions), `pkg/kubelet/kubelet_node_status.go`
 * (initialNode, nodeStatusHasChanged), `pkg/kubelet/cm/node_container_manager_linux.go`
 * (GetNodeAllocatableReservation, hardEvictionReservation).
 *
 * @example
 * ```ts
 * nodeAllocatable({ capacity: { cpu: '4', memory: '8Gi' }, kubeReserved: { cpu: '100m', memory: '256Mi' } });
 * // { cpu: '3900m', memory: '7836Mi', pods: '110' }  (memory: 8Gi - 256Mi - 100Mi of hard eviction)
 * nodeConditions(undefined, HEALTHY, now).map((c) => `${c.type}=${c.status}`);
 * // ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']
 * ```
 */
import { parseQuantity, type Quantity as ParsedQuantity } from '@kube/apiserver';
import { toRFC3339, type Node, type NodeAddress, type NodeCondition, type NodeStatus, type Quantity, type Taint } from '@kube/kit';

/** How often the kubelet computes its node's status: `nodeStatusUpdateFrequency`, 10 s. */
export const NODE_STATUS_UPDATE_FREQUENCY_MS = 10_000;
/** How often it posts an unchanged status anyway: `nodeStatusReportFrequency`, 5 min (the Lease is the heartbeat). */
export const NODE_STATUS_REPORT_FREQUENCY_MS = 5 * 60_000;
/** The namespace of the nodes' Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** `nodeLeaseDurationSeconds`: the node controller may call the node dead this long after a renewal. */
export const NODE_LEASE_DURATION_SECONDS = 40;
/** The Lease is renewed every quarter of its duration: 10 s (NodeLeaseRenewIntervalFraction 0.25). */
export const NODE_LEASE_RENEW_INTERVAL_MS = NODE_LEASE_DURATION_SECONDS * 250;
/** The kubelet's port (`--port`): its HTTP server, for logs and exec. */
export const KUBELET_PORT = 10250;
/** `maxPods`: how many pods a node takes. */
export const DEFAULT_MAX_PODS = 110;
/** The kubelet's default `evictionHard` thresholds that reserve resources (the others do not). */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = Object.freeze({ 'memory.available': '100Mi', 'nodefs.available': '10%' });
/** What a node has when its configuration does not say: 4 CPUs, 8 GiB, 100 GiB of disk. */
export const DEFAULT_CAPACITY: Readonly<Record<string, Quantity>> = Object.freeze({ cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' });
/** The version the kubelet reports (`kubectl get nodes`' VERSION). */
export const KUBELET_VERSION = 'v1.32.0-kubekata';

/** A node's configuration: what the machine has and what is kept from pods (upstream: the KubeletConfiguration). */
export interface NodeConfig {
  /** what the machine has: `cpu`, `memory`, `ephemeral-storage`; default {@link DEFAULT_CAPACITY} */
  capacity?: Record<string, Quantity>;
  /** `maxPods`: the `pods` capacity; default 110 */
  maxPods?: number;
  /** `kubeReserved`: kept for the kubelet and the runtime */
  kubeReserved?: Record<string, Quantity>;
  /** `systemReserved`: kept for the operating system */
  systemReserved?: Record<string, Quantity>;
  /** `evictionHard`: `memory.available` and `nodefs.available` (a quantity or a percentage of capacity); default {@link DEFAULT_EVICTION_HARD} */
  evictionHard?: Record<string, string>;
  /** the node's pod CIDR inside 127.0.0.0/8 (`spec.podCIDR`), e.g. `127.0.1.0/24` */
  podCIDR?: string;
  /** labels to register with, besides the default ones */
  labels?: Record<string, string>;
  /** `registerWithTaints` */
  taints?: Taint[];
  /** the Hostname address; default the node's name */
  hostname?: string;
}

/** What the kubelet observed about its node's health, for the conditions. */
export interface NodeHealth {
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
  /** what keeps the node from being ready (`container runtime is down`); empty: ready */
  notReadyReasons: string[];
}

/** A node with no pressure and nothing wrong. */
export const HEALTHY: Readonly<NodeHealth> = Object.freeze({ memoryPressure: false, diskPressure: false, pidPressure: false, notReadyReasons: [] });

/** The four conditions a kubelet owns, in the order it sets them. */
export const KUBELET_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'] as const;

/** The node's capacity: the configured one (default {@link DEFAULT_CAPACITY}) and `pods` from maxPods. */
export function nodeCapacity(config: NodeConfig): Record<string, Quantity> {
  return { ...(config.capacity ?? DEFAULT_CAPACITY), pods: String(config.maxPods ?? DEFAULT_MAX_PODS) };
}

/**
 * What pods may use (setters.go MachineInfo): for each resource of the capacity, the capacity
 * minus the reservation — kubeReserved + systemReserved + the hard eviction threshold
 * (`memory.available` for memory, `nodefs.available` for ephemeral-storage; a percentage is of
 * the capacity) — never below 0.
 */
export function nodeAllocatable(config: NodeConfig): Record<string, Quantity> {
  const capacity = nodeCapacity(config);
  const reservation = reservedResources(config, capacity);
  const allocatable: Record<string, Quantity> = {};
  for (const [resource, amount] of Object.entries(capacity)) {
    let value = parseQuantity(amount);
    const reserved = reservation.get(resource);
    if (reserved) value = value.sub(reserved);
    allocatable[resource] = value.cmp(parseQuantity('0')) < 0 ? '0' : value.toString();
  }
  return allocatable;
}

/** kubeReserved + systemReserved + evictionHard, per resource (GetNodeAllocatableReservation). */
function reservedResources(config: NodeConfig, capacity: Record<string, Quantity>): Map<string, ParsedQuantity> {
  const total = new Map<string, ParsedQuantity>();
  const add = (resource: string, amount: ParsedQuantity): void => {
    const before = total.get(resource);
    total.set(resource, before ? before.add(amount) : amount);
  };
  for (const list of [config.kubeReserved, config.systemReserved]) {
    for (const [resource, amount] of Object.entries(list ?? {})) add(resource, parseQuantity(amount));
  }
  // Hard eviction thresholds: the kubelet evicts pods below them, so pods may never use that much.
  const eviction = config.evictionHard ?? DEFAULT_EVICTION_HARD;
  for (const [signal, resource] of [['memory.available', 'memory'], ['nodefs.available', 'ephemeral-storage']] as const) {
    const threshold = eviction[signal];
    if (threshold === undefined || capacity[resource] === undefined) continue;
    add(resource, thresholdAmount(threshold, parseQuantity(capacity[resource]), signal));
  }
  return total;
}

/** A threshold as an amount: `100Mi` as is, `10%` of the capacity (rounded down to a whole unit). */
function thresholdAmount(threshold: string, capacity: ParsedQuantity, signal: string): ParsedQuantity {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(threshold);
  if (!percent) return parseQuantity(threshold);
  const value = Number(percent[1]);
  if (value > 100) throw new RangeError(`evictionHard ${signal}: ${threshold} is more than 100%`);
  return parseQuantity(String(Math.floor((capacity.value() * value) / 100)));
}

/** The node's addresses (setters.go NodeAddress): InternalIP, then Hostname. */
export function nodeAddresses(nodeIP: string, hostname: string): NodeAddress[] {
  return [
    { type: 'InternalIP', address: nodeIP },
    { type: 'Hostname', address: hostname },
  ];
}

/** What one condition says when true and when false (setters.go). */
const CONDITION_WORDS: Record<(typeof KUBELET_CONDITIONS)[number], Record<'True' | 'False', { reason: string; message: string }>> = {
  MemoryPressure: {
    True: { reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' },
    False: { reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  },
  DiskPressure: {
    True: { reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' },
    False: { reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  },
  PIDPressure: {
    True: { reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' },
    False: { reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  },
  Ready: {
    True: { reason: 'KubeletReady', message: 'kubelet is posting ready status' },
    False: { reason: 'KubeletNotReady', message: '' },
  },
};

/** Go's errors.NewAggregate(...).Error(): one message as it is, several as `[a, b]`. */
export function aggregateMessage(messages: string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

/**
 * The node's conditions after one status update (setters.go MemoryPressureCondition,
 * DiskPressureCondition, PIDPressureCondition, ReadyCondition):
 * - each of the four gets `lastHeartbeatTime` now, its status, reason and message from `health`
 *   (Ready False: `KubeletNotReady` and the reasons aggregated); `lastTransitionTime` is now
 *   when it is new or its status changed, else kept;
 * - a condition already there is updated in its place; a missing one is appended, in the order
 *   MemoryPressure, DiskPressure, PIDPressure, Ready;
 * - conditions the kubelet does not own (NetworkUnavailable) are kept as they are.
 */
export function nodeConditions(previous: readonly NodeCondition[] | undefined, health: NodeHealth, now: number): NodeCondition[] {
  const time = toRFC3339(now);
  const conditions = (previous ?? []).map((c) => ({ ...c }));
  const truth: Record<(typeof KUBELET_CONDITIONS)[number], boolean> = {
    MemoryPressure: health.memoryPressure,
    DiskPressure: health.diskPressure,
    PIDPressure: health.pidPressure,
    Ready: health.notReadyReasons.length === 0,
  };
  for (const type of KUBELET_CONDITIONS) {
    const status = truth[type] ? 'True' : 'False';
    const words = CONDITION_WORDS[type][status];
    const message = type === 'Ready' && status === 'False' ? aggregateMessage(health.notReadyReasons) : words.message;
    const index = conditions.findIndex((c) => c.type === type);
    const old = index >= 0 ? conditions[index] : undefined;
    const condition: NodeCondition = {
      type,
      status,
      reason: words.reason,
      message,
      lastHeartbeatTime: time,
      lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : time,
    };
    if (index >= 0) conditions[index] = condition;
    else conditions.push(condition);
  }
  return conditions;
}

/**
 * Did the status change, heartbeats aside (kubelet_node_status.go nodeStatusHasChanged)? The
 * conditions are compared by type, without `lastHeartbeatTime`; every other field as JSON.
 */
export function nodeStatusHasChanged(original: NodeStatus | undefined, status: NodeStatus | undefined): boolean {
  if (!original || !status) return original !== status;
  const withoutHeartbeats = (s: NodeStatus): unknown => ({
    ...s,
    conditions: [...(s.conditions ?? [])].map(({ lastHeartbeatTime: _, ...rest }) => rest).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)),
  });
  return canonicalJSON(withoutHeartbeats(original)) !== canonicalJSON(withoutHeartbeats(status));
}

/** JSON with object keys sorted, so that two equal values give the same text. */
export function canonicalJSON(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The labels every kubelet registers with (kubelet_node_status.go initialNode, updateDefaultLabels). */
export function defaultNodeLabels(nodeName: string, hostname: string): Record<string, string> {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': os,
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': hostname || nodeName,
    'kubernetes.io/os': os,
  };
}
