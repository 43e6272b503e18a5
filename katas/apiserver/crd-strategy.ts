/**
 * CustomResourceDefinitions as the apiserver stores them (k8s.io/apiextensions-apiserver:
 * pkg/apis/apiextensions/v1/defaults.go, pkg/apis/apiextensions/validation, and
 * pkg/registry/customresourcedefinition's strategy and REST Delete): their defaults, what makes one
 * valid, what an update may not change, and how deleting one begins.
 *
 * ```
 * kubectl apply -f crd.yaml   -> names.singular "crontab", names.listKind "CronTabList", conversion None,
 *                                status.storedVersions ["v1"]; the controllers then accept the names and
 *                                establish it (controllers/custom-resource-definitions.ts)
 * kubectl delete crd ...      -> the finalizer customresourcecleanup.apiextensions.k8s.io and the condition
 *                                Terminating: the controller deletes every CronTab, then the finalizer
 * ```
 *
 * The schema of each version must be structural, as v1 asks: a type everywhere (but where
 * `x-kubernetes-preserve-unknown-fields` or `x-kubernetes-int-or-string` says otherwise), an object
 * at the root, `items` for an array, and nothing of `metadata` but its name. Not done: the checks of
 * `x-kubernetes-validations` rules, conversion webhooks, and `allOf`/`anyOf`/`oneOf` beyond their types.
 *
 * Given code, beyond the katas: the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * validateCustomResourceDefinition({ ...crd, metadata: { name: 'crontabs' } });
 * // [{ field: 'metadata.name', message: 'Invalid value: "crontabs": must be spec.names.plural+"."+spec.group' }]
 * ```
 */
import type { CustomResourceDefinition, CustomResourceDefinitionCondition, CustomResourceDefinitionVersion, JSONSchemaProps, KubeObject, StatusCause } from '@kube/kit';
import { at, forbiddenField, invalidField, requiredField, unsupportedField, type FieldError } from './field-errors.ts';
import { isDNS1035Label, isDNS1123Subdomain } from './names.ts';
import { validateObjectMeta } from './validation.ts';

/** The finalizer a definition is given when it is deleted, until its objects are gone. */
export const CUSTOM_RESOURCE_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** The version objects are stored in: the one with `storage: true`. */
export function storageVersionOf(crd: CustomResourceDefinition): CustomResourceDefinitionVersion | undefined {
  return crd.spec.versions?.find((version) => version.storage);
}

/** Whether a condition of the definition is True. */
export function crdConditionHolds(crd: CustomResourceDefinition, type: string): boolean {
  return (crd.status?.conditions ?? []).some((condition) => condition.type === type && condition.status === 'True');
}

/**
 * The definition's conditions with `condition` set: its lastTransitionTime kept when the status did
 * not change (upstream's SetCRDCondition).
 */
export function withCrdCondition(crd: CustomResourceDefinition, condition: CustomResourceDefinitionCondition): CustomResourceDefinitionCondition[] {
  const conditions = crd.status?.conditions ?? [];
  const old = conditions.find((c) => c.type === condition.type);
  const next = old && old.status === condition.status ? { ...condition, lastTransitionTime: old.lastTransitionTime ?? condition.lastTransitionTime } : condition;
  return old ? conditions.map((c) => (c === old ? next : c)) : [...conditions, next];
}

/** defaults.go: singular and listKind from the kind, conversion None. */
export function defaultCustomResourceDefinition(obj: KubeObject): void {
  const crd = obj as CustomResourceDefinition;
  if (!crd.spec) return;
  const names = crd.spec.names;
  if (names?.kind) {
    names.singular ||= names.kind.toLowerCase();
    names.listKind ||= `${names.kind}List`;
  }
  crd.spec.conversion ??= { strategy: 'None' };
}

/** strategy.go PrepareForCreate: an empty status but for the stored version. */
export function prepareCustomResourceDefinitionForCreate(obj: KubeObject): void {
  const crd = obj as CustomResourceDefinition;
  const storage = crd.spec ? storageVersionOf(crd) : undefined;
  crd.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: storage ? [storage.name] : [] };
}

/**
 * strategy.go PrepareForUpdate: a plain update keeps the stored status; a new storage version is
 * added to `storedVersions`, which only ever grows (until a storage migration trims it).
 */
export function prepareCustomResourceDefinitionForUpdate(next: KubeObject, stored: KubeObject): void {
  const crd = next as CustomResourceDefinition;
  crd.status = structuredClone((stored as CustomResourceDefinition).status ?? {});
  const storage = crd.spec ? storageVersionOf(crd) : undefined;
  const storedVersions = crd.status.storedVersions ?? [];
  if (storage && !storedVersions.includes(storage.name)) crd.status.storedVersions = [...storedVersions, storage.name];
}

/**
 * etcd.go Delete: the first delete gives the definition the cleanup finalizer and the condition
 * Terminating, and the finalizing controller does the rest.
 */
export function prepareCustomResourceDefinitionForDelete(obj: KubeObject): void {
  const crd = obj as CustomResourceDefinition;
  const finalizers = crd.metadata.finalizers ?? [];
  if (!finalizers.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) crd.metadata.finalizers = [...finalizers, CUSTOM_RESOURCE_CLEANUP_FINALIZER];
  const terminating = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon', lastTransitionTime: crd.metadata.deletionTimestamp! };
  crd.status = { ...crd.status, conditions: withCrdCondition(crd, terminating) };
}

/**
 * The finalizer a definition not yet being deleted stands to get: it makes the first delete mark
 * the definition rather than remove it (see {@link prepareCustomResourceDefinitionForDelete}).
 */
export function customResourceDefinitionFinalizers(obj: KubeObject): readonly string[] {
  return obj.metadata.deletionTimestamp ? [] : [CUSTOM_RESOURCE_CLEANUP_FINALIZER];
}

/** `a lowercase RFC 1123 label ...`, as the names' checks word it. */
function nameProblems(path: string, value: string | undefined, kindLike: boolean): FieldError[] {
  if (!value) return kindLike || path.endsWith('plural') ? [requiredField(path)] : [];
  const errors = isDNS1035Label(kindLike ? value.toLowerCase() : value);
  if (errors.length === 0) return [];
  return [invalidField(path, value, kindLike ? `may have mixed case, but should otherwise match: ${errors.join(',')}` : errors.join(','))];
}

/** validation.go ValidateCustomResourceDefinition: the whole definition. */
export function validateCustomResourceDefinition(obj: KubeObject): StatusCause[] {
  const crd = obj as CustomResourceDefinition;
  const problems: StatusCause[] = [...validateObjectMeta(crd.metadata, false, isDNS1123Subdomain)];
  const spec = crd.spec;
  if (!spec) return [...problems, requiredField('spec')];
  const names = spec.names ?? { plural: '', kind: '' };
  const name = crd.metadata.name ?? '';
  if (name !== `${names.plural}.${spec.group}`) problems.push(invalidField('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!spec.group) problems.push(requiredField('spec.group'));
  else {
    problems.push(...isDNS1123Subdomain(spec.group).map((error) => invalidField('spec.group', spec.group, error)));
    if (spec.group.split('.').length < 2) problems.push(invalidField('spec.group', spec.group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) problems.push(requiredField('spec.scope'));
  else if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') problems.push(unsupportedField('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  problems.push(...nameProblems('spec.names.plural', names.plural, false));
  problems.push(...nameProblems('spec.names.singular', names.singular, false));
  problems.push(...nameProblems('spec.names.kind', names.kind, true));
  problems.push(...nameProblems('spec.names.listKind', names.listKind, true));
  if (names.kind && names.listKind === names.kind) problems.push(invalidField('spec.names.listKind', names.listKind, 'kind and listKind may not be the same'));
  (names.shortNames ?? []).forEach((short, i) => problems.push(...nameProblems(at('spec', 'names', 'shortNames', i), short, false)));
  problems.push(...validateVersions(spec.versions ?? []));
  if (spec.conversion && spec.conversion.strategy !== 'None' && spec.conversion.strategy !== 'Webhook') {
    problems.push(unsupportedField('spec.conversion.strategy', spec.conversion.strategy, ['None', 'Webhook']));
  }
  if (spec.preserveUnknownFields) problems.push(invalidField('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  return problems;
}

function validateVersions(versions: CustomResourceDefinitionVersion[]): StatusCause[] {
  const problems: StatusCause[] = [];
  if (versions.length === 0) return [requiredField('spec.versions', 'must have exactly one version marked as storage version')];
  const seen = new Set<string>();
  versions.forEach((version, i) => {
    const path = at('spec', 'versions', i);
    if (seen.has(version.name)) problems.push(invalidField(`${path}.name`, version.name, 'must be unique'));
    seen.add(version.name);
    problems.push(...isDNS1035Label(version.name ?? '').map((error) => invalidField(`${path}.name`, version.name, error)));
    const schema = version.schema?.openAPIV3Schema;
    if (schema === undefined) problems.push(requiredField(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
    else problems.push(...structuralProblems(schema, `${path}.schema.openAPIV3Schema`, true));
    (version.selectableFields ?? []).forEach((field, j) => {
      const fieldPath = `${path}.selectableFields[${j}].jsonPath`;
      if (!field.jsonPath) problems.push(requiredField(fieldPath));
      else if (!/^(\.[A-Za-z_][A-Za-z0-9_-]*)+$/.test(field.jsonPath)) problems.push(invalidField(fieldPath, field.jsonPath, 'must be a simple json path starting with .'));
      else if (field.jsonPath.startsWith('.metadata')) problems.push(invalidField(fieldPath, field.jsonPath, 'must not select metadata fields'));
    });
    if ((version.selectableFields ?? []).length > 8) problems.push({ reason: 'FieldValueTooMany', field: `${path}.selectableFields`, message: `Too many: ${version.selectableFields!.length}: must have at most 8 items` });
    (version.additionalPrinterColumns ?? []).forEach((column, j) => {
      const columnPath = `${path}.additionalPrinterColumns[${j}]`;
      if (!column.name) problems.push(requiredField(`${columnPath}.name`));
      if (!['integer', 'number', 'string', 'boolean', 'date'].includes(column.type)) problems.push(unsupportedField(`${columnPath}.type`, column.type, ['boolean', 'date', 'integer', 'number', 'string']));
      if (!column.jsonPath) problems.push(requiredField(`${columnPath}.jsonPath`));
      else if (!column.jsonPath.startsWith('.')) problems.push(invalidField(`${columnPath}.jsonPath`, column.jsonPath, 'must be a simple json path starting with .'));
    });
  });
  const storage = versions.filter((version) => version.storage).length;
  if (storage !== 1) problems.push(invalidField('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  if (!versions.some((version) => version.served)) problems.push(invalidField('spec.versions', versions.map((v) => v.name), 'must have at least one version marked as served'));
  return problems;
}

const SCHEMA_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/**
 * schema/validation.go: what makes a schema structural, in its words: every node says its type, an
 * object at the root, items for an array; at the root, `metadata` may say no more than its name.
 */
function structuralProblems(schema: JSONSchemaProps, path: string, root: boolean): StatusCause[] {
  const problems: StatusCause[] = [];
  const untyped = schema['x-kubernetes-preserve-unknown-fields'] === true || schema['x-kubernetes-int-or-string'] === true;
  if (!schema.type && !untyped) problems.push(requiredField(`${path}.type`, 'must not be empty for specified object fields'));
  else if (schema.type && !SCHEMA_TYPES.includes(schema.type)) problems.push(unsupportedField(`${path}.type`, schema.type, SCHEMA_TYPES));
  if (root && schema.type && schema.type !== 'object') problems.push(invalidField(`${path}.type`, schema.type, 'must be object at the root'));
  if (schema.type === 'array' && schema.items === undefined) problems.push(requiredField(`${path}.items`, 'must be specified'));
  if (schema.properties && schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    problems.push(forbiddenField(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  const metadata = root ? schema.properties?.['metadata'] : undefined;
  if (metadata) {
    // `metadata: {type: object}` (kubebuilder writes it) is allowed; anything more than its names is not
    const onlyNames = Object.keys(metadata.properties ?? {}).every((field) => field === 'name' || field === 'generateName');
    const onlyTypeAndProperties = Object.keys(metadata).every((key) => key === 'type' || key === 'properties');
    if ((metadata.type ?? 'object') !== 'object' || !onlyNames || !onlyTypeAndProperties) {
      problems.push(forbiddenField(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (root && name === 'metadata') continue;
    problems.push(...structuralProblems(property, `${path}.properties[${name}]`, false));
  }
  if (schema.items) problems.push(...structuralProblems(schema.items, `${path}.items`, false));
  if (typeof schema.additionalProperties === 'object') problems.push(...structuralProblems(schema.additionalProperties, `${path}.additionalProperties`, false));
  if (schema.pattern !== undefined) {
    try {
      new RegExp(schema.pattern, 'u');
    } catch (error) {
      problems.push(invalidField(`${path}.pattern`, schema.pattern, `must be a valid regular expression, but isn't: ${(error as Error).message}`));
    }
  }
  return problems;
}

/**
 * validation.go ValidateCustomResourceDefinitionUpdate: the scope never changes, and no version
 * objects were stored in may leave `spec.versions`.
 */
export function validateCustomResourceDefinitionUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const crd = next as CustomResourceDefinition;
  const old = stored as CustomResourceDefinition;
  const problems: StatusCause[] = [];
  if (crd.spec?.scope !== old.spec?.scope) problems.push(invalidField('spec.scope', crd.spec?.scope, 'field is immutable'));
  const versions = new Set((crd.spec?.versions ?? []).map((version) => version.name));
  (old.status?.storedVersions ?? []).forEach((version, i) => {
    if (!versions.has(version)) problems.push(invalidField(`status.storedVersions[${i}]`, version, 'must appear in spec.versions'));
  });
  return problems;
}
