/**
 * apiregistration.k8s.io/v1 APIServices: the kube-aggregator's record of who serves each
 * group-version. Every group-version kube-apiserver serves itself has one (`v1.apps`, SERVICE
 * `Local`), and so does each CustomResourceDefinition's; an extension apiserver (metrics-server)
 * would add one naming its Service.
 *
 * ```
 * kubectl get apiservices
 * NAME                     SERVICE   AVAILABLE   AGE
 * v1.                      Local     True        3d
 * v1.apps                  Local     True        3d
 * v1.stable.example.com    Local     True        5m
 * ```
 * @module
 */
import type { KubeObject, Time } from './meta.ts';

/** The Service an aggregated group-version is proxied to; none for a local one. */
export interface ServiceReference {
  namespace?: string;
  name?: string;
  port?: number;
}

/** Who serves one group-version, and how it ranks in discovery. */
export interface APIServiceSpec {
  /** none: kube-apiserver serves it itself (`Local`) */
  service?: ServiceReference;
  group?: string;
  version?: string;
  insecureSkipTLSVerify?: boolean;
  caBundle?: string;
  /** the group's rank in discovery: the highest of its versions' (the core group 18000, apps 17800) */
  groupPriorityMinimum: number;
  /** the version's rank within its group */
  versionPriority: number;
}

/** `Available`: whether the group-version answers. */
export interface APIServiceCondition {
  type: 'Available' | (string & {});
  status: 'True' | 'False' | 'Unknown' | (string & {});
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

/** Whether it is available. */
export interface APIServiceStatus {
  conditions?: APIServiceCondition[];
}

/**
 * One group-version and who serves it (cluster-scoped), named `<version>.<group>`.
 *
 * @example
 * ```ts
 * const apps: APIService = { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 } };
 * ```
 */
export interface APIService extends KubeObject {
  apiVersion?: 'apiregistration.k8s.io/v1';
  kind?: 'APIService';
  spec: APIServiceSpec;
  status?: APIServiceStatus;
}
