/**
 * Why a pod went where: the scheduler's decision, plugin by plugin, as data
 * (kube-scheduler-simulator records the same from a real kube-scheduler, in the pod's annotations
 * `kube-scheduler-simulator.sigs.k8s.io/filter-result`, `.../score-result`, `.../finalscore-result`
 * and `.../selected-node`).
 *
 * This file is given: nothing here is a kata. It records around the framework, so that **your**
 * plugins and **your** `runFilterPlugins`/`runScorePlugins` are explained as they are:
 *
 * - {@link CycleExplainer} wraps every plugin of a {@link Framework} in a recording twin with the
 *   same name and the same methods, and builds a framework of the twins; the Scheduler
 *   (scheduler.ts, kata 16) runs its cycles on that framework when it is given `explain`, and tells the explainer
 *   what it found, scored, chose and bound;
 * - every finished cycle becomes one {@link SchedulingExplanation} (explanation.ts): plain JSON,
 *   versioned, what `npm run kata -- explain POD` prints and the cluster's live view renders;
 * - an {@link ExplanationLog} (explanation.ts) keeps the last N of them;
 * - {@link explainSchedule} explains a cycle on a {@link Snapshot} without binding anything, and
 *   {@link replayExplanation} runs a recorded decision again on its recorded snapshot (the same
 *   filters and scores come out, unless a plugin depends on more than the snapshot).
 *
 * What each node gets from the Filter plugins, in the framework's order: the plugin's answer
 * (`Success`, `Unschedulable`, `UnschedulableAndUnresolvable` with its reasons, or `Error`),
 * `Skip` when its PreFilter said it had nothing to check, and `NotRun` after the first rejection
 * (the framework stops there, as upstream's RunFilterPlugins does).
 *
 * @example
 * ```ts
 * const explanations = new ExplanationLog({ limit: 100 });
 * const scheduler = new Scheduler({ client, clock, random, explain: explanations });
 * await scheduler.sync();
 * await scheduler.runUntilIdle();
 * const why = explanations.get('default', 'web')!;
 * why.outcome;               // { result: 'Bound', nodeName: 'node-2' }
 * why.selection.tied;        // ['node-2']: the only node with the best total
 * why.filter[0]!.plugins[2]; // { plugin: 'TaintToleration', code: 'UnschedulableAndUnresolvable',
 *                            //   reasons: ["node(s) had untolerated taint {dedicated: gpu}"] }
 * replayExplanation(why, schedulerFramework()).score; // deep-equals why.score
 * ```
 */
import { isNotImplemented, type Clock, type Node, type Pod } from '@kube/kit';
import { CycleState } from './cycle-state.ts';
import { FitError, NO_NODES_AVAILABLE } from './fit-error.ts';
import {
  Framework,
  isFilterPlugin,
  isPreFilterPlugin,
  isPreScorePlugin,
  isScorePlugin,
  type FilterPlugin,
  type NodePluginScores,
  type Plugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from './framework.ts';
import { Snapshot, type NodeInfo } from './node-info.ts';
import { findFeasibleNodes, type FeasibleNodes } from './schedule.ts';
import { podKey } from './scheduling-queue.ts';
import { Status } from './status.ts';
import {
  EXPLANATION_VERSION,
  type ExplainedStatus,
  type ExplanationRecorder,
  type FilterPluginExplanation,
  type NodeFilterExplanation,
  type NodeScoreExplanation,
  type OutcomeExplanation,
  type PluginScoreExplanation,
  type PluginStatusExplanation,
  type ProfileExplanation,
  type SchedulingExplanation,
  type SelectionExplanation,
} from './explanation.ts';

/** What the recording plugins saw during one cycle. */
interface Trace {
  key: string;
  explanation: SchedulingExplanation;
  /** node -> plugin -> what its filter answered (a Status, or what it threw) */
  filters: Map<string, Map<string, Status | ExplainedStatus>>;
  /** plugin -> node -> raw score */
  raw: Map<string, Map<string, number>>;
  /** the nodes scored, in order (set by {@link CycleExplainer.scored}) */
  scores?: NodePluginScores[];
  feasible?: string[];
  /** the node chosen, once known */
  chosen?: string;
}

/**
 * Records scheduling cycles into an {@link ExplanationRecorder}. Build it around a framework and
 * run cycles on {@link CycleExplainer.framework}; tell it, in this order, {@link CycleExplainer.begin},
 * {@link CycleExplainer.filtered}, {@link CycleExplainer.scored} (when there was scoring),
 * {@link CycleExplainer.chosen}, then {@link CycleExplainer.bound} or {@link CycleExplainer.failed}
 * (or {@link CycleExplainer.end}): the explanation is recorded at the last of these.
 */
export class CycleExplainer {
  /** the framework to run cycles on: the same plugins, in twins that record what they answer */
  readonly framework: Framework;
  private readonly profile: ProfileExplanation;
  private readonly weights = new Map<string, number>();
  private trace: Trace | undefined;
  private cycles = 0;

  /**
   * @param recorder - where finished explanations go
   * @param framework - the framework whose plugins to explain (it is not changed)
   * @param clock - for the time of each cycle
   */
  constructor(
    private readonly recorder: ExplanationRecorder,
    framework: Framework,
    private readonly clock?: Clock,
  ) {
    this.framework = recordingFramework(framework, () => this.trace);
    for (const { plugin, weight } of framework.scorePlugins) this.weights.set(plugin.name, weight);
    this.profile = profileOf(framework);
  }

  /**
   * A cycle for `pod` begins on `snapshot`: keeps the snapshot's nodes and pods as they are now
   * (before the pod is assumed onto one of them). A cycle left unfinished is recorded first.
   */
  begin(pod: Pod, snapshot: Snapshot): void {
    this.endUnfinished();
    this.cycles++;
    const nodes = snapshot.nodeInfos;
    this.trace = {
      key: podKey(pod),
      filters: new Map(),
      raw: new Map(),
      explanation: {
        kind: 'SchedulingExplanation',
        version: EXPLANATION_VERSION,
        pod: podRef(pod),
        cycle: this.cycles,
        time: new Date(this.clock?.now() ?? 0).toISOString(),
        profile: this.profile,
        numNodes: nodes.length,
        preFilter: [],
        filter: [],
        preScore: [],
        score: [],
        selection: { reason: 'Error', tied: [], message: 'no node was chosen' },
        outcome: { result: 'SchedulerError' },
        snapshot: { pod, ...nodesAndPods(nodes), startNodeIndex: this.framework.nextStartNodeIndex },
      },
    };
  }

  /** The Filter phase's result (findFeasibleNodes). */
  filtered(found: FeasibleNodes): void {
    if (this.trace) this.trace.feasible = found.feasible.map((n) => n.name);
  }

  /** The Score phase's result (runScorePlugins), in the order of the feasible nodes. */
  scored(scores: NodePluginScores[]): void {
    if (this.trace) this.trace.scores = scores;
  }

  /** The node the cycle chose for `pod` (before binding). */
  chosen(pod: Pod, nodeName: string): void {
    if (this.trace?.key === podKey(pod)) this.trace.chosen = nodeName;
  }

  /** The binding of `pod` to `nodeName` succeeded: the explanation is recorded. */
  bound(pod: Pod, nodeName: string): void {
    if (this.trace?.key !== podKey(pod)) return;
    this.trace.chosen = nodeName;
    this.end({ result: 'Bound', nodeName });
  }

  /**
   * The cycle of `pod` failed (no node fits, a plugin failed, the binding failed): the explanation
   * is recorded. A pod that failed before any cycle began (no nodes at all) gets one too.
   */
  failed(pod: Pod, reason: 'Unschedulable' | 'SchedulerError', message: string): void {
    if (this.trace?.key !== podKey(pod)) {
      this.endUnfinished();
      this.cycles++;
      this.recorder.record(emptyExplanation(pod, this.cycles, new Date(this.clock?.now() ?? 0).toISOString(), this.profile, reason, message));
      return;
    }
    this.end({ result: reason, ...(this.trace.chosen !== undefined ? { nodeName: this.trace.chosen } : {}), message });
  }

  /** Ends the cycle under way with `outcome` and records its explanation (nothing under way: nothing happens). */
  end(outcome: OutcomeExplanation): void {
    const trace = this.trace;
    if (!trace) return;
    this.trace = undefined;
    this.recorder.record(this.build(trace, outcome));
  }

  /** The explanation of the cycle under way, as it stands (undefined between cycles). */
  current(): SchedulingExplanation | undefined {
    return this.trace ? this.build(this.trace, this.trace.explanation.outcome) : undefined;
  }

  /** A cycle the scheduler never reported the end of: recorded with what is known. */
  private endUnfinished(): void {
    if (!this.trace) return;
    const chosen = this.trace.chosen;
    this.end(chosen !== undefined ? { result: 'Chosen', nodeName: chosen } : { result: 'SchedulerError', message: 'the scheduler did not report how this cycle ended' });
  }

  /** Puts together what the twins saw and what the scheduler said. */
  private build(trace: Trace, outcome: OutcomeExplanation): SchedulingExplanation {
    const base = trace.explanation;
    const snapshotNodes = base.snapshot!.nodes.map((n) => n.metadata.name ?? '');
    const feasible = new Set(trace.feasible ?? []);
    const turnedAway = base.preFilter.find((p) => p.code === 'Unschedulable' || p.code === 'UnschedulableAndUnresolvable');
    const skipped = new Set(base.preFilter.filter((p) => p.code === 'Skip').map((p) => p.plugin));
    const filter = snapshotNodes.map((node) => this.nodeFilter(node, trace.filters.get(node), trace.feasible ? feasible.has(node) : undefined, turnedAway, skipped));
    const score = (trace.scores ?? []).map((s) => this.nodeScore(s, trace.raw));
    const selection = select(trace, filter, score, outcome);
    return { ...base, preFilter: [...base.preFilter], preScore: [...base.preScore], filter, score, selection, outcome };
  }

  private nodeFilter(
    node: string,
    seen: Map<string, Status | ExplainedStatus> | undefined,
    feasible: boolean | undefined,
    turnedAway: PluginStatusExplanation | undefined,
    skipped: ReadonlySet<string>,
  ): NodeFilterExplanation {
    if (turnedAway) {
      // The pod was rejected before any node was looked at: every node carries that status.
      const status = { code: turnedAway.code, reasons: turnedAway.reasons, plugin: turnedAway.plugin };
      return { node, evaluated: false, feasible: false, plugins: this.profile.filter.map(notRun), status };
    }
    const evaluated = seen !== undefined || feasible === true;
    let rejected: (ExplainedStatus & { plugin: string }) | undefined;
    const plugins = this.profile.filter.map((plugin): FilterPluginExplanation => {
      const answer = seen?.get(plugin);
      if (answer) {
        const { code, reasons } = answer instanceof Status ? asJson(answer) : answer;
        if (!rejected && code !== 'Success') rejected = { code, reasons, plugin };
        return { plugin, code, reasons };
      }
      return evaluated && !rejected && skipped.has(plugin) ? { plugin, code: 'Skip', reasons: [] } : notRun(plugin);
    });
    // Known from findFeasibleNodes; after a failure mid-phase, every plugin's Success says it.
    const passed = feasible ?? (evaluated && plugins.every((p) => p.code === 'Success' || p.code === 'Skip'));
    const status = rejected ?? { code: 'Success' as const, reasons: [] };
    return { node, evaluated, feasible: passed && rejected === undefined, plugins, status };
  }

  private nodeScore(scores: NodePluginScores, raw: Map<string, Map<string, number>>): NodeScoreExplanation {
    const plugins = scores.scores.map(({ plugin, score: weighted }): PluginScoreExplanation => {
      const weight = this.weights.get(plugin) ?? 1;
      const normalized = weighted / weight; // the framework keeps the weighted score; weights are whole numbers >= 1
      return { plugin, weight, raw: raw.get(plugin)?.get(scores.name) ?? normalized, normalized, weighted };
    });
    return { node: scores.name, plugins, total: scores.totalScore };
  }
}

/** How the node was chosen, from the scores and the choice. */
function select(trace: Trace, filter: NodeFilterExplanation[], score: NodeScoreExplanation[], outcome: OutcomeExplanation): SelectionExplanation {
  const nodeName = trace.chosen ?? outcome.nodeName;
  const chosen = nodeName !== undefined ? { nodeName } : {};
  if (trace.explanation.numNodes === 0) return { reason: 'NoNodes', tied: [], message: 'the cluster has no nodes' };
  const feasible = trace.feasible ?? filter.filter((f) => f.feasible).map((f) => f.node);
  if (trace.feasible !== undefined && feasible.length === 0) {
    return { reason: 'NoFeasibleNode', tied: [], message: 'no node passed the filters' };
  }
  if (score.length === 0) {
    if (trace.feasible !== undefined && feasible.length === 1) {
      return { ...chosen, reason: 'OnlyFeasibleNode', tied: [feasible[0]!], message: `${feasible[0]} was the only node that passed the filters, so nothing was scored` };
    }
    return { ...chosen, reason: 'Error', tied: [], message: outcome.message ?? 'no node was chosen' };
  }
  const bestScore = Math.max(...score.map((s) => s.total));
  const tied = score.filter((s) => s.total === bestScore).map((s) => s.node);
  if (tied.length === 1) {
    const runnerUp = score.filter((s) => s.node !== tied[0]).reduce((best, s) => Math.max(best, s.total), -Infinity);
    return { ...chosen, reason: 'HighestScore', bestScore, tied, message: `${tied[0]} had the highest total, ${bestScore}${Number.isFinite(runnerUp) ? ` (the next best: ${runnerUp})` : ''}` };
  }
  return {
    ...chosen,
    reason: 'TieBrokenAtRandom',
    bestScore,
    tied,
    message: `${tied.length} nodes tied at ${bestScore} (${tied.join(', ')}): selectHost picked ${nodeName ?? 'one'} at random, each equally likely (reservoir sampling with the scheduler's seeded Random)`,
  };
}

/** The nodes of a snapshot, and the pods on them as they are now (the lists are copied: assume adds to them). */
function nodesAndPods(infos: readonly NodeInfo[]): { nodes: Node[]; pods: Pod[] } {
  const nodes: Node[] = new Array(infos.length);
  const pods: Pod[] = [];
  for (let i = 0; i < infos.length; i++) {
    nodes[i] = infos[i]!.node;
    for (const pod of infos[i]!.pods) pods.push(pod);
  }
  return { nodes, pods };
}

/** The plugins of `framework` by extension point, with the score weights. */
function profileOf(framework: Framework): ProfileExplanation {
  return {
    preFilter: framework.preFilterPlugins.map((p) => p.name),
    filter: framework.filterPlugins.map((p) => p.name),
    preScore: framework.preScorePlugins.map((p) => p.name),
    score: framework.scorePlugins.map(({ plugin, weight }) => ({ plugin: plugin.name, weight })),
    percentageOfNodesToScore: framework.percentageOfNodesToScore,
  };
}

function podRef(pod: Pod): SchedulingExplanation['pod'] {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) };
}

function emptyExplanation(pod: Pod, cycle: number, time: string, profile: ProfileExplanation, reason: 'Unschedulable' | 'SchedulerError', message: string): SchedulingExplanation {
  return {
    kind: 'SchedulingExplanation',
    version: EXPLANATION_VERSION,
    pod: podRef(pod),
    cycle,
    time,
    profile,
    numNodes: 0,
    preFilter: [],
    filter: [],
    preScore: [],
    score: [],
    selection: { reason: 'NoNodes', tied: [], message: 'the cluster has no nodes' },
    outcome: { result: reason, message },
  };
}

/** A Filter plugin that did not run for a node. */
function notRun(plugin: string): FilterPluginExplanation {
  return { plugin, code: 'NotRun', reasons: [] };
}

const asJson = (status: Status): ExplainedStatus => ({ code: status.code, reasons: [...status.reasons] });

const errorStatus = (error: unknown): ExplainedStatus => ({ code: 'Error', reasons: [error instanceof Error ? error.message : String(error)] });

/**
 * A framework of recording twins of `framework`'s plugins: the same names, the same methods, the
 * same weights and options; each twin calls its plugin and writes down the answer in the trace of
 * the cycle under way (none: it only calls).
 */
function recordingFramework(framework: Framework, trace: () => Trace | undefined): Framework {
  const twins = new Map<Plugin, Plugin>();
  const twin = (plugin: Plugin): Plugin => {
    let made = twins.get(plugin);
    if (!made) twins.set(plugin, (made = recordingTwin(plugin, trace)));
    return made;
  };
  const filter = mergePhases(framework.preFilterPlugins, framework.filterPlugins).map(twin);
  const score = framework.scorePlugins.map(({ plugin, weight }) => ({ plugin: twin(plugin), weight }));
  const recording = new Framework(filter, score, { percentageOfNodesToScore: framework.percentageOfNodesToScore });
  recording.nextStartNodeIndex = framework.nextStartNodeIndex;
  return recording;
}

/**
 * One list with the PreFilter and the Filter plugins that keeps the order of each (the Framework
 * takes one list and picks each phase's plugins from it, in its order): each Filter plugin in
 * order, preceded by the PreFilter-only plugins that come before it in the PreFilter order.
 */
function mergePhases(preFilter: readonly Plugin[], filter: readonly Plugin[]): Plugin[] {
  const merged: Plugin[] = [];
  const filters = new Set(filter);
  let next = 0; // the next PreFilter plugin not yet placed
  for (const plugin of filter) {
    const at = preFilter.indexOf(plugin as never);
    if (at >= 0) {
      for (; next < at; next++) if (!filters.has(preFilter[next]!)) merged.push(preFilter[next]!);
      next = Math.max(next, at + 1);
    }
    merged.push(plugin);
  }
  for (; next < preFilter.length; next++) if (!filters.has(preFilter[next]!)) merged.push(preFilter[next]!);
  return merged;
}

/**
 * The twin of one plugin: only the extension points the plugin has, each calling the plugin and
 * writing down its answer (or what it threw, before throwing it on). Written out method by method:
 * a twin runs once per node and plugin in every cycle.
 */
function recordingTwin(plugin: Plugin, trace: () => Trace | undefined): Plugin {
  const { name } = plugin;
  const twin: Partial<PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin> & Plugin = { name };
  if (isPreFilterPlugin(plugin)) {
    twin.preFilter = (state, pod, nodes) => {
      let status: Status;
      try {
        status = plugin.preFilter(state, pod, nodes);
      } catch (error) {
        trace()?.explanation.preFilter.push({ plugin: name, ...errorStatus(error) });
        throw error;
      }
      trace()?.explanation.preFilter.push({ plugin: name, ...asJson(status) });
      return status;
    };
  }
  if (isFilterPlugin(plugin)) {
    twin.filter = (state, pod, nodeInfo) => {
      let status: Status;
      try {
        status = plugin.filter(state, pod, nodeInfo);
      } catch (error) {
        noteFilter(trace(), nodeInfo.name, name, errorStatus(error));
        throw error;
      }
      noteFilter(trace(), nodeInfo.name, name, status);
      return status;
    };
  }
  if (isPreScorePlugin(plugin)) {
    twin.preScore = (state, pod, nodes) => {
      let status: Status;
      try {
        status = plugin.preScore(state, pod, nodes);
      } catch (error) {
        trace()?.explanation.preScore.push({ plugin: name, ...errorStatus(error) });
        throw error;
      }
      trace()?.explanation.preScore.push({ plugin: name, ...asJson(status) });
      return status;
    };
  }
  if (isScorePlugin(plugin)) {
    twin.score = (state, pod, nodeInfo) => {
      const raw = plugin.score(state, pod, nodeInfo);
      const t = trace();
      if (t) {
        let byNode = t.raw.get(name);
        if (!byNode) t.raw.set(name, (byNode = new Map()));
        byNode.set(nodeInfo.name, raw);
      }
      return raw;
    };
    // The normalized scores are in what runScorePlugins returns: the twin only passes the call on.
    if (plugin.normalizeScore) twin.normalizeScore = (state, pod, scores) => plugin.normalizeScore!(state, pod, scores);
  }
  return twin;
}

/** Writes down what a Filter plugin answered for a node (nothing when no cycle is being explained). */
function noteFilter(t: Trace | undefined, node: string, plugin: string, answer: Status | ExplainedStatus): void {
  if (!t) return;
  let byPlugin = t.filters.get(node);
  if (!byPlugin) t.filters.set(node, (byPlugin = new Map()));
  byPlugin.set(plugin, answer);
}

/**
 * Explains one cycle for `pod` on `snapshot` without binding or assuming anything: the same steps
 * as the scheduler's (findFeasibleNodes, then PreScore and Score when two or more nodes are
 * feasible), on a recording twin of `framework`. The choice among tied nodes is not made (it is
 * the scheduler's Random's): `outcome` is `Chosen` with the best node when there is one, with
 * `prefer` when it is among the tied, and without a node otherwise.
 *
 * @param framework - the profile to run (filtering starts at its nextStartNodeIndex; it is not changed)
 * @param prefer - the node to name among tied ones (a replay passes the recorded choice)
 */
export function explainSchedule(framework: Framework, pod: Pod, snapshot: Snapshot, prefer?: string): SchedulingExplanation {
  let result: SchedulingExplanation | undefined;
  const explainer = new CycleExplainer({ record: (e) => void (result = e) }, framework);
  explainer.begin(pod, snapshot);
  const cycle = runCycle(explainer, pod, snapshot);
  if ('error' in cycle) {
    explainer.failed(pod, cycle.unschedulable ? 'Unschedulable' : 'SchedulerError', cycle.error);
    return result!;
  }
  const { tied } = explainer.current()!.selection;
  const nodeName = tied.length === 1 ? tied[0] : prefer !== undefined && tied.includes(prefer) ? prefer : undefined;
  if (nodeName !== undefined) explainer.chosen(pod, nodeName);
  explainer.end(nodeName !== undefined ? { result: 'Chosen', nodeName } : { result: 'Chosen' });
  return result!;
}

/** The steps of Scheduler.choose up to the choice; what went wrong comes back as a message. */
function runCycle(explainer: CycleExplainer, pod: Pod, snapshot: Snapshot): { feasible: NodeInfo[] } | { error: string; unschedulable: boolean } {
  const { framework } = explainer;
  if (snapshot.nodeInfos.length === 0) return { error: NO_NODES_AVAILABLE, unschedulable: true };
  const state = new CycleState(snapshot.nodeInfos);
  try {
    const found = findFeasibleNodes(framework, state, pod, snapshot);
    explainer.filtered(found);
    const { feasible } = found;
    if (feasible.length === 0) return { error: new FitError(pod, snapshot.nodeInfos.length, found.diagnosis).message, unschedulable: true };
    if (feasible.length === 1) return { feasible };
    const preScore = framework.runPreScorePlugins(state, pod, feasible);
    if (!preScore.isSuccess()) throw preScore.asError();
    explainer.scored(framework.runScorePlugins(state, pod, feasible));
    return { feasible };
  } catch (error) {
    if (isNotImplemented(error)) throw error;
    return { error: error instanceof Error ? error.message : String(error), unschedulable: false };
  }
}

/**
 * Runs a recorded decision again on its recorded snapshot, with `framework` (the profile the
 * scheduler ran: the same plugins and weights), and returns the new explanation. With plugins that
 * read only the snapshot and the pod, its `filter`, `score` and `selection.tied` equal the
 * recorded ones, and the recorded choice is among `selection.tied`.
 *
 * @throws Error when the explanation has no snapshot, or `framework`'s profile is not the recorded one
 */
export function replayExplanation(explanation: SchedulingExplanation, framework: Framework): SchedulingExplanation {
  const recorded = explanation.snapshot;
  if (!recorded) throw new Error(`the explanation of ${explanation.pod.namespace}/${explanation.pod.name} (cycle ${explanation.cycle}) has no snapshot to replay on: record it with a CycleExplainer`);
  const profile = profileOf(framework);
  const want = JSON.stringify(explanation.profile);
  if (JSON.stringify(profile) !== want) {
    throw new Error(`the framework given to replay is not the profile that decided: recorded ${want}, given ${JSON.stringify(profile)}`);
  }
  const snapshot = new Snapshot(recorded.nodes, recorded.pods);
  const saved = framework.nextStartNodeIndex;
  framework.nextStartNodeIndex = recorded.startNodeIndex;
  try {
    const replayed = explainSchedule(framework, recorded.pod, snapshot, explanation.selection.nodeName ?? explanation.outcome.nodeName);
    return { ...replayed, cycle: explanation.cycle, time: explanation.time };
  } finally {
    framework.nextStartNodeIndex = saved;
  }
}
