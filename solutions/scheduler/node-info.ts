/**
 * What the scheduler knows about each node, in the form its plugins read fast: a
 * {@link NodeInfo} per node, gathered in a {@link Snapshot} taken at the start of each cycle
 * (kube-scheduler's framework.NodeInfo in pkg/scheduler/framework/types.go, and the cache's
 * Snapshot in pkg/scheduler/backend/cache/snapshot.go).
 *
 * A NodeInfo holds the node, the pods placed on it, and the sum of their requests, kept up to date
 * as pods come and go ({@link NodeInfo.addPod}, {@link NodeInfo.removePod}), so that a Filter
 * plugin compares a few numbers instead of walking every pod of the node.
 *
 * @example
 * ```ts
 * const snapshot = new Snapshot([node1, node2], [runningPod]); // runningPod.spec.nodeName: 'node-1'
 * const info = snapshot.get('node-1')!;
 * info.requested.cpu;     // what runningPod requests, in millicores
 * info.pods.length;       // 1
 * snapshot.assume(pod, 'node-2'); // the scheduler's decision, seen by the next cycle
 * ```
 */
import { isNotImplemented, objectKey, type Node, type Pod } from '@kube/kit';
import { podRequests, toAmounts, type ResourceAmounts } from './resources.ts';

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** A node and the pods placed on it, with their summed requests. */
export class NodeInfo {
  /** the node's name */
  readonly name: string;
  /** the node's labels (never undefined) */
  readonly labels: Readonly<Record<string, string>>;
  /** what pods may use, parsed once: `cpu` in millicores, `memory` in bytes, ... */
  readonly allocatable: ResourceAmounts;
  /** how many pods the node takes (`status.allocatable.pods`; absent means 0, as upstream) */
  readonly allowedPodNumber: number;
  /**
   * Why the node's allocatable resources could not be read (a malformed quantity), or undefined.
   * NodeResourcesFit turns such a node away instead of guessing.
   */
  readonly invalid?: string;
  /** the sum of the requests of the pods on the node, by resource (kept by addPod and removePod) */
  readonly requested: ResourceAmounts = {};
  /** the pods on the node */
  readonly pods: Pod[] = [];
  /** the pods on the node that have pod affinity or anti-affinity of any kind */
  readonly podsWithAffinity: Pod[] = [];
  /** the pods on the node that have *required* pod anti-affinity (InterPodAffinity's symmetry check) */
  readonly podsWithRequiredAntiAffinity: Pod[] = [];
  /**
   * Goes up by one with every {@link addPod} and every {@link removePod} that removed a pod
   * (upstream's NodeInfo.Generation): a plugin that keeps something per node from one cycle to the
   * next (the reference PodTopologySpread keeps its counts) knows by it that the node changed.
   */
  generation = 0;

  /** Reads the node once: its name, labels, allocatable resources and pod capacity. */
  constructor(readonly node: Node) {
    this.name = node.metadata.name ?? '';
    this.labels = node.metadata.labels ?? NO_LABELS;
    let allocatable: ResourceAmounts = {};
    let invalid: string | undefined;
    try {
      allocatable = toAmounts(node.status?.allocatable);
    } catch (error) {
      if (isNotImplemented(error)) throw error;
      invalid = error instanceof Error ? error.message : String(error);
    }
    this.allocatable = allocatable;
    this.allowedPodNumber = allocatable.pods ?? 0;
    if (invalid !== undefined) this.invalid = invalid;
  }

  /**
   * Places `pod` on this node: it joins {@link pods} (and {@link podsWithAffinity} /
   * {@link podsWithRequiredAntiAffinity} when it has such terms), and its requests
   * ({@link podRequests}) are added to {@link requested}; {@link generation} goes up by one. A pod
   * whose requests do not parse still counts as a pod, and adds no requests.
   */
  addPod(pod: Pod): void {
    this.pods.push(pod);
    const affinity = pod.spec?.affinity;
    if (affinity?.podAffinity || affinity?.podAntiAffinity) this.podsWithAffinity.push(pod);
    if (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length) this.podsWithRequiredAntiAffinity.push(pod);
    const requests = requestsOrNothing(pod);
    for (const name in requests) this.requested[name] = (this.requested[name] ?? 0) + requests[name]!;
    this.generation++;
  }

  /**
   * Takes the pod with `pod`'s namespace and name off this node, undoing {@link addPod} (and
   * {@link generation} goes up by one).
   *
   * @returns true when the pod was on the node, false (and nothing changes) when it was not
   */
  removePod(pod: Pod): boolean {
    const key = objectKey(pod);
    const index = this.pods.findIndex((p) => objectKey(p) === key);
    if (index < 0) return false;
    const [removed] = this.pods.splice(index, 1);
    for (const list of [this.podsWithAffinity, this.podsWithRequiredAntiAffinity]) {
      const i = list.indexOf(removed!);
      if (i >= 0) list.splice(i, 1);
    }
    const requests = requestsOrNothing(removed!);
    for (const name in requests) this.requested[name] = (this.requested[name] ?? 0) - requests[name]!;
    this.generation++;
    return true;
  }
}

/** A pod's requests, or none when they do not parse (a bad pod already placed must not break the node). */
function requestsOrNothing(pod: Pod): ResourceAmounts {
  try {
    return podRequests(pod);
  } catch (error) {
    if (isNotImplemented(error)) throw error;
    return {};
  }
}

/**
 * Every node of the cluster as a {@link NodeInfo}, in a fixed order, with the pods placed on them.
 *
 * This class is given. Kata 16 builds it from the apiserver's watch; here it is built from plain
 * lists, and {@link assume} records each decision so that the next pod sees it.
 */
export class Snapshot {
  /** the nodes, in the order they were given */
  readonly nodeInfos: NodeInfo[];
  private readonly byName = new Map<string, NodeInfo>();

  /**
   * @param nodes - the cluster's nodes (names must be unique: a later one with the same name is ignored)
   * @param pods - pods already running; those with a `spec.nodeName` of a known node are placed there
   */
  constructor(nodes: readonly Node[], pods: readonly Pod[] = []) {
    this.nodeInfos = [];
    for (const node of nodes) {
      const info = new NodeInfo(node);
      if (this.byName.has(info.name)) continue;
      this.byName.set(info.name, info);
      this.nodeInfos.push(info);
    }
    for (const pod of pods) {
      const nodeName = pod.spec?.nodeName;
      if (nodeName) this.byName.get(nodeName)?.addPod(pod);
    }
  }

  /** The NodeInfo of the node named `name`, or undefined. */
  get(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }

  /**
   * Records the decision "`pod` goes to `nodeName`": a copy of the pod with `spec.nodeName` set
   * is added to that node (kube-scheduler's cache.AssumePod). Returns the copy.
   *
   * @throws Error when there is no such node
   */
  assume(pod: Pod, nodeName: string): Pod {
    const info = this.byName.get(nodeName);
    if (!info) throw new Error(`node "${nodeName}" is not in the snapshot`);
    const placed: Pod = { ...pod, spec: { containers: [], ...pod.spec, nodeName } };
    info.addPod(placed);
    return placed;
  }
}
