/**
 * NodePorts: a pod that asks for a port of the node (`hostPort`) goes only where no pod already
 * holds that port. Upstream: pkg/scheduler/framework/plugins/nodeports (v1.32). Given code, beyond
 * the katas: the default profile runs it between NodeAffinity and NodeResourcesFit.
 *
 * A port is held by address, protocol and number; the address `0.0.0.0` (or none) is every
 * address of the node, so it clashes with the same port on any address (HostPortInfo.CheckConflict):
 *
 * | held on the node | asked for | fits? |
 * | --- | --- | --- |
 * | TCP 8080 | TCP 8080 | no |
 * | TCP 8080 | UDP 8080 | yes: another protocol |
 * | TCP 127.0.0.1:8080 | TCP 127.0.0.2:8080 | yes: another address |
 * | TCP 127.0.0.1:8080 | TCP 0.0.0.0:8080 | no: every address includes it |
 * | TCP 8080 | TCP 9090 | yes |
 *
 * Only the regular containers' ports count, the pod's and those of the pods on the node, as
 * upstream's `getContainerPorts` reads them; a `hostPort` of 0 is none. A pod on the node's
 * network has its ports as host ports (the apiserver defaults them: kata 07).
 */
import type { ContainerPort, Pod } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin, PreFilterPlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { Status } from '../status.ts';

/** The reason a node whose ports are taken gives (nodeports.ErrReason). */
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

/** Where PreFilter keeps the pod's host ports for Filter (preFilterStateKey). */
const STATE_KEY = 'PreFilterNodePorts';

/** Every address of the node: a host port without an address is on all of them. */
const ANY_ADDRESS = '0.0.0.0';

/** The ports of the pod's regular containers that ask for a port of the node. */
export function hostPortsOf(pod: Pod): ContainerPort[] {
  return (pod.spec?.containers ?? []).flatMap((container) => (container.ports ?? []).filter((port) => (port.hostPort ?? 0) > 0));
}

/** Do two host ports clash? The same protocol and number, on the same address or on every address. */
export function hostPortsConflict(a: ContainerPort, b: ContainerPort): boolean {
  const address = (port: ContainerPort) => port.hostIP || ANY_ADDRESS;
  if (a.hostPort !== b.hostPort || (a.protocol ?? 'TCP') !== (b.protocol ?? 'TCP')) return false;
  return address(a) === ANY_ADDRESS || address(b) === ANY_ADDRESS || address(a) === address(b);
}

/** Filters out nodes where a port the pod asks for is held by a pod already there. */
export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = 'NodePorts';

  /** Skip for a pod that asks for no port of the node (its Filter then does not run); else keeps its ports for Filter. */
  preFilter(state: CycleState, pod: Pod): Status {
    const wanted = hostPortsOf(pod);
    if (wanted.length === 0) return Status.skip();
    state.write(STATE_KEY, wanted);
    return Status.success();
  }

  /** Success unless one of the pod's host ports clashes with one held on the node; then Unschedulable, {@link ERR_REASON_NODE_PORTS}. */
  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const wanted = state.read<ContainerPort[]>(STATE_KEY);
    const held = nodeInfo.pods.flatMap(hostPortsOf);
    // Unschedulable, not unresolvable: preempting the pod that holds the port frees it.
    return wanted.some((port) => held.some((other) => hostPortsConflict(port, other))) ? Status.unschedulable(ERR_REASON_NODE_PORTS) : Status.success();
  }
}
