/**
 * Server-side apply's field manager (k8s.io/apiserver/pkg/util/managedfields, built on
 * sigs.k8s.io/structured-merge-diff): which client owns which field of an object, kept in
 * `metadata.managedFields`, and what an apply does with that.
 *
 * Given code: kata 10's handler calls {@link applyConfiguration} for a PATCH of type
 * `application/apply-patch+yaml` (`kubectl apply --server-side`) and {@link recordUpdate} for
 * every other create, update and patch it answers.
 *
 * A worked example, the one upstream's docs tell:
 *
 * ```
 * kubectl apply --server-side -f web.yaml      (replicas: 3, one container "app", image nginx:1)
 *   -> created; managedFields: kubectl Apply {.spec.replicas, .spec.template...[name="app"].image, ...}
 * kubectl scale deploy web --replicas=5        (an Update through the scale subresource; it names
 *   -> .spec.replicas moves to the Update     no fieldManager, so its User-Agent names it: kubectl)
 *      entry of kubectl/scale; the Apply entry keeps the rest
 * kubectl apply --server-side -f web.yaml      (still replicas: 3)
 *   -> 409 Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale"
 *      using apps/v1: .spec.replicas
 * the same with --force-conflicts              -> replicas 3, and .spec.replicas is kubectl's again
 * web.yaml without replicas, applied           -> kubectl gives .spec.replicas up; nobody else
 *   owns it, so it is removed, and defaulting makes it 1 again
 * ```
 *
 * Where this simplifies, and says so in kata 10's md:
 * - The schema is a short table ({@link LIST_KEYS}, {@link ATOMIC_FIELDS}): the lists this
 *   workbook's kinds have that merge by key, the maps that are atomic. Every other list is atomic
 *   (replaced whole by an apply), every other map granular.
 * - Writes to the status subresource are not recorded (an apply of the main resource never
 *   touches the status, so no conflict depends on them), nor bindings, nor the writes of the
 *   components that call the registry in-process (kata 08's LocalClient) rather than over HTTP.
 */
import type { FieldsV1, KubeObject, ManagedFieldsEntry, Status, StatusCause } from '@kube/kit';
import { fieldOf, isJsonObject, setField } from './patch.ts';
import { StatusError } from './status.ts';
import { withZeroValues } from './zero-values.ts';

/** A field's path: `f:<name>` for a field, `k:<JSON>` for a list item by key, `v:<JSON>` for a value of a set. */
export type FieldPath = readonly string[];

/** What a write is, for {@link applyConfiguration} and {@link recordUpdate}. */
export interface ManagerOptions {
  /** the client's `?fieldManager=` (required for an apply); without one, its User-Agent up to the first `/` */
  manager: string;
  /** the version the request was made in: `apps/v1` */
  apiVersion: string;
  /** now, as RFC 3339 */
  time: string;
  /** `scale` for a write through the scale subresource; '' (or absent) for the object itself */
  subresource?: string;
  /** fills in what the apiserver will (the kind, its defaults) on a copy, so that a write is compared as it will be stored */
  defaults?: (object: KubeObject) => void;
}

/** An apply's options: {@link ManagerOptions} and `?force=true` (`kubectl apply --server-side --force-conflicts`). */
export interface ApplyOptions extends ManagerOptions {
  force: boolean;
}

/**
 * The lists that merge by key, by the name of the field that holds them (a container's `ports` and
 * a Service's `ports` told apart by what holds them), with their `+listMapKey`s in upstream's
 * types; `set` is a list of strings that merges as a set (`+listType=set`).
 */
export const LIST_KEYS: Readonly<Record<string, readonly string[] | 'set'>> = {
  containers: ['name'],
  initContainers: ['name'],
  volumes: ['name'],
  imagePullSecrets: ['name'],
  schedulingGates: ['name'],
  env: ['name'],
  volumeMounts: ['mountPath'],
  'container.ports': ['containerPort', 'protocol'],
  'service.ports': ['port', 'protocol'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  finalizers: 'set',
};

/** Maps that are atomic (`+structType=atomic`, `+mapType=atomic`): an apply replaces them whole. */
export const ATOMIC_FIELDS: ReadonlySet<string> = new Set(['selector', 'nodeSelector', 'labelSelector', 'namespaceSelector']);

/** Key fields with a default, which an item that leaves them out is keyed by (upstream defaults keys first). */
const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

/** Fields no manager owns: the apiserver sets them, or they name the object (fieldmanager's stripMeta). */
const UNMANAGED = new Set(['apiVersion', 'kind', 'status']);
const UNMANAGED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields']);

type JsonObject = Record<string, unknown>;

/** A {@link FieldsV1} as it is: each element maps to the fields under it. */
type FieldTree = { [element: string]: FieldTree };

// ---------------------------------------------------------------------------------------------
// Sets of fields

/**
 * A path as one string, to key maps by: its elements joined by a NUL, which no element has (a
 * field name or label key cannot hold one, and JSON writes it escaped).
 */
function keyOf(path: FieldPath): string {
  return path.join('\0');
}

/** A set of paths, each kept under its {@link keyOf}. */
class FieldSet {
  private readonly paths = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const path of paths) this.add(path);
  }

  add(path: FieldPath): void {
    this.paths.set(keyOf(path), path);
  }

  has(path: FieldPath): boolean {
    return this.paths.has(keyOf(path));
  }

  delete(path: FieldPath): void {
    this.paths.delete(keyOf(path));
  }

  /** Whether the set holds `path` or a field under it. */
  hasAtOrUnder(path: FieldPath): boolean {
    const key = keyOf(path);
    const under = `${key}\0`;
    for (const member of this.paths.keys()) if (member === key || member.startsWith(under)) return true;
    return false;
  }

  get size(): number {
    return this.paths.size;
  }

  [Symbol.iterator](): Iterator<FieldPath> {
    return [...this.paths.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, path]) => path)[Symbol.iterator]();
  }
}

/**
 * The set a managedFields entry's `fieldsV1` holds: a node that is `{}` is a member, as is one
 * with a `.` in it.
 *
 * @example fieldsOf({ 'f:spec': { 'f:replicas': {} } }) // [['f:spec', 'f:replicas']]
 */
export function fieldsOf(fields: FieldsV1 | undefined): FieldPath[] {
  const paths: FieldPath[] = [];
  const walk = (node: FieldTree, path: string[]) => {
    const children = Object.keys(node).filter((element) => element !== '.');
    if (path.length > 0 && (children.length === 0 || '.' in node)) paths.push(path);
    for (const element of children) walk(node[element] ?? {}, [...path, element]);
  };
  if (isJsonObject(fields)) walk(fields as FieldTree, []);
  return paths;
}

/** The tree `fieldsV1` writes for `paths` (the inverse of {@link fieldsOf}). */
export function fieldsV1Of(paths: Iterable<FieldPath>): FieldsV1 {
  const root: FieldTree = {};
  const members = new Set<FieldTree>();
  for (const path of paths) {
    let node = root;
    for (const element of path) node = node[element] ??= {};
    members.add(node);
  }
  const mark = (node: FieldTree) => {
    const children = Object.keys(node);
    for (const element of children) mark(node[element]!);
    if (members.has(node) && children.length > 0) node['.'] = {};
  };
  mark(root);
  return root;
}

/**
 * A path as a conflict's message writes it (structured-merge-diff's Path.String).
 *
 * @example pathString(['f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image']) // '.spec.containers[name="app"].image'
 */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      const value = element.slice(2);
      if (element.startsWith('f:')) return `.${value}`;
      if (element.startsWith('v:')) return `[=${value}]`;
      if (element.startsWith('i:')) return `[${value}]`;
      const key = JSON.parse(value) as JsonObject;
      return `[${Object.entries(key).map(([field, v]) => `${field}=${JSON.stringify(v)}`).join(',')}]`;
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Reading an object as fields

/** How the list in `field` merges, `names` being the field names that lead to it. */
function listKeysOf(field: string, names: readonly string[], kind: string): readonly string[] | 'set' | undefined {
  if (field === 'ports') {
    const holder = names.at(-2);
    if (holder === 'containers' || holder === 'initContainers') return LIST_KEYS['container.ports'];
    return kind === 'Service' && names.length === 2 ? LIST_KEYS['service.ports'] : undefined;
  }
  if (field === 'conditions' && names[0] !== 'status') return undefined;
  return Object.hasOwn(LIST_KEYS, field) ? LIST_KEYS[field] : undefined;
}

/** A list item's key element: `k:{"containerPort":80,"protocol":"TCP"}` (the key's fields sorted, defaults filled in). */
function keyElement(item: unknown, keys: readonly string[]): string | undefined {
  if (!isJsonObject(item)) return undefined;
  const key: JsonObject = {};
  for (const field of [...keys].sort()) {
    const value = fieldOf(item, field) ?? KEY_DEFAULTS[field];
    if (value === undefined) return undefined;
    key[field] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

/** The element for `item` of a list that merges by `keys`, or undefined for an item without its key. */
function itemElement(item: unknown, keys: readonly string[] | 'set'): string | undefined {
  return keys === 'set' ? `v:${JSON.stringify(item)}` : keyElement(item, keys);
}

/** Whether a field is one no manager owns (see {@link UNMANAGED}). */
function unmanaged(path: FieldPath, field: string): boolean {
  if (path.length === 0) return UNMANAGED.has(field);
  return path.length === 1 && path[0] === 'f:metadata' && UNMANAGED_METADATA.has(field);
}

/** Maps whose keys are data, not a struct's fields: an update's comparison counts the map itself as a field. */
const GRANULAR_MAPS = new Set(['labels', 'annotations', 'data', 'binaryData', 'stringData', 'limits', 'requests']);

/** A field found by {@link walkFields}: a leaf is compared by value, the rest by their fields. */
interface FoundField {
  path: FieldPath;
  value: unknown;
  leaf: boolean;
}

/**
 * Every field of `object`, by walking it: the values set (an atomic list or map, or an empty map,
 * counts as one value) and each item of a list that merges by key, as structured-merge-diff's
 * ToFieldSet finds them. `asUpdate` also counts the maps of {@link GRANULAR_MAPS} themselves, as
 * an update's comparison sees them (`f:labels: {.: {}, f:app: {}}`).
 */
function walkFields(object: unknown, kind: string, asUpdate: boolean): Map<string, FoundField> {
  const found = new Map<string, FoundField>();
  const add = (path: FieldPath, value: unknown, leaf: boolean) => found.set(keyOf(path), { path, value, leaf });
  const visit = (value: unknown, path: FieldPath, names: readonly string[]) => {
    const field = names.at(-1) ?? '';
    const keys = Array.isArray(value) ? listKeysOf(field, names, kind) : undefined;
    const emptyMap = isJsonObject(value) && Object.keys(value).length === 0;
    if (value === null || typeof value !== 'object' || ATOMIC_FIELDS.has(field) || emptyMap || (Array.isArray(value) && keys === undefined)) {
      add(path, value, true);
    } else if (Array.isArray(value)) {
      for (const item of value) {
        const element = itemElement(item, keys!);
        if (element === undefined) continue;
        add([...path, element], item, keys === 'set');
        if (keys !== 'set') visitObject(item as JsonObject, [...path, element], names);
      }
    } else {
      if (asUpdate && GRANULAR_MAPS.has(field)) add(path, value, false);
      visitObject(value as JsonObject, path, names);
    }
  };
  const visitObject = (object: JsonObject, path: FieldPath, names: readonly string[]) => {
    for (const field of Object.keys(object)) {
      if (unmanaged(path, field)) continue;
      const value = fieldOf(object, field);
      if (value === null) continue; // null is no value: an apply's sets nothing, Go's zero time is none
      visit(value, [...path, `f:${field}`], [...names, field]);
    }
  };
  if (isJsonObject(object)) visitObject(object, [], []);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Managers

/** One entry's identity: its manager, operation and subresource (upstream's encoded manager, less the version). */
function identity(entry: ManagedFieldsEntry): string {
  return JSON.stringify([entry.manager ?? '', entry.operation ?? '', entry.subresource ?? '']);
}

/** How a conflict's message names an entry (fieldmanager's printManager). */
function managerName(entry: ManagedFieldsEntry): string {
  let name = JSON.stringify(entry.manager ?? '');
  if (entry.subresource) name += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') name += ` using ${entry.apiVersion ?? ''}`;
  return name;
}

/** The entries with their sets, empty ones left out. */
function withSets(entries: readonly ManagedFieldsEntry[]): { entry: ManagedFieldsEntry; fields: FieldSet }[] {
  return entries.map((entry) => ({ entry, fields: new FieldSet(fieldsOf(entry.fieldsV1)) }));
}

/** Back to managedFields: each entry's tree from its set; an entry that owns nothing any more goes. */
function toEntries(managers: readonly { entry: ManagedFieldsEntry; fields: FieldSet }[]): ManagedFieldsEntry[] {
  return managers.filter(({ fields }) => fields.size > 0).map(({ entry, fields }) => ({ ...entry, fieldsType: 'FieldsV1', fieldsV1: fieldsV1Of(fields) }));
}

// ---------------------------------------------------------------------------------------------
// Apply

/**
 * A server-side apply of `config` (the YAML a client applies) to `live` (the object stored, or
 * undefined when the apply creates it). Returns the object to write, with managedFields.
 *
 * 1. Conflicts: a field the config sets to a value other than the live one, which another manager
 *    owns, is a conflict. Without `force`, any conflict is a 409 that names each field and its
 *    manager; with `force`, the other managers lose those fields.
 * 2. Merge: the config's fields over the live object; lists that merge by key item by item (the
 *    live items the config does not name stay), every other list and atomic map replaced whole.
 * 3. Fields this manager applied last time and leaves out now are removed, unless another manager
 *    owns them (or a field under them) too, or the config still sets a field under them.
 * 4. This manager's Apply entry becomes exactly the fields of the config.
 *
 * @throws StatusError Conflict (409, each cause a `FieldManagerConflict`), BadRequest for a config
 *   that carries managedFields
 */
export function applyConfiguration<T extends KubeObject>(live: T | undefined, config: T, options: ApplyOptions): T {
  if (config.metadata?.managedFields !== undefined) throw badRequestStatus('metadata.managedFields must be nil');
  const kind = config.kind ?? live?.kind ?? '';
  const applied = walkFields(config, kind, false);
  const liveFields = walkFields(live, kind, false);
  const me: ManagedFieldsEntry = { manager: options.manager, operation: 'Apply', apiVersion: options.apiVersion, time: options.time, ...(options.subresource ? { subresource: options.subresource } : {}) };
  const managers = withSets(managedBeforeApply(live, options));
  const mine = managers.find(({ entry }) => identity(entry) === identity(me));
  const others = managers.filter((manager) => manager !== mine);

  const conflicts: { manager: ManagedFieldsEntry; path: FieldPath }[] = [];
  for (const { path, value, leaf } of applied.values()) {
    const current = liveFields.get(keyOf(path));
    if (!leaf || current === undefined || sameValue(current.value, value)) continue;
    for (const other of others) if (other.fields.has(path)) conflicts.push({ manager: other.entry, path });
  }
  // kubectl's first server-side apply of an object it applied client-side takes the fields it set then.
  const upgraded = options.manager === KUBECTL ? lastAppliedFields(live, kind, liveFields) : new Set<string>();
  const refused = conflicts.filter(({ path }) => !upgraded.has(keyOf(path)));
  if (refused.length > 0 && !options.force) throw conflictError(refused);
  for (const { manager, path } of conflicts) others.find(({ entry }) => entry === manager)?.fields.delete(path);

  let merged = mergeObjects(live ?? {}, config as unknown as JsonObject, kind, []) as unknown as T;
  const appliedSet = new FieldSet([...applied.values()].map(({ path }) => path));
  // Shortest paths first: a list item goes whole, before a field of it could leave it without its key.
  // A map or item the config still sets something under stays (structured-merge-diff adds it back).
  const givenUp = [...(mine?.fields ?? [])].filter((path) => !appliedSet.has(path)).sort((a, b) => a.length - b.length);
  for (const path of givenUp) {
    if (appliedSet.hasAtOrUnder(path) || others.some(({ fields }) => fields.hasAtOrUnder(path))) continue;
    merged = removeField(merged, path, config) as T;
  }
  const entries = toEntries([...others, { entry: me, fields: appliedSet }]);
  merged.metadata = { ...merged.metadata, managedFields: entries };
  // ... and keeps the annotation client-side apply reads true, for a later `kubectl apply` without --server-side.
  if (options.manager === KUBECTL && merged.metadata.annotations?.[LAST_APPLIED] !== undefined) {
    merged.metadata.annotations = { ...merged.metadata.annotations, [LAST_APPLIED]: lastAppliedOf(config) };
  }
  return merged;
}

/** The manager `kubectl apply --server-side` uses by default; only it upgrades from client-side apply. */
const KUBECTL = 'kubectl';

/** Where `kubectl apply` (client-side) keeps what it applied last. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The fields an apply by `kubectl` may take from their managers without a conflict
 * (fieldmanager's lastAppliedManager): those of the object's last-applied-configuration that still
 * have the value it gave them. They are what client-side apply set, so the user owned them already.
 */
function lastAppliedFields(live: KubeObject | undefined, kind: string, liveFields: Map<string, FoundField>): Set<string> {
  const text = live?.metadata.annotations?.[LAST_APPLIED];
  let lastApplied: unknown;
  try {
    lastApplied = text === undefined ? undefined : JSON.parse(text);
  } catch {
    return new Set(); // an annotation that is not JSON gives nothing, as upstream's
  }
  const unchanged = new Set<string>();
  for (const [key, { value, leaf }] of walkFields(lastApplied, kind, false)) {
    const current = liveFields.get(key);
    if (leaf && current !== undefined && sameValue(current.value, value)) unchanged.add(key);
  }
  return unchanged;
}

/** The last-applied-configuration an apply by `kubectl` leaves: the config, as JSON with its fields in order, without the annotation itself. */
function lastAppliedOf(config: KubeObject): string {
  const copy = structuredClone(config);
  const annotations = copy.metadata?.annotations;
  if (annotations !== undefined) {
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  }
  return JSON.stringify(sorted(copy));
}

/**
 * Who owns what of the live object when an apply begins. An object no write recorded (made before
 * managed fields, or in-process by kata 08's LocalClient) is first given, field by field, to the
 * manager `before-first-apply`, as upstream's skipNonAppliedManager does: an apply that changes
 * what it holds is a conflict, to be forced or left out.
 */
function managedBeforeApply(live: KubeObject | undefined, options: ManagerOptions): ManagedFieldsEntry[] {
  if (live === undefined) return [];
  if ((live.metadata.managedFields ?? []).length > 0) return live.metadata.managedFields!;
  return recordUpdate(undefined, live, { manager: 'before-first-apply', apiVersion: options.apiVersion, time: options.time, ...(options.defaults && { defaults: options.defaults }) }).metadata.managedFields ?? [];
}

/** The config merged over the live object (see {@link applyConfiguration}, step 2). */
function mergeObjects(live: unknown, config: JsonObject, kind: string, names: readonly string[]): JsonObject {
  const result: JsonObject = isJsonObject(live) ? structuredClone(live) : {};
  for (const field of Object.keys(config)) {
    const value = fieldOf(config, field);
    const current = fieldOf(result, field);
    const path = [...names, field];
    if (isJsonObject(value) && !ATOMIC_FIELDS.has(field)) setField(result, field, mergeObjects(current, value, kind, path));
    else if (Array.isArray(value) && Array.isArray(current)) setField(result, field, mergeLists(current, value, listKeysOf(field, path, kind), kind, path));
    else setField(result, field, structuredClone(value));
  }
  return result;
}

/** Two lists merged: item by item by key (the live order, then the config's new items), or the config's list. */
function mergeLists(live: unknown[], config: unknown[], keys: readonly string[] | 'set' | undefined, kind: string, names: readonly string[]): unknown[] {
  if (keys === undefined) return structuredClone(config);
  const result = structuredClone(live);
  for (const item of config) {
    const element = itemElement(item, keys);
    const at = element === undefined ? -1 : result.findIndex((existing) => itemElement(existing, keys) === element);
    if (at < 0) result.push(structuredClone(item));
    else if (keys !== 'set') result[at] = mergeObjects(result[at], item as JsonObject, kind, names);
  }
  return result;
}

/**
 * `object` without the field at `path` (a list item by its key element). A list or map the removal
 * leaves empty goes too, as upstream's typed objects drop it (`omitempty`): removing the only port
 * removes `ports`; unless the config (`config`, followed along the same path) sets it itself.
 */
function removeField(object: unknown, path: FieldPath, config: unknown): unknown {
  if (path.length === 0) return undefined;
  const [element, ...rest] = path as [string, ...string[]];
  const keep = (emptied: unknown[] | JsonObject) => (Object.keys(emptied).length > 0 || config !== undefined ? emptied : undefined);
  if (Array.isArray(object)) {
    const keys = element.startsWith('v:') ? 'set' : keysOfElement(element);
    const at = object.findIndex((item) => itemElement(item, keys) === element);
    if (at < 0) return object;
    const copy = [...object];
    const configItem = Array.isArray(config) ? config.find((item) => itemElement(item, keys) === element) : undefined;
    const inner = removeField(copy[at], rest, configItem);
    if (inner === undefined) copy.splice(at, 1);
    else copy[at] = inner;
    return keep(copy);
  }
  if (!isJsonObject(object) || !element.startsWith('f:')) return object;
  const field = element.slice(2);
  if (!Object.hasOwn(object, field)) return object;
  const copy: JsonObject = { ...object };
  const inner = removeField(fieldOf(object, field), rest, isJsonObject(config) ? fieldOf(config, field) : undefined);
  if (inner === undefined) delete copy[field];
  else setField(copy, field, inner);
  return keep(copy);
}

/** The key fields a `k:` element names. */
function keysOfElement(element: string): string[] {
  return Object.keys(JSON.parse(element.slice(2)) as JsonObject);
}

// ---------------------------------------------------------------------------------------------
// Update

/**
 * Records a write that is not an apply (a create, a PUT, any other PATCH, a scale): the fields it
 * added or changed become `manager`'s (operation Update) and no other manager's; the fields it
 * removed are nobody's. `old` is undefined for a create. When the client sent managedFields of its
 * own that differ from the stored ones (kubectl does, to hand client-side apply's fields to
 * server-side apply), those are the ones the write is recorded on, as upstream lets a client
 * rewrite them.
 *
 * @example
 * ```ts
 * recordUpdate(undefined, { kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }, { manager: 'kubectl-create', ... })
 * // metadata.managedFields: [{ manager: 'kubectl-create', operation: 'Update', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } }, ... }]
 * ```
 */
export function recordUpdate<T extends KubeObject>(old: T | undefined, updated: T, options: ManagerOptions): T {
  const sent = updated.metadata?.managedFields;
  const base = sent !== undefined && sent.length > 0 ? sent : (old?.metadata.managedFields ?? []);
  const compared = asCompared(updated, options);
  const kind = compared.kind ?? old?.kind ?? '';
  const before = walkFields(old === undefined ? undefined : asCompared(old, options), kind, true);
  const after = walkFields(compared, kind, true);
  const changed: FieldPath[] = [];
  for (const [key, { path, value, leaf }] of after) {
    const was = before.get(key);
    if (was === undefined || (leaf && !sameValue(was.value, value))) changed.push(path);
  }
  const removed = [...before.entries()].filter(([key]) => !after.has(key)).map(([, { path }]) => path);
  const managers = withSets(base);
  if (changed.length > 0 || removed.length > 0) {
    const me: ManagedFieldsEntry = { manager: options.manager, operation: 'Update', apiVersion: options.apiVersion, time: options.time, ...(options.subresource ? { subresource: options.subresource } : {}) };
    let mine = managers.find(({ entry }) => identity(entry) === identity(me));
    if (mine === undefined) managers.push((mine = { entry: me, fields: new FieldSet() }));
    else mine.entry = me;
    for (const manager of managers) for (const path of [...changed, ...removed]) manager.fields.delete(path);
    for (const path of changed) mine.fields.add(path);
  }
  const entries = toEntries(managers);
  const { managedFields: _stale, ...metadata } = updated.metadata ?? {};
  return { ...updated, metadata: entries.length > 0 ? { ...metadata, managedFields: entries } : metadata };
}

/**
 * `object` as a Go apiserver compares it: the kind's defaults filled in (see
 * {@link ManagerOptions.defaults}) and Go's zero values (zero-values.ts): every container has its
 * `resources`, so `f:resources: {}` is the writer's as upstream records it.
 */
function asCompared(object: KubeObject, options: ManagerOptions): KubeObject {
  const copy = structuredClone(object);
  options.defaults?.(copy);
  return withZeroValues(copy) as KubeObject;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

/** `value` with every object's fields in order, for comparing. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((field) => [field, sorted(fieldOf(value, field))]));
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * The 409 of an apply that conflicts, in upstream's words (fieldmanager's NewConflictError):
 * `Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource "scale" using apps/v1: .spec.replicas`,
 * or, for more, one line per field under each manager, the managers in name order.
 */
function conflictError(conflicts: readonly { manager: ManagedFieldsEntry; path: FieldPath }[]): StatusError {
  const causes: StatusCause[] = conflicts.map(({ manager, path }) => ({ reason: 'FieldManagerConflict', message: `conflict with ${managerName(manager)}`, field: pathString(path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${managerName(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const { manager, path } of conflicts) byManager.set(managerName(manager), [...(byManager.get(managerName(manager)) ?? []), `- ${pathString(path)}`]);
    const lines = [...byManager.keys()].sort().flatMap((name) => [`conflicts with ${name}:`, ...byManager.get(name)!]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Conflict', details: { causes }, code: 409 };
  return new StatusError(status);
}

function badRequestStatus(message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 });
}
