/**
 * Answers in the order kube-apiserver writes them. Given code, beyond the katas: the HTTP server
 * (http-server.ts) passes every JSON answer and watch event through {@link inGoOrder}; the stored
 * objects do not change.
 *
 * A built-in kind is a Go struct, and Go's `encoding/json` writes a struct's fields in the order
 * they are declared, a map's keys sorted, so every v1.32 cluster answers
 * `kubectl get --raw /api/v1/namespaces/default/configmaps/c1` with
 *
 * ```
 * {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c1","namespace":"default","uid":"…",
 *  "resourceVersion":"822","creationTimestamp":"…","labels":{"a":"1","b":"2"},"managedFields":[…]},"data":{…}}
 * ```
 *
 * whatever order the object was written in: TypeMeta first (`kind`, then `apiVersion`), then
 * ObjectMeta's fields as types.go declares them (name, generateName, namespace, uid,
 * resourceVersion, generation, creationTimestamp, deletionTimestamp, …), then the kind's own. The
 * declaration order is proto-schema.ts's (each message lists its fields as upstream's
 * generated.proto does, which is the Go structs' order); a field the schema does not have keeps
 * its place after those it has.
 *
 * A custom resource is no struct: the apiserver holds it as a map (`unstructured.Unstructured`), so
 * every level of it is written with its keys sorted, `apiVersion` before `kind`.
 *
 * A managed field's `fieldsV1` is written by the structured-merge-diff library: `"."` (the field
 * itself) first, then the fields (`f:`) by name, then the list items by key (`k:`), by value
 * (`v:`) and by index (`i:`):
 *
 * ```
 * {"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{…}}}}
 * ```
 *
 * One client is left the stored order: the workbook's own HttpClient, which says so with the header
 * `Kubekata-Key-Order: stored` (http-server.ts's keepsStoredOrder). Its components, the learners'
 * code, may compare what they read with what they build as JSON; Go's order would make them
 * differ where nothing did (an EndpointSlice's ports, a ReplicaSet's status) and write again and
 * again. A Go component compares structs, which have no order.
 *
 * YAML ({@link asGoYaml}) is JSON made YAML by sigs.k8s.io/yaml, which reads it back into Go maps
 * first: every level sorted, lists not indented under their key, strings quoted when YAML 1.1 would
 * read them as something else (`"1"`, `"yes"`, a timestamp).
 */
import protobuf from 'protobufjs';
import { stringify } from 'yaml';
import { INLINE_FIELDS, messageOf, protobufTypes, SPECIAL_MESSAGES } from './protobuf.ts';
import { RESOURCES } from './resources.ts';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `body` with its keys in the order kube-apiserver writes them: an object of a built-in kind, a
 * list of them, a custom resource, a Status, or a watch event carrying one. Anything else (a
 * discovery document, `/version`) is answered as it is.
 *
 * @example
 * ```ts
 * inGoOrder({ apiVersion: 'v1', kind: 'ConfigMap', data: { b: '2', a: '1' }, metadata: { uid: 'u', name: 'c' } });
 * // { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', uid: 'u' }, data: { a: '1', b: '2' } }
 * ```
 */
export function inGoOrder(body: unknown): unknown {
  if (!isObject(body)) return body;
  if (typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') {
    // A watch event: {type, object}, as metav1.WatchEvent declares them.
    if (typeof body.type === 'string' && isObject(body.object) && Object.keys(body).length === 2) return { type: body.type, object: inGoOrder(body.object) };
    return body;
  }
  if (body.kind === 'Table' && body.apiVersion === 'meta.k8s.io/v1' && Array.isArray(body.rows)) {
    // Each row's object (a PartialObjectMetadata, or the whole object) in its own kind's order.
    return { ...body, rows: body.rows.map((row: unknown) => (isObject(row) && isObject(row.object) ? { ...row, object: inGoOrder(row.object) } : row)) };
  }
  return kindInOrder(body, body.apiVersion, body.kind);
}

/** An object of `kind` (kind and apiVersion, if it carries them, first). */
function kindInOrder(object: JsonObject, apiVersion: string, kind: string): JsonObject {
  const type = messageFor(apiVersion, kind);
  if (type !== undefined) return withTypeMeta(object, messageInOrder(type, object));
  if (isCustom(apiVersion, kind)) return sortedDeep(object) as JsonObject;
  if (kind.endsWith('List') && Array.isArray(object.items)) {
    const itemKind = kind.slice(0, -'List'.length);
    const { metadata, items, ...rest } = object;
    return withTypeMeta(object, {
      ...(isObject(metadata) ? { metadata: messageInOrder(metaType('ListMeta'), metadata) } : {}),
      items: (items as unknown[]).map((item) => (isObject(item) ? kindInOrder(item, apiVersion, itemKind) : item)),
      ...rest,
    });
  }
  // A built-in kind the schema has no message for (a RuntimeClass, a CustomResourceDefinition): its metadata at least.
  const fields: JsonObject = isObject(object.metadata) ? { metadata: messageInOrder(metaType('ObjectMeta'), object.metadata) } : {};
  for (const key of Object.keys(object)) if (!(key in fields)) fields[key] = object[key];
  return withTypeMeta(object, fields);
}

/** Each kind's message, or null for none, by `apiVersion kind`: looked up once (protobufjs walks its namespaces at each lookup). */
const MESSAGES = new Map<string, protobuf.Type | null>();

function messageFor(apiVersion: string, kind: string): protobuf.Type | undefined {
  const key = `${apiVersion} ${kind}`;
  let type = MESSAGES.get(key);
  if (type === undefined) MESSAGES.set(key, (type = messageOf(apiVersion, kind) ?? null));
  return type ?? undefined;
}

const META_TYPES = new Map<string, protobuf.Type>();

/** meta/v1's ObjectMeta or ListMeta, looked up once. */
function metaType(name: 'ObjectMeta' | 'ListMeta'): protobuf.Type {
  let type = META_TYPES.get(name);
  if (type === undefined) META_TYPES.set(name, (type = protobufTypes().lookupType(`k8s.io.apimachinery.pkg.apis.meta.v1.${name}`)));
  return type;
}

/** `fields` after the object's `kind` and `apiVersion` (metav1.TypeMeta, inlined first in every kind), when it has them. */
function withTypeMeta(object: JsonObject, fields: JsonObject): JsonObject {
  const out: JsonObject = {};
  if ('kind' in object) out.kind = object.kind;
  if ('apiVersion' in object) out.apiVersion = object.apiVersion;
  for (const key of Object.keys(fields)) if (key !== 'kind' && key !== 'apiVersion') out[key] = fields[key];
  return out;
}

/** Whether `kind` of `apiVersion` is a custom resource's (served from a CustomResourceDefinition). */
function isCustom(apiVersion: string, kind: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const listed = kind.endsWith('List') ? kind.slice(0, -'List'.length) : kind;
  for (const type of RESOURCES.values()) if (type.custom && type.group === group && (type.kind === kind || type.kind === listed)) return true;
  return false;
}

/**
 * How to write a message: each field's rank in the declaration order (an inlined field's own
 * fields, a Probe's exec, httpGet and tcpSocket, stand where it is declared) and what its value is.
 */
interface Plan {
  readonly rank: ReadonlyMap<string, number>;
  readonly values: ReadonlyMap<string, Value>;
}

/** A field's value: a map or not, and what each value (or list item) is: a message, a fieldsV1 set, or a leaf. */
interface Value {
  readonly map: boolean;
  readonly item: protobuf.Type | 'fieldsV1' | 'leaf';
}

const PLANS = new Map<protobuf.Type, Plan>();

/** A field the message does not declare goes after those it does, in the order it came. */
const UNDECLARED = Number.MAX_SAFE_INTEGER;

function planOf(type: protobuf.Type): Plan {
  let plan = PLANS.get(type);
  if (plan === undefined) {
    const declared = (message: protobuf.Type): protobuf.Field[] =>
      message.fieldsArray.flatMap((field) => (INLINE_FIELDS.has(`${message.name}.${field.name}`) ? declared(field.resolvedType as protobuf.Type) : [field]));
    const fields = declared(type);
    plan = { rank: new Map(fields.map((field, i) => [field.name, i])), values: new Map(fields.map((field) => [field.name, valueOf(field)])) };
    PLANS.set(type, plan);
  }
  return plan;
}

function valueOf(field: protobuf.Field): Value {
  const nested = field.resolvedType;
  // protobufjs works a type's fullName out anew at each read: read once, here.
  const name = nested instanceof protobuf.Type ? nested.fullName : undefined;
  const item = nested instanceof protobuf.Type && name !== undefined ? (name === FIELDS_V1 ? 'fieldsV1' : SPECIAL_MESSAGES.has(name) ? 'leaf' : nested) : 'leaf';
  return { map: field.map, item };
}

const FIELDS_V1 = '.k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';

/** `object` as a message of `type`: the fields `type` declares in its order, then any others as they were. */
function messageInOrder(type: protobuf.Type, object: JsonObject): JsonObject {
  const { rank, values } = planOf(type);
  const keys = Object.keys(object);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (rank.get(keys[i - 1]!) ?? UNDECLARED) <= (rank.get(keys[i]!) ?? UNDECLARED);
  if (!sorted) keys.sort((a, b) => (rank.get(a) ?? UNDECLARED) - (rank.get(b) ?? UNDECLARED)); // stable: the undeclared keep their order
  const out: JsonObject = {};
  for (const key of keys) {
    const value = values.get(key);
    out[key] = value === undefined ? object[key] : valueInOrder(value, object[key]);
  }
  return out;
}

/** One field's value: a map's keys sorted, a list's items and a message's fields each in order. */
function valueInOrder(value: Value, json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  if (value.map) {
    const out: JsonObject = {};
    for (const key of Object.keys(json).sort(byBytes)) out[key] = itemInOrder(value, (json as JsonObject)[key]);
    return out;
  }
  if (Array.isArray(json)) return value.item === 'leaf' ? json : json.map((item) => itemInOrder(value, item));
  return itemInOrder(value, json);
}

function itemInOrder(value: Value, json: unknown): unknown {
  if (value.item === 'leaf' || !isObject(json)) return json;
  if (value.item === 'fieldsV1') return fieldsV1InOrder(json);
  return messageInOrder(value.item, json);
}

/** Go sorts a map's keys by their bytes (the same as JavaScript's order for the ASCII keys Kubernetes allows). */
function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every level of `value` with its keys sorted: how Go writes a `map[string]interface{}`. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.keys(value).sort(byBytes).map((key) => [key, sortedDeep(value[key])]));
}

/** A fieldsV1 set as structured-merge-diff writes it: `.` first, then `f:`, `k:`, `v:` and `i:` elements, each in their order. */
function fieldsV1InOrder(set: JsonObject): JsonObject {
  const keys = Object.keys(set).sort(comparePathElements);
  return Object.fromEntries(keys.map((key) => [key, isObject(set[key]) ? fieldsV1InOrder(set[key]) : set[key]]));
}

const ELEMENT_RANK: Readonly<Record<string, number>> = { '.': 0, 'f:': 1, 'k:': 2, 'v:': 3, 'i:': 4 };

/** fieldpath.PathElement.Compare: by kind of element, then field names as strings, keys and values by their JSON values, indexes as numbers. */
function comparePathElements(a: string, b: string): number {
  const rankA = ELEMENT_RANK[a === '.' ? '.' : a.slice(0, 2)] ?? 5;
  const rankB = ELEMENT_RANK[b === '.' ? '.' : b.slice(0, 2)] ?? 5;
  if (rankA !== rankB) return rankA - rankB;
  const restA = a.slice(2);
  const restB = b.slice(2);
  if (rankA === 4) return Number(restA) - Number(restB);
  if (rankA === 2 || rankA === 3) {
    const parsedA = parseJson(restA);
    const parsedB = parseJson(restB);
    if (parsedA !== undefined && parsedB !== undefined) return compareValues(parsedA, parsedB);
  }
  return byBytes(restA, restB);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** value.Compare of structured-merge-diff, for the values keys and set items hold: numbers by value, strings by bytes, objects field by field. */
function compareValues(a: unknown, b: unknown): number {
  const rank = (value: unknown) => (typeof value === 'number' ? 0 : typeof value === 'string' ? 1 : typeof value === 'boolean' ? 2 : value === null ? 3 : 4);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number') return a - (b as number);
  if (typeof a === 'string') return byBytes(a, b as string);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (isObject(a) && isObject(b)) {
    const keysA = Object.keys(a).sort(byBytes);
    const keysB = Object.keys(b).sort(byBytes);
    for (let i = 0; i < Math.min(keysA.length, keysB.length); i++) {
      const byName = byBytes(keysA[i]!, keysB[i]!);
      if (byName !== 0) return byName;
      const byValue = compareValues(a[keysA[i]!], b[keysB[i]!]);
      if (byValue !== 0) return byValue;
    }
    return keysA.length - keysB.length;
  }
  return 0;
}

/**
 * `body` as kube-apiserver answers `Accept: application/yaml` (sigs.k8s.io/yaml's JSONToYAML over
 * go-yaml v2): keys sorted at every level, list items at their key's indentation, and a string
 * double-quoted when YAML 1.1 would read it as a number, a boolean, null or a timestamp.
 *
 * @example
 * ```ts
 * asGoYaml({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c1' }, data: { a: '1' } });
 * // 'apiVersion: v1\ndata:\n  a: "1"\nkind: ConfigMap\nmetadata:\n  name: c1\n'
 * ```
 */
export function asGoYaml(body: unknown): string {
  const text = stringify(body, { sortMapEntries: true, indentSeq: false, version: '1.1', lineWidth: 0 });
  // go-yaml writes a managed field's "." plain (it is no float to Go's ParseFloat); YAML 1.1's float pattern would quote it.
  return text.replace(/^(\s*)(- )?"\.": /gm, '$1$2.: ').split('\n').map(foldedAsGoYaml).join('\n');
}

/** The widest a line gets before go-yaml breaks it at its next space (its emitter's best_width). */
const GO_YAML_WIDTH = 80;

/**
 * A line with a long plain value folded as go-yaml folds it: at the first space past column 80
 * (so a word may run over), the rest on the next line two columns in from the key.
 *
 * ```
 *     kubernetes.io/description: Contains a CA bundle that can be used to verify the
 *       kube-apiserver when using internal endpoints such as the internal service IP
 * ```
 */
function foldedAsGoYaml(line: string): string {
  if (line.length <= GO_YAML_WIDTH) return line;
  const match = /^( *)(- )?((?:[^\s"'#](?:[^:]|:(?! ))*|"(?:[^"\\]|\\.)*"): )?([^\s"'|>{}[\]&*!%@`#].*)$/.exec(line);
  if (match === null) return line;
  const [, indent = '', dash = '', key = '', value = ''] = match;
  const continuation = ' '.repeat(indent.length + (dash && key ? 4 : 2));
  let out = `${indent}${dash}${key}`;
  let column = out.length;
  const words = value.split(' ');
  for (const [i, word] of words.entries()) {
    if (i > 0) {
      if (column > GO_YAML_WIDTH && word !== '' && words[i - 1] !== '') {
        out += `\n${continuation}`;
        column = continuation.length;
      } else {
        out += ' ';
        column += 1;
      }
    }
    out += word;
    column += word.length;
  }
  return out;
}
