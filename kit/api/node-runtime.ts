/**
 * node.k8s.io/v1 RuntimeClasses, and core/v1 PodTemplates.
 *
 * A RuntimeClass names a container runtime configuration of the nodes (`handler`: `runc`, or
 * `runsc` for gVisor where it is installed); a pod that says `runtimeClassName` gets the class's
 * overhead and scheduling constraints (the RuntimeClass admission plugin), and its node runs it
 * with that handler. A PodTemplate is a pod template stored on its own, for tools that make pods
 * from one.
 * @module
 */
import type { KubeObject, Quantity } from './meta.ts';
import type { PodTemplateSpec } from './pod.ts';
import type { Toleration } from './scheduling.ts';

/** What each pod of the class costs besides its containers. */
export interface Overhead {
  podFixed?: Record<string, Quantity>;
}

/** Where pods of the class may run: merged into each pod's nodeSelector and tolerations. */
export interface RuntimeClassScheduling {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

/**
 * A runtime configuration (cluster-scoped).
 *
 * @example
 * ```ts
 * const gvisor: RuntimeClass = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc' };
 * ```
 */
export interface RuntimeClass extends KubeObject {
  apiVersion?: 'node.k8s.io/v1';
  kind?: 'RuntimeClass';
  /** the node runtime's handler (a DNS label); may not change */
  handler: string;
  overhead?: Overhead;
  scheduling?: RuntimeClassScheduling;
}

/** A pod template, stored (namespaced). */
export interface PodTemplate extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'PodTemplate';
  template?: PodTemplateSpec;
}
