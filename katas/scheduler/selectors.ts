/**
 * Label selectors on pods, as inter-pod affinity terms and topology spread constraints use them
 * (metav1.LabelSelector, apimachinery's labels.Selector).
 *
 * This file is given: the apiserver's selectors are kata 08's; the scheduler needs only the
 * structured form below.
 *
 * @example
 * ```ts
 * matchesLabelSelector({ matchLabels: { app: 'web' } }, { app: 'web', tier: 'front' });     // true
 * matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, {}); // true
 * matchesLabelSelector({}, { anything: 'x' });                                               // true: empty selects all
 * matchesLabelSelector(undefined, { app: 'web' });                                           // false: absent selects none
 * labelSelectorError({ matchExpressions: [{ key: 'app', operator: 'In', values: ['a b'] }] });
 *   // 'values[0][app]: Invalid value: "a b": a valid label must be an empty string or consist of ...'
 * ```
 */
import type { LabelSelector } from '@kube/kit';
import { isValidLabelValue } from '@kube/apiserver';

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * True when `labels` satisfy `selector`: every matchLabels pair and every expression (AND).
 *
 * - an absent selector matches nothing; an empty one (`{}`) matches everything, as in affinity
 *   terms and topology spread constraints;
 * - `In`: the label exists with one of the values; `NotIn`: it is absent or has none of them;
 *   `Exists` / `DoesNotExist`: the key is there / is not;
 * - an unknown operator matches nothing (the apiserver would have rejected it).
 */
export function matchesLabelSelector(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined) return false;
  const have = labels ?? NO_LABELS;
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels) {
    for (const key in matchLabels) if (have[key] !== matchLabels[key]) return false;
  }
  if (matchExpressions) {
    for (const { key, operator, values = [] } of matchExpressions) {
      const value = have[key];
      switch (operator) {
        case 'In':
          if (value === undefined || !values.includes(value)) return false;
          break;
        case 'NotIn':
          if (value !== undefined && values.includes(value)) return false;
          break;
        case 'Exists':
          if (value === undefined) return false;
          break;
        case 'DoesNotExist':
          if (value !== undefined) return false;
          break;
        default:
          return false;
      }
    }
  }
  return true;
}

/** True for a selector with no matchLabels and no matchExpressions: `{}`. */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  if (selector === undefined) return false;
  const { matchLabels, matchExpressions } = selector;
  return (matchLabels === undefined || Object.keys(matchLabels).length === 0) && (matchExpressions === undefined || matchExpressions.length === 0);
}

/**
 * Why `selector` cannot be turned into a selector, in the words of apimachinery's
 * `metav1.LabelSelectorAsSelector` and `labels.NewRequirement` (v1.32), or undefined when it can.
 * Upstream the scheduler parses every affinity term of a pod this way, and a pod with a term that
 * does not parse is not scheduled (InterPodAffinity, kata 15). Checked, in order, for the first
 * problem only:
 *
 * - a matchLabels value that is not a label value: `values[0][key]: Invalid value: "v": <why>`;
 * - an operator other than In, NotIn, Exists, DoesNotExist: `"Like" is not a valid label selector operator`;
 * - In / NotIn without values: `values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`;
 * - Exists / DoesNotExist with values: `values: Invalid value: ["a"]: values set must be empty for exists and does not exist`;
 * - a value that is not a label value (at most 63 characters, alphanumeric at both ends, `-_.`
 *   inside): `values[i][key]: Invalid value: "v": <why>`, with the apiserver's
 *   `isValidLabelValue` messages (kata 07) joined with "; ".
 *
 * Label keys are not checked (upstream checks them too: the workbook leaves that out). An absent
 * selector is no error (it selects nothing).
 */
export function labelSelectorError(selector: LabelSelector | undefined): string | undefined {
  if (selector === undefined) return undefined;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const why = isValidLabelValue(value);
    if (why.length > 0) return `values[0][${key}]: Invalid value: ${JSON.stringify(value)}: ${why.join('; ')}`;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    switch (operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty";
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return `values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`;
        break;
      default:
        return `${JSON.stringify(operator)} is not a valid label selector operator`;
    }
    for (let i = 0; i < values.length; i++) {
      const why = isValidLabelValue(values[i]!);
      if (why.length > 0) return `values[${i}][${key}]: Invalid value: ${JSON.stringify(values[i])}: ${why.join('; ')}`;
    }
  }
  return undefined;
}
