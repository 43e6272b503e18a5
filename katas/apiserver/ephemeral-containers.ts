/**
 * The `ephemeralcontainers` subresource of a pod (pkg/registry/core/pod/storage
 * EphemeralContainersREST and the strategy's podEphemeralContainersStrategy): the one way to add a
 * container to a pod that runs, which is what `kubectl debug POD --image=...` does.
 *
 * ```
 * PATCH /api/v1/namespaces/shop/pods/web-1/ephemeralcontainers   (application/strategic-merge-patch+json)
 *   {"spec":{"ephemeralContainers":[{"name":"debugger-x7k2p","image":"kubekata/node","stdin":true,"tty":true}]}}
 *   -> 200 the Pod, its spec.ephemeralContainers one longer; the kubelet starts the container
 * ```
 *
 * What a write may do, as upstream's strategy and ValidatePodEphemeralContainersUpdate say:
 * - only `spec.ephemeralContainers` changes: the rest of the spec, the status and the metadata
 *   but for the resourceVersion (a precondition) are taken from the stored pod
 *   (dropNonEphemeralContainerUpdates);
 * - a container already there may not be removed or changed:
 *   `spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be removed`;
 * - a new one has a name no other container of the pod has, an image, none of the fields an
 *   ephemeral container may not have (`spec.ephemeralContainers[0].ports: Forbidden: cannot be set
 *   for an Ephemeral Container`), and a `targetContainerName` that names one of the pod's containers;
 * - a static pod's mirror takes none.
 *
 * GET answers the Pod itself, as upstream's does since the subresource's kind became Pod (v1.22).
 * A pod cannot be created with ephemeral containers (resources.ts refuses it: `cannot be set on
 * create`), and a plain update of the pod may not change them (update-validation.ts).
 *
 * Given code, beyond the katas: the HTTP server answers it itself, after authenticating and
 * authorizing the request as kata 10's handler would (`patch`, `update` or `get` on
 * `pods/ephemeralcontainers`, which the bootstrap roles `edit` and `admin` do not grant, as
 * upstream's do not), and without admission.
 */
import { toRFC3339, type Clock, type EphemeralContainer, type Pod, type StatusCause } from '@kube/kit';
import type { Authenticator, Authorizer } from './auth-api.ts';
import { decodeBody } from './codec.ts';
import { DEFAULT_TERMINATION_MESSAGE_PATH, defaultPullPolicy } from './defaulting.ts';
import { recordUpdate } from './field-manager.ts';
import { at, duplicateField, forbiddenField, invalidField, requiredField } from './field-errors.ts';
import { authorizedUser } from './impersonation.ts';
import { isDNS1123Label } from './names.ts';
import { applyPatch } from './patch.ts';
import type { Registry } from './registry.ts';
import { badRequest, invalid, noRouteForMethod, statusOf } from './status.ts';
import { differences } from './update-validation.ts';
import { withoutZeroValues } from './zero-values.ts';

/** `/api/v1/namespaces/<ns>/pods/<name>/ephemeralcontainers`: namespace and name. */
const EPHEMERAL_CONTAINERS_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/ephemeralcontainers$/;

/** The annotation a static pod's mirror carries (kubetypes.ConfigMirrorAnnotationKey). */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/**
 * The Container fields an ephemeral container may not set (upstream lists the ones it may:
 * allowedEphemeralContainerFields); each is refused when it has a value.
 */
export const FIELDS_NOT_FOR_EPHEMERAL_CONTAINERS = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/** The defaults a new ephemeral container gets, as a container does (SetDefaults_EphemeralContainer). */
function defaultEphemeralContainer(container: EphemeralContainer): void {
  container.imagePullPolicy ??= defaultPullPolicy(container.image ?? '');
  container.terminationMessagePath ??= DEFAULT_TERMINATION_MESSAGE_PATH;
  container.terminationMessagePolicy ??= 'File';
}

/** A field set to something: not missing, null, `""`, `[]` or `{}` (Go's zero values). */
function hasValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/**
 * What is wrong with `next`'s ephemeral containers, `stored` being the pod as it was
 * (ValidatePodEphemeralContainersUpdate and validateEphemeralContainers).
 *
 * @example One removed, one added with a port, one named as a container is
 * ```ts
 * validateEphemeralContainersUpdate(next, stored);
 * // spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be removed
 * // spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container
 * // spec.ephemeralContainers[1].name: Duplicate value: "web"
 * ```
 */
export function validateEphemeralContainersUpdate(next: Pod, stored: Pod): StatusCause[] {
  if (stored.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return [forbiddenField('', 'static pods do not support ephemeral containers')];
  const errors: StatusCause[] = [];
  const list = at('spec', 'ephemeralContainers');
  const now = next.spec?.ephemeralContainers ?? [];
  for (const old of stored.spec?.ephemeralContainers ?? []) {
    const same = now.find((c) => c.name === old.name);
    if (!same) errors.push(forbiddenField(list, `existing ephemeral containers ${JSON.stringify(old.name)} may not be removed`));
    else {
      const changed = differences(same, old, '');
      if (changed.length > 0) errors.push(forbiddenField(list, `existing ephemeral containers ${JSON.stringify(old.name)} may not be changed\n${changed.map((line) => `  ${line}`).join('\n')}`));
    }
  }
  const spec = stored.spec;
  const regular = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.name);
  const names = new Set(regular);
  now.forEach((container, i) => {
    const path = (field: string) => at('spec', 'ephemeralContainers', i, field);
    if (!container.name) errors.push(requiredField(path('name')));
    else {
      errors.push(...isDNS1123Label(container.name).map((message) => invalidField(path('name'), container.name, message)));
      if (names.has(container.name)) errors.push(duplicateField(path('name'), container.name));
      names.add(container.name);
    }
    if (!container.image) errors.push(requiredField(path('image')));
    for (const field of FIELDS_NOT_FOR_EPHEMERAL_CONTAINERS) {
      if (hasValue((container as unknown as Record<string, unknown>)[field])) errors.push(forbiddenField(path(field), 'cannot be set for an Ephemeral Container'));
    }
    const target = container.targetContainerName;
    if (target !== undefined && target !== '' && !regular.includes(target)) {
      errors.push({ reason: 'FieldValueNotFound', field: path('targetContainerName'), message: `Not found: ${JSON.stringify(target)}` });
    }
  });
  return errors;
}

/** The pod's ephemeral containers subresource. */
export class PodEphemeralContainers {
  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
  ) {}

  /** Is this request for a pod's ephemeralcontainers subresource (whatever its method)? */
  static matches(url: string): boolean {
    return url.includes('/ephemeralcontainers') && EPHEMERAL_CONTAINERS_PATH.test(url.split('?')[0]!);
  }

  /** Answers a GET, PATCH or PUT of a pod's ephemeral containers. Never throws: a failure is its Status. */
  answer(method: string, url: string, headers: Record<string, string | undefined>, body: string | Uint8Array, authenticator: Authenticator | undefined, authorizer: Authorizer | undefined): { code: number; body: unknown } {
    try {
      const { pathname, searchParams } = new URL(url, 'http://apiserver');
      const [, namespace, name] = EPHEMERAL_CONTAINERS_PATH.exec(pathname)!.map(decodeURIComponent) as [string, string, string];
      const verb = method === 'GET' ? 'get' : method === 'PUT' ? 'update' : method.toLowerCase();
      authorizedUser(headers['authorization'], authenticator, authorizer, { verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: 'ephemeralcontainers', namespace, name, path: pathname });
      if (method !== 'GET' && method !== 'PATCH' && method !== 'PUT') throw noRouteForMethod();
      const stored = this.registry.get<Pod>('pods', namespace, name);
      if (method === 'GET') return { code: 200, body: stored };
      const sent = decodeBody(body, method === 'PATCH' ? 'application/json' : headers['content-type']);
      const wanted = (method === 'PATCH' ? applyPatch(headers['content-type'] ?? '', stored, sent, 'Pod') : sent) as Pod | null;
      if (typeof wanted !== 'object' || wanted === null || Array.isArray(wanted)) throw badRequest('the body must be a Pod');
      if (wanted.kind !== undefined && wanted.kind !== 'Pod') throw badRequest(`${String(wanted.kind)} in version "v1" cannot be handled as a Pod: the kind does not match`);
      if (wanted.metadata?.name !== undefined && wanted.metadata.name !== name) {
        throw badRequest(`the name of the object (${wanted.metadata.name}) does not match the name on the URL (${name})`);
      }
      const next = this.onlyEphemeralContainersOf(wanted, stored);
      const errors = validateEphemeralContainersUpdate(next, stored);
      if (errors.length > 0) throw invalid('Pod', name, errors);
      const manager = searchParams.get('fieldManager') ?? (headers['user-agent'] ?? '').split('/')[0]!;
      const recorded = recordUpdate(stored, next, { manager, apiVersion: 'v1', time: toRFC3339(this.clock.now()), subresource: 'ephemeralcontainers' });
      return { code: 200, body: this.registry.update<Pod>('pods', namespace, recorded) };
    } catch (error) {
      const status = statusOf(error);
      return { code: status.code ?? 500, body: status };
    }
  }

  /**
   * The stored pod with `wanted`'s ephemeral containers (the new ones defaulted) and its
   * resourceVersion, which the registry holds the write to: nothing else a client sends is kept.
   */
  private onlyEphemeralContainersOf(wanted: Pod, stored: Pod): Pod {
    const next = structuredClone(stored);
    const containers = structuredClone(wanted.spec?.ephemeralContainers ?? []);
    const known = new Set((stored.spec?.ephemeralContainers ?? []).map((c) => c.name));
    for (const container of containers) if (!known.has(container.name)) defaultEphemeralContainer(container);
    next.spec = { ...next.spec!, ephemeralContainers: containers };
    if (containers.length === 0) delete next.spec.ephemeralContainers;
    const version = wanted.metadata?.resourceVersion;
    if (version) next.metadata.resourceVersion = version;
    return withoutZeroValues(next, 'Pod'); // kubectl sends `resources: {}`, which Go reads as none
  }
}
