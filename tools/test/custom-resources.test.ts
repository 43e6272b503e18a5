/**
 * CustomResourceDefinitions (given code, beyond the katas): the definition as v1.32's apiserver
 * checks it (solutions/apiserver/crd-strategy.ts), the resource it serves once established
 * (custom-resources.ts: pruned, defaulted and validated by its schema, json-schema.ts; printed by
 * its columns; in discovery and OpenAPI), and the controller that establishes it and, when it is
 * deleted, deletes its objects first (solutions/controllers/custom-resource-definitions.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { fc, test } from '../../test/support/prop.ts';
import {
  Admission,
  answerInOtherVersion,
  apiGroupList,
  apiResourceList,
  ApiHandler,
  applySchemaDefaults,
  CUSTOM_RESOURCE_CLEANUP_FINALIZER,
  CustomResourceScales,
  customResourcesServed,
  defaultCustomResourceDefinition,
  NamespaceDefaulting,
  openApiDocument,
  openApiIndex,
  OTHER_VERSIONS,
  pruneUnknownFields,
  readJsonPath,
  Registry,
  RESOURCES,
  serveCustomResources,
  toTable,
  unsupportedCustomPatch,
  validateAgainstSchema,
  validateCustomResourceDefinition,
} from '@kube/apiserver';
import { CustomResourceDefinitionController, GarbageCollector, ownerResourceOf } from '@kube/controllers';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type CustomResourceDefinition, type JSONSchemaProps, type KubeObject, type Status } from '@kube/kit';

const SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
        image: { type: 'string' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        size: { type: 'string', enum: ['small', 'large'] },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

/** The CronTab definition of the Kubernetes documentation, with a status subresource and columns. */
const crontabs = (changes: Partial<CustomResourceDefinition['spec']> = {}): CustomResourceDefinition => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: SCHEMA },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
    ...changes,
  },
});

/** The definition as the controller leaves it: established, its names accepted. */
const established = (crd: CustomResourceDefinition): CustomResourceDefinition => ({
  ...crd,
  status: { acceptedNames: crd.spec.names, conditions: [{ type: 'Established', status: 'True' }], storedVersions: ['v1'] },
});

const cronTab = (name: string, spec: object, extra: object = {}): KubeObject => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name }, spec, ...extra }) as KubeObject;

/** An apiserver's handler in process, with the namespace defaulted. */
function bench() {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(4) });
  const handler = new ApiHandler({ registry, clock, random: new Random(4), admission: new Admission([new NamespaceDefaulting()], []) });
  const call = async (method: string, url: string, body?: object, contentType = 'application/json') => {
    const reply = await handler.handle({ method, url, headers: { 'content-type': contentType }, body: body === undefined ? '' : JSON.stringify(body) });
    return { code: reply.code, body: ('body' in reply ? reply.body : undefined) as any };
  };
  return { clock, registry, call, handler };
}

const CRONTABS = '/apis/stable.example.com/v1/namespaces/default/crontabs';

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/custom-resources.test.ts'), 240_000);
else describe('CustomResourceDefinitions', () => {
  // what a test served is served no more: RESOURCES is the process's
  afterEach(() => void serveCustomResources([]));

  it('stores a definition with its defaults and its stored version, and refuses one in upstream\'s words', async () => {
    const { call } = bench();
    const made = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crontabs());
    expect(made.code).toBe(201);
    expect(made.body.spec.names).toMatchObject({ singular: 'crontab', listKind: 'CronTabList' });
    expect(made.body.spec.conversion).toEqual({ strategy: 'None' });
    expect(made.body.status).toEqual({ conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] });
    const bad = { ...crontabs({ group: 'example', scope: 'Everywhere' as 'Cluster' }), metadata: { name: 'crontabs.example' } };
    bad.spec.versions = [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { sizes: { type: 'array' } } } } } } }];
    const refused = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', bad);
    expect(refused.code).toBe(422);
    expect((refused.body as Status).message).toBe(
      'CustomResourceDefinition.apiextensions.k8s.io "crontabs.example" is invalid: [spec.group: Invalid value: "example": should be a domain with at least one dot, ' +
        'spec.scope: Unsupported value: "Everywhere": supported values: "Cluster", "Namespaced", ' +
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields, ' +
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[sizes].items: Required value: must be specified, ' +
        'spec.versions: Invalid value: ["v1"]: must have exactly one version marked as storage version]',
    );
    // kubebuilder's `metadata: {type: object}` is allowed at the root; anything more of metadata than its names is not
    const withMetadata = (metadata: JSONSchemaProps) => crontabs({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { metadata } } } }] });
    const fresh = bench();
    expect((await fresh.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All', withMetadata({ type: 'object' }))).code).toBe(201);
    expect(((await fresh.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All', withMetadata({ type: 'object', properties: { labels: { type: 'object' } } }))).body as Status).message).toContain(
      'spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
    );
    const misnamed = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { ...crontabs(), metadata: { name: 'crontabs' } });
    expect((misnamed.body as Status).message).toContain('metadata.name: Invalid value: "crontabs": must be spec.names.plural+"."+spec.group');
  });

  it('serves an established definition\'s resource: defaulted, pruned, validated by its schema, and printed by its columns', async () => {
    const { call, clock } = bench();
    expect(serveCustomResources([established(crontabs())])).toEqual([]);
    const made = await call('POST', `${CRONTABS}?fieldValidation=Warn`, cronTab('daily', { cronSpec: '* * * * */5', image: 'cron', bogus: 1, extra: { anything: [1] } }, { status: { replicas: 9 } }));
    expect(made.code).toBe(201);
    // defaulted, the unknown field dropped, what preserve-unknown-fields keeps kept, status only through its subresource
    expect(made.body.spec).toEqual({ cronSpec: '* * * * */5', image: 'cron', replicas: 1, extra: { anything: [1] } });
    expect(made.body.status).toBeUndefined();
    expect(made.body.metadata.generation).toBe(1);
    const strict = await call('POST', `${CRONTABS}?fieldValidation=Strict`, cronTab('strict', { image: 'cron', bogus: 1 }));
    expect(strict.code).toBe(400);
    expect((strict.body as Status).message).toBe('CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.bogus"');
    const invalid = await call('POST', CRONTABS, cronTab('bad', { cronSpec: '* * * *', replicas: 15, size: 'huge' }));
    expect(invalid.code).toBe(422);
    expect((invalid.body as Status).message).toBe(
      'CronTab.stable.example.com "bad" is invalid: [spec.image: Required value, ' +
        'spec.cronSpec: Invalid value: "* * * *": spec.cronSpec in body should match \'^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$\', ' +
        'spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10, ' +
        'spec.size: Unsupported value: "huge": supported values: "small", "large"]',
    );
    const wrongType = await call('POST', CRONTABS, cronTab('typed', { image: 'cron', replicas: 'three' }));
    expect((wrongType.body as Status).message).toBe('CronTab.stable.example.com "typed" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    await clock.advance(90_000);
    const list = await call('GET', CRONTABS);
    // unlike a built-in kind's list, a custom resource's items keep their kind, as upstream's unstructured lists do
    expect(list.body.items.map((item: KubeObject) => `${item.apiVersion} ${item.kind}`)).toEqual(['stable.example.com/v1 CronTab']);
    const table = toTable(list.body.items, 'CronTab', clock.now(), {}, RESOURCES.get('crontabs')!.custom!.printer) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Spec', 'Replicas', 'Age']);
    expect(table.rows.map((row) => row.cells)).toEqual([['daily', '* * * * */5', 1, '90s']]);
  });

  it('keeps a custom resource\'s status to its subresource, and counts its spec\'s changes in its generation', async () => {
    const { call } = bench();
    serveCustomResources([established(crontabs())]);
    await call('POST', CRONTABS, cronTab('daily', { image: 'cron' }));
    const status = await call('PATCH', `${CRONTABS}/daily/status`, { status: { replicas: 2 } }, 'application/merge-patch+json');
    expect(status.body.status).toEqual({ replicas: 2 });
    const spec = await call('PATCH', `${CRONTABS}/daily`, { spec: { replicas: 3 }, status: { replicas: 7 } }, 'application/merge-patch+json');
    expect(spec.body).toMatchObject({ spec: { replicas: 3 }, status: { replicas: 2 }, metadata: { generation: 2 } });
    expect(unsupportedCustomPatch('PATCH', `${CRONTABS}/daily`, 'application/strategic-merge-patch+json')?.status).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect(unsupportedCustomPatch('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', 'application/strategic-merge-patch+json')).toBeUndefined();
  });

  it('serves every served version, converted as the strategy None converts: the apiVersion rewritten', async () => {
    const { handler } = bench();
    const crd = crontabs();
    crd.spec.versions = [{ ...crd.spec.versions[0]!, name: 'v1beta1', storage: false }, crd.spec.versions[0]!];
    serveCustomResources([established(crd)]);
    const handle = (method: string, url: string, body?: object) =>
      answerInOtherVersion({ method, url, headers: { 'content-type': 'application/json' }, body: body === undefined ? '' : JSON.stringify(body) }, (request) => handler.handle(request));
    const made = await handle('POST', '/apis/stable.example.com/v1beta1/namespaces/default/crontabs', { ...cronTab('old', { image: 'cron' }), apiVersion: 'stable.example.com/v1beta1' });
    expect(made.code).toBe(201);
    expect((made as { body: KubeObject }).body).toMatchObject({ apiVersion: 'stable.example.com/v1beta1', spec: { replicas: 1 } });
    const read = await handle('GET', `${CRONTABS}/old`);
    expect((read as { body: KubeObject }).body.apiVersion).toBe('stable.example.com/v1');
    expect((apiGroupList() as { groups: { name: string; versions: { version: string }[]; preferredVersion: { version: string } }[] }).groups.find((g) => g.name === 'stable.example.com')).toMatchObject({
      versions: [{ version: 'v1' }, { version: 'v1beta1' }],
      preferredVersion: { version: 'v1' },
    });
    serveCustomResources([]);
    expect(OTHER_VERSIONS.map((other) => other.resource)).toEqual(['horizontalpodautoscalers']);
  });

  it('changes the OpenAPI documents\' hash when a definition served changes, and only then', () => {
    serveCustomResources([established(crontabs())]);
    const hash = () => (openApiIndex() as { paths: Record<string, { serverRelativeURL: string }> }).paths['apis/stable.example.com/v1']!.serverRelativeURL;
    const first = hash();
    serveCustomResources([established(crontabs())]);
    expect(hash()).toBe(first);
    serveCustomResources([established(crontabs({ names: { plural: 'crontabs', kind: 'CronTab', shortNames: ['cron'] } }))]);
    expect(hash()).not.toBe(first);
    expect(RESOURCES.get('crontabs')!.shortNames).toEqual(['cron']);
  });

  it('lists the resource in discovery and OpenAPI with its names and schema, until its definition goes', () => {
    serveCustomResources([established(crontabs())]);
    const resources = (apiResourceList('stable.example.com/v1') as { resources: object[] }).resources;
    expect(resources).toEqual([
      expect.objectContaining({ name: 'crontabs', singularName: 'crontab', namespaced: true, kind: 'CronTab', shortNames: ['ct'] }),
      expect.objectContaining({ name: 'crontabs/status' }),
    ]);
    const document = openApiDocument('apis/stable.example.com/v1') as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    expect(Object.keys(document.components.schemas['com.example.stable.v1.CronTab']!.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(ownerResourceOf({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', name: 'daily', uid: 'u' })).toEqual({ resource: 'crontabs', namespaced: true });
    serveCustomResources([]);
    expect(apiResourceList('stable.example.com/v1')).toBeUndefined();
    expect(ownerResourceOf({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', name: 'daily', uid: 'u' })).toBeUndefined();
  });

  it('establishes a definition, refuses a plural a built-in resource has, and deletes every object before the definition goes', async () => {
    const { api, cluster, errors, stop } = await controllerOnCluster((parts) => new CustomResourceDefinitionController({ ...parts, serve: serveCustomResources }));
    const definitions = api.resource<CustomResourceDefinition>('customresourcedefinitions');
    await definitions.create(crontabs());
    await definitions.create({ ...crontabs({ group: 'example.com', names: { plural: 'pods', kind: 'Pod' } }), metadata: { name: 'pods.example.com' } });
    await cluster.settle();
    const made = await definitions.get('crontabs.stable.example.com');
    expect(made.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}`)).toEqual(['NamesAccepted=True NoConflicts', 'Established=True InitialNamesAccepted']);
    expect(made.status?.acceptedNames?.plural).toBe('crontabs');
    const conflict = await definitions.get('pods.example.com');
    expect(conflict.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`)).toEqual(['NamesAccepted=False PluralConflict: "pods" is already in use', 'Established=False NotAccepted: not all names are accepted']);
    expect(RESOURCES.get('pods')!.custom).toBeUndefined();
    for (const namespace of ['default', 'other']) await api.resource<KubeObject>('crontabs', namespace).create(cronTab('daily', { image: 'cron' }));
    await definitions.delete('crontabs.stable.example.com');
    const marked = await definitions.get('crontabs.stable.example.com');
    expect(marked.metadata.finalizers).toEqual([CUSTOM_RESOURCE_CLEANUP_FINALIZER]);
    await cluster.settle();
    await expect(definitions.get('crontabs.stable.example.com')).rejects.toMatchObject({ status: { code: 404 } });
    expect(RESOURCES.has('crontabs')).toBe(false);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('serves the scale subresource a definition asks for, at the paths it names, as kubectl scale uses it', async () => {
    const { call, registry } = bench();
    const crd = crontabs();
    crd.spec.versions[0]!.subresources = { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } };
    serveCustomResources([established(crd)]);
    await call('POST', CRONTABS, cronTab('daily', { image: 'cron', replicas: 2 }));
    expect((apiResourceList('stable.example.com/v1') as { resources: { name: string; group?: string }[] }).resources.find((r) => r.name === 'crontabs/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const scales = new CustomResourceScales(registry);
    const ask = (method: string, body: object | '' = '', contentType = 'application/json') => scales.answer(method, `${CRONTABS}/daily/scale`, { 'content-type': contentType }, body === '' ? '' : JSON.stringify(body), undefined, undefined);
    expect(CustomResourceScales.matches(`${CRONTABS}/daily/scale`)).toBe(true);
    expect(CustomResourceScales.matches('/apis/apps/v1/namespaces/default/deployments/web/scale')).toBe(false);
    expect(ask('GET').body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { replicas: 0 } });
    expect(ask('PATCH', { spec: { replicas: 5 } }, 'application/merge-patch+json').body).toMatchObject({ spec: { replicas: 5 } });
    expect(registry.get<KubeObject & { spec: { replicas: number } }>('crontabs', 'default', 'daily').spec.replicas).toBe(5);
    // the schema still holds: at most 10
    expect((ask('PATCH', { spec: { replicas: 11 } }, 'application/merge-patch+json').body as Status).message).toBe(
      'CronTab.stable.example.com "daily" is invalid: spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
    );
    expect((ask('PUT', { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'daily' }, spec: { replicas: -1 } }).body as Status).message).toBe('Scale.autoscaling "daily" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });

  it('selects custom objects by the fields the definition makes selectable', async () => {
    const { call } = bench();
    const crd = crontabs();
    crd.spec.versions[0]!.selectableFields = [{ jsonPath: '.spec.size' }];
    serveCustomResources([established(crd)]);
    await call('POST', CRONTABS, cronTab('small', { image: 'cron', size: 'small' }));
    await call('POST', CRONTABS, cronTab('large', { image: 'cron', size: 'large' }));
    const listed = await call('GET', `${CRONTABS}?fieldSelector=spec.size%3Dlarge`);
    expect(listed.body.items.map((item: KubeObject) => item.metadata.name)).toEqual(['large']);
    const refused = await call('GET', `${CRONTABS}?fieldSelector=spec.image%3Dcron`);
    expect(refused.code).toBe(400);
    const selectingMetadata: CustomResourceDefinition = { ...crd, spec: { ...crd.spec, versions: [{ ...crd.spec.versions[0]!, selectableFields: [{ jsonPath: '.metadata.name' }] }] } };
    defaultCustomResourceDefinition(selectingMetadata);
    const invalidField = validateCustomResourceDefinition(selectingMetadata);
    expect(invalidField.map((p) => p.message)).toEqual(['Invalid value: ".metadata.name": must not select metadata fields']);
  });

  it('checks the string formats kube-openapi knows: a condition\'s lastTransitionTime must be a date-time', () => {
    const schema: JSONSchemaProps = { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, ip: { type: 'string', format: 'ipv4' } } };
    expect(validateAgainstSchema({ at: '2026-12-07T10:00:00Z', ip: '10.0.0.1' }, schema)).toEqual([]);
    expect(validateAgainstSchema({ at: 'yesterday', ip: '10.0.0.256' }, schema).map((p) => p.message)).toEqual([
      'Invalid value: "yesterday": at in body must be of type date-time: "yesterday"',
      'Invalid value: "10.0.0.256": ip in body must be of type ipv4: "10.0.0.256"',
    ]);
  });

  it('lets the garbage collector follow a custom resource it discovers, and delete what a deleted custom object owned', async () => {
    serveCustomResources([established(crontabs())]);
    const { api, cluster, errors, stop } = await controllerOnCluster((parts) => new GarbageCollector({ ...parts, resources: ['deployments'], discover: customResourcesServed }));
    const owner = await api.resource<KubeObject>('crontabs', 'default').create(cronTab('daily', { image: 'cron' }));
    const owned = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker', ownerReferences: [{ apiVersion: 'stable.example.com/v1', kind: 'CronTab', name: 'daily', uid: owner.metadata.uid!, controller: true }] }, spec: { selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'w', image: 'w' }] } } } };
    await api.resource<KubeObject>('deployments', 'default').create(owned as KubeObject);
    await cluster.settle();
    expect((await api.resource<KubeObject>('deployments', 'default').list()).items).toHaveLength(1);
    await api.resource<KubeObject>('crontabs', 'default').delete('daily');
    await cluster.settle();
    expect((await api.resource<KubeObject>('deployments', 'default').list()).items).toEqual([]);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('reads the simple JSON paths of printer columns', () => {
    const object = { metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, status: { conditions: [{ type: 'Ready' }] } };
    expect(readJsonPath(object, '.status.conditions[0].type')).toBe('Ready');
    expect(readJsonPath(object, ".metadata.labels['app.kubernetes.io/name']")).toBe('web');
    expect(readJsonPath(object, '.spec.replicas')).toBeUndefined();
  });

  // ------------------------------------------------------------------------------------------
  // Properties

  /** A structural schema and a value it allows, built together. */
  const leaf = fc.oneof(
    fc.record({ schema: fc.constant<JSONSchemaProps>({ type: 'string', maxLength: 8 }), value: fc.string({ maxLength: 8 }) }),
    fc.integer({ min: -5, max: 5 }).chain((min) => fc.record({ schema: fc.constant<JSONSchemaProps>({ type: 'integer', minimum: min, maximum: min + 10 }), value: fc.integer({ min, max: min + 10 }) })),
    fc.record({ schema: fc.constant<JSONSchemaProps>({ type: 'boolean' }), value: fc.boolean() }),
    fc.record({ schema: fc.constant<JSONSchemaProps>({ type: 'string', enum: ['a', 'b'] }), value: fc.constantFrom('a', 'b') }),
  );
  const schemaAndValue = fc.letrec<{ node: { schema: JSONSchemaProps; value: unknown } }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('node'), { maxKeys: 3 }).map((fields) => ({
        schema: { type: 'object', properties: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.schema])), required: Object.keys(fields).slice(0, 1) },
        value: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.value])),
      })),
      tie('node').chain((item) => fc.array(fc.constant(item.value), { maxLength: 3 }).map((values) => ({ schema: { type: 'array', items: item.schema, maxItems: 3 }, value: values }))),
    ),
  })).node as fc.Arbitrary<{ schema: JSONSchemaProps; value: unknown }>;

  test.prop([schemaAndValue])('a value built to its schema passes it, and its pruning drops nothing', ({ schema, value }) => {
    expect(validateAgainstSchema(value, schema)).toEqual([]);
    const copy = structuredClone(value);
    expect(pruneUnknownFields(copy, schema, '', false)).toEqual([]);
    expect(copy).toEqual(value);
  });

  test.prop([schemaAndValue.filter(({ schema }) => schema.type === 'object'), fc.constantFrom('x', 'y'), fc.jsonValue()])(
    'a field the schema does not name is pruned and named, wherever it is added, and pruning twice changes nothing more',
    ({ schema, value }, extra, junk) => {
      const withExtra = { ...(value as object), [extra]: junk };
      expect(pruneUnknownFields(withExtra, schema, '', false)).toEqual([extra]);
      expect(withExtra).toEqual(value);
      expect(pruneUnknownFields(withExtra, schema, '', false)).toEqual([]);
    },
  );

  test.prop([schemaAndValue.filter(({ schema }) => schema.type === 'object' && Object.keys(schema.properties ?? {}).length > 0)])(
    'a value of the wrong type at any field is refused at that field, and only there',
    ({ schema, value }) => {
      const field = Object.keys(schema.properties!)[0]!;
      const wrong = { ...(value as object), [field]: schema.properties![field]!.type === 'string' ? 7 : 'seven' };
      const problems = validateAgainstSchema(wrong, schema);
      expect(problems.map((p) => p.field)).toEqual([field]);
      expect(problems[0]!.message).toContain(`${field} in body must be of type ${schema.properties![field]!.type}`);
    },
  );

  test.prop([fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 9 }), { maxKeys: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 9 }), { maxKeys: 3 })])(
    'defaults fill exactly the fields left out, and a second defaulting changes nothing',
    (given, defaults) => {
      const schema: JSONSchemaProps = { type: 'object', properties: Object.fromEntries(['a', 'b', 'c'].map((k) => [k, { type: 'integer', ...(k in defaults && { default: defaults[k] }) }])) };
      const object: Record<string, unknown> = { ...given };
      applySchemaDefaults(object, schema);
      expect(object).toEqual({ ...defaults, ...given });
      const again = structuredClone(object);
      applySchemaDefaults(again, schema);
      expect(again).toEqual(object);
    },
  );

  describe('the controller, whatever comes and goes', () => {
    type Model = { defined: Set<string>; objects: Map<string, Set<string>> };
    type Real = Awaited<ReturnType<typeof controllerOnCluster>>;
    /** Two definitions to play with: the namespaced CronTabs and cluster-scoped Widgets. */
    const DEFINITIONS: Record<string, CustomResourceDefinition> = {
      crontabs: crontabs(),
      widgets: { ...crontabs({ group: 'example.com', scope: 'Cluster', names: { plural: 'widgets', kind: 'Widget' } }), metadata: { name: 'widgets.example.com' } },
    };
    const objectOf = (plural: string, name: string) => ({ ...cronTab(name, { image: 'x' }), apiVersion: `${DEFINITIONS[plural]!.spec.group}/v1`, kind: DEFINITIONS[plural]!.spec.names.kind });
    const define = (plural: string): fc.AsyncCommand<Model, Real> => ({
      check: (m) => !m.defined.has(plural),
      async run(m, real) {
        await real.api.resource<CustomResourceDefinition>('customresourcedefinitions').create(DEFINITIONS[plural]!);
        await real.cluster.settle();
        m.defined.add(plural);
        m.objects.set(plural, new Set());
      },
      toString: () => `kubectl apply the definition of ${plural}`,
    });
    const create = ([plural, name]: [string, string]): fc.AsyncCommand<Model, Real> => ({
      check: () => true,
      async run(m, real) {
        const made = real.api.resource<KubeObject>(plural, DEFINITIONS[plural]!.spec.scope === 'Namespaced' ? 'default' : undefined).create(objectOf(plural, name));
        if (!m.defined.has(plural)) return void (await expect(made).rejects.toMatchObject({ status: { code: 404 } }));
        if (m.objects.get(plural)!.has(name)) return void (await expect(made).rejects.toMatchObject({ status: { reason: 'AlreadyExists' } }));
        await made;
        m.objects.get(plural)!.add(name);
      },
      toString: () => `kubectl create ${plural.slice(0, -1)} ${name}`,
    });
    const undefine = (plural: string): fc.AsyncCommand<Model, Real> => ({
      check: (m) => m.defined.has(plural),
      async run(m, real) {
        await real.api.resource<CustomResourceDefinition>('customresourcedefinitions').delete(DEFINITIONS[plural]!.metadata.name!);
        await real.cluster.settle();
        m.defined.delete(plural);
        m.objects.delete(plural);
      },
      toString: () => `kubectl delete the definition of ${plural}`,
    });
    const plural = fc.constantFrom('crontabs', 'widgets');

    test.prop([fc.commands([plural.map(define), fc.tuple(plural, fc.constantFrom('a', 'b')).map(create), plural.map(undefine)], { maxCommands: 12 })], { numRuns: 100 })(
      'a resource is served exactly while its definition exists, and holds exactly the objects made since it was last defined',
      async (commands) => {
        const real = await controllerOnCluster((parts) => new CustomResourceDefinitionController({ ...parts, serve: serveCustomResources }));
        try {
          const model: Model = { defined: new Set(), objects: new Map() };
          await fc.asyncModelRun(() => ({ model, real }), commands);
          for (const name of Object.keys(DEFINITIONS)) {
            expect(RESOURCES.has(name)).toBe(model.defined.has(name));
            if (model.defined.has(name)) expect((await real.api.resource<KubeObject>(name).list()).items.map((o) => o.metadata.name).sort()).toEqual([...model.objects.get(name)!].sort());
          }
          expect(faults(real.errors)).toEqual([]);
        } finally {
          await real.stop();
          serveCustomResources([]);
        }
      },
    );
  });

  test.prop([fc.constantFrom('Namespaced', 'Cluster'), fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}\.[a-z]{2,5}$/)])(
    'a definition is valid exactly when its name is its plural and group',
    (scope, plural, group) => {
      const crd = crontabs({ scope: scope as 'Cluster', group, names: { plural, kind: 'Thing' } });
      defaultCustomResourceDefinition(crd);
      expect(validateCustomResourceDefinition({ ...crd, metadata: { name: `${plural}.${group}` } })).toEqual([]);
      expect(validateCustomResourceDefinition({ ...crd, metadata: { name: `${plural}x.${group}` } }).map((p) => p.field)).toEqual(['metadata.name']);
    },
  );
});
