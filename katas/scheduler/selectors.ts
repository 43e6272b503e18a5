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
 * ```
 */
import type { LabelSelector } from '@kube/kit';

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
