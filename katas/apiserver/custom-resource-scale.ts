/**
 * The `scale` subresource of a custom resource whose definition asks for one
 * (apiextensions-apiserver's registry/customresource ScaleREST): an autoscaling/v1 Scale read from
 * and written to the paths the definition names, so that `kubectl scale` works on it as on a
 * Deployment.
 *
 * ```
 * subresources: { scale: { specReplicasPath: .spec.size, statusReplicasPath: .status.size, labelSelectorPath: .status.selector } }
 * GET   .../memcacheds/sample/scale   -> { kind: Scale, spec: { replicas: <.spec.size> }, status: { replicas: <.status.size>, selector } }
 * PATCH .../memcacheds/sample/scale   {"spec":{"replicas":3}}  -> .spec.size = 3 on the object
 * ```
 *
 * The HTTP server answers it itself (kata 10's handler serves the scale of the built-in workloads
 * only), after authenticating and authorizing the request as the handler would.
 *
 * Given code, beyond the katas: the same in katas/ and solutions/.
 */
import type { CustomResourceSubresourceScale, KubeObject } from '@kube/kit';
import type { Authenticator, Authorizer } from './auth-api.ts';
import { decodeBody } from './codec.ts';
import { readJsonPath } from './custom-resources.ts';
import { authorizedUser } from './impersonation.ts';
import { applyPatch } from './patch.ts';
import type { Registry } from './registry.ts';
import { RESOURCES, type ResourceType } from './resources.ts';
import { badRequest, invalid, noRouteForMethod, statusOf } from './status.ts';

/** `/apis/<group>/<version>/[namespaces/<ns>/]<plural>/<name>/scale` */
const SCALE_PATH = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)\/([^/]+)\/scale$/;

/** The custom resource and object a scale request is about; undefined when it is not one. */
function scaleTarget(url: string): { type: ResourceType; scale: CustomResourceSubresourceScale; namespace: string | undefined; name: string } | undefined {
  const match = SCALE_PATH.exec(url.split('?')[0]!);
  if (!match) return undefined;
  const [, group, version, namespace, plural, name] = match;
  const type = RESOURCES.get(plural!);
  if (!type?.custom?.scale || type.apiVersion !== `${group}/${version}` || type.namespaced !== (namespace !== undefined)) return undefined;
  return { type, scale: type.custom.scale, namespace, name: decodeURIComponent(name!) };
}

/** Writes `value` at a simple JSON path (`.spec.replicas`), making the objects on the way. */
function writeJsonPath(object: KubeObject, path: string, value: unknown): void {
  const steps = path.split('.').filter((step) => step !== '');
  let at = object as unknown as Record<string, unknown>;
  for (const step of steps.slice(0, -1)) {
    if (typeof at[step] !== 'object' || at[step] === null) at[step] = {};
    at = at[step] as Record<string, unknown>;
  }
  at[steps.at(-1)!] = value;
}

/** The scale subresource of every custom resource that has one. */
export class CustomResourceScales {
  constructor(private readonly registry: Registry) {}

  /** Is this request for a custom resource's scale (whatever its method)? */
  static matches(url: string): boolean {
    return url.includes('/scale') && scaleTarget(url) !== undefined;
  }

  /** The object's Scale, as autoscaling/v1 writes it. */
  scaleOf(object: KubeObject, scale: CustomResourceSubresourceScale): object {
    const replicas = (path: string) => {
      const value = readJsonPath(object, path);
      return typeof value === 'number' ? value : 0;
    };
    const selector = scale.labelSelectorPath ? readJsonPath(object, scale.labelSelectorPath) : undefined;
    const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, ...(namespace && { namespace }), uid, resourceVersion, creationTimestamp },
      spec: { replicas: replicas(scale.specReplicasPath) },
      status: { replicas: replicas(scale.statusReplicasPath), ...(typeof selector === 'string' && { selector }) },
    };
  }

  /** Answers a GET, PUT or PATCH of a custom resource's scale. Never throws: a failure is its Status. */
  answer(method: string, url: string, headers: Record<string, string | undefined>, body: string | Uint8Array, authenticator: Authenticator | undefined, authorizer: Authorizer | undefined): { code: number; body: unknown } {
    try {
      const { type, scale, namespace, name } = scaleTarget(url)!;
      const verb = method === 'GET' ? 'get' : method === 'PUT' ? 'update' : method.toLowerCase();
      const [apiGroup, apiVersion] = type.apiVersion.split('/') as [string, string];
      const path = url.split('?')[0]!;
      authorizedUser(headers['authorization'], authenticator, authorizer, { verb, resourceRequest: true, apiGroup, apiVersion, resource: type.resource, subresource: 'scale', namespace: namespace ?? '', name, path });
      const stored = this.registry.get<KubeObject>(type.resource, namespace, name);
      const current = this.scaleOf(stored, scale);
      if (method === 'GET') return { code: 200, body: current };
      if (method !== 'PUT' && method !== 'PATCH') throw noRouteForMethod();
      const sent = decodeBody(body, method === 'PATCH' ? 'application/json' : headers['content-type']);
      const wanted = (method === 'PATCH' ? applyPatch(headers['content-type'] ?? '', current, sent, 'Scale') : sent) as { kind?: string; metadata?: { resourceVersion?: string }; spec?: { replicas?: unknown } };
      if (wanted?.kind !== undefined && wanted.kind !== 'Scale') throw badRequest(`${String(wanted.kind)} in version "v1" cannot be handled as a Scale: the kind does not match`);
      const replicas = wanted?.spec?.replicas ?? 0;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw invalid('Scale.autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
      }
      const next = structuredClone(stored);
      writeJsonPath(next, scale.specReplicasPath, replicas);
      // the Scale's resourceVersion, when it has one, is the object's: a stale one is a Conflict
      next.metadata.resourceVersion = wanted?.metadata?.resourceVersion || stored.metadata.resourceVersion;
      const written = this.registry.update(type.resource, namespace, next);
      return { code: 200, body: this.scaleOf(written, scale) };
    } catch (error) {
      const status = statusOf(error);
      return { code: status.code ?? 500, body: status };
    }
  }
}
