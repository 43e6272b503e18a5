/**
 * Versions of a resource served besides the one it is stored in, converted at the edge as
 * kube-apiserver converts them: a request in the other version has its body made the stored
 * version's before the handler sees it, and every object answered (alone, in a list, in a Table's
 * rows, in a watch's events) made the other version's on the way out. Given code, beyond the katas.
 *
 * Such versions are served for autoscaling/v1 HorizontalPodAutoscalers, stored as autoscaling/v2, and
 * for the served versions of a CustomResourceDefinition besides its storage version. For the autoscalers
 * (hpa-strategy.ts converts). kubectl v1.32 reads autoscalers in v2, the preferred version, but
 * `kubectl autoscale` still creates them through v1:
 *
 * ```
 * POST /apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers   {spec: {targetCPUUtilizationPercentage: 50, ...}}
 *   handled as POST /apis/autoscaling/v2/...    {spec: {metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}], ...}}
 *   answered in v1                               {apiVersion: autoscaling/v1, spec: {targetCPUUtilizationPercentage: 50, ...}}
 * ```
 *
 * Where it simplifies: a PATCH in the other version is a read, the patch applied to the object in
 * that version, and an update with the resourceVersion read (tried again on a Conflict), so RBAC
 * asks for `get` and `update` rather than `patch`; a server-side apply must use the stored version;
 * managedFields name the stored version.
 */
import type { HorizontalPodAutoscaler, KubeObject, Status } from '@kube/kit';
import type { ApiRequest, ApiResponse } from './api-handler.ts';
import { decodeBody } from './codec.ts';
import { hpaFromV1, hpaToV1, type HorizontalPodAutoscalerV1 } from './hpa-strategy.ts';
import { applyPatch, PATCH_TYPES, patchTypeOf } from './patch.ts';
import { badRequest, statusOf } from './status.ts';
import type { ApiWatch, ApiWatchEvent } from './watch.ts';

/** A version served besides the stored one, and how an object goes from one to the other. */
export interface OtherVersion {
  resource: string;
  kind: string;
  group: string;
  /** this version, as it appears in the path */
  version: string;
  /** the version objects are stored (and preferred) in */
  storedVersion: string;
  /** the stored object, in this version */
  fromStored(object: KubeObject): KubeObject;
  /** an object in this version, as it is stored */
  toStored(object: KubeObject): KubeObject;
}

/** Every version served besides the stored one: autoscaling/v1's, then those of custom resources ({@link setOtherVersionsOf}). */
const OTHERS: OtherVersion[] = [
  {
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    group: 'autoscaling',
    version: 'v1',
    storedVersion: 'v2',
    fromStored: (object) => hpaToV1(object as HorizontalPodAutoscaler),
    toStored: (object) => hpaFromV1(object as HorizontalPodAutoscalerV1),
  },
];

/** Every version served besides the stored one. */
export const OTHER_VERSIONS: readonly OtherVersion[] = OTHERS;

/**
 * Serves `versions` as the other versions of `resource`, in place of those it had (none: it has
 * none any more). custom-resources.ts gives a CustomResourceDefinition's served versions that are not
 * its storage version, converted by rewriting the apiVersion (its conversion strategy None).
 */
export function setOtherVersionsOf(resource: string, versions: readonly OtherVersion[]): void {
  for (let i = OTHERS.length - 1; i >= 0; i--) if (OTHERS[i]!.resource === resource) OTHERS.splice(i, 1);
  OTHERS.push(...versions);
}

/** How often a PATCH in the other version reads and writes again after another writer got in between. */
const PATCH_RETRIES = 5;

/** `/apis/<group>/<version>/[namespaces/<ns>/]<resource>[/...]`: the other version it names, and the same path in the stored version. */
export function otherVersionOf(url: string): { version: OtherVersion; storedUrl: string } | undefined {
  const match = /^\/apis\/([^/?]+)\/([^/?]+)\/(?:namespaces\/[^/?]+\/)?([^/?]+)/.exec(url);
  if (!match) return undefined;
  const [, group, version, resource] = match;
  const other = OTHER_VERSIONS.find((candidate) => candidate.group === group && candidate.version === version && candidate.resource === resource);
  if (!other) return undefined;
  return { version: other, storedUrl: url.replace(`/apis/${group}/${version}/`, `/apis/${group}/${other.storedVersion}/`) };
}

/** A body's objects in the other version: the object, a list's items, a Table's rows; anything else (a Status) as it is. */
function outward(body: unknown, version: OtherVersion): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const object = body as { kind?: string; items?: KubeObject[]; rows?: { object?: KubeObject }[] };
  if (object.kind === version.kind) return version.fromStored(body as KubeObject);
  if (object.kind === `${version.kind}List`) return { ...object, apiVersion: `${version.group}/${version.version}`, items: (object.items ?? []).map((item) => version.fromStored(item)) };
  if (object.kind === 'Table') {
    return { ...object, rows: (object.rows ?? []).map((row) => (row.object?.kind === version.kind ? { ...row, object: version.fromStored(row.object) } : row)) };
  }
  return body;
}

/** A watch whose events carry their objects in the other version. */
function outwardWatch(watch: ApiWatch, version: OtherVersion): ApiWatch {
  const convert = (event: ApiWatchEvent<KubeObject>) => ({ ...event, object: outward(event.object, version) }) as ApiWatchEvent<KubeObject>;
  return {
    poll: () => watch.poll().map(convert),
    stop: () => watch.stop(),
    async *[Symbol.asyncIterator]() {
      for await (const event of watch) yield convert(event);
    },
  };
}

/** A body as the stored version's JSON: the object converted, or the body as it came when it holds no object of the kind. */
function inward(request: ApiRequest, version: OtherVersion): ApiRequest {
  const contentType = request.headers['content-type'];
  const body = decodeBody(request.body, contentType);
  if (typeof body !== 'object' || body === null || (body as KubeObject).kind !== version.kind) return request;
  return { ...request, headers: { ...request.headers, 'content-type': 'application/json' }, body: JSON.stringify(version.toStored(body as KubeObject)) };
}

/**
 * Answers a request in another version of a resource (see {@link otherVersionOf}) with `handle`,
 * the handler of the stored version: the body converted in, the answer converted out.
 */
export async function answerInOtherVersion(request: ApiRequest, handle: (request: ApiRequest) => Promise<ApiResponse>): Promise<ApiResponse> {
  const other = otherVersionOf(request.url);
  if (!other) return handle(request);
  const { version, storedUrl } = other;
  try {
    const answer = request.method === 'PATCH' ? await patchInOtherVersion(request, storedUrl, version, handle) : await handle(request.method === 'POST' || request.method === 'PUT' ? { ...inward(request, version), url: storedUrl } : { ...request, url: storedUrl });
    if ('watch' in answer) return { ...answer, watch: outwardWatch(answer.watch, version) };
    return { code: answer.code, body: outward(answer.body, version) };
  } catch (error) {
    const status = statusOf(error);
    return { code: status.code ?? 500, body: status };
  }
}

/** A PATCH in the other version: read, patch the object in that version, write it back with the resourceVersion read. */
async function patchInOtherVersion(request: ApiRequest, storedUrl: string, version: OtherVersion, handle: (request: ApiRequest) => Promise<ApiResponse>): Promise<ApiResponse> {
  const contentType = request.headers['content-type'] ?? '';
  if (patchTypeOf(contentType) === PATCH_TYPES.apply) throw badRequest(`apply ${version.resource} in ${version.group}/${version.storedVersion}, the version they are stored in`);
  const patch = decodeBody(request.body, 'application/json');
  const [path, query = ''] = storedUrl.split('?');
  for (let attempt = 1; ; attempt++) {
    const read = await handle({ method: 'GET', url: path!, headers: { ...request.headers, accept: 'application/json', 'content-type': undefined }, body: '' });
    if ('watch' in read || read.code !== 200) return read;
    const current = version.fromStored(read.body as KubeObject);
    const patched = applyPatch(contentType, current, patch, version.kind) as KubeObject;
    const stored = version.toStored({ ...patched, metadata: { ...patched.metadata, resourceVersion: current.metadata.resourceVersion } });
    const written = await handle({ method: 'PUT', url: query ? `${path}?${query}` : path!, headers: { ...request.headers, 'content-type': 'application/json' }, body: JSON.stringify(stored) });
    const conflict = !('watch' in written) && (written.body as Status | undefined)?.reason === 'Conflict';
    if (!conflict || attempt >= PATCH_RETRIES || (patch as KubeObject)?.metadata?.resourceVersion !== undefined) return written;
  }
}
