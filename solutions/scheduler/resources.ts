/**
 * Resource amounts as numbers: what a pod requests and what a node can give.
 *
 * Quantities arrive as strings (`"500m"`, `"1Gi"`, `"110"`). The scheduler compares them for every
 * node of every cycle, so it parses them once, with `parseQuantity` from the apiserver (kata 07),
 * and works with plain numbers from then on:
 * - `cpu` in **millicores** (`"1"` is 1000, `"250m"` is 250, `"0.1"` is 100), rounded up;
 * - every other resource in its base unit: `memory` and `ephemeral-storage` in bytes, `pods` and
 *   extended resources (`nvidia.com/gpu`) as counts.
 *
 * @example
 * ```ts
 * toAmounts({ cpu: '1500m', memory: '1Gi' });            // { cpu: 1500, memory: 1073741824 }
 * podRequests(pod);                                      // { cpu: 600, memory: 134217728 }
 * ```
 */
import type { Pod, Quantity } from '@kube/kit';
import { parseQuantity } from '@kube/apiserver';

/** Amounts by resource name: `cpu` in millicores, everything else in its base unit. */
export type ResourceAmounts = Record<string, number>;

/**
 * Parses every quantity of a resource list: `cpu` with `milliValue()`, the others with `value()`.
 *
 * @throws the apiserver's QuantityError, unchanged, for the first quantity that does not parse
 */
export function toAmounts(list: Readonly<Record<string, Quantity>> | undefined): ResourceAmounts {
  const amounts: ResourceAmounts = {};
  if (!list) return amounts;
  for (const name of Object.keys(list)) {
    const quantity = parseQuantity(list[name]!);
    // CPU is compared in thousandths of a core: requests like "250m" are the common case.
    amounts[name] = name === 'cpu' ? quantity.milliValue() : quantity.value();
  }
  return amounts;
}

/**
 * What a pod asks of its node, resource by resource (resource.PodRequests, without overhead and
 * sidecars): the **sum** over its containers, or, if larger, the request of its **largest** init
 * container. Init containers run one at a time, before the others, so the node must have room for
 * the biggest of them, never for all of them together.
 *
 * @example
 * ```ts
 * // containers ask 100m and 200m, an init container 500m: the pod needs max(300, 500) = 500
 * podRequests(pod).cpu; // 500
 * ```
 * @throws the apiserver's QuantityError when a request does not parse
 */
export function podRequests(pod: Pod): ResourceAmounts {
  const total: ResourceAmounts = {};
  const spec = pod.spec;
  if (!spec) return total;
  for (const container of spec.containers ?? []) {
    const requests = toAmounts(container.resources?.requests);
    for (const name in requests) total[name] = (total[name] ?? 0) + requests[name]!;
  }
  for (const container of spec.initContainers ?? []) {
    const requests = toAmounts(container.resources?.requests);
    for (const name in requests) total[name] = Math.max(total[name] ?? 0, requests[name]!);
  }
  return total;
}
