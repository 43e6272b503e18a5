/**
 * Small helpers every component needs and no kata teaches.
 * @module
 */
import type { KubeObject } from './meta.ts';
import type { Service } from './service.ts';

/**
 * The key of an object in caches and work queues: `"namespace/name"`, or `"name"` for a
 * cluster-scoped object (client-go's MetaNamespaceKeyFunc).
 *
 * @example
 * ```ts
 * objectKey({ metadata: { name: 'web-1', namespace: 'default' } })  // 'default/web-1'
 * objectKey({ metadata: { name: 'node-1' } })                       // 'node-1'
 * ```
 */
export function objectKey(object: Pick<KubeObject, 'metadata'>): string {
  const { namespace, name = '' } = object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * The namespace and name in a key made by {@link objectKey} (client-go's
 * SplitMetaNamespaceKey); namespace is absent for a cluster-scoped key.
 *
 * @example
 * ```ts
 * splitObjectKey('default/web-1')  // { namespace: 'default', name: 'web-1' }
 * splitObjectKey('node-1')         // { name: 'node-1' }
 * ```
 */
export function splitObjectKey(key: string): { namespace?: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { name: key };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new RangeError(`"${key}" is not an object key: want "namespace/name" or "name"`);
}

/**
 * Whether a Service can be reached from outside the cluster (upstream's
 * `apiservice.ExternallyAccessible`): NodePort and LoadBalancer, and a ClusterIP Service with
 * `externalIPs`. Only these may have an `externalTrafficPolicy`, and only these get one by default.
 * A Service without a type is a ClusterIP one.
 *
 * @example
 * ```ts
 * externallyAccessible({ spec: { type: 'NodePort' } })                    // true
 * externallyAccessible({ spec: { externalIPs: ['192.0.2.7'] } })         // true
 * externallyAccessible({ spec: { type: 'ExternalName', externalIPs: ['192.0.2.7'] } }) // false
 * ```
 */
export function externallyAccessible(service: Pick<Service, 'spec'>): boolean {
  const type = service.spec?.type ?? 'ClusterIP';
  return type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && (service.spec?.externalIPs ?? []).length > 0);
}
