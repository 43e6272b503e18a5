/**
 * What a Secret's `type` asks of its data, as kube-apiserver's ValidateSecret checks it
 * (pkg/apis/core/validation/validation.go), and the 1 MiB that all of a Secret's data may weigh:
 *
 * | type | needs |
 * | --- | --- |
 * | `Opaque`, `""`, any type of your own (`example.com/x`) | nothing |
 * | `kubernetes.io/tls` | `data[tls.crt]` and `data[tls.key]` (either may be empty) |
 * | `kubernetes.io/service-account-token` | the annotation `kubernetes.io/service-account.name` |
 * | `kubernetes.io/dockerconfigjson` | `data[.dockerconfigjson]`, a JSON object |
 * | `kubernetes.io/dockercfg` | `data[.dockercfg]`, a JSON object |
 * | `kubernetes.io/basic-auth` | `data[username]` or `data[password]` |
 * | `kubernetes.io/ssh-auth` | `data[ssh-privatekey]`, not empty |
 *
 * So `kubectl create secret generic x --type=kubernetes.io/tls --from-literal=a=b` is refused with
 * `The Secret "x" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]`.
 * A JSON that does not parse is named as Go's decoder names it when its first character is wrong
 * (`invalid character 'h' looking for beginning of value`) or it ends too soon (`unexpected end of
 * JSON input`); elsewhere the wording is JavaScript's.
 *
 * Given code: kata 10 uses it as it is.
 */
import type { StatusCause } from '@kube/kit';
import { invalidField, requiredField, tooLongField } from './field-errors.ts';

/** All of a Secret's data together may be this many bytes at most (core.MaxSecretSize). */
export const MAX_SECRET_BYTES = 1024 * 1024;

/** What a Secret's data is read as: base64 (foldSecret has already refused anything else). */
const bytesOf = (value: string | undefined): Buffer => Buffer.from(value ?? '', 'base64');

/** What Go's `json.Unmarshal` into a `map[string]interface{}` says of these bytes; undefined when it takes them. */
function jsonObjectError(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const first = text.trimStart()[0];
    if (first === undefined || /end of JSON input/i.test((error as Error).message)) return 'unexpected end of JSON input';
    if (!/[{["\-0-9tfn]/.test(first)) return `invalid character '${first}' looking for beginning of value`;
    return (error as Error).message;
  }
  if (value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined;
  const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

/**
 * The errors of a Secret's data for its type, and of its size.
 *
 * @example
 * ```ts
 * validateSecretData({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==' } });
 * // [{ reason: 'FieldValueRequired', field: 'data[tls.key]', message: 'Required value' }]
 * validateSecretData({ type: 'example.com/mine', data: {} });   // []
 * ```
 */
export function validateSecretData(secret: { type?: string; data?: Record<string, string>; metadata?: { annotations?: Record<string, string> } }): StatusCause[] {
  const data = secret.data ?? {};
  const has = (key: string) => Object.hasOwn(data, key);
  const errors: StatusCause[] = [];
  const total = Object.values(data).reduce((sum, value) => sum + bytesOf(value).length, 0);
  if (total > MAX_SECRET_BYTES) errors.push(tooLongField('data', MAX_SECRET_BYTES));
  /** The key must be there and hold a JSON object (a docker config). */
  const jsonObjectKey = (key: string): void => {
    const problem = has(key) ? jsonObjectError(bytesOf(data[key])) : undefined;
    if (!has(key)) errors.push(requiredField(`data[${key}]`));
    else if (problem !== undefined) errors.push(invalidField(`data[${key}]`, '<secret contents redacted>', problem));
  };
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      // the token, the CA and the account's uid are a controller's to add later
      if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name']) errors.push(requiredField('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockercfg':
      jsonObjectKey('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      jsonObjectKey('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      // either may be empty, but one of them must be there
      if (!has('username') && !has('password')) errors.push(requiredField('data[username]'), requiredField('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (bytesOf(data['ssh-privatekey']).length === 0) errors.push(requiredField('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errors.push(requiredField('data[tls.crt]'));
      if (!has('tls.key')) errors.push(requiredField('data[tls.key]'));
      break;
  }
  return errors;
}
