/**
 * ComponentStatus (pkg/registry/core/componentstatus): `kubectl get componentstatuses` (`cs`) asks
 * the apiserver how the control plane is, and the apiserver checks each component when asked.
 * Nothing is stored: a get or a list is answered from the checks, and nothing else is served
 * (the type is `computed`, resources.ts). Deprecated since v1.19, still served by v1.32, with a
 * warning the server adds to each answer (http-server.ts).
 *
 * ```
 * $ kubectl get cs
 * Warning: v1 ComponentStatus is deprecated in v1.19+
 * NAME                 STATUS    MESSAGE   ERROR
 * scheduler            Healthy   ok
 * controller-manager   Healthy   ok
 * etcd-0               Healthy   ok
 * ```
 *
 * Given code. Simplified: upstream asks each component's `/healthz` over HTTPS (ports 10259 and
 * 10257 on the apiserver's host); the scheduler and the controller manager here serve no such
 * port, so a component is healthy while a leader holds its Lease in kube-system and renewed it
 * within the lease's duration, the sign of life they do give. Stopped, it hands the Lease back or
 * lets it run out: `Unhealthy`, with a message that says which. etcd is the store in this
 * process: healthy whenever the apiserver can answer. Upstream lists the components in no fixed
 * order; here always scheduler, controller-manager, etcd-0.
 *
 * @example
 * ```ts
 * const registry = withComponentStatuses(inner, () => componentStatuses(inner, clock));
 * registry.get('componentstatuses', undefined, 'scheduler');  // { kind: 'ComponentStatus', conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }], ... }
 * registry.get('componentstatuses', undefined, 'kubelet');    // StatusError 500: Internal error occurred: Component not found: kubelet
 * ```
 */
import { toRFC3339, type Clock, type ComponentStatus, type Lease } from '@kube/kit';
import { withComputedResources } from './computed-resources.ts';
import type { Registry } from './registry.ts';
import { internalError, isStatusError } from './status.ts';

/** The resource's name in paths. */
export const COMPONENT_STATUSES = 'componentstatuses';

/** The warning every answer about ComponentStatus carries (the deprecated API's, v1.32's words). */
export const COMPONENT_STATUS_DEPRECATION = 'v1 ComponentStatus is deprecated in v1.19+';

/** The components led through a Lease in kube-system, as `kubectl get cs` names them. */
const LEADERS: readonly { name: string; lease: string }[] = [
  { name: 'scheduler', lease: 'kube-scheduler' },
  { name: 'controller-manager', lease: 'kube-controller-manager' },
];

/** What one check found. */
interface Health {
  healthy: boolean;
  message: string;
}

/** The status of every component, checked now: scheduler, controller-manager, etcd-0. */
export function componentStatuses(registry: Registry, clock: Clock): ComponentStatus[] {
  return [...LEADERS.map(({ name, lease }) => componentStatus(name, leaderHealth(registry, clock, lease))), componentStatus('etcd-0', { healthy: true, message: 'ok' })];
}

/**
 * Healthy while someone holds the Lease and renewed it within its duration.
 *
 * @example
 * // kube-system/kube-scheduler held by cp_1, renewed 3 s ago, for 15 s  ->  { healthy: true, message: 'ok' }
 * // the same, renewed 20 s ago                                          ->  unhealthy: "... not renewed since ..."
 */
function leaderHealth(registry: Registry, clock: Clock, name: string): Health {
  let lease: Lease;
  try {
    lease = registry.get<Lease>('leases', 'kube-system', name);
  } catch (error) {
    if (isStatusError(error, 'NotFound')) return { healthy: false, message: `no Lease kube-system/${name}: ${name} has never led` };
    throw error;
  }
  const holder = lease.spec?.holderIdentity;
  if (!holder) return { healthy: false, message: `the Lease kube-system/${name} is held by no one: ${name} stopped` };
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
  if (Number.isNaN(renewed) || renewed + durationMs <= clock.now()) {
    const since = Number.isNaN(renewed) ? 'it was never renewed' : `${holder} has not renewed it since ${toRFC3339(renewed)}`;
    return { healthy: false, message: `the Lease kube-system/${name} has run out: ${since}` };
  }
  return { healthy: true, message: 'ok' };
}

/** The object for one component: one condition, `Healthy`, True or False (upstream's probe.Failure). */
function componentStatus(name: string, health: Health): ComponentStatus {
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name }, conditions: [{ type: 'Healthy', status: health.healthy ? 'True' : 'False', message: health.message }] };
}

/**
 * The registry as the handler sees it: a get or a list of `componentstatuses` is answered from
 * `statuses()` (checked at that moment), everything else is the registry's own. A name that is no
 * component is upstream's plain error, so a 500: `Component not found: <name>`. A list honours
 * its selectors: none of the objects has a label, and `metadata.name` picks one.
 */
export function withComponentStatuses(registry: Registry, statuses: () => ComponentStatus[]): Registry {
  return withComputedResources(registry, { [COMPONENT_STATUSES]: { objects: statuses, missing: (name) => internalError(`Component not found: ${name}`) } });
}
