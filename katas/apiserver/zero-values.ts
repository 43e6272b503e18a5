/**
 * What kube-apiserver's answers carry because Go wrote them, and a JavaScript object leaves out.
 *
 * Given code: the HTTP server (http-server.ts) passes every JSON or YAML answer, and every watch
 * event, through {@link withZeroValues}. The stored objects do not change.
 *
 * Go's `encoding/json` cannot leave out a struct, even an empty one marked `omitempty`: a
 * `metav1.Time` that was never set is written `null`, an empty `ResourceRequirements` `{}`. So
 * every v1.32 cluster answers `kubectl get deployment web -o yaml` with
 *
 * ```yaml
 *   template:
 *     metadata:
 *       creationTimestamp: null      <- a pod template's ObjectMeta has no creation time
 *       labels: {app: web}
 *     spec:
 *       containers:
 *       - image: nginx
 *         name: nginx
 *         resources: {}              <- nobody asked for resources
 * ```
 *
 * and a pod's conditions with `lastProbeTime: null` (and `lastTransitionTime: null` where none was
 * set: the SchedulingGated condition), a Service's status with `loadBalancer: {}`, an Event with
 * `eventTime: null` (or, written the events.k8s.io way, `firstTimestamp: null`), and the counts of a
 * DaemonSet's, a StatefulSet's and a PodDisruptionBudget's status, 0 until their controller has counted
 * (and an autoscaler's `desiredReplicas: 0` and `currentMetrics: null`).
 * Without them `kubectl get -o yaml` looks unlike a cluster's, and `kubectl diff` of a manifest
 * written by `kubectl create ... --dry-run=client -o yaml` (which has the same nulls) shows lines
 * that no cluster shows. Only these, the ones users meet, are filled in.
 */

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `object` with `field` set to `value` when it has none: the same object when it has, a copy otherwise. */
function withField(object: JsonObject, field: string, value: unknown): JsonObject {
  return field in object ? object : { ...object, [field]: value };
}

/** `object` with `field` replaced by `change(object[field])` when it is an object (a copy, if it changed). */
function changing(object: JsonObject, field: string, change: (value: JsonObject) => JsonObject): JsonObject {
  const value = object[field];
  if (!isObject(value)) return object;
  const changed = change(value);
  return changed === value ? object : { ...object, [field]: changed };
}

/** A pod spec's containers, init containers and ephemeral containers, each with `resources: {}` when it has none. */
function podSpec(spec: JsonObject): JsonObject {
  let result = spec;
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    const containers = result[field];
    if (!Array.isArray(containers) || containers.every((c) => !isObject(c) || 'resources' in c)) continue;
    result = { ...result, [field]: containers.map((c) => (isObject(c) ? withField(c, 'resources', {}) : c)) };
  }
  return result;
}

/** A template (of a pod, of a Job) with its metadata's `creationTimestamp: null`. */
function timestamped(template: JsonObject): JsonObject {
  const metadata = isObject(template.metadata) ? withField(template.metadata, 'creationTimestamp', null) : { creationTimestamp: null };
  return metadata === template.metadata ? template : { ...template, metadata };
}

/** A pod template: its metadata's `creationTimestamp: null`, and its spec's containers. */
function podTemplate(template: JsonObject): JsonObject {
  return changing(timestamped(template), 'spec', podSpec);
}

/** A StatefulSet spec's volumeClaimTemplates, each with its metadata's `creationTimestamp: null` and its spec's `resources`. */
function claimTemplates(spec: JsonObject): JsonObject {
  const templates = spec.volumeClaimTemplates;
  if (!Array.isArray(templates) || templates.length === 0) return spec;
  return { ...spec, volumeClaimTemplates: templates.map((template) => (isObject(template) ? changing(timestamped(template), 'spec', (claim) => withField(claim, 'resources', {})) : template)) };
}

/** `object` with a status in which each of `counts` is 0 when it has none. */
function withZeroCounts(object: JsonObject, counts: readonly string[]): JsonObject {
  return changing(withField(object, 'status', {}), 'status', (status) => counts.reduce((filled, field) => withField(filled, field, 0), status));
}

/** Fills in each kind's Go zero values (see the module's doc); kinds not listed are left as they are. */
const BY_KIND: Readonly<Record<string, (object: JsonObject) => JsonObject>> = {
  Pod: (pod) =>
    changing(changing(pod, 'spec', podSpec), 'status', (status) => {
      const conditions = status.conditions;
      if (!Array.isArray(conditions) || conditions.every((c) => !isObject(c) || ('lastProbeTime' in c && 'lastTransitionTime' in c))) return status;
      return { ...status, conditions: conditions.map((c) => (isObject(c) ? withField(withField(c, 'lastProbeTime', null), 'lastTransitionTime', null) : c)) };
    }),
  Deployment: (object) => changing(object, 'spec', (spec) => changing(spec, 'template', podTemplate)),
  ReplicaSet: (object) => changing(object, 'spec', (spec) => changing(spec, 'template', podTemplate)),
  // A ReplicationController's status.replicas has no omitempty.
  ReplicationController: (object) => changing(withZeroCounts(object, ['replicas'] as const), 'spec', (spec) => changing(spec, 'template', podTemplate)),
  Job: (object) => changing(object, 'spec', (spec) => changing(spec, 'template', podTemplate)),
  // A DaemonSet's status counts have no omitempty: a new one shows them as 0.
  DaemonSet: (object) => changing(withZeroCounts(object, DAEMON_SET_COUNTS), 'spec', (spec) => changing(spec, 'template', podTemplate)),
  // A StatefulSet's claim templates are whole claims: each has its creationTimestamp: null and its resources.
  StatefulSet: (object) =>
    changing(withZeroCounts(object, STATEFUL_SET_COUNTS), 'spec', (spec) =>
      claimTemplates(changing(spec, 'template', podTemplate)),
    ),
  CronJob: (object) =>
    changing(object, 'spec', (spec) =>
      changing(spec, 'jobTemplate', (jobTemplate) => changing(timestamped(jobTemplate), 'spec', (jobSpec) => changing(jobSpec, 'template', podTemplate))),
    ),
  // A claim's resources are a struct: `resources: {}` even when empty.
  PersistentVolumeClaim: (pvc) => changing(pvc, 'spec', (spec) => withField(spec, 'resources', {})),
  // A CSINode's drivers have no omitempty: none is written null, as Go writes the empty list it decoded.
  CSINode: (node) => changing(node, 'spec', (spec) => (Array.isArray(spec.drivers) && spec.drivers.length > 0 ? spec : { ...spec, drivers: null })),
  // A VolumeAttachment's status.attached has no omitempty.
  VolumeAttachment: (attachment) => changing(withField(attachment, 'status', {}), 'status', (status) => withField(status, 'attached', false)),
  // A PodDisruptionBudget's status counts have no omitempty either.
  PodDisruptionBudget: (object) => withZeroCounts(object, PDB_COUNTS),
  Service: (service) => changing(withField(service, 'status', {}), 'status', (status) => withField(status, 'loadBalancer', {})),
  // An Ingress's status, like a Service's, always has its loadBalancer.
  Ingress: (ingress) => changing(withField(ingress, 'status', {}), 'status', (status) => withField(status, 'loadBalancer', {})),
  // A NetworkPolicy's podSelector is a struct, not a pointer: an empty one (every pod) is written {}.
  NetworkPolicy: (policy) => changing(policy, 'spec', (spec) => withField(spec, 'podSelector', {})),
  // An autoscaler's desiredReplicas has no omitempty, nor (in v2) its currentMetrics, nor (in v1) its currentReplicas.
  HorizontalPodAutoscaler: (hpa) =>
    changing(withField(hpa, 'status', {}), 'status', (status) =>
      hpa.apiVersion === 'autoscaling/v1' ? withField(withField(status, 'currentReplicas', 0), 'desiredReplicas', 0) : withField(withField(status, 'currentMetrics', null), 'desiredReplicas', 0),
    ),
  Event: (event) => EVENT_ZEROS.reduce((filled, [field, zero]) => withField(filled, field, zero), event),
};

/** The counts of a DaemonSet's status Go always writes. */
const DAEMON_SET_COUNTS = ['currentNumberScheduled', 'desiredNumberScheduled', 'numberMisscheduled', 'numberReady'] as const;

/** The counts of a StatefulSet's status Go always writes. */
const STATEFUL_SET_COUNTS = ['replicas', 'availableReplicas'] as const;

/** The counts of a PodDisruptionBudget's status Go always writes. */
const PDB_COUNTS = ['currentHealthy', 'desiredHealthy', 'disruptionsAllowed', 'expectedPods'] as const;

/** An Event's fields Go always writes: the times the other way of writing events leaves out, and two strings without omitempty. */
const EVENT_ZEROS: readonly (readonly [string, null | ''])[] = [
  ['eventTime', null],
  ['firstTimestamp', null],
  ['lastTimestamp', null],
  ['reportingComponent', ''],
  ['reportingInstance', ''],
];

/**
 * An answer as Go would have written it: an object of a kind above, a list of them, or a watch
 * event carrying one, with the zero values filled in. Never changes `body`: what changes is
 * copied, the rest shared.
 *
 * @example withZeroValues({ kind: 'Service', metadata: { name: 's' }, spec: {} }) // { ..., status: { loadBalancer: {} } }
 */
export function withZeroValues(body: unknown): unknown {
  if (!isObject(body)) return body;
  if (typeof body.type === 'string' && isObject(body.object)) {
    const object = withZeroValues(body.object);
    return object === body.object ? body : { ...body, object };
  }
  const kind = typeof body.kind === 'string' ? body.kind : '';
  if (kind.endsWith('List') && Array.isArray(body.items)) {
    const fill = BY_KIND[kind.slice(0, -'List'.length)];
    if (fill === undefined) return body;
    return { ...body, items: body.items.map((item) => (isObject(item) ? fill(item) : item)) };
  }
  return BY_KIND[kind]?.(body) ?? body;
}

/** The pod templates of an object of `kind`: where a `creationTimestamp: null` may be. */
function templatesOf(kind: string, object: JsonObject): JsonObject[] {
  const spec = isObject(object.spec) ? object.spec : {};
  if (kind === 'CronJob') {
    const jobTemplate = isObject(spec.jobTemplate) ? spec.jobTemplate : undefined;
    const jobSpec = isObject(jobTemplate?.spec) ? jobTemplate.spec : {};
    return [jobTemplate, jobSpec.template].filter(isObject);
  }
  return kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'Job' || kind === 'DaemonSet' || kind === 'StatefulSet' ? [spec.template].filter(isObject) : [];
}

/** Drops the empty labels, annotations, finalizers and ownerReferences of an object's metadata (changed in place). */
function withoutEmptyMetadata(metadata: JsonObject): void {
  for (const field of ['labels', 'annotations']) if (isObject(metadata[field]) && Object.keys(metadata[field]).length === 0) delete metadata[field];
  for (const field of ['finalizers', 'ownerReferences']) if (Array.isArray(metadata[field]) && metadata[field].length === 0) delete metadata[field];
}

/** Drops `resources: {}` from each container of a pod spec (changed in place). */
function withoutEmptyResources(spec: unknown): void {
  if (!isObject(spec)) return;
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    const containers = spec[field];
    if (!Array.isArray(containers)) continue;
    for (const container of containers) {
      if (isObject(container) && isObject(container.resources) && Object.keys(container.resources).length === 0) delete container.resources;
    }
  }
}

/**
 * The other way (changed in place): the zero values above dropped again, as Go's decoder reads
 * them: a `null` time is no time, an empty `resources` no resources. Two places use it:
 * - kata 08's `HttpClient`, on every answer it parses: the workbook's components read a missing
 *   field as Go reads a zero one, so without this a kubelet would take `lastProbeTime: null` for a
 *   condition it did not write;
 * - the handler, on every object a client writes (`kindOfBody`: a body need not say its kind): what is stored is then the same whether a client
 *   sent `resources: {}` (kubectl run does) or `annotations: {}` (kubectl diff and apply do) or nothing, and an object read, changed and written
 *   back (a controller removing a finalizer from a Job) does not seem to change its immutable
 *   template.
 */
export function withoutZeroValues<T>(body: T, kindOfBody?: string): T {
  if (!isObject(body)) return body;
  if (typeof body.type === 'string' && isObject(body.object)) {
    withoutZeroValues(body.object); // a watch event
    return body;
  }
  const kind = kindOfBody ?? (typeof body.kind === 'string' ? body.kind : '');
  const items = kind.endsWith('List') && Array.isArray(body.items) ? body.items.filter(isObject) : [body];
  const itemKind = kind.endsWith('List') ? kind.slice(0, -'List'.length) : kind;
  for (const item of items) {
    // Go's omitempty leaves out an empty map or list: `annotations: {}` is stored as none.
    if (isObject(item.metadata)) withoutEmptyMetadata(item.metadata);
    for (const template of templatesOf(itemKind, item)) {
      if (isObject(template.metadata) && template.metadata.creationTimestamp === null) delete template.metadata.creationTimestamp;
      withoutEmptyResources(template.spec);
    }
    if (itemKind === 'Pod') withoutEmptyResources(item.spec);
    const status = isObject(item.status) ? item.status : {};
    if (itemKind === 'Pod' && Array.isArray(status.conditions)) {
      for (const condition of status.conditions.filter(isObject)) {
        if (condition.lastProbeTime === null) delete condition.lastProbeTime;
        if (condition.lastTransitionTime === null) delete condition.lastTransitionTime;
      }
    }
    if (itemKind === 'Service' && isObject(status.loadBalancer) && Object.keys(status.loadBalancer).length === 0) delete status.loadBalancer;
    if (itemKind === 'Event') for (const [field, zero] of EVENT_ZEROS) if (item[field] === zero) delete item[field];
  }
  return body;
}
