/**
 * The node lifecycle controller (kube-controller-manager's pkg/controller/nodelifecycle/
 * node_lifecycle_controller.go): notices a node whose kubelet went quiet, says so in its Ready
 * condition, and taints it so that the taint eviction controller (taint-eviction.ts) moves its
 * pods elsewhere.
 *
 * A kubelet proves it is alive in two ways: it renews its node's **Lease** in `kube-node-lease`
 * every 10 s (cheap: a tiny object), and it posts the node's status when something changes. The
 * controller remembers, per node, when it last *saw* either change on its own clock (never the
 * kubelet's: clocks drift). Every `nodeMonitorPeriod` (5 s) it looks at every node:
 *
 * ```
 * silent for more than the grace period (50 s; 60 s for a node that never posted a status)?
 *     └─ yes: Ready, MemoryPressure, DiskPressure, PIDPressure -> Unknown ("Kubelet stopped posting node status.")
 * Ready True -> Unknown (written by this controller): its pods' Ready -> False (Services stop sending them traffic)
 * Ready False   -> taint node.kubernetes.io/not-ready:NoExecute
 * Ready Unknown -> taint node.kubernetes.io/unreachable:NoExecute   (one swaps for the other at once)
 * Ready True    -> neither
 * ```
 * New taints are rate limited per zone (0.1 nodes a second, bursts of 1): a network partition
 * that cuts off a whole rack must not empty it in one pass.
 */
import { isNotImplemented, NotImplemented, toRFC3339, type Clock, type ConditionStatus, type Lease, type Node, type NodeCondition, type Pod, type Taint, type Timer } from '@kube/kit';
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';

/** Where kubelets keep their heartbeat Leases, one per node, named after it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** How often the controller looks at every node (`--node-monitor-period`, 5 s). */
export const NODE_MONITOR_PERIOD_MS = 5_000;
/** How long a node may be silent before it is Unknown (`--node-monitor-grace-period`: 50 s since v1.32, 40 s before). */
export const NODE_MONITOR_GRACE_PERIOD_MS = 50_000;
/** The same for a node that never posted a status (`--node-startup-grace-period`, 1 min). */
export const NODE_STARTUP_GRACE_PERIOD_MS = 60_000;
/** New NoExecute taints per second in a zone (`--node-eviction-rate`, 0.1). */
export const EVICTION_LIMITER_QPS = 0.1;
/** ...in bursts of at most this many (upstream's `EvictionRateLimiterBurst`). */
export const EVICTION_LIMITER_BURST = 1;
/** The taint of a node whose Ready condition is Unknown. */
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** The taint of a node whose Ready condition is False. */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
/** The label that says which zone a node is in; nodes without it share the zone `''`. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** The pods informer's index of pods by node name (upstream's `spec.nodeName` indexer). */
export const POD_NODE_INDEX = 'spec.nodeName';
/** The conditions set Unknown when a kubelet goes quiet (not NetworkUnavailable: the network plugin owns it). */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/**
 * A token bucket that answers at once (client-go's flowcontrol `TryAccept`): `burst` tokens,
 * refilled at `qps` a second on the clock; `tryAccept` takes one if there is one.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(clock, 0.1, 1);
 * bucket.tryAccept();   // true
 * bucket.tryAccept();   // false: the next token comes in 10 s
 * ```
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    readonly qps: number,
    readonly burst: number,
  ) {
    if (!(qps >= 0) || !Number.isInteger(burst) || burst < 1) throw new RangeError(`a token bucket needs qps >= 0 and a whole burst >= 1, got qps ${qps} and burst ${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes a token if there is one. */
  tryAccept(): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The node's Ready condition, if it has one. */
export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/**
 * The node's conditions once its kubelet has been silent for longer than its grace period
 * (upstream's `tryUpdateNodeHealth`): each of {@link MONITORED_CONDITIONS} becomes `Unknown`:
 *
 * - present and not already Unknown: `status: 'Unknown'`, `reason: 'NodeStatusUnknown'`,
 *   `message: 'Kubelet stopped posting node status.'`, `lastTransitionTime` now, the rest kept;
 * - absent: added with `reason: 'NodeStatusNeverUpdated'`, `message: 'Kubelet never posted node status.'`,
 *   `lastHeartbeatTime` the node's creationTimestamp, `lastTransitionTime` now.
 *
 * Other conditions are kept as they are. Returns undefined when nothing changes (all already Unknown).
 *
 * @example
 * ```ts
 * silentNodeConditions(node, now);   // [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', ... }, ...]
 * ```
 */
export function silentNodeConditions(node: Node, now: number): NodeCondition[] | undefined {
  // TODO(20): copy the conditions; each of MONITORED_CONDITIONS not Unknown becomes Unknown (NodeStatusUnknown,
  // TODO(20): "Kubelet stopped posting node status.", lastTransitionTime now); one absent is added
  // TODO(20): (NodeStatusNeverUpdated, "Kubelet never posted node status.", lastHeartbeatTime = creationTimestamp);
  // TODO(20): undefined if nothing changed.
  throw new NotImplemented('20', 'silentNodeConditions');
}

/**
 * The NoExecute taint a node's Ready status calls for (upstream's
 * `nodeConditionToTaintKeyStatusMap` for Ready): False -> {@link TAINT_NODE_NOT_READY}, Unknown
 * -> {@link TAINT_NODE_UNREACHABLE}, True or no condition -> none.
 */
export function taintForReady(status: ConditionStatus | undefined): Taint | undefined {
  // TODO(20): False -> not-ready, Unknown -> unreachable (both NoExecute, no timeAdded); True or undefined -> undefined.
  throw new NotImplemented('20', 'taintForReady');
}

/** Is `taint` one of the two this controller manages? */
export function isLifecycleTaint(taint: Taint): boolean {
  return taint.effect === 'NoExecute' && (taint.key === TAINT_NODE_NOT_READY || taint.key === TAINT_NODE_UNREACHABLE);
}

/**
 * The NoSchedule taints a node's conditions and `spec.unschedulable` call for (upstream's
 * `doNoScheduleTaintingPass` with `nodeConditionToTaintKeyStatusMap`, and TaintNodesByCondition):
 * new pods stay off a node that is not ready, unreachable, under pressure or cordoned, while the
 * pods already there wait for the NoExecute taints above. Given code.
 *
 * | condition | taint |
 * | --- | --- |
 * | Ready False / Unknown | node.kubernetes.io/not-ready / unreachable :NoSchedule |
 * | MemoryPressure, DiskPressure, PIDPressure True | node.kubernetes.io/memory-pressure, disk-pressure, pid-pressure :NoSchedule |
 * | spec.unschedulable | node.kubernetes.io/unschedulable:NoSchedule |
 */
export function noScheduleTaints(node: Node): Taint[] {
  const status = (type: string) => node.status?.conditions?.find((c) => c.type === type)?.status;
  const keys: string[] = [];
  if (status('Ready') === 'False') keys.push(TAINT_NODE_NOT_READY);
  if (status('Ready') === 'Unknown') keys.push(TAINT_NODE_UNREACHABLE);
  if (status('MemoryPressure') === 'True') keys.push('node.kubernetes.io/memory-pressure');
  if (status('DiskPressure') === 'True') keys.push('node.kubernetes.io/disk-pressure');
  if (status('PIDPressure') === 'True') keys.push('node.kubernetes.io/pid-pressure');
  if (node.spec?.unschedulable) keys.push('node.kubernetes.io/unschedulable');
  return keys.map((key) => ({ key, effect: 'NoSchedule' }));
}

/** The keys of the NoSchedule taints {@link noScheduleTaints} manages. */
const NO_SCHEDULE_KEYS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable']);

/**
 * A node's taints with this controller's taint set to `wanted` (upstream's
 * `SwapNodeControllerTaint`): the other lifecycle taint removed, `wanted` added with
 * `timeAdded` now if it is not there (kept as it is if it is), every other taint untouched.
 */
export function withLifecycleTaint(taints: readonly Taint[] | undefined, wanted: Taint | undefined, now: number): Taint[] {
  // TODO(20): keep every taint that is not a lifecycle taint; then `wanted` as it already is on the node, or new with
  // TODO(20): timeAdded toRFC3339(now).
  throw new NotImplemented('20', 'withLifecycleTaint');
}

/** What a node lifecycle controller needs. */
export interface NodeLifecycleControllerOptions {
  client: ApiClient;
  clock: Clock;
  /** where it gets its nodes, leases and pods informers */
  factory: SharedInformerFactory;
  nodeMonitorPeriodMs?: number;
  nodeMonitorGracePeriodMs?: number;
  nodeStartupGracePeriodMs?: number;
  /** new taints per second per zone (default {@link EVICTION_LIMITER_QPS}) */
  evictionLimiterQPS?: number;
  /**
   * Also taint nodes NoSchedule by condition ({@link noScheduleTaints}), as upstream always does;
   * default false (kata 20's tests look at the NoExecute taints alone). The cluster of kata 29 sets it.
   */
  noScheduleTainting?: boolean;
  /** told of each failed pass or write (the next pass tries again) */
  onError?: (error: unknown) => void;
}

/** What the controller remembers of a node between passes (upstream's `nodeHealthData`). */
interface NodeHealth {
  /** when, on the controller's clock, it last saw the kubelet alive (a lease renewal or a status heartbeat) */
  probeTimestamp: number;
}

/**
 * Adds the pods informer's index by node name, unless another controller already did (upstream's
 * `controller.AddPodNodeNameIndexer`).
 */
export function addPodNodeIndexer(pods: SharedIndexInformer<Pod>): void {
  try {
    pods.indexer.byIndex(POD_NODE_INDEX, '');
    return; // there already
  } catch (error) {
    if (isNotImplemented(error)) throw error;
  }
  pods.addIndexers({ [POD_NODE_INDEX]: (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []) });
}

/** The node lifecycle controller of kata 20. */
export class NodeLifecycleController {
  readonly nodes: SharedIndexInformer<Node>;
  readonly leases: SharedIndexInformer<Lease>;
  readonly pods: SharedIndexInformer<Pod>;
  readonly nodeMonitorPeriodMs: number;
  readonly nodeMonitorGracePeriodMs: number;
  readonly nodeStartupGracePeriodMs: number;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly evictionLimiterQPS: number;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly noScheduleTainting: boolean;
  /** per node: when it was last seen alive */
  private readonly health = new Map<string, NodeHealth>();
  /** per zone: how fast new taints may be added */
  private readonly zoneLimiters = new Map<string, TokenBucket>();
  private timer: Timer | undefined;
  private pass: Promise<void> | undefined;

  constructor(options: NodeLifecycleControllerOptions) {
    this.client = options.client;
    this.clock = options.clock;
    this.nodeMonitorPeriodMs = options.nodeMonitorPeriodMs ?? NODE_MONITOR_PERIOD_MS;
    this.nodeMonitorGracePeriodMs = options.nodeMonitorGracePeriodMs ?? NODE_MONITOR_GRACE_PERIOD_MS;
    this.nodeStartupGracePeriodMs = options.nodeStartupGracePeriodMs ?? NODE_STARTUP_GRACE_PERIOD_MS;
    this.evictionLimiterQPS = options.evictionLimiterQPS ?? EVICTION_LIMITER_QPS;
    this.onError = options.onError;
    this.noScheduleTainting = options.noScheduleTainting ?? false;
    this.nodes = options.factory.nodes();
    this.leases = options.factory.leases();
    this.pods = options.factory.pods();
    addPodNodeIndexer(this.pods);
    // Signs of life, noted on our own clock when they arrive: a renewed lease, a new status heartbeat.
    this.leases.addEventHandler({
      onAdd: (lease) => this.leaseSeen(undefined, lease),
      onUpdate: (old, lease) => this.leaseSeen(old, lease),
    });
    this.nodes.addEventHandler({
      onAdd: (node) => this.taintNoSchedule(node),
      onUpdate: (old, node) => {
        if (readyCondition(old)?.lastHeartbeatTime !== readyCondition(node)?.lastHeartbeatTime) this.alive(node.metadata.name!);
        this.taintNoSchedule(node);
      },
      onDelete: (node) => this.health.delete((node instanceof DeletedFinalStateUnknown ? node.obj : node).metadata.name!),
    });
  }

  /** Looks at every node every `nodeMonitorPeriodMs` (the factory must be started too). */
  run(): void {
    this.timer ??= this.clock.setInterval(() => {
      // A slow pass is not run twice at once: the next tick finds it still going and skips.
      this.pass ??= this.monitorNodeHealth()
        .catch((error: unknown) => this.onError?.(error))
        .finally(() => (this.pass = undefined));
    }, this.nodeMonitorPeriodMs);
  }

  /** Stops looking (after the current pass). */
  async stop(): Promise<void> {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** When the controller last saw `node`'s kubelet alive, on its own clock (undefined: never looked at it). */
  probeTimestamp(node: string): number | undefined {
    return this.health.get(node)?.probeTimestamp;
  }

  private leaseSeen(old: Lease | undefined, lease: Lease): void {
    if (lease.metadata.namespace !== NODE_LEASE_NAMESPACE) return;
    if (old && old.spec?.renewTime === lease.spec?.renewTime) return;
    this.alive(lease.metadata.name!);
  }

  private alive(node: string): void {
    const health = this.health.get(node);
    if (health) health.probeTimestamp = this.clock.now();
    else this.health.set(node, { probeTimestamp: this.clock.now() });
  }

  /**
   * One pass over every node in the cache (upstream's `monitorNodeHealth` with
   * `processTaintBaseEviction`, in one step). For each node:
   *
   * 1. its health record (first time seen: probed now); its grace period: the monitor grace
   *    period if it has a Ready condition, else the startup grace period;
   * 2. silent for longer (now > probeTimestamp + grace): write {@link silentNodeConditions}
   *    through the status subresource ({@link writeNode}; on a fresh read whose Ready
   *    `lastHeartbeatTime` is new, the kubelet is back: write nothing);
   * 3. step 2 took Ready from True to Unknown: {@link markPodsNotReady} (a kubelet that reports
   *    Ready False itself is alive, and marks its own pods);
   * 4. the taint {@link taintForReady} calls for, for the node as it is now: none -> remove the
   *    lifecycle taints at once; one -> if the node has the other one, swap them at once; if it
   *    has neither, add it only if the zone's {@link TokenBucket} (`evictionLimiterQPS`, burst 1,
   *    {@link limiterFor}) gives a token, else the next pass asks again. Taints are written with
   *    {@link withLifecycleTaint} through {@link writeNode}.
   */
  async monitorNodeHealth(): Promise<void> {
    // TODO(20): for each node in the cache: its health record (first seen: probed now); its grace (the startup grace
    // TODO(20): without a Ready condition); silent longer -> writeNode(..., 'status') with silentNodeConditions (write
    // TODO(20): nothing if a fresh read has a new Ready heartbeat); Ready taken from True to Unknown -> markPodsNotReady;
    // TODO(20): then the taint taintForReady asks for: remove at once, swap at once, add only with a token from limiterFor.
    throw new NotImplemented('20', 'NodeLifecycleController.monitorNodeHealth');
  }

  /** The zone's rate limiter of new taints. */
  private limiterFor(node: Node): TokenBucket {
    const zone = node.metadata.labels?.[ZONE_LABEL] ?? '';
    let limiter = this.zoneLimiters.get(zone);
    if (!limiter) this.zoneLimiters.set(zone, (limiter = new TokenBucket(this.clock, this.evictionLimiterQPS, EVICTION_LIMITER_BURST)));
    return limiter;
  }

  /**
   * Writes a node (its main object or its status): `change` gets the node (the cached one; on a
   * Conflict, once more, a fresh read) and returns the node to write, or undefined when there is
   * nothing to write. Returns the node as it is now, or undefined if it is gone.
   *
   * @example
   * ```ts
   * await this.writeNode(node, (fresh) => ({ ...fresh, spec: { ...fresh.spec, taints } }), 'main');
   * ```
   */
  private async writeNode(node: Node, change: (fresh: Node) => Node | undefined, part: 'main' | 'status'): Promise<Node | undefined> {
    const nodes = this.client.nodes();
    const write = async (fresh: Node) => {
      const next = change(fresh);
      if (!next) return fresh;
      return part === 'status' ? nodes.updateStatus(next) : nodes.update(next);
    };
    try {
      return await write(node);
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      if (!isStatusError(error, 'Conflict')) throw error;
    }
    try {
      return await write(await nodes.get(node.metadata.name!));
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /**
   * Puts on `node` the NoSchedule taints its conditions call for and takes off those they no
   * longer do ({@link noScheduleTaints}), at once: no rate limit, since they move no pod. Runs on
   * every node event while the controller runs, when `noScheduleTainting` is on; a failed write
   * waits for the node's next event.
   */
  private taintNoSchedule(node: Node): void {
    if (!this.noScheduleTainting || this.timer === undefined) return;
    const wanted = noScheduleTaints(node);
    const managed = (t: Taint) => t.effect === 'NoSchedule' && NO_SCHEDULE_KEYS.has(t.key);
    const current = (node.spec?.taints ?? []).filter(managed);
    const same = current.length === wanted.length && wanted.every((w) => current.some((t) => t.key === w.key));
    if (same) return;
    const now = toRFC3339(this.clock.now());
    void this.writeNode(
      node,
      (fresh) => {
        const kept = (fresh.spec?.taints ?? []).filter((t) => !managed(t));
        const taints = [...kept, ...noScheduleTaints(fresh).map((w) => (fresh.spec?.taints ?? []).find((t) => managed(t) && t.key === w.key) ?? { ...w, timeAdded: now })];
        return { ...fresh, spec: { ...fresh.spec, taints } };
      },
      'main',
    ).catch((error: unknown) => this.onError?.(error));
  }

  /**
   * Sets the Ready condition of every pod on `node` to False (upstream's `MarkPodsNotReady`):
   * Services stop sending them traffic long before they are evicted. A pod gone meanwhile is
   * skipped; other failures are told to onError (the next transition tries again).
   */
  async markPodsNotReady(node: string): Promise<void> {
    const at = toRFC3339(this.clock.now());
    for (const pod of this.pods.indexer.byIndex(POD_NODE_INDEX, node)) {
      const conditions = pod.status?.conditions ?? [];
      if (!conditions.some((c) => c.type === 'Ready' && c.status !== 'False')) continue;
      const marked = conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const, lastTransitionTime: at } : c));
      try {
        await this.client.pods(pod.metadata.namespace).updateStatus({ ...pod, status: { ...pod.status, conditions: marked } });
      } catch (error) {
        if (isNotImplemented(error)) throw error;
        if (!isStatusError(error, 'NotFound')) this.onError?.(error);
      }
    }
  }
}
