/**
 * Writes kit/api/openapi.json: the OpenAPI v3 schemas of the kinds the workbook serves, which the
 * apiserver's discovery (apiserver/discovery.ts) puts in its `/openapi/v3/<group-version>`
 * documents so that `kubectl explain pod.spec.containers` works as against a real cluster.
 *
 * The fields are the kit's (kit/api/*.ts): `kubectl explain` lists what this workbook's objects
 * have, not the fifty fields of upstream's PodSpec. The descriptions are upstream's, read from the
 * `kubernetes-types` package (generated from Kubernetes' own OpenAPI document), so they read as
 * they do against a real cluster; a field upstream does not describe keeps the kit's TSDoc.
 *
 *   npx tsx tools/openapi.ts          write kit/api/openapi.json and kit/api/known-fields.json
 *   npx tsx tools/openapi.ts --check  exit 1 if either is not what it would write
 *
 * tools/test/openapi.test.ts runs the check, so a field added to the kit without running this
 * fails `npm test`. kit/api/openapi.ts reads the file the first time kubectl asks for a
 * document, so no test that never asks pays for parsing it.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import ts from 'typescript';

const KIT = 'kit/api';
const OUTPUT = join(KIT, 'openapi.json');
const KNOWN_FIELDS_OUTPUT = join(KIT, 'known-fields.json');

/** The upstream package a kit file's types belong to (a kind's own comes from its apiVersion). */
const PACKAGE_OF_FILE: Record<string, string> = {
  'meta.ts': 'io.k8s.apimachinery.pkg.apis.meta.v1',
  'apps.ts': 'io.k8s.api.apps.v1',
  'batch.ts': 'io.k8s.api.batch.v1',
  'coordination.ts': 'io.k8s.api.coordination.v1',
  'policy.ts': 'io.k8s.api.policy.v1',
  'autoscaling.ts': 'io.k8s.api.autoscaling.v2',
  'networking.ts': 'io.k8s.api.networking.v1',
  'certificates.ts': 'io.k8s.api.certificates.v1',
  'node-runtime.ts': 'io.k8s.api.node.v1',
  'apiextensions.ts': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
  'apiregistration.ts': 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1',
  'discovery.ts': 'io.k8s.api.discovery.v1',
  'rbac.ts': 'io.k8s.api.rbac.v1',
  'priority-class.ts': 'io.k8s.api.scheduling.v1',
};
const CORE = 'io.k8s.api.core.v1';
/** Types that live elsewhere upstream than their kit file says. */
const PACKAGE_OF_TYPE: Record<string, string> = { ObjectReference: CORE };
/** Kit types that upstream names otherwise (kubectl explain shows upstream's name). */
const UPSTREAM_NAME: Record<string, string> = { EndpointSlicePort: 'EndpointPort' };

/** Where kubernetes-types keeps each package's declarations. */
const UPSTREAM_FILES: Record<string, string> = {
  'io.k8s.api.core.v1': 'core/v1.d.ts',
  'io.k8s.api.apps.v1': 'apps/v1.d.ts',
  'io.k8s.api.authentication.v1': 'authentication/v1.d.ts',
  'io.k8s.api.authorization.v1': 'authorization/v1.d.ts',
  'io.k8s.api.autoscaling.v1': 'autoscaling/v1.d.ts',
  'io.k8s.api.autoscaling.v2': 'autoscaling/v2.d.ts',
  'io.k8s.api.networking.v1': 'networking/v1.d.ts',
  'io.k8s.api.batch.v1': 'batch/v1.d.ts',
  'io.k8s.api.coordination.v1': 'coordination/v1.d.ts',
  'io.k8s.api.discovery.v1': 'discovery/v1.d.ts',
  'io.k8s.api.policy.v1': 'policy/v1.d.ts',
  'io.k8s.api.rbac.v1': 'rbac/v1.d.ts',
  'io.k8s.api.scheduling.v1': 'scheduling/v1.d.ts',
  'io.k8s.api.storage.v1': 'storage/v1.d.ts',
  'io.k8s.api.certificates.v1': 'certificates/v1.d.ts',
  'io.k8s.api.node.v1': 'node/v1.d.ts',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1': 'apiextensions/v1.d.ts',
  'io.k8s.apimachinery.pkg.apis.meta.v1': 'meta/v1.d.ts',
};

/** Kit types that are not objects of their own in the schema: what they stand for upstream. */
const SPECIAL_TYPES: Record<string, Schema> = {
  Quantity: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' },
  Time: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time' },
  MicroTime: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime' },
};

/** The schemas SPECIAL_TYPES and int-or-string fields point at. */
const SPECIAL_SCHEMAS: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    description: 'A fixed-point number written as a string with an optional suffix: "100m" (0.1), "1.5", "128Mi" (128 × 2^20), "1G" (10^9), "2e3".',
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': {
    description: 'A time in RFC 3339, whole seconds, in UTC: "2026-01-01T00:00:00Z".',
    type: 'string',
    format: 'date-time',
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': {
    description: 'A time in RFC 3339 with microseconds, in UTC: "2026-01-01T00:00:00.000000Z".',
    type: 'string',
    format: 'date-time',
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    description: 'An int32 or a string: a port number or the name of a port, a count or a percentage ("25%").',
    format: 'int-or-string',
  },
};
const INT_OR_STRING: Schema = { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' };

/** An OpenAPI v3 schema, as much of it as kubectl explain reads. */
interface Schema {
  description?: string;
  type?: string;
  format?: string;
  enum?: string[];
  items?: Schema;
  additionalProperties?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  $ref?: string;
  default?: unknown;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string }[];
}

interface Member {
  name: string;
  optional: boolean;
  type: ts.TypeNode;
  doc: string;
}

interface Declaration {
  name: string;
  file: string;
  doc: string;
  members: Member[];
  extends: string[];
}

/** The first paragraphs of a TSDoc comment, without its tags (@example, @module, ...). */
function docOf(node: ts.Node): string {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  const last = docs.at(-1);
  const text = typeof last?.comment === 'string' ? last.comment : ts.getTextOfJSDocComment(last?.comment) ?? '';
  return text.replace(/\s+/g, ' ').trim();
}

/** Every interface and type alias of the kit's API files. */
function readKit(): { interfaces: Map<string, Declaration>; aliases: Map<string, ts.TypeNode> } {
  const interfaces = new Map<string, Declaration>();
  const aliases = new Map<string, ts.TypeNode>();
  for (const file of readdirSync(KIT).filter((f) => f.endsWith('.ts') && f !== 'openapi.ts' && f !== 'index.ts')) {
    const source = ts.createSourceFile(file, readFileSync(join(KIT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (ts.isTypeAliasDeclaration(statement)) aliases.set(statement.name.text, statement.type);
      if (!ts.isInterfaceDeclaration(statement)) continue;
      const members: Member[] = [];
      for (const member of statement.members) {
        if (!ts.isPropertySignature(member) || member.type === undefined) continue;
        members.push({ name: ts.isStringLiteral(member.name) ? member.name.text : member.name.getText(source), optional: member.questionToken !== undefined, type: member.type, doc: docOf(member) });
      }
      const heritage = (statement.heritageClauses ?? []).flatMap((clause) => clause.types.map((type) => type.expression.getText(source)));
      interfaces.set(statement.name.text, { name: statement.name.text, file: basename(file), doc: docOf(statement), members, extends: heritage });
    }
  }
  return { interfaces, aliases };
}

/** Upstream's descriptions: `<package>.<Type>` → the type's and each field's. */
function readUpstream(): Map<string, { doc: string; fields: Map<string, string> }> {
  const described = new Map<string, { doc: string; fields: Map<string, string> }>();
  for (const [pkg, file] of Object.entries(UPSTREAM_FILES)) {
    const path = join('node_modules/kubernetes-types', file);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement)) continue;
      const fields = new Map<string, string>();
      for (const member of statement.members) if (ts.isPropertySignature(member)) fields.set(member.name.getText(source), docOf(member));
      described.set(`${pkg}.${statement.name.text}`, { doc: docOf(statement), fields });
    }
  }
  return described;
}

/** `'v1'` → core, `'apps/v1'` → io.k8s.api.apps.v1, `'rbac.authorization.k8s.io/v1'` → io.k8s.api.rbac.v1. */
function packageOfApiVersion(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  // CustomResourceDefinitions are the apiextensions-apiserver's, which upstream names by its Go package
  if (group === 'apiextensions.k8s.io') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  if (group === 'apiregistration.k8s.io') return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}`;
  return `io.k8s.api.${group!.split('.')[0]}.${version}`;
}

/** The string literal of a member's type (`kind?: 'Pod'`), if it is one. */
function literalOf(type: ts.TypeNode): string | undefined {
  return ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal) ? type.literal.text : undefined;
}

/** Writes a sentence: a capital first letter and a full stop. */
function sentence(text: string): string {
  if (text === '') return text;
  const capital = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?)`"]$/.test(capital) ? capital : `${capital}.`;
}

function generate(): Record<string, Schema> {
  const { interfaces, aliases } = readKit();
  const upstream = readUpstream();
  const schemas: Record<string, Schema> = {};

  /** The members of an interface with those it extends (its own last: they override). */
  const membersOf = (declaration: Declaration): Member[] => {
    const inherited = declaration.extends.flatMap((name) => {
      const parent = interfaces.get(name);
      return parent ? membersOf(parent) : [];
    });
    const own = new Set(declaration.members.map((m) => m.name));
    return [...inherited.filter((m) => !own.has(m.name)), ...declaration.members];
  };

  /** The kind an interface is (its `apiVersion` and `kind` are literals), if it is one. */
  const gvkOf = (declaration: Declaration): { group: string; kind: string; version: string } | undefined => {
    const members = membersOf(declaration);
    const apiVersion = members.find((m) => m.name === 'apiVersion');
    const kind = members.find((m) => m.name === 'kind');
    const apiVersionText = apiVersion && literalOf(apiVersion.type);
    const kindText = kind && literalOf(kind.type);
    if (apiVersionText === undefined || kindText === undefined) return undefined;
    const [group, version] = apiVersionText.includes('/') ? apiVersionText.split('/') : ['', apiVersionText];
    return { group: group!, kind: kindText, version: version! };
  };

  const kinds = [...interfaces.values()].filter((d) => gvkOf(d) !== undefined);
  /** A type named after a kind of another package (ScaleSpec, of Scale) is in that package. */
  const packageOf = (declaration: Declaration): string => {
    const placed = PACKAGE_OF_TYPE[declaration.name] ?? (declaration.file === 'meta.ts' ? PACKAGE_OF_FILE['meta.ts'] : undefined);
    if (placed) return placed;
    const gvk = gvkOf(declaration);
    if (gvk) return packageOfApiVersion(gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);
    const owner = kinds.find((kind) => kind.file === declaration.file && declaration.name.startsWith(kind.name) && declaration.name !== kind.name);
    if (owner) return packageOf(owner);
    return PACKAGE_OF_FILE[declaration.file] ?? CORE;
  };
  const schemaName = (declaration: Declaration): string => `${packageOf(declaration)}.${UPSTREAM_NAME[declaration.name] ?? declaration.name}`;

  /** The schema of a member's type; object types are written once, under their name, and referred to. */
  const schemaOf = (type: ts.TypeNode): Schema => {
    if (type.kind === ts.SyntaxKind.StringKeyword) return { type: 'string' };
    if (type.kind === ts.SyntaxKind.NumberKeyword) return { type: 'integer' };
    if (type.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' };
    if (type.kind === ts.SyntaxKind.UnknownKeyword || type.kind === ts.SyntaxKind.ObjectKeyword) return { type: 'object' };
    if (ts.isParenthesizedTypeNode(type)) return schemaOf(type.type);
    if (ts.isTypeOperatorNode(type)) return schemaOf(type.type); // readonly T[]
    if (ts.isArrayTypeNode(type)) return { type: 'array', items: schemaOf(type.elementType) };
    if (ts.isLiteralTypeNode(type)) return ts.isStringLiteral(type.literal) ? { type: 'string' } : { type: 'integer' };
    if (ts.isUnionTypeNode(type)) {
      const parts = type.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword);
      if (parts.length === 1) return schemaOf(parts[0]!);
      const kinds = new Set(parts.map((t) => t.kind));
      if (kinds.has(ts.SyntaxKind.NumberKeyword) && kinds.has(ts.SyntaxKind.StringKeyword)) return INT_OR_STRING;
      const literals = parts.map(literalOf);
      // 'ReplicaFailure' | (string & {}): the names are suggestions, any string goes
      // sorted, as upstream's generated enums are
      if (literals.every((l) => l !== undefined)) return { type: 'string', enum: (literals as string[]).sort() };
      return { type: 'string' };
    }
    if (ts.isTypeLiteralNode(type)) {
      const properties: Record<string, Schema> = {};
      for (const member of type.members) if (ts.isPropertySignature(member) && member.type) properties[ts.isStringLiteral(member.name) ? member.name.text : member.name.getText()] = schemaOf(member.type);
      return { type: 'object', properties };
    }
    if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName.getText();
      const args = type.typeArguments ?? [];
      if (name === 'Record') return { type: 'object', additionalProperties: schemaOf(args[1]!) };
      if (name === 'Array' || name === 'ReadonlyArray') return { type: 'array', items: schemaOf(args[0]!) };
      if (SPECIAL_TYPES[name]) return SPECIAL_TYPES[name]!;
      const alias = aliases.get(name);
      if (alias) return schemaOf(alias);
      const declaration = interfaces.get(name);
      if (declaration) return { $ref: `#/components/schemas/${write(declaration)}` };
    }
    throw new Error(`tools/openapi.ts: no schema for the type ${type.getText()} — add a case to schemaOf`);
  };

  /** Writes the schema of an interface (once) and answers its name. */
  const write = (declaration: Declaration): string => {
    const name = schemaName(declaration);
    if (schemas[name]) return name;
    const described = upstream.get(name);
    const schema: Schema = { description: described?.doc || sentence(declaration.doc), type: 'object', properties: {} };
    schemas[name] = schema;
    const required: string[] = [];
    const gvk = gvkOf(declaration);
    for (const member of membersOf(declaration)) {
      const description = described?.fields.get(member.name) || sentence(member.doc);
      let field = schemaOf(member.type);
      // upstream wraps a reference in allOf so that the field can carry its own description
      if (field.$ref) field = { allOf: [field], ...(field === INT_OR_STRING || field === SPECIAL_TYPES.Quantity ? {} : { default: {} }) };
      if (field.type === 'array' && field.items?.$ref) field = { ...field, items: { allOf: [field.items], default: {} } };
      schema.properties![member.name] = { ...(description ? { description } : {}), ...field };
      // the kit requires metadata (the apiserver always has it); a manifest may leave it out
      if (!member.optional && !(gvk && member.name === 'metadata')) required.push(member.name);
    }
    if (required.length > 0) schema.required = required;
    if (gvk) schema['x-kubernetes-group-version-kind'] = [gvk];
    return name;
  };

  for (const kind of kinds) write(kind);
  for (const [name, schema] of Object.entries(SPECIAL_SCHEMAS)) schemas[name] = schema;
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * What a field holds, in kit/api/known-fields.json: `''` a value whose inside is not checked (a
 * string, a number, a list or map of them, a Quantity, an int-or-string, free-form JSON such as a
 * RawExtension); `'T'` an object of the type named T; `'[]T'` a list of them; `'{}T'` a map of them.
 */
type FieldType = string;

/** Upstream's fields of every type of {@link UPSTREAM_FILES}: `<package>.<Type>` → field → {@link FieldType}. */
function readUpstreamFields(): Map<string, Map<string, FieldType>> {
  const packageOfFile = new Map(Object.entries(UPSTREAM_FILES).map(([pkg, file]) => [file, pkg]));
  const sources = Object.entries(UPSTREAM_FILES).map(([pkg, file]) => {
    const path = join('node_modules/kubernetes-types', file);
    return { pkg, file, source: ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true) };
  });
  // An interface with no fields (FieldsV1, RawExtension) holds any JSON: nothing to check inside.
  const objectTypes = new Set<string>();
  for (const { pkg, source } of sources) {
    for (const statement of source.statements) if (ts.isInterfaceDeclaration(statement) && statement.members.length > 0) objectTypes.add(`${pkg}.${statement.name.text}`);
  }
  const types = new Map<string, Map<string, FieldType>>();
  for (const { pkg, file, source } of sources) {
    // `import { ObjectMeta } from "../meta/v1"` in core/v1.d.ts: ObjectMeta is io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta
    const imported = new Map<string, string>();
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const from = packageOfFile.get(`${join(dirname(file), statement.moduleSpecifier.text)}.d.ts`);
      const names = statement.importClause?.namedBindings;
      if (from === undefined || names === undefined || !ts.isNamedImports(names)) continue;
      for (const element of names.elements) imported.set(element.name.text, `${from}.${element.name.text}`);
    }
    const fieldType = (type: ts.TypeNode): FieldType => {
      if (ts.isTypeReferenceNode(type)) {
        const name = type.typeName.getText(source);
        if (name === 'Array') {
          const element = fieldType(type.typeArguments![0]!);
          return element === '' ? '' : `[]${element}`;
        }
        const qualified = imported.get(name) ?? `${pkg}.${name}`;
        return objectTypes.has(qualified) ? qualified : '';
      }
      if (ts.isTypeLiteralNode(type)) {
        const index = type.members.find(ts.isIndexSignatureDeclaration);
        const value = index ? fieldType(index.type) : '';
        return value === '' ? '' : `{}${value}`;
      }
      return '';
    };
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement)) continue;
      const fields = new Map<string, FieldType>();
      for (const member of statement.members) if (ts.isPropertySignature(member) && member.type) fields.set(member.name.getText(source), fieldType(member.type));
      types.set(`${pkg}.${statement.name.text}`, fields);
    }
  }
  return types;
}

/** Kinds the apiserver answers (apiserver/reviews.ts, and SubjectReviews in the HTTP server) that the kit has no interface of its own for. */
const REVIEW_KINDS = [
  'io.k8s.api.authentication.v1.SelfSubjectReview',
  'io.k8s.api.authentication.v1.TokenReview',
  'io.k8s.api.authorization.v1.LocalSubjectAccessReview',
  'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
  'io.k8s.api.authorization.v1.SubjectAccessReview',
];

/** Kinds a subresource takes (a pod's `eviction`), which the kit has no interface of its own for: /openapi/v2 describes them. */
const SUBRESOURCE_KINDS = ['io.k8s.api.policy.v1.Eviction'];

/** The {@link FieldType} of a field of the kit's schema. */
function kitFieldType(schema: Schema): FieldType {
  const named = (s: Schema | undefined): string => {
    const ref = s?.$ref ?? s?.allOf?.[0]?.$ref;
    const name = ref?.slice('#/components/schemas/'.length) ?? '';
    return name in SPECIAL_SCHEMAS ? '' : name;
  };
  if (schema.type === 'array') return named(schema.items) && `[]${named(schema.items)}`;
  if (schema.additionalProperties) return named(schema.additionalProperties) && `{}${named(schema.additionalProperties)}`;
  return named(schema);
}

/**
 * kit/api/known-fields.json: the fields this server knows, for each type a served kind reaches —
 * upstream's (kubernetes-types), and the kit's where upstream lacks one. The apiserver drops or
 * refuses any other (`?fieldValidation=`, apiserver/field-validation.ts), as kube-apiserver's
 * strict decoding does with a field its Go types do not have.
 */
function knownFields(): Record<string, Record<string, FieldType>> {
  const upstream = readUpstreamFields();
  const kit = generate();
  const known = new Map<string, Map<string, FieldType>>();
  for (const [name, fields] of upstream) known.set(name, new Map(fields));
  for (const [name, schema] of Object.entries(kit)) {
    const fields = known.get(name) ?? new Map<string, FieldType>();
    for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) if (!fields.has(field)) fields.set(field, kitFieldType(fieldSchema));
    if (schema.properties) known.set(name, fields);
  }
  const reached: Record<string, Record<string, FieldType>> = {};
  const visit = (name: string): void => {
    const fields = known.get(name);
    if (reached[name] || fields === undefined) return;
    reached[name] = Object.fromEntries([...fields].sort(([a], [b]) => a.localeCompare(b)));
    for (const type of fields.values()) if (type !== '') visit(type.replace(/^(\[\]|\{\})/, ''));
  };
  for (const [name, schema] of Object.entries(kit)) if (schema['x-kubernetes-group-version-kind']) visit(name);
  for (const name of [...REVIEW_KINDS, ...SUBRESOURCE_KINDS]) visit(name);
  return Object.fromEntries(Object.entries(reached).sort(([a], [b]) => a.localeCompare(b)));
}

/** The text of kit/api/known-fields.json: one type a line, so that a diff shows which type changed. */
export function knownFieldsJson(): string {
  const lines = Object.entries(knownFields()).map(([name, fields]) => `${JSON.stringify(name)}: ${JSON.stringify(fields)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** The text of kit/api/openapi.json. */
export function openApiJson(): string {
  return `${JSON.stringify(generate(), null, 1)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outputs: [string, string][] = [
    [OUTPUT, openApiJson()],
    [KNOWN_FIELDS_OUTPUT, knownFieldsJson()],
  ];
  for (const [path, text] of outputs) {
    if (process.argv.includes('--check')) {
      if (readFileSync(path, 'utf8') !== text) {
        console.error(`${path} is not what kit/api/*.ts make: run npx tsx tools/openapi.ts`);
        process.exit(1);
      }
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${path} (${Object.keys(JSON.parse(text) as object).length} types)`);
    }
  }
}
