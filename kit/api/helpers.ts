/**
 * Small helpers every component needs and no kata teaches.
 */
import type { KubeObject } from './meta.ts';

/**
 * The cache key of an object: "namespace/name", or "name" for a cluster-scoped one (as client-go's
 * MetaNamespaceKeyFunc).
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
