/**
 * A runtime with some of its methods replaced and the others its own: how a node puts what its
 * kubelet and containerd do around kata 22's runtime (the container environment, cluster DNS, a
 * container's stdin) without the learner's class knowing. Given code.
 *
 * @example
 * ```ts
 * const logged = overrideRuntime(runtime, {
 *   createContainer: async (sandbox, config) => (console.log(config.metadata.name), runtime.createContainer(sandbox, config)),
 * });
 * await logged.listContainers(); // the runtime's own, called on the runtime
 * ```
 */
import type { RuntimeService } from '@kube/runtime';

/** `runtime`, with the methods in `overrides` in place of its own. */
export function overrideRuntime(runtime: RuntimeService, overrides: Partial<RuntimeService>): RuntimeService {
  return new Proxy(runtime, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof RuntimeService];
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
