/**
 * Namespaces (core/v1): the folders that namespaced objects live in.
 * @module
 */
import type { KubeObject } from './meta.ts';

/** Active, or Terminating: being deleted, and nothing new may be created in it. */
export type NamespacePhase = 'Active' | 'Terminating';

/** What the namespace should be. */
export interface NamespaceSpec {
  /** what must be cleaned up before the namespace goes (`"kubernetes"`: its contents) */
  finalizers?: string[];
}

/** What the namespace is. */
export interface NamespaceStatus {
  phase?: NamespacePhase;
}

/**
 * A namespace. Cluster-scoped. While it is Terminating, kata 11's NamespaceLifecycle admission
 * refuses to create objects in it.
 *
 * @example
 * ```ts
 * const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
 * ```
 */
export interface Namespace extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Namespace';
  spec?: NamespaceSpec;
  status?: NamespaceStatus;
}
