/**
 * Field errors: one problem with one field of an object, as an Invalid Status lists it
 * (apimachinery's util/validation/field/errors.go). Each is a kit `StatusCause`:
 * `reason` is the error type, `field` the path, `message` the error's body.
 *
 * | constructor | reason | message |
 * | --- | --- | --- |
 * | `requiredField('spec.containers')` | FieldValueRequired | `Required value` |
 * | `invalidField('metadata.name', 'Web', why)` | FieldValueInvalid | `Invalid value: "Web": why` |
 * | `duplicateField('spec.containers[1].name', 'app')` | FieldValueDuplicate | `Duplicate value: "app"` |
 * | `unsupportedField('spec.restartPolicy', 'Sometimes', ['Always', 'Never'])` | FieldValueNotSupported | `Unsupported value: "Sometimes": supported values: "Always", "Never"` |
 * | `forbiddenField('spec.ports[0].nodePort', why)` | FieldValueForbidden | `Forbidden: why` |
 * | `tooLongField('metadata.annotations', 262144)` | FieldValueTooLong | `Too long: must have at most 262144 bytes` |
 *
 * Field paths are written as Kubernetes writes them: `.` between fields, `[i]` for a list index,
 * `[key]` for a map key: `spec.containers[1].ports[0].containerPort`,
 * `spec.containers[0].resources.requests[cpu]`.
 *
 * This file is given.
 *
 * @example
 * ```ts
 * const path = at('spec', 'containers', 1, 'name');   // 'spec.containers[1].name'
 * duplicateField(path, 'app');
 * // { reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "app"' }
 * ```
 */
import type { StatusCause } from '@kube/kit';

/** A problem with one field: a kit StatusCause with all three parts set. */
export type FieldError = Required<Pick<StatusCause, 'reason' | 'field' | 'message'>>;

/**
 * A field path from its steps: a string is a field (`.name`), a number a list index (`[1]`), and
 * `{ key }` a map key (`[cpu]`). The steps may start with a path already built.
 *
 * @example
 * ```ts
 * at('spec', 'containers', 0, 'resources', 'requests', { key: 'cpu' }); // 'spec.containers[0].resources.requests[cpu]'
 * at('spec.template', 'spec');                                           // 'spec.template.spec'
 * ```
 */
export function at(...steps: (string | number | { key: string })[]): string {
  let path = '';
  for (const step of steps) {
    if (typeof step === 'number') path += `[${step}]`;
    else if (typeof step === 'object') path += `[${step.key}]`;
    else path += path === '' ? step : `.${step}`;
  }
  return path;
}

/** A value as an error message shows it: strings quoted, numbers bare, anything else as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** The field is missing or empty. `detail` says more: `name or generateName is required`. */
export function requiredField(field: string, detail?: string): FieldError {
  return { reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
}

/** The value is malformed or out of range; `detail` says what it should be. */
export function invalidField(field: string, value: unknown, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${showValue(value)}${detail ? `: ${detail}` : ''}` };
}

/** The value repeats one that must be unique (a container name, a port name). */
export function duplicateField(field: string, value: unknown): FieldError {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${showValue(value)}` };
}

/** The value is not one of a fixed set; the message lists the set, quoted. */
export function unsupportedField(field: string, value: unknown, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return { reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${showValue(value)}: supported values: ${list}` };
}

/** The field may not be set here; `detail` says why. */
export function forbiddenField(field: string, detail: string): FieldError {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
}

/** The field is longer than `max` bytes. */
export function tooLongField(field: string, max: number): FieldError {
  return { reason: 'FieldValueTooLong', field, message: `Too long: must have at most ${max} bytes` };
}
