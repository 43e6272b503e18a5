/**
 * The data of "why a pod went where": {@link SchedulingExplanation}, one scheduling decision
 * explained plugin by plugin, and {@link ExplanationLog}, which keeps the last N of them. Given.
 *
 * Plain JSON, pinned at {@link EXPLANATION_VERSION}: what `npm run kata -- explain POD` prints and
 * the cluster's live view renders. explain.ts records it (around your plugins, as they are).
 *
 * @example
 * ```ts
 * const explanations = new ExplanationLog({ limit: 100 });
 * new Scheduler({ client, clock, random, explain: explanations });
 * // ... cycles ...
 * explanations.get('default', 'web')?.outcome; // { result: 'Bound', nodeName: 'node-2' }
 * ```
 */
import type { Node, Pod } from '@kube/kit';
import type { Code } from './status.ts';

/** The version of {@link SchedulingExplanation}'s shape. A reader checks it; a change a reader would notice bumps it. */
export const EXPLANATION_VERSION = 1;

/** A Status (status.ts) as JSON: its code and reasons. */
export interface ExplainedStatus {
  code: Code;
  /** the reasons, in kube-scheduler's words (`"Insufficient cpu"`); empty for Success and Skip */
  reasons: string[];
}

/** What one PreFilter or PreScore plugin answered for the pod. */
export interface PluginStatusExplanation extends ExplainedStatus {
  plugin: string;
}

/**
 * What one Filter plugin said about one node: its answer, `Skip` (its PreFilter skipped it for
 * this pod) or `NotRun` (an earlier plugin rejected the node: the framework stops there).
 */
export interface FilterPluginExplanation {
  plugin: string;
  /** a {@link Code}, or NotRun */
  code: 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip' | 'NotRun';
  reasons: string[];
}

/** One node's Filter phase. */
export interface NodeFilterExplanation {
  /** the node's name; the list is in snapshot order */
  node: string;
  /**
   * false when the node was never looked at: a PreFilter plugin rejected the pod, or the cycle had
   * found enough feasible nodes (percentageOfNodesToScore) before reaching it
   */
  evaluated: boolean;
  /** true when every Filter plugin let the pod onto the node */
  feasible: boolean;
  /** every Filter plugin of the profile, in order */
  plugins: FilterPluginExplanation[];
  /**
   * the node's status: the first rejection and its plugin (what the FitError counts), or Success
   * (also for a node not looked at: see `evaluated`)
   */
  status: ExplainedStatus & { plugin?: string };
}

/** One Score plugin's score of one node. */
export interface PluginScoreExplanation {
  plugin: string;
  /** the plugin's weight in the profile */
  weight: number;
  /** what its `score` returned */
  raw: number;
  /** after its `normalizeScore` (the raw score when it has none): 0..100 */
  normalized: number;
  /** normalized x weight: this plugin's share of the total */
  weighted: number;
}

/** One feasible node's Score phase. */
export interface NodeScoreExplanation {
  node: string;
  /** one entry per Score plugin that ran (those whose PreScore skipped are absent) */
  plugins: PluginScoreExplanation[];
  /** the node's total, as the framework summed it */
  total: number;
}

/**
 * How the node was picked.
 * - `HighestScore`: the one node with the best total;
 * - `TieBrokenAtRandom`: several nodes shared the best total and `selectHost` picked one of them
 *   with the scheduler's seeded Random (reservoir sampling: each equally likely);
 * - `OnlyFeasibleNode`: one node passed the filters, so nothing was scored (as upstream);
 * - `NoFeasibleNode`, `NoNodes`: nothing to choose from;
 * - `Error`: a plugin failed before a node was chosen.
 */
export type SelectionReason = 'HighestScore' | 'TieBrokenAtRandom' | 'OnlyFeasibleNode' | 'NoFeasibleNode' | 'NoNodes' | 'Error';

/** The choice among the feasible nodes. */
export interface SelectionExplanation {
  /** the chosen node; absent when none was chosen (or, in a replay of a tie, when the recorded choice is not among the tied) */
  nodeName?: string;
  reason: SelectionReason;
  /** the best total among the scored nodes */
  bestScore?: number;
  /** the nodes that shared the best total, in snapshot order (more than one: a tie); the only feasible node when nothing was scored */
  tied: string[];
  /** the same in one sentence */
  message: string;
}

/**
 * What became of the pod.
 * - `Bound`: the binding succeeded, to `nodeName`;
 * - `Unschedulable`: no node fits (`message` is the FitError's "0/N nodes are available: ...");
 * - `SchedulerError`: a plugin failed, or the binding did (`message` says which);
 * - `Chosen`: a node was chosen but the scheduler never reported the binding's result.
 */
export interface OutcomeExplanation {
  result: 'Bound' | 'Unschedulable' | 'SchedulerError' | 'Chosen';
  nodeName?: string;
  message?: string;
}

/** What the cycle ran on, so that it can be run again ({@link replayExplanation}). */
export interface ExplanationSnapshot {
  /** the pod as the cycle saw it */
  pod: Pod;
  /** every node of the snapshot, in its order */
  nodes: Node[];
  /** every pod placed on those nodes (bound or assumed), with `spec.nodeName` */
  pods: Pod[];
  /** where the Filter phase started (Framework.nextStartNodeIndex) */
  startNodeIndex: number;
}

/** The plugins of the profile that decided. */
export interface ProfileExplanation {
  preFilter: string[];
  filter: string[];
  preScore: string[];
  score: { plugin: string; weight: number }[];
  /** 0: adaptive */
  percentageOfNodesToScore: number;
}

/**
 * One scheduling decision, explained: each node's Filter result per plugin (with the reasons), each
 * feasible node's Score per plugin (raw, normalized, weighted) and total, the node chosen and how,
 * and what became of the pod. Plain JSON: `JSON.parse(JSON.stringify(e))` deep-equals `e`.
 *
 * Pinned at version {@link EXPLANATION_VERSION}: readers (the terminal view, the live view) check
 * `kind` and `version`.
 */
export interface SchedulingExplanation {
  kind: 'SchedulingExplanation';
  version: 1;
  pod: { namespace: string; name: string; uid?: string };
  /** this scheduler's cycle number (1, 2, ...): a pod tried three times has three explanations */
  cycle: number;
  /** when the cycle began, by the scheduler's clock (ISO 8601) */
  time: string;
  profile: ProfileExplanation;
  /** how many nodes the snapshot had */
  numNodes: number;
  /** the PreFilter plugins that ran, in order (the first rejection ends the list) */
  preFilter: PluginStatusExplanation[];
  /** every node of the snapshot, in snapshot order */
  filter: NodeFilterExplanation[];
  /** the PreScore plugins that ran (none when fewer than two nodes were feasible) */
  preScore: PluginStatusExplanation[];
  /** every feasible node, when there were two or more to choose from; in snapshot order */
  score: NodeScoreExplanation[];
  selection: SelectionExplanation;
  outcome: OutcomeExplanation;
  /** what the cycle ran on (absent in an explanation made without it) */
  snapshot?: ExplanationSnapshot;
}

/** Anything that takes finished explanations: an {@link ExplanationLog}, a file writer, the live view. */
export interface ExplanationRecorder {
  record(explanation: SchedulingExplanation): void;
}

/** Options of an {@link ExplanationLog}. */
export interface ExplanationLogOptions {
  /** how many decisions to keep (the oldest go first): a whole number >= 1 */
  limit: number;
  /** also hand every explanation to this recorder (a writer of files, for instance) */
  also?: ExplanationRecorder;
}

/**
 * The last `limit` decisions, in memory.
 *
 * @example
 * ```ts
 * const log = new ExplanationLog({ limit: 2 });
 * log.record(a); log.record(b); log.record(c);
 * log.list();                 // [b, c]
 * log.get('default', 'web');  // the latest decision about default/web still kept, or undefined
 * const stop = log.subscribe((e) => view.show(e));
 * ```
 */
export class ExplanationLog implements ExplanationRecorder {
  readonly limit: number;
  private readonly kept: SchedulingExplanation[] = [];
  private readonly listeners = new Set<(explanation: SchedulingExplanation) => void>();

  /** @throws Error when `limit` is not a whole number >= 1 */
  constructor(private readonly options: ExplanationLogOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new Error(`ExplanationLog limit ${options.limit} is not valid: give a whole number >= 1, such as { limit: 100 }`);
    }
    this.limit = options.limit;
  }

  /** Keeps `explanation` (dropping the oldest beyond the limit), then tells `also` and the subscribers. */
  record(explanation: SchedulingExplanation): void {
    this.kept.push(explanation);
    if (this.kept.length > this.limit) this.kept.splice(0, this.kept.length - this.limit);
    this.options.also?.record(explanation);
    for (const listener of this.listeners) listener(explanation);
  }

  /** The latest kept decision about the pod `namespace/name`, or undefined. */
  get(namespace: string, name: string): SchedulingExplanation | undefined {
    for (let i = this.kept.length - 1; i >= 0; i--) {
      const { pod } = this.kept[i]!;
      if (pod.namespace === namespace && pod.name === name) return this.kept[i];
    }
    return undefined;
  }

  /** The kept decisions, oldest first. */
  list(): SchedulingExplanation[] {
    return [...this.kept];
  }

  /** Calls `listener` with every explanation recorded from now on; returns the function that stops it. */
  subscribe(listener: (explanation: SchedulingExplanation) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}
