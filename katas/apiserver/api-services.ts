/**
 * apiregistration.k8s.io/v1 APIServices as kube-apiserver's aggregator keeps them for what it
 * serves itself (k8s.io/kube-aggregator, the autoregister and crdregistration controllers): one per
 * group-version, named `<version>.<group>`, `Local` (no Service) and always available, ranked as
 * upstream ranks the built-in groups (api-priorities.ts); a CustomResourceDefinition's at 1000/100.
 *
 * ```
 * kubectl get apiservices
 * NAME                                   SERVICE   AVAILABLE   AGE
 * v1.                                    Local     True        3d
 * v1.apps                                Local     True        3d
 * v1.stable.example.com                  Local     True        5m
 * ```
 *
 * Where it simplifies: they are computed when read (computed-resources.ts), not stored, so they
 * are read only; an APIService for an extension apiserver cannot be created, as there is no
 * aggregation layer to proxy to it. metrics-server's (`v1beta1.metrics.k8s.io`) is listed when the
 * apiserver serves that group itself (resource-metrics.ts).
 *
 * Given code, beyond the katas: the same in katas/ and solutions/.
 */
import type { APIService, KubeObject } from '@kube/kit';
import { apiPriority } from './api-priorities.ts';
import { groupVersions } from './discovery.ts';
import type { Registry } from './registry.ts';
import { RESOURCES } from './resources.ts';
import { isStatusError, notFound } from './status.ts';
import type { ComputedResource } from './computed-resources.ts';

/** The resource's name in paths. */
export const API_SERVICES = 'apiservices';

/**
 * The APIServices now: one per group-version served, made when the cluster was (the `default`
 * namespace's creation) or, for a custom resource's, when its definition was.
 */
export function apiServices(registry: Registry): APIService[] {
  const createdOf = (resource: string, name: string): string | undefined => {
    try {
      return registry.get<KubeObject>(resource, undefined, name).metadata.creationTimestamp;
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      throw error;
    }
  };
  const cluster = createdOf('namespaces', 'default');
  // listed by name, as the store lists them
  const byName = groupVersions().sort((a, b) => (`${a.version}.${a.group}` < `${b.version}.${b.group}` ? -1 : 1));
  return byName.map(({ group, version, groupVersion }) => {
    const custom = [...RESOURCES.values()].find((type) => type.custom && type.group === group);
    const { group: groupPriorityMinimum, version: versionPriority } = apiPriority(groupVersion);
    const created = custom ? createdOf('customresourcedefinitions', `${custom.resource}.${group}`) : cluster;
    return {
      kind: 'APIService',
      apiVersion: 'apiregistration.k8s.io/v1',
      metadata: { name: `${version}.${group}`, labels: { 'kube-aggregator.kubernetes.io/automanaged': custom ? 'true' : 'onstart' }, ...(created && { creationTimestamp: created }) },
      spec: { group, version, groupPriorityMinimum, versionPriority },
      status: { conditions: [{ type: 'Available', status: 'True', ...(created && { lastTransitionTime: created }), reason: 'Local', message: 'Local APIServices are always available' }] },
    };
  });
}

/** The APIServices as a computed resource (computed-resources.ts), NotFound for a name that is none. */
export function computedApiServices(registry: Registry, extensions: readonly ((created: string | undefined) => APIService)[] = []): ComputedResource {
  const objects = () => {
    const local = apiServices(registry);
    // an extension apiserver's (metrics-server's), registered when the cluster was made
    const created = local.find((service) => service.metadata.name === 'v1.')?.metadata.creationTimestamp;
    return [...local, ...extensions.map((extension) => extension(created))].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  };
  return { objects, missing: (name) => notFound('apiservices.apiregistration.k8s.io', name) };
}
