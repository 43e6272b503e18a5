/**
 * Resources computed when read, with no storage behind them: a registry that answers `get` and
 * `list` of each from a function, and hands everything else to the registry it wraps. Given code:
 * ComponentStatuses (component-statuses.ts) and APIServices (api-services.ts) are served this way.
 *
 * @example
 * ```ts
 * const registry = withComputedResources(stored, {
 *   componentstatuses: { objects: () => componentStatuses(stored, clock), missing: (name) => internalError(`Component not found: ${name}`) },
 * });
 * registry.list('componentstatuses', undefined);  // computed now; registry.list('pods', ...) is the store's
 * ```
 */
import type { KubeObject } from '@kube/kit';
import type { ListOptions, ListResult, Registry } from './registry.ts';
import { fieldsMatch, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.ts';
import { badRequest, type StatusError } from './status.ts';

/** One computed resource: its objects now, and the error for a name it does not have. */
export interface ComputedResource {
  objects(): KubeObject[];
  missing(name: string): StatusError;
}

/** `registry`, but for the `computed` resources, which it answers itself (label and name selectors apply). */
export function withComputedResources(registry: Registry, computed: Readonly<Record<string, ComputedResource>>): Registry {
  const get = (resource: string, namespace: string | undefined, name: string): KubeObject => {
    const source = Object.hasOwn(computed, resource) ? computed[resource]! : undefined;
    if (!source) return registry.get(resource, namespace, name);
    const found = source.objects().find((object) => object.metadata.name === name);
    if (!found) throw source.missing(name);
    return found;
  };
  const list = (resource: string, namespace: string | undefined, options: ListOptions = {}): ListResult => {
    const source = Object.hasOwn(computed, resource) ? computed[resource]! : undefined;
    if (!source) return registry.list(resource, namespace, options);
    try {
      const labels = parseLabelSelector(options.labelSelector ?? '');
      const fields = parseFieldSelector(options.fieldSelector ?? '', ['metadata.name']);
      const items = source.objects().filter((object) => labels.matches(object.metadata.labels) && fieldsMatch(fields, { 'metadata.name': object.metadata.name ?? '' }));
      return { items, resourceVersion: '' };
    } catch (error) {
      if (error instanceof SelectorError) throw badRequest(error.message);
      throw error;
    }
  };
  return new Proxy(registry, {
    get: (target, property) => {
      if (property === 'get') return get;
      if (property === 'list') return list;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
