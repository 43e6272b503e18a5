/**
 * An IntOrString bound as the apps and policy validators check it (upstream's
 * ValidatePositiveIntOrPercent and IsNotMoreThan100Percent): a whole number >= 0, or a percentage
 * `"N%"` of at most 100. Given code: a DaemonSet's `maxUnavailable` and `maxSurge` and a
 * PodDisruptionBudget's `minAvailable` and `maxUnavailable` use it.
 *
 * ```
 * 2        ok            "25%"    ok
 * -1       must be greater than or equal to 0
 * "25"     a valid percent string must be ...       "150%"   must not be greater than 100%
 * ```
 */
import type { StatusCause } from '@kube/kit';
import { invalidField } from './field-errors.ts';

const PERCENT = /^[0-9]+%$/;

/** The problems of one bound at `path`: none, or one Invalid cause in upstream's words. */
export function validateIntOrPercent(value: number | string, path: string): StatusCause[] {
  if (typeof value === 'string') {
    if (!PERCENT.test(value)) return [invalidField(path, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    return Number(value.slice(0, -1)) > 100 ? [invalidField(path, value, 'must not be greater than 100%')] : [];
  }
  return Number.isInteger(value) && value >= 0 ? [] : [invalidField(path, value, 'must be greater than or equal to 0')];
}

/** What a bound counts as when asking "is it 0?" (upstream's getIntOrPercentValue): a percentage its number. */
export function intOrPercentAmount(value: number | string | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const digits = value.endsWith('%') ? value.slice(0, -1) : value;
  return /^[0-9]+$/.test(digits) ? Number(digits) : 0;
}
