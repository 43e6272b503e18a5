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
