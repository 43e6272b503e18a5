/**
 * What Go's JSON decoder says of a value of the wrong type: kube-apiserver decodes a body into
 * its Go types, and a string where an integer belongs fails the request before anything else is
 * looked at (apimachinery's json serializer, sigs.k8s.io/json's UnmarshalTypeError, worded by
 * transformDecodeError):
 *
 * ```
 * spec: { terminationGracePeriodSeconds: "abc" }
 *   400 BadRequest  Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string
 *                   into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64
 * spec: { replicas: 1.5 }            … cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32
 * spec: { containers: [{ args: [1] }] }  … cannot unmarshal number into Go struct field Container.spec.containers.args of type string
 * ```
 *
 * The struct named is the innermost one holding the field, the path runs from the object's root
 * through field names only (no indexes), and the type is Go's: `string`, `int32`, `int64`, `bool`,
 * `float64`, `[]string`, `map[string]string`, `v1.PodSpec`. A null is no error (Go leaves the
 * zero value). The types are the kit's (kit/api/openapi.json); a field the kit does not describe,
 * and the types that read themselves (Quantity, IntOrString, Time), are not checked here.
 *
 * Given code: field-validation.ts calls it for every created and replaced object.
 */
import { openApiSchemas, type OpenApiSchema } from '@kube/kit';

/**
 * The integer fields Go declares as int64 (the rest are int32), as `field` or `Struct.field`:
 * grace periods and a toleration's seconds, user and group ids, generations, a CronJob's
 * deadline, a revision.
 */
const INT64_FIELDS = new Set([
  'terminationGracePeriodSeconds',
  'tolerationSeconds',
  'activeDeadlineSeconds',
  'deletionGracePeriodSeconds',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'supplementalGroups',
  'generation',
  'observedGeneration',
  'startingDeadlineSeconds',
  'revision',
  'ServiceAccountTokenProjection.expirationSeconds',
  'TokenRequestSpec.expirationSeconds',
]);

/** The types that decode themselves from more than one JSON form: not checked here. */
const SELF_DECODING = new Set(['Quantity', 'IntOrString', 'Time', 'MicroTime', 'RawExtension', 'JSON', 'JSONSchemaPropsOrArray', 'JSONSchemaPropsOrBool', 'JSONSchemaPropsOrStringArray']);

/** The schema a property refers to (`$ref`, or the kit's `allOf: [{ $ref }]`), by name. */
function referenced(schema: OpenApiSchema): string | undefined {
  const ref = schema.$ref ?? schema.allOf?.[0]?.$ref;
  return ref?.replace('#/components/schemas/', '');
}

/** `io.k8s.api.core.v1.PodSpec` → `PodSpec`; as Go prints the type, `v1.PodSpec`. */
const shortName = (name: string) => name.slice(name.lastIndexOf('.') + 1);
const goTypeName = (name: string) => name.split('.').slice(-2).join('.');

/** Go's name for what a JSON value is: `string`, `number`, `number 1.5` (into an integer), `bool`, `array`, `object`. */
function jsonKind(value: unknown, integer = false): string {
  if (typeof value === 'number') return integer && !Number.isInteger(value) ? `number ${value}` : 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : 'string';
}

/** What a value of a schema must be, and Go's name for it; undefined for one not checked. */
function expected(schema: OpenApiSchema, struct: string, field: string): { goType: string; accepts: (value: unknown) => boolean; integer?: boolean } | undefined {
  const ref = referenced(schema);
  if (ref !== undefined) {
    if (SELF_DECODING.has(shortName(ref)) || openApiSchemas()[ref] === undefined) return undefined;
    return { goType: goTypeName(ref), accepts: (value) => typeof value === 'object' && !Array.isArray(value) };
  }
  switch (schema.type) {
    case 'string':
      return { goType: 'string', accepts: (value) => typeof value === 'string' };
    case 'boolean':
      return { goType: 'bool', accepts: (value) => typeof value === 'boolean' };
    case 'number':
      return { goType: 'float64', accepts: (value) => typeof value === 'number' };
    case 'integer': {
      const goType = INT64_FIELDS.has(field) || INT64_FIELDS.has(`${struct}.${field}`) ? 'int64' : 'int32';
      return { goType, accepts: (value) => typeof value === 'number' && Number.isInteger(value), integer: true };
    }
    case 'array': {
      const item = schema.items ? expected(schema.items, struct, field) : undefined;
      return { goType: `[]${item?.goType ?? 'interface {}'}`, accepts: Array.isArray };
    }
    case 'object': {
      if (!schema.additionalProperties || typeof schema.additionalProperties !== 'object') return undefined;
      const item = expected(schema.additionalProperties, struct, field);
      return { goType: `map[string]${item?.goType ?? 'interface {}'}`, accepts: (value) => typeof value === 'object' && !Array.isArray(value) };
    }
    default:
      return undefined;
  }
}

/**
 * The first value of `object` (of the kit's type `typeName`, `io.k8s.api.core.v1.Pod`) whose JSON
 * type is not its field's, worded as Go's decoder words it; undefined when every value fits.
 */
export function decodeTypeError(typeName: string, object: unknown): string | undefined {
  return structError(typeName, object, '');
}

function structError(typeName: string, value: unknown, path: string): string | undefined {
  const schema = openApiSchemas()[typeName];
  if (!schema?.properties || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const struct = shortName(typeName);
  // In the body's order, as the decoder meets them.
  for (const [field, child] of Object.entries(value as Record<string, unknown>)) {
    const property = Object.hasOwn(schema.properties, field) ? schema.properties[field]! : undefined;
    if (property === undefined || child === null) continue;
    const at = path === '' ? field : `${path}.${field}`;
    const error = valueError(property, struct, field, at, child);
    if (error) return error;
  }
  return undefined;
}

/** A field's value (or an item or map value of it) against its schema. */
function valueError(schema: OpenApiSchema, struct: string, field: string, at: string, value: unknown): string | undefined {
  const want = expected(schema, struct, field);
  if (want === undefined) return undefined;
  if (!want.accepts(value)) return `json: cannot unmarshal ${jsonKind(value, want.integer)} into Go struct field ${struct}.${at} of type ${want.goType}`;
  const ref = referenced(schema);
  if (ref !== undefined) return structError(ref, value, at);
  if (schema.type === 'array' && schema.items) {
    for (const item of value as unknown[]) {
      const error = item === null ? undefined : valueError(schema.items, struct, field, at, item);
      if (error) return error;
    }
  }
  if (schema.type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const item of Object.values(value as Record<string, unknown>)) {
      const error = item === null ? undefined : valueError(schema.additionalProperties, struct, field, at, item);
      if (error) return error;
    }
  }
  return undefined;
}
