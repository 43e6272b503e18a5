/**
 * kit/api/openapi.json is what tools/openapi.ts makes of kit/api/*.ts today, and every kind the
 * apiserver serves has its schema in its group-version's document, with what it refers to.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownFieldsJson, openApiJson } from '../openapi.ts';
import { openApiDocument } from '../../solutions/apiserver/discovery.ts';
import { RESOURCES } from '../../solutions/apiserver/resources.ts';
import { typeNameOf } from '../../solutions/apiserver/field-validation.ts';

type Document = { components: { schemas: Record<string, { 'x-kubernetes-group-version-kind'?: { kind: string }[] }> } };

describe('the OpenAPI schemas kubectl explain reads', () => {
  it('kit/api/openapi.json is up to date with kit/api/*.ts (else: npx tsx tools/openapi.ts)', () => {
    expect(readFileSync('kit/api/openapi.json', 'utf8') === openApiJson(), 'kit/api/openapi.json is stale: run npx tsx tools/openapi.ts').toBe(true);
  });

  it('kit/api/known-fields.json is up to date with kit/api/*.ts and kubernetes-types, and holds every kind the apiserver serves', () => {
    expect(readFileSync('kit/api/known-fields.json', 'utf8') === knownFieldsJson(), 'kit/api/known-fields.json is stale: run npx tsx tools/openapi.ts').toBe(true);
    const known = JSON.parse(knownFieldsJson()) as Record<string, Record<string, string>>;
    for (const type of RESOURCES.values()) expect(Object.keys(known), type.kind).toContain(typeNameOf(type.apiVersion, type.kind));
    expect(known['io.k8s.api.core.v1.Container']).toMatchObject({ image: '', imagePullPolicy: '', ports: '[]io.k8s.api.core.v1.ContainerPort' });
  });

  it('every served kind has its schema in its group-version\'s document, and every $ref there resolves in the same document', () => {
    for (const type of RESOURCES.values()) {
      if (type.review) continue;
      const path = type.group ? `apis/${type.apiVersion}` : `api/${type.apiVersion}`;
      const document = openApiDocument(path) as Document;
      const kinds = Object.values(document.components.schemas).flatMap((schema) => schema['x-kubernetes-group-version-kind'] ?? []);
      expect(kinds.map((k) => k.kind), `${type.kind} in /openapi/v3/${path}`).toContain(type.kind);
      const refs = [...JSON.stringify(document).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
      for (const ref of refs) expect(Object.keys(document.components.schemas), `${ref} in /openapi/v3/${path}`).toContain(ref);
    }
  });
});
