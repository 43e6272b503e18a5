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
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm } from '@kube/kit';
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
  if (!nodeSelector) return true;
  const labels = node.metadata.labels ?? {};
  for (const key in nodeSelector) if (labels[key] !== nodeSelector[key]) return false;
  return true;
}

const INTEGER = /^[+-]?\d+$/;

/** The answers of {@link validValues}, per values array: a pod's terms are matched against every node. */
const checkedValues = new WeakMap<readonly string[], boolean>();

/**
 * True when `values` is non-empty and every value is a label value (apiserver's
 * `isValidLabelValue`, kata 07): upstream's `labels.NewRequirement` refuses the expression
 * otherwise, and an expression that does not parse matches no node.
 */
function validValues(values: readonly string[]): boolean {
  let valid = checkedValues.get(values);
  if (valid === undefined) {
    valid = values.length > 0 && values.every((v) => isValidLabelValue(v).length === 0);
    checkedValues.set(values, valid);
  }
  return valid;
}

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
  const { key, operator } = requirement;
  const values = requirement.values ?? [];
  const value = labels[key];
  switch (operator) {
    // The values are checked last, only when they would decide a match: most nodes fail on the label.
    case 'In':
      return value !== undefined && values.includes(value) && validValues(values);
    case 'NotIn':
      return (value === undefined || !values.includes(value)) && validValues(values);
    case 'Exists':
      return values.length === 0 && value !== undefined;
    case 'DoesNotExist':
      return values.length === 0 && value === undefined;
    case 'Gt':
    case 'Lt': {
      // The bound must parse as an integer and, like every value, be a label value: "-3" is an
      // integer but not a label value, so upstream's selector refuses it.
      const bound = values.length === 1 ? integer(values[0]) : undefined;
      const actual = integer(value);
      if (bound === undefined || actual === undefined || !validValues(values)) return false;
      return operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/**
 * Does one expression on the node's fields hold? The only field is `metadata.name`, and the only
 * operators `In` and `NotIn`, each with exactly one value; anything else holds for no node.
 */
export function matchesNodeFieldRequirement(requirement: NodeSelectorRequirement, node: Node): boolean {
  const values = requirement.values ?? [];
  if (requirement.key !== 'metadata.name' || values.length !== 1) return false;
  const name = node.metadata.name ?? '';
  if (requirement.operator === 'In') return name === values[0];
  if (requirement.operator === 'NotIn') return name !== values[0];
  return false;
}

/**
 * Does a term hold? Every expression of `matchExpressions` (on labels) and of `matchFields` (on
 * fields) must hold. A term with neither (or with both empty) matches no node.
 */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const requirement of expressions) if (!matchesNodeSelectorRequirement(requirement, labels)) return false;
  for (const requirement of fields) if (!matchesNodeFieldRequirement(requirement, node)) return false;
  return true;
}

/** True when at least one of `terms` holds (no terms: false). */
export function matchesNodeSelectorTerms(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  for (const term of terms) if (matchesNodeSelectorTerm(term, node)) return true;
  return false;
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
    const spec = pod.spec;
    if (!matchesNodeSelector(spec?.nodeSelector, nodeInfo.node)) return Status.unresolvable(ERR_REASON_NODE_AFFINITY);
    const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required && !matchesNodeSelectorTerms(required.nodeSelectorTerms ?? [], nodeInfo.node)) return Status.unresolvable(ERR_REASON_NODE_AFFINITY);
    return Status.success();
  }

  /**
   * Skip when the pod has no preferred terms at all; otherwise keeps those with a weight other
   * than 0 under the cycle state key `PRE_SCORE_STATE_KEY` (none left: every node scores 0).
   */
  preScore(state: CycleState, pod: Pod): Status {
    const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (preferred.length === 0) return Status.skip();
    // Upstream drops the terms of weight 0 but still scores (every node 0): only a pod with no
    // preferred terms at all is skipped.
    state.write(PRE_SCORE_STATE_KEY, preferred.filter((t) => t.weight !== 0));
    return Status.success();
  }

  /** The sum of the weights of the preferred terms whose `preference` the node matches. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    let total = 0;
    for (const term of state.read<PreferredSchedulingTerm[]>(PRE_SCORE_STATE_KEY)) {
      if (matchesNodeSelectorTerm(term.preference, nodeInfo.node)) total += term.weight;
    }
    return total;
  }

  /** {@link defaultNormalizeScore}, not reversed: the best-matching node gets 100. */
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  }
}
