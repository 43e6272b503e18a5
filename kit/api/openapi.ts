/**
 * The OpenAPI v3 schemas of the workbook's kinds, by upstream's names (`io.k8s.api.core.v1.PodSpec`):
 * the apiserver serves them in `/openapi/v3/<group-version>` (apiserver/discovery.ts), so
 * `kubectl explain pod.spec.containers` lists the fields this workbook's objects have, with
 * upstream's descriptions. openapi.json beside this file is generated from kit/api/*.ts by
 * `npx tsx tools/openapi.ts`.
 * @module
 */
import { readFileSync } from 'node:fs';

let schemas: Readonly<Record<string, OpenApiSchema>> | undefined;

/** One schema, as much of OpenAPI v3 as `kubectl explain` reads. */
export interface OpenApiSchema {
  description?: string;
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  $ref?: string;
  /** on a kind's schema: `[{ group: 'apps', kind: 'Deployment', version: 'v1' }]` */
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string }[];
}

/**
 * Every schema, by name; read from openapi.json the first time it is asked for (170 kB: a test
 * that never asks does not pay for it).
 *
 * @example
 * ```ts
 * openApiSchemas()['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']; // [{ group: '', kind: 'Pod', version: 'v1' }]
 * ```
 */
export function openApiSchemas(): Readonly<Record<string, OpenApiSchema>> {
  schemas ??= JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8')) as Record<string, OpenApiSchema>;
  return schemas;
}

let fields: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;

/**
 * The fields the apiserver knows, for each type a served kind reaches (upstream's, from the
 * `kubernetes-types` package, and the kit's): type name → field → what it holds, `''` for a value
 * with nothing inside to check, `'T'`, `'[]T'` or `'{}T'` for an object, a list or a map of the
 * type T. Read from known-fields.json (made by `npx tsx tools/openapi.ts`) the first time it is
 * asked for; apiserver/field-validation.ts drops or refuses any other field.
 *
 * @example
 * ```ts
 * knownFieldTypes()['io.k8s.api.core.v1.PodSpec'].containers;   // '[]io.k8s.api.core.v1.Container'
 * knownFieldTypes()['io.k8s.api.core.v1.Container'].image;      // ''
 * ```
 */
export function knownFieldTypes(): Readonly<Record<string, Readonly<Record<string, string>>>> {
  fields ??= JSON.parse(readFileSync(new URL('./known-fields.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>;
  return fields;
}
