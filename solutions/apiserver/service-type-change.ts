/**
 * What a Service loses when an update changes its type (pkg/registry/core/service/storage/
 * storage.go, `dropTypeDependentFields`). `kubectl patch svc web -p '{"spec":{"type":"ClusterIP"}}'`
 * keeps the rest of the stored spec: the externalTrafficPolicy a NodePort Service was given by
 * default, which validation refuses on a ClusterIP one. A field the new type cannot use goes,
 * but only when the writer left it as it was: one they changed is what they asked for, and
 * validation answers it.
 *
 * This file is given: it is the same in katas/ and solutions/. The node ports of a Service turned
 * ClusterIP go in kata 26's `allocateUpdate`, which gives them back to the range. A Service turned
 * ExternalName loses its cluster IPs (a headless one its "None") and its IP family fields.
 *
 * @example
 * ```ts
 * const stored = { spec: { type: 'NodePort', clusterIP: '127.96.0.7', externalTrafficPolicy: 'Cluster' } };
 * const next = { spec: { type: 'ClusterIP', clusterIP: '127.96.0.7', externalTrafficPolicy: 'Cluster' } };
 * dropTypeDependentFields(next, stored);
 * next.spec;  // { type: 'ClusterIP', clusterIP: '127.96.0.7' }
 *
 * const asked = { spec: { type: 'ClusterIP', externalTrafficPolicy: 'Local' } };
 * dropTypeDependentFields(asked, stored);
 * asked.spec;  // unchanged: the policy was changed, so validation refuses it (422)
 * ```
 */
import { externallyAccessible, type Service } from '@kube/kit';

/** Drops from `next` what its type no longer uses and the writer did not change from `stored`. */
export function dropTypeDependentFields(next: Service, stored: Service): void {
  const spec = next.spec;
  const before = stored.spec ?? {};
  if (spec === undefined) return;
  // Turned ExternalName: the address (even "None" counts) is given back by kata 26's
  // allocateUpdate, and the IP families go with it (service-ip-families.ts).
  if (needsClusterIP(stored) && !needsClusterIP(next)) {
    if (spec.clusterIP === before.clusterIP && sameList(spec.clusterIPs, before.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameList(spec.ipFamilies, before.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === before.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (externallyAccessible(stored) && !externallyAccessible(next) && spec.externalTrafficPolicy === before.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  const leftLoadBalancer = before.type === 'LoadBalancer' && spec.type !== 'LoadBalancer';
  if (leftLoadBalancer && spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === before.allocateLoadBalancerNodePorts) {
    delete spec.allocateLoadBalancerNodePorts;
  }
}

/** Whether the Service's type has a clusterIP field to fill, "None" included: all but ExternalName (upstream's needsClusterIP). */
function needsClusterIP(service: Service): boolean {
  return service.spec?.type !== 'ExternalName';
}

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  return (a ?? []).join(',') === (b ?? []).join(',');
}
