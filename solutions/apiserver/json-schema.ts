/**
 * A custom resource's schema at work (k8s.io/apiextensions-apiserver/pkg/apiserver/schema and
 * k8s.io/kube-openapi/pkg/validation): what the apiserver does with an object of a kind a
 * CustomResourceDefinition made, in the order it does it:
 *
 * 1. **prune** ({@link pruneUnknownFields}): every field the schema does not name is dropped (or,
 *    asked `?fieldValidation=Strict` as kubectl asks, refused), unless the schema says
 *    `x-kubernetes-preserve-unknown-fields`; a `null` where the schema does not say `nullable` goes too;
 * 2. **default** ({@link applySchemaDefaults}): a field with a `default` that the object leaves out is
 *    written in;
 * 3. **validate** ({@link validateAgainstSchema}): types, required fields, bounds, patterns and enums,
 *    in upstream's words:
 *
 * ```
 * spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
 * spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10
 * spec.cronSpec: Invalid value: "* * * *": spec.cronSpec in body should match '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'
 * spec.image: Required value
 * spec.size: Unsupported value: "huge": supported values: "small", "large"
 * ```
 *
 * What is not done: `x-kubernetes-validations` (CEL rules) are kept but not evaluated, `format`
 * is checked for `int32`, `date-time`, `date`, `uuid`, `ipv4`, `ipv6`, `cidr` and `byte` only,
 * and `allOf`/`anyOf`/`oneOf`/`not` are not applied.
 *
 * Given code, beyond the katas: the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * const schema = { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer', default: 1, maximum: 10 } } } } };
 * const object = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'a' }, spec: { bogus: true } };
 * pruneUnknownFields(object, schema);   // ['spec.bogus'], and it is gone
 * applySchemaDefaults(object, schema);  // object.spec.replicas === 1
 * validateAgainstSchema(object, schema); // []
 * ```
 */
import type { JSONSchemaProps, StatusCause } from '@kube/kit';
import { invalidField, requiredField, showValue, tooLongField, unsupportedField, type FieldError } from './field-errors.ts';

/** The fields at the top of every object, whatever its schema says: they are the apiserver's. */
const OBJECT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `spec.ports[0].port`, as kube-openapi names a place: dots between fields, brackets for items. */
function child(path: string, name: string | number): string {
  if (typeof name === 'number') return `${path}[${name}]`;
  return path === '' ? name : `${path}.${name}`;
}

/** The schema of a map's values, if it is a map (`additionalProperties` with a schema). */
function valuesSchema(schema: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObject(schema.additionalProperties) ? (schema.additionalProperties as JSONSchemaProps) : undefined;
}

/**
 * Drops from `value` every field `schema` does not name, at any depth, and every `null` where the
 * schema does not allow one; answers the dropped fields' paths (`spec.bogus`) for the strict decoder
 * and the warnings. At the root (and in an `x-kubernetes-embedded-resource`), apiVersion, kind and
 * metadata are kept: they are every object's.
 */
export function pruneUnknownFields(value: unknown, schema: JSONSchemaProps, path = '', root = true): string[] {
  const dropped: string[] = [];
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => dropped.push(...pruneUnknownFields(item, schema.items!, child(path, i), false)));
    return dropped;
  }
  if (!isObject(value)) return dropped;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const mapValues = valuesSchema(schema);
  const keepsObjectFields = root || schema['x-kubernetes-embedded-resource'] === true;
  for (const [name, field] of Object.entries(value)) {
    if (keepsObjectFields && OBJECT_FIELDS.has(name)) continue;
    const fieldSchema = schema.properties?.[name] ?? mapValues;
    if (fieldSchema === undefined) {
      // a map whose values may be anything (`additionalProperties: true`) keeps them as they are
      if (preserve || schema.additionalProperties === true) continue;
      delete value[name];
      dropped.push(child(path, name));
      continue;
    }
    if (field === null && fieldSchema.nullable !== true) {
      // upstream drops a null the schema does not allow, rather than failing on it
      delete value[name];
      continue;
    }
    dropped.push(...pruneUnknownFields(field, fieldSchema, child(path, name), false));
  }
  return dropped;
}

/**
 * Writes each `default` of `schema` into `value` where the field is missing, depth first: a default
 * object is itself defaulted (upstream's structural defaulting). Items of arrays and values of maps
 * are defaulted by their own schema.
 */
export function applySchemaDefaults(value: unknown, schema: JSONSchemaProps): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applySchemaDefaults(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [name, fieldSchema] of Object.entries(schema.properties ?? {})) {
    if (value[name] === undefined && fieldSchema.default !== undefined) value[name] = structuredClone(fieldSchema.default);
    if (value[name] !== undefined) applySchemaDefaults(value[name], fieldSchema);
  }
  const mapValues = valuesSchema(schema);
  if (mapValues && !schema.properties) for (const item of Object.values(value)) applySchemaDefaults(item, mapValues);
}

/** The JSON type of a value as kube-openapi names it: a whole number is an `integer`. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Whether a value of JSON type `actual` is one of `schema`'s type (an integer is a number too). */
function typeMatches(schema: JSONSchemaProps, actual: string): boolean {
  if (schema['x-kubernetes-int-or-string']) return actual === 'integer' || actual === 'string';
  if (schema.type === undefined || schema.type === '') return true;
  return schema.type === actual || (schema.type === 'number' && actual === 'integer');
}

/** `a in body <message>`: kube-openapi's errors name the place and where it was (the body). */
function inBody(path: string, message: string): string {
  return `${path} in body ${message}`;
}

function typeInvalid(path: string, actual: string, expected: string): FieldError {
  return { reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: ${JSON.stringify(actual)}: ${inBody(path, `must be of type ${expected}: ${JSON.stringify(actual)}`)}` };
}

function tooMany(path: string, actual: number, max: number): FieldError {
  return { reason: 'FieldValueTooMany', field: path, message: `Too many: ${actual}: must have at most ${max} items` };
}

/** An enum's values as upstream lists them: strings as they are, anything else as JSON. */
function enumValues(values: readonly unknown[]): string[] {
  return values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
}

const INT32 = 2 ** 31;

/**
 * The problems of `value` against `schema`, as field errors (see the module's examples). A value
 * of the wrong type gets that one error and nothing below it; otherwise every rule is checked and
 * every problem reported, fields and items first.
 */
export function validateAgainstSchema(value: unknown, schema: JSONSchemaProps, path = ''): StatusCause[] {
  const actual = jsonTypeOf(value);
  if (value === null) return schema.nullable || !schema.type ? [] : [typeInvalid(path, 'null', schema.type)];
  if (!typeMatches(schema, actual)) return [typeInvalid(path, actual, schema['x-kubernetes-int-or-string'] ? 'integer,string' : schema.type!)];
  const problems: StatusCause[] = [];
  if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    problems.push(unsupportedField(path, value, enumValues(schema.enum)));
  }
  if (Array.isArray(value)) problems.push(...arrayProblems(value, schema, path));
  else if (isObject(value)) problems.push(...objectProblems(value, schema, path));
  else if (typeof value === 'string') problems.push(...stringProblems(value, schema, path));
  else if (typeof value === 'number') problems.push(...numberProblems(value, schema, path));
  return problems;
}

function objectProblems(value: Record<string, unknown>, schema: JSONSchemaProps, path: string): StatusCause[] {
  const problems: StatusCause[] = [];
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) problems.push(requiredField(child(path, name)));
  }
  const mapValues = valuesSchema(schema);
  for (const [name, field] of Object.entries(value)) {
    if (path === '' && OBJECT_FIELDS.has(name)) continue;
    const fieldSchema = schema.properties?.[name] ?? mapValues;
    if (fieldSchema) problems.push(...validateAgainstSchema(field, fieldSchema, child(path, name)));
  }
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) problems.push(tooMany(path, count, schema.maxProperties));
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    problems.push(invalidField(path, value, inBody(path, `should have at least ${schema.minProperties} properties`)));
  }
  return problems;
}

function arrayProblems(value: unknown[], schema: JSONSchemaProps, path: string): StatusCause[] {
  const problems: StatusCause[] = [];
  if (schema.items) value.forEach((item, i) => problems.push(...validateAgainstSchema(item, schema.items!, child(path, i))));
  if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(tooMany(path, value.length, schema.maxItems));
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    problems.push(invalidField(path, value, inBody(path, `should have at least ${schema.minItems} items`)));
  }
  if (schema.uniqueItems && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) {
    problems.push(invalidField(path, value, inBody(path, "shouldn't contain duplicates")));
  }
  return problems;
}

function stringProblems(value: string, schema: JSONSchemaProps, path: string): StatusCause[] {
  const problems: StatusCause[] = [];
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) problems.push(tooLongField(path, schema.maxLength));
  if (schema.minLength !== undefined && length < schema.minLength) {
    problems.push(invalidField(path, value, inBody(path, `should be at least ${schema.minLength} chars long`)));
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    problems.push(invalidField(path, value, inBody(path, `should match '${schema.pattern}'`)));
  }
  const format = schema.format === undefined ? undefined : STRING_FORMATS[schema.format];
  if (format && !format.test(value)) problems.push(invalidField(path, value, inBody(path, `must be of type ${schema.format}: ${JSON.stringify(value)}`)));
  return problems;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The string formats checked (kube-openapi's strfmt registry has more): what a valid value looks like. */
const STRING_FORMATS: Readonly<Record<string, { test(value: string): boolean }>> = {
  'date-time': { test: (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)) },
  date: { test: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) },
  uuid: { test: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v) },
  ipv4: IPV4,
  ipv6: { test: (v) => v.includes(':') && /^[0-9a-fA-F:.]+$/.test(v) && v.split('::').length <= 2 },
  cidr: { test: (v) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(v) && (IPV4.test(v.split('/')[0]!) || v.includes(':')) },
  byte: { test: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0 },
};

function numberProblems(value: number, schema: JSONSchemaProps, path: string): StatusCause[] {
  const problems: StatusCause[] = [];
  const fail = (message: string) => problems.push(invalidField(path, value, inBody(path, message)));
  if (schema.maximum !== undefined) {
    if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
      fail(schema.exclusiveMaximum ? `should be less than ${schema.maximum}` : `should be less than or equal to ${schema.maximum}`);
    }
  }
  if (schema.minimum !== undefined) {
    if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
      fail(schema.exclusiveMinimum ? `should be greater than ${schema.minimum}` : `should be greater than or equal to ${schema.minimum}`);
    }
  }
  if (schema.multipleOf !== undefined && schema.multipleOf > 0 && !Number.isInteger(value / schema.multipleOf)) {
    fail(`should be a multiple of ${schema.multipleOf}`);
  }
  if (schema.format === 'int32' && (value < -INT32 || value >= INT32)) fail(`must be of type int32: ${showValue(String(value))}`);
  return problems;
}
