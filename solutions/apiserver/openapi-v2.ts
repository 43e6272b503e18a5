/**
 * `GET /openapi/v2`: the whole API in one Swagger 2.0 document, as kube-apiserver serves it beside
 * the per-group OpenAPI v3 documents (k8s.io/kube-openapi/pkg/handler). kubectl reads it where v3
 * does not describe a kind: it validates on the client, against this document, whatever it sends
 * whose kind no v3 document names — a `List` (what `kubectl get -o yaml` of several objects writes),
 * a subresource's kind (`Eviction`), a kind that does not exist (`kind: Deploymnet`). Without it
 * every one of those fails with `error validating data: failed to download openapi`, where a
 * cluster applies the list, or says `no matches for kind "Deploymnet" in version "apps/v1"`.
 *
 * kubectl asks for protobuf, gnostic's `openapi.v2.Document` (client-go's discovery
 * `OpenAPISchema`), so the document is served in both forms:
 *
 * ```
 * GET /openapi/v2   Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf
 *   → 200 Content-Type: application/com.github.proto-openapi.spec.v2.v1.0+protobuf   (gnostic's message)
 * GET /openapi/v2   Accept: application/json           (kubectl get --raw /openapi/v2)
 *   → 200 Content-Type: application/json
 *       { "swagger": "2.0", "paths": { "/api/v1/namespaces/{namespace}/pods": { "get": …, "post": … } … },
 *         "definitions": { "io.k8s.api.core.v1.Pod": { "x-kubernetes-group-version-kind": [{ "group": "", "kind": "Pod", "version": "v1" }], … } … } }
 * GET /openapi/v2   If-None-Match: <its ETag>   → 304
 * GET /openapi/v2   Accept: text/html            → 406
 * ```
 *
 * The definitions are every type the server knows the fields of (kit/api/known-fields.json), with
 * the kit's descriptions and value types where it has them (kit/api/openapi.json): kubectl refuses a
 * field the document does not list (`unknown field "x" in io.k8s.api.core.v1.ConfigMap`), so the
 * document lists every field the server takes. The paths are the v3 documents' operations.
 *
 * Simplified: a custom resource's kind has no definition (kubectl then skips its client-side
 * check; the server still validates it against its schema); operations carry no body parameters
 * or response schemas; the schemas carry no patch strategies or merge keys
 * (`x-kubernetes-patch-merge-key`), so PATCH operations list no media types, which makes
 * `kubectl apply` compute its strategic merge patch from its built-in types, as it did before.
 *
 * Given code: kata 10 uses it as it is.
 */
import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';
import { knownFieldTypes, openApiSchemas, type OpenApiSchema } from '@kube/kit';
import { openApiDocument, openApiIndex, SERVER_VERSION } from './discovery.ts';
import { customResourcesGeneration } from './custom-resources.ts';
import { RESOURCES } from './resources.ts';

/** Where the document is served. */
export const OPENAPI_V2_PATH = '/openapi/v2';

/** The media type the protobuf form is answered with (kube-openapi's, with a dot where kubectl's Accept has an `@`). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** A Swagger 2.0 schema, as much of one as this document writes. */
export interface SwaggerSchema {
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  default?: unknown;
  enum?: unknown[];
  required?: string[];
  items?: SwaggerSchema;
  properties?: Record<string, SwaggerSchema>;
  additionalProperties?: SwaggerSchema;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string }[];
}

/** A parameter of an operation or a path: only query and path parameters here. */
interface SwaggerParameter {
  name: string;
  in: 'query' | 'path';
  type: string;
  uniqueItems: boolean;
  required?: boolean;
  description?: string;
}

interface SwaggerOperation {
  operationId: string;
  consumes?: string[];
  produces?: string[];
  schemes: string[];
  parameters: SwaggerParameter[];
  responses: Record<string, { description: string }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; kind: string; version: string };
}

/** The document, in its JSON form. */
export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, Record<string, SwaggerOperation | SwaggerParameter[]>>;
  definitions: Record<string, SwaggerSchema>;
  securityDefinitions: Record<string, { type: string; name: string; in: string; description: string }>;
  security: Record<string, string[]>[];
}

const REF_V3 = '#/components/schemas/';
const REF_V2 = '#/definitions/';

/** Types that Go marshals as strings of their own (upstream's v2 says `type: string`, a format for some). */
const STRING_TYPES: Record<string, SwaggerSchema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
};

/**
 * Kinds served without a schema of the kit's own (a subresource's, a review's), by their
 * definition's name. Their definitions come from the known fields alone.
 */
const KINDS_WITHOUT_KIT_SCHEMA: Record<string, { group: string; kind: string; version: string }> = {
  'io.k8s.api.policy.v1.Eviction': { group: 'policy', kind: 'Eviction', version: 'v1' },
};

/** The upstream name of a served kind's type: `authentication.k8s.io/v1 TokenReview` → `io.k8s.api.authentication.v1.TokenReview`. */
function definitionName(group: string, version: string, kind: string): string {
  return `io.k8s.api.${group === '' ? 'core' : group.replace(/\.k8s\.io$/, '')}.${version}.${kind}`;
}

/** A kit schema in Swagger 2.0's words: `$ref`s into `#/definitions/`, a lone `allOf` as the `$ref` it wraps. */
function fromKit(schema: OpenApiSchema): SwaggerSchema {
  const { $ref, allOf, items, properties, additionalProperties, ...rest } = schema as OpenApiSchema & { default?: unknown; enum?: unknown[]; required?: string[]; format?: string };
  const out: SwaggerSchema = { ...rest };
  const ref = $ref ?? (allOf?.length === 1 ? allOf[0]!.$ref : undefined);
  if (ref !== undefined) out.$ref = REF_V2 + ref.slice(REF_V3.length);
  // kubectl parses an array only with the schema of its items
  if (schema.type === 'array') out.items = items ? fromKit(items) : {};
  if (properties) out.properties = Object.fromEntries(Object.entries(properties).map(([field, value]) => [field, fromKit(value)]));
  if (additionalProperties) out.additionalProperties = fromKit(additionalProperties);
  return out;
}

/** A known field's schema from what it holds: `''` anything (nothing inside is checked), `T`, `[]T`, `{}T`. */
function fromFieldType(type: string): SwaggerSchema {
  if (type === '') return {};
  if (type.startsWith('[]')) return { type: 'array', items: fromFieldType(type.slice(2)) };
  if (type.startsWith('{}')) return { type: 'object', additionalProperties: fromFieldType(type.slice(2)) };
  return { $ref: REF_V2 + type };
}

/** Every type's definition: the kit's fields as the kit describes them, then the other fields the server knows. */
function definitions(): Record<string, SwaggerSchema> {
  const kit = openApiSchemas();
  const known = knownFieldTypes();
  const kinds = new Map(Object.entries(KINDS_WITHOUT_KIT_SCHEMA));
  for (const type of RESOURCES.values()) {
    if (type.custom) continue;
    const version = type.apiVersion.split('/').at(-1)!;
    const name = definitionName(type.group, version, type.kind);
    if (kit[name] === undefined && known[name] !== undefined) kinds.set(name, { group: type.group, kind: type.kind, version });
  }
  const result: Record<string, SwaggerSchema> = {};
  for (const name of [...new Set([...Object.keys(kit), ...Object.keys(known)])].sort()) {
    const schema: SwaggerSchema = kit[name] ? fromKit(kit[name]!) : {};
    Object.assign(schema, STRING_TYPES[name]);
    const fields = known[name];
    if (fields) {
      schema.type = 'object';
      schema.properties ??= {};
      for (const [field, type] of Object.entries(fields)) schema.properties[field] ??= fromFieldType(type);
    }
    if (kinds.has(name)) schema['x-kubernetes-group-version-kind'] = [kinds.get(name)!];
    result[name] = schema;
  }
  return result;
}

/** Every v3 document's paths, each operation in Swagger 2.0's words, with its path's parameters. */
function paths(): SwaggerDocument['paths'] {
  const result: SwaggerDocument['paths'] = {};
  for (const path of Object.keys((openApiIndex() as { paths: Record<string, unknown> }).paths)) {
    const document = openApiDocument(path) as { paths: Record<string, Record<string, V3Operation>> } | undefined;
    for (const [url, item] of Object.entries(document?.paths ?? {})) {
      const entry: Record<string, SwaggerOperation | SwaggerParameter[]> = {};
      for (const [method, operation] of Object.entries(item)) entry[method] = fromV3Operation(operation);
      const pathParameters = [...url.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name: name!, in: 'path' as const, type: 'string', uniqueItems: true, required: true, description: PATH_PARAMETERS[name!] ?? name! }));
      if (pathParameters.length > 0) entry['parameters'] = pathParameters;
      result[url] = entry;
    }
  }
  return result;
}

const PATH_PARAMETERS: Record<string, string> = {
  namespace: 'object name and auth scope, such as for teams and projects',
  name: 'name of the object',
};

interface V3Operation {
  operationId: string;
  parameters: { name: string; in: 'query'; schema: { type: string; uniqueItems: boolean } }[];
  responses: Record<string, { description: string }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; kind: string; version: string };
}

function fromV3Operation(operation: V3Operation): SwaggerOperation {
  const writes = operation['x-kubernetes-action'] !== 'get' && operation['x-kubernetes-action'] !== 'list';
  return {
    operationId: operation.operationId,
    // A PATCH names no media types: kubectl would then compute `apply`'s strategic merge patch from
    // this document, which has no patch strategies or merge keys, instead of from its own types.
    ...(writes && operation['x-kubernetes-action'] !== 'patch' && { consumes: ['*/*'] }),
    produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    parameters: operation.parameters.map((parameter) => ({ name: parameter.name, in: parameter.in, type: parameter.schema.type, uniqueItems: parameter.schema.uniqueItems })),
    responses: operation.responses,
    'x-kubernetes-action': operation['x-kubernetes-action'],
    'x-kubernetes-group-version-kind': operation['x-kubernetes-group-version-kind'],
  };
}

/**
 * The document in its JSON form.
 *
 * @example
 * ```ts
 * openApiV2Document().definitions['io.k8s.api.policy.v1.Eviction']['x-kubernetes-group-version-kind'];
 * // [{ group: 'policy', kind: 'Eviction', version: 'v1' }]
 * ```
 */
export function openApiV2Document(): SwaggerDocument {
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths: paths(),
    definitions: definitions(),
    securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    security: [{ BearerToken: [] }],
  };
}

/**
 * The part of gnostic's openapiv2/OpenAPIv2.proto this document uses, with gnostic's field
 * numbers (a reader skips what it does not know, so the messages may leave fields out).
 */
const GNOSTIC_PROTO = `
syntax = "proto3";
package openapi.v2;
message Document {
  string swagger = 1; Info info = 2; Paths paths = 8; Definitions definitions = 9;
  repeated SecurityRequirement security = 12; SecurityDefinitions security_definitions = 13;
}
message Info { string title = 1; string version = 2; }
message Any { string yaml = 2; }
message NamedAny { string name = 1; Any value = 2; }
message Paths { repeated NamedPathItem path = 2; }
message NamedPathItem { string name = 1; PathItem value = 2; }
message PathItem {
  Operation get = 2; Operation put = 3; Operation post = 4; Operation delete = 5; Operation patch = 8;
  repeated ParametersItem parameters = 9;
}
message Operation {
  string operation_id = 5; repeated string produces = 6; repeated string consumes = 7;
  repeated ParametersItem parameters = 8; Responses responses = 9; repeated string schemes = 10;
  repeated NamedAny vendor_extension = 13;
}
message ParametersItem { Parameter parameter = 1; }
message Parameter { NonBodyParameter non_body_parameter = 2; }
message NonBodyParameter { QueryParameterSubSchema query_parameter_sub_schema = 3; PathParameterSubSchema path_parameter_sub_schema = 4; }
message QueryParameterSubSchema { string in = 2; string description = 3; string name = 4; string type = 6; bool unique_items = 20; }
message PathParameterSubSchema { bool required = 1; string in = 2; string description = 3; string name = 4; string type = 5; bool unique_items = 19; }
message Responses { repeated NamedResponseValue response_code = 1; }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message ResponseValue { Response response = 1; }
message Response { string description = 1; }
message Definitions { repeated NamedSchema additional_properties = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Schema {
  string _ref = 1; string format = 2; string description = 4; Any default = 5;
  repeated string required = 19; repeated Any enum = 20; AdditionalPropertiesItem additional_properties = 21;
  TypeItem type = 22; ItemsItem items = 23; Properties properties = 25;
  repeated NamedAny vendor_extension = 31;
}
message AdditionalPropertiesItem { Schema schema = 1; }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message Properties { repeated NamedSchema additional_properties = 1; }
message SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1; }
message NamedSecurityDefinitionsItem { string name = 1; SecurityDefinitionsItem value = 2; }
message SecurityDefinitionsItem { ApiKeySecurity api_key_security = 2; }
message ApiKeySecurity { string type = 1; string name = 2; string in = 3; string description = 4; }
message SecurityRequirement { repeated NamedStringArray additional_properties = 1; }
message NamedStringArray { string name = 1; StringArray value = 2; }
message StringArray { repeated string value = 1; }
`;

let gnostic: protobuf.Type | undefined;

/** gnostic keeps any value that is not a schema (a default, an enum's member, an extension) as YAML text; JSON is YAML. */
const any = (value: unknown) => ({ yaml: `${JSON.stringify(value)}\n` });

function gnosticSchema(schema: SwaggerSchema): object {
  return {
    ...(schema.$ref !== undefined && { _ref: schema.$ref }),
    ...(schema.format !== undefined && { format: schema.format }),
    ...(schema.description !== undefined && { description: schema.description }),
    ...(schema.default !== undefined && { default: any(schema.default) }),
    ...(schema.required && { required: schema.required }),
    ...(schema.enum && { enum: schema.enum.map(any) }),
    ...(schema.additionalProperties && { additional_properties: { schema: gnosticSchema(schema.additionalProperties) } }),
    ...(schema.type !== undefined && { type: { value: [schema.type] } }),
    ...(schema.items && { items: { schema: [gnosticSchema(schema.items)] } }),
    ...(schema.properties && { properties: { additional_properties: Object.entries(schema.properties).map(([name, value]) => ({ name, value: gnosticSchema(value) })) } }),
    ...(schema['x-kubernetes-group-version-kind'] && { vendor_extension: [{ name: 'x-kubernetes-group-version-kind', value: any(schema['x-kubernetes-group-version-kind']) }] }),
  };
}

function gnosticParameter(parameter: SwaggerParameter): object {
  const { in: where, uniqueItems, ...rest } = parameter;
  const sub = { ...rest, in: where, unique_items: uniqueItems };
  return { parameter: { non_body_parameter: where === 'path' ? { path_parameter_sub_schema: sub } : { query_parameter_sub_schema: sub } } };
}

function gnosticOperation(operation: SwaggerOperation): object {
  return {
    operation_id: operation.operationId,
    produces: operation.produces ?? [],
    consumes: operation.consumes ?? [],
    parameters: operation.parameters.map(gnosticParameter),
    responses: { response_code: Object.entries(operation.responses).map(([name, response]) => ({ name, value: { response } })) },
    schemes: operation.schemes,
    vendor_extension: [
      { name: 'x-kubernetes-action', value: any(operation['x-kubernetes-action']) },
      { name: 'x-kubernetes-group-version-kind', value: any(operation['x-kubernetes-group-version-kind']) },
    ],
  };
}

/** The document as gnostic's `openapi.v2.Document` message: what kubectl decodes. */
export function encodeOpenApiV2(document: SwaggerDocument): Uint8Array {
  gnostic ??= protobuf.parse(GNOSTIC_PROTO, { keepCase: true }).root.lookupType('openapi.v2.Document');
  const message = {
    swagger: document.swagger,
    info: document.info,
    paths: {
      path: Object.entries(document.paths).map(([name, item]) => ({
        name,
        value: Object.fromEntries(Object.entries(item).map(([key, value]) => (key === 'parameters' ? [key, (value as SwaggerParameter[]).map(gnosticParameter)] : [key, gnosticOperation(value as SwaggerOperation)]))),
      })),
    },
    definitions: { additional_properties: Object.entries(document.definitions).map(([name, value]) => ({ name, value: gnosticSchema(value) })) },
    security: document.security.map((requirement) => ({ additional_properties: Object.entries(requirement).map(([name, value]) => ({ name, value: { value } })) })),
    security_definitions: { additional_properties: Object.entries(document.securityDefinitions).map(([name, value]) => ({ name, value: { api_key_security: value } })) },
  };
  return gnostic.encode(gnostic.fromObject(message)).finish();
}

/** Both forms and their ETags, made once for each set of custom resources served. */
let cached: { generation: number; json: Buffer; protobuf: Buffer; jsonTag: string; protobufTag: string } | undefined;

function forms(): NonNullable<typeof cached> {
  const generation = customResourcesGeneration();
  if (cached?.generation !== generation) {
    const document = openApiV2Document();
    const json = Buffer.from(JSON.stringify(document));
    const encoded = Buffer.from(encodeOpenApiV2(document));
    // upstream's ETag: the content's SHA-512, in capitals, quoted
    const tag = (bytes: Buffer) => `"${createHash('sha512').update(bytes).digest('hex').toUpperCase()}"`;
    cached = { generation, json, protobuf: encoded, jsonTag: tag(json), protobufTag: tag(encoded) };
  }
  return cached;
}

/** What each media type a client may accept is answered with, in kube-openapi's order (the first clause that matches wins). */
const ACCEPTED: readonly { type: string; subtype: string; form: 'json' | 'protobuf'; contentType: string }[] = [
  { type: 'application', subtype: 'json', form: 'json', contentType: 'application/json' },
  { type: 'application', subtype: 'com.github.proto-openapi.spec.v2@v1.0+protobuf', form: 'protobuf', contentType: OPENAPI_V2_PROTOBUF },
  { type: 'application', subtype: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', form: 'protobuf', contentType: OPENAPI_V2_PROTOBUF },
];

/** An `Accept` header's media ranges, the most preferred first (by `q`, then as written). */
function mediaRanges(accept: string): { type: string; subtype: string }[] {
  return accept
    .split(',')
    .map((clause, index) => {
      const [range = '', ...parameters] = clause.trim().split(';');
      const q = Number(parameters.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
      const [type = '', subtype = ''] = range.trim().split('/');
      return { type, subtype, q: Number.isNaN(q) ? 0 : q, index };
    })
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
}

/**
 * The answer to `GET /openapi/v2` with these request headers: the form the `Accept` header asks
 * for first (JSON for `*\/*` or none), 304 when `If-None-Match` holds its ETag, 406 when neither
 * form is acceptable.
 */
export function answerOpenApiV2(accept: string | undefined, ifNoneMatch: string | undefined): { code: number; headers: Record<string, string>; body: Buffer } {
  for (const range of mediaRanges(accept || '*/*')) {
    const match = ACCEPTED.find((candidate) => (range.type === '*' || range.type === candidate.type) && (range.subtype === '*' || range.subtype === candidate.subtype));
    if (match === undefined) continue;
    const all = forms();
    const [body, etag] = match.form === 'json' ? [all.json, all.jsonTag] : [all.protobuf, all.protobufTag];
    const headers = { 'Content-Type': match.contentType, ETag: etag, Vary: 'Accept' };
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) return { code: 304, headers, body: Buffer.alloc(0) };
    return { code: 200, headers, body };
  }
  return { code: 406, headers: { Vary: 'Accept' }, body: Buffer.alloc(0) };
}
