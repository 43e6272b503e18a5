/**
 * A pod's quality-of-service class, which the apiserver sets once, when the pod is created
 * (pkg/apis/core/helper/qos: ComputePodQOS), and which decides what a node short of memory evicts
 * first. Only cpu and memory count, and only amounts above zero; the amounts of all the containers
 * (init containers too) are added up.
 *
 * | the containers' cpu and memory | class |
 * | --- | --- |
 * | no request and no limit at all | BestEffort |
 * | every container has a cpu and a memory limit, and the requests equal the limits | Guaranteed |
 * | anything else | Burstable |
 *
 * A limit without a request counts as a request of the limit: the Pod's defaulting makes it one
 * (defaulting.ts), and upstream computes the class after defaulting.
 *
 * Given code: the pods' resource type calls it when a pod is created (resources.ts).
 *
 * @example
 * ```ts
 * const pod = (resources: ResourceRequirements) => ({ kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources }] } });
 * podQOSClass(pod({}));                                                      // 'BestEffort'
 * podQOSClass(pod({ limits: { cpu: '1', memory: '1Gi' } }));                 // 'Guaranteed'
 * podQOSClass(pod({ requests: { cpu: '500m' }, limits: { cpu: '1', memory: '1Gi' } }));  // 'Burstable'
 * ```
 */
import type { Pod, PodQOSClass } from '@kube/kit';
import { parseQuantity, type Quantity } from './quantity.ts';

/** The resources the class is computed from. */
const QOS_RESOURCES = ['cpu', 'memory'];

/** A quantity above zero, or undefined (absent, zero, or not a quantity: validation refuses that one). */
function positive(text: string | undefined): Quantity | undefined {
  if (text === undefined) return undefined;
  try {
    const quantity = parseQuantity(text);
    return quantity.cmp(parseQuantity('0')) > 0 ? quantity : undefined;
  } catch {
    return undefined;
  }
}

/** Adds `quantity` to the total of `resource` in `totals`. */
function addTo(totals: Map<string, Quantity>, resource: string, quantity: Quantity): void {
  const total = totals.get(resource);
  totals.set(resource, total === undefined ? quantity : total.add(quantity));
}

/** The QoS class of a pod, from its containers' requests and limits. */
export function podQOSClass(pod: Pod): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let everyContainerLimited = true;
  for (const container of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const given = container.resources ?? {};
    for (const resource of QOS_RESOURCES) {
      const limit = positive(given.limits?.[resource]);
      const request = given.requests?.[resource] === undefined ? limit : positive(given.requests[resource]);
      if (request) addTo(requests, resource, request);
      if (limit) addTo(limits, resource, limit);
      if (!limit) everyContainerLimited = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  const requestsAreLimits = [...requests].every(([resource, request]) => limits.get(resource)?.cmp(request) === 0);
  return everyContainerLimited && requestsAreLimits && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
