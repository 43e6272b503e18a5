/**
 * The scheduling framework: plugins at extension points, and the code that runs them
 * (kube-scheduler's pkg/scheduler/framework/interface.go and runtime/framework.go).
 *
 * A plugin is a small object with a `name` and one job. It takes part in a cycle by having the
 * methods of the extension points it serves:
 *
 * | extension point | method | answers |
 * | --- | --- | --- |
 * | PreFilter | `preFilter(state, pod, nodes)` | once per pod: compute what Filter needs, or turn the pod away at once |
 * | Filter | `filter(state, pod, nodeInfo)` | per node: may the pod go there? |
 * | PreScore | `preScore(state, pod, nodes)` | once per pod, over the feasible nodes: compute what Score needs |
 * | Score | `score(state, pod, nodeInfo)` | per feasible node: how good is it? |
 * | NormalizeScore | `normalizeScore(state, pod, scores)` | rescale this plugin's scores to 0..100 |
 *
 * A cycle (see schedule.ts): PreFilter plugins in order, then for every node the Filter plugins in
 * order (the first that rejects the node decides its status), then, among the feasible nodes,
 * PreScore, Score and NormalizeScore; the weighted sum of the scores picks the node.
 *
 * @example
 * ```ts
 * const framework = new Framework(
 *   [new NodeUnschedulable(), new NodeName(), new TaintToleration(), new NodeAffinity(), new NodeResourcesFit()],
 *   [{ plugin: new TaintToleration(), weight: 3 }],
 * );
 * framework.filterPlugins.map((p) => p.name); // ['NodeUnschedulable', 'NodeName', 'TaintToleration', ...]
 * ```
 */
import { NotImplemented, type Pod } from '@kube/kit';
import type { CycleState } from './cycle-state.ts';
import type { NodeInfo } from './node-info.ts';
import { MAX_NODE_SCORE, MIN_NODE_SCORE, Status } from './status.ts';

/** Every plugin has a name, unique in its framework: `"NodeResourcesFit"`. */
export interface Plugin {
  readonly name: string;
}

/** Runs once per pod before any Filter: computes what Filter needs, or rejects the pod outright. */
export interface PreFilterPlugin extends Plugin {
  /**
   * @returns Success; Skip when this plugin's Filter has nothing to check for this pod; a
   *   rejection (Unschedulable...) that turns the pod away from every node
   */
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status;
}

/** Decides, node by node, whether the pod may go there. */
export interface FilterPlugin extends Plugin {
  /** @returns Success, or a rejection whose reasons say why, in kube-scheduler's words */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

/** Runs once per pod before Score, over the nodes that passed the filters. */
export interface PreScorePlugin extends Plugin {
  /** @returns Success, or Skip when this plugin's Score has nothing to say for this pod */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status;
}

/** A node's name and one plugin's score for it. NormalizeScore rewrites `score` in place. */
export interface NodeScore {
  readonly name: string;
  score: number;
}

/** Rates the feasible nodes; higher is better. */
export interface ScorePlugin extends Plugin {
  /** A raw score for `nodeInfo`; `normalizeScore` (if any) then brings all of them to 0..100. */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /** Rescales this plugin's scores of all the feasible nodes, in place, to 0..{@link MAX_NODE_SCORE}. */
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): void;
}

/** A score plugin and its weight in the total (default 1). */
export interface WeightedPlugin {
  plugin: Plugin;
  weight?: number;
}

/** One plugin's score for one node: normalized, then weighted. */
export interface PluginScore {
  plugin: string;
  /** the plugin's normalized score times its weight, as upstream keeps it */
  score: number;
}

/** A node's scores from every score plugin, and their weighted sum (framework.NodePluginScores). */
export interface NodePluginScores {
  /** the node's name */
  name: string;
  /** one entry per score plugin that ran (those whose PreScore skipped are absent) */
  scores: PluginScore[];
  /** sum of weight x score over `scores` */
  totalScore: number;
}

/** True when `plugin` has a preFilter method. */
export function isPreFilterPlugin(plugin: Plugin): plugin is PreFilterPlugin {
  return typeof (plugin as Partial<PreFilterPlugin>).preFilter === 'function';
}
/** True when `plugin` has a filter method. */
export function isFilterPlugin(plugin: Plugin): plugin is FilterPlugin {
  return typeof (plugin as Partial<FilterPlugin>).filter === 'function';
}
/** True when `plugin` has a preScore method. */
export function isPreScorePlugin(plugin: Plugin): plugin is PreScorePlugin {
  return typeof (plugin as Partial<PreScorePlugin>).preScore === 'function';
}
/** True when `plugin` has a score method. */
export function isScorePlugin(plugin: Plugin): plugin is ScorePlugin {
  return typeof (plugin as Partial<ScorePlugin>).score === 'function';
}

/** Options of a {@link Framework}. */
export interface FrameworkOptions {
  /**
   * The share of the nodes (1-100) the filters must find feasible before the cycle stops looking
   * (KubeSchedulerConfiguration.percentageOfNodesToScore). 0 or absent: adaptive, 50% minus 1% per
   * 125 nodes, at least 5%. Never fewer than 100 nodes, and all of them in a cluster of fewer
   * than 100.
   */
  percentageOfNodesToScore?: number;
}

/** Below this many nodes every node is filtered (minFeasibleNodesToFind). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive percentage never goes below this (minFeasibleNodesPercentageToFind). */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** The plugins of one scheduling profile, by extension point, and the code that runs them. */
export class Framework {
  /** 1-100, or 0 for adaptive: see {@link FrameworkOptions.percentageOfNodesToScore} */
  readonly percentageOfNodesToScore: number;
  /**
   * Where the next cycle starts filtering, so that successive pods do not always look at the same
   * nodes first (kube-scheduler's nextStartNodeIndex). {@link findFeasibleNodes} reads it and moves
   * it on by the number of nodes it looked at.
   */
  nextStartNodeIndex = 0;
  /** the PreFilter plugins, in the order given */
  readonly preFilterPlugins: readonly PreFilterPlugin[];
  /** the Filter plugins, in the order given: the first that rejects a node decides its status */
  readonly filterPlugins: readonly FilterPlugin[];
  /** the PreScore plugins among the score plugins */
  readonly preScorePlugins: readonly PreScorePlugin[];
  /** the Score plugins, each with its weight */
  readonly scorePlugins: readonly { plugin: ScorePlugin; weight: number }[];

  /**
   * @param filter - the plugins of the filtering phase: each one's `preFilter` (if it has one) and
   *   `filter` run, in this order
   * @param score - the plugins of the scoring phase, with their weights: each one's `preScore`
   *   (if any), `score` and `normalizeScore` (if any) run
   * @param options - see {@link FrameworkOptions}
   * @throws Error when two plugins of a phase share a name, or a score plugin has no `score`
   */
  constructor(filter: readonly Plugin[], score: readonly (Plugin | WeightedPlugin)[] = [], options: FrameworkOptions = {}) {
    this.percentageOfNodesToScore = options.percentageOfNodesToScore ?? 0;
    unique(filter.map((p) => p.name), 'filter');
    this.preFilterPlugins = filter.filter(isPreFilterPlugin);
    this.filterPlugins = filter.filter(isFilterPlugin);
    const weighted = score.map((entry) => ('plugin' in entry ? { plugin: entry.plugin, weight: entry.weight ?? 1 } : { plugin: entry, weight: 1 }));
    unique(weighted.map((w) => w.plugin.name), 'score');
    this.scorePlugins = weighted.map(({ plugin, weight }) => {
      if (!isScorePlugin(plugin)) throw new Error(`plugin "${plugin.name}" has no score method, so it cannot be a score plugin`);
      if (!Number.isInteger(weight) || weight < 1) throw new Error(`plugin "${plugin.name}" has weight ${weight}: a weight is a whole number >= 1`);
      return { plugin, weight };
    });
    this.preScorePlugins = this.scorePlugins.map((s): Plugin => s.plugin).filter(isPreScorePlugin);
  }

  /**
   * How many feasible nodes a cycle looks for before it stops filtering
   * (Scheduler.numFeasibleNodesToFind). Given.
   *
   * @example
   * ```ts
   * new Framework([]).numFeasibleNodesToFind(50);    // 50: every node of a small cluster
   * new Framework([]).numFeasibleNodesToFind(200);   // 100: 49% is 98, but never fewer than 100
   * new Framework([]).numFeasibleNodesToFind(5000);  // 500: 50 - 5000/125 = 10%
   * ```
   */
  numFeasibleNodesToFind(numAllNodes: number): number {
    if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
    let percentage = this.percentageOfNodesToScore;
    if (percentage <= 0) percentage = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    const count = Math.trunc((numAllNodes * Math.min(percentage, 100)) / 100);
    return Math.max(count, MIN_FEASIBLE_NODES_TO_FIND);
  }

  /**
   * Runs every PreFilter plugin, in order (framework.RunPreFilterPlugins).
   *
   * - Skip: the plugin's name goes into `state.skipFilterPlugins`, and the cycle goes on;
   * - UnschedulableAndUnresolvable: returned at once, marked with the plugin's name: the pod fits
   *   nowhere, and preemption cannot help;
   * - Unschedulable: kept, marked with the plugin's name, and the other PreFilters run on
   *   (preemption needs their state); the last one kept is the answer;
   * - a plugin that throws, or answers an Error: an Error status, `running PreFilter plugin
   *   "Name": <message>` ({@link Status.pluginError}), returned at once.
   *
   * @returns Success when no plugin rejected the pod
   */
  runPreFilterPlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    // TODO(12): run each preFilter in order: Skip → state.skipFilterPlugins; UnschedulableAndUnresolvable → return it withPlugin at once;
    // TODO(12): Unschedulable → keep it withPlugin and go on (the last kept is returned at the end); a throw → Status.pluginError(error,
    // TODO(12): name, "prefilter"); an Error status → Status.pluginError(status.asError(), name, "prefilter").
    throw new NotImplemented('12', 'Framework.runPreFilterPlugins');
  }

  /**
   * Runs the Filter plugins on one node, in order, and returns the first status that is not
   * Success, marked with its plugin's name (framework.RunFilterPlugins). Plugins in
   * `state.skipFilterPlugins` are left out. A plugin that throws, or answers an Error, gives an
   * Error status, `running "Name" filter plugin: <message>`.
   *
   * @returns Success when every plugin let the pod onto the node
   */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    // TODO(12): run each filter not in state.skipFilterPlugins; return the first rejection withPlugin; a throw → Status.pluginError(error, name, "filter"); an Error status → Status.pluginError(status.asError(), name, "filter").
    throw new NotImplemented('12', 'Framework.runFilterPlugins');
  }

  /**
   * Runs every PreScore plugin over the feasible nodes (framework.RunPreScorePlugins). Skip puts
   * the plugin's name into `state.skipScorePlugins`; a plugin that throws, or answers anything but
   * Success or Skip, gives an Error status (`running PreScore plugin "Name": <message>`), returned
   * at once.
   *
   * @returns Success when every plugin succeeded or skipped
   */
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    // TODO(13): run each preScore: Skip → state.skipScorePlugins; a throw → Status.pluginError(error, name, "prescore"); any other non-Success → Status.pluginError(status.asError(), name, "prescore").
    throw new NotImplemented('13', 'Framework.runPreScorePlugins');
  }

  /**
   * Scores every node of `nodes` with every score plugin not in `state.skipScorePlugins`
   * (framework.RunScorePlugins), in upstream's three steps, each over every plugin:
   * 1. `score` for each node, in order;
   * 2. `normalizeScore` over all of a plugin's scores, when it has one;
   * 3. a check that every score is now within 0..{@link MAX_NODE_SCORE}, then the weight:
   *    each {@link PluginScore} is the weighted score, and a node's total their sum.
   *
   * @returns one entry per node, in the order of `nodes`
   * @throws Error (the starter's NotImplemented passes through unchanged)
   *   `running Score plugins: plugin "Name" failed with: <message>` when a `score` throws,
   *   `running Normalize on Score plugins: plugin "Name" failed with: <message>` when a
   *   `normalizeScore` throws, and `applying score defaultWeights on Score plugins: plugin "Name"
   *   returns an invalid score 150, it should in the range of [0, 100] after normalizing` for a
   *   score out of range (kube-scheduler's words)
   */
  runScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): NodePluginScores[] {
    // TODO(13): the plugins not skipped: first every score (a throw → "score"), then every normalizeScore (a throw → "normalize"), then per plugin check 0..100 and weight: scores[] holds weight x score, totalScore their sum.
    throw new NotImplemented('13', 'Framework.runScorePlugins');
  }
}

function unique(names: string[], phase: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`plugin "${name}" appears twice in the ${phase} plugins`);
    seen.add(name);
  }
}
