/**
 * The resources CustomResourceDefinitions make (k8s.io/apiextensions-apiserver/pkg/apiserver
 * customresource_handler.go, and the table convertor of pkg/registry/customresource): for each
 * established definition, a {@link ResourceType} that the registry, the handler, discovery and
 * `kubectl get` use as they use a built-in one.
 *
 * ```
 * crontabs.stable.example.com, established, storage version v1
 *   -> resourceType('crontabs'): kind CronTab, apiVersion stable.example.com/v1, namespaced,
 *      keys /registry/crontabs/<namespace>/<name>; a create is pruned, defaulted and validated by
 *      the version's schema (json-schema.ts); `kubectl get crontabs` prints its additionalPrinterColumns
 * ```
 *
 * What this server simplifies: every version marked `served` is served, converted as the strategy
 * `None` converts (the apiVersion rewritten: served-versions.ts), but validated by the storage
 * version's schema, and a conversion webhook is never called; a custom resource's plural may not be the plural of a
 * built-in resource, even in another group (the registry keys objects by plural); the `scale`
 * subresource is not served; selectableFields are not.
 *
 * Given code, beyond the katas: the same in katas/ and solutions/.
 */
import type { CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionNames, JSONSchemaProps, KubeObject } from '@kube/kit';
import { crdConditionHolds, storageVersionOf } from './crd-strategy.ts';
import { dropUnknownFields, setCustomFieldPruner } from './field-validation.ts';
import { applySchemaDefaults, pruneUnknownFields, validateAgainstSchema } from './json-schema.ts';
import { setOtherVersionsOf, type OtherVersion } from './served-versions.ts';
import { isDNS1123Subdomain } from './names.ts';
import { isBuiltInResource, RESOURCES, serveResourceType, stopServingResourceType, type ResourceType } from './resources.ts';
import { StatusError } from './status.ts';
import { humanDuration, type TableCell, type TableColumn, type TablePrinter } from './table.ts';
import { validateObjectMeta } from './validation.ts';

/** What kube-openapi knows of the fields every object has, for a custom resource's metadata. */
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Reads a simple JSON path (`.spec.replicas`, `.status.conditions[0].type`, `.metadata.labels['app.kubernetes.io/name']`)
 * from an object: undefined where there is nothing.
 */
export function readJsonPath(object: unknown, path: string): unknown {
  const steps = [...path.matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g)].map((m) => m[1] ?? m[3] ?? m[4] ?? Number(m[2]));
  let value: unknown = object;
  for (const step of steps) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}

/** tableconvertor.go cellForJSONValue: a column's value as its type shows it; null (`<none>`) when it is not that type. */
function cellOf(column: CustomResourceColumnDefinition, value: unknown, now: number): TableCell {
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const at = Date.parse(value);
      return Number.isNaN(at) ? '<invalid>' : humanDuration(now - at);
    }
    default:
      // a string column prints whatever is there as kubectl's JSONPath would
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** The columns a version prints: its own after the name, or the name and the age when it names none. */
function printerOf(columns: readonly CustomResourceColumnDefinition[]): TablePrinter {
  const shown = columns.length > 0 ? columns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }];
  return {
    columns: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      ...shown.map((column): TableColumn => ({ name: column.name, type: column.type as TableColumn['type'], format: column.format ?? '', description: column.description ?? '', priority: column.priority ?? 0 })),
    ],
    cells: (object: KubeObject, now: number) => [object.metadata.name ?? '', ...shown.map((column) => cellOf(column, readJsonPath(object, column.jsonPath), now))],
  };
}

/** `com.example.stable.v1.CronTab`: upstream names a custom kind's schema by its group, reversed. */
export function customSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The version's schema as its OpenAPI document carries it: apiVersion, kind and metadata made explicit. */
function openApiSchemaOf(schema: JSONSchemaProps, group: string, version: string, kind: string): object {
  return {
    ...schema,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: "Standard object's metadata." },
      ...Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([name]) => name !== 'metadata')),
    },
    'x-kubernetes-group-version-kind': [{ group, version, kind }],
  };
}

/** The names a definition is served under: those the controller accepted, or its own until it has. */
export function servedNamesOf(crd: CustomResourceDefinition): CustomResourceDefinitionNames {
  return crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : crd.spec.names;
}

/**
 * The resource a definition serves, in its storage version. A create or update is pruned (through
 * field-validation.ts, so that `Strict` can refuse what would be pruned), defaulted and validated by
 * the schema; a definition with the `status` subresource keeps status out of plain writes.
 */
export function customResourceType(crd: CustomResourceDefinition): ResourceType {
  const version = storageVersionOf(crd)!;
  const { group, scope } = crd.spec;
  const names = servedNamesOf(crd);
  const schema = version.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const namespaced = scope === 'Namespaced';
  const hasStatus = version.subresources?.status !== undefined;
  const terminating = crd.metadata.deletionTimestamp !== undefined;
  // selectableFields (beta in v1.31, on by default): `kubectl get crontabs --field-selector spec.color=red`
  const selectable = (version.selectableFields ?? []).map((field) => field.jsonPath);
  const fieldsOf = (obj: KubeObject): Record<string, string> => {
    const values: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '' };
    for (const path of selectable) {
      const value = readJsonPath(obj, path);
      values[path.slice(1)] = value === undefined || value === null ? '' : String(value);
    }
    return values;
  };
  return {
    resource: names.plural,
    kind: names.kind,
    group,
    apiVersion: `${group}/${version.name}`,
    namespaced,
    hasStatus,
    // a custom resource counts the changes of everything but its metadata and status
    tracksGeneration: true,
    selectableFields: ['metadata.name', 'metadata.namespace', ...selectable.map((path) => path.slice(1))],
    fieldsOf,
    prepareForCreate: (obj) => {
      // customresource_handler.go: no new object while the definition is being deleted
      if (terminating) {
        throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'create not allowed while custom resource definition is terminating', reason: 'MethodNotAllowed', code: 405 });
      }
      if (hasStatus) delete (obj as { status?: unknown }).status;
    },
    defaults: (obj) => applySchemaDefaults(obj, schema),
    validate: (obj) => [...validateObjectMeta(obj.metadata, namespaced, isDNS1123Subdomain), ...validateAgainstSchema(obj, schema)],
    ...(names.shortNames && { shortNames: names.shortNames }),
    ...(names.categories && { categories: names.categories }),
    singularName: names.singular ?? names.kind.toLowerCase(),
    custom: {
      printer: printerOf(version.additionalPrinterColumns ?? []),
      openApiSchema: openApiSchemaOf(schema, group, version.name, names.kind),
      ...(version.subresources?.scale && { scale: version.subresources.scale }),
    },
  };
}

/**
 * The versions served besides the storage version, converted as the strategy None converts: the
 * apiVersion rewritten, nothing else. (Their own schemas are not applied: an object is validated by
 * the storage version's.)
 */
function otherVersionsOf(crd: CustomResourceDefinition, type: ResourceType): OtherVersion[] {
  const stored = storageVersionOf(crd)!.name;
  return crd.spec.versions
    .filter((version) => version.served && version.name !== stored)
    .map((version) => ({
      resource: type.resource,
      kind: type.kind,
      group: type.group,
      version: version.name,
      storedVersion: stored,
      fromStored: (object: KubeObject) => ({ ...object, apiVersion: `${type.group}/${version.name}` }),
      toStored: (object: KubeObject) => ({ ...object, apiVersion: type.apiVersion }),
    }));
}

/** Drops what a custom resource's schema does not name, and what ObjectMeta does not have; answers their paths. */
function pruner(schema: JSONSchemaProps): (object: object) => string[] {
  return (object) => [...dropUnknownFields(OBJECT_META, (object as { metadata?: unknown }).metadata, 'metadata'), ...pruneUnknownFields(object, schema)];
}

/** The custom resources served now, by plural (what the garbage collector's discovery finds beside the built-in ones). */
export function customResourcesServed(): string[] {
  return [...RESOURCES.values()].filter((type) => type.custom).map((type) => type.resource);
}

/** What each custom resource is served from now: its definition's spec, accepted names and deletion, as JSON. */
const SERVED_FROM = new Map<string, string>();

/** How many times the custom resources served changed: part of the OpenAPI documents' hash. */
let servedGeneration = 0;

/** A number that changes whenever the custom resources served do (discovery's OpenAPI hash). */
export function customResourcesGeneration(): number {
  return servedGeneration;
}

/**
 * Serves exactly the resources of the established definitions among `crds`: a new one from now
 * on, a changed one anew, and no more the one whose definition is gone or no longer established.
 * Answers the definitions whose plural a built-in resource has, which are not served.
 */
export function serveCustomResources(crds: readonly CustomResourceDefinition[]): CustomResourceDefinition[] {
  const refused: CustomResourceDefinition[] = [];
  const wanted = new Map<string, CustomResourceDefinition>();
  for (const crd of crds) {
    if (!crdConditionHolds(crd, 'Established') || !storageVersionOf(crd)) continue;
    const plural = servedNamesOf(crd).plural;
    if (isBuiltInResource(plural)) refused.push(crd);
    else wanted.set(plural, crd);
  }
  for (const [resource, type] of RESOURCES) {
    if (type.custom && !wanted.has(resource)) {
      stopServingResourceType(resource);
      setOtherVersionsOf(resource, []);
      setCustomFieldPruner(type.apiVersion, type.kind, undefined);
      SERVED_FROM.delete(resource);
      servedGeneration++;
    }
  }
  for (const [plural, crd] of wanted) {
    // served anew only when what it is served from changed (the OpenAPI hash changes with it)
    const from = JSON.stringify([crd.spec, crd.status?.acceptedNames, crd.metadata.deletionTimestamp]);
    if (SERVED_FROM.get(plural) === from && RESOURCES.get(plural)?.custom) continue;
    SERVED_FROM.set(plural, from);
    const type = customResourceType(crd);
    const before = RESOURCES.get(type.resource);
    if (before?.custom && (before.apiVersion !== type.apiVersion || before.kind !== type.kind)) setCustomFieldPruner(before.apiVersion, before.kind, undefined);
    serveResourceType(type);
    setOtherVersionsOf(type.resource, otherVersionsOf(crd, type));
    setCustomFieldPruner(type.apiVersion, type.kind, pruner(storageVersionOf(crd)!.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }));
    servedGeneration++;
  }
  return refused;
}

/** The patches a custom resource takes: not a strategic merge patch, which needs Go's types to know how lists merge. */
const CUSTOM_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

/**
 * The 415 a strategic merge patch of a custom resource gets (upstream's patch handler, which knows
 * no patch strategy for a kind without Go types); undefined for any other request. kubectl says:
 * `error: application/strategic-merge-patch+json is not supported by stable.example.com/v1, Kind=CronTab: the body of the request was in an unknown format - ...`.
 */
export function unsupportedCustomPatch(method: string, url: string, contentType: string | undefined): StatusError | undefined {
  if (method !== 'PATCH' || !(contentType ?? '').startsWith('application/strategic-merge-patch+json')) return undefined;
  const path = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/[^/]+\/)?([^/]+)\/[^/]+/.exec(url.split('?')[0]!);
  const type = path ? RESOURCES.get(path[3]!) : undefined;
  if (!type?.custom || type.apiVersion !== `${path![1]}/${path![2]}`) return undefined;
  const message = `the body of the request was in an unknown format - accepted media types include: ${CUSTOM_PATCH_TYPES.join(', ')}`;
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'UnsupportedMediaType', code: 415 });
}
