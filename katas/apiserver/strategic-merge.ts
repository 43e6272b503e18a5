/**
 * Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch/patch.go): a JSON merge
 * patch that knows which lists hold objects with a key. A merge patch replaces a list whole, so
 * `{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}` would drop every other container;
 * a strategic merge patch merges it into the container called `app` and keeps the rest. This is
 * what `kubectl apply` and `kubectl patch` (by default) send.
 *
 * Given code: kata 10 uses it as it is. The lists, and their keys, are the `patchMergeKey` tags of
 * the upstream types (k8s.io/api/core/v1/types.go) for the fields this cluster has:
 *
 * | list | merges by |
 * | --- | --- |
 * | containers, initContainers, ephemeralContainers, volumes, env, imagePullSecrets, schedulingGates | name |
 * | a container's ports | containerPort |
 * | volumeMounts | mountPath |
 * | a Service's ports | port |
 * | conditions | type |
 * | ownerReferences | uid |
 * | finalizers | (a set of strings: a patch adds to it) |
 * | tolerations, taints, and every other list | (replaced whole, as in a merge patch) |
 *
 * and the directives a patch may carry:
 * - `"$patch": "delete"` in a list item removes the item with its key; in an object, removes it;
 * - `"$patch": "replace"` in an object replaces it whole; as a list item, replaces the list whole;
 * - `"$setElementOrder/<list>": [{key}, ...]` orders the merged list;
 * - `"$retainKeys": [fields]` keeps only these fields of the object;
 * - `"$deleteFromPrimitiveList/<list>": [values]` removes values from a list of strings.
 *
 * @example
 * ```ts
 * strategicMergePatch(
 *   { spec: { containers: [{ name: 'app', image: 'nginx:1' }, { name: 'log', image: 'busybox' }] } },
 *   { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } },
 *   'Pod',
 * ); // { spec: { containers: [{ name: 'app', image: 'nginx:2' }, { name: 'log', image: 'busybox' }] } }
 * ```
 */
import { fieldOf, isJsonObject, setField } from './patch.ts';
import { badRequest } from './status.ts';

type JsonObject = Record<string, unknown>;

/** How a list at some path merges: by a key, as a set of primitives, or replaced whole (undefined). */
type ListStrategy = { mergeKey: string } | 'set' | undefined;

/** The lists of a pod spec, by their path inside it ('*' stands for any item of a list). */
const POD_SPEC_LISTS: Record<string, ListStrategy> = {
  containers: { mergeKey: 'name' },
  initContainers: { mergeKey: 'name' },
  ephemeralContainers: { mergeKey: 'name' },
  volumes: { mergeKey: 'name' },
  imagePullSecrets: { mergeKey: 'name' },
  schedulingGates: { mergeKey: 'name' },
  'containers.*.env': { mergeKey: 'name' },
  'containers.*.ports': { mergeKey: 'containerPort' },
  'containers.*.volumeMounts': { mergeKey: 'mountPath' },
  'initContainers.*.env': { mergeKey: 'name' },
  'initContainers.*.ports': { mergeKey: 'containerPort' },
  'initContainers.*.volumeMounts': { mergeKey: 'mountPath' },
  'ephemeralContainers.*.env': { mergeKey: 'name' },
  'ephemeralContainers.*.volumeMounts': { mergeKey: 'mountPath' },
};

/** Lists every kind has. */
const COMMON_LISTS: Record<string, ListStrategy> = {
  'metadata.finalizers': 'set',
  'metadata.ownerReferences': { mergeKey: 'uid' },
  'status.conditions': { mergeKey: 'type' },
};

/** Prefixes every path of `lists` with `prefix.` */
function under(prefix: string, lists: Record<string, ListStrategy>): Record<string, ListStrategy> {
  return Object.fromEntries(Object.entries(lists).map(([path, strategy]) => [`${prefix}.${path}`, strategy]));
}

/** The merging lists of each kind; a kind not listed has only the common ones. */
const LISTS_BY_KIND: Record<string, Record<string, ListStrategy>> = {
  Pod: under('spec', POD_SPEC_LISTS),
  Deployment: under('spec.template.spec', POD_SPEC_LISTS),
  ReplicaSet: under('spec.template.spec', POD_SPEC_LISTS),
  ReplicationController: under('spec.template.spec', POD_SPEC_LISTS),
  DaemonSet: under('spec.template.spec', POD_SPEC_LISTS),
  StatefulSet: under('spec.template.spec', POD_SPEC_LISTS),
  Job: under('spec.template.spec', POD_SPEC_LISTS),
  CronJob: under('spec.jobTemplate.spec.template.spec', POD_SPEC_LISTS),
  Service: { 'spec.ports': { mergeKey: 'port' } },
  Node: { 'status.addresses': { mergeKey: 'type' } },
};

function listStrategy(kind: string, path: string): ListStrategy {
  return LISTS_BY_KIND[kind]?.[path] ?? COMMON_LISTS[path];
}

const DIRECTIVE = '$patch';
const SET_ORDER = '$setElementOrder/';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/**
 * Applies a strategic merge patch to `original` (not changed) for an object of `kind`.
 *
 * @throws StatusError BadRequest for a directive it does not know, or a list item without its key
 */
export function strategicMergePatch(original: unknown, patch: JsonObject, kind: string): unknown {
  return mergeObject(isJsonObject(original) ? original : {}, patch, kind, '');
}

function mergeObject(original: JsonObject, patch: JsonObject, kind: string, path: string): JsonObject | undefined {
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return withoutDirectives(patch);
  if (directive !== undefined) throw badRequest(`unknown patch type: ${String(directive)}`);

  const result: JsonObject = structuredClone(original);
  for (const [field, value] of Object.entries(patch)) {
    if (field.startsWith('$')) continue; // directives, handled below
    const fieldPath = path ? `${path}.${field}` : field;
    const current = fieldOf(result, field);
    if (value === null) {
      delete result[field];
    } else if (isJsonObject(value)) {
      const merged = mergeObject(isJsonObject(current) ? current : {}, value, kind, fieldPath);
      if (merged === undefined) delete result[field];
      else setField(result, field, merged);
    } else if (Array.isArray(value)) {
      setField(result, field, mergeList(current, value, listStrategy(kind, fieldPath), kind, fieldPath));
    } else {
      setField(result, field, value);
    }
  }

  for (const [field, value] of Object.entries(patch)) {
    if (field.startsWith(DELETE_FROM) && Array.isArray(value)) {
      const list = result[field.slice(DELETE_FROM.length)];
      if (Array.isArray(list)) result[field.slice(DELETE_FROM.length)] = list.filter((item) => !value.includes(item));
    } else if (field.startsWith(SET_ORDER) && Array.isArray(value)) {
      const listField = field.slice(SET_ORDER.length);
      const strategy = listStrategy(kind, path ? `${path}.${listField}` : listField);
      if (Array.isArray(result[listField])) result[listField] = ordered(result[listField], value, strategy);
    } else if (field === RETAIN_KEYS && Array.isArray(value)) {
      for (const key of Object.keys(result)) if (!value.includes(key)) delete result[key];
    } else if (field.startsWith('$') && field !== DIRECTIVE && !field.startsWith(SET_ORDER) && !field.startsWith(DELETE_FROM) && field !== RETAIN_KEYS) {
      throw badRequest(`unknown strategic merge patch directive: ${field}`);
    }
  }
  return result;
}

function mergeList(original: unknown, patch: unknown[], strategy: ListStrategy, kind: string, path: string): unknown[] {
  // A {"$patch": "replace"} item: the list is the patch's other items, whatever it was.
  if (patch.some((item) => isJsonObject(item) && item[DIRECTIVE] === 'replace')) {
    return patch.filter((item) => !(isJsonObject(item) && item[DIRECTIVE] === 'replace')).map(stripDirectives);
  }
  const current = Array.isArray(original) ? original : [];
  if (strategy === 'set') return [...current, ...patch.filter((item) => !current.includes(item))];
  if (strategy === undefined) return patch.map(stripDirectives);

  const key = strategy.mergeKey;
  const result = structuredClone(current) as unknown[];
  for (const item of patch) {
    if (!isJsonObject(item) || item[key] === undefined) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const at = result.findIndex((existing) => isJsonObject(existing) && existing[key] === item[key]);
    const merged = mergeObject(at >= 0 ? (result[at] as JsonObject) : {}, item, kind, `${path}.*`);
    if (at >= 0 && merged === undefined) result.splice(at, 1);
    else if (at >= 0) result[at] = merged;
    else if (merged !== undefined) result.push(merged);
  }
  return result;
}

/** The list in the order `order` gives (items it does not name keep their place after them). */
function ordered(list: unknown[], order: unknown[], strategy: ListStrategy): unknown[] {
  const keyOf = (item: unknown): unknown => (strategy !== undefined && strategy !== 'set' && isJsonObject(item) ? item[strategy.mergeKey] : item);
  const wanted = order.map(keyOf);
  const rank = (item: unknown): number => {
    const index = wanted.indexOf(keyOf(item));
    return index < 0 ? wanted.length : index;
  };
  return [...list].sort((a, b) => rank(a) - rank(b));
}

function withoutDirectives(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([field]) => !field.startsWith('$')).map(([field, value]) => [field, stripDirectives(value)]));
}

function stripDirectives(value: unknown): unknown {
  if (isJsonObject(value)) return withoutDirectives(value);
  if (Array.isArray(value)) return value.map(stripDirectives);
  return value;
}
