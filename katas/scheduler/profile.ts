/**
 * The default scheduling profile: kube-scheduler's plugins in its order, with its score weights
 * (pkg/scheduler/apis/config/v1/default_plugins.go). Given.
 *
 * The filter order matters for the messages: the first plugin that rejects a node names the
 * reason, so a cordoned node short of CPU reports "node(s) were unschedulable".
 *
 * @example
 * ```ts
 * const framework = defaultFramework();
 * scheduleOne(framework, pod, new Snapshot(nodes));
 * ```
 */
import { Framework, type Plugin, type WeightedPlugin } from './framework.ts';
import { InterPodAffinity } from './plugins/inter-pod-affinity.ts';
import { NodeAffinity } from './plugins/node-affinity.ts';
import { NodeName } from './plugins/node-name.ts';
import { NodePorts } from './plugins/node-ports.ts';
import { NodeResourcesFit } from './plugins/node-resources-fit.ts';
import { NodeUnschedulable } from './plugins/node-unschedulable.ts';
import { PodTopologySpread } from './plugins/pod-topology-spread.ts';
import { TaintToleration } from './plugins/taint-toleration.ts';

/** kube-scheduler's default score weights (v1.32: pkg/scheduler/apis/config/v1/default_plugins.go, getDefaultPlugins). */
export const DEFAULT_SCORE_WEIGHTS: Readonly<Record<string, number>> = {
  TaintToleration: 3,
  NodeAffinity: 2,
  PodTopologySpread: 2,
  InterPodAffinity: 2,
  NodeResourcesFit: 1,
};

/**
 * The default profile: katas 12–15's filters and scores, in kube-scheduler's order and weights,
 * with the given NodePorts filter (plugins/node-ports.ts) in its place after NodeAffinity.
 *
 * @param extraScores - more score plugins with their weights (kata 16 adds the resource scores);
 *   the filters stay the same
 * @param volumeBinding - the cluster's VolumeBinding plugin (given: plugins/volume-binding.ts),
 *   in its place after NodeResourcesFit; none in the katas' tests, whose pods mount no claims
 */
export function defaultFramework(extraScores: readonly WeightedPlugin[] = [], volumeBinding?: Plugin): Framework {
  const taints = new TaintToleration();
  const nodeAffinity = new NodeAffinity();
  const spread = new PodTopologySpread();
  const interPod = new InterPodAffinity();
  return new Framework(
    [new NodeUnschedulable(), new NodeName(), taints, nodeAffinity, new NodePorts(), new NodeResourcesFit(), ...(volumeBinding ? [volumeBinding] : []), spread, interPod],
    [...[taints, nodeAffinity, spread, interPod].map((plugin) => ({ plugin, weight: DEFAULT_SCORE_WEIGHTS[plugin.name]! })), ...extraScores],
  );
}
