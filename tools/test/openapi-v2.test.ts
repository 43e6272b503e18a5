/**
 * `GET /openapi/v2` (given code: apiserver/openapi-v2.ts): the whole API in one Swagger 2.0
 * document, in gnostic's protobuf for kubectl and in JSON for anyone else. kubectl validates against
 * it whatever no v3 document names (a `List`, an `Eviction`, a kind that does not exist); the real
 * kubectl's use of it is in apiserver-kubectl.test.ts.
 */
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { answerOpenApiV2, ApiServer, encodeOpenApiV2, openApiDocument, openApiIndex, openApiV2Document, OPENAPI_V2_PROTOBUF, Registry, type SwaggerSchema } from '@kube/apiserver';
import { FakeClock, knownFieldTypes, Random } from '@kube/kit';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What kubectl (client-go's discovery OpenAPISchema) sends. */
const KUBECTL_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** The field numbers of a protobuf message's top level, in order, read with the wire format alone. */
function topLevelFields(bytes: Uint8Array): number[] {
  const reader = protobuf.Reader.create(bytes);
  const fields: number[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    fields.push(tag >>> 3);
    reader.skipType(tag & 7);
  }
  return fields;
}

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/openapi-v2.test.ts'), 240_000);
else {
  const document = openApiV2Document();

  describe('the answer to GET /openapi/v2', () => {
    const cases: { name: string; accept: string | undefined; code: number; contentType: string | undefined }[] = [
      { name: "kubectl's Accept (gnostic's protobuf, with an @) gets the protobuf form, named with a dot", accept: KUBECTL_ACCEPT, code: 200, contentType: OPENAPI_V2_PROTOBUF },
      { name: 'the older name of the protobuf form gets it too', accept: OPENAPI_V2_PROTOBUF, code: 200, contentType: OPENAPI_V2_PROTOBUF },
      { name: 'no Accept at all gets JSON', accept: undefined, code: 200, contentType: 'application/json' },
      { name: 'anything (*/*) gets JSON, the first form kube-openapi offers', accept: '*/*', code: 200, contentType: 'application/json' },
      { name: 'JSON preferred less than protobuf gets protobuf', accept: `application/json;q=0.5, ${KUBECTL_ACCEPT}`, code: 200, contentType: OPENAPI_V2_PROTOBUF },
      { name: 'a type refused with q=0 is not served', accept: 'application/json;q=0, text/html', code: 406, contentType: undefined },
      { name: 'a type neither form is gets 406 Not Acceptable', accept: 'text/html', code: 406, contentType: undefined },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const answer = answerOpenApiV2(c.accept, undefined);
        expect([answer.code, answer.headers['Content-Type']]).toEqual([c.code, c.contentType]);
      });
    }

    it('is 304 Not Modified for a client that holds its ETag, and the whole document for one holding another', () => {
      const first = answerOpenApiV2('application/json', undefined);
      expect(first.headers['ETag']).toMatch(/^"[0-9A-F]{128}"$/);
      expect(answerOpenApiV2('application/json', first.headers['ETag']).code).toBe(304);
      expect(answerOpenApiV2('application/json', '"0"').code).toBe(200);
      // each form has an ETag of its own
      expect(answerOpenApiV2(KUBECTL_ACCEPT, first.headers['ETag']).code).toBe(200);
    });

    it('gives JSON that is the document, and protobuf that is gnostic\'s Document message: swagger, info, paths, definitions, security', () => {
      expect(JSON.parse(answerOpenApiV2('application/json', undefined).body.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(document)));
      const bytes = answerOpenApiV2(KUBECTL_ACCEPT, undefined).body;
      expect(topLevelFields(bytes)).toEqual([1, 2, 8, 9, 12, 13]);
      // field 1, the swagger version: tag 0x0a, length 3, "2.0"
      expect([...bytes.subarray(0, 5)]).toEqual([0x0a, 3, ...Buffer.from('2.0')]);
    });

    it('over HTTP: served to whoever may get the path, nothing on HEAD but the headers, 405 for a write, 403 for one who may not', async () => {
      const { store, watchable } = testStore();
      const clock = new FakeClock(Date.UTC(2026, 0, 1));
      const registry = new Registry({ store, watchable, clock, random: new Random(3) });
      let allowed = true;
      const asked: string[] = [];
      const authorizer = { authorize: (attributes: { path: string; verb: string }) => (asked.push(`${attributes.verb} ${attributes.path}`), { allowed, reason: '' }) };
      const server = new ApiServer({ registry, clock, host: '127.0.61.4', authorizer });
      await server.start();
      cleanups.push(() => server.stop());
      const get = await fetch(`${server.url}/openapi/v2`, { headers: { accept: KUBECTL_ACCEPT } });
      expect([get.status, get.headers.get('content-type')]).toEqual([200, OPENAPI_V2_PROTOBUF]);
      expect(topLevelFields(new Uint8Array(await get.arrayBuffer()))).toContain(9);
      expect(asked).toEqual(['get /openapi/v2']);
      const head = await fetch(`${server.url}/openapi/v2`, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-type'), (await head.arrayBuffer()).byteLength]).toEqual([200, 'application/json', 0]);
      expect((await fetch(`${server.url}/openapi/v2`, { method: 'POST', body: '{}' })).status).toBe(405);
      allowed = false;
      const refused = await fetch(`${server.url}/openapi/v2`);
      expect([refused.status, ((await refused.json()) as { reason: string }).reason]).toEqual([403, 'Forbidden']);
    });
  });

  describe('the document', () => {
    const definitions = document.definitions;

    it('names each kind kubectl may find no v3 document for: a pod\'s Eviction, and every review', () => {
      expect(definitions['io.k8s.api.policy.v1.Eviction']?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'policy', kind: 'Eviction', version: 'v1' }]);
      expect(definitions['io.k8s.api.authorization.v1.SelfSubjectAccessReview']?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', version: 'v1' }]);
      expect(Object.keys(definitions['io.k8s.api.policy.v1.Eviction']!.properties!).sort()).toEqual(['apiVersion', 'deleteOptions', 'kind', 'metadata']);
    });

    it('writes the types Go marshals as strings as strings, with the format kubectl knows int-or-string by', () => {
      expect(definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
      expect(definitions['io.k8s.apimachinery.pkg.api.resource.Quantity']).toMatchObject({ type: 'string' });
      expect(definitions['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toMatchObject({ type: 'string', format: 'date-time' });
    });

    it('can be parsed as kubectl parses it: every $ref names a definition, every array says what it holds, every type is one kubectl knows', () => {
      const problems: string[] = [];
      const walk = (schema: SwaggerSchema, where: string): void => {
        if (schema.$ref !== undefined && definitions[schema.$ref.replace('#/definitions/', '')] === undefined) problems.push(`${where}: ${schema.$ref}`);
        if (schema.type === 'array' && schema.items === undefined) problems.push(`${where}: an array without items`);
        if (schema.type !== undefined && !['object', 'array', 'string', 'integer', 'number', 'boolean'].includes(schema.type)) problems.push(`${where}: type ${schema.type}`);
        for (const [field, value] of Object.entries(schema.properties ?? {})) walk(value, `${where}.${field}`);
        if (schema.items) walk(schema.items, `${where}[]`);
        if (schema.additionalProperties) walk(schema.additionalProperties, `${where}{}`);
      };
      for (const [name, schema] of Object.entries(definitions)) walk(schema, name);
      expect(problems).toEqual([]);
    });

    const knownTypes = Object.keys(knownFieldTypes());
    test.prop([fc.constantFrom(...knownTypes)])('lists every field the server takes, so that kubectl refuses no field the server would keep', (name) => {
      expect(Object.keys(definitions[name]?.properties ?? {})).toEqual(expect.arrayContaining(Object.keys(knownFieldTypes()[name]!)));
    });

    const v3Operations = Object.keys((openApiIndex() as { paths: Record<string, unknown> }).paths).flatMap((path) =>
      Object.entries((openApiDocument(path) as { paths: Record<string, Record<string, { 'x-kubernetes-group-version-kind': object; parameters: { name: string }[] }>> }).paths).flatMap(([url, item]) => Object.entries(item).map(([method, operation]) => ({ url, method, operation }))),
    );
    test.prop([fc.constantFrom(...v3Operations)])('has every operation of the v3 documents, of the same kind and with the same query parameters', ({ url, method, operation }) => {
      const v2 = document.paths[url]?.[method] as { 'x-kubernetes-group-version-kind': object; parameters: { name: string }[] } | undefined;
      expect(v2?.['x-kubernetes-group-version-kind']).toEqual(operation['x-kubernetes-group-version-kind']);
      expect(v2?.parameters.map((p) => p.name)).toEqual(operation.parameters.map((p) => p.name));
    });

    test.prop([fc.constantFrom(...Object.keys(document.paths))])('declares each of a path\'s {placeholders} as a required path parameter', (url) => {
      const declared = ((document.paths[url]!['parameters'] ?? []) as { name: string; in: string; required?: boolean }[]).filter((p) => p.in === 'path' && p.required).map((p) => p.name);
      expect(declared).toEqual([...url.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
    });

    it('encodes to the same bytes every time (the ETag a client holds stays good)', () => {
      expect(Buffer.from(encodeOpenApiV2(openApiV2Document())).equals(Buffer.from(encodeOpenApiV2(document)))).toBe(true);
    });
  });
}
