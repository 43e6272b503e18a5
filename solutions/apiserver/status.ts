/**
 * Status errors: how the apiserver says no.
 *
 * Every failed request is answered with a `Status` object (apimachinery's api/errors/errors.go):
 * `code` is the HTTP status, `reason` is for programs to branch on, `message` is for people, and
 * `details` names the object (and, for Invalid, every field that is wrong). Clients such as kubectl
 * print the message as it is (`Error from server (NotFound): pods "web" not found`), so the
 * messages here are Kubernetes' own, word for word.
 *
 * | constructor | reason | code | message |
 * | --- | --- | --- | --- |
 * | `notFound('pods', 'web')` | NotFound | 404 | `pods "web" not found` |
 * | `alreadyExists('pods', 'web')` | AlreadyExists | 409 | `pods "web" already exists` |
 * | `conflict('pods', 'web')` | Conflict | 409 | `Operation cannot be fulfilled on pods "web": the object has been modified; ...` |
 * | `invalid('Pod', 'web', causes)` | Invalid | 422 | `Pod "web" is invalid: spec.containers[0].image: Required value` |
 * | `badRequest(msg)` | BadRequest | 400 | msg |
 * | `unauthorized()` | Unauthorized | 401 | `Unauthorized` |
 * | `forbidden('pods', 'web', why)` | Forbidden | 403 | `pods "web" is forbidden: why` |
 * | `methodNotAllowed('pods', 'patch')` | MethodNotAllowed | 405 | `patch is not supported on resources of kind "pods"` |
 * | `expired(msg)`, `tooOldResourceVersion(5, 9)` | Expired | 410 | `too old resource version: 5 (9)` |
 * | `requestEntityTooLarge(msg)` | RequestEntityTooLarge | 413 | `Request entity too large: msg` |
 *
 * A resource with a group is written `<resource>.<group>` (`deployments.apps`), a kind `<Kind>.<group>`
 * (`Deployment.apps`), as Kubernetes' GroupResource and GroupKind print: the message keeps the
 * qualified name, `details` splits it into `kind` and `group`.
 *
 * @example
 * ```ts
 * throw notFound('deployments.apps', 'web');
 * // StatusError { status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
 * //   message: 'deployments.apps "web" not found', reason: 'NotFound',
 * //   details: { name: 'web', group: 'apps', kind: 'deployments' }, code: 404 } }
 * ```
 */
import type { Status, StatusCause, StatusDetails, StatusReason } from '@kube/kit';

/** The message of a Conflict from a write that lost a race (the registry's optimistic lock). */
export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

/** The HTTP code of each reason (apimachinery's errors.go). */
export const STATUS_CODES: Readonly<Record<Exclude<StatusReason, ''>, number>> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  ServerTimeout: 504,
  Timeout: 504,
};

/**
 * An error that carries the {@link Status} the apiserver answers with. Throw it anywhere in the
 * apiserver; the HTTP layer (kata 10) writes `status` as the body and `status.code` as the code.
 */
export class StatusError extends Error {
  override readonly name = 'StatusError';

  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'unknown error');
  }

  /** The HTTP code: `status.code`, 500 when missing. */
  get code(): number {
    return this.status.code ?? 500;
  }

  /** The reason, for code to branch on: `status.reason`, '' when missing. */
  get reason(): StatusReason {
    return this.status.reason ?? '';
  }
}

/** True when `error` is a {@link StatusError}, with `reason` when given (`isStatusError(e, 'NotFound')`). */
export function isStatusError(error: unknown, reason?: StatusReason): error is StatusError {
  const isOne = error instanceof StatusError || (error instanceof Error && error.name === 'StatusError' && 'status' in error);
  return isOne && (reason === undefined || (error as StatusError).status.reason === reason);
}

/** A failure Status with the fields in Kubernetes' order; `details` only when given. */
function failure(reason: Exclude<StatusReason, ''>, message: string, details?: StatusDetails): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code: STATUS_CODES[reason],
  });
}

/** Splits `deployments.apps` into `{ kind: 'deployments', group: 'apps' }` (a core name has group ''). */
function split(qualified: string): { kind: string; group: string } {
  const dot = qualified.indexOf('.');
  return dot < 0 ? { kind: qualified, group: '' } : { kind: qualified.slice(0, dot), group: qualified.slice(dot + 1) };
}

/** Details naming one object of a resource: `{ name, group, kind }`, with `group` only when there is one. */
function about(qualified: string, name: string): StatusDetails {
  const { kind, group } = split(qualified);
  return { name, ...(group ? { group } : {}), kind };
}

/** NotFound (404): `pods "web" not found`. `resource` is plural, qualified by its group when it has one. */
export function notFound(resource: string, name: string): StatusError {
  return failure('NotFound', `${resource} "${name}" not found`, about(resource, name));
}

/** NotFound (404) for a resource the server does not serve at all: `the server could not find the requested resource`. */
export function notFoundResource(resource: string): StatusError {
  const { kind, group } = split(resource);
  return failure('NotFound', 'the server could not find the requested resource', { ...(group ? { group } : {}), kind });
}

/** AlreadyExists (409): `pods "web" already exists` — a create of a name that is taken. */
export function alreadyExists(resource: string, name: string): StatusError {
  return failure('AlreadyExists', `${resource} "${name}" already exists`, about(resource, name));
}

/**
 * Conflict (409): `Operation cannot be fulfilled on pods "web": <why>`; `why` is by default
 * {@link OPTIMISTIC_LOCK_MESSAGE}, the answer to an update carrying a stale resourceVersion.
 */
export function conflict(resource: string, name: string, why: string = OPTIMISTIC_LOCK_MESSAGE): StatusError {
  return failure('Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, about(resource, name));
}

/**
 * Invalid (422): the object breaks validation. The message lists every cause as
 * `<field>: <message>`, bracketed when there are several:
 *
 * @example
 * ```ts
 * invalid('Pod', 'web', [{ reason: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' }]).message;
 * // 'Pod "web" is invalid: spec.containers[0].image: Required value'
 * // with two causes: 'Pod "web" is invalid: [spec.a: Required value, spec.b: Required value]'
 * // the whole object's (field ''): 'ConfigMap "big" is invalid: : Too long: must have at most 1048576 bytes'
 * ```
 */
export function invalid(kind: string, name: string, causes: readonly StatusCause[]): StatusError {
  // A field error prints its path even when it is '' (the whole object's), as Go's field.Error does.
  const lines = [...new Set(causes.map((c) => (c.field !== undefined ? `${c.field}: ${c.message ?? ''}` : (c.message ?? ''))))];
  const list = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  return failure('Invalid', `${kind} "${name}" is invalid: ${list}`, { ...about(kind, name), causes: causes.map((c) => ({ ...c })) });
}

/** BadRequest (400): a request the server cannot make sense of; the message is the caller's. */
export function badRequest(message: string): StatusError {
  return failure('BadRequest', message);
}

/** Unauthorized (401): no (valid) credentials. The message defaults to `Unauthorized`. */
export function unauthorized(message = 'Unauthorized'): StatusError {
  return failure('Unauthorized', message);
}

/**
 * Forbidden (403): authenticated, but not allowed: `pods "web" is forbidden: <why>`, or without a
 * name `pods is forbidden: <why>` (a list, a create with generateName).
 */
export function forbidden(resource: string, name: string, why: string): StatusError {
  const subject = name ? `${resource} "${name}"` : resource;
  return failure('Forbidden', `${subject} is forbidden: ${why}`, about(resource, name));
}

/** MethodNotAllowed (405): `patch is not supported on resources of kind "pods"`. */
export function methodNotAllowed(resource: string, action: string): StatusError {
  const { kind, group } = split(resource);
  return failure('MethodNotAllowed', `${action} is not supported on resources of kind "${resource}"`, { ...(group ? { group } : {}), kind });
}

/**
 * MethodNotAllowed (405) for a method its path has no route for, in kube-apiserver's words:
 * `the server does not allow this method on the requested resource` (go-restful's 405, written by
 * handler.go's serviceErrorHandler through NewGenericServerResponse, with empty details). Given:
 * the HTTP handlers of kata 10 use it.
 */
export function noRouteForMethod(): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', details: {}, code: 405 });
}

/** Expired (410): the caller asked for something the server no longer has; the message is the caller's. */
export function expired(message: string): StatusError {
  return failure('Expired', message);
}

/**
 * Expired (410) for a list or watch from a compacted resourceVersion:
 * `too old resource version: 5 (9)` — what was asked for, then the oldest the server still has.
 */
export function tooOldResourceVersion(requested: number | string, oldest: number | string): StatusError {
  return expired(`too old resource version: ${requested} (${oldest})`);
}

/** RequestEntityTooLarge (413): `Request entity too large: <message>`. */
export function requestEntityTooLarge(message: string): StatusError {
  return failure('RequestEntityTooLarge', `Request entity too large: ${message}`);
}

/** InternalError (500): `Internal error occurred: <message>` — a bug, never the client's fault. */
export function internalError(message: string): StatusError {
  return failure('InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/**
 * The Status to answer with for any error: a {@link StatusError}'s own, anything else an
 * InternalError (so a bug in a handler still gets a proper answer).
 */
export function statusOf(error: unknown): Status {
  if (isStatusError(error)) return error.status;
  return internalError(error instanceof Error ? error.message : String(error)).status;
}
