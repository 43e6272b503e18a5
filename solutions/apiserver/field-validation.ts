/**
 * Field validation: what the apiserver does with a field its types do not have — a learner's
 * `contianers:`, an `imagepullPolicy:` — as the request's `?fieldValidation=` asks (KEP-2885, GA
 * in Kubernetes 1.27; upstream decodes strictly in apimachinery's serializers and reports from
 * handlers/create.go, update.go and patch.go).
 *
 * | `fieldValidation` | an unknown field |
 * | --- | --- |
 * | `Strict` | the request fails, naming every unknown field: 400 BadRequest for a create or an update, 422 Invalid for a patch |
 * | `Warn` (also when the request names none) | dropped, and named in a `Warning` header: kubectl prints `Warning: unknown field "spec.bogus"` |
 * | `Ignore` | dropped |
 *
 * kubectl 1.32 sends `Strict` (its `--validate=strict` default) because this server's OpenAPI
 * documents say it takes the parameter (discovery.ts); `kubectl --validate=warn` sends `Warn`,
 * `--validate=false` sends `Ignore`. Clients that name none (client-go, client-node, this
 * workbook's components) get `Warn`.
 *
 * The known fields are upstream's (kit/api/known-fields.json, made by tools/openapi.ts from the
 * `kubernetes-types` package, Kubernetes 1.30's types) and the kit's: a field upstream has and the
 * kit does not (`imagePullPolicy`, `volumeMounts`) is kept as it was sent, as before. What is not
 * done: JSON's duplicate keys (upstream's `duplicate field "x"`) cannot be seen once JSON.parse has
 * read them, so the last one wins as it does in a `Warn` decode; protobuf bodies have no unknown
 * fields to find.
 *
 * Given code: kata 10's handler calls it through `writeOptions`, `create` and `write`.
 *
 * @example
 * ```ts
 * const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'a', image: 'nginx', bogus: 1 }] } });
 * checkDecodedFields(pod(), 'v1', 'Pod', 'Warn');    // ['unknown field "spec.containers[0].bogus"'], and the field is gone
 * checkDecodedFields(pod(), 'v1', 'Pod', 'Strict');
 * // throws 400: Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].bogus"
 * ```
 */
import { knownFieldTypes } from '@kube/kit';
import { decodeTypeError } from './decode-types.ts';
import { badRequest, invalid } from './status.ts';

/** What a request asks the server to do with unknown fields. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/**
 * The directive of a write's query (`?fieldValidation=Strict`), `Warn` when there is none. Any
 * other value is refused as kube-apiserver refuses it (apimachinery's ValidateFieldValidation), a
 * 422 Invalid of the options:
 * `CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"`.
 *
 * @param optionsKind - CreateOptions, UpdateOptions or PatchOptions
 */
export function fieldValidationOf(query: URLSearchParams, optionsKind: string): FieldValidation {
  const value = query.get('fieldValidation') ?? '';
  if (value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  const message = `Unsupported value: ${JSON.stringify(value)}: supported values: "", "Ignore", "Strict", "Warn"`;
  throw invalid(`${optionsKind}.meta.k8s.io`, '', [{ reason: 'FieldValueNotSupported', field: 'fieldValidation', message }]);
}

/**
 * The upstream name of a kind's type: `('apps/v1', 'Deployment')` → `io.k8s.api.apps.v1.Deployment`,
 * `('rbac.authorization.k8s.io/v1', 'Role')` → `io.k8s.api.rbac.v1.Role`.
 */
export function typeNameOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  if (group === 'apiextensions.k8s.io') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}.${kind}`;
  if (group === 'apiregistration.k8s.io') return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}.${kind}`;
  return `io.k8s.api.${group!.split('.')[0]}.${version}.${kind}`;
}

/**
 * Removes from `value` every field its type (`typeName`, see {@link typeNameOf}) does not have,
 * at any depth, and answers their paths in the order they came (`spec.containers[0].bogus`, as
 * upstream's strict decoder names them). A type this server has no fields of is left alone.
 */
export function dropUnknownFields(typeName: string, value: unknown, path = ''): string[] {
  const known = knownFieldTypes();
  // Own properties only: a body's "toString" is no field of any kind.
  const fields = Object.hasOwn(known, typeName) ? known[typeName]! : undefined;
  if (fields === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const dropped: string[] = [];
  const object = value as Record<string, unknown>;
  for (const [name, child] of Object.entries(object)) {
    const at = path === '' ? name : `${path}.${name}`;
    const type = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (type === undefined) {
      dropped.push(at);
      delete object[name];
    } else if (type.startsWith('[]')) {
      if (Array.isArray(child)) child.forEach((item, i) => dropped.push(...dropUnknownFields(type.slice(2), item, `${at}[${i}]`)));
    } else if (type.startsWith('{}')) {
      if (typeof child === 'object' && child !== null) for (const [key, item] of Object.entries(child)) dropped.push(...dropUnknownFields(type.slice(2), item, `${at}[${key}]`));
    } else if (type !== '') {
      dropped.push(...dropUnknownFields(type, child, at));
    }
  }
  return dropped;
}

/** How a custom resource's kind drops its unknown fields (json-schema.ts), by `apiVersion|kind`. */
const CUSTOM_PRUNERS = new Map<string, (object: object) => string[]>();

/**
 * Gives a custom resource's kind its own pruning (custom-resources.ts, from the definition's
 * schema), or, with none, takes it away again.
 */
export function setCustomFieldPruner(apiVersion: string, kind: string, prune: ((object: object) => string[]) | undefined): void {
  if (prune) CUSTOM_PRUNERS.set(`${apiVersion}|${kind}`, prune);
  else CUSTOM_PRUNERS.delete(`${apiVersion}|${kind}`);
}

/** The unknown fields of an object of `kind`, dropped: by its schema for a custom resource, else by the known fields. */
function dropFieldsOf(object: object, apiVersion: string, kind: string): string[] {
  const custom = CUSTOM_PRUNERS.get(`${apiVersion}|${kind}`);
  return custom ? custom(object) : dropUnknownFields(typeNameOf(apiVersion, kind), object);
}

/** `strict decoding error: unknown field "a", unknown field "b"` (apimachinery's strictDecodingError). */
function strictDecodingError(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map((path) => `unknown field ${JSON.stringify(path)}`).join(', ')}`;
}

/** The warnings for dropped fields, as upstream words them: `unknown field "spec.bogus"`. */
function warningsFor(paths: readonly string[], directive: FieldValidation): string[] {
  return directive === 'Warn' ? paths.map((path) => `unknown field ${JSON.stringify(path)}`) : [];
}

/**
 * A created or replaced object (POST, PUT): a 400 BadRequest for a value of the wrong type, as Go's
 * decoder words it (decode-types.ts); then its unknown fields dropped; with `Strict`, a 400
 * BadRequest if it had any, worded as upstream's transformDecodeError:
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogus"`.
 * Answers the warnings to send (with `Warn`).
 */
export function checkDecodedFields(object: object, apiVersion: string, kind: string, directive: FieldValidation): string[] {
  const version = apiVersion.split('/').at(-1)!;
  // A value of the wrong type fails the decode itself, whatever the directive (decode-types.ts).
  const typeError = CUSTOM_PRUNERS.has(`${apiVersion}|${kind}`) ? undefined : decodeTypeError(typeNameOf(apiVersion, kind), object);
  if (typeError) throw badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${typeError}`);
  const dropped = dropFieldsOf(object, apiVersion, kind);
  if (dropped.length > 0 && directive === 'Strict') {
    throw badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${strictDecodingError(dropped)}`);
  }
  return warningsFor(dropped, directive);
}

/**
 * A patched object (PATCH): a 422 Invalid of the field `patch` for a value of the wrong type, as
 * a JSON merge patch's decode words it (`...: json: cannot unmarshal string into Go struct field
 * DeploymentSpec.spec.replicas of type int32`; upstream's strategic merge patch converts a map
 * instead and says `unrecognized type: int32`). Then its unknown fields dropped; with `Strict`, a
 * 422 Invalid of the field `patch` if it had any, as patch.go words it, showing the patched object as JSON:
 * ` "" is invalid: patch: Invalid value: "{\"apiVersion\":\"v1\",...}": strict decoding error: unknown field "spec.bogus"`.
 * (For a strategic merge patch upstream shows the patch instead, as Go prints a map.) Answers
 * the warnings to send (with `Warn`).
 */
export function checkPatchedFields(patched: object, apiVersion: string, kind: string, directive: FieldValidation): string[] {
  // A value of the wrong type fails the decode of the patched object, whatever the directive.
  const typeError = CUSTOM_PRUNERS.has(`${apiVersion}|${kind}`) ? undefined : decodeTypeError(typeNameOf(apiVersion, kind), patched);
  if (typeError) throw invalid('', '', [{ reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(JSON.stringify(patched))}: ${typeError}` }]);
  const shown = directive === 'Strict' ? JSON.stringify(patched) : '';
  const dropped = dropFieldsOf(patched, apiVersion, kind);
  if (dropped.length > 0 && directive === 'Strict') {
    throw invalid('', '', [{ reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(shown)}: ${strictDecodingError(dropped)}` }]);
  }
  return warningsFor(dropped, directive);
}

/** The warnings each answer carries, beside it: upstream keeps them in the request's context. */
const WARNINGS = new WeakMap<object, readonly string[]>();

/**
 * `object` with `warnings` to send with it (a copy, so that the stored object never carries
 * them); `object` itself when there are none.
 */
export function withWarnings<T extends object>(object: T, warnings: readonly string[]): T {
  if (warnings.length === 0) return object;
  const answer = { ...object };
  WARNINGS.set(answer, warnings);
  return answer;
}

/** The warnings {@link withWarnings} put beside an answer's body; none for any other body. */
export function warningsOf(body: unknown): readonly string[] {
  return typeof body === 'object' && body !== null ? (WARNINGS.get(body) ?? []) : [];
}

/**
 * A `Warning` header's value for one warning (RFC 7234's form, which kube-apiserver sends and
 * kubectl prints as `Warning: <text>`): `299 - "unknown field \"spec.bogus\""`.
 */
export function warningHeader(text: string): string {
  return `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
