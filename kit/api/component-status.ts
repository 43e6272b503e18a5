/**
 * ComponentStatus (core/v1, deprecated since v1.19 and still served by v1.32): the health of the
 * control plane's components as the apiserver sees them, computed when read and never stored.
 * `kubectl get componentstatuses` (`cs`) lists them.
 * @module
 */
import type { KubeObject } from './meta.ts';

/** One condition of a component: only `Healthy` exists. */
export interface ComponentCondition {
  /** `Healthy` */
  type: string;
  /** `True` healthy, `False` not, `Unknown` when the check itself failed */
  status: string;
  /** what the check said: `ok` */
  message?: string;
  /** why it failed */
  error?: string;
}

/**
 * A component and its health: `scheduler`, `controller-manager`, `etcd-0`. Cluster-scoped.
 *
 * @example
 * ```ts
 * const scheduler: ComponentStatus = { apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: 'scheduler' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] };
 * ```
 */
export interface ComponentStatus extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'ComponentStatus';
  conditions?: ComponentCondition[];
}
