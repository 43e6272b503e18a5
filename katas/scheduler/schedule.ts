/**
 * One pod's scheduling cycle: filter the nodes, score the feasible ones, pick one
 * (kube-scheduler's schedulePod and findNodesThatFitPod in pkg/scheduler/schedule_one.go).
 *
 * {@link findFeasibleNodes} is yours (kata 12). {@link scheduleOne} and {@link scheduleAll} are
 * given: they place pods one after another on a {@link Snapshot}, which is what the properties and
 * the benchmark need. Kata 16 turns them into the real loop: a queue, weights and normalization
 * of the default profile, ties broken at random, binding through the apiserver.
 *
 * @example
 * ```ts
 * const snapshot = new Snapshot(nodes);
 * const result = scheduleOne(framework, pod, snapshot);
 * result.nodeName;            // 'node-2', or undefined
 * result.condition;           // { type: 'PodScheduled', status: 'False', reason: 'Unschedulable',
 *                             //   message: '0/3 nodes are available: 3 Insufficient cpu.' }
 * ```
 */
import { NotImplemented, isNotImplemented, type Pod, type PodCondition } from '@kube/kit';
import { CycleState } from './cycle-state.ts';
import { FitError, NO_NODES_AVAILABLE, type Diagnosis } from './fit-error.ts';
import type { Framework } from './framework.ts';
import type { NodeInfo, Snapshot } from './node-info.ts';
import { Status } from './status.ts';

/** The nodes that passed every filter, and what the filters said about the others. */
export interface FeasibleNodes {
  /** the nodes the pod may go to, in snapshot order */
  feasible: NodeInfo[];
  /** every rejected node's status, and which plugins rejected */
  diagnosis: Diagnosis;
}

/**
 * The filtering phase of one cycle (findNodesThatFitPod):
 * 1. run the PreFilter plugins; if one rejects the pod, every node gets that status, the
 *    diagnosis records its message as `preFilterMsg` and its plugin in `unschedulablePlugins`,
 *    and no node is feasible;
 * 2. otherwise run the Filter plugins node by node, starting at `framework.nextStartNodeIndex`
 *    and wrapping around the snapshot, until every node has been looked at or
 *    `framework.numFeasibleNodesToFind(nodes)` nodes are feasible. A node whose status is Success
 *    is feasible; any other goes into `diagnosis.nodeToStatus` (and its plugin into
 *    `unschedulablePlugins`);
 * 3. move `framework.nextStartNodeIndex` on by the number of nodes looked at (modulo their
 *    number): in a cluster of fewer than 100 nodes every node is looked at, so it stays where it
 *    is and the feasible nodes come in snapshot order.
 *
 * @throws the error of an Error status, from a PreFilter or a Filter ({@link Status.asError}):
 *   a plugin that fails ends the cycle; it does not reject a node
 */
export function findFeasibleNodes(framework: Framework, state: CycleState, pod: Pod, snapshot: Snapshot): FeasibleNodes {
  // TODO(12): PreFilter (a rejection: every node gets it, preFilterMsg); then Filter from framework.nextStartNodeIndex, wrapping, until every node is looked at or numFeasibleNodesToFind are feasible; move nextStartNodeIndex on; throw status.asError() for an Error.
  throw new NotImplemented('12', 'findFeasibleNodes');
}

/** What became of one pod. */
export interface ScheduleResult {
  /** the pod: when scheduled, the copy placed in the snapshot, with `spec.nodeName` set */
  pod: Pod;
  /** the chosen node; undefined when the pod was not scheduled */
  nodeName?: string;
  /** Success; Unschedulable with the FitError's message; or Error with what went wrong */
  status: Status;
  /** the PodScheduled condition the scheduler would write to the pod's status */
  condition: PodCondition;
  /** the cycle's diagnosis, when it got that far */
  diagnosis?: Diagnosis;
}

/**
 * One scheduling cycle for `pod` on `snapshot` (schedulePod, then assume): given.
 *
 * 1. no nodes at all: Unschedulable, "no nodes available to schedule pods";
 * 2. {@link findFeasibleNodes}; none feasible: Unschedulable with the {@link FitError} message;
 * 3. one feasible node: it (kube-scheduler skips scoring then); several: PreScore and Score
 *    plugins, the highest total wins, the first one in snapshot order among equals (kata 16
 *    breaks ties at random);
 * 4. the pod is assumed onto the node ({@link Snapshot.assume}), so the next cycle sees it.
 *
 * A plugin that throws does not stop the scheduler: the result is an Error status and a
 * condition with reason `SchedulerError` and the error's message. The starter's NotImplemented is
 * the exception: it is thrown on, so that a test says which kata to write.
 */
export function scheduleOne(framework: Framework, pod: Pod, snapshot: Snapshot): ScheduleResult {
  if (snapshot.nodeInfos.length === 0) {
    return { pod, status: Status.unschedulable(NO_NODES_AVAILABLE), condition: unscheduled('Unschedulable', NO_NODES_AVAILABLE) };
  }
  const state = new CycleState(snapshot.nodeInfos);
  let diagnosis: Diagnosis | undefined;
  try {
    const found = findFeasibleNodes(framework, state, pod, snapshot);
    diagnosis = found.diagnosis;
    const { feasible } = found;
    if (feasible.length === 0) {
      const error = new FitError(pod, snapshot.nodeInfos.length, diagnosis);
      return { pod, status: Status.unschedulable(error.message), condition: unscheduled('Unschedulable', error.message), diagnosis };
    }
    let chosen = feasible[0]!;
    if (feasible.length > 1 && framework.scorePlugins.length > 0) {
      const preScore = framework.runPreScorePlugins(state, pod, feasible);
      if (!preScore.isSuccess()) throw preScore.asError();
      const scores = framework.runScorePlugins(state, pod, feasible);
      let best = -1;
      for (let i = 0; i < scores.length; i++) {
        if (scores[i]!.totalScore > best) {
          best = scores[i]!.totalScore;
          chosen = feasible[i]!;
        }
      }
    }
    const placed = snapshot.assume(pod, chosen.name);
    return { pod: placed, nodeName: chosen.name, status: Status.success(), condition: { type: 'PodScheduled', status: 'True' }, diagnosis };
  } catch (error) {
    if (isNotImplemented(error)) throw error;
    const status = Status.fromError(error);
    return { pod, status, condition: unscheduled('SchedulerError', status.message()), ...(diagnosis ? { diagnosis } : {}) };
  }
}

/** Schedules `pods` one after another on `snapshot` (each sees the ones placed before it). Given. */
export function scheduleAll(framework: Framework, pods: readonly Pod[], snapshot: Snapshot): ScheduleResult[] {
  return pods.map((pod) => scheduleOne(framework, pod, snapshot));
}

function unscheduled(reason: 'Unschedulable' | 'SchedulerError', message: string): PodCondition {
  return { type: 'PodScheduled', status: 'False', reason, message };
}
