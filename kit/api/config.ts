/**
 * Configuration a pod reads (core/v1): ConfigMaps and Secrets hold key/value data, a
 * ServiceAccount is the identity a pod's processes use to talk to the apiserver. The workbook stores
 * and serves them (kata 10) and checks their update rules (`immutable`); no kata mounts them.
 * @module
 */
import type { KubeObject } from './meta.ts';

/**
 * Plain-text settings: `kubectl create configmap settings --from-literal=color=blue`. With
 * `immutable: true` its data can no longer change (delete and re-create it instead).
 *
 * @example
 * ```ts
 * const settings: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { color: 'blue' } };
 * ```
 */
export interface ConfigMap extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'ConfigMap';
  /** the settings, by key (`[-._a-zA-Z0-9]+`) */
  data?: Record<string, string>;
  /** bytes, base64-encoded; a key may not be in both data and binaryData */
  binaryData?: Record<string, string>;
  /** once true, data, binaryData and immutable itself cannot change */
  immutable?: boolean;
}

/**
 * Secret data: stored and served like a ConfigMap's, but base64-encoded. `stringData` is write-only
 * plain text, folded into `data` on write.
 *
 * @example
 * ```ts
 * const token: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, stringData: { token: 's3cret' } };
 * ```
 */
export interface Secret extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Secret';
  /** the values, base64-encoded, by key */
  data?: Record<string, string>;
  /** plain-text values, written into data (they win over a data key of the same name); never read back */
  stringData?: Record<string, string>;
  /** `"Opaque"` (the default), `"kubernetes.io/service-account-token"`, ...; cannot change */
  type?: string;
  /** once true, data and immutable itself cannot change */
  immutable?: boolean;
}

/** The identity a pod's processes have in the cluster: `system:serviceaccount:<namespace>:<name>`. */
export interface ServiceAccount extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'ServiceAccount';
  /** whether pods of this account get its token mounted */
  automountServiceAccountToken?: boolean;
}
