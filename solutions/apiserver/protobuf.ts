/**
 * Protobuf bodies, as kubectl sends them: `kubectl create namespace|deployment|service|configmap|secret`
 * and `kubectl auth can-i` post `application/vnd.kubernetes.protobuf`, not JSON
 * (k8s.io/apimachinery/pkg/runtime/serializer/protobuf). The body is an envelope:
 *
 * ```
 * 6b 38 73 00                  "k8s\0": the magic that says "a Kubernetes protobuf object follows"
 * runtime.Unknown {
 *   typeMeta { apiVersion: "v1", kind: "Namespace" }    which message the raw bytes are
 *   raw: <the Namespace message>                          the object itself, without kind/apiVersion
 *   contentEncoding: "", contentType: ""
 * }
 * ```
 *
 * {@link decodeProtobuf} reads it into the same plain object a JSON body gives; {@link encodeProtobuf}
 * writes one, for a client that accepts nothing but protobuf. The messages and their field numbers
 * are in proto-schema.ts; protobufjs does the wire format.
 *
 * Given code: kata 10 uses it as it is.
 *
 * @example
 * ```ts
 * decodeProtobuf(bodyOfKubectlCreateNamespace);   // { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'prod' } }
 * decodeProtobuf(Buffer.from('{}'));              // StatusError BadRequest: not a protobuf object (no "k8s\0" magic)
 * ```
 */
import protobuf from 'protobufjs';
import { badRequest, StatusError } from './status.ts';
import { PROTO_FILES } from './proto-schema.ts';

/** The media type of Kubernetes' protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The four bytes every Kubernetes protobuf object starts with: `k8s` and a zero. */
const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/**
 * meta's kinds that every group version registers as its own (metav1.AddToGroupVersion): a
 * DeleteOptions comes as `v1` from `kubectl drain` on a cluster without evictions, as `apps/v1`
 * from a client deleting a Deployment.
 */
const META_KINDS = new Set(['Status', 'DeleteOptions']);

/** Messages whose JSON is not an object of their fields (the Go types marshal them their own way). */
const SPECIAL = {
  time: `.${META}.Time`,
  microTime: `.${META}.MicroTime`,
  quantity: '.k8s.io.apimachinery.pkg.api.resource.Quantity',
  intOrString: '.k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  fieldsV1: `.${META}.FieldsV1`,
};

/** The full names of the messages whose JSON is not an object of their fields (go-order.ts leaves their values alone). */
export const SPECIAL_MESSAGES: ReadonlySet<string> = new Set(Object.values(SPECIAL));

/**
 * Fields that Go embeds (their fields are the parent's in JSON): a Probe's `handler` holds exec,
 * httpGet and tcpSocket, which JSON puts on the Probe itself; an env source's
 * `localObjectReference` holds the `name` of its ConfigMap or Secret; an Ingress rule's
 * `ingressRuleValue` holds its `http`.
 */
export const INLINE_FIELDS: ReadonlySet<string> = new Set([
  'Probe.handler',
  'ConfigMapKeySelector.localObjectReference',
  'SecretKeySelector.localObjectReference',
  'ConfigMapEnvSource.localObjectReference',
  'SecretEnvSource.localObjectReference',
  'IngressRule.ingressRuleValue',
  'EphemeralContainer.ephemeralContainerCommon',
  'Volume.volumeSource',
  'ConfigMapVolumeSource.localObjectReference',
  'ConfigMapProjection.localObjectReference',
  'SecretProjection.localObjectReference',
]);

/** The protobufjs types, parsed the first time they are needed (a protobuf body, an answer put in Go's order). */
let root: protobuf.Root | undefined;

export function protobufTypes(): protobuf.Root {
  if (root === undefined) {
    const parsed = new protobuf.Root();
    for (const text of Object.values(PROTO_FILES)) protobuf.parse(text, parsed, { keepCase: true });
    parsed.resolveAll();
    root = parsed;
  }
  return root;
}

/**
 * The message of a kind: `v1` + `Pod` is `k8s.io.api.core.v1.Pod`, `apps/v1` + `Deployment` is
 * `k8s.io.api.apps.v1.Deployment`, `authorization.k8s.io/v1` + ... is `k8s.io.api.authorization.v1....`;
 * a Status or DeleteOptions is meta's, in any group version. Undefined for a kind without a message here.
 */
export function messageOf(apiVersion: string, kind: string): protobuf.Type | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) as [string, string] : ['', apiVersion];
  const name = META_KINDS.has(kind) ? `${META}.${kind}` : `k8s.io.api.${group === '' ? 'core' : group.split('.')[0]}.${version}.${kind}`;
  const found = protobufTypes().lookup(name);
  return found instanceof protobuf.Type ? found : undefined;
}

/** True when `body` starts with the protobuf magic. */
export function isProtobuf(body: Uint8Array): boolean {
  return body.length >= MAGIC.length && MAGIC.every((byte, i) => body[i] === byte);
}

/**
 * The object in a protobuf body, as a JSON body would give it (kind and apiVersion included).
 *
 * @throws StatusError BadRequest for a body that is not a Kubernetes protobuf object, or whose kind
 *   has no message here
 */
export function decodeProtobuf(body: Uint8Array): Record<string, unknown> {
  if (!isProtobuf(body)) throw badRequest('the request body could not be decoded: a protobuf body must start with the 4 bytes "k8s\\x00" (a runtime.Unknown envelope)');
  const unknownType = protobufTypes().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array; contentEncoding?: string };
  try {
    envelope = unknownType.decode(body.subarray(MAGIC.length)) as typeof envelope;
  } catch (error) {
    throw badRequest(`the request body could not be decoded: protobuf: ${(error as Error).message}`);
  }
  const { apiVersion = '', kind = '' } = envelope.typeMeta ?? {};
  if (envelope.contentEncoding) throw badRequest(`the request body could not be decoded: content encoding "${envelope.contentEncoding}" is not supported`);
  const type = messageOf(apiVersion, kind);
  if (type === undefined) throw badRequest(`the request body could not be decoded: no kind "${kind}" is registered for version "${apiVersion}"`);
  let message: protobuf.Message;
  try {
    message = type.decode(envelope.raw ?? new Uint8Array());
  } catch (error) {
    throw badRequest(`the request body could not be decoded: protobuf ${kind}: ${(error as Error).message}`);
  }
  return { kind, apiVersion, ...toJson(type, message as unknown as Record<string, unknown>) };
}

/**
 * An object (or a list, or a Status) as a protobuf body; undefined when its kind has no message
 * here. Fields without a message field are left out, as the real server has none to put them in.
 */
export function encodeProtobuf(object: { kind?: string; apiVersion?: string }): Uint8Array | undefined {
  const { kind, apiVersion } = object;
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') return undefined;
  const type = messageOf(apiVersion, kind);
  if (type === undefined) return undefined;
  const raw = type.encode(type.fromObject(fromJson(type, object as Record<string, unknown>))).finish();
  const unknownType = protobufTypes().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const envelope = unknownType.encode(unknownType.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  const out = new Uint8Array(MAGIC.length + envelope.length);
  out.set(MAGIC);
  out.set(envelope, MAGIC.length);
  return out;
}

/** A decoded message as JSON: Go's `omitempty` for what Go writes even when empty, and the special types. */
function toJson(type: protobuf.Type, message: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    // Absent on the wire: protobufjs leaves it on the prototype, not on the message.
    if (!Object.prototype.hasOwnProperty.call(message, field.name)) continue;
    const value = message[field.name];
    let json: unknown;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, valueToJson(field, item, true)] as const);
      json = entries.length > 0 ? Object.fromEntries(entries) : undefined;
    } else if (field.repeated) {
      const items = (value as unknown[]).map((item) => valueToJson(field, item, true));
      json = items.length > 0 ? items : undefined;
    } else {
      json = valueToJson(field, value, field.options?.['(kubekata.pointer)'] === true);
    }
    if (json === undefined) continue;
    if (INLINE_FIELDS.has(`${type.name}.${field.name}`) && typeof json === 'object') Object.assign(out, json);
    else out[field.name] = json;
  }
  return out;
}

/** One value; `keepZero` for a pointer field, a list item or a map value, where zero is a value. */
function valueToJson(field: protobuf.Field, value: unknown, keepZero: boolean): unknown {
  const nested = field.resolvedType;
  if (nested instanceof protobuf.Type) {
    const message = value as Record<string, unknown>;
    switch (nested.fullName) {
      case SPECIAL.time:
      case SPECIAL.microTime:
        return timeToJson(message, nested.fullName === SPECIAL.microTime);
      case SPECIAL.quantity:
        return (message['string'] as string | undefined) || undefined;
      case SPECIAL.intOrString:
        return Number(message['type'] ?? 0) === 1 ? (message['strVal'] as string) : Number(message['intVal'] ?? 0);
      case SPECIAL.fieldsV1: {
        // JSON carried as bytes: `{"f:metadata":{"f:labels":{...}}}`
        const raw = message['Raw'] as Uint8Array | undefined;
        return raw && raw.length > 0 ? (JSON.parse(Buffer.from(raw).toString('utf8')) as unknown) : undefined;
      }
    }
    if (nested.name === 'ExtraValue') return [...((message['items'] as string[] | undefined) ?? [])];
    const json = toJson(nested, message);
    return Object.keys(json).length > 0 || keepZero ? json : undefined;
  }
  if (value instanceof Uint8Array) return value.length > 0 || keepZero ? Buffer.from(value).toString('base64') : undefined;
  const scalar = typeof value === 'object' && value !== null ? Number(value) : value; // a Long (int64) as a number
  if (!keepZero && (scalar === '' || scalar === 0 || scalar === false)) return undefined;
  return scalar;
}

/** A meta.v1 Time (seconds, nanos) as RFC 3339; the zero time (what Go sends for "unset") as undefined. */
function timeToJson(message: Record<string, unknown>, micro: boolean): string | undefined {
  const seconds = Number(message['seconds'] ?? 0);
  const nanos = Number(message['nanos'] ?? 0);
  if (seconds === 0 && nanos === 0) return undefined;
  if (seconds <= -62135596800) return undefined; // Go's zero time.Time: 0001-01-01T00:00:00Z
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

/** A JSON object as protobufjs' input for `type`: the special types back into their messages. */
function fromJson(type: protobuf.Type, object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (INLINE_FIELDS.has(`${type.name}.${field.name}`)) {
      const nested = field.resolvedType as protobuf.Type;
      out[field.name] = fromJson(nested, object);
      continue;
    }
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    if (field.map) out[field.name] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, valueFromJson(field, item)]));
    else if (field.repeated) out[field.name] = Array.isArray(value) ? value.map((item) => valueFromJson(field, item)) : [];
    else out[field.name] = valueFromJson(field, value);
  }
  return out;
}

function valueFromJson(field: protobuf.Field, value: unknown): unknown {
  const nested = field.resolvedType;
  if (!(nested instanceof protobuf.Type)) {
    if (field.type === 'bytes' && typeof value === 'string') return Buffer.from(value, 'base64');
    return value;
  }
  switch (nested.fullName) {
    case SPECIAL.time:
    case SPECIAL.microTime: {
      const millis = Date.parse(String(value));
      return Number.isNaN(millis) ? {} : { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1_000_000 };
    }
    case SPECIAL.quantity:
      return { string: String(value) };
    case SPECIAL.intOrString:
      return typeof value === 'number' ? { type: 0, intVal: value } : { type: 1, strVal: String(value) };
    case SPECIAL.fieldsV1:
      return { Raw: Buffer.from(JSON.stringify(value), 'utf8') };
  }
  if (nested.name === 'ExtraValue') return { items: Array.isArray(value) ? value : [] };
  return typeof value === 'object' && value !== null ? fromJson(nested, value as Record<string, unknown>) : {};
}

/** NotAcceptable (406): the client accepts only media types the server cannot write. */
export function notAcceptable(accepted: readonly string[]): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `only the following media types are accepted: ${accepted.join(', ')}`,
    reason: 'NotAcceptable',
    code: 406,
  });
}
