/**
 * The node half of the kubelet (kata 25): it registers its Node, computes the node's status every
 * 10 s and posts it when it changed (or every 5 minutes anyway), and renews the node's Lease in
 * `kube-node-lease` every 10 s — the heartbeat the node lifecycle controller
 * ([kata 20](kata:controllers/20)) watches. Upstream: `pkg/kubelet/kubelet_node_status.go`
 * (registerWithAPIServer, tryRegisterWithAPIServer, tryUpdateNodeStatus),
 * `k8s.io/component-helpers/apimachinery/lease/controller.go` (the lease controller),
 * `pkg/kubelet/util/nodelease.go` (the owner reference to the Node).
 *
 * @example
 * ```ts
 * const agent = new NodeAgent({ nodeName: 'node-1', client, clock, nodeIP: '127.0.0.1', config: { podCIDR: '127.0.1.0/24' } });
 * await agent.start();   // registered, status posted, lease renewed; then every 10 s
 * await agent.stop();
 * ```
 */
import { statfsSync } from 'node:fs';
import { freemem, release } from 'node:os';
import { isStatusError, parseQuantity, type ApiClient } from '@kube/apiserver';
import { isNotImplemented, NotImplemented, type Clock, type Lease, type Node, type NodeCondition, type NodeStatus, type Timer } from '@kube/kit';
import type { RuntimeService } from '@kube/runtime';
import {
  DEFAULT_EVICTION_HARD,
  defaultNodeLabels,
  HEALTHY,
  KUBELET_PORT,
  KUBELET_VERSION,
  NODE_LEASE_DURATION_SECONDS,
  NODE_LEASE_NAMESPACE,
  NODE_LEASE_RENEW_INTERVAL_MS,
  NODE_STATUS_REPORT_FREQUENCY_MS,
  NODE_STATUS_UPDATE_FREQUENCY_MS,
  nodeAddresses,
  nodeAllocatable,
  nodeCapacity,
  nodeConditions,
  nodeStatusHasChanged,
  type NodeConfig,
  type NodeHealth,
} from './node-status.ts';

/** How to build a {@link NodeAgent}. */
export interface NodeAgentOptions {
  nodeName: string;
  client: ApiClient;
  clock: Clock;
  /** the node's InternalIP (and where its kubelet server listens) */
  nodeIP: string;
  config?: NodeConfig;
  /** the port written as `status.daemonEndpoints.kubeletEndpoint.Port` (or what tells it, for a server started later); default 10250 */
  kubeletPort?: number | (() => number);
  /** what the node's health is now; default: healthy */
  health?: () => NodeHealth | Promise<NodeHealth>;
  /** a failed registration, status update or renewal (they are retried); default: nothing */
  onError?: (what: string, error: unknown) => void;
  /** told of each event about the Node (a condition's change); default: nothing */
  recordEvent?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

/** Each condition's status by its type, read before anything can change them. */
function statusesOf(status: NodeStatus | undefined): Map<string, string> {
  return new Map((status?.conditions ?? []).map((c) => [c.type, c.status]));
}

/**
 * The event each condition's new status is reported with (upstream's nodestatus setters): the
 * pressure conditions whenever their status changes, a new condition included; Ready only when a
 * Ready condition the Node had changes (a node Ready from its first status reports nothing).
 */
const CONDITION_EVENTS: Record<string, { True: string; False: string; onlyOnChange?: true }> = {
  MemoryPressure: { True: 'NodeHasInsufficientMemory', False: 'NodeHasSufficientMemory' },
  DiskPressure: { True: 'NodeHasDiskPressure', False: 'NodeHasNoDiskPressure' },
  PIDPressure: { True: 'NodeHasInsufficientPID', False: 'NodeHasSufficientPID' },
  Ready: { True: 'NodeReady', False: 'NodeNotReady', onlyOnChange: true },
};

/** A Lease's time: RFC 3339 with microseconds, as Kubernetes writes a MicroTime. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * The annotation a kubelet registers its Node with when the attach/detach controller, not the
 * kubelet, attaches the node's volumes (`--enable-controller-attach-detach`, on by default):
 * `kubectl describe node` shows it under Annotations.
 */
export const CONTROLLER_MANAGED_ATTACH_ANNOTATION = 'volumes.kubernetes.io/controller-managed-attach-detach';

/** The first wait between registration attempts, doubled up to 7 s (registerWithAPIServer). */
const REGISTER_RETRY_FIRST_MS = 100;
const REGISTER_RETRY_MAX_MS = 7_000;

/** Registers the node, keeps its status current and its Lease renewed. */
export class NodeAgent {
  readonly nodeName: string;
  readonly config: NodeConfig;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly nodeIP: string;
  private readonly kubeletPort: number | (() => number);
  private readonly health: () => NodeHealth | Promise<NodeHealth>;
  private readonly onError: (what: string, error: unknown) => void;
  private readonly recordEvent: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** when the status was last posted (upstream lastStatusReportTime); undefined: never */
  private lastStatusReport: number | undefined;
  /** the Lease as last written, to renew without reading it first (upstream latestLease) */
  private latestLease: Lease | undefined;
  /** the registered Node's uid, for the Lease's owner reference */
  private nodeUID: string | undefined;
  /** `spec.unschedulable` as the last status computed saw it (upstream lastNodeUnschedulable; false at start) */
  private lastUnschedulable = false;
  private timers: Timer[] = [];
  private stopped = true;

  constructor(options: NodeAgentOptions) {
    this.nodeName = options.nodeName;
    this.client = options.client;
    this.clock = options.clock;
    this.nodeIP = options.nodeIP;
    this.config = options.config ?? {};
    this.kubeletPort = options.kubeletPort ?? KUBELET_PORT;
    this.health = options.health ?? (() => HEALTHY);
    this.onError = options.onError ?? (() => {});
    this.recordEvent = options.recordEvent ?? (() => {});
  }

  /**
   * Registers the node (retrying on the clock, 100 ms doubling to 7 s, until it works), posts its
   * status and renews its Lease, then does both every 10 s until {@link stop}.
   */
  async start(): Promise<void> {
    this.stopped = false;
    for (let wait = REGISTER_RETRY_FIRST_MS; !this.stopped; wait = Math.min(wait * 2, REGISTER_RETRY_MAX_MS)) {
      try {
        await this.registerNode();
        break;
      } catch (error) {
        if (isNotImplemented(error)) throw error; // a kata left to write: say so, do not retry
        this.onError('register node', error);
        await this.clock.sleep(wait);
      }
    }
    if (this.stopped) return;
    await this.tick('update node status', () => this.updateNodeStatus());
    await this.tick('renew lease', () => this.renewLease());
    this.every(NODE_STATUS_UPDATE_FREQUENCY_MS, 'update node status', () => this.updateNodeStatus());
    this.every(NODE_LEASE_RENEW_INTERVAL_MS, 'renew lease', () => this.renewLease());
  }

  /** Stops the status updates and the renewals (the Node and its Lease stay: the node controller notices the silence). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) this.clock.clearTimeout(timer);
    this.timers = [];
  }

  /**
   * The Node this kubelet registers (initialNode): its name; the default labels and the
   * configured ones; the {@link CONTROLLER_MANAGED_ATTACH_ANNOTATION}; `spec.podCIDR` and
   * `podCIDRs` from the configuration, its taints; and the status as {@link computeStatus} makes it.
   */
  async initialNode(): Promise<Node> {
    const hostname = this.config.hostname ?? this.nodeName;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        labels: { ...defaultNodeLabels(this.nodeName, hostname), ...this.config.labels },
        annotations: { [CONTROLLER_MANAGED_ATTACH_ANNOTATION]: 'true' },
      },
      spec: {
        ...(this.config.podCIDR ? { podCIDR: this.config.podCIDR, podCIDRs: [this.config.podCIDR] } : {}),
        ...(this.config.taints?.length ? { taints: this.config.taints } : {}),
      },
      status: await this.computeStatus(undefined),
    };
  }

  /**
   * The node's status now (setNodeStatus: the setters in upstream's order): addresses, capacity
   * and allocatable, nodeInfo, the kubelet's endpoint, and the conditions updated from `previous`.
   * `unschedulable` is the Node's `spec.unschedulable` (a cordon): its last setter only tells
   * `recordEvent` when that changed since the last status computed (recordNodeSchedulableEvent).
   */
  async computeStatus(previous: NodeStatus | undefined, unschedulable = false): Promise<NodeStatus> {
    const health = await this.health();
    const before = statusesOf(previous);
    const conditions = nodeConditions(previous?.conditions, health, this.clock.now());
    this.reportChanges(before, conditions);
    this.reportSchedulable(unschedulable);
    return {
      ...previous,
      addresses: nodeAddresses(this.nodeIP, this.config.hostname ?? this.nodeName),
      capacity: nodeCapacity(this.config),
      allocatable: nodeAllocatable(this.config),
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        // The kernel these processes run on (upstream's is `uname -r` on the node, through cAdvisor).
        kernelVersion: release(),
        osImage: 'kubekata',
        containerRuntimeVersion: 'kubekata://0.1.0',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: defaultNodeLabels(this.nodeName, '')['kubernetes.io/os']!,
        architecture: defaultNodeLabels(this.nodeName, '')['kubernetes.io/arch']!,
      },
      daemonEndpoints: { kubeletEndpoint: { Port: typeof this.kubeletPort === 'function' ? this.kubeletPort() : this.kubeletPort } },
      conditions,
    };
  }

  /** Tells `recordEvent` of each condition whose status changed since `before` (see {@link CONDITION_EVENTS}). */
  private reportChanges(before: ReadonlyMap<string, string>, conditions: readonly NodeCondition[]): void {
    for (const condition of conditions) {
      const events = CONDITION_EVENTS[condition.type];
      const old = before.get(condition.type);
      if (!events || old === condition.status || (events.onlyOnChange && old === undefined)) continue;
      const reason = condition.status === 'True' ? events.True : events.False;
      this.recordEvent('Normal', reason, `Node ${this.nodeName} status is now: ${reason}`);
    }
  }

  /**
   * Tells `recordEvent` of a cordon (`NodeNotSchedulable`) or an uncordon (`NodeSchedulable`)
   * since the last status computed. It starts from schedulable, so a kubelet that starts on a
   * cordoned Node says so at its first status update, as upstream's does.
   */
  private reportSchedulable(unschedulable: boolean): void {
    if (unschedulable === this.lastUnschedulable) return;
    this.lastUnschedulable = unschedulable;
    const reason = unschedulable ? 'NodeNotSchedulable' : 'NodeSchedulable';
    this.recordEvent('Normal', reason, `Node ${this.nodeName} status is now: ${reason}`);
  }

  /**
   * One registration attempt (tryRegisterWithAPIServer): create the {@link initialNode}. When it
   * exists already — this kubelet restarted — keep that Node (its taints, its unschedulable, set
   * by people and controllers), only putting back the default labels, the attach/detach
   * annotation and the pod CIDR when they differ. Returns the Node in the API.
   */
  async registerNode(): Promise<Node> {
    // TODO(25): create initialNode(); remember the created Node's uid (nodeUID). AlreadyExists: get the existing Node,
    // TODO(25): remember its uid, put back the default and configured labels, initialNode's annotations and the pod CIDR where they differ
    // TODO(25): (update only then), and return it. Any other error is thrown (start() retries).
    throw new NotImplemented('25', 'NodeAgent.registerNode');
  }

  /**
   * One status update (tryUpdateNodeStatus), every 10 s: read the Node, compute its status from
   * the one it has (and its `spec.unschedulable`, for the cordon's event), and post it through
   * `nodes/<name>/status` only when it changed (heartbeat times aside) or when 5 minutes have
   * passed since the last post. Resolves true when it posted.
   */
  async updateNodeStatus(): Promise<boolean> {
    // TODO(25): get the Node; computeStatus from its status and its spec.unschedulable; post it (updateStatus) when
    // TODO(25): nodeStatusHasChanged or when NODE_STATUS_REPORT_FREQUENCY_MS have passed since lastStatusReport (or it
    // TODO(25): is the first); note the time.
    throw new NotImplemented('25', 'NodeAgent.updateNodeStatus');
  }

  /**
   * One renewal (the lease controller's sync), every 10 s: with the Lease last written, update
   * its `renewTime` to now; if that fails with a Conflict or NotFound (or there is none yet),
   * read it — NotFound: create it (holder this node, 40 s, owned by the Node) — and update that.
   */
  async renewLease(): Promise<Lease> {
    // TODO(25): with latestLease: update it renewed (renewTime microTime(now), holder, 40 s, owner reference to the Node);
    // TODO(25): a Conflict or NotFound falls through to: get it — NotFound: create a new one — and update that renewed.
    // TODO(25): Keep what the API answered in latestLease.
    throw new NotImplemented('25', 'NodeAgent.renewLease');
  }

  /** Runs `work` now, reporting a failure instead of throwing. */
  private async tick(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (isNotImplemented(error)) throw error;
      this.onError(what, error);
    }
  }

  /** Runs `work` every `ms` on the clock, each run `ms` after the previous one ended (wait.Until). */
  private every(ms: number, what: string, work: () => Promise<unknown>): void {
    const schedule = (): void => {
      if (this.stopped) return;
      const timer = this.clock.setTimeout(async () => {
        this.timers = this.timers.filter((t) => t !== timer);
        await this.tick(what, work);
        schedule();
      }, ms);
      this.timers.push(timer);
    };
    schedule();
  }
}

/**
 * The node's health as the operating system and the runtime tell it (a stand-in for upstream's
 * eviction manager and runtime state): memory pressure when less memory is free than
 * `evictionHard`'s `memory.available`, disk pressure when the runtime's folder's filesystem has
 * less than `nodefs.available` free, never PID pressure; not ready while the runtime does not
 * answer (`container runtime is down`).
 */
export function osNodeHealth(runtime: RuntimeService, options: { root?: string; evictionHard?: Record<string, string> } = {}): () => Promise<NodeHealth> {
  const eviction = { ...DEFAULT_EVICTION_HARD, ...options.evictionHard };
  return async () => {
    const notReadyReasons: string[] = [];
    try {
      await runtime.listPodSandbox({ state: 'SANDBOX_READY' });
    } catch {
      notReadyReasons.push('container runtime is down');
    }
    const memoryPressure = freemem() < parseQuantity(eviction['memory.available'] ?? '0').value();
    let diskPressure = false;
    if (options.root) {
      const fs = statfsSync(options.root);
      const percent = Number(/^(\d+)%$/.exec(eviction['nodefs.available'] ?? '')?.[1] ?? 0);
      diskPressure = fs.bavail * 100 < fs.blocks * percent;
    }
    return { memoryPressure, diskPressure, pidPressure: false, notReadyReasons };
  };
}
