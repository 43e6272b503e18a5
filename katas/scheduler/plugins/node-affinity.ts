/**
 * NodeAffinity: the pod's `nodeSelector` and its node affinity, matched against the node's labels
 * (and its name). Upstream: pkg/scheduler/framework/plugins/nodeaffinity, and the matching in
 * k8s.io/component-helpers/scheduling/corev1/nodeaffinity.
 *
 * - `nodeSelector` (kata 12): the node must carry every label, with that value;
 * - required terms (kata 14): `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
 *   the node must match **one** term (OR); a term matches when **every** expression holds (AND);
 *   a term with no expressions matches no node;
 * - preferred terms (kata 14): each matching term adds its weight to the node's score.
 *
 * @example
 * ```ts
 * matchesNodeSelector({ disktype: 'ssd' }, node);  // node has the label disktype=ssd
 * matchesNodeSelectorTerms([
 *   { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, { key: 'gpu', operator: 'Exists' }] },
 *   { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-7'] }] },
 * ], node);  // (zone in {a, b} AND has gpu) OR it is node-7
 * ```
 */
import { isValidLabelValue } from '@kube/apiserver';
import { NotImplemented, type Node, type NodeSelectorRequirement, type NodeSelectorTerm, type Pod, type PreferredSchedulingTerm } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin, NodeScore, PreScorePlugin, ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { defaultNormalizeScore } from '../normalize-score.ts';
import { MAX_NODE_SCORE, Status } from '../status.ts';

/** The reason a node that does not match gives (nodeaffinity.ErrReasonPod). */
export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** Where PreScore leaves the pod's preferred terms. */
const PRE_SCORE_STATE_KEY = 'PreScoreNodeAffinity';

/**
 * True when the node carries every label of `nodeSelector` with exactly that value. An absent
 * or empty nodeSelector matches every node.
 */
export function matchesNodeSelector(nodeSelector: Readonly<Record<string, string>> | undefined, node: Node): boolean {
  // TODO(12): every key of nodeSelector must be a label of the node with the same value.
  throw new NotImplemented('12', 'matchesNodeSelector');
}

const INTEGER = /^[+-]?\d+$/;

/** Go's int64: strconv.ParseInt(text, 10, 64) refuses anything outside it. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The value as an integer when Go's `strconv.ParseInt(text, 10, 64)` reads one (`"42"`, `"-3"`,
 * `"+7"`, `"007"`), else undefined (`"1.5"`, `" 1"`, `""`, `"9223372036854775808"`). A bigint, so
 * that `"9007199254740993" Gt "9007199254740992"` compares exactly, as int64 does.
 */
function integer(text: string | undefined): bigint | undefined {
  if (text === undefined || !INTEGER.test(text)) return undefined;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

/**
 * Does one expression on the node's labels hold?
 *
 * | operator | holds when | values must be |
 * | --- | --- | --- |
 * | In | the label exists and its value is one of `values` | non-empty, each a label value |
 * | NotIn | the label is absent, or its value is none of `values` | non-empty, each a label value |
 * | Exists | the label exists | empty |
 * | DoesNotExist | the label is absent | empty |
 * | Gt / Lt | the label's value, read as an integer, is greater / less than the one value | one integer that is also a label value |
 *
 * An expression that breaks the "values must be" column, or has an unknown operator, is invalid
 * and holds for no node; so does Gt/Lt on a label whose value is not an integer.
 */
export function matchesNodeSelectorRequirement(requirement: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  // TODO(14): one case per operator (see the table). Every value must be a label value:
  // isValidLabelValue(v) from @kube/apiserver returns the list of what is wrong with v, so v is
  // one when that list is empty (isValidLabelValue(v).length === 0). Gt/Lt: read the label and the
  // one value with integer(); undefined from either, or a bound that is not a label value ("-3"),
  // never matches.
  throw new NotImplemented('14', 'matchesNodeSelectorRequirement');
}

/**
 * Does one expression on the node's fields hold? The only field is `metadata.name`, and the only
 * operators `In` and `NotIn`, each with exactly one value; anything else holds for no node.
 */
export function matchesNodeFieldRequirement(requirement: NodeSelectorRequirement, node: Node): boolean {
  // TODO(14): only metadata.name, only In / NotIn, exactly one value.
  throw new NotImplemented('14', 'matchesNodeFieldRequirement');
}

/**
 * Does a term hold? Every expression of `matchExpressions` (on labels) and of `matchFields` (on
 * fields) must hold. A term with neither (or with both empty) matches no node.
 */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm, node: Node): boolean {
  // TODO(14): an empty term matches nothing; otherwise every expression and every field requirement must hold.
  throw new NotImplemented('14', 'matchesNodeSelectorTerm');
}

/** True when at least one of `terms` holds (no terms: false). */
export function matchesNodeSelectorTerms(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  // TODO(14): true when any term holds.
  throw new NotImplemented('14', 'matchesNodeSelectorTerms');
}

/** Filters by nodeSelector and required node affinity; scores by preferred node affinity. */
export class NodeAffinity implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = 'NodeAffinity';

  /**
   * Success when the node matches the pod's `nodeSelector` ({@link matchesNodeSelector}) and,
   * if the pod has required node affinity, its terms ({@link matchesNodeSelectorTerms}); else
   * UnschedulableAndUnresolvable, {@link ERR_REASON_NODE_AFFINITY}.
   */
  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    // TODO(12): nodeSelector first; then, only if the pod has required node affinity, matchesNodeSelectorTerms (kata 14). Reject with ERR_REASON_NODE_AFFINITY.
    throw new NotImplemented('12', 'NodeAffinity.filter');
  }

  /**
   * Skip when the pod has no preferred terms at all; otherwise keeps those with a weight other
   * than 0 under the cycle state key `PRE_SCORE_STATE_KEY` (none left: every node scores 0).
   */
  preScore(state: CycleState, pod: Pod): Status {
    // TODO(14): Skip when the pod has no preferred terms at all; else keep those with a non-zero weight in the state.
    throw new NotImplemented('14', 'NodeAffinity.preScore');
  }

  /** The sum of the weights of the preferred terms whose `preference` the node matches. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    // TODO(14): sum the weights of the preferred terms whose preference the node matches.
    throw new NotImplemented('14', 'NodeAffinity.score');
  }

  /** {@link defaultNormalizeScore}, not reversed: the best-matching node gets 100. */
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    // TODO(14): defaultNormalizeScore, not reversed.
    throw new NotImplemented('14', 'NodeAffinity.normalizeScore');
  }
}
